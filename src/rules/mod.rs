//! The domain rules, pure: each rule takes the state it needs,
//! the pricing and the current instant, and returns either a [`Change`] (the
//! effects the store must apply, in order) or a [`Refusal`].
//!
//! No SQL, no files, no environment, no system clock in here.

mod accounts;
mod burn_down;
pub mod clock;
mod corrections;
mod expiry;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod idempotency;
mod limits;
mod model;
mod operation;
mod records;
mod refusal;
mod same_instant;
mod spending;
mod subscription;
mod topic;
mod totals;

pub use accounts::{buy, signup};
pub use burn_down::{burn_down, burn_down_order, usable_total};
pub use corrections::{
    MAX_CORRECTION, MAX_REASON_CHARS, Voidable, adjustment_expiry, check_reason, debit, grant, void,
};
pub use expiry::expire_one_time_lots;
pub use limits::{MAX_HOLDING, within_holding_limit};
pub use model::*;
pub use operation::{OperationKind, UnknownOperationKind};
pub use records::{
    AccountSummary, Corrected, EditRecord, ExportedEntry, HistoryLine, ImageRecord, ImagesSummary, LedgerEntry,
    LedgerSum, LogFilter, LoggedOperation, Payment,
};
pub use refusal::{OverLimit, Refusal};
pub use same_instant::ClockStep;
pub use spending::{CommercialUse, ImageRights, MaxDownload, edit, generate, license, rights, train};
pub use subscription::{cancel, deliver, forfeit, renew, rollover_cut, subscribe, undo_cancel};
pub use topic::Topic;
pub use totals::Totals;

use crate::rules::clock::Instant;

/// Which subscription a grant belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionRef {
    Existing(i64),
    /// The subscription started by the same change.
    Started,
}

/// One thing the store must do. Grants create a lot and its first ledger
/// entry; debits take from an existing lot and record a negative entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Grant {
        asset: Asset,
        source: Source,
        amount: u64,
        expires_at: Instant,
        subscription: Option<SubscriptionRef>,
        reason: Reason,
    },
    Debit {
        lot_id: i64,
        asset: Asset,
        amount: u64,
        reason: Reason,
        /// Words for `history`: which rule fired and what it kept.
        note: Option<String>,
    },
    SetLotExpiry {
        lot_id: i64,
        expires_at: Instant,
    },
    Order {
        product: String,
        quantity: u32,
        price_cents: i64,
        currency: String,
    },
    Charge {
        subscription: SubscriptionRef,
        amount_cents: i64,
        currency: String,
        period_start: Instant,
        period_end: Instant,
    },
    StartSubscription {
        plan: String,
        terms: Terms,
        anchor: Instant,
    },
    /// A subscription's new state: schedule counters, status and end (its
    /// terms never change). Carrying the whole value lets the store derive
    /// the next event without reading it back.
    UpdateSubscription(Subscription),
    CreateImages {
        first_number: i64,
        count: u32,
        style: Style,
    },
    RecordEdit {
        image_number: i64,
        op: EditOp,
        credits: u64,
    },
    LicenseImage {
        image_number: i64,
    },
    TrainStyle {
        name: String,
        credits: u64,
    },
}

/// What one accepted command or clock event does to one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The operation kind recorded in the store.
    pub kind: OperationKind,
    /// One line for people: what happened, in the domain's words.
    pub summary: String,
    /// Set when the operation is a correction by support.
    pub correction: Option<Correction>,
    pub effects: Vec<Effect>,
}

/// What makes an operation a correction (`grant`, `debit`, `void`): why it
/// was made, in the words of whoever made it, and the operation it voids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub reason: String,
    pub voids: Option<i64>,
}

impl Change {
    /// Applies this change to lots held in memory, as the store applies it
    /// to rows — for projections such as "what a cancelling subscription
    /// will forfeit". New lots get ids from `next_id`; emptied lots drop out.
    pub fn apply_to_lots(&self, lots: &mut Vec<Lot>, at: Instant, subscription_id: Option<i64>, next_id: &mut i64) {
        for effect in &self.effects {
            match effect {
                Effect::Grant {
                    asset,
                    source,
                    amount,
                    expires_at,
                    subscription,
                    ..
                } => {
                    lots.push(Lot {
                        id: *next_id,
                        asset: *asset,
                        source: *source,
                        granted: *amount,
                        remaining: *amount,
                        granted_at: at,
                        expires_at: *expires_at,
                        subscription_id: subscription.and_then(|r| match r {
                            SubscriptionRef::Existing(id) => Some(id),
                            SubscriptionRef::Started => subscription_id,
                        }),
                    });
                    *next_id = next_id.saturating_add(1);
                }
                Effect::Debit { lot_id, amount, .. } => {
                    if let Some(lot) = lots.iter_mut().find(|l| l.id == *lot_id) {
                        lot.remaining = lot.remaining.saturating_sub(*amount);
                    }
                }
                Effect::SetLotExpiry { lot_id, expires_at } => {
                    if let Some(lot) = lots.iter_mut().find(|l| l.id == *lot_id) {
                        lot.expires_at = *expires_at;
                    }
                }
                _ => {}
            }
        }
        lots.retain(|l| l.remaining > 0);
    }

    /// Splits off the subscription's new state (the last `UpdateSubscription`
    /// effect), for a caller that saves it once after several changes.
    pub fn take_subscription_update(&mut self) -> Option<Subscription> {
        let at = self
            .effects
            .iter()
            .rposition(|e| matches!(e, Effect::UpdateSubscription(_)))?;
        match self.effects.remove(at) {
            Effect::UpdateSubscription(sub) => Some(sub),
            _ => None,
        }
    }

    /// The signed total this change moves for one asset.
    pub fn net(&self, asset: Asset) -> Option<i64> {
        self.effects.iter().try_fold(0i64, |acc, effect| match effect {
            Effect::Grant { asset: a, amount, .. } if *a == asset => acc.checked_add(i64::try_from(*amount).ok()?),
            Effect::Debit { asset: a, amount, .. } if *a == asset => acc.checked_sub(i64::try_from(*amount).ok()?),
            _ => Some(acc),
        })
    }
}
