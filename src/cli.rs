//! The command line: parse, call the library, print. Nothing else.

use clap::{Args, Parser, Subcommand};
use racetrace::{Backend, Config, Report};
use racetrace_patterns::replay::TraceFile;
use racetrace_patterns::{self as patterns, CheckRow, Pattern};
use racetrace_report::{diagram, html, junit, out_dir};
use std::fmt;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

const AFTER_HELP: &str = "\
Exit status:
  0  success: check found every variant as specified; explore found no violation;
     replay reproduced the saved trace; outcomes ran (with --deny-forbidden:
     and reached no forbidden outcome)
  1  check found a variant not as specified; explore found a violation;
     replay produced a different trace; outcomes --deny-forbidden reached a
     forbidden outcome
  2  usage error or bad input (unknown pattern, bad flag or number, a parameter
     given twice, a malformed or edited trace file, a bad environment variable)

On exit 2, standard error has exactly one line: `racetrace: ` and the reason.
Control characters in it (from arguments, trace files or the environment)
are shown escaped (\\n, \\t, \\u{1b}), so it is always one line.

Environment: this command takes its settings from flags, not from the
library's RACETRACE_BACKEND, RACETRACE_SEED, ... variables. SHUTTLE_RANDOM_SEED,
if set, overrides the seed inside shuttle and must be an unsigned 64-bit
integer (anything else: exit 2). RACETRACE_WORKER is ignored unless racetrace
itself started this process as a worker.";

/// What a bare `racetrace` prints on standard error (exit 2).
pub const NO_COMMAND: &str = "no command given; usage: racetrace <list|check|report|outcomes|explore|replay|merge> [ARGS] (see `racetrace --help`)";

