//! `producer-consumer` — the tutorials' canonical pattern: producers `put` numbered items into a
//! bounded `queue.Queue`, consumers `get` until a `None` sentinel; main joins the producers, sends
//! one sentinel per consumer, joins the consumers. Property: every item consumed exactly once, in
//! order per producer, every thread ends. Variants: `condvar`, `channel`, `task-done-join` (hold);
//! `if-wait` (bug: stolen wake-up), `shared-condvar`, `check-then-get`, `missing-sentinel`,
//! `missing-task-done` (bug: deadlock).

use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::traced::sync::{Arc, Channel, Condvar, Mutex, Queue};
use racetrace::traced::thread::{self, JoinHandle};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "producers",
        default: 1,
        min: 1,
        max: 8,
        help: "producer threads",
    },
    ParamSpec {
        name: "consumers",
        default: 2,
        min: 1,
        max: 8,
        help: "consumer threads",
    },
    ParamSpec {
        name: "items",
        default: 2,
        min: 1,
        max: 100,
        help: "items put by each producer",
    },
    ParamSpec {
        name: "capacity",
        default: 1,
        min: 1,
        max: 100,
        help: "queue capacity",
    },
];

/// What travels through the queue: an item `(producer, i)` or Python's `None`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Msg {
    Item(usize, usize),
    Stop,
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Item(p, i) => write!(f, "({p},{i})"),
            Msg::Stop => f.write_str("stop"),
        }
    }
}

const HOLDS: Spec = Spec {
    property: "every item consumed once, in order per producer; every thread ends",
    expect: Expect::Holds,
    allowed: |_, o| o == "ok",
    explain,
};

const fn bug(name: &'static str) -> Spec {
    Spec {
        expect: Expect::Bug(name),
        ..HOLDS
    }
}

/// Four threads around a condvar queue: dpor verifies every variant
/// exhaustively at the defaults (task-done-join, the largest, in about
/// 63,000 schedules); loom and shuttle's DFS do not finish there (loom: over
/// 250,000 executions in 60 s), so DFS only cross-checks a sample, and loom
/// within 2 preemptions gives a second opinion on the bugs (a check stops at
/// the first violation, so that costs little).
const PREEMPTIONS: usize = 2;
const DFS_SCHEDULES: u64 = 5000;

const CORRECT: &[Job] = &[
    Job::on(Backend::Dpor),
    Job::sampled(Backend::ShuttleDfs, DFS_SCHEDULES),
    Job::sampled(Backend::ShuttlePct, 1000),
    Job::sampled(Backend::Real, 200),
];

const BUGGY: &[Job] = &[
    Job::on(Backend::Dpor),
    Job::on(Backend::Loom).with_preemption_bound(PREEMPTIONS),
    Job::sampled(Backend::ShuttleDfs, DFS_SCHEDULES),
    Job::sampled(Backend::ShuttlePct, 1000),
    Job::informational(Backend::Real, 200),
];

/// For bugs DFS does not reach within its bound (it varies the last
/// decisions first; these bugs need an early one): shown, not required.
const BUGGY_DEEP: &[Job] = &[
    Job::on(Backend::Dpor),
    Job::on(Backend::Loom).with_preemption_bound(PREEMPTIONS),
    Job::informational(Backend::ShuttleDfs, DFS_SCHEDULES),
    Job::sampled(Backend::ShuttlePct, 1000),
    Job::informational(Backend::Real, 200),
];

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "producer-consumer",
    summary: "producers and consumers share a bounded queue; sentinels stop the consumers",
    python: "q = queue.Queue(C); P producers q.put((p, i)) for i in range(K); Q consumers loop on q.get() until None; main joins producers, puts Q × None, joins consumers",
    params: PARAMS,
    threads: |p| p.get("producers") + p.get("consumers") + 1,
    variants: &[
        Variant {
            name: "condvar",
            summary: "Mutex<VecDeque> with not_full and not_empty condvars, waits in `while` loops",
            spec: HOLDS,
            run: condvar,
            jobs: CORRECT,
        },
        Variant {
            name: "channel",
            summary: "racetrace's bounded Channel (crossbeam on real threads, modelled under loom and shuttle)",
            spec: HOLDS,
            run: channel,
            jobs: CORRECT,
        },
        Variant {
            name: "task-done-join",
            summary: "sync::Queue; consumers call task_done, main calls join() before the sentinels",
            spec: HOLDS,
            run: task_done_join,
            jobs: CORRECT,
        },
        Variant {
            name: "if-wait",
            summary: "`if` instead of `while` around the wait",
            spec: bug("stolen wake-up"),
            run: if_wait,
            jobs: BUGGY_DEEP,
        },
        Variant {
            name: "shared-condvar",
            summary: "one condvar for not-full and not-empty, notify_one",
            spec: bug("deadlock: wrong waiter woken"),
            run: shared_condvar,
            jobs: BUGGY_DEEP,
        },
        Variant {
            name: "check-then-get",
            summary: "consumers loop `while not q.empty(): q.get()`",
            spec: bug("check-then-act on empty()"),
            run: check_then_get,
            jobs: BUGGY_DEEP,
        },
        Variant {
            name: "missing-sentinel",
            summary: "main sends one sentinel fewer than there are consumers",
            spec: bug("deadlock: a consumer waits forever"),
            run: missing_sentinel,
            jobs: BUGGY,
        },
        Variant {
            name: "missing-task-done",
            summary: "one path of the consumer skips task_done",
            spec: bug("deadlock: join() never returns"),
            run: missing_task_done,
            jobs: BUGGY,
        },
    ],
};

