//! The explorer: run a program under a backend, schedule after schedule, and
//! return a [`Report`] — every distinct outcome, how many schedules reached it,
//! whether the spec allows it, and a witness trace for each (the one with the
//! fewest preemptions seen).

use crate::config::{Backend, Config, DEFAULT_SAMPLES, ReplayToken, Step};
use crate::rt::{self, Execution, Kind, Special};
use crate::trace::{Trace, mark_preemptions};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The outcome of an execution stopped at [`crate::config::MAX_STEPS`]
/// operations (or at a backend's own step limit).
pub const STEP_LIMIT: &str = "step limit";

/// The program to explore: returns its outcome as a short string.
pub(crate) type Body = Arc<dyn Fn() -> String + Send + Sync>;
/// Judges an outcome: allowed?, and the spec's words for it.
pub(crate) type Judge = Arc<dyn Fn(&str) -> (bool, String) + Send + Sync>;

/// One distinct outcome of an exploration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeRow {
    /// The outcome (`3`, `deadlock`, `data-race`, `panic: …`).
    pub outcome: String,
    /// How many schedules ended with it.
    pub schedules: u64,
    /// Whether the spec allows it.
    pub allowed: bool,
    /// The spec's words for it.
    pub verdict: String,
    /// The witness with the fewest preemptions seen.
    pub witness: Option<Witness>,
}

/// A schedule that reaches an outcome, with its trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Witness {
    /// Which schedule of the exploration it was (1-based).
    pub schedule: u64,
    /// How to run exactly this schedule again (`loom/17`, `shuttle/0.1.1.2`).
    pub replay: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub trace: Trace,
}

/// The result of exploring one program under one backend.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// What was explored (`unsafe-counter/load-store · threads=2 ops=2`).
    pub label: String,
    /// The pattern, for the built-in patterns.
    pub pattern: Option<String>,
    /// The variant, for the built-in patterns.
    pub variant: Option<String>,
    /// The parameters, for the built-in patterns.
    pub params: BTreeMap<String, usize>,
    /// The backend.
    pub backend: Backend,
    /// loom's preemption bound, when one was set.
    pub preemption_bound: Option<usize>,
    /// The seed, for the seeded backends.
    pub seed: Option<u64>,
    /// Schedules explored.
    pub schedules: u64,
    /// `dpor` only: executions cut short because every runnable thread was in
    /// the sleep set (an ordering already covered); not counted in `schedules`.
    #[serde(default)]
    pub pruned: u64,
    /// True when every schedule (within the preemption bound, if any) was
    /// explored.
    pub complete: bool,
    /// Why exploration stopped short, or how it was sampled.
    pub bound: Option<String>,
    /// Every distinct outcome, numbers first in numeric order.
    pub outcomes: Vec<OutcomeRow>,
    /// Wall-clock time of the exploration (not deterministic; never in snapshots).
    #[serde(with = "secs")]
    pub elapsed: Duration,
}

mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs_f64(f64::deserialize(d)?.max(0.0)))
    }
}

impl Report {
    /// The outcomes the spec forbids.
    pub fn violations(&self) -> impl Iterator<Item = &OutcomeRow> {
        self.outcomes.iter().filter(|r| !r.allowed)
    }

    /// The outcome strings reached, in table order.
    pub fn outcome_set(&self) -> Vec<&str> {
        self.outcomes.iter().map(|r| r.outcome.as_str()).collect()
    }

    /// The row of one outcome.
    pub fn row(&self, outcome: &str) -> Option<&OutcomeRow> {
        self.outcomes.iter().find(|r| r.outcome == outcome)
    }

    /// The first forbidden outcome's witness, if any.
    pub fn first_violation(&self) -> Option<&Witness> {
        self.violations().find_map(|r| r.witness.as_ref())
    }

    /// Panic with the rendered witness of the first violation, and how to
    /// replay it, if there is one. For use in `#[test]`s.
    #[track_caller]
    pub fn assert_ok(&self) {
        if let Some(w) = self.first_violation() {
            let replay = match &w.replay {
                Some(t) => format!(
                    "\nreplay this schedule alone with {}={} (same backend and bounds)",
                    crate::config::ENV_REPLAY,
                    t
                ),
                None => String::new(),
            };
            panic!(
                "racetrace: forbidden outcome '{}' under {} after {} schedules\n{}{}",
                w.trace.outcome,
                self.backend,
                self.schedules,
                w.trace.render(),
                replay
            );
        }
    }

