//! The async patterns against an independent oracle: a brute-force
//! enumerator of asyncio's interleavings (tasks switch only at awaits, the
//! loop resumes any ready task) of a tiny model of each program; tokio's
//! current-thread runs against asyncio's FIFO loop; gather's ordering and
//! error semantics on tokio with proptest-chosen shapes.

#[path = "common/full.rs"]
mod full;

use proptest::prelude::*;
use racetrace::{Backend, Config};
use racetrace_patterns::{self as patterns, gather};
use std::collections::BTreeSet;

// ---- the oracle ---------------------------------------------------------------

/// One step of a task in the tiny model.
#[derive(Clone, Copy, Debug)]
enum Ins {
    /// `v = counter`
    Read,
    /// `counter = v + 1`
    Write,
    /// `await sleep(0)`: back to the loop, ready at once.
    Yield,
    /// `async with lock` entry: waits while another task holds it.
    Lock,
    Unlock,
    /// Append the task's number to the shared list (gather's completion order).
    Push,
}

#[derive(Clone)]
struct World {
    pc: Vec<usize>,
    v: Vec<usize>,
    counter: usize,
    holder: Option<usize>,
    list: Vec<usize>,
}

/// Run task `t` from its current instruction to its next await (or its end).
/// Returns false if it cannot start because the lock is held.
fn run_segment(prog: &[Vec<Ins>], w: &mut World, t: usize) -> bool {
    let mut first = true;
    while let Some(&ins) = prog[t].get(w.pc[t]) {
        match ins {
            Ins::Read => w.v[t] = w.counter,
            Ins::Write => w.counter = w.v[t] + 1,
            Ins::Yield if !first => return true,
            Ins::Yield => {}
            Ins::Lock if w.holder.is_some_and(|h| h != t) => return !first,
            Ins::Lock => w.holder = Some(t),
            Ins::Unlock => w.holder = None,
            Ins::Push => w.list.push(t + 1),
        }
        first = false;
        w.pc[t] += 1;
    }
    true
}

/// Every (counter, list) an asyncio loop can end with: depth-first over the
/// choice of which ready task resumes after each await.
fn oracle(prog: &[Vec<Ins>]) -> BTreeSet<(usize, Vec<usize>)> {
    fn go(prog: &[Vec<Ins>], w: World, out: &mut BTreeSet<(usize, Vec<usize>)>) {
        let ready: Vec<usize> = (0..prog.len())
            .filter(|&t| w.pc[t] < prog[t].len())
            .collect();
        if ready.is_empty() {
            out.insert((w.counter, w.list.clone()));
            return;
        }
        for t in ready {
            let mut next = w.clone();
            if run_segment(prog, &mut next, t) && next.pc[t] != w.pc[t] {
                go(prog, next, out);
            }
        }
    }
    let n = prog.len();
    let mut out = BTreeSet::new();
    let w = World {
        pc: vec![0; n],
        v: vec![0; n],
        counter: 0,
        holder: None,
        list: Vec::new(),
    };
    go(prog, w, &mut out);
    out
}

/// asyncio's own loop: FIFO ready queue, a task that yields goes to the back.
fn asyncio_fifo(prog: &[Vec<Ins>]) -> usize {
    let n = prog.len();
    let mut w = World {
        pc: vec![0; n],
        v: vec![0; n],
        counter: 0,
        holder: None,
        list: Vec::new(),
    };
    let mut queue: std::collections::VecDeque<usize> = (0..n).collect();
    while let Some(t) = queue.pop_front() {
        run_segment(prog, &mut w, t);
        if w.pc[t] < prog[t].len() {
            queue.push_back(t);
        }
    }
    w.counter
}

fn counter_program(variant: &str, tasks: usize, ops: usize) -> Vec<Vec<Ins>> {
    use Ins::*;
    let body: &[Ins] = match variant {
        "await-in-between" => &[Read, Yield, Write],
        "no-await" => &[Yield, Read, Write],
        "async-lock" => &[Lock, Read, Yield, Write, Unlock],
        _ => unreachable!(),
    };
    (0..tasks)
        .map(|_| {
            body.iter()
                .copied()
                .cycle()
                .take(body.len() * ops)
                .collect()
        })
        .collect()
}

fn outcomes(
    pattern: &str,
    variant: &str,
    params: &[(&str, usize)],
    backend: Backend,
) -> Vec<String> {
    let p = patterns::find(pattern).unwrap();
    let given: Vec<(String, usize)> = params.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let params = p.params(&given).unwrap();
    let r = patterns::explore(
        p,
        p.variant(variant).unwrap(),
        &params,
        &Config::new(backend),
    )
    .unwrap();
    assert!(
        r.complete || backend == Backend::Real,
        "{}",
        r.render_table()
    );
    r.outcome_set().iter().map(|s| s.to_string()).collect()
}

#[test]
fn oracle_sanity_the_lost_update_needs_an_await_between_read_and_write() {
    let counts = |v| {
        oracle(&counter_program(v, 2, 1))
            .into_iter()
            .map(|(c, _)| c)
            .collect::<Vec<_>>()
    };
    assert_eq!(counts("await-in-between"), [1, 2]);
    assert_eq!(counts("no-await"), [2]);
    assert_eq!(counts("async-lock"), [2]);
}

