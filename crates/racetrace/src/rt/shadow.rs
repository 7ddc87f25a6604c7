//! The shadow state's thread, mutex and condition-variable operations (`impl Ctx`).

use super::deadlock::{global_deadlock, record_pending_blocks};
use super::execution::{Kind, Special, Status, ThreadState, Waiter};
use super::rec::LazyNote;
use super::{Ctx, Mode, THREAD_OBJECT, check_abandoned};
use crate::rc11;
use crate::trace::Access;
use std::sync::atomic::Ordering;

impl Ctx {
    // ---- threads ----------------------------------------------------------

    /// Record a spawn; returns the child's index.
    pub(crate) fn spawn(&self) -> usize {
        let mut st = self.exec.state();
        let child = st.threads.len();
        let name = format!("t{}", st.next_thread_name);
        st.next_thread_name += 1;
        st.threads.push(ThreadState {
            name: name.clone(),
            status: Status::Running,
            loom: None,
            location: None,
        });
        self.record(&mut st, Access::Spawn, "spawn", None, Some(name));
        rc11::sync(&self.exec, self.tid, rc11::Sync::Spawn(child));
        child
    }

    pub(crate) fn enter_thread(&self) {
        self.exec.set_tid(self.tid);
        self.running();
        if self.exec.kind == Kind::Loom {
            self.exec.state().threads[self.tid].loom = Some(loom::thread::current());
        }
    }

    /// The thread's function has returned or unwound. `panic` is the message
    /// of a panic that was not racetrace's own.
    pub(crate) fn exit_thread(&self, panic: Option<String>) {
        self.exec.forget_tid();
        let mut st = self.exec.state();
        st.threads[self.tid].status = Status::Exited;
        rc11::sync(&self.exec, self.tid, rc11::Sync::Exit);
        let op = match &panic {
            // The thread that panicked is marked where it did, with why.
            Some(msg) => {
                let first = msg.lines().next().unwrap_or("").trim();
                let short: String = first.chars().take(60).collect();
                format!("panics: {short}")
            }
            None => "exit".to_string(),
        };
        self.record(&mut st, Access::Exit, op, None, None);
        drop(st);
        // For dpor, the thread's last step ends it: `is_finished` (which
        // announces a write of the thread object) reads the difference, even
        // from a thread that performed no operation at all.
        self.touch(&[(THREAD_OBJECT + self.tid, Mode::Write)]);
        let mut st = self.exec.state();
        if let Some(msg) = panic {
            if st.special.is_none() {
                st.special = Some(Special::Panic(msg));
            }
            drop(st);
            self.abandon();
            return;
        }
        if !self.exec.is_abandoned()
            && let Some(d) = global_deadlock(&st)
        {
            record_pending_blocks(&self.exec, &mut st);
            st.special = Some(Special::Deadlock(d));
            drop(st);
            self.abandon();
        }
    }

    pub(crate) fn join_begin(&self, child: usize) {
        check_abandoned(&self.exec);
        let mut st = self.exec.state();
        if st.threads.get(child).map(|t| &t.status) == Some(&Status::Exited) {
            return;
        }
        st.threads[self.tid].status = Status::Join(child);
        let name = st.threads[child].name.clone();
        self.record(&mut st, Access::Block, "join", None, Some(name));
        if let Some(e) = self.last_event(&mut st) {
            e.note = Some("waits".into());
        }
        self.deadlock_check(st);
    }

    pub(crate) fn join_end(&self, child: usize) {
        let mut st = self.exec.state();
        st.threads[self.tid].status = Status::Running;
        let name = st.threads[child].name.clone();
        self.record(&mut st, Access::Join, "join", None, Some(name));
        rc11::sync(&self.exec, self.tid, rc11::Sync::Join(child));
        drop(st);
        check_abandoned(&self.exec);
    }

    // ---- mutexes ----------------------------------------------------------

    pub(crate) fn lock_begin(&self, m: usize) {
        check_abandoned(&self.exec);
        let mut st = self.exec.state();
        st.threads[self.tid].status = Status::Lock(m);
        if let Some(&h) = st.holder.get(&m) {
            let who = st.threads[h].name.clone();
            self.record(&mut st, Access::Block, "lock", Some(m), None);
            if let Some(e) = self.last_event(&mut st) {
                e.note = Some(format!("waits: held by {who}"));
            }
            self.deadlock_check(st);
        }
    }

    pub(crate) fn lock_end(&self, m: usize, value: Option<String>) {
        let mut st = self.exec.state();
        st.threads[self.tid].status = Status::Running;
        st.holder.insert(m, self.tid);
        rc11::sync(&self.exec, self.tid, rc11::Sync::Acquire(m));
        self.record(&mut st, Access::Lock, "lock", Some(m), value);
    }

