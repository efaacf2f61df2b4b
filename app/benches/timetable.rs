//! Timetable conflict checks of a realistic school: 30 classes (grades 8–9 in the morning,
//! 6–7 in the afternoon), 60 teachers, the 2018 programme's 29 periods a week per class
//! (~870 lessons), placed greedily from a seeded generator so that a few conflicts remain, as
//! in a timetable being edited. Times the full check and the incremental check after one edit
//! (a move or a swap), and prints medians. The goal: under 5 ms per edit.
//!
//! `cargo bench -p truongso-app --bench timetable`

use std::hint::black_box;
use std::time::{Duration, Instant};

use app::timetable::rules::{
    Checker, ClassId, ClassInfo, Edit, Lesson, LessonId, PeriodsPerWeek, Requirement, School,
    SchoolWeek, Semester, Session, Slot, SubjectId, SubjectInfo, TeacherId, TeacherInfo, Timetable,
    TimetableSettings, Unavailable, Weekday, check,
};

const CLASSES: i64 = 30;
const TEACHERS: usize = 60;
const FULL_RUNS: usize = 30;
const EDITS: usize = 20_000;

/// Subjects with periods a week (grade 6–7 figures; Công nghệ 8–9 is 1 in semester I) and
/// whether one of them is a double period.
const SUBJECTS: [(&str, u8, bool); 12] = [
    ("Ngữ văn", 4, true),
    ("Toán", 4, true),
    ("Ngoại ngữ 1", 3, false),
    ("Giáo dục công dân", 1, false),
    ("Lịch sử và Địa lí", 3, false),
    ("Khoa học tự nhiên", 4, true),
    ("Công nghệ", 1, false),
    ("Tin học", 1, false),
    ("Giáo dục thể chất", 2, false),
    ("Nghệ thuật", 2, false),
    ("Hoạt động trải nghiệm, hướng nghiệp", 3, false),
    ("Nội dung giáo dục địa phương", 1, false),
];

/// SplitMix64: small, seeded, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

fn class_session(class: i64) -> Session {
    // Grades 8–9 (the first 15 classes) in the morning, 6–7 in the afternoon.
    if class < 15 {
        Session::Morning
    } else {
        Session::Afternoon
    }
}

fn school(rng: &mut Rng) -> (School, Vec<(ClassId, SubjectId, TeacherId)>) {
    let subjects: Vec<SubjectInfo> = SUBJECTS
        .iter()
        .enumerate()
        .map(|(i, (name, _, _))| SubjectInfo {
            id: SubjectId(i as i64),
            name: name.to_string(),
        })
        .collect();
    // Teachers per subject in proportion to its periods, at least one each; the remainder
    // goes to the subjects with the most periods per teacher.
    let total: usize = SUBJECTS.iter().map(|(_, n, _)| usize::from(*n)).sum();
    let mut counts: Vec<usize> = SUBJECTS
        .iter()
        .map(|(_, periods, _)| (usize::from(*periods) * TEACHERS / total).max(1))
        .collect();
    while counts.iter().sum::<usize>() < TEACHERS {
        let busiest = (0..SUBJECTS.len())
            .max_by_key(|&s| usize::from(SUBJECTS[s].1) * 1000 / counts[s])
            .unwrap_or(0);
        counts[busiest] += 1;
    }
    let mut teachers = Vec::new();
    let mut by_subject: Vec<Vec<TeacherId>> = vec![Vec::new(); SUBJECTS.len()];
    for (subject, count) in counts.into_iter().enumerate() {
        for _ in 0..count {
            let id = TeacherId(teachers.len() as i64);
            let mut unavailable = Vec::new();
            if rng.below(4) == 0 {
                unavailable.push(Unavailable {
                    day: Weekday::ALL[rng.below(6)],
                    session: Some(if rng.below(2) == 0 {
                        Session::Morning
                    } else {
                        Session::Afternoon
                    }),
                    period: None,
                });
            }
            teachers.push(TeacherInfo {
                id,
                name: format!("Giáo viên {}", id.0),
                subjects: vec![SubjectId(subject as i64)],
                unavailable,
                max_periods_per_day: None,
            });
            by_subject[subject].push(id);
        }
    }
    let classes: Vec<ClassInfo> = (0..CLASSES)
        .map(|c| ClassInfo {
            id: ClassId(c),
            name: format!("{}A{}", 9 - c / 8, c % 8 + 1),
            sessions: vec![class_session(c)],
            extra_sessions: Vec::new(),
        })
        .collect();
    let mut requirements = Vec::new();
    let mut assignments = Vec::new();
    for class in &classes {
        for (subject, (_, periods, double)) in SUBJECTS.iter().enumerate() {
            let pool = &by_subject[subject];
            let teacher = pool[(class.id.0 as usize + subject) % pool.len().max(1)];
            requirements.push(Requirement {
                class: class.id,
                subject: SubjectId(subject as i64),
                periods: PeriodsPerWeek::every_week(*periods),
                double_periods: u8::from(*double),
            });
            assignments.push((class.id, SubjectId(subject as i64), teacher));
        }
    }
    let school = School {
        week: SchoolWeek::default(),
        classes,
        teachers,
        rooms: Vec::new(),
        subjects,
        requirements,
    };
    (school, assignments)
}

