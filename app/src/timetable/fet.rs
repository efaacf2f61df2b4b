//! Import of timetables made with FET (free timetabling software, <https://lalescu.ro/liviu/fet/>).
//!
//! Three inputs, one neutral result ([`FetImport`]: FET's names, not the school's ids):
//! - a `.fet` file ([`parse_fet`], server only): the lists of days, hours, subjects, teachers,
//!   students (years, groups, subgroups), rooms and activities, and the placed timetable when
//!   present. FET writes a generated timetable into `*_data_and_timetable.fet` as one
//!   `ConstraintActivityPreferredStartingTime` (weight 100) per activity, with
//!   `ConstraintActivityPreferredRoom` for its room; such a constraint is read as a placement
//!   whether or not it is `Permanently_Locked`.
//! - FET's `*_activities.xml` output with the `.fet` data it came from
//!   ([`parse_fet_with_activities`], server only).
//! - FET's CSV export `*_timetable.csv` ([`parse_timetable_csv`], anywhere): one row per hour of
//!   each placed activity.
//!
//! Then [`match_names`] proposes which of the school's teachers, classes, subjects, rooms, days
//! and periods each FET name means (case and diacritics aside), lists what it could not match,
//! and [`to_timetable`] turns the placed lessons into a [`Timetable`](super::rules::Timetable)
//! for the rules to check. Malformed input gives a [`FetError`] with a stable code, never a
//! panic.

mod csv;
mod matching;
#[cfg(feature = "ssr")]
mod xml;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Translate};
use crate::texts;

pub use csv::parse_timetable_csv;
pub use matching::{
    HourSlot, ImportIssue, ImportIssueKind, ImportedTimetable, NameMapping, NameMatch, Unmatched,
    match_names, to_timetable,
};
#[cfg(feature = "ssr")]
pub use xml::{parse_activities_xml, parse_fet, parse_fet_with_activities};

/// Larger inputs are refused before parsing: a real school's file is well under 5 MB.
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;

/// A year (khối) of FET's students list, with its groups (usually the classes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetYear {
    pub name: String,
    pub groups: Vec<FetGroup>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetGroup {
    pub name: String,
    #[serde(default)]
    pub subgroups: Vec<String>,
}

/// One FET activity: so many hours of a subject, for students sets, with teachers. FET splits a
/// subject's weekly hours into activities of one group (`group_id`, 0 when alone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetActivity {
    pub id: u32,
    pub teachers: Vec<String>,
    pub subject: String,
    pub students: Vec<String>,
    pub duration: u8,
    pub total_duration: u16,
    pub group_id: u32,
    pub active: bool,
}

/// Where an activity was placed, by FET's day and hour names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetPlacement {
    pub activity_id: u32,
    pub day: String,
    pub hour: String,
    #[serde(default)]
    pub room: Option<String>,
    #[serde(default)]
    pub locked: bool,
}

/// A placed activity: what, for whom, when (every hour it takes), and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetLesson {
    pub activity_id: u32,
    pub subject: String,
    pub teachers: Vec<String>,
    pub students: Vec<String>,
    pub day: String,
    /// The hours in order: one, or more for an activity longer than one hour.
    pub hours: Vec<String>,
    #[serde(default)]
    pub room: Option<String>,
}

/// What a FET file or export holds, in FET's names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetImport {
    pub institution: Option<String>,
    pub days: Vec<String>,
    pub hours: Vec<String>,
    /// Whether `days` and `hours` are in the week's order (from a `.fet` file), or only in the
    /// order they were first met (from a CSV export).
    pub ordered: bool,
    pub subjects: Vec<String>,
    pub teachers: Vec<String>,
    pub years: Vec<FetYear>,
    pub rooms: Vec<String>,
    pub activities: Vec<FetActivity>,
    /// The placed activities, by activity id.
    pub lessons: Vec<FetLesson>,
    /// Active activities with no placement, by id.
    pub unplaced: Vec<u32>,
}

impl FetImport {
    /// The groups of a year, if `name` is a year; students sets named after a year mean all of
    /// its groups (e.g. a flag ceremony for "Khối 6").
    pub fn groups_of_year(&self, name: &str) -> Option<Vec<&str>> {
        self.years
            .iter()
            .find(|year| year.name == name)
            .map(|year| year.groups.iter().map(|g| g.name.as_str()).collect())
    }
}

