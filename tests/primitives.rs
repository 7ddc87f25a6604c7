//! `Semaphore` and `ReentrantMutex`, explored: what each guarantees, that a
//! thread stuck on one takes part in deadlock detection, and that the
//! wait-for report says what it waits for.

use racetrace::traced::cell::RaceCell;
use racetrace::traced::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use racetrace::traced::sync::{Arc, Mutex, ReentrantMutex, Semaphore};
use racetrace::traced::thread;
use racetrace::{Backend, Config, Report};
use std::collections::BTreeSet;

const EXHAUSTIVE: [Backend; 2] = [Backend::Loom, Backend::ShuttleDfs];

fn outcomes(backend: Backend, f: fn() -> String) -> Report {
    racetrace::explore_outcomes(&Config::new(backend), "primitive", f, |_| true)
}

fn set(r: &Report) -> BTreeSet<String> {
    r.outcomes.iter().map(|o| o.outcome.clone()).collect()
}

/// Three threads pass a semaphore of two permits; each counts itself in and
/// out. The most inside at once is the outcome.
fn most_inside_with_two_permits() -> String {
    let sem = Arc::new(Semaphore::new(2).named("room"));
    let inside = Arc::new(AtomicUsize::new(0).named("inside"));
    // The most seen inside at once, as `inside` counted it.
    let most = Arc::new(AtomicUsize::new(0).named("most"));
    let hs: Vec<_> = (0..3)
        .map(|_| {
            let (sem, inside, most) = (sem.clone(), inside.clone(), most.clone());
            thread::spawn(move || {
                sem.acquire();
                let now = inside.fetch_add(1, SeqCst) + 1;
                if now > 1 {
                    most.store(now, SeqCst);
                }
                inside.fetch_sub(1, SeqCst);
                sem.release();
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    format!(
        "most {} · left {}",
        most.load(SeqCst).max(1),
        sem.available()
    )
}

#[test]
fn a_semaphore_never_admits_more_threads_than_it_has_permits() {
    // Oracle: with 3 threads and 2 permits, 1 or 2 can be inside at once
    // (2 needs two threads to overlap, 1 needs them to run one by one), never
    // 3; and every permit comes back.
    let want: BTreeSet<String> = ["most 1 · left 2", "most 2 · left 2"]
        .map(String::from)
        .into();
    // Full exploration takes minutes (a semaphore is a contended lock plus a
    // condition variable): loom is bounded to 2 preemptions, which reach
    // both outcomes (overlap needs one), shuttle's DFS to 5000 schedules.
    for b in EXHAUSTIVE {
        let c = match b {
            Backend::Loom => Config::new(b).with_preemption_bound(2),
            _ => Config::new(b).with_max_schedules(5000),
        };
        let r =
            racetrace::explore_outcomes(&c, "semaphore", most_inside_with_two_permits, |_| true);
        if b == Backend::Loom {
            assert!(r.complete);
            assert_eq!(set(&r), want, "{b}: {}", r.render_table());
        } else {
            assert!(set(&r).is_subset(&want), "{b}: {}", r.render_table());
        }
    }
}

#[test]
fn try_acquire_takes_a_permit_only_when_one_is_free() {
    fn body() -> String {
        let sem = Semaphore::new(1);
        let a = sem.try_acquire();
        let b = sem.try_acquire();
        sem.release();
        let c = sem.try_acquire();
        format!("{a} {b} {c} {}", sem.available())
    }
    for b in EXHAUSTIVE {
        assert_eq!(
            set(&outcomes(b, body)),
            ["true false true 0".to_string()].into()
        );
    }
    assert_eq!(body(), "true false true 0"); // outside any exploration
}

#[test]
fn a_thread_waiting_for_a_permit_that_never_comes_is_a_deadlock_naming_the_semaphore() {
    fn body() -> String {
        let sem = Arc::new(Semaphore::new(1).named("seats"));
        let s = sem.clone();
        sem.acquire();
        let h = thread::spawn(move || s.acquire()); // no release ever
        h.join().unwrap();
        "done".into()
    }
    for b in EXHAUSTIVE {
        let r = outcomes(b, body);
        assert_eq!(
            set(&r),
            ["deadlock".to_string()].into(),
            "{}",
            r.render_table()
        );
        let t = &r.outcomes[0].witness.as_ref().unwrap().trace;
        let text = t.render();
        assert!(
            text.contains(
                "t1 holds nothing, waits for a permit of semaphore seats (0 permits free)"
            ),
            "{text}"
        );
        assert!(
            text.contains("main holds nothing, waits for join t1"),
            "{text}"
        );
    }
}

/// Two threads each lock a re-entrant mutex three levels deep and bump an
/// unsynchronised cell at each level: if the mutex ever let both in, loom
/// would report a data race and shuttle a lost update.
fn nested_increments() -> String {
    let m = Arc::new(ReentrantMutex::new(RaceCell::new(0usize)).named("rlock"));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || {
                let g1 = m.lock();
                g1.set(g1.get() + 1);
                let g2 = m.lock();
                g2.set(g2.get() + 1);
                drop(g2);
                let g3 = m.lock();
                g3.set(g3.get() + 1);
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    let n = m.lock().get();
    n.to_string()
}

#[test]
fn a_reentrant_mutex_lets_its_holder_in_again_and_keeps_others_out() {
    for b in EXHAUSTIVE {
        let r = outcomes(b, nested_increments);
        assert!(r.complete);
        assert_eq!(
            set(&r),
            ["6".to_string()].into(),
            "{b}: {}",
            r.render_table()
        );
    }
    assert_eq!(nested_increments(), "6"); // real threads, outside an exploration
}

#[test]
fn reentry_is_recorded_with_its_depth() {
    // Judge every outcome forbidden, so the first schedule keeps its trace.
    let r = racetrace::explore_outcomes(
        &Config::new(Backend::ShuttleDfs).with_max_schedules(1),
        "reentrant",
        nested_increments,
        |_| false,
    );
    let text = r.first_violation().unwrap().trace.render();
    assert!(text.contains("lock rlock (re-entered, depth 2)"), "{text}");
    assert!(
        text.contains("unlock rlock (still held, depth 1)"),
        "{text}"
    );
}

#[test]
fn two_reentrant_mutexes_taken_in_opposite_orders_deadlock_in_a_cycle() {
    fn body() -> String {
        let a = Arc::new(ReentrantMutex::new(()).named("ra"));
        let b = Arc::new(ReentrantMutex::new(()).named("rb"));
        let (a2, b2) = (a.clone(), b.clone());
        let h = thread::spawn(move || {
            let _x = a2.lock();
            let _y = b2.lock();
        });
        {
            let _y = b.lock();
            let _y2 = b.lock(); // re-entry is fine
            let _x = a.lock();
        }
        h.join().unwrap();
        "done".into()
    }
    for bk in EXHAUSTIVE {
        let r = outcomes(bk, body);
        assert_eq!(
            set(&r),
            ["deadlock".to_string(), "done".to_string()].into(),
            "{}",
            r.render_table()
        );
        let t = &r.row("deadlock").unwrap().witness.as_ref().unwrap().trace;
        assert_eq!(
            t.deadlock.as_ref().unwrap().cycle,
            vec![0, 1],
            "{}",
            t.render()
        );
    }
}

#[test]
fn a_plain_mutex_relocked_by_its_holder_is_a_one_thread_cycle() {
    fn body() -> String {
        let m = Mutex::new(0).named("m");
        let _g = m.lock();
        let _again = m.lock();
        "unreachable".into()
    }
    for b in [Backend::Loom, Backend::ShuttleDfs, Backend::Real] {
        let mut c = Config::new(b);
        if b == Backend::Real {
            c.max_schedules = Some(5);
        }
        let r = racetrace::explore_outcomes(&c, "relock", body, |_| false);
        assert_eq!(r.outcome_set(), ["deadlock"], "{b}");
        let t = &r.outcomes[0].witness.as_ref().unwrap().trace;
        assert_eq!(t.deadlock.as_ref().unwrap().cycle, vec![0]);
        assert!(t.render().contains("cycle: main → main (waits for itself)"));
    }
}
