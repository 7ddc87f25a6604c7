//! Interleaving traces: what each thread did, in which order, and what it saw.
//!
//! A [`Trace`] is recorded by racetrace's primitives during one execution: one
//! [`Event`] per operation, with the object it touched, the kind of access, the
//! value read or written and, for a read, which write it read from. Traces are
//! deterministic: they hold no addresses, timings or OS thread ids, so the same
//! schedule always gives the same bytes. [`Trace::render`] draws one column per
//! thread; the JSON form is the serde representation of [`Trace`].

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The kind of access an event makes to its object. Exploration strategies use
/// it to tell which operations conflict: two events conflict when they touch
/// the same object and at least one of them is not a [`Access::Read`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// A load of an atomic or a read of a plain cell.
    Read,
    /// A store to an atomic or a write of a plain cell.
    Write,
    /// An atomic read-modify-write (`fetch_add`, `swap`, `compare_exchange`).
    ReadModifyWrite,
    /// A mutex acquisition (also a successful `try_lock`).
    Lock,
    /// A failed `try_lock`: the mutex was held.
    TryLockFailed,
    /// A mutex release.
    Unlock,
    /// A condition-variable wait began: the mutex is released and the thread sleeps.
    Wait,
    /// A condition-variable wait returned, with the mutex re-acquired.
    Wake,
    /// `notify_one` or `notify_all`.
    Notify,
    /// The operation cannot proceed yet: the thread blocks (lock held, join of
    /// a running thread). The matching completion follows as its own event.
    Block,
    /// A thread was spawned.
    Spawn,
    /// A join returned.
    Join,
    /// The thread's function returned (or unwound).
    Exit,
}

/// One operation on a racetrace primitive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// 1-based position in the execution.
    pub step: usize,
    /// Index of the thread that ran it: 0 is `main`, then in spawn order.
    pub thread: usize,
    /// Stable identity of the object touched, unique within the execution.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub object: Option<usize>,
    /// The object's name as the pattern gave it (`counter`, `lock`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    /// What kind of access this is.
    pub access: Access,
    /// The operation, e.g. `load`, `store`, `fetch_add`, `lock`, `join`.
    pub op: String,
    /// The value read (loads), written (stores) or produced (read-modify-writes).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<String>,
    /// For read-modify-writes: the value before the operation.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub old: Option<String>,
    /// For reads: the step of the write this read saw (`Some(0)` is the initial value).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reads_from: Option<usize>,
    /// True when the read saw a write other than the latest one in trace
    /// order. loom explores the C++ memory model, where this is allowed
    /// (even for `SeqCst` in some cases, loom issue #180).
    #[serde(skip_serializing_if = "is_false", default)]
    pub stale: bool,
    /// Free text: who holds a lock, which waiter a notify woke, …
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
    /// Set when this event preempted another thread that could have run on:
    /// the index of that thread.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub preempted: Option<usize>,
    /// The thread yielded after this operation (`yield_now`, a spin loop's
    /// hint): a switch to another thread here is not a preemption.
    #[serde(skip_serializing_if = "is_false", default)]
    pub yielded: bool,
    /// Where in the program the operation was called (`src/bank.rs:41`),
    /// for operations of the std-shaped facade (`racetrace::sync`, …).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What one blocked thread waits for when an execution deadlocks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedThread {
    /// The blocked thread's index.
    pub thread: usize,
    /// What it waits for, in words (`lock fork1`, `condvar not_empty`, `join t2`).
    pub waits_for: String,
    /// The thread that must act to release it, when there is exactly one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub held_by: Option<usize>,
    /// The names of the locks it holds.
    pub holds: Vec<String>,
}

/// The state of every thread when an execution deadlocked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlock {
    /// Every unfinished thread and what it waits for.
    pub blocked: Vec<BlockedThread>,
    /// The wait-for cycle, as thread indices, when there is one (a thread
    /// waiting for itself is a cycle of one).
    pub cycle: Vec<usize>,
}

