//! Trace files: a violation saved with everything needed to run its schedule
//! again — pattern, variant, parameters, backend, bounds, the schedule token
//! and the trace itself — and [`TraceFile::replay`], which re-runs it and
//! compares the traces.
//!
//! Reading is strict: a file that is not JSON, is truncated, names an unknown
//! pattern, has parameters out of range, or whose rendered trace does not
//! match its events is refused with a one-line [`Error::BadTraceFile`].

use crate::error::Error;
use crate::pattern::Params;
use racetrace::Trace;
use racetrace::explore::{Report, Witness};
use racetrace::{Backend, Config, ReplayToken};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The `format` field of every trace file.
pub const FORMAT: &str = "racetrace-trace/1";

/// Largest trace file accepted.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// A saved schedule and its trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// The pattern.
    pub pattern: String,
    /// The variant.
    pub variant: String,
    /// The parameters.
    pub params: Params,
    /// The backend that found the schedule.
    pub backend: Backend,
    /// loom's preemption bound, if one was set (loom numbers its executions
    /// differently under different bounds).
    pub preemption_bound: Option<usize>,
    /// The seed of the random or PCT scheduler, if one was used.
    pub seed: Option<u64>,
    /// The schedule token (`loom/17`, `shuttle/0.1.1.2`).
    pub schedule: String,
    /// The recorded trace.
    pub trace: Trace,
    /// The trace as text, for people; must match `trace`.
    pub rendered: String,
}

/// What a replay produced.
#[derive(Clone, Debug, Serialize)]
pub struct Replayed {
    /// The trace of the re-run.
    pub trace: Trace,
    /// True when it is the saved trace, event for event.
    pub reproduced: bool,
    /// The first difference, when there is one.
    pub difference: Option<String>,
}

impl TraceFile {
    /// The trace file of a witness from a report of a built-in pattern.
    pub fn from_witness(report: &Report, witness: &Witness) -> Result<TraceFile, Error> {
        let (Some(pattern), Some(variant)) = (&report.pattern, &report.variant) else {
            return Err(Error::NotSavable(
                "only the built-in patterns can be saved to a trace file".into(),
            ));
        };
        let Some(schedule) = &witness.replay else {
            return Err(Error::NotSavable(format!(
                "a {} run cannot be replayed, so it cannot be saved",
                report.backend
            )));
        };
        Ok(TraceFile {
            format: FORMAT.to_string(),
            pattern: pattern.clone(),
            variant: variant.clone(),
            params: Params(report.params.clone()),
            backend: report.backend,
            preemption_bound: report.preemption_bound,
            seed: report.seed,
            schedule: schedule.clone(),
            rendered: witness.trace.render(),
            trace: witness.trace.clone(),
        })
    }

    /// Write the file (pretty JSON).
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(self).expect("a trace file serialises");
        std::fs::write(path, text + "\n").map_err(|source| Error::Io {
            action: "write",
            path: path.to_path_buf(),
            source,
        })
    }

    /// Read and check a file.
    pub fn load(path: &Path) -> Result<TraceFile, Error> {
        let meta = std::fs::metadata(path).map_err(|source| Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(Error::BadTraceFile(format!(
                "{} is {} bytes; the limit is {MAX_FILE_BYTES}",
                path.display(),
                meta.len()
            )));
        }
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
        TraceFile::parse(&bytes)
    }

    /// Parse and check the bytes of a trace file.
    pub fn parse(bytes: &[u8]) -> Result<TraceFile, Error> {
        let text =
            std::str::from_utf8(bytes).map_err(|_| Error::BadTraceFile("not UTF-8 text".into()))?;
        let file: TraceFile =
            serde_json::from_str(text).map_err(|e| Error::BadTraceFile(e.to_string()))?;
        file.validate()?;
        Ok(file)
    }

    fn validate(&self) -> Result<(), Error> {
        let bad = |s: String| Err(Error::BadTraceFile(s));
        if self.format != FORMAT {
            return bad(format!(
                "format is '{}', expected '{FORMAT}'",
                short(&self.format)
            ));
        }
        let pattern = crate::find(&self.pattern).map_err(|e| Error::BadTraceFile(e.to_string()))?;
        pattern
            .variant(&self.variant)
            .map_err(|e| Error::BadTraceFile(e.to_string()))?;
        let given: Vec<(String, usize)> =
            self.params.0.iter().map(|(k, v)| (k.clone(), *v)).collect();
        let full = pattern
            .params(&given)
            .map_err(|e| Error::BadTraceFile(e.to_string()))?;
        if full != self.params {
            return bad("parameters are incomplete".into());
        }
        let token: ReplayToken = self
            .schedule
            .parse()
            .map_err(|e: racetrace::Error| Error::BadTraceFile(e.to_string()))?;
        self.config(token)?
            .validate()
            .map_err(|e| Error::BadTraceFile(e.to_string()))?;
        if self.trace.threads.is_empty() {
            return bad("the trace has no threads".into());
        }
        for e in &self.trace.events {
            if e.thread >= self.trace.threads.len() {
                return bad(format!(
                    "event {} names thread {} of {}",
                    e.step,
                    e.thread,
                    self.trace.threads.len()
                ));
            }
        }
        if self.trace.render() != self.rendered {
            return bad("the rendered trace does not match the recorded events".into());
        }
        Ok(())
    }

    fn config(&self, token: ReplayToken) -> Result<Config, Error> {
        if self.backend == Backend::Real {
            return Err(Error::BadTraceFile(
                "real-thread runs cannot be replayed".into(),
            ));
        }
        let mut c = Config::new(self.backend);
        c.preemption_bound = self.preemption_bound;
        if let Some(s) = self.seed {
            c.seed = s;
        }
        c.replay = Some(token);
        Ok(c)
    }

    /// Run the saved schedule again and compare the traces.
    pub fn replay(&self) -> Result<Replayed, Error> {
        let pattern = crate::find(&self.pattern)?;
        let variant = pattern.variant(&self.variant)?;
        let token: ReplayToken = self.schedule.parse()?;
        let config = self.config(token)?;
        let report = crate::explore(pattern, variant, &self.params, &config)?;
        let Some(mut trace) = report
            .outcomes
            .into_iter()
            .find_map(|r| r.witness)
            .map(|w| w.trace)
        else {
            return Err(Error::BadTraceFile(format!(
                "schedule {} does not exist: the exploration has only {} schedules",
                self.schedule, report.schedules
            )));
        };
        trace.title = self.trace.title.clone();
        let difference = first_difference(&self.trace, &trace);
        Ok(Replayed {
            reproduced: difference.is_none(),
            difference,
            trace,
        })
    }
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

fn first_difference(saved: &Trace, now: &Trace) -> Option<String> {
    for (a, b) in saved.events.iter().zip(&now.events) {
        if a != b {
            return Some(format!("step {} differs", a.step));
        }
    }
    if saved.events.len() != now.events.len() {
        return Some(format!(
            "the saved trace has {} events, the replay {}",
            saved.events.len(),
            now.events.len()
        ));
    }
    if saved.outcome != now.outcome {
        return Some(format!(
            "outcome was '{}', now '{}'",
            saved.outcome, now.outcome
        ));
    }
    if saved != now {
        return Some("the traces differ".into());
    }
    None
}
