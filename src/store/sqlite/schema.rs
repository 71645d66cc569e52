//! The wallet's versioned schema: numbered SQL files embedded in the binary,
//! applied in order when a wallet is opened for writing (see [`super::open`]).

use rusqlite::Connection;

use super::write;

/// Every schema the binary knows, in order. The wallet's `user_version` is
/// the number of migrations applied; a larger number is a newer wallet.
/// One schema change: its SQL, then (for a change of stored data) Rust code
/// run in the same transaction.
pub(super) struct Migration {
    pub(super) sql: &'static str,
    pub(super) then: Option<fn(&Connection) -> anyhow::Result<()>>,
}

pub(super) const MIGRATIONS: &[Migration] = &[
    Migration {
        sql: include_str!("migrations/001_initial.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/002_idempotency.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/003_history_by_operation.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/004_canonical_requests.sql"),
        then: Some(write::canonical_requests),
    },
    Migration {
        sql: include_str!("migrations/005_corrections.sql"),
        then: None,
    },
];

pub(super) fn latest_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

pub(super) fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}
