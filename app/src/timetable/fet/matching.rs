//! From FET's names to the school's ids: a proposed mapping the user reviews (and may correct,
//! it is serde), then the conversion of the placed lessons into a timetable.
//!
//! Names match when equal after [`fold_for_search`] (case, diacritics and spacing aside); if
//! none does, when equal ignoring punctuation and a trailing "_(…)" code, as Vietnamese school
//! software appends to names exported to FET ("Hưng_(10909507_000020)"). Two school entries
//! that match the same name make it ambiguous: both are offered, neither is chosen.

use serde::{Deserialize, Serialize};

use super::FetImport;
use crate::grades::rules::Semester;
use crate::platform::collation::fold_for_search;
use crate::timetable::rules::{
    ClassId, Lesson, LessonId, RoomId, School, SchoolWeek, Session, SubjectId, TeacherId,
    Timetable, Weekday,
};

/// What one FET name was matched to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameMatch<T> {
    pub name: String,
    pub matched: Option<T>,
    /// When several entries fit equally well (then `matched` is `None`).
    #[serde(default = "Vec::new", skip_serializing_if = "Vec::is_empty")]
    pub ambiguous: Vec<T>,
}

/// A FET hour as a period: of a given session, or (`session: None`) of the session the class
/// studies in, for files with hours "Tiết 1" to "Tiết 5" made per session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourSlot {
    pub session: Option<Session>,
    pub period: u8,
}

/// The proposed meaning of every name of an import.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameMapping {
    pub days: Vec<NameMatch<Weekday>>,
    pub hours: Vec<NameMatch<HourSlot>>,
    pub teachers: Vec<NameMatch<TeacherId>>,
    /// Students sets (FET groups, or years standing for all their groups) to classes.
    pub classes: Vec<NameMatch<ClassId>>,
    pub subjects: Vec<NameMatch<SubjectId>>,
    pub rooms: Vec<NameMatch<RoomId>>,
}

/// The names left without a match, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmatched {
    pub days: Vec<String>,
    pub hours: Vec<String>,
    pub teachers: Vec<String>,
    pub classes: Vec<String>,
    pub subjects: Vec<String>,
    pub rooms: Vec<String>,
}

impl Unmatched {
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
            && self.hours.is_empty()
            && self.teachers.is_empty()
            && self.classes.is_empty()
            && self.subjects.is_empty()
            && self.rooms.is_empty()
    }
}

fn unmatched_names<T>(matches: &[NameMatch<T>]) -> Vec<String> {
    matches
        .iter()
        .filter(|m| m.matched.is_none())
        .map(|m| m.name.clone())
        .collect()
}

fn lookup<T: Copy>(matches: &[NameMatch<T>], name: &str) -> Option<T> {
    matches
        .iter()
        .find(|m| m.name == name)
        .and_then(|m| m.matched)
}

impl NameMapping {
    pub fn unmatched(&self) -> Unmatched {
        Unmatched {
            days: unmatched_names(&self.days),
            hours: unmatched_names(&self.hours),
            teachers: unmatched_names(&self.teachers),
            classes: unmatched_names(&self.classes),
            subjects: unmatched_names(&self.subjects),
            rooms: unmatched_names(&self.rooms),
        }
    }
}

