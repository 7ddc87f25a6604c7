//! dpor under a preemption bound (`--preemption-bound k`,
//! `Config::preemption_bound`) is complete for the bound: it reaches every
//! outcome some interleaving with at most `k` preemptions reaches, and each
//! outcome's witness takes the fewest preemptions any interleaving needs.
//!
//! The oracle is shuttle's DFS, which reduces nothing: it runs every
//! interleaving, and its witness of each outcome is the one with the fewest
//! preemptions of all of them, counted on the trace (a switch away from a
//! thread that could have gone on). Programs: every built-in pattern's
//! variants at their smallest parameters and the small SCTBench-style
//! programs, wherever DFS finishes; and a two-thread program a sleep set
//! used to hide from bound 0.

#[path = "common/full.rs"]
mod full;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use racetrace::traced::sync::Arc;
use racetrace::traced::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use racetrace::traced::thread;
use racetrace::{Backend, Config, Report};
use racetrace_patterns::{self as patterns, Pattern, Variant, sctbench};
use std::collections::BTreeMap;

/// Each outcome and the fewest preemptions its witness took.
fn fewest(r: &Report) -> BTreeMap<String, usize> {
    r.outcomes
        .iter()
        .map(|o| {
            let w = o.witness.as_ref().expect("a witness per outcome");
            (o.outcome.clone(), w.trace.preemptions)
        })
        .collect()
}

/// The outcomes DFS reached within `bound` preemptions, with their fewest.
fn within(dfs: &BTreeMap<String, usize>, bound: usize) -> BTreeMap<String, usize> {
    dfs.iter()
        .filter(|(_, p)| **p <= bound)
        .map(|(o, p)| (o.clone(), *p))
        .collect()
}

/// Compare dpor at bounds 0..=2 with DFS on one program; false if DFS does
/// not finish within `cap` schedules.
fn compare(name: &str, cap: u64, run: impl Fn(&Config) -> Report) -> bool {
    let mut dfs = Config::new(Backend::ShuttleDfs);
    dfs.max_schedules = Some(cap);
    let all = run(&dfs);
    if !all.complete {
        return false;
    }
    let all = fewest(&all);
    for bound in 0..=2 {
        let r = run(&Config::new(Backend::Dpor).with_preemption_bound(bound));
        assert!(r.complete, "{name} bound {bound}: {}", r.render_table());
        let traces: Vec<String> = r
            .outcomes
            .iter()
            .filter_map(|o| o.witness.as_ref().map(|w| w.trace.render()))
            .collect();
        assert_eq!(
            fewest(&r),
            within(&all, bound),
            "{name} bound {bound}: dpor (left) against DFS's fewest preemptions (right); dpor's witnesses:\n{}",
            traces.join("\n")
        );
    }
    true
}

/// Every parameter of `p` at its smallest value.
fn smallest(p: &Pattern) -> Vec<(String, usize)> {
    p.params
        .iter()
        .map(|s| (s.name.to_string(), s.min))
        .collect()
}

fn explore_variant(
    p: &'static Pattern,
    v: &'static Variant,
    given: &[(String, usize)],
    c: &Config,
) -> Report {
    let params = p.params(given).unwrap();
    patterns::explore(p, v, &params, c).unwrap()
}

/// Two threads and main: bound 0 must run t2 before t1 as well (the switch
/// when main blocks in `join` is free), which a sleep set holding t1's
/// first step hid when the branch was added at the start of t1's steps.
#[test]
fn bound_zero_runs_every_order_of_whole_threads() {
    let body = || {
        let x = Arc::new(AtomicUsize::new(0));
        let (x1, x2) = (x.clone(), x.clone());
        let a = thread::spawn(move || {
            x1.store(1, SeqCst);
            x1.store(2, SeqCst);
        });
        let b = thread::spawn(move || x2.load(SeqCst).to_string());
        a.join().unwrap();
        b.join().unwrap()
    };
    let run = |c: &Config| racetrace::explore_outcomes(c, "stores and a load", body, |_| true);
    assert!(compare("stores and a load", 1_000, run));
    let r = run(&Config::new(Backend::Dpor).with_preemption_bound(0));
    let got: Vec<&str> = r.outcomes.iter().map(|o| o.outcome.as_str()).collect();
    assert_eq!(got, ["0", "2"], "{}", r.render_table());
}

#[test]
fn bounded_dpor_matches_dfs_fewest_preemptions_on_every_pattern() {
    let cap = if full::full() { 100_000 } else { 1_000 };
    let (mut compared, mut skipped) = (0, Vec::new());
    for p in patterns::all() {
        let smallest = smallest(p);
        for v in p.variants {
            let name = format!("{}/{}", p.name, v.name);
            if compare(&name, cap, |c| explore_variant(p, v, &smallest, c)) {
                compared += 1;
            } else {
                skipped.push(name);
            }
        }
    }
    eprintln!("compared {compared}; DFS did not finish: {skipped:?}");
    assert!(compared >= 20, "{compared} compared; skipped {skipped:?}");
}

#[test]
fn bounded_dpor_matches_dfs_fewest_preemptions_on_the_small_sctbench_programs() {
    let (cap, at_least) = if full::full() {
        (50_000, 6)
    } else {
        (10_000, 5)
    };
    let mut compared = 0;
    for name in ["twostage", "carter", "bluetooth", "account", "token-ring"] {
        let p = sctbench::find(name).unwrap();
        let smallest = smallest(p);
        for v in p.variants {
            let name = format!("{}/{}", p.name, v.name);
            let ran = compare(&name, cap, |c| explore_variant(p, v, &smallest, c));
            eprintln!(
                "{name}: {}",
                if ran {
                    "compared"
                } else {
                    "DFS did not finish"
                }
            );
            compared += usize::from(ran);
        }
    }
    assert!(compared >= at_least, "{compared} compared");
}
