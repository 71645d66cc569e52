//! SPEC §1 and §4: opening an account (the signup grant) and one-time
//! purchases with their license bonus.

use crate::money::format_money;
use crate::pricing::Pricing;
use crate::rules::clock::{Instant, add_months_or_never, never};

use super::model::{Asset, Reason, Source, is_valid_handle};
use super::{Change, Effect, OperationKind, Refusal};

/// One-time lots expire `policy.one_time_expiry_months` after their grant.
/// With `"never"`, or when that instant would fall past the end of the
/// calendar, their expiry is [`never`]: an instant the clock never reaches
/// (SPEC §3: every lot has an expiry).
pub(crate) fn one_time_expiry(pricing: &Pricing, granted_at: Instant) -> Instant {
    match pricing.policy.one_time_expiry_months {
        None => never(),
        Some(months) => add_months_or_never(granted_at, months),
    }
}

/// `account add`: a new handle and its signup lot of `policy.signup_credits`.
pub fn signup(handle: &str, exists: bool, pricing: &Pricing, now: Instant) -> Result<Change, Refusal> {
    if !is_valid_handle(handle) {
        return Err(Refusal::InvalidHandle(handle.to_owned()));
    }
    if exists {
        return Err(Refusal::AccountExists(handle.to_owned()));
    }
    let credits = pricing.policy.signup_credits;
    Ok(Change {
        kind: OperationKind::Signup,
        summary: format!("opened account {handle} with {}", Asset::Credits.count(credits)),
        correction: None,
        effects: vec![Effect::Grant {
            asset: Asset::Credits,
            source: Source::Signup,
            amount: credits,
            expires_at: one_time_expiry(pricing, now),
            subscription: None,
            reason: Reason::Signup,
        }],
    })
}

/// What to do about an order too large to record.
const QUANTITY_FIX: &str = "buy a smaller --quantity";

/// `buy ACCOUNT PRODUCT --quantity N` (SPEC §4): an order for price × N and
/// up to three lots — credits, licenses, and each license's bonus credits as
/// a separate `license_bonus` lot — all expiring together.
pub fn buy(
    handle: &str,
    product_id: &str,
    quantity: u32,
    subscribed: bool,
    pricing: &Pricing,
    now: Instant,
) -> Result<Change, Refusal> {
    let product = pricing
        .products
        .get(product_id)
        .ok_or_else(|| Refusal::UnknownProduct {
            product: product_id.to_owned(),
            origin: pricing.origin.clone(),
            known: known_ids(pricing.products.keys()),
        })?;
    if product.requires_subscription && !subscribed {
        return Err(Refusal::Subscription(format!(
            "{product_id} is sold only to accounts with a running subscription and {handle} has none \
             (requires_subscription in {}); subscribe first: wallet subscribe {handle} PLAN",
            pricing.origin
        )));
    }
    let n = u64::from(quantity);
    let credits = product
        .credits
        .checked_mul(n)
        .ok_or_else(|| Refusal::too_large_for("the credits of this order", QUANTITY_FIX))?;
    let licenses = product
        .licenses
        .checked_mul(n)
        .ok_or_else(|| Refusal::too_large_for("the licenses of this order", QUANTITY_FIX))?;
    let bonus = licenses
        .checked_mul(pricing.policy.license_bonus_credits)
        .ok_or_else(|| Refusal::too_large_for("the bonus credits of this order", QUANTITY_FIX))?;
    let price = product
        .price_cents
        .checked_mul(i64::from(quantity))
        .ok_or_else(|| Refusal::too_large_for("the price of this order", QUANTITY_FIX))?;
    let expires_at = one_time_expiry(pricing, now);
    let mut effects = vec![Effect::Order {
        product: product_id.to_owned(),
        quantity,
        price_cents: price,
        currency: pricing.currency.clone(),
    }];
    let grants = [
        (Asset::Credits, Source::CreditPack, credits, Reason::Purchase),
        (Asset::Licenses, Source::LicensePack, licenses, Reason::Purchase),
        (Asset::Credits, Source::LicenseBonus, bonus, Reason::LicenseBonus),
    ];
    for (asset, source, amount, reason) in grants {
        if amount > 0 {
            effects.push(Effect::Grant {
                asset,
                source,
                amount,
                expires_at,
                subscription: None,
                reason,
            });
        }
    }
    let mut got = Vec::new();
    if licenses > 0 {
        got.push(Asset::Licenses.count(licenses));
    }
    if credits.saturating_add(bonus) > 0 {
        got.push(Asset::Credits.count(credits.saturating_add(bonus)));
    }
    Ok(Change {
        kind: OperationKind::Buy,
        summary: format!(
            "{handle} bought {quantity} × {product_id} for {}: {}",
            format_money(price, &pricing.currency),
            got.join(" and ")
        ),
        correction: None,
        effects,
    })
}

