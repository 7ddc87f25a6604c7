//! Test helpers: an independent oracle for the counter patterns.
//!
//! The oracle knows nothing of racetrace: it enumerates, by brute force, every
//! sequentially consistent interleaving of a tiny model of the program — N
//! threads, each doing K increments, each increment a `load` then a `store` of
//! the loaded value plus one (or one indivisible step, for the locked
//! counter) — and collects the final values.

#![allow(dead_code)]

use racetrace::Report;
use std::collections::BTreeSet;

/// How an increment is made in the model.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Inc {
    /// `v = load; store(v + 1)`: two steps.
    LoadStore,
    /// One indivisible step (mutex-protected, or `fetch_add`).
    Atomic,
}

/// Final counter values reachable with at most `bound` preemptions (None: any
/// number). A preemption is a switch away from a thread that has not finished.
/// Returns (outcomes, number of distinct interleavings).
pub fn counter_oracle(
    threads: usize,
    ops: usize,
    inc: Inc,
    bound: Option<usize>,
) -> (BTreeSet<usize>, u64) {
    let steps_per_inc = if inc == Inc::LoadStore { 2 } else { 1 };
    let total = ops * steps_per_inc;
    let mut out = BTreeSet::new();
    let mut count = 0u64;
    // State: pc per thread, register per thread, shared counter.
    #[allow(clippy::too_many_arguments)] // a recursive enumerator's state, kept flat
    fn go(
        pc: &mut Vec<usize>,
        reg: &mut Vec<usize>,
        counter: usize,
        last: Option<usize>,
        preemptions: usize,
        total: usize,
        inc: Inc,
        bound: Option<usize>,
        out: &mut BTreeSet<usize>,
        count: &mut u64,
    ) {
        let n = pc.len();
        if pc.iter().all(|&p| p == total) {
            out.insert(counter);
            *count += 1;
            return;
        }
        for t in 0..n {
            if pc[t] == total {
                continue;
            }
            let switch = matches!(last, Some(l) if l != t && pc[l] < total);
            let p = preemptions + usize::from(switch);
            if bound.is_some_and(|b| p > b) {
                continue;
            }
            let (old_pc, old_reg) = (pc[t], reg[t]);
            let new_counter = match inc {
                Inc::Atomic => counter + 1,
                Inc::LoadStore if pc[t] % 2 == 0 => {
                    reg[t] = counter;
                    counter
                }
                Inc::LoadStore => reg[t] + 1,
            };
            pc[t] += 1;
            go(
                pc,
                reg,
                new_counter,
                Some(t),
                p,
                total,
                inc,
                bound,
                out,
                count,
            );
            pc[t] = old_pc;
            reg[t] = old_reg;
        }
    }
    go(
        &mut vec![0; threads],
        &mut vec![0; threads],
        0,
        None,
        0,
        total,
        inc,
        bound,
        &mut out,
        &mut count,
    );
    (out, count)
}

/// The numeric outcomes of a report.
pub fn numeric_outcomes(r: &Report) -> BTreeSet<usize> {
    r.outcomes
        .iter()
        .map(|o| {
            o.outcome.parse::<usize>().unwrap_or_else(|_| {
                panic!(
                    "non-numeric outcome '{}' in\n{}",
                    o.outcome,
                    r.render_table()
                )
            })
        })
        .collect()
}
