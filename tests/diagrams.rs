//! Trace diagrams: the arrows derived from a trace, the SVG and Mermaid
//! renderings as insta snapshots (deterministic byte for byte), escaping of
//! hostile text, and the docs page that shows a real diagram.
//!
//! The deadlock is a two-lock program written here (the lock-order patterns
//! live elsewhere), explored with `racetrace::explore`. Every witness of
//! every pattern is drawn and checked in tests/traces.rs, which explores
//! them all once for its snapshots.

use racetrace::trace::{Access, BlockedThread, Deadlock, Event, Trace};
use racetrace::traced::sync::{Arc, Mutex};
use racetrace::traced::thread;
use racetrace::{Backend, Config};
use racetrace_patterns as patterns;
use racetrace_report::diagram::{self, Link, LinkKind};
use std::path::PathBuf;

#[path = "common/svg.rs"]
mod svg;
use svg::check_svg;

fn lost_update() -> Trace {
    let p = patterns::find("unsafe-counter").unwrap();
    let v = p.variant("load-store").unwrap();
    let params = p.params(&[]).unwrap();
    let r = patterns::explore(p, v, &params, &Config::new(Backend::ShuttleDfs)).unwrap();
    r.first_violation().unwrap().trace.clone()
}

/// Two threads take two locks in opposite orders; main joins both.
fn lock_order_deadlock(backend: Backend) -> Trace {
    let r = racetrace::explore(&Config::new(backend), || {
        let a = Arc::new(Mutex::new(0).named("fork1"));
        let b = Arc::new(Mutex::new(0).named("fork2"));
        let (a1, b1) = (a.clone(), b.clone());
        let t1 = thread::spawn(move || {
            let _x = a1.lock();
            let _y = b1.lock();
        });
        let t2 = thread::spawn(move || {
            let _y = b.lock();
            let _x = a.lock();
        });
        let _ = t1.join();
        let _ = t2.join();
    });
    let row = r.row("deadlock").expect("the lock-order program deadlocks");
    row.witness.as_ref().unwrap().trace.clone()
}

#[test]
fn lost_update_diagrams_are_stable() {
    let t = lost_update();
    assert_eq!(t, lost_update(), "exploration not deterministic");
    // A lost update: some thread read a value written by another thread.
    let links = diagram::links(&t);
    assert!(links.iter().any(|l| l.kind == LinkKind::ReadsFrom));
    let svg = check_svg(&t);
    let mermaid = diagram::mermaid::render(&t);
    assert_eq!(mermaid, diagram::mermaid::render(&t));
    insta::assert_snapshot!("unsafe-counter-load-store@shuttle-dfs.svg", svg);
    insta::assert_snapshot!("unsafe-counter-load-store@shuttle-dfs.mermaid", mermaid);
}

#[test]
fn deadlock_diagram_draws_the_wait_for_cycle() {
    for backend in [Backend::ShuttleDfs, Backend::Loom] {
        let t = lock_order_deadlock(backend);
        assert_eq!(t, lock_order_deadlock(backend));
        let d = t.deadlock.as_ref().expect("a deadlock report");
        assert_eq!(d.cycle, vec![1, 2], "t1 and t2 wait for each other");
        let svg = check_svg(&t);
        let mermaid = diagram::mermaid::render(&t);
        assert!(
            mermaid.contains("T1-xT2: waits for lock fork2"),
            "{mermaid}"
        );
        assert!(
            mermaid.contains("T2-xT1: waits for lock fork1"),
            "{mermaid}"
        );
        if backend == Backend::ShuttleDfs {
            insta::assert_snapshot!("lock-order-deadlock@shuttle-dfs.svg", svg);
            insta::assert_snapshot!("lock-order-deadlock@shuttle-dfs.mermaid", mermaid);
        }
    }
}

// ---- arrows of a hand-made trace ---------------------------------------------

fn ev(step: usize, thread: usize, access: Access, op: &str) -> Event {
    Event {
        step,
        thread,
        object: None,
        name: None,
        access,
        op: op.into(),
        value: None,
        old: None,
        reads_from: None,
        stale: false,
        note: None,
        preempted: None,
        yielded: false,
        location: None,
    }
}

fn on(mut e: Event, object: usize, name: &str) -> Event {
    e.object = Some(object);
    e.name = Some(name.into());
    e
}

fn val(mut e: Event, v: &str) -> Event {
    e.value = Some(v.into());
    e
}

