//! The pricing file (SPEC §13): what things cost, what products and plans
//! grant, and the policy values that govern grants, expiry and rollover.
//!
//! [`Pricing`] is the validated file; its parts are [`Policy`], [`Actions`]
//! (with [`GenerateCosts`] and [`EditCosts`]), [`Product`]s and [`Plan`]s.
//! [`Pricing::parse`] checks everything SPEC §13 requires and reports the
//! first problem in the file as a [`PricingError`] with its line and column;
//! [`Pricing::ordering_warnings`] lists the softer price-ordering problems that
//! `pricing check` warns about. The default file is compiled in
//! ([`BUILTIN_TEXT`]); every default value lives there and nowhere in code.
//!
//! Amounts are whole numbers: credits and licenses `u64`, prices `i64` minor
//! units of [`Pricing::currency`] (see [`crate::money::format_money`]).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::money::format_money;

/// The default pricing file, compiled into the binary.
pub const BUILTIN_TEXT: &str = include_str!("../pricing.toml");
/// How messages name [`BUILTIN_TEXT`].
pub const BUILTIN_ORIGIN: &str = "built-in pricing.toml";

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

const TOP_KEYS: [&str; 5] = ["currency", "policy", "actions", "products", "plans"];
const POLICY_KEYS: [&str; 6] = [
    "signup_credits",
    "license_bonus_credits",
    "one_time_expiry_months",
    "rollover_cap_months",
    "first_private_style_free",
    "license_price_credits",
];
const ACTION_KEYS: [&str; 3] = ["train_style", "generate", "edit"];
const GENERATE_KEYS: [&str; 4] = ["base", "agentic", "private", "artist"];
const PRODUCT_KEYS: [&str; 4] = ["credits", "licenses", "price_cents", "requires_subscription"];
const PLAN_KEYS: [&str; 5] = [
    "interval",
    "licenses_per_month",
    "credits_per_month",
    "price_cents",
    "rollover_cap_months",
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

/// The largest pricing file read: a catalogue is a few KiB of TOML.
const LARGEST_FILE: u64 = 1024 * 1024;

impl Pricing {
    /// Parses and validates pricing text; `origin` names it in errors.
    ///
    /// # Errors
    ///
    /// The first problem in the text (see [`PricingError`]): invalid TOML, an
    /// unknown or missing key, a value that is not what SPEC §13 expects.
    pub fn parse(text: &str, origin: &str) -> Result<Pricing, PricingError> {
        let document = DeTable::parse(text).map_err(|error| {
            let at = error.span().map_or(0, |span| span.start);
            let message = format!("invalid TOML: {}", one_line(error.message()));
            PricingError::at(origin, text, at, message)
        })?;
        let mut checker = Checker {
            text,
            problems: Vec::new(),
        };
        let pricing = checker.pricing(document.get_ref(), origin);
        // Report one problem, independent of the order the checks ran in: an
        // unknown key first (a misspelt key also makes the intended key
        // missing, and the spelling is what needs fixing), else the problem
        // that comes first in the file.
        let first = checker
            .problems
            .into_iter()
            .min_by_key(|problem| (!problem.unknown_key, problem.at));
        match (first, pricing) {
            (None, Some(pricing)) => Ok(pricing),
            (Some(problem), _) => Err(PricingError::at(origin, text, problem.at, problem.message)),
            (None, None) => Err(PricingError::at(origin, text, 0, "invalid pricing file".to_string())),
        }
    }

    /// Reads and parses a pricing file; errors name the path as given.
    ///
    /// # Errors
    ///
    /// The file cannot be read or is not UTF-8 (line and column 0 when there
    /// is no position), or [`Pricing::parse`] rejects it.
    pub fn load_file(path: &Path) -> Result<Pricing, PricingError> {
        use std::io::Read as _;
        // The path names the file in every message, `pricing show` and refusals.
        let origin = crate::shown::shown_path(path);
        let failed = |message: String| PricingError {
            origin: origin.clone(),
            line: 0,
            column: 0,
            message,
        };
        // Read through a bound, not by the size the file claims: it may be a
        // device or a pipe (`/dev/zero`) that never ends.
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|file| file.take(LARGEST_FILE + 1).read_to_end(&mut bytes))
            .map_err(|error| failed(format!("cannot read the pricing file: {error}")))?;
        if bytes.len() as u64 > LARGEST_FILE {
            return Err(failed(format!(
                "the file is larger than {} MiB, so it is not a pricing file (the shipped one is a few KiB); \
                 check the path given with --pricing or $WALLET_PRICING",
                LARGEST_FILE >> 20
            )));
        }
        let text = std::str::from_utf8(&bytes).map_err(|error| {
            // Everything before the bad byte is valid text, so it can be used
            // to find the line and column.
            let valid = bytes.get(..error.valid_up_to()).unwrap_or_default();
            let before = String::from_utf8_lossy(valid);
            let message = "the file is not valid UTF-8 text; save it as UTF-8".to_string();
            PricingError::at(&origin, &before, before.len(), message)
        })?;
        Pricing::parse(text, &origin)
    }

    /// The compiled-in default pricing ([`BUILTIN_TEXT`]); the
    /// `builtin_file_has_spec_values` test keeps it valid.
    pub fn builtin() -> Result<Pricing, PricingError> {
        Pricing::parse(BUILTIN_TEXT, BUILTIN_ORIGIN)
    }

    /// The effective pricing (SPEC §10): `explicit` (from `--pricing` or
    /// `$WALLET_PRICING`), else `pricing.toml` in the platform config dir if
    /// it exists, else the built-in copy.
    pub fn effective(explicit: Option<&Path>) -> Result<Pricing, PricingError> {
        match explicit {
            Some(path) => Pricing::load_file(path),
            None => match crate::paths::config_pricing().filter(|p| p.exists()) {
                Some(path) => Pricing::load_file(&path),
                None => Pricing::builtin(),
            },
        }
    }

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

/// Collapses a multi-line message into one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Quotes the source text of a value for "found …", shortened if long.
fn found(text: &str, value: &Spanned<DeValue>) -> String {
    match value.get_ref() {
        DeValue::Table(_) => "a table".to_string(),
        DeValue::Array(_) => "an array".to_string(),
        _ => {
            let source = text.get(value.span()).unwrap_or_default();
            let source = one_line(source);
            if source.chars().count() > 40 {
                format!("{}…", source.chars().take(40).collect::<String>())
            } else {
                source
            }
        }
    }
}

/// One problem in the file, at a byte offset.
struct Problem {
    at: usize,
    message: String,
    unknown_key: bool,
}

/// A table of the file: where it starts (its header) and its dotted path.
struct Section<'a, 'i> {
    table: &'a DeTable<'i>,
    at: usize,
    path: String,
}

impl<'a, 'i> Section<'a, 'i> {
    fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// How messages name this table.
    fn name(&self) -> String {
        if self.path.is_empty() {
            "the file".to_string()
        } else {
            format!("[{}]", self.path)
        }
    }

    fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.table.get(key)
    }
}

