//! SPEC §5 and §8: subscriptions — start, monthly deliveries with the
//! rollover cut, renewals at each period end, cancel at period end and the
//! forfeiture that ends a cancelled subscription.

use crate::money::format_money;
use crate::pricing::Pricing;
use crate::rules::clock::{Instant, format_instant, latest_instant, never, nth_month};

use super::accounts::known_ids;
use super::model::{Asset, Lot, Reason, Source, Subscription, SubscriptionStatus, Terms};
use super::totals::Totals;
use super::{Change, Effect, OperationKind, Refusal, SubscriptionRef};

/// An instant of the subscription's series, or [`never`] past the calendar.
/// A subscription only runs periods that end within the calendar, and every
/// delivery falls within its period, so this is `never` only for a state no
/// command makes.
fn instant_or_never(t: Option<Instant>) -> Instant {
    t.unwrap_or_else(never)
}

fn allocation(terms: &Terms) -> Result<Totals, Refusal> {
    terms
        .allocation()
        .ok_or_else(|| Refusal::too_large("this plan's monthly allocation"))
}

/// The grants of one delivery: the allocation's licenses and credits, each
/// as one `subscription` lot that lasts until the next delivery.
fn delivery_grants(terms: &Terms, subscription: SubscriptionRef, expires_at: Instant) -> Result<Vec<Effect>, Refusal> {
    let Totals { credits, licenses } = allocation(terms)?;
    Ok([(Asset::Licenses, licenses), (Asset::Credits, credits)]
        .into_iter()
        .filter(|(_, amount)| *amount > 0)
        .map(|(asset, amount)| Effect::Grant {
            asset,
            source: Source::Subscription,
            amount,
            expires_at,
            subscription: Some(subscription),
            reason: Reason::Delivery,
        })
        .collect())
}

fn running_refusal(handle: &str, current: &Subscription) -> Refusal {
    let end = current.period_end().map(format_instant).unwrap_or_default();
    Refusal::Subscription(match current.status {
        SubscriptionStatus::Cancelling => format!(
            "{handle} already has a subscription to {} that is cancelling and ends at {end} (one running subscription per account); subscribe again at or after {end}, or keep it with: wallet cancel {handle} --undo",
            current.plan
        ),
        _ => format!(
            "{handle} already has an active subscription to {} (period ends {end}; one running subscription per account); cancel it with: wallet cancel {handle}, then subscribe again at or after {end}",
            current.plan
        ),
    })
}

/// `subscribe ACCOUNT PLAN`: copies the terms, charges the first period and
/// makes the first delivery, all at `now`, the subscription's anchor.
pub fn subscribe(
    handle: &str,
    current: Option<&Subscription>,
    plan_id: &str,
    pricing: &Pricing,
    now: Instant,
) -> Result<Change, Refusal> {
    let plan = pricing.plans.get(plan_id).ok_or_else(|| Refusal::UnknownPlan {
        plan: plan_id.to_owned(),
        origin: pricing.origin.clone(),
        known: known_ids(pricing.plans.keys()),
    })?;
    if let Some(current) = current.filter(|s| s.is_running()) {
        return Err(running_refusal(handle, current));
    }
    let terms = Terms {
        interval_months: plan.interval.months(),
        licenses_per_month: plan.licenses_per_month,
        credits_per_month: plan.credits_per_month,
        license_bonus_credits: pricing.policy.license_bonus_credits,
        rollover_cap_months: plan.rollover_cap_months,
        price_cents: plan.price_cents,
        currency: pricing.currency.clone(),
    };
    let Totals { credits, licenses } = allocation(&terms)?;
    let period_end = nth_month(now, terms.interval_months).ok_or_else(|| {
        Refusal::Clock(format!(
            "a {} of {plan_id} from {} would end after {}, the end of the wallet's calendar, and a subscription \
             is sold only for whole periods that end within it; choose a plan with a shorter period",
            plan.interval.as_str(),
            format_instant(now),
            format_instant(latest_instant())
        ))
    })?;
    let mut effects = vec![
        Effect::StartSubscription {
            plan: plan_id.to_owned(),
            terms: terms.clone(),
            anchor: now,
        },
        Effect::Charge {
            subscription: SubscriptionRef::Started,
            amount_cents: terms.price_cents,
            currency: terms.currency.clone(),
            period_start: now,
            period_end,
        },
    ];
    effects.extend(delivery_grants(
        &terms,
        SubscriptionRef::Started,
        instant_or_never(nth_month(now, 1)),
    )?);
    Ok(Change {
        kind: OperationKind::Subscribe,
        summary: format!(
            "{handle} subscribed to {plan_id} for {} a {}: first delivery of {} and {}",
            format_money(terms.price_cents, &terms.currency),
            plan.interval.as_str(),
            Asset::Licenses.count(licenses),
            Asset::Credits.count(credits)
        ),
        correction: None,
        effects,
    })
}

