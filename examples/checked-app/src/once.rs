//! A once-cell whose losers spin until the winner has published the value:
//! state 0 (empty) → 1 (being written) → 2 (ready). The seeded bug
//! ([`Flaw::FlagFirst`]) sets "ready" before writing the value, so a
//! spinning reader can see "ready" and read nothing.

use racetrace::cell::UnsafeCell;
use racetrace::hint;
use racetrace::sync::atomic::{AtomicUsize, Ordering};

/// A deliberate mistake, for the tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// None: the correct cell.
    None,
    /// Publish "ready" before writing the value.
    FlagFirst,
}

const EMPTY: usize = 0;
const WRITING: usize = 1;
const READY: usize = 2;

/// A value set once, read by everyone after.
pub struct SpinOnce {
    state: AtomicUsize,
    value: UnsafeCell<Option<u64>>,
    flaw: Flaw,
}

// SAFETY: `value` is written only by the one thread that moved `state` from
// EMPTY to WRITING, before it stores READY (Release); it is read only after
// loading READY (Acquire). With `Flaw::FlagFirst` this does not hold — the
// seeded bug.
unsafe impl Sync for SpinOnce {}

impl SpinOnce {
    /// An empty cell.
    pub fn new(flaw: Flaw) -> SpinOnce {
        SpinOnce {
            state: AtomicUsize::new(EMPTY),
            value: UnsafeCell::new(None),
            flaw,
        }
    }

    /// The value, computing it with `init` if this thread is the first.
    /// `None` means the value was read before it was written (the flaw).
    pub fn get_or_init(&self, init: impl FnOnce() -> u64) -> Option<u64> {
        if self
            .state
            .compare_exchange(EMPTY, WRITING, Ordering::Acquire, Ordering::Acquire)
            .is_ok()
        {
            let v = init();
            if self.flaw == Flaw::FlagFirst {
                self.state.store(READY, Ordering::Release);
                // SAFETY: not sound with this flaw — the seeded bug.
                self.value.with_mut(|p| unsafe { *p = Some(v) });
            } else {
                // SAFETY: only the winner of the CAS writes, before READY.
                self.value.with_mut(|p| unsafe { *p = Some(v) });
                self.state.store(READY, Ordering::Release);
            }
        } else {
            while self.state.load(Ordering::Acquire) != READY {
                hint::spin_loop();
            }
        }
        // SAFETY: READY was seen (Acquire) or written by this thread.
        self.value.with(|p| unsafe { *p })
    }
}
