//! Writes as SQL text, sent many to a round trip. Values are written as
//! literals: numbers as digits, text as an escape-string literal (`E'…'`,
//! whose meaning does not depend on the server's settings) with its quotes
//! and backslashes doubled; text holding a NUL character is refused.

use std::fmt::{self, Display, Write as _};

use anyhow::ensure;

/// Updates a write makes many times, prepared once per connection, so the
/// server parses and plans each once: run as `EXECUTE name(…)`.
pub(super) const PREPARED: &str = "
PREPARE wallet_license (bigint, bigint, bigint, bigint) AS
    UPDATE images SET licensed_at = $3, license_operation_id = $4 WHERE id = $1 AND account_id = $2 AND licensed_at IS NULL;
PREPARE wallet_clock (bigint) AS
    UPDATE wallet SET clock = $1 WHERE id = 1;
";

/// Pending text beyond which it is sent even before the next read.
pub(super) const SEND_AT: usize = 1 << 20;

/// Lots made and changes of lots held back (see `Pending::split_ahead`)
/// beyond which everything is sent: about 100 bytes each.
pub(super) const HOLD_LOTS: usize = 1 << 17;

/// A text value as a literal.
pub(super) struct Text<'a>(pub(super) &'a str);

impl Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("E'")?;
        for c in self.0.chars() {
            match c {
                '\'' => f.write_str("''")?,
                '\\' => f.write_str("\\\\")?,
                c => f.write_char(c)?,
            }
        }
        f.write_char('\'')
    }
}

/// A number or NULL.
pub(super) struct OptInt(pub(super) Option<i64>);

impl Display for OptInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(n) => write!(f, "{n}"),
            None => f.write_str("NULL"),
        }
    }
}

/// One value of a new row.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cell<'a> {
    Int(i64),
    Text(&'a str),
    Null,
}

impl From<i64> for Cell<'_> {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<u32> for Cell<'_> {
    fn from(n: u32) -> Self {
        Cell::Int(i64::from(n))
    }
}

impl From<Option<i64>> for Cell<'_> {
    fn from(n: Option<i64>) -> Self {
        n.map_or(Cell::Null, Cell::Int)
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(t: &'a str) -> Self {
        Cell::Text(t)
    }
}

impl<'a> From<Option<&'a str>> for Cell<'a> {
    fn from(t: Option<&'a str>) -> Self {
        t.map_or(Cell::Null, Cell::Text)
    }
}

impl Display for Cell<'_> {
    /// As an SQL literal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Int(n) => write!(f, "{n}"),
            Cell::Text(t) => Text(t).fmt(f),
            Cell::Null => f.write_str("NULL"),
        }
    }
}

/// `cell` as a field of `COPY … FROM STDIN` text: `\N` for NULL, and text
/// with its backslashes, tabs and line breaks escaped.
pub(super) fn copy_field(out: &mut String, cell: Cell<'_>) {
    match cell {
        Cell::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Cell::Null => out.push_str("\\N"),
        Cell::Text(t) => {
            for c in t.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
    }
}

/// Refuses text the server cannot store (a NUL character).
pub(super) fn storable(texts: &[&str]) -> anyhow::Result<()> {
    ensure!(
        texts.iter().all(|t| !t.contains('\0')),
        "text with a NUL character cannot be stored"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_literals_double_quotes_and_backslashes() {
        assert_eq!(Text("it's").to_string(), "E'it''s'");
        assert_eq!(
            Text(r"a\'; DROP TABLE x; --").to_string(),
            r"E'a\\''; DROP TABLE x; --'"
        );
        assert_eq!(OptInt(Some(-5)).to_string(), "-5");
        assert!(storable(&["a\0b"]).is_err());
        let mut copied = String::new();
        for cell in [Cell::Int(-3), Cell::Null, Cell::Text("a\tb\\c\nd")] {
            copy_field(&mut copied, cell);
            copied.push('|');
        }
        assert_eq!(copied, "-3|\\N|a\\tb\\\\c\\nd|");
    }
}
