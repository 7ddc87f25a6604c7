//! A program with its own task function for racetrace's process pool, as a
//! user writes one: register the function first thing in `main`, hand over
//! to `worker_main` when started as a worker, and point the pool at this
//! executable. `harness = false` (see Cargo.toml): this test binary is its
//! own worker executable, so it cannot use the libtest harness.

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
    // Bounded in time: a hang fails the test instead of stalling CI.
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(120));
        eprintln!("user_tasks: timed out after 120 s");
        std::process::exit(1);
    });
    process::set_worker_exe(std::env::current_exe().expect("own path"));

    print!("test a_registered_task_function_runs_in_worker_processes_in_input_order ... ");
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
    println!("ok");

    print!("test a_taken_name_is_refused ... ");
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
    println!("ok");

    print!("test an_unknown_task_function_is_an_error_not_a_hang ... ");
    let r = ProcessPool::new(1).map::<u64, u64>("no-such-task", &[1, 2]);
    let e = r.expect_err("unknown task");
    assert!(format!("{e}").contains("no-such-task"), "{e}");
    println!("ok");

    println!("\ntest result: ok. 3 passed");
}
