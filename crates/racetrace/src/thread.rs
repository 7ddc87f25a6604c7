//! `std::thread`'s API, checked: under an exploration each spawned thread is
//! a model thread the checkers schedule (`t1`, `t2`, … in spawn order).
//! `sleep` does not wait under the checkers (time is not modelled; it is a
//! scheduling point, as `yield_now` is).

use crate::traced::thread as traced;
use std::fmt;
use std::time::Duration;

pub use std::thread::{Result, panicking};

/// An owned permission to join a thread, as `std::thread::JoinHandle`.
pub struct JoinHandle<T>(traced::JoinHandle<T>);

impl<T> JoinHandle<T> {
    /// Wait for the thread to finish: its result, or `Err` with its panic
    /// payload (the panic message, as a `String`).
    pub fn join(self) -> Result<T> {
        self.0.join().map_err(|e| -> Box<dyn std::any::Any + Send> {
            Box::new(
                e.message
                    .unwrap_or_else(|| "the thread did not finish".into()),
            )
        })
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// Spawn a thread running `f`.
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    JoinHandle(traced::spawn(f))
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
