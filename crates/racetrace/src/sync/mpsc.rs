//! `std::sync::mpsc` under `model`: a queue behind a traced mutex with two
//! traced condition variables (`not_empty`, `not_full`), the senders
//! counted so that disconnection is what std says — a `recv` on an empty
//! channel whose senders are all gone is `Err(RecvError)`, a `send` to a
//! dropped receiver hands the value back, and dropping the receiver drops
//! what is queued. Every operation is a scheduling point every checker
//! explores; a `recv` that nothing can ever satisfy while a sender lives on
//! blocks for good, which the checkers report as a deadlock.
//!
//! `sync_channel(0)` is a rendezvous, as std's: the value waits in a
//! one-place queue until a `recv` takes it, and `send` returns only then
//! (or hands the value back if the receiver goes first); `try_send`
//! succeeds only while a `recv` is waiting. `recv_timeout` times out as
//! `Condvar::wait_timeout` does (see `sync::condvar`): time is not
//! modelled, the timeout may fire at any point of the wait, and each wait
//! is a timer thread in the trace. The error types are std's own.

use super::condvar::Condvar;
use super::mutex::{Mutex, MutexGuard};
use super::rwlock::unwinding_abandoned;
use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

struct State<T> {
    queue: VecDeque<T>,
    senders: usize,
    receiver: bool,
    /// `Some(n)` for a `sync_channel(n)`.
    bound: Option<usize>,
    /// Values taken so far (a rendezvous sender waits for its own).
    taken: u64,
    /// Values sent so far.
    sent: u64,
    /// Is the receiver blocked in `recv` (a rendezvous `try_send` may hand
    /// it a value)?
    receiving: bool,
}

struct Chan<T> {
    state: Mutex<State<T>>,
    not_empty: Condvar,
    not_full: Condvar,
}

impl<T> Chan<T> {
    #[track_caller]
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The sending half of [`channel`], as `std::sync::mpsc::Sender`.
pub struct Sender<T>(Arc<Chan<T>>);
/// The sending half of [`sync_channel`], as `std::sync::mpsc::SyncSender`.
pub struct SyncSender<T>(Arc<Chan<T>>);
/// The receiving half, as `std::sync::mpsc::Receiver` (`Send`, not `Sync`).
pub struct Receiver<T>(Arc<Chan<T>>, PhantomData<Cell<()>>);

fn new_chan<T>(bound: Option<usize>) -> Arc<Chan<T>> {
    Arc::new(Chan {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            senders: 1,
            receiver: true,
            bound,
            taken: 0,
            sent: 0,
            receiving: false,
        }),
        not_empty: Condvar::new(),
        not_full: Condvar::new(),
    })
}

/// An unbounded channel.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let c = new_chan(None);
    (Sender(c.clone()), Receiver(c, PhantomData))
}

/// A channel holding at most `bound` values; `bound = 0` is a rendezvous:
/// each `send` returns once a `recv` has taken its value.
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    let c = new_chan(Some(bound));
    (SyncSender(c.clone()), Receiver(c, PhantomData))
}

/// Put `t` on the channel, waiting for room (and, for a rendezvous, for the
/// receiver to take it) if `wait`.
#[track_caller]
fn send<T>(c: &Chan<T>, t: T, wait: bool) -> Result<(), TrySendError<T>> {
    let mut s = c.lock();
    loop {
        if !s.receiver {
            return Err(TrySendError::Disconnected(t));
        }
        let room = match s.bound {
            None => true,
            // A rendezvous without waiting: only into a waiting `recv`.
            Some(0) if !wait => s.receiving && s.queue.is_empty(),
            Some(b) => s.queue.len() < b.max(1),
        };
        if room {
            break;
        }
        if !wait {
            return Err(TrySendError::Full(t));
        }
        s = c.not_full.wait(s).unwrap_or_else(PoisonError::into_inner);
    }
    s.queue.push_back(t);
    s.sent += 1;
    let ticket = s.sent;
    c.not_empty.notify_all();
    if s.bound == Some(0) && wait {
        while s.taken < ticket {
            if !s.receiver {
                // Gone before taking it: ours is the one queued value.
                let t = s.queue.pop_back().expect("a rendezvous value not taken");
                return Err(TrySendError::Disconnected(t));
            }
            s = c.not_full.wait(s).unwrap_or_else(PoisonError::into_inner);
        }
    }
    Ok(())
}

