//! The linearizability checker: against a brute-force oracle on tiny
//! histories, then on histories recorded from racetrace's `Queue` (always
//! linearizable) and from `SplitTryGetQueue` (caught, with a minimal history).

#[path = "common/full.rs"]
mod full;

use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, FileFailurePersistence};
use racetrace::lincheck::{self, Call, FifoQueue, History, NotLinearizable, Op, Ret};
use racetrace::traced::sync::Queue;
use racetrace::{Backend, Config};
use racetrace_patterns::fixtures::SplitTryGetQueue;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

// ---- the oracle -------------------------------------------------------------

/// Brute force, written from the definition: some order of the completed
/// operations plus any subset of the pending ones, respecting real time
/// (a response before an invocation orders the two), in which a sequential
/// bounded FIFO queue gives every completed operation its recorded result.
fn oracle(h: &History<u8>) -> bool {
    let n = h.ops.len();
    fn go(h: &History<u8>, used: &mut Vec<bool>, q: &mut VecDeque<u8>) -> bool {
        let n = h.ops.len();
        if (0..n).all(|i| used[i] || h.ops[i].ret.is_none()) {
            return true;
        }
        for i in 0..n {
            if used[i] {
                continue;
            }
            // Every unused operation that responded before i was invoked must come first.
            let blocked = (0..n).any(|j| {
                !used[j] && j != i && h.ops[j].returned.is_some_and(|r| r < h.ops[i].invoked)
            });
            if blocked {
                continue;
            }
            let op = &h.ops[i];
            let saved = q.clone();
            let full = q.len() >= h.capacity;
            let ok = match (&op.call, &op.ret) {
                (Call::Put(v) | Call::TryPut(v), Some(Ret::Ok) | None) if !full => {
                    q.push_back(*v);
                    true
                }
                (Call::TryPut(_), Some(Ret::Full)) => full,
                (Call::Get | Call::TryGet, Some(Ret::Value(v))) => q.pop_front() == Some(*v),
                (Call::TryGet, Some(Ret::Empty)) => q.is_empty(),
                (Call::Get | Call::TryGet, None) => q.pop_front().is_some(),
                _ => false,
            };
            used[i] = true;
            if ok && go(h, used, q) {
                return true;
            }
            used[i] = false;
            *q = saved;
        }
        false
    }
    go(h, &mut vec![false; n], &mut VecDeque::new())
}

fn op_strategy() -> impl Strategy<Value = (Call<u8>, Option<Ret<u8>>)> {
    let v = 0u8..3;
    prop_oneof![
        v.clone().prop_map(|v| (Call::Put(v), Some(Ret::Ok))),
        (v.clone(), any::<bool>())
            .prop_map(|(v, ok)| (Call::TryPut(v), Some(if ok { Ret::Ok } else { Ret::Full }))),
        v.clone().prop_map(|v| (Call::Get, Some(Ret::Value(v)))),
        v.clone().prop_map(|v| (Call::TryGet, Some(Ret::Value(v)))),
        Just((Call::TryGet, Some(Ret::Empty))),
        v.prop_map(|v| (Call::Put(v), None)),
        Just((Call::Get, None)),
    ]
}

/// Up to 5 operations on 1–2 threads… any number of threads: each op gets an
/// interval from a random ordering of 2n time points.
fn history_strategy() -> impl Strategy<Value = History<u8>> {
    (
        1usize..=2,
        prop::collection::vec((op_strategy(), 0u64..10, 1u64..6), 1..=5),
    )
        .prop_map(|(capacity, ops)| History {
            capacity,
            ops: ops
                .into_iter()
                .enumerate()
                .map(|(i, ((call, ret), start, len))| Op {
                    thread: i,
                    returned: ret.as_ref().map(|_| start * 2 + len * 2 + 1),
                    call,
                    ret,
                    invoked: start * 2,
                })
                .collect(),
        })
}

proptest! {
    #![proptest_config(PropConfig {
        cases: 2000,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..PropConfig::default()
    })]

    #[test]
    fn wgl_search_agrees_with_brute_force_on_tiny_histories(h in history_strategy()) {
        prop_assert_eq!(lincheck::is_linearizable(&h), oracle(&h), "{}", h);
    }

    #[test]
    fn a_minimal_failing_history_still_fails_and_is_a_sub_history(h in history_strategy()) {
        if let Err(e) = lincheck::check(&h) {
            prop_assert!(!oracle(&e.minimal), "{}", e);
            prop_assert!(e.minimal.ops.iter().all(|o| h.ops.contains(o)));
            prop_assert!(e.minimal.ops.len() <= h.ops.len());
        }
    }
}

// ---- recorded histories ----------------------------------------------------------

