//! The SCTBench-style programs (`racetrace_patterns::sctbench`) and the
//! portfolio backend. Each seeded bug is found with exactly the forbidden
//! outcomes an oracle written here predicts (a brute-force enumeration of
//! a tiny model, or an argument in a comment); each fixed variant shows no
//! violation under dpor — `exhaustively` where dpor finishes in a few
//! seconds, and at a smaller size where it does not (every section is on
//! one lock: n! orders; a preemption bound does not help, as bound 0
//! already runs every order of whole threads).

#[path = "common/full.rs"]
mod full;

use racetrace::{Backend, Config, Report};
use racetrace_patterns::replay::TraceFile;
use racetrace_patterns::sctbench;
use racetrace_patterns::spec::Expect;
use std::collections::BTreeSet;

fn explore(pattern: &str, variant: &str, given: &[(&str, usize)], config: &Config) -> Report {
    let p = sctbench::find(pattern).unwrap();
    let v = p.variant(variant).unwrap();
    let given: Vec<(String, usize)> = given.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    let params = p.params(&given).unwrap();
    racetrace_patterns::explore(p, v, &params, config).unwrap()
}

/// `explore` under the portfolio at the default parameters.
fn portfolio(pattern: &str, variant: &str) -> Report {
    explore(pattern, variant, &[], &Config::new(Backend::Portfolio))
}

