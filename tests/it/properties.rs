//! Property test (issues 7 and 16): random sequences of commands and clock
//! advances, under the default pricing and edited ones, run against the real
//! wallet and against the reference model of `model.rs`. The wallet (a file,
//! or a database of its own under `WALLET_TEST_BACKEND=postgres`) is driven
//! through `Session`, which dispatches each line exactly as the binary
//! does (reads through read-only opens, a clock advance as a bulk write); some
//! cases also ask the binary itself at the end. After every step the outcome
//! (done, or refused with the same exit code), every account's credits,
//! licenses, lots and subscription (running, ended or none, with its price)
//! must agree, and `verify` must pass; at the end of a case every account's
//! ledger (amounts by instant, reason and asset), its images' licensed state,
//! and every order and charge must agree too. A failure shrinks to a minimal
//! sequence and shows the steps and the first difference.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Duration;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{TestError, TestRunner, contextualize_config};
use serde_json::Value;
use wallet::session::Session;

use crate::model::{self, Asset, Instant, Model, Outcome, Pricing, Status};
use crate::random;
use crate::support::{Wallet, command, on_postgres};

/// The handles the steps use: two valid ones, and one SPEC §1 forbids.
const HANDLES: [&str; 2] = ["alice", "bob"];
const INVALID_HANDLE: &str = "al!ce";
/// Random steps after the first `account add`s (1–32 steps in all). Each
/// case runs on a file wallet with the binary's read-only opens: 500 cases
/// take about 45 s in a debug build on 2 busy cores (1,000 cases on
/// `:memory:`, before issue 16, took about 25 s on quiet ones).
const MAX_STEPS: usize = 30;

/// An image argument: the k-th image of the step's own account (k modulo
/// how many it has; `img-0`, which never exists, when it has none), or a
/// literal `img-N` that may be missing or another account's.
#[derive(Clone, Copy)]
enum Image {
    Own(usize),
    Id(u32),
}

impl Image {
    fn resolve(self, m: &Model, handle: &str) -> String {
        let own: Vec<usize> = (m.images.iter().enumerate())
            .filter(|(_, image)| image.account == handle)
            .map(|(i, _)| i + 1)
            .collect();
        match self {
            Image::Id(n) => format!("img-{n}"),
            Image::Own(_) if own.is_empty() => "img-0".to_owned(),
            Image::Own(k) => format!("img-{}", own[k % own.len()]),
        }
    }
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Image::Own(k) => write!(f, "<own image #{k}>"),
            Image::Id(n) => write!(f, "img-{n}"),
        }
    }
}

