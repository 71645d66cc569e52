//! Issue 6: completion in real shells (bash, fish, zsh through zpty) with
//! live values, and the committed registration scripts kept current.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::Wallet;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A wallet with alice (img-1, img-2, a private style) and bob (img-3).
fn populated() -> Wallet {
    populate(Wallet::at("2026-01-15T10:00:00Z"))
}

/// `w` with alice (img-1, img-2, a private style) and bob (img-3).
fn populate(w: Wallet) -> Wallet {
    w.ok(&["account", "add", "alice"]);
    w.ok(&["account", "add", "bob"]);
    w.ok(&["generate", "alice", "--count", "2"]);
    w.ok(&["generate", "bob"]);
    w.ok(&["train", "alice", "watercolour"]);
    w
}

/// A shell process that finds this build's `wallet` on its PATH and the test wallet in `$WALLET_DB`.
fn shell(w: &Wallet, program: &str) -> Command {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_wallet"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    let mut cmd = Command::new("timeout");
    cmd.arg("60")
        .arg(program)
        .env("PATH", path)
        .env("WALLET_DB", &w.db)
        .env("HOME", w.dir.path().join("home"))
        .env("XDG_CONFIG_HOME", w.dir.path().join("home/config"))
        .env("XDG_DATA_HOME", w.dir.path().join("home/data"))
        .env_remove("WALLET_PRICING")
        .current_dir(w.dir.path());
    cmd
}

fn output(mut cmd: Command) -> String {
    let out = cmd.output().expect("run shell");
    assert!(
        out.status.success(),
        "shell failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Candidates bash offers for `line` (the last word is completed).
fn bash(w: &Wallet, line: &str) -> Vec<String> {
    let script = format!(
        r#"source '{}'
COMP_WORDS=({line})
[[ "{line}" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}; COMP_TYPE=9
_clap_complete_wallet wallet "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        repo("completions/wallet.bash").display()
    );
    let mut cmd = shell(w, "bash");
    cmd.args(["--norc", "--noprofile", "-c", &script]);
    output(cmd)
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Candidates fish offers for `line` (`complete -C`), without descriptions.
fn fish(w: &Wallet, line: &str) -> Vec<String> {
    let script = format!(
        "source '{}'; complete -C '{line}'",
        repo("completions/wallet.fish").display()
    );
    let mut cmd = shell(w, "fish");
    cmd.args(["--no-config", "-c", &script]);
    output(cmd)
        .lines()
        .map(|l| l.split('\t').next().unwrap_or("").to_owned())
        .collect()
}

/// What an interactive zsh shows after TAB on `line`, read through zpty up
/// to the first appearance of `expected` (escape sequences removed). zle does
/// not redraw while typeahead is pending, so nothing more is typed until the
/// completion has shown; if it never shows, `timeout` ends the shell and the
/// test fails.
fn zsh(w: &Wallet, line: &str, expected: &str) -> String {
    let script = format!(
        r#"zmodload zsh/zpty
zpty -b comp zsh -f -i
zpty -w comp 'PROMPT="> "; autoload -Uz compinit && compinit -u -D && source {}'
zpty -n -w comp '{line}'$'\t'
zpty -r comp out '*{expected}*'
zpty -d comp
print -r -- "$out""#,
        repo("completions/_wallet").display()
    );
    let mut cmd = shell(w, "zsh");
    cmd.args(["-f", "-c", &script]);
    let raw = output(cmd);
    // Drop ANSI escape sequences and carriage returns.
    let mut clean = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() || d == '~' {
                        break;
                    }
                }
            }
        } else if c != '\r' && c != '\u{7}' && c != '\u{8}' {
            clean.push(c);
        }
    }
    clean
}

#[test]
fn bash_completes_commands_accounts_products_and_the_accounts_images() {
    let w = populated();
    assert!(bash(&w, "wallet ad").contains(&"advance-clock".to_owned()));
    assert_eq!(bash(&w, "wallet balance al"), ["alice"]);
    assert_eq!(bash(&w, "wallet buy alice credits-1"), ["credits-1000"]);
    assert_eq!(bash(&w, "wallet edit alice img-"), ["img-1", "img-2"]);
    assert_eq!(bash(&w, "wallet license bob img-"), ["img-3"]);
    assert_eq!(
        bash(&w, "wallet subscribe alice licenses-5-"),
        ["licenses-5-monthly", "licenses-5-yearly"]
    );
    assert!(bash(&w, "wallet generate alice --style pri").contains(&"private:watercolour".to_owned()));
}

