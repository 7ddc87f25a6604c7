//! The deadlock patterns against an independent oracle (tests/common/locks.rs,
//! a brute-force model of lock acquisition orders): a deadlock is reported
//! exactly when the model can reach one, under loom and shuttle's DFS; the
//! witness needs as few preemptions as the model says; the wait-for report
//! names the cycle; deadlocks on real threads end the run instead of hanging;
//! every witness replays from its saved file.

#[path = "common/full.rs"]
mod full;

mod common;

use common::save_load_replay;

#[path = "common/locks.rs"]
mod locks;

use locks::Verdict;
use racetrace::{Backend, Config, Report};
use racetrace_patterns::replay::TraceFile;
use racetrace_patterns::{self as patterns, Pattern, Variant};

fn find(pattern: &str, variant: &str) -> (&'static Pattern, &'static Variant) {
    let p = patterns::find(pattern).unwrap();
    (p, p.variant(variant).unwrap())
}

/// Explore with the variant's own bounds on `backend` (its `racetrace check` job).
fn run(pattern: &str, variant: &str, params: &[(&str, usize)], backend: Backend) -> Report {
    run_with(pattern, variant, params, backend, false)
}

/// As [`run`], stopping at the first violation with `first`.
fn run_with(
    pattern: &str,
    variant: &str,
    params: &[(&str, usize)],
    backend: Backend,
    first: bool,
) -> Report {
    let (p, v) = find(pattern, variant);
    let given: Vec<(String, usize)> = params.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let params = p.params(&given).unwrap();
    let config = v
        .jobs
        .iter()
        .find(|j| j.backend == backend)
        .map(|j| j.config())
        .unwrap_or_else(|| Config::new(backend));
    let config = if first {
        config.stop_at_first_violation()
    } else {
        config
    };
    patterns::explore(p, v, &params, &config).unwrap()
}

/// The report agrees with the oracle: deadlock reached iff reachable, the
/// one allowed result reached iff the model can finish, nothing else; and
/// (for a complete exploration) the witness has the fewest preemptions.
#[track_caller]
fn agrees(r: &Report, oracle: &Verdict, good: &str) {
    let table = r.render_table();
    let has = |o: &str| r.row(o).is_some();
    if r.complete {
        assert_eq!(has("deadlock"), oracle.deadlock, "{table}");
        assert_eq!(has(good), oracle.completes, "{table}");
    } else {
        // Bounded: what it found must be possible; a bug must still be found.
        assert!(!has("deadlock") || oracle.deadlock, "{table}");
        assert!(!has(good) || oracle.completes, "{table}");
    }
    for row in &r.outcomes {
        assert!(
            row.outcome == "deadlock" || row.outcome == good,
            "unexpected outcome {}\n{table}",
            row.outcome
        );
    }
    if let Some(row) = r.row("deadlock") {
        let w = row.witness.as_ref().unwrap();
        let d = w.trace.deadlock.as_ref().expect("a wait-for report");
        let cycle = (!d.cycle.is_empty()).then_some(d.cycle.len());
        assert!(
            cycle.is_none_or(|c| oracle.cycle_sizes.contains(&c)),
            "cycle {:?} vs oracle {:?}",
            d.cycle,
            oracle.cycle_sizes
        );
        // No schedule needs fewer preemptions than the model's minimum.
        // shuttle's DFS runs every schedule, so it meets the minimum; loom
        // runs one schedule per class of equivalent ones, whose
        // representative may need more (3 philosophers: the model needs 1,
        // when a philosopher that blocks hands over for free; loom's
        // representative has 2).
        let min = oracle.min_preemptions_to_deadlock.unwrap();
        assert!(w.trace.preemptions >= min, "{}", w.trace.render());
        if r.complete && r.backend == Backend::ShuttleDfs {
            assert_eq!(w.trace.preemptions, min, "{}", w.trace.render());
        }
    }
}

const EXHAUSTIVE: [Backend; 2] = [Backend::Loom, Backend::ShuttleDfs];

#[test]
fn opposite_lock_order_deadlocks_and_a_global_order_never_does() {
    let bug = locks::lock_order([(0, 1), (1, 0)]);
    let fixed = locks::lock_order([(0, 1), (0, 1)]);
    let (ob, of) = (bug.explore(), fixed.explore());
    assert!(ob.deadlock && ob.completes && !of.deadlock);
    assert_eq!(ob.min_preemptions_to_deadlock, Some(1));
    assert_eq!(ob.cycle_sizes, vec![2]);
    for b in EXHAUSTIVE {
        let r = run("lock-order", "opposite-order", &[], b);
        assert!(r.complete);
        agrees(&r, &ob, "a=90 b=110");
        let r = run("lock-order", "global-order", &[], b);
        assert!(r.complete);
        agrees(&r, &of, "a=90 b=110");
    }
}

