//! Issue 2: accounts, one-time purchases, the clock and expiry, balance and
//! history, file handling and every refusal this part can reach.

use crate::support::{BEFORE_CORRECTIONS, Wallet, command, lots};

#[test]
fn signup_grants_ten_credits_expiring_in_twelve_months() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    let b = w.json(&["balance", "alice"]);
    assert_eq!(b["account"], "alice");
    assert_eq!(b["as_of"], "2026-01-15T10:00:00Z");
    assert_eq!((b["credits"].as_u64(), b["licenses"].as_u64()), (Some(10), Some(0)));
    assert_eq!(
        lots(&b),
        vec![("signup".into(), "credits".into(), 10, "2027-01-15T10:00:00Z".into())]
    );
    assert_eq!(b["lots"][0]["granted"], 10);
    assert_eq!(b["lots"][0]["granted_at"], "2026-01-15T10:00:00Z");
    assert!(b["subscription"].is_null());
}

#[test]
fn a_pack_and_a_license_purchase_with_bonus_lots() {
    let w = Wallet::at("2026-01-31T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["buy", "alice", "credits-500"]);
    w.ok(&["buy", "alice", "license", "--quantity", "2"]);
    let b = w.json(&["balance", "alice"]);
    assert_eq!((b["credits"].as_u64(), b["licenses"].as_u64()), (Some(710), Some(2)));
    let expiry = "2027-01-31T10:00:00Z".to_owned();
    let mut got = lots(&b);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("credit_pack".into(), "credits".into(), 500, expiry.clone()),
            ("license_bonus".into(), "credits".into(), 200, expiry.clone()),
            ("license_pack".into(), "licenses".into(), 2, expiry.clone()),
            ("signup".into(), "credits".into(), 10, expiry),
        ]
    );
    // The order records the price paid: 2 × $15.00.
    let out = w.ok(&["history", "alice"]);
    assert!(out.contains("$30.00"), "history should show the price paid:\n{out}");
}

#[test]
fn expiry_fires_at_its_instant_not_a_second_before() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["buy", "alice", "credits-500"]);
    w.ok(&["advance-clock", "--to", "2027-01-15T09:59:59Z"]);
    assert_eq!(w.balance("alice"), (510, 0));
    let b = w.json(&["balance", "alice"]);
    assert_eq!(b["at_risk"][0]["message"], "510 credits expire 2027-01-15T10:00:00Z");
    let advanced = w.json(&["advance-clock", "1h"]);
    let events = advanced["events"].as_array().expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0]["at"], "2027-01-15T10:00:00Z",
        "the expiry fires at its own instant"
    );
    assert_eq!(events[0]["kind"], "expiry");
    assert_eq!(w.balance("alice"), (0, 0));
    assert_eq!(w.json(&["balance", "alice"])["as_of"], "2027-01-15T10:59:59Z");

    // The ledger still answers for the past.
    let past = w.json(&["balance", "alice", "--as-of", "2027-01-15T09:59:59Z"]);
    assert_eq!(past["credits"], 510);
    assert_eq!(past["lots"].as_array().map(Vec::len), Some(2));
    let at_expiry = w.json(&["balance", "alice", "--as-of", "2027-01-15T10:00:00Z"]);
    assert_eq!(at_expiry["credits"], 0);
    let before_purchase = w.json(&["balance", "alice", "--as-of", "2026-01-15"]);
    assert_eq!(
        before_purchase["credits"], 0,
        "nothing existed at midnight before the signup"
    );

    let history = w.json(&["history", "alice"]);
    let expired: Vec<i64> = history
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["reason"] == "expired")
        .map(|e| e["change"].as_i64().expect("change"))
        .collect();
    assert_eq!(expired, vec![-10, -500]);
    let last = history.as_array().and_then(|a| a.last()).expect("last entry");
    assert_eq!(
        (last["credits"].as_i64(), last["at"].as_str()),
        (Some(0), Some("2027-01-15T10:00:00Z"))
    );
    assert!(w.ok(&["history", "alice"]).contains("expired unused"));
}

#[test]
fn lots_granted_on_a_leap_day_expire_on_feb_28() {
    let w = Wallet::at("2028-02-29T08:30:00Z");
    w.ok(&["account", "add", "leap"]);
    let b = w.json(&["balance", "leap"]);
    assert_eq!(b["lots"][0]["expires_at"], "2029-02-28T08:30:00Z");
}

