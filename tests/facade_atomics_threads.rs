//! The facade's atomics and threads (`racetrace::sync::atomic`,
//! `racetrace::thread`): std's results on real threads, and under the
//! exhaustive checkers outcome sets equal to those of a brute-force oracle
//! that enumerates every interleaving of a tiny abstract model.

use concurrent::{assert_matches_oracle, oracle};
use racetrace::sync::Arc;
use racetrace::sync::atomic::Ordering::SeqCst;
use racetrace::sync::atomic::{self as rt, Ordering};
use racetrace::{Backend, Config, thread};
use std::collections::BTreeSet;
use std::sync::atomic as sa;
use std::time::Duration;

#[path = "facade_atomics_threads/concurrent.rs"]
mod concurrent;
#[path = "facade_atomics_threads/single.rs"]
mod single;

const CHECKERS: [Backend; 3] = [Backend::Dpor, Backend::ShuttleDfs, Backend::Loom];

/// The outcome set of `f`: every one under the exhaustive checkers, those
/// of 20 runs on real threads.
fn outcomes(
    b: Backend,
    label: &str,
    f: impl Fn() -> String + Send + Sync + 'static,
) -> BTreeSet<String> {
    let c = match b {
        Backend::Real => Config::new(b).with_max_schedules(20),
        _ => Config::new(b),
    };
    let r = racetrace::explore_outcomes(&c, label, f, |_| true);
    assert!(
        r.complete || b == Backend::Real,
        "{label} @ {b}: {}",
        r.render_table()
    );
    r.outcome_set().into_iter().map(str::to_string).collect()
}

/// `AtomicPtr`'s operations over pointers into `SLOTS`, shown as indices.
static SLOTS: [u8; 4] = [0; 4];
fn slot(i: u8) -> *mut u8 {
    SLOTS.as_ptr().wrapping_add(i as usize % 4) as *mut u8
}
fn index(p: *mut u8) -> usize {
    p as usize - SLOTS.as_ptr() as usize
}

// ---- scoped threads --------------------------------------------------------

/// Two scoped threads borrow a local Vec (one read-only, one split
/// mutably) and a local atomic; main adds too; one thread is joined, the
/// other left to the scope.
fn scoped_sum() -> String {
    let data: Vec<u32> = Vec::from([1, 10]);
    let mut out = vec![0u32; 2];
    let total = rt::AtomicU32::new(0);
    let (old0, mine) = thread::scope(|s| {
        let (o0, o1) = out.split_at_mut(1);
        let h = s.spawn(|| {
            o0[0] = total.fetch_add(data[0], SeqCst);
            o0[0]
        });
        s.spawn(|| o1[0] = total.fetch_add(data[1], SeqCst));
        let mine = total.fetch_add(100, SeqCst);
        (h.join().unwrap(), mine)
    });
    format!(
        "old0={old0} out={out:?} main={mine} total={}",
        total.load(SeqCst)
    )
}

#[test]
fn scoped_threads_borrowing_locals_give_the_oracle_outcomes() {
    let want = oracle(
        0i64,
        3,
        |t, x, l| {
            l.a = *x;
            *x += [1, 10, 100][t];
            true
        },
        |x, ls| {
            format!(
                "old0={} out=[{}, {}] main={} total={x}",
                ls[0].a, ls[0].a, ls[1].a, ls[2].a
            )
        },
    );
    assert_eq!(want.len(), 6);
    assert_matches_oracle("scope", scoped_sum, &want);
}

#[test]
fn scope_waits_for_its_threads_even_when_its_body_panics_as_std_does() {
    let finished = sa::AtomicBool::new(false);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(50));
                finished.store(true, SeqCst);
            });
            panic!("body");
        })
    }));
    assert!(r.is_err());
    assert!(
        finished.load(SeqCst),
        "scope unwound before its thread ended"
    );
}

#[test]
fn scope_panics_for_a_panicking_thread_it_joined_itself_as_std_does() {
    fn ours(join: bool) -> bool {
        std::panic::catch_unwind(|| {
            thread::scope(|s| {
                let h = s.spawn(|| panic!("scoped"));
                if join {
                    assert!(h.join().is_err());
                }
            })
        })
        .is_err()
    }
    fn std_(join: bool) -> bool {
        std::panic::catch_unwind(|| {
            std::thread::scope(|s| {
                let h = s.spawn(|| panic!("scoped"));
                if join {
                    assert!(h.join().is_err());
                }
            })
        })
        .is_err()
    }
    for join in [false, true] {
        assert_eq!(ours(join), std_(join), "joined: {join}");
    }
}

#[test]
fn a_scope_ended_by_a_panic_or_a_deadlock_reports_it_after_joining_its_threads() {
    fn thread_panics() -> String {
        let v: Vec<u8> = Vec::from([1, 2]);
        thread::scope(|s| {
            s.spawn(|| assert_eq!(v[0], 2, "scoped"));
            s.spawn(|| v[1]);
        });
        "returned".into()
    }
    fn body_panics() -> String {
        let x = rt::AtomicU8::new(0);
        thread::scope(|s| {
            s.spawn(|| x.fetch_add(1, SeqCst));
            assert_eq!(x.load(SeqCst), 7, "body");
        });
        "returned".into()
    }
    fn thread_parks_forever() -> String {
        let x = rt::AtomicU8::new(0);
        thread::scope(|s| {
            s.spawn(|| {
                x.store(1, SeqCst);
                thread::park()
            });
        });
        "returned".into()
    }
    for b in CHECKERS {
        let got = outcomes(b, "scoped-panic", thread_panics);
        assert!(
            got.len() == 1
                && got
                    .iter()
                    .all(|o| o.starts_with("panic: ") && o.contains("scoped")),
            "{b}: {got:?}"
        );
        let got = outcomes(b, "body-panic", body_panics);
        assert!(
            got.len() == 1
                && got
                    .iter()
                    .all(|o| o.starts_with("panic: ") && o.contains("body")),
            "{b}: {got:?}"
        );
        assert_eq!(
            outcomes(b, "scoped-park", thread_parks_forever),
            BTreeSet::from(["deadlock".to_string()]),
            "{b}"
        );
    }
}

