//! Processes that share nothing: Python's `multiprocessing.Process`, `Queue`
//! and `ProcessPoolExecutor`, written once and run two ways.
//!
//! * **For real** (outside an exploration, or under [`Backend::Real`]): a
//!   [`Process`] is an OS process started from the racetrace executable with
//!   its role in the environment (`RACETRACE_WORKER=<role>`; never a bare
//!   `fork`), and a [`ProcessQueue`] is an OS pipe carrying length-framed
//!   JSON messages; `put` blocks while the pipe is full, as a pipe does.
//! * **Under the checkers** (loom, shuttle-*, dpor, fuzz): a process is a
//!   racetrace thread that shares nothing with its parent; the only crossing
//!   is a message on a modelled pipe whose capacity, in bytes, stands for the
//!   OS buffer. Messages are serialised and deserialised there too.
//!
//! Workers are functions registered by name ([`workers`]); the racetrace
//! binary runs one when started with `RACETRACE_WORKER` set
//! ([`worker_main`]). Programs and tests that are not the racetrace binary
//! say where it is with [`set_worker_exe`] or `RACETRACE_WORKER_EXE`; test
//! and bench binaries of this package find it next to themselves.
//!
//! Failures are errors, never hangs: a worker that panics, exits non-zero
//! or is killed makes `get`, `join` and [`ProcessPool::map`] return
//! [`ProcessError::WorkerFailed`] naming the worker and its task. A worker
//! dies with the thread that started it (`PR_SET_PDEATHSIG`), a dropped
//! [`Process`] is killed and reaped, and a real run that times out has its
//! workers killed by the run's watchdog. Real processes are Linux-only.
//!
//! [`Backend::Real`]: crate::Backend::Real

mod os;
mod pool;

pub(crate) use pool::{Flaw, map_with};
pub use pool::{
    MapError, ProcessPool, TASKS, TaskFailure, TaskFn, compute, message, register_task,
};

use crate::rt::{self, Kind};
use crate::sync::pipe::ModelPipe;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The environment variable that makes the racetrace binary run a worker.
pub const WORKER_ENV: &str = "RACETRACE_WORKER";
/// The environment variable naming the executable workers start from.
pub const WORKER_EXE_ENV: &str = "RACETRACE_WORKER_EXE";
/// Capacity of a queue made with [`ProcessQueue::new`] under the checkers
/// (Linux's default pipe buffer).
pub const DEFAULT_CAPACITY: usize = 65536;

pub(crate) const HEADER: usize = crate::sync::pipe::HEADER;

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
    /// A task function is already registered under this name.
    AlreadyRegistered(String),
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessError::UnknownWorker(w) => write!(f, "no worker is registered as '{w}'"),
            ProcessError::NoWorkerExe(me) => write!(
                f,
                "cannot find the racetrace executable to start workers from (running {me}); set {WORKER_EXE_ENV}"
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
                write!(f, "a task function is already registered as '{name}'")
            }
        }
    }
}

impl std::error::Error for ProcessError {}

fn exe_override() -> &'static Mutex<Option<PathBuf>> {
    static EXE: OnceLock<Mutex<Option<PathBuf>>> = OnceLock::new();
    EXE.get_or_init(|| Mutex::new(None))
}

