//! `wallet help rules`: the rules text in the product, and every worked
//! example in it replayed by the real binary, so the help cannot drift from
//! what the code does.

use crate::support::{Wallet, command, rule_topics, with_stdin};

const RULES: &str = include_str!("../../docs/rules.md");

/// The fenced blocks of the rules text marked `scenario`, with the topic each is under.
fn examples() -> Vec<(String, String)> {
    let mut examples = Vec::new();
    let mut topic = "";
    let mut block: Option<String> = None;
    for line in RULES.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            topic = heading.split(" — ").next().unwrap_or_default();
        }
        match (&mut block, line.trim()) {
            (None, "```scenario") => block = Some(String::new()),
            (Some(_), "```") => examples.push((topic.to_owned(), block.take().unwrap_or_default())),
            (Some(text), _) => *text += &format!("{line}\n"),
            (None, _) => {}
        }
    }
    examples
}

#[test]
fn every_example_in_the_rules_text_replays() {
    let examples = examples();
    for topic in rule_topics() {
        assert!(
            examples.iter().any(|(of, _)| of == topic),
            "the topic '{topic}' of the rules text has no example"
        );
    }
    for (topic, scenario) in examples {
        // Each example on a wallet of its own: in memory, or a fresh database.
        let w = Wallet::new();
        let db = match w.database() {
            Some(database) => database.url.as_str(),
            None => ":memory:",
        };
        let mut cmd = command(w.dir.path());
        cmd.args(["--db", db, "replay", "-"]);
        let out = with_stdin(cmd, scenario.as_bytes());
        assert!(
            out.status.success(),
            "the example under '{topic}' fails:\n{scenario}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn help_rules_lists_the_topics_and_prints_each() {
    let w = Wallet::new();
    let index = w.ok(&["help", "rules"]);
    let topics = rule_topics();
    assert!(topics.len() >= 10, "{topics:?}");
    for topic in &topics {
        assert!(index.contains(&format!("  {topic} ")), "{topic} listed:\n{index}");
        let text = w.ok(&["help", "rules", topic]);
        assert!(text.starts_with(&format!("## {topic} — ")), "{text}");
        assert!(!text.contains("SPEC"), "{text}");
    }
    for topic in [
        "time",
        "lots",
        "burn-down",
        "subscriptions",
        "rollover",
        "cancel",
        "spending",
        "images",
        "same-instant",
        "idempotency",
    ] {
        assert!(topics.contains(&topic), "the topic {topic} exists");
    }
}

#[test]
fn an_unknown_topic_is_a_usage_error_that_lists_the_topics() {
    let w = Wallet::new();
    let e = w.refused(&["help", "rules", "refunds"], 2);
    for topic in rule_topics() {
        assert!(e.contains(topic), "{topic} offered: {e}");
    }
    // Help for a command still works, and an unknown one is a usage error.
    assert!(w.ok(&["help", "buy"]).contains("Usage: wallet buy"));
    w.refused(&["help", "refund"], 2);
}

#[test]
fn the_readme_points_to_the_rules_text_and_cites_no_team_document() {
    let readme = include_str!("../../README.md");
    assert!(
        readme.contains("wallet help rules"),
        "the README sends readers to the rules"
    );
    assert!(
        !readme.contains("SPEC"),
        "the README is complete without the team's documents"
    );
    assert!(
        !readme.contains("../shared"),
        "the README is complete without the team's documents"
    );
    // Each topic is named with the file of src/rules/ that implements it.
    for topic in rule_topics() {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{topic}` |")))
            .unwrap_or_else(|| panic!("the README's topic table has no row for {topic}"));
        let file = row.split('`').nth(3).unwrap_or_default();
        assert!(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file).is_file(),
            "{topic}: {file} is a file"
        );
    }
}
