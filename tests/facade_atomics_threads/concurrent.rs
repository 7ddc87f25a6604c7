//! Concurrent atomics under the exhaustive checkers: outcome sets equal to
//! those of a brute-force oracle enumerating every interleaving of a tiny
//! abstract model of the same program.

use super::*;
use std::collections::HashSet;
use std::hash::Hash;

/// A thread's local state in a model: a program counter and three registers.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Debug)]
pub(crate) struct L {
    pub(crate) pc: u8,
    pub(crate) a: i64,
    pub(crate) b: i64,
    pub(crate) c: i64,
}

/// Every outcome of `n` threads run from `shared`, in every interleaving of
/// their steps: `step(t, shared, local)` performs thread `t`'s next atomic
/// step and says whether the thread has ended. A spinning thread returns
/// to a state already seen, so the search (over states, not paths) ends.
pub(crate) fn oracle<S: Clone + Eq + Hash>(
    shared: S,
    n: usize,
    step: impl Fn(usize, &mut S, &mut L) -> bool,
    end: impl Fn(&S, &[L]) -> String,
) -> BTreeSet<String> {
    let start = (shared, vec![L::default(); n], vec![false; n]);
    let mut seen = HashSet::from([start.clone()]);
    let mut todo = vec![start];
    let mut out = BTreeSet::new();
    while let Some((s, ls, done)) = todo.pop() {
        if done.iter().all(|d| *d) {
            out.insert(end(&s, &ls));
        }
        for t in (0..n).filter(|t| !done[*t]) {
            let (mut s2, mut ls2, mut done2) = (s.clone(), ls.clone(), done.clone());
            done2[t] = step(t, &mut s2, &mut ls2[t]);
            if seen.insert((s2.clone(), ls2.clone(), done2.clone())) {
                todo.push((s2, ls2, done2));
            }
        }
    }
    out
}

pub(crate) fn assert_matches_oracle(label: &str, program: fn() -> String, want: &BTreeSet<String>) {
    assert!(want.len() > 1, "{label}: the oracle sees one outcome only");
    for b in CHECKERS {
        assert_eq!(&outcomes(b, label, program), want, "{label} @ {b}");
    }
}

// ---- concurrent atomics vs the oracle -------------------------------------

/// t1: fetch_max(3); t2: fetch_max(7) then fetch_min(5); from 4.
fn max_min() -> String {
    let x = Arc::new(rt::AtomicI32::new(4));
    let x1 = x.clone();
    let h = thread::spawn(move || x1.fetch_max(3, SeqCst));
    let (b, c) = (x.fetch_max(7, SeqCst), x.fetch_min(5, SeqCst));
    let a = h.join().unwrap();
    format!("a={a} b={b} c={c} x={}", x.load(SeqCst))
}

#[test]
fn fetch_max_and_fetch_min_race_as_the_oracle_says() {
    let want = oracle(
        4i64,
        2,
        |t, x, l| {
            let old = *x;
            match (t, l.pc) {
                (0, _) => {
                    l.a = old;
                    *x = old.max(3);
                    true
                }
                (_, 0) => {
                    l.b = old;
                    *x = old.max(7);
                    l.pc = 1;
                    false
                }
                _ => {
                    l.c = old;
                    *x = old.min(5);
                    true
                }
            }
        },
        |x, ls| format!("a={} b={} c={} x={x}", ls[0].a, ls[1].b, ls[1].c),
    );
    assert_matches_oracle("max-min", max_min, &want);
}

/// Two threads add 1 twice each with a load + compare_exchange(_weak) loop,
/// counting their failed attempts.
fn cas_increments() -> String {
    let x = Arc::new(rt::AtomicU64::new(0));
    let inc = |x: &rt::AtomicU64, weak: bool| {
        let mut retries = 0;
        for _ in 0..2 {
            loop {
                let v = x.load(SeqCst);
                let r = if weak {
                    x.compare_exchange_weak(v, v + 1, SeqCst, SeqCst)
                } else {
                    x.compare_exchange(v, v + 1, SeqCst, SeqCst)
                };
                if r.is_ok() {
                    break;
                }
                retries += 1;
            }
        }
        retries
    };
    let x1 = x.clone();
    let h = thread::spawn(move || inc(&x1, true));
    let r2 = inc(&x, false);
    let r1 = h.join().unwrap();
    format!("x={} retries={r1},{r2}", x.load(SeqCst))
}

#[test]
fn a_cas_increment_loop_loses_no_update_and_retries_as_the_oracle_says() {
    let want = oracle(
        0i64,
        2,
        |_, x, l| {
            if l.pc == 0 {
                l.a = *x; // load
                l.pc = 1;
                return false;
            }
            l.pc = 0;
            if *x == l.a {
                *x += 1;
                l.b += 1;
            } else {
                l.c += 1;
            }
            l.b == 2
        },
        |x, ls| format!("x={x} retries={},{}", ls[0].c, ls[1].c),
    );
    assert_matches_oracle("cas-increments", cas_increments, &want);
}

