//! What a timetable is made of: the school week, classes, teachers, rooms, subjects, the weekly
//! requirements, and the placed lessons. Every type is serde, so a draft can be kept offline in
//! the browser and sent back as JSON.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::grades::rules::Semester;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A class (lớp), by its database id.
    ClassId
);
id_type!(
    /// A teacher, by its database id.
    TeacherId
);
id_type!(
    /// A subject (môn học), by its database id.
    SubjectId
);
id_type!(
    /// A room that matters to the timetable (lab, computer room, gym), by its database id.
    RoomId
);
id_type!(
    /// A placed lesson. Drafts not yet saved may use negative ids.
    LessonId
);

/// A day of the week. Only the days of [`SchoolWeek::days`] are school days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// The weekday of a calendar date (for substitutions on a given date).
    pub fn of_date(date: time::Date) -> Weekday {
        match date.weekday() {
            time::Weekday::Monday => Weekday::Monday,
            time::Weekday::Tuesday => Weekday::Tuesday,
            time::Weekday::Wednesday => Weekday::Wednesday,
            time::Weekday::Thursday => Weekday::Thursday,
            time::Weekday::Friday => Weekday::Friday,
            time::Weekday::Saturday => Weekday::Saturday,
            time::Weekday::Sunday => Weekday::Sunday,
        }
    }
}

/// Buổi sáng or buổi chiều.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Session {
    Morning,
    Afternoon,
}

impl Session {
    pub const ALL: [Session; 2] = [Session::Morning, Session::Afternoon];
}

/// A time of day, to the minute; written "07:00" in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeOfDay {
    minutes: u16,
}

impl TimeOfDay {
    /// `None` unless 0 ≤ hour < 24 and 0 ≤ minute < 60.
    pub const fn new(hour: u8, minute: u8) -> Option<TimeOfDay> {
        if hour < 24 && minute < 60 {
            Some(TimeOfDay {
                minutes: hour as u16 * 60 + minute as u16,
            })
        } else {
            None
        }
    }

    pub fn hour(self) -> u8 {
        (self.minutes / 60) as u8
    }

    pub fn minute(self) -> u8 {
        (self.minutes % 60) as u8
    }

    /// Reads "7:00" or "07:00".
    pub fn parse(text: &str) -> Option<TimeOfDay> {
        let (hour, minute) = text.trim().split_once(':')?;
        let digits = |part: &str| {
            (!part.is_empty() && part.len() <= 2 && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse::<u8>().ok())
                .flatten()
        };
        TimeOfDay::new(digits(hour)?, digits(minute)?)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}

impl TryFrom<String> for TimeOfDay {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        TimeOfDay::parse(&text).ok_or_else(|| format!("not a time of day: {text:?}"))
    }
}

impl From<TimeOfDay> for String {
    fn from(time: TimeOfDay) -> String {
        time.to_string()
    }
}

/// When one period (tiết) starts and ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodTime {
    pub start: TimeOfDay,
    pub end: TimeOfDay,
}

/// The periods of a session, numbered from 1, and where its long break falls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionPlan {
    pub periods: Vec<PeriodTime>,
    /// The long break (ra chơi) comes after this period: a double period starting here is split
    /// by it. `None` when the session has no long break.
    #[serde(default)]
    pub long_break_after: Option<u8>,
}

impl SessionPlan {
    pub fn period_count(&self) -> u8 {
        u8::try_from(self.periods.len()).unwrap_or(u8::MAX)
    }

    /// `count` periods of 45 minutes from `start`, with 5-minute breaks and a 20-minute long
    /// break after period `long_break_after`.
    pub fn evenly_spaced(start: TimeOfDay, count: u8, long_break_after: Option<u8>) -> SessionPlan {
        let mut minutes = start.minutes;
        let mut periods = Vec::with_capacity(usize::from(count));
        for period in 1..=count {
            let end = minutes + 45;
            periods.push(PeriodTime {
                start: TimeOfDay {
                    minutes: minutes % (24 * 60),
                },
                end: TimeOfDay {
                    minutes: end % (24 * 60),
                },
            });
            minutes = end
                + if long_break_after == Some(period) {
                    20
                } else {
                    5
                };
        }
        SessionPlan {
            periods,
            long_break_after,
        }
    }
}

/// The school week: which days are taught, and the periods of each session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolWeek {
    pub days: Vec<Weekday>,
    pub morning: SessionPlan,
    pub afternoon: SessionPlan,
}

impl SchoolWeek {
    pub fn session(&self, session: Session) -> &SessionPlan {
        match session {
            Session::Morning => &self.morning,
            Session::Afternoon => &self.afternoon,
        }
    }

