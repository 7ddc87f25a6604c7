//! The fuzz corpus as a regression suite: every committed input under
//! `fuzz/corpus/<target>/` and `fuzz/artifacts/<target>/` runs through the
//! same target function `cargo fuzz` runs (the files in `fuzz/targets/` are
//! included here), on stable, with no libFuzzer.

use std::path::{Path, PathBuf};

mod schedule {
    include!("../fuzz/targets/schedule.rs");
}
mod trace_file {
    include!("../fuzz/targets/trace_file.rs");
}
mod queue_ops {
    include!("../fuzz/targets/queue_ops.rs");
}

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for dir in ["corpus", "artifacts"] {
        let Ok(rd) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for e in rd {
            let p = e.expect("readable directory").path();
            if p.is_file() && p.file_name().is_some_and(|n| n != ".gitkeep") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

fn replay_all(target: &str, run: fn(&[u8])) -> usize {
    let files = inputs(target);
    for f in &files {
        let data = std::fs::read(f).expect("readable input");
        let r = std::panic::catch_unwind(|| run(&data));
        assert!(r.is_ok(), "{target}: input {} fails", f.display());
    }
    files.len()
}

#[test]
fn schedule_corpus_passes() {
    assert!(replay_all("schedule", schedule::run) >= 10);
}

#[test]
fn trace_file_corpus_never_panics() {
    assert!(replay_all("trace_file", trace_file::run) >= 10);
}

#[test]
fn queue_ops_corpus_matches_the_model() {
    assert!(replay_all("queue_ops", queue_ops::run) >= 5);
}

/// The hand-written `queue_ops` corpus drives each primitive (byte 0 % 3:
/// bounded queue, channel, unbounded queue) through every operation code
/// (each later byte % 8), so the regression suite covers the whole target.
#[test]
fn queue_ops_corpus_covers_every_primitive_and_operation() {
    let mut seen = [[false; 8]; 3];
    for f in inputs("queue_ops") {
        let data = std::fs::read(&f).unwrap();
        if let Some((c, ops)) = data.split_first() {
            for b in ops {
                seen[usize::from(c % 3)][usize::from(b % 8)] = true;
            }
        }
    }
    for (kind, ops) in seen.iter().enumerate() {
        for (op, hit) in ops.iter().enumerate() {
            assert!(
                hit,
                "no queue_ops input runs operation {op} on primitive {kind}"
            );
        }
    }
}

/// The schedule corpus reaches a violation of every buggy variant, so the
/// save-and-replay path of the target is exercised for each.
#[test]
fn schedule_corpus_reaches_every_seeded_bug() {
    use racetrace_patterns as patterns;
    use racetrace_patterns::spec::Expect;
    let variants: Vec<_> = patterns::all()
        .iter()
        .flat_map(|p| p.variants.iter().map(move |v| (*p, v)))
        .collect();
    let mut found = vec![false; variants.len()];
    for f in inputs("schedule") {
        let data = std::fs::read(&f).unwrap();
        let Some(input) = racetrace_patterns::harness::decode(&data) else {
            continue;
        };
        let r = racetrace_patterns::harness::run_schedule(
            input.pattern,
            input.variant,
            &input.params,
            input.schedule,
        )
        .unwrap();
        let i = input.index;
        if r.violations().next().is_some() {
            found[i] = true;
        }
    }
    // The corpus names its inputs `<pattern>-<variant>-…`: every buggy variant
    // it seeds must show its bug. (Patterns registered after the corpus was
    // written — the deadlock and producer-consumer families — are not seeded
    // yet: regenerating with `write_seed_corpus` explores each family fully
    // and is too slow for them today.)
    let names: Vec<String> = inputs("schedule")
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut seeded = 0;
    for (i, (p, v)) in variants.iter().enumerate() {
        let prefix = format!("{}-{}-", p.name, v.name);
        if matches!(v.spec.expect, Expect::Bug(_)) && names.iter().any(|n| n.starts_with(&prefix)) {
            seeded += 1;
            assert!(
                found[i],
                "no corpus input shows the bug of {}/{}",
                p.name, v.name
            );
        }
    }
    assert!(seeded >= 2, "the corpus seeds the counters' bugs");
}

/// Regenerate the seed corpora (run after registering a pattern or variant:
/// byte 0 of a `schedule` input indexes the variants of `patterns::all()` in
/// order). `cargo test --test fuzz_corpus -- --ignored write_seed_corpus`.
#[test]
#[ignore = "writes fuzz/corpus; run by hand"]
fn write_seed_corpus() {
    use racetrace::config::{Backend, Config};
    use racetrace_patterns as patterns;
    use racetrace_patterns::replay::TraceFile;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for t in ["schedule", "trace_file"] {
        let _ = std::fs::remove_dir_all(root.join(t));
        std::fs::create_dir_all(root.join(t)).unwrap();
    }
    let mut state = 0x5EED_u64;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut i = 0u8;
    for p in patterns::all() {
        let defaults: Vec<u8> = p.params.iter().map(|s| (s.default - s.min) as u8).collect();
        let params = p.params(&[]).unwrap();
        for v in p.variants {
            let name = format!("{}-{}", p.name, v.name);
            // The schedule with no choices, then random ones: keep the first
            // two violating and the first two allowed.
            let (mut bad, mut good) = (0, 0);
            for k in 0..2000 {
                let len = if k == 0 { 0 } else { (next() % 48) as usize };
                let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                let r = racetrace_patterns::harness::run_schedule(p, v, &params, &bytes).unwrap();
                let violation = r.violations().next().is_some();
                let slot = if violation { &mut bad } else { &mut good };
                if *slot < 2 {
                    *slot += 1;
                    let tag = if violation { "violation" } else { "allowed" };
                    let mut input = vec![i];
                    input.extend(&defaults);
                    input.extend(&bytes);
                    std::fs::write(root.join(format!("schedule/{name}-{tag}-{slot}")), input)
                        .unwrap();
                }
                if bad == 2 && good == 2 {
                    break;
                }
            }
            i += 1;
            // Trace files of the first violation under each replayable backend.
            for b in [
                Backend::Loom,
                Backend::ShuttleDfs,
                Backend::Dpor,
                Backend::Fuzz,
            ] {
                let config = Config::new(b).stop_at_first_violation();
                let r = patterns::explore(p, v, &params, &config).unwrap();
                if let Some(w) = r.first_violation() {
                    let f = TraceFile::from_witness(&r, w).unwrap();
                    let json = serde_json::to_string_pretty(&f).unwrap();
                    std::fs::write(root.join(format!("trace_file/{name}@{b}.json")), &json)
                        .unwrap();
                }
            }
        }
    }
    // Broken files: each must be refused with an error, not a panic.
    let good = std::fs::read_to_string(root.join("trace_file/unsafe-counter-load-store@loom.json"))
        .unwrap();
    let broken = [
        ("truncated", good[..good.len() / 2].to_string()),
        (
            "format",
            good.replace("racetrace-trace/1", "racetrace-trace/9"),
        ),
        ("pattern", good.replace("\"unsafe-counter\"", "\"no-such\"")),
        ("thread", good.replace("\"thread\": 1", "\"thread\": 99")),
        (
            "rendered",
            good.replace("\"rendered\": \"", "\"rendered\": \"x"),
        ),
        ("schedule", good.replace("\"loom/", "\"loom/x")),
        ("params", good.replace("\"ops\": 2", "\"ops\": 100000")),
        ("empty", String::new()),
    ];
    for (tag, text) in broken {
        std::fs::write(root.join(format!("trace_file/broken-{tag}.json")), text).unwrap();
    }
}
