//! Linearizability of FIFO queues, as lincheck checks JVM data structures.
//!
//! A [`Recorder`] logs the concurrent *history* of queue operations — each
//! call's invocation and response, with its result — in real runs and under
//! the model checkers. [`check`] decides whether the history is linearizable:
//! whether each operation can be given one instant between its invocation and
//! its response such that, in that order, the results are those of a
//! sequential bounded FIFO queue. The search is Wing & Gong's, with the
//! memoisation of Lowe ("Testing for linearizability", 2017): a set of
//! operations already linearized and the queue contents they leave is never
//! explored twice. A failure comes back with a *minimal* failing history
//! ([`NotLinearizable`]).
//!
//! A deliberately broken queue to try it on lives with the built-in
//! patterns (`racetrace_patterns::fixtures::SplitTryGetQueue`).

use crate::traced::sync::{Arc, Empty, Full, Queue};
use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::hash::Hash;

/// A queue operation as invoked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Call<V> {
    /// Blocking `put(v)`.
    Put(V),
    /// `try_put(v)` (Python's `put_nowait`).
    TryPut(V),
    /// Blocking `get()`.
    Get,
    /// `try_get()` (Python's `get_nowait`).
    TryGet,
}

/// What an operation returned.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ret<V> {
    /// A put or try_put that succeeded.
    Ok,
    /// A try_put on a full queue.
    Full,
    /// A get or try_get that returned a value.
    Value(V),
    /// A try_get on an empty queue.
    Empty,
}

/// One operation of a history: who, what, when, and with what result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op<V> {
    /// The thread that made it (0 is `main`).
    pub thread: usize,
    /// The call.
    pub call: Call<V>,
    /// Its result; `None` while pending (the thread never got a response).
    pub ret: Option<Ret<V>>,
    /// Logical time of the invocation.
    pub invoked: u64,
    /// Logical time of the response; `None` while pending.
    pub returned: Option<u64>,
}

/// A concurrent history of one queue, in invocation order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History<V> {
    /// The queue's capacity.
    pub capacity: usize,
    /// The operations.
    pub ops: Vec<Op<V>>,
}

impl<V: fmt::Debug> fmt::Display for History<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "capacity {}", self.capacity)?;
        for op in &self.ops {
            let call = match &op.call {
                Call::Put(v) => format!("put({v:?})"),
                Call::TryPut(v) => format!("try_put({v:?})"),
                Call::Get => "get()".to_string(),
                Call::TryGet => "try_get()".to_string(),
            };
            let ret = match &op.ret {
                None => "pending".to_string(),
                Some(Ret::Ok) => "ok".to_string(),
                Some(Ret::Full) => "Full".to_string(),
                Some(Ret::Empty) => "Empty".to_string(),
                Some(Ret::Value(v)) => format!("{v:?}"),
            };
            let until = op.returned.map_or("…".to_string(), |t| t.to_string());
            let who = if op.thread == 0 {
                "main".to_string()
            } else {
                format!("t{}", op.thread)
            };
            writeln!(
                f,
                "  {who:<4} [{:>3}, {until:>3}]  {call} → {ret}",
                op.invoked
            )?;
        }
        Ok(())
    }
}

/// A history no sequential FIFO queue explains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotLinearizable<V> {
    /// A minimal sub-history that is still not linearizable: dropping any
    /// one of its `Empty` or `Full` operations, or (when none returned
    /// `Full`) every operation on one value, makes it linearizable.
    pub minimal: History<V>,
    /// Operations in the whole history.
    pub total_ops: usize,
}

impl<V: fmt::Debug> fmt::Display for NotLinearizable<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "not linearizable; a minimal failing history ({} of {} operations):",
            self.minimal.ops.len(),
            self.total_ops
        )?;
        write!(f, "{}", self.minimal)
    }
}

impl<V: fmt::Debug> std::error::Error for NotLinearizable<V> {}

/// Is `history` linearizable with respect to a FIFO queue of its capacity?
pub fn is_linearizable<V: Clone + Eq + Hash>(history: &History<V>) -> bool {
    Search::new(history).run()
}

/// Check `history`; on failure, shrink it to a minimal failing history.
pub fn check<V: Clone + Eq + Hash>(history: &History<V>) -> Result<(), NotLinearizable<V>> {
    if is_linearizable(history) {
        return Ok(());
    }
    Err(NotLinearizable {
        minimal: minimise(history),
        total_ops: history.ops.len(),
    })
}

