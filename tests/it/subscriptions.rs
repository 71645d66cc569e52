//! Subscriptions (SPEC §5, §8, §12; issue 3): deliveries at `anchor + k
//! months`, renewals, the rollover cap, cancel at period end, forfeiture and
//! same-instant ordering, all through the real binary.

use serde_json::Value;

use crate::support::{Wallet, lots};

const MONTHLY: &str = "licenses-5-monthly";
const YEARLY: &str = "licenses-5-yearly";

/// One event of `advance-clock --json`: (at, account, kind, summary).
type Event = (String, String, String, String);

/// Runs `advance-clock ARGS --json` and returns its events in order.
#[track_caller]
fn advance(w: &Wallet, args: &[&str]) -> Vec<Event> {
    let mut all = vec!["advance-clock"];
    all.extend_from_slice(args);
    let v = w.json(&all);
    v["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            let field = |name: &str| {
                e[name]
                    .as_str()
                    .unwrap_or_else(|| panic!("event {name}: {e}"))
                    .to_owned()
            };
            (field("at"), field("account"), field("kind"), field("summary"))
        })
        .collect()
}

/// The instants of the events of one kind.
fn instants(events: &[Event], kind: &str) -> Vec<String> {
    events.iter().filter(|e| e.2 == kind).map(|e| e.0.clone()).collect()
}

/// `history ACCOUNT --json`.
#[track_caller]
fn history(w: &Wallet, account: &str) -> Vec<Value> {
    w.json(&["history", account]).as_array().expect("history array").clone()
}

/// The amount taken with `reason` from `asset`, summed over the history.
fn taken(history: &[Value], reason: &str, asset: &str) -> i64 {
    history
        .iter()
        .filter(|e| e["reason"] == reason && e["asset"] == asset)
        .map(|e| -e["change"].as_i64().expect("change"))
        .sum()
}

/// The amounts of the individual entries with `reason` on `asset`.
fn entries(history: &[Value], reason: &str, asset: &str) -> Vec<i64> {
    history
        .iter()
        .filter(|e| e["reason"] == reason && e["asset"] == asset)
        .map(|e| e["change"].as_i64().expect("change"))
        .collect()
}

/// How many distinct operations granted a delivery (the first one at subscribe included).
fn deliveries(history: &[Value]) -> usize {
    let mut ops: Vec<i64> = history
        .iter()
        .filter(|e| e["reason"] == "delivery")
        .map(|e| e["operation"].as_i64().expect("operation"))
        .collect();
    ops.dedup();
    ops.len()
}

/// The subscription object of `balance ACCOUNT --json`.
#[track_caller]
fn subscription(w: &Wallet, account: &str) -> Value {
    w.json(&["balance", account])["subscription"].clone()
}

/// `YYYY-MM-DDT10:00:00Z` for each (year, month, day).
fn at_ten(days: &[(u32, u32, u32)]) -> Vec<String> {
    days.iter()
        .map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}T10:00:00Z"))
        .collect()
}

/// The clamped monthly series of a Jan 31 2026 anchor, months 1..=12.
fn jan_31_series() -> Vec<String> {
    at_ten(&[
        (2026, 2, 28),
        (2026, 3, 31),
        (2026, 4, 30),
        (2026, 5, 31),
        (2026, 6, 30),
        (2026, 7, 31),
        (2026, 8, 31),
        (2026, 9, 30),
        (2026, 10, 31),
        (2026, 11, 30),
        (2026, 12, 31),
        (2027, 1, 31),
    ])
}

#[track_caller]
fn verified(w: &Wallet) {
    w.ok(&["verify"]);
}

