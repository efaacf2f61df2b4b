//! The conflict check, full and incremental.
//!
//! Every conflict belongs to exactly one *scope*: a class's day, a teacher's day, a room's day,
//! a class's subject over the week, or one malformed lesson. A scope's conflicts depend only on
//! the lessons in it, so after an edit only the scopes of the lessons it touched (before and
//! after) are computed again; the others keep their conflicts. The full check is the same
//! computation over every scope, so both give the same list by construction, and the property
//! tests check the bookkeeping in between.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::model::{
    ClassId, ClassInfo, Lesson, LessonId, Requirement, RoomId, School, SchoolWeek, Session, Slot,
    SubjectId, TeacherId, TeacherInfo, Timetable, TimetableSettings, Weekday,
};
use super::text::TimetableText;
use crate::grades::rules::Semester;
use crate::i18n::{Lang, Translate};

/// More periods than this in a session is refused as a set-up error (no school has them).
pub const MAX_PERIODS_PER_SESSION: u8 = 12;

/// Hard conflicts block publishing; soft ones are warnings. Hard sorts first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Hard,
    Soft,
}

/// What is wrong. The snake_case name is the stable code: never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// A teacher has two lessons in the same period.
    TeacherDoubleBooked,
    /// A class has two lessons in the same period.
    ClassDoubleBooked,
    /// A room holds two lessons in the same period.
    RoomDoubleBooked,
    /// A lesson in a period the teacher said they cannot teach.
    TeacherUnavailable,
    /// A lesson in a session the class does not study on that day.
    OutsideClassSession,
    /// A lesson on a day that is not a school day, or beyond the session's last period, or
    /// of a length other than 1 or 2. Such a lesson takes part in no other check.
    OutsideSchoolWeek,
    /// A lesson naming a class, teacher, subject or room the school does not have. Such a
    /// lesson takes part in no other check.
    UnknownReference,
    /// More periods of a subject for a class than its weekly count (a subject without a
    /// requirement counts 0).
    WeeklyCountAbove,
    /// Fewer periods of a subject for a class than its weekly count.
    WeeklyCountBelow,
    /// A subject more periods a day for a class than the setting allows.
    SubjectTooOftenInDay,
    /// A heavy subject in the last period(s) of the afternoon.
    HeavySubjectLastPeriod,
    /// Free periods between a teacher's lessons in one session.
    TeacherGap,
    /// A teacher's periods in a day above the limit.
    TeacherDayOverloaded,
    /// A double period that starts right before the long break.
    DoublePeriodAcrossBreak,
    /// More periods in one session for a class than the limit.
    ClassSessionOverloaded,
    /// More periods in one day for a class than the limit.
    ClassDayOverloaded,
    /// Fewer double periods of a subject for a class than wanted.
    DoublePeriodMissing,
}

impl ConflictKind {
    pub const ALL: [ConflictKind; 17] = [
        ConflictKind::TeacherDoubleBooked,
        ConflictKind::ClassDoubleBooked,
        ConflictKind::RoomDoubleBooked,
        ConflictKind::TeacherUnavailable,
        ConflictKind::OutsideClassSession,
        ConflictKind::OutsideSchoolWeek,
        ConflictKind::UnknownReference,
        ConflictKind::WeeklyCountAbove,
        ConflictKind::WeeklyCountBelow,
        ConflictKind::SubjectTooOftenInDay,
        ConflictKind::HeavySubjectLastPeriod,
        ConflictKind::TeacherGap,
        ConflictKind::TeacherDayOverloaded,
        ConflictKind::DoublePeriodAcrossBreak,
        ConflictKind::ClassSessionOverloaded,
        ConflictKind::ClassDayOverloaded,
        ConflictKind::DoublePeriodMissing,
    ];

    pub fn severity(self) -> Severity {
        match self {
            ConflictKind::TeacherDoubleBooked
            | ConflictKind::ClassDoubleBooked
            | ConflictKind::RoomDoubleBooked
            | ConflictKind::TeacherUnavailable
            | ConflictKind::OutsideClassSession
            | ConflictKind::OutsideSchoolWeek
            | ConflictKind::UnknownReference
            | ConflictKind::WeeklyCountAbove
            | ConflictKind::WeeklyCountBelow => Severity::Hard,
            ConflictKind::SubjectTooOftenInDay
            | ConflictKind::HeavySubjectLastPeriod
            | ConflictKind::TeacherGap
            | ConflictKind::TeacherDayOverloaded
            | ConflictKind::DoublePeriodAcrossBreak
            | ConflictKind::ClassSessionOverloaded
            | ConflictKind::ClassDayOverloaded
            | ConflictKind::DoublePeriodMissing => Severity::Soft,
        }
    }

