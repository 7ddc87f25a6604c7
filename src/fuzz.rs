//! The schedule fuzzer: a shuttle scheduler whose choices come from bytes.
//!
//! At every point where more than one task can run, the next input byte picks
//! one: task number `byte % n` of the `n` runnable tasks, in id order. Points
//! where only one task can run use no byte. When the bytes run out the rule is
//! fixed: keep the current task if it can run, else the lowest id — so the
//! rest of the schedule has no preemptions. A random value asked of the
//! scheduler takes the next 8 bytes (zero-padded when fewer are left).
//!
//! Two ways to drive it:
//!
//! * [`run_schedule`] runs exactly one schedule of a pattern variant from
//!   given bytes. The `schedule` target in `fuzz/` calls it with libFuzzer's
//!   inputs, so libFuzzer's coverage feedback steers the search.
//! * [`Backend::Fuzz`](crate::Backend::Fuzz) (`--backend fuzz`) needs no
//!   libFuzzer: it draws each schedule's bytes from a PRNG seeded with
//!   [`Config::seed`], [`MAX_DRAWN_BYTES`] bytes at most, for
//!   [`Config::max_schedules`] schedules (default 1000) or until
//!   [`Config::max_duration`]. There is no coverage feedback on this path.
//!
//! Either way the recorder notes every decision, so a witness carries a
//! `shuttle/…` schedule token and replays like any shuttle backend's.

use crate::Error;
use crate::config::{Backend, Config};
use crate::explore::Report;
use crate::patterns::{self, Params, Pattern, Variant};
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};

/// The most bytes [`Backend::Fuzz`] draws for one schedule (the length is
/// drawn uniformly from `0..=MAX_DRAWN_BYTES`).
pub const MAX_DRAWN_BYTES: usize = 128;

/// Picks tasks from a byte string; see the [module docs](self).
#[derive(Clone, Debug, Default)]
struct Chooser {
    bytes: Vec<u8>,
    pos: usize,
}

impl Chooser {
    fn next_task(&mut self, runnable: &[&Task], current: Option<TaskId>) -> TaskId {
        let mut ids: Vec<TaskId> = runnable.iter().map(|t| t.id()).collect();
        ids.sort_by_key(|t| usize::from(*t));
        if ids.len() > 1
            && let Some(b) = self.bytes.get(self.pos)
        {
            self.pos += 1;
            return ids[usize::from(*b) % ids.len()];
        }
        match current {
            Some(c) if ids.contains(&c) => c,
            _ => ids[0],
        }
    }

    fn next_u64(&mut self) -> u64 {
        let mut buf = [0u8; 8];
        for b in &mut buf {
            if let Some(x) = self.bytes.get(self.pos) {
                *b = *x;
                self.pos += 1;
            }
        }
        u64::from_le_bytes(buf)
    }
}

/// A shuttle [`Scheduler`] that runs ONE execution, its choices taken from a
/// byte string (see the [module docs](self)).
#[derive(Clone, Debug)]
pub struct ByteScheduler {
    chooser: Chooser,
    started: bool,
}

impl ByteScheduler {
    /// The scheduler of the one schedule `bytes` describes.
    pub fn new(bytes: &[u8]) -> ByteScheduler {
        ByteScheduler {
            chooser: Chooser {
                bytes: bytes.to_vec(),
                pos: 0,
            },
            started: false,
        }
    }

    /// How many bytes the schedule has used so far.
    pub fn used(&self) -> usize {
        self.chooser.pos
    }
}

impl Scheduler for ByteScheduler {
    fn new_execution(&mut self) -> Option<Schedule> {
        if std::mem::replace(&mut self.started, true) {
            return None;
        }
        self.chooser.pos = 0;
        Some(Schedule::new(0))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        _is_yielding: bool,
    ) -> Option<TaskId> {
        Some(self.chooser.next_task(runnable, current))
    }

    fn next_u64(&mut self) -> u64 {
        self.chooser.next_u64()
    }
}

/// [`Backend::Fuzz`] without libFuzzer: a fresh PRNG byte string for every
/// execution, endlessly (the explorer's bounds stop it).
pub(crate) struct FuzzScheduler {
    state: u64,
    chooser: Chooser,
}

impl FuzzScheduler {
    pub(crate) fn seeded(seed: u64) -> FuzzScheduler {
        FuzzScheduler {
            state: seed,
            chooser: Chooser::default(),
        }
    }