/// Places every lesson where its class and teacher are free if it can, anywhere in the class's
/// session if not.
fn timetable(
    rng: &mut Rng,
    school: &School,
    assignments: &[(ClassId, SubjectId, TeacherId)],
) -> Timetable {
    let days = &school.week.days;
    let periods = school.week.morning.period_count();
    let mut teacher_busy = std::collections::HashSet::new();
    let mut lessons = Vec::new();
    for class in &school.classes {
        let session = class.sessions[0];
        let mut units: Vec<(SubjectId, TeacherId, u8)> = Vec::new();
        for &(_, subject, teacher) in assignments.iter().filter(|a| a.0 == class.id) {
            let (_, count, double) = SUBJECTS[subject.0 as usize];
            let mut left = count;
            if double {
                units.push((subject, teacher, 2));
                left -= 2;
            }
            units.extend((0..left).map(|_| (subject, teacher, 1)));
        }
        rng.shuffle(&mut units);
        let mut free: Vec<Slot> = days
            .iter()
            .flat_map(|&day| (1..=periods).map(move |p| Slot::new(day, session, p)))
            .collect();
        for (subject, teacher, length) in units {
            rng.shuffle(&mut free);
            let fits = |slot: &Slot| {
                let last = slot.period + length - 1;
                last <= periods
                    && (slot.period..=last).all(|p| {
                        let s = Slot::new(slot.day, slot.session, p);
                        !teacher_busy.contains(&(teacher, s))
                    })
                    && (length == 1
                        || free.contains(&Slot::new(slot.day, slot.session, slot.period + 1)))
            };
            let chosen = free.iter().position(fits).unwrap_or(0);
            let start = free[chosen];
            for p in start.period..start.period + length {
                let slot = Slot::new(start.day, start.session, p);
                teacher_busy.insert((teacher, slot));
                free.retain(|s| *s != slot);
            }
            lessons.push(Lesson {
                id: LessonId(lessons.len() as i64 + 1),
                class: class.id,
                subject,
                teacher,
                room: None,
                day: start.day,
                session: start.session,
                period: start.period,
                length,
            });
            if free.is_empty() {
                break;
            }
        }
    }
    Timetable {
        semester: Semester::First,
        lessons,
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn percentile(samples: &[Duration], fraction: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    sorted[((sorted.len() - 1) as f64 * fraction) as usize]
}

fn main() {
    let mut rng = Rng(20_250_905);
    let (school, assignments) = school(&mut rng);
    let timetable = timetable(&mut rng, &school, &assignments);
    let settings = TimetableSettings::heavy_subjects_by_name(&school.subjects);
    let Ok(checker) = Checker::new(&school, &settings, &timetable) else {
        eprintln!("the generated school is not valid");
        return;
    };
    let conflicts = checker.conflicts();
    let hard = conflicts.iter().filter(|c| c.is_hard()).count();
    println!(
        "school: {} classes, {} teachers, {} lessons ({} periods); {} conflicts ({} hard)",
        school.classes.len(),
        school.teachers.len(),
        timetable.lessons.len(),
        timetable
            .lessons
            .iter()
            .map(|l| u32::from(l.length))
            .sum::<u32>(),
        conflicts.len(),
        hard,
    );

    let full: Vec<Duration> = (0..FULL_RUNS)
        .map(|_| {
            let start = Instant::now();
            black_box(check(black_box(&school), &settings, black_box(&timetable)).ok());
            start.elapsed()
        })
        .collect();
    println!(
        "full check (build index + every scope + sorted list): median {:?}",
        median(full)
    );

    // Random edits within each class's session: moves and swaps, as a person dragging cells.
    let mut checker = checker;
    let ids: Vec<LessonId> = timetable.lessons.iter().map(|l| l.id).collect();
    let days = school.week.days.clone();
    let mut apply_times = Vec::with_capacity(EDITS);
    let mut list_times = Vec::with_capacity(EDITS / 10);
    for edit_number in 0..EDITS {
        let lesson_id = ids[rng.below(ids.len())];
        let Some(lesson) = checker.lesson(lesson_id).copied() else {
            continue;
        };
        let edit = if rng.below(2) == 0 {
            let last_start = 5 - (lesson.length - 1);
            let to = Slot::new(
                days[rng.below(days.len())],
                lesson.session,
                1 + rng.below(usize::from(last_start)) as u8,
            );
            Edit::Move {
                lesson: lesson_id,
                to,
            }
        } else {
            Edit::Swap {
                first: lesson_id,
                second: ids[rng.below(ids.len())],
            }
        };
        let start = Instant::now();
        let delta = checker.apply(black_box(edit));
        apply_times.push(start.elapsed());
        black_box(delta.ok());
        if edit_number % 10 == 0 {
            let start = Instant::now();
            black_box(checker.conflicts());
            list_times.push(start.elapsed());
        }
    }
    println!(
        "incremental check after one edit ({EDITS} moves and swaps): median {:?}, p99 {:?}, max {:?}",
        median(apply_times.clone()),
        percentile(&apply_times, 0.99),
        apply_times.iter().max().copied().unwrap_or_default(),
    );
    println!(
        "the whole sorted conflict list afterwards ({} conflicts): median {:?}",
        checker.conflicts().len(),
        median(list_times),
    );
}
