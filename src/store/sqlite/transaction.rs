//! Transactions: one write, one read, a [`Batch`] of many units, and a
//! savepoint around one unit.

use std::time::Duration;

use anyhow::{Context, anyhow};
use rusqlite::{Connection, TransactionBehavior};

use super::explain::{explain, is_busy};
use super::prepared;
use super::settings::{BATCH_CACHE_KIB, BATCH_CHECKPOINT_PAGES, BUSY_TIMEOUT, CACHE_KIB, CHECKPOINT_PAGES, Unenforced};
use super::{Db, Store};
use crate::store::Commit;
use crate::store::memo::Memo;

const BEGIN_ATTEMPTS: u32 = 3;

/// `BEGIN IMMEDIATE`, retried a bounded number of times while busy.
pub(super) fn begin_immediate(conn: &Connection) -> anyhow::Result<()> {
    let mut attempt = 1;
    loop {
        match conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => return Ok(()),
            Err(e) if is_busy(&e) && attempt < BEGIN_ATTEMPTS => attempt += 1,
            Err(e) if is_busy(&e) => {
                return Err(anyhow!(e).context(format!(
                    "the wallet is busy: other commands kept it locked through {attempt} waits of {}s; nothing was changed — run the command again, and if it stays busy look for a stuck wallet process (fuser on the wallet file)",
                    BUSY_TIMEOUT.as_secs()
                )));
            }
            Err(e) => return Err(explain(e, "the wallet")),
        }
    }
}

impl Store {
    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: all of it lands or none.
    pub fn write<T, E>(&mut self, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        write_on(&self.conn, f)
    }

    /// One write, committed as `commit` says: [`Store::write`] or
    /// [`Store::write_bulk`].
    pub fn write_as<T, E>(&mut self, commit: Commit, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        match commit {
            Commit::One => self.write(f),
            Commit::Bulk => self.write_bulk(f),
        }
    }

    /// [`Store::write`] as a bulk load: like a [`Batch`], it runs with
    /// foreign keys unenforced, for a clock advance, whose every row refers
    /// to rows it has just read or written (a year over 10,000 subscriptions
    /// is half a million rows; the parent lookups were a sixth of its work).
    /// They are enforced again afterwards.
    pub fn write_bulk<T, E>(&mut self, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        let _unenforced = Unenforced::new(&self.conn)
            .map_err(|e| anyhow!(e).context("cannot prepare the wallet for a bulk write"))?;
        write_on(&self.conn, f)
    }

    /// Runs `f` in one short read transaction.
    pub fn read<T, E>(&mut self, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(|e| anyhow!(e).context("cannot read the wallet"))?;
        let value = f(&Db {
            conn: &tx,
            memo: None,
            prepared: None,
        })?;
        tx.finish()
            .map_err(|e| anyhow!(e).context("cannot end the read transaction"))?;
        Ok(value)
    }
}

