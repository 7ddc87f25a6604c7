//! The `rc11` backend beyond the litmus suite (tests/rc11_litmus.rs): its
//! counts against closed forms and against dpor where RC11 and sequential
//! consistency coincide, synchronisation through racetrace's other
//! primitives, data races, spurious CAS failures, spin loops, replay, and
//! the weak-memory patterns' verdicts. Every other pattern, whose atomics are
//! `SeqCst`, must give under rc11 the outcome set dpor gives.

/// Exploration allocates at every step: mimalloc, as the racetrace binary
/// uses, keeps this test binary quick.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use racetrace::config::ReplayToken;
use racetrace::traced::cell::RaceCell;
use racetrace::traced::sync::atomic::{AtomicUsize, Ordering, Ordering::*};
use racetrace::traced::sync::{Arc, Mutex};
use racetrace::traced::thread;
use racetrace::{Backend, Config, Report};
use racetrace_patterns::spec::Expect;
use std::collections::BTreeSet;

fn explore(backend: Backend, f: impl Fn() -> String + Send + Sync + 'static) -> Report {
    let r = racetrace::explore_outcomes(&Config::new(backend), "t", f, |_| true);
    assert!(r.complete, "{backend}: {:?}", r.bound);
    r
}

fn set(r: &Report) -> BTreeSet<String> {
    r.outcomes.iter().map(|o| o.outcome.clone()).collect()
}

