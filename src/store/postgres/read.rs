//! Queries: the clock, one account's rows, due clock events, history, as
//! the domain's types. Each runs after the pending writes are sent, so it
//! sees them. Every query is indexed by the account or by the due instant.

use anyhow::{Context, anyhow};
use postgres::Row;
use postgres::types::Type;

use crate::rules::clock::{self, Instant};
use crate::rules::{
    AccountSummary, Asset, Corrected, EditRecord, HistoryLine, Image, ImageRecord, ImagesSummary, LedgerEntry, Lot,
    OperationKind, Source, Style, Subscription, SubscriptionStatus, Terms, Totals,
};
use crate::store::history::merged;

use super::Tx;

pub(super) fn instant(secs: i64) -> anyhow::Result<Instant> {
    clock::from_unix(secs).ok_or_else(|| anyhow!("instant {secs} out of range"))
}

pub(super) fn int(row: &Row, idx: usize) -> anyhow::Result<i64> {
    Ok(row.try_get(idx)?)
}

fn amount(row: &Row, idx: usize) -> anyhow::Result<u64> {
    let v = int(row, idx)?;
    u64::try_from(v).map_err(|_| anyhow!("amount {v} out of range"))
}

pub(super) fn text(row: &Row, idx: usize) -> anyhow::Result<String> {
    Ok(row.try_get(idx)?)
}

pub(super) fn opt_int(row: &Row, idx: usize) -> anyhow::Result<Option<i64>> {
    Ok(row.try_get(idx)?)
}

pub(super) fn opt_text(row: &Row, idx: usize) -> anyhow::Result<Option<String>> {
    Ok(row.try_get(idx)?)
}

pub(super) fn operation_kind(row: &Row, idx: usize) -> anyhow::Result<OperationKind> {
    OperationKind::parse(&text(row, idx)?).map_err(|e| anyhow!("{e}"))
}

/// What an operation says about corrections, from four columns from `idx`
/// on: its reason, what it voids, and the id and reason of its void.
pub(super) fn corrected(row: &Row, idx: usize) -> anyhow::Result<Corrected> {
    Ok(Corrected {
        reason: opt_text(row, idx)?,
        voids: opt_int(row, idx + 1)?,
        voided_by: opt_int(row, idx + 2)?
            .map(|id| opt_text(row, idx + 3).map(|reason| (id, reason)))
            .transpose()?,
    })
}

/// Accounts whose live lots one query reads ahead.
const READ_AHEAD_ACCOUNTS: usize = 1024;

pub(super) const LOT_COLUMNS: &str = "id, asset, source, granted, remaining, granted_at, expires_at, subscription_id";

pub(super) fn lot(row: &Row) -> anyhow::Result<Lot> {
    let asset = text(row, 1)?;
    let source = text(row, 2)?;
    Ok(Lot {
        id: int(row, 0)?,
        asset: Asset::parse(&asset).ok_or_else(|| anyhow!("unknown asset '{asset}'"))?,
        source: Source::parse(&source).ok_or_else(|| anyhow!("unknown source '{source}'"))?,
        granted: amount(row, 3)?,
        remaining: amount(row, 4)?,
        granted_at: instant(int(row, 5)?)?,
        expires_at: instant(int(row, 6)?)?,
        subscription_id: opt_int(row, 7)?,
    })
}

const SUBSCRIPTION_COLUMNS: &str = "s.id, s.plan, s.interval_months, s.licenses_per_month, s.credits_per_month,
    s.license_bonus_credits, s.rollover_cap_months, s.price_cents, s.currency, s.anchor, s.deliveries, s.periods,
    s.status, s.ended_at";

