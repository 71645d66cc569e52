//! A write's or a batch's own prepared statements. rusqlite's statement
//! cache copies and hashes the SQL text twice on every use (a twentieth of a
//! replayed line); a replay or a clock advance runs the same dozen writes
//! hundreds of thousands of times, so each is kept prepared for the whole
//! write or batch, found by the address of its `'static` text.

use std::cell::RefCell;

use rusqlite::{Connection, Statement, ToSql};

/// Runs a write statement given by its `'static` text. A trait object, so
/// that [`super::Db`] can borrow a write's or a batch's statements without a second
/// lifetime parameter.
pub(super) trait Execute {
    fn execute(&self, sql: &'static str, params: &[&dyn ToSql]) -> rusqlite::Result<usize>;
}

pub(super) struct Prepared<'c> {
    conn: &'c Connection,
    statements: RefCell<Vec<(&'static str, Statement<'c>)>>,
}

impl<'c> Prepared<'c> {
    pub(super) fn new(conn: &'c Connection) -> Self {
        Prepared {
            conn,
            statements: RefCell::new(Vec::new()),
        }
    }
}

impl Execute for Prepared<'_> {
    fn execute(&self, sql: &'static str, params: &[&dyn ToSql]) -> rusqlite::Result<usize> {
        let mut statements = self.statements.borrow_mut();
        // A handful of statements: a scan of addresses beats hashing the text.
        let index = if let Some(index) = statements.iter().position(|(known, _)| std::ptr::eq(*known, sql)) {
            index
        } else {
            statements.push((sql, self.conn.prepare(sql)?));
            statements.len() - 1
        };
        statements[index].1.execute(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_text_is_prepared_once_and_runs_with_its_own_parameters() {
        const INSERT: &str = "INSERT INTO t (x) VALUES (?1)";
        const DOUBLE: &str = "UPDATE t SET x = x * 2 WHERE x = ?1";
        let conn = Connection::open_in_memory().expect("open");
        conn.execute_batch("CREATE TABLE t (x INTEGER)").expect("table");
        let prepared = Prepared::new(&conn);
        for x in [1i64, 2, 3] {
            assert_eq!(prepared.execute(INSERT, &[&x]).expect("insert"), 1);
        }
        assert_eq!(prepared.execute(DOUBLE, &[&3i64]).expect("update"), 1);
        assert_eq!(prepared.statements.borrow().len(), 2);
        let total: i64 = conn.query_row("SELECT sum(x) FROM t", [], |r| r.get(0)).expect("sum");
        assert_eq!(total, 1 + 2 + 6);
        assert!(
            prepared.execute("NOT SQL", &[]).is_err(),
            "a bad statement is an error, not a panic"
        );
    }
}
