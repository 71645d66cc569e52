//! What an operation is: [`OperationKind`], the one list of the kinds of
//! operation the wallet records — an account's (`buy`, `delivery`, …) and
//! the wallet's own (`init`, `advance-clock`). Its text is what the store
//! writes in the operations table and what `history` and `--json` print;
//! [`UnknownOperationKind`] is the error for text that names none of them.

use serde::{Serialize, Serializer};

/// The kind of one recorded operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationKind {
    Signup,
    Buy,
    Subscribe,
    Cancel,
    Resume,
    Generate,
    Edit,
    Train,
    License,
    Expiry,
    Forfeit,
    Renewal,
    Delivery,
    /// Credits or licenses granted by support, with a reason.
    Grant,
    /// Credits or licenses taken back by support, with a reason.
    Debit,
    /// A `buy` or `grant` entered in error, undone: what its lots still held
    /// is taken back.
    Void,
    /// The wallet's clock set (`wallet init`): no account's.
    Init,
    /// One clock advance, whatever it fired: no account's.
    AdvanceClock,
}

/// Text that names no [`OperationKind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown operation kind '{0}'")]
pub struct UnknownOperationKind(pub String);

impl OperationKind {
    /// Every kind: an account's in the order `history --reason` lists them,
    /// then the wallet's own.
    pub const ALL: [OperationKind; 18] = [
        OperationKind::Signup,
        OperationKind::Buy,
        OperationKind::Subscribe,
        OperationKind::Cancel,
        OperationKind::Resume,
        OperationKind::Generate,
        OperationKind::Edit,
        OperationKind::Train,
        OperationKind::License,
        OperationKind::Expiry,
        OperationKind::Forfeit,
        OperationKind::Renewal,
        OperationKind::Delivery,
        OperationKind::Grant,
        OperationKind::Debit,
        OperationKind::Void,
        OperationKind::Init,
        OperationKind::AdvanceClock,
    ];

    /// The text stored in the wallet file and printed by `history` and `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::Signup => "signup",
            OperationKind::Buy => "buy",
            OperationKind::Subscribe => "subscribe",
            OperationKind::Cancel => "cancel",
            OperationKind::Resume => "resume",
            OperationKind::Generate => "generate",
            OperationKind::Edit => "edit",
            OperationKind::Train => "train",
            OperationKind::License => "license",
            OperationKind::Expiry => "expiry",
            OperationKind::Forfeit => "forfeit",
            OperationKind::Renewal => "renewal",
            OperationKind::Delivery => "delivery",
            OperationKind::Grant => "grant",
            OperationKind::Debit => "debit",
            OperationKind::Void => "void",
            OperationKind::Init => "init",
            OperationKind::AdvanceClock => "advance-clock",
        }
    }

    /// The kind whose text is `text` (as stored, or as given to `history --reason`).
    pub fn parse(text: &str) -> Result<OperationKind, UnknownOperationKind> {
        OperationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| UnknownOperationKind(text.to_owned()))
    }

    /// Whether an account's history can hold this kind (the wallet's own
    /// `init` and `advance-clock` belong to no account).
    pub fn belongs_to_an_account(self) -> bool {
        !matches!(self, OperationKind::Init | OperationKind::AdvanceClock)
    }
}

impl std::fmt::Display for OperationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// As its text, so JSON prints what the store holds.
impl Serialize for OperationKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_text() {
        for kind in OperationKind::ALL {
            assert_eq!(OperationKind::parse(kind.as_str()), Ok(kind), "{kind:?}");
            assert_eq!(serde_json::to_value(kind).ok(), Some(kind.as_str().into()), "{kind:?}");
        }
    }

    #[test]
    fn the_stored_texts_are_those_wallet_files_already_hold() {
        let texts = OperationKind::ALL.map(OperationKind::as_str);
        assert_eq!(
            texts,
            [
                "signup",
                "buy",
                "subscribe",
                "cancel",
                "resume",
                "generate",
                "edit",
                "train",
                "license",
                "expiry",
                "forfeit",
                "renewal",
                "delivery",
                "grant",
                "debit",
                "void",
                "init",
                "advance-clock",
            ]
        );
    }

    #[test]
    fn unknown_text_is_an_error_naming_it() {
        for text in ["", "forfeiture", "Buy", "advance_clock", "x"] {
            let err = OperationKind::parse(text).expect_err(text);
            assert_eq!(err.to_string(), format!("unknown operation kind '{text}'"));
        }
    }

    #[test]
    fn only_init_and_advance_clock_belong_to_no_account() {
        let wallets: Vec<_> = OperationKind::ALL
            .into_iter()
            .filter(|k| !k.belongs_to_an_account())
            .collect();
        assert_eq!(wallets, [OperationKind::Init, OperationKind::AdvanceClock]);
    }
}
