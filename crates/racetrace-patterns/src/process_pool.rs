//! `process-pool` — the tutorials' `ProcessPoolExecutor.map(compute, [5_000_000,
//! 10_000_000, 20_000_000])`, `compute(n) = 0 + 1 + … + (n−1)`, on a pool of
//! worker processes. Property: the results come back in input order, every
//! task is run once and the pool shuts down. Variants: `map` (holds),
//! `missing-sentinel` (bug: one stop message for two workers, shutdown never
//! completes), `completion-order` (bug: results taken in the order workers
//! finish and assumed to be in input order).

use crate::fixtures::{self, one_sentinel_map};
use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::process::ProcessPool;
use serde_json::Value;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "workers",
        default: 2,
        min: 1,
        max: 4,
        help: "worker processes",
    },
    ParamSpec {
        name: "tasks",
        default: 3,
        min: 1,
        max: 8,
        help: "inputs mapped: base, 2·base, 4·base, … (the seeds map 3)",
    },
    ParamSpec {
        name: "base",
        default: 5,
        min: 1,
        max: 5_000_000,
        help: "the first input (the seeds use 5000000)",
    },
];

/// The inputs: base, 2·base, 4·base, … (the seeds' list for base 5,000,000).
fn inputs(p: &Params) -> Vec<u64> {
    (0..p.get("tasks"))
        .map(|i| (p.get("base") as u64) << i)
        .collect()
}

fn show(results: &[u64]) -> String {
    let r: Vec<String> = results.iter().map(u64::to_string).collect();
    format!("[{}]", r.join(", "))
}

/// The right answer, by the closed form n(n−1)/2 (not by running compute).
fn expected(p: &Params) -> String {
    let r: Vec<u64> = inputs(p)
        .iter()
        .map(|n| n * n.saturating_sub(1) / 2)
        .collect();
    show(&r)
}

fn allowed(p: &Params, o: &str) -> bool {
    o == expected(p)
}

fn explain(p: &Params, o: &str) -> String {
    let want = expected(p);
    if o == want {
        return "every result, in input order; the pool shut down".into();
    }
    let sorted = |s: &str| {
        let mut v: Vec<String> = s
            .trim_matches(['[', ']'])
            .split(", ")
            .map(str::to_string)
            .collect();
        v.sort();
        v
    };
    match o {
        "deadlock" | "deadlock (timed out)" => {
            "deadlock: a worker never gets a stop message and the parent waits to join it".into()
        }
        _ if o.starts_with('[') && sorted(o) == sorted(&want) => {
            format!("results out of input order (expected {want})")
        }
        _ => format!("wrong results (expected {want})"),
    }
}

const SPEC: Spec = Spec {
    property: "results in input order, each task once, clean shutdown",
    expect: Expect::Holds,
    allowed,
    explain,
};

const BUG_JOBS: &[Job] = &[
    Job::on(Backend::Dpor),
    Job::sampled(Backend::ShuttlePct, 300),
    Job::informational(Backend::Real, 20),
];

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "process-pool",
    summary: "a pool of worker processes maps compute(n) over a list",
    python: "with ProcessPoolExecutor() as ex: print(list(ex.map(compute, [5_000_000, 10_000_000, 20_000_000]))) where compute(n) sums range(n)",
    params: PARAMS,
    threads: |p| p.get("workers").min(p.get("tasks")) + 1,
    variants: &[
        Variant {
            name: "map",
            summary: "one task at a time per worker, results placed by index, a stop message per worker",
            spec: SPEC,
            run: |p| run(p, false),
            jobs: &[
                Job::on(Backend::Dpor),
                Job::sampled(Backend::ShuttlePct, 300),
                Job::sampled(Backend::Real, 5),
            ],
        },
        Variant {
            name: "missing-sentinel",
            summary: "a single stop message for all the workers",
            spec: Spec {
                expect: Expect::Bug("deadlock at shutdown"),
                ..SPEC
            },
            run: missing_sentinel,
            jobs: &[
                Job::on(Backend::Dpor),
                Job::sampled(Backend::ShuttlePct, 300),
                // Deterministic for real too: the watchdog ends it.
                Job::sampled(Backend::Real, 1),
            ],
        },
        Variant {
            name: "completion-order",
            summary: "results listed in the order they arrive",
            spec: Spec {
                expect: Expect::Bug("results out of order"),
                ..SPEC
            },
            run: |p| run(p, true),
            jobs: BUG_JOBS,
        },
    ],
};

fn run(p: &Params, arrival: bool) -> String {
    fixtures::install();
    let inputs: Vec<Value> = inputs(p).into_iter().map(Value::from).collect();
    match ProcessPool::new(p.get("workers")).map_values("compute", inputs) {
        Err(e) => format!("error: {e}"),
        Ok(out) if !out.failures.is_empty() => format!("error: {}", out.failures[0]),
        Ok(out) => {
            let list = if arrival {
                out.arrival
            } else {
                out.by_index.into_iter().flatten().collect()
            };
            show(&list.iter().filter_map(Value::as_u64).collect::<Vec<_>>())
        }
    }
}

/// The pool written by hand with one stop message for every worker.
fn missing_sentinel(p: &Params) -> String {
    fixtures::install();
    let inputs: Vec<Value> = inputs(p).into_iter().map(Value::from).collect();
    match one_sentinel_map(p.get("workers"), "compute", inputs) {
        Err(e) => format!("error: {e}"),
        Ok(list) => show(&list.iter().filter_map(Value::as_u64).collect::<Vec<_>>()),
    }
}
