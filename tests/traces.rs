//! Outcome tables and witness traces of every built-in variant under the
//! deterministic backends, as insta snapshots named `<pattern>-<variant>@<backend>`.
//! A changed interleaving is a reviewed diff. The docs pages quote these
//! snapshots (see tests/docs.rs).

use racetrace::patterns::{self, Pattern};
use racetrace::{Backend, Config, Report};

/// The variant explored as `racetrace check` explores it with `backend`
/// (the job's schedule and preemption bounds), or unbounded.
fn report(p: &'static Pattern, variant: &str, backend: Backend) -> Report {
    let v = p.variant(variant).unwrap();
    let params = p.params(&[]).unwrap();
    let mut config = Config::new(backend);
    if let Some(job) = v.jobs.iter().find(|j| j.backend == backend) {
        config.max_schedules = job.max_schedules;
        config.preemption_bound = job.preemption_bound;
    }
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
fn every_variant_has_a_deterministic_snapshot_under_loom_and_shuttle_dfs() {
    for p in patterns::all() {
        for v in p.variants {
            for b in [Backend::Loom, Backend::ShuttleDfs] {
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
