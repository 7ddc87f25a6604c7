//! What an exploration returns: [`Report`], its [`OutcomeRow`]s and their [`Witness`]es.

use crate::config::Backend;
use crate::trace::Trace;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// One distinct outcome of an exploration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeRow {
    /// The outcome (`3`, `deadlock`, `data-race`, `panic: …`).
    pub outcome: String,
    /// How many schedules ended with it.
    pub schedules: u64,
    /// Whether the spec allows it.
    pub allowed: bool,
    /// The spec's words for it.
    pub verdict: String,
    /// The witness with the fewest preemptions seen.
    pub witness: Option<Witness>,
}

/// A schedule that reaches an outcome, with its trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Witness {
    /// Which schedule of the exploration it was (1-based; under the
    /// portfolio, counted over all its phases; for a shrunk witness,
    /// [`Phase::shrunk_from`], the schedule it was shrunk from).
    pub schedule: u64,
    /// How to run exactly this schedule again (`loom/17`, `shuttle/0.1.1.2`);
    /// under the portfolio, on the backend of [`Witness::phase`].
    pub replay: Option<String>,
    /// Portfolio only: the phase that found it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// What happened.
    #[serde(flatten)]
    pub trace: Trace,
}

/// The phase of a [`Backend::Portfolio`] exploration that found a witness:
/// an exploration of its own, which replays it (its trace's title names
/// this backend and [`Phase::schedule`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    /// `dpor`, `shuttle-pct` or `shuttle-random`.
    pub backend: Backend,
    /// dpor's preemption bound in this phase, if it had one.
    pub preemption_bound: Option<usize>,
    /// The probe's seed.
    pub seed: Option<u64>,
    /// The witness's schedule number within the phase (1-based).
    pub schedule: u64,
    /// The largest preemption bound under which dpor had finished, without
    /// a violation, before this phase. Not a proof that no violation takes
    /// that few preemptions as the trace counts them: dpor counts at its own
    /// scheduling points, and a complete bounded dpor run has missed a
    /// one-preemption bug (`docs/bug-finding.md`, "The portfolio").
    pub clean_bound: Option<usize>,
    /// Set when the witness is not the phase's schedule itself but one the
    /// portfolio's shrinker derived from it, by letting preempted threads go
    /// on: the preemptions of the phase's schedule ([`Phase::schedule`]).
    /// The witness then replays from its token alone (on this backend); its
    /// title names the schedule it was shrunk from. Not a proof of fewest:
    /// that is still [`Phase::clean_bound`]'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrunk_from: Option<usize>,
}

/// The result of exploring one program under one backend.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// What was explored (`unsafe-counter/load-store · threads=2 ops=2`).
    pub label: String,
    /// The pattern, for the built-in patterns.
    pub pattern: Option<String>,
    /// The variant, for the built-in patterns.
    pub variant: Option<String>,
    /// The parameters, for the built-in patterns.
    pub params: BTreeMap<String, usize>,
    /// The backend.
    pub backend: Backend,
    /// The preemption bound (loom, dpor, rc11), when one was set.
    pub preemption_bound: Option<usize>,
    /// The seed, for the seeded backends.
    pub seed: Option<u64>,
    /// dpor: the part of the exploration tree explored
    /// ([`crate::Config::shard`]); `None` for the whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::Shard>,
    /// Schedules explored (under the portfolio: over all its phases, so a
    /// schedule two phases ran is counted twice).
    pub schedules: u64,
    /// `dpor` only: executions cut short because every runnable thread was in
    /// the sleep set (an ordering already covered); not counted in `schedules`.
    #[serde(default)]
    pub pruned: u64,
    /// True when every schedule (within the preemption bound, if any) was
    /// explored.
    pub complete: bool,
    /// Why exploration stopped short, or how it was sampled.
    pub bound: Option<String>,
    /// Every distinct outcome, numbers first in numeric order.
    pub outcomes: Vec<OutcomeRow>,
    /// Set when a limit of the backend (not the program) made exploration
    /// impossible, e.g. loom's four spawned threads: why. No outcome is
    /// blamed on the program then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cannot_explore: Option<String>,
    /// Set when the program used an ordering weaker than `SeqCst` under a
    /// backend that models sequential consistency only (dpor, shuttle-*,
    /// fuzz): the first such operation. Its weak-memory behaviours were not
    /// explored; loom explores them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weak_ordering: Option<String>,
    /// Set when a replay token did not fit the program (it was made for
    /// another program, or the program changed): where the two parted.
    /// The replayed outcome is then meaningless.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_mismatch: Option<String>,
    /// Wall-clock time of the exploration (not deterministic; never in snapshots).
    #[serde(with = "secs")]
    pub elapsed: Duration,
}

mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs_f64(f64::deserialize(d)?.max(0.0)))
    }
}

impl Report {
    /// The outcomes the spec forbids.
    pub fn violations(&self) -> impl Iterator<Item = &OutcomeRow> {
        self.outcomes.iter().filter(|r| !r.allowed)
    }

    /// The outcome strings reached, in table order.
    pub fn outcome_set(&self) -> Vec<&str> {
        self.outcomes.iter().map(|r| r.outcome.as_str()).collect()
    }

    /// The row of one outcome.
    pub fn row(&self, outcome: &str) -> Option<&OutcomeRow> {
        self.outcomes.iter().find(|r| r.outcome == outcome)
    }

    /// The first forbidden outcome's witness, if any. Under the portfolio,
    /// which keeps the witness with the fewest preemptions (its shrinker's
    /// may be of another forbidden outcome than the one it stopped at), the
    /// forbidden witness with the fewest preemptions, the first in table
    /// order on a tie.
    pub fn first_violation(&self) -> Option<&Witness> {
        let mut found = self.violations().filter_map(|r| r.witness.as_ref());
        if self.backend == Backend::Portfolio {
            return found.min_by_key(|w| w.trace.preemptions);
        }
        found.next()
    }

    /// Panic with the rendered witness of the first violation, and how to
    /// replay it, if there is one. For use in `#[test]`s.
    #[track_caller]
    pub fn assert_ok(&self) {
        if let Some(w) = self.first_violation() {
            let replay = match &w.replay {
                Some(t) => format!(
                    "\nreplay this schedule alone with {}={} (same backend and bounds)",
                    crate::config::ENV_REPLAY,
                    t
                ),
                None => String::new(),
            };
            panic!(
                "racetrace: forbidden outcome '{}' under {} after {} schedules\n{}{}",
                w.trace.outcome,
                self.backend,
                self.schedules,
                w.trace.render(),
                replay
            );
        }
    }

