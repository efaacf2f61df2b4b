//! Attendance: the daily roll call (everyone present unless marked, works offline), days absent
//! counted for promotion, leave requests from guardians answered by the homeroom teacher, and the
//! messages that tell families.

pub mod api;
pub mod rules;
pub mod screens;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

use crate::people::FullName;
use rules::{AbsenceCounts, MarkStatus};

/// One student in a roll call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollCallLine {
    pub student_id: i64,
    pub name: FullName,
    pub status: MarkStatus,
    /// An approved leave covers this day.
    pub on_leave: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollCallSheet {
    pub class_id: i64,
    pub class_name: String,
    /// ISO date.
    pub day: String,
    /// Which roll call: 0 for the day's (at the start of the session, counted in days absent), or a
    /// lesson's slot ([`rules::lesson_slot`]).
    pub slot: i64,
    pub taken: bool,
    pub lines: Vec<RollCallLine>,
    /// The class's lessons that day from the published timetable, for a subject teacher to
    /// take the roll call of their own lesson.
    pub lessons: Vec<LessonChoice>,
}

/// A lesson of the day whose roll call can be taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonChoice {
    pub slot: i64,
    pub period: u8,
    pub subject: String,
    pub teacher: String,
}

/// A mark made on a device; `client_id` makes sending it twice harmless.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkInput {
    pub student_id: i64,
    pub status: MarkStatus,
    pub client_id: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollCallSaved {
    pub applied: usize,
    pub already_had: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentAbsences {
    pub student_id: i64,
    pub name: FullName,
    pub counts: AbsenceCounts,
    pub flagged: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveView {
    pub id: i64,
    pub student_id: i64,
    pub student_name: String,
    pub from_day: String,
    pub to_day: String,
    pub reason: String,
    pub status: String,
    pub answer: Option<String>,
}
