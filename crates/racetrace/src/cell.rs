//! `UnsafeCell` with loom's closure API, checked: every access is a step
//! of the explored thread and a line in the trace (`with cell1`,
//! `with_mut cell1`).
//!
//! Per runtime:
//! * loom: `loom::cell::UnsafeCell`, whose causality checker reports two
//!   unordered accesses (one a write) as the outcome `data-race`.
//! * shuttle, dpor, fuzz: `std::cell::UnsafeCell` behind a scheduling point;
//!   shuttle has no data-race detector, so a race shows by its effects
//!   (a lost update), not as `data-race`.
//! * real threads: `std::cell::UnsafeCell`, as in production: the program's
//!   own synchronisation is all there is.
//!
//! Without the `model` feature this is a `#[repr(transparent)]` wrapper of
//! `std::cell::UnsafeCell` (the same API, at std's cost).

use crate::rt::{self, Ctx, Kind, ObjKind, UNTRACKED};
use crate::trace::Access;
use crate::traced::cell::loom_access;
use std::fmt;

pub use std::cell::{Cell, OnceCell, Ref, RefCell, RefMut};

/// `std::cell::UnsafeCell` with closure access: [`with`](Self::with) lends
/// a `*const T`, [`with_mut`](Self::with_mut) a `*mut T`.
pub struct UnsafeCell<T> {
    id: usize,
    inner: Impl<T>,
}

enum Impl<T> {
    Std(std::cell::UnsafeCell<T>),
    Loom(loom::cell::UnsafeCell<T>),
}

impl<T> UnsafeCell<T> {
    /// A cell holding `value`, named `cellN` in traces.
    pub fn new(value: T) -> UnsafeCell<T> {
        let ctx = rt::ctx();
        let kind = ctx.as_ref().map(|c| c.exec.kind).unwrap_or(Kind::Real);
        let inner = match kind {
            Kind::Loom => Impl::Loom(loom::cell::UnsafeCell::new(value)),
            Kind::Real | Kind::Shuttle => Impl::Std(std::cell::UnsafeCell::new(value)),
        };
        let id = match &ctx {
            Some(c) => c.register(ObjKind::Cell, None),
            None => UNTRACKED,
        };
        UnsafeCell { id, inner }
    }

    /// The value, consuming the cell.
    pub fn into_inner(self) -> T {
        match self.inner {
            Impl::Std(c) => c.into_inner(),
            Impl::Loom(c) => c.into_inner(),
        }
    }

    /// The value, through a unique borrow (nothing can race it).
    pub fn get_mut(&mut self) -> &mut T {
        match &mut self.inner {
            Impl::Std(c) => c.get_mut(),
            // SAFETY: `&mut self` excludes every other access.
            Impl::Loom(c) => c.with_mut(|p| unsafe { &mut *p }),
        }
    }

    /// Read access: `f` gets a pointer to the value.
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        let loc = std::panic::Location::caller();
        let ctx = self.before(false, loc);
        let r = match &self.inner {
            Impl::Std(c) => f(c.get()),
            Impl::Loom(c) => loom_access(ctx.as_ref(), "with", || c.with(f)),
        };
        self.after(ctx, Access::Read, "with");
        r
    }

    /// Write access: `f` gets a mutable pointer to the value.
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        let loc = std::panic::Location::caller();
        let ctx = self.before(true, loc);
        let r = match &self.inner {
            Impl::Std(c) => f(c.get()),
            Impl::Loom(c) => loom_access(ctx.as_ref(), "with_mut", || c.with_mut(f)),
        };
        self.after(ctx, Access::Write, "with_mut");
        r
    }

    fn before(&self, write: bool, loc: &'static std::panic::Location<'static>) -> Option<Ctx> {
        let ctx = rt::tracked(self.id)?;
        ctx.set_location(Some(loc));
        rt::check_abandoned(&ctx.exec);
        ctx.announce(&[(self.id, write)]);
        if ctx.exec.kind == Kind::Shuttle {
            // A scheduling point before the access, as for every operation.
            shuttle::thread::sleep(std::time::Duration::ZERO);
            crate::traced::cell::rc11_race(&ctx, self.id, write);
        }
        Some(ctx)
    }

    fn after(&self, ctx: Option<Ctx>, access: Access, op: &'static str) {
        if let Some(c) = ctx {
            c.op(self.id, access, op, None, None, None);
            c.set_location(None);
        }
    }
}

impl<T: Default> Default for UnsafeCell<T> {
    fn default() -> UnsafeCell<T> {
        UnsafeCell::new(T::default())
    }
}

impl<T> fmt::Debug for UnsafeCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnsafeCell").finish_non_exhaustive()
    }
}
