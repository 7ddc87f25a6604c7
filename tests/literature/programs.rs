//! The classic DPOR benchmarks, written as a racetrace user writes them: on
//! std's API through racetrace's facade (`racetrace::sync`,
//! `racetrace::thread`), every access `SeqCst`, main spawning the threads
//! and joining them. Each returns its outcome as text, rendered as the
//! oracle's models (`oracle.rs`) render theirs, so the two outcome sets can
//! be compared.
//!
//! * lastzero(N): Abdulla, Aronis, Jonsson, Sagonas, "Optimal dynamic
//!   partial order reduction", POPL 2014 (the program as Concuerror and
//!   Nidhugg ship it);
//! * indexer(N) and filesystem(N): Flanagan and Godefroid, "Dynamic
//!   partial-order reduction for model checking software", POPL 2005.
//!
//! Shared by `tests/literature.rs` and `benches/scale.rs`; not built-in
//! patterns (`racetrace check` does not run them).

#![allow(dead_code)]

use racetrace::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use racetrace::sync::{Arc, Mutex};
use racetrace::thread;

/// lastzero(N): `array[0..=n]`, all 0. Thread 0 scans `i` from `n` down
/// until `array[i] == 0`; thread `j` (1..=n) does `array[j] = array[j-1] + 1`.
/// Optimal DPOR explores 64 executions at N = 5 (POPL 2014).
pub fn lastzero(n: usize) -> String {
    let array: Arc<Vec<AtomicUsize>> = Arc::new((0..=n).map(|_| AtomicUsize::new(0)).collect());
    let a = array.clone();
    let reader = thread::spawn(move || {
        let mut i = n;
        while a[i].load(SeqCst) != 0 {
            i -= 1;
        }
        i
    });
    let writers: Vec<_> = (1..=n)
        .map(|j| {
            let a = array.clone();
            thread::spawn(move || {
                let v = a[j - 1].load(SeqCst);
                a[j].store(v + 1, SeqCst);
            })
        })
        .collect();
    let i = reader.join().unwrap();
    for w in writers {
        w.join().unwrap();
    }
    let values: Vec<usize> = array.iter().map(|x| x.load(SeqCst)).collect();
    format!("i={i} array={values:?}")
}

/// The published indexer: a table of 128 slots, 4 messages per thread.
pub fn indexer(threads: usize) -> String {
    indexer_with(threads, 128, 4)
}

/// indexer with its table size and messages per thread: thread `tid` inserts
/// `w = m * 11 + tid` for m = 1..=max at `h = (w * 7) % size`, by
/// compare-and-swap from 0 (empty), probing the next slot while it fails.
/// With 128 slots the threads first collide at N = 12 (thread 11's messages
/// are thread 0's next ones).
pub fn indexer_with(threads: usize, size: usize, max: usize) -> String {
    assert!(threads * max <= size, "the table must hold every message");
    let table: Arc<Vec<AtomicUsize>> = Arc::new((0..size).map(|_| AtomicUsize::new(0)).collect());
    let handles: Vec<_> = (0..threads)
        .map(|tid| {
            let table = table.clone();
            thread::spawn(move || {
                for m in 1..=max {
                    let w = m * 11 + tid;
                    let mut h = (w * 7) % size;
                    while table[h].compare_exchange(0, w, SeqCst, SeqCst).is_err() {
                        h = (h + 1) % size;
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let values: Vec<usize> = table.iter().map(|x| x.load(SeqCst)).collect();
    format!("table={values:?}")
}

/// The published filesystem: 32 inodes, 26 blocks.
pub fn filesystem(threads: usize) -> String {
    filesystem_with(threads, 32, 26)
}

/// filesystem with its numbers of inodes and blocks: thread `tid` locks
/// inode `i = tid % inodes`; if the inode has no block, it probes blocks
/// from `(i * 2) % blocks` on, each under the block's lock, takes the first
/// that is not busy (marks it busy, `inode[i] = b + 1`) and unlocks the
/// block, then the inode. The inode's and the block's data live in their
/// mutexes, as Rust has it (C keeps them in arrays beside the locks).
pub fn filesystem_with(threads: usize, inodes: usize, blocks: usize) -> String {
    assert!(threads <= blocks, "a thread would find every block busy");
    let inode: Arc<Vec<Mutex<usize>>> = Arc::new((0..inodes).map(|_| Mutex::new(0)).collect());
    let busy: Arc<Vec<Mutex<bool>>> = Arc::new((0..blocks).map(|_| Mutex::new(false)).collect());
    let handles: Vec<_> = (0..threads)
        .map(|tid| {
            let (inode, busy) = (inode.clone(), busy.clone());
            thread::spawn(move || {
                let i = tid % inodes;
                let mut node = inode[i].lock().unwrap();
                if *node == 0 {
                    let mut b = (i * 2) % blocks;
                    loop {
                        let mut taken = busy[b].lock().unwrap();
                        if !*taken {
                            *taken = true;
                            *node = b + 1;
                            break;
                        }
                        drop(taken);
                        b = (b + 1) % blocks;
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let values: Vec<usize> = inode.iter().map(|x| *x.lock().unwrap()).collect();
    format!("inodes={values:?}")
}
