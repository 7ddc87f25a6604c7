//! The `rc11` backend's memory model: racetrace programs under RC11 (Lahav,
//! Vafeiadis, Kang, Hur, Dreyer, "Repairing Sequential Consistency in
//! C/C++11", PLDI 2017), the model of C++20's and Rust's atomics.
//!
//! The program runs on shuttle's runtime, scheduled by [`dpor`]; what this
//! module adds is what an atomic access returns. Each run builds an
//! execution graph ([`graph`]): every atomic read chooses which write it
//! reads from among those RC11 allows it (coherence, atomicity and the SC
//! axiom checked as it goes, po ∪ rf acyclic by construction), every write
//! chooses its place in its location's coherence order, and these choices
//! are scheduling choices like any other: dpor explores each of them
//! ([`choose`] hands the number of options to the scheduler through
//! shuttle's random-value channel, so a replay token records them too).
//! Mutexes, spawns and joins synchronise as release/acquire pairs; every
//! racetrace primitive built from them (condition variables, channels,
//! queues, …) inherits that.
//!
//! dpor's dependency relation stays that of the operations' footprints (a
//! read and a write of one location conflict): two steps of different
//! threads that are independent there can be swapped without changing the
//! set of graphs they can build, since RC11's axioms are properties of the
//! final graph and each step's options depend only on its own thread's view
//! and the location's writes.
//!
//! A spin loop (`yield_now`, `spin_loop`) whose iteration read a write that
//! was not the latest and wrote nothing ends its run ([`yielding`]): a run
//! in which it read the later write reaches everything this one does. A spin
//! on a flag that another thread sets is therefore finite, as on the other
//! backends.
//!
//! [`dpor`]: crate::strategy::dpor

mod bits;
mod graph;

use crate::rt::{Ctx, Execution};
use graph::{Graph, ReadOption, Sides};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

/// A synchronisation that is not an atomic access: what a mutex, a spawn
/// or a join implies for happens-before.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Sync {
    /// The thread spawned thread `child` (by racetrace index).
    Spawn(usize),
    /// The thread's function returned or unwound.
    Exit,
    /// The thread joined thread `child`.
    Join(usize),
    /// The thread acquired mutex `m` (lock, successful try_lock, re-lock after a wait).
    Acquire(usize),
    /// The thread released mutex `m` (unlock, the start of a wait).
    Release(usize),
    /// The thread's `try_lock` of mutex `m` failed: it saw `m` held.
    TryFailed(usize),
}

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    /// The running execution's graph (shuttle runs every task of an
    /// execution on the exploring OS thread).
    static MODEL: RefCell<Option<(Weak<Execution>, Graph)>> = const { RefCell::new(None) };
    /// The options of the choice being made that the scheduler should
    /// explore (indices into all the options), for the scheduler.
    static OPTIONS: RefCell<Option<Vec<usize>>> = const { RefCell::new(None) };
    /// The fingerprints of the graphs of the session's finished runs.
    static SEEN: RefCell<HashSet<u64>> = RefCell::new(HashSet::new());
}

/// The memory model is active on this OS thread while a `Session` lives.
pub(crate) struct Session(());

impl Session {
    pub(crate) fn start() -> Session {
        ACTIVE.with(|a| a.set(true));
        SEEN.with(|s| s.borrow_mut().clear());
        Session(())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(false));
        MODEL.with(|m| m.borrow_mut().take());
        SEEN.with(|s| *s.borrow_mut() = HashSet::new());
        crate::strategy::dpor::log::clear();
    }
}

/// Is the memory model active (an rc11 exploration or replay is running)?
pub(crate) fn active() -> bool {
    ACTIVE.with(|a| a.get())
}

/// Run `f` on the graph of `exec` (a new one when `exec` is a new
/// execution); `None` when no rc11 run is active.
fn with_graph<R>(exec: &Arc<Execution>, f: impl FnOnce(&mut Graph) -> R) -> Option<R> {
    if !active() {
        return None;
    }
    MODEL.with(|m| {
        let mut m = m.borrow_mut();
        let me = Arc::downgrade(exec);
        if !m.as_ref().is_some_and(|(w, _)| Weak::ptr_eq(w, &me)) {
            *m = Some((me, Graph::default()));
        }
        m.as_mut().map(|(_, g)| f(g))
    })
}

