//! Atomic integers and booleans on every backend. Every load records the value
//! it returned and which write it read from; every store and read-modify-write
//! records the value written.
//!
//! Approximation: shuttle models every ordering as `SeqCst`; loom models them
//! all (and may let a `SeqCst` load read an older store, loom issue #180, which
//! the trace then marks as stale).

pub use std::sync::atomic::Ordering;

use crate::rt::{self, Ctx, Kind, ObjKind, UNTRACKED};
use std::fmt;

macro_rules! atomic_int {
    ($(#[$doc:meta])* $name:ident, $t:ty) => {
        $(#[$doc])*
        pub struct $name {
            id: usize,
            inner: Impl,
        }

        enum Impl {
            Std(std::sync::atomic::$name),
            Loom(loom::sync::atomic::$name),
            Shuttle(shuttle::sync::atomic::$name),
        }

        macro_rules! each {
            ($self:ident, $a:ident => $e:expr) => {
                match &$self.inner {
                    Impl::Std($a) => $e,
                    Impl::Loom($a) => $e,
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
                    Kind::Loom => Impl::Loom(loom::sync::atomic::$name::new(value)),
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
                $name { id, inner }
            }

            /// Give the atomic the name traces show for it.
            pub fn named(self, name: &str) -> Self {
                rt::rename(self.id, name);
                self
            }

            fn ctx(&self) -> Option<Ctx> {
                rt::tracked(self.id)
            }

            fn pre(&self, writes: bool) -> Option<Ctx> {
                let c = self.ctx();
                if let Some(c) = &c {
                    rt::check_abandoned(&c.exec);
                    c.announce(&[(self.id, writes)]);
                }
                c
            }

            /// Load the value.
            pub fn load(&self, order: Ordering) -> $t {
                let c = self.pre(false);
                let v = each!(self, a => a.load(order));
                if let Some(c) = c {
                    c.read(self.id, "load", v.to_string());
                }
                v
            }

            /// Store a value.
            pub fn store(&self, value: $t, order: Ordering) {
                let c = self.pre(true);
                each!(self, a => a.store(value, order));
                // Recorded after the store: the backends switch threads only
                // before an operation, never between it and this record.
                if let Some(c) = &c {
                    c.write(self.id, "store", value.to_string());
                }
            }

            /// Add to the value, returning the previous one (wrapping).
            pub fn fetch_add(&self, value: $t, order: Ordering) -> $t {
                let c = self.pre(true);
                let old = each!(self, a => a.fetch_add(value, order));
                if let Some(c) = c {
                    c.rmw(self.id, "fetch_add", old.to_string(), old.wrapping_add(value).to_string(), true);
                }
                old
            }

            /// Subtract from the value, returning the previous one (wrapping).
            pub fn fetch_sub(&self, value: $t, order: Ordering) -> $t {
                let c = self.pre(true);
                let old = each!(self, a => a.fetch_sub(value, order));
                if let Some(c) = c {
                    c.rmw(self.id, "fetch_sub", old.to_string(), old.wrapping_sub(value).to_string(), true);
                }
                old
            }

            /// Replace the value, returning the previous one.
            pub fn swap(&self, value: $t, order: Ordering) -> $t {
                let c = self.pre(true);
                let old = each!(self, a => a.swap(value, order));
                if let Some(c) = c {
                    c.rmw(self.id, "swap", old.to_string(), value.to_string(), true);
                }
                old
            }

            /// Store `new` if the value is `current`; `Ok(previous)` on success,
            /// `Err(actual)` on failure.
            pub fn compare_exchange(&self, current: $t, new: $t, success: Ordering, failure: Ordering) -> Result<$t, $t> {
                let c = self.pre(true);
                let r = each!(self, a => a.compare_exchange(current, new, success, failure));
                if let Some(c) = c {
                    match r {
                        Ok(old) => c.rmw(self.id, "compare_exchange", old.to_string(), new.to_string(), true),
                        Err(actual) => c.rmw(self.id, "compare_exchange", actual.to_string(), actual.to_string(), false),
                    }
                }
                r
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

mod usize_ {
    use super::*;
    atomic_int!(
        /// An atomic `usize`.
        AtomicUsize, usize
    );
}
mod u64_ {
    use super::*;
    atomic_int!(
        /// An atomic `u64`.
        AtomicU64, u64
    );
}
mod i64_ {
    use super::*;
    atomic_int!(
        /// An atomic `i64`.
        AtomicI64, i64
    );
}
mod u32_ {
    use super::*;
    atomic_int!(
        /// An atomic `u32`.
        AtomicU32, u32
    );
}

pub use i64_::AtomicI64;
pub use u32_::AtomicU32;
pub use u64_::AtomicU64;
pub use usize_::AtomicUsize;

/// An atomic `bool`.
pub struct AtomicBool {
    id: usize,
    inner: BoolImpl,
}

enum BoolImpl {
    Std(std::sync::atomic::AtomicBool),
    Loom(loom::sync::atomic::AtomicBool),
    Shuttle(shuttle::sync::atomic::AtomicBool),
}

macro_rules! each_bool {
    ($self:ident, $a:ident => $e:expr) => {
        match &$self.inner {
            BoolImpl::Std($a) => $e,
            BoolImpl::Loom($a) => $e,
            BoolImpl::Shuttle($a) => $e,
        }
    };
}

impl AtomicBool {
    /// A new atomic holding `value`, named `atomicN` in traces.
    pub fn new(value: bool) -> Self {
        let ctx = rt::ctx();
        let kind = ctx.as_ref().map(|c| c.exec.kind).unwrap_or(Kind::Real);
        let inner = match kind {
            Kind::Real => BoolImpl::Std(std::sync::atomic::AtomicBool::new(value)),
            Kind::Loom => BoolImpl::Loom(loom::sync::atomic::AtomicBool::new(value)),
            Kind::Shuttle => BoolImpl::Shuttle(shuttle::sync::atomic::AtomicBool::new(value)),
        };
        let id = match &ctx {
            Some(c) => {
                let id = c.register(ObjKind::Atomic, None);
                c.init_value(id, value.to_string());
                id
            }
            None => UNTRACKED,
        };
        AtomicBool { id, inner }
    }

    /// Give the atomic the name traces show for it.
    pub fn named(self, name: &str) -> Self {
        rt::rename(self.id, name);
        self
    }

    fn ctx(&self) -> Option<Ctx> {
        rt::tracked(self.id)
    }

    fn pre(&self, writes: bool) -> Option<Ctx> {
        let c = self.ctx();
        if let Some(c) = &c {
            rt::check_abandoned(&c.exec);
            c.announce(&[(self.id, writes)]);
        }
        c
    }

    /// Load the value.
    pub fn load(&self, order: Ordering) -> bool {
        let c = self.pre(false);
        let v = each_bool!(self, a => a.load(order));
        if let Some(c) = c {
            c.read(self.id, "load", v.to_string());
        }
        v
    }

    /// Store a value.
    pub fn store(&self, value: bool, order: Ordering) {
        let c = self.pre(true);
        each_bool!(self, a => a.store(value, order));
        if let Some(c) = &c {
            c.write(self.id, "store", value.to_string());
        }
    }

    /// Replace the value, returning the previous one.
    pub fn swap(&self, value: bool, order: Ordering) -> bool {
        let c = self.pre(true);
        let old = each_bool!(self, a => a.swap(value, order));
        if let Some(c) = c {
            c.rmw(self.id, "swap", old.to_string(), value.to_string(), true);
        }
        old
    }
}

impl fmt::Debug for AtomicBool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicBool").finish_non_exhaustive()
    }
}
