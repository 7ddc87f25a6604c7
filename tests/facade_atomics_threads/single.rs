//! Single-threaded semantics: each operation of the facade's atomics
//! returns and leaves what std's does on the same inputs, on real threads
//! and inside every checker. The same calls compile against both types:
//! std's exact signatures.

use super::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::sync::atomic as sa;

/// The integer operations, on either type: `(kind, v, w)` each, then the
/// final value.
macro_rules! int_ops {
    ($a:expr, $ops:expr) => {{
        let mut a = $a;
        let mut out = Vec::new();
        for &(k, v, w) in $ops {
            // A weak CAS may fail spuriously on real threads: retry those.
            let weak = |c, n| loop {
                match a.compare_exchange_weak(c, n, SeqCst, SeqCst) {
                    Err(x) if x == c => continue,
                    r => break r,
                }
            };
            out.push(match k % 17 {
                0 => format!("{}", a.load(SeqCst)),
                1 => format!("{:?}", a.store(v, SeqCst)),
                2 => format!("{}", a.swap(v, SeqCst)),
                3 => format!("{:?}", a.compare_exchange(v, w, SeqCst, Ordering::Acquire)),
                4 => format!(
                    "{:?}",
                    a.compare_exchange(a.load(SeqCst), w, SeqCst, SeqCst)
                ),
                5 => format!("{:?}", weak(v, w)),
                6 => format!("{:?}", weak(a.load(SeqCst), w)),
                7 => format!("{}", a.fetch_add(v, SeqCst)),
                8 => format!("{}", a.fetch_sub(v, SeqCst)),
                9 => format!("{}", a.fetch_and(v, SeqCst)),
                10 => format!("{}", a.fetch_nand(v, SeqCst)),
                11 => format!("{}", a.fetch_or(v, SeqCst)),
                12 => format!("{}", a.fetch_xor(v, SeqCst)),
                13 => format!("{}", a.fetch_max(v, SeqCst)),
                14 => format!("{}", a.fetch_min(v, SeqCst)),
                15 => format!(
                    "{:?}",
                    a.fetch_update(SeqCst, SeqCst, |x| (x != v).then_some(x ^ w))
                ),
                _ => format!("{}", std::mem::replace(a.get_mut(), v)),
            });
        }
        out.push(format!("end {}", a.into_inner()));
        out.join("; ")
    }};
}

macro_rules! int_tests {
    ($($m:ident: $t:ty, $a:ident;)*) => {$(
        mod $m {
            use super::*;

            fn ops() -> impl Strategy<Value = Vec<(u8, $t, $t)>> {
                prop::collection::vec(any::<(u8, $t, $t)>(), 0..24)
            }

            proptest! {
                #[test]
                fn every_op_returns_what_std_returns_on_real_threads(init: $t, ops in ops()) {
                    prop_assert_eq!(int_ops!(rt::$a::new(init), &ops), int_ops!(sa::$a::new(init), &ops));
                }
            }

            #[test]
            fn every_op_returns_what_std_returns_under_every_checker() {
                let mut runner = proptest::test_runner::TestRunner::deterministic();
                for _ in 0..3 {
                    let init = any::<$t>().new_tree(&mut runner).unwrap().current();
                    let ops = ops().new_tree(&mut runner).unwrap().current();
                    let want = BTreeSet::from([int_ops!(sa::$a::new(init), &ops)]);
                    for b in CHECKERS.into_iter().chain([Backend::Real]) {
                        let mine = ops.clone();
                        let got = outcomes(b, "ops", move || int_ops!(rt::$a::new(init), &mine));
                        assert_eq!(got, want, "{b} {ops:?}");
                    }
                }
            }
        }
    )*};
}

int_tests! {
    i8_: i8, AtomicI8; u8_: u8, AtomicU8; i16_: i16, AtomicI16; u16_: u16, AtomicU16;
    i32_: i32, AtomicI32; u32_: u32, AtomicU32; i64_: i64, AtomicI64; u64_: u64, AtomicU64;
    isize_: isize, AtomicIsize; usize_: usize, AtomicUsize;
}

