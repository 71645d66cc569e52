//! Opening a wallet by its location and running transactions on it, in
//! words that fit any backend: a read, a write (one change, or a bulk one),
//! many units committed together, a wallet created only once its first
//! write has landed.

use std::time::Duration;

use anyhow::anyhow;

use crate::rules::clock::Instant;

use super::sqlite::{self, Published};
use super::{Location, Transaction, postgres};

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
pub enum Wallet {
    Sqlite(sqlite::Store),
    Postgres {
        store: Box<postgres::Store>,
        /// The clock a wallet created by this connection's first write starts at.
        created_clock: Instant,
    },
}

impl Wallet {
    /// The wallet at `location` opened for reading; a missing wallet reads
    /// as an empty one (its clock at `now`) and nothing is created.
    pub fn open_for_reading(location: &Location, now: Instant) -> anyhow::Result<Wallet> {
        let found = match location {
            Location::Server(server) => postgres::Store::open_read_only(server)?.map(|store| Wallet::Postgres {
                store: Box::new(store),
                created_clock: now,
            }),
            _ => sqlite::Store::open_read_only(location, now)?.map(Wallet::Sqlite),
        };
        match found {
            Some(wallet) => Ok(wallet),
            None => Ok(Wallet::Sqlite(sqlite::Store::open(&Location::Memory, now)?)),
        }
    }

    /// The wallet at `location` opened for a quick look that leaves no trace
    /// (shell completion); `None` where there is none to look at.
    pub fn open_for_a_look(location: &Location) -> Option<Wallet> {
        match location {
            Location::Memory => None,
            Location::File(path) => sqlite::Store::open_untouched(path).map(Wallet::Sqlite),
            Location::Server(server) => {
                let store = postgres::Store::open_read_only(server).ok().flatten()?;
                Some(Wallet::Postgres {
                    store: Box::new(store),
                    created_clock: crate::rules::clock::from_unix(0)?,
                })
            }
        }
    }

    /// The wallet at `location` opened for writing, created in place at once
    /// (empty but for its clock, at `created_clock`) when it is missing: for
    /// work that commits as it goes ([`Wallet::units`]).
    pub fn open_in_place(location: &Location, created_clock: Instant) -> anyhow::Result<Wallet> {
        match location {
            Location::Server(server) => {
                let mut store = postgres::Store::connect(server)?;
                store.create_if_missing(created_clock)?;
                Ok(Wallet::Postgres {
                    store: Box::new(store),
                    created_clock,
                })
            }
            _ => sqlite::Store::open_published(location, created_clock).map(Wallet::Sqlite),
        }
    }

