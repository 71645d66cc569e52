//! The wallet file itself: creation by racing commands (on either backend:
//! a new database is raced for too), reads that must see every committed
//! change or fail, one `--db` value one place, file modes.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use crate::support::{Run, Wallet, command, on_postgres};

/// nobody: root ignores file modes, and CI runs as root. Anyone else runs
/// these tests as themselves.
const NOBODY: u32 = 65534;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Gives `path` (and everything below it) to nobody, when running as root.
fn give_to_nobody(path: &Path) {
    if !is_root() {
        return;
    }
    std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).expect("chown");
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("read dir") {
            give_to_nobody(&entry.expect("entry").path());
        }
    }
}

/// Runs the wallet as nobody on `db` (as the user running the tests, unless root).
fn as_nobody(home: &Path, db: &Path, args: &[&str]) -> Run {
    let mut cmd = command(home);
    cmd.arg("--db").arg(db).args(args);
    if is_root() {
        cmd.uid(NOBODY).gid(NOBODY);
    }
    Run::from(cmd.output().expect("run"))
}

/// A message for people: no `SQLite` code numbers.
#[track_caller]
fn says(run: &Run, code: i32, words: &str) {
    assert_eq!(run.code, code, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stderr.contains(words), "expected '{words}' in: {}", run.stderr);
    assert!(!run.stderr.contains("Error code"), "a raw SQLite code: {}", run.stderr);
}

