//! The shape of a built-in pattern: its parameters, its variants, their
//! specs and the runs `racetrace check` makes of them.

use crate::error::Error;
pub use crate::params::Params;
use crate::spec::Spec;
use racetrace::{Backend, Config};
use serde::Serialize;

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
