//! The wallet's notion of time: instants (UTC, whole seconds), the durations
//! `advance-clock` accepts, and calendar arithmetic ("N months after t",
//! clamped to the month's last day — SPEC §2).
//!
//! Nothing here reads the system clock; the current instant is always passed in.

use chrono::{DateTime, Months, NaiveDate, TimeZone, Utc};

/// One instant on the wallet clock: UTC, second precision.
pub type Instant = DateTime<Utc>;

/// The latest instant the wallet accepts (RFC 3339 needs a four-digit year).
pub fn latest_instant() -> Instant {
    Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The instant just after [`latest_instant`] (10000-01-01T00:00:00Z), which
/// the wallet's clock never reaches: an event that would fall past the end of
/// the calendar is put here, so it never comes (a lot that expires "never").
pub fn never() -> Instant {
    latest_instant() + chrono::TimeDelta::seconds(1)
}

/// True for an instant the clock can reach (at or before [`latest_instant`]).
pub fn within_calendar(t: Instant) -> bool {
    t <= latest_instant()
}

/// `2026-01-15T10:00:00Z`, or `never` for an instant past the calendar's end.
pub fn format_instant(t: Instant) -> String {
    if within_calendar(t) {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        "never".to_owned()
    }
}

/// Seconds since the Unix epoch, the form the store keeps.
pub fn to_unix(t: Instant) -> i64 {
    t.timestamp()
}

/// The inverse of [`to_unix`]; `None` for a value outside chrono's range.
pub fn from_unix(secs: i64) -> Option<Instant> {
    DateTime::from_timestamp(secs, 0)
}

/// Parses an RFC 3339 instant (any offset, converted to UTC; fractions of a
/// second are dropped) or a `YYYY-MM-DD` date meaning midnight UTC.
pub fn parse_instant(text: &str) -> Result<Instant, String> {
    let text = text.trim();
    let parsed = if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        Some(t.with_timezone(&Utc))
    } else if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        d.and_hms_opt(0, 0, 0).map(|n| n.and_utc())
    } else {
        None
    };
    let Some(t) = parsed else {
        return Err(format!(
            "'{}' is not an instant: use RFC 3339 like 2026-01-15T10:00:00Z or a date like 2026-01-15",
            crate::shown::shown(text)
        ));
    };
    let t = from_unix(t.timestamp()).unwrap_or(t);
    if t > latest_instant() || t.timestamp() < 0 {
        return Err(format!(
            "'{}' is out of range: instants run from 1970-01-01 to 9999-12-31",
            crate::shown::shown(text)
        ));
    }
    Ok(t)
}

/// `t` plus `months` calendar months, clamped to the last day of the target
/// month (Jan 31 + 1 month = Feb 28/29). `None` past [`latest_instant`].
pub fn add_months(t: Instant, months: u32) -> Option<Instant> {
    t.checked_add_months(Months::new(months))
        .filter(|r| *r <= latest_instant())
}

/// [`add_months`], or [`never`] when the result would fall past the calendar.
pub fn add_months_or_never(t: Instant, months: u32) -> Instant {
    add_months(t, months).unwrap_or_else(never)
}

/// The k-th instant of a monthly series: always `anchor + k months`, never
/// the previous instant plus one month, so the series does not drift (SPEC §2).
pub fn nth_month(anchor: Instant, k: u32) -> Option<Instant> {
    add_months(anchor, k)
}

/// A step of `advance-clock`: `Nh`, `Nd`, `Nw`, `Nmo`, `Ny`. The number is
/// kept whole however large it is written: one too large for the calendar
/// is not malformed, it goes past the calendar's end ([`Step::after`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Hours(u64),
    Days(u64),
    Weeks(u64),
    Months(u64),
    Years(u64),
}

impl Step {
    /// Parses `12h`, `3d`, `2w`, `1mo`, `10y` (whole numbers, at least 1).
    pub fn parse(text: &str) -> Result<Step, String> {
        let text = text.trim();
        let digits = text.chars().take_while(char::is_ascii_digit).count();
        let (number, unit) = text.split_at(digits);
        let hint = "use a whole number and a unit: 12h, 3d, 2w, 1mo or 1y (or --to 2027-01-15)";
        let shown = crate::shown::shown(text);
        if number.is_empty() {
            return Err(format!("'{shown}' is not a duration: {hint}"));
        }
        // More digits than a u64 holds go past the calendar's end all the same.
        let n: u64 = number.parse().unwrap_or(u64::MAX);
        if n == 0 {
            return Err(format!("'{shown}' does not move the clock: {hint}"));
        }
        match unit {
            "h" => Ok(Step::Hours(n)),
            "d" => Ok(Step::Days(n)),
            "w" => Ok(Step::Weeks(n)),
            "mo" => Ok(Step::Months(n)),
            "y" => Ok(Step::Years(n)),
            _ => Err(format!("'{shown}' has an unknown unit: {hint}")),
        }
    }

