//! The most an account can hold of one asset. Every total the wallet reads —
//! an account's balance, each running balance in its history, a lot's
//! remaining — is a sum of one account's entries, so bounding what an
//! account holds after every entry keeps every such sum exact in 64 bits.
//! (Sums over several accounts are added up in 128 bits by their readers.)

use super::model::{Asset, Lot};
use super::refusal::OverLimit;
use super::{Change, Effect, Refusal};

/// The most an account may hold of one asset: 10^18, about a ninth of the
/// largest signed 64-bit number, so that a total plus any single grant is
/// still representable while it is checked.
pub const MAX_HOLDING: u64 = 1_000_000_000_000_000_000;

/// What an account holds of `asset`, over every lot that still holds
/// something (usable or not yet expired by the clock).
fn held(lots: &[Lot], asset: Asset) -> u128 {
    lots.iter()
        .filter(|l| l.asset == asset)
        .map(|l| u128::from(l.remaining))
        .sum()
}

/// Checks that `change`, applied to an account holding `lots`, keeps what it
/// holds of each asset at most [`MAX_HOLDING`] after each of its entries (the
/// running balances `history` shows). `describe` says, only when it is
/// refused, what would grant it ("buying 2 × big") and what to do instead:
/// a clock advance checks every delivery, and nearly all pass.
pub fn within_holding_limit(
    handle: &str,
    lots: &[Lot],
    change: &Change,
    describe: impl FnOnce() -> (String, String),
) -> Result<(), Refusal> {
    for asset in Asset::ALL {
        let before = held(lots, asset);
        let mut running = before;
        let mut peak = before;
        for effect in &change.effects {
            match effect {
                Effect::Grant { asset: a, amount, .. } if *a == asset => {
                    running = running.saturating_add(u128::from(*amount));
                    peak = peak.max(running);
                }
                Effect::Debit { asset: a, amount, .. } if *a == asset => {
                    running = running.saturating_sub(u128::from(*amount));
                }
                _ => {}
            }
        }
        if peak > u128::from(MAX_HOLDING) {
            let (action, fix) = describe();
            return Err(Refusal::HoldingLimit(Box::new(OverLimit {
                account: handle.to_owned(),
                asset,
                held: before,
                would_hold: peak,
                action,
                fix,
            })));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::OperationKind;
    use crate::rules::clock::at;
    use crate::rules::fixtures::lot;
    use crate::rules::model::{Reason, Source};

    fn grant(asset: Asset, amount: u64) -> Effect {
        Effect::Grant {
            asset,
            source: Source::CreditPack,
            amount,
            expires_at: at("2027-01-15T10:00:00Z"),
            subscription: None,
            reason: Reason::Purchase,
        }
    }

    fn debit(lot_id: i64, asset: Asset, amount: u64) -> Effect {
        Effect::Debit {
            lot_id,
            asset,
            amount,
            reason: Reason::RolloverExpired,
            note: None,
        }
    }

    fn change(effects: Vec<Effect>) -> Change {
        Change {
            kind: OperationKind::Buy,
            summary: String::new(),
            correction: None,
            effects,
        }
    }

    fn check(lots: &[Lot], effects: Vec<Effect>) -> Result<(), Refusal> {
        within_holding_limit("alice", lots, &change(effects), || {
            ("buying 1 × big".to_owned(), "buy less".to_owned())
        })
    }

    #[test]
    fn an_account_may_hold_exactly_the_limit_and_not_one_more() {
        let lots = vec![lot(
            1,
            Asset::Credits,
            10,
            "2026-01-15T10:00:00Z",
            "2027-01-15T10:00:00Z",
            None,
        )];
        assert_eq!(check(&lots, vec![grant(Asset::Credits, MAX_HOLDING - 10)]), Ok(()));
        let refused = check(&lots, vec![grant(Asset::Credits, MAX_HOLDING - 9)]).expect_err("one too many");
        assert_eq!(
            refused,
            Refusal::HoldingLimit(Box::new(OverLimit {
                account: "alice".into(),
                asset: Asset::Credits,
                held: 10,
                would_hold: u128::from(MAX_HOLDING) + 1,
                action: "buying 1 × big".into(),
                fix: "buy less".into(),
            }))
        );
        let message = refused.to_string();
        assert!(
            message.contains("at most 1000000000000000000 of each asset"),
            "{message}"
        );
        assert!(!message.contains("SPEC"), "{message}");
        // Licenses are counted on their own.
        assert_eq!(check(&lots, vec![grant(Asset::Licenses, MAX_HOLDING)]), Ok(()));
    }

    #[test]
    fn grants_beyond_64_bits_are_refused_not_wrapped() {
        let full = lot(
            1,
            Asset::Credits,
            MAX_HOLDING,
            "2026-01-15T10:00:00Z",
            "2027-01-15T10:00:00Z",
            None,
        );
        let refused = check(
            &[full],
            vec![grant(Asset::Credits, u64::MAX), grant(Asset::Credits, u64::MAX)],
        );
        assert!(
            matches!(refused, Err(Refusal::HoldingLimit(over)) if over.would_hold == u128::from(MAX_HOLDING) + 2 * u128::from(u64::MAX))
        );
    }

    #[test]
    fn every_running_balance_counts_not_only_the_final_one() {
        // A delivery cuts first and grants after: the running balance after
        // the grant is what history shows, so it must fit.
        let lots = vec![lot(
            1,
            Asset::Credits,
            MAX_HOLDING,
            "2026-01-15T10:00:00Z",
            "2026-02-15T10:00:00Z",
            Some(1),
        )];
        assert_eq!(
            check(&lots, vec![debit(1, Asset::Credits, 500), grant(Asset::Credits, 500)]),
            Ok(())
        );
        // Granting before debiting would pass through MAX_HOLDING + 500.
        assert!(check(&lots, vec![grant(Asset::Credits, 500), debit(1, Asset::Credits, 500)]).is_err());
    }
}