/// Walks the parsed document and records every problem it finds. Each reader
/// returns `None` exactly when it recorded a problem.
struct Checker<'t> {
    text: &'t str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn problem(&mut self, at: usize, message: String) {
        self.problems.push(Problem {
            at,
            message,
            unknown_key: false,
        });
    }

    fn pricing(&mut self, document: &DeTable, origin: &str) -> Option<Pricing> {
        let root = Section {
            table: document,
            at: 0,
            path: String::new(),
        };
        self.unknown_keys(&root, &TOP_KEYS);
        let currency = self.currency(&root);
        let money = match &currency {
            Some(code) => format!("minor units of {code}"),
            None => "minor units of the currency".to_string(),
        };
        let policy = self.policy(&root);
        let actions = self.actions(&root);
        let bonus = policy.as_ref().map_or(0, |p| p.license_bonus_credits);
        let products = self.products(&root, &money, bonus);
        let policy_cap = policy.as_ref().and_then(|p| p.rollover_cap_months);
        let plans = self.plans(&root, &money, policy_cap, bonus);
        Some(Pricing {
            origin: origin.to_string(),
            currency: currency?,
            policy: policy?,
            actions: actions?,
            products: products?,
            plans: plans?,
        })
    }

    fn currency(&mut self, root: &Section) -> Option<String> {
        const EXPECTED: &str = "3 capital letters (an ISO 4217 code such as \"USD\")";
        let value = self.required(root, "currency", EXPECTED)?;
        match value.get_ref() {
            DeValue::String(code) if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) => {
                Some(code.to_string())
            }
            _ => {
                let message = format!("currency must be {EXPECTED}, found {}", found(self.text, value));
                self.problem(value.span().start, message);
                None
            }
        }
    }

    fn policy(&mut self, root: &Section) -> Option<Policy> {
        let section = self.required_table(root, "policy", &POLICY_KEYS)?;
        let signup_credits = self.required_amount(&section, "signup_credits", "credits");
        let license_bonus_credits =
            self.required_amount(&section, "license_bonus_credits", "credits granted with each license");
        let one_time_expiry_months = self.months_or(&section, "one_time_expiry_months", NEVER, true);
        let rollover_cap_months = self.months_or(&section, "rollover_cap_months", UNLIMITED, true);
        let first_private_style_free = self.required_bool(&section, "first_private_style_free");
        let license_price_credits = match section.get("license_price_credits") {
            None => Some(None),
            Some(value) => self
                .whole_number(
                    &section,
                    "license_price_credits",
                    value,
                    "credits per license",
                    MAX_AMOUNT,
                )
                .map(Some),
        };
        Some(Policy {
            signup_credits: signup_credits?,
            license_bonus_credits: license_bonus_credits?,
            one_time_expiry_months: one_time_expiry_months?.or(None),
            rollover_cap_months: rollover_cap_months?.or(None),
            first_private_style_free: first_private_style_free?,
            license_price_credits: license_price_credits?,
        })
    }

    fn actions(&mut self, root: &Section) -> Option<Actions> {
        let section = self.required_table(root, "actions", &ACTION_KEYS)?;
        let train_style = self.required_amount(&section, "train_style", "credits per training");
        let generate = self.generate_costs(&section);
        let edit = self.edit_costs(&section);
        Some(Actions {
            train_style: train_style?,
            generate: generate?,
            edit: edit?,
        })
    }

    fn generate_costs(&mut self, actions: &Section) -> Option<GenerateCosts> {
        let section = self.required_table(actions, "generate", &GENERATE_KEYS)?;
        let unit = "credits per image";
        let base = self.required_amount(&section, "base", unit);
        let agentic = self.required_amount(&section, "agentic", unit);
        let private = self.required_amount(&section, "private", unit);
        let artist = self.required_amount(&section, "artist", unit);
        Some(GenerateCosts {
            base: base?,
            agentic: agentic?,
            private: private?,
            artist: artist?,
        })
    }

    fn edit_costs(&mut self, actions: &Section) -> Option<EditCosts> {
        let section = self.required_table(actions, "edit", &EDIT_OPERATIONS)?;
        let [
            instruct,
            replace,
            recreate,
            erase,
            upscale,
            remove_background,
            vectorize,
        ] = EDIT_OPERATIONS.map(|op| self.required_amount(&section, op, "credits per operation"));
        Some(EditCosts {
            instruct: instruct?,
            replace: replace?,
            recreate: recreate?,
            erase: erase?,
            upscale: upscale?,
            remove_background: remove_background?,
            vectorize: vectorize?,
        })
    }

    /// A problem if one grant — a product unit's bonus credits, or a plan's
    /// monthly credits — is more than an account may hold.
    fn within_holding_limit(&mut self, section: &Section, credits: Option<u64>, what: &str) -> bool {
        let limit = crate::rules::MAX_HOLDING;
        if credits.is_some_and(|c| c <= limit) {
            return true;
        }
        let amount = credits.map_or_else(|| "more than 18446744073709551615".to_owned(), |c| c.to_string());
        let message = format!(
            "{} {what}: {amount} credits, more than the {limit} an account can hold of each asset; \
             make licenses or policy.license_bonus_credits smaller",
            section.name()
        );
        self.problem(section.at, message);
        false
    }

    fn products(&mut self, root: &Section, money: &str, bonus: u64) -> Option<BTreeMap<String, Product>> {
        let mut products = BTreeMap::new();
        let mut valid = true;
        for (id, section) in self.entries(root, "products")? {
            self.unknown_keys(&section, &PRODUCT_KEYS);
            let credits = self.optional_amount(&section, "credits", "credits");
            let licenses = self.optional_amount(&section, "licenses", "licenses");
            let price_cents = self.required_price(&section, money);
            let requires_subscription = match section.get("requires_subscription") {
                None => Some(false),
                Some(_) => self.required_bool(&section, "requires_subscription"),
            };
            let (Some(credits), Some(licenses), Some(price_cents), Some(requires_subscription)) =
                (credits, licenses, price_cents, requires_subscription)
            else {
                valid = false;
                continue;
            };
            if credits == 0 && licenses == 0 {
                let message = format!(
                    "{} grants nothing: give it credits, licenses or both \
                     (whole numbers greater than 0)",
                    section.name()
                );
                self.problem(section.at, message);
                valid = false;
                continue;
            }
            if !self.within_holding_limit(
                &section,
                licenses.checked_mul(bonus),
                "grants too many bonus credits with one unit (licenses × policy.license_bonus_credits)",
            ) {
                valid = false;
                continue;
            }
            products.insert(
                id,
                Product {
                    credits,
                    licenses,
                    price_cents,
                    requires_subscription,
                },
            );
        }
        valid.then_some(products)
    }

    fn plans(
        &mut self,
        root: &Section,
        money: &str,
        policy_cap: Option<u32>,
        bonus: u64,
    ) -> Option<BTreeMap<String, Plan>> {
        let mut plans = BTreeMap::new();
        let mut valid = true;
        for (id, section) in self.entries(root, "plans")? {
            self.unknown_keys(&section, &PLAN_KEYS);
            let interval = self.interval(&section);
            let licenses_per_month = self.required_count(&section, "licenses_per_month", "licenses per month");
            let credits_per_month = self.optional_amount(&section, "credits_per_month", "extra credits per month");
            let price_cents = self.required_price(&section, money);
            let cap = self.months_or(&section, "rollover_cap_months", UNLIMITED, false);
            let (Some(interval), Some(licenses_per_month), Some(credits_per_month), Some(price_cents), Some(cap)) =
                (interval, licenses_per_month, credits_per_month, price_cents, cap)
            else {
                valid = false;
                continue;
            };
            if licenses_per_month == 0 && credits_per_month == 0 {
                let message = format!(
                    "{} delivers nothing: give it licenses_per_month, credits_per_month or both \
                     (whole numbers greater than 0)",
                    section.name()
                );
                self.problem(section.at, message);
                valid = false;
                continue;
            }
            if !self.within_holding_limit(
                &section,
                licenses_per_month
                    .checked_mul(bonus)
                    .and_then(|c| c.checked_add(credits_per_month)),
                "delivers too many credits a month \
                 (licenses_per_month × policy.license_bonus_credits + credits_per_month)",
            ) {
                valid = false;
                continue;
            }
            plans.insert(
                id,
                Plan {
                    interval,
                    licenses_per_month,
                    credits_per_month,
                    price_cents,
                    rollover_cap_months: cap.or(policy_cap),
                },
            );
        }
        valid.then_some(plans)
    }

    fn interval(&mut self, section: &Section) -> Option<Interval> {
        const EXPECTED: &str = "\"month\" or \"year\"";
        let value = self.required(section, "interval", EXPECTED)?;
        match value.get_ref() {
            DeValue::String(word) if word == "month" => Some(Interval::Month),
            DeValue::String(word) if word == "year" => Some(Interval::Year),
            _ => {
                let message = format!(
                    "{} must be {EXPECTED}, found {}",
                    section.key_path("interval"),
                    found(self.text, value)
                );
                self.problem(value.span().start, message);
                None
            }
        }
    }

    /// The `[products.ID]` or `[plans.ID]` tables with valid ids. The table
    /// itself may be absent (no entries). `None` if anything is malformed.
    fn entries<'a, 'i>(&mut self, root: &Section<'a, 'i>, key: &str) -> Option<Vec<(String, Section<'a, 'i>)>> {
        let Some(value) = root.get(key) else {
            return Some(Vec::new());
        };
        let what = key.trim_end_matches('s');
        let DeValue::Table(table) = value.get_ref() else {
            let message = format!(
                "{key} must be a table of {key}, one [{key}.ID] table per {what}, found {}",
                found(self.text, value)
            );
            self.problem(value.span().start, message);
            return None;
        };
        let mut entries = Vec::new();
        let mut valid = true;
        for (id, entry) in table {
            let id_text = id.get_ref().as_ref();
            if !is_valid_id(id_text) {
                let message = format!(
                    "{what} id {id_text:?} must be 1 to {MAX_ID_LEN} characters from a-z, 0-9 \
                     and `-`, starting with a letter or digit"
                );
                self.problem(id.span().start, message);
                valid = false;
                continue;
            }
            let path = format!("{key}.{id_text}");
            let DeValue::Table(fields) = entry.get_ref() else {
                let message = format!(
                    "{path} must be a table ([{path}] with keys {}), found {}",
                    if key == "plans" {
                        PLAN_KEYS.join(", ")
                    } else {
                        PRODUCT_KEYS.join(", ")
                    },
                    found(self.text, entry)
                );
                self.problem(entry.span().start, message);
                valid = false;
                continue;
            };
            let section = Section {
                table: fields,
                at: entry.span().start,
                path,
            };
            entries.push((id_text.to_string(), section));
        }
        valid.then_some(entries)
    }

    /// Records every key of `section` that is not in `allowed`.
    fn unknown_keys(&mut self, section: &Section, allowed: &[&str]) {
        for (key, _) in section.table {
            let key_text = key.get_ref().as_ref();
            if !allowed.contains(&key_text) {
                let message = format!(
                    "unknown key {}; {} allows only: {}",
                    section.key_path(key_text),
                    section.name(),
                    allowed.join(", ")
                );
                self.problems.push(Problem {
                    at: key.span().start,
                    message,
                    unknown_key: true,
                });
            }
        }
    }

    fn required<'a, 'i>(
        &mut self,
        section: &Section<'a, 'i>,
        key: &str,
        expected: &str,
    ) -> Option<&'a Spanned<DeValue<'i>>> {
        let value = section.get(key);
        if value.is_none() {
            let message = format!("{} is missing {key}: expected {expected}", section.name());
            self.problem(section.at, message);
        }
        value
    }

    /// A required sub-table, checked for unknown keys.
    fn required_table<'a, 'i>(
        &mut self,
        parent: &Section<'a, 'i>,
        key: &str,
        allowed: &[&str],
    ) -> Option<Section<'a, 'i>> {
        let path = parent.key_path(key);
        let expected = format!("a [{path}] table with keys {}", allowed.join(", "));
        let value = self.required(parent, key, &expected)?;
        let DeValue::Table(table) = value.get_ref() else {
            let message = format!("{path} must be {expected}, found {}", found(self.text, value));
            self.problem(value.span().start, message);
            return None;
        };
        let section = Section {
            table,
            at: value.span().start,
            path,
        };
        self.unknown_keys(&section, allowed);
        Some(section)
    }

    fn required_bool(&mut self, section: &Section, key: &str) -> Option<bool> {
        let value = self.required(section, key, "true or false")?;
        if let DeValue::Boolean(flag) = value.get_ref() {
            return Some(*flag);
        }
        let message = format!(
            "{} must be true or false, found {}",
            section.key_path(key),
            found(self.text, value)
        );
        self.problem(value.span().start, message);
        None
    }

    fn required_amount(&mut self, section: &Section, key: &str, unit: &str) -> Option<u64> {
        let expected = format!("a whole number greater than 0 ({unit})");
        let value = self.required(section, key, &expected)?;
        self.whole_number(section, key, value, unit, MAX_AMOUNT)
    }

    /// 0 when absent (a present amount must be greater than 0).
    fn optional_amount(&mut self, section: &Section, key: &str, unit: &str) -> Option<u64> {
        match section.get(key) {
            None => Some(0),
            Some(value) => self.whole_number(section, key, value, unit, MAX_AMOUNT),
        }
    }

    /// A whole number from 0 (a count that may be zero).
    fn required_count(&mut self, section: &Section, key: &str, unit: &str) -> Option<u64> {
        let expected = format!("a whole number, 0 or more ({unit})");
        let value = self.required(section, key, &expected)?;
        if let DeValue::Integer(integer) = value.get_ref()
            && integer.as_str() == "0"
        {
            return Some(0);
        }
        self.whole_number(section, key, value, unit, MAX_AMOUNT)
    }

    /// Months, or `word` (`"never"`, `"unlimited"`) for no limit. `None` on
    /// a problem (reported); a missing optional key is [`MonthsOr::Absent`].
    fn months_or(&mut self, section: &Section, key: &str, word: &str, required: bool) -> Option<MonthsOr> {
        let expected = format!("a whole number of months greater than 0, or \"{word}\"");
        let value = if required {
            self.required(section, key, &expected)?
        } else {
            match section.get(key) {
                None => return Some(MonthsOr::Absent),
                Some(value) => value,
            }
        };
        if let DeValue::String(text) = value.get_ref() {
            if text == word {
                return Some(MonthsOr::NoLimit);
            }
            let message = format!(
                "{} must be {expected}, found {}",
                section.key_path(key),
                found(self.text, value)
            );
            self.problem(value.span().start, message);
            return None;
        }
        let months = self.whole_number(section, key, value, "months", u64::from(MAX_MONTHS))?;
        u32::try_from(months).ok().map(MonthsOr::Months)
    }

    fn required_price(&mut self, section: &Section, money: &str) -> Option<i64> {
        let expected = format!("a whole number greater than 0 ({money})");
        let value = self.required(section, "price_cents", &expected)?;
        let price = self.whole_number(section, "price_cents", value, money, MAX_AMOUNT)?;
        i64::try_from(price).ok()
    }

    /// An integer from 1 to `max`.
    fn whole_number(
        &mut self,
        section: &Section,
        key: &str,
        value: &Spanned<DeValue>,
        unit: &str,
        max: u64,
    ) -> Option<u64> {
        let path = section.key_path(key);
        let at = value.span().start;
        let DeValue::Integer(integer) = value.get_ref() else {
            let message = format!(
                "{path} must be a whole number greater than 0 ({unit}), found {}",
                found(self.text, value)
            );
            self.problem(at, message);
            return None;
        };
        let digits = integer.as_str();
        let parsed = i128::from_str_radix(digits, integer.radix()).ok();
        let negative = parsed.map_or(digits.starts_with('-'), |n| n <= 0);
        let number = parsed.and_then(|n| u64::try_from(n).ok());
        match number {
            Some(n) if n > 0 && n <= max => Some(n),
            _ if negative => {
                let message = format!(
                    "{path} must be a whole number greater than 0 ({unit}), found {}",
                    found(self.text, value)
                );
                self.problem(at, message);
                None
            }
            _ => {
                let message = format!(
                    "{path} must be at most {max} ({unit}), found {}",
                    found(self.text, value)
                );
                self.problem(at, message);
                None
            }
        }
    }
}

