//! For tests: the executions `dpor` ran, as the steps it labelled, and a
//! plain depth-first mode of its scheduler (every thread that can run, at
//! every node, no sleep sets, no race analysis) — what an independent count
//! of Mazurkiewicz traces needs (`tests/trace_count_oracle.rs`).
//!
//! The labels (what each step touched, a critical section being one step)
//! and [`Label::dependent`] define the equivalence dpor reduces by; the
//! plain mode shares them with dpor, but none of its exploration.
//!
//! Global state: one recording at a time in a process (callers serialise).

use crate::rt::{Mode, Op};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

const OFF: u8 = 0;
const RECORD: u8 = 1;
const PLAIN: u8 = 2;
const NORMAL: u8 = 3;

static MODE: AtomicU8 = AtomicU8::new(OFF);
static RECORDED: Mutex<Vec<Vec<Step>>> = Mutex::new(Vec::new());

/// What a step touched, as dpor saw it once the step was over (a critical
/// section's whole footprint), in a canonical order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label(Vec<(usize, u8)>);

impl Label {
    fn of(op: &Op) -> Label {
        let mut v: Vec<(usize, u8)> = match op {
            Op::Local => Vec::new(),
            Op::Touch(ts) => ts.iter().map(|&(x, m)| (x, code(m))).collect(),
        };
        v.sort_unstable();
        v.dedup();
        Label(v)
    }

    fn op(&self) -> Op {
        if self.0.is_empty() {
            return Op::Local;
        }
        Op::Touch(self.0.iter().map(|&(x, m)| (x, mode_of(m))).collect())
    }

    /// dpor's dependency relation ([`Op::dependent`]).
    pub fn dependent(&self, other: &Label) -> bool {
        self.op().dependent(&other.op())
    }
}

fn code(m: Mode) -> u8 {
    match m {
        Mode::Read => 0,
        Mode::Write => 1,
        Mode::Acquire => 2,
        Mode::Release => 3,
        Mode::Join => 4,
        Mode::Await => 5,
        Mode::Consume => 6,
        Mode::Section => 7,
    }
}

fn mode_of(c: u8) -> Mode {
    match c {
        0 => Mode::Read,
        1 => Mode::Write,
        2 => Mode::Acquire,
        3 => Mode::Release,
        4 => Mode::Join,
        5 => Mode::Await,
        6 => Mode::Consume,
        _ => Mode::Section,
    }
}

/// One step of a recorded execution.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Step {
    /// The shuttle task that took it.
    pub thread: usize,
    /// What it touched.
    pub label: Label,
    /// For a thread's first step: the index of the step after which the
    /// thread appeared (`None`: at the start).
    pub spawned_after: Option<usize>,
}

/// How the dpor explorations started under [`record`] search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Search {
    /// As always (wake-up trees, sleep sets).
    Dpor,
    /// Every interleaving: every thread that can run, at every step (a
    /// critical section is still one step). No reduction.
    Plain,
    /// As `Plain`, but an execution whose steps so far are not in
    /// lexicographic normal form (by thread, under [`Label::dependent`]) is
    /// cut there: Anisimov and Knuth — a word is in normal form iff it has
    /// no factor `b u a` with `a`'s thread below `b`'s and `a` independent
    /// of `b` and of all of `u`, and every prefix of a normal word is
    /// normal. So the complete executions are the normal forms, one per
    /// trace, when commuting two independent steps changes no label.
    Normal,
}

/// Run `f` with every complete execution (a schedule: not cut by sleep
/// sets, not another shard's) of every dpor exploration it starts recorded,
/// those explorations searching as `search` says. Not re-entrant.
pub fn record<R>(search: Search, f: impl FnOnce() -> R) -> (R, Vec<Vec<Step>>) {
    RECORDED.lock().unwrap_or_else(|p| p.into_inner()).clear();
    let mode = match search {
        Search::Dpor => RECORD,
        Search::Plain => PLAIN,
        Search::Normal => NORMAL,
    };
    MODE.store(mode, Ordering::SeqCst);
    let r = f();
    MODE.store(OFF, Ordering::SeqCst);
    let runs = std::mem::take(&mut *RECORDED.lock().unwrap_or_else(|p| p.into_inner()));
    (r, runs)
}

/// (Record, plain, normal only) for a dpor exploration starting now.
pub(super) fn mode() -> (bool, bool, bool) {
    match MODE.load(Ordering::SeqCst) {
        OFF => (false, false, false),
        RECORD => (true, false, false),
        PLAIN => (true, true, false),
        _ => (true, true, true),
    }
}

/// Keep an execution's steps: per step its thread and footprint; per
/// thread the step after which it appeared.
pub(super) fn keep<'a>(steps: impl Iterator<Item = (usize, &'a Op)>, created: &[Option<usize>]) {
    let mut seen = Vec::new();
    let run: Vec<Step> = steps
        .map(|(t, op)| {
            let first = !seen.contains(&t);
            if first {
                seen.push(t);
            }
            Step {
                thread: t,
                label: Label::of(op),
                spawned_after: if first {
                    created
                        .get(t)
                        .copied()
                        .flatten()
                        .filter(|&c| c != usize::MAX)
                } else {
                    None
                },
            }
        })
        .collect();
    RECORDED.lock().unwrap_or_else(|p| p.into_inner()).push(run);
}
