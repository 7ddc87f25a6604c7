//! `thread-pool` and `semaphore`: explored outcome sets against oracles written
//! here (a brute-force model of a FIFO pool; the semaphore bound argued in a
//! comment), the [`ThreadPool`] on real threads, and bug witnesses replayed
//! from saved files.

mod common;
#[path = "common/full.rs"]
mod full;

use common::save_load_replay;

use racetrace::executor::{JobError, ThreadPool};
use racetrace::{Backend, Config};
use racetrace_patterns::replay::TraceFile;
use racetrace_patterns::{self as patterns, Params};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// Every outcome of `pattern/variant` with `params` under `config`, and
/// whether the exploration was complete.
fn outcomes(
    pattern: &str,
    variant: &str,
    params: &[(&str, usize)],
    config: &Config,
) -> (BTreeSet<String>, bool) {
    let p = patterns::find(pattern).unwrap();
    let v = p.variant(variant).unwrap();
    let given: Vec<(String, usize)> = params.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    let params: Params = p.params(&given).unwrap();
    let r = patterns::explore(p, v, &params, config).unwrap();
    (
        r.outcomes.iter().map(|o| o.outcome.clone()).collect(),
        r.complete,
    )
}

// ---- the oracle: a FIFO pool as a tiny transition system --------------------

/// One state of the abstract pool: main has submitted `submitted` jobs (in
/// order, into a FIFO queue), `taken` of them have been taken by a worker,
/// `running[w]` is the job worker `w` is running, `done` lists finished jobs
/// in the order they finished.
#[derive(Clone)]
struct Model {
    jobs: usize,
    submitted: usize,
    taken: usize,
    running: Vec<Option<usize>>,
    done: Vec<usize>,
}

/// Every order in which jobs can finish with `workers` workers, and every set
/// of finished jobs main can see at one instant after submitting the last
/// job (what `no-wait` reads). Enumerates all interleavings of: main submits
/// the next job; an idle worker takes the oldest queued job; a busy worker
/// finishes its job.
fn pool_oracle(workers: usize, jobs: usize) -> (BTreeSet<Vec<usize>>, BTreeSet<Vec<bool>>) {
    fn go(m: Model, orders: &mut BTreeSet<Vec<usize>>, seen: &mut BTreeSet<Vec<bool>>) {
        if m.submitted == m.jobs {
            seen.insert((0..m.jobs).map(|j| m.done.contains(&j)).collect());
        }
        if m.done.len() == m.jobs {
            orders.insert(m.done.clone());
            return;
        }
        if m.submitted < m.jobs {
            let mut n = m.clone();
            n.submitted += 1;
            go(n, orders, seen);
        }
        for w in 0..m.running.len() {
            match m.running[w] {
                None if m.taken < m.submitted => {
                    let mut n = m.clone();
                    n.running[w] = Some(n.taken);
                    n.taken += 1;
                    go(n, orders, seen);
                }
                Some(j) => {
                    let mut n = m.clone();
                    n.running[w] = None;
                    n.done.push(j);
                    go(n, orders, seen);
                }
                None => {}
            }
        }
    }
    let (mut orders, mut seen) = (BTreeSet::new(), BTreeSet::new());
    let m = Model {
        jobs,
        submitted: 0,
        taken: 0,
        running: vec![None; workers],
        done: Vec::new(),
    };
    go(m, &mut orders, &mut seen);
    (orders, seen)
}

fn square_of_job(j: usize) -> usize {
    (j + 1) * (j + 1)
}

const POOL_SIZES: [(usize, usize); 4] = [(1, 2), (2, 1), (2, 2), (2, 3)];

