//! `wallet account add ACCOUNT` and `wallet account list`.

use serde_json::json;

use crate::error::Result;
use crate::report;
use crate::rules;
use crate::store::Db;

use super::{Applied, Context, Output};

pub fn add(db: &Db<'_>, ctx: &Context, handle: &str) -> Result<Output> {
    let now = db.clock()?;
    let change = rules::signup(handle, db.account_id(handle)?.is_some(), ctx.pricing()?, now)?;
    let id = db.create_account(handle, now)?;
    let recorded = db.record(id, now, &change, ctx.actor())?;
    Ok(Applied {
        change,
        recorded,
        at: now,
    }
    .output(handle))
}

pub fn list(db: &Db<'_>) -> Result<Output> {
    let rows = db.accounts()?;
    let mut t = report::table(&["account", "created at", "credits", "licenses"]);
    for r in &rows {
        t.add_row(vec![
            r.handle.clone(),
            crate::clock::format_instant(r.created_at),
            r.credits.to_string(),
            r.licenses.to_string(),
        ]);
    }
    let human = if rows.is_empty() {
        "no accounts yet (add one with: wallet account add NAME)\n".to_owned()
    } else {
        format!("{t}\n")
    };
    let json = json!(
        rows.iter()
            .map(|r| json!({
                "account": r.handle,
                "created_at": crate::clock::format_instant(r.created_at),
                "credits": r.credits,
                "licenses": r.licenses,
            }))
            .collect::<Vec<_>>()
    );
    Ok(Output::new(human, json))
}
