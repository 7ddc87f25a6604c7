//! The oracle for the literature's DPOR benchmarks: how many truly different
//! interleavings (Mazurkiewicz traces) a program has, counted on an abstract
//! model of it that knows nothing of racetrace.
//!
//! A model is a set of threads, each a little state machine that performs one
//! shared-memory operation per step (a load, a store, a compare-and-swap, a
//! lock, an unlock) on numbered cells. Each executed step is an event
//! labelled with its thread, its cell, and whether it wrote the cell; two
//! events are dependent when they belong to one thread, or touch one cell
//! and at least one writes it. A lock and an unlock write the lock's cell
//! (a lock is enabled only while the cell is 0), and a compare-and-swap
//! writes only when it succeeds — a failed one is a read, as the optimal
//! DPOR literature counts it.
//!
//! Two counters:
//!
//! * [`brute_force`] runs every interleaving and reduces each to its
//!   lexicographic normal form (repeatedly move to the front the event of
//!   the lowest thread that commutes with everything before it); the number
//!   of distinct normal forms is the number of traces.
//! * [`lex_normal`] builds only the interleavings that are already in that
//!   normal form (every prefix of a normal word is normal, so a prefix that
//!   is not can be dropped), which reaches sizes the first cannot. Anisimov
//!   and Knuth's characterisation: a word is in lexicographic normal form
//!   iff it has no factor `b u a` with `a < b` and `a` independent of `b`
//!   and of every event of `u`.
//!
//! The tests check the two against each other where both run.

#![allow(dead_code)]

use std::collections::{BTreeSet, HashSet};
use std::hash::Hash;

/// One shared-memory operation of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Read a cell; the thread sees its value.
    Load(usize),
    /// Write a value to a cell.
    Store(usize, u64),
    /// If the cell holds `expected`, write `new`; the thread sees the old value.
    Cas(usize, u64, u64),
    /// Take the lock in this cell (0: free, 1: held); waits while it is held.
    Lock(usize),
    /// Free the lock in this cell.
    Unlock(usize),
}

/// A program for the oracle: threads as state machines over shared cells.
pub trait Model {
    /// A thread's own state (program counter, registers).
    type Local: Clone + Eq + Hash;
    /// The number of threads.
    fn threads(&self) -> usize;
    /// The shared cells at the start.
    fn memory(&self) -> Vec<u64>;
    /// Thread `tid`'s state at the start.
    fn start(&self, tid: usize) -> Self::Local;
    /// Thread `tid`'s next operation; None once it has finished.
    fn next(&self, tid: usize, local: &Self::Local) -> Option<Op>;
    /// Thread `tid` performed its next operation and saw `seen` (the value
    /// read by a load, the old value by a compare-and-swap, 0 otherwise).
    fn resume(&self, tid: usize, local: &mut Self::Local, seen: u64);
    /// What the program's outcome is, rendered as the racetrace program
    /// renders it, once every thread has finished.
    fn outcome(&self, memory: &[u64], locals: &[Self::Local]) -> String;
}

/// An executed step: its thread, the cell it touched, whether it wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Event {
    thread: usize,
    cell: usize,
    write: bool,
}

impl Event {
    fn dependent(&self, other: &Event) -> bool {
        self.thread == other.thread || (self.cell == other.cell && (self.write || other.write))
    }
}

/// How a failed compare-and-swap is labelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailedCas {
    /// As a read (it changes nothing): the optimal DPOR literature's count.
    Reads,
    /// As a write, as racetrace's `dpor` announces every compare-and-swap
    /// (before knowing whether it will succeed): two failed ones on a cell
    /// are then ordered too.
    Writes,
}

/// What the oracle found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Traces {
    /// Distinct Mazurkiewicz traces of complete executions.
    pub count: u64,
    /// Every final outcome.
    pub outcomes: BTreeSet<String>,
    /// Executions ending with unfinished threads and none able to move.
    pub deadlocks: u64,
    /// Interleavings (words) generated on the way.
    pub words: u64,
}

