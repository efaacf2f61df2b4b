//! The pilot school's published timetable for the demo: grades 8–9 study in the morning, 6–7 in
//! the afternoon; the computer room and the gym are booked rooms; a first-semester timetable is
//! generated, checked by the rules (no hard conflict, or seeding fails) and published; the
//! mathematics teacher is absent on the next school day he teaches 6A1, with a substitute; and
//! the first student of 6A1 gets a demo login (`DEMO_STUDENT_PASSWORD`).
//!
//! The generator: with D school days and P periods a session (coprime, 6 and 5 by default),
//! position k of a class's lesson sequence goes to day k mod D, period k mod P — a bijection onto
//! the week's cells. Each subject's lessons are consecutive in the sequence (at most P of them),
//! so they fall on different days and in different periods; the i-th class of a session uses the
//! week shifted by i days, so two classes of a session never have the same subject at the same
//! time. Each subject has one teacher in the demo, so no teacher is in two places, and no room
//! (tied to a subject) is double-booked.

use std::collections::HashMap;

use sqlx::AnyConnection;
use time::{Date, Duration, Weekday as CalendarWeekday};

use super::rules::{
    self, ClassId, Lesson, LessonId, Semester, Session, SubjectId, Timetable, Weekday,
};
use super::store::{days, drafts, model, school_today};
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::format::iso_date;

/// The demo student's password (the school would print an activation code instead).
pub const DEMO_STUDENT_PASSWORD: &str = "hocsinh2026";

/// The first Monday of the school year: the published timetable's date at the latest.
const TERM_START: Date = time::macros::date!(2026 - 09 - 07);

