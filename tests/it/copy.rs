//! `wallet copy`: a wallet copied from a file to a server and back answers
//! every read the same, byte for byte, and passes `verify` on all three; a
//! destination that already holds a wallet is refused and left as it was.

use crate::support::{BEFORE_CORRECTIONS, Wallet};

/// A wallet with something of every kind: accounts, packs, a license pack,
/// a running, a cancelled and an ended subscription, images of every style
/// (a trained private one, edits, licenses), expiries, an actor and an
/// idempotency key.
const HISTORY: &[&[&str]] = &[
    &["init", "--now", "2026-01-15T10:00:00Z"],
    &["account", "add", "alice"],
    &["account", "add", "bob"],
    &["account", "add", "carol"],
    &["buy", "alice", "credits-1000"],
    &[
        "--idempotency-key",
        "order-1",
        "buy",
        "bob",
        "license",
        "--quantity",
        "2",
    ],
    &["subscribe", "alice", "licenses-5-monthly"],
    &["subscribe", "carol", "licenses-5-monthly"],
    &["generate", "alice", "--style", "artist:monet", "--count", "3"],
    &["license", "alice", "img-1"],
    &["--actor", "support, \"night\" shift", "train", "bob", "mystyle"],
    &["generate", "bob", "--style", "private:mystyle", "--count", "2"],
    &["license", "bob", "img-4"],
    &["edit", "bob", "img-4", "upscale"],
    &["advance-clock", "1mo"],
    &["cancel", "carol"],
    &["advance-clock", "2mo"],
    &["generate", "carol", "--count", "1"],
];

/// Every read, as text and JSON, now and at earlier instants.
fn answers(w: &Wallet) -> Vec<String> {
    let mut reads: Vec<Vec<&str>> = vec![
        vec!["account", "list"],
        vec!["--json", "account", "list"],
        vec!["balance"],
        vec!["--json", "balance"],
        vec!["balance", "--as-of", "2026-02-20T00:00:00Z"],
    ];
    for account in ["alice", "bob", "carol"] {
        reads.extend([
            vec!["balance", account],
            vec!["--json", "balance", account],
            vec!["--json", "balance", account, "--as-of", "2026-02-20T00:00:00Z"],
            vec!["account", "show", account],
            vec!["--json", "account", "show", account],
            vec!["history", account],
            vec!["--json", "history", account],
            vec!["--json", "images", account],
        ]);
    }
    reads.iter().map(|args| w.ok(args)).collect()
}

#[test]
fn a_wallet_copied_to_a_server_and_back_answers_the_same_everywhere() {
    let file = Wallet::file();
    for line in HISTORY {
        file.ok(line);
    }
    let server = Wallet::on_server();
    let back = Wallet::file();
    let to_server = file.ok(&["copy", "--to", server.db.to_str().expect("url")]);
    assert!(to_server.contains("3 accounts"), "{to_server}");
    let to_file = server.ok(&["copy", "--to", back.db.to_str().expect("path")]);
    assert!(to_file.contains("3 accounts"), "{to_file}");

    let expected = answers(&file);
    assert_eq!(answers(&server), expected, "file → server");
    assert_eq!(answers(&back), expected, "server → file");
    for w in [&file, &server, &back] {
        assert!(w.ok(&["verify"]).contains("verified"));
    }
    // The idempotency key came along: a retry on the copy changes nothing.
    for w in [&server, &back] {
        let before = w.dump();
        w.ok(&[
            "--idempotency-key",
            "order-1",
            "buy",
            "bob",
            "license",
            "--quantity",
            "2",
        ]);
        assert_eq!(w.dump(), before, "a retried key ran again on the copy");
    }
    // Ids were kept: the next image is numbered after the copied ones on both.
    for w in [&server, &back] {
        let made = w.json(&["generate", "alice", "--count", "1"]);
        assert_eq!(made["images"][0].as_str(), Some("img-7"), "{made}");
    }
}

#[test]
fn a_copy_into_a_wallet_with_accounts_is_refused_and_changes_neither() {
    let source = Wallet::file_at("2026-01-15T10:00:00Z");
    source.ok(&["account", "add", "alice"]);
    for destination in [Wallet::file(), Wallet::on_server()] {
        destination.ok(&["init", "--now", "2026-03-01T00:00:00Z"]);
        destination.ok(&["account", "add", "bob"]);
        let before = destination.dump();
        let stderr = source.refused(&["copy", "--to", destination.db.to_str().expect("path")], 3);
        assert!(stderr.contains("already holds a wallet"), "{stderr}");
        assert_eq!(destination.dump(), before, "the refused copy changed its destination");
    }
}

