//! Programs that shuttle itself used to fail, leaking the stacks of their
//! unfinished tasks: `tests/bounded_memory.rs` checks that none is left
//! alive, `benches/memory.rs` that resident memory stays flat.

use racetrace::traced::sync::atomic::{AtomicBool, Ordering::SeqCst};
use racetrace::traced::sync::{Arc, Condvar, Mutex};
use racetrace::traced::thread;

/// A waiter and a notify sent without the lock held. When the notify comes
/// first the wake-up is lost for good while `main` joins the waiter: a
/// deadlock racetrace finds with the waiter inside a condition-variable
/// wait. Under shuttle the notify can also fall in the scheduling point
/// `Condvar::wait` takes before it queues the waiter.
pub fn lost_wakeup() -> String {
    let s = Arc::new((Mutex::new(false), Condvar::new()));
    let s2 = s.clone();
    let waiter = thread::spawn(move || {
        let mut g = s2.0.lock();
        while !*g {
            g = s2.1.wait(g);
        }
    });
    s.1.notify_one();
    waiter.join().unwrap();
    "woken".into()
}

/// Two threads that only yield, for ever: no racetrace step is recorded, so
/// shuttle's step bound (a million scheduling points) used to end them, as
/// a failed execution, before racetrace's step limit. Now a livelock, after
/// a few yields each (`tests/livelock.rs`).
pub fn yielders() -> String {
    let t = thread::spawn(|| {
        loop {
            thread::yield_now();
        }
    });
    loop {
        thread::yield_now();
        if t.is_finished() {
            return "finished".into();
        }
    }
}

/// Three threads that only yield, beside `main`, which reads a flag after
/// every two yields: an operation comes within a few yields, so no livelock
/// is seen, and the run goes on until the recorder's step limit of a million
/// scheduling points (about 83,000 operations by then, at four threads
/// chosen evenly: give it a step limit above that, such as 250,000). Below
/// that limit, shuttle's own step bound used to fail it.
pub fn yielders_beside_a_reader() -> String {
    let flag = Arc::new(AtomicBool::new(false));
    for _ in 0..3 {
        thread::spawn(|| {
            loop {
                thread::yield_now();
            }
        });
    }
    loop {
        thread::yield_now();
        thread::yield_now();
        if flag.load(SeqCst) {
            return "finished".into();
        }
    }
}

/// Waits, when dropped, until its worker has counted down (the drop of a
/// guard that waits for its workers, as a scoped pool's does).
struct WaitForWorker(Arc<(Mutex<usize>, Condvar)>);

impl Drop for WaitForWorker {
    fn drop(&mut self) {
        let mut n = self.0.0.lock();
        while *n > 0 {
            n = self.0.1.wait(n);
        }
    }
}

/// `main` holds a lock its worker needs and joins it — a deadlock — while a
/// [`WaitForWorker`] is alive. racetrace winds the deadlock down: the worker
/// unwinds without counting down, so `main`'s destructor, run as `main`
/// unwinds, waits for ever, and shuttle fails the execution with its stacks
/// kept. A wind-down that cannot finish, every execution.
pub fn waiting_destructor() -> String {
    let count = Arc::new((Mutex::new(1usize), Condvar::new()));
    let _wait = WaitForWorker(count.clone());
    let m = Arc::new(Mutex::new(()));
    let (count2, m2) = (count.clone(), m.clone());
    let held = m.lock();
    let worker = thread::spawn(move || {
        let _x = m2.lock();
        *count2.0.lock() -= 1;
        count2.1.notify_all();
    });
    worker.join().unwrap();
    drop(held);
    "done".into()
}
