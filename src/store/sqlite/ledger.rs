//! The [`Ledger`] of a `SQLite` transaction: each method is the `Db` query or
//! write of the same name (read.rs, write.rs, record.rs, verify.rs), statically dispatched.

use crate::rules::clock::Instant;
use crate::rules::{
    AccountSummary, Change, HistoryLine, Image, ImageRecord, ImagesSummary, Lot, OperationKind, Subscription,
};
use crate::store::{Ledger, Recorded};

use super::Db;

impl Ledger for Db<'_> {
    #[inline]
    fn clock(&self) -> anyhow::Result<Instant> {
        Db::clock(self)
    }

    #[inline]
    fn set_clock(&self, at: Instant) -> anyhow::Result<()> {
        Db::set_clock(self, at)
    }

    #[inline]
    fn is_empty(&self) -> anyhow::Result<bool> {
        Db::is_empty(self)
    }

    #[inline]
    fn verify(&self) -> anyhow::Result<Vec<String>> {
        Db::verify(self)
    }

    #[inline]
    fn atomically<T, E>(&self, f: impl FnOnce(&Self) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        Db::atomically(self, f)
    }

    #[inline]
    fn idempotency_key(&self, key: &str) -> anyhow::Result<Option<(String, String, String)>> {
        Db::idempotency_key(self, key)
    }

    #[inline]
    fn remember_key(
        &self,
        key: &str,
        request: &str,
        human: &str,
        json: &str,
        at: Instant,
        actor: Option<&str>,
    ) -> anyhow::Result<()> {
        Db::remember_key(self, key, request, human, json, at, actor)
    }

    #[inline]
    fn account_id(&self, handle: &str) -> anyhow::Result<Option<i64>> {
        Db::account_id(self, handle)
    }

    #[inline]
    fn create_account(&self, handle: &str, at: Instant) -> anyhow::Result<i64> {
        Db::create_account(self, handle, at)
    }

    #[inline]
    fn each_account(
        &self,
        as_of: Option<Instant>,
        each: impl FnMut(AccountSummary) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        Db::each_account(self, as_of, each)
    }

    #[inline]
    fn handles_with_prefix(&self, prefix: &str, limit: u32) -> anyhow::Result<Vec<String>> {
        Db::handles_with_prefix(self, prefix, limit)
    }

    #[inline]
    fn live_lots(&self, account_id: i64) -> anyhow::Result<Vec<Lot>> {
        Db::live_lots(self, account_id)
    }

    #[inline]
    fn subscription_lots(&self, account_id: i64, subscription_id: i64) -> anyhow::Result<Vec<Lot>> {
        Db::subscription_lots(self, account_id, subscription_id)
    }

    #[inline]
    fn lots_as_of(&self, account_id: i64, at: Instant) -> anyhow::Result<Vec<Lot>> {
        Db::lots_as_of(self, account_id, at)
    }

    #[inline]
    fn record(&self, account_id: i64, at: Instant, change: &Change, actor: Option<&str>) -> anyhow::Result<Recorded> {
        Db::record(self, account_id, at, change, actor)
    }

    #[inline]
    fn record_wallet_operation(
        &self,
        at: Instant,
        kind: OperationKind,
        summary: &str,
        actor: Option<&str>,
    ) -> anyhow::Result<i64> {
        Db::record_wallet_operation(self, at, kind, summary, actor)
    }

    #[inline]
    fn latest_subscription(&self, account_id: i64) -> anyhow::Result<Option<Subscription>> {
        Db::latest_subscription(self, account_id)
    }

    #[inline]
    fn subscription_as_of(&self, account_id: i64, at: Instant) -> anyhow::Result<Option<Subscription>> {
        Db::subscription_as_of(self, account_id, at)
    }

    #[inline]
    fn save_subscription(&self, before: &Subscription, after: &Subscription) -> anyhow::Result<()> {
        Db::save_subscription(self, before, after)
    }

    #[inline]
    fn next_due(&self, until: Instant) -> anyhow::Result<Option<Instant>> {
        Db::next_due(self, until)
    }

    #[inline]
    fn accounts_with_expiring_lots(&self, at: Instant) -> anyhow::Result<Vec<(i64, String)>> {
        Db::accounts_with_expiring_lots(self, at)
    }

    #[inline]
    fn subscriptions_due(&self, at: Instant) -> anyhow::Result<Vec<(i64, String, Subscription)>> {
        Db::subscriptions_due(self, at)
    }

    #[inline]
    fn next_image_number(&self) -> anyhow::Result<i64> {
        Db::next_image_number(self)
    }

    #[inline]
    fn image(&self, account_id: i64, number: i64) -> anyhow::Result<Option<Image>> {
        Db::image(self, account_id, number)
    }

    #[inline]
    fn images(&self, account_id: i64) -> anyhow::Result<Vec<ImageRecord>> {
        Db::images(self, account_id)
    }

    #[inline]
    fn images_summary(&self, account_id: i64) -> anyhow::Result<ImagesSummary> {
        Db::images_summary(self, account_id)
    }

    #[inline]
    fn image_ids_with_prefix(&self, account_id: i64, prefix: &str, limit: u32) -> anyhow::Result<Vec<String>> {
        Db::image_ids_with_prefix(self, account_id, prefix, limit)
    }

    #[inline]
    fn style_names(&self, account_id: i64) -> anyhow::Result<Vec<String>> {
        Db::style_names(self, account_id)
    }

    #[inline]
    fn history(&self, account_id: i64) -> anyhow::Result<Vec<HistoryLine>> {
        Db::history(self, account_id)
    }

    #[inline]
    fn history_tail(&self, account_id: i64, count: u32) -> anyhow::Result<Vec<HistoryLine>> {
        Db::history_tail(self, account_id, count)
    }
}
