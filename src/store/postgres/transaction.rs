//! Transactions on a wallet's database: one write, one read, a [`Batch`] of
//! many units, and a savepoint around one unit. A write begins by locking
//! the wallet row (creating the schema, under an advisory lock, when the
//! database has none yet); its writes wait in the pending text and go to the
//! server with the next read or with the `COMMIT`.

use std::time::Duration;

use anyhow::{anyhow, bail};
use postgres::SimpleQueryMessage;
use postgres::error::SqlState;
use postgres::types::{ToSql, Type};

use crate::rules::clock::{self, Instant};
use crate::store::memo::Memo;

use super::ids::{self, Ids};
use super::pending::{Mark, Part, Pending, Table};
use super::server::{Server, reason};
use super::sql::Cell;
use super::{Conn, Store, Tx, schema, sql};

/// How many times a write the server could not serialise (a deadlock, a
/// serialisation failure) is tried in all.
pub const WRITE_ATTEMPTS: u32 = 4;

/// The advisory lock taken by the one command that creates the schema.
const CREATING: i64 = 0x7761_6c6c_6574;

/// A unit of work open inside a transaction: it lands whole or not at all.
/// Its savepoint reaches the server only with the first of its writes that
/// does (a unit whose writes are all still pending is undone by forgetting
/// them): a server slows down with every savepoint a transaction takes.
pub(super) struct Unit {
    /// Where the unit's writes begin among the pending ones.
    mark: Mark,
    /// True once its savepoint is on the server.
    on_server: bool,
}

/// A parameter of a query with its type.
pub(super) type Param<'a> = (&'a (dyn ToSql + Sync), Type);

impl Conn {
    /// Adds one statement to the pending writes; sends them once they are many.
    pub(super) fn push(&self, statement: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
        self.pending.borrow_mut().statement(statement)?;
        self.send_if_full()
    }

    /// Adds one new row of `table` to the pending writes.
    pub(super) fn row(&self, table: Table, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        self.pending.borrow_mut().row(table, cells)?;
        self.send_if_full()
    }

    /// Adds a lot the transaction made to the pending writes.
    pub(super) fn lot(&self, lot: super::pending::NewLotRow) -> anyhow::Result<()> {
        self.pending.borrow_mut().lot(lot);
        self.send_if_full()
    }

    /// The first lot a change may change in place while pending: one made by
    /// the innermost open unit, so that both are undone together.
    fn fold_floor(&self) -> i64 {
        self.units.borrow().last().map_or(0, |unit| unit.mark.first_lot())
    }

    /// Adds a lot's new expiry to the pending writes.
    pub(super) fn expiry(&self, lot: i64, account: i64, expires_at: i64) -> anyhow::Result<()> {
        let floor = self.fold_floor();
        self.pending.borrow_mut().expiry(lot, account, expires_at, floor);
        self.send_if_full()
    }

    /// Adds a subscription's new schedule to the pending writes.
    pub(super) fn schedule(&self, schedule: super::pending::Schedule) -> anyhow::Result<()> {
        self.pending.borrow_mut().schedule(schedule);
        self.send_if_full()
    }

    /// Adds one debit from a lot to the pending writes.
    pub(super) fn debit(&self, lot: i64, account: i64, amount: i64) -> anyhow::Result<()> {
        let floor = self.fold_floor();
        self.pending.borrow_mut().debit(lot, account, amount, floor)?;
        self.send_if_full()
    }

    /// Sends what waits once it is much: with no unit of work open, only
    /// what may go ahead of the lots held back (see [`Pending::split_ahead`]),
    /// until those are many too.
    fn send_if_full(&self) -> anyhow::Result<()> {
        let (size, held) = {
            let pending = self.pending.borrow();
            (pending.size(), pending.held_lots())
        };
        if held >= sql::HOLD_LOTS {
            return self.send();
        }
        if size < sql::SEND_AT {
            return Ok(());
        }
        if !self.units.borrow().is_empty() {
            return self.send();
        }
        self.send_part(Part::Ahead, None)
    }