/// One `BEGIN IMMEDIATE` transaction on `conn` running `f`: all of it lands or none.
fn write_on<T, E>(conn: &Connection, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E>
where
    E: From<anyhow::Error>,
{
    begin_immediate(conn)?;
    // Remembered and prepared for this transaction only (a clock advance
    // reads each account's lots once and runs its writes many times).
    let memo = Memo::default();
    let prepared = prepared::Prepared::new(conn);
    match f(&Db {
        conn,
        memo: Some(&memo),
        prepared: Some(&prepared),
    }) {
        Ok(value) => {
            if let Err(e) = conn.execute_batch("COMMIT") {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(anyhow!(e)
                    .context("cannot commit to the wallet; nothing was changed")
                    .into());
            }
            Ok(value)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Many small units of work committed together: each unit runs in its own
/// savepoint (so it lands whole or not at all), and the surrounding
/// `BEGIN IMMEDIATE` transaction is committed after `every` units or when
/// it has been open for `max_open`, whichever comes first (so other writers
/// get their turn), and at [`Batch::commit`]. Dropping an uncommitted batch
/// rolls back its open part.
///
/// A batch is a bulk load, and like `SQLite`'s advice for one it runs with
/// foreign keys unenforced (they cost a parent lookup per reference, a
/// tenth of a replayed line). The references it writes are ids the store
/// has just read or created in the same transaction, a debit still fails
/// unless its lot belongs to the account, and `verify` checks every foreign
/// key. They are enforced again when the batch is dropped.
pub struct Batch<'s> {
    conn: &'s Connection,
    memo: Memo,
    prepared: prepared::Prepared<'s>,
    /// Dropped after [`Batch`]'s own `drop` has ended its transaction.
    _unenforced: Unenforced<'s>,
    opened: Option<std::time::Instant>,
    pending: usize,
    every: usize,
    max_open: Duration,
}

impl Store {
    pub fn batch(&mut self, every: usize, max_open: Duration) -> anyhow::Result<Batch<'_>> {
        // Outside a transaction (the pragma does nothing inside one): no
        // batch or write is open, since both borrow the store mutably.
        let unenforced = Unenforced::new(&self.conn)?;
        self.conn.pragma_update(None, "cache_size", -BATCH_CACHE_KIB)?;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", BATCH_CHECKPOINT_PAGES)?;
        Ok(Batch {
            conn: &self.conn,
            memo: Memo::default(),
            prepared: prepared::Prepared::new(&self.conn),
            _unenforced: unenforced,
            opened: None,
            pending: 0,
            every: every.max(1),
            max_open,
        })
    }
}

impl Batch<'_> {
    /// Runs one unit atomically inside the batch's transaction.
    pub fn run<T, E>(&mut self, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        let opened = if let Some(t) = self.opened {
            t
        } else {
            begin_immediate(self.conn)?;
            // Another connection's commit since this batch's last
            // transaction makes what the batch remembers unreliable.
            let version = match self.conn.query_row("PRAGMA data_version", [], |r| r.get(0)) {
                Ok(version) => version,
                Err(e) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    return Err(anyhow!(e).context("cannot read the wallet's data version").into());
                }
            };
            if self.memo.data_version.replace(Some(version)) != Some(version) {
                self.memo.forget();
            }
            *self.opened.insert(std::time::Instant::now())
        };
        let value = Db {
            conn: self.conn,
            memo: Some(&self.memo),
            prepared: Some(&self.prepared),
        }
        .atomically(f)
        .inspect_err(|_| self.memo.forget())?;
        self.pending += 1;
        // The time is read only every 64 units: it is not free either.
        if self.pending >= self.every || self.pending.is_multiple_of(64) && opened.elapsed() >= self.max_open {
            self.commit()?;
        }
        Ok(value)
    }

    /// Units run since the last commit (0 right after one).
    pub fn uncommitted(&self) -> usize {
        self.pending
    }

    /// Commits every unit run so far.
    pub fn commit(&mut self) -> anyhow::Result<()> {
        if self.opened.is_some() {
            // A COMMIT that fails may have rolled back.
            self.conn
                .execute_batch("COMMIT")
                .inspect_err(|_| self.memo.forget())
                .context("cannot commit to the wallet")?;
            self.opened = None;
            self.pending = 0;
        }
        Ok(())
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        if self.opened.is_some() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        // A failure leaves them so on a connection that is about to close.
        // Foreign keys are enforced again when `_unenforced` is dropped next.
        let _ = self.conn.pragma_update(None, "cache_size", -CACHE_KIB);
        let _ = self.conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_PAGES);
    }
}