fn subscription(row: &Row) -> anyhow::Result<Subscription> {
    let status = text(row, 12)?;
    let small = |idx: usize| -> anyhow::Result<u32> {
        let v = int(row, idx)?;
        u32::try_from(v).map_err(|_| anyhow!("count {v} out of range"))
    };
    Ok(Subscription {
        id: int(row, 0)?,
        plan: text(row, 1)?,
        terms: Terms {
            interval_months: small(2)?,
            licenses_per_month: amount(row, 3)?,
            credits_per_month: amount(row, 4)?,
            license_bonus_credits: amount(row, 5)?,
            rollover_cap_months: opt_int(row, 6)?
                .map(|v| u32::try_from(v).map_err(|_| anyhow!("rollover cap {v} out of range")))
                .transpose()?,
            price_cents: int(row, 7)?,
            currency: text(row, 8)?,
        },
        anchor: instant(int(row, 9)?)?,
        deliveries: small(10)?,
        periods: small(11)?,
        status: SubscriptionStatus::parse(&status).ok_or_else(|| anyhow!("unknown status '{status}'"))?,
        ended_at: opt_int(row, 13)?.map(instant).transpose()?,
    })
}

fn image(row: &Row) -> anyhow::Result<(Image, Option<Instant>)> {
    let kind = text(row, 1)?;
    let name = opt_text(row, 2)?;
    let licensed_at = opt_int(row, 4)?.map(instant).transpose()?;
    Ok((
        Image {
            number: int(row, 0)?,
            style: Style::from_parts(&kind, name.as_deref()).ok_or_else(|| anyhow!("unknown style '{kind}'"))?,
            created_at: instant(int(row, 3)?)?,
            licensed: licensed_at.is_some(),
        },
        licensed_at,
    ))
}

