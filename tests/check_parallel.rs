//! `check_patterns` on two threads gives the same rows, in the same order,
//! as on one: explorations share nothing, and the rows are handed over in
//! the sequential order whatever order the threads finish in.

use racetrace::Backend;
use racetrace_patterns as patterns;

/// (pattern, variant, backend, schedules, complete, verdict, violations) of
/// every row; for real-thread runs, which are stress tests whose finds vary
/// from run to run, only which run it was.
fn rows(jobs: usize) -> Vec<String> {
    let chosen: Vec<_> = ["unsafe-counter", "relock", "lost-wakeup", "semaphore"]
        .iter()
        .map(|n| patterns::find(n).unwrap())
        .collect();
    let mut out = Vec::new();
    patterns::check_patterns(&chosen, jobs, true, &mut |row, _| {
        out.push(if row.backend == Backend::Real {
            format!("{}/{} {}", row.pattern, row.variant, row.backend)
        } else {
            format!(
                "{}/{} {} {} {} {:?} {:?}",
                row.pattern,
                row.variant,
                row.backend,
                row.schedules,
                row.complete,
                row.verdict,
                row.violations
            )
        })
    })
    .unwrap();
    out
}

#[test]
fn two_threads_give_the_rows_of_one_in_the_same_order() {
    let one = rows(1);
    assert!(one.len() > 10, "{one:?}");
    assert_eq!(rows(2), one);
}
