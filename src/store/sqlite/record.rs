//! Recording a rules [`Change`]: one operation row, then each of its effects
//! applied to the rows in order, one function per kind of effect, and the
//! touched account's invariants checked afterwards (debug builds).

use anyhow::{Context, anyhow, bail, ensure};
use rusqlite::params;

use crate::rules::clock::{self, Instant};
use crate::rules::{
    Asset, Change, EditOp, Effect, Lot, Reason, Source, Style, Subscription, SubscriptionRef, SubscriptionStatus, Terms,
};

use super::Db;
use super::write::signed;

/// What applying a change created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    pub operation_id: i64,
    pub lot_ids: Vec<i64>,
    pub image_numbers: Vec<i64>,
}

/// One operation being recorded: what its effects share and build up.
struct Recording {
    account_id: i64,
    op: i64,
    at: Instant,
    /// `at` as stored.
    t: i64,
    /// The subscription this operation started, if it did.
    started: Option<i64>,
    /// A batch's memory of the account's live lots, kept in step with the
    /// rows; dropped if a row and the memory ever disagree.
    lots: Option<Vec<Lot>>,
    recorded: Recorded,
}

impl Recording {
    fn subscription(&self, r: SubscriptionRef) -> anyhow::Result<i64> {
        match r {
            SubscriptionRef::Existing(id) => Ok(id),
            SubscriptionRef::Started => self
                .started
                .ok_or_else(|| anyhow!("a grant refers to a subscription that was not started")),
        }
    }
}

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
        let op = self.insert_operation(Some(account_id), at, change.kind, &change.summary, actor)?;
        let mut rec = Recording {
            account_id,
            op,
            at,
            t: clock::to_unix(at),
            started: None,
            lots: self.memo.and_then(|m| m.lots.borrow_mut().remove(&account_id)),
            recorded: Recorded {
                operation_id: op,
                ..Recorded::default()
            },
        };
        for effect in &change.effects {
            self.apply(&mut rec, effect)?;
        }
        if let (Some(memo), Some(mut lots)) = (self.memo, rec.lots) {
            lots.retain(|l| l.remaining > 0);
            memo.remember_lots(account_id, lots);
        }
        if cfg!(debug_assertions) {
            self.check_account(account_id)?;
        }
        Ok(rec.recorded)
    }

    fn apply(&self, rec: &mut Recording, effect: &Effect) -> anyhow::Result<()> {
        match effect {
            Effect::Grant {
                asset,
                source,
                amount,
                expires_at,
                subscription,
                reason,
            } => self.grant(rec, *asset, *source, *amount, *expires_at, *subscription, *reason),
            Effect::Debit {
                lot_id,
                asset,
                amount,
                reason,
                note,
            } => self.debit(rec, *lot_id, *asset, *amount, *reason, note.as_deref()),
            Effect::SetLotExpiry { lot_id, expires_at } => self.set_lot_expiry(rec, *lot_id, *expires_at),
            Effect::Order {
                product,
                quantity,
                price_cents,
                currency,
            } => self.order(rec, product, *quantity, *price_cents, currency),
            Effect::Charge {
                subscription,
                amount_cents,
                currency,
                period_start,
                period_end,
            } => self.charge(rec, *subscription, *amount_cents, currency, *period_start, *period_end),
            Effect::StartSubscription { plan, terms, anchor } => self.start_subscription(rec, plan, terms, *anchor),
            Effect::UpdateSubscription(sub) => self.save_schedule(sub),
            Effect::CreateImages {
                first_number,
                count,
                style,
            } => self.create_images(rec, *first_number, *count, style),
            Effect::RecordEdit {
                image_number,
                op,
                credits,
            } => self.record_edit(rec, *image_number, *op, *credits),
            Effect::LicenseImage { image_number } => self.license_image(rec, *image_number),
            Effect::TrainStyle { name, credits } => self.train_style(rec, name, *credits),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn grant(
        &self,
        rec: &mut Recording,
        asset: Asset,
        source: Source,
        units: u64,
        expires_at: Instant,
        subscription: Option<SubscriptionRef>,
        reason: Reason,
    ) -> anyhow::Result<()> {
        let sub = subscription.map(|r| rec.subscription(r)).transpose()?;
        let amount = signed(units)?;
        let (account_id, op, t) = (rec.account_id, rec.op, rec.t);
        self.execute(
            "INSERT INTO lots (account_id, operation_id, asset, source, granted, remaining, granted_at,
                               expires_at, subscription_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8)",
            params![
                account_id,
                op,
                asset.as_str(),
                source.as_str(),
                amount,
                t,
                clock::to_unix(expires_at),
                sub
            ],
        )?;
        let lot = self.conn.last_insert_rowid();
        self.insert_entry(op, account_id, lot, asset.as_str(), amount, reason.as_str(), t, None)?;
        if let Some(lots) = &mut rec.lots {
            lots.push(Lot {
                id: lot,
                asset,
                source,
                granted: units,
                remaining: units,
                granted_at: rec.at,
                expires_at,
                subscription_id: sub,
            });
        }
        rec.recorded.lot_ids.push(lot);
        Ok(())
    }

    fn debit(
        &self,
        rec: &mut Recording,
        lot_id: i64,
        asset: Asset,
        units: u64,
        reason: Reason,
        note: Option<&str>,
    ) -> anyhow::Result<()> {
        let amount = signed(units)?;
        let changed = self.execute(
            "UPDATE lots SET remaining = remaining - ?3
             WHERE id = ?1 AND account_id = ?2 AND asset = ?4 AND remaining >= ?3",
            params![lot_id, rec.account_id, amount, asset.as_str()],
        )?;
        ensure!(changed == 1, "lot {lot_id} cannot give {amount} {}", asset.as_str());
        match rec
            .lots
            .as_mut()
            .and_then(|lots| lots.iter_mut().find(|l| l.id == lot_id))
        {
            Some(l) if l.remaining >= units => l.remaining -= units,
            _ => rec.lots = None,
        }
        self.insert_entry(
            rec.op,
            rec.account_id,
            lot_id,
            asset.as_str(),
            -amount,
            reason.as_str(),
            rec.t,
            note,
        )
    }

    fn set_lot_expiry(&self, rec: &mut Recording, lot_id: i64, expires_at: Instant) -> anyhow::Result<()> {
        let changed = self.execute(
            "UPDATE lots SET expires_at = ?2 WHERE id = ?1 AND account_id = ?3",
            params![lot_id, clock::to_unix(expires_at), rec.account_id],
        )?;
        ensure!(changed == 1, "lot {lot_id} is missing");
        match rec
            .lots
            .as_mut()
            .and_then(|lots| lots.iter_mut().find(|l| l.id == lot_id))
        {
            Some(l) => l.expires_at = expires_at,
            None => rec.lots = None,
        }
        Ok(())
    }

    fn order(
        &self,
        rec: &Recording,
        product: &str,
        quantity: u32,
        price_cents: i64,
        currency: &str,
    ) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO orders (operation_id, account_id, product, quantity, price_cents, currency, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![rec.op, rec.account_id, product, quantity, price_cents, currency, rec.t],
        )?;
        Ok(())
    }

    fn charge(
        &self,
        rec: &Recording,
        subscription: SubscriptionRef,
        amount_cents: i64,
        currency: &str,
        period_start: Instant,
        period_end: Instant,
    ) -> anyhow::Result<()> {
        let sub = rec.subscription(subscription)?;
        self.execute(
            "INSERT INTO charges (operation_id, account_id, subscription_id, amount_cents, currency,
                                  period_start, period_end, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                rec.op,
                rec.account_id,
                sub,
                amount_cents,
                currency,
                clock::to_unix(period_start),
                clock::to_unix(period_end),
                rec.t
            ],
        )?;
        Ok(())
    }

    fn start_subscription(
        &self,
        rec: &mut Recording,
        plan: &str,
        terms: &Terms,
        anchor: Instant,
    ) -> anyhow::Result<()> {
        let mut sub = Subscription {
            id: 0,
            plan: plan.to_owned(),
            terms: terms.clone(),
            anchor,
            deliveries: 1,
            periods: 1,
            status: SubscriptionStatus::Active,
            ended_at: None,
        };
        self.execute(
            "INSERT INTO subscriptions (account_id, operation_id, plan, interval_months, licenses_per_month,
                                        credits_per_month, license_bonus_credits, rollover_cap_months,
                                        price_cents, currency, anchor, deliveries, periods, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, 1, 'active')",
            params![
                rec.account_id,
                rec.op,
                plan,
                terms.interval_months,
                signed(terms.licenses_per_month)?,
                signed(terms.credits_per_month)?,
                signed(terms.license_bonus_credits)?,
                terms.rollover_cap_months,
                terms.price_cents,
                terms.currency,
                clock::to_unix(anchor)
            ],
        )?;
        sub.id = self.conn.last_insert_rowid();
        self.save_schedule(&sub)?;
        rec.started = Some(sub.id);
        Ok(())
    }

    fn create_images(&self, rec: &mut Recording, first_number: i64, count: u32, style: &Style) -> anyhow::Result<()> {
        // The images are numbered first..=last.
        let Some(last) = i64::from(count)
            .checked_sub(1)
            .and_then(|n| first_number.checked_add(n))
            .filter(|last| *last >= first_number)
        else {
            bail!("cannot number {count} images from img-{first_number}");
        };
        for number in first_number..=last {
            self.execute(
                "INSERT INTO images (id, account_id, operation_id, style_kind, style_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![number, rec.account_id, rec.op, style.kind(), style.name(), rec.t],
            )
            .with_context(|| format!("cannot create image img-{number}"))?;
        }
        rec.recorded.image_numbers.extend(first_number..=last);
        if let (Some(memo), Some(last)) = (self.memo, rec.recorded.image_numbers.last()) {
            memo.next_image.set(last.checked_add(1));
        }
        Ok(())
    }

    fn record_edit(&self, rec: &Recording, image_number: i64, edit: EditOp, credits: u64) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO edits (image_id, operation_id, op, credits, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![image_number, rec.op, edit.as_str(), signed(credits)?, rec.t],
        )?;
        Ok(())
    }

    fn license_image(&self, rec: &Recording, image_number: i64) -> anyhow::Result<()> {
        let changed = self.execute(
            "UPDATE images SET licensed_at = ?3, license_operation_id = ?4
             WHERE id = ?1 AND account_id = ?2 AND licensed_at IS NULL",
            params![image_number, rec.account_id, rec.t, rec.op],
        )?;
        ensure!(changed == 1, "image img-{image_number} cannot be licensed twice");
        Ok(())
    }

    fn train_style(&self, rec: &Recording, name: &str, credits: u64) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO styles (account_id, operation_id, name, credits, trained_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![rec.account_id, rec.op, name, signed(credits)?, rec.t],
        )?;
        Ok(())
    }
}
