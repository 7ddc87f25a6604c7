// The `schedule` target's logic, shared by `fuzz/fuzz_targets/schedule.rs`
// and `tests/fuzz_corpus.rs` (included with `include!`, so one copy).
//
// Input: decoded by `racetrace_patterns::harness::decode` — byte 0 picks a variant of a
// registered pattern, one byte per declared parameter picks a small value,
// the rest drive the byte scheduler (`racetrace::strategy::ByteScheduler`). A correct variant
// that breaks its spec panics (a crash); every schedule, allowed or not, must
// save to a trace file, read back equal, and replay to the identical trace.

/// Run one input.
pub fn run(data: &[u8]) {
    use racetrace_patterns::replay::TraceFile;
    use racetrace_patterns::spec::Expect;

    let Some(input) = racetrace_patterns::harness::decode(data) else {
        return;
    };
    let (pattern, variant, params) = (input.pattern, input.variant, &input.params);
    let report = racetrace_patterns::harness::run_schedule(pattern, variant, params, input.schedule)
        .expect("the schedule runs");
    assert_eq!(report.schedules, 1, "exactly one schedule from one input");
    assert_eq!(report.outcomes.len(), 1, "one schedule, one outcome");
    let row = &report.outcomes[0];
    let witness = row.witness.as_ref().expect("every outcome has a witness");
    if matches!(variant.spec.expect, Expect::Holds) && !row.allowed {
        panic!(
            "correct variant {}/{} broke its spec ({}):\n{}",
            pattern.name,
            variant.name,
            row.outcome,
            witness.trace.render()
        );
    }
    let file = TraceFile::from_witness(&report, witness).expect("the witness saves");
    let json = serde_json::to_string_pretty(&file).expect("a trace file is JSON");
    let back = TraceFile::parse(json.as_bytes()).expect("a saved trace file reads back");
    assert_eq!(back, file, "the trace file reads back equal");
    let replayed = back.replay().expect("a saved trace file replays");
    assert!(
        replayed.reproduced,
        "{}/{} schedule {}: replay differs ({:?})\nsaved:\n{}\nreplayed:\n{}",
        pattern.name,
        variant.name,
        file.schedule,
        replayed.difference,
        file.rendered,
        replayed.trace.render()
    );
}