#[test]
fn the_worked_example_of_spec_12_step_by_step() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    assert_eq!(w.balance("alice"), (10, 0));
    w.ok(&["buy", "alice", "credits-1000"]);
    assert_eq!(w.balance("alice"), (1010, 0));
    w.ok(&["subscribe", "alice", MONTHLY]);
    assert_eq!(w.balance("alice"), (1510, 5));
    w.ok(&["generate", "alice", "--style", "artist:monet", "--count", "3"]);
    assert_eq!(w.balance("alice"), (1507, 5));
    // The 3 credits came from the subscription lot (it is at risk soonest).
    let b = w.json(&["balance", "alice"]);
    assert!(
        lots(&b).contains(&(
            "subscription".into(),
            "credits".into(),
            497,
            "2026-02-15T10:00:00Z".into()
        )),
        "{b}"
    );
    w.ok(&["license", "alice", "img-1"]);
    assert_eq!(w.balance("alice"), (1507, 4));

    let events = advance(&w, &["1mo"]);
    assert_eq!(instants(&events, "delivery"), ["2026-02-15T10:00:00Z"]);
    assert_eq!(w.balance("alice"), (2007, 9));

    advance(&w, &["1mo"]);
    assert_eq!(w.balance("alice"), (2010, 10));

    w.ok(&["cancel", "alice"]);
    assert_eq!(w.balance("alice"), (2010, 10));
    let events = advance(&w, &["1mo"]);
    assert_eq!(
        events.iter().map(|e| e.2.as_str()).collect::<Vec<_>>(),
        ["forfeit"],
        "a cancelled subscription neither renews nor delivers at its period end: {events:?}"
    );
    assert_eq!(w.balance("alice"), (1010, 0));

    advance(&w, &["--to", "2027-01-15T10:00:00Z"]);
    assert_eq!(w.balance("alice"), (0, 0));

    let h = history(&w, "alice");
    assert_eq!(entries(&h, "rollover_expired", "credits"), [-497]);
    assert_eq!(entries(&h, "rollover_expired", "licenses"), [-4]);
    assert_eq!(taken(&h, "forfeited", "credits"), 1000);
    assert_eq!(taken(&h, "forfeited", "licenses"), 10);
    assert!(
        h.iter()
            .filter(|e| e["reason"] == "rollover_expired")
            .all(|e| e["at"] == "2026-03-15T10:00:00Z")
    );
    assert!(
        h.iter()
            .filter(|e| e["reason"] == "forfeited")
            .all(|e| e["at"] == "2026-04-15T10:00:00Z")
    );
    assert_eq!(deliveries(&h), 3);
    assert_eq!(h.iter().filter(|e| e["kind"] == "renewal").count(), 2);
    verified(&w);
}

