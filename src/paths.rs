//! Where the wallet and the pricing file live by default (SPEC §10), from
//! the platform's data and config folders.

use std::path::PathBuf;

use directories::ProjectDirs;

fn dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "wallet")
}

/// `~/.local/share/wallet/wallet.sqlite3` on Linux.
pub fn default_wallet() -> Option<PathBuf> {
    dirs().map(|d| d.data_dir().join("wallet.sqlite3"))
}

/// `~/.config/wallet/pricing.toml` on Linux.
pub fn config_pricing() -> Option<PathBuf> {
    dirs().map(|d| d.config_dir().join("pricing.toml"))
}
