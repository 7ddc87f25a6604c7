//! The library API on code that is not one of the built-in patterns: what a
//! user gating their own concurrent code in `cargo test` would write.

use racetrace::traced::sync::atomic::{AtomicBool, Ordering::SeqCst};
use racetrace::traced::sync::{Arc, Condvar, Mutex};
use racetrace::traced::thread;
use racetrace::{Backend, Config};

/// A one-shot "ready" flag handed from one thread to another.
fn handoff(check_flag: bool) {
    let state = Arc::new((Mutex::new(false).named("ready"), Condvar::new().named("cv")));
    let s2 = state.clone();
    let waiter = thread::spawn(move || {
        let g = s2.0.lock();
        if check_flag {
            let _g = s2.1.wait_while(g, |ready| !*ready);
        } else {
            let _g = s2.1.wait(g);
        }
    });
    *state.0.lock() = true;
    state.1.notify_one();
    waiter.join().unwrap();
}

#[test]
fn a_correct_handoff_is_verified_under_every_exhaustive_backend() {
    for b in [Backend::Loom, Backend::ShuttleDfs, Backend::Dpor] {
        let r = racetrace::explore(&Config::new(b), || handoff(true));
        assert!(r.complete, "{b}");
        assert_eq!(r.outcome_set(), ["ok"], "{b}");
        r.assert_ok();
    }
}

#[test]
fn a_handoff_without_a_flag_deadlocks_and_the_report_says_who_waits_for_what() {
    for b in [Backend::Loom, Backend::ShuttleDfs, Backend::Dpor] {
        let r = racetrace::explore(&Config::new(b), || handoff(false));
        let row = r
            .row("deadlock")
            .unwrap_or_else(|| panic!("{b}: {}", r.render_table()));
        let t = &row.witness.as_ref().unwrap().trace;
        let d = t.deadlock.as_ref().unwrap();
        let text = t.render();
        assert!(text.contains("waits for a notify on cv"), "{text}");
        assert!(text.contains("waits for join t1"), "{text}");
        assert_eq!(d.blocked.len(), 2);
        // Some schedules still work: the notify can come after the wait.
        assert!(r.row("ok").is_some());
    }
}

#[test]
fn assert_ok_panics_with_the_rendered_trace_and_how_to_replay_it() {
    let r = racetrace::explore(&Config::new(Backend::ShuttleDfs), || handoff(false));
    let err = std::panic::catch_unwind(|| r.assert_ok()).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("forbidden outcome 'deadlock'"), "{msg}");
    assert!(msg.contains(" step | main"), "{msg}");
    assert!(msg.contains("RACETRACE_REPLAY=shuttle/"), "{msg}");
}

#[test]
fn the_replay_token_in_a_failure_reruns_exactly_that_schedule() {
    for b in [Backend::Loom, Backend::ShuttleDfs, Backend::Dpor] {
        let r = racetrace::explore(&Config::new(b), || handoff(false));
        let w = r.first_violation().unwrap();
        let mut c = Config::new(b);
        c.replay = Some(w.replay.as_ref().unwrap().parse().unwrap());
        let again = racetrace::explore(&c, || handoff(false));
        let w2 = again.first_violation().unwrap();
        assert_eq!(w2.trace.events, w.trace.events);
        assert_eq!(w2.trace.deadlock, w.trace.deadlock);
    }
}

#[test]
fn a_panicking_assertion_is_an_outcome_not_a_crash() {
    let r = racetrace::explore(&Config::new(Backend::Loom), || {
        let flag = Arc::new(AtomicBool::new(false).named("flag"));
        let f2 = flag.clone();
        let t = thread::spawn(move || f2.store(true, SeqCst));
        let seen = flag.load(SeqCst);
        t.join().unwrap();
        assert!(seen, "the flag was not set yet");
    });
    let panic = r
        .outcomes
        .iter()
        .find(|o| o.outcome.starts_with("panic:"))
        .expect("a panic outcome");
    assert_eq!(panic.outcome, "panic: the flag was not set yet");
    assert!(!panic.allowed);
    assert!(r.row("ok").is_some());
}

#[test]
fn primitives_work_outside_any_exploration() {
    // Plain threads, no recording: the same code runs as ordinary Rust.
    let m = Arc::new(Mutex::new(0));
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || *m.lock() += 1)
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*m.lock(), 4);
}

#[test]
fn check_reads_its_backend_from_the_environment_default() {
    // RACETRACE_BACKEND is unset in the test environment: loom.
    racetrace::check(|| handoff(true));
}
