//! An independent brute-force enumerator of RC11-consistent executions
//! (Lahav, Vafeiadis, Kang, Hur, Dreyer, "Repairing Sequential Consistency in
//! C/C++11", PLDI 2017, section 3), for straight-line litmus programs.
//!
//! Written from the paper's definitions, not from racetrace's backend. The
//! choices the paper leaves to the reader, made here:
//!
//! - Every location starts with an *initialisation write* of 0, mo-first on
//!   its location and po-before every event of every thread (so hb-before
//!   everything); it is not SC, not release.
//! - An RMW (`fetch_add`, `swap`, a successful `compare_exchange`) is *two*
//!   events, a read and a write of the same location, related by `rmw` and
//!   po-adjacent, as in the paper. Its ordering splits as in C11: `AcqRel` is
//!   an acquire read and a release write, `Acquire` an acquire read and a
//!   relaxed write, `Release` a relaxed read and a release write, `SeqCst`
//!   makes both SC. A failed `compare_exchange` (strong) is a read alone, with
//!   the failure ordering.
//! - `R|loc` keeps the pairs of *memory accesses* to one location; `R|≠loc`
//!   is the rest of `R`, so a pair with a fence in it is `≠loc` (fences have
//!   no location; herd's `rc11.cat` reads the paper the same way).
//! - A `Relaxed` fence is an event of mode relaxed: it does nothing (C11 has
//!   none; std's `fence(Relaxed)` panics, so generated programs have none).
//!
//! The enumeration: for every choice of success or failure of every CAS (that
//! fixes the events), every mo (a strict total order of each location's
//! writes, the initialisation write first), and every rf (each read reads one
//! write of its location), the values are computed along po ∪ rf (a cycle
//! there is thin air: inconsistent), candidates whose CAS results disagree
//! with the values are not candidates of that choice, and the graph is kept
//! iff it satisfies the five axioms below. [`Enumeration::Pruned`] only tries
//! the immediate mo-predecessor of an RMW's write as its read's rf — every
//! other choice breaks coherence or atomicity, as a self-test checks against
//! [`Enumeration::Naive`] — which keeps RMW-heavy random programs fast.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::Ordering;

/// Location names in outcomes and `Debug` output.
pub const LOC_NAMES: [&str; 4] = ["x", "y", "z", "w"];

/// One instruction of a straight-line litmus thread.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ins {
    /// `loc.store(val, ord)`.
    Store {
        loc: usize,
        val: usize,
        ord: Ordering,
    },
    /// `loc.load(ord)`, into the thread's next register.
    Load { loc: usize, ord: Ordering },
    /// `loc.fetch_add(val, ord)`: the old value into the next register.
    FetchAdd {
        loc: usize,
        val: usize,
        ord: Ordering,
    },
    /// `loc.swap(val, ord)`: the old value into the next register.
    Swap {
        loc: usize,
        val: usize,
        ord: Ordering,
    },
    /// `loc.compare_exchange(expected, new, success, failure)` (strong): the
    /// value read (`Ok` or `Err`) into the next register.
    Cas {
        loc: usize,
        expected: usize,
        new: usize,
        success: Ordering,
        failure: Ordering,
    },
    /// `fence(ord)`.
    Fence(Ordering),
}

impl Ins {
    /// The location accessed, if any.
    pub fn loc(self) -> Option<usize> {
        match self {
            Ins::Store { loc, .. }
            | Ins::Load { loc, .. }
            | Ins::FetchAdd { loc, .. }
            | Ins::Swap { loc, .. }
            | Ins::Cas { loc, .. } => Some(loc),
            Ins::Fence(_) => None,
        }
    }

    /// Does it put a value in a register?
    pub fn reads(self) -> bool {
        !matches!(self, Ins::Store { .. } | Ins::Fence(_))
    }

