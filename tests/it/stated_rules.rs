//! Issue 16: rules the README and SPEC state that no other test held — the clock of
//! a wallet created without `init`, where the pricing file comes from, the
//! currency of an order, and the commands that do not exist.

use std::path::{Path, PathBuf};

use chrono::Utc;

use crate::support::Wallet;

/// The built-in pricing.toml with its signup credits and currency changed.
fn pricing_file(dir: &Path, name: &str, signup_credits: u64, currency: &str) -> PathBuf {
    let builtin = include_str!("../../pricing.toml");
    assert!(builtin.contains("signup_credits = 10\n") && builtin.contains("currency = \"USD\"\n"));
    let text = builtin
        .replace("signup_credits = 10\n", &format!("signup_credits = {signup_credits}\n"))
        .replace("currency = \"USD\"\n", &format!("currency = \"{currency}\"\n"));
    let path = dir.join(name);
    std::fs::create_dir_all(dir).expect("folder");
    std::fs::write(&path, text).expect("pricing file");
    path
}

/// README: a file is created by the first command that writes, and its
/// clock starts at the system time unless `init --now` comes first.
#[test]
fn a_wallet_created_without_init_starts_its_clock_at_the_system_time() {
    let w = Wallet::new();
    // The wallet keeps whole seconds.
    let before = Utc::now().timestamp();
    w.ok(&["account", "add", "alice"]);
    let after = Utc::now().timestamp();
    let balance = w.json(&["balance", "alice"]);
    let clock = balance["as_of"].as_str().expect("as_of");
    let clock = chrono::DateTime::parse_from_rfc3339(clock)
        .expect("an instant")
        .timestamp();
    assert!(
        (before..=after).contains(&clock),
        "the clock {clock} is not between {before} and {after}"
    );
    let list = w.json(&["account", "list"]);
    assert_eq!(
        list[0]["created_at"], balance["as_of"],
        "alice was added at that instant"
    );
}

/// README: `--pricing PATH`, else `$WALLET_PRICING`, else the config
/// folder's `wallet/pricing.toml`, else the built-in copy.
#[test]
fn the_pricing_file_comes_from_the_flag_then_the_variable_then_the_config_folder() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    let signup = |handle: &str, setup: &dyn Fn(&mut std::process::Command)| -> u64 {
        let r = w.run_with(&["--json", "account", "add", handle], setup);
        assert_eq!(r.code, 0, "{}", r.stderr);
        w.balance(handle).0
    };
    assert_eq!(signup("built-in", &|_| {}), 10);
    // support::command points XDG_CONFIG_HOME at the wallet's folder's `config`.
    pricing_file(&w.dir.path().join("config/wallet"), "pricing.toml", 44, "USD");
    assert_eq!(signup("config-dir", &|_| {}), 44);
    let variable = pricing_file(w.dir.path(), "variable.toml", 55, "USD");
    assert_eq!(signup("variable", &|c| _ = c.env("WALLET_PRICING", &variable)), 55);
    let flag = pricing_file(w.dir.path(), "flag.toml", 66, "USD");
    let both = |c: &mut std::process::Command| _ = c.env("WALLET_PRICING", &variable).arg("--pricing").arg(&flag);
    assert_eq!(signup("flag", &both), 66);
}

/// SPEC §4: an order is recorded with the price paid and the currency of
/// the pricing file it was bought under.
#[test]
fn an_order_records_the_currency_of_its_pricing_file() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    let eur = pricing_file(w.dir.path(), "eur.toml", 10, "EUR");
    let eur = eur.to_str().expect("path");
    w.ok(&["account", "add", "alice"]);
    let out = w.ok(&["--pricing", eur, "buy", "alice", "credits-500", "--quantity", "3"]);
    assert!(out.contains("for 30.00 EUR"), "{out}");
    w.ok(&["buy", "alice", "license"]);
    let orders = w.rows("SELECT product, quantity, price_cents, currency FROM orders ORDER BY id");
    let text = |row: &[&str]| row.iter().map(|v| Some((*v).to_owned())).collect::<Vec<_>>();
    assert_eq!(
        orders,
        [
            text(&["credits-500", "3", "3000", "EUR"]),
            text(&["license", "1", "1500", "USD"])
        ]
    );
}

/// SPEC §9: credits and licenses are non-refundable, non-transferable and
/// not exchangeable for money — there is no refund, transfer or cash-out
/// command. Each is an unknown subcommand (exit 2), and the help lists none.
#[test]
fn no_refund_transfer_or_cash_out_command_exists() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["account", "add", "bob"]);
    w.ok(&["buy", "alice", "credits-500"]);
    for words in [
        &["refund", "alice", "credits-500"][..],
        &["transfer", "alice", "bob", "100"],
        &["cash-out", "alice"],
        &["cashout", "alice"],
        &["withdraw", "alice", "100"],
    ] {
        let e = w.refused(words, 2);
        assert!(e.contains("unrecognized subcommand"), "{words:?}: {e}");
    }
    let help = w.ok(&["--help"]).to_lowercase();
    for word in ["refund", "transfer", "cash", "withdraw"] {
        assert!(!help.contains(word), "the help mentions {word}:\n{help}");
    }
}