/// The value an operation carries (put) or returned (get), if any.
fn value<V>(op: &Op<V>) -> Option<&V> {
    match (&op.call, &op.ret) {
        (Call::Put(v) | Call::TryPut(v), _) => Some(v),
        (_, Some(Ret::Value(v))) => Some(v),
        _ => None,
    }
}

/// Greedy shrinking. Two kinds of removal keep a linearizable history
/// linearizable, so a failure that survives them is a failure of the
/// original: dropping an operation that changed nothing (`Empty`, `Full`),
/// and — while no `try_put` returned `Full`, which a shorter
/// queue would contradict — dropping every operation on one value.
fn minimise<V: Clone + Eq + Hash>(history: &History<V>) -> History<V> {
    let mut h = history.clone();
    loop {
        let mut shrunk = false;
        let mut i = 0;
        while i < h.ops.len() {
            if matches!(h.ops[i].ret, Some(Ret::Full | Ret::Empty)) {
                let mut t = h.clone();
                t.ops.remove(i);
                if !is_linearizable(&t) {
                    h = t;
                    shrunk = true;
                    continue;
                }
            }
            i += 1;
        }
        let no_full = !h.ops.iter().any(|o| o.ret == Some(Ret::Full));
        if no_full {
            let mut values: Vec<V> = Vec::new();
            for op in &h.ops {
                if let Some(v) = value(op)
                    && !values.contains(v)
                {
                    values.push(v.clone());
                }
            }
            for v in values {
                let mut t = h.clone();
                t.ops.retain(|o| value(o) != Some(&v));
                if !is_linearizable(&t) {
                    h = t;
                    shrunk = true;
                }
            }
        }
        if !shrunk {
            return h;
        }
    }
}

struct Search<'a, V> {
    h: &'a History<V>,
    seen: HashSet<(Vec<u64>, VecDeque<V>)>,
}

impl<'a, V: Clone + Eq + Hash> Search<'a, V> {
    fn new(h: &'a History<V>) -> Self {
        Search {
            h,
            seen: HashSet::new(),
        }
    }

    fn run(&mut self) -> bool {
        let words = self.h.ops.len().div_ceil(64);
        self.go(&mut vec![0; words], VecDeque::new())
    }

    fn done(bits: &[u64], i: usize) -> bool {
        bits[i / 64] & (1 << (i % 64)) != 0
    }

    fn go(&mut self, bits: &mut Vec<u64>, state: VecDeque<V>) -> bool {
        let ops = &self.h.ops;
        // The earliest response among the completed operations still to place:
        // only operations invoked before it can come next.
        let horizon = (0..ops.len())
            .filter(|&i| !Self::done(bits, i))
            .filter_map(|i| ops[i].returned)
            .min();
        let Some(horizon) = horizon else {
            return true; // every completed operation is placed
        };
        if !self.seen.insert((bits.clone(), state.clone())) {
            return false;
        }
        for i in 0..ops.len() {
            if Self::done(bits, i) || ops[i].invoked >= horizon {
                continue;
            }
            for next in successors(&state, self.h.capacity, &ops[i]) {
                bits[i / 64] |= 1 << (i % 64);
                let ok = self.go(bits, next);
                bits[i / 64] &= !(1 << (i % 64));
                if ok {
                    return true;
                }
            }
        }
        false
    }
}

/// The queue contents after `op` takes effect on `state`, for every way it
/// can (none when its result contradicts the state). A pending operation may
/// take effect with any result.
fn successors<V: Clone + Eq>(state: &VecDeque<V>, capacity: usize, op: &Op<V>) -> Vec<VecDeque<V>> {
    let room = state.len() < capacity;
    let push = |v: &V| {
        let mut s = state.clone();
        s.push_back(v.clone());
        s
    };
    let pop = || {
        let mut s = state.clone();
        s.pop_front();
        s
    };
    match (&op.call, &op.ret) {
        (Call::Put(v) | Call::TryPut(v), Some(Ret::Ok) | None) if room => vec![push(v)],
        (Call::TryPut(_), Some(Ret::Full)) if !room => vec![state.clone()],
        (Call::Get | Call::TryGet, Some(Ret::Value(v))) if state.front() == Some(v) => {
            vec![pop()]
        }
        (Call::TryGet, Some(Ret::Empty)) if state.is_empty() => vec![state.clone()],
        (Call::Get | Call::TryGet, None) if !state.is_empty() => vec![pop()],
        _ => Vec::new(),
    }
}