    /// Sends the pending writes, if any: in one round trip, but for a
    /// table with many new rows, which goes first by `COPY`. An open unit
    /// with writes among them gets its savepoint on the server first (and
    /// then every row goes in the one round trip, in order).
    pub(super) fn send(&self) -> anyhow::Result<()> {
        self.send_then(None)
    }

    /// Sends the pending writes followed by `last` (a `COMMIT`), which must
    /// come after all of them: the batched updates are sent after the
    /// statements kept in order.
    fn send_then(&self, last: Option<&str>) -> anyhow::Result<()> {
        self.send_part(Part::All, last)
    }

    /// Sends `part` of the pending writes, then `last`; the pending buffers
    /// are kept for the next writes (a send every megabyte that allocated
    /// them afresh left the allocator holding tens of megabytes).
    fn send_part(&self, part: Part, last: Option<&str>) -> anyhow::Result<()> {
        let mut pending = self.pending.borrow_mut();
        let sent = self.send_pending(&pending, part, last);
        pending.sent(part);
        sent
    }

    fn send_pending(&self, pending: &Pending, part: Part, last: Option<&str>) -> anyhow::Result<()> {
        if pending.is_empty() && last.is_none() {
            return Ok(());
        }
        let mut text = self.text.borrow_mut();
        text.clear();
        let mut from = Mark::default();
        let mut savepoints = false;
        for unit in self.units.borrow_mut().iter_mut() {
            if !unit.on_server && pending.written_since(&unit.mark) {
                pending.text(&from, &unit.mark, &[], part, &mut text);
                text.push_str("SAVEPOINT line;\n");
                from = unit.mark.clone();
                unit.on_server = true;
                savepoints = true;
            }
            unit.mark = Mark::default();
        }
        let bulk = if savepoints { Vec::new() } else { pending.bulk(part) };
        self.sent.set(self.sent.get() + 1);
        let mut client = self.client.borrow_mut();
        for (table, rows) in &bulk {
            let (name, columns) = table.columns();
            self.copy_in(&mut client, name, columns, rows.as_ref())?;
        }
        let sent: Vec<Table> = bulk.iter().map(|(t, _)| *t).collect();
        pending.text(&from, &pending.mark(), &sent, part, &mut text);
        if let Some(last) = last {
            text.push_str(last);
        }
        if text.is_empty() {
            return Ok(());
        }
        client.batch_execute(&text).map_err(|e| self.failed(&e))
    }

    /// Loads `rows`, lines of `COPY` text, into `table`'s `columns`.
    pub(super) fn copy_in(
        &self,
        client: &mut postgres::Client,
        table: &str,
        columns: &str,
        rows: &str,
    ) -> anyhow::Result<()> {
        let mut writer = client
            .copy_in(&format!("COPY {table} ({columns}) FROM STDIN"))
            .map_err(|e| self.failed(&e))?;
        std::io::Write::write_all(&mut writer, rows.as_bytes())
            .map_err(|e| anyhow!("the wallet database {} failed while rows were sent: {e}", self.server))?;
        writer.finish().map_err(|e| self.failed(&e))?;
        Ok(())
    }

