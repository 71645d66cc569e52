//! The rules by name: the topics of `wallet help rules TOPIC`, whose text
//! lives in `docs/rules.md`, and which every refusal names so that the
//! reader knows where the rule is explained.

/// One topic of the rules text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Time,
    Accounts,
    Lots,
    BurnDown,
    Subscriptions,
    Rollover,
    Cancel,
    Spending,
    Images,
    SameInstant,
    Idempotency,
    Corrections,
    Reports,
    Limits,
    WalletFiles,
    Scenarios,
    ExitCodes,
}

impl Topic {
    /// Every topic, in the order the rules text gives them.
    pub const ALL: [Topic; 17] = [
        Topic::Time,
        Topic::Accounts,
        Topic::Lots,
        Topic::BurnDown,
        Topic::Subscriptions,
        Topic::Rollover,
        Topic::Cancel,
        Topic::Spending,
        Topic::Images,
        Topic::SameInstant,
        Topic::Idempotency,
        Topic::Corrections,
        Topic::Reports,
        Topic::Limits,
        Topic::WalletFiles,
        Topic::Scenarios,
        Topic::ExitCodes,
    ];

    /// The topic a user typed.
    pub fn from_id(id: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.id() == id)
    }

    /// What a user types: `wallet help rules burn-down`.
    pub fn id(self) -> &'static str {
        match self {
            Topic::Time => "time",
            Topic::Accounts => "accounts",
            Topic::Lots => "lots",
            Topic::BurnDown => "burn-down",
            Topic::Subscriptions => "subscriptions",
            Topic::Rollover => "rollover",
            Topic::Cancel => "cancel",
            Topic::Spending => "spending",
            Topic::Images => "images",
            Topic::SameInstant => "same-instant",
            Topic::Idempotency => "idempotency",
            Topic::Corrections => "corrections",
            Topic::Reports => "reports",
            Topic::Limits => "limits",
            Topic::WalletFiles => "wallet-files",
            Topic::Scenarios => "scenarios",
            Topic::ExitCodes => "exit-codes",
        }
    }
}

impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}
