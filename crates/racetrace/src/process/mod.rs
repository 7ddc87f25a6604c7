//! Processes that share nothing: Python's `multiprocessing.Process`, `Queue`
//! and `ProcessPoolExecutor`, written once and run two ways.
//!
//! * **For real** (outside an exploration, or under [`Backend::Real`]): a
//!   [`Process`] is an OS process started from the program's own executable
//!   (or the one [`set_worker_exe`] names) with its role in the environment
//!   (`RACETRACE_WORKER=<role>`; never a bare `fork`), and a [`ProcessQueue`] is an OS pipe carrying length-framed
//!   JSON messages; `put` blocks while the pipe is full, as a pipe does.
//! * **Under the checkers** (loom, shuttle-*, dpor, fuzz): a process is a
//!   racetrace thread that shares nothing with its parent; the only crossing
//!   is a message on a modelled pipe whose capacity, in bytes, stands for the
//!   OS buffer. Messages are serialised and deserialised there too.
//!
//! Workers are functions registered by name ([`register_worker`],
//! [`workers`]); a program that starts processes registers its workers and
//! calls [`worker_main`] first thing in `main`, which runs the worker when
//! the process was started with `RACETRACE_WORKER` set. A test binary, whose
//! `main` is the test harness, points at such a program with
//! [`set_worker_exe`] or `RACETRACE_WORKER_EXE` (the racetrace binary is
//! one: it registers the built-in patterns' demo workers).
//!
//! Failures are errors, never hangs: a worker that panics, exits non-zero
//! or is killed makes `get`, `join` and [`ProcessPool::map`] return
//! [`ProcessError::WorkerFailed`] naming the worker and its task. A worker
//! dies with the thread that started it (`PR_SET_PDEATHSIG`), a dropped
//! [`Process`] is killed and reaped, and a real run that times out has its
//! workers killed by the run's watchdog. Real processes are Linux-only.
//!
//! [`Backend::Real`]: crate::Backend::Real

mod child;
mod error;
mod os;
mod pool;
mod queue;
mod registry;
mod tasks;
mod worker;

pub use child::{Process, ProcessBuilder};
pub use error::{ProcessError, WORKER_ENV, WORKER_EXE_ENV};
pub use pool::{MapError, MapOutcome, ProcessPool, TaskFailure};
pub use queue::{DEFAULT_CAPACITY, ProcessQueue};
pub use registry::{register_worker, workers};
pub use tasks::{TaskFn, register_task};
pub use worker::{Worker, WorkerEnv};

use crate::rt;
use queue::{Pipe, real_mode};
use registry::find_worker;
use std::path::PathBuf;

/// Start workers from `exe` instead of the current executable (which, by
/// default, is where workers start from: a program that uses processes calls
/// [`worker_main`] first thing in `main`). `RACETRACE_WORKER_EXE` takes
/// precedence.
pub fn set_worker_exe(exe: impl Into<PathBuf>) {
    *os::exe_override().lock().unwrap_or_else(|e| e.into_inner()) = Some(exe.into());
}

/// Pids of the worker processes this process started and has not reaped.
pub fn live_workers() -> Vec<u32> {
    os::live_pids()
}

/// Kill the workers of the timed-out real execution `exec` and say who
/// waited on what (for the real-thread driver's watchdog).
pub(crate) fn on_timeout(exec: usize) -> Option<String> {
    os::on_timeout(exec)
}

/// Is this a worker process started for real (not a worker modelled as a
/// thread under the checkers)? A worker that wants to end its process —
/// `std::process::exit` — checks this first.
pub fn in_worker_process() -> bool {
    real_mode() && std::env::var_os(WORKER_ENV).is_some()
}

/// In a worker process (started with `RACETRACE_WORKER=<role>`): run the
/// worker and return its exit status (0, 1 on error, 101 on panic). `None`
/// in any other process. A program that starts workers calls it first thing
/// in `main`, after registering its workers.
///
/// A process is a worker only when racetrace started it as one: all of
/// `RACETRACE_WORKER`, `RACETRACE_WORKER_PIPES` and `RACETRACE_WORKER_PARENT`
/// are set (as the parent sets them). When any is missing the variables are
/// ignored (`None`: `RACETRACE_WORKER=x racetrace list` lists). When all are
/// set but the process's parent (`getppid`) is not the pid in
/// `RACETRACE_WORKER_PARENT` — the parent exited before the worker started,
/// or the variables were inherited from a worker by a process it started —
/// it prints one line and returns `Some(2)`: such a process must neither run
/// as that parent's worker nor go on as the program's own `main`.
pub fn worker_main() -> Option<i32> {
    const PIPES_ENV: &str = "RACETRACE_WORKER_PIPES";
    const PARENT_ENV: &str = "RACETRACE_WORKER_PARENT";
    let role = std::env::var(WORKER_ENV).ok()?;
    std::env::var_os(PIPES_ENV)?;
    let parent = std::env::var_os(PARENT_ENV)?;
    // Arm the parent-death signal before comparing, so a parent that exits
    // after the comparison still takes the worker with it.
    let armed = os::die_with_parent();
    // SAFETY: getppid cannot fail.
    let ppid = unsafe { libc::getppid() };
    let started_by_parent = parent
        .to_str()
        .and_then(|p| p.parse::<libc::pid_t>().ok())
        .is_some_and(|p| p > 0 && p == ppid);
    if !armed || !started_by_parent {
        eprintln!(
            "racetrace: {WORKER_ENV} is set but this process was not started as a worker by process {} (its parent is {ppid}); unset {WORKER_ENV}, {PIPES_ENV} and {PARENT_ENV} to run it normally",
            parent.to_string_lossy().escape_debug()
        );
        return Some(2);
    }
    let name = std::env::var("RACETRACE_WORKER_NAME").unwrap_or_else(|_| role.clone());
    let run = || -> Result<(), ProcessError> {
        let w = find_worker(&role)?;
        let env = WorkerEnv {
            name: name.clone(),
            arg: std::env::var("RACETRACE_WORKER_ARG").unwrap_or_default(),
            pipes: os::inherited_pipes()?.into_iter().map(Pipe::Os).collect(),
        };
        (w.run)(&env)
    };
    // The panic is reported below in one line, the last the parent reads.
    std::panic::set_hook(Box::new(|_| {}));
    match std::panic::catch_unwind(run) {
        Ok(Ok(())) => Some(0),
        Ok(Err(e)) => {
            eprintln!("{name}: {e}");
            Some(1)
        }
        Err(p) => {
            eprintln!("{name} panicked: {}", rt::panics::message(p.as_ref()));
            Some(101)
        }
    }
}
