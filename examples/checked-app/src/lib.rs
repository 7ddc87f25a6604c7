//! A small application whose concurrent parts are checked with racetrace:
//! a bank of accounts ([`bank`]), a single-producer single-consumer ring
//! buffer ([`ring`]) and a spinning once-cell ([`once`]). Each is written
//! against `racetrace::{sync, thread, cell, hint}` with std's API, so in a
//! production build (racetrace without features) it runs on std's own
//! types, and under `cargo test` (racetrace with `model`) the same code is
//! explored by the model checkers (`tests/checks.rs`).
//!
//! Each module keeps, beside its correct code, the seeded bug the tests
//! show racetrace finding (`*_naive` / `Flaw`), as a tutorial would.

pub mod bank;
pub mod once;
pub mod ring;
