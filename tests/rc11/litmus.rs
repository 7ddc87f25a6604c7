//! The litmus families, each generated over its relevant orderings and
//! fences. Every case names the outcome the family is about (`weak`); the
//! expected outcome sets come from the oracle, never from a backend.

use super::oracle::{Ins, Program, X, Y, Z, cas, fa, fence, ld, st, swp};
use std::sync::atomic::Ordering::{self, AcqRel, Acquire, Relaxed, Release, SeqCst};

/// One litmus case.
#[derive(Clone, Debug)]
pub struct Case {
    /// Family and variant, e.g. `SB st=Relaxed F=SeqCst ld=Relaxed / ...`.
    pub name: String,
    pub program: Program,
    /// The outcome the family is about.
    pub weak: String,
}

fn with_fence(mut a: Vec<Ins>, f: Option<Ordering>, b: Vec<Ins>) -> Vec<Ins> {
    if let Some(o) = f {
        a.push(fence(o));
    }
    a.extend(b);
    a
}

/// A thread shape: (first access ordering, fence between, second access ordering).
type Shape = (Ordering, Option<Ordering>, Ordering);

fn shape_name((a, f, b): Shape) -> String {
    match f {
        None => format!("{a:?}/{b:?}"),
        Some(f) => format!("{a:?}/F{f:?}/{b:?}"),
    }
}

/// Every unordered pair of `shapes` (both threads play the same role).
fn pairs(shapes: &[Shape]) -> Vec<(Shape, Shape)> {
    let mut out = Vec::new();
    for i in 0..shapes.len() {
        for j in i..shapes.len() {
            out.push((shapes[i], shapes[j]));
        }
    }
    out
}

/// Store buffering: `x=1; r=y || y=1; r=x`; weak: both read 0.
pub fn sb() -> Vec<Case> {
    let shapes: [Shape; 7] = [
        (Relaxed, None, Relaxed),
        (Release, None, Acquire),
        (SeqCst, None, SeqCst),
        (SeqCst, None, Relaxed),
        (Relaxed, None, SeqCst),
        (Relaxed, Some(SeqCst), Relaxed),
        (Release, Some(AcqRel), Acquire),
    ];
    pairs(&shapes)
        .into_iter()
        .map(|((s0, f0, l0), (s1, f1, l1))| Case {
            name: format!(
                "SB {} || {}",
                shape_name((s0, f0, l0)),
                shape_name((s1, f1, l1))
            ),
            program: Program::new(vec![
                with_fence(vec![st(X, 1, s0)], f0, vec![ld(Y, l0)]),
                with_fence(vec![st(Y, 1, s1)], f1, vec![ld(X, l1)]),
            ]),
            weak: "t0:0 t1:0 | x=1 y=1".into(),
        })
        .collect()
}

/// Message passing: `x=1; y=1 || r=y; r=x`; weak: the flag without the data.
pub fn mp() -> Vec<Case> {
    let writers: [Shape; 6] = [
        (Relaxed, None, Relaxed),
        (Relaxed, None, Release),
        (Relaxed, Some(Release), Relaxed),
        (Relaxed, Some(AcqRel), Relaxed),
        (Relaxed, Some(SeqCst), Relaxed),
        (SeqCst, None, SeqCst),
    ];
    let readers: [Shape; 6] = [
        (Relaxed, None, Relaxed),
        (Acquire, None, Relaxed),
        (Relaxed, Some(Acquire), Relaxed),
        (Relaxed, Some(SeqCst), Relaxed),
        (SeqCst, None, SeqCst),
        (Acquire, Some(Release), Relaxed),
    ];
    let mut out = Vec::new();
    for w in writers {
        for r in readers {
            out.push(Case {
                name: format!("MP {} || {}", shape_name(w), shape_name(r)),
                program: Program::new(vec![
                    with_fence(vec![st(X, 1, w.0)], w.1, vec![st(Y, 1, w.2)]),
                    with_fence(vec![ld(Y, r.0)], r.1, vec![ld(X, r.2)]),
                ]),
                weak: "t0: t1:1,0 | x=1 y=1".into(),
            });
        }
    }
    out
}