    /// The outcome table as text.
    pub fn render_table(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "{} · {}", self.label, self.backend_desc());
        let _ = writeln!(out, "{} schedules, {}", self.schedules, self.completeness());
        // Each column as wide as its widest cell, header included.
        let w = self
            .outcomes
            .iter()
            .map(|r| r.outcome.chars().count())
            .chain(["outcome".len()])
            .max()
            .unwrap_or_default();
        let n = self
            .outcomes
            .iter()
            .map(|r| r.schedules.to_string().len())
            .chain(["schedules".len()])
            .max()
            .unwrap_or_default();
        let _ = writeln!(out, " {:<w$} | {:>n$} | verdict", "outcome", "schedules");
        for r in &self.outcomes {
            let tag = if r.allowed { "allowed" } else { "FORBIDDEN" };
            let _ = writeln!(
                out,
                " {:<w$} | {:>n$} | {}: {}",
                r.outcome, r.schedules, tag, r.verdict
            );
        }
        out
    }

    /// `loom (preemption bound 2)`, `shuttle-pct (seed 0)`, …
    pub fn backend_desc(&self) -> String {
        let b = match (self.preemption_bound, self.seed) {
            (Some(k), _) => format!("{} (preemption bound {k})", self.backend),
            (None, Some(s)) => format!("{} (seed {s})", self.backend),
            _ => self.backend.to_string(),
        };
        match self.shard {
            Some(s) => format!("{b} · shard {s}"),
            None => b,
        }
    }

    /// The whole exploration from its shards' reports (each the same
    /// program and backend, with [`Report::shard`] `1/N` … `N/N`, each
    /// once, in any order): schedules and sleep-set-blocked runs added up,
    /// complete if every shard is, each outcome's count added up and its
    /// witness the one with the fewest preemptions, the lowest-numbered
    /// shard's on a tie; the time is the longest shard's. `Err` says why the reports do not fit.
    pub fn merge(parts: Vec<Report>) -> Result<Report, String> {
        Report::merge_first(parts, usize::MAX)
    }

    /// [`Report::merge`] of the first `upto` shards only (all of them if
    /// there are fewer): a `jobs` run stopped at the first violation keeps
    /// the shards up to the lowest one that found one.
    pub(crate) fn merge_first(mut parts: Vec<Report>, upto: usize) -> Result<Report, String> {
        let Some(first) = parts.first() else {
            return Err("no report to merge".into());
        };
        let total = match first.shard {
            Some(s) => s.total,
            None => {
                return Err(format!(
                    "'{}' is a whole exploration, not a shard",
                    first.label
                ));
            }
        };
        for r in &parts {
            let Some(s) = r.shard else {
                return Err(format!("'{}' is a whole exploration, not a shard", r.label));
            };
            if s.total != total {
                return Err(format!("shard {s} does not belong with shards of {total}"));
            }
            if (&r.label, r.backend, r.preemption_bound, &r.params)
                != (
                    &first.label,
                    first.backend,
                    first.preemption_bound,
                    &first.params,
                )
            {
                return Err(format!(
                    "shard {s} explored '{} · {}', shard {} '{} · {}'",
                    r.label,
                    r.backend_desc(),
                    first.shard.map(|s| s.to_string()).unwrap_or_default(),
                    first.label,
                    first.backend_desc()
                ));
            }
        }
        parts.sort_by_key(|r| r.shard.map(|s| s.index));
        for (i, r) in parts.iter().enumerate() {
            let index = r.shard.map(|s| s.index).unwrap_or_default();
            if index != i + 1 {
                let why = if index <= i {
                    format!("shard {index}/{total} is given twice")
                } else {
                    format!("shard {}/{total} is missing", i + 1)
                };
                return Err(why);
            }
        }
        if parts.len() != total.min(upto) {
            return Err(format!("shard {}/{total} is missing", parts.len() + 1));
        }
        let mut whole = parts[0].clone();
        whole.shard = None;
        whole.outcomes.clear();
        whole.schedules = 0;
        whole.pruned = 0;
        whole.complete = true;
        whole.bound = None;
        let mut rows: BTreeMap<String, OutcomeRow> = BTreeMap::new();
        for r in parts {
            whole.schedules += r.schedules;
            whole.pruned += r.pruned;
            whole.complete &= r.complete;
            if whole.bound.is_none()
                && let (Some(b), Some(s)) = (&r.bound, r.shard)
            {
                whole.bound = Some(format!("shard {s}: {b}"));
            }
            whole.cannot_explore = whole.cannot_explore.or(r.cannot_explore);
            whole.weak_ordering = whole.weak_ordering.or(r.weak_ordering);
            whole.elapsed = whole.elapsed.max(r.elapsed);
            // Parts in shard order: on a tie, the lowest shard's witness.
            add_rows(&mut rows, r.outcomes);
        }
        whole.outcomes = rows.into_values().collect();
        whole
            .outcomes
            .sort_by_key(|r| super::outcome_key(&r.outcome));
        Ok(whole)
    }

    /// `complete`, `complete within preemption bound 1`, `bounded: …`.
    pub fn completeness(&self) -> String {
        match (self.complete, self.preemption_bound, &self.bound) {
            (true, Some(k), _) => format!("complete within preemption bound {k}"),
            (true, None, _) => "complete".to_string(),
            (false, _, Some(b)) => format!("not exhaustive: {b}"),
            (false, _, None) => "not exhaustive".to_string(),
        }
    }
}

