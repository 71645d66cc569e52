//! A small in-memory reference model of the wallet's rules, written from
//! SPEC.md (§2–§8, §12, §13) and the README's "Rules" alone — never from
//! `src/` — so the property test (`properties.rs`) can hold the real store to
//! it. Plain data, one method per command; a refusal is its exit code.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Months, Utc};

pub(crate) type Instant = DateTime<Utc>;

/// A command's result: `Err(code)` is a refusal with that exit code.
pub(crate) type Outcome<T = ()> = Result<T, i32>;
/// SPEC §10: bad flags or numbers.
pub(crate) const USAGE: i32 = 2;
/// SPEC §10: refused by a rule.
pub(crate) const REFUSED: i32 = 3;

/// `[actions.generate]`: base, agentic, private and artist all cost 1 per image (every pricing here).
const GENERATE_PER_IMAGE: u64 = 1;
/// `[actions.edit]`: (op, credits, needs a license if the image requires one — SPEC §6).
const EDITS: [(&str, u64, bool); 7] = [
    ("instruct", 2, false),
    ("replace", 2, false),
    ("recreate", 2, false),
    ("erase", 1, false),
    ("upscale", 4, true),
    ("remove-background", 2, true),
    ("vectorize", 5, true),
];

/// `[products.ID]` (SPEC §4): what one unit grants and costs.
#[derive(Debug)]
pub(crate) struct Product {
    pub id: &'static str,
    pub credits: u64,
    pub licenses: u64,
    pub price_cents: i64,
}

/// `[plans.ID]` (SPEC §5).
#[derive(Debug)]
pub(crate) struct Plan {
    pub id: &'static str,
    /// 1 for `interval = "month"`, 12 for `"year"`.
    pub period_months: u32,
    pub licenses_per_month: u64,
    pub credits_per_month: u64,
    pub price_cents: i64,
    /// The plan's own `rollover_cap_months`, replacing the policy's (README).
    pub rollover_cap: Option<Cap>,
}

/// `rollover_cap_months`: months of allocation, or `"unlimited"`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cap {
    Months(u64),
    Unlimited,
}

/// A pricing file (SPEC §13, README "Pricing features"), as the model reads it.
#[derive(Debug)]
pub(crate) struct Pricing {
    /// `None`: the copy built into the binary (no `--pricing`).
    pub file_name: Option<&'static str>,
    pub currency: &'static str,
    pub signup_credits: u64,
    pub license_bonus_credits: u64,
    pub one_time_expiry_months: u32,
    pub rollover_cap: Cap,
    pub first_private_style_free: bool,
    pub train_style: u64,
    pub products: &'static [Product],
    pub plans: &'static [Plan],
}

const fn product(id: &'static str, credits: u64, licenses: u64, price_cents: i64) -> Product {
    Product {
        id,
        credits,
        licenses,
        price_cents,
    }
}

const fn plan(id: &'static str, period_months: u32, licenses: u64, credits: u64, price_cents: i64) -> Plan {
    Plan {
        id,
        period_months,
        licenses_per_month: licenses,
        credits_per_month: credits,
        price_cents,
        rollover_cap: None,
    }
}

/// The default pricing.toml (SPEC §13), hard-coded on purpose.
pub(crate) const DEFAULT_PRICING: Pricing = Pricing {
    file_name: None,
    currency: "USD",
    signup_credits: 10,
    license_bonus_credits: 100,
    one_time_expiry_months: 12,
    rollover_cap: Cap::Months(1),
    first_private_style_free: true,
    train_style: 300,
    products: &[
        product("credits-500", 500, 0, 1000),
        product("credits-1000", 1000, 0, 1800),
        product("license", 0, 1, 1500),
        product("licenses-10", 0, 10, 12000),
    ],
    plans: &[
        plan("licenses-5-monthly", 1, 5, 0, 5500),
        plan("licenses-5-yearly", 12, 5, 0, 54000),
        plan("licenses-20-monthly", 1, 20, 0, 20000),
        plan("licenses-20-yearly", 12, 20, 0, 192_000),
    ],
};