/// One command line after `init`.
#[derive(Clone)]
enum Step {
    Add(&'static str),
    Buy(&'static str, &'static str, u64),
    Subscribe(&'static str, &'static str),
    Cancel(&'static str, bool),
    Generate(&'static str, &'static str, u64),
    Edit(&'static str, Image, &'static str),
    Train(&'static str, &'static str),
    License(&'static str, Image),
    /// `advance-clock N<unit>`, unit `h`, `d`, `w`, `mo` or `y`.
    Advance(u32, &'static str),
    /// `advance-clock --to T`, T this many hours from the clock (never 0;
    /// before it is refused), as an instant or, when `true`, as its date.
    AdvanceTo(i64, bool),
    /// `grant` and `debit` of credits and licenses (neither is a usage error).
    Grant(&'static str, Option<u64>, Option<u64>),
    Debit(&'static str, Option<u64>, Option<u64>),
    /// `void` of the k-th buy or grant (k modulo how many there are; an
    /// unknown id when there is none).
    Void(usize),
}

/// `--credits N --licenses N`, each when given.
fn amounts(credits: Option<u64>, licenses: Option<u64>) -> String {
    let flag = |name: &str, n: Option<u64>| n.map(|n| format!(" --{name} {n}")).unwrap_or_default();
    format!("{}{}", flag("credits", credits), flag("licenses", licenses))
}

/// An operation id no wallet of a case reaches.
const UNKNOWN_OPERATION: i64 = 999_999;

impl Step {
    /// The `--to` target: an instant `hours` from the clock, or (`date`)
    /// that instant's date (midnight UTC; the next day's when that is the
    /// clock itself). The model takes the instant as it is, never parsing
    /// what the wallet is given: a bug in the wallet's parser is a
    /// difference, not a copy.
    fn target_instant(m: &Model, hours: i64, date: bool) -> Instant {
        let t = m.clock + Duration::hours(hours);
        if !date {
            return t;
        }
        let midnight = t.date_naive().and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        if midnight == m.clock {
            midnight + Duration::days(1)
        } else {
            midnight
        }
    }

    /// The `--to` argument as the wallet is given it: the instant in
    /// RFC 3339, or the date alone.
    fn target(m: &Model, hours: i64, date: bool) -> String {
        let t = Step::target_instant(m, hours, date);
        if date {
            t.format("%Y-%m-%d").to_string()
        } else {
            rfc3339(t)
        }
    }
}

impl Step {
    /// The command line, with image arguments resolved against the model
    /// and a void's against `purchases`, the wallet's buy and grant
    /// operations in order.
    fn words(&self, m: &Model, purchases: &[i64]) -> Vec<String> {
        let voided = |k: usize| match purchases.len() {
            0 => UNKNOWN_OPERATION.to_string(),
            n => purchases[k % n].to_string(),
        };
        let line = self.line(
            |image, handle| image.resolve(m, handle),
            |h, d| Step::target(m, h, d),
            voided,
        );
        line.split(' ').map(str::to_owned).collect()
    }

    /// The command line, with `image` writing the image arguments and
    /// `target` the `--to` instants.
    fn line(
        &self,
        image: impl Fn(Image, &str) -> String,
        target: impl Fn(i64, bool) -> String,
        voided: impl Fn(usize) -> String,
    ) -> String {
        match *self {
            Step::Add(a) => format!("account add {a}"),
            Step::Buy(a, p, q) => format!("buy {a} {p} --quantity {q}"),
            Step::Subscribe(a, p) => format!("subscribe {a} {p}"),
            Step::Cancel(a, false) => format!("cancel {a}"),
            Step::Cancel(a, true) => format!("cancel {a} --undo"),
            Step::Generate(a, s, n) => format!("--json generate {a} --style {s} --count {n}"),
            Step::Edit(a, i, op) => format!("edit {a} {} {op}", image(i, a)),
            Step::Train(a, s) => format!("train {a} {s}"),
            Step::License(a, i) => format!("license {a} {}", image(i, a)),
            Step::Advance(n, unit) => format!("advance-clock {n}{unit}"),
            Step::AdvanceTo(hours, date) => format!("advance-clock --to {}", target(hours, date)),
            Step::Grant(a, c, l) => format!("grant {a}{} --reason goodwill", amounts(c, l)),
            Step::Debit(a, c, l) => format!("debit {a}{} --reason over-grant", amounts(c, l)),
            Step::Void(k) => format!("void {} --reason mistake", voided(k)),
        }
    }

    /// The same command on the model (`words` are its resolved arguments);
    /// `generate` returns its image ids.
    fn apply(&self, m: &mut Model, words: &[&str]) -> Outcome<Option<Vec<String>>> {
        match *self {
            Step::Add(a) => m.add_account(a),
            Step::Buy(a, p, q) => m.buy(a, p, q),
            Step::Subscribe(a, p) => m.subscribe(a, p),
            Step::Cancel(a, undo) => m.cancel(a, undo),
            Step::Generate(a, s, n) => return m.generate(a, s, n).map(Some),
            Step::Edit(a, _, op) => m.edit(a, words[2], op),
            Step::Train(a, s) => m.train(a, s),
            Step::License(a, _) => m.license(a, words[2]),
            Step::Advance(n, unit) => {
                let to = match unit {
                    "h" => m.clock + Duration::hours(n.into()),
                    "d" => m.clock + Duration::days(n.into()),
                    "w" => m.clock + Duration::weeks(n.into()),
                    "y" => model::months_after(m.clock, 12 * n),
                    _ => model::months_after(m.clock, n),
                };
                m.advance(to)
            }
            Step::AdvanceTo(hours, date) => m.advance(Step::target_instant(m, hours, date)),
            Step::Grant(a, c, l) => m.grant(a, c, l),
            Step::Debit(a, c, l) => m.debit(a, c, l),
            Step::Void(k) => {
                let n = m.purchases.len();
                m.void((n > 0).then(|| k % n))
            }
        }
        .map(|()| None)
    }
}

/// How proptest shows a case: command lines, an own image as `<own image #k>`.
impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = |hours, date| format!("<{hours}h from the clock{}>", if date { ", its date" } else { "" });
        let voided = |k| format!("<buy or grant #{k}>");
        write!(
            f,
            "wallet {}",
            self.line(|image, _| format!("{image:?}"), target, voided)
        )
    }
}

fn handle() -> impl Strategy<Value = &'static str> {
    prop_oneof![9 => Just(HANDLES[0]), 9 => Just(HANDLES[1]), 2 => Just(INVALID_HANDLE)]
}

fn step() -> impl Strategy<Value = Step> {
    let product = prop_oneof![
        Just("credits-500"),
        Just("credits-1000"),
        Just("license"),
        Just("licenses-10"),
        Just("credits-42"), // unknown
    ];
    let plan = prop_oneof![
        Just("licenses-5-monthly"),
        Just("licenses-5-yearly"),
        Just("licenses-20-monthly"),
        Just("licenses-20-yearly"),
        Just("credits-300-monthly"), // only in the edited pricings
        Just("licenses-7-monthly"),  // unknown
    ];
    let style = prop_oneof![
        1 => Just("base"),
        1 => Just("agentic"),
        2 => Just("artist:x"),
        1 => Just("private:mine"),
        1 => Just("private:other"),
    ];
    let op = prop_oneof![
        Just("instruct"),
        Just("replace"),
        Just("recreate"),
        Just("erase"),
        Just("upscale"),
        Just("remove-background"),
        Just("vectorize"),
    ];
    let image = || prop_oneof![4 => (0..8usize).prop_map(Image::Own), 1 => (0..=40u32).prop_map(Image::Id)];
    // The bounds too: 1..=100 images, 1..=1000 units (0 and one past are usage errors).
    let count = prop_oneof![12 => 1..=5u64, 4 => 6..=30u64, 1 => Just(100u64), 1 => prop_oneof![Just(0u64), Just(101)]];
    let quantity = prop_oneof![12 => 1..=3u64, 1 => Just(1000u64), 1 => prop_oneof![Just(0u64), Just(1001)]];
    let unit = prop_oneof![2 => Just("h"), 3 => Just("d"), 1 => Just("w"), 4 => Just("mo"), 1 => Just("y")];
    let advance = (1..=14u32, unit).prop_map(|(n, u)| Step::Advance(if u == "y" { n.div_ceil(5) } else { n }, u));
    let hours = prop_oneof![4 => 1..=24 * 45i64, 1 => -24 * 3..=-1i64];
    prop_oneof![
        1 => handle().prop_map(Step::Add),
        3 => (handle(), product, quantity).prop_map(|(a, p, q)| Step::Buy(a, p, q)),
        2 => (handle(), plan).prop_map(|(a, p)| Step::Subscribe(a, p)),
        2 => (handle(), any::<bool>()).prop_map(|(a, u)| Step::Cancel(a, u)),
        4 => (handle(), style, count).prop_map(|(a, s, n)| Step::Generate(a, s, n)),
        3 => (handle(), image(), op).prop_map(|(a, i, op)| Step::Edit(a, i, op)),
        1 => (handle(), prop_oneof![Just("mine"), Just("other")]).prop_map(|(a, s)| Step::Train(a, s)),
        3 => (handle(), image()).prop_map(|(a, i)| Step::License(a, i)),
        3 => advance,
        1 => (hours, any::<bool>()).prop_map(|(h, date)| Step::AdvanceTo(h, date)),
        2 => (handle(), correction(), correction()).prop_map(|(a, c, l)| Step::Grant(a, c, l)),
        2 => (handle(), correction(), correction()).prop_map(|(a, c, l)| Step::Debit(a, c, l)),
        2 => (0..6usize).prop_map(Step::Void),
    ]
}

/// An amount for `grant` or `debit`: mostly small, sometimes left out.
fn correction() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![2 => Just(None), 4 => (1..=60u64).prop_map(Some), 1 => (500..=2000u64).prop_map(Some)]
}

/// The wallet's `buy` and `grant` operations, oldest first: what a `void`
/// step names.
fn purchase_ids(s: &mut Session) -> Result<Vec<i64>, String> {
    let mut ids = Vec::new();
    for kind in ["buy", "grant"] {
        let out = s
            .run(&["--json", "log", "--kind", kind])
            .map_err(|e| format!("log --kind {kind}: {e}"))?;
        let v: Value = serde_json::from_str(&out).map_err(|e| format!("log printed no JSON ({e}): {out}"))?;
        ids.extend(
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["operation"].as_i64()),
        );
    }
    ids.sort_unstable();
    Ok(ids)
}

/// A case: `account add` for none, one or (most often) both handles, so most
/// steps have an account to act on; then the random steps.
fn steps() -> impl Strategy<Value = Vec<Step>> {
    let add = |handle| prop::bool::weighted(0.85).prop_map(move |yes| yes.then_some(Step::Add(handle)));
    let adds = (add(HANDLES[0]), add(HANDLES[1])).prop_map(|(a, b)| [a, b].into_iter().flatten().collect::<Vec<_>>());
    (adds, vec(step(), 1..=MAX_STEPS)).prop_map(|(mut adds, steps)| {
        adds.extend(steps);
        adds
    })
}

/// Starting clocks, some on month ends (SPEC §2 clamping).
fn start() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("2026-01-15T10:00:00Z"),
        Just("2026-01-31T23:30:00Z"),
        Just("2028-02-29T12:00:00Z"),
        Just("2026-03-31T00:00:00Z"),
    ]
}

