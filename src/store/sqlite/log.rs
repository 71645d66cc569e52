//! Queries for corrections and the audit log: the operation a `void`
//! names and the lots it created, the wallet's operations newest first
//! (`log`), and the values completion offers. Every one is read through an
//! index on operations: by id, account, kind, actor or instant.

use rusqlite::{OptionalExtension, params, params_from_iter};

use crate::rules::clock::{self, Instant};
use crate::rules::{LogFilter, LoggedOperation, Lot, OperationKind, Voidable};
use crate::store::AccountRef;

use super::Db;

use super::read::{corrected, instant, lot, operation_kind};

impl Db<'_> {
    /// The operation `operation_id` as a `void` sees it, with its account's
    /// id and handle (none for one of the wallet's own operations); `None`
    /// for an unknown id.
    pub fn voidable(&self, operation_id: i64) -> anyhow::Result<Option<(Option<AccountRef>, Voidable)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT o.account_id, a.handle, o.kind, o.summary, v.id
                 FROM operations o LEFT JOIN accounts a ON a.id = o.account_id
                 LEFT JOIN operations v ON v.voids = o.id
                 WHERE o.id = ?1",
            )?
            .query_row([operation_id], |r| {
                let account: Option<i64> = r.get(0)?;
                let handle: Option<String> = r.get(1)?;
                Ok((
                    account.zip(handle),
                    Voidable {
                        id: operation_id,
                        kind: operation_kind(r, 2)?,
                        summary: r.get(3)?,
                        voided_by: r.get(4)?,
                    },
                ))
            })
            .optional()?)
    }

    /// Every lot the account's operation created, spent or not, in id order.
    pub fn lots_created_by(&self, account_id: i64, operation_id: i64) -> anyhow::Result<Vec<Lot>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, asset, source, granted, remaining, granted_at, expires_at, subscription_id
             FROM lots WHERE account_id = ?1 AND operation_id = ?2 ORDER BY id",
        )?;
        let rows = stmt.query_map([account_id, operation_id], lot)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The operations `filter` selects, newest first, handed to `each` one
    /// at a time. The wallet's instants never go backwards, so operation ids
    /// follow time: `--since` and `--until` become a range of ids, and each
    /// other filter reads its own index from the newest end.
    pub fn each_logged(
        &self,
        filter: &LogFilter,
        mut each: impl FnMut(LoggedOperation) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let Some((first, last)) = self.ids_between(filter.since, filter.until)? else {
            return Ok(());
        };
        let mut sql = String::from(if self.has_corrections()? {
            "SELECT o.id, o.at, o.actor, a.handle, o.kind, o.summary, o.reason, o.voids, v.id, v.reason
             FROM operations o LEFT JOIN accounts a ON a.id = o.account_id
             LEFT JOIN operations v ON v.voids = o.id
             WHERE o.id BETWEEN ?1 AND ?2"
        } else {
            "SELECT o.id, o.at, o.actor, a.handle, o.kind, o.summary, NULL, NULL, NULL, NULL
             FROM operations o LEFT JOIN accounts a ON a.id = o.account_id
             WHERE o.id BETWEEN ?1 AND ?2"
        });
        let mut values: Vec<rusqlite::types::Value> = vec![first.into(), last.into()];
        let mut condition = |column: &str, value: rusqlite::types::Value| {
            values.push(value);
            sql.push_str(&format!(" AND o.{column} = ?{}", values.len()));
        };
        if let Some(account) = filter.account_id {
            condition("account_id", account.into());
        }
        if let Some(actor) = &filter.actor {
            condition("actor", actor.clone().into());
        }
        if let Some(kind) = filter.kind {
            condition("kind", kind.as_str().to_owned().into());
        }
        sql.push_str(" ORDER BY o.id DESC");
        if let Some(limit) = filter.limit {
            values.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
            sql.push_str(&format!(" LIMIT ?{}", values.len()));
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(values))?;
        while let Some(r) = rows.next()? {
            each(LoggedOperation {
                id: r.get(0)?,
                at: instant(r.get(1)?)?,
                actor: r.get(2)?,
                account: r.get(3)?,
                kind: operation_kind(r, 4)?,
                summary: r.get(5)?,
                corrected: corrected(r, 6)?,
            })?;
        }
        Ok(())
    }

    /// The first and last operation ids at or after `since` and at or before
    /// `until`, through the index by instant; `None` when no operation is.
    pub fn ids_between(&self, since: Option<Instant>, until: Option<Instant>) -> anyhow::Result<Option<(i64, i64)>> {
        let first: Option<i64> = match since {
            None => Some(i64::MIN),
            Some(t) => self
                .conn
                .prepare_cached("SELECT id FROM operations WHERE at >= ?1 ORDER BY at, id LIMIT 1")?
                .query_row([clock::to_unix(t)], |r| r.get(0))
                .optional()?,
        };
        let last: Option<i64> = match until {
            None => Some(i64::MAX),
            Some(t) => self
                .conn
                .prepare_cached("SELECT id FROM operations WHERE at <= ?1 ORDER BY at DESC, id DESC LIMIT 1")?
                .query_row([clock::to_unix(t)], |r| r.get(0))
                .optional()?,
        };
        Ok(first.zip(last).filter(|(first, last)| first <= last))
    }

    /// The newest `buy` and `grant` operations not voided yet, newest first:
    /// (id, account handle, summary), for completion.
    pub fn recent_voidable(&self, limit: u32) -> anyhow::Result<Vec<(i64, String, String)>> {
        // Each kind read from the newest end of its index, then merged.
        let mut stmt = self.conn.prepare_cached(if self.has_corrections()? {
            "SELECT o.id, a.handle, o.summary FROM operations o JOIN accounts a ON a.id = o.account_id
             WHERE o.kind = ?1 AND NOT EXISTS (SELECT 1 FROM operations v WHERE v.voids = o.id)
             ORDER BY o.id DESC LIMIT ?2"
        } else {
            "SELECT o.id, a.handle, o.summary FROM operations o JOIN accounts a ON a.id = o.account_id
             WHERE o.kind = ?1 ORDER BY o.id DESC LIMIT ?2"
        })?;
        let mut all: Vec<(i64, String, String)> = Vec::new();
        for kind in [OperationKind::Buy, OperationKind::Grant] {
            let rows = stmt.query_map(params![kind.as_str(), limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            all.extend(rows.collect::<Result<Vec<_>, _>>()?);
        }
        all.sort_unstable_by_key(|(id, _, _)| std::cmp::Reverse(*id));
        all.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(all)
    }

    /// The actors recorded, starting with `prefix`, in order: one index
    /// step each, however many operations each made.
    pub fn actors_with_prefix(&self, prefix: &str, limit: u32) -> anyhow::Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT actor FROM operations WHERE actor >= ?1 AND actor > ?2 ORDER BY actor LIMIT 1")?;
        let mut actors: Vec<String> = Vec::new();
        while actors.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
            let after = actors.last().map_or("", String::as_str);
            let Some(actor) = stmt.query_row([prefix, after], |r| r.get::<_, String>(0)).optional()? else {
                break;
            };
            if !actor.starts_with(prefix) {
                break;
            }
            actors.push(actor);
        }
        Ok(actors)
    }

    /// The kinds of operation the wallet holds at least one of, in the order
    /// of [`OperationKind::ALL`].
    pub fn kinds_recorded(&self) -> anyhow::Result<Vec<OperationKind>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM operations WHERE kind = ?1)")?;
        let mut kinds = Vec::new();
        for kind in OperationKind::ALL {
            if stmt.query_row([kind.as_str()], |r| r.get::<_, bool>(0))? {
                kinds.push(kind);
            }
        }
        Ok(kinds)
    }
}