#[test]
fn a_jan_31_monthly_anchor_delivers_and_renews_on_the_clamped_days() {
    let w = Wallet::at("2026-01-31T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["subscribe", "alice", MONTHLY]);
    let events = advance(&w, &["1y"]);
    assert_eq!(instants(&events, "delivery"), jan_31_series());
    assert_eq!(instants(&events, "renewal"), jan_31_series());
    // The signup lot, granted at the anchor, expires at the year end before
    // that instant's renewal (SPEC §8).
    assert_eq!(instants(&events, "expiry"), ["2027-01-31T10:00:00Z"]);
    assert_eq!(events[events.len() - 3].2, "expiry");
    // At each instant the renewal comes before the delivery.
    let subscription_events: Vec<_> = events.iter().filter(|e| e.2 != "expiry").collect();
    assert_eq!(subscription_events.len(), 24);
    for pair in subscription_events.chunks(2) {
        assert_eq!(
            (pair[0].2.as_str(), pair[1].2.as_str()),
            ("renewal", "delivery"),
            "{events:?}"
        );
        assert_eq!(pair[0].0, pair[1].0);
    }
    let s = subscription(&w, "alice");
    assert_eq!(s["status"], "active");
    assert_eq!(s["period_end"], "2027-02-28T10:00:00Z");
    assert_eq!(s["next_delivery"], "2027-02-28T10:00:00Z");
    // Never more than two allocations after a delivery; the signup credits
    // expired at the year end.
    assert_eq!(w.balance("alice"), (1000, 10));
    verified(&w);
}

#[test]
fn a_jan_31_anchor_does_not_drift_when_the_clock_moves_a_month_at_a_time() {
    // `advance-clock 1mo` from Jan 31 lands on Feb 28, then Mar 28 …; the
    // deliveries still follow the anchor: Mar 31, Apr 30 …
    let w = Wallet::at("2026-01-31T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["subscribe", "alice", MONTHLY]);
    let mut all = Vec::new();
    for _ in 0..12 {
        all.extend(advance(&w, &["1mo"]));
    }
    assert_eq!(w.json(&["balance", "alice"])["as_of"], "2027-01-28T10:00:00Z");
    all.extend(advance(&w, &["--to", "2027-01-31T10:00:00Z"]));
    assert_eq!(instants(&all, "delivery"), jan_31_series());
    assert_eq!(instants(&all, "renewal"), jan_31_series());
}

#[test]
fn a_jan_31_yearly_anchor_delivers_monthly_and_renews_once() {
    let w = Wallet::at("2026-01-31T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["subscribe", "alice", YEARLY]);
    let events = advance(&w, &["1y"]);
    assert_eq!(instants(&events, "delivery"), jan_31_series());
    assert_eq!(instants(&events, "renewal"), ["2027-01-31T10:00:00Z"]);
    let renewal = events.iter().find(|e| e.2 == "renewal").expect("renewal");
    assert!(
        renewal.3.contains("$540.00"),
        "renewal charges the yearly price: {renewal:?}"
    );
    // At the year end: the signup lot expires, then the renewal, then that
    // instant's delivery (SPEC §8).
    assert_eq!(
        events[events.len() - 3..]
            .iter()
            .map(|e| (e.0.as_str(), e.2.as_str()))
            .collect::<Vec<_>>(),
        [
            ("2027-01-31T10:00:00Z", "expiry"),
            ("2027-01-31T10:00:00Z", "renewal"),
            ("2027-01-31T10:00:00Z", "delivery")
        ]
    );
    assert_eq!(events.len(), 14);
    let s = subscription(&w, "alice");
    assert_eq!(s["status"], "active");
    assert_eq!(s["period_end"], "2028-01-31T10:00:00Z");
    assert_eq!(s["next_delivery"], "2027-02-28T10:00:00Z");
    assert_eq!(deliveries(&history(&w, "alice")), 13);
    verified(&w);
}

#[test]
fn a_feb_29_yearly_anchor_renews_on_feb_28_of_the_next_year() {
    // SPEC §2: Feb 29 2028 + 12 months = Feb 28 2029.
    let w = Wallet::at("2028-02-29T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["subscribe", "alice", YEARLY]);
    assert_eq!(subscription(&w, "alice")["period_end"], "2029-02-28T10:00:00Z");
    let events = advance(&w, &["1y"]);
    assert_eq!(
        instants(&events, "delivery"),
        at_ten(&[
            (2028, 3, 29),
            (2028, 4, 29),
            (2028, 5, 29),
            (2028, 6, 29),
            (2028, 7, 29),
            (2028, 8, 29),
            (2028, 9, 29),
            (2028, 10, 29),
            (2028, 11, 29),
            (2028, 12, 29),
            (2029, 1, 29),
            (2029, 2, 28),
        ])
    );
    assert_eq!(instants(&events, "renewal"), ["2029-02-28T10:00:00Z"]);
}

#[test]
fn the_rollover_cap_cuts_licenses_alone_when_the_credits_were_spent() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["subscribe", "alice", MONTHLY]);
    // One-time licenses and credits never count toward the cap.
    w.ok(&["buy", "alice", "licenses-10"]);
    assert_eq!(w.balance("alice"), (1510, 15));
    for _ in 0..5 {
        w.ok(&["generate", "alice", "--count", "100"]);
    }
    // Spent from the subscription credits first: they are at risk soonest.
    assert_eq!(w.balance("alice"), (1010, 15));
    advance(&w, &["1mo"]); // 0 cr / 5 lic carried, under the cap
    assert_eq!(w.balance("alice"), (1510, 20));
    let h = history(&w, "alice");
    assert!(entries(&h, "rollover_expired", "credits").is_empty());
    assert!(entries(&h, "rollover_expired", "licenses").is_empty());
    advance(&w, &["1mo"]); // 500 cr kept (at the cap), 10 lic cut to 5
    assert_eq!(w.balance("alice"), (2010, 20));
    let h = history(&w, "alice");
    assert_eq!(taken(&h, "rollover_expired", "credits"), 0);
    assert_eq!(entries(&h, "rollover_expired", "licenses"), [-5]);
    // The one-time lots are intact.
    let b = w.json(&["balance", "alice"]);
    let mut one_time: Vec<_> = lots(&b)
        .into_iter()
        .filter(|l| l.0 != "subscription")
        .map(|l| (l.1, l.2))
        .collect();
    one_time.sort();
    assert_eq!(
        one_time,
        [
            ("credits".to_owned(), 10),
            ("credits".to_owned(), 1000),
            ("licenses".to_owned(), 10)
        ],
        "{b}"
    );
    verified(&w);
}

#[test]
fn the_rollover_cap_cuts_credits_alone_when_the_licenses_were_spent() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["subscribe", "alice", MONTHLY]);
    w.ok(&["generate", "alice", "--style", "artist:monet", "--count", "5"]);
    for i in 1..=5 {
        w.ok(&["license", "alice", &format!("img-{i}")]);
    }
    assert_eq!(w.balance("alice"), (505, 0));
    advance(&w, &["1mo"]); // 495 cr / 0 lic carried, under the cap
    assert_eq!(w.balance("alice"), (1005, 5));
    advance(&w, &["1mo"]); // 995 cr cut to 500, 5 lic kept (at the cap)
    assert_eq!(w.balance("alice"), (1010, 10));
    let h = history(&w, "alice");
    assert_eq!(entries(&h, "rollover_expired", "credits"), [-495]);
    assert_eq!(taken(&h, "rollover_expired", "licenses"), 0);
    verified(&w);
}

