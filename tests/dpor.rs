//! The `dpor` strategy: the same outcomes as the exhaustive backends and the
//! oracle, in about one execution per truly different interleaving.

/// Exploration allocates at every step: mimalloc, as the racetrace binary
/// uses (see docs/performance.md), keeps this long test binary quick.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;

use common::{Inc, counter_oracle, mazurkiewicz_traces, numeric_outcomes};
use racetrace::{Backend, Config, Report};
use racetrace_patterns::{self as patterns, Params};

fn run(pattern: &str, variant: &str, threads: usize, ops: usize, backend: Backend) -> Report {
    let p = patterns::find(pattern).unwrap();
    let v = p.variant(variant).unwrap();
    let params: Params = p
        .params(&[("threads".into(), threads), ("ops".into(), ops)])
        .unwrap();
    patterns::explore(p, v, &params, &Config::new(backend)).unwrap()
}

#[test]
fn the_trace_oracle_matches_the_published_counts() {
    // Independent sanity check of the brute-force counter (issue 9's table).
    assert_eq!(mazurkiewicz_traces(2, 1), 4);
    assert_eq!(mazurkiewicz_traces(2, 2), 34);
    assert_eq!(mazurkiewicz_traces(3, 1), 36);
    assert_eq!(mazurkiewicz_traces(2, 3), 328);
}

#[test]
fn dpor_runs_each_distinct_interleaving_of_the_counter_exactly_once() {
    for &(n, k) in &[(1, 1), (2, 1), (2, 2), (3, 1), (2, 3), (4, 1), (3, 2)] {
        let optimum = mazurkiewicz_traces(n, k) as u64;
        let r = run("unsafe-counter", "load-store", n, k, Backend::Dpor);
        assert!(r.complete);
        assert_eq!(
            r.schedules, optimum,
            "{n}x{k}: executions vs distinct interleavings"
        );
        // Optimal DPOR: no execution is cut short by a sleep set.
        assert_eq!(r.pruned, 0, "{n}x{k}: sleep-set-blocked executions");
    }
}

/// (n·k)! / (k!)^n: the orders in which n threads can run k critical sections
/// each — the distinct interleavings of a mutex-only program.
fn critical_section_orders(n: usize, k: usize) -> u64 {
    let fact = |x: usize| (1..=x as u64).product::<u64>();
    fact(n * k) / fact(k).pow(n as u32)
}

#[test]
fn dpor_runs_a_mutex_program_exactly_once_per_order_of_its_critical_sections() {
    for &(n, k) in &[(1, 2), (2, 1), (2, 2), (3, 1), (2, 3), (3, 2)] {
        let want = critical_section_orders(n, k);
        for variant in ["mutex", "atomic"] {
            let r = run("locked-counter", variant, n, k, Backend::Dpor);
            assert!(r.complete);
            assert_eq!(r.schedules, want, "{variant} {n}x{k}");
            assert_eq!(r.pruned, 0, "{variant} {n}x{k}: sleep-set-blocked");
        }
    }
}

#[test]
fn dpor_reaches_exactly_the_oracle_outcomes_of_every_counter_variant() {
    for &(n, k) in &[(1, 2), (2, 1), (2, 2), (3, 1), (2, 3)] {
        for (pattern, variant, inc) in [
            ("unsafe-counter", "load-store", Inc::LoadStore),
            ("unsafe-counter", "unsafe-cell", Inc::LoadStore),
            ("locked-counter", "mutex", Inc::Atomic),
            ("locked-counter", "atomic", Inc::Atomic),
        ] {
            let (expected, _) = counter_oracle(n, k, inc, None);
            let r = run(pattern, variant, n, k, Backend::Dpor);
            assert!(r.complete);
            assert_eq!(
                numeric_outcomes(&r),
                expected,
                "{pattern}/{variant} {n}x{k}"
            );
        }
    }
}

// dpor against loom and shuttle-dfs on every variant of every pattern:
// tests/traces.rs, which explores them all once for its snapshots.

#[test]
fn a_dpor_witness_replays_from_its_file() {
    let p = patterns::find("unsafe-counter").unwrap();
    let v = p.variant("load-store").unwrap();
    let params = p.params(&[]).unwrap();
    let r = patterns::explore(p, v, &params, &Config::new(Backend::Dpor)).unwrap();
    let w = r.first_violation().unwrap();
    let f = racetrace_patterns::replay::TraceFile::from_witness(&r, w).unwrap();
    let again = f.replay().unwrap();
    assert!(again.reproduced, "{:?}", again.difference);
}

