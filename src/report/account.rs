//! `account show`: one account on one screen — totals, the subscription,
//! lots grouped by source, what happens next, recent history, images.

use serde::Serialize;

use crate::money::format_money;
use crate::rules::clock::{Instant, format_instant};
use crate::rules::{ImagesSummary, Lot, Source, Subscription, Totals};
use crate::terminal::Terminal;

use super::{
    HistoryEntry, LotView, SubscriptionView, UpcomingEvent, lot_view, lots_shown, subscription_view, table, upcoming,
};

/// How many upcoming events and history entries the screen shows.
pub(super) const UPCOMING_SHOWN: usize = 8;
pub const HISTORY_SHOWN: usize = 10;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SourceGroup {
    pub source: &'static str,
    /// What the group's lots hold.
    #[serde(flatten)]
    pub totals: Totals,
    pub lots: Vec<LotView>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AccountView {
    pub account: String,
    pub as_of: String,
    /// What the account's usable lots hold.
    #[serde(flatten)]
    pub totals: Totals,
    pub subscription: Option<SubscriptionView>,
    pub lots_by_source: Vec<SourceGroup>,
    pub upcoming: Vec<UpcomingEvent>,
    pub recent_history: Vec<HistoryEntry>,
    pub images: ImagesSummary,
}

pub fn account(
    handle: &str,
    lots: &[Lot],
    sub: Option<&Subscription>,
    history: &[HistoryEntry],
    images: ImagesSummary,
    now: Instant,
) -> AccountView {
    let shown = lots_shown(lots, sub, now, false);
    let lots_by_source = Source::ALL
        .into_iter()
        .filter_map(|source| {
            let group: Vec<&Lot> = shown.iter().filter(|l| l.source == source).collect();
            if group.is_empty() {
                return None;
            }
            Some(SourceGroup {
                source: source.as_str(),
                totals: Totals::of_lots(group.iter().copied()),
                lots: group.into_iter().map(lot_view).collect(),
            })
        })
        .collect();
    let skip = history.len().saturating_sub(HISTORY_SHOWN);
    AccountView {
        account: handle.to_owned(),
        as_of: format_instant(now),
        totals: Totals::of_lots(&shown),
        subscription: sub.map(subscription_view),
        lots_by_source,
        upcoming: upcoming(lots, sub, now, UPCOMING_SHOWN),
        recent_history: history[skip..].to_vec(),
        images,
    }
}

fn signed(n: i64, noun: &str) -> String {
    if n == 0 { String::new() } else { format!("{n:+} {noun}") }
}

pub fn render_account(view: &AccountView, terminal: Terminal) -> String {
    let Terminal { paint, width } = terminal;
    let mut out = format!(
        "{}\n{} credits · {} licenses · as of {}\n\n",
        paint.bold(&view.account),
        view.totals.credits,
        view.totals.licenses,
        view.as_of
    );
    match &view.subscription {
        Some(s) => {
            out += &format!(
                "subscription  {} · {} · {} a {}\n              period {} → {}\n",
                s.plan,
                s.status,
                format_money(s.price_cents, &s.currency),
                s.interval,
                s.period_start.as_deref().unwrap_or("-"),
                s.period_end.as_deref().unwrap_or("-"),
            );
            if let Some(next) = &s.next_delivery {
                out += &format!("              next delivery {next}\n");
            }
        }
        None => out += "subscription  none\n",
    }
    out += "\nlots by source (spent soonest-expiring first)\n";
    if view.lots_by_source.is_empty() {
        out += "  none\n";
    } else {
        let mut t = table(&["source", "lot", "asset", "remaining", "of", "expires at"], width);
        for group in &view.lots_by_source {
            for (i, l) in group.lots.iter().enumerate() {
                t.add_row(vec![
                    if i == 0 { group.source.to_owned() } else { String::new() },
                    l.id.to_string(),
                    l.asset.to_owned(),
                    l.remaining.to_string(),
                    l.granted.to_string(),
                    l.expires_at.clone(),
                ]);
            }
        }
        out += &format!("{t}\n");
    }
    out += "\nupcoming (if nothing is spent)\n";
    if view.upcoming.is_empty() {
        out += "  nothing scheduled\n";
    } else {
        let mut t = super::table_wrapping(&["at", "event", "credits", "licenses", "what happens"], 4, width);
        for e in &view.upcoming {
            t.add_row(vec![
                e.at.clone(),
                e.kind.as_str().to_owned(),
                signed(e.credits, ""),
                signed(e.licenses, ""),
                e.message.clone(),
            ]);
        }
        out += &format!("{}\n", paint.warn_table(t));
    }
    out += &format!(
        "\nrecent history (last {HISTORY_SHOWN}; all of it: wallet history {})\n",
        view.account
    );
    if view.recent_history.is_empty() {
        out += "  none\n";
    } else {
        let mut t = table(&["at", "change", "credits", "licenses", "reason", "lot"], width);
        for e in &view.recent_history {
            t.add_row(vec![
                e.at.clone(),
                e.change_text(),
                e.balances.credits.to_string(),
                e.balances.licenses.to_string(),
                match (
                    e.reason.clone().unwrap_or_else(|| e.kind.to_string()),
                    e.corrections_text(),
                ) {
                    (reason, Some(text)) => format!("{reason} ({text})"),
                    (reason, None) => reason,
                },
                e.lot.map(|l| l.to_string()).unwrap_or_default(),
            ]);
        }
        out += &format!("{}\n", paint.warn_table(t));
    }
    let i = view.images;
    out += &format!(
        "\nimages  {} · {} licensed · {} needing a license{}\n",
        i.count,
        i.licensed,
        i.needing_license,
        if i.needing_license > 0 {
            " (watermarked, no commercial use: see wallet images)"
        } else {
            ""
        }
    );
    out
}