/// Two threads increment a counter by load + store inside a
/// compare_exchange spin lock (or without it); the outcome is the counter
/// and which thread saw 0.
fn spin_locked(locked: bool) -> String {
    let lock = Arc::new(rt::AtomicBool::new(false));
    let (counter, first) = (
        Arc::new(rt::AtomicUsize::new(0)),
        Arc::new(rt::AtomicUsize::new(0)),
    );
    let work = move |id: usize,
                     lock: &rt::AtomicBool,
                     counter: &rt::AtomicUsize,
                     first: &rt::AtomicUsize| {
        while locked && lock.compare_exchange(false, true, SeqCst, SeqCst).is_err() {
            racetrace::hint::spin_loop();
        }
        let v = counter.load(SeqCst);
        counter.store(v + 1, SeqCst);
        if v == 0 {
            first.store(id, SeqCst);
        }
        if locked {
            lock.store(false, SeqCst);
        }
    };
    let (l, c, f) = (lock.clone(), counter.clone(), first.clone());
    let h = thread::spawn(move || work(1, &l, &c, &f));
    work(2, &lock, &counter, &first);
    h.join().unwrap();
    format!(
        "counter={} first={}",
        counter.load(SeqCst),
        first.load(SeqCst)
    )
}

fn spin_oracle(locked: bool) -> BTreeSet<String> {
    // Shared: (lock, counter, first); pc 0 acquire (spins while held),
    // 1 load, 2 store, 3 set first, 4 release; without the lock 1 to 3.
    oracle(
        (false, 0i64, 0i64),
        2,
        move |t, (lock, counter, first), l| {
            if !locked && l.pc == 0 {
                l.pc = 1;
            }
            match l.pc {
                0 => {
                    if !*lock {
                        *lock = true;
                        l.pc = 1
                    }
                }
                1 => {
                    l.a = *counter;
                    l.pc = 2
                }
                2 => {
                    *counter = l.a + 1;
                    l.pc = if l.a == 0 { 3 } else { 4 }
                }
                3 => {
                    *first = t as i64 + 1;
                    l.pc = 4
                }
                _ => {
                    *lock = false;
                    l.pc = 5
                }
            }
            l.pc == 5 || (l.pc == 4 && !locked)
        },
        |(_, c, f), _| format!("counter={c} first={f}"),
    )
}

#[test]
fn a_compare_exchange_spin_lock_excludes_as_the_oracle_says() {
    assert_matches_oracle("spin-lock", || spin_locked(true), &spin_oracle(true));
    // And without the lock the oracle's lost update is found too. loom
    // 0.7.2 misses "counter=2 first=1" here (t1 entirely before main): so
    // does plain loom on the same program, a known gap (loom #166, #282).
    let unlocked = spin_oracle(false);
    assert!(unlocked.iter().any(|o| o.starts_with("counter=1")));
    for b in [Backend::Dpor, Backend::ShuttleDfs] {
        assert_eq!(
            outcomes(b, "no-lock", || spin_locked(false)),
            unlocked,
            "{b}"
        );
    }
    assert!(outcomes(Backend::Loom, "no-lock", || spin_locked(false)).is_subset(&unlocked));
}

/// Two threads race to publish their slot through an AtomicPtr (one with
/// compare_exchange, one with fetch_update); main swaps in slot 3 last.
fn ptr_race() -> String {
    let p = Arc::new(rt::AtomicPtr::new(std::ptr::null_mut::<u8>()));
    let p1 = p.clone();
    let h = thread::spawn(move || {
        p1.compare_exchange(std::ptr::null_mut(), slot(1), SeqCst, SeqCst)
            .is_ok()
    });
    let won2 = p
        .fetch_update(SeqCst, SeqCst, |x| x.is_null().then(|| slot(2)))
        .is_ok();
    let won1 = h.join().unwrap();
    format!("won={won1},{won2} then={}", index(p.swap(slot(3), SeqCst)))
}

#[test]
fn an_atomic_ptr_race_has_the_winners_the_oracle_says() {
    // fetch_update is a load, then a compare_exchange_weak (pc 1).
    let want = oracle(
        0i64,
        2,
        |t, p, l| match (t, l.pc) {
            (0, _) => {
                l.a = (*p == 0) as i64;
                if *p == 0 {
                    *p = 1;
                }
                true
            }
            (_, 0) => {
                l.b = *p;
                l.pc = 1;
                l.b != 0
            }
            _ => {
                if *p == l.b {
                    *p = 2;
                    l.a = 1;
                    true
                } else {
                    l.b = *p;
                    l.pc = 1;
                    l.b != 0
                }
            }
        },
        |p, ls| format!("won={},{} then={p}", ls[0].a == 1, ls[1].a == 1),
    );
    assert_matches_oracle("ptr-race", ptr_race, &want);
}
