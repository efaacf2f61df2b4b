//! Property tests against a brute-force checker written here from the definitions alone: it
//! looks at the whole list of lessons at once (every pair for double bookings), with no scopes
//! and no index. The rules must find exactly its conflicts, and the incremental check must agree
//! with the full one after any sequence of edits.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::*;

const DAYS: [Weekday; 7] = Weekday::ALL;

/// A small school where every kind of conflict is likely: 4 classes, 5 teachers, 2 rooms and
/// 4 subjects known; ids one above are unknown.
#[derive(Clone, Debug)]
struct World {
    school: School,
    settings: TimetableSettings,
    semester: Semester,
}

fn unavailable_strategy() -> impl Strategy<Value = Unavailable> {
    (0..4usize, 0..3u8, 0..5u8).prop_map(|(day, session, period)| Unavailable {
        day: DAYS[day],
        session: match session {
            0 => None,
            1 => Some(Session::Morning),
            _ => Some(Session::Afternoon),
        },
        period: (period > 0 && session > 0).then_some(period),
    })
}

fn world_strategy() -> impl Strategy<Value = World> {
    (
        prop::collection::vec(unavailable_strategy(), 0..3),
        prop::collection::vec(unavailable_strategy(), 0..3),
        prop::collection::vec((0..4i64, 0..4i64, 0..4u8, 0..2u8, 0..2u8), 0..10),
        (
            1..=3u8,
            0..=2u8,
            0..=2u8,
            2..=6u8,
            2..=5u8,
            3..=8u8,
            0..=2u8,
        ),
        any::<bool>(),
        prop::sample::subsequence(vec![0usize, 1, 2, 3, 4], 1..=5),
    )
        .prop_map(
            |(unavailable_a, unavailable_b, requirements, limits, second, days)| {
                let (
                    subject_per_day,
                    heavy_last,
                    gaps,
                    teacher_per_day,
                    class_per_session,
                    class_per_day,
                    double_sci,
                ) = limits;
                let start = TimeOfDay::new(7, 0).unwrap();
                let week = SchoolWeek {
                    days: days.into_iter().map(|d| DAYS[d]).collect(),
                    morning: SessionPlan::evenly_spaced(start, 4, Some(2)),
                    afternoon: SessionPlan::evenly_spaced(start, 3, Some(1)),
                };
                let class = |id: i64, sessions: &[Session], extra: &[DaySession]| ClassInfo {
                    id: ClassId(id),
                    name: format!("{id}A"),
                    sessions: sessions.to_vec(),
                    extra_sessions: extra.to_vec(),
                };
                let teacher =
                    |id: i64, unavailable: Vec<Unavailable>, max: Option<u8>| TeacherInfo {
                        id: TeacherId(id),
                        name: format!("Teacher {id}"),
                        subjects: vec![SubjectId(id % 4)],
                        unavailable,
                        max_periods_per_day: max,
                    };
                let mut requirement_list: Vec<Requirement> = Vec::new();
                for (class, subject, count, extra, doubles) in requirements {
                    if requirement_list
                        .iter()
                        .any(|r| r.class == ClassId(class) && r.subject == SubjectId(subject))
                    {
                        continue;
                    }
                    requirement_list.push(Requirement {
                        class: ClassId(class),
                        subject: SubjectId(subject),
                        periods: PeriodsPerWeek {
                            first_semester: count,
                            second_semester: count + extra,
                        },
                        double_periods: doubles + u8::from(subject == 2 && double_sci > 1),
                    });
                }
                World {
                    school: School {
                        week,
                        classes: vec![
                            class(
                                0,
                                &[Session::Morning],
                                &[DaySession {
                                    day: Weekday::Tuesday,
                                    session: Session::Afternoon,
                                }],
                            ),
                            class(1, &[Session::Morning], &[]),
                            class(2, &[Session::Afternoon], &[]),
                            class(3, &[Session::Morning, Session::Afternoon], &[]),
                        ],
                        teachers: vec![
                            teacher(0, unavailable_a, None),
                            teacher(1, unavailable_b, Some(3)),
                            teacher(2, Vec::new(), None),
                            teacher(3, Vec::new(), None),
                            teacher(4, Vec::new(), None),
                        ],
                        rooms: vec![
                            RoomInfo {
                                id: RoomId(0),
                                name: "Lab".into(),
                            },
                            RoomInfo {
                                id: RoomId(1),
                                name: "Gym".into(),
                            },
                        ],
                        subjects: (0..4)
                            .map(|id| SubjectInfo {
                                id: SubjectId(id),
                                name: format!("Subject {id}"),
                            })
                            .collect(),
                        requirements: requirement_list,
                    },
                    settings: TimetableSettings {
                        max_subject_periods_per_day: subject_per_day,
                        heavy_subjects: vec![SubjectId(0), SubjectId(2)],
                        heavy_last_periods: heavy_last,
                        max_teacher_gaps_per_session: gaps,
                        max_teacher_periods_per_day: teacher_per_day,
                        max_class_periods_per_session: class_per_session,
                        max_class_periods_per_day: class_per_day,
                    },
                    semester: if second {
                        Semester::Second
                    } else {
                        Semester::First
                    },
                }
            },
        )
}

