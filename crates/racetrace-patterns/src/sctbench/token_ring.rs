//! `token-ring` — SCTBench's `token_ring`: three threads pass a value
//! round a ring, each in one atomic block (`x1 = (x3 + 1) % 4`, `x2 = x1`,
//! `x3 = x2`, each raising its flag); a fourth asserts, once every flag is
//! up, that `x1 == x2 == x3`. Property: that assertion. Variants:
//! `any-order` (bug: the blocks run in any order), `passed-token` (holds:
//! each thread waits for its predecessor's flag).

use super::{BUG_JOBS, FIXED_JOBS, OK, only_ok};
use crate::pattern::{Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::traced::sync::{Arc, Condvar, Mutex};
use racetrace::traced::thread;

fn explain(_: &Params, o: &str) -> String {
    if o == OK {
        "x1 = x2 = x3 whenever every flag was up".into()
    } else {
        format!("every flag up but the values differ: {o}")
    }
}

const BUG: Spec = Spec {
    property: "with every flag up, x1 = x2 = x3",
    expect: Expect::Bug("values differ round the ring"),
    allowed: only_ok,
    explain,
};

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "token-ring",
    summary: "three threads pass a value round a ring in atomic blocks; a fourth checks they agree",
    python: "SCTBench token_ring (C, atomic blocks): t1: x1 = (x3 + 1) % 4; t2: x2 = x1; t3: x3 = x2, each setting its flag; t4: if all flags, assert x1 == x2 == x3",
    params: &[],
    threads: |_| 5,
    variants: &[
        Variant {
            name: "any-order",
            summary: "each block runs whenever its thread is scheduled",
            spec: BUG,
            run: any_order,
            jobs: BUG_JOBS,
        },
        Variant {
            name: "passed-token",
            summary: "t2 waits for t1's flag and t3 for t2's before their blocks (a condition variable)",
            spec: Spec {
                expect: Expect::Holds,
                ..BUG
            },
            run: passed_token,
            jobs: FIXED_JOBS,
        },
    ],
};

#[derive(Default)]
struct Ring {
    x: [i32; 3],
    flag: [bool; 3],
}

fn run(wait_for_predecessor: bool) -> String {
    let ring = Arc::new((
        Mutex::new(Ring {
            x: [1, 2, 1],
            flag: [false; 3],
        })
        .named("ring"),
        Condvar::new().named("token"),
    ));
    let passers: Vec<_> = (0..3)
        .map(|i| {
            let ring = ring.clone();
            thread::spawn(move || {
                let (m, token) = &*ring;
                let mut r = m.lock();
                if wait_for_predecessor && i > 0 {
                    r = token.wait_while(r, |r| !r.flag[i - 1]);
                }
                r.x[i] = match i {
                    0 => (r.x[2] + 1) % 4,
                    _ => r.x[i - 1],
                };
                r.flag[i] = true;
                token.notify_all();
            })
        })
        .collect();
    let r2 = ring.clone();
    let checker = thread::spawn(move || {
        let r = r2.0.lock();
        let [x1, x2, x3] = r.x;
        (r.flag.iter().all(|f| *f) && !(x1 == x2 && x2 == x3))
            .then(|| format!("x1={x1} x2={x2} x3={x3}"))
    });
    for p in passers {
        p.join().expect("ring thread failed");
    }
    checker
        .join()
        .expect("checker failed")
        .unwrap_or_else(|| OK.to_string())
}

fn any_order(_: &Params) -> String {
    run(false)
}

fn passed_token(_: &Params) -> String {
    run(true)
}
