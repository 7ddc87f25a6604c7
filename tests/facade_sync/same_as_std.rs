//! std's documented behaviour on real threads, outside any exploration.
//! Each test body runs twice, `on_std` (with `s` = `std::sync`, `thread` =
//! `std::thread`) and `on_racetrace` (`racetrace::sync`, `racetrace::thread`):
//! the same source, compiled against both, asserting the same results.
//! Every run is bounded in time (`crate::bounded`): none may hang.

/// `same_as_std! { fn property() { body } }` makes module `property` with
/// the tests `on_std` and `on_racetrace`.
macro_rules! same_as_std {
    ($($(#[doc = $doc:literal])* fn $name:ident() $body:block)*) => {$(
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use std::sync::Arc as StdArc;
            #[allow(unused_imports)]
            use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
            #[allow(unused_imports)]
            use std::panic::{AssertUnwindSafe, catch_unwind};
            #[allow(unused_imports)]
            use std::time::Duration;

            #[test]
            fn on_std() {
                #[allow(unused_imports)]
                use std::sync as s;
                #[allow(unused_imports)]
                use std::thread;
                crate::bounded(move || $body);
            }

            #[test]
            fn on_racetrace() {
                #[allow(unused_imports)]
                use racetrace::sync as s;
                #[allow(unused_imports)]
                use racetrace::thread;
                crate::bounded(move || $body);
            }
        }
    )*};
}

