//! One execution ([`Execution`]) and its shadow state: threads, holders, waiters, events.

use super::footprint::{Footprints, Mode, Op, Pending, PendingMap, THREAD_OBJECT, Touches};
use super::ids::HashMap;
use super::rec::Rec;
use crate::trace::Deadlock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

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
    /// The execution ran [`crate::Config::max_steps`] operations without
    /// finishing: a livelock or an endless spin (the count is in the field).
    StepLimit(usize),
    Panic(String),
    DataRace(String),
    /// Every thread that could run was spinning (it yielded, and no other
    /// thread has run since): none will ever see a change.
    Livelock(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Status {
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

#[derive(Clone)]
pub(super) struct Waiter {
    pub(super) thread: usize,
    /// notify_one epochs that may wake this waiter (shuttle semantics), or a
    /// single one (loom wakes the first waiter: FIFO).
    pub(super) signals: Vec<u64>,
    pub(super) broadcast: bool,
    /// shuttle: the waiter's task, while it has not yet reached shuttle's
    /// queue of waiters (`None` once it has, and on the other backends).
    /// shuttle's `Condvar::wait` takes a scheduling point before it releases
    /// the mutex and queues the waiter; a notification another thread sends
    /// meanwhile is lost to shuttle, so the shadow state does not deliver it
    /// either (see [`Execution::scheduled`]).
    pub(super) entering: Option<usize>,
}

#[derive(Default, Clone)]
pub(super) struct CvState {
    pub(super) waiters: Vec<Waiter>,
    pub(super) next_epoch: u64,
    pub(super) handle: Option<Weak<dyn Wake>>,
}

#[derive(Clone)]
pub(super) struct ThreadState {
    pub(super) name: String,
    pub(super) status: Status,
    /// loom only: the model thread, to unpark it on abandonment.
    pub(super) loom: Option<loom::thread::Thread>,
    /// The source location of the facade operation this thread is in, if
    /// any: its events are recorded with it.
    pub(super) location: Option<&'static std::panic::Location<'static>>,
}

pub(super) struct State {
    pub(super) threads: Vec<ThreadState>,
    pub(super) events: Vec<Rec>,
    pub(super) names: Vec<String>,
    pub(super) holder: HashMap<usize, usize>,
    pub(super) cvs: HashMap<usize, CvState>,
    /// Per atomic or cell: the writes so far, as (value, step); step 0 is the initial value.
    pub(super) writes: HashMap<usize, Vec<(String, usize)>>,
    pub(super) special: Option<Special>,
    pub(super) result: Option<String>,
    pub(super) next_thread_name: usize,
    /// What a thread waiting on this condition variable is really waiting
    /// for, when a primitive built on it says so (`a permit of seats (0 free)`).
    pub(super) wait_reason: HashMap<usize, String>,
    /// The first operation with an ordering weaker than `SeqCst` seen where
    /// only sequential consistency is modelled (shuttle's runtime).
    pub(super) weak_ordering: Option<String>,
}

/// The shadow state, locked: the real one, or the scratch copy a frozen
/// execution's threads update while they unwind.
pub(super) enum StateGuard<'a> {
    Real(MutexGuard<'a, State>),
    Scratch(MutexGuard<'a, Option<State>>),
}

impl std::ops::Deref for StateGuard<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        match self {
            StateGuard::Real(g) => g,
            StateGuard::Scratch(g) => g.as_ref().expect("a scratch state while frozen"),
        }
    }
}

impl std::ops::DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut State {
        match self {
            StateGuard::Real(g) => g,
            StateGuard::Scratch(g) => g.as_mut().expect("a scratch state while frozen"),
        }
    }
}

/// How many events the execution finished last recorded (at most 4096):
/// the next one's starting capacity.
static EVENTS_HINT: AtomicUsize = AtomicUsize::new(0);

