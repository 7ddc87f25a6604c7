//! The memory an exploration may use: what the process has resident, the
//! budget ([`Config::max_memory`] or a default from the system's available
//! memory), and how a stop over it is worded. Read by the watchdog and by
//! the tally between schedules.

use crate::config::Config;

/// The process's resident memory (`VmRSS` in `/proc/self/status`), where
/// that can be read.
pub(crate) fn resident_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    kib_field(&s, "VmRSS:").map(|k| k << 10)
}

/// The bound of an exploration stopped over its memory budget.
pub(super) fn over_budget(rss: u64, budget: u64) -> String {
    format!(
        "stopped: memory budget ({} MiB resident, budget {} MiB)",
        rss >> 20,
        budget >> 20
    )
}

/// The memory budget of an exploration: [`Config::max_memory`], else what
/// is resident now plus half of what the system has available
/// (`MemAvailable` in `/proc/meminfo`).
pub(super) fn budget(config: &Config) -> Option<u64> {
    config.max_memory.or_else(default_budget)
}

fn default_budget() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let available = kib_field(&info, "MemAvailable:")? << 10;
    Some(resident_bytes().unwrap_or(0) + available / 2)
}

/// `Name:   1234 kB` → 1234.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