#[test]
fn advance_clock_durations_are_calendar_aware() {
    let w = Wallet::at("2026-01-31T10:00:00Z");
    let cases = [
        ("1mo", "2026-02-28T10:00:00Z"),
        ("1w", "2026-03-07T10:00:00Z"),
        ("2d", "2026-03-09T10:00:00Z"),
        ("14h", "2026-03-10T00:00:00Z"),
        ("1y", "2027-03-10T00:00:00Z"),
    ];
    for (step, expected) in cases {
        let out = w.json(&["advance-clock", step]);
        assert_eq!(out["to"], expected, "after {step}");
    }
    let out = w.json(&["advance-clock", "--to", "2027-04-01"]);
    assert_eq!(out["to"], "2027-04-01T00:00:00Z");
}

#[test]
fn account_list_and_all_balances() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "bob"]);
    w.ok(&["account", "add", "alice"]);
    w.ok(&["buy", "bob", "licenses-10"]);
    let list = w.json(&["account", "list"]);
    let names: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["account"].as_str())
        .collect();
    assert_eq!(names, vec!["alice", "bob"]);
    let all = w.json(&["balance"]);
    assert_eq!(all["accounts"][1]["credits"], 1010);
    assert_eq!(all["accounts"][1]["licenses"], 10);
    assert!(w.ok(&["balance"]).contains("alice"));
}

/// `account list` and `balance` write their rows as they read them: many
/// accounts come out whole, in order, in one table as wide as its widest
/// row, the same inside a replay, and a reader that stops early is no error.
#[test]
fn lists_of_many_accounts_are_written_whole_and_in_order() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    let file = w.dir.path().join("many.scenario");
    let mut text = String::new();
    for i in (0..3000).rev() {
        text += &format!("account add c{i:04}\n");
    }
    text += "account add a-much-longer-handle-than-the-others\nbuy c0042 credits-500\n";
    std::fs::write(&file, text).expect("write");
    w.ok(&["replay", "--quiet", file.to_str().expect("path")]);

    let list = w.ok(&["account", "list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3001 + 4, "borders, header and one line per account");
    let width = lines[0].chars().count();
    assert!(lines.iter().all(|l| l.chars().count() == width), "one table, one width");
    assert!(
        lines[3].starts_with("│ a-much-longer-handle-than-the-others ┆"),
        "{}",
        lines[3]
    );
    assert!(lines[4].starts_with("│ c0000 "), "{}", lines[4]);
    assert!(lines[3004].starts_with("└"), "{}", lines[3004]);
    let handles: Vec<String> = w
        .json(&["account", "list"])
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["account"].as_str().expect("handle").to_owned())
        .collect();
    let mut sorted = handles.clone();
    sorted.sort();
    assert_eq!(handles.len(), 3001);
    assert_eq!(handles, sorted);
    let all = w.json(&["balance"]);
    assert_eq!(all["accounts"].as_array().map(Vec::len), Some(3001));
    assert_eq!(all["accounts"][43]["account"], "c0042");
    assert_eq!(all["accounts"][43]["credits"], 510);

    // Inside a replay the same views print the same text.
    let views = w.dir.path().join("views.scenario");
    std::fs::write(&views, "account list\nbalance --json\n").expect("write");
    let replayed = w.ok(&["replay", views.to_str().expect("path")]);
    assert!(replayed.starts_with(&list), "the replayed list differs");
    let json_part = replayed[list.len()..].trim_end_matches(|c| c != '}');
    assert_eq!(serde_json::from_str::<serde_json::Value>(json_part).expect("json"), all);

    // A reader that stops after one line.
    let mut child = command(w.dir.path())
        .args(["--db", w.db.to_str().expect("path"), "account", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
        &mut first,
    )
    .expect("read");
    let out = child.wait_with_output().expect("wait");
    assert!(first.starts_with('┌'));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn refusals_exit_with_their_code_say_why_and_change_nothing() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["buy", "alice", "credits-500"]);

    let e = w.refused(&["buy", "bob", "credits-500"], 3);
    assert!(
        e.contains("no account named 'bob'") && e.contains("wallet account add bob"),
        "{e}"
    );
    let e = w.refused(&["buy", "alice", "credits-9"], 3);
    assert!(e.contains("no product 'credits-9'") && e.contains("credits-500"), "{e}");
    let e = w.refused(&["account", "add", "alice"], 3);
    assert!(e.contains("already exists"), "{e}");
    let e = w.refused(&["account", "add", "-alice"], 2);
    assert!(e.contains("unexpected argument '-a' found"), "{e}");
    let e = w.refused(&["account", "add", "al ice"], 3);
    assert!(e.contains("not a valid account handle"), "{e}");
    let e = w.refused(&["account", "add", &"x".repeat(65)], 3);
    assert!(e.contains("1 to 64"), "{e}");
    let e = w.refused(&["buy", "alice", "credits-500", "--quantity", "0"], 2);
    assert!(e.contains("quantity"), "{e}");
    w.refused(&["buy", "alice", "credits-500", "--quantity", "1001"], 2);
    for (bad, why) in [
        ("1m", "has an unknown unit"),
        ("0d", "does not move the clock"),
        ("-1d", "is not a duration"),
        ("soon", "is not a duration"),
        ("1.5mo", "has an unknown unit"),
    ] {
        let e = w.refused(&["advance-clock", "--", bad], 2);
        assert!(
            e.contains(&format!("'{bad}' {why}: use a whole number and a unit")),
            "{bad}: {e}"
        );
    }
    let e = w.refused(&["advance-clock", "--to", "2026-02-30"], 2);
    assert!(e.contains("not an instant"), "{e}");
    let e = w.refused(&["advance-clock", "--to", "2026-01-15T09:59:59Z"], 3);
    assert!(e.contains("cannot move backwards"), "{e}");
    let e = w.refused(&["advance-clock", "9000y"], 2);
    assert!(e.contains("9999"), "{e}");
    let e = w.refused(&["init", "--now", "2026-01-01T00:00:00Z"], 3);
    assert!(e.contains("already initialised"), "{e}");
    let e = w.refused(&["balance", "alice", "--as-of", "2030-01-01"], 3);
    assert!(e.contains("after the wallet clock"), "{e}");
    assert_eq!(w.balance("alice"), (510, 0));
}

