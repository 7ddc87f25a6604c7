//! Running the built `racetrace` binary for the command-line tests
//! (`tests/cli.rs`, `tests/cli_contract.rs`): with a clean environment, a
//! time limit (a run that hangs is killed and fails its test), and the
//! assertion of the exit-status contract's usage error.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A run longer than this is killed and fails the test.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// Variables that change what the binary does; removed unless a test sets them.
const SCRUBBED: [&str; 7] = [
    "SHUTTLE_RANDOM_SEED",
    "RACETRACE_WORKER",
    "RACETRACE_WORKER_PIPES",
    "RACETRACE_WORKER_PARENT",
    "RACETRACE_WORKER_NAME",
    "RACETRACE_WORKER_ARG",
    "RACETRACE_WORKER_EXE",
];

/// What a run of the binary did.
#[derive(Debug)]
pub struct Ran {
    /// The arguments, for messages.
    pub args: Vec<String>,
    /// The exit status (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// How long it took.
    pub took: Duration,
}

/// Run `racetrace ARGS` with `env` set, killed after [`TIMEOUT`].
pub fn racetrace_env<S: AsRef<OsStr>>(args: &[S], env: &[(&str, &str)]) -> Ran {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_racetrace"));
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for v in SCRUBBED {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    let shown: Vec<String> = args.iter().map(|a| format!("{:?}", a.as_ref())).collect();
    let start = Instant::now();
    let mut child = cmd.spawn().expect("run racetrace");
    let reader = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = reader(Box::new(child.stdout.take().expect("piped stdout")));
    let err = reader(Box::new(child.stderr.take().expect("piped stderr")));
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for racetrace") {
            break s;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "racetrace {} {shown:?}: still running after {TIMEOUT:?}, killed",
                env.iter()
                    .map(|(k, v)| format!("{k}={v:?}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ran {
        args: shown,
        code: status.code(),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
        took: start.elapsed(),
    }
}

/// Run `racetrace ARGS`, killed after [`TIMEOUT`].
pub fn racetrace<S: AsRef<OsStr>>(args: &[S]) -> Ran {
    racetrace_env(args, &[])
}

/// The contract's usage error: exit 2, exactly one line on stderr (no
/// control character in it but its final newline), no panic. The line.
pub fn assert_one_line_error(r: &Ran) -> &str {
    assert_eq!(
        r.code,
        Some(2),
        "{:?}: exit {:?}, stderr: {}",
        r.args,
        r.code,
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{:?}: {}", r.args, r.stderr);
    let line = r
        .stderr
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("{:?}: stderr does not end a line: {:?}", r.args, r.stderr));
    assert!(
        !line.is_empty() && !line.chars().any(|c| c.is_control()),
        "{:?}: not exactly one line: {:?}",
        r.args,
        r.stderr
    );
    assert!(line.starts_with("racetrace: "), "{:?}: {line}", r.args);
    line
}

/// Exit 2 with exactly one line on stderr, which contains `needle`.
pub fn assert_usage_error<S: AsRef<OsStr>>(args: &[S], needle: &str) {
    let r = racetrace(args);
    let line = assert_one_line_error(&r);
    assert!(line.contains(needle), "{:?}: {line}", r.args);
}
