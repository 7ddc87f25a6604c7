//! A thread pool with the shape of Python's
//! `concurrent.futures.ThreadPoolExecutor`: [`ThreadPool::submit`] returns a
//! [`Future`], [`ThreadPool::map`] returns results in input order,
//! [`ThreadPool::shutdown`] stops the workers (waiting for them or not).
//!
//! It is built only from racetrace's own primitives — worker threads from
//! [`crate::traced::thread::spawn`], a job queue in a [`Mutex`] with a [`Condvar`],
//! one mutex and condition variable per future — so it runs on real threads
//! and under every exploring backend, its steps appear in traces, and a
//! thread stuck on a future takes part in deadlock detection. Count its
//! workers in a pattern's thread total (loom models at most 5 threads).
//!
//! A job that panics does not take its worker down: the panic is caught and
//! its future's [`Future::result`] returns [`JobError::Panicked`], as
//! Python's `future.result()` re-raises the job's exception.
//!
//! ```
//! use racetrace::executor::{JobError, ThreadPool};
//!
//! let mut pool = ThreadPool::new(2);
//! let f = pool.submit(|| 6 * 7);
//! assert_eq!(f.result(), Ok(42));
//! assert_eq!(pool.map(|x: u64| x * x, [1, 2, 3]), Ok(vec![1, 4, 9]));
//! let bad = pool.submit(|| -> u64 { panic!("boom") });
//! assert_eq!(bad.result(), Err(JobError::Panicked("boom".into())));
//! assert_eq!(pool.submit(|| 1).result(), Ok(1)); // still usable
//! pool.shutdown(true);
//! ```

use crate::rt::{self, Abandon};
use crate::traced::sync::{Arc, Condvar, Mutex};
use crate::traced::thread::{self, JoinHandle};
use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

type Task = Box<dyn FnOnce() + Send + 'static>;

/// Why a [`Future`] has no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobError {
    /// The job panicked; the panic message.
    Panicked(String),
    /// The job was submitted after [`ThreadPool::shutdown`] and never ran
    /// (Python raises `RuntimeError` from `submit` here).
    ShutDown,
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Panicked(m) => write!(f, "the job panicked: {m}"),
            JobError::ShutDown => f.write_str("the job was submitted after the pool shut down"),
        }
    }
}

impl std::error::Error for JobError {}

/// The result of a submitted job, once it has run (Python's
/// `concurrent.futures.Future`; not a `std::future::Future`).
pub struct Future<T> {
    slot: Arc<Slot<T>>,
}

struct Slot<T> {
    state: Mutex<SlotState<T>>,
    ready: Condvar,
}

struct SlotState<T> {
    value: Option<Result<T, JobError>>,
    /// Somebody waits in `result`: only then does `set` notify (a notify is
    /// an operation every backend explores).
    waiting: bool,
}

impl<T> Slot<T> {
    fn new(name: &str, value: Option<Result<T, JobError>>) -> Slot<T> {
        Slot {
            state: Mutex::new(SlotState {
                value,
                waiting: false,
            })
            .named(name),
            ready: Condvar::new().named(&format!("{name}.ready")),
        }
    }

    fn set(&self, r: Result<T, JobError>) {
        let mut s = self.state.lock();
        s.value = Some(r);
        if s.waiting {
            self.ready.notify_all();
        }
    }
}

impl<T> Future<T> {
    /// Wait until the job has run and return its value, or why there is
    /// none (Python's `future.result()`).
    pub fn result(self) -> Result<T, JobError> {
        let mut s = self.slot.state.lock();
        while s.value.is_none() {
            s.waiting = true;
            s = self.slot.ready.wait(s);
        }
        s.value.take().expect("checked above")
    }

    /// Has the job finished (Python's `future.done()`)? Stale as soon as it
    /// returns false.
    pub fn done(&self) -> bool {
        self.slot.state.lock().value.is_some()
    }
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Future").finish_non_exhaustive()
    }
}

struct Shared {
    state: Mutex<State>,
    work: Condvar,
}

struct State {
    tasks: VecDeque<Task>,
    shutdown: bool,
    /// Workers waiting for a task (`submit` notifies only when there is one).
    idle: usize,
    /// Of those, the ones already notified and not yet awake: `submit` wakes
    /// an idle worker only if one is left unclaimed, else starts a new one
    /// (Python's idle semaphore, which each `submit` takes one token from).
    woken: usize,
    /// Workers started so far.
    started: usize,
    /// Jobs submitted so far: names the futures in traces.
    submitted: usize,
}

/// A fixed set of worker threads running submitted jobs in submission order
/// (Python's `ThreadPoolExecutor(max_workers=n)`). In traces its queue is the
/// lock `pool` with the condition variable `pool.work`, and the `n`-th
/// future's lock is `futureN`.
///
/// Dropping a pool that was not shut down shuts it down and waits, like
/// leaving Python's `with ThreadPoolExecutor() as ex:` block; dropping one
/// shut down with `wait = false` joins its workers (as Python's interpreter
/// does at exit).
pub struct ThreadPool {
    shared: Arc<Shared>,
    max_workers: usize,
    /// Handles of the workers started so far. A std lock, never held across
    /// a racetrace operation (so never contended in a model).
    workers: std::sync::Mutex<Vec<JoinHandle<()>>>,
    shut: bool,
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool")
            .field("max_workers", &self.max_workers)
            .field("shut_down", &self.shut)
            .finish()
    }
}

