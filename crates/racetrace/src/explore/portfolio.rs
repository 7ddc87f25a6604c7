//! The `portfolio` backend: iterative preemption bounding over dpor, with
//! short seeded PCT and random probes between the bounds, then dpor
//! unbounded — so it ends exhaustive, as dpor does.
//!
//! Deep bugs in wide programs need few preemptions (Musuvathi and Qadeer,
//! PLDI 2007; SCTBench: Thomson, Donaldson and Betts, PPoPP 2014), and
//! depth-first dpor spends its first schedules on the last threads' orders:
//! a bound of 0, then 1, then 2 reaches such a bug in tens of schedules; a
//! PCT or random probe reaches the ones a bound of 2 does not, within a few
//! hundred. The phases, in [`PLAN`]'s order, share one tally: schedules are
//! numbered and counted over all of them, every limit (schedules, time,
//! memory) holds for the whole, and the first violation stops it. Each
//! witness keeps the title, number and replay token of the phase that ran
//! it ([`Phase`]), so it replays on that phase's backend.
//!
//! The witness with the fewest preemptions: each outcome keeps the witness
//! with the fewest preemptions of all the phases (as the tally always
//! does). A probe's violation may take more preemptions than the bounds
//! dpor had finished, so the next bounds are then explored too, within a
//! budget ([`refine`]). dpor under a bound reaches every outcome within it
//! and counts preemptions as the trace marks them (checked against
//! shuttle-dfs, not proven: `tests/preemption_bound.rs`), so the witness's preemptions are the
//! fewest possible when every smaller bound finished without a violation
//! ([`Phase::clean_bound`](super::report::Phase)); otherwise they are the
//! fewest found (`docs/bug-finding.md`, "The portfolio's witnesses"), and
//! the witness is then shrunk ([`shrink`]): its preemptions taken out one at
//! a time while it still violates — fewer, not proven fewest.

mod shrink;

use super::FIRST_VIOLATION;
use super::program::Body;
use super::report::Phase;
use super::shuttle::run_shuttle;
use super::tally::{Shared, lock};
use crate::config::{Backend, Config};

/// One phase of the plan.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// dpor with this preemption bound, to completion or [`bounded_cap`].
    Bounded(usize),
    /// A seeded sample: backend, seed, schedules (PCT at its default
    /// depth, so that a trace file naming the backend and seed replays it).
    Probe(Backend, u64, u64),
    /// dpor without a bound: decides.
    Unbounded,
}

/// Schedules of one probe, at most.
const PROBE: u64 = 200;

/// Schedules of one probe, at least. A probe runs as many schedules as
/// the bounded phases before it ran, between this and [`PROBE`]: on a program
/// whose bounded searches end within a few dozen schedules, dpor unbounded
/// decides soon after, and full probes would be most of the cost (the
/// locked counter: 818 schedules where dpor alone runs 6); a wide
/// program's first bounded phase reaches its cap, a probe's share, so its
/// probes get the whole share.
const PROBE_MIN: u64 = 20;

fn probe_size(ran: u64, most: u64) -> u64 {
    ran.clamp(PROBE_MIN, most)
}

/// The phases, in order: bounds 0 and 1 (cheap, and most bugs), PCT
/// probes (SCTBench's strongest strategy on wide programs), bound 2, a PCT
/// and a random probe, then dpor unbounded.
const PLAN: &[Step] = &[
    Step::Bounded(0),
    Step::Bounded(1),
    Step::Probe(Backend::ShuttlePct, 0, PROBE),
    Step::Probe(Backend::ShuttlePct, 1, PROBE),
    Step::Bounded(2),
    Step::Probe(Backend::ShuttlePct, 2, PROBE),
    Step::Probe(Backend::ShuttleRandom, 0, PROBE),
    Step::Unbounded,
];

/// A bounded phase (and the search for a witness with fewer preemptions)
/// runs at most this many schedules — a probe's share — or as many as ran
/// before it if more: iterative bounding then costs at most about as much
/// again as the final unbounded search. (Bound 0 alone runs every order of
/// whole threads, n! on wide programs: a larger first share only delays
/// the probes that find their bugs.) A bounded phase cut short ends the bounding (a larger
/// bound would be cut too); the probes and the unbounded search go on.
const BOUNDED_MIN: u64 = PROBE;

fn bounded_cap(ran: u64) -> u64 {
    ran.max(BOUNDED_MIN)
}

/// How a phase ended.
enum Ended {
    /// Every schedule of the phase ran (a bounded dpor search: all of them
    /// within its bound), no violation.
    Done,
    /// The phase's own cap cut it.
    Cut,
    /// The exploration stops: a violation, or a limit of the whole.
    Stop,
}