// ---- the hand-written bounded buffer ----------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Wait {
    While,
    If,
    Shared,
}

/// The textbook bounded buffer; `wait` chooses the correct version or a bug.
struct Buffer {
    items: Mutex<VecDeque<Msg>>,
    not_full: Condvar,
    not_empty: Condvar,
    capacity: usize,
    wait: Wait,
}

impl Buffer {
    fn new(capacity: usize, wait: Wait) -> Buffer {
        let (not_full, not_empty) = match wait {
            Wait::Shared => (Condvar::new().named("changed"), Condvar::new()),
            _ => (
                Condvar::new().named("not_full"),
                Condvar::new().named("not_empty"),
            ),
        };
        Buffer {
            items: Mutex::new(VecDeque::new()).named("buffer"),
            not_full,
            not_empty,
            capacity,
            wait,
        }
    }

    /// The condvar a putter waits on and a getter notifies, and vice versa.
    fn cvs(&self) -> (&Condvar, &Condvar) {
        match self.wait {
            Wait::Shared => (&self.not_full, &self.not_full),
            _ => (&self.not_full, &self.not_empty),
        }
    }

    fn put(&self, m: Msg) {
        let (not_full, not_empty) = self.cvs();
        let mut q = self.items.lock();
        if self.wait == Wait::If {
            if q.len() >= self.capacity {
                q = not_full.wait(q);
            }
        } else {
            while q.len() >= self.capacity {
                q = not_full.wait(q);
            }
        }
        q.push_back(m);
        not_empty.notify_one();
    }

    /// `None` when the buffer is empty after the wait (only with `if`).
    fn get(&self) -> Option<Msg> {
        let (not_full, not_empty) = self.cvs();
        let mut q = self.items.lock();
        if self.wait == Wait::If {
            if q.is_empty() {
                q = not_empty.wait(q);
            }
        } else {
            while q.is_empty() {
                q = not_empty.wait(q);
            }
        }
        let m = q.pop_front();
        not_full.notify_one();
        m
    }
}

// ---- the program -------------------------------------------------------------

type Consumed = Vec<(usize, usize)>;

/// Spawn the producers and consumers, let `main` finish the run (joins,
/// sentinels), and summarise what the consumers received.
fn run<Q: Send + Sync + 'static>(
    p: &Params,
    q: Q,
    put: fn(&Q, Msg),
    consume: fn(&Q) -> Consumed,
    main: fn(&Q, &Params, Vec<JoinHandle<()>>),
) -> String {
    let q = Arc::new(q);
    let items = p.get("items");
    let producers: Vec<_> = (0..p.get("producers"))
        .map(|id| {
            let q = q.clone();
            thread::spawn(move || (0..items).for_each(|i| put(&q, Msg::Item(id, i))))
        })
        .collect();
    let consumers: Vec<_> = (0..p.get("consumers"))
        .map(|_| {
            let q = q.clone();
            thread::spawn(move || consume(&q))
        })
        .collect();
    main(&q, p, producers);
    let seen: Vec<Consumed> = consumers
        .into_iter()
        .map(|c| c.join().expect("consumer failed"))
        .collect();
    summarise(p, &seen)
}

/// The Python idiom: join the producers, then one sentinel per consumer.
fn join_then_stop<Q>(q: &Q, producers: Vec<JoinHandle<()>>, put: fn(&Q, Msg), sentinels: usize) {
    for h in producers {
        h.join().expect("producer failed");
    }
    (0..sentinels).for_each(|_| put(q, Msg::Stop));
}

fn until_stop(get: impl Fn() -> Msg) -> Consumed {
    let mut seen = Vec::new();
    while let Msg::Item(p, i) = get() {
        seen.push((p, i));
    }
    seen
}

fn buffer(p: &Params, wait: Wait) -> String {
    run(
        p,
        Buffer::new(p.get("capacity"), wait),
        Buffer::put,
        // Woken, so there must be an item: the `if` version is wrong about that.
        |b| until_stop(|| b.get().expect("woken, but the buffer is empty")),
        |b, p, hs| join_then_stop(b, hs, Buffer::put, p.get("consumers")),
    )
}

