//! A small builder that runs the real binary on a temp wallet and shows
//! readable failures.
//!
//! The wallet lives where `WALLET_TEST_BACKEND` says: `sqlite` (the default)
//! a file in a temp folder, `postgres` a fresh database of its own on the
//! server whose admin address is `WALLET_TEST_POSTGRES` (scripts/test runs
//! the suite both ways). Tests about wallet files ask for [`Wallet::file`].

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use tempfile::TempDir;

pub(crate) struct Wallet {
    /// The wallet's own folder: its file (on `SQLite`), scenarios and
    /// pricing files the test writes, and the home of every command.
    pub dir: TempDir,
    /// What `--db` is given: the file, or the database's `postgres://` address.
    pub db: PathBuf,
    /// The database on the server, dropped with the wallet.
    database: Option<Database>,
}

/// True when `WALLET_TEST_BACKEND` puts the wallets on PostgreSQL.
pub(crate) fn on_postgres() -> bool {
    match std::env::var("WALLET_TEST_BACKEND").as_deref() {
        Err(_) | Ok("" | "sqlite") => false,
        Ok("postgres") => true,
        Ok(other) => panic!("WALLET_TEST_BACKEND is `sqlite` (the default) or `postgres`, not `{other}`"),
    }
}

/// The tests that scripts/test runs in the file pass only, one path a line.
const BACKEND_FREE: &str = include_str!("backend_free.txt");

/// Fails the running test when `backend_free.txt` lists it: a test that
/// opens a wallet on the test backend (or on the server) must run in the
/// PostgreSQL pass too. (The test harness names each test's thread after it.)
#[track_caller]
fn depends_on_the_backend() {
    let thread = std::thread::current();
    let Some(test) = thread.name() else { return };
    let listed = BACKEND_FREE
        .lines()
        .map(str::trim)
        .any(|line| !line.is_empty() && !line.starts_with('#') && test.starts_with(line));
    assert!(
        !listed,
        "{test} opens a wallet on the test backend: take it out of tests/it/backend_free.txt, so the PostgreSQL \
         pass runs it"
    );
}

/// How to get a server for the tests, said by every failure to reach one.
const SET_UP: &str = "set WALLET_TEST_POSTGRES to the address of a PostgreSQL server where the tests may create \
     databases, e.g. WALLET_TEST_POSTGRES=postgres://wallet_test:wallet_test@localhost:5432/postgres \
     (scripts/postgres makes this machine's server ready for that address; scripts/test does it and runs \
     every test on both backends)";

/// The admin address the tests create their databases from.
pub(crate) fn admin_url() -> String {
    match std::env::var("WALLET_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!("this test needs a PostgreSQL server: {SET_UP}"),
    }
}

/// The admin connection, shared by every test thread (one sign-in, not one
/// a wallet); connected again if the server dropped it.
static ADMIN: Mutex<Option<postgres::Client>> = Mutex::new(None);

/// Runs `sql` on the admin connection; never panics.
pub(crate) fn admin(sql: &str) -> Result<(), postgres::Error> {
    let mut admin = ADMIN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if admin.as_ref().is_some_and(postgres::Client::is_closed) {
        *admin = None;
    }
    if admin.is_none() {
        let url = std::env::var("WALLET_TEST_POSTGRES").unwrap_or_default();
        *admin = Some(postgres::Client::connect(&url, postgres::NoTls)?);
    }
    admin.as_mut().map_or(Ok(()), |client| client.batch_execute(sql))
}

/// Drops the database `name` and ends every connection to it. An
/// autovacuum worker still in it makes the drop fail ("must be a member of
/// the role whose process is being terminated"): it is tried again while
/// the worker finishes.
pub(crate) fn drop_database(name: &str) -> Result<(), postgres::Error> {
    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    let mut tries = 0;
    loop {
        match admin(&sql) {
            Err(_) if tries < 20 => tries += 1,
            done => return done,
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

/// Drops the databases left by test processes that ended before they could
/// (killed, or interrupted): those of processes no longer running here,
/// when the server is on this machine. Once a process.
fn drop_leftovers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Ok(config) = admin_url().parse::<postgres::Config>() else {
            return;
        };
        let local = config.get_hosts().iter().all(|host| match host {
            postgres::config::Host::Tcp(name) => ["localhost", "127.0.0.1", "::1"].contains(&name.as_str()),
            postgres::config::Host::Unix(_) => true,
        });
        if !local {
            return;
        }
        let mut admin = ADMIN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(rows) = admin.as_mut().and_then(|client| {
            client
                .query(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'wallet\\_it\\_%'",
                    &[],
                )
                .ok()
        }) else {
            return;
        };
        drop(admin);
        for row in rows {
            let name: String = row.get(0);
            let pid = name.split('_').nth(2).unwrap_or_default();
            if !pid.is_empty() && !Path::new("/proc").join(pid).exists() {
                let _ = drop_database(&name);
            }
        }
    });
}

