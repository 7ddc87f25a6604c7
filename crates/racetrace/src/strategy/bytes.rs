//! The schedule fuzzer's scheduler: its choices come from bytes.
//!
//! At every point where more than one task can run, the next input byte picks
//! one: task number `byte % n` of the `n` runnable tasks, in id order. Points
//! where only one task can run use no byte. When the bytes run out the rule is
//! fixed: keep the current task if it can run, else the lowest id — so the
//! rest of the schedule has no preemptions. A random value asked of the
//! scheduler takes the next 8 bytes (zero-padded when fewer are left).
//!
//! Two sources of bytes:
//!
//! * [`ByteScheduler::new`]: exactly one schedule from given bytes. The
//!   `schedule` target in `fuzz/` runs it with libFuzzer's inputs (through
//!   `racetrace_patterns::harness::run_schedule`), so libFuzzer's coverage
//!   feedback steers the search.
//! * [`ByteScheduler::seeded`] ([`Backend::Fuzz`](crate::Backend::Fuzz),
//!   `--backend fuzz`) needs no libFuzzer: it draws each schedule's bytes
//!   from a PRNG seeded with [`Config::seed`](crate::Config::seed),
//!   [`MAX_DRAWN_BYTES`] bytes at most, endlessly: the explorer's bounds
//!   ([`Config::max_schedules`](crate::Config::max_schedules), default 1000,
//!   or [`Config::max_duration`](crate::Config::max_duration)) stop it.
//!   There is no coverage feedback on this path.
//!
//! Either way the recorder notes every decision, so a witness carries a
//! `shuttle/…` schedule token and replays like any shuttle backend's.

use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};

/// The most bytes [`ByteScheduler::seeded`] draws for one schedule (the
/// length is drawn uniformly from `0..=MAX_DRAWN_BYTES`).
pub const MAX_DRAWN_BYTES: usize = 128;

/// Where a [`ByteScheduler`]'s bytes come from.
#[derive(Clone, Debug)]
enum Source {
    /// One schedule, from fixed bytes; `started` once it began.
    Given { started: bool },
    /// A fresh splitmix64 byte string for every schedule, endlessly.
    Drawn { state: u64 },
}

/// A shuttle [`Scheduler`] whose choices come from bytes; see the
/// [module docs](self).
#[derive(Clone, Debug)]
pub struct ByteScheduler {
    bytes: Vec<u8>,
    pos: usize,
    source: Source,
}

impl ByteScheduler {
    /// The scheduler of the ONE schedule `bytes` describes.
    pub fn new(bytes: &[u8]) -> ByteScheduler {
        ByteScheduler {
            bytes: bytes.to_vec(),
            pos: 0,
            source: Source::Given { started: false },
        }
    }

    /// A scheduler that draws every schedule's bytes from a PRNG seeded with
    /// `seed`, without end.
    pub fn seeded(seed: u64) -> ByteScheduler {
        ByteScheduler {
            bytes: Vec::new(),
            pos: 0,
            source: Source::Drawn { state: seed },
        }
    }

    /// How many bytes the current schedule has used so far.
    pub fn used(&self) -> usize {
        self.pos
    }
}

/// splitmix64.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Scheduler for ByteScheduler {
    fn new_execution(&mut self) -> Option<Schedule> {
        match &mut self.source {
            Source::Given { started } => {
                if std::mem::replace(started, true) {
                    return None;
                }
            }
            Source::Drawn { state } => {
                let len = (splitmix64(state) % (MAX_DRAWN_BYTES as u64 + 1)) as usize;
                let mut bytes = Vec::with_capacity(len + 8);
                while bytes.len() < len {
                    bytes.extend_from_slice(&splitmix64(state).to_le_bytes());
                }
                bytes.truncate(len);
                self.bytes = bytes;
            }
        }
        self.pos = 0;
        Some(Schedule::new(0))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        _is_yielding: bool,
    ) -> Option<TaskId> {
        let mut ids: Vec<TaskId> = runnable.iter().map(|t| t.id()).collect();
        ids.sort_by_key(|t| usize::from(*t));
        if ids.len() > 1
            && let Some(b) = self.bytes.get(self.pos)
        {
            self.pos += 1;
            return Some(ids[usize::from(*b) % ids.len()]);
        }
        Some(match current {
            Some(c) if ids.contains(&c) => c,
            _ => ids[0],
        })
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
