//! Writes waiting to be sent, kept so that one round trip carries many and
//! the server does little per row: new rows gathered per table and sent as
//! one multi-row `INSERT` (or `COPY`) each, then every other statement (a
//! new subscription, an image licensed, the clock) in the order it was made,
//! then one `UPDATE` of the lots changed (debits summed per lot, the last new
//! expiry of each) and one of the subscriptions' new schedules (the last of
//! each), each row found through its key. A statement changes only rows made
//! before it, a lot's debits and its expiry change other columns, an expiry
//! or a schedule replaces the whole value, and a new subscription is never
//! sent with another one's end (a subscribe reads the account's subscription
//! first, which sends what waits; see `insert_subscription`), so the order
//! within one send does not change the outcome; a `COMMIT` goes after all of
//! it. A [`Mark`] is a point between writes: a unit of work undone before its
//! writes were sent is forgotten back to its mark, and a send puts a unit's
//! savepoint at its mark.

use std::fmt::Write as _;

use anyhow::anyhow;

use super::sql::{Cell, copy_field, storable};

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

/// Rows of one table at least this many in one send go by `COPY`, which
/// the server takes faster than an `INSERT` it must parse and plan.
const COPY_AT: usize = 64;

impl Table {
    const ALL: [Table; TABLES] = [
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

    /// The table's name and its columns as rows give them.
    pub(super) fn columns(self) -> (&'static str, &'static str) {
        match self {
            Table::Accounts => ("accounts", "id, handle, created_at"),
            Table::Operations => ("operations", "id, account_id, at, kind, summary, actor, reason, voids"),
            Table::Lots => (
                "lots",
                "id, account_id, operation_id, asset, source, granted, remaining, granted_at, expires_at, subscription_id",
            ),
            Table::Ledger => (
                "ledger",
                "id, operation_id, account_id, lot_id, asset, delta, reason, at, note",
            ),
            Table::Orders => (
                "orders",
                "id, operation_id, account_id, product, quantity, price_cents, currency, at",
            ),
            Table::Charges => (
                "charges",
                "id, operation_id, account_id, subscription_id, amount_cents, currency, period_start, period_end, at",
            ),
            Table::Styles => ("styles", "id, account_id, operation_id, name, credits, trained_at"),
            Table::Images => (
                "images",
                "id, account_id, operation_id, style_kind, style_name, created_at",
            ),
            Table::Edits => ("edits", "id, image_id, operation_id, op, credits, at"),
            Table::IdempotencyKeys => ("idempotency_keys", "key, request, human, json, operation_at, actor"),
        }
    }
}

/// One debit from a lot: (lot, account, amount).
type Debit = (i64, i64, i64);

/// The writes waiting to be sent.
#[derive(Default)]
pub(super) struct Pending {
    /// Per table, its new rows as `,(…)` each (for an `INSERT`)…
    rows: [String; TABLES],
    /// …and as lines of `COPY` text,
    copy: [String; TABLES],
    /// and how many.
    counts: [usize; TABLES],
    debits: Vec<Debit>,
    /// Every other statement, each ended by `;`.
    ordered: String,
    /// Lots' new expiries: (lot, account, expires at).
    expiries: Vec<(i64, i64, i64)>,
    schedules: Vec<Schedule>,
}

/// A subscription's new schedule, status and end.
#[derive(Debug, Clone, Copy)]
pub(super) struct Schedule {
    pub(super) id: i64,
    pub(super) deliveries: u32,
    pub(super) periods: u32,
    /// A status's name (a plain word).
    pub(super) status: &'static str,
    pub(super) ended_at: Option<i64>,
    pub(super) next_event_at: Option<i64>,
}

/// A point between writes.
#[derive(Debug, Clone, Default)]
pub(super) struct Mark {
    rows: [usize; TABLES],
    copy: [usize; TABLES],
    counts: [usize; TABLES],
    debits: usize,
    ordered: usize,
    expiries: usize,
    schedules: usize,
}

impl Pending {
    /// Adds a row to `table`, its values in the order of [`Table::columns`].
    pub(super) fn row(&mut self, table: Table, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        let texts: Vec<&str> = cells
            .iter()
            .filter_map(|c| match c {
                Cell::Text(t) => Some(*t),
                _ => None,
            })
            .collect();
        storable(&texts)?;
        let i = table as usize;
        let (rows, copy) = (&mut self.rows[i], &mut self.copy[i]);
        rows.push_str(",(");
        for (n, cell) in cells.iter().enumerate() {
            if n > 0 {
                rows.push_str(", ");
                copy.push('\t');
            }
            write!(rows, "{cell}").map_err(|_| anyhow!("cannot write a row"))?;
            copy_field(copy, *cell);
        }
        rows.push(')');
        copy.push('\n');
        self.counts[i] += 1;
        Ok(())
    }

    pub(super) fn debit(&mut self, lot: i64, account: i64, amount: i64) {
        self.debits.push((lot, account, amount));
    }

