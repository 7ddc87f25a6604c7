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
use std::path::Path;
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
/// are done. With `gate`, as [`check_pattern`]; without, as
/// [`check_pattern_reports`].
///
/// Explorations share nothing, so the model runs go side by side,
/// single-threaded inside, `jobs` at a time, the slowest first
/// ([`SLOWEST`]: a long one started last would end after the others). The
/// real-thread runs are stress tests, timed by a watchdog: they run
/// afterwards, one job at a time, on an otherwise idle process, which both
/// the watchdog and what they find depend on. Except, with `jobs` above
/// one, a real job whose spec says its runs show the bug (required, on a
/// variant expected to have one): its runs end at the bug, always the same
/// one (a deadlock across processes that waits out the 2 s watchdog, a
/// single-threaded tokio run), and a run the watchdog ends is a violation
/// either way, so it starts at once, beside the model runs, on a thread of
/// its own.
///
/// With `children` (this executable, whose [`CHILD_COMMAND`] runs
/// [`child_job`]) and `jobs` above one, each loom job runs in a child
/// process: loom maps and unmaps a stack for every thread of every
/// execution, and in one process each unmapping stalls the threads running
/// beside it (on `racetrace check`, 2 cores, the model runs took 4.5 CPU
/// seconds more with loom in process than one at a time).
pub fn check_patterns(
    patterns: &[&'static Pattern],
    jobs: usize,
    gate: bool,
    children: Option<&Path>,
    each: &mut dyn FnMut(CheckRow, Report),
) -> Result<(), Error> {
    check_patterns_timed(patterns, jobs, gate, children, &mut |row, report, _| {
        each(row, report)
    })
}

/// The hidden command of the executable given to [`check_patterns`] that
/// runs one job in a child process: `__check-job PATTERN VARIANT JOB
/// [--gate]`, printing [`child_job`]'s report as JSON on standard output.
pub const CHILD_COMMAND: &str = "__check-job";

/// The child's side of a job [`check_patterns`] runs in a child process:
/// job number `job` (from 0, in the variant's list) of `variant` of
/// `pattern`, at the default parameters, as the parent would run it.
pub fn child_job(pattern: &str, variant: &str, job: usize, gate: bool) -> Result<Report, Error> {
    let p = crate::find(pattern)?;
    let v = p.variant(variant)?;
    let Some(j) = v.jobs.get(job) else {
        return Err(Error::Child {
            job: format!("{pattern}/{variant} job {job}"),
            why: format!("the variant has {} jobs, numbered from 0", v.jobs.len()),
        });
    };
    let params = p.params(&[])?;
    explore(p, v, &params, &job_config(v, j, gate, false, 1))
}

/// Run job number `index` of `v` in a child process of `exe` ([`child_job`]).
fn explore_in_child(
    exe: &Path,
    pattern: &'static Pattern,
    v: &'static Variant,
    index: usize,
    gate: bool,
) -> Result<Report, Error> {
    let failed = |why: String| Error::Child {
        job: format!(
            "{}/{} under {}",
            pattern.name,
            v.name,
            v.jobs[index].backend.name()
        ),
        why,
    };
    let mut cmd = std::process::Command::new(exe);
    cmd.args([CHILD_COMMAND, pattern.name, v.name, &index.to_string()])
        .stdin(std::process::Stdio::null());
    if gate {
        cmd.arg("--gate");
    }
    let out = cmd.output().map_err(|e| {
        failed(format!(
            "cannot start a child process {}: {e}",
            exe.display()
        ))
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        return Err(failed(match last {
            Some(line) => format!("its child process failed: {} ({})", line.trim(), out.status),
            None => format!("its child process failed ({})", out.status),
        }));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| failed(format!("its child process printed no report: {e}")))
}

/// When a job of [`check_patterns_timed`] ran, from the call's start.
#[derive(Clone, Copy, Debug)]
pub struct Ran {
    /// When it was taken from its queue (in queue order: a job taken after
    /// another from the same queue has no earlier start).
    pub started: Duration,
    /// When its row was ready.
    pub ended: Duration,
}

/// A model job of [`SLOWEST`] weighing this much (seconds) or more, under
/// dpor, explores on `check`'s `--jobs` threads itself ([`Config::jobs`]):
/// `task-done-join` alone is about 40% of the model runs' time.
const SPLIT_ABOVE: f64 = 2.0;

/// The model jobs measured slowest (seconds each, from `racetrace check
/// --jobs 1 --json` on 2026-12-01, 2-core machine, load average about 2.5),
/// slowest first: the model queue starts with these, the rest follow in
/// registry order. Only the order matters: a long job started last would end
/// well after the others (`task-done-join` alone is about 40% of the model
/// runs' time). A job missing here is merely started later
/// (`tests/check_parallel.rs` checks that each names a model job).
pub const SLOWEST: &[(&str, &str, Backend, f64)] = &[
    ("producer-consumer", "task-done-join", Backend::Dpor, 3.81),
    ("philosophers", "waiter", Backend::Loom, 1.02),
    ("philosophers", "left-then-right", Backend::ShuttleDfs, 0.56),
    ("producer-consumer", "condvar", Backend::Dpor, 0.48),
    ("producer-consumer", "channel", Backend::Dpor, 0.44),
    ("lock-order", "try-lock-backoff", Backend::ShuttleDfs, 0.25),
    ("thread-pool", "panicking-job", Backend::Loom, 0.25),
    ("thread-pool", "map", Backend::Loom, 0.23),
    ("philosophers", "waiter", Backend::ShuttleDfs, 0.23),
    ("process-pool", "map", Backend::Dpor, 0.21),
    (
        "producer-consumer",
        "task-done-join",
        Backend::ShuttleDfs,
        0.18,
    ),
    (
        "producer-consumer",
        "check-then-get",
        Backend::ShuttleDfs,
        0.17,
    ),
    ("philosophers", "lowest-first", Backend::ShuttleDfs, 0.16),
    ("producer-consumer", "channel", Backend::ShuttleDfs, 0.15),
    ("producer-consumer", "if-wait", Backend::ShuttleDfs, 0.13),
    ("producer-consumer", "condvar", Backend::ShuttleDfs, 0.13),
    (
        "producer-consumer",
        "shared-condvar",
        Backend::ShuttleDfs,
        0.13,
    ),
];

/// A real-thread job whose spec says its runs show the bug (required, on a
/// variant expected to have one): it ends at the first run that does, and
/// for a deadlock across processes that run ends by its watchdog. Such a
/// job runs beside the model runs.
fn ends_at_its_bug(v: &Variant, job: &crate::pattern::Job) -> bool {
    job.backend == Backend::Real && job.required && matches!(v.spec.expect, Expect::Bug(_))
}

/// As [`check_patterns`], also saying when each job ran (for the tests of
/// the schedule).
pub fn check_patterns_timed(
    patterns: &[&'static Pattern],
    jobs: usize,
    gate: bool,
    children: Option<&Path>,
    each: &mut dyn FnMut(CheckRow, Report, Ran),
) -> Result<(), Error> {
    let mut units = Vec::new();
    for p in patterns {
        let params = p.params(&[])?;
        for v in p.variants {
            for (index, job) in v.jobs.iter().enumerate() {
                units.push((*p, v, job, params.clone(), index));
            }
        }
    }
    let n = units.len();
    let is_real = |i: usize| units[i].2.backend == Backend::Real;
    let weight = |i: usize| {
        let (p, v, job, _, _) = &units[i];
        SLOWEST
            .iter()
            .find(|(pn, vn, b, _)| *pn == p.name && *vn == v.name && *b == job.backend)
            .map_or(0.0, |s| s.3)
    };
    let mut model: Vec<usize> = (0..n).filter(|&i| !is_real(i)).collect();
    // Stable: equal weights keep registry order.
    model.sort_by(|&a, &b| weight(b).total_cmp(&weight(a)));
    let beside = jobs > 1;
    let (at_bug, other_real): (Vec<usize>, Vec<usize>) = (0..n)
        .filter(|&i| is_real(i))
        .partition(|&i| beside && ends_at_its_bug(units[i].1, units[i].2));
    let start = std::time::Instant::now();
    let state = std::sync::Mutex::new(State {
        results: (0..n).map(|_| None).collect(),
        next_model: 0,
        models_left: model.len(),
        abort: false,
    });
    let changed = std::sync::Condvar::new();
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    // Run unit `i`, taken from its queue at `started`.
    let run_one = &|i: usize, started: Duration| {
        let (p, v, job, params, index) = &units[i];
        // One progress line at a time: only when nothing runs beside it.
        let progress = jobs <= 1 && std::io::IsTerminal::is_terminal(&std::io::stderr());
        // The longest dpor job is split over the cores too, so that the
        // others do not wait on one core at the end (the same counts).
        let split = if job.backend == Backend::Dpor && weight(i) >= SPLIT_ABOVE {
            jobs
        } else {
            1
        };
        let child = children.filter(|_| jobs > 1 && job.backend == Backend::Loom);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let report = match child {
                Some(exe) => explore_in_child(exe, p, v, *index, gate)?,
                None => explore(p, v, params, &job_config(v, job, gate, progress, split))?,
            };
            Ok((row_of(p, v, job, params, &report), report))
        }));
        let ran = Ran {
            started,
            ended: start.elapsed(),
        };
        let mut s = lock();
        s.results[i] = Some(r.map(|r| r.map(|(row, report)| (row, report, ran))));
        if !is_real(i) {
            s.models_left -= 1;
        }
        changed.notify_all();
    };
    std::thread::scope(|scope| -> Result<(), Error> {
        for _ in 0..jobs.clamp(1, model.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let (i, started) = {
                        let mut s = lock();
                        if s.abort {
                            break;
                        }
                        let Some(&i) = model.get(s.next_model) else {
                            break;
                        };
                        s.next_model += 1;
                        (i, start.elapsed())
                    };
                    run_one(i, started);
                }
            });
        }
        for &i in &at_bug {
            scope.spawn(move || run_one(i, start.elapsed()));
        }
        scope.spawn(|| {
            // One at a time, after the model runs.
            let mut s = lock();
            while s.models_left > 0 && !s.abort {
                s = changed.wait(s).unwrap_or_else(|e| e.into_inner());
            }
            drop(s);
            for &i in &other_real {
                if lock().abort {
                    break;
                }
                run_one(i, start.elapsed());
            }
        });
        // Hand rows over in order as they come.
        let mut emitted = 0;
        while emitted < n {
            let mut ready = Vec::new();
            {
                let mut s = lock();
                while s.results[emitted].is_none() {
                    s = changed.wait(s).unwrap_or_else(|e| e.into_inner());
                }
                while let Some(r) = s.results.get_mut(emitted).and_then(Option::take) {
                    ready.push(r);
                    emitted += 1;
                }
            }
            for r in ready {
                let r = match r {
                    Ok(r) => r,
                    Err(panic) => {
                        lock().abort = true;
                        changed.notify_all();
                        std::panic::resume_unwind(panic)
                    }
                };
                let (row, report, ran) = match r {
                    Ok(r) => r,
                    Err(e) => {
                        lock().abort = true;
                        changed.notify_all();
                        return Err(e);
                    }
                };
                each(row, report, ran);
            }
        }
        Ok(())
    })
}

