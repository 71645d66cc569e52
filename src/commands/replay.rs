//! `wallet replay FILE` (SPEC §11): one command per line, run in-process
//! against one open wallet, each line atomically, plus `expect` and
//! `expect-error` lines. Stops at the first surprise with `FILE:LINE:`.

use foldhash::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Read as _, Write};
use std::path::Path;

use anyhow::Context as _;
use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command};
use crate::command_line::Words;
use crate::error::{Error, Result};
use crate::rules::{Asset, is_valid_handle, usable_total};
use crate::shown::{shown, shown_lines, shown_path};
use crate::store::{Batch, Ledger, Wallet};
use indicatif::{ProgressBar, ProgressStyle};

use super::apply::account_id;
use super::idempotency::execute_line;
use super::{Context, access};

#[derive(Debug, Default)]
struct Tally {
    lines: usize,
    commands: usize,
    expectations: usize,
}

/// How a scenario read from stdin (`replay -`) is named in messages.
pub(super) const STDIN: &str = "<stdin>";

/// A failure at one line: the line's own exit code, the message prefixed
/// with where it happened.
pub(super) fn at_line(origin: &str, line: usize, e: Error) -> Error {
    let code = e.exit_code();
    Error::Coded(code, format!("{origin}:{line}: {e}"))
}

/// Parses the words of scenario lines as `wallet` command lines, with
/// clap's command definition built once rather than once per line, and the
/// last few thousand distinct lines remembered (scenarios repeat lines such
/// as `generate alice` or `advance-clock 1mo` a great deal).
///
/// Lines that differ only in the account they name (`generate c000017
/// --count 2`, `generate c004242 --count 2`) share one parse: the word clap's
/// definition puts in the account positional ([`Words::account_at`]) is
/// swapped for [`ANY_ACCOUNT`], that line is parsed (or remembered), and the
/// handle is put back into the account field. A handle is an ordinary
/// positional value to clap, so the result is the one the line would parse
/// to; when the swapped line does not parse, or the placeholder does not land
/// in the account field ([`Command::account_mut`]), the line is parsed as it is.
pub(crate) struct LineParser {
    command: clap::Command,
    seen: HashMap<Vec<String>, Cli>,
    /// By line with the handle swapped out: its parse, or `None` when that
    /// line cannot stand for the real one.
    shapes: HashMap<Vec<String>, Option<Cli>>,
}

/// Stands for the account in a remembered line shape; never a valid handle.
const ANY_ACCOUNT: &str = "\u{1}account";

/// Parsed lines remembered at most; the memory is cleared when full.
const LINES_REMEMBERED: usize = 4096;

impl LineParser {
    pub(crate) fn new() -> LineParser {
        let mut command = Cli::command();
        command.build();
        LineParser {
            command,
            seen: HashMap::default(),
            shapes: HashMap::default(),
        }
    }

    pub(crate) fn parse(&mut self, words: &[String]) -> Result<Cli> {
        if let Some(cli) = self.seen.get(words) {
            return Ok(cli.clone());
        }
        if let Some(cli) = self.parse_shape(words) {
            return Ok(cli);
        }
        let cli = self.parse_new(words)?;
        if self.seen.len() >= LINES_REMEMBERED {
            self.seen.clear();
        }
        self.seen.insert(words.to_vec(), cli.clone());
        Ok(cli)
    }

    /// The line parsed through its shape, when it names an account there.
    fn parse_shape(&mut self, words: &[String]) -> Option<Cli> {
        let at = Words::read(&self.command, words)
            .account_at()
            .filter(|at| is_valid_handle(&words[*at]))?;
        let mut shape = words.to_vec();
        let handle = std::mem::replace(&mut shape[at], ANY_ACCOUNT.to_owned());
        let parsed = if let Some(parsed) = self.shapes.get(&shape) {
            parsed.clone()
        } else {
            let parsed = self.parse_new(&shape).ok().and_then(|mut cli| {
                let stands_for_account = cli.command.account_mut().is_some_and(|a| a == ANY_ACCOUNT);
                stands_for_account.then_some(cli)
            });
            if self.shapes.len() >= LINES_REMEMBERED {
                self.shapes.clear();
            }
            self.shapes.insert(shape, parsed.clone());
            parsed
        };
        let mut cli = parsed?;
        *cli.command.account_mut()? = handle;
        Some(cli)
    }

