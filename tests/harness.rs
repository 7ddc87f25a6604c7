//! The test harness for users' code: `#[racetrace::test]`, `Check` and
//! `check_with` — no silent passes, limits reported as limits, expected
//! failures, per-test replay.

use racetrace::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use racetrace::sync::{Arc, Mutex};
use racetrace::{Backend, Check, Config, thread};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Two unsynchronised increments of an atomic through load + store: the
/// lost update is reachable.
fn lost_update() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let t = thread::spawn(move || {
        let v = n2.load(SeqCst);
        n2.store(v + 1, SeqCst);
    });
    let v = n.load(SeqCst);
    n.store(v + 1, SeqCst);
    t.join().unwrap();
    assert_eq!(n.load(SeqCst), 2, "lost update");
}

/// Two increments under a mutex: always 2.
fn locked_increments() {
    let n = Arc::new(Mutex::new(0));
    let n2 = n.clone();
    let t = thread::spawn(move || *n2.lock().unwrap() += 1);
    *n.lock().unwrap() += 1;
    t.join().unwrap();
    assert_eq!(*n.lock().unwrap(), 2);
}

/// The panic message of `f`, which must panic.
/// Run the replay command a failed check `name` printed in `msg`
/// (`RACETRACE_BACKEND=B RACETRACE_REPLAY='name=TOKEN' cargo test name`).
fn replay_as_told(msg: &str, name: &str, body: fn()) -> racetrace::Report {
    let backend = msg
        .split("RACETRACE_BACKEND=")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .unwrap_or_else(|| panic!("no backend in the replay command: {msg}"));
    let token = msg
        .split(&format!("RACETRACE_REPLAY='{name}="))
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .unwrap_or_else(|| panic!("no token in the replay command: {msg}"));
    let mut config = Config::new(backend.parse().expect("a backend"));
    config.replay = Some(token.parse().expect("a token"));
    racetrace::explore(&config, body)
}

