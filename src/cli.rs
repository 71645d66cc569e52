//! The command line, as clap derive types only: parsing, help, completions
//! and the man page all read these. No logic lives here.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCompleter;

use crate::completion;
use crate::rules::{EditOp, MAX_CORRECTION, OperationKind, Topic};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "wallet",
    version,
    disable_help_subcommand = true,
    about = "Credits and licenses wallet manager for an image-generation platform",
    long_about = "Keeps customers' credits and licenses in a local SQLite wallet, runs the rules of an editable \
                  pricing.toml, and moves its own clock forward with advance-clock, firing deliveries, renewals, \
                  expiries and forfeitures when they fall due."
)]
pub struct Cli {
    /// The wallet file (`:memory:` for a throwaway wallet)
    #[arg(long, global = true, env = "WALLET_DB", value_name = "PATH")]
    pub db: Option<String>,

    /// The pricing file (default: pricing.toml in the config dir, else the built-in copy)
    #[arg(long, global = true, env = "WALLET_PRICING", value_name = "PATH")]
    pub pricing: Option<PathBuf>,

    /// Machine output (JSON) on stdout
    #[arg(long, global = true)]
    pub json: bool,

    /// Who runs the command, recorded with every operation (default: $USER); with `log`, only that
    /// actor's operations
    #[arg(long, global = true, value_name = "NAME", add = ArgValueCompleter::new(completion::actors))]
    pub actor: Option<String>,

    /// Run a mutating command at most once: a retry with the same key and arguments returns the
    /// original result and changes nothing
    #[arg(long, global = true, value_name = "KEY")]
    pub idempotency_key: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// `log --actor NAME` lists that actor's operations: `log` records
    /// nothing, so the global flag that names who runs a command is its filter.
    #[must_use]
    pub fn with_log_filters(mut self) -> Cli {
        if let Command::Log(args) = &mut self.command {
            args.actor.clone_from(&self.actor);
        }
        self
    }
}

