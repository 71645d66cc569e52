//! Corrections by support: `grant` adds credits or licenses, `debit` takes
//! them back in the burn-down order, `void` undoes a purchase or a grant
//! entered in error. The ledger stays append-only: each is a new operation
//! with a reason, referring to what it corrects, and no money moves.

use crate::pricing::Pricing;
use crate::rules::clock::{Instant, Step, add_months_or_never, format_instant, never};
use crate::shown::shown;

use super::burn_down::burn_down;
use super::model::{Asset, Lot, Reason, Source};
use super::totals::Totals;
use super::{Change, Correction, Effect, OperationKind, Refusal};

/// The longest reason a correction may give, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// The most one `grant` or `debit` moves of each asset.
pub const MAX_CORRECTION: u64 = 1_000_000;

/// A correction's reason as typed: 1 to [`MAX_REASON_CHARS`] characters,
/// none of them a control character (it is shown in tables and logs).
pub fn check_reason(text: &str) -> Result<String, String> {
    let count = text.chars().count();
    if text.trim().is_empty() {
        return Err(
            "a correction needs a reason: say in a few words why it is made, e.g. --reason \"generation failed\""
                .to_owned(),
        );
    }
    if count > MAX_REASON_CHARS {
        return Err(format!(
            "the reason is {count} characters long; keep it to at most {MAX_REASON_CHARS}"
        ));
    }
    if !crate::shown::is_printable(text) {
        return Err(format!(
            "the reason '{}' holds a control character or an invisible mark (a tab, a new line, a zero-width space …); write it on one line in visible characters",
            shown(text)
        ));
    }
    Ok(text.to_owned())
}

/// When a lot granted by support at `at` expires: after `expires_in` if
/// the grant gives it, else `policy.adjustment_expiry_months` after the
/// grant; [`never`] for `"never"` or past the end of the calendar.
pub fn adjustment_expiry(pricing: &Pricing, at: Instant, expires_in: Option<Step>) -> Instant {
    match (expires_in, pricing.policy.adjustment_expiry_months) {
        (Some(step), _) => step.after(at).unwrap_or_else(never),
        (None, Some(months)) => add_months_or_never(at, months),
        (None, None) => never(),
    }
}

/// "50 credits and 1 license", "3 licenses".
fn amounts_text(amounts: Totals) -> String {
    let parts: Vec<String> = Asset::ALL
        .into_iter()
        .filter(|a| amounts.get(*a) > 0)
        .map(|a| a.count(amounts.get(a)))
        .collect();
    parts.join(" and ")
}

/// `grant`: one `adjustment` lot per asset named, expiring at `expires_at`.
pub fn grant(amounts: Totals, expires_at: Instant, reason: &str) -> Result<Change, Refusal> {
    if amounts.credits == 0 && amounts.licenses == 0 {
        return Err(Refusal::Correction(
            "a grant needs something to grant: give --credits N, --licenses N or both".to_owned(),
        ));
    }
    let effects = Asset::ALL
        .into_iter()
        .filter(|a| amounts.get(*a) > 0)
        .map(|asset| Effect::Grant {
            asset,
            source: Source::Adjustment,
            amount: amounts.get(asset),
            expires_at,
            subscription: None,
            reason: Reason::Adjustment,
        })
        .collect();
    let expiry = if expires_at == never() {
        "never expires".to_owned()
    } else {
        format!("expires {}", format_instant(expires_at))
    };
    Ok(Change {
        kind: OperationKind::Grant,
        summary: format!("granted {} ({expiry})", amounts_text(amounts)),
        correction: Some(Correction {
            reason: reason.to_owned(),
            voids: None,
        }),
        effects,
    })
}

/// `debit`: takes `amounts` from the account's usable lots in the burn-down
/// order, refused whole when either asset is short.
pub fn debit(handle: &str, lots: &[Lot], amounts: Totals, reason: &str, now: Instant) -> Result<Change, Refusal> {
    if amounts.credits == 0 && amounts.licenses == 0 {
        return Err(Refusal::Correction(
            "a debit needs something to take back: give --credits N, --licenses N or both".to_owned(),
        ));
    }
    let mut effects = Vec::new();
    for asset in Asset::ALL {
        let amount = amounts.get(asset);
        if amount == 0 {
            continue;
        }
        let taken = burn_down(lots, asset, amount, now).map_err(|available| {
            Refusal::Correction(
                Refusal::not_enough(
                    handle,
                    "cover this debit",
                    asset,
                    amount,
                    available,
                    (available > 0).then(|| format!("debit at most {}", asset.count(available))),
                )
                .to_string(),
            )
        })?;
        effects.extend(taken.into_iter().map(|(lot_id, amount)| Effect::Debit {
            lot_id,
            asset,
            amount,
            reason: Reason::Adjustment,
            note: None,
        }));
    }
    Ok(Change {
        kind: OperationKind::Debit,
        summary: format!("took back {}", amounts_text(amounts)),
        correction: Some(Correction {
            reason: reason.to_owned(),
            voids: None,
        }),
        effects,
    })
}

