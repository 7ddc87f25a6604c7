//! Task functions registered by name, and `pool-worker`, the worker that runs them.

use super::error::ProcessError;
use super::worker::{Worker, WorkerEnv};
use serde_json::Value;

/// A task message: `(index, input)`, or `None` — the stop sentinel.
pub(super) type Task = Option<(usize, Value)>;
/// A result message: `(worker slot, index, output)`.
pub(super) type Done = (usize, usize, Value);

/// A task function: JSON in, JSON out; a panic fails the task.
pub type TaskFn = fn(&Value) -> Value;

fn registered() -> &'static std::sync::Mutex<Vec<(&'static str, TaskFn)>> {
    static REGISTERED: std::sync::Mutex<Vec<(&'static str, TaskFn)>> =
        std::sync::Mutex::new(Vec::new());
    &REGISTERED
}

/// Make task function `f` available to [`ProcessPool::map`] under `name`.
/// A worker process runs the executable that
/// [`set_worker_exe`](super::set_worker_exe) names, so a program with its own
/// task functions registers them first thing in `main` — before calling
/// [`worker_main`](super::worker_main), in the parent and in every worker
/// alike — and points the pool at itself with
/// `set_worker_exe(std::env::current_exe()?)`; `tests/user_tasks.rs` is
/// such a program. A name already taken is an error.
///
/// [`ProcessPool::map`]: super::ProcessPool::map
pub fn register_task(name: &'static str, f: TaskFn) -> Result<(), ProcessError> {
    let mut r = registered().lock().unwrap_or_else(|e| e.into_inner());
    if r.iter().any(|(n, _)| *n == name) {
        return Err(ProcessError::AlreadyRegistered(name.to_string()));
    }
    r.push((name, f));
    Ok(())
}

pub(super) fn task_fn(name: &str) -> Result<TaskFn, ProcessError> {
    let user = || {
        let r = registered().lock().unwrap_or_else(|e| e.into_inner());
        r.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    };
    user().ok_or_else(|| ProcessError::UnknownWorker(format!("task function {name}")))
}

/// The library's own workers: the worker of [`ProcessPool`].
///
/// [`ProcessPool`]: super::ProcessPool
pub(crate) const WORKERS: &[Worker] = &[Worker {
    name: "pool-worker",
    help: "ARG = `SLOT FUNCTION`: runs tasks from queue 0 until a stop sentinel, results to queue 1",
    run: pool_worker,
}];

fn pool_worker(env: &WorkerEnv) -> Result<(), ProcessError> {
    let (slot, f) = env
        .arg()
        .split_once(' ')
        .ok_or_else(|| ProcessError::Io(format!("pool-worker: bad argument '{}'", env.arg())))?;
    let slot: usize = slot
        .parse()
        .map_err(|_| ProcessError::Io(format!("pool-worker: bad slot '{slot}'")))?;
    let f = task_fn(f)?;
    let tasks = env.queue::<Task>(0)?;
    let results = env.queue::<Done>(1)?;
    while let Some((i, input)) = tasks.get()? {
        results.put(&(slot, i, f(&input)))?;
    }
    Ok(())
}