/// Start workers from `exe` (a racetrace binary) instead of the current
/// executable. `RACETRACE_WORKER_EXE` takes precedence.
pub fn set_worker_exe(exe: impl Into<PathBuf>) {
    *exe_override().lock().unwrap_or_else(|e| e.into_inner()) = Some(exe.into());
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

fn real_mode() -> bool {
    !matches!(
        rt::ctx().map(|c| c.exec.kind),
        Some(Kind::Loom | Kind::Shuttle)
    )
}

// ---- pipes --------------------------------------------------------------------

#[derive(Clone)]
pub(crate) enum Pipe {
    Os(Arc<os::OsPipe>),
    Model(Arc<ModelPipe>),
}

impl Pipe {
    fn new(name: &str, capacity: Option<usize>) -> Result<Pipe, ProcessError> {
        if real_mode() {
            Ok(Pipe::Os(Arc::new(os::OsPipe::new(name, capacity)?)))
        } else {
            Ok(Pipe::Model(Arc::new(ModelPipe::new(
                name,
                capacity.unwrap_or(DEFAULT_CAPACITY),
            ))))
        }
    }
}

fn frame(body: &[u8]) -> Result<Vec<u8>, ProcessError> {
    let len = u32::try_from(body.len())
        .ok()
        .filter(|n| (*n as usize) <= os::MAX_FRAME)
        .ok_or_else(|| ProcessError::Io(format!("a {}-byte message is too large", body.len())))?;
    let mut f = Vec::with_capacity(HEADER + body.len());
    f.extend_from_slice(&len.to_le_bytes());
    f.extend_from_slice(body);
    Ok(f)
}

/// How a message is shown in traces: its JSON, shortened, with its size.
fn show(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.chars().count() <= 24 {
        text.into_owned()
    } else {
        let head: String = text.chars().take(12).collect();
        format!("{head}… ({} B)", body.len())
    }
}

/// A queue between processes carrying values of type `T`, serialised as
/// JSON in length-prefixed frames (Python's `multiprocessing.Queue`).
///
/// Clones are handles to the same pipe; hand one to a worker with
/// [`ProcessBuilder::queue`]. `put` blocks while the pipe is full; `get`
/// blocks while it is empty, and fails instead of hanging when every
/// worker started with the queue has exited, or one of them failed.
pub struct ProcessQueue<T> {
    pipe: Pipe,
    _t: PhantomData<fn(T) -> T>,
}

impl<T> Clone for ProcessQueue<T> {
    fn clone(&self) -> Self {
        ProcessQueue {
            pipe: self.pipe.clone(),
            _t: PhantomData,
        }
    }
}

impl<T> fmt::Debug for ProcessQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessQueue")
            .field("name", &self.name())
            .field("capacity", &self.capacity())
            .finish()
    }
}

impl<T> ProcessQueue<T> {
    /// The pipe's capacity in bytes.
    pub fn capacity(&self) -> usize {
        match &self.pipe {
            Pipe::Os(p) => p.capacity(),
            Pipe::Model(p) => p.capacity(),
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        match &self.pipe {
            Pipe::Os(p) => &p.name,
            Pipe::Model(p) => p.name(),
        }
    }
}

impl<T: Serialize + DeserializeOwned> ProcessQueue<T> {
    /// A queue with the default capacity (the OS default for real pipes,
    /// [`DEFAULT_CAPACITY`] bytes under the checkers).
    pub fn new(name: &str) -> Result<Self, ProcessError> {
        Self::make(name, None)
    }

    /// A queue whose pipe holds `bytes` bytes: exactly under the checkers;
    /// for real, the kernel rounds it up to a power of two pages (see
    /// [`ProcessQueue::capacity`]).
    pub fn with_capacity(name: &str, bytes: usize) -> Result<Self, ProcessError> {
        Self::make(name, Some(bytes))
    }

    fn make(name: &str, capacity: Option<usize>) -> Result<Self, ProcessError> {
        Ok(ProcessQueue {
            pipe: Pipe::new(name, capacity)?,
            _t: PhantomData,
        })
    }

    pub(crate) fn from_pipe(pipe: Pipe) -> Self {
        ProcessQueue {
            pipe,
            _t: PhantomData,
        }
    }

    /// Send `value`, waiting while the pipe is full.
    pub fn put(&self, value: &T) -> Result<(), ProcessError> {
        let body = serde_json::to_vec(value)
            .map_err(|e| ProcessError::Io(format!("cannot serialise a message: {e}")))?;
        let f = frame(&body)?;
        match &self.pipe {
            Pipe::Os(p) => p.write_frame(&f),
            Pipe::Model(p) => {
                p.write_frame(&f, &show(&body));
                Ok(())
            }
        }
    }

    /// Receive the next value, waiting while the pipe is empty.
    pub fn get(&self) -> Result<T, ProcessError> {
        let body = match &self.pipe {
            Pipe::Os(p) => p.read_frame()?,
            Pipe::Model(p) => p.read_frame(&show),
        };
        serde_json::from_slice(&body).map_err(|e| {
            ProcessError::Malformed(format!("queue {}: {} ({})", self.name(), e, show(&body)))
        })
    }

