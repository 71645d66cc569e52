//! Issue 9: the 2024 credits system runs from its own pricing file, through
//! general pricing features only.

use crate::support::Wallet;

const PRICING_2024: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pricing/2024.toml");

#[test]
fn the_2024_file_checks_clean_and_shows_its_plans() {
    let w = Wallet::new();
    let out = w.ok(&["pricing", "check", PRICING_2024]);
    assert!(
        out.contains("is valid: 1 product(s), 2 plan(s)") && !out.contains("warning"),
        "{out}"
    );
    let shown = w.ok(&["--pricing", PRICING_2024, "pricing", "show"]);
    for needle in [
        "standard-monthly",
        "$15.00/month",
        "500",
        "pro-monthly",
        "unlimited",
        "addon-1000",
        "subscribers only",
        "never expire",
        "no rollover cap",
        "a license costs 100 credits when the account has no license left",
    ] {
        assert!(shown.contains(needle), "pricing show lacks '{needle}':\n{shown}");
    }
    for line in shown.lines().filter(|l| l.starts_with(['│', '┌'])) {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
    let json = w.json(&["--pricing", PRICING_2024, "pricing", "show"]);
    let plan = &json["plans"][1];
    assert_eq!(plan["id"], "standard-monthly");
    assert_eq!(
        (plan["licenses_per_month"].as_u64(), plan["credits_per_month"].as_u64()),
        (Some(0), Some(500))
    );
    assert!(plan["rollover_cap_months"].is_null(), "unlimited is null: {plan}");
}

/// SPEC-style rule: a usable license is spent first; credits pay only when
/// there is none and the policy prices a license in credits.
#[test]
fn licenses_are_spent_before_credits_when_both_can_pay() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    let pricing = w.dir.path().join("pricing.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml")).expect("pricing");
    let edited = text.replacen(
        "first_private_style_free = true",
        "first_private_style_free = true\nlicense_price_credits = 100",
        1,
    );
    assert_ne!(edited, text);
    std::fs::write(&pricing, edited).expect("write");
    let p = pricing.to_str().expect("path");
    w.ok(&["--pricing", p, "account", "add", "alice"]);
    w.ok(&["--pricing", p, "buy", "alice", "license"]);
    w.ok(&[
        "--pricing",
        p,
        "generate",
        "alice",
        "--style",
        "artist:a",
        "--count",
        "3",
    ]);
    assert_eq!(w.balance("alice"), (107, 1));
    w.ok(&["--pricing", p, "license", "alice", "img-1"]);
    assert_eq!(w.balance("alice"), (107, 0), "the license pays, not credits");
    w.ok(&["--pricing", p, "license", "alice", "img-2"]);
    assert_eq!(w.balance("alice"), (7, 0), "no license left: 100 credits pay");
    let e = w.refused(&["--pricing", p, "license", "alice", "img-3"], 3);
    assert!(
        e.contains("needs 100 credits") && e.contains("no usable license"),
        "{e}"
    );
    // Without the policy key, credits never pay for a license.
    let e = w.refused(&["license", "alice", "img-3"], 3);
    assert!(e.contains("needs 1 license"), "{e}");
    let images = w.json(&["images", "alice"]);
    assert_eq!(images[0]["licensed"], true);
    assert_eq!(images[1]["licensed"], true);
    w.ok(&["verify"]);
}

#[test]
fn a_credits_only_plan_with_no_cap_rolls_everything_over_for_a_year() {
    let w = Wallet::at("2025-01-15T09:00:00Z");
    w.ok(&["--pricing", PRICING_2024, "account", "add", "sam"]);
    w.ok(&["--pricing", PRICING_2024, "subscribe", "sam", "standard-monthly"]);
    w.ok(&["--pricing", PRICING_2024, "advance-clock", "12mo"]);
    // 13 deliveries of 500 credits (months 0..=12), nothing cut, signup never expires.
    assert_eq!(w.balance("sam"), (10 + 13 * 500, 0));
    let history = w.json(&["history", "sam"]);
    assert!(
        !history
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["reason"] == "rollover_expired")
    );
    let charges = history
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["kind"] == "renewal")
        .count();
    assert_eq!(charges, 12);
    w.ok(&["verify"]);
}
