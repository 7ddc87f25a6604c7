//! The event loop: [`block_on`], [`spawn`], [`JoinHandle`], [`yield_now`],
//! on tokio's current-thread runtime for real and on racetrace's own
//! cooperative executor inside a model (see the module docs).

use crate::rt::{self, Abandon, Ctx, Execution, ObjKind};
use crate::trace::Access;
use crate::traced::sync::{Condvar, Mutex as Baton, MutexGuard as BatonGuard};
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex as StdMutex, MutexGuard as StdGuard};
use std::task::{Context, Poll, Wake, Waker};

type Payload = Box<dyn std::any::Any + Send>;

fn lock<T>(m: &StdMutex<T>) -> StdGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

// ---- the model event loop -------------------------------------------------

/// One event loop of the model executor.
struct Loop {
    /// Held by the task that runs; released at every await that switches.
    baton: Baton<()>,
    /// Set when the root future has returned: tasks still running are
    /// cancelled at their next await.
    closed: AtomicBool,
    /// Tasks that have started, to wake the parked ones at shutdown.
    started: StdMutex<Vec<Arc<Task>>>,
    /// Every task's thread, with its "finished" flag, to join the unfinished
    /// ones at shutdown.
    threads: StdMutex<Vec<(Arc<AtomicBool>, crate::traced::thread::JoinHandle<()>)>>,
}

/// A running task of the model executor (the root future is one too).
pub(crate) struct Task {
    lp: Arc<Loop>,
    /// Where the task parks when it must wait (`t1.wake`).
    wake: Condvar,
    /// Set by the task's waker.
    notified: AtomicBool,
    /// True while the task waits on `wake` (a wake-up must notify it).
    waiting: AtomicBool,
    /// What the racetrace awaitables that returned `Pending` in this poll
    /// wait for: (operation, note), for the trace and the wait-for report.
    parked: StdMutex<Vec<(String, String)>>,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.notified.store(true, SeqCst);
        if self.waiting.swap(false, SeqCst) {
            self.wake.notify_one();
        }
    }
}

/// The model task each racetrace thread of each execution is running.
#[allow(clippy::type_complexity)]
static CURRENT: StdMutex<Vec<(Arc<Execution>, usize, Arc<Task>)>> = StdMutex::new(Vec::new());

/// Removes its entry from [`CURRENT`] when dropped (also on unwinding).
struct Registered(Arc<Execution>, usize);

impl Registered {
    fn new(c: &Ctx, t: Arc<Task>) -> Registered {
        lock(&CURRENT).push((c.exec.clone(), c.tid, t));
        Registered(c.exec.clone(), c.tid)
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        lock(&CURRENT).retain(|(e, t, _)| !(Arc::ptr_eq(e, &self.0) && *t == self.1));
    }
}

/// The model task running on this racetrace thread, if any.
pub(crate) fn current_task() -> Option<Arc<Task>> {
    let c = rt::ctx()?;
    lock(&CURRENT)
        .iter()
        .find(|(e, t, _)| Arc::ptr_eq(e, &c.exec) && *t == c.tid)
        .map(|(_, _, task)| task.clone())
}

/// Called by a racetrace awaitable about to return `Pending` inside a model:
/// what the task waits for (`join t1`, `lock m`) and a note (`waits: held by
/// t2`). The executor records it if the task then parks.
pub(crate) fn park(op: String, note: String) {
    if let Some(t) = current_task() {
        lock(&t.parked).push((op, note));
    }
}

impl Task {
    fn new(lp: Arc<Loop>, name: &str) -> Task {
        Task {
            lp,
            wake: Condvar::new().named(&format!("{name}.wake")),
            notified: AtomicBool::new(false),
            waiting: AtomicBool::new(false),
            parked: StdMutex::new(Vec::new()),
        }
    }