#[test]
fn an_invalid_pricing_file_is_refused_with_its_position() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    let bad = w.dir.path().join("pricing.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml")).expect("pricing");
    std::fs::write(&bad, text.replace("price_cents = 1000", "price_cents = -5")).expect("write");
    let bad = bad.to_str().expect("utf-8 path");
    let e = w.refused(&["--pricing", bad, "buy", "alice", "credits-500"], 1);
    assert!(
        e.contains("pricing.toml:") && e.contains("price_cents") && e.contains("-5"),
        "{e}"
    );
    let line_col = e.split("pricing.toml:").nth(1).expect("position");
    assert!(
        line_col.chars().next().is_some_and(|c| c.is_ascii_digit()),
        "line:column expected: {e}"
    );
    w.refused(&["pricing", "check", bad], 1);
    let e = w.run_with(&["buy", "alice", "credits-500"], |c| {
        c.env("WALLET_PRICING", bad);
    });
    assert_eq!(e.code, 1, "WALLET_PRICING is read: {}", e.stderr);
}

#[test]
fn pricing_show_and_check() {
    let w = Wallet::new();
    let out = w.ok(&["pricing", "show"]);
    for needle in [
        "credits-500",
        "licenses-20-yearly",
        "$15.00",
        "$12.00",
        "$11.00",
        "$9.00",
    ] {
        assert!(out.contains(needle), "pricing show lacks {needle}:\n{out}");
    }
    let out = w.ok(&["pricing", "check"]);
    assert!(out.contains("is valid") && !out.contains("warning"), "{out}");
    let edited = w.dir.path().join("edited.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml")).expect("pricing");
    std::fs::write(&edited, text.replace("price_cents = 54000", "price_cents = 99000")).expect("write");
    let out = w.ok(&["pricing", "check", edited.to_str().expect("path")]);
    assert!(out.contains("warning") && out.contains("licenses-5-yearly"), "{out}");
    assert!(!w.exists(), "pricing commands never create a wallet");
}

#[test]
fn read_only_commands_never_create_a_wallet() {
    let w = Wallet::new();
    let e = w.refused(&["balance", "alice"], 3);
    assert!(e.contains("no account named 'alice'"), "{e}");
    assert_eq!(w.json(&["account", "list"]), serde_json::json!([]));
    w.ok(&["balance"]);
    assert!(!w.exists(), "a read created {}", w.db.display());
    // A later init still works: nothing has happened yet.
    w.ok(&["init", "--now", "2026-01-15T10:00:00Z"]);
}

#[cfg(unix)]
#[test]
fn the_wallet_file_is_private_and_in_wal_mode() {
    use std::os::unix::fs::PermissionsExt;
    let w = Wallet::file();
    let nested = w.dir.path().join("a/b/wallet.sqlite3");
    let run = command(w.dir.path())
        .args(["--db", nested.to_str().expect("path"), "init", "--now", "2026-01-01"])
        .output();
    assert!(run.expect("run").status.success());
    let mode = std::fs::metadata(&nested).expect("created").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let conn = rusqlite::Connection::open(&nested).expect("open");
    let journal: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("pragma");
    assert_eq!(journal, "wal");
}

