//! The command-line contract that CI scripts and other issues rely on.

#[path = "cli_contract/run.rs"]
mod run;

#[path = "cli/json.rs"]
mod json;

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

    // A shard's witness is numbered within its shard (as in a split
    // `--jobs` run), which the replay's check of the file re-runs.
    let shard = dir.join("shard.json");
    let s = shard.to_str().unwrap();
    let args = [
        "explore",
        "unsafe-counter",
        "--threads",
        "3",
        "--shard",
        "3/8",
        "--save",
        s,
    ];
    let o = racetrace(&args);
    assert_eq!(o.code, Some(1), "a violation exits 1: {}", stderr(&o));
    assert!(
        stdout(&o).contains(" · dpor · shard 3/8 · schedule "),
        "{}",
        stdout(&o)
    );
    let o = racetrace(&["replay", s]);
    assert_eq!(o.code, Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("the same trace"));

    // A portfolio's shrunk witness (six threads: PCT's lost update, shrunk
    // to fewer preemptions) replays from its file too.
    let shrunk = dir.join("shrunk.json");
    let s = shrunk.to_str().unwrap();
    let args = [
        "explore",
        "unsafe-counter",
        "--backend",
        "portfolio",
        "--threads",
        "6",
        "--max-schedules",
        "5000",
        "--save",
        s,
    ];
    let o = racetrace(&args);
    assert_eq!(o.code, Some(1), "a violation exits 1: {}", stderr(&o));
    assert!(
        stdout(&o).contains(" preemptions") && stdout(&o).contains(" · shrunk from "),
        "{}",
        stdout(&o)
    );
    let o = racetrace(&["replay", s]);
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

/// The model rows of `check PATTERN --json --jobs N`: everything but the
/// time taken, in order.
fn model_rows(pattern: &str, jobs: &str) -> Vec<serde_json::Value> {
    let o = racetrace(&["check", pattern, "--json", "--jobs", jobs]);
    assert_eq!(o.code, Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut rows = v["checks"].as_array().unwrap().clone();
    rows.retain(|r| r["backend"] != "real");
    for r in &mut rows {
        r.as_object_mut().unwrap().remove("elapsed");
    }
    rows
}

/// With jobs side by side, `check` runs each loom job in a child process of
/// its own (its hidden command `__check-job`; loom's stacks, unmapped in
/// every execution, stall the threads beside it): the child prints the
/// job's report, and the rows are those of a run in one process.
#[test]
fn loom_jobs_in_child_processes_give_the_rows_of_one_process() {
    let pattern = racetrace_patterns::find("lazy-init").unwrap();
    let variant = &pattern.variants[1];
    let index = variant
        .jobs
        .iter()
        .position(|j| j.backend == racetrace::Backend::Loom)
        .expect("lazy-init's second variant has a loom job");
    let o = racetrace(&[
        racetrace_patterns::CHILD_COMMAND,
        pattern.name,
        variant.name,
        &index.to_string(),
    ]);
    assert_eq!(o.code, Some(0), "{}", stderr(&o));
    let child: racetrace::Report = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(child.backend, racetrace::Backend::Loom);

    let one = model_rows(pattern.name, "1");
    let row = one
        .iter()
        .find(|r| r["variant"] == variant.name && r["backend"] == "loom")
        .unwrap();
    assert_eq!(row["schedules"], child.schedules);
    assert_eq!(row["complete"], child.complete);
    assert_eq!(model_rows(pattern.name, "2"), one);
}

#[test]
fn a_child_job_that_does_not_exist_is_a_usage_error() {
    let c = racetrace_patterns::CHILD_COMMAND;
    assert_usage_error(&[c, "nope", "x", "0"], "unknown pattern 'nope'");
    assert_usage_error(&[c, "lazy-init", "x", "0"], "no variant 'x'");
    assert_usage_error(
        &[c, "lazy-init", "relaxed", "99"],
        "job 99: the variant has",
    );
    assert_usage_error(&[c, "lazy-init", "relaxed", "-1"], "");
}

// ---------------------------------------------------------------------------
// `racetrace list` advertises what works; tables line up.

/// The parameter syntaxes `racetrace list` shows for each pattern, with
/// their default values: `["--threads 2", "--param tries=1"]`.
fn listed_params(list: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_params = false;
    for line in list.lines() {
        if let Some((name, _)) = line.split_once(" — ").filter(|_| !line.starts_with(' ')) {
            out.push((name.to_string(), Vec::new()));
            in_params = false;
        } else if line.starts_with("  params:") {
            in_params = true;
        } else if in_params && line.starts_with("    ") {
            let syntax = line.trim_start().split("  ").next().unwrap().to_string();
            out.last_mut().unwrap().1.push(syntax);
        } else {
            in_params = false;
        }
    }
    out
}

#[test]
fn list_advertises_only_parameter_syntax_that_outcomes_accepts() {
    let o = racetrace(&["list"]);
    assert_eq!(o.code, Some(0), "{}", stderr(&o));
    let listed = listed_params(&stdout(&o));
    let all = racetrace_patterns::all();
    assert_eq!(listed.len(), all.len(), "{listed:?}");
    let j = racetrace(&["list", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&j)).unwrap();
    for ((name, syntaxes), p) in listed.iter().zip(all) {
        assert_eq!(name, p.name);
        assert_eq!(syntaxes.len(), p.params.len(), "{name}: {syntaxes:?}");
        let entry = json
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["pattern"] == p.name)
            .unwrap();
        for (syntax, spec) in syntaxes.iter().zip(p.params) {
            // The JSON's `flag`, with the default for N, is the text's.
            let flag = entry["params"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["name"] == spec.name)
                .unwrap()["flag"]
                .as_str()
                .unwrap()
                .replace('N', &spec.default.to_string());
            assert_eq!(&flag, syntax, "{name}");
            // Given exactly as shown, the parameter is accepted (the old
            // `--tries 1` was an unknown flag: exit 2).
            let mut args = vec!["outcomes", p.name];
            args.extend(syntax.split(' '));
            args.extend(["--backend", "shuttle-random", "--max-schedules", "1"]);
            let r = racetrace(&args);
            assert_eq!(r.code, Some(0), "{args:?}: {}", stderr(&r));
        }
    }
}

