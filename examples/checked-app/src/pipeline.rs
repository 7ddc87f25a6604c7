//! A two-stage pipeline over `mpsc`: a producer thread sends numbers, a
//! consumer thread sums what it receives until the channel disconnects.
//! The seeded bug ([`sum_pipeline`] with `drop_own_sender = false`): the
//! caller keeps its own `Sender`, so the channel never disconnects and the
//! consumer waits for ever — a deadlock, since the caller waits for the
//! consumer.

use racetrace::sync::mpsc;
use racetrace::thread;

/// Send `1..=n` through the pipeline and return the consumer's sum.
pub fn sum_pipeline(n: u64, drop_own_sender: bool) -> u64 {
    let (tx, rx) = mpsc::channel::<u64>();
    let producer_tx = tx.clone();
    let producer = thread::spawn(move || {
        for i in 1..=n {
            producer_tx.send(i).unwrap();
        }
    });
    let consumer = thread::spawn(move || rx.iter().sum::<u64>());
    if drop_own_sender {
        drop(tx);
    }
    producer.join().unwrap();
    consumer.join().unwrap()
}
