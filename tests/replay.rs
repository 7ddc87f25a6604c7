//! Saving a witness to a trace file and replaying it; malformed files.

mod common;

use common::save_load_replay;

use racetrace::{Backend, Config};
use racetrace_patterns as patterns;
use racetrace_patterns::Error;
use racetrace_patterns::replay::TraceFile;

fn saved(pattern: &str, variant: &str, config: &Config) -> TraceFile {
    let p = patterns::find(pattern).unwrap();
    let v = p.variant(variant).unwrap();
    let params = p.params(&[]).unwrap();
    let r = patterns::explore(p, v, &params, config).unwrap();
    let w = r.first_violation().expect("a violation");
    TraceFile::from_witness(&r, w).unwrap()
}

#[test]
fn every_witness_replays_to_the_identical_trace() {
    let configs = [
        Config::new(Backend::Loom),
        Config::new(Backend::Loom).with_preemption_bound(1),
        Config::new(Backend::ShuttleDfs),
        Config::new(Backend::ShuttleRandom).with_seed(3),
        Config::new(Backend::ShuttlePct).with_seed(5),
    ];
    for c in &configs {
        for variant in ["load-store", "unsafe-cell"] {
            let f = saved("unsafe-counter", variant, c);
            let r = f.replay().unwrap();
            assert!(
                r.reproduced,
                "{variant} {:?}: {:?}\n{}",
                c.backend,
                r.difference,
                r.trace.render()
            );
            assert_eq!(r.trace, f.trace);
        }
    }
}

#[test]
fn trace_file_round_trips_through_disk() {
    let f = saved(
        "unsafe-counter",
        "load-store",
        &Config::new(Backend::ShuttleDfs),
    );
    let dir = std::env::temp_dir().join(format!("racetrace-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.json");
    f.save(&path).unwrap();
    let back = TraceFile::load(&path).unwrap();
    assert_eq!(back, f);
    assert!(back.replay().unwrap().reproduced);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_tampered_schedule_does_not_reproduce_the_trace() {
    let mut f = saved(
        "unsafe-counter",
        "load-store",
        &Config::new(Backend::ShuttleDfs),
    );
    // Run the threads in another order: same file, different schedule.
    f.schedule = "shuttle/0.0.0.1.1.1.1.1.2.2.2.2.2.0.0.0".into();
    let r = f.replay().unwrap();
    assert!(!r.reproduced);
    assert!(r.difference.is_some());
}

fn bad(bytes: &[u8]) -> String {
    match TraceFile::parse(bytes) {
        Err(e @ Error::BadTraceFile(_)) => {
            let s = e.to_string();
            assert!(!s.contains('\n'), "multi-line error: {s}");
            s
        }
        other => panic!("expected BadTraceFile, got {other:?}"),
    }
}

#[test]
fn malformed_trace_files_are_refused_with_one_line() {
    let good = serde_json::to_string(&saved(
        "unsafe-counter",
        "load-store",
        &Config::new(Backend::ShuttleDfs),
    ))
    .unwrap();
    assert!(bad(b"").contains("EOF"));
    assert!(bad(b"\xff\xfe").contains("UTF-8"));
    bad(b"[]");
    bad(b"{\"format\": 3}");
    bad(&good.as_bytes()[..good.len() / 2]); // truncated
    let edit = |from: &str, to: &str| {
        assert!(good.contains(from), "{from}");
        good.replacen(from, to, 1)
    };
    assert!(bad(edit("racetrace-trace/1", "racetrace-trace/9").as_bytes()).contains("format"));
    assert!(bad(edit("\"unsafe-counter\"", "\"no-such\"").as_bytes()).contains("unknown pattern"));
    assert!(bad(edit("\"load-store\"", "\"nope\"").as_bytes()).contains("no variant"));
    assert!(bad(edit("\"threads\":2", "\"threads\":999").as_bytes()).contains("threads"));
    assert!(bad(edit("\"threads\":2", "\"cores\":2").as_bytes()).contains("no parameter"));
    assert!(bad(edit("\"shuttle-dfs\"", "\"quantum\"").as_bytes()).contains("unknown variant"));
    assert!(bad(edit("\"shuttle/", "\"loom/").as_bytes()).contains("schedule"));
    assert!(bad(edit("\"shuttle/0", "\"shuttle/x").as_bytes()).contains("schedule token"));
    assert!(bad(edit("\"value\":\"0\"", "\"value\":\"7\"").as_bytes()).contains("rendered"));
    assert!(bad(edit("\"thread\":1", "\"thread\":9").as_bytes()).contains("thread"));
    assert!(bad(edit("\"format\"", "\"extra\":1,\"format\"").as_bytes()).contains("unknown field"));
}

#[test]
fn a_loom_schedule_beyond_the_last_execution_is_an_error() {
    let mut f = saved("unsafe-counter", "load-store", &Config::new(Backend::Loom));
    f.schedule = "loom/100000".into();
    match f.replay() {
        Err(Error::BadTraceFile(m)) => assert!(m.contains("does not exist"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_replay_token_reruns_exactly_one_schedule() {
    let f = saved("unsafe-counter", "load-store", &Config::new(Backend::Loom));
    let mut c = Config::new(Backend::Loom);
    c.replay = Some(f.schedule.parse().unwrap());
    let p = patterns::find("unsafe-counter").unwrap();
    let r = patterns::explore(p, p.variant("load-store").unwrap(), &f.params, &c).unwrap();
    assert_eq!(
        r.schedules as usize,
        f.schedule
            .trim_start_matches("loom/")
            .parse::<usize>()
            .unwrap()
    );
    assert_eq!(r.outcomes.len(), 1);
    assert_eq!(
        r.outcomes[0].witness.as_ref().unwrap().trace.events,
        f.trace.events
    );
}

#[test]
fn every_producer_consumer_bug_replays_from_a_saved_file() {
    let dir = std::env::temp_dir().join(format!("racetrace-pc-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let configs = [
        Config::new(Backend::Loom).with_preemption_bound(2),
        Config::new(Backend::ShuttlePct)
            .with_seed(0)
            .with_max_schedules(1000),
    ];
    for v in [
        "if-wait",
        "shared-condvar",
        "check-then-get",
        "missing-sentinel",
        "missing-task-done",
    ] {
        for c in &configs {
            let f = saved("producer-consumer", v, c);
            save_load_replay(&dir, &format!("{v}-{}", c.backend), &f);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_async_bug_replays_from_a_saved_file() {
    let dir = std::env::temp_dir().join(format!("racetrace-async-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let configs = [
        Config::new(Backend::Dpor),
        Config::new(Backend::Loom),
        Config::new(Backend::ShuttlePct)
            .with_seed(0)
            .with_max_schedules(1000),
    ];
    for (pattern, variant) in [
        ("gather", "completion-order"),
        ("async-counter", "await-in-between"),
    ] {
        for c in &configs {
            let f = saved(pattern, variant, c);
            save_load_replay(&dir, &format!("{pattern}-{variant}-{}", c.backend), &f);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
