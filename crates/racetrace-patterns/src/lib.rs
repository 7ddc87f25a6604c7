//! # racetrace-patterns
//!
//! The built-in patterns: the concurrency programs of the Python tutorials,
//! written once against racetrace's primitives. One file per pattern; each
//! declares its parameters, its variants and their specs ([`spec`]).
//!
//! This crate sits above the `racetrace` library: it holds what a user of
//! the library does not ship — the patterns, their demo workers and
//! deliberately broken fixtures ([`fixtures`]), trace files naming a pattern
//! ([`replay`]) and the fuzz harness ([`harness`]).

#![deny(missing_docs)]

pub mod async_counter;
mod count;
mod error;
pub mod fixtures;
pub mod gather;
pub mod harness;
pub mod lazy_init;
pub mod lock_order;
pub mod locked_counter;
pub mod lost_wakeup;
pub mod message_passing;
mod params;
mod pattern;
pub mod philosophers;
pub mod process_pool;
pub mod process_queue;
pub mod producer_consumer;
pub mod relock;
pub mod replay;
mod run;
pub mod sctbench;
pub mod semaphore;
pub mod spec;
pub mod spin_lock;
pub mod spsc_ring;
pub mod thread_pool;
pub mod unsafe_counter;

pub use error::Error;
pub use params::Params;
pub use pattern::{Job, ParamSpec, Pattern, Variant};
pub use run::{
    CHILD_COMMAND, CheckRow, Ran, SLOWEST, check_pattern, check_pattern_reports, check_patterns,
    check_patterns_timed, child_job, explore, explore_with,
};

/// Every built-in pattern.
pub fn all() -> &'static [&'static Pattern] {
    static ALL: [&Pattern; 17] = [
        &unsafe_counter::PATTERN,
        &locked_counter::PATTERN,
        &lock_order::PATTERN,
        &philosophers::PATTERN,
        &relock::PATTERN,
        &lost_wakeup::PATTERN,
        &producer_consumer::PATTERN,
        &thread_pool::PATTERN,
        &semaphore::PATTERN,
        &process_queue::PATTERN,
        &process_pool::PATTERN,
        &gather::PATTERN,
        &async_counter::PATTERN,
        &message_passing::PATTERN,
        &spin_lock::PATTERN,
        &spsc_ring::PATTERN,
        &lazy_init::PATTERN,
    ];
    &ALL
}

/// The pattern called `name`.
pub fn find(name: &str) -> Result<&'static Pattern, Error> {
    all()
        .iter()
        .copied()
        .find(|p| p.name == name)
        .ok_or_else(|| Error::UnknownPattern(name.to_string()))
}
