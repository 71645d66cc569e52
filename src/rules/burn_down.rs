//! SPEC §3: the burn-down order ("soonest at risk first") and spending an
//! amount across several lots, refused whole when the usable balance is short.

use std::cmp::Ordering;

use crate::rules::clock::Instant;

use super::model::{Asset, Lot};
use super::totals::Totals;

/// The order lots are spent in: `expires_at`, then `granted_at`, then id.
pub fn burn_down_order(a: &Lot, b: &Lot) -> Ordering {
    (a.expires_at, a.granted_at, a.id).cmp(&(b.expires_at, b.granted_at, b.id))
}

/// The usable balance of one asset at `now`.
pub fn usable_total(lots: &[Lot], asset: Asset, now: Instant) -> u64 {
    Totals::of_lots(lots.iter().filter(|l| l.usable_at(now))).get(asset)
}

/// Takes `amount` of `asset` from the usable lots in burn-down order.
/// Returns `(lot id, taken)` per lot touched, or the usable total when it is
/// not enough (nothing taken).
pub fn burn_down(lots: &[Lot], asset: Asset, amount: u64, now: Instant) -> Result<Vec<(i64, u64)>, u64> {
    let mut usable: Vec<&Lot> = lots.iter().filter(|l| l.asset == asset && l.usable_at(now)).collect();
    usable.sort_by(|a, b| burn_down_order(a, b));
    let mut left = amount;
    let mut taken = Vec::new();
    for lot in usable {
        if left == 0 {
            break;
        }
        let take = left.min(lot.remaining);
        taken.push((lot.id, take));
        left -= take;
    }
    if left > 0 {
        return Err(usable_total(lots, asset, now));
    }
    Ok(taken)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::clock::at;
    use crate::rules::fixtures::lot;

    #[test]
    fn soonest_expiry_first_across_one_time_and_subscription_lots() {
        let now = at("2026-02-01T00:00:00Z");
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
                Asset::Credits,
                500,
                "2026-01-15T10:00:00Z",
                "2026-02-15T10:00:00Z",
                Some(1),
            ),
            lot(
                3,
                Asset::Credits,
                1000,
                "2026-01-20T10:00:00Z",
                "2026-02-10T00:00:00Z",
                None,
            ),
        ];
        assert_eq!(burn_down(&lots, Asset::Credits, 3, now), Ok(vec![(3, 3)]));
        assert_eq!(
            burn_down(&lots, Asset::Credits, 1200, now),
            Ok(vec![(3, 1000), (2, 200)])
        );
    }

    #[test]
    fn ties_on_expiry_break_by_grant_time_then_id() {
        let now = at("2026-01-16T00:00:00Z");
        let lots = vec![
            lot(
                9,
                Asset::Credits,
                5,
                "2026-01-15T10:00:00Z",
                "2027-01-15T10:00:00Z",
                None,
            ),
            lot(
                4,
                Asset::Credits,
                5,
                "2026-01-15T10:00:00Z",
                "2027-01-15T10:00:00Z",
                None,
            ),
            lot(
                2,
                Asset::Credits,
                5,
                "2026-01-15T11:00:00Z",
                "2027-01-15T10:00:00Z",
                None,
            ),
        ];
        assert_eq!(
            burn_down(&lots, Asset::Credits, 12, now),
            Ok(vec![(4, 5), (9, 5), (2, 2)])
        );
    }

    #[test]
    fn a_spend_spanning_every_lot_and_one_too_many() {
        let now = at("2026-01-16T00:00:00Z");
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
                Asset::Credits,
                100,
                "2026-01-15T10:00:00Z",
                "2027-01-15T10:00:00Z",
                None,
            ),
            lot(
                3,
                Asset::Licenses,
                7,
                "2026-01-15T10:00:00Z",
                "2026-01-20T10:00:00Z",
                None,
            ),
        ];
        assert_eq!(burn_down(&lots, Asset::Credits, 110, now), Ok(vec![(1, 10), (2, 100)]));
        assert_eq!(burn_down(&lots, Asset::Credits, 111, now), Err(110));
        assert_eq!(burn_down(&lots, Asset::Licenses, 8, now), Err(7));
    }

    #[test]
    fn a_lot_is_usable_until_one_second_before_its_expiry() {
        let lots = vec![lot(
            1,
            Asset::Credits,
            10,
            "2026-01-15T10:00:00Z",
            "2027-01-15T10:00:00Z",
            None,
        )];
        assert_eq!(
            burn_down(&lots, Asset::Credits, 10, at("2027-01-15T09:59:59Z")),
            Ok(vec![(1, 10)])
        );
        assert_eq!(burn_down(&lots, Asset::Credits, 1, at("2027-01-15T10:00:00Z")), Err(0));
        assert_eq!(usable_total(&lots, Asset::Credits, at("2027-01-15T10:00:00Z")), 0);
    }

    #[test]
    fn empty_lots_are_skipped() {
        let now = at("2026-01-16T00:00:00Z");
        let lots = vec![
            lot(
                1,
                Asset::Credits,
                0,
                "2026-01-15T10:00:00Z",
                "2026-02-15T10:00:00Z",
                None,
            ),
            lot(
                2,
                Asset::Credits,
                4,
                "2026-01-15T10:00:00Z",
                "2027-01-15T10:00:00Z",
                None,
            ),
        ];
        assert_eq!(burn_down(&lots, Asset::Credits, 4, now), Ok(vec![(2, 4)]));
    }
}
