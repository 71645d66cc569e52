//! A wallet file's side of `wallet copy` (see [`crate::store::copy`]): its
//! rows read in key order, and rows written through one prepared insert.

use anyhow::{Context, anyhow};
use rusqlite::types::ValueRef;

use crate::rules::clock::{self, Instant};
use crate::store::copy::{Sink, Table, Value};

use super::Db;
use super::read::instant;

impl Db<'_> {
    pub(in crate::store) fn wallet_row(&self) -> anyhow::Result<(Instant, Instant)> {
        let (clock, created): (i64, i64) = self
            .conn
            .query_row("SELECT clock, created_at FROM wallet WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .context("the wallet has no clock row; it is damaged")?;
        Ok((instant(clock)?, instant(created)?))
    }

    pub(in crate::store) fn set_wallet_row(&self, clock: Instant, created_at: Instant) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE wallet SET clock = ?1, created_at = ?2 WHERE id = 1",
            [clock::to_unix(clock), clock::to_unix(created_at)],
        )?;
        Ok(())
    }

    pub(in crate::store) fn count_rows(&self, table: &Table) -> anyhow::Result<i64> {
        Ok(self
            .conn
            .query_row(&format!("SELECT count(*) FROM {}", table.name), [], |r| r.get(0))?)
    }

    pub(in crate::store) fn each_row(
        &self,
        table: &Table,
        each: &mut dyn FnMut(&[Value]) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        // A wallet of an older schema, read as it is, lacks the newer columns:
        // they are copied as empty (NULL), as the newer schema starts them.
        let present: Vec<String> = self
            .conn
            .prepare(&format!("PRAGMA table_info({})", table.name))?
            .query_map([], |r| r.get(1))?
            .collect::<Result<_, _>>()?;
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|c| {
                if present.iter().any(|p| p == c) {
                    (*c).to_owned()
                } else {
                    format!("NULL AS {c}")
                }
            })
            .collect();
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            columns.join(", "),
            table.name,
            table.columns[0]
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut values = Vec::with_capacity(table.columns.len());
        while let Some(row) = rows.next()? {
            values.clear();
            for i in 0..table.columns.len() {
                values.push(match row.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => Value::Int(n),
                    ValueRef::Text(t) => Value::Text(
                        std::str::from_utf8(t)
                            .map_err(|_| anyhow!("{} holds text that is not UTF-8", table.name))?
                            .to_owned(),
                    ),
                    ValueRef::Real(_) | ValueRef::Blob(_) => {
                        anyhow::bail!(
                            "{}.{} holds a value of a type no wallet stores",
                            table.name,
                            table.columns[i]
                        )
                    }
                });
            }
            each(&values)?;
        }
        Ok(())
    }

    pub(in crate::store) fn sink<'s>(&'s self, table: &'static Table) -> anyhow::Result<Box<dyn Sink + 's>> {
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            table.name,
            table.columns.join(", "),
            (1..=table.columns.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(Box::new(Insert {
            statement: self.conn.prepare(&sql)?,
        }))
    }
}

/// Rows inserted one by one inside the copy's transaction.
struct Insert<'c> {
    statement: rusqlite::Statement<'c>,
}

impl Sink for Insert<'_> {
    fn row(&mut self, values: &[Value]) -> anyhow::Result<()> {
        let params: Vec<rusqlite::types::Value> = values
            .iter()
            .map(|v| match v {
                Value::Int(n) => rusqlite::types::Value::Integer(*n),
                Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
                Value::Null => rusqlite::types::Value::Null,
            })
            .collect();
        self.statement.execute(rusqlite::params_from_iter(params))?;
        Ok(())
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}
