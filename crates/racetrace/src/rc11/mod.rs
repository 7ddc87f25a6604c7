//! The `rc11` backend's memory model (work in progress: being built).

use crate::rt::Execution;
use std::cell::RefCell;
use std::sync::Arc;

/// A synchronisation that is not an atomic access: what a mutex, a spawn
/// or a join implies for happens-before.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Sync {
    /// The thread spawned thread `child` (by racetrace index).
    Spawn(usize),
    /// The thread's function returned or unwound.
    Exit,
    /// The thread joined thread `child`.
    Join(usize),
    /// The thread acquired mutex `m` (lock, successful try_lock, re-lock after a wait).
    Acquire(usize),
    /// The thread released mutex `m` (unlock, the start of a wait).
    Release(usize),
}

thread_local! {
    static ACTIVE: RefCell<bool> = const { RefCell::new(false) };
}

/// The memory model is active on this OS thread while a `Session` lives.
pub(crate) struct Session(());

impl Session {
    pub(crate) fn start() -> Session {
        ACTIVE.with(|a| *a.borrow_mut() = true);
        Session(())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        ACTIVE.with(|a| *a.borrow_mut() = false);
    }
}

/// A synchronisation by thread `tid` of `exec`.
pub(crate) fn sync(_exec: &Arc<Execution>, _tid: usize, _what: Sync) {}

/// Thread `tid` yields (a spin loop's `yield_now`/`spin_loop`).
pub(crate) fn yielding(_exec: &Arc<Execution>, _tid: usize) {}