    /// The outcome table as text.
    pub fn render_table(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "{} · {}", self.label, self.backend_desc());
        let _ = writeln!(out, "{} schedules, {}", self.schedules, self.completeness());
        let w = self
            .outcomes
            .iter()
            .map(|r| r.outcome.chars().count())
            .max()
            .unwrap_or(7)
            .max(7);
        let _ = writeln!(out, " {:<w$} | {:>9} | verdict", "outcome", "schedules");
        for r in &self.outcomes {
            let tag = if r.allowed { "allowed" } else { "FORBIDDEN" };
            let _ = writeln!(
                out,
                " {:<w$} | {:>9} | {}: {}",
                r.outcome, r.schedules, tag, r.verdict
            );
        }
        out
    }

    /// `loom (preemption bound 2)`, `shuttle-pct (seed 0)`, …
    pub fn backend_desc(&self) -> String {
        match (self.preemption_bound, self.seed) {
            (Some(k), _) => format!("{} (preemption bound {k})", self.backend),
            (None, Some(s)) => format!("{} (seed {s})", self.backend),
            _ => self.backend.to_string(),
        }
    }

    /// `complete`, `complete within preemption bound 1`, `bounded: …`.
    pub fn completeness(&self) -> String {
        match (self.complete, self.preemption_bound, &self.bound) {
            (true, Some(k), _) => format!("complete within preemption bound {k}"),
            (true, None, _) => "complete".to_string(),
            (false, _, Some(b)) => format!("not exhaustive: {b}"),
            (false, _, None) => "not exhaustive".to_string(),
        }
    }
}

struct RowAcc {
    schedules: u64,
    allowed: bool,
    verdict: String,
    best: Option<(usize, Witness)>,
}

/// Everything the drivers share while exploring.
struct Acc {
    /// When the last progress line was printed, if progress is on.
    progress: Option<Instant>,
    pruned: u64,
    label: String,
    backend: Backend,
    judge: Judge,
    index: u64,
    rows: BTreeMap<String, RowAcc>,
    current: Option<Arc<Execution>>,
    pending_failure: Option<String>,
    stop: Option<String>,
    limit: Option<u64>,
    deadline: Option<Instant>,
    stop_first: bool,
    only: Option<u64>,
}

type Shared = Arc<Mutex<Acc>>;

fn lock(a: &Shared) -> MutexGuard<'_, Acc> {
    a.lock().unwrap_or_else(|p| p.into_inner())
}

/// Thrown out of loom's model to end exploration early.
struct StopExploration;

impl Acc {
    /// Absorb the execution that just ended.
    fn finish_current(&mut self, token: Option<ReplayToken>) {
        let Some(exec) = self.current.take() else {
            return;
        };
        if exec.is_pruned() {
            self.pruned += 1;
            self.pending_failure = None;
            return;
        }
        let fin = exec.finish();
        self.index += 1;
        let failure = self.pending_failure.take();
        if let Some(k) = self.only
            && self.index != k
        {
            return;
        }
        let (outcome, deadlock, detail) = match (fin.special, failure) {
            (Some(Special::Deadlock(d)), _) => ("deadlock".to_string(), Some(d), None),
            (Some(Special::DataRace(m)), _) => ("data-race".to_string(), None, Some(m)),
            (Some(Special::StepLimit(n)), _) => (
                STEP_LIMIT.to_string(),
                None,
                Some(format!(
                    "stopped after {n} operations with threads still running: a livelock or an endless spin, not a deadlock (no thread was blocked for good)"
                )),
            ),
            (Some(Special::Panic(m)), _) => (panic_outcome(&m), None, Some(one_line(&m))),
            // The backends' own step limits, should one be reached first.
            (None, Some(m))
                if m.contains("exceeded max_steps") || m.contains("maximum number of branches") =>
            {
                (STEP_LIMIT.to_string(), None, Some(one_line(&m)))
            }
            (None, Some(m)) if m.starts_with("deadlock") => {
                ("deadlock".to_string(), None, Some(one_line(&m)))
            }
            (None, Some(m)) => (panic_outcome(&m), None, Some(one_line(&m))),
            (None, None) => (
                fin.result.unwrap_or_else(|| "no result".to_string()),
                None,
                None,
            ),
        };
        let (allowed, verdict) = (self.judge)(&outcome);
        let mut events = fin.events;
        let preemptions = mark_preemptions(&mut events);
        let index = self.index;
        let token = token.or(match self.backend {
            Backend::Loom => Some(ReplayToken::Loom(index)),
            _ => None,
        });
        let row = self.rows.entry(outcome.clone()).or_insert_with(|| RowAcc {
            schedules: 0,
            allowed,
            verdict: verdict.clone(),
            best: None,
        });
        row.schedules += 1;
        if row.best.as_ref().is_none_or(|(p, _)| preemptions < *p) {
            let trace = Trace {
                title: format!("{} · {} · schedule {}", self.label, self.backend, index),
                threads: fin.threads,
                events,
                outcome,
                allowed,
                verdict,
                preemptions,
                deadlock,
                detail,
            };
            row.best = Some((
                preemptions,
                Witness {
                    schedule: index,
                    replay: token.map(|t| t.to_string()),
                    trace,
                },
            ));
        }
        if !allowed && self.stop_first {
            self.stop = Some("stopped at the first violation".into());
        }
    }