// ---- threads: identity, builder, park --------------------------------------

fn identities() -> String {
    let main = thread::current();
    let h = thread::Builder::new()
        .name("worker".into())
        .stack_size(1 << 20)
        .spawn(|| {
            (
                thread::current().id(),
                thread::current().name().map(String::from),
            )
        })
        .unwrap();
    let (id, name) = h.join().unwrap();
    let scoped = thread::scope(|s| {
        let h = thread::Builder::new()
            .spawn_scoped(s, || thread::current().id())
            .unwrap();
        let t = h.thread().id();
        (h.join().unwrap(), t)
    });
    let ok = main.id() == thread::current().id()
        && id != main.id()
        && scoped.0 == scoped.1
        && scoped.0 != id
        && name.as_deref() == Some("worker");
    format!("{ok} {:?}", main.name())
}

#[test]
fn thread_handles_and_ids_agree_with_the_threads_themselves() {
    for b in CHECKERS.into_iter().chain([Backend::Real]) {
        assert_eq!(
            outcomes(b, "ids", identities),
            BTreeSet::from(["true Some(\"main\")".to_string()]),
            "{b}"
        );
    }
    // Outside any execution: std's threads (main's name is the test's).
    assert!(identities().starts_with("true "));
    assert!(
        thread::available_parallelism().unwrap() == std::thread::available_parallelism().unwrap()
    );
}

/// The child parks until main sets the flag and unparks it; then main
/// parks until the child unparks it back.
fn handshake() -> String {
    let (ready, back) = (
        Arc::new(rt::AtomicBool::new(false)),
        Arc::new(rt::AtomicBool::new(false)),
    );
    let (r, k, main) = (ready.clone(), back.clone(), thread::current());
    let h = thread::spawn(move || {
        while !r.load(SeqCst) {
            thread::park();
        }
        k.store(true, SeqCst);
        main.unpark();
    });
    ready.store(true, SeqCst);
    h.thread().unpark();
    while !back.load(SeqCst) {
        thread::park();
    }
    h.join().unwrap();
    "done".into()
}

#[test]
fn a_park_unpark_handshake_completes_under_every_checker() {
    for b in CHECKERS.into_iter().chain([Backend::Real]) {
        assert_eq!(
            outcomes(b, "handshake", handshake),
            BTreeSet::from(["done".to_string()]),
            "{b}"
        );
    }
    assert_eq!(handshake(), "done"); // std's park, outside any execution
}

#[test]
fn a_park_no_unpark_can_end_is_the_outcome_deadlock() {
    fn child_parks() -> String {
        thread::spawn(thread::park).join().unwrap();
        "returned".into()
    }
    fn main_parks() -> String {
        thread::park();
        "returned".into()
    }
    fn times_out() -> String {
        thread::park_timeout(Duration::from_millis(1));
        "timed out".into()
    }
    for b in CHECKERS {
        for f in [child_parks, main_parks] {
            assert_eq!(
                outcomes(b, "park", f),
                BTreeSet::from(["deadlock".to_string()]),
                "{b}"
            );
        }
        assert_eq!(
            outcomes(b, "park_timeout", times_out),
            BTreeSet::from(["timed out".to_string()]),
            "{b}"
        );
    }
}

fn finished_early() -> String {
    let x = Arc::new(rt::AtomicUsize::new(0));
    let x1 = x.clone();
    let h = thread::spawn(move || x1.store(1, SeqCst));
    let seen = h.is_finished();
    while !h.is_finished() {}
    h.join().unwrap();
    format!("{seen}")
}

#[test]
fn is_finished_is_explored_both_ways_and_a_spin_on_it_ends() {
    for b in [Backend::Dpor, Backend::ShuttleDfs] {
        assert_eq!(
            outcomes(b, "is_finished", finished_early),
            BTreeSet::from(["false".into(), "true".into()]),
            "{b}"
        );
    }
    // loom runs the other thread first at a yield: a subset.
    assert!(
        outcomes(Backend::Loom, "is_finished", finished_early)
            .is_subset(&BTreeSet::from(["false".into(), "true".into()]))
    );
}

/// A child that performs no operation at all: its start is its whole run,
/// and a step with nothing in it must not decide when the spinner may look.
fn finished_early_doing_nothing() -> String {
    let h = thread::spawn(|| {});
    let seen = h.is_finished();
    while !h.is_finished() {}
    h.join().unwrap();
    format!("{seen}")
}

#[test]
fn is_finished_on_a_child_that_does_nothing_is_explored_both_ways() {
    for b in [Backend::ShuttleDfs, Backend::Dpor] {
        assert_eq!(
            outcomes(b, "is_finished, empty child", finished_early_doing_nothing),
            BTreeSet::from(["false".into(), "true".into()]),
            "{b}"
        );
    }
}

#[test]
fn facade_types_are_send_and_sync_as_std_s_are() {
    fn both<T: Send + Sync>() {}
    both::<thread::Thread>();
    both::<thread::ThreadId>();
    both::<thread::JoinHandle<u8>>();
    both::<thread::ScopedJoinHandle<'static, u8>>();
    both::<thread::Scope<'static, 'static>>();
    both::<rt::AtomicPtr<u8>>();
    both::<rt::AtomicI8>();
}