same_as_std! {
    /// Two readers hold the lock at once (each waits, holding it, for the
    /// other to arrive: it would hang otherwise); a writer holds it alone.
    fn an_rwlock_lets_two_readers_in_at_once_and_a_writer_alone() {
        let l = s::Arc::new(s::RwLock::new(5));
        let both_in = StdArc::new(std::sync::Barrier::new(2));
        let (l2, b2) = (l.clone(), both_in.clone());
        let t = thread::spawn(move || {
            let g = l2.read().unwrap();
            b2.wait();
            *g
        });
        let g = l.read().unwrap();
        both_in.wait();
        assert!(matches!(l.try_write(), Err(s::TryLockError::WouldBlock)));
        drop(g);
        assert_eq!(t.join().unwrap(), 5);
        {
            let mut w = l.write().unwrap();
            *w += 1;
            assert!(matches!(l.try_read(), Err(s::TryLockError::WouldBlock)));
            assert!(matches!(l.try_write(), Err(s::TryLockError::WouldBlock)));
        }
        assert_eq!(*l.try_read().unwrap(), 6);
        let l = s::Arc::try_unwrap(l).unwrap();
        assert_eq!(l.into_inner().unwrap(), 6);
    }

    /// A writer that panics poisons the lock (readers and writers then get
    /// `Err` holding the guard, until `clear_poison`); a reader does not.
    fn a_panicking_writer_poisons_an_rwlock_and_a_panicking_reader_does_not() {
        let l = s::Arc::new(s::RwLock::new(1));
        let l2 = l.clone();
        let r = thread::spawn(move || {
            let _g = l2.read().unwrap();
            panic!("a reader panics");
        });
        assert!(r.join().is_err());
        assert!(!l.is_poisoned());
        let l2 = l.clone();
        let w = thread::spawn(move || {
            *l2.write().unwrap() = 2;
            let _g = l2.write().unwrap();
            panic!("a writer panics");
        });
        assert!(w.join().is_err());
        assert!(l.is_poisoned());
        assert_eq!(*l.read().unwrap_err().into_inner(), 2);
        assert!(matches!(l.try_write(), Err(s::TryLockError::Poisoned(_))));
        l.clear_poison();
        assert!(!l.is_poisoned());
        *l.write().unwrap() = 3;
        let l2 = l.clone();
        let _ = thread::spawn(move || {
            let _g = l2.write();
            panic!("a writer panics again");
        })
        .join();
        let mut l = s::Arc::try_unwrap(l).unwrap();
        assert_eq!(*l.get_mut().unwrap_err().into_inner(), 3);
        assert_eq!(l.into_inner().unwrap_err().into_inner(), 3);
    }

    /// A barrier of 3 lets nobody through before all 3 arrive, and makes
    /// exactly one of them leader, generation after generation.
    fn a_barrier_releases_its_threads_together_with_one_leader_per_generation() {
        const N: usize = 3;
        let b = s::Arc::new(s::Barrier::new(N));
        let arrived = StdArc::new(AtomicUsize::new(0));
        let leaders = StdArc::new([0, 1, 2].map(|_| AtomicUsize::new(0)));
        let hs: Vec<_> = (0..N)
            .map(|_| {
                let (b, arrived, leaders) = (b.clone(), arrived.clone(), leaders.clone());
                thread::spawn(move || {
                    for (round, count) in leaders.iter().enumerate() {
                        arrived.fetch_add(1, SeqCst);
                        let r = b.wait();
                        assert!(arrived.load(SeqCst) >= N * (round + 1), "left early");
                        if r.is_leader() {
                            count.fetch_add(1, SeqCst);
                        }
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert!(leaders.iter().all(|l| l.load(SeqCst) == 1), "one leader each");
        assert!(s::Barrier::new(1).wait().is_leader());
    }

    /// `recv` drains what was sent, then reports the senders gone; `send`
    /// to a dropped receiver hands the value back; a full `sync_channel`
    /// refuses `try_send`; `iter` ends when the last sender goes.
    fn mpsc_reports_disconnection_as_std_does() {
        use s::mpsc::{RecvError, SendError, TryRecvError, TrySendError};
        let (tx, rx) = s::mpsc::channel::<u8>();
        tx.send(1).unwrap();
        let tx2 = tx.clone();
        drop(tx);
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        tx2.send(2).unwrap();
        drop(tx2);
        assert_eq!(rx.recv(), Ok(2));
        assert_eq!(rx.recv(), Err(RecvError));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        let (tx, rx) = s::mpsc::channel::<u8>();
        drop(rx);
        assert_eq!(tx.send(7), Err(SendError(7)));
        let (tx, rx) = s::mpsc::sync_channel::<u8>(1);
        tx.try_send(1).unwrap();
        assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
        assert_eq!(rx.recv(), Ok(1));
        let t = thread::spawn(move || {
            for i in 0..3 {
                tx.send(i).unwrap();
            }
        });
        assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1, 2]);
        t.join().unwrap();
        let (tx, rx) = s::mpsc::sync_channel::<u8>(1);
        drop(rx);
        assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
    }

    /// `sync_channel(0)`: `send` returns once a `recv` has the value;
    /// `try_send` succeeds only while a `recv` waits; a sender waiting when
    /// the receiver leaves gets its value back (bounded channels too).
    fn a_rendezvous_send_waits_for_its_receiver() {
        use s::mpsc::{SendError, TrySendError};
        let (tx, rx) = s::mpsc::sync_channel::<u8>(0);
        assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)), "nobody receiving");
        let receiving = StdArc::new(AtomicUsize::new(0));
        let r2 = receiving.clone();
        let t = thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            r2.store(1, SeqCst);
            (rx.recv(), rx)
        });
        tx.send(9).unwrap();
        assert_eq!(receiving.load(SeqCst), 1, "send returned before any recv");
        let (got, rx) = t.join().unwrap();
        assert_eq!(got, Ok(9));
        let t = thread::spawn(move || (rx.recv(), rx));
        let mut v = 10;
        while let Err(e) = tx.try_send(v) {
            match e {
                TrySendError::Full(back) => v = back,
                TrySendError::Disconnected(_) => panic!("the receiver is alive"),
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let (got, rx) = t.join().unwrap();
        assert_eq!(got, Ok(10));
        let t = thread::spawn(move || tx.send(5));
        std::thread::sleep(Duration::from_millis(50));
        drop(rx);
        assert_eq!(t.join().unwrap(), Err(SendError(5)));
        let (tx, rx) = s::mpsc::sync_channel::<u8>(1);
        tx.send(1).unwrap();
        let t = thread::spawn(move || tx.send(2));
        std::thread::sleep(Duration::from_millis(50));
        drop(rx);
        assert_eq!(t.join().unwrap(), Err(SendError(2)));
    }

    /// Dropping the receiver drops the values still queued, at once.
    fn dropping_the_receiver_drops_what_is_queued() {
        let v = StdArc::new(());
        let (tx, rx) = s::mpsc::channel();
        let (stx, srx) = s::mpsc::sync_channel(2);
        for _ in 0..2 {
            tx.send(v.clone()).unwrap();
            stx.send(v.clone()).unwrap();
        }
        assert_eq!(StdArc::strong_count(&v), 5);
        drop(rx);
        drop(srx);
        assert_eq!(StdArc::strong_count(&v), 1);
        assert!(tx.send(v.clone()).is_err());
        assert_eq!(StdArc::strong_count(&v), 1);
    }

    /// `recv_timeout` times out on an empty channel, returns a value sent
    /// before or during the wait, and reports the senders gone; `try_iter`
    /// takes what is there, `into_iter` everything until disconnection.
    fn recv_timeout_try_iter_and_into_iter_behave_as_std() {
        use s::mpsc::RecvTimeoutError;
        let short = Duration::from_millis(20);
        let (tx, rx) = s::mpsc::channel::<u8>();
        assert_eq!(rx.recv_timeout(short), Err(RecvTimeoutError::Timeout));
        tx.send(4).unwrap();
        assert_eq!(rx.recv_timeout(short), Ok(4));
        let t = thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            tx.send(5).unwrap();
        });
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(5));
        t.join().unwrap();
        assert_eq!(rx.recv_timeout(short), Err(RecvTimeoutError::Disconnected));
        let (tx, rx) = s::mpsc::channel();
        for i in 0..3 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(rx.try_iter().next(), None);
        tx.send(7).unwrap();
        drop(tx);
        assert_eq!(rx.into_iter().collect::<Vec<_>>(), [7]);
    }

    /// `set` once, `get`/`get_mut`/`take`/`into_inner`; a panicking
    /// initialiser leaves the cell empty; racing initialisers: one runs.
    fn a_once_lock_is_set_once_and_hands_other_values_back() {
        let c = s::OnceLock::new();
        assert_eq!(c.get(), None);
        assert_eq!(c.set(1), Ok(()));
        assert_eq!(c.set(2), Err(2));
        assert_eq!(*c.get_or_init(|| 3), 1);
        let mut c = c;
        *c.get_mut().unwrap() += 1;
        assert_eq!(c.take(), Some(2));
        assert_eq!(c.get(), None);
        assert_eq!(c.into_inner(), None);
        let c = s::OnceLock::new();
        let r = catch_unwind(AssertUnwindSafe(|| c.get_or_init(|| -> u8 { panic!("init fails") })));
        assert!(r.is_err());
        assert_eq!(c.get(), None);
        assert_eq!(*c.get_or_init(|| 4), 4);
        assert_eq!(format!("{c:?} {:?}", s::OnceLock::<u8>::new()), "OnceLock(4) OnceLock(<uninit>)");
        static CELL: s::OnceLock<usize> = s::OnceLock::new();
        let runs = StdArc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..4)
            .map(|i| {
                let runs = runs.clone();
                thread::spawn(move || {
                    *CELL.get_or_init(|| {
                        runs.fetch_add(1, SeqCst);
                        std::thread::sleep(Duration::from_millis(10));
                        i
                    })
                })
            })
            .collect();
        let vs: Vec<usize> = hs.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(vs.iter().all(|&v| v == vs[0]), "{vs:?}");
        assert_eq!(runs.load(SeqCst), 1);
    }

    /// A `LazyLock` computes on first use, once; a panicking initialiser
    /// poisons it: every later use panics too.
    fn a_lazy_lock_computes_once_and_a_panic_poisons_it() {
        static LAZY: s::LazyLock<u32> = s::LazyLock::new(|| 41 + 1);
        assert_eq!(*LAZY, 42);
        assert_eq!(*s::LazyLock::force(&LAZY), 42);
        let runs = StdArc::new(AtomicUsize::new(0));
        let r2 = runs.clone();
        let l = s::LazyLock::new(move || r2.fetch_add(1, SeqCst) + 7);
        assert_eq!(*l + *l, 14);
        assert_eq!(runs.load(SeqCst), 1);
        let bad: s::LazyLock<u8> = s::LazyLock::new(|| panic!("init fails"));
        assert!(catch_unwind(AssertUnwindSafe(|| *bad)).is_err());
        assert!(catch_unwind(AssertUnwindSafe(|| *bad)).is_err(), "poisoned");
    }

    /// `Once` runs one closure among racing callers; a panicking closure
    /// poisons it: it is not completed and every later `call_once` panics.
    fn a_once_runs_one_closure_and_a_panic_poisons_it() {
        static ONCE: s::Once = s::Once::new();
        let runs = StdArc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let runs = runs.clone();
                thread::spawn(move || {
                    ONCE.call_once(|| {
                        runs.fetch_add(1, SeqCst);
                    });
                    assert!(ONCE.is_completed());
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(runs.load(SeqCst), 1);
        let o = s::Once::new();
        assert!(!o.is_completed());
        assert!(catch_unwind(AssertUnwindSafe(|| o.call_once(|| panic!("init fails")))).is_err());
        assert!(!o.is_completed());
        assert!(catch_unwind(AssertUnwindSafe(|| o.call_once(|| {}))).is_err(), "poisoned");
    }

    /// A panic while holding a mutex poisons it, until `clear_poison`.
    fn a_panic_while_holding_a_mutex_poisons_it() {
        let m = s::Arc::new(s::Mutex::new(1));
        let m2 = m.clone();
        let r = thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("boom");
        });
        assert!(r.join().is_err());
        assert!(m.is_poisoned());
        assert_eq!(*m.lock().unwrap_err().into_inner(), 1);
        m.clear_poison();
        assert_eq!(*m.lock().unwrap(), 1);
    }

    /// A condition variable wait with nobody to notify times out.
    fn a_condvar_wait_timeout_with_nobody_to_notify_times_out() {
        let m = s::Mutex::new(());
        let cv = s::Condvar::new();
        let (_g, r) = cv.wait_timeout(m.lock().unwrap(), Duration::from_millis(20)).unwrap();
        assert!(r.timed_out());
    }
}