fn rfc3339(t: Instant) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The pricings a case runs under: the built-in file and two edited ones.
fn pricing() -> impl Strategy<Value = &'static Pricing> {
    prop_oneof![
        2 => Just(&model::DEFAULT_PRICING),
        1 => Just(&model::CAP_2_EUR),
        1 => Just(&model::UNLIMITED_JPY),
    ]
}

/// What the model says `balance ACCOUNT --json` must show, in comparable form.
fn expected_balance(m: &Model, handle: &str) -> Option<Value> {
    let account = m.accounts.get(handle)?;
    let mut lots: Vec<_> = (account.lots.iter())
        .filter(|l| l.remaining > 0 && m.clock < l.expires_at)
        .map(|l| {
            let (source, asset) = (l.source.name().to_owned(), l.asset.name().to_owned());
            (
                source,
                asset,
                l.granted,
                l.remaining,
                rfc3339(l.granted_at),
                rfc3339(l.expires_at),
            )
        })
        .collect();
    lots.sort();
    let subscription = match &account.subscription {
        Some(s) => {
            let status = match s.status {
                Status::Active => "active",
                Status::Cancelling => "cancelling",
                Status::Ended => "ended",
            };
            // a cancelling subscription delivers only inside its paid period (SPEC §5)
            let delivers = s.status == Status::Active || (s.running() && s.next_delivery() < s.period_end());
            serde_json::json!({
                "plan": s.plan.id,
                "status": status,
                "price_cents": s.plan.price_cents,
                "currency": s.currency,
                "period_end": rfc3339(s.period_end()),
                "next_delivery": delivers.then(|| rfc3339(s.next_delivery())),
                "ended_at": s.ended_at.map(rfc3339),
            })
        }
        None => Value::Null,
    };
    Some(serde_json::json!({
        "credits": account.balance(Asset::Credits, m.clock),
        "licenses": account.balance(Asset::Licenses, m.clock),
        "lots": lots,
        "subscription": subscription,
    }))
}