    pub(super) fn expiry(&mut self, lot: i64, account: i64, expires_at: i64) {
        self.expiries.push((lot, account, expires_at));
    }

    pub(super) fn schedule(&mut self, schedule: Schedule) {
        self.schedules.push(schedule);
    }

    /// True while a subscription's new schedule waits to be sent.
    pub(super) fn has_schedules(&self) -> bool {
        !self.schedules.is_empty()
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
        self.rows.iter().map(String::len).sum::<usize>()
            + (self.debits.len() + self.expiries.len()) * 24
            + self.schedules.len() * 48
            + self.ordered.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.size() == 0
    }

    pub(super) fn mark(&self) -> Mark {
        Mark {
            rows: std::array::from_fn(|i| self.rows[i].len()),
            copy: std::array::from_fn(|i| self.copy[i].len()),
            counts: self.counts,
            debits: self.debits.len(),
            ordered: self.ordered.len(),
            expiries: self.expiries.len(),
            schedules: self.schedules.len(),
        }
    }

    /// True when something was written after `mark`.
    pub(super) fn written_since(&self, mark: &Mark) -> bool {
        self.rows.iter().zip(mark.rows).any(|(r, m)| r.len() > m)
            || self.debits.len() > mark.debits
            || self.ordered.len() > mark.ordered
            || self.expiries.len() > mark.expiries
            || self.schedules.len() > mark.schedules
    }

    /// Forgets every write made after `mark`.
    pub(super) fn truncate(&mut self, mark: &Mark) {
        for (rows, m) in self.rows.iter_mut().zip(mark.rows) {
            rows.truncate(m);
        }
        for (copy, m) in self.copy.iter_mut().zip(mark.copy) {
            copy.truncate(m);
        }
        self.counts = mark.counts;
        self.debits.truncate(mark.debits);
        self.ordered.truncate(mark.ordered);
        self.expiries.truncate(mark.expiries);
        self.schedules.truncate(mark.schedules);
    }

    pub(super) fn clear(&mut self) {
        self.truncate(&Mark::default());
    }

    /// The tables with so many new rows that they are best sent by `COPY`,
    /// each with its rows as `COPY` text: all of them, in one send with no
    /// savepoint in it.
    pub(super) fn bulk(&self) -> Vec<(Table, &str)> {
        Table::ALL
            .into_iter()
            .filter(|t| self.counts[*t as usize] >= COPY_AT)
            .map(|t| (t, self.copy[t as usize].as_str()))
            .collect()
    }