    /// Poll `fut` until it is ready, holding the baton `g` while polling.
    /// Gives `Ok(None)` if the loop closed first (a cancelled task), and the
    /// payload of a panic of the future's (caught inside the poll: unwinding
    /// through the held baton would poison loom's mutex underneath).
    fn drive<'a, F: Future + ?Sized>(
        self: &'a Arc<Self>,
        mut fut: Pin<&mut F>,
        mut g: BatonGuard<'a, ()>,
        cancellable: bool,
    ) -> (Result<Option<F::Output>, Payload>, BatonGuard<'a, ()>) {
        let waker = Waker::from(self.clone());
        let mut cx = Context::from_waker(&waker);
        let closed = || cancellable && self.lp.closed.load(SeqCst);
        loop {
            if closed() {
                return (Ok(None), g);
            }
            self.notified.store(false, SeqCst);
            lock(&self.parked).clear();
            match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx))) {
                Ok(Poll::Ready(v)) => return (Ok(Some(v)), g),
                Ok(Poll::Pending) => {}
                Err(p) if p.is::<Abandon>() => {
                    drop(g);
                    resume_unwind(p)
                }
                Err(p) => return (Err(p), g),
            }
            if self.notified.load(SeqCst) {
                // Ready again at once (yield_now): give the loop the choice.
                drop(g);
                g = self.lp.baton.lock();
                continue;
            }
            let parked = std::mem::take(&mut *lock(&self.parked));
            let (what, note) = match parked.len() {
                0 => (
                    "a wake-up of a future that is not racetrace's".to_string(),
                    "waits".to_string(),
                ),
                1 => parked[0].clone(),
                _ => {
                    let ops: Vec<&str> = parked.iter().map(|(o, _)| o.as_str()).collect();
                    (ops.join(" or "), "waits for the first".to_string())
                }
            };
            if let Some(c) = rt::ctx() {
                // `join t1` renders as op and value: "join t1 (waits)".
                let (op, value) = what.split_once(' ').unwrap_or((what.as_str(), ""));
                c.event(
                    Access::Block,
                    op.to_string(),
                    None,
                    Some(value.to_string()),
                    Some(note),
                );
                c.set_wait_reason(self.wake.id, what.clone());
            }
            while !self.notified.load(SeqCst) && !closed() {
                self.waiting.store(true, SeqCst);
                g = self.wake.wait(g);
            }
            self.waiting.store(false, SeqCst);
        }
    }
}

// ---- join handles ------------------------------------------------------------

/// Why awaiting a [`JoinHandle`] gave no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinError {
    /// The task panicked, with this message.
    Panicked(String),
    /// The task was dropped before it finished: its event loop ended.
    Cancelled,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(m) => write!(f, "task panicked: {m}"),
            JoinError::Cancelled => write!(f, "task was cancelled"),
        }
    }
}

impl std::error::Error for JoinError {}

/// The result slot a model task fills and its handle reads.
struct Slot<T> {
    result: Option<Result<T, JoinError>>,
    done: bool,
    joiner: Option<Waker>,
}

/// An owned permission to await a task, as `tokio::task::JoinHandle`. Dropping
/// it detaches the task, which keeps running.
pub struct JoinHandle<T> {
    inner: JoinInner<T>,
    /// The task's racetrace thread index, inside an execution.
    tid: Option<usize>,
    name: String,
}

enum JoinInner<T> {
    Tokio(tokio::task::JoinHandle<T>),
    Model(Arc<StdMutex<Slot<T>>>),
    Taken,
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("task", &self.name)
            .finish_non_exhaustive()
    }
}

