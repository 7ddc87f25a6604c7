//! What can go wrong writing a report: typed, worded by field (the command
//! line adds its flag names).

use std::fmt;
use std::path::PathBuf;

/// Why a report or a JUnit file could not be written.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The output directory holds something `racetrace report` did not
    /// write there; nothing was changed.
    NotOurs {
        /// The output directory.
        dir: PathBuf,
        /// The first entry in it that is not the report's.
        entry: PathBuf,
    },
    /// The output path exists and is not a directory (`dir`) or not a
    /// regular file (`file`).
    WrongKind {
        /// The path.
        path: PathBuf,
        /// What it should be: `directory` or `regular file`.
        expected: &'static str,
    },
    /// The output path names no directory entry of its own (`.`, `..`, `/`).
    NoName(PathBuf),
    /// Creating, writing, renaming or removing a file or directory.
    Io {
        /// What was being done (`write`, `rename`, …).
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Saving a witness as a trace file.
    TraceFile(racetrace_patterns::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotOurs { dir, entry } => write!(
                f,
                "{} is not empty and racetrace did not write {} there: nothing was changed \
                 (give a new or empty directory, or one an earlier `racetrace report` wrote)",
                dir.display(),
                entry.display()
            ),
            Error::WrongKind { path, expected } => {
                write!(f, "{} exists and is not a {expected}", path.display())
            }
            Error::NoName(path) => write!(
                f,
                "{} does not name a directory of its own (give a path such as report/)",
                path.display()
            ),
            Error::Io {
                action,
                path,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
            Error::TraceFile(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::TraceFile(e) => Some(e),
            _ => None,
        }
    }
}

impl From<racetrace_patterns::Error> for Error {
    fn from(e: racetrace_patterns::Error) -> Error {
        Error::TraceFile(e)
    }
}