    /// Runs `change` as one write of the wallet at `location`, committed as
    /// `commit` says. A missing wallet is created (its clock at
    /// `created_clock`) and appears whole, only once the write has landed; if
    /// another command created it meanwhile, `change` runs again against that
    /// one; so does a write the server could not serialise with another.
    /// Returns what `change` returned, and the wallet still open for more
    /// writes unless it was new.
    pub fn write_at<T, E>(
        location: &Location,
        created_clock: Instant,
        commit: Commit,
        change: impl Fn(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<(T, Option<Wallet>), E>
    where
        E: From<anyhow::Error>,
    {
        if let Location::Server(server) = location {
            let mut wallet = Wallet::Postgres {
                store: Box::new(postgres::Store::connect(server)?),
                created_clock,
            };
            let mut attempt = 1;
            loop {
                match wallet.write(commit, &change) {
                    Err(_) if wallet.should_retry() && attempt < postgres::WRITE_ATTEMPTS => attempt += 1,
                    Err(_) if wallet.should_retry() => {
                        return Err(anyhow!(
                            "the server could not fit this write between other commands' writes in {attempt} attempts; nothing was changed — run the command again"
                        )
                        .into());
                    }
                    outcome => return outcome.map(|value| (value, Some(wallet))),
                }
            }
        }
        for _ in 0..CREATE_ATTEMPTS {
            let mut store = sqlite::Store::open(location, created_clock)?;
            let value = store.write_as(commit, |db| change(&Transaction::Sqlite(*db)))?;
            if !store.is_new() {
                return Ok((value, Some(Wallet::Sqlite(store))));
            }
            if let Published::Done = store.publish()? {
                return Ok((value, None));
            }
        }
        Err(anyhow!(
            "other commands kept creating {location} at the same moment as this one; nothing was changed — run the command again"
        )
        .into())
    }

    /// True when the last failure was one the server asks to retry.
    fn should_retry(&self) -> bool {
        matches!(self, Wallet::Postgres { store, .. } if store.should_retry())
    }

    /// Runs `f` in one short read transaction.
    pub fn read<T, E>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        match self {
            Wallet::Sqlite(store) => store.read(|db| f(&Transaction::Sqlite(*db))),
            Wallet::Postgres { store, .. } => store.read(|tx| f(&Transaction::Postgres(*tx))),
        }
    }

    /// Runs `f` in one write transaction, committed as `commit` says: all of
    /// it lands or none.
    pub fn write<T, E>(&mut self, commit: Commit, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        match (self, commit) {
            (Wallet::Sqlite(store), commit) => store.write_as(commit, |db| f(&Transaction::Sqlite(*db))),
            (Wallet::Postgres { store, created_clock }, _) => {
                store.write(*created_clock, |tx| f(&Transaction::Postgres(*tx)))
            }
        }
    }

    /// Many small units of work, each landing whole or not at all, committed
    /// together after `every` units or `max_open` of time, whichever comes
    /// first, and when the batch is committed; a bulk load (as
    /// [`Commit::Bulk`]).
    pub fn units(&mut self, every: usize, max_open: Duration) -> anyhow::Result<Batch<'_>> {
        Ok(match self {
            Wallet::Sqlite(store) => Batch::Sqlite(store.batch(every, max_open)?),
            Wallet::Postgres { store, created_clock } => {
                let created_clock = *created_clock;
                Batch::Postgres(store.batch(created_clock, every, max_open))
            }
        })
    }
}

/// Many small units of work committed together (see [`Wallet::units`]).
pub enum Batch<'w> {
    Sqlite(sqlite::Batch<'w>),
    Postgres(postgres::Batch<'w>),
}

impl Batch<'_> {
    /// Runs one unit atomically inside the batch's transaction.
    pub fn run<T, E>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        match self {
            Batch::Sqlite(batch) => batch.run(|db| f(&Transaction::Sqlite(*db))),
            Batch::Postgres(batch) => batch.run(|tx| f(&Transaction::Postgres(*tx))),
        }
    }

    /// Units run since the last commit (0 right after one).
    pub fn uncommitted(&self) -> usize {
        match self {
            Batch::Sqlite(batch) => batch.uncommitted(),
            Batch::Postgres(batch) => batch.uncommitted(),
        }
    }

    /// Commits every unit run so far.
    pub fn commit(&mut self) -> anyhow::Result<()> {
        match self {
            Batch::Sqlite(batch) => batch.commit(),
            Batch::Postgres(batch) => batch.commit(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::clock::at;
    use crate::store::Ledger;

    /// A clock advance is a bulk write on a file whether or not the command
    /// found the wallet already open (every command of a session but the
    /// first): both leave references to `verify`, and a single change does not.
    #[test]
    fn a_file_is_written_as_the_commit_says_on_every_path() {
        let dir = tempfile::tempdir().expect("dir");
        let location = Location::File(dir.path().join("w.sqlite3"));
        let t0 = at("2026-01-01T00:00:00Z");
        let enforced = |tx: &Transaction<'_>| -> anyhow::Result<bool> {
            match tx {
                Transaction::Sqlite(db) => Ok(db.enforces_foreign_keys()),
                Transaction::Postgres(_) => Err(anyhow!("a file was opened on a server")),
            }
        };
        let ((), opened) = Wallet::write_at(&location, t0, Commit::One, |tx| tx.set_clock(t0)).expect("create");
        assert!(opened.is_none(), "a new file is published, not kept open");
        for (commit, expected) in [(Commit::Bulk, false), (Commit::One, true)] {
            let (inside, opened) = Wallet::write_at(&location, t0, commit, enforced).expect("write");
            assert_eq!(inside, expected, "{commit:?}, opened by the command");
            let mut wallet = opened.expect("an existing file stays open");
            assert_eq!(
                wallet.write(commit, enforced).expect("write"),
                expected,
                "{commit:?}, kept open"
            );
        }
    }
}
