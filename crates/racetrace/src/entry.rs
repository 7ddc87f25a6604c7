//! The entry points: explore a closure, collect its outcome table, or check
//! it in a test.

use crate::Config;
use crate::explore::{self, Report};
use std::sync::Arc;

/// Explore `f` under `config`. The outcome of a schedule is `ok`, or the
/// panic, deadlock or data race that ended it; only `ok` is allowed.
pub fn explore<F>(config: &Config, f: F) -> Report
where
    F: Fn() + Send + Sync + 'static,
{
    explore_outcomes(
        config,
        "program",
        move || {
            f();
            "ok".to_string()
        },
        |o| o == "ok",
    )
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

/// Explore `f` with the configuration from the environment
/// ([`Config::from_env`]) and panic with the witness trace if any schedule
/// panics, deadlocks or races.
#[track_caller]
pub fn check<F>(f: F)
where
    F: Fn() + Send + Sync + 'static,
{
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => panic!("racetrace: {e}"),
    };
    if let Err(e) = config.validate() {
        panic!("racetrace: {e}");
    }
    explore(&config, f).assert_ok();
}
