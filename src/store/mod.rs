//! The one place that talks to SQLite: opening (and creating) a wallet file,
//! its versioned schema, transactions, loading an account's rows, and
//! applying a [`crate::rules::Change`].
//!
//! Main types: [`Store`] (an open wallet) and [`Db`] (a view of it inside a
//! transaction, through which every query and write goes).

mod alloc;
mod prepared;
mod read;
mod verify;
mod write;

#[cfg(test)]
mod plan_tests;

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

use crate::clock::{self, Instant};
use crate::rules::Lot;

pub use read::{AccountRow, HistoryRow, ImageRow};
pub use write::Recorded;

/// Every schema the binary knows, in order. The wallet's `user_version` is
/// the number of migrations applied; a larger number is a newer wallet.
/// (A static built on first use: a migration with Rust code cannot be a constant.)
static MIGRATIONS: std::sync::LazyLock<Vec<M<'static>>> = std::sync::LazyLock::new(|| {
    vec![
        M::up(include_str!("migrations/001_initial.sql")),
        M::up(include_str!("migrations/002_idempotency.sql")),
        M::up(include_str!("migrations/003_history_by_operation.sql")),
        M::up_with_hook(
            include_str!("migrations/004_canonical_requests.sql"),
            write::canonical_requests,
        ),
    ]
});

/// How long one attempt to begin a write waits for other writers (SQLite's
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
            Err(e) => {
                return Err(anyhow!(e).context(format!(
                    "cannot start a write transaction on the wallet (other writers kept it busy for {} attempts of {}s)",
                    attempt,
                    BUSY_TIMEOUT.as_secs()
                )));
            }
        }
    }
}

/// Where the wallet lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Memory,
    File(PathBuf),
}

