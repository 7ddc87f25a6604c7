//! A trace as a self-contained SVG image: no scripts, no external fonts or
//! style sheets, no `id`s (so many diagrams can be inlined in one HTML page),
//! only presentation attributes.
//!
//! Layout: a column of step numbers, then one lane per thread; one row per
//! event, time flowing down. Each event is a mark (`<g class="mark">`) in its
//! thread's lane, labelled as in the text trace. The arrows of
//! [`super::links`] join marks of different lanes (`<g class="link KIND">`).
//! A preempting row is shaded and says which thread it preempted. A deadlock
//! ends with a box per blocked thread (`<g class="blocked">`) and the
//! wait-for cycle drawn between them (`<g class="link wait-for">`). The root
//! element carries `data-lanes`, `data-marks` and `data-links` so a test can
//! check a rendered page against the trace.
//!
//! Text widths are estimated from a monospace font (7.4 px a character at
//! 12 px), which is what the image asks for.

use super::{LinkKind, blocked_label, label, links, one_line, outcome_line};
use racetrace::trace::{Access, Trace};
use std::fmt::Write as _;

const FONT: &str = "DejaVu Sans Mono, Menlo, Consolas, monospace";
const CH: f64 = 7.4;
const PAD: f64 = 16.0;
const STEP_W: f64 = 44.0;
const LANE_MIN: f64 = 110.0;
const ROW: f64 = 26.0;
const MARK_H: f64 = 18.0;
const PREEMPT_W: f64 = 130.0;

const GRAY: &str = "#888888";
const LOCK: &str = "#7d4fc0";
const NOTIFY: &str = "#c0399a";
const READ: &str = "#3d7cc9";
const WRITE: &str = "#2e8b3a";
const BLOCK: &str = "#c94040";
const PREEMPT: &str = "#e08a00";
const PREEMPT_BG: &str = "#fff1d6";

/// Colour of an arrow of this kind.
fn link_colour(k: LinkKind) -> &'static str {
    match k {
        LinkKind::Spawn | LinkKind::Join => GRAY,
        LinkKind::Lock => LOCK,
        LinkKind::Notify => NOTIFY,
        LinkKind::ReadsFrom => WRITE,
    }
}

/// Fill and stroke of a mark.
fn mark_colours(a: Access) -> (&'static str, &'static str) {
    match a {
        Access::Read => ("#e3effc", READ),
        Access::Write | Access::ReadModifyWrite => ("#e3f4e5", WRITE),
        Access::Lock
        | Access::TryLockFailed
        | Access::Unlock
        | Access::Wait
        | Access::Wake
        | Access::Notify => ("#efe7fa", LOCK),
        Access::Block => ("#fde8e8", BLOCK),
        Access::Spawn | Access::Join | Access::Exit => ("#f2f2f2", GRAY),
    }
}

/// A number with one decimal, without a trailing `.0`.
fn n(x: f64) -> String {
    let s = format!("{x:.1}");
    match s.strip_suffix(".0") {
        Some(i) => i.to_string(),
        None => s,
    }
}

fn text_w(s: &str) -> f64 {
    s.chars().count() as f64 * CH
}