#[test]
fn a_yearly_plan_cancelled_in_month_3_delivers_to_month_12_then_forfeits() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["subscribe", "alice", YEARLY]);
    advance(&w, &["--to", "2026-03-20T00:00:00Z"]);
    w.ok(&["cancel", "alice"]);
    w.ok(&["buy", "alice", "credits-500"]);
    w.ok(&["buy", "alice", "license"]);
    let s = subscription(&w, "alice");
    assert_eq!(s["status"], "cancelling");
    assert_eq!(s["period_end"], "2027-01-15T10:00:00Z");
    assert_eq!(s["next_delivery"], "2026-04-15T10:00:00Z");

    let events = advance(&w, &["--to", "2027-01-14T00:00:00Z"]);
    assert_eq!(
        instants(&events, "delivery"),
        at_ten(&[
            (2026, 4, 15),
            (2026, 5, 15),
            (2026, 6, 15),
            (2026, 7, 15),
            (2026, 8, 15),
            (2026, 9, 15),
            (2026, 10, 15),
            (2026, 11, 15),
            (2026, 12, 15),
        ])
    );
    assert!(instants(&events, "renewal").is_empty());
    assert!(instants(&events, "forfeit").is_empty());
    assert_eq!(deliveries(&history(&w, "alice")), 12);
    // 1000 / 10 held by the subscription (cap + allocation), plus the
    // one-time 10 signup, 500 pack and 100 bonus credits and 1 license.
    assert_eq!(w.balance("alice"), (1610, 11));
    let s = subscription(&w, "alice");
    assert_eq!(s["status"], "cancelling");
    assert_eq!(
        s["next_delivery"],
        Value::Null,
        "no delivery is due before the end: {s}"
    );
    let one_time_before: Vec<_> = lots(&w.json(&["balance", "alice"]))
        .into_iter()
        .filter(|l| l.0 != "subscription" && l.0 != "signup")
        .collect();
    assert_eq!(one_time_before.len(), 3);

    let events = advance(&w, &["--to", "2027-01-15T10:00:00Z"]);
    // SPEC §8: the signup lot (granted at the anchor) expires first, then
    // the cancelled subscription forfeits; nothing renews or delivers.
    assert_eq!(
        events.iter().map(|e| (e.0.as_str(), e.2.as_str())).collect::<Vec<_>>(),
        [("2027-01-15T10:00:00Z", "expiry"), ("2027-01-15T10:00:00Z", "forfeit")]
    );
    assert_eq!(w.balance("alice"), (600, 1));
    let b = w.json(&["balance", "alice"]);
    assert_eq!(b["subscription"]["status"], "ended");
    assert_eq!(
        lots(&b).into_iter().filter(|l| l.0 != "signup").collect::<Vec<_>>(),
        one_time_before,
        "the forfeit touches subscription lots only"
    );
    let h = history(&w, "alice");
    assert_eq!(taken(&h, "forfeited", "credits"), 1000);
    assert_eq!(taken(&h, "forfeited", "licenses"), 10);
    assert_eq!(h.iter().filter(|e| e["kind"] == "renewal").count(), 0);

    // Nothing more happens for the ended subscription; the one-time lots
    // run to their own expiry.
    let events = advance(&w, &["3mo"]);
    assert_eq!(
        events.iter().map(|e| (e.0.as_str(), e.2.as_str())).collect::<Vec<_>>(),
        [("2027-03-20T00:00:00Z", "expiry")]
    );
    assert_eq!(w.balance("alice"), (0, 0));
    assert_eq!(deliveries(&history(&w, "alice")), 12);
    verified(&w);
}

