//! A real run that deadlocks across processes ends with `deadlock (timed
//! out)` naming who waits on what, and leaves no process behind. Alone in
//! its test binary so that "no child of this process is left" is exact.

use racetrace::process::live_workers;
use racetrace::{Backend, Config};
use racetrace_patterns as patterns;
use std::time::{Duration, Instant};

/// Children of this process still in the process table (zombies included).
fn children() -> Vec<String> {
    let me = std::process::id().to_string();
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit(')')
            .next()
            .and_then(|s| s.split_whitespace().nth(1));
        if ppid == Some(me.as_str()) {
            out.push(stat);
        }
    }
    out
}

#[test]
fn a_real_cross_process_deadlock_is_reported_and_its_workers_killed() {
    for (pattern, variant, waits) in [
        (
            "process-queue",
            "join-before-drain",
            "pipe queue holds 4096 of 4096 B (full)",
        ),
        ("process-pool", "missing-sentinel", "B (empty)"),
    ] {
        let p = patterns::find(pattern).unwrap();
        let v = p.variant(variant).unwrap();
        let params = p.params(&[]).unwrap();
        let mut c = Config::new(Backend::Real).with_max_schedules(1);
        c.real_timeout = Duration::from_secs(1);
        let r = patterns::explore(p, v, &params, &c).unwrap();
        assert_eq!(r.outcome_set(), ["deadlock (timed out)"]);
        let w = r.first_violation().unwrap();
        let detail = w.trace.detail.clone().unwrap();
        assert!(
            detail.contains("the parent waits in join for worker"),
            "{detail}"
        );
        assert!(detail.contains(waits), "{detail}");
        assert!(
            detail.contains("the watchdog killed the worker"),
            "{detail}"
        );
        // The killed workers are reaped by the unblocked parent thread.
        let end = Instant::now() + Duration::from_secs(10);
        while !(live_workers().is_empty() && children().is_empty()) {
            assert!(
                Instant::now() < end,
                "left behind: {:?} {:?}",
                live_workers(),
                children()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
