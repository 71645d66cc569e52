//! The reports for the business: `wallet report expiring [--within D]`,
//! `wallet report summary [--from T] [--to T]`, and
//! `wallet export [--since T] [--until T] [--format jsonl|csv]`.

use std::io::Write;

use anyhow::Context as _;
use serde::Serialize;

use crate::cli::{Command, ExportFormat, ReportCommand};
use crate::error::{Error, Result};
use crate::report;
use crate::report::business::{self, Month};
use crate::report::stream::{JsonRows, TableWriter, Widths};
use crate::rules::clock::{Instant, Step, format_instant};
use crate::rules::{ClockStep, ExportedEntry, Refusal, Totals};
use crate::shown::shown;
use crate::store::Ledger;

use super::output::write_json;
use super::views::instant;
use super::{Context, Output};

pub(super) fn run(db: &impl Ledger, ctx: &Context, report: &ReportCommand) -> Result<Output> {
    match report {
        ReportCommand::Expiring { within } => Output::collect(|json, out| expiring(db, within, json, out)),
        ReportCommand::Summary { from, to } => summary(db, ctx, from.as_deref(), to.as_deref()),
    }
}

/// One loss ahead for one account.
#[derive(Serialize)]
struct Loss {
    account: String,
    at: String,
    /// `expiry`, `delivery` (a rollover cut) or `forfeiture`.
    kind: ClockStep,
    credits: u64,
    licenses: u64,
    why: String,
}

/// `report expiring`: every account's losses within the window if nothing
/// is spent, soonest first — `account show`'s projection, account by
/// account. Only the losses are held (a few per account), then written as a
/// table (in two passes: the first measures it) or as JSON.
pub(super) fn expiring(db: &impl Ledger, within: &str, json: bool, out: &mut dyn Write) -> Result<()> {
    let now = db.clock()?;
    let step = Step::parse(within).map_err(Error::Usage)?;
    // A window past the calendar's end has no end.
    let end = step.after(now).map(format_instant);
    let mut losses = Vec::new();
    db.each_account(None, |account| {
        let lots = db.live_lots(account.id)?;
        let sub = db.latest_subscription(account.id)?;
        for event in report::upcoming(&lots, sub.as_ref(), now, usize::MAX) {
            if end.as_ref().is_some_and(|end| event.at > *end) || event.lost().is_nothing() {
                continue;
            }
            losses.push(Loss {
                account: account.handle.clone(),
                at: event.at,
                kind: event.kind,
                credits: event.lost_credits,
                licenses: event.lost_licenses,
                why: event.message,
            });
        }
        Ok(())
    })?;
    losses.sort_by(|a, b| (&a.at, &a.account).cmp(&(&b.at, &b.account)));
    if json {
        return write_json(out, &losses);
    }
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        writeln!(
            out,
            "losses from {} to {} if nothing is spent: {} event(s)",
            format_instant(now),
            end.as_deref().unwrap_or("the end of the calendar"),
            losses.len()
        )?;
        if losses.is_empty() {
            return Ok(());
        }
        let header = ["at", "account", "credits", "licenses", "why"];
        let cells = |l: &Loss| {
            vec![
                l.at.clone(),
                l.account.clone(),
                l.credits.to_string(),
                l.licenses.to_string(),
                shown(&l.why).to_string(),
            ]
        };
        let mut widths = Widths::new(&header);
        for l in &losses {
            widths.fit(&cells(l));
        }
        let mut table = TableWriter::start(out, &header, widths)?;
        for l in &losses {
            table.row(&cells(l))?;
        }
        table.finish()
    };
    write(out).context("cannot write the report")?;
    Ok(())
}

/// `report summary --json`.
#[derive(Serialize)]
struct Summary {
    from: String,
    to: String,
    months: Vec<Month>,
}

