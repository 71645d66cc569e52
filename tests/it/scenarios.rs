//! Every `tests/scenarios/*.scenario` file replays cleanly on a fresh
//! wallet: adding a file adds a case.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{Wallet, command_of};

fn scenario_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scenarios"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/scenarios")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "scenario"))
        .collect();
    files.sort();
    files
}

/// A scenario's pricing file, named on its first line as
/// `# pricing: PATH` (relative to the repository); else the built-in one.
fn pricing_of(file: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(file).expect("scenario");
    let path = text.lines().next()?.strip_prefix("# pricing:")?.trim();
    Some(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
}

/// Replays every shipped scenario with `binary` on a fresh wallet each, and
/// verifies the wallet; returns what went wrong.
fn replay_every_shipped_scenario(binary: &Path) -> Vec<String> {
    let files = scenario_files();
    assert!(files.len() >= 2, "expected shipped scenarios, found {files:?}");
    let mut failures = Vec::new();
    for file in &files {
        let w = Wallet::new();
        let run = |args: &[&str]| -> Output {
            command_of(binary, w.dir.path())
                .arg("--db")
                .arg(&w.db)
                .args(args)
                .output()
                .expect("run wallet")
        };
        let mut args = vec!["replay".to_owned(), file.to_str().expect("path").to_owned()];
        if let Some(pricing) = pricing_of(file) {
            args.splice(0..0, ["--pricing".to_owned(), pricing]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&args);
        let (stdout, stderr) = (String::from_utf8_lossy(&r.stdout), String::from_utf8_lossy(&r.stderr));
        if !r.status.success() || !stdout.contains("expectations met") {
            failures.push(format!("{}: {}\n{stdout}{stderr}", file.display(), r.status));
        }
        let v = run(&["verify"]);
        if !v.status.success() {
            failures.push(format!(
                "{}: verify failed\n{}",
                file.display(),
                String::from_utf8_lossy(&v.stderr)
            ));
        }
    }
    failures
}

#[test]
fn every_shipped_scenario_replays() {
    let failures = replay_every_shipped_scenario(Path::new(env!("CARGO_BIN_EXE_wallet")));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The binary built with the `release-test` profile (Cargo.toml): the
/// release profile's behaviour — no debug assertions, no overflow checks,
/// `panic = "abort"` — without its build time. scripts/test builds it before
/// the tests and names it in `WALLET_TEST_RELEASE_BINARY`; no test runs cargo.
fn release_binary() -> PathBuf {
    match std::env::var_os("WALLET_TEST_RELEASE_BINARY") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => panic!(
            "this test runs the release-test build of wallet: build it with \
             `cargo build --profile release-test --bin wallet` and set \
             WALLET_TEST_RELEASE_BINARY=target/release-test/wallet (scripts/test does both)"
        ),
    }
}

/// Issue 16: `cargo test` builds debug binaries, whose self-checks (debug
/// assertions, overflow checks) the shipped build lacks; the shipped
/// scenarios run against a build without them too.
#[test]
fn every_shipped_scenario_replays_with_the_release_build() {
    let binary = release_binary();
    assert!(binary.exists(), "no binary at {}", binary.display());
    assert_ne!(binary, Path::new(env!("CARGO_BIN_EXE_wallet")));
    let failures = replay_every_shipped_scenario(&binary);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_worked_example_replays_twice_in_memory() {
    let w = Wallet::file();
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scenarios/worked-example.scenario");
    for _ in 0..2 {
        let r = crate::support::command(w.dir.path())
            .args(["--db", ":memory:", "replay", file])
            .output()
            .expect("run");
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        assert!(String::from_utf8_lossy(&r.stdout).contains("18 lines, 11 commands run, 6 expectations met"));
    }
}

#[test]
fn a_failed_expectation_names_its_line_and_stops() {
    let w = Wallet::new();
    let file = w.dir.path().join("bad.scenario");
    std::fs::write(
        &file,
        "init --now 2026-01-15T10:00:00Z\naccount add alice\nexpect alice credits=11\naccount add bob\n",
    )
    .expect("write");
    let r = w.run(&["replay", file.to_str().expect("path")]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("bad.scenario:3: expected alice credits=11 / got alice credits=10"),
        "{}",
        r.stderr
    );
    let accounts = w.json(&["account", "list"]);
    assert_eq!(accounts.as_array().map(Vec::len), Some(1), "line 4 must not have run");
}

#[test]
fn an_unexpected_refusal_keeps_its_exit_code() {
    let w = Wallet::new();
    let file = w.dir.path().join("bad.scenario");
    std::fs::write(
        &file,
        "init --now 2026-01-15T10:00:00Z\n\n# comment\nbuy nobody credits-500\n",
    )
    .expect("write");
    let r = w.run(&["replay", file.to_str().expect("path")]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("bad.scenario:4: no account named 'nobody'"),
        "{}",
        r.stderr
    );
    std::fs::write(&file, "expect-error 2 buy nobody credits-500\n").expect("write");
    let r = w.run(&["replay", file.to_str().expect("path")]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("bad.scenario:1: expected `buy nobody credits-500` to exit 2 / it exited 3"),
        "{}",
        r.stderr
    );
}

/// Runs `cmd` through a small python3 parent and returns (exit code, the
/// peak resident set of `cmd` alone, in bytes). Measuring from this test
/// process would not do: on exec, Linux counts the spawning process's memory
/// (this large test binary's) into the child's peak.
#[cfg(target_os = "linux")]
fn run_measured(cmd: &std::process::Command, stdout: &std::path::Path) -> (i32, u64) {
    const MEASURE: &str = "import resource, subprocess, sys\n\
        code = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], 'w')).returncode\n\
        print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)";
    let out = std::process::Command::new("python3")
        .args(["-c", MEASURE])
        .arg(stdout)
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .envs(
            cmd.get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        )
        .output()
        .expect("python3");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text.split_whitespace().map(|f| f.parse::<i64>().expect("number"));
    let (Some(code), Some(peak)) = (fields.next(), fields.next()) else {
        panic!("no measurement: {text}{}", String::from_utf8_lossy(&out.stderr));
    };
    (i32::try_from(code).expect("code"), u64::try_from(peak).expect("peak"))
}

#[cfg(target_os = "linux")]
#[test]
fn a_100000_line_scenario_streams_instead_of_loading_the_file() {
    use std::io::Write;
    let w = Wallet::new();
    let file = w.dir.path().join("long.scenario");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).expect("create"));
    writeln!(out, "init --now 2026-01-15T10:00:00Z\naccount add alice").expect("write");
    let filler = format!("# {}", "x".repeat(700));
    for _ in 0..99_997 {
        writeln!(out, "{filler}").expect("write");
    }
    writeln!(out, "expect alice credits=10").expect("write");
    drop(out);
    let size = std::fs::metadata(&file).expect("size").len();
    assert!(size > 70_000_000, "the file must dwarf the memory bound: {size} bytes");
    let out_path = w.dir.path().join("out.txt");
    let mut cmd = crate::support::command(w.dir.path());
    cmd.args([
        "--db",
        w.db.to_str().expect("path"),
        "replay",
        file.to_str().expect("path"),
    ]);
    let (code, peak) = run_measured(&cmd, &out_path);
    let out = std::fs::read_to_string(&out_path).expect("read out");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("100000 lines, 2 commands run, 1 expectations met"),
        "{out}"
    );
    assert!(
        peak < 40_000_000,
        "replay held {peak} bytes at its peak for a {size}-byte file"
    );
}

