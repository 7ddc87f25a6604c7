//! dpor at scale (issue 19): `cargo bench --bench scale [-- --max-seconds S] [--every-core-over S] [NAME…]`.
//!
//! For the classic DPOR benchmarks from the literature (`tests/literature/`:
//! lastzero, indexer, filesystem, written on racetrace's facade) and two of
//! racetrace's own patterns, one row each: the optimal number of executions
//! (the Mazurkiewicz traces: from the brute-force oracle where it runs, else
//! the published count), dpor's complete schedules, its sleep-set-blocked
//! executions (started, then cut by the sleep sets: optimal DPOR has none),
//! and the wall time. Each exploration is cut at `--max-seconds` (default
//! 120) and then marked "stopped". NAME keeps only the rows whose program
//! starts with it (`indexer`, `lastzero(10)`).
//!
//! Then, for the rows that took over a second (`--every-core-over`):
//! `--jobs 2` (`Config::jobs`) against one thread, and the sum of 4 shards
//! (`Config::shard`) run one after the other; it exits 1 if either count
//! differs from the whole's. A row there is printed once its `--jobs 2` run
//! and its 4 shards are over, each cut at `--max-seconds` too: a split that
//! makes them slow shows the section's header alone for a long time.
//!
//! Like the `racetrace` binary, the bench allocates with mimalloc.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/literature/oracle.rs"]
mod oracle;
#[path = "../tests/literature/programs.rs"]
mod programs;

use oracle::{FailedCas, Indexer, LastZero, lex_normal, lex_normal_with};
use racetrace::{Backend, Config, Report};
use racetrace_patterns::{self as patterns, Params};
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Where a row's optimal count comes from.
enum Optimal {
    /// Computed now by the oracle (the closure returns the count).
    Oracle(Box<dyn Fn() -> u64>),
    /// As published, or counted by an oracle too slow to run here (the
    /// source).
    Published(u64, &'static str),
}

struct Row {
    program: String,
    optimal: Optimal,
    explore: Box<dyn Fn(&Config) -> Report>,
}

fn literature(
    program: String,
    optimal: Optimal,
    body: impl Fn() -> String + Send + Sync + Clone + 'static,
) -> Row {
    let label = program.clone();
    Row {
        program,
        optimal,
        explore: Box::new(move |c| racetrace::explore_outcomes(c, &label, body.clone(), |_| true)),
    }
}

fn pattern(
    program: &str,
    optimal: Optimal,
    name: &'static str,
    variant: &'static str,
    params: &'static [(&'static str, usize)],
) -> Row {
    Row {
        program: program.to_string(),
        optimal,
        explore: Box::new(move |c| {
            let p = patterns::find(name).unwrap();
            let v = p.variant(variant).unwrap();
            let given: Vec<(String, usize)> =
                params.iter().map(|(k, v)| (k.to_string(), *v)).collect();
            let params: Params = p.params(&given).unwrap();
            patterns::explore(p, v, &params, c).unwrap()
        }),
    }
}

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for n in [5, 10] {
        rows.push(literature(
            format!("lastzero({n})"),
            Optimal::Oracle(Box::new(move || lex_normal(&LastZero { n }).count)),
            move || programs::lastzero(n),
        ));
    }
    for (n, published) in [(12, 8), (13, 64), (14, 512), (15, 4096)] {
        rows.push(literature(
            format!("indexer({n})"),
            Optimal::Published(published, "published"),
            move || programs::indexer(n),
        ));
    }
    // Not from the literature: a 7-slot table, where every message hashes
    // to slot 0 and probes past the others: two failed compare_exchanges
    // on a slot commute (dpor and the optimum count them as reads).
    rows.push(literature(
        "indexer(2) on 7 slots, 3 messages each".into(),
        Optimal::Oracle(Box::new(|| {
            let m = Indexer {
                threads: 2,
                size: 7,
                max: 3,
            };
            lex_normal_with(&m, FailedCas::Reads).count
        })),
        || programs::indexer_with(2, 7, 3),
    ));
    for (n, published) in [(16, 8), (19, 64)] {
        rows.push(literature(
            format!("filesystem({n})"),
            Optimal::Published(published, "published"),
            move || programs::filesystem(n),
        ));
    }
    rows.push(pattern(
        "unsafe-counter/load-store 3×2",
        Optimal::Oracle(Box::new(|| common::mazurkiewicz_traces(3, 2) as u64)),
        "unsafe-counter",
        "load-store",
        &[("threads", 3), ("ops", 2)],
    ));
    // The trace-count oracle's count (tests/trace_count_oracle.rs, an
    // ignored test: about 45 s in release), not recomputed here.
    rows.push(pattern(
        "producer-consumer/task-done-join (defaults)",
        Optimal::Published(62_904, "trace-count oracle"),
        "producer-consumer",
        "task-done-join",
        &[],
    ));
    rows
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn usage(why: &str) -> ! {
    eprintln!(
        "scale: {why}\nusage: cargo bench --bench scale [-- --max-seconds S] [--every-core-over S] [NAME…]"
    );
    std::process::exit(2);
}

