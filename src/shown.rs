//! Values that came from outside — arguments, scenario lines, files, the
//! environment — made safe to write to a terminal. Every message that echoes
//! such a value shows it through [`shown`] (or [`shown_path`]): control
//! characters (ESC, BEL, backspace, carriage return …) and the characters
//! that reorder text (bidirectional overrides) are written as escapes like
//! `\x1b` and `\u{202e}`, so the terminal prints them instead of obeying them,
//! and a value longer than [`LONGEST`] characters is cut to its first
//! [`KEPT`] with its length after it, so a 10 MB handle gives a short refusal.

use std::fmt;

/// Values longer than this (in characters) are shortened.
pub const LONGEST: usize = 80;

/// How many characters of a shortened value are shown.
pub const KEPT: usize = 60;

/// A value as it may be shown: see the module documentation.
pub struct Shown<'a> {
    text: &'a str,
    shorten: bool,
}

/// `text` escaped and, past [`LONGEST`] characters, shortened.
pub fn shown(text: &str) -> Shown<'_> {
    Shown { text, shorten: true }
}

/// A file path, escaped but never shortened: the whole path is what finds
/// the file, and the system bounds its length.
pub fn shown_path(path: &std::path::Path) -> String {
    let text = path.to_string_lossy();
    Shown {
        text: &text,
        shorten: false,
    }
    .to_string()
}

/// A whole message (several lines, as clap renders its errors) with every
/// control character but the line breaks escaped.
pub fn shown_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            Shown {
                text: line,
                shorten: false,
            }
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// True when `text` has nothing [`shown`] would escape.
pub fn is_printable(text: &str) -> bool {
    !text.chars().any(needs_escape)
}

/// Control characters, line and paragraph separators, and the invisible
/// marks that reorder or hide text (a right-to-left override makes `cba` of
/// `abc`; a zero-width space or a byte-order mark hides between letters).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00ad}'
                | '\u{061c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let length = if self.shorten { self.text.chars().count() } else { 0 };
        let cut = self.shorten && length > LONGEST;
        let keep = if cut { KEPT } else { usize::MAX };
        for c in self.text.chars().take(keep) {
            if !needs_escape(c) {
                f.write_fmt(format_args!("{c}"))?;
            } else if u32::from(c) < 0x100 {
                write!(f, "\\x{:02x}", u32::from(c))?;
            } else {
                write!(f, "\\u{{{:x}}}", u32::from(c))?;
            }
        }
        if cut {
            write!(f, "…({length} chars)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_printable_text_is_kept() {
        assert_eq!(shown("alice").to_string(), "alice");
        assert_eq!(shown("héllo wörld").to_string(), "héllo wörld");
        assert_eq!(shown("a\u{1b}[2Jb").to_string(), "a\\x1b[2Jb");
        assert_eq!(shown("bell\u{7}\r\n\t").to_string(), "bell\\x07\\x0d\\x0a\\x09");
        assert_eq!(shown("\u{9b}31m\u{7f}").to_string(), "\\x9b31m\\x7f");
        assert_eq!(shown("abc\u{202e}fed").to_string(), "abc\\u{202e}fed");
        assert!(is_printable("support-jo (EU desk)"));
        assert!(!is_printable("jo\u{1b}]0;title\u{7}"));
        assert!(!is_printable("\u{2067}x"));
    }

    #[test]
    fn long_values_are_shortened_with_their_length() {
        let exactly = "x".repeat(LONGEST);
        assert_eq!(shown(&exactly).to_string(), exactly);
        let long = "y".repeat(10_000_000);
        let text = shown(&long).to_string();
        assert_eq!(text, format!("{}…(10000000 chars)", "y".repeat(KEPT)));
        // The escapes of a shortened value stay bounded too.
        let hostile = "\u{1b}".repeat(1000);
        assert_eq!(
            shown(&hostile).to_string(),
            format!("{}…(1000 chars)", "\\x1b".repeat(KEPT))
        );
    }

    #[test]
    fn paths_and_messages_are_escaped_but_not_shortened() {
        let long = format!("/tmp/{}/pricing\u{1b}.toml", "d".repeat(100));
        let text = shown_path(std::path::Path::new(&long));
        assert_eq!(text, format!("/tmp/{}/pricing\\x1b.toml", "d".repeat(100)));
        assert_eq!(
            shown_lines("error: 'a\u{1b}b'\n\nUsage: x\n"),
            "error: 'a\\x1bb'\n\nUsage: x\n"
        );
    }
}
