//! Lists written row by row as they are read, for views of every account
//! (`account list`, `balance`): nothing holds all the rows at once.
//!
//! The table looks exactly like [`super::table`]'s (comfy-table's
//! `UTF8_FULL_CONDENSED`); its column widths come from a first pass over the
//! rows, and it is as wide as its widest row (never wrapped). JSON is
//! written with `serde_json`'s pretty printer, so it reads the same as the
//! other commands' output.

use std::cell::RefCell;
use std::io::{self, Write};

use serde::ser::{Error as _, SerializeSeq};
use serde::{Serialize, Serializer};

/// Column widths in characters: the header's, widened by every row.
pub struct Widths(Vec<usize>);

impl Widths {
    pub fn new(header: &[&str]) -> Widths {
        Widths(header.iter().map(|h| h.chars().count()).collect())
    }

    pub fn fit(&mut self, cells: &[String]) {
        for (width, cell) in self.0.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
}

/// A table written a row at a time.
pub struct TableWriter<'w> {
    out: &'w mut dyn Write,
    widths: Vec<usize>,
}

impl<'w> TableWriter<'w> {
    /// Writes the top border, the header and the line under it.
    pub fn start(out: &'w mut dyn Write, header: &[&str], widths: Widths) -> io::Result<TableWriter<'w>> {
        let mut table = TableWriter { out, widths: widths.0 };
        table.border(['┌', '─', '┬', '┐'])?;
        table.line(header)?;
        table.border(['╞', '═', '╪', '╡'])?;
        Ok(table)
    }

    pub fn row(&mut self, cells: &[String]) -> io::Result<()> {
        self.line(cells)
    }

    /// Writes the bottom border.
    pub fn finish(mut self) -> io::Result<()> {
        self.border(['└', '─', '┴', '┘'])
    }

    fn border(&mut self, [left, fill, cross, right]: [char; 4]) -> io::Result<()> {
        let mut line = String::from(left);
        for (i, width) in self.widths.iter().enumerate() {
            if i > 0 {
                line.push(cross);
            }
            line.extend(std::iter::repeat_n(fill, width + 2));
        }
        line.push(right);
        line.push('\n');
        self.out.write_all(line.as_bytes())
    }

    fn line<S: AsRef<str>>(&mut self, cells: &[S]) -> io::Result<()> {
        let mut line = String::from('│');
        for (i, (cell, width)) in cells.iter().zip(&self.widths).enumerate() {
            if i > 0 {
                line.push('┆');
            }
            let cell = cell.as_ref();
            line.push(' ');
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', width.saturating_sub(cell.chars().count()) + 1));
        }
        line.push('│');
        line.push('\n');
        self.out.write_all(line.as_bytes())
    }
}

/// Hands each row to the callback; stops at the first error.
pub type Produce<'a> = dyn FnMut(&mut dyn FnMut(serde_json::Value) -> anyhow::Result<()>) -> anyhow::Result<()> + 'a;

/// A JSON array whose elements are serialized as `produce` makes them.
pub struct JsonRows<'a>(RefCell<&'a mut Produce<'a>>);

impl<'a> JsonRows<'a> {
    pub fn new(produce: &'a mut Produce<'a>) -> JsonRows<'a> {
        JsonRows(RefCell::new(produce))
    }
}

impl Serialize for JsonRows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        let mut produce = self
            .0
            .try_borrow_mut()
            .map_err(|_| S::Error::custom("rows serialized twice at once"))?;
        (*produce)(&mut |row| {
            seq.serialize_element(&row)
                .map_err(|e| anyhow::anyhow!("cannot write a row: {e}"))
        })
        .map_err(|e| S::Error::custom(format!("{e:#}")))?;
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The streamed table is character for character the one comfy-table
    /// draws for the same rows, with and without rows.
    #[test]
    fn a_streamed_table_looks_like_the_other_tables() {
        let header = ["account", "created at", "credits", "licenses"];
        let rows = [
            ["alice", "2026-01-01T00:00:00Z", "1010", "0"],
            ["bobby-the-second", "2026-01-01T00:00:00Z", "10", "12345"],
        ];
        for n in [0, 1, 2] {
            let mut comfy = super::super::table(&header, Some(100));
            let mut widths = Widths::new(&header);
            for row in &rows[..n] {
                comfy.add_row(row.to_vec());
                widths.fit(&row.map(str::to_owned));
            }
            let mut out = Vec::new();
            let mut table = TableWriter::start(&mut out, &header, widths).expect("write");
            for row in &rows[..n] {
                table.row(&row.map(str::to_owned)).expect("write");
            }
            table.finish().expect("write");
            assert_eq!(String::from_utf8(out).expect("utf-8"), format!("{comfy}\n"), "{n} rows");
        }
    }

    #[test]
    fn json_rows_read_like_a_collected_array() {
        let values = [serde_json::json!({"a": 1}), serde_json::json!({"b": [2, 3]})];
        for n in [0, 1, 2] {
            let mut produce = |emit: &mut dyn FnMut(serde_json::Value) -> anyhow::Result<()>| {
                values[..n].iter().try_for_each(|v| emit(v.clone()))
            };
            let streamed = serde_json::to_string_pretty(&JsonRows::new(&mut produce)).expect("json");
            assert_eq!(
                streamed,
                serde_json::to_string_pretty(&values[..n].to_vec()).expect("json")
            );
        }
    }
}
