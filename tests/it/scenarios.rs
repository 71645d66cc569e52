//! Every `tests/scenarios/*.scenario` file replays cleanly on a fresh
//! wallet: adding a file adds a case.

use std::path::PathBuf;

use crate::support::Wallet;

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

#[test]
fn every_shipped_scenario_replays() {
    let files = scenario_files();
    assert!(files.len() >= 2, "expected shipped scenarios, found {files:?}");
    let mut failures = Vec::new();
    for file in &files {
        let w = Wallet::new();
        let r = w.run(&["replay", file.to_str().expect("path")]);
        if r.code != 0 || !r.stdout.contains("expectations met") {
            failures.push(format!("{}: exit {}\n{}{}", file.display(), r.code, r.stdout, r.stderr));
        }
        let v = w.run(&["verify"]);
        if v.code != 0 {
            failures.push(format!("{}: verify failed\n{}", file.display(), v.stderr));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_worked_example_replays_twice_in_memory() {
    let w = Wallet::new();
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

/// Runs `cmd` to completion and returns (exit code, its own peak resident
/// set in bytes), measured with `wait4` so other tests' children do not count.
#[cfg(target_os = "linux")]
fn run_measured(mut cmd: std::process::Command) -> (i32, u64) {
    let child = cmd.spawn().expect("spawn");
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `pid` is our own unreaped child; wait4 fills `status` and `usage`.
    let usage = unsafe {
        assert_eq!(libc::wait4(pid, &raw mut status, 0, usage.as_mut_ptr()), pid);
        usage.assume_init()
    };
    std::mem::forget(child);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, u64::try_from(usage.ru_maxrss).expect("positive") * 1024)
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
    // Through `sh -c exec`: a child forked from this (large) test process
    // would count the parent's pages in its peak before exec.
    let mut cmd = crate::support::command(w.dir.path());
    let bin = cmd.get_program().to_owned();
    cmd = {
        let mut sh = std::process::Command::new("sh");
        sh.envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))))
            .args(["-c", "exec \"$0\" \"$@\""])
            .arg(bin)
            .args(["--db", w.db.to_str().expect("path"), "replay", file.to_str().expect("path")])
            .stdout(std::fs::File::create(&out_path).expect("out"));
        sh
    };
    let (code, peak) = run_measured(cmd);
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
    use std::io::Write;
    use std::process::Stdio;
    let w = Wallet::new();
    let mut child = crate::support::command(w.dir.path())
        .args(["--db", w.db.to_str().expect("path"), "replay", "--quiet", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"init --now 2026-01-15T10:00:00Z\naccount add 'alice'  # quoted\nbalance alice\nexpect alice credits=10 licenses=0\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
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
