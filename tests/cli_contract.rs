//! The exit-status contract (README, `racetrace --help`): 0 success, 1 a
//! finding, 2 a usage error or bad input with exactly ONE line on standard
//! error. A generated corpus of bad command lines, environments and trace
//! files goes to the built binary; each must exit 2 with one line (control
//! characters escaped), never panic, never hang (every run is killed after
//! [`run::TIMEOUT`]).

#[path = "cli_contract/run.rs"]
mod run;

use run::{Ran, assert_one_line_error, assert_usage_error, racetrace, racetrace_env};
use serde_json::Value;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A scratch directory of this test process, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("racetrace-contract-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run every command line (on a few threads); each must be a one-line usage
/// error. Returns the lines, in order.
fn all_usage_errors(cases: &[Vec<OsString>]) -> Vec<String> {
    let chunks: Vec<_> = cases.chunks(cases.len().div_ceil(8).max(1)).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|args| assert_one_line_error(&racetrace(args)).to_string())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a case failed"))
            .collect()
    })
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

// ---------------------------------------------------------------------------
// The generated corpus: every subcommand, every flag, every kind of bad value.

#[derive(Clone, Copy)]
enum Kind {
    /// An unsigned integer.
    Num,
    /// A number of seconds.
    Seconds,
    /// A name (variant, backend).
    Name,
    /// `NAME=VALUE`.
    Param,
    /// An output file whose directory must exist.
    OutFile,
    /// A memory size (`512M`, `4G`).
    Memory,
}

/// Values with a newline, a tab, an escape, a carriage return, a next-line
/// and a line separator in them.
const CONTROL: [&str; 6] = ["2\n", "2\t", "\u{1b}[31m2", "2\r", "2\u{85}", "2\u{2028}"];

fn bad_values(kind: Kind) -> Vec<String> {
    let mut v: Vec<String> = CONTROL.iter().map(|s| s.to_string()).collect();
    v.extend(
        match kind {
            Kind::Num => vec![
                "x",
                "",
                "1.5",
                "-1",
                "+",
                "99999999999999999999999999",
                "1e400",
            ],
            Kind::Memory => vec!["", "12", "M", "x", "-1G", "99999999999999999999G", "0G"],
            Kind::Seconds => vec![
                "x", "", "-1", "0", "nan", "inf", "-inf", "1e19", "1e20", "1e400",
            ],
            Kind::Name => vec!["", "no\nsuch", "\u{1b}]0;title\u{7}", "a\u{7f}b"],
            Kind::Param => vec![
                "threads",
                "=2",
                "threads=",
                "threads=x",
                "threads=2\n",
                "threads\n=2",
                "threads= 2",
                "threads=-1",
                "threads=99999999999999999999999",
                "threads=\u{1b}",
                "no-such=1",
            ],
            Kind::OutFile => vec![
                "/nonexistent-racetrace-dir/t\n.json",
                "/dev/null/a\tb",
                "/nonexistent-racetrace-dir/\u{1b}[2J",
            ],
        }
        .into_iter()
        .map(str::to_string),
    );
    if matches!(kind, Kind::OutFile) {
        // A plain control value would name a file in the current directory.
        v.retain(|s| s.starts_with('/'));
    }
    v
}

const RUN_FLAGS: [(&str, Kind); 14] = [
    ("--variant", Kind::Name),
    ("--threads", Kind::Num),
    ("--ops", Kind::Num),
    ("--producers", Kind::Num),
    ("--consumers", Kind::Num),
    ("--items", Kind::Num),
    ("--capacity", Kind::Num),
    ("--param", Kind::Param),
    ("--backend", Kind::Name),
    ("--preemption-bound", Kind::Num),
    ("--max-schedules", Kind::Num),
    ("--max-seconds", Kind::Seconds),
    ("--max-memory", Kind::Memory),
    ("--seed", Kind::Num),
];

