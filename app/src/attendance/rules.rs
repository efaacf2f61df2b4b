//! Attendance rules, pure: what a roll call records, how days absent are counted for promotion
//! (Circular 22: promoted only with at most 45 days absent, excused or not), which leave covers
//! which day, and who is flagged to the homeroom teacher.

use serde::{Deserialize, Serialize};
use time::Date;

/// A student's status in one roll call. Everyone is present unless marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MarkStatus {
    Present,
    /// Absent with permission (a leave request approved, or the family told the school).
    AbsentExcused,
    AbsentUnexcused,
    Late,
}

impl MarkStatus {
    pub fn code(self) -> &'static str {
        match self {
            MarkStatus::Present => "present",
            MarkStatus::AbsentExcused => "absent_excused",
            MarkStatus::AbsentUnexcused => "absent_unexcused",
            MarkStatus::Late => "late",
        }
    }

    pub fn from_code(code: &str) -> Option<MarkStatus> {
        match code {
            "present" => Some(MarkStatus::Present),
            "absent_excused" => Some(MarkStatus::AbsentExcused),
            "absent_unexcused" => Some(MarkStatus::AbsentUnexcused),
            "late" => Some(MarkStatus::Late),
            _ => None,
        }
    }

    pub fn is_absent(self) -> bool {
        matches!(
            self,
            MarkStatus::AbsentExcused | MarkStatus::AbsentUnexcused
        )
    }

    /// The next status when the teacher taps a student: present → absent → excused → late → present.
    pub fn next(self) -> MarkStatus {
        match self {
            MarkStatus::Present => MarkStatus::AbsentUnexcused,
            MarkStatus::AbsentUnexcused => MarkStatus::AbsentExcused,
            MarkStatus::AbsentExcused => MarkStatus::Late,
            MarkStatus::Late => MarkStatus::Present,
        }
    }
}

/// Days from a date to a date, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRange {
    pub from: Date,
    pub to: Date,
}

impl DayRange {
    pub fn contains(&self, day: Date) -> bool {
        self.from <= day && day <= self.to
    }
}

/// A day's morning roll-call mark, as counted for the year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayMark {
    pub day: Date,
    pub status: MarkStatus,
}

/// Days absent and late arrivals over a period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbsenceCounts {
    pub excused_days: u32,
    pub unexcused_days: u32,
    pub late: u32,
}

impl AbsenceCounts {
    /// What promotion counts: every day absent, with or without permission.
    pub fn total_days(&self) -> u32 {
        self.excused_days + self.unexcused_days
    }
}

/// Counts days in `period`. An unexcused absence on a day an approved leave covers counts as
/// excused (the family asked; the roll call may have been taken before the answer). A day marked
/// twice counts once, by its latest mark (marks are given in the order they were made).
/// The roll call of a lesson, as one number: its period in the morning session (1–12), or 20
/// more in the afternoon (21–32). 0 stays the day's roll call.
pub fn lesson_slot(afternoon: bool, period: u8) -> i64 {
    i64::from(period) + if afternoon { 20 } else { 0 }
}

/// The day's roll call (0) or a lesson's slot as [`lesson_slot`] makes them.
pub fn is_valid_slot(slot: i64) -> bool {
    slot == 0 || (1..=12).contains(&slot) || (21..=32).contains(&slot)
}

/// The period number a slot stands for (as teachers say it: "tiết 3").
pub fn slot_period(slot: i64) -> i64 {
    if slot > 20 { slot - 20 } else { slot }
}

