//! Finding, creating and opening a wallet file, safely when many commands
//! start at once.
//!
//! - **A new wallet appears whole.** A command that finds no wallet builds a
//!   new one in a private file beside its place and runs in it; only when its
//!   transaction has committed is the file linked into place
//!   ([`Store::publish`]), which fails if another command got there first —
//!   then the command runs again against that wallet. Nobody ever sees a
//!   half-made wallet, and no command deletes a file another may be using: a
//!   failed first command only removes its own private file.
//! - **Upgrades happen under the write lock** (`BEGIN IMMEDIATE`), so racing
//!   commands apply each migration once.
//! - **One `--db` value, one place:** a path is always a path (opened through
//!   an `SQLite` URI built from its absolute form), never an `SQLite` URI.
//! - **Reads never write**: no file, no upgrade, no companion file where the
//!   wallet is read-only; a read either sees every committed change or fails
//!   saying why.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::Store;
use super::explain::explain;
use super::schema::{MIGRATIONS, latest_version, user_version};
use super::settings::{Unenforced, configure, persist_wal, tune_sqlite};
use super::transaction::begin_immediate;
use crate::rules::clock::{self, Instant};
use crate::shown::shown_path;
use crate::store::Location;

/// The oldest schema a read answers from as it is, without upgrading it (a
/// read never writes). Schemas 2 to 4 only added a table reads do not use
/// and changed indexes; schema 5's columns are read only where they exist
/// ([`super::Db::has_corrections`]). A migration that changes what reads
/// query otherwise must raise this.
const READABLE_SINCE: i64 = 1;

/// What is at a wallet's path.
enum Found {
    Missing,
    File { writable: bool },
}

/// Looks at `path` without following it anywhere surprising: a missing file
/// is only one that does not exist; a folder that cannot be entered, a
/// dangling link, a folder or a device is an error that says so.
fn look(path: &Path) -> anyhow::Result<Found> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Missing),
        Err(e) => bail!(
            "cannot reach the wallet {} ({e}); make its folder readable and enterable, or point --db elsewhere",
            shown_path(path)
        ),
        Ok(_) => {}
    }
    let meta = std::fs::metadata(path).map_err(|e| {
        let target = std::fs::read_link(path).map(|t| shown_path(&t)).unwrap_or_default();
        anyhow!(
            "the wallet path {} is a symbolic link to {target}, which cannot be reached ({e}); point --db at the wallet file itself",
            shown_path(path)
        )
    })?;
    if meta.is_dir() {
        bail!(
            "{} is a folder, not a wallet file; point --db at a file, e.g. {}",
            shown_path(path),
            shown_path(&path.join("wallet.sqlite3"))
        );
    }
    if !meta.is_file() {
        bail!(
            "{} is not a regular file, so it cannot be a wallet; point --db at a wallet file",
            shown_path(path)
        );
    }
    Ok(Found::File {
        writable: OpenOptions::new().write(true).open(path).is_ok(),
    })
}

/// A companion file of the wallet (`-wal`, `-shm`).
fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Whether the wallet's WAL holds changes not yet in the main file: it is
/// emptied when the last command using the wallet ends.
fn wal_has_changes(path: &Path) -> bool {
    std::fs::metadata(companion(path, "-wal")).is_ok_and(|m| m.len() > 0)
}

/// An `SQLite` URI naming exactly this path: the path made absolute, with the
/// characters URIs give a meaning escaped, after an empty authority.
fn uri(path: &Path, query: &str) -> anyhow::Result<String> {
    let absolute =
        std::path::absolute(path).with_context(|| format!("cannot find the absolute path of {}", shown_path(path)))?;
    let text = absolute.to_str().ok_or_else(|| {
        anyhow!(
            "the wallet path {} is not valid UTF-8; choose another --db",
            shown_path(&absolute)
        )
    })?;
    let mut out = String::from("file://");
    for c in text.chars() {
        match c {
            '?' | '#' | '%' => out += &format!("%{:02X}", u32::from(c)),
            _ => out.push(c),
        }
    }
    if !query.is_empty() {
        out.push('?');
        out += query;
    }
    Ok(out)
}

fn open_uri(path: &Path, query: &str, flags: OpenFlags) -> anyhow::Result<Connection> {
    let uri = uri(path, query)?;
    Connection::open_with_flags(
        uri,
        flags | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| explain(e, &shown_path(path)))
}

/// A new wallet not yet in place: its private file, the place it will take,
/// and the folders made for it. Dropped unpublished, it removes all three.
pub(super) struct Unpublished {
    private: PathBuf,
    place: PathBuf,
    made_folders: Vec<PathBuf>,
}