impl ThreadPool {
    /// A pool of at most `workers` worker threads. As in Python, a worker
    /// is started by `submit` when no idle worker is left unclaimed, up to
    /// that number; none runs before the first job.
    ///
    /// # Panics
    /// If `workers` is 0 (Python raises `ValueError`).
    pub fn new(workers: usize) -> ThreadPool {
        assert!(
            workers > 0,
            "racetrace: a thread pool needs at least one worker"
        );
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                tasks: VecDeque::new(),
                shutdown: false,
                idle: 0,
                woken: 0,
                started: 0,
                submitted: 0,
            })
            .named("pool"),
            work: Condvar::new().named("pool.work"),
        });
        ThreadPool {
            shared,
            max_workers: workers,
            workers: std::sync::Mutex::new(Vec::new()),
            shut: false,
        }
    }

    /// The most worker threads the pool starts.
    pub fn max_workers(&self) -> usize {
        self.max_workers
    }

    /// Queue `f` to run on a worker; its [`Future`] gives the value, or
    /// [`JobError::Panicked`] if it panicked. After [`shutdown`](Self::shutdown)
    /// the job is not run and the future holds [`JobError::ShutDown`].
    pub fn submit<F, T>(&self, f: F) -> Future<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let mut s = self.shared.state.lock();
        if s.shutdown {
            drop(s);
            return Future {
                slot: Arc::new(Slot::new("future", Some(Err(JobError::ShutDown)))),
            };
        }
        s.submitted += 1;
        let slot = Arc::new(Slot::new(&format!("future{}", s.submitted), None));
        let mine = slot.clone();
        s.tasks.push_back(Box::new(move || {
            let r = match catch_unwind(AssertUnwindSafe(f)) {
                Ok(v) => Ok(v),
                // racetrace's marker winding down an abandoned execution.
                Err(p) if p.is::<Abandon>() => resume_unwind(p),
                Err(p) => Err(JobError::Panicked(rt::panics::message(p.as_ref()))),
            };
            mine.set(r);
        }));
        if s.idle > s.woken {
            s.woken += 1;
            self.shared.work.notify_one();
        } else if s.started < self.max_workers {
            // Python's `_adjust_thread_count`: nobody idle, room for one more.
            s.started += 1;
            drop(s);
            let shared = self.shared.clone();
            let h = thread::spawn(move || worker(&shared));
            self.handles().push(h);
        }
        Future { slot }
    }

    /// Run `f` on every input and return the values in input order, whatever
    /// order the jobs finish in (Python's `executor.map`). The first failed
    /// job in input order is the error; the later futures are not waited for.
    pub fn map<I, T, F>(
        &self,
        f: F,
        inputs: impl IntoIterator<Item = I>,
    ) -> Result<Vec<T>, JobError>
    where
        F: Fn(I) -> T + Send + Sync + 'static,
        I: Send + 'static,
        T: Send + 'static,
    {
        let f = Arc::new(f);
        let futures: Vec<Future<T>> = inputs
            .into_iter()
            .map(|x| {
                let f = f.clone();
                self.submit(move || f(x))
            })
            .collect();
        futures.into_iter().map(Future::result).collect()
    }

    /// Stop accepting jobs; the workers finish the jobs already queued and
    /// exit. With `wait`, return only when every worker has exited (Python's
    /// `shutdown(wait=True)`); without, return at once.
    pub fn shutdown(&mut self, wait: bool) {
        if !self.shut {
            self.shut = true;
            let mut s = self.shared.state.lock();
            s.shutdown = true;
            if s.idle > 0 {
                self.shared.work.notify_all();
            }
        }
        if wait {
            let workers = std::mem::take(&mut *self.handles());
            for w in workers {
                // A worker never panics: jobs' panics are caught. An error
                // here is an abandoned execution, which unwinds us anyway.
                let _ = w.join();
            }
        }
    }
}

impl ThreadPool {
    fn handles(&self) -> std::sync::MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.workers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // While unwinding (a panic, or an abandoned execution) a racetrace
        // operation could panic again: leave the workers be.
        if !std::thread::panicking() {
            self.shutdown(true);
        }
    }
}

/// A worker: take the oldest task, run it, until the pool shuts down and the
/// queue is empty.
fn worker(shared: &Shared) {
    loop {
        let task = {
            let mut s = shared.state.lock();
            loop {
                if let Some(t) = s.tasks.pop_front() {
                    break t;
                }
                if s.shutdown {
                    return;
                }
                s.idle += 1;
                s = shared.work.wait(s);
                s.idle -= 1;
                s.woken = s.woken.saturating_sub(1);
            }
        };
        task();
    }
}