/// The real `balance ACCOUNT --json`, in the same form.
fn actual_balance(s: &mut Session, handle: &str) -> Result<Option<Value>, String> {
    let out = match s.run(&["--json", "balance", handle]) {
        Ok(out) => out,
        Err(e) if e.exit_code() == model::REFUSED => return Ok(None),
        Err(e) => return Err(format!("balance {handle} failed with exit {}: {e}", e.exit_code())),
    };
    let v: Value = serde_json::from_str(&out).map_err(|e| format!("balance {handle}: no JSON ({e}): {out}"))?;
    let lot = |l: &Value| -> Option<_> {
        let text = |key: &str| l[key].as_str().map(str::to_owned);
        let (granted, remaining) = (l["granted"].as_u64()?, l["remaining"].as_u64()?);
        Some((
            text("source")?,
            text("asset")?,
            granted,
            remaining,
            text("granted_at")?,
            text("expires_at")?,
        ))
    };
    let lots: Option<Vec<_>> = v["lots"].as_array().and_then(|lots| lots.iter().map(lot).collect());
    let mut lots = lots.ok_or_else(|| format!("balance {handle}: malformed lots: {out}"))?;
    lots.sort();
    let sub = &v["subscription"];
    let subscription = match sub["status"].as_str() {
        Some("active" | "cancelling" | "ended") => serde_json::json!({
            "plan": sub["plan"],
            "status": sub["status"],
            "price_cents": sub["price_cents"],
            "currency": sub["currency"],
            "period_end": sub["period_end"],
            "next_delivery": sub["next_delivery"],
            "ended_at": sub["ended_at"],
        }),
        None if sub.is_null() => Value::Null,
        _ => return Err(format!("balance {handle}: a subscription of no known status: {out}")),
    };
    Ok(Some(serde_json::json!({
        "credits": v["credits"],
        "licenses": v["licenses"],
        "lots": lots,
        "subscription": subscription,
    })))
}

