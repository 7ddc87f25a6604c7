//! The patterns' typed errors: a name or a parameter that does not exist, a
//! trace file that cannot be read or does not fit, or a configuration the
//! library refuses. Each renders as one line, worded by field.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// What went wrong.
#[derive(Debug)]
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
    /// A file could not be read or written.
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A report cannot be saved as a trace file: it is not of a built-in
    /// pattern, or its backend cannot replay it.
    NotSavable(String),
    /// A trace file is malformed, truncated or inconsistent.
    BadTraceFile(String),
    /// The library refused the configuration.
    Config(racetrace::Error),
    /// A job to run in a child process ([`crate::check_patterns`]) failed
    /// there, or does not exist ([`crate::child_job`]).
    Child {
        /// The job (`philosophers/waiter under loom`).
        job: String,
        /// Why: the child's last line of error output and its exit status,
        /// why it could not start or be read, or which jobs there are.
        why: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownPattern(p) => write!(f, "unknown pattern '{p}'"),
            Error::UnknownVariant { pattern, variant } => {
                write!(f, "pattern '{pattern}' has no variant '{variant}'")
            }
            Error::UnknownParam { pattern, param } => {
                write!(f, "pattern '{pattern}' has no parameter '{param}'")
            }
            Error::BadParam { param, why } => write!(f, "parameter '{param}': {why}"),
            Error::Io {
                action,
                path,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
            Error::NotSavable(why) => write!(f, "{why}"),
            Error::BadTraceFile(e) => write!(f, "bad trace file: {e}"),
            Error::Config(e) => write!(f, "{e}"),
            Error::Child { job, why } => write!(f, "{job}: {why}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Config(e) => Some(e),
            _ => None,
        }
    }
}

impl From<racetrace::Error> for Error {
    fn from(e: racetrace::Error) -> Error {
        Error::Config(e)
    }
}