    /// Checked before each schedule starts.
    fn should_stop(&mut self) -> bool {
        if let Some(last) = self.progress
            && last.elapsed() >= Duration::from_secs(1)
        {
            eprint!(
                "\r{} · {}: {} schedules…",
                self.label, self.backend, self.index
            );
            self.progress = Some(Instant::now());
        }
        if self.stop.is_some() {
            return true;
        }
        if let Some(k) = self.only {
            if self.index >= k {
                self.stop = Some("replayed".into());
                return true;
            }
            return false;
        }
        if let Some(n) = self.limit
            && self.index >= n
        {
            self.stop = Some(format!("stopped at {n} schedules"));
            return true;
        }
        if let Some(d) = self.deadline
            && Instant::now() >= d
        {
            self.stop = Some("stopped at the time limit".into());
            return true;
        }
        false
    }

    fn begin(&mut self, kind: Kind) -> Arc<Execution> {
        let exec = Execution::new(kind);
        self.current = Some(exec.clone());
        exec
    }
}

fn one_line(msg: &str) -> String {
    let s: String = msg.split_whitespace().collect::<Vec<_>>().join(" ");
    s.chars().take(300).collect()
}

fn panic_outcome(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or("").trim();
    let short: String = first.chars().take(80).collect();
    format!("panic: {short}")
}

/// Explore `body` under `config`; `judge` says which outcomes are allowed.
pub(crate) fn explore(label: String, body: Body, judge: Judge, config: &Config) -> Report {
    explore_with(label, body, judge, config, None)
}

/// As [`explore`]; a shuttle backend uses `scheduler` (wrapped in the
/// recorder) instead of its own, when one is given.
pub(crate) fn explore_with(
    label: String,
    body: Body,
    judge: Judge,
    config: &Config,
    scheduler: Option<Box<dyn shuttle::scheduler::Scheduler>>,
) -> Report {
    rt::install_panic_hook();
    let _quiet = rt::panics::Quiet::new();
    let sampling = matches!(
        config.backend,
        Backend::Real | Backend::ShuttleRandom | Backend::ShuttlePct | Backend::Fuzz
    );
    let samples = config.max_schedules.unwrap_or(DEFAULT_SAMPLES);
    let only = match &config.replay {
        Some(ReplayToken::Loom(k)) => Some(*k),
        Some(ReplayToken::Shuttle(_)) => Some(1),
        None => None,
    };
    let start = Instant::now();
    let acc: Shared = Arc::new(Mutex::new(Acc {
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
    }));
    let engine_error = match config.backend {
        Backend::Real => run_real(&acc, &body, config),
        Backend::Loom => run_loom(&acc, &body, config),
        _ => run_shuttle(&acc, &body, config, scheduler),
    };
    Execution::leave();
    let mut a = lock(&acc);
    if config.progress && start.elapsed() >= Duration::from_secs(1) {
        eprintln!();
    }
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
    let complete = config.backend.exhaustive() && bound.is_none() && config.replay.is_none();
    let mut outcomes: Vec<OutcomeRow> = std::mem::take(&mut a.rows)
        .into_iter()
        .map(|(outcome, r)| OutcomeRow {
            outcome,
            schedules: r.schedules,
            allowed: r.allowed,
            verdict: r.verdict,
            witness: r.best.map(|(_, w)| w),
        })
        .collect();
    outcomes.sort_by_key(|r| outcome_key(&r.outcome));
    Report {
        label,
        pattern: None,
        variant: None,
        params: BTreeMap::new(),
        backend: config.backend,
        preemption_bound: config.preemption_bound,
        seed: matches!(
            config.backend,
            Backend::ShuttleRandom | Backend::ShuttlePct | Backend::Fuzz
        )
        .then_some(config.seed),
        schedules: a.index,
        pruned: a.pruned,
        complete,
        bound,
        outcomes,
        elapsed: start.elapsed(),
    }
}

