//! `std::sync::Barrier` under `model`: a traced mutex holding how many
//! threads wait and which generation they belong to, and a traced condition
//! variable they wait on; the `n`th arrival starts the next generation, wakes
//! the others and is the leader (std: one arbitrary thread per generation).
//! So arrivals are scheduling points every checker explores, and a barrier
//! that too few threads reach is reported as a deadlock. Unlike std's,
//! `new` is not `const` (the traced parts register with the execution).

use super::condvar::Condvar;
use super::mutex::Mutex;
use std::fmt;
use std::sync::PoisonError;

/// A barrier for `n` threads, with `std::sync::Barrier`'s API.
pub struct Barrier {
    n: usize,
    state: Mutex<(usize, u64)>,
    all_here: Condvar,
}

/// What [`Barrier::wait`] returns, as `std::sync::BarrierWaitResult`.
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// True for exactly one thread of each generation.
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier that releases its waiters `n` at a time.
    pub fn new(n: usize) -> Barrier {
        Barrier {
            n,
            state: Mutex::new((0, 0)),
            all_here: Condvar::new(),
        }
    }

    /// Wait until `n` threads are waiting, then release them all.
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = s.1;
        s.0 += 1;
        if s.0 < self.n {
            while s.1 == generation {
                s = self
                    .all_here
                    .wait(s)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            BarrierWaitResult(false)
        } else {
            s.0 = 0;
            s.1 += 1;
            self.all_here.notify_all();
            BarrierWaitResult(true)
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").finish_non_exhaustive()
    }
}

impl fmt::Debug for BarrierWaitResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWaitResult")
            .field("is_leader", &self.0)
            .finish()
    }
}
