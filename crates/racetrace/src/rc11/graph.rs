//! The execution graph of one run under RC11: its events, which write each
//! read reads from (rf), the coherence order of each location's writes (mo),
//! and happens-before (hb) kept as each event's set of predecessors.
//!
//! Events are added in an order that extends po ∪ rf (a read reads only a
//! write already there), so the axiom `acyclic(po ∪ rf)` holds by
//! construction and every hb edge points from an earlier event to a later
//! one: a new event's hb set is its thread's view, plus what synchronises
//! with it. Coherence is kept by offering a read only the writes at or after
//! its *floor* (the latest write of the location its thread has seen through
//! hb, directly or through a read), a write only the places after it, and a
//! read-modify-write only a write no other one read (atomicity: it goes right
//! after the write it read). The SC axiom (psc acyclic) is checked on the
//! whole graph whenever a new event could add a psc edge.
//!
//! One read-modify-write is one event, both a read and a write. Its place in
//! coherence order gives every access a *key* (a write at place p: 2p+2; a
//! read of the write at p: 2p+3), and on one location `eco` (= (rf ∪ mo ∪
//! rb)+) is exactly "a smaller key".

use super::bits::Bits;
use crate::strategy::dpor::log;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Read,
    Write,
    Rmw,
    Fence,
    /// A synchronisation that is not an atomic access: a release of a
    /// mutex, a spawn, a thread's end. It is in po and hb only.
    Sync,
}

pub(super) struct Event {
    pub(super) thread: usize,
    pub(super) kind: Kind,
    pub(super) loc: Option<usize>,
    /// The value written (writes, RMWs) or read (reads).
    pub(super) value: u64,
    /// The write a read or an RMW read from.
    pub(super) rf: Option<usize>,
    /// Release on its write side (or a release fence).
    pub(super) rel: bool,
    pub(super) sc: bool,
    /// Its happens-before predecessors.
    pub(super) hb: Bits,
    /// A write's message: what a reader that synchronises with it (through
    /// its release sequence) comes to have seen.
    pub(super) msg: Bits,
    /// A write's place in its location's coherence order.
    pub(super) pos: usize,
    /// The trace step that recorded it, if any.
    pub(super) step: Option<usize>,
    /// The RMW that read from this write, if one did.
    pub(super) rmw_reader: Option<usize>,
    /// The dpor step that made it (see [`log`]).
    node: Option<usize>,
}

impl Event {
    fn is_write(&self) -> bool {
        matches!(self.kind, Kind::Write | Kind::Rmw)
    }
    fn is_access(&self) -> bool {
        matches!(self.kind, Kind::Read | Kind::Write | Kind::Rmw)
    }
}

#[derive(Default)]
struct ThreadState {
    /// Its events, in program order.
    events: Vec<usize>,
    /// Everything that happens before the thread's next event.
    view: Bits,
    /// The messages of every write the thread has read (what an acquire
    /// fence brings in).
    acquired: Bits,
    /// At the last release fence: its view, the fence included.
    fenced: Bits,
    /// Per location: the views of the thread's release writes there (heads
    /// of release sequences that its later writes there continue).
    released: HashMap<usize, Bits>,
    /// Since the last yield: read a write that was not the latest, wrote.
    stale: bool,
    wrote: bool,
}

#[derive(Default)]
struct Location {
    /// The writes, in coherence order (the initial write first).
    mo: Vec<usize>,
    /// Every access.
    accesses: Vec<usize>,
}

/// What a read (or read-modify-write) may do: read from write `from`, and
/// write `write` after it (an RMW) or nothing (a load, a failed CAS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ReadOption {
    pub(super) from: usize,
    pub(super) write: Option<u64>,
}

/// Orderings, as the sides of one access.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Sides {
    pub(super) acq: bool,
    pub(super) rel: bool,
    pub(super) sc: bool,
}

