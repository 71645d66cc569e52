//! Money as the wallet shows it: prices are `i64` minor units of a currency
//! (cents of USD), never floats. [`format_money`] is the one way an amount is
//! written — in `pricing show`, in refusals and in reports alike.

/// Formats minor units as money: `"$55.00"` and `"-$5.00"` for USD,
/// `"12.50 EUR"` for other currencies (always two decimals, no grouping).
#[must_use]
pub fn format_money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let magnitude = minor.unsigned_abs();
    let amount = format!("{}.{:02}", magnitude / 100, magnitude % 100);
    if currency == "USD" {
        format!("{sign}${amount}")
    } else {
        format!("{sign}{amount} {currency}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_money_cases() {
        assert_eq!(format_money(5500, "USD"), "$55.00");
        assert_eq!(format_money(192_000, "USD"), "$1920.00");
        assert_eq!(format_money(5, "USD"), "$0.05");
        assert_eq!(format_money(0, "USD"), "$0.00");
        assert_eq!(format_money(-500, "USD"), "-$5.00");
        assert_eq!(format_money(-1, "USD"), "-$0.01");
        assert_eq!(format_money(1250, "EUR"), "12.50 EUR");
        assert_eq!(format_money(-1250, "EUR"), "-12.50 EUR");
        assert_eq!(format_money(i64::MIN, "USD"), "-$92233720368547758.08");
        assert_eq!(format_money(i64::MAX, "GBP"), "92233720368547758.07 GBP");
    }
}