/// A ledger in comparable form: the net change by (instant, reason, asset),
/// entries that move nothing left out. Which lots an amount came from is
/// checked by the lots of every step; this checks every amount's reason.
type Ledger = BTreeMap<(String, String, String), i64>;

fn expected_ledger(m: &Model, handle: &str) -> Ledger {
    let mut ledger = Ledger::new();
    for e in m.accounts.get(handle).map_or(&[][..], |a| &a.ledger) {
        let key = (rfc3339(e.at), e.reason.to_owned(), e.asset.name().to_owned());
        *ledger.entry(key).or_default() += e.change;
    }
    ledger.retain(|_, change| *change != 0);
    ledger
}

/// What `run` prints, parsed; `Ok(None)` for an unknown account.
fn json_of(s: &mut Session, words: &[&str]) -> Result<Option<Value>, String> {
    match s.run(words) {
        Ok(out) => serde_json::from_str(&out)
            .map(Some)
            .map_err(|e| format!("{words:?}: no JSON ({e}): {out}")),
        Err(e) if e.exit_code() == model::REFUSED => Ok(None),
        Err(e) => Err(format!("{words:?} failed with exit {}: {e}", e.exit_code())),
    }
}

fn actual_ledger(s: &mut Session, handle: &str) -> Result<Ledger, String> {
    let mut ledger = Ledger::new();
    let Some(history) = json_of(s, &["--json", "history", handle])? else {
        return Ok(ledger);
    };
    for e in history.as_array().ok_or("history is no list")? {
        let text = |key: &str| e[key].as_str().map(str::to_owned);
        let change = e["change"]
            .as_i64()
            .ok_or_else(|| format!("an entry with no change: {e}"))?;
        if change == 0 {
            continue; // an operation that moved nothing (renewal, cancel…)
        }
        let key = (|| Some((text("at")?, text("reason")?, text("asset")?)))()
            .ok_or_else(|| format!("a malformed entry: {e}"))?;
        *ledger.entry(key).or_default() += change;
    }
    ledger.retain(|_, change| *change != 0);
    Ok(ledger)
}

/// An account's images as (id, requires a license, licensed).
fn expected_images(m: &Model, handle: &str) -> Vec<(String, bool, bool)> {
    (m.images.iter().enumerate())
        .filter(|(_, image)| image.account == handle)
        .map(|(i, image)| (format!("img-{}", i + 1), image.needs_license, image.licensed))
        .collect()
}

fn actual_images(s: &mut Session, handle: &str) -> Result<Vec<(String, bool, bool)>, String> {
    let Some(images) = json_of(s, &["--json", "images", handle])? else {
        return Ok(Vec::new());
    };
    let image = |i: &Value| {
        Some((
            i["id"].as_str()?.to_owned(),
            i["requires_license"].as_bool()?,
            i["licensed"].as_bool()?,
        ))
    };
    let list = images.as_array().ok_or("images is no list")?;
    let mut images: Vec<_> = list
        .iter()
        .map(image)
        .collect::<Option<_>>()
        .ok_or("a malformed image")?;
    images.sort_by_key(|(id, ..)| id[4..].parse::<u64>().unwrap_or(0));
    Ok(images)
}