struct State<L> {
    memory: Vec<u64>,
    locals: Vec<L>,
}

impl<L: Clone> Clone for State<L> {
    fn clone(&self) -> Self {
        State {
            memory: self.memory.clone(),
            locals: self.locals.clone(),
        }
    }
}

/// Run thread `tid`'s next operation on `s`, if it can move: the event.
fn step<M: Model>(m: &M, s: &mut State<M::Local>, tid: usize, cas: FailedCas) -> Option<Event> {
    let op = m.next(tid, &s.locals[tid])?;
    let (cell, write, seen) = match op {
        Op::Load(c) => (c, false, s.memory[c]),
        Op::Store(c, v) => {
            s.memory[c] = v;
            (c, true, 0)
        }
        Op::Cas(c, expected, new) => {
            let old = s.memory[c];
            let ok = old == expected;
            if ok {
                s.memory[c] = new;
            }
            (c, ok || cas == FailedCas::Writes, old)
        }
        Op::Lock(c) => {
            if s.memory[c] != 0 {
                return None;
            }
            s.memory[c] = 1;
            (c, true, 0)
        }
        Op::Unlock(c) => {
            assert_eq!(s.memory[c], 1, "thread {tid} unlocks a free lock");
            s.memory[c] = 0;
            (c, true, 0)
        }
    };
    m.resume(tid, &mut s.locals[tid], seen);
    Some(Event {
        thread: tid,
        cell,
        write,
    })
}

fn finished<M: Model>(m: &M, s: &State<M::Local>) -> bool {
    (0..m.threads()).all(|t| m.next(t, &s.locals[t]).is_none())
}

fn initial<M: Model>(m: &M) -> State<M::Local> {
    State {
        memory: m.memory(),
        locals: (0..m.threads()).map(|t| m.start(t)).collect(),
    }
}

/// The lexicographic normal form of a word: repeatedly take out the event
/// of the lowest thread that commutes with every event before it.
fn normal_form(word: &[Event]) -> Vec<Event> {
    let mut rest = word.to_vec();
    let mut out = Vec::with_capacity(word.len());
    while !rest.is_empty() {
        let pick = (0..rest.len())
            .filter(|&i| rest[..i].iter().all(|x| !x.dependent(&rest[i])))
            .min_by_key(|&i| rest[i].thread)
            .expect("the first event always commutes to the front");
        out.push(rest.remove(pick));
    }
    out
}

/// Count the traces by running every interleaving and collecting the
/// normal forms. Exponential in the length: for tiny models only.
pub fn brute_force<M: Model>(m: &M) -> Traces {
    brute_force_with(m, FailedCas::Reads)
}

/// [`brute_force`], a failed compare-and-swap labelled as `cas` says.
pub fn brute_force_with<M: Model>(m: &M, cas: FailedCas) -> Traces {
    fn go<M: Model>(
        m: &M,
        cas: FailedCas,
        s: &State<M::Local>,
        word: &mut Vec<Event>,
        seen: &mut HashSet<Vec<Event>>,
        out: &mut Traces,
    ) {
        let mut moved = false;
        for t in 0..m.threads() {
            let mut next = s.clone();
            let Some(e) = step(m, &mut next, t, cas) else {
                continue;
            };
            moved = true;
            word.push(e);
            go(m, cas, &next, word, seen, out);
            word.pop();
        }
        if !moved {
            out.words += 1;
            if seen.insert(normal_form(word)) {
                if finished(m, s) {
                    out.count += 1;
                    out.outcomes.insert(m.outcome(&s.memory, &s.locals));
                } else {
                    out.deadlocks += 1;
                }
            }
        }
    }
    let mut out = Traces::default();
    go(
        m,
        cas,
        &initial(m),
        &mut Vec::new(),
        &mut HashSet::new(),
        &mut out,
    );
    out
}

