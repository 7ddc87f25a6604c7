//! An async mutex, as `asyncio.Lock` or `tokio::sync::Mutex`: `lock().await`
//! waits without blocking the loop; waiters get the lock first-in first-out.
//! tokio's mutex for real; inside a model, a lock whose state only the task
//! holding the loop touches, with `lock`/`unlock` recorded in the trace and a
//! waiting task parked by the executor.

use super::executor::park;
use crate::rt::{self, ObjKind, UNTRACKED};
use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::Mutex as StdMutex;
use std::task::{Context, Poll, Waker};

/// An async mutex. Traces show it by its name (`mutexN` unless
/// [`Mutex::named`]).
pub struct Mutex<T> {
    id: usize,
    name: String,
    inner: Impl<T>,
}

enum Impl<T> {
    Tokio(tokio::sync::Mutex<T>),
    Model {
        state: StdMutex<State>,
        value: UnsafeCell<T>,
    },
}

/// Who holds the lock and who waits, first-in first-out. A release hands the
/// lock to the first waiter (`granted`), as tokio's fair mutex does.
#[derive(Default)]
struct State {
    holder: Option<usize>,
    waiters: VecDeque<(u64, Waker)>,
    granted: Option<u64>,
    next_ticket: u64,
}

// SAFETY: the Model arm's value is only reached through a `MutexGuard`, and
// `State` lets one guard exist at a time (a model's tasks run one at a time,
// ordered by the loop's mutex). The Tokio arm is tokio's `Sync` mutex.
unsafe impl<T: Send> Sync for Mutex<T> {}

fn lock<T>(m: &StdMutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    pub fn new(value: T) -> Self {
        let (id, name) = match rt::ctx() {
            Some(c) => {
                let id = c.register(ObjKind::Mutex, None);
                (id, format!("mutex{id}"))
            }
            None => (UNTRACKED, "mutex".to_string()),
        };
        let inner = if super::mode::model() {
            Impl::Model {
                state: StdMutex::new(State::default()),
                value: UnsafeCell::new(value),
            }
        } else {
            Impl::Tokio(tokio::sync::Mutex::new(value))
        };
        Mutex { id, name, inner }
    }

    /// Give the mutex the name traces show for it.
    pub fn named(mut self, name: &str) -> Self {
        if self.id != UNTRACKED
            && let Some(c) = rt::ctx()
        {
            c.rename(self.id, name);
        }
        self.name = name.to_string();
        self
    }

    /// Wait for the lock: an await point only if another task holds it.
    pub fn lock(&self) -> Lock<'_, T> {
        Lock {
            mutex: self,
            state: LockState::Start,
        }
    }

    fn ctx(&self) -> Option<rt::Ctx> {
        rt::tracked(self.id)
    }

    /// Model only: give the lock to the first waiter, or free it.
    fn hand_over(&self, state: &StdMutex<State>) {
        let next = {
            let mut s = lock(state);
            match s.waiters.pop_front() {
                Some((ticket, w)) => {
                    s.granted = Some(ticket);
                    Some(w)
                }
                None => {
                    s.holder = None;
                    None
                }
            }
        };
        if let Some(w) = next {
            w.wake();
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The future [`Mutex::lock`] returns.
#[must_use = "a lock does nothing unless awaited"]
pub struct Lock<'a, T> {
    mutex: &'a Mutex<T>,
    state: LockState<'a, T>,
}

type TokioLock<'a, T> = Pin<Box<dyn Future<Output = tokio::sync::MutexGuard<'a, T>> + Send + 'a>>;

enum LockState<'a, T> {
    Start,
    Tokio(TokioLock<'a, T>),
    /// Model: waiting with this ticket.
    Queued(u64),
    Done,
}

impl<T> fmt::Debug for Lock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("mutex", &self.mutex.name)
            .finish_non_exhaustive()
    }
}

