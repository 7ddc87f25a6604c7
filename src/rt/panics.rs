//! Panics inside an exploration are outcomes: racetrace records them and keeps
//! them off stderr. Everywhere else the previous hook runs as usual.

use std::any::Any;
use std::cell::Cell;

std::thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

pub(crate) fn install() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !QUIET.with(Cell::get) {
            previous(info);
        }
    }));
}

/// Silence panics on this OS thread while the guard lives.
pub(crate) struct Quiet(bool);

impl Quiet {
    pub(crate) fn new() -> Quiet {
        Quiet(QUIET.with(|q| q.replace(true)))
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        let old = self.0;
        QUIET.with(|q| q.set(old));
    }
}

/// The text of a panic payload.
pub(crate) fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}
