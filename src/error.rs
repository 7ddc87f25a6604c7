//! racetrace's typed errors. Every one of them is a user mistake or bad input,
//! renders as one line, and makes the binary exit with status 2.

use std::fmt;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// No pattern has this name.
    UnknownPattern(String),
    /// The pattern has no variant of this name.
    UnknownVariant {
        /// The pattern.
        pattern: String,
        /// The variant asked for.
        variant: String,
    },
    /// No backend has this name.
    UnknownBackend(String),
    /// The pattern has no such parameter.
    UnknownParam {
        /// The pattern.
        pattern: String,
        /// The parameter given.
        param: String,
    },
    /// A parameter is outside its range.
    BadParam {
        /// The parameter.
        param: String,
        /// Why it is refused.
        why: String,
    },
    /// An option does not apply, or has a bad value.
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
    /// A trace file could not be read.
    Io(String),
    /// A trace file is malformed, truncated or inconsistent.
    BadTraceFile(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownPattern(p) => write!(f, "unknown pattern '{p}' (see `racetrace list`)"),
            Error::UnknownVariant { pattern, variant } => {
                write!(
                    f,
                    "pattern '{pattern}' has no variant '{variant}' (see `racetrace list`)"
                )
            }
            Error::UnknownBackend(b) => write!(
                f,
                "unknown backend '{b}' (expected one of: {})",
                crate::Backend::ALL
                    .iter()
                    .map(|b| b.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Error::UnknownParam { pattern, param } => {
                write!(f, "pattern '{pattern}' has no parameter '{param}'")
            }
            Error::BadParam { param, why } => write!(f, "bad value for --{param}: {why}"),
            Error::BadOption(why) => write!(f, "{why}"),
            Error::BadEnv { var, value } => {
                write!(f, "bad value for environment variable {var}: '{value}'")
            }
            Error::TooManyThreads { needed, limit } => write!(
                f,
                "this configuration needs {needed} threads (main included) but the backend models at most {limit}"
            ),
            Error::Io(e) => write!(f, "{e}"),
            Error::BadTraceFile(e) => write!(f, "bad trace file: {e}"),
        }
    }
}

impl std::error::Error for Error {}
