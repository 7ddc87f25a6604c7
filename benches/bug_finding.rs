//! The bug-finding table: `cargo bench --bench bug_finding [-- --write] [PATTERN…]`.
//!
//! For every variant of every registered pattern (`patterns::all()`, so a
//! pattern registered later is measured without touching this file), at its
//! default parameters, every search strategy runs until the first forbidden
//! outcome or its cap:
//!
//! * exhaustive searches — `dpor`, loom with preemption bounds 0, 1, 2, 3 and
//!   unbounded, `shuttle-dfs` — once each;
//! * seeded searches — `shuttle-random`, `shuttle-pct` (depth 3), `fuzz` —
//!   once per seed, [`SEEDS`] seeds;
//! * stress testing — `real` threads, [`REAL_RUNS`] runs, counting the runs
//!   that show the bug;
//! * the `portfolio` backend (bounded dpor, PCT and random probes, then
//!   dpor unbounded), once, capped as the exhaustive searches.
//!
//! A buggy variant's row says how many schedules (and how long) each strategy
//! took to its first violation; "not found" is a result. A correct variant
//! must show no violation under any strategy: if one does, the bench prints
//! it and exits with an error (a bug in racetrace or in the variant).
//!
//! `--write` puts the tables in `docs/bug-finding.md`, between the
//! `<!-- bench: begin -->` and `<!-- bench: end -->` markers (the page's other
//! text is kept). Other arguments keep only the patterns they name (printed,
//! not written: `--write` needs the whole registry). `--sctbench` measures
//! the SCTBench-style programs (`racetrace_patterns::sctbench::all()`)
//! instead, and `--sctbench --write` puts their tables between the
//! `<!-- sctbench: begin -->` and `<!-- sctbench: end -->` markers.

use racetrace::{Backend, Config, Error, Report};
use racetrace_patterns::spec::Expect;
use racetrace_patterns::{self as patterns, Params, Pattern, Variant};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

/// Exhaustive searches stop after this many schedules…
const EXHAUSTIVE_SCHEDULES: u64 = 20_000;
/// …or this long.
const EXHAUSTIVE_TIME: Duration = Duration::from_secs(5);
/// Seeds per seeded strategy.
const SEEDS: u64 = 20;
/// Each seed of a seeded search stops after this many schedules…
const SEEDED_SCHEDULES: u64 = 2_000;
/// …or this long.
const SEEDED_TIME: Duration = Duration::from_secs(1);
/// A correct variant's seeded searches run this many schedules per seed.
const CORRECT_SEEDED_SCHEDULES: u64 = 250;
/// Runs on real threads…
const REAL_RUNS: u64 = 1_000;
/// …within this long.
const REAL_TIME: Duration = Duration::from_secs(3);
/// A real run not finished after this long counts as a deadlock (and ends the stress test).
const REAL_TIMEOUT: Duration = Duration::from_secs(2);

const BEGIN: &str = "<!-- bench: begin -->";
const END: &str = "<!-- bench: end -->";
const SCT_BEGIN: &str = "<!-- sctbench: begin -->";
const SCT_END: &str = "<!-- sctbench: end -->";

/// One search strategy.
#[derive(Clone, Copy, PartialEq)]
enum Strategy {
    Dpor,
    Loom(Option<usize>),
    ShuttleDfs,
    Random,
    Pct,
    Fuzz,
    Real,
    Portfolio,
}

const STRATEGIES: [Strategy; 12] = [
    Strategy::Dpor,
    Strategy::Loom(Some(0)),
    Strategy::Loom(Some(1)),
    Strategy::Loom(Some(2)),
    Strategy::Loom(Some(3)),
    Strategy::Loom(None),
    Strategy::ShuttleDfs,
    Strategy::Random,
    Strategy::Pct,
    Strategy::Fuzz,
    Strategy::Real,
    Strategy::Portfolio,
];

