//! `--shard K/N`, `racetrace merge` and `--jobs N` on the command line: the
//! merged shards' table is the whole exploration's, byte for byte, and bad
//! shards, files and combinations are refused with one line and exit 2.

use std::path::PathBuf;
use std::process::{Command, Output};

fn racetrace(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_racetrace"))
        .args(args)
        .output()
        .expect("racetrace runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The outcome table: what `outcomes` prints before the witnesses (a
/// merged witness is the first its shard found, numbered in that shard).
fn table(o: &Output) -> String {
    let out = stdout(o);
    out.split("\n\n").next().unwrap_or_default().to_string()
}

/// Exit 2 and exactly one line on stderr, containing `needle`.
fn refused(o: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{err}");
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("racetrace-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

const RUN: [&str; 6] = ["outcomes", "unsafe-counter", "--threads", "3", "--ops", "2"];

#[test]
fn merged_shards_print_the_whole_explorations_table() {
    let whole = racetrace(&RUN);
    assert_eq!(whole.status.code(), Some(0));
    for total in [2, 3] {
        let mut files = Vec::new();
        for k in 1..=total {
            let shard = format!("{k}/{total}");
            let mut args = RUN.to_vec();
            args.extend(["--shard", &shard, "--json"]);
            let o = racetrace(&args);
            assert_eq!(o.status.code(), Some(0));
            let f = scratch(&format!("shard-{k}-of-{total}.json"));
            std::fs::write(&f, &o.stdout).unwrap();
            files.push(f.display().to_string());
        }
        // In any order.
        files.reverse();
        let mut args = vec!["merge"];
        args.extend(files.iter().map(String::as_str));
        let merged = racetrace(&args);
        assert_eq!(merged.status.code(), Some(0));
        assert_eq!(table(&merged), table(&whole), "{total} shards");
        // Every forbidden outcome still comes with a witness trace.
        assert_eq!(
            stdout(&merged).matches(" schedule: shuttle/").count(),
            stdout(&whole).matches(" schedule: shuttle/").count()
        );
        // --deny-forbidden: the counter loses updates.
        args.push("--deny-forbidden");
        assert_eq!(racetrace(&args).status.code(), Some(1));
    }
}

/// `--jobs N` prints the one-thread table; its whole output, witnesses
/// included, is the same for every N above 1, and is what `outcomes`
/// prints by default (every core, at least 2 threads), so that the default
/// output is the same on every machine.
#[test]
fn jobs_print_the_one_thread_table_and_the_same_output_for_any_number_of_threads() {
    let with = |jobs: &'static str| {
        let mut args = RUN.to_vec();
        args.extend(["--jobs", jobs]);
        let o = racetrace(&args);
        assert_eq!(o.status.code(), Some(0));
        o
    };
    let one = with("1");
    let two = with("2");
    assert_eq!(table(&two), table(&one));
    assert_eq!(stdout(&with("3")), stdout(&two));
    assert_eq!(stdout(&racetrace(&RUN)), stdout(&two), "the default");
}

#[test]
fn bad_shards_and_merges_are_refused_with_one_line() {
    for bad in ["0/2", "3/2", "2", "a/b", "1/0", "-1/2", "1/2/3"] {
        let flag = format!("--shard={bad}");
        let mut args = RUN.to_vec();
        args.push(&flag);
        refused(&racetrace(&args), "--shard expects K/N");
    }
    let mut args = RUN.to_vec();
    args.extend(["--shard", "1/2", "--backend", "shuttle-dfs"]);
    refused(&racetrace(&args), "dpor backend only");
    let mut args = RUN.to_vec();
    args.extend(["--shard", "1/2", "--jobs", "2"]);
    refused(&racetrace(&args), "give one or the other");

    let mut shard = RUN.to_vec();
    shard.extend(["--shard", "1/2", "--json"]);
    let one = scratch("one-of-two.json");
    std::fs::write(&one, racetrace(&shard).stdout).unwrap();
    let one = one.display().to_string();
    refused(&racetrace(&["merge", &one]), "shard 2/2 is missing");
    refused(&racetrace(&["merge", &one, &one]), "given twice");
    let mut whole = RUN.to_vec();
    whole.push("--json");
    let w = scratch("whole.json");
    std::fs::write(&w, racetrace(&whole).stdout).unwrap();
    refused(
        &racetrace(&["merge", &w.display().to_string()]),
        "a whole exploration, not a shard",
    );
    let other = scratch("other.json");
    std::fs::write(
        &other,
        racetrace(&[
            "outcomes",
            "unsafe-counter",
            "--threads",
            "2",
            "--shard",
            "2/2",
            "--json",
        ])
        .stdout,
    )
    .unwrap();
    refused(
        &racetrace(&["merge", &one, &other.display().to_string()]),
        "explored",
    );
    let junk = scratch("junk.json");
    std::fs::write(&junk, "{\"label\": 1}\n").unwrap();
    refused(
        &racetrace(&["merge", &junk.display().to_string()]),
        "not a report written by `outcomes --json`",
    );
    refused(&racetrace(&["merge", "/dev/null/none"]), "none");
    refused(&racetrace(&["merge", "/tmp"]), "not a regular file");
}

/// An exploration that ends within 500 schedules is not split: by
/// default and with `--jobs 2` it prints what `--jobs 1` prints, byte for
/// byte — also on a program (a self-deadlock) where 8 shards count more
/// (5 against 3 on 2026-12-01, docs/scale.md), their prefix's depth-first
/// search counting the deadlocked executions differently.
#[test]
fn a_small_exploration_on_every_core_prints_the_one_thread_output() {
    let run = |jobs: Option<&str>| {
        let mut args = vec!["outcomes", "relock", "--variant", "non-reentrant"];
        if let Some(j) = jobs {
            args.extend(["--jobs", j]);
        }
        stdout(&racetrace(&args))
    };
    let one = run(Some("1"));
    // Small enough to stay whole (racetrace::config::JOBS_WHOLE_FIRST).
    let schedules: u64 = one
        .lines()
        .nth(1)
        .and_then(|l| l.strip_suffix(" schedules, complete"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a complete exploration: {one}"));
    assert!(schedules <= racetrace::config::JOBS_WHOLE_FIRST, "{one}");
    assert_eq!(run(None), one);
    assert_eq!(run(Some("2")), one);
}