impl<T> JoinHandle<T> {
    /// Has the task finished (returned, panicked or been cancelled)? Not a
    /// recorded operation; under a model it reads state the running task
    /// owns, so it is exact.
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            JoinInner::Tokio(h) => h.is_finished(),
            JoinInner::Model(s) => lock(s).done,
            JoinInner::Taken => true,
        }
    }

    fn record_join(&self) {
        if let (Some(c), Some(t)) = (rt::ctx(), self.tid) {
            c.join_end(t);
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let r = match &mut this.inner {
            JoinInner::Taken => panic!("racetrace: a JoinHandle was polled after it completed"),
            JoinInner::Tokio(h) => match Pin::new(h).poll(cx) {
                Poll::Pending => None,
                Poll::Ready(Ok(v)) => Some(Ok(v)),
                Poll::Ready(Err(e)) if e.is_panic() => {
                    let p = e.into_panic();
                    if p.is::<Abandon>() {
                        resume_unwind(p);
                    }
                    Some(Err(JoinError::Panicked(rt::panics::message(p.as_ref()))))
                }
                Poll::Ready(Err(_)) => Some(Err(JoinError::Cancelled)),
            },
            JoinInner::Model(s) => {
                let mut s = lock(s);
                if s.done {
                    Some(s.result.take().unwrap_or(Err(JoinError::Cancelled)))
                } else {
                    s.joiner = Some(cx.waker().clone());
                    None
                }
            }
        };
        match r {
            Some(r) => {
                this.inner = JoinInner::Taken;
                this.record_join();
                Poll::Ready(r)
            }
            None => {
                park(format!("join {}", this.name), "waits".into());
                Poll::Pending
            }
        }
    }
}

// ---- spawn -----------------------------------------------------------------

/// Start `fut` as a task on the current event loop (inside [`block_on`]).
///
/// Unlike `tokio::task::spawn_local`, the future must be `Send`: inside a
/// model each task is a model thread. It still runs on one OS thread.
///
/// # Panics
/// Outside [`block_on`].
pub fn spawn<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if super::mode::model() {
        return spawn_model(fut);
    }
    match (rt::ctx(), REAL_LOOP.with(Cell::get)) {
        (Some(c), Some(loop_id)) => {
            rt::check_abandoned(&c.exec);
            let child = c.spawn();
            let name = c.thread_name(child);
            let h = tokio::task::spawn_local(Tracked::new(&c.exec, child, loop_id, fut, true));
            JoinHandle {
                inner: JoinInner::Tokio(h),
                tid: Some(child),
                name,
            }
        }
        _ => JoinHandle {
            inner: JoinInner::Tokio(tokio::task::spawn_local(fut)),
            tid: None,
            name: "task".into(),
        },
    }
}

fn spawn_model<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let Some(parent) = current_task() else {
        panic!("racetrace::task::spawn called outside racetrace::task::block_on");
    };
    let lp = parent.lp.clone();
    let slot = Arc::new(StdMutex::new(Slot {
        result: None,
        done: false,
        joiner: None,
    }));
    let finished = Arc::new(AtomicBool::new(false));
    let (lp2, slot2, fin2) = (lp.clone(), slot.clone(), finished.clone());
    let h = crate::traced::thread::spawn(move || run_task(lp2, slot2, fin2, fut));
    let tid = h.tid();
    let name = match (rt::ctx(), tid) {
        (Some(c), Some(t)) => c.thread_name(t),
        _ => "task".into(),
    };
    lock(&lp.threads).push((finished, h));
    JoinHandle {
        inner: JoinInner::Model(slot),
        tid,
        name,
    }
}

/// The body of a model task's thread.
fn run_task<F: Future>(
    lp: Arc<Loop>,
    slot: Arc<StdMutex<Slot<F::Output>>>,
    finished: Arc<AtomicBool>,
    fut: F,
) {
    let c = rt::ctx().expect("a model task runs inside an execution");
    let task = Arc::new(Task::new(lp.clone(), &c.thread_name(c.tid)));
    let _registered = Registered::new(&c, task.clone());
    let mut fut = Box::pin(fut);
    let g = lp.baton.lock();
    lock(&lp.started).push(task.clone());
    let (r, g) = task.drive(fut.as_mut(), g, true);
    let result = match r {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(JoinError::Cancelled),
        Err(p) => Err(JoinError::Panicked(rt::panics::message(p.as_ref()))),
    };
    // A cancelled or panicked task's future is dropped here, holding the
    // baton: its destructors (a lock guard's release) run as a task step.
    drop(fut);
    let joiner = {
        let mut s = lock(&slot);
        s.result = Some(result);
        s.done = true;
        s.joiner.take()
    };
    if let Some(w) = joiner {
        w.wake();
    }
    finished.store(true, SeqCst);
    drop(g);
}

// ---- block_on ----------------------------------------------------------------

