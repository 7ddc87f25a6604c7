//! Memory over long explorations: `cargo bench --bench memory`.
//!
//! Runs a million deadlocking schedules (lock-order/opposite-order under
//! shuttle-random), a quarter million deadlocks in condition-variable waits
//! (producer-consumer/missing-sentinel) and about a million dpor executions,
//! 40% of them cut short by sleep sets (locked-counter with 16 threads), and
//! reports the process's peak resident memory after each. Every execution that ended early used to
//! keep its tasks' stacks and what they held (about 1–5 KB per deadlock,
//! 10–70 KB per pruned execution: gigabytes here); the bench fails if the
//! peak passes [`PEAK_LIMIT`]. `MEMORY_BENCH_SCHEDULES=N` runs N of each
//! instead. Figures: docs/performance.md.
//!
//! Like the `racetrace` binary, the bench allocates with mimalloc.

use racetrace::{Backend, Config, Report};
use racetrace_patterns as patterns;
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
    println!("| exploration | schedules | pruned | time | peak RSS after |");
    println!("|---|---|---|---|---|");
    let mut failed = false;
    let mut row = |what: &str, r: &Report, t: Instant| {
        let peak = peak_rss();
        println!(
            "| {what} | {} | {} | {:.1} s | {} |",
            r.schedules,
            r.pruned,
            t.elapsed().as_secs_f64(),
            mib(peak)
        );
        if peak > PEAK_LIMIT {
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
    row("lock-order/opposite-order, shuttle-random", &r, t);

    // Deadlocks in condition-variable waits: a quarter as many (slower).
    let t = Instant::now();
    let c = Config::new(Backend::ShuttleRandom).with_max_schedules(n / 4);
    let r = run("producer-consumer", "missing-sentinel", &[], &c);
    assert!(r.row("deadlock").is_some());
    row("producer-consumer/missing-sentinel, shuttle-random", &r, t);

    // dpor: about 0.67 executions cut short by sleep sets per schedule
    // here, so 60% of N schedules make about N executions.
    let t = Instant::now();
    let c = Config::new(Backend::Dpor).with_max_schedules(n * 6 / 10);
    let r = run(
        "locked-counter",
        "mutex",
        &[("threads", 16), ("ops", 1)],
        &c,
    );
    assert!(r.pruned > 0);
    row("locked-counter 16×1, dpor", &r, t);

    println!("limit: {}", mib(PEAK_LIMIT));
    if failed {
        std::process::exit(1);
    }
}
