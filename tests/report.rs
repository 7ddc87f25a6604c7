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
