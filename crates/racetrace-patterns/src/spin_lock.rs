//! `spin-lock` — a test-and-set spin lock guarding plain data, the first
//! lock of every lock-free tutorial (the Rustonomicon's and *Rust Atomics
//! and Locks*' `SpinLock`; C++'s `std::atomic_flag` lock): `while
//! locked.swap(true, Acquire) { spin }`, the critical section, then
//! `locked.store(false, Release)`. Property: the counter is threads × ops
//! and the data is never raced.
//! Variants: `relaxed` (bug: `swap` and `store` with `Relaxed` still
//! exclude each other, but order nothing: the next holder may not see the
//! last holder's writes — a data race on the guarded cell),
//! `acquire-release` (holds).
//!
//! There is no Python original: Python's `threading.Lock` is a mutex the
//! interpreter implements; this is what one builds it from.

use crate::count;
use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::traced::cell::RaceCell;
use racetrace::traced::sync::Arc;
use racetrace::traced::sync::atomic::{AtomicBool, Ordering};
use racetrace::traced::thread;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "threads",
        default: 2,
        min: 1,
        max: 4,
        help: "threads taking the lock",
    },
    ParamSpec {
        name: "ops",
        default: 1,
        min: 1,
        max: 3,
        help: "increments per thread, each under the lock",
    },
];

const SPEC: Spec = Spec {
    property: "counter = threads × ops, and no data race",
    expect: Expect::Holds,
    allowed: count::exact,
    explain: count::explain,
};

/// No loom job: loom 0.7.2 lets the waiting thread's `swap` read the
/// `true` of the previous `swap` for ever although the holder's
/// `store(false)` follows it in coherence order (RC11 allows any finite
/// number of such reads; a fair run ends them), so its search of the
/// correct variant ends runs at the step limit, a violation that is not
/// the program's (docs/weak-memory.md).
const JOBS: &[Job] = &[
    Job::on(Backend::Rc11),
    Job::informational(Backend::Dpor, 1000),
];

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "spin-lock",
    summary: "a test-and-set spin lock around a plain counter",
    python: "none: `threading.Lock` is built in; in Rust, `while locked.swap(true, Acquire) { spin_loop() }`, the section, `locked.store(false, Release)`",
    params: PARAMS,
    threads: |p| p.get("threads") + 1,
    variants: &[
        Variant {
            name: "relaxed",
            summary: "`swap(true, Relaxed)` to take the lock, `store(false, Relaxed)` to release it",
            spec: Spec {
                expect: Expect::Bug("data race"),
                ..SPEC
            },
            run: |p| run(p, Ordering::Relaxed, Ordering::Relaxed),
            jobs: JOBS,
        },
        Variant {
            name: "acquire-release",
            summary: "`swap(true, Acquire)` to take the lock, `store(false, Release)` to release it",
            spec: SPEC,
            run: |p| run(p, Ordering::Acquire, Ordering::Release),
            jobs: JOBS,
        },
    ],
};

fn run(p: &Params, take: Ordering, release: Ordering) -> String {
    let locked = Arc::new(AtomicBool::new(false).named("locked"));
    let counter = Arc::new(RaceCell::new(0usize).named("counter"));
    let ops = p.get("ops");
    let workers: Vec<_> = (0..p.get("threads"))
        .map(|_| {
            let (locked, counter) = (locked.clone(), counter.clone());
            thread::spawn(move || {
                for _ in 0..ops {
                    while locked.swap(true, take) {
                        thread::yield_now();
                    }
                    counter.set(counter.get() + 1);
                    locked.store(false, release);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker failed");
    }
    counter.get().to_string()
}
