//! The brute-force oracle: a tiny abstract model of a program (its threads
//! as state machines over a shared state, each step one atomic action as
//! std's documentation describes it) and every interleaving of its steps,
//! enumerated. A step may be blocked (a lock held, a queue empty, a wait not
//! yet satisfied): when no unfinished thread can take a step the outcome is
//! `deadlock`, as racetrace names it. Independent of racetrace: it shares no
//! code with it, only the program's meaning.

use std::collections::{BTreeSet, HashSet};
use std::hash::Hash;

/// A tiny abstract program.
pub trait Model: Clone + Eq + Hash {
    /// How many threads (main included).
    const THREADS: usize;
    /// Has thread `t` finished?
    fn done(&self, t: usize) -> bool;
    /// Take thread `t`'s next atomic step; `false`, changing nothing, when
    /// it is blocked.
    fn step(&mut self, t: usize) -> bool;
    /// The outcome, once every thread has finished.
    fn outcome(&self) -> String;
}

/// Every outcome of every interleaving of `init`'s threads.
pub fn oracle<M: Model>(init: M) -> BTreeSet<String> {
    let mut outcomes = BTreeSet::new();
    let mut seen = HashSet::new();
    let mut todo = vec![init];
    while let Some(m) = todo.pop() {
        if !seen.insert(m.clone()) {
            continue;
        }
        if (0..M::THREADS).all(|t| m.done(t)) {
            outcomes.insert(m.outcome());
            continue;
        }
        let mut moved = false;
        for t in (0..M::THREADS).filter(|&t| !m.done(t)) {
            let mut next = m.clone();
            if next.step(t) {
                moved = true;
                todo.push(next);
            }
        }
        if !moved {
            outcomes.insert("deadlock".to_string());
        }
    }
    outcomes
}

/// A set of outcome strings.
pub fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The oracle itself, on models whose outcomes are known by hand.
#[test]
fn the_oracle_finds_every_interleaving_and_every_deadlock() {
    /// Two threads each `x = x * 2 + (t + 1)` in two steps (read, write).
    #[derive(Clone, PartialEq, Eq, Hash)]
    struct LostUpdate {
        x: u8,
        read: [u8; 2],
        pc: [u8; 2],
    }
    impl Model for LostUpdate {
        const THREADS: usize = 2;
        fn done(&self, t: usize) -> bool {
            self.pc[t] == 2
        }
        fn step(&mut self, t: usize) -> bool {
            match self.pc[t] {
                0 => self.read[t] = self.x,
                _ => self.x = self.read[t] * 2 + t as u8 + 1,
            }
            self.pc[t] += 1;
            true
        }
        fn outcome(&self) -> String {
            self.x.to_string()
        }
    }
    let m = LostUpdate {
        x: 0,
        read: [0; 2],
        pc: [0; 2],
    };
    // Sequential: 1 then 2*1+2 = 4, or 2 then 2*2+1 = 5; lost: 1 or 2.
    assert_eq!(oracle(m), set(&["1", "2", "4", "5"]));

    /// Two threads each take lock `t` then lock `1 - t`.
    #[derive(Clone, PartialEq, Eq, Hash)]
    struct Opposite {
        held: [Option<usize>; 2],
        pc: [u8; 2],
    }
    impl Model for Opposite {
        const THREADS: usize = 2;
        fn done(&self, t: usize) -> bool {
            self.pc[t] == 3
        }
        fn step(&mut self, t: usize) -> bool {
            let want = match self.pc[t] {
                0 => t,
                1 => 1 - t,
                _ => {
                    for h in &mut self.held {
                        if *h == Some(t) {
                            *h = None;
                        }
                    }
                    self.pc[t] = 3;
                    return true;
                }
            };
            if self.held[want].is_some() {
                return false;
            }
            self.held[want] = Some(t);
            self.pc[t] += 1;
            true
        }
        fn outcome(&self) -> String {
            "ok".into()
        }
    }
    let m = Opposite {
        held: [None, None],
        pc: [0; 2],
    };
    assert_eq!(oracle(m), set(&["deadlock", "ok"]));
}