/// "Hưng_(10909507_000020)" → "hung"; "6 A1" → "6a1".
fn compact_key(name: &str) -> String {
    let trimmed = name.trim();
    let without_code = match trimmed
        .strip_suffix(')')
        .and_then(|rest| rest.rsplit_once('('))
    {
        Some((before, _)) if !before.trim().is_empty() => before,
        _ => trimmed,
    };
    fold_for_search(without_code)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn match_one<T: Copy + PartialEq>(name: &str, candidates: &[(T, &str)]) -> NameMatch<T> {
    let keys: [fn(&str) -> String; 2] = [fold_for_search, compact_key];
    for key in keys {
        let wanted = key(name);
        if wanted.is_empty() {
            continue;
        }
        let mut found: Vec<T> = Vec::new();
        for (id, candidate) in candidates {
            if key(candidate) == wanted && !found.contains(id) {
                found.push(*id);
            }
        }
        match found.len() {
            0 => continue,
            1 => {
                return NameMatch {
                    name: name.to_string(),
                    matched: found.first().copied(),
                    ambiguous: Vec::new(),
                };
            }
            _ => {
                return NameMatch {
                    name: name.to_string(),
                    matched: None,
                    ambiguous: found,
                };
            }
        }
    }
    NameMatch {
        name: name.to_string(),
        matched: None,
        ambiguous: Vec::new(),
    }
}

fn match_all<T: Copy + PartialEq>(names: &[String], candidates: &[(T, &str)]) -> Vec<NameMatch<T>> {
    names
        .iter()
        .map(|name| match_one(name, candidates))
        .collect()
}

/// Vietnamese and English day names and abbreviations, without diacritics or spaces.
const DAY_NAMES: [(Weekday, &[&str]); 7] = [
    (
        Weekday::Monday,
        &["thuhai", "thu2", "t2", "hai", "monday", "mon"],
    ),
    (
        Weekday::Tuesday,
        &["thuba", "thu3", "t3", "ba", "tuesday", "tue", "tues"],
    ),
    (
        Weekday::Wednesday,
        &["thutu", "thu4", "t4", "tu", "wednesday", "wed"],
    ),
    (
        Weekday::Thursday,
        &[
            "thunam", "thu5", "t5", "nam", "thursday", "thu", "thur", "thurs",
        ],
    ),
    (
        Weekday::Friday,
        &["thusau", "thu6", "t6", "sau", "friday", "fri"],
    ),
    (
        Weekday::Saturday,
        &["thubay", "thu7", "t7", "bay", "saturday", "sat"],
    ),
    (Weekday::Sunday, &["chunhat", "cn", "sunday", "sun"]),
];

fn day_by_name(name: &str) -> Option<Weekday> {
    let key = compact_key(name);
    DAY_NAMES
        .iter()
        .find(|(_, names)| names.contains(&key.as_str()))
        .map(|(day, _)| *day)
}

/// Days by name; else, in a `.fet` file's ordered list, by position in the school's week.
fn match_days(import: &FetImport, week: &SchoolWeek) -> Vec<NameMatch<Weekday>> {
    import
        .days
        .iter()
        .enumerate()
        .map(|(index, name)| NameMatch {
            name: name.clone(),
            matched: day_by_name(name).or_else(|| {
                import
                    .ordered
                    .then(|| week.days.get(index).copied())
                    .flatten()
            }),
            ambiguous: Vec::new(),
        })
        .collect()
}

/// The first "H:MM" in a text, as minutes from midnight.
fn first_time(text: &str) -> Option<(u8, u8)> {
    let bytes = text.as_bytes();
    let colon = bytes.iter().position(|b| *b == b':')?;
    let hour_digits: String = text[..colon]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let minute_digits: String = text[colon + 1..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if hour_digits.is_empty() || hour_digits.len() > 2 || minute_digits.len() != 2 {
        return None;
    }
    Some((hour_digits.parse().ok()?, minute_digits.parse().ok()?))
}

fn hour_by_name(name: &str, week: &SchoolWeek) -> Option<HourSlot> {
    if let Some((hour, minute)) = first_time(name) {
        for session in Session::ALL {
            let periods = &week.session(session).periods;
            if let Some(index) = periods
                .iter()
                .position(|p| (p.start.hour(), p.start.minute()) == (hour, minute))
            {
                return Some(HourSlot {
                    session: Some(session),
                    period: u8::try_from(index + 1).ok()?,
                });
            }
        }
    }
    let folded = fold_for_search(name);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let session = if words
        .iter()
        .any(|w| matches!(*w, "chieu" | "afternoon" | "pm"))
    {
        Some(Session::Afternoon)
    } else if words
        .iter()
        .any(|w| matches!(*w, "sang" | "morning" | "am"))
    {
        Some(Session::Morning)
    } else {
        None
    };
    let number = words.iter().rev().find_map(|w| w.parse::<u8>().ok())?;
    let limit = session.map_or(u8::MAX, |s| week.session(s).period_count());
    (1..=limit).contains(&number).then_some(HourSlot {
        session,
        period: number,
    })
}

/// Hours by name ("Chiều 2", "Tiết 3", "07:50"); in an ordered list of more hours than the
/// morning has, by position (morning periods first, then afternoon).
fn match_hours(import: &FetImport, week: &SchoolWeek) -> Vec<NameMatch<HourSlot>> {
    let morning = usize::from(week.morning.period_count());
    let afternoon = usize::from(week.afternoon.period_count());
    let both_sessions = import.ordered && import.hours.len() > morning;
    import
        .hours
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let by_name =
                hour_by_name(name, week).filter(|slot| slot.session.is_some() || !both_sessions);
            let by_position = || {
                if both_sessions {
                    let (session, period, last) = if index < morning {
                        (Session::Morning, index + 1, morning)
                    } else {
                        (Session::Afternoon, index - morning + 1, afternoon)
                    };
                    (period <= last).then_some(HourSlot {
                        session: Some(session),
                        period: u8::try_from(period).ok()?,
                    })
                } else if import.ordered {
                    u8::try_from(index + 1).ok().map(|period| HourSlot {
                        session: None,
                        period,
                    })
                } else {
                    None
                }
            };
            NameMatch {
                name: name.clone(),
                matched: by_name.or_else(by_position),
                ambiguous: Vec::new(),
            }
        })
        .collect()
}

