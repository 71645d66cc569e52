//! How a `SQLite` wallet writes one row of a recorded change (see
//! [`crate::store::record`]): through the write's or batch's prepared statements.

use anyhow::{Context, bail, ensure};
use rusqlite::{OptionalExtension, params};

use crate::rules::{Correction, EditOp, OperationKind, Style, Subscription, Terms};
use crate::store::memo::Memo;
use crate::store::record::{NewCharge, NewLot, NewOrder, Rows, signed};

use crate::rules::Change;
use crate::rules::clock::Instant;
use crate::store::Recorded;
use crate::store::record;

use super::Db;

impl Db<'_> {
    /// Records one operation for `account_id` at `at` and applies every
    /// effect of `change` in order, all inside the caller's transaction.
    pub fn record(
        &self,
        account_id: i64,
        at: Instant,
        change: &Change,
        actor: Option<&str>,
    ) -> anyhow::Result<Recorded> {
        record::record(self, account_id, at, change, actor)
    }
}

impl Rows for Db<'_> {
    fn memo(&self) -> Option<&Memo> {
        self.memo
    }

    fn insert_operation(
        &self,
        account_id: Option<i64>,
        at: i64,
        kind: OperationKind,
        summary: &str,
        actor: Option<&str>,
        correction: Option<&Correction>,
    ) -> anyhow::Result<i64> {
        match correction {
            None => self.execute(
                "INSERT INTO operations (account_id, at, kind, summary, actor) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![account_id, at, kind.as_str(), summary, actor],
            )?,
            Some(c) => self.execute(
                "INSERT INTO operations (account_id, at, kind, summary, actor, reason, voids)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![account_id, at, kind.as_str(), summary, actor, c.reason, c.voids],
            )?,
        };
        Ok(self.conn.last_insert_rowid())
    }

    fn insert_lot(&self, lot: &NewLot) -> anyhow::Result<i64> {
        self.execute(
            "INSERT INTO lots (account_id, operation_id, asset, source, granted, remaining, granted_at,
                               expires_at, subscription_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8)",
            params![
                lot.account_id,
                lot.op,
                lot.asset,
                lot.source,
                lot.amount,
                lot.at,
                lot.expires_at,
                lot.subscription_id
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn insert_entry(
        &self,
        op: i64,
        account_id: i64,
        lot: i64,
        asset: &str,
        delta: i64,
        reason: &str,
        at: i64,
        note: Option<&str>,
    ) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO ledger (operation_id, account_id, lot_id, asset, delta, reason, at, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![op, account_id, lot, asset, delta, reason, at, note],
        )?;
        Ok(())
    }

    fn take_from_lot(&self, lot_id: i64, account_id: i64, asset: &str, amount: i64) -> anyhow::Result<()> {
        let changed = self.execute(
            "UPDATE lots SET remaining = remaining - ?3
             WHERE id = ?1 AND account_id = ?2 AND asset = ?4 AND remaining >= ?3",
            params![lot_id, account_id, amount, asset],
        )?;
        ensure!(changed == 1, "lot {lot_id} cannot give {amount} {asset}");
        Ok(())
    }

    fn set_lot_expiry(&self, lot_id: i64, account_id: i64, expires_at: i64) -> anyhow::Result<()> {
        let changed = self.execute(
            "UPDATE lots SET expires_at = ?2 WHERE id = ?1 AND account_id = ?3",
            params![lot_id, expires_at, account_id],
        )?;
        ensure!(changed == 1, "lot {lot_id} is missing");
        Ok(())
    }

    fn insert_order(&self, o: &NewOrder<'_>) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO orders (operation_id, account_id, product, quantity, price_cents, currency, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                o.op,
                o.account_id,
                o.product,
                o.quantity,
                o.price_cents,
                o.currency,
                o.at
            ],
        )?;
        Ok(())
    }

    fn insert_charge(&self, c: &NewCharge<'_>) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO charges (operation_id, account_id, subscription_id, amount_cents, currency,
                                  period_start, period_end, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                c.op,
                c.account_id,
                c.subscription_id,
                c.amount_cents,
                c.currency,
                c.period_start,
                c.period_end,
                c.at
            ],
        )?;
        Ok(())
    }

    fn insert_subscription(
        &self,
        account_id: i64,
        op: i64,
        plan: &str,
        terms: &Terms,
        anchor: i64,
    ) -> anyhow::Result<i64> {
        self.execute(
            "INSERT INTO subscriptions (account_id, operation_id, plan, interval_months, licenses_per_month,
                                        credits_per_month, license_bonus_credits, rollover_cap_months,
                                        price_cents, currency, anchor, deliveries, periods, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, 1, 'active')",
            params![
                account_id,
                op,
                plan,
                terms.interval_months,
                signed(terms.licenses_per_month)?,
                signed(terms.credits_per_month)?,
                signed(terms.license_bonus_credits)?,
                terms.rollover_cap_months,
                terms.price_cents,
                terms.currency,
                anchor
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn save_schedule(&self, sub: &Subscription) -> anyhow::Result<()> {
        let changed = self.execute(
            "UPDATE subscriptions SET deliveries = ?2, periods = ?3, status = ?4, ended_at = ?5, next_event_at = ?6
             WHERE id = ?1",
            params![
                sub.id,
                sub.deliveries,
                sub.periods,
                sub.status.as_str(),
                sub.ended_at.map(crate::rules::clock::to_unix),
                sub.next_event().map(crate::rules::clock::to_unix),
            ],
        )?;
        ensure!(changed == 1, "subscription {} is missing", sub.id);
        Ok(())
    }

    fn insert_image(&self, number: i64, account_id: i64, op: i64, style: &Style, at: i64) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO images (id, account_id, operation_id, style_kind, style_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![number, account_id, op, style.kind(), style.name(), at],
        )
        .with_context(|| format!("cannot create image img-{number}"))?;
        Ok(())
    }

    fn insert_edit(&self, image_number: i64, op: i64, edit: EditOp, credits: i64, at: i64) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO edits (image_id, operation_id, op, credits, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![image_number, op, edit.as_str(), credits, at],
        )?;
        Ok(())
    }

    fn license_image(&self, image_number: i64, account_id: i64, at: i64, op: i64) -> anyhow::Result<()> {
        let changed = self.execute(
            "UPDATE images SET licensed_at = ?3, license_operation_id = ?4
             WHERE id = ?1 AND account_id = ?2 AND licensed_at IS NULL",
            params![image_number, account_id, at, op],
        )?;
        ensure!(changed == 1, "image img-{image_number} cannot be licensed twice");
        Ok(())
    }

    fn insert_style(&self, account_id: i64, op: i64, name: &str, credits: i64, at: i64) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO styles (account_id, operation_id, name, credits, trained_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![account_id, op, name, credits, at],
        )?;
        Ok(())
    }

    /// The invariants of one account: every lot's remaining equals its
    /// ledger entries, so the balance equals the ledger.
    fn check_account(&self, account_id: i64) -> anyhow::Result<()> {
        let broken: Option<String> = self
            .conn
            .prepare_cached(super::verify::LOT_LEDGER_MISMATCHES)?
            .query_row([account_id], |r| r.get(0))
            .optional()?;
        if let Some(problem) = broken {
            bail!("internal error: {problem}; nothing was changed");
        }
        Ok(())
    }
}
