//! The `dpor` exploration strategy: optimal dynamic partial-order reduction
//! with wake-up trees and sleep sets (Abdulla, Aronis, Jonsson, Sagonas,
//! "Source sets: a foundation for optimal dynamic partial order reduction",
//! JACM 2017, Algorithm 2), driving shuttle's runtime through its
//! `Scheduler` trait: shuttle runs the tasks, racetrace decides the order.
//!
//! Each racetrace primitive announces, before the backend's scheduling point,
//! which objects its operation touches and how ([`crate::rt::Op`]); two
//! operations are dependent when they touch a common object in conflicting
//! modes (see [`crate::rt::Mode`]). A step of which nothing is known would be
//! dependent with everything (sound); a thread's first step, before its first
//! operation, touches nothing.
//!
//! A critical section is one step: from the acquisition of a mutex through
//! its release the scheduler makes no choice, as long as what the thread
//! does in between is the mutex's own business — its data, notifications,
//! the start of a wait on a condition variable (which releases the mutex).
//! That is Lipton's reduction: an acquisition commutes to the right, a
//! release to the left, and a step on data the mutex guards with every step
//! another thread can take while the mutex is held. Anything else (another
//! mutex, an atomic, a spawn, a join) ends the section with a scheduling
//! point of its own, so a deadlock between two locks is still reached. A
//! finished section is dependent with another section on the same mutex —
//! unless the mutex belongs to a primitive that reports which parts of its
//! data each section touches (a [`crate::traced::sync::Queue`]: its items, its count
//! of unfinished tasks), when sections that touch different parts commute.
//!
//! Exploration is stateless: every execution re-runs the program from the
//! start, following the recorded choices down to the node being branched,
//! then the branch of that node's wake-up tree it takes, then choosing
//! freely (staying on the running thread when it can, so that witnesses
//! have few preemptions). After each execution every race — two dependent
//! steps of different threads, adjacent in happens-before — is reversed by
//! inserting into the wake-up tree of the node where the first step was
//! taken the sequence that reverses it: the steps after the first that do
//! not follow it, then the second. Nothing is inserted when a thread
//! explored or asleep at that node can start the sequence (it is covered),
//! and a sequence that an existing branch starts is not added twice
//! (`insert_sequence`). Only races ending in the part of the execution that
//! is new since the last one are looked for. Sleep sets stop the
//! exploration of an ordering already covered; such a cut execution is not
//! a schedule and is not reported (its count is). With wake-up trees no
//! execution is cut on programs whose steps commute as their footprints
//! say; the rules for blocking below can still cut a few.
//!
//! A reversing sequence must be runnable from its node: an acquisition
//! follows the release of its mutex there (the two are independent for the
//! races, never being both enabled, but the acquisition cannot run first).
//!
//! Blocking: a race whose second thread was blocked at the first step's node
//! cannot be reversed there; it is skipped, as the attempt that blocked is a
//! step of its own and its race with the holder is reversed instead. The
//! next step of a thread that never took it — an acquisition of a held
//! mutex, or any thread's pending step when the execution ended, e.g. the
//! wait that racetrace's deadlock detection stopped just before it blocked —
//! is raced against the execution as Flanagan and Godefroid (POPL 2005) race
//! every thread's next transition. When each thread that could start a
//! reversing sequence is about to take a mutex held at its node, every
//! thread that can run there is tried instead, as they do; a join waiting
//! for the thread of the race's first step has nothing to reverse.

pub(crate) mod log;
#[doc(hidden)]
pub mod oracle;
mod scheduler;
mod tasks;

use crate::Shard;
use crate::rt::{Execution, IdMap, Mode, Op, THREAD_OBJECT, conflict};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
pub(crate) use tasks::MAX_TASKS;
use tasks::Tasks;

/// Where the scheduler finds the running execution: its threads' announced
/// operations, reported touches, held mutexes.
pub(crate) trait Pending {
    fn execution(&self) -> Option<Arc<Execution>>;
}

/// A critical section run as one step: from the acquisition of `mutex` at
/// node `node` through its release, with no scheduling choice inside.
struct Block {
    task: usize,
    node: usize,
    mutex: usize,
    /// The release has been taken: the section ends before the next step.
    complete: bool,
    /// Condition variables notified inside the section.
    notified: Vec<usize>,
}

struct Node {
    runnable: Tasks,
    /// Runnable for shuttle, but about to acquire a mutex that is held.
    disabled: Tasks,
    /// Per task id: what its next step touches (the chosen one's: what its
    /// step touched, once taken).
    ops: Vec<Op>,
    chosen: usize,
    /// The wake-up tree: sequences of steps still to explore from here,
    /// each a race reversal (the chosen step's branch is not in it).
    wut: Vec<Wut>,
    /// The rest of the wake-up tree below the chosen step: the next node's.
    follow: Vec<Wut>,
    done: Tasks,
    sleep: Vec<(usize, Op)>,
    /// Preemptions on the path up to and including this node's choice.
    preemptions: usize,
    /// The thread that ran the step before yielded (bounded runs only): a
    /// switch here is not a preemption, as the trace counts them.
    after_yield: bool,
    /// Happens-before data of this node's step, from the last analysis: its
    /// number within its thread (from 1), its vector clock (by task id) and
    /// its immediate predecessors.
    idx: usize,
    clock: Vec<usize>,
    preds: Vec<usize>,
    /// The mutex this node's step acquired, when it ran a critical section
    /// (or its start) as one step.
    section: Option<usize>,
    /// The data choices this node's step made, in order: how many options
    /// each had and which one it took (the rc11 memory model's choice of
    /// the write a read reads, or of a write's place in coherence order).
    choices: Vec<(Vec<usize>, usize)>,
    /// Part of the prefix a shard is chosen by (`Config::shard`): explored
    /// depth-first, every thread that can run, with sleep sets.
    prefix: bool,
    /// Nodes with an alternative up to this one, this one included (in
    /// the prefix only).
    branchings: usize,
    /// The threads of `sleep` put to sleep in the prefix (their branch was
    /// searched depth-first: everything that starts with their step is
    /// covered, but not every sequence their step commutes with).
    prefix_sleep: Tasks,
}

