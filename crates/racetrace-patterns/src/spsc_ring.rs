//! `spsc-ring` — a single-producer single-consumer ring buffer, the
//! lock-free queue of C++'s `boost::lockfree::spsc_queue`, DPDK's rings and
//! the `rtrb`/`ringbuf` crates: slots of plain memory, a `head` only the
//! consumer advances and a `tail` only the producer advances. The producer
//! writes a slot, then publishes it by storing the new `tail`; the consumer
//! loads `tail`, reads the slot, then frees it by storing the new `head`.
//! Property: the consumer receives 1, 2, …, items in order, and no slot is
//! raced.
//! Variants: `relaxed-tail` (bug: `tail` published and read with
//! `Relaxed` — the consumer can see the new tail and read the slot before
//! the producer's write reaches it: a data race on the slot),
//! `release-acquire` (holds: `Release` stores and `Acquire` loads of both
//! indices).
//!
//! There is no Python original: `queue.Queue` takes a lock; this is the
//! queue built without one.

use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::traced::cell::RaceCell;
use racetrace::traced::sync::Arc;
use racetrace::traced::sync::atomic::{AtomicUsize, Ordering};
use racetrace::traced::thread;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "items",
        default: 2,
        min: 1,
        max: 4,
        help: "items sent through the ring",
    },
    ParamSpec {
        name: "capacity",
        default: 1,
        min: 1,
        max: 3,
        help: "slots in the ring",
    },
];

/// The items in order: `1 2 … items`.
fn in_order(p: &Params) -> String {
    (1..=p.get("items"))
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn allowed(p: &Params, o: &str) -> bool {
    o == in_order(p)
}

fn explain(p: &Params, o: &str) -> String {
    if allowed(p, o) {
        "every item received, in order".into()
    } else if o == "data-race" {
        "data race: the consumer read a slot the producer's write had not reached".into()
    } else {
        format!("wrong items: expected {}", in_order(p))
    }
}

const SPEC: Spec = Spec {
    property: "the consumer receives 1..items in order, and no slot is raced",
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
    name: "spsc-ring",
    summary: "a lock-free single-producer single-consumer ring buffer",
    python: "none: `queue.Queue` takes a lock; in Rust, slots of `UnsafeCell`, `tail.store(t + 1, Release)` by the producer, `tail.load(Acquire)` by the consumer",
    params: PARAMS,
    threads: |_| 2,
    variants: &[
        Variant {
            name: "relaxed-tail",
            summary: "`tail` stored and loaded with `Relaxed`",
            spec: Spec {
                expect: Expect::Bug("data race"),
                ..SPEC
            },
            run: |p| run(p, Ordering::Relaxed, Ordering::Relaxed),
            jobs: JOBS,
        },
        Variant {
            name: "release-acquire",
            summary: "both indices stored with `Release` and loaded with `Acquire`",
            spec: SPEC,
            run: |p| run(p, Ordering::Release, Ordering::Acquire),
            jobs: JOBS,
        },
    ],
};

/// `publish`/`observe`: the orderings of `tail`'s store and load (`head`'s
/// are `Release`/`Acquire` in both variants).
fn run(p: &Params, publish: Ordering, observe: Ordering) -> String {
    let cap = p.get("capacity");
    let items = p.get("items");
    let slots: Arc<Vec<RaceCell<usize>>> = Arc::new(
        (0..cap)
            .map(|i| RaceCell::new(0).named(&format!("slot{i}")))
            .collect(),
    );
    let head = Arc::new(AtomicUsize::new(0).named("head"));
    let tail = Arc::new(AtomicUsize::new(0).named("tail"));
    let (s, h, t) = (slots.clone(), head.clone(), tail.clone());
    let producer = thread::spawn(move || {
        for item in 1..=items {
            let tl = t.load(Ordering::Relaxed);
            // Wait for a free slot.
            while tl - h.load(Ordering::Acquire) == cap {
                thread::yield_now();
            }
            s[tl % cap].set(item);
            t.store(tl + 1, publish);
        }
    });
    let mut got = Vec::new();
    for _ in 0..items {
        let hd = head.load(Ordering::Relaxed);
        // Wait for a full slot.
        while tail.load(observe) == hd {
            thread::yield_now();
        }
        got.push(slots[hd % cap].get());
        head.store(hd + 1, Ordering::Release);
    }
    producer.join().expect("producer failed");
    got.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}
