//! `semaphore` — the tutorials' advice to bound concurrency with a semaphore: `sem =
//! threading.Semaphore(M)`, N threads each run `with sem: work()`. Property: at most M threads
//! inside the section at once, checked with a counter of threads inside (each thread notes the
//! count it saw on entering; the outcome is the largest). Variants: `bounded` (holds),
//! `double-release` (bug: an error path releases twice, so M + 1 threads get in).

use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::traced::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use racetrace::traced::sync::{Arc, Semaphore};
use racetrace::traced::thread;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "threads",
        default: 3,
        min: 1,
        max: 4,
        help: "threads entering the section",
    },
    ParamSpec {
        name: "permits",
        default: 2,
        min: 1,
        max: 4,
        help: "the semaphore's permits (M)",
    },
];

/// `max inside = k`.
fn max_inside(o: &str) -> Option<usize> {
    o.strip_prefix("max inside = ")?.parse().ok()
}

fn allowed(p: &Params, o: &str) -> bool {
    max_inside(o).is_some_and(|k| k >= 1 && k <= p.get("permits"))
}

fn explain(p: &Params, o: &str) -> String {
    let m = p.get("permits");
    match max_inside(o) {
        Some(k) if k <= m => format!("at most {m} inside at once"),
        Some(k) => format!(
            "{k} threads inside at once with {m} permit{}",
            if m == 1 { "" } else { "s" }
        ),
        None if o == "deadlock" => "deadlock: no thread can run".into(),
        None => "the program failed".into(),
    }
}

/// dpor explores both variants completely (1,478 and 6,673 schedules); loom
/// took 848,548 schedules and 5 minutes for `bounded` at the defaults, so it
/// is bounded to 2 preemptions.
const LOOM_PREEMPTIONS: usize = 2;

const HOLDS: Spec = Spec {
    property: "at most `permits` threads inside the section at once",
    expect: Expect::Holds,
    allowed,
    explain,
};

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "semaphore",
    summary: "a counting semaphore bounds how many threads are inside a section at once",
    python: "sem = threading.Semaphore(M); N threads each run `with sem: inside += 1; ...; inside -= 1`",
    params: PARAMS,
    threads: |p| p.get("threads") + 1,
    variants: &[
        Variant {
            name: "bounded",
            summary: "acquire, enter, leave, release: one release per acquire",
            spec: HOLDS,
            run: bounded,
            jobs: &[
                Job::on(Backend::Dpor),
                Job::on(Backend::Loom).with_preemption_bound(LOOM_PREEMPTIONS),
                Job::sampled(Backend::ShuttlePct, 1000),
                Job::sampled(Backend::Real, 200),
            ],
        },
        Variant {
            name: "double-release",
            summary: "thread 0's work fails: its error handler releases the permit, then its `finally` releases it again",
            spec: Spec {
                expect: Expect::Bug("double release: M + 1 inside"),
                ..HOLDS
            },
            run: double_release,
            jobs: &[
                Job::on(Backend::Dpor),
                Job::on(Backend::Loom).with_preemption_bound(LOOM_PREEMPTIONS),
                Job::sampled(Backend::ShuttlePct, 1000),
                Job::informational(Backend::Real, 200),
            ],
        },
    ],
};

/// Start the threads, each running `body(i, sem, inside)` and returning the
/// count of threads inside it saw on entering; the outcome is the largest.
fn run(p: &Params, body: fn(usize, &Semaphore, &AtomicUsize) -> usize) -> String {
    let sem = Arc::new(Semaphore::new(p.get("permits")).named("sem"));
    let inside = Arc::new(AtomicUsize::new(0).named("inside"));
    let hs: Vec<_> = (0..p.get("threads"))
        .map(|i| {
            let (sem, inside) = (sem.clone(), inside.clone());
            thread::spawn(move || body(i, &sem, &inside))
        })
        .collect();
    let max = hs
        .into_iter()
        .map(|h| h.join().expect("thread failed"))
        .max()
        .unwrap_or(0);
    format!("max inside = {max}")
}

/// `with sem: inside += 1; work(); inside -= 1`.
fn bounded(p: &Params) -> String {
    run(p, |_, sem, inside| {
        sem.acquire();
        let seen = inside.fetch_add(1, SeqCst) + 1;
        inside.fetch_sub(1, SeqCst);
        sem.release();
        seen
    })
}

/// `sem.acquire(); try: inside += 1; work() except: sem.release(); return
/// finally: inside -= 1; sem.release()` — thread 0's work fails, and its
/// permit is given back twice, the first time while it is still inside.
fn double_release(p: &Params) -> String {
    run(p, |i, sem, inside| {
        sem.acquire();
        let seen = inside.fetch_add(1, SeqCst) + 1;
        if i == 0 {
            // except: "free the slot for the next request", then return.
            sem.release();
        }
        // finally:
        inside.fetch_sub(1, SeqCst);
        sem.release();
        seen
    })
}
