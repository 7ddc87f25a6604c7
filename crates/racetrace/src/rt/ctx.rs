//! The current context ([`Ctx`]) and the trace recorder: object names, memory ops, events.

use super::execution::{Abandon, Execution, Kind, Special, State, Wake};
use super::rec::Rec;
use crate::trace::Access;
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

std::thread_local! {
    pub(super) static CURRENT: RefCell<Option<Arc<Execution>>> = const { RefCell::new(None) };
    pub(super) static REAL_TID: Cell<usize> = const { Cell::new(0) };
}
loom::thread_local! {
    pub(super) static LOOM_TID: Cell<usize> = Cell::new(0);
}
shuttle::thread_local! {
    pub(super) static SHUTTLE_TID: Cell<usize> = Cell::new(0);
}
std::thread_local! {
    /// A copy of each shuttle task's [`SHUTTLE_TID`], read at every
    /// operation (shuttle's thread-locals are looked up in a SipHash map):
    /// the execution's serial, then per shuttle task id its racetrace
    /// thread + 1, or 0 where [`SHUTTLE_TID`] itself is to be read (not set
    /// through [`Execution::set_tid`] yet, or the thread has exited and its
    /// thread-locals may be gone). Shuttle runs every task on one OS thread.
    static SHUTTLE_TIDS: RefCell<(u64, Vec<usize>)> = const { RefCell::new((0, Vec::new())) };
}

/// The racetrace thread of the running shuttle task (see [`SHUTTLE_TIDS`]).
fn shuttle_tid(exec: &Execution) -> usize {
    if let Some(task) = shuttle::current::try_get_current_task() {
        let cached = SHUTTLE_TIDS.with(|c| {
            let c = c.borrow();
            if c.0 == exec.serial {
                c.1.get(usize::from(task)).copied().unwrap_or(0)
            } else {
                0
            }
        });
        if let Some(tid) = cached.checked_sub(1) {
            return tid;
        }
    }
    SHUTTLE_TID.try_with(Cell::get).unwrap_or(0)
}

/// Set (`Some`) or forget (`None`) the running shuttle task's entry in
/// [`SHUTTLE_TIDS`]; without a running task to name, forget them all.
fn cache_shuttle_tid(exec: &Execution, tid: Option<usize>) {
    SHUTTLE_TIDS.with(|c| {
        let mut c = c.borrow_mut();
        let Some(task) = shuttle::current::try_get_current_task() else {
            c.0 = 0;
            c.1.clear();
            return;
        };
        if c.0 != exec.serial {
            c.0 = exec.serial;
            c.1.clear();
        }
        let task = usize::from(task);
        if c.1.len() <= task {
            c.1.resize(task + 1, 0);
        }
        c.1[task] = tid.map_or(0, |t| t + 1);
    });
}

// Beside the thread-locals they set (so that execution.rs need not import
// this file, which imports it).
impl Execution {
    /// Make this execution current on this OS thread (the driver thread under
    /// loom and shuttle, each spawned thread under the real backend).
    pub(crate) fn enter(self: &Arc<Self>, tid: usize) {
        CURRENT.with(|c| *c.borrow_mut() = Some(self.clone()));
        self.set_tid(tid);
    }

    pub(super) fn set_tid(&self, tid: usize) {
        match self.kind {
            Kind::Real => REAL_TID.with(|t| t.set(tid)),
            Kind::Loom => LOOM_TID.with(|t| t.set(tid)),
            Kind::Shuttle => {
                SHUTTLE_TID.with(|t| t.set(tid));
                cache_shuttle_tid(self, Some(tid));
            }
        }
    }

    /// The running thread has exited: its thread-locals may go, and with
    /// them what [`ctx`] reads of its identity, which is read as before.
    pub(super) fn forget_tid(&self) {
        if self.kind == Kind::Shuttle {
            cache_shuttle_tid(self, None);
        }
    }

    pub(crate) fn leave() {
        CURRENT.with(|c| *c.borrow_mut() = None);
    }
}

/// The id of a primitive made outside any execution: it records nothing.
pub(crate) const UNTRACKED: usize = usize::MAX;

/// The context in which primitive `id` records its operations: the current
/// one, or none outside any execution. A primitive made outside the
/// explored closure (untracked) but used inside it would be invisible to the
/// checkers — its operations no scheduling points, its races unexplored —
/// so that use panics, saying so.
#[track_caller]
pub(crate) fn tracked(id: usize) -> Option<Ctx> {
    let c = ctx()?;
    if id == UNTRACKED {
        panic!(
            "racetrace: a primitive created outside the explored closure is used inside it; \
             the checkers cannot see its operations. Create it inside the closure."
        );
    }
    Some(c)
}

