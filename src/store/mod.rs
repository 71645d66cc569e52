//! The one place that talks to a wallet's storage, and the one interface the
//! rest of the program uses for it: [`Wallet`] opens a wallet by its
//! [`Location`] and runs transactions on it; inside one, [`Ledger`] is every
//! query and write in the domain's words, on a [`Transaction`]. Each backend
//! is its own folder with its schema, migrations and tuning: [`sqlite`] (a
//! wallet file, the default) and [`postgres`] (a wallet shared on a
//! server). What both share: recording a change ([`record`]), what a write
//! remembers ([`memo`]) and putting a history together ([`history`]).

mod copy;
mod history;
mod invariants;
mod ledger;
mod location;
mod memo;
pub mod postgres;
mod record;
pub mod sqlite;
mod transaction;
mod wallet;

pub use copy::{Copied, copy};
pub use ledger::{AccountRef, Ledger};
pub use location::Location;
pub use record::Recorded;
pub use transaction::Transaction;
pub use wallet::{Batch, Commit, Wallet};
