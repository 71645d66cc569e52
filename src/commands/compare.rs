//! `wallet compare FILE --with PRICING` (SPEC §16): the scenario replayed
//! twice on throwaway in-memory wallets, under the selected pricing and under
//! PRICING, side by side — money paid, credits and licenses granted, spent
//! and lost, final balances, the lines refused under one pricing only, and
//! every expectation met or not under each.
//!
//! Both wallets run in step: each line is read once and run on one wallet,
//! then on the other, each atomically as `replay` runs it. Unlike `replay`,
//! neither a refused line nor a failed expectation stops the run; a line
//! that is not a command (a usage error under both pricings) does, with
//! `FILE:LINE`, as does a failure that is no refusal (exit 1).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use foldhash::HashMap;
use serde::Serialize;

use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::money::format_money;
use crate::rules::{Asset, Reason, usable_total};
use crate::shown::{shown, shown_lines, shown_path};
use crate::store::{Batch, Ledger, Location, Wallet};

use super::idempotency::execute_line;
use super::replay::{LineParser, Lines, STDIN, at_line, check_expectation, check_refusal};
use super::{Context, Output};

/// Lines committed together in each throwaway wallet (as `replay` does).
const LINES_PER_COMMIT: usize = 50_000;
const COMMIT_AFTER: Duration = Duration::from_secs(1);

/// Lines refused under both pricings listed by number in the text for
/// people; beyond this only counted (`--json` lists them all).
const BOTH_LISTED: usize = 20;

/// What one account (or all of them) got and paid under one pricing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
struct Figures {
    /// Orders (not voided) and subscription charges, in minor units of `currency`.
    paid_cents: i64,
    currency: String,
    credits: Flows,
    licenses: Flows,
}

/// One asset's movements over the run, each counted as a positive amount,
/// and what is left usable at the end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
struct Flows {
    /// Signup, purchases, license bonuses, deliveries and support grants.
    granted: u64,
    /// Generating, editing, training and licensing.
    spent: u64,
    /// One-time lots expired.
    expired: u64,
    /// Cut by the rollover cap at a delivery.
    cut: u64,
    /// Forfeited at the end of a cancelled subscription.
    forfeited: u64,
    /// Taken back by `void`.
    voided: u64,
    /// Taken back by `debit`.
    debited: u64,
    /// Usable at the end.
    balance: u64,
}

impl Flows {
    /// One ledger entry counted where its sign and reason put it.
    fn add(&mut self, delta: i64, reason: &str) {
        let slot = if delta > 0 {
            &mut self.granted
        } else {
            match Reason::parse(reason) {
                Some(Reason::Generate | Reason::Edit | Reason::Train | Reason::License) => &mut self.spent,
                Some(Reason::Expired) => &mut self.expired,
                Some(Reason::RolloverExpired) => &mut self.cut,
                Some(Reason::Forfeited) => &mut self.forfeited,
                Some(Reason::Voided) => &mut self.voided,
                // Support's debits (`adjustment`): every other reason grants.
                _ => &mut self.debited,
            }
        };
        *slot = slot.saturating_add(delta.unsigned_abs());
    }

    fn plus(self, o: Flows) -> Flows {
        Flows {
            granted: self.granted.saturating_add(o.granted),
            spent: self.spent.saturating_add(o.spent),
            expired: self.expired.saturating_add(o.expired),
            cut: self.cut.saturating_add(o.cut),
            forfeited: self.forfeited.saturating_add(o.forfeited),
            voided: self.voided.saturating_add(o.voided),
            debited: self.debited.saturating_add(o.debited),
            balance: self.balance.saturating_add(o.balance),
        }
    }

    /// The figures as the table names them, in its order.
    fn rows(self) -> [(&'static str, u64); 8] {
        [
            ("granted", self.granted),
            ("spent", self.spent),
            ("expired", self.expired),
            ("cut (rollover)", self.cut),
            ("forfeited", self.forfeited),
            ("voided", self.voided),
            ("debited", self.debited),
            ("balance", self.balance),
        ]
    }
}

impl Figures {
    fn none(currency: &str) -> Figures {
        Figures {
            currency: currency.to_owned(),
            ..Figures::default()
        }
    }

    fn flows_mut(&mut self, asset: Asset) -> &mut Flows {
        match asset {
            Asset::Credits => &mut self.credits,
            Asset::Licenses => &mut self.licenses,
        }
    }

