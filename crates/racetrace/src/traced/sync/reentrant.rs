//! A re-entrant mutex, as Python's `threading.RLock`: the thread holding it
//! may lock it again (an owner and a count), and it is released when every
//! guard is gone. The first acquisition is a racetrace [`Mutex`] lock, so
//! waiting for another holder is recorded and takes part in deadlock
//! detection; a re-entry is recorded as an event of its own
//! (`lock … (re-entered, depth 2)`) but is not a scheduling point, as it
//! touches nothing shared.

use super::mutex::{Mutex, MutexGuard};
use crate::rt::{self, Ctx};
use crate::trace::Access;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

const NOBODY: usize = 0;

/// A mutex its holder can lock again. Like `std`'s `ReentrantLock` it gives
/// shared access (`&T`) only: put a `Cell` or `RefCell` inside to mutate.
pub struct ReentrantMutex<T> {
    // Field order matters: `held` is dropped before `lock`, which it borrows.
    /// The guard of the outermost acquisition, kept while the lock is held.
    held: Held,
    /// Boxed so its address is stable for the guard in `held`.
    lock: Box<Mutex<()>>,
    /// The holder's [`rt::thread_key`], or [`NOBODY`].
    owner: AtomicUsize,
    /// How many guards the holder has; only the holder touches it.
    depth: AtomicUsize,
    value: T,
}

/// The outermost guard while the lock is held.
struct Held(std::sync::Mutex<Option<MutexGuard<'static, ()>>>);

impl Drop for Held {
    fn drop(&mut self) {
        // Only possible if a guard was leaked: leave the lock locked rather
        // than release it from a thread that may not be its holder.
        let g = self.0.get_mut().unwrap_or_else(|p| p.into_inner()).take();
        std::mem::forget(g);
    }
}

// SAFETY: `value` is only reached through guards, and guards exist on one
// thread at a time (the owner's; guards are not `Send`), as with std's
// `ReentrantLock`, hence `T: Send` and not `T: Sync`. `held` holds a
// `MutexGuard` that is not `Send`: it is put there and taken out only by the
// thread that locked it (the owner), never by another.
unsafe impl<T: Send> Send for ReentrantMutex<T> {}
unsafe impl<T: Send> Sync for ReentrantMutex<T> {}

/// Holds the re-entrant mutex until dropped (the last guard releases it).
pub struct ReentrantMutexGuard<'a, T> {
    mutex: &'a ReentrantMutex<T>,
    ctx: Option<Ctx>,
    /// Not `Send`: a guard must be dropped by the thread that holds the lock.
    _not_send: PhantomData<*const ()>,
}

impl<T> ReentrantMutex<T> {
    /// A new unlocked re-entrant mutex holding `value`, named `mutexN` in traces.
    pub fn new(value: T) -> Self {
        ReentrantMutex {
            held: Held(std::sync::Mutex::new(None)),
            lock: Box::new(Mutex::new(())),
            owner: AtomicUsize::new(NOBODY),
            depth: AtomicUsize::new(0),
            value,
        }
    }

    /// Give the mutex the name traces show for it.
    pub fn named(self, name: &str) -> Self {
        let ReentrantMutex {
            held,
            lock,
            owner,
            depth,
            value,
        } = self;
        ReentrantMutex {
            held,
            lock: Box::new(lock.named(name)),
            owner,
            depth,
            value,
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Option<MutexGuard<'static, ()>>> {
        self.held.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Acquire the mutex, blocking while another thread holds it; return at
    /// once (one level deeper) if this thread already does.
    pub fn lock(&self) -> ReentrantMutexGuard<'_, T> {
        let me = rt::thread_key();
        let ctx = (self.lock.id != usize::MAX).then(rt::ctx).flatten();
        if self.owner.load(SeqCst) == me {
            if let Some(c) = &ctx {
                rt::check_abandoned(&c.exec);
            }
            let depth = self.depth.fetch_add(1, SeqCst) + 1;
            if let Some(c) = &ctx {
                c.mark(
                    Access::Lock,
                    "lock",
                    self.lock.id,
                    format!("re-entered, depth {depth}"),
                );
            }
        } else {
            let g = self.lock.lock();
            // SAFETY: the guard borrows `*self.lock`, which is boxed (its
            // address does not move) and outlives `held` (field order; and
            // `Held` forgets a guard still there when dropped). It is taken out and dropped
            // by this thread when the last of its guards goes.
            let g: MutexGuard<'static, ()> = unsafe { std::mem::transmute(g) };
            *self.held() = Some(g);
            self.depth.store(1, SeqCst);
            self.owner.store(me, SeqCst);
        }
        ReentrantMutexGuard {
            mutex: self,
            ctx,
            _not_send: PhantomData,
        }
    }
}

impl<T> Deref for ReentrantMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.mutex.value
    }
}

impl<T> Drop for ReentrantMutexGuard<'_, T> {
    fn drop(&mut self) {
        let m = self.mutex;
        let depth = m.depth.fetch_sub(1, SeqCst) - 1;
        if depth > 0 {
            if let Some(c) = &self.ctx
                && !c.exec.is_abandoned()
            {
                c.mark(
                    Access::Unlock,
                    "unlock",
                    m.lock.id,
                    format!("still held, depth {depth}"),
                );
            }
            return;
        }
        m.owner.store(NOBODY, SeqCst);
        let g = m.held().take();
        drop(g);
    }
}

impl<T: Default> Default for ReentrantMutex<T> {
    fn default() -> Self {
        ReentrantMutex::new(T::default())
    }
}

impl<T> fmt::Debug for ReentrantMutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReentrantMutex").finish_non_exhaustive()
    }
}

impl<T: fmt::Debug> fmt::Debug for ReentrantMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