/// Seeds the pilot school's timetable (see the module notes). `now` decides the dates, so the
/// demo shows a timetable in force today whatever day it is run.
pub async fn seed(conn: &mut AnyConnection, school_id: i64, now: i64) -> Result<(), AppError> {
    let actor = Actor::system();
    sqlx::query(
        "UPDATE classes SET session = 'afternoon' WHERE school_id = $1 AND grade IN (6, 7)",
    )
    .bind(school_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE classes SET session = 'morning' WHERE school_id = $1 AND grade IN (8, 9)")
        .bind(school_id)
        .execute(&mut *conn)
        .await?;
    for (code, room_name) in [("TIN_HOC", "Phòng Tin học"), ("GDTC", "Nhà đa năng")] {
        let room = model::add_room(conn, school_id, room_name).await?;
        sqlx::query(
            "INSERT INTO timetable_requirements (school_id, class_id, subject_id, double_periods, room_id)
             SELECT c.school_id, c.id, s.id, 0, $1 FROM classes c JOIN subjects s ON s.school_id = c.school_id
             WHERE c.school_id = $2 AND s.code = $3",
        )
        .bind(room)
        .bind(school_id)
        .bind(code)
        .execute(&mut *conn)
        .await?;
    }
    let settings = model::settings(conn, school_id).await?;
    model::save_settings(conn, school_id, &settings, now).await?;

    let year = model::require_current_year(conn, school_id).await?;
    let school = model::school_model(conn, school_id, &year).await?;
    let lessons = generate(&school, Semester::First)?;
    let timetable = Timetable {
        semester: Semester::First,
        lessons,
    };
    let conflicts = rules::check(&school.school, &school.settings.rules, &timetable)
        .map_err(|_| AppError::new(ErrorCode::Internal))?;
    if let Err(refused) = rules::can_publish(&conflicts) {
        tracing::error!(
            hard = refused.hard_conflicts,
            "the demo timetable has hard conflicts"
        );
        return Err(ErrorCode::Internal.into());
    }

    let draft = drafts::create(
        conn,
        &drafts::NewTimetable {
            school_id,
            school_year_id: year.id,
            semester: 1,
            name: "Thời khóa biểu học kỳ I",
            source: "demo",
            based_on: None,
            created_by: None,
        },
        now,
    )
    .await?;
    drafts::insert_lessons(conn, school_id, draft, &timetable.lessons).await?;
    let today = school_today(now);
    let effective_from = TERM_START.min(monday_of(today));
    drafts::publish(conn, &actor, school_id, draft, 0, effective_from, now).await?;

    if let Err(error) = substitution(conn, &actor, school_id, today, now).await {
        // A date outside the school year leaves the demo without a substitution, nothing worse.
        tracing::info!(code = error.code.as_str(), "no demo substitution");
    }
    student_login(conn, school_id, now).await
}

fn monday_of(date: Date) -> Date {
    date - Duration::days(i64::from(date.weekday().number_days_from_monday()))
}

/// The lessons of every class (see the module notes).
pub fn generate(school: &model::SchoolModel, semester: Semester) -> Result<Vec<Lesson>, AppError> {
    let week = &school.school.week;
    let days: Vec<Weekday> = week.days.clone();
    let mut lessons = Vec::new();
    let mut next_id = 1;
    for session in Session::ALL {
        let periods = usize::from(week.session(session).period_count());
        let classes: Vec<ClassId> = school
            .school
            .classes
            .iter()
            .filter(|c| c.sessions == [session])
            .map(|c| c.id)
            .collect();
        if classes.is_empty() || periods == 0 {
            continue;
        }
        for (shift, class) in classes.iter().enumerate() {
            let sequence = sequence_of(school, *class, semester, periods);
            if sequence.len() > days.len() * periods {
                return Err(ErrorCode::Internal.into());
            }
            for (k, subject) in sequence.into_iter().enumerate() {
                let Some(subject) = subject else {
                    continue;
                };
                let Some(assignment) = school
                    .assignments
                    .iter()
                    .find(|a| a.class == *class && a.subject == subject)
                else {
                    continue;
                };
                let day = days[(k % days.len() + shift) % days.len()];
                lessons.push(Lesson {
                    id: LessonId(next_id),
                    class: *class,
                    subject,
                    teacher: assignment.teacher,
                    room: assignment.room,
                    day,
                    session,
                    period: u8::try_from(k % periods + 1).unwrap_or(1),
                    length: 1,
                });
                next_id += 1;
            }
        }
    }
    Ok(lessons)
}

/// A class's subjects in sequence: each subject's lessons together; a heavy subject's lessons
/// kept off positions that land in the session's last period, by putting a one-lesson subject
/// there first. `None` is a free period.
fn sequence_of(
    school: &model::SchoolModel,
    class: ClassId,
    semester: Semester,
    periods: usize,
) -> Vec<Option<SubjectId>> {
    let heavy = &school.settings.rules.heavy_subjects;
    let mut multiple: Vec<(SubjectId, usize)> = Vec::new();
    let mut singles: Vec<SubjectId> = Vec::new();
    for requirement in school
        .school
        .requirements
        .iter()
        .filter(|r| r.class == class)
    {
        match usize::from(requirement.periods.in_semester(semester)) {
            0 => {}
            1 => singles.push(requirement.subject),
            count => multiple.push((requirement.subject, count.min(periods))),
        }
    }
    // Heavy subjects first, then by count: they are placed while singles are left to pad.
    multiple.sort_by_key(|(subject, count)| (!heavy.contains(subject), std::cmp::Reverse(*count)));
    let last_period = |position: usize| position % periods == periods - 1;
    let mut sequence: Vec<Option<SubjectId>> = Vec::new();
    for (subject, count) in multiple {
        if heavy.contains(&subject) {
            while (sequence.len()..sequence.len() + count).any(last_period) && !singles.is_empty() {
                sequence.push(Some(singles.remove(0)));
            }
        }
        sequence.extend(std::iter::repeat_n(Some(subject), count));
    }
    sequence.extend(singles.into_iter().map(Some));
    sequence
}

/// The mathematics teacher is absent on the next school day he teaches 6A1 (within three weeks),
/// and each of his lessons that day goes to the best free colleague.
async fn substitution(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    today: Date,
    now: i64,
) -> Result<(), AppError> {
    let (teacher, class): (i64, i64) = sqlx::query_as(
        "SELECT t.staff_id, t.class_id FROM teaching_assignments t JOIN subjects s ON s.id = t.subject_id
           JOIN classes c ON c.id = t.class_id
         WHERE t.school_id = $1 AND s.code = 'TOAN' AND c.name = '6A1'",
    )
    .bind(school_id)
    .fetch_one(&mut *conn)
    .await?;
    let versions = drafts::published_versions(conn, school_id).await?;
    let mut date = today + Duration::days(1);
    let found = loop {
        if date > today + Duration::days(21) {
            return Err(ErrorCode::NotFound.into());
        }
        if date.weekday() != CalendarWeekday::Sunday
            && let Some(version) = drafts::in_force(&versions, date)
        {
            let taught = drafts::lessons(conn, school_id, version.id)
                .await?
                .iter()
                .any(|l| {
                    l.teacher.0 == teacher && l.class.0 == class && l.day == Weekday::of_date(date)
                });
            if taught {
                break date;
            }
        }
        date += Duration::days(1);
    };
    days::mark_absent(conn, actor, school_id, teacher, found, now).await?;
    let plan = days::substitution_day(conn, school_id, found).await?;
    let choices: HashMap<i64, Option<i64>> = plan
        .absences
        .iter()
        .flat_map(|a| &a.lessons)
        .map(|l| (l.lesson_id, l.candidates.first().map(|c| c.staff_id)))
        .collect();
    let mut ordered: Vec<(i64, Option<i64>)> = choices.into_iter().collect();
    ordered.sort_unstable();
    for (lesson, substitute) in ordered {
        days::set_substitution(conn, actor, school_id, found, lesson, substitute, now).await?;
    }
    days::publish_substitutions(conn, actor, school_id, found, now).await?;
    tracing::debug!(date = %iso_date(found), "demo substitution");
    Ok(())
}

/// The first student of 6A1 can log in as a student (username `hs` + the student's code).
async fn student_login(conn: &mut AnyConnection, school_id: i64, now: i64) -> Result<(), AppError> {
    let student: i64 = sqlx::query_scalar(
        "SELECT e.student_id FROM class_enrollments e JOIN classes c ON c.id = e.class_id
         WHERE e.school_id = $1 AND c.name = '6A1' ORDER BY e.student_id LIMIT 1",
    )
    .bind(school_id)
    .fetch_one(&mut *conn)
    .await?;
    let issued = crate::identity::student_login::issue(conn, school_id, student, now).await?;
    crate::identity::student_login::activate(
        conn,
        &issued.username,
        &issued.activation_code,
        DEMO_STUDENT_PASSWORD,
        now,
    )
    .await?;
    Ok(())
}
