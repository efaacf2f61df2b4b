//! What is in force on a date: the week views of a class or a teacher (with the day's
//! substitutions and what changed from the previous version), the printable grid, and the
//! substitutions screen.

use std::collections::{HashMap, HashSet};

use serde_json::json;
use sqlx::{AnyConnection, Row};
use time::{Date, Duration};

use super::drafts::{in_force, insert_notice, lessons, previous_of, published_versions};
use super::model::{SchoolModel, require_current_year, school_model, staff_names};
use super::{LESSON_COLUMNS, lesson_from_row, semester_from_number};
use crate::platform::audit::{self, Actor, AuditAction, AuditEvent};
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::format::iso_date;
use crate::timetable::rules::{
    self, ClassId, Lesson, LessonId, Session, TeacherId, TimeOfDay, Timetable, Weekday,
};
use crate::timetable::views::{
    AbsenceView, AffectedView, CandidateView, DayChange, DayView, FollowedWeek, FollowedWeeks,
    GridCell, GridView, LessonView, NoticeDetail, NoticeKind, SubstitutionPlan, VersionInfo,
    WeekOf, WeekView,
};

/// A published substitution: the lesson on that date has another teacher, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Substitution {
    pub lesson: LessonId,
    pub absent: TeacherId,
    pub substitute: Option<TeacherId>,
    pub published: bool,
}

/// Substitutions between two dates (inclusive), by date.
pub async fn substitutions_between(
    conn: &mut AnyConnection,
    school_id: i64,
    from: Date,
    to: Date,
    published_only: bool,
) -> Result<HashMap<String, Vec<Substitution>>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT date, lesson_id, absent_staff_id, substitute_staff_id, published_at FROM substitutions
         WHERE school_id = $1 AND date >= $2 AND date <= $3 AND ($4 = 0 OR published_at IS NOT NULL)",
    )
    .bind(school_id)
    .bind(iso_date(from))
    .bind(iso_date(to))
    .bind(i64::from(published_only))
    .fetch_all(conn)
    .await?;
    let mut found: HashMap<String, Vec<Substitution>> = HashMap::new();
    for row in &rows {
        found
            .entry(row.try_get("date")?)
            .or_default()
            .push(Substitution {
                lesson: LessonId(row.try_get("lesson_id")?),
                absent: TeacherId(row.try_get("absent_staff_id")?),
                substitute: row
                    .try_get::<Option<i64>, _>("substitute_staff_id")?
                    .map(TeacherId),
                published: row.try_get::<Option<i64>, _>("published_at")?.is_some(),
            });
    }
    Ok(found)
}

/// Names the views need, loaded once.
struct Names {
    classes: HashMap<i64, String>,
    staff: HashMap<i64, String>,
    subjects: HashMap<i64, String>,
    rooms: HashMap<i64, String>,
    school: String,
}

impl Names {
    async fn load(conn: &mut AnyConnection, school_id: i64) -> Result<Names, sqlx::Error> {
        let pairs = |rows: Vec<sqlx::any::AnyRow>| -> Result<HashMap<i64, String>, sqlx::Error> {
            rows.iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect()
        };
        let classes = pairs(
            sqlx::query("SELECT id, name FROM classes WHERE school_id = $1")
                .bind(school_id)
                .fetch_all(&mut *conn)
                .await?,
        )?;
        let subjects = pairs(
            sqlx::query("SELECT id, name_vi FROM subjects WHERE school_id = $1")
                .bind(school_id)
                .fetch_all(&mut *conn)
                .await?,
        )?;
        let rooms = pairs(
            sqlx::query("SELECT id, name FROM rooms WHERE school_id = $1")
                .bind(school_id)
                .fetch_all(&mut *conn)
                .await?,
        )?;
        let school: String = sqlx::query_scalar("SELECT name FROM schools WHERE id = $1")
            .bind(school_id)
            .fetch_one(&mut *conn)
            .await?;
        Ok(Names {
            classes,
            staff: staff_names(conn, school_id).await?,
            subjects,
            rooms,
            school,
        })
    }

