//! `wallet pricing show` and `wallet pricing check [FILE]` (SPEC §13).

use serde_json::json;

use crate::cli::PricingCommand;
use crate::error::Result;
use crate::money::format_money;
use crate::pricing::Pricing;
use crate::report;

use super::{Context, Output};

/// A price per unit, to the cent, rounded half up.
fn per_unit(price_cents: i64, units: u64) -> Option<i64> {
    let units = i64::try_from(units).ok().filter(|u| *u > 0)?;
    Some((price_cents.checked_mul(2)?.checked_add(units)?) / units.checked_mul(2)?)
}

fn money(cents: Option<i64>, currency: &str) -> String {
    cents.map_or_else(|| "-".to_owned(), |c| format_money(c, currency))
}

#[allow(
    clippy::too_many_lines,
    reason = "one table of products and one of plans, laid out column by column"
)]
pub(super) fn show(pricing: &Pricing, width: Option<u16>) -> Output {
    let c = &pricing.currency;
    let mut products = report::table(
        &[
            "product",
            "credits",
            "licenses",
            "bonus credits",
            "price",
            "per license",
            "per credit",
            "who",
        ],
        width,
    );
    for (id, p) in &pricing.products {
        let bonus = p.licenses.saturating_mul(pricing.policy.license_bonus_credits);
        products.add_row(vec![
            id.clone(),
            p.credits.to_string(),
            p.licenses.to_string(),
            bonus.to_string(),
            format_money(p.price_cents, c),
            if p.licenses > 0 {
                money(per_unit(p.price_cents, p.licenses), c)
            } else {
                "-".into()
            },
            if p.credits > 0 && p.licenses == 0 {
                money(per_unit(p.price_cents, p.credits), c)
            } else {
                "-".into()
            },
            if p.requires_subscription {
                "subscribers only".into()
            } else {
                String::new()
            },
        ]);
    }
    let mut plans = report::table_wrapping(
        &[
            "plan",
            "price",
            "licenses/mo",
            "credits/mo",
            "unit price",
            "rollover cap",
        ],
        usize::MAX,
        width,
    );
    for (id, p) in &pricing.plans {
        let months = u64::from(p.interval.months());
        let credits = p
            .licenses_per_month
            .saturating_mul(pricing.policy.license_bonus_credits)
            .saturating_add(p.credits_per_month);
        // Per license when the plan delivers licenses, else per credit.
        let unit = if p.licenses_per_month > 0 {
            format!(
                "{}/license",
                money(per_unit(p.price_cents, p.licenses_per_month.saturating_mul(months)), c)
            )
        } else {
            format!(
                "{}/credit",
                money(per_unit(p.price_cents, credits.saturating_mul(months)), c)
            )
        };
        plans.add_row(vec![
            id.clone(),
            format!("{}/{}", format_money(p.price_cents, c), p.interval.as_str()),
            p.licenses_per_month.to_string(),
            credits.to_string(),
            unit,
            p.rollover_cap_months
                .map_or_else(|| "unlimited".to_owned(), |m| format!("{m} month(s)")),
        ]);
    }
    let a = &pricing.actions;
    let pol = &pricing.policy;
    let human = format!(
        "pricing from {}\n\nproducts (one-time; {}; each license brings {} bonus credits)\n{products}\n\n\
         plans (monthly deliveries; {} unless a plan sets its own)\n{plans}\n\n\
         actions: generate base {} / agentic {} / private {} / artist {} credits per image; train a style {} credits{}; \
         edits: instruct {}, replace {}, recreate {}, erase {}, upscale {}, remove-background {}, vectorize {}\n\
         signup: {} credits{}; support grants {}\n",
        pricing.origin,
        pol.one_time_expiry_months.map_or_else(
            || "never expire".to_owned(),
            |m| format!("expire {m} months after purchase")
        ),
        pol.license_bonus_credits,
        pol.rollover_cap_months.map_or_else(
            || "no rollover cap".to_owned(),
            |m| format!("rollover cap {m} month(s) of allocation"),
        ),
        a.generate.base,
        a.generate.agentic,
        a.generate.private,
        a.generate.artist,
        a.train_style,
        if pol.first_private_style_free {
            " (the first is free)"
        } else {
            ""
        },
        a.edit.instruct,
        a.edit.replace,
        a.edit.recreate,
        a.edit.erase,
        a.edit.upscale,
        a.edit.remove_background,
        a.edit.vectorize,
        pol.signup_credits,
        pol.license_price_credits
            .map(|n| format!("; a license costs {n} credits when the account has no license left"))
            .unwrap_or_default(),
        pol.adjustment_expiry_months.map_or_else(
            || "never expire".to_owned(),
            |m| format!("expire {m} months after the grant")
        ),
    );
    let json = json!({
        "origin": pricing.origin,
        "currency": pricing.currency,
        "products": pricing.products.iter().map(|(id, p)| json!({
            "id": id, "credits": p.credits, "licenses": p.licenses, "price_cents": p.price_cents,
            "requires_subscription": p.requires_subscription,
        })).collect::<Vec<_>>(),
        "plans": pricing.plans.iter().map(|(id, p)| json!({
            "id": id, "interval": p.interval.as_str(), "licenses_per_month": p.licenses_per_month,
            "credits_per_month": p.credits_per_month, "price_cents": p.price_cents,
            "rollover_cap_months": p.rollover_cap_months,
        })).collect::<Vec<_>>(),
    });
    Output::new(human, json)
}

pub(super) fn run(command: &PricingCommand, ctx: &Context) -> Result<Output> {
    match command {
        PricingCommand::Show => Ok(show(ctx.pricing()?, ctx.terminal.width)),
        PricingCommand::Check { file } => {
            let pricing = match file {
                Some(path) => Pricing::load_file(path)?,
                None => ctx.pricing()?.clone(),
            };
            let warnings = pricing.ordering_warnings();
            let mut human = format!(
                "{} is valid: {} product(s), {} plan(s)\n",
                pricing.origin,
                pricing.products.len(),
                pricing.plans.len()
            );
            for w in &warnings {
                human += &format!("warning: {w}\n");
            }
            Ok(Output::new(
                human,
                json!({ "origin": pricing.origin, "valid": true, "warnings": warnings }),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_prices_round_to_the_cent() {
        assert_eq!(per_unit(54000, 60), Some(900));
        assert_eq!(per_unit(1000, 500), Some(2));
        assert_eq!(per_unit(1000, 3), Some(333));
        assert_eq!(per_unit(1000, 0), None);
    }
}
