//! The shuttle engines (DFS, random, PCT, fuzz, dpor, replay), through the recorder.

use super::program::Body;
use super::tally::{Shared, lock};
use crate::config::{Backend, Config, DEFAULT_SAMPLES, ReplayToken, Step};
use crate::rt::{self, Kind};
use crate::strategy::dpor::Part;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;

/// Wraps any shuttle scheduler: records each decision (for replay), ends an
/// abandoned execution at its next scheduling point, and absorbs each finished
/// execution into the report.
struct Recording {
    inner: Rc<RefCell<Box<dyn shuttle::scheduler::Scheduler>>>,
    acc: Shared,
    steps: Vec<Step>,
    started: bool,
    /// Spin-loop bookkeeping; see [`Spins`].
    spins: Spins,
    /// Yields with no operation in between; see [`Quiet`].
    quiet: Quiet,
    /// Scheduling points taken since the execution was abandoned.
    wind_down: usize,
    /// The exploration's pulse (see [`rt::Pulse`]).
    pulse: Arc<rt::Pulse>,
    /// Scheduling points (task choices and random values) taken in this
    /// execution, and how many it may take before it is ended as a step
    /// limit: below shuttle's own step bound, which would fail the
    /// execution and leak its unfinished tasks' stacks instead.
    points: usize,
    point_limit: usize,
    /// Executions of this exploration whose wind-down could not finish.
    stuck: Rc<Cell<u64>>,
    /// The strategy is dpor: see [`Recording::new_execution`].
    dpor: bool,
    /// The running execution, once it has begun (it stays the same to the
    /// execution's end, unless the watchdog cancels it; until it begins, and
    /// once it is cancelled, it is looked up at every point).
    current: Option<Arc<rt::Execution>>,
}

/// How many scheduling points an abandoned execution may take to unwind its
/// threads before it is simply stopped. (Stopped, shuttle 0.9.9 leaks the
/// stacks of the tasks still unfinished, and everything they hold: an `Arc`
/// of the [`rt::Execution`], the program's closures and guards. Unwinding
/// takes a few points per thread; this only ends a wind-down that cannot
/// finish, such as threads blocked on a mutex held by a thread that exited.)
const WIND_DOWN_STEPS: usize = 10_000;

/// How many executions whose wind-down could not finish an exploration goes
/// past before it stops. A thread that cannot unwind is running a destructor
/// that waits or spins for something only another thread would have done —
/// `impl Drop { while *count > 0 { count = cv.wait(count) } }` for workers
/// that unwound without counting down — so it never finishes, and shuttle
/// 0.9.9 keeps its stack and all it holds (about 4–5 KiB per execution,
/// docs/performance.md) and prints "Test deadlocked" when it fails one.
/// Stopping bounds that to half a MiB and a hundred lines, with the reason
/// in the report, instead of filling the machine over a long exploration.
const UNFINISHED_WIND_DOWNS: u64 = 100;

/// An execution's wind-down could not finish (it gave up, or shuttle failed
/// it): count it in `stuck`, and stop the exploration at
/// [`UNFINISHED_WIND_DOWNS`], naming the threads still running.
fn unfinished_wind_down(acc: &Shared, stuck: &Cell<u64>) {
    stuck.set(stuck.get() + 1);
    if stuck.get() < UNFINISHED_WIND_DOWNS {
        return;
    }
    let mut a = lock(acc);
    let who = a
        .current
        .as_ref()
        .map(|e| e.unfinished_threads())
        .unwrap_or_default();
    if a.stop.is_none() {
        a.stop = Some(format!(
            "stopped after {} executions whose threads could not all unwind ({} never finished: a destructor that waits or spins for another thread?), each of which shuttle keeps in memory",
            stuck.get(),
            who.join(", ")
        ));
    }
}

use super::program::ISOLATED_SPINS;

