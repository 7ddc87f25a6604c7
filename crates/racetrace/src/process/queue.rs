//! Queues between processes and the pipes under them, real or modelled.

use super::error::ProcessError;
use super::os::{self, HEADER};
use crate::rt::{self, Kind};
use crate::traced::sync::pipe::ModelPipe;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// Capacity of a queue made with [`ProcessQueue::new`] under the checkers
/// (Linux's default pipe buffer).
pub const DEFAULT_CAPACITY: usize = 65536;

pub(super) fn real_mode() -> bool {
    !matches!(
        rt::ctx().map(|c| c.exec.kind),
        Some(Kind::Loom | Kind::Shuttle)
    )
}

#[derive(Clone)]
pub(crate) enum Pipe {
    Os(Arc<os::OsPipe>),
    Model(Arc<ModelPipe>),
}

impl Pipe {
    fn new(name: &str, capacity: Option<usize>) -> Result<Pipe, ProcessError> {
        if real_mode() {
            Ok(Pipe::Os(Arc::new(os::OsPipe::new(name, capacity)?)))
        } else {
            Ok(Pipe::Model(Arc::new(ModelPipe::new(
                name,
                capacity.unwrap_or(DEFAULT_CAPACITY),
            ))))
        }
    }
}

fn frame(body: &[u8]) -> Result<Vec<u8>, ProcessError> {
    let len = u32::try_from(body.len())
        .ok()
        .filter(|n| (*n as usize) <= os::MAX_FRAME)
        .ok_or_else(|| ProcessError::Io(format!("a {}-byte message is too large", body.len())))?;
    let mut f = Vec::with_capacity(HEADER + body.len());
    f.extend_from_slice(&len.to_le_bytes());
    f.extend_from_slice(body);
    Ok(f)
}

/// How a message is shown in traces: its JSON, shortened, with its size.
fn show(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.chars().count() <= 24 {
        text.into_owned()
    } else {
        let head: String = text.chars().take(12).collect();
        format!("{head}… ({} B)", body.len())
    }
}

impl fmt::Debug for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Pipe::Os(p) => &p.name,
            Pipe::Model(p) => p.name(),
        })
    }
}

/// A queue between processes carrying values of type `T`, serialised as
/// JSON in length-prefixed frames (Python's `multiprocessing.Queue`).
///
/// Clones are handles to the same pipe; hand one to a worker with
/// [`ProcessBuilder::queue`]. `put` blocks while the pipe is full; `get`
/// blocks while it is empty, and fails instead of hanging when every
/// worker started with the queue has exited, or one of them failed.
///
/// [`ProcessBuilder::queue`]: super::ProcessBuilder::queue
pub struct ProcessQueue<T> {
    pub(super) pipe: Pipe,
    _t: PhantomData<fn(T) -> T>,
}

impl<T> Clone for ProcessQueue<T> {
    fn clone(&self) -> Self {
        ProcessQueue {
            pipe: self.pipe.clone(),
            _t: PhantomData,
        }
    }
}

impl<T> fmt::Debug for ProcessQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessQueue")
            .field("name", &self.name())
            .field("capacity", &self.capacity())
            .finish()
    }
}

impl<T> ProcessQueue<T> {
    /// The pipe's capacity in bytes.
    pub fn capacity(&self) -> usize {
        match &self.pipe {
            Pipe::Os(p) => p.capacity(),
            Pipe::Model(p) => p.capacity(),
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        match &self.pipe {
            Pipe::Os(p) => &p.name,
            Pipe::Model(p) => p.name(),
        }
    }
}

impl<T: Serialize + DeserializeOwned> ProcessQueue<T> {
    /// A queue with the default capacity (the OS default for real pipes,
    /// [`DEFAULT_CAPACITY`] bytes under the checkers).
    pub fn new(name: &str) -> Result<Self, ProcessError> {
        Self::make(name, None)
    }

    /// A queue whose pipe holds `bytes` bytes: exactly under the checkers;
    /// for real, the kernel rounds it up to a power of two pages (see
    /// [`ProcessQueue::capacity`]).
    pub fn with_capacity(name: &str, bytes: usize) -> Result<Self, ProcessError> {
        Self::make(name, Some(bytes))
    }

    fn make(name: &str, capacity: Option<usize>) -> Result<Self, ProcessError> {
        Ok(ProcessQueue {
            pipe: Pipe::new(name, capacity)?,
            _t: PhantomData,
        })
    }

    pub(crate) fn from_pipe(pipe: Pipe) -> Self {
        ProcessQueue {
            pipe,
            _t: PhantomData,
        }
    }

    /// Send `value`, waiting while the pipe is full.
    pub fn put(&self, value: &T) -> Result<(), ProcessError> {
        let body = serde_json::to_vec(value)
            .map_err(|e| ProcessError::Io(format!("cannot serialise a message: {e}")))?;
        let f = frame(&body)?;
        match &self.pipe {
            Pipe::Os(p) => p.write_frame(&f),
            Pipe::Model(p) => {
                p.write_frame(&f, &show(&body));
                Ok(())
            }
        }
    }

    /// Receive the next value, waiting while the pipe is empty.
    pub fn get(&self) -> Result<T, ProcessError> {
        let body = match &self.pipe {
            Pipe::Os(p) => p.read_frame()?,
            Pipe::Model(p) => p.read_frame(&show),
        };
        serde_json::from_slice(&body).map_err(|e| {
            ProcessError::Malformed(format!("queue {}: {} ({})", self.name(), e, show(&body)))
        })
    }

    /// The bytes a message takes on the pipe, header included.
    pub fn frame_len(value: &T) -> usize {
        HEADER + serde_json::to_vec(value).map(|v| v.len()).unwrap_or(0)
    }

    /// Make a `get` on this queue fail with [`ProcessError::WorkerFailed`]
    /// as soon as any process started with it ends abnormally, even while
    /// others could still put on it (a pool's shared result queue wants to
    /// hear of every dead worker). No effect under the checkers, where a
    /// worker thread that fails is reported the same way already.
    pub fn report_every_exit(&self) {
        if let Pipe::Os(p) = &self.pipe {
            p.every_exit
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Write `bytes` on the pipe as they are, not as a framed message: for
    /// tests of how a reader survives a garbled frame. Real processes only.
    #[doc(hidden)]
    pub fn put_raw(&self, bytes: &[u8]) -> Result<(), ProcessError> {
        match &self.pipe {
            Pipe::Os(p) => p.write_raw(bytes),
            Pipe::Model(_) => Err(ProcessError::Unsupported("writing raw bytes")),
        }
    }
}
