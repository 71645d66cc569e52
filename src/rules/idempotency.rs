//! The identity of a request: what an idempotency key remembers about the
//! command it was used for. It is the command and its arguments as data, in
//! the product's words and with every default filled in (`buy alice
//! credits-500` and `buy alice credits-500 --quantity 1` are one request),
//! versioned, and independent of how the program names its types and
//! fields, so a retry after an upgrade is still recognised.
//!
//! Main items: [`identity`] (the canonical form of a command) and
//! [`from_legacy`] (the form wallets stored before it: the parsed command in
//! Rust's debug notation, converted by schema 4's migration).

use serde_json::{Value, json};

use crate::cli::{AccountCommand, AdvanceClockArgs, Command};
use crate::rules::EditOp;
use crate::rules::clock::{Step, format_instant, parse_instant};

/// The version of the canonical form; a new form gets a new number, and a
/// migration converts the stored ones.
pub const VERSION: u64 = 1;

/// The canonical form of a mutating command, as compact JSON with its keys
/// sorted: `{"args":{"account":"a0","count":1,"style":"base"},"command":"generate","v":1}`.
/// `None` for a command that only reads (idempotency keys do not apply).
pub fn identity(command: &Command) -> Option<String> {
    let (name, args) = match command {
        Command::Init { now } => ("init", json!({ "now": now.as_deref().map(instant) })),
        Command::Account(AccountCommand::Add { account }) => ("account add", json!({ "account": account })),
        Command::Buy {
            account,
            product,
            quantity,
        } => (
            "buy",
            json!({ "account": account, "product": product, "quantity": quantity }),
        ),
        Command::Subscribe { account, plan } => ("subscribe", json!({ "account": account, "plan": plan })),
        Command::Cancel { account, undo } => ("cancel", json!({ "account": account, "undo": undo })),
        Command::Generate { account, style, count } => (
            "generate",
            json!({ "account": account, "style": style, "count": count }),
        ),
        Command::Edit { account, image, op } => {
            ("edit", json!({ "account": account, "image": image, "op": op.as_str() }))
        }
        Command::Train { account, style } => ("train", json!({ "account": account, "style": style })),
        Command::License { account, image } => ("license", json!({ "account": account, "image": image })),
        Command::AdvanceClock(AdvanceClockArgs { duration, to }) => (
            "advance-clock",
            json!({ "by": duration.as_deref().map(step), "to": to.as_deref().map(instant) }),
        ),
        Command::Grant {
            account,
            amounts,
            reason,
            expires_in,
        } => (
            "grant",
            json!({
                "account": account, "credits": amounts.credits.unwrap_or(0),
                "licenses": amounts.licenses.unwrap_or(0), "reason": reason,
                "expires_in": expires_in.as_deref().map(step),
            }),
        ),
        Command::Debit {
            account,
            amounts,
            reason,
        } => (
            "debit",
            json!({
                "account": account, "credits": amounts.credits.unwrap_or(0),
                "licenses": amounts.licenses.unwrap_or(0), "reason": reason,
            }),
        ),
        Command::Void { operation, reason } => ("void", json!({ "operation": operation, "reason": reason })),
        Command::Account(AccountCommand::List | AccountCommand::Show { .. })
        | Command::Log(_)
        | Command::Report(_)
        | Command::Export { .. }
        | Command::Compare { .. }
        | Command::Balance { .. }
        | Command::History { .. }
        | Command::Images { .. }
        | Command::Replay { .. }
        | Command::Pricing(_)
        | Command::Completions { .. }
        | Command::Verify
        | Command::Copy { .. }
        | Command::Manpage
        | Command::Help(_) => return None,
    };
    let request: Value = json!({ "v": VERSION, "command": name, "args": args });
    Some(request.to_string())
}

/// An instant as the wallet writes it (`2026-01-15` and
/// `2026-01-15T00:00:00Z` are one instant); text that is no instant stays as
/// written (the command is refused anyway, and a refused command keeps no key).
fn instant(text: &str) -> String {
    parse_instant(text).map_or_else(|_| text.to_owned(), format_instant)
}

/// A clock step as `N` and its unit (`01mo` is `1mo`); text that is no step
/// stays as written.
fn step(text: &str) -> String {
    match Step::parse(text) {
        Ok(Step::Hours(n)) => format!("{n}h"),
        Ok(Step::Days(n)) => format!("{n}d"),
        Ok(Step::Weeks(n)) => format!("{n}w"),
        Ok(Step::Months(n)) => format!("{n}mo"),
        Ok(Step::Years(n)) => format!("{n}y"),
        Err(_) => text.to_owned(),
    }
}

/// The canonical form of a request stored before schema 4, which kept the
/// parsed command in Rust's debug notation, e.g.
/// `Generate { account: "a0", style: "base", count: 1 }` or
/// `AdvanceClock(AdvanceClockArgs { duration: Some("1mo"), to: None })`.
/// `None` for text that is not such a command (it is then left as it is: a
/// retry with its key is refused, as before, rather than guessed at).
pub fn from_legacy(text: &str) -> Option<String> {
    let mut parser = Parser { rest: text.trim() };
    let tree = parser.value()?;
    if !parser.rest.is_empty() {
        return None;
    }
    identity(&legacy_command(&tree)?)
}

