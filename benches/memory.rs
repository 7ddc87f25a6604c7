//! Memory over long explorations: `cargo bench --bench memory`.
//!
//! Runs a million deadlocking schedules (lock-order/opposite-order under
//! shuttle-random), a quarter million deadlocks in condition-variable waits
//! (producer-consumer/missing-sentinel) and about a million dpor executions,
//! nearly half of them cut short by sleep sets (process-pool, 8 tasks on 4
//! workers), and reports the process's peak resident memory after each.
//! Every execution that ended early used to keep its tasks' stacks and what
//! they held (about 1–5 KB per deadlock, 10–70 KB per pruned execution:
//! gigabytes here); the bench fails if the peak passes [`PEAK_LIMIT`]. Two
//! more rows are executions that shuttle itself used to fail (and then
//! leak): a quarter million lost wake-ups whose notify can fall inside
//! shuttle's `Condvar::wait` (under shuttle-random), and a few spins of
//! `yield_now` alone that reach shuttle's step bound. The bench also fails
//! if any execution is still alive after a row
//! (`racetrace::explore::live_executions`). `MEMORY_BENCH_SCHEDULES=N` runs
//! N of each instead. Figures: docs/performance.md.
//!
//! Like the `racetrace` binary, the bench allocates with mimalloc.

use racetrace::explore::live_executions;
use racetrace::{Backend, Config, Report};
use racetrace_patterns as patterns;

#[path = "../tests/common/shuttle_failures.rs"]
#[allow(dead_code)] // `yielders`: tests/livelock.rs
mod shuttle_failures;
use shuttle_failures::{lost_wakeup, waiting_destructor, yielders_beside_a_reader};
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The peak resident memory the bench allows, whatever the count.
const PEAK_LIMIT: u64 = 32 << 20;

fn run(pattern: &str, variant: &str, params: &[(&str, usize)], config: &Config) -> Report {
    let p = patterns::find(pattern).unwrap();
    let v = p.variant(variant).unwrap();
    let given: Vec<(String, usize)> = params.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    patterns::explore(p, v, &p.params(&given).unwrap(), config).unwrap()
}

/// Peak resident memory of this process so far, in bytes: `VmHWM` in
/// `/proc/self/status`. (Not `getrusage`'s `ru_maxrss`: Linux carries it
/// over `execve`, so under `cargo bench` it starts at cargo's own ~50 MiB.)
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmHWM in /proc/self/status");
    kib << 10
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64)
}

fn main() {
    let n: u64 = std::env::var("MEMORY_BENCH_SCHEDULES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    println!("## peak resident memory over {n} executions each");
    println!(
        "| exploration | schedules | pruned | time | peak RSS after | RSS after | executions alive after |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut failed = false;
    let mut kept = 0;
    // `peak_limited`: whether the row's peak is held to PEAK_LIMIT.
    let mut row = |what: &str, r: &Report, t: Instant, peak_limited: bool, alive_allowed: usize| {
        let peak = peak_rss();
        let now = racetrace::explore::resident_bytes().unwrap_or(0);
        let alive = live_executions();
        println!(
            "| {what} | {} | {} | {:.1} s | {} | {} | {alive} |",
            r.schedules,
            r.pruned,
            t.elapsed().as_secs_f64(),
            mib(peak),
            mib(now)
        );
        // Executions left alive by this row (those of earlier rows stay).
        let left = alive.saturating_sub(kept);
        kept = alive;
        if left > alive_allowed {
            eprintln!("memory bench: {left} executions still alive after {what}");
            failed = true;
        }
        if peak_limited && peak > PEAK_LIMIT {
            eprintln!(
                "memory bench: peak RSS {} after {what} is over the {} limit",
                mib(peak),
                mib(PEAK_LIMIT)
            );
            failed = true;
        }
    };

    let t = Instant::now();
    let c = Config::new(Backend::ShuttleRandom).with_max_schedules(n);
    let r = run("lock-order", "opposite-order", &[], &c);
    assert!(r.row("deadlock").is_some());
    row("lock-order/opposite-order, shuttle-random", &r, t, true, 0);

    // Deadlocks in condition-variable waits: a quarter as many (slower).
    let t = Instant::now();
    let c = Config::new(Backend::ShuttleRandom).with_max_schedules(n / 4);
    let r = run("producer-consumer", "missing-sentinel", &[], &c);
    assert!(r.row("deadlock").is_some());
    row(
        "producer-consumer/missing-sentinel, shuttle-random",
        &r,
        t,
        true,
        0,
    );

    // dpor: about 0.9 executions cut short by sleep sets per schedule here
    // (optimal dpor cuts none on the mutex-only locked counter this row
    // used before), so N/2 schedules make about N executions.
    let t = Instant::now();
    let c = Config::new(Backend::Dpor).with_max_schedules(n / 2);
    let r = run("process-pool", "map", &[("tasks", 8), ("workers", 4)], &c);
    assert!(r.pruned > 0);
    row("process-pool 8 tasks × 4 workers, dpor", &r, t, true, 0);

    // A notify without the lock: about one execution in eight used to be
    // failed by shuttle (its lost notify), keeping the waiter's stack.
    let t = Instant::now();
    let c = Config::new(Backend::ShuttleRandom).with_max_schedules(n / 4);
    let r = racetrace::explore_outcomes(&c, "lost wake-up", lost_wakeup, |o| o == "woken");
    assert!(r.row("deadlock").is_some());
    row(
        "lost wake-up (notify without the lock), shuttle-random",
        &r,
        t,
        true,
        0,
    );

    // It leaves executions alive (later rows count only their own): a destructor that waits for a
    // worker the wind-down unwound, every execution a wind-down that cannot
    // finish, which shuttle keeps (about 4-5 KiB each). The exploration
    // stops at 100 of them (explore/shuttle.rs, UNFINISHED_WIND_DOWNS). Not
    // last: the next row's peak is not held to the limit.
    let t = Instant::now();
    let c = Config::new(Backend::ShuttleRandom).with_max_schedules(n / 4);
    let r = racetrace::explore_outcomes(&c, "waiting destructor", waiting_destructor, |o| {
        o == "done"
    });
    assert!(r.row("deadlock").is_some());
    row(
        "a destructor waiting for an unwound worker, shuttle-random",
        &r,
        t,
        true,
        100,
    );

    // Each of these runs a million scheduling points (about 0.3 s), and
    // while it runs holds their record (the replay token, shuttle's own
    // schedule): about 100 MiB at its peak, much of which the allocator
    // keeps afterwards (70 MiB after 20 of them, 73 MiB after 4). So this
    // row, the last, is held to leaving nothing alive, not to the peak.
    // (Threads that only yield are a livelock after a few yields now; these
    // read a flag every few, and only the step limit ends them.)
    let t = Instant::now();
    let c = Config::new(Backend::ShuttleRandom)
        .with_max_schedules((n / 50_000).max(1))
        .with_max_steps(250_000);
    let r = racetrace::explore_outcomes(&c, "yielders", yielders_beside_a_reader, |o| {
        o == "finished"
    });
    assert!(
        r.row(racetrace::explore::STEP_LIMIT).is_some(),
        "{}",
        r.render_table()
    );
    row(
        "three threads yielding for ever beside a reader, shuttle-random",
        &r,
        t,
        false,
        0,
    );

    println!("limit: {}", mib(PEAK_LIMIT));
    if failed {
        std::process::exit(1);
    }
}