/// `AtomicBool`'s operations, on either type.
macro_rules! bool_ops {
    ($a:expr, $ops:expr) => {{
        let mut a = $a;
        let mut out = Vec::new();
        for &(k, v, w) in $ops {
            out.push(match k % 12 {
                0 => format!("{}", a.load(SeqCst)),
                1 => format!("{:?}", a.store(v, SeqCst)),
                2 => format!("{}", a.swap(v, SeqCst)),
                3 => format!("{:?}", a.compare_exchange(v, w, SeqCst, SeqCst)),
                4 => format!("{}", a.fetch_and(v, SeqCst)),
                5 => format!("{}", a.fetch_nand(v, SeqCst)),
                6 => format!("{}", a.fetch_or(v, SeqCst)),
                7 => format!("{}", a.fetch_xor(v, SeqCst)),
                8 => format!("{}", a.fetch_not(SeqCst)),
                9 => format!(
                    "{:?}",
                    a.fetch_update(SeqCst, SeqCst, |x| (x != v).then_some(w))
                ),
                10 => loop {
                    match a.compare_exchange_weak(v, w, SeqCst, SeqCst) {
                        Err(x) if x == v => continue,
                        r => break format!("{r:?}"),
                    }
                },
                _ => format!("{}", std::mem::replace(a.get_mut(), v)),
            });
        }
        out.push(format!("end {}", a.into_inner()));
        out.join("; ")
    }};
}

/// `AtomicPtr`'s operations over pointers into `SLOTS`, shown as indices.
macro_rules! ptr_ops {
    ($a:expr, $ops:expr) => {{
        let mut a = $a;
        let mut out = Vec::new();
        for &(k, v, w) in $ops {
            let (v, w) = (slot(v), slot(w));
            out.push(match k % 6 {
                0 => format!("{}", index(a.load(SeqCst))),
                1 => format!("{:?}", a.store(v, SeqCst)),
                2 => format!("{}", index(a.swap(v, SeqCst))),
                3 => format!(
                    "{:?}",
                    a.compare_exchange(v, w, SeqCst, SeqCst)
                        .map(index)
                        .map_err(index)
                ),
                4 => format!(
                    "{:?}",
                    a.fetch_update(SeqCst, SeqCst, |x| (x != v).then_some(w))
                        .map(index)
                        .map_err(index)
                ),
                _ => format!("{}", index(std::mem::replace(a.get_mut(), v))),
            });
        }
        out.push(format!("end {}", index(a.into_inner())));
        out.join("; ")
    }};
}

proptest! {
    #[test]
    fn every_bool_op_returns_what_std_returns(init: bool, ops in prop::collection::vec(any::<(u8, bool, bool)>(), 0..24)) {
        let want = bool_ops!(sa::AtomicBool::new(init), &ops);
        prop_assert_eq!(bool_ops!(rt::AtomicBool::new(init), &ops), want.clone());
        for b in CHECKERS {
            let ops = ops.clone();
            let got = outcomes(b, "bool", move || bool_ops!(rt::AtomicBool::new(init), &ops));
            prop_assert_eq!(got, BTreeSet::from([want.clone()]));
        }
    }

    #[test]
    fn every_ptr_op_returns_what_std_returns(init: u8, ops in prop::collection::vec(any::<(u8, u8, u8)>(), 0..24)) {
        let want = ptr_ops!(sa::AtomicPtr::new(slot(init)), &ops);
        prop_assert_eq!(ptr_ops!(rt::AtomicPtr::new(slot(init)), &ops), want.clone());
        for b in CHECKERS {
            let ops = ops.clone();
            let got = outcomes(b, "ptr", move || ptr_ops!(rt::AtomicPtr::new(slot(init)), &ops));
            prop_assert_eq!(got, BTreeSet::from([want.clone()]));
        }
    }
}

#[test]
fn fences_are_accepted_where_std_accepts_them() {
    for o in [
        Ordering::Acquire,
        Ordering::Release,
        Ordering::AcqRel,
        Ordering::SeqCst,
    ] {
        rt::fence(o);
        rt::compiler_fence(o);
    }
    for b in CHECKERS {
        let got = outcomes(b, "fence", || {
            let x = rt::AtomicUsize::new(1);
            rt::fence(Ordering::SeqCst);
            rt::compiler_fence(Ordering::SeqCst);
            x.load(SeqCst).to_string()
        });
        assert_eq!(got, BTreeSet::from(["1".to_string()]), "{b}");
    }
}