/// Soundness at the smallest parameters of every pattern, where shuttle's
/// DFS (no reduction at all) can finish: dpor must reach every outcome DFS
/// reaches, and nothing else.
#[test]
fn dpor_reaches_exactly_the_outcomes_of_shuttle_dfs_at_every_patterns_smallest_parameters() {
    let (mut compared, mut skipped) = (0, Vec::new());
    for p in patterns::all() {
        let smallest: Vec<(String, usize)> = p
            .params
            .iter()
            .map(|s| (s.name.to_string(), s.min))
            .collect();
        let params = p.params(&smallest).unwrap();
        for v in p.variants {
            let mut dfs = Config::new(Backend::ShuttleDfs);
            dfs.max_schedules = Some(300_000);
            let o = patterns::explore(p, v, &params, &dfs).unwrap();
            if !o.complete {
                skipped.push(format!("{}/{}", p.name, v.name));
                continue; // too big for DFS even here: covered by the test above
            }
            compared += 1;
            let d = patterns::explore(p, v, &params, &Config::new(Backend::Dpor)).unwrap();
            assert!(d.complete, "{}/{}: dpor did not finish", p.name, v.name);
            assert_eq!(
                d.outcome_set(),
                o.outcome_set(),
                "{}/{} at {}: dpor vs shuttle-dfs",
                p.name,
                v.name,
                params.describe()
            );
            assert!(d.schedules <= o.schedules, "{}/{}", p.name, v.name);
        }
    }
    eprintln!("compared {compared} variants; DFS did not finish: {skipped:?}");
    // Most variants must be compared, or this test checks nothing.
    assert!(
        compared * 4 >= (compared + skipped.len()) * 3,
        "{skipped:?}"
    );
}

/// With a preemption bound, dpor reaches exactly what the oracle reaches
/// within the same bound (the program's spawns and joins cost nothing: main
/// blocks in `join` before any worker runs) — complete for the bound, not
/// just for the unbounded search — and each outcome's witness takes the
/// fewest preemptions any interleaving needs for it. A bound above any
/// execution's preemptions reaches every outcome.
#[test]
fn dpor_with_a_preemption_bound_reaches_the_oracles_bounded_outcomes() {
    for &(n, k) in &[(2, 1), (2, 2), (3, 1), (2, 3)] {
        let p = patterns::find("unsafe-counter").unwrap();
        let v = p.variant("load-store").unwrap();
        let params = p
            .params(&[("threads".into(), n), ("ops".into(), k)])
            .unwrap();
        let (all, _) = counter_oracle(n, k, Inc::LoadStore, None);
        // The fewest preemptions each outcome needs, by the oracle.
        let fewest = |outcome: usize| {
            (0..)
                .find(|&b| {
                    counter_oracle(n, k, Inc::LoadStore, Some(b))
                        .0
                        .contains(&outcome)
                })
                .expect("every outcome within some bound")
        };
        for bound in 0..=3 {
            let config = Config::new(Backend::Dpor).with_preemption_bound(bound);
            let r = patterns::explore(p, v, &params, &config).unwrap();
            assert!(r.complete, "{n}x{k} bound {bound}");
            assert_eq!(r.preemption_bound, Some(bound));
            let got = numeric_outcomes(&r);
            let (within, _) = counter_oracle(n, k, Inc::LoadStore, Some(bound));
            assert_eq!(got, within, "{n}x{k} bound {bound}");
            for row in &r.outcomes {
                let w = row.witness.as_ref().expect("a witness per outcome");
                let want = fewest(row.outcome.parse().unwrap());
                assert_eq!(
                    w.trace.preemptions, want,
                    "{n}x{k} bound {bound}: outcome {}",
                    row.outcome
                );
            }
        }
        let loose = Config::new(Backend::Dpor).with_preemption_bound(n * k * 2 + 2);
        let r = patterns::explore(p, v, &params, &loose).unwrap();
        assert_eq!(numeric_outcomes(&r), all);
    }
}

