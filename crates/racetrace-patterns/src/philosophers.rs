//! `philosophers` — the dining philosophers the tutorials mention when they
//! warn about deadlock: N philosophers round a table, a fork between each two
//! neighbours; to eat, one needs both forks at its sides. Property: everyone
//! eats (no deadlock). Variants: `left-then-right` (bug: deadlock when all
//! hold their left fork), `lowest-first` (holds), `waiter` (holds).

use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::traced::sync::{Arc, Mutex, Semaphore};
use racetrace::traced::thread;

const PARAMS: &[ParamSpec] = &[ParamSpec {
    name: "philosophers",
    default: 3,
    min: 2,
    // With `main`, 5 threads: loom's limit.
    max: 4,
    help: "philosophers (and forks) round the table",
}];

fn expected(p: &Params) -> String {
    format!("{} ate", p.get("philosophers"))
}

fn allowed(p: &Params, o: &str) -> bool {
    o == expected(p)
}

fn explain(p: &Params, o: &str) -> String {
    if o == expected(p) {
        return "every philosopher ate".into();
    }
    match o {
        "deadlock" => "deadlock: every philosopher holds one fork and waits for the next".into(),
        _ => format!("not everyone ate (expected {})", expected(p)),
    }
}

const BUG: Spec = Spec {
    property: "every philosopher eats",
    expect: Expect::Bug("deadlock"),
    allowed,
    explain,
};

const FIXED: Spec = Spec {
    expect: Expect::Holds,
    ..BUG
};

/// shuttle's DFS has no partial-order reduction: with 3 philosophers it does
/// not finish in minutes, so it runs to a stated bound, a cross-check of
/// `dpor`'s exhaustive run: 10,000 schedules for the correct variants, 50,000
/// for the bug (it meets the first deadlock of `left-then-right` at schedule
/// 34,405; `check` stops there).
const DFS_BOUND: u64 = 10_000;
const DFS_BUG_BOUND: u64 = 50_000;

const BUG_JOBS: &[Job] = &[
    Job::on(Backend::Dpor),
    Job::on(Backend::Loom),
    Job::sampled(Backend::ShuttleDfs, DFS_BUG_BOUND),
    Job::sampled(Backend::ShuttlePct, 1000),
    Job::informational(Backend::Real, 200),
];

const FIXED_JOBS: &[Job] = &[
    Job::on(Backend::Dpor),
    Job::on(Backend::Loom),
    Job::sampled(Backend::ShuttleDfs, DFS_BOUND),
    Job::sampled(Backend::ShuttlePct, 1000),
    Job::sampled(Backend::Real, 200),
];

/// The waiter's semaphore adds a contended lock per meal: loom's complete
/// exploration takes about 760 000 schedules (minutes), so it is bounded to 4
/// preemptions (15 062 schedules); the deadlock it prevents needs 2.
const WAITER_JOBS: &[Job] = &[
    Job::on(Backend::Dpor),
    Job::on(Backend::Loom).with_preemption_bound(4),
    Job::sampled(Backend::ShuttleDfs, DFS_BOUND),
    Job::sampled(Backend::ShuttlePct, 1000),
    Job::sampled(Backend::Real, 200),
];

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "philosophers",
    summary: "N philosophers share N forks; each needs both neighbouring forks to eat",
    python: "forks = [Lock() for _ in range(N)]; philosopher i does `with forks[i]: with forks[(i + 1) % N]: eat()`",
    params: PARAMS,
    threads: |p| p.get("philosophers") + 1,
    variants: &[
        Variant {
            name: "left-then-right",
            summary: "each philosopher picks up the left fork, then the right one",
            spec: BUG,
            run: left_then_right,
            jobs: BUG_JOBS,
        },
        Variant {
            name: "lowest-first",
            summary: "each philosopher picks up the lower-numbered of its two forks first",
            spec: FIXED,
            run: lowest_first,
            jobs: FIXED_JOBS,
        },
        Variant {
            name: "waiter",
            summary: "a waiter (a semaphore with N-1 permits) lets at most N-1 philosophers sit down; then left, right",
            spec: FIXED,
            run: waiter,
            jobs: WAITER_JOBS,
        },
    ],
};

/// Philosopher `i`'s forks: left is fork i, right is fork i+1 (mod N).
fn sides(i: usize, n: usize) -> (usize, usize) {
    (i, (i + 1) % n)
}

/// Seat everyone; philosopher `i` picks up fork `order(i, n).0`, then
/// `order(i, n).1`, eats once and puts both down. With `seats`, a philosopher
/// first takes a seat (a permit) and gives it back after the meal.
fn dine(
    n: usize,
    order: fn(usize, usize) -> (usize, usize),
    seats: Option<Arc<Semaphore>>,
) -> String {
    let forks: Arc<Vec<Mutex<()>>> = Arc::new(
        (0..n)
            .map(|i| Mutex::new(()).named(&format!("fork{i}")))
            .collect(),
    );
    let diners: Vec<_> = (0..n)
        .map(|i| {
            let forks = forks.clone();
            let seats = seats.clone();
            thread::spawn(move || {
                if let Some(s) = &seats {
                    s.acquire();
                }
                let (first, second) = order(i, n);
                let f1 = forks[first].lock();
                let f2 = forks[second].lock();
                // Eating is done while holding both forks.
                drop(f2);
                drop(f1);
                if let Some(s) = &seats {
                    s.release();
                }
            })
        })
        .collect();
    let mut ate = 0;
    for d in diners {
        if d.join().is_ok() {
            ate += 1;
        }
    }
    format!("{ate} ate")
}

fn left_then_right(p: &Params) -> String {
    dine(p.get("philosophers"), sides, None)
}

fn lowest_first(p: &Params) -> String {
    dine(
        p.get("philosophers"),
        |i, n| {
            let (l, r) = sides(i, n);
            (l.min(r), l.max(r))
        },
        None,
    )
}

fn waiter(p: &Params) -> String {
    let n = p.get("philosophers");
    let seats = Arc::new(Semaphore::new(n - 1).named("waiter"));
    dine(n, sides, Some(seats))
}
