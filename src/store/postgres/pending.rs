//! Writes waiting to be sent, kept so that one round trip carries many and
//! the server does little per row: new rows gathered per table and sent as
//! one multi-row `INSERT` each, debits from lots summed per lot and sent as
//! one `UPDATE`, and every other statement (subscriptions, schedules,
//! expiries, images licensed, the clock) in the order it was made. The
//! inserts go first, then the debits, then the rest: a statement changes
//! only rows made before it, a new subscription is made in order (one runs
//! per account at a time), and references are checked at commit (the
//! schema's foreign keys are deferred), so the order within one send does
//! not change the outcome. A [`Mark`] is a point between writes: a unit of
//! work undone before its writes were sent is forgotten back to its mark,
//! and a send puts a unit's savepoint at its mark.

use std::fmt::Write as _;

use anyhow::anyhow;

/// The tables rows are inserted into in bulk, in the order they are sent.
#[derive(Debug, Clone, Copy)]
pub(super) enum Table {
    Accounts,
    Operations,
    Lots,
    Ledger,
    Orders,
    Charges,
    Styles,
    Images,
    Edits,
    IdempotencyKeys,
}

const TABLES: usize = 10;

impl Table {
    fn insert(self) -> &'static str {
        match self {
            Table::Accounts => "INSERT INTO accounts (id, handle, created_at) VALUES ",
            Table::Operations => "INSERT INTO operations (id, account_id, at, kind, summary, actor) VALUES ",
            Table::Lots => {
                "INSERT INTO lots (id, account_id, operation_id, asset, source, granted, remaining, granted_at, expires_at, subscription_id) VALUES "
            }
            Table::Ledger => {
                "INSERT INTO ledger (id, operation_id, account_id, lot_id, asset, delta, reason, at, note) VALUES "
            }
            Table::Orders => {
                "INSERT INTO orders (id, operation_id, account_id, product, quantity, price_cents, currency, at) VALUES "
            }
            Table::Charges => {
                "INSERT INTO charges (id, operation_id, account_id, subscription_id, amount_cents, currency, period_start, period_end, at) VALUES "
            }
            Table::Styles => "INSERT INTO styles (id, account_id, operation_id, name, credits, trained_at) VALUES ",
            Table::Images => {
                "INSERT INTO images (id, account_id, operation_id, style_kind, style_name, created_at) VALUES "
            }
            Table::Edits => "INSERT INTO edits (id, image_id, operation_id, op, credits, at) VALUES ",
            Table::IdempotencyKeys => {
                "INSERT INTO idempotency_keys (key, request, human, json, operation_at, actor) VALUES "
            }
        }
    }
}

/// One debit from a lot: (lot, account, amount).
type Debit = (i64, i64, i64);

/// The writes waiting to be sent.
#[derive(Default)]
pub(super) struct Pending {
    /// Per table, its new rows as `,(…)` each.
    rows: [String; TABLES],
    debits: Vec<Debit>,
    /// Every other statement, each ended by `;`.
    ordered: String,
}

/// A point between writes.
#[derive(Debug, Clone, Default)]
pub(super) struct Mark {
    rows: [usize; TABLES],
    debits: usize,
    ordered: usize,
}

impl Pending {
    /// Adds a row to `table`: `values` is its parenthesised list.
    pub(super) fn row(&mut self, table: Table, values: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
        let rows = &mut self.rows[table as usize];
        rows.push(',');
        rows.write_fmt(values).map_err(|_| anyhow!("cannot write a row"))
    }

    pub(super) fn debit(&mut self, lot: i64, account: i64, amount: i64) {
        self.debits.push((lot, account, amount));
    }

    pub(super) fn statement(&mut self, statement: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
        self.ordered
            .write_fmt(statement)
            .map_err(|_| anyhow!("cannot write a statement"))?;
        self.ordered.push_str(";\n");
        Ok(())
    }

    /// About how many bytes wait.
    pub(super) fn size(&self) -> usize {
        self.rows.iter().map(String::len).sum::<usize>() + self.debits.len() * 24 + self.ordered.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.size() == 0
    }

