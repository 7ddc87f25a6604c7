//! The racetrace runtime: which backend the current execution runs on, which
//! racetrace thread is running, and the shadow state every primitive keeps up
//! to date (who holds each lock, who waits on each condition variable, which
//! threads have exited).
//!
//! The shadow state serves three ends:
//! * the trace recorder (every operation appends one [`Event`]);
//! * deadlock detection *before* the backend sees it. loom 0.7.2 aborts the
//!   process after its own deadlock report (the unwinding drops a loom guard,
//!   which panics again: loom issue #291), and shuttle stops exploring at its
//!   first failure. racetrace notices the deadlock one step earlier — the
//!   thread about to block completes a wait-for cycle, or is the last one able
//!   to run — records it, and *abandons* the execution: every racetrace
//!   operation from then on unwinds its thread with a private marker that the
//!   thread wrapper catches, condition variables with waiters are notified so
//!   their waiters wake up and unwind too, and the execution ends normally.
//!   The backend never sees a deadlock and exploration carries on;
//! * wait-for reports: what each blocked thread waits for and what it holds.
//!
//! Under loom and shuttle one execution runs on one OS thread, so the shadow
//! state is exact. Under real threads it is updated under a mutex, with the
//! record taken *after* an acquisition and *before* a release, so that a lock
//! the shadow shows as held is really held: a cycle it reports is real.

use crate::trace::{Access, BlockedThread, Deadlock, Event};
use std::cell::{Cell, RefCell};
use std::hash::{BuildHasherDefault, Hasher};

/// Maps and sets keyed by small integers (object, thread and task ids),
/// looked up at every step: hashed by multiply-and-rotate (as rustc's
/// FxHash) rather than SipHash, which showed up in dpor's profile.
type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<IdHasher>>;
type HashSet<K> = std::collections::HashSet<K, BuildHasherDefault<IdHasher>>;

#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Once, Weak};

pub(crate) mod panics;

/// Which engine runs the current execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Real,
    Loom,
    Shuttle,
}

/// The panic payload racetrace unwinds a thread with once its execution is
/// abandoned. Caught by the thread wrapper; never reported.
pub(crate) struct Abandon;

/// Something that can wake every waiter: the backends' condition variables.
pub(crate) trait Wake: Send + Sync {
    fn wake_all(&self);
}

/// Why an execution ended other than by returning normally.
#[derive(Clone, Debug)]
pub(crate) enum Special {
    Deadlock(Deadlock),
    /// The execution ran [`crate::config::MAX_STEPS`] operations without
    /// finishing: a livelock or an endless spin (the count is in the field).
    StepLimit(usize),
    Panic(String),
    DataRace(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Status {
    Running,
    /// Acquiring a mutex (blocked while somebody holds it).
    Lock(usize),
    /// Waiting on a condition variable; re-acquires the mutex once signalled.
    Cv {
        cv: usize,
        mutex: usize,
    },
    /// Joining a thread (blocked until it exits).
    Join(usize),
    Exited,
}

struct Waiter {
    thread: usize,
    /// notify_one epochs that may wake this waiter (shuttle semantics), or a
    /// single one (loom wakes the first waiter: FIFO).
    signals: Vec<u64>,
    broadcast: bool,
}

#[derive(Default)]
struct CvState {
    waiters: Vec<Waiter>,
    next_epoch: u64,
    handle: Option<Weak<dyn Wake>>,
}

struct ThreadState {
    name: String,
    status: Status,
    /// loom only: the model thread, to unpark it on abandonment.
    loom: Option<loom::thread::Thread>,
}

struct State {
    threads: Vec<ThreadState>,
    events: Vec<Event>,
    names: Vec<String>,
    holder: HashMap<usize, usize>,
    cvs: HashMap<usize, CvState>,
    /// Per atomic or cell: the writes so far, as (value, step); step 0 is the initial value.
    writes: HashMap<usize, Vec<(String, usize)>>,
    special: Option<Special>,
    result: Option<String>,
    next_thread_name: usize,
    /// What a thread waiting on this condition variable is really waiting
    /// for, when a primitive built on it says so (`a permit of seats (0 free)`).
    wait_reason: HashMap<usize, String>,
}

/// One execution of a pattern (one schedule).
pub(crate) struct Execution {
    pub(crate) kind: Kind,
    abandoned: AtomicBool,
    /// Set by the `dpor` scheduler when it cuts an execution short because
    /// every runnable thread is in the sleep set: not a schedule to report.
    pruned: AtomicBool,
    /// Run by the `dpor` scheduler: mutex acquisitions get a scheduling point
    /// of their own (shuttle acquires first and switches after).
    pub(crate) dpor: AtomicBool,
    /// Operations recorded so far (checked against the step limit).
    steps: AtomicUsize,
    state: Mutex<State>,
    /// Under shuttle: the operation each task will perform when it next runs,
    /// keyed by shuttle task id (see [`Op`]). Read by the `dpor` scheduler.
    pending: Mutex<HashMap<usize, Pending>>,
    generation: std::sync::atomic::AtomicU64,
    /// What the `dpor` scheduler needs to treat a critical section as one step.
    footprints: Mutex<Footprints>,
    /// Some task reported touches not yet taken.
    touched: AtomicBool,
}

/// For the `dpor` scheduler: which objects are condition variables, which
/// mutexes' data their owner reports touch by touch, and the touches each
/// shuttle task reported since the scheduler last looked.
#[derive(Default)]
struct Footprints {
    condvars: HashSet<usize>,
    reported: HashSet<usize>,
    touches: HashMap<usize, Vec<(usize, Mode)>>,
}

/// How an operation touches an object, for the `dpor` scheduler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Read,
    Write,
    /// Acquires a mutex: disabled while another thread holds it.
    Acquire,
    /// Releases a mutex. Independent of acquisitions: an acquisition cannot
    /// run while the mutex is held, so the two are never both enabled, and the
    /// order of critical sections is decided by acquisition against
    /// acquisition. Dependent with `try_lock` (a write), whose result it changes.
    Release,
    /// Joins a condition variable's waiters (the start of a wait). Two joins
    /// commute (the waiters are a set), and a join commutes with another
    /// waiter's `Consume`: the signal that waiter consumes was sent before
    /// the joining thread was a waiter, so it never concerned it.
    Join,
    /// Consumes the signal that woke this waiter (the wake-up of a wait).
    /// Dependent with a notification (which enables it) and with another
    /// waiter's consumption (of the same signal, perhaps).
    Consume,
    /// A whole critical section on a mutex whose owner reports what each
    /// section touches (see [`Ctx::report_data`]): two such sections are
    /// ordered only through the parts they touch. Like an acquisition it is
    /// independent of a release (never enabled while the mutex is held) and
    /// dependent with everything else on the mutex.
    Section,
}

fn conflict(a: Mode, b: Mode) -> bool {
    use Mode::*;
    !matches!(
        (a, b),
        (Read, Read)
            | (Release, Acquire)
            | (Acquire, Release)
            | (Release, Release)
            | (Join, Join)
            | (Join, Consume)
            | (Consume, Join)
            | (Section, Section)
            | (Section, Release)
            | (Release, Section)
    )
}

/// The next visible operation of a thread, as the `dpor` scheduler sees it:
/// which objects it touches and how. Two operations are dependent when they
/// touch a common object and are not both reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// Touches nothing shared (a yield, or a thread not started yet).
    Local,
    /// Touches these objects.
    Touch(Vec<(usize, Mode)>),
}

