//! Atomic integers and booleans on every backend, with std's API (plus
//! racetrace's `named`). Every load records the value it returned and which
//! write it read from; every store and read-modify-write records the value
//! written. An operation with an ordering other than `SeqCst` shows it in
//! the trace (`load(Acquire) tail → 1`).
//!
//! Approximations, each where it is made: shuttle (and so dpor, fuzz) models
//! every ordering as `SeqCst` — an exploration notes the first weaker
//! operation it saw (`Report::weak_ordering`), and the test harness then
//! also runs loom; loom models the orderings (and may let a `SeqCst` load
//! read an older store, loom issue #180, marked stale in the trace).
//! `compare_exchange_weak` never fails spuriously under the checkers (it is
//! the strong one there); on real threads it is std's weak one.
//! `fetch_update` is a load then `compare_exchange_weak` retries, each a
//! step, as std documents it. `get_mut` and `into_inner` need no other
//! thread's cooperation: they are neither scheduling points nor in the
//! trace. Under loom, whose atomics lend their value only inside a closure,
//! `get_mut` takes the value out of loom's atomic (loom checks that access
//! as exclusive) and the next shared operation puts it into a new one.

pub use std::sync::atomic::Ordering;

use crate::rt::{self, Kind, ObjKind, UNTRACKED};
use std::fmt;

mod common;
use common::{LoomSlot, created, exchanged, loaded, modified, pre, settled, shown, shown2, stored};

/// A memory fence, as `std::sync::atomic::fence`: loom's under loom; on
/// shuttle's runtime (where every access is sequentially consistent) no
/// effect and no scheduling point, only a weak-ordering note unless
/// `SeqCst`. Not in the trace. A `Relaxed` fence panics, as std's does.
pub fn fence(order: Ordering) {
    match rt::ctx() {
        None => std::sync::atomic::fence(order),
        Some(c) => {
            rt::check_abandoned(&c.exec);
            match c.exec.kind {
                Kind::Real => std::sync::atomic::fence(order),
                Kind::Loom => loom::sync::atomic::fence(order),
                Kind::Shuttle => {
                    shuttle::sync::atomic::fence(order);
                    if !crate::rc11::fence(&c, order) && order != Ordering::SeqCst {
                        c.note_weak_ordering(UNTRACKED, &shown("fence", order));
                    }
                }
            }
        }
    }
}

/// A compiler fence, as `std::sync::atomic::compiler_fence`: no effect on
/// what the checkers explore (they see operations, not compiled code).
pub fn compiler_fence(order: Ordering) {
    std::sync::atomic::compiler_fence(order)
}