    /// splitmix64.
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Scheduler for FuzzScheduler {
    fn new_execution(&mut self) -> Option<Schedule> {
        let len = (self.next() % (MAX_DRAWN_BYTES as u64 + 1)) as usize;
        let mut bytes = Vec::with_capacity(len + 8);
        while bytes.len() < len {
            bytes.extend_from_slice(&self.next().to_le_bytes());
        }
        bytes.truncate(len);
        self.chooser = Chooser { bytes, pos: 0 };
        Some(Schedule::new(0))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        _is_yielding: bool,
    ) -> Option<TaskId> {
        Some(self.chooser.next_task(runnable, current))
    }

    fn next_u64(&mut self) -> u64 {
        self.chooser.next_u64()
    }
}

/// Run ONE schedule of `variant` of `pattern`, its scheduling choices taken
/// from `bytes`. The report has exactly one outcome row, whose witness holds
/// the trace and a `shuttle/…` token that replays it (backend `fuzz`).
///
/// ```
/// use racetrace::{fuzz, patterns};
/// let p = patterns::find("unsafe-counter").unwrap();
/// let v = p.variant("load-store").unwrap();
/// let params = p.params(&[]).unwrap();
/// // The two workers alternate at every choice point: increments are lost.
/// let r = fuzz::run_schedule(p, v, &params, &[1, 2, 1, 2, 1, 2, 1, 2, 1, 2]).unwrap();
/// assert_eq!(r.schedules, 1);
/// let w = r.outcomes[0].witness.as_ref().unwrap();
/// assert!(w.replay.as_deref().unwrap().starts_with("shuttle/"));
/// ```
pub fn run_schedule(
    pattern: &'static Pattern,
    variant: &'static Variant,
    params: &Params,
    bytes: &[u8],
) -> Result<Report, Error> {
    let config = Config::new(Backend::Fuzz).with_max_schedules(1);
    patterns::explore_with(
        pattern,
        variant,
        params,
        &config,
        Some(Box::new(ByteScheduler::new(bytes))),
    )
}

/// A `schedule` fuzz input, decoded by [`decode`].
#[derive(Clone, Debug)]
pub struct Input<'a> {
    /// The pattern.
    pub pattern: &'static Pattern,
    /// The variant.
    pub variant: &'static Variant,
    /// The variant's position among every variant of [`patterns::all`], in order.
    pub index: usize,
    /// The parameters.
    pub params: Params,
    /// The bytes left for the scheduler ([`run_schedule`]).
    pub schedule: &'a [u8],
}

/// Decode a `schedule` fuzz input (the `fuzz/` target and the corpus replay
/// in `tests/fuzz_corpus.rs` both use this): byte 0 picks a variant of
/// [`patterns::all`] (every pattern's variants in order, modulo their count);
/// one byte per declared parameter picks a small value, `min ..= max(default,
/// min + 2)` within the declared range (a missing byte means `min`); the rest
/// drive the scheduler. `None` for empty input.
///
/// ```
/// use racetrace::fuzz;
/// // Variant 0 (unsafe-counter/load-store), threads = 2 + 1, ops = 1 + 0.
/// let input = fuzz::decode(&[0, 2, 0, 7, 7]).unwrap();
/// assert_eq!((input.pattern.name, input.variant.name), ("unsafe-counter", "load-store"));
/// assert_eq!(input.params.describe(), "ops=1 threads=3");
/// assert_eq!(input.schedule, &[7, 7]);
/// ```
pub fn decode(data: &[u8]) -> Option<Input<'_>> {
    let variants: Vec<(&'static Pattern, &'static Variant)> = patterns::all()
        .iter()
        .flat_map(|p| p.variants.iter().map(move |v| (*p, v)))
        .collect();
    let (first, mut rest) = data.split_first()?;
    let index = usize::from(*first) % variants.len();
    let (pattern, variant) = variants[index];
    let mut given = Vec::new();
    for spec in pattern.params {
        let hi = spec.max.min(spec.default.max(spec.min + 2));
        let b = match rest.split_first() {
            Some((b, r)) => {
                rest = r;
                usize::from(*b)
            }
            None => 0,
        };
        given.push((spec.name.to_string(), spec.min + b % (hi - spec.min + 1)));
    }
    let params = pattern
        .params(&given)
        .expect("decoded parameters are within their declared range");
    Some(Input {
        pattern,
        variant,
        index,
        params,
        schedule: rest,
    })
}