/// One execution of a pattern (one schedule).
pub(crate) struct Execution {
    pub(crate) kind: Kind,
    /// Unique among the executions of this process (from 1).
    pub(super) serial: u64,
    pub(super) abandoned: AtomicBool,
    /// Set by the `dpor` scheduler when it cuts an execution short because
    /// every runnable thread is in the sleep set: not a schedule to report.
    pruned: AtomicBool,
    /// Outside this exploration's shard: not a schedule of it, not counted.
    skipped: AtomicBool,
    /// The number of the prefix of dpor's split tree this execution runs
    /// under (`Config::jobs`), set by the scheduler.
    prefix: AtomicUsize,
    /// Run by the `dpor` scheduler: mutex acquisitions get a scheduling point
    /// of their own (shuttle acquires first and switches after).
    pub(crate) dpor: AtomicBool,
    /// Operations recorded so far (checked against the step limit).
    pub(super) steps: AtomicUsize,
    /// The step limit ([`crate::Config::max_steps`]).
    pub(super) max_steps: usize,
    /// The exploration's pulse, beaten at every operation.
    pub(crate) pulse: Arc<Pulse>,
    /// Ended by the watchdog (time limit, memory budget, no progress): not
    /// a schedule to report. Abandoned too.
    cancelled: AtomicBool,
    state: Mutex<State>,
    /// Set while an abandoned execution winds down under shuttle (see
    /// [`Execution::freeze`]): its threads update `scratch` instead of the
    /// state, and announce nothing.
    frozen: AtomicBool,
    scratch: Mutex<Option<State>>,
    /// Under shuttle: the operation each task will perform when it next runs,
    /// keyed by shuttle task id (see [`Op`]). Read by the `dpor` scheduler.
    pub(super) pending: Mutex<PendingMap>,
    pub(super) generation: std::sync::atomic::AtomicU64,
    /// What the `dpor` scheduler needs to treat a critical section as one step.
    footprints: Mutex<Footprints>,
    /// Some task reported touches not yet taken.
    pub(super) touched: AtomicBool,
    /// shuttle: condition-variable waiters still entering their wait (see
    /// [`Waiter::entering`]); when 0, [`Execution::scheduled`] has nothing
    /// to do.
    pub(super) entering: AtomicUsize,
}

/// What an execution left behind.
pub(crate) struct Finished {
    pub(crate) threads: Vec<String>,
    /// The execution's records: [`crate::rt::public_events`] with
    /// `names` makes its trace's events.
    pub(crate) events: Vec<Rec>,
    /// The objects' names at the end of the execution.
    pub(crate) names: Vec<String>,
    pub(crate) special: Option<Special>,
    pub(crate) result: Option<String>,
    pub(crate) weak_ordering: Option<String>,
}

/// What an exploration's watchdog reads of its running execution: a count
/// of racetrace operations (and scheduling decisions) that only grows while
/// some thread makes progress, and the thread that made the last one. One
/// per exploration, shared by its executions.
#[derive(Default)]
pub(crate) struct Pulse {
    pub(crate) beats: std::sync::atomic::AtomicU64,
    pub(crate) thread: AtomicUsize,
}

/// Executions alive now (made and not yet dropped), in this process: what
/// an exploration keeps per execution it has finished shows up here.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// How many executions are alive in this process (see [`LIVE`]).
pub(crate) fn live_executions() -> usize {
    LIVE.load(Ordering::Relaxed)
}

impl Drop for Execution {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Execution {
    /// A new execution of an exploration whose pulse is `pulse`, stopped
    /// with [`Special::StepLimit`] after `max_steps` operations.
    pub(crate) fn with_limits(kind: Kind, pulse: Arc<Pulse>, max_steps: usize) -> Arc<Execution> {
        LIVE.fetch_add(1, Ordering::Relaxed);
        static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Arc::new(Execution {
            kind,
            serial: SERIAL.fetch_add(1, Ordering::Relaxed),
            abandoned: AtomicBool::new(false),
            pruned: AtomicBool::new(false),
            skipped: AtomicBool::new(false),
            prefix: AtomicUsize::new(0),
            dpor: AtomicBool::new(false),
            pending: Mutex::new(PendingMap::default()),
            generation: std::sync::atomic::AtomicU64::new(0),
            footprints: Mutex::new(Footprints::default()),
            touched: AtomicBool::new(false),
            entering: AtomicUsize::new(0),
            steps: AtomicUsize::new(0),
            max_steps,
            pulse,
            cancelled: AtomicBool::new(false),
            frozen: AtomicBool::new(false),
            scratch: Mutex::new(None),
            state: Mutex::new(State {
                threads: vec![ThreadState {
                    name: "main".into(),
                    status: Status::Running,
                    loom: None,
                    location: None,
                }],
                // As many as the last execution recorded: growing the
                // vector one doubling at a time copied every event ~7 times.
                events: Vec::with_capacity(EVENTS_HINT.load(Ordering::Relaxed)),
                names: Vec::new(),
                holder: HashMap::default(),
                cvs: HashMap::default(),
                writes: HashMap::default(),
                special: None,
                result: None,
                next_thread_name: 1,
                wait_reason: HashMap::default(),
                weak_ordering: None,
            }),
        })
    }