impl Drop for Unpublished {
    fn drop(&mut self) {
        remove_wallet_files(&self.private);
        // Innermost first; a folder someone else has put something in stays.
        for folder in self.made_folders.iter().rev() {
            let _ = std::fs::remove_dir(folder);
        }
    }
}

/// What [`Store::publish`] did.
#[must_use]
pub enum Published {
    /// The wallet is in place (or was already: an existing or in-memory one).
    Done,
    /// Another command created the wallet first; this one's work was
    /// discarded and should run again against that wallet.
    Raced,
}

/// Makes the missing folders above `path`, private to their owner (0700),
/// and returns the ones this call made (outermost first).
fn make_folders(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut at = path.parent();
    while let Some(folder) = at.filter(|p| !p.as_os_str().is_empty()) {
        match std::fs::symlink_metadata(folder) {
            Ok(_) => break,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing.push(folder.to_path_buf()),
            Err(e) => bail!("cannot reach the folder {} ({e})", shown_path(folder)),
        }
        at = folder.parent();
    }
    let mut made = Vec::new();
    for folder in missing.into_iter().rev() {
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        match builder.create(&folder) {
            Ok(()) => made.push(folder),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                for folder in made.iter().rev() {
                    let _ = std::fs::remove_dir(folder);
                }
                bail!("cannot create the folder {} ({e})", shown_path(&folder));
            }
        }
    }
    Ok(made)
}

/// Creates a private file beside `place` (mode 0600) for a new wallet.
fn create_private(place: &Path) -> anyhow::Result<Unpublished> {
    let name = place
        .file_name()
        .ok_or_else(|| anyhow!("--db {} names no file; point it at a file", shown_path(place)))?;
    // Another command may remove a folder it made just as this one finds it: try again.
    let mut attempt = 0;
    loop {
        attempt += 1;
        let made_folders = make_folders(place)?;
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut private_name = std::ffi::OsString::from(".");
        private_name.push(name);
        private_name.push(format!(".new-{}-{nonce}", std::process::id()));
        let private = place.with_file_name(private_name);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let unpublished = Unpublished {
            private,
            place: place.to_path_buf(),
            made_folders,
        };
        match options.open(&unpublished.private) {
            Ok(_) => return Ok(unpublished),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && attempt < 3 => {}
            Err(e) => {
                let folder = folder_of(place);
                bail!(
                    "cannot create the wallet {} ({e}); make the folder {} writable or point --db elsewhere",
                    shown_path(place),
                    shown_path(folder)
                );
            }
        }
    }
}

/// Whether `SQLite` failed because it cannot open or create the wallet's
/// shared-memory file (a read-only folder or companion file).
fn cannot_share(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::SystemIoFailure)
    )
}

/// The folder a path is in (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Makes a folder's entries durable, as far as the system allows.
fn sync_folder(folder: &Path) {
    let _ = std::fs::File::open(folder).and_then(|f| f.sync_all());
}

/// Removes a wallet file with its WAL and shared-memory companions.
fn remove_wallet_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(companion(path, suffix));
    }
}

/// Brings the wallet's schema to the latest, inside one `BEGIN IMMEDIATE`
/// transaction (so that racing commands do it once), and gives a new wallet
/// its clock.
fn migrate(conn: &Connection, location: &str, created_clock: Instant) -> anyhow::Result<()> {
    // A table made again (schema 5) would break its references if they were
    // enforced while it is; they are checked once the schema is complete.
    let _unenforced = Unenforced::new(conn).map_err(|e| explain(e, location))?;
    begin_immediate(conn)?;
    let upgraded = (|| -> anyhow::Result<()> {
        let version = user_version(conn)?;
        let applied = usize::try_from(version).unwrap_or(usize::MAX);
        for migration in MIGRATIONS.iter().skip(applied) {
            let failed = || format!("cannot upgrade the wallet schema in {location}");
            conn.execute_batch(migration.sql).with_context(failed)?;
            if let Some(then) = migration.then {
                then(conn).with_context(failed)?;
            }
        }
        // Schema 5 made the lots table again: its rows' references, and the
        // ledger's to it, are checked once (not on a wallet already upgraded).
        if applied < 5 {
            for table in ["lots", "ledger"] {
                let broken: Option<String> = conn
                    .query_row(&format!("PRAGMA foreign_key_check({table})"), [], |r| r.get(0))
                    .optional()?;
                if let Some(table) = broken {
                    bail!(
                        "cannot upgrade the wallet schema in {location}: a row of {table} refers to a row that does not exist"
                    );
                }
            }
        }
        conn.pragma_update(None, "user_version", latest_version())?;
        conn.execute(
            "INSERT OR IGNORE INTO wallet (id, clock, created_at) VALUES (1, ?1, ?1)",
            [clock::to_unix(created_clock)],
        )?;
        Ok(())
    })();
    match upgraded.and_then(|()| conn.execute_batch("COMMIT").map_err(|e| explain(e, location))) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Refuses a file that is not a wallet or was written by a newer version;
/// returns its schema version.
fn check_version(conn: &Connection, location: &str) -> anyhow::Result<i64> {
    let version = user_version(conn).map_err(|e| explain(e, location))?;
    if version > latest_version() {
        bail!(
            "{location} was written by a newer version of wallet (schema {version}, this binary knows up to {}); upgrade wallet to open it",
            latest_version()
        );
    }
    if version == 0 {
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| explain(e, location))?;
        if tables > 0 {
            bail!("{location} is an SQLite file but not a wallet (it has other tables); point --db at a wallet file");
        }
    }
    Ok(version)
}