#[derive(Default)]
pub(super) struct Graph {
    pub(super) events: Vec<Event>,
    threads: Vec<ThreadState>,
    locs: Vec<Location>,
    /// racetrace object id → location.
    loc_of: HashMap<usize, usize>,
    /// Per mutex: its last release event and the view it published.
    mutexes: HashMap<usize, (usize, Bits)>,
    /// Per mutex: its last acquisition event.
    acquired: HashMap<usize, usize>,
    sc_fences: usize,
    /// Threads spawned and not yet ended (the main thread is not counted).
    running: usize,
    /// Per non-atomic object (an `UnsafeCell`): its last write and the
    /// reads since, each as (thread, number of the thread's events before it).
    plain: HashMap<usize, Plain>,
}

#[derive(Default)]
struct Plain {
    write: Option<(usize, usize)>,
    reads: Vec<(usize, usize)>,
}

/// A data race: the earlier access (its thread, and whether it wrote) that
/// does not happen before the new one.
pub(super) struct Race {
    pub(super) thread: usize,
    pub(super) wrote: bool,
}

impl Graph {
    fn thread(&mut self, t: usize) -> &mut ThreadState {
        if self.threads.len() <= t {
            self.threads.resize_with(t + 1, ThreadState::default);
        }
        &mut self.threads[t]
    }

    pub(super) fn location(&self, object: usize) -> Option<usize> {
        self.loc_of.get(&object).copied()
    }

    fn push(
        &mut self,
        t: usize,
        kind: Kind,
        loc: Option<usize>,
        value: u64,
        sides: Sides,
        hb: Bits,
    ) -> usize {
        let id = self.events.len();
        self.thread(t).events.push(id);
        self.events.push(Event {
            thread: t,
            kind,
            loc,
            value,
            rf: None,
            rel: sides.rel,
            sc: sides.sc,
            hb,
            msg: Bits::default(),
            pos: 0,
            step: None,
            rmw_reader: None,
            node: log::current(),
        });
        id
    }

    /// The thread's view after its event `e`.
    fn advance(&mut self, t: usize, e: usize) {
        let mut v = self.events[e].hb.clone();
        v.insert(e);
        self.thread(t).view = v;
    }

    /// A new atomic `object` holding `value`, made by thread `t`: its
    /// initial write, first in coherence order.
    pub(super) fn init(&mut self, t: usize, object: usize, value: u64) -> usize {
        let loc = self.locs.len();
        self.locs.push(Location::default());
        self.loc_of.insert(object, loc);
        let hb = self.thread(t).view.clone();
        let e = self.push(t, Kind::Write, Some(loc), value, Sides::default(), hb);
        self.locs[loc].mo.push(e);
        self.locs[loc].accesses.push(e);
        self.advance(t, e);
        e
    }

    /// The latest place in `loc`'s coherence order that thread `t` has seen.
    fn floor(&self, t: usize, loc: usize) -> usize {
        let Some(view) = self.threads.get(t).map(|s| &s.view) else {
            return 0;
        };
        let mut floor = 0;
        for &a in &self.locs[loc].accesses {
            if view.contains(a) {
                let e = &self.events[a];
                let p = if e.is_write() {
                    e.pos
                } else {
                    self.events[e.rf.expect("a read reads")].pos
                };
                floor = floor.max(p);
            }
        }
        floor
    }

    /// Does adding an event to thread `t` need the SC check?
    fn needs_sc_check(&self, sc: bool) -> bool {
        sc || self.sc_fences > 0
    }

