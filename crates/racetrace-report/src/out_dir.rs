//! The directories and files racetrace writes whole: a report directory it
//! owns (a manifest names every file it wrote; the next report replaces
//! them all, and a directory holding anything else is refused), built
//! beside its destination and renamed into place, and single files (JUnit
//! XML) written to a temporary sibling and renamed over the destination. A
//! reader never sees a half-written report or file, and two reports into
//! one directory never mix.

use crate::error::Error;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The manifest `racetrace report` leaves in its directory.
pub const MANIFEST: &str = ".racetrace-report";

/// The manifest's first line; the files the report wrote follow, one per
/// line, relative to the directory, `/`-separated.
const HEADER: &str =
    "racetrace report: written by `racetrace report`, which replaces this directory whole";

/// What is at the output path now.
#[derive(Debug, PartialEq, Eq)]
enum State {
    /// Nothing.
    Absent,
    /// An empty directory.
    Empty,
    /// A directory an earlier report wrote, holding only what it wrote.
    Ours,
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io {
        action,
        path,
        source,
    }
}

/// The parent directory and the entry name of `dir`, whose parent must be
/// a directory that exists (it is not created: a typo in a path makes no
/// directories).
fn parent_and_name(dir: &Path) -> Result<(PathBuf, std::ffi::OsString), Error> {
    let name = dir
        .file_name()
        .ok_or_else(|| Error::NoName(dir.to_path_buf()))?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(Error::Io {
            action: "write",
            path: dir.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("directory {} does not exist", parent.display()),
            ),
        });
    }
    Ok((parent, name.to_os_string()))
}

/// Every file and directory under `dir`, relative, `/`-separated, sorted.
fn entries(dir: &Path) -> Result<Vec<String>, Error> {
    fn walk(root: &Path, rel: &str, out: &mut Vec<String>) -> Result<(), Error> {
        let here = root.join(rel);
        for e in std::fs::read_dir(&here).map_err(io("read", &here))? {
            let e = e.map_err(io("read", &here))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let kind = e.file_type().map_err(io("read", &e.path()))?;
            out.push(path.clone());
            if kind.is_dir() {
                walk(root, &path, out)?;
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    out.sort();
    Ok(out)
}

/// Whether `dir` can receive a report, and how.
fn state(dir: &Path) -> Result<State, Error> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::Absent),
        Err(e) => return Err(io("read", dir)(e)),
    };
    if !meta.is_dir() {
        return Err(Error::WrongKind {
            path: dir.to_path_buf(),
            expected: "directory",
        });
    }
    let found = entries(dir)?;
    if found.is_empty() {
        return Ok(State::Empty);
    }
    let manifest = std::fs::read_to_string(dir.join(MANIFEST)).unwrap_or_default();
    let mut lines = manifest.lines();
    let listed: BTreeSet<&str> = if lines.next() == Some(HEADER) {
        lines.collect()
    } else {
        BTreeSet::new()
    };
    // Ours: the manifest, the files it lists and the directories they are in.
    let ours = |e: &str| {
        e == MANIFEST
            || listed.contains(e)
            || listed
                .iter()
                .any(|l| l.strip_prefix(e).is_some_and(|rest| rest.starts_with('/')))
    };
    match found.iter().find(|e| !ours(e)) {
        None if !listed.is_empty() => Ok(State::Ours),
        None => Err(Error::NotOurs {
            dir: dir.to_path_buf(),
            entry: dir.join(MANIFEST),
        }),
        Some(e) => Err(Error::NotOurs {
            dir: dir.to_path_buf(),
            entry: dir.join(e),
        }),
    }
}

/// Refuse now, before minutes of exploring, an output directory a report
/// could not be written to: one holding something racetrace did not write,
/// a path that is not a directory, or one whose parent does not exist.
pub fn check(dir: &Path) -> Result<(), Error> {
    parent_and_name(dir)?;
    state(dir).map(|_| ())
}

/// A scratch directory or file beside the destination, removed when dropped
/// unless it was moved into place.
struct Scratch(Option<PathBuf>);

