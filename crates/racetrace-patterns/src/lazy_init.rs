//! `lazy-init` — double-checked initialisation, the idiom behind C++'s
//! function-local statics and `std::call_once`, Java's double-checked
//! locking and Rust's `OnceLock`: check a flag without the lock; if it is
//! not set, take the lock, check again, initialise the value, set the
//! flag. Property: every caller gets the initialised value, it is
//! initialised once, and nothing is raced.
//! Variants: `relaxed` (bug: the flag is set and checked with `Relaxed` —
//! a caller that sees it set, without taking the lock, can read the value
//! from before its initialisation: a data race), `acquire-release` (holds:
//! the flag set with `Release`, the first check with `Acquire`).
//!
//! There is no Python original the tutorials show; `functools.cache` and
//! module imports do it under the interpreter's lock.

use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::traced::cell::RaceCell;
use racetrace::traced::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use racetrace::traced::sync::{Arc, Mutex};
use racetrace::traced::thread;

/// The value the initialiser computes.
const VALUE: usize = 42;

const PARAMS: &[ParamSpec] = &[ParamSpec {
    name: "threads",
    default: 2,
    min: 1,
    max: 3,
    help: "threads asking for the value",
}];

/// Each caller's value, then how many times the initialiser ran.
fn expected(p: &Params) -> String {
    let each = vec![VALUE.to_string(); p.get("threads")].join(" ");
    format!("{each} | init×1")
}

fn allowed(p: &Params, o: &str) -> bool {
    o == expected(p)
}

fn explain(p: &Params, o: &str) -> String {
    if allowed(p, o) {
        "every caller got the value; initialised once".into()
    } else if o == "data-race" {
        "data race: a caller read the value while another initialised it".into()
    } else {
        format!("wrong: expected {}", expected(p))
    }
}

const SPEC: Spec = Spec {
    property: "every caller gets the initialised value, initialised once, no data race",
    expect: Expect::Holds,
    allowed,
    explain,
};

const JOBS: &[Job] = &[
    Job::on(Backend::Rc11),
    Job::on(Backend::Loom),
    Job::informational(Backend::Dpor, 1000),
];

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "lazy-init",
    summary: "double-checked lazy initialisation: a flag checked before and after taking a lock",
    python: "none the tutorials show; in Rust, `if !ready.load(Acquire) { let _g = lock.lock(); if !ready.load(Relaxed) { init(); ready.store(true, Release) } }`",
    params: PARAMS,
    threads: |p| p.get("threads") + 1,
    variants: &[
        Variant {
            name: "relaxed",
            summary: "the flag set and first checked with `Relaxed`",
            spec: Spec {
                expect: Expect::Bug("data race"),
                ..SPEC
            },
            run: |p| run(p, Ordering::Relaxed, Ordering::Relaxed),
            jobs: JOBS,
        },
        Variant {
            name: "acquire-release",
            summary: "the flag set with `Release`, first checked with `Acquire`",
            spec: SPEC,
            run: |p| run(p, Ordering::Release, Ordering::Acquire),
            jobs: JOBS,
        },
    ],
};

/// The lazily initialised value: `ready` says `value` holds it.
struct Lazy {
    ready: AtomicBool,
    lock: Mutex<()>,
    value: RaceCell<usize>,
    inits: AtomicUsize,
}

impl Lazy {
    fn get(&self, set: Ordering, check: Ordering) -> usize {
        if !self.ready.load(check) {
            let _g = self.lock.lock();
            if !self.ready.load(Ordering::Relaxed) {
                self.value.set(VALUE);
                self.inits.fetch_add(1, Ordering::Relaxed);
                self.ready.store(true, set);
            }
        }
        self.value.get()
    }
}

fn run(p: &Params, set: Ordering, check: Ordering) -> String {
    let lazy = Arc::new(Lazy {
        ready: AtomicBool::new(false).named("ready"),
        lock: Mutex::new(()).named("lock"),
        value: RaceCell::new(0).named("value"),
        inits: AtomicUsize::new(0).named("inits"),
    });
    let callers: Vec<_> = (0..p.get("threads"))
        .map(|_| {
            let lazy = lazy.clone();
            thread::spawn(move || lazy.get(set, check))
        })
        .collect();
    let got: Vec<String> = callers
        .into_iter()
        .map(|c| c.join().expect("caller failed").to_string())
        .collect();
    format!(
        "{} | init×{}",
        got.join(" "),
        lazy.inits.load(Ordering::Relaxed)
    )
}