std::thread_local! {
    /// Under `Backend::Real`, inside `block_on`: the id of the `loop` object
    /// tasks' polls are recorded against.
    static REAL_LOOP: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Run `fut` to completion on a new event loop, as `asyncio.run`: tasks it
/// spawned that are still running when it returns are cancelled (dropped at
/// their current await).
///
/// # Panics
/// Inside a task (an event loop does not nest).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    if super::mode::model() {
        block_on_model(fut)
    } else {
        block_on_tokio(fut)
    }
}

fn block_on_model<F: Future>(fut: F) -> F::Output {
    let c = rt::ctx().expect("a model runs inside an execution");
    if current_task().is_some() {
        panic!("racetrace::task::block_on called inside a task: event loops do not nest");
    }
    let lp = Arc::new(Loop {
        baton: Baton::new(()).named("loop"),
        closed: AtomicBool::new(false),
        started: StdMutex::new(Vec::new()),
        threads: StdMutex::new(Vec::new()),
    });
    let root = Arc::new(Task::new(lp.clone(), &c.thread_name(c.tid)));
    let registered = Registered::new(&c, root.clone());
    let mut fut = std::pin::pin!(fut);
    let g = lp.baton.lock();
    let (v, g) = root.drive(fut.as_mut(), g, false);
    let v = match v {
        Ok(v) => v.expect("the root future is never cancelled"),
        Err(p) => {
            // The caller's own panic: release the loop first (see `drive`).
            drop(g);
            resume_unwind(p)
        }
    };
    // Close the loop: wake parked tasks so that they see it, and join the
    // threads of unfinished ones once the baton is free.
    lp.closed.store(true, SeqCst);
    let started: Vec<Arc<Task>> = std::mem::take(&mut *lock(&lp.started));
    for t in started {
        if t.waiting.swap(false, SeqCst) {
            t.wake.notify_one();
        }
    }
    let unfinished: Vec<_> = std::mem::take(&mut *lock(&lp.threads))
        .into_iter()
        .filter(|(done, _)| !done.load(SeqCst))
        .map(|(_, h)| h)
        .collect();
    drop(g);
    for h in unfinished {
        let _ = h.join();
    }
    drop(registered);
    v
}

/// Restores [`REAL_LOOP`] when dropped.
struct RealLoop(Option<usize>);

impl Drop for RealLoop {
    fn drop(&mut self) {
        REAL_LOOP.with(|l| l.set(self.0));
    }
}

fn block_on_tokio<F: Future>(fut: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("racetrace: cannot build a tokio current-thread runtime");
    let local = tokio::task::LocalSet::new();
    let Some(c) = rt::ctx() else {
        return runtime.block_on(local.run_until(fut));
    };
    rt::check_abandoned(&c.exec);
    let loop_id = c.register(ObjKind::Mutex, Some("loop"));
    let _restore = RealLoop(REAL_LOOP.with(|l| l.replace(Some(loop_id))));
    let root = Gate::new(Tracked::new(&c.exec, c.tid, loop_id, fut, false));
    let v = runtime.block_on(local.run_until(root));
    // Drop what is left (cancelled tasks) while `loop` is still known.
    drop(local);
    v
}

/// A task's future under `Backend::Real`: each poll runs as the task's
/// racetrace thread and is recorded as holding `loop`.
struct Tracked<F> {
    exec: Arc<Execution>,
    tid: usize,
    loop_id: usize,
    fut: Option<Pin<Box<F>>>,
    /// A spawned task (records its exit) rather than the root future.
    task: bool,
}

impl<F: Future> Tracked<F> {
    fn new(exec: &Arc<Execution>, tid: usize, loop_id: usize, fut: F, task: bool) -> Self {
        Tracked {
            exec: exec.clone(),
            tid,
            loop_id,
            fut: Some(Box::pin(fut)),
            task,
        }
    }

