//! `wallet generate`, `edit`, `train`, `license` (SPEC §6).

use serde_json::json;

use crate::error::{Error, Result};
use crate::rules::{self, Asset, BadStyle, EditOp, Image, Refusal, Style, image_id, parse_image_id};
use crate::store::Ledger;

use super::apply::apply;
use super::{Context, Output};

pub(super) fn generate(db: &impl Ledger, ctx: &Context, handle: &str, style: &str, count: u32) -> Result<Output> {
    let style = Style::parse(style).map_err(|bad| match bad {
        BadStyle::Form(message) => Error::Usage(message),
        BadStyle::Name(message) => Refusal::Style(message).into(),
    })?;
    let pricing = ctx.pricing()?;
    let applied = apply(db, ctx, handle, |id, now| {
        // Only a private style needs the account's trained styles.
        let styles = match style {
            Style::Private(_) => db.style_names(id)?,
            _ => Vec::new(),
        };
        let (lots, first) = (db.live_lots(id)?, db.next_image_number()?);
        Ok(rules::generate(
            handle, &lots, &styles, style, count, first, pricing, now,
        )?)
    })?;
    let images: Vec<String> = applied.recorded.image_numbers.iter().map(|n| image_id(*n)).collect();
    let spent = applied.change.net(Asset::Credits).map_or(0, i64::unsigned_abs);
    Ok(Output::new(
        format!("{}\n", applied.change.summary),
        json!({ "images": images, "credits_spent": spent }),
    ))
}

/// The image, only if it is this account's: another account's image is
/// reported exactly like a missing one, so nothing leaks across accounts.
fn own_image(db: &impl Ledger, handle: &str, account: i64, text: &str) -> Result<Image> {
    let unknown = || {
        Error::from(Refusal::UnknownImage {
            image: text.to_owned(),
            account: handle.to_owned(),
        })
    };
    let number = parse_image_id(text).ok_or_else(unknown)?;
    db.image(account, number)?.ok_or_else(unknown)
}

pub(super) fn edit(db: &impl Ledger, ctx: &Context, handle: &str, image: &str, op: EditOp) -> Result<Output> {
    let pricing = ctx.pricing()?;
    let applied = apply(db, ctx, handle, |id, now| {
        let image = own_image(db, handle, id, image)?;
        Ok(rules::edit(handle, &db.live_lots(id)?, &image, op, pricing, now)?)
    })?;
    Ok(applied.output(handle))
}

pub(super) fn train(db: &impl Ledger, ctx: &Context, handle: &str, style: &str) -> Result<Output> {
    let pricing = ctx.pricing()?;
    let applied = apply(db, ctx, handle, |id, now| {
        Ok(rules::train(
            handle,
            &db.live_lots(id)?,
            &db.style_names(id)?,
            style,
            pricing,
            now,
        )?)
    })?;
    Ok(applied.output(handle))
}

pub(super) fn license(db: &impl Ledger, ctx: &Context, handle: &str, image: &str) -> Result<Output> {
    let pricing = ctx.pricing()?;
    let applied = apply(db, ctx, handle, |id, now| {
        let image = own_image(db, handle, id, image)?;
        Ok(rules::license(handle, &db.live_lots(id)?, &image, pricing, now)?)
    })?;
    Ok(applied.output(handle))
}