    /// The stable code, as sent to the browser.
    pub fn code(self) -> &'static str {
        match self {
            ConflictKind::TeacherDoubleBooked => "teacher_double_booked",
            ConflictKind::ClassDoubleBooked => "class_double_booked",
            ConflictKind::RoomDoubleBooked => "room_double_booked",
            ConflictKind::TeacherUnavailable => "teacher_unavailable",
            ConflictKind::OutsideClassSession => "outside_class_session",
            ConflictKind::OutsideSchoolWeek => "outside_school_week",
            ConflictKind::UnknownReference => "unknown_reference",
            ConflictKind::WeeklyCountAbove => "weekly_count_above",
            ConflictKind::WeeklyCountBelow => "weekly_count_below",
            ConflictKind::SubjectTooOftenInDay => "subject_too_often_in_day",
            ConflictKind::HeavySubjectLastPeriod => "heavy_subject_last_period",
            ConflictKind::TeacherGap => "teacher_gap",
            ConflictKind::TeacherDayOverloaded => "teacher_day_overloaded",
            ConflictKind::DoublePeriodAcrossBreak => "double_period_across_break",
            ConflictKind::ClassSessionOverloaded => "class_session_overloaded",
            ConflictKind::ClassDayOverloaded => "class_day_overloaded",
            ConflictKind::DoublePeriodMissing => "double_period_missing",
        }
    }

    pub fn text(self) -> TimetableText {
        match self {
            ConflictKind::TeacherDoubleBooked => TimetableText::TeacherDoubleBooked,
            ConflictKind::ClassDoubleBooked => TimetableText::ClassDoubleBooked,
            ConflictKind::RoomDoubleBooked => TimetableText::RoomDoubleBooked,
            ConflictKind::TeacherUnavailable => TimetableText::TeacherUnavailable,
            ConflictKind::OutsideClassSession => TimetableText::OutsideClassSession,
            ConflictKind::OutsideSchoolWeek => TimetableText::OutsideSchoolWeek,
            ConflictKind::UnknownReference => TimetableText::UnknownReference,
            ConflictKind::WeeklyCountAbove => TimetableText::WeeklyCountAbove,
            ConflictKind::WeeklyCountBelow => TimetableText::WeeklyCountBelow,
            ConflictKind::SubjectTooOftenInDay => TimetableText::SubjectTooOftenInDay,
            ConflictKind::HeavySubjectLastPeriod => TimetableText::HeavySubjectLastPeriod,
            ConflictKind::TeacherGap => TimetableText::TeacherGap,
            ConflictKind::TeacherDayOverloaded => TimetableText::TeacherDayOverloaded,
            ConflictKind::DoublePeriodAcrossBreak => TimetableText::DoublePeriodAcrossBreak,
            ConflictKind::ClassSessionOverloaded => TimetableText::ClassSessionOverloaded,
            ConflictKind::ClassDayOverloaded => TimetableText::ClassDayOverloaded,
            ConflictKind::DoublePeriodMissing => TimetableText::DoublePeriodMissing,
        }
    }
}

/// When a conflict happens: a period, a session, a day, or the whole week (all `None`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct When {
    pub day: Option<Weekday>,
    pub session: Option<Session>,
    pub period: Option<u8>,
}

impl When {
    const WEEK: When = When {
        day: None,
        session: None,
        period: None,
    };

    fn day(day: Weekday) -> When {
        When {
            day: Some(day),
            ..When::WEEK
        }
    }

    fn session(day: Weekday, session: Session) -> When {
        When {
            day: Some(day),
            session: Some(session),
            period: None,
        }
    }

    fn slot(slot: Slot) -> When {
        When {
            day: Some(slot.day),
            session: Some(slot.session),
            period: Some(slot.period),
        }
    }
}

