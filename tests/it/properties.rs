//! Property test (issue 7): random sequences of commands and clock advances
//! run against the real wallet (in-process, `:memory:`) and against the
//! reference model of `model.rs`. After every step the outcome (done, or
//! refused with the same exit code), every account's credits, licenses, lots
//! and running subscription must agree, and `verify` must pass. A failure
//! shrinks to a minimal sequence and shows the steps and the first difference.

use std::fmt;

use chrono::Duration;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{TestError, TestRunner, contextualize_config};
use serde_json::Value;
use wallet::session::Session;

use crate::model::{self, Asset, Instant, Model, Outcome, Status};

/// The handles the steps use: two valid ones, and one SPEC §1 forbids.
const HANDLES: [&str; 2] = ["alice", "bob"];
const INVALID_HANDLE: &str = "al!ce";
/// Random steps after the first `account add`s (1–32 steps in all): 1,000
/// cases take about 25 s in a debug build on 2 cores; 40 took about 32 s.
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
    /// `advance-clock N<unit>`, unit `h`, `d` or `mo`.
    Advance(u32, &'static str),
}

impl Step {
    /// The command line, with image arguments resolved against the model.
    fn words(&self, m: &Model) -> Vec<String> {
        let line = self.line(|image, handle| image.resolve(m, handle));
        line.split(' ').map(str::to_owned).collect()
    }

    /// The command line, with `image` writing the image arguments.
    fn line(&self, image: impl Fn(Image, &str) -> String) -> String {
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
                    _ => model::months_after(m.clock, n),
                };
                m.advance(to)
            }
        }
        .map(|()| None)
    }
}

/// How proptest shows a case: command lines, an own image as `<own image #k>`.
impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wallet {}", self.line(|image, _| format!("{image:?}")))
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
        Just("licenses-7-monthly"), // unknown
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
    let count = prop_oneof![3 => 1..=5u64, 1 => 6..=30u64];
    let unit = prop_oneof![1 => Just("h"), 2 => Just("d"), 3 => Just("mo")];
    prop_oneof![
        1 => handle().prop_map(Step::Add),
        3 => (handle(), product, 1..=3u64).prop_map(|(a, p, q)| Step::Buy(a, p, q)),
        2 => (handle(), plan).prop_map(|(a, p)| Step::Subscribe(a, p)),
        2 => (handle(), any::<bool>()).prop_map(|(a, u)| Step::Cancel(a, u)),
        4 => (handle(), style, count).prop_map(|(a, s, n)| Step::Generate(a, s, n)),
        3 => (handle(), image(), op).prop_map(|(a, i, op)| Step::Edit(a, i, op)),
        1 => (handle(), prop_oneof![Just("mine"), Just("other")]).prop_map(|(a, s)| Step::Train(a, s)),
        3 => (handle(), image()).prop_map(|(a, i)| Step::License(a, i)),
        3 => (1..=14u32, unit).prop_map(|(n, u)| Step::Advance(n, u)),
    ]
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
        Some(s) if s.running() => {
            let cancelling = s.status == Status::Cancelling;
            // a cancelling subscription delivers only inside its paid period (SPEC §5)
            let delivers = !cancelling || s.next_delivery() < s.period_end();
            serde_json::json!({
                "plan": s.plan,
                "status": if cancelling { "cancelling" } else { "active" },
                "period_end": rfc3339(s.period_end()),
                "next_delivery": delivers.then(|| rfc3339(s.next_delivery())),
            })
        }
        _ => Value::Null,
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
        Some("active" | "cancelling") => serde_json::json!({
            "plan": sub["plan"],
            "status": sub["status"],
            "period_end": sub["period_end"],
            "next_delivery": sub["next_delivery"],
        }),
        _ => Value::Null, // none, or ended
    };
    Ok(Some(serde_json::json!({
        "credits": v["credits"],
        "licenses": v["licenses"],
        "lots": lots,
        "subscription": subscription,
    })))
}

/// Runs `steps` on both sides; `Err` describes the first difference.
fn run(start: &str, steps: &[Step]) -> Result<(), String> {
    let now = wallet::clock::parse_instant(start).expect("start instant");
    let mut s = Session::open(":memory:", None, now).map_err(|e| format!("open: {e}"))?;
    s.run(&["init", "--now", start]).map_err(|e| format!("init: {e}"))?;
    let mut m = Model::new(now);
    let mut transcript = format!("wallet init --now {start}\n");
    for step in steps {
        let words = step.words(&m);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let real = s.run(&words).map_err(|e| (e.exit_code(), e.to_string()));
        let expected = step.apply(&mut m, &words);
        let shown = match &real {
            Ok(_) => "ok".to_owned(),
            Err((code, message)) => format!("exit {code}: {}", message.lines().next().unwrap_or("")),
        };
        transcript += &format!("wallet {}    # {shown}\n", words.join(" "));
        let fail = |what: String| format!("steps:\n{transcript}first difference: {what}");
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
                    show(&actual),
                    show(&expected)
                )));
            }
        }
        if let Err(e) = s.run(&["verify"]) {
            return Err(fail(format!("verify failed (exit {}): {e}", e.exit_code())));
        }
    }
    Ok(())
}

fn show(v: &Option<Value>) -> String {
    v.as_ref()
        .map_or("no such account (exit 3)".to_owned(), Value::to_string)
}

/// `run`, with a panic on either side reported as a difference too.
fn check(start: &str, steps: &[Step]) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(start, steps))).unwrap_or_else(|panic| {
        let message = (panic.downcast_ref::<String>().cloned())
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        Err(format!("steps: {steps:?}\npanicked: {message}"))
    })
}

/// Proptest's shrinking can leave steps that only became harmless after it
/// simplified them; drop every step whose removal keeps the case failing.
fn minimise(start: &str, mut steps: Vec<Step>) -> (Vec<Step>, String) {
    let mut difference = check(start, &steps).expect_err("a failing case");
    let mut i = 0;
    while i < steps.len() {
        let mut fewer = steps.clone();
        fewer.remove(i);
        match check(start, &fewer) {
            Err(d) => (steps, difference) = (fewer, d),
            Ok(()) => i += 1,
        }
    }
    (steps, difference)
}

/// Issue 7: 1,000 random cases (or `PROPTEST_CASES`) agree with the model.
#[test]
fn the_wallet_agrees_with_the_reference_model() {
    // No regression files: a failure prints its minimal sequence instead.
    let config = ProptestConfig {
        cases: 1000,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(contextualize_config(config));
    let result = runner.run(&(start(), steps()), |(start, steps)| {
        check(start, &steps).map_err(TestCaseError::fail)
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(_, (start, steps))) => {
            let (steps, difference) = minimise(start, steps);
            panic!(
                "the wallet and the model disagree; minimal case ({} steps):\n{difference}",
                steps.len()
            );
        }
        Err(e) => panic!("{e}"),
    }
}