/// Why an input is not a FET file or export we can read. The `error` field of the JSON form is
/// the stable code; `line` counts from 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error")]
pub enum FetError {
    #[serde(rename = "fet_too_large")]
    #[error("fet_too_large: {bytes} bytes, at most {limit}")]
    TooLarge { bytes: usize, limit: usize },
    #[serde(rename = "fet_not_xml")]
    #[error("fet_not_xml: line {line}, column {column}: {detail}")]
    NotXml {
        line: u32,
        column: u32,
        detail: String,
    },
    #[serde(rename = "fet_not_a_fet_file")]
    #[error("fet_not_a_fet_file: the root element is <{root}>, expected <{expected}>")]
    NotFet { root: String, expected: String },
    #[serde(rename = "fet_missing_field")]
    #[error("fet_missing_field: <{element}> at line {line} has no <{field}>")]
    MissingField {
        element: String,
        field: String,
        line: u32,
    },
    #[serde(rename = "fet_invalid_number")]
    #[error("fet_invalid_number: <{field}> at line {line} is {value:?}, not a number")]
    InvalidNumber {
        field: String,
        value: String,
        line: u32,
    },
    #[serde(rename = "fet_duplicate_activity")]
    #[error("fet_duplicate_activity: activity {id} appears twice")]
    DuplicateActivity { id: u32 },
    #[serde(rename = "fet_unknown_activity")]
    #[error("fet_unknown_activity: a placement names activity {id}, which is not in the file")]
    UnknownActivity { id: u32 },
    #[serde(rename = "fet_hour_out_of_range")]
    #[error(
        "fet_hour_out_of_range: activity {id} is placed at hour {hour:?}, which does not leave room for its duration"
    )]
    HourOutOfRange { id: u32, hour: String },
    #[serde(rename = "fet_csv_empty")]
    #[error("fet_csv_empty: the CSV file has no header line")]
    CsvEmpty,
    #[serde(rename = "fet_csv_missing_column")]
    #[error("fet_csv_missing_column: the header has no {column:?} column")]
    CsvMissingColumn { column: String },
    #[serde(rename = "fet_csv_malformed_row")]
    #[error("fet_csv_malformed_row: line {line}")]
    CsvMalformedRow { line: u32 },
}

impl FetError {
    /// The stable code, as sent to the browser.
    pub fn code(&self) -> &'static str {
        match self {
            FetError::TooLarge { .. } => "fet_too_large",
            FetError::NotXml { .. } => "fet_not_xml",
            FetError::NotFet { .. } => "fet_not_a_fet_file",
            FetError::MissingField { .. } => "fet_missing_field",
            FetError::InvalidNumber { .. } => "fet_invalid_number",
            FetError::DuplicateActivity { .. } => "fet_duplicate_activity",
            FetError::UnknownActivity { .. } => "fet_unknown_activity",
            FetError::HourOutOfRange { .. } => "fet_hour_out_of_range",
            FetError::CsvEmpty => "fet_csv_empty",
            FetError::CsvMissingColumn { .. } => "fet_csv_missing_column",
            FetError::CsvMalformedRow { .. } => "fet_csv_malformed_row",
        }
    }

    pub fn text(&self) -> FetText {
        match self {
            FetError::TooLarge { .. } => FetText::TooLarge,
            FetError::NotXml { .. } => FetText::NotXml,
            FetError::NotFet { .. } => FetText::NotFet,
            FetError::MissingField { .. } => FetText::MissingField,
            FetError::InvalidNumber { .. } => FetText::InvalidNumber,
            FetError::DuplicateActivity { .. } => FetText::DuplicateActivity,
            FetError::UnknownActivity { .. } => FetText::UnknownActivity,
            FetError::HourOutOfRange { .. } => FetText::HourOutOfRange,
            FetError::CsvEmpty => FetText::CsvEmpty,
            FetError::CsvMissingColumn { .. } => FetText::CsvMissingColumn,
            FetError::CsvMalformedRow { .. } => FetText::CsvMalformedRow,
        }
    }

    /// The message to show, with the line, field or id filled in.
    pub fn message(&self, lang: Lang) -> String {
        let text = self.text().text(lang).to_string();
        match self {
            FetError::TooLarge { limit, .. } => {
                text.replace("{limit}", &(limit / (1024 * 1024)).to_string())
            }
            FetError::NotXml { line, column, .. } => text
                .replace("{line}", &line.to_string())
                .replace("{column}", &column.to_string()),
            FetError::NotFet { .. } | FetError::CsvEmpty => text,
            FetError::MissingField {
                element,
                field,
                line,
            } => text
                .replace("{element}", element)
                .replace("{field}", field)
                .replace("{line}", &line.to_string()),
            FetError::InvalidNumber { field, value, line } => text
                .replace("{field}", field)
                .replace("{value}", value)
                .replace("{line}", &line.to_string()),
            FetError::DuplicateActivity { id } | FetError::UnknownActivity { id } => {
                text.replace("{id}", &id.to_string())
            }
            FetError::HourOutOfRange { id, hour } => text
                .replace("{id}", &id.to_string())
                .replace("{hour}", hour),
            FetError::CsvMissingColumn { column } => text.replace("{column}", column),
            FetError::CsvMalformedRow { line } => text.replace("{line}", &line.to_string()),
        }
    }
}

