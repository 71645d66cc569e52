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

/// A wallet file with 40 monthly subscribers: a month's advance writes some
/// 100 KiB of WAL, more than the 48 KiB limit the tests set.
#[cfg(unix)]
fn forty_subscribers() -> Wallet {
    let w = Wallet::file();
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

// ---- item 7: leaks and terminal injection ----------------------------------

#[test]
fn a_reused_key_says_so_without_showing_the_other_command() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["account", "add", "secret-bob"]);
    w.ok(&["--idempotency-key", "k-1", "generate", "secret-bob", "--count", "2"]);
    let e = w.refused(&["--idempotency-key", "k-1", "generate", "alice"], 3);
    assert!(
        e.contains("idempotency key 'k-1' was already used for a different command"),
        "{e}"
    );
    for leak in ["secret-bob", "Generate", "count", "{"] {
        assert!(!e.contains(leak), "the refusal shows the other command ({leak}): {e}");
    }
}

/// True when `text` holds a character a terminal would obey rather than show
/// (line breaks and tabs of the program's own layout aside).
fn has_control(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

#[test]
fn actors_must_be_printable_and_short_and_an_unprintable_user_is_not_recorded() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    for bad in ["jo\u{1b}]0;pwned\u{7}", "", "   ", "line\nbreak", &"a".repeat(101)] {
        let e = w.refused(&["--actor", bad, "buy", "alice", "credits-500"], 2);
        assert!(
            e.contains("--actor") && e.contains("1 to 100 printable characters"),
            "{e}"
        );
        assert!(!has_control(&e), "{e:?}");
        assert!(e.len() < 300, "{e}");
    }
    w.ok(&["--actor", &"a".repeat(100), "buy", "alice", "credits-500"]);
    w.ok(&["--actor", "Jo Müller (EU desk)", "generate", "alice"]);
    // $USER with an escape sequence: the operation records no actor rather than the raw text.
    let r = w.run_with(&["generate", "alice"], |c| {
        c.env("USER", "eve\u{1b}[2J");
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    let history = w.json(&["history", "alice"]);
    let actors: Vec<Option<&str>> = history
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["kind"] != "signup")
        .map(|e| e["actor"].as_str())
        .collect();
    assert_eq!(
        actors,
        [Some("a".repeat(100).as_str()), Some("Jo Müller (EU desk)"), None],
        "--actor twice, then no actor for an unprintable $USER"
    );
}

#[test]
fn history_escapes_an_actor_recorded_by_an_older_version() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    // Older versions recorded --actor unchecked.
    w.execute("UPDATE operations SET actor = 'mallory\u{1b}[31m\u{7}'");
    let out = w.ok(&["history", "alice"]);
    assert!(out.contains("(by mallory\\x1b[31m\\x07)"), "{out}");
    assert!(!has_control(&out), "{out:?}");
}

