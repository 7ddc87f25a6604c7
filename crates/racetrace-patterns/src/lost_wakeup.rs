//! `lost-wakeup` — the tutorials' `threading.Condition` hand-off: one thread
//! waits on the condition for a message, another puts the message there and
//! calls `notify()`. Property: the waiter receives the message (no deadlock).
//! Variants: `notify-before-wait` (bug: the notify comes before the wait and
//! is lost; the waiter sleeps for ever), `flag-and-loop` (holds).

use crate::pattern::{Job, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::traced::sync::{Arc, Condvar, Mutex};
use racetrace::traced::thread;

const MESSAGE: u32 = 42;

fn allowed(_: &Params, o: &str) -> bool {
    o == format!("got {MESSAGE}")
}

fn explain(_: &Params, o: &str) -> String {
    match o {
        _ if allowed(&Params::default(), o) => "the waiter received the message".into(),
        "deadlock" => {
            "lost wake-up: the notify came before the wait; the waiter sleeps for ever".into()
        }
        "got nothing" => "the waiter woke up without the message".into(),
        _ => "unexpected outcome".into(),
    }
}

const BUG: Spec = Spec {
    property: "the waiter receives the message",
    expect: Expect::Bug("lost wake-up"),
    allowed,
    explain,
};

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "lost-wakeup",
    summary: "a waiter sleeps on a condition variable until a notifier hands it a message",
    python: "cond = Condition(); waiter: `with cond: cond.wait(); use(msg)`; notifier: `with cond: msg = 42; cond.notify()`",
    params: &[],
    threads: |_| 3,
    variants: &[
        Variant {
            name: "notify-before-wait",
            summary: "the waiter waits unconditionally: a notify sent before it waits is lost",
            spec: BUG,
            run: notify_before_wait,
            jobs: &[
                Job::on(Backend::Dpor),
                Job::on(Backend::Loom),
                Job::on(Backend::ShuttleDfs),
                Job::sampled(Backend::ShuttlePct, 1000),
                Job::informational(Backend::Real, 200),
            ],
        },
        Variant {
            name: "flag-and-loop",
            summary: "the waiter waits only while the message is missing, re-checking after every wake-up",
            spec: Spec {
                expect: Expect::Holds,
                ..BUG
            },
            run: flag_and_loop,
            jobs: &[
                Job::on(Backend::Dpor),
                Job::on(Backend::Loom),
                Job::on(Backend::ShuttleDfs),
                Job::sampled(Backend::ShuttlePct, 1000),
                Job::sampled(Backend::Real, 200),
            ],
        },
    ],
};

struct Mailbox {
    message: Mutex<Option<u32>>,
    ready: Condvar,
}

/// Run the notifier and the given waiter; the waiter's result is the outcome.
fn hand_off(waiter: fn(&Mailbox) -> Option<u32>) -> String {
    let mb = Arc::new(Mailbox {
        message: Mutex::new(None).named("message"),
        ready: Condvar::new().named("ready"),
    });
    let w = {
        let mb = mb.clone();
        thread::spawn(move || waiter(&mb))
    };
    let n = {
        let mb = mb.clone();
        thread::spawn(move || {
            let mut m = mb.message.lock();
            *m = Some(MESSAGE);
            mb.ready.notify_one();
        })
    };
    let got = w.join().expect("waiter failed");
    n.join().expect("notifier failed");
    match got {
        Some(v) => format!("got {v}"),
        None => "got nothing".into(),
    }
}

fn notify_before_wait(_: &Params) -> String {
    hand_off(|mb| {
        let m = mb.message.lock();
        // Assumes the notify is still to come.
        let m = mb.ready.wait(m);
        *m
    })
}

fn flag_and_loop(_: &Params) -> String {
    hand_off(|mb| {
        let mut m = mb.message.lock();
        // The message is the flag: wait only while it is missing, and look
        // again after every wake-up.
        while m.is_none() {
            m = mb.ready.wait(m);
        }
        *m
    })
}
