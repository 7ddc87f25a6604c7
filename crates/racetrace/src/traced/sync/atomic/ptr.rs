//! `AtomicPtr<T>`, as the integers in the parent module are. Traces show
//! the pointer's address (`store head ← 0x5581…`, `0x0` for null), which
//! differs from run to run: compare pointers, not their text.

use super::common::{
    LoomSlot, Value, created, exchanged, loaded, modified, pre, settled, shown, shown2, stored,
};
use crate::rt::{self, Kind, ObjKind, UNTRACKED};
use std::fmt;
use std::sync::atomic::Ordering;

/// An atomic raw pointer, as `std::sync::atomic::AtomicPtr`.
pub struct AtomicPtr<T> {
    id: usize,
    inner: Impl<T>,
}

// SAFETY: as for std's `AtomicPtr`: the pointer is only ever read and
// written through the backends' atomic operations, or through `&mut self`
// or `self` (no other access); the `T` it points to is never touched.
unsafe impl<T> Send for AtomicPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for AtomicPtr<T> {}

enum Impl<T> {
    Std(std::sync::atomic::AtomicPtr<T>),
    Loom(LoomSlot<loom::sync::atomic::AtomicPtr<T>, *mut T>),
    Shuttle(shuttle::sync::atomic::AtomicPtr<T>),
}

macro_rules! each {
    ($self:ident, $a:ident => $e:expr) => {
        match &$self.inner {
            Impl::Std($a) => $e,
            Impl::Loom(s) => {
                let $a = s.get(loom::sync::atomic::AtomicPtr::new);
                $e
            }
            Impl::Shuttle($a) => $e,
        }
    };
}

fn show<T>(p: *mut T) -> String {
    format!("{p:p}")
}

impl<T> Value for *mut T {
    fn to_bits(self) -> u64 {
        self.expose_provenance() as u64
    }
    fn from_bits(b: u64) -> Self {
        std::ptr::with_exposed_provenance_mut(b as usize)
    }
    fn show(self) -> String {
        show(self)
    }
}

impl<T> AtomicPtr<T> {
    /// A new atomic holding `p`, named `atomicN` in traces.
    pub fn new(p: *mut T) -> Self {
        let ctx = rt::ctx();
        let kind = ctx.as_ref().map(|c| c.exec.kind).unwrap_or(Kind::Real);
        let inner = match kind {
            Kind::Real => Impl::Std(std::sync::atomic::AtomicPtr::new(p)),
            Kind::Loom => Impl::Loom(LoomSlot::new(loom::sync::atomic::AtomicPtr::new(p), p)),
            Kind::Shuttle => Impl::Shuttle(shuttle::sync::atomic::AtomicPtr::new(p)),
        };
        let id = match &ctx {
            Some(c) => {
                let id = c.register(ObjKind::Atomic, None);
                c.init_value(id, show(p));
                id
            }
            None => UNTRACKED,
        };
        created(&ctx, id, p);
        AtomicPtr { id, inner }
    }

    /// Give the atomic the name traces show for it.
    pub fn named(self, name: &str) -> Self {
        rt::rename(self.id, name);
        self
    }

    /// Load the pointer.
    pub fn load(&self, order: Ordering) -> *mut T {
        let op = shown("load", order);
        let c = pre(self.id, false, &op, order != Ordering::SeqCst);
        let v = each!(self, a => a.load(order));
        match c {
            Some(c) => loaded(c, self.id, op, v, order),
            None => v,
        }
    }

    /// Store a pointer.
    pub fn store(&self, p: *mut T, order: Ordering) {
        let op = shown("store", order);
        let c = pre(self.id, true, &op, order != Ordering::SeqCst);
        each!(self, a => a.store(p, order));
        if let Some(c) = &c {
            stored(c, self.id, op, p, order);
        }
    }

    /// Replace the pointer, returning the previous one.
    pub fn swap(&self, p: *mut T, order: Ordering) -> *mut T {
        let op = shown("swap", order);
        let c = pre(self.id, true, &op, order != Ordering::SeqCst);
        let old = each!(self, a => a.swap(p, order));
        match c {
            Some(c) => modified(c, self.id, op, order, old, &|_| p),
            None => old,
        }
    }

    /// Store `new` if the pointer is `current`; `Ok(previous)` on success,
    /// `Err(actual)` on failure.
    pub fn compare_exchange(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        self.cas("compare_exchange", current, new, success, failure, false)
    }

    /// As [`Self::compare_exchange`], allowed to fail spuriously (on real
    /// threads; under the checkers it is the strong one).
    pub fn compare_exchange_weak(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        self.cas(
            "compare_exchange_weak",
            current,
            new,
            success,
            failure,
            true,
        )
    }

    fn cas(
        &self,
        op: &'static str,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
        weak: bool,
    ) -> Result<*mut T, *mut T> {
        let op = shown2(op, success, failure);
        let relaxed = success != Ordering::SeqCst || failure != Ordering::SeqCst;
        let c = pre(self.id, true, &op, relaxed);
        let r = match &self.inner {
            Impl::Std(a) if weak => a.compare_exchange_weak(current, new, success, failure),
            Impl::Std(a) => a.compare_exchange(current, new, success, failure),
            Impl::Loom(s) => s
                .get(loom::sync::atomic::AtomicPtr::new)
                .compare_exchange(current, new, success, failure),
            Impl::Shuttle(a) => a.compare_exchange(current, new, success, failure),
        };
        match c {
            Some(c) => exchanged(c, self.id, op, r, (current, new), success, failure, weak),
            None => r,
        }
    }

    /// Apply `f` until it returns `None` or a `compare_exchange_weak` of its
    /// result succeeds, as std's `fetch_update`.
    pub fn fetch_update<F>(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        mut f: F,
    ) -> Result<*mut T, *mut T>
    where
        F: FnMut(*mut T) -> Option<*mut T>,
    {
        let mut prev = self.load(fetch_order);
        while let Some(next) = f(prev) {
            match self.compare_exchange_weak(prev, next, set_order, fetch_order) {
                Ok(x) => return Ok(x),
                Err(actual) => prev = actual,
            }
        }
        Err(prev)
    }

    /// The pointer, consuming the atomic.
    pub fn into_inner(self) -> *mut T {
        match self.inner {
            Impl::Std(a) => a.into_inner(),
            Impl::Loom(s) => s.into_inner(loom::sync::atomic::AtomicPtr::into_inner),
            Impl::Shuttle(a) => settled(self.id, a.into_inner()),
        }
    }

    /// The pointer, through a unique borrow (under loom: see the parent
    /// module's docs).
    pub fn get_mut(&mut self) -> &mut *mut T {
        match &mut self.inner {
            Impl::Std(a) => a.get_mut(),
            Impl::Shuttle(a) => {
                let v = a.get_mut();
                *v = settled(self.id, *v);
                v
            }
            Impl::Loom(s) => s.get_mut(loom::sync::atomic::AtomicPtr::into_inner),
        }
    }
}

impl<T> Default for AtomicPtr<T> {
    fn default() -> Self {
        AtomicPtr::new(std::ptr::null_mut())
    }
}

impl<T> From<*mut T> for AtomicPtr<T> {
    fn from(p: *mut T) -> Self {
        AtomicPtr::new(p)
    }
}

impl<T> fmt::Debug for AtomicPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicPtr").finish_non_exhaustive()
    }
}
