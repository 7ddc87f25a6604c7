//! `std::sync::{OnceLock, LazyLock, Once}` under `model`. The value lives in
//! a `std::sync::OnceLock` (so `get` can lend `&T` for as long as std's
//! does), but it is read and written only under a traced mutex (the *gate*:
//! "someone is initialising") with a traced condition variable, so a race to
//! initialise is explored by every checker: the initialiser runs once, the
//! losers block until it is done (a thread that waits for an initialiser
//! that never ends is a reported deadlock).
//!
//! `new` is `const`, as std's: the gate is made on first use, by the
//! execution that uses it, and made again when another execution (the next
//! explored schedule) or no execution uses the cell, so a `static` works
//! under every checker. What a checker cannot undo is the value itself: a
//! `static` keeps the value of the first schedule that set it in every
//! later one, so its initialisation race is explored only once. Create the
//! cell inside the explored closure to explore that race.
//!
//! Poisoning as std: a panicking `OnceLock` initialiser leaves the cell
//! empty for the next caller; a panicking `LazyLock` or `Once` initialiser
//! poisons it, and every later (or waiting) caller panics.

use super::condvar::Condvar;
use super::mutex::{Mutex, MutexGuard};
use crate::rt::{self, Execution};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, PoisonError, Weak};

/// Who is initialising: the traced part of a [`OnceLock`].
struct Gate {
    busy: Mutex<bool>,
    done: Condvar,
}

impl Gate {
    #[track_caller]
    fn lock(&self) -> MutexGuard<'_, bool> {
        self.busy.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The gate, and the execution it belongs to (`None`: no execution).
type Slot = Option<(Option<Weak<Execution>>, Arc<Gate>)>;

/// A cell written once, with `std::sync::OnceLock`'s API.
///
/// `new` is `const`, so a `static` works under every checker, but it keeps
/// the value the first explored schedule set in every later one: create
/// the cell inside the explored closure to explore its initialisation race.
pub struct OnceLock<T> {
    value: std::sync::OnceLock<T>,
    gate: std::sync::Mutex<Slot>,
}

impl<T> OnceLock<T> {
    /// An empty cell.
    pub const fn new() -> OnceLock<T> {
        OnceLock {
            value: std::sync::OnceLock::new(),
            gate: std::sync::Mutex::new(None),
        }
    }

    /// This execution's gate (made now if this is its first use here).
    fn gate(&self) -> Arc<Gate> {
        let exec = rt::ctx().map(|c| Arc::downgrade(&c.exec));
        let mut slot = self.gate.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((owner, gate)) = &*slot {
            let same = match (owner, &exec) {
                (None, None) => true,
                (Some(a), Some(b)) => a.ptr_eq(b),
                _ => false,
            };
            if same {
                return gate.clone();
            }
        }
        // Making the traced parts registers them; it is no scheduling point.
        let gate = Arc::new(Gate {
            busy: Mutex::new(false),
            done: Condvar::new(),
        });
        *slot = Some((exec, gate.clone()));
        gate
    }

    /// The value, if it is set (initialised, not still being initialised).
    /// A scheduling point: it reads the cell under its lock.
    #[track_caller]
    pub fn get(&self) -> Option<&T> {
        let gate = self.gate();
        let _g = gate.lock();
        self.value.get()
    }

    /// The value, through a unique borrow.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }

    /// Set the value if it is not set yet (waiting for an initialisation
    /// under way); else hand `value` back.
    #[track_caller]
    pub fn set(&self, value: T) -> Result<(), T> {
        let mut value = Some(value);
        self.get_or_init(|| value.take().expect("taken once"));
        match value {
            None => Ok(()),
            Some(v) => Err(v),
        }
    }

    /// The value, computing it with `f` if it is not set yet. Exactly one
    /// caller runs its `f`; the others wait for it. If `f` panics, the cell
    /// stays empty and the next caller (or a waiting one) runs its own.
    #[track_caller]
    pub fn get_or_init<F>(&self, f: F) -> &T
    where
        F: FnOnce() -> T,
    {
        let gate = self.gate();
        let mut busy = gate.lock();
        loop {
            if let Some(v) = self.value.get() {
                return v;
            }
            if !*busy {
                break;
            }
            busy = gate.done.wait(busy).unwrap_or_else(PoisonError::into_inner);
        }
        *busy = true;
        drop(busy);
        // Reopens the gate whether `f` returns or unwinds.
        struct Reopen<'a>(&'a Gate);
        impl Drop for Reopen<'_> {
            fn drop(&mut self) {
                if super::rwlock::unwinding_abandoned() {
                    return;
                }
                *self.0.lock() = false;
                self.0.done.notify_all();
            }
        }
        let reopen = Reopen(&gate);
        let v = f();
        let mut busy = gate.lock();
        // Stored under the gate's lock: every read of the value is too, so
        // the checkers see who set it before whom.
        let _ = self.value.set(v);
        *busy = false;
        gate.done.notify_all();
        drop(busy);
        std::mem::forget(reopen);
        self.value.get().expect("just set")
    }

    /// The value, consuming the cell.
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }

    /// Take the value out, leaving the cell empty.
    pub fn take(&mut self) -> Option<T> {
        self.value.take()
    }
}

