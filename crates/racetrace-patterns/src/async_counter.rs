//! `async-counter` — the tutorials' claim that asyncio needs no locks: N
//! coroutines each run `counter += 1` K times on one event loop. Property: the
//! total is tasks × ops. Variants: `await-in-between` (bug: lost update, the
//! read and the write straddle an await), `no-await` (holds: no switch between
//! them), `async-lock` (holds: an async lock around read–await–write).

use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::task;
use racetrace::traced::cell::RaceCell;
use racetrace::traced::sync::Arc;

pub(crate) const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "tasks",
        default: 2,
        min: 1,
        max: 8,
        help: "tasks incrementing the counter",
    },
    ParamSpec {
        name: "ops",
        default: 2,
        min: 1,
        max: 100,
        help: "increments per task",
    },
];

const SPEC: Spec = Spec {
    property: "counter = tasks × ops",
    expect: Expect::Holds,
    allowed: exact,
    explain,
};

/// Model checking plus tokio: on the current-thread runtime the schedule is
/// fixed, so a lost update there happens on every run.
const JOBS: &[Job] = &[
    Job::on(Backend::Dpor),
    Job::on(Backend::Loom),
    Job::sampled(Backend::Real, 100),
];

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "async-counter",
    summary: "asyncio tasks increment a shared counter with no lock",
    python: "counter = 0; async def inc(): for _ in range(K): v = counter; await asyncio.sleep(0); counter = v + 1; await asyncio.gather(*[inc() for _ in range(N)])",
    params: PARAMS,
    threads: |p| p.get("tasks") + 1,
    variants: &[
        Variant {
            name: "await-in-between",
            summary: "`v = counter; await sleep(0); counter = v + 1`",
            spec: Spec {
                expect: Expect::Bug("lost update"),
                ..SPEC
            },
            run: |p| run(p, Step::AwaitInBetween),
            jobs: JOBS,
        },
        Variant {
            name: "no-await",
            summary: "`await sleep(0); counter += 1`: the read and the write in one step of the loop",
            spec: SPEC,
            run: |p| run(p, Step::NoAwait),
            jobs: JOBS,
        },
        Variant {
            name: "async-lock",
            summary: "`async with lock: v = counter; await sleep(0); counter = v + 1`",
            spec: SPEC,
            run: |p| run(p, Step::AsyncLock),
            jobs: JOBS,
        },
    ],
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    AwaitInBetween,
    NoAwait,
    AsyncLock,
}

fn run(p: &Params, step: Step) -> String {
    let (tasks, ops) = (p.get("tasks"), p.get("ops"));
    task::block_on(async move {
        let counter = Arc::new(RaceCell::new(0usize).named("counter"));
        let lock = Arc::new(task::Mutex::new(()).named("lock"));
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let (counter, lock) = (counter.clone(), lock.clone());
                task::spawn(async move {
                    for _ in 0..ops {
                        match step {
                            Step::AwaitInBetween => {
                                let v = counter.get();
                                task::yield_now().await;
                                counter.set(v + 1);
                            }
                            Step::NoAwait => {
                                task::yield_now().await;
                                let v = counter.get();
                                counter.set(v + 1);
                            }
                            Step::AsyncLock => {
                                let _held = lock.lock().await;
                                let v = counter.get();
                                task::yield_now().await;
                                counter.set(v + 1);
                            }
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.await.expect("task failed");
        }
        counter.get().to_string()
    })
}

fn exact(p: &Params, o: &str) -> bool {
    o.parse::<usize>().ok() == Some(p.get("tasks") * p.get("ops"))
}

fn explain(p: &Params, o: &str) -> String {
    let expected = p.get("tasks") * p.get("ops");
    match o.parse::<usize>() {
        Ok(n) if n == expected => format!("every increment counted ({expected})"),
        Ok(n) if n < expected => {
            let lost = expected - n;
            let s = if lost == 1 { "" } else { "s" };
            format!("lost update: {lost} increment{s} lost (expected {expected})")
        }
        Ok(_) => format!("more than the {expected} increments made"),
        Err(_) => match o {
            "deadlock" => "deadlock: every task is parked".into(),
            _ => "the program failed".into(),
        },
    }
}
