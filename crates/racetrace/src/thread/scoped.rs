//! Scoped threads: [`scope`], [`Scope`] and [`ScopedJoinHandle`], as std's.
//!
//! A scoped thread is an ordinary racetrace thread (spawned, scheduled,
//! joined and traced as any other) whose function borrows from outside the
//! scope. racetrace's spawn requires `'static`, so the function's lifetime
//! is erased, and soundness rests on what std's rests on: `scope` joins
//! every thread spawned in it before it returns or unwinds. Every join of a
//! scoped thread (the scope's and [`ScopedJoinHandle::join`]) waits for the
//! thread to finish even when the execution is abandoned meanwhile (a
//! plain join would unwind at once, leaving the thread running).

use super::current::{Thread, spawn_thread};
use crate::traced::thread::{self as traced, Finished};
use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A scope to spawn scoped threads in, as `std::thread::Scope`.
pub struct Scope<'scope, 'env: 'scope> {
    threads: Mutex<Vec<Arc<Slot>>>,
    scope: PhantomData<&'scope mut &'scope ()>,
    env: PhantomData<&'env mut &'env ()>,
}

/// One scoped thread, for whoever joins it first.
type Slot = Mutex<State>;

enum State {
    Running(traced::JoinHandle<()>),
    /// Joined through its handle (or being joined): its result is seen.
    Taken,
    /// Being joined by the scope.
    Joining,
    /// Joined by the scope; `Some(message)` if it panicked.
    Joined(Option<String>),
}

/// An owned permission to join a scoped thread, as
/// `std::thread::ScopedJoinHandle`.
pub struct ScopedJoinHandle<'scope, T> {
    slot: Arc<Slot>,
    result: Arc<Mutex<Option<T>>>,
    finished: Finished,
    thread: Thread,
    scope: PhantomData<&'scope ()>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The slot's state, replaced by `by`, if `now` holds of it.
fn take(slot: &Slot, now: impl FnOnce(&State) -> bool, by: State) -> Option<State> {
    let mut g = lock(slot);
    now(&g).then(|| std::mem::replace(&mut *g, by))
}

/// Std's panic payload for a joined thread that panicked: its message.
fn payload(message: Option<String>) -> Box<dyn Any + Send> {
    Box::new(message.unwrap_or_else(|| "the thread did not finish".into()))
}

/// Run `f` with a scope to spawn threads in that may borrow non-`'static`
/// data; every thread spawned in it is joined before `scope` returns, as
/// `std::thread::scope`. Panics after joining them all if one of those it
/// joined itself panicked (a panic seen through `join` is the joiner's);
/// a panic of `f` is resumed after the joins.
///
/// Under the checkers a panicking scoped thread ends the execution with
/// the outcome `panic: …`, as any thread does. If the scope's thread holds
/// a lock that a scoped thread waits for, std hangs forever; racetrace
/// reports the deadlock, but cannot leave the scope before that thread
/// ends, so the backend then meets the deadlock too.
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    let scope = Scope {
        threads: Mutex::new(Vec::new()),
        scope: PhantomData,
        env: PhantomData,
    };
    let result = catch_unwind(AssertUnwindSafe(|| f(&scope)));
    let (unwind, panicked) = scope.join_all();
    match (result, unwind) {
        (Err(p), _) | (Ok(_), Some(p)) => resume_unwind(p),
        (Ok(_), None) if panicked => panic!("a scoped thread panicked"),
        (Ok(r), None) => r,
    }
}