fn panic_message(f: impl FnOnce()) -> String {
    let p = catch_unwind(AssertUnwindSafe(f)).expect_err("the check should have failed");
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[racetrace::test]
fn a_correct_program_passes_a_complete_check() {
    locked_increments();
}

#[racetrace::test(expect = "panic")]
fn an_expected_failure_passes_when_the_bug_is_found() {
    lost_update();
}

#[racetrace::test(backend = "loom", preemption_bound = 1, allow_incomplete)]
fn a_bounded_check_passes_when_incompleteness_is_accepted() {
    locked_increments();
}

#[test]
fn an_incomplete_exploration_fails_the_check_and_says_what_was_left() {
    let msg = panic_message(|| {
        Check::new("capped").max_schedules(1).run(locked_increments);
    });
    assert!(msg.contains("left unexplored"), "{msg}");
    assert!(msg.contains("capped"), "{msg}");
}

#[test]
fn a_violation_fails_with_the_trace_and_a_replay_command_for_this_test() {
    let msg = panic_message(|| {
        Check::new("lost_update_check").run(lost_update);
    });
    assert!(
        msg.contains("forbidden outcome 'panic: ") && msg.contains("lost update"),
        "{msg}"
    );
    assert!(msg.contains(" step |"), "the witness trace: {msg}");
    assert!(
        msg.contains("RACETRACE_REPLAY='lost_update_check=shuttle/"),
        "{msg}"
    );
    assert!(msg.contains("cargo test lost_update_check"), "{msg}");
}

/// A check whose environment names no backend runs the portfolio (dpor
/// under a preemption bound); its failure message says on which backend
/// the witness replays, and that command reproduces it.
#[test]
fn a_check_naming_no_backend_runs_the_portfolio_and_its_message_replays_the_witness() {
    let chosen = [
        "RACETRACE_BACKEND",
        "RACETRACE_SHARD",
        "RACETRACE_JOBS",
        "RACETRACE_PREEMPTION_BOUND",
    ];
    if chosen.iter().any(|v| std::env::var_os(v).is_some()) {
        eprintln!("skipped: the environment chooses the backend");
        return;
    }
    assert_eq!(Check::new("default").config().backend, Backend::Portfolio);
    let bounded = Check::new("bounded").preemption_bound(1);
    assert_eq!(bounded.config().backend, Backend::Dpor);
    let r = Check::new("passes").run(locked_increments);
    assert_eq!((r.backend, r.complete), (Backend::Portfolio, true));

    let msg = panic_message(|| {
        Check::new("lost_update_default").run(lost_update);
    });
    let replayed = replay_as_told(&msg, "lost_update_default", lost_update);
    assert!(replayed.replay_mismatch.is_none(), "{msg}");
    assert_eq!(replayed.schedules, 1);
    let outcome = replayed.first_violation().map(|w| w.trace.outcome.clone());
    assert!(
        outcome
            .as_deref()
            .is_some_and(|o| msg.contains(&format!("forbidden outcome '{o}'"))),
        "replayed {outcome:?}; {msg}"
    );
}

#[test]
fn an_expected_failure_that_never_happens_fails_the_check() {
    let msg = panic_message(|| {
        Check::new("no_deadlock_here")
            .expect("deadlock")
            .run(locked_increments);
    });
    assert!(msg.contains("expected 'deadlock'"), "{msg}");
    assert!(msg.contains("no violation"), "{msg}");
}

#[test]
fn loom_with_five_spawned_threads_cannot_explore_and_blames_nothing_on_the_program() {
    let five = || {
        let hs: Vec<_> = (0..5).map(|_| thread::spawn(|| ())).collect();
        for h in hs {
            h.join().unwrap();
        }
    };
    let msg = panic_message(|| {
        Check::new("five_threads").backend(Backend::Loom).run(five);
    });
    assert!(msg.contains("cannot explore under loom"), "{msg}");
    assert!(msg.contains("at most 4 spawned threads"), "{msg}");
    // The report says so too, with no outcome blamed on the program.
    let r = racetrace::explore(&Config::new(Backend::Loom), five);
    assert!(r.cannot_explore.is_some());
    assert!(!r.complete);
    assert!(r.outcomes.is_empty(), "{:?}", r.outcome_set());
    // dpor explores the same program completely.
    Check::new("five_threads_dpor").run(five);
}

#[test]
fn a_primitive_made_outside_the_closure_and_used_inside_panics_saying_so() {
    let outside = Arc::new(Mutex::new(0));
    let msg = panic_message(|| {
        let o = outside.clone();
        Check::new("outside").run(move || {
            *o.lock().unwrap() += 1;
        });
    });
    assert!(
        msg.contains("created outside the explored closure"),
        "{msg}"
    );
}

#[test]
fn check_with_runs_the_given_configuration() {
    let config = Config::new(Backend::ShuttleDfs);
    racetrace::check_with(&config, locked_increments);
    let msg = panic_message(|| racetrace::check_with(&config, lost_update));
    assert!(msg.contains("under shuttle-dfs"), "{msg}");
}

#[test]
fn a_test_name_labels_the_report() {
    let r = Check::new("labelled").run(locked_increments);
    assert_eq!(r.label, "labelled");
    assert!(r.complete);
}

/// Message passing: data, then a flag; the reader checks the data once it
/// sees the flag. With `Relaxed` the flag does not publish the data (a
/// weak-memory bug no sequentially consistent backend can show); with
/// `Release`/`Acquire` it does.
fn message_passing(
    publish: racetrace::sync::atomic::Ordering,
    observe: racetrace::sync::atomic::Ordering,
) {
    use racetrace::sync::atomic::{AtomicBool, Ordering::Relaxed};
    let data = Arc::new(AtomicUsize::new(0));
    let flag = Arc::new(AtomicBool::new(false));
    let (d2, f2) = (data.clone(), flag.clone());
    let writer = thread::spawn(move || {
        d2.store(42, Relaxed);
        f2.store(true, publish);
    });
    if flag.load(observe) {
        assert_eq!(data.load(Relaxed), 42, "saw the flag but not the data");
    }
    writer.join().unwrap();
}

#[test]
fn a_relaxed_bug_passes_dpor_but_the_check_runs_rc11_and_finds_it() {
    use racetrace::sync::atomic::Ordering::Relaxed;
    // dpor alone: sequentially consistent, so no violation — but it notes
    // the weak ordering it could not explore.
    let r = racetrace::explore(&Config::new(Backend::Dpor), || {
        message_passing(Relaxed, Relaxed)
    });
    assert!(r.first_violation().is_none());
    let op = r.weak_ordering.as_deref().unwrap_or("");
    assert!(op.contains("(Relaxed)"), "{op}");
    // The check does not stop there: it runs rc11, which finds the bug.
    let msg = panic_message(|| {
        Check::new("mp_relaxed").run(|| message_passing(Relaxed, Relaxed));
    });
    assert!(msg.contains("under rc11"), "{msg}");
    assert!(msg.contains("saw the flag but not the data"), "{msg}");
    assert!(
        msg.contains("store(Relaxed)"),
        "orderings shown in the trace: {msg}"
    );
}

#[test]
fn release_acquire_message_passing_passes_both_dpor_and_rc11() {
    use racetrace::sync::atomic::Ordering::{Acquire, Release};
    let r = Check::new("mp_release_acquire").run(|| message_passing(Release, Acquire));
    assert!(r.weak_ordering.is_some(), "the check knew to run rc11 too");
}

#[racetrace::test(assume_seq_cst)]
fn assume_seq_cst_skips_the_weak_memory_run() {
    use racetrace::sync::atomic::Ordering::Relaxed;
    message_passing(Relaxed, Relaxed);
}

#[test]
fn a_replay_token_that_does_not_fit_the_program_is_refused_in_one_line() {
    // A token for a program with more threads: thread 3 never exists here.
    let mut config = Config::new(Backend::Dpor);
    config.replay = Some("shuttle/0.3.3".parse().unwrap());
    let msg = panic_message(|| {
        Check::with_config("stale", &config).run(locked_increments);
    });
    assert!(msg.contains("token does not fit this program"), "{msg}");
    assert!(msg.contains("thread 3"), "{msg}");
    assert_eq!(msg.lines().count(), 1, "{msg}");
    // A token that fits replays as before: the lost update's own witness.
    let r = racetrace::explore(&Config::new(Backend::Dpor), lost_update);
    let token = r.first_violation().unwrap().replay.clone().unwrap();
    let mut config = Config::new(Backend::Dpor);
    config.replay = Some(token.parse().unwrap());
    let replayed = racetrace::explore(&config, lost_update);
    assert!(replayed.replay_mismatch.is_none());
    assert_eq!(
        replayed.outcome_set(),
        r.first_violation()
            .map(|w| w.trace.outcome.as_str())
            .into_iter()
            .collect::<Vec<_>>()
    );
}

/// SCTBench's wronglock: a checker increments `data` under one lock and
/// checks it did not change, seven others increment it under another. Bound
/// 0 alone is 8! orders of whole threads, and bound 1 does not reach the bug
/// in the schedules the portfolio gives it, so a PCT probe finds it, with
/// many preemptions, and the witness is shrunk.
fn wrong_lock() {
    let data = Arc::new(AtomicUsize::new(0));
    let data_lock = Arc::new(Mutex::new(()));
    let other_lock = Arc::new(Mutex::new(()));
    let checker = {
        let (data, lock) = (data.clone(), data_lock.clone());
        thread::spawn(move || {
            let _g = lock.lock().unwrap();
            let v = data.load(SeqCst);
            data.store(v + 1, SeqCst);
            assert_eq!(data.load(SeqCst), v + 1, "data changed under data_lock");
        })
    };
    let others: Vec<_> = (0..7)
        .map(|_| {
            let (data, lock) = (data.clone(), other_lock.clone());
            thread::spawn(move || {
                let _g = lock.lock().unwrap();
                let v = data.load(SeqCst);
                data.store(v + 1, SeqCst);
            })
        })
        .collect();
    checker.join().unwrap();
    for t in others {
        t.join().unwrap();
    }
}

/// A shrunk witness's failure message says so, and its replay command
/// (its phase's backend and token) reproduces it, with as few preemptions.
#[test]
fn a_shrunk_witness_is_named_and_its_replay_command_reproduces_it() {
    let chosen = ["RACETRACE_BACKEND", "RACETRACE_SHARD", "RACETRACE_JOBS"];
    if chosen.iter().any(|v| std::env::var_os(v).is_some()) {
        eprintln!("skipped: the environment chooses the backend");
        return;
    }
    let msg = panic_message(|| {
        Check::new("wrong_lock")
            .max_schedules(5_000)
            .run(wrong_lock);
    });
    assert!(msg.contains(" · shrunk from "), "{msg}");
    let replayed = replay_as_told(&msg, "wrong_lock", wrong_lock);
    assert!(replayed.replay_mismatch.is_none(), "{msg}");
    assert_eq!(replayed.schedules, 1);
    let w = replayed.first_violation().expect("the violation again");
    assert!(
        msg.contains(&format!("forbidden outcome '{}'", w.trace.outcome)),
        "replayed {}; {msg}",
        w.trace.outcome
    );
    let p = w.trace.preemptions;
    let word = if p == 1 { "preemption" } else { "preemptions" };
    assert!(msg.contains(&format!("· {p} {word}")), "{p}; {msg}");
}
