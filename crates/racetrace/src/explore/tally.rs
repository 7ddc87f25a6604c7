//! The tally the engines share: each finished execution absorbed into its outcome's row.

use super::program::{Judge, LIVELOCK, STEP_LIMIT};
use super::report::{Phase, Witness};
use crate::config::{Backend, ReplayToken};
use crate::rt::{Execution, Kind, Pulse, Special};
use crate::strategy::dpor::Claims;
use crate::trace::{Trace, mark_preemptions};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub(super) struct RowTally {
    pub(super) schedules: u64,
    pub(super) allowed: bool,
    pub(super) verdict: String,
    pub(super) best: Option<(usize, Witness)>,
}

impl RowTally {
    /// The report's row of `outcome`.
    pub(super) fn into_row(self, outcome: String) -> super::OutcomeRow {
        super::OutcomeRow {
            outcome,
            schedules: self.schedules,
            allowed: self.allowed,
            verdict: self.verdict,
            witness: self.best.map(|(_, w)| w),
        }
    }
}

/// Everything the drivers share while exploring.
pub(super) struct Tally {
    /// When the last progress line was printed, if progress is on.
    pub(super) progress: Option<Instant>,
    pub(super) pruned: u64,
    pub(super) label: String,
    pub(super) backend: Backend,
    pub(super) judge: Judge,
    pub(super) index: u64,
    pub(super) rows: BTreeMap<String, RowTally>,
    pub(super) current: Option<Arc<Execution>>,
    pub(super) pending_failure: Option<String>,
    pub(super) stop: Option<String>,
    pub(super) limit: Option<u64>,
    pub(super) deadline: Option<Instant>,
    pub(super) stop_first: bool,
    pub(super) only: Option<u64>,
    /// A limit of the backend, not the program, ended exploration: why.
    pub(super) cannot_explore: Option<String>,
    /// The first ordering weaker than `SeqCst` seen by a runtime that models
    /// sequential consistency only.
    pub(super) weak_ordering: Option<String>,
    /// A replay token that did not fit the program: where it parted.
    pub(super) replay_mismatch: Option<String>,
    /// Beaten by every execution's operations; read by the watchdog.
    pub(super) pulse: Arc<Pulse>,
    /// [`crate::Config::max_steps`].
    pub(super) max_steps: usize,
    /// The memory budget in bytes (see [`crate::Config::max_memory`]), and
    /// when resident memory was last read against it.
    pub(super) budget: Option<u64>,
    pub(super) memory_read: Instant,
    /// Portfolio: the phase running (its `schedule` unset), and the
    /// schedules run before it.
    pub(super) phase: Option<Phase>,
    pub(super) offset: u64,
    /// Portfolio: the phase ends (without stopping the exploration) at this
    /// many schedules, counted over all phases; `phase_cut` says it did.
    pub(super) phase_limit: Option<u64>,
    pub(super) phase_cut: bool,
    /// [`crate::Config::cancel`].
    pub(super) cancel: Option<Arc<std::sync::atomic::AtomicBool>>,
    /// [`crate::Config::shard`]: named in the titles, as its schedules are
    /// numbered within it.
    pub(super) shard: Option<crate::Shard>,
    /// A split run's thread ([`crate::Config::jobs`]) or the replay of one
    /// of its prefixes ([`crate::Config::prefix`]): schedules are counted,
    /// numbered and titled by prefix.
    pub(super) by_prefix: Option<ByPrefix>,
    /// [`crate::Config::jobs`]: the split's shared claims.
    pub(super) claims: Option<Arc<Claims>>,
}

/// The schedules of one prefix of a split tree, as one thread ran them.
pub(super) struct Segment {
    pub(super) prefix: usize,
    pub(super) schedules: u64,
    pub(super) pruned: u64,
    pub(super) rows: BTreeMap<String, RowTally>,
}

/// [`Tally::by_prefix`]: the prefix the last schedule ran under, and the
/// counts before it; under [`crate::Config::jobs`] the prefixes ended.
pub(super) struct ByPrefix {
    pub(super) prefix: usize,
    base: u64,
    pruned_base: u64,
    pub(super) ended: Vec<Segment>,
}