/// Whose timetable the conflict is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Who {
    Teacher { teacher: TeacherId },
    Class { class: ClassId },
    Room { room: RoomId },
    ClassSubject { class: ClassId, subject: SubjectId },
}

/// The number found and the limit it breaks (a weekly count, a threshold), for the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Count {
    pub found: u16,
    pub limit: u16,
}

/// One problem in a timetable, with the lessons (cells) to change to fix it. Fields are in
/// sorting order: hard first, then by time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Conflict {
    pub severity: Severity,
    pub when: When,
    pub kind: ConflictKind,
    pub who: Who,
    /// Sorted by id. Empty for a weekly count below with nothing placed yet.
    pub lessons: Vec<LessonId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<Count>,
}

impl Conflict {
    fn new(kind: ConflictKind, who: Who, when: When, mut lessons: Vec<LessonId>) -> Conflict {
        lessons.sort_unstable();
        Conflict {
            severity: kind.severity(),
            when,
            kind,
            who,
            lessons,
            count: None,
        }
    }

    fn counted(mut self, found: u16, limit: u16) -> Conflict {
        self.count = Some(Count { found, limit });
        self
    }

    pub fn is_hard(&self) -> bool {
        self.severity == Severity::Hard
    }

    /// The message in a language, with the numbers filled in.
    pub fn message(&self, lang: Lang) -> String {
        let text = self.kind.text().text(lang);
        match self.count {
            Some(Count { found, limit }) => text
                .replace("{found}", &found.to_string())
                .replace("{limit}", &limit.to_string()),
            None => text.to_string(),
        }
    }
}

/// Why a timetable cannot be checked, or an edit not applied. The `error` field of the JSON form
/// is the stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error")]
pub enum TimetableError {
    #[serde(rename = "timetable_no_school_days")]
    #[error("timetable_no_school_days")]
    NoSchoolDays,
    #[serde(rename = "timetable_too_many_periods")]
    #[error("timetable_too_many_periods ({session:?})")]
    TooManyPeriods { session: Session },
    #[serde(rename = "timetable_long_break_outside_session")]
    #[error("timetable_long_break_outside_session ({session:?})")]
    LongBreakOutsideSession { session: Session },
    #[serde(rename = "timetable_duplicate_requirement")]
    #[error("timetable_duplicate_requirement (class {class}, subject {subject})")]
    DuplicateRequirement { class: ClassId, subject: SubjectId },
    #[serde(rename = "timetable_duplicate_lesson")]
    #[error("timetable_duplicate_lesson ({lesson})")]
    DuplicateLesson { lesson: LessonId },
    #[serde(rename = "timetable_unknown_lesson")]
    #[error("timetable_unknown_lesson ({lesson})")]
    UnknownLesson { lesson: LessonId },
}

impl TimetableError {
    pub fn code(self) -> &'static str {
        match self {
            TimetableError::NoSchoolDays => "timetable_no_school_days",
            TimetableError::TooManyPeriods { .. } => "timetable_too_many_periods",
            TimetableError::LongBreakOutsideSession { .. } => {
                "timetable_long_break_outside_session"
            }
            TimetableError::DuplicateRequirement { .. } => "timetable_duplicate_requirement",
            TimetableError::DuplicateLesson { .. } => "timetable_duplicate_lesson",
            TimetableError::UnknownLesson { .. } => "timetable_unknown_lesson",
        }
    }

    pub fn text(self) -> TimetableText {
        match self {
            TimetableError::NoSchoolDays => TimetableText::ErrorNoSchoolDays,
            TimetableError::TooManyPeriods { .. } => TimetableText::ErrorTooManyPeriods,
            TimetableError::LongBreakOutsideSession { .. } => {
                TimetableText::ErrorLongBreakOutsideSession
            }
            TimetableError::DuplicateRequirement { .. } => TimetableText::ErrorDuplicateRequirement,
            TimetableError::DuplicateLesson { .. } => TimetableText::ErrorDuplicateLesson,
            TimetableError::UnknownLesson { .. } => TimetableText::ErrorUnknownLesson,
        }
    }
}