    /// Is the latest recorded operation `tid`'s, followed by a yield? A
    /// switch away from it there is not a preemption (as the trace counts).
    pub(crate) fn yielded_last(&self, tid: usize) -> bool {
        self.state()
            .events
            .last()
            .is_some_and(|e| e.thread == tid && e.yielded)
    }

    pub(super) fn state(&self) -> StateGuard<'_> {
        if self.frozen.load(Ordering::Acquire) {
            let g = self.scratch.lock().unwrap_or_else(|p| p.into_inner());
            if g.is_some() {
                return StateGuard::Scratch(g);
            }
        }
        StateGuard::Real(self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The execution was abandoned and is winding down (see
    /// [`Execution::freeze`]).
    pub(crate) fn is_frozen(&self) -> bool {
        self.frozen.load(Ordering::Acquire)
    }

    /// Called by the shuttle recorder at the first scheduling point after
    /// the execution was abandoned, before it lets the threads unwind: from
    /// here until [`Execution::thaw`], what the unwinding threads do (exits,
    /// unlocks, destructors' operations) goes to a scratch copy of the shadow
    /// state, and their announcements and touches are dropped. The execution
    /// is then reported, and seen by the `dpor` strategy, exactly as it was
    /// when it was abandoned.
    pub(crate) fn freeze(&self) {
        if self.is_frozen() {
            return;
        }
        let copy = {
            let st = self.state();
            State {
                threads: st.threads.clone(),
                events: Vec::new(),
                names: st.names.clone(),
                holder: st.holder.clone(),
                cvs: st.cvs.clone(),
                writes: HashMap::default(),
                special: st.special.clone(),
                result: None,
                next_thread_name: st.next_thread_name,
                wait_reason: st.wait_reason.clone(),
                weak_ordering: None,
            }
        };
        *self.scratch.lock().unwrap_or_else(|p| p.into_inner()) = Some(copy);
        self.frozen.store(true, Ordering::Release);
    }

    /// Per racetrace thread: is it in a blocking operation (a lock, a wait,
    /// a join) by the shadow state? Used to wind an abandoned execution down
    /// in an order in which every thread unwinds.
    pub(crate) fn blocking_threads(&self) -> Vec<bool> {
        let st = self.state();
        st.threads
            .iter()
            .map(|t| !matches!(t.status, Status::Running | Status::Exited))
            .collect()
    }

    /// The wind-down is over (every thread has unwound, or it was given
    /// up): the state is the real one again, and the scratch copy is freed.
    pub(crate) fn thaw(&self) {
        self.frozen.store(false, Ordering::Release);
        self.scratch
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }

    /// End the execution as a livelock: every thread that could run is
    /// spinning (`what` says which). Called by the scheduler, between steps.
    pub(crate) fn end_livelocked(&self, what: String) {
        {
            let mut st = self.state();
            if st.special.is_none() {
                st.special = Some(Special::Livelock(what));
            }
        }
        self.stop();
    }

    /// End the execution as a step limit after `points` scheduling points:
    /// the scheduler's own count, before shuttle's step bound would fail the
    /// execution (and leak its unfinished tasks' stacks). Called by the
    /// scheduler, between steps.
    pub(crate) fn end_step_limit(&self, points: usize) {
        {
            let mut st = self.state();
            if st.special.is_none() {
                st.special = Some(Special::StepLimit(points));
            }
        }
        self.stop();
    }

    /// shuttle: the scheduler chose task `chosen` (if any), and
    /// `runnable(task)` says which tasks it could choose from. A
    /// condition-variable waiter still entering its wait (see
    /// [`Waiter::entering`]) that is chosen now goes on to queue itself
    /// before any other task runs; one no longer runnable has queued itself
    /// and blocked. Either way a notification reaches it from now on.
    pub(crate) fn scheduled(&self, chosen: Option<usize>, runnable: impl Fn(usize) -> bool) {
        if self.entering.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut st = self.state();
        let mut left = 0;
        for cv in st.cvs.values_mut() {
            for w in &mut cv.waiters {
                if let Some(task) = w.entering {
                    if chosen == Some(task) || !runnable(task) {
                        w.entering = None;
                    } else {
                        left += 1;
                    }
                }
            }
        }
        self.entering.store(left, Ordering::Relaxed);
    }

    /// End the execution from the scheduler, between two steps: its threads
    /// unwind at their next operation (the first to do so wakes the
    /// condition-variable waiters, which cannot be woken from inside the
    /// scheduler). Nothing is recorded.
    pub(crate) fn stop(&self) {
        self.abandoned.store(true, Ordering::SeqCst);
    }

    /// End the execution from outside (the watchdog): it is not reported,
    /// and its threads unwind at their next operation, the first waking the
    /// condition-variable waiters.
    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.abandoned.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// The objects the events from number `from` on touch, in order, each
    /// with the thread (tid) that touched it and whether the event changed
    /// it (a store, a read-modify-write, a lock or unlock, a wait, wake-up or
    /// notification, a spawn, a join; a thread's exit changes its thread
    /// object, `THREAD_OBJECT + tid`, which `is_finished` announces).
    /// Returns the number of events now.
    pub(crate) fn touched_since(
        &self,
        from: usize,
        mut f: impl FnMut(usize, usize, bool),
    ) -> usize {
        use crate::trace::Access;
        let st = self.state();
        for e in st.events.get(from..).unwrap_or(&[]) {
            let object = match e.access {
                Access::Exit => Some(THREAD_OBJECT + e.thread),
                _ => e.object,
            };
            if let Some(o) = object {
                let changes = !matches!(
                    e.access,
                    Access::Read | Access::TryLockFailed | Access::Block
                );
                f(e.thread, o, changes);
            }
        }
        st.events.len()
    }

    /// Task `task`'s thread (tid), if it announced an operation, and the
    /// objects its last announcement names (what its next operation
    /// touches) but its own thread object.
    pub(crate) fn announced_objects(&self, task: usize) -> (Option<usize>, Vec<usize>) {
        let p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        match p.get(task) {
            Some(Pending {
                op: Op::Touch(ts),
                tid,
                ..
            }) => (
                Some(*tid),
                ts.iter()
                    .map(|&(o, _)| o)
                    .filter(|&o| o != THREAD_OBJECT + tid)
                    .collect(),
            ),
            Some(p) => (Some(p.tid), Vec::new()),
            None => (None, Vec::new()),
        }
    }

    /// The names of threads, by racetrace thread id.
    pub(crate) fn thread_names(&self) -> Vec<String> {
        self.state()
            .threads
            .iter()
            .map(|t| t.name.clone())
            .collect()
    }

    pub(crate) fn is_abandoned(&self) -> bool {
        self.abandoned.load(Ordering::SeqCst)
    }

    /// The names of the threads that have not exited (while the execution
    /// winds down, by the scratch state its unwinding threads update).
    pub(crate) fn unfinished_threads(&self) -> Vec<String> {
        self.state()
            .threads
            .iter()
            .filter(|t| t.status != Status::Exited)
            .map(|t| t.name.clone())
            .collect()
    }

    /// Operations recorded so far: grows whenever some thread performs a
    /// racetrace operation (the shuttle recorder tells a spin of yields
    /// alone from one that waits for something by it).
    pub(crate) fn operations(&self) -> usize {
        self.steps.load(Ordering::Relaxed)
    }

    pub(crate) fn is_pruned(&self) -> bool {
        self.pruned.load(Ordering::SeqCst)
    }

    pub(crate) fn prune(&self) {
        self.pruned.store(true, Ordering::SeqCst);
    }

    /// Another shard's run (`Config::shard`): stopped as a pruned one is,
    /// and not counted at all.
    pub(crate) fn skip(&self) {
        self.skipped.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_skipped(&self) -> bool {
        self.skipped.load(Ordering::SeqCst)
    }

    /// The prefix of the split tree this execution runs under (0 if the
    /// tree is not split).
    pub(crate) fn set_prefix(&self, prefix: usize) {
        self.prefix.store(prefix, Ordering::Relaxed);
    }

    pub(crate) fn prefix(&self) -> usize {
        self.prefix.load(Ordering::Relaxed)
    }

    pub(super) fn footprints(&self) -> MutexGuard<'_, Footprints> {
        self.footprints.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What shuttle task `task` reported of its step since the last call.
    pub(crate) fn take_touches(&self, task: usize) -> Touches {
        if !self.touched.load(Ordering::Relaxed) {
            return Touches::default();
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
        p.label(task, performed).cloned().unwrap_or(Op::Local)
    }

    /// [`Self::pending_label`] and [`Self::pending_generation`] at once.
    pub(crate) fn pending_label_generation(
        &self,
        task: usize,
        performed: Option<(u64, usize)>,
    ) -> (Op, u64) {
        let p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let label = p.label(task, performed).cloned().unwrap_or(Op::Local);
        (label, p.get(task).map_or(0, |p| p.generation))
    }

    /// Is `f` true of what task `task`'s next step touches (see
    /// [`Self::pending_label`])? Nothing is copied.
    pub(crate) fn pending_label_is(
        &self,
        task: usize,
        performed: Option<(u64, usize)>,
        f: impl FnOnce(&Op) -> bool,
    ) -> bool {
        let p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        f(p.label(task, performed).unwrap_or(&Op::Local))
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
                p.label(task, performed.get(task).copied().flatten())
                    .cloned()
                    .unwrap_or(Op::Local)
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
            p.iter().map(|(task, p)| (task, p.tid)).collect()
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
        p.get(task).map_or(0, |p| p.generation)
    }

    /// Does the owner of mutex `m` report every touch of the data it guards
    /// (see [`Ctx::report_data`](super::Ctx::report_data))?
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
            match p.get(task) {
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

    pub(crate) fn set_result(&self, r: String) {
        self.state().result = Some(r);
    }

    pub(crate) fn finish(&self) -> Finished {
        let mut st = self.state();
        Finished {
            threads: st.threads.iter().map(|t| t.name.clone()).collect(),
            events: {
                EVENTS_HINT.store(st.events.len().min(1 << 12), Ordering::Relaxed);
                std::mem::take(&mut st.events)
            },
            names: st.names.clone(),
            special: st.special.clone(),
            result: st.result.clone(),
            weak_ordering: st.weak_ordering.take(),
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

#[cfg(test)]
impl State {
    /// A state for unit tests: one thread per entry of `statuses` (`main`,
    /// `t1`, …) and one object per entry of `names`; no lock held, no
    /// condition-variable waiter, no event.
    pub(super) fn for_test(statuses: Vec<Status>, names: &[&str]) -> State {
        let threads: Vec<ThreadState> = statuses
            .into_iter()
            .enumerate()
            .map(|(i, status)| ThreadState {
                name: if i == 0 {
                    "main".into()
                } else {
                    format!("t{i}")
                },
                status,
                loom: None,
                location: None,
            })
            .collect();
        State {
            next_thread_name: threads.len(),
            threads,
            events: Vec::new(),
            names: names.iter().map(|n| n.to_string()).collect(),
            holder: HashMap::default(),
            cvs: HashMap::default(),
            writes: HashMap::default(),
            special: None,
            result: None,
            wait_reason: HashMap::default(),
            weak_ordering: None,
        }
    }
}
