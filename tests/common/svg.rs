//! Checking an SVG diagram against its trace (tests/diagrams.rs,
//! tests/traces.rs): parsed, its lanes, marks and links counted as the
//! browser test counts them.

use racetrace::trace::Trace;
use racetrace_report::diagram;

/// Parse an SVG and count what the browser test counts.
struct Counted {
    lanes: usize,
    marks: usize,
    links: usize,
    wait_for: usize,
    blocked: usize,
    root: (usize, usize, usize),
}

fn count(svg: &str) -> Counted {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("bad SVG: {e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let attr = |n: &str| -> usize { root.attribute(n).unwrap().parse().unwrap() };
    let class_starts = |c: &str| {
        doc.descendants()
            .filter(|n| n.tag_name().name() == "g")
            .filter(|n| {
                n.attribute("class")
                    .is_some_and(|k| k.split(' ').next() == Some(c))
            })
            .count()
    };
    Counted {
        lanes: class_starts("lane"),
        marks: class_starts("mark"),
        links: class_starts("link"),
        wait_for: doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("link wait-for"))
            .count(),
        blocked: class_starts("blocked"),
        root: (attr("data-lanes"), attr("data-marks"), attr("data-links")),
    }
}

/// Render `trace` as SVG and check it: one lane per thread, one mark per
/// event, one link per arrow (and per wait-for edge); the SVG.
pub fn check_svg(trace: &Trace) -> String {
    let svg = diagram::svg::render(trace);
    let c = count(&svg);
    let cycle = trace.deadlock.as_ref().map_or(0, |d| d.cycle.len());
    assert_eq!(c.lanes, trace.threads.len(), "{}", trace.title);
    assert_eq!(c.marks, trace.events.len(), "{}", trace.title);
    assert_eq!(
        c.links,
        diagram::links(trace).len() + cycle,
        "{}",
        trace.title
    );
    assert_eq!(c.wait_for, cycle);
    assert_eq!(
        c.blocked,
        trace.deadlock.as_ref().map_or(0, |d| d.blocked.len())
    );
    assert_eq!(c.root, (c.lanes, c.marks, c.links));
    assert_eq!(svg, diagram::svg::render(trace), "SVG not deterministic");
    svg
}
