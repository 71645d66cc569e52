//! A small in-memory reference model of the wallet's rules, written from
//! SPEC.md (§2–§8, §12, §13) and the README's "Rules" alone — never from
//! `src/` — so the property test (`properties.rs`) can hold the real store to
//! it. Plain data, one method per command; a refusal is its exit code.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Months, Utc};

pub type Instant = DateTime<Utc>;

/// A command's result: `Err(code)` is a refusal with that exit code.
pub type Outcome<T = ()> = Result<T, i32>;
/// SPEC §10: bad flags or numbers.
pub const USAGE: i32 = 2;
/// SPEC §10: refused by a rule.
pub const REFUSED: i32 = 3;

// The default pricing.toml (SPEC §13), hard-coded on purpose.
const SIGNUP_CREDITS: u64 = 10;
const LICENSE_BONUS_CREDITS: u64 = 100;
const ONE_TIME_EXPIRY_MONTHS: u32 = 12;
const ROLLOVER_CAP_MONTHS: u64 = 1;
const FIRST_PRIVATE_STYLE_FREE: bool = true;
const TRAIN_STYLE: u64 = 300;
/// `[actions.generate]`: base, agentic, private and artist all cost 1 per image.
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
/// `[products.*]`: (id, credits, licenses) per unit.
const PRODUCTS: [(&str, u64, u64); 4] = [
    ("credits-500", 500, 0),
    ("credits-1000", 1000, 0),
    ("license", 0, 1),
    ("licenses-10", 0, 10),
];
/// `[plans.*]`: (id, months per billing period, licenses_per_month); no plan has credits_per_month.
const PLANS: [(&str, u32, u64); 4] = [
    ("licenses-5-monthly", 1, 5),
    ("licenses-5-yearly", 12, 5),
    ("licenses-20-monthly", 1, 20),
    ("licenses-20-yearly", 12, 20),
];

