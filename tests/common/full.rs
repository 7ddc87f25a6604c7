//! The everyday test loop and the full one. `RACETRACE_FULL=1` (what
//! `.ci/run` sets; README, "Two commands") runs every slow sweep whole:
//! the largest parameters, every backend, every random case. Without it the
//! same tests run on smaller inputs, so a plain `cargo test` stays quick.

#![allow(dead_code)]

/// True under `RACETRACE_FULL=1`.
pub fn full() -> bool {
    std::env::var_os("RACETRACE_FULL").is_some_and(|v| v == "1")
}

/// `quick` in the everyday loop, `full` under `RACETRACE_FULL=1`.
pub fn quick_or_full<T>(quick: T, full: T) -> T {
    if self::full() { full } else { quick }
}
