//! Queries for the reports and `export`, as a wallet file answers them
//! (`src/store/sqlite/report.rs`): the ledger in order (in pages), the
//! ledger summed over a range of operations, and every payment.

use anyhow::anyhow;
use postgres::types::Type;

use crate::rules::clock::Instant;
use crate::rules::{Asset, ExportedEntry, LedgerSum, Payment, Source};

use super::Tx;
use super::read::{instant, int, operation_kind, opt_text, text};

/// Ledger entries or payments read from the server at a time.
const PAGE: i64 = 5000;

fn asset(text: &str) -> anyhow::Result<Asset> {
    Asset::parse(text).ok_or_else(|| anyhow!("unknown asset '{text}'"))
}

fn source(text: &str) -> anyhow::Result<Source> {
    Source::parse(text).ok_or_else(|| anyhow!("unknown source '{text}'"))
}

impl Tx<'_> {
    pub fn first_operation_at(&self) -> anyhow::Result<Option<Instant>> {
        let rows = self.conn.query("SELECT at FROM operations ORDER BY id LIMIT 1", &[])?;
        rows.first().map(|r| instant(int(r, 0)?)).transpose()
    }

    pub fn each_entry(
        &self,
        (first, last): (i64, i64),
        mut each: impl FnMut(ExportedEntry) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        // Entry ids grow with operation ids: the operations' entries are one
        // range of ids, read in pages in the table's own order.
        let edge = |sql: &str, op: i64| -> anyhow::Result<Option<i64>> {
            let rows = self.conn.query(sql, &[(&op, Type::INT8)])?;
            rows.first().map(|r| int(r, 0)).transpose()
        };
        let (Some(low), Some(high)) = (
            edge(
                "SELECT id FROM ledger WHERE operation_id >= $1 ORDER BY operation_id, id LIMIT 1",
                first,
            )?,
            edge(
                "SELECT id FROM ledger WHERE operation_id <= $1 ORDER BY operation_id DESC, id DESC LIMIT 1",
                last,
            )?,
        ) else {
            return Ok(());
        };
        let mut after = low.saturating_sub(1);
        loop {
            let rows = self.conn.query(
                "SELECT e.id, e.operation_id, e.at, o.actor, a.handle, o.kind, e.reason, e.asset, e.delta, e.lot_id,
                        l.source
                 FROM ledger e JOIN operations o ON o.id = e.operation_id JOIN accounts a ON a.id = e.account_id
                 JOIN lots l ON l.id = e.lot_id
                 WHERE e.id > $1 AND e.id <= $2 ORDER BY e.id LIMIT $3",
                &[(&after, Type::INT8), (&high, Type::INT8), (&PAGE, Type::INT8)],
            )?;
            for r in &rows {
                after = int(r, 0)?;
                each(ExportedEntry {
                    id: after,
                    operation_id: int(r, 1)?,
                    at: instant(int(r, 2)?)?,
                    actor: opt_text(r, 3)?,
                    account: text(r, 4)?,
                    kind: operation_kind(r, 5)?,
                    reason: text(r, 6)?,
                    asset: asset(&text(r, 7)?)?,
                    change: int(r, 8)?,
                    lot_id: int(r, 9)?,
                    source: source(&text(r, 10)?)?,
                })?;
            }
            if i64::try_from(rows.len()).unwrap_or(i64::MAX) < PAGE {
                return Ok(());
            }
        }
    }

    pub fn ledger_sums(&self, (first, last): (i64, i64)) -> anyhow::Result<Vec<LedgerSum>> {
        let rows = self.conn.query(
            "SELECT e.asset, e.reason, l.source, e.delta > 0, sum(e.delta)::bigint FROM ledger e JOIN lots l ON l.id = e.lot_id
             WHERE e.operation_id BETWEEN $1 AND $2 GROUP BY e.asset, e.reason, l.source, e.delta > 0",
            &[(&first, Type::INT8), (&last, Type::INT8)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(LedgerSum {
                    asset: asset(&text(r, 0)?)?,
                    reason: text(r, 1)?,
                    source: source(&text(r, 2)?)?,
                    grant: r.try_get(3)?,
                    total: int(r, 4)?,
                })
            })
            .collect()
    }

    pub fn each_payment(&self, mut each: impl FnMut(Payment) -> anyhow::Result<()>) -> anyhow::Result<()> {
        for (sql, is_order) in [
            (
                "SELECT id, at, price_cents, currency, EXISTS (SELECT 1 FROM operations v WHERE v.voids = o.operation_id),
                        account_id
                 FROM orders o WHERE id > $1 ORDER BY id LIMIT $2",
                true,
            ),
            (
                "SELECT id, at, amount_cents, currency, false, account_id FROM charges WHERE id > $1 ORDER BY id LIMIT $2",
                false,
            ),
        ] {
            let mut after = i64::MIN;
            loop {
                let rows = self.conn.query(sql, &[(&after, Type::INT8), (&PAGE, Type::INT8)])?;
                for r in &rows {
                    after = int(r, 0)?;
                    each(Payment {
                        account_id: int(r, 5)?,
                        at: instant(int(r, 1)?)?,
                        amount_cents: int(r, 2)?,
                        currency: text(r, 3)?,
                        order_voided: is_order.then(|| r.try_get::<_, bool>(4)).transpose()?,
                    })?;
                }
                if i64::try_from(rows.len()).unwrap_or(i64::MAX) < PAGE {
                    break;
                }
            }
        }
        Ok(())
    }
}
