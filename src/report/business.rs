//! The business reports as plain data, built by pure functions from what
//! the store sums and lists: `report summary`'s calendar months (money
//! taken, credits and licenses granted, spent and lost, balances at each
//! month's end) with its chart, and `report expiring`'s losses ahead.

use std::collections::BTreeMap;

use chrono::{Datelike, TimeZone, Utc};
use serde::Serialize;

use crate::money::format_money;
use crate::rules::clock::{Instant, add_months, format_instant, latest_instant};
use crate::rules::{Asset, LedgerSum, Payment, Totals};
use crate::terminal::Terminal;

use super::table;

/// Money taken in one currency in one month, in minor units.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Money {
    pub currency: String,
    /// Orders, voided ones left out.
    pub orders_cents: i64,
    /// Subscription charges.
    pub charges_cents: i64,
    pub total_cents: i64,
}

/// One calendar month (UTC) of the wallet.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Month {
    /// `2026-01`.
    pub month: String,
    pub money: Vec<Money>,
    /// Granted, by the source of the lots.
    pub granted: BTreeMap<String, Totals>,
    /// Spent, by action (`generate`, `edit`, `train`, `license`).
    pub spent: BTreeMap<String, Totals>,
    pub expired: Totals,
    /// Cut by a rollover cap at a delivery.
    pub cut: Totals,
    pub forfeited: Totals,
    /// Taken back by a `void`.
    pub voided: Totals,
    /// Taken back by a `debit`.
    pub adjusted: Totals,
    /// Everything the accounts hold at the month's end (the liability).
    pub balances: Totals<i64>,
}

impl Month {
    /// What the month lost to expiry, rollover cuts and forfeiture.
    pub fn lost(&self) -> Totals {
        let mut lost = self.expired;
        for t in [self.cut, self.forfeited] {
            lost.credits = lost.credits.saturating_add(t.credits);
            lost.licenses = lost.licenses.saturating_add(t.licenses);
        }
        lost
    }

    /// Everything granted in the month.
    pub fn granted_total(&self) -> Totals {
        self.granted.values().fold(Totals::default(), |mut sum, t| {
            sum.credits = sum.credits.saturating_add(t.credits);
            sum.licenses = sum.licenses.saturating_add(t.licenses);
            sum
        })
    }
}

/// The calendar months (UTC) from `from`'s to `to`'s, each as its name and
/// the instants it starts and ends (exclusive).
pub fn months(from: Instant, to: Instant) -> Vec<(String, Instant, Instant)> {
    let mut out = Vec::new();
    let Some(mut start) = Utc.with_ymd_and_hms(from.year(), from.month(), 1, 0, 0, 0).single() else {
        return out;
    };
    while start <= to {
        // December of the calendar's last year ends after its last instant.
        let end = add_months(start, 1).unwrap_or_else(|| latest_instant() + chrono::Duration::seconds(1));
        out.push((start.format("%Y-%m").to_string(), start, end));
        start = end;
    }
    out
}

fn add(totals: &mut Totals, asset: Asset, amount: i64) {
    let n = amount.unsigned_abs();
    match asset {
        Asset::Credits => totals.credits = totals.credits.saturating_add(n),
        Asset::Licenses => totals.licenses = totals.licenses.saturating_add(n),
    }
}

impl Month {
    /// Adds the month's ledger, summed by asset, reason and lot source, and
    /// moves the running balances on by its net change.
    pub fn add_ledger(&mut self, sums: &[LedgerSum], balances: &mut Totals<i64>) {
        for s in sums {
            balances.add(s.asset, s.total);
            if s.grant {
                add(
                    self.granted.entry(s.source.as_str().to_owned()).or_default(),
                    s.asset,
                    s.total,
                );
                continue;
            }
            let bucket = match s.reason.as_str() {
                "expired" => &mut self.expired,
                "rollover_expired" => &mut self.cut,
                "forfeited" => &mut self.forfeited,
                "voided" => &mut self.voided,
                "adjustment" => &mut self.adjusted,
                action => self.spent.entry(action.to_owned()).or_default(),
            };
            add(bucket, s.asset, s.total);
        }
        self.balances = *balances;
    }

