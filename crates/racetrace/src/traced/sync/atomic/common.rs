//! What the atomic types share: the loom slot that lends `&mut`, how an
//! operation is shown in the trace, and what happens before each one.

use crate::rc11;
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
pub(super) fn shown(op: &'static str, order: Ordering) -> Cow<'static, str> {
    if order == Ordering::SeqCst {
        Cow::Borrowed(op)
    } else {
        Cow::Owned(format!("{op}({order:?})"))
    }
}

/// `compare_exchange`, with its orderings when either is not `SeqCst`.
pub(super) fn shown2(op: &'static str, success: Ordering, failure: Ordering) -> Cow<'static, str> {
    if success == Ordering::SeqCst && failure == Ordering::SeqCst {
        Cow::Borrowed(op)
    } else {
        Cow::Owned(format!("{op}({success:?}, {failure:?})"))
    }
}

/// Before an operation on atomic `id`: the context, the announcement to
/// dpor, and — on shuttle's sequentially consistent runtime, unless the
/// rc11 model runs on it — a note of an ordering weaker than `SeqCst`.
pub(super) fn pre(id: usize, writes: bool, op: &str, weak: bool) -> Option<Ctx> {
    let c = rt::tracked(id)?;
    rt::check_abandoned(&c.exec);
    c.announce(&[(id, writes)]);
    if weak && c.exec.kind == Kind::Shuttle && !rc11::active() {
        c.note_weak_ordering(id, op);
    }
    Some(c)
}

/// An atomic's value as the rc11 memory model holds it (a `u64`) and as the
/// trace shows it.
pub(super) trait Value: Copy {
    fn to_bits(self) -> u64;
    fn from_bits(b: u64) -> Self;
    fn show(self) -> String;
}

macro_rules! int_values {
    ($($t:ty)*) => {
        $(impl Value for $t {
            fn to_bits(self) -> u64 {
                self as u64
            }
            fn from_bits(b: u64) -> Self {
                b as $t
            }
            fn show(self) -> String {
                self.to_string()
            }
        })*
    };
}

int_values!(i8 u8 i16 u16 i32 u32 i64 u64 isize usize);

impl Value for bool {
    fn to_bits(self) -> u64 {
        u64::from(self)
    }
    fn from_bits(b: u64) -> Self {
        b != 0
    }
    fn show(self) -> String {
        self.to_string()
    }
}

/// A new atomic `id` holding `value`: its initial write, under rc11.
pub(super) fn created<V: Value>(c: &Option<Ctx>, id: usize, value: V) {
    if let Some(c) = c
        && c.exec.kind == Kind::Shuttle
    {
        rc11::init(c, id, value.to_bits());
    }
}

/// After a load's scheduling point: the value the rc11 model chooses, or
/// the backend's `v`; recorded either way.
pub(super) fn loaded<V: Value>(
    c: Ctx,
    id: usize,
    op: Cow<'static, str>,
    v: V,
    order: Ordering,
) -> V {
    if let Some(l) = rc11::load(&c, id, order) {
        let v = V::from_bits(l.value);
        let note = match (l.acquires, l.from) {
            (true, Some(step)) => Some(format!("synchronises with step {step}")),
            _ => None,
        };
        c.read_from(id, op, v.show(), l.from, l.stale, note);
        return v;
    }
    c.read(id, op, v.show());
    v
}

/// After a store's scheduling point: the write in the rc11 model, if one
/// runs, and in the trace.
pub(super) fn stored<V: Value>(
    c: &Ctx,
    id: usize,
    op: Cow<'static, str>,
    value: V,
    order: Ordering,
) {
    let event = rc11::store(c, id, value.to_bits(), order);
    let step = c.write(id, op, value.show());
    if let Some(e) = event {
        rc11::stepped(c, e, step);
    }
}

/// After a read-modify-write's scheduling point (`old`: what the backend
/// read; `new`: what it writes after reading a value): the old value.
pub(super) fn modified<V: Value>(
    c: Ctx,
    id: usize,
    op: Cow<'static, str>,
    order: Ordering,
    old: V,
    new: &dyn Fn(V) -> V,
) -> V {
    let bits = |b: u64| new(V::from_bits(b)).to_bits();
    let (old, event) = match rc11::rmw(&c, id, order, &bits) {
        Some(l) => (V::from_bits(l.value), Some(l.event)),
        None => (old, None),
    };
    let step = c.rmw(id, op, old.show(), new(old).show(), true);
    if let Some(e) = event {
        rc11::stepped(&c, e, step);
    }
    old
}

/// After a compare-exchange's scheduling point (`r`: the backend's result):
/// the result.
#[allow(clippy::too_many_arguments)]
pub(super) fn exchanged<V: Value>(
    c: Ctx,
    id: usize,
    op: Cow<'static, str>,
    r: Result<V, V>,
    (current, new): (V, V),
    success: Ordering,
    failure: Ordering,
    weak: bool,
) -> Result<V, V> {
    let (r, event) = match rc11::cas(
        &c,
        id,
        current.to_bits(),
        new.to_bits(),
        success,
        failure,
        weak,
    ) {
        Some((r, l)) => (r.map(V::from_bits).map_err(V::from_bits), Some(l.event)),
        None => (r, None),
    };
    let step = match r {
        Ok(old) => c.rmw(id, op, old.show(), new.show(), true),
        Err(actual) => {
            c.only_read(id);
            c.rmw(id, op, actual.show(), actual.show(), false)
        }
    };
    if let Some(e) = event {
        rc11::stepped(&c, e, step);
    }
    r
}

/// The value `get_mut`/`into_inner` see under rc11: the latest write in
/// coherence order (a unique borrow happens after every other access).
pub(super) fn settled<V: Value>(id: usize, v: V) -> V {
    match rt::ctx().and_then(|c| rc11::latest(&c, id)) {
        Some(b) => V::from_bits(b),
        None => v,
    }
}