/// One change to a draft timetable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum Edit {
    /// Adds a lesson with a new id.
    Place { lesson: Lesson },
    /// Moves a lesson to another time; everything else stays.
    Move { lesson: LessonId, to: Slot },
    /// Exchanges the times of two lessons.
    Swap { first: LessonId, second: LessonId },
    /// Takes a lesson out.
    Remove { lesson: LessonId },
    /// Changes anything but the id (another teacher, a room).
    Replace { lesson: Lesson },
}

/// What an edit changed in the list of conflicts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckDelta {
    pub introduced: Vec<Conflict>,
    pub resolved: Vec<Conflict>,
}

/// The unit of recomputation; see the module notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Scope {
    Malformed(LessonId),
    ClassSubject(ClassId, SubjectId),
    ClassDay(ClassId, Weekday),
    TeacherDay(TeacherId, Weekday),
    RoomDay(RoomId, Weekday),
}

/// The school as the checks look it up.
#[derive(Clone, Debug)]
struct Context {
    week: SchoolWeek,
    settings: TimetableSettings,
    semester: Semester,
    classes: HashMap<ClassId, ClassInfo>,
    teachers: HashMap<TeacherId, TeacherInfo>,
    rooms: HashSet<RoomId>,
    subjects: HashSet<SubjectId>,
    heavy_subjects: HashSet<SubjectId>,
    requirements: HashMap<(ClassId, SubjectId), Requirement>,
}

impl Context {
    fn new(
        school: &School,
        settings: &TimetableSettings,
        semester: Semester,
    ) -> Result<Context, TimetableError> {
        if school.week.days.is_empty() {
            return Err(TimetableError::NoSchoolDays);
        }
        for session in Session::ALL {
            let plan = school.week.session(session);
            if plan.periods.len() > usize::from(MAX_PERIODS_PER_SESSION) {
                return Err(TimetableError::TooManyPeriods { session });
            }
            if plan
                .long_break_after
                .is_some_and(|after| after == 0 || after >= plan.period_count())
            {
                return Err(TimetableError::LongBreakOutsideSession { session });
            }
        }
        let mut requirements = HashMap::with_capacity(school.requirements.len());
        for requirement in &school.requirements {
            let key = (requirement.class, requirement.subject);
            if requirements.insert(key, requirement.clone()).is_some() {
                return Err(TimetableError::DuplicateRequirement {
                    class: key.0,
                    subject: key.1,
                });
            }
        }
        Ok(Context {
            week: school.week.clone(),
            settings: settings.clone(),
            semester,
            classes: school.classes.iter().map(|c| (c.id, c.clone())).collect(),
            teachers: school.teachers.iter().map(|t| (t.id, t.clone())).collect(),
            rooms: school.rooms.iter().map(|r| r.id).collect(),
            subjects: school.subjects.iter().map(|s| s.id).collect(),
            heavy_subjects: settings.heavy_subjects.iter().copied().collect(),
            requirements,
        })
    }

    /// Why a lesson cannot take part in the other checks, if it cannot.
    fn malformation(&self, lesson: &Lesson) -> Option<ConflictKind> {
        let known = self.classes.contains_key(&lesson.class)
            && self.teachers.contains_key(&lesson.teacher)
            && self.subjects.contains(&lesson.subject)
            && lesson.room.is_none_or(|room| self.rooms.contains(&room));
        if !known {
            return Some(ConflictKind::UnknownReference);
        }
        let fits = self.week.is_school_day(lesson.day)
            && lesson.period >= 1
            && (1..=2).contains(&lesson.length)
            && lesson.last_period() <= self.week.session(lesson.session).period_count();
        (!fits).then_some(ConflictKind::OutsideSchoolWeek)
    }

    /// The scopes a lesson belongs to.
    fn scopes(&self, lesson: &Lesson) -> Vec<Scope> {
        if self.malformation(lesson).is_some() {
            return vec![Scope::Malformed(lesson.id)];
        }
        let mut scopes = vec![
            Scope::ClassSubject(lesson.class, lesson.subject),
            Scope::ClassDay(lesson.class, lesson.day),
            Scope::TeacherDay(lesson.teacher, lesson.day),
        ];
        if let Some(room) = lesson.room {
            scopes.push(Scope::RoomDay(room, lesson.day));
        }
        scopes
    }

