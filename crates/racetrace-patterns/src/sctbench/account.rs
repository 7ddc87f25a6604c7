//! `account` — SCTBench's `account`: a balance of x = 1; a deposit of
//! y = 2 and a withdrawal of z = 4, each under the lock, each raising its
//! flag; a checker, under the lock, asserts the balance once both flags are
//! up. Property: the checker's assertion holds. Variants: `wrong-total`
//! (bug, as in SCTBench's `account_bad`: the checker expects x − y − z, so it
//! fails exactly when it runs after both), `right-total` (holds, as
//! `account_ok`: x + y − z).

use super::{BUG_JOBS, FIXED_JOBS, OK, only_ok};
use crate::pattern::{Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::traced::sync::{Arc, Mutex};
use racetrace::traced::thread;

const X: i64 = 1;
const Y: i64 = 2;
const Z: i64 = 4;

fn explain(_: &Params, o: &str) -> String {
    if o == OK {
        "the checker's assertion held (or it ran before both were done)".into()
    } else {
        format!("the checker's assertion failed: {o}")
    }
}

const BUG: Spec = Spec {
    property: "the checker's assertion on the balance holds",
    expect: Expect::Bug("wrong expected balance, seen when the checker runs last"),
    allowed: only_ok,
    explain,
};

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "account",
    summary: "a deposit and a withdrawal under a lock; a checker asserts the balance once both are done",
    python: "SCTBench account (C, pthreads): deposit: balance += y; withdraw: balance -= z; check_result: if both done, assert(balance == expected), all under one mutex",
    params: &[],
    threads: |_| 4,
    variants: &[
        Variant {
            name: "wrong-total",
            summary: "the checker expects x - y - z",
            spec: BUG,
            run: wrong_total,
            jobs: BUG_JOBS,
        },
        Variant {
            name: "right-total",
            summary: "the checker expects x + y - z",
            spec: Spec {
                expect: Expect::Holds,
                ..BUG
            },
            run: right_total,
            jobs: FIXED_JOBS,
        },
    ],
};

struct Account {
    balance: i64,
    deposit_done: bool,
    withdraw_done: bool,
}

fn run(expected: i64) -> String {
    let m = Arc::new(
        Mutex::new(Account {
            balance: X,
            deposit_done: false,
            withdraw_done: false,
        })
        .named("account"),
    );
    let (c, d, w) = (m.clone(), m.clone(), m.clone());
    let checker = thread::spawn(move || {
        let a = c.lock();
        (a.deposit_done && a.withdraw_done && a.balance != expected)
            .then(|| format!("balance {}, expected {expected}", a.balance))
    });
    let deposit = thread::spawn(move || {
        let mut a = d.lock();
        a.balance += Y;
        a.deposit_done = true;
    });
    let withdraw = thread::spawn(move || {
        let mut a = w.lock();
        a.balance -= Z;
        a.withdraw_done = true;
    });
    deposit.join().expect("deposit failed");
    withdraw.join().expect("withdraw failed");
    checker
        .join()
        .expect("checker failed")
        .unwrap_or_else(|| OK.to_string())
}

fn wrong_total(_: &Params) -> String {
    run(X - Y - Z)
}

fn right_total(_: &Params) -> String {
    run(X + Y - Z)
}
