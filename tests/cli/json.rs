//! docs/json.md is the schema of every JSON output: each command's JSON is
//! parsed and every object checked against the documented keys and types of
//! its type (exactly those keys, optional ones aside), as is each example in
//! the page.

use super::run::racetrace;
use serde_json::Value;
use std::collections::BTreeMap;

/// A documented type.
#[derive(Debug, Clone)]
enum Ty {
    String,
    Integer,
    Number,
    Boolean,
    Null,
    Array(Box<Ty>),
    Map(Box<Ty>),
    Object(String),
    Either(Vec<Ty>),
}

/// Documented keys of an object type: key → (type, optional).
type Fields = BTreeMap<String, (Ty, bool)>;

fn parse_ty(s: &str) -> Ty {
    let s = s.trim();
    let alts: Vec<&str> = s.split(" or ").collect();
    if alts.len() > 1 {
        return Ty::Either(alts.into_iter().map(parse_ty).collect());
    }
    if let Some(rest) = s.strip_prefix("array of ") {
        return Ty::Array(Box::new(parse_ty(rest)));
    }
    if let Some(rest) = s.strip_prefix("map of ") {
        return Ty::Map(Box::new(parse_ty(rest)));
    }
    match s {
        "string" => Ty::String,
        "integer" => Ty::Integer,
        "number" => Ty::Number,
        "boolean" => Ty::Boolean,
        "null" => Ty::Null,
        _ => {
            let name = s
                .strip_prefix("[`")
                .and_then(|r| r.split_once("`]"))
                .unwrap_or_else(|| panic!("docs/json.md: unknown type '{s}'"))
                .0;
            Ty::Object(name.to_string())
        }
    }
}

/// The object types of docs/json.md and its JSON examples, in order.
fn doc() -> (BTreeMap<String, Fields>, Vec<String>) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json.md"))
        .expect("docs/json.md");
    let mut types: BTreeMap<String, Fields> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut examples = Vec::new();
    let mut example: Option<String> = None;
    for line in text.lines() {
        if let Some(ex) = &mut example {
            if line == "```" {
                examples.push(example.take().unwrap());
            } else {
                ex.push_str(line);
                ex.push('\n');
            }
            continue;
        }
        if line == "```json" {
            example = Some(String::new());
        } else if let Some(name) = line.strip_prefix("### `") {
            let name = name.trim_end_matches('`').to_string();
            types.insert(name.clone(), Fields::new());
            current = Some(name);
        } else if line.starts_with("## ") {
            current = None;
        } else if let (Some(t), Some(row)) = (&current, line.strip_prefix("| `")) {
            let cells: Vec<&str> = row.split(" | ").collect();
            let key = cells[0].trim_end_matches('`').to_string();
            let (ty, optional) = match cells[1].strip_suffix(" (optional)") {
                Some(ty) => (ty, true),
                None => (cells[1], false),
            };
            let fields = types.get_mut(t).unwrap();
            assert!(
                fields
                    .insert(key.clone(), (parse_ty(ty), optional))
                    .is_none(),
                "docs/json.md: {t}.{key} documented twice"
            );
        }
    }
    (types, examples)
}

/// Every departure of `v` from `ty`, with where it is.
fn check(types: &BTreeMap<String, Fields>, v: &Value, ty: &Ty, at: &str, errors: &mut Vec<String>) {
    let ok = match ty {
        Ty::String => v.is_string(),
        Ty::Integer => v.is_u64(),
        Ty::Number => v.is_number(),
        Ty::Boolean => v.is_boolean(),
        Ty::Null => v.is_null(),
        Ty::Either(alts) => {
            let fits = alts.iter().find(|t| {
                let mut e = Vec::new();
                check(types, v, t, at, &mut e);
                e.is_empty()
            });
            match fits {
                Some(_) => true,
                None => {
                    // Report the alternative of the same JSON kind, if any.
                    for t in alts {
                        check(types, v, t, at, errors);
                    }
                    return;
                }
            }
        }
        Ty::Array(inner) => match v.as_array() {
            Some(a) => {
                for (i, e) in a.iter().enumerate() {
                    check(types, e, inner, &format!("{at}[{i}]"), errors);
                }
                true
            }
            None => false,
        },
        Ty::Map(inner) => match v.as_object() {
            Some(m) => {
                for (k, e) in m {
                    check(types, e, inner, &format!("{at}.{k}"), errors);
                }
                true
            }
            None => false,
        },
        Ty::Object(name) => {
            let fields = types
                .get(name)
                .unwrap_or_else(|| panic!("docs/json.md: no section for type {name}"));
            match v.as_object() {
                Some(m) => {
                    for k in m.keys() {
                        if !fields.contains_key(k) {
                            errors.push(format!("{at}: key '{k}' is not documented for {name}"));
                        }
                    }
                    for (k, (t, optional)) in fields {
                        match m.get(k) {
                            Some(e) => check(types, e, t, &format!("{at}.{k}"), errors),
                            None if *optional => {}
                            None => errors
                                .push(format!("{at}: documented key '{k}' of {name} is missing")),
                        }
                    }
                    true
                }
                None => false,
            }
        }
    };
    if !ok {
        errors.push(format!("{at}: {v} is not {ty:?}"));
    }
}