#[test]
fn fish_completes_commands_accounts_products_and_the_accounts_images() {
    let w = populated();
    assert!(fish(&w, "wallet ad").contains(&"advance-clock".to_owned()));
    assert_eq!(fish(&w, "wallet balance al"), ["alice"]);
    assert_eq!(fish(&w, "wallet buy alice credits-1"), ["credits-1000"]);
    assert_eq!(fish(&w, "wallet edit alice img-"), ["img-1", "img-2"]);
    assert_eq!(fish(&w, "wallet edit bob img-"), ["img-3"]);
    assert!(fish(&w, "wallet edit alice img-1 up").contains(&"upscale".to_owned()));
    assert_eq!(fish(&w, "wallet advance-clock 3m"), ["3mo"]);
}

#[test]
fn zsh_completes_commands_accounts_products_and_the_accounts_images() {
    let w = populated();
    // Unique candidates are inserted into the line, several are listed.
    let shown = zsh(&w, "wallet advance-c", "advance-clock");
    assert!(shown.contains("wallet advance-clock"), "{shown}");
    let shown = zsh(&w, "wallet balance al", "alice");
    assert!(shown.contains("wallet balance alice"), "{shown}");
    let shown = zsh(&w, "wallet buy alice credits-1", "credits-1000");
    assert!(shown.contains("wallet buy alice credits-1000"), "{shown}");
    let shown = zsh(&w, "wallet edit alice img-", "img-2");
    let listing = shown.lines().last().unwrap_or_default();
    assert!(listing.contains("img-1") && listing.contains("img-2"), "{shown}");
    assert!(!shown.contains("img-3"), "bob's image offered for alice: {shown}");
}

#[test]
fn completion_never_creates_a_wallet() {
    let w = Wallet::new();
    assert!(bash(&w, "wallet balance a").is_empty());
    assert!(fish(&w, "wallet edit alice img-").is_empty());
    assert!(!w.exists(), "completion created {}", w.db.display());
    // Products still come from the pricing file.
    assert_eq!(fish(&w, "wallet buy alice licenses-1"), ["licenses-10"]);
}

#[test]
fn committed_scripts_and_man_page_match_the_binary() {
    let w = Wallet::new();
    for (args, file) in [
        (&["completions", "bash"][..], "wallet.bash"),
        (&["completions", "zsh"][..], "_wallet"),
        (&["completions", "fish"][..], "wallet.fish"),
        (&["manpage"][..], "wallet.1"),
    ] {
        let generated = w.ok(args);
        let committed = std::fs::read_to_string(repo(&format!("completions/{file}"))).expect("committed script");
        assert_eq!(
            generated,
            committed,
            "completions/{file} is stale: regenerate it with `wallet {} > completions/{file}`",
            args.join(" ")
        );
    }
}

#[test]
fn completion_leaves_an_existing_wallet_folder_untouched() {
    let w = populate(Wallet::file_at("2026-01-15T10:00:00Z"));
    // The shells' own files go to home/, outside the listing.
    std::fs::create_dir_all(w.dir.path().join("home")).expect("home");
    let listing = || {
        let mut names: Vec<(String, u64)> = std::fs::read_dir(w.dir.path())
            .expect("dir")
            .map(|e| e.expect("entry"))
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    e.metadata().expect("meta").len(),
                )
            })
            .collect();
        names.sort();
        names
    };
    let before = listing();
    let bytes = std::fs::read(&w.db).expect("wallet");
    assert_eq!(fish(&w, "wallet edit alice img-"), ["img-1", "img-2"]);
    assert_eq!(bash(&w, "wallet balance al"), ["alice"]);
    assert_eq!(before, listing(), "completion created or changed files");
    assert_eq!(
        bytes,
        std::fs::read(&w.db).expect("wallet"),
        "completion changed the wallet"
    );
}