/// Count the traces by generating only words in lexicographic normal form:
/// appending `a` keeps a normal word normal unless some event after the
/// last one `a` depends on belongs to a higher thread than `a`.
pub fn lex_normal<M: Model>(m: &M) -> Traces {
    lex_normal_with(m, FailedCas::Reads)
}

/// [`lex_normal`], a failed compare-and-swap labelled as `cas` says.
pub fn lex_normal_with<M: Model>(m: &M, cas: FailedCas) -> Traces {
    fn stays_normal(word: &[Event], a: &Event) -> bool {
        for x in word.iter().rev() {
            if x.dependent(a) {
                return true;
            }
            if x.thread > a.thread {
                return false;
            }
        }
        true
    }
    fn go<M: Model>(
        m: &M,
        cas: FailedCas,
        s: &State<M::Local>,
        word: &mut Vec<Event>,
        out: &mut Traces,
    ) {
        let mut moved = false;
        for t in 0..m.threads() {
            let mut next = s.clone();
            let Some(e) = step(m, &mut next, t, cas) else {
                continue;
            };
            moved = true;
            if !stays_normal(word, &e) {
                continue;
            }
            word.push(e);
            go(m, cas, &next, word, out);
            word.pop();
        }
        if !moved {
            out.words += 1;
            if finished(m, s) {
                out.count += 1;
                out.outcomes.insert(m.outcome(&s.memory, &s.locals));
            } else {
                out.deadlocks += 1;
            }
        }
    }
    let mut out = Traces::default();
    go(m, cas, &initial(m), &mut Vec::new(), &mut out);
    out
}

/// lastzero(N) (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014): cells
/// `0..=n` of the array; thread 0 reads from `n` down until it sees 0,
/// thread `j` (1..=n) writes `array[j-1] + 1` to `array[j]`.
pub struct LastZero {
    pub n: usize,
}

impl Model for LastZero {
    /// (program counter, register): the reader keeps its index in the
    /// register, a writer the value it read.
    type Local = (u8, u64);
    fn threads(&self) -> usize {
        self.n + 1
    }
    fn memory(&self) -> Vec<u64> {
        vec![0; self.n + 1]
    }
    fn start(&self, tid: usize) -> (u8, u64) {
        if tid == 0 { (0, self.n as u64) } else { (0, 0) }
    }
    fn next(&self, tid: usize, &(pc, reg): &(u8, u64)) -> Option<Op> {
        match (tid, pc) {
            (0, 0) => Some(Op::Load(reg as usize)),
            (0, _) => None,
            (j, 0) => Some(Op::Load(j - 1)),
            (j, 1) => Some(Op::Store(j, reg + 1)),
            _ => None,
        }
    }
    fn resume(&self, tid: usize, (pc, reg): &mut (u8, u64), seen: u64) {
        match (tid, *pc) {
            (0, _) if seen == 0 => *pc = 1,
            (0, _) => *reg -= 1,
            (_, 0) => {
                *reg = seen;
                *pc = 1;
            }
            _ => *pc = 2,
        }
    }
    fn outcome(&self, memory: &[u64], locals: &[(u8, u64)]) -> String {
        format!("i={} array={memory:?}", locals[0].1)
    }
}

/// indexer(N) (Flanagan and Godefroid, POPL 2005): `size` cells of a hash
/// table; thread `tid` inserts `max` messages `w = m * 11 + tid` (m = 1..=max)
/// at `h = (w * 7) % size` by compare-and-swap from 0, probing `h + 1`, … on
/// failure. Published: size 128, max 4.
pub struct Indexer {
    pub threads: usize,
    pub size: usize,
    pub max: usize,
}

impl Indexer {
    fn message(&self, tid: usize, m: usize) -> (u64, usize) {
        let w = m * 11 + tid;
        (w as u64, (w * 7) % self.size)
    }
}

