//! `compare FILE --with PRICING` through the binary (SPEC §16, issue 20): a
//! scenario replayed under the selected pricing and under another, with
//! hand-worked figures, the lines refused under one pricing only, the
//! expectations met or not under each, and its errors.

use serde_json::{Value, json};

use crate::support::{Wallet, command, pricing_with, with_stdin};

/// Two accounts over two months. alice subscribes and is cut at the second
/// delivery under the shipped rollover cap of one month, then trains five
/// styles; bob buys credits and licenses, and the credits are voided.
const SCENARIO: &str = "\
init --now 2026-01-15T10:00:00Z
account add alice
account add bob
subscribe alice licenses-5-monthly       # $55 (or $60): +5 licenses, +500 credits
buy bob credits-500                      # operation 5: $10, voided below
buy bob license --quantity 2             # $30: +2 licenses, +200 bonus credits
void 5 --reason \"bought twice\"
generate alice --count 3
advance-clock 1mo                        # 02-15: 497 credits / 5 licenses carried, +500 / +5
advance-clock 1mo                        # 03-15: cap 1 cuts 497 / 5; cap 2 cuts nothing
expect alice credits=1010 licenses=10
train alice s1                           # the first is free
train alice s2
train alice s3
train alice s4                           # 900 credits: 110 left (cap 1) or 607 (cap 2)
expect-error 3 train alice s5
train alice s5                           # refused under cap 1 only
expect alice credits=110 licenses=10
expect bob credits=999
";

/// A folder with the scenario, and a copy of the shipped pricing with a
/// rollover cap of two months and the monthly 5-license plan at $60.
fn setup() -> (Wallet, String, String) {
    let w = Wallet::file();
    let scenario = w.dir.path().join("what-if.scenario");
    std::fs::write(&scenario, SCENARIO).expect("write the scenario");
    let pricing = pricing_with(
        &w,
        "cap2.toml",
        &[
            ("rollover_cap_months = 1\n", "rollover_cap_months = 2\n"),
            ("price_cents = 5500 ", "price_cents = 6000 "),
        ],
    );
    (w, path(&scenario), pricing)
}

fn path(p: &std::path::Path) -> String {
    p.to_str().expect("utf-8 temp path").to_owned()
}

/// One asset's figures, in the JSON's words.
fn flows(granted: u64, spent: u64, cut: u64, voided: u64, balance: u64) -> Value {
    json!({
        "granted": granted, "spent": spent, "expired": 0, "cut": cut, "forfeited": 0,
        "voided": voided, "debited": 0, "balance": balance,
    })
}

fn figures(paid_cents: i64, credits: Value, licenses: Value) -> Value {
    json!({ "paid_cents": paid_cents, "currency": "USD", "credits": credits, "licenses": licenses })
}

/// alice: 3 charges (01-15, 02-15, 03-15) at $55 or $60; 10 signup + 3 × 500
/// delivered credits; 3 generated and 3 × 300 trained (the first free), plus
/// the fifth training under cap 2; 497 credits and 5 licenses cut under cap 1.
fn alice(cap2: bool) -> Value {
    if cap2 {
        figures(18_000, flows(1510, 1203, 0, 0, 307), flows(15, 0, 0, 0, 15))
    } else {
        figures(16_500, flows(1510, 903, 497, 0, 110), flows(15, 0, 5, 0, 10))
    }
}

/// bob: the voided order is not paid; its 500 credits are granted, then voided.
fn bob() -> Value {
    figures(3000, flows(710, 0, 0, 500, 210), flows(2, 0, 0, 0, 2))
}