/// Name primitive `id` in traces (no effect on an untracked one).
pub(crate) fn rename(id: usize, name: &str) {
    if let Some(c) = tracked(id) {
        c.rename(id, name);
    }
}

/// Run `f` (a facade operation called from `loc`) with its events recorded
/// at `loc`.
pub(crate) fn at<R>(loc: &'static std::panic::Location<'static>, f: impl FnOnce() -> R) -> R {
    struct Reset(Option<Ctx>);
    impl Drop for Reset {
        fn drop(&mut self) {
            if let Some(c) = &self.0 {
                c.set_location(None);
            }
        }
    }
    let c = ctx();
    if let Some(c) = &c {
        c.set_location(Some(loc));
    }
    let _reset = Reset(c);
    f()
}

/// The current execution and racetrace thread, if any.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub(crate) exec: Arc<Execution>,
    pub(crate) tid: usize,
}

/// The backend to use for a primitive created now: the current execution's,
/// or real threads when there is none.
pub(crate) fn kind() -> Kind {
    CURRENT
        .with(|c| c.borrow().as_ref().map(|e| e.kind))
        .unwrap_or(Kind::Real)
}

/// The current execution context, if racetrace is running one on this thread.
pub(crate) fn ctx() -> Option<Ctx> {
    let exec = CURRENT.with(|c| c.borrow().clone())?;
    let tid = match exec.kind {
        Kind::Real => REAL_TID.with(Cell::get),
        Kind::Loom => LOOM_TID.try_with(Cell::get).unwrap_or(0),
        Kind::Shuttle => shuttle_tid(&exec),
    };
    Some(Ctx { exec, tid })
}

/// Who is calling, for re-entrant locks: the racetrace thread under loom and
/// shuttle (whose model threads share one OS thread), the OS thread otherwise.
pub(crate) fn thread_key() -> usize {
    std::thread_local! {
        static KEY: u8 = const { 0 };
    }
    match ctx() {
        Some(c) if c.exec.kind != Kind::Real => c.tid + 1,
        // The address of a thread-local is unique among live threads.
        _ => KEY.with(|k| k as *const u8 as usize),
    }
}

/// Unwind this thread if its execution was abandoned (and it is not already
/// unwinding: a second panic would abort). Called before every operation, so
/// this is also where an execution that has run too long is stopped: past
/// [`crate::Config::max_steps`] operations it ends with [`Special::StepLimit`],
/// well before loom's branch limit (which it cannot survive) or shuttle's
/// step bound.
pub(crate) fn check_abandoned(exec: &Execution) {
    exec.pulse.beats.fetch_add(1, Ordering::Relaxed);
    let steps = exec.steps.load(Ordering::Relaxed);
    if steps >= exec.max_steps && !exec.is_abandoned() {
        let mut st = exec.state();
        if st.special.is_none() {
            st.special = Some(Special::StepLimit(steps));
        }
        drop(st);
        exec.abandoned.store(true, Ordering::SeqCst);
        exec.wake_waiters();
    }
    if exec.is_abandoned() && !std::thread::panicking() {
        unwind(exec);
    }
}

/// Unwind this thread out of its abandoned execution. In a shuttle
/// execution winding down (see [`Execution::freeze`]) condition-variable
/// waiters are woken first: an execution the scheduler stopped (pruned,
/// livelocked) was abandoned where no waiter could be woken, and every
/// thread must unwind before the execution ends — shuttle leaks the stack of
/// a task left unfinished (with what it holds) when an execution ends any
/// other way.
pub(crate) fn unwind(exec: &Execution) -> ! {
    if exec.is_frozen() || exec.is_cancelled() {
        exec.wake_waiters();
    }
    std::panic::resume_unwind(Box::new(Abandon));
}

/// What kind of object an id names; only used for default names.
#[derive(Clone, Copy)]
pub(crate) enum ObjKind {
    Mutex,
    Condvar,
    Atomic,
    Cell,
    /// A queue or channel (`sync::Queue`, `sync::Channel`).
    Queue,
}

