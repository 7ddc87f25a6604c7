//! Running the built-in patterns: one variant under one configuration
//! ([`explore`]), or every job of every variant against its spec
//! ([`check_pattern`], the main job's rows).

use crate::error::Error;
use crate::pattern::{Params, Pattern, Variant};
use crate::spec::{Expect, Verdict};
use racetrace::explore::{self, Report};
use racetrace::strategy::Scheduler;
use racetrace::{Backend, Config, LOOM_MAX_THREADS};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// Explore one variant with the given parameters and configuration.
pub fn explore(
    pattern: &'static Pattern,
    variant: &'static Variant,
    params: &Params,
    config: &Config,
) -> Result<Report, Error> {
    explore_with(pattern, variant, params, config, None)
}

/// As [`explore`](fn@crate::explore), on shuttle with the given scheduler (for [`crate::harness`]).
pub fn explore_with(
    pattern: &'static Pattern,
    variant: &'static Variant,
    params: &Params,
    config: &Config,
    scheduler: Option<Box<dyn Scheduler>>,
) -> Result<Report, Error> {
    config.validate()?;
    let needed = (pattern.threads)(params);
    if config.backend == Backend::Loom && needed > LOOM_MAX_THREADS {
        return Err(Error::Config(racetrace::Error::TooManyThreads {
            needed,
            limit: LOOM_MAX_THREADS,
        }));
    }
    let label = match params.describe() {
        d if d.is_empty() => format!("{}/{}", pattern.name, variant.name),
        d => format!("{}/{} · {d}", pattern.name, variant.name),
    };
    let p1 = params.clone();
    let run = variant.run;
    let body: explore::Body = Arc::new(move || run(&p1));
    let p2 = params.clone();
    let spec = variant.spec;
    let judge: explore::Judge =
        Arc::new(move |o: &str| ((spec.allowed)(&p2, o), (spec.explain)(&p2, o)));
    let mut report = explore::run_with(label, body, judge, config, scheduler);
    report.pattern = Some(pattern.name.to_string());
    report.variant = Some(variant.name.to_string());
    report.params = params.0.clone();
    Ok(report)
}

/// One line of `racetrace check`.
#[derive(Clone, Debug, Serialize)]
pub struct CheckRow {
    /// Pattern name.
    pub pattern: &'static str,
    /// Variant name.
    pub variant: &'static str,
    /// Backend run.
    pub backend: Backend,
    /// Parameters used.
    pub params: Params,
    /// Schedules explored.
    pub schedules: u64,
    /// Whether exploration was exhaustive.
    pub complete: bool,
    /// How it stopped short, if it did.
    pub bound: Option<String>,
    /// Comparison with the spec.
    pub verdict: Verdict,
    /// The forbidden outcomes found.
    pub violations: Vec<String>,
    /// Seconds taken.
    pub seconds: f64,
}

/// Run every default job of every variant of `pattern`, calling `each` with
/// each result as it comes.
pub fn check_pattern(
    pattern: &'static Pattern,
    each: &mut dyn FnMut(CheckRow),
) -> Result<(), Error> {
    check_jobs(pattern, true, &mut |row, _| each(row))
}

/// As [`check_pattern`], also handing over each exploration's full
/// [`Report`] (outcome table and witness traces), for `racetrace report`.
pub fn check_pattern_reports(
    pattern: &'static Pattern,
    each: &mut dyn FnMut(CheckRow, Report),
) -> Result<(), Error> {
    check_jobs(pattern, false, each)
}

/// Run every job of every variant. With `gate`, a buggy variant's search
/// stops at its first violation: the gate needs the bug found, not the whole
/// outcome table (`racetrace report` wants the table).
fn check_jobs(
    pattern: &'static Pattern,
    gate: bool,
    each: &mut dyn FnMut(CheckRow, Report),
) -> Result<(), Error> {
    let params = pattern.params(&[])?;
    for v in pattern.variants {
        for job in v.jobs {
            let mut config = job.config();
            config.stop_at_first_violation = gate && matches!(v.spec.expect, Expect::Bug(_));
            config.progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
            // Every real run of a built-in variant ends in milliseconds
            // unless it deadlocks; the watchdog then ends it after this.
            config.real_timeout = Duration::from_secs(2);
            let report = explore(pattern, v, &params, &config)?;
            let verdict = Verdict::of(&v.spec, &report, job.required);
            let row = CheckRow {
                pattern: pattern.name,
                variant: v.name,
                backend: job.backend,
                params: params.clone(),
                schedules: report.schedules,
                complete: report.complete,
                bound: report.bound.clone().or(job
                    .preemption_bound
                    .map(|k| format!("preemption bound {k}"))),
                verdict,
                violations: report.violations().map(|r| r.outcome.clone()).collect(),
                seconds: report.elapsed.as_secs_f64(),
            };
            each(row, report);
        }
    }
    Ok(())
}
