//! Issue 5: the support view — account show, snapshots of every view for a
//! realistic account, upcoming events, history filters, colour rules.

use std::process::Command;

use serde_json::Value;

use crate::support::Wallet;

/// alice at 2026-03-20: a cancelling yearly subscription (3 deliveries in),
/// one-time packs, licensed and unlicensed images of every style kind.
fn realistic() -> Wallet {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    for args in [
        &["account", "add", "alice"][..],
        &["buy", "alice", "credits-1000"],
        &["buy", "alice", "licenses-10"],
        &["subscribe", "alice", "licenses-5-yearly"],
        &["train", "alice", "inkwash"],
        &["generate", "alice", "--style", "artist:monet", "--count", "3"],
        &["generate", "alice", "--style", "private:inkwash"],
        &["generate", "alice", "--style", "agentic"],
        &["generate", "alice"],
        &["license", "alice", "img-1"],
        &["license", "alice", "img-4"],
        &["edit", "alice", "img-1", "upscale"],
        &["edit", "alice", "img-6", "vectorize"],
        &["advance-clock", "--to", "2026-03-20T09:00:00Z"],
        &["cancel", "alice"],
        &["generate", "alice", "--count", "40"],
    ] {
        w.ok(args);
    }
    w
}

fn human(w: &Wallet, args: &[&str]) -> String {
    let r = w.run_with(args, |c| {
        c.env("COLUMNS", "100");
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn snapshots_of_every_view() {
    let w = realistic();
    insta::assert_snapshot!("account_show", human(&w, &["account", "show", "alice"]));
    insta::assert_snapshot!("balance", human(&w, &["balance", "alice"]));
    insta::assert_snapshot!("history", human(&w, &["history", "alice"]));
    insta::assert_snapshot!("images", human(&w, &["images", "alice"]));
    insta::assert_json_snapshot!("account_show_json", w.json(&["account", "show", "alice"]));
}

#[test]
fn account_show_fits_100_columns() {
    let w = realistic();
    let out = human(&w, &["account", "show", "alice"]);
    for line in out.lines() {
        assert!(
            line.chars().count() <= 100,
            "too wide ({}): {line}",
            line.chars().count()
        );
    }
    let v = w.json(&["account", "show", "alice"]);
    assert_eq!(v["account"], "alice");
    assert_eq!(v["subscription"]["status"], "cancelling");
    assert_eq!(v["subscription"]["price_cents"], 54000);
    assert_eq!(
        v["images"],
        serde_json::json!({ "count": 46, "licensed": 2, "needing_license": 2 })
    );
    assert_eq!(v["recent_history"].as_array().map(Vec::len), Some(10));
    let sources: Vec<&str> = v["lots_by_source"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["source"].as_str())
        .collect();
    assert_eq!(
        sources,
        ["signup", "credit_pack", "license_pack", "license_bonus", "subscription"]
    );
}

fn event<'a>(view: &'a Value, kind: &str) -> &'a Value {
    view["upcoming"]
        .as_array()
        .expect("upcoming")
        .iter()
        .find(|e| e["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} event in {view:#}"))
}

#[test]
fn upcoming_expiry_names_its_instant_and_amount() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "bob"]);
    w.ok(&["advance-clock", "1d"]);
    w.ok(&["buy", "bob", "license", "--quantity", "2"]);
    let v = w.json(&["account", "show", "bob"]);
    let first = &v["upcoming"][0];
    assert_eq!(
        (first["kind"].as_str(), first["at"].as_str()),
        (Some("expiry"), Some("2027-01-15T10:00:00Z"))
    );
    assert_eq!(
        (first["credits"].as_i64(), first["licenses"].as_i64()),
        (Some(-10), Some(0))
    );
    let second = &v["upcoming"][1];
    assert_eq!(second["at"], "2027-01-16T10:00:00Z");
    assert_eq!(
        (second["credits"].as_i64(), second["licenses"].as_i64()),
        (Some(-200), Some(-2))
    );
}

#[test]
fn upcoming_delivery_shows_what_the_rollover_cap_cuts() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "carol"]);
    w.ok(&["subscribe", "carol", "licenses-5-monthly"]);
    w.ok(&["advance-clock", "1mo"]);
    w.ok(&["generate", "carol", "--count", "3"]);
    let v = w.json(&["account", "show", "carol"]);
    let d = event(&v, "delivery");
    assert_eq!(d["at"], "2026-03-15T10:00:00Z");
    // The 3 credits came from the oldest subscription lot (it expires before
    // the signup lot), so the subscription holds 997 credits and 10 licenses;
    // the cap keeps 500 / 5, so 497 and 5 are cut.
    assert_eq!(
        (d["lost_credits"].as_u64(), d["lost_licenses"].as_u64()),
        (Some(497), Some(5))
    );
    assert_eq!(
        (d["credits"].as_i64(), d["licenses"].as_i64()),
        (Some(500 - 497), Some(0))
    );
}

