//! Issue 16, item 2: totals that overflow. An account holds at most
//! 10^18 of each asset; a command that would take it past that is refused
//! (exit 3, nothing changed), and every read keeps answering exactly.

use serde_json::Value;

use crate::support::Wallet;

const LIMIT: u64 = 1_000_000_000_000_000_000;

/// The built-in pricing with a 100,000-credit license bonus, a product of
/// 10^12 licenses (10^17 bonus credits a unit) and a plan delivering as much
/// every month with no rollover cap.
fn huge_pricing(w: &Wallet) -> String {
    let path = w.dir.path().join("huge.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml")).expect("pricing");
    let edited = text.replacen("license_bonus_credits = 100", "license_bonus_credits = 100000", 1)
        + "\n[products.licenses-huge]\nlicenses = 1000000000000\nprice_cents = 100\n"
        + "\n[plans.huge-monthly]\ninterval = \"month\"\nlicenses_per_month = 1000000000000\n\
           price_cents = 100\nrollover_cap_months = \"unlimited\"\n";
    assert!(edited.contains("100000\n"));
    std::fs::write(&path, edited).expect("write pricing");
    path.to_str().expect("path").to_owned()
}

fn with_pricing<'a>(p: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--pricing", p];
    all.extend_from_slice(args);
    all
}

/// A refusal by the holding limit: exit 3, nothing changed, a message that
/// names the limit in words. Returns stderr.
#[track_caller]
fn refused_by_the_limit(w: &Wallet, args: &[&str]) -> String {
    let before = w.dump();
    let r = w.run(args);
    assert_eq!(
        r.code, 3,
        "wallet {args:?} should be refused:\n{}{}",
        r.stdout, r.stderr
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr.contains("an account can hold at most 1000000000000000000"),
        "the refusal names the limit: {}",
        r.stderr
    );
    assert_eq!(before, w.dump(), "wallet {args:?} was refused but changed the wallet");
    r.stderr
}

/// Every read, on the whole wallet and on `account`, succeeds; returns the
/// account's (credits, licenses) as `balance`, `account list`, `balance`
/// of every account and the last running balance of `history` agree on them.
#[track_caller]
fn reads_agree(w: &Wallet, p: &str, account: &str) -> (u64, u64) {
    let balance = w.json(&with_pricing(p, &["balance", account]));
    let totals = (
        balance["credits"].as_u64().expect("credits"),
        balance["licenses"].as_u64().expect("licenses"),
    );
    let row = |v: &Value| -> (u64, u64) {
        let row = v
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["account"] == account)
            .expect("the account's row")
            .clone();
        (
            row["credits"].as_u64().expect("credits"),
            row["licenses"].as_u64().expect("licenses"),
        )
    };
    assert_eq!(row(&w.json(&with_pricing(p, &["account", "list"]))), totals);
    assert_eq!(row(&w.json(&with_pricing(p, &["balance"]))["accounts"]), totals);
    let history = w.json(&with_pricing(p, &["history", account]));
    let entries = history.as_array().expect("entries");
    for e in entries {
        let (c, l) = (
            e["credits"].as_i64().expect("credits"),
            e["licenses"].as_i64().expect("licenses"),
        );
        assert!(
            (0..=LIMIT.cast_signed()).contains(&c) && (0..=LIMIT.cast_signed()).contains(&l),
            "a running balance out of range: {e}"
        );
    }
    let last = entries.last().expect("an entry");
    assert_eq!(
        (
            last["credits"].as_u64().expect("credits"),
            last["licenses"].as_u64().expect("licenses")
        ),
        totals
    );
    w.ok(&with_pricing(p, &["account", "show", account]));
    w.ok(&with_pricing(p, &["balance", account]));
    w.ok(&with_pricing(p, &["account", "list"]));
    w.ok(&with_pricing(p, &["history", account]));
    w.ok(&with_pricing(p, &["verify"]));
    totals
}

#[test]
fn repeated_buys_stop_at_the_holding_limit_and_every_read_stays_exact() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    let p = huge_pricing(&w);
    w.ok(&with_pricing(&p, &["account", "add", "a"]));
    w.ok(&with_pricing(&p, &["account", "add", "b"]));
    for _ in 0..9 {
        w.ok(&with_pricing(&p, &["buy", "a", "licenses-huge"]));
    }
    // 10 signup credits and nine bonuses of 10^17: one more bonus would pass 10^18.
    assert_eq!(reads_agree(&w, &p, "a"), (900_000_000_000_000_010, 9_000_000_000_000));
    let e = refused_by_the_limit(&w, &with_pricing(&p, &["buy", "a", "licenses-huge"]));
    assert!(e.contains("a holds 900000000000000010 credits"), "{e}");
    assert!(e.contains("buy a smaller quantity"), "{e}");
    // A quantity whose grant does not even fit 64 bits is refused the same way or as too large.
    let r = w.run(&with_pricing(&p, &["buy", "b", "licenses-huge", "--quantity", "1000"]));
    assert_eq!(r.code, 3, "{}", r.stderr);
    refused_by_the_limit(
        &w,
        &with_pricing(&p, &["buy", "b", "licenses-huge", "--quantity", "11"]),
    );
    // b can still reach the limit exactly in licenses' bonus terms: ten units, minus its signup credits.
    w.ok(&with_pricing(&p, &["generate", "b", "--count", "10"]));
    w.ok(&with_pricing(&p, &["buy", "b", "licenses-huge", "--quantity", "10"]));
    assert_eq!(reads_agree(&w, &p, "b"), (LIMIT, 10_000_000_000_000));
    // Both accounts near the limit: the lists of every account still read.
    assert_eq!(reads_agree(&w, &p, "a"), (900_000_000_000_000_010, 9_000_000_000_000));
    // History as of an earlier instant, once the clock has moved on.
    w.ok(&with_pricing(&p, &["advance-clock", "1d"]));
    let then = w.json(&with_pricing(&p, &["balance", "--as-of", "2026-01-15T10:00:00Z"]));
    assert_eq!(then["accounts"][1]["credits"].as_u64(), Some(LIMIT), "{then}");
}