// ---- critical sections as one step ------------------------------------------
//
// dpor runs a critical section from its acquisition to its release without a
// scheduling choice, lets sections on a queue's lock commute when they touch
// different parts of the queue, and lets a thread that starts waiting commute
// with a waiter consuming its wake-up. Each program below exercises one of
// these; shuttle's DFS, which reduces nothing, must finish on it and reach
// exactly the same outcomes.

use racetrace::traced::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use racetrace::traced::sync::{Arc, Condvar, Mutex, Queue};
use racetrace::traced::thread;

fn same_outcomes_as_dfs(name: &str, program: fn() -> String) -> Report {
    let run = |b: Backend| {
        let c = Config::new(b).with_max_schedules(2_000_000);
        racetrace::explore_outcomes(&c, name, program, |_| true)
    };
    let dfs = run(Backend::ShuttleDfs);
    assert!(dfs.complete, "{name}: DFS did not finish");
    let dpor = run(Backend::Dpor);
    assert!(dpor.complete, "{name}: dpor did not finish");
    eprintln!(
        "{name}: DFS {} schedules, dpor {}",
        dfs.schedules, dpor.schedules
    );
    assert_eq!(dpor.outcome_set(), dfs.outcome_set(), "{name}: dpor vs DFS");
    assert!(dpor.schedules <= dfs.schedules, "{name}: more than DFS");
    dpor
}

/// Two takers share one condition variable with a giver that hands out two
/// tokens with `notify_one`; a taker checks with `if` (the stolen wake-up)
/// or `while`. Outcome: who took which token, and who found none.
fn takers(check_again: bool) -> String {
    let s = Arc::new((
        Mutex::new((0usize, Vec::new())).named("tokens"),
        Condvar::new(),
    ));
    let takers: Vec<_> = ["t1", "t2"]
        .into_iter()
        .map(|name| {
            let s = s.clone();
            thread::spawn(move || {
                let mut g = s.0.lock();
                if check_again {
                    while g.0 == 0 {
                        g = s.1.wait(g);
                    }
                } else if g.0 == 0 {
                    g = s.1.wait(g);
                }
                if g.0 == 0 {
                    g.1.push(format!("{name}:none"));
                } else {
                    g.0 -= 1;
                    g.1.push(format!("{name}:took"));
                }
            })
        })
        .collect();
    for _ in 0..2 {
        let mut g = s.0.lock();
        g.0 += 1;
        drop(g);
        s.1.notify_one();
    }
    takers.into_iter().for_each(|t| t.join().unwrap());
    let g = s.0.lock();
    format!("{} left={}", g.1.join(","), g.0)
}

#[test]
fn dpor_reaches_the_outcomes_of_dfs_when_waiters_share_a_condition_variable() {
    let stolen = same_outcomes_as_dfs("takers-if", || takers(false));
    assert!(
        stolen.outcome_set().iter().any(|o| o.contains(":none")),
        "{}",
        stolen.render_table()
    );
    let fine = same_outcomes_as_dfs("takers-while", || takers(true));
    assert!(fine.outcome_set().iter().all(|o| !o.contains(":none")));
}

/// A notification sent without the lock races with the start of the wait
/// alone: sent first, it is lost and the waiter sleeps for ever.
fn notify_outside_the_lock() -> String {
    let s = Arc::new((Mutex::new(()), Condvar::new()));
    let s2 = s.clone();
    let waiter = thread::spawn(move || drop(s2.1.wait(s2.0.lock())));
    s.1.notify_one();
    waiter.join().unwrap();
    "woken".into()
}

#[test]
fn dpor_orders_a_notification_against_the_start_of_a_wait() {
    let r = same_outcomes_as_dfs("notify-outside", notify_outside_the_lock);
    assert_eq!(
        r.outcome_set(),
        ["deadlock", "woken"],
        "{}",
        r.render_table()
    );
}

/// A producer puts an item, a consumer gets it and marks it done, main
/// calls `join` (which returns at once if it runs before the put) and reads
/// whether the item was done by then. `get` and `task_done` touch different
/// parts of the queue, `put` both.
fn queue_join() -> String {
    let q = Arc::new(Queue::bounded(1));
    let done = Arc::new(AtomicUsize::new(0));
    let (q1, q2, d2) = (q.clone(), q.clone(), done.clone());
    let producer = thread::spawn(move || q1.put(7));
    let consumer = thread::spawn(move || {
        let got = q2.get();
        q2.task_done().unwrap();
        d2.store(1, SeqCst);
        got
    });
    q.join();
    let at_join = done.load(SeqCst);
    producer.join().unwrap();
    let got = consumer.join().unwrap();
    format!("got={got} done-at-join={at_join}")
}

