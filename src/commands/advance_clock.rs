//! `wallet advance-clock DURATION | --to T` (SPEC §2, §8): every event due
//! on the way fires at its own instant, in SPEC §8's order, and the whole
//! advance is one transaction.

use serde::Serialize;

use crate::cli::AdvanceClockArgs;
use crate::clock::{Instant, Step, format_instant, parse_instant};
use crate::error::{Error, Result};
use crate::rules::{self, Change, Refusal, SubscriptionStatus};
use crate::store::Db;

use super::{Context, Output};

#[derive(Debug, Serialize)]
struct Event {
    at: String,
    account: String,
    kind: &'static str,
    summary: String,
}

#[derive(Debug, Serialize)]
struct Advanced {
    from: String,
    to: String,
    events: Vec<Event>,
}

fn target(args: &AdvanceClockArgs, now: Instant) -> Result<Instant> {
    match (&args.duration, &args.to) {
        (Some(d), None) => Step::parse(d).map_err(Error::Usage)?.after(now).ok_or_else(|| {
            Error::usage(format!(
                "advancing {d} from {} goes past 9999-12-31",
                format_instant(now)
            ))
        }),
        (None, Some(t)) => parse_instant(t).map_err(Error::Usage),
        _ => Err(Error::usage("give either a duration (1mo) or --to T, not both")),
    }
}

pub fn run(db: &Db<'_>, ctx: &Context, args: &AdvanceClockArgs) -> Result<Output> {
    let now = db.clock()?;
    let to = target(args, now)?;
    if to < now {
        return Err(Refusal::ClockBackwards { now, target: to }.into());
    }
    let mut events = Vec::new();
    while let Some(at) = db.next_due(to)? {
        fire_events_at(db, ctx, at, &mut events)?;
        if db.next_due(at)?.is_some() {
            return Err(Error::Failed(anyhow::anyhow!(
                "internal error: events at {} did not settle; nothing was changed",
                format_instant(at)
            )));
        }
    }
    db.set_clock(to)?;
    let summary = format!(
        "clock moved from {} to {}: {} event(s)",
        format_instant(now),
        format_instant(to),
        events.len()
    );
    db.record_wallet_operation(to, "advance-clock", &summary, ctx.actor())?;
    let mut human = format!("{summary}\n");
    for e in &events {
        human += &format!("  {}  {:<10} {}\n", e.at, e.account, e.summary);
    }
    Ok(Output::new(
        human,
        Advanced {
            from: format_instant(now),
            to: format_instant(to),
            events,
        },
    ))
}

fn record(
    db: &Db<'_>,
    ctx: &Context,
    account: i64,
    handle: String,
    at: Instant,
    change: &Change,
    events: &mut Vec<Event>,
) -> Result<()> {
    db.record(account, at, change, ctx.actor())?;
    events.push(Event {
        at: format_instant(at),
        account: handle,
        kind: change.kind,
        summary: change.summary.clone(),
    });
    Ok(())
}

/// SPEC §8: at one instant, 1. one-time lots expire; 2. cancelling
/// subscriptions at their period end forfeit and end; 3. the others renew;
/// 4. rollover cut, then delivery. Within each step, by account handle.
fn fire_events_at(db: &Db<'_>, ctx: &Context, at: Instant, events: &mut Vec<Event>) -> Result<()> {
    for (account, handle) in db.accounts_with_expiring_lots(at)? {
        if let Some(change) = rules::expire_one_time_lots(&db.live_lots(account)?, at) {
            record(db, ctx, account, handle, at, &change, events)?;
        }
    }
    for (account, sub) in db.subscriptions_due(at)? {
        if sub.status == SubscriptionStatus::Cancelling && sub.period_end() == Some(at) {
            let change = rules::forfeit(&sub, &db.subscription_lots(sub.id)?, at);
            record(db, ctx, account, db.account_handle(account)?, at, &change, events)?;
        }
    }
    for (account, sub) in db.subscriptions_due(at)? {
        if sub.status == SubscriptionStatus::Active && sub.period_end() == Some(at) {
            let change = rules::renew(&sub, at);
            record(db, ctx, account, db.account_handle(account)?, at, &change, events)?;
        }
    }
    for (account, sub) in db.subscriptions_due(at)? {
        if sub.is_running() && sub.next_delivery() == Some(at) {
            let change = rules::deliver(&sub, &db.subscription_lots(sub.id)?)?;
            record(db, ctx, account, db.account_handle(account)?, at, &change, events)?;
        }
    }
    Ok(())
}
