//! How the binary (and a [`crate::session::Session`]) opens the wallet for
//! one command: [`read`] through a read-only open that never creates it,
//! [`write`] in one transaction that creates the wallet when it is missing.

use crate::error::Result;
use crate::store::{Commit, Location, Transaction, Wallet};

use super::{Context, Output};

/// Runs `view` on the wallet opened read-only; a missing wallet reads as an
/// empty one and nothing is created. `writer` is the wallet a session keeps
/// open for writing.
pub(super) fn read<T>(
    ctx: &Context,
    writer: &mut Option<Wallet>,
    view: impl FnOnce(&Transaction<'_>) -> Result<T>,
) -> Result<T> {
    // A wallet in memory lives only in the connection that made it; a
    // session on a server reads through the connection it keeps (a read
    // transaction sees every committed write, so nothing differs but the
    // cost of connecting again).
    if let (Location::Memory | Location::Server(_), Some(wallet)) = (&ctx.location, writer.as_mut()) {
        return wallet.read(view);
    }
    Wallet::open_for_reading(&ctx.location, ctx.system_now)?.read(view)
}

/// Runs `change` in one write of the wallet, committed as `commit` says.
/// `writer` is the wallet open for writing when the caller keeps it open
/// between commands ([`crate::session::Session`]); otherwise it is opened
/// here (a missing one is created when the write lands), and dropped again
/// after a failure.
pub(super) fn write(
    ctx: &Context,
    writer: &mut Option<Wallet>,
    commit: Commit,
    change: impl Fn(&Transaction<'_>) -> Result<Output>,
) -> Result<Output> {
    // A session keeps the wallet it writes to open for its next commands.
    if let Some(wallet) = writer.as_mut() {
        return wallet.write(commit, &change);
    }
    let (output, opened) = Wallet::write_at(&ctx.location, ctx.system_now, commit, change)?;
    *writer = opened;
    Ok(output)
}
