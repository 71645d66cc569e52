//! Queries: the clock, one account's rows, due clock events, history.
//! What the views read comes back as the domain's types (`rules::records`:
//! accounts with their totals, history lines, images with their edits).
//! Every query is indexed by the account or by the due instant; nothing
//! scans all accounts.

use anyhow::{Context, anyhow};
use rusqlite::{OptionalExtension, Row, params};

use crate::rules::clock::{self, Instant};
use crate::rules::{
    AccountSummary, Asset, Corrected, EditRecord, HistoryLine, Image, ImageRecord, ImagesSummary, LedgerEntry, Lot,
    OperationKind, Source, Style, Subscription, SubscriptionStatus, Terms, Totals,
};

use crate::store::history::merged;

use super::Db;

pub(super) fn instant(secs: i64) -> rusqlite::Result<Instant> {
    clock::from_unix(secs).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Integer,
            format!("instant {secs} out of range").into(),
        )
    })
}

pub(super) fn bad(what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("unknown {what} '{value}'").into(),
    )
}

/// The operation kind stored in column `idx`; unknown text is an error, not a guess.
pub(super) fn operation_kind(row: &Row<'_>, idx: usize) -> rusqlite::Result<OperationKind> {
    let text: String = row.get(idx)?;
    OperationKind::parse(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e)))
}

/// What an operation says about corrections, from four columns from `idx`
/// on: its reason, what it voids, and the id and reason of its void.
pub(super) fn corrected(row: &Row<'_>, idx: usize) -> rusqlite::Result<Corrected> {
    let voided_by: Option<i64> = row.get(idx + 2)?;
    Ok(Corrected {
        reason: row.get(idx)?,
        voids: row.get(idx + 1)?,
        voided_by: voided_by
            .map(|id| row.get(idx + 3).map(|reason| (id, reason)))
            .transpose()?,
    })
}

/// A signed total that must fit a 64-bit number.
pub(super) fn amount_signed(row: &Row<'_>, idx: usize) -> rusqlite::Result<i64> {
    row.get(idx)
}

pub(super) fn amount(row: &Row<'_>, idx: usize) -> rusqlite::Result<u64> {
    let v: i64 = row.get(idx)?;
    u64::try_from(v).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(idx, v))
}

/// The columns [`lot`] reads, as a literal so that queries are `concat!`ed
/// at compile time instead of formatted on every call.
macro_rules! lot_columns {
    () => {
        "id, asset, source, granted, remaining, granted_at, expires_at, subscription_id"
    };
}

/// A text column read in place, without copying it into a `String`.
fn text<'r>(row: &'r Row<'_>, idx: usize) -> rusqlite::Result<&'r str> {
    row.get_ref(idx)?
        .as_str()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, e.into()))
}

pub(super) fn lot(row: &Row<'_>) -> rusqlite::Result<Lot> {
    let asset = text(row, 1)?;
    let source = text(row, 2)?;
    Ok(Lot {
        id: row.get(0)?,
        asset: Asset::parse(asset).ok_or_else(|| bad("asset", asset))?,
        source: Source::parse(source).ok_or_else(|| bad("source", source))?,
        granted: amount(row, 3)?,
        remaining: amount(row, 4)?,
        granted_at: instant(row.get(5)?)?,
        expires_at: instant(row.get(6)?)?,
        subscription_id: row.get(7)?,
    })
}

/// The columns [`subscription`] reads (prefixed with a table alias when
/// one is given), as a literal like [`lot_columns`].
macro_rules! subscription_columns {
    () => {
        subscription_columns!("")
    };
    ($t:literal) => {
        concat!(
            $t,
            "id, ",
            $t,
            "plan, ",
            $t,
            "interval_months, ",
            $t,
            "licenses_per_month, ",
            $t,
            "credits_per_month, ",
            $t,
            "license_bonus_credits, ",
            $t,
            "rollover_cap_months, ",
            $t,
            "price_cents, ",
            $t,
            "currency, ",
            $t,
            "anchor, ",
            $t,
            "deliveries, ",
            $t,
            "periods, ",
            $t,
            "status, ",
            $t,
            "ended_at"
        )
    };
}

