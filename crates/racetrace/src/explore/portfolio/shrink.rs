//! The portfolio's witness shrinker: after a violation whose witness is not
//! shown to take the fewest preemptions (the smaller bounds could not be
//! finished), remove its preemptions greedily, one at a time.
//!
//! The witness's schedule is run again under [`Follow`], a scheduler that
//! follows its order of threads; a candidate lets the thread preempted at
//! one preemption point go on instead — until it blocks, yields or ends —
//! then follows the rest of the order (the steps that thread took early are
//! taken off its later turns; a thread that cannot run at its turn is
//! skipped; once the order runs out, the running thread goes on). Each
//! candidate is one execution, and is kept when it reaches a forbidden
//! outcome with fewer preemptions than the witness, as its trace counts
//! them ([`crate::trace::mark_preemptions`]): the same outcome as the
//! witness's if any candidate of the round (one per preemption point) does,
//! else another forbidden one — the first of the round. (Outcomes often
//! carry values: wronglock's `read 0, wrote 1, then read 5` needs its
//! second preemption to stop the other threads at the fifth increment; one
//! preemption fewer reads 8.) A kept candidate is the witness of its own
//! outcome's row; the original witness stays its row's, and under the
//! portfolio [`Report::first_violation`](crate::Report::first_violation)
//! is the forbidden witness with the fewest preemptions. After a kept
//! candidate, the new witness's preemption points are tried from its first.
//! At most [`CANDIDATES`] executions, within the run's limits (schedules,
//! time, memory), which they count towards; every candidate is counted in
//! its outcome's row.
//!
//! A shrunk witness replays from its shuttle token, which the recorder
//! wrote as the candidate ran, on the backend of the phase it was shrunk
//! from (so with the same scheduling points: dpor adds some of its own).
//! Its [`Phase::shrunk_from`] gives the preemptions of the phase's
//! schedule, and its title names that schedule: `LABEL · BACKEND ·
//! schedule N · shrunk from K preemptions`.

use super::super::program::Body;
use super::super::report::{Phase, Witness};
use super::super::shuttle::run_shuttle;
use super::super::tally::{RowTally, Shared, lock};
use super::FIRST_VIOLATION;
use crate::config::{Config, ReplayToken, Step};
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use std::cell::RefCell;
use std::rc::Rc;

/// Candidate executions (the witness's own run again included) per
/// exploration, at most.
pub(super) const CANDIDATES: u64 = 200;

/// Where a thread is preempted: the thread, and the steps it had taken.
type Point = (usize, usize);

/// Runs one execution after a schedule's order of threads. Without
/// `preempt` it follows the order exactly; with it, the running thread
/// goes on (while it can, and does not yield) except at the points in
/// `preempt`, and wherever a thread is to be chosen, the one whose next
/// step comes first in the order is (a thread past its steps in the order
/// last, then by number). Following the order's own preemption points
/// so runs the order again; leaving one out lets that thread go on until
/// it blocks, yields or ends, and the others then follow the order as far
/// as they can.
struct Follow {
    order: Vec<usize>,
    /// Per thread: the positions of its steps in `order`.
    at: Vec<Vec<usize>>,
    randoms: Vec<u64>,
    preempt: Option<Vec<Point>>,
    /// Per thread: steps taken.
    taken: Vec<usize>,
    /// Choices made, and random values handed out.
    calls: usize,
    rpos: usize,
    started: bool,
    /// This run's preemption points: where the running thread could have
    /// gone on but another was chosen.
    points: Rc<RefCell<Vec<Point>>>,
}

impl Follow {
    fn new(steps: &[Step], preempt: Option<Vec<Point>>, points: Rc<RefCell<Vec<Point>>>) -> Follow {
        let mut order = Vec::new();
        let mut randoms = Vec::new();
        for s in steps {
            match s {
                Step::Task(t) => order.push(*t),
                Step::Random(v) => randoms.push(*v),
            }
        }
        let mut at: Vec<Vec<usize>> = Vec::new();
        for (i, &t) in order.iter().enumerate() {
            if at.len() <= t {
                at.resize(t + 1, Vec::new());
            }
            at[t].push(i);
        }
        Follow {
            order,
            at,
            randoms,
            preempt,
            taken: Vec::new(),
            calls: 0,
            rpos: 0,
            started: false,
            points,
        }
    }

    fn taken(&self, t: usize) -> usize {
        self.taken.get(t).copied().unwrap_or(0)
    }