/// Message passing through a release sequence: the flag's release store is
/// continued by a relaxed RMW of another thread (`rf;rmw`) or a later
/// relaxed store of the same thread (`po|loc`), which the reader sees.
pub fn mp_release_sequence() -> Vec<Case> {
    let mut out = Vec::new();
    for rmw_ord in [Relaxed, Acquire, SeqCst] {
        for (op, name) in [
            (fa(Y, 1, rmw_ord), "fetch_add"),
            (swp(Y, 2, rmw_ord), "swap"),
            (cas(Y, 1, 2, rmw_ord, Relaxed), "cas"),
        ] {
            for rel in [Release, Relaxed] {
                out.push(Case {
                    name: format!(
                        "MP+rs x=1;y=1({rel:?}) || {name}({rmw_ord:?}) || r=y(Acquire);r=x"
                    ),
                    program: Program::new(vec![
                        vec![st(X, 1, Relaxed), st(Y, 1, rel)],
                        vec![op],
                        vec![ld(Y, Acquire), ld(X, Relaxed)],
                    ]),
                    weak: "t0: t1:1 t2:2,0 | x=1 y=2".into(),
                });
            }
        }
    }
    for (a, b) in [(Release, Relaxed), (Release, Release), (Relaxed, Release)] {
        out.push(Case {
            name: format!("MP+rs-po x=1;y=1({a:?});y=2({b:?}) || r=y(Acquire);r=x"),
            program: Program::new(vec![
                vec![st(X, 1, Relaxed), st(Y, 1, a), st(Y, 2, b)],
                vec![ld(Y, Acquire), ld(X, Relaxed)],
            ]),
            weak: "t0: t1:2,0 | x=1 y=2".into(),
        });
    }
    out
}

/// Load buffering: `r=x; y=1 || r=y; x=1`; weak: both read 1 (forbidden
/// at every ordering by `acyclic(po ∪ rf)`).
pub fn lb() -> Vec<Case> {
    let shapes: [Shape; 4] = [
        (Relaxed, None, Relaxed),
        (Acquire, None, Release),
        (SeqCst, None, SeqCst),
        (Relaxed, Some(AcqRel), Relaxed),
    ];
    pairs(&shapes)
        .into_iter()
        .map(|((l0, f0, s0), (l1, f1, s1))| Case {
            name: format!(
                "LB {} || {}",
                shape_name((l0, f0, s0)),
                shape_name((l1, f1, s1))
            ),
            program: Program::new(vec![
                with_fence(vec![ld(X, l0)], f0, vec![st(Y, 1, s0)]),
                with_fence(vec![ld(Y, l1)], f1, vec![st(X, 1, s1)]),
            ]),
            weak: "t0:1 t1:1 | x=1 y=1".into(),
        })
        .collect()
}

/// Independent reads of independent writes: `x=1 || y=1 || r=x; r=y ||
/// r=y; r=x`; weak: the readers disagree on the order of the writes.
pub fn iriw() -> Vec<Case> {
    let variants: [(Ordering, Shape); 8] = [
        (Relaxed, (Relaxed, None, Relaxed)),
        (Release, (Acquire, None, Acquire)),
        (SeqCst, (SeqCst, None, SeqCst)),
        (SeqCst, (Acquire, None, Acquire)),
        (Release, (SeqCst, None, SeqCst)),
        (Relaxed, (Relaxed, Some(SeqCst), Relaxed)),
        (Relaxed, (Acquire, Some(AcqRel), Acquire)),
        (SeqCst, (SeqCst, None, Acquire)),
    ];
    variants
        .into_iter()
        .map(|(w, (a, f, b))| Case {
            name: format!("IRIW w={w:?} || r={}", shape_name((a, f, b))),
            program: Program::new(vec![
                vec![st(X, 1, w)],
                vec![st(Y, 1, w)],
                with_fence(vec![ld(X, a)], f, vec![ld(Y, b)]),
                with_fence(vec![ld(Y, a)], f, vec![ld(X, b)]),
            ]),
            weak: "t0: t1: t2:1,0 t3:1,0 | x=1 y=1".into(),
        })
        .collect()
}