    fn class(&self, id: ClassId) -> String {
        self.classes.get(&id.0).cloned().unwrap_or_default()
    }

    fn teacher(&self, id: TeacherId) -> String {
        self.staff.get(&id.0).cloned().unwrap_or_default()
    }

    fn title(&self, of: WeekOf) -> String {
        match of {
            WeekOf::Class(id) => self.class(ClassId(id)),
            WeekOf::Teacher(id) => self.teacher(TeacherId(id)),
        }
    }
}

/// Published versions with their lessons and what each changed, loaded as needed.
struct Versions {
    list: Vec<VersionInfo>,
    lessons: HashMap<i64, Vec<Lesson>>,
    changed: HashMap<i64, HashSet<LessonId>>,
}

impl Versions {
    async fn load(conn: &mut AnyConnection, school_id: i64) -> Result<Versions, sqlx::Error> {
        Ok(Versions {
            list: published_versions(conn, school_id).await?,
            lessons: HashMap::new(),
            changed: HashMap::new(),
        })
    }

    /// The version in force on a date, or else the next one to take effect.
    fn for_date(&self, date: Date) -> Option<VersionInfo> {
        in_force(&self.list, date)
            .or_else(|| self.list.first())
            .cloned()
    }

    async fn lessons_of(
        &mut self,
        conn: &mut AnyConnection,
        school_id: i64,
        version: &VersionInfo,
    ) -> Result<(), sqlx::Error> {
        if self.lessons.contains_key(&version.id) {
            return Ok(());
        }
        let current = lessons(conn, school_id, version.id).await?;
        let previous = match previous_of(&self.list, version.id) {
            Some(previous) => lessons(conn, school_id, previous.id).await?,
            None => Vec::new(),
        };
        let changed: HashSet<LessonId> = if previous.is_empty() {
            HashSet::new()
        } else {
            let semester = rules::Semester::First;
            let diff = rules::diff(
                &Timetable {
                    semester,
                    lessons: previous,
                },
                &Timetable {
                    semester,
                    lessons: current.clone(),
                },
            );
            diff.added
                .iter()
                .map(|l| l.id)
                .chain(diff.changed.iter().map(|c| c.after.id))
                .collect()
        };
        self.changed.insert(version.id, changed);
        self.lessons.insert(version.id, current);
        Ok(())
    }
}

fn period_time(
    model_week: &rules::SchoolWeek,
    session: Session,
    period: u8,
    length: u8,
) -> (Option<TimeOfDay>, Option<TimeOfDay>) {
    let periods = &model_week.session(session).periods;
    let start = periods
        .get(usize::from(period).saturating_sub(1))
        .map(|p| p.start);
    let last = usize::from(period.saturating_add(length.saturating_sub(1))).saturating_sub(1);
    let end = periods.get(last).map(|p| p.end);
    (start, end)
}