impl Node {
    /// Could `p` run here (runnable and not about to block)?
    fn enabled(&self, p: usize) -> bool {
        self.runnable.contains(p) && !self.disabled.contains(p)
    }

    /// What this node's step touched.
    fn op(&self) -> &Op {
        &self.ops[self.chosen]
    }
}

/// The part of the exploration tree one dpor run explores. Every part but
/// the whole enumerates the tree's prefixes (its first few choices with
/// alternatives, searched depth-first) in the same order, numbered from 0,
/// and explores below some of them only; what lies below a prefix does not
/// depend on which other prefixes the run explored.
#[derive(Clone)]
pub(crate) enum Part {
    /// The whole tree.
    Whole,
    /// `Config::shard`: the prefixes `index - 1`, `index - 1 + total`, …
    Shard(Shard),
    /// One prefix, at the depth of a `jobs` split (the replay of a split
    /// run's witness, `Config::prefix`).
    Prefix(usize),
    /// `Config::jobs`: the prefixes this run claims first, as threads that
    /// share `Claims` reach them.
    Claims(Arc<Claims>),
}

impl Part {
    fn split(&self) -> bool {
        !matches!(self, Part::Whole)
    }

    /// How many choices with alternatives the prefix has: enough prefixes
    /// to share out, about 4^depth ≥ parts², with two threads racing at
    /// each of the prefix's choices. A `jobs` split is cut as 8 shards are.
    fn branchings(&self) -> usize {
        let parts = match self {
            Part::Whole => return 0,
            Part::Shard(s) => s.total,
            Part::Prefix(_) | Part::Claims(_) => JOBS_PARTS,
        };
        2 + 2 * (usize::BITS - (parts.max(1) - 1).leading_zeros()) as usize
    }

    /// Does this run explore below prefix `group`?
    fn owns(&self, group: usize) -> bool {
        match self {
            Part::Whole => true,
            Part::Shard(s) => s.owns(group),
            Part::Prefix(p) => group == *p,
            Part::Claims(c) => c.claim(group),
        }
    }

    /// Is every prefix from `group` on none of this run's business?
    fn past(&self, group: usize) -> bool {
        match self {
            Part::Prefix(p) => group > *p,
            Part::Claims(c) => group > c.lowest_violation(),
            Part::Whole | Part::Shard(_) => false,
        }
    }
}

/// The prefixes a `jobs` split's threads have claimed: each thread
/// enumerates every prefix in the same order and explores below those it
/// reaches first, so the threads share the tree out as they go, a fast
/// thread taking more (work stealing at the prefixes' grain).
#[derive(Debug)]
pub(crate) struct Claims {
    taken: Mutex<Vec<bool>>,
    /// Under `Config::stop_at_first_violation`: the lowest prefix a
    /// violation was found below (`usize::MAX`: none yet). The prefixes
    /// above it are left out.
    lowest: AtomicUsize,
}

impl Claims {
    pub(crate) fn new() -> Claims {
        Claims {
            taken: Mutex::new(Vec::new()),
            lowest: AtomicUsize::new(usize::MAX),
        }
    }

    /// Prefix `group` for the caller, if no one took it before.
    fn claim(&self, group: usize) -> bool {
        let mut taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
        if taken.len() <= group {
            taken.resize(group + 1, false);
        }
        !std::mem::replace(&mut taken[group], true)
    }

    pub(crate) fn found_violation(&self, group: usize) {
        self.lowest.fetch_min(group, Ordering::SeqCst);
    }

    pub(crate) fn lowest_violation(&self) -> usize {
        self.lowest.load(Ordering::SeqCst)
    }
}

/// [`crate::Config::jobs`]: the tree is cut at the depth that this many
/// shards would cut it, and a split with a schedule limit runs this many
/// shards. Shards differ much in size, so more shards than threads
/// balance the load, but each pays for the prefix search: on
/// producer–consumer `task-done-join` (62,904 schedules, 3.9 s whole),
/// 8 shards run one by one took 4.1 s, the longest 0.93 s; 16 shards
/// 4.4 s, the longest 0.46 s (2026-12-01, a quiet 2-core machine). Fixed,
/// whatever the number of threads, so that a run's report is the same for
/// every `jobs` above 1 and so on every machine.
pub(crate) const JOBS_PARTS: usize = 8;

/// The DPOR scheduler.
pub(crate) struct Dpor {
    pending: Arc<dyn Pending + Send + Sync>,
    /// The running execution (fetched at the scheduling points of an
    /// execution until it is there: it stays the same to the execution's
    /// end, unless the watchdog cancels it and takes it away).
    exec: Option<Arc<Execution>>,
    /// `exec` is the running execution's.
    exec_current: bool,
    tree: Vec<Node>,
    pos: usize,
    started: bool,
    /// Per thread of the running execution: the step that created it (the
    /// step after which it first appeared among the runnable threads).
    created: Vec<Option<usize>>,
    /// Per thread: the generation of its last announcement and how many
    /// steps it has taken under it.
    performed: Vec<Option<(u64, usize)>>,
    /// At most this many preemptions per execution.
    bound: Option<usize>,
    /// Nodes from this one on were not analysed with their current step.
    fresh: usize,
    /// The critical section being run as one step, if any.
    block: Option<Block>,
    /// Per thread: the node whose step it is running (reported touches are
    /// added to that step's footprint).
    acct: Vec<usize>,
    /// The thread that took the last step.
    last_ran: Option<usize>,
    /// The program started more than [`MAX_TASKS`] threads.
    too_many: bool,
    /// The next data choice of the running step (an index into its node's
    /// `choices`).
    choice: usize,
    /// The first node whose footprint changed since the steps were last
    /// published to [`log`].
    dirty: usize,
    /// Explore only this part of the tree.
    part: Part,
    /// The prefix has this many nodes with alternatives.
    prefix_branchings: usize,
    /// The prefix the running execution is under (numbered in the order
    /// of the depth-first search), and whether this shard owns it.
    group: usize,
    owned: bool,
    /// Record every complete execution's steps ([`oracle`]).
    record: bool,
    /// Search every interleaving, no reduction ([`oracle`]).
    plain: bool,
    /// ... in lexicographic normal form only ([`oracle::Search::Normal`]).
    normal: bool,
}