impl Tx<'_> {
    fn rows(&self, sql: &str, params: &[super::transaction::Param<'_>]) -> anyhow::Result<Vec<Row>> {
        self.conn.query(sql, params)
    }

    pub fn clock(&self) -> anyhow::Result<Instant> {
        if let Some(at) = self.memo.and_then(|m| m.clock.get()) {
            return Ok(at);
        }
        let rows = self.rows("SELECT clock FROM wallet WHERE id = 1", &[])?;
        let row = rows.first().context("the wallet has no clock row; it is damaged")?;
        let at = instant(int(row, 0)?)?;
        if let Some(memo) = self.memo {
            memo.clock.set(Some(at));
        }
        Ok(at)
    }

    pub fn is_empty(&self) -> anyhow::Result<bool> {
        let rows = self.rows(
            "SELECT NOT EXISTS (SELECT 1 FROM accounts) AND NOT EXISTS (SELECT 1 FROM operations)",
            &[],
        )?;
        Ok(rows.first().map(|r| r.try_get(0)).transpose()?.unwrap_or(true))
    }

    pub fn idempotency_key(&self, key: &str) -> anyhow::Result<Option<(String, String, String)>> {
        let rows = self.rows(
            "SELECT request, human, json FROM idempotency_keys WHERE key = $1",
            &[(&key, Type::TEXT)],
        )?;
        rows.first()
            .map(|r| Ok((text(r, 0)?, text(r, 1)?, text(r, 2)?)))
            .transpose()
    }

    pub fn account_id(&self, handle: &str) -> anyhow::Result<Option<i64>> {
        if let Some(id) = self.memo.and_then(|m| m.accounts.borrow().get(handle).copied()) {
            return Ok(Some(id));
        }
        let rows = self.rows("SELECT id FROM accounts WHERE handle = $1", &[(&handle, Type::TEXT)])?;
        let id = rows.first().map(|r| int(r, 0)).transpose()?;
        if let (Some(memo), Some(id)) = (self.memo, id) {
            memo.remember_account(handle, id);
        }
        Ok(id)
    }

    /// Every account with its totals, by handle, handed to `each` one at a
    /// time, read from the server a page at a time (nothing holds them all).
    pub fn each_account(
        &self,
        as_of: Option<Instant>,
        mut each: impl FnMut(AccountSummary) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        const PAGE: i64 = 1000;
        let mut after = String::new();
        loop {
            let rows = match as_of {
                None => self.rows(
                    "SELECT a.id, a.handle, a.created_at,
                        (SELECT coalesce(sum(remaining), 0)::bigint FROM lots WHERE account_id = a.id AND remaining > 0 AND asset = 'credits'),
                        (SELECT coalesce(sum(remaining), 0)::bigint FROM lots WHERE account_id = a.id AND remaining > 0 AND asset = 'licenses')
                     FROM accounts a WHERE a.handle > $1 ORDER BY a.handle LIMIT $2",
                    &[(&after, Type::TEXT), (&PAGE, Type::INT8)],
                )?,
                // Summed lot by lot, as a wallet file does (see there).
                Some(at) => self.rows(
                    "SELECT a.id, a.handle, a.created_at,
                        (SELECT coalesce(sum(held), 0)::bigint FROM
                           (SELECT sum(e.delta) AS held FROM operations o JOIN ledger e ON e.operation_id = o.id
                            WHERE o.account_id = a.id AND o.at <= $3 AND e.asset = 'credits' GROUP BY e.lot_id) c),
                        (SELECT coalesce(sum(held), 0)::bigint FROM
                           (SELECT sum(e.delta) AS held FROM operations o JOIN ledger e ON e.operation_id = o.id
                            WHERE o.account_id = a.id AND o.at <= $3 AND e.asset = 'licenses' GROUP BY e.lot_id) l)
                     FROM accounts a WHERE a.created_at <= $3 AND a.handle > $1 ORDER BY a.handle LIMIT $2",
                    &[
                        (&after, Type::TEXT),
                        (&PAGE, Type::INT8),
                        (&clock::to_unix(at), Type::INT8),
                    ],
                )?,
            };
            let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) >= PAGE;
            for r in &rows {
                let summary = AccountSummary {
                    id: int(r, 0)?,
                    handle: text(r, 1)?,
                    created_at: instant(int(r, 2)?)?,
                    held: Totals {
                        credits: amount(r, 3)?,
                        licenses: amount(r, 4)?,
                    },
                };
                after.clone_from(&summary.handle);
                each(summary)?;
            }
            if !full {
                return Ok(());
            }
        }
    }

    pub fn handles_with_prefix(&self, prefix: &str, limit: u32) -> anyhow::Result<Vec<String>> {
        let rows = self.rows(
            "SELECT handle FROM accounts WHERE substr(handle, 1, length($1)) = $1 ORDER BY handle LIMIT $2",
            &[(&prefix, Type::TEXT), (&i64::from(limit), Type::INT8)],
        )?;
        rows.iter().map(|r| text(r, 0)).collect()
    }

    pub fn live_lots(&self, account_id: i64) -> anyhow::Result<Vec<Lot>> {
        crate::store::memo::live_lots(self.memo, account_id, || self.query_live_lots(account_id))
    }

    fn query_live_lots(&self, account_id: i64) -> anyhow::Result<Vec<Lot>> {
        let rows = self.rows(
            &format!("SELECT {LOT_COLUMNS} FROM lots WHERE account_id = $1 AND remaining > 0 ORDER BY id"),
            &[(&account_id, Type::INT8)],
        )?;
        rows.iter().map(lot).collect()
    }

    pub fn subscription_lots(&self, account_id: i64, subscription_id: i64) -> anyhow::Result<Vec<Lot>> {
        let mut lots = self.live_lots(account_id)?;
        lots.retain(|l| l.subscription_id == Some(subscription_id));
        Ok(lots)
    }

    pub fn lots_as_of(&self, account_id: i64, at: Instant) -> anyhow::Result<Vec<Lot>> {
        let rows = self.rows(
            "SELECT l.id, l.asset, l.source, l.granted, sum(e.delta)::bigint, l.granted_at, l.expires_at, l.subscription_id
             FROM operations o JOIN ledger e ON e.operation_id = o.id JOIN lots l ON l.id = e.lot_id
             WHERE o.account_id = $1 AND o.at <= $2
             GROUP BY l.id HAVING sum(e.delta) > 0 ORDER BY l.id",
            &[(&account_id, Type::INT8), (&clock::to_unix(at), Type::INT8)],
        )?;
        rows.iter().map(lot).collect()
    }

    pub fn latest_subscription(&self, account_id: i64) -> anyhow::Result<Option<Subscription>> {
        let rows = self.rows(
            &format!(
                "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions s WHERE s.account_id = $1 ORDER BY s.id DESC LIMIT 1"
            ),
            &[(&account_id, Type::INT8)],
        )?;
        rows.first().map(subscription).transpose()
    }

    pub fn subscription_as_of(&self, account_id: i64, at: Instant) -> anyhow::Result<Option<Subscription>> {
        let t = clock::to_unix(at);
        let rows = self.rows(
            &format!(
                "SELECT {SUBSCRIPTION_COLUMNS},
                    (SELECT kind FROM operations WHERE account_id = $1 AND at <= $2 AND kind IN ($3, $4, $5)
                     ORDER BY id DESC LIMIT 1)
                 FROM subscriptions s WHERE s.account_id = $1 AND s.anchor <= $2 ORDER BY s.id DESC LIMIT 1"
            ),
            &[
                (&account_id, Type::INT8),
                (&t, Type::INT8),
                (&OperationKind::Cancel.as_str(), Type::TEXT),
                (&OperationKind::Resume.as_str(), Type::TEXT),
                (&OperationKind::Subscribe.as_str(), Type::TEXT),
            ],
        )?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let last_toggle = opt_text(row, 14)?
            .map(|k| OperationKind::parse(&k).map_err(|e| anyhow!("{e}")))
            .transpose()?;
        Ok(Some(
            subscription(row)?.as_of(at, last_toggle == Some(OperationKind::Cancel)),
        ))
    }

    pub fn style_names(&self, account_id: i64) -> anyhow::Result<Vec<String>> {
        let rows = self.rows(
            "SELECT name FROM styles WHERE account_id = $1 ORDER BY name",
            &[(&account_id, Type::INT8)],
        )?;
        rows.iter().map(|r| text(r, 0)).collect()
    }

    pub fn next_image_number(&self) -> anyhow::Result<i64> {
        if let Some(next) = self.memo.and_then(|m| m.next_image.get()) {
            return Ok(next);
        }
        let rows = self.rows("SELECT coalesce(max(id), 0) FROM images", &[])?;
        let max = rows.first().map(|r| int(r, 0)).transpose()?.unwrap_or(0);
        let next = max
            .checked_add(1)
            .ok_or_else(|| anyhow!("image numbers are exhausted"))?;
        if let Some(memo) = self.memo {
            memo.next_image.set(Some(next));
        }
        Ok(next)
    }

    pub fn image(&self, account_id: i64, number: i64) -> anyhow::Result<Option<Image>> {
        let rows = self.rows(
            "SELECT id, style_kind, style_name, created_at, licensed_at FROM images WHERE account_id = $1 AND id = $2",
            &[(&account_id, Type::INT8), (&number, Type::INT8)],
        )?;
        Ok(rows.first().map(image).transpose()?.map(|(image, _)| image))
    }

    pub fn images(&self, account_id: i64) -> anyhow::Result<Vec<ImageRecord>> {
        let images = self.rows(
            "SELECT i.id, i.style_kind, i.style_name, i.created_at, i.licensed_at
             FROM operations o JOIN images i ON i.operation_id = o.id WHERE o.account_id = $1 ORDER BY i.id",
            &[(&account_id, Type::INT8)],
        )?;
        let edits = self.rows(
            "SELECT d.image_id, d.op, d.credits, d.at
             FROM operations o JOIN images i ON i.operation_id = o.id JOIN edits d ON d.image_id = i.id
             WHERE o.account_id = $1 ORDER BY d.image_id, d.id",
            &[(&account_id, Type::INT8)],
        )?;
        let mut edits = edits.iter().peekable();
        let mut out = Vec::with_capacity(images.len());
        for row in &images {
            let (image, licensed_at) = image(row)?;
            let mut its = Vec::new();
            while let Some(e) = edits.next_if(|e| int(e, 0).ok() == Some(image.number)) {
                its.push(EditRecord {
                    op: text(e, 1)?,
                    credits: amount(e, 2)?,
                    at: instant(int(e, 3)?)?,
                });
            }
            out.push(ImageRecord {
                image,
                licensed_at,
                edits: its,
            });
        }
        Ok(out)
    }

    pub fn images_summary(&self, account_id: i64) -> anyhow::Result<ImagesSummary> {
        let rows = self.rows(
            "SELECT count(*), count(i.licensed_at),
                    count(*) FILTER (WHERE i.style_kind IN ('private', 'artist') AND i.licensed_at IS NULL)
             FROM operations o JOIN images i ON i.operation_id = o.id WHERE o.account_id = $1",
            &[(&account_id, Type::INT8)],
        )?;
        let r = rows.first().ok_or_else(|| anyhow!("no image count"))?;
        Ok(ImagesSummary {
            count: amount(r, 0)?,
            licensed: amount(r, 1)?,
            needing_license: amount(r, 2)?,
        })
    }

    pub fn image_ids_with_prefix(&self, account_id: i64, prefix: &str, limit: u32) -> anyhow::Result<Vec<String>> {
        let rows = self.rows(
            "SELECT 'img-' || i.id FROM operations o JOIN images i ON i.operation_id = o.id
             WHERE o.account_id = $1 AND substr('img-' || i.id, 1, length($2)) = $2 ORDER BY i.id LIMIT $3",
            &[
                (&account_id, Type::INT8),
                (&prefix, Type::TEXT),
                (&i64::from(limit), Type::INT8),
            ],
        )?;
        rows.iter().map(|r| text(r, 0)).collect()
    }

    pub fn history_tail(&self, account_id: i64, count: u32) -> anyhow::Result<Vec<HistoryLine>> {
        let rows = self.rows(
            "SELECT min(id) FROM (SELECT id FROM operations WHERE account_id = $1 ORDER BY id DESC LIMIT $2) t",
            &[(&account_id, Type::INT8), (&i64::from(count), Type::INT8)],
        )?;
        match rows.first().map(|r| opt_int(r, 0)).transpose()?.flatten() {
            Some(first) => self.history_rows(account_id, first),
            None => Ok(Vec::new()),
        }
    }

    pub fn history(&self, account_id: i64) -> anyhow::Result<Vec<HistoryLine>> {
        self.history_rows(account_id, i64::MIN)
    }

    fn history_rows(&self, account_id: i64, first_op: i64) -> anyhow::Result<Vec<HistoryLine>> {
        let params: &[super::transaction::Param<'_>] = &[(&account_id, Type::INT8), (&first_op, Type::INT8)];
        let entries = self.rows(
            "SELECT e.operation_id, e.lot_id, e.asset, e.delta, e.reason, e.note
             FROM operations o JOIN ledger e ON e.operation_id = o.id
             WHERE o.account_id = $1 AND o.id >= $2 ORDER BY e.id",
            params,
        )?;
        let entries = entries
            .iter()
            .map(|r| {
                let asset = text(r, 2)?;
                Ok((
                    int(r, 0)?,
                    LedgerEntry {
                        lot_id: int(r, 1)?,
                        asset: Asset::parse(&asset).ok_or_else(|| anyhow!("unknown asset '{asset}'"))?,
                        delta: int(r, 3)?,
                        reason: text(r, 4)?,
                        note: opt_text(r, 5)?,
                    },
                ))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let ops = self.rows(
            "SELECT o.id, o.at, o.kind, o.summary, o.actor, o.reason, o.voids, v.id, v.reason
             FROM operations o LEFT JOIN operations v ON v.voids = o.id
             WHERE o.account_id = $1 AND o.id >= $2 ORDER BY o.id",
            params,
        )?;
        let ops = ops.iter().map(|r| {
            Ok(HistoryLine {
                operation_id: int(r, 0)?,
                at: instant(int(r, 1)?)?,
                kind: operation_kind(r, 2)?,
                summary: text(r, 3)?,
                actor: opt_text(r, 4)?,
                corrected: corrected(r, 5)?,
                entry: None,
            })
        });
        merged(ops, entries)
    }

    /// The earliest clock event due at or before `until`. A one-time lot's
    /// expiry is looked for from the wallet's clock on: one before it has
    /// fired (`verify` checks it), and the index of expiries also holds the
    /// lots spent since (see migration 3).
    pub fn next_due(&self, until: Instant) -> anyhow::Result<Option<Instant>> {
        let rows = self.rows(
            "SELECT least(
                (SELECT min(expires_at) FROM lots
                 WHERE remaining > 0 AND subscription_id IS NULL AND expires_at >= (SELECT clock FROM wallet)),
                (SELECT min(next_event_at) FROM subscriptions WHERE next_event_at IS NOT NULL))",
            &[],
        )?;
        let secs = rows.first().map(|r| opt_int(r, 0)).transpose()?.flatten();
        secs.filter(|s| *s <= clock::to_unix(until)).map(instant).transpose()
    }

    /// One-time lots' expiries at or before `until`: each instant with an
    /// account that has a lot expiring then, soonest first (then by account),
    /// at most `limit`. The accounts' live lots are read ahead (see
    /// [`Tx::read_live_lots_ahead`]).
    pub fn lot_expiries_by(&self, until: Instant, limit: u32) -> anyhow::Result<Vec<(Instant, i64, String)>> {
        let rows = self.rows(
            "SELECT DISTINCT l.expires_at, a.id, a.handle FROM lots l JOIN accounts a ON a.id = l.account_id
             WHERE l.remaining > 0 AND l.subscription_id IS NULL AND l.expires_at <= $1
               AND l.expires_at >= (SELECT clock FROM wallet)
             ORDER BY l.expires_at, a.id LIMIT $2",
            &[(&clock::to_unix(until), Type::INT8), (&i64::from(limit), Type::INT8)],
        )?;
        let due = rows
            .iter()
            .map(|r| Ok((instant(int(r, 0)?)?, int(r, 1)?, text(r, 2)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        self.read_live_lots_ahead(due.iter().map(|(_, account, _)| *account))?;
        Ok(due)
    }

    /// Running subscriptions whose next event falls at or before `until`,
    /// with their account id and handle, soonest first (then by id), at most
    /// `limit`. The accounts' live lots are read ahead.
    pub fn subscriptions_due_by(&self, until: Instant, limit: u32) -> anyhow::Result<Vec<(i64, String, Subscription)>> {
        let mut due: Vec<(i64, String, Subscription)> = Vec::new();
        // In pages: a server's rows take several times the memory of the
        // subscriptions made of them.
        let mut after = (i64::MIN, i64::MIN);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        while due.len() < limit {
            let page = (limit - due.len()).min(READ_AHEAD_ACCOUNTS);
            let page_rows = i64::try_from(page).unwrap_or(i64::MAX);
            let rows = self.rows(
                &format!(
                    "SELECT {SUBSCRIPTION_COLUMNS}, s.account_id, a.handle, s.next_event_at
                     FROM subscriptions s JOIN accounts a ON a.id = s.account_id
                     WHERE s.next_event_at <= $1 AND (s.next_event_at, s.id) > ($2, $3)
                     ORDER BY s.next_event_at, s.id LIMIT $4"
                ),
                &[
                    (&clock::to_unix(until), Type::INT8),
                    (&after.0, Type::INT8),
                    (&after.1, Type::INT8),
                    (&page_rows, Type::INT8),
                ],
            )?;
            let start = due.len();
            for r in &rows {
                due.push((int(r, 14)?, text(r, 15)?, subscription(r)?));
                after = (int(r, 16)?, int(r, 0)?);
            }
            self.read_live_lots_ahead(due[start..].iter().map(|(account, _, _)| *account))?;
            if rows.len() < page {
                break;
            }
        }
        Ok(due)
    }

    /// Reads the live lots of the accounts a write or batch does not
    /// remember yet, many accounts to a query, and remembers them: the clock's
    /// events then read each account's lots from memory, not in a round trip
    /// each (which would also send the pending writes each time).
    fn read_live_lots_ahead(&self, accounts: impl Iterator<Item = i64>) -> anyhow::Result<()> {
        let Some(memo) = self.memo else {
            return Ok(());
        };
        let mut missing: Vec<i64> = {
            let remembered = memo.lots.borrow();
            accounts.filter(|a| !remembered.contains_key(a)).collect()
        };
        missing.sort_unstable();
        missing.dedup();
        for chunk in missing.chunks(READ_AHEAD_ACCOUNTS) {
            let rows = self.rows(
                &format!(
                    "SELECT {LOT_COLUMNS}, account_id FROM lots WHERE account_id = ANY($1) AND remaining > 0
                     ORDER BY account_id, id"
                ),
                &[(&chunk, Type::INT8_ARRAY)],
            )?;
            let mut by_account: std::collections::BTreeMap<i64, Vec<Lot>> =
                chunk.iter().map(|a| (*a, Vec::new())).collect();
            for row in &rows {
                by_account.entry(int(row, 8)?).or_default().push(lot(row)?);
            }
            for (account, lots) in by_account {
                memo.remember_lots(account, lots);
            }
        }
        Ok(())
    }
}
