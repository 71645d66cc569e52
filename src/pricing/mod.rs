//! The pricing file (SPEC §13): what things cost, what products and plans
//! grant, and the policy values that govern grants, expiry and rollover.
//!
//! [`Pricing`] is the validated file; its parts are [`Policy`], [`Actions`]
//! (with [`GenerateCosts`] and [`EditCosts`]), [`Product`]s and [`Plan`]s.
//! Amounts are whole numbers: credits and licenses `u64`, prices `i64` minor
//! units of [`Pricing::currency`] (written with [`crate::money::format_money`]).
//!
//! This file holds the types, the limits the file must keep to, and
//! [`PricingError`]. The rest, one concern per file:
//!
//! - `load.rs`: where the effective pricing comes from (`--pricing`,
//!   `$WALLET_PRICING`, the config dir, else the built-in copy
//!   [`BUILTIN_TEXT`], where every default value lives and nowhere in code)
//!   and reading a file through a size bound: [`Pricing::effective`],
//!   [`Pricing::load_file`], [`Pricing::builtin`].
//! - `check.rs`: [`Pricing::parse`], the checker that validates the text and
//!   reports the first problem with its line and column.
//! - `ordering.rs`: [`Pricing::ordering_warnings`], the softer price-ordering
//!   problems that `pricing check` warns about.

mod check;
mod load;
mod ordering;

pub use load::{BUILTIN_ORIGIN, BUILTIN_TEXT};

use std::collections::BTreeMap;
use std::fmt;

/// Largest accepted amount (credits, licenses, costs) or price, so that
/// multiplying it by a quantity or by 12 months stays far inside `i64`.
pub const MAX_AMOUNT: u64 = 1_000_000_000_000;
/// Largest accepted month count in `[policy]` (100 years).
pub const MAX_MONTHS: u32 = 1200;
/// Longest accepted product or plan id.
pub const MAX_ID_LEN: usize = 64;
/// The edit operations of SPEC §6, as written in `[actions.edit]` and on the
/// command line.
pub const EDIT_OPERATIONS: [&str; 7] = [
    "instruct",
    "replace",
    "recreate",
    "erase",
    "upscale",
    "remove-background",
    "vectorize",
];

/// The word that makes one-time lots last until spent.
pub const NEVER: &str = "never";
/// The word that lifts a rollover cap.
pub const UNLIMITED: &str = "unlimited";

/// A validated pricing file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pricing {
    /// File path or [`BUILTIN_ORIGIN`], for messages.
    pub origin: String,
    /// ISO 4217 code of every price, e.g. `"USD"`: 3 uppercase ASCII letters.
    pub currency: String,
    pub policy: Policy,
    pub actions: Actions,
    /// `[products.ID]`, by id.
    pub products: BTreeMap<String, Product>,
    /// `[plans.ID]`, by id.
    pub plans: BTreeMap<String, Plan>,
}

/// `[policy]`: the values that govern grants, expiry and rollover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Credits granted when an account is added (SPEC §10).
    pub signup_credits: u64,
    /// Credits granted with each license bought or delivered (SPEC §4, §5).
    pub license_bonus_credits: u64,
    /// Months until one-time lots expire (SPEC §3); `None` for `"never"`.
    pub one_time_expiry_months: Option<u32>,
    /// Months until a lot granted by support (`grant`) expires, unless the
    /// grant says otherwise; `None` for `"never"`. Optional, 12 when absent.
    pub adjustment_expiry_months: Option<u32>,
    /// Months of allocation a subscription may carry into a delivery
    /// (SPEC §5); `None` for `"unlimited"`.
    pub rollover_cap_months: Option<u32>,
    /// Whether an account's first successful training is free (SPEC §6).
    pub first_private_style_free: bool,
    /// Credits that pay for a license when the account has no usable
    /// license; `None` (absent) when licenses can only be paid in licenses.
    pub license_price_credits: Option<u64>,
}

/// `[actions]`: credit costs of spending commands (SPEC §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actions {
    pub train_style: u64,
    pub generate: GenerateCosts,
    pub edit: EditCosts,
}

/// `[actions.generate]`: credits per image, by style kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateCosts {
    pub base: u64,
    pub agentic: u64,
    pub private: u64,
    pub artist: u64,
}

/// `[actions.edit]`: credits per edit operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditCosts {
    pub instruct: u64,
    pub replace: u64,
    pub recreate: u64,
    pub erase: u64,
    pub upscale: u64,
    /// TOML key `remove-background`.
    pub remove_background: u64,
    pub vectorize: u64,
}

