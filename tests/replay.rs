//! Saving a witness to a trace file and replaying it; malformed files.

#[path = "common/full.rs"]
mod full;

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
    // Run the threads in another order: same file, different schedule
    // (one that fits the program: every step taken, none left over).
    f.schedule = "shuttle/0.0.0.1.1.1.1.1.2.2.2.2.2.0.0.0.0".into();
    let r = f.replay().unwrap();
    assert!(!r.reproduced);
    assert!(r.difference.is_some());
}

/// `f` edited by `edit`, its rendered text kept in step, read back through
/// [`TraceFile::parse`] and replayed: the error, or whether it reproduced.
fn edited(f: &TraceFile, edit: impl FnOnce(&mut TraceFile)) -> Result<bool, Error> {
    let mut g = f.clone();
    edit(&mut g);
    g.rendered = g.trace.render();
    let back = TraceFile::parse(serde_json::to_string(&g).unwrap().as_bytes())?;
    Ok(back.replay()?.reproduced)
}

fn refused(r: Result<bool, Error>, needle: &str) {
    match r {
        Err(Error::BadTraceFile(m)) => {
            assert!(m.contains(needle), "{m}");
            assert!(!m.contains('\n'), "multi-line error: {m}");
        }
        other => panic!("expected BadTraceFile with '{needle}', got {other:?}"),
    }
}

#[test]
fn a_schedule_that_does_not_fit_the_program_is_refused() {
    let f = saved(
        "unsafe-counter",
        "load-store",
        &Config::new(Backend::ShuttleDfs),
    );
    // Steps past the end of the program are never taken: an error, not a
    // replay that "reproduced" the trace.
    refused(
        edited(&f, |g| g.schedule = format!("{}.0", g.schedule)),
        "were not taken",
    );
    refused(
        edited(&f, |g| g.schedule = format!("{}.1.2.2", g.schedule)),
        "were not taken",
    );
    // Too few steps: the program goes on past the token.
    refused(
        edited(&f, |g| {
            g.schedule = g.schedule.rsplit_once('.').unwrap().0.to_string()
        }),
        "goes on after",
    );
    // In memory, without reading the file back, too.
    let mut g = f.clone();
    g.schedule = "shuttle/0.0.0.1.1.1.1.1.2.2.2.2.2.0.0.0".into();
    refused(g.replay().map(|r| r.reproduced), "goes on after");
}

#[test]
fn an_edited_seed_bound_backend_or_title_is_refused() {
    let random = saved(
        "unsafe-counter",
        "load-store",
        &Config::new(Backend::ShuttleRandom).with_seed(3),
    );
    let pct = saved(
        "unsafe-counter",
        "load-store",
        &Config::new(Backend::ShuttlePct).with_seed(5),
    );
    let dfs = saved(
        "unsafe-counter",
        "load-store",
        &Config::new(Backend::ShuttleDfs),
    );
    let dpor = saved("unsafe-counter", "load-store", &Config::new(Backend::Dpor));
    for f in [&random, &pct, &dfs, &dpor] {
        assert!(edited(f, |_| {}).unwrap(), "{}", f.backend);
    }
    // The seed: the seeded exploration's schedule N is another schedule.
    refused(edited(&random, |g| g.seed = Some(4)), "edited");
    refused(edited(&pct, |g| g.seed = Some(6)), "edited");
    refused(edited(&dfs, |g| g.seed = Some(0)), "has no seed");
    refused(edited(&random, |g| g.seed = None), "no seed");
    // The preemption bound: dpor has fewer schedules under bound 0.
    refused(edited(&dpor, |g| g.preemption_bound = Some(0)), "edited");
    refused(
        edited(&dfs, |g| g.preemption_bound = Some(1)),
        "preemption-bound",
    );
    // The backend within the shuttle family, with the title to match.
    let rebackend = |b: Backend| {
        move |g: &mut TraceFile| {
            let from = format!(" · {} · ", g.backend);
            g.trace.title = g.trace.title.replace(&from, &format!(" · {b} · "));
            g.backend = b;
        }
    };
    refused(edited(&dfs, rebackend(Backend::Dpor)), "edited");
    refused(edited(&dpor, rebackend(Backend::ShuttleDfs)), "edited");
    refused(edited(&random, rebackend(Backend::ShuttlePct)), "edited");
    // Without the title: the title no longer names the backend.
    refused(edited(&dfs, |g| g.backend = Backend::Dpor), "title");
    // The title: other words, or another schedule number.
    refused(
        edited(&dfs, |g| g.trace.title = format!("x{}", g.trace.title)),
        "title",
    );
    refused(
        edited(&dfs, |g| g.trace.title = format!("{}0", g.trace.title)),
        "edited",
    );
    refused(
        edited(&dfs, |g| {
            g.trace.title = format!("{}9999999", g.trace.title)
        }),
        "edited",
    );
}

