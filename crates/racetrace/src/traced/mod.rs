//! racetrace's own primitives, with racetrace's API: objects named in traces
//! (`.named("balance")`), values shown at every lock (`.show_values()`), a
//! mutex and condition variable without poisoning (a panic is an outcome of
//! its own), Python's `queue.Queue` ([`sync::Queue`]), a bounded
//! [`sync::Channel`], a [`sync::Semaphore`], an RLock
//! ([`sync::ReentrantMutex`]) and a [`cell::RaceCell`] whose unsynchronised
//! accesses are reported as data races.
//!
//! The built-in patterns are written with these. Code of your own that
//! should also build on std's types in production is written against the
//! std-shaped facade instead ([`crate::traced::sync`], [`crate::traced::thread`],
//! [`crate::traced::cell`], [`crate::hint`]), which is built on these under the
//! `model` feature.

pub mod cell;
pub mod sync;
pub mod thread;
