//! `wallet advance-clock DURATION | --to T` (SPEC §2, §8): every event due
//! on the way fires at its own instant, one [`ClockStep`] after another, and
//! the whole advance is one transaction.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::cli::AdvanceClockArgs;
use crate::error::{Error, Result};
use crate::rules::clock::{Instant, Step, format_instant, parse_instant};
use crate::rules::{self, Change, ClockStep, OperationKind, Refusal, Subscription};
use crate::store::Ledger;

use super::{Context, Output};

/// Events listed one by one in the output; beyond this only counted, so a
/// multi-year advance over many accounts stays small in memory.
const EVENTS_LISTED: usize = 1000;

/// Advances spanning at least this many seconds show progress on a terminal.
const PROGRESS_SPAN: i64 = 366 * 86_400;

#[derive(Debug, Serialize)]
struct Event {
    at: String,
    account: String,
    kind: OperationKind,
    summary: String,
}

#[derive(Debug, Default, Serialize)]
struct Fired {
    /// Events of each kind, keyed by the kind's text so that they list
    /// alphabetically.
    counts: BTreeMap<&'static str, u64>,
    /// The first events, in the order they fired.
    events: Vec<Event>,
    /// How many more fired than are listed.
    events_not_listed: u64,
}

impl Fired {
    fn note(&mut self, at: Instant, account: &str, change: &Change) {
        *self.counts.entry(change.kind.as_str()).or_default() += 1;
        if self.events.len() < EVENTS_LISTED {
            self.events.push(Event {
                at: format_instant(at),
                account: account.to_owned(),
                kind: change.kind,
                summary: change.summary.clone(),
            });
        } else {
            self.events_not_listed += 1;
        }
    }
}

#[derive(Debug, Serialize)]
struct Advanced {
    from: String,
    to: String,
    #[serde(flatten)]
    fired: Fired,
}

fn target(args: &AdvanceClockArgs, now: Instant) -> Result<Instant> {
    match (&args.duration, &args.to) {
        (Some(d), None) => Step::parse(d).map_err(Error::Usage)?.after(now).ok_or_else(|| {
            Error::usage(format!(
                "advancing {} from {} goes past 9999-12-31, the end of the wallet's calendar",
                crate::shown::shown(d.trim()),
                format_instant(now)
            ))
        }),
        (None, Some(t)) => parse_instant(t).map_err(Error::Usage),
        _ => Err(Error::usage("give either a duration (1mo) or --to T, not both")),
    }
}

fn progress(from: Instant, to: Instant) -> Option<ProgressBar> {
    let span = to.timestamp() - from.timestamp();
    if span < PROGRESS_SPAN || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(u64::try_from(span).ok()?);
    if let Ok(style) = ProgressStyle::with_template("advancing the clock {bar:40} {msg}") {
        bar.set_style(style);
    }
    Some(bar)
}

pub(super) fn run(db: &impl Ledger, ctx: &Context, args: &AdvanceClockArgs) -> Result<Output> {
    let now = db.clock()?;
    let to = target(args, now)?;
    if to < now {
        return Err(Refusal::ClockBackwards { now, target: to }.into());
    }
    // The same usage error as a zero duration (`0h`): an advance moves the clock.
    if to == now {
        return Err(Error::usage(format!(
            "--to {} does not move the clock: it is already that instant; give a later one, or a duration like 1d",
            format_instant(to)
        )));
    }
    let bar = progress(now, to);
    let mut fired = Fired::default();
    while let Some(at) = db.next_due(to)? {
        fire_events_at(db, ctx, at, &mut fired)?;
        if db.next_due(at)?.is_some() {
            return Err(Error::Failed(anyhow::anyhow!(
                "internal error: events at {} did not settle; nothing was changed",
                format_instant(at)
            )));
        }
        if let Some(bar) = &bar {
            bar.set_position(u64::try_from(at.timestamp() - now.timestamp()).unwrap_or(0));
            bar.set_message(format_instant(at));
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    db.set_clock(to)?;
    let total: u64 = fired.counts.values().sum();
    let summary = format!(
        "clock moved from {} to {}: {total} event(s)",
        format_instant(now),
        format_instant(to)
    );
    db.record_wallet_operation(to, OperationKind::AdvanceClock, &summary, ctx.actor())?;
    let mut human = format!("{summary}\n");
    for e in &fired.events {
        human += &format!("  {}  {:<10} {}\n", e.at, e.account, e.summary);
    }
    if fired.events_not_listed > 0 {
        let counts: Vec<String> = fired.counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        human += &format!(
            "  … and {} more ({} in all)\n",
            fired.events_not_listed,
            counts.join(", ")
        );
    }
    Ok(Output::new(
        human,
        Advanced {
            from: format_instant(now),
            to: format_instant(to),
            fired,
        },
    ))
}

/// Fires every event due at `at`, one [`ClockStep`] after another (the
/// same-instant order); within each step, by account handle. The
/// subscriptions due are read once; each step's change carries their new
/// state into the next step, and each is saved once at the end.
fn fire_events_at(db: &impl Ledger, ctx: &Context, at: Instant, fired: &mut Fired) -> Result<()> {
    let mut due = db.subscriptions_due(at)?;
    let before: Vec<Subscription> = due.iter().map(|(_, _, sub)| sub.clone()).collect();
    for step in ClockStep::ALL {
        if step == ClockStep::Expiry {
            for (account, handle) in db.accounts_with_expiring_lots(at)? {
                if let Some(change) = rules::expire_one_time_lots(&db.live_lots(account)?, at) {
                    db.record(account, at, &change, ctx.actor())?;
                    fired.note(at, &handle, &change);
                }
            }
            continue;
        }
        for (account, handle, sub) in &mut due {
            let Some(mut change) = subscription_change(db, step, *account, handle, sub, at)? else {
                continue;
            };
            if let Some(next) = change.take_subscription_update() {
                *sub = next;
            }
            db.record(*account, at, &change, ctx.actor())?;
            fired.note(at, handle, &change);
        }
    }
    for ((_, _, after), before) in due.iter().zip(&before) {
        if after != before {
            db.save_subscription(before, after)?;
        }
    }
    Ok(())
}

/// What `step` does to the due subscription `sub` of `account` at `at`, if
/// it fires for it.
fn subscription_change(
    db: &impl Ledger,
    step: ClockStep,
    account: i64,
    handle: &str,
    sub: &Subscription,
    at: Instant,
) -> Result<Option<Change>> {
    if !step.fires_for(sub, at) {
        return Ok(None);
    }
    let change = match step {
        // One-time lots only, never a subscription's: `fires_for` said no.
        ClockStep::Expiry => return Ok(None),
        ClockStep::Forfeit => rules::forfeit(sub, &db.subscription_lots(account, sub.id)?, at),
        ClockStep::Renewal => rules::renew(sub, at),
        ClockStep::Delivery => {
            let change = rules::deliver(sub, &db.subscription_lots(account, sub.id)?)?;
            rules::within_holding_limit(handle, &db.live_lots(account)?, &change, || {
                (
                    format!("the delivery of {} at {}", sub.plan, format_instant(at)),
                    format!(
                        "the clock was not moved; advance it to before {}, then have {handle} spend some first",
                        format_instant(at)
                    ),
                )
            })?;
            change
        }
    };
    Ok(Some(change))
}
