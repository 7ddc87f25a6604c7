//! The real-threads engine: run after run on OS threads, each with a time-out.

use super::program::Body;
use super::report::Witness;
use super::tally::{RowTally, Shared, lock};
use crate::config::Config;
use crate::rt::Kind;
use crate::trace::{Trace, mark_preemptions};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(super) fn run_real(acc: &Shared, body: &Body, config: &Config) -> Option<String> {
    loop {
        let exec = {
            let mut a = lock(acc);
            if a.should_stop() {
                return None;
            }
            a.begin(Kind::Real)
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let e2 = exec.clone();
        let b = body.clone();
        std::thread::spawn(move || {
            let r = crate::traced::thread::run_thread(e2.clone(), 0, move || b());
            if let Some(r) = r {
                e2.set_result(r);
            }
            let _ = tx.send(());
        });
        let deadline = Instant::now() + config.real_timeout;
        loop {
            match rx.recv_timeout(Duration::from_millis(20)) {
                Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if exec.is_abandoned() {
                        // A waiter may have started waiting after the wake-up.
                        exec.wake_waiters();
                    }
                    if Instant::now() >= deadline {
                        // The threads stay blocked: they are leaked, the run
                        // is reported, and exploration stops.
                        // Worker processes of the run are named and killed,
                        // which also unblocks a thread waiting for them.
                        let workers =
                            crate::process::on_timeout(Arc::as_ptr(&exec) as *const () as usize);
                        let mut a = lock(acc);
                        a.pending_failure = None;
                        a.current = None;
                        let fin = exec.finish();
                        a.index += 1;
                        let (allowed, verdict) = (a.judge)("deadlock (timed out)");
                        let mut events = fin.events;
                        let p = mark_preemptions(&mut events);
                        let idx = a.index;
                        let title = format!("{} · real · run {}", a.label, idx);
                        a.rows.insert(
                            "deadlock (timed out)".into(),
                            RowTally {
                                schedules: 1,
                                allowed,
                                verdict: verdict.clone(),
                                best: Some((
                                    p,
                                    Witness {
                                        schedule: idx,
                                        replay: None,
                                        phase: None,
                                        trace: Trace {
                                            title,
                                            events: crate::rt::public_events(
                                                events,
                                                &fin.names,
                                                &fin.threads,
                                            ),
                                            threads: fin.threads,
                                            outcome: "deadlock (timed out)".into(),
                                            allowed,
                                            verdict,
                                            preemptions: p,
                                            deadlock: None,
                                            detail: Some(match &workers {
                                                None => format!(
                                                    "the run had not finished after {:?}",
                                                    config.real_timeout
                                                ),
                                                Some(w) => format!(
                                                    "the run had not finished after {:?}: {w}",
                                                    config.real_timeout
                                                ),
                                            }),
                                        },
                                    },
                                )),
                            },
                        );
                        a.stop = Some(format!("a run did not finish in {:?}", config.real_timeout));
                        return None;
                    }
                }
            }
        }
        lock(acc).finish_current(None);
    }
}
