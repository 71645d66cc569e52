//! Reading a command line — possibly unfinished, as completion sees it — by
//! clap's own definition of `wallet` ([`crate::cli::Cli`]): which words are
//! flags and which of those take a value, which are subcommands, and which
//! positional every other word fills. [`Words::read`] gives [`Words`]; shell
//! completion and the scenario line parser read lines through it, so neither
//! keeps its own list of flags or positions.

use clap::Command;

/// The positional that names the account a command is about (the field
/// `account` of the commands in [`crate::cli::Command`]).
const ACCOUNT: &str = "account";

/// A flag on the line, as clap defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag<'c, 'w> {
    /// clap's id of the flag (`db` for `--db`).
    pub id: &'c str,
    /// The flag as written, without its value (`--db`).
    pub written: &'w str,
    /// Its value, when it takes one and the line holds it.
    pub value: Option<&'w str>,
}

/// A command line's words sorted by clap's definition.
#[derive(Debug)]
pub struct Words<'c, 'w> {
    /// The flags, in order.
    pub flags: Vec<Flag<'c, 'w>>,
    /// The positional values: clap's id of the positional each fills, and
    /// the word's index in the line.
    positionals: Vec<(&'c str, usize)>,
    line: &'w [String],
}

impl<'c, 'w> Words<'c, 'w> {
    /// Sorts `words` (the words after `wallet`) by `command`, the built
    /// definition of `wallet` ([`clap::Command::build`]).
    pub fn read(command: &'c Command, words: &'w [String]) -> Words<'c, 'w> {
        let mut read = Words {
            flags: Vec::new(),
            positionals: Vec::new(),
            line: words,
        };
        let mut current = command;
        let mut filled = 0;
        let mut only_positionals = false;
        let mut at = 0;
        while let Some(word) = words.get(at) {
            at += 1;
            if !only_positionals && word == "--" {
                only_positionals = true;
                continue;
            }
            if !only_positionals && word.starts_with('-') && word.len() > 1 {
                let (written, inline) = match word.split_once('=') {
                    Some((written, value)) => (written, Some(value)),
                    None => (word.as_str(), None),
                };
                let arg = if let Some(long) = written.strip_prefix("--") {
                    current.get_arguments().find(|a| a.get_long() == Some(long))
                } else {
                    let short = written.chars().nth(1);
                    current.get_arguments().find(|a| a.get_short() == short)
                };
                let Some(arg) = arg else { continue };
                let takes_value = arg.get_action().takes_values();
                let value = match (takes_value, inline) {
                    (true, None) => {
                        at += 1;
                        words.get(at - 1).map(String::as_str)
                    }
                    (_, inline) => inline,
                };
                read.flags.push(Flag {
                    id: arg.get_id().as_str(),
                    written,
                    value,
                });
                continue;
            }
            if filled == 0
                && let Some(sub) = current.find_subcommand(word)
            {
                current = sub;
                continue;
            }
            let mut positionals: Vec<_> = current.get_positionals().collect();
            positionals.sort_by_key(|a| a.get_index());
            let fills = positionals.get(filled).or_else(|| {
                positionals
                    .last()
                    .filter(|a| a.get_num_args().is_some_and(|n| n.max_values() > 1))
            });
            if let Some(arg) = fills {
                read.positionals.push((arg.get_id().as_str(), at - 1));
            }
            filled += 1;
        }
        read
    }

    /// The value of the flag with clap's id `id` (the last one given).
    pub fn value(&self, id: &str) -> Option<&'w str> {
        self.flags.iter().rev().find(|f| f.id == id).and_then(|f| f.value)
    }

    /// Where the account is named: its word's index in the line.
    pub fn account_at(&self) -> Option<usize> {
        self.positionals
            .iter()
            .find(|(id, _)| *id == ACCOUNT)
            .map(|(_, at)| *at)
    }

    /// The account the line names.
    pub fn account(&self) -> Option<&'w str> {
        self.account_at().and_then(|at| self.line.get(at)).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::Cli;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    fn wallet() -> Command {
        let mut command = Cli::command();
        command.build();
        command
    }

    #[test]
    fn global_flags_before_and_between_positionals_take_their_values() {
        let command = wallet();
        for (line, account) in [
            ("--actor bob edit alice img-", Some("alice")),
            ("edit --db W alice img-", Some("alice")),
            ("--idempotency-key k1 generate carol --style", Some("carol")),
            (
                "history --since 2026-01-01 --reason delivery dave --limit 3",
                Some("dave"),
            ),
            ("--pricing=p.toml generate bob --style", Some("bob")),
            ("account add carol", Some("carol")),
            ("account show --json erin", Some("erin")),
            ("balance", None),
            ("license", None),
            ("advance-clock 1d", None),
        ] {
            let w = words(line);
            assert_eq!(Words::read(&command, &w).account(), account, "{line}");
        }
    }

    #[test]
    fn flag_values_are_read_by_their_id() {
        let command = wallet();
        let w = words("--db /tmp/x.db edit --pricing=p.toml alice img-");
        let read = Words::read(&command, &w);
        assert_eq!(read.value("db"), Some("/tmp/x.db"));
        assert_eq!(read.value("pricing"), Some("p.toml"));
        assert_eq!(read.flags[1].written, "--pricing");
        assert_eq!(read.value("actor"), None);
    }
}
