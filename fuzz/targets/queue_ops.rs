// The `queue_ops` target's logic, shared by `fuzz/fuzz_targets/queue_ops.rs`
// and `tests/fuzz_corpus.rs` (included with `include!`, so one copy).
//
// racetrace's own `Queue` (crates/racetrace/src/sync/queue.rs) and `Channel`
// (src/sync/channel.rs) against a plain `VecDeque` model, single-threaded,
// outside any execution (so the queue runs on std's mutex and the channel on
// crossbeam). A blocking `put`/`send` or `get`/`recv` is issued only when the
// model says it will not block (one thread would wait for ever), else the
// non-blocking form is.
//
// Input: byte 0 picks the primitive (`b % 3`: 0 `Queue::bounded`, 1
// `Channel::bounded`, 2 `Queue::unbounded`) and the capacity
// (`1 + (b / 3) % 8`); then each byte is an operation, `b % 8`:
// 0 try_put(b / 8), 1 try_get, 2 put(b / 8), 3 get, 4 len / is_empty /
// is_full, 5 task_done (channel: capacity), 6 drain with try_get until empty,
// 7 join when nothing is unfinished (channel: try_recv).

use racetrace::traced::sync::{Channel, Empty, Queue, TaskDoneError};
use std::collections::VecDeque;

/// The primitive under test, behind one interface.
enum Subject {
    Queue(Box<Queue<u8>>),
    Channel(Channel<u8>),
}

impl Subject {
    fn try_put(&self, v: u8) -> Result<(), u8> {
        match self {
            Subject::Queue(q) => q.try_put(v).map_err(|f| f.0),
            Subject::Channel(c) => c.try_send(v).map_err(|f| f.0),
        }
    }
    fn try_get(&self) -> Result<u8, Empty> {
        match self {
            Subject::Queue(q) => q.try_get(),
            Subject::Channel(c) => c.try_recv(),
        }
    }
    fn put(&self, v: u8) {
        match self {
            Subject::Queue(q) => q.put(v),
            Subject::Channel(c) => c.send(v),
        }
    }
    fn get(&self) -> u8 {
        match self {
            Subject::Queue(q) => q.get(),
            Subject::Channel(c) => c.recv(),
        }
    }
    fn len(&self) -> usize {
        match self {
            Subject::Queue(q) => q.len(),
            Subject::Channel(c) => c.len(),
        }
    }
    fn is_empty(&self) -> bool {
        match self {
            Subject::Queue(q) => q.is_empty(),
            Subject::Channel(c) => c.is_empty(),
        }
    }
    fn capacity(&self) -> usize {
        match self {
            Subject::Queue(q) => q.capacity(),
            Subject::Channel(c) => c.capacity(),
        }
    }
}

/// Run one input.
pub fn run(data: &[u8]) {
    let Some((c, ops)) = data.split_first() else {
        return;
    };
    let kind = c % 3;
    let cap = match kind {
        2 => usize::MAX,
        _ => 1 + usize::from(c / 3) % 8,
    };
    let s = match kind {
        0 => Subject::Queue(Box::new(Queue::bounded(cap))),
        1 => Subject::Channel(Channel::bounded(cap)),
        _ => Subject::Queue(Box::new(Queue::unbounded())),
    };
    let what = ["queue", "channel", "unbounded queue"][usize::from(kind)];
    let mut model: VecDeque<u8> = VecDeque::new();
    // Queue only: items put and not yet marked done.
    let mut unfinished = 0usize;
    for (i, b) in ops.iter().enumerate() {
        let v = b / 8;
        match b % 8 {
            0 => {
                let want = if model.len() < cap {
                    model.push_back(v);
                    unfinished += 1;
                    Ok(())
                } else {
                    Err(v)
                };
                assert_eq!(
                    s.try_put(v),
                    want,
                    "{what} op {i}: try_put {v} (capacity {cap})"
                );
            }
            1 => assert_eq!(
                s.try_get(),
                model.pop_front().ok_or(Empty),
                "{what} op {i}: try_get"
            ),
            2 if model.len() < cap => {
                s.put(v);
                model.push_back(v);
                unfinished += 1;
            }
            2 => assert_eq!(
                s.try_put(v),
                Err(v),
                "{what} op {i}: try_put {v} on a full one"
            ),
            3 => match model.pop_front() {
                Some(want) => assert_eq!(s.get(), want, "{what} op {i}: get"),
                None => assert_eq!(
                    s.try_get(),
                    Err(Empty),
                    "{what} op {i}: try_get on an empty one"
                ),
            },
            4 => {
                assert_eq!(s.len(), model.len(), "{what} op {i}: len");
                assert_eq!(s.is_empty(), model.is_empty(), "{what} op {i}: is_empty");
                if let Subject::Queue(q) = &s {
                    assert_eq!(q.is_full(), model.len() == cap, "{what} op {i}: is_full");
                }
            }
            5 => match &s {
                Subject::Queue(q) => {
                    let want = if unfinished > 0 {
                        unfinished -= 1;
                        Ok(())
                    } else {
                        Err(TaskDoneError)
                    };
                    assert_eq!(q.task_done(), want, "{what} op {i}: task_done");
                }
                Subject::Channel(_) => assert_eq!(s.capacity(), cap, "{what} op {i}: capacity"),
            },
            6 => {
                let mut got = Vec::new();
                while let Ok(x) = s.try_get() {
                    got.push(x);
                    assert!(
                        got.len() <= model.len(),
                        "{what} op {i}: drain gives more than was put"
                    );
                }
                assert_eq!(
                    got,
                    model.drain(..).collect::<Vec<_>>(),
                    "{what} op {i}: drain"
                );
            }
            _ => match &s {
                Subject::Queue(q) if unfinished == 0 => q.join(), // returns at once
                Subject::Queue(q) => assert_eq!(q.capacity(), cap, "{what} op {i}: capacity"),
                Subject::Channel(_) => {
                    assert_eq!(
                        s.try_get(),
                        model.pop_front().ok_or(Empty),
                        "{what} op {i}: try_recv"
                    )
                }
            },
        }
        assert!(s.len() <= cap, "{what} op {i}: over capacity");
    }
}
