//! Accounts behind one mutex each. Two seeded bugs: a withdrawal that
//! checks and debits in two critical sections (check-then-act: the balance
//! can go negative), and a transfer that locks "from" then "to" (two
//! opposite transfers deadlock).

use racetrace::sync::Mutex;

/// A bank of accounts, each behind its own lock.
#[derive(Debug)]
pub struct Bank {
    accounts: Vec<Mutex<i64>>,
}

impl Bank {
    /// A bank whose accounts hold these balances.
    pub fn new(balances: &[i64]) -> Bank {
        Bank {
            accounts: balances.iter().map(|b| Mutex::new(*b)).collect(),
        }
    }

    /// The balance of account `i`.
    pub fn balance(&self, i: usize) -> i64 {
        *self.accounts[i].lock().unwrap()
    }

    /// Take `amount` from account `i` if it holds that much.
    pub fn withdraw(&self, i: usize, amount: i64) -> bool {
        let mut b = self.accounts[i].lock().unwrap();
        if *b >= amount {
            *b -= amount;
            true
        } else {
            false
        }
    }

    /// The seeded bug: the check and the debit are two critical sections.
    pub fn withdraw_naive(&self, i: usize, amount: i64) -> bool {
        let enough = *self.accounts[i].lock().unwrap() >= amount;
        if enough {
            *self.accounts[i].lock().unwrap() -= amount;
        }
        enough
    }

    /// Move `amount` from `from` to `to`, locking the lower index first so
    /// that two opposite transfers cannot deadlock.
    pub fn transfer(&self, from: usize, to: usize, amount: i64) {
        let (first, second) = if from < to { (from, to) } else { (to, from) };
        let mut a = self.accounts[first].lock().unwrap();
        let mut b = self.accounts[second].lock().unwrap();
        let (src, dst) = if from < to {
            (&mut *a, &mut *b)
        } else {
            (&mut *b, &mut *a)
        };
        *src -= amount;
        *dst += amount;
    }

    /// The seeded bug: lock `from`, then `to`.
    pub fn transfer_naive(&self, from: usize, to: usize, amount: i64) {
        let mut src = self.accounts[from].lock().unwrap();
        let mut dst = self.accounts[to].lock().unwrap();
        *src -= amount;
        *dst += amount;
    }
}