fn note(mut e: Event, n: &str) -> Event {
    e.note = Some(n.into());
    e
}

fn rf(mut e: Event, step: usize) -> Event {
    e.reads_from = Some(step);
    e
}

fn trace(threads: &[&str], events: Vec<Event>) -> Trace {
    Trace {
        title: "hand-made".into(),
        threads: threads.iter().map(|s| s.to_string()).collect(),
        events,
        outcome: "ok".into(),
        allowed: true,
        verdict: "allowed".into(),
        preemptions: 0,
        deadlock: None,
        detail: None,
    }
}

/// A lock, a store, a condition-variable hand-off and joins, with the
/// happens-before edges between threads worked out by hand.
fn handoff() -> Trace {
    use Access::*;
    trace(
        &["main", "t1", "t2"],
        vec![
            val(ev(1, 0, Spawn, "spawn"), "t1"),
            val(ev(2, 0, Spawn, "spawn"), "t2"),
            on(ev(3, 1, Lock, "lock"), 0, "m"),
            val(on(ev(4, 1, Write, "store"), 1, "x"), "1"),
            rf(val(on(ev(5, 1, Read, "load"), 1, "x"), "1"), 4),
            on(ev(6, 1, Unlock, "unlock"), 0, "m"),
            on(ev(7, 2, Lock, "lock"), 0, "m"),
            rf(val(on(ev(8, 2, Read, "load"), 1, "x"), "1"), 4),
            note(on(ev(9, 2, Wait, "wait"), 2, "cv"), "releases m"),
            on(ev(10, 1, Lock, "lock"), 0, "m"),
            note(on(ev(11, 1, Notify, "notify_one"), 2, "cv"), "wakes t2"),
            on(ev(12, 1, Unlock, "unlock"), 0, "m"),
            note(on(ev(13, 2, Wake, "woken"), 2, "cv"), "re-locks m"),
            on(ev(14, 2, Unlock, "unlock"), 0, "m"),
            ev(15, 2, Exit, "exit"),
            ev(16, 1, Exit, "exit"),
            val(ev(17, 0, Join, "join"), "t1"),
            val(ev(18, 0, Join, "join"), "t2"),
            rf(val(on(ev(19, 0, Read, "load"), 1, "x"), "0"), 0),
        ],
    )
}

#[test]
fn links_follow_spawns_joins_lock_handovers_notifies_and_reads_from() {
    use LinkKind::*;
    let got: Vec<(usize, usize, LinkKind)> = diagram::links(&handoff())
        .into_iter()
        .map(|Link { from, to, kind, .. }| (from, to, kind))
        .collect();
    // By hand: the spawn reaches the child's first event; an unlock (or the
    // wait that releases the mutex) reaches the next lock by another thread;
    // the notify reaches the wake-up; a write reaches reads of other threads
    // (not t1's own read at 5, nor main's read of the initial value at 19);
    // an exit reaches the join.
    let want = vec![
        (1, 3, Spawn),
        (2, 7, Spawn),
        (6, 7, Lock),
        (4, 8, ReadsFrom),
        (9, 10, Lock),
        (11, 13, Notify),
        (12, 13, Lock),
        (16, 17, Join),
        (15, 18, Join),
    ];
    assert_eq!(got, want);
    check_svg(&handoff());
}

