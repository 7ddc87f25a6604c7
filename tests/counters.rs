//! The counter patterns against the brute-force oracle, under every backend.

mod common;
#[path = "common/full.rs"]
mod full;

use common::{Inc, counter_oracle, numeric_outcomes};
use racetrace::{Backend, Config, Report};
use racetrace_patterns::{self as patterns, Params};

fn run(pattern: &str, variant: &str, threads: usize, ops: usize, config: &Config) -> Report {
    let p = patterns::find(pattern).unwrap();
    let v = p.variant(variant).unwrap();
    let params: Params = p
        .params(&[("threads".into(), threads), ("ops".into(), ops)])
        .unwrap();
    patterns::explore(p, v, &params, config).unwrap()
}

const SMALL: &[(usize, usize)] = &[(1, 1), (1, 3), (2, 1), (2, 2), (3, 1)];

#[test]
fn lost_update_is_reachable_with_two_threads() {
    for b in [Backend::Loom, Backend::ShuttleDfs] {
        let r = run("unsafe-counter", "load-store", 2, 1, &Config::new(b));
        assert!(r.complete);
        let lost = r
            .row("1")
            .unwrap_or_else(|| panic!("{b}: no lost update\n{}", r.render_table()));
        assert!(!lost.allowed);
        let w = lost.witness.as_ref().unwrap();
        assert_eq!(w.trace.outcome, "1");
        assert!(w.replay.is_some());
    }
}

#[test]
fn load_store_counter_reaches_exactly_the_oracle_set_under_exhaustive_backends() {
    // 2x3 under loom (a second) with RACETRACE_FULL=1 only.
    let larger: &[(usize, usize)] = full::quick_or_full(&[], &[(2, 3)]);
    for &(n, k) in SMALL.iter().chain(larger) {
        let (expected, _) = counter_oracle(n, k, Inc::LoadStore, None);
        for b in [Backend::Loom, Backend::ShuttleDfs] {
            if b == Backend::ShuttleDfs && (n, k) == (2, 3) {
                continue; // ~40k schedules: covered by loom
            }
            let r = run("unsafe-counter", "load-store", n, k, &Config::new(b));
            assert!(r.complete, "{b} {n}x{k} incomplete");
            assert_eq!(
                numeric_outcomes(&r),
                expected,
                "{b} {n}x{k}\n{}",
                r.render_table()
            );
        }
    }
}

#[test]
fn loom_with_a_preemption_bound_reaches_the_oracle_set_within_that_bound() {
    for &(n, k) in &[(2, 1), (2, 2), (3, 1), (2, 3)] {
        for bound in 0..=2 {
            let (expected, _) = counter_oracle(n, k, Inc::LoadStore, Some(bound));
            let r = run(
                "unsafe-counter",
                "load-store",
                n,
                k,
                &Config::new(Backend::Loom).with_preemption_bound(bound),
            );
            assert!(r.complete);
            let got = numeric_outcomes(&r);
            // loom can read stale values without preempting (loom #180), so
            // with a bound it may reach more than the sequentially consistent
            // oracle; never less, and never outside the unbounded set.
            let (all, _) = counter_oracle(n, k, Inc::LoadStore, None);
            assert!(
                expected.is_subset(&got),
                "{n}x{k} bound {bound}: {got:?} misses some of {expected:?}"
            );
            assert!(
                got.is_subset(&all),
                "{n}x{k} bound {bound}: {got:?} outside {all:?}"
            );
        }
    }
}

