//! The watchdog: limits that hold inside a schedule — the time limit, the
//! memory budget, and an execution that makes no progress.
//!
//! The engines check their limits between schedules; a schedule that never
//! ends would never reach that check. The watchdog runs beside the exploring
//! thread and looks about 20 times a second. At the time limit or over the
//! memory budget it stops the exploration and *cancels* the running
//! execution: its threads unwind at their next racetrace operation and it is
//! not reported. An execution whose running thread makes no racetrace
//! operation for [`Config::stall_timeout`] cannot be ended that way — the
//! thread spins without yielding, or blocks in a primitive the checkers do
//! not see, on the one OS thread that runs every model thread — so the
//! watchdog reports it (outcome `no progress`) and gives up on the exploring
//! thread, which is left behind. So does a cancelled execution that has not
//! unwound a second after it was cancelled.

use super::memory::{over_budget, resident_bytes};
use super::program::NO_PROGRESS;
use super::report::Witness;
use super::tally::{RowTally, Shared, Tally};
use crate::config::{Config, Runtime};
use crate::rt::Pulse;
use crate::trace::{Trace, mark_preemptions};
use std::sync::{Arc, TryLockError};
use std::time::{Duration, Instant};

/// How often the watchdog looks.
pub(super) const TICK: Duration = Duration::from_millis(50);

/// How long a cancelled execution may take to unwind before the watchdog
/// gives up on it.
const GRACE: Duration = Duration::from_secs(1);

/// Why the watchdog gave up on the exploring thread.
pub(super) enum GaveUp {
    /// An execution made no progress (already reported as an outcome).
    NoProgress,
    /// A cancelled execution did not unwind in time.
    Late,
}

pub(super) struct Watch {
    acc: Shared,
    pulse: Arc<Pulse>,
    deadline: Option<Instant>,
    budget: Option<u64>,
    stall: Option<Duration>,
    last_beats: u64,
    last_change: Instant,
    /// Since when the watchdog has waited for a cancelled execution.
    stopping: Option<Instant>,
}

impl Watch {
    pub(super) fn new(
        acc: Shared,
        pulse: Arc<Pulse>,
        config: &Config,
        budget: Option<u64>,
        start: Instant,
    ) -> Watch {
        Watch {
            acc,
            pulse,
            deadline: config.max_duration.and_then(|d| start.checked_add(d)),
            budget,
            // Real threads block for real while another holds a lock: their
            // runs have their own time-out (`Config::real_timeout`).
            stall: (config.backend.runtime() != Runtime::Real).then_some(config.stall_timeout),
            last_beats: 0,
            last_change: start,
            stopping: None,
        }
    }

    /// Look once. `Some` when the exploring thread is given up on.
    pub(super) fn tick(&mut self) -> Option<GaveUp> {
        let now = Instant::now();
        let beats = self.pulse.beats.load(std::sync::atomic::Ordering::Relaxed);
        if beats != self.last_beats {
            self.last_beats = beats;
            self.last_change = now;
        }
        if let Some(since) = self.stopping {
            return (now.duration_since(since) >= GRACE).then_some(GaveUp::Late);
        }
        if self.deadline.is_some_and(|d| now >= d) {
            self.stop("stopped at the time limit".into(), now);
        } else if let Some(budget) = self.budget
            && let Some(rss) = resident_bytes()
            && rss > budget
        {
            self.stop(over_budget(rss, budget), now);
        } else if let Some(stall) = self.stall
            && now.duration_since(self.last_change) >= stall
            && self.no_progress(now.duration_since(self.last_change))
        {
            return Some(GaveUp::NoProgress);
        }
        None
    }

    /// Stop exploring with bound `why`, cancelling the running execution.
    /// The tally is only tried: the exploring thread holds it briefly, and
    /// the next tick tries again.
    fn stop(&mut self, why: String, now: Instant) {
        let Some(mut a) = try_lock(&self.acc) else {
            return;
        };
        if a.stop.is_none() {
            a.stop = Some(why);
        }
        if let Some(exec) = &a.current {
            exec.cancel();
        }
        self.stopping = Some(now);
    }

    /// The running execution made no racetrace operation for `idle`: record
    /// it as the outcome [`NO_PROGRESS`], with its trace so far, and stop.
    fn no_progress(&mut self, idle: Duration) -> bool {
        let Some(mut a) = try_lock(&self.acc) else {
            return false;
        };
        let Some(exec) = a.current.take() else {
            return false;
        };
        exec.cancel();
        let tid = self.pulse.thread.load(std::sync::atomic::Ordering::Relaxed);
        let fin = exec.finish();
        let who = fin
            .threads
            .get(tid)
            .cloned()
            .unwrap_or_else(|| format!("thread {tid}"));
        let why = format!(
            "no progress: thread {who} ran {} ms without a racetrace operation — a spin without yield, or a std primitive?",
            idle.as_millis()
        );
        record(&mut a, fin, why.clone());
        a.stop = Some(why);
        true
    }
}

/// Record the stuck execution as a row of its own.
fn record(a: &mut Tally, fin: crate::rt::Finished, why: String) {
    a.index += 1;
    let (allowed, verdict) = (a.judge)(NO_PROGRESS);
    let mut events = fin.events;
    let preemptions = mark_preemptions(&mut events);
    let (title, phase) = a.title_and_phase(a.index);
    let trace = Trace {
        title,
        events: crate::rt::public_events(events, &fin.names, &fin.threads),
        threads: fin.threads,
        outcome: NO_PROGRESS.into(),
        allowed,
        verdict: verdict.clone(),
        preemptions,
        deadlock: None,
        detail: Some(why),
    };
    let witness = Witness {
        schedule: a.index,
        replay: None,
        phase,
        trace,
    };
    a.rows.insert(
        NO_PROGRESS.into(),
        RowTally {
            schedules: 1,
            allowed,
            verdict,
            best: Some((preemptions, witness)),
        },
    );
}

fn try_lock(acc: &Shared) -> Option<std::sync::MutexGuard<'_, Tally>> {
    match acc.try_lock() {
        Ok(g) => Some(g),
        Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}
