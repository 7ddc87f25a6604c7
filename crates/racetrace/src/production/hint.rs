//! `std::hint`, re-exported: without the `model` feature racetrace's facade
//! *is* std.

pub use std::hint::*;