    /// Runs a query after the pending text; its rows.
    pub(super) fn query(&self, sql: &str, params: &[Param<'_>]) -> anyhow::Result<Vec<postgres::Row>> {
        self.send()?;
        self.client
            .borrow_mut()
            .query_typed(sql, params)
            .map_err(|e| self.failed(&e))
    }

    /// A server's failure in the wallet's words, naming the database; one
    /// the server asks to retry is marked so.
    pub(super) fn failed(&self, e: &postgres::Error) -> anyhow::Error {
        let retry = matches!(
            e.code(),
            Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
        );
        self.retry.set(retry);
        anyhow!("the wallet database {} failed: {}", self.server, reason(e))
    }

    /// Runs `f` on the next ids, read once per write.
    pub(super) fn next_id(&self, f: impl FnOnce(&mut Ids) -> &mut i64) -> anyhow::Result<i64> {
        if self.ids.borrow().is_none() {
            let rows = self.query(ids::LARGEST, &[])?;
            let row = rows.first().ok_or_else(|| anyhow!("the wallet's ids cannot be read"))?;
            let mut largest = [0i64; 10];
            for (i, n) in largest.iter_mut().enumerate() {
                *n = row.try_get(i)?;
            }
            *self.ids.borrow_mut() = Some(Ids::after(largest)?);
        }
        let mut ids = self.ids.borrow_mut();
        let ids = ids.as_mut().ok_or_else(|| anyhow!("the wallet's ids cannot be read"))?;
        ids::take(f(ids))
    }

    /// Commits the open write transaction, which began when the connection
    /// had made `began` sends; counts it among the wallet's writes if it
    /// wrote anything. On failure nothing of it is kept. True if it wrote.
    fn commit(&self, began: u64) -> anyhow::Result<bool> {
        let wrote = self.sent.get() != began || !self.pending.borrow().is_empty();
        let committed = (|| {
            if wrote {
                self.push(format_args!("UPDATE wallet SET writes = writes + 1 WHERE id = 1"))?;
            }
            self.send_then(Some("COMMIT;"))
        })();
        match committed {
            Ok(()) => Ok(wrote),
            Err(e) => {
                self.roll_back();
                Err(e)
            }
        }
    }

    /// Ends the open transaction, keeping nothing of it.
    fn roll_back(&self) {
        self.pending.borrow_mut().clear();
        self.units.borrow_mut().clear();
        *self.ids.borrow_mut() = None;
        let _ = self.client.borrow_mut().batch_execute("ROLLBACK");
    }

    /// `BEGIN`, then the wallet row locked; a database without a wallet
    /// gets its schema and its row (its clock at `created_clock`) in this
    /// same transaction. Returns the count of writes committed so far.
    fn begin_write(&self, created_clock: Instant) -> anyhow::Result<i64> {
        const LOCK: &str = "SELECT schema, writes FROM wallet WHERE id = 1 FOR UPDATE";
        *self.ids.borrow_mut() = None;
        self.send()?;
        let locked = self.client.borrow_mut().simple_query(&format!("BEGIN; {LOCK}"));
        let messages = match locked {
            Ok(messages) => messages,
            Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => {
                self.roll_back();
                self.create(created_clock)?;
                self.client.borrow_mut().simple_query(LOCK).map_err(|e| {
                    let failed = self.failed(&e);
                    self.roll_back();
                    failed
                })?
            }
            Err(e) => {
                let failed = self.failed(&e);
                self.roll_back();
                return Err(failed);
            }
        };
        let row = messages.iter().find_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(row),
            _ => None,
        });
        let number = |i: usize| row.and_then(|r| r.get(i)).and_then(|v| v.parse::<i64>().ok());
        let (Some(version), Some(writes)) = (number(0), number(1)) else {
            self.roll_back();
            bail!("the wallet database {} has no wallet row; it is damaged", self.server);
        };
        if let Err(e) = schema::upgrade(self, version) {
            self.roll_back();
            return Err(e);
        }
        // Once the tables are there; a prepared statement outlives a rollback.
        if !self.prepared.get() {
            let prepared = self.client.borrow_mut().batch_execute(sql::PREPARED);
            if let Err(e) = prepared {
                let failed = self.failed(&e);
                self.roll_back();
                return Err(failed);
            }
            self.prepared.set(true);
        }
        Ok(writes)
    }

    /// Creates the schema and the wallet row inside the open transaction,
    /// unless another command did it first (they take turns by an advisory lock).
    fn create(&self, created_clock: Instant) -> anyhow::Result<()> {
        let t = clock::to_unix(created_clock);
        let made = (|| -> Result<(), postgres::Error> {
            let mut client = self.client.borrow_mut();
            client.batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock({CREATING})"))?;
            let exists: bool = client
                .query_one("SELECT to_regclass('wallet') IS NOT NULL", &[])?
                .try_get(0)?;
            if !exists {
                for sql in schema::MIGRATIONS {
                    client.batch_execute(sql)?;
                }
                client.batch_execute(&format!(
                    "INSERT INTO wallet (id, schema, clock, created_at) VALUES (1, {}, {t}, {t})",
                    schema::latest_version()
                ))?;
            }
            Ok(())
        })();
        made.map_err(|e| {
            let failed = self.failed(&e);
            self.roll_back();
            failed.context("cannot create the wallet's tables")
        })
    }
}