macro_rules! atomic_int {
    ($(#[$doc:meta])* $name:ident, $t:ty) => {
        $(#[$doc])*
        pub struct $name {
            id: usize,
            inner: Impl,
        }

        type LoomA = loom::sync::atomic::$name;

        enum Impl {
            Std(std::sync::atomic::$name),
            Loom(LoomSlot<LoomA, $t>),
            Shuttle(shuttle::sync::atomic::$name),
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

        impl $name {
            /// A new atomic holding `value`, named `atomicN` in traces.
            pub fn new(value: $t) -> Self {
                let ctx = rt::ctx();
                let kind = ctx.as_ref().map(|c| c.exec.kind).unwrap_or(Kind::Real);
                let inner = match kind {
                    Kind::Real => Impl::Std(std::sync::atomic::$name::new(value)),
                    Kind::Loom => Impl::Loom(LoomSlot::new(LoomA::new(value), value)),
                    Kind::Shuttle => Impl::Shuttle(shuttle::sync::atomic::$name::new(value)),
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
                $name { id, inner }
            }

            /// Give the atomic the name traces show for it.
            pub fn named(self, name: &str) -> Self {
                rt::rename(self.id, name);
                self
            }

            /// Load the value.
            pub fn load(&self, order: Ordering) -> $t {
                let op = shown("load", order);
                let c = pre(self.id, false, &op, order != Ordering::SeqCst);
                let v = each!(self, a => a.load(order));
                match c {
                    Some(c) => loaded(c, self.id, op, v, order),
                    None => v,
                }
            }

            /// Store a value.
            pub fn store(&self, value: $t, order: Ordering) {
                let op = shown("store", order);
                let c = pre(self.id, true, &op, order != Ordering::SeqCst);
                each!(self, a => a.store(value, order));
                // Recorded after the store: the backends switch threads only
                // before an operation, never between it and this record.
                if let Some(c) = &c {
                    stored(c, self.id, op, value, order);
                }
            }

            /// One read-modify-write that always writes: `run` does it and
            /// returns the old value, `new` says what it wrote.
            fn rmw(&self, op: &'static str, order: Ordering, run: impl FnOnce() -> $t, new: impl Fn($t) -> $t) -> $t {
                let op = shown(op, order);
                let c = pre(self.id, true, &op, order != Ordering::SeqCst);
                let old = run();
                match c {
                    Some(c) => modified(c, self.id, op, order, old, &new),
                    None => old,
                }
            }

            /// Add to the value, returning the previous one (wrapping).
            pub fn fetch_add(&self, v: $t, order: Ordering) -> $t {
                self.rmw("fetch_add", order, || each!(self, a => a.fetch_add(v, order)), |o| o.wrapping_add(v))
            }

            /// Subtract from the value, returning the previous one (wrapping).
            pub fn fetch_sub(&self, v: $t, order: Ordering) -> $t {
                self.rmw("fetch_sub", order, || each!(self, a => a.fetch_sub(v, order)), |o| o.wrapping_sub(v))
            }

            /// Bitwise and, returning the previous value.
            pub fn fetch_and(&self, v: $t, order: Ordering) -> $t {
                self.rmw("fetch_and", order, || each!(self, a => a.fetch_and(v, order)), |o| o & v)
            }

            /// Bitwise nand, returning the previous value.
            pub fn fetch_nand(&self, v: $t, order: Ordering) -> $t {
                self.rmw("fetch_nand", order, || each!(self, a => a.fetch_nand(v, order)), |o| !(o & v))
            }

            /// Bitwise or, returning the previous value.
            pub fn fetch_or(&self, v: $t, order: Ordering) -> $t {
                self.rmw("fetch_or", order, || each!(self, a => a.fetch_or(v, order)), |o| o | v)
            }

            /// Bitwise xor, returning the previous value.
            pub fn fetch_xor(&self, v: $t, order: Ordering) -> $t {
                self.rmw("fetch_xor", order, || each!(self, a => a.fetch_xor(v, order)), |o| o ^ v)
            }

            /// Maximum, returning the previous value.
            pub fn fetch_max(&self, v: $t, order: Ordering) -> $t {
                self.rmw("fetch_max", order, || each!(self, a => a.fetch_max(v, order)), |o| o.max(v))
            }

            /// Minimum, returning the previous value.
            pub fn fetch_min(&self, v: $t, order: Ordering) -> $t {
                self.rmw("fetch_min", order, || each!(self, a => a.fetch_min(v, order)), |o| o.min(v))
            }

            /// Replace the value, returning the previous one.
            pub fn swap(&self, v: $t, order: Ordering) -> $t {
                self.rmw("swap", order, || each!(self, a => a.swap(v, order)), |_| v)
            }

            /// Store `new` if the value is `current`; `Ok(previous)` on success,
            /// `Err(actual)` on failure.
            pub fn compare_exchange(&self, current: $t, new: $t, success: Ordering, failure: Ordering) -> Result<$t, $t> {
                self.cas("compare_exchange", current, new, success, failure, false)
            }

            /// As [`Self::compare_exchange`], allowed to fail spuriously (on
            /// real threads; under the checkers it is the strong one).
            pub fn compare_exchange_weak(&self, current: $t, new: $t, success: Ordering, failure: Ordering) -> Result<$t, $t> {
                self.cas("compare_exchange_weak", current, new, success, failure, true)
            }

            fn cas(&self, op: &'static str, current: $t, new: $t, success: Ordering, failure: Ordering, weak: bool) -> Result<$t, $t> {
                let op = shown2(op, success, failure);
                let c = pre(self.id, true, &op, success != Ordering::SeqCst || failure != Ordering::SeqCst);
                let r = match &self.inner {
                    Impl::Std(a) if weak => a.compare_exchange_weak(current, new, success, failure),
                    Impl::Std(a) => a.compare_exchange(current, new, success, failure),
                    Impl::Loom(s) => s.get(LoomA::new).compare_exchange(current, new, success, failure),
                    Impl::Shuttle(a) => a.compare_exchange(current, new, success, failure),
                };
                match c {
                    Some(c) => exchanged(c, self.id, op, r, (current, new), success, failure, weak),
                    None => r,
                }
            }

            /// Apply `f` until it returns `None` or a `compare_exchange_weak`
            /// of its result succeeds, as std's `fetch_update`.
            pub fn fetch_update<F>(&self, set_order: Ordering, fetch_order: Ordering, mut f: F) -> Result<$t, $t>
            where
                F: FnMut($t) -> Option<$t>,
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
            pub fn into_inner(self) -> $t {
                match self.inner {
                    Impl::Std(a) => a.into_inner(),
                    Impl::Loom(s) => s.into_inner(LoomA::into_inner),
                    Impl::Shuttle(a) => settled(self.id, a.into_inner()),
                }
            }

            /// The value, through a unique borrow.
            pub fn get_mut(&mut self) -> &mut $t {
                match &mut self.inner {
                    Impl::Std(a) => a.get_mut(),
                    Impl::Shuttle(a) => {
                        let v = a.get_mut();
                        *v = settled(self.id, *v);
                        v
                    }
                    Impl::Loom(s) => s.get_mut(|mut a| a.with_mut(|v| *v)),
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::new(0)
            }
        }

        impl From<$t> for $name {
            fn from(v: $t) -> Self {
                $name::new(v)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

macro_rules! int_types {
    ($($m:ident: $name:ident, $t:ty;)*) => {
        $(
            mod $m {
                use super::*;
                atomic_int!(
                    #[doc = concat!("An atomic `", stringify!($t), "`, as `std::sync::atomic::", stringify!($name), "`.")]
                    $name, $t
                );
            }
            pub use $m::$name;
        )*
    };
}

int_types! {
    i8_: AtomicI8, i8;
    u8_: AtomicU8, u8;
    i16_: AtomicI16, i16;
    u16_: AtomicU16, u16;
    i32_: AtomicI32, i32;
    u32_: AtomicU32, u32;
    i64_: AtomicI64, i64;
    u64_: AtomicU64, u64;
    isize_: AtomicIsize, isize;
    usize_: AtomicUsize, usize;
}

mod bool_;
mod ptr;
pub use bool_::AtomicBool;
pub use ptr::AtomicPtr;