    fn plus(&self, o: &Figures) -> Figures {
        Figures {
            paid_cents: self.paid_cents.saturating_add(o.paid_cents),
            currency: self.currency.clone(),
            credits: self.credits.plus(o.credits),
            licenses: self.licenses.plus(o.licenses),
        }
    }
}

/// Why a line was refused under one pricing.
#[derive(Debug, Serialize)]
struct Refused {
    exit: i32,
    message: String,
}

/// A command line refused under at least one of the pricings.
#[derive(Debug, Serialize)]
struct RefusedLine {
    line: usize,
    command: String,
    a: Option<Refused>,
    b: Option<Refused>,
}

/// An `expect` or `expect-error` line, met or not under each pricing (with
/// what happened instead when not).
#[derive(Debug, Serialize)]
struct Expectation {
    line: usize,
    text: String,
    a_met: bool,
    b_met: bool,
    a_message: Option<String>,
    b_message: Option<String>,
}

/// Everything the lines showed, as they ran.
#[derive(Debug, Default)]
struct Found {
    lines: usize,
    commands: usize,
    refused_differently: Vec<RefusedLine>,
    refused_under_both: Vec<RefusedLine>,
    expectations: Vec<Expectation>,
    /// Lines that name an operation by its id after the two runs' ids
    /// parted (a line refused under one pricing only made no operation there).
    ids_differ: Vec<usize>,
}

/// One of the two runs: its pricing (in its context), its throwaway
/// wallet's batch, and the price of every order it made, by operation id.
struct Side<'c, 'w> {
    ctx: &'c Context,
    batch: Batch<'w>,
}

impl Side<'_, '_> {
    fn origin(&self) -> String {
        self.ctx.pricing().map(|p| p.origin.clone()).unwrap_or_default()
    }

    /// The id of the run's newest operation.
    fn last_operation(&mut self) -> Result<Option<i64>> {
        let end = Some(crate::rules::clock::latest_instant());
        self.batch
            .run(|db| Ok(db.operations_between(None, end)?.map(|(_, last)| last)))
    }

    /// Runs a command line as one unit.
    fn command(&mut self, cli: &Cli) -> Result<()> {
        let ctx = self.ctx;
        self.batch.run(|db| execute_line(db, ctx, cli).map(|_| ()))
    }

    /// An `expect` (or, with `refusal`, `expect-error`) line: `None` when it
    /// is met, else what happened instead. A line that is not an
    /// expectation (exit 2) and a failure (exit 1) are errors.
    fn expectation(&mut self, parser: &mut LineParser, refusal: bool, words: &[String]) -> Result<Option<String>> {
        let ctx = self.ctx;
        let checked = self.batch.run(|db| {
            if refusal {
                check_refusal(db, ctx, parser, words)
            } else {
                check_expectation(db, words)
            }
        });
        match checked {
            Ok(()) => Ok(None),
            Err(Error::Coded(1, message)) => Ok(Some(message)),
            Err(e @ Error::Refused(_)) => Ok(Some(e.to_string())),
            Err(e) => Err(e),
        }
    }

