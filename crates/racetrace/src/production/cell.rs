//! `UnsafeCell` with loom's closure API, over `std::cell::UnsafeCell`:
//! without the `model` feature it is a `#[repr(transparent)]` wrapper whose
//! methods are `#[inline]` calls, so it costs what std's does. Under the
//! `model` feature every access is checked for data races.

pub use std::cell::*;

/// `std::cell::UnsafeCell` with closure access: `with` lends a `*const T`,
/// `with_mut` a `*mut T`. Write the accesses through these closures and the
/// same code is checked for data races under the `model` feature.
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

impl<T> UnsafeCell<T> {
    /// A cell holding `value`.
    #[inline]
    pub const fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// The value, consuming the cell.
    #[inline]
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: ?Sized> UnsafeCell<T> {
    /// Read access: `f` gets a pointer to the value.
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Write access: `f` gets a mutable pointer to the value.
    #[inline]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }

    /// The value, through a unique borrow (no other access can race it).
    #[inline]
    pub fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }
}