    /// The conflicts of one scope, from its lessons (in any order).
    fn conflicts_of(&self, scope: Scope, lessons: &mut [Lesson]) -> Vec<Conflict> {
        lessons.sort_unstable_by_key(|l| (l.session, l.period, l.id));
        let mut found = Vec::new();
        match scope {
            Scope::Malformed(_) => {
                for lesson in lessons.iter() {
                    if let Some(kind) = self.malformation(lesson) {
                        found.push(Conflict::new(
                            kind,
                            Who::Class {
                                class: lesson.class,
                            },
                            When::slot(lesson.start()),
                            vec![lesson.id],
                        ));
                    }
                }
            }
            Scope::ClassSubject(class, subject) => {
                self.class_subject_conflicts(class, subject, lessons, &mut found)
            }
            Scope::ClassDay(class, day) => {
                self.class_day_conflicts(class, day, lessons, &mut found)
            }
            Scope::TeacherDay(teacher, day) => {
                self.teacher_day_conflicts(teacher, day, lessons, &mut found)
            }
            Scope::RoomDay(room, day) => {
                double_bookings(
                    ConflictKind::RoomDoubleBooked,
                    Who::Room { room },
                    day,
                    lessons,
                    &mut found,
                );
            }
        }
        found
    }

    fn class_subject_conflicts(
        &self,
        class: ClassId,
        subject: SubjectId,
        lessons: &[Lesson],
        found: &mut Vec<Conflict>,
    ) {
        let who = Who::ClassSubject { class, subject };
        let ids = || lessons.iter().map(|l| l.id).collect::<Vec<_>>();
        let placed = periods(lessons);
        let requirement = self.requirements.get(&(class, subject));
        let required = requirement.map_or(0, |r| u16::from(r.periods.in_semester(self.semester)));
        if placed > required {
            found.push(
                Conflict::new(ConflictKind::WeeklyCountAbove, who, When::WEEK, ids())
                    .counted(placed, required),
            );
        } else if placed < required {
            found.push(
                Conflict::new(ConflictKind::WeeklyCountBelow, who, When::WEEK, ids())
                    .counted(placed, required),
            );
        }
        let wanted = requirement.map_or(0, |r| u16::from(r.double_periods));
        let doubles = count_u16(lessons.iter().filter(|l| l.length == 2).count());
        if doubles < wanted {
            found.push(
                Conflict::new(ConflictKind::DoublePeriodMissing, who, When::WEEK, ids())
                    .counted(doubles, wanted),
            );
        }
    }

    fn class_day_conflicts(
        &self,
        class: ClassId,
        day: Weekday,
        lessons: &[Lesson],
        found: &mut Vec<Conflict>,
    ) {
        let who = Who::Class { class };
        let settings = &self.settings;
        double_bookings(ConflictKind::ClassDoubleBooked, who, day, lessons, found);

        if let Some(info) = self.classes.get(&class) {
            for lesson in lessons.iter().filter(|l| !info.studies_in(day, l.session)) {
                found.push(Conflict::new(
                    ConflictKind::OutsideClassSession,
                    who,
                    When::slot(lesson.start()),
                    vec![lesson.id],
                ));
            }
        }

        let mut subjects: Vec<SubjectId> = lessons.iter().map(|l| l.subject).collect();
        subjects.sort_unstable();
        subjects.dedup();
        for subject in subjects {
            let of_subject: Vec<Lesson> = lessons
                .iter()
                .filter(|l| l.subject == subject)
                .copied()
                .collect();
            let count = periods(&of_subject);
            let limit = u16::from(settings.max_subject_periods_per_day);
            if count > limit {
                found.push(
                    Conflict::new(
                        ConflictKind::SubjectTooOftenInDay,
                        Who::ClassSubject { class, subject },
                        When::day(day),
                        of_subject.iter().map(|l| l.id).collect(),
                    )
                    .counted(count, limit),
                );
            }
        }

        let afternoon_periods = self.week.afternoon.period_count();
        let last_from = afternoon_periods.saturating_sub(settings.heavy_last_periods) + 1;
        for lesson in lessons {
            let subject_who = Who::ClassSubject {
                class,
                subject: lesson.subject,
            };
            if settings.heavy_last_periods > 0
                && lesson.session == Session::Afternoon
                && self.heavy_subjects.contains(&lesson.subject)
                && lesson.last_period() >= last_from
            {
                found.push(Conflict::new(
                    ConflictKind::HeavySubjectLastPeriod,
                    subject_who,
                    When::slot(lesson.start()),
                    vec![lesson.id],
                ));
            }
            if lesson.length == 2
                && self.week.session(lesson.session).long_break_after == Some(lesson.period)
            {
                found.push(Conflict::new(
                    ConflictKind::DoublePeriodAcrossBreak,
                    subject_who,
                    When::slot(lesson.start()),
                    vec![lesson.id],
                ));
            }
        }

        for session in Session::ALL {
            let in_session: Vec<Lesson> = lessons
                .iter()
                .filter(|l| l.session == session)
                .copied()
                .collect();
            let count = periods(&in_session);
            let limit = u16::from(settings.max_class_periods_per_session);
            if count > limit {
                found.push(
                    Conflict::new(
                        ConflictKind::ClassSessionOverloaded,
                        who,
                        When::session(day, session),
                        in_session.iter().map(|l| l.id).collect(),
                    )
                    .counted(count, limit),
                );
            }
        }
        let count = periods(lessons);
        let limit = u16::from(settings.max_class_periods_per_day);
        if count > limit {
            found.push(
                Conflict::new(
                    ConflictKind::ClassDayOverloaded,
                    who,
                    When::day(day),
                    lessons.iter().map(|l| l.id).collect(),
                )
                .counted(count, limit),
            );
        }
    }

