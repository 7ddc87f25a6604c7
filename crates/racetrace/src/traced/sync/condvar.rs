//! A condition variable on every backend. Notifications and wake-ups are
//! recorded; loom wakes waiters first-in first-out, shuttle lets the scheduler
//! choose which waiter a `notify_one` wakes (both are followed in the trace).

use super::mutex::{GuardImpl, MutexGuard};
use crate::rt::{self, Kind, ObjKind, UNTRACKED, Wake};
use std::fmt;
use std::sync::{Arc, PoisonError, Weak};

/// A condition variable, as `std::sync::Condvar` without poisoning.
pub struct Condvar {
    pub(crate) id: usize,
    inner: Arc<Impl>,
}

enum Impl {
    Std(std::sync::Condvar),
    Loom(loom::sync::Condvar),
    Shuttle(shuttle::sync::Condvar),
}

impl Wake for Impl {
    fn wake_all(&self) {
        match self {
            Impl::Std(c) => c.notify_all(),
            Impl::Loom(c) => c.notify_all(),
            Impl::Shuttle(c) => c.notify_all(),
        }
    }
}

impl Default for Condvar {
    fn default() -> Self {
        Condvar::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}

impl Condvar {
    /// A new condition variable, named `condvarN` in traces.
    pub fn new() -> Self {
        let ctx = rt::ctx();
        let kind = ctx.as_ref().map(|c| c.exec.kind).unwrap_or(Kind::Real);
        let inner = Arc::new(match kind {
            Kind::Real => Impl::Std(std::sync::Condvar::new()),
            Kind::Loom => Impl::Loom(loom::sync::Condvar::new()),
            Kind::Shuttle => Impl::Shuttle(shuttle::sync::Condvar::new()),
        });
        let id = match &ctx {
            Some(c) => {
                let id = c.register(ObjKind::Condvar, None);
                let weak: Weak<dyn Wake> = Arc::downgrade(&(inner.clone() as Arc<dyn Wake>));
                c.register_condvar(id, weak);
                id
            }
            None => UNTRACKED,
        };
        Condvar { id, inner }
    }

    /// Give the condition variable the name traces show for it.
    pub fn named(self, name: &str) -> Self {
        if self.id != UNTRACKED
            && let Some(c) = rt::ctx()
        {
            c.rename(self.id, name);
        }
        self
    }

    /// Release the guard's lock, sleep until notified, re-acquire the lock.
    pub fn wait<'a, T>(&self, mut guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        let ctx = if self.id == UNTRACKED {
            None
        } else {
            guard.ctx.clone()
        };
        let m = guard.mutex.id;
        if let Some(c) = &ctx {
            c.announce_wait(self.id, m);
            c.wait_begin(self.id, m);
        }
        let g = guard.inner.take().expect("guard in use");
        let g = match (&*self.inner, g) {
            (Impl::Std(cv), GuardImpl::Std(g)) => {
                GuardImpl::Std(cv.wait(g).unwrap_or_else(PoisonError::into_inner))
            }
            (Impl::Loom(cv), GuardImpl::Loom(g)) => {
                GuardImpl::Loom(cv.wait(g).unwrap_or_else(PoisonError::into_inner))
            }
            (Impl::Shuttle(cv), GuardImpl::Shuttle(g)) => {
                GuardImpl::Shuttle(cv.wait(g).unwrap_or_else(PoisonError::into_inner))
            }
            _ => panic!(
                "racetrace: a Condvar and a Mutex created under different backends were used together"
            ),
        };
        guard.inner = Some(g);
        if let Some(c) = &ctx {
            c.wait_end(self.id, m);
        }
        guard
    }

    /// Wait while `condition` holds (the `while` loop every wait belongs in).
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> MutexGuard<'a, T>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.wait(guard);
        }
        guard
    }

    /// Wake one waiter, if any.
    pub fn notify_one(&self) {
        self.notify(false)
    }

    /// Wake every waiter.
    pub fn notify_all(&self) {
        self.notify(true)
    }

    fn notify(&self, all: bool) {
        let ctx = rt::tracked(self.id);
        if let Some(c) = &ctx {
            rt::check_abandoned(&c.exec);
            c.announce(&[(self.id, true)]);
        }
        match (&*self.inner, all) {
            (Impl::Std(c), false) => c.notify_one(),
            (Impl::Std(c), true) => c.notify_all(),
            (Impl::Loom(c), false) => c.notify_one(),
            (Impl::Loom(c), true) => c.notify_all(),
            (Impl::Shuttle(c), false) => c.notify_one(),
            (Impl::Shuttle(c), true) => c.notify_all(),
        }
        // Recorded after: the backends switch only before an operation.
        if let Some(c) = &ctx {
            c.notify(self.id, all);
        }
    }
}
