//! The docs are the manual, and they quote real traces: every block between
//! `<!-- snapshot: NAME -->` and `<!-- /snapshot -->` in `docs/*.md` must be
//! the snapshot `tests/snapshots/traces__NAME.snap`, byte for byte. Every
//! pattern must be quoted by some page, and every variant named there.
//!
//! After reviewing changed snapshots, refresh the pages with
//! `RACETRACE_UPDATE_DOCS=1 cargo test --test docs` (or `just docs`).

use std::path::{Path, PathBuf};

const OPEN: &str = "<!-- snapshot: ";
const CLOSE: &str = "<!-- /snapshot -->";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn snapshot_body(name: &str) -> String {
    let path = root()
        .join("tests/snapshots")
        .join(format!("traces__{name}.snap"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // insta's header is a YAML block between the first two `---` lines.
    let mut parts = text.splitn(3, "---\n");
    parts.next();
    parts.next();
    parts.next().unwrap_or("").trim_end().to_string()
}

/// Each quoted block: (name, the text between the markers).
fn blocks(page: &str) -> Vec<(String, String, usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = page[from..].find(OPEN) {
        let start = from + i;
        let name_end = start + page[start..].find("-->").expect("unterminated marker");
        let name = page[start + OPEN.len()..name_end].trim().to_string();
        let body_start = name_end + 3;
        let end = body_start
            + page[body_start..]
                .find(CLOSE)
                .unwrap_or_else(|| panic!("{name}: no {CLOSE}"));
        out.push((name, page[body_start..end].to_string(), body_start, end));
        from = end + CLOSE.len();
    }
    out
}

fn render_block(body: &str) -> String {
    format!("\n```text\n{body}\n```\n")
}

fn pages() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    v.sort();
    v
}

#[test]
fn docs_quote_the_current_snapshots() {
    let update = std::env::var("RACETRACE_UPDATE_DOCS").is_ok();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let mut fixed = text.clone();
        for (name, body, start, end) in blocks(&text).into_iter().rev() {
            let want = render_block(&snapshot_body(&name));
            if body != want {
                if update {
                    fixed.replace_range(start..end, &want);
                } else {
                    panic!(
                        "{}: the block quoting snapshot '{name}' is out of date; review the snapshot, then run `RACETRACE_UPDATE_DOCS=1 cargo test --test docs`",
                        display(&page)
                    );
                }
            }
        }
        if update && fixed != text {
            std::fs::write(&page, fixed).unwrap();
        }
    }
}

fn display(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

#[test]
fn every_pattern_and_variant_is_documented() {
    let all: String = pages()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for p in racetrace_patterns::all() {
        assert!(
            all.contains(&format!("{OPEN}{}-", p.name)),
            "no docs page quotes a snapshot of pattern '{}'",
            p.name
        );
        for v in p.variants {
            assert!(
                all.contains(&format!("`{}`", v.name)),
                "variant '{}' of '{}' is not named in docs/",
                v.name,
                p.name
            );
        }
    }
}