#[test]
fn an_edited_loom_bound_replays_another_execution() {
    // loom numbers its executions per bound: another bound, another
    // execution (or fewer of them).
    let f = saved("lock-order", "opposite-order", &Config::new(Backend::Loom));
    let n: u64 = f.schedule.trim_start_matches("loom/").parse().unwrap();
    assert!(n > 1, "{}", f.schedule);
    for bound in [0, 1] {
        match edited(&f, |g| g.preemption_bound = Some(bound)) {
            Ok(reproduced) => assert!(!reproduced, "bound {bound}"),
            Err(e) => refused(Err(e), "does not exist"),
        }
    }
    // Its title's number must be its token's.
    refused(
        edited(&f, |g| g.schedule = format!("loom/{}", n + 1)),
        "title names schedule",
    );
}

#[test]
fn unknown_fields_and_repeated_keys_anywhere_are_refused() {
    let f = saved(
        "unsafe-counter",
        "load-store",
        &Config::new(Backend::ShuttleDfs),
    );
    let good = serde_json::to_value(&f).unwrap();
    let with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        edit(&mut v);
        bad(serde_json::to_string(&v).unwrap().as_bytes())
    };
    assert!(with(&|v| v["extra"] = 1.into()).contains("unknown field"));
    assert!(with(&|v| v["trace"]["extra"] = 1.into()).contains("unknown field 'trace.extra'"));
    assert!(
        with(&|v| v["trace"]["events"][2]["x\ny"] = 1.into())
            .contains("unknown field 'trace.events[2].x\\ny'")
    );
    assert!(
        with(&|v| {
            v.as_object_mut().unwrap().remove("seed");
        })
        .contains("missing field 'seed'")
    );
    let text = serde_json::to_string_pretty(&f).unwrap();
    let twice = text.replacen("\"ops\": 2,", "\"ops\": 2, \"ops\": 3,", 1);
    assert_ne!(twice, text);
    assert!(bad(twice.as_bytes()).contains("appears twice"));
}

#[test]
fn only_regular_files_are_read_and_no_more_than_the_cap() {
    use std::time::{Duration, Instant};
    let dir = std::env::temp_dir().join(format!("racetrace-replay-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    for path in [
        std::path::Path::new("/dev/zero"),
        fifo.as_path(),
        dir.as_path(),
    ] {
        let start = Instant::now();
        match TraceFile::load(path) {
            Err(Error::BadTraceFile(m)) => assert!(m.contains("not a regular file"), "{m}"),
            other => panic!("{path:?}: {other:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(5), "{path:?}");
    }
    let big = dir.join("big.json");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(racetrace_patterns::replay::MAX_FILE_BYTES + 1)
        .unwrap();
    drop(f);
    match TraceFile::load(&big) {
        Err(Error::BadTraceFile(m)) => assert!(m.contains("larger than the limit"), "{m}"),
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
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
        Config::new(Backend::ShuttlePct)
            .with_seed(0)
            .with_max_schedules(1000),
        Config::new(Backend::Loom).with_preemption_bound(2),
    ];
    // loom's (seconds each here) with RACETRACE_FULL=1; the loom replay
    // path is tested on the smaller patterns in the everyday loop.
    let configs = &configs[..full::quick_or_full(1, 2)];
    for v in [
        "if-wait",
        "shared-condvar",
        "check-then-get",
        "missing-sentinel",
        "missing-task-done",
    ] {
        for c in configs {
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

/// A portfolio's shrunk witness (unsafe-counter with six threads: bound 0
/// is 6!·… orders, cut; PCT finds the lost update with six preemptions; the
/// shrinker takes it to one) saves to a trace file that replays to the same
/// trace; its title names the schedule it was shrunk from, which replay
/// checks: an edited origin is refused.
#[test]
fn a_shrunk_portfolio_witness_saves_and_replays_and_its_origin_is_checked() {
    let p = patterns::find("unsafe-counter").unwrap();
    let v = p.variant("load-store").unwrap();
    let params = p.params(&[("threads".to_string(), 6)]).unwrap();
    let r = patterns::explore(p, v, &params, &Config::new(Backend::Portfolio)).unwrap();
    let w = r.first_violation().expect("a violation");
    let phase = w.phase.as_ref().unwrap();
    let from = phase.shrunk_from.expect("shrunk");
    assert!(w.trace.preemptions < from, "{}", w.trace.title);
    let f = TraceFile::from_witness(&r, w).unwrap();
    assert_eq!(f.backend, phase.backend);
    let text = serde_json::to_string(&f).unwrap();
    let f = TraceFile::parse(text.as_bytes()).unwrap();
    let replayed = f.replay().unwrap();
    assert!(replayed.reproduced, "{:?}", replayed.difference);

    let mut edited = f.clone();
    edited.trace.title = edited.trace.title.replace(
        &format!("shrunk from {from} "),
        &format!("shrunk from {} ", from + 1),
    );
    edited.rendered = edited.trace.render();
    let e = edited.replay().unwrap_err().to_string();
    assert!(e.contains("edited"), "{e}");
    // Not fewer than it was shrunk from: refused when read.
    let mut edited = f.clone();
    edited.trace.title = edited.trace.title.replace(
        &format!("shrunk from {from} "),
        &format!("shrunk from {} ", w.trace.preemptions),
    );
    edited.rendered = edited.trace.render();
    let text = serde_json::to_string(&edited).unwrap();
    let e = TraceFile::parse(text.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("shrunk from"), "{e}");
}
