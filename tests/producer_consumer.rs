//! producer-consumer: outcome sets against an independent oracle, the queue
//! and channel against a `VecDeque` model (proptest), and real-thread runs
//! with proptest-chosen parameters.

#[path = "common/full.rs"]
mod full;

/// Exploration allocates at every step: mimalloc, as the racetrace binary
/// uses (see docs/performance.md), keeps this long test binary quick.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, FileFailurePersistence};
use racetrace::traced::sync::{Channel, Empty, Queue, TaskDoneError};
use racetrace::{Backend, Config, Report};
use racetrace_patterns::{self as patterns, Params};
use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::time::Duration;

// ---- the oracle ---------------------------------------------------------------

/// How the model's consumers and main behave.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Model {
    /// get until the sentinel; main joins producers, sends Q sentinels.
    Sentinels,
    /// as Sentinels, with task_done per get and main's queue join first.
    TaskDone,
    /// consumers loop `while !empty() { get }`.
    CheckThenGet,
    /// main sends Q − 1 sentinels.
    MissingSentinel,
    /// TaskDone, but an item numbered 0 skips task_done.
    MissingTaskDone,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum M {
    Item(usize, usize),
    Stop,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct St {
    q: VecDeque<M>,
    unfinished: usize,
    /// Per thread: program counter; `usize::MAX` once exited.
    pc: Vec<usize>,
    seen: Vec<Vec<(usize, usize)>>,
}

const DONE: usize = usize::MAX;

/// Every outcome of the model, by brute force over all interleavings of
/// atomic queue operations (a blocked operation is not enabled; nothing
/// enabled with a thread unfinished is a deadlock). Knows nothing of
/// racetrace: threads are 0 = main, 1..=P producers, then consumers.
fn oracle(model: Model, p: usize, q: usize, k: usize, cap: usize) -> BTreeSet<String> {
    let n = 1 + p + q;
    let start = St {
        q: VecDeque::new(),
        unfinished: 0,
        pc: vec![0; n],
        seen: vec![Vec::new(); n],
    };
    let mut out = BTreeSet::new();
    let mut visited = HashSet::new();
    let mut stack = vec![start];
    while let Some(s) = stack.pop() {
        if !visited.insert(s.clone()) {
            continue;
        }
        let mut moved = false;
        for t in 0..n {
            if let Some(next) = step(model, p, q, k, cap, &s, t) {
                moved = true;
                stack.push(next);
            }
        }
        if !moved {
            if s.pc.iter().all(|&c| c == DONE) {
                out.insert(summary(p, k, &s.seen[1 + p..]));
            } else {
                out.insert("deadlock".into());
            }
        }
    }
    out
}

fn step(model: Model, p: usize, q: usize, k: usize, cap: usize, s: &St, t: usize) -> Option<St> {
    let pc = s.pc[t];
    if pc == DONE {
        return None;
    }
    let mut n = s.clone();
    let put = |n: &mut St, m: M| -> bool {
        if n.q.len() >= cap {
            return false;
        }
        n.q.push_back(m);
        n.unfinished += 1;
        true
    };
    let td = matches!(model, Model::TaskDone | Model::MissingTaskDone);
    if t == 0 {
        // main: 0 = join producers, 1 = queue join (task-done models), then sentinels, then join consumers
        let sentinels = if model == Model::MissingSentinel {
            q - 1
        } else {
            q
        };
        match pc {
            0 => {
                if (1..=p).any(|c| s.pc[c] != DONE) {
                    return None;
                }
                n.pc[0] = 1;
            }
            1 => {
                if td && s.unfinished > 0 {
                    return None;
                }
                n.pc[0] = 2;
            }
            c if c < 2 + sentinels => {
                if !put(&mut n, M::Stop) {
                    return None;
                }
                n.pc[0] += 1;
            }
            _ => {
                if (p + 1..1 + p + q).any(|c| s.pc[c] != DONE) {
                    return None;
                }
                n.pc[0] = DONE;
            }
        }
    } else if t <= p {
        if !put(&mut n, M::Item(t - 1, pc)) {
            return None;
        }
        n.pc[t] = if pc + 1 == k { DONE } else { pc + 1 };
    } else if model == Model::CheckThenGet {
        // pc 0: check empty(); pc 1: blocking get
        if pc == 0 {
            n.pc[t] = if s.q.is_empty() { DONE } else { 1 };
        } else {
            let m = n.q.pop_front()?;
            match m {
                M::Stop => n.pc[t] = DONE,
                M::Item(a, b) => {
                    n.seen[t].push((a, b));
                    n.pc[t] = 0;
                }
            }
        }
    } else {
        let m = n.q.pop_front()?;
        let skip = model == Model::MissingTaskDone && matches!(m, M::Item(_, 0));
        if td && !skip {
            n.unfinished -= 1;
        }
        match m {
            M::Stop => n.pc[t] = DONE,
            M::Item(a, b) => n.seen[t].push((a, b)),
        }
    }
    Some(n)
}

/// The spec, written again: lost / duplicated / out of order.
fn summary(p: usize, k: usize, seen: &[Vec<(usize, usize)>]) -> String {
    let mut count: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for c in seen {
        for &x in c {
            *count.entry(x).or_default() += 1;
        }
    }
    let mut parts = Vec::new();
    let lost: Vec<String> = (0..p)
        .flat_map(|a| (0..k).map(move |b| (a, b)))
        .filter(|x| !count.contains_key(x))
        .map(|(a, b)| format!("({a},{b})"))
        .collect();
    if !lost.is_empty() {
        parts.push(format!("lost {}", lost.join(" ")));
    }
    let dup: Vec<String> = count
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|((a, b), _)| format!("({a},{b})"))
        .collect();
    if !dup.is_empty() {
        parts.push(format!("duplicated {}", dup.join(" ")));
    }
    if seen
        .iter()
        .any(|c| c.windows(2).any(|w| w[0].0 == w[1].0 && w[0].1 >= w[1].1))
    {
        parts.push("out of order".into());
    }
    if parts.is_empty() {
        "ok".into()
    } else {
        parts.join(", ")
    }
}