fn push_distinct(list: &mut Vec<String>, name: &str) {
    if !list.iter().any(|known| known == name) {
        list.push(name.to_string());
    }
}

/// Proposes what each name of the import means in the school.
pub fn match_names(import: &FetImport, school: &School) -> NameMapping {
    let mut teachers = import.teachers.clone();
    let mut subjects = import.subjects.clone();
    let mut rooms = Vec::new();
    let mut students = Vec::new();
    for lesson in &import.lessons {
        for teacher in &lesson.teachers {
            push_distinct(&mut teachers, teacher);
        }
        push_distinct(&mut subjects, &lesson.subject);
        if let Some(room) = &lesson.room {
            push_distinct(&mut rooms, room);
        }
        for set in &lesson.students {
            match import.groups_of_year(set) {
                Some(groups) => groups
                    .into_iter()
                    .for_each(|g| push_distinct(&mut students, g)),
                None => push_distinct(&mut students, set),
            }
        }
    }
    let classes: Vec<(ClassId, &str)> = school
        .classes
        .iter()
        .map(|c| (c.id, c.name.as_str()))
        .collect();
    let staff: Vec<(TeacherId, &str)> = school
        .teachers
        .iter()
        .map(|t| (t.id, t.name.as_str()))
        .collect();
    let school_subjects: Vec<(SubjectId, &str)> = school
        .subjects
        .iter()
        .map(|s| (s.id, s.name.as_str()))
        .collect();
    let school_rooms: Vec<(RoomId, &str)> = school
        .rooms
        .iter()
        .map(|r| (r.id, r.name.as_str()))
        .collect();
    NameMapping {
        days: match_days(import, &school.week),
        hours: match_hours(import, &school.week),
        teachers: match_all(&teachers, &staff),
        classes: match_all(&students, &classes),
        subjects: match_all(&subjects, &school_subjects),
        rooms: match_all(&rooms, &school_rooms),
    }
}

/// Why a FET lesson was not imported, or imported with a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportIssueKind {
    UnmatchedDay,
    UnmatchedHour,
    UnmatchedTeacher,
    UnmatchedClass,
    UnmatchedSubject,
    /// Imported without its room.
    UnmatchedRoom,
    NoTeacher,
    /// Imported with its first teacher only.
    ExtraTeachers,
    /// Imported as several lessons (longer than a double period, or across sessions).
    SplitLesson,
}

impl ImportIssueKind {
    /// Whether the lesson was left out.
    pub fn skips_lesson(self) -> bool {
        !matches!(
            self,
            ImportIssueKind::UnmatchedRoom
                | ImportIssueKind::ExtraTeachers
                | ImportIssueKind::SplitLesson
        )
    }

