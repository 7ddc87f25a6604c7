//! `racetrace report` and `explore --svg/--mermaid` from the command line:
//! the files they write, the replay commands the report shows, bad paths.
//! (The page in a real browser: tests/browser.rs.)

use racetrace_patterns::replay::TraceFile;
use racetrace_report::diagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn racetrace(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_racetrace"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run racetrace")
}

fn tmp(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn one_line_exit_two(o: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert!(err.contains(needle), "{err}");
}

#[test]
fn report_writes_a_page_whose_replay_commands_reproduce_each_witness() {
    let dir = tmp("report-unsafe-counter");
    let o = racetrace(&dir, &["report", "unsafe-counter", "--out", "out"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("report written to"), "{stdout}");
    let out = dir.join("out");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("id=\"v-unsafe-counter-load-store\""));
    assert!(html.contains("id=\"v-unsafe-counter-unsafe-cell\""));
    assert!(
        !html.contains("locked-counter"),
        "only the pattern asked for"
    );
    // Every replay command shown names a file that exists and replays to
    // the same trace, from the report directory as the page says.
    let commands: Vec<&str> = html
        .match_indices("<code>racetrace replay ")
        .map(|(i, _)| {
            let rest = &html[i + "<code>".len()..];
            &rest[..rest.find("</code>").unwrap()]
        })
        .collect();
    assert!(
        commands.len() >= 4,
        "loom and shuttle-dfs witnesses of both variants"
    );
    for c in commands {
        let file = c.strip_prefix("racetrace replay ").unwrap();
        let r = racetrace(&out, &["replay", file]);
        assert_eq!(
            r.status.code(),
            Some(0),
            "{c}: {}",
            String::from_utf8_lossy(&r.stdout)
        );
        // Its diagram beside it is the saved trace's.
        let saved = TraceFile::load(&out.join(file)).unwrap();
        let svg = std::fs::read_to_string(out.join(file.replace(".json", ".svg"))).unwrap();
        assert_eq!(svg, diagram::svg::render(&saved.trace));
        assert!(html.contains(&svg), "the page inlines the same SVG");
    }
}

#[test]
fn report_to_a_bad_directory_is_one_line_and_exit_two() {
    let dir = tmp("report-bad");
    std::fs::write(dir.join("a-file"), "x").unwrap();
    let o = racetrace(&dir, &["report", "unsafe-counter", "--out", "a-file/sub"]);
    one_line_exit_two(&o, "a-file/sub");
    let o = racetrace(&dir, &["report", "no-such-pattern", "--out", "out"]);
    one_line_exit_two(&o, "unknown pattern");
    let o = racetrace(&dir, &["report"]);
    one_line_exit_two(&o, "required");
}

#[test]
fn explore_writes_the_svg_and_mermaid_of_the_trace_it_saves() {
    let dir = tmp("explore-diagrams");
    let args = [
        "explore",
        "unsafe-counter",
        "--backend",
        "shuttle-dfs",
        "--save",
        "t.json",
        "--svg",
        "t.svg",
        "--mermaid",
        "t.mmd",
    ];
    let o = racetrace(&dir, &args);
    assert_eq!(o.status.code(), Some(1), "a violation was found");
    let saved = TraceFile::load(&dir.join("t.json")).unwrap();
    let svg = std::fs::read_to_string(dir.join("t.svg")).unwrap();
    let mmd = std::fs::read_to_string(dir.join("t.mmd")).unwrap();
    assert_eq!(svg, diagram::svg::render(&saved.trace));
    assert_eq!(mmd, diagram::mermaid::render(&saved.trace));

    // `--mermaid -` prints the diagram instead of the text trace.
    let o = racetrace(
        &dir,
        &[
            "explore",
            "unsafe-counter",
            "--backend",
            "shuttle-dfs",
            "--mermaid",
            "-",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stdout), mmd);
}

#[test]
fn explore_refuses_a_diagram_path_in_a_missing_directory_before_exploring() {
    let dir = tmp("explore-bad-path");
    for flag in ["--svg", "--mermaid", "--save"] {
        let o = racetrace(
            &dir,
            &["explore", "unsafe-counter", flag, "no/such/dir/x.out"],
        );
        one_line_exit_two(&o, "does not exist");
    }
    let o = racetrace(&dir, &["explore", "unsafe-counter", "--svg", "."]);
    one_line_exit_two(&o, "is a directory");
}

/// Every entry under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_second_report_replaces_the_first_whole_and_leaves_nothing_beside_it() {
    let dir = tmp("report-twice");
    let o = racetrace(&dir, &["report", "unsafe-counter", "--out", "out"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let first = tree(&dir.join("out"));
    assert!(
        first
            .iter()
            .any(|f| f.contains("unsafe-counter-load-store@")),
        "{first:?}"
    );
    assert!(
        first.contains(&".racetrace-report".to_string()),
        "{first:?}"
    );
    let o = racetrace(&dir, &["report", "relock", "--out", "out"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let second = tree(&dir.join("out"));
    assert!(
        !second.iter().any(|f| f.contains("unsafe-counter")),
        "stale files of the first report: {second:?}"
    );
    assert!(
        second.iter().any(|f| f.contains("relock-non-reentrant@")),
        "{second:?}"
    );
    // The manifest names exactly the files written.
    let manifest = std::fs::read_to_string(dir.join("out/.racetrace-report")).unwrap();
    let mut listed: Vec<&str> = manifest.lines().skip(1).collect();
    listed.sort();
    let files: Vec<&str> = second
        .iter()
        .map(String::as_str)
        .filter(|f| *f != ".racetrace-report" && *f != "traces")
        .collect();
    assert_eq!(listed, files);
    // No scratch directory left beside it.
    assert_eq!(
        tree(&dir).iter().filter(|f| !f.starts_with("out")).count(),
        0,
        "{:?}",
        tree(&dir)
    );
    // An empty directory is taken too.
    std::fs::create_dir(dir.join("empty")).unwrap();
    let o = racetrace(&dir, &["report", "relock", "--out", "empty"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(dir.join("empty/index.html").is_file());
}

#[test]
fn report_refuses_a_directory_it_did_not_write_and_leaves_it_alone() {
    let dir = tmp("report-foreign");
    std::fs::create_dir(dir.join("mine")).unwrap();
    std::fs::write(dir.join("mine/notes.txt"), "keep me").unwrap();
    let o = racetrace(&dir, &["report", "relock", "--out", "mine"]);
    one_line_exit_two(&o, "notes.txt");
    assert!(o.stdout.is_empty(), "it explored before refusing");
    assert_eq!(tree(&dir.join("mine")), ["notes.txt"]);
    // A report's directory with a file added to it: refused, nothing lost.
    let o = racetrace(&dir, &["report", "relock", "--out", "out"]);
    assert_eq!(o.status.code(), Some(0));
    std::fs::write(dir.join("out/traces/mine.txt"), "keep me too").unwrap();
    let before = tree(&dir.join("out"));
    let o = racetrace(&dir, &["report", "relock", "--out", "out"]);
    one_line_exit_two(&o, "mine.txt");
    assert_eq!(tree(&dir.join("out")), before);
    // A forged manifest does not make a directory the report's: every
    // entry must be one it lists.
    std::fs::write(dir.join("mine/.racetrace-report"), "x\nnotes.txt\n").unwrap();
    let o = racetrace(&dir, &["report", "relock", "--out", "mine"]);
    one_line_exit_two(&o, "mine");
    assert_eq!(
        std::fs::read_to_string(dir.join("mine/notes.txt")).unwrap(),
        "keep me"
    );
    // Not a directory.
    let o = racetrace(&dir, &["report", "relock", "--out", "mine/notes.txt"]);
    one_line_exit_two(&o, "not a directory");
    assert_eq!(
        tree(&dir)
            .iter()
            .filter(|f| f.contains("racetrace-new"))
            .count(),
        0
    );
}
