//! The run-time choice between the two engines: real (tokio) or model.

/// Which engine a primitive created now runs on.
pub(super) fn model() -> bool {
    crate::rt::kind() != crate::rt::Kind::Real
}
