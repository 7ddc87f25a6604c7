//! `std::sync::Mutex` on racetrace's traced mutex, with std's poisoning.

use crate::rt;
use crate::traced::sync as traced;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// A mutual-exclusion lock with `std::sync::Mutex`'s API.
pub struct Mutex<T> {
    pub(super) inner: traced::Mutex<T>,
    // Set and read only while the lock is held (or through `&mut self`), so
    // the lock orders it: no scheduling point of its own is needed.
    poisoned: AtomicBool,
}

/// Holds the lock until dropped, as `std::sync::MutexGuard`.
pub struct MutexGuard<'a, T> {
    // `None` only while a condition variable wait holds the lock's guard.
    pub(super) inner: Option<traced::MutexGuard<'a, T>>,
    pub(super) lock: &'a Mutex<T>,
    panicking: bool,
}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            inner: traced::Mutex::new(value),
            poisoned: AtomicBool::new(false),
        }
    }

    /// Acquire the lock, blocking until it is free. `Err` (holding the
    /// guard) when a thread panicked while holding it.
    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        let g = rt::at(Location::caller(), || self.inner.lock());
        self.guard(g)
    }

    /// Acquire the lock if it is free right now.
    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        match rt::at(Location::caller(), || self.inner.try_lock()) {
            None => Err(TryLockError::WouldBlock),
            Some(g) => self.guard(g).map_err(TryLockError::from),
        }
    }

    pub(super) fn guard<'a>(
        &'a self,
        g: traced::MutexGuard<'a, T>,
    ) -> LockResult<MutexGuard<'a, T>> {
        let guard = MutexGuard {
            inner: Some(g),
            lock: self,
            panicking: std::thread::panicking(),
        };
        if self.poisoned.load(Relaxed) {
            Err(PoisonError::new(guard))
        } else {
            Ok(guard)
        }
    }

    /// Did a thread panic while holding the lock?
    pub fn is_poisoned(&self) -> bool {
        self.poisoned.load(Relaxed)
    }

    /// Forget that a thread panicked while holding the lock.
    pub fn clear_poison(&self) {
        self.poisoned.store(false, Relaxed);
    }

    /// The value, consuming the mutex.
    pub fn into_inner(self) -> LockResult<T> {
        let poisoned = self.poisoned.load(Relaxed);
        let v = self.inner.into_inner();
        if poisoned {
            Err(PoisonError::new(v))
        } else {
            Ok(v)
        }
    }

    /// The value, through a unique borrow.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        let poisoned = self.poisoned.load(Relaxed);
        let v = self.inner.get_mut();
        if poisoned {
            Err(PoisonError::new(v))
        } else {
            Ok(v)
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex")
            .field("poisoned", &self.is_poisoned())
            .finish_non_exhaustive()
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_ref().expect("guard in use by a condvar wait")
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("guard in use by a condvar wait")
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        // std's rule: a guard dropped by a panic that began after it was
        // taken poisons the lock. The flag is set before the lock is freed.
        if !self.panicking && std::thread::panicking() {
            self.lock.poisoned.store(true, Relaxed);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
