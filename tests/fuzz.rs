//! The byte scheduler and `--backend fuzz`, checked against a brute-force
//! oracle of the counter's interleavings.

#[path = "common/full.rs"]
mod full;

use racetrace::config::{Backend, Config};
use racetrace_patterns as patterns;
use racetrace_patterns::replay::TraceFile;
use std::collections::BTreeSet;

/// Every final count two threads × `ops` (load; store) can reach, by
/// enumerating all interleavings of the two threads' operations.
fn oracle(ops: usize) -> BTreeSet<usize> {
    fn go(pc: [usize; 2], reg: [usize; 2], mem: usize, ops: usize, out: &mut BTreeSet<usize>) {
        if pc[0] == 2 * ops && pc[1] == 2 * ops {
            out.insert(mem);
            return;
        }
        for t in 0..2 {
            if pc[t] < 2 * ops {
                let (mut pc2, mut reg2, mut mem2) = (pc, reg, mem);
                if pc[t] % 2 == 0 {
                    reg2[t] = mem;
                } else {
                    mem2 = reg[t] + 1;
                }
                pc2[t] += 1;
                go(pc2, reg2, mem2, ops, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    go([0, 0], [0, 0], 0, ops, &mut out);
    out
}

fn counter(
    variant: &str,
    ops: usize,
) -> (
    &'static patterns::Pattern,
    &'static patterns::Variant,
    patterns::Params,
) {
    let p = patterns::find("unsafe-counter").unwrap();
    let v = p.variant(variant).unwrap();
    let params = p
        .params(&[("threads".into(), 2), ("ops".into(), ops)])
        .unwrap();
    (p, v, params)
}

#[test]
fn no_bytes_means_no_preemptions() {
    let (p, v, params) = counter("load-store", 2);
    let r = racetrace_patterns::harness::run_schedule(p, v, &params, &[]).unwrap();
    assert_eq!(r.schedules, 1);
    assert_eq!(r.outcome_set(), ["4"]);
    assert_eq!(r.outcomes[0].witness.as_ref().unwrap().trace.preemptions, 0);
}

#[test]
fn byte_schedules_reach_exactly_the_oracles_counts() {
    // Two operations each (3^9 byte strings, seconds) with RACETRACE_FULL=1.
    let sizes: &[(usize, u32)] = full::quick_or_full(&[(1, 6)], &[(1, 6), (2, 9)]);
    for &(ops, len) in sizes {
        let (p, v, params) = counter("load-store", ops);
        let mut seen = BTreeSet::new();
        // Every byte string of length `len` over {0, 1, 2}: enough choice
        // points to place both workers' operations in any order.
        for code in 0..3usize.pow(len) {
            let bytes: Vec<u8> = (0..len).map(|i| (code / 3usize.pow(i) % 3) as u8).collect();
            let r = racetrace_patterns::harness::run_schedule(p, v, &params, &bytes).unwrap();
            seen.insert(r.outcomes[0].outcome.parse::<usize>().unwrap());
        }
        assert_eq!(seen, oracle(ops), "ops={ops}");
    }
}

#[test]
fn the_same_bytes_give_the_same_trace() {
    let (p, v, params) = counter("unsafe-cell", 2);
    let bytes = [7, 1, 200, 3, 9, 4, 4, 1, 0, 2, 5];
    let a = racetrace_patterns::harness::run_schedule(p, v, &params, &bytes).unwrap();
    let b = racetrace_patterns::harness::run_schedule(p, v, &params, &bytes).unwrap();
    let wa = a.outcomes[0].witness.as_ref().unwrap();
    let wb = b.outcomes[0].witness.as_ref().unwrap();
    assert_eq!(wa, wb);
}

#[test]
fn fuzz_backend_is_seeded_finds_the_lost_update_and_its_witness_replays() {
    let (p, v, params) = counter("load-store", 2);
    let config = Config::new(Backend::Fuzz)
        .with_seed(5)
        .with_max_schedules(300);
    let a = patterns::explore(p, v, &params, &config).unwrap();
    let b = patterns::explore(p, v, &params, &config).unwrap();
    assert_eq!(a.schedules, 300);
    assert!(!a.complete);
    assert_eq!(a.seed, Some(5));
    let counts = |r: &racetrace::Report| {
        r.outcomes
            .iter()
            .map(|o| (o.outcome.clone(), o.schedules))
            .collect::<Vec<_>>()
    };
    assert_eq!(counts(&a), counts(&b), "same seed, same outcome table");
    let reached: BTreeSet<usize> = a.outcome_set().iter().map(|o| o.parse().unwrap()).collect();
    assert_eq!(reached, oracle(2));
    for row in a.violations() {
        let w = row.witness.as_ref().unwrap();
        let file = TraceFile::from_witness(&a, w).unwrap();
        assert_eq!(file.backend, Backend::Fuzz);
        assert!(file.replay().unwrap().reproduced, "{}", row.outcome);
    }
}

#[test]
fn fuzz_backend_never_fails_a_correct_variant() {
    let p = patterns::find("locked-counter").unwrap();
    let params = p.params(&[("threads".into(), 3)]).unwrap();
    for v in p.variants {
        let config = Config::new(Backend::Fuzz).with_max_schedules(200);
        let r = patterns::explore(p, v, &params, &config).unwrap();
        assert_eq!(r.violations().count(), 0, "{}", v.name);
    }
}
