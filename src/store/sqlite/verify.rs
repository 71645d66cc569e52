//! `wallet verify`: `SQLite`'s own checks, then the wallet's invariants.

use rusqlite::params;

use crate::rules::clock;

use super::Db;

/// Invariant queries: each returns one row per violation, as text.
const INVARIANTS: &[(&str, &str)] = &[
    (
        "lot remaining out of range",
        "SELECT 'lot ' || id || ' has remaining ' || remaining || ' of ' || granted FROM lots WHERE remaining < 0 OR remaining > granted",
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
        "ledger entry unlike its operation",
        // An account's entries are found through its operations (schema 3).
        "SELECT 'ledger entry ' || e.id || ' of account ' || e.account_id || ' belongs to operation ' || o.id
              || ' of account ' || coalesce(o.account_id, 'none') || CASE WHEN o.at <> e.at THEN ' at another instant' ELSE '' END
         FROM ledger e JOIN operations o ON o.id = e.operation_id WHERE o.account_id IS NOT e.account_id OR o.at <> e.at",
    ),
    (
        "image unlike its operation",
        "SELECT 'image img-' || i.id || ' of account ' || i.account_id || ' belongs to operation ' || o.id
              || ' of account ' || coalesce(o.account_id, 'none')
         FROM images i JOIN operations o ON o.id = i.operation_id WHERE o.account_id IS NOT i.account_id",
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

/// Invariants of one account (`?1` is its id), checked account by account so
/// that no query sorts or holds the whole ledger.
const ACCOUNT_INVARIANTS: &[(&str, &str)] = &[
    ("lot differs from its ledger", LOT_LEDGER_MISMATCHES),
    (
        "account over the holding limit",
        // rules::MAX_HOLDING (a unit test keeps the two equal).
        "SELECT 'account ' || a.handle || ' holds ' || t.held || ' ' || t.asset || ', more than 1000000000000000000'
         FROM accounts a, (SELECT asset, sum(remaining) AS held FROM lots WHERE account_id = ?1 AND remaining > 0 GROUP BY asset) t
         WHERE a.id = ?1 AND t.held > 1000000000000000000",
    ),
    (
        "licensed images differ from license spends",
        // One license operation per licensed image, whether it spent a
        // license or (policy.license_price_credits) credits.
        "SELECT 'account ' || a.handle || ' has ' || i.licensed || ' licensed images but ' || o.licenses || ' license operations'
         FROM accounts a,
              (SELECT count(*) AS licensed FROM operations o JOIN images i ON i.operation_id = o.id
               WHERE o.account_id = ?1 AND i.licensed_at IS NOT NULL) i,
              (SELECT count(*) AS licenses FROM operations WHERE account_id = ?1 AND kind = 'license') o
         WHERE a.id = ?1 AND i.licensed <> o.licenses",
    ),
];

/// The account's lots whose remaining differs from the sum of their ledger
/// entries (SPEC §1), one line each. Also run after every recorded operation
/// in debug builds.
pub(super) const LOT_LEDGER_MISMATCHES: &str =
    "SELECT 'lot ' || l.id || ' holds ' || l.remaining || ' but its ledger sums to ' || coalesce(t.total, 0)
     FROM lots l LEFT JOIN (SELECT e.lot_id, sum(e.delta) AS total FROM operations o JOIN ledger e ON e.operation_id = o.id
                            WHERE o.account_id = ?1 GROUP BY e.lot_id) t ON t.lot_id = l.id
     WHERE l.account_id = ?1 AND l.remaining <> coalesce(t.total, 0)";

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
        let corrections: &[(&str, &str)] = if self.has_corrections()? {
            crate::store::invariants::CORRECTIONS
        } else {
            &[]
        };
        for (name, sql) in INVARIANTS.iter().chain(corrections) {
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
        let mut accounts = self.conn.prepare("SELECT id FROM accounts ORDER BY id")?;
        let mut ids = accounts.query([])?;
        while let Some(row) = ids.next()? {
            let account: i64 = row.get(0)?;
            for (name, sql) in ACCOUNT_INVARIANTS {
                let mut stmt = self.conn.prepare_cached(sql)?;
                let rows = stmt.query_map([account], |r| r.get::<_, String>(0))?;
                for row in rows {
                    problems.push(format!("{name}: {}", row?));
                }
            }
        }
        Ok(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::{ACCOUNT_INVARIANTS, INVARIANTS};

    /// Run on accounts holding the rules' limit and one more: only the
    /// second is reported, with what it holds.
    #[test]
    fn the_holding_limit_check_uses_the_rules_limit() {
        let (_, sql) = ACCOUNT_INVARIANTS
            .iter()
            .find(|(name, _)| name.contains("holding limit"))
            .expect("the holding-limit invariant");
        let conn = rusqlite::Connection::open_in_memory().expect("an in-memory database");
        conn.execute_batch(
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY, handle TEXT NOT NULL);
             CREATE TABLE lots (account_id INTEGER NOT NULL, asset TEXT NOT NULL, remaining INTEGER NOT NULL);
             INSERT INTO accounts VALUES (1, 'at'), (2, 'over');",
        )
        .expect("tables");
        let limit = i64::try_from(crate::rules::MAX_HOLDING).expect("the limit fits");
        // Each holding in two lots, and a spent lot beside them.
        for (account, held) in [(1, limit), (2, limit + 1)] {
            conn.execute(
                "INSERT INTO lots VALUES (?1, 'credits', ?2), (?1, 'credits', ?3), (?1, 'credits', 0)",
                rusqlite::params![account, held - 1, 1],
            )
            .expect("lots");
        }
        let problems = |account: i64| -> Vec<String> {
            let mut stmt = conn.prepare(sql).expect("the invariant's SQL");
            stmt.query_map([account], |r| r.get(0))
                .and_then(Iterator::collect)
                .expect("the invariant runs")
        };
        assert_eq!(problems(1), Vec::<String>::new(), "the limit itself is allowed");
        assert_eq!(
            problems(2),
            [format!("account over holds {} credits, more than {limit}", limit + 1)]
        );
    }

    #[test]
    fn the_license_checks_name_the_license_operation_kind() {
        let kind = format!("kind = '{}'", crate::rules::OperationKind::License.as_str());
        let checks: Vec<&str> = INVARIANTS
            .iter()
            .chain(ACCOUNT_INVARIANTS)
            .filter(|(name, _)| name.contains("license"))
            .map(|(_, sql)| *sql)
            .collect();
        assert_eq!(checks.len(), 2);
        for sql in checks {
            assert!(sql.contains(&kind), "{sql}");
        }
    }
}