fn strings(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// `threads` threads each increment one atomic `ops` times, with a
/// `Relaxed` load then store, or a `Relaxed` `fetch_add`.
fn counter(threads: usize, ops: usize, rmw: bool) -> impl Fn() -> String + Send + Sync + 'static {
    move || {
        let x = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                let x = x.clone();
                thread::spawn(move || {
                    for _ in 0..ops {
                        if rmw {
                            x.fetch_add(1, Relaxed);
                        } else {
                            let v = x.load(Relaxed);
                            x.store(v + 1, Relaxed);
                        }
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        x.load(Relaxed).to_string()
    }
}

fn factorial(n: u64) -> u64 {
    (1..=n).product()
}

#[test]
fn relaxed_fetch_add_counters_have_one_graph_per_order_of_the_increments() {
    // The increments are RMWs on one location: a graph is a total order of
    // them that keeps each thread's in program order — (n·k)! / (k!)^n.
    for (n, k) in [(2, 1), (2, 2), (3, 1), (2, 3), (3, 2)] {
        let r = explore(Backend::Rc11, counter(n, k, true));
        let orders = factorial((n * k) as u64) / factorial(k as u64).pow(n as u32);
        assert_eq!(r.schedules, orders, "{n}x{k}");
        assert_eq!(set(&r), strings(&[&(n * k).to_string()]), "{n}x{k}");
    }
}

#[test]
fn on_one_location_rc11_counts_the_sequentially_consistent_traces() {
    // Coherence makes one location sequentially consistent: each graph is
    // one Mazurkiewicz trace, which dpor counts exactly (tests/counters.rs
    // checks dpor against a brute-force enumeration).
    for (n, k) in [(2, 1), (2, 2), (3, 1), (2, 3)] {
        let r = explore(Backend::Rc11, counter(n, k, false));
        let d = explore(Backend::Dpor, counter(n, k, false));
        assert_eq!(set(&r), set(&d), "{n}x{k}");
        assert_eq!(r.schedules, d.schedules, "{n}x{k}");
    }
}

/// Data written `Relaxed` by one thread, then read `Relaxed` by another
/// after `sync` orders them (or not).
fn published(sync: &'static str) -> impl Fn() -> String + Send + Sync + 'static {
    move || {
        let data = Arc::new(AtomicUsize::new(0));
        let flag = Arc::new(AtomicUsize::new(0));
        let lock = Arc::new(Mutex::new(false));
        let (d, f, l) = (data.clone(), flag.clone(), lock.clone());
        let h = thread::spawn(move || {
            d.store(1, Relaxed);
            match sync {
                "mutex" => *l.lock() = true,
                _ => f.store(1, Relaxed),
            }
        });
        let seen = match sync {
            "mutex" => *lock.lock(),
            _ => flag.load(Relaxed) == 1,
        };
        let v = data.load(Relaxed);
        h.join().unwrap();
        let after_join = data.load(Relaxed);
        format!("{seen} {v} {after_join}")
    }
}

#[test]
fn a_mutex_orders_relaxed_accesses_and_a_relaxed_flag_does_not() {
    let with_mutex = explore(Backend::Rc11, published("mutex"));
    assert!(
        !set(&with_mutex).contains("true 0 1"),
        "{:?}",
        set(&with_mutex)
    );
    assert!(
        set(&with_mutex).contains("true 1 1"),
        "{:?}",
        set(&with_mutex)
    );
    let with_flag = explore(Backend::Rc11, published("flag"));
    assert!(
        set(&with_flag).contains("true 0 1"),
        "{:?}",
        set(&with_flag)
    );
    // A join orders the child's writes before the parent's next read.
    for r in [&with_mutex, &with_flag] {
        assert!(set(r).iter().all(|o| o.ends_with(" 1")), "{:?}", set(r));
    }
}

#[test]
fn a_spawn_orders_the_parents_earlier_writes_before_the_child() {
    let r = explore(Backend::Rc11, || {
        let x = Arc::new(AtomicUsize::new(0));
        x.store(7, Relaxed);
        let x2 = x.clone();
        thread::spawn(move || x2.load(Relaxed))
            .join()
            .unwrap()
            .to_string()
    });
    assert_eq!(set(&r), strings(&["7"]));
}

fn cell_published(store: Ordering, load: Ordering) -> impl Fn() -> String + Send + Sync + 'static {
    move || {
        let d = Arc::new(RaceCell::new(0u32));
        let f = Arc::new(AtomicUsize::new(0));
        let (d2, f2) = (d.clone(), f.clone());
        let h = thread::spawn(move || {
            d2.set(7);
            f2.store(1, store);
        });
        let v = if f.load(load) == 1 { d.get() } else { 99 };
        h.join().unwrap();
        v.to_string()
    }
}

#[test]
fn plain_accesses_without_happens_before_are_a_data_race() {
    let racy = explore(Backend::Rc11, cell_published(Relaxed, Relaxed));
    assert_eq!(set(&racy), strings(&["99", "data-race"]));
    let ordered = explore(Backend::Rc11, cell_published(Release, Acquire));
    assert_eq!(set(&ordered), strings(&["7", "99"]));
}

#[test]
fn compare_exchange_weak_may_fail_spuriously_and_the_strong_one_may_not() {
    let run = |weak: bool| {
        explore(Backend::Rc11, move || {
            let x = AtomicUsize::new(0);
            let r = if weak {
                x.compare_exchange_weak(0, 1, SeqCst, SeqCst)
            } else {
                x.compare_exchange(0, 1, SeqCst, SeqCst)
            };
            format!("{r:?} {}", x.load(SeqCst))
        })
    };
    assert_eq!(set(&run(false)), strings(&["Ok(0) 1"]));
    assert_eq!(set(&run(true)), strings(&["Err(0) 0", "Ok(0) 1"]));
}

#[test]
fn get_mut_and_into_inner_see_the_latest_write() {
    let r = explore(Backend::Rc11, || {
        let x = Arc::new(AtomicUsize::new(0));
        let x2 = x.clone();
        thread::spawn(move || x2.store(5, Relaxed)).join().unwrap();
        let Ok(mut x) = Arc::try_unwrap(x) else {
            panic!("not the only handle")
        };
        let m = *x.get_mut();
        format!("{m} {}", x.into_inner())
    });
    assert_eq!(set(&r), strings(&["5 5"]));
}

#[test]
fn a_spin_on_a_flag_another_thread_sets_ends() {
    // The reader spins with `yield_now`; under rc11 each iteration could
    // read the old flag again, and the exploration must still be finite and
    // report no livelock.
    let r = explore(Backend::Rc11, || {
        let flag = Arc::new(AtomicUsize::new(0));
        let f = flag.clone();
        let h = thread::spawn(move || f.store(1, Relaxed));
        let mut spins = 0;
        while flag.load(Relaxed) == 0 {
            spins += 1;
            thread::yield_now();
        }
        h.join().unwrap();
        format!("done after {} spin(s)", spins.min(1))
    });
    assert_eq!(
        set(&r),
        strings(&["done after 0 spin(s)", "done after 1 spin(s)"])
    );
}

#[test]
fn a_witness_replays_to_the_same_trace() {
    let p = racetrace_patterns::find("message-passing").unwrap();
    let v = p.variant("relaxed").unwrap();
    let params = p.params(&[]).unwrap();
    let r = racetrace_patterns::explore(p, v, &params, &Config::new(Backend::Rc11)).unwrap();
    let w = r.first_violation().expect("the stale read").clone();
    let token = w.replay.clone().expect("a replay token");
    let mut config = Config::new(Backend::Rc11);
    config.replay = Some(token.parse::<ReplayToken>().unwrap());
    let again = racetrace_patterns::explore(p, v, &params, &config).unwrap();
    let replayed = again.first_violation().expect("the replay shows the bug");
    // The same trace; only the title's schedule number differs (a replay
    // is schedule 1).
    let body = |t: String| t.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(replayed.trace.render()), body(w.trace.render()));
}

#[test]
fn each_weak_memory_bug_is_found_and_each_fix_verified() {
    for name in ["message-passing", "spin-lock", "spsc-ring", "lazy-init"] {
        let p = racetrace_patterns::find(name).unwrap();
        let params = p.params(&[]).unwrap();
        for v in p.variants {
            let r =
                racetrace_patterns::explore(p, v, &params, &Config::new(Backend::Rc11)).unwrap();
            assert!(r.complete, "{name}/{}", v.name);
            let found = r.violations().next().is_some();
            assert_eq!(
                found,
                matches!(v.spec.expect, Expect::Bug(_)),
                "{name}/{}: {:?}",
                v.name,
                set(&r)
            );
            // Sequential consistency never shows these bugs.
            let d =
                racetrace_patterns::explore(p, v, &params, &Config::new(Backend::Dpor)).unwrap();
            assert!(
                d.violations().next().is_none(),
                "{name}/{} under dpor",
                v.name
            );
        }
    }
}

#[test]
fn patterns_with_seq_cst_atomics_have_the_same_outcomes_under_rc11_and_dpor() {
    let weak = ["message-passing", "spin-lock", "spsc-ring", "lazy-init"];
    let mut compared = 0;
    for p in racetrace_patterns::all() {
        if weak.contains(&p.name) {
            continue;
        }
        let smallest: Vec<(String, usize)> = p
            .params
            .iter()
            .map(|s| (s.name.to_string(), s.min))
            .collect();
        let params = p.params(&smallest).unwrap();
        for v in p.variants {
            if !v.jobs.iter().any(|j| j.backend == Backend::Dpor) {
                continue; // real processes only, or too large for dpor
            }
            let mut config = Config::new(Backend::Dpor);
            config.max_schedules = Some(20_000);
            let d = racetrace_patterns::explore(p, v, &params, &config).unwrap();
            config.backend = Backend::Rc11;
            let r = racetrace_patterns::explore(p, v, &params, &config).unwrap();
            if !(d.complete && r.complete) || d.weak_ordering.is_some() {
                continue;
            }
            assert_eq!(set(&r), set(&d), "{}/{}", p.name, v.name);
            compared += 1;
        }
    }
    assert!(compared >= 20, "only {compared} variants compared");
}

#[test]
fn an_acquire_read_of_a_release_write_says_whom_it_synchronises_with() {
    let p = racetrace_patterns::find("message-passing").unwrap();
    let params = p.params(&[]).unwrap();
    let text = |variant: &str| {
        let v = p.variant(variant).unwrap();
        let r = racetrace_patterns::explore(p, v, &params, &Config::new(Backend::Rc11)).unwrap();
        r.outcomes
            .iter()
            .filter_map(|o| o.witness.as_ref())
            .map(|w| w.trace.render())
            .collect::<String>()
    };
    let synced = text("release-acquire");
    let line = synced
        .lines()
        .find(|l| l.contains("load(Acquire) ready → 1"))
        .expect("the reader sees the flag");
    let step: usize = line
        .split("synchronises with step ")
        .nth(1)
        .and_then(|s| s.trim_end_matches([')', ' ', '|']).split(')').next())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("no synchronisation named: {line}"));
    let store = synced
        .lines()
        .find(|l| l.contains("store(Release) ready ← 1"))
        .unwrap();
    assert!(
        store.trim_start().starts_with(&step.to_string()),
        "{store} is not step {step}"
    );
    assert!(!text("relaxed").contains("synchronises with"));
}