/// The options of the choice being made that the scheduler should explore
/// (`None`: no choice of the model's is being made). Read by the scheduler
/// in `next_u64`.
pub(crate) fn pending_options() -> Option<Vec<usize>> {
    OPTIONS.with(|o| o.borrow_mut().take())
}

/// One of `n` options, chosen by the scheduler: dpor explores those in
/// `explore` (the others build graphs it builds elsewhere); a replay gives
/// back the recorded one, an index into all `n`.
fn choose(n: usize, explore: Vec<usize>) -> usize {
    if n <= 1 {
        return 0;
    }
    OPTIONS.with(|o| *o.borrow_mut() = Some(explore));
    let v = shuttle::rand::RngCore::next_u64(&mut shuttle::rand::thread_rng());
    OPTIONS.with(|o| o.borrow_mut().take());
    (v % n as u64) as usize
}

fn load_sides(order: Ordering) -> Sides {
    Sides {
        acq: matches!(
            order,
            Ordering::Acquire | Ordering::AcqRel | Ordering::SeqCst
        ),
        rel: false,
        sc: order == Ordering::SeqCst,
    }
}

fn rmw_sides(order: Ordering) -> Sides {
    Sides {
        acq: matches!(
            order,
            Ordering::Acquire | Ordering::AcqRel | Ordering::SeqCst
        ),
        rel: matches!(
            order,
            Ordering::Release | Ordering::AcqRel | Ordering::SeqCst
        ),
        sc: order == Ordering::SeqCst,
    }
}

/// What a read returned, for the trace.
pub(crate) struct Loaded {
    pub(crate) value: u64,
    /// The trace step of the write it read (none: the initial value).
    pub(crate) from: Option<usize>,
    /// A later write in coherence order was there when it read.
    pub(crate) stale: bool,
    /// The read's event (an RMW's, to give its trace step).
    pub(crate) event: usize,
    /// An acquire read of a release write: the read synchronises with it
    /// (everything before that write happens before the read).
    pub(crate) acquires: bool,
}

/// A new atomic `object` holding `value`.
pub(crate) fn init(c: &Ctx, object: usize, value: u64) {
    with_graph(&c.exec, |g| g.init(c.tid, object, value));
}

/// The run ends here: the model has no option to offer (it should always
/// have one; this keeps a run that has none from going on inconsistent).
fn blocked(c: &Ctx) {
    c.exec.prune();
}

/// A read of `object` (`rmw`: what an RMW writes after reading a value;
/// `None` from it: a CAS that fails). `None`: the model does not know the
/// object (no rc11 run, or an atomic made outside this run).
fn read(
    c: &Ctx,
    object: usize,
    rmw: Option<&dyn Fn(u64) -> Option<u64>>,
    weak: bool,
    success: Sides,
    failure: Sides,
) -> Option<(Loaded, bool)> {
    let options = with_graph(&c.exec, |g| {
        let loc = g.location(object)?;
        let options = g.read_options(c.tid, loc, rmw, weak, success, failure);
        let explore = g.read_choices(loc, &options);
        Some((loc, options, explore))
    })??;
    let (loc, options, explore) = options;
    if options.is_empty() {
        blocked(c);
        return None;
    }
    let o: ReadOption = options[choose(options.len(), explore)];
    with_graph(&c.exec, |g| {
        let sides = if o.write.is_some() { success } else { failure };
        let (event, stale) = g.read(c.tid, loc, o, sides);
        let from = &g.events[o.from];
        (
            Loaded {
                value: from.value,
                from: from.step,
                stale,
                event,
                acquires: sides.acq && from.rel,
            },
            o.write.is_some(),
        )
    })
}

/// A load of `object`.
pub(crate) fn load(c: &Ctx, object: usize, order: Ordering) -> Option<Loaded> {
    let sides = load_sides(order);
    read(c, object, None, false, sides, sides).map(|(l, _)| l)
}

/// A read-modify-write of `object` that always writes `f(old)`.
pub(crate) fn rmw(
    c: &Ctx,
    object: usize,
    order: Ordering,
    f: &dyn Fn(u64) -> u64,
) -> Option<Loaded> {
    let g = |v: u64| Some(f(v));
    read(
        c,
        object,
        Some(&g),
        false,
        rmw_sides(order),
        load_sides(order),
    )
    .map(|(l, _)| l)
}