    /// The bytes a message takes on the pipe, header included.
    pub fn frame_len(value: &T) -> usize {
        HEADER + serde_json::to_vec(value).map(|v| v.len()).unwrap_or(0)
    }

    pub(crate) fn report_every_exit(&self) {
        if let Pipe::Os(p) = &self.pipe {
            p.every_exit
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    pub(crate) fn put_raw(&self, bytes: &[u8]) -> Result<(), ProcessError> {
        match &self.pipe {
            Pipe::Os(p) => p.write_raw(bytes),
            Pipe::Model(_) => Err(ProcessError::Unsupported("writing raw bytes")),
        }
    }
}

// ---- processes ----------------------------------------------------------------

/// What a worker function sees: its name, its argument and the queues it
/// was started with — nothing else of its parent.
pub struct WorkerEnv {
    name: String,
    arg: String,
    pipes: Vec<Pipe>,
}

impl fmt::Debug for WorkerEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerEnv")
            .field("name", &self.name)
            .field("arg", &self.arg)
            .field("queues", &self.pipes.len())
            .finish()
    }
}

impl WorkerEnv {
    /// The worker's name (`worker1`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its argument (its task).
    pub fn arg(&self) -> &str {
        &self.arg
    }
    /// Its argument, parsed.
    pub fn parse_arg<A: std::str::FromStr>(&self) -> Result<A, ProcessError> {
        self.arg
            .parse()
            .map_err(|_| ProcessError::Io(format!("{}: bad argument '{}'", self.name, self.arg)))
    }
    /// The `i`th queue it was started with, typed.
    pub fn queue<T: Serialize + DeserializeOwned>(
        &self,
        i: usize,
    ) -> Result<ProcessQueue<T>, ProcessError> {
        self.pipes
            .get(i)
            .cloned()
            .map(ProcessQueue::from_pipe)
            .ok_or_else(|| ProcessError::Io(format!("{} was given no queue #{i}", self.name)))
    }
}

/// A worker function, registered by name.
#[derive(Clone, Copy)]
pub struct Worker {
    /// The name `Process::builder` takes.
    pub name: &'static str,
    /// What it does.
    pub help: &'static str,
    /// The function.
    pub run: fn(&WorkerEnv) -> Result<(), ProcessError>,
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker").field("name", &self.name).finish()
    }
}

/// The registered workers.
pub fn workers() -> &'static [Worker] {
    pool::WORKERS
}

fn find_worker(name: &str) -> Result<&'static Worker, ProcessError> {
    workers()
        .iter()
        .find(|w| w.name == name)
        .ok_or_else(|| ProcessError::UnknownWorker(name.to_string()))
}

/// In a worker process (started with `RACETRACE_WORKER=<role>`): run the
/// worker and return its exit status (0, 1 on error, 101 on panic). `None`
/// in any other process. The racetrace binary calls it first thing.
pub fn worker_main() -> Option<i32> {
    let role = std::env::var(WORKER_ENV).ok()?;
    if !os::die_with_parent() {
        return Some(1);
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

/// Starts a [`Process`]: `Process::builder("put-message").arg("64").queue(&q).start()`.
#[derive(Debug)]
pub struct ProcessBuilder {
    worker: String,
    name: Option<String>,
    arg: String,
    pipes: Vec<Pipe>,
}

impl fmt::Debug for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Pipe::Os(p) => &p.name,
            Pipe::Model(p) => p.name(),
        })
    }
}

