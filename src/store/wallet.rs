//! Opening a wallet by its location and running transactions on it, in
//! words that fit any backend: a read, a write (one change, or a bulk one),
//! many units committed together, a wallet created only once its first
//! write has landed. Today every location is a `SQLite` file or `:memory:`.

use std::time::Duration;

use anyhow::anyhow;

use super::Location;
use super::sqlite::{self, Published};

/// The wallet seen from inside one transaction: what [`Wallet::read`],
/// [`Wallet::write`] and a [`Batch`] hand to their work. Commands use it
/// through [`super::Ledger`] only.
pub type Transaction<'c> = sqlite::Db<'c>;

/// Many small units of work committed together (see [`Wallet::units`]).
pub type Batch<'w> = sqlite::Batch<'w>;

/// How a write is committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// One change, all of it or none.
    One,
    /// A bulk write: all of it or none, its every row made from rows it has
    /// just read or written (a clock advance), which the backend may load
    /// faster by checking their references afterwards (`verify`).
    Bulk,
}

/// How many times a write that found no wallet tries again when another
/// command created it first.
const CREATE_ATTEMPTS: u32 = 3;

/// An open wallet.
pub struct Wallet(sqlite::Store);

impl Wallet {
    /// The wallet at `location` opened for reading; a missing wallet reads
    /// as an empty one (its clock at `now`) and nothing is created.
    pub fn open_for_reading(location: &Location, now: crate::rules::clock::Instant) -> anyhow::Result<Wallet> {
        Ok(Wallet(match sqlite::Store::open_read_only(location, now)? {
            Some(store) => store,
            None => sqlite::Store::open(&Location::Memory, now)?,
        }))
    }

    /// The wallet at `location` opened for a quick look that leaves no trace
    /// (shell completion); `None` where there is none to look at.
    pub fn open_for_a_look(location: &Location) -> Option<Wallet> {
        match location {
            Location::Memory => None,
            Location::File(path) => sqlite::Store::open_untouched(path).map(Wallet),
        }
    }

    /// The wallet at `location` opened for writing, created in place at once
    /// (empty but for its clock, at `created_clock`) when it is missing: for
    /// work that commits as it goes ([`Wallet::units`]).
    pub fn open_in_place(location: &Location, created_clock: crate::rules::clock::Instant) -> anyhow::Result<Wallet> {
        sqlite::Store::open_published(location, created_clock).map(Wallet)
    }

    /// Runs `change` as one write of the wallet at `location`, committed as
    /// `commit` says. A missing wallet is created (its clock at
    /// `created_clock`) and appears whole, only once the write has landed; if
    /// another command created it meanwhile, `change` runs again against that
    /// one. Returns what `change` returned, and the wallet still open for
    /// more writes unless it was new.
    pub fn write_at<T, E>(
        location: &Location,
        created_clock: crate::rules::clock::Instant,
        commit: Commit,
        change: impl Fn(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<(T, Option<Wallet>), E>
    where
        E: From<anyhow::Error>,
    {
        for _ in 0..CREATE_ATTEMPTS {
            let mut wallet = Wallet(sqlite::Store::open(location, created_clock)?);
            let value = wallet.write(commit, &change)?;
            if !wallet.0.is_new() {
                return Ok((value, Some(wallet)));
            }
            if let Published::Done = wallet.0.publish()? {
                return Ok((value, None));
            }
        }
        Err(anyhow!(
            "other commands kept creating {location} at the same moment as this one; nothing was changed — run the command again"
        )
        .into())
    }

    /// Runs `f` in one short read transaction.
    pub fn read<T, E>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        self.0.read(f)
    }

    /// Runs `f` in one write transaction, committed as `commit` says: all of
    /// it lands or none.
    pub fn write<T, E>(&mut self, commit: Commit, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        match commit {
            Commit::One => self.0.write(f),
            Commit::Bulk => self.0.write_bulk(f),
        }
    }

    /// Many small units of work, each landing whole or not at all, committed
    /// together after `every` units or `max_open` of time, whichever comes
    /// first, and when the batch is committed; a bulk load (as
    /// [`Commit::Bulk`]).
    pub fn units(&mut self, every: usize, max_open: Duration) -> anyhow::Result<Batch<'_>> {
        self.0.batch(every, max_open)
    }
}
