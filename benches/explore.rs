//! Speed figures for the issues' notes: `cargo bench --bench explore`.
//!
//! * time (and schedules) to the first lost update of `unsafe-counter` 2×1
//!   under each backend, median of 21 runs;
//! * exhaustive exploration of the counter at growing sizes;
//! * every variant of every pattern at its default parameters under dpor;
//! * the whole `racetrace check` job, pattern by pattern.
//!
//! Like the `racetrace` binary, the bench allocates with mimalloc.

#[path = "../tests/common/mod.rs"]
mod common;

use common::mazurkiewicz_traces;
use racetrace::{Backend, Config, Report};
use racetrace_patterns::{self as patterns, Params};
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn run(pattern: &str, variant: &str, params: &[(&str, usize)], config: &Config) -> Report {
    let p = patterns::find(pattern).unwrap();
    let v = p.variant(variant).unwrap();
    let given: Vec<(String, usize)> = params.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let params: Params = p.params(&given).unwrap();
    patterns::explore(p, v, &params, config).unwrap()
}

const LIMIT: Duration = Duration::from_secs(20);

/// Cut for the rows of patterns other than the counter.
const OTHER_LIMIT: Duration = Duration::from_secs(15);

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // Filter arguments cargo bench passes (e.g. --bench).
    println!("## first lost update, unsafe-counter/load-store 2×1 (median of 21)");
    println!("| backend | schedules to first violation | time |");
    println!("|---|---|---|");
    for b in [
        Backend::Dpor,
        Backend::Loom,
        Backend::ShuttleDfs,
        Backend::ShuttleRandom,
        Backend::ShuttlePct,
    ] {
        let mut times = Vec::new();
        let mut schedules = 0;
        for _ in 0..21 {
            let c = Config::new(b).stop_at_first_violation();
            let t = Instant::now();
            let r = run(
                "unsafe-counter",
                "load-store",
                &[("threads", 2), ("ops", 1)],
                &c,
            );
            times.push(t.elapsed());
            assert!(
                r.violations().next().is_some(),
                "{b} missed the lost update"
            );
            schedules = r.schedules;
        }
        println!("| {b} | {schedules} | {:.2?} |", median(times));
    }

    println!(
        "\n## exhaustive exploration of unsafe-counter/load-store (each bounded at {LIMIT:?})"
    );
    println!(
        "| N×K | distinct interleavings | dpor | dpor time | loom | loom time | shuttle-dfs | shuttle-dfs time | dpor / optimum |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (n, k) in [(2, 1), (2, 2), (3, 1), (2, 3), (3, 2), (4, 1)] {
        let optimum = mazurkiewicz_traces(n, k);
        let mut cells = Vec::new();
        let mut dpor_execs = 0;
        for b in [Backend::Dpor, Backend::Loom, Backend::ShuttleDfs] {
            let mut c = Config::new(b);
            c.max_duration = Some(LIMIT);
            let t = Instant::now();
            let r = run(
                "unsafe-counter",
                "load-store",
                &[("threads", n), ("ops", k)],
                &c,
            );
            let el = t.elapsed();
            if b == Backend::Dpor {
                dpor_execs = r.schedules;
            }
            if r.complete {
                cells.push(format!("{} | {el:.2?}", r.schedules));
            } else {
                cells.push(format!("> {} (stopped) | > {LIMIT:?}", r.schedules));
            }
        }
        println!(
            "| {n}×{k} | {optimum} | {} | {:.2} |",
            cells.join(" | "),
            dpor_execs as f64 / optimum as f64
        );
    }

    println!("\n## exhaustive exploration of the other patterns (each bounded at {OTHER_LIMIT:?})");
    println!(
        "| pattern/variant | parameters | dpor | dpor time | dpor pruned | loom | loom time | shuttle-dfs | shuttle-dfs time |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    type Row<'a> = (&'a str, &'a str, &'a [(&'a str, usize)]);
    let rows: &[Row] = &[
        ("producer-consumer", "condvar", &[]),
        ("producer-consumer", "channel", &[]),
        ("producer-consumer", "task-done-join", &[]),
        (
            "producer-consumer",
            "condvar",
            &[("consumers", 1), ("items", 3)],
        ),
        ("producer-consumer", "condvar", &[("items", 3)]),
        ("producer-consumer", "channel", &[("producers", 2)]),
        ("producer-consumer", "task-done-join", &[("items", 3)]),
        ("philosophers", "lowest-first", &[("philosophers", 3)]),
        ("philosophers", "lowest-first", &[("philosophers", 4)]),
        ("philosophers", "waiter", &[("philosophers", 3)]),
        ("philosophers", "waiter", &[("philosophers", 4)]),
    ];
    for &(pattern, variant, params) in rows {
        let mut cells = Vec::new();
        let mut described = String::new();
        for b in [Backend::Dpor, Backend::Loom, Backend::ShuttleDfs] {
            let mut c = Config::new(b);
            c.max_duration = Some(OTHER_LIMIT);
            let t = Instant::now();
            let r = run(pattern, variant, params, &c);
            let el = t.elapsed();
            described = r
                .params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ");
            let pruned = if b == Backend::Dpor {
                format!(" | {}", r.pruned)
            } else {
                String::new()
            };
            if r.complete {
                cells.push(format!("{} | {el:.2?}{pruned}", r.schedules));
            } else {
                cells.push(format!(
                    "> {} (stopped) | > {OTHER_LIMIT:?}{pruned}",
                    r.schedules
                ));
            }
        }
        println!(
            "| {pattern}/{variant} | {described} | {} |",
            cells.join(" | ")
        );
    }

    println!("\n## every variant at its default parameters, dpor (cut at {OTHER_LIMIT:?})");
    println!("| pattern/variant | parameters | schedules | time | complete |");
    println!("|---|---|---|---|---|");
    let mut slowest = Duration::ZERO;
    for p in patterns::all() {
        let params = p.params(&[]).unwrap();
        for v in p.variants {
            let mut c = Config::new(Backend::Dpor);
            c.max_duration = Some(OTHER_LIMIT);
            let t = Instant::now();
            let r = patterns::explore(p, v, &params, &c).unwrap();
            let el = t.elapsed();
            slowest = slowest.max(el);
            println!(
                "| {}/{} | {} | {} | {el:.2?} | {} |",
                p.name,
                v.name,
                params.describe(),
                r.schedules,
                if r.complete { "yes" } else { "NO" }
            );
        }
    }
    println!("slowest: {slowest:.2?}");

    println!("\n## racetrace check, by pattern");
    println!("| pattern | jobs | time |");
    println!("|---|---|---|");
    let all = Instant::now();
    for p in patterns::all() {
        let t = Instant::now();
        let mut jobs = 0;
        patterns::check_pattern(p, &mut |row| {
            assert!(
                row.verdict.ok(),
                "{}/{} {}",
                row.pattern,
                row.variant,
                row.backend
            );
            jobs += 1;
        })
        .unwrap();
        println!("| {} | {jobs} | {:.2?} |", p.name, t.elapsed());
    }
    println!("| all | | {:.2?} |", all.elapsed());
}
