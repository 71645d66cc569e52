//! How the binary (and a [`crate::session::Session`]) opens the wallet for
//! one command: [`read`] through a read-only open that never creates it,
//! [`write`] in one transaction that creates the wallet when it is missing.

use crate::error::{Error, Result};
use crate::store::{Db, Location, Published, Store};

use super::{Context, Output};

/// How a write is committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Commit {
    /// One `BEGIN IMMEDIATE` transaction.
    Transaction,
    /// A bulk write: a clock advance, which writes only rows made from the wallet's own.
    Bulk,
}

/// How many times a command that found no wallet tries again when another
/// command created it first.
const CREATE_ATTEMPTS: u32 = 3;

/// Runs `view` on the wallet opened read-only; a missing wallet reads as an
/// empty one and nothing is created. `writer` is the wallet a session keeps
/// open for writing.
pub(super) fn read<T>(ctx: &Context, writer: &mut Option<Store>, view: impl FnOnce(&Db<'_>) -> Result<T>) -> Result<T> {
    // A wallet in memory lives only in the connection that made it.
    if let (Location::Memory, Some(store)) = (&ctx.location, writer.as_mut()) {
        return store.read(view);
    }
    let mut store = match Store::open_read_only(&ctx.location, ctx.system_now)? {
        Some(store) => store,
        None => Store::open(&Location::Memory, ctx.system_now)?,
    };
    store.read(view)
}

/// Runs `change` in one write of the wallet, committed as `commit` says.
/// `writer` is the wallet open for writing when the caller keeps it open
/// between commands ([`crate::session::Session`]); otherwise it is opened
/// here, and dropped again after a failure.
pub(super) fn write(
    ctx: &Context,
    writer: &mut Option<Store>,
    commit: Commit,
    change: impl Fn(&Db<'_>) -> Result<Output>,
) -> Result<Output> {
    let write_once = |store: &mut Store| match commit {
        Commit::Transaction => store.write(&change),
        Commit::Bulk => store.write_bulk(&change),
    };
    // A session keeps the wallet it writes to open for its next commands.
    if let Some(store) = writer.as_mut() {
        return write_once(store);
    }
    // A command that creates the wallet runs in a private new one, published
    // when it has committed; if another command published one first, this
    // one runs again against that (it has not been acknowledged yet).
    for _ in 0..CREATE_ATTEMPTS {
        let mut store = Store::open(&ctx.location, ctx.system_now)?;
        let output = write_once(&mut store)?;
        if !store.is_new() {
            *writer = Some(store);
            return Ok(output);
        }
        if let Published::Done = store.publish()? {
            return Ok(output);
        }
    }
    Err(Error::Failed(anyhow::anyhow!(
        "other commands kept creating {} at the same moment as this one; nothing was changed — run the command again",
        ctx.location
    )))
}