fn update(sub: &Subscription, status: SubscriptionStatus) -> Effect {
    Effect::UpdateSubscription(Subscription { status, ..sub.clone() })
}

/// `cancel ACCOUNT`: cancel at the end of the paid period (SPEC §5).
pub fn cancel(handle: &str, current: Option<&Subscription>) -> Result<Change, Refusal> {
    let sub = match current {
        Some(s) if s.status == SubscriptionStatus::Active => s,
        Some(s) if s.status == SubscriptionStatus::Cancelling => {
            return Err(Refusal::Cancel(format!(
                "{handle}'s subscription to {} is already cancelling and ends at {} (cancel once; keep it with: wallet cancel {handle} --undo)",
                s.plan,
                s.period_end().map(format_instant).unwrap_or_default()
            )));
        }
        _ => {
            return Err(Refusal::Cancel(format!(
                "{handle} has no running subscription to cancel (see: wallet balance {handle})"
            )));
        }
    };
    let end = sub.period_end().map(format_instant).unwrap_or_default();
    Ok(Change {
        kind: OperationKind::Cancel,
        summary: format!(
            "{handle} cancelled {} at period end {end}: deliveries until then still happen, then every remaining subscription credit and license is forfeited",
            sub.plan
        ),
        correction: None,
        effects: vec![update(sub, SubscriptionStatus::Cancelling)],
    })
}

/// `cancel ACCOUNT --undo`: resume a cancelling subscription before its end.
pub fn undo_cancel(handle: &str, current: Option<&Subscription>) -> Result<Change, Refusal> {
    let Some(sub) = current.filter(|s| s.status == SubscriptionStatus::Cancelling) else {
        let why = match current {
            Some(s) if s.status == SubscriptionStatus::Active => {
                format!(
                    "{handle}'s subscription to {} is not cancelling, so there is nothing to undo",
                    s.plan
                )
            }
            _ => format!(
                "{handle} has no cancelling subscription to resume (one that has ended cannot be resumed; subscribe again)"
            ),
        };
        return Err(Refusal::Cancel(why));
    };
    Ok(Change {
        kind: OperationKind::Resume,
        summary: if sub.last_period_of_the_calendar() {
            format!(
                "{handle} resumed {}: it ends at {}, as no further period fits before the calendar ends ({})",
                sub.plan,
                sub.period_end().map(format_instant).unwrap_or_default(),
                format_instant(latest_instant())
            )
        } else {
            format!(
                "{handle} resumed {}: it renews at {}",
                sub.plan,
                sub.period_end().map(format_instant).unwrap_or_default()
            )
        },
        correction: None,
        effects: vec![update(sub, SubscriptionStatus::Active)],
    })
}

/// SPEC §8 step 2: a subscription that ends at its period end (a cancelling
/// one, or one whose next period would end past the calendar) forfeits every
/// remaining subscription lot and ends, with no charge and no delivery.
pub fn forfeit(sub: &Subscription, sub_lots: &[Lot], at: Instant) -> Change {
    let cancelled = sub.status == SubscriptionStatus::Cancelling;
    let why = if cancelled {
        format!("{} was cancelled and its period ended", sub.plan)
    } else {
        format!(
            "{} ended with its last period: another period would end after {}, the end of the wallet's calendar",
            sub.plan,
            format_instant(latest_instant())
        )
    };
    let mut effects: Vec<Effect> = sub_lots
        .iter()
        .filter(|l| l.subscription_id == Some(sub.id) && l.remaining > 0)
        .map(|l| Effect::Debit {
            lot_id: l.id,
            asset: l.asset,
            amount: l.remaining,
            reason: Reason::Forfeited,
            note: Some(format!("subscription lot {} forfeited: {why}", l.id)),
        })
        .collect();
    effects.push(Effect::UpdateSubscription(Subscription {
        status: SubscriptionStatus::Ended,
        ended_at: Some(at),
        ..sub.clone()
    }));
    Change {
        kind: OperationKind::Forfeit,
        summary: if cancelled {
            format!("{} ended after cancel; remaining subscription lots forfeited", sub.plan)
        } else {
            format!("{why}; remaining subscription lots forfeited")
        },
        correction: None,
        effects,
    }
}

