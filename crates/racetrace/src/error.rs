//! The library's configuration errors. Each is a mistake in a [`Config`]
//! (or the environment variable that set one of its fields), renders as one
//! line naming the field, and makes the binary exit with status 2.
//!
//! [`Config`]: crate::Config

use std::fmt;

/// What is wrong with a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// No backend has this name.
    UnknownBackend(String),
    /// A field does not apply to the backend, or has a bad value.
    BadOption(String),
    /// An environment variable has a bad value.
    BadEnv {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// The configuration needs more threads than the backend can model.
    TooManyThreads {
        /// Threads needed, `main` included.
        needed: usize,
        /// The backend's limit.
        limit: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownBackend(b) => write!(
                f,
                "unknown backend '{b}' (expected one of: {})",
                crate::Backend::ALL
                    .iter()
                    .map(|b| b.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Error::BadOption(why) => write!(f, "{why}"),
            Error::BadEnv { var, value } => {
                write!(f, "bad value for environment variable {var}: '{value}'")
            }
            Error::TooManyThreads { needed, limit } => write!(
                f,
                "this configuration needs {needed} threads (main included) but the backend models at most {limit}"
            ),
        }
    }
}

impl std::error::Error for Error {}
