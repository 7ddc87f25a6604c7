//! The test harness: a named, configured check of a closure ([`Check`],
//! what `#[racetrace::test]` expands to), and [`check_with`].
//!
//! A check fails the test — it panics, with the witness trace and the exact
//! command that replays it — when:
//! * a schedule reaches a violation (a panic, a deadlock, a data race), or,
//!   with [`Check::expect`], when no schedule reaches the expected one;
//! * the exploration was incomplete (a schedule cap, the time budget, a
//!   preemption bound, a sampling backend) and the check does not say
//!   incompleteness is accepted ([`Check::allow_incomplete`]): a capped
//!   search that found nothing proves nothing;
//! * the backend cannot explore the program at all (loom's thread limit):
//!   that is reported as "cannot explore", never as the program's bug;
//! * the program used an ordering weaker than `SeqCst` under a backend that
//!   models sequential consistency only (dpor, shuttle-*, fuzz) and rc11,
//!   which models RC11's weak memory and which the check then runs as well,
//!   finds a violation or does not finish (unless [`Check::assume_seq_cst`]
//!   says SC is enough).
//!
//! Replay is per test: `RACETRACE_REPLAY='NAME=TOKEN'` runs schedule TOKEN
//! of the check named NAME only; every other check in the binary runs as
//! usual. (A bare `RACETRACE_REPLAY=TOKEN` applies to unnamed checks only:
//! [`crate::check`] and [`check_with`].)

use crate::config::{Backend, Config};
use crate::config::{ENV_BACKEND, ENV_REPLAY, ReplayToken};
use crate::explore::Report;
use std::time::Duration;

/// The time budget of a check that sets none: long enough for any check
/// that belongs in a test suite, short enough that none hangs CI.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(60);

/// The backend of a check whose environment names none
/// (`RACETRACE_BACKEND`): [`Backend::Portfolio`], which finds deep bugs in
/// few schedules (preemption bounds 0, 1, 2 over dpor, with PCT and random
/// probes between them) and still ends exhaustive, as dpor does — unless
/// the environment asks for what only dpor does: a shard
/// (`RACETRACE_SHARD`), several jobs (`RACETRACE_JOBS`) or a preemption
/// bound (`RACETRACE_PREEMPTION_BOUND`); then dpor.
fn default_backend(config: &mut Config) -> bool {
    let named = std::env::var_os(ENV_BACKEND).is_some();
    if !named && config.shard.is_none() && config.jobs == 1 && config.preemption_bound.is_none() {
        config.backend = Backend::Portfolio;
    }
    !named
}

/// A named, configured exploration of a test's closure.
#[derive(Clone, Debug)]
#[must_use = "a Check does nothing until `run`"]
pub struct Check {
    name: String,
    config: Config,
    allow_incomplete: bool,
    expect: Option<String>,
    assume_seq_cst: bool,
    /// The backend is the default, not named by the environment or `backend`.
    default_backend: bool,
}

impl Check {
    /// A check named `name` (the test's name: it labels reports and scopes
    /// replay), configured by the `RACETRACE_*` environment variables over
    /// the defaults: [`Backend::Portfolio`] (dpor when a shard, jobs or a
    /// preemption bound is set), the time budget [`DEFAULT_BUDGET`].
    /// A bad variable panics, naming it.
    pub fn new(name: &str) -> Check {
        let mut config = match Config::from_env() {
            Ok(c) => c,
            Err(e) => panic!("racetrace: {e}"),
        };
        let default_backend = default_backend(&mut config);
        if config.max_duration.is_none() {
            config.max_duration = Some(DEFAULT_BUDGET);
        }
        config.progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
        config.replay = replay_for(Some(name));
        Check {
            name: name.to_string(),
            config,
            allow_incomplete: false,
            expect: None,
            assume_seq_cst: false,
            default_backend,
        }
    }

    /// A check with exactly this configuration (no environment applied but
    /// for an unnamed `RACETRACE_REPLAY` token).
    pub fn with_config(name: &str, config: &Config) -> Check {
        let mut config = config.clone();
        if config.replay.is_none() {
            config.replay = replay_for(None);
        }
        Check {
            name: name.to_string(),
            config,
            allow_incomplete: false,
            expect: None,
            assume_seq_cst: false,
            default_backend: false,
        }
    }

    /// Explore with `backend`. `RACETRACE_SHARD` and `RACETRACE_JOBS`
    /// split dpor's explorations only: another backend explores the whole.
    pub fn backend(mut self, backend: Backend) -> Check {
        self.config.backend = backend;
        self.default_backend = false;
        if backend != Backend::Dpor {
            self.config.shard = None;
            self.config.jobs = 1;
        }
        self
    }

