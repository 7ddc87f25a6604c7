//! Threads: [`spawn`], [`JoinHandle::join`], [`JoinHandle::is_finished`]
//! and [`yield_now`], mirroring `std::thread`. Under an exploration each
//! spawn is a new model thread (loom) or task (shuttle), named `t1`, `t2`,
//! … in spawn order; outside one they are plain OS threads.

use crate::rt::{self, Abandon, Ctx, Execution, Kind};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// An owned permission to join a thread, as `std::thread::JoinHandle`.
pub struct JoinHandle<T> {
    inner: Inner<T>,
    child: Option<usize>,
    finished: Finished,
}

/// Whether a spawned thread's function has returned (or unwound), as
/// `JoinHandle::is_finished` asks; shareable apart from the handle.
#[derive(Clone)]
pub(crate) struct Finished {
    // Set by the thread itself at the end of its last step (no scheduling
    // point in between), so under loom and shuttle it changes exactly when
    // that step runs.
    flag: Arc<AtomicBool>,
    child: Option<usize>,
}

impl Finished {
    /// Has the thread finished? Under the checkers a scheduling point (a
    /// yield: asking again and again is a spin) that depends on every step
    /// of the thread, as a join does.
    pub(crate) fn is_finished(&self) -> bool {
        let ctx = self.child.and_then(|_| rt::ctx());
        if let (Some(c), Some(child)) = (&ctx, self.child) {
            rt::check_abandoned(&c.exec);
            c.announce(&[(rt::THREAD_OBJECT + child, true)]);
            match c.exec.kind {
                Kind::Real => {}
                Kind::Loom => loom::thread::yield_now(),
                Kind::Shuttle => shuttle::thread::yield_now(),
            }
        }
        self.flag.load(Ordering::Acquire)
    }
}

/// Sets the flag when the thread's function returns or unwinds.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
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
    spawn_with(None, None, f).expect("failed to spawn thread")
}

/// Spawn a thread running `f`, with std's `Builder` options: `name` names
/// the OS thread (loom's and shuttle's thread under the checkers, where
/// traces still call it `tN`) and `stack_size` sizes its stack. Only a real
/// OS thread can fail to start.
pub(crate) fn spawn_with<F, T>(
    name: Option<String>,
    stack_size: Option<usize>,
    f: F,
) -> std::io::Result<JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let flag = Arc::new(AtomicBool::new(false));
    let done = SetOnDrop(flag.clone());
    let f = move || {
        let _done = done;
        f()
    };
    let plain = name.is_none() && stack_size.is_none();
    let Some(ctx) = rt::ctx() else {
        let body = move || Some(f());
        let h = if plain {
            std::thread::spawn(body)
        } else {
            std_builder(name, stack_size).spawn(body)?
        };
        return Ok(JoinHandle {
            inner: Inner::Std(h),
            child: None,
            finished: Finished { flag, child: None },
        });
    };
    rt::check_abandoned(&ctx.exec);
    let child = ctx.spawn();
    ctx.announce(&[(rt::THREAD_OBJECT + child, true)]);
    let exec = ctx.exec.clone();
    let body = move || run_thread(exec, child, f);
    let inner = match (ctx.exec.kind, plain) {
        (Kind::Real, true) => Inner::Std(std::thread::spawn(body)),
        (Kind::Real, false) => Inner::Std(std_builder(name, stack_size).spawn(body)?),
        (Kind::Loom, true) => Inner::Loom(loom::thread::spawn(body)),
        (Kind::Loom, false) => {
            let mut b = loom::thread::Builder::new();
            if let Some(n) = name {
                b = b.name(n);
            }
            if let Some(s) = stack_size {
                b = b.stack_size(s);
            }
            Inner::Loom(b.spawn(body)?)
        }
        (Kind::Shuttle, true) => Inner::Shuttle(shuttle::thread::spawn(body)),
        (Kind::Shuttle, false) => {
            let mut b = shuttle::thread::Builder::new();
            if let Some(n) = name {
                b = b.name(n);
            }
            if let Some(s) = stack_size {
                b = b.stack_size(s);
            }
            Inner::Shuttle(b.spawn(body)?)
        }
    };
    Ok(JoinHandle {
        inner,
        child: Some(child),
        finished: Finished {
            flag,
            child: Some(child),
        },
    })
}