    fn teacher_day_conflicts(
        &self,
        teacher: TeacherId,
        day: Weekday,
        lessons: &[Lesson],
        found: &mut Vec<Conflict>,
    ) {
        let who = Who::Teacher { teacher };
        let settings = &self.settings;
        double_bookings(ConflictKind::TeacherDoubleBooked, who, day, lessons, found);

        let info = self.teachers.get(&teacher);
        if let Some(info) = info.filter(|info| !info.unavailable.is_empty()) {
            for lesson in lessons {
                for slot in lesson.slots().filter(|slot| info.is_unavailable(*slot)) {
                    found.push(Conflict::new(
                        ConflictKind::TeacherUnavailable,
                        who,
                        When::slot(slot),
                        vec![lesson.id],
                    ));
                }
            }
        }

        for session in Session::ALL {
            let in_session: Vec<Lesson> = lessons
                .iter()
                .filter(|l| l.session == session)
                .copied()
                .collect();
            let mut taught = [false; MAX_PERIODS_PER_SESSION as usize + 2];
            for lesson in &in_session {
                for slot in lesson.slots() {
                    if let Some(cell) = taught.get_mut(usize::from(slot.period)) {
                        *cell = true;
                    }
                }
            }
            let first = taught.iter().position(|t| *t);
            let last = taught.iter().rposition(|t| *t);
            if let (Some(first), Some(last)) = (first, last) {
                let gaps = count_u16(taught[first..=last].iter().filter(|t| !**t).count());
                let limit = u16::from(settings.max_teacher_gaps_per_session);
                if gaps > limit {
                    found.push(
                        Conflict::new(
                            ConflictKind::TeacherGap,
                            who,
                            When::session(day, session),
                            in_session.iter().map(|l| l.id).collect(),
                        )
                        .counted(gaps, limit),
                    );
                }
            }
        }

        let count = periods(lessons);
        let limit = u16::from(
            info.and_then(|info| info.max_periods_per_day)
                .unwrap_or(settings.max_teacher_periods_per_day),
        );
        if count > limit {
            found.push(
                Conflict::new(
                    ConflictKind::TeacherDayOverloaded,
                    who,
                    When::day(day),
                    lessons.iter().map(|l| l.id).collect(),
                )
                .counted(count, limit),
            );
        }
    }
}

/// Periods taught by these lessons (a double period counts two).
fn periods(lessons: &[Lesson]) -> u16 {
    lessons.iter().map(|l| u16::from(l.length)).sum()
}

fn count_u16(count: usize) -> u16 {
    u16::try_from(count).unwrap_or(u16::MAX)
}