/// "N months after t", clamped to the month's last day (SPEC §2).
pub fn months_after(t: Instant, n: u32) -> Instant {
    t.checked_add_months(Months::new(n)).expect("instant in range")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asset {
    Credits,
    Licenses,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Signup,
    CreditPack,
    LicensePack,
    LicenseBonus,
    Subscription,
}

impl Asset {
    pub fn name(self) -> &'static str {
        match self {
            Asset::Credits => "credits",
            Asset::Licenses => "licenses",
        }
    }
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Signup => "signup",
            Source::CreditPack => "credit_pack",
            Source::LicensePack => "license_pack",
            Source::LicenseBonus => "license_bonus",
            Source::Subscription => "subscription",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Lot {
    pub id: u64,
    pub asset: Asset,
    pub source: Source,
    pub granted: u64,
    pub remaining: u64,
    pub granted_at: Instant,
    pub expires_at: Instant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Active,
    Cancelling,
    Ended,
}

#[derive(Clone, Debug)]
pub struct Subscription {
    pub plan: &'static str,
    pub period_months: u32,
    pub licenses_per_month: u64,
    pub anchor: Instant,
    /// Deliveries made so far; the next one is at `anchor + deliveries months`.
    pub deliveries: u32,
    /// Billing periods paid so far; the current one ends at `anchor + periods × period_months`.
    pub periods: u32,
    pub status: Status,
}

impl Subscription {
    pub fn running(&self) -> bool {
        self.status != Status::Ended
    }
    pub fn next_delivery(&self) -> Instant {
        months_after(self.anchor, self.deliveries)
    }
    pub fn period_end(&self) -> Instant {
        months_after(self.anchor, self.periods * self.period_months)
    }
    /// The monthly allocation (SPEC §5).
    fn allocation(&self, asset: Asset) -> u64 {
        match asset {
            Asset::Licenses => self.licenses_per_month,
            Asset::Credits => self.licenses_per_month * LICENSE_BONUS_CREDITS,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Account {
    pub lots: Vec<Lot>,
    pub subscription: Option<Subscription>,
    pub styles: BTreeSet<String>,
}

#[derive(Clone, Debug)]
pub struct Image {
    pub account: String,
    pub needs_license: bool,
    pub licensed: bool,
}

#[derive(Clone, Debug)]
pub struct Model {
    pub clock: Instant,
    pub accounts: BTreeMap<String, Account>,
    /// Every image of the wallet; `img-N` is `images[N - 1]`.
    pub images: Vec<Image>,
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

impl Account {
    /// Usable lots of `asset`, in burn-down order (SPEC §3): `expires_at`, `granted_at`, id.
    fn usable(&mut self, asset: Asset, clock: Instant) -> Vec<&mut Lot> {
        let mut lots: Vec<&mut Lot> = (self.lots.iter_mut())
            .filter(|l| l.asset == asset && l.remaining > 0 && clock < l.expires_at)
            .collect();
        lots.sort_by_key(|l| (l.expires_at, l.granted_at, l.id));
        lots
    }

    pub fn balance(&self, asset: Asset, clock: Instant) -> u64 {
        (self.lots.iter())
            .filter(|l| l.asset == asset && clock < l.expires_at)
            .map(|l| l.remaining)
            .sum()
    }

    /// Takes `amount` in burn-down order, or refuses without touching anything.
    fn spend(&mut self, asset: Asset, amount: u64, clock: Instant) -> Outcome {
        if self.balance(asset, clock) < amount {
            return Err(REFUSED);
        }
        take(self.usable(asset, clock), amount);
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
        for asset in [Asset::Credits, Asset::Licenses] {
            let held: u64 = own.iter().filter(|l| l.asset == asset).map(|l| l.remaining).sum();
            let cap = ROLLOVER_CAP_MONTHS * sub.allocation(asset);
            if !first && held > cap {
                take(
                    own.iter_mut().filter(|l| l.asset == asset).map(|l| &mut **l).collect(),
                    held - cap,
                );
            }
        }
        for lot in own {
            lot.expires_at = next;
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
    }

    /// A one-time lot (SPEC §3): it expires `one_time_expiry_months` after `now`.
    fn one_time(&mut self, source: Source, asset: Asset, n: u64, now: Instant) {
        self.grant(asset, source, n, now, months_after(now, ONE_TIME_EXPIRY_MONTHS));
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

    /// Everything due at `t`, in SPEC §8's order.
    fn events_at(&mut self, t: Instant) {
        // 1. one-time lots expire
        for lot in &mut self.lots {
            if lot.source != Source::Subscription && lot.expires_at <= t {
                lot.remaining = 0;
            }
        }
        let Some(sub) = self.subscription.as_mut().filter(|s| s.running()) else {
            return;
        };
        if sub.period_end() == t {
            if sub.status == Status::Cancelling {
                // 2. a cancelling subscription forfeits and ends
                sub.status = Status::Ended;
                for lot in self.lots.iter_mut().filter(|l| l.source == Source::Subscription) {
                    lot.remaining = 0;
                }
                return;
            }
            // 3. renewal: a new paid period begins
            sub.periods += 1;
        }
        // 4. rollover cut, then delivery
        if sub.next_delivery() == t {
            self.deliver(t);
        }
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
    /// An empty wallet after `init --now clock`.
    pub fn new(clock: Instant) -> Model {
        Model {
            clock,
            accounts: BTreeMap::new(),
            images: Vec::new(),
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
    pub fn add_account(&mut self, handle: &str) -> Outcome {
        if !valid_name(handle) || self.accounts.contains_key(handle) {
            return Err(REFUSED);
        }
        let mut account = Account::default();
        account.one_time(Source::Signup, Asset::Credits, SIGNUP_CREDITS, self.clock);
        self.accounts.insert(handle.to_owned(), account);
        Ok(())
    }

    /// `buy` (SPEC §4): one lot per asset of the order, plus the license bonus.
    pub fn buy(&mut self, handle: &str, product: &str, quantity: u64) -> Outcome {
        if !(1..=1000).contains(&quantity) {
            return Err(USAGE);
        }
        let &(_, credits, licenses) = PRODUCTS.iter().find(|p| p.0 == product).ok_or(REFUSED)?;
        let now = self.clock;
        let account = self.account(handle)?;
        account.one_time(Source::CreditPack, Asset::Credits, credits * quantity, now);
        account.one_time(Source::LicensePack, Asset::Licenses, licenses * quantity, now);
        let bonus = licenses * quantity * LICENSE_BONUS_CREDITS;
        account.one_time(Source::LicenseBonus, Asset::Credits, bonus, now);
        Ok(())
    }

    /// `subscribe` (SPEC §5): the first delivery happens now.
    pub fn subscribe(&mut self, handle: &str, plan: &str) -> Outcome {
        let &(plan, period_months, licenses_per_month) = PLANS.iter().find(|p| p.0 == plan).ok_or(REFUSED)?;
        let now = self.clock;
        let account = self.account(handle)?;
        if account.subscription.as_ref().is_some_and(Subscription::running) {
            return Err(REFUSED);
        }
        account.subscription = Some(Subscription {
            plan,
            period_months,
            licenses_per_month,
            anchor: now,
            deliveries: 0,
            periods: 1,
            status: Status::Active,
        });
        account.deliver(now);
        Ok(())
    }

    /// `cancel [--undo]` (SPEC §5).
    pub fn cancel(&mut self, handle: &str, undo: bool) -> Outcome {
        let sub = self.account(handle)?.subscription.as_mut().ok_or(REFUSED)?;
        let (from, to) = match undo {
            false => (Status::Active, Status::Cancelling),
            true => (Status::Cancelling, Status::Active),
        };
        if sub.status != from {
            return Err(REFUSED);
        }
        sub.status = to;
        Ok(())
    }

    /// `generate` (SPEC §6): returns the new image ids.
    pub fn generate(&mut self, handle: &str, style: &str, count: u64) -> Outcome<Vec<String>> {
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
        account.spend(Asset::Credits, count * GENERATE_PER_IMAGE, clock)?;
        let first = self.images.len() + 1;
        for _ in 0..count {
            let account = handle.to_owned();
            self.images.push(Image {
                account,
                needs_license,
                licensed: false,
            });
        }
        Ok((first..first + count as usize).map(|n| format!("img-{n}")).collect())
    }

    /// `edit` (SPEC §6, §7).
    pub fn edit(&mut self, handle: &str, image: &str, op: &str) -> Outcome {
        let &(_, cost, gated) = EDITS.iter().find(|e| e.0 == op).ok_or(USAGE)?;
        let clock = self.clock;
        self.account(handle)?;
        let image = &self.images[self.image(handle, image)?];
        if gated && image.needs_license && !image.licensed {
            return Err(REFUSED);
        }
        self.account(handle)?.spend(Asset::Credits, cost, clock)
    }

    /// `train` (SPEC §6): the first successful training is free.
    pub fn train(&mut self, handle: &str, style: &str) -> Outcome {
        let clock = self.clock;
        let account = self.account(handle)?;
        if !valid_name(style) || account.styles.contains(style) {
            return Err(REFUSED);
        }
        let free = FIRST_PRIVATE_STYLE_FREE && account.styles.is_empty();
        account.spend(Asset::Credits, if free { 0 } else { TRAIN_STYLE }, clock)?;
        account.styles.insert(style.to_owned());
        Ok(())
    }

    /// `license` (SPEC §6, §7): one license on an image that needs one.
    pub fn license(&mut self, handle: &str, image: &str) -> Outcome {
        let clock = self.clock;
        self.account(handle)?;
        let n = self.image(handle, image)?;
        if !self.images[n].needs_license || self.images[n].licensed {
            return Err(REFUSED);
        }
        self.account(handle)?.spend(Asset::Licenses, 1, clock)?;
        self.images[n].licensed = true;
        Ok(())
    }

    /// `advance-clock` (SPEC §2, §8): every event due at or before `to`, in
    /// chronological order, each at its own instant; across accounts by handle.
    pub fn advance(&mut self, to: Instant) -> Outcome {
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
            for account in self.accounts.values_mut() {
                account.events_at(t);
            }
        }
        self.clock = to;
        Ok(())
    }
}