/// A lesson's content; its id is given when it is placed. Mostly valid, sometimes not.
fn lesson_strategy() -> impl Strategy<Value = Lesson> {
    (
        (0..41i64, 0..51i64, 0..41i64, 0..10u8),
        (0..20usize, any::<bool>(), 0..12u8, 0..10u8),
    )
        .prop_map(
            |((class, teacher, subject, room), (day, afternoon, period, length))| Lesson {
                id: LessonId(0),
                class: ClassId(class / 10),
                teacher: TeacherId(teacher / 10),
                subject: SubjectId(subject / 10),
                room: match room {
                    0..=5 => None,
                    6 | 7 => Some(RoomId(0)),
                    8 => Some(RoomId(1)),
                    _ => Some(RoomId(2)),
                },
                // Mostly Monday to Wednesday, so lessons meet.
                day: DAYS[if day < 17 { day % 3 } else { day - 14 }],
                session: if afternoon {
                    Session::Afternoon
                } else {
                    Session::Morning
                },
                period: period / 2,
                length: match length {
                    0 => 0,
                    1..=3 => 2,
                    9 => 3,
                    _ => 1,
                },
            },
        )
}

fn numbered(lessons: Vec<Lesson>) -> Vec<Lesson> {
    lessons
        .into_iter()
        .enumerate()
        .map(|(i, lesson)| Lesson {
            id: LessonId(i as i64 + 1),
            ..lesson
        })
        .collect()
}

fn when_slot(slot: Slot) -> When {
    When {
        day: Some(slot.day),
        session: Some(slot.session),
        period: Some(slot.period),
    }
}

fn conflict(
    kind: ConflictKind,
    who: Who,
    when: When,
    lessons: impl IntoIterator<Item = LessonId>,
    count: Option<(u16, u16)>,
) -> Conflict {
    let mut lessons: Vec<LessonId> = lessons.into_iter().collect();
    lessons.sort();
    Conflict {
        severity: kind.severity(),
        when,
        kind,
        who,
        lessons,
        count: count.map(|(found, limit)| Count { found, limit }),
    }
}

fn sum_periods<'a>(lessons: impl IntoIterator<Item = &'a Lesson>) -> u16 {
    lessons.into_iter().map(|l| u16::from(l.length)).sum()
}

