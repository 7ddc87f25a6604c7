//! Parameter values given to a pattern's program and its spec, by name.

use serde::Serialize;
use std::collections::BTreeMap;

/// Parameter values, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Params(pub BTreeMap<String, usize>);

impl Params {
    /// The value of `name`. Panics if the pattern did not declare it.
    pub fn get(&self, name: &str) -> usize {
        match self.0.get(name) {
            Some(v) => *v,
            None => panic!("racetrace: parameter '{name}' is not set"),
        }
    }

    /// `threads=2 ops=2`.
    pub fn describe(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}