/// Where the columns of `header` start (left-aligned) or end (right-aligned,
/// `right[i]`), in characters; every line must have its fields there.
fn assert_aligned(header: &str, lines: &[&str], right: &[bool]) {
    let chars = |s: &str| s.chars().collect::<Vec<char>>();
    let h = chars(header);
    let mut cols = Vec::new(); // (start, end) of each header word
    let mut i = 0;
    while i < h.len() {
        if h[i] != ' ' {
            let start = i;
            while i < h.len() && h[i] != ' ' {
                i += 1;
            }
            cols.push((start, i));
        } else {
            i += 1;
        }
    }
    assert_eq!(cols.len(), right.len(), "{header}");
    for line in lines {
        let l = chars(line);
        let at = |k: usize| l.get(k).copied().unwrap_or(' ');
        for (&(start, end), &r) in cols.iter().zip(right) {
            let ok = if r {
                at(end - 1) != ' ' && at(end) == ' '
            } else {
                at(start) != ' ' && (start == 0 || at(start - 1) == ' ')
            };
            assert!(ok, "column at {start}..{end} misaligned:\n{header}\n{line}");
        }
    }
}

#[test]
fn check_table_columns_line_up_when_a_name_is_longer_than_its_header() {
    // `try-lock-backoff` is longer than the 14 characters the variant
    // column once had; the verdicts vary in length (so they come last).
    let o = racetrace(&["check", "relock", "lock-order"]);
    assert_eq!(o.code, Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines: Vec<&str> = out.lines().collect();
    let summary = lines.pop().unwrap();
    assert!(summary.contains("all as specified"), "{summary}");
    let header = lines.remove(0);
    assert!(lines.iter().any(|l| l.contains("try-lock-backoff")));
    assert_aligned(
        header,
        &lines,
        &[false, false, false, true, false, true, false],
    );
}

#[test]
fn outcome_tables_line_up_when_an_outcome_is_longer_than_its_header() {
    let o = racetrace(&[
        "outcomes",
        "lock-order",
        "--variant",
        "opposite-order",
        "--backend",
        "shuttle-dfs",
    ]);
    assert_eq!(o.code, Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let table: Vec<&str> = out
        .lines()
        .skip(2)
        .take_while(|l| l.contains(" | "))
        .collect();
    assert!(
        table.len() >= 3 && table.iter().any(|l| l.contains("deadlock")),
        "{out}"
    );
    let bars = |l: &str| -> Vec<usize> {
        l.chars()
            .enumerate()
            .filter(|(_, c)| *c == '|')
            .map(|(i, _)| i)
            .collect()
    };
    for l in &table {
        assert_eq!(bars(l), bars(table[0]), "{out}");
    }
}

#[test]
fn list_columns_line_up_across_every_pattern() {
    let out = stdout(&racetrace(&["list"]));
    // Variant lines: two spaces, the variant, its expectation, its summary.
    let names: Vec<&str> = racetrace_patterns::all()
        .iter()
        .flat_map(|p| p.variants.iter().map(|v| v.name))
        .collect();
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| {
            l.strip_prefix("  ")
                .is_some_and(|r| names.iter().any(|n| r.starts_with(&format!("{n} "))))
        })
        .collect();
    assert_eq!(lines.len(), names.len(), "{out}");
    let column = |l: &str, k: usize| {
        // Start of the k-th field after runs of two or more spaces.
        let c: Vec<char> = l.chars().collect();
        let mut starts = Vec::new();
        for i in 2..c.len() {
            if c[i] != ' ' && c[i - 1] == ' ' && c[i - 2] == ' ' {
                starts.push(i);
            }
        }
        starts[k]
    };
    for k in 1..3 {
        let first = column(lines[0], k);
        for l in &lines {
            assert_eq!(column(l, k), first, "column {k}:\n{}\n{l}", lines[0]);
        }
    }
}

// ---------------------------------------------------------------------------
// `check --junit FILE`.

fn attr<'a>(n: roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    n.attribute(name)
        .unwrap_or_else(|| panic!("<{}> has no {name}", n.tag_name().name()))
}

