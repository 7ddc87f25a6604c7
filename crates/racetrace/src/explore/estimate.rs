//! How many schedules an exhaustive exploration would take, estimated from
//! a few sampled ones — to refuse (or warn about) sizes that cannot finish.
//!
//! A sampled schedule's trace says how many operations each thread performs
//! on each object. dpor runs about one schedule per distinct order of
//! conflicting operations; the operations on one object, `cᵢ` of them by
//! thread `i`, can be ordered in `(Σcᵢ)! / Πcᵢ!` ways (a multinomial), and
//! the estimate for dpor and loom is the largest of these over the objects —
//! exact for one shared counter, a lower bound when several objects are
//! ordered independently. A critical section counts once (its `lock`), and
//! consecutive reads by one thread of one object count once (reads
//! commute). loom's reduction takes neither shortcut: for loom every
//! operation counts (`locked-counter` 2×2: 70 estimated, 30 run; it still
//! underestimates programs with many threads: `process-pool --param
//! workers=4`, about 10⁵ estimated, does not finish). shuttle's DFS reduces nothing and runs many more, so for it the
//! same figure is a lower bound (the multinomial of all operations
//! overestimated spinning programs by 10⁵). Only the order of magnitude
//! matters: it tells a
//! search of thousands of schedules from one of 10³⁸ (`unsafe-counter
//! --threads 16 --ops 1000`).

use super::report::Report;
use crate::config::{Backend, Config};
use crate::trace::{Access, Event};
use std::collections::BTreeMap;
use std::time::Duration;

/// Estimates above 10^this many schedules are refused by
/// [`Estimate::refusal`]: at the 5,000–30,000 schedules a second dpor runs
/// here, 10⁹ is a day or more.
pub const REFUSE_ABOVE_LOG10: f64 = 9.0;

/// Schedules sampled for an estimate.
const SAMPLES: u64 = 3;

/// An estimate of the schedules an exhaustive exploration takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// The backend it is for.
    pub backend: Backend,
    /// log₁₀ of the estimated number of schedules (0 for one).
    pub log10_schedules: f64,
    /// The most operations a sampled schedule recorded.
    pub operations: usize,
}

impl Estimate {
    /// The sampling configuration an estimate for `config` needs: a few
    /// seeded shuttle-random schedules within `config`'s step limit, cut at
    /// ten seconds.
    pub fn sample_config(config: &Config) -> Config {
        let mut c = Config::new(Backend::ShuttleRandom)
            .with_seed(config.seed)
            .with_max_schedules(SAMPLES)
            .with_max_steps(config.max_steps)
            .with_max_duration(Duration::from_secs(10))
            .with_stall_timeout(config.stall_timeout);
        c.max_memory = config.max_memory;
        c
    }

    /// The estimate for `backend`, from a report of sampled schedules (run
    /// with [`Estimate::sample_config`]): its witnesses' traces.
    pub fn from_sample(sample: &Report, backend: Backend) -> Estimate {
        let mut log10 = 0f64;
        let mut operations = 0;
        for w in sample.outcomes.iter().filter_map(|r| r.witness.as_ref()) {
            let events = &w.trace.events;
            operations = operations.max(events.len());
            log10 = log10.max(log10_conflict_orders(events, backend == Backend::Loom));
        }
        Estimate {
            backend,
            log10_schedules: log10,
            operations,
        }
    }

    /// `about 4,200 schedules`, `about 10^38 schedules`.
    pub fn describe(&self) -> String {
        if self.log10_schedules < 6.0 {
            let n = 10f64.powf(self.log10_schedules).round() as u64;
            format!("about {} schedules", thousands(n))
        } else {
            format!("about 10^{:.0} schedules", self.log10_schedules.floor())
        }
    }

    /// Why an exploration with `config` should not start, in one line:
    /// `config`'s backend is exhaustive, neither a schedule count, a time
    /// limit nor a preemption bound bounds it (nor is it a replay), and the
    /// estimate is above
    /// 10^[`REFUSE_ABOVE_LOG10`]. `None` otherwise.
    pub fn refusal(&self, config: &Config) -> Option<String> {
        if !config.backend.exhaustive()
            || config.max_schedules.is_some()
            || config.max_duration.is_some()
            || config.replay.is_some()
            || config.preemption_bound.is_some()
            || self.log10_schedules <= REFUSE_ABOVE_LOG10
        {
            return None;
        }
        Some(format!(
            "refused: {} would need {} ({} operations per schedule) and cannot finish; give --max-schedules N or --max-seconds S to explore part of it, or smaller parameters",
            config.backend,
            self.describe(),
            thousands(self.operations as u64)
        ))
    }
}

/// log₁₀ of the ways to order conflicting operations, per object, largest.
fn log10_conflict_orders(events: &[Event], every_operation: bool) -> f64 {
    // Per object: per thread, its counted operations, and whether its last
    // one was a read.
    let mut per: BTreeMap<usize, BTreeMap<usize, (u64, bool)>> = BTreeMap::new();
    for e in events {
        let Some(o) = e.object else { continue };
        let read = match e.access {
            Access::Read => !every_operation,
            Access::Unlock | Access::Wake if every_operation => false,
            Access::Write
            | Access::ReadModifyWrite
            | Access::Lock
            | Access::TryLockFailed
            | Access::Wait
            | Access::Notify => false,
            // The rest of a section, a wake-up or a block is not a step of
            // its own for dpor.
            _ => continue,
        };
        let slot = per.entry(o).or_default().entry(e.thread).or_default();
        if !(read && slot.1) {
            slot.0 += 1;
        }
        slot.1 = read;
    }
    per.values()
        .map(|threads| log10_multinomial(threads.values().map(|c| c.0)))
        .fold(0.0, f64::max)
}

/// log₁₀ of `(Σcᵢ)! / Πcᵢ!`.
fn log10_multinomial(counts: impl Iterator<Item = u64>) -> f64 {
    let counts: Vec<u64> = counts.collect();
    let total: u64 = counts.iter().sum();
    log10_factorial(total) - counts.iter().map(|&c| log10_factorial(c)).sum::<f64>()
}

/// log₁₀ n!, exactly up to 1,000, by Stirling's series above.
fn log10_factorial(n: u64) -> f64 {
    if n <= 1000 {
        return (2..=n).map(|k| (k as f64).log10()).sum();
    }
    let x = n as f64;
    let ln = x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x);
    ln / std::f64::consts::LN_10
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multinomials_are_exact_where_they_can_be_counted() {
        // Two threads of two steps: C(4, 2) = 6 orders.
        assert!((log10_multinomial([2, 2].into_iter()) - 6f64.log10()).abs() < 1e-12);
        // Stirling agrees with the exact sum at the switch-over.
        let exact: f64 = (2..=1001u64).map(|k| (k as f64).log10()).sum();
        assert!((log10_factorial(1001) - exact).abs() < 1e-6);
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }
}