/// A connection without TLS to `url`, or a panic that says how to set a server up.
pub(crate) fn connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap_or_else(|e| {
        panic!(
            "cannot connect to the PostgreSQL server of the tests ({}): {SET_UP}",
            why(&e)
        )
    })
}

/// An error with its causes, in one line.
pub(crate) fn why(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(e) = cause {
        text += &format!(": {e}");
        cause = e.source();
    }
    text
}

/// A database of its own on the test server, emptied and handed to the
/// next test when this is dropped (with whatever is still connected to it).
pub(crate) struct Database {
    pub name: String,
    /// Its address: the admin address's user, password, host and port.
    pub url: String,
    /// A connection for looking inside, made by the first look.
    client: Mutex<Option<postgres::Client>>,
}

/// Databases of this process that a finished test left, emptied: the next
/// test takes one instead of making a database (making and dropping one
/// costs a checkpoint and, through the one admin connection, a turn in a
/// queue of every test thread).
static EMPTIED: Mutex<Vec<String>> = Mutex::new(Vec::new());

impl Database {
    /// A fresh empty database: one a finished test of this process
    /// emptied, else a new one, its name unique across test threads and
    /// processes.
    pub(crate) fn create() -> Database {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let emptied = EMPTIED.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        let name = emptied.unwrap_or_else(|| {
            let name = format!(
                "wallet_it_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            // One statement a message: neither runs inside a transaction block.
            drop_database(&name)
                .and_then(|()| admin(&format!("CREATE DATABASE {name}")))
                .unwrap_or_else(|e| panic!("cannot create the test database {name} ({}): {SET_UP}", why(&e)));
            name
        });
        let url = format!("{}{name}?sslmode=disable", server_of(&admin_url()));
        let database = Database {
            name,
            url,
            client: Mutex::new(None),
        };
        drop_leftovers();
        database
    }

    /// Ends every other connection to the database and drops everything a
    /// test made in it (the wallet's tables, and whatever else it put in
    /// the public schema), leaving it as `CREATE DATABASE` made it; false
    /// when something of the test's is still there.
    fn empty(&self) -> Result<bool, postgres::Error> {
        let mut client = postgres::Client::connect(&self.url, postgres::NoTls)?;
        client.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )?;
        client.batch_execute(
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION pg_database_owner; \
             GRANT USAGE ON SCHEMA public TO PUBLIC",
        )?;
        // Nothing else of a test's may be left: a schema, or an object outside public.
        let left: i64 = client
            .query_one(
                "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname NOT IN ('public', 'information_schema') \
                   AND nspname NOT LIKE 'pg\\_%') \
                 + (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                   WHERE n.nspname = 'public')",
                &[],
            )?
            .get(0);
        Ok(left == 0)
    }

    /// The result of `sql` (one statement), each value as text.
    pub(crate) fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        let mut client = self.client.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let client = client.get_or_insert_with(|| connect(&self.url));
        let messages = client
            .simple_query(sql)
            .unwrap_or_else(|e| panic!("`{sql}` on {}: {}", self.name, why(&e)));
        messages
            .iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => {
                    Some((0..row.len()).map(|i| row.get(i).map(str::to_owned)).collect())
                }
                _ => None,
            })
            .collect()
    }

    /// Runs `sql` (statements separated by `;`).
    pub(crate) fn execute(&self, sql: &str) {
        let mut client = self.client.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let client = client.get_or_insert_with(|| connect(&self.url));
        client
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("`{sql}` on {}: {}", self.name, why(&e)));
    }

    /// The names of the tables in its public schema, in order.
    pub(crate) fn tables(&self) -> Vec<String> {
        self.rows(
            "SELECT table_name FROM information_schema.tables \
             WHERE table_schema = 'public' ORDER BY table_name",
        )
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect()
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        // A failure here must not panic during a panic: it is only said.
        let client = self.client.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
        drop(client.take());
        match self.empty() {
            Ok(true) => EMPTIED
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(self.name.clone()),
            _ => {
                if let Err(e) = drop_database(&self.name) {
                    eprintln!("cannot drop the test database {}: {}", self.name, why(&e));
                }
            }
        }
    }
}

