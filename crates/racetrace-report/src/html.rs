//! The HTML report of `racetrace report`: one static, self-contained page
//! (inline CSS and SVG, no script, no network) with a summary table of every
//! pattern × variant × backend, each variant's outcome table as a bar chart,
//! and each witness trace as a diagram ([`crate::diagram::svg`]) beside its
//! text trace and the command that replays it.
//!
//! [`write()`] puts the page in `DIR/index.html` and, beside it, each witness as
//! a trace file (`DIR/traces/NAME.json`, for `racetrace replay`) and as an
//! image (`DIR/traces/NAME.svg`).

use crate::diagram;
use crate::diagram::svg::xml;
use crate::error::Error;
use crate::out_dir;
use racetrace::explore::{OutcomeRow, Report, Witness};
use racetrace_patterns::replay::TraceFile;
use racetrace_patterns::{self as patterns, CheckRow};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One run of `racetrace check`: its row and the exploration behind it.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The line of the check table.
    pub row: CheckRow,
    /// The exploration: outcome table and witnesses.
    pub report: Report,
}

/// A witness shown in the report.
struct Shown<'a> {
    run: &'a Checked,
    /// Index of its outcome row in the report.
    index: usize,
    outcome: &'a OutcomeRow,
    witness: &'a Witness,
}

impl Shown<'_> {
    /// File name without extension: `unsafe-counter-load-store@loom.o1`.
    fn stem(&self) -> String {
        format!(
            "{}-{}@{}.o{}",
            self.run.row.pattern,
            self.run.row.variant,
            self.run.row.backend.name(),
            self.index
        )
    }

    fn replayable(&self) -> bool {
        self.witness.replay.is_some()
    }
}

/// The witnesses a report shows for one variant: every forbidden outcome's,
/// under every backend; when no run found one, a single allowed execution
/// (from the first run that has a witness), so that every variant has a
/// picture.
fn shown<'a>(runs: &[&'a Checked]) -> (Vec<Shown<'a>>, bool) {
    let mut v = Vec::new();
    for run in runs {
        for (index, outcome) in run.report.outcomes.iter().enumerate() {
            if let (false, Some(witness)) = (outcome.allowed, &outcome.witness) {
                v.push(Shown {
                    run,
                    index,
                    outcome,
                    witness,
                });
            }
        }
    }
    if !v.is_empty() {
        return (v, true);
    }
    for run in runs {
        for (index, outcome) in run.report.outcomes.iter().enumerate() {
            if let Some(witness) = &outcome.witness {
                return (
                    vec![Shown {
                        run,
                        index,
                        outcome,
                        witness,
                    }],
                    false,
                );
            }
        }
    }
    (v, false)
}

/// The runs of one variant, by variant name.
type VariantRuns<'a> = (&'static str, Vec<&'a Checked>);
/// The variants of one pattern, by pattern name.
type PatternRuns<'a> = (&'static str, Vec<VariantRuns<'a>>);

/// Group runs by (pattern, variant), keeping the order they came in.
fn by_variant(runs: &[Checked]) -> Vec<PatternRuns<'_>> {
    let mut out: Vec<PatternRuns<'_>> = Vec::new();
    for r in runs {
        let p = match out.iter_mut().find(|(p, _)| *p == r.row.pattern) {
            Some(p) => p,
            None => {
                out.push((r.row.pattern, Vec::new()));
                out.last_mut().expect("just pushed")
            }
        };
        match p.1.iter_mut().find(|(v, _)| *v == r.row.variant) {
            Some(v) => v.1.push(r),
            None => p.1.push((r.row.variant, vec![r])),
        }
    }
    out
}

