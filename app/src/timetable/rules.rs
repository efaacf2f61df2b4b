//! The timetable rules (thời khóa biểu) of a lower-secondary school, as a pure library: every
//! input is an argument, nothing reads a database or a clock, so the server and the browser
//! (which keeps drafts offline) find the same conflicts.
//!
//! The rules follow `shared/domain/timetable.md`. Its soft limits are unconfirmed: they are
//! fields of [`TimetableSettings`] with the reference's values as defaults.
//!
//! - The model ([`School`], [`Timetable`], [`Lesson`]): the week (days, sessions, periods and
//!   their times), classes with their sessions, teachers with their unavailable periods, rooms
//!   that are booked, subjects, and the weekly count of each subject for each class.
//! - [`check`] and [`Checker`]: every hard and soft [`Conflict`]; [`Checker::apply`] checks
//!   one [`Edit`] again in microseconds, with the same result as a full check.
//! - [`can_publish`]: refuses while a hard conflict remains.
//! - [`diff`]: what a new timetable changes, for which teachers and classes.
//! - [`substitutes`]: the free teachers for each lesson of an absent teacher, best first.
//!
//! Texts for every conflict kind and error code are in [`TimetableText`], in Vietnamese and
//! English.
//!
//! Choices where the reference is silent or loose:
//! - A fractional weekly count (1.5) is a whole count per semester ([`PeriodsPerWeek`]);
//!   alternating A/B weeks are not modelled, as a published timetable is one weekly pattern.
//! - "Double periods split across a break" is read as "across the long break" of the session
//!   ([`SessionPlan::long_break_after`]): short breaks between periods do not split a double.
//! - "Heavy subjects last in the afternoon" is the last period(s) of the afternoon session.
//! - A teacher's gaps count free periods between their first and last lesson of a session;
//!   the time between morning and afternoon is not a gap.
//! - A subject placed for a class with no requirement counts as above a weekly count of 0.

mod check;
mod diff;
mod model;
mod substitute;
mod text;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use check::{
    CheckDelta, Checker, Conflict, ConflictKind, Count, Edit, MAX_PERIODS_PER_SESSION,
    PublishRefused, Severity, TimetableError, When, Who, can_publish, check,
};
pub use diff::{LessonChange, TimetableDiff, diff};
pub use model::{
    ClassId, ClassInfo, DaySession, Lesson, LessonId, PeriodTime, PeriodsPerWeek, Requirement,
    RoomId, RoomInfo, School, SchoolWeek, Session, SessionPlan, Slot, SubjectId, SubjectInfo,
    TeacherId, TeacherInfo, TimeOfDay, Timetable, TimetableSettings, Unavailable, Weekday,
};
pub use substitute::{AffectedLesson, SubstituteCandidate, substitutes};
pub use text::TimetableText;

/// The semester a timetable is for (shared with the grading rules).
pub use crate::grades::rules::Semester;
