//! An async counting semaphore, as `asyncio.Semaphore` or
//! `tokio::sync::Semaphore`: `acquire().await` takes a permit, waiting
//! (without blocking the loop) while there is none; dropping the permit, or
//! [`Semaphore::release`], gives one back. Waiters are served first-in
//! first-out. Each acquire and release is recorded with the count before and
//! after (`acquire seats 2 → 1`).

use super::executor::park;
use crate::rt::{self, ObjKind, UNTRACKED};
use crate::trace::Access;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex as StdMutex;
use std::task::{Context, Poll, Waker};

/// An async counting semaphore.
pub struct Semaphore {
    id: usize,
    name: String,
    inner: Impl,
}

enum Impl {
    Tokio(tokio::sync::Semaphore),
    Model(StdMutex<State>),
}

/// Free permits and the queue. A release with waiters hands its permit to
/// the first one (`granted`) instead of freeing it.
#[derive(Default)]
struct State {
    free: usize,
    waiters: VecDeque<(u64, Waker)>,
    granted: Vec<u64>,
    next_ticket: u64,
}

fn lock<T>(m: &StdMutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Semaphore {
    /// A semaphore holding `permits` permits, named `semaphoreN` in traces.
    pub fn new(permits: usize) -> Self {
        let (id, name) = match rt::ctx() {
            Some(c) => {
                let id = c.register(ObjKind::Mutex, None);
                let name = format!("semaphore{id}");
                c.rename(id, &name);
                (id, name)
            }
            None => (UNTRACKED, "semaphore".to_string()),
        };
        let inner = if super::mode::model() {
            Impl::Model(StdMutex::new(State {
                free: permits,
                ..State::default()
            }))
        } else {
            Impl::Tokio(tokio::sync::Semaphore::new(permits))
        };
        Semaphore { id, name, inner }
    }

    /// Give the semaphore the name traces show for it.
    pub fn named(mut self, name: &str) -> Self {
        if self.id != UNTRACKED
            && let Some(c) = rt::ctx()
        {
            c.rename(self.id, name);
        }
        self.name = name.to_string();
        self
    }

    /// Wait for a permit: an await point only if none is free.
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire {
            sem: self,
            state: AcquireState::Start,
        }
    }

    /// Give a permit back without a [`SemaphorePermit`] (asyncio's
    /// `release()`): the count can grow past its initial value, as
    /// `asyncio.Semaphore`'s does.
    pub fn release(&self) {
        match &self.inner {
            Impl::Tokio(s) => {
                let before = s.available_permits();
                s.add_permits(1);
                self.record("release", before, s.available_permits(), None);
            }
            Impl::Model(state) => self.release_model(state),
        }
    }

    /// Free permits now (not a recorded operation).
    pub fn available(&self) -> usize {
        match &self.inner {
            Impl::Tokio(s) => s.available_permits(),
            Impl::Model(state) => lock(state).free,
        }
    }

    fn record(&self, op: &'static str, before: usize, after: usize, note: Option<String>) {
        if self.id == UNTRACKED {
            return;
        }
        if let Some(c) = rt::ctx() {
            c.op(
                self.id,
                Access::ReadModifyWrite,
                op,
                Some(after.to_string()),
                Some(before.to_string()),
                note,
            );
        }
    }

    fn release_model(&self, state: &StdMutex<State>) {
        let (before, next) = {
            let mut s = lock(state);
            let before = s.free;
            match s.waiters.pop_front() {
                Some((ticket, w)) => {
                    s.granted.push(ticket);
                    (before, Some(w))
                }
                None => {
                    s.free += 1;
                    (before, None)
                }
            }
        };
        match next {
            Some(w) => {
                self.record(
                    "release",
                    before,
                    before,
                    Some("hands it to a waiter".into()),
                );
                w.wake();
            }
            None => self.record("release", before, before + 1, None),
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The future [`Semaphore::acquire`] returns.
#[must_use = "an acquire does nothing unless awaited"]
pub struct Acquire<'a> {
    sem: &'a Semaphore,
    state: AcquireState<'a>,
}

type TokioAcquire<'a> = Pin<
    Box<
        dyn Future<Output = Result<tokio::sync::SemaphorePermit<'a>, tokio::sync::AcquireError>>
            + Send
            + 'a,
    >,
>;

enum AcquireState<'a> {
    Start,
    Tokio(TokioAcquire<'a>),
    /// Model: waiting with this ticket.
    Queued(u64),
    Done,
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("semaphore", &self.sem.name)
            .finish_non_exhaustive()
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = SemaphorePermit<'a>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        let this = self.get_mut();
        let sem = this.sem;
        if sem.id != UNTRACKED
            && let Some(c) = rt::ctx()
        {
            rt::check_abandoned(&c.exec);
        }
        let permit = match (&sem.inner, &mut this.state) {
            (_, AcquireState::Done) => {
                panic!("racetrace: an Acquire was polled after it completed")
            }
            (Impl::Tokio(ts), st) => {
                let before = ts.available_permits();
                let ready = match st {
                    AcquireState::Start => match ts.try_acquire() {
                        Ok(p) => Some(p),
                        Err(_) => {
                            *st = AcquireState::Tokio(Box::pin(ts.acquire()));
                            None
                        }
                    },
                    _ => None,
                };
                let p = match (ready, st) {
                    (Some(p), _) => p,
                    (None, AcquireState::Tokio(f)) => match f.as_mut().poll(cx) {
                        Poll::Ready(p) => p.expect("racetrace never closes a semaphore"),
                        Poll::Pending => return Poll::Pending,
                    },
                    _ => unreachable!("a model state in a tokio semaphore"),
                };
                sem.record("acquire", before, ts.available_permits(), None);
                Permit::Tokio(Some(p))
            }
            (Impl::Model(state), st) => {
                let mut s = lock(state);
                let before = s.free;
                let (got, note) = match *st {
                    AcquireState::Queued(ticket) => {
                        if let Some(i) = s.granted.iter().position(|t| *t == ticket) {
                            s.granted.remove(i);
                            (true, Some("handed over".to_string()))
                        } else {
                            if let Some(w) = s.waiters.iter_mut().find(|(t, _)| *t == ticket) {
                                w.1 = cx.waker().clone();
                            }
                            (false, None)
                        }
                    }
                    _ if s.free > 0 => {
                        s.free -= 1;
                        (true, None)
                    }
                    _ => {
                        let ticket = s.next_ticket;
                        s.next_ticket += 1;
                        s.waiters.push_back((ticket, cx.waker().clone()));
                        *st = AcquireState::Queued(ticket);
                        (false, None)
                    }
                };
                let after = s.free;
                drop(s);
                if !got {
                    park(
                        format!("acquire {}", sem.name),
                        format!("waits: {before} free"),
                    );
                    return Poll::Pending;
                }
                sem.record("acquire", before, after, note);
                Permit::Model
            }
        };
        this.state = AcquireState::Done;
        Poll::Ready(SemaphorePermit { sem, inner: permit })
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        // A model waiter that gives up: leave the queue, or pass on a permit
        // it was handed but never took.
        if let (AcquireState::Queued(ticket), Impl::Model(state)) = (&self.state, &self.sem.inner) {
            let handed = {
                let mut s = lock(state);
                s.waiters.retain(|(t, _)| t != ticket);
                match s.granted.iter().position(|t| t == ticket) {
                    Some(i) => {
                        s.granted.remove(i);
                        true
                    }
                    None => false,
                }
            };
            if handed {
                self.sem.release_model(state);
            }
        }
    }
}

/// A permit: released when dropped, unless [`SemaphorePermit::forget`] is called.
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    inner: Permit<'a>,
}

enum Permit<'a> {
    Tokio(Option<tokio::sync::SemaphorePermit<'a>>),
    Model,
    Forgotten,
}

impl SemaphorePermit<'_> {
    /// Keep the permit taken: it is not released on drop (give it back with
    /// [`Semaphore::release`], asyncio style).
    pub fn forget(mut self) {
        if let Permit::Tokio(Some(p)) = std::mem::replace(&mut self.inner, Permit::Forgotten) {
            p.forget();
        }
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("semaphore", &self.sem.name)
            .finish_non_exhaustive()
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.inner, Permit::Forgotten) {
            Permit::Forgotten => {}
            Permit::Tokio(p) => {
                if let Impl::Tokio(s) = &self.sem.inner {
                    let before = s.available_permits();
                    drop(p);
                    self.sem
                        .record("release", before, s.available_permits(), None);
                }
            }
            Permit::Model => {
                if let Impl::Model(state) = &self.sem.inner {
                    self.sem.release_model(state);
                }
            }
        }
    }
}
