//! Every text the timetable rules give a screen, in Vietnamese and English: one per conflict
//! kind and error code. Texts with numbers hold `{found}`, `{limit}` or `{count}` placeholders
//! (see [`Conflict::message`](super::Conflict::message)).

use crate::texts;

texts! {
    /// Texts of the timetable rules.
    pub enum TimetableText {
        Hard => ("Lỗi phải sửa", "Must be fixed"),
        Soft => ("Cảnh báo", "Warning"),
        TeacherDoubleBooked => (
            "Giáo viên bị xếp dạy hai nơi trong cùng một tiết.",
            "The teacher is in two places in the same period."
        ),
        ClassDoubleBooked => (
            "Lớp có hai tiết học trong cùng một tiết.",
            "The class has two lessons in the same period."
        ),
        RoomDoubleBooked => (
            "Phòng học bị xếp cho hai tiết học cùng lúc.",
            "The room is booked for two lessons at the same time."
        ),
        TeacherUnavailable => (
            "Tiết học rơi vào thời gian giáo viên đã báo bận.",
            "The lesson falls in a period when the teacher is unavailable."
        ),
        OutsideClassSession => (
            "Tiết học nằm ngoài buổi học của lớp.",
            "The lesson is outside the class's session."
        ),
        OutsideSchoolWeek => (
            "Tiết học nằm ngoài ngày học hoặc ngoài số tiết của buổi.",
            "The lesson is outside the school days or beyond the session's last period."
        ),
        UnknownReference => (
            "Tiết học ghi lớp, môn, giáo viên hoặc phòng không có trong danh sách của trường.",
            "The lesson names a class, subject, teacher or room the school does not have."
        ),
        WeeklyCountAbove => (
            "Môn học có {found} tiết/tuần, nhiều hơn số tiết quy định ({limit}).",
            "The subject has {found} periods a week, more than the required {limit}."
        ),
        WeeklyCountBelow => (
            "Môn học mới có {found} tiết/tuần, ít hơn số tiết quy định ({limit}).",
            "The subject has only {found} periods a week, fewer than the required {limit}."
        ),
        SubjectTooOftenInDay => (
            "Môn học có {found} tiết trong một ngày (nên tối đa {limit}).",
            "The subject has {found} periods in one day (at most {limit} advised)."
        ),
        HeavySubjectLastPeriod => (
            "Môn học nặng bị xếp vào tiết cuối buổi chiều.",
            "A demanding subject is in the last period of the afternoon."
        ),
        TeacherGap => (
            "Giáo viên có {found} tiết trống xen giữa các tiết dạy trong buổi (nên tối đa {limit}).",
            "The teacher has {found} free periods between lessons in the session (at most {limit} advised)."
        ),
        TeacherDayOverloaded => (
            "Giáo viên dạy {found} tiết trong ngày (nên tối đa {limit}).",
            "The teacher teaches {found} periods in the day (at most {limit} advised)."
        ),
        DoublePeriodAcrossBreak => (
            "Tiết đôi bị giờ ra chơi chia cắt.",
            "The double period is split by the long break."
        ),
        ClassSessionOverloaded => (
            "Lớp học {found} tiết trong một buổi (nên tối đa {limit}).",
            "The class has {found} periods in one session (at most {limit} advised)."
        ),
        ClassDayOverloaded => (
            "Lớp học {found} tiết trong một ngày (nên tối đa {limit}).",
            "The class has {found} periods in one day (at most {limit} advised)."
        ),
        DoublePeriodMissing => (
            "Môn học mới có {found} tiết đôi, ít hơn số tiết đôi mong muốn ({limit}).",
            "The subject has {found} double periods, fewer than the {limit} wanted."
        ),
        PublishRefused => (
            "Chưa thể công bố thời khóa biểu: còn {count} lỗi phải sửa.",
            "The timetable cannot be published yet: {count} conflicts must be fixed first."
        ),
        ErrorNoSchoolDays => (
            "Tuần học chưa có ngày học nào.",
            "The school week has no school days."
        ),
        ErrorTooManyPeriods => (
            "Một buổi học có quá nhiều tiết (tối đa 12).",
            "A session has too many periods (at most 12)."
        ),
        ErrorLongBreakOutsideSession => (
            "Giờ ra chơi phải nằm giữa hai tiết của buổi học.",
            "The long break must fall between two periods of the session."
        ),
        ErrorDuplicateRequirement => (
            "Một môn học của một lớp được khai báo số tiết hai lần.",
            "A subject's weekly count is given twice for the same class."
        ),
        ErrorDuplicateLesson => (
            "Tiết học này đã có trong thời khóa biểu.",
            "This lesson is already in the timetable."
        ),
        ErrorUnknownLesson => (
            "Không tìm thấy tiết học này trong thời khóa biểu.",
            "This lesson is not in the timetable."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Translate};
    use crate::timetable::rules::{ConflictKind, TimetableError};

    #[test]
    fn every_timetable_text_exists_in_both_languages() {
        for text in TimetableText::ALL {
            let vi = text.text(Lang::Vi);
            let en = text.text(Lang::En);
            assert!(!vi.trim().is_empty() && !en.trim().is_empty(), "{text:?}");
            assert_ne!(vi, en, "{text:?} is not translated");
        }
    }

    #[test]
    fn every_conflict_kind_has_a_distinct_code_and_text() {
        let mut codes: Vec<&str> = ConflictKind::ALL.iter().map(|k| k.code()).collect();
        let mut texts: Vec<TimetableText> = ConflictKind::ALL.iter().map(|k| k.text()).collect();
        codes.sort_unstable();
        codes.dedup();
        texts.sort_by_key(|t| format!("{t:?}"));
        texts.dedup();
        assert_eq!(codes.len(), ConflictKind::ALL.len());
        assert_eq!(texts.len(), ConflictKind::ALL.len());
        // The code is the JSON form.
        for kind in ConflictKind::ALL {
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.code())
            );
        }
    }

    #[test]
    fn error_codes_are_their_json_tags() {
        let errors = [
            TimetableError::NoSchoolDays,
            TimetableError::TooManyPeriods {
                session: crate::timetable::rules::Session::Morning,
            },
            TimetableError::LongBreakOutsideSession {
                session: crate::timetable::rules::Session::Morning,
            },
            TimetableError::DuplicateRequirement {
                class: crate::timetable::rules::ClassId(1),
                subject: crate::timetable::rules::SubjectId(1),
            },
            TimetableError::DuplicateLesson {
                lesson: crate::timetable::rules::LessonId(1),
            },
            TimetableError::UnknownLesson {
                lesson: crate::timetable::rules::LessonId(1),
            },
        ];
        for error in errors {
            let json = serde_json::to_value(error).unwrap();
            assert_eq!(json["error"], error.code(), "{error:?}");
            assert!(!error.text().text(Lang::Vi).is_empty());
        }
    }
}
