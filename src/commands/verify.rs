//! `wallet verify`: exit 0 when every check holds, 1 listing each violation.

use serde_json::json;

use crate::error::{Error, Result};
use crate::store::Ledger;

use super::Output;

pub(super) fn run(db: &impl Ledger) -> Result<Output> {
    let problems = db.verify()?;
    if problems.is_empty() {
        return Ok(Output::new(
            "wallet verified: integrity, foreign keys and every invariant hold\n",
            json!({ "ok": true }),
        ));
    }
    Err(Error::Failed(anyhow::anyhow!(
        "the wallet failed {} check(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    )))
}