// ---- recording ---------------------------------------------------------------

/// Records a history. The log is a plain `std` mutex, not a racetrace
/// primitive: recording adds no scheduling point and no trace event. An
/// invocation is logged just before the call and the response just after it
/// returns, so logical time respects real time.
#[derive(Debug)]
pub struct Recorder<V> {
    log: std::sync::Mutex<(u64, Vec<Op<V>>)>,
    capacity: usize,
}

impl<V: Clone> Recorder<V> {
    /// An empty log for a queue of `capacity`.
    pub fn new(capacity: usize) -> Self {
        Recorder {
            log: std::sync::Mutex::new((0, Vec::new())),
            capacity,
        }
    }

    fn log(&self) -> std::sync::MutexGuard<'_, (u64, Vec<Op<V>>)> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Run `call` on `q` as thread `thread`, logging it.
    pub fn run<Q: FifoQueue<V> + ?Sized>(&self, q: &Q, thread: usize, call: Call<V>) -> Ret<V> {
        let index = {
            let mut log = self.log();
            let t = log.0;
            log.0 += 1;
            log.1.push(Op {
                thread,
                call: call.clone(),
                ret: None,
                invoked: t,
                returned: None,
            });
            log.1.len() - 1
        };
        let ret = match call {
            Call::Put(v) => {
                q.put(v);
                Ret::Ok
            }
            Call::TryPut(v) => match q.try_put(v) {
                Ok(()) => Ret::Ok,
                Err(_) => Ret::Full,
            },
            Call::Get => Ret::Value(q.get()),
            Call::TryGet => match q.try_get() {
                Ok(v) => Ret::Value(v),
                Err(Empty) => Ret::Empty,
            },
        };
        let mut log = self.log();
        let t = log.0;
        log.0 += 1;
        log.1[index].ret = Some(ret.clone());
        log.1[index].returned = Some(t);
        ret
    }

    /// The history so far.
    pub fn history(&self) -> History<V> {
        History {
            capacity: self.capacity,
            ops: self.log().1.clone(),
        }
    }
}

/// The operations [`Recorder::run`] calls.
pub trait FifoQueue<V>: Send + Sync {
    /// Blocking put.
    fn put(&self, v: V);
    /// Blocking get.
    fn get(&self) -> V;
    /// Non-blocking put.
    fn try_put(&self, v: V) -> Result<(), Full<V>>;
    /// Non-blocking get.
    fn try_get(&self) -> Result<V, Empty>;
}

impl<V: fmt::Debug + Send> FifoQueue<V> for Queue<V> {
    fn put(&self, v: V) {
        Queue::put(self, v)
    }
    fn get(&self) -> V {
        Queue::get(self)
    }
    fn try_put(&self, v: V) -> Result<(), Full<V>> {
        Queue::try_put(self, v)
    }
    fn try_get(&self) -> Result<V, Empty> {
        Queue::try_get(self)
    }
}

/// Run a scenario: `main` performs `setup` alone, then one thread per entry
/// of `threads` performs its calls, all on one queue; returns the history.
pub fn run_scenario<V, Q>(q: Q, setup: &[Call<V>], threads: &[Vec<Call<V>>]) -> History<V>
where
    V: Clone + Send + Sync + 'static,
    Q: FifoQueue<V> + Capacity + 'static,
{
    let rec = Arc::new(Recorder::new(q.capacity()));
    let q = Arc::new(q);
    for c in setup {
        rec.run(&*q, 0, c.clone());
    }
    let hs: Vec<_> = threads
        .iter()
        .enumerate()
        .map(|(i, calls)| {
            let (rec, q, calls) = (rec.clone(), q.clone(), calls.clone());
            crate::traced::thread::spawn(move || {
                for c in calls {
                    rec.run(&*q, i + 1, c);
                }
            })
        })
        .collect();
    for h in hs {
        h.join().expect("scenario thread failed");
    }
    rec.history()
}

/// A queue's capacity, for [`run_scenario`].
pub trait Capacity {
    /// The most items it holds.
    fn capacity(&self) -> usize;
}

impl<V: fmt::Debug> Capacity for Queue<V> {
    fn capacity(&self) -> usize {
        Queue::capacity(self)
    }
}