/// Render `trace` as a standalone SVG document (an `<svg>` element).
pub fn render(trace: &Trace) -> String {
    let lanes = trace.threads.len().max(1);
    let labels: Vec<String> = trace.events.iter().map(|e| label(trace, e)).collect();
    let links = links(trace);

    // Lane widths: the widest of the thread's name, its marks and its box.
    let mut widest = vec![0.0f64; lanes];
    for (i, w) in widest.iter_mut().enumerate() {
        *w = text_w(trace.thread_name(i));
    }
    for (e, l) in trace.events.iter().zip(&labels) {
        if e.thread < lanes {
            widest[e.thread] = widest[e.thread].max(text_w(l));
        }
    }
    if let Some(d) = &trace.deadlock {
        for b in &d.blocked {
            if b.thread < lanes {
                widest[b.thread] = widest[b.thread].max(text_w(&blocked_label(b)));
            }
        }
    }
    let lane_w: Vec<f64> = widest.iter().map(|w| (w + 28.0).max(LANE_MIN)).collect();
    let mut lane_x = Vec::with_capacity(lanes);
    let mut x = PAD + STEP_W;
    for w in &lane_w {
        lane_x.push(x + w / 2.0);
        x += w;
    }
    let lanes_right = x;
    let any_preemption = trace.events.iter().any(|e| e.preempted.is_some());
    let right = lanes_right + if any_preemption { PREEMPT_W } else { 0.0 };

    let title = one_line(&trace.title);
    let outcome = outcome_line(trace);
    let detail = trace
        .detail
        .as_deref()
        .map(|d| format!("detail: {}", one_line(d)));
    let deadlock_head = trace.deadlock.as_ref().map(|d| {
        if d.cycle.is_empty() {
            "deadlock — every live thread is blocked".to_string()
        } else {
            let mut names: Vec<&str> = d.cycle.iter().map(|&t| trace.thread_name(t)).collect();
            names.push(trace.thread_name(d.cycle[0]));
            format!("deadlock — wait-for cycle: {}", names.join(" → "))
        }
    });

    // Vertical layout.
    let title_y = PAD + 12.0;
    let head_y = title_y + 28.0;
    let rows_top = head_y + 10.0;
    let row_y = |k: usize| rows_top + k as f64 * ROW + ROW / 2.0;
    let rows_bottom = rows_top + trace.events.len() as f64 * ROW;
    let (dl_head_y, dl_box_y, section_bottom) = if trace.deadlock.is_some() {
        let head = rows_bottom + 24.0;
        let boxy = head + 56.0;
        (head, boxy, boxy + 48.0)
    } else {
        (0.0, 0.0, rows_bottom)
    };
    let mut foot_y = section_bottom + 22.0;
    let detail_y = foot_y;
    if detail.is_some() {
        foot_y += 20.0;
    }
    let legend_y = foot_y + 24.0;

    let legend = legend_items(&links, any_preemption, trace.deadlock.is_some());
    let legend_w: f64 = legend.iter().map(|(_, t, _)| 34.0 + text_w(t)).sum();
    let width = [
        right + PAD,
        2.0 * PAD + text_w(&title),
        2.0 * PAD + text_w(&outcome),
        2.0 * PAD + detail.as_deref().map(text_w).unwrap_or(0.0),
        2.0 * PAD + deadlock_head.as_deref().map(text_w).unwrap_or(0.0),
        2.0 * PAD + legend_w,
    ]
    .into_iter()
    .fold(0.0, f64::max)
    .ceil();
    let height = (legend_y + PAD).ceil();

    let mut o = String::new();
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" class="racetrace-trace" data-lanes="{lanes}" data-marks="{marks}" data-links="{nlinks}" font-family="{FONT}" font-size="12" role="img" aria-label="{t}">"#,
        w = n(width),
        h = n(height),
        marks = trace.events.len(),
        nlinks = links.len() + trace.deadlock.as_ref().map_or(0, |d| d.cycle.len()),
        t = xml(&title),
    );
    let _ = writeln!(o, "<title>{}</title>", xml(&title));
    let _ = writeln!(
        o,
        r##"<rect width="{}" height="{}" fill="#ffffff"/>"##,
        n(width),
        n(height)
    );
    let _ = writeln!(
        o,
        r#"<text x="{}" y="{}" font-weight="bold">{}</text>"#,
        n(PAD),
        n(title_y),
        xml(&title)
    );

    // Preemption bands, under everything else.
    for (k, e) in trace.events.iter().enumerate() {
        if e.preempted.is_some() {
            let _ = writeln!(
                o,
                r#"<rect class="preemption" x="{}" y="{}" width="{}" height="{}" fill="{PREEMPT_BG}"/>"#,
                n(PAD),
                n(rows_top + k as f64 * ROW),
                n(right - PAD),
                n(ROW)
            );
        }
    }

    // Lanes: header and a dashed life line.
    let lane_bottom = section_bottom;
    for (i, &cx) in lane_x.iter().enumerate() {
        let _ = writeln!(
            o,
            r##"<g class="lane" data-thread="{i}"><text x="{x}" y="{y}" text-anchor="middle" font-weight="bold">{name}</text><line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="#c8c8c8" stroke-dasharray="4 3"/></g>"##,
            x = n(cx),
            y = n(head_y),
            name = xml(trace.thread_name(i)),
            y1 = n(head_y + 6.0),
            y2 = n(lane_bottom),
        );
    }

    // Step numbers.
    for (k, e) in trace.events.iter().enumerate() {
        let _ = writeln!(
            o,
            r#"<text x="{}" y="{}" text-anchor="end" fill="{GRAY}">{}</text>"#,
            n(PAD + STEP_W - 10.0),
            n(row_y(k) + 4.0),
            e.step
        );
    }

    // Arrows between marks, under the marks.
    let index_of = |step: usize| trace.events.iter().position(|e| e.step == step);
    let half = |k: usize| (text_w(&labels[k]) + 12.0) / 2.0;
    for l in &links {
        let (Some(a), Some(b)) = (index_of(l.from), index_of(l.to)) else {
            continue;
        };
        let (ta, tb) = (trace.events[a].thread, trace.events[b].thread);
        if ta >= lanes || tb >= lanes {
            continue;
        }
        let dir = if lane_x[ta] < lane_x[tb] { 1.0 } else { -1.0 };
        let sx = lane_x[ta] + dir * half(a);
        let sy = row_y(a);
        let ex = lane_x[tb] - dir * half(b);
        let ey = row_y(b);
        let k = ((ex - sx).abs() / 2.0).min(60.0);
        let colour = link_colour(l.kind);
        let dash = if matches!(l.kind, LinkKind::ReadsFrom | LinkKind::Join) {
            r#" stroke-dasharray="5 3""#
        } else {
            ""
        };
        let _ = writeln!(
            o,
            r#"<g class="link {kind}" data-from="{from}" data-to="{to}"><title>{t}</title><path d="M{sx} {sy} C{c1} {sy} {c2} {ey} {bx} {ey}" fill="none" stroke="{colour}" stroke-width="1.5"{dash}/>{head}</g>"#,
            kind = l.kind.name(),
            from = l.from,
            to = l.to,
            t = xml(&format!("step {} → step {}: {}", l.from, l.to, l.label)),
            sx = n(sx),
            sy = n(sy),
            c1 = n(sx + dir * k),
            c2 = n(ex - dir * k),
            bx = n(ex - dir * 6.0),
            ey = n(ey),
            head = arrowhead(ex, ey, dir, 0.0, colour),
        );
    }

    // Marks.
    for (k, e) in trace.events.iter().enumerate() {
        if e.thread >= lanes {
            continue;
        }
        let (fill, stroke) = mark_colours(e.access);
        let (stroke, sw) = if e.preempted.is_some() {
            (PREEMPT, "2")
        } else {
            (stroke, "1")
        };
        let w = text_w(&labels[k]) + 12.0;
        let cx = lane_x[e.thread];
        let y = row_y(k);
        let _ = writeln!(
            o,
            r#"<g class="mark {kind}" data-step="{step}" data-thread="{t}"><title>{tip}</title><rect x="{x}" y="{ry}" width="{w}" height="{MARK_H}" rx="4" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/><text x="{cx}" y="{ty}" text-anchor="middle">{text}</text></g>"#,
            kind = access_class(e.access),
            step = e.step,
            t = e.thread,
            tip = xml(&format!(
                "step {} · {} · {}",
                e.step,
                trace.thread_name(e.thread),
                labels[k]
            )),
            x = n(cx - w / 2.0),
            ry = n(y - MARK_H / 2.0),
            w = n(w),
            cx = n(cx),
            ty = n(y + 4.0),
            text = xml(&labels[k]),
        );
        if let Some(p) = e.preempted {
            let _ = writeln!(
                o,
                r#"<text class="preempts" x="{}" y="{}" fill="{PREEMPT}">← preempts {}</text>"#,
                n(lanes_right + 8.0),
                n(y + 4.0),
                xml(trace.thread_name(p))
            );
        }
    }

    // The deadlock: a box per blocked thread, and the wait-for cycle.
    if let (Some(d), Some(head)) = (&trace.deadlock, &deadlock_head) {
        let _ = writeln!(
            o,
            r#"<text class="deadlock" x="{}" y="{}" fill="{BLOCK}" font-weight="bold">{}</text>"#,
            n(PAD),
            n(dl_head_y),
            xml(head)
        );
        let box_half = |t: usize| -> f64 {
            d.blocked
                .iter()
                .find(|b| b.thread == t)
                .map(|b| (text_w(&blocked_label(b)) + 12.0) / 2.0)
                .unwrap_or(20.0)
        };
        for (i, &t) in d.cycle.iter().enumerate() {
            let to = d.cycle[(i + 1) % d.cycle.len()];
            if t >= lanes || to >= lanes {
                continue;
            }
            let waits = d
                .blocked
                .iter()
                .find(|b| b.thread == t)
                .map(|b| b.waits_for.as_str())
                .unwrap_or("?");
            let tip = xml(&format!(
                "{} waits for {} ({})",
                trace.thread_name(t),
                trace.thread_name(to),
                waits
            ));
            let (xa, xb) = (lane_x[t], lane_x[to]);
            let top = dl_box_y - MARK_H / 2.0;
            let bottom = dl_box_y + MARK_H / 2.0;
            let (path, head) = if t == to {
                let x0 = xa + box_half(t);
                (
                    format!(
                        "M{} {} C{} {} {} {} {} {}",
                        n(x0),
                        n(dl_box_y - 4.0),
                        n(x0 + 34.0),
                        n(dl_box_y - 26.0),
                        n(x0 + 34.0),
                        n(dl_box_y + 26.0),
                        n(x0 + 6.0),
                        n(dl_box_y + 4.0)
                    ),
                    arrowhead(x0, dl_box_y + 4.0, -1.0, 0.0, BLOCK),
                )
            } else if xa < xb {
                // Left to right: arc above the boxes.
                (
                    format!(
                        "M{} {} C{} {} {} {} {} {}",
                        n(xa),
                        n(top),
                        n(xa),
                        n(top - 40.0),
                        n(xb),
                        n(top - 40.0),
                        n(xb),
                        n(top - 6.0)
                    ),
                    arrowhead(xb, top, 0.0, 1.0, BLOCK),
                )
            } else {
                // Right to left: arc below.
                (
                    format!(
                        "M{} {} C{} {} {} {} {} {}",
                        n(xa),
                        n(bottom),
                        n(xa),
                        n(bottom + 40.0),
                        n(xb),
                        n(bottom + 40.0),
                        n(xb),
                        n(bottom + 6.0)
                    ),
                    arrowhead(xb, bottom, 0.0, -1.0, BLOCK),
                )
            };
            let _ = writeln!(
                o,
                r#"<g class="link wait-for" data-from-thread="{t}" data-to-thread="{to}"><title>{tip}</title><path d="{path}" fill="none" stroke="{BLOCK}" stroke-width="2"/>{head}</g>"#,
            );
        }
        for b in &d.blocked {
            if b.thread >= lanes {
                continue;
            }
            let text = blocked_label(b);
            let w = text_w(&text) + 12.0;
            let cx = lane_x[b.thread];
            let _ = writeln!(
                o,
                r##"<g class="blocked" data-thread="{t}"><title>{tip}</title><rect x="{x}" y="{y}" width="{w}" height="{MARK_H}" rx="4" fill="#fde8e8" stroke="{BLOCK}" stroke-width="2"/><text x="{cx}" y="{ty}" text-anchor="middle">{text}</text></g>"##,
                t = b.thread,
                tip = xml(&format!("{} {}", trace.thread_name(b.thread), text)),
                x = n(cx - w / 2.0),
                y = n(dl_box_y - MARK_H / 2.0),
                w = n(w),
                cx = n(cx),
                ty = n(dl_box_y + 4.0),
                text = xml(&text),
            );
        }
    }

    // Footer: detail, outcome, legend.
    if let Some(dt) = &detail {
        let _ = writeln!(
            o,
            r#"<text class="detail" x="{}" y="{}">{}</text>"#,
            n(PAD),
            n(detail_y),
            xml(dt)
        );
    }
    let _ = writeln!(
        o,
        r#"<text class="outcome" x="{}" y="{}" font-weight="bold" fill="{}">{}</text>"#,
        n(PAD),
        n(foot_y),
        if trace.allowed { WRITE } else { BLOCK },
        xml(&outcome)
    );
    let mut lx = PAD;
    for (colour, text, dashed) in &legend {
        let dash = if *dashed {
            r#" stroke-dasharray="5 3""#
        } else {
            ""
        };
        let _ = writeln!(
            o,
            r##"<g class="legend"><line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{colour}" stroke-width="{sw}"{dash}/><text x="{}" y="{ty}" fill="#555555">{}</text></g>"##,
            n(lx),
            n(lx + 22.0),
            n(lx + 26.0),
            xml(text),
            y = n(legend_y - 4.0),
            ty = n(legend_y),
            sw = if *colour == PREEMPT_BG { "10" } else { "2" },
        );
        lx += 34.0 + text_w(text);
    }
    o.push_str("</svg>\n");
    o
}