#[test]
fn cancel_undo_keeps_the_subscription_renewing() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["subscribe", "alice", MONTHLY]);
    w.ok(&["cancel", "alice"]);
    let s = subscription(&w, "alice");
    assert_eq!(s["status"], "cancelling");
    assert_eq!(s["period_end"], "2026-02-15T10:00:00Z");
    assert_eq!(
        s["next_delivery"],
        Value::Null,
        "a cancelled monthly plan delivers no more: {s}"
    );
    advance(&w, &["1w"]);
    w.ok(&["cancel", "alice", "--undo"]);
    let s = subscription(&w, "alice");
    assert_eq!(s["status"], "active");
    assert_eq!(s["next_delivery"], "2026-02-15T10:00:00Z");

    let events = advance(&w, &["--to", "2026-02-15T10:00:00Z"]);
    assert_eq!(
        events.iter().map(|e| e.2.as_str()).collect::<Vec<_>>(),
        ["renewal", "delivery"]
    );
    assert!(events[0].3.contains("$55.00"), "{events:?}");
    assert_eq!(w.balance("alice"), (1010, 10));
    let s = subscription(&w, "alice");
    assert_eq!(s["status"], "active");
    assert_eq!(s["period_end"], "2026-03-15T10:00:00Z");
    let h = history(&w, "alice");
    let renewals: Vec<_> = h.iter().filter(|e| e["kind"] == "renewal").collect();
    assert_eq!(renewals.len(), 1, "{h:?}");
    assert_eq!(renewals[0]["at"], "2026-02-15T10:00:00Z");
    assert!(renewals[0]["summary"].as_str().is_some_and(|s| s.contains("$55.00")));
    assert_eq!(taken(&h, "forfeited", "credits"), 0);
    verified(&w);
}

#[test]
fn cancel_undo_on_a_yearly_plan_renews_at_the_year_end() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["subscribe", "alice", YEARLY]);
    advance(&w, &["2mo"]);
    w.ok(&["cancel", "alice"]);
    advance(&w, &["1mo"]);
    w.ok(&["cancel", "alice", "--undo"]);
    let events = advance(&w, &["--to", "2027-01-15T10:00:00Z"]);
    assert_eq!(instants(&events, "renewal"), ["2027-01-15T10:00:00Z"]);
    assert!(events.iter().all(|e| e.2 != "forfeit"), "{events:?}");
    assert_eq!(events.last().map(|e| e.2.as_str()), Some("delivery"));
    assert!(events.iter().any(|e| e.2 == "renewal" && e.3.contains("$540.00")));
    assert_eq!(subscription(&w, "alice")["period_end"], "2028-01-15T10:00:00Z");
    // The signup lot expired; the subscription holds cap + allocation.
    assert_eq!(w.balance("alice"), (1000, 10));
}

#[test]
fn subscription_refusals_change_nothing() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.refused(&["cancel", "alice"], 3);
    w.refused(&["cancel", "alice", "--undo"], 3);
    w.refused(&["cancel", "nobody"], 3);
    w.refused(&["subscribe", "nobody", MONTHLY], 3);
    let err = w.refused(&["subscribe", "alice", "licenses-7-monthly"], 3);
    assert!(err.contains("licenses-7-monthly"), "{err}");

    w.ok(&["subscribe", "alice", MONTHLY]);
    w.refused(&["cancel", "alice", "--undo"], 3);
    let err = w.refused(&["subscribe", "alice", MONTHLY], 3);
    assert!(err.contains("wallet cancel alice"), "{err}");
    assert!(err.contains("2026-02-15T10:00:00Z"), "{err}");
    w.refused(&["subscribe", "alice", "licenses-20-yearly"], 3);

    w.ok(&["cancel", "alice"]);
    w.refused(&["cancel", "alice"], 3);
    let err = w.refused(&["subscribe", "alice", "licenses-20-monthly"], 3);
    assert!(err.contains("--undo"), "{err}");
    assert!(err.contains("2026-02-15T10:00:00Z"), "{err}");

    advance(&w, &["1mo"]);
    assert_eq!(subscription(&w, "alice")["status"], "ended");
    w.refused(&["cancel", "alice"], 3);
    w.refused(&["cancel", "alice", "--undo"], 3);
    assert_eq!(w.balance("alice"), (10, 0));
}