impl Strategy {
    fn name(self) -> String {
        match self {
            Strategy::Dpor => "dpor".into(),
            Strategy::Loom(Some(k)) => format!("loom pb {k}"),
            Strategy::Loom(None) => "loom".into(),
            Strategy::ShuttleDfs => "shuttle-dfs".into(),
            Strategy::Random => "shuttle-random".into(),
            Strategy::Pct => "shuttle-pct".into(),
            Strategy::Fuzz => "fuzz".into(),
            Strategy::Real => "real".into(),
            Strategy::Portfolio => "portfolio".into(),
        }
    }

    fn seeded(self) -> bool {
        matches!(self, Strategy::Random | Strategy::Pct | Strategy::Fuzz)
    }

    /// The configurations to run: one, or one per seed.
    fn configs(self, buggy: bool) -> Vec<Config> {
        let exhaustive = |b: Backend| {
            let mut c = Config::new(b).with_max_schedules(EXHAUSTIVE_SCHEDULES);
            c.max_duration = Some(EXHAUSTIVE_TIME);
            c.stop_at_first_violation = true;
            c
        };
        let per_seed = if buggy {
            SEEDED_SCHEDULES
        } else {
            CORRECT_SEEDED_SCHEDULES
        };
        let seeded = |b: Backend| {
            (0..SEEDS)
                .map(|s| {
                    let mut c = Config::new(b).with_max_schedules(per_seed).with_seed(s);
                    c.max_duration = Some(SEEDED_TIME);
                    c.stop_at_first_violation = true;
                    c
                })
                .collect()
        };
        match self {
            Strategy::Dpor => vec![exhaustive(Backend::Dpor)],
            Strategy::Loom(k) => {
                let mut c = exhaustive(Backend::Loom);
                c.preemption_bound = k;
                vec![c]
            }
            Strategy::ShuttleDfs => vec![exhaustive(Backend::ShuttleDfs)],
            Strategy::Portfolio => vec![exhaustive(Backend::Portfolio)],
            Strategy::Random => seeded(Backend::ShuttleRandom),
            Strategy::Pct => seeded(Backend::ShuttlePct),
            Strategy::Fuzz => seeded(Backend::Fuzz),
            Strategy::Real => {
                // Not stopped at the first violation: the point is how many
                // of the runs show the bug.
                let mut c = Config::new(Backend::Real).with_max_schedules(REAL_RUNS);
                c.max_duration = Some(REAL_TIME);
                c.real_timeout = REAL_TIMEOUT;
                vec![c]
            }
        }
    }
}

/// One search's result.
#[derive(Clone, Debug)]
struct Run {
    /// Schedules run (up to and including the first violation, if any).
    schedules: u64,
    /// The schedule of the first violation (1-based), if one was found.
    first: Option<u64>,
    /// Schedules that showed a violation (real threads: runs).
    violating: u64,
    /// The search covered every schedule (within its preemption bound).
    complete: bool,
    /// The outcome of the first violation.
    outcome: Option<String>,
    /// The first violation's preemptions, and the portfolio phase that found it.
    preemptions: Option<usize>,
    phase: Option<String>,
    /// Portfolio: the largest bound dpor had finished without a violation
    /// before the witness's phase.
    clean: Option<usize>,
    time: Duration,
}

impl Run {
    fn of(r: &Report) -> Run {
        let w = r.first_violation();
        Run {
            schedules: r.schedules,
            first: w.map(|w| w.schedule),
            violating: r.violations().map(|o| o.schedules).sum(),
            complete: r.complete,
            outcome: w.map(|w| w.trace.outcome.clone()),
            preemptions: w.map(|w| w.trace.preemptions),
            phase: w.and_then(|w| w.phase.as_ref()).map(|p| {
                let found = match (p.backend, p.preemption_bound, p.seed) {
                    (b, Some(k), _) => format!("{b} pb {k}"),
                    (b, None, Some(s)) => format!("{b} seed {s}"),
                    (b, None, None) => format!("{b} unbounded"),
                };
                match p.shrunk_from {
                    Some(k) => format!("{found}, shrunk from {k}"),
                    None => found,
                }
            }),
            clean: w.and_then(|w| w.phase.as_ref()).and_then(|p| p.clean_bound),
            time: r.elapsed,
        }
    }
}