impl<T> Sender<T> {
    /// Send `t`; `Err` with `t` back if the receiver is gone.
    #[track_caller]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        send(&self.0, t, true).map_err(|e| match e {
            TrySendError::Disconnected(t) | TrySendError::Full(t) => SendError(t),
        })
    }
}

impl<T> SyncSender<T> {
    /// Send `t`, waiting for room; `Err` with `t` back if the receiver is gone.
    #[track_caller]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        send(&self.0, t, true).map_err(|e| match e {
            TrySendError::Disconnected(t) | TrySendError::Full(t) => SendError(t),
        })
    }

    /// Send `t` if there is room right now.
    #[track_caller]
    pub fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        send(&self.0, t, false)
    }
}

#[track_caller]
fn add_sender<T>(c: &Arc<Chan<T>>) -> Arc<Chan<T>> {
    c.lock().senders += 1;
    c.clone()
}

#[track_caller]
fn drop_sender<T>(c: &Chan<T>) {
    if unwinding_abandoned() {
        return;
    }
    let mut s = c.lock();
    s.senders -= 1;
    if s.senders == 0 {
        c.not_empty.notify_all();
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        Sender(add_sender(&self.0))
    }
}

impl<T> Clone for SyncSender<T> {
    fn clone(&self) -> SyncSender<T> {
        SyncSender(add_sender(&self.0))
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        drop_sender(&self.0);
    }
}

impl<T> Drop for SyncSender<T> {
    fn drop(&mut self) {
        drop_sender(&self.0);
    }
}

impl<T> Receiver<T> {
    #[track_caller]
    fn take(&self, s: &mut State<T>) -> Option<T> {
        let v = s.queue.pop_front()?;
        s.taken += 1;
        self.0.not_full.notify_all();
        Some(v)
    }

    /// The next value, waiting for one; `Err` once the channel is empty and
    /// every sender is gone.
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        let mut s = self.0.lock();
        loop {
            if let Some(v) = self.take(&mut s) {
                return Ok(v);
            }
            if s.senders == 0 {
                return Err(RecvError);
            }
            s.receiving = true;
            s = self
                .0
                .not_empty
                .wait(s)
                .unwrap_or_else(PoisonError::into_inner);
            s.receiving = false;
        }
    }

    /// The next value if there is one right now.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut s = self.0.lock();
        match self.take(&mut s) {
            Some(v) => Ok(v),
            None if s.senders == 0 => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// As [`Self::recv`], giving up after `timeout`.
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        let start = Instant::now();
        let mut s = self.0.lock();
        loop {
            if let Some(v) = self.take(&mut s) {
                return Ok(v);
            }
            if s.senders == 0 {
                return Err(RecvTimeoutError::Disconnected);
            }
            let left = timeout.saturating_sub(start.elapsed());
            s.receiving = true;
            let (g, t) = self
                .0
                .not_empty
                .wait_timeout(s, left)
                .unwrap_or_else(PoisonError::into_inner);
            s = g;
            s.receiving = false;
            if t.timed_out() && s.queue.is_empty() {
                return Err(RecvTimeoutError::Timeout);
            }
        }
    }

    /// Every value, until the channel is empty and every sender is gone.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter(self)
    }

    /// Every value there is right now.
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter(self)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if unwinding_abandoned() {
            return;
        }
        let mut s = self.0.lock();
        s.receiver = false;
        // std drops what is queued now; a rendezvous sender takes its own
        // value back instead.
        let queued = if s.bound == Some(0) {
            VecDeque::new()
        } else {
            std::mem::take(&mut s.queue)
        };
        self.0.not_full.notify_all();
        drop(s);
        // Outside the lock: a value's `drop` may use this channel.
        drop(queued);
    }
}

/// What [`Receiver::iter`] returns.
#[derive(Debug)]
pub struct Iter<'a, T>(&'a Receiver<T>);
/// What [`Receiver::try_iter`] returns.
#[derive(Debug)]
pub struct TryIter<'a, T>(&'a Receiver<T>);
/// What `Receiver::into_iter` returns.
#[derive(Debug)]
pub struct IntoIter<T>(Receiver<T>);

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.0.recv().ok()
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;
    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.0.try_recv().ok()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.0.recv().ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    fn into_iter(self) -> IntoIter<T> {
        IntoIter(self)
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sender { .. }")
    }
}

impl<T> fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SyncSender { .. }")
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Receiver { .. }")
    }
}