fn condvar(p: &Params) -> String {
    buffer(p, Wait::While)
}

fn if_wait(p: &Params) -> String {
    buffer(p, Wait::If)
}

fn shared_condvar(p: &Params) -> String {
    buffer(p, Wait::Shared)
}

fn channel(p: &Params) -> String {
    run(
        p,
        Channel::bounded(p.get("capacity")).named("ch"),
        Channel::send,
        |c| until_stop(|| c.recv()),
        |c, p, hs| join_then_stop(c, hs, Channel::send, p.get("consumers")),
    )
}

fn queue(p: &Params) -> Queue<Msg> {
    Queue::bounded(p.get("capacity")).named("q")
}

fn task_done_join(p: &Params) -> String {
    run(
        p,
        queue(p),
        Queue::put,
        |q| {
            let mut seen = Vec::new();
            loop {
                let m = q.get();
                q.task_done().expect("one task_done per get");
                match m {
                    Msg::Item(p, i) => seen.push((p, i)),
                    Msg::Stop => return seen,
                }
            }
        },
        |q, p, hs| {
            for h in hs {
                h.join().expect("producer failed");
            }
            q.join(); // every item processed
            (0..p.get("consumers")).for_each(|_| q.put(Msg::Stop));
        },
    )
}

fn check_then_get(p: &Params) -> String {
    run(
        p,
        queue(p),
        Queue::put,
        |q| {
            let mut seen = Vec::new();
            // "Only get when there is something to get."
            while !q.is_empty() {
                match q.get() {
                    Msg::Item(p, i) => seen.push((p, i)),
                    Msg::Stop => break,
                }
            }
            seen
        },
        |q, p, hs| join_then_stop(q, hs, Queue::put, p.get("consumers")),
    )
}

fn missing_sentinel(p: &Params) -> String {
    run(
        p,
        queue(p),
        Queue::put,
        |q| until_stop(|| q.get()),
        |q, p, hs| join_then_stop(q, hs, Queue::put, p.get("consumers") - 1),
    )
}

fn missing_task_done(p: &Params) -> String {
    run(
        p,
        queue(p),
        Queue::put,
        |q| {
            let mut seen = Vec::new();
            loop {
                match q.get() {
                    Msg::Stop => return seen,
                    Msg::Item(p, i) => {
                        seen.push((p, i));
                        if i == 0 {
                            // A producer's first item only opens its batch:
                            // nothing to process, so on to the next one…
                            continue; // …skipping task_done
                        }
                    }
                }
                q.task_done().expect("one task_done per get");
            }
        },
        |q, p, hs| {
            for h in hs {
                h.join().expect("producer failed");
            }
            q.join();
            (0..p.get("consumers")).for_each(|_| q.put(Msg::Stop));
        },
    )
}

// ---- the spec ----------------------------------------------------------------

/// `ok`, or what went wrong: `lost (1,0)`, `duplicated (0,1)`, `out of order`.
pub(crate) fn summarise(p: &Params, seen: &[Consumed]) -> String {
    let mut count: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for c in seen {
        for &it in c {
            *count.entry(it).or_default() += 1;
        }
    }
    let all = (0..p.get("producers")).flat_map(|p2| (0..p.get("items")).map(move |i| (p2, i)));
    let lost: Vec<String> = all
        .filter(|it| !count.contains_key(it))
        .map(|(a, b)| format!("({a},{b})"))
        .collect();
    let dup: Vec<String> = count
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|((a, b), _)| format!("({a},{b})"))
        .collect();
    let disordered = seen.iter().any(|c| {
        let mut last: BTreeMap<usize, usize> = BTreeMap::new();
        c.iter()
            .any(|&(p, i)| last.insert(p, i).is_some_and(|prev| prev >= i))
    });
    let mut parts = Vec::new();
    if !lost.is_empty() {
        parts.push(format!("lost {}", lost.join(" ")));
    }
    if !dup.is_empty() {
        parts.push(format!("duplicated {}", dup.join(" ")));
    }
    if disordered {
        parts.push("out of order".to_string());
    }
    if parts.is_empty() {
        "ok".into()
    } else {
        parts.join(", ")
    }
}

fn explain(_: &Params, o: &str) -> String {
    match o {
        "ok" => "every item consumed exactly once, in order".into(),
        "deadlock" => "deadlock: every unfinished thread waits".into(),
        o if o.starts_with("panic") => "a thread failed".into(),
        o if o.starts_with("lost")
            || o.starts_with("duplicated")
            || o.starts_with("out of order") =>
        {
            format!("{o}: not every item consumed exactly once, in order")
        }
        _ => "the program failed".into(),
    }
}
