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
    /// A note made into words only for the public event (it names objects
    /// and threads); set instead of `note`.
    pub(crate) lazy_note: Option<LazyNote>,
    pub(crate) preempted: Option<usize>,
    pub(crate) yielded: bool,
    pub(crate) location: Option<&'static Location<'static>>,
}

impl Rec {
    /// Thread `thread`'s operation `op` of kind `access` on `object`
    /// (`named`: the object had a name then), nothing else known yet.
    pub(crate) fn new(
        thread: usize,
        access: Access,
        op: impl Into<Cow<'static, str>>,
        object: Option<usize>,
        named: bool,
    ) -> Rec {
        Rec {
            thread,
            object,
            named,
            name: None,
            access,
            op: op.into(),
            value: None,
            old: None,
            reads_from: None,
            stale: false,
            note: None,
            lazy_note: None,
            preempted: None,
            yielded: false,
            location: None,
        }
    }
}

/// A note of a condition-variable operation, kept as ids.
#[derive(Clone, Debug)]
pub(crate) enum LazyNote {
    /// A wait released mutex `m`: `releases m`.
    Releases(usize),
    /// A wait returned with mutex `m` re-acquired: `re-locks m`.
    Relocks(usize),
    /// A notify: the threads it may wake, the waiters still entering their
    /// wait (shuttle), and whether it wakes every one of `woken` (rather
    /// than one of them).
    Notify {
        woken: Vec<usize>,
        late: Vec<usize>,
        every: bool,
    },
}

impl LazyNote {
    /// The note in words; `names`: the objects' names when it was recorded,
    /// `threads`: the threads' names.
    fn words(&self, names: &[String], threads: &[String]) -> String {
        let name = |o: usize| names.get(o).map(String::as_str).unwrap_or_default();
        match self {
            LazyNote::Releases(m) => format!("releases {}", name(*m)),
            LazyNote::Relocks(m) => format!("re-locks {}", name(*m)),
            LazyNote::Notify { woken, late, every } => {
                let names: Vec<&str> = woken.iter().map(|&t| threads[t].as_str()).collect();
                let late: Vec<&str> = late.iter().map(|&t| threads[t].as_str()).collect();
                let mut note = match (names.len(), *every) {
                    (0, _) => "no waiter".to_string(),
                    (_, true) => format!("wakes {}", names.join(", ")),
                    (1, false) => format!("wakes {}", names[0]),
                    (_, false) => format!("wakes one of {}", names.join(", ")),
                };
                if !late.is_empty() {
                    // shuttle's wait had not queued them yet: lost to them.
                    let who = late.join(", ");
                    let (verb, whose) = if late.len() == 1 {
                        ("is", "its")
                    } else {
                        ("are", "their")
                    };
                    note = if names.is_empty() {
                        format!("no waiter yet: {who} {verb} still entering {whose} wait")
                    } else {
                        format!("{note}; missed by {who}, still entering {whose} wait")
                    };
                }
                note
            }
        }
    }
}

/// Object `id` is about to be renamed: the records so far that show its
/// name (as their object's, or in a note) keep the one it has now.
pub(super) fn stamp_names(recs: &mut [Rec], id: usize, names: &[String]) {
    for r in recs {
        if r.object == Some(id) && r.named && r.name.is_none() {
            r.name = Some(names[id].clone());
        }
        if let Some(LazyNote::Releases(m) | LazyNote::Relocks(m)) = r.lazy_note
            && m == id
        {
            // (These two name no thread.)
            r.note = r.lazy_note.take().map(|n| n.words(names, &[]));
        }
    }
}

/// The public events of an execution's records; `names` are the objects'
/// names at its end, `threads` the threads'.
pub(crate) fn public_events(recs: Vec<Rec>, names: &[String], threads: &[String]) -> Vec<Event> {
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
            note: match r.lazy_note {
                Some(n) => Some(n.words(names, threads)),
                None => r.note,
            },
            preempted: r.preempted,
            yielded: r.yielded,
            location: r.location.map(|l| format!("{}:{}", l.file(), l.line())),
        })
        .collect()
}
