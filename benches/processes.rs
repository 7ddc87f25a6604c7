//! Process figures for issue 7: `cargo bench --bench processes`.
//!
//! * `ProcessPool::map(compute, …)` over the seeds' list and a larger one,
//!   1 and 2 worker processes, against a loop in this process;
//! * `ProcessQueue` throughput, 16 B and 1 MiB messages, parent → worker,
//!   against a crossbeam channel between two threads;
//! * start + join of a worker that does nothing.
//!
//! Wall-clock medians; the machine's other load shows in them.

use racetrace::process::{Process, ProcessPool, ProcessQueue};
use racetrace_patterns::fixtures::{self, compute};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn pool() {
    println!("## pool map of compute(n) (median of 5)");
    println!("| inputs | single-process loop | pool, 1 worker | pool, 2 workers |");
    println!("|---|---|---|---|");
    let seeds: Vec<u64> = vec![5_000_000, 10_000_000, 20_000_000];
    let larger: Vec<u64> = (0..8).map(|i| 20_000_000 + 5_000_000 * i).collect();
    for (name, inputs) in [("seeds [5M, 10M, 20M]", &seeds), ("8 × 20M…55M", &larger)] {
        let want: Vec<u64> = inputs.iter().map(|&n| n * (n - 1) / 2).collect();
        let lp = time(5, || {
            let r: Vec<u64> = inputs.iter().map(|&n| compute(black_box(n))).collect();
            assert_eq!(r, want);
        });
        let p1 = time(5, || {
            let r: Vec<u64> = ProcessPool::new(1).map("compute", inputs).unwrap();
            assert_eq!(r, want);
        });
        let p2 = time(5, || {
            let r: Vec<u64> = ProcessPool::new(2).map("compute", inputs).unwrap();
            assert_eq!(r, want);
        });
        println!("| {name} | {} | {} | {} |", ms(lp), ms(p1), ms(p2));
    }
}

fn queue() {
    println!("## queue throughput, one way (median of 3)");
    println!(
        "| message | ProcessQueue msgs/s | ProcessQueue MB/s | crossbeam (threads) msgs/s | crossbeam MB/s |"
    );
    println!("|---|---|---|---|---|");
    for (size, count) in [(16usize, 100_000usize), (1 << 20, 200)] {
        let msg = "x".repeat(size);
        let proc_t = time(3, || {
            let q = ProcessQueue::<String>::new("data").unwrap();
            let back = ProcessQueue::<u64>::new("total").unwrap();
            let mut w = Process::builder("sink")
                .arg(count)
                .queue(&q)
                .queue(&back)
                .start()
                .unwrap();
            for _ in 0..count {
                q.put(&msg).unwrap();
            }
            assert_eq!(back.get().unwrap(), (size * count) as u64);
            w.join().unwrap();
        });
        let chan_t = time(3, || {
            let (tx, rx) = crossbeam::channel::bounded::<String>(64);
            let h = std::thread::spawn(move || {
                let mut total = 0;
                for _ in 0..count {
                    total += rx.recv().unwrap().len();
                }
                total
            });
            for _ in 0..count {
                tx.send(msg.clone()).unwrap();
            }
            assert_eq!(h.join().unwrap(), size * count);
        });
        let rate = |d: Duration| count as f64 / d.as_secs_f64();
        let mbs = |d: Duration| (size * count) as f64 / d.as_secs_f64() / 1e6;
        println!(
            "| {size} B × {count} | {:.0} | {:.1} | {:.0} | {:.1} |",
            rate(proc_t),
            mbs(proc_t),
            rate(chan_t),
            mbs(chan_t)
        );
    }
}

fn startup() {
    let d = time(51, || {
        let mut w = Process::builder("empty").start().unwrap();
        w.join().unwrap();
    });
    println!(
        "## start + join of an empty worker (median of 51): {}",
        ms(d)
    );
}

fn main() {
    fixtures::install();
    startup();
    queue();
    pool();
}