/// `[products.ID]`: a one-time purchase (SPEC §4). Grants at least one of
/// credits and licenses; an absent key is 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub credits: u64,
    pub licenses: u64,
    /// Price of one unit, minor units of [`Pricing::currency`].
    pub price_cents: i64,
    /// Only an account with a running subscription may buy it (an add-on).
    pub requires_subscription: bool,
}

/// A plan's billing period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Month,
    Year,
}

impl Interval {
    /// Length of the billing period in calendar months.
    #[must_use]
    pub fn months(self) -> u32 {
        match self {
            Interval::Month => 1,
            Interval::Year => 12,
        }
    }

    /// The word used in pricing.toml and in output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Month => "month",
            Interval::Year => "year",
        }
    }
}

/// `[plans.ID]`: a subscription plan (SPEC §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub interval: Interval,
    /// May be 0 for a plan that grants credits only.
    pub licenses_per_month: u64,
    /// Extra credits per monthly delivery; 0 when absent from the file.
    pub credits_per_month: u64,
    /// Charged per interval, minor units of [`Pricing::currency`].
    pub price_cents: i64,
    /// The plan's own rollover cap, else the policy's (resolved when the
    /// file is read); `None` for `"unlimited"`.
    pub rollover_cap_months: Option<u32>,
}

/// Why a pricing file could not be used: where (1-based line and column, in
/// characters) and what is expected there. `line` and `column` are 0 when the
/// problem is not at a position in the text (the file could not be read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PricingError {
    pub origin: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for PricingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The message may quote the file's text: escaped for the terminal.
        let message = crate::shown::shown_lines(&self.message);
        if self.line == 0 {
            write!(f, "{}: {message}", self.origin)
        } else {
            write!(f, "{}:{}:{}: {message}", self.origin, self.line, self.column)
        }
    }
}

impl PricingError {
    /// An error at byte offset `at` of `text`.
    fn at(origin: &str, text: &str, at: usize, message: String) -> PricingError {
        let (line, column) = line_column(text, at);
        PricingError {
            origin: origin.to_string(),
            line,
            column,
            message,
        }
    }
}

/// 1-based line and column (in characters) of byte offset `at`. An offset
/// inside a character counts as that character; past the end, the end.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let (mut line, mut column) = (1, 1);
    for (offset, character) in text.char_indices() {
        if offset >= at {
            break;
        }
        if character == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    // `at` inside a multi-byte character: point at that character.
    if text.get(..at.min(text.len())).is_none() {
        column -= 1;
    }
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small valid file whose line numbers the checker's and loader's tests rely on.
    pub(super) const VALID: &str = r#"currency = "USD"

[policy]
signup_credits = 10
license_bonus_credits = 100
one_time_expiry_months = 12
rollover_cap_months = 1
first_private_style_free = true

[actions]
train_style = 300

[actions.generate]
base = 1
agentic = 1
private = 1
artist = 1

[actions.edit]
instruct = 2
replace = 2
recreate = 2
erase = 1
upscale = 4
remove-background = 2
vectorize = 5

[products.credits-500]
credits = 500
price_cents = 1000

[products.license]
licenses = 1
price_cents = 1500

[plans.licenses-5-monthly]
interval = "month"
licenses_per_month = 5
price_cents = 5500
"#;

    /// `VALID` with `from` (which must occur) replaced by `to`.
    pub(super) fn valid_with(from: &str, to: &str) -> String {
        assert!(VALID.contains(from), "test text lacks {from:?}");
        VALID.replacen(from, to, 1)
    }

    #[test]
    fn error_display_with_and_without_position() {
        let error = PricingError {
            origin: "p.toml".to_string(),
            line: 3,
            column: 7,
            message: "bad".to_string(),
        };
        assert_eq!(error.to_string(), "p.toml:3:7: bad");
        let error = PricingError {
            line: 0,
            column: 0,
            ..error
        };
        assert_eq!(error.to_string(), "p.toml: bad");
    }

    #[test]
    fn line_column_counts_characters_not_bytes() {
        assert_eq!(line_column("é\nxéy", 6), (2, 3));
        // An offset inside a character points at that character.
        assert_eq!(line_column("aéb", 2), (1, 2));
        assert_eq!(line_column("ab", 99), (1, 3));
    }

    #[test]
    fn interval_months_and_words() {
        assert_eq!(Interval::Month.months(), 1);
        assert_eq!(Interval::Year.months(), 12);
        assert_eq!(Interval::Month.as_str(), "month");
        assert_eq!(Interval::Year.as_str(), "year");
    }
}
