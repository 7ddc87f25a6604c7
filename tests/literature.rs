//! The classic DPOR benchmarks from the literature — lastzero, indexer,
//! filesystem (`literature/programs.rs`, written on racetrace's facade as a
//! user writes them) — explored by `dpor` once per Mazurkiewicz trace: as
//! many complete schedules as the brute-force oracle (`literature/oracle.rs`)
//! counts on an abstract model of the program, with the same outcomes, and
//! the published counts where the oracle cannot go (lastzero: Abdulla et al.,
//! POPL 2014; indexer and filesystem: Flanagan and Godefroid, POPL 2005, the
//! counts as Nidhugg and Concuerror report them).
//!
//! The larger sizes run under `RACETRACE_FULL=1` only.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "common/full.rs"]
mod full;
#[path = "literature/oracle.rs"]
mod oracle;
#[path = "literature/programs.rs"]
mod programs;

use full::full;
use oracle::{
    FailedCas, FileSystem, Indexer, LastZero, Model, Traces, brute_force_with, lex_normal,
    lex_normal_with,
};
use racetrace::{Backend, Config, Report};
use std::collections::BTreeSet;

/// How racetrace's `dpor` labels a failed `compare_exchange`: as a read, as
/// the literature does (announced as a write, since it is not known before
/// whether it succeeds, the step is relabelled once it failed). Two failed
/// ones on a cell commute; `failed_compare_exchanges_commute` shows what
/// the other labelling would cost. The counts below are the oracle's.
const DPOR_FAILED_CAS: FailedCas = FailedCas::Reads;

/// Explore `program` under `dpor`, every outcome allowed.
fn dpor(label: &str, program: impl Fn() -> String + Send + Sync + 'static) -> Report {
    racetrace::explore_outcomes(&Config::new(Backend::Dpor), label, program, |_| true)
}

/// Optimal DPOR (wake-up trees): no execution is cut short by a sleep set
/// (`Report::pruned`) on these programs, which block on nothing but locks
/// held for one critical section.
fn check_sleep_set_blocked(label: &str, r: &Report) {
    println!(
        "{label}: {} complete, {} sleep-set blocked, {:.2?}",
        r.schedules, r.pruned, r.elapsed
    );
    assert_eq!(r.pruned, 0, "{label}: sleep-set-blocked executions");
}

/// `dpor` ran exactly one complete schedule per trace the oracle counts,
/// and reached exactly the oracle's outcomes.
fn assert_one_schedule_per_trace(label: &str, r: &Report, expected: &Traces) {
    assert!(r.complete, "{label}: not complete: {:?}", r.bound);
    let outcomes: BTreeSet<String> = r.outcomes.iter().map(|o| o.outcome.clone()).collect();
    assert_eq!(
        outcomes, expected.outcomes,
        "{label}: dpor's outcomes (left) differ from the oracle's (right)"
    );
    assert_eq!(
        r.schedules, expected.count,
        "{label}: dpor ran {} complete schedules, the oracle counts {} traces",
        r.schedules, expected.count
    );
    check_sleep_set_blocked(label, r);
}

/// `dpor` on the published program: complete, `published` schedules.
fn assert_published(label: &str, r: &Report, published: u64) {
    assert!(r.complete, "{label}: not complete: {:?}", r.bound);
    assert_eq!(
        r.schedules, published,
        "{label}: dpor ran {} complete schedules, the literature counts {published}",
        r.schedules
    );
    check_sleep_set_blocked(label, r);
}

#[test]
fn the_two_oracles_agree_on_tiny_models() {
    fn same<M: Model>(label: &str, m: &M) {
        for cas in [FailedCas::Reads, FailedCas::Writes] {
            let (a, b) = (brute_force_with(m, cas), lex_normal_with(m, cas));
            assert_eq!(
                (a.count, &a.outcomes),
                (b.count, &b.outcomes),
                "{label}, failed CAS {cas:?}: every interleaving (left), normal words only (right)"
            );
            assert_eq!(b.words, b.count + b.deadlocks, "{label}: a word per trace");
            assert_eq!(a.deadlocks, 0, "{label}");
        }
    }
    for n in 1..=4 {
        same(&format!("lastzero({n})"), &LastZero { n });
    }
    for (threads, size, max) in [(2, 8, 4), (2, 7, 2), (3, 6, 1), (3, 3, 1)] {
        let m = Indexer { threads, size, max };
        same(&format!("indexer({threads}, {size}, {max})"), &m);
    }
    for (threads, inodes, blocks) in [(2, 2, 2), (2, 1, 2), (2, 1, 1)] {
        let m = FileSystem {
            threads,
            inodes,
            blocks,
        };
        same(&format!("filesystem({threads}, {inodes}, {blocks})"), &m);
    }
}

#[test]
fn the_oracle_finds_the_published_lastzero_count() {
    assert_eq!(lex_normal(&LastZero { n: 5 }).count, 64);
    if full() {
        assert_eq!(lex_normal(&LastZero { n: 10 }).count, 3328);
    }
}