/// Explore concurrency patterns under real threads, loom and shuttle, and
/// print every race and deadlock as a readable interleaving trace.
#[derive(Parser, Debug)]
#[command(name = "racetrace", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the patterns, their variants and specs.
    #[command(after_help = AFTER_HELP)]
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run every variant of every (named) pattern under its default backends
    /// and compare with its spec: the main job.
    #[command(after_help = AFTER_HELP)]
    Check {
        /// Patterns to check (default: all).
        patterns: Vec<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Model explorations run N side by side, the slowest first
        /// (default: the available parallelism), then the real-thread runs
        /// one at a time; with N above 1 a real run that must show its bug
        /// (a deadlock) goes beside them. Rows come out in the same order
        /// whatever N.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
        jobs: Option<u16>,
        /// Also write the checks as JUnit XML into FILE (one test case per
        /// check, a failure for each not as specified), for CI systems.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
    },
    /// Run what `check` runs and write a static HTML report (summary,
    /// outcome charts, every witness trace as a diagram) into DIR.
    #[command(after_help = AFTER_HELP)]
    Report {
        /// Patterns to check (default: all).
        patterns: Vec<String>,
        /// Directory to write `index.html` and `traces/` into: a new one (in
        /// a directory that exists), an empty one, or one an earlier report
        /// wrote (replaced whole; a directory holding anything else is
        /// refused).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Explorations run side by side (default: the available parallelism).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
        jobs: Option<u16>,
    },
    /// Explore one variant and print the table of reachable outcomes.
    #[command(after_help = AFTER_HELP)]
    Outcomes {
        #[command(flatten)]
        run: RunArgs,
        /// Exit 1 if any forbidden outcome was reached (for CI).
        #[arg(long)]
        deny_forbidden: bool,
    },
    /// Explore one variant until the first violation and print its trace.
    #[command(after_help = AFTER_HELP)]
    Explore {
        #[command(flatten)]
        run: RunArgs,
        /// Save the violation's trace and schedule to FILE, for `replay`.
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
        /// Also draw the violation's trace as an SVG image into FILE.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Also write the violation's trace as a Mermaid `sequenceDiagram`
        /// into FILE (`-` for standard output, instead of the text trace).
        #[arg(long, value_name = "FILE")]
        mermaid: Option<PathBuf>,
    },
    /// Merge the `outcomes --json` reports of the shards of one exploration
    /// (`--shard 1/N` … `N/N`) into the whole one's table.
    #[command(after_help = AFTER_HELP)]
    Merge {
        /// The shards' reports (JSON files written by `outcomes --json`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print JSON (as `outcomes --json` does).
        #[arg(long)]
        json: bool,
        /// Exit 1 if any forbidden outcome was reached (for CI).
        #[arg(long)]
        deny_forbidden: bool,
    },
    /// `check` and `report` run each loom job in a child process of their
    /// own: this runs one there and prints its report as JSON.
    #[command(name = patterns::CHILD_COMMAND, hide = true)]
    CheckJob {
        pattern: String,
        variant: String,
        job: usize,
        /// A buggy variant's search stops at its first violation (`check`).
        #[arg(long)]
        gate: bool,
    },
    /// Re-run the schedule saved in a trace file and compare the traces.
    #[command(after_help = AFTER_HELP)]
    Replay {
        /// A file written by `explore --save`.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
struct RunArgs {
    /// The pattern (see `racetrace list`).
    pattern: String,
    /// The variant (default: the pattern's first).
    #[arg(long)]
    variant: Option<String>,
    /// Number of threads.
    #[arg(long)]
    threads: Option<usize>,
    /// Operations (increments) per thread.
    #[arg(long)]
    ops: Option<usize>,
    /// Producer threads (producer-consumer).
    #[arg(long)]
    producers: Option<usize>,
    /// Consumer threads (producer-consumer).
    #[arg(long)]
    consumers: Option<usize>,
    /// Items per producer (producer-consumer).
    #[arg(long)]
    items: Option<usize>,
    /// Queue capacity (producer-consumer).
    #[arg(long)]
    capacity: Option<usize>,
    /// Any other parameter of the pattern, as NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    param: Vec<String>,
    /// Backend: dpor, rc11, loom, shuttle-dfs, shuttle-random, shuttle-pct, fuzz, real, portfolio.
    #[arg(long, default_value = "dpor")]
    backend: String,
    /// loom, dpor and rc11: at most this many preemptions per execution.
    #[arg(long)]
    preemption_bound: Option<usize>,
    /// Stop after this many schedules (the sample size for shuttle-random,
    /// shuttle-pct, fuzz and real; default 1000).
    #[arg(long)]
    max_schedules: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long)]
    max_seconds: Option<f64>,
    /// Stop when the process's resident memory exceeds SIZE (512M, 4G;
    /// default: what it uses at the start plus half the available memory).
    #[arg(long, value_name = "SIZE")]
    max_memory: Option<String>,
    /// Seed for shuttle-random, shuttle-pct and fuzz.
    #[arg(long)]
    seed: Option<u64>,
    /// dpor: explore only part K of N of the exploration tree (e.g. 2/4);
    /// `racetrace merge` adds the N parts' `--json` reports up to the whole.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// dpor: explore on N threads, which share the tree's shards out
    /// (merged: the same counts and outcomes as one thread). Default: the
    /// available parallelism, at least 2, when no shard, schedule cap or
    /// preemption bound is given (then 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: Option<u16>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The parameters that have a flag of their own (`--threads 2`); every
/// other parameter is given as `--param NAME=VALUE`.
const PARAM_FLAGS: [&str; 6] = [
    "threads",
    "ops",
    "producers",
    "consumers",
    "items",
    "capacity",
];

/// How to give parameter `name` on the command line, with `value`.
fn param_syntax(name: &str, value: &str) -> String {
    if PARAM_FLAGS.contains(&name) {
        format!("--{name} {value}")
    } else {
        format!("--param {name}={value}")
    }
}

type Run = (
    &'static Pattern,
    &'static patterns::Variant,
    patterns::Params,
    Config,
);

