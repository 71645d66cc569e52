//! `wallet init [--now T]` (SPEC §2): set an empty wallet's clock.

use serde_json::json;

use crate::error::{Error, Result};
use crate::rules::clock::{format_instant, parse_instant};
use crate::rules::{OperationKind, Refusal};
use crate::store::Ledger;

use super::{Context, Output};

pub(super) fn run(db: &impl Ledger, ctx: &Context, now: Option<&str>) -> Result<Output> {
    let start = match now {
        Some(text) => parse_instant(text).map_err(Error::Usage)?,
        None => ctx.system_now,
    };
    if !db.is_empty()? {
        return Err(Refusal::AlreadyInitialised { clock: db.clock()? }.into());
    }
    db.set_clock(start)?;
    db.record_wallet_operation(
        start,
        OperationKind::Init,
        &format!("wallet started at {}", format_instant(start)),
        ctx.actor(),
    )?;
    Ok(Output::new(
        format!("wallet {} starts at {}\n", ctx.location, format_instant(start)),
        json!({ "wallet": ctx.location.to_string(), "clock": format_instant(start) }),
    ))
}
