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

/// One line of `racetrace check` (its JSON: docs/json.md).
#[derive(Clone, Debug, Serialize)]
pub struct CheckRow {
    /// Pattern name.
    pub pattern: &'static str,
    /// Variant name.
    pub variant: &'static str,
    /// What the variant's spec expects (JSON: `expect` and `bug`).
    #[serde(flatten)]
    pub expect: Expect,
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
    /// Whether the verdict agrees with the spec ([`Verdict::ok`]): false
    /// makes `racetrace check` exit 1.
    pub as_specified: bool,
    /// The forbidden outcomes found.
    pub violations: Vec<String>,
    /// Wall-clock seconds taken (`elapsed`, as in an exploration's report).
    pub elapsed: f64,
    /// The program used an ordering weaker than `SeqCst` that this backend
    /// runs as `SeqCst` (the report's `weak_ordering`): a complete search
    /// covered sequential consistency only. Not in the JSON (the report's
    /// `weak_ordering` is, under `outcomes --json`).
    #[serde(skip)]
    pub seq_cst_only: bool,
}

impl CheckRow {
    /// The verdict in words, saying how far the search went when it did not
    /// settle the question: `bug not seen (stress: 200 runs)`, `holds
    /// (stopped at 5000 schedules, not exhaustive)`, `holds (complete within
    /// preemption bound 2)`.
    pub fn describe(&self) -> String {
        let how = || {
            if self.backend == Backend::Real {
                format!("stress: {} runs", self.schedules)
            } else if !self.backend.exhaustive() {
                format!("sampled {} schedules", self.schedules)
            } else if self.complete {
                let sc = if self.seq_cst_only {
                    ", sequentially consistent runs only"
                } else {
                    ""
                };
                match &self.bound {
                    Some(b) => format!("complete within {b}{sc}"),
                    None => format!("complete{sc}"),
                }
            } else {
                match &self.bound {
                    Some(b) => format!("{b}, not exhaustive"),
                    None => "not exhaustive".to_string(),
                }
            }
        };
        match self.verdict {
            Verdict::Verified if self.seq_cst_only => {
                "verified (exhaustive, sequentially consistent runs only)".to_string()
            }
            Verdict::Verified | Verdict::Violated | Verdict::BugFound => {
                self.verdict.describe().to_string()
            }
            Verdict::HoldsBounded | Verdict::BugMissed | Verdict::BugNotSeen => {
                format!("{} ({})", self.verdict.describe(), how())
            }
        }
    }
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

/// Run every default job of every variant of `patterns` on up to `jobs`
/// threads, handing each row to `each` in the same order as a sequential
/// run would (pattern, variant, job), as soon as it and every row before it
/// are done. Explorations share nothing, so they run side by side (the
/// model runs stay single-threaded inside); the real-thread runs, whose
/// watchdog times them, run afterwards, one at a time, on an otherwise idle
/// process. With `gate`, as [`check_pattern`]; without, as
/// [`check_pattern_reports`].
pub fn check_patterns(
    patterns: &[&'static Pattern],
    jobs: usize,
    gate: bool,
    each: &mut dyn FnMut(CheckRow, Report),
) -> Result<(), Error> {
    let mut units = Vec::new();
    for p in patterns {
        let params = p.params(&[])?;
        for v in p.variants {
            for job in v.jobs {
                units.push((*p, v, job, params.clone()));
            }
        }
    }
    let n = units.len();
    let results: Vec<Slot> = (0..n).map(|_| std::sync::Mutex::new(None)).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::Condvar::new();
    let done_lock = std::sync::Mutex::new(());
    let is_real = |i: usize| units[i].2.backend == Backend::Real;
    let model: Vec<usize> = (0..n).filter(|i| !is_real(*i)).collect();
    let real: Vec<usize> = (0..n).filter(|i| is_real(*i)).collect();
    let run_one = |i: usize| {
        let (p, v, job, params) = &units[i];
        // One progress line at a time: only when nothing runs beside it.
        let progress = jobs <= 1 && std::io::IsTerminal::is_terminal(&std::io::stderr());
        let r = run_job(p, v, job, params, gate, progress);
        *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
        let _g = done_lock.lock().unwrap_or_else(|e| e.into_inner());
        done.notify_all();
    };
    let mut emitted = 0;
    let mut emit_ready = |emitted: &mut usize| -> Result<(), Error> {
        while *emitted < n {
            let Some(r) = results[*emitted]
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
            else {
                break;
            };
            let (row, report) = r?;
            each(row, report);
            *emitted += 1;
        }
        Ok(())
    };
    std::thread::scope(|s| -> Result<(), Error> {
        let workers = jobs.clamp(1, model.len().max(1));
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&i) = model.get(k) else { break };
                    run_one(i);
                }
            });
        }
        // Hand rows over in order while the model runs go on, up to the
        // first real run (those run after every model run).
        let mut g = done_lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            drop(g);
            emit_ready(&mut emitted)?;
            let at_real = emitted < n && is_real(emitted);
            let model_done = model.iter().all(|&i| {
                i < emitted
                    || results[i]
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .is_some()
            });
            g = done_lock.lock().unwrap_or_else(|e| e.into_inner());
            if at_real || model_done {
                break;
            }
            g = done
                .wait_timeout(g, Duration::from_millis(200))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        Ok(())
    })?;
    // Every model run has finished; the real runs, one at a time.
    for i in real {
        run_one(i);
        emit_ready(&mut emitted)?;
    }
    emit_ready(&mut emitted)
}

