//! The `dpor` exploration strategy: source-set dynamic partial-order reduction
//! with sleep sets (Abdulla, Aronis, Jonsson, Sagonas, "Optimal dynamic partial
//! order reduction", POPL 2014, Algorithm 1), driving shuttle's runtime through
//! its `Scheduler` trait: shuttle runs the tasks, racetrace decides the order.
//!
//! Each racetrace primitive announces, before the backend's scheduling point,
//! which objects its operation touches and whether it writes them
//! ([`crate::rt::Op`]); two operations are dependent when they touch a common
//! object and one writes it. A step of which nothing is known would be
//! dependent with everything (sound); a thread's first step, before its first
//! operation, touches nothing.
//!
//! Exploration is stateless: every execution re-runs the program from the
//! start, following the recorded choices down to the node being branched,
//! then choosing freely (staying on the running thread when it can, so that
//! witnesses have few preemptions). After each execution every race — two
//! dependent steps of different threads, adjacent in happens-before — is
//! reversed by adding an initial of the reversing sequence to the source set
//! of the node where the first step was taken, unless one is already there.
//! Sleep sets stop the exploration of an ordering already covered; such a cut
//! execution is not a schedule and is not reported (its count is).
//!
//! Blocking: a race whose second thread was blocked at the first step's node
//! cannot be reversed there; it is skipped, as the attempt that blocked is a
//! step of its own and its race with the holder is reversed instead.

use crate::rt::{Mode, Op, THREAD_OBJECT};
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Where the scheduler finds the running execution's announced operations.
pub(crate) trait Pending {
    /// The operation `task` announced last, if any.
    fn op(&self, task: usize) -> Option<crate::rt::Pending>;
    /// Would `task`'s next step, touching `label`, block (a mutex another
    /// thread holds)?
    fn disabled(&self, task: usize, label: &Op) -> bool;
    /// Mark the running execution as cut short by the sleep sets.
    fn prune(&self);
    /// The parts of shared data `task` reported touching since the last call
    /// (inside critical sections on a mutex whose data is reported).
    fn take_touches(&self, task: usize) -> Vec<(usize, Mode)>;
    /// Does the owner of mutex `m` report every touch of its data?
    fn is_reported(&self, m: usize) -> bool;
    /// Is object `id` a condition variable?
    fn is_condvar(&self, id: usize) -> bool;
}

/// A critical section run as one step: from the acquisition of `mutex` at
/// node `node` through its release, with no scheduling choice inside.
struct Block {
    task: usize,
    node: usize,
    mutex: usize,
    /// The release has been taken: the section ends before the next step.
    complete: bool,
}

struct Node {
    runnable: Vec<usize>,
    /// Runnable for shuttle, but about to acquire a mutex that is held.
    disabled: BTreeSet<usize>,
    ops: BTreeMap<usize, Op>,
    chosen: usize,
    backtrack: BTreeSet<usize>,
    done: BTreeSet<usize>,
    sleep: Vec<(usize, Op)>,
    /// Preemptions on the path up to and including this node's choice.
    preemptions: usize,
}

impl Node {
    /// Could `p` run here (runnable and not about to block)?
    fn enabled(&self, p: usize) -> bool {
        self.runnable.contains(&p) && !self.disabled.contains(&p)
    }
}

/// The DPOR scheduler.
pub(crate) struct Dpor {
    pending: Arc<dyn Pending + Send + Sync>,
    tree: Vec<Node>,
    pos: usize,
    started: bool,
    /// Per thread of the running execution: the step that created it (the
    /// step after which it first appeared among the runnable threads).
    created: BTreeMap<usize, usize>,
    /// Per thread: the generation of its last announcement and how many
    /// steps it has taken under it.
    performed: BTreeMap<usize, (u64, usize)>,
    /// At most this many preemptions per execution.
    bound: Option<usize>,
    /// The critical section being run as one step, if any.
    block: Option<Block>,
    /// Per thread: the node whose step it is running (reported touches are
    /// added to that step's footprint).
    acct: BTreeMap<usize, usize>,
    /// The thread that took the last step.
    last_ran: Option<usize>,
}