#[test]
fn try_lock_backoff_never_deadlocks_whatever_the_tries() {
    for tries in 1..=2 {
        let o = locks::lock_order_backoff(tries).explore();
        assert!(!o.deadlock && o.completes, "model, tries={tries}");
        let r = run(
            "lock-order",
            "try-lock-backoff",
            &[("tries", tries)],
            Backend::Loom,
        );
        assert!(r.complete);
        agrees(&r, &o, "a=90 b=110");
    }
    let o = locks::lock_order_backoff(1).explore();
    let r = run("lock-order", "try-lock-backoff", &[], Backend::ShuttleDfs);
    assert!(r.complete);
    agrees(&r, &o, "a=90 b=110");
}

#[test]
fn left_then_right_philosophers_deadlock_in_a_cycle_of_all_n() {
    // Four philosophers (loom, seconds) with RACETRACE_FULL=1.
    // shuttle-dfs at three philosophers (50,000 schedules, capped) with
    // RACETRACE_FULL=1.
    for n in 2..=full::quick_or_full(3, 4) {
        let o = locks::philosophers(n, locks::left_right, false).explore();
        assert!(o.deadlock && o.completes);
        assert_eq!(o.cycle_sizes, vec![n]);
        let backends: &[Backend] = match n {
            2 => &EXHAUSTIVE,
            3 => full::quick_or_full(&EXHAUSTIVE[..1], &EXHAUSTIVE[..]),
            _ => &[Backend::Loom],
        };
        for &b in backends {
            let r = run("philosophers", "left-then-right", &[("philosophers", n)], b);
            agrees(&r, &o, &format!("{n} ate"));
            assert!(r.row("deadlock").is_some(), "{b}: {}", r.render_table());
        }
    }
}

#[test]
fn lowest_first_and_waiter_philosophers_never_deadlock() {
    for n in 2..=3 {
        for (variant, model) in [
            (
                "lowest-first",
                locks::philosophers(n, locks::lowest_first, false),
            ),
            ("waiter", locks::philosophers(n, locks::left_right, true)),
        ] {
            let o = model.explore();
            assert!(!o.deadlock && o.completes, "{variant} model, n={n}");
            // At three philosophers, shuttle-dfs (10,000 schedules, capped)
            // and loom's 15,062 schedules of the waiter with
            // RACETRACE_FULL=1; in the everyday loop loom explores
            // lowest-first and dpor (246 schedules) the waiter.
            let backends = match (n, variant) {
                (3, _) if full::full() => &EXHAUSTIVE[..],
                (3, "waiter") => &[Backend::Dpor][..],
                (3, _) => &EXHAUSTIVE[..1],
                _ => &EXHAUSTIVE[..],
            };
            for &b in backends {
                let r = run("philosophers", variant, &[("philosophers", n)], b);
                agrees(&r, &o, &format!("{n} ate"));
                if b == Backend::Loom {
                    assert!(r.complete, "{}", r.render_table());
                }
            }
        }
    }
}

#[test]
fn relocking_a_plain_mutex_is_a_self_deadlock_and_a_reentrant_one_is_not() {
    let (ob, of) = (
        locks::relock(false).explore(),
        locks::relock(true).explore(),
    );
    assert!(ob.deadlock && !ob.completes);
    assert_eq!(ob.cycle_sizes, vec![1]);
    assert!(!of.deadlock && of.completes);
    for b in EXHAUSTIVE {
        let r = run("relock", "non-reentrant", &[], b);
        assert!(r.complete);
        agrees(&r, &ob, "4");
        let d = r.first_violation().unwrap().trace.deadlock.clone().unwrap();
        assert_eq!(d.cycle, vec![1], "t1 waits for itself");
        let t1 = d.blocked.iter().find(|t| t.thread == 1).unwrap();
        assert_eq!(t1.held_by, Some(1));
        assert_eq!(t1.holds, vec!["counter".to_string()]);
        let r = run("relock", "reentrant", &[], b);
        assert!(r.complete);
        agrees(&r, &of, "4");
    }
}