#[test]
fn dpor_reaches_the_outcomes_of_dfs_on_a_queue_with_task_done_and_join() {
    let r = same_outcomes_as_dfs("queue-join", queue_join);
    // join may return before the put, or after the item is done.
    assert!(r.outcome_set().len() >= 2, "{}", r.render_table());
}

/// A critical section that also stores to an atomic read without the lock:
/// the store is not the mutex's data, so the section is cut there and the
/// load can see the value between the store and the unlock.
fn store_inside_a_section() -> String {
    let m = Arc::new(Mutex::new(0usize));
    let x = Arc::new(AtomicUsize::new(0));
    let (m2, x2) = (m.clone(), x.clone());
    let t = thread::spawn(move || {
        let mut g = m2.lock();
        x2.store(1, SeqCst);
        *g += 1;
        x2.store(2, SeqCst);
    });
    let seen = x.load(SeqCst);
    let locked = m.try_lock().map(|g| *g);
    t.join().unwrap();
    format!("x={seen} try_lock={locked:?}")
}

#[test]
fn dpor_cuts_a_critical_section_at_a_step_outside_the_mutex() {
    let r = same_outcomes_as_dfs("store-inside", store_inside_a_section);
    assert!(
        r.outcome_set().iter().any(|o| o.starts_with("x=1")),
        "{}",
        r.render_table()
    );
}

/// dpor keeps its thread sets as bits: a program with more threads than it
/// explores is reported as not explored completely, saying why — not a
/// crash and not an endless loop.
#[test]
fn a_program_with_too_many_threads_is_reported_not_explored() {
    let r = racetrace::explore(&Config::new(Backend::Dpor), || {
        let hs: Vec<_> = (0..130).map(|_| thread::spawn(|| {})).collect();
        hs.into_iter().for_each(|h| h.join().unwrap());
    });
    assert!(!r.complete);
    let why = r.bound.clone().unwrap_or_default();
    assert!(why.contains("at most 128 threads"), "{why}");
}

/// A `try_lock` made while another thread is inside a short critical
/// section fails: the section must not run as one step when a `try_lock`
/// of its mutex is what another thread does next. Before it, main takes
/// `steps` steps on an atomic nobody else touches.
fn try_lock_against_a_section(steps: usize) -> String {
    let m = Arc::new(Mutex::new(0usize));
    let x = AtomicUsize::new(0);
    let m2 = m.clone();
    let t = thread::spawn(move || *m2.lock() += 1);
    for _ in 0..steps {
        x.fetch_add(1, SeqCst);
    }
    let got = m.try_lock().map(|g| *g);
    t.join().unwrap();
    format!("try_lock={got:?}")
}

#[test]
fn dpor_lets_a_try_lock_see_a_short_critical_section_held() {
    let programs: [fn() -> String; 3] = [
        || try_lock_against_a_section(0),
        || try_lock_against_a_section(1),
        || try_lock_against_a_section(2),
    ];
    for (steps, program) in programs.into_iter().enumerate() {
        let r = same_outcomes_as_dfs(&format!("try-lock-section-{steps}"), program);
        assert!(
            r.outcome_set().iter().any(|o| o.contains("None")),
            "{steps}: {}",
            r.render_table()
        );
    }
}

/// Inside a critical section on `a`, main wakes a thread waiting on another
/// mutex's condition variable, then waits on `a`'s. The woken thread
/// notifies `a`'s condition variable without the lock: if that comes before
/// main's wait starts, the signal is lost and main sleeps for ever. The
/// section must end at the notification that wakes a thread not waiting
/// with `a`.
fn wake_inside_a_section() -> String {
    let a = Arc::new((Mutex::new(()).named("a"), Condvar::new()));
    let b = Arc::new((Mutex::new(false).named("b"), Condvar::new(), Condvar::new()));
    let (a2, b2) = (a.clone(), b.clone());
    let t = thread::spawn(move || {
        let mut g = b2.0.lock();
        *g = true;
        b2.1.notify_one();
        g = b2.2.wait(g);
        drop(g);
        a2.1.notify_one();
    });
    {
        let mut g = b.0.lock();
        while !*g {
            g = b.1.wait(g);
        }
    }
    let g = a.0.lock();
    b.2.notify_one();
    drop(a.1.wait(g));
    t.join().unwrap();
    "woken".into()
}

