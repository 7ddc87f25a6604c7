//! [`RaceCell`]: a plain, unsynchronised variable — what Python's `counter`
//! is to two threads. Each `get` and `set` is one step, so a read-then-write
//! can be split by another thread.
//!
//! Per backend:
//! * loom: a `loom::cell::UnsafeCell`; loom's causality checker reports two
//!   unordered accesses as a data race, which becomes the outcome `data-race`.
//! * shuttle: shuttle has no data-race detector; each access is preceded by a
//!   scheduling point (`shuttle::thread::sleep(ZERO)`, which is a plain context
//!   switch in shuttle), so the race shows as its effect: a lost update.
//! * rc11: two accesses, one a write, with no happens-before between them
//!   (as the memory model builds it) are the outcome `data-race`.
//! * real threads: a truly racy `+= 1` would be undefined behaviour in Rust, so
//!   each single access is made under a std mutex. The read-then-write race
//!   remains; what is lost is only the possibility of torn values.

use crate::rt::{self, Abandon, Ctx, Kind, ObjKind, UNTRACKED};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// An unsynchronised variable holding a `Copy` value.
pub struct RaceCell<T> {
    id: usize,
    inner: Impl<T>,
}

enum Impl<T> {
    Std(std::sync::Mutex<T>),
    Loom(loom::cell::UnsafeCell<T>),
    Shuttle(std::cell::UnsafeCell<T>),
}

// SAFETY: the Std arm is a mutex. The Loom arm is only touched through loom's
// `with`/`with_mut`, which serialise model threads (loom runs one at a time on
// one OS thread) and report unordered accesses as data races. The Shuttle arm
// is only touched inside a shuttle execution, whose tasks all run on one OS
// thread, one at a time.
unsafe impl<T: Send> Sync for RaceCell<T> {}

impl<T: Copy + fmt::Display> RaceCell<T> {
    /// A new cell holding `value`, named `cellN` in traces.
    pub fn new(value: T) -> Self {
        let ctx = rt::ctx();
        let kind = ctx.as_ref().map(|c| c.exec.kind).unwrap_or(Kind::Real);
        let inner = match kind {
            Kind::Real => Impl::Std(std::sync::Mutex::new(value)),
            Kind::Loom => Impl::Loom(loom::cell::UnsafeCell::new(value)),
            Kind::Shuttle => Impl::Shuttle(std::cell::UnsafeCell::new(value)),
        };
        let id = match &ctx {
            Some(c) => {
                let id = c.register(ObjKind::Cell, None);
                c.init_value(id, value.to_string());
                id
            }
            None => UNTRACKED,
        };
        RaceCell { id, inner }
    }

    /// Give the cell the name traces show for it.
    pub fn named(self, name: &str) -> Self {
        rt::rename(self.id, name);
        self
    }

    fn ctx(&self) -> Option<Ctx> {
        rt::tracked(self.id)
    }

    /// Read the value.
    pub fn get(&self) -> T {
        let ctx = self.ctx();
        if let Some(c) = &ctx {
            rt::check_abandoned(&c.exec);
            c.announce(&[(self.id, false)]);
        }
        let v = match &self.inner {
            Impl::Std(m) => *m.lock().unwrap_or_else(|p| p.into_inner()),
            Impl::Loom(cell) => {
                // SAFETY: loom checks this access against every other one.
                loom_access(ctx.as_ref(), "read", || cell.with(|p| unsafe { *p }))
            }
            Impl::Shuttle(cell) => {
                shuttle::thread::sleep(std::time::Duration::ZERO);
                if let Some(c) = &ctx {
                    rc11_race(c, self.id, false);
                }
                // SAFETY: shuttle runs one task at a time on one OS thread.
                unsafe { *cell.get() }
            }
        };
        if let Some(c) = &ctx {
            c.read(self.id, "read", v.to_string());
        }
        v
    }

    /// Write a value.
    pub fn set(&self, value: T) {
        let ctx = self.ctx();
        if let Some(c) = &ctx {
            rt::check_abandoned(&c.exec);
            c.announce(&[(self.id, true)]);
        }
        match &self.inner {
            Impl::Std(m) => *m.lock().unwrap_or_else(|p| p.into_inner()) = value,
            Impl::Loom(cell) => {
                // SAFETY: loom checks this access against every other one.
                loom_access(ctx.as_ref(), "write", || {
                    cell.with_mut(|p| unsafe { *p = value })
                })
            }
            Impl::Shuttle(cell) => {
                shuttle::thread::sleep(std::time::Duration::ZERO);
                if let Some(c) = &ctx {
                    rc11_race(c, self.id, true);
                }
                // SAFETY: shuttle runs one task at a time on one OS thread.
                unsafe { *cell.get() = value }
            }
        }
        if let Some(c) = &ctx {
            c.write(self.id, "write", value.to_string());
        }
    }
}

/// Under rc11: a non-atomic access to object `id` that races an earlier
/// one (neither happens before the other) ends the execution as the outcome
/// `data-race`, as loom's report does.
pub(crate) fn rc11_race(c: &Ctx, id: usize, write: bool) {
    if let Some(what) = crate::rc11::plain_access(c, id, write) {
        c.data_race(what);
        std::panic::resume_unwind(Box::new(Abandon));
    }
}

/// Run one access to a loom `UnsafeCell` (this cell's, or the facade's
/// `UnsafeCell`'s): a data race loom reports ("Causality violation") ends
/// the execution as the outcome `data-race`; any other panic is the
/// program's own and goes on unwinding.
pub(crate) fn loom_access<R>(ctx: Option<&Ctx>, what: &str, f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => match ctx {
            Some(c) if rt::panics::message(p.as_ref()).contains("Causality violation") => {
                let msg = rt::panics::message(p.as_ref());
                let first = msg.lines().next().unwrap_or("").to_string();
                c.data_race(format!("{what}: {first}"));
                std::panic::resume_unwind(Box::new(Abandon))
            }
            _ => std::panic::resume_unwind(p),
        },
    }
}

impl<T> fmt::Debug for RaceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RaceCell").finish_non_exhaustive()
    }
}
