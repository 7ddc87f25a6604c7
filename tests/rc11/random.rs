//! Random straight-line litmus programs for proptest, and a runner with a
//! fixed seed, shrinking and persisted failures.

use super::oracle::{Enumeration, Ins, Program, candidate_bound};
use proptest::prelude::*;
use proptest::test_runner::{
    Config as PropConfig, FileFailurePersistence, RngSeed, TestCaseError, TestError, TestRunner,
};
use std::sync::atomic::Ordering::{self, AcqRel, Acquire, Relaxed, Release, SeqCst};

/// Where failing cases are persisted (replayed first on the next run).
pub const REGRESSIONS: &str = "tests/rc11/proptest-regressions.txt";

/// Programs whose candidate bound is above this are not generated:
/// 20,000, or `RC11_LITMUS_CANDIDATES`.
pub fn candidate_limit() -> u64 {
    env_u64("RC11_LITMUS_CANDIDATES").unwrap_or(20_000)
}

#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub min_threads: usize,
    pub max_threads: usize,
    pub max_ins: usize,
    pub locs: usize,
    pub seq_cst_only: bool,
    /// The enumeration the bound is for.
    pub enumeration: Enumeration,
}

/// One of `of`, `Relaxed` weighted up (weak outcomes need it), or `SeqCst`.
fn pick(seq_cst_only: bool, of: &'static [Ordering]) -> BoxedStrategy<Ordering> {
    if seq_cst_only {
        return Just(SeqCst).boxed();
    }
    proptest::strategy::Union::new_weighted(
        of.iter()
            .map(|&o| (if o == Relaxed { 3 } else { 2 }, Just(o).boxed()))
            .collect(),
    )
    .boxed()
}

fn ins(s: Shape) -> impl Strategy<Value = Ins> {
    let sc = s.seq_cst_only;
    let loc = move || 0..s.locs;
    let load_o = move || pick(sc, &[Relaxed, Acquire, SeqCst]);
    let store_o = move || pick(sc, &[Relaxed, Release, SeqCst]);
    let rmw_o = move || pick(sc, &[Relaxed, Acquire, Release, AcqRel, SeqCst]);
    let fence_o = move || pick(sc, &[Acquire, Release, AcqRel, SeqCst]);
    prop_oneof![
        3 => (loc(), 1usize..3, store_o()).prop_map(|(loc, val, ord)| Ins::Store { loc, val, ord }),
        3 => (loc(), load_o()).prop_map(|(loc, ord)| Ins::Load { loc, ord }),
        1 => (loc(), 1usize..3, rmw_o()).prop_map(|(loc, val, ord)| Ins::FetchAdd { loc, val, ord }),
        1 => (loc(), 1usize..3, rmw_o()).prop_map(|(loc, val, ord)| Ins::Swap { loc, val, ord }),
        1 => (loc(), 0usize..3, 1usize..3, rmw_o(), load_o()).prop_map(
            |(loc, expected, new, success, failure)| Ins::Cas { loc, expected, new, success, failure }
        ),
        1 => fence_o().prop_map(Ins::Fence),
    ]
}

/// Programs of the given shape whose enumeration stays small.
pub fn program(s: Shape) -> impl Strategy<Value = Program> {
    let limit = candidate_limit();
    proptest::collection::vec(
        proptest::collection::vec(ins(s), s.max_ins.min(2)..=s.max_ins),
        s.min_threads..=s.max_threads,
    )
    .prop_map(move |threads| Program {
        threads,
        locs: s.locs,
    })
    .prop_filter("too many candidate graphs", move |p| {
        candidate_bound(p, s.enumeration) <= limit
    })
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name}={v}: not a number"))
    })
}

/// Cases for a property: `default` with `RACETRACE_FULL=1`, a third of it
/// in the everyday loop (the same seed: the first programs of the same
/// sequence), or `RC11_LITMUS_CASES`.
pub fn cases(default: u32) -> u32 {
    env_u64("RC11_LITMUS_CASES").map_or_else(
        || super::full::quick_or_full(default / 3, default),
        |n| n as u32,
    )
}

/// Instructions per thread at most: `default`, or `RC11_LITMUS_MAX_INS`.
pub fn max_ins(default: usize) -> usize {
    env_u64("RC11_LITMUS_MAX_INS").map_or(default, |n| n as usize)
}

/// Threads at most: `default`, or `RC11_LITMUS_THREADS`.
pub fn max_threads(default: usize) -> usize {
    env_u64("RC11_LITMUS_THREADS").map_or(default, |n| n as usize)
}

