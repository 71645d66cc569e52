//! Queries for the reports and `export`: the ledger in order, the ledger
//! summed over a range of operations, and every payment. Each reads its
//! table once, in order, or a range of it through an index.

use rusqlite::{OptionalExtension, params};

use crate::rules::clock::Instant;
use crate::rules::{Asset, ExportedEntry, LedgerSum, Payment, Source};

use super::Db;
use super::read::{amount_signed, instant, operation_kind};

fn asset(text: &str) -> rusqlite::Result<Asset> {
    Asset::parse(text).ok_or_else(|| super::read::bad("asset", text))
}

fn source(text: &str) -> rusqlite::Result<Source> {
    Source::parse(text).ok_or_else(|| super::read::bad("source", text))
}

impl Db<'_> {
    pub fn first_operation_at(&self) -> anyhow::Result<Option<Instant>> {
        let at: Option<i64> = self
            .conn
            .prepare_cached("SELECT at FROM operations ORDER BY id LIMIT 1")?
            .query_row([], |r| r.get(0))
            .optional()?;
        Ok(at.map(instant).transpose()?)
    }

    /// Every ledger entry of the operations `first..=last`, in order, handed to `each`.
    pub fn each_entry(
        &self,
        (first, last): (i64, i64),
        mut each: impl FnMut(ExportedEntry) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        // Entry ids grow with operation ids: the operations' entries are one
        // range of ids, read in the table's own order.
        let edge = |sql: &str, op: i64| -> anyhow::Result<Option<i64>> {
            Ok(self
                .conn
                .prepare_cached(sql)?
                .query_row([op], |r| r.get(0))
                .optional()?)
        };
        let (Some(low), Some(high)) = (
            edge(
                "SELECT id FROM ledger WHERE operation_id >= ?1 ORDER BY operation_id, id LIMIT 1",
                first,
            )?,
            edge(
                "SELECT id FROM ledger WHERE operation_id <= ?1 ORDER BY operation_id DESC, id DESC LIMIT 1",
                last,
            )?,
        ) else {
            return Ok(());
        };
        let mut stmt = self.conn.prepare(
            "SELECT e.id, e.operation_id, e.at, o.actor, a.handle, o.kind, e.reason, e.asset, e.delta, e.lot_id, l.source
             FROM ledger e JOIN operations o ON o.id = e.operation_id JOIN accounts a ON a.id = e.account_id
             JOIN lots l ON l.id = e.lot_id
             WHERE e.id BETWEEN ?1 AND ?2 ORDER BY e.id",
        )?;
        let mut rows = stmt.query(params![low, high])?;
        while let Some(r) = rows.next()? {
            each(ExportedEntry {
                id: r.get(0)?,
                operation_id: r.get(1)?,
                at: instant(r.get(2)?)?,
                actor: r.get(3)?,
                account: r.get(4)?,
                kind: operation_kind(r, 5)?,
                reason: r.get(6)?,
                asset: asset(&r.get::<_, String>(7)?)?,
                change: r.get(8)?,
                lot_id: r.get(9)?,
                source: source(&r.get::<_, String>(10)?)?,
            })?;
        }
        Ok(())
    }

    /// The ledger entries of the operations `first..=last` summed by asset,
    /// reason and the source of their lots.
    pub fn ledger_sums(&self, (first, last): (i64, i64)) -> anyhow::Result<Vec<LedgerSum>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.asset, e.reason, l.source, e.delta > 0, sum(e.delta) FROM ledger e JOIN lots l ON l.id = e.lot_id
             WHERE e.operation_id BETWEEN ?1 AND ?2 GROUP BY e.asset, e.reason, l.source, e.delta > 0",
        )?;
        let rows = stmt.query_map(params![first, last], |r| {
            Ok(LedgerSum {
                asset: asset(&r.get::<_, String>(0)?)?,
                reason: r.get(1)?,
                source: source(&r.get::<_, String>(2)?)?,
                grant: r.get(3)?,
                total: amount_signed(r, 4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every order (with whether it was voided) and every subscription
    /// charge, handed to `each`.
    pub fn each_payment(&self, mut each: impl FnMut(Payment) -> anyhow::Result<()>) -> anyhow::Result<()> {
        let orders = if self.has_corrections()? {
            "SELECT at, price_cents, currency, EXISTS (SELECT 1 FROM operations v WHERE v.voids = o.operation_id),
                    account_id
             FROM orders o ORDER BY id"
        } else {
            "SELECT at, price_cents, currency, 0, account_id FROM orders o ORDER BY id"
        };
        for (sql, is_order) in [
            (orders, true),
            (
                "SELECT at, amount_cents, currency, 0, account_id FROM charges ORDER BY id",
                false,
            ),
        ] {
            let mut stmt = self.conn.prepare(sql)?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                each(Payment {
                    account_id: r.get(4)?,
                    at: instant(r.get(0)?)?,
                    amount_cents: r.get(1)?,
                    currency: r.get(2)?,
                    order_voided: is_order.then(|| r.get::<_, bool>(3)).transpose()?,
                })?;
            }
        }
        Ok(())
    }
}