fn anchor(pattern: &str, variant: &str) -> String {
    format!("v-{pattern}-{variant}")
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem; color: #222; max-width: 110rem; }
h1 { margin-bottom: .2rem; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2.5rem; }
h3 { margin-top: 2rem; }
code, pre { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12px; }
table { border-collapse: collapse; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
th { background: #f6f6f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary td { white-space: nowrap; }
.ok { color: #2e7d32; }
.bad { color: #c62828; font-weight: bold; }
.muted { color: #777; }
.outcomes td.bar { width: 22rem; }
.bar div { height: .9rem; border-radius: 2px; min-width: 2px; }
.bar .allowed { background: #66bb6a; }
.bar .forbidden { background: #e53935; }
figure.witness { margin: 1rem 0 2rem; padding: 1rem; border: 1px solid #e3e3e3; border-radius: 6px; }
figure.witness figcaption { font-weight: bold; margin-bottom: .6rem; }
.side { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.diagram { overflow-x: auto; max-width: 100%; }
pre.trace { background: #fafafa; border: 1px solid #eee; padding: .6rem; overflow-x: auto; margin: 0; }
.replay { margin-top: .6rem; }
";

/// The report page.
pub fn page(runs: &[Checked], total_seconds: f64) -> String {
    let mut o = String::new();
    let bad = runs.iter().filter(|r| !r.row.verdict.ok()).count();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>racetrace report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    let _ = writeln!(o, "<h1>racetrace report</h1>");
    let _ = writeln!(
        o,
        "<p class=\"muted\">racetrace {} · {} checks · {} · {:.1}s</p>",
        env!("CARGO_PKG_VERSION"),
        runs.len(),
        if bad == 0 {
            "<span class=\"ok\">all as specified</span>".to_string()
        } else {
            format!("<span class=\"bad\">{bad} NOT as specified</span>")
        },
        total_seconds
    );

    // Summary table.
    let _ = writeln!(o, "<h2 id=\"summary\">Summary</h2>");
    let _ = writeln!(
        o,
        "<table class=\"summary\">\n<tr><th>pattern</th><th>variant</th><th>expected</th><th>backend</th><th>parameters</th><th>schedules</th><th>complete</th><th>verdict</th><th>time</th></tr>"
    );
    for r in runs {
        let row = &r.row;
        let _ = writeln!(
            o,
            "<tr><td>{p}</td><td><a href=\"#{a}\">{v}</a></td><td>{e}</td><td>{b}</td><td>{params}</td><td class=\"num\">{s}</td><td>{c}</td><td class=\"{cls}\">{verdict}</td><td class=\"num\">{t:.2}s</td></tr>",
            p = xml(row.pattern),
            a = xml(&anchor(row.pattern, row.variant)),
            v = xml(row.variant),
            e = xml(&expect_of(row.pattern, row.variant)),
            b = row.backend.name(),
            params = xml(&row.params.describe()),
            s = row.schedules,
            c = if row.complete {
                "yes".to_string()
            } else {
                format!(
                    "no{}",
                    row.bound
                        .as_deref()
                        .map(|b| format!(" ({})", xml(b)))
                        .unwrap_or_default()
                )
            },
            cls = if row.verdict.ok() { "ok" } else { "bad" },
            verdict = xml(&row.describe()),
            t = row.elapsed,
        );
    }
    let _ = writeln!(o, "</table>");

    for (pattern, variants) in by_variant(runs) {
        let info = patterns::find(pattern).ok();
        let _ = writeln!(o, "<h2 id=\"p-{0}\">{0}</h2>", xml(pattern));
        if let Some(p) = info {
            let _ = writeln!(
                o,
                "<p>{}</p>\n<p class=\"muted\">Python original: <code>{}</code></p>",
                prose(p.summary),
                xml(p.python)
            );
        }
        for (variant, vruns) in variants {
            variant_section(&mut o, pattern, variant, &vruns);
        }
    }
    let _ = writeln!(o, "</body>\n</html>");
    o
}

/// Escaped text in which `backticked` spans become `<code>`.
fn prose(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", xml(part));
        } else {
            out.push_str(&xml(part));
        }
    }
    out
}

fn expect_of(pattern: &str, variant: &str) -> String {
    match patterns::find(pattern).and_then(|p| p.variant(variant)) {
        Ok(v) => v.spec.expect.to_string(),
        Err(_) => String::new(),
    }
}

fn variant_section(o: &mut String, pattern: &str, variant: &str, runs: &[&Checked]) {
    let _ = writeln!(
        o,
        "<section class=\"variant\" id=\"{}\">\n<h3>{}/{} — {}</h3>",
        xml(&anchor(pattern, variant)),
        xml(pattern),
        xml(variant),
        xml(&expect_of(pattern, variant))
    );
    if let Ok(v) = patterns::find(pattern).and_then(|p| p.variant(variant)) {
        let _ = writeln!(
            o,
            "<p>{}</p>\n<p class=\"muted\">Property: {}</p>",
            prose(v.summary),
            prose(v.spec.property)
        );
    }
    for r in runs {
        outcome_chart(o, r);
    }
    let (shown, forbidden) = shown(runs);
    if !forbidden && !shown.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"muted\">No schedule reached a forbidden outcome; here is one allowed execution.</p>"
        );
    }
    for s in &shown {
        witness_figure(o, s);
    }
    let _ = writeln!(o, "</section>");
}

fn outcome_chart(o: &mut String, r: &Checked) {
    let rep = &r.report;
    let total: u64 = rep.outcomes.iter().map(|x| x.schedules).sum::<u64>().max(1);
    let _ = writeln!(
        o,
        "<h4>{} · {} schedules, {} · <span class=\"{}\">{}</span></h4>",
        rep.backend.name(),
        rep.schedules,
        xml(&rep.completeness()),
        if r.row.verdict.ok() { "ok" } else { "bad" },
        xml(&r.row.describe())
    );
    let _ = writeln!(
        o,
        "<table class=\"outcomes\" data-backend=\"{}\">\n<tr><th>outcome</th><th>schedules</th><th class=\"bar\"></th><th>verdict</th></tr>",
        rep.backend.name()
    );
    for row in &rep.outcomes {
        let pct = row.schedules as f64 * 100.0 / total as f64;
        let (cls, tag) = if row.allowed {
            ("allowed", "allowed")
        } else {
            ("forbidden", "FORBIDDEN")
        };
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"bar\"><div class=\"{cls}\" style=\"width: {pct:.1}%\"></div></td><td class=\"{}\">{tag}: {}</td></tr>",
            xml(&row.outcome),
            row.schedules,
            if row.allowed { "ok" } else { "bad" },
            xml(&row.verdict)
        );
    }
    let _ = writeln!(o, "</table>");
}

fn witness_figure(o: &mut String, s: &Shown<'_>) {
    let trace = &s.witness.trace;
    if trace.events.is_empty() {
        // A real run whose work happened in other processes (or before the
        // recorder saw it): there is nothing to draw.
        let _ = writeln!(
            o,
            "<p class=\"muted\">{} · outcome <code>{}</code> · {} — this run recorded no events to draw (its work happened outside racetrace's recorder, e.g. in worker processes).</p>",
            s.run.row.backend.name(),
            xml(&s.outcome.outcome),
            xml(&s.outcome.verdict)
        );
        return;
    }
    let _ = writeln!(
        o,
        "<figure class=\"witness\" data-lanes=\"{}\" data-marks=\"{}\">\n<figcaption>{} · outcome <code>{}</code> · {}</figcaption>\n<div class=\"side\">\n<div class=\"diagram\">",
        trace.threads.len().max(1),
        trace.events.len(),
        s.run.row.backend.name(),
        xml(&s.outcome.outcome),
        xml(&s.outcome.verdict)
    );
    o.push_str(&diagram::svg::render(trace));
    let _ = writeln!(
        o,
        "</div>\n<pre class=\"trace\">{}</pre>\n</div>",
        xml(&trace.render())
    );
    match &s.witness.replay {
        Some(token) => {
            let _ = writeln!(
                o,
                "<p class=\"replay\">Replay (from the report directory): <code>racetrace replay traces/{}.json</code> · schedule <code>{}</code> · <a href=\"traces/{}.svg\">SVG</a></p>",
                xml(&s.stem()),
                xml(token),
                xml(&s.stem())
            );
        }
        None => {
            let _ = writeln!(
                o,
                "<p class=\"replay muted\">A {} run cannot be replayed exactly. · <a href=\"traces/{}.svg\">SVG</a></p>",
                s.run.row.backend.name(),
                xml(&s.stem())
            );
        }
    }
    let _ = writeln!(o, "</figure>");
}

/// Write the report into `dir`: `index.html`, and each witness shown as
/// `traces/NAME.json` (when replayable) and `traces/NAME.svg`, beside a
/// manifest of those files. The report is built beside `dir` and renamed
/// into place ([`out_dir::publish_dir`]): `dir` may be absent (it is
/// created; its parent must exist), empty, or an earlier report's (replaced whole); a directory
/// holding anything else is refused and left alone. Returns the path of
/// `index.html`.
pub fn write(dir: &Path, runs: &[Checked], total_seconds: f64) -> Result<PathBuf, Error> {
    out_dir::publish_dir(dir, |scratch| fill(scratch, runs, total_seconds))?;
    Ok(dir.join("index.html"))
}

/// Write the report's files into the empty directory `dir`; their paths,
/// relative, `/`-separated.
fn fill(dir: &Path, runs: &[Checked], total_seconds: f64) -> Result<Vec<String>, Error> {
    let io = |what: &Path, source: std::io::Error| Error::Io {
        action: "write",
        path: what.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    let traces = dir.join("traces");
    std::fs::create_dir_all(&traces).map_err(|e| io(&traces, e))?;
    for (_, variants) in by_variant(runs) {
        for (_, vruns) in variants {
            for s in shown(&vruns).0 {
                if s.witness.trace.events.is_empty() {
                    continue; // nothing to draw (see `witness_figure`)
                }
                let svg = format!("traces/{}.svg", s.stem());
                std::fs::write(dir.join(&svg), diagram::svg::render(&s.witness.trace))
                    .map_err(|e| io(&dir.join(&svg), e))?;
                files.push(svg);
                if s.replayable() {
                    let json = format!("traces/{}.json", s.stem());
                    TraceFile::from_witness(&s.run.report, s.witness)?.save(&dir.join(&json))?;
                    files.push(json);
                }
            }
        }
    }
    let index = dir.join("index.html");
    std::fs::write(&index, page(runs, total_seconds)).map_err(|e| io(&index, e))?;
    files.push("index.html".to_string());
    Ok(files)
}
