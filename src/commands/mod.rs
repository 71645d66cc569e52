//! One file per subcommand: load what the rule needs, call the rule, apply
//! the change, render. This file is the dispatch: [`access`] says, for every
//! command, how it meets the wallet (not at all, read-only, streamed, in one
//! transaction, as a bulk write); [`dispatch`] opens the wallet that way
//! ([`open`]) and [`execute`] says what runs each command inside the
//! transaction, which `replay` reuses per line.

mod account;
mod advance_clock;
mod apply;
mod buy;
mod compare;
mod context;
mod copy;
mod corrections;
mod idempotency;
mod init;
mod open;
mod output;
mod pricing;
pub(crate) mod replay;
mod reports;
mod spending;
mod subscription;
mod verify;
mod views;

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;

use crate::cli::{AccountCommand, Cli, Command, HelpArgs, PricingCommand, ReportCommand, ShellArg};
use crate::error::{Error, Result};
use crate::store::{Commit, Ledger, Wallet};

pub use context::Context;
pub use output::{Output, Stdout};

use idempotency::execute_line;

use output::Streamed;

/// How a command meets the wallet.
pub(crate) enum Access<'a> {
    /// Runs without opening the wallet (a replay opens its own).
    NoWallet(NoWallet<'a>),
    /// Reads through a read-only open that never creates the wallet.
    Read,
    /// Reads every account, writing each to stdout as it is read.
    Stream(Streamed<'a>),
    /// Changes the wallet in one transaction.
    Write,
    /// Changes the wallet as a bulk write: a clock advance, which writes
    /// only rows made from the wallet's own.
    BulkWrite,
}

/// The commands the binary runs without the wallet.
pub(crate) enum NoWallet<'a> {
    Pricing(&'a PricingCommand),
    Completions(ShellArg),
    Manpage,
    Help(&'a HelpArgs),
    Replay {
        file: &'a Path,
        quiet: bool,
        commit_every: Option<u32>,
    },
    /// Opens the wallet and its copy's destination itself.
    Copy {
        to: &'a str,
    },
    /// Replays a scenario on two throwaway wallets of its own.
    Compare {
        file: &'a Path,
        with: &'a Path,
    },
}

impl Access<'_> {
    /// Whether the command changes the wallet (and so honours an
    /// idempotency key, and counts as a write in a replay).
    pub(crate) fn writes(&self) -> bool {
        matches!(self, Access::Write | Access::BulkWrite)
    }
}

/// How each command meets the wallet: the one list the binary, a session
/// and a replay go by. What then runs it is [`execute`].
pub(crate) fn access(command: &Command) -> Access<'_> {
    match command {
        Command::Init { .. }
        | Command::Account(AccountCommand::Add { .. })
        | Command::Buy { .. }
        | Command::Subscribe { .. }
        | Command::Cancel { .. }
        | Command::Generate { .. }
        | Command::Edit { .. }
        | Command::Train { .. }
        | Command::License { .. }
        | Command::Grant { .. }
        | Command::Debit { .. }
        | Command::Void { .. } => Access::Write,
        Command::AdvanceClock(_) => Access::BulkWrite,
        Command::Balance { account: Some(_), .. }
        | Command::History { .. }
        | Command::Images { .. }
        | Command::Account(AccountCommand::Show { .. })
        | Command::Report(ReportCommand::Summary { .. })
        | Command::Verify => Access::Read,
        Command::Report(ReportCommand::Expiring { within }) => Access::Stream(Streamed::Expiring(within)),
        Command::Account(AccountCommand::List) => Access::Stream(Streamed::AccountList),
        Command::Log(args) => Access::Stream(Streamed::Log(args)),
        Command::Balance { account: None, as_of } => Access::Stream(Streamed::AllBalances {
            as_of: as_of.as_deref(),
        }),
        Command::Pricing(p) => Access::NoWallet(NoWallet::Pricing(p)),
        Command::Completions { shell } => Access::NoWallet(NoWallet::Completions(*shell)),
        Command::Manpage => Access::NoWallet(NoWallet::Manpage),
        Command::Help(args) => Access::NoWallet(NoWallet::Help(args)),
        Command::Replay {
            file,
            quiet,
            commit_every,
        } => Access::NoWallet(NoWallet::Replay {
            file,
            quiet: *quiet,
            commit_every: *commit_every,
        }),
        Command::Copy { to } => Access::NoWallet(NoWallet::Copy { to }),
        Command::Compare { file, with } => Access::NoWallet(NoWallet::Compare { file, with }),
        Command::Export { .. } => Access::Stream(Streamed::Export(command)),
    }
}

/// Runs one parsed command line and returns what goes to stdout (the views
/// of every account are written to stdout as they are read).
pub fn run(cli: Cli, ctx: &Context) -> Result<String> {
    let mut out = Stdout::default();
    let text = dispatch(&cli, ctx, &mut None, &mut out)?;
    out.flush().context("cannot write to stdout")?;
    Ok(text)
}

