//! Calendar dates as the card and its MRZ write them.

use std::fmt;

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DateError {
    #[error("\"{0}\" is not a date in the expected format")]
    Format(String),
    #[error("{year:04}-{month:02}-{day:02} is not a calendar date")]
    NotACalendarDate { year: u16, month: u8, day: u8 },
}

/// A proleptic Gregorian date; always a real calendar day.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CivilDate {
    year: u16,
    month: u8,
    day: u8,
}

impl CivilDate {
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, DateError> {
        if (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month) {
            Ok(CivilDate { year, month, day })
        } else {
            Err(DateError::NotACalendarDate { year, month, day })
        }
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }

    /// "ddmmyyyy", as on the front QR code.
    pub fn parse_ddmmyyyy(text: &str) -> Result<Self, DateError> {
        let digits = digits_of(text, 8)?;
        Self::new(
            number(&digits[4..8]),
            number(&digits[2..4]) as u8,
            number(&digits[0..2]) as u8,
        )
    }

    /// "dd/mm/yyyy", as in DG13.
    pub fn parse_dd_mm_yyyy(text: &str) -> Result<Self, DateError> {
        let parts: Vec<&str> = text.trim().split('/').collect();
        match parts.as_slice() {
            [day, month, year] if day.len() == 2 && month.len() == 2 && year.len() == 4 => {
                Self::parse_ddmmyyyy(&format!("{day}{month}{year}"))
            }
            _ => Err(DateError::Format(text.to_owned())),
        }
    }

    /// "YYMMDD" as in the MRZ; the century is not stored, so the caller supplies it.
    pub fn parse_yymmdd(text: &str, century: u16) -> Result<Self, DateError> {
        let digits = digits_of(text, 6)?;
        let year = century
            .checked_mul(100)
            .and_then(|base| base.checked_add(number(&digits[0..2])))
            .ok_or_else(|| DateError::Format(text.to_owned()))?;
        Self::new(
            year,
            number(&digits[2..4]) as u8,
            number(&digits[4..6]) as u8,
        )
    }

    /// "YYMMDD" for the MRZ.
    pub fn to_yymmdd(self) -> String {
        format!("{:02}{:02}{:02}", self.year % 100, self.month, self.day)
    }

    /// "dd/mm/yyyy", as a Vietnamese clerk reads dates.
    pub fn to_dd_mm_yyyy(self) -> String {
        format!("{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }

    /// The UTC calendar day `days` after 1970-01-01 (negative days are before it), or None
    /// outside the years this type holds.
    pub fn from_unix_days(days: i64) -> Option<Self> {
        let mut year: i64 = 1970;
        let mut remaining = days;
        let year_len = |year: i64| {
            if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 {
                366
            } else {
                365
            }
        };
        while remaining < 0 {
            year -= 1;
            remaining += year_len(year);
        }
        while remaining >= year_len(year) {
            remaining -= year_len(year);
            year += 1;
        }
        let year = u16::try_from(year).ok()?;
        let mut month = 1u8;
        loop {
            let month_len = i64::from(days_in_month(year, month));
            if remaining < month_len || month == 12 {
                break;
            }
            remaining -= month_len;
            month += 1;
        }
        Self::new(year, month, u8::try_from(remaining + 1).ok()?).ok()
    }

    /// Today's UTC date from the system clock (1970-01-01 if the clock is before it).
    pub fn today_utc() -> Self {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let days = i64::try_from(seconds / 86_400).unwrap_or(0);
        Self::from_unix_days(days).unwrap_or(CivilDate {
            year: 1970,
            month: 1,
            day: 1,
        })
    }

    /// The same day `years` later. A 29 February lands on 28 February in a common year: a
    /// period counted in years ends on the last day of the month when the day does not exist
    /// (Vietnam's Civil Code 2015, art. 148).
    pub fn add_years(self, years: u16) -> Option<Self> {
        let year = self.year.checked_add(years)?;
        let day = self.day.min(days_in_month(year, self.month));
        Self::new(year, self.month, day).ok()
    }
}

impl fmt::Debug for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

fn digits_of(text: &str, count: usize) -> Result<Vec<u8>, DateError> {
    let text = text.trim();
    if text.len() == count && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.bytes().map(|b| b - b'0').collect())
    } else {
        Err(DateError::Format(text.to_owned()))
    }
}

fn number(digits: &[u8]) -> u16 {
    digits
        .iter()
        .fold(0u16, |acc, digit| acc * 10 + u16::from(*digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_unix_days() {
        let day = |days| CivilDate::from_unix_days(days).unwrap();
        assert_eq!(day(0), CivilDate::new(1970, 1, 1).unwrap());
        assert_eq!(day(-1), CivilDate::new(1969, 12, 31).unwrap());
        assert_eq!(day(11_016), CivilDate::new(2000, 2, 29).unwrap());
        assert_eq!(day(11_017), CivilDate::new(2000, 3, 1).unwrap());
        assert_eq!(day(20_791), CivilDate::new(2026, 12, 4).unwrap());
        assert_eq!(day(19_722), CivilDate::new(2023, 12, 31).unwrap());
        assert!(CivilDate::today_utc() > CivilDate::new(2020, 1, 1).unwrap());
    }

    #[test]
    fn parses_the_card_formats() {
        let date = CivilDate::new(1985, 8, 12).unwrap();
        assert_eq!(CivilDate::parse_ddmmyyyy("12081985").unwrap(), date);
        assert_eq!(CivilDate::parse_dd_mm_yyyy("12/08/1985").unwrap(), date);
        assert_eq!(CivilDate::parse_yymmdd("850812", 19).unwrap(), date);
        assert_eq!(date.to_yymmdd(), "850812");
        assert_eq!(date.to_dd_mm_yyyy(), "12/08/1985");
    }

    #[test]
    fn rejects_non_dates() {
        assert!(CivilDate::parse_ddmmyyyy("31022000").is_err());
        assert!(CivilDate::parse_ddmmyyyy("1208198").is_err());
        assert!(CivilDate::parse_dd_mm_yyyy("12-08-1985").is_err());
        assert!(CivilDate::parse_dd_mm_yyyy("Không thời hạn").is_err());
        assert!(CivilDate::parse_yymmdd("85131A", 19).is_err());
        assert!(CivilDate::new(2023, 2, 29).is_err());
        assert!(CivilDate::new(2024, 2, 29).is_ok());
        assert!(CivilDate::new(1900, 2, 29).is_err());
        assert!(CivilDate::new(2000, 2, 29).is_ok());
    }

    #[test]
    fn adds_years_with_the_leap_day_rule() {
        let leap = CivilDate::new(2000, 2, 29).unwrap();
        assert_eq!(
            leap.add_years(25),
            Some(CivilDate::new(2025, 2, 28).unwrap())
        );
        assert_eq!(leap.add_years(4), Some(leap.with_year(2004)));
    }

    impl CivilDate {
        fn with_year(self, year: u16) -> Self {
            CivilDate::new(year, self.month, self.day).unwrap()
        }
    }
}