impl Location {
    pub fn parse(text: &str) -> Location {
        if text == ":memory:" {
            Location::Memory
        } else {
            Location::File(PathBuf::from(text))
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Memory => f.write_str(":memory:"),
            Location::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// An open wallet.
pub struct Store {
    conn: Connection,
    /// The file this open created, if it did: removed again by
    /// [`Store::discard_if_unused`] when the command that created it fails.
    created: Option<PathBuf>,
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

/// Process-wide SQLite settings, applied once before the first connection:
/// SQLite's memory from mimalloc (see [`alloc`]), and no global
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

/// SQLite's "file is not a database", said in the wallet's words.
fn not_a_wallet(e: rusqlite::Error, location: &Location) -> anyhow::Error {
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) {
        anyhow!(e).context(format!(
            "{location} is not a wallet file (SQLite could not read it); point --db at a wallet"
        ))
    } else {
        anyhow!(e).context(format!("cannot open {location}"))
    }
}

/// Refuses a file that is not a wallet or was written by a newer version.
fn check_version(conn: &Connection, location: &Location) -> anyhow::Result<i64> {
    let version =
        user_version(conn).with_context(|| format!("{location} is not a wallet file (SQLite could not read it)"))?;
    if version > latest_version() {
        bail!(
            "{location} was written by a newer version of wallet (schema {version}, this binary knows up to {}); upgrade wallet to open it",
            latest_version()
        );
    }
    if version == 0 {
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if tables > 0 {
            bail!("{location} is an SQLite file but not a wallet (it has other tables); point --db at a wallet file");
        }
    }
    Ok(version)
}

/// Page cache of a connection, and of one running a [`Batch`]: a replay
/// touches one page per account in three indexes (its operations, its lots
/// and its live lots), about 20 MiB for 10,000 accounts. With less, dirty
/// pages are spilled to the WAL and read back, and a year's replay makes
/// 2.6 times the writes and reads (benches/perf.py; README, Performance).
const CACHE_KIB: i64 = 16 * 1024;
const BATCH_CACHE_KIB: i64 = 24 * 1024;
/// WAL pages between a batch's checkpoints (SQLite's default is 1,000): a
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
    /// Opens the wallet for writing, creating it (with its parent folders,
    /// mode 0600) when missing. A new wallet's clock starts at `created_clock`.
    pub fn open(location: &Location, created_clock: Instant) -> anyhow::Result<Store> {
        tune_sqlite();
        let created = match location {
            Location::File(path) if !path.exists() => Some(path.clone()),
            _ => None,
        };
        Store::open_inner(location, created_clock, created.clone()).inspect_err(|_| {
            if let Some(path) = &created {
                remove_wallet_files(path);
            }
        })
    }

    fn open_inner(location: &Location, created_clock: Instant, created: Option<PathBuf>) -> anyhow::Result<Store> {
        let mut conn = match location {
            Location::Memory => Connection::open_in_memory()?,
            Location::File(path) => {
                create_file_if_missing(path)?;
                if let Err(e) = OpenOptions::new().write(true).open(path) {
                    bail!(
                        "the wallet file {location} is read-only ({e}); nothing was changed — make it writable or point --db at a writable copy"
                    );
                }
                Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .with_context(|| format!("cannot open {location}"))?
            }
        };
        configure(&conn).map_err(|e| not_a_wallet(e, location))?;
        check_version(&conn, location)?;
        if matches!(location, Location::File(_)) {
            let mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .with_context(|| format!("{location} is not a wallet file (SQLite could not read it)"))?;
            if !mode.eq_ignore_ascii_case("wal") {
                bail!("{location}: cannot switch the wallet to WAL mode (got {mode})");
            }
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        if matches!(location, Location::File(_)) {
            persist_wal(&conn);
            // The kept WAL file is cut back to at most 4 MiB after a checkpoint.
            conn.pragma_update(None, "journal_size_limit", 4 * 1024 * 1024)?;
        }
        Migrations::from_slice(&MIGRATIONS)
            .to_latest(&mut conn)
            .with_context(|| format!("cannot prepare the wallet schema in {location}"))?;
        conn.execute(
            "INSERT OR IGNORE INTO wallet (id, clock, created_at) VALUES (1, ?1, ?1)",
            [clock::to_unix(created_clock)],
        )
        .with_context(|| format!("cannot write to {location}"))?;
        Ok(Store { conn, created })
    }

    /// After a failed command: removes the wallet file again if this open
    /// created it and nothing has happened in it (a concurrent creator's
    /// wallet, which would not be empty, is left alone).
    pub fn discard_if_unused(mut self) {
        let Some(path) = self.created.take() else {
            return;
        };
        if self.read(|db| db.is_empty()).unwrap_or(false) {
            drop(self);
            remove_wallet_files(&path);
        }
    }

    /// Opens an existing wallet read-only; `None` when there is no wallet
    /// yet — no file, or a file never written to (nothing is created).
    /// `:memory:` gives an empty wallet. A wallet of an older schema is
    /// upgraded first (a schema change, not a change of its contents).
    pub fn open_read_only(location: &Location, now: Instant) -> anyhow::Result<Option<Store>> {
        tune_sqlite();
        let path = match location {
            Location::Memory => return Store::open(location, now).map(Some),
            Location::File(path) => path,
        };
        if !path.exists() {
            return Ok(None);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).with_context(|| format!("cannot open {location}"))?;
        // SQLite cannot share a WAL wallet it may not write next to (a
        // read-only file in a read-only folder): read such a file as immutable.
        if user_version(&conn).is_err() {
            let uri = format!("file:{}?immutable=1", uri_path(path));
            if let Ok(immutable) = Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
                && user_version(&immutable).is_ok()
            {
                conn = immutable;
            }
        }
        configure(&conn).map_err(|e| not_a_wallet(e, location))?;
        let version = check_version(&conn, location)?;
        if version == 0 {
            return Ok(None);
        }
        if version < latest_version() {
            drop(conn);
            Store::open(location, now)?;
            return Store::open_read_only(location, now);
        }
        Ok(Some(Store { conn, created: None }))
    }

    /// Opens an existing wallet for a quick look that must leave no trace,
    /// not even SQLite's WAL companion files (shell completion). Reads what
    /// the last writer committed to the main file; `None` if unavailable.
    pub fn open_untouched(path: &Path) -> Option<Store> {
        tune_sqlite();
        if !path.exists() {
            return None;
        }
        let uri = format!("file:{}?immutable=1", uri_path(path));
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(uri, flags).ok()?;
        (user_version(&conn).ok()? == latest_version()).then_some(Store { conn, created: None })
    }

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
/// A batch is a bulk load, and like SQLite's advice for one it runs with
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
        let opened = match self.opened {
            Some(t) => t,
            None => {
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
            }
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
                sql("ROLLBACK TO line")?;
                sql("RELEASE line")?;
                Err(e)
            }
        }
    }
}

/// Removes a wallet file with its WAL and shared-memory companions.
fn remove_wallet_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// A path as the path part of an SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '?' | '#' | '%' => out += &format!("%{:02X}", u32::from(c)),
            _ => out.push(c),
        }
    }
    out
}

/// Creates the wallet file and its parent folders, readable by its owner only.
fn create_file_if_missing(path: &Path) -> anyhow::Result<()> {
    if path.exists() {
        return Ok(());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(anyhow!(e).context(format!("cannot create the wallet file {}", path.display()))),
    }
}

#[cfg(test)]
mod batch_tests {
    use super::*;
    use crate::clock::at;
    use crate::pricing::Pricing;
    use crate::rules::{self, Change, Effect, Style};

    /// (foreign_keys, cache_size, wal_autocheckpoint) of the store's connection.
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
        let mut batch = store.batch(1000, Duration::from_secs(60)).expect("batch");
        let failed = batch.run(|db| -> anyhow::Result<()> {
            assert_eq!(db.clock()?, t0);
            let id = db.create_account("ann", t0)?;
            assert_eq!(db.account_id("ann")?, Some(id));
            let images = Change {
                kind: "generate",
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
        let mut batch = store.batch(1000, Duration::from_secs(60)).expect("batch");
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
        let mut ours = Store::open(&location, t0).expect("open");
        let mut theirs = Store::open(&location, t0).expect("open again");
        let mut batch = ours.batch(1000, Duration::from_secs(60)).expect("batch");
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
            let mut batch = store.batch(1000, Duration::from_secs(60)).expect("batch");
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
