//! `check_patterns` on two threads gives the same rows, in the same order,
//! as on one: explorations share nothing, and the rows are handed over in
//! the sequential order whatever order the threads finish in. The slowest
//! model jobs start first; the real-thread stress runs come after every
//! model run, except, on two threads, a real job whose spec says it shows
//! the bug (a deadlock waiting out its watchdog), which goes beside them.

use racetrace::Backend;
use racetrace_patterns::{self as patterns, CheckRow, Ran};

/// Every row of `names` with `jobs` threads, and when it ran.
fn check(names: &[&str], jobs: usize) -> Vec<(CheckRow, Ran)> {
    let chosen: Vec<_> = names.iter().map(|n| patterns::find(n).unwrap()).collect();
    let mut out = Vec::new();
    patterns::check_patterns_timed(&chosen, jobs, true, None, &mut |row, _, ran| {
        out.push((row, ran))
    })
    .unwrap();
    out
}

/// (pattern, variant, backend, schedules, complete, verdict, violations) of
/// every row; for real-thread runs, which are stress tests whose finds vary
/// from run to run, only which run it was.
fn describe(rows: &[(CheckRow, Ran)]) -> Vec<String> {
    rows.iter()
        .map(|(row, _)| {
            if row.backend == Backend::Real {
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
            }
        })
        .collect()
}

fn name(row: &CheckRow) -> String {
    format!("{}/{} {}", row.pattern, row.variant, row.backend)
}

#[test]
fn two_threads_give_the_rows_of_one_in_the_same_order() {
    let chosen = ["unsafe-counter", "relock", "lost-wakeup", "semaphore"];
    let one = check(&chosen, 1);
    assert!(one.len() > 10, "{:?}", describe(&one));
    assert_eq!(describe(&check(&chosen, 2)), describe(&one));
    // One thread: every real run after every model run, on an idle process.
    let models_done = one
        .iter()
        .filter(|(r, _)| r.backend != Backend::Real)
        .map(|(_, ran)| ran.ended)
        .max()
        .unwrap();
    for (row, ran) in one.iter().filter(|(r, _)| r.backend == Backend::Real) {
        assert!(
            ran.started >= models_done,
            "{} started at {:?}, before the model runs ended ({models_done:?})",
            name(row),
            ran.started
        );
    }
}

/// A real job whose spec says its runs show the bug: required, on a
/// variant expected to have one.
fn ends_at_its_bug(row: &CheckRow) -> bool {
    let v = patterns::find(row.pattern)
        .unwrap()
        .variant(row.variant)
        .unwrap();
    row.backend == Backend::Real
        && row.expect.bug().is_some()
        && v.jobs
            .iter()
            .any(|j| j.backend == Backend::Real && j.required)
}

#[test]
fn on_two_threads_the_slowest_model_jobs_start_first_and_a_real_deadlock_goes_beside() {
    // process-queue's real runs start worker processes: from the racetrace
    // binary, which registers the patterns' workers.
    patterns::fixtures::install();
    racetrace::process::set_worker_exe(env!("CARGO_BIN_EXE_racetrace"));
    let chosen = ["thread-pool", "process-queue"];
    let rows = check(&chosen, 2);
    for (row, _) in &rows {
        assert!(row.as_specified, "{} not as specified", name(row));
    }
    let weight = |row: &CheckRow| {
        patterns::SLOWEST
            .iter()
            .find(|(p, v, b, _)| *p == row.pattern && *v == row.variant && *b == row.backend)
            .map_or(0.0, |s| s.3)
    };
    // The model jobs, in the order they were taken: the ones SLOWEST names,
    // slowest first, then the rest in the rows' (registry) order.
    let model: Vec<&(CheckRow, Ran)> = rows
        .iter()
        .filter(|(r, _)| r.backend != Backend::Real)
        .collect();
    let mut expected = model.clone();
    expected.sort_by(|a, b| weight(&b.0).total_cmp(&weight(&a.0)));
    assert!(
        weight(&expected[0].0) > 0.0,
        "no slow job among {chosen:?}: pick others"
    );
    for pair in expected.windows(2) {
        let ((a, ra), (b, rb)) = (pair[0], pair[1]);
        assert!(
            ra.started <= rb.started,
            "{} (started at {:?}) should have started before {} (at {:?})",
            name(a),
            ra.started,
            name(b),
            rb.started
        );
    }
    // The real run that deadlocks as its spec says, and waits out its 2 s
    // watchdog, does so while the model runs go on, not after them.
    let models_done = model.iter().map(|(_, ran)| ran.ended).max().unwrap();
    let (deadlock, ran) = rows
        .iter()
        .find(|(r, _)| r.variant == "join-before-drain" && r.backend == Backend::Real)
        .unwrap();
    assert!(ends_at_its_bug(deadlock));
    assert_eq!(deadlock.violations, ["deadlock (timed out)"]);
    assert!(
        ran.started < models_done,
        "{} started at {:?}, after the model runs ended ({models_done:?})",
        name(deadlock),
        ran.started
    );
    // The stress runs wait for the model runs, one job at a time.
    let stress: Vec<&(CheckRow, Ran)> = rows
        .iter()
        .filter(|(r, _)| r.backend == Backend::Real && !ends_at_its_bug(r))
        .collect();
    assert!(stress.len() >= 4, "{:?}", describe(&rows));
    for (row, ran) in &stress {
        assert!(
            ran.started >= models_done,
            "{} started at {:?}, before the model runs ended ({models_done:?})",
            name(row),
            ran.started
        );
    }
    for pair in stress.windows(2) {
        assert!(
            pair[0].1.ended <= pair[1].1.started,
            "{} and {} overlap",
            name(&pair[0].0),
            name(&pair[1].0)
        );
    }
}

#[test]
fn every_slow_job_named_is_a_model_job_of_the_main_job() {
    for (p, v, backend, seconds) in patterns::SLOWEST {
        let pattern = patterns::find(p).unwrap();
        let variant = pattern.variant(v).unwrap();
        assert!(
            variant.jobs.iter().any(|j| j.backend == *backend),
            "{p}/{v} has no {backend} job"
        );
        assert!(
            *backend != Backend::Real && *seconds > 0.0,
            "{p}/{v} {backend}"
        );
    }
    assert!(
        patterns::SLOWEST.windows(2).all(|w| w[0].3 >= w[1].3),
        "SLOWEST is slowest first"
    );
}