#[test]
fn the_default_wallet_and_wallet_db_are_used() {
    let w = Wallet::file();
    let home = w.dir.path();
    let run = command(home)
        .args(["init", "--now", "2026-01-01"])
        .output()
        .expect("run");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(
        home.join("data/wallet/wallet.sqlite3").exists(),
        "the platform data dir holds the default wallet"
    );
    let run = command(home)
        .env("WALLET_DB", &w.db)
        .args(["init", "--now", "2026-01-01"])
        .output()
        .expect("run");
    assert!(run.status.success());
    assert!(w.db.exists(), "WALLET_DB names the wallet");
}

#[test]
fn memory_wallets_work_and_leave_nothing_behind() {
    let w = Wallet::file();
    let run = command(w.dir.path())
        .args(["--db", ":memory:", "account", "add", "alice"])
        .output()
        .expect("run");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(!w.dir.path().join(":memory:").exists());
}

/// A wallet written before schema 3 (indexes by account on the ledger and
/// images) is read as it is — a read never writes — and upgraded by the
/// first command that writes, after which it reads the same.
#[test]
fn a_schema_2_wallet_is_upgraded_in_place_and_reads_the_same() {
    let w = Wallet::file_at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["subscribe", "alice", "licenses-5-monthly"]);
    w.ok(&["generate", "alice", "--style", "artist:x", "--count", "2"]);
    w.ok(&["license", "alice", "img-1"]);
    w.ok(&["advance-clock", "40d"]);
    let history = w.json(&["history", "alice"]);
    let images = w.json(&["images", "alice"]);
    let lots = w.json(&["balance", "alice", "--as-of", "2026-02-01T00:00:00Z"]);
    let all = w.json(&["balance", "--as-of", "2026-02-01T00:00:00Z"]);
    let rows = w.dump();
    let index_names = |conn: &rusqlite::Connection| -> Vec<String> {
        conn.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("indexes")
    };
    let current = {
        let conn = rusqlite::Connection::open(&w.db).expect("open");
        let current = index_names(&conn);
        // Back to schema 2 exactly as migration 001 left the tables and indexes.
        conn.execute_batch(BEFORE_CORRECTIONS).expect("before corrections");
        conn.execute_batch(
            "DROP INDEX ledger_by_operation; DROP INDEX images_by_operation; DROP INDEX lots_live;
             CREATE INDEX ledger_by_account ON ledger(account_id, at, id);
             CREATE INDEX ledger_by_lot ON ledger(lot_id);
             CREATE INDEX images_by_account ON images(account_id, id);
             CREATE INDEX lots_live_by_subscription ON lots(subscription_id) WHERE remaining > 0 AND subscription_id IS NOT NULL;
             PRAGMA user_version = 2;",
        )
        .expect("downgrade");
        current
    };
    let version = || -> i64 {
        let conn = rusqlite::Connection::open(&w.db).expect("open");
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version")
    };
    let file = std::fs::read(&w.db).expect("read");
    assert_eq!(w.json(&["history", "alice"]), history);
    assert_eq!(w.json(&["images", "alice"]), images);
    assert_eq!(w.json(&["balance", "alice", "--as-of", "2026-02-01T00:00:00Z"]), lots);
    assert_eq!(w.json(&["balance", "--as-of", "2026-02-01T00:00:00Z"]), all);
    w.ok(&["verify"]);
    assert_eq!(version(), 2, "a read upgraded the wallet");
    assert_eq!(std::fs::read(&w.db).expect("read"), file, "a read wrote to the wallet");
    w.ok(&["cancel", "alice"]);
    w.ok(&["cancel", "alice", "--undo"]);
    assert_eq!(version(), 5);
    let conn = rusqlite::Connection::open(&w.db).expect("open");
    assert_eq!(index_names(&conn), current);
    assert!(current.contains(&"ledger_by_operation".to_string()), "{current:?}");
    assert_eq!(w.json(&["images", "alice"]), images);
    assert_eq!(w.json(&["balance", "alice", "--as-of", "2026-02-01T00:00:00Z"]), lots);
    assert_eq!(w.json(&["balance", "--as-of", "2026-02-01T00:00:00Z"]), all);
    w.ok(&["verify"]);
    assert_ne!(w.dump(), rows, "the cancel and its undo are recorded");
}