/// A compare-exchange of `object`: `Ok(old)` when it wrote `new`, `Err(actual)` when not.
pub(crate) fn cas(
    c: &Ctx,
    object: usize,
    expected: u64,
    new: u64,
    success: Ordering,
    failure: Ordering,
    weak: bool,
) -> Option<(Result<u64, u64>, Loaded)> {
    let g = |v: u64| (v == expected).then_some(new);
    let (l, wrote) = read(
        c,
        object,
        Some(&g),
        weak,
        rmw_sides(success),
        load_sides(failure),
    )?;
    let r = if wrote { Ok(l.value) } else { Err(l.value) };
    Some((r, l))
}

/// A store of `value` to `object`; returns its event.
pub(crate) fn store(c: &Ctx, object: usize, value: u64, order: Ordering) -> Option<usize> {
    let sides = Sides {
        acq: false,
        rel: matches!(
            order,
            Ordering::Release | Ordering::AcqRel | Ordering::SeqCst
        ),
        sc: order == Ordering::SeqCst,
    };
    let (loc, options, explore) = with_graph(&c.exec, |g| {
        let loc = g.location(object)?;
        let options = g.write_options(c.tid, loc, value, sides);
        let explore = g.write_choices(loc, &options);
        Some((loc, options, explore))
    })??;
    if options.is_empty() {
        blocked(c);
        return None;
    }
    let p = options[choose(options.len(), explore)];
    with_graph(&c.exec, |g| g.write(c.tid, loc, value, p, sides))
}

/// The trace step that recorded `event`.
pub(crate) fn stepped(c: &Ctx, event: usize, step: usize) {
    with_graph(&c.exec, |g| {
        if let Some(e) = g.events.get_mut(event) {
            e.step = Some(step);
        }
    });
}

/// A fence; `false` when no rc11 run is active.
pub(crate) fn fence(c: &Ctx, order: Ordering) -> bool {
    with_graph(&c.exec, |g| g.fence(c.tid, rmw_sides(order))).is_some()
}

/// The value of `object`'s latest write in coherence order (what `get_mut`
/// and `into_inner` see: they need every other access to happen before).
pub(crate) fn latest(c: &Ctx, object: usize) -> Option<u64> {
    with_graph(&c.exec, |g| g.location(object).map(|l| g.latest(l))).flatten()
}

/// A non-atomic access (an `UnsafeCell`, a `RaceCell`) to `object` by
/// the current thread: the data race it is part of, in words, if an earlier
/// conflicting access does not happen before it.
pub(crate) fn plain_access(c: &Ctx, object: usize, write: bool) -> Option<String> {
    let race = with_graph(&c.exec, |g| g.plain(c.tid, object, write))??;
    let names = c.exec.thread_names();
    let name = |t: usize| {
        names
            .get(t)
            .cloned()
            .unwrap_or_else(|| format!("thread {t}"))
    };
    let what = |w: bool| if w { "write" } else { "read" };
    Some(format!(
        "{} by {} and {} by {} with no happens-before between them",
        what(race.wrote),
        name(race.thread),
        what(write),
        name(c.tid)
    ))
}

/// A synchronisation by thread `tid` of `exec`.
pub(crate) fn sync(exec: &Arc<Execution>, tid: usize, what: Sync) {
    if exec.is_frozen() {
        return; // an abandoned execution winding down: nothing to model
    }
    let last = with_graph(exec, |g| match what {
        Sync::Spawn(child) => {
            g.spawn(tid, child);
            None
        }
        Sync::Exit => g.exit(tid),
        Sync::Join(child) => {
            g.join(tid, child);
            None
        }
        Sync::Acquire(m) => {
            g.acquire(tid, m);
            None
        }
        Sync::Release(m) => {
            g.release(tid, m);
            None
        }
        Sync::TryFailed(m) => {
            g.try_failed(tid, m);
            None
        }
    });
    // The last thread ended: a run that built a graph an earlier run built
    // is not counted again (dpor orders a read after a write it does not
    // read from as a trace of its own; the graph is the same).
    if let Some(Some(fp)) = last
        && !exec.is_pruned()
        && !exec.is_abandoned()
        && !SEEN.with(|s| s.borrow_mut().insert(fp))
    {
        exec.prune();
    }
}

/// Thread `tid` yields (a spin loop's `yield_now`/`spin_loop`). If the
/// iteration since its last yield read a write that was not the latest and
/// wrote nothing, the run ends here: another run reads the later write.
pub(crate) fn yielding(exec: &Arc<Execution>, tid: usize) {
    if with_graph(exec, |g| g.spun_on_stale(tid)) == Some(true) {
        exec.prune();
    }
}
