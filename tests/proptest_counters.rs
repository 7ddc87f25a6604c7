//! proptest picks small (threads, ops) configurations, a counter variant and
//! an exhaustive backend; the explorer's outcome set must equal the oracle's.
//! Three threads (up to a second a case; tests/counters.rs explores them
//! under both backends) are among the shapes with `RACETRACE_FULL=1` only.

mod common;
#[path = "common/full.rs"]
mod full;

use common::{Inc, counter_oracle, numeric_outcomes};
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, FileFailurePersistence};
use racetrace::{Backend, Config};
use racetrace_patterns as patterns;

fn config_strategy() -> impl Strategy<Value = (usize, usize, &'static str, &'static str, Backend)> {
    let shapes: &[(usize, usize)] = full::quick_or_full(
        &[(1, 1), (1, 2), (1, 3), (2, 1), (2, 2)],
        &[(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 1)],
    );
    let shape = prop::sample::select(shapes);
    let variant = prop_oneof![
        Just(("unsafe-counter", "load-store")),
        Just(("locked-counter", "mutex")),
        Just(("locked-counter", "atomic")),
    ];
    let backend = prop_oneof![Just(Backend::Loom), Just(Backend::ShuttleDfs)];
    (shape, variant, backend).prop_map(|((n, k), (p, v), b)| (n, k, p, v, b))
}

proptest! {
    #![proptest_config(PtConfig {
        cases: 24,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..PtConfig::default()
    })]

    #[test]
    fn explorer_outcome_sets_equal_the_oracle((n, k, pattern, variant, backend) in config_strategy()) {
        let p = patterns::find(pattern).unwrap();
        let v = p.variant(variant).unwrap();
        let params = p.params(&[("threads".into(), n), ("ops".into(), k)]).unwrap();
        let r = patterns::explore(p, v, &params, &Config::new(backend)).unwrap();
        let inc = if variant == "load-store" { Inc::LoadStore } else { Inc::Atomic };
        let (expected, _) = counter_oracle(n, k, inc, None);
        prop_assert!(r.complete);
        prop_assert_eq!(numeric_outcomes(&r), expected);
    }
}
