//! Writes: each one added to the pending writes (see [`super::pending`]) with
//! the id the writer hands out, sent with the next read or the commit. A change
//! the rules made is recorded by [`crate::store::record`] through [`Rows`].

use anyhow::bail;

use crate::rules::clock::{self, Instant};
use crate::rules::{Change, Correction, EditOp, OperationKind, Style, Subscription, Terms};
use crate::store::Recorded;
use crate::store::memo::Memo;
use crate::store::record::{self, NewCharge, NewLot, NewOrder, Rows, signed};

use super::Tx;
use super::pending::{NewLotRow, Schedule, Table};
use super::sql::{OptInt, Text, storable};

impl Rows for Tx<'_> {
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
        let id = self.conn.next_id(|ids| &mut ids.operations)?;
        self.conn.row(
            Table::Operations,
            &[
                id.into(),
                account_id.into(),
                at.into(),
                kind.as_str().into(),
                summary.into(),
                actor.into(),
                correction.map(|c| c.reason.as_str()).into(),
                correction.and_then(|c| c.voids).into(),
            ],
        )?;
        Ok(id)
    }

    fn insert_lot(&self, lot: &NewLot) -> anyhow::Result<i64> {
        let id = self.conn.next_id(|ids| &mut ids.lots)?;
        self.conn.lot(NewLotRow {
            id,
            lot: lot.clone(),
            remaining: lot.amount,
        })?;
        Ok(id)
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
        let id = self.conn.next_id(|ids| &mut ids.ledger)?;
        self.conn.row(
            Table::Ledger,
            &[
                id.into(),
                op.into(),
                account_id.into(),
                lot.into(),
                asset.into(),
                delta.into(),
                reason.into(),
                at.into(),
                note.into(),
            ],
        )
    }

    fn take_from_lot(&self, lot_id: i64, account_id: i64, _asset: &str, amount: i64) -> anyhow::Result<()> {
        // The lot's CHECK (remaining >= 0) refuses taking more than it holds;
        // the asset is the lot's own (verify checks entries against their lots).
        self.conn.debit(lot_id, account_id, amount)
    }

    fn set_lot_expiry(&self, lot_id: i64, account_id: i64, expires_at: i64) -> anyhow::Result<()> {
        self.conn.expiry(lot_id, account_id, expires_at)
    }

    fn insert_order(&self, o: &NewOrder<'_>) -> anyhow::Result<()> {
        let id = self.conn.next_id(|ids| &mut ids.orders)?;
        self.conn.row(
            Table::Orders,
            &[
                id.into(),
                o.op.into(),
                o.account_id.into(),
                o.product.into(),
                o.quantity.into(),
                o.price_cents.into(),
                o.currency.into(),
                o.at.into(),
            ],
        )
    }

    fn insert_charge(&self, c: &NewCharge<'_>) -> anyhow::Result<()> {
        let id = self.conn.next_id(|ids| &mut ids.charges)?;
        self.conn.row(
            Table::Charges,
            &[
                id.into(),
                c.op.into(),
                c.account_id.into(),
                c.subscription_id.into(),
                c.amount_cents.into(),
                c.currency.into(),
                c.period_start.into(),
                c.period_end.into(),
                c.at.into(),
            ],
        )
    }

    fn insert_subscription(
        &self,
        account_id: i64,
        op: i64,
        plan: &str,
        terms: &Terms,
        anchor: i64,
    ) -> anyhow::Result<i64> {
        storable(&[plan, &terms.currency])?;
        // Another subscription's end waiting to be sent goes first: one
        // subscription runs per account at a time.
        if self.conn.pending.borrow().has_schedules() {
            self.conn.send()?;
        }
        let id = self.conn.next_id(|ids| &mut ids.subscriptions)?;
        self.conn.push(format_args!(
            "INSERT INTO subscriptions (id, account_id, operation_id, plan, interval_months, licenses_per_month,
                credits_per_month, license_bonus_credits, rollover_cap_months, price_cents, currency, anchor,
                deliveries, periods, status)
             VALUES ({id}, {account_id}, {op}, {}, {}, {}, {}, {}, {}, {}, {}, {anchor}, 1, 1, 'active')",
            Text(plan),
            terms.interval_months,
            signed(terms.licenses_per_month)?,
            signed(terms.credits_per_month)?,
            signed(terms.license_bonus_credits)?,
            OptInt(terms.rollover_cap_months.map(i64::from)),
            terms.price_cents,
            Text(&terms.currency),
        ))?;
        Ok(id)
    }

    fn save_schedule(&self, sub: &Subscription) -> anyhow::Result<()> {
        self.conn.schedule(Schedule {
            id: sub.id,
            deliveries: sub.deliveries,
            periods: sub.periods,
            status: sub.status.as_str(),
            ended_at: sub.ended_at.map(clock::to_unix),
            next_event_at: sub.next_event().map(clock::to_unix),
        })
    }

    fn insert_image(&self, number: i64, account_id: i64, op: i64, style: &Style, at: i64) -> anyhow::Result<()> {
        // Images are numbered by the rules from `next_image_number`; the
        // writer's count follows them.
        self.conn.next_id(|ids| {
            ids.images = ids.images.max(number);
            &mut ids.images
        })?;
        self.conn.row(
            Table::Images,
            &[
                number.into(),
                account_id.into(),
                op.into(),
                style.kind().into(),
                style.name().into(),
                at.into(),
            ],
        )
    }

    fn insert_edit(&self, image_number: i64, op: i64, edit: EditOp, credits: i64, at: i64) -> anyhow::Result<()> {
        let id = self.conn.next_id(|ids| &mut ids.edits)?;
        self.conn.row(
            Table::Edits,
            &[
                id.into(),
                image_number.into(),
                op.into(),
                edit.as_str().into(),
                credits.into(),
                at.into(),
            ],
        )
    }

    fn license_image(&self, image_number: i64, account_id: i64, at: i64, op: i64) -> anyhow::Result<()> {
        self.conn.push(format_args!(
            "EXECUTE wallet_license({image_number}, {account_id}, {at}, {op})"
        ))
    }

    fn insert_style(&self, account_id: i64, op: i64, name: &str, credits: i64, at: i64) -> anyhow::Result<()> {
        let id = self.conn.next_id(|ids| &mut ids.styles)?;
        self.conn.row(
            Table::Styles,
            &[
                id.into(),
                account_id.into(),
                op.into(),
                name.into(),
                credits.into(),
                at.into(),
            ],
        )
    }

    fn check_account(&self, account_id: i64) -> anyhow::Result<()> {
        let rows = self.conn.query(
            super::verify::LOT_LEDGER_MISMATCHES,
            &[(&account_id, postgres::types::Type::INT8)],
        )?;
        if let Some(row) = rows.first() {
            let problem: String = row.try_get(0)?;
            bail!("internal error: {problem}; nothing was changed");
        }
        Ok(())
    }
}

