//! `std::thread`'s API, checked: under an exploration each spawned thread is
//! a model thread the checkers schedule (`t1`, `t2`, … in spawn order), and
//! [`scope`]d threads are such threads too. Without the `model` feature this
//! module is `std::thread` itself.
//!
//! What differs from std under `model`:
//! * [`ThreadId`] is racetrace's (std's cannot be made): the same traits
//!   (`Clone`, `Copy`, `Debug`, `Eq`, `Hash`), the racetrace thread index
//!   inside an execution (loom's and shuttle's threads share an OS thread),
//!   the OS thread's id outside one.
//! * A joined thread's panic payload is its message, as a `String`.
//! * [`park`] and [`Thread::unpark`] work on a per-thread token (a traced
//!   mutex and condition variable, `t1.park` in traces, made on first use):
//!   `park` returns only once unparked (std may return spuriously), and a
//!   park that nothing can end is the outcome `deadlock`. [`park_timeout`]
//!   does not wait under the checkers (time is not modelled): a scheduling
//!   point, then the token is taken if it is there.
//! * [`sleep`] does not wait under the checkers: a scheduling point, as
//!   [`yield_now`] is (a yield: a thread that keeps yielding while nothing
//!   else happens is reported as a livelock under dpor and shuttle).
//! * [`JoinHandle::is_finished`] is a scheduling point; loom runs the other
//!   threads first there (a yield), dpor and shuttle explore both answers.
//! * [`Builder::name`] names the thread ([`Thread::name`]); traces still
//!   call it `tN`. [`Builder::stack_size`] reaches loom's and shuttle's
//!   threads too.
//! * [`panicking`] and [`available_parallelism`] are std's: under loom and
//!   shuttle `panicking` is the shared OS thread's.
//! * Missing: `thread_local!`/`LocalKey` (std's would be shared by loom's and
//!   shuttle's threads), `Builder::spawn_unchecked`, the deprecated
//!   `sleep_ms`/`park_timeout_ms`, and `JoinHandle`'s OS-specific extension
//!   traits.

mod current;
mod scoped;

use crate::traced::thread as traced;
use std::fmt;
use std::time::Duration;

use current::spawn_thread;
pub use current::{Thread, ThreadId, current, park, park_timeout};
pub use scoped::{Scope, ScopedJoinHandle, scope};
pub use std::thread::{Result, available_parallelism, panicking};

/// An owned permission to join a thread, as `std::thread::JoinHandle`.
pub struct JoinHandle<T> {
    inner: traced::JoinHandle<T>,
    thread: Thread,
}

impl<T> JoinHandle<T> {
    /// Wait for the thread to finish: its result, or `Err` with its panic
    /// payload (the panic message, as a `String`).
    pub fn join(self) -> Result<T> {
        self.inner
            .join()
            .map_err(|e| -> Box<dyn std::any::Any + Send> {
                Box::new(
                    e.message
                        .unwrap_or_else(|| "the thread did not finish".into()),
                )
            })
    }

    /// The thread's handle.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Has the thread's function returned (or unwound)? Never blocks.
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

/// Spawn a thread running `f`, as `std::thread::spawn`.
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f).expect("failed to spawn thread")
}

/// Thread options, as `std::thread::Builder`.
#[derive(Debug)]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
}

impl Builder {
    /// No options: a thread as [`spawn`] makes.
    #[allow(clippy::new_without_default)] // as std's
    pub fn new() -> Builder {
        Builder {
            name: None,
            stack_size: None,
        }
    }

    /// Name the thread ([`Thread::name`]; traces still call it `tN`).
    pub fn name(mut self, name: String) -> Builder {
        self.name = Some(name);
        self
    }

    /// The size of the thread's stack, in bytes.
    pub fn stack_size(mut self, size: usize) -> Builder {
        self.stack_size = Some(size);
        self
    }

    /// Spawn a thread with these options; `Err` if the OS cannot start it.
    pub fn spawn<F, T>(self, f: F) -> std::io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (inner, thread) = spawn_thread(self.name, self.stack_size, f)?;
        Ok(JoinHandle { inner, thread })
    }

    /// Spawn a scoped thread with these options, as
    /// `std::thread::Builder::spawn_scoped`.
    pub fn spawn_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope Scope<'scope, 'env>,
        f: F,
    ) -> std::io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        scope.spawn_with(self.name, self.stack_size, f)
    }
}

/// Offer the scheduler a switch to another thread.
pub fn yield_now() {
    traced::yield_now();
}

/// Sleep for `dur` on real threads; a scheduling point under the checkers.
pub fn sleep(dur: Duration) {
    if traced::on_real_threads() {
        std::thread::sleep(dur);
    } else {
        traced::yield_now();
    }
}
