//! A bounded multi-producer multi-consumer channel on every backend: Python's
//! `multiprocessing.Queue(maxsize)` between threads, Rust's `sync_channel`.
//!
//! On real threads it is crossbeam's `bounded` channel. loom has no bounded
//! channel, and shuttle's `sync_channel` blocks where racetrace's shadow state
//! cannot see it (shuttle would then report the deadlock itself and stop), so
//! under both model checkers the channel is *modelled* by a racetrace
//! [`Queue`] — a mutex and two condition variables — and inherits deadlock
//! detection and traces from them. The model is exact for the operations
//! offered here (FIFO, capacity, blocking and non-blocking send and receive);
//! it is not a model of crossbeam's lock-free internals, whose own bugs are
//! therefore out of reach.

use super::queue::{Empty, Full, Queue};
use crate::rt::{self, Ctx, Kind, ObjKind, UNTRACKED};
use crate::trace::Access;
use crossbeam::channel::{self as cb, SendTimeoutError, TryRecvError, TrySendError};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How long a blocked real-thread `send` or `recv` sleeps in crossbeam before
/// it checks whether its execution was abandoned.
const POLL: Duration = Duration::from_millis(5);

/// A bounded channel; clones are handles to the same channel, each able to
/// send and receive. It is never disconnected: stop receivers with a
/// sentinel, as the Python idiom does.
pub struct Channel<T> {
    inner: Arc<Inner<T>>,
}

enum Inner<T> {
    Real {
        id: usize,
        capacity: usize,
        tx: cb::Sender<T>,
        rx: cb::Receiver<T>,
    },
    Model(Box<Queue<T>>),
}

impl<T> Clone for Channel<T> {
    fn clone(&self) -> Self {
        Channel {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for Channel<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel").finish_non_exhaustive()
    }
}

impl<T: fmt::Debug> Channel<T> {
    /// A channel holding at most `capacity` messages, named `queueN` in traces.
    ///
    /// # Panics
    /// If `capacity` is 0: crossbeam's zero-capacity (rendezvous) channel is
    /// not modelled.
    pub fn bounded(capacity: usize) -> Self {
        assert!(
            capacity > 0,
            "racetrace: a channel's capacity must be at least 1 (rendezvous channels are not modelled)"
        );
        let inner = match rt::ctx() {
            Some(c) if c.exec.kind != Kind::Real => {
                Inner::Model(Box::new(Queue::bounded(capacity)))
            }
            ctx => {
                let (tx, rx) = cb::bounded(capacity);
                let id = match ctx {
                    Some(c) => c.register(ObjKind::Queue, None),
                    None => UNTRACKED,
                };
                Inner::Real {
                    id,
                    capacity,
                    tx,
                    rx,
                }
            }
        };
        Channel {
            inner: Arc::new(inner),
        }
    }

