//! Issue 7: retries, actors, concurrent writers, crashes, bad files.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::{BEFORE_CORRECTIONS, Wallet, command};

#[test]
fn a_retried_buy_applies_once_and_a_reused_key_is_refused() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    let first = w.json(&["--idempotency-key", "order-42", "buy", "alice", "credits-500"]);
    let before = w.dump();
    // The same command, spelt differently and with another output format.
    let retry = w.json(&[
        "buy",
        "alice",
        "credits-500",
        "--quantity",
        "1",
        "--idempotency-key",
        "order-42",
    ]);
    assert_eq!(first, retry, "a retry returns the original result");
    let human = w.ok(&["--idempotency-key", "order-42", "buy", "alice", "credits-500"]);
    assert!(human.contains("alice bought 1 × credits-500 for $10.00"), "{human}");
    assert_eq!(before, w.dump(), "a retry changes nothing");
    assert_eq!(w.balance("alice"), (510, 0));
    let e = w.refused(&["--idempotency-key", "order-42", "buy", "alice", "credits-1000"], 3);
    assert!(e.contains("order-42") && e.contains("already used"), "{e}");
    w.refused(&["--idempotency-key", "order-42", "generate", "alice"], 3);
    // A refused command does not use its key up.
    w.refused(
        &[
            "--idempotency-key",
            "gen-1",
            "generate",
            "alice",
            "--style",
            "private:none",
        ],
        3,
    );
    let out = w.json(&["--idempotency-key", "gen-1", "generate", "alice", "--count", "5"]);
    assert_eq!(
        out["images"],
        serde_json::json!(["img-1", "img-2", "img-3", "img-4", "img-5"])
    );
    let again = w.json(&["--idempotency-key", "gen-1", "generate", "alice", "--count", "5"]);
    assert_eq!(out, again);
    assert_eq!(w.json(&["images", "alice"]).as_array().map(Vec::len), Some(5));
}

/// The request stored under a key (a plain word), read straight from the wallet.
fn stored_request(w: &Wallet, key: &str) -> String {
    assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{key}");
    w.value(&format!("SELECT request FROM idempotency_keys WHERE key = '{key}'"))
}

/// Issue 16: a key remembers its command as data in the product's words,
/// versioned — not in the program's own notation, which an upgrade changes.
#[test]
fn a_key_remembers_its_command_in_a_canonical_versioned_form() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "a0"]);
    w.ok(&["--idempotency-key", "k1", "generate", "a0"]);
    w.ok(&["--idempotency-key", "k2", "advance-clock", "--to", "2026-02-01"]);
    let request: serde_json::Value = serde_json::from_str(&stored_request(&w, "k1")).expect("JSON");
    assert_eq!(
        request,
        serde_json::json!({"v": 1, "command": "generate", "args": {"account": "a0", "style": "base", "count": 1}})
    );
    let request: serde_json::Value = serde_json::from_str(&stored_request(&w, "k2")).expect("JSON");
    assert_eq!(
        request,
        serde_json::json!({"v": 1, "command": "advance-clock", "args": {"by": null, "to": "2026-02-01T00:00:00Z"}})
    );
    // The same instant written another way is the same request.
    let before = w.dump();
    w.ok(&[
        "--idempotency-key",
        "k2",
        "advance-clock",
        "--to",
        "2026-02-01T00:00:00Z",
    ]);
    assert_eq!(before, w.dump());
}