/// A value in Rust's debug notation: a string, a word (a name, number or
/// boolean), a struct `Name { field: value, … }` or a tuple `Name(value, …)`.
#[derive(Debug, PartialEq)]
enum Debugged {
    Text(String),
    Word(String),
    Struct(String, Vec<(String, Debugged)>),
    Tuple(String, Vec<Debugged>),
}

impl Debugged {
    fn text(&self) -> Option<String> {
        match self {
            Debugged::Text(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn word(&self) -> Option<&str> {
        match self {
            Debugged::Word(w) => Some(w),
            _ => None,
        }
    }

    /// `None` or `Some("…")`; `None` when the word is neither.
    #[allow(clippy::option_option, reason = "unreadable text and a stored `None` differ")]
    fn optional_text(&self) -> Option<Option<String>> {
        match self {
            Debugged::Word(w) if w == "None" => Some(None),
            Debugged::Tuple(name, values) if name == "Some" && values.len() == 1 => values[0].text().map(Some),
            _ => None,
        }
    }
}

/// The fields of a debugged struct, each to be taken once by name.
struct Fields<'a>(&'a [(String, Debugged)]);

impl Fields<'_> {
    fn get(&self, name: &str) -> Option<&Debugged> {
        self.0.iter().find(|(field, _)| field == name).map(|(_, value)| value)
    }

    fn text(&self, name: &str) -> Option<String> {
        self.get(name)?.text()
    }

    fn number(&self, name: &str) -> Option<u32> {
        self.get(name)?.word()?.parse().ok()
    }

    fn flag(&self, name: &str) -> Option<bool> {
        self.get(name)?.word()?.parse().ok()
    }

    /// Exactly these fields, so that a command of another shape is not
    /// mistaken for this one.
    fn are(&self, names: &[&str]) -> bool {
        self.0.len() == names.len() && names.iter().all(|n| self.get(n).is_some())
    }
}

/// The mutating command a legacy request describes.
fn legacy_command(tree: &Debugged) -> Option<Command> {
    if let Debugged::Tuple(name, values) = tree {
        let [inner] = values.as_slice() else {
            return None;
        };
        let Debugged::Struct(inner_name, fields) = inner else {
            return None;
        };
        let f = Fields(fields);
        return match (name.as_str(), inner_name.as_str()) {
            ("Account", "Add") if f.are(&["account"]) => Some(Command::Account(AccountCommand::Add {
                account: f.text("account")?,
            })),
            ("AdvanceClock", "AdvanceClockArgs") if f.are(&["duration", "to"]) => {
                Some(Command::AdvanceClock(AdvanceClockArgs {
                    duration: f.get("duration")?.optional_text()?,
                    to: f.get("to")?.optional_text()?,
                }))
            }
            _ => None,
        };
    }
    let Debugged::Struct(name, fields) = tree else {
        return None;
    };
    let f = Fields(fields);
    match name.as_str() {
        "Init" if f.are(&["now"]) => Some(Command::Init {
            now: f.get("now")?.optional_text()?,
        }),
        "Buy" if f.are(&["account", "product", "quantity"]) => Some(Command::Buy {
            account: f.text("account")?,
            product: f.text("product")?,
            quantity: f.number("quantity")?,
        }),
        "Subscribe" if f.are(&["account", "plan"]) => Some(Command::Subscribe {
            account: f.text("account")?,
            plan: f.text("plan")?,
        }),
        "Cancel" if f.are(&["account", "undo"]) => Some(Command::Cancel {
            account: f.text("account")?,
            undo: f.flag("undo")?,
        }),
        "Generate" if f.are(&["account", "style", "count"]) => Some(Command::Generate {
            account: f.text("account")?,
            style: f.text("style")?,
            count: f.number("count")?,
        }),
        "Edit" if f.are(&["account", "image", "op"]) => {
            let op = f.get("op")?.word()?;
            Some(Command::Edit {
                account: f.text("account")?,
                image: f.text("image")?,
                op: EditOp::ALL.into_iter().find(|o| format!("{o:?}") == op)?,
            })
        }
        "Train" if f.are(&["account", "style"]) => Some(Command::Train {
            account: f.text("account")?,
            style: f.text("style")?,
        }),
        "License" if f.are(&["account", "image"]) => Some(Command::License {
            account: f.text("account")?,
            image: f.text("image")?,
        }),
        _ => None,
    }
}

/// A reader of Rust's debug notation, just enough for a parsed command line.
struct Parser<'a> {
    rest: &'a str,
}

