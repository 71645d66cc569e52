//! Issue 20: the reports for the business — `report expiring`, `report
//! summary` and `export` — with hand-worked numbers, on either backend.

use serde_json::Value;

use crate::support::Wallet;

/// Three months of three accounts, worked by hand:
/// - 2026-01-15: ann buys credits-1000 ($18.00) and generates 100 images (10
///   from her signup lot, 90 from the pack); bob and carl subscribe to
///   licenses-5-monthly ($55.00 each: 500 credits and 5 licenses a month,
///   rollover cap one month); bob buys credits-500 ($10.00) on the wrong
///   account and it is voided (500 credits taken back, the order left out).
/// - 2026-02-15: bob and carl renew ($110.00) and get their second delivery
///   (no cut: each holds one month's allocation); ann is granted 50 credits
///   and debited 20 (taken from the pack, which expires first); bob cancels.
/// - 2026-03-15: bob's subscription ends and forfeits 1000 credits and 10
///   licenses; carl renews ($55.00) and his third delivery first cuts 500
///   credits and 5 licenses (two months held, one allowed).
/// - 2026-03-20: carl buys credits-500 ($10.00) twice by mistake: it is
///   voided, so March has a void, a cut and a forfeit.
fn three_months() -> Wallet {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    for account in ["ann", "bob", "carl"] {
        w.ok(&["account", "add", account]);
    }
    w.ok(&["buy", "ann", "credits-1000"]);
    w.ok(&["generate", "ann", "--count", "100"]);
    w.ok(&["subscribe", "bob", "licenses-5-monthly"]);
    w.ok(&["subscribe", "carl", "licenses-5-monthly"]);
    let wrong = w.json(&["buy", "bob", "credits-500"])["operation"].to_string();
    w.ok(&["void", &wrong, "--reason", "bought on the wrong account"]);
    w.ok(&["advance-clock", "--to", "2026-02-15T10:00:00Z"]);
    w.ok(&["grant", "ann", "--credits", "50", "--reason", "generation failed"]);
    w.ok(&["debit", "ann", "--credits", "20", "--reason", "granted twice"]);
    w.ok(&["cancel", "bob"]);
    w.ok(&["advance-clock", "--to", "2026-03-20T10:00:00Z"]);
    let twice = w.json(&["buy", "carl", "credits-500"])["operation"].to_string();
    w.ok(&["void", &twice, "--reason", "charged twice"]);
    w.ok(&["advance-clock", "--to", "2026-04-01T00:00:00Z"]);
    w
}

fn credits_licenses(v: &Value) -> (u64, u64) {
    (v["credits"].as_u64().unwrap_or(0), v["licenses"].as_u64().unwrap_or(0))
}

