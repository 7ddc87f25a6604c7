//! What the explorer runs and judges: the program body, the judge, and the step-limit outcome.

use std::sync::Arc;

/// The outcome of an execution stopped at [`crate::config::MAX_STEPS`]
/// operations (or at a backend's own step limit).
pub const STEP_LIMIT: &str = "step limit";

/// The program to explore: returns its outcome as a short string.
pub type Body = Arc<dyn Fn() -> String + Send + Sync>;
/// Judges an outcome: allowed?, and the spec's words for it.
pub type Judge = Arc<dyn Fn(&str) -> (bool, String) + Send + Sync>;
