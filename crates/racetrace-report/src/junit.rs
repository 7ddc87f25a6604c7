//! `racetrace check --junit FILE`: the check rows as JUnit XML, the report
//! format CI systems (GitLab, Jenkins, GitHub's test reporters) read. One
//! `<testsuite>` per pattern, one `<testcase>` per check (variant ×
//! backend), a `<failure>` for a check not as specified; how far each
//! search went is in the test case's `<system-out>`.

use crate::diagram::svg::xml;
use crate::error::Error;
use crate::out_dir;
use racetrace_patterns::CheckRow;
use std::fmt::Write as _;
use std::path::Path;

/// The JUnit XML document of `rows` (in their order, grouped by pattern).
pub fn render(rows: &[CheckRow], total_seconds: f64) -> String {
    let failures = |rs: &[&CheckRow]| rs.iter().filter(|r| !r.as_specified).count();
    let mut suites: Vec<(&str, Vec<&CheckRow>)> = Vec::new();
    for r in rows {
        match suites.iter_mut().find(|(p, _)| *p == r.pattern) {
            Some((_, rs)) => rs.push(r),
            None => suites.push((r.pattern, vec![r])),
        }
    }
    let all: Vec<&CheckRow> = rows.iter().collect();
    let mut o = String::new();
    let _ = writeln!(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        o,
        "<testsuites name=\"racetrace check\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.3}\">",
        rows.len(),
        failures(&all),
        total_seconds
    );
    for (pattern, rs) in &suites {
        let _ = writeln!(
            o,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{:.3}\">",
            xml(pattern),
            rs.len(),
            failures(rs),
            rs.iter().map(|r| r.elapsed).sum::<f64>()
        );
        for r in rs {
            case(&mut o, r);
        }
        let _ = writeln!(o, "  </testsuite>");
    }
    let _ = writeln!(o, "</testsuites>");
    o
}

fn case(o: &mut String, r: &CheckRow) {
    let _ = writeln!(
        o,
        "    <testcase classname=\"racetrace.{}\" name=\"{}@{}\" time=\"{:.3}\">",
        xml(r.pattern),
        xml(r.variant),
        r.backend.name(),
        r.elapsed
    );
    let params = r.params.describe();
    let details = format!(
        "expected: {}\nverdict: {}\nbackend: {}{}\nschedules: {}{}\nforbidden outcomes reached: {}\n",
        r.expect,
        r.describe(),
        r.backend.name(),
        if params.is_empty() {
            String::new()
        } else {
            format!(" · {params}")
        },
        r.schedules,
        match (r.complete, &r.bound) {
            (true, None) => " (complete)".to_string(),
            (true, Some(b)) => format!(" (complete within {b})"),
            (false, Some(b)) => format!(" (not exhaustive: {b})"),
            (false, None) => " (not exhaustive)".to_string(),
        },
        if r.violations.is_empty() {
            "none".to_string()
        } else {
            r.violations.join(", ")
        }
    );
    if !r.as_specified {
        let _ = writeln!(
            o,
            "      <failure type=\"{}\" message=\"{}\">{}reproduce: racetrace outcomes {} --variant {} --backend {}</failure>",
            verdict_name(r),
            xml(&format!("{} (expected {})", r.describe(), r.expect)),
            xml(&details),
            xml(r.pattern),
            xml(r.variant),
            r.backend.name()
        );
    }
    let _ = writeln!(o, "      <system-out>{}</system-out>", xml(&details));
    let _ = writeln!(o, "    </testcase>");
}

/// The verdict's JSON name (`bug-missed`), as `check --json` gives it.
fn verdict_name(r: &CheckRow) -> String {
    serde_json::to_value(r.verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Write [`render`]'s document to `path` whole (a scratch file beside it,
/// renamed over it: [`out_dir::publish_file`]).
pub fn write(path: &Path, rows: &[CheckRow], total_seconds: f64) -> Result<(), Error> {
    out_dir::publish_file(path, &render(rows, total_seconds))
}