    pub fn is_school_day(&self, day: Weekday) -> bool {
        self.days.contains(&day)
    }
}

/// Monday to Saturday, five periods a session from 07:00 and 13:00, the long break after the
/// second period (times and break position are common practice, not confirmed: a setting).
impl Default for SchoolWeek {
    fn default() -> Self {
        let at = |hour, minute| TimeOfDay::new(hour, minute).unwrap_or(TimeOfDay { minutes: 0 });
        SchoolWeek {
            days: Weekday::ALL[..6].to_vec(),
            morning: SessionPlan::evenly_spaced(at(7, 0), 5, Some(2)),
            afternoon: SessionPlan::evenly_spaced(at(13, 0), 5, Some(2)),
        }
    }
}

/// One day and session, e.g. Thursday afternoon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DaySession {
    pub day: Weekday,
    pub session: Session,
}

/// One period of the week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Slot {
    pub day: Weekday,
    pub session: Session,
    /// From 1.
    pub period: u8,
}

impl Slot {
    pub const fn new(day: Weekday, session: Session, period: u8) -> Slot {
        Slot {
            day,
            session,
            period,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassInfo {
    pub id: ClassId,
    /// "6A1".
    pub name: String,
    /// The sessions the class studies every school day (one for most classes, both for a
    /// two-session class).
    pub sessions: Vec<Session>,
    /// Further sessions on given days only (e.g. a one-session class that also studies on
    /// Tuesday afternoon).
    #[serde(default)]
    pub extra_sessions: Vec<DaySession>,
}

impl ClassInfo {
    pub fn studies_in(&self, day: Weekday, session: Session) -> bool {
        self.sessions.contains(&session)
            || self.extra_sessions.contains(&DaySession { day, session })
    }
}

/// When a teacher cannot teach: a whole day, a whole session, or one period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unavailable {
    pub day: Weekday,
    /// `None`: the whole day.
    #[serde(default)]
    pub session: Option<Session>,
    /// `None`: the whole session.
    #[serde(default)]
    pub period: Option<u8>,
}

impl Unavailable {
    pub fn covers(&self, slot: Slot) -> bool {
        self.day == slot.day
            && self.session.is_none_or(|session| session == slot.session)
            && self.period.is_none_or(|period| period == slot.period)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeacherInfo {
    pub id: TeacherId,
    pub name: String,
    /// The subjects the teacher can teach (for substitutions).
    #[serde(default)]
    pub subjects: Vec<SubjectId>,
    #[serde(default)]
    pub unavailable: Vec<Unavailable>,
    /// Overrides [`TimetableSettings::max_teacher_periods_per_day`] for this teacher.
    #[serde(default)]
    pub max_periods_per_day: Option<u8>,
}

impl TeacherInfo {
    pub fn is_unavailable(&self, slot: Slot) -> bool {
        self.unavailable.iter().any(|rule| rule.covers(slot))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomInfo {
    pub id: RoomId,
    /// "Phòng Tin học", "Phòng thí nghiệm", "Nhà đa năng".
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectInfo {
    pub id: SubjectId,
    pub name: String,
}

/// Periods per week of a subject for a class, for each semester.
///
/// The programme gives periods per year (Công nghệ 8–9: 52, "1.5 a week"). A weekly timetable
/// cannot hold half a period, so a fractional rate is written as a different whole count per
/// semester (1 in semester I and 2 in semester II: 18 + 34 = 52 over 18 + 17 weeks). Each
/// semester's timetable is checked against that semester's count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodsPerWeek {
    pub first_semester: u8,
    pub second_semester: u8,
}

impl PeriodsPerWeek {
    pub const fn every_week(count: u8) -> PeriodsPerWeek {
        PeriodsPerWeek {
            first_semester: count,
            second_semester: count,
        }
    }

    pub fn in_semester(self, semester: Semester) -> u8 {
        match semester {
            Semester::First => self.first_semester,
            Semester::Second => self.second_semester,
        }
    }

    /// Periods over the year for semesters of the given numbers of weeks.
    pub fn per_year(self, first_semester_weeks: u16, second_semester_weeks: u16) -> u16 {
        u16::from(self.first_semester) * first_semester_weeks
            + u16::from(self.second_semester) * second_semester_weeks
    }

    /// The split of a yearly total closest to it, heavier in semester II when the total is not
    /// a multiple of the weeks (52 periods over 18 + 17 weeks → 1 and 2, 52 periods).
    pub fn from_year(
        periods_per_year: u16,
        first_semester_weeks: u16,
        second_semester_weeks: u16,
    ) -> PeriodsPerWeek {
        let weeks = first_semester_weeks + second_semester_weeks;
        if weeks == 0 {
            return PeriodsPerWeek::every_week(0);
        }
        let base = periods_per_year / weeks;
        let rest = periods_per_year - base * weeks;
        // Round the remainder to whole extra periods in semester II, else in semester I.
        let to_u8 = |value: u16| u8::try_from(value).unwrap_or(u8::MAX);
        if rest == 0 {
            PeriodsPerWeek::every_week(to_u8(base))
        } else if second_semester_weeks > 0 && rest * 2 >= second_semester_weeks {
            PeriodsPerWeek {
                first_semester: to_u8(base),
                second_semester: to_u8(base + 1),
            }
        } else if rest * 2 >= first_semester_weeks && first_semester_weeks > 0 {
            PeriodsPerWeek {
                first_semester: to_u8(base + 1),
                second_semester: to_u8(base),
            }
        } else {
            PeriodsPerWeek::every_week(to_u8(base))
        }
    }
}

/// What must be taught: a subject for a class, so many periods a week, with so many of them
/// as double periods (tiết đôi) where the school wants them (e.g. a KHTN practical).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub class: ClassId,
    pub subject: SubjectId,
    pub periods: PeriodsPerWeek,
    /// Double periods wanted each week (each counts for two periods).
    #[serde(default)]
    pub double_periods: u8,
}

/// Everything the checks need to know about the school, besides the lessons.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    pub week: SchoolWeek,
    pub classes: Vec<ClassInfo>,
    pub teachers: Vec<TeacherInfo>,
    /// Only rooms that are booked (labs, computer room, gym); ordinary lessons have no room.
    #[serde(default)]
    pub rooms: Vec<RoomInfo>,
    pub subjects: Vec<SubjectInfo>,
    pub requirements: Vec<Requirement>,
}

/// One lesson in the timetable: a class, a subject, its teacher, perhaps a room, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Lesson {
    pub id: LessonId,
    pub class: ClassId,
    pub subject: SubjectId,
    pub teacher: TeacherId,
    #[serde(default)]
    pub room: Option<RoomId>,
    pub day: Weekday,
    pub session: Session,
    /// The first period, from 1.
    pub period: u8,
    /// 1, or 2 for a double period.
    #[serde(default = "one_period")]
    pub length: u8,
}

fn one_period() -> u8 {
    1
}

impl Lesson {
    pub fn start(&self) -> Slot {
        Slot::new(self.day, self.session, self.period)
    }

    /// The periods the lesson takes (one, or two for a double period).
    pub fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        (0..self.length)
            .map(|offset| Slot::new(self.day, self.session, self.period.saturating_add(offset)))
    }

    pub fn last_period(&self) -> u8 {
        self.period.saturating_add(self.length.saturating_sub(1))
    }

    pub fn occupies(&self, slot: Slot) -> bool {
        self.day == slot.day
            && self.session == slot.session
            && self.period <= slot.period
            && slot.period <= self.last_period()
    }

    pub fn overlaps(&self, other: &Lesson) -> bool {
        self.day == other.day
            && self.session == other.session
            && self.period <= other.last_period()
            && other.period <= self.last_period()
    }

    /// The same lesson at another time.
    pub fn moved_to(mut self, slot: Slot) -> Lesson {
        self.day = slot.day;
        self.session = slot.session;
        self.period = slot.period;
        self
    }
}

/// A weekly timetable (for one semester, from a given week on): the placed lessons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timetable {
    pub semester: Semester,
    pub lessons: Vec<Lesson>,
}

/// Thresholds of the soft checks. None is confirmed by the reference (`shared/domain/
/// timetable.md`): each default is the value it cites, or the strictest reading where it cites
/// none, for a school to review. Missing fields in stored JSON take their default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimetableSettings {
    /// A subject at most this many periods a day for a class ("more than twice a day": 2).
    pub max_subject_periods_per_day: u8,
    /// Subjects that should not be last in the afternoon (Toán, Ngữ văn, KHTN by default; see
    /// [`TimetableSettings::heavy_subjects_by_name`]).
    pub heavy_subjects: Vec<SubjectId>,
    /// How many periods at the end of the afternoon count as "last" (1).
    pub heavy_last_periods: u8,
    /// Free periods allowed between a teacher's lessons in one session (the reference warns
    /// about any gap: 0).
    pub max_teacher_gaps_per_session: u8,
    /// A teacher's periods a day (the reference gives no number: 5, one full session).
    pub max_teacher_periods_per_day: u8,
    /// A class's periods in one session (5).
    pub max_class_periods_per_session: u8,
    /// A class's periods in one day (7).
    pub max_class_periods_per_day: u8,
}