#[test]
fn a_delivery_past_the_holding_limit_refuses_the_clock_advance() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    let p = huge_pricing(&w);
    w.ok(&with_pricing(&p, &["account", "add", "a"]));
    w.ok(&with_pricing(&p, &["generate", "a", "--count", "10"]));
    w.ok(&with_pricing(&p, &["subscribe", "a", "huge-monthly"]));
    // Nine more deliveries of 10^17 credits each, none cut: exactly the limit.
    w.ok(&with_pricing(&p, &["advance-clock", "9mo"]));
    assert_eq!(reads_agree(&w, &p, "a"), (LIMIT, 10_000_000_000_000));
    let e = refused_by_the_limit(&w, &with_pricing(&p, &["advance-clock", "1mo"]));
    assert!(
        e.contains("the delivery of huge-monthly at 2026-11-15T10:00:00Z") && e.contains("the clock was not moved"),
        "{e}"
    );
    let e = refused_by_the_limit(&w, &with_pricing(&p, &["advance-clock", "--to", "2030-01-01"]));
    assert!(e.contains("2026-11-15T10:00:00Z"), "{e}");
    // A cancelled monthly plan ends at that instant instead of delivering.
    w.ok(&with_pricing(&p, &["cancel", "a"]));
    w.ok(&with_pricing(&p, &["advance-clock", "1mo"]));
    assert_eq!(reads_agree(&w, &p, "a"), (0, 0));
}

#[test]
fn a_first_delivery_past_the_holding_limit_refuses_the_subscription() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    let p = huge_pricing(&w);
    w.ok(&with_pricing(&p, &["account", "add", "a"]));
    w.ok(&with_pricing(&p, &["generate", "a", "--count", "10"]));
    for _ in 0..10 {
        w.ok(&with_pricing(&p, &["buy", "a", "licenses-huge"]));
    }
    let r = w.run(&with_pricing(&p, &["buy", "a", "licenses-huge"]));
    assert_eq!(r.code, 3);
    let e = refused_by_the_limit(&w, &with_pricing(&p, &["subscribe", "a", "huge-monthly"]));
    assert!(e.contains("the first delivery of huge-monthly"), "{e}");
}

/// The issue's own numbers: a 10^6-credit bonus on a product of 10^12
/// licenses grants exactly the limit with one unit.
#[test]
fn the_issues_pricing_grants_the_limit_once_and_a_larger_bonus_is_an_invalid_file() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    let path = w.dir.path().join("issue.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml")).expect("pricing");
    let edited = text.replacen("license_bonus_credits = 100", "license_bonus_credits = 1000000", 1)
        + "\n[products.licenses-huge]\nlicenses = 1000000000000\nprice_cents = 100\n";
    std::fs::write(&path, &edited).expect("write pricing");
    let p = path.to_str().expect("path");
    w.ok(&["pricing", "check", p]);
    w.ok(&with_pricing(p, &["account", "add", "a"]));
    // With its 10 signup credits, a would hold 10^18 + 10.
    let e = refused_by_the_limit(&w, &with_pricing(p, &["buy", "a", "licenses-huge"]));
    assert!(e.contains("would bring that to 1000000000000000010"), "{e}");
    w.ok(&with_pricing(p, &["generate", "a", "--count", "10"]));
    w.ok(&with_pricing(p, &["buy", "a", "licenses-huge"]));
    refused_by_the_limit(&w, &with_pricing(p, &["buy", "a", "licenses-huge"]));
    assert_eq!(reads_agree(&w, p, "a"), (LIMIT, 1_000_000_000_000));

    let bigger = w.dir.path().join("bigger.toml");
    std::fs::write(
        &bigger,
        edited.replacen("license_bonus_credits = 1000000", "license_bonus_credits = 1000001", 1),
    )
    .expect("write pricing");
    let r = w.run(&["pricing", "check", bigger.to_str().expect("path")]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("[products.licenses-huge] grants too many bonus credits with one unit"),
        "{}",
        r.stderr
    );
}
