//! How many schedules an exhaustive exploration would take, estimated from
//! a few sampled ones (and, for loom, a short probe of loom itself) — to
//! refuse sizes that cannot finish.
//!
//! A sampled schedule's trace says how many operations each thread performs
//! on each object. dpor runs about one schedule per distinct order of
//! conflicting operations; the operations on one object, `cᵢ` of them by
//! thread `i`, can be ordered in `(Σcᵢ)! / Πcᵢ!` ways (a multinomial), and
//! the estimate is the largest of these over the objects — exact for one
//! shared counter, a lower bound when several objects are ordered
//! independently. A critical section counts once (its `lock`), and
//! consecutive reads by one thread of one object count once (reads
//! commute). shuttle's DFS reduces nothing and runs many more, so for it the
//! same figure is a lower bound (the multinomial of all operations
//! overestimated spinning programs by 10⁵). Only the order of magnitude
//! matters: it tells a search of thousands of schedules from one of 10³⁸
//! (`unsafe-counter --threads 16 --ops 1000`).
//!
//! **loom**'s reduction is a depth-first search without sleep sets, and how
//! much it prunes depends on the program in ways no count of operations
//! predicts: counting every operation (loom neither treats a critical
//! section as one step nor lets reads commute), `process-pool --param
//! workers=4` is about 10⁵ while loom does not finish; multiplying the
//! objects' orders instead, `async-counter async-lock` is 10¹¹·⁷ while loom
//! runs 296 schedules. So when a loom exploration could be refused (no
//! preemption bound, no schedule or time limit) loom itself runs for
//! [`PROBE_SCHEDULES`] schedules (at most [`PROBE_SECONDS`]), with the
//! exploration's own configuration. If it finishes, the count is exact, and
//! its report is the exploration's ([`Estimate::measure_keeping`]: the
//! command line does not run it again). If not, loom's exploration path (written
//! with loom's `checkpoint` feature) gives, for every branch point from the
//! root down, how many alternatives loom has explored there and how many it
//! knows of; assuming the subtrees at a branch point are the same size, the
//! finished subtrees are the fraction `f = Σ_d (done_d / known_d) · Π_{e<d}
//! 1/known_e` of the tree, and the estimate is `schedules / f`: within a
//! factor of 1.7 of the whole count after 2,000–10,000 schedules of six
//! unbounded loom runs of 4,582–105,880 schedules (docs/performance.md).
//! (With a preemption bound loom keeps alternatives pending that the bound
//! later drops, and it overestimates up to 300 times; a bounded exploration
//! is never probed: its loom estimate is the sample's, every operation
//! counted.) Alternatives loom has not discovered yet are missing from
//! `known`, so on larger trees it errs low, less the longer the probe:
//! `semaphore bounded`, 848,548 schedules, reads 10⁴·⁷ after 5,000 and
//! 10⁵·⁷ after 40,000; `process-pool --param workers=4` reads about 10⁹
//! after 40,000 and 10⁹·⁸⁵ after 3.6 million (ten minutes), still rising. The refusal weighs time:
//! the estimate at the rate the probe ran, above
//! [`LOOM_REFUSE_ABOVE_HOURS`].

use super::report::Report;
use crate::config::{Backend, Config, LOOM_CHECKPOINT_EVERY};
use crate::trace::{Access, Event};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Estimates above 10^this many schedules are refused by
/// [`Estimate::refusal`]: at the 5,000–30,000 schedules a second dpor runs
/// here, 10⁹ is a day or more.
pub const REFUSE_ABOVE_LOG10: f64 = 9.0;

/// loom explorations the probe estimates to take longer than this many
/// hours, at the rate it ran, are refused by [`Estimate::refusal`].
pub const LOOM_REFUSE_ABOVE_HOURS: f64 = 8.0;

/// The loom probe runs this many schedules at most (about 2–5 s here)...
pub const PROBE_SCHEDULES: u64 = 32_768;
/// ...and this many seconds at most.
pub const PROBE_SECONDS: u64 = 5;

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
    /// loom: what the probe of loom itself measured, when one ran (see the
    /// module's documentation).
    pub probe: Option<Probe>,
}

/// A short run of loom on the program, for [`Estimate`].
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    /// Schedules it ran.
    pub schedules: u64,
    /// Whether they were all of them (the estimate is then exact).
    pub complete: bool,
    /// How long it ran, in seconds.
    pub seconds: f64,
}

impl Probe {
    /// Schedules a second.
    pub fn rate(&self) -> f64 {
        self.schedules as f64 / self.seconds.max(1e-3)
    }
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