impl ProcessBuilder {
    /// The worker's name in errors and reports (default: its role).
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }
    /// Its argument (its task): a string.
    pub fn arg(mut self, arg: impl fmt::Display) -> Self {
        self.arg = arg.to_string();
        self
    }
    /// Hand it a queue: the worker's `env.queue(i)` for the `i`th call.
    pub fn queue<T>(mut self, q: &ProcessQueue<T>) -> Self {
        self.pipes.push(q.pipe.clone());
        self
    }
    /// Start it (Python's `p.start()`).
    pub fn start(self) -> Result<Process, ProcessError> {
        let w = find_worker(&self.worker)?;
        let name = self.name.unwrap_or_else(|| self.worker.clone());
        let task = self.arg;
        if real_mode() {
            let mut os_pipes = Vec::new();
            for p in &self.pipes {
                match p {
                    Pipe::Os(p) => os_pipes.push(p.clone()),
                    Pipe::Model(_) => {
                        return Err(ProcessError::Io(
                            "a queue made under a checker was handed to a real process".into(),
                        ));
                    }
                }
            }
            let slot = os::spawn(w.name, &name, &task, os_pipes.clone())?;
            for p in &os_pipes {
                p.watch(&slot);
            }
            Ok(Process {
                name,
                task,
                inner: Inner::Os(slot),
            })
        } else {
            let env = WorkerEnv {
                name: name.clone(),
                arg: task.clone(),
                pipes: self.pipes,
            };
            let run = w.run;
            let h = crate::thread::spawn(move || run(&env));
            Ok(Process {
                name,
                task,
                inner: Inner::Model(Some(h)),
            })
        }
    }
}

/// A worker process (Python's `multiprocessing.Process`).
///
/// Dropping one that was not joined kills and reaps it.
pub struct Process {
    name: String,
    task: String,
    inner: Inner,
}

enum Inner {
    Os(Arc<os::ChildSlot>),
    Model(Option<crate::thread::JoinHandle<Result<(), ProcessError>>>),
}

impl fmt::Debug for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Process")
            .field("name", &self.name)
            .field("task", &self.task)
            .field("pid", &self.pid())
            .finish()
    }
}

impl Process {
    /// A builder for worker `worker` (a name from [`workers`]).
    pub fn builder(worker: &str) -> ProcessBuilder {
        ProcessBuilder {
            worker: worker.to_string(),
            name: None,
            arg: String::new(),
            pipes: Vec::new(),
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its OS process id (real processes only).
    pub fn pid(&self) -> Option<u32> {
        match &self.inner {
            Inner::Os(s) => Some(s.pid as u32),
            Inner::Model(_) => None,
        }
    }

    /// Wait for it to end (Python's `p.join()`): `Ok` if it exited with
    /// status 0, [`ProcessError::WorkerFailed`] otherwise.
    pub fn join(&mut self) -> Result<(), ProcessError> {
        match &mut self.inner {
            Inner::Os(slot) => match slot.wait() {
                os::Status::Exited(0) => Ok(()),
                s => Err(slot.failure(s)),
            },
            Inner::Model(h) => {
                let Some(h) = h.take() else {
                    return Ok(());
                };
                match h.join() {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(ProcessError::WorkerFailed {
                        worker: self.name.clone(),
                        task: self.task.clone(),
                        status: "error".into(),
                        message: Some(e.to_string()),
                    }),
                    Err(e) => Err(ProcessError::WorkerFailed {
                        worker: self.name.clone(),
                        task: self.task.clone(),
                        status: "panicked".into(),
                        message: e.message,
                    }),
                }
            }
        }
    }

    /// As [`Process::join`], giving up after `timeout` (real processes
    /// only): `Ok(None)` if it is still running.
    pub fn join_timeout(&mut self, timeout: Duration) -> Result<Option<()>, ProcessError> {
        let Inner::Os(slot) = &self.inner else {
            return Err(ProcessError::Unsupported("join with a time-out"));
        };
        let end = Instant::now() + timeout;
        while slot.peek().is_none() {
            if Instant::now() >= end {
                return Ok(None);
            }
            os::tick();
        }
        self.join().map(Some)
    }

    /// Kill it (SIGKILL) and reap it; its `join` then reports it killed.
    pub fn kill(&mut self) -> Result<(), ProcessError> {
        match &self.inner {
            Inner::Os(slot) => {
                slot.kill();
                slot.wait();
                Ok(())
            }
            Inner::Model(_) => Err(ProcessError::Unsupported("killing a process")),
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Inner::Os(slot) = &self.inner {
            slot.kill();
            slot.wait();
        }
    }
}
