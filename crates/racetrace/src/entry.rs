//! The entry points: explore a closure, collect its outcome table, or check
//! it in a test.

use crate::config::Config;
use crate::explore::{self, Report};
use std::sync::Arc;

/// Explore `f` under `config`. The outcome of a schedule is `ok`, or the
/// panic, deadlock or data race that ended it; only `ok` is allowed.
pub fn explore<F>(config: &Config, f: F) -> Report
where
    F: Fn() + Send + Sync + 'static,
{
    explore_labelled(config, "program", f)
}

/// As [`explore`], the report labelled `label` (a test's name).
pub(crate) fn explore_labelled<F>(config: &Config, label: &str, f: F) -> Report
where
    F: Fn() + Send + Sync + 'static,
{
    let judge: explore::Judge = Arc::new(|o: &str| {
        let ok = o == "ok";
        (
            ok,
            if ok {
                "ok".to_string()
            } else {
                violation_words(o)
            },
        )
    });
    let body: explore::Body = Arc::new(move || {
        f();
        "ok".to_string()
    });
    explore::run(label.to_string(), body, judge, config)
}

/// What a violation of a closure explored by [`explore`] is, in words.
fn violation_words(outcome: &str) -> String {
    match outcome {
        "deadlock" => "deadlock: no thread can run".into(),
        "data-race" => "data race: two unordered accesses, one a write".into(),
        explore::STEP_LIMIT => "the step limit ended a thread that never stopped".into(),
        o if o.starts_with("panic: ") => "a thread panicked".into(),
        _ => "the program failed".into(),
    }
}

/// Explore `f` under `config`, collecting the outcome each schedule returns;
/// `allowed` says which outcomes the spec allows.
pub fn explore_outcomes<F, A>(config: &Config, label: &str, f: F, allowed: A) -> Report
where
    F: Fn() -> String + Send + Sync + 'static,
    A: Fn(&str) -> bool + Send + Sync + 'static,
{
    let judge: explore::Judge = Arc::new(move |o: &str| {
        let ok = allowed(o);
        (
            ok,
            if ok {
                "allowed".to_string()
            } else {
                "forbidden".to_string()
            },
        )
    });
    explore::run(label.to_string(), Arc::new(f), judge, config)
}
