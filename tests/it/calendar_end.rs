//! Issue 16, item 3: the calendar's end. Random command sequences on
//! wallets whose clock starts in the calendar's last years, with clock
//! advances that reach (or try to pass) 9999-12-31T23:59:59Z: after every
//! step `verify` passes and every read answers (exit 0, or a refusal for an
//! unknown account), and a final advance to the last instant leaves a
//! wallet that still verifies. The binary's own paths are checked by the
//! scenario at the end of this file.

use std::fmt;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{TestError, TestRunner, contextualize_config};

use crate::random;
use wallet::session::Session;

use crate::support::Wallet;

const HANDLES: [&str; 2] = ["a", "b"];
const PLANS: [&str; 4] = [
    "licenses-5-monthly",
    "licenses-5-yearly",
    "licenses-20-monthly",
    "licenses-20-yearly",
];
const PRODUCTS: [&str; 3] = ["credits-500", "license", "licenses-10"];
const LAST: &str = "9999-12-31T23:59:59Z";

fn last_instant() -> DateTime<Utc> {
    LAST.parse().expect("the last instant")
}

/// One command line, as words after `wallet`.
#[derive(Clone)]
struct Line(Vec<String>);

impl fmt::Debug for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

fn line(words: &[&str]) -> Line {
    Line(words.iter().map(|w| (*w).to_owned()).collect())
}

fn format(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A starting clock in the calendar's last years: mostly its last 14
/// months, where periods and one-time terms run past the end; instants on
/// month ends and the last day included.
fn start() -> impl Strategy<Value = DateTime<Utc>> {
    let last = last_instant();
    prop_oneof![
        3 => (0i64..430 * 86_400).prop_map(move |s| last - Duration::seconds(s)),
        1 => (0i64..6 * 366 * 86_400).prop_map(move |s| last - Duration::seconds(s)),
        1 => prop::sample::select(vec![
            "9998-12-20T00:00:00Z",
            "9998-12-31T23:59:59Z",
            "9998-11-30T10:00:00Z",
            "9999-01-31T23:59:59Z",
            "9999-11-30T23:59:59Z",
            "9999-12-31T00:00:00Z",
            "9996-02-29T12:00:00Z",
        ])
        .prop_map(|t| t.parse().expect("instant")),
    ]
}

/// An advance: a step of any unit (some past the calendar: refused), or
/// `--to` an instant near the end, the last instant, or its date.
fn advance() -> impl Strategy<Value = Line> {
    let last = last_instant();
    prop_oneof![
        (1u32..=48, prop::sample::select(vec!["h", "d", "w", "mo", "y"]))
            .prop_map(|(n, unit)| Line(vec!["advance-clock".into(), format!("{n}{unit}")])),
        Just(line(&["advance-clock", "--to", LAST])),
        Just(line(&["advance-clock", "--to", "9999-12-31"])),
        Just(line(&["advance-clock", "9000y"])),
        (0i64..400 * 86_400).prop_map(move |s| Line(vec![
            "advance-clock".into(),
            "--to".into(),
            format(last - Duration::seconds(s))
        ])),
    ]
}

fn step() -> impl Strategy<Value = Line> {
    let handle = prop::sample::select(HANDLES.to_vec());
    prop_oneof![
        3 => advance(),
        2 => (handle.clone(), prop::sample::select(PLANS.to_vec()))
            .prop_map(|(h, p)| line(&["subscribe", h, p])),
        1 => handle.clone().prop_map(|h| line(&["cancel", h])),
        1 => handle.clone().prop_map(|h| line(&["cancel", h, "--undo"])),
        1 => (handle.clone(), prop::sample::select(PRODUCTS.to_vec()), 1u32..=3)
            .prop_map(|(h, p, n)| Line(vec!["buy".into(), h.into(), p.into(), "--quantity".into(), n.to_string()])),
        2 => (handle.clone(), 1u32..=40)
            .prop_map(|(h, n)| Line(vec!["generate".into(), h.into(), "--count".into(), n.to_string()])),
        1 => handle.prop_map(|h| line(&["account", "add", h])),
    ]
}

/// A pricing file: the built-in one, or one whose one-time lots never
/// expire and whose rollover is unlimited.
fn pricing(variant: bool, dir: &std::path::Path) -> Option<PathBuf> {
    if !variant {
        return None;
    }
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml")).expect("pricing");
    let edited = text
        .replacen("one_time_expiry_months = 12", "one_time_expiry_months = \"never\"", 1)
        .replacen("rollover_cap_months = 1", "rollover_cap_months = \"unlimited\"", 1);
    assert_ne!(edited, text);
    let path = dir.join("never.toml");
    std::fs::write(&path, edited).expect("write pricing");
    Some(path)
}

/// Runs `words`; a failure other than a refusal by a rule (3), or for a
/// clock advance a target it cannot reach (2: past the calendar's end), is
/// a defect.
fn run(s: &mut Session, words: &[String]) -> Result<(), String> {
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let unreachable = if refs[0] == "advance-clock" { 2 } else { 3 };
    match s.run(&refs) {
        Ok(_) => Ok(()),
        Err(e) if e.exit_code() == 3 || e.exit_code() == unreachable => Ok(()),
        Err(e) => Err(format!("`{}` failed with exit {}: {e}", words.join(" "), e.exit_code())),
    }
}

/// `verify` passes and, with `reads` (after every clock advance and at the
/// end), the reads answer: the list of accounts, each account's screen
/// (totals, lots, subscription, upcoming events), history and balance.
fn check(s: &mut Session, reads: bool) -> Result<(), String> {
    s.run(&["verify"]).map_err(|e| format!("verify failed: {e}"))?;
    if !reads {
        return Ok(());
    }
    s.run(&["account", "list"])
        .map_err(|e| format!("account list failed: {e}"))?;
    for h in HANDLES {
        for read in [
            &["--json", "account", "show", h][..],
            &["--json", "history", h],
            &["balance", h],
        ] {
            match s.run(read) {
                Ok(_) => {}
                // The account may not exist yet.
                Err(e) if e.exit_code() == 3 && e.to_string().contains("no account named") => {}
                Err(e) => return Err(format!("{read:?} failed with exit {}: {e}", e.exit_code())),
            }
        }
    }
    Ok(())
}

fn case(start: DateTime<Utc>, never: bool, steps: &[Line]) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut s = Session::open(":memory:", pricing(never, dir.path()), start).map_err(|e| format!("open: {e}"))?;
    s.run(&["init", "--now", &format(start)])
        .map_err(|e| format!("init: {e}"))?;
    for h in HANDLES {
        run(&mut s, &line(&["account", "add", h]).0)?;
    }
    check(&mut s, true)?;
    for (i, step) in steps.iter().enumerate() {
        run(&mut s, &step.0).map_err(|e| format!("step {}: {e}", i + 1))?;
        let advanced = step.0[0] == "advance-clock";
        check(&mut s, advanced).map_err(|e| format!("after step {} ({step:?}): {e}", i + 1))?;
    }
    run(&mut s, &line(&["advance-clock", "--to", LAST]).0)?;
    check(&mut s, true).map_err(|e| format!("at the last instant: {e}"))?;
    // Nothing goes past the end: the clock cannot move on.
    match s.run(&["advance-clock", "1h"]) {
        Err(e) if e.exit_code() == 2 => Ok(()),
        other => Err(format!(
            "an advance past the calendar's end: {:?}",
            other.map_err(|e| e.to_string())
        )),
    }
}

