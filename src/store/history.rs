//! An account's history put together from its operations and its ledger
//! entries, read separately by each backend (both in order; entry ids grow
//! with operation ids): one line per entry, and one for an operation that
//! moved nothing.

use crate::rules::{HistoryLine, LedgerEntry};

/// `ops` in order, each followed by its entries from `entries` (operation
/// id, entry), in order.
pub(super) fn merged<E>(
    ops: impl Iterator<Item = Result<HistoryLine, E>>,
    entries: Vec<(i64, LedgerEntry)>,
) -> Result<Vec<HistoryLine>, E> {
    let mut entries = entries.into_iter().peekable();
    let mut rows = Vec::new();
    for op in ops {
        let op = op?;
        let mut any = false;
        while let Some((_, entry)) = entries.next_if(|(op_id, _)| *op_id == op.operation_id) {
            rows.push(HistoryLine {
                entry: Some(entry),
                ..op.clone()
            });
            any = true;
        }
        if !any {
            rows.push(op);
        }
    }
    Ok(rows)
}