    /// Every ordering it uses.
    pub fn orderings(self) -> Vec<Ordering> {
        match self {
            Ins::Store { ord, .. }
            | Ins::Load { ord, .. }
            | Ins::FetchAdd { ord, .. }
            | Ins::Swap { ord, .. }
            | Ins::Fence(ord) => vec![ord],
            Ins::Cas {
                success, failure, ..
            } => vec![success, failure],
        }
    }
}

pub fn ord_name(o: Ordering) -> &'static str {
    match o {
        Ordering::Relaxed => "Relaxed",
        Ordering::Acquire => "Acquire",
        Ordering::Release => "Release",
        Ordering::AcqRel => "AcqRel",
        Ordering::SeqCst => "SeqCst",
        _ => "?",
    }
}

/// Rust-like and paste-able into [`crate::rc11::oracle`]'s constructors
/// ([`st`], [`ld`], [`fa`], [`swp`], [`cas`], [`fence`]).
impl fmt::Debug for Ins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = |loc: usize| LOC_NAMES[loc].to_uppercase();
        match *self {
            Ins::Store { loc, val, ord } => write!(f, "st({}, {val}, {})", l(loc), ord_name(ord)),
            Ins::Load { loc, ord } => write!(f, "ld({}, {})", l(loc), ord_name(ord)),
            Ins::FetchAdd { loc, val, ord } => {
                write!(f, "fa({}, {val}, {})", l(loc), ord_name(ord))
            }
            Ins::Swap { loc, val, ord } => write!(f, "swp({}, {val}, {})", l(loc), ord_name(ord)),
            Ins::Cas {
                loc,
                expected,
                new,
                success,
                failure,
            } => write!(
                f,
                "cas({}, {expected}, {new}, {}, {})",
                l(loc),
                ord_name(success),
                ord_name(failure)
            ),
            Ins::Fence(o) => write!(f, "fence({})", ord_name(o)),
        }
    }
}

/// Location indices, named as in `Debug` output.
pub const X: usize = 0;
pub const Y: usize = 1;
pub const Z: usize = 2;

pub fn st(loc: usize, val: usize, ord: Ordering) -> Ins {
    Ins::Store { loc, val, ord }
}
pub fn ld(loc: usize, ord: Ordering) -> Ins {
    Ins::Load { loc, ord }
}
pub fn fa(loc: usize, val: usize, ord: Ordering) -> Ins {
    Ins::FetchAdd { loc, val, ord }
}
pub fn swp(loc: usize, val: usize, ord: Ordering) -> Ins {
    Ins::Swap { loc, val, ord }
}
pub fn cas(loc: usize, expected: usize, new: usize, success: Ordering, failure: Ordering) -> Ins {
    Ins::Cas {
        loc,
        expected,
        new,
        success,
        failure,
    }
}
pub fn fence(ord: Ordering) -> Ins {
    Ins::Fence(ord)
}

/// A litmus program: threads of instructions over locations `0..locs`, all
/// initially 0.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Program {
    pub threads: Vec<Vec<Ins>>,
    pub locs: usize,
}

impl Program {
    /// A program over as many locations as its instructions name (at least one).
    pub fn new(threads: Vec<Vec<Ins>>) -> Program {
        let locs = threads
            .iter()
            .flatten()
            .filter_map(|i| i.loc())
            .max()
            .map_or(1, |m| m + 1);
        Program { threads, locs }
    }

    /// Does it use `SeqCst` only?
    pub fn seq_cst_only(&self) -> bool {
        self.threads
            .iter()
            .flatten()
            .all(|i| i.orderings().iter().all(|&o| o == Ordering::SeqCst))
    }
}

/// `t0: [st(X, 1, Relaxed), ld(Y, Relaxed)] | t1: [...]`; the lists paste
/// into `Program::new(vec![vec![...], ...])`.
impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.threads.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "t{i}: {t:?}")?;
        }
        if self.locs != Program::new(self.threads.clone()).locs {
            write!(f, " (locs {})", self.locs)?;
        }
        Ok(())
    }
}

