//! Writes as SQL text, sent many to a round trip. Values are written as
//! literals: numbers as digits, text as an escape-string literal (`E'…'`,
//! whose meaning does not depend on the server's settings) with its quotes
//! and backslashes doubled; text holding a NUL character is refused.

use std::fmt::{self, Display, Write as _};

use anyhow::ensure;

/// Pending text beyond which it is sent even before the next read.
pub(super) const SEND_AT: usize = 1 << 20;

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

/// A text value or NULL.
pub(super) struct OptText<'a>(pub(super) Option<&'a str>);

impl Display for OptText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(t) => Text(t).fmt(f),
            None => f.write_str("NULL"),
        }
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
        assert_eq!(OptText(None).to_string(), "NULL");
        assert_eq!(OptInt(Some(-5)).to_string(), "-5");
        assert!(storable(&["a\0b"]).is_err());
    }
}