pub fn count_absences(
    marks: &[DayMark],
    approved_leave: &[DayRange],
    period: DayRange,
) -> AbsenceCounts {
    let mut latest: std::collections::BTreeMap<Date, MarkStatus> =
        std::collections::BTreeMap::new();
    for mark in marks.iter().filter(|m| period.contains(m.day)) {
        latest.insert(mark.day, mark.status);
    }
    let mut counts = AbsenceCounts::default();
    for (day, status) in latest {
        let on_leave = approved_leave.iter().any(|leave| leave.contains(day));
        match status {
            MarkStatus::AbsentExcused => counts.excused_days += 1,
            MarkStatus::AbsentUnexcused if on_leave => counts.excused_days += 1,
            MarkStatus::AbsentUnexcused => counts.unexcused_days += 1,
            MarkStatus::Late => counts.late += 1,
            MarkStatus::Present => {}
        }
    }
    counts
}

/// Settings a school can change (the reference gives no threshold for "many absences").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceSettings {
    /// Flag a student to the homeroom teacher from this many days absent in the year.
    pub flag_after_days: u32,
    /// Promotion's limit (Circular 22 Art. 12: at most 45 days).
    pub max_days_for_promotion: u32,
    /// A leave request can cover at most this many school days.
    pub max_leave_days: u32,
}

impl Default for AttendanceSettings {
    fn default() -> Self {
        AttendanceSettings {
            flag_after_days: 10,
            max_days_for_promotion: 45,
            max_leave_days: 30,
        }
    }
}

/// Whether the homeroom teacher should follow this student up.
pub fn is_flagged(counts: &AbsenceCounts, settings: &AttendanceSettings) -> bool {
    counts.total_days() >= settings.flag_after_days
}

/// Whether absences alone still allow promotion.
pub fn absences_allow_promotion(counts: &AbsenceCounts, settings: &AttendanceSettings) -> bool {
    counts.total_days() <= settings.max_days_for_promotion
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LeaveError {
    #[error("leave_dates_reversed")]
    DatesReversed,
    #[error("leave_too_long")]
    TooLong,
    #[error("leave_in_the_past")]
    InThePast,
    #[error("leave_reason_missing")]
    ReasonMissing,
}

impl LeaveError {
    pub fn code(self) -> &'static str {
        match self {
            LeaveError::DatesReversed => "leave_dates_reversed",
            LeaveError::TooLong => "leave_too_long",
            LeaveError::InThePast => "leave_in_the_past",
            LeaveError::ReasonMissing => "leave_reason_missing",
        }
    }
}