    /// Adds one payment made in the month (a voided order counts for nothing).
    pub fn add_payment(&mut self, payment: &Payment) {
        if !self.money.iter().any(|m| m.currency == payment.currency) {
            self.money.push(Money {
                currency: payment.currency.clone(),
                ..Money::default()
            });
        }
        let Some(money) = self.money.iter_mut().find(|m| m.currency == payment.currency) else {
            return;
        };
        match payment.order_voided {
            Some(true) => return,
            Some(false) => money.orders_cents = money.orders_cents.saturating_add(payment.amount_cents),
            None => money.charges_cents = money.charges_cents.saturating_add(payment.amount_cents),
        }
        money.total_cents = money.total_cents.saturating_add(payment.amount_cents);
    }
}

/// Money in every currency taken in the month, for people.
fn money_text(money: &[Money], pick: impl Fn(&Money) -> i64) -> String {
    let parts: Vec<String> = money
        .iter()
        .filter(|m| pick(m) != 0)
        .map(|m| format_money(pick(m), &m.currency))
        .collect();
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(" + ")
    }
}

/// The summary for people, readable at any width: the money taken, a month
/// a row; then each month's credits and licenses, a figure a row (what is
/// nothing is left out); then a chart of credits granted against credits
/// lost (expired, cut, forfeited), coloured where colour is allowed.
pub fn render_summary(months: &[Month], from: Instant, to: Instant, terminal: Terminal) -> String {
    let mut out = format!(
        "summary from {} to {} by calendar month (UTC)\n\nmoney taken (a voided order counts for nothing)\n",
        format_instant(from),
        format_instant(to)
    );
    let mut money = table(&["month", "orders", "charges", "total"], terminal.width);
    for m in months {
        money.add_row(vec![
            m.month.clone(),
            money_text(&m.money, |m| m.orders_cents),
            money_text(&m.money, |m| m.charges_cents),
            money_text(&m.money, |m| m.total_cents),
        ]);
    }
    out += &format!("{money}\n\ncredits and licenses\n");
    let mut assets = table(&["month", "figure", "credits", "licenses"], terminal.width);
    for m in months {
        let mut rows: Vec<(String, Totals<i64>)> = Vec::new();
        let unsigned = |t: Totals| Totals {
            credits: i64::try_from(t.credits).unwrap_or(i64::MAX),
            licenses: i64::try_from(t.licenses).unwrap_or(i64::MAX),
        };
        for (source, t) in &m.granted {
            rows.push((format!("granted: {source}"), unsigned(*t)));
        }
        for (action, t) in &m.spent {
            rows.push((format!("spent: {action}"), unsigned(*t)));
        }
        for (figure, t) in [
            ("expired", m.expired),
            ("cut by a rollover cap", m.cut),
            ("forfeited", m.forfeited),
            ("voided", m.voided),
            ("debited", m.adjusted),
        ] {
            rows.push((figure.to_owned(), unsigned(t)));
        }
        rows.retain(|(_, t)| t.credits != 0 || t.licenses != 0);
        rows.push(("held at the month's end".to_owned(), m.balances));
        for (i, (figure, t)) in rows.into_iter().enumerate() {
            assets.add_row(vec![
                if i == 0 { m.month.clone() } else { String::new() },
                figure,
                t.credits.to_string(),
                t.licenses.to_string(),
            ]);
        }
    }
    out += &format!("{assets}\n");
    out += &chart(months, terminal);
    out
}

