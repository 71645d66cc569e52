//! What the wallet has recorded, as the store reads it back for the views:
//! [`AccountSummary`] (an account and what it holds), [`HistoryLine`] (an
//! operation with one of its [`LedgerEntry`]s), [`ImageRecord`] (an image
//! with its [`EditRecord`]s) and [`ImagesSummary`] (an account's images
//! counted).

use serde::Serialize;

use crate::rules::clock::Instant;

use super::model::{Asset, Image};
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
    pub entry: Option<LedgerEntry>,
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
