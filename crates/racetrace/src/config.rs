//! What to explore with: the backend and its bounds. One documented struct;
//! every field has an environment variable, named by a `pub const`.

use crate::Error;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Environment variable for [`Config::backend`].
pub const ENV_BACKEND: &str = "RACETRACE_BACKEND";
/// Environment variable for [`Config::max_schedules`].
pub const ENV_MAX_SCHEDULES: &str = "RACETRACE_MAX_SCHEDULES";
/// Environment variable for [`Config::max_duration`], in seconds.
pub const ENV_MAX_SECONDS: &str = "RACETRACE_MAX_SECONDS";
/// Environment variable for [`Config::preemption_bound`].
pub const ENV_PREEMPTION_BOUND: &str = "RACETRACE_PREEMPTION_BOUND";
/// [`Config::shard`], as `K/N`.
pub const ENV_SHARD: &str = "RACETRACE_SHARD";
/// [`Config::jobs`].
pub const ENV_JOBS: &str = "RACETRACE_JOBS";
/// Environment variable for [`Config::seed`].
pub const ENV_SEED: &str = "RACETRACE_SEED";
/// Environment variable for [`Config::max_memory`]: a size with a unit
/// (`512M`, `4G`; see [`parse_memory`]).
pub const ENV_MAX_MEMORY: &str = "RACETRACE_MAX_MEMORY";
/// Environment variable for [`Config::stall_timeout`], in seconds.
pub const ENV_STALL_SECONDS: &str = "RACETRACE_STALL_SECONDS";
/// Environment variable for [`Config::max_steps`].
pub const ENV_MAX_STEPS: &str = "RACETRACE_MAX_STEPS";
/// Environment variable for [`Config::replay`]: a schedule token such as
/// `loom/17` or `shuttle/0.1.1.2`, printed with every failure.
pub const ENV_REPLAY: &str = "RACETRACE_REPLAY";

/// The most threads loom models, `main` included (loom's `MAX_THREADS`).
pub const LOOM_MAX_THREADS: usize = 5;

/// How a pattern is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// Real OS threads (std), run repeatedly: stress testing.
    Real,
    /// loom: exhaustive (dynamic partial-order reduction), optional preemption bound.
    Loom,
    /// shuttle's depth-first search: exhaustive, no reduction.
    ShuttleDfs,
    /// shuttle's random scheduler: seeded, a given number of schedules.
    ShuttleRandom,
    /// shuttle's PCT scheduler (probabilistic concurrency testing): seeded.
    ShuttlePct,
    /// racetrace's optimal DPOR (wake-up trees, sleep sets) over shuttle's
    /// runtime: exhaustive, visiting each distinct interleaving once.
    Dpor,
    /// The schedule fuzzer: each schedule's choices come from a byte string
    /// (see [`crate::strategy::bytes`]); here drawn from a seeded PRNG, under
    /// `cargo fuzz` chosen by libFuzzer's coverage feedback.
    Fuzz,
    /// Exhaustive exploration under the RC11 memory model (weak memory):
    /// dpor's order of conflicting operations on shuttle's runtime, and for
    /// every atomic read each store it may read from (`docs/weak-memory.md`).
    Rc11,
    /// A portfolio for finding bugs that stays exhaustive in the end:
    /// dpor with preemption bounds 0, 1, 2, interleaved with short seeded
    /// PCT and random probes, then dpor unbounded; it stops at the first
    /// violation and keeps the witness with the fewest preemptions
    /// (`docs/bug-finding.md`, "The portfolio").
    Portfolio,
}

