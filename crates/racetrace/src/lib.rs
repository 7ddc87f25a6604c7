//! # racetrace
//!
//! Write concurrent code against racetrace's std-shaped facade ([`sync`],
//! [`thread`], [`cell`], [`hint`]: std's API); ship it on std's own types;
//! check the very same code under `cargo test` by running it on real
//! threads or exploring its schedules exhaustively (racetrace's DPOR, loom,
//! shuttle), chosen at run time; get every race and deadlock back as a
//! readable, replayable trace.
//!
//! ## Two builds from one dependency
//!
//! ```toml
//! [dependencies]
//! racetrace = "0.1"                                       # std's types
//! [dev-dependencies]
//! racetrace = { version = "0.1", features = ["model"] }   # checked types
//! ```
//!
//! Without the `model` feature the facade is std re-exported (plus a
//! `#[repr(transparent)]` `UnsafeCell` with loom's closure API) and racetrace
//! has no dependency: production pays nothing. With `model` (what tests
//! get, through the dev-dependency) the facade is checked and everything
//! below exists. `docs/your-code.md` is the walk-through.
//!
//! ## Writing a check
//!
//! ```
//! # #[cfg(feature = "model")] {
//! use racetrace::sync::{Arc, Mutex};
//! use racetrace::{Backend, Config, thread};
//!
//! // Code under test, written against std's API through racetrace's paths.
//! fn deposit_twice() -> usize {
//!     let balance = Arc::new(Mutex::new(0usize));
//!     let hs: Vec<_> = (0..2)
//!         .map(|_| {
//!             let b = balance.clone();
//!             thread::spawn(move || *b.lock().unwrap() += 50)
//!         })
//!         .collect();
//!     for h in hs {
//!         h.join().unwrap();
//!     }
//!     let total = *balance.lock().unwrap();
//!     total
//! }
//!
//! // Explore every schedule: any panic or deadlock is a violation.
//! let report = racetrace::explore(&Config::new(Backend::Dpor), || {
//!     assert_eq!(deposit_twice(), 100);
//! });
//! assert!(report.complete);
//! report.assert_ok(); // panics with the witness trace if a schedule failed
//! # }
//! ```
//!
//! [`traced`] holds racetrace's own primitives, with racetrace's API
//! (objects named in traces, values shown at each lock, Python's `Queue`,
//! a `Semaphore`, an `RLock`): the built-in patterns are written with them.
//!
//! [`executor::ThreadPool`] (Python's `ThreadPoolExecutor`: `submit`, `map`,
//! `shutdown`) is built from these primitives, so code using it is checked
//! the same way.
//!
//! [`explore_outcomes`](fn@explore_outcomes) collects a table of outcomes instead: the program
//! returns its outcome as a string and a predicate says which are allowed.
//! [`check`] is the one-liner for tests: it reads the backend from
//! `RACETRACE_BACKEND` (default: the portfolio, which ends exhaustive) and
//! panics with the trace.
//!
//! ## Async code
//!
//! [`task`] runs asyncio-style code: [`task::block_on`], [`task::spawn`],
//! [`task::yield_now`], an async [`task::Mutex`] and [`task::Semaphore`].
//! Written once, it runs on tokio's current-thread runtime for real and on a
//! cooperative executor under the checkers, where tasks switch only at
//! awaits and the checker chooses which ready task resumes. Pass
//! `|| task::block_on(async { … })` to [`explore`](fn@explore) as above; see the
//! [`task`] module and `docs/gather.md`.
//!
//! ## Running
//!
//! Everything runs under a plain `cargo test`: the backend is a run-time
//! choice, not a `cfg`. [`Backend::Dpor`] is racetrace's own exhaustive
//! strategy (optimal DPOR — wake-up trees and sleep sets — on shuttle's
//! runtime: one schedule per distinct interleaving; on several threads with
//! [`Config::jobs`], on several machines with [`Config::shard`]); [`Backend::Rc11`] explores the same
//! way under RC11, the C++/Rust memory model (each atomic read may read any
//! write the model allows: one run per consistent execution graph; data
//! races on `UnsafeCell`; `docs/weak-memory.md`); [`Backend::Loom`] explores
//! the C++ memory model with loom's own search and finds data races; the
//! shuttle backends and real threads sample. The `racetrace` binary (the workspace root) runs the built-in patterns of
//! the `racetrace-patterns` crate:
//! `racetrace check` (the main job), `racetrace outcomes PATTERN`,
//! `racetrace explore PATTERN --save t.json`, `racetrace replay t.json`.
//!
//! ## Reading a trace
//!
//! One column per thread, one row per operation, time going down. A load shows
//! the value it returned (`load counter → 0`), a store the value written
//! (`store counter ← 1`). `← preempts t1` marks a switch away from a thread
//! that could have continued. A deadlock ends with what every blocked thread
//! waits for, what it holds, and the wait-for cycle.
//!
//! The `racetrace-report` crate draws the same trace as a picture — one lane
//! per thread, arrows for what ordered one thread after another, preemptions
//! shaded — as SVG or Mermaid (`racetrace explore … --svg FILE`), and gathers
//! every witness into an offline report (`racetrace report --out DIR`).
//!
//! ## Replaying
//!
//! Every witness carries a schedule token (`loom/17`, `shuttle/0.1.1.2`).
//! Set `RACETRACE_REPLAY` to it to run that schedule alone, or save a pattern's
//! witness with `racetrace explore … --save FILE` and run `racetrace replay FILE`.
//!
//! ## Limitations
//!
//! * loom models at most 5 threads (main included) and may skip interleavings
//!   (loom #166, #282) or let a `SeqCst` load read an older store (#180, marked
//!   *stale* in traces); racetrace's tests cross-check it against shuttle and a
//!   brute-force oracle.
//! * shuttle models every atomic as `SeqCst` and has no data-race detector;
//!   `rc11` models the orderings on shuttle's runtime (see its limits in
//!   `docs/weak-memory.md`: atomics made outside the explored closure, values
//!   written through `get_mut`).
//! * A thread that runs without a racetrace operation (a spin without a
//!   yield, a std lock held across an operation) cannot be interrupted: after
//!   [`Config::stall_timeout`] the exploration reports `no progress` and
//!   returns, leaving that thread behind (the `racetrace` binary exits, which
//!   ends it).
//! * Real-thread runs are stress tests: they rarely show a race, cannot be
//!   replayed, and a run that hangs is reported after a time-out.
//! * Only operations on racetrace primitives are scheduling points and appear
//!   in traces.
//! * [`traced::sync::Channel`] is crossbeam's bounded channel on real threads and a
//!   modelled one (a [`traced::sync::Queue`]) under loom and shuttle; a real-thread
//!   deadlock through the channel alone ends only with the run's time-out.
//!   [`lincheck`] checks recorded queue histories for linearizability.
//! * [`process`] runs workers as real OS processes (Linux) when run for real,
//!   and as share-nothing threads over a modelled pipe under the checkers; a
//!   real cross-process deadlock ends with the run's time-out, which kills
//!   the workers.
//! * Inside a model, async code may await only racetrace's awaitables (and
//!   futures built from them); there are no timers or I/O.

