//! `carter` — SCTBench's `carter01`: two "lightswitches" share one lock
//! `l`: the first thread of a group to enter (its counter goes to 1) takes
//! `l`, the last to leave releases it; both groups' counters are guarded by
//! the same mutex `m`, held while `l` is taken. Two idle threads widen the
//! program. Property: every thread finishes. Variants: `shared-mutex` (bug:
//! deadlock — one group waits for `l` holding `m`, the holder of `l` needs
//! `m` to leave), `mutex-per-group` (holds: each counter has its own mutex).

use super::{BUG_JOBS, FIXED_JOBS, OK, only_ok};
use crate::pattern::{Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::traced::sync::{Arc, Mutex};
use racetrace::traced::thread;

fn explain(_: &Params, o: &str) -> String {
    match o {
        OK => "both groups entered and left".into(),
        "deadlock" => {
            "deadlock: a group waits for l holding the counters' mutex, which l's holder needs to leave".into()
        }
        o => format!("unexpected: {o}"),
    }
}

const BUG: Spec = Spec {
    property: "every thread finishes",
    expect: Expect::Bug("deadlock"),
    allowed: only_ok,
    explain,
};

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "carter",
    summary: "two lightswitches share a lock, their counters under one mutex",
    python: "SCTBench carter01 (C, pthreads): t1 locks m; A++; if A == 1 lock l; unlock m; then locks m; A--; if A == 0 unlock l; unlock m; t2 the same with B; t3 and t4 do nothing",
    params: &[],
    threads: |_| 5,
    variants: &[
        Variant {
            name: "shared-mutex",
            summary: "both counters under one mutex m",
            spec: BUG,
            run: shared_mutex,
            jobs: BUG_JOBS,
        },
        Variant {
            name: "mutex-per-group",
            summary: "counter A under m_a, counter B under m_b",
            spec: Spec {
                expect: Expect::Holds,
                ..BUG
            },
            run: mutex_per_group,
            jobs: FIXED_JOBS,
        },
    ],
};

struct Shared {
    /// The mutex guarding each group's counter (index: the group).
    counters: [Arc<Mutex<[i32; 2]>>; 2],
    l: Mutex<()>,
}

/// Enter and leave group `g`'s lightswitch once.
fn enter_and_leave(s: &Shared, g: usize) {
    let held = {
        let mut n = s.counters[g].lock();
        n[g] += 1;
        (n[g] == 1).then(|| s.l.lock())
    };
    let mut n = s.counters[g].lock();
    n[g] -= 1;
    if n[g] == 0 {
        drop(held);
    }
}

fn run(counters: [Arc<Mutex<[i32; 2]>>; 2]) -> String {
    let s = Arc::new(Shared {
        counters,
        l: Mutex::new(()).named("l"),
    });
    let mut threads = Vec::new();
    for g in 0..2 {
        let s = s.clone();
        threads.push(thread::spawn(move || enter_and_leave(&s, g)));
    }
    for _ in 0..2 {
        threads.push(thread::spawn(|| {}));
    }
    for t in threads {
        t.join().expect("thread failed");
    }
    OK.to_string()
}

fn shared_mutex(_: &Params) -> String {
    let m = Arc::new(Mutex::new([0, 0]).named("m"));
    run([m.clone(), m])
}

fn mutex_per_group(_: &Params) -> String {
    run([
        Arc::new(Mutex::new([0, 0]).named("m_a")),
        Arc::new(Mutex::new([0, 0]).named("m_b")),
    ])
}
