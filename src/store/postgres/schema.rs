//! The schema of a wallet on PostgreSQL: numbered SQL files embedded in the
//! binary, the first made by a wallet's first write, the later ones applied
//! by a write that finds an older schema. The wallet row records how many
//! have been applied; a larger number than this binary knows is a newer
//! wallet, refused.

use anyhow::bail;

use super::Conn;
use super::server::Server;

/// Every schema the binary knows, in order.
pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_schema.sql"),
    include_str!("migrations/002_corrections.sql"),
    include_str!("migrations/003_heap_only_debits.sql"),
];

/// The oldest schema a read answers from as it is (a read never upgrades):
/// schema 2 added columns that reads query.
const READABLE_SINCE: i64 = 2;

pub(super) fn latest_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Refuses, for a read, a wallet of an older schema than reads know.
pub(super) fn readable_as_it_is(server: &Server, version: i64) -> anyhow::Result<()> {
    readable(server, version)?;
    if version < READABLE_SINCE {
        bail!(
            "the wallet database {server} was written by an older version of wallet (schema {version}); any command that changes it upgrades it, then reads work again"
        );
    }
    Ok(())
}

/// Refuses a wallet this binary is too old to read.
pub(super) fn readable(server: &Server, version: i64) -> anyhow::Result<()> {
    if version > latest_version() {
        bail!(
            "the wallet database {server} was made by a newer version of wallet (schema {version}; this one knows {}); upgrade wallet to use it",
            latest_version()
        );
    }
    Ok(())
}

/// Brings a wallet of schema `version` to the latest, inside the open
/// write transaction.
pub(super) fn upgrade(conn: &Conn, version: i64) -> anyhow::Result<()> {
    readable(&conn.server, version)?;
    let applied = usize::try_from(version).unwrap_or(0);
    for (number, sql) in MIGRATIONS.iter().enumerate().skip(applied.max(1)) {
        conn.client.borrow_mut().batch_execute(sql).map_err(|e| {
            conn.failed(&e)
                .context(format!("cannot bring the wallet to schema {}", number + 1))
        })?;
    }
    if version < latest_version() {
        conn.push(format_args!(
            "UPDATE wallet SET schema = {} WHERE id = 1",
            latest_version()
        ))?;
    }
    Ok(())
}
