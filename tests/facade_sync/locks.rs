//! `RwLock` and `Barrier` under the exhaustive checkers: outcome sets
//! against the oracle's, for a writer's atomicity, a check-then-act cache
//! (bug and fix), a read lock taken twice while a writer waits, and a
//! phase bug around a barrier (bug and fix).

use crate::oracle::{Model, oracle, set};
use crate::{CHECKERS, assert_outcomes, assert_real_within};
use racetrace::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use racetrace::sync::{Arc, Barrier, Mutex, RwLock};
use racetrace::{Backend, thread};
use std::collections::HashMap;

/// The abstract state of an `RwLock` as std describes it: any number of
/// readers, or one writer. Acquiring is a step that is blocked until the
/// lock can be had.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
struct Rw {
    readers: u8,
    writer: bool,
}

impl Rw {
    fn read(&mut self) -> bool {
        let free = !self.writer;
        self.readers += free as u8;
        free
    }
    fn write(&mut self) -> bool {
        let free = !self.writer && self.readers == 0;
        self.writer |= free;
        free
    }
}

/// Two readers (main, t1) and a writer (t2) that adds 1 twice under one
/// write lock: a reader sees 0 or 2, never 1.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
struct ReadersAndWriter {
    lock: Rw,
    x: u8,
    seen: [u8; 2],
    pc: [u8; 3],
}

impl Model for ReadersAndWriter {
    const THREADS: usize = 3;
    fn done(&self, t: usize) -> bool {
        self.pc[t] == [3, 3, 4][t]
    }
    fn step(&mut self, t: usize) -> bool {
        match (t, self.pc[t]) {
            (0 | 1, 0) if !self.lock.read() => return false,
            (0 | 1, 1) => self.seen[t] = self.x,
            (0 | 1, 2) => self.lock.readers -= 1,
            (2, 0) if !self.lock.write() => return false,
            (2, 1 | 2) => self.x += 1,
            (2, 3) => self.lock.writer = false,
            _ => {}
        }
        self.pc[t] += 1;
        true
    }
    fn outcome(&self) -> String {
        format!("{} {}", self.seen[0], self.seen[1])
    }
}

fn readers_and_writer() -> String {
    let l = Arc::new(RwLock::new(0));
    let (l1, l2) = (l.clone(), l.clone());
    let r = thread::spawn(move || *l1.read().unwrap());
    let w = thread::spawn(move || {
        let mut g = l2.write().unwrap();
        *g += 1;
        *g += 1;
    });
    let seen = *l.read().unwrap();
    w.join().unwrap();
    format!("{seen} {}", r.join().unwrap())
}

// Not shuttle-dfs: without reduction, these three threads' schedules
// number 1.2 million (a minute); dpor needs 88, loom 2343.
#[test]
fn an_rwlock_writer_is_atomic_to_concurrent_readers() {
    let want = oracle(ReadersAndWriter::default());
    assert_eq!(want, set(&["0 0", "0 2", "2 0", "2 2"]));
    assert_outcomes(
        &[Backend::Dpor, Backend::Loom],
        "rwlock-readers-writer",
        readers_and_writer,
        |_| true,
        &want,
    );
    assert_real_within("rwlock-readers-writer", readers_and_writer, &want);
}

/// Two threads look a key up in a cache: on a miss (seen under the read
/// lock), compute the value and insert it under the write lock. The bug:
/// both can miss, and both compute. The fix checks again under the write
/// lock.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Cache {
    checks_again: bool,
    cached: bool,
    computed: u8,
    missed: [bool; 2],
    pc: [u8; 2],
}

impl Model for Cache {
    const THREADS: usize = 2;
    fn done(&self, t: usize) -> bool {
        self.pc[t] == 3
    }
    fn step(&mut self, t: usize) -> bool {
        // Each step is one critical section (read lock, computation, write
        // lock): the lock makes it atomic.
        match self.pc[t] {
            0 => {
                self.missed[t] = !self.cached;
                self.pc[t] = if self.missed[t] { 1 } else { 3 };
                return true;
            }
            1 if self.checks_again => {
                if !self.cached {
                    self.computed += 1;
                    self.cached = true;
                }
                self.pc[t] = 3;
                return true;
            }
            1 => self.computed += 1,
            _ => self.cached = true,
        }
        self.pc[t] += 1;
        true
    }
    fn outcome(&self) -> String {
        format!("computed={}", self.computed)
    }
}

