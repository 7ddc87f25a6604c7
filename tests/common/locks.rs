//! An independent oracle for the deadlock patterns: a tiny model of threads
//! as straight-line programs over locks, semaphores, condition variables and
//! flags, and a brute-force search of every interleaving of their steps.
//!
//! It knows nothing of racetrace. A step is one instruction; a thread whose
//! next instruction cannot run (lock held by another, no permit, child not
//! finished, waiting for a notify) is blocked. A state where some thread is
//! unfinished and none can step is a deadlock. A preemption is a switch away
//! from a thread that could have taken its next step.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};

/// One instruction of a model thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// Make thread `t` runnable.
    Spawn(usize),
    /// Wait until thread `t` has finished.
    Join(usize),
    /// Take lock `l` (re-entrant locks count; others block, even on their holder).
    Lock(usize),
    /// Take lock `l` if free, else jump to `else_pc`.
    TryLock(usize, usize),
    /// Release lock `l` (one level).
    Unlock(usize),
    /// Jump.
    Goto(usize),
    /// Take a permit of semaphore `s`.
    Acquire(usize),
    /// Return a permit of semaphore `s`.
    Release(usize),
    /// Release lock `m`, sleep until a notify on `cv`, re-take `m`.
    Wait { cv: usize, m: usize },
    /// `while !flag { Wait }`.
    WaitUntil { cv: usize, m: usize, flag: usize },
    /// Wake one waiter of `cv` (any one), if there is one.
    Notify(usize),
    /// Set flag `f`.
    Set(usize),
}

/// The program: one instruction list per thread (thread 0 runs first; the
/// others once spawned), and which locks are re-entrant.
#[derive(Clone, Debug)]
pub struct Model {
    pub threads: Vec<Vec<Op>>,
    pub locks: usize,
    pub reentrant: Vec<bool>,
    pub permits: Vec<usize>,
    pub cvs: usize,
    pub flags: usize,
}