/// A yield (`yield_now`, `hint::spin_loop`) means "I wait for another
/// thread" (loom's meaning). A thread that yields after an iteration whose
/// objects it has seen as they are, none of them changed by another thread
/// since, would see the same state again, so it is not offered to the
/// scheduler until another thread changes one of them (or one its next step
/// announced: `is_finished` yields before it reads). This keeps a spin loop
/// that another thread ends finite; when only such spinners can run, they
/// are let run again, and after [`ISOLATED_SPINS`] isolated yields in a row
/// the execution ends as a `livelock`.
///
/// Only a change to what the spinner looked at releases it, not any step
/// (a thread's start, a write elsewhere): so whether a spin runs once more
/// does not depend on the order of steps that commute, which dpor does not
/// try and a split run's prefix does (`docs/scale.md`). An iteration that
/// touched no racetrace object (a bare `yield_now` loop, or one on state
/// racetrace does not see) is released by any other thread's step.
#[derive(Default)]
struct Spins {
    /// Threads held back, by shuttle task id.
    held: Vec<shuttle::scheduler::TaskId>,
    /// Per task: yields in a row with no release in between.
    isolated: Vec<u32>,
    /// A thread has yielded in this execution: what follows is tracked
    /// (until then nothing is, and the first yield reads the events so far).
    active: bool,
    /// Per object: how many times it was changed so far.
    version: rt::IdMap<usize, u64>,
    /// Per thread (tid), per object it touched: the object's version then,
    /// and in which of the thread's iterations (yields before it) it did.
    saw: Vec<rt::IdMap<usize, (u64, u32)>>,
    /// Per thread (tid): its yields so far.
    iteration: Vec<u32>,
    /// Per task: another task took a step since its last yield.
    others_stepped: Vec<bool>,
    /// Per held task: what releases it (its last iteration's objects and
    /// its announced ones); empty: any other task's step.
    watch: Vec<Vec<usize>>,
    /// Per task: its thread and the objects its announcement named when it
    /// yielded, which it reads when it runs again.
    announced: Vec<Option<(usize, Vec<usize>)>>,
    /// The task that took the last step.
    last: Option<shuttle::scheduler::TaskId>,
    /// Events of the execution looked at so far.
    events: usize,
}

impl Spins {
    fn slot<T: Default + Clone>(v: &mut Vec<T>, t: usize) -> &mut T {
        if v.len() <= t {
            v.resize(t + 1, T::default());
        }
        &mut v[t]
    }

    /// Take in the events recorded since the last look: what each thread
    /// touched and changed. Releases the held threads whose watch changed.
    fn take_in(&mut self, exec: &rt::Execution) {
        let mut changes = Vec::new();
        let version = &mut self.version;
        let saw = &mut self.saw;
        let iteration = &mut self.iteration;
        self.events = exec.touched_since(self.events, |tid, o, changed| {
            let v = version.entry(o).or_default();
            if changed {
                *v += 1;
                changes.push(o);
            }
            let i = *Self::slot(iteration, tid);
            Self::slot(saw, tid).insert(o, (*v, i));
        });
        if !changes.is_empty() {
            let watch = &self.watch;
            self.held.retain(|h| {
                !watch
                    .get(usize::from(*h))
                    .is_some_and(|w| changes.iter().any(|o| w.contains(o)))
            });
        }
    }

    /// A scheduling point after a step of the last task chosen.
    fn observe(&mut self, exec: &rt::Execution) {
        if !self.active {
            return;
        }
        let Some(t) = self.last else {
            return;
        };
        for (u, s) in self.others_stepped.iter_mut().enumerate() {
            if u != usize::from(t) {
                *s = true;
            }
        }
        // A thread that looked at nothing is released by any other step.
        let watch = &self.watch;
        self.held
            .retain(|h| *h == t || watch.get(usize::from(*h)).is_some_and(|w| !w.is_empty()));
        // Each event is counted in `operations` (cheap): read the events
        // only when there are new ones.
        if exec.operations() != self.events {
            self.take_in(exec);
        }
    }

