//! The one place that talks to `SQLite`: opening (and creating) a wallet file,
//! its versioned schema, transactions, loading an account's rows, and
//! applying a [`crate::rules::Change`].
//!
//! Main types: [`Store`] (an open wallet) and [`Db`] (a view of it inside a
//! transaction, through which every query and write goes).

mod alloc;
mod open;
mod prepared;
mod read;
mod verify;
mod write;

#[cfg(test)]
mod plan_tests;

use std::time::Duration;

use anyhow::{Context, anyhow};
use rusqlite::{Connection, TransactionBehavior};

use crate::clock::Instant;
use crate::rules::Lot;

pub use open::{Location, Published};
pub use write::Recorded;

/// Every schema the binary knows, in order. The wallet's `user_version` is
/// the number of migrations applied; a larger number is a newer wallet.
/// One schema change: its SQL, then (for a change of stored data) Rust code
/// run in the same transaction.
struct Migration {
    sql: &'static str,
    then: Option<fn(&Connection) -> anyhow::Result<()>>,
}

const MIGRATIONS: &[Migration] = &[
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
];

/// How long one attempt to begin a write waits for other writers (`SQLite`'s
/// busy handler sleeps and retries within it), and how many attempts a
/// command makes: only `BEGIN` is retried, never a half-done transaction.
/// See benches/contention.sh for the waits measured under 8 writers.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const BEGIN_ATTEMPTS: u32 = 3;

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// `BEGIN IMMEDIATE`, retried a bounded number of times while busy.
fn begin_immediate(conn: &Connection) -> anyhow::Result<()> {
    let mut attempt = 1;
    loop {
        match conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => return Ok(()),
            Err(e) if is_busy(&e) && attempt < BEGIN_ATTEMPTS => attempt += 1,
            Err(e) if is_busy(&e) => {
                return Err(anyhow!(e).context(format!(
                    "the wallet is busy: other commands kept it locked through {attempt} waits of {}s; nothing was changed — run the command again, and if it stays busy look for a stuck wallet process (fuser on the wallet file)",
                    BUSY_TIMEOUT.as_secs()
                )));
            }
            Err(e) => return Err(explain(e, "the wallet")),
        }
    }
}

/// An `SQLite` failure in the wallet's words: what went wrong with the file
/// and what to do, instead of `SQLite`'s bare codes ("Error code 1544").
pub(crate) fn explain(e: rusqlite::Error, location: &str) -> anyhow::Error {
    use rusqlite::ErrorCode as Code;
    let (code, extended, detail) = match &e {
        rusqlite::Error::SqliteFailure(f, message) => (
            f.code,
            f.extended_code,
            message.clone().unwrap_or_else(|| format!("{:?}", f.code)),
        ),
        _ => return anyhow!(e).context(format!("cannot use the wallet {location}")),
    };
    // A write the disk would not take is named where the error is shown (crate::error).
    let no_room = code == Code::DiskFull
        || (code == Code::SystemIoFailure
            && matches!(
                extended,
                rusqlite::ffi::SQLITE_IOERR_WRITE | rusqlite::ffi::SQLITE_IOERR_TRUNCATE
            ));
    if no_room {
        return anyhow!(e);
    }
    let what = match code {
        Code::NotADatabase => {
            format!("{location} is not a wallet file (SQLite could not read it); point --db at a wallet")
        }
        Code::DatabaseBusy | Code::DatabaseLocked => format!(
            "{location} is busy: other commands kept it locked for {}s; run the command again",
            BUSY_TIMEOUT.as_secs()
        ),
        Code::ReadOnly => format!(
            "cannot write to {location}: the file, its -wal and -shm companions or its folder are read-only; make them writable (chmod u+w) or point --db at a writable copy"
        ),
        Code::CannotOpen => format!(
            "cannot open {location}: SQLite needs to read the file and to create its -wal and -shm companions beside it; check the folder's permissions"
        ),
        Code::SystemIoFailure => format!(
            "an input/output error on {location} (SQLite code {extended}); check that the disk is not full, the file size limit (ulimit -f) and the file's permissions"
        ),
        Code::PermissionDenied => {
            format!("permission denied on {location}; check the file's and its folder's permissions")
        }
        _ => return anyhow!(e).context(format!("cannot use the wallet {location}")),
    };
    anyhow!("{what} (SQLite: {detail})")
}

/// An open wallet.
pub struct Store {
    conn: Connection,
    /// A new wallet not yet in its place (see [`open`]).
    unpublished: Option<open::Unpublished>,
}

