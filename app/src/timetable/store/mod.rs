//! Queries of the timetable feature, written once for SQLite and PostgreSQL. Every query takes
//! the school's id and filters on it.
//!
//! - [`model`]: the week's settings, rooms, weekly counts and unavailability, and the rules'
//!   [`School`](super::rules::School) built from them and from the records.
//! - [`drafts`]: timetables (drafts and published versions), their lessons, batches of edits
//!   applied once, publishing with its notices.
//! - [`days`]: what is in force on a date: week views, printable grids, substitutions.
//! - [`feeds`]: calendar feeds and the notices inbox.

pub mod days;
pub mod drafts;
pub mod feeds;
pub mod model;

use time::{Date, OffsetDateTime, UtcOffset};

use super::rules::{Lesson, Semester};
use super::views::{day_from_code, session_from_code};

/// The school's time zone, Asia/Ho_Chi_Minh: UTC+7 all year (no daylight saving).
pub const SCHOOL_OFFSET_SECONDS: i32 = 7 * 3600;

/// Today's date at the school.
pub fn school_today(now: i64) -> Date {
    let offset = UtcOffset::from_whole_seconds(SCHOOL_OFFSET_SECONDS).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp(now)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
        .date()
}

pub fn semester_from_number(number: i64) -> Semester {
    if number == 2 {
        Semester::Second
    } else {
        Semester::First
    }
}

pub fn semester_number(semester: Semester) -> i64 {
    match semester {
        Semester::First => 1,
        Semester::Second => 2,
    }
}

/// A lesson row: `id, class_id, subject_id, staff_id, room_id, day, session, period, length`.
fn lesson_from_row(row: &sqlx::any::AnyRow) -> Result<Lesson, sqlx::Error> {
    use super::rules::{ClassId, LessonId, RoomId, SubjectId, TeacherId};
    use sqlx::Row;
    let bad = |column: &str| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: "not a timetable value".into(),
    };
    let day: String = row.try_get("day")?;
    let session: String = row.try_get("session")?;
    Ok(Lesson {
        id: LessonId(row.try_get("id")?),
        class: ClassId(row.try_get("class_id")?),
        subject: SubjectId(row.try_get("subject_id")?),
        teacher: TeacherId(row.try_get("staff_id")?),
        room: row.try_get::<Option<i64>, _>("room_id")?.map(RoomId),
        day: day_from_code(&day).ok_or_else(|| bad("day"))?,
        session: session_from_code(&session).ok_or_else(|| bad("session"))?,
        period: u8::try_from(row.try_get::<i64, _>("period")?).map_err(|_| bad("period"))?,
        length: u8::try_from(row.try_get::<i64, _>("length")?).map_err(|_| bad("length"))?,
    })
}

const LESSON_COLUMNS: &str =
    "id, class_id, subject_id, staff_id, room_id, day, session, period, length";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_school_day_turns_at_midnight_in_ho_chi_minh_city() {
        // 2026-09-06 17:00 UTC is 2026-09-07 00:00 at the school.
        let before = 1_788_713_999; // 16:59:59 UTC
        assert_eq!(school_today(before).to_string(), "2026-09-06");
        assert_eq!(school_today(before + 1).to_string(), "2026-09-07");
    }
}
