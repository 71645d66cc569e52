//! One file per subcommand: load what the rule needs, call the rule, apply
//! the change, render. [`run`] opens the wallet the way each command needs
//! (read-only or in one `BEGIN IMMEDIATE` transaction); [`execute`] runs one
//! command against an open transaction, which `replay` reuses per line.

mod account;
mod advance_clock;
mod buy;
mod init;
mod pricing;
pub(crate) mod replay;
mod spending;
mod subscription;
mod verify;
mod views;

use std::cell::OnceCell;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use serde::Serialize;

use crate::cli::{AccountCommand, Cli, Command};
use crate::clock::Instant;
use crate::error::{Error, Result};
use crate::pricing::Pricing;
use crate::report::Paint;
use crate::rules::{Asset, Change, Refusal};
use crate::store::{Db, Location, Published, Recorded, Store};

/// What every command may need from outside the wallet, decided once in main.
pub struct Context {
    pub location: Location,
    pub pricing_path: Option<PathBuf>,
    pub json: bool,
    pub actor: Option<String>,
    /// The system time: used only to start a new wallet's clock.
    pub system_now: Instant,
    /// Colour for people's tables: on a terminal without `NO_COLOR` only.
    pub paint: Paint,
    pricing: OnceCell<Pricing>,
}

impl Context {
    pub fn new(
        location: Location,
        pricing_path: Option<PathBuf>,
        json: bool,
        actor: Option<String>,
        system_now: Instant,
        paint: Paint,
    ) -> Context {
        Context {
            location,
            pricing_path,
            json,
            actor,
            system_now,
            paint,
            pricing: OnceCell::new(),
        }
    }

    /// The effective pricing (SPEC §10): --pricing / $WALLET_PRICING, else
    /// pricing.toml in the config dir, else the built-in copy. Loaded once.
    pub fn pricing(&self) -> Result<&Pricing> {
        if let Some(p) = self.pricing.get() {
            return Ok(p);
        }
        let loaded = Pricing::effective(self.pricing_path.as_deref())?;
        Ok(self.pricing.get_or_init(|| loaded))
    }

    pub fn actor(&self) -> Option<&str> {
        self.actor.as_deref()
    }
}

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
fn write_json(out: &mut dyn std::io::Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).context("cannot write JSON")?;
    out.write_all(b"\n").context("cannot write JSON")?;
    Ok(())
}

/// Views of every account, written to stdout as they are read, so that no
/// command holds all the accounts at once.
enum Streamed<'a> {
    AccountList,
    AllBalances { as_of: Option<&'a str> },
}