fn explore(variant: &str, given: &[(&str, usize)], config: &Config) -> Report {
    let p = patterns::find("producer-consumer").unwrap();
    let given: Vec<(String, usize)> = given.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let params = p.params(&given).unwrap();
    patterns::explore(p, p.variant(variant).unwrap(), &params, config).unwrap()
}

fn outcomes(r: &Report) -> BTreeSet<String> {
    r.outcomes.iter().map(|o| o.outcome.clone()).collect()
}

fn loom() -> Config {
    Config::new(Backend::Loom).with_preemption_bound(2)
}

/// `config` stopped at its first violation, as `explore` stops, in the
/// everyday loop; the whole exploration (a second or two under loom) with
/// `RACETRACE_FULL=1`.
fn first_or_all(config: Config) -> Config {
    if full::full() {
        config
    } else {
        config.stop_at_first_violation()
    }
}

/// Default parameters: producers 1, consumers 2, items 2, capacity 1.
fn defaults(model: Model) -> BTreeSet<String> {
    oracle(model, 1, 2, 2, 1)
}

#[test]
fn the_oracle_finds_ok_only_for_the_correct_models_and_the_bugs_for_the_others() {
    // A sanity check of the oracle itself on the spec's examples.
    assert_eq!(defaults(Model::Sentinels), ["ok".to_string()].into());
    assert_eq!(
        defaults(Model::MissingSentinel),
        ["deadlock".to_string()].into()
    );
    assert!(defaults(Model::CheckThenGet).contains("deadlock"));
    assert_eq!(
        summary(2, 1, &[vec![(0, 0), (0, 0)]]),
        "lost (1,0), duplicated (0,0), out of order"
    );
}

fn dpor() -> Config {
    Config::new(Backend::Dpor)
}

