//! `std::hint`'s API, checked: [`spin_loop`] inside a model is a scheduling
//! point, as [`crate::thread::yield_now`] is.

pub use std::hint::{assert_unchecked, black_box, unreachable_unchecked};

/// Signal a spin-wait: on real threads `std::hint::spin_loop`; under the
/// checkers a scheduling point, so that another thread can make the
/// progress the spinner waits for.
pub fn spin_loop() {
    if crate::traced::thread::on_real_threads() {
        std::hint::spin_loop();
    } else {
        crate::traced::thread::yield_now();
    }
}