    /// Run `f` as this task's racetrace thread.
    fn as_task<R>(&self, f: impl FnOnce(&Ctx) -> R) -> R {
        let prev = rt::ctx().map(|c| c.tid).unwrap_or(0);
        self.exec.enter(self.tid);
        let c = Ctx {
            exec: self.exec.clone(),
            tid: self.tid,
        };
        let r = catch_unwind(AssertUnwindSafe(|| f(&c)));
        self.exec.enter(prev);
        r.unwrap_or_else(|p| resume_unwind(p))
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let Some(mut fut) = this.fut.take() else {
            panic!("racetrace: a task was polled after it completed");
        };
        let (task, loop_id) = (this.task, this.loop_id);
        let (r, fut) = this.as_task(move |c| {
            c.event(Access::Lock, "lock", Some(loop_id), None, None);
            let r = catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx)));
            match r {
                Ok(Poll::Pending) => {
                    c.event(Access::Unlock, "unlock", Some(loop_id), None, None);
                    (Poll::Pending, Some(fut))
                }
                Ok(Poll::Ready(v)) => {
                    drop(fut);
                    c.event(Access::Unlock, "unlock", Some(loop_id), None, None);
                    if task {
                        c.exit_thread(None);
                    }
                    (Poll::Ready(v), None)
                }
                Err(p) => {
                    drop(fut);
                    if task && !p.is::<Abandon>() {
                        c.exit_thread(None);
                    }
                    resume_unwind(p)
                }
            }
        });
        this.fut = fut;
        r
    }
}

impl<F> Drop for Tracked<F> {
    fn drop(&mut self) {
        // A task cancelled at shutdown: drop its future as the task, and
        // record its exit.
        if let Some(fut) = self.fut.take() {
            let prev = rt::ctx().map(|c| c.tid).unwrap_or(0);
            self.exec.enter(self.tid);
            drop(fut);
            if self.task {
                Ctx {
                    exec: self.exec.clone(),
                    tid: self.tid,
                }
                .exit_thread(None);
            }
            self.exec.enter(prev);
        }
    }
}

/// Polls the root future only when it was woken: tokio's `LocalSet` polls
/// the future given to `run_until` at every turn of the loop, which would
/// record a `lock loop` for the root at every step of every task.
struct Gate<F> {
    flag: Arc<GateWaker>,
    fut: F,
}

struct GateWaker {
    woken: AtomicBool,
    outer: StdMutex<Option<Waker>>,
}

impl Wake for GateWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, SeqCst);
        if let Some(w) = lock(&self.outer).as_ref() {
            w.wake_by_ref();
        }
    }
}

impl<F> Gate<F> {
    fn new(fut: F) -> Self {
        Gate {
            flag: Arc::new(GateWaker {
                woken: AtomicBool::new(true),
                outer: StdMutex::new(None),
            }),
            fut,
        }
    }
}

impl<F: Future + Unpin> Future for Gate<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        *lock(&this.flag.outer) = Some(cx.waker().clone());
        if !this.flag.woken.swap(false, SeqCst) {
            return Poll::Pending;
        }
        let waker = Waker::from(this.flag.clone());
        Pin::new(&mut this.fut).poll(&mut Context::from_waker(&waker))
    }
}

// ---- yield_now -----------------------------------------------------------------

/// An await point and nothing else, as `await asyncio.sleep(0)`: the loop may
/// resume any ready task (under a model, the checker chooses which).
pub fn yield_now() -> YieldNow {
    YieldNow {
        state: if super::mode::model() {
            YieldState::Model(false)
        } else {
            YieldState::Tokio(Box::pin(tokio::task::yield_now()))
        },
    }
}

/// The future [`yield_now`] returns.
#[must_use = "a yield does nothing unless awaited"]
pub struct YieldNow {
    state: YieldState,
}

enum YieldState {
    Model(bool),
    Tokio(Pin<Box<dyn Future<Output = ()> + Send>>),
}

impl fmt::Debug for YieldNow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YieldNow").finish_non_exhaustive()
    }
}

impl Future for YieldNow {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &mut self.get_mut().state {
            YieldState::Model(done) => {
                if *done {
                    return Poll::Ready(());
                }
                *done = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            YieldState::Tokio(f) => f.as_mut().poll(cx),
        }
    }
}