/// A finished job: its row and report, and when it ran.
type Done = Result<(CheckRow, Report, Ran), Error>;

/// What the threads of [`check_patterns_timed`] share.
struct State {
    /// Each job's result, until handed over (a panic is handed over too).
    results: Vec<Option<std::thread::Result<Done>>>,
    /// The next model job to take.
    next_model: usize,
    /// Model jobs not finished yet.
    models_left: usize,
    /// A row failed: take no more jobs.
    abort: bool,
}

/// The configuration of one job of `v` (`split`: its [`Config::jobs`]).
fn job_config(
    v: &Variant,
    job: &crate::pattern::Job,
    gate: bool,
    progress: bool,
    split: usize,
) -> Config {
    let mut config = job.config();
    config.jobs = split;
    config.stop_at_first_violation = gate && matches!(v.spec.expect, Expect::Bug(_));
    config.progress = progress;
    // Every real run of a built-in variant ends in milliseconds unless it
    // deadlocks; the watchdog then ends it after this.
    config.real_timeout = Duration::from_secs(2);
    config
}

/// The check row of one job's report.
fn row_of(
    pattern: &'static Pattern,
    v: &'static Variant,
    job: &crate::pattern::Job,
    params: &Params,
    report: &Report,
) -> CheckRow {
    let verdict = Verdict::of(&v.spec, report, job.required);
    CheckRow {
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
    }
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
            let report = explore(pattern, v, &params, &job_config(v, job, gate, terminal, 1))?;
            each(row_of(pattern, v, job, &params, &report), report);
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