    /// The options of a read of `loc` by thread `t`, latest write first.
    /// `rmw` says what an RMW writes after reading a value (`None`: it
    /// fails, as a CAS on another value); `weak`: a CAS that may also fail
    /// spuriously; `sides` gives the orderings of a success and of a plain
    /// read (a failed CAS).
    pub(super) fn read_options(
        &mut self,
        t: usize,
        loc: usize,
        rmw: Option<&dyn Fn(u64) -> Option<u64>>,
        weak: bool,
        success: Sides,
        failure: Sides,
    ) -> Vec<ReadOption> {
        let floor = self.floor(t, loc);
        let mut options = Vec::new();
        let mo = self.locs[loc].mo.clone();
        for &w in mo[floor..].iter().rev() {
            let value = self.events[w].value;
            let mut candidates = Vec::new();
            match rmw.map(|f| f(value)) {
                None | Some(None) => candidates.push(ReadOption {
                    from: w,
                    write: None,
                }),
                Some(Some(new)) => {
                    if self.events[w].rmw_reader.is_none() {
                        candidates.push(ReadOption {
                            from: w,
                            write: Some(new),
                        });
                    }
                    if weak {
                        candidates.push(ReadOption {
                            from: w,
                            write: None,
                        });
                    }
                }
            }
            for o in candidates {
                let sides = if o.write.is_some() { success } else { failure };
                if !self.needs_sc_check(sides.sc) {
                    options.push(o);
                    continue;
                }
                let e = self.add_read(t, loc, o, sides);
                let ok = self.sc_consistent();
                self.undo(e);
                if ok {
                    options.push(o);
                }
            }
        }
        options
    }

    /// The places a write of `loc` by thread `t` may take in coherence
    /// order (an index into it: the write goes before what is there now),
    /// latest first.
    pub(super) fn write_options(
        &mut self,
        t: usize,
        loc: usize,
        value: u64,
        sides: Sides,
    ) -> Vec<usize> {
        let floor = self.floor(t, loc);
        let len = self.locs[loc].mo.len();
        let mut options = Vec::new();
        for p in (floor + 1..=len).rev() {
            // Never between a write and the RMW that read it.
            if p < len && self.events[self.locs[loc].mo[p]].rf == Some(self.locs[loc].mo[p - 1]) {
                continue;
            }
            if self.needs_sc_check(sides.sc) {
                let e = self.add_write(t, loc, value, p, sides);
                let ok = self.sc_consistent();
                self.undo(e);
                if !ok {
                    continue;
                }
            }
            options.push(p);
        }
        options
    }

    /// Which of a read's `options` (of `loc`) to explore: not one that reads
    /// a write `w` when a write later in coherence order, made after `w`,
    /// is in a race with this step that dpor reverses — the execution in
    /// which this step comes first builds the same graph.
    pub(super) fn read_choices(&self, loc: usize, options: &[ReadOption]) -> Vec<usize> {
        if options.len() < 2 {
            return (0..options.len()).collect();
        }
        let reversed = log::reversed();
        let mo = &self.locs[loc].mo;
        (0..options.len())
            .filter(|&i| {
                let w = &self.events[options[i].from];
                !mo[w.pos + 1..].iter().any(|&x| {
                    self.events[x]
                        .node
                        .is_some_and(|n| w.node.is_none_or(|m| m < n) && reversed.contains(&n))
                })
            })
            .collect()
    }

    /// Which of a write's places (`options`, in `loc`'s coherence order) to
    /// explore: not one before a write that is in a race with this step
    /// that dpor reverses (the execution in which this step comes first
    /// builds the same graph).
    pub(super) fn write_choices(&self, loc: usize, options: &[usize]) -> Vec<usize> {
        if options.len() < 2 {
            return (0..options.len()).collect();
        }
        let reversed = log::reversed();
        let mo = &self.locs[loc].mo;
        (0..options.len())
            .filter(|&i| {
                !mo[options[i]..]
                    .iter()
                    .any(|&x| self.events[x].node.is_some_and(|n| reversed.contains(&n)))
            })
            .collect()
    }

