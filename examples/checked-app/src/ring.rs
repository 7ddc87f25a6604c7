//! A bounded single-producer single-consumer ring buffer: the producer
//! writes a slot, then publishes it by advancing `tail` (Release); the
//! consumer sees the slot after reading `tail` (Acquire), takes it, then
//! frees it by advancing `head`. The seeded bug ([`Flaw::PublishFirst`])
//! advances `tail` before writing the slot, so the consumer can take a slot
//! that holds nothing yet.

use racetrace::cell::UnsafeCell;
use racetrace::sync::atomic::{AtomicUsize, Ordering};

/// A deliberate mistake, for the tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// None: the correct ring.
    None,
    /// Publish the slot (advance `tail`) before writing it.
    PublishFirst,
}

/// The ring: `N` slots, one producer, one consumer.
pub struct Ring<const N: usize> {
    slots: [UnsafeCell<Option<u64>>; N],
    head: AtomicUsize,
    tail: AtomicUsize,
    flaw: Flaw,
}

// SAFETY: a slot is written only by the producer while it is outside
// head..tail (not visible to the consumer), and read and cleared only by the
// consumer while it is inside (the producer does not touch it until head
// passes it). The Acquire/Release pairs on `tail` and `head` order these
// accesses. With `Flaw::PublishFirst` this does not hold — which is the bug
// the tests find.
unsafe impl<const N: usize> Sync for Ring<N> {}

impl<const N: usize> Ring<N> {
    /// An empty ring.
    pub fn new(flaw: Flaw) -> Ring<N> {
        Ring {
            slots: std::array::from_fn(|_| UnsafeCell::new(None)),
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
            flaw,
        }
    }

    /// Producer: add `v` if there is room.
    pub fn push(&self, v: u64) -> bool {
        let tail = self.tail.load(Ordering::Relaxed);
        if tail - self.head.load(Ordering::Acquire) == N {
            return false;
        }
        let slot = &self.slots[tail % N];
        if self.flaw == Flaw::PublishFirst {
            self.tail.store(tail + 1, Ordering::Release);
            // SAFETY: not sound with this flaw — the seeded bug.
            slot.with_mut(|p| unsafe { *p = Some(v) });
        } else {
            // SAFETY: the slot is outside head..tail: the consumer does not
            // read it until the store below publishes it.
            slot.with_mut(|p| unsafe { *p = Some(v) });
            self.tail.store(tail + 1, Ordering::Release);
        }
        true
    }

    /// Consumer: take the oldest value, if any. `Some(None)` means a slot
    /// was published before it was written (only with the flaw).
    pub fn pop(&self) -> Option<Option<u64>> {
        let head = self.head.load(Ordering::Relaxed);
        if head == self.tail.load(Ordering::Acquire) {
            return None;
        }
        // SAFETY: the slot is inside head..tail: the producer wrote it
        // before publishing it and does not touch it until head passes it.
        let v = self.slots[head % N].with_mut(|p| unsafe { (*p).take() });
        self.head.store(head + 1, Ordering::Release);
        Some(v)
    }
}
