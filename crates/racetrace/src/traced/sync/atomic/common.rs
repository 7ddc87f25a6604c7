//! What the atomic types share: the loom slot that lends `&mut`, how an
//! operation is shown in the trace, and what happens before each one.

use crate::rt::{self, Ctx, Kind};
use std::borrow::Cow;
use std::sync::OnceLock;
use std::sync::atomic::Ordering;

/// A loom atomic that can lend a `&mut` to its value, as std's `get_mut`
/// does. loom's atomics lend it only inside a closure (`with_mut`), so
/// [`get_mut`](Self::get_mut) takes the value out (loom checks that this
/// access happens after every other) and drops the loom atomic; the next
/// shared use makes a new loom atomic holding the value. `value` is read
/// through `&self` only while there is no loom atomic, and written only
/// through `&mut self`: no access races another.
pub(super) struct LoomSlot<A, V> {
    atomic: OnceLock<A>,
    value: V,
}

impl<A, V: Copy> LoomSlot<A, V> {
    pub(super) fn new(atomic: A, value: V) -> Self {
        LoomSlot {
            atomic: OnceLock::from(atomic),
            value,
        }
    }

    /// The loom atomic, made from the value if `get_mut` took it out.
    pub(super) fn get(&self, make: impl FnOnce(V) -> A) -> &A {
        self.atomic.get_or_init(|| make(self.value))
    }

    /// The value, lent out: `take` reads it from the loom atomic, if any.
    pub(super) fn get_mut(&mut self, take: impl FnOnce(A) -> V) -> &mut V {
        if let Some(a) = self.atomic.take() {
            self.value = take(a);
        }
        &mut self.value
    }

    pub(super) fn into_inner(self, take: impl FnOnce(A) -> V) -> V {
        match self.atomic.into_inner() {
            Some(a) => take(a),
            None => self.value,
        }
    }
}

/// `op`, with its ordering when that is not `SeqCst`: `load(Acquire)`.
pub(super) fn shown(op: &str, order: Ordering) -> Cow<'_, str> {
    if order == Ordering::SeqCst {
        Cow::Borrowed(op)
    } else {
        Cow::Owned(format!("{op}({order:?})"))
    }
}

/// `compare_exchange`, with its orderings when either is not `SeqCst`.
pub(super) fn shown2(op: &str, success: Ordering, failure: Ordering) -> Cow<'_, str> {
    if success == Ordering::SeqCst && failure == Ordering::SeqCst {
        Cow::Borrowed(op)
    } else {
        Cow::Owned(format!("{op}({success:?}, {failure:?})"))
    }
}

/// Before an operation on atomic `id`: the context, the announcement to
/// dpor, and — on shuttle's sequentially consistent runtime — a note of an
/// ordering weaker than `SeqCst`.
pub(super) fn pre(id: usize, writes: bool, op: &str, weak: bool) -> Option<Ctx> {
    let c = rt::tracked(id)?;
    rt::check_abandoned(&c.exec);
    c.announce(&[(id, writes)]);
    if weak && c.exec.kind == Kind::Shuttle {
        c.note_weak_ordering(id, op);
    }
    Some(c)
}