    /// Estimate the exploration `config` asks for: `run` explores with the
    /// configurations it is given ([`Estimate::sample_config`]'s, and for a
    /// loom exploration that [`Estimate::refusal`] could refuse, the loom
    /// probe's) and returns their reports.
    pub fn measure<E>(
        config: &Config,
        run: impl FnMut(&Config) -> Result<Report, E>,
    ) -> Result<Estimate, E> {
        Ok(Self::measure_keeping(config, run)?.0)
    }

    /// [`Estimate::measure`], and when loom finished inside the probe, the
    /// probe's report: the exploration `config` asks for, whole (the probe
    /// runs with `config` itself, bounded by [`PROBE_SCHEDULES`] and
    /// [`PROBE_SECONDS`], which it did not reach), so that the caller need
    /// not run it a second time.
    pub fn measure_keeping<E>(
        config: &Config,
        mut run: impl FnMut(&Config) -> Result<Report, E>,
    ) -> Result<(Estimate, Option<Report>), E> {
        let sample = run(&Self::sample_config(config))?;
        let mut e = Self::from_sample(&sample, config.backend);
        if config.backend == Backend::Loom && could_refuse(config) {
            let file = ProbeFile::new();
            let mut c = config.clone();
            c.max_schedules = Some(PROBE_SCHEDULES);
            c.max_duration = Some(Duration::from_secs(PROBE_SECONDS));
            c.loom_checkpoint = Some(file.0.clone());
            c.jobs = 1;
            c.progress = false;
            let report = run(&c)?;
            e.probed(&report, &file.0);
            if report.complete && config.jobs <= 1 {
                return Ok((e, Some(report)));
            }
        }
        Ok((e, None))
    }