/// Numbers first, in numeric order; then everything else alphabetically.
fn outcome_key(s: &str) -> (u8, i128, String) {
    match s.parse::<i128>() {
        Ok(n) => (0, n, String::new()),
        Err(_) => (1, 0, s.to_string()),
    }
}

// ---- real threads -----------------------------------------------------------

fn run_real(acc: &Shared, body: &Body, config: &Config) -> Option<String> {
    loop {
        let exec = {
            let mut a = lock(acc);
            if a.should_stop() {
                return None;
            }
            a.begin(Kind::Real)
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let e2 = exec.clone();
        let b = body.clone();
        std::thread::spawn(move || {
            let r = crate::thread::run_thread(e2.clone(), 0, move || b());
            if let Some(r) = r {
                e2.set_result(r);
            }
            let _ = tx.send(());
        });
        let deadline = Instant::now() + config.real_timeout;
        loop {
            match rx.recv_timeout(Duration::from_millis(20)) {
                Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if exec.is_abandoned() {
                        // A waiter may have started waiting after the wake-up.
                        exec.wake_waiters();
                    }
                    if Instant::now() >= deadline {
                        // The threads stay blocked: they are leaked, the run
                        // is reported, and exploration stops.
                        // Worker processes of the run are named and killed,
                        // which also unblocks a thread waiting for them.
                        let workers =
                            crate::process::on_timeout(Arc::as_ptr(&exec) as *const () as usize);
                        let mut a = lock(acc);
                        a.pending_failure = None;
                        a.current = None;
                        let fin = exec.finish();
                        a.index += 1;
                        let (allowed, verdict) = (a.judge)("deadlock (timed out)");
                        let mut events = fin.events;
                        let p = mark_preemptions(&mut events);
                        let idx = a.index;
                        let title = format!("{} · real · run {}", a.label, idx);
                        a.rows.insert(
                            "deadlock (timed out)".into(),
                            RowAcc {
                                schedules: 1,
                                allowed,
                                verdict: verdict.clone(),
                                best: Some((
                                    p,
                                    Witness {
                                        schedule: idx,
                                        replay: None,
                                        trace: Trace {
                                            title,
                                            threads: fin.threads,
                                            events,
                                            outcome: "deadlock (timed out)".into(),
                                            allowed,
                                            verdict,
                                            preemptions: p,
                                            deadlock: None,
                                            detail: Some(match &workers {
                                                None => format!(
                                                    "the run had not finished after {:?}",
                                                    config.real_timeout
                                                ),
                                                Some(w) => format!(
                                                    "the run had not finished after {:?}: {w}",
                                                    config.real_timeout
                                                ),
                                            }),
                                        },
                                    },
                                )),
                            },
                        );
                        a.stop = Some(format!("a run did not finish in {:?}", config.real_timeout));
                        return None;
                    }
                }
            }
        }
        lock(acc).finish_current(None);
    }
}

// ---- loom -------------------------------------------------------------------

