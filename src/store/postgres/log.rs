//! Queries for corrections and the audit log, as a wallet file answers them
//! (`src/store/sqlite/log.rs`): the operation a `void` names and the lots it
//! created, the wallet's operations newest first in pages, and the values
//! completion offers.

use postgres::types::{ToSql, Type};

use crate::rules::clock::{self, Instant};
use crate::rules::{LogFilter, LoggedOperation, Lot, OperationKind, Voidable};
use crate::store::AccountRef;

use super::Tx;

use super::read::{LOT_COLUMNS, corrected, instant, int, lot, operation_kind, opt_int, opt_text, text};
use super::transaction::Param;

/// Operations `log` reads from the server at a time.
const PAGE: i64 = 1000;

impl Tx<'_> {
    pub fn voidable(&self, operation_id: i64) -> anyhow::Result<Option<(Option<AccountRef>, Voidable)>> {
        let rows = self.conn.query(
            "SELECT o.account_id, a.handle, o.kind, o.summary, v.id
             FROM operations o LEFT JOIN accounts a ON a.id = o.account_id
             LEFT JOIN operations v ON v.voids = o.id
             WHERE o.id = $1",
            &[(&operation_id, Type::INT8)],
        )?;
        rows.first()
            .map(|r| {
                Ok((
                    opt_int(r, 0)?.zip(opt_text(r, 1)?),
                    Voidable {
                        id: operation_id,
                        kind: operation_kind(r, 2)?,
                        summary: text(r, 3)?,
                        voided_by: opt_int(r, 4)?,
                    },
                ))
            })
            .transpose()
    }

    pub fn lots_created_by(&self, account_id: i64, operation_id: i64) -> anyhow::Result<Vec<Lot>> {
        let rows = self.conn.query(
            &format!("SELECT {LOT_COLUMNS} FROM lots WHERE account_id = $1 AND operation_id = $2 ORDER BY id"),
            &[(&account_id, Type::INT8), (&operation_id, Type::INT8)],
        )?;
        rows.iter().map(lot).collect()
    }

    /// As a wallet file lists them, a page at a time from the newest.
    pub fn each_logged(
        &self,
        filter: &LogFilter,
        mut each: impl FnMut(LoggedOperation) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let Some((first, mut last)) = self.ids_between(filter.since, filter.until)? else {
            return Ok(());
        };
        let kind = filter.kind.map(OperationKind::as_str);
        let mut left = filter.limit.map_or(i64::MAX, |n| i64::try_from(n).unwrap_or(i64::MAX));
        while left > 0 {
            let page = left.min(PAGE);
            let mut sql = String::from(
                "SELECT o.id, o.at, o.actor, a.handle, o.kind, o.summary, o.reason, o.voids, v.id, v.reason
                 FROM operations o LEFT JOIN accounts a ON a.id = o.account_id
                 LEFT JOIN operations v ON v.voids = o.id
                 WHERE o.id BETWEEN $1 AND $2",
            );
            let mut params: Vec<Param<'_>> = vec![(&first, Type::INT8), (&last, Type::INT8), (&page, Type::INT8)];
            let conditions: [(&str, Option<&(dyn ToSql + Sync)>, Type); 3] = [
                ("account_id", filter.account_id.as_ref().map(|a| a as _), Type::INT8),
                ("actor", filter.actor.as_ref().map(|a| a as _), Type::TEXT),
                ("kind", kind.as_ref().map(|k| k as _), Type::TEXT),
            ];
            for (column, value, ty) in conditions {
                if let Some(value) = value {
                    params.push((value, ty));
                    sql.push_str(&format!(" AND o.{column} = ${}", params.len()));
                }
            }
            sql.push_str(" ORDER BY o.id DESC LIMIT $3");
            let rows = self.conn.query(&sql, &params)?;
            let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) >= page;
            for r in &rows {
                let id = int(r, 0)?;
                each(LoggedOperation {
                    id,
                    at: instant(int(r, 1)?)?,
                    actor: opt_text(r, 2)?,
                    account: opt_text(r, 3)?,
                    kind: operation_kind(r, 4)?,
                    summary: text(r, 5)?,
                    corrected: corrected(r, 6)?,
                })?;
                last = id.saturating_sub(1);
                left = left.saturating_sub(1);
            }
            if !full {
                break;
            }
        }
        Ok(())
    }

    pub fn ids_between(&self, since: Option<Instant>, until: Option<Instant>) -> anyhow::Result<Option<(i64, i64)>> {
        let first = match since {
            None => Some(i64::MIN),
            Some(t) => {
                let rows = self.conn.query(
                    "SELECT id FROM operations WHERE at >= $1 ORDER BY at, id LIMIT 1",
                    &[(&clock::to_unix(t), Type::INT8)],
                )?;
                rows.first().map(|r| int(r, 0)).transpose()?
            }
        };
        let last = match until {
            None => Some(i64::MAX),
            Some(t) => {
                let rows = self.conn.query(
                    "SELECT id FROM operations WHERE at <= $1 ORDER BY at DESC, id DESC LIMIT 1",
                    &[(&clock::to_unix(t), Type::INT8)],
                )?;
                rows.first().map(|r| int(r, 0)).transpose()?
            }
        };
        Ok(first.zip(last).filter(|(first, last)| first <= last))
    }

    pub fn recent_voidable(&self, limit: u32) -> anyhow::Result<Vec<(i64, String, String)>> {
        // Each kind read from the newest end of its index, then merged.
        let mut all: Vec<(i64, String, String)> = Vec::new();
        for kind in [OperationKind::Buy, OperationKind::Grant] {
            let rows = self.conn.query(
                "SELECT o.id, a.handle, o.summary FROM operations o JOIN accounts a ON a.id = o.account_id
                 WHERE o.kind = $1 AND NOT EXISTS (SELECT 1 FROM operations v WHERE v.voids = o.id)
                 ORDER BY o.id DESC LIMIT $2",
                &[(&kind.as_str(), Type::TEXT), (&i64::from(limit), Type::INT8)],
            )?;
            for r in &rows {
                all.push((int(r, 0)?, text(r, 1)?, text(r, 2)?));
            }
        }
        all.sort_unstable_by_key(|(id, _, _)| std::cmp::Reverse(*id));
        all.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(all)
    }

    pub fn actors_with_prefix(&self, prefix: &str, limit: u32) -> anyhow::Result<Vec<String>> {
        let mut actors: Vec<String> = Vec::new();
        while actors.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
            let after = actors.last().map_or("", String::as_str);
            let rows = self.conn.query(
                "SELECT actor FROM operations WHERE actor >= $1 AND actor > $2 ORDER BY actor LIMIT 1",
                &[(&prefix, Type::TEXT), (&after, Type::TEXT)],
            )?;
            let Some(actor) = rows.first().map(|r| text(r, 0)).transpose()? else {
                break;
            };
            if !actor.starts_with(prefix) {
                break;
            }
            actors.push(actor);
        }
        Ok(actors)
    }

    pub fn kinds_recorded(&self) -> anyhow::Result<Vec<OperationKind>> {
        let mut kinds = Vec::new();
        for kind in OperationKind::ALL {
            let rows = self.conn.query(
                "SELECT EXISTS (SELECT 1 FROM operations WHERE kind = $1)",
                &[(&kind.as_str(), Type::TEXT)],
            )?;
            if rows.first().map(|r| r.try_get::<_, bool>(0)).transpose()? == Some(true) {
                kinds.push(kind);
            }
        }
        Ok(kinds)
    }
}
