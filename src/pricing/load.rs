//! Where the pricing comes from and reading it (SPEC §10): the effective
//! pricing is the file named by `--pricing` or `$WALLET_PRICING`, else
//! `pricing.toml` in the platform config dir if it exists, else the built-in
//! copy ([`BUILTIN_TEXT`]). [`Pricing::load_file`] reads a file through a
//! size bound ([`LARGEST_FILE`]) and hands its text to [`Pricing::parse`].

use std::path::Path;

use super::{Pricing, PricingError};

/// The default pricing file, compiled into the binary.
pub const BUILTIN_TEXT: &str = include_str!("../../pricing.toml");
/// How messages name [`BUILTIN_TEXT`].
pub const BUILTIN_ORIGIN: &str = "built-in pricing.toml";

/// The largest pricing file read: a catalogue is a few KiB of TOML.
const LARGEST_FILE: u64 = 1024 * 1024;

impl Pricing {
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
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::pricing::tests::{VALID, valid_with};
    use crate::pricing::{Actions, EditCosts, GenerateCosts, Interval, Plan, Policy, Product};

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
                adjustment_expiry_months: Some(12),
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
}