#[test]
fn unsafe_cell_counter_is_a_data_race_under_loom_and_a_lost_update_under_shuttle() {
    for &(n, k) in SMALL {
        let r = run(
            "unsafe-counter",
            "unsafe-cell",
            n,
            k,
            &Config::new(Backend::Loom),
        );
        let got: Vec<&str> = r.outcome_set();
        if n == 1 {
            assert_eq!(got, vec![k.to_string().as_str()]);
        } else {
            assert!(got.contains(&"data-race"), "{n}x{k}: {got:?}");
            let w = r.row("data-race").unwrap().witness.as_ref().unwrap();
            assert!(
                w.trace
                    .detail
                    .as_deref()
                    .unwrap_or("")
                    .contains("Causality violation")
            );
        }
        let (expected, _) = counter_oracle(n, k, Inc::LoadStore, None);
        let r = run(
            "unsafe-counter",
            "unsafe-cell",
            n,
            k,
            &Config::new(Backend::ShuttleDfs),
        );
        assert_eq!(numeric_outcomes(&r), expected);
    }
}

#[test]
fn mutex_counter_only_reaches_threads_times_ops() {
    for &(n, k) in SMALL {
        let (expected, _) = counter_oracle(n, k, Inc::Atomic, None);
        for b in [Backend::Loom, Backend::ShuttleDfs] {
            for v in ["mutex", "atomic"] {
                let r = run("locked-counter", v, n, k, &Config::new(b));
                assert!(r.complete);
                assert_eq!(numeric_outcomes(&r), expected, "{v} {b} {n}x{k}");
                assert!(r.violations().next().is_none());
            }
        }
    }
}

#[test]
fn sampling_backends_only_reach_oracle_outcomes() {
    let (n, k) = (3, 2);
    let (expected, _) = counter_oracle(n, k, Inc::LoadStore, None);
    for b in [Backend::ShuttleRandom, Backend::ShuttlePct, Backend::Real] {
        let r = run(
            "unsafe-counter",
            "load-store",
            n,
            k,
            &Config::new(b).with_max_schedules(300),
        );
        assert_eq!(r.schedules, 300);
        assert!(!r.complete);
        let got = numeric_outcomes(&r);
        assert!(
            got.is_subset(&expected),
            "{b}: {got:?} outside {expected:?}"
        );
        // The seeded samplers find the lost update in those 300 schedules
        // (the real threads need not).
        if b != Backend::Real {
            assert!(
                r.violations().next().is_some(),
                "{b} missed the lost update in 300 schedules"
            );
        }
    }
}

#[test]
fn seeded_backends_are_deterministic() {
    for b in [Backend::ShuttleRandom, Backend::ShuttlePct] {
        let a = run(
            "unsafe-counter",
            "load-store",
            2,
            2,
            &Config::new(b).with_max_schedules(100).with_seed(7),
        );
        let c = run(
            "unsafe-counter",
            "load-store",
            2,
            2,
            &Config::new(b).with_max_schedules(100).with_seed(7),
        );
        assert_eq!(a.outcomes, c.outcomes);
    }
}

#[test]
fn max_schedules_bounds_loom_exactly() {
    // loom itself checks max_permutations only every checkpoint_interval
    // (20,000) iterations; racetrace's bound is exact.
    let r = run(
        "unsafe-counter",
        "load-store",
        2,
        3,
        &Config::new(Backend::Loom).with_max_schedules(17),
    );
    assert_eq!(r.schedules, 17);
    assert!(!r.complete);
    assert_eq!(r.bound.as_deref(), Some("stopped at 17 schedules"));
}

#[test]
fn loom_and_shuttle_agree_on_every_counter_variant() {
    for p in ["unsafe-counter", "locked-counter"] {
        for v in patterns::find(p).unwrap().variants {
            if v.name == "unsafe-cell" {
                continue; // loom reports the race itself, shuttle its effect
            }
            let l = run(p, v.name, 2, 2, &Config::new(Backend::Loom));
            let s = run(p, v.name, 2, 2, &Config::new(Backend::ShuttleDfs));
            assert_eq!(l.outcome_set(), s.outcome_set(), "{p}/{}", v.name);
        }
    }
}

#[test]
fn first_violation_stops_exploration() {
    let r = run(
        "unsafe-counter",
        "load-store",
        2,
        2,
        &Config::new(Backend::ShuttleDfs).stop_at_first_violation(),
    );
    assert!(!r.complete);
    assert_eq!(r.violations().count(), 1);
    assert!(r.schedules < 923);
}
