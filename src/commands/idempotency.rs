//! Idempotency keys (`--idempotency-key KEY`): a mutating command run with a
//! key it has run with before returns the stored output and changes nothing;
//! the same key with another request is refused. [`execute_line`] runs one
//! command line inside the caller's transaction with that check.

use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::rules::Refusal;
use crate::store::Ledger;

use super::{Context, Output, access, execute};

/// The longest idempotency key, in bytes.
const LONGEST_KEY: usize = 200;

/// Runs one parsed command line inside the caller's transaction, honouring
/// its idempotency key: a key seen before with the same request returns the
/// stored output and changes nothing; with another request it is refused.
/// Commands that do not write ignore the key.
pub(super) fn execute_line(db: &impl Ledger, ctx: &Context, cli: &Cli) -> Result<Output> {
    let Some(key) = cli.idempotency_key.as_deref().filter(|_| access(&cli.command).writes()) else {
        return execute(db, ctx, &cli.command);
    };
    if key.is_empty() || key.chars().count() > LONGEST_KEY {
        return Err(Error::usage("an idempotency key is 1 to 200 characters"));
    }
    // The command as data, defaults filled in, so that spelling (`--quantity 1`
    // or nothing) does not matter and an upgrade does not change it.
    let Some(request) = crate::rules::idempotency::identity(&cli.command) else {
        return execute(db, ctx, &cli.command);
    };
    if let Some((original, human, json)) = db.idempotency_key(key)? {
        if original != request {
            return Err(Refusal::KeyReused {
                key: key.to_owned(),
                original,
            }
            .into());
        }
        let json = serde_json::from_str(&json).unwrap_or(serde_json::Value::Null);
        return Ok(Output { human, json });
    }
    let output = execute(db, ctx, &cli.command)?;
    db.remember_key(
        key,
        &request,
        &output.human,
        &output.json.to_string(),
        db.clock()?,
        ctx.actor(),
    )?;
    Ok(output)
}