#[test]
fn refusals_escape_control_characters_and_shorten_huge_values() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["generate", "alice"]);
    let esc = "x\u{1b}[2J\u{1b}]0;title\u{7}\u{9b}1m";
    let artist = format!("artist:{esc}");
    // A value a rule refuses is exit 3; one that is not of the argument's
    // form (a style, a duration, an instant, a reason) is a usage error, 2.
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["account", "add", esc], 3),
        (vec!["balance", esc], 3),
        (vec!["history", esc], 3),
        (vec!["buy", "alice", esc], 3),
        (vec!["subscribe", "alice", esc], 3),
        (vec!["license", "alice", esc], 3),
        (vec!["edit", "alice", esc, "upscale"], 3),
        (vec!["train", "alice", esc], 3),
        (vec!["generate", "alice", "--style", esc], 2),
        (vec!["generate", "alice", "--style", &artist], 3),
        (vec!["advance-clock", esc], 2),
        (vec!["advance-clock", "--to", esc], 2),
        (vec!["balance", "alice", "--as-of", esc], 2),
        (vec!["history", "alice", "--reason", esc], 2),
        (vec!["init", "--now", esc], 2),
    ];
    for (args, code) in &cases {
        let r = w.run(args);
        assert_eq!(r.code, *code, "{args:?}: {}", r.stderr);
        assert!(
            !has_control(&r.stderr),
            "{args:?} wrote control characters: {:?}",
            r.stderr
        );
        assert!(
            r.stderr.contains("x\\x1b[2J"),
            "{args:?} does not show the value: {}",
            r.stderr
        );
    }
    // Values clap rejects: it drops escape sequences, and what is left is escaped.
    for args in [["generate", "alice", "--count", esc], ["edit", "alice", "img-1", esc]] {
        let e = w.refused(&args, 2);
        assert!(!has_control(&e), "{args:?} wrote control characters: {e:?}");
        assert!(e.contains("\\x9b1m"), "{e}");
    }
    w.ok(&["--idempotency-key", esc, "generate", "alice"]);
    let e = w.refused(&["--idempotency-key", esc, "generate", "alice", "--count", "2"], 3);
    assert!(!has_control(&e) && e.contains("x\\x1b[2J"), "{e:?}");
    // A 100 KB handle gives a short refusal that still says how long it was.
    let huge = "h".repeat(100_000);
    for args in [
        vec!["account", "add", &huge],
        vec!["balance", &huge],
        vec!["buy", "alice", &huge],
    ] {
        let r = w.run(&args);
        assert!(r.code == 3, "{}", r.stderr.len());
        assert!(r.stderr.len() < 600, "{} bytes of stderr", r.stderr.len());
        assert!(r.stderr.contains("…(100000 chars)"), "{}", r.stderr);
    }
}

#[test]
fn scenario_lines_and_file_names_are_escaped_too() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    let file = scenario(
        &w,
        "evil\u{1b}[2J.scenario",
        "account add alice\nexpect-error 3 balance 'b\u{1b}[5m'\nbuy alice 'c\u{1b}[5m'\n",
    );
    let r = w.run(&["replay", path(&file)]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(!has_control(&r.stderr), "{:?}", r.stderr);
    assert!(
        r.stderr.contains("evil\\x1b[2J.scenario:3: no product 'c\\x1b[5m'"),
        "{}",
        r.stderr
    );
    let file = scenario(&w, "usage.scenario", "buy alice credits-500 --quantity '\u{1b}[5m'\n");
    let r = w.run(&["replay", path(&file)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!has_control(&r.stderr), "{:?}", r.stderr);
}

// ---- item 9: messages and codes --------------------------------------------

#[test]
fn a_plan_too_large_to_record_says_to_fix_the_pricing_file_not_a_quantity() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml")).expect("pricing");
    let with = |bonus: &str, extra: &str| {
        text.replacen(
            "license_bonus_credits = 100",
            &format!("license_bonus_credits = {bonus}"),
            1,
        ) + extra
    };
    // A plan whose monthly allocation cannot be held is caught in the pricing file itself.
    let huge = w.dir.path().join("huge.toml");
    std::fs::write(
        &huge,
        with(
            "1000000000000",
            "\n[plans.huge-monthly]\ninterval = \"month\"\nlicenses_per_month = 100000000000\nprice_cents = 100\n",
        ),
    )
    .expect("write");
    let e = w.refused(&["--pricing", path(&huge), "subscribe", "alice", "huge-monthly"], 1);
    assert!(e.contains("huge-monthly"), "{e}");
    assert!(e.contains("smaller"), "{e}");
    assert!(!e.contains("quantity"), "subscribe has no quantity: {e}");
    // buy names the fix it has: a smaller quantity.
    let many = w.dir.path().join("many.toml");
    std::fs::write(
        &many,
        with(
            "1000000",
            "\n[products.many-licenses]\nlicenses = 1000000000000\nprice_cents = 100\n",
        ),
    )
    .expect("write");
    let e = w.refused(
        &[
            "--pricing",
            path(&many),
            "buy",
            "alice",
            "many-licenses",
            "--quantity",
            "1000",
        ],
        3,
    );
    assert!(e.contains("--quantity"), "{e}");
}

