//! A second, unrelated brute force for `SeqCst`-only programs: every
//! interleaving of the threads' instructions over one memory (sequential
//! consistency; fences do nothing). RC11 restricted to SC accesses and SC
//! fences is SC (the paper's section 3), so the RC11 oracle must agree.

use super::oracle::{Ins, Program, outcome_string};
use std::collections::BTreeSet;

/// The outcomes of every interleaving of `p`.
pub fn interleavings(p: &Program) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut pc = vec![0; p.threads.len()];
    let mut mem = vec![0usize; p.locs];
    let mut regs: Vec<Vec<usize>> = vec![Vec::new(); p.threads.len()];
    go(p, &mut pc, &mut mem, &mut regs, &mut out);
    out
}

fn go(
    p: &Program,
    pc: &mut [usize],
    mem: &mut [usize],
    regs: &mut [Vec<usize>],
    out: &mut BTreeSet<String>,
) {
    let mut any = false;
    for t in 0..p.threads.len() {
        let Some(&ins) = p.threads[t].get(pc[t]) else {
            continue;
        };
        any = true;
        let (saved_mem, saved_regs) = (mem.to_vec(), regs[t].len());
        match ins {
            Ins::Store { loc, val, .. } => mem[loc] = val,
            Ins::Load { loc, .. } => regs[t].push(mem[loc]),
            Ins::FetchAdd { loc, val, .. } => {
                regs[t].push(mem[loc]);
                mem[loc] = mem[loc].wrapping_add(val);
            }
            Ins::Swap { loc, val, .. } => {
                regs[t].push(mem[loc]);
                mem[loc] = val;
            }
            Ins::Cas {
                loc, expected, new, ..
            } => {
                regs[t].push(mem[loc]);
                if mem[loc] == expected {
                    mem[loc] = new;
                }
            }
            Ins::Fence(_) => {}
        }
        pc[t] += 1;
        go(p, pc, mem, regs, out);
        pc[t] -= 1;
        mem.copy_from_slice(&saved_mem);
        regs[t].truncate(saved_regs);
    }
    if !any {
        out.insert(outcome_string(regs, mem));
    }
}