/// A strategy's results on one variant: one run per configuration, or why it could not run.
type Cell = Result<Vec<Run>, String>;

fn measure(p: &'static Pattern, v: &'static Variant, params: &Params, s: Strategy) -> Cell {
    let buggy = matches!(v.spec.expect, Expect::Bug(_));
    let mut runs = Vec::new();
    for c in s.configs(buggy) {
        match patterns::explore(p, v, params, &c) {
            Ok(r) => runs.push(Run::of(&r)),
            Err(patterns::Error::Config(Error::TooManyThreads { needed, limit })) => {
                return Err(format!("n/a ({needed} threads > {limit})"));
            }
            Err(e) => return Err(format!("n/a ({e})")),
        }
    }
    Ok(runs)
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn dur(d: Duration) -> String {
    let us = d.as_micros();
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{:.1} ms", us as f64 / 1e3)
    } else {
        format!("{:.2} s", us as f64 / 1e6)
    }
}

/// "Not found" in words: exhausted (complete within bound) or capped.
fn not_found(r: &Run) -> String {
    if r.complete {
        format!("none (all {})", thousands(r.schedules))
    } else {
        format!("✗ > {}", thousands(r.schedules))
    }
}

/// The schedules cell of a buggy variant.
fn schedules_cell(s: Strategy, cell: &Cell) -> String {
    let runs = match cell {
        Err(e) => return e.clone(),
        Ok(r) => r,
    };
    if s == Strategy::Real {
        let r = &runs[0];
        return format!("{}/{} runs", r.violating, r.schedules);
    }
    if !s.seeded() {
        let r = &runs[0];
        return match r.first {
            Some(k) => thousands(k),
            None => not_found(r),
        };
    }
    let (found, med, worst) = seeded_stats(runs, |r| r.first.map(|k| k as f64));
    let fmt = |x: Option<f64>| match x {
        Some(k) => thousands(k as u64),
        None => "✗".to_string(),
    };
    let mut out = format!("{} / {}", fmt(med), fmt(worst));
    if found < runs.len() {
        let _ = write!(out, " ({found}/{} seeds)", runs.len());
    }
    out
}

/// The time cell of a buggy variant.
fn time_cell(s: Strategy, cell: &Cell) -> String {
    let runs = match cell {
        Err(e) => return e.clone(),
        Ok(r) => r,
    };
    if s == Strategy::Real {
        let r = &runs[0];
        return format!("{} for {}", dur(r.time), thousands(r.schedules));
    }
    if !s.seeded() {
        let r = &runs[0];
        return match r.first {
            Some(_) => dur(r.time),
            None => format!("✗ {}", dur(r.time)),
        };
    }
    let (_, med, worst) = seeded_stats(runs, |r| r.first.map(|_| r.time.as_secs_f64()));
    let fmt = |x: Option<f64>| match x {
        Some(t) => dur(Duration::from_secs_f64(t)),
        None => "✗".to_string(),
    };
    format!("{} / {}", fmt(med), fmt(worst))
}

/// (seeds that found the bug, median, worst) of `key` over the seeds; a seed
/// that did not find the bug counts as worse than any that did, so the median
/// is `None` when half or more missed.
fn seeded_stats(
    runs: &[Run],
    key: impl Fn(&Run) -> Option<f64>,
) -> (usize, Option<f64>, Option<f64>) {
    let mut ks: Vec<Option<f64>> = runs.iter().map(key).collect();
    ks.sort_by(|a, b| match (a, b) {
        (Some(x), Some(y)) => x.total_cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let found = ks.iter().filter(|k| k.is_some()).count();
    let med = ks[(ks.len() - 1) / 2];
    let worst = *ks.last().unwrap();
    (found, med, worst)
}

/// A buggy variant's "cost" under a strategy, to name the winner: schedules
/// to the first violation (median for the seeded ones); `None` if missed.
fn cost(s: Strategy, cell: &Cell) -> Option<f64> {
    let runs = cell.as_ref().ok()?;
    match s {
        Strategy::Real => None,
        _ if s.seeded() => seeded_stats(runs, |r| r.first.map(|k| k as f64)).1,
        _ => runs[0].first.map(|k| k as f64),
    }
}

struct Row {
    pattern: &'static str,
    variant: &'static str,
    bug: &'static str,
    cells: Vec<Cell>,
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines().find(|l| l.starts_with("MemTotal")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<u64>().ok())
            })
        })
        .map_or_else(String::new, |kb| {
            format!(", {} GiB", (kb + (1 << 19)) >> 20)
        });
    let rustc = command("rustc", &["--version"]).unwrap_or_else(|| "rustc ?".into());
    format!(
        "{cores} cores ({cpu}){mem}, {rustc}, {}",
        std::env::consts::OS
    )
}