/// Issue: racing first writes lost acknowledged accounts, or the whole file.
/// On PostgreSQL each round races on a fresh empty database.
#[test]
fn racing_first_writes_on_a_new_file_all_land() {
    let w = Wallet::file();
    for round in 0..20 {
        // A file in a folder that does not exist yet, or a database without tables.
        let race = if on_postgres() {
            Wallet::new()
        } else {
            Wallet::of_file(w.dir.path().join(format!("race-{round}/w.sqlite3")))
        };
        let children: Vec<_> = (0..8)
            .map(|i| {
                command(w.dir.path())
                    .arg("--db")
                    .arg(&race.db)
                    .args(["account", "add", &format!("u{i}")])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let list = race.json(&["account", "list"]);
        let mut names: Vec<&str> = list
            .as_array()
            .expect("accounts")
            .iter()
            .filter_map(|a| a["account"].as_str())
            .collect();
        names.sort_unstable();
        assert_eq!(names, ["u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7"], "round {round}");
        race.ok(&["verify"]);
        if race.database().is_some() {
            continue;
        }
        let leftovers: Vec<_> = std::fs::read_dir(w.dir.path().join(format!("race-{round}")))
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with("w.sqlite3"))
            .collect();
        assert!(leftovers.is_empty(), "private files left behind: {leftovers:?}");
    }
}

#[test]
fn racing_inits_on_a_new_file_one_wins_the_others_are_refused() {
    let w = Wallet::new();
    let children: Vec<_> = (0..6)
        .map(|i| {
            command(w.dir.path())
                .arg("--db")
                .arg(&w.db)
                .args(["init", "--now", &format!("2026-01-1{i}T00:00:00Z")])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let codes: Vec<i32> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait").status.code().unwrap_or(-1))
        .collect();
    assert_eq!(codes.iter().filter(|c| **c == 0).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 3).count(), 5, "{codes:?}");
    w.ok(&["verify"]);
}

/// Issue: `--db file:u.db` wrote into u.db (an `SQLite` URI) and read the literal path.
#[test]
fn a_db_path_that_looks_like_a_uri_is_a_plain_path() {
    let w = Wallet::file();
    let run = |args: &[&str]| {
        let mut cmd = command(w.dir.path());
        cmd.current_dir(w.dir.path())
            .args(["--db", "file:u.db?mode=memory"])
            .args(args);
        Run::from(cmd.output().expect("run"))
    };
    let added = run(&["account", "add", "x"]);
    assert_eq!(added.code, 0, "{}", added.stderr);
    let listed = run(&["--json", "account", "list"]);
    assert!(listed.stdout.contains("\"x\""), "{}", listed.stdout);
    assert!(w.dir.path().join("file:u.db?mode=memory").exists());
    assert!(!w.dir.path().join("u.db").exists());
}

/// Issue: a directory or a dangling link as `--db` got "read-only" or "disk I/O error".
#[test]
fn a_folder_or_a_dangling_link_as_the_wallet_says_so() {
    let w = Wallet::file();
    let folder = w.dir.path().join("folder");
    std::fs::create_dir(&folder).expect("mkdir");
    let folder_wallet = Wallet::of_file(folder.clone());
    says(&folder_wallet.run(&["account", "add", "a"]), 1, "is a folder");
    says(&folder_wallet.run(&["account", "list"]), 1, "is a folder");
    let link = w.dir.path().join("link.sqlite3");
    std::os::unix::fs::symlink(w.dir.path().join("nowhere/w.sqlite3"), &link).expect("symlink");
    let linked = Wallet::of_file(link.clone());
    says(&linked.run(&["account", "add", "a"]), 1, "symbolic link");
    says(&linked.run(&["balance"]), 1, "symbolic link");
}

/// Issue: a wallet in a folder the user cannot enter read as an empty wallet.
#[test]
fn a_wallet_that_cannot_be_reached_is_not_missing() {
    let w = Wallet::file();
    let locked = w.dir.path().join("locked");
    std::fs::create_dir(&locked).expect("mkdir");
    give_to_nobody(w.dir.path());
    let db = locked.join("w.sqlite3");
    assert_eq!(as_nobody(w.dir.path(), &db, &["account", "add", "a"]).code, 0);
    chmod(&locked, 0o000);
    says(&as_nobody(w.dir.path(), &db, &["account", "list"]), 1, "cannot reach");
    says(&as_nobody(w.dir.path(), &db, &["balance", "a"]), 1, "cannot reach");
    chmod(&locked, 0o700);
}

/// Issue: a read-only folder whose `-wal` holds committed data read stale balances.
#[test]
fn a_read_in_a_read_only_folder_sees_every_commit_or_fails() {
    let w = Wallet::file_at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    // Hold the wallet open so that bob's commit stays in the -wal, then copy
    // the file and its -wal (no -shm) into a folder nobody cannot write.
    let holder = rusqlite::Connection::open(&w.db).expect("open");
    let _: i64 = holder
        .query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))
        .expect("read");
    w.ok(&["account", "add", "bob"]);
    let copy = w.dir.path().join("copy");
    std::fs::create_dir(&copy).expect("mkdir");
    std::fs::copy(&w.db, copy.join("w.sqlite3")).expect("copy");
    let mut wal = w.db.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::copy(&wal, copy.join("w.sqlite3-wal")).expect("copy wal");
    drop(holder);
    assert!(std::fs::metadata(copy.join("w.sqlite3-wal")).expect("wal").len() > 0);
    give_to_nobody(w.dir.path());
    chmod(&copy, 0o555);
    let read = as_nobody(w.dir.path(), &copy.join("w.sqlite3"), &["--json", "account", "list"]);
    if read.code == 0 {
        assert!(read.stdout.contains("bob"), "a stale answer: {}", read.stdout);
    } else {
        says(&read, 1, "-wal");
        assert!(read.stderr.contains("writable"), "{}", read.stderr);
    }
    // With the changes folded into the file, the same folder reads exactly.
    chmod(&copy, 0o755);
    assert_eq!(as_nobody(w.dir.path(), &copy.join("w.sqlite3"), &["verify"]).code, 0);
    chmod(&copy, 0o555);
    let read = as_nobody(w.dir.path(), &copy.join("w.sqlite3"), &["--json", "account", "list"]);
    assert_eq!(read.code, 0, "{}", read.stderr);
    assert!(read.stdout.contains("bob"), "{}", read.stdout);
    chmod(&copy, 0o755);
}

