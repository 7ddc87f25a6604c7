//! Livelock is not deadlock: a thread that keeps running without ever making
//! progress is stopped at racetrace's step limit with the outcome
//! `step limit` — under every backend, without a false `deadlock`, a hang, or
//! loom's own branch-limit panic — and exploration carries on.

use racetrace::config::{LOOM_MAX_STEPS, MAX_STEPS};
use racetrace::traced::sync::{Arc, Mutex};
use racetrace::traced::thread;
use racetrace::{Backend, Config, Report};

/// An unbounded try-lock-backoff that can never succeed: `main` holds `b`
/// and joins the worker, which spins "lock a, try b, release, yield" for
/// ever. Nobody is blocked for good (the worker always runs), so it is not a
/// deadlock; it is a livelock.
fn hopeless_backoff() -> String {
    let a = Arc::new(Mutex::new(()).named("a"));
    let b = Arc::new(Mutex::new(()).named("b"));
    let held = b.lock();
    let (a2, b2) = (a.clone(), b.clone());
    let worker = thread::spawn(move || {
        loop {
            let _x = a2.lock();
            if b2.try_lock().is_some() {
                return;
            }
            drop(_x);
            thread::yield_now();
        }
    });
    worker.join().expect("worker");
    drop(held);
    "done".into()
}

#[path = "common/shuttle_failures.rs"]
#[allow(dead_code)]
mod shuttle_failures;

fn explore(backend: Backend, f: fn() -> String) -> Report {
    let mut c = Config::new(backend).with_max_schedules(20);
    c.real_timeout = std::time::Duration::from_secs(20);
    racetrace::explore_outcomes(&c, "livelock", f, |o| o == "done")
}

#[test]
fn an_endless_backoff_ends_with_step_limit_not_deadlock() {
    // (Not shuttle-pct: main blocks in `join` at once, so no schedule ever
    // has two runnable threads, and PCT refuses a second execution.)
    // dpor and shuttle-dfs see the spin for what it is: a livelock (below).
    for b in [Backend::Loom, Backend::Real] {
        let r = explore(b, hopeless_backoff);
        assert_eq!(r.outcome_set(), ["step limit"], "{b}: {}", r.render_table());
        assert!(
            r.bound
                .as_deref()
                .is_none_or(|s| !s.contains("backend stopped"))
        );
        let w = r.outcomes[0].witness.as_ref().unwrap();
        assert!(w.trace.deadlock.is_none());
        let limit = match b {
            Backend::Loom => LOOM_MAX_STEPS,
            _ => MAX_STEPS,
        };
        assert!(w.trace.events.len() >= limit, "{b}");
        let detail = w.trace.detail.as_deref().unwrap_or("");
        assert!(detail.contains("livelock"), "{detail}");
        // The worker's last operations are its spin, over and over.
        let tail: Vec<&str> = w.trace.events[w.trace.events.len() - 8..]
            .iter()
            .map(|e| e.op.as_str())
            .collect();
        assert!(tail.contains(&"try_lock"), "{tail:?}");
    }
}

/// Under dpor and the shuttle backends a yield means "I wait for another
/// thread": a worker that yields with nobody else able to run, iteration
/// after iteration, is a livelock — reported as such, after a few
/// iterations, not after the step limit.
#[test]
fn an_endless_backoff_is_a_livelock_under_dpor_and_shuttle() {
    for b in [Backend::Dpor, Backend::ShuttleDfs] {
        let r = explore(b, hopeless_backoff);
        assert_eq!(r.outcome_set(), ["livelock"], "{b}: {}", r.render_table());
        assert!(r.complete, "{b}");
        let w = r.outcomes[0].witness.as_ref().unwrap();
        assert!(w.trace.deadlock.is_none());
        assert!(
            w.trace.events.len() < 100,
            "{b}: ended early, not at the step limit"
        );
        let detail = w.trace.detail.as_deref().unwrap_or("");
        assert!(detail.contains("t1 spins"), "{detail}");
        let tries = w.trace.events.iter().filter(|e| e.op == "try_lock").count();
        assert_eq!(tries as u32, racetrace::explore::ISOLATED_SPINS, "{b}");
    }
}

/// Two workers share one flag; one of them spins until it is set, the other
/// sets it only in some schedules' order. Schedules that finish and schedules
/// that spin are both reported, each with its own outcome.
#[test]
fn exploration_carries_on_after_a_step_limit() {
    use racetrace::traced::sync::atomic::{AtomicBool, Ordering::SeqCst};
    fn maybe_spin() -> String {
        let go = Arc::new(AtomicBool::new(false).named("go"));
        let stop = Arc::new(AtomicBool::new(false).named("stop"));
        let (g, s) = (go.clone(), stop.clone());
        let spinner = thread::spawn(move || {
            // Spins for ever if `stop` was set before it looked at `go`.
            if s.load(SeqCst) {
                while !g.load(SeqCst) {
                    thread::yield_now();
                }
            }
        });
        stop.store(true, SeqCst);
        spinner.join().expect("spinner");
        go.store(true, SeqCst);
        "done".into()
    }
    for (b, endless) in [
        (Backend::Loom, "step limit"),
        (Backend::ShuttleDfs, "livelock"),
        (Backend::Dpor, "livelock"),
    ] {
        let r = explore(b, maybe_spin);
        assert_eq!(
            r.outcome_set(),
            ["done", endless],
            "{b}: {}",
            r.render_table()
        );
        assert!(r.complete, "{b}: {}", r.render_table());
    }
}

/// Two threads that only yield, for ever (`yielders`): no operation between
/// their yields, so neither changes anything the other could wait for, and
/// every schedule is a livelock after a few yields of each — under dpor as
/// under the shuttle backends. (They used to run to the step limit, a
/// million scheduling points: under dpor about 40 s per execution.)
#[test]
fn threads_that_only_yield_are_a_livelock_after_a_few_yields() {
    for b in [
        Backend::Dpor,
        Backend::ShuttleDfs,
        Backend::ShuttleRandom,
        Backend::ShuttlePct,
        Backend::Fuzz,
    ] {
        let start = std::time::Instant::now();
        let mut c = Config::new(b)
            .with_max_schedules(20)
            .with_max_duration(std::time::Duration::from_secs(30));
        c.real_timeout = std::time::Duration::from_secs(20);
        let r = racetrace::explore_outcomes(&c, "yielders", shuttle_failures::yielders, |o| {
            o == "finished"
        });
        assert_eq!(r.outcome_set(), ["livelock"], "{b}: {}", r.render_table());
        assert!(
            r.bound.as_deref().is_none_or(|s| !s.contains("time limit")),
            "{b}: {:?}",
            r.bound
        );
        let w = r.outcomes[0].witness.as_ref().unwrap();
        let detail = w.trace.detail.as_deref().unwrap_or("");
        assert!(detail.contains("main, t1 only yield"), "{b}: {detail}");
        // The spawn, and nothing after it but yields.
        assert!(w.trace.events.len() < 10, "{b}: {}", w.trace.render());
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "{b}: {:?}",
            start.elapsed()
        );
    }
}