/// One recorded execution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// First line of the rendering: pattern, parameters, backend, schedule.
    pub title: String,
    /// Thread names by index (`main`, `t1`, …).
    pub threads: Vec<String>,
    /// The events in execution order.
    pub events: Vec<Event>,
    /// The outcome of the execution (`2`, `deadlock`, `data-race`, `panic: …`).
    pub outcome: String,
    /// Whether the spec allows that outcome.
    pub allowed: bool,
    /// The spec's words for the outcome (`lost update (expected 4)`).
    pub verdict: String,
    /// Number of preemptions (events marked [`Event::preempted`]).
    pub preemptions: usize,
    /// The wait-for report, when the execution deadlocked.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub deadlock: Option<Deadlock>,
    /// The panic message or data-race report that ended the execution.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detail: Option<String>,
}

impl Trace {
    /// The name of thread `i`.
    pub fn thread_name(&self, i: usize) -> &str {
        self.threads.get(i).map(String::as_str).unwrap_or("?")
    }

    /// Render the trace as text, one column per thread.
    pub fn render(&self) -> String {
        let n = self.threads.len().max(1);
        let cells: Vec<String> = self.events.iter().map(|e| self.cell(e)).collect();
        let mut width = vec![0usize; n];
        for (i, name) in self.threads.iter().enumerate() {
            width[i] = name.chars().count();
        }
        for (e, c) in self.events.iter().zip(&cells) {
            if e.thread < n {
                width[e.thread] = width[e.thread].max(c.chars().count());
            }
        }
        let step_w = self.events.len().to_string().len().max(4);
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.title);
        // Source locations, when the program's operations have them (the
        // facade's do), in a last column.
        let located = self.events.iter().any(|e| e.location.is_some());
        let mut line = format!(" {:>step_w$} ", "step");
        for (i, name) in self.threads.iter().enumerate() {
            let _ = write!(line, "| {} ", pad(name, width[i]));
        }
        if located {
            let _ = write!(line, "| at");
        }
        let _ = writeln!(out, "{}", line.trim_end());
        for (e, c) in self.events.iter().zip(&cells) {
            let mut line = format!(" {:>step_w$} ", e.step);
            for (i, w) in width.iter().enumerate() {
                let text = if i == e.thread { c.as_str() } else { "" };
                let _ = write!(line, "| {} ", pad(text, *w));
            }
            if located {
                let _ = write!(line, "| {}", e.location.as_deref().unwrap_or(""));
            }
            if let Some(p) = e.preempted {
                let _ = write!(line, "  ← preempts {}", self.thread_name(p));
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        if let Some(d) = &self.deadlock {
            let _ = writeln!(out, " wait-for:");
            for b in &d.blocked {
                let holds = if b.holds.is_empty() {
                    "nothing".to_string()
                } else {
                    b.holds.join(", ")
                };
                let by = match b.held_by {
                    Some(h) if b.waits_for.starts_with("lock") => {
                        format!(" (held by {})", self.thread_name(h))
                    }
                    _ => String::new(),
                };
                let _ = writeln!(
                    out,
                    "   {} holds {}, waits for {}{}",
                    self.thread_name(b.thread),
                    holds,
                    b.waits_for,
                    by
                );
            }
            if d.cycle.is_empty() {
                let _ = writeln!(
                    out,
                    "   no cycle: every unfinished thread is blocked, and none can wake another"
                );
            } else {
                let mut names: Vec<&str> = d.cycle.iter().map(|&t| self.thread_name(t)).collect();
                names.push(self.thread_name(d.cycle[0]));
                let own = if d.cycle.len() == 1 {
                    " (waits for itself)"
                } else {
                    ""
                };
                let _ = writeln!(out, "   cycle: {}{own}", names.join(" → "));
            }
        }
        if let Some(d) = &self.detail {
            let _ = writeln!(out, " detail: {d}");
        }
        let tag = if self.allowed { "allowed" } else { "FORBIDDEN" };
        let _ = writeln!(
            out,
            " outcome: {} — {}: {} · {} preemption{}",
            self.outcome,
            tag,
            self.verdict,
            self.preemptions,
            if self.preemptions == 1 { "" } else { "s" }
        );
        out
    }

    /// One event as the text trace shows it (also the label of its mark in
    /// the diagrams).
    pub fn cell(&self, e: &Event) -> String {
        let name = e.name.as_deref().unwrap_or("");
        let mut s = match e.access {
            Access::Read => match &e.value {
                Some(v) => format!("{} {name} → {v}", e.op),
                None => format!("{} {name}", e.op),
            },
            Access::Write => format!("{} {name} ← {}", e.op, e.value.as_deref().unwrap_or("?")),
            Access::ReadModifyWrite => format!(
                "{} {name} {} → {}",
                e.op,
                e.old.as_deref().unwrap_or("?"),
                e.value.as_deref().unwrap_or("?")
            ),
            Access::Spawn | Access::Join => {
                format!("{} {}", e.op, e.value.as_deref().unwrap_or(""))
            }
            Access::Block if e.object.is_none() => {
                format!("{} {}", e.op, e.value.as_deref().unwrap_or(""))
            }
            Access::Exit => e.op.clone(),
            Access::Lock | Access::Unlock if e.value.is_some() => {
                format!("{} {name} = {}", e.op, e.value.as_deref().unwrap_or(""))
            }
            _ => format!("{} {name}", e.op),
        };
        if e.stale {
            // Not the latest write: the memory model (loom's, rc11's)
            // let the read see an older one.
            let from = e.reads_from.unwrap_or(0);
            if from == 0 {
                s.push_str(" (reads the initial value, not the latest write)");
            } else {
                let _ = write!(s, " (reads step {from}'s write, not the latest)");
            }
        }
        if let Some(n) = &e.note {
            let _ = write!(s, " ({n})");
        }
        s.trim_end().to_string()
    }
}

fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(n)));
    out
}

