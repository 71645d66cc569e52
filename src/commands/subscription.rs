//! `wallet buy`, `wallet subscribe`, `wallet cancel [--undo]` (SPEC §4, §5).

use crate::error::Result;
use crate::rules;
use crate::store::Db;

use super::{Context, Output, account_id, changed};

pub fn buy(db: &Db<'_>, ctx: &Context, handle: &str, product: &str, quantity: u32) -> Result<Output> {
    let id = account_id(db, handle)?;
    let now = db.clock()?;
    let change = rules::buy(handle, product, quantity, ctx.pricing()?, now)?;
    let recorded = db.record(id, now, &change, ctx.actor())?;
    Ok(changed(handle, &change, &recorded, now))
}

pub fn subscribe(db: &Db<'_>, ctx: &Context, handle: &str, plan: &str) -> Result<Output> {
    let id = account_id(db, handle)?;
    let now = db.clock()?;
    let current = db.latest_subscription(id)?;
    let change = rules::subscribe(handle, current.as_ref(), plan, ctx.pricing()?, now)?;
    let recorded = db.record(id, now, &change, ctx.actor())?;
    Ok(changed(handle, &change, &recorded, now))
}

pub fn cancel(db: &Db<'_>, ctx: &Context, handle: &str, undo: bool) -> Result<Output> {
    let id = account_id(db, handle)?;
    let now = db.clock()?;
    let current = db.latest_subscription(id)?;
    let change = if undo {
        rules::undo_cancel(handle, current.as_ref())?
    } else {
        rules::cancel(handle, current.as_ref())?
    };
    let recorded = db.record(id, now, &change, ctx.actor())?;
    Ok(changed(handle, &change, &recorded, now))
}