pub(crate) fn known_ids<'a>(ids: impl Iterator<Item = &'a String>) -> String {
    let ids: Vec<&str> = ids.map(String::as_str).collect();
    if ids.is_empty() {
        "none".to_owned()
    } else {
        ids.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::clock::at;

    fn grants(change: &Change) -> Vec<(Asset, Source, u64, Instant)> {
        change
            .effects
            .iter()
            .filter_map(|e| match e {
                Effect::Grant {
                    asset,
                    source,
                    amount,
                    expires_at,
                    ..
                } => Some((*asset, *source, *amount, *expires_at)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn signup_grants_ten_credits_for_twelve_months() {
        let pricing = Pricing::builtin().expect("the built-in pricing is valid");
        let change = signup("alice", false, &pricing, at("2026-01-15T10:00:00Z")).expect("signup");
        assert_eq!(
            grants(&change),
            vec![(Asset::Credits, Source::Signup, 10, at("2027-01-15T10:00:00Z"))]
        );
        assert_eq!(
            signup("alice", true, &pricing, at("2026-01-15T10:00:00Z")),
            Err(Refusal::AccountExists("alice".into()))
        );
        assert_eq!(
            signup("-x", false, &pricing, at("2026-01-15T10:00:00Z")),
            Err(Refusal::InvalidHandle("-x".into()))
        );
    }

    #[test]
    fn signup_on_a_leap_day_expires_on_feb_28() {
        let pricing = Pricing::builtin().expect("the built-in pricing is valid");
        let change = signup("leap", false, &pricing, at("2028-02-29T12:00:00Z")).expect("signup");
        assert_eq!(grants(&change)[0].3, at("2029-02-28T12:00:00Z"));
    }

    #[test]
    fn one_time_lots_whose_term_ends_past_the_calendar_never_expire() {
        let pricing = Pricing::builtin().expect("the built-in pricing is valid");
        let change = signup("late", false, &pricing, at("9998-12-31T23:59:59Z")).expect("signup");
        assert_eq!(grants(&change)[0].3, crate::rules::clock::latest_instant());
        let change = signup("later", false, &pricing, at("9999-01-01T00:00:00Z")).expect("signup");
        assert_eq!(grants(&change)[0].3, never());
        let change = buy("later", "licenses-10", 1, false, &pricing, at("9999-12-31T23:59:59Z")).expect("buy");
        assert!(grants(&change).iter().all(|g| g.3 == never()));
        let mut forever = pricing.clone();
        forever.policy.one_time_expiry_months = None;
        let change = signup("kept", false, &forever, at("2026-01-15T10:00:00Z")).expect("signup");
        assert_eq!(grants(&change)[0].3, never());
    }

    #[test]
    fn buying_licenses_adds_a_separate_bonus_lot_and_records_the_price() {
        let pricing = Pricing::builtin().expect("the built-in pricing is valid");
        let now = at("2026-01-31T10:00:00Z");
        let change = buy("alice", "licenses-10", 2, false, &pricing, now).expect("buy");
        let expiry = at("2027-01-31T10:00:00Z");
        assert_eq!(
            grants(&change),
            vec![
                (Asset::Licenses, Source::LicensePack, 20, expiry),
                (Asset::Credits, Source::LicenseBonus, 2000, expiry),
            ]
        );
        assert!(change.effects.contains(&Effect::Order {
            product: "licenses-10".into(),
            quantity: 2,
            price_cents: 24000,
            currency: "USD".into()
        }));
        assert_eq!(change.net(Asset::Credits), Some(2000));
    }

    #[test]
    fn buying_credits_grants_one_pack_lot() {
        let pricing = Pricing::builtin().expect("the built-in pricing is valid");
        let change = buy("alice", "credits-1000", 1, false, &pricing, at("2026-01-15T10:00:00Z")).expect("buy");
        assert_eq!(
            grants(&change),
            vec![(Asset::Credits, Source::CreditPack, 1000, at("2027-01-15T10:00:00Z"))]
        );
        assert!(matches!(
            buy("alice", "nope", 1, false, &pricing, at("2026-01-15T10:00:00Z")),
            Err(Refusal::UnknownProduct { .. })
        ));
    }
}