/// One conflict per period of the day in which two or more of these lessons meet.
fn double_bookings(
    kind: ConflictKind,
    who: Who,
    day: Weekday,
    lessons: &[Lesson],
    found: &mut Vec<Conflict>,
) {
    if lessons.len() < 2 {
        return;
    }
    const CELLS: usize = MAX_PERIODS_PER_SESSION as usize + 2;
    let mut cells: [[u8; CELLS]; 2] = [[0; CELLS]; 2];
    for lesson in lessons {
        for slot in lesson.slots() {
            if let Some(cell) = cells[slot.session as usize].get_mut(usize::from(slot.period)) {
                *cell = cell.saturating_add(1);
            }
        }
    }
    for session in Session::ALL {
        for (period, taken) in cells[session as usize].iter().enumerate() {
            if *taken < 2 {
                continue;
            }
            let slot = Slot::new(day, session, u8::try_from(period).unwrap_or(u8::MAX));
            found.push(Conflict::new(
                kind,
                who,
                When::slot(slot),
                lessons
                    .iter()
                    .filter(|l| l.occupies(slot))
                    .map(|l| l.id)
                    .collect(),
            ));
        }
    }
}

/// A timetable with its conflicts, kept up to date edit by edit.
#[derive(Clone, Debug)]
pub struct Checker {
    context: Context,
    lessons: HashMap<LessonId, Lesson>,
    /// The lessons of each scope other than [`Scope::Malformed`].
    members: HashMap<Scope, Vec<LessonId>>,
    /// The conflicts of each scope that has any.
    conflicts: HashMap<Scope, Vec<Conflict>>,
}

impl Checker {
    /// Checks a whole timetable.
    pub fn new(
        school: &School,
        settings: &TimetableSettings,
        timetable: &Timetable,
    ) -> Result<Checker, TimetableError> {
        let context = Context::new(school, settings, timetable.semester)?;
        let mut lessons = HashMap::with_capacity(timetable.lessons.len());
        for lesson in &timetable.lessons {
            if lessons.insert(lesson.id, *lesson).is_some() {
                return Err(TimetableError::DuplicateLesson { lesson: lesson.id });
            }
        }
        let mut checker = Checker {
            context,
            lessons,
            members: HashMap::new(),
            conflicts: HashMap::new(),
        };
        let mut scopes: HashSet<Scope> = checker
            .context
            .requirements
            .keys()
            .map(|&(class, subject)| Scope::ClassSubject(class, subject))
            .collect();
        for lesson in checker.lessons.values() {
            for scope in checker.context.scopes(lesson) {
                if !matches!(scope, Scope::Malformed(_)) {
                    checker.members.entry(scope).or_default().push(lesson.id);
                }
                scopes.insert(scope);
            }
        }
        for scope in scopes {
            let found = checker.compute(scope);
            if !found.is_empty() {
                checker.conflicts.insert(scope, found);
            }
        }
        Ok(checker)
    }

    fn compute(&self, scope: Scope) -> Vec<Conflict> {
        let mut lessons: Vec<Lesson> = match scope {
            Scope::Malformed(id) => self.lessons.get(&id).copied().into_iter().collect(),
            _ => self
                .members
                .get(&scope)
                .into_iter()
                .flatten()
                .filter_map(|id| self.lessons.get(id).copied())
                .collect(),
        };
        self.context.conflicts_of(scope, &mut lessons)
    }

