//! Threads: [`spawn`], [`JoinHandle::join`] and [`yield_now`], mirroring
//! `std::thread`. Under an exploration each spawn is a new model thread (loom)
//! or task (shuttle), named `t1`, `t2`, … in spawn order; outside one they are
//! plain OS threads.

use crate::rt::{self, Abandon, Ctx, Execution, Kind};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// An owned permission to join a thread, as `std::thread::JoinHandle`.
pub struct JoinHandle<T> {
    inner: Inner<T>,
    child: Option<usize>,
}

enum Inner<T> {
    Std(std::thread::JoinHandle<Option<T>>),
    Loom(loom::thread::JoinHandle<Option<T>>),
    Shuttle(shuttle::thread::JoinHandle<Option<T>>),
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("child", &self.child)
            .finish()
    }
}

/// The joined thread panicked (or its execution was abandoned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinError {
    /// The panic message, when there was one.
    pub message: Option<String>,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(m) => write!(f, "joined thread panicked: {m}"),
            None => write!(f, "joined thread did not finish"),
        }
    }
}

impl std::error::Error for JoinError {}

/// Spawn a thread running `f`.
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let Some(ctx) = rt::ctx() else {
        return JoinHandle {
            inner: Inner::Std(std::thread::spawn(move || Some(f()))),
            child: None,
        };
    };
    rt::check_abandoned(&ctx.exec);
    let child = ctx.spawn();
    ctx.announce(&[(rt::THREAD_OBJECT + child, true)]);
    let exec = ctx.exec.clone();
    let body = move || run_thread(exec, child, f);
    let inner = match ctx.exec.kind {
        Kind::Real => Inner::Std(std::thread::spawn(body)),
        Kind::Loom => Inner::Loom(loom::thread::spawn(body)),
        Kind::Shuttle => Inner::Shuttle(shuttle::thread::spawn(body)),
    };
    JoinHandle {
        inner,
        child: Some(child),
    }
}

/// Run one racetrace thread's function: set its identity, catch its panics
/// (a panic is an outcome; racetrace's own abandonment marker is not), and
/// record its exit.
pub(crate) fn run_thread<F, T>(exec: Arc<Execution>, tid: usize, f: F) -> Option<T>
where
    F: FnOnce() -> T,
{
    let real = exec.kind == Kind::Real;
    let _quiet = real.then(rt::panics::Quiet::new);
    if real {
        exec.enter(tid);
    }
    let ctx = Ctx { exec, tid };
    ctx.enter_thread();
    let result = catch_unwind(AssertUnwindSafe(f));
    let value = match result {
        Ok(v) => {
            ctx.exit_thread(None);
            Some(v)
        }
        Err(payload) => {
            if payload.is::<Abandon>() {
                ctx.exit_thread(None);
            } else {
                ctx.exit_thread(Some(rt::panics::message(payload.as_ref())));
            }
            None
        }
    };
    if real {
        Execution::leave();
    }
    value
}

impl<T> JoinHandle<T> {
    /// The racetrace thread index of the spawned thread, inside an execution.
    pub(crate) fn tid(&self) -> Option<usize> {
        self.child
    }

    /// Wait for the thread to finish and return its result.
    pub fn join(self) -> Result<T, JoinError> {
        let ctx = self.child.and_then(|_| rt::ctx());
        if let (Some(c), Some(child)) = (&ctx, self.child) {
            c.announce(&[(rt::THREAD_OBJECT + child, true)]);
            c.join_begin(child);
        }
        let r = match self.inner {
            Inner::Std(h) => h.join(),
            Inner::Loom(h) => h.join(),
            Inner::Shuttle(h) => h.join(),
        };
        if let (Some(c), Some(child)) = (&ctx, self.child) {
            c.join_end(child);
        }
        match r {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(JoinError { message: None }),
            Err(p) => Err(JoinError {
                message: Some(rt::panics::message(p.as_ref())),
            }),
        }
    }
}

/// Offer the scheduler a switch to another thread.
pub fn yield_now() {
    match rt::ctx() {
        None => std::thread::yield_now(),
        Some(c) => {
            rt::check_abandoned(&c.exec);
            c.announce_local();
            match c.exec.kind {
                Kind::Real => std::thread::yield_now(),
                Kind::Loom => loom::thread::yield_now(),
                Kind::Shuttle => shuttle::thread::yield_now(),
            }
        }
    }
}

/// Is the current thread running for real (outside any exploration, or
/// under the real backend) rather than inside a model checker?
pub fn on_real_threads() -> bool {
    rt::ctx().is_none_or(|c| c.exec.kind == Kind::Real)
}
