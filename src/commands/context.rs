//! [`Context`]: what every command may need from outside the wallet — where
//! the wallet is, the pricing file, JSON or words, who runs the command, the
//! system time and the terminal — decided once when the program starts.

use std::cell::OnceCell;
use std::path::PathBuf;

use crate::error::Result;
use crate::pricing::Pricing;
use crate::rules::clock::Instant;
use crate::store::Location;
use crate::terminal::Terminal;

/// What every command may need from outside the wallet, decided once in main.
pub struct Context {
    pub location: Location,
    pub pricing_path: Option<PathBuf>,
    pub json: bool,
    pub actor: Option<String>,
    /// The system time: used only to start a new wallet's clock.
    pub system_now: Instant,
    /// Colour and table width for people's views.
    pub terminal: Terminal,
    pricing: OnceCell<Pricing>,
}

impl Context {
    pub fn new(
        location: Location,
        pricing_path: Option<PathBuf>,
        json: bool,
        actor: Option<String>,
        system_now: Instant,
        terminal: Terminal,
    ) -> Context {
        Context {
            location,
            pricing_path,
            json,
            actor,
            system_now,
            terminal,
            pricing: OnceCell::new(),
        }
    }

    /// The effective pricing (SPEC §10): --pricing / $`WALLET_PRICING`, else
    /// pricing.toml in the config dir, else the built-in copy. Loaded once.
    pub fn pricing(&self) -> Result<&Pricing> {
        if let Some(p) = self.pricing.get() {
            return Ok(p);
        }
        let loaded = Pricing::effective(self.pricing_path.as_deref())?;
        Ok(self.pricing.get_or_init(|| loaded))
    }

    pub fn actor(&self) -> Option<&str> {
        self.actor.as_deref()
    }
}
