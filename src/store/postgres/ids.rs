//! Ids handed out by the writer. Every write holds the wallet row locked, so
//! one writer at a time reads each table's largest id once and counts on
//! from it: ids stay dense and unique, as in a wallet file, and a write
//! needs no round trip to learn the id of a row it adds.

use anyhow::anyhow;

/// The next id of each table.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Ids {
    pub(super) accounts: i64,
    pub(super) operations: i64,
    pub(super) lots: i64,
    pub(super) ledger: i64,
    pub(super) orders: i64,
    pub(super) charges: i64,
    pub(super) subscriptions: i64,
    pub(super) styles: i64,
    pub(super) images: i64,
    pub(super) edits: i64,
}

/// Reads every table's largest id, in this order.
pub(super) const LARGEST: &str = "SELECT
    (SELECT coalesce(max(id), 0) FROM accounts), (SELECT coalesce(max(id), 0) FROM operations),
    (SELECT coalesce(max(id), 0) FROM lots), (SELECT coalesce(max(id), 0) FROM ledger),
    (SELECT coalesce(max(id), 0) FROM orders), (SELECT coalesce(max(id), 0) FROM charges),
    (SELECT coalesce(max(id), 0) FROM subscriptions), (SELECT coalesce(max(id), 0) FROM styles),
    (SELECT coalesce(max(id), 0) FROM images), (SELECT coalesce(max(id), 0) FROM edits)";

impl Ids {
    /// The next ids after the largest ones, as [`LARGEST`] reads them.
    pub(super) fn after(largest: [i64; 10]) -> anyhow::Result<Ids> {
        let next = |n: i64| {
            n.checked_add(1)
                .ok_or_else(|| anyhow!("the wallet's ids are exhausted"))
        };
        Ok(Ids {
            accounts: next(largest[0])?,
            operations: next(largest[1])?,
            lots: next(largest[2])?,
            ledger: next(largest[3])?,
            orders: next(largest[4])?,
            charges: next(largest[5])?,
            subscriptions: next(largest[6])?,
            styles: next(largest[7])?,
            images: next(largest[8])?,
            edits: next(largest[9])?,
        })
    }
}

/// Takes the next id from `counter`.
pub(super) fn take(counter: &mut i64) -> anyhow::Result<i64> {
    let id = *counter;
    *counter = id
        .checked_add(1)
        .ok_or_else(|| anyhow!("the wallet's ids are exhausted"))?;
    Ok(id)
}
