//! The RC11 litmus suite's parts (see `tests/rc11_litmus.rs`): the IR and
//! its RC11 oracle, an SC interleaving oracle, random programs, the litmus
//! families, and the interpreter onto racetrace.

#[path = "../common/full.rs"]
mod full;
pub mod interp;
pub mod litmus;
pub mod oracle;
pub mod random;
pub mod sc;
