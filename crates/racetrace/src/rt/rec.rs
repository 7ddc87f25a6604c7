//! The compact record of one operation ([`Rec`]), kept for every step of
//! every execution, and its public form ([`Event`]), built only for a trace
//! that is shown or kept (an outcome's witness, a replay, a real run).
//!
//! Recording is on the hot path of exploration: a `Rec` borrows what it can
//! (the operation's text, the source location) and leaves the object's name
//! to be looked up when the [`Event`] is built, so that most steps allocate
//! nothing beyond the value the primitive shows.

use crate::trace::{Access, Event};
use std::borrow::Cow;
use std::panic::Location;

/// One recorded operation; the fields as in [`Event`], except as noted.
#[derive(Clone, Debug)]
pub(crate) struct Rec {
    pub(crate) thread: usize,
    pub(crate) object: Option<usize>,
    /// Whether `object` had a name when this was recorded.
    pub(crate) named: bool,
    /// The name `object` had when this was recorded, set only when the
    /// object was renamed afterwards (see [`stamp_names`]); otherwise the
    /// name is the object's at the end of the execution.
    pub(crate) name: Option<String>,
    pub(crate) access: Access,
    pub(crate) op: Cow<'static, str>,
    pub(crate) value: Option<String>,
    pub(crate) old: Option<String>,
    pub(crate) reads_from: Option<usize>,
    pub(crate) stale: bool,
    pub(crate) note: Option<String>,
    pub(crate) preempted: Option<usize>,
    pub(crate) yielded: bool,
    pub(crate) location: Option<&'static Location<'static>>,
}

/// Object `id` is about to be renamed from `old`: the records of it so far
/// keep `old`.
pub(super) fn stamp_names(recs: &mut [Rec], id: usize, old: &str) {
    for r in recs {
        if r.object == Some(id) && r.named && r.name.is_none() {
            r.name = Some(old.to_string());
        }
    }
}

/// The public events of an execution's records; `names` are the objects'
/// names at its end.
pub(crate) fn public_events(recs: Vec<Rec>, names: &[String]) -> Vec<Event> {
    recs.into_iter()
        .enumerate()
        .map(|(i, r)| Event {
            step: i + 1,
            thread: r.thread,
            object: r.object,
            name: match (r.name, r.object) {
                (Some(n), _) => Some(n),
                (None, Some(o)) if r.named => names.get(o).cloned(),
                _ => None,
            },
            access: r.access,
            op: r.op.into_owned(),
            value: r.value,
            old: r.old,
            reads_from: r.reads_from,
            stale: r.stale,
            note: r.note,
            preempted: r.preempted,
            yielded: r.yielded,
            location: r.location.map(|l| format!("{}:{}", l.file(), l.line())),
        })
        .collect()
}

impl crate::trace::Recorded for Rec {
    fn thread(&self) -> usize {
        self.thread
    }
    fn access(&self) -> Access {
        self.access
    }
    fn op(&self) -> &str {
        &self.op
    }
    fn object(&self) -> Option<usize> {
        self.object
    }
    fn yielded(&self) -> bool {
        self.yielded
    }
    fn set_preempted(&mut self, p: Option<usize>) {
        self.preempted = p;
    }
}
