//! Credits and licenses counted together: [`Totals`], the one per-asset
//! total — what lots hold, what debits take, what an allocation grants, an
//! account's running balances in its history. Sums saturate, as a count
//! bounded by the holding limit never needs more.

use serde::Serialize;

use super::Effect;
use super::model::{Asset, Lot};

/// A number of credits and a number of licenses. `N` is `u64` for amounts
/// held or moved, `i64` for history's running balances (counted back from
/// today's totals, so an inconsistent history may pass below zero).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals<N = u64> {
    pub credits: N,
    pub licenses: N,
}

/// A count a [`Totals`] can hold: added with saturation.
pub trait Amount: Copy + Default {
    #[must_use]
    fn saturating_plus(self, n: Self) -> Self;
}

impl Amount for u64 {
    fn saturating_plus(self, n: u64) -> u64 {
        self.saturating_add(n)
    }
}

impl Amount for i64 {
    fn saturating_plus(self, n: i64) -> i64 {
        self.saturating_add(n)
    }
}

impl<N: Amount> Totals<N> {
    pub fn get(&self, asset: Asset) -> N {
        match asset {
            Asset::Credits => self.credits,
            Asset::Licenses => self.licenses,
        }
    }

    /// Adds `n` of `asset` (saturating).
    pub fn add(&mut self, asset: Asset, n: N) {
        let total = match asset {
            Asset::Credits => &mut self.credits,
            Asset::Licenses => &mut self.licenses,
        };
        *total = total.saturating_plus(n);
    }
}

impl<N: Amount> FromIterator<(Asset, N)> for Totals<N> {
    fn from_iter<I: IntoIterator<Item = (Asset, N)>>(amounts: I) -> Totals<N> {
        let mut totals = Totals::default();
        for (asset, n) in amounts {
            totals.add(asset, n);
        }
        totals
    }
}

impl Totals {
    /// What the lots hold.
    pub fn of_lots<'a>(lots: impl IntoIterator<Item = &'a Lot>) -> Totals {
        lots.into_iter().map(|l| (l.asset, l.remaining)).collect()
    }

    /// What the effects' debits take.
    pub fn of_debits(effects: &[Effect]) -> Totals {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Debit { asset, amount, .. } => Some((*asset, *amount)),
                _ => None,
            })
            .collect()
    }

    pub fn is_nothing(&self) -> bool {
        self.credits == 0 && self.licenses == 0
    }
}

/// "497 credits and 4 licenses", "5 licenses", "nothing".
impl std::fmt::Display for Totals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.credits, self.licenses) {
            (0, 0) => f.write_str("nothing"),
            (c, 0) => f.write_str(&Asset::Credits.count(c)),
            (0, l) => f.write_str(&Asset::Licenses.count(l)),
            (c, l) => write!(f, "{} and {}", Asset::Credits.count(c), Asset::Licenses.count(l)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Reason;
    use crate::rules::fixtures::lot;

    #[test]
    fn lots_and_debits_are_summed_per_asset() {
        let lots = [(1, Asset::Credits, 10), (2, Asset::Licenses, 3), (3, Asset::Credits, 5)]
            .map(|(id, asset, n)| lot(id, asset, n, "2026-01-15T10:00:00Z", "2027-01-15T10:00:00Z", None));
        assert_eq!(
            Totals::of_lots(&lots),
            Totals {
                credits: 15,
                licenses: 3
            }
        );
        let debit = |asset, amount| Effect::Debit {
            lot_id: 1,
            asset,
            amount,
            reason: Reason::Expired,
            note: None,
        };
        let taken = Totals::of_debits(&[debit(Asset::Licenses, 2), debit(Asset::Licenses, u64::MAX)]);
        assert_eq!(
            taken,
            Totals {
                credits: 0,
                licenses: u64::MAX
            },
            "sums saturate"
        );
    }

    #[test]
    fn totals_read_as_words() {
        let words = |credits, licenses| Totals { credits, licenses }.to_string();
        assert_eq!(words(0, 0), "nothing");
        assert_eq!(words(1, 0), "1 credit");
        assert_eq!(words(0, 5), "5 licenses");
        assert_eq!(words(497, 4), "497 credits and 4 licenses");
    }
}
