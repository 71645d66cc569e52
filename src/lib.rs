//! `wallet`: a credits and licenses wallet manager. The binary's `main` only
//! parses the command line and hands over to [`run`].

pub mod cli;
pub mod command_line;
pub mod commands;
pub mod completion;
pub mod error;
pub mod help;
pub mod money;
pub mod paths;
pub mod pricing;
pub mod report;
pub mod rules;
pub mod session;
pub mod shown;
pub mod store;
pub mod terminal;

#[cfg(test)]
mod robustness_tests;

// How many random cases a property runs and from which seed: one file for
// these unit tests and the integration tests.
#[cfg(test)]
#[path = "../tests/it/random.rs"]
mod random;

use std::io::Write;

use chrono::Utc;

use crate::cli::Cli;
use crate::commands::Context;
use crate::error::Error;
use crate::store::Location;
use crate::terminal::Terminal;

/// Runs one command line; returns the process exit code (SPEC §10).
pub fn run(cli: Cli) -> i32 {
    let cli = cli.with_log_filters();
    let outcome = context(&cli).and_then(|ctx| commands::run(cli, &ctx));
    match outcome {
        Ok(text) => {
            let mut stdout = commands::Stdout::default();
            match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
                Err(e) => {
                    eprintln!("wallet: cannot write to stdout: {e}");
                    1
                }
                Ok(()) => 0,
            }
        }
        Err(e) => {
            eprintln!("wallet: {e}");
            e.exit_code()
        }
    }
}

/// The longest actor name recorded with an operation, in characters.
const LONGEST_ACTOR: usize = 100;

/// Who runs a command, as recorded and shown by `history`: 1 to
/// [`LONGEST_ACTOR`] characters, none of them a control character.
fn is_valid_actor(name: &str) -> bool {
    !name.trim().is_empty() && name.chars().count() <= LONGEST_ACTOR && shown::is_printable(name)
}

fn context(cli: &Cli) -> Result<Context, Error> {
    let location = match &cli.db {
        Some(db) => Location::parse(db).map_err(|e| Error::usage(format!("{e:#}")))?,
        None => Location::File(paths::default_wallet().ok_or_else(|| {
            Error::usage("cannot find a home folder for the default wallet; pass --db PATH or set WALLET_DB")
        })?),
    };
    let system_now = rules::clock::from_unix(Utc::now().timestamp()).unwrap_or_else(Utc::now);
    let actor = match &cli.actor {
        Some(actor) if is_valid_actor(actor) => Some(actor.clone()),
        Some(actor) => {
            return Err(Error::usage(format!(
                "--actor '{}' is not a name to record: use 1 to {LONGEST_ACTOR} printable characters (no control characters)",
                shown::shown(actor)
            )));
        }
        // A $USER that is not a name to record is left out, as an unset one is.
        None => std::env::var("USER").ok().filter(|user| is_valid_actor(user)),
    };
    Ok(Context::new(
        location,
        cli.pricing.clone(),
        cli.json,
        actor,
        system_now,
        Terminal::of_stdout(cli.json),
    ))
}