impl Backend {
    /// Every backend.
    pub const ALL: [Backend; 9] = [
        Backend::Real,
        Backend::Loom,
        Backend::ShuttleDfs,
        Backend::ShuttleRandom,
        Backend::ShuttlePct,
        Backend::Dpor,
        Backend::Fuzz,
        Backend::Rc11,
        Backend::Portfolio,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Real => "real",
            Backend::Loom => "loom",
            Backend::ShuttleDfs => "shuttle-dfs",
            Backend::ShuttleRandom => "shuttle-random",
            Backend::ShuttlePct => "shuttle-pct",
            Backend::Dpor => "dpor",
            Backend::Fuzz => "fuzz",
            Backend::Rc11 => "rc11",
            Backend::Portfolio => "portfolio",
        }
    }

    /// Does this backend visit every schedule when it is not bounded?
    pub fn exhaustive(self) -> bool {
        matches!(
            self,
            Backend::Loom
                | Backend::ShuttleDfs
                | Backend::Dpor
                | Backend::Rc11
                | Backend::Portfolio
        )
    }

    /// Does this backend model weak memory (orderings weaker than `SeqCst`)?
    /// loom and rc11 do; shuttle's runtime makes every atomic `SeqCst`.
    pub fn weak_memory(self) -> bool {
        matches!(self, Backend::Loom | Backend::Rc11)
    }

    /// The runtime this backend runs the program on.
    pub fn runtime(self) -> Runtime {
        match self {
            Backend::Real => Runtime::Real,
            Backend::Loom => Runtime::Loom,
            _ => Runtime::Shuttle,
        }
    }

    /// How it chooses schedules.
    pub fn strategy(self) -> Strategy {
        match self {
            Backend::Real => Strategy::Stress,
            Backend::Loom => Strategy::LoomDpor,
            Backend::ShuttleDfs => Strategy::Dfs,
            Backend::ShuttleRandom => Strategy::Random,
            Backend::ShuttlePct => Strategy::Pct,
            Backend::Dpor | Backend::Rc11 => Strategy::Dpor,
            Backend::Fuzz => Strategy::Bytes,
            Backend::Portfolio => Strategy::Portfolio,
        }
    }

    /// Does this backend run on shuttle's runtime?
    pub fn on_shuttle(self) -> bool {
        self.runtime() == Runtime::Shuttle
    }

    /// Does this backend sample schedules (a number of runs, not a search
    /// that ends)? Real runs, random, PCT and fuzz do.
    pub fn sampled(self) -> bool {
        matches!(
            self.strategy(),
            Strategy::Stress | Strategy::Random | Strategy::Pct | Strategy::Bytes
        )
    }

    /// Does [`Config::seed`] choose this backend's schedules? Random, PCT
    /// and fuzz are seeded.
    pub fn seeded(self) -> bool {
        matches!(
            self.strategy(),
            Strategy::Random | Strategy::Pct | Strategy::Bytes
        )
    }

    /// Can a schedule found by this backend be replayed exactly?
    pub fn replayable(self) -> bool {
        self != Backend::Real
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| Error::UnknownBackend(s.to_string()))
    }
}

/// Where a [`Backend`] runs the program: the first of its two choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Runtime {
    /// OS threads (std, crossbeam, tokio, real processes).
    Real,
    /// loom's model of threads and the C++ memory model.
    Loom,
    /// shuttle's model of threads (every atomic sequentially consistent).
    Shuttle,
}

/// How a [`Backend`] chooses schedules: the second of its two choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Run repeatedly; the OS schedules.
    Stress,
    /// loom's own exhaustive search (DPOR, optional preemption bound).
    LoomDpor,
    /// Depth-first over every schedule, no reduction.
    Dfs,
    /// Uniformly random choices, seeded.
    Random,
    /// Probabilistic concurrency testing, seeded.
    Pct,
    /// racetrace's optimal DPOR (wake-up trees, sleep sets).
    Dpor,
    /// Choices from bytes (a seeded PRNG, or libFuzzer).
    Bytes,
    /// Phases of other strategies in a fixed order: dpor under growing
    /// preemption bounds, PCT and random probes, dpor unbounded.
    Portfolio,
}

/// Exactly one schedule, to run again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayToken {
    /// loom explores deterministically: the n-th execution (1-based) of the
    /// same model with the same preemption bound.
    Loom(u64),
    /// shuttle: the scheduling decisions, task by task.
    Shuttle(Vec<Step>),
}

/// One shuttle scheduling decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The task that ran.
    Task(usize),
    /// A random value handed to the program.
    Random(u64),
}

impl fmt::Display for ReplayToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayToken::Loom(n) => write!(f, "loom/{n}"),
            ReplayToken::Shuttle(steps) => {
                f.write_str("shuttle/")?;
                for (i, s) in steps.iter().enumerate() {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    match s {
                        Step::Task(t) => write!(f, "{t}")?,
                        Step::Random(r) => write!(f, "r{r}")?,
                    }
                }
                Ok(())
            }
        }
    }
}

