//! Where a wallet lives, as `--db` names it.

use std::path::PathBuf;

use crate::shown::shown_path;

/// Where the wallet lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Memory,
    File(PathBuf),
}

impl Location {
    pub fn parse(text: &str) -> Location {
        if text == ":memory:" {
            Location::Memory
        } else {
            Location::File(PathBuf::from(text))
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Memory => f.write_str(":memory:"),
            Location::File(p) => f.write_str(&shown_path(p)),
        }
    }
}
