//! An open wallet that runs command lines in-process, each in its own
//! transaction — what `replay` does per line, offered to tests and tools
//! that drive many commands without a process per command.

use std::path::PathBuf;

use crate::clock::Instant;
use crate::commands::{self, Context};
use crate::error::{Error, Result};
use crate::report::Paint;
use crate::store::{Location, Store};

pub struct Session {
    store: Store,
    ctx: Context,
    parser: commands::replay::LineParser,
}

impl Session {
    /// Opens (creating if needed) the wallet at `db` (`:memory:` works) with
    /// the pricing file at `pricing` (else the built-in one). A new wallet's
    /// clock starts at `created_clock`.
    pub fn open(db: &str, pricing: Option<PathBuf>, created_clock: Instant) -> Result<Session> {
        let location = Location::parse(db);
        let store = Store::open_published(&location, created_clock)?;
        let ctx = Context::new(
            location,
            pricing,
            false,
            Some("session".to_owned()),
            created_clock,
            Paint(false),
        );
        Ok(Session {
            store,
            ctx,
            parser: commands::replay::LineParser::new(),
        })
    }

    /// Runs one command line (the words after `wallet`) in one transaction:
    /// all of it lands or none of it. Returns what it would print.
    pub fn run(&mut self, words: &[&str]) -> Result<String> {
        let words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        let cli = self.parser.parse(&words)?;
        if matches!(cli.command, crate::cli::Command::Replay { .. }) {
            return Err(Error::usage("a session runs single commands, not scenarios"));
        }
        let ctx = &self.ctx;
        let output = self.store.write(|db| commands::execute_line(db, ctx, &cli))?;
        Ok(output.render(cli.json))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::at;

    #[test]
    fn runs_commands_atomically_and_reports_refusals_with_their_codes() {
        let mut s = Session::open(":memory:", None, at("2026-01-15T10:00:00Z")).expect("open");
        s.run(&["account", "add", "alice"]).expect("add");
        let out = s
            .run(&["--json", "generate", "alice", "--count", "2"])
            .expect("generate");
        assert!(out.contains("img-2"), "{out}");
        let refused = s
            .run(&["generate", "alice", "--count", "9"])
            .expect_err("only 8 credits left");
        assert_eq!(refused.exit_code(), 3);
        assert_eq!(
            s.run(&["buy", "alice", "x", "--quantity", "0"])
                .map_err(|e| e.exit_code()),
            Err(2)
        );
        let out = s.run(&["--json", "balance", "alice"]).expect("balance");
        assert!(out.contains("\"credits\": 8"), "{out}");
        assert!(s.run(&["verify"]).is_ok());
    }
}
