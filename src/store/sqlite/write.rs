//! Writes: the clock, idempotency keys, accounts, operations and
//! subscriptions' schedules, and the account check run after a change is
//! recorded (the change itself: [`super::record`]).

use anyhow::ensure;
use rusqlite::params;

use crate::rules::clock::{self, Instant};
use crate::rules::{OperationKind, Subscription};

use crate::store::record::Rows;

use super::Db;

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
        self.insert_operation(None, clock::to_unix(at), kind, summary, actor, None)
    }

    /// Saves a subscription's new state over `before`. When only the
    /// schedule moved (the common case: a delivery or a renewal), status and
    /// end stay out of the statement, so the index of running subscriptions
    /// is left alone.
    pub fn save_subscription(&self, before: &Subscription, after: &Subscription) -> anyhow::Result<()> {
        if (before.status, before.ended_at) != (after.status, after.ended_at) {
            return Rows::save_schedule(self, after);
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