fn command(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn main() {
    let mut write = false;
    let mut sct = false;
    let mut only = Vec::new();
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--write" => write = true,
            "--sctbench" => sct = true,
            "--bench" => {}
            s if s.starts_with('-') => {}
            s => only.push(s.to_string()),
        }
    }
    if write && !only.is_empty() {
        eprintln!("bug_finding: --write regenerates the whole table; run it without pattern names");
        std::process::exit(2);
    }
    let registry = if sct {
        patterns::sctbench::all()
    } else {
        patterns::all()
    };
    let (begin, end) = if sct {
        (SCT_BEGIN, SCT_END)
    } else {
        (BEGIN, END)
    };
    let chosen: Vec<&'static Pattern> = registry
        .iter()
        .copied()
        .filter(|p| only.is_empty() || only.iter().any(|o| o == p.name))
        .collect();
    if chosen.is_empty() {
        eprintln!("bug_finding: no pattern named {}", only.join(", "));
        std::process::exit(2);
    }
    let started = Instant::now();
    let load_before = load();
    let mut buggy = Vec::new();
    let mut correct = Vec::new();
    let mut broken = Vec::new();
    for p in &chosen {
        let params = p.params(&[]).expect("default parameters are valid");
        for v in p.variants {
            let t = Instant::now();
            let cells: Vec<Cell> = STRATEGIES
                .iter()
                .map(|s| measure(p, v, &params, *s))
                .collect();
            eprintln!("{}/{}: {}", p.name, v.name, dur(t.elapsed()));
            match v.spec.expect {
                Expect::Bug(bug) => buggy.push(Row {
                    pattern: p.name,
                    variant: v.name,
                    bug,
                    cells,
                }),
                Expect::Holds => {
                    for (s, c) in STRATEGIES.iter().zip(&cells) {
                        for (i, r) in c.iter().flatten().enumerate() {
                            if let Some(o) = &r.outcome {
                                let seed = if s.seeded() {
                                    format!(" seed {i}")
                                } else {
                                    String::new()
                                };
                                broken.push(format!(
                                    "{}/{} under {}{seed}: forbidden outcome '{o}' at schedule {}",
                                    p.name,
                                    v.name,
                                    s.name(),
                                    r.first.unwrap_or(0)
                                ));
                            }
                        }
                    }
                    correct.push(Row {
                        pattern: p.name,
                        variant: v.name,
                        bug: "",
                        cells,
                    });
                }
            }
        }
    }
    let total = started.elapsed();
    let text = render(&buggy, &correct, total, &load_before, sct);
    println!("{text}");
    if write {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/bug-finding.md");
        let page = std::fs::read_to_string(&path).unwrap_or_default();
        let new = match (page.find(begin), page.find(end)) {
            (Some(b), Some(e)) if b < e => {
                format!("{}{begin}\n{text}{}", &page[..b], &page[e..])
            }
            _ => format!("{page}\n{begin}\n{text}{end}\n"),
        };
        std::fs::write(&path, new).expect("docs/bug-finding.md is writable");
        eprintln!("wrote {}", path.display());
    }
    if !broken.is_empty() {
        eprintln!("\nbug_finding: CORRECT VARIANTS SHOWED VIOLATIONS:");
        for b in &broken {
            eprintln!("  {b}");
        }
        std::process::exit(1);
    }
}

