//! `gather` — the tutorials' `await asyncio.gather(*tasks)`: start N coroutines
//! that await different numbers of times and collect their results. Property:
//! the results come back in submission order, whatever order the tasks finish in.
//! Variants: `ordered`, `first-error`, `return-exceptions` (hold);
//! `completion-order` (bug: results appended as tasks finish, read as if ordered).

use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::task::{self, JoinHandle};
use racetrace::traced::sync::{Arc, Mutex};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

pub(crate) const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "tasks",
        default: 3,
        min: 1,
        max: 8,
        help: "tasks gathered; task k awaits tasks - k times",
    },
    ParamSpec {
        name: "fail",
        default: 2,
        min: 1,
        max: 8,
        help: "the task that fails in first-error and return-exceptions (capped at tasks)",
    },
];

/// dpor is exhaustive in under a second at the defaults (loom agrees in
/// about three, with 21,830 schedules, and is left to `racetrace outcomes
/// --backend loom`); tokio runs the same code for real.
const JOBS: &[Job] = &[Job::on(Backend::Dpor), Job::sampled(Backend::Real, 100)];

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "gather",
    summary: "tasks that finish in any order; their results gathered in submission order",
    python: "async def task(k): several `await asyncio.sleep(..)`, return a value; results = await asyncio.gather(*[task(k) for k in 1..N])",
    params: PARAMS,
    threads: |p| p.get("tasks") + 1,
    variants: &[
        Variant {
            name: "ordered",
            summary: "gather awaits every task and places each result at its task's index",
            spec: Spec {
                property: "results in submission order",
                expect: Expect::Holds,
                allowed: |p, o| o == list(&values(p, None)),
                explain: explain_list,
            },
            run: |p| run(&awaits(p), None, How::Ordered),
            jobs: JOBS,
        },
        Variant {
            name: "first-error",
            summary: "one task fails: gather raises its error at once; the others are not cancelled",
            spec: Spec {
                property: "the failing task's error; every other task still completes",
                expect: Expect::Holds,
                allowed: first_error_allowed,
                explain: first_error_explain,
            },
            run: |p| run(&awaits(p), Some(failing(p)), How::FirstError),
            jobs: JOBS,
        },
        Variant {
            name: "return-exceptions",
            summary: "gather(return_exceptions=True): the error takes its task's place in the list",
            spec: Spec {
                property: "results and errors in submission order",
                expect: Expect::Holds,
                allowed: |p, o| o == list(&values(p, Some(failing(p)))),
                explain: explain_list,
            },
            run: |p| run(&awaits(p), Some(failing(p)), How::ReturnExceptions),
            jobs: JOBS,
        },
        Variant {
            name: "completion-order",
            summary: "each task appends its result to a shared list when it finishes",
            spec: Spec {
                property: "results in submission order",
                expect: Expect::Bug("results in completion order"),
                allowed: |p, o| o == list(&values(p, None)),
                explain: explain_list,
            },
            run: |p| run(&awaits(p), None, How::CompletionOrder),
            jobs: JOBS,
        },
    ],
};

/// How the results are collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// `gather`: results by index.
    Ordered,
    /// `gather`: the first error is raised at once.
    FirstError,
    /// `gather(return_exceptions=True)`.
    ReturnExceptions,
    /// The bug: a shared list appended to as tasks finish.
    CompletionOrder,
}

/// What a task returns: its value, or its error.
pub type Outcome = Result<String, String>;

/// Task k's (1-based) value.
pub fn value(k: usize) -> String {
    char::from(b'a' + ((k - 1) % 26) as u8).to_string()
}

/// Task k's error.
pub fn error(k: usize) -> String {
    format!("err(task {k} failed)")
}

fn awaits(p: &Params) -> Vec<usize> {
    let n = p.get("tasks");
    (1..=n).map(|k| n - k).collect()
}

fn failing(p: &Params) -> usize {
    p.get("fail").min(p.get("tasks"))
}

