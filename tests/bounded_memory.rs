//! Nothing of an execution outlives it: once an exploration returns, no
//! execution is alive, whichever way its executions ended — normally, in a
//! deadlock racetrace found, a panic, a livelock, cut short by dpor's
//! sleep sets, or where shuttle itself would have failed it (a notification
//! lost inside shuttle's `Condvar::wait`, shuttle's step bound). (shuttle
//! leaks the stack of every task left unfinished when an execution ends
//! early, and with it an `Arc` of the execution: before the wind-down, each
//! deadlocked or pruned schedule kept 1–70 KB for good.)
//!
//! One test, so that no other exploration runs in this process meanwhile
//! (the count is per process). The memory figures are in `benches/memory.rs`.

use racetrace::explore::live_executions;
use racetrace::traced::sync::{Arc, Mutex};
use racetrace::traced::thread;
use racetrace::{Backend, Config, Report};
use racetrace_patterns as patterns;

#[path = "common/shuttle_failures.rs"]
mod shuttle_failures;
use shuttle_failures::{lost_wakeup, waiting_destructor, yielders, yielders_beside_a_reader};

fn pattern(name: &str, variant: &str, params: &[(&str, usize)], config: &Config) -> Report {
    let p = patterns::find(name).unwrap();
    let v = p.variant(variant).unwrap();
    let given: Vec<(String, usize)> = params.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    patterns::explore(p, v, &p.params(&given).unwrap(), config).unwrap()
}

/// A thread panics while holding a lock `main` may be waiting for.
fn panic_beside_a_waiter() -> String {
    let m = Arc::new(Mutex::new(0));
    let m2 = m.clone();
    let t = thread::spawn(move || {
        let _g = m2.lock();
        thread::yield_now();
        panic!("boom");
    });
    *m.lock() += 1;
    let _ = t.join();
    "ok".into()
}

/// A thread that spins (yields) for ever, alone: a livelock.
fn lone_spinner() -> String {
    let flag = Arc::new(Mutex::new(false));
    let f2 = flag.clone();
    let t = thread::spawn(move || {
        while !*f2.lock() {
            thread::yield_now();
        }
    });
    t.join().unwrap();
    "done".into()
}

#[track_caller]
fn assert_none_left(what: &str, r: &Report) {
    assert!(r.schedules > 0, "{what}: nothing explored");
    assert_eq!(
        live_executions(),
        0,
        "{what}: executions still alive after {} schedules ({} pruned)\n{}",
        r.schedules,
        r.pruned,
        r.render_table()
    );
}

