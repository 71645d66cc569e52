//! The read-only views: `wallet balance [ACCOUNT] [--as-of T]`,
//! `wallet history ACCOUNT`, `wallet images ACCOUNT`.

use crate::clock::parse_instant;
use crate::error::{Error, Result};
use crate::report;
use crate::rules::Refusal;
use crate::store::Db;

use super::{Output, account_id};

pub fn balance(db: &Db<'_>, account: Option<&str>, as_of: Option<&str>) -> Result<Output> {
    let now = db.clock()?;
    let at = match as_of {
        Some(text) => parse_instant(text).map_err(Error::Usage)?,
        None => now,
    };
    if at > now {
        return Err(Refusal::Clock(format!(
            "--as-of {} is after the wallet clock ({}): balances are known only up to the clock (SPEC §2; move it with: wallet advance-clock)",
            crate::clock::format_instant(at),
            crate::clock::format_instant(now)
        ))
        .into());
    }
    let Some(handle) = account else {
        if as_of.is_some() {
            return Err(Error::usage(
                "--as-of needs an ACCOUNT: wallet balance ACCOUNT --as-of T",
            ));
        }
        let view = report::all_balances(&db.accounts()?, now);
        return Ok(Output::new(report::render_totals(&view), view));
    };
    let id = account_id(db, handle)?;
    let historical = at < now;
    let (lots, sub) = if historical {
        (db.lots_as_of(id, at)?, db.subscription_as_of(id, at)?)
    } else {
        (db.live_lots(id)?, db.latest_subscription(id)?)
    };
    let view = report::balance(handle, &lots, sub.as_ref(), at, historical);
    Ok(Output::new(report::render_balance(&view), view))
}

pub fn history(db: &Db<'_>, handle: &str) -> Result<Output> {
    let id = account_id(db, handle)?;
    let entries = report::history(&db.history(id)?);
    Ok(Output::new(report::render_history(handle, &entries), entries))
}

pub fn images(db: &Db<'_>, handle: &str) -> Result<Output> {
    let id = account_id(db, handle)?;
    let views = report::images(&db.images(id)?);
    Ok(Output::new(report::render_images(handle, &views), views))
}
