//! `wallet account add ACCOUNT` and `wallet account list`.

use std::io::Write;

use anyhow::Context as _;
use serde_json::json;

use crate::error::Result;
use crate::report::stream::{JsonRows, TableWriter, Widths};
use crate::rules::clock::Instant;
use crate::rules::{self, AccountSummary};
use crate::store::Ledger;

use super::apply::Applied;
use super::output::write_json;
use super::{Context, Output};

pub(super) fn add(db: &impl Ledger, ctx: &Context, handle: &str) -> Result<Output> {
    let now = db.clock()?;
    let change = rules::signup(handle, db.account_id(handle)?.is_some(), ctx.pricing()?, now)?;
    let id = db.create_account(handle, now)?;
    let recorded = db.record(id, now, &change, ctx.actor())?;
    Ok(Applied {
        change,
        recorded,
        at: now,
    }
    .output(handle))
}

/// Every account, by handle, written as it is read.
pub(super) fn list(db: &impl Ledger, json: bool, out: &mut dyn Write) -> Result<()> {
    if json {
        let mut produce = |emit: &mut dyn FnMut(serde_json::Value) -> anyhow::Result<()>| {
            db.each_account(None, |r| {
                emit(json!({
                    "account": r.handle,
                    "created_at": crate::rules::clock::format_instant(r.created_at),
                    "credits": r.held.credits,
                    "licenses": r.held.licenses,
                }))
            })
        };
        return write_json(out, &JsonRows::new(&mut produce));
    }
    let cells = |r: &AccountSummary| {
        vec![
            r.handle.clone(),
            crate::rules::clock::format_instant(r.created_at),
            r.held.credits.to_string(),
            r.held.licenses.to_string(),
        ]
    };
    if !account_table(db, None, &["account", "created at", "credits", "licenses"], cells, out)? {
        out.write_all(b"no accounts yet (add one with: wallet account add NAME)\n")
            .context("cannot write the list")?;
    }
    Ok(())
}

/// Writes a table of every account (as of `as_of`), one row from `cells`
/// each, in two passes: the first measures the columns. False, and nothing
/// written, when there are no accounts.
pub(super) fn account_table(
    db: &impl Ledger,
    as_of: Option<Instant>,
    header: &[&str],
    cells: impl Fn(&AccountSummary) -> Vec<String>,
    out: &mut dyn Write,
) -> Result<bool> {
    let mut widths = Widths::new(header);
    let mut any = false;
    db.each_account(as_of, |r| {
        widths.fit(&cells(&r));
        any = true;
        Ok(())
    })?;
    if !any {
        return Ok(false);
    }
    let mut table = TableWriter::start(out, header, widths).context("cannot write the table")?;
    db.each_account(as_of, |r| Ok(table.row(&cells(&r))?))?;
    table.finish().context("cannot write the table")?;
    Ok(true)
}