/// Credits granted (█) and lost (▒) per month, bars scaled to the widest.
fn chart(months: &[Month], terminal: Terminal) -> String {
    let width = terminal.width.map_or(100, usize::from);
    let largest = months
        .iter()
        .map(|m| m.granted_total().credits.max(m.lost().credits))
        .max()
        .unwrap_or(0);
    if largest == 0 {
        return String::new();
    }
    let label = |n: u64| n.to_string();
    let room = width.saturating_sub(8 + 3 + label(largest).len() + 2).clamp(10, 100);
    let bar = |n: u64, c: char| -> String {
        let cells = u128::from(n) * u128::try_from(room).unwrap_or(100) / u128::from(largest);
        let cells = usize::try_from(cells).unwrap_or(room);
        std::iter::repeat_n(c, if n > 0 { cells.max(1) } else { 0 }).collect()
    };
    let mut out = String::from("\ncredits granted (█) and lost to expiry, rollover cuts and forfeiture (▒)\n");
    for m in months {
        let (granted, lost) = (m.granted_total().credits, m.lost().credits);
        let (granted_bar, lost_bar) = (bar(granted, '█'), bar(lost, '▒'));
        out += &format!(
            "{}  █ {} {}\n",
            m.month,
            terminal.paint.good(&granted_bar),
            label(granted)
        );
        out += &format!(
            "{}  ▒ {} {}\n",
            " ".repeat(m.month.len()),
            terminal.paint.warn(&lost_bar),
            label(lost)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Source;
    use crate::rules::clock::at;

    fn sum(asset: Asset, reason: &str, source: Source, total: i64) -> LedgerSum {
        LedgerSum {
            asset,
            reason: reason.to_owned(),
            source,
            grant: total > 0,
            total,
        }
    }

    #[test]
    fn months_run_from_the_first_to_the_last_calendar_month() {
        let names: Vec<String> = months(at("2026-01-31T23:00:00Z"), at("2026-03-01T00:00:00Z"))
            .into_iter()
            .map(|(name, ..)| name)
            .collect();
        assert_eq!(names, ["2026-01", "2026-02", "2026-03"]);
        let last = months(at("9999-11-15T00:00:00Z"), latest_instant());
        let names: Vec<&str> = last.iter().map(|(name, ..)| name.as_str()).collect();
        assert_eq!(
            names,
            ["9999-11", "9999-12"],
            "December 9999 once, to the calendar's last instant"
        );
        assert!(last[1].2 > latest_instant());
        let (_, start, end) = &months(at("2028-02-29T12:00:00Z"), at("2028-02-29T12:00:00Z"))[0];
        assert_eq!((*start, *end), (at("2028-02-01T00:00:00Z"), at("2028-03-01T00:00:00Z")));
    }

    #[test]
    fn a_month_sorts_its_ledger_into_granted_spent_and_lost_and_keeps_the_balance() {
        let mut balances = Totals {
            credits: 10,
            licenses: 0,
        };
        let mut m = Month::default();
        m.add_ledger(
            &[
                sum(Asset::Credits, "purchase", Source::CreditPack, 1000),
                sum(Asset::Credits, "adjustment", Source::Adjustment, 50),
                sum(Asset::Credits, "adjustment", Source::CreditPack, -20),
                sum(Asset::Credits, "generate", Source::CreditPack, -300),
                sum(Asset::Credits, "expired", Source::Signup, -10),
                sum(Asset::Licenses, "delivery", Source::Subscription, 5),
                sum(Asset::Licenses, "rollover_expired", Source::Subscription, -2),
                sum(Asset::Credits, "voided", Source::CreditPack, -600),
            ],
            &mut balances,
        );
        assert_eq!(m.granted["credit_pack"].credits, 1000);
        assert_eq!(m.granted["adjustment"].credits, 50);
        assert_eq!(m.granted["subscription"].licenses, 5);
        assert_eq!(m.spent["generate"].credits, 300);
        assert_eq!(
            (m.adjusted.credits, m.voided.credits, m.expired.credits, m.cut.licenses),
            (20, 600, 10, 2)
        );
        assert_eq!(
            m.lost(),
            Totals {
                credits: 10,
                licenses: 2
            }
        );
        assert_eq!(
            m.balances,
            Totals {
                credits: 130,
                licenses: 3
            }
        );
        for (voided, cents) in [(Some(false), 1800), (Some(true), 1000), (None, 5500)] {
            m.add_payment(&Payment {
                account_id: 1,
                at: at("2026-01-15T10:00:00Z"),
                amount_cents: cents,
                currency: "USD".to_owned(),
                order_voided: voided,
            });
        }
        assert_eq!(
            m.money,
            [Money {
                currency: "USD".to_owned(),
                orders_cents: 1800,
                charges_cents: 5500,
                total_cents: 7300
            }]
        );
    }
}
