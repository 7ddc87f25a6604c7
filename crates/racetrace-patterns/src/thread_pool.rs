//! `thread-pool` — the tutorials' `concurrent.futures.ThreadPoolExecutor`: `with
//! ThreadPoolExecutor(max_workers=W) as ex:` then `ex.submit(square, n)` or `ex.map(square, inputs)`,
//! on racetrace's [`ThreadPool`]. Property: the results are the squares of the inputs, in input
//! order. Variants: `map`, `panicking-job` (hold); `completion-order` (bug: results in completion
//! order), `no-wait` (bug: results read after `shutdown(wait=False)`, before the jobs finish).

use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::executor::{JobError, ThreadPool};
use racetrace::traced::sync::{Arc, Mutex};

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "workers",
        default: 2,
        min: 1,
        max: 4,
        help: "worker threads in the pool",
    },
    ParamSpec {
        name: "jobs",
        default: 2,
        min: 1,
        max: 8,
        help: "jobs submitted (inputs 1..=jobs)",
    },
];

/// The job: Python's `def square(n): return n * n`.
fn square(n: usize) -> usize {
    n * n
}

/// `1 4 9 …`: the squares of 1..=jobs, in input order.
fn expected(p: &Params) -> String {
    show((1..=p.get("jobs")).map(|n| Some(square(n))))
}

fn show(values: impl IntoIterator<Item = Option<usize>>) -> String {
    values
        .into_iter()
        .map(|v| v.map_or("_".to_string(), |v| v.to_string()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn explain(p: &Params, o: &str) -> String {
    let want = expected(p);
    let mut got: Vec<&str> = o.split(' ').collect();
    let missing = got.iter().filter(|v| **v == "_").count();
    got.sort_unstable();
    let mut all: Vec<&str> = want.split(' ').collect();
    all.sort_unstable();
    match o {
        _ if o == want => "every result, in input order".into(),
        "deadlock" => "deadlock: no thread can run".into(),
        _ if missing > 0 => format!(
            "{missing} of {} results missing: read before the jobs finished",
            p.get("jobs")
        ),
        _ if got == all => "every result, but in completion order".into(),
        _ => "wrong results".into(),
    }
}

const HOLDS: Spec = Spec {
    property: "results = squares of the inputs, in input order",
    expect: Expect::Holds,
    allowed: |p, o| o == expected(p),
    explain,
};

/// dpor explores the correct variants completely in under a second; loom
/// needs 105,880 schedules (16–30 s) for that, so it is bounded to 3
/// preemptions (4,251 schedules). The buggy variants are small enough for
/// loom's full exploration.
const LOOM_PREEMPTIONS: usize = 3;

const CORRECT: &[Job] = &[
    Job::on(Backend::Dpor),
    Job::on(Backend::Loom).with_preemption_bound(LOOM_PREEMPTIONS),
    Job::sampled(Backend::ShuttlePct, 1000),
    Job::sampled(Backend::Real, 200),
];

const BUGGY: &[Job] = &[
    Job::on(Backend::Dpor),
    Job::on(Backend::Loom),
    Job::sampled(Backend::ShuttlePct, 1000),
    Job::informational(Backend::Real, 200),
];

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "thread-pool",
    summary: "a pool of worker threads runs submitted jobs; results come back through futures",
    python: "with ThreadPoolExecutor(max_workers=W) as ex: results = list(ex.map(square, range(1, J + 1)))",
    params: PARAMS,
    threads: |p| p.get("workers") + 1,
    variants: &[
        Variant {
            name: "map",
            summary: "ThreadPool::map: one future per input, results taken in input order",
            spec: HOLDS,
            run: map,
            jobs: CORRECT,
        },
        Variant {
            name: "completion-order",
            summary: "each job appends its result to a shared list as it finishes; the list is read as if in input order",
            spec: Spec {
                expect: Expect::Bug("results in completion order"),
                ..HOLDS
            },
            run: completion_order,
            jobs: BUGGY,
        },
        Variant {
            name: "no-wait",
            summary: "each job stores its result in its slot of a shared list; main reads it right after shutdown(wait=false)",
            spec: Spec {
                expect: Expect::Bug("results read before the jobs finish"),
                ..HOLDS
            },
            run: no_wait,
            jobs: BUGGY,
        },
        Variant {
            name: "panicking-job",
            summary: "the job for input 1 panics: its future gives the error, the other jobs' values still arrive",
            spec: Spec {
                property: "future 1 = the job's panic, the others = squares, in input order",
                allowed: |p, o| o == panicking_expected(p),
                explain: panicking_explain,
                ..HOLDS
            },
            run: panicking_job,
            jobs: CORRECT,
        },
    ],
};

/// `results = list(ex.map(square, inputs))`.
fn map(p: &Params) -> String {
    let mut pool = ThreadPool::new(p.get("workers"));
    let results = pool.map(square, 1..=p.get("jobs"));
    pool.shutdown(true);
    match results {
        Ok(v) => show(v.into_iter().map(Some)),
        Err(e) => e.to_string(),
    }
}

/// `ex.submit(lambda: results.append(square(n)))` for each input, then
/// `shutdown(wait=True)`: every result is there, in the order the jobs
/// finished.
fn completion_order(p: &Params) -> String {
    let results = Arc::new(Mutex::new(Vec::new()).named("results"));
    let mut pool = ThreadPool::new(p.get("workers"));
    for n in 1..=p.get("jobs") {
        let results = results.clone();
        pool.submit(move || results.lock().push(square(n)));
    }
    pool.shutdown(true);
    let got = results.lock().clone();
    show(got.into_iter().map(Some))
}

/// `results[i] = square(n)` in each job, then `shutdown(wait=False)` and read
/// the list at once.
fn no_wait(p: &Params) -> String {
    let jobs = p.get("jobs");
    let results = Arc::new(Mutex::new(vec![None; jobs]).named("results"));
    let mut pool = ThreadPool::new(p.get("workers"));
    for n in 1..=jobs {
        let results = results.clone();
        pool.submit(move || results.lock()[n - 1] = Some(square(n)));
    }
    pool.shutdown(false);
    let got = results.lock().clone();
    show(got)
}

fn panicking_expected(p: &Params) -> String {
    let rest = (2..=p.get("jobs")).map(|n| square(n).to_string());
    std::iter::once("panicked".to_string())
        .chain(rest)
        .collect::<Vec<_>>()
        .join(" ")
}

fn panicking_explain(p: &Params, o: &str) -> String {
    match o {
        _ if o == panicking_expected(p) => {
            "the panic is future 1's error; every other result arrives".into()
        }
        "deadlock" => "deadlock: no thread can run".into(),
        _ if o.starts_with("panic") && !o.starts_with("panicked") => {
            "the job's panic escaped the pool".into()
        }
        _ => "wrong results".into(),
    }
}

/// `ex.submit(square, n)` for each input, the job for 1 raising; then
/// `f.result()` for each future in turn.
fn panicking_job(p: &Params) -> String {
    let mut pool = ThreadPool::new(p.get("workers"));
    let futures: Vec<_> = (1..=p.get("jobs"))
        .map(|n| {
            pool.submit(move || {
                if n == 1 {
                    panic!("job 1 failed");
                }
                square(n)
            })
        })
        .collect();
    let out: Vec<String> = futures
        .into_iter()
        .map(|f| match f.result() {
            Ok(v) => v.to_string(),
            Err(JobError::Panicked(_)) => "panicked".to_string(),
            Err(e) => e.to_string(),
        })
        .collect();
    pool.shutdown(true);
    out.join(" ")
}
