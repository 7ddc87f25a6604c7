//! Real worker processes and pipe queues: round trips, failures that become
//! errors instead of hangs, the pool's order, no process left behind; and
//! the `process-queue` / `process-pool` patterns under the checkers against
//! an oracle of their protocol.

mod common;
#[path = "common/full.rs"]
mod full;

use common::save_load_replay;

use racetrace::process::{Process, ProcessError, ProcessPool, ProcessQueue, live_workers};
use racetrace::{Backend, Config, Report};
use racetrace_patterns::fixtures::{self, compute, message};
use racetrace_patterns::replay::TraceFile;
use racetrace_patterns::{self as patterns, Params};
use std::collections::BTreeSet;
use std::sync::mpsc;
use std::time::Duration;

/// Run `f` on a thread and fail the test if it takes longer than `secs`:
/// every real-process test is bounded in time.
fn bounded<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    // The demo workers and tasks, and the racetrace binary to start them from.
    fixtures::install();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .expect("a real-process operation hung")
}

/// The processes are gone: reaped (not zombies) and not running.
fn assert_gone(pids: &[u32]) {
    let live = live_workers();
    for pid in pids {
        assert!(!live.contains(pid), "worker {pid} was never reaped");
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // A reused pid would not be our child: check the parent field.
        let ppid = stat
            .rsplit(')')
            .next()
            .and_then(|s| s.split_whitespace().nth(1))
            .unwrap_or("");
        assert!(
            stat.is_empty() || ppid != std::process::id().to_string(),
            "worker {pid} is still there: {stat}"
        );
    }
}

fn start(worker: &str, arg: impl std::fmt::Display, q: &ProcessQueue<String>) -> Process {
    Process::builder(worker)
        .name(&format!("{worker}-worker"))
        .arg(arg)
        .queue(q)
        .start()
        .unwrap()
}

#[test]
fn messages_round_trip_through_a_real_pipe_whatever_their_size() {
    bounded(60, || {
        let mut pids = Vec::new();
        for size in [0, 16, 5000, 1 << 20] {
            let q = ProcessQueue::<String>::new("q").unwrap();
            let mut w = start("put-message", size, &q);
            pids.push(w.pid().unwrap());
            assert_ne!(
                w.pid().unwrap(),
                std::process::id(),
                "not a separate process"
            );
            let got = q.get().unwrap();
            assert_eq!(got.len(), size);
            assert_eq!(got, message(size));
            w.join().unwrap();
        }
        assert_gone(&pids);
    });
}

#[test]
fn a_panicking_worker_makes_join_fail_naming_it_and_its_task() {
    bounded(30, || {
        let q = ProcessQueue::<String>::new("q").unwrap();
        let mut w = start("panic", "boom in the worker", &q);
        let pid = w.pid().unwrap();
        match w.join() {
            Err(ProcessError::WorkerFailed {
                worker,
                task,
                status,
                message,
            }) => {
                assert_eq!(worker, "panic-worker");
                assert_eq!(task, "boom in the worker");
                assert_eq!(status, "exit status 101");
                assert!(message.unwrap_or_default().contains("boom in the worker"));
            }
            other => panic!("expected a worker failure, got {other:?}"),
        }
        assert_gone(&[pid]);
    });
}

#[test]
fn a_worker_exiting_non_zero_makes_get_and_join_fail_instead_of_hanging() {
    bounded(30, || {
        let q = ProcessQueue::<String>::new("q").unwrap();
        let mut w = start("exit", 3, &q);
        let pid = w.pid().unwrap();
        let e = q.get().unwrap_err();
        assert!(
            matches!(&e, ProcessError::WorkerFailed { worker, status, .. }
                if worker == "exit-worker" && status == "exit status 3"),
            "{e}"
        );
        let e = w.join().unwrap_err();
        assert_eq!(e.to_string(), "exit-worker failed on task 3: exit status 3");
        assert_gone(&[pid]);
    });
}

#[test]
fn a_killed_worker_makes_get_fail_instead_of_hanging() {
    bounded(30, || {
        let q = ProcessQueue::<String>::new("q").unwrap();
        let mut w = start("sleep", 60_000, &q);
        let pid = w.pid().unwrap();
        w.kill().unwrap();
        let e = q.get().unwrap_err();
        assert!(
            matches!(&e, ProcessError::WorkerFailed { worker, status, .. }
                if worker == "sleep-worker" && status == "killed by signal 9"),
            "{e}"
        );
        assert!(w.join().is_err());
        assert_gone(&[pid]);
    });
}