/// `postgres://user:password@host:port/` of an address: all but its
/// database and parameters.
pub(crate) fn server_of(url: &str) -> &str {
    let url = url.split('?').next().unwrap_or(url);
    let authority = url.find("://").map_or(0, |i| i + 3);
    match url[authority..].find('/') {
        Some(slash) => &url[..=authority + slash],
        None => panic!("WALLET_TEST_POSTGRES names no database ({url}…): {SET_UP}"),
    }
}

pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub(crate) fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// The `wallet` binary with a clean environment: no wallet or pricing from
/// the developer's machine, config and data folders inside `home`.
pub(crate) fn command(home: &Path) -> Command {
    command_of(Path::new(env!("CARGO_BIN_EXE_wallet")), home)
}

/// [`command`] for another build of the binary.
pub(crate) fn command_of(binary: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(binary);
    cmd.env_remove("WALLET_DB")
        .env_remove("WALLET_PRICING")
        .env_remove("NO_COLOR")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("USER", "tester");
    cmd
}

impl Wallet {
    /// A wallet not written yet, on the backend of `WALLET_TEST_BACKEND`: a
    /// file path in a fresh temp folder (the file does not exist yet), or a
    /// fresh empty database.
    pub(crate) fn new() -> Wallet {
        depends_on_the_backend();
        if on_postgres() {
            Wallet::on_server()
        } else {
            Wallet::file()
        }
    }

    /// [`Wallet::new`], initialised at `now`.
    pub(crate) fn at(now: &str) -> Wallet {
        let w = Wallet::new();
        w.ok(&["init", "--now", now]);
        w
    }

    /// A wallet file path in a fresh temp folder, whatever the backend; the
    /// file does not exist yet.
    pub(crate) fn file() -> Wallet {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("wallet.sqlite3");
        Wallet::in_folder(dir, db)
    }

    /// [`Wallet::file`], initialised at `now`.
    pub(crate) fn file_at(now: &str) -> Wallet {
        let w = Wallet::file();
        w.ok(&["init", "--now", now]);
        w
    }

    /// The wallet file at `db` (anywhere), with a fresh temp folder of its own.
    pub(crate) fn of_file(db: PathBuf) -> Wallet {
        Wallet::in_folder(tempfile::tempdir().expect("temp dir"), db)
    }

    /// The wallet file at `db`, with `dir` as its folder.
    pub(crate) fn in_folder(dir: TempDir, db: PathBuf) -> Wallet {
        Wallet {
            dir,
            db,
            database: None,
        }
    }

    /// A fresh empty database of its own on the test server, whatever the backend.
    pub(crate) fn on_server() -> Wallet {
        depends_on_the_backend();
        let database = Database::create();
        Wallet {
            dir: tempfile::tempdir().expect("temp dir"),
            db: PathBuf::from(&database.url),
            database: Some(database),
        }
    }

    /// The server database, for a wallet on PostgreSQL.
    pub(crate) fn database(&self) -> Option<&Database> {
        self.database.as_ref()
    }

    /// True once the wallet has been written: its file exists, or its
    /// database holds tables.
    pub(crate) fn exists(&self) -> bool {
        match &self.database {
            Some(database) => !database.tables().is_empty(),
            None => self.db.exists(),
        }
    }

