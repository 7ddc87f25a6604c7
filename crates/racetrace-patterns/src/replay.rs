//! Trace files: a violation saved with everything needed to run its schedule
//! again — pattern, variant, parameters, backend, bounds, the schedule token
//! and the trace itself — and [`TraceFile::replay`], which re-runs it and
//! compares the traces.
//!
//! Reading is strict: a file that is not a regular file, is larger than
//! [`MAX_FILE_BYTES`], is not JSON, is truncated, has a field racetrace does
//! not write (anywhere, the trace's events included) or a key twice, names
//! an unknown pattern, has parameters out of range, a seed where the backend
//! has none (or none where it has one), a title that is not the one
//! racetrace gives this pattern, variant, parameters and backend, or a
//! rendered trace that does not match its events is refused with a one-line
//! [`Error::BadTraceFile`].
//!
//! [`TraceFile::replay`] then tells an edited file from a program that
//! changed. The schedule token must fit the program exactly — every step
//! taken, none left over, the program not going on past its last step —
//! or the file is refused ([`Error::BadTraceFile`]). A token that fits but
//! gives another trace is a *different trace* ([`Replayed::reproduced`] is
//! false). A token that gives the same trace must also be the schedule the
//! file says found it: the exploration it names (backend, seed, preemption
//! bound) is run again up to the schedule number in the title, and a
//! schedule there other than the file's means the seed, bound, backend or
//! title was edited, and the file is refused. (loom's token *is* that
//! number, so its replay is that check; a `fuzz` file's schedule may come
//! from libFuzzer's bytes rather than its seed, so it is not checked.) A
//! portfolio's shrunk witness (title `… · schedule N · shrunk from K
//! preemptions`) is not schedule N itself but one derived from it with
//! fewer preemptions: schedule N must then be a violation with K.

use crate::error::Error;
use crate::pattern::{Params, Pattern, Variant};
use racetrace::Trace;
use racetrace::explore::{Report, Witness};
use racetrace::{Backend, Config, ReplayToken};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// The `format` field of every trace file.
pub const FORMAT: &str = "racetrace-trace/1";

