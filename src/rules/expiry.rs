//! SPEC §2–§3: one-time lots expire at their `expires_at`, whatever remains.

use crate::rules::clock::{Instant, format_instant};

use super::model::{Lot, Reason, Source};
use super::{Change, Effect, OperationKind};

/// Expires every one-time lot of one account that is due at or before `at`.
/// Subscription lots are left to their subscription's delivery and period end.
pub fn expire_one_time_lots(lots: &[Lot], at: Instant) -> Option<Change> {
    let effects: Vec<Effect> = lots
        .iter()
        .filter(|l| l.subscription_id.is_none() && l.remaining > 0 && l.expires_at <= at)
        .map(|l| Effect::Debit {
            lot_id: l.id,
            asset: l.asset,
            amount: l.remaining,
            reason: Reason::Expired,
            note: Some(format!(
                "{} lot {} granted {} expired unused at {} ({})",
                l.source.as_str(),
                l.id,
                format_instant(l.granted_at),
                format_instant(l.expires_at),
                if l.source == Source::Adjustment {
                    "a support grant's lots expire when the grant said"
                } else {
                    "one-time lots expire a fixed term after purchase"
                }
            )),
        })
        .collect();
    if effects.is_empty() {
        return None;
    }
    Some(Change {
        kind: OperationKind::Expiry,
        summary: format!("one-time lots expired at {}", format_instant(at)),
        correction: None,
        effects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::clock::at;
    use crate::rules::model::{Asset, Source};

    #[test]
    fn only_due_one_time_lots_expire_whole() {
        let lot = |id, expires: &str, sub| Lot {
            id,
            asset: Asset::Credits,
            source: Source::CreditPack,
            granted: 100,
            remaining: 40,
            granted_at: at("2026-01-15T10:00:00Z"),
            expires_at: at(expires),
            subscription_id: sub,
        };
        let lots = vec![
            lot(1, "2027-01-15T10:00:00Z", None),
            lot(2, "2027-01-15T10:00:01Z", None),
            lot(3, "2027-01-15T10:00:00Z", Some(1)),
        ];
        assert_eq!(expire_one_time_lots(&lots, at("2027-01-15T09:59:59Z")), None);
        let change = expire_one_time_lots(&lots, at("2027-01-15T10:00:00Z")).expect("due");
        assert_eq!(change.effects.len(), 1);
        assert!(matches!(
            change.effects[0],
            Effect::Debit {
                lot_id: 1,
                amount: 40,
                reason: Reason::Expired,
                ..
            }
        ));
    }

    #[test]
    fn a_lot_that_expires_never_is_not_due_at_the_calendars_last_instant() {
        let lot = Lot {
            id: 1,
            asset: Asset::Credits,
            source: Source::Signup,
            granted: 10,
            remaining: 10,
            granted_at: at("9999-06-01T00:00:00Z"),
            expires_at: crate::rules::clock::never(),
            subscription_id: None,
        };
        let last = crate::rules::clock::latest_instant();
        assert_eq!(expire_one_time_lots(std::slice::from_ref(&lot), last), None);
        assert!(lot.usable_at(last));
    }
}