    /// The instant this step lands on from `from`; `None` past [`latest_instant`].
    pub fn after(self, from: Instant) -> Option<Instant> {
        let seconds = |n: u64, unit: i64| i64::try_from(n).ok()?.checked_mul(unit);
        let plain = |secs: Option<i64>| {
            secs.and_then(|s| from.timestamp().checked_add(s))
                .and_then(from_unix)
                .filter(|t| *t <= latest_instant())
        };
        let months = |n: u64| u32::try_from(n).ok().and_then(|m| add_months(from, m));
        match self {
            Step::Hours(n) => plain(seconds(n, 3_600)),
            Step::Days(n) => plain(seconds(n, 86_400)),
            Step::Weeks(n) => plain(seconds(n, 7 * 86_400)),
            Step::Months(n) => months(n),
            Step::Years(n) => n.checked_mul(12).and_then(months),
        }
    }
}

#[cfg(test)]
pub(crate) fn at(text: &str) -> Instant {
    parse_instant(text).expect("test instant")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_months_from_jan_31_and_feb_29_clamp_and_keep_time_of_day() {
        assert_eq!(
            add_months(at("2026-01-31T10:00:00Z"), 12),
            Some(at("2027-01-31T10:00:00Z"))
        );
        assert_eq!(
            add_months(at("2026-01-31T10:00:00Z"), 1),
            Some(at("2026-02-28T10:00:00Z"))
        );
        assert_eq!(
            add_months(at("2028-01-31T23:59:59Z"), 1),
            Some(at("2028-02-29T23:59:59Z"))
        );
        assert_eq!(
            add_months(at("2028-02-29T08:30:00Z"), 12),
            Some(at("2029-02-28T08:30:00Z"))
        );
        assert_eq!(
            add_months(at("2028-02-29T08:30:00Z"), 48),
            Some(at("2032-02-29T08:30:00Z"))
        );
    }

    #[test]
    fn monthly_series_from_jan_31_never_drifts() {
        let anchor = at("2026-01-31T09:00:00Z");
        let series: Vec<String> = (0..=12)
            .map(|k| format_instant(nth_month(anchor, k).expect("in range")))
            .collect();
        assert_eq!(
            series,
            [
                "2026-01-31T09:00:00Z",
                "2026-02-28T09:00:00Z",
                "2026-03-31T09:00:00Z",
                "2026-04-30T09:00:00Z",
                "2026-05-31T09:00:00Z",
                "2026-06-30T09:00:00Z",
                "2026-07-31T09:00:00Z",
                "2026-08-31T09:00:00Z",
                "2026-09-30T09:00:00Z",
                "2026-10-31T09:00:00Z",
                "2026-11-30T09:00:00Z",
                "2026-12-31T09:00:00Z",
                "2027-01-31T09:00:00Z",
            ]
        );
        // Adding one month at a time would drift to the 28th for good.
        let drifting = add_months(add_months(anchor, 1).expect("feb"), 1).expect("mar");
        assert_eq!(drifting, at("2026-03-28T09:00:00Z"));
        assert_ne!(drifting, nth_month(anchor, 2).expect("mar"));
    }

    #[test]
    fn parses_instants_and_dates() {
        assert_eq!(format_instant(at("2026-01-15T10:00:00Z")), "2026-01-15T10:00:00Z");
        assert_eq!(at("2026-01-15"), at("2026-01-15T00:00:00Z"));
        assert_eq!(at("2026-01-15T12:00:00+02:00"), at("2026-01-15T10:00:00Z"));
        assert_eq!(at("2026-01-15T10:00:00.75Z"), at("2026-01-15T10:00:00Z"));
        assert!(parse_instant("2026-02-30").is_err());
        assert!(parse_instant("yesterday").is_err());
        assert!(parse_instant("").is_err());
        assert!(parse_instant("1969-12-31T23:59:59Z").is_err());
    }

    #[test]
    fn the_calendar_ends_at_9999_12_31_and_never_lies_beyond_it() {
        assert_eq!(format_instant(latest_instant()), "9999-12-31T23:59:59Z");
        assert!(within_calendar(latest_instant()));
        assert!(!within_calendar(never()));
        assert!(never() > latest_instant());
        assert_eq!(to_unix(never()), to_unix(latest_instant()) + 1);
        assert_eq!(from_unix(to_unix(never())), Some(never()));
        assert_eq!(format_instant(never()), "never");
        assert!(parse_instant("10000-01-01T00:00:00Z").is_err());
    }

    #[test]
    fn months_at_the_calendars_end() {
        // The last representable month end, from a month end and from a leap day.
        assert_eq!(
            add_months(at("9999-11-30T23:59:59Z"), 1),
            Some(at("9999-12-30T23:59:59Z"))
        );
        assert_eq!(add_months(at("9999-01-31T23:59:59Z"), 11), Some(latest_instant()));
        assert_eq!(add_months(at("9999-12-31T23:59:59Z"), 1), None);
        assert_eq!(add_months_or_never(at("9999-12-31T23:59:59Z"), 1), never());
        assert_eq!(
            add_months_or_never(at("9999-12-01T00:00:00Z"), 0),
            at("9999-12-01T00:00:00Z")
        );
        // 9996 is the last leap year: its Feb 29 clamps forward and a year on.
        assert_eq!(
            add_months(at("9996-02-29T12:00:00Z"), 12),
            Some(at("9997-02-28T12:00:00Z"))
        );
        assert_eq!(
            add_months(at("9996-01-31T12:00:00Z"), 1),
            Some(at("9996-02-29T12:00:00Z"))
        );
        assert_eq!(
            add_months(at("9996-02-29T12:00:00Z"), 46),
            Some(at("9999-12-29T12:00:00Z"))
        );
        assert_eq!(add_months(at("9996-02-29T12:00:00Z"), 47), None);
        assert_eq!(nth_month(at("9998-12-31T23:59:59Z"), 12), Some(latest_instant()));
        assert_eq!(nth_month(at("9998-12-31T23:59:59Z"), 13), None);
        assert_eq!(Step::Hours(1).after(at("9999-12-31T23:00:00Z")), None);
        assert_eq!(Step::Days(1).after(at("9999-12-30T23:59:59Z")), Some(latest_instant()));
    }

    #[test]
    fn parses_steps() {
        assert_eq!(Step::parse("12h"), Ok(Step::Hours(12)));
        assert_eq!(Step::parse("3d"), Ok(Step::Days(3)));
        assert_eq!(Step::parse("2w"), Ok(Step::Weeks(2)));
        assert_eq!(Step::parse("1mo"), Ok(Step::Months(1)));
        assert_eq!(Step::parse("10y"), Ok(Step::Years(10)));
        for bad in [
            "",
            "mo",
            "0d",
            "1m",
            "1.5d",
            "-1d",
            "1 d",
            "99999999999dd",
            "1dd",
            "1é",
            "000mo",
        ] {
            assert!(Step::parse(bad).is_err(), "{bad} should be refused");
        }
        // A number too large for its unit is a duration that goes past the calendar's end.
        assert_eq!(Step::parse("99999999999y"), Ok(Step::Years(99_999_999_999)));
        assert_eq!(Step::parse("123456789012345678901234567890d"), Ok(Step::Days(u64::MAX)));
        let t = at("2026-01-15T10:00:00Z");
        for far in [
            "99999999999y",
            "1000000mo",
            "123456789012345678901234567890d",
            "99999999999h",
        ] {
            assert_eq!(Step::parse(far).map(|s| s.after(t)), Ok(None), "{far}");
        }
    }

    #[test]
    fn steps_land_on_calendar_instants() {
        let t = at("2026-01-31T10:00:00Z");
        assert_eq!(Step::Hours(14).after(t), Some(at("2026-02-01T00:00:00Z")));
        assert_eq!(Step::Weeks(1).after(t), Some(at("2026-02-07T10:00:00Z")));
        assert_eq!(Step::Months(1).after(t), Some(at("2026-02-28T10:00:00Z")));
        assert_eq!(Step::Years(2).after(t), Some(at("2028-01-31T10:00:00Z")));
        assert_eq!(Step::Years(9000).after(t), None);
        assert_eq!(Step::Days(u64::from(u32::MAX)).after(t), None);
        assert_eq!(Step::Years(u64::MAX).after(t), None);
        assert_eq!(Step::Months(u64::MAX).after(t), None);
    }
}
