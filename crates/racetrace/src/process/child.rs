//! A worker process, real or modelled, and the builder that starts one.

use super::error::ProcessError;
use super::os;
use super::queue::{Pipe, ProcessQueue, real_mode};
use super::registry::find_worker;
use super::worker::WorkerEnv;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Starts a [`Process`]: `Process::builder("put-message").arg("64").queue(&q).start()`.
#[derive(Debug)]
pub struct ProcessBuilder {
    worker: String,
    name: Option<String>,
    arg: String,
    pipes: Vec<Pipe>,
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
            let h = crate::traced::thread::spawn(move || run(&env));
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
    Model(Option<crate::traced::thread::JoinHandle<Result<(), ProcessError>>>),
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
    ///
    /// [`workers`]: super::workers
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