#![deny(missing_docs)]

// The std-shaped facade. Without the `model` feature these are std's own
// modules re-exported (and a zero-cost `UnsafeCell` wrapper): production
// code pays nothing. With it they are the checked types.
#[cfg_attr(not(feature = "model"), path = "production/cell.rs")]
pub mod cell;
#[cfg_attr(not(feature = "model"), path = "production/hint.rs")]
pub mod hint;
#[cfg_attr(not(feature = "model"), path = "production/sync.rs")]
pub mod sync;
#[cfg_attr(not(feature = "model"), path = "production/thread.rs")]
pub mod thread;

// Everything else exists under `model` only.
#[cfg(feature = "model")]
pub mod config;
#[cfg(feature = "model")]
mod error;
#[cfg(feature = "model")]
pub mod executor;
#[cfg(feature = "model")]
pub mod explore;
#[cfg(feature = "model")]
pub mod lincheck;
#[cfg(feature = "model")]
pub mod process;
#[cfg(feature = "model")]
mod rc11;
#[cfg(feature = "model")]
mod rt;
#[cfg(feature = "model")]
pub mod strategy;
#[cfg(feature = "model")]
pub mod task;
#[cfg(feature = "model")]
pub mod trace;
#[cfg(feature = "model")]
pub mod traced;

#[cfg(feature = "model")]
mod entry;
#[cfg(feature = "model")]
pub mod harness;
#[cfg(feature = "model")]
pub use config::{Backend, Config, LOOM_MAX_THREADS, ReplayToken, Runtime, Shard, Strategy};
#[cfg(feature = "model")]
pub use entry::{explore, explore_outcomes};
#[cfg(feature = "model")]
pub use error::Error;
#[cfg(feature = "model")]
pub use explore::{OutcomeRow, Report, Witness};
#[cfg(feature = "model")]
pub use harness::{Check, check, check_with};
#[cfg(feature = "model")]
pub use racetrace_macros::test;
#[cfg(feature = "model")]
pub use trace::Trace;
