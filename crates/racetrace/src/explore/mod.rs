//! The explorer: run a program under a backend, schedule after schedule, and
//! return a [`Report`] — every distinct outcome, how many schedules reached it,
//! whether the spec allows it, and a witness trace for each (the one with the
//! fewest preemptions seen).

mod estimate;
mod loom;
mod memory;
mod portfolio;
mod program;
mod real;
mod report;
mod shuttle;
mod tally;
mod watch;

pub use estimate::{
    Estimate, LOOM_REFUSE_ABOVE_HOURS, PROBE_SCHEDULES, PROBE_SECONDS, Probe, REFUSE_ABOVE_LOG10,
};
pub use program::{Body, ISOLATED_SPINS, Judge, LIVELOCK, NO_PROGRESS, STEP_LIMIT};
pub use report::{OutcomeRow, Phase, Report, Witness};

use crate::config::{Backend, Config, DEFAULT_SAMPLES, ReplayToken};
use crate::rt::{self, Execution};
use crate::strategy::dpor::{Claims, JOBS_PARTS};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tally::{ByPrefix, Segment, Shared, Tally, lock};

/// How many executions (schedules) are alive in this process right now:
/// those running, and any that something still holds after it ended. An
/// exploration keeps none once it returns; a count that grows with the
/// schedules run is a leak (the memory tests and bench watch it).
#[doc(hidden)]
pub fn live_executions() -> usize {
    rt::live_executions()
}

/// The process's resident memory in bytes, as the memory budget reads it
/// (`VmRSS` in `/proc/self/status`); `None` where that cannot be read.
#[doc(hidden)]
pub fn resident_bytes() -> Option<u64> {
    memory::resident_bytes()
}

/// Explore `body` under `config`; `judge` says which outcomes are allowed.
pub fn run(label: String, body: Body, judge: Judge, config: &Config) -> Report {
    run_with(label, body, judge, config, None)
}

/// As [`run`]; a shuttle backend uses `scheduler` (wrapped in the
/// recorder) instead of its own, when one is given.
pub fn run_with(
    label: String,
    body: Body,
    judge: Judge,
    config: &Config,
    scheduler: Option<Box<dyn ::shuttle::scheduler::Scheduler>>,
) -> Report {
    rt::install_panic_hook();
    if config.jobs > 1
        && config.backend == Backend::Dpor
        && config.shard.is_none()
        && config.replay.is_none()
        && scheduler.is_none()
    {
        return whole_first_then_parallel(label, body, judge, config);
    }
    explore(label, body, judge, config, scheduler).0
}

