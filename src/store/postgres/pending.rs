//! Writes waiting to be sent, kept so that one round trip carries many and
//! the server does little per row: new rows gathered per table and sent as
//! one multi-row `INSERT` (or `COPY`) each, then every other statement (a
//! new subscription, an image licensed, the clock) in the order it was made,
//! then one `UPDATE` of the lots changed (debits summed per lot, the last new
//! expiry of each) and one of the subscriptions' new schedules (the last of
//! each), each row found through its key. A lot made by the transaction is
//! held here as a value until it is sent: a later debit or new expiry changes
//! it in place ([`Pending::debit`]), so that the server writes its row once,
//! as it then is, instead of a new version of it per change. A statement changes only rows made
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
use crate::store::record::NewLot;

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

/// Which of the pending writes a send takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    /// Everything.
    All,
    /// What may go ahead of the lots held back: new rows, statements,
    /// schedules and the lots that hold nothing any more (no later change
    /// can reach them). The lots that still hold something and the changes
    /// of lots stay, to be sent last, so that a lot changed again is still
    /// written once. Only while no unit of work is open: a unit's savepoint
    /// goes between writes in the order they were made.
    Ahead,
}

impl Part {
    fn sends(self, lot: &NewLotRow) -> bool {
        self == Part::All || lot.remaining == 0
    }
}

/// A lot made by the transaction whose row is not sent yet: as granted
/// (its new expiry written over the granted one) and what it still holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NewLotRow {
    pub(super) id: i64,
    pub(super) lot: NewLot,
    pub(super) remaining: i64,
}

impl NewLotRow {
    /// Its values in the order of [`Table::columns`].
    fn cells(&self) -> [Cell<'static>; 10] {
        let lot = &self.lot;
        [
            self.id.into(),
            lot.account_id.into(),
            lot.op.into(),
            lot.asset.into(),
            lot.source.into(),
            lot.amount.into(),
            self.remaining.into(),
            lot.at.into(),
            lot.expires_at.into(),
            lot.subscription_id.into(),
        ]
    }
}

/// The writes waiting to be sent.
#[derive(Default)]
pub(super) struct Pending {
    /// Per table, its new rows as `,(…)` each (for an `INSERT`)…
    rows: [String; TABLES],
    /// …and as lines of `COPY` text,
    copy: [String; TABLES],
    /// and how many.
    counts: [usize; TABLES],
    /// The lots made and not sent yet, by id (see [`NewLotRow`]).
    lots: std::collections::BTreeMap<i64, NewLotRow>,
    /// One past the id of the last lot made: where a mark taken now begins.
    lots_after: i64,
    /// Debits from lots already sent (or made before the open unit).
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
    /// The first lot id made after the mark.
    lots: i64,
    rows: [usize; TABLES],
    copy: [usize; TABLES],
    counts: [usize; TABLES],
    debits: usize,
    ordered: usize,
    expiries: usize,
    schedules: usize,
}

impl Mark {
    /// The first lot id made after the mark.
    pub(super) fn first_lot(&self) -> i64 {
        self.lots
    }
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

    /// Adds a lot the transaction made.
    pub(super) fn lot(&mut self, lot: NewLotRow) {
        self.lots_after = self.lots_after.max(lot.id.saturating_add(1));
        self.lots.insert(lot.id, lot);
    }

    /// A lot made at or after `floor` and not sent yet, to be changed in
    /// place: a change made inside a unit of work may only change rows the
    /// unit made, which are undone with it.
    fn held(&mut self, lot: i64, floor: i64) -> Option<&mut NewLotRow> {
        if lot < floor {
            return None;
        }
        self.lots.get_mut(&lot)
    }

    /// Takes `amount` from a lot; `floor` as for [`Pending::held`].
    pub(super) fn debit(&mut self, lot: i64, account: i64, amount: i64, floor: i64) -> anyhow::Result<()> {
        if let Some(row) = self.held(lot, floor) {
            anyhow::ensure!(
                row.lot.account_id == account && (0..=row.remaining).contains(&amount),
                "internal error: lot {lot} cannot give {amount} (it holds {})",
                row.remaining
            );
            row.remaining -= amount;
        } else {
            self.debits.push((lot, account, amount));
        }
        Ok(())
    }