/// The list gather should return: every value, the failing task's error in
/// its place.
fn values(p: &Params, fail: Option<usize>) -> Vec<String> {
    (1..=p.get("tasks"))
        .map(|k| if Some(k) == fail { error(k) } else { value(k) })
        .collect()
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// asyncio.gather over spawned tasks: wait until every task has finished
/// (or, without `return_exceptions`, until the first error, returned at
/// once). Results go to `out` by task index, so the list is in submission
/// order whatever the completion order. A task that did not get to finish
/// (a panic, a cancellation) counts as an error.
pub async fn gather(
    handles: &mut [Option<JoinHandle<Outcome>>],
    out: &mut [Option<Outcome>],
    return_exceptions: bool,
) -> Result<(), String> {
    poll_fn(|cx| {
        for (h, slot) in handles.iter_mut().zip(out.iter_mut()) {
            let Some(handle) = h else { continue };
            if let Poll::Ready(r) = Pin::new(handle).poll(cx) {
                *h = None;
                let r = r.unwrap_or_else(|e| Err(e.to_string()));
                if let (Err(e), false) = (&r, return_exceptions) {
                    let e = e.clone();
                    *slot = Some(r);
                    return Poll::Ready(Err(e));
                }
                *slot = Some(r);
            }
        }
        if handles.iter().all(Option::is_none) {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    })
    .await
}

/// One task: `awaits` await points, then its value (or its error).
async fn work(
    k: usize,
    awaits: usize,
    fails: bool,
    done: Option<Arc<Mutex<Vec<String>>>>,
) -> Outcome {
    for _ in 0..awaits {
        task::yield_now().await;
    }
    let r = if fails { Err(error(k)) } else { Ok(value(k)) };
    if let Some(done) = done {
        done.lock().push(r.clone().unwrap_or_else(|e| e));
    }
    r
}

/// Run the program: task k (1-based) awaits `awaits[k - 1]` times; task
/// `fail` (if any) fails. Returns the outcome string.
pub fn run(awaits: &[usize], fail: Option<usize>, how: How) -> String {
    task::block_on(async move {
        let done = (how == How::CompletionOrder)
            .then(|| Arc::new(Mutex::new(Vec::new()).named("results").show_values()));
        let mut handles: Vec<Option<JoinHandle<Outcome>>> = awaits
            .iter()
            .enumerate()
            .map(|(i, &a)| {
                Some(task::spawn(work(
                    i + 1,
                    a,
                    fail == Some(i + 1),
                    done.clone(),
                )))
            })
            .collect();
        let mut out: Vec<Option<Outcome>> = vec![None; awaits.len()];
        let show = |o: &Option<Outcome>| match o {
            Some(Ok(v)) | Some(Err(v)) => v.clone(),
            None => "-".into(),
        };
        match how {
            How::Ordered | How::ReturnExceptions => {
                let r = gather(&mut handles, &mut out, how == How::ReturnExceptions).await;
                match r {
                    Ok(()) => list(&out.iter().map(show).collect::<Vec<_>>()),
                    Err(e) => e,
                }
            }
            How::FirstError => match gather(&mut handles, &mut out, false).await {
                Ok(()) => list(&out.iter().map(show).collect::<Vec<_>>()),
                Err(e) => {
                    // asyncio.gather does not cancel the other tasks: see
                    // which were still running, then let them finish.
                    let running: Vec<String> = handles
                        .iter()
                        .enumerate()
                        .filter(|(_, h)| h.as_ref().is_some_and(|h| !h.is_finished()))
                        .map(|(i, _)| format!("t{}", i + 1))
                        .collect();
                    let mut later = Vec::new();
                    for (i, h) in handles.iter_mut().enumerate() {
                        if let Some(h) = h.take() {
                            out[i] = Some(h.await.unwrap_or_else(|e| Err(e.to_string())));
                        }
                    }
                    for (i, o) in out.iter().enumerate() {
                        if fail != Some(i + 1) {
                            later.push(show(o));
                        }
                    }
                    format!(
                        "{e} · still running: {} · then: {}",
                        list(&running),
                        list(&later)
                    )
                }
            },
            How::CompletionOrder => {
                for h in handles.iter_mut() {
                    if let Some(h) = h.take() {
                        let _ = h.await;
                    }
                }
                let done = done.expect("the shared list");
                let got = done.lock().clone();
                list(&got)
            }
        }
    })
}

fn first_error_allowed(p: &Params, o: &str) -> bool {
    let f = failing(p);
    let others: Vec<usize> = (1..=p.get("tasks")).filter(|&k| k != f).collect();
    let head = format!("{} · still running: [", error(f));
    let tail = format!(
        "] · then: {}",
        list(&others.iter().map(|&k| value(k)).collect::<Vec<_>>())
    );
    let Some(mid) = o.strip_prefix(&head).and_then(|r| r.strip_suffix(&tail)) else {
        return false;
    };
    mid.is_empty()
        || mid
            .split(", ")
            .all(|t| others.iter().any(|k| t == format!("t{k}")))
}

fn first_error_explain(p: &Params, o: &str) -> String {
    if first_error_allowed(p, o) {
        "the failing task's error; the others ran on and finished".into()
    } else if o.starts_with('[') {
        "no error reported".into()
    } else {
        "wrong error, or another task lost its result".into()
    }
}

fn explain_list(p: &Params, o: &str) -> String {
    let f = failing(p);
    if o == list(&values(p, None)) || o == list(&values(p, Some(f))) {
        "in submission order".into()
    } else if o.starts_with('[') {
        "out of submission order: the list is in completion order".into()
    } else {
        "the program failed".into()
    }
}