#[test]
fn subscribing_again_after_the_end_is_accepted() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["subscribe", "alice", MONTHLY]);
    w.ok(&["cancel", "alice"]);
    advance(&w, &["1mo"]);
    assert_eq!(w.balance("alice"), (10, 0));
    // At the very instant the old one ended.
    w.ok(&["subscribe", "alice", YEARLY]);
    assert_eq!(w.balance("alice"), (510, 5));
    let s = subscription(&w, "alice");
    assert_eq!(s["plan"], YEARLY);
    assert_eq!(s["status"], "active");
    assert_eq!(s["period_end"], "2027-02-15T10:00:00Z");
    assert_eq!(s["next_delivery"], "2026-03-15T10:00:00Z");
    let events = advance(&w, &["1mo"]);
    assert_eq!(
        events
            .iter()
            .map(|e| (e.0.as_str(), e.2.as_str(), e.3.starts_with(YEARLY)))
            .collect::<Vec<_>>(),
        [("2026-03-15T10:00:00Z", "delivery", true)]
    );
    assert_eq!(w.balance("alice"), (1010, 10));

    // And again later, after a second end.
    w.ok(&["cancel", "alice"]);
    advance(&w, &["--to", "2027-03-01T00:00:00Z"]);
    assert_eq!(subscription(&w, "alice")["status"], "ended");
    w.ok(&["subscribe", "alice", MONTHLY]);
    assert_eq!(subscription(&w, "alice")["status"], "active");
    assert_eq!(w.balance("alice"), (500, 5));
    let h = history(&w, "alice");
    assert_eq!(
        h.iter()
            .filter(|e| e["kind"] == "subscribe" && e["asset"] == "licenses")
            .count(),
        3
    );
    verified(&w);
}