#[test]
fn upcoming_renewal_shows_its_charge() {
    let w = Wallet::at("2026-01-31T10:00:00Z");
    w.ok(&["account", "add", "dan"]);
    w.ok(&["subscribe", "dan", "licenses-20-yearly"]);
    let v = w.json(&["account", "show", "dan"]);
    let r = event(&v, "renewal");
    assert_eq!(r["at"], "2027-01-31T10:00:00Z");
    assert_eq!(r["price_cents"], 192_000);
    assert_eq!(r["currency"], "USD");
    assert!(r["message"].as_str().is_some_and(|m| m.contains("$1920.00")), "{r}");
}

#[test]
fn upcoming_forfeiture_counts_the_deliveries_still_due() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "erin"]);
    w.ok(&["subscribe", "erin", "licenses-5-yearly"]);
    w.ok(&["advance-clock", "--to", "2026-03-20T00:00:00Z"]);
    w.ok(&["cancel", "erin"]);
    let v = w.json(&["account", "show", "erin"]);
    let f = event(&v, "forfeiture");
    assert_eq!(f["at"], "2027-01-15T10:00:00Z");
    // Deliveries 4..12 still come; each cuts to 500 / 5 before adding 500 / 5.
    assert_eq!(
        (f["credits"].as_i64(), f["licenses"].as_i64()),
        (Some(-1000), Some(-10))
    );
    // And that is what really happens.
    w.ok(&["advance-clock", "--to", "2027-01-15T09:59:59Z"]);
    assert_eq!(w.balance("erin"), (1010, 10));
    w.ok(&["advance-clock", "1h"]);
    assert_eq!(
        w.balance("erin"),
        (0, 0),
        "the signup lot expired and 1000 credits / 10 licenses were forfeited"
    );
}

#[test]
fn history_filters() {
    let w = realistic();
    let all = w.json(&["history", "alice"]);
    let all = all.as_array().expect("entries");
    let reasons = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                e["reason"]
                    .as_str()
                    .unwrap_or(e["kind"].as_str().unwrap_or(""))
                    .to_owned()
            })
            .collect()
    };
    let deliveries = w.json(&["history", "alice", "--reason", "delivery", "--reason", "renewal"]);
    assert!(reasons(&deliveries).iter().all(|r| r == "delivery" || r == "renewal"));
    assert_eq!(
        reasons(&deliveries).iter().filter(|r| *r == "delivery").count(),
        6,
        "3 deliveries × 2 lots"
    );
    let window = w.json(&[
        "history",
        "alice",
        "--since",
        "2026-02-15T10:00:00Z",
        "--until",
        "2026-02-15T10:00:00Z",
    ]);
    let window = window.as_array().expect("entries");
    assert_eq!(window.len(), 2);
    assert!(window.iter().all(|e| e["at"] == "2026-02-15T10:00:00Z"));
    let last = w.json(&["history", "alice", "--limit", "3"]);
    assert_eq!(last.as_array().expect("entries")[..], all[all.len() - 3..]);
    // Running balances are those of the whole history, whatever is shown.
    assert_eq!(last[2]["credits"], all[all.len() - 1]["credits"]);
    let e = w.refused(&["history", "alice", "--reason", "refund"], 2);
    assert!(e.contains("not a reason") && e.contains("rollover_expired"), "{e}");
    w.refused(&["history", "alice", "--since", "soon"], 2);
}

/// Runs `wallet` on a pseudo-terminal 100 columns wide; returns what it printed.
fn on_terminal(w: &Wallet, args: &str, no_color: bool) -> String {
    let bin = env!("CARGO_BIN_EXE_wallet");
    let command = format!("stty cols 100 rows 80; {bin} --db '{}' {args}", w.db.display());
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &command, "/dev/null"])
        .env_remove("COLUMNS")
        .env("TERM", "xterm");
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let out = cmd.output().expect("script");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn terminal_output_differs_only_by_colour_and_no_color_has_none() {
    let w = realistic();
    for args in ["account show alice", "balance alice", "history alice", "images alice"] {
        let piped = human(&w, &args.split(' ').collect::<Vec<_>>());
        assert!(!piped.contains('\u{1b}'), "escape codes in a pipe: {args}");
        let coloured = on_terminal(&w, args, false);
        assert_eq!(
            strip_ansi(&coloured),
            piped,
            "{args}: the terminal shows other text than a pipe"
        );
        let plain = on_terminal(&w, args, true);
        assert!(!plain.contains('\u{1b}'), "NO_COLOR=1 still coloured {args}");
        assert_eq!(plain, piped);
    }
    assert!(
        on_terminal(&w, "history alice", false).contains('\u{1b}'),
        "a terminal gets colour"
    );
}
