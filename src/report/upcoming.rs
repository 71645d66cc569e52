//! The next dated events and their effect on one account, if nothing is
//! spent: one-time expiries, the next delivery with what the rollover cap
//! will cut, a renewal's charge, a cancelling subscription's forfeiture.
//! Pure: projected with the same rules `advance-clock` applies.

use serde::Serialize;

use crate::money::format_money;
use crate::rules::clock::{Instant, format_instant, latest_instant, within_calendar};
use crate::rules::{self, ClockStep, Lot, Subscription, SubscriptionStatus, Totals};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UpcomingEvent {
    pub at: String,
    /// The clock step: `expiry`, `forfeiture`, `renewal` or `delivery` in JSON.
    pub kind: ClockStep,
    /// Signed change to the account's credits and licenses.
    pub credits: i64,
    pub licenses: i64,
    /// What expires or is forfeited at this event if nothing is spent first.
    pub lost_credits: u64,
    pub lost_licenses: u64,
    /// What a renewal charges, in minor units of `currency`.
    pub price_cents: Option<i64>,
    pub currency: Option<String>,
    pub message: String,
}

impl UpcomingEvent {
    /// What expires or is forfeited at this event if nothing is spent first.
    pub fn lost(&self) -> Totals {
        Totals {
            credits: self.lost_credits,
            licenses: self.lost_licenses,
        }
    }
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The upcoming events after `now`, soonest first (in [`ClockStep`] order
/// within an instant), at most `limit`.
pub fn upcoming(lots: &[Lot], sub: Option<&Subscription>, now: Instant, limit: usize) -> Vec<UpcomingEvent> {
    let mut events = Vec::new();
    let one_time: Vec<&Lot> = lots
        .iter()
        .filter(|l| l.subscription_id.is_none() && l.usable_at(now) && within_calendar(l.expires_at))
        .collect();
    let mut instants: Vec<Instant> = one_time.iter().map(|l| l.expires_at).collect();
    instants.sort();
    instants.dedup();
    for at in instants {
        let due: Vec<Lot> = one_time
            .iter()
            .filter(|l| l.expires_at == at)
            .map(|l| (*l).clone())
            .collect();
        let lost = Totals::of_lots(&due);
        let Totals { credits, licenses } = lost;
        let sources: Vec<String> = due
            .iter()
            .map(|l| format!("{} lot {}", l.source.as_str(), l.id))
            .collect();
        events.push(UpcomingEvent {
            at: format_instant(at),
            kind: ClockStep::Expiry,
            credits: -signed(credits),
            licenses: -signed(licenses),
            lost_credits: credits,
            lost_licenses: licenses,
            price_cents: None,
            currency: None,
            message: format!("{lost} expire unused ({})", sources.join(", ")),
        });
    }
    if let Some(sub) = sub.filter(|s| s.is_running()) {
        events.extend(subscription_events(lots, sub));
    }
    events.sort_by(|a, b| (&a.at, a.kind).cmp(&(&b.at, b.kind)));
    events.truncate(limit);
    events
}

fn subscription_events(lots: &[Lot], sub: &Subscription) -> Vec<UpcomingEvent> {
    let mut events = Vec::new();
    let own: Vec<Lot> = lots
        .iter()
        .filter(|l| l.subscription_id == Some(sub.id))
        .cloned()
        .collect();
    let Some(period_end) = sub.period_end() else {
        return events;
    };
    let terms = &sub.terms;
    if let Some(next) = sub.upcoming_delivery() {
        let cut = if sub.deliveries >= 1 {
            rules::rollover_cut(terms, sub.id, &own)
        } else {
            Vec::new()
        };
        let cut = Totals::of_debits(&cut);
        let Totals {
            credits: cut_credits,
            licenses: cut_licenses,
        } = cut;
        let allocation = terms.allocation().unwrap_or_default();
        let Totals {
            credits: alloc_credits,
            licenses: alloc_licenses,
        } = allocation;
        let cap_note = if cut.is_nothing() {
            String::new()
        } else {
            format!("; the rollover cap first cuts {cut} if nothing is spent")
        };
        events.push(UpcomingEvent {
            at: format_instant(next),
            kind: ClockStep::Delivery,
            credits: signed(alloc_credits) - signed(cut_credits),
            licenses: signed(alloc_licenses) - signed(cut_licenses),
            lost_credits: cut_credits,
            lost_licenses: cut_licenses,
            price_cents: None,
            currency: None,
            message: format!("{} delivers {allocation}{cap_note}", sub.plan),
        });
    }
    match sub.status {
        SubscriptionStatus::Active if !sub.ends_at_period_end() => events.push(UpcomingEvent {
            at: format_instant(period_end),
            kind: ClockStep::Renewal,
            credits: 0,
            licenses: 0,
            lost_credits: 0,
            lost_licenses: 0,
            price_cents: Some(terms.price_cents),
            currency: Some(terms.currency.clone()),
            message: format!(
                "{} renews: {} charged for the next {}",
                sub.plan,
                format_money(terms.price_cents, &terms.currency),
                if terms.interval_months == 12 { "year" } else { "month" }
            ),
        }),
        SubscriptionStatus::Active | SubscriptionStatus::Cancelling => {
            let lost = Totals::of_lots(&held_at_period_end(sub, own, period_end));
            let Totals { credits, licenses } = lost;
            let why = if sub.status == SubscriptionStatus::Cancelling {
                "ends after cancel".to_owned()
            } else {
                format!(
                    "ends with the calendar's last whole period (no further period ends by {})",
                    format_instant(latest_instant())
                )
            };
            events.push(UpcomingEvent {
                at: format_instant(period_end),
                kind: ClockStep::Forfeit,
                credits: -signed(credits),
                licenses: -signed(licenses),
                lost_credits: credits,
                lost_licenses: licenses,
                price_cents: None,
                currency: None,
                message: format!("{} {why}: {lost} forfeited if nothing is spent", sub.plan),
            });
        }
        SubscriptionStatus::Ended => {}
    }
    events
}

/// The subscription's own lots at its period end if nothing is spent: every
/// delivery still due before then applied with its rollover cut.
fn held_at_period_end(sub: &Subscription, mut lots: Vec<Lot>, period_end: Instant) -> Vec<Lot> {
    let mut sim = sub.clone();
    let mut next_id = lots.iter().map(|l| l.id).max().unwrap_or(0).saturating_add(1);
    while let Some(at) = sim.next_delivery().filter(|d| *d < period_end) {
        let Ok(change) = rules::deliver(&sim, &lots) else {
            break;
        };
        change.apply_to_lots(&mut lots, at, Some(sim.id), &mut next_id);
        sim.deliveries = sim.deliveries.saturating_add(1);
    }
    lots
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Asset;
    use crate::rules::clock::at;
    use crate::rules::fixtures::{lot, subscription};

    #[test]
    fn one_expiry_event_per_instant_with_its_amounts() {
        let lots = vec![
            lot(
                1,
                Asset::Credits,
                10,
                "2026-01-15T10:00:00Z",
                "2027-01-15T10:00:00Z",
                None,
            ),
            lot(
                2,
                Asset::Licenses,
                3,
                "2026-01-15T10:00:00Z",
                "2027-01-15T10:00:00Z",
                None,
            ),
            lot(
                3,
                Asset::Credits,
                500,
                "2026-02-01T00:00:00Z",
                "2027-02-01T00:00:00Z",
                None,
            ),
        ];
        let events = upcoming(&lots, None, at("2026-03-01T00:00:00Z"), 10);
        assert_eq!(events.len(), 2);
        assert_eq!(
            (events[0].at.as_str(), events[0].credits, events[0].licenses),
            ("2027-01-15T10:00:00Z", -10, -3)
        );
        assert_eq!(
            events[0].message,
            "10 credits and 3 licenses expire unused (credit_pack lot 1, credit_pack lot 2)"
        );
        assert_eq!(
            (events[1].at.as_str(), events[1].credits),
            ("2027-02-01T00:00:00Z", -500)
        );
        assert_eq!(upcoming(&lots, None, at("2026-03-01T00:00:00Z"), 1).len(), 1);
    }

    #[test]
    fn the_next_delivery_shows_the_cut_and_an_active_plan_its_renewal() {
        let s = subscription(SubscriptionStatus::Active, 1, 2, 2);
        let lots = vec![
            lot(
                3,
                Asset::Licenses,
                4,
                "2026-01-15T10:00:00Z",
                "2026-03-15T10:00:00Z",
                Some(1),
            ),
            lot(
                4,
                Asset::Credits,
                497,
                "2026-01-15T10:00:00Z",
                "2026-03-15T10:00:00Z",
                Some(1),
            ),
            lot(
                5,
                Asset::Licenses,
                5,
                "2026-02-15T10:00:00Z",
                "2026-03-15T10:00:00Z",
                Some(1),
            ),
            lot(
                6,
                Asset::Credits,
                500,
                "2026-02-15T10:00:00Z",
                "2026-03-15T10:00:00Z",
                Some(1),
            ),
        ];
        let events = upcoming(&lots, Some(&s), at("2026-02-20T00:00:00Z"), 10);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["renewal", "delivery"], "the renewal comes first at one instant");
        assert_eq!(events[0].price_cents, Some(5500));
        assert_eq!(events[1].at, "2026-03-15T10:00:00Z");
        assert_eq!((events[1].credits, events[1].licenses), (500 - 497, 5 - 4));
        assert!(
            events[1].message.contains("cuts 497 credits and 4 licenses"),
            "{}",
            events[1].message
        );
    }

    #[test]
    fn at_the_calendars_end_nothing_expires_never_and_the_last_period_ends_the_plan() {
        let mut never_lot = lot(
            1,
            Asset::Credits,
            10,
            "9999-01-01T00:00:00Z",
            "9999-01-01T00:00:00Z",
            None,
        );
        never_lot.expires_at = crate::rules::clock::never();
        let s = crate::rules::Subscription {
            anchor: at("9998-12-20T00:00:00Z"),
            ..subscription(SubscriptionStatus::Active, 1, 12, 12)
        };
        let sub_lot = lot(
            2,
            Asset::Licenses,
            5,
            "9999-11-20T00:00:00Z",
            "9999-12-20T00:00:00Z",
            Some(1),
        );
        let events = upcoming(&[never_lot, sub_lot], Some(&s), at("9999-12-01T00:00:00Z"), 10);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["forfeiture"],
            "no renewal, no delivery and no expiry at 'never'"
        );
        assert_eq!(events[0].at, "9999-12-20T00:00:00Z");
        assert_eq!(events[0].lost_licenses, 5);
        assert!(events[0].message.contains("last whole period"), "{}", events[0].message);
    }