#[test]
fn an_invalid_style_name_is_refused_by_the_rule_in_generate_and_train_alike() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    let from_generate = w.refused(&["generate", "alice", "--style", "artist:-x"], 3);
    let from_train = w.refused(&["train", "alice", "--", "-x"], 3);
    let rule = "'-x' is not a valid style name";
    assert!(from_generate.contains(rule), "{from_generate}");
    assert!(from_train.contains(rule), "{from_train}");
    w.refused(&["generate", "alice", "--style", "private:a b"], 3);
    // A --style that is not of a style's form at all is a malformed flag value.
    let e = w.refused(&["generate", "alice", "--style", "banana"], 2);
    assert!(e.contains("use base, agentic, private:NAME or artist:NAME"), "{e}");
}

#[test]
fn an_unknown_account_hint_never_suggests_a_handle_that_cannot_exist() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    let e = w.refused(&["balance", "bob"], 3);
    assert!(e.contains("create it with: wallet account add bob"), "{e}");
    let e = w.refused(&["balance", "a b"], 3);
    assert!(!e.contains("wallet account add a b"), "{e}");
    assert!(e.contains("'a b': it is not a valid handle"), "{e}");
    let e = w.refused(&["buy", "$(reboot)", "credits-500"], 3);
    assert!(!e.contains("account add $(reboot)"), "{e}");
}

#[test]
fn expectations_refuse_a_repeated_asset_and_codes_other_than_2_or_3() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    let twice = scenario(&w, "twice.scenario", "expect alice credits=10 credits=11\n");
    let r = w.run(&["replay", path(&twice)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("twice.scenario:1: credits is expected twice"),
        "{}",
        r.stderr
    );
    for code in ["0", "1", "7", "03"] {
        let file = scenario(&w, "code.scenario", &format!("expect-error {code} buy alice nothing\n"));
        let r = w.run(&["replay", path(&file)]);
        assert_eq!(r.code, 2, "expect-error {code}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("expect-error {code} cannot be met")),
            "{}",
            r.stderr
        );
    }
    let fine = scenario(
        &w,
        "fine.scenario",
        "expect-error 2 buy alice credits-500 --quantity 0\nexpect-error 3 buy alice nothing\nexpect alice licenses=0 credits=10\n",
    );
    w.ok(&["replay", path(&fine)]);
}

#[test]
fn a_byte_order_mark_is_skipped_and_help_lines_are_refused_plainly() {
    let w = Wallet::new();
    let file = scenario(
        &w,
        "bom.scenario",
        "\u{feff}init --now 2026-01-15T10:00:00Z\naccount add alice\nexpect alice credits=10\n",
    );
    let r = w.run(&["replay", path(&file)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in ["help", "--help", "--version", "buy --help", "help buy", "-V"] {
        let file = scenario(&w, "help.scenario", &format!("{line}\n"));
        let r = w.run(&["replay", path(&file)]);
        assert_eq!(r.code, 2, "{line}: {}", r.stderr);
        assert!(
            r.stderr.contains(
                "help.scenario:1: help and --version only print text for people; a scenario line runs a command"
            ),
            "{line}: {}",
            r.stderr
        );
        assert!(
            r.stdout.is_empty() && !r.stderr.contains("Usage:"),
            "{line}: {}",
            r.stderr
        );
    }
}

#[test]
fn durations_too_large_and_advances_that_do_not_move_are_told_alike() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    for far in ["99999999999y", "1000000mo", "99999999999999999999999h"] {
        let e = w.refused(&["advance-clock", far], 2);
        assert!(
            e.contains(&format!(
                "advancing {far} from 2026-01-15T10:00:00Z goes past 9999-12-31"
            )),
            "{e}"
        );
    }
    let zero = w.refused(&["advance-clock", "0h"], 2);
    assert!(zero.contains("does not move the clock"), "{zero}");
    let same = w.refused(&["advance-clock", "--to", "2026-01-15T10:00:00Z"], 2);
    assert!(same.contains("does not move the clock"), "{same}");
    w.refused(&["advance-clock", "--to", "2026-01-15T11:00:00+01:00"], 2);
    w.ok(&["advance-clock", "--to", "2026-01-15T10:00:01Z"]);
}
