//! Synchronisation primitives that run on every backend, mirroring `std::sync`.
//!
//! Each operation is recorded in the execution's trace. Poisoning is removed:
//! a panic is an outcome of its own, so `lock` returns the guard directly.

mod channel;
mod condvar;
mod mutex;
pub(crate) mod pipe;
mod queue;
mod reentrant;
mod semaphore;

pub mod atomic;

pub use channel::Channel;
pub use condvar::Condvar;
pub use mutex::{Mutex, MutexGuard};
pub use queue::{Empty, Full, Queue, TaskDoneError};
pub use reentrant::{ReentrantMutex, ReentrantMutexGuard};
pub use semaphore::Semaphore;

/// `std::sync::Arc`, re-exported. Reference counting is not what racetrace
/// checks, and loom's modelled `Arc` adds a branch per count change (about 3×
/// the executions on the 2×1 counter), so patterns share state with std's.
pub use std::sync::Arc;
