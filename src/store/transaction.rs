//! The wallet seen from inside one transaction, whichever backend holds it:
//! [`Transaction`] implements [`Ledger`] by handing each call to the
//! backend's view of the same name (a branch per call, no dynamic dispatch).

use crate::rules::clock::Instant;
use crate::rules::{
    AccountSummary, Change, ExportedEntry, HistoryLine, Image, ImageRecord, ImagesSummary, LedgerSum, LogFilter,
    LoggedOperation, Lot, OperationKind, Payment, Subscription, Voidable,
};

use super::ledger::AccountRef;
use super::{Ledger, Recorded, postgres, sqlite};

/// The wallet seen from inside one transaction: what [`super::Wallet::read`],
/// [`super::Wallet::write`] and a [`super::Batch`] hand to their work.
/// Commands use it through [`Ledger`] only.
#[derive(Clone, Copy)]
pub enum Transaction<'c> {
    Sqlite(sqlite::Db<'c>),
    Postgres(postgres::Tx<'c>),
}

/// `$call` on the backend's own view.
macro_rules! on_backend {
    ($self:ident, $t:ident => $call:expr) => {
        match $self {
            Transaction::Sqlite($t) => $call,
            Transaction::Postgres($t) => $call,
        }
    };
}

impl Ledger for Transaction<'_> {
    fn clock(&self) -> anyhow::Result<Instant> {
        on_backend!(self, t => t.clock())
    }

    fn set_clock(&self, at: Instant) -> anyhow::Result<()> {
        on_backend!(self, t => t.set_clock(at))
    }

    fn is_empty(&self) -> anyhow::Result<bool> {
        on_backend!(self, t => t.is_empty())
    }

    fn verify(&self) -> anyhow::Result<Vec<String>> {
        on_backend!(self, t => t.verify())
    }

    fn atomically<T, E>(&self, f: impl FnOnce(&Self) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        match self {
            Transaction::Sqlite(t) => t.atomically(|t| f(&Transaction::Sqlite(*t))),
            Transaction::Postgres(t) => t.atomically(|t| f(&Transaction::Postgres(*t))),
        }
    }

    fn idempotency_key(&self, key: &str) -> anyhow::Result<Option<(String, String, String)>> {
        on_backend!(self, t => t.idempotency_key(key))
    }

    fn remember_key(
        &self,
        key: &str,
        request: &str,
        human: &str,
        json: &str,
        at: Instant,
        actor: Option<&str>,
    ) -> anyhow::Result<()> {
        on_backend!(self, t => t.remember_key(key, request, human, json, at, actor))
    }

    fn account_id(&self, handle: &str) -> anyhow::Result<Option<i64>> {
        on_backend!(self, t => t.account_id(handle))
    }

    fn create_account(&self, handle: &str, at: Instant) -> anyhow::Result<i64> {
        on_backend!(self, t => t.create_account(handle, at))
    }

    fn each_account(
        &self,
        as_of: Option<Instant>,
        each: impl FnMut(AccountSummary) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        on_backend!(self, t => t.each_account(as_of, each))
    }

    fn handles_with_prefix(&self, prefix: &str, limit: u32) -> anyhow::Result<Vec<String>> {
        on_backend!(self, t => t.handles_with_prefix(prefix, limit))
    }

    fn live_lots(&self, account_id: i64) -> anyhow::Result<Vec<Lot>> {
        on_backend!(self, t => t.live_lots(account_id))
    }

    fn subscription_lots(&self, account_id: i64, subscription_id: i64) -> anyhow::Result<Vec<Lot>> {
        on_backend!(self, t => t.subscription_lots(account_id, subscription_id))
    }

    fn lots_as_of(&self, account_id: i64, at: Instant) -> anyhow::Result<Vec<Lot>> {
        on_backend!(self, t => t.lots_as_of(account_id, at))
    }

    fn record(&self, account_id: i64, at: Instant, change: &Change, actor: Option<&str>) -> anyhow::Result<Recorded> {
        on_backend!(self, t => t.record(account_id, at, change, actor))
    }

    fn record_wallet_operation(
        &self,
        at: Instant,
        kind: OperationKind,
        summary: &str,
        actor: Option<&str>,
    ) -> anyhow::Result<i64> {
        on_backend!(self, t => t.record_wallet_operation(at, kind, summary, actor))
    }

    fn latest_subscription(&self, account_id: i64) -> anyhow::Result<Option<Subscription>> {
        on_backend!(self, t => t.latest_subscription(account_id))
    }

    fn subscription_as_of(&self, account_id: i64, at: Instant) -> anyhow::Result<Option<Subscription>> {
        on_backend!(self, t => t.subscription_as_of(account_id, at))
    }

    fn save_subscription(&self, before: &Subscription, after: &Subscription) -> anyhow::Result<()> {
        on_backend!(self, t => t.save_subscription(before, after))
    }

    fn next_due(&self, until: Instant) -> anyhow::Result<Option<Instant>> {
        on_backend!(self, t => t.next_due(until))
    }

    fn lot_expiries_by(&self, until: Instant, limit: u32) -> anyhow::Result<Vec<(Instant, i64, String)>> {
        on_backend!(self, t => t.lot_expiries_by(until, limit))
    }

    fn subscriptions_due_by(&self, until: Instant, limit: u32) -> anyhow::Result<Vec<(i64, String, Subscription)>> {
        on_backend!(self, t => t.subscriptions_due_by(until, limit))
    }

    fn next_image_number(&self) -> anyhow::Result<i64> {
        on_backend!(self, t => t.next_image_number())
    }

    fn image(&self, account_id: i64, number: i64) -> anyhow::Result<Option<Image>> {
        on_backend!(self, t => t.image(account_id, number))
    }

    fn images(&self, account_id: i64) -> anyhow::Result<Vec<ImageRecord>> {
        on_backend!(self, t => t.images(account_id))
    }

    fn images_summary(&self, account_id: i64) -> anyhow::Result<ImagesSummary> {
        on_backend!(self, t => t.images_summary(account_id))
    }

    fn image_ids_with_prefix(&self, account_id: i64, prefix: &str, limit: u32) -> anyhow::Result<Vec<String>> {
        on_backend!(self, t => t.image_ids_with_prefix(account_id, prefix, limit))
    }

    fn style_names(&self, account_id: i64) -> anyhow::Result<Vec<String>> {
        on_backend!(self, t => t.style_names(account_id))
    }

    fn history(&self, account_id: i64) -> anyhow::Result<Vec<HistoryLine>> {
        on_backend!(self, t => t.history(account_id))
    }

    fn history_tail(&self, account_id: i64, count: u32) -> anyhow::Result<Vec<HistoryLine>> {
        on_backend!(self, t => t.history_tail(account_id, count))
    }

    fn voidable(&self, operation_id: i64) -> anyhow::Result<Option<(Option<AccountRef>, Voidable)>> {
        on_backend!(self, t => t.voidable(operation_id))
    }

    fn lots_created_by(&self, account_id: i64, operation_id: i64) -> anyhow::Result<Vec<Lot>> {
        on_backend!(self, t => t.lots_created_by(account_id, operation_id))
    }

    fn each_logged(
        &self,
        filter: &LogFilter,
        each: impl FnMut(LoggedOperation) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        on_backend!(self, t => t.each_logged(filter, each))
    }

    fn recent_voidable(&self, limit: u32) -> anyhow::Result<Vec<(i64, String, String)>> {
        on_backend!(self, t => t.recent_voidable(limit))
    }

    fn actors_with_prefix(&self, prefix: &str, limit: u32) -> anyhow::Result<Vec<String>> {
        on_backend!(self, t => t.actors_with_prefix(prefix, limit))
    }

    fn kinds_recorded(&self) -> anyhow::Result<Vec<OperationKind>> {
        on_backend!(self, t => t.kinds_recorded())
    }

    fn operations_between(&self, since: Option<Instant>, until: Option<Instant>) -> anyhow::Result<Option<(i64, i64)>> {
        on_backend!(self, t => t.ids_between(since, until))
    }

    fn first_operation_at(&self) -> anyhow::Result<Option<Instant>> {
        on_backend!(self, t => t.first_operation_at())
    }

    fn each_entry(
        &self,
        operations: (i64, i64),
        each: impl FnMut(ExportedEntry) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        on_backend!(self, t => t.each_entry(operations, each))
    }

    fn ledger_sums(&self, operations: (i64, i64)) -> anyhow::Result<Vec<LedgerSum>> {
        on_backend!(self, t => t.ledger_sums(operations))
    }

    fn each_payment(&self, each: impl FnMut(Payment) -> anyhow::Result<()>) -> anyhow::Result<()> {
        on_backend!(self, t => t.each_payment(each))
    }
}
