//! What commands print and how it reaches stdout: [`Output`] (words for
//! people or JSON), [`Streamed`] (the views of every account, written as they
//! are read), [`Stdout`] (buffered, quiet once the reader has gone) and
//! [`write_json`], the one way `--json` is printed.

use anyhow::Context as _;
use serde::Serialize;

use crate::cli::{Command, LogArgs};
use crate::error::Result;
use crate::store::Ledger;

use super::{account, corrections, reports, views};

/// What a command prints: words for people, or JSON with `--json`.
pub struct Output {
    pub human: String,
    pub json: serde_json::Value,
}

impl Output {
    pub fn new(human: impl Into<String>, json: impl Serialize) -> Output {
        Output {
            human: human.into(),
            json: serde_json::to_value(json).unwrap_or(serde_json::Value::Null),
        }
    }

    /// The output of a view that writes its rows as it reads them (see
    /// [`Streamed`]), collected whole: inside a replay, where each line's
    /// output is printed after it has run.
    pub fn collect(write: impl Fn(bool, &mut dyn std::io::Write) -> Result<()>) -> Result<Output> {
        let mut human = Vec::new();
        write(false, &mut human)?;
        let mut json = Vec::new();
        write(true, &mut json)?;
        Ok(Output {
            human: String::from_utf8_lossy(&human).into_owned(),
            json: serde_json::from_slice(&json).map_err(anyhow::Error::from)?,
        })
    }

    pub fn render(&self, json: bool) -> String {
        if json {
            let mut text = Vec::new();
            // Writing a JSON value into memory cannot fail.
            let _ = write_json(&mut text, &self.json);
            String::from_utf8_lossy(&text).into_owned()
        } else {
            self.human.clone()
        }
    }
}

/// Pretty JSON and a newline: how every command prints `--json`.
pub(super) fn write_json(out: &mut dyn std::io::Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).context("cannot write JSON")?;
    out.write_all(b"\n").context("cannot write JSON")?;
    Ok(())
}

/// Views of every account, written to stdout as they are read, so that no
/// command holds all the accounts at once.
pub(crate) enum Streamed<'a> {
    AccountList,
    AllBalances {
        as_of: Option<&'a str>,
    },
    /// `log`: the wallet's operations, newest first.
    Log(&'a LogArgs),
    /// `export`: every ledger entry, in order.
    Export(&'a Command),
    /// `report expiring --within D`.
    Expiring(&'a str),
}

impl Streamed<'_> {
    pub(super) fn write(&self, db: &impl Ledger, json: bool, out: &mut dyn std::io::Write) -> Result<()> {
        match self {
            Streamed::AccountList => account::list(db, json, out),
            Streamed::AllBalances { as_of } => views::all_balances(db, *as_of, json, out),
            Streamed::Log(args) => corrections::log(db, args, json, out),
            Streamed::Export(command) => reports::export(db, command, json, out),
            Streamed::Expiring(within) => reports::expiring(db, within, json, out),
        }
    }
}

/// Buffered stdout that stops writing, without failing, once the reader has
/// gone (`wallet account list | head`). Everything the program prints on
/// stdout goes through it.
#[derive(Default)]
pub struct Stdout {
    buffer: Vec<u8>,
    closed: bool,
}

impl std::io::Write for Stdout {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= 64 * 1024 {
            self.flush()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let buffer = std::mem::take(&mut self.buffer);
        if self.closed {
            return Ok(());
        }
        let mut stdout = std::io::stdout().lock();
        match stdout.write_all(&buffer).and_then(|()| stdout.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }
}