/// The outcome string: each thread's registers in order, then each location's
/// final value, e.g. `t0:1,0 t1:0 | x=1 y=1`.
pub fn outcome_string(regs: &[Vec<usize>], finals: &[usize]) -> String {
    let mut s = String::new();
    for (t, r) in regs.iter().enumerate() {
        if t > 0 {
            s.push(' ');
        }
        let vals: Vec<String> = r.iter().map(|v| v.to_string()).collect();
        s.push_str(&format!("t{t}:{}", vals.join(",")));
    }
    s.push_str(" |");
    for (l, v) in finals.iter().enumerate() {
        s.push_str(&format!(" {}={v}", LOC_NAMES[l]));
    }
    s
}

// ---------------------------------------------------------------------------
// Relations over at most 64 events, as bit matrices.

/// A set of events.
type Set = u64;

/// A binary relation: `rows[a]` has bit `b` set iff `a → b`.
#[derive(Clone, PartialEq, Eq)]
struct Rel {
    rows: Vec<u64>,
}

impl Rel {
    fn empty(n: usize) -> Rel {
        Rel { rows: vec![0; n] }
    }
    fn n(&self) -> usize {
        self.rows.len()
    }
    fn id(n: usize) -> Rel {
        Rel {
            rows: (0..n).map(|i| 1u64 << i).collect(),
        }
    }
    /// `[S]`: the identity on `s`.
    fn ident(n: usize, s: Set) -> Rel {
        Rel {
            rows: (0..n)
                .map(|i| if s >> i & 1 == 1 { 1u64 << i } else { 0 })
                .collect(),
        }
    }
    fn add(&mut self, a: usize, b: usize) {
        self.rows[a] |= 1 << b;
    }
    fn has(&self, a: usize, b: usize) -> bool {
        self.rows[a] >> b & 1 == 1
    }
    fn union(&self, o: &Rel) -> Rel {
        Rel {
            rows: self.rows.iter().zip(&o.rows).map(|(a, b)| a | b).collect(),
        }
    }
    fn inter(&self, o: &Rel) -> Rel {
        Rel {
            rows: self.rows.iter().zip(&o.rows).map(|(a, b)| a & b).collect(),
        }
    }
    fn minus(&self, o: &Rel) -> Rel {
        Rel {
            rows: self.rows.iter().zip(&o.rows).map(|(a, b)| a & !b).collect(),
        }
    }
    /// `self ; o`.
    fn seq(&self, o: &Rel) -> Rel {
        Rel {
            rows: self
                .rows
                .iter()
                .map(|&row| {
                    let mut out = 0;
                    let mut r = row;
                    while r != 0 {
                        let k = r.trailing_zeros() as usize;
                        out |= o.rows[k];
                        r &= r - 1;
                    }
                    out
                })
                .collect(),
        }
    }
    /// `self?`.
    fn opt(&self) -> Rel {
        self.union(&Rel::id(self.n()))
    }
    /// `self⁻¹`.
    fn inv(&self) -> Rel {
        let mut out = Rel::empty(self.n());
        for a in 0..self.n() {
            for b in 0..self.n() {
                if self.has(a, b) {
                    out.add(b, a);
                }
            }
        }
        out
    }
    /// `self⁺` (Warshall).
    fn plus(&self) -> Rel {
        let mut r = self.clone();
        for k in 0..r.n() {
            let rk = r.rows[k];
            for i in 0..r.n() {
                if r.rows[i] >> k & 1 == 1 {
                    r.rows[i] |= rk;
                }
            }
        }
        r
    }
    /// `self*`.
    fn star(&self) -> Rel {
        self.plus().opt()
    }
    fn irreflexive(&self) -> bool {
        (0..self.n()).all(|i| !self.has(i, i))
    }
    fn acyclic(&self) -> bool {
        self.plus().irreflexive()
    }
    fn is_empty(&self) -> bool {
        self.rows.iter().all(|&r| r == 0)
    }
    /// The pairs `(a, b)` with `same(a)` containing `b`.
    fn restrict(&self, same: &[Set]) -> Rel {
        Rel {
            rows: self.rows.iter().zip(same).map(|(r, s)| r & s).collect(),
        }
    }
}

