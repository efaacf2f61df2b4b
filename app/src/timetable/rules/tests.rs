//! Every conflict kind present and absent, publishing, edits, diff and substitution, on a small
//! school whose weekly counts are fitted to the lessons of each test (so only the conflict under
//! test shows).

use std::collections::HashMap;

use super::*;
use crate::i18n::Lang;

const MATH: SubjectId = SubjectId(1);
const LITERATURE: SubjectId = SubjectId(2);
const SCIENCE: SubjectId = SubjectId(3);
const INFORMATICS: SubjectId = SubjectId(4);

/// Morning classes 6A and 6B, afternoon class 9A, two-session class 8A.
const C6A: ClassId = ClassId(61);
const C6B: ClassId = ClassId(62);
const C9A: ClassId = ClassId(91);
const C8A: ClassId = ClassId(81);

const T_MATH: TeacherId = TeacherId(1);
const T_LITERATURE: TeacherId = TeacherId(2);
const T_SCIENCE: TeacherId = TeacherId(3);
/// Also teaches maths; unavailable on Thursday afternoon and in Monday's first period.
const T_MATH_2: TeacherId = TeacherId(4);
const T_INFORMATICS: TeacherId = TeacherId(5);
/// Teaches maths and literature; unavailable all Wednesday.
const T_MATH_LIT: TeacherId = TeacherId(6);

const COMPUTER_ROOM: RoomId = RoomId(1);
const LAB: RoomId = RoomId(2);

use Session::{Afternoon, Morning};
use Weekday::{Friday, Monday, Sunday, Thursday, Tuesday, Wednesday};

fn teacher(id: TeacherId, name: &str, subjects: &[SubjectId]) -> TeacherInfo {
    TeacherInfo {
        id,
        name: name.into(),
        subjects: subjects.to_vec(),
        unavailable: Vec::new(),
        max_periods_per_day: None,
    }
}

fn class(id: ClassId, name: &str, sessions: &[Session]) -> ClassInfo {
    ClassInfo {
        id,
        name: name.into(),
        sessions: sessions.to_vec(),
        extra_sessions: Vec::new(),
    }
}

fn school() -> School {
    let subject = |id, name: &str| SubjectInfo {
        id,
        name: name.into(),
    };
    let mut math_2 = teacher(T_MATH_2, "Lê Thị Hoa", &[MATH]);
    math_2.unavailable = vec![
        Unavailable {
            day: Thursday,
            session: Some(Afternoon),
            period: None,
        },
        Unavailable {
            day: Monday,
            session: Some(Morning),
            period: Some(1),
        },
    ];
    let mut math_lit = teacher(T_MATH_LIT, "Phạm Văn Đức", &[MATH, LITERATURE]);
    math_lit.unavailable = vec![Unavailable {
        day: Wednesday,
        session: None,
        period: None,
    }];
    School {
        week: SchoolWeek::default(),
        classes: vec![
            class(C6A, "6A", &[Morning]),
            class(C6B, "6B", &[Morning]),
            class(C9A, "9A", &[Afternoon]),
            class(C8A, "8A", &[Morning, Afternoon]),
        ],
        teachers: vec![
            teacher(T_MATH, "Nguyễn Văn An", &[MATH]),
            teacher(T_LITERATURE, "Trần Thị Bình", &[LITERATURE]),
            teacher(T_SCIENCE, "Đỗ Minh Châu", &[SCIENCE]),
            math_2,
            teacher(T_INFORMATICS, "Vũ Quang Dũng", &[INFORMATICS]),
            math_lit,
        ],
        rooms: vec![
            RoomInfo {
                id: COMPUTER_ROOM,
                name: "Phòng Tin học".into(),
            },
            RoomInfo {
                id: LAB,
                name: "Phòng thí nghiệm".into(),
            },
        ],
        subjects: vec![
            subject(MATH, "Toán"),
            subject(LITERATURE, "Ngữ văn"),
            subject(SCIENCE, "Khoa học tự nhiên"),
            subject(INFORMATICS, "Tin học"),
        ],
        requirements: Vec::new(),
    }
}

fn settings() -> TimetableSettings {
    TimetableSettings::heavy_subjects_by_name(&school().subjects)
}

/// A single period of `subject` for `class` with `teacher`; ids follow the call order.
fn at(
    id: i64,
    class: ClassId,
    subject: SubjectId,
    teacher: TeacherId,
    slot: (Weekday, Session, u8),
) -> Lesson {
    Lesson {
        id: LessonId(id),
        class,
        subject,
        teacher,
        room: None,
        day: slot.0,
        session: slot.1,
        period: slot.2,
        length: 1,
    }
}

fn double(lesson: Lesson) -> Lesson {
    Lesson {
        length: 2,
        ..lesson
    }
}

fn in_room(lesson: Lesson, room: RoomId) -> Lesson {
    Lesson {
        room: Some(room),
        ..lesson
    }
}

/// Weekly counts equal to what is placed, so no weekly count conflict shows.
fn fitted(mut school: School, lessons: &[Lesson]) -> School {
    let mut counts: HashMap<(ClassId, SubjectId), u8> = HashMap::new();
    for lesson in lessons {
        *counts.entry((lesson.class, lesson.subject)).or_default() += lesson.length;
    }
    let mut requirements: Vec<Requirement> = counts
        .into_iter()
        .map(|((class, subject), count)| Requirement {
            class,
            subject,
            periods: PeriodsPerWeek::every_week(count),
            double_periods: 0,
        })
        .collect();
    requirements.sort_by_key(|r| (r.class, r.subject));
    school.requirements = requirements;
    school
}

