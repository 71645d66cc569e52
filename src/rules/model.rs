//! The domain's nouns: assets, lot sources, lots, subscriptions, images and
//! the reasons a ledger entry can carry. Plain data, no behaviour beyond
//! naming and the few derived facts SPEC defines (usable, next delivery …).

use crate::rules::clock::{Instant, nth_month};
use crate::shown::shown;

use super::totals::Totals;

/// What a lot holds. Both are whole numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Asset {
    Credits,
    Licenses,
}

impl Asset {
    pub const ALL: [Asset; 2] = [Asset::Credits, Asset::Licenses];

    pub fn as_str(self) -> &'static str {
        match self {
            Asset::Credits => "credits",
            Asset::Licenses => "licenses",
        }
    }

    pub fn parse(text: &str) -> Option<Asset> {
        Asset::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// "1 credit", "3 licenses".
    pub fn count(self, n: u64) -> String {
        format!("{n} {}", self.noun(n))
    }

    /// The noun for `n` of the asset: "credit" for 1, else "credits".
    pub fn noun(self, n: u64) -> &'static str {
        match (self, n) {
            (Asset::Credits, 1) => "credit",
            (Asset::Licenses, 1) => "license",
            _ => self.as_str(),
        }
    }
}

/// Where a lot came from (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Signup,
    CreditPack,
    LicensePack,
    LicenseBonus,
    Subscription,
    /// Granted by support (`grant`): goodwill or compensation.
    Adjustment,
}

impl Source {
    pub const ALL: [Source; 6] = [
        Source::Signup,
        Source::CreditPack,
        Source::LicensePack,
        Source::LicenseBonus,
        Source::Subscription,
        Source::Adjustment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Signup => "signup",
            Source::CreditPack => "credit_pack",
            Source::LicensePack => "license_pack",
            Source::LicenseBonus => "license_bonus",
            Source::Subscription => "subscription",
            Source::Adjustment => "adjustment",
        }
    }

    pub fn parse(text: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Why a ledger entry exists: grants are positive, everything else negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    Signup,
    Purchase,
    LicenseBonus,
    Delivery,
    Expired,
    RolloverExpired,
    Forfeited,
    Generate,
    Edit,
    Train,
    License,
    /// A correction by support: a `grant` (positive) or a `debit` (negative).
    Adjustment,
    /// What a voided purchase or grant still held, taken back by `void`.
    Voided,
}

impl Reason {
    pub const ALL: [Reason; 13] = [
        Reason::Signup,
        Reason::Purchase,
        Reason::LicenseBonus,
        Reason::Delivery,
        Reason::Expired,
        Reason::RolloverExpired,
        Reason::Forfeited,
        Reason::Generate,
        Reason::Edit,
        Reason::Train,
        Reason::License,
        Reason::Adjustment,
        Reason::Voided,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Signup => "signup",
            Reason::Purchase => "purchase",
            Reason::LicenseBonus => "license_bonus",
            Reason::Delivery => "delivery",
            Reason::Expired => "expired",
            Reason::RolloverExpired => "rollover_expired",
            Reason::Forfeited => "forfeited",
            Reason::Generate => "generate",
            Reason::Edit => "edit",
            Reason::Train => "train",
            Reason::License => "license",
            Reason::Adjustment => "adjustment",
            Reason::Voided => "voided",
        }
    }

    pub fn parse(text: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// One grant of one asset to one account (SPEC §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    pub id: i64,
    pub asset: Asset,
    pub source: Source,
    pub granted: u64,
    pub remaining: u64,
    pub granted_at: Instant,
    pub expires_at: Instant,
    pub subscription_id: Option<i64>,
}

impl Lot {
    /// SPEC §2: a lot is usable while `clock < expires_at`.
    pub fn usable_at(&self, now: Instant) -> bool {
        self.remaining > 0 && now < self.expires_at
    }
}