impl Command {
    /// The account a command is about, if it names one.
    pub fn account_mut(&mut self) -> Option<&mut String> {
        match self {
            Command::Buy { account, .. }
            | Command::Grant { account, .. }
            | Command::Debit { account, .. }
            | Command::Subscribe { account, .. }
            | Command::Cancel { account, .. }
            | Command::Generate { account, .. }
            | Command::Edit { account, .. }
            | Command::Train { account, .. }
            | Command::License { account, .. }
            | Command::History { account, .. }
            | Command::Images { account }
            | Command::Account(AccountCommand::Add { account } | AccountCommand::Show { account, .. }) => Some(account),
            Command::Balance { account, .. } => account.as_mut(),
            Command::Log(args) => args.account.as_mut(),
            Command::Init { .. }
            | Command::Account(AccountCommand::List)
            | Command::AdvanceClock(_)
            | Command::Void { .. }
            | Command::Report(_)
            | Command::Export { .. }
            | Command::Compare { .. }
            | Command::Replay { .. }
            | Command::Pricing(_)
            | Command::Completions { .. }
            | Command::Verify
            | Command::Copy { .. }
            | Command::Manpage
            | Command::Help(_) => None,
        }
    }
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Start an empty wallet's clock (only before anything has happened)
    Init {
        /// The wallet's starting instant (RFC 3339 or YYYY-MM-DD); default: now
        #[arg(long, value_name = "T")]
        now: Option<String>,
    },
    /// Add or list accounts
    #[command(subcommand)]
    Account(AccountCommand),
    /// Buy a one-time product (credits or licenses; expires after 12 months)
    Buy {
        #[arg(add = ArgValueCompleter::new(completion::accounts))]
        account: String,
        #[arg(add = ArgValueCompleter::new(completion::products))]
        product: String,
        /// How many of the product (1 to 1000)
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
        quantity: u32,
    },
    /// Start a license subscription
    Subscribe {
        #[arg(add = ArgValueCompleter::new(completion::accounts))]
        account: String,
        #[arg(add = ArgValueCompleter::new(completion::plans))]
        plan: String,
    },
    /// Cancel a subscription at the end of its billing period
    Cancel {
        #[arg(add = ArgValueCompleter::new(completion::accounts))]
        account: String,
        /// Resume a cancelling subscription instead
        #[arg(long)]
        undo: bool,
    },
    /// Generate images, paid in credits
    Generate {
        #[arg(add = ArgValueCompleter::new(completion::accounts))]
        account: String,
        /// base, agentic, private:NAME or artist:NAME
        #[arg(long, default_value = "base", value_name = "S", add = ArgValueCompleter::new(completion::styles))]
        style: String,
        /// How many images (1 to 100)
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
        count: u32,
    },
    /// Edit an image, paid in credits
    Edit {
        #[arg(add = ArgValueCompleter::new(completion::accounts))]
        account: String,
        #[arg(add = ArgValueCompleter::new(completion::images))]
        image: String,
        #[arg(value_parser = edit_ops())]
        op: EditOp,
    },
    /// Train a private style (the first one is free)
    Train {
        #[arg(add = ArgValueCompleter::new(completion::accounts))]
        account: String,
        style: String,
    },
    /// Spend one license on an image
    License {
        #[arg(add = ArgValueCompleter::new(completion::accounts))]
        account: String,
        #[arg(add = ArgValueCompleter::new(completion::images))]
        image: String,
    },
    /// Move the wallet clock forward, firing every event due on the way
    AdvanceClock(AdvanceClockArgs),
    /// Grant credits or licenses as a correction (goodwill, compensation), with a reason
    Grant {
        #[arg(add = ArgValueCompleter::new(completion::accounts))]
        account: String,
        #[command(flatten)]
        amounts: Amounts,
        /// Why: 1 to 200 characters, shown in history, log and account show
        #[arg(long, value_name = "TEXT", value_parser = correction_reason, allow_hyphen_values = true)]
        reason: String,
        /// When the granted lots expire, counted from now (Nh, Nd, Nw, Nmo or Ny); default:
        /// `policy.adjustment_expiry_months`
        #[arg(long, value_name = "DURATION", value_parser = expiry_duration, add = ArgValueCompleter::new(completion::durations))]
        expires_in: Option<String>,
    },
    /// Take credits or licenses back as a correction, in the burn-down order, with a reason
    Debit {
        #[arg(add = ArgValueCompleter::new(completion::accounts))]
        account: String,
        #[command(flatten)]
        amounts: Amounts,
        /// Why: 1 to 200 characters, shown in history, log and account show
        #[arg(long, value_name = "TEXT", value_parser = correction_reason, allow_hyphen_values = true)]
        reason: String,
    },
    /// Void a buy or a grant entered in error: what its lots still hold is taken back
    Void {
        /// The operation's id (see: wallet log, or history)
        #[arg(value_name = "OPERATION", add = ArgValueCompleter::new(completion::voidable))]
        operation: i64,
        /// Why: 1 to 200 characters, shown in history, log and account show
        #[arg(long, value_name = "TEXT", value_parser = correction_reason, allow_hyphen_values = true)]
        reason: String,
    },
    /// Every operation in the wallet, newest first: who did what, when, and why
    Log(LogArgs),
    /// Reports for the business: who loses credits or licenses soon; money and losses by month
    #[command(subcommand)]
    Report(ReportCommand),
    /// Every ledger entry in order, for accounting tools and spreadsheets
    Export {
        /// Only entries at or after this instant
        #[arg(long, value_name = "T")]
        since: Option<String>,
        /// Only entries at or before this instant
        #[arg(long, value_name = "T")]
        until: Option<String>,
        /// jsonl (one JSON object a line) or csv (with a header row)
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
    },
    /// Replay a scenario under the selected pricing and under another, side by side
    Compare {
        /// The scenario file (`-` for stdin)
        file: PathBuf,
        /// The other pricing file
        #[arg(long, value_name = "PRICING")]
        with: PathBuf,
    },
    /// Balances, lots and what is at risk next
    Balance {
        #[arg(add = ArgValueCompleter::new(completion::accounts))]
        account: Option<String>,
        /// Answer for a past instant, from the ledger
        #[arg(long, value_name = "T")]
        as_of: Option<String>,
    },
    /// Every ledger entry of an account, with running balances
    History {
        #[arg(add = ArgValueCompleter::new(completion::accounts))]
        account: String,
        /// Only entries at or after this instant
        #[arg(long, value_name = "T")]
        since: Option<String>,
        /// Only entries at or before this instant
        #[arg(long, value_name = "T")]
        until: Option<String>,
        /// Only entries with this reason (repeatable): signup, purchase, delivery, expired, `rollover_expired`,
        /// forfeited, generate, edit, train, license, `license_bonus`, adjustment, voided, or an operation kind such as
        /// renewal or cancel
        #[arg(long, value_name = "R")]
        reason: Vec<String>,
        /// Only the last N matching entries
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
    /// An account's images and their rights
    Images {
        #[arg(add = ArgValueCompleter::new(completion::accounts))]
        account: String,
    },
    /// Run a scenario file of commands and expectations (`-` for stdin)
    Replay {
        file: PathBuf,
        /// Print only failures
        #[arg(long)]
        quiet: bool,
        /// Commit after every N lines, and only then (default: every 50,000 lines or every second, whichever comes first)
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        commit_every: Option<u32>,
    },
    /// Show or check a pricing file
    #[command(subcommand)]
    Pricing(PricingCommand),
    /// Print a shell's completion registration script
    Completions { shell: ShellArg },
    /// Check the wallet's integrity and invariants
    Verify,
    /// Copy the whole wallet, ids and all, into a new file or an empty PostgreSQL database
    Copy {
        /// Where the copy goes: a file path, or `postgres://USER@HOST/DATABASE`
        #[arg(long, value_name = "DEST")]
        to: String,
    },
    /// Print the man page (roff), as completions/wallet.1 holds it
    #[command(hide = true)]
    Manpage,
    /// Help for a command (`help buy`), or the rules the wallet applies (`help rules [TOPIC]`)
    Help(HelpArgs),
}

#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HelpArgs {
    #[command(subcommand)]
    pub rules: Option<HelpCommand>,
    /// The command to explain, e.g. `account add`
    #[arg(value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum HelpCommand {
    /// The rules the wallet applies, by topic; without a topic, the list of topics
    Rules {
        /// The topic to read
        #[arg(value_parser = topic_parser())]
        topic: Option<Topic>,
    },
}