// ---------------------------------------------------------------------------
// Events.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    R,
    W,
    F,
}

/// An event's mode (the paper's `rlx ⊑ acq, rel ⊑ acqrel ⊑ sc`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Rlx,
    Acq,
    Rel,
    AcqRel,
    Sc,
}

impl Mode {
    fn at_least_rel(self) -> bool {
        matches!(self, Mode::Rel | Mode::AcqRel | Mode::Sc)
    }
    fn at_least_acq(self) -> bool {
        matches!(self, Mode::Acq | Mode::AcqRel | Mode::Sc)
    }
}

fn load_mode(o: Ordering) -> Mode {
    match o {
        Ordering::Relaxed => Mode::Rlx,
        Ordering::Acquire => Mode::Acq,
        Ordering::SeqCst => Mode::Sc,
        _ => panic!("a load cannot be {o:?}"),
    }
}

fn store_mode(o: Ordering) -> Mode {
    match o {
        Ordering::Relaxed => Mode::Rlx,
        Ordering::Release => Mode::Rel,
        Ordering::SeqCst => Mode::Sc,
        _ => panic!("a store cannot be {o:?}"),
    }
}

/// An RMW's ordering as (read mode, write mode).
fn rmw_modes(o: Ordering) -> (Mode, Mode) {
    match o {
        Ordering::Relaxed => (Mode::Rlx, Mode::Rlx),
        Ordering::Acquire => (Mode::Acq, Mode::Rlx),
        Ordering::Release => (Mode::Rlx, Mode::Rel),
        Ordering::AcqRel => (Mode::Acq, Mode::Rel),
        Ordering::SeqCst => (Mode::Sc, Mode::Sc),
        _ => unreachable!(),
    }
}

fn fence_mode(o: Ordering) -> Mode {
    match o {
        Ordering::Relaxed => Mode::Rlx,
        Ordering::Acquire => Mode::Acq,
        Ordering::Release => Mode::Rel,
        Ordering::AcqRel => Mode::AcqRel,
        Ordering::SeqCst => Mode::Sc,
        _ => unreachable!(),
    }
}

/// How a write's value is made.
#[derive(Clone, Copy, Debug)]
enum WVal {
    Const(usize),
    /// Read value plus this (of the event's `rmw` read).
    Add(usize),
}

#[derive(Clone, Copy, Debug)]
struct Event {
    /// `None`: an initialisation write.
    thread: Option<usize>,
    kind: Kind,
    loc: Option<usize>,
    mode: Mode,
    /// Writes: how the value is made.
    wval: WVal,
    /// Reads: the register it fills (index into its thread's registers).
    reg: usize,
    /// Reads of a CAS: (expected, succeeded in this shape).
    cas: Option<(usize, bool)>,
}