/// Issue 17: global flags before and between the positionals are read by
/// clap's own definition, so the account is the word in the account
/// position (not `edit`, the command), and `help rules` offers its topics.
#[test]
fn bash_reads_global_flags_before_and_between_positionals() {
    let w = populated();
    assert_eq!(bash(&w, "wallet --actor bob edit alice img-"), ["img-1", "img-2"]);
    // Between the positionals too: the flag's value is not a positional.
    assert_eq!(bash(&w, "wallet edit alice --actor bob img-"), ["img-1", "img-2"]);
    assert_eq!(bash(&w, "wallet license bob --idempotency-key k1 img-"), ["img-3"]);
    assert_eq!(bash(&w, "wallet --idempotency-key k1 license bob img-"), ["img-3"]);
    let db = w.db.display().to_string();
    assert_eq!(
        bash(&w, &format!("wallet edit --db {db} alice img-")),
        ["img-1", "img-2"]
    );
    assert!(bash(&w, "wallet --actor bob generate alice --style pri").contains(&"private:watercolour".to_owned()));
    let topics = bash(&w, "wallet help rules ");
    assert!(
        topics.contains(&"rollover".to_owned()) && topics.contains(&"idempotency".to_owned()),
        "{topics:?}"
    );
    assert_eq!(bash(&w, "wallet help rules roll"), ["rollover"]);
}

#[test]
fn fish_reads_global_flags_before_and_between_positionals() {
    let w = populated();
    assert_eq!(fish(&w, "wallet --actor bob edit alice img-"), ["img-1", "img-2"]);
    assert_eq!(fish(&w, "wallet edit alice --actor bob img-"), ["img-1", "img-2"]);
    let db = w.db.display().to_string();
    let offered = fish(&w, &format!("wallet edit --db {db} alice "));
    assert!(
        offered.starts_with(&["img-1".to_owned(), "img-2".to_owned()]),
        "{offered:?}"
    );
    assert!(
        !offered.contains(&"img-3".to_owned()),
        "bob's image offered for alice: {offered:?}"
    );
    assert_eq!(fish(&w, "wallet --actor bob --json edit alice img-1 up"), ["upscale"]);
    let topics = fish(&w, "wallet help rules ");
    assert!(
        topics.contains(&"burn-down".to_owned()) && topics.contains(&"same-instant".to_owned()),
        "{topics:?}"
    );
}

#[test]
fn zsh_reads_global_flags_before_and_between_positionals() {
    let w = populated();
    let shown = zsh(&w, "wallet --actor bob edit alice img-", "img-2");
    let listing = shown.lines().last().unwrap_or_default();
    assert!(listing.contains("img-1") && listing.contains("img-2"), "{shown}");
    assert!(!shown.contains("img-3"), "bob's image offered for alice: {shown}");
    let shown = zsh(&w, "wallet edit alice --actor bob img-", "img-2");
    let listing = shown.lines().last().unwrap_or_default();
    assert!(listing.contains("img-1") && listing.contains("img-2"), "{shown}");
    assert!(!shown.contains("img-3"), "bob's image offered for alice: {shown}");
    let shown = zsh(&w, "wallet --idempotency-key k1 license bob img-", "img-3");
    assert!(
        shown.contains("wallet --idempotency-key k1 license bob img-3"),
        "{shown}"
    );
    let shown = zsh(&w, "wallet help rules rollo", "rollover");
    assert!(shown.contains("wallet help rules rollover"), "{shown}");
}

/// Issue 19: `void <TAB>` offers the buys and grants not yet voided, newest
/// first, each with its account and summary; `log --kind` and `--actor` offer
/// the kinds and actors the wallet holds.
#[test]
fn fish_completes_voidable_operations_and_the_logs_kinds_and_actors() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["--actor", "kim", "account", "add", "alice"]);
    let buy = w.json(&["--actor", "kim", "buy", "alice", "credits-500"])["operation"].clone();
    let grant = w.json(&[
        "--actor",
        "lee",
        "grant",
        "alice",
        "--credits",
        "5",
        "--reason",
        "sorry",
    ])["operation"]
        .clone();
    let void = w.json(&["--actor", "lee", "buy", "alice", "license"])["operation"].clone();
    w.ok(&["void", &void.to_string(), "--reason", "wrong product"]);
    let script = format!(
        "source '{}'; complete -C 'wallet void '",
        repo("completions/wallet.fish").display()
    );
    let mut cmd = shell(&w, "fish");
    cmd.args(["--no-config", "-c", &script]);
    let offered: Vec<String> = output(cmd)
        .lines()
        .filter(|l| !l.starts_with('-'))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        offered,
        [
            format!("{grant}\talice: granted 5 credits (expires 2027-01-15T10:00:00Z)"),
            format!("{buy}\talice: alice bought 1 × credits-500 for $10.00: 500 credits"),
        ]
    );
    assert_eq!(fish(&w, "wallet log --kind gr"), ["grant"]);
    assert_eq!(fish(&w, "wallet log --kind v"), ["void"]);
    assert_eq!(fish(&w, "wallet log --actor "), ["kim", "lee", "tester"]);
}
