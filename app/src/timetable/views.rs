//! What the timetable's server functions send to the screens (and the browser keeps offline).
//! Plain serde data: the rules' types for the timetable itself, names for everything shown.

use serde::{Deserialize, Serialize};

use super::fet::{ImportIssue, NameMapping, Unmatched};
use super::rules::{
    ClassId, Lesson, PeriodsPerWeek, RoomId, RoomInfo, School, SchoolWeek, Session, SubjectId,
    TeacherId, TimeOfDay, TimetableSettings, Unavailable, Weekday,
};

/// The database form of a weekday ("monday").
pub fn day_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "monday",
        Weekday::Tuesday => "tuesday",
        Weekday::Wednesday => "wednesday",
        Weekday::Thursday => "thursday",
        Weekday::Friday => "friday",
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
    }
}

pub fn day_from_code(code: &str) -> Option<Weekday> {
    Weekday::ALL.into_iter().find(|day| day_code(*day) == code)
}

/// The database form of a session ("morning").
pub fn session_code(session: Session) -> &'static str {
    match session {
        Session::Morning => "morning",
        Session::Afternoon => "afternoon",
    }
}

pub fn session_from_code(code: &str) -> Option<Session> {
    Session::ALL
        .into_iter()
        .find(|session| session_code(*session) == code)
}

/// A draft or a published version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    Draft,
    Published,
}

/// A timetable as lists show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimetableMeta {
    pub id: i64,
    pub name: String,
    /// 1 or 2.
    pub semester: u8,
    pub status: VersionStatus,
    pub revision: i64,
    /// ISO date, for published versions.
    pub effective_from: Option<String>,
    pub version_no: Option<i64>,
    /// `manual`, `copy`, `fet` or `demo`.
    pub source: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub lesson_count: i64,
}

/// Who teaches a subject to a class, and the room it needs: what the tray offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub class: ClassId,
    pub subject: SubjectId,
    pub teacher: TeacherId,
    #[serde(default)]
    pub room: Option<RoomId>,
}

/// Everything the editor needs to check a draft in the browser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditorData {
    pub school_id: i64,
    /// ISO date of today at the school (the publishing date's default).
    pub today: String,
    pub meta: TimetableMeta,
    pub school: School,
    pub settings: TimetableSettings,
    pub assignments: Vec<Assignment>,
    pub lessons: Vec<Lesson>,
}

/// Why one edit of a batch was not applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    /// Someone else changed the lesson or the cell after the revision the edit was based on.
    ChangedMeanwhile,
    /// The lesson is no longer in the draft (removed meanwhile, or never saved).
    UnknownLesson,
    /// The edit names a class, teacher, subject or room of no timetable of this school, or a
    /// period outside any session.
    Invalid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedEdit {
    /// The edit's position in the batch.
    pub index: u32,
    pub reason: RefusalReason,
}

/// The answer to a batch of edits: what was applied, the ids the server gave to lessons the
/// device placed (device id → saved id), and the draft as it now stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditOutcome {
    pub revision: i64,
    pub applied: Vec<u32>,
    pub refused: Vec<RefusedEdit>,
    pub id_map: Vec<(i64, i64)>,
    pub lessons: Vec<Lesson>,
    /// The batch had been applied before (sent again): nothing was applied twice.
    #[serde(default)]
    pub replayed: bool,
}

/// A draft's revision, with its lessons when they changed since the revision the editor knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftState {
    pub revision: i64,
    pub lessons: Option<Vec<Lesson>>,
}

/// A published version as families see it named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub id: i64,
    pub version_no: i64,
    pub effective_from: String,
}

/// A change of the day to one lesson.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum DayChange {
    /// Another teacher takes the lesson (dạy thay).
    Substitute { teacher: String },
    /// The lesson is not held.
    Cancelled,
    /// In a teacher's week: a lesson they take for an absent colleague.
    Covering { absent: String },
}