    /// Every account's figures at the end of the run, by handle: the money
    /// it paid (orders not voided and subscription charges), and its ledger.
    fn figures(&mut self) -> Result<BTreeMap<String, Figures>> {
        let ctx = self.ctx;
        self.batch.run(|db| -> Result<BTreeMap<String, Figures>> {
            let currency = ctx.pricing()?.currency.clone();
            let mut paid: HashMap<i64, i64> = HashMap::default();
            db.each_payment(|payment| {
                if payment.order_voided != Some(true) {
                    let sum = paid.entry(payment.account_id).or_insert(0);
                    *sum = sum.saturating_add(payment.amount_cents);
                }
                Ok(())
            })?;
            let mut accounts = Vec::new();
            db.each_account(None, |a| {
                accounts.push((a.id, a.handle));
                Ok(())
            })?;
            let now = db.clock()?;
            let mut all = BTreeMap::new();
            for (id, handle) in accounts {
                let mut f = Figures::none(&currency);
                f.paid_cents = paid.get(&id).copied().unwrap_or(0);
                for line in db.history(id)? {
                    if let Some(entry) = &line.entry {
                        f.flows_mut(entry.asset).add(entry.delta, &entry.reason);
                    }
                }
                let lots = db.live_lots(id)?;
                f.credits.balance = usable_total(&lots, Asset::Credits, now);
                f.licenses.balance = usable_total(&lots, Asset::Licenses, now);
                all.insert(handle, f);
            }
            Ok(all)
        })
    }
}

pub(super) fn run(file: &Path, with: &Path, ctx: &Context) -> Result<Output> {
    let side_ctx = |pricing| {
        Context::new(
            Location::Memory,
            pricing,
            false,
            ctx.actor.clone(),
            ctx.system_now,
            ctx.terminal,
        )
    };
    let selected = side_ctx(ctx.pricing_path.clone());
    let other = side_ctx(Some(with.to_path_buf()));
    let (pricing_a, pricing_b) = (selected.pricing()?, other.pricing()?);
    let named = with
        .file_name()
        .map_or_else(|| shown_path(with), |name| shown_path(Path::new(name)));
    let pricings = Pricings {
        origins: [pricing_a.origin.clone(), pricing_b.origin.clone()],
        currencies: [pricing_a.currency.clone(), pricing_b.currency.clone()],
        with: format!("with {named}"),
    };
    let (origin, reader): (String, Box<dyn BufRead>) = if file == Path::new("-") {
        (STDIN.to_owned(), Box::new(BufReader::new(std::io::stdin())))
    } else {
        let f = File::open(file).with_context(|| format!("cannot read the scenario {}", shown_path(file)))?;
        (shown_path(file), Box::new(BufReader::new(f)))
    };
    let mut wallet_a = Wallet::open_in_place(&Location::Memory, ctx.system_now)?;
    let mut wallet_b = Wallet::open_in_place(&Location::Memory, ctx.system_now)?;
    let mut a = Side {
        ctx: &selected,
        batch: wallet_a.units(LINES_PER_COMMIT, COMMIT_AFTER)?,
    };
    let mut b = Side {
        ctx: &other,
        batch: wallet_b.units(LINES_PER_COMMIT, COMMIT_AFTER)?,
    };
    let mut parser = LineParser::new();
    let mut found = Found::default();
    let mut lines = Lines::new(reader);
    let mut n = 0;
    while let Some(line) = lines.next_line().transpose() {
        n += 1;
        line.and_then(|line| compare_line(line, n, &mut parser, &mut a, &mut b, &mut found))
            .map_err(|e| at_line(&origin, n, e))?;
        found.lines = n;
    }
    let figures = [a.figures()?, b.figures()?];
    Ok(output(&origin, &pricings, &figures, &found, ctx))
}

/// One line of the scenario, run under both pricings.
fn compare_line(
    line: &str,
    n: usize,
    parser: &mut LineParser,
    a: &mut Side<'_, '_>,
    b: &mut Side<'_, '_>,
    found: &mut Found,
) -> Result<()> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(());
    }
    let words = shell_words::split(line).map_err(|e| Error::usage(format!("cannot split the line: {e}")))?;
    let Some(first) = words.first() else {
        return Ok(());
    };
    if let refusal @ ("expect" | "expect-error") = first.as_str() {
        let refusal = refusal == "expect-error";
        let under_a = a.expectation(parser, refusal, &words[1..])?;
        let under_b = b.expectation(parser, refusal, &words[1..])?;
        found.expectations.push(Expectation {
            line: n,
            text: written(&words),
            a_met: under_a.is_none(),
            b_met: under_b.is_none(),
            a_message: under_a,
            b_message: under_b,
        });
        return Ok(());
    }
    let cli = parser.parse(&words)?;
    found.commands += 1;
    if matches!(cli.command, crate::cli::Command::Void { .. }) && a.last_operation()? != b.last_operation()? {
        found.ids_differ.push(n);
    }
    let under_a = a.command(&cli).err();
    let under_b = b.command(&cli).err();
    // A line that is no command under either pricing is the scenario's mistake.
    if let (Some(e), Some(other)) = (&under_a, &under_b)
        && e.exit_code() == 2
        && other.exit_code() == 2
    {
        return Err(Error::usage(e.to_string()));
    }
    let refused = |side: &Side<'_, '_>, e: Option<Error>| -> Result<Option<Refused>> {
        match e {
            None => Ok(None),
            Some(e) if matches!(e.exit_code(), 2 | 3) => Ok(Some(Refused {
                exit: e.exit_code(),
                message: e.to_string(),
            })),
            Some(e) => Err(Error::Coded(e.exit_code(), format!("under {}: {e}", side.origin()))),
        }
    };
    let under_a = refused(a, under_a)?;
    let under_b = refused(b, under_b)?;
    let both = under_a.is_some() && under_b.is_some();
    if under_a.is_none() && under_b.is_none() {
        return Ok(());
    }
    let refusal = RefusedLine {
        line: n,
        command: written(&words),
        a: under_a,
        b: under_b,
    };
    if both {
        found.refused_under_both.push(refusal);
    } else {
        found.refused_differently.push(refusal);
    }
    Ok(())
}

