//! `std::sync::Barrier` under `model`: a traced mutex holding the count and
//! the generation, and a condition variable; exactly one waiter of each
//! generation is the leader.

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .finish_non_exhaustive()
    }
}