    pub fn text(self) -> super::FetText {
        use super::FetText;
        match self {
            ImportIssueKind::UnmatchedDay => FetText::IssueUnmatchedDay,
            ImportIssueKind::UnmatchedHour => FetText::IssueUnmatchedHour,
            ImportIssueKind::UnmatchedTeacher => FetText::IssueUnmatchedTeacher,
            ImportIssueKind::UnmatchedClass => FetText::IssueUnmatchedClass,
            ImportIssueKind::UnmatchedSubject => FetText::IssueUnmatchedSubject,
            ImportIssueKind::UnmatchedRoom => FetText::IssueUnmatchedRoom,
            ImportIssueKind::NoTeacher => FetText::IssueNoTeacher,
            ImportIssueKind::ExtraTeachers => FetText::IssueExtraTeachers,
            ImportIssueKind::SplitLesson => FetText::IssueSplitLesson,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportIssue {
    pub activity_id: u32,
    pub kind: ImportIssueKind,
    /// The FET name at fault, if one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedTimetable {
    pub timetable: Timetable,
    pub issues: Vec<ImportIssue>,
}

/// The placed lessons of an import as a timetable, with the (reviewed) mapping. Lesson ids are
/// numbered from `first_lesson_id` (negative ids suit a draft not yet saved). A FET activity for
/// several classes becomes one lesson per class; one longer than two periods, or running from
/// morning into afternoon, becomes several.
pub fn to_timetable(
    import: &FetImport,
    mapping: &NameMapping,
    school: &School,
    semester: Semester,
    first_lesson_id: i64,
) -> ImportedTimetable {
    let mut lessons = Vec::new();
    let mut issues = Vec::new();
    let mut next_id = first_lesson_id;
    for fet in &import.lessons {
        let id = fet.activity_id;
        let mut issue = |kind: ImportIssueKind, name: Option<&str>| {
            issues.push(ImportIssue {
                activity_id: id,
                kind,
                name: name.map(str::to_string),
            })
        };
        let day = lookup(&mapping.days, &fet.day);
        if day.is_none() {
            issue(ImportIssueKind::UnmatchedDay, Some(&fet.day));
        }
        let hours: Vec<Option<HourSlot>> = fet
            .hours
            .iter()
            .map(|hour| lookup(&mapping.hours, hour))
            .collect();
        for (hour, slot) in fet.hours.iter().zip(&hours) {
            if slot.is_none() {
                issue(ImportIssueKind::UnmatchedHour, Some(hour));
            }
        }
        let subject = lookup(&mapping.subjects, &fet.subject);
        if subject.is_none() {
            issue(ImportIssueKind::UnmatchedSubject, Some(&fet.subject));
        }
        let teacher = match fet.teachers.first() {
            None => {
                issue(ImportIssueKind::NoTeacher, None);
                None
            }
            Some(first) => {
                if fet.teachers.len() > 1 {
                    issue(ImportIssueKind::ExtraTeachers, None);
                }
                let found = lookup(&mapping.teachers, first);
                if found.is_none() {
                    issue(ImportIssueKind::UnmatchedTeacher, Some(first));
                }
                found
            }
        };
        let room = fet.room.as_deref().and_then(|room| {
            let found = lookup(&mapping.rooms, room);
            if found.is_none() {
                issue(ImportIssueKind::UnmatchedRoom, Some(room));
            }
            found
        });
        let mut classes = Vec::new();
        for set in &fet.students {
            let names = import
                .groups_of_year(set)
                .unwrap_or_else(|| vec![set.as_str()]);
            for name in names {
                match lookup(&mapping.classes, name) {
                    Some(class) => classes.push(class),
                    None => issue(ImportIssueKind::UnmatchedClass, Some(name)),
                }
            }
        }
        let (Some(day), Some(subject), Some(teacher)) = (day, subject, teacher) else {
            continue;
        };
        let Some(hours) = hours.into_iter().collect::<Option<Vec<HourSlot>>>() else {
            continue;
        };
        if classes.is_empty()
            || issues
                .iter()
                .any(|i| i.activity_id == id && i.kind.skips_lesson())
        {
            continue;
        }
        let mut split = false;
        for class in classes {
            let own_session = own_session(school, class);
            let periods: Vec<(Session, u8)> = hours
                .iter()
                .map(|slot| (slot.session.unwrap_or(own_session), slot.period))
                .collect();
            let runs = runs_of_at_most_two(&periods);
            split |= runs.len() > 1;
            for (session, period, length) in runs {
                lessons.push(Lesson {
                    id: LessonId(next_id),
                    class,
                    subject,
                    teacher,
                    room,
                    day,
                    session,
                    period,
                    length,
                });
                next_id += 1;
            }
        }
        if split {
            issues.push(ImportIssue {
                activity_id: id,
                kind: ImportIssueKind::SplitLesson,
                name: None,
            });
        }
    }
    ImportedTimetable {
        timetable: Timetable { semester, lessons },
        issues,
    }
}

/// The session a class studies in when a FET hour does not say: its only one, else morning.
fn own_session(school: &School, class: ClassId) -> Session {
    match school.classes.iter().find(|c| c.id == class) {
        Some(info) if info.sessions.len() == 1 => info.sessions[0],
        _ => Session::Morning,
    }
}

/// Consecutive periods of one session, cut into lessons of one or two periods.
fn runs_of_at_most_two(periods: &[(Session, u8)]) -> Vec<(Session, u8, u8)> {
    let mut runs: Vec<(Session, u8, u8)> = Vec::new();
    for &(session, period) in periods {
        match runs.last_mut() {
            Some((last_session, start, length))
                if *last_session == session && *length < 2 && *start + *length == period =>
            {
                *length += 1;
            }
            _ => runs.push((session, period, 1)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_after_names_and_punctuation_are_ignored_in_the_second_pass() {
        assert_eq!(compact_key("Hưng_(10909507_000020)"), "hung");
        assert_eq!(compact_key("6 A1"), "6a1");
        assert_eq!(compact_key("(only a code)"), "onlyacode");
    }

    #[test]
    fn vietnamese_and_english_day_names_are_recognised() {
        assert_eq!(day_by_name("Thứ Hai"), Some(Weekday::Monday));
        assert_eq!(day_by_name("THỨ 3"), Some(Weekday::Tuesday));
        assert_eq!(day_by_name("T7"), Some(Weekday::Saturday));
        assert_eq!(day_by_name("Chủ nhật"), Some(Weekday::Sunday));
        assert_eq!(day_by_name("Friday"), Some(Weekday::Friday));
        assert_eq!(day_by_name("Day 1"), None);
    }

    #[test]
    fn hours_are_recognised_by_session_word_number_or_start_time() {
        let week = SchoolWeek::default();
        let slot = |session, period| Some(HourSlot { session, period });
        assert_eq!(
            hour_by_name("Chiều 2", &week),
            slot(Some(Session::Afternoon), 2)
        );
        assert_eq!(
            hour_by_name("Sáng 5", &week),
            slot(Some(Session::Morning), 5)
        );
        assert_eq!(hour_by_name("Tiết 3", &week), slot(None, 3));
        assert_eq!(
            hour_by_name("07:50", &week),
            slot(Some(Session::Morning), 2)
        );
        assert_eq!(
            hour_by_name("13:50 - 14:35", &week),
            slot(Some(Session::Afternoon), 2)
        );
        assert_eq!(hour_by_name("Sáng 7", &week), None);
        assert_eq!(hour_by_name("Ra chơi", &week), None);
    }

    #[test]
    fn long_activities_become_doubles_and_singles_within_a_session() {
        use Session::{Afternoon, Morning};
        assert_eq!(
            runs_of_at_most_two(&[(Morning, 1), (Morning, 2), (Morning, 3)]),
            [(Morning, 1, 2), (Morning, 3, 1)]
        );
        assert_eq!(
            runs_of_at_most_two(&[(Morning, 5), (Afternoon, 1)]),
            [(Morning, 5, 1), (Afternoon, 1, 1)]
        );
        assert_eq!(
            runs_of_at_most_two(&[(Morning, 2), (Morning, 4)]),
            [(Morning, 2, 1), (Morning, 4, 1)]
        );
    }
}