/// Where a job's result waits to be handed over in order.
type Slot = std::sync::Mutex<Option<Result<(CheckRow, Report), Error>>>;

/// One job of one variant: its row and report.
fn run_job(
    pattern: &'static Pattern,
    v: &'static Variant,
    job: &crate::pattern::Job,
    params: &Params,
    gate: bool,
    progress: bool,
) -> Result<(CheckRow, Report), Error> {
    let mut config = job.config();
    config.stop_at_first_violation = gate && matches!(v.spec.expect, Expect::Bug(_));
    config.progress = progress;
    // Every real run of a built-in variant ends in milliseconds unless it
    // deadlocks; the watchdog then ends it after this.
    config.real_timeout = Duration::from_secs(2);
    let report = explore(pattern, v, params, &config)?;
    let verdict = Verdict::of(&v.spec, &report, job.required);
    let row = CheckRow {
        pattern: pattern.name,
        variant: v.name,
        expect: v.spec.expect,
        backend: job.backend,
        params: params.clone(),
        schedules: report.schedules,
        complete: report.complete,
        bound: report.bound.clone().or(job
            .preemption_bound
            .map(|k| format!("preemption bound {k}"))),
        verdict,
        as_specified: verdict.ok(),
        violations: report.violations().map(|r| r.outcome.clone()).collect(),
        elapsed: report.elapsed.as_secs_f64(),
        seq_cst_only: report.weak_ordering.is_some() && !job.backend.weak_memory(),
    };
    Ok((row, report))
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
            let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let (row, report) = run_job(pattern, v, job, &params, gate, terminal)?;
            each(row, report);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(backend: Backend, verdict: Verdict, complete: bool, bound: Option<&str>) -> CheckRow {
        CheckRow {
            pattern: "p",
            variant: "v",
            expect: Expect::Bug("deadlock"),
            backend,
            params: Params::default(),
            schedules: 5000,
            complete,
            bound: bound.map(str::to_string),
            verdict,
            as_specified: verdict.ok(),
            violations: Vec::new(),
            elapsed: 0.0,
            seq_cst_only: false,
        }
    }

    #[test]
    fn a_complete_search_that_ran_weak_orderings_as_seq_cst_says_so() {
        let mut r = row(Backend::Dpor, Verdict::BugNotSeen, true, None);
        assert_eq!(r.describe(), "bug not seen (complete)");
        r.seq_cst_only = true;
        assert_eq!(
            r.describe(),
            "bug not seen (complete, sequentially consistent runs only)"
        );
        let mut v = row(Backend::Dpor, Verdict::Verified, true, None);
        v.seq_cst_only = true;
        assert_eq!(
            v.describe(),
            "verified (exhaustive, sequentially consistent runs only)"
        );
    }

    #[test]
    fn a_capped_exhaustive_search_says_where_it_stopped_not_stress() {
        let r = row(
            Backend::ShuttleDfs,
            Verdict::BugNotSeen,
            false,
            Some("stopped at 5000 schedules"),
        );
        assert_eq!(
            r.describe(),
            "bug not seen (stopped at 5000 schedules, not exhaustive)"
        );
        let r = row(
            Backend::Dpor,
            Verdict::HoldsBounded,
            false,
            Some("stopped at the time limit"),
        );
        assert_eq!(
            r.describe(),
            "holds (stopped at the time limit, not exhaustive)"
        );
    }

    #[test]
    fn only_real_threads_are_called_stress() {
        let r = row(
            Backend::Real,
            Verdict::BugNotSeen,
            false,
            Some("sampled 5000 schedules"),
        );
        assert_eq!(r.describe(), "bug not seen (stress: 5000 runs)");
        let r = row(Backend::ShuttlePct, Verdict::BugMissed, false, None);
        assert_eq!(r.describe(), "bug MISSED (sampled 5000 schedules)");
        let r = row(
            Backend::Loom,
            Verdict::HoldsBounded,
            true,
            Some("preemption bound 2"),
        );
        assert_eq!(r.describe(), "holds (complete within preemption bound 2)");
        let r = row(Backend::Dpor, Verdict::Verified, true, None);
        assert_eq!(r.describe(), "verified (exhaustive)");
    }
}