impl Ctx {
    pub(super) fn record(
        &self,
        st: &mut State,
        access: Access,
        op: impl Into<Cow<'static, str>>,
        object: Option<usize>,
        value: Option<String>,
    ) -> usize {
        let step = st.events.len() + 1;
        if self.exec.is_abandoned() {
            return step;
        }
        self.exec.pulse.thread.store(self.tid, Ordering::Relaxed);
        self.exec.steps.fetch_add(1, Ordering::Relaxed);
        let location = st.threads.get(self.tid).and_then(|t| t.location);
        let named = object.is_some_and(|o| o < st.names.len());
        st.events.push(Rec {
            value,
            location,
            ..Rec::new(self.tid, access, op, object, named)
        });
        step
    }

    /// This thread yields: if the latest recorded operation is its own,
    /// mark it, so that a switch to another thread there is not counted as
    /// a preemption (`trace::mark_preemptions`; dpor counts alike).
    pub(crate) fn yielded(&self) {
        let mut st = self.exec.state();
        if let Some(e) = st.events.last_mut()
            && e.thread == self.tid
        {
            e.yielded = true;
        }
    }

    /// Tell the watchdog that this thread runs now (it names the thread of
    /// an execution that stops making progress): set at every recorded
    /// operation, when a thread starts, and when a yield returns.
    pub(crate) fn running(&self) {
        self.exec.pulse.thread.store(self.tid, Ordering::Relaxed);
    }

    /// Note that the program used an ordering weaker than `SeqCst` (`op` on
    /// object `id`) where the runtime models sequential consistency only.
    /// The first such note of an execution is kept.
    pub(crate) fn note_weak_ordering(&self, id: usize, op: &str) {
        let mut st = self.exec.state();
        if st.weak_ordering.is_none() {
            let what = match st.names.get(id) {
                Some(n) => format!("{op} on {n}"),
                None => op.to_string(),
            };
            let at = st
                .threads
                .get(self.tid)
                .and_then(|t| t.location)
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            st.weak_ordering = Some(format!("{what}{at}"));
        }
    }

    /// Record this thread's next events as called from `loc` (or from
    /// nowhere in particular, with `None`).
    pub(crate) fn set_location(&self, loc: Option<&'static std::panic::Location<'static>>) {
        if let Some(t) = self.exec.state().threads.get_mut(self.tid) {
            t.location = loc;
        }
    }

