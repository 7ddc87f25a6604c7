//! `bluetooth` — SCTBench's `bluetooth_driver` (after Qadeer and Wu's KISS
//! model of a Windows driver): `main` adds an I/O to the device
//! (`io_increment` refuses once `stopping_flag` is set; the I/O asserts the
//! device is not `stopped`), a second thread stops it (sets
//! `stopping_flag`, drops the initial reference; whoever drops the last
//! one raises `stopping_event`, on which the stopper marks it `stopped`).
//! Property: no I/O runs on a stopped device. Variants: `check-then-count`
//! (bug: the flag is checked before the count is raised), `count-then-check`
//! (holds: raise the count, then check the flag, and back out if stopping).

use super::{BUG_JOBS, FIXED_JOBS, OK, only_ok};
use crate::pattern::{Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::traced::sync::Arc;
use racetrace::traced::sync::atomic::{AtomicBool, AtomicI32, Ordering::SeqCst};
use racetrace::traced::thread;

const STOPPED: &str = "I/O on a stopped device";

fn explain(_: &Params, o: &str) -> String {
    match o {
        OK => "no I/O ran on a stopped device".into(),
        STOPPED => "an I/O ran after the device was stopped".into(),
        o => format!("unexpected: {o}"),
    }
}

const BUG: Spec = Spec {
    property: "no I/O runs on a stopped device",
    expect: Expect::Bug(STOPPED),
    allowed: only_ok,
    explain,
};

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "bluetooth",
    summary: "a driver's add-I/O and stop race on its pending-I/O count",
    python: "SCTBench bluetooth_driver (C, pthreads): BCSP_PnpAdd: if BCSP_IoIncrement succeeds, assert(!stopped), then BCSP_IoDecrement; BCSP_PnpStop: stoppingFlag = TRUE; BCSP_IoDecrement; if stoppingEvent, stopped = TRUE",
    params: &[],
    threads: |_| 2,
    variants: &[
        Variant {
            name: "check-then-count",
            summary: "io_increment checks stopping_flag, then raises pending_io",
            spec: BUG,
            run: check_then_count,
            jobs: BUG_JOBS,
        },
        Variant {
            name: "count-then-check",
            summary: "io_increment raises pending_io, then checks stopping_flag (and lowers it again if set)",
            spec: Spec {
                expect: Expect::Holds,
                ..BUG
            },
            run: count_then_check,
            jobs: FIXED_JOBS,
        },
    ],
};

struct Device {
    pending_io: AtomicI32,
    stopping_flag: AtomicBool,
    stopping_event: AtomicBool,
    stopped: AtomicBool,
}

impl Device {
    fn io_decrement(&self) {
        if self.pending_io.fetch_sub(1, SeqCst) - 1 == 0 {
            self.stopping_event.store(true, SeqCst);
        }
    }

    fn stop(&self) {
        self.stopping_flag.store(true, SeqCst);
        self.io_decrement();
        if self.stopping_event.load(SeqCst) {
            self.stopped.store(true, SeqCst);
        }
    }
}

/// `main` adds an I/O with `io_increment` while a thread stops the device.
fn run(io_increment: fn(&Device) -> bool) -> String {
    let d = Arc::new(Device {
        pending_io: AtomicI32::new(1).named("pending_io"),
        stopping_flag: AtomicBool::new(false).named("stopping_flag"),
        stopping_event: AtomicBool::new(false).named("stopping_event"),
        stopped: AtomicBool::new(false).named("stopped"),
    });
    let d2 = d.clone();
    let stopper = thread::spawn(move || d2.stop());
    let mut outcome = OK;
    if io_increment(&d) {
        if d.stopped.load(SeqCst) {
            outcome = STOPPED;
        }
        d.io_decrement();
    }
    stopper.join().expect("stopper failed");
    outcome.to_string()
}

fn check_then_count(_: &Params) -> String {
    run(|d| {
        if d.stopping_flag.load(SeqCst) {
            return false;
        }
        d.pending_io.fetch_add(1, SeqCst);
        true
    })
}

fn count_then_check(_: &Params) -> String {
    run(|d| {
        d.pending_io.fetch_add(1, SeqCst);
        if d.stopping_flag.load(SeqCst) {
            d.io_decrement();
            return false;
        }
        true
    })
}
