//! The one place that talks to a wallet's storage. Each backend is its own
//! folder; today there is one, [`sqlite`] (a wallet file), and the rest of the
//! program reaches it only through what this module names.

mod sqlite;

pub use sqlite::{Batch, Db, Location, Published, Recorded, Store};
