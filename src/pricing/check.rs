//! The checker: [`Pricing::parse`] turns pricing text into a [`Pricing`] after
//! checking everything SPEC §13 requires, and reports the first problem as a
//! [`PricingError`] at its line and column. A `Checker` walks the parsed TOML
//! document a `Section` (one table, with where its header is) at a time and
//! records each `Problem` it finds at a byte offset of the text.

use std::collections::BTreeMap;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{
    Actions, EDIT_OPERATIONS, EditCosts, GenerateCosts, Interval, MAX_AMOUNT, MAX_ID_LEN, MAX_MONTHS, NEVER, Plan,
    Policy, Pricing, PricingError, Product, UNLIMITED,
};

const TOP_KEYS: [&str; 5] = ["currency", "policy", "actions", "products", "plans"];
const POLICY_KEYS: [&str; 7] = [
    "signup_credits",
    "license_bonus_credits",
    "one_time_expiry_months",
    "adjustment_expiry_months",
    "rollover_cap_months",
    "first_private_style_free",
    "license_price_credits",
];
/// `policy.adjustment_expiry_months` when the file does not set it.
const DEFAULT_ADJUSTMENT_EXPIRY_MONTHS: u32 = 12;
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
        let products = self.catalogue(&root, "products", &PRODUCT_KEYS, |checker, section| {
            checker.product(section, &money, bonus)
        });
        let policy_cap = policy.as_ref().and_then(|p| p.rollover_cap_months);
        let plans = self.catalogue(&root, "plans", &PLAN_KEYS, |checker, section| {
            checker.plan(section, &money, policy_cap, bonus)
        });
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
        let adjustment_expiry_months = self.months_or(&section, "adjustment_expiry_months", NEVER, false);
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
            adjustment_expiry_months: adjustment_expiry_months?.or(Some(DEFAULT_ADJUSTMENT_EXPIRY_MONTHS)),
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

    /// The `[products.ID]` or `[plans.ID]` tables (`key`), by id: each one
    /// checked for unknown keys, then read by `read` (a product or a plan).
    /// The table itself may be absent (no entries). `None` if anything in it
    /// is wrong.
    fn catalogue<T>(
        &mut self,
        root: &Section,
        key: &str,
        allowed: &[&str],
        read: impl Fn(&mut Self, &Section) -> Option<T>,
    ) -> Option<BTreeMap<String, T>> {
        let mut catalogue = BTreeMap::new();
        let mut valid = true;
        for (id, section) in self.entries(root, key, allowed)? {
            self.unknown_keys(&section, allowed);
            match read(self, &section) {
                Some(entry) => {
                    catalogue.insert(id, entry);
                }
                None => valid = false,
            }
        }
        valid.then_some(catalogue)
    }

    /// One `[products.ID]` table (its keys already checked).
    fn product(&mut self, section: &Section, money: &str, bonus: u64) -> Option<Product> {
        let credits = self.optional_amount(section, "credits", "credits");
        let licenses = self.optional_amount(section, "licenses", "licenses");
        let price_cents = self.required_price(section, money);
        let requires_subscription = match section.get("requires_subscription") {
            None => Some(false),
            Some(_) => self.required_bool(section, "requires_subscription"),
        };
        let (credits, licenses, price_cents, requires_subscription) =
            (credits?, licenses?, price_cents?, requires_subscription?);
        self.grants_something(section, "grants", [("credits", credits), ("licenses", licenses)])?;
        self.within_holding_limit(
            section,
            licenses.checked_mul(bonus),
            "grants too many bonus credits with one unit (licenses × policy.license_bonus_credits)",
        )?;
        Some(Product {
            credits,
            licenses,
            price_cents,
            requires_subscription,
        })
    }

    /// One `[plans.ID]` table (its keys already checked); without its own
    /// rollover cap it takes the policy's.
    fn plan(&mut self, section: &Section, money: &str, policy_cap: Option<u32>, bonus: u64) -> Option<Plan> {
        let interval = self.interval(section);
        let licenses_per_month = self.required_count(section, "licenses_per_month", "licenses per month");
        let credits_per_month = self.optional_amount(section, "credits_per_month", "extra credits per month");
        let price_cents = self.required_price(section, money);
        let cap = self.months_or(section, "rollover_cap_months", UNLIMITED, false);
        let (interval, licenses_per_month, credits_per_month, price_cents, cap) =
            (interval?, licenses_per_month?, credits_per_month?, price_cents?, cap?);
        self.grants_something(
            section,
            "delivers",
            [
                ("licenses_per_month", licenses_per_month),
                ("credits_per_month", credits_per_month),
            ],
        )?;
        self.within_holding_limit(
            section,
            licenses_per_month
                .checked_mul(bonus)
                .and_then(|c| c.checked_add(credits_per_month)),
            "delivers too many credits a month \
             (licenses_per_month × policy.license_bonus_credits + credits_per_month)",
        )?;
        Some(Plan {
            interval,
            licenses_per_month,
            credits_per_month,
            price_cents,
            rollover_cap_months: cap.or(policy_cap),
        })
    }

    /// A problem if a product or plan `verb`s (grants, delivers) nothing:
    /// both of its two `amounts` (named as in the file) are 0.
    fn grants_something(&mut self, section: &Section, verb: &str, amounts: [(&str, u64); 2]) -> Option<()> {
        let [(first, first_amount), (second, second_amount)] = amounts;
        if first_amount > 0 || second_amount > 0 {
            return Some(());
        }
        let message = format!(
            "{} {verb} nothing: give it {first}, {second} or both (whole numbers greater than 0)",
            section.name()
        );
        self.problem(section.at, message);
        None
    }

    /// A problem if one grant — a product unit's bonus credits, or a plan's
    /// monthly credits — is more than an account may hold.
    fn within_holding_limit(&mut self, section: &Section, credits: Option<u64>, what: &str) -> Option<()> {
        let limit = crate::rules::MAX_HOLDING;
        if credits.is_some_and(|c| c <= limit) {
            return Some(());
        }
        let amount = credits.map_or_else(|| "more than 18446744073709551615".to_owned(), |c| c.to_string());
        let message = format!(
            "{} {what}: {amount} credits, more than the {limit} an account can hold of each asset; \
             make licenses or policy.license_bonus_credits smaller",
            section.name()
        );
        self.problem(section.at, message);
        None
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

    /// The `[products.ID]` or `[plans.ID]` tables with valid ids, each one a
    /// table (whose keys are `allowed`). The table itself may be absent (no
    /// entries). `None` if anything is malformed.
    fn entries<'a, 'i>(
        &mut self,
        root: &Section<'a, 'i>,
        key: &str,
        allowed: &[&str],
    ) -> Option<Vec<(String, Section<'a, 'i>)>> {
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
                    allowed.join(", "),
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
    use crate::pricing::BUILTIN_TEXT;
    use crate::pricing::tests::{VALID, valid_with};

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

    #[test]
    fn test_file_is_valid() {
        let pricing = Pricing::parse(VALID, "pricing.toml").expect("VALID parses");
        assert_eq!(pricing.products.len(), 2);
        assert_eq!(pricing.plans["licenses-5-monthly"].credits_per_month, 0);
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
            "the file is missing policy: expected a [policy] table with keys signup_credits, license_bonus_credits, one_time_expiry_months, adjustment_expiry_months, rollover_cap_months, first_private_style_free",
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
}
