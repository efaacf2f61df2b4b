//! The 12-digit personal identification number (số định danh cá nhân).
//!
//! Layout: 3 digits province of birth registration, 1 digit century and sex, 2 digits year of
//! birth, 6 random digits. A [`PersonalId`] always holds 12 ASCII digits; its `Debug` and
//! `Display` never show it whole, so it cannot leak into a log by accident.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use super::error::{AppError, ErrorCode};

#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonalId(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }

    pub fn from_code(code: &str) -> Option<Sex> {
        match code {
            "M" => Some(Sex::Male),
            "F" => Some(Sex::Female),
            _ => None,
        }
    }
}

impl PersonalId {
    /// Accepts 12 digits; spaces and dots people type between groups are ignored.
    pub fn parse(text: &str) -> Result<PersonalId, AppError> {
        let digits: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        if digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(PersonalId(digits))
        } else {
            Err(AppError::new(ErrorCode::InvalidPersonalId))
        }
    }

    /// The digits, for encryption and keyed hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// "••••••••1234": what lists and screens show.
    pub fn masked(&self) -> String {
        format!("••••••••{}", &self.0[8..])
    }

    pub fn province_code(&self) -> &str {
        &self.0[..3]
    }

    /// The century and sex the fourth digit encodes: 0/1 → 1900s, 2/3 → 2000s, and so on;
    /// even for male, odd for female.
    pub fn birth_century_and_sex(&self) -> (i32, Sex) {
        let digit = i32::from(self.0.as_bytes()[3] - b'0');
        let century_start = 1900 + (digit / 2) * 100;
        let sex = if digit % 2 == 0 {
            Sex::Male
        } else {
            Sex::Female
        };
        (century_start, sex)
    }

    /// The full year of birth encoded in digits 4–6.
    pub fn birth_year(&self) -> i32 {
        let (century, _) = self.birth_century_and_sex();
        let yy: i32 = self.0[4..6].parse().unwrap_or(0);
        century + yy
    }

    /// Whether the number agrees with a recorded date of birth and sex.
    pub fn agrees_with(&self, date_of_birth: Date, sex: Sex) -> bool {
        self.birth_year() == date_of_birth.year() && self.birth_century_and_sex().1 == sex
    }

    /// Builds the number for a birth (used by the demo data and by tests).
    pub fn compose(province: u16, birth_year: i32, sex: Sex, serial: u32) -> Option<PersonalId> {
        let century = (birth_year - 1900).div_euclid(100);
        if !(0..=4).contains(&century) || province > 999 || serial > 999_999 {
            return None;
        }
        let digit = century * 2 + i32::from(sex == Sex::Female);
        Some(PersonalId(format!(
            "{province:03}{digit}{:02}{serial:06}",
            birth_year.rem_euclid(100)
        )))
    }
}

impl TryFrom<String> for PersonalId {
    type Error = AppError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PersonalId::parse(&value)
    }
}

impl From<PersonalId> for String {
    fn from(value: PersonalId) -> String {
        value.0
    }
}

impl fmt::Debug for PersonalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonalId({})", self.masked())
    }
}

impl fmt::Display for PersonalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn only_twelve_digits_are_accepted() {
        assert!(PersonalId::parse("079213000123").is_ok());
        assert!(PersonalId::parse("079 213 000 123").is_ok());
        for bad in [
            "",
            "07921300012",
            "0792130001234",
            "07921300012a",
            "０７９２１３０００１２３",
        ] {
            assert_eq!(
                PersonalId::parse(bad).map_err(|e| e.code),
                Err(ErrorCode::InvalidPersonalId),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn century_sex_and_year_are_read_from_the_number() {
        let girl_2013 = PersonalId::parse("079313000123").unwrap();
        assert_eq!(girl_2013.birth_century_and_sex(), (2000, Sex::Female));
        assert_eq!(girl_2013.birth_year(), 2013);
        assert!(girl_2013.agrees_with(date!(2013 - 05 - 02), Sex::Female));
        assert!(!girl_2013.agrees_with(date!(2013 - 05 - 02), Sex::Male));
        assert!(!girl_2013.agrees_with(date!(2012 - 05 - 02), Sex::Female));
        let father_1985 = PersonalId::parse("079085000001").unwrap();
        assert_eq!(father_1985.birth_year(), 1985);
        assert_eq!(father_1985.birth_century_and_sex().1, Sex::Male);
    }

    #[test]
    fn compose_and_parse_agree() {
        let id = PersonalId::compose(79, 2014, Sex::Male, 42).unwrap();
        assert_eq!(id.expose(), "079214000042");
        assert!(id.agrees_with(date!(2014 - 01 - 01), Sex::Male));
    }

    #[test]
    fn debug_and_display_never_show_the_number() {
        let id = PersonalId::parse("079313000123").unwrap();
        assert!(!format!("{id:?} {id}").contains("079313"));
        assert!(format!("{id}").ends_with("0123"));
    }
}
