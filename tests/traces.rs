//! Every variant of every pattern under each of its exhaustive `check` jobs
//! (loom, shuttle-dfs, dpor, rc11, with the job's bounds), explored once and
//! shared by the tests that need them all:
//!
//! - outcome tables and witness traces as insta snapshots named
//!   `<pattern>-<variant>@<backend>` (a changed interleaving is a reviewed
//!   diff; the docs pages quote these snapshots, see tests/docs.rs), each
//!   exploration run twice to show it is deterministic;
//! - every witness drawn as SVG and Mermaid, one lane per thread and one
//!   mark per event;
//! - dpor reaching exactly the outcomes of the other exhaustive backends.
//!
//! The explorations run side by side (one per core). `RACETRACE_FULL=1`
//! (what `.ci/run` sets) explores every job and runs each twice. The
//! everyday loop leaves out the jobs whose accepted snapshot shows more
//! than [`QUICK_SCHEDULES`] schedules (the largest producer-consumer,
//! process-pool, philosophers and thread-pool explorations: most of the
//! time) and runs twice those that take under [`QUICK`].

/// Exploration allocates at every step: mimalloc, as the racetrace binary
/// uses (see docs/performance.md), keeps this long test binary quick.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "common/full.rs"]
mod full;
#[path = "common/svg.rs"]
mod svg;

use racetrace::{Backend, Report};
use racetrace_patterns::{self as patterns, Job, Pattern, Variant};
use racetrace_report::diagram;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Explorations quicker than this are run twice in the everyday loop too.
const QUICK: Duration = Duration::from_millis(300);

/// Jobs whose accepted snapshot has more schedules than this are explored
/// with `RACETRACE_FULL=1` only (at 2,368 dpor schedules, process-pool's
/// map and completion-order alone took 2.5 s).
const QUICK_SCHEDULES: u64 = 2000;

/// The schedule count in the accepted snapshot of a job (`N schedules, …`
/// on its second line), if it has one.
fn snapshot_schedules(p: &Pattern, v: &Variant, backend: Backend) -> Option<u64> {
    let file = format!(
        "{}/tests/snapshots/traces__{}-{}@{}.snap",
        env!("CARGO_MANIFEST_DIR"),
        p.name,
        v.name,
        backend
    );
    let text = std::fs::read_to_string(file).ok()?;
    let body = text.splitn(3, "---\n").nth(2)?;
    body.lines().nth(1)?.split(' ').next()?.parse().ok()
}

/// One exhaustive job of one variant, explored.
struct Explored {
    pattern: &'static Pattern,
    variant: &'static Variant,
    job: &'static Job,
    report: Report,
    took: Duration,
}

fn explore(p: &'static Pattern, v: &'static Variant, job: &Job) -> Report {
    let params = p.params(&[]).unwrap();
    patterns::explore(p, v, &params, &job.config()).unwrap()
}

/// Every exhaustive job of every variant (in the everyday loop, but the
/// largest), explored once, in `check`'s order.
fn explored() -> &'static [Explored] {
    static ALL: OnceLock<Vec<Explored>> = OnceLock::new();
    ALL.get_or_init(|| {
        let jobs: Vec<_> = patterns::all()
            .iter()
            .flat_map(|p| p.variants.iter().map(move |v| (*p, v)))
            .flat_map(|(p, v)| {
                v.jobs
                    .iter()
                    .filter(|j| j.backend.exhaustive())
                    .map(move |j| (p, v, j))
            })
            .filter(|(p, v, j)| {
                full::full()
                    || snapshot_schedules(p, v, j.backend).is_none_or(|n| n <= QUICK_SCHEDULES)
            })
            .collect();
        let slots: Vec<OnceLock<Explored>> = jobs.iter().map(|_| OnceLock::new()).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&(p, v, job)) = jobs.get(i) else {
                            break;
                        };
                        let start = Instant::now();
                        let report = explore(p, v, job);
                        let _ = slots[i].set(Explored {
                            pattern: p,
                            variant: v,
                            job,
                            report,
                            took: start.elapsed(),
                        });
                    }
                });
            }
        });
        slots
            .into_iter()
            .map(|s| s.into_inner().expect("every job explored"))
            .collect()
    })
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
    let mut again = 0;
    for e in explored() {
        let b = e.job.backend;
        if ![
            Backend::Loom,
            Backend::ShuttleDfs,
            Backend::Dpor,
            Backend::Rc11,
        ]
        .contains(&b)
        {
            continue;
        }
        let first = render(&e.report);
        if full::full() || e.took < QUICK {
            again += 1;
            assert_eq!(
                first,
                render(&explore(e.pattern, e.variant, e.job)),
                "{}/{} under {b} is not deterministic",
                e.pattern.name,
                e.variant.name
            );
        }
        insta::assert_snapshot!(
            format!("{}-{}@{}", e.pattern.name, e.variant.name, b),
            first
        );
    }
    assert!(again > 0, "no exploration was run twice");
}

