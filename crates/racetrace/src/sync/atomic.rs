//! `std::sync::atomic`'s API, checked: every operation is a scheduling
//! point and a line in the trace (loom also models the memory orderings;
//! shuttle and dpor treat every ordering as `SeqCst`).

pub use crate::traced::sync::atomic::*;