/// Issue 16: a wallet whose keys were stored by an older version (the parsed
/// command in debug notation) is upgraded, and a retry with such a key after
/// the upgrade returns the stored output instead of being refused.
#[test]
fn a_retry_after_an_upgrade_returns_the_stored_output() {
    let w = Wallet::file_at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "a0"]);
    let first = w.json(&["--idempotency-key", "k1", "generate", "a0", "--count", "2"]);
    let bought = w.json(&["--idempotency-key", "k2", "buy", "a0", "licenses-10"]);
    w.ok(&["--idempotency-key", "k3", "advance-clock", "1mo"]);
    w.ok(&["--idempotency-key", "k4", "train", "a0", "mine"]);
    {
        // The wallet as the previous version left it: schema 3, requests in debug notation.
        let conn = rusqlite::Connection::open(&w.db).expect("open");
        conn.execute_batch(BEFORE_CORRECTIONS).expect("before corrections");
        conn.execute_batch(
            r#"UPDATE idempotency_keys SET request = 'Generate { account: "a0", style: "base", count: 2 }' WHERE key = 'k1';
               UPDATE idempotency_keys SET request = 'Buy { account: "a0", product: "licenses-10", quantity: 1 }' WHERE key = 'k2';
               UPDATE idempotency_keys SET request = 'AdvanceClock(AdvanceClockArgs { duration: Some("1mo"), to: None })' WHERE key = 'k3';
               UPDATE idempotency_keys SET request = 'NoSuchCommand { account: "a0" }' WHERE key = 'k4';
               PRAGMA user_version = 3;"#,
        )
        .expect("downgrade");
    }
    let balance = w.balance("a0");
    let images = w.json(&["images", "a0"]);
    let retry = w.json(&["--idempotency-key", "k1", "generate", "a0", "--count", "2"]);
    assert_eq!(first, retry, "the retry returns the original result");
    assert_eq!(
        w.json(&["buy", "a0", "licenses-10", "--idempotency-key", "k2", "--quantity", "1"]),
        bought
    );
    w.ok(&["--idempotency-key", "k3", "advance-clock", "1mo"]);
    assert_eq!(w.balance("a0"), balance, "the retries changed nothing");
    assert_eq!(w.json(&["images", "a0"]), images);
    assert_eq!(
        stored_request(&w, "k1"),
        r#"{"args":{"account":"a0","count":2,"style":"base"},"command":"generate","v":1}"#
    );
    // Another command under a converted key is still refused; a request the
    // upgrade could not read is left as it was, and its key refused rather than guessed at.
    w.refused(&["--idempotency-key", "k1", "generate", "a0", "--count", "3"], 3);
    w.refused(&["--idempotency-key", "k4", "train", "a0", "mine"], 3);
    assert_eq!(stored_request(&w, "k4"), r#"NoSuchCommand { account: "a0" }"#);
    w.ok(&["verify"]);
}

#[test]
fn replay_lines_may_carry_idempotency_keys() {
    let w = Wallet::new();
    let file = w.dir.path().join("retry.scenario");
    std::fs::write(
        &file,
        "init --now 2026-01-15T10:00:00Z\naccount add bob\n\
         buy bob license --idempotency-key k1\nbuy bob license --idempotency-key k1\n\
         expect bob credits=110 licenses=1\nexpect-error 3 buy bob licenses-10 --idempotency-key k1\n",
    )
    .expect("write");
    let r = w.run(&["replay", file.to_str().expect("path")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn every_operation_records_who_ran_it() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["--actor", "support-jo", "buy", "alice", "credits-500"]);
    let history = w.json(&["history", "alice"]);
    let actors: Vec<&str> = history
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["actor"].as_str())
        .collect();
    assert_eq!(actors, ["tester", "support-jo"], "$USER, then --actor");
    assert!(w.ok(&["history", "alice"]).contains("(by support-jo)"));
}

/// 8 processes × 250 mutations on shared accounts, and new accounts: all
/// succeed, nothing lost or doubled, image numbers and account ids without gaps.
/// One idempotency key sent by eight processes at once (a client that
/// retried while its first try was still running): the purchase lands
/// once, and every process answers with its output.
#[test]
fn one_key_from_racing_processes_applies_once() {
    const RACERS: usize = 8;
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    let runs: Vec<crate::support::Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..RACERS)
            .map(|_| scope.spawn(|| w.run(&["--idempotency-key", "order-7", "buy", "alice", "credits-500"])))
            .collect();
        handles.into_iter().map(|h| h.join().expect("a racer")).collect()
    });
    for r in &runs {
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(
            r.stdout, runs[0].stdout,
            "every racer answers with the purchase's output"
        );
    }
    assert_eq!(w.balance("alice"), (510, 0), "the purchase landed once");
    assert_eq!(w.value("SELECT count(*) FROM operations WHERE kind = 'buy'"), "1");
    w.ok(&["verify"]);
}