    /// The line parsed by clap, remembering nothing.
    pub(crate) fn parse_new(&mut self, words: &[String]) -> Result<Cli> {
        // Global flags about the run as a whole, by clap's ids (`--actor`
        // only names whose operations a `log` line lists).
        const NOT_IN_A_LINE: [&str; 3] = ["db", "pricing", "actor"];
        let run_wide: Vec<(String, String)> = Words::read(&self.command, words)
            .flags
            .iter()
            .filter(|f| NOT_IN_A_LINE.contains(&f.id))
            .map(|f| (f.id.to_owned(), f.written.to_owned()))
            .collect();
        let is_log = |cli: &Cli| matches!(cli.command, Command::Log(_));
        let refused = |cli: Option<&Cli>| {
            let (_, flag) = run_wide
                .iter()
                .find(|(id, _)| id != "actor" || cli.is_some_and(|c| !is_log(c)))?;
            Some(Error::usage(format!(
                "{flag} cannot be used inside a scenario: every line runs against the replay's wallet and pricing, as its actor (pass {flag} to replay itself)"
            )))
        };
        if let Some(e) = refused(None) {
            return Err(e);
        }
        let args = std::iter::once("wallet").chain(words.iter().map(String::as_str));
        let usage = |e: clap::Error| match e.kind() {
            // Help and the version are text for people, not commands: a scenario line runs one.
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                Error::usage(HELP_IN_A_SCENARIO)
            }
            _ => Error::usage(shown_lines(e.render().to_string().trim_end())),
        };
        let matches = self.command.try_get_matches_from_mut(args).map_err(usage)?;
        let cli = Cli::from_arg_matches(&matches).map_err(usage)?;
        match refused(Some(&cli)) {
            Some(e) => Err(e),
            None => Ok(cli.with_log_filters()),
        }
    }
}

/// Why a scenario line cannot ask for help or the version.
pub(crate) const HELP_IN_A_SCENARIO: &str = "help and --version only print text for people; a scenario line runs a command \
     (see the commands with: wallet help, outside the scenario)";

/// `expect ACCOUNT credits=N licenses=N` (either or both).
pub(super) fn check_expectation(db: &impl Ledger, words: &[String]) -> Result<()> {
    let usage = || Error::usage("write expectations as: expect ACCOUNT credits=N licenses=N");
    let (handle, wanted) = words.split_first().ok_or_else(usage)?;
    if wanted.is_empty() {
        return Err(usage());
    }
    let mut assets = Vec::new();
    for w in wanted {
        let (key, value) = w.split_once('=').ok_or_else(usage)?;
        let asset = Asset::parse(key).ok_or_else(usage)?;
        let value: u64 = value.parse().map_err(|_| usage())?;
        if assets.iter().any(|(a, _, _)| *a == asset) {
            return Err(Error::usage(format!(
                "{key} is expected twice on one line; write each asset once: expect ACCOUNT credits=N licenses=N"
            )));
        }
        assets.push((asset, key, value));
    }
    let id = account_id(db, handle)?;
    let now = db.clock()?;
    let lots = db.live_lots(id)?;
    let mut expected = Vec::new();
    let mut got = Vec::new();
    for (asset, key, value) in assets {
        let actual = usable_total(&lots, asset, now);
        expected.push(format!("{key}={value}"));
        got.push(format!("{key}={actual}"));
    }
    if expected != got {
        return Err(Error::Coded(
            1,
            format!(
                "expected {handle} {} / got {handle} {}",
                expected.join(" "),
                got.join(" ")
            ),
        ));
    }
    Ok(())
}

/// `expect-error [CODE] COMMAND…`: the command must be refused with CODE
/// (3, refused by a rule, when no CODE is given); it changes nothing either way.
pub(super) fn check_refusal(db: &impl Ledger, ctx: &Context, parser: &mut LineParser, words: &[String]) -> Result<()> {
    let usage = || Error::usage("write refusals as: expect-error [CODE] COMMAND… (CODE 2 or 3; 3 when left out)");
    let (code, command) = match words.split_first() {
        // Only a refusal can be expected: by a rule (3) or as a usage error (2).
        Some((first, rest)) if first.chars().all(|c| c.is_ascii_digit()) => match first.as_str() {
            "2" => (2, rest),
            "3" => (3, rest),
            _ => {
                return Err(Error::usage(format!(
                    "expect-error {} cannot be met: a command is refused with exit 2 (usage) or 3 (a rule); \
                     write expect-error 2 COMMAND… or expect-error 3 COMMAND… (3 when left out)",
                    shown(first)
                )));
            }
        },
        _ => (3, words),
    };
    if command.is_empty() {
        return Err(usage());
    }
    // The error unwinds the line's savepoint, so an unexpected success changes nothing.
    let Err(refusal) = parser
        .parse(command)
        .and_then(|cli| db.atomically(|db| execute_line(db, ctx, &cli)))
    else {
        return Err(Error::Coded(
            1,
            format!(
                "expected `{}` to be refused with exit {code} / it succeeded",
                shown(&command.join(" "))
            ),
        ));
    };
    match Some(code) {
        Some(c) if c != refusal.exit_code() => Err(Error::Coded(
            1,
            format!(
                "expected `{}` to exit {c} / it exited {}: {refusal}",
                shown(&command.join(" ")),
                refusal.exit_code()
            ),
        )),
        _ => Ok(()),
    }
}

