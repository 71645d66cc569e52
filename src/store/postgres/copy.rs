//! A server's side of `wallet copy` (see [`crate::store::copy`]): its rows
//! read a page at a time in key order, and rows written with `COPY … FROM
//! STDIN` in chunks of about a megabyte.

use anyhow::{Context, anyhow};
use postgres::types::Type;

use crate::rules::clock::{self, Instant};
use crate::store::copy::{Sink, Table, Value};

use super::Tx;
use super::sql::{Cell, copy_field, storable};

/// Rows read per query.
const PAGE: i64 = 10_000;
/// COPY text sent per statement.
const CHUNK: usize = 1 << 20;

impl Tx<'_> {
    pub(in crate::store) fn wallet_row(&self) -> anyhow::Result<(Instant, Instant)> {
        let rows = self
            .conn
            .query("SELECT clock, created_at FROM wallet WHERE id = 1", &[])?;
        let row = rows.first().context("the wallet has no clock row; it is damaged")?;
        let at = |i: usize| -> anyhow::Result<Instant> {
            let secs: i64 = row.try_get(i)?;
            clock::from_unix(secs).ok_or_else(|| anyhow!("instant {secs} out of range"))
        };
        Ok((at(0)?, at(1)?))
    }

    pub(in crate::store) fn set_wallet_row(&self, clock: Instant, created_at: Instant) -> anyhow::Result<()> {
        self.conn.push(format_args!(
            "UPDATE wallet SET clock = {}, created_at = {} WHERE id = 1",
            clock::to_unix(clock),
            clock::to_unix(created_at)
        ))
    }

    pub(in crate::store) fn count_rows(&self, table: &Table) -> anyhow::Result<i64> {
        let rows = self.conn.query(&format!("SELECT count(*) FROM {}", table.name), &[])?;
        Ok(rows.first().map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
    }

    pub(in crate::store) fn each_row(
        &self,
        table: &Table,
        each: &mut dyn FnMut(&[Value]) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let columns = table.columns.join(", ");
        let key = table.columns[0];
        let mut values = Vec::with_capacity(table.columns.len());
        let mut after: Option<Value> = None;
        loop {
            let rows = match &after {
                None => self.conn.query(
                    &format!("SELECT {columns} FROM {} ORDER BY {key} LIMIT $1", table.name),
                    &[(&PAGE, Type::INT8)],
                )?,
                Some(Value::Int(n)) => self.conn.query(
                    &format!(
                        "SELECT {columns} FROM {} WHERE {key} > $2 ORDER BY {key} LIMIT $1",
                        table.name
                    ),
                    &[(&PAGE, Type::INT8), (n, Type::INT8)],
                )?,
                Some(Value::Text(t)) => self.conn.query(
                    &format!(
                        "SELECT {columns} FROM {} WHERE {key} > $2 ORDER BY {key} LIMIT $1",
                        table.name
                    ),
                    &[(&PAGE, Type::INT8), (t, Type::TEXT)],
                )?,
                Some(Value::Null) => return Err(anyhow!("{} has a row without its {key}", table.name)),
            };
            for row in &rows {
                values.clear();
                for (i, column) in row.columns().iter().enumerate() {
                    let value = if *column.type_() == Type::INT8 {
                        row.try_get::<_, Option<i64>>(i)?.map_or(Value::Null, Value::Int)
                    } else {
                        row.try_get::<_, Option<String>>(i)?.map_or(Value::Null, Value::Text)
                    };
                    values.push(value);
                }
                each(&values)?;
                after = values.first().cloned();
            }
            if i64::try_from(rows.len()).unwrap_or(i64::MAX) < PAGE {
                return Ok(());
            }
        }
    }

    pub(in crate::store) fn sink<'s>(&'s self, table: &'static Table) -> Box<dyn Sink + 's> {
        Box::new(Copy {
            tx: *self,
            table,
            text: String::new(),
        })
    }
}

/// Rows gathered as `COPY` text and sent a chunk at a time.
struct Copy<'c> {
    tx: Tx<'c>,
    table: &'static Table,
    text: String,
}

impl Copy<'_> {
    fn send(&mut self) -> anyhow::Result<()> {
        if self.text.is_empty() {
            return Ok(());
        }
        let conn = self.tx.conn;
        conn.send()?;
        conn.copy_in(
            &mut conn.client.borrow_mut(),
            self.table.name,
            &self.table.columns.join(", "),
            &self.text,
        )?;
        self.text.clear();
        Ok(())
    }
}

impl Sink for Copy<'_> {
    fn row(&mut self, values: &[Value]) -> anyhow::Result<()> {
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.text.push('\t');
            }
            let cell = match value {
                Value::Int(n) => Cell::Int(*n),
                Value::Text(t) => Cell::Text(t),
                Value::Null => Cell::Null,
            };
            if let Cell::Text(t) = cell {
                storable(&[t])?;
            }
            copy_field(&mut self.text, cell);
        }
        self.text.push('\n');
        if self.text.len() >= CHUNK {
            self.send()?;
        }
        Ok(())
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        self.send()
    }
}
