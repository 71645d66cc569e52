//! Issue 16, items 5, 7 and 9: input that would exhaust the machine, leak
//! another account or write control characters to a terminal, and the
//! messages and exit codes of odd input.

use std::path::{Path, PathBuf};

use crate::support::{Run, Wallet, command};

/// A scenario file in the wallet's folder.
fn scenario(w: &Wallet, name: &str, text: &str) -> PathBuf {
    let file = w.dir.path().join(name);
    std::fs::write(&file, text).expect("write scenario");
    file
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The shipped pricing file with `extra` appended.
fn pricing_with(w: &Wallet, name: &str, extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml")).expect("pricing");
    let file = w.dir.path().join(name);
    std::fs::write(&file, text + extra).expect("write pricing");
    file
}

// ---- item 5: input that exhausts the machine -------------------------------

#[test]
fn a_scenario_line_longer_than_64_kib_is_refused_with_its_line() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    let huge = format!("account add {}\n", "x".repeat(100_000));
    let file = scenario(
        &w,
        "huge.scenario",
        &format!("account add alice\n# fine\n{huge}account add bob\n"),
    );
    let r = w.run(&["replay", path(&file)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("huge.scenario:3: the line is longer than 64 KiB"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.len() < 1000,
        "the line is not echoed: {} bytes",
        r.stderr.len()
    );
    // The lines before it were accepted and stay; the line after it never ran.
    assert_eq!(w.balance("alice"), (10, 0));
    assert_eq!(w.run(&["balance", "bob"]).code, 3);
    // A line of exactly 64 KiB is still read (and refused by the rules, not the reader).
    let prefix = "expect-error 3 balance ";
    let edge = format!("{prefix}{}\n", "y".repeat(64 * 1024 - prefix.len()));
    assert_eq!(edge.len(), 64 * 1024 + 1);
    let file = scenario(&w, "edge.scenario", &edge);
    let r = w.run(&["replay", path(&file)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_pricing_file_larger_than_1_mib_is_refused_however_it_is_named() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    // A valid catalogue followed by 1.1 MiB of comments.
    let padding = "# padding padding padding padding padding padding padding padding\n".repeat(17_000);
    let big = pricing_with(&w, "big.toml", &padding);
    assert!(std::fs::metadata(&big).expect("size").len() > 1024 * 1024);
    let r = w.run(&["pricing", "check", path(&big)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("big.toml: the file is larger than 1 MiB"),
        "{}",
        r.stderr
    );
    let e = w.refused(&["--pricing", path(&big), "buy", "alice", "credits-500"], 1);
    assert!(e.contains("larger than 1 MiB"), "{e}");
    let r = w.run_with(&["buy", "alice", "credits-500"], |c| {
        c.env("WALLET_PRICING", &big);
    });
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("larger than 1 MiB"), "{}", r.stderr);
    assert_eq!(w.balance("alice"), (10, 0));
    // Under the bound the same catalogue is fine.
    let small = pricing_with(&w, "small.toml", &padding[..padding.len() / 2]);
    w.ok(&["pricing", "check", path(&small)]);
}

/// Runs the wallet with a file size limit of `bytes` (as `ulimit -f` sets one).
#[cfg(unix)]
fn run_limited(w: &Wallet, bytes: u64, args: &[&str]) -> Run {
    use std::os::unix::process::CommandExt;
    let mut cmd = command(w.dir.path());
    cmd.arg("--db").arg(&w.db).args(args);
    let limit = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: bytes,
    };
    // SAFETY: setrlimit is async-signal-safe and touches only this child.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_FSIZE, &raw const limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let out = cmd.output().expect("run wallet");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A wallet with 40 monthly subscribers: a month's advance writes some
/// 100 KiB of WAL, more than the 48 KiB limit the tests set.
#[cfg(unix)]
fn forty_subscribers() -> Wallet {
    let w = Wallet::new();
    let mut text = String::from("init --now 2026-01-15T10:00:00Z\n");
    for i in 0..40 {
        text += &format!("account add u{i:02}\nsubscribe u{i:02} licenses-5-monthly\n");
    }
    let file = scenario(&w, "setup.scenario", &text);
    w.ok(&["replay", path(&file)]);
    w
}

const LIMIT: u64 = 48 * 1024;

#[cfg(unix)]
#[test]
fn advance_clock_past_a_file_size_limit_fails_whole_and_says_why() {
    let w = forty_subscribers();
    let before = w.dump();
    let r = run_limited(&w, LIMIT, &["advance-clock", "1mo"]);
    assert_eq!(r.code, 1, "killed by SIGXFSZ (-1) or wrong code: {}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr.contains("file size limit of 48 KiB (ulimit -f)") && r.stderr.contains("nothing was changed"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("Error code"), "{}", r.stderr);
    assert_eq!(before, w.dump(), "a failed advance changed the wallet");
    w.ok(&["verify"]);
    // Without the limit the same advance goes through.
    w.ok(&["advance-clock", "1mo"]);
    assert_eq!(w.balance("u00"), (1010, 10));
}

#[cfg(unix)]
#[test]
fn replay_past_a_file_size_limit_says_which_lines_were_kept() {
    let w = forty_subscribers();
    let before = w.dump();
    let file = scenario(
        &w,
        "month.scenario",
        "expect u00 credits=510\nadvance-clock 1mo\nexpect u00 credits=1010\n",
    );
    let r = run_limited(&w, LIMIT, &["replay", path(&file)]);
    assert_eq!(r.code, 1, "killed by SIGXFSZ (-1) or wrong code: {}", r.stderr);
    assert!(
        r.stderr.contains("month.scenario:3: ")
            && r.stderr.contains("file size limit")
            && r.stderr.contains("none of this replay's lines were kept"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("no transaction is active"), "{}", r.stderr);
    assert_eq!(before, w.dump(), "the lines the disk could not take are not half kept");
    w.ok(&["verify"]);
}
