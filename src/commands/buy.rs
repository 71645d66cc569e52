//! `wallet buy ACCOUNT PRODUCT [--quantity N]` (SPEC §4).

use crate::error::Result;
use crate::rules;
use crate::store::Ledger;

use super::apply::apply;
use super::{Context, Output};

pub(super) fn run(db: &impl Ledger, ctx: &Context, handle: &str, product: &str, quantity: u32) -> Result<Output> {
    let pricing = ctx.pricing()?;
    let applied = apply(db, ctx, handle, |id, now| {
        let subscribed = db.latest_subscription(id)?.is_some_and(|s| s.is_running());
        let change = rules::buy(handle, product, quantity, subscribed, pricing, now)?;
        rules::within_holding_limit(handle, &db.live_lots(id)?, &change, || {
            (
                format!("buying {quantity} × {product}"),
                "spend some first, or buy a smaller quantity or a smaller product".to_owned(),
            )
        })?;
        Ok(change)
    })?;
    Ok(applied.output(handle))
}