/// Write-to-read causality: `x=1 || r=x; y=1 || r=y; r=x`; weak: the
/// middle thread saw x, the last saw y but not x.
pub fn wrc() -> Vec<Case> {
    let variants: [(Ordering, Shape, Shape); 8] = [
        (Relaxed, (Relaxed, None, Relaxed), (Relaxed, None, Relaxed)),
        (Relaxed, (Relaxed, None, Release), (Acquire, None, Relaxed)),
        (Relaxed, (Relaxed, None, Relaxed), (Acquire, None, Relaxed)),
        (Release, (Acquire, None, Release), (Acquire, None, Acquire)),
        (SeqCst, (SeqCst, None, SeqCst), (SeqCst, None, SeqCst)),
        (
            Relaxed,
            (Relaxed, Some(Release), Relaxed),
            (Relaxed, Some(Acquire), Relaxed),
        ),
        (
            Relaxed,
            (Relaxed, Some(SeqCst), Relaxed),
            (Relaxed, Some(SeqCst), Relaxed),
        ),
        (Release, (Acquire, None, Relaxed), (Acquire, None, Relaxed)),
    ];
    variants
        .into_iter()
        .map(|(w, m, r)| Case {
            name: format!("WRC x=1({w:?}) || {} || {}", shape_name(m), shape_name(r)),
            program: Program::new(vec![
                vec![st(X, 1, w)],
                with_fence(vec![ld(X, m.0)], m.1, vec![st(Y, 1, m.2)]),
                with_fence(vec![ld(Y, r.0)], r.1, vec![ld(X, r.2)]),
            ]),
            weak: "t0: t1:1 t2:1,0 | x=1 y=1".into(),
        })
        .collect()
}

/// 2+2W: `x=1; y=2 || y=1; x=2`; weak: both first writes last in mo
/// (final `x=1 y=1`).
pub fn two_plus_two_w() -> Vec<Case> {
    let shapes: [Shape; 5] = [
        (Relaxed, None, Relaxed),
        (Release, None, Release),
        (SeqCst, None, SeqCst),
        (Relaxed, Some(SeqCst), Relaxed),
        (Relaxed, Some(AcqRel), Relaxed),
    ];
    pairs(&shapes)
        .into_iter()
        .map(|((a0, f0, b0), (a1, f1, b1))| Case {
            name: format!(
                "2+2W {} || {}",
                shape_name((a0, f0, b0)),
                shape_name((a1, f1, b1))
            ),
            program: Program::new(vec![
                with_fence(vec![st(X, 1, a0)], f0, vec![st(Y, 2, b0)]),
                with_fence(vec![st(Y, 1, a1)], f1, vec![st(X, 2, b1)]),
            ]),
            weak: "t0: t1: | x=1 y=1".into(),
        })
        .collect()
}

/// The coherence tests, each at relaxed, release/acquire and SC; weak: the
/// incoherent outcome.
pub fn coherence() -> Vec<Case> {
    let mut out = Vec::new();
    for (w, r) in [(Relaxed, Relaxed), (Release, Acquire), (SeqCst, SeqCst)] {
        out.push(Case {
            name: format!("CoRR x=1({w:?}) || r=x;r=x({r:?})"),
            program: Program::new(vec![vec![st(X, 1, w)], vec![ld(X, r), ld(X, r)]]),
            weak: "t0: t1:1,0 | x=1".into(),
        });
        out.push(Case {
            name: format!("CoRR2 x=1 || x=2 || r=x;r=x || r=x;r=x ({w:?}/{r:?})"),
            program: Program::new(vec![
                vec![st(X, 1, w)],
                vec![st(X, 2, w)],
                vec![ld(X, r), ld(X, r)],
                vec![ld(X, r), ld(X, r)],
            ]),
            weak: "t0: t1: t2:1,2 t3:2,1 | x=2".into(),
        });
        out.push(Case {
            name: format!("CoWR x=1;r=x || x=2 ({w:?}/{r:?})"),
            program: Program::new(vec![vec![st(X, 1, w), ld(X, r)], vec![st(X, 2, w)]]),
            weak: "t0:2 t1: | x=1".into(),
        });
        out.push(Case {
            name: format!("CoRW r=x;x=1 || x=2 ({r:?}/{w:?})"),
            program: Program::new(vec![vec![ld(X, r), st(X, 1, w)], vec![st(X, 2, w)]]),
            weak: "t0:2 t1: | x=2".into(),
        });
        out.push(Case {
            name: format!("CoWW x=1;x=2 || r=x ({w:?}/{r:?})"),
            program: Program::new(vec![vec![st(X, 1, w), st(X, 2, w)], vec![ld(X, r)]]),
            weak: "t0: t1:2 | x=1".into(),
        });
    }
    out
}

