//! The views — balance, history, images, accounts — as plain data built by
//! pure functions from what the store reads (lots, subscriptions and the
//! records of `rules::records`; never the store's own types), and their
//! rendering as tables for people (comfy-table) or as JSON for scripts.

mod account;
pub mod business;
pub mod stream;
mod upcoming;

pub use account::{AccountView, HISTORY_SHOWN, account, render_account};
pub use upcoming::{UpcomingEvent, upcoming};

use comfy_table::{Cell, Color, ColumnConstraint, ContentArrangement, Table, presets};
use serde::Serialize;

use crate::money::format_money;
use crate::rules::clock::{Instant, format_instant};
use crate::rules::{
    self, Asset, ClockStep, CommercialUse, Corrected, HistoryLine, ImageRecord, Lot, MaxDownload, OperationKind,
    Subscription, SubscriptionStatus, Totals, image_id, rights,
};
use crate::terminal::Terminal;

/// Whether output may carry colour: only on a terminal, never with
/// `NO_COLOR` set (decided once by the caller). Colour never changes layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint(pub bool);

impl Paint {
    fn ansi(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn bold(self, text: &str) -> String {
        self.ansi("1", text)
    }

    pub fn warn(self, text: &str) -> String {
        self.ansi("33", text)
    }

    /// Text for what was gained (green).
    pub fn good(self, text: &str) -> String {
        self.ansi("32", text)
    }

    /// A cell coloured by the sign of a change: red for less, green for more.
    fn change(self, text: String, delta: i64) -> Cell {
        let cell = Cell::new(text);
        match (self.0, delta.signum()) {
            (true, -1) => cell.fg(Color::Red),
            (true, 1) => cell.fg(Color::Green),
            _ => cell,
        }
    }

    /// Lets comfy-table emit the colours of its cells (it only does on a
    /// terminal unless told).
    pub(crate) fn warn_table(self, mut t: Table) -> Table {
        if self.0 {
            t.enforce_styling();
        }
        t
    }
}

/// A table in the project's one style, fitted to `width` (the terminal's
/// facts, decided once: see [`crate::terminal::Terminal`]).
pub fn table(header: &[&str], width: Option<u16>) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    if let Some(width) = width {
        t.set_width(width);
    }
    t
}