/// Run the plan on this (the exploring) thread; the engine error, if any.
pub(super) fn run(acc: &Shared, body: &Body, config: &Config) -> Option<String> {
    let mut error = None;
    let mut clean: Option<usize> = None;
    // The next bound no phase has run.
    let mut next = 0;
    let mut bounding = true;
    // Schedules the probes ran.
    let mut probed = 0;
    for step in PLAN {
        if matches!(step, Step::Bounded(_)) && !bounding {
            continue;
        }
        let ran = lock(acc).index;
        let (step, cap) = match *step {
            Step::Bounded(k) => (Step::Bounded(k), Some(bounded_cap(ran))),
            Step::Probe(b, seed, n) => (Step::Probe(b, seed, probe_size(ran - probed, n)), None),
            Step::Unbounded => (Step::Unbounded, None),
        };
        let step = &step;
        let (ended, e) = phase(acc, body, config, *step, clean, cap);
        if let Step::Probe(..) = step {
            probed += lock(acc).index - ran;
        }
        if let Step::Bounded(k) = step {
            next = k + 1;
        }
        // A probe's scheduler may refuse a program (PCT wants a choice in
        // its first schedule): not the program's failure, and dpor decides.
        if !matches!(step, Step::Probe(..)) {
            error = error.or(e);
        }
        match (ended, step) {
            (Ended::Stop, _) => break,
            (Ended::Done, Step::Bounded(k)) => clean = Some(*k),
            (Ended::Cut, Step::Bounded(_)) => bounding = false,
            _ => {}
        }
    }
    let clean = refine(acc, body, config, clean, next);
    shrink::shrink(acc, body, config, clean);
    error
}

/// A violation was found with more preemptions than the bounds run so far
/// explain: explore the next bounds (from `next`) with dpor for one with
/// fewer, within
/// [`bounded_cap`] schedules in all. The exploration stays stopped at the
/// first violation whatever this finds. Returns the largest bound finished
/// without a violation.
fn refine(
    acc: &Shared,
    body: &Body,
    config: &Config,
    mut clean: Option<usize>,
    next: usize,
) -> Option<usize> {
    let (ran, fewest) = {
        let a = lock(acc);
        if a.stop.as_deref() != Some(FIRST_VIOLATION) {
            return clean;
        }
        let fewest = a
            .rows
            .values()
            .filter(|r| !r.allowed)
            .filter_map(|r| r.best.as_ref().map(|(p, _)| *p))
            .min();
        (a.index, fewest)
    };
    let Some(fewest) = fewest else { return clean };
    let end = ran + bounded_cap(ran);
    for k in next.. {
        let left = end.saturating_sub(lock(acc).index);
        if k >= fewest || left == 0 {
            break;
        }
        lock(acc).stop = None;
        let (ended, _) = phase(acc, body, config, Step::Bounded(k), clean, Some(left));
        // Found one (with at most k preemptions), cut, or a limit of the
        // whole: the exploration ends as it was, at the first violation.
        lock(acc).stop = Some(FIRST_VIOLATION.into());
        match ended {
            Ended::Done => clean = Some(k),
            Ended::Cut | Ended::Stop => break,
        }
    }
    clean
}

/// Run one phase.
fn phase(
    acc: &Shared,
    body: &Body,
    config: &Config,
    step: Step,
    clean: Option<usize>,
    cap: Option<u64>,
) -> (Ended, Option<String>) {
    let mut c = config.clone();
    c.preemption_bound = None;
    c.stop_at_first_violation = true;
    match step {
        Step::Bounded(k) => {
            c.backend = Backend::Dpor;
            c.preemption_bound = Some(k);
        }
        Step::Probe(b, seed, n) => {
            c.backend = b;
            c.seed = seed;
            c.max_schedules = Some(n);
            c.pct_depth = Config::new(b).pct_depth;
        }
        Step::Unbounded => c.backend = Backend::Dpor,
    }
    {
        let mut a = lock(acc);
        if a.stop.is_some() {
            return (Ended::Stop, None);
        }
        a.offset = a.index;
        a.phase = Some(Phase {
            backend: c.backend,
            preemption_bound: c.preemption_bound,
            seed: c.backend.seeded().then_some(c.seed),
            schedule: 0,
            clean_bound: clean,
            shrunk_from: None,
        });
        a.phase_limit = cap.map(|n| a.index + n);
        a.phase_cut = false;
        a.stop_first = true;
    }
    let e = run_shuttle(acc, body, &c, None);
    let mut a = lock(acc);
    a.phase_limit = None;
    let ended = if a.stop.is_some() {
        Ended::Stop
    } else if a.phase_cut {
        Ended::Cut
    } else {
        Ended::Done
    };
    (ended, e)
}