#[test]
fn correct_variants_only_reach_ok_as_the_oracle_says() {
    // At the defaults (2 items per producer) with RACETRACE_FULL=1; one item
    // in the everyday loop (task-done-join's 63,000 dpor schedules at the
    // defaults take 4-10 s; tests/traces.rs explores them too).
    let items = full::quick_or_full(1, 2);
    for (v, m) in [
        ("condvar", Model::Sentinels),
        ("channel", Model::Sentinels),
        ("task-done-join", Model::TaskDone),
    ] {
        let want = oracle(m, 1, 2, items, 1);
        // Exhaustive: every schedule, not a bounded sample.
        let r = explore(v, &[("items", items)], &dpor());
        assert!(r.complete, "{v}");
        assert_eq!(outcomes(&r), want, "{v} under dpor\n{}", r.render_table());
        let r = explore(
            v,
            &[("items", items)],
            &Config::new(Backend::ShuttlePct).with_max_schedules(300),
        );
        assert_eq!(outcomes(&r), want, "{v} under shuttle-pct");
    }
}

#[test]
fn missing_sentinel_and_missing_task_done_deadlock_in_every_schedule() {
    for (v, m) in [
        ("missing-sentinel", Model::MissingSentinel),
        ("missing-task-done", Model::MissingTaskDone),
    ] {
        let want = defaults(m);
        assert_eq!(want, ["deadlock".to_string()].into(), "oracle for {v}");
        let r = explore(v, &[], &dpor());
        assert!(r.complete, "{v}");
        assert_eq!(outcomes(&r), want, "{v} under dpor");
        // loom to two preemptions (a second each) with RACETRACE_FULL=1,
        // to one in the everyday loop.
        for c in [
            Config::new(Backend::Loom).with_preemption_bound(full::quick_or_full(1, 2)),
            Config::new(Backend::ShuttleDfs).with_max_schedules(2000),
        ] {
            let r = explore(v, &[], &c);
            assert_eq!(outcomes(&r), want, "{v} under {}", c.backend);
        }
    }
}

#[test]
fn check_then_get_reaches_exactly_the_oracles_outcomes_under_loom_and_dpor() {
    for c in [loom(), dpor()] {
        let r = explore("check-then-get", &[], &c);
        assert_eq!(
            outcomes(&r),
            defaults(Model::CheckThenGet),
            "{}\n{}",
            c.backend,
            r.render_table()
        );
    }
}

#[test]
fn larger_queues_keep_the_correct_variants_correct() {
    // P=2, Q=1, K=2, C=2: two producers' items interleave in one consumer.
    let given = [
        ("producers", 2),
        ("consumers", 1),
        ("items", 2),
        ("capacity", 2),
    ];
    let want = oracle(Model::Sentinels, 2, 1, 2, 2);
    for v in ["condvar", "channel"] {
        let r = explore(
            v,
            &given,
            &Config::new(Backend::Loom).with_preemption_bound(1),
        );
        assert_eq!(outcomes(&r), want, "{v}");
    }
}

#[test]
fn a_stolen_wake_up_is_reachable_with_if_wait() {
    let r = explore("if-wait", &[], &first_or_all(loom()));
    let w = r.first_violation().expect("a violation");
    assert!(
        w.trace
            .outcome
            .starts_with("panic: woken, but the buffer is empty")
    );
    // The witness shows a consumer woken on `not_empty` after the other one emptied the buffer.
    assert!(w.trace.render().contains("woken not_empty"));
}

#[test]
fn shared_condvar_deadlock_report_names_the_condvar_every_thread_waits_on() {
    let r = explore("shared-condvar", &[], &first_or_all(loom()));
    let w = r
        .row("deadlock")
        .and_then(|o| o.witness.as_ref())
        .expect("deadlock");
    let d = w.trace.deadlock.as_ref().expect("wait-for report");
    assert!(
        d.blocked
            .iter()
            .any(|b| b.waits_for == "a notify on changed"),
        "{:?}",
        d
    );
}

// ---- the queue and the channel against VecDeque -----------------------------------

#[derive(Clone, Debug)]
enum QOp {
    TryPut(u8),
    TryGet,
    Put(u8),
    Get,
    TaskDone,
    Len,
}