impl Dpor {
    pub(crate) fn new(pending: Arc<dyn Pending + Send + Sync>, bound: Option<usize>) -> Dpor {
        Dpor {
            pending,
            tree: Vec::new(),
            pos: 0,
            started: false,
            created: BTreeMap::new(),
            performed: BTreeMap::new(),
            bound,
            block: None,
            acct: BTreeMap::new(),
            last_ran: None,
        }
    }

    /// Forget the running execution's bookkeeping before the next one.
    fn reset_execution(&mut self) {
        self.pos = 0;
        self.created.clear();
        self.performed.clear();
        self.block = None;
        self.acct.clear();
        self.last_ran = None;
    }

    /// Add the touches the last thread to run reported to its step's footprint.
    fn absorb(&mut self) {
        let Some(t) = self.last_ran else { return };
        let touches = self.pending.take_touches(t);
        if touches.is_empty() {
            return;
        }
        if let Some(op) = self
            .acct
            .get(&t)
            .and_then(|&i| self.tree.get_mut(i))
            .and_then(|node| node.ops.get_mut(&t))
        {
            merge(op, &touches);
        }
    }

    /// `task` takes the step of node `i`, labelled `label`: account for it
    /// there, and run it to its release if it acquires a mutex.
    fn begin(&mut self, task: usize, i: usize, label: Op) {
        self.acct.insert(task, i);
        self.last_ran = Some(task);
        if let Some(m) = acquisition(&label) {
            self.block = Some(Block {
                task,
                node: i,
                mutex: m,
                complete: false,
            });
        }
        self.tree[i].ops.insert(task, label);
    }

    /// Inside a critical section: take its next step without a scheduling
    /// choice if it stays inside (touches only the section's condition
    /// variables and its mutex's data, or releases the mutex); otherwise
    /// close the section. Returns the thread to run, if it goes on.
    ///
    /// Sound by Lipton's reduction: an acquisition moves right, a release
    /// left, and a step on data the mutex guards commutes with every step of
    /// another thread that can run while the mutex is held. The section ends
    /// at anything else (another mutex, an atomic, a spawn, a join), which
    /// gets its own scheduling point, so a deadlock between two locks is
    /// still reached.
    fn continue_block(&mut self, ids: &[usize]) -> Option<usize> {
        let b = self.block.as_ref()?;
        let (t, m) = (b.task, b.mutex);
        let inside = !b.complete && ids.contains(&t) && {
            let label = self.label(t);
            match self.stays_inside(&label, m) {
                Some(releases) => {
                    let node = b.node;
                    if let Some(op) = self.tree.get_mut(node).and_then(|n| n.ops.get_mut(&t)) {
                        if let Op::Touch(ts) = &label {
                            merge(op, ts);
                        }
                    }
                    if releases {
                        self.block.as_mut().expect("a block").complete = true;
                    }
                    true
                }
                None => false,
            }
        };
        if inside {
            self.step_taken(t);
            self.last_ran = Some(t);
            Some(t)
        } else {
            self.finish_block();
            None
        }
    }

    /// Does a step labelled `label` stay inside a critical section on `m`?
    /// `Some(true)` if it releases `m`.
    fn stays_inside(&self, label: &Op, m: usize) -> Option<bool> {
        let Op::Touch(ts) = label else {
            return Some(false);
        };
        let mut releases = false;
        for &(x, mode) in ts {
            if x >= THREAD_OBJECT && mode == Mode::Read {
                continue; // the thread's own object
            }
            if x == m && mode == Mode::Release {
                releases = true;
            } else if !self.pending.is_condvar(x) {
                return None;
            }
        }
        Some(releases)
    }

    /// Close the running critical section. A completed one is dependent with
    /// another section on the same mutex only through what both touch when
    /// the mutex's owner reports its touches (a queue), and always otherwise
    /// (the guarded data is not watched); it stays dependent with a thread
    /// that holds the mutex across steps.
    fn finish_block(&mut self) {
        let Some(b) = self.block.take() else { return };
        if !b.complete {
            return;
        }
        let mode = if self.pending.is_reported(b.mutex) {
            Mode::Read
        } else {
            Mode::Write
        };
        if let Some(Op::Touch(ts)) = self
            .tree
            .get_mut(b.node)
            .and_then(|n| n.ops.get_mut(&b.task))
        {
            ts.retain(|(x, _)| *x != b.mutex);
            ts.push((b.mutex, mode));
        }
    }