/// The topics of the rules text, as a clap value (listed in errors and completion).
fn topic_parser() -> impl TypedValueParser<Value = Topic> {
    PossibleValuesParser::new(Topic::ALL.map(Topic::id)).map(|id| Topic::from_id(&id).unwrap_or(Topic::Time))
}

#[derive(Debug, Clone, Subcommand)]
pub enum ReportCommand {
    /// Every account that will lose credits or licenses within the window if nothing is spent
    Expiring {
        /// How far ahead to look (Nh, Nd, Nw, Nmo or Ny)
        #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = report_window, add = ArgValueCompleter::new(completion::durations))]
        within: String,
    },
    /// Money taken, credits and licenses granted, spent and lost, and balances, by calendar month
    Summary {
        /// From this instant (default: the wallet's first operation)
        #[arg(long, value_name = "T")]
        from: Option<String>,
        /// To this instant (default: the wallet clock)
        #[arg(long, value_name = "T")]
        to: Option<String>,
    },
}

/// The formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

/// A duration for `report expiring --within`.
fn report_window(text: &str) -> Result<String, String> {
    crate::rules::clock::Step::parse(text)
        .map(|_| text.to_owned())
        .map_err(|_| "use a whole number and a unit: 12h, 30d, 2w, 3mo or 1y".to_owned())
}

#[derive(Debug, Clone, Subcommand)]
pub enum AccountCommand {
    /// Add an account (grants the signup credits)
    Add { account: String },
    /// List accounts with their totals
    List,
    /// One account on one screen: totals, subscription, lots, upcoming events, recent history, images
    Show {
        #[arg(add = ArgValueCompleter::new(completion::accounts))]
        account: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum PricingCommand {
    /// Products and plans with their unit prices
    Show,
    /// Validate a pricing file and warn about broken price ordering
    Check { file: Option<PathBuf> },
}

/// What a `grant` or a `debit` moves: at least one of the two.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = true)]
pub struct Amounts {
    /// Credits (1 to 1000000)
    #[arg(long, value_name = "N", value_parser = correction_amount())]
    pub credits: Option<u64>,
    /// Licenses (1 to 1000000)
    #[arg(long, value_name = "N", value_parser = correction_amount())]
    pub licenses: Option<u64>,
}

#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Only this account's operations
    #[arg(long, value_name = "A", add = ArgValueCompleter::new(completion::accounts))]
    pub account: Option<String>,
    /// Only operations made by this actor: the global `--actor NAME`, which `log` (that records
    /// nothing) reads as its filter ([`Cli::with_log_filters`])
    #[arg(skip)]
    pub actor: Option<String>,
    /// Only operations of this kind (buy, grant, void, delivery, …)
    #[arg(long, value_name = "K", value_parser = operation_kind(), add = ArgValueCompleter::new(completion::kinds))]
    pub kind: Option<OperationKind>,
    /// Only operations at or after this instant
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Only operations at or before this instant
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// Only the newest N
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
}

/// 1 to 1,000,000 of an asset, for `grant` and `debit`.
fn correction_amount() -> impl TypedValueParser<Value = u64> {
    clap::value_parser!(u64).range(1..=MAX_CORRECTION)
}

/// A correction's reason, checked as the rules say.
fn correction_reason(text: &str) -> Result<String, String> {
    crate::rules::check_reason(text)
}

/// A duration for `--expires-in`.
fn expiry_duration(text: &str) -> Result<String, String> {
    crate::rules::clock::Step::parse(text)
        .map(|_| text.to_owned())
        .map_err(|_| "use a whole number and a unit: 12h, 3d, 2w, 6mo or 1y".to_owned())
}

/// The kinds of operation, as clap values (listed in errors).
fn operation_kind() -> impl TypedValueParser<Value = OperationKind> {
    PossibleValuesParser::new(OperationKind::ALL.map(OperationKind::as_str))
        .try_map(|kind: String| OperationKind::parse(&kind))
}

#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct AdvanceClockArgs {
    /// Nh, Nd, Nw, Nmo or Ny
    #[arg(add = ArgValueCompleter::new(completion::durations))]
    pub duration: Option<String>,
    /// An RFC 3339 instant or a YYYY-MM-DD date (midnight UTC)
    #[arg(long, value_name = "T")]
    pub to: Option<String>,
}

/// The edit operations of SPEC §6, listed once in `EditOp::ALL`; clap offers
/// them as possible values (help, completion) and rejects others (exit 2).
fn edit_ops() -> impl TypedValueParser<Value = EditOp> {
    PossibleValuesParser::new(EditOp::ALL.map(EditOp::as_str))
        .try_map(|op: String| EditOp::parse(&op).ok_or("not an edit operation"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    Bash,
    Zsh,
    Fish,
}