impl FromStr for ReplayToken {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad =
            |why: &str| Error::BadOption(format!("bad schedule token '{}': {why}", truncate(s)));
        let (kind, rest) = s
            .split_once('/')
            .ok_or_else(|| bad("expected loom/N or shuttle/STEPS"))?;
        match kind {
            "loom" => {
                let n: u64 = rest
                    .parse()
                    .map_err(|_| bad("expected an execution number"))?;
                if n == 0 {
                    return Err(bad("executions are numbered from 1"));
                }
                Ok(ReplayToken::Loom(n))
            }
            "shuttle" => {
                let mut steps = Vec::new();
                if !rest.is_empty() {
                    for part in rest.split('.') {
                        let step = if let Some(r) = part.strip_prefix('r') {
                            Step::Random(r.parse().map_err(|_| bad("bad random step"))?)
                        } else {
                            let t: usize = part.parse().map_err(|_| bad("bad task id"))?;
                            if t > 1_000_000 {
                                return Err(bad("task id out of range"));
                            }
                            Step::Task(t)
                        };
                        steps.push(step);
                    }
                }
                Ok(ReplayToken::Shuttle(steps))
            }
            _ => Err(bad("expected loom/N or shuttle/STEPS")),
        }
    }
}

/// A memory size as `--max-memory` and `RACETRACE_MAX_MEMORY` take it: a
/// number (decimals allowed) and a binary unit, `K`, `M`, `G` or `T`,
/// optionally followed by `B` or `iB` (`512M`, `1.5GiB`, `64k`). A bare
/// number is refused, since bytes and megabytes are both plausible readings.
pub fn parse_memory(s: &str) -> Result<u64, Error> {
    let bad = || {
        Error::BadOption(format!(
            "bad memory size '{}': give a number and a unit, as 512M or 4G",
            truncate(s)
        ))
    };
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix("ib"))
        .or_else(|| t.strip_suffix('B'))
        .or_else(|| t.strip_suffix('b'))
        .unwrap_or(t);
    let (num, unit) = t.split_at(t.len().saturating_sub(1));
    let shift = match unit {
        "K" | "k" => 10,
        "M" | "m" => 20,
        "G" | "g" => 30,
        "T" | "t" => 40,
        _ => return Err(bad()),
    };
    let n: f64 = num.trim().parse().map_err(|_| bad())?;
    let bytes = n * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes >= u64::MAX as f64 {
        return Err(bad());
    }
    Ok(bytes as u64)
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// How to explore. Build it with [`Config::new`] and the `with_*` methods, or
/// from the environment with [`Config::from_env`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// The backend. Defaults to `RACETRACE_BACKEND`, else `dpor`.
    pub backend: Backend,
    /// Stop after this many schedules. For `shuttle-random`, `shuttle-pct`,
    /// `fuzz` and `real` this is the number to run (default 1000); for the exhaustive
    /// backends, a bound (default none). Defaults to `RACETRACE_MAX_SCHEDULES`.
    pub max_schedules: Option<u64>,
    /// Stop after this long, also in the middle of a schedule and when
    /// replaying: a watchdog ends the running execution at its next
    /// racetrace operation (it is not counted) and, if that does not come
    /// within about a second, returns the report without it (see
    /// [`Config::stall_timeout`] for what cannot be interrupted). Defaults to
    /// `RACETRACE_MAX_SECONDS`.
    pub max_duration: Option<Duration>,
    /// Stop exploring (bound `stopped: memory budget`) once the process's
    /// resident memory exceeds this many bytes, rather than meet the OOM
    /// killer. Checked by the watchdog about 20 times a second. `None`: the
    /// resident memory when the exploration starts plus half of the
    /// memory available then (`MemAvailable` in `/proc/meminfo`; no
    /// budget where that cannot be read). Defaults to `RACETRACE_MAX_MEMORY`.
    pub max_memory: Option<u64>,
    /// loom and shuttle runtimes: an execution in which the running thread
    /// makes no racetrace operation for this long is stuck — a spin without
    /// `yield_now`, or a std primitive blocking the one OS thread the
    /// checkers run every model thread on. The exploration then ends with
    /// the outcome `no progress` and a bound naming the thread. Such a
    /// thread cannot be interrupted (it is not at a racetrace operation):
    /// the exploration runs on a thread of its own, which is left behind —
    /// spinning or blocked — while the report is returned. Default 10 s;
    /// defaults to `RACETRACE_STALL_SECONDS`.
    pub stall_timeout: Duration,
    /// Operations one execution may record before it ends with the outcome
    /// `step limit` (a livelock or an endless spin). Default
    /// [`MAX_STEPS`], enough for every built-in pattern at its largest
    /// parameters; at most [`LOOM_MAX_STEPS`] under loom. Defaults to
    /// `RACETRACE_MAX_STEPS`.
    pub max_steps: usize,
    /// loom and dpor: at most this many preemptions per execution. Defaults to
    /// `RACETRACE_PREEMPTION_BOUND`.
    pub preemption_bound: Option<usize>,
    /// Seed of the random, PCT and fuzz schedulers. Defaults to `RACETRACE_SEED`, else 0.
    pub seed: u64,
    /// Depth of the PCT scheduler (bugs of depth d are found with probability
    /// at least 1/(n·k^(d-1))). Default 3.
    pub pct_depth: usize,
    /// Stop at the first forbidden outcome.
    pub stop_at_first_violation: bool,
    /// Real threads only: a run still unfinished after this long is reported
    /// as `deadlock (timed out)`. Default 5 s.
    pub real_timeout: Duration,
    /// Run only this schedule. Defaults to `RACETRACE_REPLAY`.
    pub replay: Option<ReplayToken>,
    /// Print a progress line on stderr about once a second (the CLI turns
    /// this on when stderr is a terminal).
    pub progress: bool,
    /// dpor: explore only this part of the exploration tree, one of
    /// [`Shard::total`] disjoint parts whose schedule counts add up to the
    /// whole's (`docs/scale.md`). Defaults to `RACETRACE_SHARD`.
    pub shard: Option<Shard>,
    /// dpor: explore on this many threads. The tree is cut at its prefixes
    /// (its first few choices with alternatives, as 8 shards would cut it,
    /// [`Config::shard`]); every thread enumerates them in the same order
    /// and explores below each one it reaches before any other thread, so
    /// a thread that is done takes the next prefix and the load balances
    /// itself. The merged report has the same schedule count and outcome
    /// table as one thread; each outcome's witness is the one with the
    /// fewest preemptions, the lowest prefix's on a tie, titled with its
    /// prefix and its schedule within it (deterministic, the same for every
    /// `jobs` above 1 and so on every machine, but not always the
    /// one-thread witness). With [`Config::stop_at_first_violation`] the
    /// lowest prefix with a violation decides: the prefixes above it are
    /// stopped and left out. A time limit is one deadline for all. With a
    /// schedule limit the 8 shards themselves are the threads' parts, the
    /// limit shared out evenly among them (so that what the limit keeps
    /// does not depend on which thread was faster). Default 1; defaults to
    /// `RACETRACE_JOBS`; the CLI's default is the machine's available
    /// parallelism, at least 2.
    pub jobs: usize,
    /// loom: write loom's exploration path (its branch points, each with
    /// the alternatives explored and still to explore) to this file every
    /// [`LOOM_CHECKPOINT_EVERY`] executions. Used by the schedule-count
    /// estimate's loom probe ([`crate::explore::Estimate`]); `None` by default.
    #[doc(hidden)]
    pub loom_checkpoint: Option<std::path::PathBuf>,
    /// Stop the exploration when this is set (a shard of a `jobs` run with
    /// a schedule limit that a lower shard's violation made moot).
    #[doc(hidden)]
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// [`Config::jobs`]: first explore the whole tree on one thread for up
    /// to this many schedules, and split it only if that does not decide
    /// ([`JOBS_WHOLE_FIRST`]; tests set 0).
    #[doc(hidden)]
    pub jobs_whole_first: u64,
    /// dpor: explore below this prefix only, numbered as a [`Config::jobs`]
    /// split numbers them (from 0, in the order of the depth-first search
    /// of the tree's first choices): re-runs a split run's witness, whose
    /// title names its prefix and its schedule within it.
    #[doc(hidden)]
    pub prefix: Option<usize>,
    /// [`Config::jobs`]: the prefixes the split's threads have claimed.
    pub(crate) claims: Option<std::sync::Arc<crate::strategy::dpor::Claims>>,
}

