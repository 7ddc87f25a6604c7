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
    #[allow(clippy::too_many_arguments)]
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

/// The number of Mazurkiewicz traces — truly different interleavings — of the
/// load/store counter with `threads` × `ops` increments: every interleaving is
/// enumerated and reduced to its lexicographic normal form (repeatedly take
/// the lowest thread whose next event commutes with everything before it);
/// the distinct normal forms are counted. Two events are dependent when at
/// least one of them is a store (they all touch the one counter).
pub fn mazurkiewicz_traces(threads: usize, ops: usize) -> usize {
    // An event: (thread, is_store).
    fn normal_form(w: &[(usize, bool)]) -> Vec<(usize, bool)> {
        let mut rest: Vec<(usize, bool)> = w.to_vec();
        let mut out = Vec::with_capacity(w.len());
        while !rest.is_empty() {
            let mut threads: Vec<usize> = rest.iter().map(|e| e.0).collect();
            threads.sort_unstable();
            threads.dedup();
            let pick = threads
                .into_iter()
                .find_map(|t| {
                    let pos = rest.iter().position(|e| e.0 == t)?;
                    let e = rest[pos];
                    let blocked = rest[..pos].iter().any(|x| x.1 || e.1);
                    (!blocked).then_some(pos)
                })
                .expect("the first event always commutes to the front");
            out.push(rest.remove(pick));
        }
        out
    }
    type Seen = std::collections::HashSet<Vec<(usize, bool)>>;
    fn go(left: &mut Vec<usize>, ops: usize, w: &mut Vec<(usize, bool)>, seen: &mut Seen) {
        if left.iter().all(|&l| l == 0) {
            seen.insert(normal_form(w));
            return;
        }
        for t in 0..left.len() {
            if left[t] == 0 {
                continue;
            }
            let done = 2 * ops - left[t];
            w.push((t, done % 2 == 1));
            left[t] -= 1;
            go(left, ops, w, seen);
            left[t] += 1;
            w.pop();
        }
    }
    let mut seen = std::collections::HashSet::new();
    go(&mut vec![2 * ops; threads], ops, &mut Vec::new(), &mut seen);
    seen.len()
}

/// Save `file` as `dir/NAME.json`, read it back (it must be equal), replay
/// it, and insist the replay gave the identical trace. Returns the replay.
pub fn save_load_replay(
    dir: &std::path::Path,
    name: &str,
    file: &racetrace_patterns::replay::TraceFile,
) -> racetrace_patterns::replay::Replayed {
    use racetrace_patterns::replay::TraceFile;
    let path = dir.join(format!("{name}.json"));
    file.save(&path).unwrap();
    let back = TraceFile::load(&path).unwrap();
    assert_eq!(&back, file, "{name}: the file read back differs");
    let again = back.replay().unwrap();
    assert!(
        again.reproduced,
        "{name}: {:?}\n{}",
        again.difference,
        again.trace.render()
    );
    again
}