    /// Add a read (or RMW) event as option `o` says; the thread's state is
    /// not changed (see [`Graph::commit`]).
    fn add_read(&mut self, t: usize, loc: usize, o: ReadOption, sides: Sides) -> usize {
        let mut hb = self.thread(t).view.clone();
        if sides.acq {
            hb.union_with(&self.events[o.from].msg);
        }
        let (kind, value) = match o.write {
            Some(v) => (Kind::Rmw, v),
            None => (Kind::Read, self.events[o.from].value),
        };
        let e = self.push(t, kind, Some(loc), value, sides, hb);
        self.events[e].rf = Some(o.from);
        self.locs[loc].accesses.push(e);
        if kind == Kind::Rmw {
            let p = self.events[o.from].pos + 1;
            self.insert_mo(loc, e, p);
            self.events[o.from].rmw_reader = Some(e);
            let mut msg = self.own_message(t, loc, e);
            msg.union_with(&self.events[o.from].msg.clone());
            self.events[e].msg = msg;
        }
        e
    }

    fn add_write(&mut self, t: usize, loc: usize, value: u64, p: usize, sides: Sides) -> usize {
        let hb = self.thread(t).view.clone();
        let e = self.push(t, Kind::Write, Some(loc), value, sides, hb);
        self.locs[loc].accesses.push(e);
        self.insert_mo(loc, e, p);
        self.events[e].msg = self.own_message(t, loc, e);
        e
    }

    /// The message write `e` of thread `t` carries as the head (or in the
    /// release sequence) of its own thread's releases: itself and its hb
    /// predecessors if it is a release, else the last release fence's view
    /// and those of the thread's earlier release writes to the location.
    fn own_message(&mut self, t: usize, loc: usize, e: usize) -> Bits {
        if self.events[e].rel {
            let mut m = self.events[e].hb.clone();
            m.insert(e);
            return m;
        }
        let s = self.thread(t);
        let mut m = s.fenced.clone();
        if let Some(r) = s.released.get(&loc) {
            m.union_with(r);
        }
        m
    }

    fn insert_mo(&mut self, loc: usize, e: usize, p: usize) {
        self.locs[loc].mo.insert(p, e);
        for (i, &w) in self.locs[loc].mo.iter().enumerate().skip(p) {
            self.events[w].pos = i;
        }
    }

    /// Take back the last event, `e`, added by `add_read`/`add_write`.
    fn undo(&mut self, e: usize) {
        debug_assert_eq!(e + 1, self.events.len());
        let ev = self.events.pop().expect("an event");
        self.threads[ev.thread].events.pop();
        let loc = ev.loc.expect("an access");
        self.locs[loc].accesses.pop();
        if ev.is_write() {
            let mo = &mut self.locs[loc].mo;
            mo.remove(ev.pos);
            for (i, &w) in mo.iter().enumerate().skip(ev.pos) {
                self.events[w].pos = i;
            }
        }
        if ev.kind == Kind::Rmw
            && let Some(f) = ev.rf
        {
            self.events[f].rmw_reader = None;
        }
    }

    /// Perform a read (or RMW) of `loc` by `t` as option `o` says; returns
    /// the event and whether a later write than the one it read was there.
    pub(super) fn read(
        &mut self,
        t: usize,
        loc: usize,
        o: ReadOption,
        sides: Sides,
    ) -> (usize, bool) {
        let stale = self.events[o.from].pos + 1 < self.locs[loc].mo.len();
        let e = self.add_read(t, loc, o, sides);
        let msg = self.events[o.from].msg.clone();
        self.thread(t).acquired.union_with(&msg);
        self.thread(t).stale |= stale;
        if o.write.is_some() {
            self.wrote(t, loc, e);
        }
        self.advance(t, e);
        (e, stale)
    }

    /// Perform a write of `loc` by `t`, at place `p` of coherence order.
    pub(super) fn write(
        &mut self,
        t: usize,
        loc: usize,
        value: u64,
        p: usize,
        sides: Sides,
    ) -> usize {
        let e = self.add_write(t, loc, value, p, sides);
        self.wrote(t, loc, e);
        self.advance(t, e);
        e
    }

