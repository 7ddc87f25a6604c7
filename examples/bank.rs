//! Checking your own code with racetrace: a bank account whose `withdraw`
//! checks the balance and debits it under two separate lock acquisitions
//! (check-then-act). Two concurrent withdrawals of 70 from 100 can both pass
//! the check: the balance goes negative. racetrace finds the schedule and
//! prints it; the fixed version is verified over every schedule.
//!
//! Run: `cargo run --example bank`

use racetrace::traced::sync::{Arc, Mutex};
use racetrace::traced::thread;
use racetrace::{Backend, Config};

/// The user's code, written against racetrace's primitives.
struct Account {
    balance: Mutex<i64>,
}

impl Account {
    fn new(balance: i64) -> Self {
        Account {
            balance: Mutex::new(balance).named("balance").show_values(),
        }
    }

    /// Buggy: the check and the debit are two critical sections.
    fn withdraw_racy(&self, amount: i64) -> bool {
        let enough = *self.balance.lock() >= amount;
        if enough {
            *self.balance.lock() -= amount;
        }
        enough
    }

    /// Fixed: one critical section.
    fn withdraw(&self, amount: i64) -> bool {
        let mut b = self.balance.lock();
        if *b >= amount {
            *b -= amount;
            true
        } else {
            false
        }
    }
}

fn two_withdrawals(racy: bool) -> i64 {
    let account = Arc::new(Account::new(100));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let a = account.clone();
            thread::spawn(move || {
                if racy {
                    a.withdraw_racy(70)
                } else {
                    a.withdraw(70)
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    *account.balance.lock()
}

fn main() {
    let config = Config::new(Backend::ShuttleDfs);
    for racy in [true, false] {
        let report = racetrace::explore_outcomes(
            &config,
            if racy {
                "bank/withdraw-racy"
            } else {
                "bank/withdraw"
            },
            move || two_withdrawals(racy).to_string(),
            |balance| balance.parse::<i64>().is_ok_and(|b| b >= 0),
        );
        print!("{}", report.render_table());
        if let Some(w) = report.first_violation() {
            print!("{}", w.trace.render());
        }
        println!();
    }
}