impl Dpor {
    pub(crate) fn new(
        pending: Arc<dyn Pending + Send + Sync>,
        bound: Option<usize>,
        part: Part,
    ) -> Dpor {
        log::start(bound.is_some());
        let (record, plain, normal) = oracle::mode();
        let prefix_branchings = part.branchings();
        let owned = part.owns(0);
        Dpor {
            pending,
            exec: None,
            exec_current: false,
            tree: Vec::new(),
            pos: 0,
            started: false,
            created: Vec::new(),
            performed: Vec::new(),
            bound,
            fresh: 0,
            block: None,
            acct: Vec::new(),
            last_ran: None,
            too_many: false,
            choice: 0,
            dirty: 0,
            part,
            prefix_branchings,
            group: 0,
            owned,
            record,
            plain,
            normal,
        }
    }

    /// A branch was taken at node `i`: a new prefix if `i` is in it.
    /// `false` if the run has no more to explore.
    fn branched_at(&mut self, i: usize) -> bool {
        if self.tree[i].prefix {
            self.group += 1;
            if self.part.past(self.group) {
                return false;
            }
            self.owned = self.part.owns(self.group);
        }
        true
    }

    /// The execution that just ended was cut short (a deadlock, a panic)
    /// while a thread slept whose step cannot block: that step, which
    /// commutes with every step taken since it was put to sleep, was never
    /// taken. The same execution with
    /// that step first ends the same way, and the branch that began with
    /// it covered that one: count this one as covered (pruned), as if the
    /// sleeping thread had been the only one left to run. A split run's
    /// prefix, which branches on every thread, makes such executions (on
    /// `relock`, a thread's self-deadlock run with `main`'s spawn of the
    /// other thread left asleep), and without this the split counted them
    /// where the whole exploration does not; no whole exploration of the
    /// 49 pattern variants ends one (2026-12-01).
    fn prune_if_cut_asleep(&self) {
        if self.bound.is_some() || self.plain {
            return; // no sleep sets
        }
        let Some(e) = &self.exec else { return };
        if e.is_pruned() || e.is_skipped() {
            return;
        }
        let n = self.pos.min(self.tree.len());
        let Some(last) = n.checked_sub(1).map(|i| &self.tree[i]) else {
            return;
        };
        // Only a step that cannot block: one that could (an acquisition, a
        // wake-up, a join) may not be possible where the execution ended.
        let cannot_block = |op: &Op| match op {
            Op::Local => true,
            Op::Touch(ts) => ts
                .iter()
                .all(|(_, mode)| matches!(mode, Mode::Read | Mode::Write | Mode::Release)),
        };
        if Dpor::sleep_for_child(last)
            .iter()
            .any(|(_, op)| cannot_block(op))
        {
            e.prune();
        }
    }

    /// [`oracle::Search::Normal`]: are the steps taken so far in
    /// lexicographic normal form, given that those before the last are?
    /// Not if the last step commutes with every step back to one of a
    /// higher thread.
    fn last_step_normal(&self) -> bool {
        let Some(k) = self.tree.len().checked_sub(1) else {
            return true;
        };
        let a = &self.tree[k];
        let spawn = self.created.get(a.chosen).copied().flatten();
        for j in (0..k).rev() {
            let b = &self.tree[j];
            if b.chosen == a.chosen || spawn == Some(j) || b.op().dependent(a.op()) {
                return true;
            }
            if b.chosen > a.chosen {
                return false;
            }
        }
        true
    }

    /// Forget the running execution's bookkeeping before the next one.
    fn reset_execution(&mut self) {
        self.exec_current = false;
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
        let Some(exec) = &self.exec else { return };
        let touches = exec.take_touches(t);
        if touches.is_empty() {
            return;
        }
        if let Some(&i) = self.acct.get(t)
            && let Some(op) = self.tree.get_mut(i).and_then(|node| node.ops.get_mut(t))
        {
            merge(op, &touches.parts);
            // A failed compare-and-swap only read: two of them commute.
            if let Op::Touch(ts) = op {
                for (x, mode) in ts.iter_mut() {
                    if *mode == Mode::Write && touches.read_only.contains(x) {
                        *mode = Mode::Read;
                    }
                }
            }
            self.dirty = self.dirty.min(i);
        }
    }

