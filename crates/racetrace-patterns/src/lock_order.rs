//! `lock-order` — the tutorials' warning about taking two locks: two bank
//! accounts, each with its lock; one thread moves money from a to b, the other
//! from b to a, each holding both locks for the move. Property: both transfers
//! complete (no deadlock) and no money appears or vanishes.
//! Variants: `opposite-order` (bug: deadlock), `global-order` (holds),
//! `try-lock-backoff` (holds).

use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::traced::sync::{Arc, Mutex, MutexGuard};
use racetrace::traced::thread;

/// Opening balances, and what each thread moves.
const OPENING: (i64, i64) = (100, 100);
const A_TO_B: i64 = 30;
const B_TO_A: i64 = 20;

const PARAMS: &[ParamSpec] = &[ParamSpec {
    name: "tries",
    // shuttle's DFS explores 15 383 schedules with 1 try, and does not finish
    // in minutes with 2 (loom: 21 schedules either way).
    default: 1,
    min: 1,
    max: 8,
    help: "try-lock-backoff only: attempts with try_lock before falling back to the global order",
}];

fn expected() -> String {
    format!(
        "a={} b={}",
        OPENING.0 - A_TO_B + B_TO_A,
        OPENING.1 + A_TO_B - B_TO_A
    )
}

fn allowed(_: &Params, o: &str) -> bool {
    o == expected()
}

fn explain(_: &Params, o: &str) -> String {
    if o == expected() {
        return "both transfers made, money conserved".into();
    }
    match o {
        "deadlock" => "deadlock: each thread holds one lock and waits for the other's".into(),
        "step limit" => "livelock: the threads kept backing off without progress".into(),
        _ => format!("wrong balances (expected {})", expected()),
    }
}

const BUG: Spec = Spec {
    property: "both transfers complete, money conserved",
    expect: Expect::Bug("deadlock"),
    allowed,
    explain,
};

const FIXED: Spec = Spec {
    expect: Expect::Holds,
    ..BUG
};

const BUG_JOBS: &[Job] = &[
    Job::on(Backend::Dpor),
    Job::on(Backend::Loom),
    Job::on(Backend::ShuttleDfs),
    Job::sampled(Backend::ShuttlePct, 1000),
    Job::informational(Backend::Real, 200),
];

const FIXED_JOBS: &[Job] = &[
    Job::on(Backend::Dpor),
    Job::on(Backend::Loom),
    Job::on(Backend::ShuttleDfs),
    Job::sampled(Backend::ShuttlePct, 1000),
    Job::sampled(Backend::Real, 200),
];

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "lock-order",
    summary: "two threads move money between two accounts, each taking both locks",
    python: "lock_a, lock_b = Lock(), Lock(); one thread does `with lock_a: with lock_b: move(a, b)`, the other `with lock_b: with lock_a: move(b, a)`",
    params: PARAMS,
    threads: |_| 3,
    variants: &[
        Variant {
            name: "opposite-order",
            summary: "t1 locks a then b, t2 locks b then a",
            spec: BUG,
            run: opposite_order,
            jobs: BUG_JOBS,
        },
        Variant {
            name: "global-order",
            summary: "both threads lock a first, then b",
            spec: FIXED,
            run: global_order,
            jobs: FIXED_JOBS,
        },
        Variant {
            name: "try-lock-backoff",
            summary: "lock the first, try_lock the second; on failure release, yield and retry (a bounded number of times, then lock in the global order)",
            spec: FIXED,
            run: try_lock_backoff,
            jobs: FIXED_JOBS,
        },
    ],
};

struct Accounts {
    a: Mutex<i64>,
    b: Mutex<i64>,
}

impl Accounts {
    fn new() -> Arc<Accounts> {
        Arc::new(Accounts {
            a: Mutex::new(OPENING.0).named("account_a"),
            b: Mutex::new(OPENING.1).named("account_b"),
        })
    }

    fn balances(&self) -> String {
        let a = *self.a.lock();
        let b = *self.b.lock();
        format!("a={a} b={b}")
    }
}

/// Move `amount` out of `from` into `to`, both locks held.
fn transfer(from: &mut MutexGuard<'_, i64>, to: &mut MutexGuard<'_, i64>, amount: i64) {
    **from -= amount;
    **to += amount;
}

/// Run the two transfers, each in its own thread, with `t1` and `t2` saying
/// how each takes its locks; return the balances.
fn run_pair(t1: fn(&Accounts), t2: fn(&Accounts)) -> String {
    let acc = Accounts::new();
    let (x, y) = (acc.clone(), acc.clone());
    let h1 = thread::spawn(move || t1(&x));
    let h2 = thread::spawn(move || t2(&y));
    h1.join().expect("t1 failed");
    h2.join().expect("t2 failed");
    acc.balances()
}

fn opposite_order(_: &Params) -> String {
    run_pair(
        |acc| {
            let mut a = acc.a.lock();
            let mut b = acc.b.lock();
            transfer(&mut a, &mut b, A_TO_B);
        },
        |acc| {
            let mut b = acc.b.lock();
            let mut a = acc.a.lock();
            transfer(&mut b, &mut a, B_TO_A);
        },
    )
}

fn global_order(_: &Params) -> String {
    run_pair(
        |acc| {
            let mut a = acc.a.lock();
            let mut b = acc.b.lock();
            transfer(&mut a, &mut b, A_TO_B);
        },
        |acc| {
            // Needs b then a, but takes them in the global order.
            let mut a = acc.a.lock();
            let mut b = acc.b.lock();
            transfer(&mut b, &mut a, B_TO_A);
        },
    )
}

fn try_lock_backoff(p: &Params) -> String {
    let tries = p.get("tries");
    let acc = Accounts::new();
    let (x, y) = (acc.clone(), acc.clone());
    let h1 = thread::spawn(move || {
        let (mut a, mut b) = backoff(&x, true, tries);
        transfer(&mut a, &mut b, A_TO_B);
    });
    let h2 = thread::spawn(move || {
        let (mut a, mut b) = backoff(&y, false, tries);
        transfer(&mut b, &mut a, B_TO_A);
    });
    h1.join().expect("t1 failed");
    h2.join().expect("t2 failed");
    acc.balances()
}

/// Lock the first account (a if `a_first`), then try the second; if it is
/// taken, let go of the first, yield and start again. Never waits while
/// holding a lock, so it cannot be part of a wait-for cycle. Unbounded, two
/// threads doing this could keep failing in lockstep for ever (a livelock);
/// after `tries` attempts it locks in the global order (a, then b), which
/// cannot deadlock either. Returns the guards of a and b.
fn backoff(
    acc: &Accounts,
    a_first: bool,
    tries: usize,
) -> (MutexGuard<'_, i64>, MutexGuard<'_, i64>) {
    let (first, second) = if a_first {
        (&acc.a, &acc.b)
    } else {
        (&acc.b, &acc.a)
    };
    for _ in 0..tries {
        let f = first.lock();
        if let Some(s) = second.try_lock() {
            return if a_first { (f, s) } else { (s, f) };
        }
        drop(f);
        thread::yield_now();
    }
    let a = acc.a.lock();
    let b = acc.b.lock();
    (a, b)
}