fn run_loom(acc: &Shared, body: &Body, config: &Config) -> Option<String> {
    let mut builder = loom::model::Builder::new();
    // Override everything loom reads from LOOM_* variables: the result must
    // depend on racetrace's configuration only.
    builder.preemption_bound = config.preemption_bound;
    builder.max_branches = 100_000;
    builder.max_permutations = None;
    builder.max_duration = None;
    builder.checkpoint_file = None;
    builder.log = false;
    builder.location = false;
    builder.expect_explicit_explore = false;
    let a2 = acc.clone();
    let b2 = body.clone();
    let result = catch_unwind(AssertUnwindSafe(move || {
        builder.check(move || {
            let exec = {
                let mut a = lock(&a2);
                a.finish_current(None);
                if a.should_stop() {
                    drop(a);
                    std::panic::resume_unwind(Box::new(StopExploration));
                }
                a.begin(Kind::Loom)
            };
            exec.enter(0);
            let b = b2.clone();
            if let Some(r) = crate::thread::run_thread(exec.clone(), 0, move || b()) {
                exec.set_result(r);
            }
        })
    }));
    let mut a = lock(acc);
    match result {
        Ok(()) => {
            a.finish_current(None);
            None
        }
        Err(p) => {
            if a.stop.is_some() || p.is::<StopExploration>() {
                return None;
            }
            // loom itself failed (its own deadlock detector, the branch
            // limit, …): the current execution ends with that message.
            let msg = rt::panics::message(p.as_ref());
            a.pending_failure = Some(msg.clone());
            a.finish_current(None);
            Some(msg.lines().next().unwrap_or("").to_string())
        }
    }
}

// ---- shuttle ----------------------------------------------------------------

/// Wraps any shuttle scheduler: records each decision (for replay), ends an
/// abandoned execution at its next scheduling point, and absorbs each finished
/// execution into the report.
struct Recording {
    inner: Rc<RefCell<Box<dyn shuttle::scheduler::Scheduler>>>,
    acc: Shared,
    steps: Vec<Step>,
    started: bool,
}

impl shuttle::scheduler::Scheduler for Recording {
    fn new_execution(&mut self) -> Option<shuttle::scheduler::Schedule> {
        let mut a = lock(&self.acc);
        if self.started || a.current.is_some() {
            let token = ReplayToken::Shuttle(std::mem::take(&mut self.steps));
            a.finish_current(Some(token));
        }
        self.started = true;
        self.steps.clear();
        if a.should_stop() {
            return None;
        }
        drop(a);
        self.inner.borrow_mut().new_execution()
    }

    fn next_task(
        &mut self,
        runnable: &[&shuttle::scheduler::Task],
        current: Option<shuttle::scheduler::TaskId>,
        is_yielding: bool,
    ) -> Option<shuttle::scheduler::TaskId> {
        if lock(&self.acc)
            .current
            .as_ref()
            .is_some_and(|e| e.is_abandoned())
        {
            return None;
        }
        let t = self
            .inner
            .borrow_mut()
            .next_task(runnable, current, is_yielding)?;
        self.steps.push(Step::Task(usize::from(t)));
        Some(t)
    }

    fn next_u64(&mut self) -> u64 {
        let v = self.inner.borrow_mut().next_u64();
        self.steps.push(Step::Random(v));
        v
    }
}

/// Follows recorded decisions; stops the execution where they run out or no
/// longer fit.
struct Replay {
    steps: Vec<Step>,
    pos: usize,
    started: bool,
}

impl shuttle::scheduler::Scheduler for Replay {
    fn new_execution(&mut self) -> Option<shuttle::scheduler::Schedule> {
        if self.started {
            return None;
        }
        self.started = true;
        Some(shuttle::scheduler::Schedule::new(0))
    }

    fn next_task(
        &mut self,
        runnable: &[&shuttle::scheduler::Task],
        _current: Option<shuttle::scheduler::TaskId>,
        _is_yielding: bool,
    ) -> Option<shuttle::scheduler::TaskId> {
        match self.steps.get(self.pos) {
            Some(Step::Task(t)) if runnable.iter().any(|r| usize::from(r.id()) == *t) => {
                self.pos += 1;
                Some((*t).into())
            }
            _ => None,
        }
    }

    fn next_u64(&mut self) -> u64 {
        match self.steps.get(self.pos) {
            Some(Step::Random(v)) => {
                self.pos += 1;
                *v
            }
            _ => 0,
        }
    }
}

