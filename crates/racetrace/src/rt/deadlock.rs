//! The deadlock detector: wait-for cycles, the all-blocked rule, and the wait-for report.

use super::execution::{Abandon, Execution, Special, State, StateGuard, Status};
use super::rec::Rec;
use super::{Ctx, check_abandoned};
use crate::trace::{Access, BlockedThread, Deadlock};
use std::sync::atomic::Ordering;

impl Ctx {
    // ---- deadlocks --------------------------------------------------------

    /// Called with the state locked when this thread is about to block.
    pub(super) fn deadlock_check(&self, st: StateGuard<'_>) {
        let mut st = st;
        if self.exec.is_abandoned() {
            drop(st);
            check_abandoned(&self.exec);
            return;
        }
        let found = cycle_from(&st, self.tid)
            .map(|cycle| report(&st, cycle))
            .or_else(|| global_deadlock(&st));
        if let Some(d) = found {
            if st.special.is_none() {
                record_pending_blocks(&self.exec, &mut st);
                st.special = Some(Special::Deadlock(d));
            }
            drop(st);
            self.abandon();
            std::panic::resume_unwind(Box::new(Abandon));
        }
    }

    /// Stop the execution: later operations unwind their threads, and
    /// condition-variable waiters are woken so they can unwind too.
    pub(crate) fn abandon(&self) {
        self.exec.abandoned.store(true, Ordering::SeqCst);
        self.exec.wake_waiters();
    }
}

/// A thread that called `lock` while the mutex was free, and lost it to
/// another thread before getting it (the backend switched inside `lock`), is
/// blocked but has recorded no `Block` event. When a deadlock is found, record
/// one for each such thread, in thread order, so that the trace ends with what
/// every thread waits for.
pub(super) fn record_pending_blocks(exec: &Execution, st: &mut State) {
    for t in 0..st.threads.len() {
        let Status::Lock(m) = st.threads[t].status else {
            continue;
        };
        let Some(&h) = st.holder.get(&m) else {
            continue;
        };
        let last = st.events.iter().rev().find(|e| e.thread == t);
        if last.is_some_and(|e| e.access == Access::Block && e.object == Some(m)) {
            continue;
        }
        let who = st.threads[h].name.clone();
        let named = m < st.names.len();
        st.events.push(Rec {
            note: Some(format!("waits: held by {who}")),
            ..Rec::new(t, Access::Block, "lock", Some(m), named)
        });
        exec.steps.fetch_add(1, Ordering::Relaxed);
    }
}

/// Is thread `t` unable to run until another thread acts?
fn blocked(st: &State, t: usize) -> bool {
    match &st.threads[t].status {
        Status::Running | Status::Exited => false,
        Status::Lock(m) => st.holder.contains_key(m),
        Status::Join(c) => st.threads[*c].status != Status::Exited,
        Status::Cv { cv, mutex } => {
            let signalled = st
                .cvs
                .get(cv)
                .and_then(|c| c.waiters.iter().find(|w| w.thread == t))
                .map(|w| w.broadcast || !w.signals.is_empty())
                .unwrap_or(true);
            !signalled || st.holder.contains_key(mutex)
        }
    }
}

/// The one thread that must act to unblock `t`, if there is exactly one.
fn successor(st: &State, t: usize) -> Option<usize> {
    match &st.threads[t].status {
        Status::Lock(m) => st.holder.get(m).copied(),
        Status::Join(c) if st.threads[*c].status != Status::Exited => Some(*c),
        _ => None,
    }
}

/// A wait-for cycle through `start`, following locks and joins.
fn cycle_from(st: &State, start: usize) -> Option<Vec<usize>> {
    let mut path = vec![start];
    let mut t = start;
    while let Some(next) = successor(st, t) {
        if next == start {
            return Some(path);
        }
        if path.contains(&next) || path.len() > st.threads.len() {
            return None;
        }
        path.push(next);
        t = next;
    }
    None
}

/// All unfinished threads blocked: a deadlock, whatever the cycle.
pub(super) fn global_deadlock(st: &State) -> Option<Deadlock> {
    let live: Vec<usize> = (0..st.threads.len())
        .filter(|&t| st.threads[t].status != Status::Exited)
        .collect();
    if live.is_empty() || !live.iter().all(|&t| blocked(st, t)) {
        return None;
    }
    let cycle = live
        .iter()
        .find_map(|&t| cycle_from(st, t))
        .unwrap_or_default();
    Some(report(st, cycle))
}

