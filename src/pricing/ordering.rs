//! The price ordering `pricing check` warns about (SPEC §13): a license pack
//! cheaper per license than a single license, a subscription cheaper than any
//! one-time license, a yearly plan cheaper than a monthly one. These are
//! warnings, not errors: [`Pricing::ordering_warnings`] lists them for a file
//! that is otherwise valid. Each product or plan that grants licenses is an
//! `Offer`, a price for a number of licenses, compared exactly.

use super::{Interval, Pricing};
use crate::money::format_money;

impl Pricing {
    /// Warnings (not errors) when the per-license price ordering the seeds
    /// promise is broken (SPEC §13): a license pack (a product with
    /// `licenses > 1`) should be cheaper per license than a single license
    /// (`licenses == 1`), every plan cheaper per license than every one-time
    /// license product, and every yearly plan (price / (12 × licenses per
    /// month)) cheaper per license than every monthly one (price / licenses
    /// per month). Credits a product or plan also grants are not priced in.
    /// Comparisons are exact (integer cross-multiplication).
    #[must_use]
    pub fn ordering_warnings(&self) -> Vec<String> {
        let all = self.offers();
        let pick = |include: fn(&Offer) -> bool| -> Vec<&Offer> { all.iter().filter(|offer| include(offer)).collect() };
        let singles = pick(|o| o.kind == OfferKind::Product && o.licenses == 1);
        let packs = pick(|o| o.kind == OfferKind::Product && o.licenses > 1);
        let products = pick(|o| o.kind == OfferKind::Product);
        let plans = pick(|o| o.kind != OfferKind::Product);
        let monthly = pick(|o| o.kind == OfferKind::MonthlyPlan);
        let yearly = pick(|o| o.kind == OfferKind::YearlyPlan);

        let mut warnings = Vec::new();
        let mut require_cheaper = |cheaper: &[&Offer], dearer: &[&Offer], rule: &str| {
            for c in cheaper {
                for d in dearer {
                    if c.cheaper_per_license_than(d) == Some(false) {
                        warnings.push(format!(
                            "{} costs {} per license, not less than {} at {} per license; {rule}",
                            c.name(),
                            c.per_license(&self.currency),
                            d.name(),
                            d.per_license(&self.currency),
                        ));
                    }
                }
            }
        };
        require_cheaper(
            &packs,
            &singles,
            "a license pack should be cheaper per license than a single license",
        );
        require_cheaper(
            &plans,
            &products,
            "a subscription should be cheaper per license than any one-time license purchase",
        );
        require_cheaper(
            &yearly,
            &monthly,
            "a yearly plan should be cheaper per license than a monthly one",
        );
        warnings
    }

    /// Every product and plan that grants licenses, with its price per
    /// license as a fraction.
    fn offers(&self) -> Vec<Offer<'_>> {
        let products = self.products.iter().map(|(id, product)| Offer {
            id,
            kind: OfferKind::Product,
            price: product.price_cents,
            licenses: u128::from(product.licenses),
        });
        let plans = self.plans.iter().map(|(id, plan)| Offer {
            id,
            kind: match plan.interval {
                Interval::Month => OfferKind::MonthlyPlan,
                Interval::Year => OfferKind::YearlyPlan,
            },
            price: plan.price_cents,
            licenses: u128::from(plan.licenses_per_month) * u128::from(plan.interval.months()),
        });
        products.chain(plans).filter(|offer| offer.licenses > 0).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OfferKind {
    Product,
    MonthlyPlan,
    YearlyPlan,
}

/// A price for a number of licenses (per purchase, or per paid period).
struct Offer<'a> {
    id: &'a str,
    kind: OfferKind,
    price: i64,
    licenses: u128,
}

