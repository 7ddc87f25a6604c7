//! [`ProcessPool`] (Python's `ProcessPoolExecutor.map`) and the registered
//! workers and task functions.
//!
//! The parent hands each worker one task at a time on the worker's own task
//! queue, so it always knows which task a worker is running; results come
//! back on one shared queue tagged with the task's index. A worker that dies
//! fails its task only: it is replaced and the other tasks go on.

use super::{Process, ProcessError, ProcessQueue, Worker, WorkerEnv};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;

/// A task message: `(index, input)`, or `None` — the stop sentinel.
type Task = Option<(usize, Value)>;
/// A result message: `(worker slot, index, output)`.
type Done = (usize, usize, Value);

/// `compute(n) = 0 + 1 + … + (n − 1)`, the seeds' CPU-bound task, as a loop
/// the optimiser cannot fold into `n(n−1)/2`.
pub fn compute(n: u64) -> u64 {
    let mut total: u64 = 0;
    for i in 0..n {
        total = total.wrapping_add(std::hint::black_box(i));
    }
    total
}

fn arg_u64(v: &Value, f: &str) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("{f}: expected a non-negative integer, got {v}"))
}

/// A task function: JSON in, JSON out; a panic fails the task.
pub type TaskFn = fn(&Value) -> Value;

/// Task functions a pool can map, by name: `compute` (the seeds' sum),
/// and for failure tests `panic` (panics), `fail-odd` (returns an even n;
/// exits the worker process with status n for an odd one — panics under
/// the checkers) and `sleep` (sleeps n ms,
/// returns n).
pub const TASKS: &[(&str, TaskFn)] = &[
    ("compute", |v| Value::from(compute(arg_u64(v, "compute")))),
    ("panic", |v| panic!("task panicked on input {v}")),
    ("fail-odd", |v| {
        let n = arg_u64(v, "fail-odd");
        if n % 2 == 1 {
            if super::real_mode() && std::env::var_os(super::WORKER_ENV).is_some() {
                std::process::exit(n as i32)
            }
            panic!("exit({n})")
        }
        Value::from(n)
    }),
    ("sleep", |v| {
        let ms = arg_u64(v, "sleep");
        std::thread::sleep(std::time::Duration::from_millis(ms));
        Value::from(ms)
    }),
];

fn registered() -> &'static std::sync::Mutex<Vec<(&'static str, TaskFn)>> {
    static REGISTERED: std::sync::Mutex<Vec<(&'static str, TaskFn)>> =
        std::sync::Mutex::new(Vec::new());
    &REGISTERED
}

/// Make task function `f` available to [`ProcessPool::map`] under `name`,
/// besides the built-in [`TASKS`]. A worker process runs the executable that
/// [`set_worker_exe`](super::set_worker_exe) names, so a program with its own
/// task functions registers them first thing in `main` — before calling
/// [`worker_main`](super::worker_main), in the parent and in every worker
/// alike — and points the pool at itself with
/// `set_worker_exe(std::env::current_exe()?)`; `tests/user_tasks.rs` is
/// such a program. A name already taken is an error.
pub fn register_task(name: &'static str, f: TaskFn) -> Result<(), ProcessError> {
    let mut r = registered().lock().unwrap_or_else(|e| e.into_inner());
    if TASKS.iter().any(|(n, _)| *n == name) || r.iter().any(|(n, _)| *n == name) {
        return Err(ProcessError::AlreadyRegistered(name.to_string()));
    }
    r.push((name, f));
    Ok(())
}

fn task_fn(name: &str) -> Result<TaskFn, ProcessError> {
    let user = || {
        let r = registered().lock().unwrap_or_else(|e| e.into_inner());
        r.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    };
    TASKS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .or_else(user)
        .ok_or_else(|| ProcessError::UnknownWorker(format!("task function {name}")))
}

/// The built-in workers.
pub(crate) const WORKERS: &[Worker] = &[
    Worker {
        name: "put-message",
        help: "puts one message of ARG bytes (a string) on queue 0",
        run: put_message,
    },
    Worker {
        name: "pool-worker",
        help: "ARG = `SLOT FUNCTION`: runs tasks from queue 0 until a stop sentinel, results to queue 1",
        run: pool_worker,
    },
    Worker {
        name: "empty",
        help: "does nothing",
        run: |_| Ok(()),
    },
    Worker {
        name: "sink",
        help: "gets ARG strings from queue 0, then puts their total length on queue 1",
        run: sink,
    },
    Worker {
        name: "exit",
        help: "exits with status ARG",
        run: |env| {
            let code = env.parse_arg()?;
            if super::real_mode() && std::env::var_os(super::WORKER_ENV).is_some() {
                std::process::exit(code)
            }
            panic!("exit({code})")
        },
    },
    Worker {
        name: "panic",
        help: "panics with message ARG",
        run: |env| panic!("{}", env.arg()),
    },
    Worker {
        name: "sleep",
        help: "sleeps ARG milliseconds",
        run: |env| {
            std::thread::sleep(std::time::Duration::from_millis(env.parse_arg()?));
            Ok(())
        },
    },
    Worker {
        name: "garbage",
        help: "writes a frame that is not JSON on queue 0",
        run: |env| env.queue::<String>(0)?.put_raw(b"\x05\x00\x00\x00{oops"),
    },
];

/// The message `put-message` sends: `size` bytes of text.
pub fn message(size: usize) -> String {
    let text = b"hello from the worker process; ";
    (0..size).map(|i| text[i % text.len()] as char).collect()
}

fn put_message(env: &WorkerEnv) -> Result<(), ProcessError> {
    let q = env.queue::<String>(0)?;
    q.put(&message(env.parse_arg()?))
}

fn sink(env: &WorkerEnv) -> Result<(), ProcessError> {
    let n: usize = env.parse_arg()?;
    let inq = env.queue::<String>(0)?;
    let out = env.queue::<u64>(1)?;
    let mut total = 0u64;
    for _ in 0..n {
        total += inq.get()?.len() as u64;
    }
    out.put(&total)
}

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

/// A task that did not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskFailure {
    /// Its index in the input list.
    pub index: usize,
    /// Its input, as JSON.
    pub input: String,
    /// The error: which worker, how it ended.
    pub error: ProcessError,
}