fn timetable(lessons: &[Lesson]) -> Timetable {
    Timetable {
        semester: Semester::First,
        lessons: lessons.to_vec(),
    }
}

fn conflicts_with(
    school: &School,
    settings: &TimetableSettings,
    lessons: &[Lesson],
) -> Vec<Conflict> {
    check(school, settings, &timetable(lessons)).unwrap()
}

fn conflicts(lessons: &[Lesson]) -> Vec<Conflict> {
    conflicts_with(&fitted(school(), lessons), &settings(), lessons)
}

fn kinds(conflicts: &[Conflict]) -> Vec<ConflictKind> {
    conflicts.iter().map(|c| c.kind).collect()
}

fn only(conflicts: &[Conflict], kind: ConflictKind) -> Vec<Conflict> {
    conflicts
        .iter()
        .filter(|c| c.kind == kind)
        .cloned()
        .collect()
}

const MON_1: (Weekday, Session, u8) = (Monday, Morning, 1);
const MON_2: (Weekday, Session, u8) = (Monday, Morning, 2);
const MON_3: (Weekday, Session, u8) = (Monday, Morning, 3);

#[test]
fn a_sound_timetable_has_no_conflict_and_can_be_published() {
    let lessons = [
        at(1, C6A, MATH, T_MATH, MON_1),
        at(2, C6A, LITERATURE, T_LITERATURE, MON_2),
        at(3, C6B, LITERATURE, T_LITERATURE, MON_1),
        at(4, C6B, MATH, T_MATH, MON_2),
        at(5, C9A, SCIENCE, T_SCIENCE, (Monday, Afternoon, 1)),
        double(at(6, C8A, SCIENCE, T_SCIENCE, (Tuesday, Morning, 3))),
        in_room(
            at(7, C8A, INFORMATICS, T_INFORMATICS, (Tuesday, Afternoon, 1)),
            COMPUTER_ROOM,
        ),
    ];
    let found = conflicts(&lessons);
    assert_eq!(found, []);
    assert_eq!(can_publish(&found), Ok(()));
}

#[test]
fn a_teacher_in_two_classes_at_once_is_a_hard_conflict() {
    let found = conflicts(&[
        at(1, C6A, MATH, T_MATH, MON_1),
        at(2, C6B, MATH, T_MATH, MON_1),
    ]);
    assert_eq!(
        found,
        [Conflict {
            severity: Severity::Hard,
            when: When {
                day: Some(Monday),
                session: Some(Morning),
                period: Some(1)
            },
            kind: ConflictKind::TeacherDoubleBooked,
            who: Who::Teacher { teacher: T_MATH },
            lessons: vec![LessonId(1), LessonId(2)],
            count: None,
        }]
    );
    let apart = conflicts(&[
        at(1, C6A, MATH, T_MATH, MON_1),
        at(2, C6B, MATH, T_MATH, MON_2),
    ]);
    assert_eq!(only(&apart, ConflictKind::TeacherDoubleBooked), []);
}

#[test]
fn a_double_period_overlapping_a_lesson_conflicts_in_the_shared_period_only() {
    let found = conflicts(&[
        double(at(1, C6A, MATH, T_MATH, MON_1)),
        at(2, C6B, MATH, T_MATH, MON_2),
    ]);
    let booked = only(&found, ConflictKind::TeacherDoubleBooked);
    assert_eq!(booked.len(), 1);
    assert_eq!(booked[0].when.period, Some(2));
    assert_eq!(booked[0].lessons, [LessonId(1), LessonId(2)]);
}

#[test]
fn a_class_with_two_lessons_at_once_is_a_hard_conflict() {
    let found = conflicts(&[
        at(1, C6A, MATH, T_MATH, MON_1),
        at(2, C6A, LITERATURE, T_LITERATURE, MON_1),
    ]);
    assert_eq!(kinds(&found), [ConflictKind::ClassDoubleBooked]);
    assert_eq!(found[0].who, Who::Class { class: C6A });
    assert!(found[0].is_hard());
    let apart = conflicts(&[
        at(1, C6A, MATH, T_MATH, MON_1),
        at(2, C6A, LITERATURE, T_LITERATURE, MON_2),
    ]);
    assert_eq!(apart, []);
}

#[test]
fn a_room_holding_two_classes_is_a_hard_conflict() {
    let found = conflicts(&[
        in_room(at(1, C6A, INFORMATICS, T_INFORMATICS, MON_1), COMPUTER_ROOM),
        in_room(at(2, C6B, SCIENCE, T_SCIENCE, MON_1), COMPUTER_ROOM),
    ]);
    assert_eq!(kinds(&found), [ConflictKind::RoomDoubleBooked]);
    assert_eq!(
        found[0].who,
        Who::Room {
            room: COMPUTER_ROOM
        }
    );
    let other_room = conflicts(&[
        in_room(at(1, C6A, INFORMATICS, T_INFORMATICS, MON_1), COMPUTER_ROOM),
        in_room(at(2, C6B, SCIENCE, T_SCIENCE, MON_1), LAB),
    ]);
    assert_eq!(other_room, []);
    // Ordinary lessons have no room and never conflict on one.
    let no_room = conflicts(&[
        at(1, C6A, INFORMATICS, T_INFORMATICS, MON_1),
        at(2, C6B, SCIENCE, T_SCIENCE, MON_1),
    ]);
    assert_eq!(no_room, []);
}

