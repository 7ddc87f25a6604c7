#![no_main]
//! The `queue_ops` fuzz target; its logic is in `fuzz/targets/queue_ops.rs`, which
//! `tests/fuzz_corpus.rs` also includes to replay the committed corpus.

include!("../targets/queue_ops.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
