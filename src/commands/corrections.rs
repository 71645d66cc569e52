//! Corrections and the audit log: `wallet grant`, `wallet debit`,
//! `wallet void OPERATION` and `wallet log [filters]`.

use std::io::Write;

use anyhow::Context as _;
use serde::Serialize;

use crate::cli::{Amounts, LogArgs};
use crate::error::Result;
use crate::report;
use crate::report::stream::{JsonRows, TableWriter, Widths};
use crate::rules::clock::{Step, format_instant};
use crate::rules::{self, LogFilter, LoggedOperation, Refusal, Totals};
use crate::shown::shown;
use crate::store::Ledger;

use super::apply::{Applied, account_id, apply};
use super::output::write_json;
use super::views::instant;
use super::{Context, Output};

/// The amounts a `grant` or `debit` names (0 for one it leaves out).
fn totals(amounts: &Amounts) -> Totals {
    Totals {
        credits: amounts.credits.unwrap_or(0),
        licenses: amounts.licenses.unwrap_or(0),
    }
}

/// `grant ACCOUNT [--credits N] [--licenses N] --reason TEXT [--expires-in D]`.
pub(super) fn grant(
    db: &impl Ledger,
    ctx: &Context,
    handle: &str,
    amounts: &Amounts,
    reason: &str,
    expires_in: Option<&str>,
) -> Result<Output> {
    let pricing = ctx.pricing()?;
    let step = expires_in
        .map(|d| Step::parse(d).map_err(crate::error::Error::Usage))
        .transpose()?;
    let granted = totals(amounts);
    let applied = apply(db, ctx, handle, |id, now| {
        let expires_at = rules::adjustment_expiry(pricing, now, step);
        let change = rules::grant(granted, expires_at, reason)?;
        rules::within_holding_limit(handle, &db.live_lots(id)?, &change, || {
            (
                format!("granting {}", change.summary.trim_start_matches("granted ")),
                "grant less, or have the account spend some first".to_owned(),
            )
        })?;
        Ok(change)
    })?;
    Ok(applied.output(handle))
}

/// `debit ACCOUNT [--credits N] [--licenses N] --reason TEXT`.
pub(super) fn debit(db: &impl Ledger, ctx: &Context, handle: &str, amounts: &Amounts, reason: &str) -> Result<Output> {
    let taken = totals(amounts);
    let applied = apply(db, ctx, handle, |id, now| {
        Ok(rules::debit(handle, &db.live_lots(id)?, taken, reason, now)?)
    })?;
    Ok(applied.output(handle))
}

/// `void OPERATION --reason TEXT`: recorded on the account of the operation voided.
pub(super) fn void(db: &impl Ledger, ctx: &Context, operation: i64, reason: &str) -> Result<Output> {
    let Some((account, target)) = db.voidable(operation)? else {
        return Err(Refusal::Correction(format!(
            "no operation {operation} in this wallet (find the one to void with: wallet log --kind buy, or wallet history ACCOUNT)"
        ))
        .into());
    };
    // One of the wallet's own operations is never a buy or a grant: refused as such.
    let Some((id, handle)) = account else {
        return match rules::void(&target, &[], reason) {
            Err(refusal) => Err(refusal.into()),
            Ok(_) => Err(Refusal::Correction(format!("operation {operation} belongs to no account")).into()),
        };
    };
    let at = db.clock()?;
    let change = rules::void(&target, &db.lots_created_by(id, operation)?, reason)?;
    let recorded = db.record(id, at, &change, ctx.actor())?;
    Ok(Applied { change, recorded, at }.output(&handle))
}

/// One operation as `log --json` prints it.
#[derive(Serialize)]
struct Logged {
    operation: i64,
    at: String,
    actor: Option<String>,
    account: Option<String>,
    kind: &'static str,
    summary: String,
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    voids: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    voided_by: Option<i64>,
}

impl From<LoggedOperation> for Logged {
    fn from(op: LoggedOperation) -> Logged {
        Logged {
            operation: op.id,
            at: format_instant(op.at),
            actor: op.actor,
            account: op.account,
            kind: op.kind.as_str(),
            summary: op.summary,
            reason: op.corrected.reason,
            voids: op.corrected.voids,
            voided_by: op.corrected.voided_by.map(|(id, _)| id),
        }
    }
}

/// The table's cells for one operation; every text from input is shown escaped.
fn cells(op: &LoggedOperation) -> Vec<String> {
    let summary = match report::voided_note(&op.corrected) {
        Some(note) => format!("{} ({note})", op.summary),
        None => op.summary.clone(),
    };
    vec![
        op.id.to_string(),
        format_instant(op.at),
        shown(op.actor.as_deref().unwrap_or("")).to_string(),
        op.account.clone().unwrap_or_default(),
        op.kind.as_str().to_owned(),
        shown(&summary).to_string(),
        shown(op.corrected.reason.as_deref().unwrap_or("")).to_string(),
    ]
}

/// `log [--account A] [--actor NAME] [--kind K] [--since T] [--until T] [--limit N]`:
/// written as read, newest first (a table in two passes: the first measures it).
pub(super) fn log(db: &impl Ledger, args: &LogArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let filter = LogFilter {
        account_id: args.account.as_deref().map(|a| account_id(db, a)).transpose()?,
        actor: args.actor.clone(),
        kind: args.kind,
        since: instant("--since", args.since.as_deref())?,
        until: instant("--until", args.until.as_deref())?,
        limit: args.limit,
    };
    if json {
        let mut produce = |emit: &mut dyn FnMut(serde_json::Value) -> anyhow::Result<()>| {
            db.each_logged(&filter, |op| emit(serde_json::to_value(Logged::from(op))?))
        };
        return write_json(out, &JsonRows::new(&mut produce));
    }
    let header = ["id", "at", "actor", "account", "kind", "summary", "reason"];
    let mut widths = Widths::new(&header);
    let mut any = false;
    db.each_logged(&filter, |op| {
        widths.fit(&cells(&op));
        any = true;
        Ok(())
    })?;
    if !any {
        out.write_all(b"no operations match\n")
            .context("cannot write the log")?;
        return Ok(());
    }
    let mut table = TableWriter::start(out, &header, widths).context("cannot write the log")?;
    db.each_logged(&filter, |op| Ok(table.row(&cells(&op))?))?;
    table.finish().context("cannot write the log")?;
    Ok(())
}