/// Checks a leave request as a guardian fills it in (`today` is the school's date now).
/// A request may start yesterday at the earliest: families often write the morning after.
pub fn check_leave_request(
    range: DayRange,
    reason: &str,
    today: Date,
    settings: &AttendanceSettings,
) -> Result<(), LeaveError> {
    if range.to < range.from {
        return Err(LeaveError::DatesReversed);
    }
    if range.from < today.previous_day().unwrap_or(today) {
        return Err(LeaveError::InThePast);
    }
    let days = (range.to - range.from).whole_days() + 1;
    if days > i64::from(settings.max_leave_days) {
        return Err(LeaveError::TooLong);
    }
    if reason.trim().chars().count() < 2 {
        return Err(LeaveError::ReasonMissing);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn mark(day: Date, status: MarkStatus) -> DayMark {
        DayMark { day, status }
    }

    fn year() -> DayRange {
        DayRange {
            from: date!(2026 - 09 - 05),
            to: date!(2027 - 05 - 31),
        }
    }

    #[test]
    fn days_are_counted_once_by_their_latest_mark() {
        let marks = [
            mark(date!(2026 - 10 - 01), MarkStatus::AbsentUnexcused),
            mark(date!(2026 - 10 - 01), MarkStatus::AbsentExcused),
            mark(date!(2026 - 10 - 02), MarkStatus::Late),
            mark(date!(2026 - 10 - 03), MarkStatus::AbsentUnexcused),
            mark(date!(2026 - 10 - 04), MarkStatus::AbsentUnexcused),
            mark(date!(2026 - 10 - 04), MarkStatus::Present),
            mark(date!(2025 - 10 - 04), MarkStatus::AbsentUnexcused),
        ];
        let counts = count_absences(&marks, &[], year());
        assert_eq!(
            counts,
            AbsenceCounts {
                excused_days: 1,
                unexcused_days: 1,
                late: 1
            }
        );
        assert_eq!(counts.total_days(), 2);
    }

    #[test]
    fn an_approved_leave_excuses_the_days_it_covers() {
        let marks = [
            mark(date!(2026 - 10 - 05), MarkStatus::AbsentUnexcused),
            mark(date!(2026 - 10 - 07), MarkStatus::AbsentUnexcused),
        ];
        let leave = [DayRange {
            from: date!(2026 - 10 - 05),
            to: date!(2026 - 10 - 06),
        }];
        assert_eq!(
            count_absences(&marks, &leave, year()),
            AbsenceCounts {
                excused_days: 1,
                unexcused_days: 1,
                late: 0
            }
        );
    }

    #[test]
    fn promotion_allows_45_days_absent_and_not_46() {
        let settings = AttendanceSettings::default();
        let start = date!(2026 - 09 - 07);
        let marks = |n: i64| -> Vec<DayMark> {
            (0..n)
                .map(|i| mark(start + time::Duration::days(i), MarkStatus::AbsentExcused))
                .collect()
        };
        assert!(absences_allow_promotion(
            &count_absences(&marks(45), &[], year()),
            &settings
        ));
        assert!(!absences_allow_promotion(
            &count_absences(&marks(46), &[], year()),
            &settings
        ));
        assert!(is_flagged(
            &count_absences(&marks(10), &[], year()),
            &settings
        ));
        assert!(!is_flagged(
            &count_absences(&marks(9), &[], year()),
            &settings
        ));
    }

    #[test]
    fn a_tap_cycles_through_the_statuses() {
        let mut status = MarkStatus::Present;
        let seen: Vec<MarkStatus> = (0..4)
            .map(|_| {
                status = status.next();
                status
            })
            .collect();
        assert_eq!(
            seen,
            [
                MarkStatus::AbsentUnexcused,
                MarkStatus::AbsentExcused,
                MarkStatus::Late,
                MarkStatus::Present
            ]
        );
        for s in seen {
            assert_eq!(MarkStatus::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn leave_requests_are_checked() {
        let settings = AttendanceSettings::default();
        let today = date!(2026 - 10 - 10);
        let range = |a, b| DayRange { from: a, to: b };
        assert_eq!(
            check_leave_request(range(today, today), "Con bị sốt", today, &settings),
            Ok(())
        );
        assert_eq!(
            check_leave_request(range(date!(2026 - 10 - 09), today), "Ốm", today, &settings),
            Ok(())
        );
        assert_eq!(
            check_leave_request(range(today, date!(2026 - 10 - 09)), "Ốm", today, &settings),
            Err(LeaveError::DatesReversed)
        );
        assert_eq!(
            check_leave_request(range(date!(2026 - 10 - 01), today), "Ốm", today, &settings),
            Err(LeaveError::InThePast)
        );
        assert_eq!(
            check_leave_request(
                range(today, date!(2026 - 12 - 31)),
                "Đi xa",
                today,
                &settings
            ),
            Err(LeaveError::TooLong)
        );
        assert_eq!(
            check_leave_request(range(today, today), " ", today, &settings),
            Err(LeaveError::ReasonMissing)
        );
    }

    #[test]
    fn lesson_slots_keep_morning_and_afternoon_apart() {
        assert_eq!(lesson_slot(false, 3), 3);
        assert_eq!(lesson_slot(true, 3), 23);
        assert_eq!(slot_period(23), 3);
        assert_eq!(slot_period(3), 3);
        for valid in [0, 1, 12, 21, 32] {
            assert!(is_valid_slot(valid), "{valid}");
        }
        for invalid in [-1, 13, 20, 33, 100] {
            assert!(!is_valid_slot(invalid), "{invalid}");
        }
    }
}