/// The terms copied from the plan and the policy when a subscription starts
/// (SPEC §5): later edits of pricing.toml do not reach a running subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub interval_months: u32,
    pub licenses_per_month: u64,
    pub credits_per_month: u64,
    pub license_bonus_credits: u64,
    /// `None` means no cap: everything rolls over.
    pub rollover_cap_months: Option<u32>,
    pub price_cents: i64,
    pub currency: String,
}

impl Terms {
    /// The monthly allocation; `None` on overflow.
    pub fn allocation(&self) -> Option<Totals> {
        let credits = self
            .licenses_per_month
            .checked_mul(self.license_bonus_credits)?
            .checked_add(self.credits_per_month)?;
        Some(Totals {
            credits,
            licenses: self.licenses_per_month,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    Active,
    Cancelling,
    Ended,
}

impl SubscriptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Cancelling => "cancelling",
            SubscriptionStatus::Ended => "ended",
        }
    }

    pub fn parse(text: &str) -> Option<SubscriptionStatus> {
        [Self::Active, Self::Cancelling, Self::Ended]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A subscription's schedule is derived from its anchor and two counters, so
/// the k-th delivery is always `anchor + k months` (SPEC §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub plan: String,
    pub terms: Terms,
    pub anchor: Instant,
    /// Deliveries made so far; the next one is `anchor + deliveries months`.
    pub deliveries: u32,
    /// Billing periods begun so far; the current one ends at
    /// `anchor + periods × interval months`.
    pub periods: u32,
    pub status: SubscriptionStatus,
    pub ended_at: Option<Instant>,
}

impl Subscription {
    pub fn is_running(&self) -> bool {
        self.status != SubscriptionStatus::Ended
    }

    pub fn next_delivery(&self) -> Option<Instant> {
        if self.is_running() {
            nth_month(self.anchor, self.deliveries)
        } else {
            None
        }
    }

    /// The subscription as it stood at `at` (not before its anchor), from its
    /// final state and whether it was cancelling then: its counters are the
    /// series instants passed by `at`.
    #[must_use]
    pub fn as_of(&self, at: Instant, cancelling: bool) -> Subscription {
        if self.ended_at.is_some_and(|e| e <= at) {
            return self.clone();
        }
        // The series ends: `nth_month` is `None` past the calendar's last instant.
        #[allow(clippy::maybe_infinite_iter)]
        let passed = |step: u32| {
            let n = (0u32..)
                .take_while(|k| {
                    k.checked_mul(step)
                        .and_then(|m| nth_month(self.anchor, m))
                        .is_some_and(|t| t <= at)
                })
                .count();
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        Subscription {
            deliveries: passed(1),
            periods: passed(self.terms.interval_months),
            status: if cancelling {
                SubscriptionStatus::Cancelling
            } else {
                SubscriptionStatus::Active
            },
            ended_at: None,
            ..self.clone()
        }
    }

    /// SPEC §3: a subscription lot expires at the subscription's next
    /// delivery after `at` (every period end is one of them).
    pub fn lot_expiry_after(&self, at: Instant) -> Option<Instant> {
        (1u32..).map_while(|k| nth_month(self.anchor, k)).find(|t| *t > at)
    }

    /// The next delivery that will really happen: a subscription that ends
    /// at its period end makes none there (SPEC §5).
    pub fn upcoming_delivery(&self) -> Option<Instant> {
        let next = self.next_delivery()?;
        (!self.ends_at_period_end() || Some(next) < self.period_end()).then_some(next)
    }

    /// The end of the period after the current one; `None` when it would
    /// fall past the end of the calendar.
    pub fn next_period_end(&self) -> Option<Instant> {
        let months = self.periods.checked_add(1)?.checked_mul(self.terms.interval_months)?;
        nth_month(self.anchor, months)
    }

    /// True when the current period is the calendar's last whole one: no
    /// further period can be sold, so the subscription ends at its period end.
    pub fn last_period_of_the_calendar(&self) -> bool {
        self.next_period_end().is_none()
    }

    /// True when the subscription ends at its period end instead of renewing:
    /// it is cancelling, or no further period fits in the calendar.
    pub fn ends_at_period_end(&self) -> bool {
        self.status == SubscriptionStatus::Cancelling || self.last_period_of_the_calendar()
    }

    pub fn period_start(&self) -> Option<Instant> {
        let months = self.periods.checked_sub(1)?.checked_mul(self.terms.interval_months)?;
        nth_month(self.anchor, months)
    }

    pub fn period_end(&self) -> Option<Instant> {
        nth_month(self.anchor, self.periods.checked_mul(self.terms.interval_months)?)
    }

    /// The next instant at which the clock must act on this subscription.
    /// Every period end is also a delivery instant of the series, so the next
    /// delivery never lies beyond the period end.
    pub fn next_event(&self) -> Option<Instant> {
        if !self.is_running() {
            return None;
        }
        match (self.next_delivery(), self.period_end()) {
            (Some(d), Some(p)) => Some(d.min(p)),
            (d, p) => d.or(p),
        }
    }
}

/// The style an image was made with (SPEC §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Style {
    Base,
    Agentic,
    Private(String),
    Artist(String),
}

/// Why a `--style` value is not a style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadStyle {
    /// Not of the form `base`, `agentic`, `private:NAME`, `artist:NAME`: a
    /// usage error, like any malformed flag value.
    Form(String),
    /// A name that breaks the naming rule: refused by the rule, exactly as
    /// `train` refuses it (and as `account add` refuses an invalid handle).
    Name(String),
}

