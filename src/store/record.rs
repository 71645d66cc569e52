//! Recording a rules [`Change`], whichever backend holds the wallet: one
//! operation row, then each of its effects applied to the rows in order, one
//! function per kind of effect, keeping a write's memory of the account's
//! live lots in step, and the touched account's invariants checked afterwards
//! (debug builds). Each backend says how one row is written ([`Rows`]).

use anyhow::{anyhow, bail};

use crate::rules::clock::{self, Instant};
use crate::rules::{
    Asset, Change, Correction, EditOp, Effect, Lot, OperationKind, Reason, Source, Style, Subscription,
    SubscriptionRef, SubscriptionStatus, Terms,
};

use super::memo::Memo;

/// What applying a change created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    pub operation_id: i64,
    pub lot_ids: Vec<i64>,
    pub image_numbers: Vec<i64>,
}

/// An amount as stored: a signed 64-bit number.
pub(super) fn signed(amount: u64) -> anyhow::Result<i64> {
    i64::try_from(amount).map_err(|_| anyhow!("amount {amount} is too large to record"))
}

/// One row written, as each backend writes it. Instants are Unix seconds;
/// amounts are as stored ([`signed`]). A method that changes a row it does
/// not find fails, where the backend can tell.
pub(super) trait Rows {
    /// What the write or batch remembers, if this is one.
    fn memo(&self) -> Option<&Memo>;
    /// A new operation; a correction's with its reason and what it voids.
    fn insert_operation(
        &self,
        account_id: Option<i64>,
        at: i64,
        kind: OperationKind,
        summary: &str,
        actor: Option<&str>,
        correction: Option<&Correction>,
    ) -> anyhow::Result<i64>;
    /// A new lot holding all it was granted; its id.
    fn insert_lot(&self, lot: &NewLot) -> anyhow::Result<i64>;
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
    ) -> anyhow::Result<()>;
    /// Takes `amount` from one of the account's lots of `asset`.
    fn take_from_lot(&self, lot_id: i64, account_id: i64, asset: &str, amount: i64) -> anyhow::Result<()>;
    fn set_lot_expiry(&self, lot_id: i64, account_id: i64, expires_at: i64) -> anyhow::Result<()>;
    fn insert_order(&self, order: &NewOrder<'_>) -> anyhow::Result<()>;
    fn insert_charge(&self, charge: &NewCharge<'_>) -> anyhow::Result<()>;
    /// A new running subscription, its first delivery made; its id.
    fn insert_subscription(
        &self,
        account_id: i64,
        op: i64,
        plan: &str,
        terms: &Terms,
        anchor: i64,
    ) -> anyhow::Result<i64>;
    /// Saves a subscription's schedule, status and end.
    fn save_schedule(&self, sub: &Subscription) -> anyhow::Result<()>;
    fn insert_image(&self, number: i64, account_id: i64, op: i64, style: &Style, at: i64) -> anyhow::Result<()>;
    fn insert_edit(&self, image_number: i64, op: i64, edit: EditOp, credits: i64, at: i64) -> anyhow::Result<()>;
    /// Marks one of the account's unlicensed images licensed.
    fn license_image(&self, image_number: i64, account_id: i64, at: i64, op: i64) -> anyhow::Result<()>;
    fn insert_style(&self, account_id: i64, op: i64, name: &str, credits: i64, at: i64) -> anyhow::Result<()>;
    /// The account's invariants after a change (debug builds).
    fn check_account(&self, account_id: i64) -> anyhow::Result<()>;
}

/// A lot as granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NewLot {
    pub(super) account_id: i64,
    pub(super) op: i64,
    pub(super) asset: &'static str,
    pub(super) source: &'static str,
    pub(super) amount: i64,
    pub(super) at: i64,
    pub(super) expires_at: i64,
    pub(super) subscription_id: Option<i64>,
}

/// A one-time order.
pub(super) struct NewOrder<'a> {
    pub(super) op: i64,
    pub(super) account_id: i64,
    pub(super) product: &'a str,
    pub(super) quantity: u32,
    pub(super) price_cents: i64,
    pub(super) currency: &'a str,
    pub(super) at: i64,
}

/// A subscription's charge for one period.
pub(super) struct NewCharge<'a> {
    pub(super) op: i64,
    pub(super) account_id: i64,
    pub(super) subscription_id: i64,
    pub(super) amount_cents: i64,
    pub(super) currency: &'a str,
    pub(super) period_start: i64,
    pub(super) period_end: i64,
    pub(super) at: i64,
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
    /// A write's memory of the account's live lots, kept in step with the
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

/// Records one operation for `account_id` at `at` and applies every effect
/// of `change` in order, all inside the caller's transaction.
pub(super) fn record<R: Rows>(
    rows: &R,
    account_id: i64,
    at: Instant,
    change: &Change,
    actor: Option<&str>,
) -> anyhow::Result<Recorded> {
    let t = clock::to_unix(at);
    let op = rows.insert_operation(
        Some(account_id),
        t,
        change.kind,
        &change.summary,
        actor,
        change.correction.as_ref(),
    )?;
    let memo = rows.memo();
    let mut rec = Recording {
        account_id,
        op,
        at,
        t,
        started: None,
        lots: memo.and_then(|m| m.lots.borrow_mut().remove(&account_id)),
        recorded: Recorded {
            operation_id: op,
            ..Recorded::default()
        },
    };
    for effect in &change.effects {
        apply(rows, &mut rec, effect)?;
    }
    if let (Some(memo), Some(mut lots)) = (memo, rec.lots) {
        lots.retain(|l| l.remaining > 0);
        memo.remember_lots(account_id, lots);
    }
    if cfg!(debug_assertions) {
        rows.check_account(account_id)?;
    }
    Ok(rec.recorded)
}

