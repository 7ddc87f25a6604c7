//! A small application whose concurrent parts are checked with racetrace:
//! a bank of accounts ([`bank`]), a single-producer single-consumer ring
//! buffer ([`ring`]), a spinning once-cell ([`once`]), a memoising cache
//! behind an `RwLock` ([`cache`]), an `mpsc` pipeline ([`pipeline`]) and
//! two workers exchanging values across a `Barrier` ([`phases`]). Each is written
//! against `racetrace::{sync, thread, cell, hint}` with std's API, so in a
//! production build (racetrace without features) it runs on std's own
//! types, and under `cargo test` (racetrace with `model`) the same code is
//! explored by the model checkers (`tests/checks.rs`).
//!
//! Each module keeps, beside its correct code, the seeded bug the tests
//! show racetrace finding (`*_naive` / `Flaw`), as a tutorial would.

pub mod bank;
pub mod cache;
pub mod once;
pub mod phases;
pub mod pipeline;
pub mod ring;