    /// Every conflict, hard first, then by time.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut all: Vec<Conflict> = self.conflicts.values().flatten().cloned().collect();
        all.sort_unstable();
        all
    }

    pub fn hard_conflict_count(&self) -> usize {
        self.conflicts
            .values()
            .flatten()
            .filter(|c| c.is_hard())
            .count()
    }

    pub fn lesson(&self, id: LessonId) -> Option<&Lesson> {
        self.lessons.get(&id)
    }

    /// The timetable as it now stands, lessons by id.
    pub fn timetable(&self) -> Timetable {
        let mut lessons: Vec<Lesson> = self.lessons.values().copied().collect();
        lessons.sort_unstable_by_key(|l| l.id);
        Timetable {
            semester: self.context.semester,
            lessons,
        }
    }

    /// Applies one edit and checks again only what it touched. A refused edit changes nothing.
    pub fn apply(&mut self, edit: Edit) -> Result<CheckDelta, TimetableError> {
        let existing = |id: LessonId| {
            self.lessons
                .get(&id)
                .copied()
                .ok_or(TimetableError::UnknownLesson { lesson: id })
        };
        // (before, after) of every lesson the edit touches.
        let changes: Vec<(Option<Lesson>, Option<Lesson>)> = match edit {
            Edit::Place { lesson } => {
                if self.lessons.contains_key(&lesson.id) {
                    return Err(TimetableError::DuplicateLesson { lesson: lesson.id });
                }
                vec![(None, Some(lesson))]
            }
            Edit::Move { lesson, to } => {
                let before = existing(lesson)?;
                vec![(Some(before), Some(before.moved_to(to)))]
            }
            Edit::Swap { first, second } => {
                let first = existing(first)?;
                let second = existing(second)?;
                if first.id == second.id {
                    Vec::new()
                } else {
                    vec![
                        (Some(first), Some(first.moved_to(second.start()))),
                        (Some(second), Some(second.moved_to(first.start()))),
                    ]
                }
            }
            Edit::Remove { lesson } => vec![(Some(existing(lesson)?), None)],
            Edit::Replace { lesson } => vec![(Some(existing(lesson.id)?), Some(lesson))],
        };

        let mut dirty: Vec<Scope> = Vec::with_capacity(16);
        for (before, _) in &changes {
            if let Some(before) = before {
                for scope in self.context.scopes(before) {
                    if let Some(members) = self.members.get_mut(&scope) {
                        members.retain(|id| *id != before.id);
                        if members.is_empty() {
                            self.members.remove(&scope);
                        }
                    }
                    dirty.push(scope);
                }
                self.lessons.remove(&before.id);
            }
        }
        for (_, after) in &changes {
            if let Some(after) = after {
                for scope in self.context.scopes(after) {
                    if !matches!(scope, Scope::Malformed(_)) {
                        self.members.entry(scope).or_default().push(after.id);
                    }
                    dirty.push(scope);
                }
                self.lessons.insert(after.id, *after);
            }
        }
        dirty.sort_unstable_by_key(scope_order);
        dirty.dedup();

        let mut delta = CheckDelta::default();
        for scope in dirty {
            let now = self.compute(scope);
            let before = self.conflicts.remove(&scope).unwrap_or_default();
            delta
                .resolved
                .extend(before.iter().filter(|c| !now.contains(c)).cloned());
            delta
                .introduced
                .extend(now.iter().filter(|c| !before.contains(c)).cloned());
            if !now.is_empty() {
                self.conflicts.insert(scope, now);
            }
        }
        delta.introduced.sort_unstable();
        delta.resolved.sort_unstable();
        Ok(delta)
    }
}

/// A total order on scopes, to deduplicate the dirty list.
fn scope_order(scope: &Scope) -> (u8, i64, i64) {
    match *scope {
        Scope::Malformed(id) => (0, id.0, 0),
        Scope::ClassSubject(class, subject) => (1, class.0, subject.0),
        Scope::ClassDay(class, day) => (2, class.0, day as i64),
        Scope::TeacherDay(teacher, day) => (3, teacher.0, day as i64),
        Scope::RoomDay(room, day) => (4, room.0, day as i64),
    }
}

/// Checks a whole timetable: every conflict, hard first, then by time.
pub fn check(
    school: &School,
    settings: &TimetableSettings,
    timetable: &Timetable,
) -> Result<Vec<Conflict>, TimetableError> {
    Ok(Checker::new(school, settings, timetable)?.conflicts())
}

/// Why a timetable may not be published yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", rename = "timetable_has_hard_conflicts")]
#[error("timetable_has_hard_conflicts ({hard_conflicts})")]
pub struct PublishRefused {
    pub hard_conflicts: usize,
}

impl PublishRefused {
    pub fn code(self) -> &'static str {
        "timetable_has_hard_conflicts"
    }

    pub fn text(self) -> TimetableText {
        TimetableText::PublishRefused
    }

    pub fn message(self, lang: Lang) -> String {
        self.text()
            .text(lang)
            .replace("{count}", &self.hard_conflicts.to_string())
    }
}

/// A timetable may be published once no hard conflict remains; warnings do not block.
pub fn can_publish(conflicts: &[Conflict]) -> Result<(), PublishRefused> {
    match conflicts.iter().filter(|c| c.is_hard()).count() {
        0 => Ok(()),
        hard_conflicts => Err(PublishRefused { hard_conflicts }),
    }
}