    #[test]
    fn a_cancelling_yearly_plan_forfeits_what_its_remaining_deliveries_leave() {
        // Cancelled after the 3rd delivery: deliveries 4..12 still come, each
        // cut to one allocation before adding one, so 1000 credits and 10
        // licenses are held at the period end.
        let s = subscription(SubscriptionStatus::Cancelling, 12, 3, 1);
        let lots = vec![
            lot(
                7,
                Asset::Licenses,
                5,
                "2026-03-15T10:00:00Z",
                "2026-04-15T10:00:00Z",
                Some(1),
            ),
            lot(
                8,
                Asset::Credits,
                200,
                "2026-03-15T10:00:00Z",
                "2026-04-15T10:00:00Z",
                Some(1),
            ),
        ];
        let events = upcoming(&lots, Some(&s), at("2026-03-20T00:00:00Z"), 10);
        let forfeit = events
            .iter()
            .find(|e| e.kind.as_str() == "forfeiture")
            .expect("forfeiture");
        assert_eq!(forfeit.at, "2027-01-15T10:00:00Z");
        assert_eq!((forfeit.credits, forfeit.licenses), (-1000, -10));
        let delivery = events.iter().find(|e| e.kind.as_str() == "delivery").expect("delivery");
        assert_eq!(
            (delivery.at.as_str(), delivery.credits, delivery.licenses),
            ("2026-04-15T10:00:00Z", 500, 5)
        );
        assert!(
            !events.iter().any(|e| e.kind.as_str() == "renewal"),
            "a cancelling plan does not renew"
        );
    }

    #[test]
    fn a_monthly_plan_cancelled_forfeits_what_it_holds_now() {
        let s = subscription(SubscriptionStatus::Cancelling, 1, 3, 3);
        let lots = vec![lot(
            8,
            Asset::Credits,
            1000,
            "2026-03-15T10:00:00Z",
            "2026-04-15T10:00:00Z",
            Some(1),
        )];
        let events = upcoming(&lots, Some(&s), at("2026-03-20T00:00:00Z"), 10);
        assert_eq!(
            events.len(),
            1,
            "no delivery at the period end of a cancelled plan: {events:?}"
        );
        assert_eq!(
            (events[0].kind.as_str(), events[0].at.as_str(), events[0].credits),
            ("forfeiture", "2026-04-15T10:00:00Z", -1000)
        );
    }
}
