//! `dpor`'s dependency vocabulary: how operations touch objects, and which touches conflict.

use super::ids::{HashMap, HashSet};

/// For the `dpor` scheduler: which objects are condition variables, which
/// mutexes' data their owner reports touch by touch, and the touches each
/// shuttle task reported since the scheduler last looked.
#[derive(Default)]
pub(super) struct Footprints {
    pub(super) condvars: HashSet<usize>,
    pub(super) reported: HashSet<usize>,
    pub(super) touches: HashMap<usize, Touches>,
}

/// What a shuttle task reported of its current step since the scheduler
/// last looked.
#[derive(Default)]
pub(crate) struct Touches {
    /// Parts of the data of a mutex it holds, and how.
    pub(crate) parts: Vec<(usize, Mode)>,
    /// Objects the step was announced to write but only read (a failed
    /// compare-and-swap).
    pub(crate) read_only: Vec<usize>,
}

impl Touches {
    pub(crate) fn is_empty(&self) -> bool {
        self.parts.is_empty() && self.read_only.is_empty()
    }
}

/// How an operation touches an object, for the `dpor` scheduler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Read,
    Write,
    /// Acquires a mutex: disabled while another thread holds it.
    Acquire,
    /// Releases a mutex. Independent of acquisitions: an acquisition cannot
    /// run while the mutex is held, so the two are never both enabled, and the
    /// order of critical sections is decided by acquisition against
    /// acquisition. Dependent with `try_lock` (a write), whose result it changes.
    Release,
    /// Joins a condition variable's waiters (the start of a wait). Two joins
    /// commute (the waiters are a set), and a join commutes with another
    /// waiter's `Consume`: the signal that waiter consumes was sent before
    /// the joining thread was a waiter, so it never concerned it.
    Join,
    /// Waits for a thread to end (a join): dependent with every step of
    /// that thread, as a write, and never runs before its last one.
    Await,
    /// Consumes the signal that woke this waiter (the wake-up of a wait).
    /// Dependent with a notification (which enables it) and with another
    /// waiter's consumption (of the same signal, perhaps).
    Consume,
    /// A whole critical section on a mutex whose owner reports what each
    /// section touches (see [`Ctx::report_data`](super::Ctx::report_data)): two such sections are
    /// ordered only through the parts they touch. Like an acquisition it is
    /// independent of a release (never enabled while the mutex is held) and
    /// dependent with everything else on the mutex.
    Section,
}

impl Mode {
    /// Every mode, in declaration order (`m as usize` is `m`'s index here).
    pub(crate) const ALL: [Mode; 8] = [
        Mode::Read,
        Mode::Write,
        Mode::Acquire,
        Mode::Release,
        Mode::Join,
        Mode::Await,
        Mode::Consume,
        Mode::Section,
    ];
}

pub(crate) fn conflict(a: Mode, b: Mode) -> bool {
    use Mode::*;
    !matches!(
        (a, b),
        (Read, Read)
            | (Release, Acquire)
            | (Acquire, Release)
            | (Release, Release)
            | (Join, Join)
            | (Join, Consume)
            | (Consume, Join)
            | (Section, Section)
            | (Section, Release)
            | (Release, Section)
    )
}

/// The next visible operation of a thread, as the `dpor` scheduler sees it:
/// which objects it touches and how. Two operations are dependent when they
/// touch a common object and are not both reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// Touches nothing shared (a yield, or a thread not started yet).
    Local,
    /// Touches these objects.
    Touch(Vec<(usize, Mode)>),
}

impl Op {
    pub(crate) fn dependent(&self, other: &Op) -> bool {
        match (self, other) {
            (Op::Touch(a), Op::Touch(b)) => a
                .iter()
                .any(|(x, mx)| b.iter().any(|(y, my)| x == y && conflict(*mx, *my))),
            _ => false,
        }
    }
}

/// A thread's announced next operation.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub(crate) op: Op,
    pub(super) tid: usize,
    /// Increases with every announcement.
    pub(crate) generation: u64,
    /// What the thread's later steps under the same announcement touch, in
    /// order, the last repeating; empty: every step touches `op`. A mutex
    /// acquisition is `[Local]` (shuttle switches once more after it); a
    /// condvar wait is release-and-block, then consume the signal, then
    /// re-acquire.
    pub(crate) later: Vec<Op>,
}

impl Pending {
    /// What the thread's step number `k` (from 0) under this announcement touches.
    pub(crate) fn label(&self, k: usize) -> &Op {
        match k.checked_sub(1) {
            None => &self.op,
            Some(i) => match self.later.get(i).or(self.later.last()) {
                Some(op) => op,
                None => &self.op,
            },
        }
    }

    /// The step number under this announcement that a thread takes next,
    /// given `performed = (generation, steps)` (see [`PendingMap`]).
    fn step(&self, performed: Option<(u64, usize)>) -> usize {
        match performed {
            Some((generation, k)) if generation == self.generation => k,
            _ => 0,
        }
    }
}

/// Each shuttle task's announced next operation, by task id (small
/// integers: a vector, looked up at every scheduling point).
#[derive(Default)]
pub(crate) struct PendingMap(Vec<Option<Pending>>);

impl PendingMap {
    pub(crate) fn get(&self, task: usize) -> Option<&Pending> {
        self.0.get(task).and_then(Option::as_ref)
    }

