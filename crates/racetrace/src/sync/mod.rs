//! `std::sync`'s API, checked. Code written against these types compiles
//! unchanged against `std::sync`, and does, when racetrace is built without
//! the `model` feature (production): this module then *is* `std::sync`.
//!
//! Under `model` each type is built on racetrace's traced primitives
//! ([`crate::traced::sync`]): every lock, wait, notification and atomic
//! operation is a scheduling point the checkers explore and a line in the
//! trace, deadlocks are reported with their wait-for cycle, and a panic
//! while a guard is held poisons the lock as std does.
//!
//! What differs from std under `model`: the constructors of `Mutex`,
//! `Condvar`, `RwLock` and `Barrier` are not `const` (a checked lock
//! registers itself with the running execution), so a `static` lock needs
//! `LazyLock`/`OnceLock`, whose `new` (and `Once::new`) are `const` (their
//! traced parts are made on first use; see [`OnceLock`] for what a `static`
//! keeps from one explored schedule to the next); `Arc` and `Weak` are
//! std's own (reference counts are not what racetrace checks, and loom's
//! modelled `Arc` triples the executions). `RwLock` prefers writers (std
//! leaves the policy open) and `mpsc`'s `recv_timeout` may time out at any
//! point of its wait (time is not modelled): see their modules.

mod barrier;
mod condvar;
mod mutex;
mod once;
mod rwlock;

pub mod atomic;
pub mod mpsc;

pub use barrier::{Barrier, BarrierWaitResult};
pub use condvar::{Condvar, WaitTimeoutResult};
pub use mutex::{Mutex, MutexGuard};
pub use once::{LazyLock, Once, OnceLock};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use std::sync::{Arc, LockResult, PoisonError, TryLockError, TryLockResult, Weak};
