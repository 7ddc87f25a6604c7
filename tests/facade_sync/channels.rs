//! `mpsc` (and the timed condition variable wait it builds on) under the
//! exhaustive checkers, against the oracle's outcome sets: a pipeline whose
//! caller keeps a `Sender` (a deadlock) and its fix, a rendezvous channel's
//! hand-over order, and timeouts, which may fire at any moment of a wait
//! (time is not modelled: the oracle has a clock thread that can fire at
//! any step).

use crate::oracle::{Model, oracle, set};
use crate::{CHECKERS, assert_outcomes, assert_real_within};
use racetrace::Backend;
use racetrace::sync::{Arc, Condvar, Mutex, mpsc};
use racetrace::thread;
use std::time::Duration;

/// main, a producer sending 1 and 2 on a clone of main's sender, and a
/// consumer summing until every sender is gone. The bug: main keeps its
/// sender, so the consumer waits for ever and main waits for it.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Pipeline {
    drops_own: bool,
    queue: Vec<u8>,
    senders: u8,
    sum: u8,
    pc: [u8; 3],
}

impl Model for Pipeline {
    const THREADS: usize = 3;
    fn done(&self, t: usize) -> bool {
        self.pc[t] == [3, 3, 1][t]
    }
    fn step(&mut self, t: usize) -> bool {
        match (t, self.pc[t]) {
            (0, 0) => self.senders -= self.drops_own as u8,
            (0, 1) if self.pc[1] != 3 => return false, // join the producer
            (0, 2) if self.pc[2] != 1 => return false, // join the consumer
            (1, pc @ (0 | 1)) => self.queue.push(pc + 1),
            (1, 2) => self.senders -= 1,
            (2, _) if !self.queue.is_empty() => {
                self.sum += self.queue.remove(0);
                return true; // and receive again
            }
            (2, _) if self.senders > 0 => return false,
            _ => {}
        }
        self.pc[t] += 1;
        true
    }
    fn outcome(&self) -> String {
        format!("sum={}", self.sum)
    }
}

fn pipeline(drops_own: bool) -> String {
    let (tx, rx) = mpsc::channel::<u8>();
    let producer_tx = tx.clone();
    let producer = thread::spawn(move || {
        for i in 1..=2 {
            producer_tx.send(i).unwrap();
        }
    });
    let consumer = thread::spawn(move || {
        let mut sum = 0;
        for x in rx {
            sum += x;
        }
        sum
    });
    if drops_own {
        drop(tx);
    }
    producer.join().unwrap();
    format!("sum={}", consumer.join().unwrap())
}

fn pipeline_model(drops_own: bool) -> Pipeline {
    Pipeline {
        drops_own,
        queue: vec![],
        senders: 2,
        sum: 0,
        pc: [0; 3],
    }
}

#[test]
fn a_pipeline_whose_producer_side_keeps_a_sender_is_reported_as_a_deadlock() {
    let want = oracle(pipeline_model(false));
    assert_eq!(want, set(&["deadlock"]));
    let reports = assert_outcomes(
        super::checkers(),
        "mpsc-kept-sender",
        || pipeline(false),
        |o| o != "deadlock",
        &want,
    );
    let text = reports[0]
        .first_violation()
        .expect("a witness")
        .trace
        .render();
    assert!(text.contains("wait-for"), "{text}");
}

// Not shuttle-dfs here and below: without reduction, these three threads'
// schedules take it minutes (the kept-sender run above ends early, in a
// deadlock, so it is quick enough); dpor and loom need hundreds to thousands.
#[test]
fn a_pipeline_that_drops_every_sender_ends_with_the_full_sum() {
    let want = oracle(pipeline_model(true));
    assert_eq!(want, set(&["sum=3"]));
    assert_outcomes(
        &[Backend::Dpor, Backend::Loom],
        "mpsc-dropped-sender",
        || pipeline(true),
        |o| o == "sum=3",
        &want,
    );
    assert_real_within("mpsc-dropped-sender", || pipeline(true), &want);
}

/// A producer sends 1 then 2 on a rendezvous channel, logging `s1`, `s2`
/// after each send returns; the consumer logs `r1`, `r2` after each
/// receive. std: a send returns only once its value is received, so `s1`
/// precedes `r2` (and nothing orders `r1` and `s1`).
#[derive(Clone, PartialEq, Eq, Hash, Default)]
struct Rendezvous {
    offered: Option<u8>,
    taken: u8,
    closed: bool,
    holding: u8,
    log: Vec<String>,
    pc: [u8; 2],
}

impl Model for Rendezvous {
    const THREADS: usize = 2;
    fn done(&self, t: usize) -> bool {
        self.pc[t] == [7, 2][t]
    }
    fn step(&mut self, t: usize) -> bool {
        match (t, self.pc[t]) {
            // send: offer the value, then wait until it is taken.
            (0, 0 | 3) if self.offered.is_some() => return false,
            (0, pc @ (0 | 3)) => self.offered = Some(pc / 3 + 1),
            (0, pc @ (1 | 4)) if self.taken < pc / 3 + 1 => return false,
            (0, pc @ (2 | 5)) => self.log.push(format!("s{}", pc / 3 + 1)),
            (0, 6) => self.closed = true,
            (1, 0) => match self.offered.take() {
                Some(v) => {
                    self.taken += 1;
                    self.holding = v;
                }
                None if self.closed => self.pc[1] = 1,
                None => return false,
            },
            (1, 1) => {
                self.log.push(format!("r{}", self.holding));
                self.pc[1] = 0;
                return true;
            }
            _ => {}
        }
        self.pc[t] += 1;
        true
    }
    fn outcome(&self) -> String {
        self.log.join(" ")
    }
}