    pub(crate) fn insert(&mut self, task: usize, p: Pending) {
        if self.0.len() <= task {
            self.0.resize_with(task + 1, || None);
        }
        self.0[task] = Some(p);
    }

    /// The tasks with an announcement, smallest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &Pending)> {
        self.0
            .iter()
            .enumerate()
            .filter_map(|(t, p)| p.as_ref().map(|p| (t, p)))
    }

    /// What task `task`'s next step touches, given that it took
    /// `performed = (generation, steps)` steps under its announcements.
    pub(crate) fn label(&self, task: usize, performed: Option<(u64, usize)>) -> Option<&Op> {
        self.get(task).map(|p| p.label(p.step(performed)))
    }
}

/// Object ids of threads (for spawn and join dependencies), above every
/// primitive's id.
pub(crate) const THREAD_OBJECT: usize = usize::MAX / 2;

/// Object ids for the parts of a primitive's state that its operations touch
/// separately (a queue's items and its unfinished-task count), below
/// [`THREAD_OBJECT`] and above every primitive's id.
pub(crate) const fn part_object(id: usize, part: usize) -> usize {
    usize::MAX / 4 + id * 4 + part
}

#[cfg(test)]
mod tests {
    use super::Mode::*;
    use super::*;

    /// Every mode. The match below stops compiling when a mode is added, so
    /// that it is added here too.
    const ALL: [Mode; 8] = [Read, Write, Acquire, Release, Join, Await, Consume, Section];

    #[test]
    fn all_lists_every_mode() {
        for m in ALL {
            match m {
                Read | Write | Acquire | Release | Join | Await | Consume | Section => {}
            }
        }
    }

    #[test]
    fn conflict_is_symmetric() {
        for a in ALL {
            for b in ALL {
                assert_eq!(conflict(a, b), conflict(b, a), "{a:?} vs {b:?}");
            }
        }
    }

    /// [`Op`]: two operations on a common object are dependent unless both
    /// are reads.
    #[test]
    fn reads_commute_and_writes_conflict() {
        assert!(!conflict(Read, Read));
        assert!(conflict(Read, Write));
        assert!(conflict(Write, Write));
        // A join is ordered after every step of the thread it waits for.
        assert!(conflict(Await, Read));
    }

    /// No mode's rule exempts a write (a `try_lock`, a notification): it is
    /// dependent with every operation on the same object.
    #[test]
    fn a_write_conflicts_with_every_mode() {
        for m in ALL {
            assert!(conflict(Write, m), "Write vs {m:?}");
        }
    }

    /// [`Mode::Release`]: independent of acquisitions (never both enabled),
    /// dependent with `try_lock` (a write). Critical sections are ordered by
    /// acquisition against acquisition.
    #[test]
    fn release_commutes_with_acquire_not_with_try_lock() {
        assert!(!conflict(Release, Acquire));
        assert!(conflict(Release, Write));
        assert!(conflict(Acquire, Acquire));
    }

    /// [`Mode::Join`]: two joins commute (the waiters are a set), and a join
    /// commutes with another waiter's consumption.
    #[test]
    fn joins_commute_with_joins_and_consumptions() {
        assert!(!conflict(Join, Join));
        assert!(!conflict(Join, Consume));
    }

    /// [`Mode::Consume`]: dependent with a notification (a write on the
    /// condition variable) and with another waiter's consumption.
    #[test]
    fn consume_conflicts_with_notify_and_consume() {
        assert!(conflict(Consume, Write));
        assert!(conflict(Consume, Consume));
    }

    /// [`Mode::Section`]: two sections are ordered only through the parts
    /// they touch; like an acquisition a section is independent of a
    /// release, and dependent with everything else on the mutex.
    #[test]
    fn sections_commute_with_sections_and_releases_only() {
        assert!(!conflict(Section, Section));
        assert!(!conflict(Section, Release));
        assert!(conflict(Section, Acquire));
        assert!(conflict(Section, Read));
        assert!(conflict(Section, Write));
    }

    /// [`Op`]: dependent only through a common object; a local step touches
    /// nothing.
    #[test]
    fn ops_depend_only_through_a_common_object() {
        let w = |o| Op::Touch(vec![(o, Write)]);
        assert!(w(1).dependent(&w(1)));
        assert!(!w(1).dependent(&w(2)));
        assert!(!Op::Local.dependent(&w(1)));
        assert!(!w(1).dependent(&Op::Local));
        let reads = Op::Touch(vec![(1, Read), (2, Read)]);
        assert!(!reads.dependent(&Op::Touch(vec![(2, Read)])));
        assert!(reads.dependent(&Op::Touch(vec![(3, Write), (2, Write)])));
    }

    #[test]
    fn every_mode_is_listed_once_at_its_own_index() {
        // Exhaustive: a new mode stops this test from compiling until it is
        // given its place here and in `ALL` (declaration order).
        let place = |m: Mode| match m {
            Read => 0,
            Write => 1,
            Acquire => 2,
            Release => 3,
            Join => 4,
            Await => 5,
            Consume => 6,
            Section => 7,
        };
        for (i, m) in Mode::ALL.iter().enumerate() {
            assert_eq!(place(*m), i, "{m:?}");
            assert_eq!(*m as usize, i, "{m:?}");
        }
    }
}