    /// Task `t` yielded.
    fn yielded(&mut self, exec: &rt::Execution, t: shuttle::scheduler::TaskId) {
        if !self.active {
            // The first yield of the execution: what every thread touched
            // so far. Whether another thread stepped since this one's start
            // is not known: it counts as yes (a spin on nothing runs once
            // more).
            self.active = true;
            self.take_in(exec);
            *Self::slot(&mut self.others_stepped, usize::from(t)) = true;
        }
        let (tid, announced) = exec.announced_objects(usize::from(t));
        let tid = tid.unwrap_or(usize::from(t));
        let iteration = *Self::slot(&mut self.iteration, tid);
        let saw = Self::slot(&mut self.saw, tid);
        let mut watch: Vec<usize> = saw
            .iter()
            .filter(|(_, (_, i))| *i == iteration)
            .map(|(o, _)| *o)
            .collect();
        for &o in &announced {
            if !watch.contains(&o) {
                watch.push(o);
            }
        }
        let others = std::mem::take(Self::slot(&mut self.others_stepped, usize::from(t)));
        let saw = &self.saw[tid];
        let same = if watch.is_empty() {
            !others
        } else {
            watch
                .iter()
                .all(|o| saw.get(o).map(|s| s.0) == Some(self.version.get(o).copied().unwrap_or(0)))
        };
        self.iteration[tid] += 1;
        *Self::slot(&mut self.announced, usize::from(t)) = Some((tid, announced));
        let i = usize::from(t);
        if same {
            *Self::slot(&mut self.isolated, i) += 1;
            *Self::slot(&mut self.watch, i) = watch;
            if !self.held.contains(&t) {
                self.held.push(t);
            }
        } else {
            *Self::slot(&mut self.isolated, i) = 0;
        }
    }

    /// Task `t` takes the next step: after a yield, it reads what it
    /// announced.
    fn chosen(&mut self, t: shuttle::scheduler::TaskId) {
        self.last = Some(t);
        if !self.active {
            return;
        }
        let Some((tid, announced)) = Self::slot(&mut self.announced, usize::from(t)).take() else {
            return;
        };
        let iteration = *Self::slot(&mut self.iteration, tid);
        let saw = Self::slot(&mut self.saw, tid);
        for o in announced {
            saw.insert(o, (self.version.get(&o).copied().unwrap_or(0), iteration));
        }
    }

    /// Only held spinners can run: are they livelocked?
    fn livelocked(&self) -> bool {
        self.held.iter().all(|t| {
            self.isolated
                .get(usize::from(*t))
                .is_some_and(|n| *n >= ISOLATED_SPINS)
        })
    }
}

/// Several threads that only yield, in turn, with no racetrace operation
/// between their yields (`loop { yield_now() }` in two threads): none of them
/// changes anything another could wait for, so — a yield meaning "I wait for
/// another thread", as for [`Spins`] — they wait for one another for ever.
/// [`Spins`] does not see it (each yields after another thread's step), and
/// such an execution used to run to the step limit, a million scheduling
/// points: under dpor, whose every point builds a node of its search tree,
/// tens of seconds per execution. Once every thread that can run has yielded
/// [`ISOLATED_SPINS`] times since the last operation any thread performed
/// (and every scheduling point since was a yield), the execution ends as a
/// `livelock`. (A lone spinner is [`Spins`]'s, as before.)
#[derive(Default)]
struct Quiet {
    /// The execution's count of operations when the stretch began.
    operations: usize,
    /// Per task: yields since then.
    yields: Vec<u32>,
}

impl Quiet {
    /// A scheduling point: `operations` recorded so far, reached by a yield
    /// of `current` or not. Do the threads that can run only yield?
    fn point(
        &mut self,
        operations: usize,
        is_yielding: bool,
        current: Option<shuttle::scheduler::TaskId>,
        runnable: &[&shuttle::scheduler::Task],
    ) -> bool {
        let Some(c) = current.filter(|_| is_yielding && operations == self.operations) else {
            self.operations = operations;
            self.yields.clear();
            return false;
        };
        *Spins::slot(&mut self.yields, usize::from(c)) += 1;
        runnable.len() >= 2
            && runnable.iter().all(|t| {
                self.yields
                    .get(usize::from(t.id()))
                    .is_some_and(|n| *n >= ISOLATED_SPINS)
            })
    }
}