impl fmt::Display for TaskFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "task {} (input {}): {}",
            self.index, self.input, self.error
        )
    }
}

/// [`ProcessPool::map`] did not complete every task: the results of the
/// others are kept.
#[derive(Clone, Debug)]
pub struct MapError<O> {
    /// Each task's result, `None` for the failed ones.
    pub results: Vec<Option<O>>,
    /// The failed tasks.
    pub failures: Vec<TaskFailure>,
    /// An error that stopped the map itself, if any.
    pub error: Option<Box<ProcessError>>,
}

impl<O> fmt::Display for MapError<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(e) = &self.error {
            return write!(f, "map stopped: {e}");
        }
        let all: Vec<String> = self.failures.iter().map(|t| t.to_string()).collect();
        write!(f, "{}", all.join("; "))
    }
}

impl<O: fmt::Debug> std::error::Error for MapError<O> {}

/// A pool of worker processes (Python's `ProcessPoolExecutor`).
#[derive(Clone, Copy, Debug)]
pub struct ProcessPool {
    workers: usize,
}

impl ProcessPool {
    /// A pool of `workers` processes (at least 1), started by each `map`.
    pub fn new(workers: usize) -> ProcessPool {
        ProcessPool {
            workers: workers.max(1),
        }
    }

    /// Apply task function `f` (a name from [`TASKS`]) to every input in
    /// worker processes; results in input order, every task run once.
    pub fn map<I: Serialize, O: DeserializeOwned>(
        &self,
        f: &str,
        inputs: &[I],
    ) -> Result<Vec<O>, MapError<O>> {
        let fail = |e: ProcessError| MapError {
            results: (0..inputs.len()).map(|_| None).collect(),
            failures: Vec::new(),
            error: Some(Box::new(e)),
        };
        let values = inputs
            .iter()
            .map(|i| serde_json::to_value(i).map_err(|e| ProcessError::Io(e.to_string())))
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        let out = map_with(self.workers, f, values, Flaw::None).map_err(fail)?;
        let results: Vec<Option<O>> = out
            .by_index
            .into_iter()
            .map(|v| v.and_then(|v| serde_json::from_value(v).ok()))
            .collect();
        if out.failures.is_empty() && results.iter().all(Option::is_some) {
            Ok(results.into_iter().flatten().collect())
        } else {
            Err(MapError {
                results,
                failures: out.failures,
                error: None,
            })
        }
    }
}

