//! Async tasks, run the way asyncio runs them: on one thread, switching only
//! at `await` points, the event loop choosing which ready task resumes.
//!
//! * [`block_on`] runs a future to completion on a fresh event loop (Python's
//!   `asyncio.run`); tasks still running when it returns are cancelled.
//! * [`spawn`] starts a task on the current loop (`asyncio.create_task`) and
//!   returns a [`JoinHandle`]: awaiting it gives the task's value, or a
//!   [`JoinError`] if the task panicked or was cancelled.
//! * [`yield_now`] is an await point and nothing else (`await asyncio.sleep(0)`).
//! * [`Mutex`] (`asyncio.Lock`) and [`Semaphore`] (`asyncio.Semaphore`) are
//!   the async locks; both hand over to their waiters first-in first-out.
//!
//! Two engines underneath, chosen at run time like every racetrace primitive:
//!
//! * **real** — outside an exploration and under [`crate::Backend::Real`]:
//!   tokio's *current-thread* runtime with a `LocalSet`, the asyncio
//!   analogue (one OS thread, a FIFO ready queue). tokio's multi-thread
//!   runtime is not used anywhere: it runs tasks in parallel on a thread
//!   pool, which is what racetrace's [`crate::traced::thread`] patterns already model,
//!   and it would turn the "no await, no switch" rule of asyncio into a data
//!   race. Under `Backend::Real` each poll of a task is recorded (`lock loop`
//!   … `unlock loop`) with the task's own name, so traces name tasks `t1`,
//!   `t2`, … as they name threads.
//! * **model** — under loom, shuttle, dpor and fuzz: a cooperative executor
//!   built from racetrace's own primitives. Every task is a racetrace thread,
//!   and one mutex named `loop` is the event loop's baton: a task runs only
//!   while it holds it. An await that lets other tasks run releases `loop` and
//!   takes it again, so the model checker chooses which ready task resumes;
//!   a task that must wait (a held [`Mutex`], no permit, a [`JoinHandle`] of
//!   a running task) parks on its own condition variable (`t1.wake`), which
//!   releases `loop`. Code between two awaits is therefore never interleaved
//!   with another task — exactly asyncio's guarantee — and deadlock
//!   detection, dpor's announcements and the traces come with the
//!   primitives.
//!
//! Inside a model, only racetrace's awaitables (and futures built from them:
//! `async` blocks, `poll_fn`, join/select combinators) are supported. A
//! foreign future that returns `Pending` parks its task until its waker is
//! called by another task; a wake-up that never comes is reported as a
//! deadlock (every task parked) or ends at the step limit, never a hang.
//! Timers and I/O do not exist in a model.
//!
//! ```
//! use racetrace::traced::cell::RaceCell;
//! use racetrace::sync::Arc;
//! use racetrace::{Backend, Config, task};
//!
//! // `v = counter; await sleep(0); counter = v + 1` in two tasks.
//! fn two_increments() -> usize {
//!     task::block_on(async {
//!         let counter = Arc::new(RaceCell::new(0usize).named("counter"));
//!         let hs: Vec<_> = (0..2)
//!             .map(|_| {
//!                 let c = counter.clone();
//!                 task::spawn(async move {
//!                     let v = c.get();
//!                     task::yield_now().await;
//!                     c.set(v + 1);
//!                 })
//!             })
//!             .collect();
//!         for h in hs {
//!             h.await.unwrap();
//!         }
//!         counter.get()
//!     })
//! }
//!
//! let report = racetrace::explore_outcomes(
//!     &Config::new(Backend::Dpor),
//!     "two increments",
//!     || two_increments().to_string(),
//!     |o| o == "2",
//! );
//! assert!(report.complete);
//! assert_eq!(report.outcome_set(), ["1", "2"]); // the lost update is there
//! ```

mod executor;
mod mode;
mod mutex;
mod semaphore;

pub use executor::{JoinError, JoinHandle, YieldNow, block_on, spawn, yield_now};
pub use mutex::{Lock, Mutex, MutexGuard};
pub use semaphore::{Acquire, Semaphore, SemaphorePermit};
