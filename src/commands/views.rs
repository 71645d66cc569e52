//! The read-only views: `wallet balance [ACCOUNT] [--as-of T]`,
//! `wallet history ACCOUNT [filters]`, `wallet images ACCOUNT`,
//! `wallet account show ACCOUNT`.

use std::io::Write;

use anyhow::Context as _;
use serde::Serialize;
use serde_json::json;

use crate::error::{Error, Result};
use crate::report::stream::{JsonRows, TableWriter, Widths};
use crate::report::{self, HistoryFilter};
use crate::rules::clock::{Instant, format_instant, parse_instant};
use crate::rules::{AccountSummary, OperationKind, Reason, Refusal, Totals};
use crate::store::Ledger;

use super::account::account_table;
use super::apply::account_id;
use super::output::write_json;
use super::{Context, Output};

/// The instant a flag gives, if given; a usage error naming the flag if it is none.
pub(super) fn instant(flag: &str, text: Option<&str>) -> Result<Option<Instant>> {
    text.map(|t| parse_instant(t).map_err(|e| Error::usage(format!("{flag}: {e}"))))
        .transpose()
}

/// The instant `--as-of` asks for (the clock without it), and whether it is
/// in the past.
fn balance_instant(db: &impl Ledger, as_of: Option<&str>) -> Result<(Instant, bool)> {
    let now = db.clock()?;
    let at = instant("--as-of", as_of)?.unwrap_or(now);
    if at > now {
        return Err(Refusal::Clock(format!(
            "--as-of {} is after the wallet clock ({}): balances are known only up to the clock (move it with: wallet advance-clock)",
            format_instant(at),
            format_instant(now)
        ))
        .into());
    }
    Ok((at, at < now))
}

/// `balance` without an account: every account's totals, written as read.
pub(super) fn all_balances(db: &impl Ledger, as_of: Option<&str>, json: bool, out: &mut dyn Write) -> Result<()> {
    let (at, historical) = balance_instant(db, as_of)?;
    let as_of = historical.then_some(at);
    if json {
        #[derive(Serialize)]
        struct View<'a> {
            accounts: JsonRows<'a>,
            as_of: String,
        }
        let mut produce = |emit: &mut dyn FnMut(serde_json::Value) -> anyhow::Result<()>| {
            db.each_account(as_of, |r| {
                emit(json!({ "account": r.handle, "credits": r.held.credits, "licenses": r.held.licenses }))
            })
        };
        let view = View {
            accounts: JsonRows::new(&mut produce),
            as_of: format_instant(at),
        };
        return write_json(out, &view);
    }
    let header = ["account", "credits", "licenses"];
    writeln!(out, "as of {}", format_instant(at)).context("cannot write the balances")?;
    let cells = |r: &AccountSummary| {
        vec![
            r.handle.clone(),
            r.held.credits.to_string(),
            r.held.licenses.to_string(),
        ]
    };
    if !account_table(db, as_of, &header, cells, out)? {
        TableWriter::start(out, &header, Widths::new(&header))
            .and_then(TableWriter::finish)
            .context("cannot write the balances")?;
    }
    Ok(())
}

pub(super) fn balance(db: &impl Ledger, ctx: &Context, handle: &str, as_of: Option<&str>) -> Result<Output> {
    let (at, historical) = balance_instant(db, as_of)?;
    let id = account_id(db, handle)?;
    let (lots, sub) = if historical {
        (db.lots_as_of(id, at)?, db.subscription_as_of(id, at)?)
    } else {
        (db.live_lots(id)?, db.latest_subscription(id)?)
    };
    let view = report::balance(handle, &lots, sub.as_ref(), at, historical);
    Ok(Output::new(report::render_balance(&view, ctx.terminal), view))
}

pub(super) fn history(
    db: &impl Ledger,
    ctx: &Context,
    handle: &str,
    since: Option<&str>,
    until: Option<&str>,
    reasons: &[String],
    limit: Option<usize>,
) -> Result<Output> {
    // Operations without entries are found by their kind; the wallet's own are in no account's history.
    let account_kinds = || OperationKind::ALL.into_iter().filter(|k| k.belongs_to_an_account());
    if let Some(bad) = reasons
        .iter()
        .find(|r| Reason::parse(r).is_none() && !account_kinds().any(|k| k.as_str() == r.as_str()))
    {
        let known: Vec<&str> = Reason::ALL
            .iter()
            .map(|r| r.as_str())
            .chain(account_kinds().map(OperationKind::as_str))
            .collect();
        return Err(Error::usage(format!(
            "--reason {} is not a reason; use one of: {}",
            crate::shown::shown(bad),
            known.join(", ")
        )));
    }
    let filter = HistoryFilter {
        since: instant("--since", since)?,
        until: instant("--until", until)?,
        reasons: reasons.to_vec(),
        limit,
    };
    let id = account_id(db, handle)?;
    let entries = report::filter_history(report::history(&db.history(id)?), &filter);
    Ok(Output::new(
        report::render_history(handle, &entries, ctx.terminal),
        entries,
    ))
}

pub(super) fn images(db: &impl Ledger, ctx: &Context, handle: &str) -> Result<Output> {
    let id = account_id(db, handle)?;
    let views = report::images(&db.images(id)?);
    Ok(Output::new(report::render_images(handle, &views, ctx.terminal), views))
}

pub(super) fn account_show(db: &impl Ledger, ctx: &Context, handle: &str) -> Result<Output> {
    let id = account_id(db, handle)?;
    let now = db.clock()?;
    let lots = db.live_lots(id)?;
    // The last operations are enough: balances are counted back from today's.
    let tail = db.history_tail(id, u32::try_from(report::HISTORY_SHOWN).unwrap_or(u32::MAX))?;
    let history = report::history_tail(&tail, Totals::of_lots(&lots));
    let view = report::account(
        handle,
        &lots,
        db.latest_subscription(id)?.as_ref(),
        &history,
        db.images_summary(id)?,
        now,
    );
    Ok(Output::new(report::render_account(&view, ctx.terminal), view))
}