fn report(st: &State, cycle: Vec<usize>) -> Deadlock {
    // Start the cycle at its lowest thread so the report is deterministic.
    let cycle = match cycle.iter().enumerate().min_by_key(|(_, t)| **t) {
        Some((i, _)) => {
            let mut c = cycle.clone();
            c.rotate_left(i);
            c
        }
        None => cycle,
    };
    let name = |o: usize| st.names.get(o).cloned().unwrap_or_default();
    let mut blocked_threads = Vec::new();
    for t in 0..st.threads.len() {
        let waits_for = match &st.threads[t].status {
            Status::Running => {
                if !cycle.is_empty() {
                    continue;
                }
                "nothing (runnable)".to_string()
            }
            Status::Exited => continue,
            Status::Lock(m) => format!("lock {}", name(*m)),
            Status::Join(c) => format!("join {}", st.threads[*c].name),
            Status::Cv { cv, mutex } => {
                if blocked(st, t) && st.holder.contains_key(mutex) && {
                    let w = st
                        .cvs
                        .get(cv)
                        .and_then(|c| c.waiters.iter().find(|w| w.thread == t));
                    w.map(|w| w.broadcast || !w.signals.is_empty())
                        .unwrap_or(false)
                } {
                    format!("lock {} (woken by {})", name(*mutex), name(*cv))
                } else if let Some(why) = st.wait_reason.get(cv) {
                    why.clone()
                } else {
                    format!("a notify on {}", name(*cv))
                }
            }
        };
        let mut holds: Vec<(usize, String)> = st
            .holder
            .iter()
            .filter(|(_, h)| **h == t)
            .map(|(m, _)| (*m, name(*m)))
            .collect();
        holds.sort();
        blocked_threads.push(BlockedThread {
            thread: t,
            waits_for,
            held_by: successor(st, t),
            holds: holds.into_iter().map(|(_, n)| n).collect(),
        });
    }
    Deadlock {
        blocked: blocked_threads,
        cycle,
    }
}

#[cfg(test)]
mod tests {
    use super::super::execution::Waiter;
    use super::*;

    /// Thread `t` waits on condition variable `cv`; `signals`: the
    /// notify_one epochs that may wake it.
    fn wait(st: &mut State, t: usize, cv: usize, signals: Vec<u64>) {
        st.cvs.entry(cv).or_default().waiters.push(Waiter {
            thread: t,
            signals,
            broadcast: false,
            entering: None,
        });
    }

    fn threads(d: &Deadlock) -> Vec<usize> {
        d.blocked.iter().map(|b| b.thread).collect()
    }

    #[test]
    fn two_threads_each_waiting_for_the_others_mutex_are_a_cycle() {
        let mut st = State::for_test(vec![Status::Lock(1), Status::Lock(0)], &["a", "b"]);
        st.holder.insert(0, 0);
        st.holder.insert(1, 1);
        assert_eq!(cycle_from(&st, 0), Some(vec![0, 1]));
        assert_eq!(cycle_from(&st, 1), Some(vec![1, 0]));
        let d = global_deadlock(&st).expect("both threads are blocked");
        assert_eq!(d.cycle, vec![0, 1]);
        assert_eq!(threads(&d), vec![0, 1]);
    }

    #[test]
    fn a_cycle_of_three_locks_is_followed_round() {
        let statuses = vec![Status::Lock(1), Status::Lock(2), Status::Lock(0)];
        let mut st = State::for_test(statuses, &["m0", "m1", "m2"]);
        for t in 0..3 {
            st.holder.insert(t, t);
        }
        assert_eq!(cycle_from(&st, 0), Some(vec![0, 1, 2]));
        assert_eq!(cycle_from(&st, 2), Some(vec![2, 0, 1]));
    }

    /// `Deadlock::cycle`: a thread waiting for itself is a cycle of one.
    #[test]
    fn a_thread_locking_a_mutex_it_holds_is_a_cycle_of_one() {
        let mut st = State::for_test(vec![Status::Lock(0)], &["m"]);
        st.holder.insert(0, 0);
        assert_eq!(cycle_from(&st, 0), Some(vec![0]));
    }

    /// Joins are wait-for edges as locks are.
    #[test]
    fn a_join_and_a_lock_make_a_cycle() {
        let mut st = State::for_test(vec![Status::Join(1), Status::Lock(0)], &["m"]);
        st.holder.insert(0, 0);
        assert_eq!(cycle_from(&st, 0), Some(vec![0, 1]));
        assert_eq!(cycle_from(&st, 1), Some(vec![1, 0]));
    }