/// Issue: a read of a 0400 wallet left -wal/-shm at 0400, and writes failed after chmod 600.
#[test]
fn a_read_of_a_read_only_wallet_leaves_nothing_that_blocks_later_writes() {
    let w = Wallet::file();
    give_to_nobody(w.dir.path());
    assert_eq!(as_nobody(w.dir.path(), &w.db, &["account", "add", "a"]).code, 0);
    for suffix in ["-wal", "-shm"] {
        let mut name = w.db.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
    chmod(&w.db, 0o400);
    let read = as_nobody(w.dir.path(), &w.db, &["--json", "balance", "a"]);
    assert_eq!(read.code, 0, "{}", read.stderr);
    chmod(&w.db, 0o600);
    let write = as_nobody(w.dir.path(), &w.db, &["account", "add", "b"]);
    assert_eq!(write.code, 0, "{}", write.stderr);
    // Companions a user cannot write are named, with the fix.
    let mut shm = w.db.as_os_str().to_owned();
    shm.push("-shm");
    chmod(Path::new(&shm), 0o400);
    says(
        &as_nobody(w.dir.path(), &w.db, &["account", "add", "c"]),
        1,
        "chmod u+w",
    );
}

/// Issue: under umask 000 the folders were 0777; a failed first command left them.
#[test]
fn new_wallets_and_their_folders_are_private_and_a_failure_leaves_none() {
    let w = Wallet::file();
    let db = w.dir.path().join("a/b/w.sqlite3");
    let run = |args: &[&str]| {
        let mut cmd = command(w.dir.path());
        cmd.arg("--db").arg(&db).args(args);
        // SAFETY: umask is async-signal-safe and touches only the child.
        unsafe {
            cmd.pre_exec(|| {
                libc::umask(0);
                Ok(())
            });
        }
        Run::from(cmd.output().expect("run"))
    };
    assert_eq!(run(&["buy", "nobody", "credits-500"]).code, 3);
    assert!(
        !w.dir.path().join("a").exists(),
        "a failed first command left its folders"
    );
    assert_eq!(run(&["account", "add", "alice"]).code, 0);
    assert_eq!(mode(&w.dir.path().join("a")), 0o700);
    assert_eq!(mode(&w.dir.path().join("a/b")), 0o700);
    assert_eq!(mode(&db), 0o600);
    // The write-ahead log and its index exist while the wallet is open (the
    // last to close removes them): looked at while a replay waits on its
    // standard input, after its first line (until they are there; the bound
    // is only a safety net).
    let mut replay = Command::new(env!("CARGO_BIN_EXE_wallet"))
        .arg("--db")
        .arg(&db)
        .args(["replay", "-"])
        .env("HOME", w.dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = replay.stdin.take().expect("stdin");
    std::io::Write::write_all(&mut stdin, b"account add bob\n").expect("a line");
    let side = |suffix: &str| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };
    for _ in 0..1_000_000 {
        if side("-wal").exists() && side("-shm").exists() || matches!(replay.try_wait(), Ok(Some(_))) {
            break;
        }
    }
    for suffix in ["-wal", "-shm"] {
        assert!(side(suffix).exists(), "no {suffix} file while the wallet is open");
        assert_eq!(mode(&side(suffix)), 0o600, "{suffix}");
    }
    drop(stdin);
    assert!(replay.wait().expect("the replay ends").success());
    // An empty file made by someone else becomes a private wallet too.
    let touched = w.dir.path().join("touched.sqlite3");
    std::fs::write(&touched, "").expect("touch");
    chmod(&touched, 0o644);
    let out = Command::new(env!("CARGO_BIN_EXE_wallet"))
        .arg("--db")
        .arg(&touched)
        .args(["init", "--now", "2026-01-15T10:00:00Z"])
        .env("HOME", w.dir.path())
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(mode(&touched), 0o600);
    let mut wal = touched.as_os_str().to_owned();
    wal.push("-wal");
    assert_eq!(mode(Path::new(&wal)), 0o600);
}

/// A device is not a wallet: reads and writes fail with exit 1 and say so.
#[test]
fn a_device_as_the_wallet_is_refused() {
    let w = Wallet::of_file(std::path::PathBuf::from("/dev/null"));
    for args in [&["balance"][..], &["account", "add", "alice"]] {
        let r = w.run(args);
        says(&r, 1, "/dev/null is not a regular file, so it cannot be a wallet");
    }
}

/// `--version` names the program and its version, and nothing else.
#[test]
fn version_prints_the_name_and_version() {
    let w = Wallet::file();
    for flag in ["--version", "-V"] {
        assert_eq!(w.ok(&[flag]), format!("wallet {}\n", env!("CARGO_PKG_VERSION")));
    }
    assert!(!w.exists(), "--version made a wallet");
}