    /// The event just recorded, to annotate; `None` once the execution is
    /// abandoned (nothing is recorded then, and the last event is another's).
    pub(super) fn last_event<'a>(&self, st: &'a mut State) -> Option<&'a mut Rec> {
        if self.exec.is_abandoned() {
            return None;
        }
        st.events.last_mut()
    }

    pub(crate) fn register(&self, kind: ObjKind, name: Option<&str>) -> usize {
        let mut st = self.exec.state();
        let id = st.names.len();
        let name = match name {
            Some(n) => n.to_string(),
            None => {
                let prefix = match kind {
                    ObjKind::Mutex => "mutex",
                    ObjKind::Condvar => "condvar",
                    ObjKind::Atomic => "atomic",
                    ObjKind::Cell => "cell",
                    ObjKind::Queue => "queue",
                };
                format!("{prefix}{id}")
            }
        };
        st.names.push(name);
        drop(st);
        if matches!(kind, ObjKind::Condvar) && !self.exec.is_frozen() {
            self.exec.footprints().condvars.insert(id);
        }
        id
    }

    pub(crate) fn rename(&self, id: usize, name: &str) {
        let mut st = self.exec.state();
        if id < st.names.len() {
            let st = &mut *st;
            super::rec::stamp_names(&mut st.events, id, &st.names);
            st.names[id] = name.to_string();
        }
    }

    /// Say what a thread waiting on condition variable `cv` waits for, in
    /// words, for wait-for reports (primitives built on a condition variable
    /// keep it up to date).
    pub(crate) fn set_wait_reason(&self, cv: usize, reason: String) {
        let mut st = self.exec.state();
        st.wait_reason.insert(cv, reason);
    }

    /// Record an operation that involves no backend primitive (a re-entrant
    /// mutex taken again by its holder): no scheduling point, one event.
    pub(crate) fn mark(
        &self,
        access: Access,
        op: impl Into<Cow<'static, str>>,
        object: usize,
        note: String,
    ) {
        let mut st = self.exec.state();
        self.record(&mut st, access, op, Some(object), None);
        if !self.exec.is_abandoned()
            && let Some(e) = self.last_event(&mut st)
        {
            e.note = Some(note);
        }
    }

    pub(crate) fn register_condvar(&self, id: usize, handle: Weak<dyn Wake>) {
        let mut st = self.exec.state();
        st.cvs.entry(id).or_default().handle = Some(handle);
    }

    pub(crate) fn init_value(&self, id: usize, value: String) {
        let mut st = self.exec.state();
        st.writes.insert(id, vec![(value, 0)]);
    }

    // ---- memory -----------------------------------------------------------

    pub(crate) fn read(&self, id: usize, op: impl Into<Cow<'static, str>>, value: String) {
        let mut st = self.exec.state();
        let (reads_from, stale) = match st.writes.get(&id) {
            Some(ws) => match ws.last() {
                Some((v, s)) if *v == value => (Some(*s), false),
                _ => match ws.iter().rev().find(|(v, _)| *v == value) {
                    Some((_, s)) => (Some(*s), true),
                    None => (None, false),
                },
            },
            None => (None, false),
        };
        self.record(&mut st, Access::Read, op, Some(id), Some(value));
        if !self.exec.is_abandoned()
            && let Some(e) = self.last_event(&mut st)
        {
            e.reads_from = reads_from;
            e.stale = stale;
        }
    }

    /// Record a write; returns its step.
    pub(crate) fn write(
        &self,
        id: usize,
        op: impl Into<Cow<'static, str>>,
        value: String,
    ) -> usize {
        let mut st = self.exec.state();
        let step = self.record(&mut st, Access::Write, op, Some(id), Some(value.clone()));
        st.writes.entry(id).or_default().push((value, step));
        step
    }

    /// Record a read whose source the memory model knows (rc11): the step
    /// of the write it read from (none: the initial value) and whether a
    /// later write in coherence order existed when it read.
    pub(crate) fn read_from(
        &self,
        id: usize,
        op: impl Into<Cow<'static, str>>,
        value: String,
        from: Option<usize>,
        stale: bool,
        note: Option<String>,
    ) {
        let mut st = self.exec.state();
        self.record(&mut st, Access::Read, op, Some(id), Some(value));
        if !self.exec.is_abandoned()
            && let Some(e) = self.last_event(&mut st)
        {
            e.reads_from = from;
            e.stale = stale;
            e.note = note;
        }
    }

    /// Record a read-modify-write (`wrote`: it wrote, else it is a failed
    /// compare-exchange, a read); returns its step.
    pub(crate) fn rmw(
        &self,
        id: usize,
        op: impl Into<Cow<'static, str>>,
        old: String,
        new: String,
        wrote: bool,
    ) -> usize {
        let mut st = self.exec.state();
        let step = self.record(
            &mut st,
            Access::ReadModifyWrite,
            op,
            Some(id),
            Some(new.clone()),
        );
        if !self.exec.is_abandoned()
            && let Some(e) = self.last_event(&mut st)
        {
            e.old = Some(old);
            if !wrote {
                e.access = Access::Read;
                e.value = Some(e.old.clone().unwrap_or_default());
                e.old = None;
                e.note = Some("failed".into());
            }
        }
        if wrote {
            st.writes.entry(id).or_default().push((new, step));
        }
        step
    }

    /// Record one operation of a compound primitive (a queue's `put`, a
    /// channel's `recv`): its kind, its value (and old value) and a note.
    /// Unlike [`Ctx::read`] it does not look for the write the value came from.
    pub(crate) fn op(
        &self,
        id: usize,
        access: Access,
        op: impl Into<Cow<'static, str>>,
        value: Option<String>,
        old: Option<String>,
        note: Option<String>,
    ) {
        let mut st = self.exec.state();
        self.record(&mut st, access, op, Some(id), value);
        if !self.exec.is_abandoned()
            && let Some(e) = self.last_event(&mut st)
        {
            e.old = old;
            e.note = note;
        }
    }

    /// Record an event that involves no backend operation (an async task's
    /// `join` or `lock` that must wait: the task then parks on its own
    /// condition variable). No scheduling point.
    pub(crate) fn event(
        &self,
        access: Access,
        op: impl Into<Cow<'static, str>>,
        object: Option<usize>,
        value: Option<String>,
        note: Option<String>,
    ) {
        let mut st = self.exec.state();
        self.record(&mut st, access, op, object, value);
        if let Some(e) = self.last_event(&mut st) {
            e.note = note;
        }
    }

    /// The name traces give thread `t` (`main`, `t1`, …).
    pub(crate) fn thread_name(&self, t: usize) -> String {
        let st = self.exec.state();
        st.threads
            .get(t)
            .map(|t| t.name.clone())
            .unwrap_or_default()
    }

    pub(crate) fn data_race(&self, what: String) {
        let mut st = self.exec.state();
        if st.special.is_none() {
            st.special = Some(Special::DataRace(what));
        }
        drop(st);
        self.abandon();
    }
}