impl RunArgs {
    /// The parameters given, each once: from its own flag (`--threads 2`)
    /// or from `--param NAME=VALUE`, never both, never twice.
    fn given_params(&self) -> Result<Vec<(String, usize)>, Error> {
        let mut given: Vec<(String, usize, String)> = Vec::new();
        let mut add = |name: &str, value: usize, flag: String| {
            if let Some((_, _, first)) = given.iter().find(|(n, _, _)| n == name) {
                return Err(Error(format!(
                    "parameter '{name}' is given twice: {first} and {flag}"
                )));
            }
            given.push((name.to_string(), value, flag));
            Ok(())
        };
        let flags = [
            self.threads,
            self.ops,
            self.producers,
            self.consumers,
            self.items,
            self.capacity,
        ];
        for (name, v) in PARAM_FLAGS.into_iter().zip(flags) {
            if let Some(v) = v {
                add(name, v, format!("--{name} {v}"))?;
            }
        }
        for p in &self.param {
            let (k, v) = p
                .split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| Error(format!("--param expects NAME=VALUE, got '{p}'")))?;
            // Exactly digits: no sign, no spaces, nothing that a trim would hide.
            let v: usize = v
                .parse()
                .ok()
                .filter(|_| v.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| {
                    Error(format!(
                        "bad value for --param {k}: '{v}' is not a non-negative integer"
                    ))
                })?;
            add(k, v, format!("--param {p}"))?;
        }
        Ok(given.into_iter().map(|(n, v, _)| (n, v)).collect())
    }

    fn resolve(&self) -> Result<Run, Error> {
        let pattern = patterns::find(&self.pattern)?;
        let variant = match &self.variant {
            Some(v) => pattern.variant(v)?,
            None => &pattern.variants[0],
        };
        let params = pattern.params(&self.given_params()?)?;
        let backend: Backend = self.backend.parse()?;
        let mut config = Config::new(backend);
        config.preemption_bound = self.preemption_bound;
        config.max_schedules = self.max_schedules;
        if let Some(s) = self.max_seconds {
            // The deadline is now + the duration: it must fit the clock too.
            match std::time::Duration::try_from_secs_f64(s) {
                Ok(d) if s > 0.0 && Instant::now().checked_add(d).is_some() => {
                    config.max_duration = Some(d);
                }
                _ => {
                    return Err(Error(format!(
                        "--max-seconds must be a positive number of seconds that fits a duration, got {s}"
                    )));
                }
            }
        }
        if let Some(m) = &self.max_memory {
            config.max_memory = Some(
                racetrace::config::parse_memory(m)
                    .map_err(|e| Error(format!("--max-memory: {e}")))?,
            );
        }
        if let Some(s) = self.seed {
            if !backend.seeded() {
                return Err(Error(format!(
                    "--seed applies to shuttle-random, shuttle-pct and fuzz, not {backend}"
                )));
            }
            config.seed = s;
        }
        if let Some(sh) = &self.shard {
            config.shard = Some(sh.parse().map_err(|_| {
                Error(format!(
                    "--shard expects K/N with 1 <= K <= N (e.g. 2/4), got '{sh}'"
                ))
            })?);
        }
        match self.jobs {
            Some(n) => config.jobs = usize::from(n),
            // Every core by default, and at least two threads: a run split
            // into shards gives the same report on every machine.
            None if backend == Backend::Dpor
                && config.shard.is_none()
                && config.max_schedules.is_none()
                && config.preemption_bound.is_none() =>
            {
                config.jobs = jobs_or_default(None).max(2);
            }
            None => {}
        }
        config.validate()?;
        Ok((pattern, variant, params, config))
    }
}