impl<'scope> Scope<'scope, '_> {
    /// Spawn a thread that may borrow from outside the scope, as
    /// `std::thread::Scope::spawn`.
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.spawn_with(None, None, f)
            .expect("failed to spawn thread")
    }

    pub(super) fn spawn_with<F, T>(
        &'scope self,
        name: Option<String>,
        stack_size: Option<usize>,
        f: F,
    ) -> std::io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let result = Arc::new(Mutex::new(None));
        let out = result.clone();
        let run: Box<dyn FnOnce() + Send + 'scope> = Box::new(move || {
            let v = f();
            *lock(&out) = Some(v);
        });
        // SAFETY: the two types differ only in the trait object's lifetime,
        // so they have the same layout. Erasing `'scope` is sound because
        // the boxed function (and everything it borrows) cannot outlive
        // `'scope`: the thread is entered into `self.threads` right below,
        // before anything can unwind, and `scope` — which owns `self` and
        // ends `'scope` when it returns — joins every thread of that list
        // before it returns or resumes a panic of its body. Those joins, and
        // `ScopedJoinHandle::join`, use `join_finished`, which returns or
        // unwinds only once the thread has ended (even when the execution
        // is abandoned and racetrace unwinds every thread). The function's
        // result goes to `result`, which is `'scope`-bounded too: it is
        // dropped by the handle or by the thread, both within `'scope`.
        let run: Box<dyn FnOnce() + Send + 'static> = unsafe { std::mem::transmute(run) };
        let (handle, thread) = spawn_thread(name, stack_size, run)?;
        let finished = handle.finished();
        let slot = Arc::new(Mutex::new(State::Running(handle)));
        lock(&self.threads).push(slot.clone());
        Ok(ScopedJoinHandle {
            slot,
            result,
            finished,
            thread,
            scope: PhantomData,
        })
    }

    /// Join every thread not joined through its handle, in spawn order
    /// (threads spawned meanwhile included). Returns the first unwinding
    /// of a join (an abandoned execution) and whether a thread it joined
    /// panicked. No lock is held across a join.
    fn join_all(&self) -> (Option<Box<dyn Any + Send>>, bool) {
        let mut unwind = None;
        let mut i = 0;
        loop {
            let Some(slot) = lock(&self.threads).get(i).cloned() else {
                break;
            };
            i += 1;
            // Not running: joined through its handle, by a thread that has
            // ended or that this scope joins later.
            let Some(h) = take(&slot, |s| matches!(s, State::Running(_)), State::Joining) else {
                continue;
            };
            let State::Running(h) = h else { unreachable!() };
            let joined = match catch_unwind(AssertUnwindSafe(|| h.join_finished())) {
                Ok(r) => State::Joined(r.err().map(|e| e.message.unwrap_or_default())),
                Err(p) => {
                    unwind.get_or_insert(p);
                    State::Joined(None)
                }
            };
            *lock(&slot) = joined;
        }
        // A panic is the scope's when the scope joined the thread and its
        // handle did not take the result afterwards.
        let panicked = lock(&self.threads)
            .iter()
            .any(|s| matches!(*lock(s), State::Joined(Some(_))));
        (unwind, panicked)
    }
}

impl<T> ScopedJoinHandle<'_, T> {
    /// Wait for the thread to finish: its result, or `Err` with its panic
    /// message (a `String`), as `std::thread::ScopedJoinHandle::join`.
    pub fn join(self) -> std::thread::Result<T> {
        let message = loop {
            // While the scope joins it (this handle was moved to a scoped
            // thread that outlived the scope's body), wait for that.
            match take(&self.slot, |s| !matches!(s, State::Joining), State::Taken) {
                Some(State::Running(h)) => break h.join_finished().err().map(|e| e.message),
                Some(State::Joined(m)) => break m.map(Some),
                Some(_) => unreachable!("a scoped thread is joined through its handle once"),
                None => crate::traced::thread::yield_now(),
            }
        };
        match message {
            Some(m) => Err(payload(m)),
            None => lock(&self.result).take().ok_or_else(|| payload(None)),
        }
    }

    /// The thread's handle.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Has the thread's function returned (or unwound)? As
    /// [`super::JoinHandle::is_finished`].
    pub fn is_finished(&self) -> bool {
        self.finished.is_finished()
    }
}

impl fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("threads", &lock(&self.threads).len())
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedJoinHandle")
            .field("thread", &self.thread)
            .finish_non_exhaustive()
    }
}
