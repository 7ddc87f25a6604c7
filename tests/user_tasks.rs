//! A program with its own task function for racetrace's process pool, as a
//! user writes one: register the function first thing in `main`, hand over
//! to `worker_main` when started as a worker, and point the pool at this
//! executable. `harness = false` (see Cargo.toml): this test binary is its
//! own worker executable, so it cannot use the libtest harness; [`harness`]
//! speaks enough of libtest's command line for `cargo test` and `cargo
//! nextest run` (which lists the tests, then runs each alone).

use racetrace::process::{self, ProcessError, ProcessPool};
use serde_json::Value;
use std::time::Duration;

/// The task: steps of the Collatz sequence from n down to 1, as a loop.
fn collatz_steps(v: &Value) -> Value {
    let mut n = v.as_u64().expect("a number");
    let mut steps = 0u64;
    while n > 1 {
        n = if n % 2 == 0 { n / 2 } else { 3 * n + 1 };
        steps += 1;
    }
    Value::from(steps)
}

/// Independent oracle: the same count, recursively.
fn oracle(n: u64) -> u64 {
    match n {
        0 | 1 => 0,
        n if n % 2 == 0 => 1 + oracle(n / 2),
        n => 1 + oracle(3 * n + 1),
    }
}

fn main() {
    process::register_task("collatz-steps", collatz_steps).expect("first registration");
    process::register_task("pid", |_| Value::from(std::process::id())).expect("first");
    if let Some(code) = process::worker_main() {
        std::process::exit(code);
    }
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(120));
        eprintln!("user_tasks: timed out after 120 s");
        std::process::exit(1);
    });
    process::set_worker_exe(std::env::current_exe().expect("own path"));
    harness(&TESTS);
}

/// This binary's tests, by name.
const TESTS: [(&str, fn()); 3] = [
    (
        "a_registered_task_function_runs_in_worker_processes_in_input_order",
        a_registered_task_function_runs_in_worker_processes_in_input_order,
    ),
    ("a_taken_name_is_refused", a_taken_name_is_refused),
    (
        "an_unknown_task_function_is_an_error_not_a_hang",
        an_unknown_task_function_is_an_error_not_a_hang,
    ),
];

/// The part of libtest's command line that `cargo test` and `cargo nextest`
/// use: `--list` (with `--ignored`: none), a name filter (with `--exact`:
/// the whole name); other flags are accepted and ignored. A failing test
/// panics, which ends the process with a failure status.
fn harness(tests: &[(&str, fn())]) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |f: &str| args.iter().any(|a| a == f);
    // Flags that take a value, so the value is not read as a filter.
    let valued = [
        "--format",
        "--test-threads",
        "--skip",
        "--color",
        "-Z",
        "--logfile",
    ];
    let mut filter = None;
    let mut i = 0;
    while i < args.len() {
        if valued.contains(&args[i].as_str()) {
            i += 1;
        } else if !args[i].starts_with('-') {
            filter = Some(args[i].clone());
        }
        i += 1;
    }
    let chosen: Vec<_> = tests
        .iter()
        .filter(|(name, _)| match &filter {
            None => true,
            Some(f) if has("--exact") => name == f,
            Some(f) => name.contains(f.as_str()),
        })
        .collect();
    if has("--list") {
        if !has("--ignored") {
            for (name, _) in &chosen {
                println!("{name}: test");
            }
        }
        return;
    }
    println!("\nrunning {} tests", chosen.len());
    for (name, test) in &chosen {
        print!("test {name} ... ");
        test();
        println!("ok");
    }
    println!(
        "\ntest result: ok. {} passed; 0 failed; 0 ignored; 0 measured; {} filtered out\n",
        chosen.len(),
        tests.len() - chosen.len()
    );
}

fn a_registered_task_function_runs_in_worker_processes_in_input_order() {
    let inputs: Vec<u64> = vec![27, 1, 97, 6, 871, 2, 7];
    let got: Vec<u64> = ProcessPool::new(2)
        .map("collatz-steps", &inputs)
        .expect("every task ran");
    let want: Vec<u64> = inputs.iter().map(|&n| oracle(n)).collect();
    assert_eq!(got, want);
    // They ran in other processes, not in this one.
    let pids: Vec<u32> = ProcessPool::new(2)
        .map("pid", &[0, 1, 2, 3])
        .expect("every task ran");
    assert!(!pids.contains(&std::process::id()), "{pids:?}");
    assert!(
        pids.iter().collect::<std::collections::BTreeSet<_>>().len() <= 2,
        "more processes than workers: {pids:?}"
    );
    assert!(
        process::live_workers().is_empty(),
        "workers left behind: {:?}",
        process::live_workers()
    );
}

fn a_taken_name_is_refused() {
    assert_eq!(
        process::register_task("collatz-steps", collatz_steps),
        Err(ProcessError::AlreadyRegistered("collatz-steps".into()))
    );
    // The library's own worker (the pool's) cannot be shadowed either.
    assert_eq!(
        process::register_worker(process::Worker {
            name: "pool-worker",
            help: "an impostor",
            run: |_| Ok(()),
        }),
        Err(ProcessError::AlreadyRegistered("pool-worker".into()))
    );
}

fn an_unknown_task_function_is_an_error_not_a_hang() {
    let r = ProcessPool::new(1).map::<u64, u64>("no-such-task", &[1, 2]);
    let e = r.expect_err("unknown task");
    assert!(format!("{e}").contains("no-such-task"), "{e}");
}