/// Run the command; the exit status.
pub fn run(cli: Cli) -> Result<i32, Error> {
    if !matches!(cli.command, Command::List { .. }) {
        // Refuse an environment that would make a backend panic (a bad
        // SHUTTLE_RANDOM_SEED) before any exploration starts: the library
        // checks it with every configuration.
        Config::new(Backend::Dpor).validate()?;
    }
    match cli.command {
        Command::List { json } => list(json),
        Command::Check {
            patterns,
            json,
            jobs,
            junit,
        } => check(&patterns, json, jobs_or_default(jobs), junit.as_deref()),
        Command::Outcomes {
            run,
            deny_forbidden,
        } => outcomes(&run, deny_forbidden),
        Command::Report {
            patterns,
            out,
            jobs,
        } => report(&patterns, &out, jobs_or_default(jobs)),
        Command::Explore {
            run,
            save,
            svg,
            mermaid,
        } => explore(&run, save, svg, mermaid),
        Command::Replay { file, json } => replay(&file, json),
        Command::Merge {
            files,
            json,
            deny_forbidden,
        } => merge(&files, json, deny_forbidden),
        Command::CheckJob {
            pattern,
            variant,
            job,
            gate,
        } => {
            let report = patterns::child_job(&pattern, &variant, job, gate)?;
            println!(
                "{}",
                serde_json::to_string(&report).expect("JSON of plain data")
            );
            Ok(0)
        }
    }
}

/// This executable, for `check`'s and `report`'s loom jobs (`None`: they
/// run in this process).
fn children() -> Option<PathBuf> {
    std::env::current_exe().ok()
}

/// `merge`: the whole exploration's table from its shards' reports.
fn merge(files: &[PathBuf], json: bool, deny_forbidden: bool) -> Result<i32, Error> {
    let mut parts = Vec::new();
    for f in files {
        let text = read_report(f)?;
        let r: Report = serde_json::from_str(&text).map_err(|e| {
            Error(format!(
                "{}: not a report written by `outcomes --json`: {e}",
                f.display()
            ))
        })?;
        parts.push(r);
    }
    let whole = Report::merge(parts).map_err(|why| Error(format!("cannot merge: {why}")))?;
    print_outcomes(&whole, json);
    let forbidden = whole.violations().next().is_some();
    Ok(if deny_forbidden && forbidden { 1 } else { 0 })
}

/// A regular file's text, at most [`patterns::replay::MAX_FILE_BYTES`].
fn read_report(path: &Path) -> Result<String, Error> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path).map_err(|e| Error(format!("{}: {e}", path.display())))?;
    if !meta.file_type().is_file() {
        return Err(Error(format!("{} is not a regular file", path.display())));
    }
    let file = std::fs::File::open(path).map_err(|e| Error(format!("{}: {e}", path.display())))?;
    let mut text = String::new();
    file.take(patterns::replay::MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| Error(format!("{}: {e}", path.display())))?;
    if text.len() as u64 > patterns::replay::MAX_FILE_BYTES {
        return Err(Error(format!(
            "{}: larger than {} bytes",
            path.display(),
            patterns::replay::MAX_FILE_BYTES
        )));
    }
    Ok(text)
}

fn print_json<T: serde::Serialize>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("JSON of plain data")
    );
}