/// One lesson of one day, named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonView {
    pub lesson_id: i64,
    pub session: Session,
    pub period: u8,
    pub length: u8,
    pub start: Option<TimeOfDay>,
    pub end: Option<TimeOfDay>,
    pub subject: String,
    pub teacher: String,
    pub class_name: String,
    pub room: Option<String>,
    /// Different from the previous version (new time, teacher or room, or a new lesson).
    pub changed: bool,
    pub change: Option<DayChange>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayView {
    /// ISO date.
    pub date: String,
    pub day: Weekday,
    /// The version in force that day.
    pub version: Option<VersionInfo>,
    pub lessons: Vec<LessonView>,
}

/// Whose week a view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum WeekOf {
    Class(i64),
    Teacher(i64),
}

/// The next school days from today (today first), as a phone shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekView {
    pub of: WeekOf,
    /// "6A1", or the teacher's name.
    pub title: String,
    pub school_name: String,
    /// ISO date of today at the school (Asia/Ho_Chi_Minh).
    pub today: String,
    pub days: Vec<DayView>,
}

/// One cell of a printed grid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridCell {
    pub day: Weekday,
    pub session: Session,
    pub period: u8,
    pub length: u8,
    pub subject: String,
    /// The teacher in a class's grid, the class in a teacher's grid.
    pub other: String,
    pub room: Option<String>,
}

/// A version's week as one table (the printable A4 page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridView {
    pub of: WeekOf,
    pub title: String,
    pub school_name: String,
    pub version: Option<VersionInfo>,
    pub week: SchoolWeek,
    /// The sessions that hold lessons (or the class's own sessions).
    pub sessions: Vec<Session>,
    pub cells: Vec<GridCell>,
}

/// One line of "what changes" before publishing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeLine {
    pub class_name: String,
    pub subject: String,
    pub teacher: String,
    /// The teacher before, when the change gives the lesson to another teacher.
    pub teacher_before: Option<String>,
    /// (day, session, period) before; `None` for a new lesson.
    pub before: Option<(Weekday, Session, u8)>,
    /// After; `None` for a removed lesson.
    pub after: Option<(Weekday, Session, u8)>,
}

/// What changes for one person or class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesFor {
    pub name: String,
    pub lines: Vec<ChangeLine>,
}

/// The screen before publishing: conflicts, and what changes for whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishPreview {
    pub hard_conflicts: usize,
    pub soft_conflicts: usize,
    /// The version in force the day before `effective_from`, compared with.
    pub previous: Option<VersionInfo>,
    pub teachers: Vec<ChangesFor>,
    pub classes: Vec<ChangesFor>,
    /// How many teachers and families will get a notice.
    pub teachers_notified: usize,
    pub families_notified: usize,
}

/// The editors' start page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorHome {
    pub school_id: i64,
    pub school_name: String,
    pub today: String,
    pub versions: Vec<TimetableMeta>,
    /// The published version in force today.
    pub in_force: Option<i64>,
    pub classes: Vec<(i64, String)>,
    pub teachers: Vec<(i64, String)>,
}

/// A class's study session and grade, in the settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassSetting {
    pub id: i64,
    pub name: String,
    pub grade: i64,
    /// `morning`, `afternoon` or `full_day`.
    pub session: String,
}

/// A class × subject's weekly count, its curriculum default and who teaches it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementView {
    pub class_id: i64,
    pub class_name: String,
    pub subject_id: i64,
    pub subject_name: String,
    pub teacher_name: String,
    pub default: PeriodsPerWeek,
    pub periods: PeriodsPerWeek,
    pub double_periods: u8,
    pub room: Option<RoomId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnavailabilityView {
    pub id: i64,
    pub staff_id: i64,
    pub teacher_name: String,
    pub rule: Unavailable,
}

/// The school week's settings screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub school_id: i64,
    pub week: SchoolWeek,
    pub rules: TimetableSettings,
    pub first_semester_weeks: u16,
    pub second_semester_weeks: u16,
    pub classes: Vec<ClassSetting>,
    pub rooms: Vec<RoomInfo>,
    pub requirements: Vec<RequirementView>,
    pub unavailability: Vec<UnavailabilityView>,
    pub teachers: Vec<(i64, String)>,
}

