//! `OnceLock`, `Once` and `LazyLock` under the exhaustive checkers: racing
//! initialisations against the oracle's outcome set (one model serves the
//! three, as std gives them the same meaning), and a `static` used by
//! every explored schedule.

use crate::oracle::{Model, oracle, set};
use crate::{CHECKERS, assert_outcomes, assert_real_within};
use racetrace::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use racetrace::sync::{Arc, LazyLock, Once, OnceLock};
use racetrace::{Backend, thread};

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    /// `get_or_init` (or `call_once`, or a first deref) with this value.
    Init(u8),
    /// `get` (or `is_completed`): the value, once initialised.
    Observe,
}

/// std's meaning: exactly one initialiser runs; every other caller returns
/// its value, waiting while it runs; an observer sees nothing until it has
/// finished.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Race<const N: usize> {
    roles: [Role; N],
    value: Option<u8>,
    busy: bool,
    runs: u8,
    got: [u8; N],
    seen: Option<Option<u8>>,
    pc: [u8; N],
}

impl<const N: usize> Race<N> {
    fn new(roles: [Role; N]) -> Self {
        Race {
            roles,
            value: None,
            busy: false,
            runs: 0,
            got: [0; N],
            seen: None,
            pc: [0; N],
        }
    }
}

impl<const N: usize> Model for Race<N> {
    const THREADS: usize = N;
    fn done(&self, t: usize) -> bool {
        self.pc[t] == 3
    }
    fn step(&mut self, t: usize) -> bool {
        match (self.roles[t], self.pc[t]) {
            (Role::Observe, _) => {
                self.seen = Some(self.value);
                self.pc[t] = 3;
            }
            (Role::Init(_), 0) => match self.value {
                Some(v) => {
                    self.got[t] = v;
                    self.pc[t] = 3;
                }
                None if self.busy => return false,
                None => {
                    self.busy = true;
                    self.pc[t] = 1;
                }
            },
            (Role::Init(_), 1) => {
                self.runs += 1;
                self.pc[t] = 2;
            }
            (Role::Init(v), _) => {
                self.value = Some(v);
                self.busy = false;
                self.got[t] = v;
                self.pc[t] = 3;
            }
        }
        true
    }
    fn outcome(&self) -> String {
        let got: String = (0..N)
            .filter(|&t| self.roles[t] != Role::Observe)
            .map(|t| self.got[t].to_string())
            .collect();
        match self.seen {
            Some(seen) => format!("runs={} got={got} seen={seen:?}", self.runs),
            None => format!("runs={} got={got}", self.runs),
        }
    }
}

/// main initialises with 1, t1 with 2, t2 looks.
const TWO_AND_A_LOOK: [Role; 3] = [Role::Init(1), Role::Init(2), Role::Observe];

fn once_lock_race() -> String {
    let cell = Arc::new(OnceLock::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let init = |v: u8| {
        let (cell, runs) = (cell.clone(), runs.clone());
        move || {
            *cell.get_or_init(|| {
                runs.fetch_add(1, SeqCst);
                v
            })
        }
    };
    let t1 = thread::spawn(init(2));
    let c2 = cell.clone();
    let t2 = thread::spawn(move || c2.get().copied());
    let a = init(1)();
    let (b, seen) = (t1.join().unwrap(), t2.join().unwrap());
    format!("runs={} got={a}{b} seen={seen:?}", runs.load(SeqCst))
}

#[test]
fn a_once_lock_race_runs_the_initialiser_exactly_once_in_every_schedule() {
    let want = oracle(Race::new(TWO_AND_A_LOOK));
    assert!(want.iter().all(|o| o.starts_with("runs=1 ")), "{want:?}");
    assert_eq!(want.len(), 4, "either wins; the look is before or after");
    assert_outcomes(
        super::checkers(),
        "oncelock-race",
        once_lock_race,
        |o| o.starts_with("runs=1 "),
        &want,
    );
    assert_real_within("oncelock-race", once_lock_race, &want);
}

fn once_race() -> String {
    let once = Arc::new(Once::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let winner = Arc::new(AtomicUsize::new(0));
    let call = |v: usize| {
        let (once, runs, winner) = (once.clone(), runs.clone(), winner.clone());
        move || {
            once.call_once(|| {
                runs.fetch_add(1, SeqCst);
                winner.store(v, SeqCst);
            });
            winner.load(SeqCst)
        }
    };
    let t1 = thread::spawn(call(2));
    let (o2, w2) = (once.clone(), winner.clone());
    let t2 = thread::spawn(move || o2.is_completed().then(|| w2.load(SeqCst)));
    let a = call(1)();
    let (b, seen) = (t1.join().unwrap(), t2.join().unwrap());
    format!("runs={} got={a}{b} seen={seen:?}", runs.load(SeqCst))
}

// Not shuttle-dfs: without reduction, these three threads' schedules
// number 1.5 million (a minute); dpor needs 18, loom 495.
#[test]
fn a_once_race_runs_one_closure_and_is_completed_only_after_it() {
    let want = oracle(Race::new(TWO_AND_A_LOOK));
    assert_outcomes(
        &[Backend::Dpor, Backend::Loom],
        "once-race",
        once_race,
        |o| o.starts_with("runs=1 "),
        &want,
    );
    assert_real_within("once-race", once_race, &want);
}

fn lazy_race() -> String {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let lazy = Arc::new(LazyLock::new(move || {
        r.fetch_add(1, SeqCst);
        5u8
    }));
    let l2 = lazy.clone();
    let t = thread::spawn(move || **l2);
    let a = **lazy;
    format!("runs={} got={a}{}", runs.load(SeqCst), t.join().unwrap())
}

#[test]
fn a_lazy_lock_forced_by_two_threads_computes_once() {
    let want = oracle(Race::new([Role::Init(5); 2]));
    assert_eq!(want, set(&["runs=1 got=55"]));
    assert_outcomes(&CHECKERS, "lazylock-race", lazy_race, |_| true, &want);
    assert_real_within("lazylock-race", lazy_race, &want);
}

/// A `static` is made once for the whole test, but each explored schedule
/// is a new execution: the cell's traced parts are made again for each, so
/// every checker can use it (its value, set by the first schedule, stays).
#[test]
fn a_static_lazy_lock_works_in_every_explored_schedule() {
    static TABLE: LazyLock<Vec<u8>> = LazyLock::new(|| vec![1, 2, 3]);
    fn program() -> String {
        let t = thread::spawn(|| TABLE.len());
        format!("{} {}", TABLE[2], t.join().unwrap())
    }
    for _ in 0..2 {
        assert_outcomes(
            &CHECKERS,
            "static-lazylock",
            program,
            |_| true,
            &set(&["3 3"]),
        );
    }
}