    /// `task` takes the step of node `i`, labelled `label` (`None`: as the
    /// node's entry for it says already): account for it there, and run it
    /// to its release if it acquires a mutex.
    fn begin(&mut self, task: usize, i: usize, label: Option<Op>) {
        if let Some(label) = label {
            self.tree[i].ops[task] = label;
        }
        self.choice = 0;
        set(&mut self.acct, task, i);
        self.last_ran = Some(task);
        self.tree[i].section = None;
        if let Some(m) = acquisition(&self.tree[i].ops[task]) {
            // A `try_lock` another thread is about to make sees whether the
            // mutex is held: the release no longer moves left past it, and
            // the section's steps need scheduling points of their own.
            // (The node's entries for other threads may hold what they did
            // when explored from here before: their next steps are asked.)
            let release = Op::Touch(vec![(m, Mode::Release)]);
            let observed = self.tree[i]
                .runnable
                .iter()
                .any(|u| u != task && self.label_is(u, |op| op.dependent(&release)));
            if !observed {
                self.tree[i].section = Some(m);
                self.block = Some(Block {
                    task,
                    node: i,
                    mutex: m,
                    complete: false,
                    notified: Vec::new(),
                });
            }
        }
        if !crate::rc11::active() {
            return; // nobody reads the steps: no copy on plain dpor's path
        }
        // Publish the steps up to this one for the rc11 model.
        let from = self.dirty.min(i);
        log::publish(
            from,
            self.tree[from..=i]
                .iter()
                .map(|n| (n.chosen, n.op().clone())),
            &self.created,
        );
        self.dirty = usize::MAX;
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
    fn continue_block(&mut self, ids: Tasks) -> Option<usize> {
        let b = self.block.as_ref()?;
        let (t, m) = (b.task, b.mutex);
        let mut generation = 0;
        let inside = !b.complete && ids.contains(t) && {
            let label;
            (label, generation) = self.label_generation(t);
            match self.stays_inside(&label, m, &b.notified) {
                Some((releases, notifies)) => {
                    let node = b.node;
                    if let Some(b) = self.block.as_mut() {
                        b.notified.extend(notifies);
                    }
                    if let Some(op) = self.tree.get_mut(node).and_then(|n| n.ops.get_mut(t)) {
                        if let Op::Touch(ts) = &label {
                            merge(op, ts);
                        }
                    }
                    self.dirty = self.dirty.min(node);
                    if releases {
                        self.block.as_mut().expect("a block").complete = true;
                    }
                    true
                }
                None => false,
            }
        };
        if inside {
            self.step_taken_under(t, generation);
            self.last_ran = Some(t);
            Some(t)
        } else {
            self.finish_block();
            None
        }
    }

    /// Does a step labelled `label` stay inside a critical section on `m`
    /// that has notified the condition variables `notified`? If so: does it
    /// release `m`, and which condition variables does it notify.
    ///
    /// A notification stays inside only if every thread it can wake waits
    /// with `m` (and so cannot act before the section ends), and only once
    /// per condition variable: a thread that starts waiting between two
    /// notifications is woken by the second only.
    fn stays_inside(&self, label: &Op, m: usize, notified: &[usize]) -> Option<(bool, Vec<usize>)> {
        let Op::Touch(ts) = label else {
            return Some((false, Vec::new()));
        };
        let exec = self.exec.as_ref()?;
        let mut releases = false;
        let mut notifies = Vec::new();
        for &(x, mode) in ts {
            if x >= THREAD_OBJECT && mode == Mode::Read {
                continue; // the thread's own object
            }
            if x == m && mode == Mode::Release {
                releases = true;
            } else if !exec.is_condvar(x) {
                return None;
            } else if mode == Mode::Write {
                if notified.contains(&x) || !exec.waiters_wait_with(x, m) {
                    return None;
                }
                notifies.push(x);
            }
        }
        Some((releases, notifies))
    }

    /// Close the running critical section. A completed one is dependent with
    /// another section on the same mutex only through what both touch when
    /// the mutex's owner reports its touches (a queue), and always otherwise
    /// (the guarded data is not watched); it stays dependent with a thread
    /// that holds the mutex across steps. Like an acquisition, it is
    /// independent of a release: it cannot start while the mutex is held,
    /// and a release-to-section edge would hide the race between the
    /// section and the previous holder's acquisition.
    fn finish_block(&mut self) {
        let Some(b) = self.block.take() else { return };
        if !b.complete {
            return;
        }
        let mode = if self.exec.as_ref().is_some_and(|e| e.is_reported(b.mutex)) {
            Mode::Section
        } else {
            Mode::Acquire
        };
        if let Some(Op::Touch(ts)) = self
            .tree
            .get_mut(b.node)
            .and_then(|n| n.ops.get_mut(b.task))
        {
            ts.retain(|(x, _)| *x != b.mutex);
            ts.push((b.mutex, mode));
        }
        self.dirty = self.dirty.min(b.node);
    }

    /// Preemptions on the path to node `i` if it chose `p`: one more than its
    /// parent's when the thread that took the previous step could go on.
    fn preemptions_if(&self, i: usize, p: usize) -> usize {
        let Some(parent) = i.checked_sub(1).map(|j| &self.tree[j]) else {
            return 0;
        };
        let prev = parent.chosen;
        let node = &self.tree[i];
        parent.preemptions + usize::from(prev != p && node.enabled(prev) && !node.after_yield)
    }

    /// Does choosing `p` at node `i` stay within the preemption bound?
    fn within_bound(&self, i: usize, p: usize) -> bool {
        self.bound.is_none_or(|k| self.preemptions_if(i, p) <= k)
    }

    /// Under a preemption bound, the conservative branches of bounded
    /// partial-order reduction (Coons, Musuvathi and McKinley, "Bounded
    /// partial-order reduction", OOPSLA 2013): a reversal whose first
    /// steps would all preempt beyond the bound at its node `j` is dropped
    /// there, and the interleavings it stood for may need fewer preemptions
    /// from earlier on. So the same threads are also tried where the thread
    /// that ran at `j` began its block of steps — a point where the
    /// execution switched threads anyway, so a switch there costs no more
    /// preemptions than the one taken — or, if none of them can run there,
    /// every thread that can.
    fn conservative(&self, inserts: &[(usize, Insert)]) -> Vec<(usize, Insert)> {
        let tree = &self.tree;
        let mut more = Vec::new();
        for (j, insert) in inserts {
            let j = *j;
            let firsts: Vec<usize> = match insert {
                Insert::Seq(v) => initials(tree, v)
                    .into_iter()
                    .filter(|&q| tree[j].enabled(q))
                    .collect(),
                Insert::Threads(ps) => ps.clone(),
            };
            if firsts.is_empty() || firsts.iter().any(|&q| self.within_bound(j, q)) {
                continue;
            }
            let p = tree[j].chosen;
            let mut b = j;
            while b > 0 && tree[b - 1].chosen == p {
                b -= 1;
            }
            if b == j {
                continue;
            }
            let node = &tree[b];
            let here: Vec<usize> = firsts.into_iter().filter(|&q| node.enabled(q)).collect();
            let threads = if here.is_empty() {
                node.runnable.iter().filter(|&t| node.enabled(t)).collect()
            } else {
                here
            };
            more.push((b, Insert::Threads(threads)));
        }
        more
    }

    /// Add the race reversals of the execution just finished.
    ///
    /// Incremental: the nodes before `fresh` took the same steps in an
    /// execution already analysed, so their happens-before data is kept and
    /// only races whose second step is at `fresh` or later are new.
    fn analyse(&mut self) {
        let n = self.pos.min(self.tree.len());
        if n == 0 {
            return;
        }
        let start = self.fresh.min(n);
        let width = self.tree[..n].iter().map(|t| t.chosen).max().unwrap_or(0) + 1;
        // Happens-before data of the new steps.
        let mut count = vec![0usize; width];
        let mut last_of: Vec<Option<usize>> = vec![None; width];
        // Per object, per thread, per mode: the thread's latest step so far
        // that touched the object in that mode.
        let mut index: IdMap<usize, Vec<[Option<usize>; Mode::ALL.len()]>> = IdMap::default();
        let mut latest: Vec<Option<usize>> = Vec::new();
        for k in 0..n {
            let p = self.tree[k].chosen;
            count[p] += 1;
            if k >= start {
                let op_k = self.tree[k].op();
                // Immediate predecessors: the thread's previous step (or the
                // step that spawned it) and, per other thread, its last step
                // dependent with this one.
                let mut preds = Vec::new();
                match last_of[p] {
                    Some(j) => preds.push(j),
                    None => {
                        if let Some(c) = self.created.get(p).copied().flatten()
                            && c < k
                        {
                            preds.push(c);
                        }
                    }
                }
                // Per other thread, its last step before k that touches
                // an object of k's in a conflicting mode (the same as its
                // last step `dependent` with k's, found through the steps
                // that touched each object rather than by a scan of every
                // step: on wide programs most threads have none).
                latest.clear();
                latest.resize(width, None);
                if let Op::Touch(touches) = op_k {
                    for &(x, mx) in touches {
                        let Some(threads) = index.get(&x) else {
                            continue;
                        };
                        for (q, modes) in threads.iter().enumerate() {
                            if q == p {
                                continue;
                            }
                            for (my, j) in Mode::ALL.iter().zip(modes) {
                                if let Some(j) = *j
                                    && conflict(mx, *my)
                                    && latest[q].is_none_or(|l| l < j)
                                {
                                    latest[q] = Some(j);
                                }
                            }
                        }
                    }
                }
                let first = preds.len();
                preds.extend(latest.iter().flatten().copied());
                // Latest first, as a backward scan finds them.
                preds[first..].sort_unstable_by(|a, b| b.cmp(a));
                let mut clock = vec![0usize; width];
                for &j in &preds {
                    for (c, v) in clock.iter_mut().zip(&self.tree[j].clock) {
                        *c = (*c).max(*v);
                    }
                }
                clock[p] = count[p];
                let node = &mut self.tree[k];
                node.idx = count[p];
                node.clock = clock;
                node.preds = preds;
            }
            last_of[p] = Some(k);
            if let Op::Touch(touches) = self.tree[k].op() {
                for &(x, mx) in touches {
                    let threads = index.entry(x).or_default();
                    if threads.len() <= p {
                        threads.resize(p + 1, [None; Mode::ALL.len()]);
                    }
                    threads[p][mx as usize] = Some(k);
                }
            }
        }
        let tree = &self.tree;
        let hb = |a: usize, b: usize| happens_before(tree, a, b);
        let mut inserts: Vec<(usize, Insert)> = Vec::new();
        // The steps in `j+1..upto` that do not follow `j`: the start of a
        // sequence reversing a race of `j`'s. Here an acquisition follows
        // the release of its mutex (independent for the races, as the two
        // are never both enabled, but it cannot run before it).
        let notdep = |j: usize, upto: usize| -> Vec<usize> {
            let mut extra: Vec<usize> = Vec::new();
            let mut releases: Vec<usize> = Vec::new();
            let mut v = Vec::new();
            for m in (j + 1)..upto {
                let follows = hb(j, m)
                    || extra.iter().any(|&x| hb(x, m))
                    || releases
                        .iter()
                        .any(|&x| releases_to(tree[x].op(), tree[m].op()));
                if !follows {
                    v.push(m);
                    continue;
                }
                if !hb(j, m) {
                    extra.push(m);
                }
                if touches_with(tree[m].op(), Mode::Release) {
                    releases.push(m);
                }
            }
            v
        };
        // How to reverse a race at node j with the sequence `v` (the steps
        // after j that do not follow it, then the race's second step): put
        // `v` in j's wake-up tree when one of its first threads can run at
        // j; if each of them is about to take a mutex held at j, run every
        // thread that can run there, since any of them may be the one to
        // let it go first (Flanagan and Godefroid) — unless one of those
        // first threads is already explored, asleep or to be explored there.
        let reversal = |j: usize, v: Vec<Ev>| -> Option<Insert> {
            let node = &tree[j];
            let initials = initials(tree, &v);
            if initials.iter().any(|&q| node.enabled(q)) {
                return Some(Insert::Seq(v));
            }
            // A join waits for its thread to end: when its thread's step is
            // the race's first, nothing can make it run before.
            let joins = |q: usize| {
                v.iter()
                    .find(|e| e.task(tree) == q)
                    .is_some_and(|e| touches_with(e.op(tree), Mode::Await))
            };
            if initials.iter().all(|&q| joins(q)) {
                return None;
            }
            let covered = |q: usize| {
                node.done.contains(q)
                    || node.sleep.iter().any(|(t, _)| *t == q)
                    || node.wut.iter().any(|c| c.task == q)
            };
            if initials.iter().any(|&q| covered(q)) {
                return None;
            }
            Some(Insert::Threads(
                node.runnable.iter().filter(|&t| node.enabled(t)).collect(),
            ))
        };
        // Races with a pending acquisition that was disabled (its mutex held):
        // the thread never got to execute it while the holder held the lock,
        // so reverse it with the holder's acquisition (Flanagan and Godefroid,
        // POPL 2005: the race check for every thread's next transition).
        // The same check for the next step of every thread still alive when
        // the execution ended (a deadlock is found before the blocking step
        // is taken, so that step is in no node).
        //
        // `whole`: the step `op_p` begins (a critical section `op_p`
        // acquires the mutex of). When the race's first step commutes with
        // the whole of it (a queue's parts), running it first is the same
        // trace: no race. (Reversing the acquisitions alone put the second
        // section first with the first one's thread asleep, which nothing
        // woke: 12,774 of the 75,678 executions of producer–consumer
        // `task-done-join` ended so, cut by the sleep set, 164 now.)
        let race_with_next =
            |p: usize, op_p: &Op, upto: usize, last: Option<usize>, whole: Option<&Op>| {
                // A thread whose next step is unknown (not started, or between
                // operations, when the execution was cut short by a deadlock)
                // may do anything next: it races with every step.
                let unknown = *op_p == Op::Local;
                let j = (0..upto).rev().find(|&j| {
                    tree[j].chosen != p
                        && (unknown || tree[j].op().dependent(op_p))
                        && !last.is_some_and(|l| hb(j, l))
                })?;
                if whole.is_some_and(|w| !tree[j].op().dependent(w)) {
                    return None;
                }
                if awaits(op_p, tree[j].chosen) {
                    return None; // a join cannot run before its thread's step
                }
                // As for any race: v = the steps after j that do not follow it,
                // then p's next step.
                let mut v: Vec<Ev> = notdep(j, upto).into_iter().map(Ev::Step).collect();
                v.push(Ev::Next {
                    task: p,
                    op: op_p.clone(),
                    last,
                });
                Some((j, reversal(j, v)?))
            };
        let mut last_before: Vec<Option<usize>> = vec![None; width];
        for s_ in 0..n {
            if s_ >= start {
                for p in tree[s_].disabled.iter() {
                    let last = last_before.get(p).copied().flatten();
                    inserts.extend(race_with_next(p, &tree[s_].ops[p], s_, last, None));
                }
                // A critical section run as one step: its footprint also
                // holds what it did after the acquisition, whose conflicts
                // (a notification against a wait's start, a release against
                // a try_lock) can order it after an earlier step of the
                // thread that held the mutex before and hide the race
                // between the two acquisitions. Race the acquisition alone,
                // as the thread's next step before the section.
                if let Some(m) = tree[s_].section {
                    let p = tree[s_].chosen;
                    let last = last_before.get(p).copied().flatten();
                    let acquire = Op::Touch(vec![(m, Mode::Acquire)]);
                    inserts.extend(race_with_next(p, &acquire, s_, last, Some(tree[s_].op())));
                }
            }
            last_before[tree[s_].chosen] = Some(s_);
        }
        if let Some(e) = &self.exec
            && !e.is_pruned()
        {
            let mut live = e.pending_of_live_threads(&self.performed);
            // A thread that could run at the last step but never did (not
            // started when a deadlock cut the execution short) has no
            // announced step: it races as one whose step is unknown.
            let end = &tree[n - 1];
            for t in end.runnable.iter() {
                if t != end.chosen && !live.iter().any(|(q, _)| *q == t) {
                    live.push((t, Op::Local));
                }
            }
            for (p, op_p) in live {
                let last = last_before.get(p).copied().flatten();
                inserts.extend(race_with_next(p, &op_p, n, last, None));
            }
        }
        // A step that takes another thread off the runnable list (a signal
        // consumed by one of several woken waiters, a mutex taken by one of
        // several woken lockers) disabled that thread's next step, which
        // therefore never appears in this execution to race with it: run
        // that thread at this node instead.
        for s_ in start..n.saturating_sub(1) {
            let node = &tree[s_];
            let gone: Vec<usize> = node
                .runnable
                .iter()
                .filter(|&t| {
                    t != node.chosen
                        && !node.disabled.contains(t)
                        && !tree[s_ + 1].runnable.contains(t)
                        && !node.sleep.iter().any(|(z, _)| *z == t)
                })
                .collect();
            if !gone.is_empty() {
                inserts.push((s_, Insert::Threads(gone)));
            }
        }
        for k in start..n {
            let preds = &tree[k].preds;
            for &j in preds {
                if tree[j].chosen == tree[k].chosen || !tree[j].op().dependent(tree[k].op()) {
                    continue;
                }
                // A race only if no other predecessor of k already follows
                // j, and not a join against a step of the thread it waits for.
                if preds.iter().any(|&m| m != j && hb(j, m)) || awaits(tree[k].op(), tree[j].chosen)
                {
                    continue;
                }
                // A waiter's wake-up against the notification that woke it,
                // the waiter waiting at j: it cannot come first. (Woken by
                // another notification instead is that notification's race
                // with this one, both writes on the condition variable.)
                if woken_by(tree[k].op(), tree[j].op())
                    && !tree[j].runnable.contains(tree[k].chosen)
                {
                    continue;
                }
                // v = the events after j that do not follow j, then k.
                let mut v: Vec<Ev> = notdep(j, k).into_iter().map(Ev::Step).collect();
                v.push(Ev::Step(k));
                inserts.extend(reversal(j, v).map(|i| (j, i)));
            }
        }
        if self.bound.is_some() {
            let more = self.conservative(&inserts);
            inserts.extend(more);
        }
        for (j, insert) in inserts {
            if self.tree[j].prefix {
                continue; // a shard's prefix: searched depth-first already
            }
            match insert {
                Insert::Seq(v) => {
                    // Optimal DPOR: nothing to do if a thread explored or
                    // asleep at j can start `v` (that branch covers it).
                    let node = &self.tree[j];
                    let asleep = node.sleep.iter().map(|(q, op)| (*q, op));
                    let explored = node
                        .done
                        .iter()
                        .filter(|&d| d != node.chosen)
                        .map(|d| (d, &node.ops[d]));
                    let covered = |(q, op): (usize, &Op)| {
                        if node.prefix_sleep.contains(q) {
                            // Asleep since a shard's prefix: only a sequence
                            // that can start with its step is covered.
                            v.iter()
                                .position(|e| e.task(&self.tree) == q)
                                .is_some_and(|i| {
                                    !v[..i].iter().any(|x| precedes(&self.tree, x, &v[i]))
                                })
                        } else {
                            weak_initial(&self.tree, &v, q, op)
                        }
                    };
                    if asleep.chain(explored).any(covered) {
                        continue;
                    }
                    let mut wut = std::mem::take(&mut self.tree[j].wut);
                    insert_sequence(&mut wut, v, &self.tree);
                    self.tree[j].wut = wut;
                }
                Insert::Threads(ps) => {
                    for p in ps {
                        let node = &self.tree[j];
                        if node.done.contains(p)
                            || node.sleep.iter().any(|(t, _)| *t == p)
                            || node.wut.iter().any(|c| c.task == p)
                        {
                            continue;
                        }
                        let op = node.ops[p].clone();
                        self.tree[j].wut.push(Wut {
                            task: p,
                            op,
                            children: Vec::new(),
                        });
                    }
                }
            }
        }
    }

    /// A data choice of the running step among the options `allowed`
    /// (indices): the recorded one when replaying the path to the node
    /// being branched, else the first (the latest write, for a read),
    /// recorded for the branching.
    fn data_choice(&mut self, allowed: Vec<usize>) -> usize {
        let first = allowed.first().copied().unwrap_or(0);
        let Some(node) = self.pos.checked_sub(1).and_then(|i| self.tree.get_mut(i)) else {
            return first;
        };
        let k = self.choice;
        self.choice += 1;
        match node.choices.get(k) {
            Some((a, c)) => a.get(*c).copied().unwrap_or(first),
            None => {
                node.choices.push((allowed, 0));
                first
            }
        }
    }

    /// The next untried data choice of node `i`'s step, the last choice
    /// first (the later choices of the step start again from their first).
    fn next_data_choice(node: &mut Node) -> bool {
        while let Some((a, c)) = node.choices.pop() {
            if c + 1 < a.len() {
                node.choices.push((a, c + 1));
                return true;
            }
        }
        false
    }

    /// What `task`'s next step touches (its label: the label of its next
    /// step under its last announcement), and the generation of that
    /// announcement.
    fn label_generation(&self, task: usize) -> (Op, u64) {
        match &self.exec {
            Some(e) => {
                e.pending_label_generation(task, self.performed.get(task).copied().flatten())
            }
            None => (Op::Local, 0),
        }
    }

    /// Is `f` true of `task`'s label (see [`Self::label_generation`])?
    /// Nothing is copied.
    fn label_is(&self, task: usize, f: impl FnOnce(&Op) -> bool) -> bool {
        match &self.exec {
            Some(e) => e.pending_label_is(task, self.performed.get(task).copied().flatten(), f),
            None => f(&Op::Local),
        }
    }

    /// Count a step of `task` under its last announcement.
    fn step_taken(&mut self, task: usize) {
        let generation = self.exec.as_ref().map_or(0, |e| e.pending_generation(task));
        self.step_taken_under(task, generation);
    }

    /// [`Self::step_taken`], the generation of `task`'s last announcement
    /// being `generation`.
    fn step_taken_under(&mut self, task: usize, generation: u64) {
        if self.performed.len() <= task {
            self.performed.resize(task + 1, None);
        }
        let e = self.performed[task].get_or_insert((generation, 0));
        if e.0 != generation {
            *e = (generation, 0);
        }
        e.1 += 1;
    }

    fn sleep_for_child(parent: &Node) -> Vec<(usize, Op)> {
        let p = parent.chosen;
        let op_p = &parent.ops[p];
        // The parent's sleep set, then its explored threads not in it,
        // each kept if its step commutes with the parent's (filtered
        // before it is copied).
        let mut base: Vec<(usize, Op)> = parent
            .sleep
            .iter()
            .filter(|(_, op)| !op.dependent(op_p))
            .cloned()
            .collect();
        for d in parent.done.iter() {
            if d != p
                && !parent.sleep.iter().any(|(t, _)| *t == d)
                && !parent.ops[d].dependent(op_p)
            {
                base.push((d, parent.ops[d].clone()));
            }
        }
        base
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

/// Set `v[i] = x`, growing `v` as needed.
fn set(v: &mut Vec<usize>, i: usize, x: usize) {
    if v.len() <= i {
        v.resize(i + 1, usize::MAX);
    }
    v[i] = x;
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

/// A node of a wake-up tree: a thread's step (and what it touched when it
/// was seen), then what to explore after it, leftmost first.
struct Wut {
    task: usize,
    op: Op,
    children: Vec<Wut>,
}

impl Wut {
    /// The wake-up tree of one sequence (not empty).
    fn chain(v: &[Ev], tree: &[Node]) -> Vec<Wut> {
        v.iter().rev().fold(Vec::new(), |children, e| {
            vec![Wut {
                task: e.task(tree),
                op: e.op(tree).clone(),
                children,
            }]
        })
    }
}

/// What the analysis of an execution adds at a node.
enum Insert {
    /// A race reversal: insert into the node's wake-up tree.
    Seq(Vec<Ev>),
    /// Run each of these threads there (a step the execution could not take).
    Threads(Vec<usize>),
}

/// A step of a sequence to explore: a step of the execution just analysed
/// (its node), or a thread's next step that the execution did not take
/// (always the sequence's last), with the thread's last step before it.
enum Ev {
    Step(usize),
    Next {
        task: usize,
        op: Op,
        last: Option<usize>,
    },
}

impl Ev {
    fn task(&self, tree: &[Node]) -> usize {
        match self {
            Ev::Step(k) => tree[*k].chosen,
            Ev::Next { task, .. } => *task,
        }
    }

    fn op<'a>(&'a self, tree: &'a [Node]) -> &'a Op {
        match self {
            Ev::Step(k) => tree[*k].op(),
            Ev::Next { op, .. } => op,
        }
    }
}

/// Does node `a`'s step happen before node `b`'s (from the last analysis)?
fn happens_before(tree: &[Node], a: usize, b: usize) -> bool {
    tree[b].clock.get(tree[a].chosen).copied().unwrap_or(0) >= tree[a].idx
}

/// Does a step touching `a` release a mutex that a step touching `b` acquires?
fn releases_to(a: &Op, b: &Op) -> bool {
    let (Op::Touch(a), Op::Touch(b)) = (a, b) else {
        return false;
    };
    a.iter().any(|&(m, mode)| {
        mode == Mode::Release
            && b.iter()
                .any(|&(x, mb)| x == m && matches!(mb, Mode::Acquire | Mode::Section))
    })
}

/// Is `wake` a wake-up (a consumption) on a condition variable that
/// `notify` notifies?
fn woken_by(wake: &Op, notify: &Op) -> bool {
    let (Op::Touch(w), Op::Touch(n)) = (wake, notify) else {
        return false;
    };
    w.iter().any(|&(c, mode)| {
        mode == Mode::Consume && n.iter().any(|&(x, m)| x == c && m == Mode::Write)
    })
}

/// Does a step touching `op` wait for thread `t` to end (join it)?
fn awaits(op: &Op, t: usize) -> bool {
    matches!(op, Op::Touch(ts) if ts.contains(&(THREAD_OBJECT + t, Mode::Await)))
}

/// Does a step touching `op` touch something in mode `mode`?
fn touches_with(op: &Op, mode: Mode) -> bool {
    matches!(op, Op::Touch(ts) if ts.iter().any(|&(_, m)| m == mode))
}

/// Does `a`, earlier in a sequence than `b`, happen before it? The
/// executed steps' order is the execution's; a thread's next step follows
/// what it depends on directly and its thread's last step (it comes last:
/// any chain to it ends with a direct dependence on a step of the sequence).
fn precedes(tree: &[Node], a: &Ev, b: &Ev) -> bool {
    match (a, b) {
        (Ev::Step(x), Ev::Step(y)) => {
            happens_before(tree, *x, *y) || releases_to(tree[*x].op(), tree[*y].op())
        }
        (Ev::Step(x), Ev::Next { task, op, last }) => {
            tree[*x].chosen == *task
                || last.is_some_and(|l| happens_before(tree, *x, l))
                || tree[*x].op().dependent(op)
                || releases_to(tree[*x].op(), op)
        }
        (Ev::Next { .. }, _) => true,
    }
}

/// The threads whose first step in `v` follows no other step of `v`.
fn initials(tree: &[Node], v: &[Ev]) -> Vec<usize> {
    let mut seen = Tasks::default();
    let mut out = Vec::new();
    for (a, e) in v.iter().enumerate() {
        let q = e.task(tree);
        if !seen.contains(q) {
            seen.insert(q);
            if !v[..a].iter().any(|x| precedes(tree, x, e)) {
                out.push(q);
            }
        }
    }
    out
}

/// Is thread `q`, whose next step touches `op_q`, a weak initial of `v`
/// (Abdulla et al., JACM 2017): its first step in `v` follows no other step
/// of `v`, or it has none there and its next step commutes with all of `v`.
/// Then running `q` first loses nothing of `v`.
fn weak_initial(tree: &[Node], v: &[Ev], q: usize, op_q: &Op) -> bool {
    match v.iter().position(|e| e.task(tree) == q) {
        Some(i) => !v[..i].iter().any(|x| precedes(tree, x, &v[i])),
        None => !v
            .iter()
            .any(|e| e.op(tree).dependent(op_q) || releases_to(e.op(tree), op_q)),
    }
}

/// Insert the sequence `v` into the wake-up tree `wut`: follow the leftmost
/// branch whose step is a weak initial of what is left of `v` (taking that
/// thread's step out of it); where no branch is, `v`'s rest becomes the new
/// rightmost branch — below a leaf too.
///
/// In Abdulla et al.'s algorithm a leaf reached covers `v`: the leaf ends a
/// race reversal, so its last step wakes the sleeping threads that the race
/// involved, and the exploration from there finds `v`'s rest by its own
/// races. Here a leaf can end with a thread's announced step (a race with
/// a step never taken, `Ev::Next`): an acquisition that turns out to be a
/// critical section independent of the race, which wakes nobody. A thread
/// left asleep there then covers a reversal it should not, and whole traces
/// were lost (producer–consumer `task-done-join`: 58,692 executions for its
/// 62,904 traces). Below a leaf that did cover `v`, its rest only guides
/// the leaf's execution instead of a free choice; on every program
/// `tests/trace_count_oracle.rs` counts, dpor now runs exactly one
/// execution per trace.
fn insert_sequence(wut: &mut Vec<Wut>, mut v: Vec<Ev>, tree: &[Node]) {
    let mut level = wut;
    loop {
        if v.is_empty() {
            return;
        }
        let Some(i) = level
            .iter()
            .position(|c| weak_initial(tree, &v, c.task, &c.op))
        else {
            level.extend(Wut::chain(&v, tree));
            return;
        };
        let q = level[i].task;
        if let Some(at) = v.iter().position(|e| e.task(tree) == q) {
            v.remove(at);
        }
        level = &mut level[i].children;
    }
}