/// `report summary`: the months from `--from` (default: the wallet's first
/// operation) to `--to` (default: the clock).
fn summary(db: &impl Ledger, ctx: &Context, from: Option<&str>, to: Option<&str>) -> Result<Output> {
    let now = db.clock()?;
    let given_to = instant("--to", to)?;
    let given_from = instant("--from", from)?;
    if let (Some(from), Some(to)) = (given_from, given_to)
        && from > to
    {
        return Err(Error::usage(format!(
            "--from {} is after --to {}: give the earlier instant first",
            format_instant(from),
            format_instant(to)
        )));
    }
    let to = given_to.unwrap_or(now);
    if to > now {
        return Err(Refusal::Clock(format!(
            "--to {} is after the wallet clock ({}): the wallet knows only what has happened (move the clock with: wallet advance-clock)",
            format_instant(to),
            format_instant(now)
        ))
        .into());
    }
    let first = db.first_operation_at()?.unwrap_or(now);
    let from = given_from.unwrap_or(first);
    // Months before the wallet's first operation hold nothing: they are not listed.
    let months = if to < first {
        Vec::new()
    } else {
        business::months(from.max(first), to)
    };
    let mut figures: Vec<Month> = Vec::with_capacity(months.len());
    // What the accounts held before the first month counted.
    let mut balances = Totals::<i64>::default();
    if let Some(before) = db.operations_between(None, Some(before_instant(from)))? {
        Month::default().add_ledger(&db.ledger_sums(before)?, &mut balances);
    }
    for (name, start, end) in &months {
        let mut month = Month {
            month: name.clone(),
            ..Month::default()
        };
        let (first, last) = ((*start).max(from), before_instant(*end).min(to));
        if let Some(ops) = db.operations_between(Some(first), Some(last))? {
            month.add_ledger(&db.ledger_sums(ops)?, &mut balances);
        }
        month.balances = balances;
        figures.push(month);
    }
    db.each_payment(|payment| {
        if payment.at < from || payment.at > to {
            return Ok(());
        }
        let name = payment.at.format("%Y-%m").to_string();
        if let Some(month) = figures.iter_mut().find(|m| m.month == name) {
            month.add_payment(&payment);
        }
        Ok(())
    })?;
    let human = business::render_summary(&figures, from, to, ctx.terminal);
    Ok(Output::new(
        human,
        Summary {
            from: format_instant(from),
            to: format_instant(to),
            months: figures,
        },
    ))
}

/// The last second before `t`.
fn before_instant(t: Instant) -> Instant {
    t - chrono::Duration::seconds(1)
}

/// One ledger entry as `export` writes it (a JSON line, or a CSV row under
/// a header of the same names).
#[derive(Serialize)]
struct Exported<'a> {
    entry: i64,
    operation: i64,
    at: String,
    actor: &'a str,
    account: &'a str,
    kind: &'static str,
    reason: &'a str,
    asset: &'static str,
    change: i64,
    lot: i64,
    source: &'static str,
}

fn exported(e: &ExportedEntry) -> Exported<'_> {
    Exported {
        entry: e.id,
        operation: e.operation_id,
        at: format_instant(e.at),
        actor: e.actor.as_deref().unwrap_or(""),
        account: &e.account,
        kind: e.kind.as_str(),
        reason: &e.reason,
        asset: e.asset.as_str(),
        change: e.change,
        lot: e.lot_id,
        source: e.source.as_str(),
    }
}

/// `export`: every ledger entry in order, written as it is read.
pub(super) fn export(db: &impl Ledger, command: &Command, json: bool, out: &mut dyn Write) -> Result<()> {
    let Command::Export { since, until, format } = command else {
        return Err(Error::usage("internal error: export ran another command"));
    };
    let since = instant("--since", since.as_deref())?;
    let until = instant("--until", until.as_deref())?;
    let operations = db.operations_between(since, until)?;
    if json {
        // `--json export`: the same entries as one JSON array.
        let mut produce = |emit: &mut dyn FnMut(serde_json::Value) -> anyhow::Result<()>| match operations {
            Some(operations) => db.each_entry(operations, |e| emit(serde_json::to_value(exported(&e))?)),
            None => Ok(()),
        };
        return write_json(out, &JsonRows::new(&mut produce));
    }
    let Some(operations) = operations else {
        return match format {
            ExportFormat::Csv => write_csv(db, None, out),
            ExportFormat::Jsonl => Ok(()),
        };
    };
    match format {
        ExportFormat::Jsonl => {
            db.each_entry(operations, |e| {
                serde_json::to_writer(&mut *out, &exported(&e)).context("cannot write the export")?;
                out.write_all(b"\n").context("cannot write the export")?;
                Ok(())
            })?;
            Ok(())
        }
        ExportFormat::Csv => write_csv(db, Some(operations), out),
    }
}

/// The CSV export: a header row, then a row per entry (RFC 4180 quoting).
fn write_csv(db: &impl Ledger, operations: Option<(i64, i64)>, out: &mut dyn Write) -> Result<()> {
    // RFC 4180: CRLF line ends.
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    csv.write_record([
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
        "source",
    ])
    .context("cannot write the export")?;
    if let Some(operations) = operations {
        db.each_entry(operations, |e| {
            let e = exported(&e);
            csv.write_record([
                e.entry.to_string().as_str(),
                &e.operation.to_string(),
                &e.at,
                e.actor,
                e.account,
                e.kind,
                e.reason,
                e.asset,
                &e.change.to_string(),
                &e.lot.to_string(),
                e.source,
            ])
            .context("cannot write the export")?;
            Ok(())
        })?;
    }
    csv.flush().context("cannot write the export")?;
    Ok(())
}