    pub(super) fn mark(&self) -> Mark {
        Mark {
            rows: std::array::from_fn(|i| self.rows[i].len()),
            debits: self.debits.len(),
            ordered: self.ordered.len(),
        }
    }

    /// True when something was written after `mark`.
    pub(super) fn written_since(&self, mark: &Mark) -> bool {
        self.rows.iter().zip(mark.rows).any(|(r, m)| r.len() > m)
            || self.debits.len() > mark.debits
            || self.ordered.len() > mark.ordered
    }

    /// Forgets every write made after `mark`.
    pub(super) fn truncate(&mut self, mark: &Mark) {
        for (rows, m) in self.rows.iter_mut().zip(mark.rows) {
            rows.truncate(m);
        }
        self.debits.truncate(mark.debits);
        self.ordered.truncate(mark.ordered);
    }

    pub(super) fn clear(&mut self) {
        self.truncate(&Mark::default());
    }

    /// The writes between two marks as SQL, appended to `out`.
    pub(super) fn text(&self, from: &Mark, to: &Mark, out: &mut String) {
        let tables = [
            Table::Accounts,
            Table::Operations,
            Table::Lots,
            Table::Ledger,
            Table::Orders,
            Table::Charges,
            Table::Styles,
            Table::Images,
            Table::Edits,
            Table::IdempotencyKeys,
        ];
        for table in tables {
            let i = table as usize;
            let rows = &self.rows[i][from.rows[i]..to.rows[i]];
            if let Some(rows) = rows.strip_prefix(',') {
                out.push_str(table.insert());
                out.push_str(rows);
                out.push_str(";\n");
            }
        }
        let debits = &self.debits[from.debits..to.debits];
        if !debits.is_empty() {
            // Summed per lot: an UPDATE … FROM changes each row once.
            let mut summed: std::collections::BTreeMap<(i64, i64), i64> = std::collections::BTreeMap::new();
            for (lot, account, amount) in debits {
                let total = summed.entry((*lot, *account)).or_insert(0);
                *total = total.saturating_add(*amount);
            }
            out.push_str("UPDATE lots SET remaining = remaining - d.amount FROM (VALUES ");
            for (n, ((lot, account), amount)) in summed.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                let _ = write!(out, "({lot}::bigint, {account}::bigint, {amount}::bigint)");
            }
            out.push_str(") AS d (lot, account, amount) WHERE lots.id = d.lot AND lots.account_id = d.account;\n");
        }
        out.push_str(&self.ordered[from.ordered..to.ordered]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_sent_per_table_and_debits_summed_per_lot() {
        let mut p = Pending::default();
        p.row(Table::Ledger, format_args!("(1)")).expect("row");
        p.statement(format_args!("UPDATE wallet SET clock = 5"))
            .expect("statement");
        p.debit(7, 1, 3);
        p.row(Table::Operations, format_args!("(2)")).expect("row");
        let mark = p.mark();
        p.debit(7, 1, 4);
        p.row(Table::Operations, format_args!("(3)")).expect("row");
        let mut all = String::new();
        p.text(&Mark::default(), &p.mark(), &mut all);
        assert_eq!(
            all,
            "INSERT INTO operations (id, account_id, at, kind, summary, actor) VALUES (2),(3);\n\
             INSERT INTO ledger (id, operation_id, account_id, lot_id, asset, delta, reason, at, note) VALUES (1);\n\
             UPDATE lots SET remaining = remaining - d.amount FROM (VALUES (7::bigint, 1::bigint, 7::bigint)) AS d (lot, account, amount) WHERE lots.id = d.lot AND lots.account_id = d.account;\n\
             UPDATE wallet SET clock = 5;\n"
        );
        let mut after = String::new();
        p.text(&mark, &p.mark(), &mut after);
        assert!(
            after.starts_with("INSERT INTO operations (id, account_id, at, kind, summary, actor) VALUES (3);"),
            "{after}"
        );
        assert!(p.written_since(&mark));
        p.truncate(&mark);
        assert!(!p.written_since(&mark));
        let mut before = String::new();
        p.text(&Mark::default(), &p.mark(), &mut before);
        assert!(
            before.contains("VALUES (2);") && before.contains("(7::bigint, 1::bigint, 3::bigint)"),
            "{before}"
        );
    }
}
