//! A trace as a Mermaid `sequenceDiagram`: one participant per thread, one
//! note per operation (`4 · load counter → 0`), a message for each arrow of
//! [`super::links`] placed just before the event it points to, a shaded
//! `rect` around each preempting operation, and for a deadlock the wait-for
//! cycle as crossed messages at the end.
//!
//! All text goes through [`escape`]: Mermaid ends a statement at `;` and
//! treats `#…;` as an entity, so those and the HTML-special characters are
//! written as numeric entity codes (`#59;`), which Mermaid turns back into
//! the characters.

use super::{LinkKind, blocked_label, label, links, one_line, outcome_line};
use racetrace::trace::Trace;
use std::fmt::Write as _;

/// Fill of the `rect` around a preempting operation.
const PREEMPTION_FILL: &str = "rgba(255, 170, 0, 0.25)";

/// Render `trace` as Mermaid `sequenceDiagram` source (no fences).
pub fn render(trace: &Trace) -> String {
    let mut out = String::from("sequenceDiagram\n");
    let _ = writeln!(out, "    title {}", escape(&trace.title));
    let n = trace.threads.len().max(1);
    for i in 0..n {
        let _ = writeln!(
            out,
            "    participant T{i} as {}",
            escape(trace.thread_name(i))
        );
    }
    let links = links(trace);
    let mut next = links.iter().peekable();
    for e in &trace.events {
        let preempting = e.preempted.is_some();
        if preempting {
            let _ = writeln!(out, "    rect {PREEMPTION_FILL}");
        }
        while let Some(l) = next.next_if(|l| l.to == e.step) {
            let Some(from) = trace.events.iter().find(|x| x.step == l.from) else {
                continue;
            };
            let arrow = match l.kind {
                LinkKind::Spawn | LinkKind::Lock => "->>",
                LinkKind::Join | LinkKind::ReadsFrom => "-->>",
                LinkKind::Notify => "-)",
            };
            let _ = writeln!(
                out,
                "    T{}{arrow}T{}: {}",
                from.thread,
                e.thread,
                escape(&l.label)
            );
        }
        let mut text = format!("{} · {}", e.step, label(trace, e));
        if let Some(p) = e.preempted {
            let _ = write!(text, " · preempts {}", trace.thread_name(p));
        }
        let _ = writeln!(out, "    Note over T{}: {}", e.thread, escape(&text));
        if preempting {
            out.push_str("    end\n");
        }
    }
    if let Some(d) = &trace.deadlock {
        let lanes: Vec<usize> = if d.cycle.is_empty() {
            d.blocked.iter().map(|b| b.thread).collect()
        } else {
            d.cycle.clone()
        };
        let head = if d.cycle.is_empty() {
            "deadlock — every live thread is blocked".to_string()
        } else {
            let mut names: Vec<&str> = d.cycle.iter().map(|&t| trace.thread_name(t)).collect();
            names.push(trace.thread_name(d.cycle[0]));
            format!("deadlock — wait-for cycle: {}", names.join(" → "))
        };
        let _ = writeln!(out, "    Note over {}: {}", span(&lanes, n), escape(&head));
        for b in &d.blocked {
            let _ = writeln!(
                out,
                "    Note over T{}: {}",
                b.thread,
                escape(&blocked_label(b))
            );
        }
        for (i, &t) in d.cycle.iter().enumerate() {
            let to = d.cycle[(i + 1) % d.cycle.len()];
            let waits = d
                .blocked
                .iter()
                .find(|b| b.thread == t)
                .map(|b| b.waits_for.as_str())
                .unwrap_or("?");
            let _ = writeln!(
                out,
                "    T{t}-xT{to}: {}",
                escape(&format!("waits for {waits}"))
            );
        }
    }
    let all: Vec<usize> = (0..n).collect();
    if let Some(detail) = &trace.detail {
        let _ = writeln!(
            out,
            "    Note over {}: {}",
            span(&all, n),
            escape(&format!("detail: {}", one_line(detail)))
        );
    }
    let _ = writeln!(
        out,
        "    Note over {}: {}",
        span(&all, n),
        escape(&outcome_line(trace))
    );
    out
}

/// `T1` or `T0,T3`: a note over the lanes from the lowest to the highest of `lanes`.
fn span(lanes: &[usize], n: usize) -> String {
    let lo = lanes.iter().copied().min().unwrap_or(0).min(n - 1);
    let hi = lanes.iter().copied().max().unwrap_or(0).min(n - 1);
    if lo == hi {
        format!("T{lo}")
    } else {
        format!("T{lo},T{hi}")
    }
}

/// Text safe anywhere in a Mermaid statement: one line, with the characters
/// Mermaid or HTML would interpret written as entity codes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#60;"),
            '>' => out.push_str("#62;"),
            '&' => out.push_str("#38;"),
            '"' => out.push_str("#34;"),
            '%' => out.push_str("#37;"),
            _ => out.push(c),
        }
    }
    out
}