fn qop() -> impl Strategy<Value = QOp> {
    prop_oneof![
        any::<u8>().prop_map(QOp::TryPut),
        Just(QOp::TryGet),
        any::<u8>().prop_map(QOp::Put),
        Just(QOp::Get),
        Just(QOp::TaskDone),
        Just(QOp::Len),
    ]
}

proptest! {
    #![proptest_config(PropConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..PropConfig::default()
    })]

    /// Single-threaded: blocking operations are only issued when the model
    /// says they will not block.
    #[test]
    fn queue_behaves_like_a_bounded_vecdeque(cap in 1usize..5, ops in prop::collection::vec(qop(), 0..60)) {
        let q = Queue::bounded(cap);
        let mut model: VecDeque<u8> = VecDeque::new();
        let mut unfinished = 0usize;
        for op in ops {
            match op {
                QOp::TryPut(v) => {
                    let r = q.try_put(v);
                    if model.len() < cap {
                        prop_assert!(r.is_ok());
                        model.push_back(v);
                        unfinished += 1;
                    } else {
                        prop_assert_eq!(r.unwrap_err().0, v);
                    }
                }
                QOp::TryGet => prop_assert_eq!(q.try_get().ok(), model.pop_front()),
                QOp::Put(v) if model.len() < cap => {
                    q.put(v);
                    model.push_back(v);
                    unfinished += 1;
                }
                QOp::Get if !model.is_empty() => prop_assert_eq!(Some(q.get()), model.pop_front()),
                QOp::TaskDone => {
                    let r = q.task_done();
                    if unfinished > 0 {
                        prop_assert_eq!(r, Ok(()));
                        unfinished -= 1;
                    } else {
                        prop_assert_eq!(r, Err(TaskDoneError));
                    }
                }
                QOp::Len => {
                    prop_assert_eq!(q.len(), model.len());
                    prop_assert_eq!(q.is_empty(), model.is_empty());
                    prop_assert_eq!(q.is_full(), model.len() == cap);
                }
                _ => {}
            }
            if unfinished == 0 {
                q.join(); // returns at once
            }
        }
    }

    #[test]
    fn channel_behaves_like_a_bounded_vecdeque(cap in 1usize..5, ops in prop::collection::vec(qop(), 0..60)) {
        let c = Channel::bounded(cap);
        let mut model: VecDeque<u8> = VecDeque::new();
        for op in ops {
            match op {
                QOp::TryPut(v) => {
                    let r = c.try_send(v);
                    prop_assert_eq!(r.is_ok(), model.len() < cap);
                    if r.is_ok() {
                        model.push_back(v);
                    }
                }
                QOp::TryGet => {
                    let want = model.pop_front().ok_or(Empty);
                    prop_assert_eq!(c.try_recv(), want);
                }
                QOp::Put(v) if model.len() < cap => {
                    c.send(v);
                    model.push_back(v);
                }
                QOp::Get if !model.is_empty() => prop_assert_eq!(Some(c.recv()), model.pop_front()),
                QOp::Len => prop_assert_eq!(c.len(), model.len()),
                _ => {}
            }
        }
    }
}

proptest! {
    #![proptest_config(PropConfig {
        cases: 12,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..PropConfig::default()
    })]

    /// Real threads, bounded in time: 20 runs per case, each given 5 s
    /// before it counts as hung.
    #[test]
    fn correct_variants_meet_the_spec_on_real_threads(
        p in 1usize..=3, q in 1usize..=3, k in 1usize..=4, cap in 1usize..=3,
        v in prop::sample::select(vec!["condvar", "channel", "task-done-join"]),
    ) {
        let pat = patterns::find("producer-consumer").unwrap();
        let params: Params = pat
            .params(&[("producers".into(), p), ("consumers".into(), q), ("items".into(), k), ("capacity".into(), cap)])
            .unwrap();
        let mut c = Config::new(Backend::Real).with_max_schedules(20);
        c.real_timeout = Duration::from_secs(5);
        let r = patterns::explore(pat, pat.variant(v).unwrap(), &params, &c).unwrap();
        prop_assert_eq!(r.schedules, 20);
        prop_assert_eq!(outcomes(&r), BTreeSet::from(["ok".to_string()]), "{}", r.render_table());
    }
}
