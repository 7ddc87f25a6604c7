//! `std::sync`, re-exported: without the `model` feature racetrace's facade
//! *is* std, so production code pays nothing for being checkable.

pub use std::sync::*;