fn list(json: bool) -> Result<i32, Error> {
    if json {
        let v: Vec<_> = patterns::all()
            .iter()
            .map(|p| {
                serde_json::json!({
                    "pattern": p.name,
                    "summary": p.summary,
                    "python": p.python,
                    "params": p.params.iter().map(|s| serde_json::json!({
                        "name": s.name,
                        "flag": param_syntax(s.name, "N"),
                        "default": s.default,
                        "min": s.min,
                        "max": s.max,
                        "help": s.help,
                    })).collect::<Vec<_>>(),
                    "variants": p.variants.iter().map(|v| serde_json::json!({
                        "variant": v.name,
                        "summary": v.summary,
                        "property": v.spec.property,
                        "expect": v.spec.expect.kind(),
                        "bug": v.spec.expect.bug(),
                        "backends": v.jobs.iter().map(|j| j.backend).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        print_json(&v);
        return Ok(0);
    }
    let mut table = Columns::new(&["variant", "expect", "summary"], &[]);
    let expects = |v: &patterns::Variant| v.spec.expect.to_string();
    for p in patterns::all() {
        for v in p.variants {
            table.fit(&[v.name, &expects(v), v.summary]);
        }
    }
    for p in patterns::all() {
        println!("{} — {}", p.name, p.summary);
        println!("  python: {}", p.python);
        if p.params.is_empty() {
            println!("  params: none");
        } else {
            println!("  params:");
            let mut params = Columns::new(&["flag", "range", "help"], &[]);
            let rows: Vec<[String; 3]> = p
                .params
                .iter()
                .map(|s| {
                    [
                        param_syntax(s.name, &s.default.to_string()),
                        format!("({}..={})", s.min, s.max),
                        s.help.to_string(),
                    ]
                })
                .collect();
            for r in &rows {
                params.fit(&[&r[0], &r[1], &r[2]]);
            }
            for r in &rows {
                println!("    {}", params.line(&[&r[0], &r[1], &r[2]]));
            }
        }
        for v in p.variants {
            println!("  {}", table.line(&[v.name, &expects(v), v.summary]));
        }
        println!();
    }
    println!(
        "Parameters: give --threads, --ops, --producers, --consumers, --items and --capacity as flags, \
         any other as --param NAME=VALUE (racetrace outcomes PATTERN --param NAME=VALUE)."
    );
    Ok(0)
}

/// A text table whose columns are as wide as their widest cell (in
/// characters), two spaces apart; the last column is not padded.
struct Columns {
    widths: Vec<usize>,
    right: Vec<bool>,
}

impl Columns {
    /// Columns as wide as `header`'s cells; `right[i]`: align right.
    fn new(header: &[&str], right: &[bool]) -> Columns {
        let mut c = Columns {
            widths: vec![0; header.len()],
            right: (0..header.len())
                .map(|i| right.get(i).copied().unwrap_or(false))
                .collect(),
        };
        c.fit(header);
        c
    }

    /// Widen the columns to hold `cells`.
    fn fit(&mut self, cells: &[&str]) {
        for (w, c) in self.widths.iter_mut().zip(cells) {
            *w = (*w).max(c.chars().count());
        }
    }

    /// One line of the table.
    fn line(&self, cells: &[&str]) -> String {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = self.widths[i].saturating_sub(c.chars().count());
            if i > 0 {
                out.push_str("  ");
            }
            if self.right[i] {
                out.push_str(&" ".repeat(pad));
                out.push_str(c);
            } else {
                out.push_str(c);
                if i < last {
                    out.push_str(&" ".repeat(pad));
                }
            }
        }
        out
    }
}

fn select(names: &[String]) -> Result<Vec<&'static Pattern>, Error> {
    if names.is_empty() {
        Ok(patterns::all().to_vec())
    } else {
        names
            .iter()
            .map(|n| patterns::find(n).map_err(Error::from))
            .collect()
    }
}

/// The check table: pattern, variant and backend columns as wide as the
/// names of the runs to come, the numbers as wide as any run can make them
/// (10 digits of schedules; seconds up to 99,999), and the verdict, whose
/// words vary, last.
fn check_table(selected: &[&'static Pattern]) -> Columns {
    let mut t = Columns::new(
        &[
            "pattern",
            "variant",
            "backend",
            "schedules",
            "complete",
            "time",
            "verdict",
        ],
        &[false, false, false, true, false, true, false],
    );
    t.fit(&["", "", "", "9999999999", "", "99999.99s", ""]);
    for p in selected {
        for v in p.variants {
            for j in v.jobs {
                t.fit(&[p.name, v.name, j.backend.name()]);
            }
        }
    }
    t
}

fn print_check_row(t: &Columns, row: &CheckRow) {
    println!(
        "{}",
        t.line(&[
            row.pattern,
            row.variant,
            row.backend.name(),
            &row.schedules.to_string(),
            if row.complete { "yes" } else { "no" },
            &format!("{:.2}s", row.elapsed),
            &row.describe(),
        ])
    );
    let _ = std::io::stdout().flush();
}

/// `--jobs`, else the machine's available parallelism.
fn jobs_or_default(jobs: Option<u16>) -> usize {
    jobs.map(usize::from).unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    })
}

fn check(names: &[String], json: bool, jobs: usize, junit: Option<&Path>) -> Result<i32, Error> {
    let selected = select(names)?;
    if let Some(path) = junit {
        out_dir::check_file(path).map_err(|e| Error::flag("--junit", e))?;
    }
    let start = Instant::now();
    let mut rows: Vec<CheckRow> = Vec::new();
    let table = check_table(&selected);
    if !json {
        println!("{}", table.line(&HEADER));
    }
    patterns::check_patterns(
        &selected,
        jobs,
        true,
        children().as_deref(),
        &mut |row, _| {
            if !json {
                print_check_row(&table, &row);
            }
            rows.push(row);
        },
    )?;
    let elapsed = start.elapsed().as_secs_f64();
    let bad = rows.iter().filter(|r| !r.as_specified).count();
    if let Some(path) = junit {
        junit::write(path, &rows, elapsed).map_err(|e| Error::flag("--junit", e))?;
    }
    if json {
        print_json(&serde_json::json!({ "ok": bad == 0, "checks": rows, "elapsed": elapsed }));
    } else if bad == 0 {
        println!("{} checks, all as specified ({elapsed:.1}s)", rows.len());
    } else {
        println!(
            "{bad} of {} checks NOT as specified ({elapsed:.1}s)",
            rows.len()
        );
    }
    Ok(if bad == 0 { 0 } else { 1 })
}

/// The check table's header.
const HEADER: [&str; 7] = [
    "pattern",
    "variant",
    "backend",
    "schedules",
    "complete",
    "time",
    "verdict",
];

fn report(names: &[String], out: &Path, jobs: usize) -> Result<i32, Error> {
    let selected = select(names)?;
    // Fail on a directory that cannot take the report now, not after
    // minutes of exploring.
    out_dir::check(out).map_err(|e| Error::flag("--out", e))?;
    let start = Instant::now();
    let mut runs: Vec<html::Checked> = Vec::new();
    let table = check_table(&selected);
    println!("{}", table.line(&HEADER));
    patterns::check_patterns(
        &selected,
        jobs,
        false,
        children().as_deref(),
        &mut |row, report| {
            print_check_row(&table, &row);
            runs.push(html::Checked { row, report });
        },
    )?;
    let index = html::write(out, &runs, start.elapsed().as_secs_f64())
        .map_err(|e| Error::flag("--out", e))?;
    let bad = runs.iter().filter(|r| !r.row.as_specified).count();
    println!(
        "{} checks, {} ({:.1}s); report written to {}",
        runs.len(),
        if bad == 0 {
            "all as specified".to_string()
        } else {
            format!("{bad} NOT as specified")
        },
        start.elapsed().as_secs_f64(),
        index.display()
    );
    Ok(if bad == 0 { 0 } else { 1 })
}

fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|e| Error(format!("{}: {e}", path.display())))
}

/// Refuse an exhaustive exploration that cannot finish (no schedule or time
/// limit, and an estimate from a few sampled schedules — for loom, from a
/// probe of a few seconds of loom itself — far beyond any machine): one
/// line, exit 2, before anything long starts. When loom finished inside its
/// probe, the probe's report is the exploration itself, returned so that it
/// is not run again.
fn refuse_if_endless(
    p: &'static Pattern,
    v: &'static patterns::Variant,
    params: &patterns::Params,
    config: &Config,
) -> Result<Option<Report>, Error> {
    // A program loom cannot run at all is refused by the exploration itself,
    // with the reason that matters (too many threads).
    let too_many_for_loom =
        config.backend == Backend::Loom && (p.threads)(params) > racetrace::LOOM_MAX_THREADS;
    if !config.backend.exhaustive() || too_many_for_loom {
        return Ok(None);
    }
    let (estimate, whole) = racetrace::explore::Estimate::measure_keeping(config, |c| {
        patterns::explore(p, v, params, c)
    })?;
    match estimate.refusal(config) {
        Some(why) => Err(Error(why)),
        None => Ok(whole),
    }
}

fn outcomes(args: &RunArgs, deny_forbidden: bool) -> Result<i32, Error> {
    let (p, v, params, mut config) = args.resolve()?;
    let probed = refuse_if_endless(p, v, &params, &config)?;
    config.progress = std::io::stderr().is_terminal();
    let report = match probed {
        Some(whole) => whole,
        None => patterns::explore(p, v, &params, &config)?,
    };
    print_outcomes(&report, args.json);
    let forbidden = report.violations().next().is_some();
    Ok(if deny_forbidden && forbidden { 1 } else { 0 })
}

/// `outcomes`' output: the table, then each forbidden outcome's witness.
fn print_outcomes(report: &Report, json: bool) {
    if json {
        print_json(report);
        return;
    }
    print!("{}", report.render_table());
    for r in report.violations() {
        if let Some(w) = &r.witness {
            println!();
            print!("{}", w.trace.render());
            if let Some(t) = &w.replay {
                println!(" schedule: {t}");
            }
        }
    }
}

fn explore(
    args: &RunArgs,
    save: Option<PathBuf>,
    svg: Option<PathBuf>,
    mermaid: Option<PathBuf>,
) -> Result<i32, Error> {
    let mermaid_stdout = mermaid.as_deref() == Some(Path::new("-"));
    if mermaid_stdout && args.json {
        return Err(Error(
            "--mermaid - and --json both print to standard output".into(),
        ));
    }
    for path in [&save, &svg, &mermaid].into_iter().flatten() {
        if !mermaid_stdout || mermaid.as_ref() != Some(path) {
            parent_dir_exists(path)?;
        }
    }
    let (p, v, params, config) = args.resolve()?;
    let probed = refuse_if_endless(p, v, &params, &config)?;
    let mut config = config.stop_at_first_violation();
    config.progress = std::io::stderr().is_terminal();
    // loom explored it whole inside its probe: with no violation, stopping
    // at the first one changes nothing, and that is this exploration. (With
    // one, it runs again to stop there, as `explore` does.)
    let report: Report = match probed {
        Some(whole) if whole.violations().next().is_none() => whole,
        _ => patterns::explore(p, v, &params, &config)?,
    };
    let Some(w) = report.first_violation() else {
        if args.json {
            print_json(&explore_json(&report, None));
        } else {
            println!(
                "{} · {}: no violation in {} schedules ({})",
                report.label,
                report.backend_desc(),
                report.schedules,
                report.completeness()
            );
            if svg.is_some() || mermaid.is_some() {
                println!(" no violation, so no diagram was written");
            }
        }
        return Ok(0);
    };
    if let Some(path) = &save {
        TraceFile::from_witness(&report, w)?.save(path)?;
    }
    if let Some(path) = &svg {
        write_file(path, &diagram::svg::render(&w.trace))?;
    }
    match &mermaid {
        Some(_) if mermaid_stdout => {
            print!("{}", diagram::mermaid::render(&w.trace));
            return Ok(1);
        }
        Some(path) => write_file(path, &diagram::mermaid::render(&w.trace))?,
        None => {}
    }
    if args.json {
        print_json(&explore_json(&report, Some(w)));
    } else {
        print!("{}", w.trace.render());
        if let Some(t) = &w.replay {
            println!(" schedule: {t}");
        }
        if let Some(path) = &save {
            println!(
                " saved to {} — replay with `racetrace replay {}`",
                path.display(),
                path.display()
            );
        }
        for path in [&svg, &mermaid].into_iter().flatten() {
            println!(" diagram written to {}", path.display());
        }
    }
    Ok(1)
}

/// `explore --json`: what was explored and how far (as `outcomes --json`
/// says it), and the first violation's witness or `null` (docs/json.md).
fn explore_json(
    report: &Report,
    violation: Option<&racetrace::explore::Witness>,
) -> serde_json::Value {
    serde_json::json!({
        "label": report.label,
        "pattern": report.pattern,
        "variant": report.variant,
        "params": report.params,
        "backend": report.backend,
        "preemption_bound": report.preemption_bound,
        "seed": report.seed,
        "schedules": report.schedules,
        "pruned": report.pruned,
        "complete": report.complete,
        "bound": report.bound,
        "elapsed": report.elapsed.as_secs_f64(),
        "violation": violation,
    })
}

/// Refuse, before exploring, an output file whose directory does not exist.
fn parent_dir_exists(path: &Path) -> Result<(), Error> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => Err(Error(format!(
            "{}: directory {} does not exist",
            path.display(),
            dir.display()
        ))),
        _ if path.is_dir() => Err(Error(format!("{} is a directory", path.display()))),
        _ => Ok(()),
    }
}

