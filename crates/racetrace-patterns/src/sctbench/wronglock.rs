//! `wronglock` — SCTBench's `wronglock` with 8 threads: one thread
//! increments `data` under `data_lock` and checks that nobody changed it
//! meanwhile; seven others increment it under another lock. Property: the
//! first thread's check holds. Variants: `wrong-lock` (bug: the others take
//! `this_lock`, which does not guard `data`), `data-lock` (holds: everyone
//! takes `data_lock`).

use super::{BUG_JOBS, OK, only_ok};
use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::traced::sync::atomic::{AtomicI64, Ordering::SeqCst};
use racetrace::traced::sync::{Arc, Mutex};
use racetrace::traced::thread;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "checkers",
        default: 1,
        min: 1,
        max: 4,
        help: "threads incrementing data under data_lock and checking it",
    },
    ParamSpec {
        name: "others",
        default: 7,
        min: 1,
        max: 16,
        help: "threads incrementing data under the other lock",
    },
];

fn explain(_: &Params, o: &str) -> String {
    if o == OK {
        "nobody changed data while data_lock was held".into()
    } else {
        format!("data changed under data_lock: {o}")
    }
}

const BUG: Spec = Spec {
    property: "data does not change while data_lock is held",
    expect: Expect::Bug("increment under the wrong lock"),
    allowed: only_ok,
    explain,
};

/// Every thread's section is on `data_lock`: dpor orders all of them
/// (8! at the defaults), so the fixed variant is checked within a
/// preemption bound.
const FIXED_JOBS: &[Job] = &[
    Job::on(Backend::Portfolio),
    Job::on(Backend::Dpor).with_preemption_bound(2),
];

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "wronglock",
    summary: "one thread checks data under data_lock, seven increment it under another lock",
    python: "SCTBench wronglock (C, pthreads; 1 + 7 threads): funcA locks dataLock, x = dataValue; dataValue++; asserts dataValue == x + 1; funcB locks thisLock and does dataValue++",
    params: PARAMS,
    threads: |p| p.get("checkers") + p.get("others") + 1,
    variants: &[
        Variant {
            name: "wrong-lock",
            summary: "the others increment data holding this_lock",
            spec: BUG,
            run: wrong_lock,
            jobs: BUG_JOBS,
        },
        Variant {
            name: "data-lock",
            summary: "the others increment data holding data_lock",
            spec: Spec {
                expect: Expect::Holds,
                ..BUG
            },
            run: data_lock,
            jobs: FIXED_JOBS,
        },
    ],
};

struct Shared {
    data: AtomicI64,
    data_lock: Mutex<()>,
    this_lock: Mutex<()>,
}

fn run(p: &Params, others_lock: fn(&Shared) -> &Mutex<()>) -> String {
    let s = Arc::new(Shared {
        data: AtomicI64::new(0).named("data"),
        data_lock: Mutex::new(()).named("data_lock"),
        this_lock: Mutex::new(()).named("this_lock"),
    });
    let checkers: Vec<_> = (0..p.get("checkers"))
        .map(|_| {
            let s = s.clone();
            thread::spawn(move || {
                let _g = s.data_lock.lock();
                let x = s.data.load(SeqCst);
                s.data.store(x + 1, SeqCst);
                let now = s.data.load(SeqCst);
                (now != x + 1).then(|| format!("read {x}, wrote {}, then read {now}", x + 1))
            })
        })
        .collect();
    let others: Vec<_> = (0..p.get("others"))
        .map(|_| {
            let s = s.clone();
            thread::spawn(move || {
                let _g = others_lock(&s).lock();
                let v = s.data.load(SeqCst);
                s.data.store(v + 1, SeqCst);
            })
        })
        .collect();
    let mut outcome = None;
    for c in checkers {
        let seen = c.join().expect("checker failed");
        outcome = outcome.or(seen);
    }
    for o in others {
        o.join().expect("incrementer failed");
    }
    outcome.unwrap_or_else(|| OK.to_string())
}

fn wrong_lock(p: &Params) -> String {
    run(p, |s| &s.this_lock)
}

fn data_lock(p: &Params) -> String {
    run(p, |s| &s.data_lock)
}