/// The legend entries used by this diagram: colour, words, dashed?
fn legend_items(
    links: &[super::Link],
    preemption: bool,
    deadlock: bool,
) -> Vec<(&'static str, &'static str, bool)> {
    let has = |k: LinkKind| links.iter().any(|l| l.kind == k);
    let mut v = Vec::new();
    if has(LinkKind::Spawn) || has(LinkKind::Join) {
        v.push((GRAY, "spawn / exit → join", false));
    }
    if has(LinkKind::Lock) {
        v.push((LOCK, "lock handed over", false));
    }
    if has(LinkKind::Notify) {
        v.push((NOTIFY, "notify → woken", false));
    }
    if has(LinkKind::ReadsFrom) {
        v.push((WRITE, "write → read that saw it", true));
    }
    if preemption {
        v.push((PREEMPT_BG, "preemption", false));
    }
    if deadlock {
        v.push((BLOCK, "waits for", false));
    }
    v
}

/// A small filled triangle with its tip at (x, y), pointing along (dx, dy)
/// (one of them ±1, the other 0).
fn arrowhead(x: f64, y: f64, dx: f64, dy: f64, colour: &str) -> String {
    let (bx, by) = (x - dx * 7.0, y - dy * 7.0);
    let (px, py) = (-dy * 3.5, dx * 3.5);
    format!(
        r#"<path d="M{} {} L{} {} L{} {} Z" fill="{colour}"/>"#,
        n(x),
        n(y),
        n(bx + px),
        n(by + py),
        n(bx - px),
        n(by - py)
    )
}

fn access_class(a: Access) -> &'static str {
    match a {
        Access::Read => "read",
        Access::Write => "write",
        Access::ReadModifyWrite => "rmw",
        Access::Lock => "lock",
        Access::TryLockFailed => "try-lock-failed",
        Access::Unlock => "unlock",
        Access::Wait => "wait",
        Access::Wake => "wake",
        Access::Notify => "notify",
        Access::Block => "block",
        Access::Spawn => "spawn",
        Access::Join => "join",
        Access::Exit => "exit",
    }
}

/// Text safe in XML character data and attribute values.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Not allowed in XML 1.0 at all, not even as references.
            c if (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
                || matches!(c, '\u{FFFE}' | '\u{FFFF}') =>
            {
                out.push('\u{FFFD}')
            }
            c => out.push(c),
        }
    }
    out
}