    /// Sets a lot's new expiry; `floor` as for [`Pending::held`].
    pub(super) fn expiry(&mut self, lot: i64, account: i64, expires_at: i64, floor: i64) {
        match self.held(lot, floor) {
            Some(row) if row.lot.account_id == account => row.lot.expires_at = expires_at,
            _ => self.expiries.push((lot, account, expires_at)),
        }
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

    /// About how many bytes wait that could be sent at once: new rows but
    /// for the lots held, statements and schedules.
    pub(super) fn size(&self) -> usize {
        self.rows.iter().map(String::len).sum::<usize>() + self.schedules.len() * 48 + self.ordered.len()
    }

    /// How many lots and changes of lots are held back to be sent last.
    pub(super) fn held_lots(&self) -> usize {
        self.lots.len() + self.debits.len() + self.expiries.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.size() == 0 && self.held_lots() == 0
    }

    pub(super) fn mark(&self) -> Mark {
        Mark {
            lots: self.lots_after,
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
            || self.lots.range(mark.lots..).next().is_some()
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
        drop(self.lots.split_off(&mark.lots));
        // The ids of the lots forgotten are handed out again.
        self.lots_after = self.lots_after.min(mark.lots);
        self.debits.truncate(mark.debits);
        self.ordered.truncate(mark.ordered);
        self.expiries.truncate(mark.expiries);
        self.schedules.truncate(mark.schedules);
    }

    pub(super) fn clear(&mut self) {
        self.truncate(&Mark::default());
    }

    /// Forgets what a send of `part` sent, keeping the buffers for the next.
    pub(super) fn sent(&mut self, part: Part) {
        match part {
            Part::All => self.clear(),
            Part::Ahead => {
                let lots_after = self.lots_after;
                let debits = self.debits.len();
                let expiries = self.expiries.len();
                self.lots.retain(|_, lot| lot.remaining > 0);
                self.truncate(&Mark {
                    lots: lots_after,
                    debits,
                    expiries,
                    ..Mark::default()
                });
            }
        }
    }

    /// The tables with so many new rows that they are best sent by `COPY`,
    /// each with its rows as `COPY` text: all of them, in one send with no
    /// savepoint in it.
    pub(super) fn bulk(&self, part: Part) -> Vec<(Table, std::borrow::Cow<'_, str>)> {
        let mut bulk: Vec<(Table, std::borrow::Cow<'_, str>)> = Table::ALL
            .into_iter()
            .filter(|t| self.counts[*t as usize] >= COPY_AT)
            .map(|t| (t, self.copy[t as usize].as_str().into()))
            .collect();
        let lots: Vec<&NewLotRow> = self.lots.values().filter(|lot| part.sends(lot)).collect();
        if lots.len() >= COPY_AT {
            let mut text = String::with_capacity(lots.len() * 64);
            for lot in lots {
                for (n, cell) in lot.cells().into_iter().enumerate() {
                    if n > 0 {
                        text.push('\t');
                    }
                    copy_field(&mut text, cell);
                }
                text.push('\n');
            }
            bulk.push((Table::Lots, text.into()));
        }
        bulk
    }

    /// The writes between two marks as SQL, appended to `out`, but for the
    /// new rows of the tables in `sent` (already sent by `COPY`).
    pub(super) fn text(&self, from: &Mark, to: &Mark, sent: &[Table], part: Part, out: &mut String) {
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
            if matches!(table, Table::Lots) {
                let mut lots = self
                    .lots
                    .range(from.lots..to.lots.max(from.lots))
                    .filter(|(_, lot)| part.sends(lot))
                    .peekable();
                if lots.peek().is_some() {
                    let (name, columns) = table.columns();
                    let _ = write!(out, "INSERT INTO {name} ({columns}) VALUES ");
                    for (n, (_, lot)) in lots.enumerate() {
                        out.push_str(if n > 0 { ",(" } else { "(" });
                        for (k, cell) in lot.cells().iter().enumerate() {
                            if k > 0 {
                                out.push_str(", ");
                            }
                            let _ = write!(out, "{cell}");
                        }
                        out.push(')');
                    }
                    out.push_str(";\n");
                }
            }
        }
        out.push_str(&self.ordered[from.ordered..to.ordered]);
        let (debits, expiries) = match part {
            Part::All => (
                &self.debits[from.debits..to.debits],
                &self.expiries[from.expiries..to.expiries],
            ),
            Part::Ahead => (&[][..], &[][..]),
        };
        let lots = lot_changes(debits, expiries);
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
        p.debit(7, 1, 3, 0).expect("debit");
        p.row(Table::Operations, &[Cell::Int(2)]).expect("row");
        let mark = p.mark();
        p.debit(7, 1, 4, 0).expect("debit");
        p.expiry(7, 1, 90, 0);
        p.expiry(8, 1, 80, 0);
        p.expiry(8, 1, 95, 0);
        p.row(Table::Operations, &[Cell::Int(3), Cell::Text("it's")])
            .expect("row");
        let mut all = String::new();
        p.text(&Mark::default(), &p.mark(), &[], Part::All, &mut all);
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
        p.text(&mark, &p.mark(), &[], Part::All, &mut after);
        assert!(
            after.starts_with(
                "INSERT INTO operations (id, account_id, at, kind, summary, actor, reason, voids) VALUES (3, E'it''s');"
            ),
            "{after}"
        );
        let mut without = String::new();
        p.text(
            &Mark::default(),
            &p.mark(),
            &[Table::Operations],
            Part::All,
            &mut without,
        );
        assert!(!without.contains("INSERT INTO operations"), "{without}");
        assert!(p.written_since(&mark));
        p.truncate(&mark);
        assert!(!p.written_since(&mark));
        let mut before = String::new();
        p.text(&Mark::default(), &p.mark(), &[], Part::All, &mut before);
        assert!(
            before.contains("VALUES (2);")
                && before.contains("unnest('{7}'::bigint[], '{1}'::bigint[], '{3}'::bigint[], '{NULL}'::bigint[])"),
            "{before}"
        );
        assert!(p.bulk(Part::All).is_empty(), "two rows go by INSERT");
        for n in 0..64 {
            p.row(Table::Images, &[Cell::Int(n), Cell::Null, Cell::Text("a\tb")])
                .expect("row");
        }
        let bulk = p.bulk(Part::All);
        assert_eq!(bulk.len(), 1);
        assert!(bulk[0].1.starts_with("0\t\\N\ta\\tb\n1\t"), "{}", bulk[0].1);
    }

    fn lot(id: i64, account: i64, amount: i64) -> NewLotRow {
        NewLotRow {
            id,
            lot: NewLot {
                account_id: account,
                op: 1,
                asset: "credits",
                source: "subscription",
                amount,
                at: 10,
                expires_at: 20,
                subscription_id: Some(3),
            },
            remaining: amount,
        }
    }

    fn sql(p: &Pending) -> String {
        part(p, Part::All)
    }

    fn part(p: &Pending, part: Part) -> String {
        let mut out = String::new();
        p.text(&Mark::default(), &p.mark(), &[], part, &mut out);
        out
    }

    #[test]
    fn a_lot_made_and_changed_before_it_is_sent_is_written_once_as_it_then_is() {
        let mut p = Pending::default();
        p.lot(lot(5, 1, 500));
        p.debit(5, 1, 200, 0).expect("debit");
        p.expiry(5, 1, 30, 0);
        p.debit(5, 1, 300, 0).expect("debit");
        assert_eq!(
            sql(&p),
            "INSERT INTO lots (id, account_id, operation_id, asset, source, granted, remaining, granted_at, expires_at, \
             subscription_id) VALUES (5, 1, 1, E'credits', E'subscription', 500, 0, 10, 30, 3);\n"
        );
        assert!(p.debit(5, 1, 1, 0).is_err(), "a lot gives no more than it holds");
        assert!(p.debit(5, 2, 0, 0).is_err(), "nor to another account");
    }

    #[test]
    fn inside_a_unit_only_the_units_own_lots_change_in_place_and_its_undo_forgets_them() {
        let mut p = Pending::default();
        p.lot(lot(5, 1, 500));
        let unit = p.mark();
        p.lot(lot(6, 1, 100));
        // The unit's change of an older lot waits as an update, so that undoing
        // the unit (after a send put its savepoint on the server) undoes it.
        p.debit(5, 1, 50, unit.first_lot()).expect("debit");
        p.debit(6, 1, 40, unit.first_lot()).expect("debit");
        let all = sql(&p);
        assert!(all.contains("VALUES (5, 1, 1, E'credits', E'subscription', 500, 500, 10, 20, 3),(6, 1, 1, E'credits', E'subscription', 100, 60, 10, 20, 3);"), "{all}");
        assert!(
            all.contains("unnest('{5}'::bigint[], '{1}'::bigint[], '{50}'::bigint[]"),
            "{all}"
        );
        let mut before = String::new();
        p.text(&Mark::default(), &unit, &[], Part::All, &mut before);
        assert!(
            before.contains("(5, 1, 1,") && !before.contains("(6, 1, 1,") && !before.contains("UPDATE"),
            "{before}"
        );
        assert!(p.written_since(&unit));
        p.truncate(&unit);
        assert!(!p.written_since(&unit));
        assert_eq!(p.held_lots(), 1);
        assert!(sql(&p).contains("500, 500, 10, 20, 3);"));
    }

    #[test]
    fn what_goes_ahead_leaves_the_lots_still_holding_and_every_change_of_a_lot() {
        let mut p = Pending::default();
        p.lot(lot(5, 1, 500));
        p.lot(lot(6, 1, 100));
        p.debit(6, 1, 100, 0).expect("debit");
        p.debit(2, 1, 7, 0).expect("debit");
        p.row(Table::Ledger, &[Cell::Int(1)]).expect("row");
        let sent = part(&p, Part::Ahead);
        p.sent(Part::Ahead);
        assert!(
            sent.contains("(6, 1, 1, E'credits', E'subscription', 100, 0,") && !sent.contains("(5, 1,"),
            "{sent}"
        );
        assert!(
            sent.contains("INSERT INTO ledger") && !sent.contains("UPDATE lots"),
            "{sent}"
        );
        assert_eq!(p.size(), 0);
        assert_eq!(p.held_lots(), 2);
        // A lot kept back is still changed in place; marks go on after it.
        p.expiry(5, 1, 40, 0);
        assert!(p.mark().first_lot() > 6);
        let rest = sql(&p);
        assert!(
            rest.contains("500, 500, 10, 40, 3);") && rest.contains("unnest('{2}'"),
            "{rest}"
        );
        for id in (10..).take(COPY_AT) {
            p.lot(lot(id, 2, 1));
        }
        assert!(p.bulk(Part::Ahead).is_empty(), "no lot is done");
        let bulk = p.bulk(Part::All);
        assert!(
            matches!(bulk.as_slice(), [(Table::Lots, text)] if text.starts_with("5\t1\t1\tcredits\tsubscription\t500\t500\t10\t40\t3\n"))
        );
    }

    #[test]
    fn the_ids_of_lots_forgotten_with_a_unit_count_as_made_after_the_next_mark() {
        let mut p = Pending::default();
        p.lot(lot(99, 1, 5));
        let failed = p.mark();
        p.lot(lot(100, 1, 5));
        p.lot(lot(101, 1, 5));
        p.truncate(&failed);
        // The next unit is handed the same ids: its lots are its own.
        let next = p.mark();
        assert_eq!(next.first_lot(), 100);
        p.lot(lot(100, 1, 7));
        p.debit(100, 1, 2, next.first_lot()).expect("debit");
        assert!(p.written_since(&next));
        p.truncate(&next);
        assert_eq!(p.held_lots(), 1, "lot 99 only");
        assert!(!p.written_since(&next));
    }
}
