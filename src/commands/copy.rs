//! `wallet copy --to DEST`: the selected wallet, whole and with its ids, into
//! a new file or an empty database (see [`crate::store::copy`]); a bar on a
//! terminal shows the rows copied.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::error::{Error, Result};
use crate::store::{self, Location};

use super::context::Context;
use super::output::Output;

pub(super) fn run(ctx: &Context, to: &str) -> Result<Output> {
    let destination = Location::parse(to).map_err(|e| Error::usage(format!("--to: {e:#}")))?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} rows copied") {
            bar.set_style(style);
        }
        bar
    });
    let copied = store::copy(&ctx.location, &destination, ctx.system_now, &|done, total| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let copied = copied?;
    let rows: u64 = copied.tables.iter().map(|(_, n)| n).sum();
    let count = |name: &str| copied.tables.iter().find(|(t, _)| *t == name).map_or(0, |(_, n)| *n);
    let human = format!(
        "copied {} to {destination}: {} accounts, {} operations, {rows} rows in all\n",
        ctx.location,
        count("accounts"),
        count("operations"),
    );
    let tables: serde_json::Map<String, serde_json::Value> = copied
        .tables
        .iter()
        .map(|(t, n)| ((*t).to_owned(), serde_json::Value::from(*n)))
        .collect();
    Ok(Output::new(
        human,
        serde_json::json!({ "from": ctx.location.to_string(), "to": destination.to_string(), "rows": rows, "tables": tables }),
    ))
}
