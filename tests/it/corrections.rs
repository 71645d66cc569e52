//! Issue 19: corrections and the audit log — `grant`, `debit`, `void` and
//! `log` — with worked numbers, through the binary, on either backend.

use serde_json::Value;

use crate::support::{Wallet, lots};

const T0: &str = "2026-01-15T10:00:00Z";

/// A wallet at `T0` with ann (10 signup credits, expiring 2027-01-15T10:00:00Z).
fn with_ann() -> Wallet {
    let w = Wallet::at(T0);
    w.ok(&["account", "add", "ann"]);
    w
}

/// The `operation` a mutating command's `--json` names.
#[track_caller]
fn operation(v: &Value) -> i64 {
    v["operation"].as_i64().expect("operation")
}

/// `n` base images for `handle`, at most 100 a command.
fn generate(w: &Wallet, handle: &str, mut n: u32) {
    while n > 0 {
        let count = n.min(100);
        w.ok(&["generate", handle, "--count", &count.to_string()]);
        n -= count;
    }
}

/// The id of the wallet's newest operation.
fn latest_operation(w: &Wallet) -> i64 {
    operation(&w.json(&["log", "--limit", "1"])[0])
}

/// The ledger entries of one operation in `history --json`: (lot, change, reason).
fn entries_of(history: &Value, op: i64) -> Vec<(i64, i64, String)> {
    history
        .as_array()
        .expect("history")
        .iter()
        .filter(|e| e["operation"].as_i64() == Some(op))
        .map(|e| {
            (
                e["lot"].as_i64().expect("lot"),
                e["change"].as_i64().expect("change"),
                e["reason"].as_str().expect("reason").to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_grant_makes_adjustment_lots_that_expire_by_the_policy_or_the_duration() {
    let w = with_ann();
    let granted = w.json(&[
        "grant",
        "ann",
        "--credits",
        "50",
        "--licenses",
        "2",
        "--reason",
        "generation failed",
    ]);
    assert_eq!(granted["kind"], "grant");
    assert_eq!(granted["credits_change"], 50);
    assert_eq!(granted["licenses_change"], 2);
    assert_eq!(granted["lots_created"].as_array().map(Vec::len), Some(2));
    let short = w.json(&[
        "grant",
        "ann",
        "--credits",
        "5",
        "--expires-in",
        "30d",
        "--reason",
        "goodwill",
    ]);
    assert_eq!(short["summary"], "granted 5 credits (expires 2026-02-14T10:00:00Z)");
    let mut held = lots(&w.json(&["balance", "ann"]));
    held.sort();
    assert_eq!(
        held,
        [
            ("adjustment".into(), "credits".into(), 5, "2026-02-14T10:00:00Z".into()),
            ("adjustment".into(), "credits".into(), 50, "2027-01-15T10:00:00Z".into()),
            ("adjustment".into(), "licenses".into(), 2, "2027-01-15T10:00:00Z".into()),
            ("signup".into(), "credits".into(), 10, "2027-01-15T10:00:00Z".into()),
        ]
    );
    assert_eq!(w.balance("ann"), (65, 2));
    // 30 days on, the 5-credit grant has expired; at a year, everything has.
    w.ok(&["advance-clock", "30d"]);
    assert_eq!(w.balance("ann"), (60, 2));
    w.ok(&["advance-clock", "--to", "2027-01-15T10:00:00Z"]);
    assert_eq!(w.balance("ann"), (0, 0));
    let history = w.json(&["history", "ann"]);
    let reasons: Vec<&str> = history
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["correction_reason"].as_str())
        .collect();
    assert_eq!(reasons, ["generation failed", "generation failed", "goodwill"]);
    w.ok(&["verify"]);
}

#[test]
fn a_grant_follows_the_pricing_files_adjustment_expiry() {
    let w = with_ann();
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml")).expect("pricing");
    let never = shipped.replacen("adjustment_expiry_months = 12", "adjustment_expiry_months = 3", 1);
    let path = w.dir.path().join("three-months.toml");
    std::fs::write(&path, never).expect("write pricing");
    let path = path.to_str().expect("utf-8");
    w.ok(&[
        "--pricing",
        path,
        "grant",
        "ann",
        "--licenses",
        "1",
        "--reason",
        "late delivery",
    ]);
    let held = lots(&w.json(&["balance", "ann"]));
    assert!(
        held.contains(&("adjustment".into(), "licenses".into(), 1, "2026-04-15T10:00:00Z".into())),
        "{held:?}"
    );
}

#[test]
fn a_debit_takes_in_the_burn_down_order_and_a_short_one_is_refused_whole() {
    let w = with_ann();
    w.ok(&["advance-clock", "1d"]);
    let pack = w.json(&["buy", "ann", "credits-500"])["lots_created"][0]
        .as_i64()
        .expect("lot");
    let adjustment = w.json(&[
        "grant",
        "ann",
        "--credits",
        "100",
        "--expires-in",
        "30d",
        "--reason",
        "goodwill",
    ])["lots_created"][0]
        .as_i64()
        .expect("lot");
    let signup = 1;
    assert_eq!(w.balance("ann"), (610, 0));
    // Soonest at risk first: the grant (2026-02-15), the signup lot
    // (2027-01-15), then the pack (2027-01-16).
    let debit = w.json(&["debit", "ann", "--credits", "150", "--reason", "over-grant"]);
    assert_eq!(debit["kind"], "debit");
    assert_eq!(debit["credits_change"], -150);
    let history = w.json(&["history", "ann"]);
    assert_eq!(
        entries_of(&history, operation(&debit)),
        [
            (adjustment, -100, "adjustment".to_owned()),
            (signup, -10, "adjustment".to_owned()),
            (pack, -40, "adjustment".to_owned()),
        ]
    );
    assert_eq!(w.balance("ann"), (460, 0));
    let refused = w.refused(&["debit", "ann", "--credits", "461", "--reason", "too much"], 3);
    assert!(
        refused.contains("ann needs 461 credits to cover this debit but has 460 credits usable"),
        "{refused}"
    );
    let refused = w.refused(
        &["debit", "ann", "--credits", "1", "--licenses", "1", "--reason", "x"],
        3,
    );
    assert!(refused.contains("needs 1 license"), "{refused}");
    assert_eq!(w.balance("ann"), (460, 0));
}

#[test]
fn a_void_takes_back_only_what_a_partly_spent_pack_still_holds() {
    let w = with_ann();
    let buy = w.json(&["buy", "ann", "credits-1000"]);
    // 10 from the signup lot (the same expiry, granted first), 240 from the pack.
    generate(&w, "ann", 250);
    assert_eq!(w.balance("ann"), (760, 0));
    let void = w.json(&[
        "void",
        &operation(&buy).to_string(),
        "--reason",
        "bought on the wrong account",
    ]);
    assert_eq!(void["kind"], "void");
    assert_eq!(void["account"], "ann");
    assert_eq!(void["credits_change"], -760);
    assert_eq!(w.balance("ann"), (0, 0));
    let history = w.json(&["history", "ann"]);
    let entry = |op: i64| {
        history
            .as_array()
            .expect("history")
            .iter()
            .find(|e| e["operation"].as_i64() == Some(op))
            .cloned()
            .expect("entry")
    };
    assert_eq!(entry(operation(&buy))["voided_by"], operation(&void));
    assert_eq!(entry(operation(&void))["voids"], operation(&buy));
    assert_eq!(
        entry(operation(&void))["correction_reason"],
        "bought on the wrong account"
    );
    assert_eq!(
        entries_of(&history, operation(&void)),
        [(buy["lots_created"][0].as_i64().expect("lot"), -760, "voided".to_owned())]
    );
    let table = w.ok(&["history", "ann"]);
    assert!(
        table.contains(&format!("voided by operation {}: bought on the", operation(&void))),
        "{table}"
    );
    assert!(table.contains("reason: bought on the wrong account"), "{table}");
    let show = w.ok(&["account", "show", "ann"]);
    assert!(show.contains("voided (reason: bought on the"), "{show}");
    let show = w.json(&["account", "show", "ann"]);
    let recent = show["recent_history"].as_array().expect("recent history");
    assert_eq!(
        recent.last().map(|e| e["correction_reason"].clone()),
        Some("bought on the wrong account".into())
    );
    w.ok(&["verify"]);
}

#[test]
fn a_void_of_a_license_pack_takes_back_its_licenses_and_the_unspent_bonus_credits() {
    let w = with_ann();
    let buy = w.json(&["buy", "ann", "licenses-10"]);
    // 10 signup credits, then 290 of the pack's 1,000 bonus credits.
    generate(&w, "ann", 300);
    assert_eq!(w.balance("ann"), (710, 10));
    let void = w.json(&["void", &operation(&buy).to_string(), "--reason", "duplicate order"]);
    assert_eq!(void["credits_change"], -710);
    assert_eq!(void["licenses_change"], -10);
    assert_eq!(w.balance("ann"), (0, 0));
    // What was spent stays spent: the images are still there.
    assert_eq!(w.json(&["images", "ann"]).as_array().map(Vec::len), Some(300));
}

#[test]
fn void_refuses_twice_another_kind_and_an_unknown_id_and_changes_nothing() {
    let w = with_ann();
    let buy = operation(&w.json(&["buy", "ann", "credits-500"]));
    w.ok(&["generate", "ann"]);
    let generate = latest_operation(&w);
    w.ok(&["void", &buy.to_string(), "--reason", "mistake"]);
    let twice = w.refused(&["void", &buy.to_string(), "--reason", "again"], 3);
    assert!(twice.contains("already voided by operation"), "{twice}");
    let other = w.refused(&["void", &generate.to_string(), "--reason", "x"], 3);
    assert!(other.contains("only a buy or a grant can be voided"), "{other}");
    let unknown = w.refused(&["void", "999", "--reason", "x"], 3);
    assert!(unknown.contains("no operation 999"), "{unknown}");
    // The wallet's own operations (init is operation 1) are never a buy or a grant.
    let init = w.refused(&["void", "1", "--reason", "x"], 3);
    assert!(init.contains("operation 1 is an init"), "{init}");
    let void_a_void = w.refused(&["void", &(generate + 1).to_string(), "--reason", "x"], 3);
    assert!(void_a_void.contains("is a void"), "{void_a_void}");
}

#[test]
fn a_reason_is_required_short_and_on_one_line_and_amounts_are_checked() {
    let w = with_ann();
    for args in [
        vec!["grant", "ann", "--credits", "5"],
        vec!["grant", "ann", "--reason", "nothing to grant"],
        vec!["grant", "ann", "--credits", "0", "--reason", "x"],
        vec!["grant", "ann", "--credits", "1000001", "--reason", "x"],
        vec!["grant", "ann", "--credits", "5", "--reason", ""],
        vec!["grant", "ann", "--credits", "5", "--reason", "two\nlines"],
        vec![
            "grant",
            "ann",
            "--credits",
            "5",
            "--reason",
            "x",
            "--expires-in",
            "soon",
        ],
        vec!["debit", "ann", "--credits", "5", "--reason", "\u{1b}[31mred"],
        vec!["void", "2", "--reason", "\u{7}"],
        vec!["void", "two", "--reason", "x"],
    ] {
        let stderr = w.refused(&args, 2);
        assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{7}'), "{stderr:?}");
    }
    let long = "x".repeat(201);
    let stderr = w.refused(&["grant", "ann", "--credits", "5", "--reason", &long], 2);
    assert!(stderr.contains("at most 200"), "{stderr}");
    w.ok(&["grant", "ann", "--credits", "5", "--reason", &"é".repeat(200)]);
    // Each amount is 1 to 1,000,000.
    w.ok(&[
        "grant",
        "ann",
        "--credits",
        "1000000",
        "--licenses",
        "1",
        "--reason",
        "the largest",
    ]);
    assert_eq!(w.balance("ann"), (1_000_015, 1));
    w.refused(&["grant", "nobody", "--credits", "5", "--reason", "x"], 3);
}

#[test]
fn corrections_honour_idempotency_keys_and_record_their_actor() {
    let w = with_ann();
    let args = [
        "--idempotency-key",
        "ticket-7",
        "--actor",
        "sam",
        "grant",
        "ann",
        "--credits",
        "25",
        "--reason",
        "ticket 7",
    ];
    let first = w.ok(&args);
    assert_eq!(w.ok(&args), first, "a retry returns the stored result");
    assert_eq!(w.balance("ann"), (35, 0));
    w.refused(
        &[
            "--idempotency-key",
            "ticket-7",
            "grant",
            "ann",
            "--credits",
            "26",
            "--reason",
            "ticket 7",
        ],
        3,
    );
    let debit = [
        "--idempotency-key",
        "ticket-8",
        "debit",
        "ann",
        "--credits",
        "5",
        "--reason",
        "ticket 8",
    ];
    let first_debit = w.ok(&debit);
    assert_eq!(w.ok(&debit), first_debit);
    assert_eq!(w.balance("ann"), (30, 0));
    let buy = operation(&w.json(&["buy", "ann", "credits-500"])).to_string();
    let void = ["--idempotency-key", "ticket-9", "void", &buy, "--reason", "ticket 9"];
    let first_void = w.ok(&void);
    assert_eq!(
        w.ok(&void),
        first_void,
        "a retried void returns its result, not a refusal"
    );
    assert_eq!(w.balance("ann"), (30, 0));
    let log = w.json(&["log", "--kind", "grant"]);
    assert_eq!(log.as_array().map(Vec::len), Some(1));
    assert_eq!(log[0]["actor"], "sam");
    assert_eq!(log[0]["reason"], "ticket 7");
    assert_eq!(log[0]["account"], "ann");
}

#[test]
fn log_lists_every_operation_newest_first_with_filters_and_a_limit() {
    let w = Wallet::at(T0);
    let odd = "lee, \"the\" admin";
    w.ok(&["--actor", "kim", "account", "add", "ann"]);
    w.ok(&["--actor", "kim", "account", "add", "bob"]);
    w.ok(&["--actor", odd, "buy", "ann", "credits-500"]);
    w.ok(&["advance-clock", "1d"]);
    w.ok(&["--actor", "kim", "grant", "bob", "--credits", "5", "--reason", "sorry"]);
    w.ok(&["--actor", odd, "generate", "ann"]);
    let all = w.json(&["log"]);
    let kinds: Vec<&str> = all
        .as_array()
        .expect("log")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        ["generate", "grant", "advance-clock", "buy", "signup", "signup", "init"]
    );
    let ids: Vec<i64> = all.as_array().expect("log").iter().map(operation).collect();
    assert!(ids.windows(2).all(|p| p[0] > p[1]), "newest first: {ids:?}");
    let field = |args: &[&str], name: &str| -> Vec<String> {
        let mut all = vec!["log"];
        all.extend_from_slice(args);
        w.json(&all)
            .as_array()
            .expect("log")
            .iter()
            .map(|e| e[name].as_str().unwrap_or("-").to_owned())
            .collect()
    };
    assert_eq!(field(&["--account", "ann"], "kind"), ["generate", "buy", "signup"]);
    assert_eq!(field(&["--actor", odd], "kind"), ["generate", "buy"]);
    assert_eq!(field(&["--actor", "kim"], "account"), ["bob", "bob", "ann"]);
    assert_eq!(field(&["--kind", "signup"], "account"), ["bob", "ann"]);
    assert_eq!(
        field(&["--since", "2026-01-16"], "kind"),
        ["generate", "grant", "advance-clock"]
    );
    assert_eq!(
        field(&["--until", "2026-01-15T23:00:00Z"], "kind"),
        ["buy", "signup", "signup", "init"]
    );
    assert_eq!(field(&["--limit", "2"], "kind"), ["generate", "grant"]);
    assert_eq!(field(&["--account", "bob", "--limit", "1"], "reason"), ["sorry"]);
    assert!(field(&["--kind", "void"], "kind").is_empty());
    assert!(field(&["--since", "2027-01-01"], "kind").is_empty());
    let table = w.ok(&["log", "--limit", "3"]);
    assert!(
        table.contains("reason") && table.contains("sorry") && table.contains(odd),
        "{table}"
    );
    assert!(!table.contains("signup"), "--limit shows only the newest: {table}");
    assert_eq!(w.ok(&["log", "--kind", "void"]), "no operations match\n");
    w.refused(&["log", "--kind", "nonsense"], 2);
    w.refused(&["log", "--account", "nobody"], 3);
    w.refused(&["log", "--since", "yesterday"], 2);
}

/// `verify` knows the invariants of corrections: a void voids one buy or
/// grant of its own account, and what that operation's lots held is gone.
#[test]
fn verify_names_each_broken_correction() {
    let cases = [
        // The voided pack holds something again (its ledger moved with it).
        (
            "UPDATE lots SET remaining = 1 WHERE id = 2; UPDATE ledger SET delta = delta + 1 WHERE reason = 'voided'",
            "a voided operation's lot still holds something: lot 2 of operation 3",
        ),
        // The void now names the signup, which no void may undo.
        (
            "UPDATE operations SET voids = 2 WHERE kind = 'void'",
            "a void unlike what it voids: operation 4 (void) voids operation 2, a signup, not a buy or a grant",
        ),
        (
            "UPDATE operations SET voids = NULL WHERE kind = 'void'",
            "operation 4 is a void that voids nothing",
        ),
    ];
    for (corruption, expected) in cases {
        let w = with_ann();
        let buy = operation(&w.json(&["buy", "ann", "credits-500"]));
        assert_eq!(buy, 3);
        w.ok(&["void", "3", "--reason", "mistake"]);
        w.ok(&["verify"]);
        w.execute(corruption);
        let r = w.run(&["verify"]);
        assert_eq!(r.code, 1, "{corruption}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains(expected) || r.stderr.contains(expected),
            "{corruption}: {}{}",
            r.stdout,
            r.stderr
        );
    }
}