/// RMW atomicity: two RMWs on x from 0; weak: both read 0.
pub fn rmw_atomicity() -> Vec<Case> {
    let ops = |o: Ordering| -> Vec<(&'static str, Ins)> {
        vec![
            ("fetch_add", fa(X, 1, o)),
            ("swap", swp(X, 1, o)),
            ("cas", cas(X, 0, 1, o, Relaxed)),
        ]
    };
    let mut out = Vec::new();
    for o in [Relaxed, Acquire, Release, AcqRel, SeqCst] {
        let ops = ops(o);
        for i in 0..ops.len() {
            for j in i..ops.len() {
                out.push(Case {
                    name: format!("RMW {} || {} ({o:?})", ops[i].0, ops[j].0),
                    program: Program::new(vec![vec![ops[i].1], vec![ops[j].1]]),
                    weak: "t0:0 t1:0 | x=1".into(),
                });
            }
        }
    }
    // With a third thread's store: the two never both read it.
    for o in [Relaxed, SeqCst] {
        out.push(Case {
            name: format!("RMW fetch_add || fetch_add || x=5 ({o:?})"),
            program: Program::new(vec![
                vec![fa(X, 1, o)],
                vec![fa(X, 1, o)],
                vec![st(X, 5, o)],
            ]),
            weak: "t0:5 t1:5 t2: | x=6".into(),
        });
    }
    out
}

/// Writer shapes (two stores) and reader shapes (two loads) of the
/// two-thread families below.
const WRITERS: [Shape; 5] = [
    (Relaxed, None, Relaxed),
    (Relaxed, None, Release),
    (Relaxed, Some(Release), Relaxed),
    (SeqCst, None, SeqCst),
    (Relaxed, Some(SeqCst), Relaxed),
];

/// S: `x=2; y=1 || r=y; x=1`; weak: the reader saw y=1, yet its x=1 is
/// mo-before x=2 (forbidden once the y accesses synchronise: coherence).
pub fn s() -> Vec<Case> {
    let second: [Shape; 5] = [
        (Relaxed, None, Relaxed),
        (Acquire, None, Relaxed),
        (Relaxed, Some(Acquire), Relaxed),
        (SeqCst, None, SeqCst),
        (Relaxed, Some(SeqCst), Relaxed),
    ];
    let mut out = Vec::new();
    for w in WRITERS {
        for r in second {
            out.push(Case {
                name: format!("S {} || {}", shape_name(w), shape_name(r)),
                program: Program::new(vec![
                    with_fence(vec![st(X, 2, w.0)], w.1, vec![st(Y, 1, w.2)]),
                    with_fence(vec![ld(Y, r.0)], r.1, vec![st(X, 1, r.2)]),
                ]),
                weak: "t0: t1:1 | x=2 y=1".into(),
            });
        }
    }
    out
}

/// R: `x=1; y=1 || y=2; r=x`; weak: y=1 mo-before y=2, yet x read 0
/// (forbidden only by SC: SC accesses or SC fences on both sides).
pub fn r() -> Vec<Case> {
    let second: [Shape; 5] = [
        (Relaxed, None, Relaxed),
        (Release, None, Acquire),
        (SeqCst, None, SeqCst),
        (Relaxed, Some(SeqCst), Relaxed),
        (Release, Some(AcqRel), Acquire),
    ];
    let mut out = Vec::new();
    for w in WRITERS {
        for r in second {
            out.push(Case {
                name: format!("R {} || {}", shape_name(w), shape_name(r)),
                program: Program::new(vec![
                    with_fence(vec![st(X, 1, w.0)], w.1, vec![st(Y, 1, w.2)]),
                    with_fence(vec![st(Y, 2, r.0)], r.1, vec![ld(X, r.2)]),
                ]),
                weak: "t0: t1:0 | x=1 y=2".into(),
            });
        }
    }
    out
}