impl ByPrefix {
    pub(super) fn starting_at(prefix: usize) -> ByPrefix {
        ByPrefix {
            prefix,
            base: 0,
            pruned_base: 0,
            ended: Vec::new(),
        }
    }
}

/// How often, at most, the resident memory is read between schedules (a
/// read costs about 15 µs; the watchdog reads it too, within schedules).
const MEMORY_READ_EVERY: Duration = Duration::from_millis(5);

pub(super) type Shared = Arc<Mutex<Tally>>;

pub(super) fn lock(a: &Shared) -> MutexGuard<'_, Tally> {
    a.lock().unwrap_or_else(|p| p.into_inner())
}

impl Tally {
    /// Absorb the execution that just ended.
    pub(super) fn finish_current(&mut self, token: Option<ReplayToken>) {
        let Some(exec) = self.current.take() else {
            return;
        };
        if exec.is_skipped() {
            // Another shard's (`Config::shard`).
            self.pending_failure = None;
            return;
        }
        if self.claims.is_some()
            && self
                .by_prefix
                .as_ref()
                .is_some_and(|b| b.prefix != exec.prefix())
        {
            self.end_prefix(exec.prefix());
        }
        if exec.is_pruned() {
            self.pruned += 1;
            self.pending_failure = None;
            return;
        }
        if exec.is_cancelled() {
            // Ended by the watchdog part-way: not a schedule.
            self.pending_failure = None;
            return;
        }
        let fin = exec.finish();
        if self.weak_ordering.is_none() {
            self.weak_ordering = fin.weak_ordering.clone();
        }
        let failure = self.pending_failure.take();
        if let Some(why) = backend_limit(&fin.special, failure.as_deref()) {
            // The backend's limit, not the program's bug: record nothing.
            self.cannot_explore = Some(why);
            self.stop = Some("cannot explore".into());
            return;
        }
        self.index += 1;
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
            (Some(Special::Livelock(m)), _) => (LIVELOCK.to_string(), None, Some(m)),
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
        let best = self
            .rows
            .get(&outcome)
            .and_then(|r| r.best.as_ref())
            .map(|(p, _)| *p);
        // A witness without preemptions cannot be bettered: the trace is
        // not even looked at (most schedules of a correct program).
        let preemptions = match best {
            Some(0) => 0,
            _ => mark_preemptions(&mut events),
        };
        let index = self.index;
        let token = token.or(match self.backend {
            Backend::Loom => Some(ReplayToken::Loom(index)),
            _ => None,
        });
        let better = best.is_none_or(|p| preemptions < p);
        let witness = better.then(|| {
            let (title, phase) = self.title_and_phase(index);
            Witness {
                schedule: index - self.by_prefix.as_ref().map_or(0, |b| b.base),
                replay: token.map(|t| t.to_string()),
                phase,
                trace: Trace {
                    title,
                    // Built for a witness only: most executions' records
                    // are dropped as they are.
                    events: crate::rt::public_events(events, &fin.names, &fin.threads),
                    threads: fin.threads,
                    outcome: outcome.clone(),
                    allowed,
                    verdict: verdict.clone(),
                    preemptions,
                    deadlock,
                    detail,
                },
            }
        });
        let row = self.rows.entry(outcome).or_insert_with(|| RowTally {
            schedules: 0,
            allowed,
            verdict,
            best: None,
        });
        row.schedules += 1;
        if let Some(w) = witness {
            row.best = Some((preemptions, w));
        }
        if !allowed && self.stop_first {
            self.stop = Some(super::FIRST_VIOLATION.into());
            if let (Some(c), Some(b)) = (&self.claims, &self.by_prefix) {
                c.found_violation(b.prefix);
            }
        }
    }

