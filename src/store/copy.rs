//! `wallet copy`: a whole wallet into an empty destination, either backend to
//! either, every id kept. Tables are copied in an order that puts every row
//! after the rows it refers to, each in id order, row by row from the
//! source's read transaction into the destination's one write transaction
//! (so the copy lands whole or not at all), holding a bounded number of rows
//! at a time.

use anyhow::anyhow;

use crate::rules::Refusal;
use crate::rules::clock::Instant;

use super::{Commit, Ledger, Location, Transaction, Wallet};

/// One stored value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    Int(i64),
    Text(String),
    Null,
}

/// A table as both backends store it: the same name and columns.
pub(super) struct Table {
    pub(super) name: &'static str,
    /// The columns copied, the first being the key rows are read in order of.
    pub(super) columns: &'static [&'static str],
}

/// Every table of a wallet, each after the tables it refers to. The wallet's
/// own row (its clock) is copied apart.
pub(super) const TABLES: &[Table] = &[
    Table {
        name: "accounts",
        columns: &["id", "handle", "created_at"],
    },
    Table {
        name: "operations",
        columns: &["id", "account_id", "at", "kind", "summary", "actor", "reason", "voids"],
    },
    Table {
        name: "subscriptions",
        columns: &[
            "id",
            "account_id",
            "operation_id",
            "plan",
            "interval_months",
            "licenses_per_month",
            "credits_per_month",
            "license_bonus_credits",
            "rollover_cap_months",
            "price_cents",
            "currency",
            "anchor",
            "deliveries",
            "periods",
            "status",
            "ended_at",
            "next_event_at",
        ],
    },
    Table {
        name: "lots",
        columns: &[
            "id",
            "account_id",
            "operation_id",
            "asset",
            "source",
            "granted",
            "remaining",
            "granted_at",
            "expires_at",
            "subscription_id",
        ],
    },
    Table {
        name: "ledger",
        columns: &[
            "id",
            "operation_id",
            "account_id",
            "lot_id",
            "asset",
            "delta",
            "reason",
            "at",
            "note",
        ],
    },
    Table {
        name: "orders",
        columns: &[
            "id",
            "operation_id",
            "account_id",
            "product",
            "quantity",
            "price_cents",
            "currency",
            "at",
        ],
    },
    Table {
        name: "charges",
        columns: &[
            "id",
            "operation_id",
            "account_id",
            "subscription_id",
            "amount_cents",
            "currency",
            "period_start",
            "period_end",
            "at",
        ],
    },
    Table {
        name: "styles",
        columns: &["id", "account_id", "operation_id", "name", "credits", "trained_at"],
    },
    Table {
        name: "images",
        columns: &[
            "id",
            "account_id",
            "operation_id",
            "style_kind",
            "style_name",
            "created_at",
            "licensed_at",
            "license_operation_id",
        ],
    },
    Table {
        name: "edits",
        columns: &["id", "image_id", "operation_id", "op", "credits", "at"],
    },
    Table {
        name: "idempotency_keys",
        columns: &["key", "request", "human", "json", "operation_at", "actor"],
    },
];

/// Where copied rows go: one table at a time.
pub(super) trait Sink {
    fn row(&mut self, values: &[Value]) -> anyhow::Result<()>;
    /// Everything handed over is written.
    fn finish(&mut self) -> anyhow::Result<()>;
}

/// How many rows of each table were copied, in [`TABLES`] order.
pub struct Copied {
    pub tables: Vec<(&'static str, u64)>,
}

/// Copies the wallet at `from` whole into `to`, which must hold no wallet or
/// an empty one; `progress` hears the rows copied so far and the total.
pub fn copy(
    from: &Location,
    to: &Location,
    now: Instant,
    progress: &dyn Fn(u64, u64),
) -> Result<Copied, crate::error::Error> {
    if from == to {
        return Err(crate::error::Error::usage(
            "the copy's destination is the wallet it copies; name another with --to",
        ));
    }
    let mut source = Wallet::open_for_reading(from, now)?;
    source.read(|src| {
        if src.is_empty()? {
            return Err(anyhow!("{from} holds no wallet, or an empty one: there is nothing to copy").into());
        }
        let (clock, created_at) = src.wallet_row()?;
        let mut total = 0u64;
        for table in TABLES {
            total = total.saturating_add(src.count_rows(table)?);
        }
        let (copied, _) = Wallet::write_at(to, clock, Commit::Bulk, |dst| {
            if !dst.is_empty()? {
                return Err(Refusal::NotEmpty {
                    destination: to.to_string(),
                }
                .into());
            }
            dst.set_wallet_row(clock, created_at)?;
            let mut done = 0u64;
            let mut tables = Vec::with_capacity(TABLES.len());
            for table in TABLES {
                let mut sink = dst.sink(table)?;
                let mut rows = 0u64;
                src.each_row(table, &mut |values| {
                    sink.row(values)?;
                    rows += 1;
                    done += 1;
                    if done.is_multiple_of(4096) {
                        progress(done, total);
                    }
                    Ok(())
                })?;
                sink.finish()?;
                tables.push((table.name, rows));
            }
            progress(done, total);
            Ok::<_, crate::error::Error>(Copied { tables })
        })?;
        Ok(copied)
    })
}

impl Transaction<'_> {
    /// The wallet's clock and when it was created.
    fn wallet_row(&self) -> anyhow::Result<(Instant, Instant)> {
        match self {
            Transaction::Sqlite(db) => db.wallet_row(),
            Transaction::Postgres(tx) => tx.wallet_row(),
        }
    }

    fn set_wallet_row(&self, clock: Instant, created_at: Instant) -> anyhow::Result<()> {
        match self {
            Transaction::Sqlite(db) => db.set_wallet_row(clock, created_at),
            Transaction::Postgres(tx) => tx.set_wallet_row(clock, created_at),
        }
    }

    fn count_rows(&self, table: &Table) -> anyhow::Result<u64> {
        let n = match self {
            Transaction::Sqlite(db) => db.count_rows(table)?,
            Transaction::Postgres(tx) => tx.count_rows(table)?,
        };
        u64::try_from(n).map_err(|_| anyhow!("{} counts {n} rows", table.name))
    }

    fn each_row(&self, table: &Table, each: &mut dyn FnMut(&[Value]) -> anyhow::Result<()>) -> anyhow::Result<()> {
        match self {
            Transaction::Sqlite(db) => db.each_row(table, each),
            Transaction::Postgres(tx) => tx.each_row(table, each),
        }
    }

    fn sink<'s>(&'s self, table: &'static Table) -> anyhow::Result<Box<dyn Sink + 's>> {
        match self {
            Transaction::Sqlite(db) => db.sink(table),
            Transaction::Postgres(tx) => Ok(tx.sink(table)),
        }
    }
}
