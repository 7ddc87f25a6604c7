//! Specs, jcstress-style: each variant declares which outcomes are allowed and
//! whether it is expected to hold or to show a bug. The explorer, the CLI and
//! the tests all read the same declaration.

use crate::params::Params;
use racetrace::Report;
use serde::ser::{Serialize, SerializeMap, Serializer};

/// What a variant is expected to do. In JSON, two keys (docs/json.md):
/// `"expect": "holds"` or `"bug"`, and `"bug"`: the bug's name or `null`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// No schedule reaches a forbidden outcome.
    Holds,
    /// Some schedule reaches a forbidden outcome: the named bug.
    Bug(&'static str),
}

impl Expect {
    /// `holds` or `bug`.
    pub fn kind(self) -> &'static str {
        match self {
            Expect::Holds => "holds",
            Expect::Bug(_) => "bug",
        }
    }

    /// The bug's name, if one is expected.
    pub fn bug(self) -> Option<&'static str> {
        match self {
            Expect::Holds => None,
            Expect::Bug(b) => Some(b),
        }
    }
}

impl std::fmt::Display for Expect {
    /// `holds`, `bug: deadlock`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Holds => f.write_str("holds"),
            Expect::Bug(b) => write!(f, "bug: {b}"),
        }
    }
}

impl Serialize for Expect {
    /// Always both keys, so every row has the same ones (`bug` is `null`
    /// for a variant that should hold); flattened into the rows that carry it.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("expect", self.kind())?;
        m.serialize_entry("bug", &self.bug())?;
        m.end()
    }
}

/// A variant's specification.
#[derive(Clone, Copy)]
pub struct Spec {
    /// The property, in words (`counter = threads × ops`).
    pub property: &'static str,
    /// Whether the variant should hold or show a bug.
    pub expect: Expect,
    /// Is this outcome allowed with these parameters? `deadlock`, `data-race`
    /// and `panic: …` reach this function too.
    pub allowed: fn(&Params, &str) -> bool,
    /// Words for an outcome (`lost update (expected 4)`).
    pub explain: fn(&Params, &str) -> String,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec")
            .field("property", &self.property)
            .field("expect", &self.expect)
            .finish_non_exhaustive()
    }
}

/// How one exploration compares with its spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Expected to hold; no violation in any schedule, and every schedule was explored.
    Verified,
    /// Expected to hold; no violation, but exploration was bounded (schedules,
    /// time or preemptions) or sampled.
    HoldsBounded,
    /// Expected to hold; a forbidden outcome was reached.
    Violated,
    /// Expected bug; found.
    BugFound,
    /// Expected bug; not found by a backend that was required to find it.
    BugMissed,
    /// Expected bug; not seen by a backend only run for information (stress
    /// testing, a sample, or an exhaustive search stopped at its cap).
    BugNotSeen,
}

impl Verdict {
    /// Judge a report against a spec. `required` is false for runs that are
    /// shown for information only (real threads on a buggy variant).
    pub fn of(spec: &Spec, report: &Report, required: bool) -> Verdict {
        let violated = report.violations().next().is_some();
        match (spec.expect, violated) {
            (Expect::Holds, true) => Verdict::Violated,
            // Complete within a preemption bound is still a bound.
            (Expect::Holds, false) if report.complete && report.preemption_bound.is_none() => {
                Verdict::Verified
            }
            (Expect::Holds, false) => Verdict::HoldsBounded,
            (Expect::Bug(_), true) => Verdict::BugFound,
            (Expect::Bug(_), false) if required => Verdict::BugMissed,
            (Expect::Bug(_), false) => Verdict::BugNotSeen,
        }
    }

    /// Does this verdict agree with the spec?
    pub fn ok(self) -> bool {
        !matches!(self, Verdict::Violated | Verdict::BugMissed)
    }

    /// The verdict in words, without how far the search went (a check row
    /// says that: [`crate::CheckRow::describe`]).
    pub fn describe(self) -> &'static str {
        match self {
            Verdict::Verified => "verified (exhaustive)",
            Verdict::HoldsBounded => "holds",
            Verdict::Violated => "VIOLATED",
            Verdict::BugFound => "bug found",
            Verdict::BugMissed => "bug MISSED",
            Verdict::BugNotSeen => "bug not seen",
        }
    }
}