    /// Preemptions on the path to node `i` if it chose `p`: one more than its
    /// parent's when the thread that took the previous step could go on.
    fn preemptions_if(&self, i: usize, p: usize) -> usize {
        let Some(parent) = i.checked_sub(1).map(|j| &self.tree[j]) else {
            return 0;
        };
        let prev = parent.chosen;
        parent.preemptions + usize::from(prev != p && self.tree[i].enabled(prev))
    }

    /// Does choosing `p` at node `i` stay within the preemption bound?
    fn within_bound(&self, i: usize, p: usize) -> bool {
        self.bound.is_none_or(|k| self.preemptions_if(i, p) <= k)
    }

    /// Add the race reversals of the execution just finished.
    fn analyse(&mut self) {
        let n = self.pos.min(self.tree.len());
        if n == 0 {
            return;
        }
        let proc_of: Vec<usize> = (0..n).map(|i| self.tree[i].chosen).collect();
        let op_of: Vec<Op> = (0..n)
            .map(|i| self.tree[i].ops[&self.tree[i].chosen].clone())
            .collect();
        // Dense thread indices for vector clocks.
        let mut procs: Vec<usize> = proc_of.clone();
        procs.sort_unstable();
        procs.dedup();
        let pi = |p: usize| procs.binary_search(&p).expect("known thread");
        let np = procs.len();
        // Per event: its 1-based index within its thread, and its vector clock.
        let mut idx = vec![0usize; n];
        let mut count = vec![0usize; np];
        let mut vc: Vec<Vec<usize>> = Vec::with_capacity(n);
        let mut last_of: Vec<Option<usize>> = vec![None; np];
        // Immediate predecessors of each event: its thread's previous event
        // and, per other thread, the last event dependent with it.
        let mut preds: Vec<Vec<usize>> = Vec::with_capacity(n);
        for k in 0..n {
            let p = pi(proc_of[k]);
            count[p] += 1;
            idx[k] = count[p];
            let mut clock = vec![0usize; np];
            let mut pr = Vec::new();
            match last_of[p] {
                Some(j) => pr.push(j),
                // A thread's first step follows the step that spawned it.
                None => {
                    if let Some(&c) = self.created.get(&proc_of[k])
                        && c < k
                    {
                        pr.push(c);
                    }
                }
            }
            for q in 0..np {
                if q == p {
                    continue;
                }
                if let Some(j) = (0..k)
                    .rev()
                    .find(|&j| pi(proc_of[j]) == q && op_of[j].dependent(&op_of[k]))
                {
                    pr.push(j);
                }
            }
            for &j in &pr {
                for (c, v) in clock.iter_mut().zip(&vc[j]) {
                    *c = (*c).max(*v);
                }
            }
            clock[p] = idx[k];
            vc.push(clock);
            preds.push(pr);
            last_of[p] = Some(k);
        }
        let hb = |a: usize, b: usize| vc[b][pi(proc_of[a])] >= idx[a];
        // Races with a pending acquisition that was disabled (its mutex held):
        // the thread never got to execute it while the holder held the lock,
        // so reverse it with the holder's acquisition (Flanagan and Godefroid,
        // POPL 2005: the race check for every thread's next transition).
        let mut last_before: Vec<Option<usize>> = vec![None; np];
        for s_ in 0..n {
            let disabled: Vec<usize> = self.tree[s_].disabled.iter().copied().collect();
            for p in disabled {
                let op_p = self.tree[s_].ops[&p].clone();
                let known =
                    |j: usize| match procs.binary_search(&p).ok().and_then(|q| last_before[q]) {
                        Some(l) => hb(j, l),
                        None => false,
                    };
                let Some(j) = (0..s_)
                    .rev()
                    .find(|&j| proc_of[j] != p && op_of[j].dependent(&op_p) && !known(j))
                else {
                    continue;
                };
                let node = &mut self.tree[j];
                if node.backtrack.contains(&p) {
                    continue;
                }
                if node.runnable.contains(&p) && !node.disabled.contains(&p) {
                    node.backtrack.insert(p);
                } else {
                    let enabled: Vec<usize> = node
                        .runnable
                        .iter()
                        .copied()
                        .filter(|t| !node.disabled.contains(t))
                        .collect();
                    node.backtrack.extend(enabled);
                }
            }
            last_before[pi(proc_of[s_])] = Some(s_);
        }
        // A step that takes another thread off the runnable list (a signal
        // consumed by one of several woken waiters, a mutex taken by one of
        // several woken lockers) disabled that thread's next step, which
        // therefore never appears in this execution to race with it: run
        // that thread at this node instead.
        for s_ in 0..n.saturating_sub(1) {
            let gone: Vec<usize> = self.tree[s_]
                .runnable
                .iter()
                .copied()
                .filter(|t| {
                    *t != self.tree[s_].chosen
                        && !self.tree[s_].disabled.contains(t)
                        && !self.tree[s_ + 1].runnable.contains(t)
                })
                .collect();
            let node = &mut self.tree[s_];
            for t in gone {
                if !node.sleep.iter().any(|(z, _)| *z == t) {
                    node.backtrack.insert(t);
                }
            }
        }
        for k in 0..n {
            for &j in &preds[k] {
                if proc_of[j] == proc_of[k] || !op_of[j].dependent(&op_of[k]) {
                    continue;
                }
                // A race only if no other predecessor of k already follows j.
                if preds[k].iter().any(|&m| m != j && hb(j, m)) {
                    continue;
                }
                // v = the events after j that do not follow j, then k.
                let mut v: Vec<usize> = ((j + 1)..k).filter(|&m| !hb(j, m)).collect();
                v.push(k);
                let mut initials: BTreeSet<usize> = BTreeSet::new();
                let mut seen: BTreeSet<usize> = BTreeSet::new();
                for (a, &m) in v.iter().enumerate() {
                    if !seen.insert(proc_of[m]) {
                        continue;
                    }
                    if !v[..a].iter().any(|&e| hb(e, m)) {
                        initials.insert(proc_of[m]);
                    }
                }
                let node = &mut self.tree[j];
                if initials.iter().any(|p| node.backtrack.contains(p)) {
                    continue;
                }
                let asleep: BTreeSet<usize> = node.sleep.iter().map(|(t, _)| *t).collect();
                if initials.iter().any(|p| asleep.contains(p)) {
                    continue; // already covered by an earlier branch
                }
                if let Some(&p) = initials
                    .iter()
                    .find(|p| node.runnable.contains(p) && !node.disabled.contains(p))
                {
                    node.backtrack.insert(p);
                }
            }
        }
    }