    /// The result of a query on the wallet (SQL both backends read alike),
    /// each value as text; none on a wallet not written yet.
    pub(crate) fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        if let Some(database) = &self.database {
            return database.rows(sql);
        }
        if !self.db.exists() {
            return Vec::new();
        }
        let conn = rusqlite::Connection::open_with_flags(&self.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open wallet");
        let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("`{sql}`: {e}"));
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            (0..n)
                .map(|i| {
                    r.get::<_, rusqlite::types::Value>(i).map(|v| match v {
                        rusqlite::types::Value::Null => None,
                        rusqlite::types::Value::Integer(n) => Some(n.to_string()),
                        rusqlite::types::Value::Real(x) => Some(x.to_string()),
                        rusqlite::types::Value::Text(t) => Some(t),
                        rusqlite::types::Value::Blob(b) => Some(String::from_utf8_lossy(&b).into_owned()),
                    })
                })
                .collect()
        })
        .and_then(|rows| rows.collect())
        .unwrap_or_else(|e| panic!("`{sql}`: {e}"))
    }

    /// The one value of a query that answers one (`SELECT count(*) …`).
    #[track_caller]
    pub(crate) fn value(&self, sql: &str) -> String {
        let rows = self.rows(sql);
        match &rows[..] {
            [row] if row.len() == 1 => row[0].clone().unwrap_or_else(|| "NULL".to_owned()),
            _ => panic!("`{sql}` answered {rows:?}, not one value"),
        }
    }

    /// Forgets the wallet, as if it had never been written: removes its
    /// file, or drops every table of its database.
    pub(crate) fn reset(&self) {
        match &self.database {
            Some(database) => {
                let tables: Vec<String> = database.tables().iter().map(|t| format!("\"{t}\"")).collect();
                if !tables.is_empty() {
                    database.execute(&format!("DROP TABLE {} CASCADE", tables.join(", ")));
                }
            }
            None => std::fs::remove_file(&self.db).expect("reset"),
        }
    }

    /// Changes the wallet behind the binary's back with `sql` (statements
    /// both backends read alike, separated by `;`).
    pub(crate) fn execute(&self, sql: &str) {
        match &self.database {
            Some(database) => database.execute(sql),
            None => rusqlite::Connection::open(&self.db)
                .and_then(|conn| conn.execute_batch(sql))
                .unwrap_or_else(|e| panic!("`{sql}`: {e}")),
        }
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, |_| {})
    }

    pub(crate) fn run_with(&self, args: &[&str], setup: impl FnOnce(&mut Command)) -> Run {
        let mut cmd = command(self.dir.path());
        cmd.arg("--db").arg(&self.db).args(args);
        setup(&mut cmd);
        Run::from(cmd.output().expect("run wallet"))
    }

    /// Runs a command that must succeed; returns its stdout.
    #[track_caller]
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(
            r.code, 0,
            "wallet {args:?} failed with {}:\n{}{}",
            r.code, r.stdout, r.stderr
        );
        r.stdout
    }

    /// Runs a command with `--json` that must succeed; returns the parsed value.
    #[track_caller]
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.ok(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("wallet {args:?} printed no JSON ({e}):\n{out}"))
    }

    /// Runs a command that must fail with `code` and change nothing;
    /// returns its stderr.
    #[track_caller]
    pub(crate) fn refused(&self, args: &[&str], code: i32) -> String {
        let before = self.dump();
        let r = self.run(args);
        assert_eq!(
            r.code, code,
            "wallet {args:?} should exit {code}:\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        );
        assert!(r.stdout.is_empty(), "a refused command printed to stdout: {}", r.stdout);
        assert!(!r.stderr.trim().is_empty(), "a refused command must say why on stderr");
        assert!(
            !r.stderr.contains("SPEC"),
            "messages explain the rules in the product's words: {}",
            r.stderr
        );
        if code == 3 {
            assert_names_its_rule(&r.stderr);
        }
        assert_eq!(
            before,
            self.dump(),
            "wallet {args:?} was refused but changed the wallet"
        );
        r.stderr
    }

    /// (credits, licenses) from `balance --json`.
    #[track_caller]
    pub(crate) fn balance(&self, account: &str) -> (u64, u64) {
        let v = self.json(&["balance", account]);
        (
            v["credits"].as_u64().expect("credits"),
            v["licenses"].as_u64().expect("licenses"),
        )
    }

    /// Every row of every table, as text: equal dumps mean nothing changed.
    pub(crate) fn dump(&self) -> String {
        if let Some(database) = &self.database {
            // No table yet reads as a missing file: the empty string.
            let mut out = String::new();
            for table in database.tables() {
                // The first column is the key of every table (id, or the idempotency key).
                let rows: Vec<String> = database
                    .rows(&format!("SELECT * FROM \"{table}\" ORDER BY 1"))
                    .into_iter()
                    .map(|row| {
                        (row.into_iter())
                            .map(|v| v.unwrap_or_else(|| "NULL".to_owned()))
                            .collect::<Vec<_>>()
                            .join("|")
                    })
                    .collect();
                out += &format!("[{table}]\n{}\n", rows.join("\n"));
            }
            return out;
        }
        if !self.db.exists() {
            return String::new();
        }
        let conn = rusqlite::Connection::open_with_flags(&self.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open wallet for dump");
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("tables");
        let mut out = String::new();
        for table in tables {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY 1"))
                .expect("select");
            let n = stmt.column_count();
            let rows: Vec<String> = stmt
                .query_map([], |r| {
                    (0..n)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}")))
                        .collect::<Result<Vec<_>, _>>()
                        .map(|cols| cols.join("|"))
                })
                .and_then(|rows| rows.collect())
                .expect("rows");
            out += &format!("[{table}]\n{}\n", rows.join("\n"));
        }
        out
    }
}