/// Two threads mixing every operation on a queue of capacity 2; no schedule
/// can block forever (each thread puts before it gets).
fn scenario() -> (Vec<Call<u8>>, Vec<Vec<Call<u8>>>) {
    (
        vec![Call::Put(1)],
        vec![
            vec![Call::TryGet, Call::Put(2), Call::TryPut(3)],
            vec![Call::TryPut(4), Call::Get, Call::TryGet],
        ],
    )
}

/// [`scenario`] with two operations a thread, every kind of operation still
/// between them (2,186 shuttle-dfs schedules, not 79,196).
fn two_ops_each() -> (Vec<Call<u8>>, Vec<Vec<Call<u8>>>) {
    (
        vec![Call::Put(1)],
        vec![
            vec![Call::TryGet, Call::Put(2)],
            vec![Call::TryPut(3), Call::Get],
        ],
    )
}

/// The smallest scenario that can show a split `try_get`: two items, two
/// concurrent `try_get`s.
fn two_try_gets() -> (Vec<Call<u8>>, Vec<Vec<Call<u8>>>) {
    (
        vec![Call::Put(1), Call::Put(2)],
        vec![vec![Call::TryGet, Call::TryPut(3)], vec![Call::TryGet]],
    )
}

type Scenario = fn() -> (Vec<Call<u8>>, Vec<Vec<Call<u8>>>);
type Found = Arc<Mutex<Option<NotLinearizable<u8>>>>;

fn explore<Q: FifoQueue<u8> + lincheck::Capacity + 'static>(
    config: &Config,
    make: fn() -> Q,
    scenario: Scenario,
) -> (racetrace::Report, Found) {
    let found: Found = Arc::new(Mutex::new(None));
    let f2 = found.clone();
    let r = racetrace::explore_outcomes(
        config,
        "lincheck",
        move || {
            let (setup, threads) = scenario();
            let h = lincheck::run_scenario(make(), &setup, &threads);
            if lincheck::is_linearizable(&h) {
                return "linearizable".into();
            }
            // Shrink the first failing history only: shrinking runs the search many times.
            let mut f = f2.lock().unwrap();
            if f.is_none() {
                *f = lincheck::check(&h).err();
            }
            "not linearizable".into()
        },
        |o| o == "linearizable",
    );
    (r, found)
}

fn queue() -> Queue<u8> {
    Queue::bounded(2)
}

fn split() -> SplitTryGetQueue<u8> {
    SplitTryGetQueue::bounded(2)
}

#[test]
fn queue_histories_are_linearizable_in_every_shuttle_dfs_schedule() {
    // The three-operation threads (79,196 schedules, seconds) with
    // RACETRACE_FULL=1.
    let scenarios: &[Scenario] = full::quick_or_full(
        &[two_ops_each, two_try_gets],
        &[scenario, two_ops_each, two_try_gets],
    );
    for &s in scenarios {
        let (r, _) = explore(&Config::new(Backend::ShuttleDfs), queue, s);
        assert!(r.complete, "{}", r.render_table());
        assert_eq!(r.outcome_set(), ["linearizable"], "{}", r.render_table());
    }
}

#[test]
fn queue_histories_from_real_threads_are_linearizable() {
    let (r, _) = explore(
        &Config::new(Backend::Real).with_max_schedules(300),
        queue,
        scenario,
    );
    assert_eq!(r.schedules, 300);
    assert_eq!(r.outcome_set(), ["linearizable"], "{}", r.render_table());
}

#[test]
fn split_try_get_is_caught_with_a_minimal_history_under_shuttle_dfs() {
    let (r, found) = explore(&Config::new(Backend::ShuttleDfs), split, two_try_gets);
    assert!(r.complete);
    assert!(r.row("not linearizable").is_some(), "{}", r.render_table());
    assert!(r.row("linearizable").is_some());
    let e = found.lock().unwrap().clone().expect("a failing history");
    let m = &e.minimal;
    assert!(!oracle(m), "{e}");
    // Minimal: without all operations on any one of its values, the
    // oracle finds it linearizable.
    let mut values: Vec<u8> = Vec::new();
    for o in &m.ops {
        let v = match (&o.call, &o.ret) {
            (Call::Put(v) | Call::TryPut(v), _) | (_, Some(Ret::Value(v))) => *v,
            _ => continue,
        };
        if !values.contains(&v) {
            values.push(v);
        }
    }
    for v in values {
        let mut t = m.clone();
        t.ops.retain(|o| {
            !matches!((&o.call, &o.ret), (Call::Put(x) | Call::TryPut(x), _) | (_, Some(Ret::Value(x))) if *x == v)
        });
        assert!(oracle(&t), "still failing without value {v}:\n{t}");
    }
    assert!(m.ops.len() < e.total_ops, "{e}");
}

#[test]
fn split_try_get_is_caught_by_shuttle_pct() {
    let (r, _) = explore(
        &Config::new(Backend::ShuttlePct)
            .with_max_schedules(2000)
            .with_seed(1),
        split,
        scenario,
    );
    assert!(r.row("not linearizable").is_some(), "{}", r.render_table());
}
