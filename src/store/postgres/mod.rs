//! The PostgreSQL backend: a wallet shared by many machines on one server.
//!
//! Main types: [`Store`] (a connection to the wallet's database) and [`Tx`] (a
//! view of it inside a transaction, through which every query and write
//! goes). Every write locks the wallet's one row first, so writers take turns
//! whole: the clock is single, ids are handed out by the writer
//! ([`ids`]: dense, unique, kept by a copy) and nothing is lost or doubled.
//! Writes are sent in batches: each one is added to the transaction's
//! pending writes ([`pending`], as SQL text: [`sql`]) and sent with the next
//! read or the commit, in one round trip. One home per job: [`server`] (the address, connecting, TLS,
//! failures in words), [`schema`] (the migrations), [`transaction`] (writes,
//! reads, batches, savepoints), [`read`], [`log`], [`rows`] and [`verify`]
//! (the queries and writes).

mod copy;
mod ids;
mod log;
mod pending;
mod read;
mod report;
mod rows;
mod schema;
mod server;
mod sql;
mod transaction;
mod verify;

use std::cell::{Cell, RefCell};

use postgres::Client;

use crate::store::memo::Memo;

pub use server::Server;
pub use transaction::{Batch, WRITE_ATTEMPTS};

/// An open connection to a wallet's database.
pub struct Store {
    conn: Conn,
}

/// The connection with what a transaction keeps beside it.
struct Conn {
    client: RefCell<Client>,
    server: Server,
    /// Writes not yet sent (see [`pending`]).
    pending: RefCell<pending::Pending>,
    /// The text of the last send, its buffer kept for the next.
    text: RefCell<String>,
    /// How many times pending text has been sent.
    sent: Cell<u64>,
    /// The units of work open inside the transaction, outermost first (see
    /// [`Tx::atomically`]).
    units: RefCell<Vec<transaction::Unit>>,
    /// The next id of each table, read once the write needs one.
    ids: RefCell<Option<ids::Ids>>,
    /// True when the last failure was one the server asks to retry.
    retry: Cell<bool>,
    /// True once the connection has its prepared updates ([`sql::PREPARED`]).
    prepared: Cell<bool>,
}

/// The wallet seen from inside one transaction (or savepoint).
#[derive(Clone, Copy)]
pub struct Tx<'c> {
    conn: &'c Conn,
    /// What a write or a batch has already read, if this is one.
    memo: Option<&'c Memo>,
}