/// Every conflict of a timetable, straight from the definitions.
fn brute_force(world: &World, timetable: &Timetable) -> Vec<Conflict> {
    use ConflictKind::*;
    let school = &world.school;
    let settings = &world.settings;
    let class_of = |id: ClassId| school.classes.iter().find(|c| c.id == id);
    let teacher_of = |id: TeacherId| school.teachers.iter().find(|t| t.id == id);
    let known = |l: &Lesson| {
        class_of(l.class).is_some()
            && teacher_of(l.teacher).is_some()
            && school.subjects.iter().any(|s| s.id == l.subject)
            && l.room
                .is_none_or(|room| school.rooms.iter().any(|r| r.id == room))
    };
    let fits = |l: &Lesson| {
        school.week.days.contains(&l.day)
            && l.period >= 1
            && (l.length == 1 || l.length == 2)
            && l.period + l.length - 1 <= school.week.session(l.session).periods.len() as u8
    };
    let mut found = Vec::new();
    let mut valid: Vec<Lesson> = Vec::new();
    for lesson in &timetable.lessons {
        let kind = if !known(lesson) {
            Some(UnknownReference)
        } else if !fits(lesson) {
            Some(OutsideSchoolWeek)
        } else {
            None
        };
        match kind {
            Some(kind) => found.push(conflict(
                kind,
                Who::Class {
                    class: lesson.class,
                },
                when_slot(lesson.start()),
                [lesson.id],
                None,
            )),
            None => valid.push(*lesson),
        }
    }

    // Double bookings: compare every pair.
    let mut meetings: BTreeMap<(u8, Who, Slot), BTreeSet<LessonId>> = BTreeMap::new();
    for (i, a) in valid.iter().enumerate() {
        for b in &valid[i + 1..] {
            for slot in a.slots().filter(|slot| b.occupies(*slot)) {
                let mut meet = |rank: u8, who: Who| {
                    meetings
                        .entry((rank, who, slot))
                        .or_default()
                        .extend([a.id, b.id]);
                };
                if a.teacher == b.teacher {
                    meet(0, Who::Teacher { teacher: a.teacher });
                }
                if a.class == b.class {
                    meet(1, Who::Class { class: a.class });
                }
                if let (Some(room), true) = (a.room, a.room == b.room) {
                    meet(2, Who::Room { room });
                }
            }
        }
    }
    for ((rank, who, slot), lessons) in meetings {
        let kind = [TeacherDoubleBooked, ClassDoubleBooked, RoomDoubleBooked][usize::from(rank)];
        found.push(conflict(kind, who, when_slot(slot), lessons, None));
    }

    let afternoon_count = school.week.afternoon.periods.len() as u8;
    for lesson in &valid {
        let teacher = teacher_of(lesson.teacher);
        for slot in lesson.slots() {
            if teacher.is_some_and(|t| t.unavailable.iter().any(|u| u.covers(slot))) {
                found.push(conflict(
                    TeacherUnavailable,
                    Who::Teacher {
                        teacher: lesson.teacher,
                    },
                    when_slot(slot),
                    [lesson.id],
                    None,
                ));
            }
        }
        if class_of(lesson.class).is_some_and(|c| !c.studies_in(lesson.day, lesson.session)) {
            found.push(conflict(
                OutsideClassSession,
                Who::Class {
                    class: lesson.class,
                },
                when_slot(lesson.start()),
                [lesson.id],
                None,
            ));
        }
        let class_subject = Who::ClassSubject {
            class: lesson.class,
            subject: lesson.subject,
        };
        let last_period = lesson.period + lesson.length - 1;
        if lesson.session == Session::Afternoon
            && settings.heavy_subjects.contains(&lesson.subject)
            && settings.heavy_last_periods > 0
            && i32::from(last_period)
                > i32::from(afternoon_count) - i32::from(settings.heavy_last_periods)
        {
            found.push(conflict(
                HeavySubjectLastPeriod,
                class_subject,
                when_slot(lesson.start()),
                [lesson.id],
                None,
            ));
        }
        if lesson.length == 2
            && school.week.session(lesson.session).long_break_after == Some(lesson.period)
        {
            found.push(conflict(
                DoublePeriodAcrossBreak,
                class_subject,
                when_slot(lesson.start()),
                [lesson.id],
                None,
            ));
        }
    }

    let mut pairs: BTreeSet<(ClassId, SubjectId)> = school
        .requirements
        .iter()
        .map(|r| (r.class, r.subject))
        .collect();
    pairs.extend(valid.iter().map(|l| (l.class, l.subject)));
    for (class, subject) in pairs {
        let of_pair: Vec<&Lesson> = valid
            .iter()
            .filter(|l| l.class == class && l.subject == subject)
            .collect();
        let ids = of_pair.iter().map(|l| l.id);
        let requirement = school
            .requirements
            .iter()
            .find(|r| r.class == class && r.subject == subject);
        let required = requirement.map_or(0, |r| u16::from(r.periods.in_semester(world.semester)));
        let placed = sum_periods(of_pair.iter().copied());
        let who = Who::ClassSubject { class, subject };
        if placed > required {
            found.push(conflict(
                WeeklyCountAbove,
                who,
                When::default(),
                ids.clone(),
                Some((placed, required)),
            ));
        }
        if placed < required {
            found.push(conflict(
                WeeklyCountBelow,
                who,
                When::default(),
                ids.clone(),
                Some((placed, required)),
            ));
        }
        let wanted = requirement.map_or(0, |r| u16::from(r.double_periods));
        let doubles = of_pair.iter().filter(|l| l.length == 2).count() as u16;
        if doubles < wanted {
            found.push(conflict(
                DoublePeriodMissing,
                who,
                When::default(),
                ids,
                Some((doubles, wanted)),
            ));
        }
    }

    for day in DAYS {
        let of_day: Vec<&Lesson> = valid.iter().filter(|l| l.day == day).collect();
        for class in school.classes.iter().map(|c| c.id) {
            let of_class: Vec<&Lesson> = of_day
                .iter()
                .copied()
                .filter(|l| l.class == class)
                .collect();
            for subject in school.subjects.iter().map(|s| s.id) {
                let of_subject: Vec<&Lesson> = of_class
                    .iter()
                    .copied()
                    .filter(|l| l.subject == subject)
                    .collect();
                let count = sum_periods(of_subject.iter().copied());
                let limit = u16::from(settings.max_subject_periods_per_day);
                if count > limit {
                    let when = When {
                        day: Some(day),
                        session: None,
                        period: None,
                    };
                    found.push(conflict(
                        SubjectTooOftenInDay,
                        Who::ClassSubject { class, subject },
                        when,
                        of_subject.iter().map(|l| l.id),
                        Some((count, limit)),
                    ));
                }
            }
            for session in Session::ALL {
                let in_session: Vec<&Lesson> = of_class
                    .iter()
                    .copied()
                    .filter(|l| l.session == session)
                    .collect();
                let count = sum_periods(in_session.iter().copied());
                let limit = u16::from(settings.max_class_periods_per_session);
                if count > limit {
                    let when = When {
                        day: Some(day),
                        session: Some(session),
                        period: None,
                    };
                    found.push(conflict(
                        ClassSessionOverloaded,
                        Who::Class { class },
                        when,
                        in_session.iter().map(|l| l.id),
                        Some((count, limit)),
                    ));
                }
            }
            let count = sum_periods(of_class.iter().copied());
            let limit = u16::from(settings.max_class_periods_per_day);
            if count > limit {
                let when = When {
                    day: Some(day),
                    session: None,
                    period: None,
                };
                found.push(conflict(
                    ClassDayOverloaded,
                    Who::Class { class },
                    when,
                    of_class.iter().map(|l| l.id),
                    Some((count, limit)),
                ));
            }
        }
        for teacher in &school.teachers {
            let of_teacher: Vec<&Lesson> = of_day
                .iter()
                .copied()
                .filter(|l| l.teacher == teacher.id)
                .collect();
            for session in Session::ALL {
                let in_session: Vec<&Lesson> = of_teacher
                    .iter()
                    .copied()
                    .filter(|l| l.session == session)
                    .collect();
                let taught: BTreeSet<u8> = in_session
                    .iter()
                    .flat_map(|l| l.slots().map(|s| s.period))
                    .collect();
                if let (Some(first), Some(last)) = (taught.first(), taught.last()) {
                    let gaps = u16::from(last - first + 1) - taught.len() as u16;
                    let limit = u16::from(settings.max_teacher_gaps_per_session);
                    if gaps > limit {
                        let when = When {
                            day: Some(day),
                            session: Some(session),
                            period: None,
                        };
                        found.push(conflict(
                            TeacherGap,
                            Who::Teacher {
                                teacher: teacher.id,
                            },
                            when,
                            in_session.iter().map(|l| l.id),
                            Some((gaps, limit)),
                        ));
                    }
                }
            }
            let count = sum_periods(of_teacher.iter().copied());
            let limit = u16::from(
                teacher
                    .max_periods_per_day
                    .unwrap_or(settings.max_teacher_periods_per_day),
            );
            if count > limit {
                let when = When {
                    day: Some(day),
                    session: None,
                    period: None,
                };
                found.push(conflict(
                    TeacherDayOverloaded,
                    Who::Teacher {
                        teacher: teacher.id,
                    },
                    when,
                    of_teacher.iter().map(|l| l.id),
                    Some((count, limit)),
                ));
            }
        }
    }
    found.sort();
    found
}