/// What every interleaving of the model can do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Some interleaving ends with unfinished threads that can never run.
    pub deadlock: bool,
    /// Some interleaving finishes every thread.
    pub completes: bool,
    /// The fewest preemptions of an interleaving that deadlocks.
    pub min_preemptions_to_deadlock: Option<usize>,
    /// In the deadlocks, which threads wait in a cycle of locks (sizes seen).
    pub cycle_sizes: Vec<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Mode {
    Run,
    /// Waiting for a notify on cv; will re-take m.
    Asleep {
        cv: usize,
        m: usize,
    },
    /// Notified; must re-take m.
    Relock(usize),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct State {
    pc: Vec<usize>,
    mode: Vec<Mode>,
    started: Vec<bool>,
    owner: Vec<Option<usize>>,
    depth: Vec<usize>,
    permits: Vec<usize>,
    flags: Vec<bool>,
}

impl Model {
    fn done(&self, s: &State, t: usize) -> bool {
        s.pc[t] >= self.threads[t].len() && s.mode[t] == Mode::Run
    }

    fn free_for(&self, s: &State, l: usize, t: usize) -> bool {
        match s.owner[l] {
            None => true,
            Some(o) => o == t && self.reentrant[l],
        }
    }

    /// The states thread `t` can step to (several for a notify: any waiter).
    fn step(&self, s: &State, t: usize) -> Vec<State> {
        if !s.started[t] || self.done(s, t) {
            return vec![];
        }
        let mut n = s.clone();
        match s.mode[t] {
            Mode::Asleep { .. } => return vec![],
            Mode::Relock(m) => {
                if s.owner[m].is_some() {
                    return vec![];
                }
                n.owner[m] = Some(t);
                n.depth[m] = 1;
                n.mode[t] = Mode::Run;
                return vec![n];
            }
            Mode::Run => {}
        }
        let op = self.threads[t][s.pc[t]];
        n.pc[t] += 1;
        match op {
            Op::Spawn(c) => n.started[c] = true,
            Op::Join(c) => {
                if !self.done(s, c) {
                    return vec![];
                }
            }
            Op::Lock(l) => {
                if !self.free_for(s, l, t) {
                    return vec![];
                }
                n.owner[l] = Some(t);
                n.depth[l] += 1;
            }
            Op::TryLock(l, else_pc) => {
                if self.free_for(s, l, t) {
                    n.owner[l] = Some(t);
                    n.depth[l] += 1;
                } else {
                    n.pc[t] = else_pc;
                }
            }
            Op::Unlock(l) => {
                n.depth[l] -= 1;
                if n.depth[l] == 0 {
                    n.owner[l] = None;
                }
            }
            Op::Goto(pc) => n.pc[t] = pc,
            Op::Acquire(x) => {
                if s.permits[x] == 0 {
                    return vec![];
                }
                n.permits[x] -= 1;
            }
            Op::Release(x) => n.permits[x] += 1,
            Op::Wait { cv, m } => {
                n.owner[m] = None;
                n.depth[m] = 0;
                n.mode[t] = Mode::Asleep { cv, m };
            }
            Op::WaitUntil { cv, m, flag } => {
                if !s.flags[flag] {
                    n.pc[t] -= 1; // check again after waking
                    n.owner[m] = None;
                    n.depth[m] = 0;
                    n.mode[t] = Mode::Asleep { cv, m };
                }
            }
            Op::Notify(cv) => {
                let sleepers: Vec<usize> = (0..s.pc.len())
                    .filter(|&w| matches!(s.mode[w], Mode::Asleep { cv: c, .. } if c == cv))
                    .collect();
                if !sleepers.is_empty() {
                    return sleepers
                        .into_iter()
                        .map(|w| {
                            let mut m2 = n.clone();
                            if let Mode::Asleep { m, .. } = s.mode[w] {
                                m2.mode[w] = Mode::Relock(m);
                            }
                            m2
                        })
                        .collect();
                }
            }
            Op::Set(f) => n.flags[f] = true,
        }
        vec![n]
    }

    /// The lock thread `t` is blocked on, if that is what blocks it.
    fn blocked_on_lock(&self, s: &State, t: usize) -> Option<usize> {
        if !s.started[t] || self.done(s, t) {
            return None;
        }
        match s.mode[t] {
            Mode::Relock(m) => Some(m),
            Mode::Asleep { .. } => None,
            Mode::Run => match self.threads[t][s.pc[t]] {
                Op::Lock(l) if !self.free_for(s, l, t) => Some(l),
                _ => None,
            },
        }
    }

    fn cycle_size(&self, s: &State) -> Option<usize> {
        for start in 0..s.pc.len() {
            let mut t = start;
            let mut seen = vec![];
            while let Some(l) = self.blocked_on_lock(s, t) {
                let Some(h) = s.owner[l] else { break };
                if h == start {
                    return Some(seen.len() + 1);
                }
                if seen.contains(&h) {
                    break;
                }
                seen.push(h);
                t = h;
            }
        }
        None
    }

    /// Search every interleaving (0-1 BFS on preemptions).
    pub fn explore(&self) -> Verdict {
        let n = self.threads.len();
        let start = State {
            pc: vec![0; n],
            mode: vec![Mode::Run; n],
            started: (0..n).map(|t| t == 0).collect(),
            owner: vec![None; self.locks],
            depth: vec![0; self.locks],
            permits: self.permits.clone(),
            flags: vec![false; self.flags],
        };
        let mut best: HashMap<(State, Option<usize>), usize> = HashMap::new();
        let mut queue = VecDeque::new();
        queue.push_back((start.clone(), None, 0usize));
        best.insert((start, None), 0);
        let mut v = Verdict {
            deadlock: false,
            completes: false,
            min_preemptions_to_deadlock: None,
            cycle_sizes: vec![],
        };
        let mut cycles = HashSet::new();
        while let Some((s, last, p)) = queue.pop_front() {
            if best.get(&(s.clone(), last)).is_some_and(|&b| b < p) {
                continue;
            }
            let moves: Vec<(usize, Vec<State>)> = (0..n).map(|t| (t, self.step(&s, t))).collect();
            if moves.iter().all(|(_, m)| m.is_empty()) {
                if (0..n).all(|t| self.done(&s, t)) {
                    v.completes = true;
                } else {
                    v.deadlock = true;
                    let m = v.min_preemptions_to_deadlock.get_or_insert(p);
                    *m = (*m).min(p);
                    if let Some(c) = self.cycle_size(&s) {
                        cycles.insert(c);
                    }
                }
                continue;
            }
            for (t, nexts) in moves {
                let preempt = matches!(last, Some(l) if l != t
                    && !self.step(&s, l).is_empty());
                let np = p + usize::from(preempt);
                for ns in nexts {
                    let key = (ns, Some(t));
                    if best.get(&key).is_none_or(|&b| np < b) {
                        best.insert(key.clone(), np);
                        if preempt {
                            queue.push_back((key.0, key.1, np));
                        } else {
                            queue.push_front((key.0, key.1, np));
                        }
                    }
                }
            }
        }
        v.cycle_sizes = cycles.into_iter().collect();
        v.cycle_sizes.sort_unstable();
        v
    }
}

/// `main` spawns threads 1..=k, then joins them in order.
pub fn main_thread(k: usize) -> Vec<Op> {
    (1..=k)
        .map(Op::Spawn)
        .chain((1..=k).map(Op::Join))
        .collect()
}

// ---- the patterns, as models ----------------------------------------------

/// lock-order: locks 0 (a) and 1 (b). `orders` gives each worker's order.
pub fn lock_order(orders: [(usize, usize); 2]) -> Model {
    let mut threads = vec![main_thread(2)];
    for (x, y) in orders {
        threads.push(vec![Op::Lock(x), Op::Lock(y), Op::Unlock(y), Op::Unlock(x)]);
    }
    Model {
        threads,
        locks: 2,
        reentrant: vec![false; 2],
        permits: vec![],
        cvs: 0,
        flags: 0,
    }
}

/// lock-order with try-lock-backoff: `tries` attempts, then the global order.
pub fn lock_order_backoff(tries: usize) -> Model {
    let worker = |first: usize, second: usize| {
        let mut prog = vec![];
        // Each attempt: Lock(first), TryLock(second) else -> Unlock(first), next.
        for _ in 0..tries {
            let base = prog.len();
            prog.push(Op::Lock(first));
            prog.push(Op::TryLock(second, base + 3)); // fail: go to the unlock
            prog.push(Op::Goto(usize::MAX)); // patched: got both
            prog.push(Op::Unlock(first));
        }
        let fallback = prog.len();
        prog.extend([Op::Lock(0), Op::Lock(1)]);
        let got_both = prog.len();
        prog.extend([Op::Unlock(1), Op::Unlock(0)]);
        for op in &mut prog {
            if *op == Op::Goto(usize::MAX) {
                *op = Op::Goto(got_both);
            }
        }
        let _ = fallback;
        prog
    };
    Model {
        threads: vec![main_thread(2), worker(0, 1), worker(1, 0)],
        locks: 2,
        reentrant: vec![false; 2],
        permits: vec![],
        cvs: 0,
        flags: 0,
    }
}

/// philosophers: forks 0..n; `order(i, n)` says which fork first. With a
/// waiter, semaphore 0 has n-1 permits.
pub fn philosophers(n: usize, order: fn(usize, usize) -> (usize, usize), waiter: bool) -> Model {
    let mut threads = vec![main_thread(n)];
    for i in 0..n {
        let (a, b) = order(i, n);
        let mut prog = vec![];
        if waiter {
            prog.push(Op::Acquire(0));
        }
        prog.extend([Op::Lock(a), Op::Lock(b), Op::Unlock(b), Op::Unlock(a)]);
        if waiter {
            prog.push(Op::Release(0));
        }
        threads.push(prog);
    }
    Model {
        threads,
        locks: n,
        reentrant: vec![false; n],
        permits: if waiter { vec![n - 1] } else { vec![] },
        cvs: 0,
        flags: 0,
    }
}

/// Left then right.
pub fn left_right(i: usize, n: usize) -> (usize, usize) {
    (i, (i + 1) % n)
}

/// Lower-numbered fork first.
pub fn lowest_first(i: usize, n: usize) -> (usize, usize) {
    let (l, r) = left_right(i, n);
    (l.min(r), l.max(r))
}

/// relock: two threads each `lock; (lock; unlock) twice; unlock` on lock 0.
pub fn relock(reentrant: bool) -> Model {
    let worker = vec![
        Op::Lock(0),
        Op::Lock(0),
        Op::Unlock(0),
        Op::Lock(0),
        Op::Unlock(0),
        Op::Unlock(0),
    ];
    Model {
        threads: vec![main_thread(2), worker.clone(), worker],
        locks: 1,
        reentrant: vec![reentrant],
        permits: vec![],
        cvs: 0,
        flags: 0,
    }
}

/// lost-wakeup: lock 0 guards the message (flag 0); cv 0. Thread 1 waits,
/// thread 2 sets the message and notifies.
pub fn lost_wakeup(check_flag: bool) -> Model {
    let wait = if check_flag {
        Op::WaitUntil {
            cv: 0,
            m: 0,
            flag: 0,
        }
    } else {
        Op::Wait { cv: 0, m: 0 }
    };
    Model {
        threads: vec![
            main_thread(2),
            vec![Op::Lock(0), wait, Op::Unlock(0)],
            vec![Op::Lock(0), Op::Set(0), Op::Notify(0), Op::Unlock(0)],
        ],
        locks: 1,
        reentrant: vec![false],
        permits: vec![],
        cvs: 1,
        flags: 1,
    }
}