/// The `dpor` scheduler's view of the running execution.
struct PendingOps(Shared);

impl crate::dpor::Pending for PendingOps {
    fn execution(&self) -> Option<Arc<rt::Execution>> {
        lock(&self.0).current.clone()
    }
}

fn run_shuttle(
    acc: &Shared,
    body: &Body,
    config: &Config,
    custom: Option<Box<dyn shuttle::scheduler::Scheduler>>,
) -> Option<String> {
    use shuttle::scheduler::{DfsScheduler, PctScheduler, RandomScheduler, Scheduler};
    let n = config.max_schedules.unwrap_or(DEFAULT_SAMPLES) as usize;
    let inner: Box<dyn Scheduler> = match (custom, &config.replay, config.backend) {
        (Some(s), _, _) => s,
        (None, Some(ReplayToken::Shuttle(steps)), _) => Box::new(Replay {
            steps: steps.clone(),
            pos: 0,
            started: false,
        }),
        (None, _, Backend::ShuttleDfs) => Box::new(DfsScheduler::new(None, false)),
        (None, _, Backend::Dpor) => Box::new(crate::dpor::Dpor::new(
            Arc::new(PendingOps(acc.clone())),
            config.preemption_bound,
        )),
        (None, _, Backend::ShuttleRandom) => {
            Box::new(RandomScheduler::new_from_seed(config.seed, n))
        }
        (None, _, Backend::Fuzz) => Box::new(crate::fuzz::FuzzScheduler::seeded(config.seed)),
        (None, _, _) => Box::new(PctScheduler::new_from_seed(
            config.seed,
            config.pct_depth,
            n,
        )),
    };
    let inner = Rc::new(RefCell::new(inner));
    let mut shuttle_config = shuttle::Config::new();
    shuttle_config.failure_persistence = shuttle::FailurePersistence::None;
    let result = shuttle_loop(
        acc,
        body,
        &inner,
        &shuttle_config,
        config.backend == Backend::Dpor,
    );
    if config.backend == Backend::ShuttleRandom && config.replay.is_none() {
        // shuttle's RandomScheduler prints a "failing seed" message when it is
        // dropped before its last iteration; racetrace stops early on its own
        // bounds and reports the schedule itself, so let it finish quietly.
        while inner.borrow_mut().new_execution().is_some() {}
    }
    result
}

fn shuttle_loop(
    acc: &Shared,
    body: &Body,
    inner: &Rc<RefCell<Box<dyn shuttle::scheduler::Scheduler>>>,
    shuttle_config: &shuttle::Config,
    dpor: bool,
) -> Option<String> {
    let mut last_error = None;
    loop {
        let sched = Recording {
            inner: inner.clone(),
            acc: acc.clone(),
            steps: Vec::new(),
            started: false,
        };
        let a2 = acc.clone();
        let b2 = body.clone();
        let runner = shuttle::Runner::new(sched, shuttle_config.clone());
        let result = catch_unwind(AssertUnwindSafe(move || {
            runner.run(move || {
                let exec = lock(&a2).begin(Kind::Shuttle);
                if dpor {
                    exec.dpor.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                exec.enter(0);
                let b = b2.clone();
                if let Some(r) = crate::thread::run_thread(exec.clone(), 0, move || b()) {
                    exec.set_result(r);
                }
            })
        }));
        match result {
            Ok(_) => return last_error,
            Err(p) => {
                // shuttle failed the execution itself (a deadlock racetrace did
                // not see first, a step bound, …): record it and carry on with
                // the same scheduler, which continues where it stopped.
                let msg = rt::panics::message(p.as_ref());
                let mut a = lock(acc);
                if a.current.is_none() {
                    // The scheduler failed between executions (PCT asserts
                    // that the first one had a choice to make): running it
                    // again would fail again, for ever.
                    return Some(msg.lines().next().unwrap_or("").to_string());
                }
                a.pending_failure = Some(msg.clone());
                a.finish_current(None);
                if a.should_stop() {
                    return last_error;
                }
                if last_error.is_none() && !msg.starts_with("deadlock") {
                    last_error = Some(msg.lines().next().unwrap_or("").to_string());
                }
            }
        }
    }
}