/// Runs one parsed command line the way the binary does, opening the wallet
/// as [`access`] says. `writer` is the wallet open for writing when the
/// caller keeps it open between commands ([`crate::session::Session`]).
/// Returns what goes to stdout; the views of every account write theirs to
/// `streamed` as they read it. `run` and `Session` both come through here,
/// so tests that drive a session take the binary's paths.
pub(crate) fn dispatch(
    cli: &Cli,
    ctx: &Context,
    writer: &mut Option<Wallet>,
    streamed: &mut dyn std::io::Write,
) -> Result<String> {
    let command = &cli.command;
    let commit = match access(command) {
        Access::NoWallet(NoWallet::Pricing(p)) => return pricing::run(p, ctx).map(|o| o.render(ctx.json)),
        Access::NoWallet(NoWallet::Completions(shell)) => return Ok(crate::completion::script(shell)),
        Access::NoWallet(NoWallet::Manpage) => return Ok(crate::completion::manpage()),
        Access::NoWallet(NoWallet::Help(args)) => return crate::help::run(args),
        Access::NoWallet(NoWallet::Replay {
            file,
            quiet,
            commit_every,
        }) => return replay::run(file, ctx, quiet, commit_every),
        Access::NoWallet(NoWallet::Copy { to }) => return copy::run(ctx, to).map(|o| o.render(ctx.json)),
        Access::NoWallet(NoWallet::Compare { file, with }) => {
            return compare::run(file, with, ctx).map(|o| o.render(ctx.json));
        }
        Access::Read => {
            let output = open::read(ctx, writer, |db| execute(db, ctx, command))?;
            return Ok(output.render(ctx.json));
        }
        Access::Stream(view) => {
            open::read(ctx, writer, |db| view.write(db, ctx.json, streamed))?;
            return Ok(String::new());
        }
        Access::Write => Commit::One,
        Access::BulkWrite => Commit::Bulk,
    };
    let output = open::write(ctx, writer, commit, |db| execute_line(db, ctx, cli))?;
    Ok(output.render(ctx.json))
}

/// Runs one command inside the caller's transaction: what runs each command.
pub fn execute(db: &impl Ledger, ctx: &Context, command: &Command) -> Result<Output> {
    match command {
        Command::Init { now } => init::run(db, ctx, now.as_deref()),
        Command::Account(AccountCommand::Add { account }) => account::add(db, ctx, account),
        Command::Account(AccountCommand::List) => Output::collect(|json, out| account::list(db, json, out)),
        Command::Account(AccountCommand::Show { account }) => views::account_show(db, ctx, account),
        Command::Buy {
            account,
            product,
            quantity,
        } => buy::run(db, ctx, account, product, *quantity),
        Command::Subscribe { account, plan } => subscription::subscribe(db, ctx, account, plan),
        Command::Cancel { account, undo } => subscription::cancel(db, ctx, account, *undo),
        Command::Generate { account, style, count } => spending::generate(db, ctx, account, style, *count),
        Command::Edit { account, image, op } => spending::edit(db, ctx, account, image, *op),
        Command::Train { account, style } => spending::train(db, ctx, account, style),
        Command::License { account, image } => spending::license(db, ctx, account, image),
        Command::AdvanceClock(args) => advance_clock::run(db, ctx, args),
        Command::Grant {
            account,
            amounts,
            reason,
            expires_in,
        } => corrections::grant(db, ctx, account, amounts, reason, expires_in.as_deref()),
        Command::Debit {
            account,
            amounts,
            reason,
        } => corrections::debit(db, ctx, account, amounts, reason),
        Command::Void { operation, reason } => corrections::void(db, ctx, *operation, reason),
        Command::Log(args) => Output::collect(|json, out| corrections::log(db, args, json, out)),
        Command::Balance {
            account: Some(account),
            as_of,
        } => views::balance(db, ctx, account, as_of.as_deref()),
        Command::Balance { account: None, as_of } => {
            Output::collect(|json, out| views::all_balances(db, as_of.as_deref(), json, out))
        }
        Command::History {
            account,
            since,
            until,
            reason,
            limit,
        } => views::history(db, ctx, account, since.as_deref(), until.as_deref(), reason, *limit),
        Command::Images { account } => views::images(db, ctx, account),
        Command::Verify => verify::run(db),
        Command::Pricing(p) => pricing::run(p, ctx),
        Command::Completions { shell } => Ok(Output::new(crate::completion::script(*shell), serde_json::Value::Null)),
        Command::Manpage => Ok(Output::new(crate::completion::manpage(), serde_json::Value::Null)),
        Command::Help(_) => Err(Error::usage(replay::HELP_IN_A_SCENARIO)),
        Command::Replay { .. } => Err(Error::usage(
            "a scenario cannot replay another scenario; run them one after the other",
        )),
        Command::Report(report) => reports::run(db, ctx, report),
        Command::Export { .. } => Output::collect(|json, out| reports::export(db, command, json, out)),
        Command::Compare { .. } => Err(Error::usage(
            "a scenario cannot compare scenarios; run compare after the replay, outside it",
        )),
        Command::Copy { .. } => Err(Error::usage(
            "a scenario cannot copy the wallet; copy it after the replay with: wallet copy --to DEST",
        )),
    }
}