    /// Stop after `n` schedules (the number to run, for sampling backends).
    pub fn max_schedules(mut self, n: u64) -> Check {
        self.config.max_schedules = Some(n);
        self
    }

    /// loom and dpor: at most `k` preemptions per execution (a check on the
    /// default backend then runs dpor).
    pub fn preemption_bound(mut self, k: usize) -> Check {
        if self.default_backend {
            self.config.backend = Backend::Dpor;
        }
        self.config.preemption_bound = Some(k);
        self
    }

    /// Stop after `seconds` (default [`DEFAULT_BUDGET`]).
    pub fn max_seconds(mut self, seconds: f64) -> Check {
        match Duration::try_from_secs_f64(seconds) {
            Ok(d) if seconds > 0.0 => self.config.max_duration = Some(d),
            _ => panic!("racetrace: max_seconds must be a positive number, got {seconds}"),
        }
        self
    }

    /// Seed of the sampling backends.
    pub fn seed(mut self, seed: u64) -> Check {
        self.config.seed = seed;
        self
    }

    /// Accept an exploration that did not visit every schedule (sampling,
    /// a cap, a budget, a preemption bound): pass if nothing was found.
    pub fn allow_incomplete(mut self) -> Check {
        self.allow_incomplete = true;
        self
    }

    /// The test is expected to fail with `outcome`: `deadlock`, `data-race`,
    /// `panic` (any panic) or an exact outcome string. It passes when some
    /// schedule reaches it (the search stops there) and fails when none does.
    pub fn expect(mut self, outcome: &str) -> Check {
        self.expect = Some(outcome.to_string());
        self.config.stop_at_first_violation = true;
        self
    }

    /// Accept sequentially consistent exploration of a program that uses
    /// weaker orderings: do not also run rc11 (see the module docs).
    pub fn assume_seq_cst(mut self) -> Check {
        self.assume_seq_cst = true;
        self
    }

    /// The configuration the check will run with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Explore `f`; panic (failing the test) as the [module docs](self) say.
    /// Returns the report of a check that passed.
    #[track_caller]
    pub fn run<F>(self, f: F) -> Report
    where
        F: Fn() + Send + Sync + 'static,
    {
        if let Err(e) = self.config.validate() {
            panic!("racetrace: {}: {e}", self.name);
        }
        let f = std::sync::Arc::new(f);
        let f2 = f.clone();
        let report = crate::entry::explore_labelled(&self.config, &self.name, move || f2());
        if let Some(why) = &report.replay_mismatch {
            panic!(
                "racetrace: {}: the {ENV_REPLAY} token does not fit this program ({why}); \
                 run the test without it for a fresh one",
                self.name
            );
        }
        if let Some(why) = &report.cannot_explore {
            panic!(
                "racetrace: {}: cannot explore under {}: {why}",
                self.name, report.backend
            );
        }
        match &self.expect {
            Some(want) => self.judge_expected(&report, want),
            None => {
                self.judge(&report);
                if let Some(op) = &report.weak_ordering
                    && !self.assume_seq_cst
                {
                    self.check_weak_memory(op, move || f());
                }
            }
        }
        report
    }

    /// The program passed under a sequentially consistent backend but uses
    /// `op`, weaker than `SeqCst`: explore it under rc11 too.
    #[track_caller]
    fn check_weak_memory<F>(&self, op: &str, f: F)
    where
        F: Fn() + Send + Sync + 'static,
    {
        let mut config = self.config.clone();
        config.backend = Backend::Rc11;
        config.replay = None;
        // rc11 explores the whole program, in every shard.
        config.shard = None;
        config.jobs = 1;
        let report = crate::entry::explore_labelled(&config, &self.name, f);
        if let Some(why) = &report.cannot_explore {
            panic!(
                "racetrace: {}: the program uses {op}, a weaker ordering than {} models \
                 (sequential consistency only), and rc11, which models it, cannot explore \
                 this program: {why}. Accept SC-only checking with assume_seq_cst",
                self.name, self.config.backend
            );
        }
        let checked = Check {
            config,
            ..self.clone()
        };
        checked.judge(&report);
    }

    #[track_caller]
    fn judge(&self, report: &Report) {
        if let Some(w) = report.first_violation() {
            panic!(
                "racetrace: {}: forbidden outcome '{}' under {} after {} schedules\n{}{}",
                self.name,
                w.trace.outcome,
                report.backend_desc(),
                report.schedules,
                w.trace.render(),
                self.how_to_replay(w)
            );
        }
        if !report.complete && !self.allow_incomplete {
            panic!(
                "racetrace: {}: no violation in {} schedules, but the exploration is {} — \
                 schedules were left unexplored. Raise the bound, or accept it with \
                 allow_incomplete",
                self.name,
                report.schedules,
                report.completeness()
            );
        }
    }