/// The hard double bookings a pairwise comparison finds: any two valid lessons sharing a
/// teacher, a class or a room in some period.
fn pairwise_double_bookings(world: &World, lessons: &[Lesson]) -> Vec<(LessonId, LessonId)> {
    let valid: Vec<&Lesson> = lessons
        .iter()
        .filter(|l| {
            brute_force(
                world,
                &Timetable {
                    semester: world.semester,
                    lessons: vec![**l],
                },
            )
            .iter()
            .all(|c| {
                !matches!(
                    c.kind,
                    ConflictKind::UnknownReference | ConflictKind::OutsideSchoolWeek
                )
            })
        })
        .collect();
    let mut clashes = Vec::new();
    for (i, a) in valid.iter().enumerate() {
        for b in &valid[i + 1..] {
            let shares = a.teacher == b.teacher
                || a.class == b.class
                || (a.room.is_some() && a.room == b.room);
            if shares && a.overlaps(b) {
                clashes.push((a.id, b.id));
            }
        }
    }
    clashes
}

/// One edit, by position among the current lessons so it fits whatever the timetable holds.
#[derive(Clone, Debug)]
enum EditSeed {
    Place(Lesson),
    Move(usize, Slot),
    Swap(usize, usize),
    Remove(usize),
    Replace(usize, Lesson),
    /// An edit that must be refused.
    Bogus(u8),
}