/// SPEC §8 step 3: a running, non-cancelling subscription at its period end
/// is charged for the next period.
/// Only a subscription whose next period ends within the calendar renews
/// (see [`Subscription::ends_at_period_end`]).
pub fn renew(sub: &Subscription, at: Instant) -> Change {
    let next_end = instant_or_never(sub.next_period_end());
    Change {
        kind: OperationKind::Renewal,
        summary: format!(
            "{} renewed for {} until {}",
            sub.plan,
            format_money(sub.terms.price_cents, &sub.terms.currency),
            format_instant(next_end)
        ),
        correction: None,
        effects: vec![
            Effect::Charge {
                subscription: SubscriptionRef::Existing(sub.id),
                amount_cents: sub.terms.price_cents,
                currency: sub.terms.currency.clone(),
                period_start: at,
                period_end: next_end,
            },
            Effect::UpdateSubscription(Subscription {
                periods: sub.periods.saturating_add(1),
                ..sub.clone()
            }),
        ],
    }
}

/// SPEC §5 rollover: the subscription's own remaining credits and licenses
/// are each cut to `rollover_cap_months × allocation`; the excess expires
/// from the oldest lots first. Returns the debits and, per asset, what was kept.
pub fn rollover_cut(terms: &Terms, sub_id: i64, sub_lots: &[Lot]) -> Vec<Effect> {
    let Some(cap_months) = terms.rollover_cap_months else {
        return Vec::new();
    };
    let Some(alloc) = terms.allocation() else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    let own = || {
        sub_lots
            .iter()
            .filter(|l| l.subscription_id == Some(sub_id) && l.remaining > 0)
    };
    let held_by_asset = Totals::of_lots(own());
    for asset in Asset::ALL {
        let cap = alloc.get(asset).saturating_mul(u64::from(cap_months));
        let held = held_by_asset.get(asset);
        if held <= cap {
            continue;
        }
        let mut lots: Vec<&Lot> = own().filter(|l| l.asset == asset).collect();
        lots.sort_by_key(|l| (l.granted_at, l.id));
        let mut excess = held - cap;
        let months = if cap_months == 1 {
            "1 month".to_owned()
        } else {
            format!("{cap_months} months")
        };
        for lot in lots {
            if excess == 0 {
                break;
            }
            let take = excess.min(lot.remaining);
            excess -= take;
            effects.push(Effect::Debit {
                lot_id: lot.id,
                asset,
                amount: take,
                reason: Reason::RolloverExpired,
                note: Some(format!(
                    "rollover cap: kept {cap} of {} ({months} of allocation); {} from lot {} expired",
                    asset.count(held),
                    asset.count(take),
                    lot.id
                )),
            });
        }
    }
    effects
}