impl Recording {
    /// The execution is abandoned (a deadlock, a panic, a livelock, the step
    /// limit, or the strategy stopped it): let its threads run until each
    /// has unwound at its next operation, so that the execution ends with
    /// every task finished. These steps are neither shown to the strategy nor
    /// recorded in the replay token, and record no events: schedule counts,
    /// outcomes and traces are those of an execution stopped here.
    fn wind_down(
        &mut self,
        runnable: &[&shuttle::scheduler::Task],
        current: Option<shuttle::scheduler::TaskId>,
    ) -> Option<shuttle::scheduler::TaskId> {
        self.wind_down += 1;
        if self.wind_down > WIND_DOWN_STEPS {
            if self.wind_down == WIND_DOWN_STEPS + 1 {
                unfinished_wind_down(&self.acc, &self.stuck);
            }
            return None;
        }
        let exec = lock(&self.acc).current.clone()?;
        exec.freeze();
        // A thread the shadow state shows in a lock, wait or join may still
        // be on its way into the backend's blocking call (shuttle's condvar
        // wait switches before it queues the waiter): it goes first, so that
        // it has blocked before the last thread unwinds and wakes it.
        let blocking = exec.blocking_threads();
        let first_blocking = runnable
            .iter()
            .find(|t| blocking.get(usize::from(t.id())) == Some(&true));
        match (first_blocking, current) {
            (Some(t), _) => Some(t.id()),
            (None, Some(c)) if runnable.iter().any(|t| t.id() == c) => Some(c),
            _ => runnable.first().map(|t| t.id()),
        }
    }

    /// The strategy stops the execution here (dpor's sleep sets, a replay
    /// that ran out): wind it down instead of leaving its tasks unfinished.
    fn stopped(
        &mut self,
        runnable: &[&shuttle::scheduler::Task],
        current: Option<shuttle::scheduler::TaskId>,
    ) -> Option<shuttle::scheduler::TaskId> {
        let exec = lock(&self.acc).current.clone()?;
        exec.stop();
        self.wind_down(runnable, current)
    }

    /// The threads that can run only yield, with no operation in between
    /// (see [`Quiet`]): end the execution as a livelock, naming them.
    fn end_quiet(&self, exec: &rt::Execution, runnable: &[&shuttle::scheduler::Task]) {
        let who = Self::names(exec, runnable.iter().map(|t| t.id()));
        exec.end_livelocked(format!(
            "{} only yield (yield_now/spin_loop), with no racetrace operation between their yields: none of them changes anything the others could wait for",
            who.join(", ")
        ));
    }

    fn names(
        exec: &rt::Execution,
        tasks: impl Iterator<Item = shuttle::scheduler::TaskId>,
    ) -> Vec<String> {
        let names = exec.thread_names();
        tasks
            .map(|t| {
                names
                    .get(usize::from(t))
                    .cloned()
                    .unwrap_or_else(|| format!("task {}", usize::from(t)))
            })
            .collect()
    }

    /// Only held spinners can run, for long enough: end the execution as a
    /// livelock, naming them.
    fn end_livelocked(&self) {
        let Some(exec) = lock(&self.acc).current.clone() else {
            return;
        };
        let who = Self::names(&exec, self.spins.held.iter().copied());
        let one = who.len() == 1;
        exec.end_livelocked(format!(
            "{} spin{} (yield_now/spin_loop) and no other thread can run to change what {} wait{} for",
            who.join(", "),
            if one { "s" } else { "" },
            if one { "it" } else { "they" },
            if one { "s" } else { "" },
        ));
    }