/// An operation someone asks to void, as the wallet recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voidable {
    pub id: i64,
    pub kind: OperationKind,
    pub summary: String,
    /// The operation that already voided it, if one did.
    pub voided_by: Option<i64>,
}

/// "a buy", "an init": a kind of operation in a sentence.
fn with_article(kind: OperationKind) -> String {
    let text = kind.as_str();
    let article = if text.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {text}")
}

/// `void`: every lot `target` created loses what it still holds; what was
/// spent stays spent. Only a `buy` or a `grant`, and only once.
pub fn void(target: &Voidable, created: &[Lot], reason: &str) -> Result<Change, Refusal> {
    if !matches!(target.kind, OperationKind::Buy | OperationKind::Grant) {
        return Err(Refusal::Correction(format!(
            "operation {} is {}, and only a buy or a grant can be voided (to take credits or licenses back otherwise, use: wallet debit ACCOUNT --credits N --reason TEXT)",
            target.id,
            with_article(target.kind)
        )));
    }
    if let Some(by) = target.voided_by {
        return Err(Refusal::Correction(format!(
            "operation {} was already voided by operation {by}; an operation is voided once (list the voids with: wallet log --kind void)",
            target.id
        )));
    }
    let effects: Vec<Effect> = created
        .iter()
        .filter(|l| l.remaining > 0)
        .map(|l| Effect::Debit {
            lot_id: l.id,
            asset: l.asset,
            amount: l.remaining,
            reason: Reason::Voided,
            note: Some(format!(
                "lot {} voided: {} of {} unspent",
                l.id,
                l.remaining,
                l.asset.count(l.granted)
            )),
        })
        .collect();
    let taken = Totals::of_lots(created.iter().filter(|l| l.remaining > 0));
    let what = if taken.credits == 0 && taken.licenses == 0 {
        "nothing left to take back".to_owned()
    } else {
        format!("took back {}", amounts_text(taken))
    };
    Ok(Change {
        kind: OperationKind::Void,
        summary: format!("voided operation {} ({}): {what}", target.id, target.summary),
        correction: Some(Correction {
            reason: reason.to_owned(),
            voids: Some(target.id),
        }),
        effects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::clock::at;
    use crate::rules::fixtures::lot;

    fn totals(credits: u64, licenses: u64) -> Totals {
        Totals { credits, licenses }
    }

    #[test]
    fn a_reason_is_one_line_of_1_to_200_characters() {
        assert_eq!(check_reason("generation failed"), Ok("generation failed".to_owned()));
        assert_eq!(check_reason(&"é".repeat(200)).map(|r| r.chars().count()), Ok(200));
        assert!(check_reason(&"a".repeat(201)).is_err_and(|e| e.contains("201 characters")));
        assert!(check_reason("").is_err());
        assert!(check_reason("   ").is_err());
        assert!(check_reason("two\nlines").is_err_and(|e| e.contains("control character")));
        assert!(check_reason("bell\u{7}").is_err());
        assert!(check_reason("line\u{2028}separator").is_err());
        assert!(check_reason("zero\u{200b}width").is_err());
        assert!(check_reason("\u{feff}bom").is_err());
    }

    #[test]
    fn a_grant_is_one_adjustment_lot_per_asset_expiring_by_the_policy_or_the_duration() {
        let pricing = Pricing::builtin().expect("the built-in pricing");
        let t = at("2026-01-31T10:00:00Z");
        assert_eq!(adjustment_expiry(&pricing, t, None), at("2027-01-31T10:00:00Z"));
        let step = Step::parse("30d").expect("step");
        assert_eq!(adjustment_expiry(&pricing, t, Some(step)), at("2026-03-02T10:00:00Z"));
        // A month from the 31st of January ends on the last day of February.
        let month = Step::parse("1mo").expect("step");
        assert_eq!(adjustment_expiry(&pricing, t, Some(month)), at("2026-02-28T10:00:00Z"));
        let mut never_expires = pricing.clone();
        never_expires.policy.adjustment_expiry_months = None;
        assert_eq!(adjustment_expiry(&never_expires, t, None), never());
        let far = Step::parse("10000y").expect("step");
        assert_eq!(adjustment_expiry(&pricing, t, Some(far)), never());

        let change = grant(totals(50, 2), at("2027-01-31T10:00:00Z"), "failed job").expect("grant");
        assert_eq!(change.kind, OperationKind::Grant);
        assert_eq!(
            change.summary,
            "granted 50 credits and 2 licenses (expires 2027-01-31T10:00:00Z)"
        );
        assert_eq!(
            change.correction.as_ref().map(|c| c.reason.as_str()),
            Some("failed job")
        );
        let sources: Vec<(Asset, Source, u64)> = change
            .effects
            .iter()
            .filter_map(|e| match e {
                Effect::Grant {
                    asset, source, amount, ..
                } => Some((*asset, *source, *amount)),
                _ => None,
            })
            .collect();
        assert_eq!(
            sources,
            [
                (Asset::Credits, Source::Adjustment, 50),
                (Asset::Licenses, Source::Adjustment, 2)
            ]
        );
        assert!(grant(totals(0, 0), never(), "x").is_err());
        assert_eq!(
            grant(totals(0, 1), never(), "x").map(|c| c.summary).ok(),
            Some("granted 1 license (never expires)".to_owned())
        );
    }

    #[test]
    fn a_debit_takes_in_the_burn_down_order_and_is_refused_whole_when_short() {
        let now = at("2026-03-01T00:00:00Z");
        let lots = vec![
            lot(
                1,
                Asset::Credits,
                10,
                "2026-01-01T00:00:00Z",
                "2027-01-01T00:00:00Z",
                None,
            ),
            lot(
                2,
                Asset::Credits,
                100,
                "2026-02-01T00:00:00Z",
                "2026-06-01T00:00:00Z",
                None,
            ),
            lot(
                3,
                Asset::Licenses,
                2,
                "2026-02-01T00:00:00Z",
                "2026-06-01T00:00:00Z",
                None,
            ),
        ];
        let change = debit("ann", &lots, totals(105, 1), "over-grant", now).expect("debit");
        let taken: Vec<(i64, u64)> = change
            .effects
            .iter()
            .filter_map(|e| match e {
                Effect::Debit {
                    lot_id, amount, reason, ..
                } if *reason == Reason::Adjustment => Some((*lot_id, *amount)),
                _ => None,
            })
            .collect();
        // Lot 2 expires first, so it is taken whole before lot 1.
        assert_eq!(taken, [(2, 100), (1, 5), (3, 1)]);
        assert_eq!(change.summary, "took back 105 credits and 1 license");
        let short = debit("ann", &lots, totals(10, 3), "x", now).expect_err("short");
        assert_eq!(
            short.to_string(),
            "ann needs 3 licenses to cover this debit but has 2 licenses usable; debit at most 2 licenses"
        );
        // A lot no longer usable at `now` does not count.
        let later = at("2026-06-01T00:00:00Z");
        assert!(debit("ann", &lots, totals(11, 0), "x", later).is_err());
    }

    #[test]
    fn a_void_takes_back_what_the_lots_still_hold_once_and_only_for_a_buy_or_a_grant() {
        let target = Voidable {
            id: 17,
            kind: OperationKind::Buy,
            summary: "bought 1 × licenses-5".to_owned(),
            voided_by: None,
        };
        let mut licenses = lot(
            8,
            Asset::Licenses,
            5,
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
            None,
        );
        let mut bonus = lot(
            9,
            Asset::Credits,
            500,
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
            None,
        );
        bonus.remaining = 120;
        licenses.remaining = 0;
        let change = void(&target, &[licenses.clone(), bonus], "wrong account").expect("void");
        assert_eq!(change.kind, OperationKind::Void);
        assert_eq!(change.correction.as_ref().and_then(|c| c.voids), Some(17));
        assert_eq!(
            change.effects,
            [Effect::Debit {
                lot_id: 9,
                asset: Asset::Credits,
                amount: 120,
                reason: Reason::Voided,
                note: Some("lot 9 voided: 120 of 500 credits unspent".to_owned()),
            }]
        );
        assert_eq!(
            change.summary,
            "voided operation 17 (bought 1 × licenses-5): took back 120 credits"
        );
        let spent = void(&target, &[licenses], "x").expect("void of a spent pack");
        assert!(spent.effects.is_empty());
        assert!(spent.summary.ends_with("nothing left to take back"));
        let twice = Voidable {
            voided_by: Some(41),
            ..target.clone()
        };
        assert!(void(&twice, &[], "x").is_err_and(|e| e.to_string().contains("already voided by operation 41")));
        let generate = Voidable {
            kind: OperationKind::Generate,
            ..target
        };
        assert!(void(&generate, &[], "x").is_err_and(|e| e.to_string().contains("is a generate")));
    }
}