/// The events of `p` for one choice of CAS results (bit `i` of `shape`: the
/// `i`-th CAS, in thread then program order, succeeds), and `rmw` as
/// (read, write) pairs.
fn events(p: &Program, shape: u64) -> (Vec<Event>, Vec<(usize, usize)>) {
    let mut ev = Vec::new();
    for l in 0..p.locs {
        ev.push(Event {
            thread: None,
            kind: Kind::W,
            loc: Some(l),
            mode: Mode::Rlx,
            wval: WVal::Const(0),
            reg: 0,
            cas: None,
        });
    }
    let mut rmw = Vec::new();
    let mut ncas = 0;
    for (t, ins) in p.threads.iter().enumerate() {
        let mut reg = 0;
        for &i in ins {
            let base = Event {
                thread: Some(t),
                kind: Kind::R,
                loc: i.loc(),
                mode: Mode::Rlx,
                wval: WVal::Const(0),
                reg,
                cas: None,
            };
            let mut rmw_pair = |ev: &mut Vec<Event>, rm: Mode, wm: Mode, wval: WVal, cas| {
                ev.push(Event {
                    mode: rm,
                    cas,
                    ..base
                });
                ev.push(Event {
                    kind: Kind::W,
                    mode: wm,
                    wval,
                    ..base
                });
                rmw.push((ev.len() - 2, ev.len() - 1));
            };
            match i {
                Ins::Store { val, ord, .. } => ev.push(Event {
                    kind: Kind::W,
                    mode: store_mode(ord),
                    wval: WVal::Const(val),
                    ..base
                }),
                Ins::Load { ord, .. } => ev.push(Event {
                    mode: load_mode(ord),
                    ..base
                }),
                Ins::FetchAdd { val, ord, .. } => {
                    let (rm, wm) = rmw_modes(ord);
                    rmw_pair(&mut ev, rm, wm, WVal::Add(val), None);
                }
                Ins::Swap { val, ord, .. } => {
                    let (rm, wm) = rmw_modes(ord);
                    rmw_pair(&mut ev, rm, wm, WVal::Const(val), None);
                }
                Ins::Cas {
                    expected,
                    new,
                    success,
                    failure,
                    ..
                } => {
                    let ok = shape >> ncas & 1 == 1;
                    ncas += 1;
                    if ok {
                        let (rm, wm) = rmw_modes(success);
                        rmw_pair(&mut ev, rm, wm, WVal::Const(new), Some((expected, true)));
                    } else {
                        ev.push(Event {
                            mode: load_mode(failure),
                            cas: Some((expected, false)),
                            ..base
                        });
                    }
                }
                Ins::Fence(ord) => ev.push(Event {
                    kind: Kind::F,
                    loc: None,
                    mode: fence_mode(ord),
                    ..base
                }),
            }
            if i.reads() {
                reg += 1;
            }
        }
    }
    (ev, rmw)
}

/// Which axioms to check (all, except in the self-tests that show each one
/// matters).
#[derive(Clone, Copy, Debug)]
pub struct Axioms {
    pub coherence: bool,
    pub atomicity: bool,
    pub sc: bool,
    pub no_thin_air: bool,
    /// Off: `sw` is empty (so `hb = po`).
    pub sw: bool,
    /// The reading of `R|≠loc` for pairs with a fence: on (herd's, the
    /// default), such pairs are in it; off, `R|≠loc` relates memory
    /// accesses to different locations only.
    pub fence_pairs_not_same_loc: bool,
}