/// A table whose columns keep their content width except `flexible`, the
/// free text that wraps.
pub fn table_wrapping(header: &[&str], flexible: usize, width: Option<u16>) -> Table {
    let mut t = table(header, width);
    for (i, column) in t.column_iter_mut().enumerate() {
        if i != flexible {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    t
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LotView {
    pub id: i64,
    pub asset: &'static str,
    pub source: &'static str,
    pub granted: u64,
    pub remaining: u64,
    pub granted_at: String,
    pub expires_at: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SubscriptionView {
    pub plan: String,
    pub status: &'static str,
    pub interval: &'static str,
    pub price_cents: i64,
    pub currency: String,
    pub started_at: String,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub next_delivery: Option<String>,
    pub ended_at: Option<String>,
}

/// Something dated that will take credits or licenses away if unused.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RiskView {
    pub at: String,
    /// `expiry`, `rollover_cut` or `forfeiture`.
    pub kind: &'static str,
    pub credits: u64,
    pub licenses: u64,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BalanceView {
    pub account: String,
    pub as_of: String,
    /// What the lots below hold.
    #[serde(flatten)]
    pub totals: Totals,
    pub lots: Vec<LotView>,
    pub subscription: Option<SubscriptionView>,
    pub at_risk: Vec<RiskView>,
}

pub fn subscription_view(sub: &Subscription) -> SubscriptionView {
    let running = sub.is_running();
    SubscriptionView {
        plan: sub.plan.clone(),
        status: sub.status.as_str(),
        interval: if sub.terms.interval_months == 12 {
            "year"
        } else {
            "month"
        },
        price_cents: sub.terms.price_cents,
        currency: sub.terms.currency.clone(),
        started_at: format_instant(sub.anchor),
        period_start: sub.period_start().map(format_instant),
        period_end: if running {
            sub.period_end().map(format_instant)
        } else {
            sub.ended_at.map(format_instant)
        },
        next_delivery: sub.upcoming_delivery().map(format_instant),
        ended_at: sub.ended_at.map(format_instant),
    }
}

/// What is at risk next (SPEC §3–§5): the soonest one-time expiry, what the
/// next delivery's rollover cut takes if nothing is spent, and a cancelling
/// subscription's forfeiture — soonest first.
pub fn at_risk(lots: &[Lot], sub: Option<&Subscription>, now: Instant) -> Vec<RiskView> {
    let events = upcoming(lots, sub, now, usize::MAX);
    let first = |step: ClockStep| {
        events
            .iter()
            .find(|e| e.kind == step && e.lost_credits + e.lost_licenses > 0)
    };
    let mut risks = Vec::new();
    for step in [ClockStep::Expiry, ClockStep::Delivery, ClockStep::Forfeit] {
        let Some(e) = first(step) else {
            continue;
        };
        let what = e.lost();
        risks.push(RiskView {
            at: e.at.clone(),
            // A delivery puts at risk only what its rollover cut takes.
            kind: match step {
                ClockStep::Delivery => "rollover_cut",
                _ => step.as_str(),
            },
            credits: e.lost_credits,
            licenses: e.lost_licenses,
            message: match step {
                ClockStep::Expiry => format!("{what} expire {}", e.at),
                ClockStep::Delivery => format!("at {}: {what} over the rollover cap expire", e.at),
                _ if sub.is_some_and(|s| s.status == SubscriptionStatus::Cancelling) => {
                    format!("at {}: {what} forfeited as the cancelled subscription ends", e.at)
                }
                _ => format!(
                    "at {}: {what} forfeited as the subscription ends with the calendar's last whole period",
                    e.at
                ),
            },
        });
    }
    risks.sort_by(|a, b| a.at.cmp(&b.at));
    risks
}

/// A subscription lot's expiry as it stood at `at`: the next delivery of its
/// series after `at` (a series instant is also every period end).
fn expiry_as_of(lot: &Lot, sub: Option<&Subscription>, at: Instant) -> Instant {
    sub.filter(|s| Some(s.id) == lot.subscription_id)
        .and_then(|s| s.lot_expiry_after(at))
        .map_or(lot.expires_at, |t| t.min(lot.expires_at))
}

/// The lots a balance shows, in burn-down order: those usable at `as_of`,
/// or for an earlier instant (`historical`) those holding something then,
/// with the expiry they had then.
fn lots_shown(lots: &[Lot], sub: Option<&Subscription>, as_of: Instant, historical: bool) -> Vec<Lot> {
    let mut lots: Vec<Lot> = lots
        .iter()
        .filter(|l| l.usable_at(as_of) || historical && l.remaining > 0)
        .cloned()
        .collect();
    if historical {
        for lot in &mut lots {
            lot.expires_at = expiry_as_of(lot, sub, as_of);
        }
    }
    lots.sort_by(rules::burn_down_order);
    lots
}

fn lot_view(l: &Lot) -> LotView {
    LotView {
        id: l.id,
        asset: l.asset.as_str(),
        source: l.source.as_str(),
        granted: l.granted,
        remaining: l.remaining,
        granted_at: format_instant(l.granted_at),
        expires_at: format_instant(l.expires_at),
    }
}

pub fn balance(
    account: &str,
    lots: &[Lot],
    sub: Option<&Subscription>,
    as_of: Instant,
    historical: bool,
) -> BalanceView {
    let lots = lots_shown(lots, sub, as_of, historical);
    BalanceView {
        account: account.to_owned(),
        as_of: format_instant(as_of),
        totals: Totals::of_lots(&lots),
        lots: lots.iter().map(lot_view).collect(),
        subscription: sub.map(subscription_view),
        at_risk: at_risk(&lots, sub, as_of),
    }
}

pub fn render_balance(view: &BalanceView, terminal: Terminal) -> String {
    let Terminal { paint, width } = terminal;
    let mut out = format!(
        "{}: {} and {} (as of {})\n",
        view.account,
        Asset::Credits.count(view.totals.credits),
        Asset::Licenses.count(view.totals.licenses),
        view.as_of
    );
    if let Some(s) = &view.subscription {
        out += &format!(
            "subscription: {} ({}, {} a {})\n  period {} → {}{}\n",
            s.plan,
            s.status,
            format_money(s.price_cents, &s.currency),
            s.interval,
            s.period_start.as_deref().unwrap_or("-"),
            s.period_end.as_deref().unwrap_or("-"),
            s.next_delivery
                .as_ref()
                .map(|d| format!(", next delivery {d}"))
                .unwrap_or_default()
        );
    }
    if !view.lots.is_empty() {
        // Content-width columns: instants never wrap (97 columns in all).
        let mut t = table_wrapping(
            &["lot", "asset", "source", "granted", "left", "granted at", "expires at"],
            usize::MAX,
            width,
        );
        for l in &view.lots {
            t.add_row(vec![
                l.id.to_string(),
                l.asset.to_owned(),
                l.source.to_owned(),
                l.granted.to_string(),
                l.remaining.to_string(),
                l.granted_at.clone(),
                l.expires_at.clone(),
            ]);
        }
        out += &format!("{t}\n");
    }
    match view.at_risk.first() {
        Some(_) => {
            for r in &view.at_risk {
                out += &format!("at risk: {}\n", paint.warn(&r.message));
            }
        }
        None => out += "at risk: nothing\n",
    }
    out
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HistoryEntry {
    pub at: String,
    pub operation: i64,
    pub kind: OperationKind,
    pub summary: String,
    pub reason: Option<String>,
    pub lot: Option<i64>,
    pub asset: Option<&'static str>,
    pub change: i64,
    /// The account's running balances after this entry.
    #[serde(flatten)]
    pub balances: Totals<i64>,
    pub note: Option<String>,
    pub actor: Option<String>,
    /// Why a correction (`grant`, `debit`, `void`) was made.
    pub correction_reason: Option<String>,
    /// The operation a void voids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voids: Option<i64>,
    /// The void that voided this operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voided_by: Option<i64>,
    /// "voided by operation 41: wrong account", for people.
    #[serde(skip)]
    pub voided_note: Option<String>,
}

impl HistoryEntry {
    /// What a person reads about the operation's corrections: its reason, and
    /// the void that voided it.
    pub fn corrections_text(&self) -> Option<String> {
        let parts: Vec<String> = [
            self.correction_reason
                .as_ref()
                .map(|r| format!("reason: {}", crate::shown::shown(r))),
            self.voided_note.as_ref().map(|n| crate::shown::shown(n).to_string()),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// "+500 credits", "-1 license", or nothing for an operation without entries.
    pub fn change_text(&self) -> String {
        match self.asset.and_then(Asset::parse) {
            Some(asset) => {
                let sign = if self.change < 0 { "-" } else { "+" };
                format!("{sign}{}", asset.count(self.change.unsigned_abs()))
            }
            None => String::new(),
        }
    }
}

/// What people read of the void that voided an operation:
/// "voided by operation 41: wrong account".
pub fn voided_note(corrected: &Corrected) -> Option<String> {
    corrected.voided_by.as_ref().map(|(id, reason)| match reason {
        Some(reason) => format!("voided by operation {id}: {reason}"),
        None => format!("voided by operation {id}"),
    })
}

/// Every entry with the running balances after it.
pub fn history(lines: &[HistoryLine]) -> Vec<HistoryEntry> {
    history_from(lines, Totals::default())
}

/// The last lines of a history whose balances after the last line are
/// `held` (the account's current totals): the running balances are counted
/// back from there, so the earlier lines need not be read.
pub fn history_tail(lines: &[HistoryLine], held: Totals) -> Vec<HistoryEntry> {
    let moved: Totals<i64> = lines
        .iter()
        .filter_map(|l| l.entry.as_ref())
        .map(|e| (e.asset, e.delta))
        .collect();
    let signed = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    history_from(
        lines,
        Totals {
            credits: signed(held.credits).saturating_sub(moved.credits),
            licenses: signed(held.licenses).saturating_sub(moved.licenses),
        },
    )
}

fn history_from(lines: &[HistoryLine], mut balances: Totals<i64>) -> Vec<HistoryEntry> {
    lines
        .iter()
        .map(|r| {
            if let Some(e) = &r.entry {
                balances.add(e.asset, e.delta);
            }
            let entry = r.entry.as_ref();
            HistoryEntry {
                at: format_instant(r.at),
                operation: r.operation_id,
                kind: r.kind,
                summary: r.summary.clone(),
                reason: entry.map(|e| e.reason.clone()),
                lot: entry.map(|e| e.lot_id),
                asset: entry.map(|e| e.asset.as_str()),
                change: entry.map_or(0, |e| e.delta),
                balances,
                note: entry.and_then(|e| e.note.clone()),
                actor: r.actor.clone(),
                correction_reason: r.corrected.reason.clone(),
                voids: r.corrected.voids,
                voided_by: r.corrected.voided_by.as_ref().map(|(id, _)| *id),
                voided_note: voided_note(&r.corrected),
            }
        })
        .collect()
}

/// The `history` filters: an inclusive time window, reasons (an entry's
/// reason or, for operations without entries, the operation kind) and the
/// last `limit` matches. Running balances are those of the whole history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    pub since: Option<Instant>,
    pub until: Option<Instant>,
    pub reasons: Vec<String>,
    pub limit: Option<usize>,
}

pub fn filter_history(entries: Vec<HistoryEntry>, filter: &HistoryFilter) -> Vec<HistoryEntry> {
    let since = filter.since.map(format_instant);
    let until = filter.until.map(format_instant);
    let mut kept: Vec<HistoryEntry> = entries
        .into_iter()
        .filter(|e| since.as_ref().is_none_or(|s| &e.at >= s))
        .filter(|e| until.as_ref().is_none_or(|u| &e.at <= u))
        .filter(|e| {
            filter.reasons.is_empty()
                || filter
                    .reasons
                    .iter()
                    .any(|r| e.reason.as_deref() == Some(r.as_str()) || e.reason.is_none() && e.kind.as_str() == r)
        })
        .collect();
    if let Some(limit) = filter.limit {
        kept.drain(..kept.len().saturating_sub(limit));
    }
    kept
}

pub fn render_history(account: &str, entries: &[HistoryEntry], terminal: Terminal) -> String {
    if entries.is_empty() {
        return format!("history of {account}: no entries\n");
    }
    format!("history of {account}\n{}\n", render_history_table(entries, terminal))
}

fn render_history_table(entries: &[HistoryEntry], terminal: Terminal) -> Table {
    let Terminal { paint, width } = terminal;
    let mut t = table_wrapping(&["at", "change", "credits", "licenses", "what"], 4, width);
    let mut previous_op = None;
    for e in entries {
        let change = e.change_text();
        // The operation's summary once, then each entry's reason, lot and explanation.
        let first_of_op = previous_op != Some(e.operation);
        previous_op = Some(e.operation);
        let mut what = Vec::new();
        if first_of_op {
            match &e.actor {
                // Recorded by older versions without a check: escaped for the terminal.
                Some(actor) => what.push(format!("{} (by {})", e.summary, crate::shown::shown(actor))),
                None => what.push(e.summary.clone()),
            }
            if let Some(text) = e.corrections_text() {
                what.push(format!("  {text}"));
            }
        }
        match (&e.reason, e.lot) {
            (Some(reason), Some(lot)) => what.push(format!("· {reason}, lot {lot}")),
            _ if !first_of_op => what.push(format!("· {}", e.kind)),
            _ => {}
        }
        if let Some(note) = &e.note {
            what.push(format!("  {note}"));
        }
        t.add_row(vec![
            Cell::new(if first_of_op { e.at.clone() } else { String::new() }),
            paint.change(change, e.change),
            Cell::new(e.balances.credits),
            Cell::new(e.balances.licenses),
            Cell::new(what.join("\n")),
        ]);
    }
    paint.warn_table(t)
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EditView {
    pub op: String,
    pub credits: u64,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImageView {
    pub id: String,
    pub style: String,
    pub created_at: String,
    pub requires_license: bool,
    pub licensed: bool,
    pub licensed_at: Option<String>,
    pub watermark: bool,
    pub commercial_use: CommercialUse,
    pub max_download: MaxDownload,
    pub svg_export: bool,
    pub upscale: bool,
    pub remove_background: bool,
    pub edits: Vec<EditView>,
}

pub fn images(records: &[ImageRecord]) -> Vec<ImageView> {
    records
        .iter()
        .map(|r| {
            let rights = rights(&r.image.style, r.image.licensed);
            ImageView {
                id: image_id(r.image.number),
                style: r.image.style.to_string(),
                created_at: format_instant(r.image.created_at),
                requires_license: rights.requires_license,
                licensed: r.image.licensed,
                licensed_at: r.licensed_at.map(format_instant),
                watermark: rights.watermark,
                commercial_use: rights.commercial_use,
                max_download: rights.max_download,
                svg_export: rights.svg_export,
                upscale: rights.upscale,
                remove_background: rights.remove_background,
                edits: r
                    .edits
                    .iter()
                    .map(|e| EditView {
                        op: e.op.clone(),
                        credits: e.credits,
                        at: format_instant(e.at),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// SPEC §7's rights of one image in words.
fn rights_text(v: &ImageView) -> String {
    let use_ = match v.commercial_use {
        CommercialUse::Full => "full commercial rights",
        CommercialUse::Free => "free for any use",
        CommercialUse::ModelProviderTerms => "rights per model provider",
        CommercialUse::None => "no commercial use",
    };
    let max_download = v.max_download.as_str();
    if v.watermark {
        format!("watermarked {max_download}, {use_}")
    } else {
        format!("{use_}, {max_download}{}", if v.svg_export { " + SVG" } else { "" })
    }
}

pub fn render_images(account: &str, views: &[ImageView], terminal: Terminal) -> String {
    let Terminal { paint, width } = terminal;
    if views.is_empty() {
        return format!("{account} has no images\n");
    }
    let mut t = table_wrapping(
        &["image", "style", "created at", "license", "rights", "edits"],
        4,
        width,
    );
    for v in views {
        let license = match (v.requires_license, v.licensed) {
            (false, _) => Cell::new("not needed"),
            (true, true) => paint.change("licensed".to_owned(), 1),
            (true, false) => paint.change("NEEDED".to_owned(), -1),
        };
        t.add_row(vec![
            Cell::new(&v.id),
            Cell::new(&v.style),
            Cell::new(&v.created_at),
            license,
            Cell::new(rights_text(v)),
            Cell::new(v.edits.iter().map(|e| e.op.as_str()).collect::<Vec<_>>().join(", ")),
        ]);
    }
    let t = paint.warn_table(t);
    let needing = views.iter().filter(|v| v.requires_license && !v.licensed).count();
    let mut out = format!("{t}\n");
    if needing > 0 {
        out += &format!(
            "{needing} image(s) need a license: they are watermarked, have no commercial rights and cannot be upscaled, background-removed or vectorized (see: wallet help rules images)\n"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SubscriptionStatus;
    use crate::rules::clock::at;
    use crate::rules::fixtures::{lot, subscription};

    #[test]
    fn the_soonest_one_time_expiry_is_summed_per_asset() {
        let lots = vec![
            lot(
                1,
                Asset::Credits,
                10,
                "2026-01-15T10:00:00Z",
                "2027-01-15T10:00:00Z",
                None,
            ),
            lot(
                2,
                Asset::Credits,
                100,
                "2026-01-15T10:00:00Z",
                "2027-01-15T10:00:00Z",
                None,
            ),
            lot(
                3,
                Asset::Credits,
                500,
                "2026-01-15T10:00:00Z",
                "2027-02-15T10:00:00Z",
                None,
            ),
        ];
        let risks = at_risk(&lots, None, at("2026-02-01T00:00:00Z"));
        assert_eq!(risks.len(), 1);
        assert_eq!(risks[0].message, "110 credits expire 2027-01-15T10:00:00Z");
    }

    #[test]
    fn the_next_delivery_cut_and_the_forfeiture_are_announced() {
        let lots = vec![
            lot(
                1,
                Asset::Credits,
                497,
                "2026-01-15T10:00:00Z",
                "2026-03-15T10:00:00Z",
                Some(1),
            ),
            lot(
                2,
                Asset::Licenses,
                4,
                "2026-01-15T10:00:00Z",
                "2026-03-15T10:00:00Z",
                Some(1),
            ),
            lot(
                3,
                Asset::Credits,
                500,
                "2026-01-15T10:00:00Z",
                "2026-03-15T10:00:00Z",
                Some(1),
            ),
            lot(
                4,
                Asset::Licenses,
                5,
                "2026-01-15T10:00:00Z",
                "2026-03-15T10:00:00Z",
                Some(1),
            ),
        ];
        let now = at("2026-02-20T00:00:00Z");
        let risks = at_risk(&lots, Some(&subscription(SubscriptionStatus::Active, 1, 2, 2)), now);
        assert_eq!(
            risks[0].message,
            "at 2026-03-15T10:00:00Z: 497 credits and 4 licenses over the rollover cap expire"
        );
        let risks = at_risk(&lots, Some(&subscription(SubscriptionStatus::Cancelling, 1, 2, 2)), now);
        assert_eq!(risks.len(), 1);
        assert_eq!(risks[0].kind, "forfeiture");
        assert_eq!((risks[0].credits, risks[0].licenses), (997, 9));
    }
}
