//! `wallet subscribe` and `wallet cancel [--undo]` (SPEC §5).

use crate::error::Result;
use crate::rules;
use crate::store::Ledger;

use super::apply::apply;
use super::{Context, Output};

pub(super) fn subscribe(db: &impl Ledger, ctx: &Context, handle: &str, plan: &str) -> Result<Output> {
    let pricing = ctx.pricing()?;
    let applied = apply(db, ctx, handle, |id, now| {
        let change = rules::subscribe(handle, db.latest_subscription(id)?.as_ref(), plan, pricing, now)?;
        rules::within_holding_limit(handle, &db.live_lots(id)?, &change, || {
            (
                format!("the first delivery of {plan}"),
                "spend some first, or choose a plan that delivers less".to_owned(),
            )
        })?;
        Ok(change)
    })?;
    Ok(applied.output(handle))
}

pub(super) fn cancel(db: &impl Ledger, ctx: &Context, handle: &str, undo: bool) -> Result<Output> {
    let applied = apply(db, ctx, handle, |id, _| {
        let current = db.latest_subscription(id)?;
        Ok(if undo {
            rules::undo_cancel(handle, current.as_ref())?
        } else {
            rules::cancel(handle, current.as_ref())?
        })
    })?;
    Ok(applied.output(handle))
}
