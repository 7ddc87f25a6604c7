//! Outcome tables and witness traces of every built-in variant under the
//! deterministic exhaustive backends (loom, shuttle-dfs, dpor, rc11 — those of its
//! `check` jobs), as insta snapshots named `<pattern>-<variant>@<backend>`.
//! A changed interleaving is a reviewed diff. The docs pages quote these
//! snapshots (see tests/docs.rs).

/// Exploration allocates at every step: mimalloc, as the racetrace binary
/// uses (see docs/performance.md), keeps this long test binary quick.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use racetrace::{Backend, Config, Report};
use racetrace_patterns::{self as patterns, Pattern};

/// Explore under `backend` with the bounds of the variant's own job on it, if
/// it has one (a variant too large to explore completely says so there).
fn report(p: &'static Pattern, variant: &str, backend: Backend) -> Report {
    let v = p.variant(variant).unwrap();
    let params = p.params(&[]).unwrap();
    let config = match v.jobs.iter().find(|j| j.backend == backend) {
        Some(job) => job.config(),
        None => Config::new(backend),
    };
    patterns::explore(p, v, &params, &config).unwrap()
}

/// Table, then the witness of each forbidden outcome.
fn render(r: &Report) -> String {
    let mut s = r.render_table();
    for row in r.violations() {
        if let Some(w) = &row.witness {
            s.push('\n');
            s.push_str(&w.trace.render());
            if let Some(t) = &w.replay {
                s.push_str(&format!(" schedule: {t}\n"));
            }
        }
    }
    s
}

#[test]
fn every_variant_has_a_deterministic_snapshot_under_each_exhaustive_backend() {
    for p in patterns::all() {
        for v in p.variants {
            for b in [
                Backend::Loom,
                Backend::ShuttleDfs,
                Backend::Dpor,
                Backend::Rc11,
            ] {
                if !v.jobs.iter().any(|j| j.backend == b) {
                    continue;
                }
                let first = render(&report(p, v.name, b));
                let again = render(&report(p, v.name, b));
                assert_eq!(
                    first, again,
                    "{}/{} under {b} is not deterministic",
                    p.name, v.name
                );
                insta::assert_snapshot!(format!("{}-{}@{}", p.name, v.name, b), first);
            }
        }
    }
}

#[test]
fn witness_json_form_is_stable() {
    let p = patterns::find("unsafe-counter").unwrap();
    let r = report(p, "load-store", Backend::ShuttleDfs);
    let w = r.first_violation().unwrap();
    insta::assert_json_snapshot!("unsafe-counter-load-store@shuttle-dfs.json", w);
}
