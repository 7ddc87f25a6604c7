//! What goes wrong with a process or a queue, and the worker environment variables.

use std::fmt;

/// The environment variable that makes a program run as a worker ([`worker_main`]).
///
/// [`worker_main`]: super::worker_main
pub const WORKER_ENV: &str = "RACETRACE_WORKER";
/// The environment variable naming the executable workers start from.
pub const WORKER_EXE_ENV: &str = "RACETRACE_WORKER_EXE";

/// What went wrong with a process or a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProcessError {
    /// No worker is registered under this name.
    UnknownWorker(String),
    /// The worker executable could not be found.
    NoWorkerExe(String),
    /// The worker process could not be started.
    Spawn {
        /// The worker.
        worker: String,
        /// Why.
        why: String,
    },
    /// A worker panicked, exited non-zero or was killed.
    WorkerFailed {
        /// The worker's name.
        worker: String,
        /// Its task (its argument).
        task: String,
        /// How it ended (`exit status 3`, `killed by signal 9`, `panicked`).
        status: String,
        /// The last line it wrote to standard error (its panic message).
        message: Option<String>,
    },
    /// Every process started with this queue has exited, and it is empty
    /// (for `get`) or full (for `put`): nobody will fill or drain it.
    Closed(String),
    /// A frame on the pipe is not a message of the expected type.
    Malformed(String),
    /// An operation timed out.
    TimedOut(String),
    /// The operating system refused an operation.
    Io(String),
    /// The operation is not available under the checkers.
    Unsupported(&'static str),
    /// A worker or task function is already registered under this name.
    AlreadyRegistered(String),
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessError::UnknownWorker(w) => write!(f, "no worker is registered as '{w}'"),
            ProcessError::NoWorkerExe(me) => write!(
                f,
                "cannot find the executable to start workers from (running {me}); set {WORKER_EXE_ENV}"
            ),
            ProcessError::Spawn { worker, why } => write!(f, "cannot start {worker}: {why}"),
            ProcessError::WorkerFailed {
                worker,
                task,
                status,
                message,
            } => {
                write!(f, "{worker} failed on task {task}: {status}")?;
                if let Some(m) = message {
                    write!(f, " ({m})")?;
                }
                Ok(())
            }
            ProcessError::Closed(q) => write!(
                f,
                "queue {q}: every process started with it has exited, and it is empty (or full)"
            ),
            ProcessError::Malformed(why) => write!(f, "malformed frame: {why}"),
            ProcessError::TimedOut(what) => write!(f, "timed out: {what}"),
            ProcessError::Io(e) => write!(f, "{e}"),
            ProcessError::Unsupported(what) => {
                write!(f, "{what} is not available under the checkers")
            }
            ProcessError::AlreadyRegistered(name) => {
                write!(
                    f,
                    "a worker or task function is already registered as '{name}'"
                )
            }
        }
    }
}

impl std::error::Error for ProcessError {}