/// The two pricings as the output names them: their origins (a file path,
/// or the built-in copy) and currencies.
struct Pricings {
    origins: [String; 2],
    currencies: [String; 2],
    /// The column of the second pricing: `with` and its file name.
    with: String,
}

/// One account's figures under each pricing (`None` where it was never added).
type Row<'a> = (&'a str, Option<&'a Figures>, Option<&'a Figures>);

/// The comparison for people and for scripts.
fn output(
    origin: &str,
    pricings: &Pricings,
    figures: &[BTreeMap<String, Figures>; 2],
    found: &Found,
    ctx: &Context,
) -> Output {
    #[derive(Serialize)]
    struct PerAccount<'a> {
        account: &'a str,
        a: Option<&'a Figures>,
        b: Option<&'a Figures>,
    }
    #[derive(Serialize)]
    struct Total {
        a: Figures,
        b: Figures,
    }
    #[derive(Serialize)]
    struct Json<'a> {
        scenario: &'a str,
        pricings: &'a [String; 2],
        lines: usize,
        commands: usize,
        accounts: Vec<PerAccount<'a>>,
        total: Total,
        refused_differently: &'a [RefusedLine],
        refused_under_both: &'a [RefusedLine],
        expectations: &'a [Expectation],
        /// `void` lines whose operation id may name a different operation under each pricing.
        ids_differ: &'a [usize],
    }
    let [in_a, in_b] = figures;
    let mut handles: Vec<&str> = in_a.keys().chain(in_b.keys()).map(String::as_str).collect();
    handles.sort_unstable();
    handles.dedup();
    let rows: Vec<Row<'_>> = handles.iter().map(|h| (*h, in_a.get(*h), in_b.get(*h))).collect();
    let [currency_a, currency_b] = &pricings.currencies;
    let total = Total {
        a: in_a.values().fold(Figures::none(currency_a), |t, f| t.plus(f)),
        b: in_b.values().fold(Figures::none(currency_b), |t, f| t.plus(f)),
    };
    let human = human(origin, pricings, &rows, (&total.a, &total.b), found, ctx);
    let json = Json {
        scenario: origin,
        pricings: &pricings.origins,
        lines: found.lines,
        commands: found.commands,
        accounts: rows
            .iter()
            .map(|(account, a, b)| PerAccount { account, a: *a, b: *b })
            .collect(),
        total,
        refused_differently: &found.refused_differently,
        refused_under_both: &found.refused_under_both,
        expectations: &found.expectations,
        ids_differ: &found.ids_differ,
    };
    Output::new(human, json)
}

