//! What every mutating account command shares: [`account_id`] (the named
//! account or the refusal naming it), [`apply`] (account, clock, rule,
//! recorded change) and [`Applied`], what it did, with its standard output.

use serde::Serialize;

use crate::error::Result;
use crate::rules::clock::Instant;
use crate::rules::{Asset, Change, Refusal};
use crate::store::{Ledger, Recorded};

use super::{Context, Output};

/// The id of a named account, or the refusal naming it.
pub(crate) fn account_id(db: &impl Ledger, handle: &str) -> Result<i64> {
    db.account_id(handle)?
        .ok_or_else(|| Refusal::UnknownAccount(handle.to_owned()).into())
}

/// What a mutating account command did.
pub(crate) struct Applied {
    pub change: Change,
    pub recorded: Recorded,
    pub at: Instant,
}

/// The shape every mutating account command shares: the named account, the
/// wallet clock, the rule, then the change recorded as one operation.
pub(crate) fn apply(
    db: &impl Ledger,
    ctx: &Context,
    handle: &str,
    rule: impl FnOnce(i64, Instant) -> Result<Change>,
) -> Result<Applied> {
    let id = account_id(db, handle)?;
    let at = db.clock()?;
    let change = rule(id, at)?;
    let recorded = db.record(id, at, &change, ctx.actor())?;
    Ok(Applied { change, recorded, at })
}

impl Applied {
    /// The standard output of a mutating command: its summary, and in JSON
    /// the operation with what it created.
    pub(super) fn output(&self, account: &str) -> Output {
        #[derive(Serialize)]
        struct Changed<'a> {
            account: &'a str,
            operation: i64,
            kind: &'a str,
            at: String,
            summary: &'a str,
            credits_change: i64,
            licenses_change: i64,
            lots_created: &'a [i64],
        }
        Output::new(
            format!("{}\n", self.change.summary),
            Changed {
                account,
                operation: self.recorded.operation_id,
                kind: self.change.kind.as_str(),
                at: crate::rules::clock::format_instant(self.at),
                summary: &self.change.summary,
                credits_change: self.change.net(Asset::Credits).unwrap_or(0),
                licenses_change: self.change.net(Asset::Licenses).unwrap_or(0),
                lots_created: &self.recorded.lot_ids,
            },
        )
    }
}
