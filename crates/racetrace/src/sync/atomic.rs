//! `std::sync::atomic`'s API, checked: every operation is a scheduling
//! point and a line in the trace (loom also models the memory orderings;
//! shuttle and dpor treat every ordering as `SeqCst`).
//!
//! Every integer atomic std has on stable (`AtomicI8` … `AtomicU64`,
//! `AtomicIsize`, `AtomicUsize`), `AtomicBool` and `AtomicPtr<T>`, with
//! std's signatures, plus racetrace's `.named("…")`. What differs from std
//! under `model`:
//! * `new` is not `const` (an atomic registers itself with the running
//!   execution): a `static` atomic needs `LazyLock`/`OnceLock`;
//! * `compare_exchange_weak` never fails spuriously under the checkers
//!   (loom's and shuttle's are the strong one); on real threads it is std's;
//! * `fetch_update` is std's documented loop (a `load`, then
//!   `compare_exchange_weak` until it succeeds), each a step of its own;
//! * `fence` is loom's under loom, and neither a scheduling point nor a
//!   trace line on shuttle's runtime (dpor, shuttle), where every access is
//!   already sequentially consistent; `compiler_fence` is std's (the
//!   checkers see operations, not compiled code);
//! * `get_mut` and `into_inner` are neither scheduling points nor in the
//!   trace (no other thread can take part);
//! * missing: `as_ptr`, `from_ptr`, `AtomicPtr`'s pointer arithmetic and
//!   bit operations (`fetch_ptr_add`, `fetch_or`, …); `Debug` prints no
//!   value (reading it would be a step).

pub use crate::traced::sync::atomic::{
    AtomicBool, AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr, AtomicU8,
    AtomicU16, AtomicU32, AtomicU64, AtomicUsize, Ordering, compiler_fence, fence,
};
