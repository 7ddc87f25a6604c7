//! A growable set of event numbers, as bits: views, happens-before sets and
//! the rows of the relations the SC check builds.

#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub(super) struct Bits(Vec<u64>);

impl Bits {
    pub(super) fn of(i: usize) -> Bits {
        let mut b = Bits::default();
        b.insert(i);
        b
    }

    pub(super) fn insert(&mut self, i: usize) {
        let w = i / 64;
        if self.0.len() <= w {
            self.0.resize(w + 1, 0);
        }
        self.0[w] |= 1 << (i % 64);
    }

    pub(super) fn contains(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    pub(super) fn union_with(&mut self, other: &Bits) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }

    pub(super) fn intersects(&self, other: &Bits) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(k, &w)| {
            let mut bits = w;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let t = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    k * 64 + t
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Bits;

    #[test]
    fn a_set_holds_what_was_inserted_and_nothing_else() {
        let mut b = Bits::default();
        for i in [0, 3, 63, 64, 200] {
            b.insert(i);
        }
        assert_eq!(b.iter().collect::<Vec<_>>(), vec![0, 3, 63, 64, 200]);
        assert!(b.contains(64) && !b.contains(4) && !b.contains(1000));
        let mut c = Bits::of(5);
        assert!(!c.intersects(&b));
        c.union_with(&b);
        assert!(c.intersects(&b) && c.contains(5) && c.contains(200));
    }
}
