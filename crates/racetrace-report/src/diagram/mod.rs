//! Trace diagrams: a [`Trace`] drawn as one lane per thread, time flowing
//! down, one mark per operation, and arrows for what orders one thread after
//! another. Two renderings: [`mermaid`] (a `sequenceDiagram`, which GitHub
//! draws in Markdown) and [`svg`] (a self-contained SVG image).
//!
//! Both are deterministic byte for byte: they depend on the trace alone, never
//! on a clock or on hash-map order, so they are snapshot-tested like the text
//! traces.
//!
//! The arrows are derived from the recorded events ([`links`]):
//!
//! | kind | from | to |
//! |------|------|----|
//! | [`LinkKind::Spawn`] | a `spawn` | the child's first event |
//! | [`LinkKind::Join`] | a thread's `exit` | the `join` that returned |
//! | [`LinkKind::Lock`] | an `unlock` (or a `wait` releasing the mutex) | the next `lock` (or wake-up re-locking it) by another thread |
//! | [`LinkKind::Notify`] | a `notify_one`/`notify_all` | the wake-up it caused |
//! | [`LinkKind::ReadsFrom`] | a write | a read by another thread that saw it |
//!
//! A deadlocked trace ends with the wait-for cycle.

pub mod mermaid;
pub mod svg;

use racetrace::trace::{Access, Event, Trace};
use std::collections::BTreeMap;

/// Why an arrow goes from one thread to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkKind {
    /// A thread was spawned: the spawn comes before the child's first step.
    Spawn,
    /// A join returned: the child's exit comes before it.
    Join,
    /// A mutex was handed over: released by one thread, then taken by another.
    Lock,
    /// A notification woke a waiting thread.
    Notify,
    /// A read saw the value another thread wrote.
    ReadsFrom,
}

impl LinkKind {
    /// Short name, used as a CSS class and in legends.
    pub fn name(self) -> &'static str {
        match self {
            LinkKind::Spawn => "spawn",
            LinkKind::Join => "join",
            LinkKind::Lock => "lock",
            LinkKind::Notify => "notify",
            LinkKind::ReadsFrom => "reads-from",
        }
    }
}

/// An arrow between two events of different threads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Step of the event the arrow starts from.
    pub from: usize,
    /// Step of the event it points to (always later).
    pub to: usize,
    /// Why.
    pub kind: LinkKind,
    /// In words (`counter = 1`, `lock handed over`).
    pub label: String,
}

