//! [`Thread`], [`ThreadId`], [`current`], [`park`] and [`park_timeout`].
//!
//! Inside an execution a thread is known by its racetrace index (`main` is
//! 0, then spawn order), kept in a thread-local of the backend's (loom's and
//! shuttle's threads share one OS thread, so std's cannot tell them apart).
//! Its park token is a traced `Mutex<bool>` and `Condvar`, made on first
//! use: a park no unpark can end is a deadlock like any other wait.
//! Outside any execution these are std's own.

use crate::rt::{self, Ctx, Execution, Kind};
use crate::traced::sync as traced;
use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

/// A handle to a thread, as `std::thread::Thread`.
#[derive(Clone)]
pub struct Thread {
    inner: Arc<Inner>,
}

struct Inner {
    /// The racetrace thread index, inside an execution.
    tid: OnceLock<usize>,
    /// The OS thread, outside any execution.
    os: OnceLock<std::thread::Thread>,
    name: Option<String>,
    token: OnceLock<Token>,
}

/// A thread's identifier, as `std::thread::ThreadId` (which cannot be made
/// outside std): the OS thread's id outside any execution, the racetrace
/// thread index inside one (its `Debug` shows that index: `ThreadId(0)` is
/// `main`). Unique among the threads of one execution.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ThreadId(Id);

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Id {
    Model(usize),
    Os(std::thread::ThreadId),
}

impl fmt::Debug for ThreadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Id::Model(t) => write!(f, "ThreadId({t})"),
            Id::Os(id) => fmt::Debug::fmt(&id, f),
        }
    }
}

/// The park token: a traced flag and condition variable.
struct Token {
    flag: traced::Mutex<bool>,
    cv: traced::Condvar,
    /// Mirrors `flag`, untraced: lets a real-thread `park_timeout` sleep in
    /// slices without recording a lock at every one.
    hint: AtomicBool,
}

impl Token {
    fn new(tid: usize) -> Token {
        let flag = traced::Mutex::new(false);
        let cv = traced::Condvar::new();
        if let Some(c) = rt::ctx() {
            let who = c.thread_name(tid);
            c.rename(flag.id, &format!("{who}.park"));
            c.rename(cv.id, &format!("{who}.park"));
            c.set_wait_reason(cv.id, format!("an unpark of {who}"));
        }
        Token {
            flag,
            cv,
            hint: AtomicBool::new(false),
        }
    }

    /// Take the token if it is there.
    fn consume(&self) -> bool {
        let mut g = self.flag.lock();
        let had = *g;
        *g = false;
        self.hint.store(false, Ordering::Relaxed);
        had
    }
}

impl Thread {
    /// The thread of a new spawn, before it runs: its index or OS thread
    /// is set by the spawner once known, and by the thread when it starts.
    pub(super) fn unstarted(name: Option<String>) -> Thread {
        Thread {
            inner: Arc::new(Inner {
                tid: OnceLock::new(),
                os: OnceLock::new(),
                name,
                token: OnceLock::new(),
            }),
        }
    }

    fn os(t: std::thread::Thread) -> Thread {
        let me = Thread::unstarted(t.name().map(str::to_string));
        let _ = me.inner.os.set(t);
        me
    }

    /// Set what the spawner learnt: the racetrace index or the OS thread.
    pub(super) fn spawned(&self, tid: Option<usize>, os: Option<&std::thread::Thread>) {
        if let Some(t) = tid {
            let _ = self.inner.tid.set(t);
        }
        if let Some(t) = os {
            let _ = self.inner.os.set(t.clone());
        }
    }

    /// Called first thing on the thread itself: [`current`] returns this.
    pub(super) fn enter(&self) {
        match rt::ctx() {
            Some(c) => {
                let _ = self.inner.tid.set(c.tid);
                register(&c, self.clone());
            }
            None => {
                let _ = self.inner.os.set(std::thread::current());
            }
        }
    }

    /// The thread's identifier.
    pub fn id(&self) -> ThreadId {
        match (self.inner.tid.get(), self.inner.os.get()) {
            (Some(t), _) => ThreadId(Id::Model(*t)),
            (None, Some(os)) => ThreadId(Id::Os(os.id())),
            (None, None) => unreachable!("a thread handle is handed out once its thread is known"),
        }
    }

    /// The thread's name: `Builder::name`'s, or `main` for the thread an
    /// execution starts with.
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    /// Make the thread's token available: its next (or current) `park`
    /// returns. Under the checkers a lock, a notification and an unlock of
    /// its token (`t1.park`).
    pub fn unpark(&self) {
        match self.inner.tid.get() {
            Some(&tid) => {
                let t = self.token(tid);
                let mut g = t.flag.lock();
                *g = true;
                t.hint.store(true, Ordering::Release);
                t.cv.notify_one();
                drop(g);
            }
            None => self.inner.os.get().expect("a started thread").unpark(),
        }
    }

