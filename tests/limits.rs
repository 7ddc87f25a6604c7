//! Limits that hold inside a schedule: a thread that makes no racetrace
//! operation is reported as `no progress` instead of hanging the exploration;
//! the time limit ends an execution that runs on and a replay of a loom
//! token far past the end; the memory budget ends an exploration that grows.
//!
//! Each exploration runs on a helper thread and must come back within a
//! fixed time, so a regression fails the test instead of hanging it.

use racetrace::traced::sync::{Arc, Mutex};
use racetrace::traced::thread;
use racetrace::{Backend, Config, Report};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Run `f` on a helper thread; fail if it takes longer than `limit`.
fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => v,
        Err(_) => panic!("{what}: still running after {limit:?}"),
    }
}

fn explore(config: Config, name: &'static str, f: fn() -> String) -> Report {
    racetrace::explore_outcomes(&config, name, f, |o| o == "done")
}

/// Set once the test has its report: the threads left behind stop spinning
/// or blocking, reach a racetrace operation and unwind.
static RELEASE: AtomicBool = AtomicBool::new(false);
/// Spinners that are spinning now.
static SPINNING: AtomicUsize = AtomicUsize::new(0);

/// `t1` waits for a flag by spinning on a std atomic, without a racetrace
/// operation (no `yield_now`): under the checkers nothing else ever runs.
fn spin_without_yield() -> String {
    let seen = Arc::new(Mutex::new(0));
    let s2 = seen.clone();
    let t = thread::spawn(move || {
        SPINNING.fetch_add(1, Ordering::SeqCst);
        while !RELEASE.load(Ordering::SeqCst) {
            std::hint::spin_loop();
        }
        SPINNING.fetch_sub(1, Ordering::SeqCst);
        *s2.lock() += 1;
    });
    *seen.lock() += 1;
    t.join().unwrap();
    "done".into()
}