impl Style {
    /// `base`, `agentic`, `private:NAME`, `artist:NAME`.
    pub fn parse(text: &str) -> Result<Style, BadStyle> {
        let hint = "use base, agentic, private:NAME or artist:NAME";
        let name = |name| valid_style_name(name).map_err(BadStyle::Name);
        match text.split_once(':') {
            None if text == "base" => Ok(Style::Base),
            None if text == "agentic" => Ok(Style::Agentic),
            Some(("private", n)) => name(n).map(|n| Style::Private(n.into())),
            Some(("artist", n)) => name(n).map(|n| Style::Artist(n.into())),
            _ => Err(BadStyle::Form(format!("'{}' is not a style: {hint}", shown(text)))),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Style::Base => "base",
            Style::Agentic => "agentic",
            Style::Private(_) => "private",
            Style::Artist(_) => "artist",
        }
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            Style::Private(n) | Style::Artist(n) => Some(n),
            Style::Base | Style::Agentic => None,
        }
    }

    pub fn from_parts(kind: &str, name: Option<&str>) -> Option<Style> {
        match (kind, name) {
            ("base", None) => Some(Style::Base),
            ("agentic", None) => Some(Style::Agentic),
            ("private", Some(n)) => Some(Style::Private(n.to_owned())),
            ("artist", Some(n)) => Some(Style::Artist(n.to_owned())),
            _ => None,
        }
    }

    /// SPEC §7: private and artist styles need a license for commercial use.
    pub fn requires_license(&self) -> bool {
        matches!(self, Style::Private(_) | Style::Artist(_))
    }
}

impl std::fmt::Display for Style {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{}:{name}", self.kind()),
            None => f.write_str(self.kind()),
        }
    }
}

/// Style names follow the handle alphabet (SPEC §1) so they are safe to show
/// and to complete in a shell.
pub fn valid_style_name(name: &str) -> Result<&str, String> {
    if is_valid_handle(name) {
        Ok(name)
    } else {
        Err(format!(
            "'{}' is not a valid style name: use 1 to 64 of A-Z a-z 0-9 . _ @ -, starting with a letter or digit",
            shown(name)
        ))
    }
}

