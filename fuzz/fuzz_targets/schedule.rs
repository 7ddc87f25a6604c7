#![no_main]
//! The `schedule` fuzz target; its logic is in `fuzz/targets/schedule.rs`, which
//! `tests/fuzz_corpus.rs` also includes to replay the committed corpus.

include!("../targets/schedule.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
