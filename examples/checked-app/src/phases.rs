//! Two workers that each publish a value in phase one and read the other's
//! in phase two, separated by a `Barrier`. The seeded bug
//! ([`exchange`] with `wait_first = false`): a worker reads before waiting
//! at the barrier, so it can see the other's slot still empty.

use racetrace::sync::atomic::{AtomicU64, Ordering};
use racetrace::sync::{Arc, Barrier};
use racetrace::thread;

/// Each worker i writes 10 + i, then reads the other's slot: the two
/// values read, as `"a b"` (0 means "not written yet").
pub fn exchange(wait_first: bool) -> String {
    let slots = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    let barrier = Arc::new(Barrier::new(2));
    let worker = |i: usize| {
        let (slots, barrier) = (slots.clone(), barrier.clone());
        thread::spawn(move || {
            slots[i].store(10 + i as u64, Ordering::SeqCst);
            if wait_first {
                barrier.wait();
                slots[1 - i].load(Ordering::SeqCst)
            } else {
                let seen = slots[1 - i].load(Ordering::SeqCst);
                barrier.wait();
                seen
            }
        })
    };
    let (a, b) = (worker(0), worker(1));
    format!("{} {}", a.join().unwrap(), b.join().unwrap())
}
