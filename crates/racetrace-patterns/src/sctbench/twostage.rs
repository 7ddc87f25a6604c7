//! `twostage` — SCTBench's `twostage`: a writer sets `data1 = 1` under
//! `data1_lock`, then `data2 = data1 + 1` under `data2_lock`; a reader that
//! sees stage one done reads `data2` and asserts it is `data1 + 1`.
//! Property: a reader never sees stage one without stage two. Variants:
//! `two-sections` (bug: the stages are two critical sections), `nested`
//! (holds: both stages, and both reads, inside `data1_lock`).

use super::{BUG_JOBS, FIXED_JOBS, OK, only_ok};
use crate::pattern::{ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::traced::sync::atomic::{AtomicI32, Ordering::SeqCst};
use racetrace::traced::sync::{Arc, Mutex};
use racetrace::traced::thread;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "writers",
        default: 1,
        min: 1,
        max: 8,
        help: "threads doing both stages",
    },
    ParamSpec {
        name: "readers",
        default: 1,
        min: 1,
        max: 8,
        help: "threads checking the stages",
    },
];

fn explain(_: &Params, o: &str) -> String {
    if o == OK {
        "every reader saw both stages or none".into()
    } else {
        format!("a reader saw stage one without stage two: {o}")
    }
}

const BUG: Spec = Spec {
    property: "a reader that sees data1 set sees data2 = data1 + 1",
    expect: Expect::Bug("stage one seen without stage two"),
    allowed: only_ok,
    explain,
};

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "twostage",
    summary: "a writer sets data1, then data2 = data1 + 1, each under its lock; a reader checks them",
    python: "SCTBench twostage (C, pthreads): funcA sets data1Value = 1 under data1Lock, then data2Value = data1Value + 1 under data2Lock; funcB, if data1Value != 0, asserts data2Value == data1Value + 1",
    params: PARAMS,
    threads: |p| p.get("writers") + p.get("readers") + 1,
    variants: &[
        Variant {
            name: "two-sections",
            summary: "each stage, and each read, in its own critical section",
            spec: BUG,
            run: two_sections,
            jobs: BUG_JOBS,
        },
        Variant {
            name: "nested",
            summary: "data1_lock held across both stages and both reads (data2_lock taken inside it)",
            spec: Spec {
                expect: Expect::Holds,
                ..BUG
            },
            run: nested,
            jobs: FIXED_JOBS,
        },
    ],
};

struct Shared {
    data1: AtomicI32,
    data2: AtomicI32,
    data1_lock: Mutex<()>,
    data2_lock: Mutex<()>,
}

fn run(p: &Params, write: fn(&Shared), read: fn(&Shared) -> Option<(i32, i32)>) -> String {
    let s = Arc::new(Shared {
        data1: AtomicI32::new(0).named("data1"),
        data2: AtomicI32::new(0).named("data2"),
        data1_lock: Mutex::new(()).named("data1_lock"),
        data2_lock: Mutex::new(()).named("data2_lock"),
    });
    let writers: Vec<_> = (0..p.get("writers"))
        .map(|_| {
            let s = s.clone();
            thread::spawn(move || write(&s))
        })
        .collect();
    let readers: Vec<_> = (0..p.get("readers"))
        .map(|_| {
            let s = s.clone();
            thread::spawn(move || read(&s))
        })
        .collect();
    for w in writers {
        w.join().expect("writer failed");
    }
    let mut outcome = OK.to_string();
    for r in readers {
        if let Some((t1, t2)) = r.join().expect("reader failed")
            && t2 != t1 + 1
            && outcome == OK
        {
            outcome = format!("data1={t1} data2={t2}");
        }
    }
    outcome
}

fn two_sections(p: &Params) -> String {
    run(
        p,
        |s| {
            {
                let _g = s.data1_lock.lock();
                s.data1.store(1, SeqCst);
            }
            let _g = s.data2_lock.lock();
            s.data2.store(s.data1.load(SeqCst) + 1, SeqCst);
        },
        |s| {
            let t1 = {
                let _g = s.data1_lock.lock();
                match s.data1.load(SeqCst) {
                    0 => return None,
                    t1 => t1,
                }
            };
            let _g = s.data2_lock.lock();
            Some((t1, s.data2.load(SeqCst)))
        },
    )
}

fn nested(p: &Params) -> String {
    run(
        p,
        |s| {
            let _g1 = s.data1_lock.lock();
            s.data1.store(1, SeqCst);
            let _g2 = s.data2_lock.lock();
            s.data2.store(s.data1.load(SeqCst) + 1, SeqCst);
        },
        |s| {
            let _g1 = s.data1_lock.lock();
            let t1 = match s.data1.load(SeqCst) {
                0 => return None,
                t1 => t1,
            };
            let _g2 = s.data2_lock.lock();
            Some((t1, s.data2.load(SeqCst)))
        },
    )
}