/// The lots of a `balance --json` value, as (source, asset, remaining, `expires_at`).
pub(crate) fn lots(balance: &Value) -> Vec<(String, String, u64, String)> {
    balance["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .map(|l| {
            (
                l["source"].as_str().expect("source").to_owned(),
                l["asset"].as_str().expect("asset").to_owned(),
                l["remaining"].as_u64().expect("remaining"),
                l["expires_at"].as_str().expect("expires_at").to_owned(),
            )
        })
        .collect()
}

/// The topics of `wallet help rules`, as the rules text lists them.
pub(crate) fn rule_topics() -> Vec<&'static str> {
    include_str!("../../docs/rules.md")
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .filter_map(|heading| heading.split(" — ").next())
        .collect()
}

/// A refusal names the topic of the rules text that explains it.
#[track_caller]
pub(crate) fn assert_names_its_rule(stderr: &str) {
    let named = stderr
        .split("(see: wallet help rules ")
        .nth(1)
        .and_then(|rest| rest.split(')').next());
    assert!(
        named.is_some_and(|topic| rule_topics().contains(&topic)),
        "a refusal names the rule that refused it and its topic: {stderr}"
    );
}

/// Runs `cmd` with `input` on its standard input; returns what it did.
pub(crate) fn with_stdin(mut cmd: Command, input: &[u8]) -> Output {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(input).expect("write");
    child.wait_with_output().expect("wait")
}

/// SQL that takes a wallet file's tables back to before schema 5
/// (corrections), as an older version left them: operations without a
/// reason or what they void, and none of the log's indexes. Tests that
/// downgrade a wallet run it before setting an older `user_version`.
pub(crate) const BEFORE_CORRECTIONS: &str = "
    PRAGMA foreign_keys = OFF;
    DROP INDEX operations_voided;
    DROP INDEX operations_by_kind;
    DROP INDEX operations_by_actor;
    DROP INDEX operations_by_time;
    CREATE TABLE operations_4 (
        id          INTEGER PRIMARY KEY,
        account_id  INTEGER REFERENCES accounts(id),
        at          INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        summary     TEXT NOT NULL,
        actor       TEXT
    );
    INSERT INTO operations_4 SELECT id, account_id, at, kind, summary, actor FROM operations;
    DROP TABLE operations;
    ALTER TABLE operations_4 RENAME TO operations;
    CREATE INDEX operations_by_account ON operations(account_id, id);
";

/// A copy of the shipped pricing.toml in the wallet's temp folder with each
/// `from` replaced by `to` (each must occur exactly once); returns its path.
pub(crate) fn pricing_with(w: &Wallet, name: &str, edits: &[(&str, &str)]) -> String {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml");
    let mut text = std::fs::read_to_string(shipped).expect("read the shipped pricing.toml");
    for (from, to) in edits {
        assert_eq!(
            text.matches(from).count(),
            1,
            "'{from}' should occur once in pricing.toml"
        );
        text = text.replacen(from, to, 1);
    }
    let path = w.dir.path().join(name);
    std::fs::write(&path, text).expect("write the edited pricing");
    path.to_str().expect("utf-8 temp path").to_owned()
}

/// A test that `backend_free.txt` lists fails when it opens a wallet on
/// the test backend, so the list cannot keep a PostgreSQL test out of the
/// PostgreSQL pass; a test not listed opens one as before.
#[test]
fn a_listed_test_that_opens_a_backend_wallet_fails() {
    let listed = BACKEND_FREE
        .lines()
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .expect("a listed test");
    let opened = std::thread::Builder::new()
        .name(listed.to_owned())
        .spawn(|| drop(Wallet::new()))
        .expect("a thread")
        .join();
    let message = opened.expect_err("a listed test opened a wallet on the backend");
    let message = message.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("opens a wallet on the test backend: take it out of tests/it/backend_free.txt"),
        "{message}"
    );
    let unlisted = std::thread::Builder::new()
        .name("support::a_test_not_listed".to_owned())
        .spawn(|| drop(Wallet::new()))
        .expect("a thread")
        .join();
    assert!(unlisted.is_ok(), "a test not listed could not open a wallet");
}
