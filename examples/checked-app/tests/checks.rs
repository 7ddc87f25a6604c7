//! The application's concurrency checked under `cargo test`: racetrace (a
//! dev-dependency with `model`) explores every schedule of each scenario.
//! Each seeded bug is found, with a trace; each correct version is verified
//! completely. The expected outcomes are reasoned out in each test's
//! comment, from the program, not copied from a run.

use checked_app::bank::Bank;
use checked_app::cache::Cache;
use checked_app::once::{self, SpinOnce};
use checked_app::ring::{self, Ring};
use checked_app::{phases, pipeline};
use racetrace::sync::Arc;
use racetrace::{Backend, Config, Report, thread};
use std::collections::BTreeSet;

fn outcomes(r: &Report) -> BTreeSet<String> {
    r.outcome_set().into_iter().map(str::to_string).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn explore(backend: Backend, f: impl Fn() -> String + Send + Sync + 'static) -> Report {
    racetrace::explore_outcomes(&Config::new(backend), "checked-app", f, |_| true)
}

/// Two withdrawals of 70 from 100: at most one may succeed, so the balance
/// ends at 30 — unless both pass the check before either debits (−40).
fn two_withdrawals(naive: bool) -> String {
    let bank = Arc::new(Bank::new(&[100]));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let b = bank.clone();
            thread::spawn(move || {
                if naive {
                    b.withdraw_naive(0, 70)
                } else {
                    b.withdraw(0, 70)
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    bank.balance(0).to_string()
}

#[test]
fn a_check_then_act_withdrawal_can_overdraw_the_account() {
    for backend in [Backend::Dpor, Backend::Loom, Backend::Rc11] {
        let r = explore(backend, || two_withdrawals(true));
        assert!(r.complete, "{backend}");
        assert_eq!(outcomes(&r), set(&["-40", "30"]), "{backend}");
    }
}

#[test]
fn a_withdrawal_in_one_critical_section_never_overdraws() {
    for backend in [Backend::Dpor, Backend::Loom, Backend::Rc11] {
        let r = explore(backend, || two_withdrawals(false));
        assert!(r.complete, "{backend}");
        assert_eq!(outcomes(&r), set(&["30"]), "{backend}");
    }
}

/// Opposite transfers between two accounts: with "lock from, then to"
/// each can hold one lock and wait for the other; locking in index order
/// cannot. The money is conserved either way (200 in all).
fn opposite_transfers(naive: bool) -> String {
    let bank = Arc::new(Bank::new(&[100, 100]));
    let b2 = bank.clone();
    let t = thread::spawn(move || {
        if naive {
            b2.transfer_naive(1, 0, 10)
        } else {
            b2.transfer(1, 0, 10)
        }
    });
    if naive {
        bank.transfer_naive(0, 1, 20);
    } else {
        bank.transfer(0, 1, 20);
    }
    t.join().unwrap();
    (bank.balance(0) + bank.balance(1)).to_string()
}

#[test]
fn opposite_transfers_locking_from_then_to_can_deadlock() {
    let r = explore(Backend::Dpor, || opposite_transfers(true));
    assert!(r.complete);
    assert_eq!(outcomes(&r), set(&["200", "deadlock"]));
    let w = r.row("deadlock").unwrap().witness.as_ref().unwrap();
    let text = w.trace.render();
    assert!(text.contains("deadlock"), "{text}");
}

#[test]
fn transfers_locking_in_index_order_never_deadlock() {
    let r = explore(Backend::Dpor, || opposite_transfers(false));
    assert!(r.complete);
    assert_eq!(outcomes(&r), set(&["200"]));
}

/// The producer pushes 1 and 2; the consumer makes three attempts to pop
/// and reports what it took. In-order delivery allows any prefix of [1, 2]
/// (the consumer may run before the producer); the flawed ring can also
/// hand out a slot before it is written (`None`).
fn ring_run(flaw: ring::Flaw) -> String {
    let ring = Arc::new(Ring::<2>::new(flaw));
    let r2 = ring.clone();
    let producer = thread::spawn(move || {
        r2.push(1);
        r2.push(2);
    });
    let mut got = Vec::new();
    for _ in 0..3 {
        if let Some(v) = ring.pop() {
            got.push(v.map_or("None".to_string(), |v| v.to_string()));
        }
    }
    producer.join().unwrap();
    format!("[{}]", got.join(","))
}

#[test]
fn the_ring_delivers_a_prefix_of_what_was_pushed_in_order() {
    let r = explore(Backend::Dpor, || ring_run(ring::Flaw::None));
    assert!(r.complete);
    assert_eq!(outcomes(&r), set(&["[1,2]", "[1]", "[]"]));
}

#[test]
fn a_ring_that_publishes_before_writing_hands_out_empty_slots() {
    let r = explore(Backend::Dpor, || ring_run(ring::Flaw::PublishFirst));
    assert!(r.complete);
    let got = outcomes(&r);
    assert!(got.iter().any(|o| o.contains("None")), "{got:?}");
}

// Not under loom: loom 0.7.2 explores a single execution of this program
// (and of a two-atomic reduction of it, see docs/your-code.md), so it would
// "verify" the flawed ring too. dpor and shuttle-dfs cross-check each other,
// and rc11 checks its orderings (below).
#[test]
fn shuttle_dfs_agrees_with_dpor_on_the_ring() {
    for flaw in [ring::Flaw::None, ring::Flaw::PublishFirst] {
        let a = explore(Backend::Dpor, move || ring_run(flaw));
        let b = explore(Backend::ShuttleDfs, move || ring_run(flaw));
        assert!(a.complete && b.complete);
        assert_eq!(outcomes(&a), outcomes(&b), "{flaw:?}");
    }
}

// Under RC11 the correct ring (Release/Acquire indices) delivers what dpor
// says; the flawed one, which publishes the slot before writing it, is
// also a data race on the slot.
#[test]
fn rc11_checks_the_rings_orderings() {
    let good = explore(Backend::Rc11, || ring_run(ring::Flaw::None));
    let sc = explore(Backend::Dpor, || ring_run(ring::Flaw::None));
    assert!(good.complete);
    assert_eq!(outcomes(&good), outcomes(&sc));
    let bad = explore(Backend::Rc11, || ring_run(ring::Flaw::PublishFirst));
    assert!(outcomes(&bad).contains("data-race"), "{:?}", outcomes(&bad));
}

/// Two threads race to initialise the cell with 7 and 8: both must read
/// the winner's value, so the outcome is "7 7" or "8 8". With the flag set
/// first, the loser can read before the value is written ("None").
fn once_run(flaw: once::Flaw) -> String {
    let cell = Arc::new(SpinOnce::new(flaw));
    let c2 = cell.clone();
    let t = thread::spawn(move || c2.get_or_init(|| 8));
    let a = cell.get_or_init(|| 7);
    let b = t.join().unwrap();
    let show = |v: Option<u64>| v.map_or("None".to_string(), |v| v.to_string());
    format!("{} {}", show(a), show(b))
}

// The loser spins. Every checker treats a spin_loop as "wait until another
// thread has taken a step", so the exploration is finite.
#[test]
fn a_spinning_once_cell_hands_everyone_the_winners_value() {
    for backend in [
        Backend::Dpor,
        Backend::ShuttleDfs,
        Backend::Loom,
        Backend::Rc11,
    ] {
        let r = explore(backend, || once_run(once::Flaw::None));
        assert!(r.complete, "{backend}");
        assert_eq!(outcomes(&r), set(&["7 7", "8 8"]), "{backend}");
    }
}

#[test]
fn a_once_cell_that_publishes_its_flag_first_can_be_read_empty() {
    for backend in [Backend::Dpor, Backend::ShuttleDfs] {
        let r = explore(backend, || once_run(once::Flaw::FlagFirst));
        assert!(r.complete, "{backend}");
        let got = outcomes(&r);
        assert!(got.iter().any(|o| o.contains("None")), "{backend}: {got:?}");
    }
}

// A spin that nothing can end: the flag is never set.
#[test]
fn a_spin_on_a_flag_nobody_sets_is_a_livelock_not_a_step_limit() {
    for backend in [Backend::Dpor, Backend::ShuttleDfs] {
        let r = explore(backend, || {
            let flag = racetrace::sync::atomic::AtomicBool::new(false);
            while !flag.load(racetrace::sync::atomic::Ordering::Acquire) {
                racetrace::hint::spin_loop();
            }
            "done".to_string()
        });
        assert!(r.complete, "{backend}");
        assert_eq!(outcomes(&r), set(&["livelock"]), "{backend}");
    }
}

// loom and rc11 see the read of the value and its write unordered by any
// happens-before edge: a data race, reported with both threads' steps.
#[test]
fn a_once_cell_that_publishes_its_flag_first_races_on_its_value() {
    for backend in [Backend::Loom, Backend::Rc11] {
        let r = explore(backend, || once_run(once::Flaw::FlagFirst));
        assert!(
            outcomes(&r).contains("data-race"),
            "{backend}: {:?}",
            outcomes(&r)
        );
    }
}

// The same checks as attribute tests: the body is the explored program.

#[racetrace::test]
fn two_withdrawals_in_one_critical_section_each_never_overdraw() {
    let bank = Arc::new(Bank::new(&[100]));
    let b2 = bank.clone();
    let t = thread::spawn(move || b2.withdraw(0, 70));
    bank.withdraw(0, 70);
    t.join().unwrap();
    assert!(bank.balance(0) >= 0, "overdrawn: {}", bank.balance(0));
}

#[racetrace::test(expect = "panic")]
fn two_check_then_act_withdrawals_can_overdraw() {
    let bank = Arc::new(Bank::new(&[100]));
    let b2 = bank.clone();
    let t = thread::spawn(move || b2.withdraw_naive(0, 70));
    bank.withdraw_naive(0, 70);
    t.join().unwrap();
    assert!(bank.balance(0) >= 0, "overdrawn: {}", bank.balance(0));
}

#[racetrace::test(expect = "deadlock")]
fn opposite_naive_transfers_deadlock() {
    opposite_transfers(true);
}

/// Two threads ask the cache for the same key at once. Correct: one of
/// them computes, the other finds it (1 computation). Naive: both can miss
/// under the read lock and both compute (2).
fn cache_run(naive: bool) -> String {
    let cache = Arc::new(Cache::new());
    let c2 = cache.clone();
    let get = move |c: &Cache| if naive { c.get_naive(3) } else { c.get(3) };
    let t = thread::spawn(move || get(&c2));
    let a = get(&cache);
    let b = t.join().unwrap();
    assert_eq!((a, b), (9, 9));
    cache.computed().to_string()
}

#[test]
fn a_check_then_act_cache_can_compute_twice() {
    let r = explore(Backend::Dpor, || cache_run(true));
    assert!(r.complete);
    assert_eq!(outcomes(&r), set(&["1", "2"]));
}

#[test]
fn a_cache_that_checks_again_under_the_write_lock_computes_once() {
    // shuttle-dfs, which reduces nothing, takes seconds here: a cross-check
    // for CI, which sets RACETRACE_FULL=1 (as racetrace's own tests read it).
    let full = std::env::var_os("RACETRACE_FULL").is_some_and(|v| v == "1");
    let backends: &[Backend] = if full {
        &[Backend::Dpor, Backend::ShuttleDfs]
    } else {
        &[Backend::Dpor]
    };
    for &backend in backends {
        let r = explore(backend, || cache_run(false));
        assert!(r.complete, "{backend}");
        assert_eq!(outcomes(&r), set(&["1"]), "{backend}");
    }
}

#[test]
fn a_pipeline_whose_caller_keeps_a_sender_never_ends() {
    let r = explore(Backend::Dpor, || {
        pipeline::sum_pipeline(2, false).to_string()
    });
    assert!(r.complete);
    assert_eq!(outcomes(&r), set(&["deadlock"]));
    let w = r.outcomes[0].witness.as_ref().unwrap();
    let text = w.trace.render();
    assert!(text.contains("wait-for"), "{text}");
}

// dpor only: shuttle-dfs, with no reduction, does not finish this one in
// minutes (293,063 schedules in 10 s, not done); dpor needs 206.
#[test]
fn a_pipeline_that_drops_every_sender_sums_everything() {
    let r = explore(Backend::Dpor, || {
        pipeline::sum_pipeline(2, true).to_string()
    });
    assert!(r.complete);
    assert_eq!(outcomes(&r), set(&["3"]));
}

/// Each worker writes its slot (worker 0 writes 10, worker 1 writes 11),
/// then reads the other's. Read before the barrier, a slot can still be 0,
/// but not both: each worker writes before it reads, so whichever read
/// comes second follows both writes. After the barrier: always "11 10".
#[test]
fn reading_before_the_barrier_can_see_an_empty_slot() {
    let r = explore(Backend::Dpor, || phases::exchange(false));
    assert!(r.complete);
    assert_eq!(outcomes(&r), set(&["0 10", "11 0", "11 10"]));
}

#[test]
fn reading_after_the_barrier_always_sees_both_values() {
    for backend in [Backend::Dpor, Backend::ShuttleDfs, Backend::Loom] {
        let r = explore(backend, || phases::exchange(true));
        assert!(r.complete, "{backend}");
        assert_eq!(outcomes(&r), set(&["11 10"]), "{backend}");
    }
}
