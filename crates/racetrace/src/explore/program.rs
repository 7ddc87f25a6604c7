//! What the explorer runs and judges: the program body, the judge, and the step-limit outcome.

use std::sync::Arc;

/// The outcome of an execution stopped at [`crate::Config::max_steps`]
/// operations (or at a backend's own step limit).
pub const STEP_LIMIT: &str = "step limit";

/// The outcome of an execution in which the running thread made no
/// racetrace operation for [`crate::Config::stall_timeout`]: it spins
/// without yielding, or blocks in a primitive the checkers cannot see.
pub const NO_PROGRESS: &str = "no progress";

/// The outcome of an execution in which every thread that could run was
/// spinning (`yield_now`, `hint::spin_loop`) with no other thread left to
/// change what they wait for (dpor and the shuttle backends).
pub const LIVELOCK: &str = "livelock";

/// How many times in a row a thread may yield with no other thread taking a
/// step in between, when nothing else can run, before the execution is a
/// [`LIVELOCK`]. (A spin bounded by fewer tries is not reported; a longer
/// bounded one, with nothing else able to run, is.)
pub const ISOLATED_SPINS: u32 = 3;

/// The program to explore: returns its outcome as a short string.
pub type Body = Arc<dyn Fn() -> String + Send + Sync>;
/// Judges an outcome: allowed?, and the spec's words for it.
pub type Judge = Arc<dyn Fn(&str) -> (bool, String) + Send + Sync>;