/// Edited pricings: another currency, a cap of 2 months, no free first
/// style, plans with `credits_per_month`, a credits-only plan, short one-time expiry.
pub(crate) const CAP_2_EUR: Pricing = Pricing {
    file_name: Some("cap-2-eur.toml"),
    currency: "EUR",
    signup_credits: 25,
    license_bonus_credits: 50,
    one_time_expiry_months: 3,
    rollover_cap: Cap::Months(2),
    first_private_style_free: false,
    train_style: 40,
    products: &[
        product("credits-500", 500, 0, 900),
        product("credits-1000", 1000, 0, 1700),
        product("license", 0, 1, 1400),
        product("licenses-10", 2, 10, 11000),
    ],
    plans: &[
        plan("licenses-5-monthly", 1, 5, 250, 5000),
        plan("licenses-5-yearly", 12, 5, 0, 50000),
        plan("licenses-20-monthly", 1, 20, 0, 19000),
        plan("licenses-20-yearly", 12, 20, 7, 180_000),
        plan("credits-300-monthly", 1, 0, 300, 900),
    ],
};

/// Edited pricing: no rollover cap but one plan with its own cap of 2 and
/// one with a cap of 1, yen without minor units in the amounts.
pub(crate) const UNLIMITED_JPY: Pricing = Pricing {
    file_name: Some("unlimited-jpy.toml"),
    currency: "JPY",
    signup_credits: 10,
    license_bonus_credits: 100,
    one_time_expiry_months: 1,
    rollover_cap: Cap::Unlimited,
    first_private_style_free: true,
    train_style: 300,
    products: &[
        product("credits-500", 500, 0, 1000),
        product("credits-1000", 1000, 0, 1800),
        product("license", 0, 1, 1500),
        product("licenses-10", 0, 10, 12000),
    ],
    plans: &[
        Plan {
            rollover_cap: Some(Cap::Months(2)),
            ..plan("licenses-5-monthly", 1, 5, 0, 5500)
        },
        plan("licenses-5-yearly", 12, 5, 0, 54000),
        Plan {
            rollover_cap: Some(Cap::Months(1)),
            ..plan("licenses-20-monthly", 1, 20, 0, 20000)
        },
        plan("licenses-20-yearly", 12, 20, 0, 192_000),
        Plan {
            rollover_cap: Some(Cap::Unlimited),
            ..plan("credits-300-monthly", 1, 0, 300, 900)
        },
    ],
};

impl Cap {
    fn toml(self) -> String {
        match self {
            Cap::Months(n) => n.to_string(),
            Cap::Unlimited => "\"unlimited\"".to_owned(),
        }
    }
}

impl Pricing {
    /// The pricing file for `--pricing`, written from these values.
    pub(crate) fn toml(&self) -> String {
        let mut t = format!(
            "currency = \"{}\"\n\n[policy]\nsignup_credits = {}\nlicense_bonus_credits = {}\n\
             one_time_expiry_months = {}\nrollover_cap_months = {}\nfirst_private_style_free = {}\n\n\
             [actions]\ntrain_style = {}\n\n[actions.generate]\n",
            self.currency,
            self.signup_credits,
            self.license_bonus_credits,
            self.one_time_expiry_months,
            self.rollover_cap.toml(),
            self.first_private_style_free,
            self.train_style,
        );
        for kind in ["base", "agentic", "private", "artist"] {
            t += &format!("{kind} = {GENERATE_PER_IMAGE}\n");
        }
        t += "\n[actions.edit]\n";
        for (op, cost, _) in EDITS {
            t += &format!("{op} = {cost}\n");
        }
        for p in self.products {
            t += &format!("\n[products.{}]\nprice_cents = {}\n", p.id, p.price_cents);
            if p.credits > 0 {
                t += &format!("credits = {}\n", p.credits);
            }
            if p.licenses > 0 {
                t += &format!("licenses = {}\n", p.licenses);
            }
        }
        for p in self.plans {
            let interval = if p.period_months == 12 { "year" } else { "month" };
            t += &format!(
                "\n[plans.{}]\ninterval = \"{interval}\"\nlicenses_per_month = {}\nprice_cents = {}\n",
                p.id, p.licenses_per_month, p.price_cents
            );
            if p.credits_per_month > 0 {
                t += &format!("credits_per_month = {}\n", p.credits_per_month);
            }
            if let Some(cap) = p.rollover_cap {
                t += &format!("rollover_cap_months = {}\n", cap.toml());
            }
        }
        t
    }
}

