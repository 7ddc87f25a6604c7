// The `queue_ops` target's logic, shared by `fuzz/fuzz_targets/queue_ops.rs`
// and `tests/fuzz_corpus.rs` (included with `include!`, so one copy).
//
// racetrace's own bounded queue and channel primitives are being written
// (issue 4); until they land, this target checks a stand-in written here: a
// bounded buffer over `racetrace::sync::Mutex<VecDeque<u8>>`, against a plain
// `VecDeque` model. Swap `Bounded` for the real primitive when it lands.
//
// Input: byte 0 is the capacity (1..=8); then each byte is an operation:
// `b % 4` = 0 push(b / 4), 1 pop, 2 len, 3 drain all.

use std::collections::VecDeque;

/// The stand-in bounded buffer.
struct Bounded {
    inner: racetrace::sync::Mutex<VecDeque<u8>>,
    cap: usize,
}

impl Bounded {
    fn new(cap: usize) -> Bounded {
        Bounded {
            inner: racetrace::sync::Mutex::new(VecDeque::with_capacity(cap)),
            cap,
        }
    }
    fn try_push(&self, v: u8) -> Result<(), u8> {
        let mut q = self.inner.lock();
        if q.len() == self.cap {
            return Err(v);
        }
        q.push_back(v);
        Ok(())
    }
    fn try_pop(&self) -> Option<u8> {
        self.inner.lock().pop_front()
    }
    fn len(&self) -> usize {
        self.inner.lock().len()
    }
    fn drain(&self) -> Vec<u8> {
        self.inner.lock().drain(..).collect()
    }
}

/// Run one input.
pub fn run(data: &[u8]) {
    let Some((c, ops)) = data.split_first() else {
        return;
    };
    let cap = 1 + usize::from(*c) % 8;
    let q = Bounded::new(cap);
    let mut model: VecDeque<u8> = VecDeque::new();
    for (i, b) in ops.iter().enumerate() {
        match b % 4 {
            0 => {
                let v = b / 4;
                let want = if model.len() < cap {
                    model.push_back(v);
                    Ok(())
                } else {
                    Err(v)
                };
                assert_eq!(q.try_push(v), want, "op {i}: push {v} (capacity {cap})");
            }
            1 => assert_eq!(q.try_pop(), model.pop_front(), "op {i}: pop"),
            2 => assert_eq!(q.len(), model.len(), "op {i}: len"),
            _ => assert_eq!(q.drain(), model.drain(..).collect::<Vec<_>>(), "op {i}: drain"),
        }
        assert!(q.len() <= cap, "op {i}: over capacity");
    }
}
