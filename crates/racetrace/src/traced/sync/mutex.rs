//! A mutual-exclusion lock on every backend: std's, loom's or shuttle's mutex
//! underneath, without poisoning (as tokio's std adapter does).

use crate::rt::{self, Ctx, Kind, ObjKind, UNTRACKED};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{PoisonError, TryLockError};

/// A mutex, as `std::sync::Mutex` without poisoning.
pub struct Mutex<T> {
    pub(crate) id: usize,
    inner: Impl<T>,
    show: Option<fn(&T) -> String>,
}

fn debug_string<T: fmt::Debug>(v: &T) -> String {
    format!("{v:?}")
}

enum Impl<T> {
    Std(std::sync::Mutex<T>),
    Loom(loom::sync::Mutex<T>),
    Shuttle(shuttle::sync::Mutex<T>),
}

/// Holds the lock until dropped.
pub struct MutexGuard<'a, T> {
    pub(crate) mutex: &'a Mutex<T>,
    pub(crate) inner: Option<GuardImpl<'a, T>>,
    pub(crate) ctx: Option<Ctx>,
}

pub(crate) enum GuardImpl<'a, T> {
    Std(std::sync::MutexGuard<'a, T>),
    Loom(loom::sync::MutexGuard<'a, T>),
    Shuttle(shuttle::sync::MutexGuard<'a, T>),
}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`, named `mutexN` in traces.
    pub fn new(value: T) -> Self {
        let (id, kind) = match rt::ctx() {
            Some(c) => (c.register(ObjKind::Mutex, None), c.exec.kind),
            None => (UNTRACKED, rt::kind()),
        };
        let inner = match kind {
            Kind::Real => Impl::Std(std::sync::Mutex::new(value)),
            Kind::Loom => Impl::Loom(loom::sync::Mutex::new(value)),
            Kind::Shuttle => Impl::Shuttle(shuttle::sync::Mutex::new(value)),
        };
        Mutex {
            id,
            inner,
            show: None,
        }
    }

    /// Record the protected value in the trace at every lock and unlock
    /// (`lock balance = 100`, `unlock balance = 30`).
    pub fn show_values(mut self) -> Self
    where
        T: fmt::Debug,
    {
        self.show = Some(debug_string::<T>);
        self
    }

    /// Promise that the data this mutex guards is touched only by operations
    /// that report their touches ([`Ctx::touch`]): lets `dpor` tell apart
    /// critical sections that touch different parts (a queue's items and its
    /// task count). For racetrace's own primitives only.
    pub(crate) fn reported(self) -> Self {
        if let Some(c) = self.ctx() {
            c.report_data(self.id);
        }
        self
    }

    /// Give the mutex the name traces show for it.
    pub fn named(self, name: &str) -> Self {
        rt::rename(self.id, name);
        self
    }

    fn ctx(&self) -> Option<Ctx> {
        rt::tracked(self.id)
    }

    /// The value, consuming the mutex (no other thread can hold it).
    pub fn into_inner(self) -> T {
        match self.inner {
            Impl::Std(m) => m.into_inner().unwrap_or_else(PoisonError::into_inner),
            Impl::Loom(m) => m.into_inner().unwrap_or_else(PoisonError::into_inner),
            Impl::Shuttle(m) => m.into_inner().unwrap_or_else(PoisonError::into_inner),
        }
    }

    /// The value, through a unique borrow (no other thread can hold it).
    pub fn get_mut(&mut self) -> &mut T {
        match &mut self.inner {
            Impl::Std(m) => m.get_mut().unwrap_or_else(PoisonError::into_inner),
            Impl::Loom(m) => m.get_mut().unwrap_or_else(PoisonError::into_inner),
            Impl::Shuttle(m) => m.get_mut().unwrap_or_else(PoisonError::into_inner),
        }
    }

    /// Acquire the lock, blocking until it is free.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        let ctx = self.ctx();
        if let Some(c) = &ctx {
            rt::check_abandoned(&c.exec);
            c.announce_modes(vec![(self.id, rt::Mode::Acquire)]);
            c.switch_point_before_lock(self.id);
            c.lock_begin(self.id);
        }
        let g = match &self.inner {
            Impl::Std(m) => GuardImpl::Std(m.lock().unwrap_or_else(PoisonError::into_inner)),
            Impl::Loom(m) => GuardImpl::Loom(m.lock().unwrap_or_else(PoisonError::into_inner)),
            Impl::Shuttle(m) => {
                GuardImpl::Shuttle(m.lock().unwrap_or_else(PoisonError::into_inner))
            }
        };
        if let Some(c) = &ctx {
            let value = self.show.map(|f| f(guard_ref(&g)));
            c.lock_end(self.id, value);
            if c.exec.is_abandoned() && !std::thread::panicking() {
                drop(g);
                rt::unwind(&c.exec);
            }
        }
        MutexGuard {
            mutex: self,
            inner: Some(g),
            ctx,
        }
    }

    /// Acquire the lock if it is free right now.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let ctx = self.ctx();
        if let Some(c) = &ctx {
            rt::check_abandoned(&c.exec);
            c.announce(&[(self.id, true)]);
            c.switch_point();
        }
        let g = match &self.inner {
            Impl::Std(m) => match m.try_lock() {
                Ok(g) => Some(GuardImpl::Std(g)),
                Err(TryLockError::Poisoned(p)) => Some(GuardImpl::Std(p.into_inner())),
                Err(TryLockError::WouldBlock) => None,
            },
            Impl::Loom(m) => match m.try_lock() {
                Ok(g) => Some(GuardImpl::Loom(g)),
                Err(TryLockError::Poisoned(p)) => Some(GuardImpl::Loom(p.into_inner())),
                Err(TryLockError::WouldBlock) => None,
            },
            Impl::Shuttle(m) => match m.try_lock() {
                Ok(g) => Some(GuardImpl::Shuttle(g)),
                Err(TryLockError::Poisoned(p)) => Some(GuardImpl::Shuttle(p.into_inner())),
                Err(TryLockError::WouldBlock) => None,
            },
        };
        if let Some(c) = &ctx {
            let value = self.show.and_then(|f| g.as_ref().map(|g| f(guard_ref(g))));
            c.try_lock(self.id, g.is_some(), value);
        }
        g.map(|g| MutexGuard {
            mutex: self,
            inner: Some(g),
            ctx,
        })
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex").finish_non_exhaustive()
    }
}

fn guard_ref<'g, T>(g: &'g GuardImpl<'_, T>) -> &'g T {
    match g {
        GuardImpl::Std(g) => g,
        GuardImpl::Loom(g) => g,
        GuardImpl::Shuttle(g) => g,
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        guard_ref(self.inner.as_ref().expect("guard in use by a condvar wait"))
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        match self.inner.as_mut().expect("guard in use by a condvar wait") {
            GuardImpl::Std(g) => g,
            GuardImpl::Loom(g) => g,
            GuardImpl::Shuttle(g) => g,
        }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(g) = self.inner.take() {
            let value = match (&self.ctx, self.mutex.show) {
                (Some(_), Some(f)) => Some(f(guard_ref(&g))),
                _ => None,
            };
            if let Some(c) = &self.ctx {
                c.announce_modes(vec![(self.mutex.id, rt::Mode::Release)]);
            }
            drop(g);
            // Recorded after the release: loom and shuttle switch threads only
            // before an operation. (On real threads another thread's `lock`
            // may be recorded first; the shadow state stays safe for deadlock
            // detection, as this thread is still running.)
            if let Some(c) = &self.ctx {
                c.unlock(self.mutex.id, value);
            }
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
