//! Why a rule refused a command. Every message says what was wrong and what
//! would fix it, in words a support engineer can read to a customer.

use crate::rules::clock::{Instant, format_instant};
use crate::shown::shown;

use super::topic::Topic;

use super::limits::MAX_HOLDING;
use super::model::{Asset, is_valid_handle};

/// A value as one word of a command to copy into a shell: quoted when the
/// shell would otherwise split or expand it, and safe to print.
pub(crate) fn command_word(value: &str) -> String {
    shown(&shell_words::quote(value)).to_string()
}

/// An unknown account: how to list and create one, unless the handle could
/// never be an account's (then creating it would only be refused too).
fn unknown_account(handle: &str) -> String {
    if is_valid_handle(handle) {
        format!(
            "no account named '{handle}' (every command names an existing account; list them with: wallet account list; create it with: wallet account add {})",
            command_word(handle)
        )
    } else {
        format!(
            "no account named '{}': it is not a valid handle, so no account can have it (handles are 1 to 64 of A-Z a-z 0-9 . _ @ -, starting with a letter or digit; list the accounts with: wallet account list)",
            shown(handle)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{}", unknown_account(.0))]
    UnknownAccount(String),

    #[error(
        "account '{}' already exists (handles are unique; see it with: wallet balance {})",
        shown(.0),
        command_word(.0)
    )]
    AccountExists(String),

    #[error(
        "'{}' is not a valid account handle: use 1 to 64 of A-Z a-z 0-9 . _ @ -, starting with a letter or digit",
        shown(.0)
    )]
    InvalidHandle(String),

    #[error(
        "no product '{}' in {origin} (products come from the pricing file; products: {known}; see: wallet pricing show)",
        shown(product)
    )]
    UnknownProduct {
        product: String,
        origin: String,
        known: String,
    },

    #[error(
        "no plan '{}' in {origin} (plans come from the pricing file; plans: {known}; see: wallet pricing show)",
        shown(plan)
    )]
    UnknownPlan {
        plan: String,
        origin: String,
        known: String,
    },

    #[error("{0}")]
    Subscription(String),

    #[error("{0}")]
    Cancel(String),

    #[error(
        "{account} needs {needed} to {action} but has {available} usable{}",
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
        "no image {} in account {account} (an account can only use its own images; see: wallet images {})",
        shown(image),
        command_word(account)
    )]
    UnknownImage { image: String, account: String },

    #[error("{0}")]
    Image(String),

    #[error("{0}")]
    Style(String),

    #[error(
        "the clock cannot move backwards: it is {} and {} is earlier (the clock only moves forward; choose a later instant)",
        format_instant(*now),
        format_instant(*target)
    )]
    ClockBackwards { now: Instant, target: Instant },

    #[error("{0}")]
    Clock(String),

    #[error(
        "this wallet is already initialised (its clock is {}); init only works on an empty wallet — use --db to start a new one",
        format_instant(*clock)
    )]
    AlreadyInitialised { clock: Instant },

    /// The original command stays out of the message: it may name another
    /// account, and a key is no licence to read what it was used for.
    #[error(
        "idempotency key '{}' was already used for a different command; a retry must repeat the same command and arguments, and anything new needs a new key (a key runs one command at most once)",
        shown(key)
    )]
    KeyReused { key: String, original: String },

    #[error(
        "{destination} already holds a wallet with accounts or operations; a copy goes only into a new file or an empty database, so that nothing of either wallet is mixed or lost"
    )]
    NotEmpty { destination: String },

    #[error("{0}")]
    HoldingLimit(Box<OverLimit>),

    #[error("{what} is too large to record (amounts are whole numbers that must fit); {fix}")]
    TooLarge { what: String, fix: String },

    /// A correction (`grant`, `debit`, `void`) that cannot be made.
    #[error("{0}")]
    Correction(String),
}

impl Refusal {
    /// The rule that refused, as the topic of `wallet help rules` that explains it.
    pub fn topic(&self) -> Topic {
        match self {
            Refusal::UnknownAccount(_) | Refusal::AccountExists(_) | Refusal::InvalidHandle(_) => Topic::Accounts,
            Refusal::UnknownProduct { .. } => Topic::Lots,
            Refusal::UnknownPlan { .. } | Refusal::Subscription(_) => Topic::Subscriptions,
            Refusal::Cancel(_) => Topic::Cancel,
            Refusal::NotEnough { .. } | Refusal::Style(_) => Topic::Spending,
            Refusal::UnknownImage { .. } | Refusal::Image(_) => Topic::Images,
            Refusal::ClockBackwards { .. } | Refusal::Clock(_) | Refusal::AlreadyInitialised { .. } => Topic::Time,
            Refusal::KeyReused { .. } => Topic::Idempotency,
            Refusal::HoldingLimit(_) | Refusal::TooLarge { .. } => Topic::Limits,
            Refusal::NotEmpty { .. } => Topic::WalletFiles,
            Refusal::Correction(_) => Topic::Corrections,
        }
    }
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
    /// An amount made from the pricing file's figures that does not fit:
    /// only a smaller figure in the file can fix it.
    pub fn too_large(what: &str) -> Refusal {
        Refusal::too_large_for(
            what,
            "the pricing file's figures behind it are too large for a wallet: make them smaller",
        )
    }

    /// An amount that does not fit, and the change to the command that would fit.
    pub fn too_large_for(what: &str, fix: &str) -> Refusal {
        Refusal::TooLarge {
            what: what.to_owned(),
            fix: fix.to_owned(),
        }
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