/// One exploration on this thread (watched from another); with
/// `Config::claims`, also what it found below each prefix it explored.
fn explore(
    label: String,
    body: Body,
    judge: Judge,
    config: &Config,
    scheduler: Option<Box<dyn ::shuttle::scheduler::Scheduler>>,
) -> (Report, Vec<Segment>) {
    let sampling = config.backend.sampled();
    let samples = config.max_schedules.unwrap_or(DEFAULT_SAMPLES);
    let only = match &config.replay {
        Some(ReplayToken::Loom(k)) => Some(*k),
        Some(ReplayToken::Shuttle(_)) => Some(1),
        None => None,
    };
    let start = Instant::now();
    let pulse = Arc::new(rt::Pulse::default());
    let budget = memory::budget(config);
    let acc: Shared = Arc::new(Mutex::new(Tally {
        progress: config.progress.then(Instant::now),
        pruned: 0,
        label: label.clone(),
        backend: config.backend,
        judge,
        index: 0,
        rows: BTreeMap::new(),
        current: None,
        pending_failure: None,
        stop: None,
        limit: if sampling {
            Some(samples)
        } else {
            config.max_schedules
        },
        deadline: config.max_duration.map(|d| start + d),
        stop_first: config.stop_at_first_violation,
        only,
        cannot_explore: None,
        weak_ordering: None,
        replay_mismatch: None,
        pulse: pulse.clone(),
        budget,
        memory_read: start,
        max_steps: match config.backend {
            Backend::Loom => config.max_steps.min(crate::config::LOOM_MAX_STEPS),
            _ => config.max_steps,
        },
        phase: None,
        offset: 0,
        phase_limit: None,
        phase_cut: false,
        cancel: config.cancel.clone(),
        shard: config.shard,
        by_prefix: match (&config.claims, config.prefix) {
            (Some(_), _) => Some(ByPrefix::starting_at(0)),
            (None, p) => p.map(ByPrefix::starting_at),
        },
        claims: config.claims.clone(),
    }));
    let mut watch = watch::Watch::new(acc.clone(), pulse, config, budget, start);
    let engine_error = match scheduler {
        // The exploration runs on a thread of its own, watched from this one,
        // which can return the report even if that thread never comes back.
        None => {
            let (a2, b2, c2) = (acc.clone(), body.clone(), config.clone());
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::Builder::new()
                .name("racetrace-explore".into())
                .stack_size(EXPLORING_STACK)
                .spawn(move || {
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        engine(&a2, &b2, &c2, None)
                    }));
                    let _ = tx.send(r);
                })
                .expect("racetrace: cannot start the exploring thread");
            loop {
                match rx.recv_timeout(watch::TICK) {
                    Ok(Ok(e)) => break e,
                    Ok(Err(panic)) => std::panic::resume_unwind(panic),
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        if watch.tick().is_some() {
                            break None;
                        }
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break None,
                }
            }
        }
        // A scheduler of the caller's (the fuzz harness's) need not be
        // `Send`: the exploration runs here, and the watchdog beside it can
        // stop it and cancel executions, but not come back from one that
        // makes no progress (it reports it, and this thread stays stuck).
        Some(s) => {
            // Dropping `done` wakes the watcher at once (a sleep of a tick
            // made each short exploration wait for it: 20,000 one-schedule
            // explorations of the fuzz tests took 20-46 s instead of 1 s).
            let (done, finished) = std::sync::mpsc::channel::<()>();
            let watcher = std::thread::spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    finished.recv_timeout(watch::TICK)
                {
                    if watch.tick().is_some() {
                        break;
                    }
                }
            });
            let e = engine(&acc, &body, config, Some(s));
            drop(done);
            let _ = watcher.join();
            e
        }
    };
    let mut a = lock(&acc);
    if config.progress && start.elapsed() >= Duration::from_secs(1) {
        eprintln!();
    }
    let mut segments = Vec::new();
    if config.claims.is_some() {
        a.end_prefix(usize::MAX);
        segments = a.by_prefix.take().map(|b| b.ended).unwrap_or_default();
    }
    let cannot_explore = a.cannot_explore.clone();
    let mut bound = a.stop.clone();
    if sampling
        && bound
            .as_deref()
            .is_none_or(|b| b.starts_with("stopped at ") && b.ends_with(" schedules"))
    {
        bound = Some(format!("sampled {} schedules", a.index));
    }
    if let Some(e) = engine_error {
        bound = Some(format!("the backend stopped: {e}"));
    }
    if let Some(why) = &cannot_explore {
        bound = Some(format!("cannot explore: {why}"));
    }
    let complete = config.backend.exhaustive() && bound.is_none() && config.replay.is_none();
    let mut outcomes: Vec<OutcomeRow> = std::mem::take(&mut a.rows)
        .into_iter()
        .map(|(outcome, r)| r.into_row(outcome))
        .collect();
    outcomes.sort_by_key(|r| outcome_key(&r.outcome));
    let report = Report {
        label,
        pattern: None,
        variant: None,
        params: BTreeMap::new(),
        backend: config.backend,
        preemption_bound: config.preemption_bound,
        seed: config.backend.seeded().then_some(config.seed),
        shard: config.shard,
        schedules: a.index,
        pruned: a.pruned,
        complete,
        bound,
        outcomes,
        cannot_explore,
        weak_ordering: a.weak_ordering.clone(),
        replay_mismatch: a.replay_mismatch.clone(),
        elapsed: start.elapsed(),
    };
    (report, segments)
}

