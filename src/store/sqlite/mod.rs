//! The `SQLite` backend: opening (and creating) a wallet file, its versioned
//! schema, transactions, loading an account's rows, and applying a
//! [`crate::rules::Change`].
//!
//! Main types: [`Store`] (an open wallet file) and [`Db`] (a view of it inside
//! a transaction, through which every query and write goes). One home per job:
//! [`settings`] (connection settings and tuning), [`transaction`] (writes,
//! reads, batches, savepoints), [`explain`]
//! (failures in the wallet's words), [`schema`] (the migrations), [`open`]
//! (finding and creating the file), [`read`], [`write`], [`rows`] and [`verify`] (the
//! queries and writes), [`prepared`] and [`alloc`] (tuning of statements and memory).

mod alloc;
mod copy;
mod explain;
mod log;
mod open;
mod prepared;
mod read;
mod report;
mod rows;
mod schema;
mod settings;
mod transaction;
mod verify;
mod write;

#[cfg(test)]
mod plan_tests;

use rusqlite::Connection;

use crate::store::memo::Memo;

pub use open::Published;
pub use transaction::Batch;

/// An open wallet.
pub struct Store {
    conn: Connection,
    /// A new wallet not yet in its place (see [`open`]).
    unpublished: Option<open::Unpublished>,
}

/// The wallet seen from inside one transaction (or savepoint).
#[derive(Clone, Copy)]
pub struct Db<'c> {
    conn: &'c Connection,
    /// What a write or a batch has already read, if this is one.
    memo: Option<&'c Memo>,
    /// A write's or a batch's own prepared write statements, if this is one.
    prepared: Option<&'c (dyn prepared::Execute + 'c)>,
}

impl Db<'_> {
    /// Whether this connection enforces foreign keys now.
    #[cfg(test)]
    pub(crate) fn enforces_foreign_keys(&self) -> bool {
        self.conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get::<_, i64>(0))
            .is_ok_and(|on| on == 1)
    }

    /// Runs a write statement: through the write's or batch's own prepared
    /// statements, else (a read) through rusqlite's statement cache.
    fn execute(&self, sql: &'static str, params: &[&dyn rusqlite::ToSql]) -> rusqlite::Result<usize> {
        match self.prepared {
            Some(prepared) => prepared.execute(sql, params),
            None => self.conn.prepare_cached(sql)?.execute(params),
        }
    }
}