texts! {
    /// Texts of the FET import: its error codes and the issues of a conversion.
    pub enum FetText {
        TooLarge => (
            "Tệp quá lớn (tối đa {limit} MB).",
            "The file is too large (at most {limit} MB)."
        ),
        NotXml => (
            "Tệp không phải XML hợp lệ (lỗi ở dòng {line}, cột {column}).",
            "The file is not valid XML (error at line {line}, column {column})."
        ),
        NotFet => (
            "Tệp này không phải tệp thời khóa biểu của FET (.fet).",
            "This is not a FET timetable file (.fet)."
        ),
        MissingField => (
            "Tệp FET thiếu mục <{field}> trong <{element}> ở dòng {line}.",
            "The FET file lacks <{field}> in <{element}> at line {line}."
        ),
        InvalidNumber => (
            "Mục <{field}> ở dòng {line} phải là một số, nhưng ghi \"{value}\".",
            "<{field}> at line {line} must be a number but reads \"{value}\"."
        ),
        DuplicateActivity => (
            "Hoạt động số {id} xuất hiện hai lần trong tệp.",
            "Activity {id} appears twice in the file."
        ),
        UnknownActivity => (
            "Thời khóa biểu xếp hoạt động số {id}, nhưng tệp dữ liệu không có hoạt động này.",
            "The timetable places activity {id}, which the data file does not have."
        ),
        HourOutOfRange => (
            "Hoạt động số {id} xếp ở \"{hour}\" nhưng vượt quá tiết cuối cùng trong ngày.",
            "Activity {id} is placed at \"{hour}\" but runs past the last hour of the day."
        ),
        CsvEmpty => (
            "Tệp CSV trống, không có dòng tiêu đề.",
            "The CSV file is empty: it has no header line."
        ),
        CsvMissingColumn => (
            "Tệp CSV thiếu cột \"{column}\" (hãy xuất tệp *_timetable.csv từ FET).",
            "The CSV file has no \"{column}\" column (export *_timetable.csv from FET)."
        ),
        CsvMalformedRow => (
            "Dòng {line} của tệp CSV không đọc được (thiếu cột hoặc dấu ngoặc kép chưa đóng).",
            "Line {line} of the CSV file cannot be read (missing columns or an unclosed quote)."
        ),
        IssueUnmatchedDay => (
            "Không xác định được ngày trong tuần.",
            "The day of the week is not recognised."
        ),
        IssueUnmatchedHour => (
            "Không xác định được buổi và tiết học.",
            "The session and period are not recognised."
        ),
        IssueUnmatchedTeacher => (
            "Giáo viên chưa được ghép với danh sách của trường.",
            "The teacher is not matched to the school's staff."
        ),
        IssueUnmatchedClass => (
            "Lớp chưa được ghép với danh sách của trường.",
            "The class is not matched to the school's classes."
        ),
        IssueUnmatchedSubject => (
            "Môn học chưa được ghép với danh sách của trường.",
            "The subject is not matched to the school's subjects."
        ),
        IssueUnmatchedRoom => (
            "Phòng học không có trong danh sách phòng cần xếp; tiết học được nhập không kèm phòng.",
            "The room is not among the rooms the school books; the lesson is imported without it."
        ),
        IssueNoTeacher => (
            "Hoạt động không có giáo viên.",
            "The activity has no teacher."
        ),
        IssueExtraTeachers => (
            "Hoạt động có nhiều giáo viên; chỉ giáo viên đầu tiên được nhập.",
            "The activity has several teachers; only the first is imported."
        ),
        IssueSplitLesson => (
            "Hoạt động dài hơn hai tiết hoặc qua hai buổi nên được tách thành nhiều tiết học.",
            "The activity is longer than a double period or spans two sessions, so it was split."
        ),
    }
}
