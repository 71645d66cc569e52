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
    let fired = fire_events(db, ctx, to, WINDOW, |at| {
        if let Some(bar) = &bar {
            bar.set_position(u64::try_from(at.timestamp() - now.timestamp()).unwrap_or(0));
            bar.set_message(format_instant(at));
        }
    })?;
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

/// Fires every event due after `now` up to `to`, a window of at most
/// `window` events of each kind at a time; `at_instant` hears of each instant done.
fn fire_events(
    db: &impl Ledger,
    ctx: &Context,
    to: Instant,
    window: u32,
    mut at_instant: impl FnMut(Instant),
) -> Result<Fired> {
    let mut fired = Fired::default();
    let mut previous: Option<Instant> = None;
    loop {
        let events = Window::read(db, to, window)?;
        let until = events.until;
        events.fire(db, ctx, &mut fired, &mut at_instant)?;
        if until >= to {
            break;
        }
        // Each window ends later than the one before.
        if previous.is_some_and(|previous| until <= previous) {
            return Err(unsettled(until));
        }
        previous = Some(until);
    }
    if let Some(at) = db.next_due(to)? {
        return Err(unsettled(at));
    }
    Ok(fired)
}

fn unsettled(at: Instant) -> Error {
    Error::Failed(anyhow::anyhow!(
        "internal error: events at {} did not settle; nothing was changed",
        format_instant(at)
    ))
}

/// Events read at most at once: due subscriptions, and accounts with
/// one-time lots expiring at an instant. A window holds them in memory.
const WINDOW: u32 = 16_384;

/// The clock's events up to `until`, all read at once before any fires:
/// the running subscriptions due by then and the one-time lots' expiries.
/// Nothing else makes an event, and an event changes only its own
/// subscription (held here, and saved once when the window is done) and
/// its own account's lots, so the window fires every event up to `until`
/// without reading them again, in the same order as one instant at a time.
struct Window {
    until: Instant,
    /// Each due subscription with its account id and handle.
    subscriptions: Vec<(i64, String, Subscription)>,
    /// Accounts with a one-time lot expiring, by instant.
    expiries: BTreeMap<Instant, Vec<(i64, String)>>,
}

impl Window {
    /// The events up to `to`, or up to the instant before the first that
    /// has more than a window's worth left unread (then at least that first
    /// instant whole, however many it has).
    fn read(db: &impl Ledger, to: Instant, window: u32) -> Result<Window> {
        let subscriptions = db.subscriptions_due_by(to, window)?;
        let expiries = db.lot_expiries_by(to, window)?;
        let mut until = to;
        let full = |n: usize| u32::try_from(n).map_or(true, |n| n >= window);
        for (full, last) in [
            (
                full(subscriptions.len()),
                subscriptions.last().and_then(|(_, _, s)| s.next_event()),
            ),
            (full(expiries.len()), expiries.last().map(|(at, _, _)| *at)),
        ] {
            if let (true, Some(last)) = (full, last) {
                until = until.min(last - chrono::Duration::seconds(1));
            }
        }
        let first = subscriptions
            .iter()
            .filter_map(|(_, _, s)| s.next_event())
            .chain(expiries.iter().map(|(at, _, _)| *at))
            .min();
        if let Some(first) = first.filter(|first| *first > until) {
            // More than a window at the first instant: that instant alone, whole.
            return Ok(Self::whole(
                db.subscriptions_due_by(first, u32::MAX)?,
                db.lot_expiries_by(first, u32::MAX)?,
                first,
            ));
        }
        Ok(Self::whole(subscriptions, expiries, until))
    }

    fn whole(
        subscriptions: Vec<(i64, String, Subscription)>,
        expiries: Vec<(Instant, i64, String)>,
        until: Instant,
    ) -> Window {
        let mut by_instant: BTreeMap<Instant, Vec<(i64, String)>> = BTreeMap::new();
        for (at, account, handle) in expiries.into_iter().filter(|(at, _, _)| *at <= until) {
            by_instant.entry(at).or_default().push((account, handle));
        }
        Window {
            until,
            subscriptions: subscriptions
                .into_iter()
                .filter(|(_, _, s)| s.next_event().is_some_and(|at| at <= until))
                .collect(),
            expiries: by_instant,
        }
    }