    /// What `task`'s next step touches: the label of its next step under
    /// its last announcement.
    fn label(&self, task: usize) -> Op {
        let Some(p) = self.pending.op(task) else {
            return Op::Local;
        };
        let k = match self.performed.get(&task) {
            Some(&(generation, k)) if generation == p.generation => k,
            _ => 0,
        };
        p.label(k)
    }

    /// Count a step of `task` under its last announcement.
    fn step_taken(&mut self, task: usize) {
        let generation = self.pending.op(task).map_or(0, |p| p.generation);
        let e = self.performed.entry(task).or_insert((generation, 0));
        if e.0 != generation {
            *e = (generation, 0);
        }
        e.1 += 1;
    }

    fn sleep_for_child(parent: &Node) -> Vec<(usize, Op)> {
        let p = parent.chosen;
        let op_p = &parent.ops[&p];
        let mut base: Vec<(usize, Op)> = parent.sleep.clone();
        for &d in &parent.done {
            if d != p && !base.iter().any(|(t, _)| *t == d) {
                base.push((d, parent.ops[&d].clone()));
            }
        }
        base.retain(|(_, op)| !op.dependent(op_p));
        base
    }
}

impl Scheduler for Dpor {
    fn new_execution(&mut self) -> Option<Schedule> {
        if !self.started {
            self.started = true;
            self.reset_execution();
            return Some(Schedule::new(0));
        }
        self.absorb();
        self.finish_block();
        self.analyse();
        // Branch at the deepest node with an unexplored, awake source.
        let len = self.pos.min(self.tree.len());
        self.tree.truncate(len);
        while let Some(node) = self.tree.last() {
            let i = self.tree.len() - 1;
            let asleep: BTreeSet<usize> = node.sleep.iter().map(|(t, _)| *t).collect();
            let next = node.backtrack.iter().copied().find(|&p| {
                !node.done.contains(&p)
                    && !asleep.contains(&p)
                    && node.enabled(p)
                    && self.within_bound(i, p)
            });
            match next {
                Some(p) => {
                    let preemptions = self.preemptions_if(i, p);
                    let node = self.tree.last_mut().expect("a node");
                    node.done.insert(p);
                    node.chosen = p;
                    node.preemptions = preemptions;
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
        let mut ids: Vec<usize> = runnable.iter().map(|t| usize::from(t.id())).collect();
        ids.sort_unstable();
        for &t in &ids {
            if self.pos > 0 {
                self.created.entry(t).or_insert(self.pos - 1);
            } else {
                self.created.entry(t).or_insert(usize::MAX);
            }
        }
        self.absorb();
        if let Some(t) = self.continue_block(&ids) {
            return Some(t.into());
        }
        if self.pos < self.tree.len() {
            // Replaying the prefix: the program is deterministic, so the same
            // threads are runnable.
            let c = self.tree[self.pos].chosen;
            if !ids.contains(&c) {
                return None;
            }
            let label = self.label(c);
            self.step_taken(c);
            self.begin(c, self.pos, label);
            self.pos += 1;
            return Some(c.into());
        }
        let ops: BTreeMap<usize, Op> = ids.iter().map(|&t| (t, self.label(t))).collect();
        let sleep = match self.tree.last() {
            Some(parent) => Dpor::sleep_for_child(parent),
            None => Vec::new(),
        };
        let disabled: BTreeSet<usize> = ids
            .iter()
            .copied()
            .filter(|&t| self.pending.disabled(t, &ops[&t]))
            .collect();
        let awake: Vec<usize> = ids
            .iter()
            .copied()
            .filter(|t| !sleep.iter().any(|(s, _)| s == t))
            .collect();
        let enabled: Vec<usize> = awake
            .iter()
            .copied()
            .filter(|t| !disabled.contains(t))
            .collect();
        let chosen = match current.map(usize::from) {
            Some(c) if enabled.contains(&c) => c,
            // Nothing can run but attempts that will block: let one block
            // (racetrace's deadlock detection then sees the state).
            _ => match enabled.first().or(awake.first()) {
                Some(&t) => t,
                None => {
                    // Every runnable thread sleeps: this ordering is covered.
                    self.pending.prune();
                    return None;
                }
            },
        };
        let label = ops[&chosen].clone();
        self.step_taken(chosen);
        self.tree.push(Node {
            preemptions: 0,
            disabled,
            runnable: ids,
            ops,
            chosen,
            backtrack: BTreeSet::from([chosen]),
            done: BTreeSet::from([chosen]),
            sleep,
        });
        let i = self.tree.len() - 1;
        self.tree[i].preemptions = self.preemptions_if(i, chosen);
        self.begin(chosen, i, label);
        self.pos += 1;
        Some(chosen.into())
    }

    fn next_u64(&mut self) -> u64 {
        0
    }
}

/// The mutex a step labelled `label` acquires, if that is all it does.
fn acquisition(label: &Op) -> Option<usize> {
    let Op::Touch(ts) = label else { return None };
    let mut acquired = None;
    for &(x, mode) in ts {
        match mode {
            Mode::Acquire if acquired.is_none() => acquired = Some(x),
            Mode::Read if x >= THREAD_OBJECT => {}
            _ => return None,
        }
    }
    acquired
}

/// Add `touches` to a step's footprint.
fn merge(op: &mut Op, touches: &[(usize, Mode)]) {
    match op {
        Op::Local => *op = Op::Touch(touches.to_vec()),
        Op::Touch(ts) => {
            for t in touches {
                if !ts.contains(t) {
                    ts.push(*t);
                }
            }
        }
    }
}