/// Lines committed together (at most, and for at most `COMMIT_AFTER`,
/// unless `--commit-every` says how many); each line is still atomic
/// through its savepoint.
const LINES_PER_COMMIT: usize = 50_000;
const COMMIT_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// How often the progress bar moves.
const PROGRESS_EVERY: usize = 1000;

/// Files larger than this show a progress bar on a terminal.
const PROGRESS_BYTES: u64 = 256 * 1024;

fn progress(file: &Path) -> Option<ProgressBar> {
    let size = std::fs::metadata(file).ok()?.len();
    if size < PROGRESS_BYTES || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(size);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg}") {
        bar.set_style(style);
    }
    Some(bar)
}

pub(crate) fn run(file: &Path, ctx: &Context, quiet: bool, commit_every: Option<u32>) -> Result<String> {
    let (origin, reader, bar): (String, Box<dyn BufRead>, Option<ProgressBar>) = if file == Path::new("-") {
        (STDIN.to_owned(), Box::new(BufReader::new(std::io::stdin())), None)
    } else {
        let f = File::open(file).with_context(|| format!("cannot read the scenario {}", shown_path(file)))?;
        (shown_path(file), Box::new(BufReader::new(f)), progress(file))
    };
    // A replay is a bulk load that commits as it goes: a new wallet is put in
    // place when it starts (empty but for its clock), so every batch it
    // commits is in the wallet, as on an existing one.
    let mut wallet = Wallet::open_in_place(&ctx.location, ctx.system_now)?;
    let mut tally = Tally::default();
    let outcome = run_lines(
        &mut wallet,
        reader,
        &origin,
        bar.as_ref(),
        ctx,
        (quiet, commit_every),
        &mut tally,
    );
    if let Err(e) = outcome {
        if let Some(bar) = &bar {
            bar.abandon();
        }
        return Err(e);
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if quiet {
        return Ok(String::new());
    }
    Ok(if ctx.json {
        format!(
            "{}\n",
            serde_json::json!({ "file": origin, "lines": tally.lines, "commands": tally.commands, "expectations": tally.expectations })
        )
    } else {
        format!(
            "{origin}: {} lines, {} commands run, {} expectations met\n",
            tally.lines, tally.commands, tally.expectations
        )
    })
}

/// Runs every line, committing in batches; on a failure the accepted lines
/// before it are committed and the failure is returned with its position.
fn run_lines(
    wallet: &mut Wallet,
    reader: Box<dyn BufRead>,
    origin: &str,
    bar: Option<&ProgressBar>,
    ctx: &Context,
    (quiet, commit_every): (bool, Option<u32>),
    tally: &mut Tally,
) -> Result<()> {
    let mut batch = match commit_every {
        Some(lines) => wallet.units(lines as usize, std::time::Duration::MAX)?,
        None => wallet.units(LINES_PER_COMMIT, COMMIT_AFTER)?,
    };
    let mut parser = LineParser::new();
    let mut bytes = 0u64;
    let stdout = std::io::stdout();
    let mut lines = Lines::new(reader);
    let mut n = 0;
    // The last line known to be in the wallet: every line up to it is committed.
    let mut committed = 0;
    while let Some(line) = lines.next_line().transpose() {
        n += 1;
        let ran = line.and_then(|line| {
            bytes += line.len() as u64 + 1;
            if let Some(bar) = bar.filter(|_| n % PROGRESS_EVERY == 0) {
                bar.set_position(bytes);
                bar.set_message(format!("{n} lines"));
            }
            run_line(&mut batch, &mut parser, ctx, line, tally, quiet, &stdout)
        });
        if let Err(e) = ran {
            // The lines before this one were accepted: they stay, unless the
            // wallet could not take them (a full disk rolls the batch back).
            return Err(match batch.commit() {
                Ok(()) => at_line(origin, n, e),
                Err(_) => not_kept(origin, n, e, committed),
            });
        }
        if batch.uncommitted() == 0 {
            committed = n;
        }
        tally.lines = n;
    }
    if let Err(e) = batch.commit() {
        return Err(not_kept(origin, n, e.into(), committed));
    }
    Ok(())
}

/// A failure at line `n` after which the lines since the last commit could
/// not be kept: says which lines are in the wallet and where to resume.
fn not_kept(origin: &str, n: usize, e: Error, committed: usize) -> Error {
    let kept = match committed {
        0 => "none of this replay's lines were kept: fix the cause, then replay the file again".to_owned(),
        c if origin == STDIN => format!(
            "lines 1 to {c} were kept and the lines after them were not: fix the cause, then replay from line {}",
            c + 1
        ),
        c => format!(
            "lines 1 to {c} were kept and the lines after them were not: fix the cause, then replay from line {} \
             (tail -n +{} {} | wallet replay -)",
            c + 1,
            c + 1,
            shell_words::quote(origin)
        ),
    };
    Error::Coded(e.exit_code(), format!("{origin}:{n}: {e}; {kept}"))
}

/// The longest scenario line: a command line is a few hundred bytes at
/// most, and a line must fit in memory (`replay /dev/zero` is one endless line).
const LONGEST_LINE: usize = 64 * 1024;

/// The lines of a scenario, each read whole up to [`LONGEST_LINE`] bytes:
/// longer ones are an error, found without holding more than the bound.
/// A UTF-8 byte order mark at the start of the file is not part of line 1.
pub(super) struct Lines {
    reader: Box<dyn BufRead>,
    line: Vec<u8>,
    first: bool,
}

impl Lines {
    pub(super) fn new(reader: Box<dyn BufRead>) -> Lines {
        Lines {
            reader,
            line: Vec::new(),
            first: true,
        }
    }

    /// The next line without its `\n` (or `\r\n`); `None` at the end of the input.
    pub(super) fn next_line(&mut self) -> Result<Option<&str>> {
        self.line.clear();
        let read = (&mut self.reader)
            .take(LONGEST_LINE as u64 + 1)
            .read_until(b'\n', &mut self.line)
            .context("cannot read the line")?;
        if read == 0 {
            return Ok(None);
        }
        if self.line.last() == Some(&b'\n') {
            self.line.pop();
            if self.line.last() == Some(&b'\r') {
                self.line.pop();
            }
        } else if self.line.len() > LONGEST_LINE {
            return Err(Error::usage(format!(
                "the line is longer than {} KiB; a scenario holds one command per line (is this a scenario file?)",
                LONGEST_LINE / 1024
            )));
        }
        let mut text: &[u8] = &self.line;
        if std::mem::take(&mut self.first) {
            text = text.strip_prefix("\u{feff}".as_bytes()).unwrap_or(text);
        }
        std::str::from_utf8(text).map(Some).map_err(|_| {
            Error::Failed(anyhow::anyhow!(
                "the line is not UTF-8 text; save the scenario as UTF-8"
            ))
        })
    }
}

/// One line of a scenario: a comment or blank, an expectation, or a command.
fn run_line(
    batch: &mut Batch<'_>,
    parser: &mut LineParser,
    ctx: &Context,
    line: &str,
    tally: &mut Tally,
    quiet: bool,
    stdout: &std::io::Stdout,
) -> Result<()> {
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(());
    }
    let words = shell_words::split(line).map_err(|e| Error::usage(format!("cannot split the line: {e}")))?;
    let Some(first) = words.first() else {
        return Ok(());
    };
    match first.as_str() {
        "expect" => {
            batch.run(|db| check_expectation(db, &words[1..]))?;
            tally.expectations += 1;
        }
        "expect-error" => {
            batch.run(|db| check_refusal(db, ctx, parser, &words[1..]))?;
            tally.expectations += 1;
        }
        _ => {
            let cli = parser.parse(&words)?;
            if matches!(cli.command, Command::Replay { .. }) {
                return Err(Error::usage("a scenario cannot replay another scenario"));
            }
            let output = batch.run(|db| execute_line(db, ctx, &cli))?;
            tally.commands += 1;
            if !quiet && !access(&cli.command).writes() {
                stdout
                    .lock()
                    .write_all(output.render(cli.json).as_bytes())
                    .context("cannot write to stdout")?;
            }
        }
    }
    Ok(())
}