impl Parser<'_> {
    fn skip_spaces(&mut self) {
        self.rest = self.rest.trim_start_matches(' ');
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_spaces();
        match self.rest.strip_prefix(token) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn word(&mut self) -> Option<String> {
        self.skip_spaces();
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let (word, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(word.to_owned())
    }

    fn value(&mut self) -> Option<Debugged> {
        self.skip_spaces();
        if self.rest.starts_with('"') {
            return self.text().map(Debugged::Text);
        }
        let name = self.word()?;
        if self.eat("{") {
            let mut fields = Vec::new();
            while !self.eat("}") {
                if !fields.is_empty() && !self.eat(",") {
                    return None;
                }
                let field = self.word()?;
                if !self.eat(":") {
                    return None;
                }
                fields.push((field, self.value()?));
            }
            return Some(Debugged::Struct(name, fields));
        }
        if self.eat("(") {
            let mut values = Vec::new();
            while !self.eat(")") {
                if !values.is_empty() && !self.eat(",") {
                    return None;
                }
                values.push(self.value()?);
            }
            return Some(Debugged::Tuple(name, values));
        }
        Some(Debugged::Word(name))
    }

    /// A quoted string with Rust's debug escapes (`\"`, `\\`, `\n`, `\u{1b}`…).
    fn text(&mut self) -> Option<String> {
        let mut chars = self.rest.strip_prefix('"')?.char_indices();
        let mut text = String::new();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = &self.rest[1 + i + 1..];
                    return Some(text);
                }
                '\\' => {
                    let escaped = match chars.next()?.1 {
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        '0' => '\0',
                        c @ ('\\' | '"' | '\'') => c,
                        'u' => {
                            if chars.next()?.1 != '{' {
                                return None;
                            }
                            let mut hex = String::new();
                            loop {
                                match chars.next()?.1 {
                                    '}' => break,
                                    h => hex.push(h),
                                }
                            }
                            char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                        }
                        _ => return None,
                    };
                    text.push(escaped);
                }
                c => text.push(c),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::cli::Cli;

    fn parsed(line: &str) -> Command {
        let words = std::iter::once("wallet").chain(line.split(' '));
        Cli::try_parse_from(words).expect("a valid line").command
    }

    #[test]
    fn the_identity_is_the_command_in_the_products_words_with_defaults_filled_in() {
        assert_eq!(
            identity(&parsed("generate a0")).as_deref(),
            Some(r#"{"args":{"account":"a0","count":1,"style":"base"},"command":"generate","v":1}"#)
        );
        assert_eq!(
            identity(&parsed("buy alice credits-500")),
            identity(&parsed("buy alice credits-500 --quantity 1"))
        );
        assert_ne!(
            identity(&parsed("buy alice credits-500")),
            identity(&parsed("buy alice credits-500 --quantity 2"))
        );
        assert_eq!(
            identity(&parsed("advance-clock --to 2026-02-01")),
            identity(&parsed("advance-clock --to 2026-02-01T01:00:00+01:00"))
        );
        assert_eq!(
            identity(&parsed("advance-clock 01mo")),
            identity(&parsed("advance-clock 1mo"))
        );
        assert_eq!(
            identity(&parsed("edit a img-1 remove-background")).as_deref(),
            Some(r#"{"args":{"account":"a","image":"img-1","op":"remove-background"},"command":"edit","v":1}"#)
        );
        assert_eq!(identity(&parsed("balance a")), None);
    }

    /// Every mutating command's legacy form (its debug text, as wallets of
    /// schema 2 and 3 stored it) converts to the identity of the same command.
    #[test]
    fn every_legacy_request_converts_to_the_same_commands_identity() {
        let lines = [
            "init",
            "init --now 2026-01-15T10:00:00Z",
            "account add alice",
            "buy alice licenses-10 --quantity 3",
            "subscribe alice licenses-5-monthly",
            "cancel alice",
            "cancel alice --undo",
            "generate alice --style artist:monet --count 7",
            "edit alice img-3 remove-background",
            "edit alice img-3 upscale",
            "train alice mine",
            "license alice img-1",
            "advance-clock 2w",
            "advance-clock --to 2027-01-01",
        ];
        for line in lines {
            let command = parsed(line);
            let legacy = format!("{command:?}");
            assert_eq!(from_legacy(&legacy), identity(&command), "{line}: {legacy}");
            assert!(identity(&command).is_some(), "{line}");
        }
        // Text with quotes, backslashes and control characters survives the escapes.
        let command = Command::Train {
            account: "a\"b\\c".to_owned(),
            style: "x\u{1b}[31m\ny\u{7f}é".to_owned(),
        };
        assert_eq!(from_legacy(&format!("{command:?}")), identity(&command));
    }

    #[test]
    fn text_that_is_no_legacy_command_is_not_converted() {
        for text in [
            "",
            "Generate",
            "Generate { account: \"a\" }",
            "Generate { account: \"a\", style: \"base\", count: 1 } trailing",
            "Generate { account: \"a, style: \"base\", count: 1 }",
            "Balance { account: None, as_of: None }",
            "Edit { account: \"a\", image: \"img-1\", op: Paint }",
            "Buy { account: \"a\", product: \"p\", quantity: -1 }",
            "{\"v\":1}",
        ] {
            assert_eq!(from_legacy(text), None, "{text}");
        }
    }
}