/// The next `days` school days from `today` (today first when it is one), for a class or a
/// teacher, with the published substitutions of those dates.
pub async fn week_view(
    conn: &mut AnyConnection,
    school_id: i64,
    of: WeekOf,
    today: Date,
    days: usize,
) -> Result<WeekView, AppError> {
    let settings = super::model::settings(conn, school_id).await?;
    let names = Names::load(conn, school_id).await?;
    let mut versions = Versions::load(conn, school_id).await?;
    let mut dates = Vec::with_capacity(days);
    let mut date = today;
    while dates.len() < days && date < today + Duration::days(21) {
        if settings.week.is_school_day(Weekday::of_date(date)) {
            dates.push(date);
        }
        date += Duration::days(1);
    }
    let (first, last) = match (dates.first(), dates.last()) {
        (Some(first), Some(last)) => (*first, *last),
        _ => (today, today),
    };
    let substitutions = substitutions_between(conn, school_id, first, last, true).await?;

    let mut day_views = Vec::with_capacity(dates.len());
    for date in dates {
        let weekday = Weekday::of_date(date);
        let version = versions.for_date(date);
        let mut lesson_views = Vec::new();
        if let Some(version) = &version {
            versions.lessons_of(conn, school_id, version).await?;
            let of_day = substitutions
                .get(&iso_date(date))
                .cloned()
                .unwrap_or_default();
            let all = versions
                .lessons
                .get(&version.id)
                .cloned()
                .unwrap_or_default();
            let changed = versions
                .changed
                .get(&version.id)
                .cloned()
                .unwrap_or_default();
            let view = |lesson: &Lesson, change: Option<DayChange>| {
                let (start, end) =
                    period_time(&settings.week, lesson.session, lesson.period, lesson.length);
                LessonView {
                    lesson_id: lesson.id.0,
                    session: lesson.session,
                    period: lesson.period,
                    length: lesson.length,
                    start,
                    end,
                    subject: names
                        .subjects
                        .get(&lesson.subject.0)
                        .cloned()
                        .unwrap_or_default(),
                    teacher: names.teacher(lesson.teacher),
                    class_name: names.class(lesson.class),
                    room: lesson.room.and_then(|r| names.rooms.get(&r.0).cloned()),
                    changed: changed.contains(&lesson.id),
                    change,
                }
            };
            let change_of = |lesson: &Lesson| {
                of_day
                    .iter()
                    .find(|s| s.lesson == lesson.id)
                    .map(|s| match s.substitute {
                        Some(teacher) => DayChange::Substitute {
                            teacher: names.teacher(teacher),
                        },
                        None => DayChange::Cancelled,
                    })
            };
            for lesson in all.iter().filter(|l| l.day == weekday) {
                let mine = match of {
                    WeekOf::Class(class) => lesson.class.0 == class,
                    WeekOf::Teacher(teacher) => lesson.teacher.0 == teacher,
                };
                if mine {
                    lesson_views.push(view(lesson, change_of(lesson)));
                }
            }
            if let WeekOf::Teacher(teacher) = of {
                for substitution in of_day
                    .iter()
                    .filter(|s| s.substitute == Some(TeacherId(teacher)))
                {
                    if let Some(lesson) = all.iter().find(|l| l.id == substitution.lesson) {
                        lesson_views.push(view(
                            lesson,
                            Some(DayChange::Covering {
                                absent: names.teacher(substitution.absent),
                            }),
                        ));
                    }
                }
            }
        }
        lesson_views.sort_by_key(|l| (l.session, l.period, l.lesson_id));
        day_views.push(DayView {
            date: iso_date(date),
            day: weekday,
            version,
            lessons: lesson_views,
        });
    }
    Ok(WeekView {
        of,
        title: names.title(of),
        school_name: names.school.clone(),
        today: iso_date(today),
        days: day_views,
    })
}

