//! The DPOR scheduler as a shuttle [`Scheduler`]: where to branch, and which thread runs next.

use super::{Dpor, MAX_TASKS, Node, Tasks, Wut};
use crate::rt::{Mode, Op};
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};

impl Scheduler for Dpor {
    fn new_execution(&mut self) -> Option<Schedule> {
        // Between executions, a panic stops the exploration and is reported
        // as the reason it is not exhaustive.
        assert!(
            !self.too_many,
            "dpor explores programs of at most {MAX_TASKS} threads; this one started more (use shuttle-pct, shuttle-random or fuzz)"
        );
        if !self.started {
            self.started = true;
            self.reset_execution();
            return Some(Schedule::new(0));
        }
        self.absorb();
        self.finish_block();
        self.prune_if_cut_asleep();
        if self.record
            && let Some(e) = &self.exec
            && !e.is_pruned()
            && !e.is_skipped()
        {
            let n = self.pos.min(self.tree.len());
            super::oracle::keep(
                self.tree[..n].iter().map(|node| (node.chosen, node.op())),
                &self.created,
            );
        }
        if !self.plain {
            self.analyse();
        }
        // Branch at the deepest node with an unexplored, awake source.
        let len = self.pos.min(self.tree.len());
        self.tree.truncate(len);
        while let Some(i) = self.tree.len().checked_sub(1) {
            // The same thread's step with its next data choice first.
            if Dpor::next_data_choice(&mut self.tree[i]) {
                if !self.branched_at(i) {
                    return None;
                }
                self.fresh = i;
                self.reset_execution();
                return Some(Schedule::new(0));
            }
            // Else the leftmost branch of its wake-up tree that can run
            // (one that cannot — a mutex held, beyond the preemption bound —
            // is dropped with what follows it).
            let next = loop {
                let node = &self.tree[i];
                let Some(first) = node.wut.first() else {
                    break None;
                };
                let p = first.task;
                if !node.done.contains(p)
                    && !node.sleep.iter().any(|(t, _)| *t == p)
                    && node.enabled(p)
                    && self.within_bound(i, p)
                {
                    break Some(p);
                }
                self.tree[i].wut.remove(0);
            };
            match next {
                Some(p) => {
                    let preemptions = self.preemptions_if(i, p);
                    let node = self.tree.last_mut().expect("a node");
                    node.follow = node.wut.remove(0).children;
                    node.done.insert(p);
                    node.chosen = p;
                    node.choices.clear();
                    node.preemptions = preemptions;
                    if !self.branched_at(i) {
                        return None;
                    }
                    self.fresh = i;
                    self.reset_execution();
                    return Some(Schedule::new(0));
                }
                None => {
                    self.tree.pop();
                }
            }
        }
        None
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        _is_yielding: bool,
    ) -> Option<TaskId> {
        // (The watchdog may take a cancelled execution away: looked up again.)
        if !self.exec_current || self.exec.as_ref().is_some_and(|e| e.is_cancelled()) {
            self.exec = self.pending.execution();
            self.exec_current = self.exec.is_some();
            if let Some(e) = &self.exec {
                e.set_prefix(self.group);
            }
        }
        if !self.owned
            && let Some(e) = &self.exec
        {
            e.skip(); // another shard's prefix: not counted here
        }
        if self.exec.as_ref().is_some_and(|e| e.is_pruned()) {
            // The memory model ended the run (a spin on a stale value).
            return None;
        }
        if self.too_many || runnable.iter().any(|t| usize::from(t.id()) >= MAX_TASKS) {
            // Finish this execution as it comes; the next one is not started.
            self.too_many = true;
            return runnable.first().map(|t| t.id());
        }
        let ids: Tasks = runnable.iter().map(|t| usize::from(t.id())).collect();
        let width = 128 - ids.0.leading_zeros() as usize;
        if self.created.len() < width {
            self.created.resize(width, None);
        }
        for t in ids.iter() {
            self.created[t].get_or_insert(self.pos.wrapping_sub(1));
        }
        self.absorb();
        if let Some(t) = self.continue_block(ids) {
            return Some(t.into());
        }
        if self.pos < self.tree.len() {
            // Replaying the prefix: the program is deterministic, so the same
            // threads are runnable.
            let c = self.tree[self.pos].chosen;
            if !ids.contains(c) {
                return None;
            }
            let (label, generation) = self.label_generation(c);
            self.step_taken_under(c, generation);
            self.begin(c, self.pos, Some(label));
            self.pos += 1;
            return Some(c.into());
        }
        if self.normal && !self.last_step_normal() {
            if let Some(e) = &self.exec {
                e.prune();
            }
            return None;
        }
        let ops: Vec<Op> = match &self.exec {
            Some(e) => e.pending_labels(width, &self.performed),
            None => vec![Op::Local; width],
        };
        // Under a preemption bound no sleep sets: a thread put to sleep in
        // one branch may need a preemption the bound forbids to run in its
        // place, so the ordering it stands for is not covered (Coons,
        // Musuvathi and McKinley, OOPSLA 2013).
        let sleep = match self.tree.last() {
            Some(parent) if self.bound.is_none() && !self.plain => Dpor::sleep_for_child(parent),
            _ => Vec::new(),
        };
        // A thread about to start a wait still holds the mutex the wait
        // releases (racetrace's shadow state already counts it free).
        let releasing: Vec<(usize, usize)> = ids
            .iter()
            .filter_map(|u| match &ops[u] {
                Op::Touch(ts) if ts.iter().any(|(_, mode)| *mode == Mode::Join) => ts
                    .iter()
                    .find(|(_, mode)| *mode == Mode::Release)
                    .map(|&(m, _)| (u, m)),
                _ => None,
            })
            .collect();
        let disabled: Tasks = ids
            .iter()
            .filter(|&t| {
                let Op::Touch(ts) = &ops[t] else { return false };
                ts.iter().any(|&(m, mode)| {
                    mode == Mode::Acquire && releasing.iter().any(|&(u, r)| u != t && r == m)
                }) || self
                    .exec
                    .as_ref()
                    .is_some_and(|e| e.pending_disabled(t, &ops[t]))
            })
            .collect();
        let awake: Tasks = ids
            .iter()
            .filter(|t| !sleep.iter().any(|(s, _)| s == t))
            .collect();
        let enabled: Tasks = awake.iter().filter(|&t| !disabled.contains(t)).collect();
        // A shard's prefix: a depth-first search over every thread that
        // can run (the smallest first), sleep sets cutting the orderings
        // already seen; below it dpor, in the prefixes the shard owns only.
        let prefix = self.plain
            || self.part.split()
                && self
                    .tree
                    .last()
                    .is_none_or(|p| p.prefix && p.branchings < self.prefix_branchings);
        if self.part.split() && !prefix && !self.owned {
            if let Some(e) = &self.exec {
                e.prune();
            }
            return None;
        }
        // A wake-up tree inherited from the parent's branch: its leftmost
        // step that can run here is taken (any before it cannot: dropped).
        let mut wut = self
            .tree
            .last_mut()
            .map(|parent| std::mem::take(&mut parent.follow))
            .unwrap_or_default();
        let prev = self.tree.last().map(|p| (p.chosen, p.preemptions));
        // Under a bound: the thread that ran last yielded (a spin), so a
        // switch here is free, as the trace counts preemptions.
        let after_yield = self.bound.is_some()
            && prev.is_some_and(|(p, _)| self.exec.as_ref().is_some_and(|e| e.yielded_last(p)));
        let fits = |q: usize| match (self.bound, prev) {
            (Some(k), Some((prev, before))) => {
                before
                    + usize::from(
                        prev != q && ids.contains(prev) && !disabled.contains(prev) && !after_yield,
                    )
                    <= k
            }
            _ => true,
        };
        let mut guided = None;
        while !wut.is_empty() {
            let first = wut.remove(0);
            if enabled.contains(first.task) && fits(first.task) {
                guided = Some(first);
                break;
            }
        }
        let prefix_first = enabled.first().filter(|_| prefix);
        let (chosen, follow) = match (guided, prefix_first) {
            (_, Some(first)) => {
                wut = enabled
                    .iter()
                    .skip(1)
                    .map(|t| Wut {
                        task: t,
                        op: ops[t].clone(),
                        children: Vec::new(),
                    })
                    .collect();
                (first, Vec::new())
            }
            (Some(g), None) => (g.task, g.children),
            (None, None) => {
                let chosen = match current.map(usize::from) {
                    Some(c) if enabled.contains(c) => c,
                    // Nothing can run but attempts that will block: let one block
                    // (racetrace's deadlock detection then sees the state).
                    _ => match enabled.first().or(awake.first()) {
                        Some(t) => t,
                        None => {
                            // Every runnable thread sleeps: this ordering is covered.
                            if let Some(e) = &self.exec {
                                e.prune();
                            }
                            return None;
                        }
                    },
                };
                (chosen, Vec::new())
            }
        };
        self.step_taken(chosen);
        let wut_empty = wut.is_empty();
        let prefix_sleep: Tasks = match self.tree.last() {
            Some(p) if p.prefix => sleep.iter().map(|(t, _)| *t).collect(),
            Some(p) => sleep
                .iter()
                .map(|(t, _)| *t)
                .filter(|&t| p.prefix_sleep.contains(t))
                .collect(),
            None => Tasks::default(),
        };
        self.tree.push(Node {
            preemptions: 0,
            after_yield,
            idx: 0,
            clock: Vec::new(),
            preds: Vec::new(),
            section: None,
            choices: Vec::new(),
            disabled,
            runnable: ids,
            ops,
            chosen,
            wut,
            follow,
            done: Tasks::of(chosen),
            sleep,
            branchings: self.tree.last().map_or(0, |p| p.branchings)
                + usize::from(prefix && !wut_empty),
            prefix,
            prefix_sleep,
        });
        let i = self.tree.len() - 1;
        self.tree[i].preemptions = self.preemptions_if(i, chosen);
        self.begin(chosen, i, None);
        self.pos += 1;
        Some(chosen.into())
    }

    fn next_u64(&mut self) -> u64 {
        match crate::rc11::pending_options() {
            Some(allowed) => self.data_choice(allowed) as u64,
            None => 0,
        }
    }
}
