//! `message-passing` — publishing data through a flag, the idiom of C++'s
//! and Rust's memory models (`std::sync::atomic` docs, "Release/Acquire";
//! the MP litmus test): a writer fills in the data, then sets a flag; a
//! reader spins until it sees the flag, then reads the data. Property: a
//! reader that sees the flag sees the data.
//! Variants: `relaxed` (bug: the flag's store and load are `Relaxed`, so
//! seeing the flag orders nothing — the reader can read the data from
//! before it was written), `release-acquire` (holds: the `Release` store
//! synchronises with the `Acquire` load that reads it), `fences` (holds:
//! `Relaxed` accesses between a `Release` fence and an `Acquire` fence).
//!
//! There is no Python original: CPython's interpreter orders every memory
//! access a thread makes. This is where Rust code leaves the tutorials.

use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::traced::sync::Arc;
use racetrace::traced::sync::atomic::{AtomicUsize, Ordering, fence};
use racetrace::traced::thread;

/// The value the writer publishes.
const DATA: usize = 42;

const PARAMS: &[ParamSpec] = &[];

fn allowed(_: &Params, o: &str) -> bool {
    o == DATA.to_string()
}

fn explain(_: &Params, o: &str) -> String {
    match o.parse::<usize>() {
        Ok(DATA) => format!("the reader saw the flag and the data ({DATA})"),
        Ok(v) => format!("stale data: the reader saw the flag but read {v}, not {DATA}"),
        Err(_) => "the program failed".into(),
    }
}

const SPEC: Spec = Spec {
    property: "a reader that sees the flag sees the data",
    expect: Expect::Holds,
    allowed,
    explain,
};

/// rc11 and loom model the orderings; dpor (every access sequentially
/// consistent) cannot show the bug and is there to show that it cannot.
const JOBS: &[Job] = &[
    Job::on(Backend::Rc11),
    Job::on(Backend::Loom),
    Job::informational(Backend::Dpor, 1000),
];

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "message-passing",
    summary: "a writer publishes data through a flag; a reader spins on the flag",
    python: "none: CPython orders every access; in Rust, `data.store(42, Relaxed); ready.store(1, Release)` and `while ready.load(Acquire) == 0 {}; data.load(Relaxed)`",
    params: PARAMS,
    threads: |_| 2,
    variants: &[
        Variant {
            name: "relaxed",
            summary: "the flag stored and loaded with `Relaxed`",
            spec: Spec {
                expect: Expect::Bug("stale data"),
                ..SPEC
            },
            run: |_| run(Ordering::Relaxed, Ordering::Relaxed, false),
            jobs: JOBS,
        },
        Variant {
            name: "release-acquire",
            summary: "the flag stored with `Release`, loaded with `Acquire`",
            spec: SPEC,
            run: |_| run(Ordering::Release, Ordering::Acquire, false),
            jobs: JOBS,
        },
        Variant {
            name: "fences",
            summary: "`Relaxed` flag accesses after a `Release` fence and before an `Acquire` fence",
            spec: SPEC,
            run: |_| run(Ordering::Relaxed, Ordering::Relaxed, true),
            jobs: JOBS,
        },
    ],
};

/// The writer stores the data (`Relaxed`) and sets the flag with `store`;
/// the reader spins on the flag with `load`, then reads the data.
fn run(store: Ordering, load: Ordering, fences: bool) -> String {
    let data = Arc::new(AtomicUsize::new(0).named("data"));
    let ready = Arc::new(AtomicUsize::new(0).named("ready"));
    let (d, r) = (data.clone(), ready.clone());
    let writer = thread::spawn(move || {
        d.store(DATA, Ordering::Relaxed);
        if fences {
            fence(Ordering::Release);
        }
        r.store(1, store);
    });
    while ready.load(load) == 0 {
        thread::yield_now();
    }
    if fences {
        fence(Ordering::Acquire);
    }
    let seen = data.load(Ordering::Relaxed);
    writer.join().expect("writer failed");
    seen.to_string()
}