#[test]
fn get_fails_when_every_writer_has_exited_and_the_queue_is_empty() {
    bounded(30, || {
        let q = ProcessQueue::<String>::new("q").unwrap();
        let mut w = start("empty", "", &q);
        let pid = w.pid().unwrap();
        w.join().unwrap();
        assert_eq!(q.get().unwrap_err(), ProcessError::Closed("q".into()));
        assert_gone(&[pid]);
    });
}

#[test]
fn put_fails_when_the_pipe_is_full_and_every_reader_has_exited() {
    bounded(30, || {
        let q = ProcessQueue::<String>::with_capacity("q", 4096).unwrap();
        let mut w = start("empty", "", &q);
        let pid = w.pid().unwrap();
        w.join().unwrap();
        let big = "y".repeat(4 * q.capacity());
        assert_eq!(q.put(&big).unwrap_err(), ProcessError::Closed("q".into()));
        assert_gone(&[pid]);
    });
}

#[test]
fn a_malformed_frame_is_an_error_not_a_panic() {
    bounded(30, || {
        let q = ProcessQueue::<String>::new("q").unwrap();
        let mut w = start("garbage", "", &q);
        let pid = w.pid().unwrap();
        let e = q.get().unwrap_err();
        assert!(matches!(e, ProcessError::Malformed(_)), "{e}");
        w.join().unwrap();
        // A message of the wrong type is malformed too.
        let q = ProcessQueue::<u64>::new("numbers").unwrap();
        let mut w = Process::builder("put-message")
            .arg(4)
            .queue(&q)
            .start()
            .unwrap();
        let pid2 = w.pid().unwrap();
        assert!(matches!(q.get(), Err(ProcessError::Malformed(_))));
        w.join().unwrap();
        assert_gone(&[pid, pid2]);
    });
}

#[test]
fn an_unknown_worker_is_an_error() {
    let q = ProcessQueue::<String>::new("q").unwrap();
    let e = Process::builder("no-such-worker")
        .queue(&q)
        .start()
        .unwrap_err();
    assert_eq!(e, ProcessError::UnknownWorker("no-such-worker".into()));
}

#[test]
fn a_dropped_process_is_killed_and_reaped() {
    bounded(30, || {
        let q = ProcessQueue::<String>::new("q").unwrap();
        let w = start("sleep", 60_000, &q);
        let pid = w.pid().unwrap();
        drop(w);
        assert_gone(&[pid]);
    });
}

