//! The racetrace runtime: which backend the current execution runs on, which
//! racetrace thread is running, and the shadow state every primitive keeps up
//! to date (who holds each lock, who waits on each condition variable, which
//! threads have exited).
//!
//! The shadow state serves three ends:
//! * the trace recorder (every operation appends one compact record, made
//!   into an [`Event`] only for a trace that is kept: see `rec`);
//! * deadlock detection *before* the backend sees it. loom 0.7.2 aborts the
//!   process after its own deadlock report (the unwinding drops a loom guard,
//!   which panics again: loom issue #291), and shuttle stops exploring at its
//!   first failure. racetrace notices the deadlock one step earlier — the
//!   thread about to block completes a wait-for cycle, or is the last one able
//!   to run — records it, and *abandons* the execution: every racetrace
//!   operation from then on unwinds its thread with a private marker that the
//!   thread wrapper catches, condition variables with waiters are notified so
//!   their waiters wake up and unwind too, and the execution ends normally.
//!   The backend never sees a deadlock and exploration carries on;
//! * wait-for reports: what each blocked thread waits for and what it holds.
//!
//! Under loom and shuttle one execution runs on one OS thread, so the shadow
//! state is exact. Under real threads it is updated under a mutex, with the
//! record taken *after* an acquisition and *before* a release, so that a lock
//! the shadow shows as held is really held: a cycle it reports is real.
//!
//! [`Event`]: crate::trace::Event

mod announce;
mod ctx;
mod deadlock;
mod execution;
mod footprint;
mod ids;
pub(crate) mod panics;
mod rec;
mod shadow;

pub(crate) use ctx::{
    Ctx, ObjKind, UNTRACKED, at, check_abandoned, ctx, kind, rename, thread_key, tracked, unwind,
};
pub(crate) use execution::{
    Abandon, Execution, Finished, Kind, Pulse, Special, Wake, live_executions,
};
pub(crate) use footprint::{Mode, Op, THREAD_OBJECT, conflict, part_object};
pub(crate) use ids::HashMap as IdMap;
pub(crate) use panics::install_panic_hook;
pub(crate) use rec::{Rec, public_events};
