//! `reorder-5`, `reorder-10` — SCTBench's `reorder_5` and `reorder_10`:
//! setter threads each write `a = 1; b = -1`, checker threads read `a`
//! then `b`. Property: a checker sees `(0, 0)` or `(1, -1)`, never a mix.
//! Variants: `two-stores` (bug: torn read, one preemption deep),
//! `locked-pair` (holds: both writes and both reads under one lock).

use super::{BUG_JOBS, OK, only_ok};
use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::traced::sync::atomic::{AtomicI32, Ordering::SeqCst};
use racetrace::traced::sync::{Arc, Mutex};
use racetrace::traced::thread;

const fn params(setters: usize) -> [ParamSpec; 2] {
    [
        ParamSpec {
            name: "setters",
            default: setters,
            min: 1,
            max: 20,
            help: "threads writing a = 1; b = -1",
        },
        ParamSpec {
            name: "checkers",
            default: 1,
            min: 1,
            max: 4,
            help: "threads reading a, then b",
        },
    ]
}

const PARAMS_5: &[ParamSpec] = &params(4);
const PARAMS_10: &[ParamSpec] = &params(9);

fn explain(_: &Params, o: &str) -> String {
    if o == OK {
        "every checker saw (0, 0) or (1, -1)".into()
    } else {
        format!("torn read: a checker saw {o}")
    }
}

const BUG: Spec = Spec {
    property: "a checker sees a and b both unset or both set",
    expect: Expect::Bug("torn read"),
    allowed: only_ok,
    explain,
};

/// The lock serialises every setter and checker: dpor orders all their
/// sections, (setters + checkers)! of them, so `reorder-10`'s fixed
/// variant is checked within a preemption bound.
const FIXED_JOBS_10: &[Job] = &[
    Job::on(Backend::Portfolio),
    Job::on(Backend::Dpor).with_preemption_bound(2),
];

const fn variants(bug_jobs: &'static [Job], fixed_jobs: &'static [Job]) -> [Variant; 2] {
    [
        Variant {
            name: "two-stores",
            summary: "setters store a, then b; checkers load a, then b",
            spec: BUG,
            run: two_stores,
            jobs: bug_jobs,
        },
        Variant {
            name: "locked-pair",
            summary: "a and b under one mutex: a setter writes both, a checker reads both, holding it",
            spec: Spec {
                expect: Expect::Holds,
                ..BUG
            },
            run: locked_pair,
            jobs: fixed_jobs,
        },
    ]
}

const VARIANTS_5: &[Variant] = &variants(BUG_JOBS, super::FIXED_JOBS);
const VARIANTS_10: &[Variant] = &variants(BUG_JOBS, FIXED_JOBS_10);

/// SCTBench's `reorder_5`: four setters, one checker.
pub static REORDER_5: Pattern = Pattern {
    name: "reorder-5",
    summary: "4 setters write a = 1; b = -1, a checker reads a then b",
    python: "SCTBench reorder_5 (C, pthreads): setThread does a = 1; b = -1; checkThread asserts (a == 0 && b == 0) || (a == 1 && b == -1)",
    params: PARAMS_5,
    threads: |p| p.get("setters") + p.get("checkers") + 1,
    variants: VARIANTS_5,
};

/// SCTBench's `reorder_10`: nine setters, one checker.
pub static REORDER_10: Pattern = Pattern {
    name: "reorder-10",
    summary: "9 setters write a = 1; b = -1, a checker reads a then b",
    python: "SCTBench reorder_10 (C, pthreads): as reorder_5 with nine setter threads",
    params: PARAMS_10,
    threads: |p| p.get("setters") + p.get("checkers") + 1,
    variants: VARIANTS_10,
};

/// Run the setters, then the checkers, with `set` and `check`; the first
/// torn read a checker reports, or [`OK`].
fn run<S: Send + Sync + 'static>(
    p: &Params,
    shared: S,
    set: fn(&S),
    check: fn(&S) -> (i32, i32),
) -> String {
    let shared = Arc::new(shared);
    let setters: Vec<_> = (0..p.get("setters"))
        .map(|_| {
            let s = shared.clone();
            thread::spawn(move || set(&s))
        })
        .collect();
    let checkers: Vec<_> = (0..p.get("checkers"))
        .map(|_| {
            let s = shared.clone();
            thread::spawn(move || check(&s))
        })
        .collect();
    for s in setters {
        s.join().expect("setter failed");
    }
    let mut outcome = OK.to_string();
    for c in checkers {
        let (a, b) = c.join().expect("checker failed");
        if !((a == 0 && b == 0) || (a == 1 && b == -1)) && outcome == OK {
            outcome = format!("a={a} b={b}");
        }
    }
    outcome
}

fn two_stores(p: &Params) -> String {
    run(
        p,
        (AtomicI32::new(0).named("a"), AtomicI32::new(0).named("b")),
        |(a, b)| {
            a.store(1, SeqCst);
            b.store(-1, SeqCst);
        },
        |(a, b)| (a.load(SeqCst), b.load(SeqCst)),
    )
}

fn locked_pair(p: &Params) -> String {
    run(
        p,
        Mutex::new((0, 0)).named("ab"),
        |ab| *ab.lock() = (1, -1),
        |ab| *ab.lock(),
    )
}