    /// The writes between two marks as SQL, appended to `out`, but for the
    /// new rows of the tables in `sent` (already sent by `COPY`).
    pub(super) fn text(&self, from: &Mark, to: &Mark, sent: &[Table], out: &mut String) {
        for table in Table::ALL {
            if sent.iter().any(|t| *t as usize == table as usize) {
                continue;
            }
            let i = table as usize;
            let rows = &self.rows[i][from.rows[i]..to.rows[i]];
            if let Some(rows) = rows.strip_prefix(',') {
                let (name, columns) = table.columns();
                let _ = writeln!(out, "INSERT INTO {name} ({columns}) VALUES {rows};");
            }
        }
        out.push_str(&self.ordered[from.ordered..to.ordered]);
        let lots = lot_changes(
            &self.debits[from.debits..to.debits],
            &self.expiries[from.expiries..to.expiries],
        );
        let schedules = &self.schedules[from.schedules..to.schedules];
        if lots.is_empty() && schedules.is_empty() {
            return;
        }
        // Each row is found through its key: a hash join would read the
        // whole table for every send, and the planner picks one as soon as
        // a send changes a few hundred rows of a small wallet.
        out.push_str("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;\n");
        if !lots.is_empty() {
            let _ = writeln!(
                out,
                "UPDATE lots SET remaining = remaining - d.amount, expires_at = coalesce(d.at, lots.expires_at) \
                 FROM unnest({}, {}, {}, {}) AS d (lot, account, amount, at) \
                 WHERE lots.id = d.lot AND lots.account_id = d.account;",
                numbers(lots.keys().map(|(lot, _)| Some(*lot))),
                numbers(lots.keys().map(|(_, account)| Some(*account))),
                numbers(lots.values().map(|(amount, _)| Some(*amount))),
                numbers(lots.values().map(|(_, at)| *at)),
            );
        }
        if !schedules.is_empty() {
            let last: std::collections::BTreeMap<i64, Schedule> = schedules.iter().map(|s| (s.id, *s)).collect();
            let statuses: Vec<&str> = last.values().map(|s| s.status).collect();
            let _ = writeln!(
                out,
                "UPDATE subscriptions SET deliveries = d.deliveries, periods = d.periods, status = d.status, \
                 ended_at = d.ended_at, next_event_at = d.next_event_at \
                 FROM unnest({}, {}, {}, '{{{}}}'::text[], {}, {}) AS d (id, deliveries, periods, status, ended_at, next_event_at) \
                 WHERE subscriptions.id = d.id;",
                numbers(last.keys().map(|id| Some(*id))),
                numbers(last.values().map(|s| Some(i64::from(s.deliveries)))),
                numbers(last.values().map(|s| Some(i64::from(s.periods)))),
                statuses.join(","),
                numbers(last.values().map(|s| s.ended_at)),
                numbers(last.values().map(|s| s.next_event_at)),
            );
        }
        out.push_str("SET LOCAL enable_hashjoin TO DEFAULT; SET LOCAL enable_mergejoin TO DEFAULT;\n");
    }
}

/// What a send does to each lot it changes, by (lot, account): the debits
/// summed, and the last new expiry if any, so that each row changes once
/// (an `UPDATE … FROM` changes a row once, and every change of a row is a
/// new version of it on the server).
fn lot_changes(
    debits: &[(i64, i64, i64)],
    expiries: &[(i64, i64, i64)],
) -> std::collections::BTreeMap<(i64, i64), (i64, Option<i64>)> {
    let mut lots: std::collections::BTreeMap<(i64, i64), (i64, Option<i64>)> = std::collections::BTreeMap::new();
    for (lot, account, amount) in debits {
        let (total, _) = lots.entry((*lot, *account)).or_insert((0, None));
        *total = total.saturating_add(*amount);
    }
    for (lot, account, at) in expiries {
        lots.entry((*lot, *account)).or_insert((0, None)).1 = Some(*at);
    }
    lots
}

/// Numbers (or NULLs) as a `bigint[]` literal: with `unnest`, the planner
/// finds each row by its key (a `VALUES` list of thousands made it scan
/// every lot).
fn numbers(values: impl Iterator<Item = Option<i64>>) -> String {
    let values: Vec<String> = values
        .map(|v| v.map_or_else(|| "NULL".to_owned(), |n| n.to_string()))
        .collect();
    format!("'{{{}}}'::bigint[]", values.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_sent_per_table_and_each_lot_changed_once() {
        let mut p = Pending::default();
        p.row(Table::Ledger, &[Cell::Int(1)]).expect("row");
        p.statement(format_args!("UPDATE wallet SET clock = 5"))
            .expect("statement");
        p.debit(7, 1, 3);
        p.row(Table::Operations, &[Cell::Int(2)]).expect("row");
        let mark = p.mark();
        p.debit(7, 1, 4);
        p.expiry(7, 1, 90);
        p.expiry(8, 1, 80);
        p.expiry(8, 1, 95);
        p.row(Table::Operations, &[Cell::Int(3), Cell::Text("it's")])
            .expect("row");
        let mut all = String::new();
        p.text(&Mark::default(), &p.mark(), &[], &mut all);
        assert_eq!(
            all,
            "INSERT INTO operations (id, account_id, at, kind, summary, actor, reason, voids) VALUES (2),(3, E'it''s');\n\
             INSERT INTO ledger (id, operation_id, account_id, lot_id, asset, delta, reason, at, note) VALUES (1);\n\
             UPDATE wallet SET clock = 5;\n\
             SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;\n\
             UPDATE lots SET remaining = remaining - d.amount, expires_at = coalesce(d.at, lots.expires_at) \
             FROM unnest('{7,8}'::bigint[], '{1,1}'::bigint[], '{7,0}'::bigint[], '{90,95}'::bigint[]) AS d (lot, account, amount, at) \
             WHERE lots.id = d.lot AND lots.account_id = d.account;\n\
             SET LOCAL enable_hashjoin TO DEFAULT; SET LOCAL enable_mergejoin TO DEFAULT;\n"
        );
        let mut after = String::new();
        p.text(&mark, &p.mark(), &[], &mut after);
        assert!(
            after.starts_with(
                "INSERT INTO operations (id, account_id, at, kind, summary, actor, reason, voids) VALUES (3, E'it''s');"
            ),
            "{after}"
        );
        let mut without = String::new();
        p.text(&Mark::default(), &p.mark(), &[Table::Operations], &mut without);
        assert!(!without.contains("INSERT INTO operations"), "{without}");
        assert!(p.written_since(&mark));
        p.truncate(&mark);
        assert!(!p.written_since(&mark));
        let mut before = String::new();
        p.text(&Mark::default(), &p.mark(), &[], &mut before);
        assert!(
            before.contains("VALUES (2);")
                && before.contains("unnest('{7}'::bigint[], '{1}'::bigint[], '{3}'::bigint[], '{NULL}'::bigint[])"),
            "{before}"
        );
        assert!(p.bulk().is_empty(), "two rows go by INSERT");
        for n in 0..64 {
            p.row(Table::Images, &[Cell::Int(n), Cell::Null, Cell::Text("a\tb")])
                .expect("row");
        }
        let bulk = p.bulk();
        assert_eq!(bulk.len(), 1);
        assert!(bulk[0].1.starts_with("0\t\\N\ta\\tb\n1\t"), "{}", bulk[0].1);
    }
}
