//! `wallet verify`: SQLite's own checks, then the wallet's invariants.

use rusqlite::params;

use crate::clock;

use super::Db;

/// Invariant queries: each returns one row per violation, as text.
const INVARIANTS: &[(&str, &str)] = &[
    (
        "lot remaining out of range",
        "SELECT 'lot ' || id || ' has remaining ' || remaining || ' of ' || granted FROM lots WHERE remaining < 0 OR remaining > granted",
    ),
    (
        "lot differs from its ledger",
        "SELECT 'lot ' || l.id || ' holds ' || l.remaining || ' but its ledger sums to ' || coalesce(sum(e.delta), 0)
         FROM lots l LEFT JOIN ledger e ON e.lot_id = l.id GROUP BY l.id HAVING l.remaining <> coalesce(sum(e.delta), 0)",
    ),
    (
        "ledger entry on another account's lot",
        "SELECT 'ledger entry ' || e.id || ' belongs to account ' || e.account_id || ' but lot ' || l.id || ' to account ' || l.account_id
         FROM ledger e JOIN lots l ON l.id = e.lot_id WHERE e.account_id <> l.account_id OR e.asset <> l.asset",
    ),
    (
        "usable lot past its expiry",
        "SELECT 'lot ' || id || ' still holds ' || remaining || ' ' || asset || ' after its expiry' FROM lots
         WHERE remaining > 0 AND expires_at <= ?1",
    ),
    (
        "subscription lot after its subscription ended",
        "SELECT 'lot ' || l.id || ' still holds ' || l.remaining || ' after subscription ' || s.id || ' ended'
         FROM lots l JOIN subscriptions s ON s.id = l.subscription_id WHERE l.remaining > 0 AND s.status = 'ended'",
    ),
    (
        "licensed images differ from license spends",
        // One license operation per licensed image, whether it spent a
        // license or (policy.license_price_credits) credits.
        "SELECT 'account ' || a.handle || ' has ' || (SELECT count(*) FROM images i WHERE i.account_id = a.id AND i.licensed_at IS NOT NULL)
              || ' licensed images but ' || (SELECT count(*) FROM operations o WHERE o.account_id = a.id AND o.kind = 'license')
              || ' license operations'
         FROM accounts a
         WHERE (SELECT count(*) FROM images i WHERE i.account_id = a.id AND i.licensed_at IS NOT NULL)
            <> (SELECT count(*) FROM operations o WHERE o.account_id = a.id AND o.kind = 'license')",
    ),
    (
        "a license operation that spent no license and no credits",
        "SELECT 'operation ' || o.id || ' licensed an image but spent nothing' FROM operations o
         WHERE o.kind = 'license' AND NOT EXISTS (SELECT 1 FROM ledger e WHERE e.operation_id = o.id AND e.reason = 'license')",
    ),
    (
        "clock behind an entry",
        "SELECT 'operation ' || id || ' is at ' || strftime('%Y-%m-%dT%H:%M:%SZ', at, 'unixepoch') || ', after the clock'
         FROM operations WHERE at > ?1
         UNION ALL SELECT 'ledger entry ' || id || ' is at ' || strftime('%Y-%m-%dT%H:%M:%SZ', at, 'unixepoch') || ', after the clock'
         FROM ledger WHERE at > ?1",
    ),
];

impl Db<'_> {
    /// Every violation found, in words; empty when the wallet is sound.
    pub fn verify(&self) -> anyhow::Result<Vec<String>> {
        let mut problems = Vec::new();
        let integrity: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        problems.extend(
            integrity
                .into_iter()
                .filter(|r| r != "ok")
                .map(|r| format!("integrity: {r}")),
        );
        let foreign: Vec<String> = self
            .conn
            .prepare("PRAGMA foreign_key_check")?
            .query_map([], |r| {
                Ok(format!(
                    "foreign key: {} row {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?
                ))
            })?
            .collect::<Result<_, _>>()?;
        problems.extend(foreign);
        let now = clock::to_unix(self.clock()?);
        for (name, sql) in INVARIANTS {
            let mut stmt = self.conn.prepare(sql)?;
            let rows = if stmt.parameter_count() == 1 {
                stmt.query_map(params![now], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?
            } else {
                stmt.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?
            };
            problems.extend(rows.into_iter().map(|r| format!("{name}: {r}")));
        }
        Ok(problems)
    }
}