/// Mark preemptions: a switch from thread A to thread B where A could have
/// run on — A was neither blocked nor finished, had not just yielded, and
/// its next operation would not have blocked then (a lock of a mutex
/// another thread held at that point, or a join of a thread that was still
/// running). As in preemption-bounded
/// search (Musuvathi and Qadeer, PLDI 2007) and dpor's preemption bound, a
/// switch away from a thread that cannot proceed is not a preemption.
/// Computed from the recorded order alone, so it means the same under every
/// backend. Returns the count.
pub(crate) fn mark_preemptions(events: &mut [crate::rt::Rec]) -> usize {
    // Each event's thread's next event.
    let mut next: Vec<Option<usize>> = vec![None; events.len()];
    let mut later: Vec<Option<usize>> = Vec::new();
    for (i, e) in events.iter().enumerate().rev() {
        let t = e.thread;
        if later.len() <= t {
            later.resize(t + 1, None);
        }
        next[i] = later[t];
        later[t] = Some(i);
    }
    // A thread is "parked" after a Block or Wait event until its next event,
    // and gone after its Exit event. `last[t]`: t's latest event so far.
    // Every thread's entry made at once (`later` has one per thread seen).
    let n = later.len();
    let mut parked: Vec<bool> = vec![false; n];
    let mut last: Vec<Option<usize>> = vec![None; n];
    let mut holder: crate::rt::IdMap<usize, usize> = crate::rt::IdMap::default();
    let mut held: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut released: Vec<Option<usize>> = vec![None; n];
    let mut count = 0;
    let mut prev: Option<usize> = None;
    for i in 0..events.len() {
        let t = events[i].thread;
        events[i].preempted = None;
        if let Some(p) = prev
            && p != t
            && !parked.get(p).copied().unwrap_or(true)
            && !events[i - 1].yielded
        {
            // What p did next, had it gone on.
            let blocks = last[p].and_then(|l| next[l]).is_some_and(|n| {
                let x = &events[n];
                let held = || {
                    x.object
                        .is_some_and(|o| holder.get(&o).is_some_and(|&h| h != p))
                };
                match (x.access, &*x.op) {
                    // A lock of a mutex another thread holds now.
                    (Access::Lock, _) | (Access::Block, "lock") => held(),
                    // A join of a thread still running later, so now too.
                    (Access::Block, "join") => true,
                    _ => false,
                }
            });
            if !blocks {
                events[i].preempted = Some(p);
                count += 1;
            }
        }
        // Who holds which mutex. A wait's and a wake-up's object is the
        // condition variable: the mutex a wait releases is taken to be its
        // thread's latest acquired, and the wake-up re-acquires that one.
        let e = &events[i];
        match (e.access, e.object) {
            (Access::Lock, Some(o)) => {
                holder.insert(o, t);
                held[t].push(o);
            }
            (Access::Unlock, Some(o)) => {
                holder.remove(&o);
                held[t].retain(|&x| x != o);
            }
            (Access::Wait, _) => {
                if let Some(o) = held[t].pop() {
                    holder.remove(&o);
                    released[t] = Some(o);
                }
            }
            (Access::Wake, _) => {
                if let Some(o) = released[t].take() {
                    holder.insert(o, t);
                    held[t].push(o);
                }
            }
            _ => {}
        }
        parked[t] = matches!(e.access, Access::Block | Access::Wait | Access::Exit);
        last[t] = Some(i);
        prev = Some(t);
    }
    count
}