fn forbidden(r: &Report) -> BTreeSet<String> {
    r.violations().map(|o| o.outcome.clone()).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Every interleaving of `threads` (each a list of steps on a few shared
/// variables), by brute force; `judge` turns the values the checker
/// thread (the last) loaded into an outcome.
fn interleavings(threads: &[Vec<Op>], judge: fn(&[i64]) -> String) -> BTreeSet<String> {
    fn go(
        threads: &[Vec<Op>],
        pc: &mut Vec<usize>,
        mem: &mut Vec<i64>,
        loaded: &mut Vec<i64>,
        judge: fn(&[i64]) -> String,
        out: &mut BTreeSet<String>,
    ) {
        let mut any = false;
        for t in 0..threads.len() {
            let Some(op) = threads[t].get(pc[t]) else {
                continue;
            };
            any = true;
            pc[t] += 1;
            match *op {
                Op::Store(v, x) => {
                    let old = mem[v];
                    mem[v] = x;
                    go(threads, pc, mem, loaded, judge, out);
                    mem[v] = old;
                }
                Op::Load(v) => {
                    loaded.push(mem[v]);
                    go(threads, pc, mem, loaded, judge, out);
                    loaded.pop();
                }
            }
            pc[t] -= 1;
        }
        if !any {
            out.insert(judge(loaded));
        }
    }
    let vars = 4;
    let mut out = BTreeSet::new();
    go(
        threads,
        &mut vec![0; threads.len()],
        &mut vec![0; vars],
        &mut Vec::new(),
        judge,
        &mut out,
    );
    out
}

#[derive(Clone, Copy)]
enum Op {
    Store(usize, i64),
    Load(usize),
}

#[test]
fn reorder_torn_reads_are_exactly_the_oracles_exhaustively() {
    // Two setters (a = 1; b = -1) and the checker (load a, load b): only
    // the checker loads, so `loaded` is its (a, b).
    let setter = vec![Op::Store(0, 1), Op::Store(1, -1)];
    let checker = vec![Op::Load(0), Op::Load(1)];
    let oracle = interleavings(&[setter.clone(), setter, checker], |l| {
        let (a, b) = (l[0], l[1]);
        if (a == 0 && b == 0) || (a == 1 && b == -1) {
            sctbench::OK.to_string()
        } else {
            format!("a={a} b={b}")
        }
    });
    let r = explore(
        "reorder-5",
        "two-stores",
        &[("setters", 2)],
        &Config::new(Backend::Dpor),
    );
    assert!(r.complete);
    let got: BTreeSet<String> = r.outcome_set().into_iter().map(String::from).collect();
    assert_eq!(got, oracle);
    assert_eq!(forbidden(&r), set(&["a=0 b=-1", "a=1 b=0"]));
}

#[test]
fn token_ring_bad_values_are_exactly_the_oracles_exhaustively() {
    // The blocks are atomic and the check matters only after all three:
    // the outcomes are those of the 3! orders of the blocks.
    let mut oracle = BTreeSet::new();
    for order in [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ] {
        let mut x = [1, 2, 1];
        for i in order {
            x[i] = if i == 0 { (x[2] + 1) % 4 } else { x[i - 1] };
        }
        if !(x[0] == x[1] && x[1] == x[2]) {
            oracle.insert(format!("x1={} x2={} x3={}", x[0], x[1], x[2]));
        }
    }
    let r = explore("token-ring", "any-order", &[], &Config::new(Backend::Dpor));
    assert!(r.complete);
    assert_eq!(forbidden(&r), oracle);
}

#[test]
fn the_other_seeded_bugs_are_the_predicted_ones_exhaustively() {
    // twostage: the reader sees data1 = 1 after the first section, before
    // the second (data2 still 0); it never sees data1 = 0 (it returns).
    let r = explore("twostage", "two-sections", &[], &Config::new(Backend::Dpor));
    assert!(r.complete);
    assert_eq!(forbidden(&r), set(&["data1=1 data2=0"]));
    // carter: t2 waits for l holding m while t1, holding l, waits for m.
    let r = explore("carter", "shared-mutex", &[], &Config::new(Backend::Dpor));
    assert!(r.complete);
    assert_eq!(forbidden(&r), set(&["deadlock"]));
    // bluetooth: the adder passes the flag check, the stopper drops the
    // last reference and marks the device stopped, the adder's I/O runs.
    let r = explore(
        "bluetooth",
        "check-then-count",
        &[],
        &Config::new(Backend::Dpor),
    );
    assert!(r.complete);
    assert_eq!(forbidden(&r), set(&["I/O on a stopped device"]));
    // account: whenever the checker runs last it sees 1 + 2 - 4 = -1 and
    // expects 1 - 2 - 4 = -5.
    let r = explore("account", "wrong-total", &[], &Config::new(Backend::Dpor));
    assert!(r.complete);
    assert_eq!(forbidden(&r), set(&["balance -1, expected -5"]));
    // wronglock with 2 others: the checker reads x, writes x + 1, and one
    // or both others' increments land before its re-read (x = 0, 1 or 2;
    // both can also be lost into one, so the re-read is x + 2 or x + 3).
    let r = explore(
        "wronglock",
        "wrong-lock",
        &[("others", 2)],
        &Config::new(Backend::Dpor),
    );
    assert!(r.complete);
    let f = forbidden(&r);
    assert!(!f.is_empty());
    for o in &f {
        let n: Vec<i64> = o
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        let [x, w, y] = n[..] else { panic!("{o}") };
        assert!(w == x + 1 && y > w && y <= 3, "{o}");
    }
}

#[test]
fn fixed_variants_hold_exhaustively() {
    for (p, v) in [
        ("reorder-5", "locked-pair"),
        ("twostage", "nested"),
        ("token-ring", "passed-token"),
        ("carter", "mutex-per-group"),
        ("bluetooth", "count-then-check"),
        ("account", "right-total"),
    ] {
        let r = explore(p, v, &[], &Config::new(Backend::Dpor));
        assert!(r.complete, "{p}/{v}");
        assert_eq!(r.outcome_set(), vec![sctbench::OK], "{p}/{v}");
    }
    // The two whose default size dpor does not finish in seconds, smaller.
    for (p, v, given) in [
        ("reorder-10", "locked-pair", [("setters", 4)]),
        ("wronglock", "data-lock", [("others", 4)]),
    ] {
        let r = explore(p, v, &given, &Config::new(Backend::Dpor));
        assert!(r.complete, "{p}/{v}");
        assert_eq!(r.outcome_set(), vec![sctbench::OK], "{p}/{v}");
    }
}

#[test]
fn the_portfolio_finds_every_seeded_bug_and_verifies_every_small_fix() {
    for p in sctbench::all() {
        let params = p.params(&[]).unwrap();
        for v in p.variants {
            let buggy = matches!(v.spec.expect, Expect::Bug(_));
            // reorder-10's and wronglock's fixes do not finish unbounded.
            let wide = ["reorder-10", "wronglock"].contains(&p.name);
            let config = Config::new(Backend::Portfolio).with_max_schedules(if buggy || wide {
                5_000
            } else {
                50_000
            });
            let r = racetrace_patterns::explore(p, v, &params, &config).unwrap();
            let label = format!("{}/{}", p.name, v.name);
            if buggy {
                let w = r
                    .first_violation()
                    .unwrap_or_else(|| panic!("{label}: not found"));
                assert_eq!(r.bound.as_deref(), Some("stopped at the first violation"));
                let phase = w
                    .phase
                    .as_ref()
                    .expect("a portfolio witness names its phase");
                assert!(phase.schedule <= w.schedule && w.schedule <= r.schedules);
            } else {
                assert_eq!(r.violations().count(), 0, "{label}");
                assert_eq!(r.complete, !wide, "{label}");
            }
        }
    }
}

/// The configuration that replays a portfolio's witness from its token:
/// the backend, bound and seed of the phase that ran it.
fn replay_of(w: &racetrace::Witness) -> Config {
    let phase = w.phase.as_ref().expect("a portfolio witness");
    let mut c = Config::new(phase.backend);
    c.preemption_bound = phase.preemption_bound;
    c.seed = phase.seed.unwrap_or(0);
    c.replay = Some(w.replay.as_ref().unwrap().parse().unwrap());
    c
}

#[test]
fn a_portfolio_witness_replays_on_its_phases_backend() {
    // reorder-5's torn read is found by the first PCT probe; lock-order's
    // deadlock by dpor within bound 1: both replay from a trace file's
    // fields (the phase's backend, bound and seed) or its token.
    let r = portfolio("reorder-5", "two-stores");
    let w = r.first_violation().unwrap();
    let again = explore("reorder-5", "two-stores", &[], &replay_of(w));
    let w2 = again.first_violation().unwrap();
    assert_eq!(w2.trace.events, w.trace.events);
    assert_eq!(w2.trace.outcome, w.trace.outcome);

    let p = racetrace_patterns::find("lock-order").unwrap();
    let v = p.variant("opposite-order").unwrap();
    let params = p.params(&[]).unwrap();
    let r = racetrace_patterns::explore(p, v, &params, &Config::new(Backend::Portfolio)).unwrap();
    let w = r.first_violation().unwrap();
    let f = TraceFile::from_witness(&r, w).unwrap();
    assert_eq!(f.backend, Backend::Dpor);
    let replayed = f.replay().unwrap();
    assert!(replayed.reproduced, "{:?}", replayed.difference);
}

#[test]
fn a_portfolio_replay_token_is_refused_without_its_phase() {
    let mut c = Config::new(Backend::Portfolio);
    c.replay = Some("shuttle/0.1".parse().unwrap());
    assert!(c.validate().unwrap_err().to_string().contains("phase"));
}

#[test]
fn the_portfolio_keeps_the_schedule_limit_over_its_phases() {
    let r = explore(
        "reorder-10",
        "locked-pair",
        &[],
        &Config::new(Backend::Portfolio).with_max_schedules(300),
    );
    assert_eq!(r.schedules, 300);
    assert!(!r.complete);
    assert_eq!(r.bound.as_deref(), Some("stopped at 300 schedules"));
}

/// The portfolio's witness, shrunk from the PCT probe's: wronglock (8
/// preemptions from its probe) and reorder-10 (2) need one preemption;
/// the shrunk witness still reaches the probe's forbidden outcome, says what
/// it was shrunk from, and is not claimed fewest (bound 0 was not finished).
#[test]
fn a_probe_witness_is_shrunk_to_fewer_preemptions_and_still_violates() {
    for (p, v) in [("wronglock", "wrong-lock"), ("reorder-10", "two-stores")] {
        let r = portfolio(p, v);
        let w = r
            .first_violation()
            .unwrap_or_else(|| panic!("{p}: not found"));
        let phase = w.phase.as_ref().unwrap();
        let from = phase
            .shrunk_from
            .unwrap_or_else(|| panic!("{p}: not shrunk: {:?}", phase));
        eprintln!(
            "{p}: {} preemptions, shrunk from {from}; {} schedules; {}",
            w.trace.preemptions, r.schedules, w.trace.title
        );
        assert!(w.trace.preemptions < from, "{p}");
        assert_eq!(w.trace.preemptions, 1, "{p}");
        assert!(!w.trace.allowed, "{p}");
        assert!(
            w.trace.title.ends_with(&format!(
                "· schedule {} · shrunk from {from} preemptions",
                phase.schedule
            )),
            "{}",
            w.trace.title
        );
        assert_eq!(phase.clean_bound, None, "{p}");
    }
}

/// wronglock's shrunk witness takes the fewest preemptions any violation
/// takes, by an oracle the portfolio cannot afford: dpor within bound k,
/// from 0 up to the first bound with a violation, each bound explored to
/// its end (dpor's bounded search reaches every outcome within its bound:
/// `tests/preemption_bound.rs`, against shuttle-dfs). Bound 0 alone is
/// every order of the eight whole threads, 8! schedules (about 4 s in
/// release), so under `RACETRACE_FULL=1` only. (reorder-10's bound 0,
/// 10! orders, takes minutes: the ignored test below.)
#[test]
fn wronglocks_shrunk_witness_takes_the_fewest_preemptions_of_any_violation() {
    if !full::full() {
        eprintln!("skipped: RACETRACE_FULL=1 runs it");
        return;
    }
    let fewest = (0..4)
        .find(|&k| {
            let mut c = Config::new(Backend::Dpor);
            c.preemption_bound = Some(k);
            c.stop_at_first_violation = true;
            let r = explore("wronglock", "wrong-lock", &[], &c);
            assert!(r.complete || r.first_violation().is_some(), "bound {k}");
            r.first_violation().is_some()
        })
        .expect("a violation within 3 preemptions");
    let r = portfolio("wronglock", "wrong-lock");
    let w = r.first_violation().unwrap();
    assert_eq!(w.trace.preemptions, fewest, "{}", w.trace.title);
}

/// reorder-10's witness takes one preemption, the fewest any violation
/// takes: dpor within bound 0 runs every order of the ten whole threads
/// (nine setters and the checker; main spawns them all, then waits), 10!
/// schedules by the closed form, and none violates. 238 s in release on
/// the 2-core machine (2026-12-01), so ignored: `cargo test --release
/// --test sctbench -- --ignored`.
#[test]
#[ignore]
fn reorder_10s_witness_takes_the_fewest_preemptions_of_any_violation() {
    let mut c = Config::new(Backend::Dpor);
    c.preemption_bound = Some(0);
    c.stop_at_first_violation = true;
    let r = explore("reorder-10", "two-stores", &[], &c);
    assert!(r.complete);
    assert!(r.first_violation().is_none(), "{}", r.render_table());
    assert_eq!(r.schedules, (1..=10).product::<u64>());
    let r = portfolio("reorder-10", "two-stores");
    let w = r.first_violation().unwrap();
    assert_eq!(w.trace.preemptions, 1, "{}", w.trace.title);
}

/// The shrunk witness replays exactly from its token on its phase's
/// backend, as the harness's `RACETRACE_REPLAY` command runs it (trace
/// files: `tests/replay.rs`; SCTBench's programs are not built-in patterns).
#[test]
fn a_shrunk_witness_replays_to_the_same_outcome_from_its_token() {
    let r = portfolio("wronglock", "wrong-lock");
    let w = r.first_violation().unwrap();
    let phase = w.phase.as_ref().unwrap();
    assert!(phase.shrunk_from.is_some(), "{phase:?}");
    let again = explore("wronglock", "wrong-lock", &[], &replay_of(w));
    assert!(
        again.replay_mismatch.is_none(),
        "{:?}",
        again.replay_mismatch
    );
    assert_eq!(again.schedules, 1);
    let w2 = again.first_violation().unwrap();
    assert_eq!(w2.trace.outcome, w.trace.outcome);
    assert_eq!(w2.trace.events, w.trace.events);
    assert_eq!(w2.trace.preemptions, w.trace.preemptions);
}

/// What is not shrunk: a witness shown to take the fewest preemptions
/// (reorder-5's, dpor within bound 1 after bound 0 finished), and a correct
/// program (no violation: nothing to shrink, every phase as before).
#[test]
fn a_witness_shown_fewest_and_a_correct_program_are_not_shrunk() {
    let r = portfolio("reorder-5", "two-stores");
    let w = r.first_violation().unwrap();
    let phase = w.phase.as_ref().unwrap();
    assert_eq!((phase.shrunk_from, phase.clean_bound), (None, Some(0)));
    assert!(!w.trace.title.contains("shrunk"), "{}", w.trace.title);
    let r = portfolio("reorder-5", "locked-pair");
    assert!(r.complete);
    assert_eq!(r.violations().count(), 0);
    for row in &r.outcomes {
        let p = row.witness.as_ref().and_then(|w| w.phase.as_ref());
        assert!(
            p.is_some_and(|p| p.shrunk_from.is_none()),
            "{:?}",
            row.outcome
        );
    }
}