    /// Where thread `t`'s next step is in the order.
    fn next_at(&self, t: usize) -> usize {
        self.at
            .get(t)
            .and_then(|v| v.get(self.taken(t)))
            .copied()
            .unwrap_or(usize::MAX)
    }

    /// The thread to run; `cur` is the running thread if it can go on.
    fn pick(&self, runnable: &[usize], cur: Option<usize>, yielding: bool) -> Option<usize> {
        let Some(preempt) = &self.preempt else {
            // Exactly the order (a thread that cannot run: the first that can).
            return self
                .order
                .get(self.calls)
                .copied()
                .filter(|t| runnable.contains(t))
                .or_else(|| runnable.first().copied());
        };
        if let Some(c) = cur
            && !yielding
            && !preempt.contains(&(c, self.taken(c)))
        {
            return Some(c);
        }
        // A preemption passes over the running thread if another can run.
        let passed = cur.filter(|_| !yielding && runnable.len() > 1);
        runnable
            .iter()
            .copied()
            .filter(|&t| Some(t) != passed)
            .min_by_key(|&t| (self.next_at(t), t))
    }
}

impl Scheduler for Follow {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started {
            return None;
        }
        self.started = true;
        Some(Schedule::new(0))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let ids: Vec<usize> = runnable.iter().map(|r| usize::from(r.id())).collect();
        let cur = current.map(usize::from).filter(|c| ids.contains(c));
        let chosen = self.pick(&ids, cur, is_yielding)?;
        if let Some(c) = cur
            && c != chosen
            && !is_yielding
        {
            self.points.borrow_mut().push((c, self.taken(c)));
        }
        if self.taken.len() <= chosen {
            self.taken.resize(chosen + 1, 0);
        }
        self.taken[chosen] += 1;
        self.calls += 1;
        Some(chosen.into())
    }

    fn next_u64(&mut self) -> u64 {
        let v = self.randoms.get(self.rpos).copied().unwrap_or(0);
        self.rpos += 1;
        v
    }
}

/// One candidate's execution.
struct Tried {
    outcome: String,
    row: RowTally,
    /// Its preemption points (see [`Follow::points`]).
    points: Vec<Point>,
}

impl Tried {
    fn preemptions(&self) -> usize {
        self.row.best.as_ref().map_or(usize::MAX, |(p, _)| *p)
    }

    fn steps(&self) -> Option<Vec<Step>> {
        let token = self.row.best.as_ref()?.1.replay.as_ref()?;
        match token.parse() {
            Ok(ReplayToken::Shuttle(steps)) => Some(steps),
            _ => None,
        }
    }
}

/// Run `steps` once under [`Follow`] (preempting at `preempt`), on the
/// phase's backend, in a tally of its own (the exploration's rows are put
/// back as they were; [`absorb`] adds the candidate to them). `None` when
/// no execution ran to its end (a limit of the whole).
fn run_one(
    acc: &Shared,
    body: &Body,
    config: &Config,
    steps: &[Step],
    preempt: Option<Vec<Point>>,
) -> Option<Tried> {
    let rows = {
        let mut a = lock(acc);
        a.stop = None;
        a.phase_limit = None;
        a.phase_cut = false;
        a.stop_first = true;
        std::mem::take(&mut a.rows)
    };
    let points = Rc::new(RefCell::new(Vec::new()));
    let follow = Follow::new(steps, preempt, points.clone());
    let _ = run_shuttle(acc, body, config, Some(Box::new(follow)));
    let mut a = lock(acc);
    let ran = std::mem::replace(&mut a.rows, rows);
    a.stop = Some(FIRST_VIOLATION.into());
    drop(a);
    // None ran: a limit of the whole (the next candidate would meet it too).
    let (outcome, row) = ran.into_iter().next()?;
    let points = points.borrow().clone();
    Some(Tried {
        outcome,
        row,
        points,
    })
}

/// Count a candidate in the exploration's rows; its witness becomes its
/// outcome's if the outcome is new, or if `keep` (a shrink kept) and it has
/// fewer preemptions than the row's.
fn absorb(acc: &Shared, t: Tried, keep: bool) {
    let mut a = lock(acc);
    match a.rows.get_mut(&t.outcome) {
        Some(row) => {
            row.schedules += t.row.schedules;
            let fewer = match (&row.best, &t.row.best) {
                (Some((p, _)), Some((q, _))) => q < p,
                (None, Some(_)) => true,
                _ => false,
            };
            if keep && fewer {
                row.best = t.row.best;
            }
        }
        None => {
            a.rows.insert(t.outcome, t.row);
        }
    }
}