impl Op {
    pub(crate) fn dependent(&self, other: &Op) -> bool {
        match (self, other) {
            (Op::Touch(a), Op::Touch(b)) => a
                .iter()
                .any(|(x, mx)| b.iter().any(|(y, my)| x == y && conflict(*mx, *my))),
            _ => false,
        }
    }
}

/// A thread's announced next operation.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub(crate) op: Op,
    tid: usize,
    /// Increases with every announcement.
    pub(crate) generation: u64,
    /// What the thread's later steps under the same announcement touch, in
    /// order, the last repeating; empty: every step touches `op`. A mutex
    /// acquisition is `[Local]` (shuttle switches once more after it); a
    /// condvar wait is release-and-block, then consume the signal, then
    /// re-acquire.
    pub(crate) later: Vec<Op>,
}

impl Pending {
    /// What the thread's step number `k` (from 0) under this announcement touches.
    pub(crate) fn label(&self, k: usize) -> Op {
        match k.checked_sub(1) {
            None => self.op.clone(),
            Some(i) => match self.later.get(i).or(self.later.last()) {
                Some(op) => op.clone(),
                None => self.op.clone(),
            },
        }
    }
}

/// Object ids of threads (for spawn and join dependencies), above every
/// primitive's id.
pub(crate) const THREAD_OBJECT: usize = usize::MAX / 2;

/// Object ids for the parts of a primitive's state that its operations touch
/// separately (a queue's items and its unfinished-task count), below
/// [`THREAD_OBJECT`] and above every primitive's id.
pub(crate) const fn part_object(id: usize, part: usize) -> usize {
    usize::MAX / 4 + id * 4 + part
}

/// What an execution left behind.
pub(crate) struct Finished {
    pub(crate) threads: Vec<String>,
    pub(crate) events: Vec<Event>,
    pub(crate) special: Option<Special>,
    pub(crate) result: Option<String>,
}

std::thread_local! {
    static CURRENT: RefCell<Option<Arc<Execution>>> = const { RefCell::new(None) };
    static REAL_TID: Cell<usize> = const { Cell::new(0) };
}
loom::thread_local! {
    static LOOM_TID: Cell<usize> = Cell::new(0);
}
shuttle::thread_local! {
    static SHUTTLE_TID: Cell<usize> = Cell::new(0);
}