impl<T> Default for OnceLock<T> {
    fn default() -> OnceLock<T> {
        OnceLock::new()
    }
}

impl<T> From<T> for OnceLock<T> {
    fn from(value: T) -> OnceLock<T> {
        OnceLock {
            value: std::sync::OnceLock::from(value),
            gate: std::sync::Mutex::new(None),
        }
    }
}

impl<T: Clone> Clone for OnceLock<T> {
    #[track_caller]
    fn clone(&self) -> OnceLock<T> {
        match self.get() {
            Some(v) => OnceLock::from(v.clone()),
            None => OnceLock::new(),
        }
    }
}

impl<T: PartialEq> PartialEq for OnceLock<T> {
    #[track_caller]
    fn eq(&self, other: &OnceLock<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceLock<T> {}

/// `OnceLock(value)` or `OnceLock(<uninit>)`, as std. Not a scheduling point.
impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_cell(f, "OnceLock", self.value.get())
    }
}

fn debug_cell<T: fmt::Debug>(f: &mut fmt::Formatter<'_>, name: &str, v: Option<&T>) -> fmt::Result {
    let mut d = f.debug_tuple(name);
    match v {
        Some(v) => d.field(v),
        None => d.field(&format_args!("<uninit>")),
    };
    d.finish()
}

/// A value computed on first use, with `std::sync::LazyLock`'s API.
pub struct LazyLock<T, F = fn() -> T> {
    cell: OnceLock<T>,
    // `None` once taken by the first `force`: if that one panicked, every
    // later `force` finds it gone and panics too (std's poisoning).
    init: std::sync::Mutex<Option<F>>,
}

impl<T, F: FnOnce() -> T> LazyLock<T, F> {
    /// A value that `f` computes on first use.
    pub const fn new(f: F) -> LazyLock<T, F> {
        LazyLock {
            cell: OnceLock::new(),
            init: std::sync::Mutex::new(Some(f)),
        }
    }

    /// The value, computing it if this is the first use.
    #[track_caller]
    pub fn force(this: &LazyLock<T, F>) -> &T {
        this.cell.get_or_init(|| {
            let f = this
                .init
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            match f {
                Some(f) => f(),
                None => panic!("LazyLock instance has previously been poisoned"),
            }
        })
    }
}

impl<T, F: FnOnce() -> T> std::ops::Deref for LazyLock<T, F> {
    type Target = T;
    #[track_caller]
    fn deref(&self) -> &T {
        LazyLock::force(self)
    }
}

impl<T: Default> Default for LazyLock<T> {
    fn default() -> LazyLock<T> {
        LazyLock::new(T::default)
    }
}

/// `LazyLock(value)` or `LazyLock(<uninit>)`, as std. Not a scheduling point.
impl<T: fmt::Debug, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_cell(f, "LazyLock", self.cell.value.get())
    }
}

/// A one-time initialisation, with `std::sync::Once`'s API.
pub struct Once {
    ran: OnceLock<()>,
    poisoned: AtomicBool,
}

impl Once {
    /// Not run yet.
    #[allow(clippy::new_without_default)] // std's has no `Default` either
    pub const fn new() -> Once {
        Once {
            ran: OnceLock::new(),
            poisoned: AtomicBool::new(false),
        }
    }

    /// Run `f` if no call has run it yet; every caller returns after it ran.
    /// If `f` panics the `Once` is poisoned: this and every later (or
    /// waiting) `call_once` panics.
    #[track_caller]
    pub fn call_once<F>(&self, f: F)
    where
        F: FnOnce(),
    {
        // Sets the flag if `f` unwinds. Set before the gate reopens, read
        // after the next caller passes it: the traced mutex orders the two.
        struct Poison<'a>(&'a AtomicBool);
        impl Drop for Poison<'_> {
            fn drop(&mut self) {
                self.0.store(true, Relaxed);
            }
        }
        self.ran.get_or_init(|| {
            if self.poisoned.load(Relaxed) {
                panic!("Once instance has previously been poisoned");
            }
            let poison = Poison(&self.poisoned);
            f();
            std::mem::forget(poison);
        });
    }

    /// Has a `call_once` completed? (A scheduling point, as
    /// [`OnceLock::get`].)
    #[track_caller]
    pub fn is_completed(&self) -> bool {
        self.ran.get().is_some()
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once").finish_non_exhaustive()
    }
}
