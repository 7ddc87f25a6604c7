//! The fuzz harness of the built-in patterns: one schedule of one variant
//! from bytes ([`run_schedule`]) and the decoding of a `schedule` fuzz input
//! into a variant, its parameters and the scheduler's bytes ([`decode`]).
//! The scheduler itself is the library's
//! [`racetrace::strategy::ByteScheduler`].

use crate::error::Error;
use crate::pattern::{Params, Pattern, Variant};
use racetrace::strategy::ByteScheduler;
use racetrace::{Backend, Config, Report};

/// Run ONE schedule of `variant` of `pattern`, its scheduling choices taken
/// from `bytes`. The report has exactly one outcome row, whose witness holds
/// the trace and a `shuttle/…` token that replays it (backend `fuzz`).
///
/// ```
/// use racetrace_patterns::{self as patterns, harness};
/// let p = patterns::find("unsafe-counter").unwrap();
/// let v = p.variant("load-store").unwrap();
/// let params = p.params(&[]).unwrap();
/// // The two workers alternate at every choice point: increments are lost.
/// let r = harness::run_schedule(p, v, &params, &[1, 2, 1, 2, 1, 2, 1, 2, 1, 2]).unwrap();
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
    crate::run::explore_with(
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
    /// The variant's position among every variant of [`all`](crate::all), in order.
    pub index: usize,
    /// The parameters.
    pub params: Params,
    /// The bytes left for the scheduler ([`run_schedule`]).
    pub schedule: &'a [u8],
}

/// Decode a `schedule` fuzz input (the `fuzz/` target and the corpus replay
/// in `tests/fuzz_corpus.rs` both use this): byte 0 picks a variant of
/// [`all`](crate::all) (every pattern's variants in order, modulo their count);
/// one byte per declared parameter picks a small value, `min ..= max(default,
/// min + 2)` within the declared range (a missing byte means `min`); the rest
/// drive the scheduler. `None` for empty input.
///
/// ```
/// use racetrace_patterns::harness;
/// // Variant 0 (unsafe-counter/load-store), threads = 2 + 1, ops = 1 + 0.
/// let input = harness::decode(&[0, 2, 0, 7, 7]).unwrap();
/// assert_eq!((input.pattern.name, input.variant.name), ("unsafe-counter", "load-store"));
/// assert_eq!(input.params.describe(), "ops=1 threads=3");
/// assert_eq!(input.schedule, &[7, 7]);
/// ```
pub fn decode(data: &[u8]) -> Option<Input<'_>> {
    let variants: Vec<(&'static Pattern, &'static Variant)> = crate::all()
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