impl<'a, T: Send> Future for Lock<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = self.get_mut();
        let m = this.mutex;
        let ctx = m.ctx();
        if let Some(c) = &ctx {
            rt::check_abandoned(&c.exec);
        }
        let inner = match (&m.inner, &mut this.state) {
            (_, LockState::Done) => panic!("racetrace: a Lock was polled after it completed"),
            (Impl::Tokio(tm), st) => {
                let ready = match st {
                    LockState::Start => match tm.try_lock() {
                        Ok(g) => Some(g),
                        Err(_) => {
                            *st = LockState::Tokio(Box::pin(tm.lock()));
                            None
                        }
                    },
                    _ => None,
                };
                match (ready, st) {
                    (Some(g), _) => Guard::Tokio(g),
                    (None, LockState::Tokio(f)) => match f.as_mut().poll(cx) {
                        Poll::Ready(g) => Guard::Tokio(g),
                        Poll::Pending => return Poll::Pending,
                    },
                    _ => unreachable!("a model state in a tokio lock"),
                }
            }
            (Impl::Model { state, .. }, st) => {
                let me = ctx
                    .as_ref()
                    .map(|c| c.tid)
                    .expect("racetrace: a model's async mutex used outside its execution");
                let mut s = lock(state);
                let acquired = match *st {
                    LockState::Queued(ticket) if s.granted == Some(ticket) => {
                        s.granted = None;
                        s.holder = Some(me);
                        true
                    }
                    LockState::Queued(ticket) => {
                        if let Some(w) = s.waiters.iter_mut().find(|(t, _)| *t == ticket) {
                            w.1 = cx.waker().clone();
                        }
                        false
                    }
                    _ if s.holder.is_none() => {
                        s.holder = Some(me);
                        true
                    }
                    _ => {
                        let ticket = s.next_ticket;
                        s.next_ticket += 1;
                        s.waiters.push_back((ticket, cx.waker().clone()));
                        *st = LockState::Queued(ticket);
                        false
                    }
                };
                if !acquired {
                    let holder = s.holder;
                    drop(s);
                    let who = match (&ctx, holder) {
                        (Some(c), Some(h)) => c.thread_name(h),
                        _ => "?".into(),
                    };
                    park(format!("lock {}", m.name), format!("waits: held by {who}"));
                    return Poll::Pending;
                }
                Guard::Model
            }
        };
        this.state = LockState::Done;
        if let Some(c) = &ctx {
            c.lock_end(m.id, None);
        }
        Poll::Ready(MutexGuard { mutex: m, inner })
    }
}

impl<T> Drop for Lock<'_, T> {
    fn drop(&mut self) {
        // A model waiter that gives up: leave the queue, or pass on the lock
        // it was handed but never took.
        if let (LockState::Queued(ticket), Impl::Model { state, .. }) =
            (&self.state, &self.mutex.inner)
        {
            let handed = {
                let mut s = lock(state);
                s.waiters.retain(|(t, _)| t != ticket);
                if s.granted == Some(*ticket) {
                    s.granted = None;
                    true
                } else {
                    false
                }
            };
            if handed {
                self.mutex.hand_over(state);
            }
        }
    }
}

/// Holds the async lock until dropped; may be held across awaits.
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
    inner: Guard<'a, T>,
}

enum Guard<'a, T> {
    Tokio(tokio::sync::MutexGuard<'a, T>),
    Model,
    Released,
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match (&self.inner, &self.mutex.inner) {
            (Guard::Tokio(g), _) => g,
            // SAFETY: this guard is the lock's only holder (see `Sync`).
            (Guard::Model, Impl::Model { value, .. }) => unsafe { &*value.get() },
            _ => unreachable!("a guard of the other engine"),
        }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        match (&mut self.inner, &self.mutex.inner) {
            (Guard::Tokio(g), _) => &mut *g,
            // SAFETY: this guard is the lock's only holder (see `Sync`).
            (Guard::Model, Impl::Model { value, .. }) => unsafe { &mut *value.get() },
            _ => unreachable!("a guard of the other engine"),
        }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        let inner = std::mem::replace(&mut self.inner, Guard::Released);
        drop(inner);
        if let Some(c) = self.mutex.ctx() {
            c.unlock(self.mutex.id, None);
        }
        if let Impl::Model { state, .. } = &self.mutex.inner {
            self.mutex.hand_over(state);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