/// The settings of a connection that writes to a wallet file.
fn prepare_for_writing(conn: &Connection, location: &str) -> anyhow::Result<()> {
    configure(conn).map_err(|e| explain(e, location))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(|e| explain(e, location))?;
    if !mode.eq_ignore_ascii_case("wal") {
        bail!("{location}: cannot switch the wallet to WAL mode (got {mode})");
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

impl Store {
    /// Opens the wallet for writing. An existing one is upgraded if it is of
    /// an older schema; a missing one is built privately (its clock starting
    /// at `created_clock`) and appears at its place only when
    /// [`Store::publish`] is called after the command's work has committed.
    pub fn open(location: &Location, created_clock: Instant) -> anyhow::Result<Store> {
        tune_sqlite();
        let path = match location {
            Location::Memory => {
                let conn = Connection::open_in_memory()?;
                configure(&conn)?;
                migrate(&conn, ":memory:", created_clock)?;
                return Ok(Store {
                    conn,
                    unpublished: None,
                });
            }
            Location::Server(server) => anyhow::bail!("{server} is not a wallet file"),
            Location::File(path) => path,
        };
        let name = location.to_string();
        match look(path)? {
            Found::Missing => {
                let unpublished = create_private(path)?;
                let conn = open_uri(&unpublished.private, "", OpenFlags::SQLITE_OPEN_READ_WRITE)?;
                prepare_for_writing(&conn, &name)?;
                migrate(&conn, &name, created_clock)?;
                Ok(Store {
                    conn,
                    unpublished: Some(unpublished),
                })
            }
            Found::File { writable: false } => bail!(
                "the wallet file {name} is read-only; nothing was changed — make it writable (chmod u+w) or point --db at a writable copy"
            ),
            Found::File { writable: true } => {
                check_companions(path)?;
                let conn = open_uri(path, "", OpenFlags::SQLITE_OPEN_READ_WRITE)?;
                configure(&conn).map_err(|e| explain(e, &name))?;
                let version = check_version(&conn, &name)?;
                if version == 0 {
                    make_private(path);
                }
                prepare_for_writing(&conn, &name)?;
                persist_wal(&conn);
                // The kept WAL file is cut back to at most 4 MiB after a checkpoint.
                conn.pragma_update(None, "journal_size_limit", 4 * 1024 * 1024)?;
                // Read again under the write lock: another command may be upgrading it.
                if version < latest_version() {
                    migrate(&conn, &name, created_clock)?;
                }
                Ok(Store {
                    conn,
                    unpublished: None,
                })
            }
        }
    }

    /// Whether this is a new wallet not yet in its place (see [`Store::publish`]).
    pub fn is_new(&self) -> bool {
        self.unpublished.is_some()
    }

    /// [`Store::open`], with a new wallet put in its place at once (empty but
    /// for its clock): for sessions that run many commands in it.
    pub fn open_published(location: &Location, created_clock: Instant) -> anyhow::Result<Store> {
        let store = Store::open(location, created_clock)?;
        if store.unpublished.is_none() {
            return Ok(store);
        }
        // Published or raced, the wallet is now in place.
        let _ = store.publish()?;
        Store::open(location, created_clock)
    }

    /// Puts a new wallet in its place once the command that made it has
    /// committed; does nothing for an existing or in-memory wallet.
    pub fn publish(self) -> anyhow::Result<Published> {
        let Store { conn, unpublished } = self;
        let Some(new) = unpublished else {
            return Ok(Published::Done);
        };
        let place = shown_path(&new.place);
        // Everything committed must be in the file itself before it is linked
        // into place: the private WAL is not linked with it. A checkpoint
        // that cannot finish (a full disk, a size limit) publishes nothing.
        let (busy, frames, copied): (i64, i64, i64) = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| explain(e, &place))?;
        if busy != 0 || frames != copied {
            bail!(
                "cannot finish the new wallet {place}: its changes could not all be written into the file; nothing was changed"
            );
        }
        conn.close().map_err(|(_, e)| explain(e, &place))?;
        if wal_has_changes(&new.private) {
            bail!(
                "cannot finish the new wallet {place}: its changes could not all be written into the file; nothing was changed"
            );
        }
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(companion(&new.private, suffix));
        }
        match std::fs::hard_link(&new.private, &new.place) {
            Ok(()) => {
                // The new names must survive a power cut like the commit they
                // hold. The wallet is in place already: a failed sync is not a
                // failed command (a retry would apply it twice).
                sync_folder(folder_of(&new.place));
                for folder in &new.made_folders {
                    sync_folder(folder_of(folder));
                }
                let mut published = new;
                published.made_folders.clear();
                Ok(Published::Done)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Published::Raced),
            Err(e) => Err(anyhow!(e).context(format!(
                "cannot put the new wallet in place at {} (its file system must support hard links); nothing was changed",
                shown_path(&new.place)
            ))),
        }
    }

    /// Opens an existing wallet read-only; `None` when there is no wallet
    /// yet — no file, or a file never written to (nothing is created).
    /// `:memory:` gives an empty wallet. A read never writes: an older
    /// schema is read as it is, and where `SQLite` could only read the wallet
    /// by creating companion files that would outlive the read (a read-only
    /// wallet) it reads the file alone when that is exact, and otherwise fails.
    pub fn open_read_only(location: &Location, now: Instant) -> anyhow::Result<Option<Store>> {
        tune_sqlite();
        let path = match location {
            Location::Memory => return Store::open(location, now).map(Some),
            Location::File(path) => path,
            Location::Server(server) => anyhow::bail!("{server} is not a wallet file"),
        };
        let name = location.to_string();
        let writable = match look(path)? {
            Found::Missing => return Ok(None),
            Found::File { writable } => writable,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY;
        // A wallet this user cannot write would get companion files this user
        // could later not write either: read it alone when it holds everything.
        let conn = if !writable && !wal_has_changes(path) {
            open_uri(path, "immutable=1", flags)?
        } else {
            let conn = open_uri(path, "", flags)?;
            match user_version(&conn) {
                Ok(_) => conn,
                // SQLite reads a WAL wallet through a shared-memory file beside it.
                Err(e) if !cannot_share(&e) => return Err(explain(e, &name)),
                Err(_) if !wal_has_changes(path) => open_uri(path, "immutable=1", flags)?,
                Err(_) => bail!(
                    "cannot read {name}: its latest changes are in {0}-wal, which SQLite can only read by creating {0}-shm beside it; make the folder writable, or copy the wallet with its -wal file to a writable folder",
                    shown_path(path)
                ),
            }
        };
        configure(&conn).map_err(|e| explain(e, &name))?;
        let version = check_version(&conn, &name)?;
        if version == 0 {
            return Ok(None);
        }
        if version < READABLE_SINCE {
            bail!(
                "{name} was written by an older version of wallet (schema {version}); any command that changes it upgrades it, then reads work again"
            );
        }
        Ok(Some(Store {
            conn,
            unpublished: None,
        }))
    }

    /// Opens an existing wallet for a quick look that must leave no trace,
    /// not even `SQLite`'s WAL companion files (shell completion). Reads what
    /// the last writer committed to the main file; `None` if unavailable.
    pub fn open_untouched(path: &Path) -> Option<Store> {
        tune_sqlite();
        if !matches!(look(path), Ok(Found::File { .. })) {
            return None;
        }
        let conn = open_uri(path, "immutable=1", OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
        (user_version(&conn).ok()? >= READABLE_SINCE).then_some(Store {
            conn,
            unpublished: None,
        })
    }
}

/// A file that was never written to becomes a wallet private to its owner,
/// like a new one (its companion files take its mode).
fn make_private(path: &Path) {
    #[cfg(unix)]
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

/// Refuses to write where `SQLite`'s companion files are read-only though the
/// wallet is not (a read while the wallet itself was read-only can leave them
/// so), naming the fix instead of `SQLite`'s "readonly database".
fn check_companions(path: &Path) -> anyhow::Result<()> {
    for suffix in ["-wal", "-shm"] {
        let file = companion(path, suffix);
        if file.exists() && OpenOptions::new().write(true).open(&file).is_err() {
            bail!(
                "cannot write to the wallet {}: its companion file {} is read-only; make it writable like the wallet (chmod u+w {})",
                shown_path(path),
                shown_path(&file),
                shown_path(&file)
            );
        }
    }
    Ok(())
}
