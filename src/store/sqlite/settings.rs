//! Connection settings and tuning: the busy timeout, the page cache, the
//! statement cache, the persistent WAL, `SQLite`'s allocator, and foreign
//! keys set aside for a bulk write.

use std::time::Duration;

use rusqlite::Connection;

use super::alloc;
#[cfg(test)]
use super::plan_tests;

/// How long one attempt to begin a write waits for other writers (`SQLite`'s
/// busy handler sleeps and retries within it), and how many attempts a
/// command makes: only `BEGIN` is retried, never a half-done transaction.
/// See benches/contention.sh for the waits measured under 8 writers.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Process-wide `SQLite` settings, applied once before the first connection:
/// `SQLite`'s memory from mimalloc (see [`alloc`]), and no global
/// memory statistics (they take a mutex on every allocation and the wallet
/// never reads them).
pub(super) fn tune_sqlite() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config is called before any connection exists (the
        // Once runs ahead of every open); SQLITE_CONFIG_MEMSTATUS takes one
        // int. A failure (SQLite already initialised) only keeps the default.
        unsafe {
            alloc::use_mimalloc();
            rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int);
        }
    });
}

/// Keeps the WAL file when the last connection closes (it is emptied, not
/// deleted), so the next command does not create it anew — which costs a
/// WAL header write, two fsyncs and a folder fsync under synchronous=FULL.
pub(super) fn persist_wal(conn: &Connection) {
    let mut on: std::ffi::c_int = 1;
    // SAFETY: the handle is this open connection's; SQLITE_FCNTL_PERSIST_WAL
    // reads and writes one int through the pointer, which outlives the call.
    unsafe {
        rusqlite::ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            rusqlite::ffi::SQLITE_FCNTL_PERSIST_WAL,
            (&raw mut on).cast(),
        );
    }
}

/// Page cache of a connection, and of one running a [`Batch`]: a replay
/// touches one page per account in three indexes (its operations, its lots
/// and its live lots), about 20 MiB for 10,000 accounts. With less, dirty
/// pages are spilled to the WAL and read back, and a year's replay makes
/// 2.6 times the writes and reads (benches/perf.py; README, Performance).
pub(super) const CACHE_KIB: i64 = 16 * 1024;
pub(super) const BATCH_CACHE_KIB: i64 = 24 * 1024;
/// WAL pages between a batch's checkpoints (`SQLite`'s default is 1,000): a
/// page rewritten by several commits is copied into the wallet file once.
/// The WAL grows to about 32 MiB between checkpoints, and is cut back after
/// the batch.
pub(super) const BATCH_CHECKPOINT_PAGES: i64 = 8192;
pub(super) const CHECKPOINT_PAGES: i64 = 1000;

/// Every statement the store uses stays prepared (rusqlite keeps 16 by default).
const STATEMENT_CACHE: usize = 128;

pub(super) fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Statement and savepoint journals (one per replay line) in memory, not
    // in temp files: they only ever hold one transaction's undo.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // 16 MiB of page cache (SQLite's default is 2 MiB): a busy clock advance
    // stays in memory instead of spilling and re-reading. A batch takes more.
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    #[cfg(test)]
    plan_tests::trace(conn);
    Ok(())
}

/// Foreign keys unenforced on a connection for as long as this lives: a bulk
/// write ([`Batch`], [`Store::write_bulk`]). Made and dropped outside any
/// transaction, where the pragma takes effect; a failure to enforce them
/// again leaves them off on a connection that is about to close.
pub(super) struct Unenforced<'c>(&'c Connection);

impl<'c> Unenforced<'c> {
    pub(super) fn new(conn: &'c Connection) -> rusqlite::Result<Unenforced<'c>> {
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        Ok(Unenforced(conn))
    }
}

impl Drop for Unenforced<'_> {
    fn drop(&mut self) {
        let _ = self.0.pragma_update(None, "foreign_keys", "ON");
    }
}