impl Db<'_> {
    /// Runs `f` inside a savepoint: on error everything `f` did is undone
    /// and the surrounding transaction goes on.
    pub fn atomically<T, E>(&self, f: impl FnOnce(&Self) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        let sql = |s: &'static str| self.execute(s, &[]).map_err(|e| anyhow!(e).context("savepoint failed"));
        sql("SAVEPOINT line")?;
        match f(self) {
            Ok(value) => {
                sql("RELEASE line")?;
                Ok(value)
            }
            Err(e) => {
                if let Some(memo) = self.memo {
                    memo.forget();
                }
                // SQLite answers some failures (a full disk) by rolling the
                // whole transaction back: there is no savepoint left to undo,
                // nothing of the unit can be committed, and `e` says why.
                if self.conn.is_autocommit() {
                    return Err(e);
                }
                sql("ROLLBACK TO line")?;
                sql("RELEASE line")?;
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod batch_tests {
    use super::*;
    use crate::pricing::Pricing;
    use crate::rules::clock::Instant;
    use crate::rules::clock::at;
    use crate::rules::{self, Change, Effect, OperationKind, Style};
    use crate::store::Location;

    /// (`foreign_keys`, `cache_size`, `wal_autocheckpoint`) of the store's connection.
    fn settings(conn: &Connection) -> (i64, i64, i64) {
        let pragma = |name: &str| -> i64 { conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).expect(name) };
        (
            pragma("foreign_keys"),
            pragma("cache_size"),
            pragma("wal_autocheckpoint"),
        )
    }

    #[test]
    fn a_unit_undone_in_a_batch_leaves_nothing_remembered() {
        let (t0, t1) = (at("2026-01-01T00:00:00Z"), at("2026-02-01T00:00:00Z"));
        let mut store = Store::open(&Location::Memory, t0).expect("open");
        let mut batch = store.batch(1000, Duration::from_mins(1)).expect("batch");
        let failed = batch.run(|db| -> anyhow::Result<()> {
            assert_eq!(db.clock()?, t0);
            let id = db.create_account("ann", t0)?;
            assert_eq!(db.account_id("ann")?, Some(id));
            let images = Change {
                kind: OperationKind::Generate,
                summary: "two images".to_owned(),
                correction: None,
                effects: vec![Effect::CreateImages {
                    first_number: db.next_image_number()?,
                    count: 2,
                    style: Style::Base,
                }],
            };
            db.record(id, t0, &images, None)?;
            assert_eq!(db.next_image_number()?, 3);
            db.set_clock(t1)?;
            assert_eq!(db.clock()?, t1);
            assert!(db.live_lots(id)?.is_empty());
            anyhow::bail!("the unit fails after all")
        });
        assert!(failed.is_err());
        assert!(
            batch.memo.lots.borrow().is_empty(),
            "the undone unit's lots are forgotten"
        );
        batch
            .run(|db| -> anyhow::Result<()> {
                assert_eq!(db.account_id("ann")?, None, "the account was undone");
                assert_eq!(db.next_image_number()?, 1, "the images were undone");
                assert_eq!(db.clock()?, t0, "the clock was undone");
                Ok(())
            })
            .expect("second unit");
        batch.commit().expect("commit");
    }

    #[test]
    fn a_unit_whose_transaction_sqlite_rolled_back_reports_its_own_failure() {
        let t0 = at("2026-01-01T00:00:00Z");
        let mut store = Store::open(&Location::Memory, t0).expect("open");
        let mut batch = store.batch(1000, Duration::from_mins(1)).expect("batch");
        batch
            .run(|db| db.create_account("ann", t0).map(|_| ()))
            .expect("first unit");
        // As SQLite does on a full disk: the statement fails and the transaction is gone.
        let failed = batch.run(|db| -> anyhow::Result<()> {
            db.create_account("bob", t0)?;
            db.conn.execute_batch("ROLLBACK")?;
            anyhow::bail!("database or disk is full")
        });
        let message = format!("{:#}", failed.expect_err("the unit fails"));
        assert_eq!(message, "database or disk is full", "not a savepoint failure");
        assert!(batch.commit().is_err(), "nothing is left to commit");
        drop(batch);
        let ann = store.read(|db| db.account_id("ann")).expect("read");
        assert_eq!(ann, None, "the rolled-back batch kept nothing");
    }

    /// Signs `handle` up (its signup credits) and buys a credit pack.
    fn customer(db: &Db<'_>, handle: &str, now: Instant) -> anyhow::Result<i64> {
        let pricing = Pricing::builtin()?;
        let id = db.create_account(handle, now)?;
        db.record(id, now, &rules::signup(handle, false, &pricing, now)?, None)?;
        db.record(
            id,
            now,
            &rules::buy(handle, "credits-1000", 1, false, &pricing, now)?,
            None,
        )?;
        Ok(id)
    }

    /// Generates `count` base images for the account.
    fn generate(db: &Db<'_>, id: i64, count: u32, now: Instant) -> anyhow::Result<()> {
        let pricing = Pricing::builtin()?;
        let change = rules::generate(
            "ann",
            &db.live_lots(id)?,
            &[],
            Style::Base,
            count,
            db.next_image_number()?,
            &pricing,
            now,
        )?;
        db.record(id, now, &change, None)?;
        Ok(())
    }

    #[test]
    fn a_batch_keeps_the_lots_it_remembers_in_step_with_its_writes() {
        let t0 = at("2026-01-01T00:00:00Z");
        let mut store = Store::open(&Location::Memory, t0).expect("open");
        let mut batch = store.batch(1000, Duration::from_mins(1)).expect("batch");
        let id = batch.run(|db| customer(db, "ann", t0)).expect("customer");
        for (unit, count) in [4, 1, 3, 50, 2].into_iter().enumerate() {
            batch.run(|db| generate(db, id, count, t0)).expect("generate");
            let (remembered, rows) = batch
                .run(|db| -> anyhow::Result<_> { Ok((db.live_lots(id)?, db.query_live_lots(id)?)) })
                .expect("read");
            assert_eq!(remembered, rows, "after unit {unit}");
            if unit == 2 {
                batch.commit().expect("commit");
                assert!(
                    batch.memo.lots.borrow().contains_key(&id),
                    "kept across a commit when no one else wrote"
                );
            }
        }
        let pricing = Pricing::builtin().expect("pricing");
        // Use up the signup lot and part of the pack, then grant another pack.
        batch
            .run(|db| -> anyhow::Result<()> {
                generate(db, id, 60, t0)?;
                db.record(
                    id,
                    t0,
                    &rules::buy("ann", "credits-1000", 1, false, &pricing, t0)?,
                    None,
                )?;
                Ok(())
            })
            .expect("spend and buy");
        let (remembered, rows) = batch
            .run(|db| -> anyhow::Result<_> { Ok((db.live_lots(id)?, db.query_live_lots(id)?)) })
            .expect("read");
        assert_eq!(remembered, rows);
        assert_eq!(rows.len(), 2, "the signup lot is used up: {rows:?}");
    }

    #[test]
    fn a_batch_forgets_what_it_remembers_when_another_connection_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let location = Location::File(dir.path().join("w.sqlite3"));
        let t0 = at("2026-01-01T00:00:00Z");
        let mut ours = Store::open_published(&location, t0).expect("open");
        let mut theirs = Store::open_published(&location, t0).expect("open again");
        let mut batch = ours.batch(1000, Duration::from_mins(1)).expect("batch");
        let id = batch.run(|db| customer(db, "ann", t0)).expect("customer");
        let before = batch
            .run(|db| -> anyhow::Result<_> {
                assert_eq!(db.next_image_number()?, 1, "remembered before their write");
                db.live_lots(id)
            })
            .expect("lots");
        batch.commit().expect("commit");

        theirs.write(|db| generate(db, id, 5, t0)).expect("their write");

        let (after, rows) = batch
            .run(|db| -> anyhow::Result<_> { Ok((db.live_lots(id)?, db.query_live_lots(id)?)) })
            .expect("read after their write");
        assert_ne!(before, rows, "their write changed the lots");
        assert_eq!(after, rows, "the batch reads their write, not its memory");
        assert_eq!(batch.run(|db| db.next_image_number()).expect("next image"), 6);
    }

    #[test]
    fn a_batch_sets_its_own_connection_settings_and_restores_them() {
        let mut store = Store::open(&Location::Memory, at("2026-01-01T00:00:00Z")).expect("open");
        let single = (1, -CACHE_KIB, CHECKPOINT_PAGES);
        assert_eq!(settings(&store.conn), single);
        {
            let mut batch = store.batch(1000, Duration::from_mins(1)).expect("batch");
            let inside = batch
                .run(|db| -> anyhow::Result<_> { Ok(settings(db.conn)) })
                .expect("unit");
            assert_eq!(inside, (0, -BATCH_CACHE_KIB, BATCH_CHECKPOINT_PAGES));
        }
        assert_eq!(
            settings(&store.conn),
            single,
            "foreign keys enforced again, the usual cache and checkpoints"
        );
    }

    #[test]
    fn a_bulk_write_leaves_foreign_keys_to_verify_and_enforces_them_again() {
        let t0 = at("2026-01-01T00:00:00Z");
        let mut store = Store::open(&Location::Memory, t0).expect("open");
        let orphan = |db: &Db<'_>| {
            db.execute(
                "INSERT INTO operations (account_id, at, kind, summary) VALUES (99, 0, 'x', 'x')",
                &[],
            )
        };
        let inside = store
            .write_bulk(|db| -> anyhow::Result<_> {
                orphan(db)?;
                Ok(settings(db.conn).0)
            })
            .expect("an unenforced reference is written");
        assert_eq!(inside, 0);
        assert_eq!(settings(&store.conn).0, 1, "enforced again");
        let problems = store.read(|db| db.verify()).expect("verify");
        assert!(
            problems.iter().any(|p| p.starts_with("foreign key: operations")),
            "{problems:?}"
        );
        let refused = store.write(|db| -> anyhow::Result<_> { Ok(orphan(db)?) });
        assert!(refused.is_err(), "a single write enforces foreign keys");
        // A failed bulk write enforces them again too.
        let failed = store.write_bulk(|_| -> anyhow::Result<()> { Err(anyhow!("refused")) });
        assert!(failed.is_err());
        assert_eq!(settings(&store.conn).0, 1);
    }
}
