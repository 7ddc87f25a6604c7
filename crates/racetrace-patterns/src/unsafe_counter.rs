//! `unsafe-counter` — the tutorials' first threading example: a global
//! `counter`, several threads each running `counter += 1` in a loop, then
//! printing the total. Property: the total is threads × ops.
//! Variants: `load-store` (bug: lost update), `unsafe-cell` (bug: data race
//! under loom, lost update under shuttle).

use crate::count;
use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::traced::cell::RaceCell;
use racetrace::traced::sync::Arc;
use racetrace::traced::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use racetrace::traced::thread;

pub(crate) const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "threads",
        default: 2,
        min: 1,
        max: 16,
        help: "threads incrementing the counter",
    },
    ParamSpec {
        name: "ops",
        default: 2,
        min: 1,
        max: 1000,
        help: "increments per thread",
    },
];

const SPEC: Spec = Spec {
    property: "counter = threads × ops",
    expect: Expect::Bug("lost update"),
    allowed: count::exact,
    explain: count::explain,
};

const JOBS: &[Job] = &[
    Job::on(Backend::Dpor),
    Job::on(Backend::Loom),
    Job::on(Backend::ShuttleDfs),
    Job::sampled(Backend::ShuttlePct, 1000),
    Job::informational(Backend::Real, 1000),
];

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "unsafe-counter",
    summary: "threads increment a shared counter with no lock",
    python: "counter = 0; N threads each run `for _ in range(K): counter += 1`; join them all; print(counter)",
    params: PARAMS,
    threads: |p| p.get("threads") + 1,
    variants: &[
        Variant {
            name: "load-store",
            summary: "`counter += 1` as an atomic load followed by a separate atomic store",
            spec: SPEC,
            run: load_store,
            jobs: JOBS,
        },
        Variant {
            name: "unsafe-cell",
            summary: "`counter += 1` as a plain read and write of an unsynchronised cell",
            spec: Spec {
                property: "counter = threads × ops, and no data race",
                expect: Expect::Bug("data race / lost update"),
                ..SPEC
            },
            run: unsafe_cell,
            jobs: JOBS,
        },
    ],
};

/// Python's `counter += 1` is a read, an add and a write: each step atomic,
/// the whole not.
fn load_store(p: &Params) -> String {
    let counter = Arc::new(AtomicUsize::new(0).named("counter"));
    let ops = p.get("ops");
    let workers: Vec<_> = (0..p.get("threads"))
        .map(|_| {
            let counter = counter.clone();
            thread::spawn(move || {
                for _ in 0..ops {
                    let v = counter.load(SeqCst);
                    counter.store(v + 1, SeqCst);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker failed");
    }
    counter.load(SeqCst).to_string()
}

/// The same with no atomics at all.
fn unsafe_cell(p: &Params) -> String {
    let counter = Arc::new(RaceCell::new(0usize).named("counter"));
    let ops = p.get("ops");
    let workers: Vec<_> = (0..p.get("threads"))
        .map(|_| {
            let counter = counter.clone();
            thread::spawn(move || {
                for _ in 0..ops {
                    let v = counter.get();
                    counter.set(v + 1);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker failed");
    }
    counter.get().to_string()
}
