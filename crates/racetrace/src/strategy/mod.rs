//! Search strategies of racetrace's own, beside shuttle's DFS, random and PCT
//! schedulers: each is a shuttle [`Scheduler`] (one interface for every
//! strategy on shuttle's runtime), chosen by
//! [`Backend`](crate::Backend) in [`crate::explore`](mod@crate::explore).
//!
//! * `dpor`: source-set DPOR with sleep sets ([`Backend::Dpor`](crate::Backend::Dpor));
//! * [`bytes`]: choices read from a byte string — one schedule from given
//!   bytes ([`ByteScheduler::new`], what libFuzzer drives) or endless seeded
//!   ones ([`ByteScheduler::seeded`], [`Backend::Fuzz`](crate::Backend::Fuzz)).

pub mod bytes;
pub(crate) mod dpor;

#[doc(hidden)]
pub use dpor::oracle as dpor_oracle;

pub use bytes::{ByteScheduler, MAX_DRAWN_BYTES};
pub use shuttle::scheduler::Scheduler;
