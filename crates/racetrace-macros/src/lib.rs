//! `#[racetrace::test]`: the test's body is explored by racetrace (every
//! schedule, under `dpor` unless told otherwise) and the test fails on a
//! violation or an incomplete exploration. Re-exported by racetrace under
//! its `model` feature; see `racetrace::harness::Check` for the semantics.
//!
//! ```ignore
//! #[racetrace::test]
//! fn two_withdrawals_never_overdraw() { /* … */ }
//!
//! #[racetrace::test(backend = "loom", preemption_bound = 2, allow_incomplete)]
//! fn under_loom_within_two_preemptions() { /* … */ }
//!
//! #[racetrace::test(expect = "deadlock")]
//! fn opposite_transfers_deadlock() { /* … */ }
//! ```
//!
//! Arguments: `backend = "dpor" | "loom" | "shuttle-dfs" | "shuttle-random" |
//! "shuttle-pct" | "fuzz" | "rc11" | "real" | "portfolio"`, `max_schedules = N`,
//! `preemption_bound = N`, `max_seconds = N`, `seed = N`,
//! `expect = "deadlock" | "data-race" | "panic" | "<outcome>"`, and the flags
//! `allow_incomplete` and `assume_seq_cst`. Written without `syn`, so it costs almost nothing to
//! build.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use std::str::FromStr;

const BACKENDS: &[&str] = &[
    "real",
    "loom",
    "shuttle-dfs",
    "shuttle-random",
    "shuttle-pct",
    "dpor",
    "fuzz",
    "rc11",
    "portfolio",
];

/// Explore the test's body with racetrace; see the crate docs.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    match expand(args, item) {
        Ok(t) => t,
        Err((msg, span)) => error(&msg, span),
    }
}

type Failure = (String, Span);

fn expand(args: TokenStream, item: TokenStream) -> Result<TokenStream, Failure> {
    let chain = builder_calls(args)?;
    let tokens: Vec<TokenTree> = item.into_iter().collect();
    let fn_at = tokens
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "fn"))
        .ok_or_else(|| {
            (
                "#[racetrace::test] goes on a function".to_string(),
                Span::call_site(),
            )
        })?;
    let name = match tokens.get(fn_at + 1) {
        Some(TokenTree::Ident(i)) => i.clone(),
        _ => {
            return Err((
                "expected the test function's name".into(),
                Span::call_site(),
            ));
        }
    };
    let body = match tokens.last() {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => g.clone(),
        _ => return Err(("expected the test function's body".into(), name.span())),
    };
    match tokens.get(fn_at + 2) {
        Some(TokenTree::Group(g))
            if g.delimiter() == Delimiter::Parenthesis && g.stream().is_empty() => {}
        _ => {
            return Err((
                "a #[racetrace::test] function takes no arguments".into(),
                name.span(),
            ));
        }
    }
    if tokens.len() != fn_at + 4 {
        return Err((
            "a #[racetrace::test] function returns nothing and has no generics or where-clause"
                .into(),
            name.span(),
        ));
    }
    let mut out = TokenStream::from_str("#[test]").expect("tokens");
    out.extend(tokens[..fn_at].iter().cloned());
    out.extend(TokenStream::from_str("fn").expect("tokens"));
    out.extend([TokenTree::Ident(name.clone())]);
    out.extend(TokenStream::from_str("()").expect("tokens"));
    let mut inner = TokenStream::from_str("::racetrace::Check::new").expect("tokens");
    inner.extend([TokenTree::Group(Group::new(
        Delimiter::Parenthesis,
        TokenTree::Literal(Literal::string(&name.to_string())).into(),
    ))]);
    inner.extend(chain);
    inner.extend(TokenStream::from_str(".run").expect("tokens"));
    let mut closure = TokenStream::from_str("move ||").expect("tokens");
    closure.extend([TokenTree::Group(body)]);
    inner.extend([TokenTree::Group(Group::new(
        Delimiter::Parenthesis,
        closure,
    ))]);
    inner.extend(TokenStream::from_str(";").expect("tokens"));
    out.extend([TokenTree::Group(Group::new(Delimiter::Brace, inner))]);
    Ok(out)
}

/// `backend = "loom", allow_incomplete` → `.backend(…).allow_incomplete()`.
fn builder_calls(args: TokenStream) -> Result<TokenStream, Failure> {
    let mut out = TokenStream::new();
    let mut it = args.into_iter().peekable();
    while let Some(t) = it.next() {
        let TokenTree::Ident(key) = t else {
            return Err(("expected an argument name".into(), t.span()));
        };
        let k = key.to_string();
        if k == "allow_incomplete" || k == "assume_seq_cst" {
            out.extend(TokenStream::from_str(&format!(".{k}()")).expect("tokens"));
        } else {
            match it.next() {
                Some(TokenTree::Punct(p)) if p.as_char() == '=' => {}
                _ => return Err((format!("expected `{k} = value`"), key.span())),
            }
            let Some(TokenTree::Literal(v)) = it.next() else {
                return Err((format!("expected a literal value for `{k}`"), key.span()));
            };
            let text = v.to_string();
            let unquoted = text.trim_matches('"').to_string();
            let call = match k.as_str() {
                "backend" => {
                    if !BACKENDS.contains(&unquoted.as_str()) {
                        return Err((
                            format!(
                                "unknown backend {text} (expected one of: {})",
                                BACKENDS.join(", ")
                            ),
                            v.span(),
                        ));
                    }
                    format!(".backend({text}.parse().expect(\"a known backend\"))")
                }
                "expect" => format!(".expect({text})"),
                "max_schedules" | "preemption_bound" | "seed" => {
                    if unquoted.parse::<u64>().is_err() {
                        return Err((format!("`{k}` takes a whole number"), v.span()));
                    }
                    format!(".{k}({unquoted})")
                }
                "max_seconds" => {
                    if !unquoted
                        .parse::<f64>()
                        .is_ok_and(|s| s > 0.0 && s.is_finite())
                    {
                        return Err(("`max_seconds` takes a positive number".into(), v.span()));
                    }
                    format!(".max_seconds({unquoted} as f64)")
                }
                _ => {
                    return Err((
                        format!(
                            "unknown argument `{k}` (expected backend, max_schedules, preemption_bound, max_seconds, seed, expect, allow_incomplete, assume_seq_cst)"
                        ),
                        key.span(),
                    ));
                }
            };
            out.extend(TokenStream::from_str(&call).expect("tokens"));
        }
        match it.next() {
            None => break,
            Some(TokenTree::Punct(p)) if p.as_char() == ',' => {}
            Some(t) => return Err(("expected `,` between arguments".into(), t.span())),
        }
    }
    Ok(out)
}

/// `compile_error!("…")` at `span`.
fn error(msg: &str, span: Span) -> TokenStream {
    let mut t: Vec<TokenTree> = vec![
        TokenTree::Ident(Ident::new("compile_error", span)),
        TokenTree::Punct(Punct::new('!', Spacing::Alone)),
        TokenTree::Group(Group::new(
            Delimiter::Parenthesis,
            TokenTree::Literal(Literal::string(&format!("racetrace::test: {msg}"))).into(),
        )),
        TokenTree::Punct(Punct::new(';', Spacing::Alone)),
    ];
    for tt in &mut t {
        tt.set_span(span);
    }
    t.into_iter().collect()
}