fn assert_fits(types: &BTreeMap<String, Fields>, what: &str, v: &Value, ty: &Ty) {
    let mut errors = Vec::new();
    check(types, v, ty, "$", &mut errors);
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

fn obj(name: &str) -> Ty {
    Ty::Object(name.to_string())
}

/// What each command prints, as the page's table says.
fn tops() -> [Ty; 6] {
    [
        Ty::Array(Box::new(obj("Pattern"))),
        obj("Check"),
        obj("Report"),
        obj("Exploration"),
        obj("Replayed"),
        obj("TraceFile"),
    ]
}

#[test]
fn every_example_in_docs_json_fits_its_documented_type() {
    let (types, examples) = doc();
    let tops = tops();
    assert_eq!(examples.len(), tops.len(), "one example per output");
    for (i, (ex, ty)) in examples.iter().zip(&tops).enumerate() {
        let v: Value = serde_json::from_str(ex)
            .unwrap_or_else(|e| panic!("docs/json.md example {}: {e}", i + 1));
        assert_fits(&types, &format!("docs/json.md example {}", i + 1), &v, ty);
    }
}

fn json_of(args: &[&str], code: i32) -> Value {
    let o = racetrace(args);
    assert_eq!(o.code, Some(code), "{args:?}: {}", o.stderr);
    serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

#[test]
fn every_json_output_has_exactly_the_documented_keys_and_types() {
    let (types, _) = doc();
    let [list, check, report, exploration, replayed, trace_file] = tops();
    let dir = std::env::temp_dir().join(format!("racetrace-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = dir.join("t.json");
    let s = saved.to_str().unwrap();
    let cases: Vec<(Vec<&str>, i32, &Ty)> = vec![
        (vec!["list", "--json"], 0, &list),
        (vec!["check", "relock", "lock-order", "--json"], 0, &check),
        (
            vec!["outcomes", "relock", "--variant", "non-reentrant", "--json"],
            0,
            &report,
        ),
        (
            vec![
                "outcomes",
                "unsafe-counter",
                "--threads",
                "2",
                "--ops",
                "1",
                "--backend",
                "loom",
                "--json",
            ],
            0,
            &report,
        ),
        (
            vec![
                "outcomes",
                "lock-order",
                "--variant",
                "opposite-order",
                "--backend",
                "real",
                "--max-schedules",
                "5",
                "--json",
            ],
            0,
            &report,
        ),
        (
            vec![
                "outcomes",
                "unsafe-counter",
                "--backend",
                "shuttle-pct",
                "--seed",
                "3",
                "--max-schedules",
                "20",
                "--json",
            ],
            0,
            &report,
        ),
        (
            vec!["explore", "relock", "--json", "--save", s],
            1,
            &exploration,
        ),
        (
            vec![
                "explore",
                "locked-counter",
                "--variant",
                "mutex",
                "--backend",
                "shuttle-dfs",
                "--json",
            ],
            0,
            &exploration,
        ),
    ];
    for (args, code, ty) in &cases {
        let v = json_of(args, *code);
        assert_fits(&types, &format!("{args:?}"), &v, ty);
    }
    let v = json_of(&["replay", s, "--json"], 0);
    assert_fits(&types, "replay --json", &v, &replayed);
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_fits(&types, "explore --save", &file, &trace_file);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_key_the_page_does_not_document_is_caught() {
    // The check itself: an extra key, a missing one, a wrong type.
    let (types, examples) = doc();
    let mut v: Value = serde_json::from_str(&examples[1]).unwrap();
    v["checks"][0]["seconds"] = Value::from(0.5);
    let mut errors = Vec::new();
    check(&types, &v, &obj("Check"), "$", &mut errors);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("'seconds' is not documented")),
        "{errors:?}"
    );
    let mut v: Value = serde_json::from_str(&examples[1]).unwrap();
    v["checks"][0]
        .as_object_mut()
        .unwrap()
        .remove("as_specified");
    v["elapsed"] = Value::from("soon");
    let mut errors = Vec::new();
    check(&types, &v, &obj("Check"), "$", &mut errors);
    assert_eq!(errors.len(), 2, "{errors:?}");
}
