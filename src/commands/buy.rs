//! `wallet buy ACCOUNT PRODUCT [--quantity N]` (SPEC §4).

use crate::error::Result;
use crate::rules;
use crate::store::Db;

use super::{Context, Output, apply};

pub fn run(db: &Db<'_>, ctx: &Context, handle: &str, product: &str, quantity: u32) -> Result<Output> {
    let pricing = ctx.pricing()?;
    let applied = apply(db, ctx, handle, |_, now| {
        Ok(rules::buy(handle, product, quantity, pricing, now)?)
    })?;
    Ok(applied.output(handle))
}
