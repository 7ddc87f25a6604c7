//! Workers: functions registered by name, and what one sees when it runs.

use super::error::ProcessError;
use super::queue::{Pipe, ProcessQueue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;

/// What a worker function sees: its name, its argument and the queues it
/// was started with — nothing else of its parent.
pub struct WorkerEnv {
    pub(super) name: String,
    pub(super) arg: String,
    pub(super) pipes: Vec<Pipe>,
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