    /// Give the channel the name traces show (call it before cloning the
    /// channel; a shared channel keeps its name).
    pub fn named(self, name: &str) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(Inner::Model(q)) => Channel {
                inner: Arc::new(Inner::Model(Box::new(q.named(name)))),
            },
            Ok(real) => {
                if let Inner::Real { id, .. } = &real
                    && *id != UNTRACKED
                    && let Some(c) = rt::ctx()
                {
                    c.rename(*id, name);
                }
                Channel {
                    inner: Arc::new(real),
                }
            }
            Err(shared) => Channel { inner: shared },
        }
    }

    /// Send `msg`, waiting while the channel is full.
    pub fn send(&self, msg: T) {
        match &*self.inner {
            Inner::Model(q) => q.put_as(msg, "send"),
            Inner::Real { id, tx, .. } => {
                let ctx = tracked(*id);
                let text = ctx.as_ref().map(|_| format!("{msg:?}"));
                let mut msg = match tx.try_send(msg) {
                    Ok(()) => {
                        if let Some(c) = &ctx {
                            c.op(*id, Access::Write, "send", text, None, None);
                        }
                        return;
                    }
                    Err(TrySendError::Full(m)) => m,
                    Err(TrySendError::Disconnected(_)) => {
                        unreachable!("the channel holds a receiver")
                    }
                };
                record(&ctx, *id, Access::Block, "send", Some("waits: full"));
                // Blocked in crossbeam, this thread is invisible to the shadow
                // state: a deadlock through the channel alone ends with the
                // real driver's time-out. Wake up now and then to unwind if
                // the execution was abandoned for another reason.
                loop {
                    match tx.send_timeout(msg, POLL) {
                        Ok(()) => break,
                        Err(SendTimeoutError::Timeout(m)) => {
                            msg = m;
                            if let Some(c) = &ctx {
                                rt::check_abandoned(&c.exec);
                            }
                        }
                        Err(SendTimeoutError::Disconnected(_)) => {
                            unreachable!("the channel holds a receiver")
                        }
                    }
                }
                if let Some(c) = &ctx {
                    c.op(*id, Access::Write, "send", text, None, None);
                }
            }
        }
    }

    /// Receive the oldest message, waiting while the channel is empty.
    pub fn recv(&self) -> T {
        match &*self.inner {
            Inner::Model(q) => q.get_as("recv"),
            Inner::Real { id, rx, .. } => {
                let ctx = tracked(*id);
                let msg = match rx.try_recv() {
                    Ok(m) => m,
                    Err(TryRecvError::Empty) => {
                        record(&ctx, *id, Access::Block, "recv", Some("waits: empty"));
                        loop {
                            match rx.recv_timeout(POLL) {
                                Ok(m) => break m,
                                Err(cb::RecvTimeoutError::Timeout) => {
                                    if let Some(c) = &ctx {
                                        rt::check_abandoned(&c.exec);
                                    }
                                }
                                Err(cb::RecvTimeoutError::Disconnected) => {
                                    unreachable!("the channel holds a sender")
                                }
                            }
                        }
                    }
                    Err(TryRecvError::Disconnected) => unreachable!("the channel holds a sender"),
                };
                if let Some(c) = &ctx {
                    c.op(
                        *id,
                        Access::Read,
                        "recv",
                        Some(format!("{msg:?}")),
                        None,
                        None,
                    );
                }
                msg
            }
        }
    }

    /// Send `msg` if there is room now.
    pub fn try_send(&self, msg: T) -> Result<(), Full<T>> {
        match &*self.inner {
            Inner::Model(q) => q.try_put_as(msg, "try_send"),
            Inner::Real { id, tx, .. } => {
                let ctx = tracked(*id);
                let text = ctx.as_ref().map(|_| format!("{msg:?}"));
                match tx.try_send(msg) {
                    Ok(()) => {
                        if let Some(c) = &ctx {
                            c.op(*id, Access::Write, "try_send", text, None, None);
                        }
                        Ok(())
                    }
                    Err(TrySendError::Full(m)) => {
                        record(&ctx, *id, Access::Read, "try_send", Some("fails: full"));
                        Err(Full(m))
                    }
                    Err(TrySendError::Disconnected(_)) => {
                        unreachable!("the channel holds a receiver")
                    }
                }
            }
        }
    }

    /// Receive the oldest message if there is one now.
    pub fn try_recv(&self) -> Result<T, Empty> {
        match &*self.inner {
            Inner::Model(q) => q.try_get_as("try_recv"),
            Inner::Real { id, rx, .. } => {
                let ctx = tracked(*id);
                match rx.try_recv() {
                    Ok(m) => {
                        if let Some(c) = &ctx {
                            c.op(
                                *id,
                                Access::Read,
                                "try_recv",
                                Some(format!("{m:?}")),
                                None,
                                None,
                            );
                        }
                        Ok(m)
                    }
                    Err(TryRecvError::Empty) => {
                        record(&ctx, *id, Access::Read, "try_recv", Some("fails: empty"));
                        Err(Empty)
                    }
                    Err(TryRecvError::Disconnected) => unreachable!("the channel holds a sender"),
                }
            }
        }
    }

    /// Messages in the channel now; stale as soon as it is returned.
    pub fn len(&self) -> usize {
        match &*self.inner {
            Inner::Model(q) => q.len(),
            Inner::Real { id, rx, .. } => {
                let n = rx.len();
                if let Some(c) = tracked(*id) {
                    c.op(*id, Access::Read, "len", Some(n.to_string()), None, None);
                }
                n
            }
        }
    }

    /// Is the channel empty now? Stale as soon as it is returned.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most messages the channel holds.
    pub fn capacity(&self) -> usize {
        match &*self.inner {
            Inner::Model(q) => q.capacity(),
            Inner::Real { capacity, .. } => *capacity,
        }
    }
}

fn tracked(id: usize) -> Option<Ctx> {
    if id == UNTRACKED {
        None
    } else {
        let c = rt::ctx()?;
        rt::check_abandoned(&c.exec);
        Some(c)
    }
}

fn record(ctx: &Option<Ctx>, id: usize, access: Access, op: &'static str, note: Option<&str>) {
    if let Some(c) = ctx {
        c.op(id, access, op, None, None, note.map(str::to_string));
    }
}
