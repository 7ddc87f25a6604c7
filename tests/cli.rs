//! The command-line contract that CI scripts and other issues rely on.

#[path = "cli_contract/run.rs"]
mod run;

use run::{Ran, assert_usage_error};

fn racetrace(args: &[&str]) -> Ran {
    run::racetrace(args)
}

fn stdout(o: &Ran) -> String {
    o.stdout.clone()
}

fn stderr(o: &Ran) -> String {
    o.stderr.clone()
}

#[test]
fn outcomes_json_has_the_documented_fields() {
    let o = racetrace(&[
        "outcomes",
        "unsafe-counter",
        "--variant",
        "load-store",
        "--threads",
        "2",
        "--ops",
        "2",
        "--backend",
        "shuttle-dfs",
        "--json",
    ]);
    assert_eq!(o.code, Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["pattern"], "unsafe-counter");
    assert_eq!(v["variant"], "load-store");
    assert_eq!(v["backend"], "shuttle-dfs");
    assert!(v["schedules"].as_u64().unwrap() > 0);
    assert_eq!(v["complete"], true);
    let outcomes = v["outcomes"].as_array().unwrap();
    let values: Vec<&str> = outcomes
        .iter()
        .map(|o| o["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["2", "3", "4"]);
    for o in outcomes {
        assert!(o["schedules"].as_u64().unwrap() > 0);
        assert_eq!(o["allowed"].as_bool().unwrap(), o["outcome"] == "4");
        assert!(o["witness"].is_object() || o["witness"].is_null());
    }
}

#[test]
fn explore_saves_a_trace_that_replay_reproduces() {
    let dir = std::env::temp_dir().join(format!("racetrace-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("t.json");
    let f = file.to_str().unwrap();
    let o = racetrace(&["explore", "unsafe-counter", "--save", f]);
    assert_eq!(o.code, Some(1), "a violation exits 1: {}", stderr(&o));
    assert!(stdout(&o).contains("FORBIDDEN"));
    let o = racetrace(&["replay", f]);
    assert_eq!(o.code, Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("the same trace"));

    // Corrupt it: exit 2, one line.
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, &text[..text.len() / 3]).unwrap();
    assert_usage_error(&["replay", f], "bad trace file");
    std::fs::write(&file, "not json").unwrap();
    assert_usage_error(&["replay", f], "bad trace file");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_usage_error(&["replay", f], "cannot read");
}

#[test]
fn explore_of_a_correct_variant_exits_zero() {
    let o = racetrace(&[
        "explore",
        "locked-counter",
        "--variant",
        "mutex",
        "--backend",
        "shuttle-dfs",
    ]);
    assert_eq!(o.code, Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("no violation"));
}

#[test]
fn bad_input_is_one_line_and_exit_two() {
    assert_usage_error(&["outcomes", "no-such-pattern"], "unknown pattern");
    assert_usage_error(
        &["outcomes", "unsafe-counter", "--variant", "nope"],
        "no variant",
    );
    assert_usage_error(
        &["outcomes", "unsafe-counter", "--backend", "quantum"],
        "unknown backend",
    );
    assert_usage_error(
        &["outcomes", "unsafe-counter", "--threads", "0"],
        "--threads",
    );
    assert_usage_error(
        &["outcomes", "unsafe-counter", "--threads", "x"],
        "invalid value",
    );
    assert_usage_error(
        &[
            "outcomes",
            "unsafe-counter",
            "--threads",
            "5",
            "--backend",
            "loom",
        ],
        "at most 5",
    );
    assert_usage_error(
        &["outcomes", "unsafe-counter", "--param", "cores=2"],
        "no parameter",
    );
    assert_usage_error(
        &["outcomes", "unsafe-counter", "--param", "threads"],
        "NAME=VALUE",
    );
    assert_usage_error(
        &[
            "outcomes",
            "unsafe-counter",
            "--backend",
            "shuttle-dfs",
            "--preemption-bound",
            "1",
        ],
        "loom",
    );
    assert_usage_error(&["outcomes", "unsafe-counter", "--seed", "3"], "--seed");
    assert_usage_error(
        &["outcomes", "unsafe-counter", "--max-schedules", "0"],
        "at least 1",
    );
    assert_usage_error(&["check", "nope"], "unknown pattern");
    assert_usage_error(&["frobnicate"], "unrecognized subcommand");
    assert_usage_error(&["list", "--bogus"], "unexpected argument");
}

#[test]
fn help_documents_every_exit_code() {
    for args in [&["--help"][..], &["check", "--help"], &["replay", "--help"]] {
        let o = racetrace(args);
        assert_eq!(o.code, Some(0));
        let out = stdout(&o);
        for code in ["0 ", "1 ", "2 "] {
            assert!(
                out.contains(&format!("  {code}")),
                "{args:?} lacks exit code {code}"
            );
        }
    }
}

#[test]
fn list_json_names_every_pattern_and_variant() {
    let o = racetrace(&["list", "--json"]);
    assert_eq!(o.code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    for p in racetrace_patterns::all() {
        let entry = v
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["pattern"] == p.name)
            .unwrap();
        assert_eq!(
            entry["variants"].as_array().unwrap().len(),
            p.variants.len()
        );
    }
}

#[test]
fn check_of_one_pattern_passes_and_prints_its_rows() {
    let o = racetrace(&["check", "locked-counter", "--json"]);
    assert_eq!(o.code, Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ok"], true);
    let rows = v["checks"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["pattern"] == "locked-counter"));
    assert!(
        rows.iter()
            .any(|r| r["backend"] == "loom" && r["verdict"] == "verified")
    );
}
