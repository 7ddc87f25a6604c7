//! Sizes that cannot finish are refused before they start, and nothing the
//! main job runs is: the schedule-count estimate from a few sampled
//! schedules, and for loom from a probe of loom itself
//! (`racetrace::explore::Estimate`).

use racetrace::explore::{Estimate, LOOM_REFUSE_ABOVE_HOURS, PROBE_SECONDS, REFUSE_ABOVE_LOG10};
use racetrace::{Backend, Config};
use racetrace_patterns::{self as patterns, Params, Pattern, Variant};
use std::time::{Duration, Instant};

#[path = "common/full.rs"]
mod full;

fn estimate(p: &'static Pattern, v: &'static Variant, params: &Params, c: &Config) -> Estimate {
    Estimate::measure(c, |c| patterns::explore(p, v, params, c)).unwrap()
}

fn case(
    pattern: &str,
    variant: &str,
    given: &[(&str, usize)],
    backend: Backend,
) -> (Estimate, Config) {
    let p = patterns::find(pattern).unwrap();
    let v = p.variant(variant).unwrap();
    let given: Vec<(String, usize)> = given.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let params = p.params(&given).unwrap();
    let c = Config::new(backend);
    (estimate(p, v, &params, &c), c)
}

#[test]
fn the_issues_sizes_that_cannot_finish_are_refused_in_one_line() {
    for (pattern, variant, given, backend) in [
        (
            "unsafe-counter",
            "load-store",
            &[("threads", 16), ("ops", 1000)][..],
            Backend::Dpor,
        ),
        (
            "gather",
            "first-error",
            &[("tasks", 8), ("fail", 8)][..],
            Backend::Dpor,
        ),
        // loom's estimate comes from a probe of loom (PROBE_SECONDS, all
        // of them here): about 10^9 schedules, a day or more here
        // (docs/performance.md). Under RACETRACE_FULL only, as the probe
        // of the default pool below: together about 5 s of the everyday
        // loop (the two run side by side), where the probe's other paths
        // are checked without waiting it out (a probe that finishes, below;
        // the fraction read from loom's path, in the library's unit tests).
        ("process-pool", "map", &[("workers", 4)][..], Backend::Loom),
    ]
    .into_iter()
    .filter(|case| case.3 != Backend::Loom || full::full())
    {
        let start = Instant::now();
        let (e, c) = case(pattern, variant, given, backend);
        assert!(
            start.elapsed() < Duration::from_secs(PROBE_SECONDS + 20),
            "{pattern}: the estimate took {:?}",
            start.elapsed()
        );
        let why = e
            .refusal(&c)
            .unwrap_or_else(|| panic!("{pattern} {given:?} under {backend}: not refused: {e:?}"));
        eprintln!("{pattern}: {why}");
        assert!(!why.contains('\n'));
        assert!(
            why.contains("--max-schedules") && why.contains("--max-seconds"),
            "{why}"
        );
        // A bound makes it a part to explore, not a refusal.
        assert!(e.refusal(&c.clone().with_max_schedules(1000)).is_none());
        assert!(
            e.refusal(
                &c.clone()
                    .with_max_duration(std::time::Duration::from_secs(5))
            )
            .is_none()
        );
    }
}

#[test]
fn nothing_the_main_job_runs_is_refused() {
    for p in patterns::all() {
        let params = p.params(&[]).unwrap();
        for v in p.variants {
            for job in v.jobs.iter().filter(|j| j.backend.exhaustive()) {
                let c = job.config();
                // loom's unbounded jobs are probed by running loom (whole,
                // for every one of them: about 8 s in all): under
                // RACETRACE_FULL only; a probe that finishes runs in the
                // everyday loop (a_probe_that_finishes_is_the_exploration).
                if c.backend == Backend::Loom && c.preemption_bound.is_none() && !full::full() {
                    continue;
                }
                let e = estimate(p, v, &params, &c);
                assert!(
                    e.refusal(&c).is_none() && e.log10_schedules <= REFUSE_ABOVE_LOG10,
                    "{}/{} under {}: {e:?}",
                    p.name,
                    v.name,
                    c.backend
                );
                // loom's unbounded jobs are probed; the probe runs them
                // whole (the largest, thread-pool/no-wait, 13,693 schedules
                // in about 2 s), or on a loaded machine nearly.
                if c.backend == Backend::Loom && c.preemption_bound.is_none() {
                    let probe = e.probe.as_ref().expect("loom is probed");
                    assert!(
                        probe.complete || e.hours().is_some_and(|h| h < 1.0),
                        "{}/{}: {e:?}",
                        p.name,
                        v.name
                    );
                }
            }
        }
    }
}

/// When loom finishes inside its probe, the probe's report is the
/// exploration itself (the command line prints it instead of running loom a
/// second time): the same rows as an exploration run on its own.
#[test]
fn a_probe_that_finishes_is_the_exploration() {
    let p = patterns::find("unsafe-counter").unwrap();
    let v = p.variant("load-store").unwrap();
    let params = p.params(&[]).unwrap();
    let c = Config::new(Backend::Loom);
    let (e, whole) =
        Estimate::measure_keeping(&c, |c| patterns::explore(p, v, &params, c)).unwrap();
    let whole = whole.expect("loom finishes unsafe-counter inside the probe");
    let alone = patterns::explore(p, v, &params, &c).unwrap();
    assert!(whole.complete && alone.complete);
    assert_eq!(whole.bound, alone.bound);
    let rows = |r: &racetrace::Report| -> Vec<(String, u64, bool)> {
        r.outcomes
            .iter()
            .map(|o| (o.outcome.clone(), o.schedules, o.allowed))
            .collect()
    };
    assert_eq!(rows(&whole), rows(&alone));
    assert_eq!(whole.schedules, alone.schedules);
    assert_eq!(
        e.probe.map(|p| (p.schedules, p.complete)),
        Some((alone.schedules, true))
    );
    // A bounded exploration is not probed, so there is nothing to keep.
    let bounded = c.clone().with_max_schedules(10);
    let (_, none) =
        Estimate::measure_keeping(&bounded, |c| patterns::explore(p, v, &params, c)).unwrap();
    assert!(none.is_none());
}

/// loom's default process pool (two workers) is estimated, not refused: it
/// would take hours at most, not days. (Under RACETRACE_FULL only: the
/// probe runs its whole PROBE_SECONDS.)
#[test]
fn loom_below_the_time_limit_is_not_refused() {
    if !full::full() {
        return;
    }
    let p = patterns::find("process-pool").unwrap();
    let v = p.variant("map").unwrap();
    let params = p.params(&[]).unwrap();
    let c = Config::new(Backend::Loom);
    let (e, whole) =
        Estimate::measure_keeping(&c, |c| patterns::explore(p, v, &params, c)).unwrap();
    // Not finished inside the probe: the exploration runs on its own.
    assert!(whole.is_none());
    let hours = e.hours().expect("the probe does not finish it");
    eprintln!("process-pool under loom: {e:?}, {hours:.2} hours");
    assert!(hours < LOOM_REFUSE_ABOVE_HOURS, "{e:?}: {hours} hours");
    assert!(e.refusal(&c).is_none());
}
