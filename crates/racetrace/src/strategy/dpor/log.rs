//! The steps of the running execution as dpor sees them, published for the
//! rc11 memory model: which races dpor will reverse.
//!
//! A read that reads a write `w` while a later write `w'` (in coherence
//! order) of another thread was already made, or a write placed before such
//! a `w'`, builds a graph that dpor also builds in the execution where the
//! read (the write) comes before `w'`, if dpor reverses that race — which it
//! does when `w'` is the last step of its thread dependent with this one and
//! happens before no other immediate predecessor of it (see
//! [`Dpor::analyse`](super::Dpor)). [`reversed`] answers that for the
//! step being run, so that the model offers such a choice only once.

use crate::rt::Op;
use std::cell::RefCell;

struct Log {
    /// Per step: its thread, its footprint.
    steps: Vec<(usize, Op)>,
    /// Per thread: the step that created it.
    created: Vec<Option<usize>>,
    /// Happens-before data of the first `valid` steps: number within its
    /// thread (from 1) and vector clock.
    idx: Vec<usize>,
    clock: Vec<Vec<usize>>,
    valid: usize,
    /// No dpor exploration publishes here, or reversal cannot be relied
    /// on (a preemption bound may skip it).
    off: bool,
}

impl Default for Log {
    fn default() -> Self {
        Log {
            steps: Vec::new(),
            created: Vec::new(),
            idx: Vec::new(),
            clock: Vec::new(),
            valid: 0,
            off: true,
        }
    }
}

thread_local! {
    static LOG: RefCell<Log> = RefCell::new(Log::default());
}

/// Replace the steps from `from` on with `steps` (each a thread and its
/// footprint); `created`: per thread, the step that created it.
pub(super) fn publish(
    from: usize,
    steps: impl Iterator<Item = (usize, Op)>,
    created: &[Option<usize>],
) {
    LOG.with(|l| {
        let mut l = l.borrow_mut();
        l.steps.truncate(from);
        l.steps.extend(steps);
        l.valid = l.valid.min(from);
        l.created.clear();
        l.created.extend_from_slice(created);
    });
}

/// A dpor exploration starts on this thread (`bounded`: with a preemption
/// bound, under which a race may be left unreversed).
pub(super) fn start(bounded: bool) {
    LOG.with(|l| {
        *l.borrow_mut() = Log {
            off: bounded,
            ..Log::default()
        }
    });
}

/// No dpor exploration publishes here any more.
pub(crate) fn clear() {
    LOG.with(|l| *l.borrow_mut() = Log::default());
}

/// The step being run (the last one published).
pub(crate) fn current() -> Option<usize> {
    LOG.with(|l| l.borrow().steps.len().checked_sub(1))
}

impl Log {
    /// Immediate happens-before predecessors of step `k` (its thread's
    /// previous step or the step that created it; per other thread, its last
    /// step dependent with `k`).
    fn preds(&self, k: usize) -> Vec<usize> {
        let (p, op) = &self.steps[k];
        let mut preds = Vec::new();
        match (0..k).rev().find(|&j| self.steps[j].0 == *p) {
            Some(j) => preds.push(j),
            None => {
                if let Some(c) = self.created.get(*p).copied().flatten()
                    && c < k
                {
                    preds.push(c);
                }
            }
        }
        let mut found: Vec<usize> = vec![*p];
        for j in (0..k).rev() {
            let q = self.steps[j].0;
            if found.contains(&q) {
                continue;
            }
            if self.steps[j].1.dependent(op) {
                found.push(q);
                preds.push(j);
            }
        }
        preds
    }

    fn hb(&self, a: usize, b: usize) -> bool {
        let t = self.steps[a].0;
        self.clock[b].get(t).copied().unwrap_or(0) >= self.idx[a]
    }

    /// Compute the happens-before data of steps `valid..upto`.
    fn settle(&mut self, upto: usize) {
        self.idx.truncate(self.valid);
        self.clock.truncate(self.valid);
        for k in self.valid..upto {
            let p = self.steps[k].0;
            let idx = 1 + (0..k).filter(|&j| self.steps[j].0 == p).count();
            let mut clock: Vec<usize> = Vec::new();
            for j in self.preds(k) {
                if clock.len() < self.clock[j].len() {
                    clock.resize(self.clock[j].len(), 0);
                }
                for (c, v) in clock.iter_mut().zip(&self.clock[j]) {
                    *c = (*c).max(*v);
                }
            }
            if clock.len() <= p {
                clock.resize(p + 1, 0);
            }
            clock[p] = idx;
            self.idx.push(idx);
            self.clock.push(clock);
        }
        self.valid = upto;
    }
}

/// The earlier steps whose race with the step being run dpor reverses (so
/// that an execution in which this step comes first is explored): its
/// immediate predecessors of other threads, dependent with it, that happen
/// before none of its other predecessors. Empty whenever that is not
/// certain.
pub(crate) fn reversed() -> Vec<usize> {
    LOG.with(|l| {
        let mut l = l.borrow_mut();
        let Some(k) = l.steps.len().checked_sub(1) else {
            return Vec::new();
        };
        if l.off {
            return Vec::new();
        }
        l.settle(k);
        let preds = l.preds(k);
        preds
            .iter()
            .copied()
            .filter(|&j| {
                l.steps[j].0 != l.steps[k].0
                    && l.steps[j].1.dependent(&l.steps[k].1)
                    && !preds.iter().any(|&m| m != j && l.hb(j, m))
            })
            .collect()
    })
}
