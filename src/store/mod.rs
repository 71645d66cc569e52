//! The one place that talks to a wallet's storage, and the one interface the
//! rest of the program uses for it: [`Wallet`] opens a wallet by its
//! [`Location`] and runs transactions on it; inside one, [`Ledger`] is every
//! query and write in the domain's words. Each backend is its own folder and
//! implements [`Ledger`] on its transaction view; today there is one,
//! [`sqlite`] (a wallet file, with its schema, migrations and tuning).

mod ledger;
mod location;
pub mod sqlite;
mod wallet;

pub use ledger::Ledger;
pub use location::Location;
pub use sqlite::Recorded;
pub use wallet::{Batch, Commit, Transaction, Wallet};
