//! `std::sync::RwLock` under `model`: readers share, a writer excludes all.
//! Modelled as the lock's state (readers inside, writer inside, writers
//! waiting) behind a traced mutex plus a traced condition variable, with
//! the data in an `UnsafeCell` that the protocol guards. So every
//! acquisition and release is a scheduling point every checker explores,
//! is traced, and a thread blocked on the lock takes part in deadlock
//! detection.
//!
//! Policy: std promises no order between contending readers and writers.
//! This lock prefers writers, as std's own on Linux (futex) does: a reader
//! waits while a writer waits, and `try_read` fails then. That is the
//! policy under which the most programs block, so a read lock taken twice
//! by one thread while a writer waits is reported as the deadlock it is
//! on Linux. A writer that panics poisons the lock; a reader does not.

use super::condvar::Condvar;
use super::mutex::{Mutex, MutexGuard};
use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

#[derive(Default)]
struct State {
    readers: usize,
    writer: bool,
    writers_waiting: usize,
}

impl State {
    fn readable(&self) -> bool {
        !self.writer && self.writers_waiting == 0
    }
    fn writable(&self) -> bool {
        !self.writer && self.readers == 0
    }
}

/// A reader-writer lock with `std::sync::RwLock`'s API.
pub struct RwLock<T> {
    state: Mutex<State>,
    changed: Condvar,
    // Set by a write guard dropped in a panic, before it releases the lock;
    // read after acquiring it: the traced mutex orders the two.
    poisoned: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: `data` is reached only through the guards. A read guard exists
// only while `state.writer` is false (it is counted in `state.readers`), the
// write guard only while `state.writer` is true and `state.readers` is 0;
// both facts are changed only under the `state` mutex, whose acquire and
// release order one guard's accesses before the next's. So several threads
// may read through `&T` at once (hence `T: Sync`) and one may write through
// `&mut T`, or move the value out via `into_inner` (hence `T: Send`), never
// both at once. `Send` needs no impl: every field is `Send` when `T` is.
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

// As std: a panic poisons the lock instead of leaving it broken.
impl<T> UnwindSafe for RwLock<T> {}
impl<T> RefUnwindSafe for RwLock<T> {}

/// Shared access until dropped, as `std::sync::RwLockReadGuard`.
pub struct RwLockReadGuard<'a, T> {
    lock: &'a RwLock<T>,
    // Not `Send`, as std's: it is released by the thread that took it.
    _not_send: PhantomData<std::sync::MutexGuard<'static, ()>>,
}

/// Exclusive access until dropped, as `std::sync::RwLockWriteGuard`.
pub struct RwLockWriteGuard<'a, T> {
    lock: &'a RwLock<T>,
    panicking: bool,
    _not_send: PhantomData<std::sync::MutexGuard<'static, ()>>,
}

// SAFETY: sharing a guard lends `&T` to other threads, and nothing else
// (the release happens where the guard is dropped): `T: Sync` suffices, as
// for std's guards.
unsafe impl<T: Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: as above; `&mut T` needs `&mut` of the guard, not shareable.
unsafe impl<T: Sync> Sync for RwLockWriteGuard<'_, T> {}

/// Is this thread unwinding out of an abandoned execution (a deadlock or
/// the step limit ended it)? A guard's `drop` then leaves the lock's state
/// alone: the execution's outcome is decided, every thread is unwinding,
/// and a lock taken during that unwinding is one loom does not survive.
/// (Shared with the other facade types whose `drop` takes a lock.)
pub(super) fn unwinding_abandoned() -> bool {
    std::thread::panicking() && crate::rt::ctx().is_some_and(|c| c.exec.is_abandoned())
}

fn relock<G>(r: LockResult<G>) -> G {
    // No code of the user's runs while `state` is held: it is never poisoned.
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

    #[track_caller]
    fn wait<'a>(&self, s: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        relock(self.changed.wait(s))
    }

    fn poison<G>(&self, g: G) -> LockResult<G> {
        if self.poisoned.load(Relaxed) {
            Err(PoisonError::new(g))
        } else {
            Ok(g)
        }
    }

    fn read_guard(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        self.poison(RwLockReadGuard {
            lock: self,
            _not_send: PhantomData,
        })
    }

    fn write_guard(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        self.poison(RwLockWriteGuard {
            lock: self,
            panicking: std::thread::panicking(),
            _not_send: PhantomData,
        })
    }

    /// Shared access, waiting while a writer holds the lock or waits for it.
    /// `Err` (holding the guard) when a writer panicked while holding it.
    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let mut s = relock(self.state.lock());
        while !s.readable() {
            s = self.wait(s);
        }
        s.readers += 1;
        drop(s);
        self.read_guard()
    }

    /// Exclusive access, waiting while anyone holds the lock.
    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        let mut s = relock(self.state.lock());
        if !s.writable() {
            s.writers_waiting += 1;
            while !s.writable() {
                s = self.wait(s);
            }
            s.writers_waiting -= 1;
        }
        s.writer = true;
        drop(s);
        self.write_guard()
    }

    /// Shared access if it can be had right now (no writer holds or awaits
    /// the lock).
    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let mut s = relock(self.state.lock());
        if !s.readable() {
            return Err(TryLockError::WouldBlock);
        }
        s.readers += 1;
        drop(s);
        Ok(self.read_guard()?)
    }

    /// Exclusive access if nobody holds the lock right now.
    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let mut s = relock(self.state.lock());
        if !s.writable() {
            return Err(TryLockError::WouldBlock);
        }
        s.writer = true;
        drop(s);
        Ok(self.write_guard()?)
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

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

impl<T> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the value: reading it would take the lock, a scheduling point.
        f.debug_struct("RwLock")
            .field("poisoned", &self.is_poisoned())
            .finish_non_exhaustive()
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
        if unwinding_abandoned() {
            return;
        }
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
        // std's rule: a guard dropped by a panic that began after it was
        // taken poisons the lock.
        if !self.panicking && std::thread::panicking() {
            self.lock.poisoned.store(true, Relaxed);
        }
        if unwinding_abandoned() {
            return;
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
