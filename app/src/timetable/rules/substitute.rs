//! Substitution (dạy thay): when a teacher is absent, which of their lessons need someone else,
//! and who could take each one.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::model::{Lesson, School, TeacherId, Timetable, Weekday};

/// A teacher who is free for the whole lesson and may teach it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubstituteCandidate {
    pub teacher: TeacherId,
    /// Teaches the lesson's subject.
    pub same_subject: bool,
    /// Already teaches in that session of the day, so is at school anyway.
    pub at_school_that_session: bool,
    /// Periods the teacher already teaches that day.
    pub periods_that_day: u8,
}

/// One lesson of the absent teacher, with the free teachers best first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedLesson {
    pub lesson: Lesson,
    pub candidates: Vec<SubstituteCandidate>,
}

/// The absent teacher's lessons on that weekday, in time order, each with the teachers who are
/// neither teaching nor unavailable at that time. Ranked: same subject first; then teachers
/// already at school in that session; then those with fewer periods that day; then by id.
pub fn substitutes(
    school: &School,
    timetable: &Timetable,
    absent: TeacherId,
    day: Weekday,
) -> Vec<AffectedLesson> {
    let mut of_day: HashMap<TeacherId, Vec<Lesson>> = HashMap::new();
    for lesson in timetable.lessons.iter().filter(|l| l.day == day) {
        of_day.entry(lesson.teacher).or_default().push(*lesson);
    }
    let mut affected: Vec<Lesson> = of_day.get(&absent).cloned().unwrap_or_default();
    affected.sort_unstable_by_key(|l| (l.session, l.period, l.id));

    affected
        .into_iter()
        .map(|lesson| {
            let mut candidates: Vec<SubstituteCandidate> = school
                .teachers
                .iter()
                .filter(|teacher| teacher.id != absent)
                .filter(|teacher| !lesson.slots().any(|slot| teacher.is_unavailable(slot)))
                .filter_map(|teacher| {
                    let theirs = of_day
                        .get(&teacher.id)
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    if theirs.iter().any(|own| own.overlaps(&lesson)) {
                        return None;
                    }
                    let periods: u16 = theirs.iter().map(|l| u16::from(l.length)).sum();
                    Some(SubstituteCandidate {
                        teacher: teacher.id,
                        same_subject: teacher.subjects.contains(&lesson.subject),
                        at_school_that_session: theirs.iter().any(|l| l.session == lesson.session),
                        periods_that_day: u8::try_from(periods).unwrap_or(u8::MAX),
                    })
                })
                .collect();
            candidates.sort_by_key(|c| {
                (
                    !c.same_subject,
                    !c.at_school_that_session,
                    c.periods_that_day,
                    c.teacher,
                )
            });
            AffectedLesson { lesson, candidates }
        })
        .collect()
}
