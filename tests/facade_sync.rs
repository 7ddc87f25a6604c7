//! The std-shaped facade (`racetrace::sync`, `thread`) under `model`:
//! std's documented behaviour on real threads, and what the checkers
//! explore compared with outcome sets reasoned out from the program.

use racetrace::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use racetrace::sync::mpsc::{self, RecvError, TryRecvError, TrySendError};
use racetrace::sync::{Arc, Barrier, Condvar, LazyLock, Mutex, Once, OnceLock, RwLock};
use racetrace::{Backend, Config, thread};
use std::collections::BTreeSet;
use std::time::Duration;

/// Run `f` on a std thread and fail if it takes longer than 20 s: no test
/// here may hang.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("a real-thread run hung")
}

fn outcomes(backend: Backend, f: impl Fn() -> String + Send + Sync + 'static) -> BTreeSet<String> {
    let r = racetrace::explore_outcomes(&Config::new(backend), "facade", f, |_| true);
    assert!(r.complete, "{backend}: {}", r.render_table());
    r.outcome_set().into_iter().map(str::to_string).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---- std's behaviour, on real threads ----------------------------------------

#[test]
fn a_panic_while_holding_a_mutex_poisons_it_as_std_does() {
    bounded(|| {
        let m = Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let r = thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("boom");
        })
        .join();
        assert!(r.is_err());
        assert!(m.is_poisoned());
        let g = m.lock().unwrap_err().into_inner();
        assert_eq!(*g, 1);
        drop(g);
        m.clear_poison();
        assert_eq!(*m.lock().unwrap(), 1);
    });
}

#[test]
fn an_rwlock_lets_readers_share_and_a_writer_exclude() {
    bounded(|| {
        let l = RwLock::new(5);
        let r1 = l.read().unwrap();
        let r2 = l.try_read().unwrap();
        assert_eq!(*r1 + *r2, 10);
        assert!(matches!(
            l.try_write(),
            Err(std::sync::TryLockError::WouldBlock)
        ));
        drop((r1, r2));
        *l.write().unwrap() += 1;
        assert!(matches!(l.try_read(), Ok(g) if *g == 6));
        assert_eq!(l.into_inner().unwrap(), 6);
    });
}