    /// The next task: [`Recording::wind_down`] if the execution is
    /// abandoned, else the strategy's choice (spinners held back).
    fn choose(
        &mut self,
        exec: Option<&Arc<rt::Execution>>,
        runnable: &[&shuttle::scheduler::Task],
        current: Option<shuttle::scheduler::TaskId>,
        is_yielding: bool,
    ) -> Option<shuttle::scheduler::TaskId> {
        if exec.is_some_and(|e| e.is_abandoned()) {
            return self.wind_down(runnable, current);
        }
        if let Some(e) = exec
            && self
                .quiet
                .point(e.operations(), is_yielding, current, runnable)
        {
            self.end_quiet(e, runnable);
            return self.wind_down(runnable, current);
        }
        if let Some(e) = exec {
            self.spins.observe(e);
        }
        if is_yielding
            && let Some(c) = current
            && let Some(e) = exec
        {
            self.spins.yielded(e, c);
        }
        // Nothing held back (no yield, or not since another thread's step):
        // the scheduler sees every runnable thread, with no copy made.
        let chosen = if self.spins.held.is_empty() {
            self.inner
                .borrow_mut()
                .next_task(runnable, current, is_yielding)
        } else {
            let mut offered: Vec<&shuttle::scheduler::Task> = runnable
                .iter()
                .filter(|t| !self.spins.held.contains(&t.id()))
                .copied()
                .collect();
            if offered.is_empty() && !self.spins.livelocked() {
                // Only spinners can run, and not yet for long: let them.
                self.spins.held.clear();
                offered = runnable.to_vec();
            }
            if offered.is_empty() {
                self.end_livelocked();
                return self.wind_down(runnable, current);
            }
            self.inner
                .borrow_mut()
                .next_task(&offered, current, is_yielding)
        };
        let Some(t) = chosen else {
            return self.stopped(runnable, current);
        };
        // A thread takes a step: the spinners may see a change.
        self.spins.chosen(t);
        let pulse = &self.pulse;
        pulse
            .beats
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        pulse
            .thread
            .store(usize::from(t), std::sync::atomic::Ordering::Relaxed);
        self.steps.push(Step::Task(usize::from(t)));
        Some(t)
    }
}

impl shuttle::scheduler::Scheduler for Recording {
    fn new_execution(&mut self) -> Option<shuttle::scheduler::Schedule> {
        let ended = {
            let a = lock(&self.acc);
            if let Some(exec) = &a.current {
                exec.thaw();
            }
            self.started || a.current.is_some()
        };
        // dpor settles the execution that ended before it is absorbed: it
        // may find it covered by another (pruned).
        let settled = (self.dpor && ended).then(|| self.inner.borrow_mut().new_execution());
        let mut a = lock(&self.acc);
        if ended {
            let token = ReplayToken::Shuttle(std::mem::take(&mut self.steps));
            a.finish_current(Some(token));
        }
        self.started = true;
        self.current = None;
        self.steps.clear();
        self.spins = Spins::default();
        self.quiet = Quiet::default();
        self.wind_down = 0;
        self.points = 0;
        if a.should_stop() {
            return None;
        }
        drop(a);
        match settled {
            Some(next) => next,
            None => self.inner.borrow_mut().new_execution(),
        }
    }

    fn next_task(
        &mut self,
        runnable: &[&shuttle::scheduler::Task],
        current: Option<shuttle::scheduler::TaskId>,
        is_yielding: bool,
    ) -> Option<shuttle::scheduler::TaskId> {
        self.points += 1;
        // The watchdog may take a cancelled execution away: looked up again.
        if self.current.as_ref().is_none_or(|e| e.is_cancelled()) {
            self.current = lock(&self.acc).current.clone();
        }
        let exec = self.current.clone();
        if let Some(e) = &exec
            && self.points >= self.point_limit
            && !e.is_abandoned()
        {
            // A spin with no racetrace step (yields only) reaches shuttle's
            // step bound before racetrace's step limit: end it here, and
            // wind it down, rather than let shuttle fail it.
            e.end_step_limit(self.points);
        }
        let chosen = self.choose(exec.as_ref(), runnable, current, is_yielding);
        if let Some(e) = &exec {
            e.scheduled(chosen.map(usize::from), |t| {
                runnable.iter().any(|r| usize::from(r.id()) == t)
            });
        }
        chosen
    }