    fn token(&self, tid: usize) -> &Token {
        self.inner.token.get_or_init(|| Token::new(tid))
    }
}

impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thread")
            .field("id", &self.id())
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

/// The current thread's [`Thread`] in an execution, per backend thread.
struct Registered {
    exec: Weak<Execution>,
    tid: usize,
    thread: Thread,
}

type Slot = RefCell<Option<Registered>>;

std::thread_local! {
    static REAL: Slot = const { RefCell::new(None) };
}
loom::thread_local! {
    static LOOM: Slot = RefCell::new(None);
}
shuttle::thread_local! {
    static SHUTTLE: Slot = RefCell::new(None);
}

fn with_slot<R>(c: &Ctx, f: impl FnOnce(&Slot) -> R) -> Option<R> {
    match c.exec.kind {
        Kind::Real => REAL.try_with(f).ok(),
        Kind::Loom => LOOM.try_with(f).ok(),
        Kind::Shuttle => SHUTTLE.try_with(f).ok(),
    }
}

fn register(c: &Ctx, thread: Thread) {
    let r = Registered {
        exec: Arc::downgrade(&c.exec),
        tid: c.tid,
        thread,
    };
    with_slot(c, |s| *s.borrow_mut() = Some(r));
}

/// This thread in execution `c`: the one registered, or a new one (a
/// thread spawned through `racetrace::traced::thread`, or `main`).
fn in_execution(c: &Ctx) -> Thread {
    let found = with_slot(c, |s| {
        s.borrow()
            .as_ref()
            .filter(|r| r.tid == c.tid && std::ptr::eq(r.exec.as_ptr(), Arc::as_ptr(&c.exec)))
            .map(|r| r.thread.clone())
    })
    .flatten();
    found.unwrap_or_else(|| {
        let name = (c.tid == 0).then(|| "main".to_string());
        let t = Thread::unstarted(name);
        let _ = t.inner.tid.set(c.tid);
        register(c, t.clone());
        t
    })
}

/// The calling thread's handle, as `std::thread::current`.
pub fn current() -> Thread {
    match rt::ctx() {
        Some(c) => in_execution(&c),
        None => Thread::os(std::thread::current()),
    }
}

/// Block until this thread's token is available, then take it, as
/// `std::thread::park`. Under the checkers (and on real threads inside an
/// execution) it returns only once unparked — std allows spurious returns,
/// racetrace makes none — and a park that no unpark can end is reported as
/// the outcome `deadlock`.
pub fn park() {
    let Some(c) = rt::ctx() else {
        return std::thread::park();
    };
    let t = in_execution(&c);
    let tok = t.token(c.tid);
    let mut g = tok.flag.lock();
    while !*g {
        g = tok.cv.wait(g);
    }
    *g = false;
    tok.hint.store(false, Ordering::Relaxed);
}

/// As [`park`], giving up after `dur`, as `std::thread::park_timeout`.
/// Under the checkers time is not modelled: a scheduling point (a yield,
/// as `sleep` is) after which the token is taken if it is there; the
/// schedules in which the unpark comes first are those in which std's
/// would have been woken. On real threads inside an execution it sleeps
/// in slices of at most 1 ms until unparked or `dur` has passed.
pub fn park_timeout(dur: Duration) {
    let Some(c) = rt::ctx() else {
        return std::thread::park_timeout(dur);
    };
    let t = in_execution(&c);
    let tok = t.token(c.tid);
    if c.exec.kind != Kind::Real {
        crate::traced::thread::yield_now();
        tok.consume();
        return;
    }
    if tok.consume() {
        return;
    }
    let deadline = Instant::now() + dur;
    while !tok.hint.load(Ordering::Acquire) {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(1)));
    }
    tok.consume();
}

/// Spawn a racetrace thread running `f`, with its [`Thread`] (the same
/// one [`current`](current) returns on it).
pub(super) fn spawn_thread<F, T>(
    name: Option<String>,
    stack_size: Option<usize>,
    f: F,
) -> std::io::Result<(crate::traced::thread::JoinHandle<T>, Thread)>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let thread = Thread::unstarted(name.clone());
    let me = thread.clone();
    let h = crate::traced::thread::spawn_with(name, stack_size, move || {
        me.enter();
        drop(me);
        f()
    })?;
    thread.spawned(h.tid(), h.std_thread());
    Ok((h, thread))
}