#[test]
fn a_pricing_edit_after_subscribing_changes_new_subscriptions_only() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["account", "add", "bob"]);
    w.ok(&["subscribe", "alice", MONTHLY]);

    let original = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml")).expect("pricing.toml");
    let mut edited = original.clone();
    for (from, to) in [
        ("license_bonus_credits = 100", "license_bonus_credits = 50"),
        ("rollover_cap_months = 1", "rollover_cap_months = 2"),
        (
            "[plans.licenses-5-monthly]\ninterval = \"month\"      # billing period: \"month\" or \"year\"\nlicenses_per_month = 5  # licenses delivered every month\nprice_cents = 5500",
            "[plans.licenses-5-monthly]\ninterval = \"month\"      # billing period: \"month\" or \"year\"\nlicenses_per_month = 7  # licenses delivered every month\nprice_cents = 6600",
        ),
    ] {
        assert_eq!(
            edited.matches(from).count(),
            1,
            "pricing.toml layout changed: {from:?} not found once"
        );
        edited = edited.replace(from, to);
    }
    let file = w.dir.path().join("edited-pricing.toml");
    std::fs::write(&file, edited).expect("write pricing");
    let file = file.to_str().expect("utf-8 path");
    w.ok(&["--pricing", file, "pricing", "check", file]);

    let mut all = Vec::new();
    for _ in 0..3 {
        all.extend(advance(&w, &["--pricing", file, "1mo"]));
    }
    let summaries = |kind: &str| {
        all.iter()
            .filter(|e| e.2 == kind)
            .map(|e| e.3.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(summaries("renewal").len(), 3);
    assert!(summaries("renewal").iter().all(|s| s.contains("$55.00")), "{all:?}");
    assert_eq!(summaries("delivery").len(), 3);
    assert!(
        summaries("delivery")
            .iter()
            .all(|s| s.contains("5 licenses and 500 credits")),
        "{all:?}"
    );
    // The old cap (1 month) still applies: 10 signup + 500 cap + 500 new.
    let alice = w.json(&["--pricing", file, "balance", "alice"]);
    assert_eq!(
        (alice["credits"].as_u64(), alice["licenses"].as_u64()),
        (Some(1010), Some(10))
    );
    assert_eq!(alice["subscription"]["price_cents"], 5500);
    let h = history(&w, "alice");
    assert!(entries(&h, "delivery", "licenses").iter().all(|n| *n == 5));
    assert!(entries(&h, "delivery", "credits").iter().all(|n| *n == 500));
    assert_eq!(taken(&h, "rollover_expired", "credits"), 1000);

    // A new subscription takes the new terms: 7 licenses, 7 × 50 credits,
    // $66.00, a 2-month rollover cap.
    w.ok(&["--pricing", file, "subscribe", "bob", MONTHLY]);
    assert_eq!(w.balance("bob"), (360, 7));
    assert_eq!(subscription(&w, "bob")["price_cents"], 6600);
    let mut bob_events = Vec::new();
    for _ in 0..3 {
        bob_events.extend(advance(&w, &["1mo"]).into_iter().filter(|e| e.1 == "bob"));
    }
    assert!(
        bob_events
            .iter()
            .filter(|e| e.2 == "renewal")
            .all(|e| e.3.contains("$66.00")),
        "{bob_events:?}"
    );
    // 10 signup + 2 × 350 kept + 350 new; 2 × 7 kept + 7 new.
    assert_eq!(w.balance("bob"), (1060, 21));
    // Alice is still on her own terms under the built-in pricing too.
    assert_eq!(w.balance("alice"), (1010, 10));
    verified(&w);
}

/// Both wallets get the same commands before the clock moves.
fn ten_year_wallet() -> Wallet {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    for account in ["alice", "bob", "carol"] {
        w.ok(&["account", "add", account]);
    }
    w.ok(&["buy", "alice", "credits-1000"]);
    w.ok(&["subscribe", "alice", MONTHLY]);
    w.ok(&["generate", "alice", "--style", "artist:monet", "--count", "3"]);
    w.ok(&["license", "alice", "img-1"]);
    w.ok(&["buy", "bob", "licenses-10"]);
    w.ok(&["subscribe", "bob", YEARLY]);
    w.ok(&["subscribe", "carol", "licenses-20-monthly"]);
    w.ok(&["cancel", "carol"]);
    w
}

/// The history without operation ids (the month-by-month wallet has more
/// clock operations).
fn comparable_history(w: &Wallet, account: &str) -> Vec<Value> {
    history(w, account)
        .into_iter()
        .map(|mut e| {
            e.as_object_mut().expect("entry").remove("operation");
            e
        })
        .collect()
}

#[test]
fn ten_years_in_one_call_equal_ten_years_month_by_month() {
    let once = ten_year_wallet();
    let events = advance(&once, &["10y"]);
    assert_eq!(once.json(&["balance", "alice"])["as_of"], "2036-01-15T10:00:00Z");
    let stepped = ten_year_wallet();
    let mut stepped_events = Vec::new();
    for _ in 0..120 {
        stepped_events.extend(advance(&stepped, &["1mo"]));
    }
    assert_eq!(events, stepped_events);
    // 120 monthly deliveries for alice and for bob, none for carol.
    assert_eq!(
        events.iter().filter(|e| e.1 == "alice" && e.2 == "delivery").count(),
        120
    );
    assert_eq!(events.iter().filter(|e| e.1 == "bob" && e.2 == "delivery").count(), 120);
    assert_eq!(events.iter().filter(|e| e.1 == "bob" && e.2 == "renewal").count(), 10);
    assert_eq!(events.iter().filter(|e| e.1 == "carol").count(), 2, "{events:?}");
    for account in ["alice", "bob", "carol"] {
        assert_eq!(
            once.json(&["balance", account]),
            stepped.json(&["balance", account]),
            "{account}"
        );
        assert_eq!(
            comparable_history(&once, account),
            comparable_history(&stepped, account),
            "{account}"
        );
    }
    assert_eq!(once.balance("alice"), (1000, 10));
    assert_eq!(once.balance("bob"), (1000, 10));
    assert_eq!(once.balance("carol"), (0, 0));
    assert_eq!(once.json(&["balance"]), stepped.json(&["balance"]));
    verified(&once);
    verified(&stepped);
}

#[test]
fn balance_announces_what_the_next_delivery_will_cut() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["buy", "alice", "credits-1000"]);
    w.ok(&["subscribe", "alice", MONTHLY]);
    w.ok(&["generate", "alice", "--style", "artist:monet", "--count", "3"]);
    w.ok(&["license", "alice", "img-1"]);
    // 497 / 4 are under the cap: the next delivery cuts nothing.
    let out = w.ok(&["balance", "alice"]);
    assert!(!out.contains("rollover cap"), "{out}");

    advance(&w, &["1mo"]);
    // After the second delivery 997 / 9 are held: the third cuts 497 / 4.
    let out = w.ok(&["balance", "alice"]);
    assert!(
        out.contains("at 2026-03-15T10:00:00Z: 497 credits and 4 licenses over the rollover cap expire"),
        "{out}"
    );
    let b = w.json(&["balance", "alice"]);
    let cut: Vec<_> = b["at_risk"]
        .as_array()
        .expect("at_risk")
        .iter()
        .filter(|r| r["kind"] == "rollover_cut")
        .collect();
    assert_eq!(cut.len(), 1, "{b}");
    assert_eq!(
        (cut[0]["credits"].as_u64(), cut[0]["licenses"].as_u64()),
        (Some(497), Some(4))
    );

    // Spending 100 credits from the at-risk lot shrinks the announced cut.
    w.ok(&["generate", "alice", "--count", "100"]);
    let out = w.ok(&["balance", "alice"]);
    assert!(
        out.contains("at 2026-03-15T10:00:00Z: 397 credits and 4 licenses over the rollover cap expire"),
        "{out}"
    );

    advance(&w, &["1mo"]);
    let out = w.ok(&["balance", "alice"]);
    assert!(
        out.contains("at 2026-04-15T10:00:00Z: 500 credits and 5 licenses over the rollover cap expire"),
        "{out}"
    );
    // Once cancelling, the period end comes instead of a delivery: no cut,
    // everything the subscription holds is forfeited.
    w.ok(&["cancel", "alice"]);
    let out = w.ok(&["balance", "alice"]);
    assert!(!out.contains("rollover cap"), "{out}");
    assert!(out.contains("2026-04-15T10:00:00Z"), "{out}");
    assert!(out.contains("1000 credits and 10 licenses"), "{out}");
}

