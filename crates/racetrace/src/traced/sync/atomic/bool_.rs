//! `AtomicBool`, as the integers in the parent module are.

use super::common::{
    LoomSlot, created, exchanged, loaded, modified, pre, settled, shown, shown2, stored,
};
use crate::rt::{self, Kind, ObjKind, UNTRACKED};
use std::fmt;
use std::sync::atomic::Ordering;

/// An atomic `bool`, as `std::sync::atomic::AtomicBool`.
pub struct AtomicBool {
    id: usize,
    inner: Impl,
}

type LoomA = loom::sync::atomic::AtomicBool;

enum Impl {
    Std(std::sync::atomic::AtomicBool),
    Loom(LoomSlot<LoomA, bool>),
    Shuttle(shuttle::sync::atomic::AtomicBool),
}

macro_rules! each {
    ($self:ident, $a:ident => $e:expr) => {
        match &$self.inner {
            Impl::Std($a) => $e,
            Impl::Loom(s) => {
                let $a = s.get(LoomA::new);
                $e
            }
            Impl::Shuttle($a) => $e,
        }
    };
}

impl AtomicBool {
    /// A new atomic holding `value`, named `atomicN` in traces.
    pub fn new(value: bool) -> Self {
        let ctx = rt::ctx();
        let kind = ctx.as_ref().map(|c| c.exec.kind).unwrap_or(Kind::Real);
        let inner = match kind {
            Kind::Real => Impl::Std(std::sync::atomic::AtomicBool::new(value)),
            Kind::Loom => Impl::Loom(LoomSlot::new(LoomA::new(value), value)),
            Kind::Shuttle => Impl::Shuttle(shuttle::sync::atomic::AtomicBool::new(value)),
        };
        let id = match &ctx {
            Some(c) => {
                let id = c.register(ObjKind::Atomic, None);
                c.init_value(id, value.to_string());
                id
            }
            None => UNTRACKED,
        };
        created(&ctx, id, value);
        AtomicBool { id, inner }
    }

    /// Give the atomic the name traces show for it.
    pub fn named(self, name: &str) -> Self {
        rt::rename(self.id, name);
        self
    }

    /// Load the value.
    pub fn load(&self, order: Ordering) -> bool {
        let op = shown("load", order);
        let c = pre(self.id, false, &op, order != Ordering::SeqCst);
        let v = each!(self, a => a.load(order));
        match c {
            Some(c) => loaded(c, self.id, op, v, order),
            None => v,
        }
    }

    /// Store a value.
    pub fn store(&self, value: bool, order: Ordering) {
        let op = shown("store", order);
        let c = pre(self.id, true, &op, order != Ordering::SeqCst);
        each!(self, a => a.store(value, order));
        if let Some(c) = &c {
            stored(c, self.id, op, value, order);
        }
    }

    fn rmw(
        &self,
        op: &'static str,
        order: Ordering,
        run: impl FnOnce() -> bool,
        new: impl Fn(bool) -> bool,
    ) -> bool {
        let op = shown(op, order);
        let c = pre(self.id, true, &op, order != Ordering::SeqCst);
        let old = run();
        match c {
            Some(c) => modified(c, self.id, op, order, old, &new),
            None => old,
        }
    }

    /// Replace the value, returning the previous one.
    pub fn swap(&self, v: bool, order: Ordering) -> bool {
        self.rmw("swap", order, || each!(self, a => a.swap(v, order)), |_| v)
    }

    /// Logical and, returning the previous value.
    pub fn fetch_and(&self, v: bool, order: Ordering) -> bool {
        self.rmw(
            "fetch_and",
            order,
            || each!(self, a => a.fetch_and(v, order)),
            |o| o & v,
        )
    }

    /// Logical nand, returning the previous value.
    pub fn fetch_nand(&self, v: bool, order: Ordering) -> bool {
        self.rmw(
            "fetch_nand",
            order,
            || each!(self, a => a.fetch_nand(v, order)),
            |o| !(o & v),
        )
    }

    /// Logical or, returning the previous value.
    pub fn fetch_or(&self, v: bool, order: Ordering) -> bool {
        self.rmw(
            "fetch_or",
            order,
            || each!(self, a => a.fetch_or(v, order)),
            |o| o | v,
        )
    }

    /// Logical xor, returning the previous value.
    pub fn fetch_xor(&self, v: bool, order: Ordering) -> bool {
        self.rmw(
            "fetch_xor",
            order,
            || each!(self, a => a.fetch_xor(v, order)),
            |o| o ^ v,
        )
    }

    /// Logical not, returning the previous value.
    pub fn fetch_not(&self, order: Ordering) -> bool {
        self.rmw(
            "fetch_not",
            order,
            || each!(self, a => a.fetch_xor(true, order)),
            |o| !o,
        )
    }

    /// Store `new` if the value is `current`; `Ok(previous)` on success,
    /// `Err(actual)` on failure.
    pub fn compare_exchange(
        &self,
        current: bool,
        new: bool,
        success: Ordering,
        failure: Ordering,
    ) -> Result<bool, bool> {
        self.cas("compare_exchange", current, new, success, failure, false)
    }

    /// As [`Self::compare_exchange`], allowed to fail spuriously (on real
    /// threads; under the checkers it is the strong one).
    pub fn compare_exchange_weak(
        &self,
        current: bool,
        new: bool,
        success: Ordering,
        failure: Ordering,
    ) -> Result<bool, bool> {
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
        current: bool,
        new: bool,
        success: Ordering,
        failure: Ordering,
        weak: bool,
    ) -> Result<bool, bool> {
        let op = shown2(op, success, failure);
        let relaxed = success != Ordering::SeqCst || failure != Ordering::SeqCst;
        let c = pre(self.id, true, &op, relaxed);
        let r = match &self.inner {
            Impl::Std(a) if weak => a.compare_exchange_weak(current, new, success, failure),
            Impl::Std(a) => a.compare_exchange(current, new, success, failure),
            Impl::Loom(s) => s
                .get(LoomA::new)
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
    ) -> Result<bool, bool>
    where
        F: FnMut(bool) -> Option<bool>,
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

    /// The value, consuming the atomic.
    pub fn into_inner(self) -> bool {
        match self.inner {
            Impl::Std(a) => a.into_inner(),
            Impl::Loom(s) => s.into_inner(LoomA::into_inner),
            Impl::Shuttle(a) => settled(self.id, a.into_inner()),
        }
    }

    /// The value, through a unique borrow (under loom: see the parent
    /// module's docs).
    pub fn get_mut(&mut self) -> &mut bool {
        match &mut self.inner {
            Impl::Std(a) => a.get_mut(),
            Impl::Shuttle(a) => {
                let v = a.get_mut();
                *v = settled(self.id, *v);
                v
            }
            Impl::Loom(s) => s.get_mut(LoomA::into_inner),
        }
    }
}

impl Default for AtomicBool {
    fn default() -> Self {
        AtomicBool::new(false)
    }
}

impl From<bool> for AtomicBool {
    fn from(v: bool) -> Self {
        AtomicBool::new(v)
    }
}

impl fmt::Debug for AtomicBool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicBool").finish_non_exhaustive()
    }
}