/// [`Config::jobs`]: an exploration that ends (or stops at its first
/// violation) within this many schedules runs on one thread, its report
/// that of `jobs` 1; only a larger one is split. Small runs are mostly the
/// shards' prefix, which every shard re-runs, and on a few programs whose
/// executions are cut short (a spin pruned, a deadlock) the prefix's
/// depth-first search counts more executions than dpor does
/// (`docs/scale.md`). Costs those schedules before a split (by their time
/// per schedule): about 0.03 s on `task-done-join`, 0.2 s on indexer(15),
/// whose 4,096 do not split (2,000, tried first, were about half of them).
pub const JOBS_WHOLE_FIRST: u64 = 500;

/// How often (in executions) loom writes [`Config::loom_checkpoint`].
#[doc(hidden)]
pub const LOOM_CHECKPOINT_EVERY: usize = 64;

/// Part `index` (from 1) of `total` of an exploration (`--shard K/N`).
///
/// The first few scheduling choices that have alternatives form the
/// exploration's prefix; dpor enumerates every prefix (each ordering of
/// their steps once, as a depth-first search with sleep sets does) and
/// explores below the prefixes numbered `index`, `index + total`, … in
/// that order. A run counts in the shard of its own prefix only, so the
/// shards' counts and outcome tables add up to the unsharded ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which part, from 1.
    pub index: usize,
    /// How many parts.
    pub total: usize,
}