fn lookup(cache: &RwLock<HashMap<u32, u32>>, computed: &AtomicUsize, checks_again: bool) -> u32 {
    if let Some(&v) = cache.read().unwrap().get(&3) {
        return v;
    }
    if checks_again {
        let mut w = cache.write().unwrap();
        if let Some(&v) = w.get(&3) {
            return v; // filled while this thread waited for the write lock
        }
        computed.fetch_add(1, SeqCst);
        w.insert(3, 9);
        9
    } else {
        computed.fetch_add(1, SeqCst);
        cache.write().unwrap().insert(3, 9);
        9
    }
}

fn cache_run(checks_again: bool) -> String {
    let cache = Arc::new(RwLock::new(HashMap::new()));
    let computed = Arc::new(AtomicUsize::new(0));
    let (c2, n2) = (cache.clone(), computed.clone());
    let t = thread::spawn(move || lookup(&c2, &n2, checks_again));
    let a = lookup(&cache, &computed, checks_again);
    assert_eq!((a, t.join().unwrap()), (9, 9));
    format!("computed={}", computed.load(SeqCst))
}

fn cache_model(checks_again: bool) -> Cache {
    Cache {
        checks_again,
        cached: false,
        computed: 0,
        missed: [false; 2],
        pc: [0; 2],
    }
}

#[test]
fn a_check_then_act_rwlock_cache_is_caught_computing_twice() {
    let want = oracle(cache_model(false));
    assert_eq!(want, set(&["computed=1", "computed=2"]));
    let reports = assert_outcomes(
        super::checkers(),
        "rwlock-cache-check-then-act",
        || cache_run(false),
        |o| o == "computed=1",
        &want,
    );
    for r in reports {
        let bad: Vec<_> = r.violations().map(|v| v.outcome.as_str()).collect();
        assert_eq!(bad, ["computed=2"], "{}", r.backend);
    }
}

#[test]
fn an_rwlock_cache_that_checks_again_under_the_write_lock_computes_once() {
    let want = oracle(cache_model(true));
    assert_eq!(want, set(&["computed=1"]));
    let reports = assert_outcomes(
        super::checkers(),
        "rwlock-cache-fixed",
        || cache_run(true),
        |o| o == "computed=1",
        &want,
    );
    assert_real_within("rwlock-cache-fixed", || cache_run(true), &want);
    assert!(reports.iter().all(|r| r.violations().next().is_none()));
}

/// main takes a read lock, spawns a writer, takes the read lock again. The
/// writer-preferring policy (std's on Linux; see `sync::rwlock`) blocks the
/// second read while the writer waits, and the writer waits for main's
/// first read: a deadlock, in the schedules where the writer comes first.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
struct ReadTwice {
    lock: Rw,
    writers_waiting: u8,
    spawned: bool,
    pc: [u8; 2],
}

impl Model for ReadTwice {
    const THREADS: usize = 2;
    fn done(&self, t: usize) -> bool {
        self.pc[t] == [5, 3][t]
    }
    fn step(&mut self, t: usize) -> bool {
        let readable = !self.lock.writer && self.writers_waiting == 0;
        match (t, self.pc[t]) {
            (0, 0 | 2) if !readable => return false,
            (0, 0 | 2) => self.lock.readers += 1,
            (0, 1) => self.spawned = true,
            (0, 3) => self.lock.readers = 0,
            (0, 4) if self.pc[1] != 3 => return false, // join
            (1, 0) if !self.spawned => return false,
            (1, 0) => {
                // Takes the lock at once if it is free, else waits for it.
                if self.lock.write() {
                    self.pc[1] = 2;
                } else {
                    self.writers_waiting += 1;
                    self.pc[1] = 1;
                }
                return true;
            }
            (1, 1) if !self.lock.write() => return false,
            (1, 1) => self.writers_waiting -= 1,
            (1, 2) => self.lock.writer = false,
            _ => {}
        }
        self.pc[t] += 1;
        true
    }
    fn outcome(&self) -> String {
        "ok".into()
    }
}