#[test]
fn dpor_ends_a_critical_section_at_a_notification_that_wakes_another_mutexs_waiter() {
    let r = same_outcomes_as_dfs("wake-inside-section", wake_inside_a_section);
    assert!(
        r.outcome_set().contains(&"deadlock"),
        "{}",
        r.render_table()
    );
}

/// `Config::shard`: the shards of an exploration are disjoint and together
/// make the whole — their schedule counts add up to the unsharded count and
/// their outcome tables to its table — for several numbers of shards, on
/// programs with and without locks, with a deadlock and with spin loops;
/// `Config::jobs` (the
/// shards on threads, merged) gives the whole's counts too.
#[test]
fn the_shards_of_an_exploration_add_up_to_the_whole() {
    use racetrace::Shard;
    use std::collections::BTreeMap;
    let cases: &[(&str, &str, usize, usize)] = &[
        ("unsafe-counter", "load-store", 3, 1),
        ("unsafe-counter", "load-store", 3, 2),
        ("unsafe-counter", "load-store", 2, 3),
        ("locked-counter", "mutex", 3, 2),
        ("lock-order", "opposite-order", 2, 1),
        // Executions cut short by a self-deadlock, with another thread's
        // step never taken: the prefix runs them with that step asleep
        // (covered by the run that took it first), dpor does not.
        ("relock", "non-reentrant", 0, 0),
        // Spinners: held back until what they looked at changes, so how
        // often a spin runs does not depend on the order of steps that
        // commute, which the prefix tries and dpor does not.
        ("message-passing", "relaxed", 0, 0),
        ("spin-lock", "acquire-release", 0, 0),
        ("spsc-ring", "release-acquire", 0, 0),
        ("lock-order", "try-lock-backoff", 0, 0),
    ];
    for &(pattern, variant, threads, ops) in cases {
        let p = patterns::find(pattern).unwrap();
        let v = p.variant(variant).unwrap();
        let params: Params = p
            .params(&[("threads".into(), threads), ("ops".into(), ops)])
            .unwrap_or_else(|_| p.params(&[]).unwrap());
        let whole = patterns::explore(p, v, &params, &Config::new(Backend::Dpor)).unwrap();
        assert!(whole.complete);
        for total in [1, 2, 3, 5] {
            let mut schedules = 0;
            let mut merged: BTreeMap<String, u64> = BTreeMap::new();
            for index in 1..=total {
                let c = Config::new(Backend::Dpor).with_shard(Shard::new(index, total).unwrap());
                let r = patterns::explore(p, v, &params, &c).unwrap();
                assert!(r.complete, "{pattern} shard {index}/{total}");
                schedules += r.schedules;
                for (o, n) in table(&r) {
                    *merged.entry(o).or_default() += n;
                }
            }
            assert_eq!(
                schedules, whole.schedules,
                "{pattern}/{variant} {threads}x{ops}: {total} shards"
            );
            assert_eq!(merged, table(&whole), "{pattern}/{variant}: {total} shards");
            // The same on `total` threads of one exploration (`Config::jobs`).
            let mut c = Config::new(Backend::Dpor).with_jobs(total);
            c.jobs_whole_first = 0; // split even a small run
            let r = patterns::explore(p, v, &params, &c).unwrap();
            assert!(r.complete && r.shard.is_none());
            assert_eq!(r.schedules, whole.schedules, "{pattern}: jobs {total}");
            assert_eq!(table(&r), table(&whole), "{pattern}: jobs {total}");
        }
    }
}

/// Each outcome and how many schedules reached it.
fn table(r: &Report) -> std::collections::BTreeMap<String, u64> {
    r.outcomes
        .iter()
        .map(|o| (o.outcome.clone(), o.schedules))
        .collect()
}