#[test]
fn same_instant_events_go_by_phase_then_by_handle() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    // Created out of handle order on purpose.
    for account in ["bob", "dave", "alice", "carol"] {
        w.ok(&["account", "add", account]);
    }
    for account in ["bob", "dave", "alice", "carol"] {
        w.ok(&["subscribe", account, YEARLY]);
    }
    w.ok(&["cancel", "dave"]);
    w.ok(&["cancel", "carol"]);

    let events = advance(&w, &["1mo"]);
    assert_eq!(
        events.iter().map(|e| (e.1.as_str(), e.2.as_str())).collect::<Vec<_>>(),
        [
            ("alice", "delivery"),
            ("bob", "delivery"),
            ("carol", "delivery"),
            ("dave", "delivery")
        ]
    );

    advance(&w, &["--to", "2026-12-20T00:00:00Z"]);
    let events = advance(&w, &["--to", "2027-01-15T10:00:00Z"]);
    assert!(events.iter().all(|e| e.0 == "2027-01-15T10:00:00Z"), "{events:?}");
    assert_eq!(
        events.iter().map(|e| (e.1.as_str(), e.2.as_str())).collect::<Vec<_>>(),
        [
            ("alice", "expiry"),
            ("bob", "expiry"),
            ("carol", "expiry"),
            ("dave", "expiry"),
            ("carol", "forfeit"),
            ("dave", "forfeit"),
            ("alice", "renewal"),
            ("bob", "renewal"),
            ("alice", "delivery"),
            ("bob", "delivery"),
        ]
    );
    assert_eq!(w.balance("alice"), (1000, 10));
    assert_eq!(w.balance("carol"), (0, 0));
}
