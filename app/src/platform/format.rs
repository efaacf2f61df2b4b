//! How numbers, money and dates are written for Vietnamese users, whatever the interface language.

use time::{Date, Month};

/// Whole đồng with dots between thousands: 1250000 → "1.250.000 ₫".
pub fn format_dong(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
    if amount < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    out.push_str(" ₫");
    out
}

/// dd/mm/yyyy.
pub fn format_date(date: Date) -> String {
    format!(
        "{:02}/{:02}/{:04}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// Reads dd/mm/yyyy (also d/m/yyyy, and '-' or '.' as separators, as people type them).
pub fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.trim().split(['/', '-', '.']);
    let day: u8 = parts.next()?.trim().parse().ok()?;
    let month: u8 = parts.next()?.trim().parse().ok()?;
    let year_text = parts.next()?.trim();
    if parts.next().is_some() || year_text.len() != 4 {
        return None;
    }
    let year: i32 = year_text.parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// ISO yyyy-mm-dd, the form dates take in the database.
pub fn iso_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

pub fn parse_iso_date(text: &str) -> Option<Date> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn money_in_whole_dong_with_dots() {
        assert_eq!(format_dong(1_250_000), "1.250.000 ₫");
        assert_eq!(format_dong(0), "0 ₫");
        assert_eq!(format_dong(999), "999 ₫");
        assert_eq!(format_dong(1_000), "1.000 ₫");
        assert_eq!(format_dong(-45_000), "-45.000 ₫");
    }

    #[test]
    fn dates_are_day_month_year() {
        assert_eq!(format_date(date!(2026 - 12 - 04)), "04/12/2026");
        assert_eq!(parse_date("4/12/2026"), Some(date!(2026 - 12 - 04)));
        assert_eq!(parse_date("04-12-2026"), Some(date!(2026 - 12 - 04)));
        assert_eq!(parse_date("31/02/2026"), None);
        assert_eq!(parse_date("12/2026"), None);
        assert_eq!(parse_date("04/12/26"), None);
        assert_eq!(
            parse_iso_date(&iso_date(date!(2013 - 01 - 09))),
            Some(date!(2013 - 01 - 09))
        );
    }
}