/// n(n−1)/2: the oracle for compute(n) = 0 + 1 + … + (n−1).
fn triangle(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

#[test]
fn compute_is_the_sum_below_n() {
    for n in [0, 1, 2, 10, 12345, 5_000_000] {
        assert_eq!(compute(n), triangle(n));
    }
}

#[test]
fn pool_map_returns_every_result_in_input_order() {
    bounded(120, || {
        let seeds = [5_000_000u64, 10_000_000, 20_000_000];
        let want: Vec<u64> = seeds.iter().map(|&n| triangle(n)).collect();
        for workers in [1, 2, 3] {
            let got: Vec<u64> = ProcessPool::new(workers).map("compute", &seeds).unwrap();
            assert_eq!(got, want, "{workers} workers");
        }
        // More tasks than workers, sizes so that later tasks finish first.
        let inputs: Vec<u64> = (0..9).map(|i| 300_000 * (9 - i) + i).collect();
        let got: Vec<u64> = ProcessPool::new(2).map("compute", &inputs).unwrap();
        assert_eq!(got, inputs.iter().map(|&n| triangle(n)).collect::<Vec<_>>());
        let none: Vec<u64> = ProcessPool::new(2).map("compute", &[] as &[u64]).unwrap();
        assert!(none.is_empty());
    });
}

#[test]
fn pool_map_keeps_the_other_results_when_a_worker_dies_mid_task() {
    bounded(60, || {
        let inputs = [2u64, 3, 4, 6, 5, 8];
        let e = ProcessPool::new(2)
            .map::<u64, u64>("fail-odd", &inputs)
            .unwrap_err();
        assert_eq!(
            e.results,
            vec![Some(2), None, Some(4), Some(6), None, Some(8)]
        );
        let failed: BTreeSet<usize> = e.failures.iter().map(|f| f.index).collect();
        assert_eq!(failed, BTreeSet::from([1, 4]));
        for f in &e.failures {
            let text = f.to_string();
            assert!(text.contains("worker"), "{text}");
            assert!(
                text.contains(&format!("exit status {}", inputs[f.index])),
                "{text}"
            );
            assert!(
                text.contains(&format!("fail-odd({})", inputs[f.index])),
                "{text}"
            );
        }
        // A panicking task function: every task fails, none hangs.
        let e = ProcessPool::new(2)
            .map::<u64, u64>("panic", &[1, 2, 3])
            .unwrap_err();
        assert_eq!(e.failures.len(), 3);
        assert!(e.results.iter().all(Option::is_none));
    });
}

// ---- the patterns under the checkers ------------------------------------------

fn explore(pattern: &str, variant: &str, given: &[(&str, usize)], config: &Config) -> Report {
    let p = patterns::find(pattern).unwrap();
    let v = p.variant(variant).unwrap();
    let given: Vec<(String, usize)> = given.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let params = p.params(&given).unwrap();
    patterns::explore(p, v, &params, config).unwrap()
}

fn outcomes(r: &Report) -> BTreeSet<String> {
    r.outcomes.iter().map(|o| o.outcome.clone()).collect()
}

/// The pool's protocol, brute-forced: each worker holds at most one task;
/// any busy worker may finish next; a worker that finishes gets the next
/// task, or a stop message while stops remain. Returns the arrival orders
/// of the results (as input indices) and whether some run ends with a
/// worker that never gets a stop message.
fn pool_oracle(workers: usize, tasks: usize, stops: usize) -> (BTreeSet<Vec<usize>>, bool) {
    fn go(
        busy: Vec<Option<usize>>,
        next: usize,
        tasks: usize,
        stops_left: usize,
        stopped: usize,
        order: Vec<usize>,
        out: &mut (BTreeSet<Vec<usize>>, bool),
    ) {
        let running: Vec<usize> = (0..busy.len()).filter(|&w| busy[w].is_some()).collect();
        if running.is_empty() {
            out.0.insert(order);
            if stopped < busy.len() {
                out.1 = true;
            }
            return;
        }
        for w in running {
            let mut b = busy.clone();
            let mut o = order.clone();
            o.push(b[w].take().unwrap());
            let (mut n, mut s, mut st) = (next, stops_left, stopped);
            if n < tasks {
                b[w] = Some(n);
                n += 1;
            } else if s > 0 {
                s -= 1;
                st += 1;
            }
            go(b, n, tasks, s, st, o, out);
        }
    }
    let w = workers.min(tasks);
    let busy: Vec<Option<usize>> = (0..w).map(Some).collect();
    let mut out = (BTreeSet::new(), false);
    go(busy, w, tasks, stops, 0, Vec::new(), &mut out);
    out
}

fn results_list(p: &Params, order: &[usize]) -> String {
    let inputs: Vec<u64> = (0..p.get("tasks"))
        .map(|i| (p.get("base") as u64) << i)
        .collect();
    let r: Vec<String> = order
        .iter()
        .map(|&i| triangle(inputs[i]).to_string())
        .collect();
    format!("[{}]", r.join(", "))
}

fn pool_expected(variant: &str, workers: usize, tasks: usize) -> BTreeSet<String> {
    let p = patterns::find("process-pool")
        .unwrap()
        .params(&[("workers".into(), workers), ("tasks".into(), tasks)])
        .unwrap();
    let stops = if variant == "missing-sentinel" {
        1
    } else {
        workers
    };
    let (orders, stuck) = pool_oracle(workers, tasks, stops);
    if stuck {
        // The parent joins every worker: one never stopped blocks it.
        return BTreeSet::from(["deadlock".to_string()]);
    }
    let in_order: Vec<usize> = (0..tasks).collect();
    match variant {
        "completion-order" => orders.iter().map(|o| results_list(&p, o)).collect(),
        _ => BTreeSet::from([results_list(&p, &in_order)]),
    }
}

#[test]
fn the_pool_oracle_sees_the_bugs_it_should() {
    assert_eq!(pool_expected("map", 2, 2).len(), 1);
    assert_eq!(pool_expected("completion-order", 2, 2).len(), 2);
    // Tasks 0 and 1 start; whichever ends first takes task 2, which may
    // end before or after the other: 0,1,2 / 0,2,1 / 1,0,2 / 1,2,0.
    assert_eq!(pool_expected("completion-order", 2, 3).len(), 4);
    assert_eq!(pool_expected("completion-order", 1, 3).len(), 1);
    assert_eq!(
        pool_expected("missing-sentinel", 2, 2),
        BTreeSet::from(["deadlock".into()])
    );
    // One worker needs one stop message only.
    assert_eq!(
        pool_expected("missing-sentinel", 1, 2),
        pool_expected("map", 1, 2)
    );
}

#[test]
fn every_pool_variant_reaches_exactly_the_oracles_outcomes_under_dpor() {
    // Two workers and three tasks (2,368 schedules, two seconds) with
    // RACETRACE_FULL=1.
    let sizes: &[(usize, usize)] = full::quick_or_full(
        &[(2, 2), (1, 2), (2, 1), (3, 2)],
        &[(2, 3), (2, 2), (1, 2), (2, 1), (3, 2)],
    );
    for &(workers, tasks) in sizes {
        for v in ["map", "missing-sentinel", "completion-order"] {
            let r = explore(
                "process-pool",
                v,
                &[("workers", workers), ("tasks", tasks)],
                &Config::new(Backend::Dpor),
            );
            assert!(r.complete);
            assert_eq!(
                outcomes(&r),
                pool_expected(v, workers, tasks),
                "{v} workers={workers} tasks={tasks}"
            );
        }
    }
}

#[test]
fn the_queue_variants_reach_exactly_the_expected_outcomes_at_every_capacity() {
    // The message is twice the pipe: the worker can finish its put only
    // while the parent reads, so joining first always deadlocks.
    for cap in [8, 16, 100] {
        for b in [Backend::Dpor, Backend::Loom] {
            let c = Config::new(b);
            let ok = explore("process-queue", "get-then-join", &[("capacity", cap)], &c);
            assert!(ok.complete);
            assert_eq!(
                outcomes(&ok),
                BTreeSet::from(["got the whole message".into()])
            );
            let bad = explore(
                "process-queue",
                "join-before-drain",
                &[("capacity", cap)],
                &c,
            );
            assert_eq!(outcomes(&bad), BTreeSet::from(["deadlock".into()]));
            let w = bad.first_violation().unwrap();
            let d = w.trace.deadlock.as_ref().unwrap();
            let text = w.trace.render();
            assert!(text.contains("waits for join t1"), "{text}");
            assert!(
                text.contains(&format!(
                    "waits for room in pipe queue ({cap} of {cap} B in it)"
                )),
                "{text}"
            );
            assert_eq!(d.blocked.len(), 2);
        }
    }
}

#[test]
fn the_real_runs_use_separate_processes_and_meet_the_spec() {
    bounded(60, || {
        let c = Config::new(Backend::Real).with_max_schedules(5);
        let r = explore("process-queue", "get-then-join", &[], &c);
        assert_eq!(
            outcomes(&r),
            BTreeSet::from(["got the whole message".into()])
        );
        let r = explore(
            "process-pool",
            "map",
            &[("tasks", 3), ("base", 5_000_000)],
            &c,
        );
        assert_eq!(
            outcomes(&r),
            BTreeSet::from(["[12499997500000, 49999995000000, 199999990000000]".into()])
        );
    });
}

#[test]
fn every_process_bug_replays_from_a_saved_file() {
    let dir = std::env::temp_dir().join(format!("racetrace-proc-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (pattern, variant) in [
        ("process-queue", "join-before-drain"),
        ("process-pool", "missing-sentinel"),
        ("process-pool", "completion-order"),
    ] {
        for c in [
            Config::new(Backend::Dpor),
            Config::new(Backend::ShuttlePct).with_seed(1),
        ] {
            let r = explore(pattern, variant, &[], &c);
            let w = r.first_violation().expect("a violation");
            let f = TraceFile::from_witness(&r, w).unwrap();
            save_load_replay(&dir, &format!("{variant}-{}", c.backend), &f);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_of_the_process_patterns_exits_zero_with_real_runs_among_its_rows() {
    // Each deadlocking real run waits out check's 2 s watchdog, one after
    // the other: process-queue's too with RACETRACE_FULL=1 (its real
    // deadlock is tests/process_watchdog.rs's in the everyday loop).
    let patterns: &[&str] =
        full::quick_or_full(&["process-pool"], &["process-queue", "process-pool"]);
    let o = bounded(300, move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_racetrace"))
            .arg("check")
            .args(patterns)
            .output()
            .unwrap()
    });
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let queue: &[&str] = full::quick_or_full(&[], &["get-then-join", "join-before-drain"]);
    for v in queue
        .iter()
        .chain(&["map", "missing-sentinel", "completion-order"])
    {
        assert!(
            out.lines().any(|l| l.contains(v) && l.contains(" real ")),
            "no real run of {v}:\n{out}"
        );
    }
}