/// Every order and charge, as text lines, sorted.
fn expected_money(m: &Model) -> Vec<String> {
    let orders = m.orders.iter().map(|o| {
        format!(
            "order {} {} ×{} {} {} at {}",
            o.account,
            o.product,
            o.quantity,
            o.price_cents,
            o.currency,
            rfc3339(o.at)
        )
    });
    let charges = m.charges.iter().map(|c| {
        format!(
            "charge {} {} {} for {}..{} at {}",
            c.account,
            c.amount_cents,
            c.currency,
            rfc3339(c.period_start),
            rfc3339(c.period_end),
            rfc3339(c.at)
        )
    });
    let mut money: Vec<String> = orders.chain(charges).collect();
    money.sort();
    money
}

/// The wallet's orders and charges, read straight from it.
fn actual_money(w: &Wallet) -> Vec<String> {
    if !w.exists() {
        return Vec::new();
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "NULL".to_owned());
    let instant = |v: &Option<String>| match v.as_deref().map(str::parse::<i64>) {
        Some(Ok(secs)) => wallet::rules::clock::from_unix(secs).map_or(format!("<{secs}>"), rfc3339),
        _ => format!("<{v:?}>"),
    };
    let mut money: Vec<String> = w
        .rows(
            "SELECT a.handle, o.product, o.quantity, o.price_cents, o.currency, o.at
             FROM orders o JOIN accounts a ON a.id = o.account_id",
        )
        .iter()
        .map(|r| {
            format!(
                "order {} {} ×{} {} {} at {}",
                text(&r[0]),
                text(&r[1]),
                text(&r[2]),
                text(&r[3]),
                text(&r[4]),
                instant(&r[5])
            )
        })
        .collect();
    money.extend(
        w.rows(
            "SELECT a.handle, c.amount_cents, c.currency, c.period_start, c.period_end, c.at
             FROM charges c JOIN accounts a ON a.id = c.account_id",
        )
        .iter()
        .map(|r| {
            format!(
                "charge {} {} {} for {}..{} at {}",
                text(&r[0]),
                text(&r[1]),
                text(&r[2]),
                instant(&r[3]),
                instant(&r[4]),
                instant(&r[5])
            )
        }),
    );
    money.sort();
    money
}

/// One case in eight also asks the real binary at the end: its answers on
/// the wallet must be the session's, byte for byte.
static CASES: AtomicUsize = AtomicUsize::new(0);

fn binary_agrees(s: &mut Session, w: &Wallet, pricing: Option<&std::path::Path>) -> Result<(), String> {
    let (home, db) = (w.dir.path(), &w.db);
    let mut reads: Vec<Vec<&str>> = vec![vec!["--json", "balance"], vec!["verify"]];
    for handle in HANDLES {
        reads.push(vec!["--json", "history", handle]);
        reads.push(vec!["--json", "images", handle]);
    }
    for words in reads {
        let mut binary = command(home);
        binary.arg("--db").arg(db);
        if let Some(pricing) = pricing {
            binary.arg("--pricing").arg(pricing);
        }
        let out = binary
            .args(&words)
            .output()
            .map_err(|e| format!("cannot run wallet: {e}"))?;
        let session = s.run(&words).map_err(|e| (e.exit_code(), e.to_string()));
        let binary = match out.status.code() {
            Some(0) => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
            code => Err((code.unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())),
        };
        let same = match (&session, &binary) {
            (Ok(a), Ok(b)) => a == b,
            (Err((a, _)), Err((b, _))) => a == b,
            _ => false,
        };
        if !same {
            return Err(format!(
                "`wallet {}`: the binary answered {binary:?}, the session {session:?}",
                words.join(" ")
            ));
        }
    }
    Ok(())
}

/// A new wallet file, so reads take the binary's read-only opens (in
/// memory, where fsync costs nothing, when the machine has a /dev/shm).
fn new_file() -> Result<Wallet, String> {
    let dir = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .map_err(|e| format!("temp dir: {e}"))?;
    let db = dir.path().join("wallet.sqlite3");
    Ok(Wallet::in_folder(dir, db))
}