/// A clock advance and a replay while other processes write: each lands
/// whole, in some order, and the wallet verifies with every credit
/// accounted for.
#[test]
fn a_clock_advance_and_a_replay_racing_other_writers_lose_nothing() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["buy", "alice", "credits-1000"]);
    w.ok(&["subscribe", "alice", "licenses-5-monthly"]);
    let scenario = w.dir.path().join("grants.scenario");
    std::fs::write(&scenario, "grant alice --credits 1 --reason replayed\n".repeat(200)).expect("write");
    let scenario = scenario.to_str().expect("path");
    std::thread::scope(|scope| {
        let advance = scope.spawn(|| w.run(&["advance-clock", "3mo"]));
        let replay = scope.spawn(|| w.run(&["replay", scenario]));
        let writers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    (0..40)
                        .map(|_| w.run(&["generate", "alice"]).code)
                        .collect::<Vec<i32>>()
                })
            })
            .collect();
        for (what, r) in [("advance-clock", advance), ("replay", replay)] {
            let r = r.join().expect("a racer");
            assert_eq!(r.code, 0, "{what}: {}", r.stderr);
        }
        for writer in writers {
            assert_eq!(writer.join().expect("a writer"), vec![0; 40]);
        }
    });
    w.ok(&["verify"]);
    assert_eq!(w.value("SELECT count(*) FROM images"), "80");
    assert_eq!(
        w.value("SELECT count(*) FROM operations WHERE kind = 'grant'"),
        "200",
        "every replayed grant landed once"
    );
    let clock = w.json(&["balance", "alice"]);
    assert_eq!(clock["as_of"], "2026-04-15T10:00:00Z", "the clock moved 3 months");
    // Three renewals and deliveries after the first (which `subscribe` made).
    for kind in ["renewal", "delivery"] {
        assert_eq!(
            w.value(&format!("SELECT count(*) FROM operations WHERE kind = '{kind}'")),
            "3",
            "{kind}s"
        );
    }
}

#[test]
fn eight_concurrent_writers_lose_nothing() {
    const WRITERS: usize = 8;
    const EACH: usize = 250;
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["buy", "alice", "credits-1000", "--quantity", "3"]);
    w.ok(&["account", "add", "bob"]);
    w.ok(&["buy", "bob", "credits-1000"]);
    // Each writer runs its mutations as separate processes, like scripts do.
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let w = &w;
                scope.spawn(move || {
                    for i in 0..EACH {
                        let handle = format!("w{writer}-{i}");
                        let args: Vec<&str> = if i % 50 == 0 {
                            vec!["buy", "alice", "license"]
                        } else if i % 25 == 0 {
                            vec!["account", "add", &handle]
                        } else if i % 2 == 0 {
                            vec!["generate", "alice"]
                        } else {
                            vec!["generate", "bob"]
                        };
                        let r = w.run(&args);
                        assert_eq!(r.code, 0, "writer {writer}, mutation {i}: {}", r.stderr);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("writer");
        }
    });
    let count = |f: fn(usize) -> bool| u64::try_from(WRITERS * (0..EACH).filter(|i| f(*i)).count()).expect("fits");
    let buys = count(|i| i % 50 == 0);
    let added = count(|i| i % 50 != 0 && i % 25 == 0);
    let by_alice = count(|i| i % 25 != 0 && i % 2 == 0);
    let by_bob = count(|i| i % 25 != 0 && i % 2 == 1);
    assert_eq!(w.balance("alice"), (3010 + 100 * buys - by_alice, buys));
    assert_eq!(w.balance("bob"), (1010 - by_bob, 0));
    let images = |account: &str| -> Vec<u64> {
        w.json(&["images", account])
            .as_array()
            .expect("images")
            .iter()
            .map(|i| {
                i["id"]
                    .as_str()
                    .and_then(|id| id.strip_prefix("img-"))
                    .and_then(|n| n.parse().ok())
                    .expect("img-N")
            })
            .collect()
    };
    let mut numbers = [images("alice"), images("bob")].concat();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=by_alice + by_bob).collect::<Vec<_>>(),
        "image numbers unique and without gaps"
    );
    let accounts = w.json(&["account", "list"]);
    let accounts = accounts.as_array().expect("accounts");
    assert_eq!(u64::try_from(accounts.len()).expect("fits"), 2 + added);
    let mut ids: Vec<u64> = w
        .rows("SELECT id FROM accounts")
        .iter()
        .map(|r| r[0].as_deref().and_then(|v| v.parse().ok()).expect("an id"))
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=2 + added).collect::<Vec<_>>(), "account ids without gaps");
    w.ok(&["verify"]);
}

