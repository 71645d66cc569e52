//! Property tests: no input a user or a file can supply makes a parser
//! panic, and what parses stays in range.

use proptest::prelude::*;

use crate::pricing::{BUILTIN_TEXT, Pricing};
use crate::rules::clock::{Step, latest_instant, parse_instant};
use crate::rules::{Style, is_valid_handle, parse_image_id};

proptest! {
    #![proptest_config(crate::random::config("the parsers' robustness", 2000, 20_000))]

    #[test]
    fn durations_parse_or_refuse_without_panicking(text in "\\\\PC{0,12}", n in any::<u32>(), unit in "(h|d|w|mo|y|m|s|)") {
        let _ = Step::parse(&text);
        if let Ok(step) = Step::parse(&format!("{n}{unit}")) {
            // Any step from any instant lands in range or is refused.
            for from in [parse_instant("1970-01-01").expect("epoch"), latest_instant()] {
                if let Some(to) = step.after(from) {
                    prop_assert!(to >= from && to <= latest_instant());
                }
            }
        }
    }

    #[test]
    fn instants_parse_or_refuse_without_panicking(text in "\\\\PC{0,40}", y in 0i64..20000, mo in 0u32..14, d in 0u32..33, h in 0u32..25) {
        let _ = parse_instant(&text);
        for candidate in [format!("{y:04}-{mo:02}-{d:02}"), format!("{y:04}-{mo:02}-{d:02}T{h:02}:00:00Z")] {
            if let Ok(t) = parse_instant(&candidate) {
                prop_assert!(t <= latest_instant() && t.timestamp() >= 0);
            }
        }
    }

    #[test]
    fn pricing_files_parse_or_refuse_with_a_position(cut in 0usize..4000, junk in "\\\\PC{0,20}") {
        let mut text: String = BUILTIN_TEXT.chars().take(cut).collect();
        let tail: String = BUILTIN_TEXT.chars().skip(cut).collect();
        text.push_str(&junk);
        text.push_str(&tail);
        if let Err(e) = Pricing::parse(&text, "fuzz.toml") {
            prop_assert!(e.to_string().starts_with("fuzz.toml"));
        }
    }

    #[test]
    fn pricing_numbers_of_any_size_are_validated(value in any::<i64>(), key in prop::sample::select(vec!["price_cents = 1000", "credits = 500", "signup_credits = 10", "upscale = 4", "one_time_expiry_months = 12"])) {
        let (name, _) = key.split_once(" = ").expect("key");
        let text = BUILTIN_TEXT.replacen(key, &format!("{name} = {value}"), 1);
        if let Ok(p) = Pricing::parse(&text, "fuzz.toml") {
            prop_assert!(p.products.values().all(|p| p.price_cents > 0));
            prop_assert!(p.policy.one_time_expiry_months.is_none_or(|m| m > 0));
        }
    }

    /// A line parsed through a remembered shape (or a remembered line) is
    /// exactly what clap makes of it afresh, refusals included.
    #[test]
    fn remembered_line_shapes_parse_as_clap_does(
        words in prop::collection::vec(prop::sample::select(vec![
            "generate", "buy", "subscribe", "cancel", "edit", "train", "license", "history", "images", "balance",
            "account", "add", "show", "list", "advance-clock", "help", "alice", "c000017", "x", "1d", "2", "img-1",
            "credits-1000", "licenses-5-monthly", "upscale", "mine", "--count", "--style", "base", "artist:monet",
            "--undo", "--quantity", "--as-of", "2026-01-01", "--json", "--", "-x", "--reason",
        ]), 1..6),
        others in prop::collection::vec(prop::sample::select(vec!["bob", "c000018", "show", "2", "x"]), 3),
    ) {
        let words: Vec<String> = words.into_iter().map(str::to_owned).collect();
        let mut remembering = crate::commands::replay::LineParser::new();
        let mut fresh = crate::commands::replay::LineParser::new();
        let show = |r: crate::error::Result<crate::cli::Cli>| format!("{:?}", r.map_err(|e| e.to_string()));
        // The line itself, then the same line naming other accounts.
        let mut lines = vec![words.clone()];
        for (i, other) in others.iter().enumerate() {
            let mut line = words.clone();
            let at = 1 + i % words.len().max(1);
            if at < line.len() {
                line[at] = (*other).to_owned();
            }
            lines.push(line);
        }
        for line in lines.iter().chain(lines.iter()) {
            prop_assert_eq!(show(remembering.parse(line)), show(fresh.parse_new(line)), "{:?}", line);
        }
    }

    #[test]
    fn scenario_words_and_names_never_panic(line in "\\\\PC{0,60}") {
        if let Ok(words) = shell_words::split(&line) {
            let _ = crate::commands::replay::LineParser::new().parse(&words);
        }
        let _ = Style::parse(&line);
        let _ = parse_image_id(&line);
        let _ = is_valid_handle(&line);
    }
}