    /// A split run's thread ([`crate::Config::jobs`]): the schedules so far
    /// are the last prefix's; the next ones `next`'s.
    pub(super) fn end_prefix(&mut self, next: usize) {
        let Some(b) = self.by_prefix.as_mut() else {
            return;
        };
        let (schedules, pruned) = (self.index - b.base, self.pruned - b.pruned_base);
        if schedules + pruned > 0 {
            b.ended.push(Segment {
                prefix: b.prefix,
                schedules,
                pruned,
                rows: std::mem::take(&mut self.rows),
            });
        }
        (b.prefix, b.base, b.pruned_base) = (next, self.index, self.pruned);
    }

    /// Checked before each schedule starts.
    pub(super) fn should_stop(&mut self) -> bool {
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
        // A split run's thread under a prefix above the lowest one with a
        // violation: moot.
        let moot = match (&self.claims, &self.by_prefix) {
            (Some(c), Some(b)) => c.lowest_violation() < b.prefix,
            _ => false,
        };
        if moot
            || self
                .cancel
                .as_ref()
                .is_some_and(|c| c.load(std::sync::atomic::Ordering::SeqCst))
        {
            self.stop = Some("cancelled".into());
            return true;
        }
        if let Some(k) = self.only
            && self.index >= k
        {
            self.stop = Some("replayed".into());
            return true;
        }
        if let Some(n) = self.limit
            && self.only.is_none()
            && self.index >= n
        {
            self.stop = Some(format!("stopped at {n} schedules"));
            return true;
        }
        if let Some(budget) = self.budget
            && self.memory_read.elapsed() >= MEMORY_READ_EVERY
        {
            self.memory_read = Instant::now();
            if let Some(rss) = super::memory::resident_bytes()
                && rss > budget
            {
                self.stop = Some(super::memory::over_budget(rss, budget));
                return true;
            }
        }
        // Replaying too: a loom token runs every execution before its own.
        if let Some(d) = self.deadline
            && Instant::now() >= d
        {
            self.stop = Some("stopped at the time limit".into());
            return true;
        }
        if let Some(n) = self.phase_limit
            && self.index >= n
        {
            self.phase_cut = true;
            return true;
        }
        false
    }

    /// The title of schedule `index`'s trace, and the portfolio's phase
    /// that ran it: a phase's schedules are titled and numbered as the
    /// phase's own exploration would, so that they replay on its backend.
    pub(super) fn title_and_phase(&self, index: u64) -> (String, Option<Phase>) {
        match &self.phase {
            Some(p) => {
                let local = index - self.offset;
                let title = format!("{} · {} · schedule {local}", self.label, p.backend);
                (
                    title,
                    Some(Phase {
                        schedule: local,
                        ..p.clone()
                    }),
                )
            }
            None => {
                let (part, index) = match (&self.by_prefix, self.shard) {
                    (Some(b), _) => (format!("prefix {} · ", b.prefix), index - b.base),
                    (None, Some(s)) => (format!("shard {s} · "), index),
                    (None, None) => (String::new(), index),
                };
                (
                    format!("{} · {} · {part}schedule {index}", self.label, self.backend),
                    None,
                )
            }
        }
    }

    pub(super) fn begin(&mut self, kind: Kind) -> Arc<Execution> {
        let exec = Execution::with_limits(kind, self.pulse.clone(), self.max_steps);
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

/// The panic loom 0.7 raises when a program spawns a fifth thread (loom's
/// `MAX_THREADS` is 5, `main` included).
const LOOM_THREAD_LIMIT: &str = "self.threads.len() < self.max()";

/// Did the execution end on one of the backend's own limits? Then why, in
/// words for the user.
fn backend_limit(special: &Option<Special>, failure: Option<&str>) -> Option<String> {
    let msg = match (special, failure) {
        (Some(Special::Panic(m)), _) => m.as_str(),
        (None, Some(m)) => m,
        _ => return None,
    };
    msg.contains(LOOM_THREAD_LIMIT).then(|| {
        format!(
            "loom models at most {} spawned threads ({} with main) and this program spawns more; explore it with dpor or a shuttle backend",
            crate::LOOM_MAX_THREADS - 1,
            crate::LOOM_MAX_THREADS
        )
    })
}