/// "N months after t", clamped to the month's last day (SPEC §2).
pub(crate) fn months_after(t: Instant, n: u32) -> Instant {
    t.checked_add_months(Months::new(n)).expect("instant in range")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Asset {
    Credits,
    Licenses,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Signup,
    CreditPack,
    LicensePack,
    LicenseBonus,
    Subscription,
    /// A grant by support (`grant`, README "corrections").
    Adjustment,
}

impl Asset {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Asset::Credits => "credits",
            Asset::Licenses => "licenses",
        }
    }
}

impl Source {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Source::Signup => "signup",
            Source::CreditPack => "credit_pack",
            Source::LicensePack => "license_pack",
            Source::LicenseBonus => "license_bonus",
            Source::Subscription => "subscription",
            Source::Adjustment => "adjustment",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Lot {
    pub id: u64,
    pub asset: Asset,
    pub source: Source,
    pub granted: u64,
    pub remaining: u64,
    pub granted_at: Instant,
    pub expires_at: Instant,
}

/// A ledger entry (SPEC §3): what moved, when, and why.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub at: Instant,
    pub reason: &'static str,
    pub asset: Asset,
    pub change: i64,
}

/// An order (SPEC §4): what was bought and the price paid.
#[derive(Clone, Debug)]
pub(crate) struct Order {
    pub account: String,
    pub product: &'static str,
    pub quantity: u64,
    pub price_cents: i64,
    pub currency: &'static str,
    pub at: Instant,
}

/// A subscription charge (SPEC §5): at the start and at every renewal.
#[derive(Clone, Debug)]
pub(crate) struct Charge {
    pub account: String,
    pub amount_cents: i64,
    pub currency: &'static str,
    pub period_start: Instant,
    pub period_end: Instant,
    pub at: Instant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Active,
    Cancelling,
    Ended,
}

#[derive(Clone, Debug)]
pub(crate) struct Subscription {
    pub plan: &'static Plan,
    /// The policy's values, copied when it starts (SPEC §5).
    pub license_bonus_credits: u64,
    pub rollover_cap: Cap,
    pub currency: &'static str,
    pub anchor: Instant,
    /// Deliveries made so far; the next one is at `anchor + deliveries months`.
    pub deliveries: u32,
    /// Billing periods paid so far; the current one ends at `anchor + periods × period_months`.
    pub periods: u32,
    pub status: Status,
    pub ended_at: Option<Instant>,
}