    fn wrote(&mut self, t: usize, loc: usize, e: usize) {
        let rel = self.events[e].rel;
        let mut own = self.events[e].hb.clone();
        own.insert(e);
        let s = self.thread(t);
        s.wrote = true;
        if rel {
            s.released.entry(loc).or_default().union_with(&own);
        }
    }

    /// A fence by `t`.
    pub(super) fn fence(&mut self, t: usize, sides: Sides) {
        let mut hb = self.thread(t).view.clone();
        if sides.acq {
            hb.union_with(&self.threads[t].acquired.clone());
        }
        let e = self.push(t, Kind::Fence, None, 0, sides, hb);
        if sides.sc {
            self.sc_fences += 1;
        }
        self.advance(t, e);
        if sides.rel {
            let mut f = self.events[e].hb.clone();
            f.insert(e);
            self.thread(t).fenced = f;
        }
    }

    /// A `Sync` event of `t` (`from`: the release an acquisition took its
    /// view from, which is part of what the graph is); returns it and the
    /// thread's view after it.
    fn sync_event(&mut self, t: usize, from: Option<(usize, Bits)>) -> (usize, Bits) {
        let mut hb = self.thread(t).view.clone();
        if let Some((_, v)) = &from {
            hb.union_with(v);
        }
        let e = self.push(t, Kind::Sync, None, 0, Sides::default(), hb);
        self.events[e].rf = from.map(|(r, _)| r);
        self.advance(t, e);
        self.thread(t).wrote = true;
        (e, self.threads[t].view.clone())
    }

    pub(super) fn release(&mut self, t: usize, mutex: usize) {
        let released = self.sync_event(t, None);
        self.mutexes.insert(mutex, released);
    }

    /// An acquisition of `mutex`: after the release it takes over (none
    /// for the first), as its own event, so that two runs that ordered the
    /// critical sections differently never count as one graph.
    pub(super) fn acquire(&mut self, t: usize, mutex: usize) {
        let from = self.mutexes.get(&mutex).cloned();
        let (e, _) = self.sync_event(t, from);
        self.acquired.insert(mutex, e);
    }

    /// A failed `try_lock` of `mutex`: an event that saw the acquisition
    /// holding it (no synchronisation), so that a run in which it failed
    /// and one in which it succeeded later are never one graph.
    pub(super) fn try_failed(&mut self, t: usize, mutex: usize) {
        let (e, _) = self.sync_event(t, None);
        self.events[e].rf = self.acquired.get(&mutex).copied();
    }

    pub(super) fn spawn(&mut self, t: usize, child: usize) {
        self.running += 1;
        let (_, v) = self.sync_event(t, None);
        self.thread(child).view = v;
    }

    /// Thread `t` ends; when it is the last, the graph's fingerprint.
    pub(super) fn exit(&mut self, t: usize) -> Option<u64> {
        self.sync_event(t, None);
        match self.running.checked_sub(1) {
            Some(r) => {
                self.running = r;
                None
            }
            None => Some(self.fingerprint()),
        }
    }