impl Model for Indexer {
    /// (m, h): the message number (max + 1: done) and the slot tried next.
    type Local = (usize, usize);
    fn threads(&self) -> usize {
        assert!(
            self.threads * self.max <= self.size,
            "the table must hold every message"
        );
        self.threads
    }
    fn memory(&self) -> Vec<u64> {
        vec![0; self.size]
    }
    fn start(&self, tid: usize) -> (usize, usize) {
        (1, self.message(tid, 1).1)
    }
    fn next(&self, tid: usize, &(m, h): &(usize, usize)) -> Option<Op> {
        (m <= self.max).then(|| Op::Cas(h, 0, self.message(tid, m).0))
    }
    fn resume(&self, tid: usize, (m, h): &mut (usize, usize), seen: u64) {
        if seen == 0 {
            *m += 1;
            *h = self.message(tid, *m).1;
        } else {
            *h = (*h + 1) % self.size;
        }
    }
    fn outcome(&self, memory: &[u64], _: &[(usize, usize)]) -> String {
        format!("table={memory:?}")
    }
}

/// filesystem(N) (Flanagan and Godefroid, POPL 2005): `inodes` inodes and
/// `blocks` blocks, a lock for each; thread `tid` takes inode `i = tid %
/// inodes` under its lock and, if it has no block yet, probes blocks from
/// `(i * 2) % blocks` on, each under its lock, for one not busy, marks it
/// busy and gives it to the inode (`inode[i] = b + 1`). Published: 32
/// inodes, 26 blocks.
pub struct FileSystem {
    pub threads: usize,
    pub inodes: usize,
    pub blocks: usize,
}

impl FileSystem {
    fn inode(&self, i: usize) -> usize {
        i
    }
    fn busy(&self, b: usize) -> usize {
        self.inodes + b
    }
    fn inode_lock(&self, i: usize) -> usize {
        self.inodes + self.blocks + i
    }
    fn block_lock(&self, b: usize) -> usize {
        2 * self.inodes + self.blocks + b
    }
}

/// A filesystem thread: where it is, the block it tries, whether it has one.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FsThread {
    pc: u8,
    b: usize,
    allocated: bool,
}

impl Model for FileSystem {
    type Local = FsThread;
    fn threads(&self) -> usize {
        self.threads
    }
    fn memory(&self) -> Vec<u64> {
        vec![0; 2 * (self.inodes + self.blocks)]
    }
    fn start(&self, _: usize) -> FsThread {
        FsThread {
            pc: 0,
            b: 0,
            allocated: false,
        }
    }
    fn next(&self, tid: usize, t: &FsThread) -> Option<Op> {
        let i = tid % self.inodes;
        Some(match t.pc {
            0 => Op::Lock(self.inode_lock(i)),
            1 => Op::Load(self.inode(i)),
            2 => Op::Lock(self.block_lock(t.b)),
            3 => Op::Load(self.busy(t.b)),
            4 => Op::Store(self.busy(t.b), 1),
            5 => Op::Store(self.inode(i), t.b as u64 + 1),
            6 => Op::Unlock(self.block_lock(t.b)),
            7 => Op::Unlock(self.inode_lock(i)),
            _ => return None,
        })
    }
    fn resume(&self, tid: usize, t: &mut FsThread, seen: u64) {
        let i = tid % self.inodes;
        t.pc = match t.pc {
            1 if seen == 0 => {
                t.b = (i * 2) % self.blocks;
                2
            }
            1 => 7,
            3 if seen == 0 => 4,
            3 => 6,
            5 => {
                t.allocated = true;
                6
            }
            6 if t.allocated => 7,
            6 => {
                t.b = (t.b + 1) % self.blocks;
                2
            }
            pc => pc + 1,
        };
    }
    fn outcome(&self, memory: &[u64], _: &[FsThread]) -> String {
        format!("inodes={:?}", &memory[..self.inodes])
    }
}
