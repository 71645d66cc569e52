//! `wallet verify` on PostgreSQL: every reference between rows (a wallet
//! file's foreign keys), then the wallet's invariants, the same as a wallet
//! file's.

use postgres::types::Type;

use crate::rules::clock;

use super::Tx;

/// Invariant queries: each returns one row per violation, as text (`$1`,
/// where used, is the clock).
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
         WHERE remaining > 0 AND expires_at <= $1",
    ),
    (
        "subscription lot after its subscription ended",
        "SELECT 'lot ' || l.id || ' still holds ' || l.remaining || ' after subscription ' || s.id || ' ended'
         FROM lots l JOIN subscriptions s ON s.id = l.subscription_id WHERE l.remaining > 0 AND s.status = 'ended'",
    ),
    (
        "ledger entry unlike its operation",
        "SELECT 'ledger entry ' || e.id || ' of account ' || e.account_id || ' belongs to operation ' || o.id
              || ' of account ' || coalesce(o.account_id::text, 'none') || CASE WHEN o.at <> e.at THEN ' at another instant' ELSE '' END
         FROM ledger e JOIN operations o ON o.id = e.operation_id WHERE o.account_id IS DISTINCT FROM e.account_id OR o.at <> e.at",
    ),
    (
        "image unlike its operation",
        "SELECT 'image img-' || i.id || ' of account ' || i.account_id || ' belongs to operation ' || o.id
              || ' of account ' || coalesce(o.account_id::text, 'none')
         FROM images i JOIN operations o ON o.id = i.operation_id WHERE o.account_id IS DISTINCT FROM i.account_id",
    ),
    (
        "a license operation that spent no license and no credits",
        "SELECT 'operation ' || o.id || ' licensed an image but spent nothing' FROM operations o
         WHERE o.kind = 'license' AND NOT EXISTS (SELECT 1 FROM ledger e WHERE e.operation_id = o.id AND e.reason = 'license')",
    ),
    (
        "clock behind an entry",
        "SELECT 'operation ' || id || ' is at ' || to_char(to_timestamp(at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') || ', after the clock'
         FROM operations WHERE at > $1
         UNION ALL SELECT 'ledger entry ' || id || ' is at ' || to_char(to_timestamp(at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') || ', after the clock'
         FROM ledger WHERE at > $1",
    ),
];

/// Every reference from one table's column to another table's row, as
/// (table, column, referenced table).
const REFERENCES: &[(&str, &str, &str)] = &[
    ("operations", "account_id", "accounts"),
    ("operations", "voids", "operations"),
    ("subscriptions", "account_id", "accounts"),
    ("subscriptions", "operation_id", "operations"),
    ("lots", "account_id", "accounts"),
    ("lots", "operation_id", "operations"),
    ("lots", "subscription_id", "subscriptions"),
    ("ledger", "operation_id", "operations"),
    ("ledger", "account_id", "accounts"),
    ("ledger", "lot_id", "lots"),
    ("orders", "operation_id", "operations"),
    ("orders", "account_id", "accounts"),
    ("charges", "operation_id", "operations"),
    ("charges", "account_id", "accounts"),
    ("charges", "subscription_id", "subscriptions"),
    ("styles", "account_id", "accounts"),
    ("styles", "operation_id", "operations"),
    ("images", "account_id", "accounts"),
    ("images", "operation_id", "operations"),
    ("images", "license_operation_id", "operations"),
    ("edits", "image_id", "images"),
    ("edits", "operation_id", "operations"),
];

/// The invariants a wallet file checks account by account, here over all
/// accounts at once: the server sorts and groups them itself.
const ACCOUNT_INVARIANTS: &[(&str, &str)] = &[
    (
        "lot differs from its ledger",
        "SELECT 'lot ' || l.id || ' holds ' || l.remaining || ' but its ledger sums to ' || coalesce(t.total, 0)
         FROM lots l LEFT JOIN (SELECT lot_id, sum(delta) AS total FROM ledger GROUP BY lot_id) t ON t.lot_id = l.id
         WHERE l.remaining <> coalesce(t.total, 0) ORDER BY l.account_id, l.id",
    ),
    (
        "account over the holding limit",
        "SELECT 'account ' || a.handle || ' holds ' || t.held || ' ' || t.asset || ', more than 1000000000000000000'
         FROM accounts a JOIN (SELECT account_id, asset, sum(remaining) AS held FROM lots WHERE remaining > 0
                               GROUP BY account_id, asset) t ON t.account_id = a.id
         WHERE t.held > 1000000000000000000 ORDER BY a.id, t.asset",
    ),
    (
        "licensed images differ from license spends",
        "SELECT 'account ' || a.handle || ' has ' || coalesce(i.licensed, 0) || ' licensed images but '
              || coalesce(o.licenses, 0) || ' license operations'
         FROM accounts a
         LEFT JOIN (SELECT o.account_id, count(*) AS licensed FROM operations o JOIN images i ON i.operation_id = o.id
                    WHERE i.licensed_at IS NOT NULL GROUP BY o.account_id) i ON i.account_id = a.id
         LEFT JOIN (SELECT account_id, count(*) AS licenses FROM operations WHERE kind = 'license'
                    GROUP BY account_id) o ON o.account_id = a.id
         WHERE coalesce(i.licensed, 0) <> coalesce(o.licenses, 0) ORDER BY a.id",
    ),
];

/// The account's lots whose remaining differs from the sum of their ledger
/// entries, one line each. Also run after every recorded operation in debug builds.
pub(super) const LOT_LEDGER_MISMATCHES: &str =
    "SELECT 'lot ' || l.id || ' holds ' || l.remaining || ' but its ledger sums to ' || coalesce(t.total, 0)
     FROM lots l LEFT JOIN (SELECT e.lot_id, sum(e.delta) AS total FROM operations o JOIN ledger e ON e.operation_id = o.id
                            WHERE o.account_id = $1 GROUP BY e.lot_id) t ON t.lot_id = l.id
     WHERE l.account_id = $1 AND l.remaining <> coalesce(t.total, 0)";

impl Tx<'_> {
    /// Every violation found, in words; empty when the wallet is sound.
    pub fn verify(&self) -> anyhow::Result<Vec<String>> {
        let mut problems = Vec::new();
        for (table, column, parent) in REFERENCES {
            // As a wallet file's foreign key check words it.
            let rows = self.conn.query(
                &format!(
                    "SELECT t.id FROM {table} t WHERE t.{column} IS NOT NULL
                     AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = t.{column}) ORDER BY t.id"
                ),
                &[],
            )?;
            for row in rows {
                problems.push(format!("foreign key: {table} row {}", row.try_get::<_, i64>(0)?));
            }
        }
        let now = clock::to_unix(self.clock()?);
        for (name, sql) in INVARIANTS.iter().chain(crate::store::invariants::CORRECTIONS) {
            let rows = if sql.contains("$1") {
                self.conn.query(sql, &[(&now, Type::INT8)])?
            } else {
                self.conn.query(sql, &[])?
            };
            for row in rows {
                problems.push(format!("{name}: {}", row.try_get::<_, String>(0)?));
            }
        }
        for (name, sql) in ACCOUNT_INVARIANTS {
            for row in self.conn.query(sql, &[])? {
                problems.push(format!("{name}: {}", row.try_get::<_, String>(0)?));
            }
        }
        Ok(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::ACCOUNT_INVARIANTS;

    /// Run on the test server (`WALLET_TEST_POSTGRES`, as scripts/test sets
    /// it), in tables of the session's own: of accounts holding the rules'
    /// limit and one more, only the second is reported, with what it holds.
    #[test]
    fn the_holding_limit_check_uses_the_rules_limit() {
        let (_, sql) = ACCOUNT_INVARIANTS
            .iter()
            .find(|(name, _)| name.contains("holding limit"))
            .expect("the holding-limit invariant");
        let url = std::env::var("WALLET_TEST_POSTGRES").unwrap_or_else(|_| {
            panic!("this test runs the check on a PostgreSQL server: set WALLET_TEST_POSTGRES (scripts/test does)")
        });
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("the test server");
        // Temporary tables come first in a session's search path.
        client
            .batch_execute(
                "CREATE TEMP TABLE accounts (id BIGINT PRIMARY KEY, handle TEXT NOT NULL);
                 CREATE TEMP TABLE lots (account_id BIGINT NOT NULL, asset TEXT NOT NULL, remaining BIGINT NOT NULL);
                 INSERT INTO accounts VALUES (1, 'at'), (2, 'over');",
            )
            .expect("tables");
        let limit = i64::try_from(crate::rules::MAX_HOLDING).expect("the limit fits");
        for (account, held) in [(1i64, limit), (2, limit + 1)] {
            client
                .execute(
                    "INSERT INTO lots VALUES ($1, 'credits', $2), ($1, 'credits', 1), ($1, 'credits', 0)",
                    &[&account, &(held - 1)],
                )
                .expect("lots");
        }
        let problems: Vec<String> = client
            .query(*sql, &[])
            .expect("the invariant runs")
            .iter()
            .map(|row| row.get(0))
            .collect();
        assert_eq!(
            problems,
            [format!("account over holds {} credits, more than {limit}", limit + 1)]
        );
    }
}
