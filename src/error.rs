//! The program's one error type and its exit codes (SPEC §10):
//! 2 usage, 3 refused by a rule, 1 anything else.

use crate::rules::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags, a bad duration or date (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Refused by a rule (exit 3).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A failure that keeps another failure's exit code with more words
    /// (a scenario line: `FILE:LINE: …`).
    #[error("{1}")]
    Coded(i32, String),
    /// I/O, a corrupt or newer wallet, an invalid pricing file (exit 1).
    #[error("{0:#}")]
    Failed(#[from] anyhow::Error),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Failed(_) => 1,
            Error::Coded(code, _) => *code,
            Error::Usage(_) => 2,
            Error::Refused(_) => 3,
        }
    }

    pub fn usage(message: impl Into<String>) -> Error {
        Error::Usage(message.into())
    }
}

impl From<crate::pricing::PricingError> for Error {
    fn from(e: crate::pricing::PricingError) -> Error {
        Error::Failed(anyhow::Error::new(e))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        Error::Failed(anyhow::Error::new(e))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
