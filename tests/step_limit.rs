//! The step limit is above what every correct variant needs at its largest
//! parameters: none ends with `step limit`, a false violation, within the
//! documented ranges (`racetrace list`). The former fixed limit of 2,000
//! operations was below several of them (`locked-counter --ops 600`).

use racetrace::{Backend, Config, explore::STEP_LIMIT};
use racetrace_patterns::{self as patterns, spec::Expect};

#[test]
fn no_correct_variant_reaches_the_step_limit_at_its_largest_parameters() {
    let mut largest = (0, String::new());
    for p in patterns::all() {
        let given: Vec<(String, usize)> = p
            .params
            .iter()
            .map(|s| (s.name.to_string(), s.max))
            .collect();
        let params = p.params(&given).unwrap();
        for v in p.variants.iter().filter(|v| v.spec.expect == Expect::Holds) {
            // A few seeded schedules each: the step count of a schedule
            // hardly depends on the order (these programs do not spin).
            let c = Config::new(Backend::ShuttleRandom).with_max_schedules(2);
            let r = patterns::explore(p, v, &params, &c).unwrap();
            let what = format!("{}/{} · {}", p.name, v.name, params.describe());
            assert!(
                r.row(STEP_LIMIT).is_none(),
                "{what}: a correct variant reached the step limit\n{}",
                r.render_table()
            );
            for row in &r.outcomes {
                let n = row.witness.as_ref().map_or(0, |w| w.trace.events.len());
                if n > largest.0 {
                    largest = (n, what.clone());
                }
            }
        }
    }
    eprintln!("largest trace: {} operations, {}", largest.0, largest.1);
    // The test means something: the old fixed limit would have failed it.
    assert!(largest.0 > 2000, "{largest:?}");
    assert!(largest.0 < racetrace::config::MAX_STEPS, "{largest:?}");
}
