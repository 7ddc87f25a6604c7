//! A witness of the user's own code, snapshot-tested as docs/your-code.md
//! recommends: the rendered trace has no timings, addresses or absolute
//! paths, so it is the same bytes on every run and every machine. It shows
//! each operation's ordering when it is not `SeqCst` and, for the facade's
//! operations that carry one, the line that called it.

use checked_app::ring::{Flaw, Ring};
use racetrace::sync::Arc;
use racetrace::{Backend, Config, thread};

#[test]
fn the_ring_that_publishes_first_hands_out_an_empty_slot_in_this_trace() {
    let report = racetrace::explore_outcomes(
        &Config::new(Backend::Dpor),
        "ring publish-first",
        || {
            let ring = Arc::new(Ring::<2>::new(Flaw::PublishFirst));
            let r2 = ring.clone();
            let producer = thread::spawn(move || {
                r2.push(1);
            });
            let got = ring.pop();
            producer.join().unwrap();
            format!("{got:?}")
        },
        |o| o != "Some(None)",
    );
    assert!(report.complete);
    let w = report
        .first_violation()
        .expect("the empty slot is reachable");
    let text = w.trace.render();
    assert!(
        text.contains("(Acquire)") && text.contains("| at"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}