/// Largest trace file accepted.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// How long [`TraceFile::replay`] may spend running the file's exploration
/// again to find the schedule its title names.
pub const ORIGIN_BUDGET: Duration = Duration::from_secs(60);

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
    /// The backend that found the schedule (for a portfolio's witness, the
    /// backend of the phase that found it).
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
        // A portfolio's witness replays on the backend of its phase, as
        // that phase's own exploration (its title names it).
        let (backend, preemption_bound, seed) = match &witness.phase {
            Some(p) => (p.backend, p.preemption_bound, p.seed),
            None => (report.backend, report.preemption_bound, report.seed),
        };
        Ok(TraceFile {
            format: FORMAT.to_string(),
            pattern: pattern.clone(),
            variant: variant.clone(),
            params: Params(report.params.clone()),
            backend,
            preemption_bound,
            seed,
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

    /// Read and check a file. Only a regular file is read (a FIFO, a device
    /// such as `/dev/zero` or a directory is refused before it is opened),
    /// and at most [`MAX_FILE_BYTES`] + 1 bytes of it, whatever its
    /// metadata says.
    pub fn load(path: &Path) -> Result<TraceFile, Error> {
        let io = |source| Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        };
        regular_file(path, &std::fs::metadata(path).map_err(io)?)?;
        let file = std::fs::File::open(path).map_err(io)?;
        TraceFile::read(path, file)
    }

    /// Check and read an opened trace file (`path` names it in errors): the
    /// caller has opened it, say without blocking. It must be a regular file
    /// (checked on the open file) of at most [`MAX_FILE_BYTES`].
    pub fn read(path: &Path, file: std::fs::File) -> Result<TraceFile, Error> {
        let io = |source| Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        };
        regular_file(path, &file.metadata().map_err(io)?)?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(Error::BadTraceFile(format!(
                "{} is larger than the limit of {MAX_FILE_BYTES} bytes",
                path.display()
            )));
        }
        TraceFile::parse(&bytes)
    }

    /// Parse and check the bytes of a trace file.
    pub fn parse(bytes: &[u8]) -> Result<TraceFile, Error> {
        let text =
            std::str::from_utf8(bytes).map_err(|_| Error::BadTraceFile("not UTF-8 text".into()))?;
        let file: TraceFile = serde_json::from_str(text)
            .map_err(|e| Error::BadTraceFile(one_line(&e.to_string())))?;
        // The nested types do not refuse unknown fields, and a map takes a
        // repeated key's last value: compare with what racetrace writes.
        let written: Strict = serde_json::from_str(text)
            .map_err(|e| Error::BadTraceFile(one_line(&e.to_string())))?;
        let ours = serde_json::to_value(&file).expect("a trace file serialises");
        if let Some(why) = first_extra("", &written.0, &ours) {
            return Err(Error::BadTraceFile(why));
        }
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
        let pattern = crate::find(&self.pattern)
            .map_err(|e| Error::BadTraceFile(one_line(&e.to_string())))?;
        pattern
            .variant(&self.variant)
            .map_err(|e| Error::BadTraceFile(one_line(&e.to_string())))?;
        let given: Vec<(String, usize)> =
            self.params.0.iter().map(|(k, v)| (k.clone(), *v)).collect();
        let full = pattern
            .params(&given)
            .map_err(|e| Error::BadTraceFile(one_line(&e.to_string())))?;
        if full != self.params {
            return bad("parameters are incomplete".into());
        }
        let token: ReplayToken = self
            .schedule
            .parse()
            .map_err(|e: racetrace::Error| Error::BadTraceFile(one_line(&e.to_string())))?;
        match (self.backend.seeded(), self.seed) {
            (true, None) => {
                return bad(format!(
                    "backend {} is seeded but no seed is given",
                    self.backend
                ));
            }
            (false, Some(s)) => {
                return bad(format!(
                    "seed {s} is given but backend {} has no seed",
                    self.backend
                ));
            }
            _ => {}
        }
        self.config(token.clone())?
            .validate()
            .map_err(|e| match e {
                // The environment, not the file, is wrong: say so.
                e @ racetrace::Error::BadEnv { .. } => Error::Config(e),
                e => Error::BadTraceFile(one_line(&e.to_string())),
            })?;
        let (_, n) = self.schedule_number()?;
        if let ReplayToken::Loom(k) = token
            && k != n
        {
            return bad(format!(
                "the title names schedule {n} but the schedule token is loom/{k}"
            ));
        }
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

    /// The label [`crate::explore`] gives the exploration of this file's
    /// pattern, variant and parameters.
    fn label(&self) -> String {
        match self.params.describe() {
            d if d.is_empty() => format!("{}/{}", self.pattern, self.variant),
            d => format!("{}/{} · {d}", self.pattern, self.variant),
        }
    }

    /// The schedule number in the trace's title, which must be the title
    /// the exploration gives it: `LABEL · BACKEND · schedule N`.
    /// The title's schedule number, and the part it is numbered within: a
    /// shard (`… · dpor · shard 3/8 · schedule 4`) or the prefix of a
    /// `--jobs` run (`… · dpor · prefix 17 · schedule 4`).
    fn schedule_number(&self) -> Result<(Within, u64), Error> {
        if let Some(k) = self.shrunk_from()?
            && self.trace.preemptions >= k
        {
            return Err(Error::BadTraceFile(format!(
                "the title says the schedule was shrunk from {k} preemptions, but it has {}",
                self.trace.preemptions
            )));
        }
        let prefix = format!("{} · {} · ", self.label(), self.backend);
        let number = |n: &str| {
            n.parse::<u64>()
                .ok()
                .filter(|k| *k >= 1 && k.to_string() == n)
        };
        let found = self.trace.title.strip_prefix(&prefix).and_then(|rest| {
            if let Some(r) = rest.strip_prefix("shard ") {
                let (text, n) = r.split_once(" · schedule ")?;
                // Only as the title writes it (no `03/8`).
                let shard: racetrace::Shard = text
                    .parse()
                    .ok()
                    .filter(|s: &racetrace::Shard| s.to_string() == text)?;
                Some((Within::Shard(shard), number(n)?))
            } else if let Some(r) = rest.strip_prefix("prefix ") {
                let (text, n) = r.split_once(" · schedule ")?;
                let p = text
                    .parse::<usize>()
                    .ok()
                    .filter(|p| p.to_string() == text)?;
                Some((Within::Prefix(p), number(n)?))
            } else {
                let rest = rest.strip_prefix("schedule ")?;
                // A portfolio's shrunk witness: `schedule N · shrunk
                // from K preemptions` (checked by `confirm_origin`).
                let n = rest.split_once(" · shrunk from ").map_or(rest, |(n, _)| n);
                Some((Within::Whole, number(n)?))
            }
        });
        found.ok_or_else(|| {
            Error::BadTraceFile(format!(
                "the title '{}' is not '{prefix}schedule N' (or '{prefix}shard K/N · schedule N', '{prefix}prefix P · schedule N') for this file's pattern, variant, parameters and backend",
                short(&self.trace.title)
            ))
        })
    }

    /// A portfolio's shrunk witness (its title ends `· shrunk from K
    /// preemptions`): K, the preemptions of the schedule its title names.
    fn shrunk_from(&self) -> Result<Option<usize>, Error> {
        let Some((_, rest)) = self.trace.title.rsplit_once(" · shrunk from ") else {
            return Ok(None);
        };
        rest.strip_suffix(" preemptions")
            .and_then(|k| k.parse::<usize>().ok().filter(|n| n.to_string() == k))
            .map(Some)
            .ok_or_else(|| {
                Error::BadTraceFile(format!(
                    "the title '{}' does not end '· shrunk from K preemptions'",
                    short(&self.trace.title)
                ))
            })
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

    /// Run the saved schedule again and compare the traces (see the
    /// module's documentation for what is an error and what is a
    /// different trace). The file's fields are trusted as
    /// [`TraceFile::parse`] checked them.
    pub fn replay(&self) -> Result<Replayed, Error> {
        let pattern = crate::find(&self.pattern)?;
        let variant = pattern.variant(&self.variant)?;
        let token: ReplayToken = self.schedule.parse()?;
        let shuttle_token = matches!(token, ReplayToken::Shuttle(_));
        let config = self.config(token)?;
        let report = crate::explore(pattern, variant, &self.params, &config)?;
        if let Some(why) = &report.replay_mismatch {
            return Err(Error::BadTraceFile(format!(
                "schedule {} does not fit {}/{}: {}",
                short(&self.schedule),
                self.pattern,
                self.variant,
                one_line(why)
            )));
        }
        let Some(witness) = report.outcomes.into_iter().find_map(|r| r.witness) else {
            return Err(Error::BadTraceFile(format!(
                "schedule {} does not exist: the exploration has only {}",
                short(&self.schedule),
                schedules(report.schedules)
            )));
        };
        if shuttle_token && witness.replay.as_deref() != Some(self.schedule.as_str()) {
            // The run stops once the program ends, so steps the token has
            // beyond it are never asked for: compare what it took.
            let taken = witness.replay.unwrap_or_default();
            let why = match self.schedule.strip_prefix(&taken) {
                Some(rest) if rest.starts_with('.') || taken == "shuttle/" => format!(
                    "the program ended after its first {} steps; the rest ({}) were not taken",
                    steps(&taken),
                    short(rest.trim_start_matches('.'))
                ),
                _ => format!("the replay took schedule {}", short(&taken)),
            };
            return Err(Error::BadTraceFile(format!(
                "schedule {} does not fit {}/{}: {why}",
                short(&self.schedule),
                self.pattern,
                self.variant,
            )));
        }
        let mut trace = witness.trace;
        if shuttle_token {
            // A shuttle token runs one schedule, so the replay is titled
            // schedule 1; the title's number is checked by `confirm_origin`.
            trace.title = self.trace.title.clone();
        }
        let difference = first_difference(&self.trace, &trace);
        if difference.is_none() && shuttle_token && self.backend != Backend::Fuzz {
            self.confirm_origin(pattern, variant)?;
        }
        Ok(Replayed {
            reproduced: difference.is_none(),
            difference,
            trace,
        })
    }

    /// Run the exploration the file names (backend, seed, bound) up to the
    /// schedule number in its title: that schedule must be the file's.
    /// The file's witness was the first of its outcome with that few
    /// preemptions, so it is its outcome's witness in this shorter run too.
    fn confirm_origin(
        &self,
        pattern: &'static Pattern,
        variant: &'static Variant,
    ) -> Result<(), Error> {
        let (within, n) = self.schedule_number()?;
        let mut c = Config::new(self.backend);
        match within {
            Within::Shard(s) => c.shard = Some(s),
            Within::Prefix(p) => c.prefix = Some(p),
            Within::Whole => {}
        }
        c.preemption_bound = self.preemption_bound;
        if let Some(s) = self.seed {
            c.seed = s;
        }
        c.max_schedules = Some(n);
        c.max_duration = Some(ORIGIN_BUDGET);
        let report = crate::explore(pattern, variant, &self.params, &c)?;
        let at_n = report
            .outcomes
            .iter()
            .filter_map(|r| r.witness.as_ref())
            .find(|w| w.schedule == n);
        // A shrunk witness is not that schedule, but one derived from it:
        // that schedule must be a violation with the preemptions the title
        // names (the file's own trace was checked by its replay).
        if let Some(k) = self.shrunk_from()? {
            return match at_n {
                Some(w) if !w.trace.allowed && w.trace.preemptions == k => Ok(()),
                _ => Err(Error::BadTraceFile(format!(
                    "edited: schedule {n} of backend {} is not a violation with {k} preemptions, which the title says this one was shrunk from",
                    self.backend
                ))),
            };
        }
        let named = || {
            let mut s = format!("backend {}", self.backend);
            if let Some(seed) = self.seed {
                s += &format!(" with seed {seed}");
            }
            if let Some(k) = self.preemption_bound {
                s += &format!(" with preemption bound {k}");
            }
            s
        };
        match at_n {
            Some(w)
                if w.replay.as_deref() == Some(self.schedule.as_str()) && w.trace == self.trace =>
            {
                Ok(())
            }
            _ if report.schedules >= n => Err(Error::BadTraceFile(format!(
                "edited: schedule {n} of {} is not the file's schedule (was the seed, preemption bound, backend or title changed?)",
                named()
            ))),
            _ if report.complete => Err(Error::BadTraceFile(format!(
                "edited: {} explores only {}, not the {n} the title names",
                named(),
                schedules(report.schedules)
            ))),
            _ => Err(Error::BadTraceFile(format!(
                "could not confirm schedule {n} of {}: only {} in {} s",
                named(),
                schedules(report.schedules),
                ORIGIN_BUDGET.as_secs()
            ))),
        }
    }
}

/// Refuse anything but a regular file (a FIFO would block, a device such
/// as `/dev/zero` never ends).
fn regular_file(path: &Path, meta: &std::fs::Metadata) -> Result<(), Error> {
    if meta.file_type().is_file() {
        Ok(())
    } else {
        Err(Error::BadTraceFile(format!(
            "{} is not a regular file",
            path.display()
        )))
    }
}

/// A JSON value read with every object's keys checked for repeats.
struct Strict(serde_json::Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        use serde::de::{Error as _, MapAccess, SeqAccess, Visitor};
        use serde_json::Value;
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Strict;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, b: bool) -> Result<Strict, E> {
                Ok(Strict(Value::Bool(b)))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Strict, E> {
                Ok(Strict(n.into()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Strict, E> {
                Ok(Strict(n.into()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Strict, E> {
                Ok(Strict(n.into()))
            }
            fn visit_str<E>(self, s: &str) -> Result<Strict, E> {
                Ok(Strict(Value::String(s.to_string())))
            }
            fn visit_string<E>(self, s: String) -> Result<Strict, E> {
                Ok(Strict(Value::String(s)))
            }
            fn visit_unit<E>(self) -> Result<Strict, E> {
                Ok(Strict(Value::Null))
            }
            fn visit_none<E>(self) -> Result<Strict, E> {
                Ok(Strict(Value::Null))
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Strict, D::Error> {
                Strict::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Strict, A::Error> {
                let mut v = Vec::new();
                while let Some(Strict(x)) = a.next_element()? {
                    v.push(x);
                }
                Ok(Strict(Value::Array(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Strict, A::Error> {
                let mut m = serde_json::Map::new();
                while let Some(k) = a.next_key::<String>()? {
                    let Strict(v) = a.next_value()?;
                    if m.insert(k.clone(), v).is_some() {
                        return Err(A::Error::custom(format!(
                            "key '{}' appears twice in one object",
                            short(&k)
                        )));
                    }
                }
                Ok(Strict(Value::Object(m)))
            }
        }
        d.deserialize_any(V)
    }
}

/// Where the file, read as JSON, has what racetrace would not write for the
/// same trace file: a field it does not know, a field left out, a value in
/// another form. `None` when they are the same.
fn first_extra(at: &str, file: &serde_json::Value, ours: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let field = |k: &str| {
        if at.is_empty() {
            short(k)
        } else {
            format!("{at}.{}", short(k))
        }
    };
    match (file, ours) {
        (Value::Object(f), Value::Object(o)) => {
            if let Some(k) = f.keys().find(|k| !o.contains_key(*k)) {
                return Some(format!("unknown field '{}'", field(k)));
            }
            if let Some(k) = o.keys().find(|k| !f.contains_key(*k)) {
                return Some(format!("missing field '{}'", field(k)));
            }
            f.iter().find_map(|(k, v)| first_extra(&field(k), v, &o[k]))
        }
        (Value::Array(f), Value::Array(o)) if f.len() == o.len() => f
            .iter()
            .zip(o)
            .enumerate()
            .find_map(|(i, (a, b))| first_extra(&format!("{at}[{i}]"), a, b)),
        (a, b) if a == b => None,
        _ => Some(format!(
            "field '{}' is not written the way racetrace writes it",
            if at.is_empty() { "(the file)" } else { at }
        )),
    }
}

/// One line: control characters (newlines, tabs, escapes) shown escaped.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `1 schedule`, `2 schedules`.
fn schedules(n: u64) -> String {
    if n == 1 {
        "1 schedule".into()
    } else {
        format!("{n} schedules")
    }
}

/// How many steps a `shuttle/…` token has.
fn steps(token: &str) -> usize {
    match token.strip_prefix("shuttle/") {
        Some("") | None => 0,
        Some(s) => s.split('.').count(),
    }
}

/// At most 40 characters of `s`, on one line.
/// What a witness's schedule number counts within ([`TraceFile`]'s title).
enum Within {
    Whole,
    Shard(racetrace::Shard),
    Prefix(usize),
}

fn short(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", one_line(&s.chars().take(40).collect::<String>()))
    } else {
        one_line(s)
    }
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
