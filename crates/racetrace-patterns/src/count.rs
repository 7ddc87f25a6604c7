//! Spec helpers shared by the patterns whose outcome is a final count.

use crate::pattern::Params;

/// Outcome must equal `threads × ops`.
pub fn exact(p: &Params, o: &str) -> bool {
    o.parse::<usize>().ok() == Some(p.get("threads") * p.get("ops"))
}

/// Words for a counter outcome.
pub fn explain(p: &Params, o: &str) -> String {
    let expected = p.get("threads") * p.get("ops");
    match o.parse::<usize>() {
        Ok(n) if n == expected => format!("every increment counted ({expected})"),
        Ok(n) if n < expected => {
            let lost = expected - n;
            format!(
                "lost update: {lost} increment{} lost (expected {expected})",
                if lost == 1 { "" } else { "s" }
            )
        }
        Ok(_) => format!("more than the {expected} increments made"),
        Err(_) => match o {
            "deadlock" => "deadlock: no thread can run".into(),
            "data-race" => "data race: two unordered accesses, one a write".into(),
            _ => "the program failed".into(),
        },
    }
}