/// Runs `steps` on both sides; `Err` describes the first difference. The
/// wallet is a new file, or `server`'s database emptied.
fn run(server: Option<&Wallet>, start: &str, pricing: &'static Pricing, steps: &[Step]) -> Result<(), String> {
    let now = chrono::DateTime::parse_from_rfc3339(start)
        .expect("start instant")
        .with_timezone(&chrono::Utc);
    if let Some(w) = server {
        w.reset();
    }
    let file = if server.is_some() { None } else { Some(new_file()?) };
    let w = file.as_ref().or(server).expect("a wallet");
    let pricing_file = pricing.file_name.map(|name| w.dir.path().join(name));
    if let Some(file) = &pricing_file {
        std::fs::write(file, pricing.toml()).map_err(|e| format!("pricing file: {e}"))?;
    }
    let mut s = Session::open(w.db.to_str().expect("a UTF-8 path"), pricing_file.clone(), now)
        .map_err(|e| format!("open: {e}"))?;
    s.run(&["init", "--now", start]).map_err(|e| format!("init: {e}"))?;
    let mut m = Model::new(now, pricing);
    let mut transcript = format!(
        "wallet init --now {start}    # pricing: {}\n",
        pricing.file_name.unwrap_or("built in")
    );
    let fail = |transcript: &str, what: String| format!("steps:\n{transcript}first difference: {what}");
    for step in steps {
        let purchases = match step {
            Step::Void(_) => purchase_ids(&mut s)?,
            _ => Vec::new(),
        };
        let words = step.words(&m, &purchases);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let real = s.run(&words).map_err(|e| (e.exit_code(), e.to_string()));
        let expected = step.apply(&mut m, &words);
        let shown = match &real {
            Ok(_) => "ok".to_owned(),
            Err((code, message)) => format!("exit {code}: {}", message.lines().next().unwrap_or("")),
        };
        transcript += &format!("wallet {}    # {shown}\n", words.join(" "));
        let fail = |what: String| fail(&transcript, what);
        match (&real, &expected) {
            (Ok(out), Ok(Some(ids))) => {
                let v: Value =
                    serde_json::from_str(out).map_err(|e| fail(format!("generate printed no JSON ({e})")))?;
                let want = serde_json::json!({ "images": ids, "credits_spent": ids.len() });
                if v != want {
                    return Err(fail(format!("generate printed {v}, the model expects {want}")));
                }
            }
            (Ok(_), Ok(None)) => {}
            (Err((code, _)), Err(want)) if code == want => {}
            (Err(_), Ok(_)) => return Err(fail("the wallet refused, the model accepted".to_owned())),
            (Ok(_), Err(want)) => return Err(fail(format!("the wallet accepted, the model refused with exit {want}"))),
            (Err((code, _)), Err(want)) => return Err(fail(format!("exit {code}, the model says exit {want}"))),
        }
        for handle in HANDLES {
            let actual = actual_balance(&mut s, handle).map_err(fail)?;
            let expected = expected_balance(&m, handle);
            if actual != expected {
                return Err(fail(format!(
                    "balance {handle}\n  wallet: {}\n  model:  {}",
                    show(actual.as_ref()),
                    show(expected.as_ref())
                )));
            }
        }
        if let Err(e) = s.run(&["verify"]) {
            return Err(fail(format!("verify failed (exit {}): {e}", e.exit_code())));
        }
    }
    let fail = |what: String| fail(&transcript, what);
    for handle in HANDLES {
        let (actual, expected) = (
            actual_ledger(&mut s, handle).map_err(fail)?,
            expected_ledger(&m, handle),
        );
        if actual != expected {
            return Err(fail(format!(
                "history {handle} (net change by instant, reason, asset)\n  wallet: {actual:?}\n  model:  {expected:?}"
            )));
        }
        let (actual, expected) = (
            actual_images(&mut s, handle).map_err(fail)?,
            expected_images(&m, handle),
        );
        if actual != expected {
            return Err(fail(format!(
                "images {handle} (id, requires a license, licensed)\n  wallet: {actual:?}\n  model:  {expected:?}"
            )));
        }
    }
    let (actual, expected) = (actual_money(w), expected_money(&m));
    if actual != expected {
        return Err(fail(format!(
            "orders and charges\n  wallet: {actual:#?}\n  model:  {expected:#?}"
        )));
    }
    if CASES.fetch_add(1, Ordering::Relaxed).is_multiple_of(8) {
        binary_agrees(&mut s, w, pricing_file.as_deref()).map_err(fail)?;
    }
    Ok(())
}

