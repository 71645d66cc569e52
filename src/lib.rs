//! `wallet`: a credits and licenses wallet manager. The binary's `main` only
//! parses the command line and hands over to [`run`].

pub mod cli;
pub mod clock;
pub mod commands;
pub mod completion;
pub mod error;
pub mod paths;
pub mod pricing;
pub mod report;
pub mod request;
pub mod rules;
pub mod session;
pub mod store;

#[cfg(test)]
mod robustness_tests;

use std::io::{IsTerminal, Write};

use chrono::Utc;

use crate::cli::Cli;
use crate::commands::Context;
use crate::error::Error;
use crate::store::Location;

/// Runs one command line; returns the process exit code (SPEC §10).
pub fn run(cli: Cli) -> i32 {
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

fn context(cli: &Cli) -> Result<Context, Error> {
    let location = match &cli.db {
        Some(db) => Location::parse(db),
        None => Location::File(paths::default_wallet().ok_or_else(|| {
            Error::usage("cannot find a home folder for the default wallet; pass --db PATH or set WALLET_DB")
        })?),
    };
    let system_now = clock::from_unix(Utc::now().timestamp()).unwrap_or_else(Utc::now);
    let actor = cli
        .actor
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .filter(|u| !u.is_empty());
    // https://no-color.org: colour only on a terminal, never when NO_COLOR is set and not empty.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let paint = report::Paint(!cli.json && !no_color && std::io::stdout().is_terminal());
    Ok(Context::new(
        location,
        cli.pricing.clone(),
        cli.json,
        actor,
        system_now,
        paint,
    ))
}
