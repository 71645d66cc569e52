//! Shell completion through `clap_complete`'s dynamic engine: the shell calls
//! `COMPLETE=<shell> wallet -- <words>` and these completers answer with
//! live values — account handles and image ids from the wallet, product and
//! plan ids from the effective pricing file, styles and durations.
//!
//! Completion only ever reads: a missing wallet gives no candidates and no
//! file is created or changed.

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::{Bash, EnvCompleter, Fish, Zsh};

use crate::cli::{Cli, ShellArg};
use crate::command_line::Words;
use crate::rules::Style;
use crate::store::{Ledger, Location, Wallet};

/// The environment variable that switches the binary into completion mode.
pub const VAR: &str = "COMPLETE";

/// How many candidates a completer offers at most.
const LIMIT: u32 = 200;

/// The registration script for one shell, as `wallet completions SHELL`
/// prints it and `completions/` holds it: it calls `wallet` on the PATH.
pub fn script(shell: ShellArg) -> String {
    let shell: &dyn EnvCompleter = match shell {
        ShellArg::Bash => &Bash,
        ShellArg::Zsh => &Zsh,
        ShellArg::Fish => &Fish,
    };
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = shell.write_registration(VAR, "wallet", "wallet", "wallet", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The man page, rendered from the same clap definition.
pub fn manpage() -> String {
    let mut out = Vec::new();
    // Rendering into a Vec cannot fail.
    let _ = clap_mangen::Man::new(Cli::command()).render(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Answers a completion request when `COMPLETE` is set; returns false for a
/// normal run. Called by main before anything is printed.
pub fn complete_if_requested() -> Result<bool, clap::Error> {
    let cwd = std::env::current_dir().ok();
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(VAR)
        .try_complete(std::env::args_os(), cwd.as_deref())
}

/// The words on the command line being completed (after the binary name).
fn words() -> Vec<String> {
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    match args.iter().position(|a| a == "--") {
        Some(i) => args.into_iter().skip(i + 2).collect(),
        None => Vec::new(),
    }
}

/// `wallet` as clap defines it, built (global flags on every subcommand).
fn wallet() -> clap::Command {
    let mut command = Cli::command();
    command.build();
    command
}

fn open_wallet(words: &Words<'_, '_>) -> Option<Wallet> {
    let location = match words
        .value("db")
        .map(str::to_owned)
        .or_else(|| std::env::var("WALLET_DB").ok())
    {
        Some(db) => Location::parse(&db).ok()?,
        None => Location::File(crate::paths::default_wallet()?),
    };
    Wallet::open_for_a_look(&location)
}

fn pricing(words: &Words<'_, '_>) -> Option<crate::pricing::Pricing> {
    let path = words
        .value("pricing")
        .map(str::to_owned)
        .or_else(|| std::env::var("WALLET_PRICING").ok())
        .map(PathBuf::from);
    crate::pricing::Pricing::effective(path.as_deref()).ok()
}

fn prefix(current: &OsStr) -> String {
    current.to_string_lossy().into_owned()
}

fn candidates(values: impl IntoIterator<Item = String>, current: &str) -> Vec<CompletionCandidate> {
    values
        .into_iter()
        .filter(|v| v.starts_with(current))
        .map(CompletionCandidate::new)
        .collect()
}

/// Account handles in the wallet.
pub fn accounts(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = prefix(current);
    let (wallet, words) = (wallet(), words());
    let Some(mut store) = open_wallet(&Words::read(&wallet, &words)) else {
        return Vec::new();
    };
    store
        .read(|db| db.handles_with_prefix(&current, LIMIT))
        .map(|h| candidates(h, &current))
        .unwrap_or_default()
}

/// Reads the wallet the command line names, if there is one.
fn look<T: Default>(read: impl FnOnce(&crate::store::Transaction<'_>) -> anyhow::Result<T>) -> T {
    let (wallet, words) = (wallet(), words());
    let Some(mut store) = open_wallet(&Words::read(&wallet, &words)) else {
        return T::default();
    };
    store.read(read).unwrap_or_default()
}

/// The newest buys and grants not yet voided, each with its account and
/// summary as help: what `void` can undo.
pub fn voidable(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = prefix(current);
    look(|db| db.recent_voidable(LIMIT))
        .into_iter()
        .filter(|(id, _, _)| id.to_string().starts_with(&current))
        .map(|(id, handle, summary)| {
            CompletionCandidate::new(id.to_string()).help(Some(
                crate::shown::shown(&format!("{handle}: {summary}")).to_string().into(),
            ))
        })
        .collect()
}

/// The actors recorded in the wallet.
pub fn actors(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = prefix(current);
    let actors = look(|db| db.actors_with_prefix(&current, LIMIT));
    candidates(actors.iter().map(|a| crate::shown::shown(a).to_string()), &current)
}

/// The kinds of operation the wallet holds.
pub fn kinds(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = prefix(current);
    let kinds = look(|db| db.kinds_recorded());
    candidates(kinds.into_iter().map(|k| k.as_str().to_owned()), &current)
}

/// Product ids of the effective pricing file.
pub fn products(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = prefix(current);
    let (wallet, words) = (wallet(), words());
    pricing(&Words::read(&wallet, &words))
        .map(|p| candidates(p.products.into_keys(), &current))
        .unwrap_or_default()
}

/// Plan ids of the effective pricing file.
pub fn plans(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = prefix(current);
    let (wallet, words) = (wallet(), words());
    pricing(&Words::read(&wallet, &words))
        .map(|p| candidates(p.plans.into_keys(), &current))
        .unwrap_or_default()
}

/// Image ids of the account named on the command line.
pub fn images(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = prefix(current);
    let (wallet, words) = (wallet(), words());
    let words = Words::read(&wallet, &words);
    let (Some(account), Some(mut store)) = (words.account(), open_wallet(&words)) else {
        return Vec::new();
    };
    store
        .read(|db| match db.account_id(account)? {
            Some(id) => db.image_ids_with_prefix(id, &current, LIMIT),
            None => Ok(Vec::new()),
        })
        .map(|ids| candidates(ids, &current))
        .unwrap_or_default()
}

/// Style kinds, with the named account's trained private styles.
pub fn styles(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = prefix(current);
    let (wallet, words) = (wallet(), words());
    let words = Words::read(&wallet, &words);
    let mut values = style_kinds();
    if let (Some(account), Some(mut store)) = (words.account(), open_wallet(&words)) {
        let trained = store.read(|db| match db.account_id(account)? {
            Some(id) => db.style_names(id),
            None => Ok(Vec::new()),
        });
        values.extend(trained.unwrap_or_default().into_iter().map(|s| format!("private:{s}")));
    }
    candidates(values, &current)
}

/// Every kind of style as typed: whole (`base`) or before its name (`artist:`).
fn style_kinds() -> Vec<String> {
    let kinds = [
        Style::Base,
        Style::Agentic,
        Style::Artist(String::new()),
        Style::Private(String::new()),
    ];
    kinds
        .iter()
        .map(|style| match style {
            Style::Base | Style::Agentic => style.kind().to_owned(),
            Style::Artist(_) | Style::Private(_) => format!("{}:", style.kind()),
        })
        .collect()
}

/// Durations for `advance-clock`: the units after the digits typed so far.
pub fn durations(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = prefix(current);
    let digits: String = current.chars().take_while(char::is_ascii_digit).collect();
    let values: Vec<String> = if digits.is_empty() {
        ["1h", "1d", "1w", "1mo", "1y"].map(str::to_owned).to_vec()
    } else {
        ["h", "d", "w", "mo", "y"]
            .iter()
            .map(|u| format!("{digits}{u}"))
            .collect()
    };
    candidates(values, &current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn style_kinds_are_the_styles_of_the_rules() {
        assert_eq!(style_kinds(), ["base", "agentic", "artist:", "private:"]);
        for kind in style_kinds() {
            let typed = if kind.ends_with(':') {
                format!("{kind}x")
            } else {
                kind.clone()
            };
            assert!(Style::parse(&typed).is_ok(), "{typed}");
        }
    }

    #[test]
    fn durations_complete_units_after_digits() {
        let values: Vec<String> = durations(OsStr::new("12"))
            .iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect();
        assert_eq!(values, ["12h", "12d", "12w", "12mo", "12y"]);
        let values: Vec<String> = durations(OsStr::new("3m"))
            .iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect();
        assert_eq!(values, ["3mo"]);
    }
}
