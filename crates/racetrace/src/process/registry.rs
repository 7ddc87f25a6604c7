//! The workers startable by name: the library's own and those a program registers.

use super::error::ProcessError;
use super::tasks;
use super::worker::Worker;
use std::sync::Mutex;

fn registered_workers() -> &'static Mutex<Vec<Worker>> {
    static WORKERS: Mutex<Vec<Worker>> = Mutex::new(Vec::new());
    &WORKERS
}

/// Make worker `w` startable by name ([`Process::builder`]). A program
/// registers its workers first thing in `main`, before [`worker_main`], so
/// the parent and every worker process know the same names. A name already
/// taken is an error.
///
/// [`Process::builder`]: super::Process::builder
/// [`worker_main`]: super::worker_main
pub fn register_worker(w: Worker) -> Result<(), ProcessError> {
    let mut r = registered_workers()
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if tasks::WORKERS
        .iter()
        .chain(r.iter())
        .any(|x| x.name == w.name)
    {
        return Err(ProcessError::AlreadyRegistered(w.name.to_string()));
    }
    r.push(w);
    Ok(())
}

/// The workers that can be started: the library's own (`pool-worker`, the
/// worker of [`ProcessPool`]) and those registered with [`register_worker`].
///
/// [`ProcessPool`]: super::ProcessPool
pub fn workers() -> Vec<Worker> {
    let r = registered_workers()
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    tasks::WORKERS.iter().chain(r.iter()).copied().collect()
}

pub(super) fn find_worker(name: &str) -> Result<Worker, ProcessError> {
    workers()
        .into_iter()
        .find(|w| w.name == name)
        .ok_or_else(|| ProcessError::UnknownWorker(name.to_string()))
}