/// The table, then the lines refused under one pricing only, then the
/// expectations not met under both.
fn human(
    origin: &str,
    pricings: &Pricings,
    rows: &[Row<'_>],
    total: (&Figures, &Figures),
    found: &Found,
    ctx: &Context,
) -> String {
    let [origin_a, origin_b] = &pricings.origins;
    let mut text = format!(
        "{origin}: {} lines, {} commands, run under two pricings\n  selected: {origin_a}\n  with:     {origin_b}\n",
        found.lines, found.commands
    );
    let header = ["account", "figure", "selected", pricings.with.as_str(), "change"];
    let mut table = crate::report::table(&header, ctx.terminal.width);
    for (account, a, b) in rows {
        add_rows(&mut table, &shown(account).to_string(), *a, *b);
    }
    if rows.len() != 1 {
        add_rows(&mut table, "total", Some(total.0), Some(total.1));
    }
    text += &format!("{table}\n");
    let under = |is_a: bool| {
        if is_a {
            "under the selected pricing".to_owned()
        } else {
            pricings.with.clone()
        }
    };
    if found.refused_differently.is_empty() {
        text += "No line was refused under one pricing only.\n";
    } else {
        text += "Refused under one pricing only:\n";
        for r in &found.refused_differently {
            let (is_a, why) = match (&r.a, &r.b) {
                (Some(why), _) => (true, why),
                (None, Some(why)) => (false, why),
                (None, None) => continue,
            };
            text += &format!(
                "  line {}: {} — refused {} (exit {}): {}\n",
                r.line,
                shown(&r.command),
                under(is_a),
                why.exit,
                one_line(&why.message)
            );
        }
    }
    if !found.refused_under_both.is_empty() {
        let listed: Vec<String> = found
            .refused_under_both
            .iter()
            .take(BOTH_LISTED)
            .map(|r| r.line.to_string())
            .collect();
        let more = found.refused_under_both.len().saturating_sub(BOTH_LISTED);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        text += &format!("Refused under both pricings: line {}{more}.\n", listed.join(", "));
    }
    if !found.ids_differ.is_empty() {
        let lines: Vec<String> = found.ids_differ.iter().map(ToString::to_string).collect();
        text += &format!(
            "Operation ids differ between the two runs (a line refused under one pricing only made no operation there): \
             the void on line {} may undo a different operation under each.\n",
            lines.join(", ")
        );
    }
    let met = found.expectations.iter().filter(|e| e.a_met && e.b_met).count();
    text += &match found.expectations.len() {
        0 => "No expectation lines.\n".to_owned(),
        all => format!("Expectations: {met} met under both pricings, of {all}.\n"),
    };
    let status = |met: bool, message: &Option<String>, is_a: bool| match message {
        Some(why) if !met => format!("not met {}: {}", under(is_a), one_line(why)),
        _ => format!("met {}", under(is_a)),
    };
    for e in found.expectations.iter().filter(|e| !(e.a_met && e.b_met)) {
        text += &format!(
            "  line {}: {} — {}; {}\n",
            e.line,
            shown(&e.text),
            status(e.a_met, &e.a_message, true),
            status(e.b_met, &e.b_message, false)
        );
    }
    text
}

/// An account's block of rows: what was paid, then each asset's figures
/// that are not zero under both pricings, and its balance.
fn add_rows(table: &mut comfy_table::Table, account: &str, a: Option<&Figures>, b: Option<&Figures>) {
    let money = |f: Option<&Figures>| f.map_or_else(|| "—".to_owned(), |f| format_money(f.paid_cents, &f.currency));
    let paid_change = match (a, b) {
        (Some(a), Some(b)) if a.currency == b.currency && a.paid_cents != b.paid_cents => {
            let diff = i128::from(b.paid_cents) - i128::from(a.paid_cents);
            let cents = i64::try_from(diff).unwrap_or(if diff < 0 { i64::MIN } else { i64::MAX });
            let sign = if cents > 0 { "+" } else { "" };
            format!("{sign}{}", format_money(cents, &b.currency))
        }
        _ => String::new(),
    };
    table.add_row(vec![
        account.to_owned(),
        "paid".to_owned(),
        money(a),
        money(b),
        paid_change,
    ]);
    for asset in [Asset::Credits, Asset::Licenses] {
        let flows = |f: Option<&Figures>| {
            f.map(|f| match asset {
                Asset::Credits => f.credits.rows(),
                Asset::Licenses => f.licenses.rows(),
            })
        };
        let (rows_a, rows_b) = (flows(a), flows(b));
        for i in 0..8 {
            let value_a = rows_a.map(|r| r[i]);
            let value_b = rows_b.map(|r| r[i]);
            let Some((label, _)) = value_a.or(value_b) else {
                continue;
            };
            let count = |v: Option<(&str, u64)>| v.map_or(0, |(_, n)| n);
            if label != "balance" && count(value_a) == 0 && count(value_b) == 0 {
                continue;
            }
            let cell = |v: Option<(&str, u64)>| v.map_or_else(|| "—".to_owned(), |(_, n)| n.to_string());
            let change = match (value_a, value_b) {
                (Some((_, x)), Some((_, y))) if x != y => {
                    let diff = i128::from(y) - i128::from(x);
                    if diff > 0 { format!("+{diff}") } else { diff.to_string() }
                }
                _ => String::new(),
            };
            table.add_row(vec![
                String::new(),
                format!("{} {label}", asset.as_str()),
                cell(value_a),
                cell(value_b),
                change,
            ]);
        }
    }
}

/// A message on one line, safe to print.
fn one_line(message: &str) -> String {
    shown_lines(message)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A line's words as written, without its comment: quoted only where a
/// word needs it (`generate bob --style 'artist:van gogh'`).
fn written(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            let plain = !w.is_empty() && !w.chars().any(|c| c.is_whitespace() || "'\"\\#$`;&|<>()*?".contains(c));
            if plain {
                w.clone()
            } else {
                shell_words::quote(w).into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