/// A subcommand: its name, the arguments it needs before its flags, and
/// its flags that take a value.
type Sub = (&'static str, Vec<&'static str>, Vec<(&'static str, Kind)>);

/// Every subcommand.
fn subcommands() -> Vec<Sub> {
    let mut explore = RUN_FLAGS.to_vec();
    explore.extend([
        ("--save", Kind::OutFile),
        ("--svg", Kind::OutFile),
        ("--mermaid", Kind::OutFile),
    ]);
    vec![
        ("list", vec![], vec![]),
        // A bad --junit path is refused before anything is explored.
        (
            "check",
            vec![],
            vec![("--jobs", Kind::Num), ("--junit", Kind::OutFile)],
        ),
        // The pattern is refused before the directory is made.
        (
            "report",
            vec!["no-such-pattern", "--out", "/dev/null/x"],
            vec![("--jobs", Kind::Num)],
        ),
        // A bad directory is refused before anything is explored.
        ("report", vec!["relock"], vec![("--out", Kind::OutFile)]),
        ("outcomes", vec!["unsafe-counter"], RUN_FLAGS.to_vec()),
        ("explore", vec!["unsafe-counter"], explore),
        ("replay", vec!["/nonexistent-racetrace-file.json"], vec![]),
    ]
}

/// The corpus: for every subcommand an unknown flag (bare and with a
/// value), an unexpected argument with control characters, a non-UTF-8
/// argument; for every flag that takes a value, the flag without its value
/// and every bad value of its kind; for every positional argument, names
/// and paths with control characters.
fn corpus() -> Vec<Vec<OsString>> {
    let mut cases = Vec::new();
    let non_utf8 = OsStr::from_bytes(b"\xff\xfe").to_os_string();
    for (sub, prefix, flags) in subcommands() {
        let base = || {
            let mut v = vec![OsString::from(sub)];
            v.extend(prefix.iter().map(OsString::from));
            v
        };
        for extra in [
            OsString::from("--no-such-flag"),
            OsString::from("--no-such-flag=1"),
            OsString::from("-Z"),
            OsString::from("--json=\n"),
            OsString::from("--\u{1b}[31mred"),
            non_utf8.clone(),
        ] {
            let mut v = base();
            v.push(extra);
            cases.push(v);
        }
        for (flag, kind) in flags {
            let mut v = base();
            v.push(flag.into());
            cases.push(v); // the value is missing
            for value in bad_values(kind) {
                let mut v = base();
                v.push(flag.into());
                v.push(value.clone().into());
                cases.push(v);
                let mut v = base();
                v.push(format!("{flag}={value}").into());
                cases.push(v);
            }
        }
    }
    // Positional arguments: patterns and files with control characters.
    for name in [
        "bad\nname",
        "bad\tname",
        "\u{1b}[2Jbad",
        "bad\rname",
        "",
        "unsafe-counter\n",
    ] {
        cases.push(os(&["outcomes", name]));
        cases.push(os(&["explore", name]));
        cases.push(os(&["check", name]));
        cases.push(os(&["report", name, "--out", "/dev/null/x"]));
        cases.push(os(&["outcomes", "unsafe-counter", "--variant", name]));
    }
    for file in [
        "/nonexistent\n/t.json",
        "/dev/null/\tt.json",
        "/nonexistent/\u{1b}[2J.json",
        "",
    ] {
        cases.push(os(&["replay", file]));
        cases.push(os(&["report", "--out", &format!("/dev/null/{file}")]));
        cases.push(os(&[
            "check",
            "relock",
            "--junit",
            &format!("/dev/null/{file}"),
        ]));
    }
    // Output paths that name no entry of their own, or not a file.
    for out in ["/", "..", ".", "/dev/null"] {
        cases.push(os(&["report", "relock", "--out", out]));
    }
    for junit in ["/", "..", "/tmp", "/dev/null"] {
        cases.push(os(&["check", "relock", "--junit", junit]));
    }
    // Missing positional arguments and a missing command.
    for args in [
        &[][..],
        &["outcomes"],
        &["explore"],
        &["replay"],
        &["report"],
        &["frobnicate"],
        &["help", "frobnicate"],
    ] {
        cases.push(os(args));
    }
    cases.push(vec![non_utf8]);
    cases
}

#[test]
fn every_bad_command_line_is_one_line_and_exit_two() {
    let cases = corpus();
    let n = cases.len();
    assert!(n > 300, "the corpus has {n} cases");
    let lines = all_usage_errors(&cases);
    assert_eq!(lines.len(), n);
}

// ---------------------------------------------------------------------------
// The measured cases, one test each.

#[test]
fn numbers_that_do_not_fit_a_duration_are_refused_not_panics() {
    // Case 1: `Duration::try_from_secs_f64(1e19)` fits, `Instant + 1e19 s` does not.
    for sub in ["explore", "outcomes"] {
        for s in ["1e19", "1.8e19", "1e20", "1e400", "nan", "inf", "0"] {
            assert_usage_error(
                &[sub, "unsafe-counter", "--max-seconds", s],
                "--max-seconds",
            );
        }
    }
}

/// In a child process (the test binary itself, `from_env_child`): what
/// `Config::from_env` and `Config::validate` make of `env`.
fn library_child(env: &[(&str, &str)]) -> String {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "from_env_child",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("RACETRACE_CONTRACT_CHILD", "1");
    for v in [
        "RACETRACE_BACKEND",
        "RACETRACE_MAX_SCHEDULES",
        "RACETRACE_MAX_SECONDS",
        "RACETRACE_PREEMPTION_BOUND",
        "RACETRACE_SEED",
        "RACETRACE_REPLAY",
        "SHUTTLE_RANDOM_SEED",
    ] {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{env:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.split_once("CHILD: ").map(|(_, answer)| answer))
        .unwrap_or_else(|| panic!("{env:?}: no answer: {stdout}"))
        .to_string()
}

#[test]
fn from_env_child() {
    // Does something only as the child of `library_child`.
    if std::env::var_os("RACETRACE_CONTRACT_CHILD").is_none() {
        return;
    }
    let answer = match racetrace::Config::from_env() {
        Err(e @ racetrace::Error::BadEnv { .. }) => format!("BadEnv {e}"),
        Err(e) => format!("other error {e}"),
        Ok(c) => match c.validate() {
            Err(e @ racetrace::Error::BadEnv { .. }) => format!("validate BadEnv {e}"),
            Err(e) => format!("validate error {e}"),
            Ok(()) => format!("ok {:?}", c.max_duration),
        },
    };
    println!("CHILD: {}", answer.replace('\n', "\\n"));
}

#[test]
fn config_from_env_refuses_bad_seconds_without_panicking() {
    // Case 1, in the library: these panicked in `Duration::from_secs_f64`.
    for v in ["1e20", "-1", "nan", "inf", "0", "1e19", "", "x", "1e400"] {
        let a = library_child(&[("RACETRACE_MAX_SECONDS", v)]);
        assert!(
            a.starts_with("BadEnv") && a.contains("RACETRACE_MAX_SECONDS"),
            "RACETRACE_MAX_SECONDS={v:?}: {a}"
        );
    }
    let a = library_child(&[("RACETRACE_MAX_SECONDS", "2.5")]);
    assert_eq!(a, "ok Some(2.5s)");
    let a = library_child(&[("RACETRACE_MAX_SCHEDULES", "0")]);
    assert!(a.starts_with("BadEnv"), "{a}");
    // A bad SHUTTLE_RANDOM_SEED is refused by `validate`, naming it.
    for v in ["abc", " 7", "-1", "99999999999999999999"] {
        let a = library_child(&[("SHUTTLE_RANDOM_SEED", v)]);
        assert!(
            a.starts_with("validate BadEnv") && a.contains("SHUTTLE_RANDOM_SEED"),
            "SHUTTLE_RANDOM_SEED={v:?}: {a}"
        );
    }
    assert_eq!(library_child(&[("SHUTTLE_RANDOM_SEED", "7")]), "ok None");
}

#[test]
fn a_bad_shuttle_random_seed_is_refused_in_one_line() {
    // Case 1: shuttle panicked reading it (whatever the backend: racetrace's
    // panic hook starts one shuttle run). Refused up front; `list` explores
    // nothing and does not care.
    let scratch = Scratch::new("seed");
    let file = scratch.path("t.json");
    let f = file.to_str().unwrap();
    let o = racetrace(&[
        "explore",
        "unsafe-counter",
        "--backend",
        "shuttle-dfs",
        "--save",
        f,
    ]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    let out = scratch.path("report");
    let cases: Vec<Vec<&str>> = vec![
        vec!["explore", "unsafe-counter"],
        vec!["explore", "unsafe-counter", "--backend", "shuttle-random"],
        vec!["outcomes", "unsafe-counter", "--backend", "loom"],
        vec!["check", "unsafe-counter"],
        vec!["report", "unsafe-counter", "--out", out.to_str().unwrap()],
        vec!["replay", f],
    ];
    for value in ["abc", "", " 1", "1\n2"] {
        for args in &cases {
            let r = racetrace_env(args, &[("SHUTTLE_RANDOM_SEED", value)]);
            let line = assert_one_line_error(&r);
            assert!(line.contains("SHUTTLE_RANDOM_SEED"), "{args:?}: {line}");
        }
    }
    assert!(!out.exists(), "report made its directory before refusing");
    let r = racetrace_env(&["list"], &[("SHUTTLE_RANDOM_SEED", "abc")]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // A valid one is shuttle's to use.
    let r = racetrace_env(
        &[
            "outcomes",
            "unsafe-counter",
            "--threads",
            "2",
            "--ops",
            "1",
            "--backend",
            "shuttle-random",
        ],
        &[("SHUTTLE_RANDOM_SEED", "7")],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

#[test]
fn control_characters_are_escaped_in_the_one_line() {
    // Case 2.
    let line = |args: &[&str]| assert_one_line_error(&racetrace(args)).to_string();
    assert_eq!(
        line(&["outcomes", "bad\nname"]),
        "racetrace: unknown pattern 'bad\\nname' (see `racetrace list`)"
    );
    assert!(line(&["outcomes", "bad\tname"]).contains("'bad\\tname'"));
    assert!(
        line(&["outcomes", "unsafe-counter", "--variant", "\u{1b}[31mred"])
            .contains("'\\u{1b}[31mred'")
    );
    assert!(
        line(&["outcomes", "unsafe-counter", "--threads=a\nb"]).contains("'a\\nb'"),
        "clap's message keeps the whole value"
    );
    assert!(line(&["outcomes", "unsafe-counter", "--bogus\nx"]).contains("'--bogus\\nx'"));
    assert!(line(&["replay", "no\nsuch"]).contains("cannot read no\\nsuch"));
    // clap's multi-line messages become one line, losing nothing.
    assert!(line(&["replay"]).contains("not provided: <FILE>"));
}

#[test]
fn a_bare_racetrace_is_a_one_line_usage() {
    // Case 2: it printed the 23-line help.
    let r = racetrace::<&str>(&[]);
    let line = assert_one_line_error(&r);
    assert!(
        line.contains("no command") && line.contains("usage: racetrace <"),
        "{line}"
    );
    assert!(r.stdout.is_empty());
    // Asked for, help is still help: stdout, exit 0, and it states the rule.
    let r = racetrace(&["--help"]);
    assert_eq!(r.code, Some(0));
    assert!(r.stdout.contains("exactly one line") && r.stdout.contains("escaped"));
}

#[test]
fn a_parameter_given_twice_is_refused() {
    // Case 3: the last one silently won.
    let base = ["outcomes", "unsafe-counter"];
    for (extra, name) in [
        (&["--threads", "2", "--param", "threads=3"][..], "'threads'"),
        (&["--threads", "2", "--param", "threads=2"], "'threads'"),
        (&["--param", "ops=1", "--param", "ops=2"], "'ops'"),
        (&["--param", "ops=1", "--param", "ops=1"], "'ops'"),
        (&["--param", "ops=1", "--ops", "1"], "'ops'"),
    ] {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        assert_usage_error(&args, &format!("parameter {name} is given twice"));
    }
    assert_usage_error(
        &[
            "explore",
            "producer-consumer",
            "--items",
            "1",
            "--param",
            "items=2",
        ],
        "parameter 'items' is given twice",
    );
    // Exactly the value: no trimming hides a space or a newline.
    assert_usage_error(
        &["outcomes", "unsafe-counter", "--param", "threads= 2"],
        "not a non-negative integer",
    );
}

/// A trace file saved by `explore --save`, as JSON.
fn saved(scratch: &Scratch, backend: &str, extra: &[&str]) -> (PathBuf, Value) {
    let file = scratch.path(&format!("{backend}.json"));
    let mut args = vec![
        "explore",
        "unsafe-counter",
        "--threads",
        "2",
        "--ops",
        "2",
        "--backend",
        backend,
        "--save",
        file.to_str().unwrap(),
    ];
    args.extend(extra);
    let r = racetrace(&args);
    assert_eq!(r.code, Some(1), "{args:?}: {}", r.stderr);
    let v = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    (file, v)
}

/// Write `v` edited by `edit` (its rendered text kept in step with its
/// title) and replay it.
fn replay_edited(scratch: &Scratch, name: &str, v: &Value, edit: impl FnOnce(&mut Value)) -> Ran {
    let mut e = v.clone();
    let old_title = e["trace"]["title"].as_str().unwrap().to_string();
    edit(&mut e);
    let new_title = e["trace"]["title"].as_str().unwrap().to_string();
    let rendered = e["rendered"]
        .as_str()
        .unwrap()
        .replacen(&old_title, &new_title, 1);
    e["rendered"] = rendered.into();
    let path = scratch.path(&format!("edited-{name}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&e).unwrap()).unwrap();
    racetrace(&["replay", path.to_str().unwrap()])
}

fn refused(r: &Ran, needle: &str) {
    let line = assert_one_line_error(r);
    assert!(line.contains("bad trace file"), "{:?}: {line}", r.args);
    assert!(line.contains(needle), "{:?}: {line}", r.args);
}

/// Swap `from` for `to` in the trace's title.
fn retitle(e: &mut Value, from: &str, to: &str) {
    let t = e["trace"]["title"].as_str().unwrap().replacen(from, to, 1);
    e["trace"]["title"] = t.into();
}

#[test]
fn edited_trace_files_are_refused_or_replay_differently() {
    // Case 4: each of these replayed with exit 0.
    let scratch = Scratch::new("edited");
    let (dfs_path, dfs) = saved(&scratch, "shuttle-dfs", &[]);
    let (random_path, random) = saved(&scratch, "shuttle-random", &["--seed", "3"]);
    let (pct_path, pct) = saved(&scratch, "shuttle-pct", &["--seed", "5"]);
    let (dpor_path, dpor) = saved(&scratch, "dpor", &[]);
    // Unedited, each replays.
    for path in [&dfs_path, &random_path, &pct_path, &dpor_path] {
        let r = racetrace(&["replay", path.to_str().unwrap()]);
        assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    }
    // A changed seed: the seeded exploration's schedule N is another one.
    let r = replay_edited(&scratch, "seed", &random, |e| e["seed"] = 4.into());
    refused(&r, "edited");
    let r = replay_edited(&scratch, "seed-pct", &pct, |e| e["seed"] = 6.into());
    refused(&r, "edited");
    // A seed where the backend has none, or none where it has one.
    refused(
        &replay_edited(&scratch, "seed-dfs", &dfs, |e| e["seed"] = 1.into()),
        "seed",
    );
    refused(
        &replay_edited(&scratch, "no-seed", &random, |e| e["seed"] = Value::Null),
        "seed",
    );
    // A changed preemption bound: dpor under bound 0 has fewer schedules.
    let r = replay_edited(&scratch, "bound", &dpor, |e| {
        e["preemption_bound"] = 0.into()
    });
    refused(&r, "edited");
    refused(
        &replay_edited(&scratch, "bound-dfs", &dfs, |e| {
            e["preemption_bound"] = 1.into()
        }),
        "preemption-bound",
    );
    // A changed backend within the shuttle family, title changed to match…
    let r = replay_edited(&scratch, "dfs-to-dpor", &dfs, |e| {
        e["backend"] = "dpor".into();
        retitle(e, "· shuttle-dfs ·", "· dpor ·");
    });
    refused(&r, "edited");
    let r = replay_edited(&scratch, "random-to-pct", &random, |e| {
        e["backend"] = "shuttle-pct".into();
        retitle(e, "· shuttle-random ·", "· shuttle-pct ·");
    });
    refused(&r, "edited");
    // …or not.
    refused(
        &replay_edited(&scratch, "backend", &dfs, |e| e["backend"] = "dpor".into()),
        "title",
    );
    // A changed title: another text, another schedule number.
    refused(
        &replay_edited(&scratch, "title", &dfs, |e| {
            retitle(e, "unsafe-counter/", "safe-counter/")
        }),
        "title",
    );
    let n = dfs["trace"]["title"]
        .as_str()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse::<u64>()
        .unwrap();
    let r = replay_edited(&scratch, "title-n", &dfs, |e| {
        retitle(e, &format!("schedule {n}"), &format!("schedule {}", n + 1));
    });
    refused(&r, "edited");
    // Trailing schedule steps the replay does not take; missing ones.
    let schedule = dfs["schedule"].as_str().unwrap().to_string();
    for (name, token, needle) in [
        ("trailing", format!("{schedule}.0"), "were not taken"),
        ("trailing2", format!("{schedule}.1.2.0"), "were not taken"),
        (
            "missing",
            schedule.rsplit_once('.').unwrap().0.to_string(),
            "goes on after",
        ),
    ] {
        let r = replay_edited(&scratch, name, &dfs, |e| e["schedule"] = token.into());
        refused(&r, needle);
    }
    // Unknown fields anywhere, a repeated key, a left-out field.
    for (name, edit) in [
        (
            "top",
            &(|e: &mut Value| e["extra"] = 1.into()) as &dyn Fn(&mut Value),
        ),
        ("trace", &|e: &mut Value| e["trace"]["extra"] = 1.into()),
        ("event", &|e: &mut Value| {
            e["trace"]["events"][0]["extra"] = 1.into()
        }),
        ("left-out", &|e: &mut Value| {
            e.as_object_mut().unwrap().remove("preemption_bound");
        }),
    ] {
        let r = replay_edited(&scratch, name, &dfs, edit);
        refused(&r, "field");
    }
    let text = std::fs::read_to_string(&dfs_path).unwrap();
    let twice = text.replacen("\"ops\": 2,", "\"ops\": 2, \"ops\": 2,", 1);
    assert_ne!(twice, text);
    let path = scratch.path("twice.json");
    std::fs::write(&path, twice).unwrap();
    refused(&racetrace(&["replay", path.to_str().unwrap()]), "twice");
    // A schedule that fits the program but is another one: a different
    // trace, exit 1.
    let serial = "shuttle/0.0.0.1.1.1.1.1.2.2.2.2.2.0.0.0.0";
    let r = replay_edited(&scratch, "serial", &dfs, |e| e["schedule"] = serial.into());
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("a DIFFERENT trace"), "{}", r.stdout);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn replay_reads_only_regular_files_up_to_the_cap() {
    // Case 5: `/dev/zero` grew to gigabytes, a FIFO blocked.
    let scratch = Scratch::new("files");
    let fifo = scratch.path("fifo");
    let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    for (path, needle) in [
        (Path::new("/dev/zero"), "not a regular file"),
        (Path::new("/dev/null"), "not a regular file"),
        (fifo.as_path(), "not a regular file"),
        (scratch.0.as_path(), "not a regular file"),
    ] {
        let r = racetrace(&[OsStr::new("replay"), path.as_os_str()]);
        let line = assert_one_line_error(&r);
        assert!(line.contains(needle), "{path:?}: {line}");
        assert!(
            r.took < Duration::from_secs(5),
            "{path:?} took {:?}",
            r.took
        );
    }
    // Bigger than the cap (sparse: nothing is written).
    let big = scratch.path("big.json");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(racetrace_patterns::replay::MAX_FILE_BYTES + 1)
        .unwrap();
    drop(f);
    assert_usage_error(&["replay", big.to_str().unwrap()], "larger than the limit");
    // A regular file whose size says 0 but that has content: read, not trusted.
    assert_usage_error(&["replay", "/proc/self/status"], "bad trace file");
}

#[test]
fn racetrace_worker_alone_does_not_make_a_worker() {
    // Case 6: `RACETRACE_WORKER=nope racetrace list` ran as a worker (exit 1).
    let r = racetrace_env(&["list"], &[("RACETRACE_WORKER", "nope")]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("unsafe-counter"));
    let r = racetrace_env(
        &["list"],
        &[("RACETRACE_WORKER", "nope"), ("RACETRACE_WORKER_PIPES", "")],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // All three set, but this process's parent (the test) is not process 1:
    // not its worker, and not to be run as the program either.
    for parent in ["1", "x", "", "-1"] {
        let r = racetrace_env(
            &["list"],
            &[
                ("RACETRACE_WORKER", "nope"),
                ("RACETRACE_WORKER_PIPES", ""),
                ("RACETRACE_WORKER_PARENT", parent),
            ],
        );
        let line = assert_one_line_error(&r);
        assert!(line.contains("RACETRACE_WORKER"), "{line}");
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn outcomes_deny_forbidden_exits_one_on_a_forbidden_outcome() {
    // Case 7.
    let small = ["--threads", "2", "--ops", "1"];
    let run = |pattern: &str, flags: &[&str]| {
        let mut args = vec!["outcomes", pattern];
        args.extend(small);
        args.extend(flags);
        racetrace(&args)
    };
    let r = run("unsafe-counter", &["--deny-forbidden"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stdout.contains("FORBIDDEN"));
    let r = run("unsafe-counter", &["--deny-forbidden", "--json"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let r = run("unsafe-counter", &[]);
    assert_eq!(r.code, Some(0), "without the flag: {}", r.stderr);
    let r = run("locked-counter", &["--deny-forbidden"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}