#[test]
fn a_barrier_of_three_releases_all_three_with_exactly_one_leader_each_time() {
    bounded(|| {
        let b = Arc::new(Barrier::new(3));
        let leaders = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..3)
            .map(|_| {
                let (b, leaders) = (b.clone(), leaders.clone());
                thread::spawn(move || {
                    for _ in 0..2 {
                        if b.wait().is_leader() {
                            leaders.fetch_add(1, SeqCst);
                        }
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(leaders.load(SeqCst), 2, "one leader per generation");
    });
}

#[test]
fn mpsc_reports_disconnection_as_std_does() {
    bounded(|| {
        let (tx, rx) = mpsc::channel::<u8>();
        tx.send(1).unwrap();
        let tx2 = tx.clone();
        drop(tx);
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop(tx2);
        assert_eq!(rx.recv(), Err(RecvError));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        let (tx, rx) = mpsc::channel::<u8>();
        drop(rx);
        assert_eq!(tx.send(7).unwrap_err().0, 7);
        let (tx, rx) = mpsc::sync_channel::<u8>(1);
        tx.try_send(1).unwrap();
        assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
        assert_eq!(rx.recv(), Ok(1));
        let got: Vec<u8> = {
            let t = thread::spawn(move || {
                for i in 0..3 {
                    tx.send(i).unwrap();
                }
            });
            let v = rx.iter().collect();
            t.join().unwrap();
            v
        };
        assert_eq!(got, [0, 1, 2]);
    });
}

#[test]
fn a_rendezvous_send_returns_only_once_its_value_is_taken() {
    bounded(|| {
        let (tx, rx) = mpsc::sync_channel::<u8>(0);
        let taken = Arc::new(AtomicUsize::new(0));
        let t2 = taken.clone();
        let t = thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            t2.store(1, SeqCst);
            rx.recv().unwrap()
        });
        tx.send(9).unwrap();
        assert_eq!(taken.load(SeqCst), 1, "send returned before the receive");
        assert_eq!(t.join().unwrap(), 9);
    });
}

#[test]
fn once_cells_initialise_once_and_lazy_values_on_first_use() {
    bounded(|| {
        static CELL: OnceLock<u32> = OnceLock::new();
        static LAZY: LazyLock<u32> = LazyLock::new(|| 41 + 1);
        static ONCE: Once = Once::new();
        let runs = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..4)
            .map(|i| {
                let runs = runs.clone();
                thread::spawn(move || {
                    let v = *CELL.get_or_init(|| {
                        runs.fetch_add(1, SeqCst);
                        i
                    });
                    ONCE.call_once(|| {
                        runs.fetch_add(10, SeqCst);
                    });
                    v
                })
            })
            .collect();
        let vs: BTreeSet<u32> = hs.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(vs.len(), 1, "everyone sees the one value");
        assert_eq!(runs.load(SeqCst), 11);
        assert!(ONCE.is_completed());
        assert_eq!(*LAZY, 42);
        assert_eq!(CELL.set(99), Err(99));
    });
}

#[test]
fn a_condvar_wait_timeout_with_nobody_to_notify_times_out_on_real_threads() {
    bounded(|| {
        let m = Mutex::new(());
        let cv = Condvar::new();
        let (_g, r) = cv
            .wait_timeout(m.lock().unwrap(), Duration::from_millis(20))
            .unwrap();
        assert!(r.timed_out());
    });
}

// ---- explored ------------------------------------------------------------------

/// Two threads race to initialise a OnceLock, each counting its run: the
/// initialiser runs once in every schedule, and both read the winner's value.
#[test]
fn a_once_lock_race_runs_the_initialiser_exactly_once_in_every_schedule() {
    let program = || {
        let cell = Arc::new(OnceLock::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let (c2, r2) = (cell.clone(), runs.clone());
        let t = thread::spawn(move || {
            *c2.get_or_init(|| {
                r2.fetch_add(1, SeqCst);
                2
            })
        });
        let a = *cell.get_or_init(|| {
            runs.fetch_add(1, SeqCst);
            1
        });
        let b = t.join().unwrap();
        format!("runs={} {a}{b}", runs.load(SeqCst))
    };
    // Either thread may win; both then read its value.
    let want = set(&["runs=1 11", "runs=1 22"]);
    for backend in [Backend::Dpor, Backend::ShuttleDfs, Backend::Loom] {
        assert_eq!(outcomes(backend, program), want, "{backend}");
    }
}

/// A waiter waits up to a timeout for a flag that a second thread sets and
/// signals. Time is not modelled, so the timeout may fire at any moment:
/// the waiter can time out before the flag is set, or after (the signal
/// raced the timer), or be woken by the signal. Never: woken without the
/// flag, since only the setter notifies after setting it — but a timeout
/// wakes every waiter, so "woken" is judged by `timed_out()`.
#[test]
fn wait_timeout_is_explored_both_woken_and_timed_out() {
    let program = || {
        let state = Arc::new((Mutex::new(false), Condvar::new()));
        let s2 = state.clone();
        let t = thread::spawn(move || {
            *s2.0.lock().unwrap() = true;
            s2.1.notify_one();
        });
        let (m, cv) = (&state.0, &state.1);
        let g = m.lock().unwrap();
        let (g, r) = cv
            .wait_timeout_while(g, Duration::from_secs(1), |set| !*set)
            .unwrap();
        let out = format!("flag={} timed_out={}", *g, r.timed_out());
        drop(g);
        t.join().unwrap();
        out
    };
    // wait_timeout_while: timed out only if the flag is still unset when
    // the time runs out; if the flag was set first, no wait at all.
    let want = set(&["flag=false timed_out=true", "flag=true timed_out=false"]);
    assert_eq!(outcomes(Backend::Dpor, program), want);
}

/// Readers and a writer of an RwLock under every exhaustive checker: a
/// reader sees the value before or after the writer's increment, never in
/// between (the writer adds 1 twice under one write lock).
#[test]
fn an_rwlock_writer_is_atomic_to_readers() {
    let program = || {
        let l = Arc::new(RwLock::new(0));
        let l2 = l.clone();
        let w = thread::spawn(move || {
            let mut g = l2.write().unwrap();
            *g += 1;
            *g += 1;
        });
        let seen = *l.read().unwrap();
        w.join().unwrap();
        seen.to_string()
    };
    let want = set(&["0", "2"]);
    for backend in [Backend::Dpor, Backend::ShuttleDfs, Backend::Loom] {
        assert_eq!(outcomes(backend, program), want, "{backend}");
    }
}