/// SPEC §8 step 4: at a delivery instant, the rollover cut (every delivery
/// after the first), the surviving lots' expiry moved to the next delivery,
/// then the new allocation.
pub fn deliver(sub: &Subscription, sub_lots: &[Lot]) -> Result<Change, Refusal> {
    let cut = if sub.deliveries >= 1 {
        rollover_cut(&sub.terms, sub.id, sub_lots)
    } else {
        Vec::new()
    };
    let next = instant_or_never(sub.deliveries.checked_add(1).and_then(|k| nth_month(sub.anchor, k)));
    let mut effects = cut.clone();
    for lot in sub_lots.iter().filter(|l| l.subscription_id == Some(sub.id)) {
        let taken: u64 = cut
            .iter()
            .filter_map(|e| match e {
                Effect::Debit { lot_id, amount, .. } if *lot_id == lot.id => Some(*amount),
                _ => None,
            })
            .sum();
        if lot.remaining > taken {
            effects.push(Effect::SetLotExpiry {
                lot_id: lot.id,
                expires_at: next,
            });
        }
    }
    effects.extend(delivery_grants(&sub.terms, SubscriptionRef::Existing(sub.id), next)?);
    effects.push(Effect::UpdateSubscription(Subscription {
        deliveries: sub.deliveries.saturating_add(1),
        ..sub.clone()
    }));
    let Totals { credits, licenses } = allocation(&sub.terms)?;
    Ok(Change {
        kind: OperationKind::Delivery,
        summary: format!(
            "{} delivery {}: {} and {}",
            sub.plan,
            sub.deliveries.saturating_add(1),
            Asset::Licenses.count(licenses),
            Asset::Credits.count(credits)
        ),
        correction: None,
        effects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::clock::at;
    use crate::rules::fixtures::subscription;

    fn sub_lot(id: i64, asset: Asset, granted: u64, remaining: u64, granted_at: &str) -> Lot {
        Lot {
            id,
            asset,
            source: Source::Subscription,
            granted,
            remaining,
            granted_at: at(granted_at),
            expires_at: at("2026-03-15T10:00:00Z"),
            subscription_id: Some(1),
        }
    }

    fn debits(change: &Change) -> Vec<(i64, u64, Reason)> {
        change
            .effects
            .iter()
            .filter_map(|e| match e {
                Effect::Debit {
                    lot_id, amount, reason, ..
                } => Some((*lot_id, *amount, *reason)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn allocation_is_licenses_plus_their_bonus_plus_plan_credits() {
        let mut terms = subscription(SubscriptionStatus::Active, 1, 1, 1).terms;
        assert_eq!(
            terms.allocation(),
            Some(Totals {
                credits: 500,
                licenses: 5
            })
        );
        terms.credits_per_month = 40;
        assert_eq!(
            terms.allocation(),
            Some(Totals {
                credits: 540,
                licenses: 5
            })
        );
    }

    #[test]
    fn subscribe_charges_and_delivers_at_once() {
        let pricing = Pricing::builtin().expect("the built-in pricing is valid");
        let now = at("2026-01-15T10:00:00Z");
        let change = subscribe("alice", None, "licenses-5-yearly", &pricing, now).expect("subscribe");
        assert!(change.effects.contains(&Effect::Charge {
            subscription: SubscriptionRef::Started,
            amount_cents: 54000,
            currency: "USD".into(),
            period_start: now,
            period_end: at("2027-01-15T10:00:00Z"),
        }));
        assert_eq!(change.net(Asset::Credits), Some(500));
        assert_eq!(change.net(Asset::Licenses), Some(5));
        assert!(
            change
                .effects
                .iter()
                .all(|e| !matches!(e, Effect::Grant { expires_at, .. } if *expires_at != at("2026-02-15T10:00:00Z")))
        );
    }

    #[test]
    fn one_running_subscription_per_account() {
        let pricing = Pricing::builtin().expect("the built-in pricing is valid");
        let now = at("2026-02-01T00:00:00Z");
        let active = subscription(SubscriptionStatus::Active, 1, 1, 1);
        let refused = subscribe("alice", Some(&active), "licenses-20-monthly", &pricing, now);
        assert!(matches!(&refused, Err(Refusal::Subscription(m)) if m.contains("wallet cancel alice")));
        let cancelling = subscription(SubscriptionStatus::Cancelling, 1, 1, 1);
        let refused = subscribe("alice", Some(&cancelling), "licenses-20-monthly", &pricing, now);
        assert!(
            matches!(&refused, Err(Refusal::Subscription(m)) if m.contains("--undo") && m.contains("2026-02-15T10:00:00Z"))
        );
        let ended = subscription(SubscriptionStatus::Ended, 1, 1, 1);
        assert!(subscribe("alice", Some(&ended), "licenses-20-monthly", &pricing, now).is_ok());
    }

    #[test]
    fn worked_example_second_delivery_carries_everything_under_the_cap() {
        // SPEC §12: 497 credits and 4 licenses left are under the 500 / 5 cap.
        let s = subscription(SubscriptionStatus::Active, 1, 1, 1);
        let lots = vec![
            sub_lot(1, Asset::Licenses, 5, 4, "2026-01-15T10:00:00Z"),
            sub_lot(2, Asset::Credits, 500, 497, "2026-01-15T10:00:00Z"),
        ];
        let change = deliver(&s, &lots).expect("deliver");
        assert_eq!(debits(&change), vec![]);
        assert_eq!(change.net(Asset::Credits), Some(500));
        assert!(change.effects.contains(&Effect::SetLotExpiry {
            lot_id: 2,
            expires_at: at("2026-03-15T10:00:00Z")
        }));
    }

    #[test]
    fn worked_example_third_delivery_cuts_the_oldest_lots_to_the_cap() {
        // SPEC §12: 997 credits / 9 licenses are cut to 500 / 5 — the first
        // delivery's 497 credits and 4 licenses expire.
        let s = subscription(SubscriptionStatus::Active, 1, 2, 2);
        let lots = vec![
            sub_lot(1, Asset::Licenses, 5, 4, "2026-01-15T10:00:00Z"),
            sub_lot(2, Asset::Credits, 500, 497, "2026-01-15T10:00:00Z"),
            sub_lot(3, Asset::Licenses, 5, 5, "2026-02-15T10:00:00Z"),
            sub_lot(4, Asset::Credits, 500, 500, "2026-02-15T10:00:00Z"),
        ];
        let change = deliver(&s, &lots).expect("deliver");
        assert_eq!(
            debits(&change),
            vec![(2, 497, Reason::RolloverExpired), (1, 4, Reason::RolloverExpired)]
        );
        assert_eq!(change.net(Asset::Credits), Some(3));
        assert_eq!(change.net(Asset::Licenses), Some(1));
        // Cut lots are not extended; survivors last to the next delivery.
        assert!(
            !change
                .effects
                .iter()
                .any(|e| matches!(e, Effect::SetLotExpiry { lot_id: 2, .. }))
        );
        assert!(change.effects.contains(&Effect::SetLotExpiry {
            lot_id: 4,
            expires_at: at("2026-04-15T10:00:00Z")
        }));
        let note = change.effects.iter().find_map(|e| match e {
            Effect::Debit { lot_id: 2, note, .. } => note.clone(),
            _ => None,
        });
        assert!(note.is_some_and(|n| n.contains("kept 500 of 997 credits (1 month of allocation)")));
    }

    #[test]
    fn the_cap_applies_to_credits_and_licenses_separately() {
        let s = subscription(SubscriptionStatus::Active, 1, 2, 2);
        let lots = vec![
            sub_lot(1, Asset::Licenses, 5, 5, "2026-01-15T10:00:00Z"),
            sub_lot(2, Asset::Credits, 500, 10, "2026-01-15T10:00:00Z"),
            sub_lot(3, Asset::Licenses, 5, 5, "2026-02-15T10:00:00Z"),
            sub_lot(4, Asset::Credits, 500, 500, "2026-02-15T10:00:00Z"),
        ];
        let change = deliver(&s, &lots).expect("deliver");
        assert_eq!(
            debits(&change),
            vec![(2, 10, Reason::RolloverExpired), (1, 5, Reason::RolloverExpired)]
        );
        let lots = vec![
            sub_lot(1, Asset::Licenses, 5, 1, "2026-01-15T10:00:00Z"),
            sub_lot(2, Asset::Credits, 500, 300, "2026-01-15T10:00:00Z"),
            sub_lot(3, Asset::Licenses, 5, 5, "2026-02-15T10:00:00Z"),
            sub_lot(4, Asset::Credits, 500, 500, "2026-02-15T10:00:00Z"),
        ];
        let change = deliver(&s, &lots).expect("deliver");
        assert_eq!(
            debits(&change),
            vec![(2, 300, Reason::RolloverExpired), (1, 1, Reason::RolloverExpired)]
        );
    }

    #[test]
    fn no_cut_at_the_first_delivery_and_none_without_a_cap() {
        let mut s = subscription(SubscriptionStatus::Active, 1, 2, 2);
        s.terms.rollover_cap_months = None;
        let lots = vec![
            sub_lot(2, Asset::Credits, 500, 500, "2026-01-15T10:00:00Z"),
            sub_lot(4, Asset::Credits, 500, 500, "2026-02-15T10:00:00Z"),
        ];
        assert_eq!(debits(&deliver(&s, &lots).expect("deliver")), vec![]);
    }

    #[test]
    fn cancel_undo_and_their_refusals() {
        let active = subscription(SubscriptionStatus::Active, 12, 1, 1);
        let change = cancel("alice", Some(&active)).expect("cancel");
        assert!(matches!(
            change.effects[0],
            Effect::UpdateSubscription(Subscription {
                status: SubscriptionStatus::Cancelling,
                ..
            })
        ));
        let cancelling = subscription(SubscriptionStatus::Cancelling, 12, 3, 1);
        assert!(cancel("alice", Some(&cancelling)).is_err());
        assert!(cancel("alice", None).is_err());
        assert!(undo_cancel("alice", Some(&active)).is_err());
        assert!(undo_cancel("alice", None).is_err());
        let change = undo_cancel("alice", Some(&cancelling)).expect("undo");
        assert!(matches!(
            change.effects[0],
            Effect::UpdateSubscription(Subscription {
                status: SubscriptionStatus::Active,
                deliveries: 3,
                ..
            })
        ));
    }

    #[test]
    fn forfeit_takes_every_remaining_subscription_lot_and_ends() {
        let s = subscription(SubscriptionStatus::Cancelling, 1, 3, 3);
        let lots = vec![
            sub_lot(1, Asset::Licenses, 5, 5, "2026-03-15T10:00:00Z"),
            sub_lot(2, Asset::Credits, 500, 0, "2026-03-15T10:00:00Z"),
        ];
        let change = forfeit(&s, &lots, at("2026-04-15T10:00:00Z"));
        assert_eq!(debits(&change), vec![(1, 5, Reason::Forfeited)]);
        assert!(change.effects.contains(&Effect::UpdateSubscription(Subscription {
            status: SubscriptionStatus::Ended,
            ended_at: Some(at("2026-04-15T10:00:00Z")),
            ..s.clone()
        })));
    }

    /// The subscription `fixtures::subscription` makes, anchored at `anchor`.
    fn anchored(
        status: SubscriptionStatus,
        interval: u32,
        deliveries: u32,
        periods: u32,
        anchor: &str,
    ) -> Subscription {
        Subscription {
            anchor: at(anchor),
            ..subscription(status, interval, deliveries, periods)
        }
    }

    #[test]
    fn the_last_period_of_the_calendar_ends_the_subscription_without_renewing() {
        // Monthly from 9998-12-20: the twelfth period ends 9999-12-20 and a
        // thirteenth would end 10000-01-20, past the calendar.
        let s = anchored(SubscriptionStatus::Active, 1, 12, 12, "9998-12-20T00:00:00Z");
        assert_eq!(s.period_end(), Some(at("9999-12-20T00:00:00Z")));
        assert_eq!(s.next_period_end(), None);
        assert!(s.last_period_of_the_calendar() && s.ends_at_period_end());
        assert_eq!(s.next_event(), Some(at("9999-12-20T00:00:00Z")));
        assert_eq!(s.upcoming_delivery(), None, "no delivery at the end, as after a cancel");
        let earlier = anchored(SubscriptionStatus::Active, 1, 11, 11, "9998-12-20T00:00:00Z");
        assert!(!earlier.ends_at_period_end());
        assert_eq!(earlier.next_period_end(), Some(at("9999-12-20T00:00:00Z")));

        let lots = vec![sub_lot(1, Asset::Credits, 500, 300, "9999-11-20T00:00:00Z")];
        let change = forfeit(&s, &lots, at("9999-12-20T00:00:00Z"));
        assert_eq!(debits(&change), vec![(1, 300, Reason::Forfeited)]);
        assert!(
            change.summary.contains("end of the wallet's calendar"),
            "{}",
            change.summary
        );
        assert!(!change.effects.iter().any(|e| matches!(e, Effect::Charge { .. })));
        assert!(change.effects.contains(&Effect::UpdateSubscription(Subscription {
            status: SubscriptionStatus::Ended,
            ended_at: Some(at("9999-12-20T00:00:00Z")),
            ..s.clone()
        })));
        // Resuming a cancelled last period says it ends, not that it renews.
        let cancelling = Subscription {
            status: SubscriptionStatus::Cancelling,
            ..s
        };
        let resumed = undo_cancel("alice", Some(&cancelling)).expect("undo");
        assert!(
            resumed.summary.contains("it ends at 9999-12-20T00:00:00Z"),
            "{}",
            resumed.summary
        );
    }

    #[test]
    fn a_period_may_end_on_the_last_instant_of_the_calendar() {
        let s = anchored(SubscriptionStatus::Active, 1, 11, 11, "9998-12-31T23:59:59Z");
        assert_eq!(
            s.period_end(),
            Some(at("9998-12-31T23:59:59Z") + chrono::Months::new(11))
        );
        let last = anchored(SubscriptionStatus::Active, 1, 12, 12, "9998-12-31T23:59:59Z");
        assert_eq!(last.period_end(), Some(latest_instant()));
        assert!(last.ends_at_period_end());
        // The delivery before it gives lots that expire at that last instant.
        let change = deliver(&s, &[]).expect("deliver");
        assert!(
            change
                .effects
                .iter()
                .all(|e| !matches!(e, Effect::Grant { expires_at, .. } if *expires_at != latest_instant()))
        );
    }

    #[test]
    fn every_delivery_of_a_yearly_plan_expires_within_its_period_near_the_end() {
        // Yearly from 9998-06-30: the period ends 9999-06-30 and is the last.
        let mut s = anchored(SubscriptionStatus::Active, 12, 1, 1, "9998-06-30T12:00:00Z");
        assert!(s.ends_at_period_end());
        for k in 1..12 {
            s.deliveries = k;
            let change = deliver(&s, &[]).expect("deliver");
            for e in &change.effects {
                if let Effect::Grant { expires_at, .. } = e {
                    assert!(*expires_at <= at("9999-06-30T12:00:00Z"), "delivery {k}: {expires_at}");
                }
            }
        }
        s.deliveries = 12;
        assert_eq!(s.upcoming_delivery(), None);
    }

    #[test]
    fn a_first_period_past_the_calendar_is_not_sold() {
        let pricing = Pricing::builtin().expect("the built-in pricing is valid");
        let refused = subscribe("alice", None, "licenses-5-yearly", &pricing, at("9999-01-01T00:00:00Z"));
        assert!(
            matches!(&refused, Err(Refusal::Clock(m)) if m.contains("9999-12-31T23:59:59Z") && !m.contains("SPEC")),
            "{refused:?}"
        );
        assert!(
            subscribe(
                "alice",
                None,
                "licenses-5-monthly",
                &pricing,
                at("9999-12-01T00:00:00Z")
            )
            .is_err()
        );
        // A month still fits from the last day of November: the period ends Dec 30.
        let change = subscribe(
            "alice",
            None,
            "licenses-5-monthly",
            &pricing,
            at("9999-11-30T23:59:59Z"),
        )
        .expect("fits");
        assert!(
            change
                .effects
                .iter()
                .any(|e| matches!(e, Effect::Charge { period_end, .. } if *period_end == at("9999-12-30T23:59:59Z")))
        );
    }

    #[test]
    fn yearly_schedule_delivers_monthly_and_renews_yearly_from_a_jan_31_anchor() {
        let mut s = subscription(SubscriptionStatus::Active, 12, 1, 1);
        s.anchor = at("2026-01-31T10:00:00Z");
        assert_eq!(s.next_event(), Some(at("2026-02-28T10:00:00Z")));
        assert_eq!(s.period_end(), Some(at("2027-01-31T10:00:00Z")));
        s.deliveries = 12;
        assert_eq!(s.next_event(), Some(at("2027-01-31T10:00:00Z")));
        let renewal = renew(&s, at("2027-01-31T10:00:00Z"));
        assert!(renewal.effects.iter().any(|e| matches!(e, Effect::Charge { amount_cents: 54000, period_end, .. } if *period_end == at("2028-01-31T10:00:00Z"))));
    }
}