/// The arrows of a trace, ordered by target step, then source step. Only
/// arrows between two different threads are returned: program order within a
/// thread is the lane itself.
pub fn links(trace: &Trace) -> Vec<Link> {
    let by_step: BTreeMap<usize, &Event> = trace.events.iter().map(|e| (e.step, e)).collect();
    let thread_of = |name: &str| trace.threads.iter().position(|t| t == name);
    // A mutex is named by its object id in lock/unlock events; a condition
    // variable's wait and wake-up name the mutex only in their note
    // ("releases m", "re-locks m"), so map names back to ids.
    let mut mutex_ids: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &trace.events {
        if matches!(
            e.access,
            Access::Lock | Access::Unlock | Access::TryLockFailed
        ) && let (Some(o), Some(n)) = (e.object, e.name.as_deref())
        {
            mutex_ids.entry(n).or_insert(o);
        }
    }
    let note_mutex = |e: &Event, prefix: &str| -> Option<usize> {
        let name = e.note.as_deref()?.strip_prefix(prefix)?;
        mutex_ids.get(name).copied()
    };

    let mut out = Vec::new();
    let mut push = |from: &Event, to: &Event, kind: LinkKind, label: String| {
        if from.thread != to.thread && from.step < to.step {
            out.push(Link {
                from: from.step,
                to: to.step,
                kind,
                label,
            });
        }
    };
    let mut seen_thread: Vec<bool> = vec![false; trace.threads.len()];
    let mut spawned_by: BTreeMap<usize, &Event> = BTreeMap::new();
    let mut last_exit: BTreeMap<usize, &Event> = BTreeMap::new();
    // Last release of each mutex (unlock, or a wait that released it).
    let mut released: BTreeMap<usize, &Event> = BTreeMap::new();
    // Per condition variable: the notifies so far; per (cv, thread): its last wait.
    let mut notifies: BTreeMap<usize, Vec<&Event>> = BTreeMap::new();
    let mut waits: BTreeMap<(usize, usize), &Event> = BTreeMap::new();

    for e in &trace.events {
        if e.thread < seen_thread.len() && !seen_thread[e.thread] {
            seen_thread[e.thread] = true;
            if let Some(s) = spawned_by.get(&e.thread) {
                push(
                    s,
                    e,
                    LinkKind::Spawn,
                    format!("spawn {}", trace.thread_name(e.thread)),
                );
            }
        }
        match e.access {
            Access::Spawn => {
                if let Some(child) = e.value.as_deref().and_then(thread_of) {
                    spawned_by.insert(child, e);
                }
            }
            Access::Exit => {
                last_exit.insert(e.thread, e);
            }
            Access::Join => {
                if let Some(x) = e
                    .value
                    .as_deref()
                    .and_then(thread_of)
                    .and_then(|c| last_exit.get(&c))
                {
                    push(
                        x,
                        e,
                        LinkKind::Join,
                        format!("{} exits → join", trace.thread_name(x.thread)),
                    );
                }
            }
            Access::Lock => {
                if let Some(m) = e.object
                    && let Some(r) = released.get(&m)
                {
                    push(r, e, LinkKind::Lock, format!("{} handed over", name(e)));
                }
            }
            Access::Unlock => {
                if let Some(m) = e.object {
                    released.insert(m, e);
                }
            }
            Access::Wait => {
                if let Some(cv) = e.object {
                    waits.insert((cv, e.thread), e);
                }
                if let Some(m) = note_mutex(e, "releases ") {
                    released.insert(m, e);
                }
            }
            Access::Wake => {
                if let Some(cv) = e.object {
                    let since = waits.get(&(cv, e.thread)).map(|w| w.step).unwrap_or(0);
                    let by = notifies.get(&cv).and_then(|ns| {
                        ns.iter()
                            .rev()
                            .find(|n| n.step > since && n.note.as_deref() != Some("no waiter"))
                    });
                    if let Some(n) = by {
                        push(n, e, LinkKind::Notify, format!("{} → woken", n.op));
                    }
                }
                if let Some(m) = note_mutex(e, "re-locks ")
                    && let Some(r) = released.get(&m)
                {
                    push(
                        r,
                        e,
                        LinkKind::Lock,
                        format!("{} handed over", mutex_name(trace, m)),
                    );
                }
            }
            Access::Notify => {
                if let Some(cv) = e.object {
                    notifies.entry(cv).or_default().push(e);
                }
            }
            Access::Read => {
                if let Some(w) = e
                    .reads_from
                    .filter(|&s| s > 0)
                    .and_then(|s| by_step.get(&s))
                {
                    let v = e.value.as_deref().unwrap_or("?");
                    push(w, e, LinkKind::ReadsFrom, format!("{} = {v}", name(e)));
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|l| (l.to, l.from, l.kind));
    out
}

fn name(e: &Event) -> &str {
    e.name.as_deref().unwrap_or("?")
}

fn mutex_name(trace: &Trace, m: usize) -> &str {
    trace
        .events
        .iter()
        .find(|e| e.object == Some(m))
        .and_then(|e| e.name.as_deref())
        .unwrap_or("?")
}

/// The label of an event's mark: the cell of the text trace.
pub(crate) fn label(trace: &Trace, e: &Event) -> String {
    one_line(&trace.cell(e))
}

/// The last line of every rendering: outcome, verdict, preemptions.
pub(crate) fn outcome_line(trace: &Trace) -> String {
    let tag = if trace.allowed {
        "allowed"
    } else {
        "FORBIDDEN"
    };
    one_line(&format!(
        "outcome: {} — {}: {} · {} preemption{}",
        trace.outcome,
        tag,
        trace.verdict,
        trace.preemptions,
        if trace.preemptions == 1 { "" } else { "s" }
    ))
}

/// What a blocked thread waits for, in words, for a deadlock diagram.
pub(crate) fn blocked_label(b: &racetrace::trace::BlockedThread) -> String {
    let holds = if b.holds.is_empty() {
        "nothing".to_string()
    } else {
        b.holds.join(", ")
    };
    one_line(&format!("waits for {} · holds {holds}", b.waits_for))
}

/// Control characters and line breaks become spaces: every label is one line.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
