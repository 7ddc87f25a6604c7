//! A counting semaphore, as Python's `threading.Semaphore`: `acquire` takes a
//! permit, waiting while there is none; `release` gives one back. Built on
//! racetrace's [`Mutex`] and [`Condvar`], so every step is a recorded
//! operation and a thread stuck in `acquire` takes part in deadlock detection
//! like any other waiter; the wait-for report names the semaphore and its
//! permits.

use super::condvar::Condvar;
use super::mutex::Mutex;
use crate::rt::{self, UNTRACKED};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// A counting semaphore. Traces show its lock as `NAME` and the condition
/// variable a thread waits on for a permit as `NAME.permit`.
pub struct Semaphore {
    name: String,
    state: Mutex<Count>,
    available: Condvar,
    /// A copy of the count for the report, written under `permits`' lock; not
    /// a modelled operation.
    free: AtomicUsize,
}

/// Free permits, and threads waiting for one (so that `release` notifies
/// only when somebody waits: a notify is an operation every backend explores).
struct Count {
    free: usize,
    waiting: usize,
}

impl Semaphore {
    /// A semaphore holding `permits` permits, named `semaphore` in traces.
    pub fn new(permits: usize) -> Self {
        Semaphore::with_name(permits, "semaphore")
    }

    /// Give the semaphore the name traces show for it.
    pub fn named(self, name: &str) -> Self {
        let s = Semaphore {
            name: name.to_string(),
            state: self.state.named(name),
            available: self.available.named(&format!("{name}.permit")),
            free: self.free,
        };
        if let Some(c) = rt::ctx() {
            s.describe(&c);
        }
        s
    }

    fn with_name(permits: usize, name: &str) -> Self {
        let s = Semaphore {
            name: name.to_string(),
            state: Mutex::new(Count {
                free: permits,
                waiting: 0,
            })
            .named(name),
            available: Condvar::new().named(&format!("{name}.permit")),
            free: AtomicUsize::new(permits),
        };
        if let Some(c) = rt::ctx() {
            s.describe(&c);
        }
        s
    }

    /// Keep the wait-for report's words for a waiter up to date.
    fn describe(&self, c: &rt::Ctx) {
        let free = self.free.load(Relaxed);
        if self.available.id != UNTRACKED {
            let s = if free == 1 { "" } else { "s" };
            c.set_wait_reason(
                self.available.id,
                format!(
                    "a permit of semaphore {} ({free} permit{s} free)",
                    self.name
                ),
            );
        }
    }

    fn update(&self, free: usize) {
        self.free.store(free, Relaxed);
        if let Some(c) = rt::ctx() {
            self.describe(&c);
        }
    }

    /// Take a permit, waiting until one is free.
    pub fn acquire(&self) {
        let mut c = self.state.lock();
        while c.free == 0 {
            c.waiting += 1;
            c = self.available.wait(c);
            c.waiting -= 1;
        }
        c.free -= 1;
        self.update(c.free);
    }

    /// Take a permit if one is free right now; true if taken. (It still
    /// takes the semaphore's internal lock, so it can wait briefly for that.)
    pub fn try_acquire(&self) -> bool {
        let mut c = self.state.lock();
        if c.free == 0 {
            return false;
        }
        c.free -= 1;
        self.update(c.free);
        true
    }

    /// Give a permit back and wake one waiter, if any.
    pub fn release(&self) {
        let mut c = self.state.lock();
        c.free += 1;
        self.update(c.free);
        if c.waiting > 0 {
            self.available.notify_one();
        }
    }

    /// The number of free permits (a recorded lock and unlock).
    pub fn available(&self) -> usize {
        self.state.lock().free
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