/// A deliberate mistake in the pool, for the `process-pool` pattern's bugs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flaw {
    None,
    /// One stop sentinel, whatever the number of workers.
    MissingSentinel,
}

pub(crate) struct MapOut {
    pub(crate) by_index: Vec<Option<Value>>,
    /// Results in the order they arrived.
    pub(crate) arrival: Vec<Value>,
    pub(crate) failures: Vec<TaskFailure>,
}

struct Slot {
    process: Option<Process>,
    tasks: ProcessQueue<Task>,
    current: Option<usize>,
}

/// The pool's parent side, with an optional flaw.
pub(crate) fn map_with(
    workers: usize,
    f: &str,
    inputs: Vec<Value>,
    flaw: Flaw,
) -> Result<MapOut, ProcessError> {
    task_fn(f)?;
    let n = inputs.len();
    let mut out = MapOut {
        by_index: vec![None; n],
        arrival: Vec::new(),
        failures: Vec::new(),
    };
    if n == 0 {
        return Ok(out);
    }
    let results = ProcessQueue::<Done>::new("results")?;
    results.report_every_exit();
    let start = |k: usize, generation: usize| -> Result<Slot, ProcessError> {
        let name = match generation {
            0 => format!("worker{}", k + 1),
            g => format!("worker{}.{g}", k + 1),
        };
        let tasks = ProcessQueue::<Task>::new(&format!("tasks{}", k + 1))?;
        let process = Process::builder("pool-worker")
            .name(&name)
            .arg(format!("{k} {f}"))
            .queue(&tasks)
            .queue(&results)
            .start()?;
        Ok(Slot {
            process: Some(process),
            tasks,
            current: None,
        })
    };
    let mut slots = (0..workers.min(n))
        .map(|k| start(k, 0))
        .collect::<Result<Vec<_>, _>>()?;
    let mut restarts = vec![0; slots.len()];
    let mut next = 0;
    let mut outstanding = 0;
    let mut stops = 0;
    let assign = |slot: &mut Slot, next: &mut usize, outstanding: &mut usize, stops: &mut usize| {
        if *next < n {
            slot.tasks.put(&Some((*next, inputs[*next].clone())))?;
            slot.current = Some(*next);
            *next += 1;
            *outstanding += 1;
        } else if flaw != Flaw::MissingSentinel || *stops == 0 {
            slot.tasks.put(&None)?;
            *stops += 1;
        }
        Ok::<(), ProcessError>(())
    };
    for slot in slots.iter_mut() {
        assign(slot, &mut next, &mut outstanding, &mut stops)?;
    }
    while outstanding > 0 {
        match results.get() {
            Ok((k, i, v)) => {
                let slot = slots
                    .get_mut(k)
                    .filter(|s| s.current == Some(i))
                    .ok_or_else(|| {
                        ProcessError::Malformed(format!("a result for task {i} from slot {k}"))
                    })?;
                slot.current = None;
                outstanding -= 1;
                out.by_index[i] = Some(v.clone());
                out.arrival.push(v);
                assign(slot, &mut next, &mut outstanding, &mut stops)?;
            }
            Err(ProcessError::WorkerFailed {
                worker,
                task,
                status,
                message,
            }) => {
                let k = slots
                    .iter()
                    .position(|s| s.process.as_ref().is_some_and(|p| p.name() == worker))
                    .ok_or_else(|| ProcessError::Io(format!("unknown worker {worker} failed")))?;
                if let Some(mut p) = slots[k].process.take() {
                    let _ = p.join();
                }
                if let Some(i) = slots[k].current.take() {
                    outstanding -= 1;
                    out.failures.push(TaskFailure {
                        index: i,
                        input: inputs[i].to_string(),
                        error: ProcessError::WorkerFailed {
                            worker,
                            task: format!("{i}: {f}({})", inputs[i]),
                            status,
                            message,
                        },
                    });
                } else {
                    let _ = task;
                }
                if next < n {
                    restarts[k] += 1;
                    slots[k] = start(k, restarts[k])?;
                    assign(&mut slots[k], &mut next, &mut outstanding, &mut stops)?;
                }
            }
            Err(e) => return Err(e),
        }
    }
    for slot in slots.iter_mut() {
        if let Some(mut p) = slot.process.take() {
            p.join()?;
        }
    }
    Ok(out)
}
