//! The std-shaped facade's synchronisation types under `model`
//! (`racetrace::sync::{RwLock, Barrier, OnceLock, LazyLock, Once, mpsc}`,
//! and `Mutex`/`Condvar` where they meet them):
//!
//! * `same_as_std`: std's documented behaviour on real threads, each body
//!   run twice, once on `std::sync` and once on `racetrace::sync` (so it
//!   also shows the facade compiles where std does);
//! * `locks`, `once`, `channels`: under the exhaustive checkers, the set of
//!   outcomes of a small program equals the set a brute-force oracle
//!   (`oracle`) computes by enumerating every interleaving of a tiny
//!   abstract model of that program written from std's documented
//!   semantics; seeded bugs (check-then-act cache, a pipeline that never
//!   disconnects, a read before a barrier) are found and their fixes shown
//!   complete.

#[path = "common/full.rs"]
mod full;

#[path = "facade_sync/channels.rs"]
mod channels;
#[path = "facade_sync/locks.rs"]
mod locks;
#[path = "facade_sync/once.rs"]
mod once;
#[path = "facade_sync/oracle.rs"]
mod oracle;
#[path = "facade_sync/same_as_std.rs"]
mod same_as_std;

use racetrace::{Backend, Config, Report};
use std::collections::BTreeSet;
use std::time::Duration;

/// The exhaustive checkers.
const CHECKERS: [Backend; 3] = [Backend::Dpor, Backend::ShuttleDfs, Backend::Loom];

/// [`CHECKERS`] with `RACETRACE_FULL=1`; dpor and loom in the everyday loop
/// (shuttle-dfs, which reduces nothing, takes seconds on three threads: the
/// `OnceLock` race's 32,574 schedules, the barrier's 14,000).
fn checkers() -> &'static [Backend] {
    full::quick_or_full(&[Backend::Dpor, Backend::Loom], &CHECKERS)
}

/// Run `f` on a std thread and fail if it takes longer than `secs`: no test
/// here may hang.
fn bounded_for<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(Ok(v)) => v,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("hung: no result after {secs} s"),
    }
}

/// A real-thread run, bounded to 20 s.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    bounded_for(20, f)
}

/// Explore `program` under `backend` (bounded to 120 s), outcomes outside
/// `allowed` being violations; the exploration must be complete.
fn explore(
    backend: Backend,
    label: &'static str,
    program: fn() -> String,
    allowed: fn(&str) -> bool,
) -> Report {
    let r = bounded_for(120, move || {
        racetrace::explore_outcomes(&Config::new(backend), label, program, allowed)
    });
    assert!(r.complete, "{label} under {backend}: {}", r.render_table());
    r
}

fn outcome_set(r: &Report) -> BTreeSet<String> {
    r.outcome_set().into_iter().map(str::to_string).collect()
}

/// Explore `program` under each of `backends` and check that its outcome
/// set is `want` (the oracle's); returns the reports.
fn assert_outcomes(
    backends: &[Backend],
    label: &'static str,
    program: fn() -> String,
    allowed: fn(&str) -> bool,
    want: &BTreeSet<String>,
) -> Vec<Report> {
    backends
        .iter()
        .map(|&b| {
            let r = explore(b, label, program, allowed);
            assert_eq!(
                &outcome_set(&r),
                want,
                "{label} under {b}: explored (left) vs oracle (right)\n{}",
                r.render_table()
            );
            r
        })
        .collect()
}

/// Run `program` 20 times on real threads under racetrace's runtime (the
/// `real` backend: the facade's types made and used inside an execution):
/// every outcome seen must be one the oracle allows.
fn assert_real_within(label: &'static str, program: fn() -> String, want: &BTreeSet<String>) {
    let config = Config::new(Backend::Real).with_max_schedules(20);
    let r = bounded_for(120, move || {
        racetrace::explore_outcomes(&config, label, program, |_| true)
    });
    assert!(
        outcome_set(&r).is_subset(want),
        "{label} on real threads: {}",
        r.render_table()
    );
}

/// What std's types are `Send` and `Sync`, the facade's are too (checked
/// by compiling; the same lines compile against `std::sync`).
#[test]
fn the_facade_types_are_send_and_sync_where_std_s_are() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    use racetrace::sync::{self as s, mpsc};
    send_sync::<s::RwLock<u8>>();
    sync::<s::RwLockReadGuard<'static, u8>>(); // not `Send`, as std's
    sync::<s::RwLockWriteGuard<'static, u8>>();
    send_sync::<s::Barrier>();
    send_sync::<s::OnceLock<u8>>();
    send_sync::<s::LazyLock<u8>>();
    send_sync::<s::Once>();
    send_sync::<mpsc::Sender<u8>>();
    send_sync::<mpsc::SyncSender<u8>>();
    send::<mpsc::Receiver<u8>>(); // not `Sync`, as std's
}