#[test]
fn no_execution_outlives_its_exploration() {
    assert_eq!(live_executions(), 0);

    // Deadlocks: lock order (shuttle-random, dpor, DFS) and a wait nothing ends.
    for b in [Backend::ShuttleRandom, Backend::Dpor, Backend::ShuttleDfs] {
        let c = Config::new(b).with_max_schedules(2000);
        let r = pattern("lock-order", "opposite-order", &[], &c);
        assert!(r.row("deadlock").is_some(), "{b}: {}", r.render_table());
        assert_none_left(&format!("lock-order under {b}"), &r);
    }
    let c = Config::new(Backend::ShuttleRandom).with_max_schedules(2000);
    let r = pattern("producer-consumer", "missing-sentinel", &[], &c);
    assert!(r.row("deadlock").is_some(), "{}", r.render_table());
    assert_none_left("producer-consumer/missing-sentinel", &r);
    // The notify comes without the lock, so under shuttle it can fall in the
    // scheduling point shuttle's `Condvar::wait` takes before it queues the
    // waiter. shuttle loses it; racetrace's shadow state used to deliver it,
    // so shuttle found the deadlock first, failed the execution and leaked
    // its stacks (1 of DFS's 4 schedules, about 1 in 8 random ones). The
    // shadow state now misses it too, and racetrace winds the deadlock down.
    for b in [
        Backend::ShuttleDfs,
        Backend::ShuttleRandom,
        Backend::Fuzz,
        Backend::Dpor,
    ] {
        let c = Config::new(b).with_max_schedules(500);
        let r = racetrace::explore_outcomes(&c, "lost wake-up", lost_wakeup, |o| o == "woken");
        assert!(r.row("deadlock").is_some(), "{b}: {}", r.render_table());
        assert_none_left(&format!("lost wake-up under {b}"), &r);
    }
    // That schedule (one of DFS's four): t1 begins its wait, main's notify
    // misses it, main joins t1.
    let mut c = Config::new(Backend::ShuttleDfs);
    c.replay = Some("shuttle/0.0.1.1.0".parse().unwrap());
    let r = racetrace::explore_outcomes(&c, "lost wake-up", lost_wakeup, |o| o == "woken");
    let trace = r.row("deadlock").and_then(|row| row.witness.as_ref());
    let trace = trace.map(|w| w.trace.render()).unwrap_or_default();
    assert!(
        trace.contains("no waiter yet: t1 is still entering its wait"),
        "{trace}"
    );
    assert_none_left("the missed notify, replayed", &r);

    // Yields with an operation every few: ended as a step limit by
    // racetrace, at a million scheduling points, and wound down, not failed
    // by shuttle.
    let c = Config::new(Backend::ShuttleRandom)
        .with_max_schedules(2)
        .with_max_steps(250_000);
    let r = racetrace::explore_outcomes(&c, "yielders", yielders_beside_a_reader, |o| {
        o == "finished"
    });
    assert_eq!(
        r.row(racetrace::explore::STEP_LIMIT)
            .map(|row| row.schedules),
        Some(2),
        "{}",
        r.render_table()
    );
    let w = r
        .row(racetrace::explore::STEP_LIMIT)
        .and_then(|row| row.witness.as_ref());
    let detail = w.and_then(|w| w.trace.detail.clone()).unwrap_or_default();
    assert!(detail.contains("1000000"), "{detail}");
    assert!(
        r.bound.as_deref().is_none_or(|b| !b.contains("max_steps")),
        "{r:?}"
    );
    assert_none_left("yielders beside a reader under shuttle-random", &r);

    // Yields alone: a livelock, under dpor too.
    for b in [Backend::ShuttleRandom, Backend::Dpor] {
        let c = Config::new(b).with_max_schedules(2);
        let r = racetrace::explore_outcomes(&c, "yielders", yielders, |o| o == "finished");
        assert!(r.row("livelock").is_some(), "{b}: {}", r.render_table());
        assert_none_left(&format!("yielders under {b}"), &r);
    }

    // Executions cut short by dpor's sleep sets (optimal DPOR cuts none on
    // a mutex-only program such as the locked counter, nor, since
    // 2026-12-01, on the pools; a queue that deadlocks and `gather`'s
    // tasks still make it cut some).
    let c = Config::new(Backend::Dpor).with_max_schedules(300);
    let r = pattern("producer-consumer", "missing-task-done", &[], &c);
    assert!(r.pruned > 0, "nothing pruned: {}", r.render_table());
    assert_none_left("producer-consumer missing-task-done under dpor", &r);
    let c = Config::new(Backend::Dpor).with_max_schedules(100);
    let r = pattern("gather", "completion-order", &[], &c);
    assert!(r.pruned > 0, "nothing pruned: {}", r.render_table());
    assert_none_left("gather completion-order under dpor", &r);

    // A panic beside a thread that holds a lock; a livelock.
    for b in [Backend::ShuttleRandom, Backend::Dpor] {
        let c = Config::new(b).with_max_schedules(500);
        let r = racetrace::explore_outcomes(&c, "panic", panic_beside_a_waiter, |o| o == "ok");
        assert!(
            r.outcome_set().iter().any(|o| o.starts_with("panic")),
            "{b}: {}",
            r.render_table()
        );
        assert_none_left(&format!("panic under {b}"), &r);
        let r = racetrace::explore_outcomes(&c, "spin", lone_spinner, |o| o == "done");
        assert!(r.row("livelock").is_some(), "{b}: {}", r.render_table());
        assert_none_left(&format!("livelock under {b}"), &r);
    }

    // Last, as it leaves executions alive: a wind-down that cannot finish
    // (a destructor waits for a worker that unwound without counting down;
    // see shuttle_failures::waiting_destructor). shuttle keeps every such
    // execution, so the exploration stops after 100 of them
    // (explore/shuttle.rs, UNFINISHED_WIND_DOWNS) and says why, instead of
    // keeping one per schedule (5,000 of 5,000 before).
    let c = Config::new(Backend::ShuttleRandom).with_max_schedules(5_000);
    let r = racetrace::explore_outcomes(&c, "waiting destructor", waiting_destructor, |o| {
        o == "done"
    });
    assert_eq!(r.outcome_set(), ["deadlock"], "{}", r.render_table());
    let bound = r.bound.as_deref().unwrap_or("");
    assert!(
        bound.contains("could not all unwind") && bound.contains("main never finished"),
        "{bound}"
    );
    assert!(r.schedules <= 100, "{}", r.render_table());
    assert!(
        live_executions() <= 100,
        "{} executions alive after {} schedules",
        live_executions(),
        r.schedules
    );
}
