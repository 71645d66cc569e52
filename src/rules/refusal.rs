//! Why a rule refused a command. Every message says what was wrong and what
//! would fix it, in words a support engineer can read to a customer.

use crate::clock::{Instant, format_instant};

use super::limits::MAX_HOLDING;
use super::model::Asset;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "no account named '{0}' (SPEC §1: every command names an existing account; list them with: wallet account list; create it with: wallet account add {0})"
    )]
    UnknownAccount(String),

    #[error("account '{0}' already exists (SPEC §1: handles are unique; see it with: wallet balance {0})")]
    AccountExists(String),

    #[error(
        "'{0}' is not a valid account handle (SPEC §1): use 1 to 64 of A-Z a-z 0-9 . _ @ -, starting with a letter or digit"
    )]
    InvalidHandle(String),

    #[error(
        "no product '{product}' in {origin} (SPEC §4: products come from the pricing file; products: {known}; see: wallet pricing show)"
    )]
    UnknownProduct {
        product: String,
        origin: String,
        known: String,
    },

    #[error(
        "no plan '{plan}' in {origin} (SPEC §5: plans come from the pricing file; plans: {known}; see: wallet pricing show)"
    )]
    UnknownPlan {
        plan: String,
        origin: String,
        known: String,
    },

    #[error("{0}")]
    Subscription(String),

    #[error(
        "{account} needs {needed} to {action} but has {available} usable (SPEC §3){}",
        suggestion.as_ref().map(|s| format!("; {s}")).unwrap_or_default()
    )]
    NotEnough {
        account: String,
        action: String,
        needed: String,
        available: String,
        suggestion: Option<String>,
    },

    #[error(
        "no image {image} in account {account} (SPEC §6: an account can only use its own images; see: wallet images {account})"
    )]
    UnknownImage { image: String, account: String },

    #[error("{0}")]
    Image(String),

    #[error("{0}")]
    Style(String),

    #[error(
        "the clock cannot move backwards: it is {} and {} is earlier (SPEC §2; choose a later instant)",
        format_instant(*now),
        format_instant(*target)
    )]
    ClockBackwards { now: Instant, target: Instant },

    #[error("{0}")]
    Clock(String),

    #[error(
        "this wallet is already initialised (its clock is {}); init only works on an empty wallet (SPEC §2) — use --db to start a new one",
        format_instant(*clock)
    )]
    AlreadyInitialised { clock: Instant },

    #[error(
        "idempotency key '{key}' was already used for another command ({original}); a retry must repeat the same command and arguments, anything new needs a new key (SPEC §10)"
    )]
    KeyReused { key: String, original: String },

    #[error("{0}")]
    HoldingLimit(Box<OverLimit>),

    #[error("{0} is too large to record (SPEC §10: amounts are whole numbers that must fit); use a smaller quantity")]
    TooLarge(String),
}

/// What would take an account past [`MAX_HOLDING`] of one asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverLimit {
    pub account: String,
    pub asset: Asset,
    /// What it holds now.
    pub held: u128,
    /// The highest running balance the command would reach.
    pub would_hold: u128,
    /// What would grant it ("buying 2 × big").
    pub action: String,
    /// What to do instead.
    pub fix: String,
}

impl std::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} holds {} {} and {} would bring that to {}, but an account can hold at most {MAX_HOLDING} \
             of each asset, credits and licenses alike (so that every balance and running total stays exact); {}",
            self.account,
            self.held,
            self.asset.as_str(),
            self.action,
            self.would_hold,
            self.fix
        )
    }
}

impl Refusal {
    pub fn too_large(what: &str) -> Refusal {
        Refusal::TooLarge(what.to_owned())
    }

    pub fn not_enough(
        account: &str,
        action: impl Into<String>,
        asset: Asset,
        needed: u64,
        available: u64,
        suggestion: Option<String>,
    ) -> Refusal {
        Refusal::NotEnough {
            account: account.to_owned(),
            action: action.into(),
            needed: asset.count(needed),
            available: asset.count(available),
            suggestion,
        }
    }
}
