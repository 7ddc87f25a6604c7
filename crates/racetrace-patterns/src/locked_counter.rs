//! `locked-counter` — the tutorials' fix for the unsafe counter: the same
//! threads, with `with lock: counter += 1`. Property: the total is
//! threads × ops. Variants: `mutex` (holds), `atomic` (holds: one
//! `fetch_add` is a single indivisible step).

use crate::count;
use crate::pattern::{Job, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use crate::unsafe_counter::PARAMS;
use racetrace::Backend;
use racetrace::traced::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use racetrace::traced::sync::{Arc, Mutex};
use racetrace::traced::thread;

const SPEC: Spec = Spec {
    property: "counter = threads × ops",
    expect: Expect::Holds,
    allowed: count::exact,
    explain: count::explain,
};

const JOBS: &[Job] = &[
    Job::on(Backend::Dpor),
    Job::on(Backend::Loom),
    Job::on(Backend::ShuttleDfs),
    Job::sampled(Backend::ShuttlePct, 1000),
    Job::sampled(Backend::Real, 1000),
];

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "locked-counter",
    summary: "threads increment a shared counter under a lock, or atomically",
    python: "lock = threading.Lock(); each thread runs `for _ in range(K): with lock: counter += 1`",
    params: PARAMS,
    threads: |p| p.get("threads") + 1,
    variants: &[
        Variant {
            name: "mutex",
            summary: "read and write the counter while holding a mutex",
            spec: SPEC,
            run: mutex,
            jobs: JOBS,
        },
        Variant {
            name: "atomic",
            summary: "one atomic fetch_add per increment",
            spec: SPEC,
            run: atomic,
            jobs: JOBS,
        },
    ],
};

fn mutex(p: &Params) -> String {
    let counter = Arc::new(Mutex::new(0usize).named("counter").show_values());
    let ops = p.get("ops");
    let workers: Vec<_> = (0..p.get("threads"))
        .map(|_| {
            let counter = counter.clone();
            thread::spawn(move || {
                for _ in 0..ops {
                    *counter.lock() += 1;
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker failed");
    }
    let total = *counter.lock();
    total.to_string()
}

fn atomic(p: &Params) -> String {
    let counter = Arc::new(AtomicUsize::new(0).named("counter"));
    let ops = p.get("ops");
    let workers: Vec<_> = (0..p.get("threads"))
        .map(|_| {
            let counter = counter.clone();
            thread::spawn(move || {
                for _ in 0..ops {
                    counter.fetch_add(1, SeqCst);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker failed");
    }
    counter.load(SeqCst).to_string()
}