impl Store {
    /// Connects to the wallet's database.
    pub fn connect(server: &Server) -> anyhow::Result<Store> {
        Ok(Store {
            conn: Conn {
                client: std::cell::RefCell::new(server.connect()?),
                server: server.clone(),
                pending: std::cell::RefCell::default(),
                text: std::cell::RefCell::default(),
                sent: std::cell::Cell::new(0),
                units: std::cell::RefCell::default(),
                prepared: std::cell::Cell::new(false),
                ids: std::cell::RefCell::new(None),
                retry: std::cell::Cell::new(false),
            },
        })
    }

    /// Connects for reading: `None` when the database holds no wallet yet
    /// (nothing is created); a wallet of a newer schema is refused.
    pub fn open_read_only(server: &Server) -> anyhow::Result<Option<Store>> {
        let store = Store::connect(server)?;
        let version = store
            .conn
            .client
            .borrow_mut()
            .query_typed("SELECT schema FROM wallet WHERE id = 1", &[]);
        match version {
            Ok(rows) => {
                let version: i64 = match rows.first() {
                    Some(row) => row.try_get(0)?,
                    None => bail!("the wallet database {server} has no wallet row; it is damaged"),
                };
                schema::readable_as_it_is(server, version)?;
                Ok(Some(store))
            }
            Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => Ok(None),
            Err(e) => Err(store.conn.failed(&e)),
        }
    }

    /// True when the last failure was one the server asks to retry.
    pub fn should_retry(&self) -> bool {
        self.conn.retry.get()
    }

    /// Runs `f` in one write transaction holding the wallet row: all of it
    /// lands or none. A database without a wallet gets one (its clock at
    /// `created_clock`), committed with `f`'s writes.
    pub fn write<T, E>(&mut self, created_clock: Instant, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        self.conn.retry.set(false);
        self.conn.begin_write(created_clock)?;
        let began = self.conn.sent.get();
        let memo = Memo::default();
        let value = f(&Tx {
            conn: &self.conn,
            memo: Some(&memo),
        });
        match value {
            Ok(value) => {
                self.conn
                    .commit(began)
                    .map_err(|e| e.context("cannot commit to the wallet; nothing was changed"))?;
                Ok(value)
            }
            Err(e) => {
                self.conn.roll_back();
                Err(e)
            }
        }
    }

    /// Creates the wallet now if the database has none (a replay's start).
    pub fn create_if_missing(&mut self, created_clock: Instant) -> anyhow::Result<()> {
        self.write(created_clock, |_| Ok(()))
    }

