//! The built-in patterns: the concurrency programs of the Python tutorials,
//! written once against racetrace's primitives. One file per pattern; each
//! declares its parameters, its variants and their specs.

use crate::Error;
use crate::config::{Backend, Config, LOOM_MAX_THREADS};
use crate::explore::{self, Report};
use crate::spec::{Spec, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub mod async_counter;
pub mod gather;
pub mod lock_order;
pub mod locked_counter;
pub mod lost_wakeup;
pub mod philosophers;
pub mod process_pool;
pub mod process_queue;
pub mod producer_consumer;
pub mod relock;
pub mod semaphore;
pub mod thread_pool;
pub mod unsafe_counter;

/// A pattern's parameter.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ParamSpec {
    /// Its name, also the command-line flag (`--threads`).
    pub name: &'static str,
    /// Default value.
    pub default: usize,
    /// Smallest value accepted.
    pub min: usize,
    /// Largest value accepted.
    pub max: usize,
    /// What it means.
    pub help: &'static str,
}

/// Parameter values, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Params(pub BTreeMap<String, usize>);

impl Params {
    /// The value of `name`. Panics if the pattern did not declare it.
    pub fn get(&self, name: &str) -> usize {
        match self.0.get(name) {
            Some(v) => *v,
            None => panic!("racetrace: parameter '{name}' is not set"),
        }
    }

    /// `threads=2 ops=2`.
    pub fn describe(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A run that `racetrace check` makes of a variant.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Job {
    /// The backend.
    pub backend: Backend,
    /// Schedules for the sampling backends (and a bound for the others).
    pub max_schedules: Option<u64>,
    /// False for runs shown for information only: stress testing a buggy
    /// variant on real threads usually misses the bug, which is the point.
    pub required: bool,
    /// loom only: a preemption bound, for variants whose full exploration
    /// takes minutes (the report then says "complete within preemption bound k").
    pub preemption_bound: Option<usize>,
}

impl Job {
    /// A required run on `backend` with its default bounds.
    pub const fn on(backend: Backend) -> Job {
        Job {
            backend,
            max_schedules: None,
            required: true,
            preemption_bound: None,
        }
    }
    /// A run shown for information only.
    pub const fn informational(backend: Backend, n: u64) -> Job {
        Job {
            backend,
            max_schedules: Some(n),
            required: false,
            preemption_bound: None,
        }
    }
    /// A required run of `n` schedules.
    pub const fn sampled(backend: Backend, n: u64) -> Job {
        Job {
            backend,
            max_schedules: Some(n),
            required: true,
            preemption_bound: None,
        }
    }
    /// This run with its (loom or dpor) exploration bounded to `k` preemptions.
    pub const fn with_preemption_bound(self, k: usize) -> Job {
        Job {
            preemption_bound: Some(k),
            ..self
        }
    }
    /// The configuration this run uses (its backend and bounds).
    pub fn config(&self) -> Config {
        let mut config = Config::new(self.backend);
        config.max_schedules = self.max_schedules;
        config.preemption_bound = self.preemption_bound;
        config
    }
}

/// One way of writing a pattern: correct, or with a classic bug.
#[derive(Debug)]
pub struct Variant {
    /// Its name (`load-store`).
    pub name: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// What it must (or must not) do.
    pub spec: Spec,
    /// The program: runs once, returns the outcome.
    pub run: fn(&Params) -> String,
    /// What `racetrace check` runs.
    pub jobs: &'static [Job],
}

/// A pattern and its variants.
#[derive(Debug)]
pub struct Pattern {
    /// Its name (`unsafe-counter`).
    pub name: &'static str,
    /// One line on what it is.
    pub summary: &'static str,
    /// The Python program it comes from, in a sentence.
    pub python: &'static str,
    /// Its parameters.
    pub params: &'static [ParamSpec],
    /// Threads the program runs with these parameters, `main` included.
    pub threads: fn(&Params) -> usize,
    /// Its variants.
    pub variants: &'static [Variant],
}

/// Every built-in pattern.
pub fn all() -> &'static [&'static Pattern] {
    static ALL: [&Pattern; 13] = [
        &unsafe_counter::PATTERN,
        &locked_counter::PATTERN,
        &lock_order::PATTERN,
        &philosophers::PATTERN,
        &relock::PATTERN,
        &lost_wakeup::PATTERN,
        &producer_consumer::PATTERN,
        &thread_pool::PATTERN,
        &semaphore::PATTERN,
        &process_queue::PATTERN,
        &process_pool::PATTERN,
        &gather::PATTERN,
        &async_counter::PATTERN,
    ];
    &ALL
}

/// The pattern called `name`.
pub fn find(name: &str) -> Result<&'static Pattern, Error> {
    all()
        .iter()
        .copied()
        .find(|p| p.name == name)
        .ok_or_else(|| Error::UnknownPattern(name.to_string()))
}