/// [`Config::jobs`]: the whole exploration on one thread for up to
/// [`Config::jobs_whole_first`] schedules; if that decides (it ends, stops
/// at its first violation or at a limit of the user's), its report; else
/// the exploration split ([`parallel`]), within what is left of the time.
fn whole_first_then_parallel(label: String, body: Body, judge: Judge, config: &Config) -> Report {
    let start = Instant::now();
    let first = config.jobs_whole_first;
    if first > 0 {
        let mut c = config.clone();
        c.jobs = 1;
        let within = config.max_schedules.is_some_and(|m| m <= first);
        if !within {
            c.max_schedules = Some(first);
        }
        let r = run(label.clone(), body.clone(), judge.clone(), &c);
        let capped = r.bound.as_deref() == Some(&format!("stopped at {first} schedules"));
        if within || !capped {
            return r;
        }
    }
    let mut c = config.clone();
    c.max_duration = config.max_duration.map(|d| {
        d.saturating_sub(start.elapsed())
            .max(Duration::from_millis(1))
    });
    let mut r = match c.max_schedules {
        Some(_) => parallel_shards(label, body, judge, &c),
        None => parallel(label, body, judge, &c),
    };
    r.elapsed = start.elapsed();
    r
}

/// [`Config::jobs`]: the exploration split at its prefixes, which the
/// threads claim as they reach them ([`Claims`]): a thread done with its
/// prefix takes the next one no other has taken, so the load balances
/// itself. What a prefix's subtree holds does not depend on the thread
/// that ran it, and the merge goes by prefix, so the report is the same
/// whichever thread ran what: each outcome's witness the one with the
/// fewest preemptions, the lowest prefix's on a tie, titled with its
/// prefix and its schedule within it. Under
/// [`Config::stop_at_first_violation`] the lowest prefix with a violation
/// decides: the prefixes above it are stopped or not started, and left out.
fn parallel(label: String, body: Body, judge: Judge, config: &Config) -> Report {
    let start = Instant::now();
    let claims = Arc::new(Claims::new());
    let deadline = config.max_duration.map(|d| start + d);
    let done: Mutex<Vec<(Report, Vec<Segment>)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..config.jobs {
            s.spawn(|| {
                let mut c = config.clone();
                c.jobs = 1;
                c.claims = Some(claims.clone());
                c.max_duration = deadline.map(|d| {
                    d.saturating_duration_since(Instant::now())
                        .max(Duration::from_millis(1))
                });
                c.progress = false;
                let r = explore(label.clone(), body.clone(), judge.clone(), &c, None);
                done.lock().unwrap_or_else(|p| p.into_inner()).push(r);
            });
        }
    });
    let runs = done.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut whole = merge_prefixes(runs, claims.lowest_violation());
    whole.elapsed = start.elapsed();
    whole
}

/// [`parallel`]'s report from its threads' reports and prefixes: the
/// prefixes up to `lowest` (the lowest with a violation, if any), in order.
fn merge_prefixes(runs: Vec<(Report, Vec<Segment>)>, lowest: usize) -> Report {
    let mut segments: Vec<Segment> = Vec::new();
    let mut reports = Vec::new();
    for (r, s) in runs {
        reports.push(r);
        segments.extend(s);
    }
    segments.retain(|s| s.prefix <= lowest);
    segments.sort_by_key(|s| s.prefix);
    let mut whole = reports[0].clone();
    whole.schedules = segments.iter().map(|s| s.schedules).sum();
    whole.pruned = segments.iter().map(|s| s.pruned).sum();
    whole.outcomes.clear();
    // In prefix order: on a tie of preemptions, the lowest prefix's witness.
    let mut rows: BTreeMap<String, OutcomeRow> = BTreeMap::new();
    for seg in segments {
        report::add_rows(&mut rows, seg.rows.into_iter().map(|(o, r)| r.into_row(o)));
    }
    whole.outcomes = rows.into_values().collect();
    whole.outcomes.sort_by_key(|r| outcome_key(&r.outcome));
    // Why it is not exhaustive: the first violation decides; else a limit
    // one of the threads reached (the time limit is the same for all).
    whole.bound = if lowest != usize::MAX {
        Some(FIRST_VIOLATION.into())
    } else {
        reports.iter().filter_map(|r| r.bound.clone()).min()
    };
    whole.complete = whole.bound.is_none() && reports.iter().all(|r| r.complete);
    whole.cannot_explore = reports
        .iter()
        .filter_map(|r| r.cannot_explore.clone())
        .min();
    whole.weak_ordering = reports.iter().filter_map(|r| r.weak_ordering.clone()).min();
    whole
}

/// Why an exploration stopped at its first violation (its `bound`).
const FIRST_VIOLATION: &str = "stopped at the first violation";