impl Execution {
    pub(crate) fn new(kind: Kind) -> Arc<Execution> {
        Arc::new(Execution {
            kind,
            abandoned: AtomicBool::new(false),
            pruned: AtomicBool::new(false),
            dpor: AtomicBool::new(false),
            pending: Mutex::new(HashMap::default()),
            generation: std::sync::atomic::AtomicU64::new(0),
            footprints: Mutex::new(Footprints::default()),
            touched: AtomicBool::new(false),
            steps: AtomicUsize::new(0),
            state: Mutex::new(State {
                threads: vec![ThreadState {
                    name: "main".into(),
                    status: Status::Running,
                    loom: None,
                }],
                events: Vec::new(),
                names: Vec::new(),
                holder: HashMap::default(),
                cvs: HashMap::default(),
                writes: HashMap::default(),
                special: None,
                result: None,
                next_thread_name: 1,
                wait_reason: HashMap::default(),
            }),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn is_abandoned(&self) -> bool {
        self.abandoned.load(Ordering::SeqCst)
    }

    pub(crate) fn is_pruned(&self) -> bool {
        self.pruned.load(Ordering::SeqCst)
    }

    pub(crate) fn prune(&self) {
        self.pruned.store(true, Ordering::SeqCst);
    }

    fn footprints(&self) -> MutexGuard<'_, Footprints> {
        self.footprints.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The touches shuttle task `task` reported since the last call.
    pub(crate) fn take_touches(&self, task: usize) -> Vec<(usize, Mode)> {
        if !self.touched.load(Ordering::Relaxed) {
            return Vec::new();
        }
        let mut f = self.footprints();
        let touches = f.touches.remove(&task).unwrap_or_default();
        if f.touches.is_empty() {
            self.touched.store(false, Ordering::Relaxed);
        }
        touches
    }

    /// What shuttle task `task`'s next step touches, given that it took
    /// `performed = (generation, steps)` steps under its announcements.
    pub(crate) fn pending_label(&self, task: usize, performed: Option<(u64, usize)>) -> Op {
        let p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let Some(p) = p.get(&task) else {
            return Op::Local;
        };
        let k = match performed {
            Some((generation, k)) if generation == p.generation => k,
            _ => 0,
        };
        p.label(k)
    }

    /// What the next steps of shuttle tasks `0..width` touch, given the
    /// steps each took under its announcements (see [`Self::pending_label`]).
    pub(crate) fn pending_labels(
        &self,
        width: usize,
        performed: &[Option<(u64, usize)>],
    ) -> Vec<Op> {
        let p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        (0..width)
            .map(|task| {
                let Some(p) = p.get(&task) else {
                    return Op::Local;
                };
                let k = match performed.get(task).copied().flatten() {
                    Some((generation, k)) if generation == p.generation => k,
                    _ => 0,
                };
                p.label(k)
            })
            .collect()
    }

    /// Per shuttle task whose thread has not exited: what its next step
    /// touches (see [`Self::pending_label`]).
    pub(crate) fn pending_of_live_threads(
        &self,
        performed: &[Option<(u64, usize)>],
    ) -> Vec<(usize, Op)> {
        let live: Vec<(usize, usize)> = {
            let p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            p.iter().map(|(&task, p)| (task, p.tid)).collect()
        };
        let st = self.state();
        let live: Vec<usize> = live
            .into_iter()
            .filter(|&(_, tid)| {
                st.threads
                    .get(tid)
                    .is_some_and(|t| t.status != Status::Exited)
            })
            .map(|(task, _)| task)
            .collect();
        drop(st);
        let mut out: Vec<(usize, Op)> = live
            .into_iter()
            .map(|task| {
                (
                    task,
                    self.pending_label(task, performed.get(task).copied().flatten()),
                )
            })
            .collect();
        out.sort_by_key(|(task, _)| *task);
        out
    }

    /// The generation of shuttle task `task`'s last announcement (0: none).
    pub(crate) fn pending_generation(&self, task: usize) -> u64 {
        let p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        p.get(&task).map_or(0, |p| p.generation)
    }

    /// Does the owner of mutex `m` report every touch of the data it guards
    /// (see [`Ctx::report_data`])?
    pub(crate) fn is_reported(&self, m: usize) -> bool {
        self.footprints().reported.contains(&m)
    }

    /// Is object `id` a condition variable?
    pub(crate) fn is_condvar(&self, id: usize) -> bool {
        self.footprints().condvars.contains(&id)
    }

    /// Does every thread now waiting on condition variable `cv` wait with
    /// mutex `m`? (Woken by a notification, such a waiter still has to take
    /// `m` again before it can do anything.)
    pub(crate) fn waiters_wait_with(&self, cv: usize, m: usize) -> bool {
        let st = self.state();
        st.cvs.get(&cv).is_none_or(|c| {
            c.waiters.iter().all(
                |w| matches!(st.threads[w.thread].status, Status::Cv { mutex, .. } if mutex == m),
            )
        })
    }

    /// Is shuttle task `task` about to acquire a mutex another thread holds?
    /// (shuttle still lists it as runnable: the attempt would block.)
    pub(crate) fn pending_disabled(&self, task: usize, label: &Op) -> bool {
        if !matches!(label, Op::Touch(ts) if ts.iter().any(|(_, m)| *m == Mode::Acquire)) {
            return false;
        }
        let tid = {
            let p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            match p.get(&task) {
                Some(p) => p.tid,
                None => return false,
            }
        };
        let Op::Touch(touches) = label else {
            return false;
        };
        let st = self.state();
        touches
            .iter()
            .any(|(m, mode)| *mode == Mode::Acquire && st.holder.get(m).is_some_and(|h| *h != tid))
    }

    /// Make this execution current on this OS thread (the driver thread under
    /// loom and shuttle, each spawned thread under the real backend).
    pub(crate) fn enter(self: &Arc<Self>, tid: usize) {
        CURRENT.with(|c| *c.borrow_mut() = Some(self.clone()));
        self.set_tid(tid);
    }

    fn set_tid(&self, tid: usize) {
        match self.kind {
            Kind::Real => REAL_TID.with(|t| t.set(tid)),
            Kind::Loom => LOOM_TID.with(|t| t.set(tid)),
            Kind::Shuttle => SHUTTLE_TID.with(|t| t.set(tid)),
        }
    }

    pub(crate) fn leave() {
        CURRENT.with(|c| *c.borrow_mut() = None);
    }

    pub(crate) fn set_result(&self, r: String) {
        self.state().result = Some(r);
    }

    pub(crate) fn finish(&self) -> Finished {
        let mut st = self.state();
        Finished {
            threads: st.threads.iter().map(|t| t.name.clone()).collect(),
            events: std::mem::take(&mut st.events),
            special: st.special.clone(),
            result: st.result.clone(),
        }
    }

    /// Wake every condition variable that has waiters (used after abandonment,
    /// and repeatedly by the real backend's watchdog).
    pub(crate) fn wake_waiters(&self) {
        let handles: Vec<Arc<dyn Wake>> = {
            let st = self.state();
            let mut ids: Vec<_> = st.cvs.keys().copied().collect();
            ids.sort_unstable();
            ids.iter()
                .filter_map(|id| {
                    let cv = &st.cvs[id];
                    if cv.waiters.is_empty() {
                        None
                    } else {
                        cv.handle.as_ref().and_then(Weak::upgrade)
                    }
                })
                .collect()
        };
        for h in handles {
            h.wake_all();
        }
        if self.kind == Kind::Loom {
            // loom's `Condvar::wait` offers a switch *before* it enqueues the
            // waiter, so a thread the shadow already counts as waiting may not
            // be in loom's queue yet: the notify above misses it, it enqueues
            // later and sleeps forever (loom then reports a deadlock of its
            // own and stops exploring). loom's `park` keeps an unpark that
            // arrives early, and the condvar's wait is a `park`: unparking
            // every waiter reaches it either way.
            let waiters: Vec<loom::thread::Thread> = {
                let st = self.state();
                st.threads
                    .iter()
                    .filter(|t| matches!(t.status, Status::Cv { .. }))
                    .filter_map(|t| t.loom.clone())
                    .collect()
            };
            for t in waiters {
                t.unpark();
            }
        }
    }
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
        Kind::Shuttle => SHUTTLE_TID.try_with(Cell::get).unwrap_or(0),
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
/// [`crate::config::MAX_STEPS`] operations it ends with [`Special::StepLimit`],
/// well before loom's branch limit (which it cannot survive) or shuttle's
/// step bound.
pub(crate) fn check_abandoned(exec: &Execution) {
    let steps = exec.steps.load(Ordering::Relaxed);
    if steps >= crate::config::MAX_STEPS && !exec.is_abandoned() {
        let mut st = exec.state();
        if st.special.is_none() {
            st.special = Some(Special::StepLimit(steps));
        }
        drop(st);
        exec.abandoned.store(true, Ordering::SeqCst);
        exec.wake_waiters();
    }
    if exec.is_abandoned() && !std::thread::panicking() {
        std::panic::resume_unwind(Box::new(Abandon));
    }
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
    /// Declare the operation this thread is about to perform (before the
    /// backend's scheduling point). Only shuttle runs need it, for `dpor`.
    /// Every operation of a thread also reads the thread's own object, so
    /// that a join depends on everything the joined thread did.
    pub(crate) fn announce(&self, touches: &[(usize, bool)]) {
        if self.exec.kind != Kind::Shuttle {
            return;
        }
        let t: Vec<(usize, Mode)> = touches
            .iter()
            .map(|&(o, w)| (o, if w { Mode::Write } else { Mode::Read }))
            .collect();
        self.announce_modes(t);
    }

    /// Declare an operation with explicit modes (mutex acquisitions).
    pub(crate) fn announce_modes(&self, mut touches: Vec<(usize, Mode)>) {
        let once = touches.iter().all(|(_, m)| *m == Mode::Acquire);
        touches.push((THREAD_OBJECT + self.tid, Mode::Read));
        let later = if once { vec![Op::Local] } else { Vec::new() };
        self.set_pending(Op::Touch(touches), later);
    }

    /// Declare a condition-variable wait on `cv` with mutex `m`: its first
    /// step releases `m` and joins the waiters, the step after the wake-up
    /// consumes the signal, the next re-acquires `m`.
    pub(crate) fn announce_wait(&self, cv: usize, m: usize) {
        let me = (THREAD_OBJECT + self.tid, Mode::Read);
        self.set_pending(
            Op::Touch(vec![(cv, Mode::Join), (m, Mode::Release), me]),
            vec![
                Op::Touch(vec![(cv, Mode::Consume), me]),
                Op::Touch(vec![(m, Mode::Acquire), me]),
            ],
        );
    }

    fn set_pending(&self, op: Op, later: Vec<Op>) {
        if self.exec.kind != Kind::Shuttle {
            return;
        }
        let Some(task) = shuttle::current::try_get_current_task() else {
            return;
        };
        let generation = self.exec.generation.fetch_add(1, Ordering::Relaxed) + 1;
        let mut p = self.exec.pending.lock().unwrap_or_else(|p| p.into_inner());
        p.insert(
            usize::from(task),
            Pending {
                op,
                tid: self.tid,
                generation,
                later,
            },
        );
    }

    /// Under `dpor`, a scheduling point right before an operation that
    /// shuttle performs without one first (mutex acquisition), so that the
    /// announced operation is exactly what the next step of this thread does.
    pub(crate) fn switch_point(&self) {
        if self.exec.kind == Kind::Shuttle && self.exec.dpor.load(Ordering::Relaxed) {
            shuttle::thread::sleep(std::time::Duration::ZERO);
        }
    }

    /// Before acquiring mutex `m` under `dpor`: shuttle switches threads
    /// right before an acquisition that will succeed, but blocks at once on
    /// a held mutex; a scheduling point of racetrace's own is needed then.
    pub(crate) fn switch_point_before_lock(&self, m: usize) {
        if self.exec.kind == Kind::Shuttle
            && self.exec.dpor.load(Ordering::Relaxed)
            && self.exec.state().holder.contains_key(&m)
        {
            shuttle::thread::sleep(std::time::Duration::ZERO);
        }
    }

    /// Under `dpor`: mutex `m` guards data that its owner (a racetrace
    /// primitive such as [`crate::sync::Queue`]) touches only through
    /// operations that it reports with [`Ctx::touch`]. A critical section on
    /// such a mutex is then dependent only with sections that touch the same
    /// parts, not with every section on the mutex.
    pub(crate) fn report_data(&self, m: usize) {
        if self.exec.kind == Kind::Shuttle {
            self.exec.footprints().reported.insert(m);
        }
    }

    /// Under `dpor`: this thread's current step touches `touches` (parts of
    /// the data of a mutex it holds, see [`Ctx::report_data`]).
    pub(crate) fn touch(&self, touches: &[(usize, Mode)]) {
        if self.exec.kind != Kind::Shuttle || !self.exec.dpor.load(Ordering::Relaxed) {
            return;
        }
        let Some(task) = shuttle::current::try_get_current_task() else {
            return;
        };
        self.exec
            .footprints()
            .touches
            .entry(usize::from(task))
            .or_default()
            .extend_from_slice(touches);
        self.exec.touched.store(true, Ordering::Relaxed);
    }

    /// Declare a step that touches nothing shared.
    pub(crate) fn announce_local(&self) {
        self.set_pending(Op::Local, Vec::new());
    }

    fn record(
        &self,
        st: &mut State,
        access: Access,
        op: &str,
        object: Option<usize>,
        value: Option<String>,
    ) -> usize {
        let step = st.events.len() + 1;
        if self.exec.is_abandoned() {
            return step;
        }
        self.exec.steps.fetch_add(1, Ordering::Relaxed);
        st.events.push(Event {
            step,
            thread: self.tid,
            object,
            name: object.and_then(|o| st.names.get(o).cloned()),
            access,
            op: op.to_string(),
            value,
            old: None,
            reads_from: None,
            stale: false,
            note: None,
            preempted: None,
        });
        step
    }

    /// The event just recorded, to annotate; `None` once the execution is
    /// abandoned (nothing is recorded then, and the last event is another's).
    fn last_event<'a>(&self, st: &'a mut State) -> Option<&'a mut Event> {
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
        if matches!(kind, ObjKind::Condvar) {
            self.exec.footprints().condvars.insert(id);
        }
        id
    }

    pub(crate) fn rename(&self, id: usize, name: &str) {
        let mut st = self.exec.state();
        if let Some(n) = st.names.get_mut(id) {
            *n = name.to_string();
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
    pub(crate) fn mark(&self, access: Access, op: &str, object: usize, note: String) {
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

    pub(crate) fn read(&self, id: usize, op: &str, value: String) {
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

    pub(crate) fn write(&self, id: usize, op: &str, value: String) {
        let mut st = self.exec.state();
        let step = self.record(&mut st, Access::Write, op, Some(id), Some(value.clone()));
        st.writes.entry(id).or_default().push((value, step));
    }

    pub(crate) fn rmw(&self, id: usize, op: &str, old: String, new: String, wrote: bool) {
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
    }

    /// Record one operation of a compound primitive (a queue's `put`, a
    /// channel's `recv`): its kind, its value (and old value) and a note.
    /// Unlike [`Ctx::read`] it does not look for the write the value came from.
    pub(crate) fn op(
        &self,
        id: usize,
        access: Access,
        op: &str,
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
        op: &str,
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

    // ---- threads ----------------------------------------------------------

    /// Record a spawn; returns the child's index.
    pub(crate) fn spawn(&self) -> usize {
        let mut st = self.exec.state();
        let child = st.threads.len();
        let name = format!("t{}", st.next_thread_name);
        st.next_thread_name += 1;
        st.threads.push(ThreadState {
            name: name.clone(),
            status: Status::Running,
            loom: None,
        });
        self.record(&mut st, Access::Spawn, "spawn", None, Some(name));
        child
    }

    pub(crate) fn enter_thread(&self) {
        self.exec.set_tid(self.tid);
        if self.exec.kind == Kind::Loom {
            self.exec.state().threads[self.tid].loom = Some(loom::thread::current());
        }
    }

    /// The thread's function has returned or unwound. `panic` is the message
    /// of a panic that was not racetrace's own.
    pub(crate) fn exit_thread(&self, panic: Option<String>) {
        let mut st = self.exec.state();
        st.threads[self.tid].status = Status::Exited;
        self.record(&mut st, Access::Exit, "exit", None, None);
        if let Some(msg) = panic {
            if st.special.is_none() {
                st.special = Some(Special::Panic(msg));
            }
            drop(st);
            self.abandon();
            return;
        }
        if !self.exec.is_abandoned()
            && let Some(d) = global_deadlock(&st)
        {
            record_pending_blocks(&self.exec, &mut st);
            st.special = Some(Special::Deadlock(d));
            drop(st);
            self.abandon();
        }
    }

    pub(crate) fn join_begin(&self, child: usize) {
        check_abandoned(&self.exec);
        let mut st = self.exec.state();
        if st.threads.get(child).map(|t| &t.status) == Some(&Status::Exited) {
            return;
        }
        st.threads[self.tid].status = Status::Join(child);
        let name = st.threads[child].name.clone();
        self.record(&mut st, Access::Block, "join", None, Some(name));
        if let Some(e) = self.last_event(&mut st) {
            e.note = Some("waits".into());
        }
        self.deadlock_check(st);
    }

    pub(crate) fn join_end(&self, child: usize) {
        let mut st = self.exec.state();
        st.threads[self.tid].status = Status::Running;
        let name = st.threads[child].name.clone();
        self.record(&mut st, Access::Join, "join", None, Some(name));
        drop(st);
        check_abandoned(&self.exec);
    }

    // ---- mutexes ----------------------------------------------------------

    pub(crate) fn lock_begin(&self, m: usize) {
        check_abandoned(&self.exec);
        let mut st = self.exec.state();
        st.threads[self.tid].status = Status::Lock(m);
        if let Some(&h) = st.holder.get(&m) {
            let who = st.threads[h].name.clone();
            self.record(&mut st, Access::Block, "lock", Some(m), None);
            if let Some(e) = self.last_event(&mut st) {
                e.note = Some(format!("waits: held by {who}"));
            }
            self.deadlock_check(st);
        }
    }

    pub(crate) fn lock_end(&self, m: usize, value: Option<String>) {
        let mut st = self.exec.state();
        st.threads[self.tid].status = Status::Running;
        st.holder.insert(m, self.tid);
        self.record(&mut st, Access::Lock, "lock", Some(m), value);
    }

    pub(crate) fn try_lock(&self, m: usize, ok: bool, value: Option<String>) {
        check_abandoned(&self.exec);
        let mut st = self.exec.state();
        if ok {
            st.holder.insert(m, self.tid);
            self.record(&mut st, Access::Lock, "try_lock", Some(m), value);
        } else {
            let who = st.holder.get(&m).map(|&h| st.threads[h].name.clone());
            self.record(&mut st, Access::TryLockFailed, "try_lock", Some(m), None);
            if let Some(e) = self.last_event(&mut st) {
                e.note = Some(match who {
                    Some(w) => format!("fails: held by {w}"),
                    None => "fails".into(),
                });
            }
        }
    }

    pub(crate) fn unlock(&self, m: usize, value: Option<String>) {
        let mut st = self.exec.state();
        if st.holder.get(&m) == Some(&self.tid) {
            st.holder.remove(&m);
        }
        self.record(&mut st, Access::Unlock, "unlock", Some(m), value);
    }

    // ---- condition variables ---------------------------------------------

    pub(crate) fn wait_begin(&self, cv: usize, m: usize) {
        check_abandoned(&self.exec);
        let mut st = self.exec.state();
        if st.holder.get(&m) == Some(&self.tid) {
            st.holder.remove(&m);
        }
        st.threads[self.tid].status = Status::Cv { cv, mutex: m };
        st.cvs.entry(cv).or_default().waiters.push(Waiter {
            thread: self.tid,
            signals: Vec::new(),
            broadcast: false,
        });
        let mname = st.names.get(m).cloned().unwrap_or_default();
        self.record(&mut st, Access::Wait, "wait", Some(cv), None);
        if let Some(e) = self.last_event(&mut st) {
            e.note = Some(format!("releases {mname}"));
        }
        self.deadlock_check(st);
    }

    pub(crate) fn wait_end(&self, cv: usize, m: usize) {
        let mut st = self.exec.state();
        let entry = st.cvs.entry(cv).or_default();
        if let Some(pos) = entry.waiters.iter().position(|w| w.thread == self.tid) {
            let me = entry.waiters.remove(pos);
            if !me.broadcast {
                // Consume the signal that woke us: the oldest we were eligible
                // for, or (if the shadow missed it) the oldest pending at all.
                let epoch = me.signals.first().copied().or_else(|| {
                    entry
                        .waiters
                        .iter()
                        .filter_map(|w| w.signals.first().copied())
                        .min()
                });
                if let Some(ep) = epoch {
                    for w in &mut entry.waiters {
                        w.signals.retain(|&s| s != ep);
                    }
                }
            }
        }
        st.threads[self.tid].status = Status::Running;
        st.holder.insert(m, self.tid);
        let mname = st.names.get(m).cloned().unwrap_or_default();
        self.record(&mut st, Access::Wake, "woken", Some(cv), None);
        if let Some(e) = self.last_event(&mut st) {
            e.note = Some(format!("re-locks {mname}"));
        }
        drop(st);
        check_abandoned(&self.exec);
    }

    pub(crate) fn notify(&self, cv: usize, all: bool) {
        let mut st = self.exec.state();
        let kind = self.exec.kind;
        let entry = st.cvs.entry(cv).or_default();
        let epoch = entry.next_epoch;
        entry.next_epoch += 1;
        let mut woken: Vec<usize> = Vec::new();
        if all {
            for w in &mut entry.waiters {
                w.broadcast = true;
                woken.push(w.thread);
            }
        } else if kind == Kind::Loom {
            // loom wakes the first waiter that is still waiting (FIFO).
            if let Some(w) = entry
                .waiters
                .iter_mut()
                .find(|w| !w.broadcast && w.signals.is_empty())
            {
                w.signals.push(epoch);
                woken.push(w.thread);
            }
        } else {
            // shuttle (and real threads) may wake any current waiter: each is
            // eligible for this signal until one of them consumes it.
            for w in &mut entry.waiters {
                if !w.broadcast {
                    w.signals.push(epoch);
                    woken.push(w.thread);
                }
            }
        }
        let names: Vec<String> = woken.iter().map(|&t| st.threads[t].name.clone()).collect();
        let op = if all { "notify_all" } else { "notify_one" };
        self.record(&mut st, Access::Notify, op, Some(cv), None);
        if let Some(e) = self.last_event(&mut st) {
            e.note = Some(match (names.len(), all || kind == Kind::Loom) {
                (0, _) => "no waiter".into(),
                (_, true) => format!("wakes {}", names.join(", ")),
                (1, false) => format!("wakes {}", names[0]),
                (_, false) => format!("wakes one of {}", names.join(", ")),
            });
        }
    }

    // ---- deadlocks --------------------------------------------------------

    /// Called with the state locked when this thread is about to block.
    fn deadlock_check(&self, st: MutexGuard<'_, State>) {
        let mut st = st;
        if self.exec.is_abandoned() {
            drop(st);
            check_abandoned(&self.exec);
            return;
        }
        let found = cycle_from(&st, self.tid)
            .map(|cycle| report(&st, cycle))
            .or_else(|| global_deadlock(&st));
        if let Some(d) = found {
            if st.special.is_none() {
                record_pending_blocks(&self.exec, &mut st);
                st.special = Some(Special::Deadlock(d));
            }
            drop(st);
            self.abandon();
            std::panic::resume_unwind(Box::new(Abandon));
        }
    }

    /// Stop the execution: later operations unwind their threads, and
    /// condition-variable waiters are woken so they can unwind too.
    pub(crate) fn abandon(&self) {
        self.exec.abandoned.store(true, Ordering::SeqCst);
        self.exec.wake_waiters();
    }
}

/// A thread that called `lock` while the mutex was free, and lost it to
/// another thread before getting it (the backend switched inside `lock`), is
/// blocked but has recorded no `Block` event. When a deadlock is found, record
/// one for each such thread, in thread order, so that the trace ends with what
/// every thread waits for.
fn record_pending_blocks(exec: &Execution, st: &mut State) {
    for t in 0..st.threads.len() {
        let Status::Lock(m) = st.threads[t].status else {
            continue;
        };
        let Some(&h) = st.holder.get(&m) else {
            continue;
        };
        let last = st.events.iter().rev().find(|e| e.thread == t);
        if last.is_some_and(|e| e.access == Access::Block && e.object == Some(m)) {
            continue;
        }
        let who = st.threads[h].name.clone();
        st.events.push(Event {
            step: st.events.len() + 1,
            thread: t,
            object: Some(m),
            name: st.names.get(m).cloned(),
            access: Access::Block,
            op: "lock".into(),
            value: None,
            old: None,
            reads_from: None,
            stale: false,
            note: Some(format!("waits: held by {who}")),
            preempted: None,
        });
        exec.steps.fetch_add(1, Ordering::Relaxed);
    }
}

/// Is thread `t` unable to run until another thread acts?
fn blocked(st: &State, t: usize) -> bool {
    match &st.threads[t].status {
        Status::Running | Status::Exited => false,
        Status::Lock(m) => st.holder.contains_key(m),
        Status::Join(c) => st.threads[*c].status != Status::Exited,
        Status::Cv { cv, mutex } => {
            let signalled = st
                .cvs
                .get(cv)
                .and_then(|c| c.waiters.iter().find(|w| w.thread == t))
                .map(|w| w.broadcast || !w.signals.is_empty())
                .unwrap_or(true);
            !signalled || st.holder.contains_key(mutex)
        }
    }
}

/// The one thread that must act to unblock `t`, if there is exactly one.
fn successor(st: &State, t: usize) -> Option<usize> {
    match &st.threads[t].status {
        Status::Lock(m) => st.holder.get(m).copied(),
        Status::Join(c) if st.threads[*c].status != Status::Exited => Some(*c),
        _ => None,
    }
}

/// A wait-for cycle through `start`, following locks and joins.
fn cycle_from(st: &State, start: usize) -> Option<Vec<usize>> {
    let mut path = vec![start];
    let mut t = start;
    while let Some(next) = successor(st, t) {
        if next == start {
            return Some(path);
        }
        if path.contains(&next) || path.len() > st.threads.len() {
            return None;
        }
        path.push(next);
        t = next;
    }
    None
}

/// All unfinished threads blocked: a deadlock, whatever the cycle.
fn global_deadlock(st: &State) -> Option<Deadlock> {
    let live: Vec<usize> = (0..st.threads.len())
        .filter(|&t| st.threads[t].status != Status::Exited)
        .collect();
    if live.is_empty() || !live.iter().all(|&t| blocked(st, t)) {
        return None;
    }
    let cycle = live
        .iter()
        .find_map(|&t| cycle_from(st, t))
        .unwrap_or_default();
    Some(report(st, cycle))
}

fn report(st: &State, cycle: Vec<usize>) -> Deadlock {
    // Start the cycle at its lowest thread so the report is deterministic.
    let cycle = match cycle.iter().enumerate().min_by_key(|(_, t)| **t) {
        Some((i, _)) => {
            let mut c = cycle.clone();
            c.rotate_left(i);
            c
        }
        None => cycle,
    };
    let name = |o: usize| st.names.get(o).cloned().unwrap_or_default();
    let mut blocked_threads = Vec::new();
    for t in 0..st.threads.len() {
        let waits_for = match &st.threads[t].status {
            Status::Running => {
                if !cycle.is_empty() {
                    continue;
                }
                "nothing (runnable)".to_string()
            }
            Status::Exited => continue,
            Status::Lock(m) => format!("lock {}", name(*m)),
            Status::Join(c) => format!("join {}", st.threads[*c].name),
            Status::Cv { cv, mutex } => {
                if blocked(st, t) && st.holder.contains_key(mutex) && {
                    let w = st
                        .cvs
                        .get(cv)
                        .and_then(|c| c.waiters.iter().find(|w| w.thread == t));
                    w.map(|w| w.broadcast || !w.signals.is_empty())
                        .unwrap_or(false)
                } {
                    format!("lock {} (woken by {})", name(*mutex), name(*cv))
                } else if let Some(why) = st.wait_reason.get(cv) {
                    why.clone()
                } else {
                    format!("a notify on {}", name(*cv))
                }
            }
        };
        let mut holds: Vec<(usize, String)> = st
            .holder
            .iter()
            .filter(|(_, h)| **h == t)
            .map(|(m, _)| (*m, name(*m)))
            .collect();
        holds.sort();
        blocked_threads.push(BlockedThread {
            thread: t,
            waits_for,
            held_by: successor(st, t),
            holds: holds.into_iter().map(|(_, n)| n).collect(),
        });
    }
    Deadlock {
        blocked: blocked_threads,
        cycle,
    }
}

/// Install racetrace's panic hook once: panics inside an exploration are
/// outcomes, not noise, so they are not printed there.
pub(crate) fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // shuttle installs its own hook on its first execution, wrapping the
        // hook it finds. Take the hook that is there now, let shuttle install
        // its own (one empty execution), and put racetrace's over both.
        let original = std::panic::take_hook();
        shuttle::Runner::new(
            shuttle::scheduler::RandomScheduler::new_from_seed(0, 1),
            shuttle::Config::new(),
        )
        .run(|| {});
        let shuttle_hook = std::panic::take_hook();
        panics::install(original, shuttle_hook);
    });
}
