//! Writes: recording an operation and applying a rules [`Change`] to the
//! rows, checking the touched account's invariants afterwards.

use anyhow::{Context, anyhow, bail, ensure};
use rusqlite::{OptionalExtension, params};

use crate::clock::{self, Instant};
use crate::rules::{Change, Effect, Lot, OperationKind, Subscription, SubscriptionRef, SubscriptionStatus};

use super::Db;

/// What applying a change created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    pub operation_id: i64,
    pub lot_ids: Vec<i64>,
    pub image_numbers: Vec<i64>,
}

fn signed(amount: u64) -> anyhow::Result<i64> {
    i64::try_from(amount).map_err(|_| anyhow!("amount {amount} is too large to record"))
}

impl Db<'_> {
    pub fn set_clock(&self, at: Instant) -> anyhow::Result<()> {
        self.execute("UPDATE wallet SET clock = ?1 WHERE id = 1", params![clock::to_unix(at)])?;
        if let Some(memo) = self.memo {
            memo.clock.set(Some(at));
        }
        Ok(())
    }

    /// Remembers the result of a command run under an idempotency key.
    pub fn remember_key(
        &self,
        key: &str,
        request: &str,
        human: &str,
        json: &str,
        at: Instant,
        actor: Option<&str>,
    ) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO idempotency_keys (key, request, human, json, operation_at, actor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![key, request, human, json, clock::to_unix(at), actor],
        )?;
        Ok(())
    }

    pub fn create_account(&self, handle: &str, at: Instant) -> anyhow::Result<i64> {
        self.execute(
            "INSERT INTO accounts (handle, created_at) VALUES (?1, ?2)",
            params![handle, clock::to_unix(at)],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// An operation with no account (init, advance-clock).
    pub fn record_wallet_operation(
        &self,
        at: Instant,
        kind: OperationKind,
        summary: &str,
        actor: Option<&str>,
    ) -> anyhow::Result<i64> {
        self.insert_operation(None, at, kind, summary, actor)
    }

    fn insert_operation(
        &self,
        account_id: Option<i64>,
        at: Instant,
        kind: OperationKind,
        summary: &str,
        actor: Option<&str>,
    ) -> anyhow::Result<i64> {
        self.execute(
            "INSERT INTO operations (account_id, at, kind, summary, actor) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![account_id, clock::to_unix(at), kind.as_str(), summary, actor],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Saves a subscription's new state over `before`. When only the
    /// schedule moved (the common case: a delivery or a renewal), status and
    /// end stay out of the statement, so the index of running subscriptions
    /// is left alone.
    pub fn save_subscription(&self, before: &Subscription, after: &Subscription) -> anyhow::Result<()> {
        if (before.status, before.ended_at) != (after.status, after.ended_at) {
            return self.save_schedule(after);
        }
        let changed = self.execute(
            "UPDATE subscriptions SET deliveries = ?2, periods = ?3, next_event_at = ?4 WHERE id = ?1",
            params![
                after.id,
                after.deliveries,
                after.periods,
                after.next_event().map(clock::to_unix)
            ],
        )?;
        ensure!(changed == 1, "subscription {} is missing", after.id);
        Ok(())
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
                sub.ended_at.map(clock::to_unix),
                sub.next_event().map(clock::to_unix),
            ],
        )?;
        ensure!(changed == 1, "subscription {} is missing", sub.id);
        Ok(())
    }

    /// Records one operation for `account_id` at `at` and applies every
    /// effect of `change` in order, all inside the caller's transaction.
    #[allow(
        clippy::too_many_lines,
        reason = "one arm per effect; it comes apart with the store's second backend"
    )]
    pub fn record(
        &self,
        account_id: i64,
        at: Instant,
        change: &Change,
        actor: Option<&str>,
    ) -> anyhow::Result<Recorded> {
        let op = self.insert_operation(Some(account_id), at, change.kind, &change.summary, actor)?;
        let t = clock::to_unix(at);
        let mut recorded = Recorded {
            operation_id: op,
            ..Recorded::default()
        };
        let mut started: Option<i64> = None;
        // A batch's memory of the account's live lots, kept in step with the
        // rows below; dropped if a row and the memory ever disagree.
        let mut lots = self.memo.and_then(|m| m.lots.borrow_mut().remove(&account_id));
        let resolve = |r: SubscriptionRef, started: Option<i64>| match r {
            SubscriptionRef::Existing(id) => Ok(id),
            SubscriptionRef::Started => {
                started.ok_or_else(|| anyhow!("a grant refers to a subscription that was not started"))
            }
        };
        for effect in &change.effects {
            match effect {
                Effect::Grant {
                    asset,
                    source,
                    amount,
                    expires_at,
                    subscription,
                    reason,
                } => {
                    let sub = subscription.map(|r| resolve(r, started)).transpose()?;
                    let (units, amount) = (*amount, signed(*amount)?);
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
                            clock::to_unix(*expires_at),
                            sub
                        ],
                    )?;
                    let lot = self.conn.last_insert_rowid();
                    self.insert_entry(op, account_id, lot, asset.as_str(), amount, reason.as_str(), t, None)?;
                    if let Some(lots) = &mut lots {
                        lots.push(Lot {
                            id: lot,
                            asset: *asset,
                            source: *source,
                            granted: units,
                            remaining: units,
                            granted_at: at,
                            expires_at: *expires_at,
                            subscription_id: sub,
                        });
                    }
                    recorded.lot_ids.push(lot);
                }
                Effect::Debit {
                    lot_id,
                    asset,
                    amount,
                    reason,
                    note,
                } => {
                    let (units, amount) = (*amount, signed(*amount)?);
                    let changed = self.execute(
                        "UPDATE lots SET remaining = remaining - ?3
                         WHERE id = ?1 AND account_id = ?2 AND asset = ?4 AND remaining >= ?3",
                        params![lot_id, account_id, amount, asset.as_str()],
                    )?;
                    ensure!(changed == 1, "lot {lot_id} cannot give {amount} {}", asset.as_str());
                    match lots.as_mut().and_then(|lots| lots.iter_mut().find(|l| l.id == *lot_id)) {
                        Some(l) if l.remaining >= units => l.remaining -= units,
                        _ => lots = None,
                    }
                    self.insert_entry(
                        op,
                        account_id,
                        *lot_id,
                        asset.as_str(),
                        -amount,
                        reason.as_str(),
                        t,
                        note.as_deref(),
                    )?;
                }
                Effect::SetLotExpiry { lot_id, expires_at } => {
                    let changed = self.execute(
                        "UPDATE lots SET expires_at = ?2 WHERE id = ?1 AND account_id = ?3",
                        params![lot_id, clock::to_unix(*expires_at), account_id],
                    )?;
                    ensure!(changed == 1, "lot {lot_id} is missing");
                    match lots.as_mut().and_then(|lots| lots.iter_mut().find(|l| l.id == *lot_id)) {
                        Some(l) => l.expires_at = *expires_at,
                        None => lots = None,
                    }
                }
                Effect::Order {
                    product,
                    quantity,
                    price_cents,
                    currency,
                } => {
                    self.execute(
                        "INSERT INTO orders (operation_id, account_id, product, quantity, price_cents, currency, at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![op, account_id, product, quantity, price_cents, currency, t],
                    )?;
                }
                Effect::Charge {
                    subscription,
                    amount_cents,
                    currency,
                    period_start,
                    period_end,
                } => {
                    let sub = resolve(*subscription, started)?;
                    self.execute(
                        "INSERT INTO charges (operation_id, account_id, subscription_id, amount_cents, currency,
                                              period_start, period_end, at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![
                            op,
                            account_id,
                            sub,
                            amount_cents,
                            currency,
                            clock::to_unix(*period_start),
                            clock::to_unix(*period_end),
                            t
                        ],
                    )?;
                }
                Effect::StartSubscription { plan, terms, anchor } => {
                    let mut sub = Subscription {
                        id: 0,
                        plan: plan.clone(),
                        terms: terms.clone(),
                        anchor: *anchor,
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
                            clock::to_unix(*anchor)
                        ],
                    )?;
                    sub.id = self.conn.last_insert_rowid();
                    self.save_schedule(&sub)?;
                    started = Some(sub.id);
                }
                Effect::UpdateSubscription(sub) => self.save_schedule(sub)?,
                Effect::CreateImages {
                    first_number,
                    count,
                    style,
                } => {
                    // The images are numbered first..=last.
                    let Some(last) = i64::from(*count)
                        .checked_sub(1)
                        .and_then(|n| first_number.checked_add(n))
                        .filter(|last| last >= first_number)
                    else {
                        bail!("cannot number {count} images from img-{first_number}");
                    };
                    for number in *first_number..=last {
                        self.execute(
                            "INSERT INTO images (id, account_id, operation_id, style_kind, style_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            params![number, account_id, op, style.kind(), style.name(), t],
                        )
                        .with_context(|| format!("cannot create image img-{number}"))?;
                    }
                    recorded.image_numbers.extend(*first_number..=last);
                    if let (Some(memo), Some(last)) = (self.memo, recorded.image_numbers.last()) {
                        memo.next_image.set(last.checked_add(1));
                    }
                }
                Effect::RecordEdit {
                    image_number,
                    op: edit_op,
                    credits,
                } => {
                    self.execute(
                        "INSERT INTO edits (image_id, operation_id, op, credits, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![image_number, op, edit_op.as_str(), signed(*credits)?, t],
                    )?;
                }
                Effect::LicenseImage { image_number } => {
                    let changed = self.execute(
                        "UPDATE images SET licensed_at = ?3, license_operation_id = ?4
                         WHERE id = ?1 AND account_id = ?2 AND licensed_at IS NULL",
                        params![image_number, account_id, t, op],
                    )?;
                    ensure!(changed == 1, "image img-{image_number} cannot be licensed twice");
                }
                Effect::TrainStyle { name, credits } => {
                    self.execute(
                        "INSERT INTO styles (account_id, operation_id, name, credits, trained_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![account_id, op, name, signed(*credits)?, t],
                    )?;
                }
            }
        }
        if let (Some(memo), Some(mut lots)) = (self.memo, lots) {
            lots.retain(|l| l.remaining > 0);
            memo.remember_lots(account_id, lots);
        }
        if cfg!(debug_assertions) {
            self.check_account(account_id)?;
        }
        Ok(recorded)
    }

    #[allow(clippy::too_many_arguments)]
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

    /// The invariants of one account (SPEC §1): every lot's remaining equals
    /// its ledger entries, so the balance equals the ledger.
    pub fn check_account(&self, account_id: i64) -> anyhow::Result<()> {
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

/// Schema 4's migration: converts every idempotency request stored in the
/// debug notation of schemas 2 and 3 to its canonical form (src/request.rs),
/// so a retry after the upgrade is still recognised. A request that is no
/// known command is left as it is: a retry with its key stays refused.
pub(super) fn canonical_requests(tx: &rusqlite::Connection) -> anyhow::Result<()> {
    let legacy: Vec<(String, String)> = tx
        .prepare("SELECT key, request FROM idempotency_keys")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = tx.prepare("UPDATE idempotency_keys SET request = ?2 WHERE key = ?1")?;
    for (key, request) in legacy {
        if let Some(canonical) = crate::request::from_legacy(&request) {
            update.execute(params![key, canonical])?;
        }
    }
    Ok(())
}