/// A tiny deterministic generator for "random" kill points.
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *seed >> 33
}

/// Images committed to the wallet, as another process sees them.
fn committed_images(w: &Wallet) -> u64 {
    w.value("SELECT count(*) FROM images").parse().expect("a count")
}

/// A replay killed with SIGKILL at random moments never leaves a line
/// half-applied. It commits every 50 lines (`--commit-every`); each round
/// kills it a random number of outputs after the output of a line past the
/// first commit, while it is still running: so every round kills a replay
/// with committed and uncommitted lines (issue 16: the rounds used to be
/// killed before any commit, and once the credits ran out they were
/// refused at line 1). No round reads the wallet while the replay runs.
#[cfg(unix)]
#[test]
fn a_replay_killed_at_random_moments_stays_exact() {
    use std::os::unix::process::ExitStatusExt;

    const ROUNDS: usize = 8;
    const COMMIT_EVERY: u64 = 50;
    // Lines take turns over accounts: a debug build checks each account's
    // lots against its whole ledger on every change.
    const ACCOUNTS: usize = 32;
    let w = Wallet::at("2026-01-15T10:00:00Z");
    let mut setup = String::new();
    for a in 0..ACCOUNTS {
        // Enough credits that no round runs out: 3 a line, and no round runs the whole file.
        setup += &format!("account add a{a}\nbuy a{a} credits-1000 --quantity 100\n");
    }
    let file = w.dir.path().join("setup.scenario");
    std::fs::write(&file, setup).expect("write");
    w.ok(&["replay", file.to_str().expect("path")]);
    let total_credits = || -> u64 {
        let list = w.json(&["account", "list"]);
        (list.as_array().expect("accounts").iter())
            .map(|a| a["credits"].as_u64().expect("credits"))
            .sum()
    };
    let credits_before = total_credits();
    assert_eq!(credits_before, 100_010 * ACCOUNTS as u64);
    let file = w.dir.path().join("long.scenario");
    let mut text = String::new();
    for i in 0..100_000 {
        text += &format!("generate a{} --count 3\n", i % ACCOUNTS);
        if i % 10 == 0 {
            // Read commands print as the replay goes: the test kills on progress, not on time.
            text += "balance a0 --json\n";
        }
    }
    std::fs::write(&file, text).expect("write");
    let mut seed = 7;
    let mut committed = committed_images(&w);
    for round in 0..ROUNDS {
        let kill_after = 1 + lcg(&mut seed) % 40;
        let mut child = command(w.dir.path())
            .args([
                "--db",
                w.db.to_str().expect("path"),
                "replay",
                "--commit-every",
                &COMMIT_EVERY.to_string(),
                file.to_str().expect("path"),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        // The k-th output (from 0) is that of line 2 + 11k: once it is out,
        // the lines up to it have run, and a batch has committed once
        // COMMIT_EVERY lines have.
        let first_after_commit = (COMMIT_EVERY - 2) / 11 + 1;
        let mut outputs = 0u64;
        for line in BufReader::new(stdout).lines() {
            if !line.expect("line").starts_with('}') {
                continue;
            }
            outputs += 1;
            if outputs > first_after_commit + kill_after {
                break;
            }
        }
        assert!(
            outputs > first_after_commit + kill_after,
            "round {round}: the replay ended after {outputs} outputs, before the kill ({kill_after} outputs after its first commit)"
        );
        assert!(
            matches!(child.try_wait(), Ok(None)),
            "round {round}: the replay was no longer running when killed"
        );
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("reaped");
        assert_eq!(
            status.signal(),
            Some(libc::SIGKILL),
            "round {round}: the replay ended by itself ({status}), not by the kill"
        );
        let v = w.run(&["verify"]);
        assert_eq!(
            v.code, 0,
            "round {round} (killed {kill_after} outputs after a commit): {}",
            v.stderr
        );
        // Every generate line spends exactly 3 credits for exactly 3 images, or nothing.
        let images = committed_images(&w);
        assert_eq!(
            credits_before - total_credits(),
            images,
            "round {round}: spent credits and images disagree"
        );
        assert_eq!(images % 3, 0, "round {round}: a generate line was half-applied");
        assert!(
            images > committed,
            "round {round}: nothing was committed before the kill"
        );
        committed = images;
    }
}

#[test]
fn a_full_disk_fails_cleanly_and_leaves_the_wallet_untouched() {
    let w = Wallet::file_at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["buy", "alice", "credits-1000", "--quantity", "20"]);
    let before = w.dump();
    // RLIMIT_FSIZE of one block makes every write past 512 bytes fail with
    // EFBIG, as a full disk fails writes: the first WAL frame cannot land.
    let script = format!(
        "trap '' XFSZ; ulimit -f 1; exec {} --db '{}' generate alice --count 100",
        env!("CARGO_BIN_EXE_wallet"),
        w.db.display()
    );
    let out = Command::new("bash").args(["-c", &script]).output().expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
    assert_eq!(before, w.dump(), "the wallet changed");
    w.ok(&["verify"]);
}

#[cfg(unix)]
#[test]
fn a_read_only_wallet_is_refused_for_writes_and_still_readable() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let w = Wallet::file_at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    let before = w.dump();
    let root = unsafe { libc::geteuid() } == 0;
    std::fs::set_permissions(&w.db, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let run = |args: &[&str]| {
        let mut cmd = command(w.dir.path());
        cmd.arg("--db").arg(&w.db).args(args);
        if root {
            // Root ignores file modes: run as nobody, in a folder nobody cannot write.
            std::fs::set_permissions(w.dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod dir");
            cmd.uid(65534).gid(65534);
        }
        cmd.output().expect("run")
    };
    let out = run(&["buy", "alice", "credits-500"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("read-only"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["--json", "balance", "alice"]);
    assert!(
        out.status.success(),
        "reads still work: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::set_permissions(&w.db, std::fs::Permissions::from_mode(0o644)).expect("chmod back");
    assert_eq!(before, w.dump());
}

/// Corrupts a copy of a healthy wallet with `sql` and returns what `verify` says.
/// `verify` on a small wallet of the backend under test, after `sql`
/// (statements both backends read alike; a file's `PRAGMA` is for the file
/// alone) changed it behind the wallet's back.
fn verify_after(sql: &str) -> (i32, String) {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["subscribe", "alice", "licenses-5-monthly"]);
    w.ok(&["generate", "alice", "--style", "artist:x", "--count", "2"]);
    w.ok(&["license", "alice", "img-1"]);
    w.ok(&["verify"]);
    let sql = if w.database().is_some() {
        sql.replace("PRAGMA foreign_keys = OFF;", "")
    } else {
        sql.to_owned()
    };
    w.execute(&sql);
    let r = w.run(&["verify"]);
    (r.code, r.stderr)
}

#[test]
fn verify_lists_each_broken_invariant() {
    let cases = [
        (
            "UPDATE lots SET remaining = remaining - 1 WHERE id = 1",
            "lot differs from its ledger: lot 1",
        ),
        (
            "UPDATE wallet SET clock = clock + 40 * 86400",
            "usable lot past its expiry",
        ),
        (
            "UPDATE images SET licensed_at = created_at WHERE id = 2",
            "licensed images differ from license spends",
        ),
        (
            "UPDATE subscriptions SET status = 'ended', next_event_at = NULL",
            "subscription lot after its subscription ended",
        ),
        ("UPDATE wallet SET clock = clock - 3600", "clock behind an entry"),
        (
            "PRAGMA foreign_keys = OFF; UPDATE ledger SET account_id = 99 WHERE id = 1",
            "foreign key",
        ),
        (
            "INSERT INTO accounts (id, handle, created_at) VALUES (2, 'bob', 0);
             UPDATE ledger SET account_id = 2 WHERE id = 1; UPDATE lots SET account_id = 2 WHERE id = 1",
            "ledger entry unlike its operation: ledger entry 1 of account 2",
        ),
        ("UPDATE ledger SET at = at + 1 WHERE id = 1", "at another instant"),
        (
            "INSERT INTO accounts (id, handle, created_at) VALUES (2, 'bob', 0); UPDATE images SET account_id = 2 WHERE id = 1",
            "image unlike its operation: image img-1 of account 2",
        ),
    ];
    for (sql, expected) in cases {
        let (code, stderr) = verify_after(sql);
        assert_eq!(code, 1, "verify passed after `{sql}`");
        assert!(
            stderr.contains(expected),
            "after `{sql}` verify should report '{expected}':\n{stderr}"
        );
    }
    // Two problems at once are both listed.
    let (_, stderr) =
        verify_after("UPDATE lots SET remaining = remaining - 1 WHERE id = 1; UPDATE wallet SET clock = clock - 3600");
    assert!(stderr.contains("lot 1 holds 9 but its ledger sums to 10"), "{stderr}");
    assert!(
        stderr.contains("operation 1 is at 2026-01-15T10:00:00Z, after the clock"),
        "{stderr}"
    );
}

#[test]
fn huge_amounts_and_far_future_instants_are_refused_not_panicked() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    let pricing = w.dir.path().join("huge.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml")).expect("pricing");
    let huge = text
        .replacen(
            "license_bonus_credits = 100",
            // At most 10^18 bonus credits a unit, or the file is invalid.
            "license_bonus_credits = 1000000",
            1,
        )
        .replacen("licenses = 10 ", "licenses = 1000000000000 ", 1);
    assert_ne!(huge, text);
    std::fs::write(&pricing, huge).expect("write");
    let p = pricing.to_str().expect("path");
    // 1000 × 10^12 licenses × 10^6 bonus credits does not fit: refused whole.
    let e = w.refused(
        &["--pricing", p, "buy", "alice", "licenses-10", "--quantity", "1000"],
        3,
    );
    assert!(e.contains("too large"), "{e}");
    // The largest accepted order still adds up exactly.
    w.ok(&["--pricing", p, "buy", "alice", "credits-1000", "--quantity", "1000"]);
    assert_eq!(w.balance("alice"), (1_000_010, 0));

    let end = Wallet::at("9999-12-31T00:00:00Z");
    // A lot whose term would end past the calendar never expires (README, Rules).
    end.ok(&["account", "add", "zed"]);
    assert_eq!(end.json(&["balance", "zed"])["lots"][0]["expires_at"], "never");
    let r = end.run(&["subscribe", "zed", "licenses-5-monthly"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("9999-12-31T23:59:59Z"), "{}", r.stderr);
    end.refused(&["advance-clock", "1d"], 2);
    end.ok(&["advance-clock", "--to", "9999-12-31T23:59:59Z"]);
    end.refused(&["advance-clock", "--to", "10000-01-01"], 2);
    end.ok(&["verify"]);
}