#[test]
fn the_summary_counts_money_grants_spends_losses_and_balances_by_month() {
    let w = three_months();
    let summary = w.json(&["report", "summary"]);
    assert_eq!(summary["from"], "2026-01-15T10:00:00Z");
    assert_eq!(summary["to"], "2026-04-01T00:00:00Z");
    let months = summary["months"].as_array().expect("months");
    let names: Vec<&str> = months.iter().filter_map(|m| m["month"].as_str()).collect();
    assert_eq!(names, ["2026-01", "2026-02", "2026-03", "2026-04"]);
    let (jan, feb, mar, apr) = (&months[0], &months[1], &months[2], &months[3]);
    // January: the voided order is left out of the money taken.
    assert_eq!(jan["money"][0]["currency"], "USD");
    assert_eq!(jan["money"][0]["orders_cents"], 1800);
    assert_eq!(jan["money"][0]["charges_cents"], 11000);
    assert_eq!(jan["money"][0]["total_cents"], 12800);
    assert_eq!(credits_licenses(&jan["granted"]["signup"]), (30, 0));
    assert_eq!(credits_licenses(&jan["granted"]["credit_pack"]), (1500, 0));
    assert_eq!(credits_licenses(&jan["granted"]["subscription"]), (1000, 10));
    assert_eq!(credits_licenses(&jan["spent"]["generate"]), (100, 0));
    assert_eq!(credits_licenses(&jan["voided"]), (500, 0));
    assert_eq!(credits_licenses(&jan["balances"]), (1930, 10));
    // February: renewals, a grant and a debit.
    assert_eq!(feb["money"][0]["orders_cents"], 0);
    assert_eq!(feb["money"][0]["charges_cents"], 11000);
    assert_eq!(credits_licenses(&feb["granted"]["subscription"]), (1000, 10));
    assert_eq!(credits_licenses(&feb["granted"]["adjustment"]), (50, 0));
    assert_eq!(credits_licenses(&feb["adjusted"]), (20, 0));
    assert_eq!(credits_licenses(&feb["cut"]), (0, 0));
    assert_eq!(credits_licenses(&feb["balances"]), (2960, 20));
    // March: a forfeit, a rollover cut and a void (its order not counted).
    assert_eq!(mar["money"][0]["charges_cents"], 5500);
    assert_eq!(mar["money"][0]["orders_cents"], 0);
    assert_eq!(mar["money"][0]["total_cents"], 5500);
    assert_eq!(credits_licenses(&mar["voided"]), (500, 0));
    assert_eq!(credits_licenses(&mar["granted"]["credit_pack"]), (500, 0));
    assert_eq!(credits_licenses(&mar["forfeited"]), (1000, 10));
    assert_eq!(credits_licenses(&mar["cut"]), (500, 5));
    assert_eq!(credits_licenses(&mar["granted"]["subscription"]), (500, 5));
    assert_eq!(credits_licenses(&mar["balances"]), (1960, 10));
    // April: nothing happened by the clock; the balances carry over.
    assert_eq!(apr["money"].as_array().map(Vec::len), Some(0));
    assert_eq!(credits_licenses(&apr["balances"]), (1960, 10));
    // The balances at the end are what the accounts hold.
    let all = w.json(&["balance"]);
    let held: u64 = all["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["credits"].as_u64())
        .sum();
    assert_eq!(held, 1960);

    // A window: February alone, with what was held before it.
    let feb_only = w.json(&[
        "report",
        "summary",
        "--from",
        "2026-02-01",
        "--to",
        "2026-02-28T23:59:59Z",
    ]);
    let months = feb_only["months"].as_array().expect("months");
    assert_eq!(months.len(), 1);
    assert_eq!(credits_licenses(&months[0]["balances"]), (2960, 20));
    assert_eq!(months[0]["money"][0]["charges_cents"], 11000);

    let table = w.ok(&["report", "summary"]);
    assert!(table.contains("$18.00") && table.contains("$110.00"), "{table}");
    assert!(table.contains("credits granted (█) and lost"), "{table}");
    w.refused(&["report", "summary", "--from", "2026-03-01", "--to", "2026-02-01"], 2);
    // The wallet knows nothing after its clock, and nothing before its first operation.
    w.refused(&["report", "summary", "--to", "2026-04-02"], 3);
    let before = w.json(&["report", "summary", "--to", "2025-12-01"]);
    assert_eq!(before["months"].as_array().map(Vec::len), Some(0));
    let early = w.json(&["report", "summary", "--from", "1970-01-01"]);
    assert_eq!(
        early["months"][0]["month"], "2026-01",
        "no empty months before the first operation"
    );
}

#[test]
fn report_expiring_lists_the_losses_inside_the_window_soonest_first() {
    let w = three_months();
    // 30 days from 2026-04-01: carl's next delivery cuts 500 credits and 5
    // licenses; the one-time lots expiring in 2027 are outside the window.
    let soon = w.json(&["report", "expiring"]);
    let soon = soon.as_array().expect("losses");
    assert_eq!(soon.len(), 1, "{soon:?}");
    assert_eq!(soon[0]["account"], "carl");
    assert_eq!(soon[0]["at"], "2026-04-15T10:00:00Z");
    assert_eq!(soon[0]["kind"], "delivery");
    assert_eq!(credits_licenses(&soon[0]), (500, 5));
    // Out to 2027-01-26: the signup lots and ann's pack (1000 - 90 - 20)
    // expire on 2027-01-15; ann's grant (2027-02-15) is still outside.
    let year = w.json(&["report", "expiring", "--within", "300d"]);
    let year: Vec<(String, String, u64)> = year
        .as_array()
        .expect("losses")
        .iter()
        .map(|l| {
            (
                l["at"].as_str().unwrap_or("").to_owned(),
                l["account"].as_str().unwrap_or("").to_owned(),
                l["credits"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        year,
        [
            ("2026-04-15T10:00:00Z".into(), "carl".into(), 500),
            ("2027-01-15T10:00:00Z".into(), "ann".into(), 890),
            ("2027-01-15T10:00:00Z".into(), "bob".into(), 10),
            ("2027-01-15T10:00:00Z".into(), "carl".into(), 10),
        ]
    );
    let table = w.ok(&["report", "expiring"]);
    assert!(table.contains("carl") && !table.contains("ann"), "{table}");
    // A window past the calendar's end keeps everything ahead.
    let all = w.json(&["report", "expiring", "--within", "10000y"]);
    let all: Vec<(String, String, u64)> = (all.as_array().expect("losses").iter())
        .map(|l| {
            (
                l["at"].as_str().unwrap_or("").to_owned(),
                l["account"].as_str().unwrap_or("").to_owned(),
                l["credits"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let mut ahead = year.clone();
    ahead.push(("2027-02-15T10:00:00Z".into(), "ann".into(), 50));
    assert_eq!(all, ahead, "the year's losses, then ann's grant");
    w.refused(&["report", "expiring", "--within", "soon"], 2);
}

#[test]
fn export_writes_every_entry_in_order_and_csv_reads_back() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    let odd = "lee, \"the\" admin";
    w.ok(&["--actor", odd, "account", "add", "ann"]);
    w.ok(&["--actor", odd, "buy", "ann", "license"]);
    w.ok(&["advance-clock", "1d"]);
    w.ok(&["generate", "ann", "--count", "3"]);
    let jsonl = w.ok(&["export"]);
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let rows: Vec<(String, String, i64, String)> = lines
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap_or("").to_owned(),
                l["reason"].as_str().unwrap_or("").to_owned(),
                l["change"].as_i64().unwrap_or(0),
                l["source"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("signup".into(), "signup".into(), 10, "signup".into()),
            ("buy".into(), "purchase".into(), 1, "license_pack".into()),
            ("buy".into(), "license_bonus".into(), 100, "license_bonus".into()),
            ("generate".into(), "generate".into(), -3, "signup".into()),
        ]
    );
    assert_eq!(lines[0]["actor"], odd);
    assert_eq!(lines[3]["at"], "2026-01-16T10:00:00Z");
    let csv_text = w.ok(&["export", "--format", "csv"]);
    assert!(
        csv_text.split_inclusive('\n').all(|l| l.ends_with("\r\n")),
        "RFC 4180 line ends: {csv_text:?}"
    );
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_owned).collect();
    assert_eq!(
        header,
        [
            "entry",
            "operation",
            "at",
            "actor",
            "account",
            "kind",
            "reason",
            "asset",
            "change",
            "lot",
            "source"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("records");
    assert_eq!(records.len(), 4);
    assert_eq!(&records[0][3], odd, "a comma and quotes survive the round trip");
    assert_eq!(&records[3][8], "-3");
    let since = w.ok(&["export", "--since", "2026-01-16"]);
    assert_eq!(since.lines().count(), 1);
    assert_eq!(
        w.ok(&["export", "--since", "2027-01-01", "--format", "csv"])
            .lines()
            .count(),
        1,
        "the header alone"
    );
    // `--until` keeps the entries at its instant; a date is its midnight.
    assert_eq!(w.ok(&["export", "--until", "2026-01-16"]).lines().count(), 3);
    assert_eq!(w.ok(&["export", "--until", "2026-01-16T10:00:00Z"]).lines().count(), 4);
    assert_eq!(
        (w.ok(&["export", "--until", "2026-01-16T09:59:59Z", "--format", "csv"])
            .lines())
        .count(),
        4,
        "the header and the three entries of the first day"
    );
    let day = w.ok(&["export", "--since", "2026-01-16", "--until", "2026-01-16T10:00:00Z"]);
    assert_eq!(day, jsonl.lines().last().map(|l| format!("{l}\n")).unwrap_or_default());
    assert_eq!(
        w.ok(&["export", "--until", "2026-01-15T09:59:59Z"]),
        "",
        "before the first entry"
    );
    w.refused(&["export", "--format", "xml"], 2);
}