/// Title, number and phase a candidate's witness as shrunk from the `from`
/// preemptions of `origin`'s schedule: its [`Witness::schedule`] is that
/// schedule's (where the exploration found the bug), its title names it.
fn label(w: &mut Witness, origin: &Witness, label: &str, from: usize, clean: Option<usize>) {
    let Some(phase) = &origin.phase else { return };
    w.schedule = origin.schedule;
    w.trace.title = format!(
        "{label} · {} · schedule {} · shrunk from {from} preemptions",
        phase.backend, phase.schedule
    );
    w.phase = Some(Phase {
        shrunk_from: Some(from),
        clean_bound: clean,
        ..phase.clone()
    });
}

/// Shrink the witness of each forbidden outcome whose preemptions are not
/// shown to be the fewest (`clean`: the largest bound dpor finished without
/// a violation), within [`CANDIDATES`] executions in all.
pub(super) fn shrink(acc: &Shared, body: &Body, config: &Config, clean: Option<usize>) {
    let (label_text, targets) = {
        let a = lock(acc);
        if a.stop.as_deref() != Some(FIRST_VIOLATION) {
            return;
        }
        let shown = clean.map_or(0, |k| k + 1);
        let targets: Vec<(String, usize, Witness)> = a
            .rows
            .iter()
            .filter(|(_, r)| !r.allowed)
            .filter_map(|(o, r)| r.best.as_ref().map(|(p, w)| (o.clone(), *p, w.clone())))
            .filter(|(_, p, w)| *p > shown && w.phase.is_some())
            .collect();
        (a.label.clone(), targets)
    };
    let (phase, offset) = {
        let a = lock(acc);
        (a.phase.clone(), a.offset)
    };
    let mut budget = CANDIDATES;
    for (outcome, from, witness) in targets {
        let Some(origin) = witness.phase.clone() else {
            continue;
        };
        let Some(Ok(ReplayToken::Shuttle(mut steps))) =
            witness.replay.as_deref().map(str::parse::<ReplayToken>)
        else {
            continue;
        };
        let mut c = config.clone();
        c.backend = origin.backend;
        c.preemption_bound = origin.preemption_bound;
        c.seed = origin.seed.unwrap_or(config.seed);
        c.replay = None;
        c.stop_at_first_violation = true;
        // The witness's own schedule again, to learn its preemption points
        // (and that it runs the same under `Follow`).
        if budget == 0 {
            break;
        }
        budget -= 1;
        let Some(mut exact) = run_one(acc, body, &c, &steps, None) else {
            break;
        };
        if let Some((_, w)) = exact.row.best.as_mut() {
            label(w, &witness, &label_text, from, clean);
        }
        let same = exact.outcome == outcome && exact.preemptions() == from;
        let mut points = exact.points.clone();
        absorb(acc, exact, false);
        if !same {
            continue;
        }
        let mut best = from;
        let mut outcome = outcome;
        let mut i = 0;
        let mut limited = false;
        // This round's first candidate reaching another forbidden outcome
        // with fewer preemptions, kept if none reaches the same one.
        let mut other: Option<Tried> = None;
        loop {
            if i >= points.len() || budget == 0 || limited {
                let Some(t) = other.take() else { break };
                let Some(s) = t.steps() else { break };
                (best, steps, points, outcome, i) =
                    (t.preemptions(), s, t.points.clone(), t.outcome.clone(), 0);
                absorb(acc, t, true);
                if limited {
                    break;
                }
                continue;
            }
            budget -= 1;
            let mut without = points.clone();
            without.remove(i);
            let Some(mut t) = run_one(acc, body, &c, &steps, Some(without)) else {
                limited = true;
                continue;
            };
            i += 1;
            if let Some((_, w)) = t.row.best.as_mut() {
                label(w, &witness, &label_text, from, clean);
            }
            let fewer = !t.row.allowed && t.preemptions() < best && t.steps().is_some();
            if fewer && t.outcome == outcome {
                if let Some(o) = other.take() {
                    absorb(acc, o, false);
                }
                let s = t.steps().unwrap_or_default();
                (best, steps, points, i) = (t.preemptions(), s, t.points.clone(), 0);
                absorb(acc, t, true);
            } else if fewer && other.is_none() {
                other = Some(t);
            } else {
                absorb(acc, t, false);
            }
        }
        if limited {
            break;
        }
    }
    let mut a = lock(acc);
    a.phase = phase;
    a.offset = offset;
    a.stop = Some(FIRST_VIOLATION.into());
}
