//! What the facade costs in production: racetrace's `sync`, `cell` and
//! `thread` types against std's, built as a user's release binary builds
//! them (racetrace without features). Run:
//! `cargo run --release -p checked-app --features overhead --bin overhead`
//!
//! The sizes are checked at compile time: this binary does not build if any
//! facade type is larger than std's.

use std::hint::black_box;
use std::mem::size_of;
use std::time::Instant;

const _: () = {
    assert!(size_of::<racetrace::sync::Mutex<u64>>() == size_of::<std::sync::Mutex<u64>>());
    assert!(size_of::<racetrace::sync::Condvar>() == size_of::<std::sync::Condvar>());
    assert!(
        size_of::<racetrace::sync::atomic::AtomicUsize>()
            == size_of::<std::sync::atomic::AtomicUsize>()
    );
    assert!(
        size_of::<racetrace::cell::UnsafeCell<u64>>() == size_of::<std::cell::UnsafeCell<u64>>()
    );
    assert!(size_of::<racetrace::sync::RwLock<u64>>() == size_of::<std::sync::RwLock<u64>>());
};

/// Nanoseconds per call of `f`, the median of 21 rounds of `n` calls.
fn per_call(n: u64, mut f: impl FnMut()) -> f64 {
    let mut rounds: Vec<f64> = (0..21)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[rounds.len() / 2]
}

fn row(what: &str, ours: f64, std: f64) {
    println!("{what:<28} {ours:>8.2} {std:>8.2} {:>7.3}", ours / std);
}

fn main() {
    const N: u64 = 2_000_000;
    println!(
        "{:<28} {:>8} {:>8} {:>7}",
        "operation (ns/op)", "facade", "std", "ratio"
    );

    let (a, b) = (
        racetrace::sync::Mutex::new(0u64),
        std::sync::Mutex::new(0u64),
    );
    row(
        "Mutex lock+unlock",
        per_call(N, || *black_box(&a).lock().unwrap() += 1),
        per_call(N, || *black_box(&b).lock().unwrap() += 1),
    );

    let (a, b) = (
        racetrace::sync::atomic::AtomicUsize::new(1),
        std::sync::atomic::AtomicUsize::new(1),
    );
    use std::sync::atomic::Ordering::{Acquire, SeqCst};
    row(
        "AtomicUsize::load",
        per_call(N, || {
            black_box(black_box(&a).load(Acquire));
        }),
        per_call(N, || {
            black_box(black_box(&b).load(Acquire));
        }),
    );
    row(
        "AtomicUsize::fetch_add",
        per_call(N, || {
            black_box(black_box(&a).fetch_add(1, SeqCst));
        }),
        per_call(N, || {
            black_box(black_box(&b).fetch_add(1, SeqCst));
        }),
    );

    let (tx, rx) = racetrace::sync::mpsc::channel::<u64>();
    let (stx, srx) = std::sync::mpsc::channel::<u64>();
    row(
        "mpsc send+recv",
        per_call(N / 4, || {
            tx.send(1).unwrap();
            black_box(rx.recv().unwrap());
        }),
        per_call(N / 4, || {
            stx.send(1).unwrap();
            black_box(srx.recv().unwrap());
        }),
    );

    let a = racetrace::cell::UnsafeCell::new(0u64);
    let b = std::cell::UnsafeCell::new(0u64);
    row(
        "UnsafeCell write+read",
        // SAFETY: one thread, no other access.
        per_call(N, || unsafe {
            black_box(&a).with_mut(|p| *p += 1);
            black_box(black_box(&a).with(|p| *p));
        }),
        // SAFETY: as above.
        per_call(N, || unsafe {
            *black_box(&b).get() += 1;
            black_box(*black_box(&b).get());
        }),
    );

    let ring = checked_app::ring::Ring::<8>::new(checked_app::ring::Flaw::None);
    let plain = PlainRing::default();
    row(
        "SPSC ring push+pop",
        per_call(N, || {
            black_box(&ring).push(1);
            black_box(black_box(&ring).pop());
        }),
        per_call(N, || {
            black_box(&plain).push(1);
            black_box(black_box(&plain).pop());
        }),
    );
}

/// The same ring written on std's types directly, for the comparison (the
/// same code, its flaw switch included, so only the types differ).
#[derive(Default)]
struct PlainRing {
    slots: [std::cell::UnsafeCell<Option<u64>>; 8],
    head: std::sync::atomic::AtomicUsize,
    tail: std::sync::atomic::AtomicUsize,
    publish_first: bool,
}

impl PlainRing {
    fn push(&self, v: u64) -> bool {
        use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
        let tail = self.tail.load(Relaxed);
        if tail - self.head.load(Acquire) == 8 {
            return false;
        }
        let slot = &self.slots[tail % 8];
        if black_box(self.publish_first) {
            self.tail.store(tail + 1, Release);
            // SAFETY: single-threaded here.
            unsafe { *slot.get() = Some(v) };
        } else {
            // SAFETY: single-threaded here; the slot is outside head..tail.
            unsafe { *slot.get() = Some(v) };
            self.tail.store(tail + 1, Release);
        }
        true
    }

    fn pop(&self) -> Option<Option<u64>> {
        use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
        let head = self.head.load(Relaxed);
        if head == self.tail.load(Acquire) {
            return None;
        }
        // SAFETY: single-threaded here; the slot is inside head..tail.
        let v = unsafe { (*self.slots[head % 8].get()).take() };
        self.head.store(head + 1, Release);
        Some(v)
    }
}