impl Axioms {
    pub const ALL: Axioms = Axioms {
        coherence: true,
        atomicity: true,
        sc: true,
        no_thin_air: true,
        sw: true,
        fence_pairs_not_same_loc: true,
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enumeration {
    /// Every rf choice for every read.
    Naive,
    /// An RMW's read only from the immediate mo-predecessor of its write.
    Pruned,
}

/// The consistent graphs of a program, by outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcomes {
    /// Outcome → number of consistent graphs (distinct rf and mo) with it.
    pub graphs: BTreeMap<String, u64>,
    /// Candidates examined (graphs with well-defined values).
    pub candidates: u64,
}

impl Outcomes {
    pub fn total(&self) -> u64 {
        self.graphs.values().sum()
    }
    pub fn allows(&self, outcome: &str) -> bool {
        self.graphs.contains_key(outcome)
    }
}

/// The RC11-consistent executions of `p`.
pub fn rc11(p: &Program) -> Outcomes {
    enumerate(p, Axioms::ALL, Enumeration::Pruned)
}

/// Every permutation of `items`.
fn permutations(items: &[usize]) -> Vec<Vec<usize>> {
    if items.is_empty() {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut p in permutations(&rest) {
            p.insert(0, first);
            out.push(p);
        }
    }
    out
}

/// An upper bound on the candidates [`enumerate`] visits (to keep random
/// programs small enough).
pub fn candidate_bound(p: &Program, how: Enumeration) -> u64 {
    let ncas = p
        .threads
        .iter()
        .flatten()
        .filter(|i| matches!(i, Ins::Cas { .. }))
        .count();
    let mut total: u64 = 1 << ncas;
    for l in 0..p.locs {
        let on_l = p.threads.iter().flatten().filter(|i| i.loc() == Some(l));
        let writes = on_l
            .clone()
            .filter(|i| !matches!(i, Ins::Load { .. }))
            .count() as u64;
        let free_reads = on_l
            .filter(|i| match how {
                Enumeration::Naive => i.reads(),
                // A failed CAS's read is free.
                Enumeration::Pruned => matches!(i, Ins::Load { .. } | Ins::Cas { .. }),
            })
            .count() as u32;
        let mo: u64 = (1..=writes).product();
        total = total
            .saturating_mul(mo)
            .saturating_mul((writes + 1).saturating_pow(free_reads));
    }
    total
}

pub fn enumerate(p: &Program, axioms: Axioms, how: Enumeration) -> Outcomes {
    let ncas = p
        .threads
        .iter()
        .flatten()
        .filter(|i| matches!(i, Ins::Cas { .. }))
        .count();
    assert!(ncas < 64);
    let mut out = Outcomes::default();
    for shape in 0..1u64 << ncas {
        enumerate_shape(p, shape, axioms, how, &mut out);
    }
    out
}

fn enumerate_shape(p: &Program, shape: u64, axioms: Axioms, how: Enumeration, out: &mut Outcomes) {
    let (ev, rmw_pairs) = events(p, shape);
    let n = ev.len();
    assert!(n <= 64, "at most 64 events");
    let set = |f: &dyn Fn(&Event) -> bool| -> Set {
        (0..n).filter(|&i| f(&ev[i])).fold(0, |s, i| s | 1 << i)
    };
    let reads: Vec<usize> = (0..n).filter(|&i| ev[i].kind == Kind::R).collect();
    let w_set = set(&|e| e.kind == Kind::W);
    let r_set = set(&|e| e.kind == Kind::R);
    let f_set = set(&|e| e.kind == Kind::F);
    let sc_set = set(&|e| e.mode == Mode::Sc);
    let fsc_set = f_set & sc_set;
    let rel_set = set(&|e| e.mode.at_least_rel());
    let acq_set = set(&|e| e.mode.at_least_acq());
    // All accesses are atomic: every read is ⊒rlx.
    let r_rlx_set = r_set;
    // same[a]: the memory accesses to a's location (empty for fences).
    let same: Vec<Set> = (0..n)
        .map(|a| match ev[a].loc {
            None => 0,
            Some(l) => set(&|e| e.loc == Some(l)),
        })
        .collect();
    let mem_set = set(&|e| e.kind != Kind::F);
    let not_same: Vec<Set> = (0..n)
        .map(|a| {
            if axioms.fence_pairs_not_same_loc {
                !same[a]
            } else if ev[a].kind == Kind::F {
                0
            } else {
                mem_set & !same[a]
            }
        })
        .collect();

    // po: program order within a thread, and every initialisation write
    // before every thread's event.
    let mut po = Rel::empty(n);
    for a in 0..n {
        for b in 0..n {
            let before = match (ev[a].thread, ev[b].thread) {
                (None, Some(_)) => true,
                (Some(ta), Some(tb)) => ta == tb && a < b,
                _ => false,
            };
            if before {
                po.add(a, b);
            }
        }
    }
    let mut rmw = Rel::empty(n);
    for &(r, w) in &rmw_pairs {
        rmw.add(r, w);
    }
    let write_of_rmw_read = |r: usize| rmw_pairs.iter().find(|&&(rr, _)| rr == r).map(|p| p.1);

    // mo choices: per location, the initialisation write then a permutation.
    let mut mo_choices: Vec<Vec<Vec<usize>>> = Vec::new();
    for l in 0..p.locs {
        let ws: Vec<usize> = (p.locs..n)
            .filter(|&i| ev[i].kind == Kind::W && ev[i].loc == Some(l))
            .collect();
        mo_choices.push(
            permutations(&ws)
                .into_iter()
                .map(|mut perm| {
                    perm.insert(0, l);
                    perm
                })
                .collect(),
        );
    }
    let mut mo_idx = vec![0usize; p.locs];
    loop {
        // One mo.
        let orders: Vec<&Vec<usize>> = (0..p.locs).map(|l| &mo_choices[l][mo_idx[l]]).collect();
        let mut mo = Rel::empty(n);
        for o in &orders {
            for i in 0..o.len() {
                for j in i + 1..o.len() {
                    mo.add(o[i], o[j]);
                }
            }
        }
        // rf candidates per read under this mo.
        let cands: Vec<Vec<usize>> = reads
            .iter()
            .map(|&r| {
                let l = ev[r].loc.unwrap();
                let order = orders[l];
                match (how, write_of_rmw_read(r)) {
                    (Enumeration::Pruned, Some(w)) => {
                        let pos = order.iter().position(|&x| x == w).unwrap();
                        vec![order[pos - 1]]
                    }
                    _ => order.clone(),
                }
            })
            .collect();
        let mut rf_idx = vec![0usize; reads.len()];
        loop {
            let rf_of: Vec<(usize, usize)> = reads
                .iter()
                .zip(&rf_idx)
                .enumerate()
                .map(|(k, (&r, &i))| (cands[k][i], r))
                .collect();
            check_candidate(
                p,
                &ev,
                &rf_of,
                &mo,
                &po,
                &rmw,
                &Sets {
                    w: w_set,
                    r_rlx: r_rlx_set,
                    f: f_set,
                    sc: sc_set,
                    fsc: fsc_set,
                    rel: rel_set,
                    acq: acq_set,
                },
                &same,
                &not_same,
                axioms,
                out,
            );
            if !advance(
                &mut rf_idx,
                &cands.iter().map(|c| c.len()).collect::<Vec<_>>(),
            ) {
                break;
            }
        }
        if !advance(
            &mut mo_idx,
            &mo_choices.iter().map(|c| c.len()).collect::<Vec<_>>(),
        ) {
            break;
        }
    }
}

/// Odometer: the next index vector below `sizes`; false after the last.
fn advance(idx: &mut [usize], sizes: &[usize]) -> bool {
    for k in 0..idx.len() {
        idx[k] += 1;
        if idx[k] < sizes[k] {
            return true;
        }
        idx[k] = 0;
    }
    false
}

struct Sets {
    w: Set,
    r_rlx: Set,
    f: Set,
    sc: Set,
    fsc: Set,
    rel: Set,
    acq: Set,
}

#[allow(clippy::too_many_arguments)]
fn check_candidate(
    p: &Program,
    ev: &[Event],
    rf_of: &[(usize, usize)],
    mo: &Rel,
    po: &Rel,
    rmw: &Rel,
    s: &Sets,
    same: &[Set],
    not_same: &[Set],
    axioms: Axioms,
    out: &mut Outcomes,
) {
    let n = ev.len();
    let mut rf = Rel::empty(n);
    for &(w, r) in rf_of {
        rf.add(w, r);
    }
    // Values: each read's is its write's, an RMW's write's follows from its
    // read's. With po ∪ rf acyclic every value is defined; a cycle through
    // an RMW can leave some undefined (no value to give them at all): not a
    // candidate.
    let mut val: Vec<Option<usize>> = vec![None; n];
    let read_from = |r: usize| rf_of.iter().find(|&&(_, rr)| rr == r).unwrap().0;
    let rmw_read_of = |w: usize| (0..n).find(|&r| rmw.has(r, w));
    let mut progress = true;
    while progress {
        progress = false;
        for e in 0..n {
            if val[e].is_some() || ev[e].kind == Kind::F {
                continue;
            }
            let v = match ev[e].kind {
                Kind::R => val[read_from(e)],
                Kind::W => match ev[e].wval {
                    WVal::Const(c) => Some(c),
                    WVal::Add(d) => val[rmw_read_of(e).unwrap()].map(|v| v.wrapping_add(d)),
                },
                Kind::F => unreachable!(),
            };
            if v.is_some() {
                val[e] = v;
                progress = true;
            }
        }
    }
    if (0..n).any(|e| ev[e].kind != Kind::F && val[e].is_none()) {
        return;
    }
    // A CAS's result must agree with the value it read.
    for e in 0..n {
        if let Some((expected, ok)) = ev[e].cas {
            if (val[e].unwrap() == expected) != ok {
                return;
            }
        }
    }
    out.candidates += 1;

    // rb = rf⁻¹ ; mo (minus identity; empty here since reads and writes
    // are distinct events).
    let rb = rf.inv().seq(mo).minus(&Rel::id(n));
    let id = |set: Set| Rel::ident(n, set);
    let po_loc = po.restrict(same);
    let po_nloc = po.restrict(not_same);

    // rs = [W] ; po|loc? ; [W] ; (rf ; rmw)*
    let rs = id(s.w)
        .seq(&po_loc.opt())
        .seq(&id(s.w))
        .seq(&rf.seq(rmw).star());
    // sw = [E⊒rel] ; ([F] ; po)? ; rs ; rf ; [R⊒rlx] ; (po ; [F])? ; [E⊒acq]
    let sw = if axioms.sw {
        id(s.rel)
            .seq(&id(s.f).seq(po).opt())
            .seq(&rs)
            .seq(&rf)
            .seq(&id(s.r_rlx))
            .seq(&po.seq(&id(s.f)).opt())
            .seq(&id(s.acq))
    } else {
        Rel::empty(n)
    };
    let hb = po.union(&sw).plus();
    let eco = rf.union(mo).union(&rb).plus();

    // Coherence: irreflexive(hb ; eco?).
    if axioms.coherence && !hb.seq(&eco.opt()).irreflexive() {
        return;
    }
    // Atomicity: rmw ∩ (rb ; mo) = ∅.
    if axioms.atomicity && !rmw.inter(&rb.seq(mo)).is_empty() {
        return;
    }
    // SC: acyclic(psc).
    if axioms.sc {
        // scb = po ∪ po|≠loc ; hb ; po|≠loc ∪ hb|loc ∪ mo ∪ rb
        let scb = po
            .union(&po_nloc.seq(&hb).seq(&po_nloc))
            .union(&hb.restrict(same))
            .union(mo)
            .union(&rb);
        let hb_opt = hb.opt();
        // psc_base = ([E^sc] ∪ [F^sc] ; hb?) ; scb ; ([E^sc] ∪ hb? ; [F^sc])
        let left = id(s.sc).union(&id(s.fsc).seq(&hb_opt));
        let right = id(s.sc).union(&hb_opt.seq(&id(s.fsc)));
        let psc_base = left.seq(&scb).seq(&right);
        // psc_F = [F^sc] ; (hb ∪ hb ; eco ; hb) ; [F^sc]
        let psc_f = id(s.fsc)
            .seq(&hb.union(&hb.seq(&eco).seq(&hb)))
            .seq(&id(s.fsc));
        if !psc_base.union(&psc_f).acyclic() {
            return;
        }
    }
    // No thin air: acyclic(po ∪ rf).
    if axioms.no_thin_air && !po.union(&rf).acyclic() {
        return;
    }

    // The outcome: registers per thread, then each location's mo-last write.
    let mut regs: Vec<Vec<usize>> = p.threads.iter().map(|_| Vec::new()).collect();
    for e in 0..n {
        if ev[e].kind == Kind::R {
            let t = ev[e].thread.unwrap();
            assert_eq!(regs[t].len(), ev[e].reg);
            regs[t].push(val[e].unwrap());
        }
    }
    let finals: Vec<usize> = (0..p.locs)
        .map(|l| {
            let last = (0..n)
                .find(|&w| ev[w].kind == Kind::W && ev[w].loc == Some(l) && mo.rows[w] == 0)
                .unwrap();
            val[last].unwrap()
        })
        .collect();
    *out.graphs
        .entry(outcome_string(&regs, &finals))
        .or_insert(0) += 1;
}