fn render(buggy: &[Row], correct: &[Row], total: Duration, load_before: &str, sct: bool) -> String {
    let mut o = String::new();
    let date = command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_else(|| "?".into());
    let _ = writeln!(
        o,
        "Measured by `cargo bench --bench bug_finding -- {}--write` on {date}, on {}; \
         the whole bench took {} (load average {load_before} at the start, {} at the end).\n",
        if sct { "--sctbench " } else { "" },
        machine(),
        dur(total),
        load()
    );
    let _ = writeln!(
        o,
        "Caps: exhaustive searches (dpor, loom, shuttle-dfs, portfolio) stop at {} schedules or {}; \
         seeded searches (shuttle-random, shuttle-pct with depth 3, fuzz) run seeds 0–{} and \
         each seed stops at {} schedules or {} ({} per seed for a correct variant); \
         real threads: {} runs or {}, a run unfinished after {} counting as a deadlock. \
         Every variant runs at its default parameters.\n",
        thousands(EXHAUSTIVE_SCHEDULES),
        dur(EXHAUSTIVE_TIME),
        SEEDS - 1,
        thousands(SEEDED_SCHEDULES),
        dur(SEEDED_TIME),
        thousands(CORRECT_SEEDED_SCHEDULES),
        thousands(REAL_RUNS),
        dur(REAL_TIME),
        dur(REAL_TIMEOUT),
    );
    let header = |o: &mut String, first: &str| {
        let _ = write!(o, "| {first} |");
        for s in STRATEGIES {
            let _ = write!(o, " {} |", s.name());
        }
        let _ = write!(o, "\n|---|");
        for _ in STRATEGIES {
            let _ = write!(o, "---|");
        }
        o.push('\n');
    };
    let _ = writeln!(
        o,
        "### Schedules to the first violation\n\n\
         A number is the schedule (1-based) on which the strategy first reached a forbidden \
         outcome; for the seeded strategies, median / worst over the seeds (a seed that missed \
         counts as worst; ✗ when half or more missed). `none (all N)`: the search was complete \
         (within its preemption bound) and never saw the bug. `✗ > N`: not found within the cap. \
         real: runs that showed the bug / runs made.\n"
    );
    header(&mut o, "variant (bug)");
    for r in buggy {
        let _ = write!(o, "| {} `{}` ({}) |", r.pattern, r.variant, r.bug);
        for (s, c) in STRATEGIES.iter().zip(&r.cells) {
            let _ = write!(o, " {} |", schedules_cell(*s, c));
        }
        o.push('\n');
    }
    let _ = writeln!(
        o,
        "\n### Time to the first violation\n\n\
         Wall clock of the search up to and including the violating schedule (median / worst over \
         the seeds for the seeded strategies); ✗ marks the time spent without finding it. real: \
         the time for all its runs.\n"
    );
    header(&mut o, "variant");
    for r in buggy {
        let _ = write!(o, "| {} `{}` |", r.pattern, r.variant);
        for (s, c) in STRATEGIES.iter().zip(&r.cells) {
            let _ = write!(o, " {} |", time_cell(*s, c));
        }
        o.push('\n');
    }

    // Who wins.
    let _ = writeln!(
        o,
        "\n### Found, and fewest schedules\n\n\
         For each strategy: the bugs it found within its cap (seeded: by at least one seed / by \
         every seed), and the bugs on which it needed the fewest schedules to the first \
         violation (median for the seeded strategies; ties count for each).\n"
    );
    let _ = writeln!(
        o,
        "| strategy | bugs found | fewest schedules |\n|---|---|---|"
    );
    let n = buggy.len();
    let best: Vec<Option<f64>> = buggy
        .iter()
        .map(|r| {
            STRATEGIES
                .iter()
                .zip(&r.cells)
                .filter_map(|(s, c)| cost(*s, c))
                .min_by(f64::total_cmp)
        })
        .collect();
    for (i, s) in STRATEGIES.iter().enumerate() {
        let mut any = 0;
        let mut all = 0;
        let mut wins = 0;
        for (r, b) in buggy.iter().zip(&best) {
            if let Ok(runs) = &r.cells[i] {
                let found = runs
                    .iter()
                    .filter(|x| x.first.is_some() || x.violating > 0)
                    .count();
                any += usize::from(found > 0);
                all += usize::from(found == runs.len());
            }
            if let (Some(c), Some(b)) = (cost(*s, &r.cells[i]), b)
                && c <= *b
            {
                wins += 1;
            }
        }
        let found = if s.seeded() {
            format!("{any}/{n} / {all}/{n}")
        } else {
            format!("{any}/{n}")
        };
        let wins = if *s == Strategy::Real {
            "—".to_string()
        } else {
            format!("{wins}/{n}")
        };
        let _ = writeln!(o, "| {} | {found} | {wins} |", s.name());
    }

    if let Some(i) = STRATEGIES.iter().position(|s| *s == Strategy::Portfolio) {
        let _ = writeln!(
            o,
            "\n### The portfolio's witnesses\n\n\
             The schedule of the first violation, counted over all its phases; the schedules \
             and time in all (after a violation found by a probe, dpor looks for one with fewer \
             preemptions within the next bounds, in as many schedules again); the witness's \
             preemptions (as its trace counts them; when they were not shown to be the fewest, \
             the witness is shrunk: preemptions taken out one at a time while it still \
             violates, at most 200 executions); whether they are the fewest possible — \
             `yes` when none are needed or dpor had finished every smaller bound without a \
             violation (dpor under a bound reaches every outcome within it, checked against shuttle-dfs in \
             `tests/preemption_bound.rs`), else `not shown` (shrinking finds fewer, it \
             proves nothing); and the phase that found it \
             (`shrunk from K`: the preemptions of that phase's schedule).\n\n\
             | variant | first violation | schedules in all | time in all | preemptions | fewest | found by |\n\
             |---|---|---|---|---|---|---|"
        );
        for r in buggy {
            let _ = write!(o, "| {} `{}` |", r.pattern, r.variant);
            match &r.cells[i] {
                Ok(runs) if runs[0].first.is_some() => {
                    let x = &runs[0];
                    let fewest = match (x.preemptions, x.clean) {
                        (Some(0), _) => "yes",
                        (Some(p), Some(c)) if c + 1 >= p => "yes",
                        _ => "not shown",
                    };
                    let _ = writeln!(
                        o,
                        " {} | {} | {} | {} | {fewest} | {} |",
                        x.first.map_or("?".into(), thousands),
                        thousands(x.schedules),
                        dur(x.time),
                        x.preemptions.map_or("?".into(), |p| p.to_string()),
                        x.phase.as_deref().unwrap_or("?")
                    );
                }
                Ok(runs) => {
                    let _ = writeln!(
                        o,
                        " ✗ | {} | {} | — | — | — |",
                        thousands(runs[0].schedules),
                        dur(runs[0].time)
                    );
                }
                Err(e) => {
                    let _ = writeln!(o, " {e} | | | | | |");
                }
            }
        }
    }

    let _ = writeln!(
        o,
        "\n### Correct variants: schedules explored, no violation\n\n\
         Every strategy ran to its cap (or to the end of a complete search) and saw no forbidden \
         outcome (the bench fails otherwise). Seeded strategies: schedules summed over the seeds.\n"
    );
    header(&mut o, "variant");
    for r in correct {
        let _ = write!(o, "| {} `{}` |", r.pattern, r.variant);
        for (s, c) in STRATEGIES.iter().zip(&r.cells) {
            let cell = match c {
                Err(e) => e.clone(),
                Ok(runs) => {
                    let total: u64 = runs.iter().map(|x| x.schedules).sum();
                    let bad = runs.iter().any(|x| x.first.is_some() || x.violating > 0);
                    let complete = !s.seeded() && *s != Strategy::Real && runs[0].complete;
                    match (bad, complete) {
                        (true, _) => format!("**VIOLATION** ({})", thousands(total)),
                        (false, true) => format!("{} (all)", thousands(total)),
                        (false, false) => thousands(total),
                    }
                }
            };
            let _ = write!(o, " {cell} |");
        }
        o.push('\n');
    }
    o
}