impl Scratch {
    fn path(&self) -> &Path {
        self.0.as_deref().expect("scratch in use")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
        }
    }
}

/// A name beside `name` in `parent` for this process's scratch copy.
fn sibling(parent: &Path, name: &std::ffi::OsStr, what: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    parent.join(format!(
        ".{}.racetrace-{what}-{}-{nanos}",
        name.to_string_lossy(),
        std::process::id()
    ))
}

/// Build a report into `dir`: `fill` writes it into an empty scratch
/// directory beside `dir` and returns the files it wrote (relative,
/// `/`-separated); the manifest is added and the scratch directory renamed
/// into place, replacing what an earlier report wrote there. `dir` may be
/// absent, empty, or an earlier report's; anything else is refused
/// ([`Error::NotOurs`]) and left as it was.
pub fn publish_dir(
    dir: &Path,
    fill: impl FnOnce(&Path) -> Result<Vec<String>, Error>,
) -> Result<(), Error> {
    let (parent, name) = parent_and_name(dir)?;
    state(dir)?;
    let scratch = Scratch(Some(sibling(&parent, &name, "new")));
    std::fs::create_dir(scratch.path()).map_err(io("create", scratch.path()))?;
    let mut files = fill(scratch.path())?;
    files.sort();
    let manifest = format!("{HEADER}\n{}\n", files.join("\n"));
    let m = scratch.path().join(MANIFEST);
    std::fs::write(&m, manifest).map_err(io("write", &m))?;
    let mut scratch = scratch;
    // Looked at again: minutes may have passed, and another report may have
    // finished meanwhile (then this one replaces it whole).
    for _attempt in 0..3 {
        match state(dir)? {
            State::Absent | State::Empty => {
                // rename(2) replaces an empty directory atomically; it fails
                // if another report got there first: look again.
                if std::fs::rename(scratch.path(), dir).is_ok() {
                    scratch.0 = None;
                    return Ok(());
                }
            }
            State::Ours => {
                let old = Scratch(Some(sibling(&parent, &name, "old")));
                if std::fs::rename(dir, old.path()).is_err() {
                    continue;
                }
                match std::fs::rename(scratch.path(), dir) {
                    Ok(()) => {
                        scratch.0 = None;
                        return Ok(()); // `old` is removed as it drops
                    }
                    Err(e) => {
                        let _ = std::fs::rename(old.path(), dir);
                        let mut old = old;
                        old.0 = None;
                        return Err(io("rename into place", dir)(e));
                    }
                }
            }
        }
    }
    let e = std::io::Error::other("another process keeps changing it");
    Err(io("rename into place", dir)(e))
}

/// Write `text` to the file `path` whole: into a scratch file beside it,
/// then renamed over it. A reader sees the old file or the new one, never a
/// part; an existing `path` must be a regular file.
pub fn publish_file(path: &Path, text: &str) -> Result<(), Error> {
    let (parent, name) = parent_and_name(path)?;
    if let Ok(m) = std::fs::symlink_metadata(path) {
        if !m.is_file() {
            return Err(Error::WrongKind {
                path: path.to_path_buf(),
                expected: "regular file",
            });
        }
    }
    let scratch = Scratch(Some(sibling(&parent, &name, "new")));
    std::fs::write(scratch.path(), text).map_err(io("write", scratch.path()))?;
    std::fs::rename(scratch.path(), path).map_err(io("rename into place", path))?;
    let mut scratch = scratch;
    scratch.0 = None;
    Ok(())
}

/// Refuse now, before exploring, a file path [`publish_file`] could not
/// write: one naming a directory or another non-file, or in a directory
/// that does not exist.
pub fn check_file(path: &Path) -> Result<(), Error> {
    parent_and_name(path)?;
    match std::fs::symlink_metadata(path) {
        Ok(m) if !m.is_file() => Err(Error::WrongKind {
            path: path.to_path_buf(),
            expected: "regular file",
        }),
        _ => Ok(()),
    }
}