/// The wallet seen from inside one transaction (or savepoint).
pub struct Db<'c> {
    conn: &'c Connection,
    /// What a write or a batch has already read, if this is one.
    memo: Option<&'c Memo>,
    /// A write's or a batch's own prepared write statements, if this is one.
    prepared: Option<&'c (dyn prepared::Execute + 'c)>,
}

impl Db<'_> {
    /// Runs a write statement: through the write's or batch's own prepared
    /// statements, else (a read) through rusqlite's statement cache.
    fn execute(&self, sql: &'static str, params: &[&dyn rusqlite::ToSql]) -> rusqlite::Result<usize> {
        match self.prepared {
            Some(prepared) => prepared.execute(sql, params),
            None => self.conn.prepare_cached(sql)?.execute(params),
        }
    }
}

/// Values a write transaction or a [`Batch`] remembers instead of reading
/// them again: the clock, account ids by handle, the next image number and the
/// live lots of the accounts it has touched. Only the store's own writes
/// change them, and those keep the memo up to date. It is forgotten whenever
/// a unit is undone or a commit fails, since then the rows may differ from
/// what was remembered, and when another connection has written to the
/// wallet between two of the batch's transactions (`PRAGMA data_version`).
/// It holds at most [`MEMO_ACCOUNTS`] accounts, and starts afresh when full.
#[derive(Default)]
struct Memo {
    clock: std::cell::Cell<Option<Instant>>,
    next_image: std::cell::Cell<Option<i64>>,
    accounts: std::cell::RefCell<foldhash::HashMap<String, i64>>,
    /// Live lots by account id, in id order, as `live_lots` returns them.
    lots: std::cell::RefCell<foldhash::HashMap<i64, Vec<Lot>>>,
    /// The wallet's `data_version` when the batch's last transaction began.
    data_version: std::cell::Cell<Option<i64>>,
}

/// Accounts a batch remembers at most (about 0.5 KiB each with their lots),
/// and live lots an account may have to be remembered: at most 19 MiB.
const MEMO_ACCOUNTS: usize = 16_384;
const MEMO_LOTS_PER_ACCOUNT: usize = 16;

impl Memo {
    fn forget(&self) {
        self.clock.set(None);
        self.next_image.set(None);
        self.accounts.borrow_mut().clear();
        self.lots.borrow_mut().clear();
    }

    fn remember_account(&self, handle: &str, id: i64) {
        let mut accounts = self.accounts.borrow_mut();
        if accounts.len() >= MEMO_ACCOUNTS {
            accounts.clear();
        }
        accounts.insert(handle.to_owned(), id);
    }

    fn remember_lots(&self, account_id: i64, mut lots: Vec<Lot>) {
        let mut remembered = self.lots.borrow_mut();
        // Bounded by size too: an account with many live lots is read each time.
        if lots.len() > MEMO_LOTS_PER_ACCOUNT {
            remembered.remove(&account_id);
            return;
        }
        lots.shrink_to_fit();
        if remembered.len() >= MEMO_ACCOUNTS {
            remembered.clear();
        }
        remembered.insert(account_id, lots);
    }
}