#[test]
fn a_lesson_when_the_teacher_is_unavailable_is_a_hard_conflict() {
    let found = conflicts(&[at(1, C9A, MATH, T_MATH_2, (Thursday, Afternoon, 2))]);
    assert_eq!(kinds(&found), [ConflictKind::TeacherUnavailable]);
    assert_eq!(found[0].who, Who::Teacher { teacher: T_MATH_2 });
    assert_eq!(
        conflicts(&[at(1, C9A, MATH, T_MATH_2, (Friday, Afternoon, 2))]),
        []
    );

    // A double period is caught in the period that is unavailable.
    let found = conflicts(&[double(at(1, C6A, MATH, T_MATH_2, MON_1))]);
    assert_eq!(kinds(&found), [ConflictKind::TeacherUnavailable]);
    assert_eq!(found[0].when.period, Some(1));
    assert_eq!(conflicts(&[double(at(1, C6A, MATH, T_MATH_2, MON_3))]), []);

    // A whole day off.
    let found = conflicts(&[at(1, C6A, MATH, T_MATH_LIT, (Wednesday, Morning, 4))]);
    assert_eq!(kinds(&found), [ConflictKind::TeacherUnavailable]);
}

#[test]
fn a_lesson_outside_the_classs_session_is_a_hard_conflict() {
    let found = conflicts(&[at(1, C6A, MATH, T_MATH, (Monday, Afternoon, 1))]);
    assert_eq!(kinds(&found), [ConflictKind::OutsideClassSession]);
    assert!(found[0].is_hard());
    // 8A studies both sessions.
    assert_eq!(
        conflicts(&[at(1, C8A, MATH, T_MATH, (Monday, Afternoon, 1))]),
        []
    );
    // A morning class that also studies on Tuesday afternoon.
    let mut school = school();
    school.classes[0].extra_sessions = vec![DaySession {
        day: Tuesday,
        session: Afternoon,
    }];
    let tuesday = [at(1, C6A, MATH, T_MATH, (Tuesday, Afternoon, 1))];
    assert_eq!(
        conflicts_with(&fitted(school.clone(), &tuesday), &settings(), &tuesday),
        []
    );
    let wednesday = [at(1, C6A, MATH, T_MATH, (Wednesday, Afternoon, 1))];
    assert_eq!(
        kinds(&conflicts_with(
            &fitted(school, &wednesday),
            &settings(),
            &wednesday
        )),
        [ConflictKind::OutsideClassSession]
    );
}

#[test]
fn a_lesson_outside_the_week_is_a_hard_conflict_and_takes_part_in_nothing_else() {
    let outside = [
        at(1, C6A, MATH, T_MATH, (Sunday, Morning, 1)),
        at(2, C6A, MATH, T_MATH, (Monday, Morning, 6)),
        at(3, C6A, MATH, T_MATH, (Monday, Morning, 0)),
        double(at(4, C6A, MATH, T_MATH, (Monday, Morning, 5))),
        Lesson {
            length: 0,
            ..at(5, C6A, MATH, T_MATH, MON_1)
        },
        Lesson {
            length: 3,
            ..at(6, C6A, MATH, T_MATH, MON_1)
        },
    ];
    for lesson in outside {
        // Next to a valid lesson at the same time: no double booking, and the weekly count
        // (fitted to both) sees one period short.
        let valid = at(10, C6A, MATH, T_MATH, MON_1);
        let found = conflicts(&[lesson, valid]);
        let hard: Vec<_> = found.iter().map(|c| (c.kind, c.lessons.clone())).collect();
        assert!(
            hard.contains(&(ConflictKind::OutsideSchoolWeek, vec![lesson.id])),
            "{lesson:?}: {found:?}"
        );
        assert!(
            !kinds(&found).contains(&ConflictKind::TeacherDoubleBooked),
            "{lesson:?}"
        );
        assert!(
            !kinds(&found).contains(&ConflictKind::ClassDoubleBooked),
            "{lesson:?}"
        );
    }
    assert_eq!(
        conflicts(&[double(at(1, C6A, MATH, T_MATH, (Monday, Morning, 4)))]),
        []
    );
}

#[test]
fn a_lesson_naming_what_the_school_lacks_is_a_hard_conflict() {
    let unknown = [
        at(1, ClassId(999), MATH, T_MATH, MON_1),
        at(2, C6A, SubjectId(999), T_MATH, MON_1),
        at(3, C6A, MATH, TeacherId(999), MON_1),
        in_room(at(4, C6A, MATH, T_MATH, MON_1), RoomId(999)),
    ];
    for lesson in unknown {
        let found = conflicts_with(&school(), &settings(), &[lesson]);
        assert_eq!(
            kinds(&found),
            [ConflictKind::UnknownReference],
            "{lesson:?}"
        );
        assert!(found[0].is_hard());
    }
}

#[test]
fn weekly_counts_above_and_below_are_hard_conflicts() {
    let lessons = [
        at(1, C6A, MATH, T_MATH, MON_1),
        at(2, C6A, MATH, T_MATH, MON_2),
        double(at(3, C6A, MATH, T_MATH, (Tuesday, Morning, 3))),
    ];
    let with_count = |count: u8| {
        let mut school = school();
        school.requirements = vec![Requirement {
            class: C6A,
            subject: MATH,
            periods: PeriodsPerWeek::every_week(count),
            double_periods: 0,
        }];
        conflicts_with(&school, &settings(), &lessons)
    };
    assert_eq!(with_count(4), []);
    let above = with_count(3);
    assert_eq!(kinds(&above), [ConflictKind::WeeklyCountAbove]);
    assert_eq!(above[0].count, Some(Count { found: 4, limit: 3 }));
    assert_eq!(
        above[0].who,
        Who::ClassSubject {
            class: C6A,
            subject: MATH
        }
    );
    assert_eq!(above[0].lessons.len(), 3);
    assert_eq!(above[0].when, When::default());
    let below = with_count(5);
    assert_eq!(kinds(&below), [ConflictKind::WeeklyCountBelow]);
    assert_eq!(below[0].count, Some(Count { found: 4, limit: 5 }));
    assert_eq!(
        below[0].message(Lang::Vi),
        "Môn học mới có 4 tiết/tuần, ít hơn số tiết quy định (5)."
    );
    assert_eq!(
        below[0].message(Lang::En),
        "The subject has only 4 periods a week, fewer than the required 5."
    );

    // A subject nobody asked for counts as above 0; a requirement with nothing placed is below.
    let mut school = school();
    school.requirements = vec![Requirement {
        class: C6B,
        subject: LITERATURE,
        periods: PeriodsPerWeek::every_week(4),
        double_periods: 0,
    }];
    let found = conflicts_with(&school, &settings(), &lessons[..1]);
    assert_eq!(
        kinds(&found),
        [
            ConflictKind::WeeklyCountAbove,
            ConflictKind::WeeklyCountBelow
        ]
    );
    assert_eq!(found[0].count, Some(Count { found: 1, limit: 0 }));
    assert_eq!(found[1].lessons, []);
}