fn rendezvous() -> String {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::sync_channel::<u8>(0);
    let l2 = log.clone();
    let consumer = thread::spawn(move || {
        for v in rx {
            l2.lock().unwrap().push(format!("r{v}"));
        }
    });
    for v in 1..=2 {
        tx.send(v).unwrap();
        log.lock().unwrap().push(format!("s{v}"));
    }
    drop(tx);
    consumer.join().unwrap();
    log.lock().unwrap().join(" ")
}

#[test]
fn a_rendezvous_send_returns_only_after_its_value_is_received() {
    let want = oracle(Rendezvous::default());
    assert!(want.iter().all(|o| o.find("s1") < o.find("r2")), "{want:?}");
    assert_eq!(want.len(), 4);
    assert_outcomes(
        &[Backend::Dpor, Backend::Loom],
        "mpsc-rendezvous",
        rendezvous,
        |_| true,
        &want,
    );
    assert_real_within("mpsc-rendezvous", rendezvous, &want);
}

/// main waits (with a timeout) for a value that t1 sends; a clock (t2)
/// may fire at any step. std: the value if it came first, else a timeout.
/// The outcomes are named `ok` and `timed_out`.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Timeout {
    ok: &'static str,
    timed_out: &'static str,
    queued: bool,
    sender_gone: bool,
    fired: bool,
    result: &'static str,
    pc: [u8; 3],
}

impl Model for Timeout {
    const THREADS: usize = 3;
    fn done(&self, t: usize) -> bool {
        self.pc[t] == [3, 2, 1][t]
    }
    fn step(&mut self, t: usize) -> bool {
        match (t, self.pc[t]) {
            (0, pc @ (0 | 1)) => {
                // Look at the channel; at 1 only when woken or timed out.
                if self.queued {
                    self.result = self.ok;
                } else if pc == 1 && self.fired {
                    self.result = self.timed_out;
                } else if self.sender_gone {
                    self.result = "Err(Disconnected)";
                } else if pc == 0 {
                    self.pc[0] = 1;
                    return true;
                } else {
                    return false;
                }
                self.pc[0] = 2;
            }
            (0, _) if !self.sender_gone => return false, // join t1
            (0, _) => self.pc[0] = 3,
            (1, 0) => self.queued = true,
            (1, _) => self.sender_gone = true,
            (_, _) => self.fired = true, // the clock
        }
        if t != 0 {
            self.pc[t] += 1;
        }
        true
    }
    fn outcome(&self) -> String {
        self.result.into()
    }
}

fn timeout_model(ok: &'static str, timed_out: &'static str) -> Timeout {
    Timeout {
        ok,
        timed_out,
        queued: false,
        sender_gone: false,
        fired: false,
        result: "",
        pc: [0; 3],
    }
}

fn recv_timeout() -> String {
    let (tx, rx) = mpsc::channel::<u8>();
    let t = thread::spawn(move || tx.send(7).unwrap());
    let r = rx.recv_timeout(Duration::from_secs(1));
    t.join().unwrap();
    format!("{r:?}")
}

#[test]
fn recv_timeout_is_explored_both_receiving_and_timing_out() {
    let want = oracle(timeout_model("Ok(7)", "Err(Timeout)"));
    assert_eq!(want, set(&["Err(Timeout)", "Ok(7)"]));
    assert_outcomes(
        &[Backend::Dpor, Backend::Loom],
        "mpsc-recv-timeout",
        recv_timeout,
        |_| true,
        &want,
    );
}

/// The same shape on a condition variable: main waits (with a timeout)
/// while a flag t1 sets is unset. `wait_timeout_while` reports a timeout
/// only if the flag is still unset when the time runs out.
fn wait_timeout_while() -> String {
    let state = Arc::new((Mutex::new(false), Condvar::new()));
    let s2 = state.clone();
    let t = thread::spawn(move || {
        *s2.0.lock().unwrap() = true;
        s2.1.notify_one();
    });
    let (m, cv) = (&state.0, &state.1);
    let (g, r) = cv
        .wait_timeout_while(m.lock().unwrap(), Duration::from_secs(1), |set| !*set)
        .unwrap();
    let out = format!("flag={} timed_out={}", *g, r.timed_out());
    drop(g);
    t.join().unwrap();
    out
}

#[test]
fn wait_timeout_while_is_explored_both_woken_and_timed_out() {
    // The flag plays the channel's value: the same model.
    let want = oracle(timeout_model(
        "flag=true timed_out=false",
        "flag=false timed_out=true",
    ));
    assert_outcomes(
        &CHECKERS,
        "condvar-wait-timeout",
        wait_timeout_while,
        |_| true,
        &want,
    );
}
