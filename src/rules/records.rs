//! What the wallet has recorded, as the store reads it back for the views:
//! [`AccountSummary`] (an account and what it holds), [`HistoryLine`] (an
//! operation with one of its [`LedgerEntry`]s), [`ImageRecord`] (an image
//! with its [`EditRecord`]s) and [`ImagesSummary`] (an account's images
//! counted).

use serde::Serialize;

use crate::rules::clock::Instant;

use super::model::{Asset, Image, Source};
use super::operation::OperationKind;
use super::totals::Totals;

/// An account and what its lots hold (now, or at an earlier instant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    pub id: i64,
    pub handle: String,
    pub created_at: Instant,
    pub held: Totals,
}

/// One line of an account's history: an operation with one of its ledger
/// entries, or an operation that moved no credits or licenses (a cancel, a
/// renewal charge, a free training) with none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryLine {
    pub operation_id: i64,
    pub at: Instant,
    /// The kind of operation (`buy`, `delivery`, …).
    pub kind: OperationKind,
    pub summary: String,
    pub actor: Option<String>,
    pub corrected: Corrected,
    pub entry: Option<LedgerEntry>,
}

/// What an operation says about corrections: the reason it was made with
/// (a correction's), the operation it voids (a void's), and the void that
/// voided it with that void's reason (a voided buy's or grant's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corrected {
    pub reason: Option<String>,
    pub voids: Option<i64>,
    pub voided_by: Option<(i64, Option<String>)>,
}

/// Which operations `log` lists: all of them, or those matching every filter given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub account_id: Option<i64>,
    pub actor: Option<String>,
    pub kind: Option<OperationKind>,
    pub since: Option<Instant>,
    pub until: Option<Instant>,
    /// At most this many, the newest.
    pub limit: Option<u64>,
}

/// One operation as `log` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedOperation {
    pub id: i64,
    pub at: Instant,
    pub actor: Option<String>,
    /// The account's handle; none for the wallet's own operations.
    pub account: Option<String>,
    pub kind: OperationKind,
    pub summary: String,
    pub corrected: Corrected,
}

/// One change to one lot: positive for a grant, negative for a debit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub lot_id: i64,
    pub asset: Asset,
    pub delta: i64,
    /// The reason recorded (a [`super::Reason`] name).
    pub reason: String,
    /// Which rule fired and what it kept, in words.
    pub note: Option<String>,
}

/// An image with when it was licensed and its edits, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRecord {
    pub image: Image,
    pub licensed_at: Option<Instant>,
    pub edits: Vec<EditRecord>,
}

/// One edit made to an image and the credits it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditRecord {
    /// The edit operation recorded (an [`super::EditOp`] name).
    pub op: String,
    pub credits: u64,
    pub at: Instant,
}

/// An account's images: how many, how many licensed, how many need a
/// license they lack.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct ImagesSummary {
    pub count: u64,
    pub licensed: u64,
    pub needing_license: u64,
}

/// One ledger entry as `export` writes it: the entry with its operation,
/// account and lot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedEntry {
    pub id: i64,
    pub operation_id: i64,
    pub at: Instant,
    pub actor: Option<String>,
    pub account: String,
    pub kind: OperationKind,
    /// The ledger reason (`purchase`, `generate`, `expired`, …).
    pub reason: String,
    pub asset: Asset,
    pub change: i64,
    pub lot_id: i64,
    pub source: Source,
}

/// Ledger entries of a stretch of time summed by asset, reason and the
/// source of their lots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerSum {
    pub asset: Asset,
    pub reason: String,
    pub source: Source,
    /// True for the grants (positive entries), false for what was taken.
    pub grant: bool,
    pub total: i64,
}

/// Money taken: one order (voided or not) or one subscription charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub account_id: i64,
    pub at: Instant,
    pub amount_cents: i64,
    pub currency: String,
    /// An order (`Some(voided)`), or a subscription charge (`None`).
    pub order_voided: Option<bool>,
}
