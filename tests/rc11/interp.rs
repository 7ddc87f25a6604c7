//! The litmus IR as a racetrace program: one traced `AtomicUsize` per
//! location (initialised to 0 before any thread starts), one traced thread
//! per litmus thread, all joined by main, which then loads each location
//! (`Relaxed`: after the joins, coherence alone makes it read the mo-last
//! write) and returns the outcome in the oracle's format.

use super::oracle::{Ins, LOC_NAMES, Program, outcome_string};
use racetrace::traced::sync::Arc;
use racetrace::traced::sync::atomic::{AtomicUsize, Ordering, fence};
use racetrace::traced::thread;
use racetrace::{Backend, Config, Report};
use std::collections::BTreeSet;
use std::time::Duration;

fn run_thread(locs: &[AtomicUsize], ins: &[Ins]) -> Vec<usize> {
    let mut regs = Vec::new();
    for &i in ins {
        match i {
            Ins::Store { loc, val, ord } => locs[loc].store(val, ord),
            Ins::Load { loc, ord } => regs.push(locs[loc].load(ord)),
            Ins::FetchAdd { loc, val, ord } => regs.push(locs[loc].fetch_add(val, ord)),
            Ins::Swap { loc, val, ord } => regs.push(locs[loc].swap(val, ord)),
            Ins::Cas {
                loc,
                expected,
                new,
                success,
                failure,
            } => regs.push(
                match locs[loc].compare_exchange(expected, new, success, failure) {
                    Ok(v) | Err(v) => v,
                },
            ),
            Ins::Fence(ord) => fence(ord),
        }
    }
    regs
}

/// Run `p` once (under whatever backend is exploring); its outcome.
pub fn interpret(p: &Program) -> String {
    let locs: Arc<Vec<AtomicUsize>> = Arc::new(
        (0..p.locs)
            .map(|l| AtomicUsize::new(0).named(LOC_NAMES[l]))
            .collect(),
    );
    let handles: Vec<_> = p
        .threads
        .iter()
        .map(|ins| {
            let (locs, ins) = (locs.clone(), ins.clone());
            thread::spawn(move || run_thread(&locs, &ins))
        })
        .collect();
    let regs: Vec<Vec<usize>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let finals: Vec<usize> = locs.iter().map(|a| a.load(Ordering::Relaxed)).collect();
    outcome_string(&regs, &finals)
}

/// Explore `p` under `backend` (at most 100,000 schedules or 60 s, so a
/// runaway exploration fails instead of hanging): the report.
pub fn explore(p: &Program, backend: Backend) -> Report {
    let p = p.clone();
    let mut config = Config::new(backend).with_max_schedules(100_000);
    config.max_duration = Some(Duration::from_secs(60));
    racetrace::explore_outcomes(&config, "litmus", move || interpret(&p), |_| true)
}

/// The report's outcome set.
pub fn outcome_set(r: &Report) -> BTreeSet<String> {
    r.outcomes.iter().map(|o| o.outcome.clone()).collect()
}