/// SPEC §1: `[A-Za-z0-9][A-Za-z0-9._@-]{0,63}`.
pub fn is_valid_handle(handle: &str) -> bool {
    let mut chars = handle.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    handle.len() <= 64
        && first.is_ascii_alphanumeric()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))
}

/// An edit operation (SPEC §6); the names are the pricing.toml keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditOp {
    Instruct,
    Replace,
    Recreate,
    Erase,
    Upscale,
    RemoveBackground,
    Vectorize,
}

impl EditOp {
    pub const ALL: [EditOp; 7] = [
        EditOp::Instruct,
        EditOp::Replace,
        EditOp::Recreate,
        EditOp::Erase,
        EditOp::Upscale,
        EditOp::RemoveBackground,
        EditOp::Vectorize,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EditOp::Instruct => "instruct",
            EditOp::Replace => "replace",
            EditOp::Recreate => "recreate",
            EditOp::Erase => "erase",
            EditOp::Upscale => "upscale",
            EditOp::RemoveBackground => "remove-background",
            EditOp::Vectorize => "vectorize",
        }
    }

    pub fn parse(text: &str) -> Option<EditOp> {
        EditOp::ALL.into_iter().find(|o| o.as_str() == text)
    }

    /// SPEC §7: these need a licensed image when the image requires a license.
    pub fn needs_license(self) -> bool {
        matches!(self, EditOp::Upscale | EditOp::RemoveBackground | EditOp::Vectorize)
    }
}

/// One image, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub number: i64,
    pub style: Style,
    pub created_at: Instant,
    pub licensed: bool,
}

/// `img-7` ⇄ 7.
pub fn image_id(number: i64) -> String {
    ImageId(number).to_string()
}

/// An image's id as text (`img-N`), written without building a `String`.
pub struct ImageId(pub i64);

impl std::fmt::Display for ImageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "img-{}", self.0)
    }
}

pub fn parse_image_id(text: &str) -> Option<i64> {
    text.strip_prefix("img-")
        .filter(|n| !n.starts_with('0') && n.chars().all(|c| c.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_follow_the_spec_alphabet() {
        for ok in ["alice", "a", "Bob.Smith_1@example-co", &"x".repeat(64)] {
            assert!(is_valid_handle(ok), "{ok}");
        }
        for bad in ["", ".alice", "-a", "al ice", "al/ice", "ålice", &"x".repeat(65), "a'b"] {
            assert!(!is_valid_handle(bad), "{bad}");
        }
    }

    #[test]
    fn styles_parse_and_know_their_rights() {
        assert_eq!(Style::parse("base"), Ok(Style::Base));
        assert_eq!(Style::parse("private:mine"), Ok(Style::Private("mine".into())));
        assert_eq!(
            Style::parse("artist:monet").map(|s| s.to_string()),
            Ok("artist:monet".into())
        );
        assert!(Style::parse("private:").is_err());
        assert!(Style::parse("base:x").is_err());
        assert!(Style::parse("other").is_err());
        assert!(Style::parse("artist:mo net").is_err());
        assert!(!Style::Base.requires_license());
        assert!(!Style::Agentic.requires_license());
        assert!(Style::Artist("m".into()).requires_license());
        assert!(Style::Private("m".into()).requires_license());
    }

    #[test]
    fn edit_operations_are_the_pricing_files_keys_in_the_same_order() {
        assert_eq!(EditOp::ALL.map(EditOp::as_str), crate::pricing::EDIT_OPERATIONS);
        assert!(EditOp::ALL.iter().all(|op| EditOp::parse(op.as_str()) == Some(*op)));
    }

    #[test]
    fn image_ids_round_trip() {
        assert_eq!(parse_image_id("img-7"), Some(7));
        assert_eq!(image_id(7), "img-7");
        for bad in ["img-", "img-07", "7", "img-x", "img--1", "img-99999999999999999999"] {
            assert_eq!(parse_image_id(bad), None, "{bad}");
        }
    }
}