    /// Runs `f` in one read transaction that sees one moment of the wallet.
    pub fn read<T, E>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        let sent = self.conn.sent.get();
        self.conn
            .push(format_args!("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))?;
        let value = f(&Tx {
            conn: &self.conn,
            memo: None,
        });
        self.conn.pending.borrow_mut().clear();
        if self.conn.sent.get() != sent {
            // Sent with the connection's next statement, if there is one.
            self.conn.push(format_args!("ROLLBACK"))?;
        }
        value
    }

    /// Many small units committed together (see [`Batch`]).
    pub fn batch(&mut self, created_clock: Instant, every: usize, max_open: Duration) -> Batch<'_> {
        Batch {
            conn: &self.conn,
            created_clock,
            memo: Memo::default(),
            writes: None,
            began: 0,
            opened: None,
            pending: 0,
            every: every.max(1),
            max_open,
        }
    }
}

/// Many small units of work committed together: each unit runs in its own
/// savepoint (so it lands whole or not at all), and the transaction, which
/// holds the wallet row, is committed after `every` units or when it has
/// been open for `max_open`, whichever comes first (so other writers get
/// their turn), and at [`Batch::commit`]. Dropping an uncommitted batch
/// rolls back its open part.
pub struct Batch<'s> {
    conn: &'s Conn,
    created_clock: Instant,
    memo: Memo,
    /// The wallet's count of writes after this batch's last commit.
    writes: Option<i64>,
    /// How many sends the connection had made when the open transaction began.
    began: u64,
    opened: Option<std::time::Instant>,
    pending: usize,
    every: usize,
    max_open: Duration,
}

impl Batch<'_> {
    /// Runs one unit atomically inside the batch's transaction.
    pub fn run<T, E>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        let opened = if let Some(t) = self.opened {
            t
        } else {
            let writes = self.conn.begin_write(self.created_clock)?;
            // Another command's write since this batch's last commit makes
            // what the batch remembers unreliable.
            if self.writes != Some(writes) {
                self.memo.forget();
            }
            self.writes = Some(writes);
            self.began = self.conn.sent.get();
            *self.opened.insert(std::time::Instant::now())
        };
        let value = Tx {
            conn: self.conn,
            memo: Some(&self.memo),
        }
        .atomically(f)
        .inspect_err(|_| self.memo.forget())?;
        self.pending += 1;
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
            let committed = self.conn.commit(self.began);
            self.opened = None;
            self.pending = 0;
            match committed {
                Ok(true) => self.writes = self.writes.and_then(|w| w.checked_add(1)),
                Ok(false) => {}
                Err(e) => {
                    self.memo.forget();
                    self.writes = None;
                    return Err(e.context("cannot commit to the wallet"));
                }
            }
            *self.conn.ids.borrow_mut() = None;
        }
        Ok(())
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        if self.opened.is_some() {
            self.conn.roll_back();
        }
    }
}

impl Tx<'_> {
    /// Runs `f` as one unit (see [`Unit`]): on error everything `f` did is
    /// undone and the surrounding transaction goes on.
    pub fn atomically<T, E>(&self, f: impl FnOnce(&Self) -> Result<T, E>) -> Result<T, E>
    where
        E: From<anyhow::Error>,
    {
        let conn = self.conn;
        let ids = *conn.ids.borrow();
        let mark = conn.pending.borrow().mark();
        conn.units.borrow_mut().push(Unit { mark, on_server: false });
        let value = f(self);
        let unit = conn
            .units
            .borrow_mut()
            .pop()
            .ok_or_else(|| anyhow!("internal error: a unit of work was closed twice"))?;
        match value {
            Ok(value) => {
                if unit.on_server {
                    conn.push(format_args!("RELEASE SAVEPOINT line"))?;
                }
                Ok(value)
            }
            Err(e) => {
                if let Some(memo) = self.memo {
                    memo.forget();
                }
                *conn.ids.borrow_mut() = ids;
                if unit.on_server {
                    conn.pending.borrow_mut().clear();
                    conn.push(format_args!("ROLLBACK TO SAVEPOINT line"))?;
                    conn.push(format_args!("RELEASE SAVEPOINT line"))?;
                } else {
                    conn.pending.borrow_mut().truncate(&unit.mark);
                }
                Err(e)
            }
        }
    }
}