impl<'a> Streamed<'a> {
    fn of(command: &'a Command) -> Option<Streamed<'a>> {
        match command {
            Command::Account(AccountCommand::List) => Some(Streamed::AccountList),
            Command::Balance { account: None, as_of } => Some(Streamed::AllBalances {
                as_of: as_of.as_deref(),
            }),
            _ => None,
        }
    }

    fn write(&self, db: &Db<'_>, json: bool, out: &mut dyn std::io::Write) -> Result<()> {
        match self {
            Streamed::AccountList => account::list(db, json, out),
            Streamed::AllBalances { as_of } => views::all_balances(db, *as_of, json, out),
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

/// Commands that only read: they open the wallet read-only and never create it.
pub(crate) fn is_read_only(command: &Command) -> bool {
    matches!(
        command,
        Command::Balance { .. }
            | Command::History { .. }
            | Command::Images { .. }
            | Command::Account(AccountCommand::List | AccountCommand::Show { .. })
            | Command::Verify
            | Command::Pricing(_)
            | Command::Completions { .. }
            | Command::Manpage
            | Command::Help(_)
    )
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
/// the way the command needs: reads through a read-only open that never
/// creates it, a clock advance as a bulk write, every other mutation in one
/// `BEGIN IMMEDIATE` transaction. `writer` is the wallet open for writing
/// when the caller keeps it open between commands ([`crate::session::Session`]);
/// otherwise it is opened here, and dropped again after a failure. Returns
/// what goes to stdout; the views of every account write theirs to
/// `streamed` as they read it. `run` and `Session` both come through here,
/// so tests that drive a session take the binary's paths.
pub(crate) fn dispatch(
    cli: &Cli,
    ctx: &Context,
    writer: &mut Option<Store>,
    streamed: &mut dyn std::io::Write,
) -> Result<String> {
    match &cli.command {
        Command::Pricing(p) => return pricing::run(p, ctx).map(|o| o.render(ctx.json)),
        Command::Completions { shell } => return Ok(crate::completion::script(*shell)),
        Command::Manpage => return Ok(crate::completion::manpage()),
        Command::Help(args) => return crate::help::run(args),
        Command::Replay { file, quiet } => return replay::run(file, ctx, *quiet),
        _ => {}
    }
    if is_read_only(&cli.command) {
        let mut opened;
        let store = match (&ctx.location, writer.as_mut()) {
            // A wallet in memory lives only in the connection that made it.
            (Location::Memory, Some(store)) => store,
            _ => {
                // A missing wallet reads as an empty one; nothing is created.
                opened = match Store::open_read_only(&ctx.location, ctx.system_now)? {
                    Some(store) => store,
                    None => Store::open(&Location::Memory, ctx.system_now)?,
                };
                &mut opened
            }
        };
        if let Some(view) = Streamed::of(&cli.command) {
            store.read(|db| view.write(db, ctx.json, streamed))?;
            return Ok(String::new());
        }
        let output = store.read(|db| execute(db, ctx, &cli.command))?;
        return Ok(output.render(ctx.json));
    }
    // A session keeps the wallet it writes to open for its next commands.
    if let Some(store) = writer.as_mut() {
        return Ok(write_command(store, ctx, cli)?.render(ctx.json));
    }
    // A command that creates the wallet runs in a private new one, published
    // when it has committed; if another command published one first, this
    // one runs again against that (it has not been acknowledged yet).
    for _ in 0..CREATE_ATTEMPTS {
        let mut store = Store::open(&ctx.location, ctx.system_now)?;
        let output = write_command(&mut store, ctx, cli)?;
        if !store.is_new() {
            *writer = Some(store);
            return Ok(output.render(ctx.json));
        }
        if let Published::Done = store.publish()? {
            return Ok(output.render(ctx.json));
        }
    }
    Err(Error::Failed(anyhow::anyhow!(
        "other commands kept creating {} at the same moment as this one; nothing was changed — run the command again",
        ctx.location
    )))
}

/// One mutating command in one transaction; a clock advance, which writes
/// only rows made from the wallet's own, as a bulk write.
fn write_command(store: &mut Store, ctx: &Context, cli: &Cli) -> Result<Output> {
    if matches!(cli.command, Command::AdvanceClock(_)) {
        store.write_bulk(|db| execute_line(db, ctx, cli))
    } else {
        store.write(|db| execute_line(db, ctx, cli))
    }
}

/// How many times a command that found no wallet tries again when another
/// command created it first.
const CREATE_ATTEMPTS: u32 = 3;

/// Runs one parsed command line inside the caller's transaction, honouring
/// its idempotency key: a key seen before with the same request returns the
/// stored output and changes nothing; with another request it is refused.
pub fn execute_line(db: &Db<'_>, ctx: &Context, cli: &Cli) -> Result<Output> {
    let Some(key) = cli.idempotency_key.as_deref().filter(|_| !is_read_only(&cli.command)) else {
        return execute(db, ctx, &cli.command);
    };
    if key.is_empty() || key.len() > 200 {
        return Err(Error::usage("an idempotency key is 1 to 200 characters"));
    }
    // The command as data, defaults filled in, so that spelling (`--quantity 1`
    // or nothing) does not matter and an upgrade does not change it.
    let Some(request) = crate::request::identity(&cli.command) else {
        return execute(db, ctx, &cli.command);
    };
    if let Some((original, human, json)) = db.idempotency_key(key)? {
        if original != request {
            return Err(Refusal::KeyReused {
                key: key.to_owned(),
                original,
            }
            .into());
        }
        let json = serde_json::from_str(&json).unwrap_or(serde_json::Value::Null);
        return Ok(Output { human, json });
    }
    let output = execute(db, ctx, &cli.command)?;
    db.remember_key(
        key,
        &request,
        &output.human,
        &output.json.to_string(),
        db.clock()?,
        ctx.actor(),
    )?;
    Ok(output)
}

/// Runs one command inside the caller's transaction.
pub fn execute(db: &Db<'_>, ctx: &Context, command: &Command) -> Result<Output> {
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
    }
}

/// The id of a named account, or the refusal naming it.
pub(crate) fn account_id(db: &Db<'_>, handle: &str) -> Result<i64> {
    db.account_id(handle)?
        .ok_or_else(|| Refusal::UnknownAccount(handle.to_owned()).into())
}

/// What a mutating account command did.
pub(crate) struct Applied {
    pub change: Change,
    pub recorded: Recorded,
    pub at: Instant,
}

/// The shape every mutating account command shares: the named account, the
/// wallet clock, the rule, then the change recorded as one operation.
pub(crate) fn apply(
    db: &Db<'_>,
    ctx: &Context,
    handle: &str,
    rule: impl FnOnce(i64, Instant) -> Result<Change>,
) -> Result<Applied> {
    let id = account_id(db, handle)?;
    let at = db.clock()?;
    let change = rule(id, at)?;
    let recorded = db.record(id, at, &change, ctx.actor())?;
    Ok(Applied { change, recorded, at })
}

impl Applied {
    /// The standard output of a mutating command: its summary, and in JSON
    /// the operation with what it created.
    pub fn output(&self, account: &str) -> Output {
        #[derive(Serialize)]
        struct Changed<'a> {
            account: &'a str,
            operation: i64,
            kind: &'a str,
            at: String,
            summary: &'a str,
            credits_change: i64,
            licenses_change: i64,
            lots_created: &'a [i64],
        }
        Output::new(
            format!("{}\n", self.change.summary),
            Changed {
                account,
                operation: self.recorded.operation_id,
                kind: self.change.kind.as_str(),
                at: crate::clock::format_instant(self.at),
                summary: &self.change.summary,
                credits_change: self.change.net(Asset::Credits).unwrap_or(0),
                licenses_change: self.change.net(Asset::Licenses).unwrap_or(0),
                lots_created: &self.recorded.lot_ids,
            },
        )
    }
}
