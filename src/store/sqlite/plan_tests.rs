//! Every statement a command runs for one account is answered through an
//! index: none scans a table that grows with history (SPEC's support view
//! and issue 8: answers independent of the wallet's size). Each statement
//! the commands below run is recorded and its query plan checked.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::Connection;
use rusqlite::trace::{TraceEvent, TraceEventCodes};

use crate::commands::{Context, replay};
use crate::rules::clock::parse_instant;
use crate::terminal::Terminal;

use super::Store;
use super::schema::MIGRATIONS;
use crate::store::Location;

static STATEMENTS: Mutex<Option<BTreeSet<String>>> = Mutex::new(None);

/// Installed on every connection the store configures in test builds;
/// records statements only while a test collects them.
pub(super) fn trace(conn: &Connection) {
    fn record(event: TraceEvent<'_>) {
        if let TraceEvent::Stmt(_, sql) = event
            && let Ok(mut guard) = STATEMENTS.lock()
            && let Some(set) = guard.as_mut()
        {
            set.insert(sql.to_owned());
        }
    }
    conn.trace_v2(TraceEventCodes::SQLITE_TRACE_STMT, Some(record));
}

/// Tables that grow with every command or clock event, and the aliases the
/// store's queries give them (plans name a table by its alias).
const GROWING: &[&str] = &[
    "operations",
    "o",
    "ledger",
    "e",
    "lots",
    "l",
    "images",
    "i",
    "edits",
    "orders",
    "charges",
    "subscriptions",
    "s",
];

/// Statements whose plan says SCAN but that stop at the first row they find.
const STOP_AT_FIRST_ROW: &[&str] =
    &["SELECT NOT EXISTS (SELECT 1 FROM accounts) AND NOT EXISTS (SELECT 1 FROM operations)"];

const DAY: &str = "
init --now 2026-01-15T10:00:00Z
account add alice
account add bob
buy alice credits-1000
buy alice license --quantity 2
subscribe alice licenses-5-monthly
generate alice --count 2
generate alice --style artist:monet
license alice img-3
edit alice img-1 upscale
train alice mine
generate alice --style private:mine
grant alice --credits 5 --reason goodwill
debit alice --credits 2 --reason over-grant
void 5 --reason mistake
log --limit 5
log --kind grant
log --actor nobody --limit 3
log --account alice --since 2026-01-01 --until 2026-12-01
advance-clock 40d
cancel alice
cancel alice --undo
cancel alice
advance-clock 3mo
balance alice
balance alice --as-of 2026-02-01T00:00:00Z
account show alice
history alice
images alice
";

fn run_day() -> BTreeSet<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("day.scenario");
    std::fs::write(&file, DAY).expect("write scenario");
    let now = parse_instant("2026-01-15T10:00:00Z").expect("instant");
    let pricing = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml"));
    let ctx = Context::new(
        Location::Memory,
        Some(pricing),
        false,
        None,
        now,
        Terminal::of_stdout(false).without_colour(),
    );
    *STATEMENTS.lock().expect("lock") = Some(BTreeSet::new());
    let result = replay::run(&file, &ctx, true, None);
    let seen = STATEMENTS.lock().expect("lock").take().expect("collected");
    result.expect("the day replays");
    seen
}

/// The steps of `sql`'s query plan that read a whole growing table (or a
/// whole index of one).
fn scans(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).expect("explain");
    let nulls = std::iter::repeat_n(rusqlite::types::Null, stmt.parameter_count());
    let plan: Vec<String> = stmt
        .query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
        .and_then(|rows| rows.collect())
        .expect("plan");
    plan.into_iter()
        .filter(|step| {
            // An automatic index is built by reading the whole table.
            let reads_all = step.starts_with("SCAN ") || step.contains("AUTOMATIC");
            let table = step.split_whitespace().nth(1).unwrap_or_default();
            reads_all && GROWING.contains(&table)
        })
        .collect()
}

#[test]
fn no_command_for_one_account_scans_a_growing_table() {
    let seen = run_day();
    let store = Store::open(
        &Location::Memory,
        parse_instant("2026-01-15T10:00:00Z").expect("instant"),
    )
    .expect("open");
    // The check itself finds a scan where there is one.
    assert_eq!(
        scans(&store.conn, "SELECT sum(delta) FROM ledger WHERE account_id = ?1"),
        ["SCAN ledger"]
    );
    let mut checked = 0;
    let mut found = Vec::new();
    for sql in &seen {
        let head = sql.trim_start().to_ascii_uppercase();
        if !["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"]
            .iter()
            .any(|k| head.starts_with(k))
        {
            continue;
        }
        // A schema's own statements (a table made again) run once, on the tables as they were.
        if MIGRATIONS.iter().any(|m| m.sql.contains(sql.trim())) {
            continue;
        }
        checked += 1;
        let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        if STOP_AT_FIRST_ROW.contains(&flat.as_str()) {
            continue;
        }
        for step in scans(&store.conn, sql) {
            found.push(format!("{step}\n    in: {flat}"));
        }
    }
    // The day runs every kind of statement: reads, writes, clock events.
    assert!(checked >= 35, "only {checked} statements recorded");
    assert!(
        found.is_empty(),
        "statements scanning a growing table:\n{}",
        found.join("\n")
    );
}