    /// A hash of what makes the graph this graph: each thread's events (kind,
    /// location, value, orderings and the write each read reads, named by
    /// thread and place in it) and each location's coherence order.
    fn fingerprint(&self) -> u64 {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut index = vec![0usize; self.events.len()];
        let mut count: HashMap<usize, usize> = HashMap::new();
        for (i, e) in self.events.iter().enumerate() {
            let c = count.entry(e.thread).or_default();
            index[i] = *c;
            *c += 1;
        }
        let name = |e: usize| (self.events[e].thread, index[e]);
        type Shape = (
            usize,
            usize,
            u8,
            Option<usize>,
            u64,
            bool,
            bool,
            Option<(usize, usize)>,
        );
        let mut per_thread: Vec<Shape> = self
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                (
                    e.thread,
                    index[i],
                    e.kind as u8,
                    e.loc,
                    e.value,
                    e.rel,
                    e.sc,
                    e.rf.map(name),
                )
            })
            .collect();
        per_thread.sort_unstable();
        let mut h = DefaultHasher::new();
        per_thread.hash(&mut h);
        for l in &self.locs {
            l.mo.iter()
                .map(|&w| name(w))
                .collect::<Vec<_>>()
                .hash(&mut h);
        }
        h.finish()
    }

    pub(super) fn join(&mut self, t: usize, child: usize) {
        let v = self.thread(child).view.clone();
        self.thread(t).view.union_with(&v);
    }

    /// Thread `t` yields: did the iteration since its last yield read a
    /// write that was not the latest, and write nothing? (Then an execution
    /// in which it read the later write instead reaches everything this one
    /// does, with no more happens-before: this one can end.)
    pub(super) fn spun_on_stale(&mut self, t: usize) -> bool {
        let s = self.thread(t);
        let stale = s.stale && !s.wrote;
        s.stale = false;
        s.wrote = false;
        stale
    }

    /// A non-atomic access to `object` by `t`: the earlier conflicting
    /// access it races with (neither happens before the other), if any.
    pub(super) fn plain(&mut self, t: usize, object: usize, write: bool) -> Option<Race> {
        let me = (t, self.thread(t).events.len());
        let view = self.threads[t].view.clone();
        // (u, k) happens before the access if u is this thread, or if u's
        // event after it (its k-th, from 0) does.
        let ordered = |threads: &[ThreadState], (u, k): (usize, usize)| {
            u == t || threads[u].events.get(k).is_some_and(|&e| view.contains(e))
        };
        let p = self.plain.entry(object).or_default();
        let mut race = None;
        if let Some(w) = p.write
            && !ordered(&self.threads, w)
        {
            race = Some(Race {
                thread: w.0,
                wrote: true,
            });
        }
        if write && race.is_none() {
            race = p
                .reads
                .iter()
                .find(|&&r| !ordered(&self.threads, r))
                .map(|&(u, _)| Race {
                    thread: u,
                    wrote: false,
                });
        }
        if write {
            p.write = Some(me);
            p.reads.clear();
        } else {
            p.reads.push(me);
        }
        race
    }

    /// The value of `loc`'s latest write in coherence order.
    pub(super) fn latest(&self, loc: usize) -> u64 {
        let mo = &self.locs[loc].mo;
        self.events[*mo.last().expect("an initial write")].value
    }

    fn key(&self, e: usize) -> usize {
        let ev = &self.events[e];
        if ev.is_write() {
            2 * ev.pos + 2
        } else {
            2 * self.events[ev.rf.expect("a read reads")].pos + 3
        }
    }

    /// The SC axiom of RC11: is `psc` acyclic? (Lahav et al., PLDI 2017:
    /// `psc = psc_base ∪ psc_F`, `psc_base = ([E^sc] ∪ [F^sc]; hb?); scb;
    /// ([E^sc] ∪ hb?; [F^sc])`, `scb = po ∪ po|≠loc; hb; po|≠loc ∪ hb|loc ∪
    /// mo ∪ rb`, `psc_F = [F^sc]; (hb ∪ hb; eco; hb); [F^sc]`.)
    pub(super) fn sc_consistent(&self) -> bool {
        let n = self.events.len();
        let nodes: Vec<usize> = (0..n)
            .filter(|&i| self.events[i].sc && self.events[i].kind != Kind::Sync)
            .collect();
        if nodes.len() < 2 {
            return true;
        }
        // hb successors, po successors, accesses per location.
        let mut hbs = vec![Bits::default(); n];
        for b in 0..n {
            for a in self.events[b].hb.iter() {
                hbs[a].insert(b);
            }
        }
        let mut pos_ = vec![Bits::default(); n];
        let mut after: HashMap<usize, Bits> = HashMap::new();
        for e in (0..n).rev() {
            let t = self.events[e].thread;
            let s = after.entry(t).or_default();
            pos_[e] = s.clone();
            s.insert(e);
        }
        let mut at: Vec<Bits> = vec![Bits::default(); self.locs.len()];
        for (l, loc) in self.locs.iter().enumerate() {
            for &a in &loc.accesses {
                at[l].insert(a);
            }
        }
        let same_loc = |a: usize, b: usize| {
            self.events[a].loc.is_some() && self.events[a].loc == self.events[b].loc
        };
        let keys: Vec<usize> = (0..n)
            .map(|e| {
                if self.events[e].is_access() {
                    self.key(e)
                } else {
                    0
                }
            })
            .collect();
        // eco successors of an access, and its mo ∪ rb successors.
        let eco = |x: usize, writes_only: bool| -> Bits {
            let mut s = Bits::default();
            if let Some(l) = self.events[x].loc {
                for &y in &self.locs[l].accesses {
                    if keys[y] > keys[x] && (!writes_only || self.events[y].is_write()) {
                        s.insert(y);
                    }
                }
            }
            s
        };
        // Q(a) = the po|≠loc successors of a's hb successors.
        let mut q: Vec<Option<Bits>> = vec![None; n];
        let mut q_of = |a: usize| -> Bits {
            if let Some(b) = &q[a] {
                return b.clone();
            }
            let mut s = Bits::default();
            for b in hbs[a].iter() {
                for y in pos_[b].iter() {
                    if !same_loc(b, y) {
                        s.insert(y);
                    }
                }
            }
            q[a] = Some(s.clone());
            s
        };
        let mut scb = |x: usize| -> Bits {
            let mut s = pos_[x].clone();
            if let Some(l) = self.events[x].loc {
                for y in hbs[x].iter() {
                    if at[l].contains(y) {
                        s.insert(y);
                    }
                }
                s.union_with(&eco(x, true));
            }
            for a in pos_[x].iter() {
                if !same_loc(x, a) {
                    s.union_with(&q_of(a));
                }
            }
            s
        };
        let fence = |e: usize| self.events[e].kind == Kind::Fence;
        let mut succ: Vec<Vec<usize>> = Vec::with_capacity(nodes.len());
        for &a in &nodes {
            let mut from = Bits::of(a);
            if fence(a) {
                from.union_with(&hbs[a]);
            }
            let mut ys = Bits::default();
            for x in from.iter() {
                ys.union_with(&scb(x));
            }
            // psc_F: hb, or hb; eco; hb between SC fences.
            let mut via_eco = Bits::default();
            if fence(a) {
                for x in hbs[a].iter() {
                    if self.events[x].is_access() {
                        via_eco.union_with(&eco(x, false));
                    }
                }
            }
            let mut out = Vec::new();
            for (k, &b) in nodes.iter().enumerate() {
                let edge = if fence(b) {
                    ys.contains(b)
                        || self.events[b].hb.intersects(&ys)
                        || (fence(a)
                            && (self.events[b].hb.contains(a)
                                || self.events[b].hb.intersects(&via_eco)))
                } else {
                    ys.contains(b)
                };
                if edge {
                    out.push(k);
                }
            }
            succ.push(out);
        }
        acyclic(&succ)
    }
}

/// Is the graph with these successor lists acyclic?
fn acyclic(succ: &[Vec<usize>]) -> bool {
    // 0 unvisited, 1 on the stack, 2 done.
    let mut colour = vec![0u8; succ.len()];
    for start in 0..succ.len() {
        if colour[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        colour[start] = 1;
        while let Some((v, i)) = stack.pop() {
            if let Some(&w) = succ[v].get(i) {
                stack.push((v, i + 1));
                match colour[w] {
                    1 => return false,
                    0 => {
                        colour[w] = 1;
                        stack.push((w, 0));
                    }
                    _ => {}
                }
            } else {
                colour[v] = 2;
            }
        }
    }
    true
}