impl Subscription {
    pub(crate) fn running(&self) -> bool {
        self.status != Status::Ended
    }
    pub(crate) fn next_delivery(&self) -> Instant {
        months_after(self.anchor, self.deliveries)
    }
    pub(crate) fn period_end(&self) -> Instant {
        months_after(self.anchor, self.periods * self.plan.period_months)
    }
    /// The monthly allocation (SPEC §5).
    fn allocation(&self, asset: Asset) -> u64 {
        match asset {
            Asset::Licenses => self.plan.licenses_per_month,
            Asset::Credits => self.plan.licenses_per_month * self.license_bonus_credits + self.plan.credits_per_month,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Account {
    pub lots: Vec<Lot>,
    pub ledger: Vec<Entry>,
    pub subscription: Option<Subscription>,
    pub styles: BTreeSet<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Image {
    pub account: String,
    pub needs_license: bool,
    pub licensed: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Model {
    pub pricing: &'static Pricing,
    pub clock: Instant,
    pub accounts: BTreeMap<String, Account>,
    /// Every image of the wallet; `img-N` is `images[N - 1]`.
    pub images: Vec<Image>,
    pub orders: Vec<Order>,
    pub charges: Vec<Charge>,
    /// Every accepted `buy` and `grant`, in order: what `void` can undo.
    pub purchases: Vec<Purchase>,
}

/// A `buy` or a `grant`: the lots it made, and whether it was voided.
#[derive(Clone, Debug)]
pub(crate) struct Purchase {
    pub account: String,
    pub lots: Vec<u64>,
    pub voided: bool,
}

/// Lot ids, in creation order: SPEC §3's last tie-breaker. One counter for
/// every model is enough, as only their order within one account matters.
fn next_lot_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// SPEC §1: `[A-Za-z0-9][A-Za-z0-9._@-]{0,63}` (style names use it too — README).
fn valid_name(s: &str) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric() || "._@-".contains(c);
    s.len() <= 64 && s.starts_with(|c: char| c.is_ascii_alphanumeric()) && s.chars().all(ok)
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).expect("an amount that fits")
}

impl Account {
    /// Usable lots of `asset`, in burn-down order (SPEC §3): `expires_at`, `granted_at`, id.
    fn usable(&mut self, asset: Asset, clock: Instant) -> Vec<&mut Lot> {
        let mut lots: Vec<&mut Lot> = (self.lots.iter_mut())
            .filter(|l| l.asset == asset && l.remaining > 0 && clock < l.expires_at)
            .collect();
        lots.sort_by_key(|l| (l.expires_at, l.granted_at, l.id));
        lots
    }

    pub(crate) fn balance(&self, asset: Asset, clock: Instant) -> u64 {
        (self.lots.iter())
            .filter(|l| l.asset == asset && clock < l.expires_at)
            .map(|l| l.remaining)
            .sum()
    }

    fn record(&mut self, at: Instant, reason: &'static str, asset: Asset, change: i64) {
        if change != 0 {
            self.ledger.push(Entry {
                at,
                reason,
                asset,
                change,
            });
        }
    }

    /// Takes `amount` in burn-down order, or refuses without touching anything.
    fn spend(&mut self, asset: Asset, amount: u64, clock: Instant, reason: &'static str) -> Outcome {
        if self.balance(asset, clock) < amount {
            return Err(REFUSED);
        }
        take(self.usable(asset, clock), amount);
        self.record(clock, reason, asset, -signed(amount));
        Ok(())
    }

    /// SPEC §5 rollover cut, then delivery.
    fn deliver(&mut self, at: Instant) {
        let sub = self.subscription.as_mut().expect("a subscription delivers");
        let (first, next) = (sub.deliveries == 0, months_after(sub.anchor, sub.deliveries + 1));
        sub.deliveries += 1;
        let sub = sub.clone();
        let mut own: Vec<&mut Lot> = (self.lots.iter_mut())
            .filter(|l| l.source == Source::Subscription && l.remaining > 0)
            .collect();
        own.sort_by_key(|l| (l.granted_at, l.id)); // oldest first
        let mut cut = Vec::new();
        for asset in [Asset::Credits, Asset::Licenses] {
            let held: u64 = own.iter().filter(|l| l.asset == asset).map(|l| l.remaining).sum();
            let cap = match sub.rollover_cap {
                Cap::Months(months) => months * sub.allocation(asset),
                Cap::Unlimited => u64::MAX,
            };
            if !first && held > cap {
                take(
                    own.iter_mut().filter(|l| l.asset == asset).map(|l| &mut **l).collect(),
                    held - cap,
                );
                cut.push((asset, held - cap));
            }
        }
        for lot in own {
            lot.expires_at = next;
        }
        for (asset, n) in cut {
            self.record(at, "rollover_expired", asset, -signed(n));
        }
        for asset in [Asset::Licenses, Asset::Credits] {
            self.grant(asset, Source::Subscription, sub.allocation(asset), at, next);
        }
    }

    fn grant(&mut self, asset: Asset, source: Source, n: u64, at: Instant, expires: Instant) {
        if n == 0 {
            return;
        }
        self.lots.push(Lot {
            id: next_lot_id(),
            asset,
            source,
            granted: n,
            remaining: n,
            granted_at: at,
            expires_at: expires,
        });
        let reason = match source {
            Source::Signup => "signup",
            Source::CreditPack | Source::LicensePack => "purchase",
            Source::LicenseBonus => "license_bonus",
            Source::Subscription => "delivery",
            Source::Adjustment => "adjustment",
        };
        self.record(at, reason, asset, signed(n));
    }

    /// A one-time lot (SPEC §3): it expires `one_time_expiry_months` after `now`.
    fn one_time(&mut self, pricing: &Pricing, source: Source, asset: Asset, n: u64, now: Instant) {
        self.grant(asset, source, n, now, months_after(now, pricing.one_time_expiry_months));
    }

    /// The next instant something happens to this account on its own (SPEC §8).
    fn next_event(&self) -> Option<Instant> {
        let expiries = (self.lots.iter())
            .filter(|l| l.source != Source::Subscription && l.remaining > 0)
            .map(|l| l.expires_at);
        let sub = (self.subscription.iter())
            .filter(|s| s.running())
            .flat_map(|s| [s.next_delivery(), s.period_end()]);
        expiries.chain(sub).min()
    }

    /// Everything due at `t`, in SPEC §8's order; a renewal returns its charge.
    fn events_at(&mut self, t: Instant) -> Option<(i64, &'static str, Instant)> {
        // 1. one-time lots expire
        let mut expired = Vec::new();
        for lot in &mut self.lots {
            if lot.source != Source::Subscription && lot.expires_at <= t && lot.remaining > 0 {
                expired.push((lot.asset, lot.remaining));
                lot.remaining = 0;
            }
        }
        for (asset, n) in expired {
            self.record(t, "expired", asset, -signed(n));
        }
        let sub = self.subscription.as_mut().filter(|s| s.running())?;
        let mut charge = None;
        if sub.period_end() == t {
            if sub.status == Status::Cancelling {
                // 2. a cancelling subscription forfeits and ends
                sub.status = Status::Ended;
                sub.ended_at = Some(t);
                let mut forfeited = Vec::new();
                for lot in self.lots.iter_mut().filter(|l| l.source == Source::Subscription) {
                    forfeited.push((lot.asset, lot.remaining));
                    lot.remaining = 0;
                }
                for (asset, n) in forfeited {
                    self.record(t, "forfeited", asset, -signed(n));
                }
                return None;
            }
            // 3. renewal: a new paid period begins, and is charged
            sub.periods += 1;
            charge = Some((sub.plan.price_cents, sub.currency, sub.period_end()));
        }
        // 4. rollover cut, then delivery
        if sub.next_delivery() == t {
            self.deliver(t);
        }
        charge
    }
}

/// Takes `amount` from `lots` in the order given (the caller checked there is enough).
fn take(lots: Vec<&mut Lot>, mut amount: u64) {
    for lot in lots {
        let n = amount.min(lot.remaining);
        lot.remaining -= n;
        amount -= n;
    }
    assert_eq!(amount, 0, "took more than there was");
}

impl Model {
    /// An empty wallet after `init --now clock`, with `pricing`.
    pub(crate) fn new(clock: Instant, pricing: &'static Pricing) -> Model {
        Model {
            pricing,
            clock,
            accounts: BTreeMap::new(),
            images: Vec::new(),
            orders: Vec::new(),
            charges: Vec::new(),
            purchases: Vec::new(),
        }
    }

    fn account(&mut self, handle: &str) -> Outcome<&mut Account> {
        self.accounts.get_mut(handle).ok_or(REFUSED)
    }

    /// The image `img-N` if it belongs to `handle` (another's is "missing" — README).
    fn image(&self, handle: &str, id: &str) -> Outcome<usize> {
        let n: usize = id.strip_prefix("img-").and_then(|n| n.parse().ok()).ok_or(REFUSED)?;
        match self.images.get(n.wrapping_sub(1)) {
            Some(image) if image.account == handle => Ok(n - 1),
            _ => Err(REFUSED),
        }
    }

    /// `account add` (SPEC §10): the signup lot.
    pub(crate) fn add_account(&mut self, handle: &str) -> Outcome {
        if !valid_name(handle) || self.accounts.contains_key(handle) {
            return Err(REFUSED);
        }
        let mut account = Account::default();
        let signup = self.pricing.signup_credits;
        account.one_time(self.pricing, Source::Signup, Asset::Credits, signup, self.clock);
        self.accounts.insert(handle.to_owned(), account);
        Ok(())
    }

    /// `buy` (SPEC §4): one lot per asset of the order, plus the license
    /// bonus, and the order with its price and the pricing's currency.
    pub(crate) fn buy(&mut self, handle: &str, product: &str, quantity: u64) -> Outcome {
        if !(1..=1000).contains(&quantity) {
            return Err(USAGE);
        }
        let (pricing, now) = (self.pricing, self.clock);
        let p = pricing.products.iter().find(|p| p.id == product).ok_or(REFUSED)?;
        let account = self.account(handle)?;
        let before = account.lots.len();
        account.one_time(pricing, Source::CreditPack, Asset::Credits, p.credits * quantity, now);
        account.one_time(
            pricing,
            Source::LicensePack,
            Asset::Licenses,
            p.licenses * quantity,
            now,
        );
        let bonus = p.licenses * quantity * pricing.license_bonus_credits;
        account.one_time(pricing, Source::LicenseBonus, Asset::Credits, bonus, now);
        let lots = account.lots[before..].iter().map(|l| l.id).collect();
        self.purchases.push(Purchase {
            account: handle.to_owned(),
            lots,
            voided: false,
        });
        self.orders.push(Order {
            account: handle.to_owned(),
            product: p.id,
            quantity,
            price_cents: p.price_cents * signed(quantity),
            currency: pricing.currency,
            at: now,
        });
        Ok(())
    }

    /// `subscribe` (SPEC §5): the first charge and delivery happen now.
    pub(crate) fn subscribe(&mut self, handle: &str, plan: &str) -> Outcome {
        let (pricing, now) = (self.pricing, self.clock);
        let plan = pricing.plans.iter().find(|p| p.id == plan).ok_or(REFUSED)?;
        let account = self.account(handle)?;
        if account.subscription.as_ref().is_some_and(Subscription::running) {
            return Err(REFUSED);
        }
        let sub = Subscription {
            plan,
            license_bonus_credits: pricing.license_bonus_credits,
            rollover_cap: plan.rollover_cap.unwrap_or(pricing.rollover_cap),
            currency: pricing.currency,
            anchor: now,
            deliveries: 0,
            periods: 1,
            status: Status::Active,
            ended_at: None,
        };
        let period_end = sub.period_end();
        account.subscription = Some(sub);
        account.deliver(now);
        self.charges.push(Charge {
            account: handle.to_owned(),
            amount_cents: plan.price_cents,
            currency: pricing.currency,
            period_start: now,
            period_end,
            at: now,
        });
        Ok(())
    }

    /// `cancel [--undo]` (SPEC §5).
    pub(crate) fn cancel(&mut self, handle: &str, undo: bool) -> Outcome {
        let sub = self.account(handle)?.subscription.as_mut().ok_or(REFUSED)?;
        let (from, to) = if undo {
            (Status::Cancelling, Status::Active)
        } else {
            (Status::Active, Status::Cancelling)
        };
        if sub.status != from {
            return Err(REFUSED);
        }
        sub.status = to;
        Ok(())
    }

    /// `generate` (SPEC §6): returns the new image ids.
    pub(crate) fn generate(&mut self, handle: &str, style: &str, count: u64) -> Outcome<Vec<String>> {
        if !(1..=100).contains(&count) {
            return Err(USAGE);
        }
        let clock = self.clock;
        let account = self.account(handle)?;
        let needs_license = match style.split_once(':') {
            None if style == "base" || style == "agentic" => false,
            Some(("artist", name)) if valid_name(name) => true,
            Some(("private", name)) if account.styles.contains(name) => true,
            Some(("private", _)) => return Err(REFUSED),
            _ => return Err(USAGE), // the property test never generates another style
        };
        account.spend(Asset::Credits, count * GENERATE_PER_IMAGE, clock, "generate")?;
        let first = self.images.len() + 1;
        for _ in 0..count {
            let account = handle.to_owned();
            self.images.push(Image {
                account,
                needs_license,
                licensed: false,
            });
        }
        Ok((first..first + usize::try_from(count).expect("count"))
            .map(|n| format!("img-{n}"))
            .collect())
    }

    /// `edit` (SPEC §6, §7).
    pub(crate) fn edit(&mut self, handle: &str, image: &str, op: &str) -> Outcome {
        let &(_, cost, gated) = EDITS.iter().find(|e| e.0 == op).ok_or(USAGE)?;
        let clock = self.clock;
        self.account(handle)?;
        let image = &self.images[self.image(handle, image)?];
        if gated && image.needs_license && !image.licensed {
            return Err(REFUSED);
        }
        self.account(handle)?.spend(Asset::Credits, cost, clock, "edit")
    }

    /// `train` (SPEC §6): the first successful training is free when the policy says so.
    pub(crate) fn train(&mut self, handle: &str, style: &str) -> Outcome {
        let (pricing, clock) = (self.pricing, self.clock);
        let account = self.account(handle)?;
        if !valid_name(style) || account.styles.contains(style) {
            return Err(REFUSED);
        }
        let free = pricing.first_private_style_free && account.styles.is_empty();
        account.spend(
            Asset::Credits,
            if free { 0 } else { pricing.train_style },
            clock,
            "train",
        )?;
        account.styles.insert(style.to_owned());
        Ok(())
    }

    /// `license` (SPEC §6, §7): one license on an image that needs one.
    pub(crate) fn license(&mut self, handle: &str, image: &str) -> Outcome {
        let clock = self.clock;
        self.account(handle)?;
        let n = self.image(handle, image)?;
        if !self.images[n].needs_license || self.images[n].licensed {
            return Err(REFUSED);
        }
        self.account(handle)?.spend(Asset::Licenses, 1, clock, "license")?;
        self.images[n].licensed = true;
        Ok(())
    }

    /// `grant` (README "corrections"): one `adjustment` lot per asset named,
    /// expiring 12 months on (`policy.adjustment_expiry_months`, absent from
    /// every pricing here). Neither amount is a usage error.
    pub(crate) fn grant(&mut self, handle: &str, credits: Option<u64>, licenses: Option<u64>) -> Outcome {
        if credits.is_none() && licenses.is_none() {
            return Err(USAGE);
        }
        let now = self.clock;
        let account = self.account(handle)?;
        let before = account.lots.len();
        for (asset, n) in [(Asset::Credits, credits), (Asset::Licenses, licenses)] {
            account.grant(asset, Source::Adjustment, n.unwrap_or(0), now, months_after(now, 12));
        }
        let lots = account.lots[before..].iter().map(|l| l.id).collect();
        self.purchases.push(Purchase {
            account: handle.to_owned(),
            lots,
            voided: false,
        });
        Ok(())
    }

    /// `debit`: takes each amount in burn-down order, refused whole when either is short.
    pub(crate) fn debit(&mut self, handle: &str, credits: Option<u64>, licenses: Option<u64>) -> Outcome {
        if credits.is_none() && licenses.is_none() {
            return Err(USAGE);
        }
        let now = self.clock;
        let account = self.account(handle)?;
        let wanted = [
            (Asset::Credits, credits.unwrap_or(0)),
            (Asset::Licenses, licenses.unwrap_or(0)),
        ];
        if wanted.iter().any(|(asset, n)| account.balance(*asset, now) < *n) {
            return Err(REFUSED);
        }
        for (asset, n) in wanted {
            take(account.usable(asset, now), n);
            account.record(now, "adjustment", asset, -signed(n));
        }
        Ok(())
    }

    /// `void` of the `k`-th buy or grant (`None`: an id that names none):
    /// what its lots still hold is taken back, once.
    pub(crate) fn void(&mut self, k: Option<usize>) -> Outcome {
        let now = self.clock;
        let purchase = k.and_then(|k| self.purchases.get_mut(k)).ok_or(REFUSED)?;
        if purchase.voided {
            return Err(REFUSED);
        }
        purchase.voided = true;
        let account = self
            .accounts
            .get_mut(&purchase.account)
            .expect("the purchase's account");
        let mut taken = Vec::new();
        for lot in account.lots.iter_mut().filter(|l| purchase.lots.contains(&l.id)) {
            taken.push((lot.asset, lot.remaining));
            lot.remaining = 0;
        }
        for (asset, n) in taken {
            account.record(now, "voided", asset, -signed(n));
        }
        Ok(())
    }

    /// `advance-clock` (SPEC §2, §8): every event due at or before `to`, in
    /// chronological order, each at its own instant; across accounts by handle.
    pub(crate) fn advance(&mut self, to: Instant) -> Outcome {
        if to < self.clock {
            return Err(REFUSED);
        }
        while let Some(t) = self
            .accounts
            .values()
            .filter_map(Account::next_event)
            .min()
            .filter(|t| *t <= to)
        {
            for (handle, account) in &mut self.accounts {
                if let Some((amount_cents, currency, period_end)) = account.events_at(t) {
                    self.charges.push(Charge {
                        account: handle.clone(),
                        amount_cents,
                        currency,
                        period_start: t,
                        period_end,
                        at: t,
                    });
                }
            }
        }
        self.clock = to;
        Ok(())
    }
}
