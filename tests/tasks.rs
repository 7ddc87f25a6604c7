//! racetrace::task's primitives under the model executor and on tokio: the
//! async semaphore bounds how many tasks are inside, a double release breaks
//! the bound, a task waiting for itself is a reported deadlock, a panicking
//! task is a JoinError, and tasks left running are cancelled by block_on.

#[path = "common/full.rs"]
mod full;

use racetrace::traced::cell::RaceCell;
use racetrace::traced::sync::Arc;
use racetrace::{Backend, Config, task};

/// N tasks each take a permit, count themselves in, yield, count out. The
/// outcome is the largest number seen inside at once.
fn most_inside(tasks: usize, permits: usize, double_release: bool) -> usize {
    task::block_on(async move {
        let sem = Arc::new(task::Semaphore::new(permits).named("seats"));
        let inside = Arc::new(RaceCell::new(0usize).named("inside"));
        let most = Arc::new(RaceCell::new(0usize).named("most"));
        let hs: Vec<_> = (0..tasks)
            .map(|i| {
                let (sem, inside, most) = (sem.clone(), inside.clone(), most.clone());
                task::spawn(async move {
                    let permit = sem.acquire().await;
                    let now = inside.get() + 1;
                    inside.set(now);
                    if now > most.get() {
                        most.set(now);
                    }
                    task::yield_now().await;
                    inside.set(inside.get() - 1);
                    if double_release && i == 0 {
                        // The bug: an error path releases, and so does the
                        // normal path.
                        permit.forget();
                        sem.release();
                        sem.release();
                    } else {
                        drop(permit);
                    }
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
        most.get()
    })
}

fn outcome_set(backend: Backend, f: fn() -> String) -> Vec<String> {
    let r = racetrace::explore_outcomes(&Config::new(backend), "t", f, |_| true);
    assert!(
        r.complete || backend == Backend::Real,
        "{backend}: {:?}\n{}",
        r.bound,
        r.render_table()
    );
    r.outcome_set().iter().map(|s| s.to_string()).collect()
}

#[test]
fn async_semaphore_admits_at_most_its_permits_and_reaches_the_bound() {
    assert_eq!(
        outcome_set(Backend::Dpor, || most_inside(3, 1, false).to_string()),
        ["1"]
    );
    // Two permits: two inside at once is reachable, and so is one (each
    // task leaves before the next arrives).
    assert_eq!(
        outcome_set(Backend::Dpor, || most_inside(3, 2, false).to_string()),
        ["1", "2"]
    );
    // loom on three tasks (seconds) with RACETRACE_FULL=1; on two, where a
    // second permit still lets two in at once, in the everyday loop.
    if full::full() {
        assert_eq!(
            outcome_set(Backend::Loom, || most_inside(3, 1, false).to_string()),
            ["1"]
        );
        assert_eq!(
            outcome_set(Backend::Loom, || most_inside(3, 2, false).to_string()),
            ["1", "2"]
        );
    } else {
        assert_eq!(
            outcome_set(Backend::Loom, || most_inside(2, 1, false).to_string()),
            ["1"]
        );
        assert_eq!(
            outcome_set(Backend::Loom, || most_inside(2, 2, false).to_string()),
            ["1", "2"]
        );
    }
    // tokio: FIFO, all three try at once; two get in.
    assert_eq!(
        outcome_set(Backend::Real, || most_inside(3, 2, false).to_string()),
        ["2"]
    );
}

#[test]
fn a_double_release_lets_one_task_too_many_in() {
    let got = outcome_set(Backend::Dpor, || most_inside(3, 1, true).to_string());
    assert_eq!(got, ["1", "2"]);
}

#[test]
fn a_task_waiting_for_its_own_lock_is_a_reported_deadlock() {
    let r = racetrace::explore(&Config::new(Backend::Dpor), || {
        task::block_on(async {
            let m = Arc::new(task::Mutex::new(0).named("m"));
            let m2 = m.clone();
            task::spawn(async move {
                let _a = m2.lock().await;
                let _b = m2.lock().await;
            })
            .await
            .unwrap();
        })
    });
    assert!(r.complete);
    assert_eq!(r.outcome_set(), ["deadlock"]);
    let w = r.first_violation().unwrap();
    let text = w.trace.render();
    assert!(text.contains("lock m (waits: held by t1)"), "{text}");
    assert!(text.contains("t1 holds m, waits for lock m"), "{text}");
    assert!(
        text.contains("main holds nothing, waits for join t1"),
        "{text}"
    );
}

fn panicking_task() -> String {
    task::block_on(async {
        match task::spawn(async { panic!("boom") }).await {
            Ok(()) => "ok".to_string(),
            Err(e) => e.to_string(),
        }
    })
}

#[test]
fn a_panicking_task_is_a_join_error_not_a_crash() {
    for backend in [Backend::Dpor, Backend::Loom, Backend::Real] {
        assert_eq!(
            outcome_set(backend, panicking_task),
            ["task panicked: boom"]
        );
    }
}

/// A task parked on a semaphore with no permit when the root returns.
fn abandoned_task() -> String {
    let dropped = Arc::new(RaceCell::new(false).named("dropped"));
    let d = dropped.clone();
    task::block_on(async move {
        let sem = Arc::new(task::Semaphore::new(0));
        struct Flag(Arc<RaceCell<bool>>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let flag = Flag(d);
        let h = task::spawn(async move {
            let _flag = flag;
            let _p = sem.acquire().await;
        });
        task::yield_now().await;
        h.is_finished()
    });
    format!("cancelled={}", dropped.get())
}

#[test]
fn block_on_cancels_the_tasks_still_running_when_it_returns() {
    for backend in [Backend::Dpor, Backend::Loom, Backend::Real] {
        assert_eq!(outcome_set(backend, abandoned_task), ["cancelled=true"]);
    }
}

#[test]
fn without_an_exploration_block_on_is_plain_tokio() {
    assert_eq!(most_inside(4, 2, false), 2);
    assert_eq!(panicking_task(), "task panicked: boom");
}

/// The example of docs/gather.md ("Checking your own async code").
fn reserve_seat(locked: bool) -> String {
    task::block_on(async move {
        let seats = Arc::new(RaceCell::new(1usize).named("seats"));
        let lock = Arc::new(task::Mutex::new(()).named("booking"));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let (seats, lock) = (seats.clone(), lock.clone());
                task::spawn(async move {
                    let _g = if locked {
                        Some(lock.lock().await)
                    } else {
                        None
                    };
                    let free = seats.get();
                    task::yield_now().await; // ask the payment service
                    if free > 0 {
                        seats.set(free - 1);
                        return true;
                    }
                    false
                })
            })
            .collect();
        let mut booked = 0;
        for h in hs {
            booked += h.await.unwrap() as usize;
        }
        booked.to_string()
    })
}

#[test]
fn the_docs_booking_example_overbooks_without_its_lock_only() {
    let with = racetrace::explore_outcomes(
        &Config::new(Backend::Dpor),
        "booking",
        || reserve_seat(true),
        |o| o == "1",
    );
    assert!(with.complete);
    with.assert_ok();
    let without = racetrace::explore_outcomes(
        &Config::new(Backend::Dpor),
        "booking",
        || reserve_seat(false),
        |o| o == "1",
    );
    assert_eq!(without.outcome_set(), ["1", "2"]);
    let w = without.first_violation().expect("overbooking is reachable");
    assert_eq!(w.trace.outcome, "2");
}

#[test]
fn tokio_runs_are_recorded_under_each_tasks_own_name() {
    let f = || {
        task::block_on(async {
            let c = Arc::new(RaceCell::new(0usize).named("counter"));
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let c = c.clone();
                    task::spawn(async move {
                        let v = c.get();
                        task::yield_now().await;
                        c.set(v + 1);
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
            c.get().to_string()
        })
    };
    let config = Config::new(Backend::Real).with_max_schedules(5);
    let r = racetrace::explore_outcomes(&config, "real", f, |o| o == "2");
    // tokio's loop is FIFO: both tasks read 0 before either writes.
    assert_eq!(r.outcome_set(), ["1"]);
    let t = &r.first_violation().unwrap().trace;
    assert_eq!(t.threads, ["main", "t1", "t2"]);
    let reads: Vec<(usize, &str)> = t
        .events
        .iter()
        .filter(|e| e.op == "read" && e.thread != 0)
        .map(|e| (e.thread, e.value.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(reads.len(), 2);
    assert!(reads.iter().all(|(_, v)| *v == "0"), "{}", t.render());
    assert!(reads.iter().any(|(t, _)| *t == 1) && reads.iter().any(|(t, _)| *t == 2));
}
