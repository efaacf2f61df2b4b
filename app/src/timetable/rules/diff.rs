//! What a new timetable changes, and for whom: the "before publishing" screen.
//!
//! Lessons are paired by what they are, not by id, because an imported timetable has new ids:
//! an identical lesson is unchanged; then the same id is the same lesson; then a lesson of the
//! same class and subject (same teacher first) is that lesson moved. What is left was removed
//! or added.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::model::{ClassId, Lesson, RoomId, Session, SubjectId, TeacherId, Timetable, Weekday};

/// One lesson that is still there but at another time, with another teacher, or in another room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonChange {
    pub before: Lesson,
    pub after: Lesson,
}

impl LessonChange {
    pub fn moved(&self) -> bool {
        self.before.start() != self.after.start() || self.before.length != self.after.length
    }

    pub fn teacher_changed(&self) -> bool {
        self.before.teacher != self.after.teacher
    }

    pub fn room_changed(&self) -> bool {
        self.before.room != self.after.room
    }

    fn concerns_teacher(&self, teacher: TeacherId) -> bool {
        self.before.teacher == teacher || self.after.teacher == teacher
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimetableDiff {
    pub added: Vec<Lesson>,
    pub removed: Vec<Lesson>,
    pub changed: Vec<LessonChange>,
    /// Teachers whose week changes (before or after a change), by id.
    pub teachers: Vec<TeacherId>,
    /// Classes whose week changes, by id.
    pub classes: Vec<ClassId>,
}

impl TimetableDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// What changes for one teacher.
    pub fn for_teacher(&self, teacher: TeacherId) -> TimetableDiff {
        self.filtered(|l| l.teacher == teacher, |c| c.concerns_teacher(teacher))
    }

    /// What changes for one class (and so for its students' families).
    pub fn for_class(&self, class: ClassId) -> TimetableDiff {
        self.filtered(
            |l| l.class == class,
            |c| c.before.class == class || c.after.class == class,
        )
    }

    fn filtered(
        &self,
        lesson_matches: impl Fn(&Lesson) -> bool,
        change_matches: impl Fn(&LessonChange) -> bool,
    ) -> TimetableDiff {
        let added: Vec<Lesson> = self
            .added
            .iter()
            .filter(|l| lesson_matches(l))
            .copied()
            .collect();
        let removed: Vec<Lesson> = self
            .removed
            .iter()
            .filter(|l| lesson_matches(l))
            .copied()
            .collect();
        let changed: Vec<LessonChange> = self
            .changed
            .iter()
            .filter(|c| change_matches(c))
            .copied()
            .collect();
        with_people(added, removed, changed)
    }
}

/// Everything about a lesson except its id.
type Content = (
    ClassId,
    SubjectId,
    TeacherId,
    Option<RoomId>,
    Weekday,
    Session,
    u8,
    u8,
);

fn content(lesson: &Lesson) -> Content {
    (
        lesson.class,
        lesson.subject,
        lesson.teacher,
        lesson.room,
        lesson.day,
        lesson.session,
        lesson.period,
        lesson.length,
    )
}

fn time_order(lesson: &Lesson) -> (Weekday, Session, u8, i64) {
    (lesson.day, lesson.session, lesson.period, lesson.id.0)
}

/// What changes from `old` to `new`.
pub fn diff(old: &Timetable, new: &Timetable) -> TimetableDiff {
    // Step 1: identical lessons are unchanged, whatever their ids.
    let mut unmatched_old: HashMap<Content, Vec<Lesson>> = HashMap::new();
    let mut old_sorted = old.lessons.clone();
    old_sorted.sort_unstable_by_key(time_order);
    for lesson in old_sorted {
        unmatched_old
            .entry(content(&lesson))
            .or_default()
            .push(lesson);
    }
    let mut new_sorted = new.lessons.clone();
    new_sorted.sort_unstable_by_key(time_order);
    let mut remaining_new = Vec::new();
    for lesson in new_sorted {
        match unmatched_old.get_mut(&content(&lesson)) {
            Some(same) if !same.is_empty() => {
                same.remove(0);
            }
            _ => remaining_new.push(lesson),
        }
    }
    let mut remaining_old: Vec<Lesson> = unmatched_old.into_values().flatten().collect();
    remaining_old.sort_unstable_by_key(time_order);

    let mut changed = Vec::new();
    // Step 2: the same id is the same lesson.
    pair_off(
        &mut remaining_old,
        &mut remaining_new,
        &mut changed,
        |a, b| a.id == b.id,
    );
    // Step 3: same class and subject, the same teacher first.
    pair_off(
        &mut remaining_old,
        &mut remaining_new,
        &mut changed,
        |a, b| a.class == b.class && a.subject == b.subject && a.teacher == b.teacher,
    );
    pair_off(
        &mut remaining_old,
        &mut remaining_new,
        &mut changed,
        |a, b| a.class == b.class && a.subject == b.subject,
    );
    changed.sort_unstable_by_key(|c: &LessonChange| time_order(&c.after));
    with_people(remaining_new, remaining_old, changed)
}

/// Pairs each old lesson with the first new one that `same` accepts, in time order.
fn pair_off(
    old: &mut Vec<Lesson>,
    new: &mut Vec<Lesson>,
    changed: &mut Vec<LessonChange>,
    same: impl Fn(&Lesson, &Lesson) -> bool,
) {
    let mut kept_old = Vec::with_capacity(old.len());
    for before in old.drain(..) {
        match new.iter().position(|after| same(&before, after)) {
            Some(index) => changed.push(LessonChange {
                before,
                after: new.remove(index),
            }),
            None => kept_old.push(before),
        }
    }
    *old = kept_old;
}

fn with_people(
    added: Vec<Lesson>,
    removed: Vec<Lesson>,
    changed: Vec<LessonChange>,
) -> TimetableDiff {
    let mut teachers: Vec<TeacherId> = added
        .iter()
        .chain(&removed)
        .map(|l| l.teacher)
        .chain(
            changed
                .iter()
                .flat_map(|c| [c.before.teacher, c.after.teacher]),
        )
        .collect();
    teachers.sort_unstable();
    teachers.dedup();
    let mut classes: Vec<ClassId> = added
        .iter()
        .chain(&removed)
        .map(|l| l.class)
        .chain(changed.iter().flat_map(|c| [c.before.class, c.after.class]))
        .collect();
    classes.sort_unstable();
    classes.dedup();
    TimetableDiff {
        added,
        removed,
        changed,
        teachers,
        classes,
    }
}