/// The week of the version in force on `date` (or the next one) as one table, for printing.
pub async fn grid_view(
    conn: &mut AnyConnection,
    school_id: i64,
    of: WeekOf,
    date: Date,
) -> Result<GridView, AppError> {
    let settings = super::model::settings(conn, school_id).await?;
    let names = Names::load(conn, school_id).await?;
    let versions = Versions::load(conn, school_id).await?;
    let version = versions.for_date(date);
    let mut cells = Vec::new();
    let mut sessions: Vec<Session> = match of {
        WeekOf::Class(class) => {
            let code: Option<String> =
                sqlx::query_scalar("SELECT session FROM classes WHERE id = $1 AND school_id = $2")
                    .bind(class)
                    .bind(school_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            match code.as_deref() {
                Some("afternoon") => vec![Session::Afternoon],
                Some("full_day") => vec![Session::Morning, Session::Afternoon],
                _ => vec![Session::Morning],
            }
        }
        WeekOf::Teacher(_) => Vec::new(),
    };
    if let Some(version) = &version {
        for lesson in lessons(conn, school_id, version.id).await? {
            let (mine, other) = match of {
                WeekOf::Class(class) => (lesson.class.0 == class, names.teacher(lesson.teacher)),
                WeekOf::Teacher(teacher) => {
                    (lesson.teacher.0 == teacher, names.class(lesson.class))
                }
            };
            if !mine {
                continue;
            }
            if !sessions.contains(&lesson.session) {
                sessions.push(lesson.session);
            }
            cells.push(GridCell {
                day: lesson.day,
                session: lesson.session,
                period: lesson.period,
                length: lesson.length,
                subject: names
                    .subjects
                    .get(&lesson.subject.0)
                    .cloned()
                    .unwrap_or_default(),
                other,
                room: lesson.room.and_then(|r| names.rooms.get(&r.0).cloned()),
            });
        }
    }
    sessions.sort();
    if sessions.is_empty() {
        sessions.push(Session::Morning);
    }
    Ok(GridView {
        of,
        title: names.title(of),
        school_name: names.school.clone(),
        version,
        week: settings.week,
        sessions,
        cells,
    })
}

/// A version and its lessons with the dates they run, for calendar feeds.
pub struct FeedVersion {
    pub version: VersionInfo,
    /// The first and last date the version is in force (within its semester).
    pub from: Date,
    pub until: Date,
    pub lessons: Vec<Lesson>,
}

/// Everything a calendar feed of a class or teacher holds: each published version of the current
/// year with its dates, and the published substitutions of the year.
pub struct FeedData {
    pub title: String,
    pub school_name: String,
    pub week: rules::SchoolWeek,
    pub versions: Vec<FeedVersion>,
    pub substitutions: HashMap<String, Vec<Substitution>>,
    pub names: FeedNames,
}

/// Names of what lessons refer to.
pub struct FeedNames {
    pub classes: HashMap<i64, String>,
    pub staff: HashMap<i64, String>,
    pub subjects: HashMap<i64, String>,
    pub rooms: HashMap<i64, String>,
}

pub async fn feed_data(
    conn: &mut AnyConnection,
    school_id: i64,
    of: WeekOf,
) -> Result<FeedData, AppError> {
    let year = require_current_year(conn, school_id).await?;
    let settings = super::model::settings(conn, school_id).await?;
    let names = Names::load(conn, school_id).await?;
    let list = published_versions(conn, school_id).await?;
    let semester_rows = sqlx::query(
        "SELECT t.id, t.semester FROM timetables t WHERE t.school_id = $1 AND t.status = 'published'",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut semesters = HashMap::new();
    for row in &semester_rows {
        semesters.insert(
            row.try_get::<i64, _>("id")?,
            row.try_get::<i64, _>("semester")?,
        );
    }
    let mut versions = Vec::new();
    for (index, version) in list.iter().enumerate() {
        let Some(effective) = crate::platform::format::parse_iso_date(&version.effective_from)
        else {
            continue;
        };
        let semester = semesters.get(&version.id).copied().unwrap_or(1);
        let Some((starts, ends)) = year.semester_dates(semester) else {
            continue;
        };
        let next = list
            .get(index + 1)
            .and_then(|n| crate::platform::format::parse_iso_date(&n.effective_from));
        let from = effective.max(starts);
        let until = match next {
            Some(next) => (next - Duration::days(1)).min(ends),
            None => ends,
        };
        if until < from {
            continue;
        }
        let mut of_target: Vec<Lesson> = lessons(conn, school_id, version.id)
            .await?
            .into_iter()
            .filter(|l| match of {
                WeekOf::Class(class) => l.class.0 == class,
                WeekOf::Teacher(teacher) => l.teacher.0 == teacher,
            })
            .collect();
        // A teacher's feed also needs the lessons they cover for others.
        if let WeekOf::Teacher(_) = of {
            of_target.extend(
                lessons(conn, school_id, version.id)
                    .await?
                    .into_iter()
                    .filter(|l| match of {
                        WeekOf::Teacher(teacher) => l.teacher.0 != teacher,
                        WeekOf::Class(_) => false,
                    }),
            );
        }
        versions.push(FeedVersion {
            version: version.clone(),
            from,
            until,
            lessons: of_target,
        });
    }
    let substitutions =
        substitutions_between(conn, school_id, year.starts_on, year.ends_on, true).await?;
    Ok(FeedData {
        title: names.title(of),
        school_name: names.school.clone(),
        week: settings.week,
        versions,
        substitutions,
        names: FeedNames {
            classes: names.classes,
            staff: names.staff,
            subjects: names.subjects,
            rooms: names.rooms,
        },
    })
}

/// The absent teachers of a date, their lessons, and who could take each one.
pub async fn substitution_day(
    conn: &mut AnyConnection,
    school_id: i64,
    date: Date,
) -> Result<SubstitutionPlan, AppError> {
    let year = require_current_year(conn, school_id).await?;
    let model = school_model(conn, school_id, &year).await?;
    let versions = published_versions(conn, school_id).await?;
    let version = in_force(&versions, date).cloned();
    let absent: Vec<i64> = sqlx::query_scalar(
        "SELECT staff_id FROM teacher_absences WHERE school_id = $1 AND date = $2 ORDER BY id",
    )
    .bind(school_id)
    .bind(iso_date(date))
    .fetch_all(&mut *conn)
    .await?;
    let chosen = substitutions_between(conn, school_id, date, date, false)
        .await?
        .remove(&iso_date(date))
        .unwrap_or_default();
    let mut absences = Vec::new();
    if let Some(version) = &version {
        let timetable = Timetable {
            semester: rules::Semester::First,
            lessons: lessons(conn, school_id, version.id).await?,
        };
        let affected =
            affected_lessons(&model, &timetable, &absent, &chosen, Weekday::of_date(date));
        for staff_id in &absent {
            absences.push(AbsenceView {
                staff_id: *staff_id,
                name: model.teacher_name(TeacherId(*staff_id)),
                lessons: affected
                    .iter()
                    .filter(|(teacher, _)| *teacher == *staff_id)
                    .map(|(_, view)| view.clone())
                    .collect(),
            });
        }
    } else {
        for staff_id in &absent {
            absences.push(AbsenceView {
                staff_id: *staff_id,
                name: model.teacher_name(TeacherId(*staff_id)),
                lessons: Vec::new(),
            });
        }
    }
    Ok(SubstitutionPlan {
        school_id,
        date: iso_date(date),
        version,
        absences,
        teachers: model
            .school
            .teachers
            .iter()
            .map(|t| (t.id.0, t.name.clone()))
            .collect(),
        unpublished: chosen.iter().filter(|s| !s.published).count(),
    })
}

/// The absent teachers' lessons that day with free colleagues, best first. Teachers already
/// covering a lesson at that time, and absent ones, are not free.
fn affected_lessons(
    model: &SchoolModel,
    timetable: &Timetable,
    absent: &[i64],
    chosen: &[Substitution],
    day: Weekday,
) -> Vec<(i64, AffectedView)> {
    // Covering makes a teacher busy: add the covered lessons under the substitute's name.
    let mut busy = timetable.clone();
    for substitution in chosen {
        if let (Some(substitute), Some(lesson)) = (
            substitution.substitute,
            timetable
                .lessons
                .iter()
                .find(|l| l.id == substitution.lesson),
        ) {
            busy.lessons.push(Lesson {
                id: LessonId(-lesson.id.0),
                teacher: substitute,
                ..*lesson
            });
        }
    }
    let mut found = Vec::new();
    for staff_id in absent {
        for affected in rules::substitutes(&model.school, &busy, TeacherId(*staff_id), day) {
            if affected.lesson.id.0 < 0 {
                continue;
            }
            let choice = chosen.iter().find(|s| s.lesson == affected.lesson.id);
            found.push((
                *staff_id,
                AffectedView {
                    lesson_id: affected.lesson.id.0,
                    class_name: model.class_name(affected.lesson.class),
                    subject: model.subject_name(affected.lesson.subject),
                    session: affected.lesson.session,
                    period: affected.lesson.period,
                    length: affected.lesson.length,
                    candidates: affected
                        .candidates
                        .iter()
                        .filter(|c| !absent.contains(&c.teacher.0))
                        .map(|c| CandidateView {
                            staff_id: c.teacher.0,
                            name: model.teacher_name(c.teacher),
                            same_subject: c.same_subject,
                            at_school_that_session: c.at_school_that_session,
                            periods_that_day: c.periods_that_day,
                        })
                        .collect(),
                    chosen: choice.map(|s| s.substitute.map(|t| t.0)),
                    published: choice.is_some_and(|s| s.published),
                },
            ));
        }
    }
    found
}

pub async fn mark_absent(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    staff_id: i64,
    date: Date,
    now: i64,
) -> Result<(), AppError> {
    let is_staff: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM staff WHERE id = $1 AND school_id = $2")
            .bind(staff_id)
            .bind(school_id)
            .fetch_one(&mut *conn)
            .await?;
    if is_staff == 0 {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "staff_id"));
    }
    sqlx::query(
        "INSERT INTO teacher_absences (school_id, staff_id, date, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (staff_id, date) DO NOTHING",
    )
    .bind(school_id)
    .bind(staff_id)
    .bind(iso_date(date))
    .bind(actor.id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Create,
            entity: "teacher_absence",
            entity_id: Some(staff_id),
            reason: None,
            detail: json!({ "date": iso_date(date) }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// The teacher is not absent after all: the absence and its substitutions go.
pub async fn clear_absence(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    staff_id: i64,
    date: Date,
    now: i64,
) -> Result<(), AppError> {
    let day = iso_date(date);
    sqlx::query(
        "DELETE FROM substitutions WHERE school_id = $1 AND absent_staff_id = $2 AND date = $3",
    )
    .bind(school_id)
    .bind(staff_id)
    .bind(&day)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM teacher_absences WHERE school_id = $1 AND staff_id = $2 AND date = $3",
    )
    .bind(school_id)
    .bind(staff_id)
    .bind(&day)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Archive,
            entity: "teacher_absence",
            entity_id: Some(staff_id),
            reason: None,
            detail: json!({ "date": day }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// Chooses who takes an absent teacher's lesson on a date (`None`: the lesson is not held). The
/// substitute must be free then, by the same rules as the suggestions.
pub async fn set_substitution(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    date: Date,
    lesson_id: i64,
    substitute: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    let day = substitution_day(conn, school_id, date).await?;
    let Some((absence, affected)) = day.absences.iter().find_map(|a| {
        a.lessons
            .iter()
            .find(|l| l.lesson_id == lesson_id)
            .map(|l| (a, l))
    }) else {
        return Err(AppError::for_field(ErrorCode::NotFound, "lesson_id"));
    };
    if let Some(substitute) = substitute {
        let free = affected.candidates.iter().any(|c| c.staff_id == substitute)
            || affected.chosen == Some(Some(substitute));
        if !free {
            return Err(AppError::for_field(
                ErrorCode::SubstituteNotFree,
                "substitute",
            ));
        }
    }
    sqlx::query(
        "INSERT INTO substitutions (school_id, date, lesson_id, absent_staff_id, substitute_staff_id, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (lesson_id, date) DO UPDATE SET substitute_staff_id = excluded.substitute_staff_id,
           created_by = excluded.created_by, created_at = excluded.created_at, published_at = NULL",
    )
    .bind(school_id)
    .bind(iso_date(date))
    .bind(lesson_id)
    .bind(absence.staff_id)
    .bind(substitute)
    .bind(actor.id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Shows the day's chosen substitutions to families and teachers (on top of the timetable, no
/// new version), with a notice to each affected class's families and to the teachers.
pub async fn publish_substitutions(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    date: Date,
    now: i64,
) -> Result<usize, AppError> {
    let day = iso_date(date);
    let rows = sqlx::query(&format!(
        "SELECT s.absent_staff_id, s.substitute_staff_id, l.{} FROM substitutions s
         JOIN timetable_lessons l ON l.id = s.lesson_id
         WHERE s.school_id = $1 AND s.date = $2 AND s.published_at IS NULL",
        LESSON_COLUMNS.replace(", ", ", l.")
    ))
    .bind(school_id)
    .bind(&day)
    .fetch_all(&mut *conn)
    .await?;
    let mut classes: HashMap<ClassId, u32> = HashMap::new();
    let mut teachers: HashMap<i64, u32> = HashMap::new();
    for row in &rows {
        let lesson = lesson_from_row(row)?;
        *classes.entry(lesson.class).or_default() += 1;
        *teachers.entry(row.try_get("absent_staff_id")?).or_default() += 1;
        if let Some(substitute) = row.try_get::<Option<i64>, _>("substitute_staff_id")? {
            *teachers.entry(substitute).or_default() += 1;
        }
    }
    sqlx::query(
        "UPDATE substitutions SET published_at = $1 WHERE school_id = $2 AND date = $3 AND published_at IS NULL",
    )
    .bind(now)
    .bind(school_id)
    .bind(&day)
    .execute(&mut *conn)
    .await?;
    let class_names: HashMap<i64, String> = {
        let rows = sqlx::query("SELECT id, name FROM classes WHERE school_id = $1")
            .bind(school_id)
            .fetch_all(&mut *conn)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()?
    };
    let mut class_list: Vec<(ClassId, u32)> = classes.into_iter().collect();
    class_list.sort();
    for (class, count) in class_list {
        let detail = NoticeDetail {
            date: Some(day.clone()),
            class_name: class_names.get(&class.0).cloned(),
            changes: count,
        };
        let recipients = super::drafts::families_of_class(conn, school_id, class.0).await?;
        for recipient in recipients {
            let link = match recipient.kind {
                "guardian" => format!("/timetable/class/{}", class.0),
                _ => "/timetable/me".to_string(),
            };
            insert_notice(
                conn,
                school_id,
                recipient,
                NoticeKind::Substitution,
                &detail,
                Some(&link),
                now,
            )
            .await?;
        }
    }
    let mut teacher_list: Vec<(i64, u32)> = teachers.into_iter().collect();
    teacher_list.sort();
    for (teacher, count) in teacher_list {
        let detail = NoticeDetail {
            date: Some(day.clone()),
            class_name: None,
            changes: count,
        };
        insert_notice(
            conn,
            school_id,
            super::drafts::NoticeTo::staff(teacher),
            NoticeKind::Substitution,
            &detail,
            Some("/timetable/me"),
            now,
        )
        .await?;
    }
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Update,
            entity: "substitutions",
            entity_id: None,
            reason: None,
            detail: json!({ "date": day, "published": rows.len() }),
        },
        now,
    )
    .await?;
    Ok(rows.len())
}

/// The school's semester a date falls in (for the editor's new drafts).
pub async fn semester_on(
    conn: &mut AnyConnection,
    school_id: i64,
    date: Date,
) -> Result<rules::Semester, AppError> {
    let year = require_current_year(conn, school_id).await?;
    Ok(semester_from_number(year.semester_on(date)))
}

/// The weeks a persona follows (see [`FollowedWeeks`]).
pub async fn my_timetables(
    conn: &mut AnyConnection,
    grant: &crate::identity::authz::Grant,
) -> Result<FollowedWeeks, AppError> {
    use crate::identity::authz::ActivePersona;
    use crate::people::StaffRole;
    let class_week =
        |row: &sqlx::any::AnyRow, child: Option<String>| -> Result<FollowedWeek, sqlx::Error> {
            Ok(FollowedWeek {
                of: WeekOf::Class(row.try_get("class_id")?),
                title: row.try_get("class_name")?,
                child,
            })
        };
    match &grant.persona {
        Some(ActivePersona::Staff {
            school_id,
            staff_id,
            roles,
        }) => {
            let rows = sqlx::query(
                "SELECT DISTINCT c.id AS class_id, c.name AS class_name, c.grade FROM teaching_assignments t
                   JOIN classes c ON c.id = t.class_id
                   JOIN school_years y ON y.id = c.school_year_id AND y.is_current = 1
                 WHERE t.school_id = $1 AND t.staff_id = $2 ORDER BY c.grade, c.name",
            )
            .bind(*school_id)
            .bind(*staff_id)
            .fetch_all(&mut *conn)
            .await?;
            let names = staff_names(conn, *school_id).await?;
            Ok(FollowedWeeks {
                school_id: *school_id,
                own: Some(FollowedWeek {
                    of: WeekOf::Teacher(*staff_id),
                    title: names.get(staff_id).cloned().unwrap_or_default(),
                    child: None,
                }),
                others: rows
                    .iter()
                    .map(|row| class_week(row, None))
                    .collect::<Result<_, _>>()?,
                can_edit: roles
                    .iter()
                    .any(|r| matches!(r, StaffRole::Timetabler | StaffRole::SchoolAdmin)),
            })
        }
        Some(ActivePersona::Student {
            school_id,
            student_id,
        }) => {
            let row = sqlx::query(
                "SELECT c.id AS class_id, c.name AS class_name FROM class_enrollments e
                   JOIN classes c ON c.id = e.class_id
                   JOIN school_years y ON y.id = c.school_year_id AND y.is_current = 1
                 WHERE e.school_id = $1 AND e.student_id = $2 AND e.left_on IS NULL",
            )
            .bind(*school_id)
            .bind(*student_id)
            .fetch_optional(&mut *conn)
            .await?;
            Ok(FollowedWeeks {
                school_id: *school_id,
                own: row.as_ref().map(|r| class_week(r, None)).transpose()?,
                others: Vec::new(),
                can_edit: false,
            })
        }
        Some(ActivePersona::Guardian {
            school_id,
            guardian_id,
        }) => {
            let rows = sqlx::query(
                "SELECT c.id AS class_id, c.name AS class_name, s.family_name, s.middle_name, s.given_name
                 FROM guardian_links l JOIN students s ON s.id = l.student_id JOIN schools sc ON sc.id = l.school_id
                   JOIN class_enrollments e ON e.student_id = s.id AND e.left_on IS NULL
                   JOIN classes c ON c.id = e.class_id
                   JOIN school_years y ON y.id = c.school_year_id AND y.is_current = 1
                 WHERE l.school_id = $1 AND l.guardian_id = $2
                   AND (l.status = 'verified' OR (sc.guardian_access = 'linked' AND l.status IN ('unverified', 'pending')))
                 ORDER BY s.date_of_birth",
            )
            .bind(*school_id)
            .bind(*guardian_id)
            .fetch_all(&mut *conn)
            .await?;
            let mut others = Vec::with_capacity(rows.len());
            for row in &rows {
                others.push(class_week(row, Some(super::model::staff_name(row)?))?);
            }
            audit::record(
                conn,
                &grant.actor,
                AuditEvent {
                    school_id: Some(*school_id),
                    action: AuditAction::Read,
                    entity: "guardian_timetables",
                    entity_id: Some(*guardian_id),
                    reason: None,
                    detail: json!({ "children": others.len() }),
                },
                grant.now(),
            )
            .await?;
            Ok(FollowedWeeks {
                school_id: *school_id,
                own: None,
                others,
                can_edit: false,
            })
        }
        _ => Err(ErrorCode::Forbidden.into()),
    }
}