#[test]
fn the_weekly_count_is_the_semesters_own() {
    // Công nghệ 8: 1 period a week in semester I, 2 in semester II.
    let mut school = school();
    school.requirements = vec![Requirement {
        class: C8A,
        subject: SCIENCE,
        periods: PeriodsPerWeek {
            first_semester: 1,
            second_semester: 2,
        },
        double_periods: 0,
    }];
    let lessons = vec![at(1, C8A, SCIENCE, T_SCIENCE, MON_1)];
    let first = Timetable {
        semester: Semester::First,
        lessons: lessons.clone(),
    };
    let second = Timetable {
        semester: Semester::Second,
        lessons,
    };
    assert_eq!(check(&school, &settings(), &first).unwrap(), []);
    assert_eq!(
        kinds(&check(&school, &settings(), &second).unwrap()),
        [ConflictKind::WeeklyCountBelow]
    );
}

#[test]
fn a_subject_more_than_twice_a_day_is_a_warning() {
    let three = [
        double(at(1, C6A, MATH, T_MATH, MON_3)),
        at(2, C6A, MATH, T_MATH, (Monday, Morning, 5)),
    ];
    let found = conflicts(&three);
    assert_eq!(kinds(&found), [ConflictKind::SubjectTooOftenInDay]);
    assert_eq!(found[0].severity, Severity::Soft);
    assert_eq!(found[0].count, Some(Count { found: 3, limit: 2 }));
    assert_eq!(
        found[0].when,
        When {
            day: Some(Monday),
            session: None,
            period: None
        }
    );
    assert_eq!(
        can_publish(&found),
        Ok(()),
        "warnings do not block publishing"
    );
    let two = [
        at(1, C6A, MATH, T_MATH, MON_1),
        at(2, C6A, MATH, T_MATH, MON_2),
    ];
    assert_eq!(conflicts(&two), []);
}

#[test]
fn a_heavy_subject_last_in_the_afternoon_is_a_warning() {
    let last = (Monday, Afternoon, 5);
    let found = conflicts(&[at(1, C9A, MATH, T_MATH, last)]);
    assert_eq!(kinds(&found), [ConflictKind::HeavySubjectLastPeriod]);
    assert_eq!(found[0].severity, Severity::Soft);
    // A double period ending in the last period counts too.
    let found = conflicts(&[double(at(
        1,
        C9A,
        SCIENCE,
        T_SCIENCE,
        (Monday, Afternoon, 4),
    ))]);
    assert_eq!(kinds(&found), [ConflictKind::HeavySubjectLastPeriod]);
    assert_eq!(
        conflicts(&[at(1, C9A, MATH, T_MATH, (Monday, Afternoon, 4))]),
        []
    );
    assert_eq!(
        conflicts(&[at(1, C9A, INFORMATICS, T_INFORMATICS, last)]),
        []
    );
    assert_eq!(
        conflicts(&[at(1, C6A, MATH, T_MATH, (Monday, Morning, 5))]),
        []
    );
    // Not a heavy subject for a school that clears the list.
    let lessons = [at(1, C9A, MATH, T_MATH, last)];
    let none_heavy = TimetableSettings::default();
    assert_eq!(
        conflicts_with(&fitted(school(), &lessons), &none_heavy, &lessons),
        []
    );
}

#[test]
fn a_gap_in_a_teachers_session_is_a_warning() {
    let gapped = [
        at(1, C6A, MATH, T_MATH, MON_1),
        at(2, C6B, MATH, T_MATH, (Monday, Morning, 4)),
    ];
    let found = conflicts(&gapped);
    assert_eq!(kinds(&found), [ConflictKind::TeacherGap]);
    assert_eq!(found[0].count, Some(Count { found: 2, limit: 0 }));
    assert_eq!(
        found[0].when,
        When {
            day: Some(Monday),
            session: Some(Morning),
            period: None
        }
    );
    assert_eq!(found[0].lessons, [LessonId(1), LessonId(2)]);
    let lenient = TimetableSettings {
        max_teacher_gaps_per_session: 2,
        ..settings()
    };
    assert_eq!(
        conflicts_with(&fitted(school(), &gapped), &lenient, &gapped),
        []
    );
    let packed = [
        at(1, C6A, MATH, T_MATH, MON_1),
        at(2, C6B, MATH, T_MATH, MON_2),
    ];
    assert_eq!(conflicts(&packed), []);
    // Morning and afternoon are separate sessions: the lunch break is not a gap.
    let split = [
        at(1, C6A, MATH, T_MATH, (Monday, Morning, 5)),
        at(2, C9A, MATH, T_MATH, (Monday, Afternoon, 1)),
    ];
    assert_eq!(conflicts(&split), []);
}