impl Shard {
    /// Part `index` (1..=`total`) of `total`.
    pub fn new(index: usize, total: usize) -> Result<Shard, Error> {
        if total == 0 || index == 0 || index > total {
            return Err(Error::BadOption(format!(
                "shard {index}/{total}: the part must be between 1 and the number of parts (e.g. 1/4)"
            )));
        }
        Ok(Shard { index, total })
    }

    /// Does this shard own prefix number `prefix` (from 0)?
    pub fn owns(self, prefix: usize) -> bool {
        prefix % self.total == self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

impl FromStr for Shard {
    type Err = Error;
    /// `K/N`, e.g. `2/4`.
    fn from_str(s: &str) -> Result<Shard, Error> {
        let bad = || {
            Error::BadOption(format!(
                "bad shard '{}': expected K/N with 1 <= K <= N, e.g. 1/4",
                s.escape_debug()
            ))
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        Shard::new(k, n).map_err(|_| bad())
    }
}

/// Schedules run by the sampling backends when no count is given.
pub const DEFAULT_SAMPLES: u64 = 1000;

/// The default of [`Config::max_steps`]: operations one execution may
/// record before it is stopped with the outcome `step limit`. No correct
/// variant of a built-in pattern comes near it at its largest parameters
/// (`locked-counter --threads 16 --ops 1000` records about 32,000, the most;
/// `tests/step_limit.rs`), so reaching it means the threads kept running
/// without finishing (a livelock, or a spin loop waiting for something that
/// never happens). Lower than loom's branch limit (racetrace sets it to
/// [`LOOM_MAX_BRANCHES`]) and shuttle's step bound, so racetrace stops the
/// execution before they do.
pub const MAX_STEPS: usize = 100_000;

/// loom's branch limit as racetrace sets it. loom allocates room for every
/// branch of an execution up front, so it stays at loom's own default;
/// under loom the step limit is at most [`LOOM_MAX_STEPS`], well below it.
pub const LOOM_MAX_BRANCHES: usize = 100_000;

/// The most operations an execution may record under loom, whatever
/// [`Config::max_steps`] says: loom takes several branches per operation,
/// and its branch limit ([`LOOM_MAX_BRANCHES`]) ends the exploration, not
/// just the execution. Enough for every pattern loom can run (at most four
/// spawned threads: `locked-counter --threads 4 --ops 1000` records about
/// 8,000).
pub const LOOM_MAX_STEPS: usize = 20_000;

/// The default of [`Config::stall_timeout`].
pub const STALL_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for Config {
    fn default() -> Self {
        Config::new(Backend::Loom)
    }
}

impl Config {
    /// A configuration for `backend` with default bounds (no environment).
    pub fn new(backend: Backend) -> Config {
        Config {
            backend,
            max_schedules: None,
            max_duration: None,
            preemption_bound: None,
            seed: 0,
            pct_depth: 3,
            stop_at_first_violation: false,
            real_timeout: Duration::from_secs(5),
            replay: None,
            progress: false,
            max_memory: None,
            stall_timeout: STALL_TIMEOUT,
            max_steps: MAX_STEPS,
            shard: None,
            jobs: 1,
            loom_checkpoint: None,
            cancel: None,
            jobs_whole_first: JOBS_WHOLE_FIRST,
            prefix: None,
            claims: None,
        }
    }

    /// The default configuration, overridden by the `RACETRACE_*` variables.
    ///
    /// Never panics: a variable that is set but not valid UTF-8, does not
    /// parse, or is out of range (`RACETRACE_MAX_SCHEDULES=0`;
    /// `RACETRACE_MAX_SECONDS` not a positive, finite number of seconds that
    /// fits a deadline) is an [`Error::BadEnv`] naming it.
    pub fn from_env() -> Result<Config, Error> {
        fn var<T: FromStr>(name: &'static str) -> Result<Option<T>, Error> {
            match std::env::var(name) {
                Ok(v) => v.trim().parse().map(Some).map_err(|_| Error::BadEnv {
                    var: name,
                    value: v,
                }),
                Err(std::env::VarError::NotPresent) => Ok(None),
                Err(std::env::VarError::NotUnicode(v)) => Err(Error::BadEnv {
                    var: name,
                    value: v.to_string_lossy().into_owned(),
                }),
            }
        }
        let mut c = Config::new(Backend::Dpor);
        if let Some(b) = var::<String>(ENV_BACKEND)? {
            c.backend = b.parse().map_err(|_| Error::BadEnv {
                var: ENV_BACKEND,
                value: b,
            })?;
        }
        c.max_schedules = var(ENV_MAX_SCHEDULES)?;
        if c.max_schedules == Some(0) {
            return Err(Error::BadEnv {
                var: ENV_MAX_SCHEDULES,
                value: std::env::var(ENV_MAX_SCHEDULES).unwrap_or_default(),
            });
        }
        if let Some(secs) = var::<f64>(ENV_MAX_SECONDS)? {
            // `Duration::from_secs_f64` panics on a negative, NaN or huge
            // value, and `Instant + Duration` on one past the clock's range.
            match Duration::try_from_secs_f64(secs) {
                Ok(d) if secs > 0.0 && std::time::Instant::now().checked_add(d).is_some() => {
                    c.max_duration = Some(d);
                }
                _ => {
                    return Err(Error::BadEnv {
                        var: ENV_MAX_SECONDS,
                        value: std::env::var(ENV_MAX_SECONDS).unwrap_or_default(),
                    });
                }
            }
        }
        if let Some(m) = var::<String>(ENV_MAX_MEMORY)? {
            c.max_memory = Some(parse_memory(&m).map_err(|_| Error::BadEnv {
                var: ENV_MAX_MEMORY,
                value: m,
            })?);
        }
        if let Some(secs) = var::<f64>(ENV_STALL_SECONDS)? {
            match Duration::try_from_secs_f64(secs) {
                Ok(d) if secs > 0.0 && std::time::Instant::now().checked_add(d).is_some() => {
                    c.stall_timeout = d;
                }
                _ => {
                    return Err(Error::BadEnv {
                        var: ENV_STALL_SECONDS,
                        value: std::env::var(ENV_STALL_SECONDS).unwrap_or_default(),
                    });
                }
            }
        }
        if let Some(n) = var::<usize>(ENV_MAX_STEPS)? {
            if n == 0 {
                return Err(Error::BadEnv {
                    var: ENV_MAX_STEPS,
                    value: "0".into(),
                });
            }
            c.max_steps = n;
        }
        c.preemption_bound = var(ENV_PREEMPTION_BOUND)?;
        if let Some(n) = var::<usize>(ENV_JOBS)? {
            if n == 0 {
                return Err(Error::BadEnv {
                    var: ENV_JOBS,
                    value: "0".into(),
                });
            }
            c.jobs = n;
        }
        if let Some(v) = var::<String>(ENV_SHARD)? {
            c.shard = Some(v.parse().map_err(|_| Error::BadEnv {
                var: ENV_SHARD,
                value: v,
            })?);
        }
        c.seed = var(ENV_SEED)?.unwrap_or(0);
        // `NAME=TOKEN` is for the check named NAME (see `harness`), not here.
        if let Ok(r) = std::env::var(ENV_REPLAY)
            && !r.contains('=')
        {
            c.replay = Some(r.parse().map_err(|_| Error::BadEnv {
                var: ENV_REPLAY,
                value: r,
            })?);
        }
        Ok(c)
    }

    /// Set the backend.
    pub fn with_backend(mut self, b: Backend) -> Self {
        self.backend = b;
        self
    }
    /// Set [`Config::max_schedules`].
    pub fn with_max_schedules(mut self, n: u64) -> Self {
        self.max_schedules = Some(n);
        self
    }
    /// Set [`Config::preemption_bound`].
    pub fn with_preemption_bound(mut self, k: usize) -> Self {
        self.preemption_bound = Some(k);
        self
    }
    /// Set [`Config::jobs`].
    pub fn with_jobs(mut self, n: usize) -> Self {
        self.jobs = n;
        self
    }
    /// Set [`Config::shard`].
    pub fn with_shard(mut self, shard: Shard) -> Self {
        self.shard = Some(shard);
        self
    }
    /// Set [`Config::seed`].
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Set [`Config::max_duration`].
    pub fn with_max_duration(mut self, d: Duration) -> Self {
        self.max_duration = Some(d);
        self
    }
    /// Set [`Config::max_memory`], in bytes.
    pub fn with_max_memory(mut self, bytes: u64) -> Self {
        self.max_memory = Some(bytes);
        self
    }
    /// Set [`Config::stall_timeout`].
    pub fn with_stall_timeout(mut self, d: Duration) -> Self {
        self.stall_timeout = d;
        self
    }
    /// Set [`Config::max_steps`].
    pub fn with_max_steps(mut self, n: usize) -> Self {
        self.max_steps = n;
        self
    }
    /// Set [`Config::stop_at_first_violation`].
    pub fn stop_at_first_violation(mut self) -> Self {
        self.stop_at_first_violation = true;
        self
    }

    /// Check that the options fit the backend, and that the environment
    /// will not make a backend panic.
    ///
    /// `SHUTTLE_RANDOM_SEED`, when set, must be a `u64`: shuttle reads it
    /// (racetrace's panic hook starts one shuttle run before any backend) and
    /// panics on anything else, so any other value is refused here, whatever
    /// the backend, as an [`Error::BadEnv`] naming it.
    pub fn validate(&self) -> Result<(), Error> {
        const ENV_SHUTTLE_RANDOM_SEED: &str = "SHUTTLE_RANDOM_SEED";
        if let Some(v) = std::env::var_os(ENV_SHUTTLE_RANDOM_SEED) {
            // Exactly shuttle's parse (`str::parse::<u64>`, no trimming); a
            // value that is not UTF-8 shuttle ignores.
            if let Some(s) = v.to_str()
                && s.parse::<u64>().is_err()
            {
                return Err(Error::BadEnv {
                    var: ENV_SHUTTLE_RANDOM_SEED,
                    value: s.to_string(),
                });
            }
        }
        if let Some(d) = self.max_duration
            && std::time::Instant::now().checked_add(d).is_none()
        {
            return Err(Error::BadOption(format!(
                "--max-seconds {} is too long: the deadline does not fit the clock",
                d.as_secs_f64()
            )));
        }
        if self.preemption_bound.is_some()
            && !matches!(self.backend, Backend::Loom | Backend::Dpor | Backend::Rc11)
        {
            return Err(Error::BadOption(format!(
                "--preemption-bound applies to the loom, dpor and rc11 backends only, not {}",
                self.backend
            )));
        }
        if self.shard.is_some() && self.backend != Backend::Dpor {
            return Err(Error::BadOption(format!(
                "--shard applies to the dpor backend only (it splits dpor's exploration tree), not {}",
                self.backend
            )));
        }
        if self.jobs == 0 {
            return Err(Error::BadOption("--jobs must be at least 1".into()));
        }
        if self.jobs > 1 && self.backend != Backend::Dpor {
            return Err(Error::BadOption(format!(
                "--jobs applies to the dpor backend only (it shares dpor's exploration tree out), not {}",
                self.backend
            )));
        }
        if self.jobs > 1 && self.shard.is_some() {
            return Err(Error::BadOption(
                "--jobs runs every shard of the exploration on this machine; --shard runs one: give one or the other".into(),
            ));
        }
        if self.prefix.is_some()
            && (self.backend != Backend::Dpor || self.shard.is_some() || self.jobs > 1)
        {
            return Err(Error::BadOption(
                "a prefix of a split run applies to a dpor run on one thread, not with a shard or jobs"
                    .into(),
            ));
        }
        if self.shard.is_some() && self.replay.is_some() {
            return Err(Error::BadOption(
                "--shard explores part of a tree; a replay runs one schedule: give one or the other"
                    .into(),
            ));
        }
        if self.max_schedules == Some(0) {
            return Err(Error::BadOption(
                "--max-schedules must be at least 1".into(),
            ));
        }
        if self.max_steps == 0 {
            return Err(Error::BadOption("the step limit must be at least 1".into()));
        }
        if self.max_memory == Some(0) {
            return Err(Error::BadOption("--max-memory must be more than 0".into()));
        }
        if self.stall_timeout.is_zero()
            || std::time::Instant::now()
                .checked_add(self.stall_timeout)
                .is_none()
        {
            return Err(Error::BadOption(
                "the stall timeout must be positive and fit the clock".into(),
            ));
        }
        if self.pct_depth == 0 {
            return Err(Error::BadOption("the PCT depth must be at least 1".into()));
        }
        match (&self.replay, self.backend) {
            (None, _) => Ok(()),
            // A token does not say which phase ran it (and so whether
            // dpor's scheduling points were in it).
            (Some(t), Backend::Portfolio) => Err(Error::BadOption(format!(
                "schedule '{t}' cannot be replayed on backend portfolio: replay it on the backend of the phase that found it (the witness and its trace file name it)"
            ))),
            (Some(ReplayToken::Loom(_)), Backend::Loom) => Ok(()),
            (Some(ReplayToken::Shuttle(_)), b) if b.on_shuttle() => Ok(()),
            (Some(t), b) => Err(Error::BadOption(format!(
                "schedule '{t}' cannot be replayed on backend {b}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_need_a_unit() {
        assert_eq!(parse_memory("512M").unwrap(), 512 << 20);
        assert_eq!(parse_memory("4G").unwrap(), 4 << 30);
        assert_eq!(parse_memory("1.5GiB").unwrap(), 3 << 29);
        assert_eq!(parse_memory(" 64kB ").unwrap(), 64 << 10);
        for bad in [
            "", "512", "M", "-1G", "nanG", "infG", "0M", "1X", "1e30T", "G4",
        ] {
            assert!(parse_memory(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_backend_either_searches_exhaustively_or_samples() {
        for b in Backend::ALL {
            assert_ne!(b.exhaustive(), b.sampled(), "{b}");
        }
    }

    #[test]
    fn a_seeded_backend_samples_on_shuttle() {
        for b in Backend::ALL.into_iter().filter(|b| b.seeded()) {
            assert!(b.sampled() && b.on_shuttle(), "{b}");
        }
    }

    #[test]
    fn runtime_strategy_and_memory_model_name_each_backend_once() {
        let mut seen = std::collections::HashSet::new();
        for b in Backend::ALL {
            assert!(
                seen.insert((b.runtime(), b.strategy(), b.weak_memory())),
                "{b}"
            );
            assert_eq!(b.on_shuttle(), b.runtime() == Runtime::Shuttle);
            assert_eq!(b.replayable(), b.runtime() != Runtime::Real);
        }
    }
}