#[cfg(test)]
mod tests {
    use super::{Access, mark_preemptions};
    use crate::rt::Rec;

    fn ev(thread: usize, access: Access, op: &'static str, object: Option<usize>) -> Rec {
        Rec::new(thread, access, op, object, false)
    }

    /// The events' preempted threads, in order.
    fn marks(events: &mut [Rec]) -> Vec<(usize, usize)> {
        mark_preemptions(events);
        events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.preempted.map(|p| (i, p)))
            .collect()
    }

    #[test]
    fn a_switch_away_from_a_thread_that_could_go_on_is_a_preemption() {
        use Access::*;
        // t1 could lock m (free) when t2 ran: a preemption.
        let mut e = vec![
            ev(1, Write, "store", Some(9)),
            ev(2, Write, "store", Some(9)),
            ev(2, Exit, "exit", None),
            ev(1, Lock, "lock", Some(5)),
        ];
        assert_eq!(marks(&mut e), [(1, 1)]);
        // t1's next lock is of a mutex t2 holds then: not a preemption.
        let mut e = vec![
            ev(2, Lock, "lock", Some(5)),
            ev(1, Write, "store", Some(9)),
            ev(2, Unlock, "unlock", Some(5)),
            ev(2, Exit, "exit", None),
            ev(1, Lock, "lock", Some(5)),
        ];
        assert_eq!(marks(&mut e), [(1, 2)]); // t1 preempted t2, not back
        // t1 blocks next on a join: not a preemption.
        let mut e = vec![
            ev(1, Write, "store", Some(9)),
            ev(2, Write, "store", Some(9)),
            ev(2, Exit, "exit", None),
            ev(1, Block, "join", None),
        ];
        assert_eq!(marks(&mut e), []);
        // t1 yielded after its store: not a preemption.
        let mut e = vec![
            ev(1, Write, "store", Some(9)),
            ev(2, Write, "store", Some(9)),
            ev(2, Exit, "exit", None),
            ev(1, Write, "store", Some(9)),
        ];
        assert_eq!(marks(&mut e), [(1, 1)]);
        e[0].yielded = true;
        assert_eq!(marks(&mut e), []);
        // A wait releases the waiter's mutex (the event names the condition
        // variable): t1's lock of it after the wait is free, so t1 was
        // preempted; before the wait, t2 held it.
        let mut e = vec![
            ev(2, Lock, "lock", Some(5)),
            ev(2, Wait, "wait", Some(7)),
            ev(1, Write, "store", Some(9)),
            ev(3, Write, "store", Some(9)),
            ev(3, Exit, "exit", None),
            ev(1, Lock, "lock", Some(5)),
        ];
        assert_eq!(marks(&mut e), [(3, 1)]);
    }
}
