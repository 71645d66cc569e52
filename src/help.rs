//! `wallet help`: help for a command (clap's), or the rules the wallet
//! applies, by topic (`wallet help rules [TOPIC]`). The rules text is
//! `docs/rules.md`, compiled in: one source for the help, the README's
//! pointer to it, and the examples the test suite replays.

use clap::CommandFactory;

use crate::cli::{Cli, HelpArgs, HelpCommand};
use crate::error::{Error, Result};
use crate::rules::Topic;

/// The rules text: an introduction, then one `## id — title` section per topic.
pub const RULES: &str = include_str!("../docs/rules.md");

/// The sections of the rules text, each as (id, title, text with its heading).
fn sections() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    let mut starts: Vec<usize> = RULES.match_indices("\n## ").map(|(i, _)| i + 1).collect();
    starts.push(RULES.len());
    (0..starts.len().saturating_sub(1)).map(move |i| {
        let text = &RULES[starts[i]..starts[i + 1]];
        let heading = text.lines().next().unwrap_or_default().trim_start_matches("## ");
        let (id, title) = heading.split_once(" — ").unwrap_or((heading, ""));
        (id, title, text.trim_end())
    })
}

/// The introduction and the list of topics with their titles.
fn index() -> String {
    let intro = RULES.split("\n## ").next().unwrap_or_default().trim_end();
    let mut out = format!("{intro}\n\nTopics:\n");
    for (id, title, _) in sections() {
        out += &format!("  {id:<14} {title}\n");
    }
    out
}

/// One topic's section of the rules text.
fn topic_text(topic: Topic) -> Option<&'static str> {
    sections().find(|(id, _, _)| *id == topic.id()).map(|(_, _, text)| text)
}

/// What `wallet help …` prints.
pub fn run(args: &HelpArgs) -> Result<String> {
    match &args.rules {
        Some(HelpCommand::Rules { topic: None }) => Ok(index()),
        Some(HelpCommand::Rules { topic: Some(topic) }) => {
            topic_text(*topic).map(|text| format!("{text}\n")).ok_or_else(|| {
                Error::usage(format!(
                    "no rules text for {topic}; see the topics with: wallet help rules"
                ))
            })
        }
        None => command_help(&args.command),
    }
}

/// Clap's long help for the command named by `path` (`wallet help account add`).
fn command_help(path: &[String]) -> Result<String> {
    let mut command = Cli::command();
    command.build();
    let mut current = &mut command;
    for word in path {
        let name = current.get_name().to_owned();
        current = current.find_subcommand_mut(word).ok_or_else(|| {
            Error::usage(format!(
                "'{}' is not a command of '{name}'; see the commands with: wallet help, and the rules with: wallet help rules",
                crate::shown::shown(word)
            ))
        })?;
    }
    Ok(current.render_long_help().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_text_has_one_section_per_topic_in_order() {
        let ids: Vec<&str> = sections().map(|(id, _, _)| id).collect();
        let topics: Vec<&str> = Topic::ALL.iter().map(|t| t.id()).collect();
        assert_eq!(ids, topics);
        for (id, title, text) in sections() {
            assert!(!title.is_empty(), "{id} has a title");
            assert!(text.contains("```scenario"), "{id} has a worked example");
        }
    }

    #[test]
    fn the_rules_text_speaks_for_itself() {
        assert!(!RULES.contains("SPEC"), "the rules text cites no team document");
        for line in RULES.lines() {
            assert!(line.chars().count() <= 100, "a line fits a terminal: {line}");
        }
    }

    #[test]
    fn the_index_lists_every_topic_and_a_topic_prints_its_section() {
        let index = index();
        for topic in Topic::ALL {
            assert!(index.contains(&format!("  {} ", topic.id())), "{index}");
            let text = topic_text(topic).expect("section");
            assert!(text.starts_with(&format!("## {} — ", topic.id())), "{text}");
        }
    }
}