impl Tx<'_> {
    pub fn record(
        &self,
        account_id: i64,
        at: Instant,
        change: &Change,
        actor: Option<&str>,
    ) -> anyhow::Result<Recorded> {
        record::record(self, account_id, at, change, actor)
    }

    pub fn set_clock(&self, at: Instant) -> anyhow::Result<()> {
        self.conn
            .push(format_args!("EXECUTE wallet_clock({})", clock::to_unix(at)))?;
        if let Some(memo) = self.memo {
            memo.clock.set(Some(at));
        }
        Ok(())
    }

    pub fn remember_key(
        &self,
        key: &str,
        request: &str,
        human: &str,
        json: &str,
        at: Instant,
        actor: Option<&str>,
    ) -> anyhow::Result<()> {
        self.conn.row(
            Table::IdempotencyKeys,
            &[
                key.into(),
                request.into(),
                human.into(),
                json.into(),
                clock::to_unix(at).into(),
                actor.into(),
            ],
        )
    }

    pub fn create_account(&self, handle: &str, at: Instant) -> anyhow::Result<i64> {
        let id = self.conn.next_id(|ids| &mut ids.accounts)?;
        self.conn
            .row(Table::Accounts, &[id.into(), handle.into(), clock::to_unix(at).into()])?;
        if let Some(memo) = self.memo {
            memo.remember_account(handle, id);
        }
        Ok(id)
    }

    pub fn record_wallet_operation(
        &self,
        at: Instant,
        kind: OperationKind,
        summary: &str,
        actor: Option<&str>,
    ) -> anyhow::Result<i64> {
        self.insert_operation(None, clock::to_unix(at), kind, summary, actor, None)
    }

    /// Saves a subscription's new state over `before`.
    pub fn save_subscription(&self, _before: &Subscription, after: &Subscription) -> anyhow::Result<()> {
        self.save_schedule(after)
    }
}
