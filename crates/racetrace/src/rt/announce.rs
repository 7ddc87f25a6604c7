//! What a thread tells the `dpor` scheduler: announced next steps and reported touches.

use super::Ctx;
use super::execution::Kind;
use super::footprint::{Mode, Op, Pending, THREAD_OBJECT, Touches};
use std::sync::atomic::Ordering;

impl Ctx {
    /// Declare the operation this thread is about to perform (before the
    /// backend's scheduling point). Only shuttle runs need it, for `dpor`.
    /// Every operation of a thread also reads the thread's own object, so
    /// that a join depends on everything the joined thread did.
    pub(crate) fn announce(&self, touches: &[(usize, bool)]) {
        if self.exec.kind != Kind::Shuttle {
            return;
        }
        // Room for the thread's own object, which `announce_modes` adds.
        let mut t: Vec<(usize, Mode)> = Vec::with_capacity(touches.len() + 1);
        t.extend(
            touches
                .iter()
                .map(|&(o, w)| (o, if w { Mode::Write } else { Mode::Read })),
        );
        self.announce_modes(t);
    }

    /// Declare a join of thread `child`: it waits for the thread's end.
    pub(crate) fn announce_join(&self, child: usize) {
        if self.exec.kind == Kind::Shuttle {
            self.announce_modes(vec![(THREAD_OBJECT + child, Mode::Await)]);
        }
    }

    /// Declare an operation with explicit modes (mutex acquisitions).
    pub(crate) fn announce_modes(&self, mut touches: Vec<(usize, Mode)>) {
        let once = touches.iter().all(|(_, m)| *m == Mode::Acquire);
        touches.push((THREAD_OBJECT + self.tid, Mode::Read));
        let later = if once { vec![Op::Local] } else { Vec::new() };
        self.set_pending(Op::Touch(touches), later);
    }

    /// Declare a condition-variable wait on `cv` with mutex `m`: its first
    /// step releases `m` and joins the waiters, the step after the wake-up
    /// consumes the signal, the next re-acquires `m`.
    pub(crate) fn announce_wait(&self, cv: usize, m: usize) {
        let me = (THREAD_OBJECT + self.tid, Mode::Read);
        self.set_pending(
            Op::Touch(vec![(cv, Mode::Join), (m, Mode::Release), me]),
            vec![
                Op::Touch(vec![(cv, Mode::Consume), me]),
                Op::Touch(vec![(m, Mode::Acquire), me]),
            ],
        );
    }

    fn set_pending(&self, op: Op, later: Vec<Op>) {
        if self.exec.kind != Kind::Shuttle || self.exec.is_frozen() {
            return;
        }
        let Some(task) = shuttle::current::try_get_current_task() else {
            return;
        };
        let generation = self.exec.generation.fetch_add(1, Ordering::Relaxed) + 1;
        let mut p = self.exec.pending.lock().unwrap_or_else(|p| p.into_inner());
        p.insert(
            usize::from(task),
            Pending {
                op,
                tid: self.tid,
                generation,
                later,
            },
        );
    }

    /// Under `dpor`, a scheduling point right before an operation that
    /// shuttle performs without one first (mutex acquisition), so that the
    /// announced operation is exactly what the next step of this thread does.
    pub(crate) fn switch_point(&self) {
        if self.exec.kind == Kind::Shuttle && self.exec.dpor.load(Ordering::Relaxed) {
            shuttle::thread::sleep(std::time::Duration::ZERO);
        }
    }

    /// Before acquiring mutex `m` under `dpor`: shuttle switches threads
    /// right before an acquisition that will succeed, but blocks at once on
    /// a held mutex; a scheduling point of racetrace's own is needed then.
    pub(crate) fn switch_point_before_lock(&self, m: usize) {
        if self.exec.kind == Kind::Shuttle
            && self.exec.dpor.load(Ordering::Relaxed)
            && self.exec.state().holder.contains_key(&m)
        {
            shuttle::thread::sleep(std::time::Duration::ZERO);
        }
    }

    /// Under `dpor`: mutex `m` guards data that its owner (a racetrace
    /// primitive such as [`crate::traced::sync::Queue`]) touches only through
    /// operations that it reports with [`Ctx::touch`]. A critical section on
    /// such a mutex is then dependent only with sections that touch the same
    /// parts, not with every section on the mutex.
    pub(crate) fn report_data(&self, m: usize) {
        if self.exec.kind == Kind::Shuttle && !self.exec.is_frozen() {
            self.exec.footprints().reported.insert(m);
        }
    }

    /// Under `dpor`: this thread's current step, announced as writing `id`,
    /// only read it (a failed compare-and-swap): it commutes with other reads.
    pub(crate) fn only_read(&self, id: usize) {
        self.report(|t| t.read_only.push(id));
    }

    /// Under `dpor`: this thread's current step touches `touches` (parts of
    /// the data of a mutex it holds, see [`Ctx::report_data`]).
    pub(crate) fn touch(&self, touches: &[(usize, Mode)]) {
        self.report(|t| t.parts.extend_from_slice(touches));
    }

    /// Add to what this thread reported of its current step, for `dpor`.
    fn report(&self, add: impl FnOnce(&mut Touches)) {
        if self.exec.kind != Kind::Shuttle
            || !self.exec.dpor.load(Ordering::Relaxed)
            || self.exec.is_frozen()
        {
            return;
        }
        let Some(task) = shuttle::current::try_get_current_task() else {
            return;
        };
        add(self
            .exec
            .footprints()
            .touches
            .entry(usize::from(task))
            .or_default());
        self.exec.touched.store(true, Ordering::Relaxed);
    }

    /// Declare a step that touches nothing shared.
    pub(crate) fn announce_local(&self) {
        self.set_pending(Op::Local, Vec::new());
    }
}