/// A std mutex held across a racetrace operation: the other thread blocks
/// the one OS thread the checkers run both on.
fn std_mutex_across_an_operation() -> String {
    let std_lock = std::sync::Arc::new(std::sync::Mutex::new(()));
    let l2 = std_lock.clone();
    let t = thread::spawn(move || {
        let _g = l2.lock().unwrap();
        thread::yield_now();
        while !RELEASE.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    {
        let _g = std_lock.lock().unwrap_or_else(|p| p.into_inner());
    }
    t.join().unwrap();
    "done".into()
}

#[test]
fn a_thread_without_racetrace_operations_is_reported_not_waited_for() {
    type Program = (&'static str, fn() -> String);
    let programs: [Program; 2] = [
        ("spin", spin_without_yield),
        ("std mutex", std_mutex_across_an_operation),
    ];
    for (name, program) in programs {
        for b in [Backend::Dpor, Backend::ShuttleRandom, Backend::Loom] {
            RELEASE.store(false, Ordering::SeqCst);
            let c = Config::new(b)
                .with_max_schedules(50)
                .with_stall_timeout(Duration::from_millis(300));
            let t = Instant::now();
            let r = within(Duration::from_secs(20), name, move || {
                explore(c, name, program)
            });
            RELEASE.store(true, Ordering::SeqCst);
            let row = r
                .row(racetrace::explore::NO_PROGRESS)
                .unwrap_or_else(|| panic!("{name} under {b}: {}", r.render_table()));
            assert!(!row.allowed);
            let bound = r.bound.as_deref().unwrap_or("");
            assert!(
                bound.starts_with("no progress: thread t1 ran ")
                    && bound.ends_with(
                        "without a racetrace operation — a spin without yield, or a std primitive?"
                    ),
                "{name} under {b}: {bound}"
            );
            assert!(!r.complete);
            let w = row.witness.as_ref().unwrap();
            assert!(!w.trace.events.is_empty(), "{name} under {b}: no trace");
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "{name} under {b}: {:?}",
                t.elapsed()
            );
        }
    }
    // The spinners left behind were let go and have unwound.
    let t = Instant::now();
    while SPINNING.load(Ordering::SeqCst) > 0 {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "a spinner is still spinning"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One long schedule: two threads that flip a flag and yield twenty million
/// times each. (A million each ended the first schedule as a livelock — one
/// thread left spinning alone — in about 0.4 s on an idle machine, before
/// the 500 ms limit; this takes seconds. Without the flips they would be a
/// livelock at once: threads that only yield, or only read what nobody
/// changes, wait for nothing that can come.)
fn long_schedule() -> String {
    use racetrace::traced::sync::atomic::{AtomicBool, Ordering::SeqCst};
    let flag = Arc::new(AtomicBool::new(false));
    let f2 = flag.clone();
    let t = thread::spawn(move || {
        for _ in 0..20_000_000 {
            let _ = f2.fetch_xor(true, SeqCst);
            thread::yield_now();
        }
    });
    for _ in 0..20_000_000 {
        let _ = flag.fetch_xor(true, SeqCst);
        thread::yield_now();
    }
    t.join().unwrap();
    "done".into()
}

#[test]
fn the_time_limit_ends_a_schedule_that_runs_on() {
    // (Not loom: there an execution ends at 20,000 operations at most, and
    // loom's own branch limit ends a longer spin of yields.)
    for b in [
        Backend::Dpor,
        Backend::ShuttleRandom,
        Backend::ShuttleDfs,
        Backend::Fuzz,
    ] {
        let c = Config::new(b)
            .with_max_steps(100_000_000)
            .with_max_duration(Duration::from_millis(500));
        let t = Instant::now();
        let r = within(Duration::from_secs(20), "long schedule", move || {
            explore(c, "long", long_schedule)
        });
        assert!(
            t.elapsed() < Duration::from_millis(2500),
            "{b}: {:?}",
            t.elapsed()
        );
        assert_eq!(
            r.schedules,
            0,
            "{b}: the cut schedule is not counted: {}",
            r.render_table()
        );
        assert!(!r.complete);
        assert!(
            r.bound.as_deref().is_some_and(|s| s.contains("time limit")),
            "{b}: {:?}",
            r.bound
        );
    }
}

/// Two threads, one increment each under a lock: short schedules, as many
/// as asked for under shuttle-random.
fn quick() -> String {
    let m = Arc::new(Mutex::new(0));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || *m.lock() += 1)
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    "done".into()
}

#[test]
fn the_time_limit_holds_with_a_huge_schedule_count_and_when_replaying() {
    let c = Config::new(Backend::ShuttleRandom)
        .with_max_schedules(1_000_000_000)
        .with_max_duration(Duration::from_millis(500));
    let t = Instant::now();
    let r = within(Duration::from_secs(20), "shuttle-random", move || {
        explore(c, "quick", quick)
    });
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert!(r.schedules > 0 && !r.complete);

    // A loom token past the last execution runs the whole exploration first.
    let mut c = Config::new(Backend::Loom).with_max_duration(Duration::from_millis(500));
    c.replay = Some("loom/18446744073709551615".parse().unwrap());
    let t = Instant::now();
    let r = within(Duration::from_secs(20), "loom replay", move || {
        explore(c, "quick", quick)
    });
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert!(!r.complete);
}

/// Every execution leaks a megabyte.
fn leaky() -> String {
    let leaked: &'static mut [u8] = Box::leak(vec![1u8; 1 << 20].into_boxed_slice());
    std::hint::black_box(leaked);
    let t = thread::spawn(thread::yield_now);
    t.join().unwrap();
    "done".into()
}

#[test]
fn the_memory_budget_stops_an_exploration_that_grows() {
    let rss = racetrace::explore::resident_bytes().expect("/proc/self/status");
    let c = Config::new(Backend::ShuttleRandom)
        .with_max_schedules(1_000_000)
        .with_max_memory(rss + (64 << 20));
    let r = within(Duration::from_secs(30), "leaky", move || {
        explore(c, "leaky", leaky)
    });
    let bound = r.bound.as_deref().unwrap_or("");
    assert!(bound.starts_with("stopped: memory budget"), "{bound}");
    // Read every 5 ms between schedules: well before a million megabytes.
    assert!(r.schedules < 1_000, "{}", r.schedules);
}

static OUTSIDE: std::sync::OnceLock<racetrace::sync::Mutex<u32>> = std::sync::OnceLock::new();

/// A racetrace mutex made outside the exploration, held across `yield_now`.
fn outside_mutex_across_a_yield() -> String {
    let m = OUTSIDE.get_or_init(|| racetrace::sync::Mutex::new(0));
    let t = thread::spawn(move || {
        let _g = m.lock().unwrap();
        thread::yield_now();
    });
    drop(m.lock());
    t.join().unwrap();
    "done".into()
}

#[test]
fn a_mutex_made_outside_and_held_across_a_yield_is_a_panic_not_a_hang() {
    OUTSIDE.get_or_init(|| racetrace::sync::Mutex::new(0));
    for b in [Backend::Dpor, Backend::ShuttleRandom, Backend::Loom] {
        let c = Config::new(b)
            .with_max_schedules(50)
            .with_stall_timeout(Duration::from_millis(300));
        let r = within(Duration::from_secs(20), "outside", move || {
            explore(c, "outside", outside_mutex_across_a_yield)
        });
        assert!(
            r.outcome_set()
                .iter()
                .all(|o| o.starts_with("panic: racetrace: a primitive created outside")),
            "{b}: {}",
            r.render_table()
        );
    }
}
