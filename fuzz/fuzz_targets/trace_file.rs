#![no_main]
//! The `trace_file` fuzz target; its logic is in `fuzz/targets/trace_file.rs`, which
//! `tests/fuzz_corpus.rs` also includes to replay the committed corpus.

include!("../targets/trace_file.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