/// A number of months that may also be "no limit" (`"never"`, `"unlimited"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MonthsOr {
    Absent,
    Months(u32),
    NoLimit,
}

impl MonthsOr {
    /// `Some(months)`, `None` for no limit, `default` when absent.
    fn or(self, default: Option<u32>) -> Option<u32> {
        match self {
            MonthsOr::Absent => default,
            MonthsOr::Months(m) => Some(m),
            MonthsOr::NoLimit => None,
        }
    }
}

/// `[a-z0-9][a-z0-9-]*`, at most [`MAX_ID_LEN`] characters.
fn is_valid_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    first_ok && id.len() <= MAX_ID_LEN && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small valid file whose line numbers the tests below rely on.
    const VALID: &str = r#"currency = "USD"

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
    fn valid_with(from: &str, to: &str) -> String {
        assert!(VALID.contains(from), "test text lacks {from:?}");
        VALID.replacen(from, to, 1)
    }

    fn error(text: &str) -> PricingError {
        match Pricing::parse(text, "pricing.toml") {
            Ok(pricing) => panic!("expected an error, parsed {pricing:?}"),
            Err(error) => error,
        }
    }

    /// Asserts the error's position and that its message contains `phrase`.
    fn assert_error(text: &str, line: usize, column: usize, phrase: &str) -> PricingError {
        let error = error(text);
        assert_eq!(
            (error.line, error.column),
            (line, column),
            "wrong position for: {error}"
        );
        assert!(error.message.contains(phrase), "{error:?} should mention {phrase:?}");
        assert_eq!(error.origin, "pricing.toml");
        error
    }

    fn builtin_with(from: &str, to: &str) -> Pricing {
        assert!(BUILTIN_TEXT.contains(from), "built-in text lacks {from:?}");
        let text = BUILTIN_TEXT.replacen(from, to, 1);
        match Pricing::parse(&text, "edited.toml") {
            Ok(pricing) => pricing,
            Err(error) => panic!("edited built-in file should parse: {error}"),
        }
    }

    #[test]
    fn builtin_file_has_spec_values() {
        let pricing = Pricing::parse(BUILTIN_TEXT, BUILTIN_ORIGIN);
        let product = |credits, licenses, price_cents| Product {
            credits,
            licenses,
            price_cents,
            requires_subscription: false,
        };
        let plan = |interval, licenses_per_month, price_cents| Plan {
            interval,
            licenses_per_month,
            credits_per_month: 0,
            price_cents,
            rollover_cap_months: Some(1),
        };
        // SPEC §13, value by value.
        let expected = Pricing {
            origin: BUILTIN_ORIGIN.to_string(),
            currency: "USD".to_string(),
            policy: Policy {
                signup_credits: 10,
                license_bonus_credits: 100,
                one_time_expiry_months: Some(12),
                rollover_cap_months: Some(1),
                license_price_credits: None,
                first_private_style_free: true,
            },
            actions: Actions {
                train_style: 300,
                generate: GenerateCosts {
                    base: 1,
                    agentic: 1,
                    private: 1,
                    artist: 1,
                },
                edit: EditCosts {
                    instruct: 2,
                    replace: 2,
                    recreate: 2,
                    erase: 1,
                    upscale: 4,
                    remove_background: 2,
                    vectorize: 5,
                },
            },
            products: BTreeMap::from([
                ("credits-500".to_string(), product(500, 0, 1000)),
                ("credits-1000".to_string(), product(1000, 0, 1800)),
                ("license".to_string(), product(0, 1, 1500)),
                ("licenses-10".to_string(), product(0, 10, 12000)),
            ]),
            plans: BTreeMap::from([
                ("licenses-5-monthly".to_string(), plan(Interval::Month, 5, 5500)),
                ("licenses-5-yearly".to_string(), plan(Interval::Year, 5, 54000)),
                ("licenses-20-monthly".to_string(), plan(Interval::Month, 20, 20000)),
                ("licenses-20-yearly".to_string(), plan(Interval::Year, 20, 192_000)),
            ]),
        };
        assert_eq!(pricing, Ok(expected.clone()));
        assert_eq!(Pricing::builtin().expect("the built-in pricing is valid"), expected);
    }

    #[test]
    fn builtin_file_spot_checks() {
        let pricing = Pricing::builtin().expect("the built-in pricing is valid");
        assert_eq!(pricing.actions.edit.vectorize, 5);
        assert_eq!(pricing.plans["licenses-20-yearly"].price_cents, 192_000);
        assert_eq!(pricing.products["licenses-10"].licenses, 10);
        assert_eq!(pricing.actions.train_style, 300);
        assert_eq!(pricing.policy.signup_credits, 10);
    }

    #[test]
    fn test_file_is_valid() {
        let pricing = Pricing::parse(VALID, "pricing.toml").expect("VALID parses");
        assert_eq!(pricing.products.len(), 2);
        assert_eq!(pricing.plans["licenses-5-monthly"].credits_per_month, 0);
    }

    #[test]
    fn every_builtin_key_has_a_comment() {
        // Each key line carries a trailing comment or follows a comment line.
        let mut previous = "";
        for line in BUILTIN_TEXT.lines() {
            let trimmed = line.trim();
            let is_key = !trimmed.is_empty() && !trimmed.starts_with(['#', '[']);
            if is_key {
                assert!(
                    trimmed.contains('#') || previous.starts_with('#'),
                    "key without a comment: {line}"
                );
            }
            previous = trimmed;
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

    #[test]
    fn syntax_error_has_position() {
        let text = valid_with("base = 1", "base = ");
        assert_error(&text, 14, 8, "invalid TOML: ");
        let duplicate = valid_with("agentic = 1", "base = 2");
        let error = assert_error(&duplicate, 15, 1, "duplicate key");
        assert!(!error.message.contains('\n'));
    }

    #[test]
    fn unknown_top_level_key() {
        let text = valid_with("currency = \"USD\"\n", "currency = \"USD\"\ncurrencies = 1\n");
        assert_error(
            &text,
            2,
            1,
            "unknown key currencies; the file allows only: currency, policy, actions, products, plans",
        );
    }

    #[test]
    fn unknown_policy_key() {
        let text = valid_with("signup_credits", "signup_credit");
        // signup_credits is then missing too (at the header, line 3), but the
        // misspelling is what needs fixing.
        assert_error(
            &text,
            4,
            1,
            "unknown key policy.signup_credit; [policy] allows only: signup_credits, license_bonus_credits",
        );
    }

    #[test]
    fn unknown_action_keys() {
        let text = valid_with("train_style = 300", "train_style = 300\ntrain = 3");
        assert_error(
            &text,
            12,
            1,
            "unknown key actions.train; [actions] allows only: train_style, generate, edit",
        );
        let text = valid_with("artist = 1", "artist = 1\nsketch = 1");
        assert_error(
            &text,
            18,
            1,
            "unknown key actions.generate.sketch; [actions.generate] allows only: base, agentic, private, artist",
        );
        let text = valid_with("vectorize = 5", "vectorize = 5\nremove_background = 2");
        assert_error(
            &text,
            27,
            1,
            "unknown key actions.edit.remove_background; [actions.edit] allows only: instruct, replace, recreate, erase, upscale, remove-background, vectorize",
        );
    }

    #[test]
    fn unknown_product_and_plan_keys() {
        let text = valid_with("credits = 500", "credits = 500\n  bonus = 5");
        assert_error(
            &text,
            30,
            3,
            "unknown key products.credits-500.bonus; [products.credits-500] allows only: credits, licenses, price_cents",
        );
        let text = valid_with("interval = \"month\"", "interval = \"month\"\ntrial_days = 7");
        assert_error(
            &text,
            38,
            1,
            "unknown key plans.licenses-5-monthly.trial_days; [plans.licenses-5-monthly] allows only: interval, licenses_per_month, credits_per_month, price_cents",
        );
    }

    #[test]
    fn missing_keys_point_at_the_table_header() {
        let text = valid_with("signup_credits = 10\n", "");
        assert_error(
            &text,
            3,
            1,
            "[policy] is missing signup_credits: expected a whole number greater than 0 (credits)",
        );
        let text = valid_with("first_private_style_free = true\n", "");
        assert_error(
            &text,
            3,
            1,
            "[policy] is missing first_private_style_free: expected true or false",
        );
        let text = valid_with("vectorize = 5\n", "");
        assert_error(&text, 19, 1, "[actions.edit] is missing vectorize");
        let text = valid_with("price_cents = 1500\n", "");
        assert_error(
            &text,
            32,
            1,
            "[products.license] is missing price_cents: expected a whole number greater than 0 (minor units of USD)",
        );
        let text = valid_with("interval = \"month\"\n", "");
        assert_error(
            &text,
            36,
            1,
            "[plans.licenses-5-monthly] is missing interval: expected \"month\" or \"year\"",
        );
        let text = valid_with("licenses_per_month = 5\n", "");
        assert_error(&text, 36, 1, "is missing licenses_per_month");
    }

    #[test]
    fn missing_tables() {
        let text = valid_with(
            "[actions.generate]\nbase = 1\nagentic = 1\nprivate = 1\nartist = 1\n",
            "",
        );
        assert_error(
            &text,
            10,
            1,
            "[actions] is missing generate: expected a [actions.generate] table with keys base, agentic, private, artist",
        );
        let start = VALID.find("[policy]").expect("marker");
        let end = VALID.find("[actions]").expect("marker");
        let policy = VALID.get(start..end).expect("ASCII");
        assert!(policy.starts_with("[policy]\n") && policy.ends_with("true\n\n"));
        let text = valid_with(policy, "");
        assert_error(
            &text,
            1,
            1,
            "the file is missing policy: expected a [policy] table with keys signup_credits, license_bonus_credits, one_time_expiry_months, rollover_cap_months, first_private_style_free",
        );
        // A misspelt table name is reported as such, not as a missing table.
        let text = valid_with("[policy]", "[polic]");
        assert_error(
            &text,
            3,
            2,
            "unknown key polic; the file allows only: currency, policy, actions, products, plans",
        );
    }

    #[test]
    fn empty_file_is_missing_currency_first() {
        let error = assert_error("", 1, 1, "the file is missing currency: expected 3 capital letters");
        assert_eq!(
            error.to_string(),
            "pricing.toml:1:1: the file is missing currency: expected 3 capital letters (an ISO 4217 code such as \"USD\")"
        );
        assert_error("# only a comment\n", 1, 1, "the file is missing currency");
    }

    #[test]
    fn negative_price_is_rejected_with_expectation() {
        let text = valid_with("price_cents = 1000", "price_cents = -5");
        let error = assert_error(&text, 30, 15, "");
        assert_eq!(
            error.to_string(),
            "pricing.toml:30:15: products.credits-500.price_cents must be a whole number greater than 0 (minor units of USD), found -5"
        );
    }

    #[test]
    fn zero_amounts_are_rejected() {
        let text = valid_with("erase = 1", "erase = 0");
        assert_error(
            &text,
            23,
            9,
            "actions.edit.erase must be a whole number greater than 0 (credits per operation), found 0",
        );
        let text = valid_with("rollover_cap_months = 1", "rollover_cap_months = 0");
        assert_error(
            &text,
            7,
            23,
            "policy.rollover_cap_months must be a whole number greater than 0 (months), found 0",
        );
        let text = valid_with("credits = 500", "credits = 0");
        assert_error(
            &text,
            29,
            11,
            "products.credits-500.credits must be a whole number greater than 0 (credits), found 0",
        );
        let text = valid_with("license_bonus_credits = 100", "license_bonus_credits = -0");
        assert_error(&text, 5, 25, "found -0");
    }

    #[test]
    fn non_integers_are_rejected() {
        let text = valid_with("train_style = 300", "train_style = 2.5");
        assert_error(
            &text,
            11,
            15,
            "actions.train_style must be a whole number greater than 0 (credits per training), found 2.5",
        );
        let text = valid_with("base = 1", "base = \"1\"");
        assert_error(&text, 14, 8, "found \"1\"");
        let text = valid_with("agentic = 1", "agentic = { credits = 1 }");
        assert_error(&text, 15, 11, "found a table");
        let text = valid_with("first_private_style_free = true", "first_private_style_free = \"yes\"");
        assert_error(
            &text,
            8,
            28,
            "policy.first_private_style_free must be true or false, found \"yes\"",
        );
    }

    #[test]
    fn huge_integers_are_rejected() {
        let text = valid_with("price_cents = 1500", "price_cents = 1_000_000_000_001");
        assert_error(
            &text,
            34,
            15,
            "products.license.price_cents must be at most 1000000000000 (minor units of USD), found 1_000_000_000_001",
        );
        let text = valid_with("price_cents = 1500", "price_cents = 1000000000000");
        assert_eq!(
            Pricing::parse(&text, "t").map(|p| p.products["license"].price_cents),
            Ok(1_000_000_000_000)
        );
        // Beyond u64 and even i128.
        let text = valid_with("credits = 500", "credits = 18446744073709551616");
        assert_error(
            &text,
            29,
            11,
            "products.credits-500.credits must be at most 1000000000000 (credits), found 18446744073709551616",
        );
        let digits = "9".repeat(60);
        let text = valid_with("credits = 500", &format!("credits = {digits}"));
        assert_error(
            &text,
            29,
            11,
            "must be at most 1000000000000 (credits), found 9999999999",
        );
        let text = valid_with("credits = 500", &format!("credits = -{digits}"));
        assert_error(
            &text,
            29,
            11,
            "must be a whole number greater than 0 (credits), found -999",
        );
        let text = valid_with("one_time_expiry_months = 12", "one_time_expiry_months = 4294967296");
        assert_error(
            &text,
            6,
            26,
            "policy.one_time_expiry_months must be at most 1200 (months)",
        );
    }

    #[test]
    fn interval_must_be_month_or_year() {
        let text = valid_with("interval = \"month\"", "interval = \"week\"");
        assert_error(
            &text,
            37,
            12,
            "plans.licenses-5-monthly.interval must be \"month\" or \"year\", found \"week\"",
        );
        let text = valid_with("interval = \"month\"", "interval = 1");
        assert_error(&text, 37, 12, "found 1");
    }

    #[test]
    fn year_interval_and_optional_credits_per_month() {
        let text = valid_with("interval = \"month\"", "interval = \"year\"\ncredits_per_month = 250");
        let pricing = Pricing::parse(&text, "t").expect("valid");
        let plan = &pricing.plans["licenses-5-monthly"];
        assert_eq!(plan.interval, Interval::Year);
        assert_eq!(plan.credits_per_month, 250);
        let text = valid_with("interval = \"month\"", "interval = \"month\"\ncredits_per_month = 0");
        assert_error(
            &text,
            38,
            21,
            "plans.licenses-5-monthly.credits_per_month must be a whole number greater than 0",
        );
    }

    #[test]
    fn currency_must_be_three_capitals() {
        for bad in ["\"usd\"", "\"US\"", "\"USDX\"", "\"€UR\"", "840"] {
            let text = valid_with("\"USD\"", bad);
            let error = assert_error(&text, 1, 12, "currency must be 3 capital letters");
            assert!(error.message.ends_with(&format!("found {bad}")), "{error}");
        }
        let text = valid_with("currency = \"USD\"", "currency = \"EUR\"");
        assert_error(
            &valid_with("currency = \"USD\"\n", &format!("{}\n", "currency = \"EUR\"")).replacen(
                "price_cents = 1000",
                "price_cents = 0",
                1,
            ),
            30,
            15,
            "(minor units of EUR)",
        );
        assert_eq!(Pricing::parse(&text, "t").map(|p| p.currency), Ok("EUR".to_string()));
    }

    #[test]
    fn ids_must_be_lowercase_letters_digits_and_dashes() {
        let text = valid_with("[products.credits-500]", "[products.Credits-500]");
        assert_error(
            &text,
            28,
            11,
            "product id \"Credits-500\" must be 1 to 64 characters from a-z, 0-9 and `-`, starting with a letter or digit",
        );
        let text = valid_with("[products.credits-500]", "[products.\"-500\"]");
        assert_error(&text, 28, 11, "product id \"-500\"");
        let text = valid_with("[products.credits-500]", "[products.credits_500]");
        assert_error(&text, 28, 11, "product id \"credits_500\"");
        let text = valid_with("[plans.licenses-5-monthly]", "[plans.\"five licenses\"]");
        assert_error(&text, 36, 8, "plan id \"five licenses\"");
        let long = "a".repeat(65);
        let text = valid_with("[plans.licenses-5-monthly]", &format!("[plans.{long}]"));
        assert_error(&text, 36, 8, "plan id");
        let longest = "9".repeat(64);
        let text = valid_with("[plans.licenses-5-monthly]", &format!("[plans.{longest}]"));
        let pricing = Pricing::parse(&text, "t").expect("64 characters is allowed");
        assert!(pricing.plans.contains_key(&longest));
    }

    #[test]
    fn product_must_grant_something() {
        let text = valid_with("credits = 500\n", "");
        assert_error(
            &text,
            28,
            1,
            "[products.credits-500] grants nothing: give it credits, licenses or both",
        );
    }

    #[test]
    fn the_2024_features_parse_and_resolve() {
        let text = VALID
            .replace("one_time_expiry_months = 12", "one_time_expiry_months = \"never\"")
            .replace("rollover_cap_months = 1", "rollover_cap_months = \"unlimited\"\nlicense_price_credits = 100")
            .replace(
                "[plans.licenses-5-monthly]\ninterval = \"month\"\nlicenses_per_month = 5\n",
                "[plans.licenses-5-monthly]\ninterval = \"month\"\nlicenses_per_month = 0\ncredits_per_month = 500\nrollover_cap_months = 2\n",
            )
            .replace("[products.credits-500]\ncredits = 500\n", "[products.credits-500]\ncredits = 500\nrequires_subscription = true\n");
        let pricing = Pricing::parse(&text, "t").expect("valid");
        assert_eq!(pricing.policy.one_time_expiry_months, None);
        assert_eq!(pricing.policy.rollover_cap_months, None);
        assert_eq!(pricing.policy.license_price_credits, Some(100));
        let monthly = &pricing.plans["licenses-5-monthly"];
        assert_eq!(
            (
                monthly.licenses_per_month,
                monthly.credits_per_month,
                monthly.rollover_cap_months
            ),
            (0, 500, Some(2))
        );
        assert!(pricing.products["credits-500"].requires_subscription);
        assert!(!pricing.products["license"].requires_subscription);
        // Without its own cap a plan takes the policy's, here unlimited.
        let policy_cap = VALID.replace("rollover_cap_months = 1", "rollover_cap_months = \"unlimited\"");
        let pricing = Pricing::parse(&policy_cap, "t").expect("valid");
        assert_eq!(pricing.plans["licenses-5-monthly"].rollover_cap_months, None);
        let bad = VALID.replace("rollover_cap_months = 1", "rollover_cap_months = \"forever\"");
        let e = Pricing::parse(&bad, "t").expect_err("invalid");
        assert!(e.message.contains("or \"unlimited\""), "{e}");
        let bad = VALID.replace("one_time_expiry_months = 12", "one_time_expiry_months = \"unlimited\"");
        let e = Pricing::parse(&bad, "t").expect_err("invalid");
        assert!(e.message.contains("or \"never\""), "{e}");
    }

    #[test]
    fn product_granting_both_is_fine() {
        let text = valid_with("licenses = 1\n", "licenses = 1\ncredits = 50\n");
        let pricing = Pricing::parse(&text, "t").expect("valid");
        assert_eq!(
            pricing.products["license"],
            Product {
                credits: 50,
                licenses: 1,
                price_cents: 1500,
                requires_subscription: false,
            }
        );
    }

    #[test]
    fn products_and_plans_may_be_absent_or_empty() {
        let start = VALID.find("[products.credits-500]").expect("marker");
        let without = VALID.get(..start).expect("ASCII");
        let pricing = Pricing::parse(without, "t").expect("valid");
        assert!(pricing.products.is_empty() && pricing.plans.is_empty());
        let empty_tables = format!("{without}[products]\n[plans]\n");
        let pricing = Pricing::parse(&empty_tables, "t").expect("valid");
        assert!(pricing.products.is_empty() && pricing.plans.is_empty());
    }

    #[test]
    fn products_and_entries_must_be_tables() {
        let start = VALID.find("[products.credits-500]").expect("marker");
        let head = VALID.get(..start).expect("ASCII");
        let text = format!("products = 5\n{head}");
        assert_error(
            &text,
            1,
            12,
            "products must be a table of products, one [products.ID] table per product, found 5",
        );
        let text = format!("{head}[plans]\nbasic = \"cheap\"\n");
        assert_error(
            &text,
            29,
            9,
            "plans.basic must be a table ([plans.basic] with keys interval, licenses_per_month, credits_per_month, price_cents, rollover_cap_months), found \"cheap\"",
        );
        let text = format!("{head}[[products]]\ncredits = 1\n");
        assert_error(&text, 28, 1, "found an array");
    }

    #[test]
    fn the_first_problem_in_the_file_is_reported() {
        let text = valid_with("erase = 1", "erase = 0")
            .replacen("signup_credits = 10", "signup_credits = -1", 1)
            .replacen("interval = \"month\"", "interval = \"day\"", 1);
        assert_error(&text, 4, 18, "policy.signup_credits");
    }

    #[test]
    fn one_grant_is_at_most_what_an_account_may_hold() {
        // 10^12 licenses × 10^6 bonus credits is exactly the holding limit.
        let text = valid_with("license_bonus_credits = 100", "license_bonus_credits = 1000000");
        let text = format!("{text}\n[products.huge]\nlicenses = 1000000000000\nprice_cents = 1\n");
        assert!(Pricing::parse(&text, "t").is_ok());
        let text = valid_with("license_bonus_credits = 100", "license_bonus_credits = 1000001");
        let text = format!("{text}\n[products.huge]\nlicenses = 1000000000000\nprice_cents = 1\n");
        let e = error(&text);
        assert!(
            e.message
                .contains("[products.huge] grants too many bonus credits with one unit")
                && e.message.contains("1000001000000000000 credits"),
            "{e}"
        );
        let text = valid_with("license_bonus_credits = 100", "license_bonus_credits = 1000000000000");
        let text = format!(
            "{text}\n[plans.huge]\ninterval = \"month\"\nlicenses_per_month = 1000000000000\nprice_cents = 1\n"
        );
        let e = error(&text);
        assert!(
            e.message.contains("[plans.huge] delivers too many credits a month")
                && e.message.contains("more than 18446744073709551615"),
            "{e}"
        );
    }

    #[test]
    fn inline_and_dotted_tables_are_checked_too() {
        let text = valid_with(
            "[actions.generate]\nbase = 1\nagentic = 1\nprivate = 1\nartist = 1\n",
            "generate = { base = 1, agentic = 1, private = 1, artist = 1, video = 2 }\n",
        );
        assert_error(&text, 13, 62, "unknown key actions.generate.video");
        let text = valid_with(
            "[plans.licenses-5-monthly]\ninterval = \"month\"\nlicenses_per_month = 5\nprice_cents = 5500\n",
            "[plans]\nlicenses-5-monthly = { interval = \"month\", licenses_per_month = 5 }\n",
        );
        assert_error(&text, 37, 22, "[plans.licenses-5-monthly] is missing price_cents");
        let dotted = "plans.basic.interval = \"month\"\n\
                      plans.basic.licenses_per_month = 0\n\
                      plans.basic.price_cents = 100\n";
        let text = format!("{dotted}{VALID}");
        // 0 licenses is allowed for a credits-only plan, but this one grants nothing at all.
        assert_error(
            &text,
            1,
            7,
            "[plans.basic] delivers nothing: give it licenses_per_month, credits_per_month or both",
        );
        let text = format!("{}{VALID}", dotted.replace("= 0", "= 3"));
        let pricing = Pricing::parse(&text, "t").expect("valid");
        assert_eq!(pricing.plans["basic"].licenses_per_month, 3);
        // A dotted plan missing a key: reported at the plan's first mention.
        let text = format!("plans.basic.interval = \"month\"\n{VALID}");
        assert_error(&text, 1, 7, "[plans.basic] is missing licenses_per_month");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        // "€" is 3 bytes; the column after it still counts it as one.
        let text = valid_with("currency = \"USD\"", "currency = \"€\" junk");
        assert_error(&text, 1, 16, "invalid TOML");
        let text = valid_with("[products.credits-500]", "[products.\"crédits\"] # é");
        assert_error(&text, 28, 11, "product id \"crédits\"");
        let text = format!("# Preis für Lizenzen ✓\n{}", valid_with("base = 1", "base = -1"));
        assert_error(&text, 15, 8, "found -1");
        assert_eq!(line_column("é\nxéy", 6), (2, 3));
        // An offset inside a character points at that character.
        assert_eq!(line_column("aéb", 2), (1, 2));
        assert_eq!(line_column("ab", 99), (1, 3));
    }

    #[test]
    fn every_truncation_of_the_builtin_file_is_handled() {
        // No panic, and every error points inside the text.
        let mut errors = 0;
        for (cut, _) in BUILTIN_TEXT.char_indices() {
            let text = BUILTIN_TEXT.get(..cut).expect("char boundary");
            if let Err(error) = Pricing::parse(text, "cut.toml") {
                errors += 1;
                let lines = text.lines().count().max(1);
                assert!(error.line >= 1 && error.line <= lines + 1, "{error}");
                assert!(error.column >= 1, "{error}");
                assert!(!error.message.contains('\n'), "{error}");
            }
        }
        assert!(errors > 0);
    }

    #[test]
    fn crlf_line_endings() {
        let text = valid_with("price_cents = 1000", "price_cents = -5").replace('\n', "\r\n");
        assert_error(&text, 30, 15, "found -5");
    }

    fn temp_file(name: &str, contents: &[u8]) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("wallet-pricing-test-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("write temp file");
        path
    }

    #[test]
    fn load_file_names_the_path() {
        let path = temp_file("bad.toml", valid_with("erase = 1", "erase = -1").as_bytes());
        let error = Pricing::load_file(&path).expect_err("invalid");
        let _ = std::fs::remove_file(&path);
        assert_eq!(error.origin, path.display().to_string());
        assert_eq!((error.line, error.column), (23, 9));
        assert!(error.to_string().starts_with(&format!("{}:23:9: ", path.display())));

        let path = temp_file("good.toml", VALID.as_bytes());
        let pricing = Pricing::load_file(&path);
        let _ = std::fs::remove_file(&path);
        assert_eq!(pricing.map(|p| p.origin), Ok(path.display().to_string()));
    }

    #[test]
    fn load_file_reports_unreadable_and_non_utf8_files() {
        let missing = std::env::temp_dir().join("wallet-pricing-test-does-not-exist.toml");
        let error = Pricing::load_file(&missing).expect_err("missing");
        assert_eq!((error.line, error.column), (0, 0));
        let shown = error.to_string();
        assert!(
            shown.starts_with(&format!("{}: cannot read the pricing file: ", missing.display())),
            "{shown}"
        );
        assert!(!shown.contains(":0:0"), "{shown}");

        let path = temp_file("latin1.toml", b"currency = \"USD\"\n# Pr\xe9is\n");
        let error = Pricing::load_file(&path).expect_err("not UTF-8");
        let _ = std::fs::remove_file(&path);
        assert_eq!((error.line, error.column), (2, 5));
        assert!(error.message.contains("not valid UTF-8"));
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
    fn interval_months_and_words() {
        assert_eq!(Interval::Month.months(), 1);
        assert_eq!(Interval::Year.months(), 12);
        assert_eq!(Interval::Month.as_str(), "month");
        assert_eq!(Interval::Year.as_str(), "year");
    }
}
