//! `std::sync::RwLock` under `model`: readers share, a writer excludes all,
//! built from a traced mutex (the lock's state) and condition variable, so
//! every acquisition and release is explored, traced and deadlock-checked.
//! Not fair: a waiting writer does not hold back new readers (std promises
//! no particular order either). A writer that panics poisons the lock.

use super::condvar::Condvar;
use super::mutex::Mutex;
use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

#[derive(Default)]
struct State {
    readers: usize,
    writer: bool,
}

/// A reader-writer lock with `std::sync::RwLock`'s API.
pub struct RwLock<T> {
    state: Mutex<State>,
    changed: Condvar,
    poisoned: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: `data` is read only through a read guard (while no writer holds
// the lock) and written only through the one write guard (while no reader
// or other writer holds it); the traced mutex orders the guards' hand-over.
unsafe impl<T: Send> Send for RwLock<T> {}
// SAFETY: as above; readers on several threads need `T: Sync`.
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

/// Shared access until dropped, as `std::sync::RwLockReadGuard`.
pub struct RwLockReadGuard<'a, T> {
    lock: &'a RwLock<T>,
}

/// Exclusive access until dropped, as `std::sync::RwLockWriteGuard`.
pub struct RwLockWriteGuard<'a, T> {
    lock: &'a RwLock<T>,
    panicking: bool,
}

fn relock<G>(r: LockResult<G>) -> G {
    r.unwrap_or_else(PoisonError::into_inner)
}

impl<T> RwLock<T> {
    /// A new unlocked lock holding `value`.
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            poisoned: AtomicBool::new(false),
            data: UnsafeCell::new(value),
        }
    }

    fn poison<G>(&self, g: G) -> LockResult<G> {
        if self.poisoned.load(Relaxed) {
            Err(PoisonError::new(g))
        } else {
            Ok(g)
        }
    }

    /// Shared access, waiting while a writer holds the lock.
    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let mut s = relock(self.state.lock());
        while s.writer {
            s = relock(self.changed.wait(s));
        }
        s.readers += 1;
        drop(s);
        self.poison(RwLockReadGuard { lock: self })
    }

    /// Exclusive access, waiting while anyone holds the lock.
    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        let mut s = relock(self.state.lock());
        while s.writer || s.readers > 0 {
            s = relock(self.changed.wait(s));
        }
        s.writer = true;
        drop(s);
        self.poison(RwLockWriteGuard {
            lock: self,
            panicking: std::thread::panicking(),
        })
    }

    /// Shared access if no writer holds the lock right now.
    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let mut s = relock(self.state.lock());
        if s.writer {
            return Err(TryLockError::WouldBlock);
        }
        s.readers += 1;
        drop(s);
        self.poison(RwLockReadGuard { lock: self })
            .map_err(TryLockError::from)
    }

    /// Exclusive access if nobody holds the lock right now.
    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let mut s = relock(self.state.lock());
        if s.writer || s.readers > 0 {
            return Err(TryLockError::WouldBlock);
        }
        s.writer = true;
        drop(s);
        self.poison(RwLockWriteGuard {
            lock: self,
            panicking: std::thread::panicking(),
        })
        .map_err(TryLockError::from)
    }

    /// Did a writer panic while holding the lock?
    pub fn is_poisoned(&self) -> bool {
        self.poisoned.load(Relaxed)
    }

    /// Forget that a writer panicked while holding the lock.
    pub fn clear_poison(&self) {
        self.poisoned.store(false, Relaxed);
    }

    /// The value, consuming the lock.
    pub fn into_inner(self) -> LockResult<T> {
        let poisoned = self.is_poisoned();
        let v = self.data.into_inner();
        if poisoned {
            Err(PoisonError::new(v))
        } else {
            Ok(v)
        }
    }

    /// The value, through a unique borrow.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        let poisoned = self.is_poisoned();
        let v = self.data.get_mut();
        if poisoned {
            Err(PoisonError::new(v))
        } else {
            Ok(v)
        }
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLock").finish_non_exhaustive()
    }
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: a read guard exists only while no writer holds the lock.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        let mut s = relock(self.lock.state.lock());
        s.readers -= 1;
        if s.readers == 0 {
            self.lock.changed.notify_all();
        }
    }
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the write guard is the only access while it lives.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the write guard is the only access while it lives.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        if !self.panicking && std::thread::panicking() {
            self.lock.poisoned.store(true, Relaxed);
        }
        let mut s = relock(self.lock.state.lock());
        s.writer = false;
        self.lock.changed.notify_all();
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