fn std_builder(name: Option<String>, stack_size: Option<usize>) -> std::thread::Builder {
    let mut b = std::thread::Builder::new();
    if let Some(n) = name {
        b = b.name(n);
    }
    if let Some(s) = stack_size {
        b = b.stack_size(s);
    }
    b
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
    if ctx.exec.is_frozen() {
        // Winding down (see `Execution::freeze`): a thread that blocked after
        // the others unwound waits to be woken by the last to exit.
        ctx.exec.wake_waiters();
    }
    value
}

impl<T> JoinHandle<T> {
    /// The racetrace thread index of the spawned thread, inside an execution.
    pub(crate) fn tid(&self) -> Option<usize> {
        self.child
    }

    /// Has the thread's function returned (or unwound)? Under the
    /// checkers a scheduling point: dpor and shuttle explore both answers
    /// wherever both are possible; loom runs the other threads first (a
    /// yield), so it answers `false` only when the thread cannot finish
    /// without this one.
    pub fn is_finished(&self) -> bool {
        self.finished.is_finished()
    }

    /// What [`Self::is_finished`] reads, apart from the handle.
    pub(crate) fn finished(&self) -> Finished {
        self.finished.clone()
    }

    /// The OS thread, outside any exploration (or on real threads).
    pub(crate) fn std_thread(&self) -> Option<&std::thread::Thread> {
        match &self.inner {
            Inner::Std(h) => Some(h.thread()),
            _ => None,
        }
    }

    /// Wait for the thread to finish and return its result.
    pub fn join(self) -> Result<T, JoinError> {
        self.join_inner(false)
    }

    /// As [`Self::join`], but when this returns or unwinds the thread has
    /// finished, even if the execution is abandoned meanwhile (`join`
    /// then unwinds at once and leaves the thread running): scoped threads
    /// borrow from the joiner's stack, which must outlive them.
    pub(crate) fn join_finished(self) -> Result<T, JoinError> {
        self.join_inner(true)
    }

    fn join_inner(self, wait_always: bool) -> Result<T, JoinError> {
        let ctx = self.child.and_then(|_| rt::ctx());
        if let (Some(c), Some(child)) = (&ctx, self.child) {
            c.announce_join(child);
            if wait_always {
                // Abandonment unwinds here, before the backend's join: wait
                // for the thread first (abandoned threads all unwind at
                // their next operation, so it ends), then go on unwinding.
                if let Err(p) = catch_unwind(AssertUnwindSafe(|| c.join_begin(child))) {
                    let _ = self.inner.join();
                    resume_unwind(p);
                }
            } else {
                c.join_begin(child);
            }
        }
        let r = self.inner.join();
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

impl<T> Inner<T> {
    fn join(self) -> std::thread::Result<Option<T>> {
        match self {
            Inner::Std(h) => h.join(),
            Inner::Loom(h) => h.join(),
            Inner::Shuttle(h) => h.join(),
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
            c.yielded();
            // rc11: a spin iteration that read a stale value ends here (see rc11::yielding).
            crate::rc11::yielding(&c.exec, c.tid);
            match c.exec.kind {
                Kind::Real => std::thread::yield_now(),
                Kind::Loom => loom::thread::yield_now(),
                Kind::Shuttle => shuttle::thread::yield_now(),
            }
            c.running();
        }
    }
}

/// Is the current thread running for real (outside any exploration, or
/// under the real backend) rather than inside a model checker?
pub fn on_real_threads() -> bool {
    rt::ctx().is_none_or(|c| c.exec.kind == Kind::Real)
}
