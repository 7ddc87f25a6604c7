//! `std::sync::Condvar` on racetrace's traced condition variable.
//!
//! `wait_timeout` under the checkers: time is not modelled, so a timeout
//! may fire at any moment of the wait. It is modelled by a timer thread
//! (one per call) that, when the scheduler runs it, wakes every waiter
//! unless this wait already ended; the checkers explore both orders —
//! "woken by a notification" and "timed out" — as they explore any race.
//! The timer is a spawned thread in the trace (and counts against loom's
//! four spawned threads). The others' extra wake-up is a spurious one,
//! which std allows and correct code tolerates. On real threads the timer
//! sleeps the duration first.

use super::mutex::MutexGuard;
use crate::rt;
use crate::traced::sync as traced;
use crate::traced::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::fmt;
use std::panic::Location;
use std::sync::{Arc, LockResult, PoisonError};
use std::time::Duration;

/// A condition variable with `std::sync::Condvar`'s API.
#[derive(Default)]
pub struct Condvar {
    inner: Arc<traced::Condvar>,
}

/// Whether a timed wait ended by timing out, as `std::sync::WaitTimeoutResult`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// True when the wait ended because its time ran out.
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

impl Condvar {
    /// A new condition variable.
    pub fn new() -> Condvar {
        Condvar::default()
    }

    /// Release the guard's lock, sleep until notified, re-acquire the lock.
    /// (A wake-up may be spurious: wait in a loop, or use [`Self::wait_while`].)
    #[track_caller]
    pub fn wait<'a, T>(&self, mut guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        let g = guard.inner.take().expect("guard in use");
        guard.inner = Some(rt::at(Location::caller(), || self.inner.wait(g)));
        relocked(guard)
    }

    /// Wait while `condition` holds.
    #[track_caller]
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        let mut poisoned = false;
        while condition(&mut *guard) {
            guard = match self.wait(guard) {
                Ok(g) => g,
                Err(p) => {
                    poisoned = true;
                    p.into_inner()
                }
            };
        }
        if poisoned {
            Err(PoisonError::new(guard))
        } else {
            Ok(guard)
        }
    }

    /// As [`Self::wait`], giving up after `dur` (see the module docs for how
    /// the checkers explore the timeout).
    #[track_caller]
    pub fn wait_timeout<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        dur: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let ended = Arc::new(AtomicBool::new(false).named("wait.ended"));
        let fired = Arc::new(AtomicBool::new(false).named("wait.timed-out"));
        let timer = {
            let (ended, fired, cv) = (ended.clone(), fired.clone(), self.inner.clone());
            crate::traced::thread::spawn(move || {
                if crate::traced::thread::on_real_threads() {
                    std::thread::sleep(dur);
                }
                if !ended.load(SeqCst) {
                    fired.store(true, SeqCst);
                    cv.notify_all();
                }
            })
        };
        let g = guard.inner.take().expect("guard in use");
        guard.inner = Some(rt::at(Location::caller(), || self.inner.wait(g)));
        ended.store(true, SeqCst);
        let timed_out = WaitTimeoutResult(fired.load(SeqCst));
        // Under the checkers the timer always ends (it never blocks); on real
        // threads it may still be asleep: leave it, as it holds nothing.
        if !crate::traced::thread::on_real_threads() {
            let _ = timer.join();
        }
        match relocked(guard) {
            Ok(g) => Ok((g, timed_out)),
            Err(p) => Err(PoisonError::new((p.into_inner(), timed_out))),
        }
    }

    /// As [`Self::wait_while`], giving up after `dur`: timed out when the
    /// condition still holds once the time has run out.
    #[track_caller]
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        dur: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        let start = std::time::Instant::now();
        let mut poisoned = false;
        let mut timed_out = false;
        // std: "timed out" means the time ran out with the condition unmet.
        let result = loop {
            if !condition(&mut *guard) {
                break WaitTimeoutResult(false);
            }
            if timed_out {
                break WaitTimeoutResult(true);
            }
            let left = dur.saturating_sub(start.elapsed());
            let (g, t) = match self.wait_timeout(guard, left) {
                Ok(r) => r,
                Err(p) => {
                    poisoned = true;
                    p.into_inner()
                }
            };
            guard = g;
            timed_out = t.timed_out();
        };
        if poisoned {
            Err(PoisonError::new((guard, result)))
        } else {
            Ok((guard, result))
        }
    }

    /// Wake one waiter, if any.
    #[track_caller]
    pub fn notify_one(&self) {
        rt::at(Location::caller(), || self.inner.notify_one());
    }

    /// Wake every waiter.
    #[track_caller]
    pub fn notify_all(&self) {
        rt::at(Location::caller(), || self.inner.notify_all());
    }
}

/// The guard back from a wait, `Err` if the lock was poisoned meanwhile.
fn relocked<T>(guard: MutexGuard<'_, T>) -> LockResult<MutexGuard<'_, T>> {
    if guard.lock.is_poisoned() {
        Err(PoisonError::new(guard))
    } else {
        Ok(guard)
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}