/// [`Config::jobs`] with a schedule limit, shared out evenly: the
/// exploration cut into [`JOBS_PARTS`] shards, which the
/// threads take in turn (shards differ much in size), merged. Under
/// [`Config::stop_at_first_violation`] the lowest shard that finds one
/// decides: the shards above it are cancelled (running) or not started,
/// and left out, so the result does not depend on which thread was faster.
fn parallel_shards(label: String, body: Body, judge: Judge, config: &Config) -> Report {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    let start = Instant::now();
    let n = config.jobs;
    let total = JOBS_PARTS;
    let deadline = config.max_duration.map(|d| start + d);
    let next = AtomicUsize::new(1);
    let lowest = AtomicUsize::new(usize::MAX);
    let running: Mutex<Vec<(usize, Arc<AtomicBool>)>> = Mutex::new(Vec::new());
    let done: Mutex<Vec<Report>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..n {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, SeqCst);
                    if k > total || k > lowest.load(SeqCst) {
                        break;
                    }
                    let cancel = Arc::new(AtomicBool::new(false));
                    running
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((k, cancel.clone()));
                    if k > lowest.load(SeqCst) {
                        cancel.store(true, SeqCst);
                    }
                    let mut c = config.clone();
                    c.jobs = 1;
                    c.shard = Some(crate::Shard { index: k, total });
                    c.max_schedules = config.max_schedules.map(|m| m.div_ceil(total as u64));
                    // One deadline for the whole run, not one per shard.
                    c.max_duration = deadline.map(|d| {
                        d.saturating_duration_since(Instant::now())
                            .max(Duration::from_millis(1))
                    });
                    c.progress = false;
                    c.cancel = Some(cancel);
                    let r = run(label.clone(), body.clone(), judge.clone(), &c);
                    running
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .retain(|(i, _)| *i != k);
                    if config.stop_at_first_violation && r.first_violation().is_some() {
                        let low = lowest.fetch_min(k, SeqCst).min(k);
                        for (i, c) in running.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                            if *i > low {
                                c.store(true, SeqCst);
                            }
                        }
                    }
                    done.lock().unwrap_or_else(|p| p.into_inner()).push(r);
                }
            });
        }
    });
    let mut reports = done.into_inner().unwrap_or_else(|p| p.into_inner());
    let low = lowest.into_inner();
    if low != usize::MAX {
        reports.retain(|r| r.shard.is_some_and(|s| s.index <= low));
    }
    let mut whole = Report::merge_first(reports, low.min(total))
        .expect("the shards of one exploration fit together");
    whole.elapsed = start.elapsed();
    whole
}

/// The exploring thread's stack: the schedulers and loom's and shuttle's
/// drivers run on it (model threads have stacks of their own).
const EXPLORING_STACK: usize = 16 << 20;

/// Run the backend's engine on this thread.
fn engine(
    acc: &Shared,
    body: &Body,
    config: &Config,
    scheduler: Option<Box<dyn ::shuttle::scheduler::Scheduler>>,
) -> Option<String> {
    let _quiet = rt::panics::Quiet::new();
    let e = match config.backend {
        Backend::Real => real::run_real(acc, body, config),
        Backend::Loom => loom::run_loom(acc, body, config),
        // Phases of the shuttle engines (a caller's scheduler is one
        // strategy, not a portfolio: it runs as given).
        Backend::Portfolio if scheduler.is_none() && config.replay.is_none() => {
            portfolio::run(acc, body, config)
        }
        _ => shuttle::run_shuttle(acc, body, config, scheduler),
    };
    Execution::leave();
    e
}

/// Numbers first, in numeric order; then everything else alphabetically.
pub(crate) fn outcome_key(s: &str) -> (u8, i128, String) {
    match s.parse::<i128>() {
        Ok(n) => (0, n, String::new()),
        Err(_) => (1, 0, s.to_string()),
    }
}

/// Estimate the exhaustive exploration of `body` under `config` (a few
/// sampled schedules; see [`Estimate`]).
pub fn estimate(body: Body, config: &Config) -> Estimate {
    let judge: Judge = Arc::new(|_: &str| (true, String::new()));
    let explored = Estimate::measure(config, |c| {
        Ok::<_, std::convert::Infallible>(run("estimate".into(), body.clone(), judge.clone(), c))
    });
    match explored {
        Ok(e) => e,
        Err(never) => match never {},
    }
}