    fn next_u64(&mut self) -> u64 {
        self.points += 1;
        let v = self.inner.borrow_mut().next_u64();
        self.steps.push(Step::Random(v));
        v
    }
}

/// A scheduler with nothing left to run.
struct Finished;

impl shuttle::scheduler::Scheduler for Finished {
    fn new_execution(&mut self) -> Option<shuttle::scheduler::Schedule> {
        None
    }

    fn next_task(
        &mut self,
        _runnable: &[&shuttle::scheduler::Task],
        _current: Option<shuttle::scheduler::TaskId>,
        _is_yielding: bool,
    ) -> Option<shuttle::scheduler::TaskId> {
        None
    }

    fn next_u64(&mut self) -> u64 {
        0
    }
}

/// Follows recorded decisions; stops the execution where they run out or no
/// longer fit.
struct Replay {
    steps: Vec<Step>,
    pos: usize,
    started: bool,
    /// Set when the token does not fit the program: where it parted.
    diverged: Rc<RefCell<Option<String>>>,
}

impl Replay {
    fn diverge(&mut self, why: String) {
        let mut d = self.diverged.borrow_mut();
        if d.is_none() {
            *d = Some(why);
        }
    }
}

impl shuttle::scheduler::Scheduler for Replay {
    fn new_execution(&mut self) -> Option<shuttle::scheduler::Schedule> {
        if self.started {
            if self.pos < self.steps.len() {
                let why = format!(
                    "the program ended after {} of the token's {} steps",
                    self.pos,
                    self.steps.len()
                );
                self.diverge(why);
            }
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
            Some(Step::Task(t)) => {
                let why = format!(
                    "its step {} runs thread {t}, which cannot run there",
                    self.pos + 1
                );
                self.diverge(why);
                None
            }
            Some(Step::Random(_)) => {
                let why = format!(
                    "its step {} is a random value where the program makes a scheduling choice",
                    self.pos + 1
                );
                self.diverge(why);
                None
            }
            None => {
                let why = format!(
                    "the program goes on after the token's {} steps",
                    self.steps.len()
                );
                self.diverge(why);
                None
            }
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

impl crate::strategy::dpor::Pending for PendingOps {
    fn execution(&self) -> Option<Arc<rt::Execution>> {
        lock(&self.0).current.clone()
    }
}

pub(super) fn run_shuttle(
    acc: &Shared,
    body: &Body,
    config: &Config,
    custom: Option<Box<dyn shuttle::scheduler::Scheduler>>,
) -> Option<String> {
    use shuttle::scheduler::{DfsScheduler, PctScheduler, RandomScheduler, Scheduler};
    let diverged: Rc<RefCell<Option<String>>> = Rc::new(RefCell::new(None));
    let n = config.max_schedules.unwrap_or(DEFAULT_SAMPLES) as usize;
    let inner: Box<dyn Scheduler> = match (custom, &config.replay, config.backend) {
        (Some(s), _, _) => s,
        (None, Some(ReplayToken::Shuttle(steps)), _) => Box::new(Replay {
            steps: steps.clone(),
            pos: 0,
            started: false,
            diverged: diverged.clone(),
        }),
        (None, _, Backend::ShuttleDfs) => Box::new(DfsScheduler::new(None, false)),
        (None, _, Backend::Dpor | Backend::Rc11) => Box::new(crate::strategy::dpor::Dpor::new(
            Arc::new(PendingOps(acc.clone())),
            config.preemption_bound,
            match (&config.claims, config.prefix, config.shard) {
                (Some(c), _, _) => Part::Claims(c.clone()),
                (None, Some(p), _) => Part::Prefix(p),
                (None, None, Some(s)) => Part::Shard(s),
                (None, None, None) => Part::Whole,
            },
        )),
        (None, _, Backend::ShuttleRandom) => {
            Box::new(RandomScheduler::new_from_seed(config.seed, n))
        }
        (None, _, Backend::Fuzz) => Box::new(crate::strategy::ByteScheduler::seeded(config.seed)),
        (None, _, _) => Box::new(PctScheduler::new_from_seed(
            config.seed,
            config.pct_depth,
            n,
        )),
    };
    let inner = Rc::new(RefCell::new(inner));
    // Under rc11, atomics take their values from the memory model, which
    // lives on this OS thread (shuttle runs every task on it) for the run.
    let _rc11 = (config.backend == Backend::Rc11).then(crate::rc11::Session::start);
    let mut shuttle_config = shuttle::Config::new();
    shuttle_config.failure_persistence = shuttle::FailurePersistence::None;
    // shuttle's own step bound stays above racetrace's step limit (each
    // operation takes a scheduling point or two) and the wind-down; the
    // recorder ends an execution as a step limit at `point_limit`
    // scheduling points (a spin of yields alone), before shuttle would.
    let point_limit = config.max_steps.saturating_mul(4).max(1_000_000);
    shuttle_config.max_steps =
        shuttle::MaxSteps::FailAfter(point_limit.saturating_add(WIND_DOWN_STEPS));
    // racetrace notes a weak ordering itself (Report::weak_ordering), and
    // rc11 models them: shuttle's warning that it does not is noise.
    shuttle_config.silence_warnings = true;
    let result = shuttle_loop(
        acc,
        body,
        &inner,
        &shuttle_config,
        config.backend.strategy() == crate::config::Strategy::Dpor,
        point_limit,
    );
    if config.backend == Backend::ShuttleRandom && config.replay.is_none() {
        // shuttle's RandomScheduler prints a "failing seed" message when it is
        // dropped before its last iteration; racetrace stops early on its own
        // bounds and reports the schedule itself. Running out its iterations
        // would take as long as the schedules themselves (`--max-schedules
        // 1000000000 --max-seconds 3` ran for minutes), so it is never
        // dropped: forgetting it leaks a few hundred bytes per exploration.
        let random = std::mem::replace(&mut *inner.borrow_mut(), Box::new(Finished));
        std::mem::forget(random);
    }
    if let Some(why) = diverged.borrow_mut().take() {
        lock(acc).replay_mismatch = Some(why);
    }
    result
}

fn shuttle_loop(
    acc: &Shared,
    body: &Body,
    inner: &Rc<RefCell<Box<dyn shuttle::scheduler::Scheduler>>>,
    shuttle_config: &shuttle::Config,
    dpor: bool,
    point_limit: usize,
) -> Option<String> {
    let mut last_error = None;
    let stuck = Rc::new(Cell::new(0));
    loop {
        let sched = Recording {
            inner: inner.clone(),
            acc: acc.clone(),
            steps: Vec::new(),
            started: false,
            spins: Spins::default(),
            quiet: Quiet::default(),
            wind_down: 0,
            pulse: lock(acc).pulse.clone(),
            points: 0,
            point_limit,
            stuck: stuck.clone(),
            dpor,
            current: None,
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
                if let Some(r) = crate::traced::thread::run_thread(exec.clone(), 0, move || b())
                    && !exec.is_abandoned()
                {
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
                let abandoned = lock(acc).current.as_ref().is_some_and(|e| e.is_abandoned());
                if abandoned {
                    unfinished_wind_down(acc, &stuck);
                }
                let mut a = lock(acc);
                if let Some(exec) = &a.current {
                    exec.thaw();
                }
                if abandoned {
                    // The wind-down of an abandoned execution failed (its
                    // threads could not all unwind): the execution ends as
                    // it was abandoned, as if stopped there.
                    a.finish_current(None);
                    if a.should_stop() {
                        return last_error;
                    }
                    continue;
                }
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
