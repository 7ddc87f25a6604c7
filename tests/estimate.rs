//! Sizes that cannot finish are refused before they start, and nothing the
//! main job runs is: the schedule-count estimate from a few sampled
//! schedules (`racetrace::explore::Estimate`).

use racetrace::explore::{Estimate, REFUSE_ABOVE_LOG10};
use racetrace::{Backend, Config};
use racetrace_patterns::{self as patterns, Params, Pattern, Variant};

fn estimate(p: &'static Pattern, v: &'static Variant, params: &Params, c: &Config) -> Estimate {
    let sample = patterns::explore(p, v, params, &Estimate::sample_config(c)).unwrap();
    Estimate::from_sample(&sample, c.backend)
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
        // Not `process-pool --backend loom --param workers=4`: the loom
        // estimate (every operation, sections not merged) is about 10^5
        // there, far below what loom runs (docs/performance.md).
    ] {
        let (e, c) = case(pattern, variant, given, backend);
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
                let e = estimate(p, v, &params, &c);
                assert!(
                    e.refusal(&c).is_none() && e.log10_schedules <= REFUSE_ABOVE_LOG10,
                    "{}/{} under {}: {e:?}",
                    p.name,
                    v.name,
                    c.backend
                );
            }
        }
    }
}