    /// Replace a loom estimate by what a probe of loom found (`report`,
    /// with loom's path in `checkpoint`).
    fn probed(&mut self, report: &Report, checkpoint: &Path) {
        let schedules = report.schedules;
        let log10 = if report.complete {
            (schedules.max(1) as f64).log10()
        } else {
            let Some(text) = std::fs::read_to_string(checkpoint).ok() else {
                return;
            };
            let Some(f) = explored_fraction(&text) else {
                return;
            };
            // The path was written at the last multiple of the interval.
            let at = (schedules / LOOM_CHECKPOINT_EVERY as u64 * LOOM_CHECKPOINT_EVERY as u64)
                .max(1) as f64;
            (at.log10() - f.log10()).max((schedules.max(1) as f64).log10())
        };
        self.log10_schedules = log10;
        self.probe = Some(Probe {
            schedules,
            complete: report.complete,
            seconds: report.elapsed.as_secs_f64(),
        });
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
            probe: None,
        }
    }

    /// loom: the hours the exploration would take at the probe's rate
    /// (`None` without a probe, or when the probe finished it).
    pub fn hours(&self) -> Option<f64> {
        let p = self.probe.as_ref().filter(|p| !p.complete)?;
        Some(10f64.powf(self.log10_schedules) / p.rate() / 3600.0)
    }

    /// `about 4,200 schedules`, `about 10^38 schedules`.
    pub fn describe(&self) -> String {
        if self.log10_schedules < 6.0 {
            let n = 10f64.powf(self.log10_schedules).round() as u64;
            format!("about {} schedules", thousands(n))
        } else {
            format!("about 10^{:.0} schedules", self.log10_schedules.round())
        }
    }

    /// Why an exploration with `config` should not start, in one line:
    /// `config`'s backend is exhaustive, neither a schedule count, a time
    /// limit nor a preemption bound bounds it (nor is it a replay), and the
    /// estimate is above
    /// 10^[`REFUSE_ABOVE_LOG10`]. `None` otherwise.
    ///
    /// For loom with a probe ([`Estimate::measure`]) the test is time
    /// instead: the estimate at the probe's rate, above
    /// [`LOOM_REFUSE_ABOVE_HOURS`].
    pub fn refusal(&self, config: &Config) -> Option<String> {
        if !could_refuse(config) {
            return None;
        }
        if let Some(p) = &self.probe {
            let hours = self.hours()?;
            if hours <= LOOM_REFUSE_ABOVE_HOURS {
                return None;
            }
            return Some(format!(
                "refused: {} would need {} (about {} at the {} a second of a {:.0}-second probe of loom) and cannot finish; give --max-schedules N or --max-seconds S to explore part of it, --preemption-bound K, or smaller parameters",
                config.backend,
                self.describe(),
                describe_hours(hours),
                thousands(p.rate().round() as u64),
                p.seconds.max(1.0)
            ));
        }
        if self.log10_schedules <= REFUSE_ABOVE_LOG10 {
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

/// Could [`Estimate::refusal`] refuse an exploration with `config`: an
/// exhaustive backend, and neither a schedule count, a time limit, a
/// preemption bound nor a replay bounds it?
fn could_refuse(config: &Config) -> bool {
    config.backend.exhaustive()
        && config.max_schedules.is_none()
        && config.max_duration.is_none()
        && config.replay.is_none()
        && config.preemption_bound.is_none()
}

/// `26 hours`, `3 days`, `40 years`.
fn describe_hours(h: f64) -> String {
    let (n, unit) = if h < 48.0 {
        (h, "hours")
    } else if h < 24.0 * 730.0 {
        (h / 24.0, "days")
    } else {
        (h / (24.0 * 365.0), "years")
    };
    if n < 1e6 {
        format!("{} {unit}", thousands(n.round() as u64))
    } else {
        format!("10^{:.0} {unit}", n.log10().floor())
    }
}

/// The part of loom's tree its depth-first search has finished, read from
/// loom's serialized exploration path (`checkpoint`): at each branch point
/// from the root, the alternatives it has explored (`Visited`; a load's
/// values before the current one) out of those it knows of (`Visited`,
/// `Active`, `Pending`; a load's values), assuming equal subtrees.
/// `None` if the text is not such a path, or nothing is finished yet.
fn explored_fraction(checkpoint: &str) -> Option<f64> {
    let v: serde_json::Value = serde_json::from_str(checkpoint).ok()?;
    let entries = v.get("branches")?.get("entries")?.as_array()?;
    let mut fraction = 0f64;
    let mut weight = 1f64;
    for e in entries {
        let (done, known) = if let Some(s) = e.get("Schedule") {
            let threads = s.get("threads")?.as_array()?;
            let count = |names: &[&str]| {
                threads
                    .iter()
                    .filter(|t| t.as_str().is_some_and(|t| names.contains(&t)))
                    .count()
            };
            if s.get("exploring")?.as_bool()? {
                (
                    count(&["Visited"]),
                    count(&["Visited", "Active", "Pending"]),
                )
            } else {
                (0, 1)
            }
        } else if let Some(l) = e.get("Load") {
            if l.get("exploring")?.as_bool()? {
                (
                    l.get("pos")?.as_u64()? as usize,
                    l.get("len")?.as_u64()? as usize,
                )
            } else {
                (0, 1)
            }
        } else if let Some(sp) = e.get("Spurious") {
            if sp.get("exploring")?.as_bool()? {
                (usize::from(sp.get("spur")?.as_bool()?), 2)
            } else {
                (0, 1)
            }
        } else {
            return None;
        };
        let known = known.max(1) as f64;
        fraction += weight * done as f64 / known;
        weight /= known;
    }
    (fraction > 0.0).then_some(fraction)
}

/// The file a loom probe's path is written to (loom's `checkpoint_file`): a
/// new name in the temporary directory, removed when dropped. (loom reads
/// the file at the start if it exists, so it must not.)
struct ProbeFile(PathBuf);

impl ProbeFile {
    fn new() -> ProbeFile {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir();
        remove_stale(&dir);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{PROBE_PREFIX}{}-{n}.json", std::process::id()));
        let _ = std::fs::remove_file(&path);
        ProbeFile(path)
    }
}

impl Drop for ProbeFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const PROBE_PREFIX: &str = "racetrace-loom-probe-";

/// Remove the probe files of processes that are gone (killed during a
/// probe), where `/proc` tells which are.
fn remove_stale(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PROBE_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
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

    /// The root has three alternatives, the first done and the second under
    /// way; below it, two, the first done: half the tree is finished.
    #[test]
    fn the_explored_fraction_of_a_loom_path() {
        let schedule = |threads: &[&str]| {
            serde_json::json!({"Schedule": {"preemptions": 0, "initial_active": 0,
                "threads": threads, "prev": null, "exploring": true}})
        };
        let path = serde_json::json!({"preemption_bound": null, "pos": 0,
            "branches": {"entries": [
                schedule(&["Visited", "Active", "Pending", "Disabled", "Disabled"]),
                schedule(&["Visited", "Skip", "Active", "Disabled", "Disabled"]),
                {"Load": {"values": [0, 0, 0, 0, 0, 0, 0], "pos": 0, "len": 2, "exploring": true}},
            ]},
            "exploring": true, "skipping": false, "exploring_on_start": true});
        let f = explored_fraction(&path.to_string()).unwrap();
        assert!((f - 0.5).abs() < 1e-12, "{f}");
        // Nothing finished yet, or not a path: no estimate.
        let fresh =
            serde_json::json!({"branches": {"entries": [schedule(&["Active", "Pending"])]}});
        assert_eq!(explored_fraction(&fresh.to_string()), None);
        assert_eq!(explored_fraction("{}"), None);
        assert_eq!(describe_hours(26.4), "26 hours");
        assert_eq!(describe_hours(24.0 * 40.0), "40 days");
    }
}
