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
