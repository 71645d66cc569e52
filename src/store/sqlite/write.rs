//! Writes: the clock, idempotency keys, accounts, operations and
//! subscriptions' schedules, and the account check run after a change is
//! recorded (the change itself: [`super::record`]).

use anyhow::{anyhow, bail, ensure};
use rusqlite::{OptionalExtension, params};

use crate::rules::clock::{self, Instant};
use crate::rules::{OperationKind, Subscription};

use super::Db;

pub(super) fn signed(amount: u64) -> anyhow::Result<i64> {
    i64::try_from(amount).map_err(|_| anyhow!("amount {amount} is too large to record"))
}

impl Db<'_> {
    pub fn set_clock(&self, at: Instant) -> anyhow::Result<()> {
        self.execute("UPDATE wallet SET clock = ?1 WHERE id = 1", params![clock::to_unix(at)])?;
        if let Some(memo) = self.memo {
            memo.clock.set(Some(at));
        }
        Ok(())
    }

    /// Remembers the result of a command run under an idempotency key.
    pub fn remember_key(
        &self,
        key: &str,
        request: &str,
        human: &str,
        json: &str,
        at: Instant,
        actor: Option<&str>,
    ) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO idempotency_keys (key, request, human, json, operation_at, actor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![key, request, human, json, clock::to_unix(at), actor],
        )?;
        Ok(())
    }

    pub fn create_account(&self, handle: &str, at: Instant) -> anyhow::Result<i64> {
        self.execute(
            "INSERT INTO accounts (handle, created_at) VALUES (?1, ?2)",
            params![handle, clock::to_unix(at)],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// An operation with no account (init, advance-clock).
    pub fn record_wallet_operation(
        &self,
        at: Instant,
        kind: OperationKind,
        summary: &str,
        actor: Option<&str>,
    ) -> anyhow::Result<i64> {
        self.insert_operation(None, at, kind, summary, actor)
    }

    pub(super) fn insert_operation(
        &self,
        account_id: Option<i64>,
        at: Instant,
        kind: OperationKind,
        summary: &str,
        actor: Option<&str>,
    ) -> anyhow::Result<i64> {
        self.execute(
            "INSERT INTO operations (account_id, at, kind, summary, actor) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![account_id, clock::to_unix(at), kind.as_str(), summary, actor],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Saves a subscription's new state over `before`. When only the
    /// schedule moved (the common case: a delivery or a renewal), status and
    /// end stay out of the statement, so the index of running subscriptions
    /// is left alone.
    pub fn save_subscription(&self, before: &Subscription, after: &Subscription) -> anyhow::Result<()> {
        if (before.status, before.ended_at) != (after.status, after.ended_at) {
            return self.save_schedule(after);
        }
        let changed = self.execute(
            "UPDATE subscriptions SET deliveries = ?2, periods = ?3, next_event_at = ?4 WHERE id = ?1",
            params![
                after.id,
                after.deliveries,
                after.periods,
                after.next_event().map(clock::to_unix)
            ],
        )?;
        ensure!(changed == 1, "subscription {} is missing", after.id);
        Ok(())
    }

    pub(super) fn save_schedule(&self, sub: &Subscription) -> anyhow::Result<()> {
        let changed = self.execute(
            "UPDATE subscriptions SET deliveries = ?2, periods = ?3, status = ?4, ended_at = ?5, next_event_at = ?6
             WHERE id = ?1",
            params![
                sub.id,
                sub.deliveries,
                sub.periods,
                sub.status.as_str(),
                sub.ended_at.map(clock::to_unix),
                sub.next_event().map(clock::to_unix),
            ],
        )?;
        ensure!(changed == 1, "subscription {} is missing", sub.id);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn insert_entry(
        &self,
        op: i64,
        account_id: i64,
        lot: i64,
        asset: &str,
        delta: i64,
        reason: &str,
        at: i64,
        note: Option<&str>,
    ) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO ledger (operation_id, account_id, lot_id, asset, delta, reason, at, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![op, account_id, lot, asset, delta, reason, at, note],
        )?;
        Ok(())
    }

    /// The invariants of one account (SPEC §1): every lot's remaining equals
    /// its ledger entries, so the balance equals the ledger.
    pub fn check_account(&self, account_id: i64) -> anyhow::Result<()> {
        let broken: Option<String> = self
            .conn
            .prepare_cached(super::verify::LOT_LEDGER_MISMATCHES)?
            .query_row([account_id], |r| r.get(0))
            .optional()?;
        if let Some(problem) = broken {
            bail!("internal error: {problem}; nothing was changed");
        }
        Ok(())
    }
}

/// Schema 4's migration: converts every idempotency request stored in the
/// debug notation of schemas 2 and 3 to its canonical form (src/rules/idempotency.rs),
/// so a retry after the upgrade is still recognised. A request that is no
/// known command is left as it is: a retry with its key stays refused.
pub(super) fn canonical_requests(tx: &rusqlite::Connection) -> anyhow::Result<()> {
    let legacy: Vec<(String, String)> = tx
        .prepare("SELECT key, request FROM idempotency_keys")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = tx.prepare("UPDATE idempotency_keys SET request = ?2 WHERE key = ?1")?;
    for (key, request) in legacy {
        if let Some(canonical) = crate::rules::idempotency::from_legacy(&request) {
            update.execute(params![key, canonical])?;
        }
    }
    Ok(())
}