fn apply<R: Rows>(rows: &R, rec: &mut Recording, effect: &Effect) -> anyhow::Result<()> {
    match effect {
        Effect::Grant {
            asset,
            source,
            amount,
            expires_at,
            subscription,
            reason,
        } => grant(rows, rec, *asset, *source, *amount, *expires_at, *subscription, *reason),
        Effect::Debit {
            lot_id,
            asset,
            amount,
            reason,
            note,
        } => debit(rows, rec, *lot_id, *asset, *amount, *reason, note.as_deref()),
        Effect::SetLotExpiry { lot_id, expires_at } => set_lot_expiry(rows, rec, *lot_id, *expires_at),
        Effect::Order {
            product,
            quantity,
            price_cents,
            currency,
        } => rows.insert_order(&NewOrder {
            op: rec.op,
            account_id: rec.account_id,
            product,
            quantity: *quantity,
            price_cents: *price_cents,
            currency,
            at: rec.t,
        }),
        Effect::Charge {
            subscription,
            amount_cents,
            currency,
            period_start,
            period_end,
        } => rows.insert_charge(&NewCharge {
            op: rec.op,
            account_id: rec.account_id,
            subscription_id: rec.subscription(*subscription)?,
            amount_cents: *amount_cents,
            currency,
            period_start: clock::to_unix(*period_start),
            period_end: clock::to_unix(*period_end),
            at: rec.t,
        }),
        Effect::StartSubscription { plan, terms, anchor } => start_subscription(rows, rec, plan, terms, *anchor),
        Effect::UpdateSubscription(sub) => rows.save_schedule(sub),
        Effect::CreateImages {
            first_number,
            count,
            style,
        } => create_images(rows, rec, *first_number, *count, style),
        Effect::RecordEdit {
            image_number,
            op,
            credits,
        } => rows.insert_edit(*image_number, rec.op, *op, signed(*credits)?, rec.t),
        Effect::LicenseImage { image_number } => rows.license_image(*image_number, rec.account_id, rec.t, rec.op),
        Effect::TrainStyle { name, credits } => {
            rows.insert_style(rec.account_id, rec.op, name, signed(*credits)?, rec.t)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn grant<R: Rows>(
    rows: &R,
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
    let lot = rows.insert_lot(&NewLot {
        account_id,
        op,
        asset: asset.as_str(),
        source: source.as_str(),
        amount,
        at: t,
        expires_at: clock::to_unix(expires_at),
        subscription_id: sub,
    })?;
    rows.insert_entry(op, account_id, lot, asset.as_str(), amount, reason.as_str(), t, None)?;
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

#[allow(clippy::too_many_arguments)]
fn debit<R: Rows>(
    rows: &R,
    rec: &mut Recording,
    lot_id: i64,
    asset: Asset,
    units: u64,
    reason: Reason,
    note: Option<&str>,
) -> anyhow::Result<()> {
    let amount = signed(units)?;
    rows.take_from_lot(lot_id, rec.account_id, asset.as_str(), amount)?;
    match rec
        .lots
        .as_mut()
        .and_then(|lots| lots.iter_mut().find(|l| l.id == lot_id))
    {
        Some(l) if l.remaining >= units => l.remaining -= units,
        _ => rec.lots = None,
    }
    rows.insert_entry(
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

fn set_lot_expiry<R: Rows>(rows: &R, rec: &mut Recording, lot_id: i64, expires_at: Instant) -> anyhow::Result<()> {
    rows.set_lot_expiry(lot_id, rec.account_id, clock::to_unix(expires_at))?;
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

fn start_subscription<R: Rows>(
    rows: &R,
    rec: &mut Recording,
    plan: &str,
    terms: &Terms,
    anchor: Instant,
) -> anyhow::Result<()> {
    let id = rows.insert_subscription(rec.account_id, rec.op, plan, terms, clock::to_unix(anchor))?;
    let sub = Subscription {
        id,
        plan: plan.to_owned(),
        terms: terms.clone(),
        anchor,
        deliveries: 1,
        periods: 1,
        status: SubscriptionStatus::Active,
        ended_at: None,
    };
    rows.save_schedule(&sub)?;
    rec.started = Some(id);
    Ok(())
}

fn create_images<R: Rows>(
    rows: &R,
    rec: &mut Recording,
    first_number: i64,
    count: u32,
    style: &Style,
) -> anyhow::Result<()> {
    // The images are numbered first..=last.
    let Some(last) = i64::from(count)
        .checked_sub(1)
        .and_then(|n| first_number.checked_add(n))
        .filter(|last| *last >= first_number)
    else {
        bail!("cannot number {count} images from img-{first_number}");
    };
    for number in first_number..=last {
        rows.insert_image(number, rec.account_id, rec.op, style, rec.t)?;
    }
    rec.recorded.image_numbers.extend(first_number..=last);
    if let (Some(memo), Some(last)) = (rows.memo(), rec.recorded.image_numbers.last()) {
        memo.next_image.set(last.checked_add(1));
    }
    Ok(())
}