#[test]
fn a_newer_or_foreign_file_is_refused_and_left_untouched() {
    let w = Wallet::file_at("2026-01-15T10:00:00Z");
    {
        let conn = rusqlite::Connection::open(&w.db).expect("open");
        conn.pragma_update(None, "user_version", 99).expect("bump");
    }
    let before = std::fs::read(&w.db).expect("read");
    let e = w.refused(&["account", "add", "alice"], 1);
    assert!(e.contains("newer version"), "{e}");
    let e = w.refused(&["balance"], 1);
    assert!(e.contains("newer version"), "{e}");
    assert_eq!(before, std::fs::read(&w.db).expect("read"));

    let junk = w.dir.path().join("junk.txt");
    std::fs::write(
        &junk,
        "this is not a database, just some text that is long enough".repeat(100),
    )
    .expect("write");
    let before = std::fs::read(&junk).expect("read");
    let run = command(w.dir.path())
        .args(["--db", junk.to_str().expect("path"), "account", "add", "a"])
        .output();
    let run = run.expect("run");
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("not a wallet"));
    assert_eq!(before, std::fs::read(&junk).expect("read"));
}

#[test]
fn init_is_refused_once_anything_has_happened() {
    let w = Wallet::new();
    w.ok(&["init", "--now", "2026-01-15T10:00:00Z"]);
    let e = w.refused(&["init", "--now", "2026-02-01T00:00:00Z"], 3);
    assert!(e.contains("2026-01-15T10:00:00Z"), "the message names the clock: {e}");
    let e = w.refused(&["init", "--now", "yesterday"], 2);
    assert!(e.contains("not an instant"), "{e}");
}

#[test]
fn a_refused_or_failed_command_creates_no_wallet_file() {
    let w = Wallet::file();
    let e = w.refused(&["buy", "nobody", "credits-500"], 3);
    assert!(e.contains("no account named"), "{e}");
    assert!(!w.db.exists(), "a refused command left {}", w.db.display());
    let bad = w.dir.path().join("bad.toml");
    std::fs::write(&bad, "currency = 5\n").expect("write");
    w.refused(
        &["--pricing", bad.to_str().expect("path"), "account", "add", "alice"],
        1,
    );
    assert!(!w.db.exists(), "a failed command left {}", w.db.display());
    let leftovers: Vec<_> = std::fs::read_dir(w.dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        leftovers,
        [std::ffi::OsString::from("bad.toml")],
        "no -wal or -shm files either"
    );
    // The first command that succeeds creates it.
    w.ok(&["account", "add", "alice"]);
    assert!(w.db.exists());
}

#[test]
fn a_never_written_file_reads_as_an_empty_wallet_and_can_still_be_initialised() {
    let w = Wallet::file();
    std::fs::write(&w.db, "").expect("touch");
    assert_eq!(w.json(&["account", "list"]), serde_json::json!([]));
    w.ok(&["init", "--now", "2026-01-15T10:00:00Z"]);
    assert_eq!(w.json(&["balance"])["as_of"], "2026-01-15T10:00:00Z");
}

#[test]
fn as_of_answers_for_every_account_and_for_subscription_lots() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["subscribe", "alice", "licenses-5-monthly"]);
    w.ok(&["advance-clock", "1d"]);
    w.ok(&["account", "add", "bob"]);
    w.ok(&["advance-clock", "--to", "2026-02-20"]);
    w.ok(&["cancel", "alice"]);
    w.ok(&["advance-clock", "--to", "2026-03-20"]);
    // Before bob existed, only alice, with her first delivery.
    let all = w.json(&["balance", "--as-of", "2026-01-15T12:00:00Z"]);
    assert_eq!(all["as_of"], "2026-01-15T12:00:00Z");
    assert_eq!(
        all["accounts"],
        serde_json::json!([{ "account": "alice", "credits": 510, "licenses": 5 }])
    );
    // Between the 2nd delivery and the cancel: the subscription lots expired at the next delivery.
    let past = w.json(&["balance", "alice", "--as-of", "2026-02-16"]);
    assert_eq!(
        (past["credits"].as_u64(), past["licenses"].as_u64()),
        (Some(1010), Some(10))
    );
    assert_eq!(past["subscription"]["status"], "active");
    let sub_expiries: Vec<&str> = past["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .filter(|l| l["source"] == "subscription")
        .filter_map(|l| l["expires_at"].as_str())
        .collect();
    assert_eq!(sub_expiries, ["2026-03-15T10:00:00Z"; 4]);
    let cancelling = w.json(&["balance", "alice", "--as-of", "2026-03-01"]);
    assert_eq!(cancelling["subscription"]["status"], "cancelling");
    let now = w.json(&["balance", "alice"]);
    assert_eq!(now["subscription"]["status"], "ended");
    assert_eq!((now["credits"].as_u64(), now["licenses"].as_u64()), (Some(10), Some(0)));
}
