//! What a write transaction or a batch remembers instead of reading it again.

use crate::rules::Lot;
use crate::rules::clock::Instant;

/// Values a write transaction or a [`Batch`] remembers instead of reading
/// them again: the clock, account ids by handle, the next image number and the
/// live lots of the accounts it has touched. Only the store's own writes
/// change them, and those keep the memo up to date. It is forgotten whenever
/// a unit is undone or a commit fails, since then the rows may differ from
/// what was remembered, and when another connection has written to the
/// wallet between two of the batch's transactions (`PRAGMA data_version`).
/// It holds at most [`MEMO_ACCOUNTS`] accounts, and starts afresh when full.
#[derive(Default)]
pub(super) struct Memo {
    pub(super) clock: std::cell::Cell<Option<Instant>>,
    pub(super) next_image: std::cell::Cell<Option<i64>>,
    pub(super) accounts: std::cell::RefCell<foldhash::HashMap<String, i64>>,
    /// Live lots by account id, in id order, as `live_lots` returns them.
    pub(super) lots: std::cell::RefCell<foldhash::HashMap<i64, Vec<Lot>>>,
    /// The wallet's `data_version` when the batch's last transaction began.
    pub(super) data_version: std::cell::Cell<Option<i64>>,
}

/// Accounts a batch remembers at most (about 0.5 KiB each with their lots),
/// and live lots an account may have to be remembered: at most 19 MiB.
const MEMO_ACCOUNTS: usize = 16_384;
const MEMO_LOTS_PER_ACCOUNT: usize = 16;

/// An account's live lots, in id order, through a write's or batch's memory
/// when there is one: remembered lots are returned as they are (debug builds,
/// every test, check them against `query`), others are queried and remembered.
pub(super) fn live_lots(
    memo: Option<&Memo>,
    account_id: i64,
    query: impl Fn() -> anyhow::Result<Vec<Lot>>,
) -> anyhow::Result<Vec<Lot>> {
    let Some(memo) = memo else {
        return query();
    };
    if let Some(lots) = memo.lots.borrow().get(&account_id) {
        if cfg!(debug_assertions) {
            let rows = query()?;
            anyhow::ensure!(
                rows == *lots,
                "internal error: the batch remembers account {account_id}'s lots as {lots:?}, the wallet holds {rows:?}"
            );
        }
        return Ok(lots.clone());
    }
    let lots = query()?;
    memo.remember_lots(account_id, lots.clone());
    Ok(lots)
}

impl Memo {
    pub(super) fn forget(&self) {
        self.clock.set(None);
        self.next_image.set(None);
        self.accounts.borrow_mut().clear();
        self.lots.borrow_mut().clear();
    }

    pub(super) fn remember_account(&self, handle: &str, id: i64) {
        let mut accounts = self.accounts.borrow_mut();
        if accounts.len() >= MEMO_ACCOUNTS {
            accounts.clear();
        }
        accounts.insert(handle.to_owned(), id);
    }

    pub(super) fn remember_lots(&self, account_id: i64, mut lots: Vec<Lot>) {
        let mut remembered = self.lots.borrow_mut();
        // Bounded by size too: an account with many live lots is read each time.
        if lots.len() > MEMO_LOTS_PER_ACCOUNT {
            remembered.remove(&account_id);
            return;
        }
        lots.shrink_to_fit();
        if remembered.len() >= MEMO_ACCOUNTS {
            remembered.clear();
        }
        remembered.insert(account_id, lots);
    }
}