#[test]
fn compare_shows_money_losses_refusals_and_expectations_under_each_pricing() {
    let (w, scenario, cap2) = setup();
    let out = w.json(&["compare", &scenario, "--with", &cap2]);
    assert_eq!(out["scenario"], json!(scenario));
    assert_eq!(out["pricings"], json!(["built-in pricing.toml", cap2]));
    assert_eq!(out["lines"], json!(19));
    assert_eq!(out["commands"], json!(15));
    assert_eq!(
        out["accounts"],
        json!([
            { "account": "alice", "a": alice(false), "b": alice(true) },
            { "account": "bob", "a": bob(), "b": bob() },
        ])
    );
    assert_eq!(
        out["total"],
        json!({
            "a": figures(19_500, flows(2220, 903, 497, 500, 320), flows(17, 0, 5, 0, 12)),
            "b": figures(21_000, flows(2220, 1203, 0, 500, 517), flows(17, 0, 0, 0, 17)),
        })
    );
    let refused = out["refused_differently"].as_array().expect("a list");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["line"], json!(17));
    assert_eq!(refused[0]["command"], json!("train alice s5"));
    assert_eq!(refused[0]["a"]["exit"], json!(3));
    let why = refused[0]["a"]["message"].as_str().expect("a message");
    assert!(why.contains("needs 300 credits") && why.contains("110"), "{why}");
    assert_eq!(refused[0]["b"], Value::Null);
    assert_eq!(out["refused_under_both"], json!([]));
    let met: Vec<(u64, bool, bool)> = out["expectations"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().expect("a line"),
                e["a_met"].as_bool().expect("a_met"),
                e["b_met"].as_bool().expect("b_met"),
            )
        })
        .collect();
    // Neither a refused line nor an unmet expectation stops either run.
    assert_eq!(
        met,
        [
            (11, true, false),
            (16, true, false),
            (18, true, false),
            (19, false, false)
        ]
    );
    assert_eq!(
        out["expectations"][0]["b_message"],
        json!("expected alice credits=1010 licenses=10 / got alice credits=1507 licenses=15")
    );
    assert_eq!(out["expectations"][0]["a_message"], Value::Null);
    assert_eq!(
        out["expectations"][0]["text"],
        json!("expect alice credits=1010 licenses=10")
    );
    assert!(!w.exists(), "compare wrote to the selected wallet");

    // --pricing selects the first pricing: the same runs, the other way round.
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml");
    let swapped = w.json(&["--pricing", &cap2, "compare", &scenario, "--with", shipped]);
    assert_eq!(swapped["pricings"], json!([cap2, shipped]));
    assert_eq!(swapped["total"]["a"], out["total"]["b"]);
    assert_eq!(swapped["total"]["b"], out["total"]["a"]);
    assert_eq!(swapped["refused_differently"][0]["b"]["exit"], json!(3));
}

#[test]
fn compare_prints_a_table_with_the_differences_for_people() {
    let (w, scenario, cap2) = setup();
    let out = w.ok(&["compare", &scenario, "--with", &cap2]);
    let row = |figure: &str| -> Vec<Vec<String>> {
        out.lines()
            .filter(|l| l.contains(&format!("┆ {figure} ")))
            .map(|l| {
                l.split('┆')
                    .map(|c| c.trim().trim_matches('│').trim().to_owned())
                    .collect()
            })
            .collect()
    };
    assert_eq!(
        row("paid"),
        [
            ["alice", "paid", "$165.00", "$180.00", "+$15.00"],
            ["bob", "paid", "$30.00", "$30.00", ""],
            ["total", "paid", "$195.00", "$210.00", "+$15.00"],
        ],
        "{out}"
    );
    assert_eq!(
        row("credits cut (rollover)"),
        [
            ["", "credits cut (rollover)", "497", "0", "-497"],
            ["", "credits cut (rollover)", "497", "0", "-497"],
        ],
        "{out}"
    );
    assert!(out.contains("with cap2.toml"), "{out}");
    assert!(
        out.contains("line 17: train alice s5 — refused under the selected pricing (exit 3): alice needs 300 credits"),
        "{out}"
    );
    assert!(out.contains("Expectations: 0 met under both pricings, of 4."), "{out}");
    assert!(
        out.contains(
            "line 11: expect alice credits=1010 licenses=10 — met under the selected pricing; not met with cap2.toml: \
             expected alice credits=1010 licenses=10 / got alice credits=1507 licenses=15"
        ),
        "{out}"
    );
}