/// Read a trace file: a regular file only (checked before it is opened, and
/// opened without blocking, so a FIFO swapped in meanwhile cannot hang),
/// at most the size limit.
fn load_trace_file(path: &Path) -> Result<TraceFile, Error> {
    let io = |source| patterns::Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.file_type().is_file() {
        return Err(patterns::Error::BadTraceFile(format!(
            "{} is not a regular file",
            path.display()
        ))
        .into());
    }
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut open, libc::O_NONBLOCK);
    let file = open.open(path).map_err(io)?;
    Ok(TraceFile::read(path, file)?)
}

fn replay(path: &std::path::Path, json: bool) -> Result<i32, Error> {
    let file = load_trace_file(path)?;
    let r = file.replay()?;
    if json {
        print_json(&r);
    } else {
        print!("{}", r.trace.render());
        match &r.difference {
            None => println!(" replayed {}: the same trace", file.schedule),
            Some(d) => println!(" replayed {}: a DIFFERENT trace ({d})", file.schedule),
        }
    }
    Ok(if r.reproduced { 0 } else { 1 })
}

/// `s` on one line: control characters (newline, tab, escape, ...) shown
/// escaped as Rust writes them (`\n`, `\t`, `\u{1b}`).
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The one line for a command-line error: clap's message without its tip
/// and usage blocks. clap quotes the offending argument as it was given, so
/// a newline in it would split (and cut) the message: the arguments are
/// parsed again with their control characters escaped, and that parse's
/// message is used when it is the same kind of error.
pub fn clap_error_line(e: &clap::Error) -> String {
    let escaped: Vec<String> = std::env::args_os()
        .map(|a| one_line(&a.to_string_lossy()))
        .collect();
    let message = match Cli::try_parse_from(&escaped) {
        // The first paragraph: a message, and for missing arguments the
        // indented list of them, joined into one line.
        Err(again) if again.kind() == e.kind() => again
            .render()
            .to_string()
            .split("\n\n")
            .next()
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" "),
        // Not the same error again (an argument that is not UTF-8): the
        // first line only.
        _ => e
            .render()
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    let message = message.trim_start_matches("error: ").trim();
    if message.is_empty() {
        "bad arguments".to_string()
    } else {
        one_line(message)
    }
}

/// Why a command could not run: one line for standard error (exit status 2).
/// The libraries' errors are worded by field; here they gain the command
/// line's words (flags, `racetrace list`).
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error {
    /// A report error, naming the flag that gave the path.
    fn flag(flag: &str, e: racetrace_report::Error) -> Error {
        match e {
            racetrace_report::Error::TraceFile(e) => e.into(),
            e => Error(format!("{flag}: {e}")),
        }
    }
}

impl From<racetrace::Error> for Error {
    fn from(e: racetrace::Error) -> Error {
        Error(e.to_string())
    }
}

impl From<patterns::Error> for Error {
    fn from(e: patterns::Error) -> Error {
        use patterns::Error as P;
        Error(match &e {
            P::UnknownPattern(_) | P::UnknownVariant { .. } => {
                format!("{e} (see `racetrace list`)")
            }
            P::BadParam { param, why } => format!("bad value for --{param}: {why}"),
            _ => e.to_string(),
        })
    }
}
