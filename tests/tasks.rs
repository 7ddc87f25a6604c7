//! The async runtime: racetrace::task's executor, JoinHandle, Mutex and
//! Semaphore, under the model backends and on tokio.

use racetrace::cell::RaceCell;
use racetrace::sync::Arc;
use racetrace::{Backend, Config, task};

fn lost_update(tasks: usize) -> usize {
    task::block_on(async move {
        let counter = Arc::new(RaceCell::new(0usize).named("counter"));
        let hs: Vec<_> = (0..tasks)
            .map(|_| {
                let c = counter.clone();
                task::spawn(async move {
                    let v = c.get();
                    task::yield_now().await;
                    c.set(v + 1);
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
        counter.get()
    })
}

#[test]
fn smoke() {
    for b in [Backend::Dpor, Backend::Loom, Backend::ShuttleDfs] {
        let r = racetrace::explore_outcomes(
            &Config::new(b),
            "x",
            || lost_update(2).to_string(),
            |o| o == "2",
        );
        println!("{}", r.render_table());
        if let Some(w) = r.first_violation() {
            println!("{}", w.trace.render());
        }
    }
    let r = racetrace::explore_outcomes(
        &Config::new(Backend::Real).with_max_schedules(3),
        "x",
        || lost_update(2).to_string(),
        |o| o == "2",
    );
    println!("{}", r.render_table());
    if let Some(w) = r.first_violation() {
        println!("{}", w.trace.render());
    }
    println!("plain {}", lost_update(3));
}
