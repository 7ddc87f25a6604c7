//! The loom engine: every schedule loom explores, within its preemption bound.

use super::program::Body;
use super::tally::{Shared, lock};
use crate::config::Config;
use crate::rt::{self, Kind};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Thrown out of loom's model to end exploration early.
struct StopExploration;

pub(super) fn run_loom(acc: &Shared, body: &Body, config: &Config) -> Option<String> {
    let mut builder = loom::model::Builder::new();
    // Override everything loom reads from LOOM_* variables: the result must
    // depend on racetrace's configuration only.
    builder.preemption_bound = config.preemption_bound;
    // Above racetrace's step limit under loom, which ends an execution
    // first. (loom allocates room for every branch up front.)
    builder.max_branches = crate::config::LOOM_MAX_BRANCHES;
    builder.max_permutations = None;
    builder.max_duration = None;
    // The estimate's probe reads loom's path from this file (see
    // `Estimate::measure`); otherwise none is written.
    builder.checkpoint_file = config.loom_checkpoint.clone();
    builder.checkpoint_interval = crate::config::LOOM_CHECKPOINT_EVERY;
    builder.log = false;
    builder.location = false;
    builder.expect_explicit_explore = false;
    let a2 = acc.clone();
    let b2 = body.clone();
    let result = catch_unwind(AssertUnwindSafe(move || {
        builder.check(move || {
            let exec = {
                let mut a = lock(&a2);
                a.finish_current(None);
                if a.should_stop() {
                    drop(a);
                    std::panic::resume_unwind(Box::new(StopExploration));
                }
                a.begin(Kind::Loom)
            };
            exec.enter(0);
            let b = b2.clone();
            if let Some(r) = crate::traced::thread::run_thread(exec.clone(), 0, move || b()) {
                exec.set_result(r);
            }
        })
    }));
    let mut a = lock(acc);
    match result {
        Ok(()) => {
            a.finish_current(None);
            None
        }
        Err(p) => {
            if a.stop.is_some() || p.is::<StopExploration>() {
                return None;
            }
            // loom itself failed (its own deadlock detector, the branch
            // limit, …): the current execution ends with that message.
            let msg = rt::panics::message(p.as_ref());
            a.pending_failure = Some(msg.clone());
            a.finish_current(None);
            if a.cannot_explore.is_some() {
                return None;
            }
            Some(msg.lines().next().unwrap_or("").to_string())
        }
    }
}