#[test]
fn check_junit_has_one_testcase_per_row_and_replaces_the_file_whole() {
    let dir = std::env::temp_dir().join(format!("racetrace-junit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("junit.xml");
    std::fs::write(&file, "an older file").unwrap();
    let o = racetrace(&[
        "check",
        "relock",
        "lost-wakeup",
        "--json",
        "--junit",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.code, Some(0), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let rows = rows["checks"].as_array().unwrap();
    let xml = std::fs::read_to_string(&file).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(attr(root, "tests"), rows.len().to_string());
    assert_eq!(attr(root, "failures"), "0");
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert_eq!(
        suites.iter().map(|s| attr(*s, "name")).collect::<Vec<_>>(),
        ["relock", "lost-wakeup"]
    );
    let cases: Vec<_> = suites
        .iter()
        .flat_map(|s| s.children().filter(|n| n.is_element()))
        .collect();
    assert_eq!(cases.len(), rows.len());
    for (case, row) in cases.iter().zip(rows) {
        assert_eq!(case.tag_name().name(), "testcase");
        assert_eq!(
            attr(*case, "classname"),
            format!("racetrace.{}", row["pattern"].as_str().unwrap())
        );
        assert_eq!(
            attr(*case, "name"),
            format!(
                "{}@{}",
                row["variant"].as_str().unwrap(),
                row["backend"].as_str().unwrap()
            )
        );
        assert!(attr(*case, "time").parse::<f64>().is_ok());
        assert!(!case.children().any(|n| n.has_tag_name("failure")));
    }
    // Nothing left beside it: written to a scratch file and renamed.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["junit.xml"]);
    // A directory is refused before anything runs, in one line.
    run::assert_usage_error(&["check", "--junit", dir.to_str().unwrap()], "--junit");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn junit_failures_carry_the_verdict_and_hostile_text_is_escaped() {
    use racetrace_patterns::spec::{Expect, Verdict};
    let row = |variant: &'static str, verdict: Verdict| racetrace_patterns::CheckRow {
        pattern: "p<&>\"'",
        variant,
        expect: Expect::Bug("lost \u{1b}[31mupdate"),
        backend: racetrace::Backend::ShuttleDfs,
        params: Default::default(),
        schedules: 5000,
        complete: false,
        bound: Some("stopped at 5000 schedules".into()),
        verdict,
        as_specified: verdict.ok(),
        violations: vec!["1 < 2 & \"x\"".into()],
        elapsed: 0.25,
        seq_cst_only: false,
    };
    let rows = [
        row("missed]]>", Verdict::BugMissed),
        row("seen", Verdict::BugNotSeen),
    ];
    let xml = racetrace_report::junit::render(&rows, 1.5);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(attr(root, "tests"), "2");
    assert_eq!(attr(root, "failures"), "1");
    let suite = root.first_element_child().unwrap();
    assert_eq!(attr(suite, "name"), "p<&>\"'");
    let cases: Vec<_> = suite.children().filter(|n| n.is_element()).collect();
    assert_eq!(attr(cases[0], "name"), "missed]]>@shuttle-dfs");
    let failure = cases[0]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("a failure element for the missed bug");
    assert_eq!(attr(failure, "type"), "bug-missed");
    assert!(
        attr(failure, "message").contains("bug MISSED (stopped at 5000 schedules, not exhaustive)")
    );
    assert!(failure.text().unwrap().contains("1 < 2 & \"x\""));
    assert!(!cases[1].children().any(|n| n.has_tag_name("failure")));
    let out = cases[1]
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .unwrap();
    assert!(
        out.text()
            .unwrap()
            .contains("bug not seen (stopped at 5000 schedules")
    );
    assert!(
        !xml.contains('\u{1b}'),
        "a control character reached the XML"
    );
}

#[test]
fn an_exhaustive_exploration_that_cannot_finish_is_refused_unless_bounded() {
    for sub in ["outcomes", "explore"] {
        let o = racetrace(&[sub, "unsafe-counter", "--threads", "16", "--ops", "1000"]);
        assert_eq!(o.code, Some(2), "{sub}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("racetrace: refused: dpor would need about 10^"),
            "{err}"
        );
    }
    // A time limit makes it a partial exploration, which is allowed.
    let o = racetrace(&[
        "outcomes",
        "unsafe-counter",
        "--threads",
        "16",
        "--ops",
        "1000",
        "--max-seconds",
        "1",
    ]);
    assert_eq!(o.code, Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("stopped at the time limit"),
        "{}",
        stdout(&o)
    );
}

/// loom's estimate comes from a probe of loom itself (at most 5 s): the
/// four-worker pool would take a day or more, and is refused in one line.
/// Under RACETRACE_FULL (the probe costs about 4 s), as `tests/estimate.rs`'s
/// check of the same refusal without the CLI.
#[test]
fn a_loom_exploration_that_cannot_finish_is_refused_after_a_probe() {
    if std::env::var_os("RACETRACE_FULL").is_none_or(|v| v != "1") {
        return;
    }
    let start = std::time::Instant::now();
    let o = racetrace(&[
        "outcomes",
        "process-pool",
        "--backend",
        "loom",
        "--param",
        "workers=4",
    ]);
    assert_eq!(o.code, Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("racetrace: refused: loom would need about 10^")
            && err.contains("probe of loom"),
        "{err}"
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
}

#[test]
fn the_memory_budget_flag_takes_a_size_with_a_unit() {
    let o = racetrace(&["outcomes", "unsafe-counter", "--max-memory", "4G"]);
    assert_eq!(o.code, Some(0), "{}", stderr(&o));
    let o = racetrace(&["outcomes", "unsafe-counter", "--max-memory", "4096"]);
    assert_eq!(o.code, Some(2));
    assert!(
        stderr(&o).starts_with("racetrace: --max-memory: "),
        "{}",
        stderr(&o)
    );
}