#[test]
fn too_many_periods_a_day_for_a_teacher_is_a_warning() {
    let six: Vec<Lesson> = (1..=5)
        .map(|p| at(i64::from(p), C8A, MATH, T_MATH, (Monday, Morning, p)))
        .chain([at(6, C9A, MATH, T_MATH, (Monday, Afternoon, 1))])
        .collect();
    let found = conflicts(&six);
    let overloaded = only(&found, ConflictKind::TeacherDayOverloaded);
    assert_eq!(overloaded.len(), 1);
    assert_eq!(overloaded[0].count, Some(Count { found: 6, limit: 5 }));
    assert_eq!(overloaded[0].severity, Severity::Soft);
    assert_eq!(
        only(&conflicts(&six[..5]), ConflictKind::TeacherDayOverloaded),
        []
    );
    // A teacher's own limit overrides the school's.
    let mut school = fitted(school(), &six);
    school.teachers[0].max_periods_per_day = Some(6);
    assert_eq!(
        only(
            &conflicts_with(&school, &settings(), &six),
            ConflictKind::TeacherDayOverloaded
        ),
        []
    );
}

#[test]
fn a_double_period_across_the_long_break_is_a_warning() {
    // The long break follows period 2.
    let found = conflicts(&[double(at(1, C6A, SCIENCE, T_SCIENCE, MON_2))]);
    assert_eq!(kinds(&found), [ConflictKind::DoublePeriodAcrossBreak]);
    assert_eq!(
        found[0].who,
        Who::ClassSubject {
            class: C6A,
            subject: SCIENCE
        }
    );
    assert_eq!(
        conflicts(&[double(at(1, C6A, SCIENCE, T_SCIENCE, MON_3))]),
        []
    );
    assert_eq!(
        conflicts(&[double(at(1, C6A, SCIENCE, T_SCIENCE, MON_1))]),
        []
    );
    // Two single periods either side of the break are not a double period.
    assert_eq!(
        conflicts(&[
            at(1, C6A, SCIENCE, T_SCIENCE, MON_2),
            at(2, C6A, SCIENCE, T_SCIENCE, MON_3)
        ]),
        []
    );
}

#[test]
fn too_many_periods_in_a_session_for_a_class_is_a_warning() {
    // A school with six morning periods.
    let mut school = school();
    school.week.morning = SessionPlan::evenly_spaced(TimeOfDay::new(7, 0).unwrap(), 6, Some(3));
    let subjects = [MATH, MATH, LITERATURE, LITERATURE, SCIENCE, INFORMATICS];
    let teachers = [
        T_MATH,
        T_MATH,
        T_LITERATURE,
        T_LITERATURE,
        T_SCIENCE,
        T_INFORMATICS,
    ];
    let six: Vec<Lesson> = (0..6)
        .map(|i| {
            at(
                i as i64 + 1,
                C6A,
                subjects[i],
                teachers[i],
                (Monday, Morning, i as u8 + 1),
            )
        })
        .collect();
    let found = conflicts_with(&fitted(school.clone(), &six), &settings(), &six);
    assert_eq!(kinds(&found), [ConflictKind::ClassSessionOverloaded]);
    assert_eq!(found[0].count, Some(Count { found: 6, limit: 5 }));
    assert_eq!(
        found[0].when,
        When {
            day: Some(Monday),
            session: Some(Morning),
            period: None
        }
    );
    assert_eq!(found[0].lessons.len(), 6);
    assert_eq!(
        conflicts_with(&fitted(school, &six[..5]), &settings(), &six[..5]),
        []
    );
}

#[test]
fn too_many_periods_in_a_day_for_a_class_is_a_warning() {
    let subjects = [MATH, MATH, LITERATURE, LITERATURE, SCIENCE];
    let teachers = [T_MATH, T_MATH, T_LITERATURE, T_LITERATURE, T_SCIENCE];
    let mut lessons: Vec<Lesson> = (0..5)
        .map(|i| {
            at(
                i as i64 + 1,
                C8A,
                subjects[i],
                teachers[i],
                (Tuesday, Morning, i as u8 + 1),
            )
        })
        .collect();
    lessons.push(at(6, C8A, SCIENCE, T_SCIENCE, (Tuesday, Afternoon, 1)));
    lessons.push(at(
        7,
        C8A,
        INFORMATICS,
        T_INFORMATICS,
        (Tuesday, Afternoon, 2),
    ));
    assert_eq!(conflicts(&lessons), [], "seven periods are allowed");
    lessons.push(at(
        8,
        C8A,
        INFORMATICS,
        T_INFORMATICS,
        (Tuesday, Afternoon, 3),
    ));
    let found = conflicts(&lessons);
    assert_eq!(kinds(&found), [ConflictKind::ClassDayOverloaded]);
    assert_eq!(found[0].count, Some(Count { found: 8, limit: 7 }));
    assert_eq!(found[0].who, Who::Class { class: C8A });
}

#[test]
fn a_missing_double_period_is_a_warning() {
    let mut school = school();
    school.requirements = vec![Requirement {
        class: C6A,
        subject: SCIENCE,
        periods: PeriodsPerWeek::every_week(2),
        double_periods: 1,
    }];
    let singles = [
        at(1, C6A, SCIENCE, T_SCIENCE, MON_1),
        at(2, C6A, SCIENCE, T_SCIENCE, (Tuesday, Morning, 1)),
    ];
    let found = conflicts_with(&school, &settings(), &singles);
    assert_eq!(kinds(&found), [ConflictKind::DoublePeriodMissing]);
    assert_eq!(found[0].count, Some(Count { found: 0, limit: 1 }));
    assert_eq!(found[0].severity, Severity::Soft);
    let doubled = [double(at(1, C6A, SCIENCE, T_SCIENCE, MON_1))];
    assert_eq!(conflicts_with(&school, &settings(), &doubled), []);
}