fn show(v: Option<&Value>) -> String {
    v.map_or("no such account (exit 3)".to_owned(), Value::to_string)
}

/// `run`, with a panic on either side reported as a difference too.
fn check(server: Option<&Wallet>, start: &str, pricing: &'static Pricing, steps: &[Step]) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(server, start, pricing, steps))).unwrap_or_else(
        |panic| {
            let message = (panic.downcast_ref::<String>().cloned())
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            Err(format!("steps: {steps:?}\npanicked: {message}"))
        },
    )
}

/// Proptest's shrinking can leave steps that only became harmless after it
/// simplified them; drop every step whose removal keeps the case failing.
fn minimise(
    server: Option<&Wallet>,
    start: &str,
    pricing: &'static Pricing,
    mut steps: Vec<Step>,
) -> (Vec<Step>, String) {
    let mut difference = check(server, start, pricing, &steps).expect_err("a failing case");
    let mut i = 0;
    while i < steps.len() {
        let mut fewer = steps.clone();
        fewer.remove(i);
        match check(server, start, pricing, &fewer) {
            Err(d) => (steps, difference) = (fewer, d),
            Ok(()) => i += 1,
        }
    }
    (steps, difference)
}

/// The model test's cases are split over this many tests, so every test
/// thread has some to run.
const SHARDS: u32 = 4;

/// Issues 7, 16 and 19: random cases agree with the model. At the quick
/// depth 300 on files and 150 on PostgreSQL (where a case costs about
/// three times as much), at the full depth 5,000 on each; split over
/// [`SHARDS`] tests, each drawing its own cases from the run's seed.
fn the_wallet_agrees_with_the_reference_model(shard: u32) {
    // On PostgreSQL one database, emptied for each case: making and
    // dropping a database takes about a second. (No server is a set-up
    // problem, said here once, not a difference from the model.)
    let server = on_postgres().then(Wallet::new);
    let server = server.as_ref();
    let quick = if on_postgres() { 150 } else { 300 };
    let name = format!("properties::the_wallet_agrees_with_the_reference_model_{shard}");
    let config = random::config(&name, quick / SHARDS + u32::from(shard < quick % SHARDS), 5000 / SHARDS);
    let mut runner = TestRunner::new(contextualize_config(config));
    let result = runner.run(&(start(), pricing(), steps()), |(start, pricing, steps)| {
        check(server, start, pricing, &steps).map_err(TestCaseError::fail)
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(_, (start, pricing, steps))) => {
            let (steps, difference) = minimise(server, start, pricing, steps);
            panic!(
                "the wallet and the model disagree; minimal case ({} steps):\n{difference}\nreplay: {}",
                steps.len(),
                random::replay_command(&name)
            );
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn the_wallet_agrees_with_the_reference_model_0() {
    the_wallet_agrees_with_the_reference_model(0);
}

#[test]
fn the_wallet_agrees_with_the_reference_model_1() {
    the_wallet_agrees_with_the_reference_model(1);
}

#[test]
fn the_wallet_agrees_with_the_reference_model_2() {
    the_wallet_agrees_with_the_reference_model(2);
}

#[test]
fn the_wallet_agrees_with_the_reference_model_3() {
    the_wallet_agrees_with_the_reference_model(3);
}

/// A seed gives back the model test's cases: the same sequence of starts,
/// pricings and steps, case after case.
#[test]
fn a_seed_replays_the_model_tests_cases() {
    let cases = |run: u64| -> Vec<String> {
        let mut config = random::config("a seed replays", 20, 20);
        config.rng_seed = proptest::test_runner::RngSeed::Fixed(random::seed_of(run, "replayed"));
        let mut runner = TestRunner::new(config);
        let strategy = (start(), pricing(), steps());
        (0..20)
            .map(|_| {
                let (start, pricing, steps) = strategy.new_tree(&mut runner).expect("a case").current();
                format!("{start} {:?} {steps:?}", pricing.file_name)
            })
            .collect()
    };
    assert_eq!(cases(7), cases(7), "one seed, two sequences of cases");
    assert_ne!(cases(7), cases(8), "two seeds, one sequence of cases");
}
