//! SCTBench-style programs: the small C benchmarks of Thomson, Donaldson
//! and Betts, "Concurrency testing using controlled schedulers: an
//! empirical study" (PPoPP 2014; TOPC 2016), written again from their
//! descriptions with racetrace's primitives, each as the seeded bug and
//! with the bug removed. Their threads are many and their bugs shallow in
//! preemptions but deep in a depth-first order: the programs behind the
//! portfolio backend (`docs/bug-finding.md`).
//!
//! A separate registry ([`all`]): `racetrace check` does not run them (the
//! main job stays fast); `benches/bug_finding.rs` and `tests/sctbench.rs` do.
//! Each program checks what the original asserts and returns [`OK`] when
//! the assertion held (or a deadlock, which the explorer reports itself).

pub mod account;
pub mod bluetooth;
pub mod carter;
pub mod reorder;
pub mod token_ring;
pub mod twostage;
pub mod wronglock;

use crate::error::Error;
use crate::pattern::{Job, Params, Pattern};
use racetrace::Backend;

/// The outcome of a run whose assertion held.
pub const OK: &str = "ok";

/// Only [`OK`] is allowed.
fn only_ok(_: &Params, o: &str) -> bool {
    o == OK
}

/// The runs a buggy variant is checked with.
const BUG_JOBS: &[Job] = &[
    Job::on(Backend::Portfolio),
    Job::on(Backend::Dpor),
    Job::sampled(Backend::ShuttlePct, 1000),
];

/// The runs a fixed variant is checked with (exhaustive).
const FIXED_JOBS: &[Job] = &[Job::on(Backend::Portfolio), Job::on(Backend::Dpor)];

/// Every SCTBench-style program.
pub fn all() -> &'static [&'static Pattern] {
    static ALL: [&Pattern; 8] = [
        &reorder::REORDER_5,
        &reorder::REORDER_10,
        &wronglock::PATTERN,
        &twostage::PATTERN,
        &token_ring::PATTERN,
        &carter::PATTERN,
        &bluetooth::PATTERN,
        &account::PATTERN,
    ];
    &ALL
}

/// The SCTBench-style program called `name`.
pub fn find(name: &str) -> Result<&'static Pattern, Error> {
    all()
        .iter()
        .copied()
        .find(|p| p.name == name)
        .ok_or_else(|| Error::UnknownPattern(name.to_string()))
}