/// Random cases (200 at the quick depth, 5,000 at the full one, split over
/// two tests so both test threads work): `verify` after every step.
fn verify_passes_after_every_step_up_to_the_calendars_end(shard: u32) {
    let name = format!("calendar_end::verify_passes_after_every_step_up_to_the_calendars_end_{shard}");
    let mut config = contextualize_config(random::config(&name, 100, 2500));
    config.max_shrink_iters = 200;
    let mut runner = TestRunner::new(config);
    let strategy = (start(), any::<bool>(), vec(step(), 1..12));
    match runner.run(&strategy, |(start, never, steps)| {
        case(start, never, &steps).map_err(TestCaseError::fail)
    }) {
        Ok(()) => {}
        Err(TestError::Fail(why, (start, never, steps))) => panic!(
            "from {} ({} pricing), steps {steps:#?}:\n{why}\nreplay: {}",
            format(start),
            if never { "never-expiring" } else { "built-in" },
            random::replay_command(&name)
        ),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn verify_passes_after_every_step_up_to_the_calendars_end_0() {
    verify_passes_after_every_step_up_to_the_calendars_end(0);
}

#[test]
fn verify_passes_after_every_step_up_to_the_calendars_end_1() {
    verify_passes_after_every_step_up_to_the_calendars_end(1);
}

/// The reproduction through the binary (whose clock advance is a
/// bulk write and whose reads open the file read-only).
#[test]
fn a_monthly_plan_bought_a_year_before_the_end_ends_with_its_last_period() {
    let w = Wallet::at("9998-12-20T00:00:00Z");
    w.ok(&["account", "add", "a"]);
    w.ok(&["subscribe", "a", "licenses-5-monthly"]);
    w.ok(&["advance-clock", "--to", LAST]);
    w.ok(&["verify"]);
    let history = w.json(&["history", "a"]);
    let entries = history.as_array().expect("entries");
    let renewals = entries.iter().filter(|e| e["kind"] == "renewal").count();
    assert_eq!(
        renewals, 11,
        "12 whole months were paid: the first charge and 11 renewals"
    );
    let last = entries.last().expect("an entry");
    assert_eq!(last["at"], "9999-12-20T00:00:00Z");
    assert_eq!(last["reason"], "forfeited");
    assert!(
        last["summary"]
            .as_str()
            .is_some_and(|s| s.contains("end of the wallet's calendar")),
        "{last}"
    );
    let balance = w.json(&["balance", "a"]);
    assert_eq!(balance["subscription"]["status"], "ended", "{balance}");
    assert_eq!(
        balance["subscription"]["period_end"], "9999-12-20T00:00:00Z",
        "{balance}"
    );
    // An account opened in the last year keeps its signup credits for good.
    w.ok(&["account", "add", "late"]);
    let late = w.json(&["balance", "late"]);
    assert_eq!(late["lots"][0]["expires_at"], "never", "{late}");
    assert_eq!(late["credits"], 10);
    w.ok(&["verify"]);
}

/// Before the end, `account show` announces the forfeiture instead of a
/// renewal, and `balance` lists it at risk.
#[test]
fn the_last_period_is_announced_as_an_ending() {
    let w = Wallet::at("9999-06-30T12:00:00Z");
    w.ok(&["account", "add", "a"]);
    w.ok(&["subscribe", "a", "licenses-5-monthly"]);
    w.ok(&["advance-clock", "--to", "9999-12-01"]);
    let show = w.json(&["account", "show", "a"]);
    let upcoming = show["upcoming"].as_array().expect("upcoming");
    assert!(upcoming.iter().all(|e| e["kind"] != "renewal"), "{show}");
    assert!(
        upcoming
            .iter()
            .any(|e| e["kind"] == "forfeiture" && e["at"] == "9999-12-30T12:00:00Z"),
        "{show}"
    );
    let text = w.ok(&["balance", "a"]);
    assert!(text.contains("calendar's last whole period"), "{text}");
    let refused = w.run(&["subscribe", "a", "licenses-5-yearly"]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
}