#[test]
fn every_kind_is_hard_or_soft_as_the_reference_says() {
    use ConflictKind::*;
    let hard = [
        TeacherDoubleBooked,
        ClassDoubleBooked,
        RoomDoubleBooked,
        TeacherUnavailable,
        OutsideClassSession,
        OutsideSchoolWeek,
        UnknownReference,
        WeeklyCountAbove,
        WeeklyCountBelow,
    ];
    for kind in ConflictKind::ALL {
        let expected = if hard.contains(&kind) {
            Severity::Hard
        } else {
            Severity::Soft
        };
        assert_eq!(kind.severity(), expected, "{kind:?}");
    }
}

#[test]
fn publishing_is_refused_while_a_hard_conflict_remains() {
    let found = conflicts(&[
        at(1, C6A, MATH, T_MATH, MON_1),
        at(2, C6B, MATH, T_MATH, MON_1),
        at(3, C9A, MATH, T_MATH_2, (Thursday, Afternoon, 5)),
    ]);
    assert!(
        found.iter().any(|c| !c.is_hard()),
        "a warning too: {found:?}"
    );
    let refused = can_publish(&found).unwrap_err();
    assert_eq!(refused, PublishRefused { hard_conflicts: 2 });
    assert_eq!(refused.code(), "timetable_has_hard_conflicts");
    assert_eq!(
        refused.message(Lang::En),
        "The timetable cannot be published yet: 2 conflicts must be fixed first."
    );
    assert_eq!(
        serde_json::to_value(refused).unwrap()["error"],
        "timetable_has_hard_conflicts"
    );
    // Hard conflicts come first in the list.
    assert!(found[0].is_hard() && found[1].is_hard() && !found[2].is_hard());
    assert_eq!(can_publish(&[]), Ok(()));
}

#[test]
fn a_school_that_cannot_be_checked_is_refused_with_a_code() {
    let lessons = [at(1, C6A, MATH, T_MATH, MON_1)];
    let mut no_days = school();
    no_days.week.days.clear();
    assert_eq!(
        check(&no_days, &settings(), &timetable(&lessons)),
        Err(TimetableError::NoSchoolDays)
    );

    let mut late_break = school();
    late_break.week.afternoon.long_break_after = Some(5);
    assert_eq!(
        check(&late_break, &settings(), &timetable(&lessons)),
        Err(TimetableError::LongBreakOutsideSession { session: Afternoon })
    );

    let mut long_morning = school();
    long_morning.week.morning = SessionPlan::evenly_spaced(TimeOfDay::new(6, 0).unwrap(), 13, None);
    assert_eq!(
        check(&long_morning, &settings(), &timetable(&lessons)),
        Err(TimetableError::TooManyPeriods { session: Morning })
    );

    let mut twice = fitted(school(), &lessons);
    twice.requirements.push(twice.requirements[0].clone());
    assert_eq!(
        check(&twice, &settings(), &timetable(&lessons)),
        Err(TimetableError::DuplicateRequirement {
            class: C6A,
            subject: MATH
        })
    );

    let same_id = [lessons[0], at(1, C6B, MATH, T_MATH, MON_2)];
    assert_eq!(
        check(&school(), &settings(), &timetable(&same_id)),
        Err(TimetableError::DuplicateLesson {
            lesson: LessonId(1)
        })
    );
}

fn checker(lessons: &[Lesson]) -> Checker {
    Checker::new(&fitted(school(), lessons), &settings(), &timetable(lessons)).unwrap()
}

#[test]
fn moving_a_lesson_resolves_a_double_booking_and_reports_it() {
    let lessons = [
        at(1, C6A, MATH, T_MATH, MON_1),
        at(2, C6B, MATH, T_MATH, MON_1),
        at(3, C6B, LITERATURE, T_LITERATURE, MON_2),
    ];
    let mut checker = checker(&lessons);
    assert_eq!(
        kinds(&checker.conflicts()),
        [ConflictKind::TeacherDoubleBooked]
    );
    assert_eq!(checker.hard_conflict_count(), 1);

    let delta = checker
        .apply(Edit::Move {
            lesson: LessonId(2),
            to: Slot::new(Monday, Morning, 3),
        })
        .unwrap();
    assert_eq!(kinds(&delta.resolved), [ConflictKind::TeacherDoubleBooked]);
    // The maths teacher now teaches periods 1 and 3, with a free period between.
    assert_eq!(kinds(&delta.introduced), [ConflictKind::TeacherGap]);
    assert_eq!(checker.hard_conflict_count(), 0);
    assert_eq!(checker.lesson(LessonId(2)).unwrap().period, 3);

    // Swapping 6B's two lessons closes the gap.
    let delta = checker
        .apply(Edit::Swap {
            first: LessonId(2),
            second: LessonId(3),
        })
        .unwrap();
    assert_eq!(kinds(&delta.resolved), [ConflictKind::TeacherGap]);
    assert_eq!(delta.introduced, []);
    assert_eq!(checker.conflicts(), []);
}