#[test]
fn lastzero_takes_one_dpor_schedule_per_trace() {
    for n in 1..=if full() { 7 } else { 5 } {
        let label = format!("lastzero({n})");
        let r = dpor(&label, move || programs::lastzero(n));
        assert_one_schedule_per_trace(&label, &r, &lex_normal(&LastZero { n }));
    }
}

#[test]
fn lastzero_5_takes_the_published_64_schedules() {
    let r = dpor("lastzero(5)", || programs::lastzero(5));
    assert_published("lastzero(5)", &r, 64);
}

#[test]
fn filesystem_takes_one_dpor_schedule_per_trace() {
    // Small disks, where threads share inodes and collide on blocks.
    for (threads, inodes, blocks) in [(2, 2, 2), (2, 1, 2), (3, 2, 3), (4, 4, 4), (4, 2, 4)] {
        let label = format!("filesystem({threads}, {inodes}, {blocks})");
        let r = dpor(&label, move || {
            programs::filesystem_with(threads, inodes, blocks)
        });
        let model = FileSystem {
            threads,
            inodes,
            blocks,
        };
        assert_one_schedule_per_trace(&label, &r, &lex_normal(&model));
    }
}

#[test]
fn filesystem_takes_the_published_counts() {
    // Threads i and i + 13 start at the same block: a pair from 14 threads on.
    let mut sizes = vec![(13, 1), (16, 8)];
    if full() {
        sizes.push((19, 64));
    }
    for (n, published) in sizes {
        let label = format!("filesystem({n})");
        let r = dpor(&label, move || programs::filesystem(n));
        assert_published(&label, &r, published);
    }
}

#[test]
fn indexer_takes_one_dpor_schedule_per_trace() {
    // Small tables, where messages collide and probe.
    for (threads, size, max) in [
        (2, 8, 4),
        (2, 4, 2),
        (2, 6, 3),
        (3, 16, 4),
        (3, 9, 3),
        (3, 6, 2),
    ] {
        let label = format!("indexer({threads}, {size}, {max})");
        let r = dpor(&label, move || programs::indexer_with(threads, size, max));
        let model = Indexer { threads, size, max };
        assert_one_schedule_per_trace(&label, &r, &lex_normal_with(&model, DPOR_FAILED_CAS));
    }
}

#[test]
fn indexer_takes_the_published_counts() {
    // Thread 11's messages are thread 0's next ones: a collision per shared
    // message from 12 threads on, each with two orders.
    let mut sizes = vec![(11, 1), (12, 8)];
    if full() {
        sizes.push((13, 64));
    }
    for (n, published) in sizes {
        let label = format!("indexer({n})");
        let r = dpor(&label, move || programs::indexer(n));
        assert_published(&label, &r, published);
    }
}

/// Two threads, a 7-slot table, two messages each: every message hashes to
/// slot 0 (`w * 7 % 7`), so each insertion probes past the ones before it.
/// Counting a failed compare-and-swap as a read there are 6 traces (the
/// order in which the four messages take slots 0–3); ordering every two
/// failed ones on a slot too would make 28. `dpor` runs the 6.
#[test]
fn failed_compare_exchanges_commute() {
    let model = Indexer {
        threads: 2,
        size: 7,
        max: 2,
    };
    let reads = lex_normal_with(&model, FailedCas::Reads);
    let writes = lex_normal_with(&model, FailedCas::Writes);
    assert_eq!((reads.count, writes.count), (6, 28));
    assert_eq!(reads.outcomes, writes.outcomes);
    let r = dpor("indexer(2, 7, 2)", || programs::indexer_with(2, 7, 2));
    assert_one_schedule_per_trace("indexer(2, 7, 2)", &r, &reads);
}

/// The published counts follow from the definitions: at these sizes each
/// collision (two threads starting at one block; one message two threads
/// insert) is decided once, either way, and nothing else interferes, so
/// the count is 2^collisions. A check that the programs are the published
/// ones, not a proof.
#[test]
fn the_published_counts_are_two_to_the_collisions() {
    fn filesystem_pairs(n: usize) -> u32 {
        let start = |tid: usize| ((tid % 32) * 2) % 26;
        let pairs = (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .filter(|&(a, b)| start(a) == start(b));
        pairs.count() as u32
    }
    fn indexer_shared(n: usize) -> u32 {
        let messages = |tid: usize| (1..=4).map(move |m| m * 11 + tid);
        let all: Vec<usize> = (0..n).flat_map(messages).collect();
        let distinct: BTreeSet<usize> = all.iter().copied().collect();
        (all.len() - distinct.len()) as u32
    }
    for (n, published) in [(13, 1), (16, 8), (19, 64)] {
        assert_eq!(2u64.pow(filesystem_pairs(n)), published, "filesystem({n})");
    }
    for (n, published) in [(11, 1), (12, 8), (13, 64), (14, 512), (15, 4096)] {
        assert_eq!(2u64.pow(indexer_shared(n)), published, "indexer({n})");
    }
}