#[test]
fn copying_a_missing_wallet_fails_and_creates_nothing() {
    let missing = Wallet::file();
    let destination = Wallet::on_server();
    let r = missing.run(&["copy", "--to", destination.db.to_str().expect("url")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("nothing to copy"), "{}", r.stderr);
    assert!(!destination.exists(), "the failed copy made tables");
    assert!(!missing.exists());
}

/// A wallet file of the schema before corrections, read as it is, copies
/// whole: the newer columns arrive empty, and the copy answers as the file.
#[test]
fn a_wallet_file_of_an_older_schema_copies_as_it_reads() {
    let old = Wallet::file_at("2026-01-15T10:00:00Z");
    old.ok(&["account", "add", "alice"]);
    old.ok(&["buy", "alice", "credits-500"]);
    old.ok(&["advance-clock", "1d"]);
    old.execute(&format!("{BEFORE_CORRECTIONS} PRAGMA user_version = 4;"));
    let history = old.json(&["history", "alice"]);
    for destination in [Wallet::file(), Wallet::on_server()] {
        old.ok(&["copy", "--to", destination.db.to_str().expect("path")]);
        assert_eq!(destination.json(&["history", "alice"]), history);
        destination.ok(&["verify"]);
    }
}

/// A copy between two files, and between two databases, answers the same
/// as its source and passes `verify`.
#[test]
fn a_wallet_copied_file_to_file_and_server_to_server_answers_the_same() {
    let file = Wallet::file();
    for line in HISTORY {
        file.ok(line);
    }
    let expected = answers(&file);
    let other_file = Wallet::file();
    file.ok(&["copy", "--to", other_file.db.to_str().expect("path")]);
    let server = Wallet::on_server();
    other_file.ok(&["copy", "--to", server.db.to_str().expect("address")]);
    let other_server = Wallet::on_server();
    server.ok(&["copy", "--to", other_server.db.to_str().expect("address")]);
    for (what, w) in [("file to file", &other_file), ("server to server", &other_server)] {
        assert_eq!(answers(w), expected, "{what}: a read answered differently");
        w.ok(&["verify"]);
    }
}

/// A destination that cannot be reached fails with exit 1 naming it, and
/// the source is left as it was.
#[test]
fn a_copy_to_an_unreachable_destination_fails_and_changes_nothing() {
    let source = Wallet::file_at("2026-01-15T10:00:00Z");
    source.ok(&["account", "add", "alice"]);
    let unreachable = "postgres://wallet_test@localhost:1/nowhere";
    let e = source.refused(&["copy", "--to", unreachable], 1);
    assert!(e.contains("cannot connect") && e.contains("localhost:1/nowhere"), "{e}");
}

/// A copy killed (SIGKILL) while it reads its source leaves nothing at its
/// destination, a file or a database: the copy is held at the source's
/// images (a lock the test takes) and killed while it waits there; a
/// second copy then lands whole.
#[test]
fn a_copy_killed_midway_leaves_nothing() {
    let source = Wallet::on_server();
    for line in HISTORY {
        source.ok(line);
    }
    let expected = answers(&source);
    let database = source.database().expect("on the server");
    for destination in [Wallet::file(), Wallet::on_server()] {
        let mut locker = crate::support::connect(&database.url);
        locker
            .batch_execute("BEGIN; LOCK TABLE images IN ACCESS EXCLUSIVE MODE")
            .expect("lock the images");
        let mut copy = crate::support::command(source.dir.path())
            .arg("--db")
            .arg(&source.db)
            .args(["copy", "--to", destination.db.to_str().expect("path")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn the copy");
        // Until the copy waits for the lock (the bound is only a safety net).
        let mut waiting = false;
        for _ in 0..100_000 {
            waiting = !database
                .rows(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                     AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'",
                )
                .is_empty();
            if waiting || matches!(copy.try_wait(), Ok(Some(_))) {
                break;
            }
        }
        assert!(waiting, "the copy never waited at the source's images");
        copy.kill().expect("SIGKILL");
        copy.wait().expect("reaped");
        locker.batch_execute("ROLLBACK").expect("unlock");
        if let Some(d) = destination.database() {
            assert_eq!(d.tables(), Vec::<String>::new(), "the killed copy left tables");
        } else {
            let left: Vec<_> = std::fs::read_dir(destination.dir.path())
                .expect("the destination's folder")
                .map(|e| e.expect("an entry").file_name())
                .filter(|name| name.to_string_lossy().starts_with("wallet.sqlite3"))
                .collect();
            assert_eq!(left, Vec::<std::ffi::OsString>::new(), "the killed copy left files");
        }
        source.ok(&["copy", "--to", destination.db.to_str().expect("path")]);
        assert_eq!(answers(&destination), expected);
        destination.ok(&["verify"]);
    }
}