impl Pattern {
    /// The variant called `name`.
    pub fn variant(&self, name: &str) -> Result<&'static Variant, Error>
    where
        Self: 'static,
    {
        self.variants
            .iter()
            .find(|v| v.name == name)
            .ok_or_else(|| Error::UnknownVariant {
                pattern: self.name.to_string(),
                variant: name.to_string(),
            })
    }

    /// The default parameters, overridden by `given` (checked against the
    /// declared names and ranges).
    pub fn params(&self, given: &[(String, usize)]) -> Result<Params, Error> {
        let mut p = Params(
            self.params
                .iter()
                .map(|s| (s.name.to_string(), s.default))
                .collect(),
        );
        for (k, v) in given {
            let Some(spec) = self.params.iter().find(|s| s.name == k) else {
                return Err(Error::UnknownParam {
                    pattern: self.name.to_string(),
                    param: k.clone(),
                });
            };
            if *v < spec.min || *v > spec.max {
                return Err(Error::BadParam {
                    param: k.clone(),
                    why: format!("{v} is outside {}..={}", spec.min, spec.max),
                });
            }
            p.0.insert(k.clone(), *v);
        }
        Ok(p)
    }
}

/// Explore one variant with the given parameters and configuration.
pub fn explore(
    pattern: &'static Pattern,
    variant: &'static Variant,
    params: &Params,
    config: &Config,
) -> Result<Report, Error> {
    explore_with(pattern, variant, params, config, None)
}

/// As [`explore`], on shuttle with the given scheduler (for [`crate::fuzz`]).
pub(crate) fn explore_with(
    pattern: &'static Pattern,
    variant: &'static Variant,
    params: &Params,
    config: &Config,
    scheduler: Option<Box<dyn shuttle::scheduler::Scheduler>>,
) -> Result<Report, Error> {
    config.validate()?;
    let needed = (pattern.threads)(params);
    if config.backend == Backend::Loom && needed > LOOM_MAX_THREADS {
        return Err(Error::TooManyThreads {
            needed,
            limit: LOOM_MAX_THREADS,
        });
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
    let mut report = explore::explore_with(label, body, judge, config, scheduler);
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
            config.stop_at_first_violation =
                gate && matches!(v.spec.expect, crate::spec::Expect::Bug(_));
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

/// Shared spec helpers for patterns whose outcome is a final count.
pub(crate) mod count {
    use super::Params;

    /// Outcome must equal `threads × ops`.
    pub fn exact(p: &Params, o: &str) -> bool {
        o.parse::<usize>().ok() == Some(p.get("threads") * p.get("ops"))
    }

    /// Words for a counter outcome.
    pub fn explain(p: &Params, o: &str) -> String {
        let expected = p.get("threads") * p.get("ops");
        match o.parse::<usize>() {
            Ok(n) if n == expected => format!("every increment counted ({expected})"),
            Ok(n) if n < expected => {
                let lost = expected - n;
                format!(
                    "lost update: {lost} increment{} lost (expected {expected})",
                    if lost == 1 { "" } else { "s" }
                )
            }
            Ok(_) => format!("more than the {expected} increments made"),
            Err(_) => match o {
                "deadlock" => "deadlock: no thread can run".into(),
                "data-race" => "data race: two unordered accesses, one a write".into(),
                _ => "the program failed".into(),
            },
        }
    }
}