impl Default for TimetableSettings {
    fn default() -> Self {
        TimetableSettings {
            max_subject_periods_per_day: 2,
            heavy_subjects: Vec::new(),
            heavy_last_periods: 1,
            max_teacher_gaps_per_session: 0,
            max_teacher_periods_per_day: 5,
            max_class_periods_per_session: 5,
            max_class_periods_per_day: 7,
        }
    }
}

/// Folded names of the subjects heavy by default: Toán, Ngữ văn, Khoa học tự nhiên.
const DEFAULT_HEAVY_SUBJECTS: [&str; 4] = ["toan", "ngu van", "khoa hoc tu nhien", "khtn"];

impl TimetableSettings {
    /// The default settings with the school's Toán, Ngữ văn and KHTN as heavy subjects, found by
    /// name whatever the case and diacritics.
    pub fn heavy_subjects_by_name(subjects: &[SubjectInfo]) -> TimetableSettings {
        use crate::platform::collation::fold_for_search;
        TimetableSettings {
            heavy_subjects: subjects
                .iter()
                .filter(|subject| {
                    DEFAULT_HEAVY_SUBJECTS.contains(&fold_for_search(&subject.name).as_str())
                })
                .map(|subject| subject.id)
                .collect(),
            ..TimetableSettings::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_read_and_write_as_hh_mm() {
        let time = TimeOfDay::parse("7:05").unwrap();
        assert_eq!(time.to_string(), "07:05");
        assert_eq!(serde_json::to_string(&time).unwrap(), "\"07:05\"");
        assert_eq!(
            serde_json::from_str::<TimeOfDay>("\"13:30\"").unwrap(),
            TimeOfDay::new(13, 30).unwrap()
        );
        for bad in ["24:00", "7", "7:60", "ab:cd", "", "-1:00", "123:00"] {
            assert_eq!(TimeOfDay::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_default_week_is_monday_to_saturday_with_five_periods_a_session() {
        let week = SchoolWeek::default();
        assert_eq!(week.days.len(), 6);
        assert!(!week.is_school_day(Weekday::Sunday));
        assert_eq!(week.morning.period_count(), 5);
        assert_eq!(week.morning.periods[0].start.to_string(), "07:00");
        assert_eq!(week.morning.periods[0].end.to_string(), "07:45");
        // The long break (20 minutes) follows period 2.
        assert_eq!(week.morning.periods[2].start.to_string(), "08:55");
        assert_eq!(week.afternoon.periods[4].end.to_string(), "17:20");
    }

    #[test]
    fn a_fractional_yearly_rate_becomes_a_count_per_semester() {
        // Công nghệ 8–9: 52 periods, "1.5 a week" over 18 + 17 weeks.
        let split = PeriodsPerWeek::from_year(52, 18, 17);
        assert_eq!(
            split,
            PeriodsPerWeek {
                first_semester: 1,
                second_semester: 2
            }
        );
        assert_eq!(split.per_year(18, 17), 52);
        assert_eq!(
            PeriodsPerWeek::from_year(140, 18, 17),
            PeriodsPerWeek::every_week(4)
        );
        assert_eq!(
            PeriodsPerWeek::from_year(35, 18, 17),
            PeriodsPerWeek::every_week(1)
        );
        assert_eq!(
            PeriodsPerWeek::from_year(10, 0, 0),
            PeriodsPerWeek::every_week(0)
        );
    }

    #[test]
    fn unavailability_covers_a_day_a_session_or_a_period() {
        let slot = Slot::new(Weekday::Thursday, Session::Afternoon, 3);
        let day = Unavailable {
            day: Weekday::Thursday,
            session: None,
            period: None,
        };
        let session = Unavailable {
            day: Weekday::Thursday,
            session: Some(Session::Afternoon),
            period: None,
        };
        let period = Unavailable {
            day: Weekday::Thursday,
            session: Some(Session::Afternoon),
            period: Some(3),
        };
        let other = Unavailable {
            day: Weekday::Thursday,
            session: Some(Session::Morning),
            period: None,
        };
        assert!(day.covers(slot) && session.covers(slot) && period.covers(slot));
        assert!(!other.covers(slot));
    }

    #[test]
    fn heavy_subjects_are_found_by_name() {
        let subjects = [
            SubjectInfo {
                id: SubjectId(1),
                name: "TOÁN".into(),
            },
            SubjectInfo {
                id: SubjectId(2),
                name: "Ngữ  văn".into(),
            },
            SubjectInfo {
                id: SubjectId(3),
                name: "Khoa học tự nhiên".into(),
            },
            SubjectInfo {
                id: SubjectId(4),
                name: "Tin học".into(),
            },
        ];
        let settings = TimetableSettings::heavy_subjects_by_name(&subjects);
        assert_eq!(
            settings.heavy_subjects,
            [SubjectId(1), SubjectId(2), SubjectId(3)]
        );
    }
}