/// A free teacher for an absent colleague's lesson.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateView {
    pub staff_id: i64,
    pub name: String,
    pub same_subject: bool,
    pub at_school_that_session: bool,
    pub periods_that_day: u8,
}

/// One lesson of an absent teacher on a date, with its substitution if one is chosen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedView {
    pub lesson_id: i64,
    pub class_name: String,
    pub subject: String,
    pub session: Session,
    pub period: u8,
    pub length: u8,
    pub candidates: Vec<CandidateView>,
    /// `None`: not decided yet; `Some(None)`: not held; `Some(Some(id))`: that substitute.
    pub chosen: Option<Option<i64>>,
    pub published: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbsenceView {
    pub staff_id: i64,
    pub name: String,
    pub lessons: Vec<AffectedView>,
}

/// The substitutions screen for one date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubstitutionPlan {
    pub school_id: i64,
    pub date: String,
    /// The version in force that day.
    pub version: Option<VersionInfo>,
    pub absences: Vec<AbsenceView>,
    pub teachers: Vec<(i64, String)>,
    /// Substitutions chosen but not yet shown to families.
    pub unpublished: usize,
}

/// A calendar feed as its owner lists it (the secret URL is shown once, at creation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedView {
    pub id: i64,
    pub of: WeekOf,
    pub title: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFeed {
    pub id: i64,
    /// `https://…/ics/<id>.<secret>.ics`
    pub url: String,
}

/// What a notice is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A new timetable from a date.
    TimetablePublished,
    /// Substitutions on a date.
    Substitution,
}

impl NoticeKind {
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::TimetablePublished => "timetable_published",
            NoticeKind::Substitution => "substitution",
        }
    }

    pub fn from_code(code: &str) -> Option<NoticeKind> {
        match code {
            "timetable_published" => Some(NoticeKind::TimetablePublished),
            "substitution" => Some(NoticeKind::Substitution),
            _ => None,
        }
    }
}

/// The facts a notice's text is filled with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeDetail {
    /// ISO date: from when, or which day.
    #[serde(default)]
    pub date: Option<String>,
    /// The class concerned, for families.
    #[serde(default)]
    pub class_name: Option<String>,
    /// Lessons that change for the recipient.
    #[serde(default)]
    pub changes: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeView {
    pub id: i64,
    pub kind: NoticeKind,
    pub detail: NoticeDetail,
    pub link: Option<String>,
    pub created_at: i64,
    pub read: bool,
}

/// Why a FET file could not be read, in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetProblem {
    pub code: String,
    pub message_vi: String,
    pub message_en: String,
}

/// The school's names a reviewer can map FET's names to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingOptions {
    pub teachers: Vec<(TeacherId, String)>,
    pub classes: Vec<(ClassId, String)>,
    pub subjects: Vec<(SubjectId, String)>,
    pub rooms: Vec<(RoomId, String)>,
}

/// What a FET file holds and how its names map, before anything is applied.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub problem: Option<FetProblem>,
    pub institution: Option<String>,
    pub activities: usize,
    pub placed: usize,
    pub mapping: NameMapping,
    pub unmatched: Unmatched,
    pub issues: Vec<ImportIssue>,
    /// Lessons the draft would get with this mapping.
    pub lesson_count: usize,
    pub hard_conflicts: usize,
    pub soft_conflicts: usize,
    pub options: MappingOptions,
}

/// A week someone follows, with what to call it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowedWeek {
    pub of: WeekOf,
    /// The class's name or the teacher's.
    pub title: String,
    /// For a guardian: the child in that class.
    pub child: Option<String>,
}

/// The weeks a persona follows, for its home page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowedWeeks {
    pub school_id: i64,
    /// A teacher's own week, a student's class.
    pub own: Option<FollowedWeek>,
    /// A guardian's children's classes; a teacher's classes.
    pub others: Vec<FollowedWeek>,
    /// Timetablers and school admins build the timetable.
    pub can_edit: bool,
}