    /// Fires every event of the window, instant by instant: at each, one
    /// [`ClockStep`] after another (the same-instant order); within each
    /// step, by account handle. Each step's change carries a subscription's
    /// new state into the next; each subscription changed is saved once.
    fn fire(
        mut self,
        db: &impl Ledger,
        ctx: &Context,
        fired: &mut Fired,
        at_instant: &mut impl FnMut(Instant),
    ) -> Result<()> {
        let before: Vec<Subscription> = self.subscriptions.iter().map(|(_, _, s)| s.clone()).collect();
        let mut queue: std::collections::BTreeSet<(Instant, usize)> = self
            .subscriptions
            .iter()
            .enumerate()
            .filter_map(|(i, (_, _, s))| Some((s.next_event()?, i)))
            .collect();
        loop {
            let next_sub = queue.first().map(|(at, _)| *at);
            let next_expiry = self.expiries.keys().next().copied();
            let Some(at) = next_sub.into_iter().chain(next_expiry).min() else {
                break;
            };
            let mut due: Vec<usize> = Vec::new();
            while let Some((_, i)) = queue.first().copied().filter(|(t, _)| *t == at) {
                queue.pop_first();
                due.push(i);
            }
            due.sort_by(|a, b| self.subscriptions[*a].1.cmp(&self.subscriptions[*b].1));
            let mut expiring = self.expiries.remove(&at).unwrap_or_default();
            expiring.sort_by(|a, b| a.1.cmp(&b.1));
            expiring.dedup_by_key(|(account, _)| *account);
            for step in ClockStep::ALL {
                if step == ClockStep::Expiry {
                    for (account, handle) in &expiring {
                        if let Some(change) = rules::expire_one_time_lots(&db.live_lots(*account)?, at) {
                            db.record(*account, at, &change, ctx.actor())?;
                            fired.note(at, handle, &change);
                        }
                    }
                    continue;
                }
                for i in &due {
                    let (account, handle, sub) = &mut self.subscriptions[*i];
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
            for i in due {
                match self.subscriptions[i].2.next_event() {
                    Some(next) if next <= at => return Err(unsettled(at)),
                    Some(next) if next <= self.until => {
                        queue.insert((next, i));
                    }
                    _ => {}
                }
            }
            at_instant(at);
        }
        for ((_, _, after), before) in self.subscriptions.iter().zip(&before) {
            if after != before {
                db.save_subscription(before, after)?;
            }
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::Pricing;
    use crate::rules::Totals;
    use crate::rules::clock::at;
    use crate::store::{Commit, Location, Wallet};
    use crate::terminal::Terminal;

    /// Five subscriptions, three of them starting at the same instant, and
    /// grants expiring on the way; advanced 14 months a window at a time.
    fn advanced(window: u32) -> Vec<String> {
        let t0 = at("2026-01-31T10:00:00Z");
        let ctx = Context::new(Location::Memory, None, false, None, t0, Terminal::of_stdout(true));
        let pricing = Pricing::builtin().expect("the built-in pricing is valid");
        let mut wallet = Wallet::open_in_place(&Location::Memory, t0).expect("a wallet in memory");
        let starts = [
            "2026-01-31T10:00:00Z",
            "2026-01-31T10:00:00Z",
            "2026-01-31T10:00:00Z",
            "2026-02-01T00:00:00Z",
            "2026-02-28T23:59:59Z",
        ];
        wallet
            .write(Commit::One, |db| -> Result<Vec<String>> {
                let mut accounts = Vec::new();
                for (n, start) in starts.iter().enumerate() {
                    let handle = format!("c{n}");
                    let account = db.create_account(&handle, t0)?;
                    let change = rules::subscribe(&handle, None, "licenses-5-monthly", &pricing, at(start))?;
                    db.record(account, at(start), &change, None)?;
                    let grant = rules::grant(
                        Totals {
                            credits: 10,
                            licenses: 0,
                        },
                        at(starts[4 - n]) + chrono::Duration::days(40),
                        "test",
                    )?;
                    db.record(account, at(start), &grant, None)?;
                    accounts.push(account);
                }
                let fired = fire_events(db, &ctx, at("2027-04-30T00:00:00Z"), window, |_| {})?;
                let mut seen = vec![format!("{:?}", fired.counts)];
                for account in accounts {
                    seen.push(format!("{:?}", db.history(account)?));
                    seen.push(format!("{:?}", db.live_lots(account)?));
                }
                Ok(seen)
            })
            .expect("the advance")
    }

    #[test]
    fn a_window_of_any_size_fires_the_same_events_in_the_same_order() {
        let whole = advanced(WINDOW);
        assert!(
            whole[0].contains("\"delivery\": 70") && whole[0].contains("\"expiry\": 5"),
            "{}",
            whole[0]
        );
        // Two events a window: the first instant has three (read whole), and
        // the others end a window before the instant it could not read whole.
        assert_eq!(advanced(2), whole);
        assert_eq!(advanced(1), whole);
    }
}