#[test]
fn placing_replacing_and_removing_lessons_keep_the_conflicts_current() {
    let mut checker = checker(&[at(1, C6A, MATH, T_MATH, MON_1)]);
    let delta = checker
        .apply(Edit::Place {
            lesson: at(2, C6B, MATH, T_MATH, MON_1),
        })
        .unwrap();
    assert_eq!(
        kinds(&delta.introduced),
        [
            ConflictKind::WeeklyCountAbove,
            ConflictKind::TeacherDoubleBooked
        ]
    );
    // Another teacher for 6B: the teacher is no longer double-booked.
    let delta = checker
        .apply(Edit::Replace {
            lesson: at(2, C6B, MATH, T_MATH_LIT, MON_1),
        })
        .unwrap();
    assert_eq!(kinds(&delta.resolved), [ConflictKind::TeacherDoubleBooked]);
    let delta = checker
        .apply(Edit::Remove {
            lesson: LessonId(2),
        })
        .unwrap();
    assert_eq!(kinds(&delta.resolved), [ConflictKind::WeeklyCountAbove]);
    assert_eq!(checker.conflicts(), []);
    assert_eq!(
        checker.timetable().lessons,
        [at(1, C6A, MATH, T_MATH, MON_1)]
    );
}

#[test]
fn a_refused_edit_changes_nothing() {
    let lessons = [
        at(1, C6A, MATH, T_MATH, MON_1),
        at(2, C6B, MATH, T_MATH, MON_1),
    ];
    let mut checker = checker(&lessons);
    let before = checker.conflicts();
    assert_eq!(
        checker.apply(Edit::Place {
            lesson: at(1, C6B, LITERATURE, T_LITERATURE, MON_3)
        }),
        Err(TimetableError::DuplicateLesson {
            lesson: LessonId(1)
        })
    );
    assert_eq!(
        checker.apply(Edit::Swap {
            first: LessonId(1),
            second: LessonId(9)
        }),
        Err(TimetableError::UnknownLesson {
            lesson: LessonId(9)
        })
    );
    assert_eq!(
        checker.apply(Edit::Remove {
            lesson: LessonId(9)
        }),
        Err(TimetableError::UnknownLesson {
            lesson: LessonId(9)
        })
    );
    assert_eq!(checker.conflicts(), before);
    assert_eq!(checker.timetable().lessons, lessons);
    // Swapping a lesson with itself is allowed and does nothing.
    assert_eq!(
        checker.apply(Edit::Swap {
            first: LessonId(1),
            second: LessonId(1)
        }),
        Ok(CheckDelta::default())
    );
}