fn edit_strategy() -> impl Strategy<Value = EditSeed> {
    prop_oneof![
        3 => lesson_strategy().prop_map(EditSeed::Place),
        4 => (any::<usize>(), lesson_strategy()).prop_map(|(i, l)| EditSeed::Move(i, l.start())),
        3 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| EditSeed::Swap(a, b)),
        2 => any::<usize>().prop_map(EditSeed::Remove),
        2 => (any::<usize>(), lesson_strategy()).prop_map(|(i, l)| EditSeed::Replace(i, l)),
        1 => (0..4u8).prop_map(EditSeed::Bogus),
    ]
}

fn full(world: &World, timetable: &Timetable) -> Vec<Conflict> {
    check(&world.school, &world.settings, timetable).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, failure_persistence: None, ..ProptestConfig::default() })]

    /// The rules find exactly what the brute-force checker finds, hard and soft.
    #[test]
    fn the_rules_find_what_brute_force_finds(
        world in world_strategy(),
        lessons in prop::collection::vec(lesson_strategy(), 0..30),
    ) {
        let timetable = Timetable { semester: world.semester, lessons: numbered(lessons) };
        prop_assert_eq!(full(&world, &timetable), brute_force(&world, &timetable));
    }

    /// What the rules call free of hard conflicts has no clash under a pairwise comparison; few
    /// lessons on a big week, so that many timetables are clean.
    #[test]
    fn a_timetable_without_hard_conflicts_has_no_pairwise_clash(
        world in world_strategy(),
        lessons in prop::collection::vec(lesson_strategy(), 0..6),
    ) {
        let timetable = Timetable { semester: world.semester, lessons: numbered(lessons) };
        let conflicts = full(&world, &timetable);
        let clashes = pairwise_double_bookings(&world, &timetable.lessons);
        if can_publish(&conflicts).is_ok() {
            prop_assert_eq!(clashes, Vec::new());
        } else if !clashes.is_empty() {
            prop_assert!(conflicts.iter().any(|c| matches!(
                c.kind,
                ConflictKind::TeacherDoubleBooked | ConflictKind::ClassDoubleBooked | ConflictKind::RoomDoubleBooked
            )));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    /// After every edit of a random sequence, the incremental state equals a full check of the
    /// timetable as it stands, and the deltas add up to it.
    #[test]
    fn incremental_equals_full_after_random_edits(
        world in world_strategy(),
        lessons in prop::collection::vec(lesson_strategy(), 0..25),
        edits in prop::collection::vec(edit_strategy(), 1..40),
    ) {
        let timetable = Timetable { semester: world.semester, lessons: numbered(lessons) };
        let mut checker = Checker::new(&world.school, &world.settings, &timetable).unwrap();
        let mut running = checker.conflicts();
        let mut next_id = 1000;
        for seed in edits {
            let ids: Vec<LessonId> = checker.timetable().lessons.iter().map(|l| l.id).collect();
            let pick = |i: usize| ids.get(i % ids.len().max(1)).copied().unwrap_or(LessonId(-1));
            let edit = match seed {
                EditSeed::Place(lesson) => {
                    next_id += 1;
                    Edit::Place { lesson: Lesson { id: LessonId(next_id), ..lesson } }
                }
                EditSeed::Move(i, to) => Edit::Move { lesson: pick(i), to },
                EditSeed::Swap(a, b) => Edit::Swap { first: pick(a), second: pick(b) },
                EditSeed::Remove(i) => Edit::Remove { lesson: pick(i) },
                EditSeed::Replace(i, lesson) => Edit::Replace { lesson: Lesson { id: pick(i), ..lesson } },
                EditSeed::Bogus(0) => Edit::Remove { lesson: LessonId(-5) },
                EditSeed::Bogus(1) => Edit::Move { lesson: LessonId(-5), to: Slot::new(Weekday::Monday, Session::Morning, 1) },
                EditSeed::Bogus(2) => Edit::Swap { first: pick(0), second: LessonId(-5) },
                EditSeed::Bogus(_) => match checker.timetable().lessons.first() {
                    Some(existing) => Edit::Place { lesson: *existing },
                    None => Edit::Remove { lesson: LessonId(-5) },
                },
            };
            let before = checker.timetable();
            match checker.apply(edit) {
                Ok(delta) => {
                    for resolved in &delta.resolved {
                        let index = running.iter().position(|c| c == resolved);
                        prop_assert!(index.is_some(), "resolved {:?} was not there", resolved);
                        if let Some(index) = index {
                            running.remove(index);
                        }
                    }
                    running.extend(delta.introduced);
                    running.sort();
                }
                Err(_) => prop_assert_eq!(checker.timetable(), before, "a refused edit changed the timetable"),
            }
            let now = checker.timetable();
            let expected = full(&world, &now);
            prop_assert_eq!(&checker.conflicts(), &expected, "after {:?}", edit);
            prop_assert_eq!(&running, &expected, "deltas after {:?}", edit);
            prop_assert_eq!(checker.hard_conflict_count(), expected.iter().filter(|c| c.is_hard()).count());
        }
        prop_assert_eq!(checker.conflicts(), brute_force(&world, &checker.timetable()));
    }
}