#[test]
fn witness_json_form_is_stable() {
    let e = explored()
        .iter()
        .find(|e| {
            e.pattern.name == "unsafe-counter"
                && e.variant.name == "load-store"
                && e.job.backend == Backend::ShuttleDfs
        })
        .unwrap();
    let w = e.report.first_violation().unwrap();
    insta::assert_json_snapshot!("unsafe-counter-load-store@shuttle-dfs.json", w);
}

#[test]
fn every_witness_of_every_pattern_renders_with_one_lane_per_thread_and_one_mark_per_event() {
    let mut drawn = 0;
    for e in explored() {
        for row in &e.report.outcomes {
            let Some(w) = &row.witness else { continue };
            svg::check_svg(&w.trace);
            let m = diagram::mermaid::render(&w.trace);
            let notes = m.lines().filter(|l| l.starts_with("    Note over")).count();
            // One note per event, plus the outcome (and detail).
            let extra = 1 + usize::from(w.trace.detail.is_some());
            let dl = w.trace.deadlock.as_ref().map_or(0, |d| 1 + d.blocked.len());
            assert_eq!(
                notes,
                w.trace.events.len() + extra + dl,
                "{}",
                w.trace.title
            );
            drawn += 1;
        }
    }
    assert!(drawn > 50, "only {drawn} witnesses");
}

#[test]
fn dpor_agrees_with_the_other_exhaustive_backends_on_every_variant_of_every_pattern() {
    let all = explored();
    for d in all.iter().filter(|e| e.job.backend == Backend::Dpor) {
        let (p, v) = (d.pattern, d.variant);
        // dpor must finish (within its job's cap, if it has one: then it is
        // the unbounded exploration).
        assert!(d.job.preemption_bound.is_none());
        let d = &d.report;
        assert!(d.complete, "{}/{}: dpor did not finish", p.name, v.name);
        let others = all.iter().filter(|o| {
            std::ptr::eq(o.variant, v)
                && matches!(o.job.backend, Backend::ShuttleDfs | Backend::Loom)
                // loom reports the data race itself
                && !(o.job.backend == Backend::Loom && v.name == "unsafe-cell")
                // loom models the weaker orderings dpor does not
                && !(o.job.backend == Backend::Loom && d.weak_ordering.is_some())
        });
        for o in others {
            let backend = o.job.backend;
            let o = &o.report;
            let (dset, oset) = (d.outcome_set(), o.outcome_set());
            if o.complete && o.preemption_bound.is_none() {
                assert_eq!(dset, oset, "{}/{}: dpor vs {backend}", p.name, v.name);
                if backend == Backend::ShuttleDfs {
                    assert!(
                        d.schedules <= o.schedules,
                        "{}/{}: dpor {} > dfs {}",
                        p.name,
                        v.name,
                        d.schedules,
                        o.schedules
                    );
                }
            } else {
                // A bounded run sees a subset of what the complete one sees.
                for x in &oset {
                    assert!(
                        dset.contains(x),
                        "{}/{}: {backend} found '{x}', dpor did not",
                        p.name,
                        v.name
                    );
                }
            }
        }
    }
}
