//! A memoising cache behind an `RwLock`: readers share the lock, a miss
//! computes the value and inserts it under the write lock. The seeded bug
//! ([`Cache::get_naive`]) checks under the read lock and inserts under the
//! write lock without checking again: two threads that miss together both
//! compute (check-then-act).

use racetrace::sync::RwLock;
use racetrace::sync::atomic::{AtomicUsize, Ordering};
use std::collections::HashMap;

/// A cache of `square(k)`, counting how often it computed one.
#[derive(Debug)]
pub struct Cache {
    map: RwLock<HashMap<u64, u64>>,
    computed: AtomicUsize,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache::new()
    }
}

impl Cache {
    /// An empty cache.
    pub fn new() -> Cache {
        Cache {
            map: RwLock::new(HashMap::new()),
            computed: AtomicUsize::new(0),
        }
    }

    fn compute(&self, k: u64) -> u64 {
        self.computed.fetch_add(1, Ordering::SeqCst);
        k * k
    }

    /// How many values were computed.
    pub fn computed(&self) -> usize {
        self.computed.load(Ordering::SeqCst)
    }

    /// The value of `k`, computed at most once.
    pub fn get(&self, k: u64) -> u64 {
        if let Some(v) = self.map.read().unwrap().get(&k) {
            return *v;
        }
        let mut map = self.map.write().unwrap();
        // Check again: another thread may have filled it in meanwhile.
        if let Some(v) = map.get(&k) {
            return *v;
        }
        let v = self.compute(k);
        map.insert(k, v);
        v
    }

    /// The seeded bug: no second check under the write lock.
    pub fn get_naive(&self, k: u64) -> u64 {
        if let Some(v) = self.map.read().unwrap().get(&k) {
            return *v;
        }
        let v = self.compute(k);
        self.map.write().unwrap().insert(k, v);
        v
    }
}
