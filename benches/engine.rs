//! `cargo bench`: the rules engine and the store paths of issue 8, measured
//! in process with divan. Whole commands against `SQLite`'s own shell, on a
//! wallet of 10,000 accounts, are `python3 benches/perf.py`.

use std::path::PathBuf;
use std::sync::LazyLock;

use clap::Parser;
use wallet::cli::Cli;
use wallet::commands::{self, Context};
use wallet::pricing::{BUILTIN_TEXT, Pricing};
use wallet::rules::clock::{Instant, parse_instant};
use wallet::rules::{self, Asset, Lot, Source, Style, Subscription, SubscriptionStatus, Terms};
use wallet::store::Location;
use wallet::terminal::Terminal;

fn main() {
    // Build the wallet before timing anything that reads it.
    LazyLock::force(&WALLET);
    divan::main();
}

fn instant(text: &str) -> Instant {
    parse_instant(text).expect("a valid instant")
}

static PRICING: LazyLock<Pricing> = LazyLock::new(|| Pricing::parse(BUILTIN_TEXT, "pricing.toml").expect("pricing"));

/// `n` credit lots of 10 credits, expiring a day apart (the burn-down sorts
/// them), plus two subscription lots of licenses.
fn lots(n: usize) -> Vec<Lot> {
    let start = instant("2026-01-01T00:00:00Z");
    let mut lots: Vec<Lot> = (0..n)
        .map(|i| {
            let days = i64::try_from((i * 7919) % n).expect("small");
            Lot {
                id: i64::try_from(i).expect("small") + 1,
                asset: Asset::Credits,
                source: Source::CreditPack,
                granted: 10,
                remaining: 10,
                granted_at: start,
                expires_at: start + chrono::Duration::days(365 + days),
                subscription_id: None,
            }
        })
        .collect();
    for k in 0..2 {
        lots.push(Lot {
            id: 1_000_000 + k,
            asset: Asset::Licenses,
            source: Source::Subscription,
            granted: 5,
            remaining: 5,
            granted_at: start,
            expires_at: start + chrono::Duration::days(60),
            subscription_id: Some(1),
        });
    }
    lots
}

/// Burn-down over many lots: half of all the credits, soonest expiry first.
#[divan::bench(args = [10, 100, 1_000, 10_000])]
fn burn_down(bencher: divan::Bencher<'_, '_>, n: usize) {
    let lots = lots(n);
    let now = instant("2026-06-01T00:00:00Z");
    let half = 10 * n as u64 / 2;
    bencher.bench(|| rules::burn_down(divan::black_box(&lots), Asset::Credits, half, now));
}

/// The `generate` rule on an account with many lots: price, burn-down, effects.
#[divan::bench(args = [10, 1_000])]
fn generate_rule(bencher: divan::Bencher<'_, '_>, n: usize) {
    let lots = lots(n);
    let now = instant("2026-06-01T00:00:00Z");
    bencher.bench(|| {
        rules::generate("alice", divan::black_box(&lots), &[], Style::Base, 3, 1, &PRICING, now).expect("accepted")
    });
}

/// A monthly delivery of a 5-license plan with last month's lots still
/// holding everything: the rollover cut, then the new lots.
#[divan::bench]
fn delivery_with_rollover(bencher: divan::Bencher<'_, '_>) {
    let sub = Subscription {
        id: 1,
        plan: "licenses-5-monthly".into(),
        terms: Terms {
            interval_months: 1,
            licenses_per_month: 5,
            credits_per_month: 0,
            license_bonus_credits: 100,
            rollover_cap_months: Some(1),
            price_cents: 5_500,
            currency: "USD".into(),
        },
        anchor: instant("2026-01-15T10:00:00Z"),
        deliveries: 3,
        periods: 3,
        status: SubscriptionStatus::Active,
        ended_at: None,
    };
    let sub_lots: Vec<Lot> = lots(0)
        .into_iter()
        .chain((0..2).map(|k| Lot {
            id: 2_000 + k,
            asset: Asset::Credits,
            source: Source::Subscription,
            granted: 500,
            remaining: 500,
            granted_at: instant("2026-02-15T10:00:00Z"),
            expires_at: instant("2026-05-15T10:00:00Z"),
            subscription_id: Some(1),
        }))
        .collect();
    bencher.bench(|| rules::deliver(divan::black_box(&sub), divan::black_box(&sub_lots)).expect("delivered"));
}

/// A file wallet of 1,000 accounts after a month of subscriptions and daily
/// spending, built once by replaying a generated scenario.
struct Fixture {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

static WALLET: LazyLock<Fixture> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("wallet.sqlite3");
    let scenario = dir.path().join("month.scenario");
    let mut lines = vec!["init --now 2026-01-01T09:00:00Z".to_owned()];
    for i in 0..1_000 {
        lines.push(format!("account add c{i:04}"));
        lines.push(format!("buy c{i:04} credits-1000"));
        if i % 2 == 0 {
            lines.push(format!("subscribe c{i:04} licenses-5-monthly"));
        }
    }
    for day in 0..30 {
        for i in (day % 4..1_000).step_by(4) {
            lines.push(format!("generate c{i:04} --count 2"));
        }
        lines.push("advance-clock 1d".to_owned());
    }
    std::fs::write(&scenario, lines.join("\n") + "\n").expect("write scenario");
    let path = scenario.to_str().expect("utf-8 path");
    command(&db, &["replay", "--quiet", path]);
    Fixture { _dir: dir, db }
});

/// Runs one command line against `db` in process; returns its output.
fn command(db: &std::path::Path, args: &[&str]) -> String {
    let db = db.to_str().expect("utf-8 path");
    let cli = Cli::parse_from(["wallet", "--db", db].iter().chain(args));
    let pricing = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml"));
    let ctx = Context::new(
        Location::parse(db).expect("a wallet path"),
        Some(pricing),
        false,
        None,
        instant("2026-01-01T09:00:00Z"),
        Terminal::of_stdout(false).without_colour(),
    );
    commands::run(cli, &ctx).expect("the command succeeds")
}

#[divan::bench]
fn balance_account() -> String {
    command(&WALLET.db, &["balance", "c0500"])
}

#[divan::bench]
fn account_show() -> String {
    command(&WALLET.db, &["account", "show", "c0500"])
}

/// One mutating command: its own BEGIN IMMEDIATE, synchronous=FULL commit.
#[divan::bench(sample_count = 50)]
fn generate_command() -> String {
    command(&WALLET.db, &["generate", "c0501"])
}

/// A batch of 1,000 `generate` lines replayed into a fresh in-memory wallet
/// (each line in its own savepoint).
#[divan::bench(sample_count = 10)]
fn replay_1000_lines(bencher: divan::Bencher<'_, '_>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = dir.path().join("lines.scenario");
    let mut text = String::from("init --now 2026-01-01T09:00:00Z\n");
    for i in 0..100 {
        text += &format!("account add a{i:03}\nbuy a{i:03} credits-1000\n");
    }
    for i in 0..1_000 {
        text += &format!("generate a{:03} --count 2\n", i % 100);
    }
    std::fs::write(&scenario, text).expect("write scenario");
    let path = scenario.to_str().expect("utf-8 path").to_owned();
    bencher.bench(|| command(std::path::Path::new(":memory:"), &["replay", "--quiet", &path]));
}
