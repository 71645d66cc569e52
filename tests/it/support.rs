//! A small builder that runs the real binary on a temp wallet and shows
//! readable failures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

pub(crate) struct Wallet {
    pub dir: TempDir,
    pub db: PathBuf,
}

pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub(crate) fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// The `wallet` binary with a clean environment: no wallet or pricing from
/// the developer's machine, config and data folders inside `home`.
pub(crate) fn command(home: &Path) -> Command {
    command_of(Path::new(env!("CARGO_BIN_EXE_wallet")), home)
}

/// [`command`] for another build of the binary.
pub(crate) fn command_of(binary: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(binary);
    cmd.env_remove("WALLET_DB")
        .env_remove("WALLET_PRICING")
        .env_remove("NO_COLOR")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("USER", "tester");
    cmd
}

impl Wallet {
    /// A wallet path in a fresh temp folder; the file does not exist yet.
    pub(crate) fn new() -> Wallet {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("wallet.sqlite3");
        Wallet { dir, db }
    }

    /// A wallet initialised at `now`.
    pub(crate) fn at(now: &str) -> Wallet {
        let w = Wallet::new();
        w.ok(&["init", "--now", now]);
        w
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, |_| {})
    }

    pub(crate) fn run_with(&self, args: &[&str], setup: impl FnOnce(&mut Command)) -> Run {
        let mut cmd = command(self.dir.path());
        cmd.arg("--db").arg(&self.db).args(args);
        setup(&mut cmd);
        Run::from(cmd.output().expect("run wallet"))
    }

    /// Runs a command that must succeed; returns its stdout.
    #[track_caller]
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(
            r.code, 0,
            "wallet {args:?} failed with {}:\n{}{}",
            r.code, r.stdout, r.stderr
        );
        r.stdout
    }

    /// Runs a command with `--json` that must succeed; returns the parsed value.
    #[track_caller]
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.ok(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("wallet {args:?} printed no JSON ({e}):\n{out}"))
    }

    /// Runs a command that must fail with `code` and change nothing;
    /// returns its stderr.
    #[track_caller]
    pub(crate) fn refused(&self, args: &[&str], code: i32) -> String {
        let before = self.dump();
        let r = self.run(args);
        assert_eq!(
            r.code, code,
            "wallet {args:?} should exit {code}:\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        );
        assert!(r.stdout.is_empty(), "a refused command printed to stdout: {}", r.stdout);
        assert!(!r.stderr.trim().is_empty(), "a refused command must say why on stderr");
        assert!(
            !r.stderr.contains("SPEC"),
            "messages explain the rules in the product's words: {}",
            r.stderr
        );
        if code == 3 {
            assert_names_its_rule(&r.stderr);
        }
        assert_eq!(
            before,
            self.dump(),
            "wallet {args:?} was refused but changed the wallet"
        );
        r.stderr
    }

    /// (credits, licenses) from `balance --json`.
    #[track_caller]
    pub(crate) fn balance(&self, account: &str) -> (u64, u64) {
        let v = self.json(&["balance", account]);
        (
            v["credits"].as_u64().expect("credits"),
            v["licenses"].as_u64().expect("licenses"),
        )
    }

    /// Every row of every table, as text: equal dumps mean nothing changed.
    pub(crate) fn dump(&self) -> String {
        if !self.db.exists() {
            return String::new();
        }
        let conn = rusqlite::Connection::open_with_flags(&self.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open wallet for dump");
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("tables");
        let mut out = String::new();
        for table in tables {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY 1"))
                .expect("select");
            let n = stmt.column_count();
            let rows: Vec<String> = stmt
                .query_map([], |r| {
                    (0..n)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}")))
                        .collect::<Result<Vec<_>, _>>()
                        .map(|cols| cols.join("|"))
                })
                .and_then(|rows| rows.collect())
                .expect("rows");
            out += &format!("[{table}]\n{}\n", rows.join("\n"));
        }
        out
    }
}

/// The lots of a `balance --json` value, as (source, asset, remaining, `expires_at`).
pub(crate) fn lots(balance: &Value) -> Vec<(String, String, u64, String)> {
    balance["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .map(|l| {
            (
                l["source"].as_str().expect("source").to_owned(),
                l["asset"].as_str().expect("asset").to_owned(),
                l["remaining"].as_u64().expect("remaining"),
                l["expires_at"].as_str().expect("expires_at").to_owned(),
            )
        })
        .collect()
}

/// The topics of `wallet help rules`, as the rules text lists them.
pub(crate) fn rule_topics() -> Vec<&'static str> {
    include_str!("../../docs/rules.md")
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .filter_map(|heading| heading.split(" — ").next())
        .collect()
}

/// A refusal names the topic of the rules text that explains it.
#[track_caller]
pub(crate) fn assert_names_its_rule(stderr: &str) {
    let named = stderr
        .split("(see: wallet help rules ")
        .nth(1)
        .and_then(|rest| rest.split(')').next());
    assert!(
        named.is_some_and(|topic| rule_topics().contains(&topic)),
        "a refusal names the rule that refused it and its topic: {stderr}"
    );
}

/// Runs `cmd` with `input` on its standard input; returns what it did.
pub(crate) fn with_stdin(mut cmd: Command, input: &[u8]) -> Output {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(input).expect("write");
    child.wait_with_output().expect("wait")
}