fn subscription(row: &Row<'_>) -> rusqlite::Result<Subscription> {
    let status: String = row.get(12)?;
    Ok(Subscription {
        id: row.get(0)?,
        plan: row.get(1)?,
        terms: Terms {
            interval_months: row.get(2)?,
            licenses_per_month: amount(row, 3)?,
            credits_per_month: amount(row, 4)?,
            license_bonus_credits: amount(row, 5)?,
            rollover_cap_months: row.get(6)?,
            price_cents: row.get(7)?,
            currency: row.get(8)?,
        },
        anchor: instant(row.get(9)?)?,
        deliveries: row.get(10)?,
        periods: row.get(11)?,
        status: SubscriptionStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
        ended_at: row.get::<_, Option<i64>>(13)?.map(instant).transpose()?,
    })
}

impl Db<'_> {
    /// Whether the wallet's schema has corrections (schema 5): a read of an
    /// older wallet, which reads never upgrade, finds no reasons and no voids.
    pub(super) fn has_corrections(&self) -> anyhow::Result<bool> {
        let version: i64 = self
            .conn
            .prepare_cached("PRAGMA user_version")?
            .query_row([], |r| r.get(0))?;
        Ok(version >= 5)
    }

    pub fn clock(&self) -> anyhow::Result<Instant> {
        if let Some(at) = self.memo.and_then(|m| m.clock.get()) {
            return Ok(at);
        }
        let secs: i64 = self
            .conn
            .prepare_cached("SELECT clock FROM wallet WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .context("the wallet has no clock row; it is damaged")?;
        let at = instant(secs)?;
        if let Some(memo) = self.memo {
            memo.clock.set(Some(at));
        }
        Ok(at)
    }

    /// True while nothing has happened: no account and no operation.
    pub fn is_empty(&self) -> anyhow::Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT NOT EXISTS (SELECT 1 FROM accounts) AND NOT EXISTS (SELECT 1 FROM operations)")?
            .query_row([], |r| r.get(0))?)
    }

    /// (request, human output, JSON output) stored under an idempotency key.
    pub fn idempotency_key(&self, key: &str) -> anyhow::Result<Option<(String, String, String)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT request, human, json FROM idempotency_keys WHERE key = ?1")?
            .query_row([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?)
    }

    pub fn account_id(&self, handle: &str) -> anyhow::Result<Option<i64>> {
        if let Some(id) = self.memo.and_then(|m| m.accounts.borrow().get(handle).copied()) {
            return Ok(Some(id));
        }
        let id = self
            .conn
            .prepare_cached("SELECT id FROM accounts WHERE handle = ?1")?
            .query_row([handle], |r| r.get(0))
            .optional()?;
        if let (Some(memo), Some(id)) = (self.memo, id) {
            memo.remember_account(handle, id);
        }
        Ok(id)
    }

    /// Every account with its totals, by handle, handed to `each` one at a
    /// time (nothing holds them all): now, or as they stood at `as_of` (from
    /// the ledger, through each account's operations).
    pub fn each_account(
        &self,
        as_of: Option<Instant>,
        mut each: impl FnMut(AccountSummary) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let (sql, at) = match as_of {
            None => (
                "SELECT a.id, a.handle, a.created_at,
                        (SELECT coalesce(sum(remaining), 0) FROM lots WHERE account_id = a.id AND remaining > 0 AND asset = 'credits'),
                        (SELECT coalesce(sum(remaining), 0) FROM lots WHERE account_id = a.id AND remaining > 0 AND asset = 'licenses')
                 FROM accounts a ORDER BY a.handle",
                None,
            ),
            // Summed lot by lot: a lot's entries sum within 0..=granted in any
            // order, and its remainders add up to a total the holding limit
            // bounds, whereas the account's entries summed in an arbitrary
            // order could pass through everything it was ever granted.
            Some(at) => (
                "SELECT a.id, a.handle, a.created_at,
                        (SELECT coalesce(sum(held), 0) FROM
                           (SELECT sum(e.delta) AS held FROM operations o JOIN ledger e ON e.operation_id = o.id
                            WHERE o.account_id = a.id AND o.at <= ?1 AND e.asset = 'credits' GROUP BY e.lot_id)),
                        (SELECT coalesce(sum(held), 0) FROM
                           (SELECT sum(e.delta) AS held FROM operations o JOIN ledger e ON e.operation_id = o.id
                            WHERE o.account_id = a.id AND o.at <= ?1 AND e.asset = 'licenses' GROUP BY e.lot_id))
                 FROM accounts a WHERE a.created_at <= ?1 ORDER BY a.handle",
                Some(clock::to_unix(at)),
            ),
        };
        let mut stmt = self.conn.prepare(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(at))?;
        while let Some(r) = rows.next()? {
            each(AccountSummary {
                id: r.get(0)?,
                handle: r.get(1)?,
                created_at: instant(r.get(2)?)?,
                held: Totals {
                    credits: amount(r, 3)?,
                    licenses: amount(r, 4)?,
                },
            })?;
        }
        Ok(())
    }

    /// Account handles starting with `prefix`, for completion.
    pub fn handles_with_prefix(&self, prefix: &str, limit: u32) -> anyhow::Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT handle FROM accounts WHERE substr(handle, 1, length(?1)) = ?1 ORDER BY handle LIMIT ?2")?;
        let rows = stmt.query_map(params![prefix, limit], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The account's lots that still hold something, in id order.
    pub fn live_lots(&self, account_id: i64) -> anyhow::Result<Vec<Lot>> {
        crate::store::memo::live_lots(self.memo, account_id, || self.query_live_lots(account_id))
    }

    pub(super) fn query_live_lots(&self, account_id: i64) -> anyhow::Result<Vec<Lot>> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            lot_columns!(),
            " FROM lots WHERE account_id = ?1 AND remaining > 0 ORDER BY id"
        ))?;
        let rows = stmt.query_map([account_id], lot)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The lots of one of the account's subscriptions that still hold
    /// something, in id order: the live lots filtered, so that a write's or
    /// batch's memory answers it too.
    pub fn subscription_lots(&self, account_id: i64, subscription_id: i64) -> anyhow::Result<Vec<Lot>> {
        let mut lots = self.live_lots(account_id)?;
        lots.retain(|l| l.subscription_id == Some(subscription_id));
        Ok(lots)
    }

    /// The account's lots as they stood at `at`, from the ledger: remaining is
    /// the sum of the lot's entries up to and including `at`.
    pub fn lots_as_of(&self, account_id: i64, at: Instant) -> anyhow::Result<Vec<Lot>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT l.id, l.asset, l.source, l.granted, sum(e.delta), l.granted_at, l.expires_at, l.subscription_id
             FROM operations o JOIN ledger e ON e.operation_id = o.id JOIN lots l ON l.id = e.lot_id
             WHERE o.account_id = ?1 AND o.at <= ?2
             GROUP BY l.id HAVING sum(e.delta) > 0 ORDER BY l.id",
        )?;
        let rows = stmt.query_map(params![account_id, clock::to_unix(at)], lot)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The account's latest subscription (running or ended), if any.
    pub fn latest_subscription(&self, account_id: i64) -> anyhow::Result<Option<Subscription>> {
        Ok(self
            .conn
            .prepare_cached(concat!(
                "SELECT ",
                subscription_columns!(),
                " FROM subscriptions WHERE account_id = ?1 ORDER BY id DESC LIMIT 1"
            ))?
            .query_row([account_id], subscription)
            .optional()?)
    }

    /// The subscription that had started by `at`, as it stood then.
    pub fn subscription_as_of(&self, account_id: i64, at: Instant) -> anyhow::Result<Option<Subscription>> {
        let Some(sub) = self
            .conn
            .prepare_cached(concat!(
                "SELECT ",
                subscription_columns!(),
                " FROM subscriptions WHERE account_id = ?1 AND anchor <= ?2 ORDER BY id DESC LIMIT 1"
            ))?
            .query_row(params![account_id, clock::to_unix(at)], subscription)
            .optional()?
        else {
            return Ok(None);
        };
        let last_toggle: Option<OperationKind> = self
            .conn
            .prepare_cached(
                "SELECT kind FROM operations WHERE account_id = ?1 AND at <= ?2 AND kind IN (?3, ?4, ?5)
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(
                params![
                    account_id,
                    clock::to_unix(at),
                    OperationKind::Cancel.as_str(),
                    OperationKind::Resume.as_str(),
                    OperationKind::Subscribe.as_str()
                ],
                |r| operation_kind(r, 0),
            )
            .optional()?;
        Ok(Some(sub.as_of(at, last_toggle == Some(OperationKind::Cancel))))
    }

    pub fn style_names(&self, account_id: i64) -> anyhow::Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name FROM styles WHERE account_id = ?1 ORDER BY name")?;
        let rows = stmt.query_map([account_id], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The next free image number (`img-N`), across the whole wallet.
    pub fn next_image_number(&self) -> anyhow::Result<i64> {
        if let Some(next) = self.memo.and_then(|m| m.next_image.get()) {
            return Ok(next);
        }
        let max: i64 = self
            .conn
            .prepare_cached("SELECT coalesce(max(id), 0) FROM images")?
            .query_row([], |r| r.get(0))?;
        let next = max
            .checked_add(1)
            .ok_or_else(|| anyhow!("image numbers are exhausted"))?;
        if let Some(memo) = self.memo {
            memo.next_image.set(Some(next));
        }
        Ok(next)
    }

    fn image_from_row(row: &Row<'_>) -> rusqlite::Result<(Image, Option<Instant>)> {
        let kind: String = row.get(1)?;
        let name: Option<String> = row.get(2)?;
        let licensed_at = row.get::<_, Option<i64>>(4)?.map(instant).transpose()?;
        Ok((
            Image {
                number: row.get(0)?,
                style: Style::from_parts(&kind, name.as_deref()).ok_or_else(|| bad("style", &kind))?,
                created_at: instant(row.get(3)?)?,
                licensed: licensed_at.is_some(),
            },
            licensed_at,
        ))
    }

    /// One image, only if it belongs to the account.
    pub fn image(&self, account_id: i64, number: i64) -> anyhow::Result<Option<Image>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, style_kind, style_name, created_at, licensed_at FROM images WHERE account_id = ?1 AND id = ?2",
            )?
            .query_row(params![account_id, number], Self::image_from_row)
            .optional()?
            .map(|(image, _)| image))
    }

    /// The account's images with their edits, in creation order.
    pub fn images(&self, account_id: i64) -> anyhow::Result<Vec<ImageRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.id, i.style_kind, i.style_name, i.created_at, i.licensed_at
             FROM operations o JOIN images i ON i.operation_id = o.id WHERE o.account_id = ?1 ORDER BY i.id",
        )?;
        let images: Vec<(Image, Option<Instant>)> = stmt
            .query_map([account_id], Self::image_from_row)?
            .collect::<Result<_, _>>()?;
        let mut edits_stmt = self
            .conn
            .prepare_cached("SELECT op, credits, at FROM edits WHERE image_id = ?1 ORDER BY id")?;
        let mut out = Vec::with_capacity(images.len());
        for (image, licensed_at) in images {
            let edits = edits_stmt
                .query_map([image.number], |r| {
                    Ok(EditRecord {
                        op: r.get(0)?,
                        credits: amount(r, 1)?,
                        at: instant(r.get(2)?)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            out.push(ImageRecord {
                image,
                licensed_at,
                edits,
            });
        }
        Ok(out)
    }

    /// One account's images counted.
    pub fn images_summary(&self, account_id: i64) -> anyhow::Result<ImagesSummary> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT count(*),
                    count(i.licensed_at),
                    count(*) FILTER (WHERE i.style_kind IN ('private', 'artist') AND i.licensed_at IS NULL)
             FROM operations o JOIN images i ON i.operation_id = o.id WHERE o.account_id = ?1",
            )?
            .query_row([account_id], |r| {
                Ok(ImagesSummary {
                    count: amount(r, 0)?,
                    licensed: amount(r, 1)?,
                    needing_license: amount(r, 2)?,
                })
            })?)
    }

    /// Image ids of one account starting with `prefix`, for completion.
    pub fn image_ids_with_prefix(&self, account_id: i64, prefix: &str, limit: u32) -> anyhow::Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT 'img-' || i.id FROM operations o JOIN images i ON i.operation_id = o.id
             WHERE o.account_id = ?1 AND substr('img-' || i.id, 1, length(?2)) = ?2 ORDER BY i.id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![account_id, prefix, limit], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The last `count` operations of the account with their ledger entries,
    /// in order, read from the end of its indexes.
    pub fn history_tail(&self, account_id: i64, count: u32) -> anyhow::Result<Vec<HistoryLine>> {
        let oldest: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT id FROM (SELECT id FROM operations WHERE account_id = ?1 ORDER BY id DESC LIMIT ?2)
                 ORDER BY id LIMIT 1",
            )?
            .query_row(params![account_id, count], |r| r.get(0))
            .optional()?;
        let Some(first_op) = oldest else {
            return Ok(Vec::new());
        };
        self.history_rows(account_id, first_op)
    }

    /// Every operation of the account with its ledger entries, in order:
    /// both read through the account's operations and merged (entry ids
    /// grow with operation ids), never joined across the whole ledger.
    pub fn history(&self, account_id: i64) -> anyhow::Result<Vec<HistoryLine>> {
        self.history_rows(account_id, i64::MIN)
    }

    /// The account's operations from `first_op` on with their entries,
    /// merged in order.
    fn history_rows(&self, account_id: i64, first_op: i64) -> anyhow::Result<Vec<HistoryLine>> {
        let mut entries_stmt = self.conn.prepare_cached(
            "SELECT e.operation_id, e.lot_id, e.asset, e.delta, e.reason, e.note
             FROM operations o JOIN ledger e ON e.operation_id = o.id
             WHERE o.account_id = ?1 AND o.id >= ?2 ORDER BY e.id",
        )?;
        let entries: Vec<(i64, LedgerEntry)> = entries_stmt
            .query_map(params![account_id, first_op], |r| {
                let asset: String = r.get(2)?;
                Ok((
                    r.get(0)?,
                    LedgerEntry {
                        lot_id: r.get(1)?,
                        asset: Asset::parse(&asset).ok_or_else(|| bad("asset", &asset))?,
                        delta: r.get(3)?,
                        reason: r.get(4)?,
                        note: r.get(5)?,
                    },
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut ops_stmt = self.conn.prepare_cached(if self.has_corrections()? {
            "SELECT o.id, o.at, o.kind, o.summary, o.actor, o.reason, o.voids, v.id, v.reason
             FROM operations o LEFT JOIN operations v ON v.voids = o.id
             WHERE o.account_id = ?1 AND o.id >= ?2 ORDER BY o.id"
        } else {
            "SELECT o.id, o.at, o.kind, o.summary, o.actor, NULL, NULL, NULL, NULL
             FROM operations o WHERE o.account_id = ?1 AND o.id >= ?2 ORDER BY o.id"
        })?;
        let ops = ops_stmt.query_map(params![account_id, first_op], |r| {
            Ok(HistoryLine {
                operation_id: r.get(0)?,
                at: instant(r.get(1)?)?,
                kind: operation_kind(r, 2)?,
                summary: r.get(3)?,
                actor: r.get(4)?,
                corrected: corrected(r, 5)?,
                entry: None,
            })
        })?;
        Ok(merged(ops, entries)?)
    }

    /// The earliest clock event due at or before `until`: a one-time lot's
    /// expiry or a running subscription's next delivery or period end. As on
    /// a server, a lot's expiry is looked for from the wallet's clock on (one
    /// before it has fired: `verify` checks it).
    pub fn next_due(&self, until: Instant) -> anyhow::Result<Option<Instant>> {
        let secs: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT min(t) FROM (
                 SELECT min(expires_at) AS t FROM lots WHERE remaining > 0 AND subscription_id IS NULL
                   AND expires_at >= (SELECT clock FROM wallet)
                 UNION ALL
                 SELECT min(next_event_at) FROM subscriptions WHERE next_event_at IS NOT NULL)",
            )?
            .query_row([], |r| r.get(0))?;
        Ok(secs.filter(|s| *s <= clock::to_unix(until)).map(instant).transpose()?)
    }

    /// One-time lots' expiries at or before `until`: each instant with an
    /// account that has a lot expiring then, soonest first (then by account),
    /// at most `limit`.
    pub fn lot_expiries_by(&self, until: Instant, limit: u32) -> anyhow::Result<Vec<(Instant, i64, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT l.expires_at, a.id, a.handle FROM lots l JOIN accounts a ON a.id = l.account_id
             WHERE l.remaining > 0 AND l.subscription_id IS NULL AND l.expires_at <= ?1
               AND l.expires_at >= (SELECT clock FROM wallet)
             ORDER BY l.expires_at, a.id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![clock::to_unix(until), limit], |r| {
            Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?))
        })?;
        rows.map(|r| {
            let (at, account, handle) = r?;
            Ok((instant(at)?, account, handle))
        })
        .collect()
    }

    /// Running subscriptions whose next event falls at or before `until`,
    /// with their account id and handle, soonest first (then by id), at most
    /// `limit` (SPEC §8).
    pub fn subscriptions_due_by(&self, until: Instant, limit: u32) -> anyhow::Result<Vec<(i64, String, Subscription)>> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            subscription_columns!("s."),
            ", s.account_id, a.handle FROM subscriptions s JOIN accounts a ON a.id = s.account_id
             WHERE s.next_event_at <= ?1 ORDER BY s.next_event_at, s.id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![clock::to_unix(until), limit], |r| {
            Ok((r.get(14)?, r.get(15)?, subscription(r)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::clock::at;
    use crate::rules::{Change, OperationKind};
    use crate::store::Location;
    use crate::store::sqlite::Store;

    #[test]
    fn a_stored_operation_kind_is_read_back_and_unknown_text_is_an_error() {
        let t0 = at("2026-01-01T00:00:00Z");
        let mut store = Store::open(&Location::Memory, t0).expect("open");
        let (account, rows) = store
            .write(|db| -> anyhow::Result<_> {
                let account = db.create_account("ann", t0)?;
                let cancel = Change {
                    kind: OperationKind::Cancel,
                    summary: "cancelled".to_owned(),
                    correction: None,
                    effects: Vec::new(),
                };
                db.record(account, t0, &cancel, None)?;
                Ok((account, db.history(account)?))
            })
            .expect("history");
        assert_eq!(rows.iter().map(|r| r.kind).collect::<Vec<_>>(), [OperationKind::Cancel]);
        let unknown = store.write(|db| -> anyhow::Result<_> {
            db.execute(
                "INSERT INTO operations (account_id, at, kind, summary) VALUES (?1, 0, 'cancelled', 'x')",
                &[&account],
            )?;
            db.history(account)
        });
        let err = format!("{:#}", unknown.expect_err("unknown kind"));
        assert!(err.contains("unknown operation kind 'cancelled'"), "{err}");
    }
}
