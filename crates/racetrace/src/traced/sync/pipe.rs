//! A modelled OS pipe: a byte buffer of fixed capacity between share-nothing
//! tasks, built from racetrace's own [`Mutex`] and [`Condvar`] so that a task
//! blocked writing to a full pipe (or reading an empty one) is seen by the
//! deadlock detection, announced to dpor and drawn in traces.
//!
//! It carries length-prefixed frames, as [`crate::process::ProcessQueue`]
//! writes them on a real pipe: a frame that fits is written (and read) in one
//! step; a frame larger than the capacity is written in pieces, the writer
//! waiting for room between pieces, and no other writer may start meanwhile
//! (a real queue holds a write lock for that; here the `writing` flag).

use super::condvar::Condvar;
use super::mutex::Mutex;
use crate::rt::{self, ObjKind, UNTRACKED};
use crate::trace::Access;
use std::collections::VecDeque;

/// Frame header: the body's length, 4 bytes little-endian.
pub(crate) const HEADER: usize = 4;

pub(crate) struct ModelPipe {
    id: usize,
    name: String,
    capacity: usize,
    state: Mutex<State>,
    readable: Condvar,
    writable: Condvar,
}

struct State {
    buf: VecDeque<u8>,
    writing: bool,
    reading: bool,
    /// Threads waiting on `readable`, on `writable`: a notification with
    /// nobody to wake is skipped (one scheduling point less per message).
    waiting_r: usize,
    waiting_w: usize,
}

impl ModelPipe {
    /// A pipe holding at most `capacity` bytes, called `name` in traces.
    pub(crate) fn new(name: &str, capacity: usize) -> ModelPipe {
        let id = match rt::ctx() {
            Some(c) => c.register(ObjKind::Queue, Some(name)),
            None => UNTRACKED,
        };
        ModelPipe {
            id,
            name: name.to_string(),
            capacity: capacity.max(1),
            state: Mutex::new(State {
                buf: VecDeque::new(),
                writing: false,
                reading: false,
                waiting_r: 0,
                waiting_w: 0,
            })
            .named(name),
            readable: Condvar::new().named(&format!("{name}.readable")),
            writable: Condvar::new().named(&format!("{name}.writable")),
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    fn record(&self, access: Access, op: &'static str, value: String) {
        if self.id != UNTRACKED
            && let Some(c) = rt::ctx()
        {
            c.op(self.id, access, op, Some(value), None, None);
        }
    }

    fn reason(&self, cv: &Condvar, used: usize, why: &str) {
        if cv.id != UNTRACKED
            && let Some(c) = rt::ctx()
        {
            c.set_wait_reason(
                cv.id,
                format!(
                    "{why} pipe {} ({used} of {} B in it)",
                    self.name, self.capacity
                ),
            );
        }
    }

    /// Write one frame (header included); `shown` is how the trace shows it.
    pub(crate) fn write_frame(&self, frame: &[u8], shown: &str) {
        let mut g = self.state.lock();
        let whole = frame.len() <= self.capacity;
        while g.writing
            || (whole && self.capacity - g.buf.len() < frame.len())
            || (!whole && g.buf.len() == self.capacity)
        {
            self.reason(&self.writable, g.buf.len(), "room in");
            g.waiting_w += 1;
            g = self.writable.wait(g);
            g.waiting_w -= 1;
        }
        let mut done = 0;
        loop {
            let n = (self.capacity - g.buf.len()).min(frame.len() - done);
            g.buf.extend(&frame[done..done + n]);
            done += n;
            if n > 0 && g.waiting_r > 0 {
                self.readable.notify_all();
            }
            if done == frame.len() {
                break;
            }
            self.record(
                Access::Write,
                "write",
                format!("{done} of {} B (pipe full)", frame.len()),
            );
            g.writing = true;
            while g.buf.len() == self.capacity {
                self.reason(&self.writable, g.buf.len(), "room in");
                g.waiting_w += 1;
                g = self.writable.wait(g);
                g.waiting_w -= 1;
            }
        }
        if g.writing {
            g.writing = false;
            if g.waiting_w > 0 {
                self.writable.notify_all();
            }
        }
        self.record(Access::Write, "put", shown.to_string());
    }

    /// Read one frame's body; `show` renders it for the trace.
    pub(crate) fn read_frame(&self, show: &dyn Fn(&[u8]) -> String) -> Vec<u8> {
        let mut g = self.state.lock();
        while g.reading || g.buf.is_empty() {
            self.reason(&self.readable, g.buf.len(), "data in");
            g.waiting_r += 1;
            g = self.readable.wait(g);
            g.waiting_r -= 1;
        }
        let mut frame: Vec<u8> = Vec::new();
        loop {
            let need = if frame.len() < HEADER {
                HEADER - frame.len()
            } else {
                let len = u32::from_le_bytes(frame[..HEADER].try_into().expect("4 bytes")) as usize;
                HEADER + len - frame.len()
            };
            let n = need.min(g.buf.len());
            frame.extend(g.buf.drain(..n));
            if n > 0 && g.waiting_w > 0 {
                self.writable.notify_all();
            }
            let complete = frame.len() >= HEADER && {
                let len = u32::from_le_bytes(frame[..HEADER].try_into().expect("4 bytes")) as usize;
                frame.len() == HEADER + len
            };
            if complete {
                break;
            }
            if n > 0 {
                // Another read of the same frame follows: go on if the
                // bytes are there already.
                if !g.buf.is_empty() {
                    continue;
                }
                self.record(
                    Access::Read,
                    "read",
                    format!("{} B of a frame: pipe empty", frame.len()),
                );
            }
            g.reading = true;
            while g.buf.is_empty() {
                self.reason(&self.readable, 0, "data in");
                g.waiting_r += 1;
                g = self.readable.wait(g);
                g.waiting_r -= 1;
            }
        }
        if g.reading {
            g.reading = false;
            if g.waiting_r > 0 {
                self.readable.notify_all();
            }
        }
        let body = frame.split_off(HEADER);
        self.record(Access::Read, "get", show(&body));
        body
    }
}
