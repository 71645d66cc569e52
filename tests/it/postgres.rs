//! A wallet on a PostgreSQL server: what only a server has — a password,
//! TLS, a database that exists before its wallet. These tests run in both
//! runs of the suite: each makes its own database (and role) on the server
//! of `WALLET_TEST_POSTGRES`, whatever `WALLET_TEST_BACKEND` says.

use std::io::Read as _;
use std::path::Path;
use std::process::Command;

use crate::support::{Database, Run, Wallet, admin, command, drop_database, server_of, why};

/// A role only this test knows the password of, owning a fresh database of
/// the same name; both are dropped with it (on a panic too).
struct Secret {
    name: String,
    password: String,
}

impl Secret {
    fn create() -> Secret {
        let name = format!("wallet_secret_{}", std::process::id());
        let secret = Secret {
            name: name.clone(),
            password: random_password(),
        };
        let ready = drop_database(&name)
            .and_then(|()| admin(&format!("DROP ROLE IF EXISTS {name}")))
            .and_then(|()| admin(&format!("CREATE ROLE {name} LOGIN PASSWORD '{}'", secret.password)))
            // Whoever makes a database for a role must be a member of it.
            .and_then(|()| admin(&format!("GRANT {name} TO CURRENT_USER")))
            .and_then(|()| admin(&format!("CREATE DATABASE {name} OWNER {name}")));
        if let Err(e) = ready {
            panic!(
                "cannot make the role and database {name} ({}): the role of WALLET_TEST_POSTGRES needs CREATEROLE \
                 and CREATEDB (scripts/postgres gives wallet_test both)",
                why(&e)
            );
        }
        secret
    }

    /// The database's address: `password` (if any) in it, then `query`.
    fn url(&self, password: Option<&str>, host_port: &str, query: &str) -> String {
        let password = password.map(|p| format!(":{p}")).unwrap_or_default();
        format!("postgres://{}{password}@{host_port}/{}{query}", self.name, self.name)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        let dropped = drop_database(&self.name).and_then(|()| admin(&format!("DROP ROLE IF EXISTS {}", self.name)));
        if let Err(e) = dropped {
            eprintln!("cannot drop the role and database {}: {}", self.name, why(&e));
        }
    }
}

/// `host:port` of the test server (`WALLET_TEST_POSTGRES`).
fn host_port() -> String {
    let server = server_of(&crate::support::admin_url()).trim_end_matches('/').to_owned();
    let authority = server.split("://").nth(1).unwrap_or_default();
    authority.rsplit('@').next().unwrap_or_default().to_owned()
}

/// The host of `host:port`.
fn host_of(host_port: &str) -> &str {
    host_port.rsplit_once(':').map_or(host_port, |(host, _)| host)
}

/// The test server's host with a port nothing listens on.
fn closed_port(host_port: &str) -> String {
    format!("{}:1", host_of(host_port))
}

/// 24 letters and digits from the system's random source.
fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 24];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("random bytes");
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// `wallet --db URL ARGS` in `home`, with `PGPASSWORD` as given (and no other).
fn wallet(home: &Path, url: &str, pgpassword: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = command(home);
    cmd.env_remove("PGPASSWORD").arg("--db").arg(url).args(args);
    if let Some(password) = pgpassword {
        cmd.env("PGPASSWORD", password);
    }
    Run::from(cmd.output().expect("run wallet"))
}

/// `wallet --db URL replay FILE` on a pseudo-terminal, so a large scenario
/// shows its progress bar; stdout and stderr come back together.
fn replay_on_terminal(home: &Path, url: &str, pgpassword: Option<&str>, file: &Path) -> Run {
    let line = format!(
        "{} --db '{url}' replay '{}'",
        env!("CARGO_BIN_EXE_wallet"),
        file.display()
    );
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &line, "/dev/null"])
        .env_remove("PGPASSWORD")
        .env_remove("WALLET_DB")
        .env("HOME", home)
        .env("TERM", "xterm")
        .env("COLUMNS", "100");
    if let Some(password) = pgpassword {
        cmd.env("PGPASSWORD", password);
    }
    Run::from(cmd.output().expect("script"))
}

/// A scenario past the size that shows a progress bar (256 KiB).
fn long_scenario(dir: &Path) -> std::path::PathBuf {
    let mut text = String::from("account add cat\nbuy cat credits-500\n");
    let filler = format!("# {}\n", "x".repeat(98));
    for i in 0..3000 {
        text += &filler;
        if i % 500 == 0 {
            text += "generate cat\nbalance cat\n";
        }
    }
    text += "expect cat credits=504\n";
    let file = dir.join("long.scenario");
    std::fs::write(&file, text).expect("write scenario");
    file
}

