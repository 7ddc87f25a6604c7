//! `std::sync::{OnceLock, LazyLock, Once}` under `model`. The value lives in
//! a `std::sync::OnceLock` (so `get` can lend `&T` for as long as std's
//! does); who initialises it, and who waits for that, goes through a
//! traced mutex and condition variable, so racing initialisations are
//! explored: the initialiser runs once, and the losers block until it is
//! done. Those traced parts are made on first use, which lets `new` be
//! `const`, as std's is — but a `static` keeps its value from one explored
//! schedule to the next (as any static does under a model checker).

use super::condvar::Condvar;
use super::mutex::Mutex;
use std::fmt;
use std::sync::PoisonError;

/// Who is initialising: the traced part of a [`OnceLock`].
struct Gate {
    busy: Mutex<bool>,
    done: Condvar,
}

/// A cell written once, with `std::sync::OnceLock`'s API.
pub struct OnceLock<T> {
    value: std::sync::OnceLock<T>,
    gate: std::sync::OnceLock<Gate>,
}

impl<T> OnceLock<T> {
    /// An empty cell.
    pub const fn new() -> OnceLock<T> {
        OnceLock {
            value: std::sync::OnceLock::new(),
            gate: std::sync::OnceLock::new(),
        }
    }

    fn gate(&self) -> &Gate {
        self.gate.get_or_init(|| Gate {
            busy: Mutex::new(false),
            done: Condvar::new(),
        })
    }

    /// The value, if it is set. (A scheduling point: it reads the cell's
    /// state under its lock.)
    #[track_caller]
    pub fn get(&self) -> Option<&T> {
        drop(
            self.gate()
                .busy
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        self.value.get()
    }

    /// The value, through a unique borrow.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }

    /// Set the value if it is not set yet; else hand `value` back.
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
    /// caller runs its `f`; the others wait for it.
    #[track_caller]
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        let gate = self.gate();
        let mut busy = gate.busy.lock().unwrap_or_else(PoisonError::into_inner);
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
        // If `f` panics the cell stays empty and the next caller tries.
        struct Reopen<'a>(&'a Gate);
        impl Drop for Reopen<'_> {
            fn drop(&mut self) {
                *self.0.busy.lock().unwrap_or_else(PoisonError::into_inner) = false;
                self.0.done.notify_all();
            }
        }
        let reopen = Reopen(gate);
        let v = f();
        let _ = self.value.set(v);
        drop(reopen);
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

impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OnceLock").field(&self.value.get()).finish()
    }
}

/// A value computed on first use, with `std::sync::LazyLock`'s API.
pub struct LazyLock<T, F = fn() -> T> {
    cell: OnceLock<T>,
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
    fn deref(&self) -> &T {
        LazyLock::force(self)
    }
}

impl<T: fmt::Debug, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LazyLock")
            .field(&self.cell.value.get())
            .finish()
    }
}

/// A one-time initialisation, with `std::sync::Once`'s API.
pub struct Once(OnceLock<()>);

impl Once {
    /// Not run yet.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Once {
        Once(OnceLock::new())
    }

    /// Run `f` if no call has run it yet; every caller returns after it ran.
    #[track_caller]
    pub fn call_once(&self, f: impl FnOnce()) {
        self.0.get_or_init(f);
    }

    /// Has a `call_once` completed?
    #[track_caller]
    pub fn is_completed(&self) -> bool {
        self.0.get().is_some()
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once").finish_non_exhaustive()
    }
}