fn read_twice() -> String {
    let l = Arc::new(RwLock::new(1));
    let first = l.read().unwrap();
    let l2 = l.clone();
    let w = thread::spawn(move || *l2.write().unwrap() += 1);
    let second = l.read().unwrap();
    assert_eq!(*first + *second, 2);
    drop((first, second));
    w.join().unwrap();
    "ok".into()
}

#[test]
fn a_read_lock_taken_twice_while_a_writer_waits_is_a_deadlock() {
    let want = oracle(ReadTwice::default());
    assert_eq!(want, set(&["deadlock", "ok"]));
    let reports = assert_outcomes(
        &CHECKERS,
        "rwlock-read-twice",
        read_twice,
        |o| o == "ok",
        &want,
    );
    let w = reports[0].first_violation().expect("a deadlock witness");
    let text = w.trace.render();
    assert!(text.contains("wait-for"), "{text}");
}

/// Two workers each write their slot (10 + i) in phase one, then read the
/// other's in phase two, with a barrier between; each notes whether it was
/// the barrier's leader. The bug reads before the barrier.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Phases {
    reads_after_barrier: bool,
    slot: [u8; 2],
    seen: [u8; 2],
    arrived: u8,
    pc: [u8; 2],
}

impl Model for Phases {
    const THREADS: usize = 2;
    fn done(&self, t: usize) -> bool {
        self.pc[t] == 4
    }
    fn step(&mut self, t: usize) -> bool {
        // Steps 1..=3: read, arrive, leave (once all arrived); or arrive,
        // leave, read.
        let step = match (self.reads_after_barrier, self.pc[t]) {
            (_, 0) => "write",
            (false, 1) | (true, 3) => "read",
            (false, 2) | (true, 1) => "arrive",
            _ => "leave",
        };
        match step {
            "write" => self.slot[t] = 10 + t as u8,
            "read" => self.seen[t] = self.slot[1 - t],
            "arrive" => self.arrived += 1,
            _ if self.arrived < 2 => return false,
            _ => {}
        }
        self.pc[t] += 1;
        true
    }
    fn outcome(&self) -> String {
        // std: exactly one leader per generation.
        format!("{} {} leaders=1", self.seen[0], self.seen[1])
    }
}

fn phases(reads_after_barrier: bool) -> String {
    let slots = Arc::new(Mutex::new([0u8; 2]));
    let barrier = Arc::new(Barrier::new(2));
    let worker = |i: usize| {
        let (slots, barrier) = (slots.clone(), barrier.clone());
        thread::spawn(move || {
            slots.lock().unwrap()[i] = 10 + i as u8;
            let read = || slots.lock().unwrap()[1 - i];
            let early = (!reads_after_barrier).then(read);
            let leader = barrier.wait().is_leader();
            (early.unwrap_or_else(read), leader)
        })
    };
    let (a, b) = (worker(0), worker(1));
    let ((x, la), (y, lb)) = (a.join().unwrap(), b.join().unwrap());
    format!("{x} {y} leaders={}", la as u8 + lb as u8)
}

fn model_phases(reads_after_barrier: bool) -> Phases {
    Phases {
        reads_after_barrier,
        slot: [0; 2],
        seen: [0; 2],
        arrived: 0,
        pc: [0; 2],
    }
}

#[test]
fn reading_a_phase_one_value_before_the_barrier_is_caught_seeing_it_empty() {
    let want = oracle(model_phases(false));
    assert_eq!(
        want,
        set(&["0 10 leaders=1", "11 0 leaders=1", "11 10 leaders=1"])
    );
    let spec = |o: &str| o == "11 10 leaders=1";
    for r in assert_outcomes(
        super::checkers(),
        "barrier-read-early",
        || phases(false),
        spec,
        &want,
    ) {
        assert_eq!(r.violations().count(), 2, "{}", r.backend);
    }
}

#[test]
fn reading_after_the_barrier_always_sees_both_phase_one_values() {
    let want = oracle(model_phases(true));
    assert_eq!(want, set(&["11 10 leaders=1"]));
    assert_outcomes(
        super::checkers(),
        "barrier-read-after",
        || phases(true),
        |_| true,
        &want,
    );
    assert_real_within("barrier-read-after", || phases(true), &want);
}
