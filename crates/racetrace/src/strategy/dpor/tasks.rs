//! The task-set type of the DPOR scheduler and its bound: shuttle task ids as the bits of a `u128`.

/// The most threads (shuttle tasks) a program explored by dpor may have.
pub(crate) const MAX_TASKS: usize = 128;

/// A set of shuttle task ids (below [`MAX_TASKS`]), as bits.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Tasks(pub(super) u128);

impl Tasks {
    pub(super) fn of(t: usize) -> Tasks {
        Tasks(1 << Tasks::bit(t))
    }
    fn bit(t: usize) -> u32 {
        debug_assert!(t < MAX_TASKS);
        t as u32
    }
    pub(super) fn contains(self, t: usize) -> bool {
        t < 128 && self.0 & (1 << t) != 0
    }
    pub(super) fn insert(&mut self, t: usize) {
        self.0 |= 1 << Tasks::bit(t);
    }
    /// The smallest task id in the set.
    pub(super) fn first(self) -> Option<usize> {
        (self.0 != 0).then(|| self.0.trailing_zeros() as usize)
    }
    pub(super) fn iter(self) -> impl Iterator<Item = usize> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let t = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                t
            })
        })
    }
}

impl FromIterator<usize> for Tasks {
    fn from_iter<I: IntoIterator<Item = usize>>(it: I) -> Tasks {
        let mut s = Tasks::default();
        for t in it {
            s.insert(t);
        }
        s
    }
}