impl Offer<'_> {
    fn name(&self) -> String {
        match self.kind {
            OfferKind::Product => format!("products.{}", self.id),
            OfferKind::MonthlyPlan => format!("plans.{} (monthly)", self.id),
            OfferKind::YearlyPlan => format!("plans.{} (yearly)", self.id),
        }
    }

    /// `self.price / self.licenses < other.price / other.licenses`, exactly;
    /// `None` if the numbers are too large to compare.
    fn cheaper_per_license_than(&self, other: &Offer) -> Option<bool> {
        let left = i128::from(self.price).checked_mul(i128::try_from(other.licenses).ok()?)?;
        let right = i128::from(other.price).checked_mul(i128::try_from(self.licenses).ok()?)?;
        Some(left < right)
    }

    /// The price per license, rounded to a minor unit ("about" if rounded).
    fn per_license(&self, currency: &str) -> String {
        let (price, licenses) = (i128::from(self.price), self.licenses.max(1));
        let Ok(licenses) = i128::try_from(licenses) else {
            return "almost nothing".to_string();
        };
        let rounded = (2 * price + licenses).div_euclid(2 * licenses);
        let exact = price.rem_euclid(licenses) == 0;
        let money = format_money(i64::try_from(rounded).unwrap_or(i64::MAX), currency);
        if exact { money } else { format!("about {money}") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::BUILTIN_TEXT;

    fn builtin_with(from: &str, to: &str) -> Pricing {
        assert!(BUILTIN_TEXT.contains(from), "built-in text lacks {from:?}");
        let text = BUILTIN_TEXT.replacen(from, to, 1);
        match Pricing::parse(&text, "edited.toml") {
            Ok(pricing) => pricing,
            Err(error) => panic!("edited built-in file should parse: {error}"),
        }
    }

    #[test]
    fn builtin_file_has_no_ordering_warnings() {
        assert_eq!(
            Pricing::builtin()
                .expect("the built-in pricing is valid")
                .ordering_warnings(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn yearly_dearer_than_monthly_warns_naming_both() {
        // 70000 / (12 × 5) = 1166.67 per license, above the monthly 1100.
        let pricing = builtin_with("price_cents = 54000", "price_cents = 70000");
        let warnings = pricing.ordering_warnings();
        let warning = warnings
            .iter()
            .find(|w| w.contains("licenses-5-yearly") && w.contains("licenses-5-monthly"))
            .unwrap_or_else(|| panic!("no yearly/monthly warning in {warnings:?}"));
        assert_eq!(
            warning,
            "plans.licenses-5-yearly (yearly) costs about $11.67 per license, not less than \
             plans.licenses-5-monthly (monthly) at $11.00 per license; \
             a yearly plan should be cheaper per license than a monthly one"
        );
        assert!(warning.contains("yearly plan should be cheaper"), "{warning}");
        // Also dearer than the 20-license monthly plan at $10.00.
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn pack_not_cheaper_than_single_license_warns() {
        // 15000 / 10 = $15.00: equal is not cheaper.
        let pricing = builtin_with("price_cents = 12000", "price_cents = 15000");
        let warnings = pricing.ordering_warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("products.licenses-10 costs $15.00"));
        assert!(warnings[0].contains("products.license at $15.00"));
        assert!(warnings[0].contains("license pack should be cheaper"));
    }

    #[test]
    fn plan_dearer_than_one_time_license_warns() {
        // 6500 / 5 = $13.00, above the pack's $12.00.
        let pricing = builtin_with("price_cents = 5500", "price_cents = 6500");
        let warnings = pricing.ordering_warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("plans.licenses-5-monthly (monthly) costs $13.00"));
        assert!(warnings[0].contains("products.licenses-10 at $12.00"));
        assert!(warnings[0].contains("subscription should be cheaper"));
    }

    #[test]
    fn ordering_is_compared_exactly() {
        // 59999 / 60 is just below 1000 (the 20-license monthly price per
        // license) and 60001 / 60 just above; rounding would hide both.
        let below = builtin_with("price_cents = 54000", "price_cents = 59999");
        assert!(
            !below
                .ordering_warnings()
                .iter()
                .any(|w| w.contains("licenses-20-monthly")),
        );
        let above = builtin_with("price_cents = 54000", "price_cents = 60001");
        let warnings = above.ordering_warnings();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("licenses-5-yearly") && w.contains("licenses-20-monthly")),
            "{warnings:?}"
        );
    }
}
