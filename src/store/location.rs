//! Where a wallet lives, as `--db` names it: a file (the default), `:memory:`,
//! or a database on a PostgreSQL server (`postgres://…`).

use std::path::PathBuf;

use crate::shown::shown_path;

use super::postgres::Server;

/// Where the wallet lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Memory,
    File(PathBuf),
    Server(Box<Server>),
}

impl Location {
    /// The location `--db` names; a server address that cannot be read is refused.
    pub fn parse(text: &str) -> anyhow::Result<Location> {
        Ok(if text == ":memory:" {
            Location::Memory
        } else if Server::is_address(text) {
            Location::Server(Box::new(Server::parse(text)?))
        } else {
            Location::File(PathBuf::from(text))
        })
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Memory => f.write_str(":memory:"),
            Location::File(p) => f.write_str(&shown_path(p)),
            Location::Server(s) => s.fmt(f),
        }
    }
}