#[test]
fn a_notify_before_the_wait_is_lost_unless_the_waiter_checks_a_flag() {
    let (ob, of) = (
        locks::lost_wakeup(false).explore(),
        locks::lost_wakeup(true).explore(),
    );
    assert!(ob.deadlock && ob.completes && ob.cycle_sizes.is_empty());
    assert_eq!(ob.min_preemptions_to_deadlock, Some(0));
    assert!(!of.deadlock && of.completes);
    for b in EXHAUSTIVE {
        let r = run("lost-wakeup", "notify-before-wait", &[], b);
        assert!(r.complete);
        agrees(&r, &ob, "got 42");
        let w = r.first_violation().unwrap();
        let d = w.trace.deadlock.as_ref().unwrap();
        assert!(d.cycle.is_empty());
        let waits: Vec<&str> = d.blocked.iter().map(|t| t.waits_for.as_str()).collect();
        assert_eq!(waits, ["join t1", "a notify on ready"]);
        let text = w.trace.render();
        assert!(text.contains("no cycle"), "{text}");
        let r = run("lost-wakeup", "flag-and-loop", &[], b);
        assert!(r.complete);
        agrees(&r, &of, "got 42");
    }
}

#[test]
fn the_wait_for_report_reads_as_a_cycle_and_is_in_the_json() {
    let r = run("philosophers", "left-then-right", &[], Backend::Loom);
    let w = r.first_violation().unwrap();
    let text = w.trace.render();
    for line in [
        "t1 holds fork0, waits for lock fork1 (held by t2)",
        "t2 holds fork1, waits for lock fork2 (held by t3)",
        "t3 holds fork2, waits for lock fork0 (held by t1)",
        "main holds nothing, waits for join t1",
        "cycle: t1 → t2 → t3 → t1",
    ] {
        assert!(text.contains(line), "missing '{line}' in\n{text}");
    }
    // The trace ends with every philosopher's blocked lock.
    let last: Vec<usize> = w
        .trace
        .events
        .iter()
        .rev()
        .take(3)
        .map(|e| e.thread)
        .collect();
    let mut last = last;
    last.sort_unstable();
    assert_eq!(last, [1, 2, 3], "{text}");
    let json = serde_json::to_value(w).unwrap();
    assert_eq!(json["deadlock"]["cycle"], serde_json::json!([1, 2, 3]));
    assert_eq!(json["deadlock"]["blocked"][1]["held_by"], 2);
    let r = run("relock", "non-reentrant", &[], Backend::ShuttleDfs);
    let text = r.first_violation().unwrap().trace.render();
    assert!(text.contains("cycle: t1 → t1 (waits for itself)"), "{text}");
}

/// On real threads the shadow state sees the cycle before the threads block
/// for good; the run ends with `deadlock` and the next one starts. Bounded in
/// time by the real backend's time-out (a hang would show as `timed out`).
#[test]
fn real_threads_report_deadlocks_instead_of_hanging() {
    let mut c = Config::new(Backend::Real).with_max_schedules(50);
    c.real_timeout = std::time::Duration::from_secs(10);
    for (pattern, variant, good) in [
        ("lock-order", "opposite-order", "a=90 b=110"),
        ("philosophers", "left-then-right", "3 ate"),
        ("relock", "non-reentrant", "4"),
        ("lost-wakeup", "notify-before-wait", "got 42"),
    ] {
        let (p, v) = find(pattern, variant);
        let r = patterns::explore(p, v, &p.params(&[]).unwrap(), &c).unwrap();
        assert_eq!(r.schedules, 50, "{}", r.render_table());
        for row in &r.outcomes {
            assert!(
                row.outcome == "deadlock" || row.outcome == good,
                "{pattern}/{variant}: {}",
                r.render_table()
            );
        }
        if variant == "non-reentrant" {
            // Every run relocks.
            assert_eq!(r.outcome_set(), ["deadlock"]);
            let d = r.outcomes[0]
                .witness
                .as_ref()
                .unwrap()
                .trace
                .deadlock
                .clone();
            assert_eq!(d.unwrap().cycle.len(), 1);
        }
    }
}

#[test]
fn every_deadlock_witness_replays_from_its_saved_file() {
    let dir = std::env::temp_dir().join(format!("racetrace-deadlocks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (pattern, variant) in [
        ("lock-order", "opposite-order"),
        ("philosophers", "left-then-right"),
        ("relock", "non-reentrant"),
        ("lost-wakeup", "notify-before-wait"),
    ] {
        for b in EXHAUSTIVE {
            // The first deadlock found is the witness `explore --save` saves.
            // shuttle-dfs meets three philosophers' first deadlock at schedule
            // 34,405 (seconds): two philosophers in the everyday loop.
            let given: &[(&str, usize)] =
                if pattern == "philosophers" && b == Backend::ShuttleDfs && !full::full() {
                    &[("philosophers", 2)]
                } else {
                    &[]
                };
            let r = run_with(pattern, variant, given, b, true);
            let w = r.first_violation().expect("a deadlock");
            let f = TraceFile::from_witness(&r, w).unwrap();
            let again = save_load_replay(&dir, &format!("{pattern}-{variant}-{b}"), &f);
            assert_eq!(again.trace.outcome, "deadlock");
            assert_eq!(again.trace.deadlock, w.trace.deadlock);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
