//! The same-instant order: [`ClockStep`], the steps of the clock in the
//! order they apply when several events fall on one instant. `advance-clock`
//! fires them in this order and the upcoming events of `account show` and
//! `balance` are listed in it.

use serde::{Serialize, Serializer};

use crate::rules::clock::Instant;

use super::Subscription;

/// One step of the clock at an instant. The order of the variants is the
/// rule: at one instant, 1. one-time lots expire; 2. subscriptions that end
/// at their period end (cancelling, or no further period fits in the
/// calendar) forfeit what they hold and end; 3. the others renew; 4. the
/// rollover cut, then the delivery. Across accounts the step comes first,
/// then the account handle; a command given at that instant runs after all
/// of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClockStep {
    Expiry,
    Forfeit,
    Renewal,
    Delivery,
}

impl ClockStep {
    /// Every step, in the order they apply.
    pub const ALL: [ClockStep; 4] = [
        ClockStep::Expiry,
        ClockStep::Forfeit,
        ClockStep::Renewal,
        ClockStep::Delivery,
    ];

    /// The step's name as an upcoming event (`expiry`, `forfeiture`,
    /// `renewal`, `delivery`), as `--json` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockStep::Expiry => "expiry",
            ClockStep::Forfeit => "forfeiture",
            ClockStep::Renewal => "renewal",
            ClockStep::Delivery => "delivery",
        }
    }

    /// Whether this step fires for a running subscription `sub` at `at`:
    /// at its period end it forfeits if it ends there and renews
    /// otherwise; at its next delivery it delivers. Expiry is the one-time
    /// lots' step, never a subscription's.
    pub fn fires_for(self, sub: &Subscription, at: Instant) -> bool {
        sub.is_running()
            && match self {
                ClockStep::Expiry => false,
                ClockStep::Forfeit => sub.ends_at_period_end() && sub.period_end() == Some(at),
                ClockStep::Renewal => !sub.ends_at_period_end() && sub.period_end() == Some(at),
                ClockStep::Delivery => sub.next_delivery() == Some(at),
            }
    }
}

/// As its name, so JSON prints `forfeiture` and not `Forfeit`.
impl Serialize for ClockStep {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_of_the_steps_is_the_same_instant_rule() {
        use ClockStep::{Delivery, Expiry, Forfeit, Renewal};
        assert!(Expiry < Forfeit, "one-time lots expire before a subscription forfeits");
        assert!(
            Forfeit < Renewal,
            "an ending subscription forfeits before the others renew"
        );
        assert!(Renewal < Delivery, "renewals come before the rollover cut and delivery");
        let mut sorted = ClockStep::ALL;
        sorted.sort();
        assert_eq!(ClockStep::ALL, sorted, "ALL lists the steps in the order they apply");
        assert_eq!(ClockStep::ALL, [Expiry, Forfeit, Renewal, Delivery]);
    }

    #[test]
    fn at_a_period_end_a_cancelling_subscription_forfeits_and_an_active_one_renews() {
        use crate::rules::SubscriptionStatus;
        use crate::rules::clock::at;
        use crate::rules::fixtures::subscription;
        // licenses-5-monthly after its first delivery and period: the period
        // ends, and the next delivery falls, one month after the anchor.
        let month_later = at("2026-02-15T10:00:00Z");
        let fired = |status| {
            let sub = subscription(status, 1, 1, 1);
            ClockStep::ALL
                .into_iter()
                .filter(|s| s.fires_for(&sub, month_later))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fired(SubscriptionStatus::Active),
            [ClockStep::Renewal, ClockStep::Delivery]
        );
        assert_eq!(
            fired(SubscriptionStatus::Cancelling),
            [ClockStep::Forfeit, ClockStep::Delivery]
        );
        assert_eq!(fired(SubscriptionStatus::Ended), []);
    }

    #[test]
    fn each_step_serializes_as_its_event_name() {
        for step in ClockStep::ALL {
            assert_eq!(serde_json::to_value(step).ok(), Some(step.as_str().into()), "{step:?}");
        }
        assert_eq!(
            ClockStep::Forfeit.as_str(),
            "forfeiture",
            "the step is named as the event it is"
        );
    }
}