/// The same session of commands with the password given in the address,
/// then in `PGPASSWORD`: the password is printed nowhere, a wrong password
/// or a closed port fails with exit 1 naming the host and the database.
#[test]
fn the_password_is_never_shown() {
    let secret = Secret::create();
    let home = tempfile::tempdir().expect("temp dir");
    let home = home.path();
    let scenario = long_scenario(home);
    let mut runs: Vec<(String, Run)> = Vec::new();
    let host_port = host_port();
    let in_url = secret.url(Some(&secret.password), &host_port, "");
    let in_env = secret.url(None, &host_port, "?sslmode=disable");
    for (how, url, pgpassword, init) in [
        ("in the address", &in_url, None, "2026-01-15T10:00:00Z"),
        ("in PGPASSWORD", &in_env, Some(secret.password.as_str()), ""),
    ] {
        let mut ok = |args: &[&str]| {
            let r = wallet(home, url, pgpassword, args);
            assert_eq!(r.code, 0, "{how}: wallet {args:?}: {}{}", r.stdout, r.stderr);
            runs.push((format!("{how}: wallet {args:?}"), r));
        };
        if !init.is_empty() {
            ok(&["init", "--now", init]);
        }
        let ann = if init.is_empty() { "bob" } else { "ann" };
        ok(&["account", "add", ann]);
        ok(&["buy", ann, "credits-500"]);
        ok(&["generate", ann, "--count", "2"]);
        ok(&["balance"]);
        ok(&["balance", ann]);
        ok(&["--json", "balance", ann]);
        ok(&["history", ann]);
        ok(&["account", "show", ann]);
        ok(&["account", "list"]);
        ok(&["verify"]);
        ok(&["advance-clock", "1d"]);
        // The scenario adds cat: the second replay is refused at its first line.
        let replayed = replay_on_terminal(home, url, pgpassword, &scenario);
        let code = if init.is_empty() { 3 } else { 0 };
        assert_eq!(replayed.code, code, "{how}: replay: {}", replayed.stdout);
        runs.push((format!("{how}: replay on a terminal"), replayed));
        let refused = wallet(home, url, pgpassword, &["buy", "nobody", "credits-500"]);
        assert_eq!(refused.code, 3, "{how}: {}", refused.stderr);
        runs.push((format!("{how}: a refused buy"), refused));
    }
    let first = &runs
        .iter()
        .find(|(what, _)| what.contains("replay"))
        .expect("a replay")
        .1;
    assert!(
        first.stdout.contains("expectations met") && first.stdout.contains("KiB/"),
        "the first replay runs whole, showing its progress: {}",
        first.stdout
    );

    // A wrong password, in the address and in PGPASSWORD.
    let wrong = "Wrong-Passw0rd-For-This-Role";
    for (how, r) in [
        (
            "a wrong password in the address",
            wallet(home, &secret.url(Some(wrong), &host_port, ""), None, &["balance"]),
        ),
        (
            "a wrong password in PGPASSWORD",
            wallet(home, &in_env, Some(wrong), &["account", "add", "dan"]),
        ),
        (
            "a closed port",
            wallet(
                home,
                &secret.url(Some(&secret.password), &closed_port(&host_port), ""),
                None,
                &["account", "add", "dan"],
            ),
        ),
    ] {
        assert_eq!(r.code, 1, "{how}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.is_empty(), "{how}: {}", r.stdout);
        assert!(
            r.stderr.contains(host_of(&host_port)) && r.stderr.contains(&secret.name),
            "{how}: the message names the host and the database: {}",
            r.stderr
        );
        assert!(
            !r.stderr.contains(wrong),
            "{how}: the wrong password is shown: {}",
            r.stderr
        );
        runs.push((how.to_owned(), r));
    }
    for (what, r) in &runs {
        assert!(
            !r.stdout.contains(&secret.password) && !r.stderr.contains(&secret.password),
            "{what} showed the password:\nstdout: {}\nstderr: {}",
            r.stdout,
            r.stderr
        );
    }
}

/// Whether the connections a wallet process holds to `database` are
/// encrypted, as the server sees them (`pg_stat_ssl`): the wallet replays
/// from its standard input, and is asked while it waits for more lines,
/// its connection open. One answer a connection of the wallet's.
fn encrypted_connections(database: &Database, url: &str, home: &Path) -> Vec<bool> {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = command(home)
        .env_remove("PGPASSWORD")
        .args(["--db", url, "replay", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wallet");
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "balance ann").expect("write a line");
    stdin.flush().expect("flush");
    // The server lists the connection from the moment the replay opens the
    // wallet until it ends: looked for until it is there (the bound is
    // only a safety net for a replay that never connects).
    let mut answers = Vec::new();
    for _ in 0..100_000 {
        answers = database.rows(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() \
             AND a.backend_type = 'client backend'",
        );
        if !answers.is_empty() || matches!(child.try_wait(), Ok(Some(_))) {
            break;
        }
    }
    drop(stdin);
    let out = child.wait_with_output().expect("the replay ends");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    answers
        .into_iter()
        .map(|row| row.into_iter().next().flatten().as_deref() == Some("t"))
        .collect()
}

/// `sslmode=require` over TCP: the server's certificate is self-signed,
/// and the connection is encrypted (the server, which also takes plain
/// text, says so); with `sslmode=disable` the same check sees plain text.
#[test]
fn sslmode_require_works_with_a_self_signed_certificate() {
    let database = Database::create();
    let url = |mode: &str| {
        format!(
            "{}{}?sslmode={mode}",
            server_of(&crate::support::admin_url()),
            database.name
        )
    };
    let home = tempfile::tempdir().expect("temp dir");
    for args in [
        &["init", "--now", "2026-01-15T10:00:00Z"][..],
        &["account", "add", "ann"],
        &["balance", "ann"],
    ] {
        let r = wallet(home.path(), &url("require"), None, args);
        assert_eq!(r.code, 0, "wallet {args:?} with sslmode=require: {}", r.stderr);
    }
    assert_eq!(
        database.rows("SELECT handle FROM accounts"),
        [[Some("ann".to_owned())]],
        "the commands wrote over TLS"
    );
    assert_eq!(
        encrypted_connections(&database, &url("require"), home.path()),
        [true],
        "sslmode=require: the wallet's one connection is encrypted"
    );
    // The check tells plain text apart: the same session without TLS.
    assert_eq!(
        encrypted_connections(&database, &url("disable"), home.path()),
        [false],
        "sslmode=disable: the wallet's one connection is in plain text"
    );
}

/// A database with no wallet in it reads as an empty wallet, and reading
/// makes no table.
#[test]
fn a_database_without_a_wallet_reads_as_an_empty_wallet() {
    let w = Wallet::on_server();
    let e = w.refused(&["balance", "ann"], 3);
    assert!(e.contains("no account named 'ann'"), "{e}");
    assert_eq!(w.json(&["account", "list"]), serde_json::json!([]));
    // What an empty wallet file lists, listed by an empty database too.
    let file = Wallet::file();
    assert_eq!(w.ok(&["account", "list"]), file.ok(&["account", "list"]));
    assert!(!file.exists(), "listing made the wallet file");
    w.ok(&["balance"]);
    w.ok(&["verify"]);
    let database = w.database().expect("on the server");
    assert_eq!(database.tables(), Vec::<String>::new(), "a read made tables");
    // The first write makes the wallet.
    w.ok(&["account", "add", "ann"]);
    assert!(!database.tables().is_empty());
    assert_eq!(w.balance("ann"), (10, 0));
}

/// A write the server cannot fit between other commands' writes (it reports
/// a serialisation failure or a deadlock, both made here) is tried again, in all as many
/// times as the wallet allows; then the command fails with advice and
/// changes nothing. The server's refusals are made here on purpose: a
/// trigger refuses the first N operations written, counting them with a
/// sequence (whose count outlives the transactions that are undone).
#[test]
fn a_write_the_server_cannot_fit_in_is_tried_again_then_given_up() {
    let w = Wallet::on_server();
    w.ok(&["account", "add", "ann"]);
    w.execute(
        "CREATE SEQUENCE tries; CREATE TABLE refused (first BIGINT NOT NULL); INSERT INTO refused VALUES (3);
         CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
         DECLARE try BIGINT := nextval('tries');
         BEGIN
             -- A serialisation failure (40001) and a deadlock (40P01) in turn.
             IF try <= (SELECT first FROM refused) THEN
                 RAISE EXCEPTION 'made to fail' USING ERRCODE = CASE WHEN try % 2 = 1 THEN '40001' ELSE '40P01' END;
             END IF;
             RETURN NEW;
         END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON operations FOR EACH ROW EXECUTE FUNCTION refuse()",
    );
    let database = w.database().expect("on the server");
    let tries = || database.rows("SELECT last_value FROM tries")[0][0].clone();
    // Three refusals, then the fourth try lands, once.
    w.ok(&["generate", "ann"]);
    assert_eq!(tries().as_deref(), Some("4"));
    assert_eq!(w.balance("ann"), (9, 0));
    // Refused every time: given up after the fourth, with nothing changed.
    w.execute("ALTER SEQUENCE tries RESTART; UPDATE refused SET first = 100");
    let e = w.refused(&["generate", "ann"], 1);
    assert!(e.contains("4 attempts") && e.contains("run the command again"), "{e}");
    assert_eq!(tries().as_deref(), Some("4"));
    assert_eq!(w.balance("ann"), (9, 0));
    w.ok(&["verify"]);
}

/// A database a newer wallet wrote is refused, for reads and writes alike,
/// with exit 1, and left as it was.
#[test]
fn a_database_of_a_newer_schema_is_refused_and_left_untouched() {
    let w = Wallet::on_server();
    w.ok(&["init", "--now", "2026-01-15T10:00:00Z"]);
    w.ok(&["account", "add", "ann"]);
    w.execute("UPDATE wallet SET schema = 99");
    for args in [
        &["account", "add", "bob"][..],
        &["balance"],
        &["balance", "ann"],
        &["verify"],
    ] {
        let e = w.refused(args, 1);
        assert!(
            e.contains("was made by a newer version of wallet (schema 99;") && e.contains("upgrade wallet"),
            "{args:?}: {e}"
        );
    }
}