    /// The cycle must pass through the start: a thread that waits for a
    /// thread in a cycle is not part of one.
    #[test]
    fn a_thread_waiting_into_a_cycle_is_not_on_it() {
        let statuses = vec![Status::Lock(1), Status::Lock(2), Status::Lock(1)];
        let mut st = State::for_test(statuses, &["m0", "m1", "m2"]);
        st.holder.insert(1, 1);
        st.holder.insert(2, 2);
        assert_eq!(cycle_from(&st, 0), None);
        assert_eq!(cycle_from(&st, 1), Some(vec![1, 2]));
    }

    #[test]
    fn a_mutex_held_by_a_runnable_thread_is_no_deadlock() {
        let mut st = State::for_test(vec![Status::Lock(0), Status::Running], &["m"]);
        st.holder.insert(0, 1);
        assert_eq!(cycle_from(&st, 0), None);
        assert_eq!(global_deadlock(&st), None);
    }

    /// Joining a thread that has exited does not wait.
    #[test]
    fn joining_an_exited_thread_is_no_deadlock() {
        let st = State::for_test(vec![Status::Join(1), Status::Exited], &[]);
        assert_eq!(cycle_from(&st, 0), None);
        assert_eq!(global_deadlock(&st), None);
    }

    /// A deadlock needs *all* unfinished threads blocked: a cycle while
    /// another thread can still run is not reported by this rule.
    #[test]
    fn a_cycle_beside_a_runnable_thread_is_no_global_deadlock() {
        let statuses = vec![Status::Running, Status::Lock(1), Status::Lock(0)];
        let mut st = State::for_test(statuses, &["a", "b"]);
        st.holder.insert(0, 1);
        st.holder.insert(1, 2);
        assert_eq!(cycle_from(&st, 1), Some(vec![1, 2]));
        assert_eq!(global_deadlock(&st), None);
    }

    /// Exited threads are finished: they neither count as runnable nor
    /// appear in the report.
    #[test]
    fn exited_threads_do_not_prevent_a_global_deadlock() {
        let statuses = vec![Status::Exited, Status::Lock(1), Status::Lock(0)];
        let mut st = State::for_test(statuses, &["a", "b"]);
        st.holder.insert(0, 1);
        st.holder.insert(1, 2);
        let d = global_deadlock(&st).expect("every unfinished thread is blocked");
        assert_eq!(d.cycle, vec![1, 2]);
        assert_eq!(threads(&d), vec![1, 2]);
    }

    #[test]
    fn all_threads_waiting_on_a_condvar_with_no_notifier_is_a_global_deadlock() {
        let cv_wait = Status::Cv { cv: 0, mutex: 1 };
        let mut st = State::for_test(vec![cv_wait.clone(), cv_wait], &["cv", "m"]);
        wait(&mut st, 0, 0, Vec::new());
        wait(&mut st, 1, 0, Vec::new());
        assert_eq!(cycle_from(&st, 0), None);
        assert_eq!(cycle_from(&st, 1), None);
        let d = global_deadlock(&st).expect("nobody is left to notify");
        assert!(d.cycle.is_empty(), "a condvar wait is no wait-for edge");
        assert_eq!(threads(&d), vec![0, 1]);
        assert!(d.blocked.iter().all(|b| b.held_by.is_none()));
    }

    /// A signalled waiter whose mutex is free can run: no deadlock, even
    /// though every other thread is blocked (here, joining it).
    #[test]
    fn a_signalled_waiter_with_a_free_mutex_is_runnable() {
        let statuses = vec![Status::Join(1), Status::Cv { cv: 0, mutex: 1 }];
        let mut st = State::for_test(statuses, &["cv", "m"]);
        wait(&mut st, 1, 0, vec![0]);
        assert_eq!(global_deadlock(&st), None);
    }

    /// A signalled waiter still has to re-acquire its mutex: if a blocked
    /// thread holds it, the waiter is blocked too.
    #[test]
    fn a_signalled_waiter_whose_mutex_is_held_is_blocked() {
        let statuses = vec![Status::Join(1), Status::Cv { cv: 0, mutex: 1 }];
        let mut st = State::for_test(statuses, &["cv", "m"]);
        wait(&mut st, 1, 0, vec![0]);
        st.holder.insert(1, 0);
        let d = global_deadlock(&st).expect("main holds the waiter's mutex and joins it");
        assert_eq!(threads(&d), vec![0, 1]);
    }
}
