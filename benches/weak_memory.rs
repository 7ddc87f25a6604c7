//! Weak-memory figures for issue 20: `cargo bench --bench weak_memory`.
//!
//! * every litmus case of `tests/rc11/litmus.rs`: the number of RC11-
//!   consistent execution graphs (the brute-force oracle of
//!   `tests/rc11/oracle.rs`), rc11's counted executions (one per graph), the
//!   runs it made in all (counted + pruned) and its time, loom's executions
//!   and time, and where loom's outcome set differs from the oracle's;
//! * N×K counters with `Relaxed` load/store and `Relaxed` `fetch_add` under
//!   rc11, dpor and loom (loom capped at 30 s). On one location RC11's
//!   coherence makes the graphs the sequentially consistent traces, so dpor's
//!   count (equal to the brute-force Mazurkiewicz count, tests/counters.rs)
//!   is the graph count;
//! * the weak-memory patterns under rc11.
//!
//! Like the `racetrace` binary, the bench allocates with mimalloc.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../tests/rc11/mod.rs"]
#[allow(dead_code)]
mod rc11;

use racetrace::traced::sync::Arc;
use racetrace::traced::sync::atomic::{AtomicUsize, Ordering};
use racetrace::traced::thread;
use racetrace::{Backend, Config, Report};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

fn set(r: &Report) -> BTreeSet<String> {
    r.outcomes.iter().map(|o| o.outcome.clone()).collect()
}

fn litmus() {
    println!("## litmus suite (rc11 vs the RC11 oracle, loom beside)");
    println!(
        "case | graphs | rc11 counted | rc11 runs | rc11 ms | loom runs | loom ms | loom vs oracle"
    );
    let (mut cases, mut equal, mut runs, mut graphs) = (0, 0, 0u64, 0u64);
    let (mut rc11_time, mut loom_time) = (Duration::ZERO, Duration::ZERO);
    let mut loom_diffs = Vec::new();
    for case in rc11::litmus::all() {
        let oracle = rc11::oracle::rc11(&case.program);
        let want: BTreeSet<String> = oracle.graphs.keys().cloned().collect();
        let t = Instant::now();
        let r = rc11::interp::explore(&case.program, Backend::Rc11);
        let rt = t.elapsed();
        assert!(r.complete, "{}: rc11 did not finish", case.name);
        assert_eq!(set(&r), want, "{}: rc11 differs from the oracle", case.name);
        let t = Instant::now();
        let l = rc11::interp::explore(&case.program, Backend::Loom);
        let lt = t.elapsed();
        let got = set(&l);
        let missing: Vec<_> = want.difference(&got).cloned().collect();
        let extra: Vec<_> = got.difference(&want).cloned().collect();
        let diff = match (missing.is_empty(), extra.is_empty()) {
            (true, true) => "same".to_string(),
            _ => format!("misses {missing:?}, admits {extra:?}"),
        };
        if diff != "same" {
            loom_diffs.push(format!("{}: {diff}", case.name));
        }
        println!(
            "{} | {} | {} | {} | {:.1} | {} | {:.1} | {}",
            case.name,
            oracle.total(),
            r.schedules,
            r.schedules + r.pruned,
            rt.as_secs_f64() * 1e3,
            l.schedules,
            lt.as_secs_f64() * 1e3,
            diff
        );
        cases += 1;
        equal += usize::from(r.schedules == oracle.total());
        runs += r.schedules + r.pruned;
        graphs += oracle.total();
        rc11_time += rt;
        loom_time += lt;
    }
    println!(
        "\n{cases} cases: rc11's counted executions equal the oracle's graphs on {equal}; \
         runs made / graphs = {:.2} ({runs} / {graphs}); rc11 {:.2} s in all, loom {:.2} s",
        runs as f64 / graphs as f64,
        rc11_time.as_secs_f64(),
        loom_time.as_secs_f64()
    );
    println!(
        "loom differs from the oracle on {} cases:",
        loom_diffs.len()
    );
    for d in &loom_diffs {
        println!("  {d}");
    }
}

fn counter(
    backend: Backend,
    threads: usize,
    ops: usize,
    rmw: bool,
    cap: Duration,
) -> (Report, Duration) {
    let mut config = Config::new(backend);
    config.max_duration = Some(cap);
    let t = Instant::now();
    let r = racetrace::explore_outcomes(
        &config,
        "counter",
        move || {
            let x = Arc::new(AtomicUsize::new(0));
            let hs: Vec<_> = (0..threads)
                .map(|_| {
                    let x = x.clone();
                    thread::spawn(move || {
                        for _ in 0..ops {
                            if rmw {
                                x.fetch_add(1, Ordering::Relaxed);
                            } else {
                                let v = x.load(Ordering::Relaxed);
                                x.store(v + 1, Ordering::Relaxed);
                            }
                        }
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
            x.load(Ordering::Relaxed).to_string()
        },
        |_| true,
    );
    (r, t.elapsed())
}

fn counters() {
    println!("\n## counters with Relaxed orderings");
    println!("counter | dpor (= graphs) | rc11 counted | rc11 runs | rc11 s | loom runs | loom s");
    for rmw in [false, true] {
        for (n, k) in [(2, 1), (2, 2), (3, 1), (2, 3), (3, 2), (4, 1)] {
            let cap = Duration::from_secs(30);
            let (d, _) = counter(Backend::Dpor, n, k, rmw, cap);
            let (r, rt) = counter(Backend::Rc11, n, k, rmw, Duration::from_secs(600));
            assert!(r.complete && d.complete);
            assert_eq!(
                set(&r),
                set(&d),
                "{n}x{k}: on one location rc11 and dpor agree"
            );
            let (l, lt) = counter(Backend::Loom, n, k, rmw, cap);
            println!(
                "{n}x{k} {} | {} | {} | {} | {:.3} | {}{} | {:.2}",
                if rmw { "fetch_add" } else { "load/store" },
                d.schedules,
                r.schedules,
                r.schedules + r.pruned,
                rt.as_secs_f64(),
                if l.complete { "" } else { "> " },
                l.schedules,
                lt.as_secs_f64()
            );
        }
    }
}

fn patterns() {
    println!("\n## weak-memory patterns under rc11 (exhaustive, default parameters)");
    println!("pattern/variant | outcomes | counted | runs | ms");
    for name in ["message-passing", "spin-lock", "spsc-ring", "lazy-init"] {
        let p = racetrace_patterns::find(name).unwrap();
        let params = p.params(&[]).unwrap();
        for v in p.variants {
            let t = Instant::now();
            let r =
                racetrace_patterns::explore(p, v, &params, &Config::new(Backend::Rc11)).unwrap();
            let e = t.elapsed();
            assert!(r.complete);
            println!(
                "{name}/{} | {:?} | {} | {} | {:.1}",
                v.name,
                set(&r),
                r.schedules,
                r.schedules + r.pruned,
                e.as_secs_f64() * 1e3
            );
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!("# weak_memory bench, {}", std::env::consts::ARCH);
    litmus();
    counters();
    patterns();
}