    #[track_caller]
    fn judge_expected(&self, report: &Report, want: &str) {
        let hit = |o: &str| o == want || (want == "panic" && o.starts_with("panic: "));
        if report
            .outcomes
            .iter()
            .any(|r| !r.allowed && hit(&r.outcome))
        {
            return;
        }
        let found: Vec<&str> = report.violations().map(|r| r.outcome.as_str()).collect();
        panic!(
            "racetrace: {}: expected '{want}', but {} schedules ({}) reached {}",
            self.name,
            report.schedules,
            report.completeness(),
            if found.is_empty() {
                "no violation".to_string()
            } else {
                format!("only {}", found.join(", "))
            }
        );
    }

    /// The command that replays witness `w`; a portfolio's witness replays
    /// on the backend of the phase that found it.
    fn how_to_replay(&self, w: &crate::Witness) -> String {
        let Some(t) = &w.replay else {
            return String::new();
        };
        let backend = match &w.phase {
            Some(p) => format!("{ENV_BACKEND}={} ", p.backend),
            None => String::new(),
        };
        format!(
            "\nreplay this schedule alone: {backend}{ENV_REPLAY}='{}={t}' cargo test {}",
            self.name, self.name
        )
    }
}

/// The `RACETRACE_REPLAY` token meant for the check named `name`
/// (`NAME=TOKEN`), or for unnamed checks (a bare `TOKEN`, when `name` is
/// `None`). A malformed token panics, naming the variable.
fn replay_for(name: Option<&str>) -> Option<ReplayToken> {
    let v = std::env::var(ENV_REPLAY).ok()?;
    match token_for(&v, name)?.parse() {
        Ok(t) => Some(t),
        Err(e) => panic!("racetrace: {ENV_REPLAY}: {e}"),
    }
}

/// The part of a `RACETRACE_REPLAY` value meant for the check `name`.
fn token_for<'v>(value: &'v str, name: Option<&str>) -> Option<&'v str> {
    match (value.split_once('='), name) {
        (Some((n, t)), Some(name)) if n.trim() == name => Some(t.trim()),
        (None, None) => Some(value.trim()),
        _ => None,
    }
}

/// Explore `f` under `config` (its replay token, else a bare
/// `RACETRACE_REPLAY`) and fail the test as [`Check::run`] does: on a
/// violation, and on an incomplete exploration.
#[track_caller]
pub fn check_with<F>(config: &Config, f: F)
where
    F: Fn() + Send + Sync + 'static,
{
    Check::with_config("program", config).run(f);
}

/// Explore `f` with the configuration from the environment
/// ([`Config::from_env`]; the backend `portfolio` unless `RACETRACE_BACKEND`
/// names one, or a shard, jobs or a preemption bound asks for dpor)
/// and fail the test as [`Check::run`] does: with the
/// witness trace if any schedule panics, deadlocks or races, and when the
/// exploration was incomplete.
#[track_caller]
pub fn check<F>(f: F)
where
    F: Fn() + Send + Sync + 'static,
{
    let mut config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => panic!("racetrace: {e}"),
    };
    default_backend(&mut config);
    if config.max_duration.is_none() {
        config.max_duration = Some(DEFAULT_BUDGET);
    }
    check_with(&config, f);
}

#[cfg(test)]
mod tests {
    use super::{Check, token_for};
    use crate::{Backend, Config, Shard};

    #[test]
    fn a_shard_and_jobs_split_dpor_checks_only() {
        let c = Config::new(Backend::Dpor)
            .with_shard(Shard::new(1, 2).unwrap())
            .with_jobs(2);
        let dpor = Check::with_config("x", &c).backend(Backend::Dpor);
        assert_eq!((dpor.config.shard, dpor.config.jobs), (c.shard, 2));
        let loom = Check::with_config("x", &c).backend(Backend::Loom);
        assert_eq!((loom.config.shard, loom.config.jobs), (None, 1));
        assert!(loom.config.validate().is_ok());
    }

    #[test]
    fn a_named_token_applies_to_its_check_only() {
        assert_eq!(token_for("a=loom/3", Some("a")), Some("loom/3"));
        assert_eq!(token_for("a=loom/3", Some("b")), None);
        assert_eq!(token_for("a=loom/3", None), None);
    }

    #[test]
    fn a_bare_token_applies_to_unnamed_checks_only() {
        assert_eq!(token_for("loom/3", None), Some("loom/3"));
        assert_eq!(token_for("loom/3", Some("a")), None);
    }
}
