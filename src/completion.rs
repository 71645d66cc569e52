//! Shell completion scripts, generated from the clap definition.

use clap::CommandFactory;
use clap_complete::{Shell, generate};

use crate::cli::{Cli, ShellArg};

/// The completion script for one shell, as `wallet completions SHELL` prints it.
pub fn script(shell: ShellArg) -> String {
    let shell = match shell {
        ShellArg::Bash => Shell::Bash,
        ShellArg::Zsh => Shell::Zsh,
        ShellArg::Fish => Shell::Fish,
    };
    let mut out = Vec::new();
    generate(shell, &mut Cli::command(), "wallet", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}