#[test]
fn compare_reads_the_scenario_from_stdin() {
    let (w, _, cap2) = setup();
    let mut cmd = command(w.dir.path());
    cmd.args(["--json", "compare", "-", "--with", &cap2]);
    let out = with_stdin(cmd, SCENARIO.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(out["scenario"], json!("<stdin>"));
    assert_eq!(out["accounts"][0]["b"], alice(true));
}

#[test]
fn a_pricing_that_does_not_load_is_exit_1_with_the_loaders_message() {
    let (w, scenario, _) = setup();
    let bad = pricing_with(&w, "bad.toml", &[("currency = \"USD\"", "currency = \"usd\"")]);
    let r = w.run(&["compare", &scenario, "--with", &bad]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(&bad) && r.stderr.contains("currency"), "{}", r.stderr);
    assert_eq!(r.stdout, "");
    let missing = w.dir.path().join("missing.toml");
    let r = w.run(&["compare", &scenario, "--with", &path(&missing)]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("cannot read the pricing file"), "{}", r.stderr);
}

#[test]
fn a_scenario_line_that_does_not_parse_stops_with_exit_2_and_its_line() {
    let w = Wallet::file();
    let scenario = w.dir.path().join("bad.scenario");
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml");
    for (text, line) in [
        ("account add alice\n# a comment\ngenerate alice --bogus\n", 3),
        ("account add alice\nexpect alice credits=many\n", 2),
        ("account add alice\nexpect-error 7 generate alice\n", 2),
        ("account add alice\nadvance-clock 0h\n", 2),
    ] {
        std::fs::write(&scenario, text).expect("write the scenario");
        let r = w.run(&["compare", &path(&scenario), "--with", shipped]);
        assert_eq!(r.code, 2, "{text}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(&format!("{}:{line}:", path(&scenario))),
            "{text}: {}",
            r.stderr
        );
        assert_eq!(r.stdout, "");
    }
}

/// The README's example is this build's output: the worked example under
/// the shipped pricing and a copy with a rollover cap of two months.
#[test]
fn the_readme_example_is_what_compare_prints() {
    let readme = include_str!("../../README.md");
    let shown = "$ wallet compare tests/scenarios/worked-example.scenario --with /tmp/cap2.toml\n";
    let start = readme.find(shown).expect("the README shows compare") + shown.len();
    let expected = &readme[start..start + readme[start..].find("```").expect("the example ends")];
    let w = Wallet::file();
    let cap2 = pricing_with(
        &w,
        "cap2.toml",
        &[("rollover_cap_months = 1\n", "rollover_cap_months = 2\n")],
    );
    let out = command(w.dir.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("COLUMNS", "100")
        .args(["compare", "tests/scenarios/worked-example.scenario", "--with", &cap2])
        .output()
        .expect("run wallet");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8_lossy(&out.stdout).replace(&cap2, "/tmp/cap2.toml");
    assert_eq!(printed, expected, "the README's compare example is stale");
}

/// Once a line is refused under one pricing only, the two runs number their
/// operations differently: a `void` after that is flagged, not compared blindly.
#[test]
fn a_void_after_the_runs_ids_part_is_flagged() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    let costly = pricing_with(&w, "costly.toml", &[("\nartist = 1\n", "\nartist = 1000\n")]);
    let scenario = w.dir.path().join("void.scenario");
    std::fs::write(
        &scenario,
        "init --now 2026-01-15T10:00:00Z\naccount add ann\ngenerate ann --style artist:x --count 1\n\
         buy ann credits-500\nvoid 4 --reason mistake\n",
    )
    .expect("write scenario");
    let v = w.json(&["compare", scenario.to_str().expect("utf-8"), "--with", &costly]);
    assert_eq!(v["ids_differ"], serde_json::json!([5]), "{v}");
    let table = w.ok(&["compare", scenario.to_str().expect("utf-8"), "--with", &costly]);
    assert!(
        table.contains("the void on line 5 may undo a different operation"),
        "{table}"
    );
}
