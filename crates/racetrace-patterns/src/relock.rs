//! `relock` — the tutorials' `Lock` versus `RLock`: a counter object whose
//! `increment` takes the object's lock, and whose `increment_twice` takes the
//! same lock and calls `increment` twice, so the pair is one atomic step.
//! Property: both threads' pairs are counted (no deadlock). Variants:
//! `non-reentrant` (bug: a thread deadlocks on a lock it holds itself),
//! `reentrant` (holds).

use crate::pattern::{Job, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::traced::sync::{Arc, Mutex, ReentrantMutex};
use racetrace::traced::thread;
use std::cell::Cell;

/// Threads calling `increment_twice`.
const THREADS: usize = 2;

fn allowed(_: &Params, o: &str) -> bool {
    o == (2 * THREADS).to_string()
}

fn explain(_: &Params, o: &str) -> String {
    match o {
        "deadlock" => "self-deadlock: a thread waits for a lock it holds".into(),
        _ if o == (2 * THREADS).to_string() => format!("every increment counted ({o})"),
        _ => format!("wrong count (expected {})", 2 * THREADS),
    }
}

const BUG: Spec = Spec {
    property: "counter = 2 × threads, no deadlock",
    expect: Expect::Bug("self-deadlock"),
    allowed,
    explain,
};

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "relock",
    summary: "a method holding a lock calls another method that takes the same lock",
    python: "class Counter: def increment(self): with self.lock: self.n += 1; def increment_twice(self): with self.lock: self.increment(); self.increment()",
    params: &[],
    threads: |_| THREADS + 1,
    variants: &[
        Variant {
            name: "non-reentrant",
            summary: "the lock is a plain mutex (Python's Lock): the inner lock() waits for itself",
            spec: BUG,
            run: non_reentrant,
            jobs: &[
                Job::on(Backend::Dpor),
                Job::on(Backend::Loom),
                Job::on(Backend::ShuttleDfs),
                Job::sampled(Backend::ShuttlePct, 100),
                Job::informational(Backend::Real, 20),
            ],
        },
        Variant {
            name: "reentrant",
            summary: "the lock is a re-entrant mutex (Python's RLock): its holder may take it again",
            spec: Spec {
                expect: Expect::Holds,
                ..BUG
            },
            run: reentrant,
            jobs: &[
                Job::on(Backend::Dpor),
                Job::on(Backend::Loom),
                Job::on(Backend::ShuttleDfs),
                Job::sampled(Backend::ShuttlePct, 1000),
                Job::sampled(Backend::Real, 200),
            ],
        },
    ],
};

/// Start `THREADS` threads each running `body` on the shared counter.
fn run_threads<C: Send + Sync + 'static>(counter: Arc<C>, body: fn(&C)) {
    let hs: Vec<_> = (0..THREADS)
        .map(|_| {
            let c = counter.clone();
            thread::spawn(move || body(&c))
        })
        .collect();
    for h in hs {
        h.join().expect("thread failed");
    }
}

/// With Python's `Lock`: the counter lives in a plain mutex.
fn non_reentrant(_: &Params) -> String {
    fn increment(c: &Mutex<usize>) {
        *c.lock() += 1;
    }
    fn increment_twice(c: &Mutex<usize>) {
        let _held = c.lock();
        increment(c); // takes the lock this thread already holds
        increment(c);
    }
    let counter = Arc::new(Mutex::new(0usize).named("counter"));
    run_threads(counter.clone(), increment_twice);
    let n = *counter.lock();
    n.to_string()
}

/// With Python's `RLock`: the same methods, a re-entrant mutex.
fn reentrant(_: &Params) -> String {
    fn increment(c: &ReentrantMutex<Cell<usize>>) {
        let n = c.lock();
        n.set(n.get() + 1);
    }
    fn increment_twice(c: &ReentrantMutex<Cell<usize>>) {
        let _held = c.lock();
        increment(c); // the holder re-enters: depth 2
        increment(c);
    }
    let counter = Arc::new(ReentrantMutex::new(Cell::new(0usize)).named("counter"));
    run_threads(counter.clone(), increment_twice);
    let n = counter.lock().get();
    n.to_string()
}