/// `Config::jobs`: the threads claim the tree's prefixes as they reach
/// them, so which thread explores what differs from run to run and with
/// the number of threads; the report must not. On a queue program with
/// about a hundred prefixes, executions cut by sleep sets and several
/// outcomes (the broken variants'): the same counts, the same outcome rows
/// and the same witnesses, trace for trace, for 2, 3 and 5 threads, and
/// the one-thread run's outcome table. (`if-wait`'s executions cut short
/// by a panic are counted more by the prefix search than by dpor,
/// `docs/scale.md`: its one-thread comparison is of the outcomes only.)
#[test]
fn jobs_reports_do_not_depend_on_which_thread_explored_which_prefix() {
    for variant in ["task-done-join", "missing-task-done", "if-wait"] {
        let p = patterns::find("producer-consumer").unwrap();
        let v = p.variant(variant).unwrap();
        let params: Params = p.params(&[("items".to_string(), 1)]).unwrap();
        let one = patterns::explore(p, v, &params, &Config::new(Backend::Dpor)).unwrap();
        let mut reference: Option<Report> = None;
        for jobs in [2, 3, 5, 2] {
            let mut c = Config::new(Backend::Dpor).with_jobs(jobs);
            c.jobs_whole_first = 0; // split even a small run
            let r = patterns::explore(p, v, &params, &c).unwrap();
            assert!(r.complete, "{variant}: jobs {jobs}");
            if variant == "if-wait" {
                assert_eq!(r.outcome_set(), one.outcome_set(), "{variant}: jobs {jobs}");
            } else {
                assert_eq!(table(&r), table(&one), "{variant}: jobs {jobs}");
            }
            match &reference {
                None => reference = Some(r),
                Some(first) => {
                    assert_eq!(
                        (r.schedules, r.pruned),
                        (first.schedules, first.pruned),
                        "{variant}: jobs {jobs}"
                    );
                    assert_eq!(r.outcomes, first.outcomes, "{variant}: jobs {jobs}");
                }
            }
        }
    }
}

/// `Config::jobs` stopped at the first violation: the lowest prefix of
/// the split tree that has one decides. The report is that prefix's first
/// violation, with the schedules of the prefixes below it (each run to its
/// end without one) and of that prefix up to it — here checked against the
/// prefixes run one by one (`Config::prefix`) — whatever the number of
/// threads and whichever was faster; the prefixes above it are cancelled
/// and left out. The witness's title names its prefix. On these programs
/// the first violation is not below the first prefix, so threads run
/// ahead of it.
#[test]
fn jobs_stopped_at_the_first_violation_report_the_lowest_violating_prefix() {
    let cases = [
        ("lost-wakeup", "notify-before-wait"),
        ("philosophers", "left-then-right"),
        ("lock-order", "opposite-order"),
    ];
    for (pattern, variant) in cases {
        let p = patterns::find(pattern).unwrap();
        let v = p.variant(variant).unwrap();
        let params: Params = p.params(&[]).unwrap();
        let mut first = Config::new(Backend::Dpor);
        first.stop_at_first_violation = true;
        first.jobs_whole_first = 0; // split even a small run
        let mut below = 0;
        let mut lowest = None;
        for prefix in 0..10_000 {
            let mut c = first.clone();
            c.prefix = Some(prefix);
            let r = patterns::explore(p, v, &params, &c).unwrap();
            below += r.schedules;
            if let Some(w) = r.first_violation() {
                lowest = Some((prefix, w.trace.clone()));
                break;
            }
        }
        let (k, trace) = lowest.expect("a violation");
        assert!(k > 0, "{pattern}/{variant}: found below the first prefix");
        assert!(trace.title.contains(&format!(" · prefix {k} · schedule ")));
        for jobs in [2, 3, 2] {
            let r = patterns::explore(p, v, &params, &first.clone().with_jobs(jobs)).unwrap();
            let w = r.first_violation().expect("a violation");
            assert_eq!(w.trace, trace, "{pattern}/{variant}: jobs {jobs}");
            assert_eq!(r.schedules, below, "{pattern}/{variant}: jobs {jobs}");
            assert!(!r.complete);
            // Saved, it replays: the prefix is run alone to the schedule.
            let f = racetrace_patterns::replay::TraceFile::from_witness(&r, w).unwrap();
            let again = f.replay().unwrap();
            assert!(
                again.reproduced,
                "{pattern}/{variant}: {:?}",
                again.difference
            );
            let mut edited = f.clone();
            edited.trace.title = edited
                .trace
                .title
                .replace(&format!(" prefix {k} "), &format!(" prefix {} ", k - 1));
            assert!(
                edited
                    .replay()
                    .is_err_and(|e| e.to_string().contains("edited")),
                "{pattern}/{variant}: another prefix's title"
            );
        }
    }
}
