//! Test values shared by the rules' and the reports' unit tests.

use crate::rules::clock::at;

use super::model::{Asset, Lot, Source, Subscription, SubscriptionStatus, Terms};

/// A lot holding `remaining` of `asset`: a subscription lot of subscription
/// `sub`, else a credit pack.
pub(crate) fn lot(id: i64, asset: Asset, remaining: u64, granted_at: &str, expires_at: &str, sub: Option<i64>) -> Lot {
    Lot {
        id,
        asset,
        source: if sub.is_some() {
            Source::Subscription
        } else {
            Source::CreditPack
        },
        granted: remaining.max(1),
        remaining,
        granted_at: at(granted_at),
        expires_at: at(expires_at),
        subscription_id: sub,
    }
}

/// Subscription 1 to SPEC §13's 5-license plan billed every
/// `interval_months` (licenses-5-monthly or licenses-5-yearly), anchored at
/// 2026-01-15T10:00:00Z.
pub(crate) fn subscription(
    status: SubscriptionStatus,
    interval_months: u32,
    deliveries: u32,
    periods: u32,
) -> Subscription {
    let (plan, price_cents) = if interval_months == 12 {
        ("licenses-5-yearly", 54_000)
    } else {
        ("licenses-5-monthly", 5_500)
    };
    Subscription {
        id: 1,
        plan: plan.into(),
        terms: Terms {
            interval_months,
            licenses_per_month: 5,
            credits_per_month: 0,
            license_bonus_credits: 100,
            rollover_cap_months: Some(1),
            price_cents,
            currency: "USD".into(),
        },
        anchor: at("2026-01-15T10:00:00Z"),
        deliveries,
        periods,
        status,
        ended_at: None,
    }
}
