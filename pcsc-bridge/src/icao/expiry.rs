//! Proposing a CCCD's expiry date from the holder's date of birth, so the desk can derive the
//! BAC keys from the front QR code. The clerk confirms or corrects the proposal.
//!
//! Cards must be renewed at ages 25, 40 and 60, and a card issued at 60 or later has no expiry.
//! A card issued within the 2 years before a milestone stays valid until the next one (Luật Căn
//! cước công dân 2014, art. 21).

use super::date::CivilDate;

/// Ages at which a card expires, in order.
pub const EXPIRY_MILESTONE_AGES: [u16; 3] = [25, 40, 60];
/// A card issued this close before a milestone runs to the next one.
pub const RENEWAL_GRACE_YEARS: u16 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposedExpiry {
    /// Valid until this date (the birthday of the milestone age).
    On(CivilDate),
    /// "Không thời hạn".
    NoExpiry,
}

/// The expiry a card issued on `issue_date` should carry. Pass the issue date printed on the
/// card (or in its QR code); today's date is only a guess for a card issued long ago.
pub fn propose_expiry(date_of_birth: CivilDate, issue_date: CivilDate) -> ProposedExpiry {
    for age in EXPIRY_MILESTONE_AGES {
        let (Some(milestone), Some(grace_start)) = (
            date_of_birth.add_years(age),
            date_of_birth.add_years(age - RENEWAL_GRACE_YEARS),
        ) else {
            return ProposedExpiry::NoExpiry;
        };
        if issue_date < grace_start {
            return ProposedExpiry::On(milestone);
        }
    }
    ProposedExpiry::NoExpiry
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: u16, month: u8, day: u8) -> CivilDate {
        CivilDate::new(year, month, day).unwrap()
    }

    #[test]
    fn proposes_the_next_milestone_birthday() {
        let birth = date(1985, 8, 12);
        // Issued at 35: expires at 40.
        assert_eq!(
            propose_expiry(birth, date(2021, 4, 10)),
            ProposedExpiry::On(date(2025, 8, 12))
        );
        // Issued at 16: expires at 25.
        assert_eq!(
            propose_expiry(birth, date(2001, 9, 1)),
            ProposedExpiry::On(date(2010, 8, 12))
        );
        // Issued at 45: expires at 60.
        assert_eq!(
            propose_expiry(birth, date(2030, 1, 1)),
            ProposedExpiry::On(date(2045, 8, 12))
        );
    }

    #[test]
    fn skips_a_milestone_within_two_years() {
        let birth = date(1985, 8, 12);
        // The day before the grace period: still the near milestone.
        assert_eq!(
            propose_expiry(birth, date(2008, 8, 11)),
            ProposedExpiry::On(date(2010, 8, 12))
        );
        // First day of the grace period (age 23): runs to 40.
        assert_eq!(
            propose_expiry(birth, date(2008, 8, 12)),
            ProposedExpiry::On(date(2025, 8, 12))
        );
        // Issued at 58 or later: no expiry.
        assert_eq!(
            propose_expiry(birth, date(2043, 8, 12)),
            ProposedExpiry::NoExpiry
        );
        assert_eq!(
            propose_expiry(birth, date(2050, 1, 1)),
            ProposedExpiry::NoExpiry
        );
    }

    #[test]
    fn a_leap_day_birthday_expires_on_28_february() {
        assert_eq!(
            propose_expiry(date(2004, 2, 29), date(2022, 5, 5)),
            ProposedExpiry::On(date(2029, 2, 28))
        );
    }
}
