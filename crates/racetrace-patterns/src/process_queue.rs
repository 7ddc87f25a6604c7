//! `process-queue` — the tutorials' `multiprocessing` example: the parent
//! starts a worker process with a `Queue`, the worker puts a message, the
//! parent gets it, then joins the worker. Property: the parent receives the
//! whole message and both processes finish. Variants: `get-then-join`
//! (holds), `join-before-drain` (bug: deadlock — the message is larger than
//! the pipe, so the worker blocks in `put` while the parent blocks in `join`).

use crate::fixtures::{self, message};
use crate::pattern::{Job, ParamSpec, Params, Pattern, Variant};
use crate::spec::{Expect, Spec};
use racetrace::Backend;
use racetrace::process::{Process, ProcessQueue};

const PARAMS: &[ParamSpec] = &[ParamSpec {
    name: "capacity",
    default: 16,
    min: 8,
    max: 1 << 20,
    help: "bytes the pipe holds (for real, rounded up by the kernel to at least a page); the message is twice the pipe",
}];

const GOT: &str = "got the whole message";

fn allowed(_: &Params, o: &str) -> bool {
    o == GOT
}

fn explain(_: &Params, o: &str) -> String {
    match o {
        GOT => "the parent received the whole message and the worker exited".into(),
        "deadlock" | "deadlock (timed out)" => {
            "deadlock: the parent waits in join for a worker that waits for room in the pipe".into()
        }
        _ => "the message was lost or damaged".into(),
    }
}

const SPEC: Spec = Spec {
    property: "the parent gets the whole message and both processes finish",
    expect: Expect::Holds,
    allowed,
    explain,
};

/// The pattern.
pub static PATTERN: Pattern = Pattern {
    name: "process-queue",
    summary: "a worker process sends its parent one message over a pipe",
    python: "q = Queue(); p = Process(target=worker, args=(q,)); p.start(); print(q.get()); p.join() — the worker runs q.put(message)",
    params: PARAMS,
    threads: |_| 2,
    variants: &[
        Variant {
            name: "get-then-join",
            summary: "the parent takes the message off the queue, then joins the worker",
            spec: SPEC,
            run: |p| run(p, false),
            jobs: &[
                Job::on(Backend::Dpor),
                Job::on(Backend::Loom),
                Job::sampled(Backend::ShuttlePct, 200),
                Job::sampled(Backend::Real, 20),
            ],
        },
        Variant {
            name: "join-before-drain",
            summary: "the parent joins the worker before taking its message, which is larger than the pipe",
            spec: Spec {
                expect: Expect::Bug("deadlock"),
                ..SPEC
            },
            run: |p| run(p, true),
            jobs: &[
                Job::on(Backend::Dpor),
                Job::on(Backend::Loom),
                Job::sampled(Backend::ShuttlePct, 200),
                // Deterministic for real too: the watchdog ends it.
                Job::sampled(Backend::Real, 1),
            ],
        },
    ],
};

/// The program: real processes and a real pipe when run for real, a
/// share-nothing thread and a modelled pipe under the checkers.
fn run(p: &Params, join_first: bool) -> String {
    fixtures::install();
    let result = (|| {
        let q = ProcessQueue::<String>::with_capacity("queue", p.get("capacity"))?;
        let size = 2 * q.capacity();
        let mut worker = Process::builder("put-message")
            .name("worker")
            .arg(size)
            .queue(&q)
            .start()?;
        if join_first {
            worker.join()?;
        }
        let msg = q.get()?;
        if !join_first {
            worker.join()?;
        }
        Ok::<_, racetrace::process::ProcessError>(if msg == message(size) {
            GOT.to_string()
        } else {
            format!("got {} of {size} B", msg.len())
        })
    })();
    result.unwrap_or_else(|e| format!("error: {e}"))
}