    pub(crate) fn try_lock(&self, m: usize, ok: bool, value: Option<String>) {
        check_abandoned(&self.exec);
        let mut st = self.exec.state();
        if ok {
            st.holder.insert(m, self.tid);
            rc11::sync(&self.exec, self.tid, rc11::Sync::Acquire(m));
            self.record(&mut st, Access::Lock, "try_lock", Some(m), value);
        } else {
            rc11::sync(&self.exec, self.tid, rc11::Sync::TryFailed(m));
            let who = st.holder.get(&m).map(|&h| st.threads[h].name.clone());
            self.record(&mut st, Access::TryLockFailed, "try_lock", Some(m), None);
            if let Some(e) = self.last_event(&mut st) {
                e.note = Some(match who {
                    Some(w) => format!("fails: held by {w}"),
                    None => "fails".into(),
                });
            }
        }
    }

    pub(crate) fn unlock(&self, m: usize, value: Option<String>) {
        let mut st = self.exec.state();
        if st.holder.get(&m) == Some(&self.tid) {
            st.holder.remove(&m);
        }
        rc11::sync(&self.exec, self.tid, rc11::Sync::Release(m));
        self.record(&mut st, Access::Unlock, "unlock", Some(m), value);
    }

    // ---- condition variables ---------------------------------------------

    pub(crate) fn wait_begin(&self, cv: usize, m: usize) {
        check_abandoned(&self.exec);
        let mut st = self.exec.state();
        if st.holder.get(&m) == Some(&self.tid) {
            st.holder.remove(&m);
        }
        rc11::sync(&self.exec, self.tid, rc11::Sync::Release(m));
        st.threads[self.tid].status = Status::Cv { cv, mutex: m };
        // Under shuttle the waiter is queued only once it runs again (see
        // `Waiter::entering`).
        let entering = match self.exec.kind {
            Kind::Shuttle => shuttle::current::try_get_current_task().map(usize::from),
            _ => None,
        };
        if entering.is_some() {
            self.exec.entering.fetch_add(1, Ordering::Relaxed);
        }
        st.cvs.entry(cv).or_default().waiters.push(Waiter {
            thread: self.tid,
            signals: Vec::new(),
            broadcast: false,
            entering,
        });
        self.record(&mut st, Access::Wait, "wait", Some(cv), None);
        if let Some(e) = self.last_event(&mut st) {
            e.lazy_note = Some(LazyNote::Releases(m));
        }
        self.deadlock_check(st);
    }

    pub(crate) fn wait_end(&self, cv: usize, m: usize) {
        let mut st = self.exec.state();
        let entry = st.cvs.entry(cv).or_default();
        if let Some(pos) = entry.waiters.iter().position(|w| w.thread == self.tid) {
            let me = entry.waiters.remove(pos);
            if !me.broadcast {
                // Consume the signal that woke us: the oldest we were eligible
                // for, or (if the shadow missed it) the oldest pending at all.
                let epoch = me.signals.first().copied().or_else(|| {
                    entry
                        .waiters
                        .iter()
                        .filter_map(|w| w.signals.first().copied())
                        .min()
                });
                if let Some(ep) = epoch {
                    for w in &mut entry.waiters {
                        w.signals.retain(|&s| s != ep);
                    }
                }
            }
        }
        st.threads[self.tid].status = Status::Running;
        st.holder.insert(m, self.tid);
        rc11::sync(&self.exec, self.tid, rc11::Sync::Acquire(m));
        self.record(&mut st, Access::Wake, "woken", Some(cv), None);
        if let Some(e) = self.last_event(&mut st) {
            e.lazy_note = Some(LazyNote::Relocks(m));
        }
        drop(st);
        check_abandoned(&self.exec);
    }

    pub(crate) fn notify(&self, cv: usize, all: bool) {
        let mut st = self.exec.state();
        let kind = self.exec.kind;
        let entry = st.cvs.entry(cv).or_default();
        let epoch = entry.next_epoch;
        entry.next_epoch += 1;
        let mut woken: Vec<usize> = Vec::new();
        // Waiters still entering their wait under shuttle miss it, as in
        // shuttle (see `Waiter::entering`).
        let entering: Vec<usize> = entry
            .waiters
            .iter()
            .filter(|w| w.entering.is_some())
            .map(|w| w.thread)
            .collect();
        if all {
            for w in entry.waiters.iter_mut().filter(|w| w.entering.is_none()) {
                w.broadcast = true;
                woken.push(w.thread);
            }
        } else if kind == Kind::Loom {
            // loom wakes the first waiter that is still waiting (FIFO).
            if let Some(w) = entry
                .waiters
                .iter_mut()
                .find(|w| !w.broadcast && w.signals.is_empty())
            {
                w.signals.push(epoch);
                woken.push(w.thread);
            }
        } else {
            // shuttle (and real threads) may wake any current waiter: each is
            // eligible for this signal until one of them consumes it.
            for w in entry.waiters.iter_mut().filter(|w| w.entering.is_none()) {
                if !w.broadcast {
                    w.signals.push(epoch);
                    woken.push(w.thread);
                }
            }
        }
        let op = if all { "notify_all" } else { "notify_one" };
        self.record(&mut st, Access::Notify, op, Some(cv), None);
        if let Some(e) = self.last_event(&mut st) {
            e.lazy_note = Some(LazyNote::Notify {
                woken,
                late: entering,
                every: all || kind == Kind::Loom,
            });
        }
    }
}