#[test]
fn everything_a_draft_holds_round_trips_through_json() {
    let lessons = [
        in_room(double(at(1, C6A, SCIENCE, T_SCIENCE, MON_2)), LAB),
        at(2, C6B, MATH, T_MATH, MON_1),
    ];
    let school = fitted(school(), &lessons);
    let timetable = timetable(&lessons);
    let json = serde_json::to_string(&(&school, &settings(), &timetable)).unwrap();
    let (school_back, settings_back, timetable_back): (School, TimetableSettings, Timetable) =
        serde_json::from_str(&json).unwrap();
    assert_eq!(
        (school_back, settings_back, timetable_back),
        (school.clone(), settings(), timetable.clone())
    );

    let found = check(&school, &settings(), &timetable).unwrap();
    assert!(!found.is_empty());
    let json = serde_json::to_string(&found).unwrap();
    assert!(
        json.contains("\"kind\":\"double_period_across_break\""),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Vec<Conflict>>(&json).unwrap(), found);

    let edit = Edit::Move {
        lesson: LessonId(2),
        to: Slot::new(Friday, Morning, 4),
    };
    let json = serde_json::to_string(&edit).unwrap();
    assert_eq!(
        json,
        r#"{"edit":"move","lesson":2,"to":{"day":"friday","session":"morning","period":4}}"#
    );
    assert_eq!(serde_json::from_str::<Edit>(&json).unwrap(), edit);

    // Settings stored before a field existed take the default for it.
    let old: TimetableSettings =
        serde_json::from_str(r#"{"max_class_periods_per_day": 8}"#).unwrap();
    assert_eq!(old.max_class_periods_per_day, 8);
    assert_eq!(old.max_subject_periods_per_day, 2);
    // A lesson without a length is a single period.
    let lesson: Lesson = serde_json::from_str(
        r#"{"id":5,"class":61,"subject":1,"teacher":1,"day":"monday","session":"morning","period":1}"#,
    )
    .unwrap();
    assert_eq!(lesson, at(5, C6A, MATH, T_MATH, MON_1));
}

mod diffs {
    use super::*;

    fn lessons() -> Vec<Lesson> {
        vec![
            at(1, C6A, MATH, T_MATH, MON_1),
            at(2, C6A, LITERATURE, T_LITERATURE, MON_2),
            at(3, C6B, MATH, T_MATH, MON_2),
            at(4, C9A, SCIENCE, T_SCIENCE, (Monday, Afternoon, 1)),
        ]
    }

    #[test]
    fn the_same_timetable_changes_nothing_even_with_new_ids() {
        let old = timetable(&lessons());
        let renumbered: Vec<Lesson> = lessons()
            .into_iter()
            .map(|l| Lesson {
                id: LessonId(l.id.0 + 100),
                ..l
            })
            .collect();
        assert!(diff(&old, &old).is_empty());
        assert_eq!(
            diff(&old, &timetable(&renumbered)),
            TimetableDiff::default()
        );
    }

    #[test]
    fn moves_teacher_changes_additions_and_removals_are_told_apart() {
        let old = timetable(&lessons());
        let mut new_lessons = lessons();
        // 6A's maths moves to Tuesday (imported with a new id).
        new_lessons[0] = Lesson {
            id: LessonId(101),
            ..at(1, C6A, MATH, T_MATH, (Tuesday, Morning, 1))
        };
        // 6B's maths gets another teacher.
        new_lessons[2].teacher = T_MATH_2;
        // 9A's science is dropped; 9A gets informatics instead.
        new_lessons.remove(3);
        new_lessons.push(at(
            5,
            C9A,
            INFORMATICS,
            T_INFORMATICS,
            (Monday, Afternoon, 1),
        ));
        let changes = diff(&old, &timetable(&new_lessons));

        assert_eq!(changes.changed.len(), 2);
        let moved = changes
            .changed
            .iter()
            .find(|c| c.after.class == C6A)
            .unwrap();
        assert!(moved.moved() && !moved.teacher_changed() && !moved.room_changed());
        assert_eq!(moved.before.day, Monday);
        let reassigned = changes
            .changed
            .iter()
            .find(|c| c.after.class == C6B)
            .unwrap();
        assert!(reassigned.teacher_changed() && !reassigned.moved());
        assert_eq!(changes.removed, [lessons()[3]]);
        assert_eq!(
            changes.added,
            [at(
                5,
                C9A,
                INFORMATICS,
                T_INFORMATICS,
                (Monday, Afternoon, 1)
            )]
        );
        assert_eq!(
            changes.teachers,
            [T_MATH, T_SCIENCE, T_MATH_2, T_INFORMATICS]
        );
        assert_eq!(changes.classes, [C6A, C6B, C9A]);

        // What each person sees.
        let for_old_teacher = changes.for_teacher(T_MATH);
        assert_eq!(for_old_teacher.changed.len(), 2);
        assert_eq!(changes.for_teacher(T_LITERATURE), TimetableDiff::default());
        let for_9a = changes.for_class(C9A);
        assert_eq!(
            (
                for_9a.added.len(),
                for_9a.removed.len(),
                for_9a.changed.len()
            ),
            (1, 1, 0)
        );
        assert_eq!(for_9a.teachers, [T_SCIENCE, T_INFORMATICS]);
    }
}

mod substitution {
    use super::*;

    #[test]
    fn free_teachers_of_the_same_subject_come_first() {
        let lessons = [
            // The absent teacher's Monday: 6A period 1, 6B period 3.
            at(1, C6A, MATH, T_MATH, MON_1),
            at(2, C6B, MATH, T_MATH, MON_3),
            // The other maths teachers' Monday.
            at(3, C8A, MATH, T_MATH_LIT, MON_1),
            at(4, C9A, MATH, T_MATH_2, (Monday, Afternoon, 1)),
            // Literature is at school on Monday morning, period 2.
            at(5, C6A, LITERATURE, T_LITERATURE, MON_2),
            // Another day: ignored.
            at(6, C6A, MATH, T_MATH, (Tuesday, Morning, 1)),
        ];
        let found = substitutes(&school(), &timetable(&lessons), T_MATH, Monday);
        assert_eq!(
            found.iter().map(|a| a.lesson.id).collect::<Vec<_>>(),
            [LessonId(1), LessonId(2)]
        );

        // Period 1: T_MATH_LIT is teaching, T_MATH_2 is unavailable (Monday period 1).
        let first: Vec<TeacherId> = found[0].candidates.iter().map(|c| c.teacher).collect();
        assert_eq!(first, [T_LITERATURE, T_SCIENCE, T_INFORMATICS]);
        assert!(found[0].candidates.iter().all(|c| !c.same_subject));
        assert!(found[0].candidates[0].at_school_that_session);

        // Period 3: both maths teachers are free. T_MATH_LIT is at school that morning.
        let third: Vec<TeacherId> = found[1].candidates.iter().map(|c| c.teacher).collect();
        assert_eq!(
            third,
            [T_MATH_LIT, T_MATH_2, T_LITERATURE, T_SCIENCE, T_INFORMATICS]
        );
        assert!(found[1].candidates[0].same_subject && found[1].candidates[1].same_subject);
        assert!(found[1].candidates[0].at_school_that_session);
        assert!(!found[1].candidates[1].at_school_that_session);
        assert_eq!(found[1].candidates[1].periods_that_day, 1);
        assert!(!third.contains(&T_MATH), "never the absent teacher");
    }

    #[test]
    fn a_busy_or_unavailable_teacher_is_never_offered() {
        // A double period: a teacher busy in its second period cannot take it.
        let lessons = [
            double(at(1, C6A, MATH, T_MATH, MON_1)),
            at(2, C6B, MATH, T_MATH_LIT, MON_2),
        ];
        let found = substitutes(&school(), &timetable(&lessons), T_MATH, Monday);
        let offered: Vec<TeacherId> = found[0].candidates.iter().map(|c| c.teacher).collect();
        assert!(!offered.contains(&T_MATH_LIT));
        assert!(
            !offered.contains(&T_MATH_2),
            "unavailable in Monday's first period"
        );
        // On Wednesday T_MATH_LIT is away all day.
        let wednesday = [at(1, C6A, MATH, T_MATH, (Wednesday, Morning, 4))];
        let found = substitutes(&school(), &timetable(&wednesday), T_MATH, Wednesday);
        let offered: Vec<TeacherId> = found[0].candidates.iter().map(|c| c.teacher).collect();
        assert_eq!(offered[0], T_MATH_2);
        assert!(!offered.contains(&T_MATH_LIT));
    }

    #[test]
    fn nothing_to_cover_on_a_day_without_lessons() {
        let lessons = [at(1, C6A, MATH, T_MATH, MON_1)];
        assert_eq!(
            substitutes(&school(), &timetable(&lessons), T_MATH, Friday),
            []
        );
    }

    #[test]
    fn a_dates_weekday_is_found() {
        let date = time::macros::date!(2025 - 09 - 05);
        assert_eq!(Weekday::of_date(date), Friday);
        assert_eq!(
            Weekday::of_date(time::macros::date!(2025 - 09 - 07)),
            Sunday
        );
    }
}
