//! [`ProcessPool`] (Python's `ProcessPoolExecutor.map`): the parent side of
//! a map over the registered task functions.
//!
//! The parent hands each worker one task at a time on the worker's own task
//! queue, so it always knows which task a worker is running; results come
//! back on one shared queue tagged with the task's index. A worker that dies
//! fails its task only: it is replaced and the other tasks go on.

use super::child::Process;
use super::error::ProcessError;
use super::queue::ProcessQueue;
use super::tasks::{Done, Task, task_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;

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

    /// Apply task function `f` (a name given to [`register_task`]) to every input in
    /// worker processes; results in input order, every task run once.
    ///
    /// [`register_task`]: super::register_task
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
        let out = self.map_values(f, values).map_err(fail)?;
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

/// Everything a map produced: each task's result by input index, the
/// results in the order they arrived, and the tasks that failed.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct MapOutcome {
    /// Each task's result, by input index (`None` for a failed task).
    pub by_index: Vec<Option<Value>>,
    /// The results in the order they arrived (Python's `as_completed`).
    pub arrival: Vec<Value>,
    /// The tasks that failed.
    pub failures: Vec<TaskFailure>,
}
struct Slot {
    process: Option<Process>,
    tasks: ProcessQueue<Task>,
    current: Option<usize>,
}

impl ProcessPool {
    /// The pool's parent side, on JSON values: [`ProcessPool::map`] without
    /// the typing, keeping the arrival order and every failure. A worker gets
    /// one task at a time, and one stop message when none is left.
    pub fn map_values(&self, f: &str, inputs: Vec<Value>) -> Result<MapOutcome, ProcessError> {
        let workers = self.workers;
        task_fn(f)?;
        let n = inputs.len();
        let mut out = MapOutcome {
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
        let assign = |slot: &mut Slot, next: &mut usize, outstanding: &mut usize| {
            if *next < n {
                slot.tasks.put(&Some((*next, inputs[*next].clone())))?;
                slot.current = Some(*next);
                *next += 1;
                *outstanding += 1;
            } else {
                slot.tasks.put(&None)?;
            }
            Ok::<(), ProcessError>(())
        };
        for slot in slots.iter_mut() {
            assign(slot, &mut next, &mut outstanding)?;
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
                    assign(slot, &mut next, &mut outstanding)?;
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
                        .ok_or_else(|| {
                            ProcessError::Io(format!("unknown worker {worker} failed"))
                        })?;
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
                        assign(&mut slots[k], &mut next, &mut outstanding)?;
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
}
