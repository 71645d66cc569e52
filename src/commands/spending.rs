//! `wallet generate`, `edit`, `train`, `license` (SPEC §6).

use serde_json::json;

use crate::cli::EditOpArg;
use crate::error::{Error, Result};
use crate::rules::{self, Asset, EditOp, Image, Refusal, Style, image_id, parse_image_id};
use crate::store::Db;

use super::{Context, Output, account_id, changed};

pub fn generate(db: &Db<'_>, ctx: &Context, handle: &str, style: &str, count: u32) -> Result<Output> {
    let style = Style::parse(style).map_err(Error::Usage)?;
    let id = account_id(db, handle)?;
    let now = db.clock()?;
    let lots = db.live_lots(id)?;
    let styles = db.style_names(id)?;
    let change = rules::generate(
        handle,
        &lots,
        &styles,
        style,
        count,
        db.next_image_number()?,
        ctx.pricing()?,
        now,
    )?;
    let recorded = db.record(id, now, &change, ctx.actor())?;
    let images: Vec<String> = recorded.image_numbers.iter().map(|n| image_id(*n)).collect();
    let spent = change.net(Asset::Credits).map_or(0, i64::unsigned_abs);
    Ok(Output::new(
        format!("{}\n", change.summary),
        json!({ "images": images, "credits_spent": spent }),
    ))
}

/// The image, only if it is this account's: another account's image is
/// reported exactly like a missing one, so nothing leaks across accounts.
fn own_image(db: &Db<'_>, handle: &str, account: i64, text: &str) -> Result<Image> {
    let unknown = || {
        Error::from(Refusal::UnknownImage {
            image: text.to_owned(),
            account: handle.to_owned(),
        })
    };
    let number = parse_image_id(text).ok_or_else(unknown)?;
    db.image(account, number)?.ok_or_else(unknown)
}

fn edit_op(op: EditOpArg) -> EditOp {
    match op {
        EditOpArg::Instruct => EditOp::Instruct,
        EditOpArg::Replace => EditOp::Replace,
        EditOpArg::Recreate => EditOp::Recreate,
        EditOpArg::Erase => EditOp::Erase,
        EditOpArg::Upscale => EditOp::Upscale,
        EditOpArg::RemoveBackground => EditOp::RemoveBackground,
        EditOpArg::Vectorize => EditOp::Vectorize,
    }
}

pub fn edit(db: &Db<'_>, ctx: &Context, handle: &str, image: &str, op: EditOpArg) -> Result<Output> {
    let id = account_id(db, handle)?;
    let now = db.clock()?;
    let image = own_image(db, handle, id, image)?;
    let change = rules::edit(handle, &db.live_lots(id)?, &image, edit_op(op), ctx.pricing()?, now)?;
    let recorded = db.record(id, now, &change, ctx.actor())?;
    Ok(changed(handle, &change, &recorded, now))
}

pub fn train(db: &Db<'_>, ctx: &Context, handle: &str, style: &str) -> Result<Output> {
    let id = account_id(db, handle)?;
    let now = db.clock()?;
    let change = rules::train(
        handle,
        &db.live_lots(id)?,
        &db.style_names(id)?,
        style,
        ctx.pricing()?,
        now,
    )?;
    let recorded = db.record(id, now, &change, ctx.actor())?;
    Ok(changed(handle, &change, &recorded, now))
}

pub fn license(db: &Db<'_>, ctx: &Context, handle: &str, image: &str) -> Result<Output> {
    let id = account_id(db, handle)?;
    let now = db.clock()?;
    let image = own_image(db, handle, id, image)?;
    let change = rules::license(handle, &db.live_lots(id)?, &image, ctx.pricing()?, now)?;
    let recorded = db.record(id, now, &change, ctx.actor())?;
    Ok(changed(handle, &change, &recorded, now))
}
