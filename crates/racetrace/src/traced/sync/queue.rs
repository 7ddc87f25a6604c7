//! A bounded FIFO queue with Python `queue.Queue`'s operations, built the way
//! CPython builds it: one mutex and three condition variables (`not_empty`,
//! `not_full`, `all_tasks_done`), here racetrace's own. So on every backend,
//! real threads included, its steps are in the trace and a thread blocked in
//! `put`, `get` or `join` is seen by racetrace's deadlock detection.

use super::condvar::Condvar;
use super::mutex::{Mutex, MutexGuard};
use crate::rt::{self, Ctx, Mode, ObjKind, UNTRACKED};
use crate::trace::Access;
use std::collections::VecDeque;
use std::fmt;

/// The parts of a queue's state its operations touch, for `dpor`: a `get`
/// and a `task_done` touch different parts, so their critical sections
/// commute.
const ITEMS: usize = 0;
const UNFINISHED: usize = 1;

/// A FIFO queue of at most `capacity` items, as Python's `queue.Queue(maxsize)`.
///
/// `put` and `get` block (on a full or an empty queue); `try_put` and
/// `try_get` (Python's `put_nowait`, `get_nowait`) fail with [`Full`] or
/// [`Empty`] instead. Every `put` counts an unfinished task; `task_done`
/// finishes one and `join` waits until none is left. Values appear in traces
/// through their `Debug` form.
pub struct Queue<T> {
    id: usize,
    capacity: usize,
    state: Mutex<State<T>>,
    not_empty: Condvar,
    not_full: Condvar,
    all_tasks_done: Condvar,
}

struct State<T> {
    items: VecDeque<T>,
    unfinished: usize,
}

/// `try_put` on a full queue; gives the item back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Full<T>(pub T);

/// `try_get` on an empty queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Empty;

/// `task_done` called more times than items were put (Python's `ValueError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskDoneError;

impl<T> fmt::Debug for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Full(..)")
    }
}
impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is full")
    }
}
impl<T> std::error::Error for Full<T> {}
impl fmt::Display for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is empty")
    }
}
impl std::error::Error for Empty {}
impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called more times than there were items")
    }
}
impl std::error::Error for TaskDoneError {}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue").finish_non_exhaustive()
    }
}

impl<T: fmt::Debug> Queue<T> {
    /// A queue holding at most `capacity` items, named `queueN` in traces.
    ///
    /// # Panics
    /// If `capacity` is 0 (Python's `maxsize=0` means unbounded: use
    /// [`Queue::unbounded`]).
    pub fn bounded(capacity: usize) -> Self {
        assert!(
            capacity > 0,
            "racetrace: a queue's capacity must be at least 1"
        );
        Self::with_capacity(capacity)
    }

    /// A queue with no bound (Python's `queue.Queue()`).
    pub fn unbounded() -> Self {
        Self::with_capacity(usize::MAX)
    }

    fn with_capacity(capacity: usize) -> Self {
        let ctx = rt::ctx();
        let id = match &ctx {
            Some(c) => c.register(ObjKind::Queue, None),
            None => UNTRACKED,
        };
        let q = Queue {
            id,
            capacity,
            state: Mutex::new(State {
                items: VecDeque::new(),
                unfinished: 0,
            })
            .reported(),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_tasks_done: Condvar::new(),
        };
        match id {
            UNTRACKED => q,
            _ => q.named(&format!("queue{id}")),
        }
    }

    /// Give the queue the name traces show: its lock is called `name`, its
    /// condition variables `name.not_empty`, `name.not_full` and
    /// `name.all_tasks_done`.
    pub fn named(self, name: &str) -> Self {
        rt::rename(self.id, name);
        Queue {
            id: self.id,
            capacity: self.capacity,
            state: self.state.named(name),
            not_empty: self.not_empty.named(&format!("{name}.not_empty")),
            not_full: self.not_full.named(&format!("{name}.not_full")),
            all_tasks_done: self.all_tasks_done.named(&format!("{name}.all_tasks_done")),
        }
    }

    fn ctx(&self) -> Option<Ctx> {
        rt::tracked(self.id)
    }

    /// Report to `dpor` which parts of the state the running critical
    /// section touches (every read and write of `state` is reported).
    fn touch(&self, parts: &[(usize, Mode)]) {
        if let Some(c) = self.ctx() {
            let touches: Vec<(usize, Mode)> = parts
                .iter()
                .map(|&(part, mode)| (rt::part_object(self.id, part), mode))
                .collect();
            c.touch(&touches);
        }
    }

    fn record(&self, access: Access, op: &'static str, value: Option<String>, note: Option<&str>) {
        if let Some(c) = self.ctx() {
            c.op(self.id, access, op, value, None, note.map(str::to_string));
        }
    }

    /// Put `item` at the back, waiting while the queue is full.
    pub fn put(&self, item: T) {
        self.put_as(item, "put");
    }