/// Locations: `default`, or `RC11_LITMUS_LOCS` (at most 4).
pub fn locs(default: usize) -> usize {
    env_u64("RC11_LITMUS_LOCS").map_or(default, |n| (n as usize).clamp(1, 4))
}

/// Check `check` on `cases` programs of shape `s` from `seed` (or
/// `RC11_LITMUS_SEED` mixed with it); panics with the shrunk program.
pub fn run(seed: u64, cases: u32, s: Shape, check: impl Fn(&Program) -> Result<(), TestCaseError>) {
    let seed = env_u64("RC11_LITMUS_SEED").map_or(seed, |x| x ^ seed);
    let config = PropConfig {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS))),
        max_global_rejects: cases.saturating_mul(20).max(1024),
        ..PropConfig::default()
    };
    let result = TestRunner::new(config).run(&program(s), |p| check(&p));
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, p)) => {
            // proptest stops at its strategies' minimum sizes (two
            // instructions a thread) and does not swap instruction kinds:
            // go on greedily.
            let fails = |q: &Program| check(q).is_err();
            let small = minimise(&p, fails);
            let small_why = check(&small)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            panic!(
                "seed {seed}: {why}\nminimal failing input (proptest): {p:?}\n\
                 smaller still (greedy): {small:?}\n  {small_why}"
            );
        }
        Err(e) => panic!("seed {seed}: {e}"),
    }
}

/// Every program one simplification away from `p`: a thread or an
/// instruction removed, an RMW or CAS made a store or a load, an ordering
/// made `Relaxed`, a value made 1.
fn simpler(p: &Program) -> Vec<Program> {
    let mut out = Vec::new();
    let with = |t: usize, ins: Vec<Ins>| {
        let mut q = p.clone();
        q.threads[t] = ins;
        q
    };
    if p.threads.len() > 1 {
        for t in 0..p.threads.len() {
            let mut q = p.clone();
            q.threads.remove(t);
            out.push(q);
        }
    }
    for (t, ins) in p.threads.iter().enumerate() {
        for (k, &i) in ins.iter().enumerate() {
            let replace = |j: Ins| {
                let mut v = ins.clone();
                v[k] = j;
                with(t, v)
            };
            if ins.len() > 1 {
                let mut v = ins.clone();
                v.remove(k);
                out.push(with(t, v));
            }
            let mut alts: Vec<Ins> = Vec::new();
            match i {
                Ins::Store { loc, val, ord } => {
                    alts.push(Ins::Store { loc, val: 1, ord });
                    alts.push(Ins::Store {
                        loc,
                        val,
                        ord: Relaxed,
                    });
                }
                Ins::Load { loc, .. } => alts.push(Ins::Load { loc, ord: Relaxed }),
                Ins::FetchAdd { loc, val, .. } | Ins::Swap { loc, val, .. } => {
                    alts.push(Ins::Load { loc, ord: Relaxed });
                    alts.push(Ins::Store {
                        loc,
                        val,
                        ord: Relaxed,
                    });
                    alts.push(match i {
                        Ins::FetchAdd { .. } => Ins::FetchAdd {
                            loc,
                            val: 1,
                            ord: Relaxed,
                        },
                        _ => Ins::Swap {
                            loc,
                            val,
                            ord: Relaxed,
                        },
                    });
                }
                Ins::Cas {
                    loc,
                    expected,
                    new,
                    success,
                    failure,
                } => {
                    alts.push(Ins::Load { loc, ord: Relaxed });
                    alts.push(Ins::Store {
                        loc,
                        val: new,
                        ord: Relaxed,
                    });
                    alts.push(Ins::Cas {
                        loc,
                        expected,
                        new,
                        success: Relaxed,
                        failure,
                    });
                    alts.push(Ins::Cas {
                        loc,
                        expected,
                        new,
                        success,
                        failure: Relaxed,
                    });
                }
                Ins::Fence(_) => {}
            }
            out.extend(alts.into_iter().filter(|&j| j != i).map(replace));
        }
    }
    out
}

/// Simplify `p` while it still `fails`, to a fixpoint.
pub fn minimise(p: &Program, fails: impl Fn(&Program) -> bool) -> Program {
    let mut p = p.clone();
    'outer: loop {
        for q in simpler(&p) {
            if fails(&q) {
                p = q;
                continue 'outer;
            }
        }
        return p;
    }
}
