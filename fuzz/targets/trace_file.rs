// The `trace_file` target's logic, shared by `fuzz/fuzz_targets/trace_file.rs`
// and `tests/fuzz_corpus.rs` (included with `include!`, so one copy).
//
// Input: any bytes, read as a trace file. Reading gives a file or an error,
// never a panic; a file that reads is replayed, which gives a result or an
// error, never a panic.
//
// Valid files can legitimately take long to replay: `loom/N` re-runs N loom
// executions, and a pattern with large parameters runs long schedules. Those
// are not bugs, so such files are read but not replayed here (see `cheap`).

/// Run one input.
pub fn run(data: &[u8]) {
    let Ok(file) = racetrace_patterns::replay::TraceFile::parse(data) else {
        return;
    };
    if cheap(&file) {
        let _ = file.replay();
    }
}

/// Whether replaying `file` takes little time: parameters summing to at most
/// 8, and for loom at most the 500th execution.
fn cheap(file: &racetrace_patterns::replay::TraceFile) -> bool {
    let size: usize = file.params.0.values().sum();
    let loom_ok = match file.schedule.strip_prefix("loom/") {
        Some(n) => n.parse::<u64>().is_ok_and(|n| n <= 500),
        None => true,
    };
    size <= 8 && loom_ok
}