#[test]
fn async_counter_outcomes_are_exactly_the_oracles_under_dpor_and_loom() {
    for variant in ["await-in-between", "no-await", "async-lock"] {
        // (2, 3) with RACETRACE_FULL=1 only: the largest, most of the time.
        let sizes: &[(usize, usize)] = full::quick_or_full(
            &[(1, 1), (2, 1), (2, 2), (3, 1)],
            &[(1, 1), (2, 1), (2, 2), (3, 1), (2, 3)],
        );
        for &(tasks, ops) in sizes {
            // Three tasks under loom (1-5 s each) with RACETRACE_FULL=1
            // only; dpor explores them in the everyday loop too.
            let backends: &[Backend] = if tasks < 3 || full::full() {
                &[Backend::Dpor, Backend::Loom]
            } else {
                &[Backend::Dpor]
            };
            let want: Vec<String> = oracle(&counter_program(variant, tasks, ops))
                .into_iter()
                .map(|(c, _)| c)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .map(|c| c.to_string())
                .collect();
            for &backend in backends {
                let got = outcomes(
                    "async-counter",
                    variant,
                    &[("tasks", tasks), ("ops", ops)],
                    backend,
                );
                assert_eq!(
                    got, want,
                    "{variant} tasks={tasks} ops={ops} under {backend}"
                );
            }
        }
    }
}

#[test]
fn the_async_lost_update_is_deterministic_on_tokio_and_matches_asyncios_loop() {
    for (tasks, ops) in [(2, 1), (2, 2), (3, 2), (4, 3)] {
        let want = asyncio_fifo(&counter_program("await-in-between", tasks, ops));
        assert!(want < tasks * ops, "the FIFO loop loses updates");
        let p = patterns::find("async-counter").unwrap();
        let params = p
            .params(&[("tasks".into(), tasks), ("ops".into(), ops)])
            .unwrap();
        let config = Config::new(Backend::Real).with_max_schedules(50);
        let r =
            patterns::explore(p, p.variant("await-in-between").unwrap(), &params, &config).unwrap();
        assert_eq!(
            r.outcome_set(),
            [want.to_string().as_str()],
            "tasks={tasks} ops={ops}: every tokio run ends the same way"
        );
    }
}

#[test]
fn completion_order_reaches_every_order_the_oracle_allows() {
    use Ins::*;
    for tasks in 1..=3usize {
        // Task k awaits tasks - k times, then appends its result.
        let prog: Vec<Vec<Ins>> = (1..=tasks)
            .map(|k| {
                let mut p = vec![Yield; tasks - k];
                p.push(Push);
                p
            })
            .collect();
        let want: BTreeSet<String> = oracle(&prog)
            .into_iter()
            .map(|(_, l)| {
                let vals: Vec<String> = l.iter().map(|&k| gather::value(k)).collect();
                format!("[{}]", vals.join(", "))
            })
            .collect();
        let got: BTreeSet<String> = outcomes(
            "gather",
            "completion-order",
            &[("tasks", tasks)],
            Backend::Dpor,
        )
        .into_iter()
        .collect();
        assert_eq!(got, want, "tasks={tasks}");
    }
}

#[test]
fn first_error_sees_every_subset_of_other_tasks_still_running() {
    // The caller resumes at some point after the failing task finished; any
    // other task may or may not have finished by then (each can run to its
    // end before, or stay parked at an await after).
    let got = outcomes(
        "gather",
        "first-error",
        &[("tasks", 3), ("fail", 2)],
        Backend::Dpor,
    );
    let want: BTreeSet<String> = ["[]", "[t1]", "[t3]", "[t1, t3]"]
        .iter()
        .map(|r| format!("err(task 2 failed) · still running: {r} · then: [a, c]"))
        .collect();
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
}

// ---- gather on tokio, proptest-chosen shapes -------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn gather_on_tokio_keeps_submission_order_and_asyncio_error_semantics(
        awaits in proptest::collection::vec(0usize..5, 1..7),
        fail_at in any::<prop::sample::Index>(),
        with_failure in any::<bool>(),
    ) {
        let n = awaits.len();
        let fail = with_failure.then(|| fail_at.index(n) + 1);
        let expected: Vec<String> = (1..=n)
            .map(|k| if Some(k) == fail { gather::error(k) } else { gather::value(k) })
            .collect();
        let list = format!("[{}]", expected.join(", "));
        // ordered: every result in place (no failure: the plain list)
        if fail.is_none() {
            prop_assert_eq!(gather::run(&awaits, None, gather::How::Ordered), list.clone());
        }
        // return_exceptions: errors in place, in order
        prop_assert_eq!(gather::run(&awaits, fail, gather::How::ReturnExceptions), list.clone());
        // first error: that error, and every other task still completes
        let o = gather::run(&awaits, fail, gather::How::FirstError);
        match fail {
            None => prop_assert_eq!(o, list),
            Some(f) => {
                let others: Vec<String> = (1..=n).filter(|&k| k != f).map(gather::value).collect();
                let head = format!("{} · still running: [", gather::error(f));
                let tail = format!("] · then: [{}]", others.join(", "));
                prop_assert!(o.starts_with(&head) && o.ends_with(&tail), "{}", o);
                // Still running when the error came: exactly the tasks that
                // await more than the failing one (tokio's loop is fair).
                let running: Vec<String> = (1..=n)
                    .filter(|&k| k != f && awaits[k - 1] > awaits[f - 1])
                    .map(|k| format!("t{k}"))
                    .collect();
                let mid = &o[head.len()..o.len() - tail.len()];
                prop_assert_eq!(mid, running.join(", "));
            }
        }
    }
}
