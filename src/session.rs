//! A wallet that runs command lines in-process, each exactly as the binary
//! runs it (the same dispatch: reads through read-only opens, a clock advance
//! as a bulk write, other mutations in one transaction), but keeping the
//! wallet open for writing between commands — for tests and tools that drive
//! many commands without a process per command.

use std::path::PathBuf;

use crate::commands::{self, Context};
use crate::error::{Error, Result};
use crate::rules::clock::Instant;
use crate::store::{Location, Wallet};
use crate::terminal::Terminal;

pub struct Session {
    /// Open for writing from the first command that writes to an existing
    /// wallet (a new one is put in place by that command, as the binary
    /// does, and opened by the next), then kept for the commands after it.
    writer: Option<Wallet>,
    ctx: Context,
    parser: commands::replay::LineParser,
}

impl Session {
    /// A session on the wallet at `db` (`:memory:` works) with the pricing
    /// file at `pricing` (else the built-in one). As with the binary, the
    /// wallet is created by the first command that writes, and a new wallet's
    /// clock starts at `created_clock`.
    pub fn open(db: &str, pricing: Option<PathBuf>, created_clock: Instant) -> Result<Session> {
        let location = Location::parse(db)?;
        let ctx = Context::new(
            location,
            pricing,
            false,
            Some("session".to_owned()),
            created_clock,
            Terminal::of_stdout(false).without_colour(),
        );
        Ok(Session {
            writer: None,
            ctx,
            parser: commands::replay::LineParser::new(),
        })
    }

    /// Runs one command line (the words after `wallet`) as the binary would:
    /// a mutation lands whole or not at all. Returns what it would print.
    pub fn run(&mut self, words: &[&str]) -> Result<String> {
        let words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        let cli = self.parser.parse(&words)?;
        if matches!(cli.command, crate::cli::Command::Replay { .. }) {
            return Err(Error::usage("a session runs single commands, not scenarios"));
        }
        self.ctx.json = cli.json;
        let mut streamed = Vec::new();
        let mut text = commands::dispatch(&cli, &self.ctx, &mut self.writer, &mut streamed)?;
        text.insert_str(0, &String::from_utf8_lossy(&streamed));
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::clock::at;

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

    /// Issue 16: a session takes the binary's paths — a read creates no
    /// wallet, a failed first write leaves none, the first write creates it,
    /// and reads see what writes committed through their own read-only opens.
    #[test]
    fn a_session_opens_the_wallet_as_the_binary_does() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("w.sqlite3");
        let mut s = Session::open(db.to_str().expect("path"), None, at("2026-01-15T10:00:00Z")).expect("open");
        assert!(
            s.run(&["--json", "account", "list"])
                .is_ok_and(|out| out.trim() == "[]")
        );
        assert!(!db.exists(), "a read created the wallet");
        let refused = s.run(&["buy", "nobody", "license"]).expect_err("no such account");
        assert_eq!(refused.exit_code(), 3);
        assert!(!db.exists(), "a refused first write left a wallet behind");
        s.run(&["account", "add", "alice"]).expect("add");
        assert!(db.exists());
        s.run(&["advance-clock", "1d"]).expect("advance");
        let out = s.run(&["--json", "balance", "alice"]).expect("balance");
        assert!(out.contains("\"as_of\": \"2026-01-16T10:00:00Z\""), "{out}");
        let listed = s.run(&["--json", "account", "list"]).expect("list");
        assert!(listed.contains("\"account\": \"alice\""), "{listed}");
    }
}