/// RWC (read-to-write causality): `x=1 || r=x; r=y || y=1; r=x`; weak:
/// the middle thread saw x=1 then y=0, the last wrote y and read x=0.
pub fn rwc() -> Vec<Case> {
    let variants: [(Ordering, Shape, Shape); 7] = [
        (Relaxed, (Relaxed, None, Relaxed), (Relaxed, None, Relaxed)),
        (SeqCst, (SeqCst, None, SeqCst), (SeqCst, None, SeqCst)),
        (Release, (Acquire, None, Acquire), (Release, None, Acquire)),
        (
            Relaxed,
            (Relaxed, Some(SeqCst), Relaxed),
            (Relaxed, Some(SeqCst), Relaxed),
        ),
        (SeqCst, (Acquire, None, SeqCst), (SeqCst, None, SeqCst)),
        (Relaxed, (Acquire, None, SeqCst), (SeqCst, None, SeqCst)),
        (
            Relaxed,
            (Relaxed, Some(SeqCst), Relaxed),
            (SeqCst, None, SeqCst),
        ),
    ];
    variants
        .into_iter()
        .map(|(w, m, l)| Case {
            name: format!("RWC x=1({w:?}) || {} || {}", shape_name(m), shape_name(l)),
            program: Program::new(vec![
                vec![st(X, 1, w)],
                with_fence(vec![ld(X, m.0)], m.1, vec![ld(Y, m.2)]),
                with_fence(vec![st(Y, 1, l.0)], l.1, vec![ld(X, l.2)]),
            ]),
            weak: "t0: t1:1,0 t2:0 | x=1 y=1".into(),
        })
        .collect()
}

/// An SC store, then a fence and a relaxed flag store; the flag's acquire
/// reader then does an SC load of a third location, which the third
/// thread's SC store-load pair closes into a cycle: `x=1(sc); F; y=1 ||
/// r=y(acq); r=z(sc) || z=1(sc); r=x(sc)`; weak: `1,0` and `0`. With a
/// release (or stronger) fence, the first SC store reaches the SC load of
/// z in `scb` through `po|≠loc ; hb ; po|≠loc` only if pairs with a fence
/// are `≠loc` (see the oracle's module documentation).
pub fn sc_release_fence() -> Vec<Case> {
    let mut out = Vec::new();
    for (f, flag) in [
        (Some(Release), Relaxed),
        (Some(AcqRel), Relaxed),
        (Some(SeqCst), Relaxed),
        (Some(Acquire), Relaxed),
        (None, Release),
        (None, Relaxed),
    ] {
        out.push(Case {
            name: format!(
                "SC+fence x=1(SeqCst);{}y=1({flag:?}) || r=y(Acquire);r=z(SeqCst) || z=1;r=x (SeqCst)",
                f.map_or(String::new(), |f| format!("F{f:?};"))
            ),
            program: Program::new(vec![
                with_fence(vec![st(X, 1, SeqCst)], f, vec![st(Y, 1, flag)]),
                vec![ld(Y, Acquire), ld(Z, SeqCst)],
                vec![st(Z, 1, SeqCst), ld(X, SeqCst)],
            ]),
            weak: "t0: t1:1,0 t2:0 | x=1 y=1 z=1".into(),
        });
    }
    out
}

/// The whole suite.
pub fn all() -> Vec<Case> {
    [
        sb(),
        mp(),
        mp_release_sequence(),
        lb(),
        iriw(),
        wrc(),
        two_plus_two_w(),
        s(),
        r(),
        rwc(),
        sc_release_fence(),
        coherence(),
        rmw_atomicity(),
    ]
    .concat()
}