    pub(crate) fn put_as(&self, item: T, op: &'static str) {
        let mut g = self.state.lock();
        while self.read_items(&g).len() >= self.capacity {
            g = self.not_full.wait(g);
        }
        self.push(&mut g, item, op);
    }

    fn push(&self, g: &mut MutexGuard<'_, State<T>>, item: T, op: &'static str) {
        self.record(Access::Write, op, Some(format!("{item:?}")), None);
        self.touch(&[(ITEMS, Mode::Write), (UNFINISHED, Mode::Write)]);
        g.items.push_back(item);
        g.unfinished += 1;
        self.not_empty.notify_one();
    }

    /// Take the item at the front, waiting while the queue is empty.
    pub fn get(&self) -> T {
        self.get_as("get")
    }

    pub(crate) fn get_as(&self, op: &'static str) -> T {
        let mut g = self.state.lock();
        while self.read_items(&g).is_empty() {
            g = self.not_empty.wait(g);
        }
        self.pop(&mut g, op)
    }

    fn pop(&self, g: &mut MutexGuard<'_, State<T>>, op: &'static str) -> T {
        self.touch(&[(ITEMS, Mode::Write)]);
        let item = g
            .items
            .pop_front()
            .expect("checked non-empty under the lock");
        self.record(Access::Read, op, Some(format!("{item:?}")), None);
        self.not_full.notify_one();
        item
    }

    /// Put `item` if there is room now (Python's `put_nowait`).
    pub fn try_put(&self, item: T) -> Result<(), Full<T>> {
        self.try_put_as(item, "try_put")
    }

    pub(crate) fn try_put_as(&self, item: T, op: &'static str) -> Result<(), Full<T>> {
        let mut g = self.state.lock();
        if self.read_items(&g).len() >= self.capacity {
            self.record(Access::Read, op, None, Some("fails: full"));
            return Err(Full(item));
        }
        self.push(&mut g, item, op);
        Ok(())
    }

    /// Take the front item if there is one now (Python's `get_nowait`).
    pub fn try_get(&self) -> Result<T, Empty> {
        self.try_get_as("try_get")
    }

    pub(crate) fn try_get_as(&self, op: &'static str) -> Result<T, Empty> {
        let mut g = self.state.lock();
        if self.read_items(&g).is_empty() {
            self.record(Access::Read, op, None, Some("fails: empty"));
            return Err(Empty);
        }
        Ok(self.pop(&mut g, op))
    }

    /// Mark one item taken with `get` as processed. When every item put so
    /// far has been marked, `join` returns.
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut g = self.state.lock();
        self.touch(&[(UNFINISHED, Mode::Read)]);
        if g.unfinished == 0 {
            self.record(
                Access::Read,
                "task_done",
                None,
                Some("fails: nothing unfinished"),
            );
            return Err(TaskDoneError);
        }
        self.touch(&[(UNFINISHED, Mode::Write)]);
        g.unfinished -= 1;
        if let Some(c) = self.ctx() {
            c.op(
                self.id,
                Access::ReadModifyWrite,
                "task_done",
                Some(g.unfinished.to_string()),
                Some((g.unfinished + 1).to_string()),
                None,
            );
        }
        if g.unfinished == 0 {
            self.all_tasks_done.notify_all();
        }
        Ok(())
    }

    /// Wait until every item put has been marked with `task_done`.
    pub fn join(&self) {
        let mut g = self.state.lock();
        while {
            self.touch(&[(UNFINISHED, Mode::Read)]);
            g.unfinished > 0
        } {
            g = self.all_tasks_done.wait(g);
        }
        self.record(Access::Read, "join", None, Some("no unfinished task"));
    }

    /// Items in the queue now (Python's `qsize()`): stale as soon as the
    /// lock is released.
    pub fn len(&self) -> usize {
        let g = self.state.lock();
        let n = self.read_items(&g).len();
        self.record(Access::Read, "len", Some(n.to_string()), None);
        n
    }

    /// Is the queue empty now (Python's `empty()`)? Stale as soon as the lock
    /// is released: `if !q.is_empty() { q.get() }` can block.
    pub fn is_empty(&self) -> bool {
        let g = self.state.lock();
        let e = self.read_items(&g).is_empty();
        self.record(Access::Read, "empty", Some(e.to_string()), None);
        e
    }

    /// Is the queue full now (Python's `full()`)? Stale as soon as the lock
    /// is released.
    pub fn is_full(&self) -> bool {
        let g = self.state.lock();
        let f = self.read_items(&g).len() >= self.capacity;
        self.record(Access::Read, "full", Some(f.to_string()), None);
        f
    }

    /// The items, read under the lock (reported to `dpor`).
    fn read_items<'g>(&self, g: &'g MutexGuard<'_, State<T>>) -> &'g VecDeque<T> {
        self.touch(&[(ITEMS, Mode::Read)]);
        &g.items
    }

    /// The most items the queue holds (`usize::MAX` when unbounded).
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}