fn latest_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Process-wide `SQLite` settings, applied once before the first connection:
/// `SQLite`'s memory from mimalloc (see [`alloc`]), and no global
/// memory statistics (they take a mutex on every allocation and the wallet
/// never reads them).
fn tune_sqlite() {
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
fn persist_wal(conn: &Connection) {
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
const CACHE_KIB: i64 = 16 * 1024;
const BATCH_CACHE_KIB: i64 = 24 * 1024;
/// WAL pages between a batch's checkpoints (`SQLite`'s default is 1,000): a
/// page rewritten by several commits is copied into the wallet file once.
/// The WAL grows to about 32 MiB between checkpoints, and is cut back after
/// the batch.
const BATCH_CHECKPOINT_PAGES: i64 = 8192;
const CHECKPOINT_PAGES: i64 = 1000;

/// Every statement the store uses stays prepared (rusqlite keeps 16 by default).
const STATEMENT_CACHE: usize = 128;

fn configure(conn: &Connection) -> rusqlite::Result<()> {
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

impl Store {
    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: all of it lands or none.
    pub fn write<T, E>(&mut self, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        write_on(&self.conn, f)
    }

    /// [`Store::write`] as a bulk load: like a [`Batch`], it runs with
    /// foreign keys unenforced, for a clock advance, whose every row refers
    /// to rows it has just read or written (a year over 10,000 subscriptions
    /// is half a million rows; the parent lookups were a sixth of its work).
    /// They are enforced again afterwards.
    pub fn write_bulk<T, E>(&mut self, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        let _unenforced = Unenforced::new(&self.conn)
            .map_err(|e| anyhow!(e).context("cannot prepare the wallet for a bulk write"))?;
        write_on(&self.conn, f)
    }

    /// Runs `f` in one short read transaction.
    pub fn read<T, E>(&mut self, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(|e| anyhow!(e).context("cannot read the wallet"))?;
        let value = f(&Db {
            conn: &tx,
            memo: None,
            prepared: None,
        })?;
        tx.finish()
            .map_err(|e| anyhow!(e).context("cannot end the read transaction"))?;
        Ok(value)
    }
}

/// One `BEGIN IMMEDIATE` transaction on `conn` running `f`: all of it lands or none.
fn write_on<T, E>(conn: &Connection, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E>
where
    E: From<anyhow::Error>,
{
    begin_immediate(conn)?;
    // Remembered and prepared for this transaction only (a clock advance
    // reads each account's lots once and runs its writes many times).
    let memo = Memo::default();
    let prepared = prepared::Prepared::new(conn);
    match f(&Db {
        conn,
        memo: Some(&memo),
        prepared: Some(&prepared),
    }) {
        Ok(value) => {
            if let Err(e) = conn.execute_batch("COMMIT") {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(anyhow!(e)
                    .context("cannot commit to the wallet; nothing was changed")
                    .into());
            }
            Ok(value)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Foreign keys unenforced on a connection for as long as this lives: a bulk
/// write ([`Batch`], [`Store::write_bulk`]). Made and dropped outside any
/// transaction, where the pragma takes effect; a failure to enforce them
/// again leaves them off on a connection that is about to close.
struct Unenforced<'c>(&'c Connection);

impl<'c> Unenforced<'c> {
    fn new(conn: &'c Connection) -> rusqlite::Result<Unenforced<'c>> {
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        Ok(Unenforced(conn))
    }
}

impl Drop for Unenforced<'_> {
    fn drop(&mut self) {
        let _ = self.0.pragma_update(None, "foreign_keys", "ON");
    }
}

/// Many small units of work committed together: each unit runs in its own
/// savepoint (so it lands whole or not at all), and the surrounding
/// `BEGIN IMMEDIATE` transaction is committed after `every` units or when
/// it has been open for `max_open`, whichever comes first (so other writers
/// get their turn), and at [`Batch::commit`]. Dropping an uncommitted batch
/// rolls back its open part.
///
/// A batch is a bulk load, and like `SQLite`'s advice for one it runs with
/// foreign keys unenforced (they cost a parent lookup per reference, a
/// tenth of a replayed line). The references it writes are ids the store
/// has just read or created in the same transaction, a debit still fails
/// unless its lot belongs to the account, and `verify` checks every foreign
/// key. They are enforced again when the batch is dropped.
pub struct Batch<'s> {
    conn: &'s Connection,
    memo: Memo,
    prepared: prepared::Prepared<'s>,
    /// Dropped after [`Batch`]'s own `drop` has ended its transaction.
    _unenforced: Unenforced<'s>,
    opened: Option<std::time::Instant>,
    pending: usize,
    every: usize,
    max_open: Duration,
}

impl Store {
    pub fn batch(&mut self, every: usize, max_open: Duration) -> anyhow::Result<Batch<'_>> {
        // Outside a transaction (the pragma does nothing inside one): no
        // batch or write is open, since both borrow the store mutably.
        let unenforced = Unenforced::new(&self.conn)?;
        self.conn.pragma_update(None, "cache_size", -BATCH_CACHE_KIB)?;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", BATCH_CHECKPOINT_PAGES)?;
        Ok(Batch {
            conn: &self.conn,
            memo: Memo::default(),
            prepared: prepared::Prepared::new(&self.conn),
            _unenforced: unenforced,
            opened: None,
            pending: 0,
            every: every.max(1),
            max_open,
        })
    }
}

impl Batch<'_> {
    /// Runs one unit atomically inside the batch's transaction.
    pub fn run<T, E>(&mut self, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        let opened = if let Some(t) = self.opened {
            t
        } else {
            begin_immediate(self.conn)?;
            // Another connection's commit since this batch's last
            // transaction makes what the batch remembers unreliable.
            let version = match self.conn.query_row("PRAGMA data_version", [], |r| r.get(0)) {
                Ok(version) => version,
                Err(e) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    return Err(anyhow!(e).context("cannot read the wallet's data version").into());
                }
            };
            if self.memo.data_version.replace(Some(version)) != Some(version) {
                self.memo.forget();
            }
            *self.opened.insert(std::time::Instant::now())
        };
        let value = Db {
            conn: self.conn,
            memo: Some(&self.memo),
            prepared: Some(&self.prepared),
        }
        .atomically(f)
        .inspect_err(|_| self.memo.forget())?;
        self.pending += 1;
        // The time is read only every 64 units: it is not free either.
        if self.pending >= self.every || self.pending.is_multiple_of(64) && opened.elapsed() >= self.max_open {
            self.commit()?;
        }
        Ok(value)
    }

    /// Units run since the last commit (0 right after one).
    pub fn uncommitted(&self) -> usize {
        self.pending
    }

    /// Commits every unit run so far.
    pub fn commit(&mut self) -> anyhow::Result<()> {
        if self.opened.is_some() {
            // A COMMIT that fails may have rolled back.
            self.conn
                .execute_batch("COMMIT")
                .inspect_err(|_| self.memo.forget())
                .context("cannot commit to the wallet")?;
            self.opened = None;
            self.pending = 0;
        }
        Ok(())
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        if self.opened.is_some() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        // A failure leaves them so on a connection that is about to close.
        // Foreign keys are enforced again when `_unenforced` is dropped next.
        let _ = self.conn.pragma_update(None, "cache_size", -CACHE_KIB);
        let _ = self.conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_PAGES);
    }
}

impl Db<'_> {
    /// Runs `f` inside a savepoint: on error everything `f` did is undone
    /// and the surrounding transaction goes on.
    pub fn atomically<T, E>(&self, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        let sql = |s: &'static str| self.execute(s, &[]).map_err(|e| anyhow!(e).context("savepoint failed"));
        sql("SAVEPOINT line")?;
        match f(self) {
            Ok(value) => {
                sql("RELEASE line")?;
                Ok(value)
            }
            Err(e) => {
                if let Some(memo) = self.memo {
                    memo.forget();
                }
                // SQLite answers some failures (a full disk) by rolling the
                // whole transaction back: there is no savepoint left to undo,
                // nothing of the unit can be committed, and `e` says why.
                if self.conn.is_autocommit() {
                    return Err(e);
                }
                sql("ROLLBACK TO line")?;
                sql("RELEASE line")?;
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod batch_tests {
    use super::*;
    use crate::clock::at;
    use crate::pricing::Pricing;
    use crate::rules::{self, Change, Effect, OperationKind, Style};

    /// (`foreign_keys`, `cache_size`, `wal_autocheckpoint`) of the store's connection.
    fn settings(conn: &Connection) -> (i64, i64, i64) {
        let pragma = |name: &str| -> i64 { conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).expect(name) };
        (
            pragma("foreign_keys"),
            pragma("cache_size"),
            pragma("wal_autocheckpoint"),
        )
    }

    #[test]
    fn a_unit_undone_in_a_batch_leaves_nothing_remembered() {
        let (t0, t1) = (at("2026-01-01T00:00:00Z"), at("2026-02-01T00:00:00Z"));
        let mut store = Store::open(&Location::Memory, t0).expect("open");
        let mut batch = store.batch(1000, Duration::from_mins(1)).expect("batch");
        let failed = batch.run(|db| -> anyhow::Result<()> {
            assert_eq!(db.clock()?, t0);
            let id = db.create_account("ann", t0)?;
            assert_eq!(db.account_id("ann")?, Some(id));
            let images = Change {
                kind: OperationKind::Generate,
                summary: "two images".to_owned(),
                effects: vec![Effect::CreateImages {
                    first_number: db.next_image_number()?,
                    count: 2,
                    style: Style::Base,
                }],
            };
            db.record(id, t0, &images, None)?;
            assert_eq!(db.next_image_number()?, 3);
            db.set_clock(t1)?;
            assert_eq!(db.clock()?, t1);
            assert!(db.live_lots(id)?.is_empty());
            anyhow::bail!("the unit fails after all")
        });
        assert!(failed.is_err());
        assert!(
            batch.memo.lots.borrow().is_empty(),
            "the undone unit's lots are forgotten"
        );
        batch
            .run(|db| -> anyhow::Result<()> {
                assert_eq!(db.account_id("ann")?, None, "the account was undone");
                assert_eq!(db.next_image_number()?, 1, "the images were undone");
                assert_eq!(db.clock()?, t0, "the clock was undone");
                Ok(())
            })
            .expect("second unit");
        batch.commit().expect("commit");
    }

    #[test]
    fn a_unit_whose_transaction_sqlite_rolled_back_reports_its_own_failure() {
        let t0 = at("2026-01-01T00:00:00Z");
        let mut store = Store::open(&Location::Memory, t0).expect("open");
        let mut batch = store.batch(1000, Duration::from_mins(1)).expect("batch");
        batch
            .run(|db| db.create_account("ann", t0).map(|_| ()))
            .expect("first unit");
        // As SQLite does on a full disk: the statement fails and the transaction is gone.
        let failed = batch.run(|db| -> anyhow::Result<()> {
            db.create_account("bob", t0)?;
            db.conn.execute_batch("ROLLBACK")?;
            anyhow::bail!("database or disk is full")
        });
        let message = format!("{:#}", failed.expect_err("the unit fails"));
        assert_eq!(message, "database or disk is full", "not a savepoint failure");
        assert!(batch.commit().is_err(), "nothing is left to commit");
        drop(batch);
        let ann = store.read(|db| db.account_id("ann")).expect("read");
        assert_eq!(ann, None, "the rolled-back batch kept nothing");
    }

    /// Signs `handle` up (its signup credits) and buys a credit pack.
    fn customer(db: &Db<'_>, handle: &str, now: Instant) -> anyhow::Result<i64> {
        let pricing = Pricing::builtin()?;
        let id = db.create_account(handle, now)?;
        db.record(id, now, &rules::signup(handle, false, &pricing, now)?, None)?;
        db.record(
            id,
            now,
            &rules::buy(handle, "credits-1000", 1, false, &pricing, now)?,
            None,
        )?;
        Ok(id)
    }

    /// Generates `count` base images for the account.
    fn generate(db: &Db<'_>, id: i64, count: u32, now: Instant) -> anyhow::Result<()> {
        let pricing = Pricing::builtin()?;
        let change = rules::generate(
            "ann",
            &db.live_lots(id)?,
            &[],
            Style::Base,
            count,
            db.next_image_number()?,
            &pricing,
            now,
        )?;
        db.record(id, now, &change, None)?;
        Ok(())
    }

    #[test]
    fn a_batch_keeps_the_lots_it_remembers_in_step_with_its_writes() {
        let t0 = at("2026-01-01T00:00:00Z");
        let mut store = Store::open(&Location::Memory, t0).expect("open");
        let mut batch = store.batch(1000, Duration::from_mins(1)).expect("batch");
        let id = batch.run(|db| customer(db, "ann", t0)).expect("customer");
        for (unit, count) in [4, 1, 3, 50, 2].into_iter().enumerate() {
            batch.run(|db| generate(db, id, count, t0)).expect("generate");
            let (remembered, rows) = batch
                .run(|db| -> anyhow::Result<_> { Ok((db.live_lots(id)?, db.query_live_lots(id)?)) })
                .expect("read");
            assert_eq!(remembered, rows, "after unit {unit}");
            if unit == 2 {
                batch.commit().expect("commit");
                assert!(
                    batch.memo.lots.borrow().contains_key(&id),
                    "kept across a commit when no one else wrote"
                );
            }
        }
        let pricing = Pricing::builtin().expect("pricing");
        // Use up the signup lot and part of the pack, then grant another pack.
        batch
            .run(|db| -> anyhow::Result<()> {
                generate(db, id, 60, t0)?;
                db.record(
                    id,
                    t0,
                    &rules::buy("ann", "credits-1000", 1, false, &pricing, t0)?,
                    None,
                )?;
                Ok(())
            })
            .expect("spend and buy");
        let (remembered, rows) = batch
            .run(|db| -> anyhow::Result<_> { Ok((db.live_lots(id)?, db.query_live_lots(id)?)) })
            .expect("read");
        assert_eq!(remembered, rows);
        assert_eq!(rows.len(), 2, "the signup lot is used up: {rows:?}");
    }

    #[test]
    fn a_batch_forgets_what_it_remembers_when_another_connection_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let location = Location::File(dir.path().join("w.sqlite3"));
        let t0 = at("2026-01-01T00:00:00Z");
        let mut ours = Store::open_published(&location, t0).expect("open");
        let mut theirs = Store::open_published(&location, t0).expect("open again");
        let mut batch = ours.batch(1000, Duration::from_mins(1)).expect("batch");
        let id = batch.run(|db| customer(db, "ann", t0)).expect("customer");
        let before = batch
            .run(|db| -> anyhow::Result<_> {
                assert_eq!(db.next_image_number()?, 1, "remembered before their write");
                db.live_lots(id)
            })
            .expect("lots");
        batch.commit().expect("commit");

        theirs.write(|db| generate(db, id, 5, t0)).expect("their write");

        let (after, rows) = batch
            .run(|db| -> anyhow::Result<_> { Ok((db.live_lots(id)?, db.query_live_lots(id)?)) })
            .expect("read after their write");
        assert_ne!(before, rows, "their write changed the lots");
        assert_eq!(after, rows, "the batch reads their write, not its memory");
        assert_eq!(batch.run(|db| db.next_image_number()).expect("next image"), 6);
    }

    #[test]
    fn a_batch_sets_its_own_connection_settings_and_restores_them() {
        let mut store = Store::open(&Location::Memory, at("2026-01-01T00:00:00Z")).expect("open");
        let single = (1, -CACHE_KIB, CHECKPOINT_PAGES);
        assert_eq!(settings(&store.conn), single);
        {
            let mut batch = store.batch(1000, Duration::from_mins(1)).expect("batch");
            let inside = batch
                .run(|db| -> anyhow::Result<_> { Ok(settings(db.conn)) })
                .expect("unit");
            assert_eq!(inside, (0, -BATCH_CACHE_KIB, BATCH_CHECKPOINT_PAGES));
        }
        assert_eq!(
            settings(&store.conn),
            single,
            "foreign keys enforced again, the usual cache and checkpoints"
        );
    }

    #[test]
    fn a_bulk_write_leaves_foreign_keys_to_verify_and_enforces_them_again() {
        let t0 = at("2026-01-01T00:00:00Z");
        let mut store = Store::open(&Location::Memory, t0).expect("open");
        let orphan = |db: &Db<'_>| {
            db.execute(
                "INSERT INTO operations (account_id, at, kind, summary) VALUES (99, 0, 'x', 'x')",
                &[],
            )
        };
        let inside = store
            .write_bulk(|db| -> anyhow::Result<_> {
                orphan(db)?;
                Ok(settings(db.conn).0)
            })
            .expect("an unenforced reference is written");
        assert_eq!(inside, 0);
        assert_eq!(settings(&store.conn).0, 1, "enforced again");
        let problems = store.read(|db| db.verify()).expect("verify");
        assert!(
            problems.iter().any(|p| p.starts_with("foreign key: operations")),
            "{problems:?}"
        );
        let refused = store.write(|db| -> anyhow::Result<_> { Ok(orphan(db)?) });
        assert!(refused.is_err(), "a single write enforces foreign keys");
        // A failed bulk write enforces them again too.
        let failed = store.write_bulk(|_| -> anyhow::Result<()> { Err(anyhow!("refused")) });
        assert!(failed.is_err());
        assert_eq!(settings(&store.conn).0, 1);
    }
}

#[cfg(test)]
mod message_tests {
    use super::*;

    /// Issue: "database is locked" after the busy timeout, with no advice.
    #[test]
    fn a_wallet_kept_busy_says_what_to_do() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.sqlite3");
        let holder = Connection::open(&path).expect("open");
        holder
            .execute_batch("PRAGMA journal_mode = WAL; BEGIN IMMEDIATE")
            .expect("lock");
        let waiter = Connection::open(&path).expect("open again");
        waiter.busy_timeout(Duration::from_millis(5)).expect("timeout");
        let message = format!("{:#}", begin_immediate(&waiter).expect_err("busy"));
        assert!(message.contains("the wallet is busy"), "{message}");
        assert!(message.contains("run the command again"), "{message}");
    }

    #[test]
    fn sqlite_failures_are_said_in_words_without_codes() {
        let failure = |code: std::ffi::c_int| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None);
        for (code, words) in [
            (rusqlite::ffi::SQLITE_FULL, "is full"),
            (rusqlite::ffi::SQLITE_READONLY_DIRECTORY, "read-only"),
            (rusqlite::ffi::SQLITE_IOERR_SHMSIZE, "input/output error"),
            (rusqlite::ffi::SQLITE_CANTOPEN, "cannot open"),
        ] {
            let message = crate::error::Error::Failed(explain(failure(code), "w.sqlite3")).to_string();
            assert!(message.contains(words), "{code}: {message}");
            assert!(!message.contains("Error code"), "{code}: {message}");
        }
    }
}