#[test]
fn replay_reads_stdin_and_quiet_prints_only_failures() {
    let w = Wallet::new();
    let mut cmd = crate::support::command(w.dir.path());
    cmd.args(["--db", w.db.to_str().expect("path"), "replay", "--quiet", "-"]);
    let out = crate::support::with_stdin(
        cmd,
        b"init --now 2026-01-15T10:00:00Z\naccount add 'alice'  # quoted\nbalance alice\nexpect alice credits=10 licenses=0\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.stdout.is_empty(),
        "--quiet printed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(w.balance("alice"), (10, 0));

    let r = w.run(&["replay", "--quiet", "-"]);
    assert_eq!(r.code, 0, "an empty stdin is an empty scenario: {}", r.stderr);
    let file = w.dir.path().join("s.scenario");
    std::fs::write(&file, "balance alice\nexpect alice licenses=1\n").expect("write");
    let r = w.run(&["replay", "--quiet", file.to_str().expect("path")]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr
            .contains("s.scenario:2: expected alice licenses=1 / got alice licenses=0"),
        "{}",
        r.stderr
    );
    let r = w.run(&["replay", file.to_str().expect("path")]);
    assert!(
        r.stdout.contains("alice: 10 credits"),
        "read commands print their output: {}",
        r.stdout
    );
}

#[test]
fn scenario_lines_cannot_switch_wallets_or_nest() {
    let w = Wallet::new();
    let file = w.dir.path().join("s.scenario");
    std::fs::write(
        &file,
        "init --now 2026-01-15T10:00:00Z\naccount --db other.db add bob\n",
    )
    .expect("write");
    let r = w.run(&["replay", file.to_str().expect("path")]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("s.scenario:2: --db cannot be used inside a scenario"),
        "{}",
        r.stderr
    );
    std::fs::write(&file, "replay other.scenario\n").expect("write");
    let r = w.run(&["replay", file.to_str().expect("path")]);
    assert_eq!(r.code, 2);
    std::fs::write(&file, "account add 'unterminated\n").expect("write");
    let r = w.run(&["replay", file.to_str().expect("path")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("s.scenario:1:"), "{}", r.stderr);
}

/// With `--commit-every 1000`, a reader sees the first thousand lines
/// land while the replay still runs (and nothing of the lines after them);
/// a failure later keeps every line before it and none after.
#[test]
fn a_failure_after_a_committed_batch_keeps_the_lines_before_it() {
    use std::io::Write as _;
    use std::process::Stdio;
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["buy", "alice", "credits-1000", "--quantity", "3"]);
    let mut replay = crate::support::command(w.dir.path())
        .arg("--db")
        .arg(&w.db)
        .args(["replay", "--commit-every", "1000", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wallet");
    let mut stdin = replay.stdin.take().expect("stdin");
    stdin
        .write_all("generate alice\n".repeat(1500).as_bytes())
        .expect("write lines");
    stdin.flush().expect("flush");
    // Until the first batch lands (the bound is only a safety net): the
    // only commit a reader can see before the end is that of line 1000.
    let images = || w.value("SELECT count(*) FROM images");
    let mut seen = images();
    for _ in 0..1_000_000 {
        if seen != "0" || matches!(replay.try_wait(), Ok(Some(_))) {
            break;
        }
        seen = images();
    }
    assert!(
        matches!(replay.try_wait(), Ok(None)),
        "the replay ended while it waited for more lines"
    );
    assert_eq!(seen, "1000", "a reader saw the first batch of 1,000 lines, and only it");
    stdin
        .write_all(b"expect alice credits=1\nbuy alice credits-500\n")
        .expect("write lines");
    drop(stdin);
    let r = crate::support::Run::from(replay.wait_with_output().expect("the replay ends"));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("<stdin>:1501: expected alice credits=1 / got alice credits=1510"),
        "{}",
        r.stderr
    );
    assert_eq!(
        w.balance("alice"),
        (1510, 0),
        "1,500 generate lines landed, the line after the failure did not"
    );
    assert_eq!(images(), "1500");
    w.ok(&["verify"]);
}

#[test]
fn expect_error_demands_a_refusal_with_its_code() {
    let w = Wallet::new();
    let file = w.dir.path().join("s.scenario");
    let run = |text: &str| {
        std::fs::write(&file, text).expect("write");
        w.run(&["replay", file.to_str().expect("path")])
    };
    let setup = "init --now 2026-01-15T10:00:00Z\naccount add alice\n";
    // A command that succeeds fails the expectation, and its change is undone.
    let r = run(&format!("{setup}expect-error 3 buy alice credits-500\n"));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("s.scenario:3: expected `buy alice credits-500` to be refused with exit 3 / it succeeded"),
        "{}",
        r.stderr
    );
    assert_eq!(w.balance("alice"), (10, 0));
    w.reset();
    // Without a CODE a refusal by a rule (3) is expected: a typo (usage, 2) does not pass.
    let r = run(&format!("{setup}expect-error bye alice credits-500\n"));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("to exit 3 / it exited 2"), "{}", r.stderr);
    w.reset();
    let r = run(&format!(
        "{setup}expect-error buy alice credits-9\nexpect-error 2 buy alice credits-500 --quantity 0\n"
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    w.reset();
    let r = run(&format!("{setup}expect-error 3\n"));
    assert_eq!(r.code, 2, "a CODE without a command is malformed: {}", r.stderr);
}

#[test]
fn every_rule_area_has_a_scenario() {
    let names: Vec<String> = scenario_files()
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    for area in [
        "worked-example",
        "expiry",
        "month-ends",
        "subscription-rollover",
        "subscription-yearly",
        "subscription-cancel",
        "spending",
        "licensing",
        "refusals",
        "2024-free-grant",
        "2024-standard-rollover",
        "2024-addon",
        "2024-license-and-training",
    ] {
        assert!(names.iter().any(|n| n == area), "no {area}.scenario in {names:?}");
    }
}