#[test]
fn hostile_text_is_escaped_in_svg_and_mermaid() {
    use Access::*;
    let mut t = trace(
        &["main", "t<1>&\"'"],
        vec![
            val(ev(1, 0, Spawn, "spawn"), "t<1>&\"'"),
            val(
                on(ev(2, 1, Write, "store"), 0, "x;#y%%z<b>&amp;"),
                "\"q\"\nnext line",
            ),
            ev(3, 1, Exit, "exit"),
        ],
    );
    t.title = "title <script>alert(1)</script> & ; # %% \u{1} \n end".into();
    t.detail = Some("panic: a\nb; c".into());
    t.outcome = "panic: <x>".into();
    t.allowed = false;
    t.deadlock = Some(Deadlock {
        blocked: vec![BlockedThread {
            thread: 1,
            waits_for: "lock <m>&".into(),
            held_by: Some(1),
            holds: vec!["<m>&".into()],
        }],
        cycle: vec![1],
    });

    let svg = check_svg(&t);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let title = doc
        .descendants()
        .find(|n| n.tag_name().name() == "title")
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(title, "title <script>alert(1)</script> & ; # %%     end");
    assert!(!svg.contains("<script"), "raw markup leaked into the SVG");

    let m = diagram::mermaid::render(&t);
    // No statement was split: header, title, 2 participants, 3 notes and
    // the spawn message, the deadlock head, 1 blocked note, 1 cycle edge,
    // detail, outcome.
    assert_eq!(m.lines().count(), 13, "{m}");
    for line in m.lines() {
        let mut rest = line;
        while let Some(i) = rest.find(['#', ';']) {
            // Every '#' opens an entity code `#NN;`, every ';' closes one.
            assert_eq!(&rest[i..i + 1], "#", "bare ';' in {line}");
            let end = rest[i..].find(';').expect("unterminated entity") + i;
            assert!(
                rest[i + 1..end].chars().all(|c| c.is_ascii_digit()),
                "{line}"
            );
            rest = &rest[end + 1..];
        }
        // The text (after the statement's `: `) has no HTML-special character.
        let text = line.split_once(": ").map_or(line, |(_, t)| t);
        assert!(!text.contains(['<', '>', '&', '"']), "unescaped in {line}");
    }
    let decoded = decode_mermaid(m.lines().nth(1).unwrap());
    assert_eq!(
        decoded,
        "    title title <script>alert(1)</script> & ; # %%     end"
    );
}

fn decode_mermaid(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('#') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').unwrap() + i;
        let code: u32 = rest[i + 1..end].parse().unwrap();
        out.push(char::from_u32(code).unwrap());
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

// ---- the docs page shows real diagrams ---------------------------------------

const OPEN: &str = "<!-- diagram: ";
const CLOSE: &str = "<!-- /diagram -->";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn snapshot_body(name: &str) -> String {
    let path = root()
        .join("tests/snapshots")
        .join(format!("diagrams__{name}.snap"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut parts = text.splitn(3, "---\n");
    parts.next();
    parts.next();
    parts.next().unwrap_or("").trim_end().to_string()
}

/// `docs/report.md` quotes the Mermaid snapshots between
/// `<!-- diagram: NAME -->` and `<!-- /diagram -->` as ```mermaid blocks, so
/// GitHub draws them; they must be the current snapshots. Refresh with
/// `RACETRACE_UPDATE_DOCS=1 cargo test --test diagrams`.
#[test]
fn docs_show_the_current_diagrams() {
    let page = root().join("docs/report.md");
    let text = std::fs::read_to_string(&page).unwrap();
    let mut fixed = text.clone();
    let mut found = 0;
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(OPEN) {
        let start = from + i;
        let name_end = start + text[start..].find("-->").unwrap();
        let name = text[start + OPEN.len()..name_end].trim().to_string();
        let body_start = name_end + 3;
        let end = body_start + text[body_start..].find(CLOSE).expect("no closing marker");
        spans.push((name, body_start, end));
        from = end + CLOSE.len();
    }
    for (name, start, end) in spans.into_iter().rev() {
        found += 1;
        let want = format!("\n```mermaid\n{}\n```\n", snapshot_body(&name));
        if text[start..end] != want {
            assert!(
                std::env::var("RACETRACE_UPDATE_DOCS").is_ok(),
                "docs/report.md: the diagram '{name}' is out of date; run `RACETRACE_UPDATE_DOCS=1 cargo test --test diagrams`"
            );
            fixed.replace_range(start..end, &want);
        }
    }
    assert!(
        found >= 2,
        "docs/report.md should show the lost update and the deadlock"
    );
    if fixed != text {
        std::fs::write(&page, fixed).unwrap();
    }
}

/// `docs/img/*.svg` are the SVG snapshots, so the README and docs show a
/// current picture. Refresh with `RACETRACE_UPDATE_DOCS=1 cargo test --test diagrams`.
#[test]
fn docs_images_are_the_current_svg_snapshots() {
    for (image, snapshot) in [
        (
            "lost-update.svg",
            "unsafe-counter-load-store@shuttle-dfs.svg",
        ),
        ("deadlock.svg", "lock-order-deadlock@shuttle-dfs.svg"),
    ] {
        let path = root().join("docs/img").join(image);
        let want = format!("{}\n", snapshot_body(snapshot));
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            assert!(
                std::env::var("RACETRACE_UPDATE_DOCS").is_ok(),
                "docs/img/{image} is not the snapshot {snapshot}; run `RACETRACE_UPDATE_DOCS=1 cargo test --test diagrams`"
            );
            std::fs::write(&path, want).unwrap();
        }
    }
}