fn main() {
    let mut limit = Duration::from_secs(120);
    let mut every_core_over = Duration::from_secs(1);
    let mut only = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--max-seconds" => {
                let s = args
                    .next()
                    .unwrap_or_else(|| usage("--max-seconds needs a value"));
                let s: f64 = s
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s > 0.0)
                    .unwrap_or_else(|| usage(&format!("--max-seconds {s}: not a positive number")));
                limit = Duration::from_secs_f64(s);
            }
            "--every-core-over" => {
                let s = args
                    .next()
                    .unwrap_or_else(|| usage("--every-core-over needs a value"));
                let s: f64 = s
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s >= 0.0)
                    .unwrap_or_else(|| {
                        usage(&format!("--every-core-over {s}: not a number of seconds"))
                    });
                every_core_over = Duration::from_secs_f64(s);
            }
            "--bench" => {}
            s if s.starts_with('-') => usage(&format!("unknown flag {s}")),
            s => only.push(s.to_string()),
        }
    }
    let rows: Vec<Row> = rows()
        .into_iter()
        .filter(|r| only.is_empty() || only.iter().any(|o| r.program.starts_with(o.as_str())))
        .collect();
    if rows.is_empty() {
        usage(&format!("no program starts with {}", only.join(", ")));
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "## dpor at scale ({cores} cores, load average {} at start, each row cut at {limit:?})",
        load()
    );
    println!("| program | optimal executions | dpor complete | dpor sleep-set-blocked | time |");
    println!("|---|---|---|---|---|");
    let mut long = Vec::new();
    for row in rows {
        let optimal = match &row.optimal {
            Optimal::Oracle(count) => {
                let t = Instant::now();
                let n = count();
                format!("{n} (oracle, {:.2?})", t.elapsed())
            }
            Optimal::Published(n, source) => format!("{n} ({source})"),
        };
        let mut c = Config::new(Backend::Dpor);
        c.max_duration = Some(limit);
        let t = Instant::now();
        let r = (row.explore)(&c);
        let el = t.elapsed();
        if r.complete {
            println!(
                "| {} | {optimal} | {} | {} | {el:.2?} |",
                row.program, r.schedules, r.pruned
            );
            if el > every_core_over {
                long.push((row, r.schedules, el));
            }
        } else {
            println!(
                "| {} | {optimal} | > {} (stopped: {}) | > {} | > {el:.2?} |",
                row.program,
                r.schedules,
                r.bound.as_deref().unwrap_or("?"),
                r.pruned
            );
        }
    }
    println!("load average at the end: {}", load());
    every_core_and_shards(long, limit);
}

/// The explorations over a second: `--jobs 2` against one thread (wall
/// time, same count), and 4 shards run one after the other (their counts
/// must add up to the whole's).
fn every_core_and_shards(long: Vec<(Row, u64, Duration)>, limit: Duration) {
    if long.is_empty() {
        return;
    }
    println!();
    println!(
        "## every core, many machines (load average {} at start)",
        load()
    );
    println!(
        "| program | schedules | 1 thread | --jobs 2 | speed-up | 8 shards: schedules, longest shard |"
    );
    println!("|---|---|---|---|---|---|");
    let mut bad = false;
    for (row, whole, one) in long {
        let mut c = Config::new(Backend::Dpor).with_jobs(2);
        c.max_duration = Some(limit);
        let t = Instant::now();
        let r = (row.explore)(&c);
        let two = t.elapsed();
        let mut sum = 0;
        let mut longest = Duration::ZERO;
        for k in 1..=8 {
            let mut c = Config::new(Backend::Dpor).with_shard(racetrace::Shard::new(k, 8).unwrap());
            c.max_duration = Some(limit);
            let t = Instant::now();
            let s = (row.explore)(&c);
            longest = longest.max(t.elapsed());
            sum += s.schedules;
        }
        println!(
            "| {} | {whole} | {one:.2?} | {two:.2?} ({}) | {:.2}× | {sum}, {longest:.2?} |",
            row.program,
            r.schedules,
            one.as_secs_f64() / two.as_secs_f64()
        );
        bad |= r.schedules != whole || sum != whole;
    }
    println!("load average at the end: {}", load());
    if bad {
        eprintln!("scale: a --jobs or sharded count differs from the whole's");
        std::process::exit(1);
    }
}