#[test]
fn completion_order_outcomes_are_exactly_the_orders_a_fifo_pool_can_finish_in() {
    for (workers, jobs) in POOL_SIZES {
        let (orders, _) = pool_oracle(workers, jobs);
        let want: BTreeSet<String> = orders
            .iter()
            .map(|o| {
                o.iter()
                    .map(|&j| square_of_job(j).to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let (got, complete) = outcomes(
            "thread-pool",
            "completion-order",
            &[("workers", workers), ("jobs", jobs)],
            &Config::new(Backend::Dpor),
        );
        assert!(complete);
        assert_eq!(got, want, "workers={workers} jobs={jobs}");
        // The bug needs two workers and two jobs: one worker finishes in order.
        assert_eq!(got.len() > 1, workers > 1 && jobs > 1);
    }
}

#[test]
fn no_wait_reads_exactly_the_result_sets_finished_when_shutdown_returns() {
    for (workers, jobs) in POOL_SIZES {
        let (_, seen) = pool_oracle(workers, jobs);
        let want: BTreeSet<String> = seen
            .iter()
            .map(|s| {
                s.iter()
                    .enumerate()
                    .map(|(j, &d)| {
                        if d {
                            square_of_job(j).to_string()
                        } else {
                            "_".into()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let (got, complete) = outcomes(
            "thread-pool",
            "no-wait",
            &[("workers", workers), ("jobs", jobs)],
            &Config::new(Backend::Dpor),
        );
        assert!(complete);
        assert_eq!(got, want, "workers={workers} jobs={jobs}");
    }
}

#[test]
fn map_and_a_panicking_job_give_one_outcome_in_input_order() {
    for (workers, jobs) in [(1, 2), (2, 2)] {
        let ps = [("workers", workers), ("jobs", jobs)];
        let squares: Vec<String> = (0..jobs).map(|j| square_of_job(j).to_string()).collect();
        let (got, complete) = outcomes("thread-pool", "map", &ps, &Config::new(Backend::Dpor));
        assert!(complete);
        assert_eq!(got, BTreeSet::from([squares.join(" ")]));
        let mut with_panic = squares.clone();
        with_panic[0] = "panicked".into();
        let (got, complete) = outcomes(
            "thread-pool",
            "panicking-job",
            &ps,
            &Config::new(Backend::Dpor),
        );
        assert!(complete);
        assert_eq!(got, BTreeSet::from([with_panic.join(" ")]));
    }
}

#[test]
fn loom_and_dpor_agree_on_the_thread_pool_bugs() {
    for v in ["completion-order", "no-wait"] {
        // no-wait with two workers (loom: seconds) with RACETRACE_FULL=1;
        // with one, three outcomes, in the everyday loop.
        let params: &[(&str, usize)] = if v == "no-wait" && !full::full() {
            &[("workers", 1)]
        } else {
            &[]
        };
        let (dpor, _) = outcomes("thread-pool", v, params, &Config::new(Backend::Dpor));
        let (loom, complete) = outcomes("thread-pool", v, params, &Config::new(Backend::Loom));
        assert!(complete);
        assert_eq!(dpor, loom, "{v}");
    }
}

// ---- semaphore ---------------------------------------------------------------

/// The largest count of threads inside that `variant` can reach with `n`
/// threads and `m` permits, by argument:
///
/// * `bounded`: a thread inside holds a permit and only `m` exist, so at most
///   `min(n, m)`; letting that many threads acquire before any leaves reaches it.
/// * `double-release`: thread 0 releases once too often, and only once. Before
///   its first release it holds a permit (≤ m inside); between its two
///   releases it is inside holding none while the others hold ≤ m (≤ m + 1);
///   after the second it has left, and the others hold ≤ m + 1 permits. So at
///   most `min(n, m + 1)`, reached when thread 0 and m − 1 others are inside
///   and one more enters after thread 0's first release.
///
/// Every smaller count ≥ 1 is reached by letting fewer threads overlap.
fn max_inside(variant: &str, n: usize, m: usize) -> usize {
    match variant {
        "bounded" => n.min(m),
        "double-release" => n.min(m + 1),
        _ => unreachable!(),
    }
}

#[test]
fn semaphore_max_inside_is_min_of_threads_and_permits_plus_one_if_released_twice() {
    for (n, m) in [(1, 1), (2, 1), (3, 1), (2, 2), (3, 2)] {
        for v in ["bounded", "double-release"] {
            let want: BTreeSet<String> = (1..=max_inside(v, n, m))
                .map(|k| format!("max inside = {k}"))
                .collect();
            let (got, complete) = outcomes(
                "semaphore",
                v,
                &[("threads", n), ("permits", m)],
                &Config::new(Backend::Dpor),
            );
            assert!(complete);
            assert_eq!(got, want, "{v} threads={n} permits={m}");
        }
    }
}

// ---- witnesses replay ----------------------------------------------------------

#[test]
fn every_executor_bug_replays_from_a_saved_file() {
    let dir = std::env::temp_dir().join(format!("racetrace-exec-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let configs = [
        Config::new(Backend::Dpor),
        Config::new(Backend::Loom).with_preemption_bound(2),
        Config::new(Backend::ShuttlePct)
            .with_seed(0)
            .with_max_schedules(1000),
    ];
    for (pattern, variant) in [
        ("thread-pool", "completion-order"),
        ("thread-pool", "no-wait"),
        ("semaphore", "double-release"),
    ] {
        for c in &configs {
            let p = patterns::find(pattern).unwrap();
            let params = p.params(&[]).unwrap();
            let r = patterns::explore(p, p.variant(variant).unwrap(), &params, c).unwrap();
            let w = r.first_violation().expect("a violation");
            let f = TraceFile::from_witness(&r, w).unwrap();
            save_load_replay(&dir, &format!("{pattern}-{variant}-{}", c.backend), &f);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- the pool under a checker -------------------------------------------------

#[test]
fn a_job_waiting_for_a_job_queued_behind_it_on_one_worker_is_a_deadlock() {
    // The classic pool deadlock: the only worker runs a job that waits for
    // the result of a job that can only run after it.
    let r = racetrace::explore_outcomes(
        &Config::new(Backend::Dpor),
        "nested-submit",
        || {
            let pool = Arc::new(ThreadPool::new(1));
            let inner = pool.clone();
            let outer = pool.submit(move || inner.submit(|| 1).result().unwrap());
            format!("{:?}", outer.result())
        },
        |o| o == "Ok(1)",
    );
    assert!(r.complete);
    let got: BTreeSet<&str> = r.outcomes.iter().map(|o| o.outcome.as_str()).collect();
    assert_eq!(got, BTreeSet::from(["deadlock"]));
}

#[test]
fn submit_starts_a_new_worker_when_the_idle_one_is_already_claimed() {
    // Job A leaves its worker idle; B and C arrive together, B waits for C.
    // If both woke the one idle worker (instead of starting the second, as
    // Python's idle semaphore makes `submit` do), B would hold it while C
    // waits in the queue behind B: a deadlock on some schedules.
    let r = racetrace::explore_outcomes(
        &Config::new(Backend::Dpor),
        "claimed-idle-worker",
        || {
            let pool = ThreadPool::new(2);
            pool.submit(|| ()).result().unwrap();
            let gate = Arc::new(racetrace::traced::sync::Semaphore::new(0).named("gate"));
            let g = gate.clone();
            let b = pool.submit(move || g.acquire());
            let c = pool.submit(move || gate.release());
            format!("{:?} {:?}", b.result(), c.result())
        },
        |o| o == "Ok(()) Ok(())",
    );
    assert!(r.complete);
    let got: BTreeSet<&str> = r.outcomes.iter().map(|o| o.outcome.as_str()).collect();
    assert_eq!(got, BTreeSet::from(["Ok(()) Ok(())"]));
}

// ---- the pool on real threads -------------------------------------------------

/// Run `f` on another thread; fail if it takes longer than 10 s.
fn bounded(f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(()) => {}
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("timed out after 10 s"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the test body panicked"),
    }
}

#[test]
fn map_returns_input_order_when_later_jobs_finish_first() {
    bounded(|| {
        let pool = ThreadPool::new(4);
        let finished = Arc::new(std::sync::Mutex::new(Vec::new()));
        let f = finished.clone();
        // Input 0 sleeps longest, so it finishes last.
        let got = pool
            .map(
                move |i: u64| {
                    std::thread::sleep(Duration::from_millis(40 * (3 - i)));
                    f.lock().unwrap().push(i);
                    i * 10
                },
                0..4,
            )
            .unwrap();
        assert_eq!(got, vec![0, 10, 20, 30]);
        assert_eq!(finished.lock().unwrap().last(), Some(&0));
    });
}

#[test]
fn a_panicking_job_is_its_futures_error_and_the_worker_survives() {
    bounded(|| {
        let pool = ThreadPool::new(1);
        let bad = pool.submit(|| -> u32 { panic!("job failed") });
        assert_eq!(bad.result(), Err(JobError::Panicked("job failed".into())));
        // The one worker ran the panicking job; it still runs the next.
        assert_eq!(pool.submit(|| 7).result(), Ok(7));
        assert_eq!(
            pool.map(|x: u32| if x == 2 { panic!("two") } else { x }, [1, 2, 3]),
            Err(JobError::Panicked("two".into()))
        );
        assert_eq!(pool.map(|x: u32| x + 1, [1, 2]), Ok(vec![2, 3]));
    });
}

#[test]
fn shutdown_with_wait_returns_after_every_queued_job() {
    bounded(|| {
        let mut pool = ThreadPool::new(2);
        let done = Arc::new(AtomicUsize::new(0));
        for _ in 0..6 {
            let done = done.clone();
            pool.submit(move || {
                std::thread::sleep(Duration::from_millis(20));
                done.fetch_add(1, SeqCst);
            });
        }
        pool.shutdown(true);
        assert_eq!(done.load(SeqCst), 6);
        assert_eq!(pool.submit(|| 1).result(), Err(JobError::ShutDown));
    });
}

#[test]
fn shutdown_without_wait_returns_while_a_job_runs_and_the_job_still_finishes() {
    bounded(|| {
        let mut pool = ThreadPool::new(1);
        let (go, gate) = mpsc::channel::<()>();
        let f = pool.submit(move || {
            gate.recv_timeout(Duration::from_secs(5)).unwrap();
            5
        });
        let t = Instant::now();
        pool.shutdown(false);
        assert!(
            t.elapsed() < Duration::from_secs(4),
            "shutdown(false) waited"
        );
        assert!(!f.done());
        go.send(()).unwrap();
        assert_eq!(f.result(), Ok(5));
        drop(pool); // joins the worker
    });
}
