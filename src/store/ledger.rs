//! The wallet seen from inside one transaction, in the domain's words: what
//! `commands/` asks of the store, whichever backend holds the wallet. Each
//! backend implements [`Ledger`] on its own transaction view
//! ([`super::sqlite`] on its `Db`); commands are generic over it, so a call
//! costs what the backend's own method costs (no dynamic dispatch).

use crate::rules::clock::Instant;
use crate::rules::{
    AccountSummary, Change, ExportedEntry, HistoryLine, Image, ImageRecord, ImagesSummary, LedgerSum, LogFilter,
    LoggedOperation, Lot, OperationKind, Payment, Subscription, Voidable,
};

use super::Recorded;

/// An account as a store query names it: its id and its handle.
pub type AccountRef = (i64, String);

/// The queries and writes of one transaction (or savepoint) on the wallet.
pub trait Ledger {
    // --- the wallet ---

    /// The wallet's clock.
    fn clock(&self) -> anyhow::Result<Instant>;
    /// Moves the wallet's clock to `at`.
    fn set_clock(&self, at: Instant) -> anyhow::Result<()>;
    /// True while nothing has happened: no account and no operation.
    fn is_empty(&self) -> anyhow::Result<bool>;
    /// Every violation of the wallet's invariants found, in words; empty when sound.
    fn verify(&self) -> anyhow::Result<Vec<String>>;
    /// Runs `f` as one unit: on error everything `f` did is undone and the
    /// surrounding transaction goes on.
    fn atomically<T, E>(&self, f: impl FnOnce(&Self) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>;

    // --- idempotency keys ---

    /// (request, human output, JSON output) stored under an idempotency key.
    fn idempotency_key(&self, key: &str) -> anyhow::Result<Option<(String, String, String)>>;
    /// Remembers the result of a command run under an idempotency key.
    fn remember_key(
        &self,
        key: &str,
        request: &str,
        human: &str,
        json: &str,
        at: Instant,
        actor: Option<&str>,
    ) -> anyhow::Result<()>;

    // --- accounts ---

    /// The account's id, if there is one with this handle.
    fn account_id(&self, handle: &str) -> anyhow::Result<Option<i64>>;
    /// Opens an account; its id.
    fn create_account(&self, handle: &str, at: Instant) -> anyhow::Result<i64>;
    /// Every account with its totals, by handle, handed to `each` one at a
    /// time (nothing holds them all): now, or as they stood at `as_of`.
    fn each_account(
        &self,
        as_of: Option<Instant>,
        each: impl FnMut(AccountSummary) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;
    /// Account handles starting with `prefix`, for completion.
    fn handles_with_prefix(&self, prefix: &str, limit: u32) -> anyhow::Result<Vec<String>>;

    // --- lots ---

    /// The account's live lots (those that still hold something), in id order.
    fn live_lots(&self, account_id: i64) -> anyhow::Result<Vec<Lot>>;
    /// The live lots of one of the account's subscriptions, in id order.
    fn subscription_lots(&self, account_id: i64, subscription_id: i64) -> anyhow::Result<Vec<Lot>>;
    /// The account's lots as they stood at `at`, from the ledger.
    fn lots_as_of(&self, account_id: i64, at: Instant) -> anyhow::Result<Vec<Lot>>;

    // --- changes ---

    /// Records one operation for the account at `at` and applies every effect
    /// of `change` in order.
    fn record(&self, account_id: i64, at: Instant, change: &Change, actor: Option<&str>) -> anyhow::Result<Recorded>;
    /// Records an operation with no account (init, advance-clock); its id.
    fn record_wallet_operation(
        &self,
        at: Instant,
        kind: OperationKind,
        summary: &str,
        actor: Option<&str>,
    ) -> anyhow::Result<i64>;

    // --- subscriptions and the clock's events ---

    /// The account's latest subscription (running or ended), if any.
    fn latest_subscription(&self, account_id: i64) -> anyhow::Result<Option<Subscription>>;
    /// The subscription that had started by `at`, as it stood then.
    fn subscription_as_of(&self, account_id: i64, at: Instant) -> anyhow::Result<Option<Subscription>>;
    /// Saves a subscription's new state over `before`.
    fn save_subscription(&self, before: &Subscription, after: &Subscription) -> anyhow::Result<()>;
    /// The earliest clock event due at or before `until`.
    fn next_due(&self, until: Instant) -> anyhow::Result<Option<Instant>>;
    /// One-time lots' expiries at or before `until`: each instant with an
    /// account that has a lot expiring then (account id, handle), soonest
    /// first, then by account; at most `limit`.
    fn lot_expiries_by(&self, until: Instant, limit: u32) -> anyhow::Result<Vec<(Instant, i64, String)>>;
    /// Running subscriptions whose next event falls at or before `until`,
    /// with their account id and handle, soonest first, then by id; at most
    /// `limit`.
    fn subscriptions_due_by(&self, until: Instant, limit: u32) -> anyhow::Result<Vec<(i64, String, Subscription)>>;

    // --- images and styles ---

    /// The next image number (`img-N`), across the whole wallet.
    fn next_image_number(&self) -> anyhow::Result<i64>;
    /// One image, only if it belongs to the account.
    fn image(&self, account_id: i64, number: i64) -> anyhow::Result<Option<Image>>;
    /// The account's images with their edits, in creation order.
    fn images(&self, account_id: i64) -> anyhow::Result<Vec<ImageRecord>>;
    /// One account's images counted.
    fn images_summary(&self, account_id: i64) -> anyhow::Result<ImagesSummary>;
    /// Image ids of one account starting with `prefix`, for completion.
    fn image_ids_with_prefix(&self, account_id: i64, prefix: &str, limit: u32) -> anyhow::Result<Vec<String>>;
    /// The names of the account's trained styles.
    fn style_names(&self, account_id: i64) -> anyhow::Result<Vec<String>>;

    // --- history ---

    /// Every operation of the account with its ledger entries, in order.
    fn history(&self, account_id: i64) -> anyhow::Result<Vec<HistoryLine>>;
    /// A page of history: the account's last `count` operations, in order.
    fn history_tail(&self, account_id: i64, count: u32) -> anyhow::Result<Vec<HistoryLine>>;

    // --- corrections and the audit log ---

    /// The operation a `void` names, with its account's id and handle (none
    /// for one of the wallet's own operations); `None` for an unknown id.
    fn voidable(&self, operation_id: i64) -> anyhow::Result<Option<(Option<AccountRef>, Voidable)>>;
    /// Every lot one of the account's operations created, spent or not, in id order.
    fn lots_created_by(&self, account_id: i64, operation_id: i64) -> anyhow::Result<Vec<Lot>>;
    /// The operations `filter` selects, wallet-wide, newest first, handed to
    /// `each` one at a time (nothing holds them all).
    fn each_logged(
        &self,
        filter: &LogFilter,
        each: impl FnMut(LoggedOperation) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;
    /// The newest `buy` and `grant` operations not yet voided, newest first:
    /// (id, account handle, summary), for completion.
    fn recent_voidable(&self, limit: u32) -> anyhow::Result<Vec<(i64, String, String)>>;
    /// The actors recorded that start with `prefix`, in order, for completion.
    fn actors_with_prefix(&self, prefix: &str, limit: u32) -> anyhow::Result<Vec<String>>;
    /// The kinds of operation the wallet holds, for completion.
    fn kinds_recorded(&self) -> anyhow::Result<Vec<OperationKind>>;

    // --- reports ---

    /// The first and last operation at or after `since` and at or before
    /// `until` (either open); `None` when no operation is. The wallet's
    /// instants never go backwards, so operation ids follow time.
    fn operations_between(&self, since: Option<Instant>, until: Option<Instant>) -> anyhow::Result<Option<(i64, i64)>>;
    /// The instant of the wallet's first operation, if it has one.
    fn first_operation_at(&self) -> anyhow::Result<Option<Instant>>;
    /// Every ledger entry of the operations `first..=last`, in order, handed to `each`.
    fn each_entry(
        &self,
        operations: (i64, i64),
        each: impl FnMut(ExportedEntry) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;
    /// The ledger entries of the operations `first..=last` summed by asset,
    /// reason and the source of their lots.
    fn ledger_sums(&self, operations: (i64, i64)) -> anyhow::Result<Vec<LedgerSum>>;
    /// Every order (and whether it was voided) and subscription charge, handed to `each`.
    fn each_payment(&self, each: impl FnMut(Payment) -> anyhow::Result<()>) -> anyhow::Result<()>;
}