/// Add the rows `more` to `rows`: each outcome's count added up, and its
/// witness the one with the fewest preemptions, as in one exploration —
/// the one already there on a tie, so that a merge in a fixed order is
/// deterministic.
pub(crate) fn add_rows(
    rows: &mut BTreeMap<String, OutcomeRow>,
    more: impl IntoIterator<Item = OutcomeRow>,
) {
    for o in more {
        match rows.get_mut(&o.outcome) {
            Some(row) => {
                row.schedules += o.schedules;
                let fewer = match (&row.witness, &o.witness) {
                    (None, Some(_)) => true,
                    (Some(w), Some(x)) => x.trace.preemptions < w.trace.preemptions,
                    _ => false,
                };
                if fewer {
                    row.witness = o.witness;
                }
            }
            None => {
                rows.insert(o.outcome.clone(), o);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Backend, Config};

    /// Where a table line's column separators are, in characters.
    fn bars(line: &str) -> Vec<usize> {
        line.chars()
            .enumerate()
            .filter(|&(_, c)| c == '|')
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn table_columns_fit_their_widest_cell() {
        let mut r = crate::explore_outcomes(
            &Config::new(Backend::Dpor),
            "t",
            || "1".to_string(),
            |_| true,
        );
        assert_eq!(r.outcomes.len(), 1);
        let mut long = r.outcomes[0].clone();
        long.outcome = "an outcome longer than its header".into();
        long.schedules = 12_345_678_901_234;
        r.outcomes.push(long);
        for (name, schedules) in [("1", 3), ("1", 1_000_000_000)] {
            r.outcomes[0].outcome = name.into();
            r.outcomes[0].schedules = schedules;
            let text = r.render_table();
            let rows: Vec<&str> = text.lines().skip(2).collect();
            assert_eq!(rows.len(), 3, "{text}");
            for row in &rows {
                assert_eq!(bars(row), bars(rows[0]), "misaligned:\n{text}");
            }
            assert!(text.contains(" 12345678901234 | allowed"), "{text}");
            assert!(
                text.contains(&format!(" | {schedules:>14} | allowed")),
                "{text}"
            );
        }
        // Narrow cells: the headers set the widths, as before.
        r.outcomes.truncate(1);
        r.outcomes[0].schedules = 3;
        let text = r.render_table();
        assert!(text.contains(" outcome | schedules | verdict\n"), "{text}");
        assert!(text.contains(" 1       |         3 | allowed"), "{text}");
    }

    /// A merge keeps, for each outcome, the witness with the fewest
    /// preemptions of all the shards (the lowest shard's on a tie), not the
    /// first shard's: `--jobs` promises the same as one exploration.
    #[test]
    fn merged_witness_has_the_fewest_preemptions_of_all_shards() {
        let mut one = crate::explore_outcomes(
            &Config::new(Backend::Dpor),
            "t",
            || "1".to_string(),
            |_| true,
        );
        assert!(one.outcomes[0].witness.is_some());
        let mut parts = Vec::new();
        for (index, preemptions) in [(1, 3), (2, 1), (3, 2), (4, 1)] {
            one.shard = Some(crate::Shard { index, total: 4 });
            let w = one.outcomes[0].witness.as_mut().expect("a witness");
            w.trace.preemptions = preemptions;
            w.schedule = index as u64;
            parts.push(one.clone());
        }
        parts.reverse(); // the order the shards finished in does not matter
        let whole = super::Report::merge(parts).expect("four shards of four");
        let w = whole.outcomes[0].witness.as_ref().expect("a witness");
        assert_eq!((w.trace.preemptions, w.schedule), (1, 2), "{whole:?}");
        assert_eq!(whole.outcomes[0].schedules, 4);
    }
}
