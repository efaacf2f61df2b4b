//! The school week's settings and what the rules need to know about the school: classes and
//! their sessions, teachers with their subjects and unavailable periods, booked rooms, subjects,
//! and each class × subject's weekly count (the curriculum's periods per year spread over the
//! semesters' weeks, unless the school set another count).

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};
use time::Date;

use crate::people::FullName;
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::format::parse_iso_date;
use crate::timetable::rules::{
    ClassId, ClassInfo, PeriodsPerWeek, Requirement, RoomId, RoomInfo, School, SchoolWeek, Session,
    SubjectId, SubjectInfo, TeacherId, TeacherInfo, TimetableSettings, Unavailable,
};
use crate::timetable::views::{
    Assignment, ClassSetting, RequirementView, UnavailabilityView, day_code, day_from_code,
    session_code, session_from_code,
};

/// The current school year of a school and its semesters' dates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchoolYear {
    pub id: i64,
    pub starts_on: Date,
    pub ends_on: Date,
    /// (number, first day, last day), in order.
    pub semesters: Vec<(i64, Date, Date)>,
}

impl SchoolYear {
    /// The semester a date falls in; before the first, the first; after the last, the last.
    pub fn semester_on(&self, date: Date) -> i64 {
        self.semesters
            .iter()
            .rev()
            .find(|(_, starts, _)| *starts <= date)
            .or(self.semesters.first())
            .map_or(1, |(number, _, _)| *number)
    }

    pub fn semester_dates(&self, number: i64) -> Option<(Date, Date)> {
        self.semesters
            .iter()
            .find(|(n, _, _)| *n == number)
            .map(|(_, starts, ends)| (*starts, *ends))
    }
}

fn date_column(row: &sqlx::any::AnyRow, column: &str) -> Result<Date, sqlx::Error> {
    let text: String = row.try_get(column)?;
    parse_iso_date(&text).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: "not an ISO date".into(),
    })
}

pub async fn current_year(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Option<SchoolYear>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT id, starts_on, ends_on FROM school_years WHERE school_id = $1 AND is_current = 1
         ORDER BY starts_on DESC LIMIT 1",
    )
    .bind(school_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let id: i64 = row.try_get("id")?;
    let rows = sqlx::query(
        "SELECT number, starts_on, ends_on FROM semesters WHERE school_id = $1 AND school_year_id = $2
         ORDER BY number",
    )
    .bind(school_id)
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut semesters = Vec::new();
    for row in &rows {
        semesters.push((
            row.try_get("number")?,
            date_column(row, "starts_on")?,
            date_column(row, "ends_on")?,
        ));
    }
    Ok(Some(SchoolYear {
        id,
        starts_on: date_column(&row, "starts_on")?,
        ends_on: date_column(&row, "ends_on")?,
        semesters,
    }))
}

/// The current year, or the error screens show when the school has none.
pub async fn require_current_year(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<SchoolYear, AppError> {
    current_year(conn, school_id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::TimetableNoSchoolYear))
}

/// The week and rule thresholds of a school, with the semesters' lengths in weeks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSettings {
    pub week: SchoolWeek,
    pub rules: TimetableSettings,
    pub first_semester_weeks: u16,
    pub second_semester_weeks: u16,
}

async fn subjects(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Vec<SubjectInfo>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name_vi FROM subjects WHERE school_id = $1 ORDER BY sort_order, id",
    )
    .bind(school_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(SubjectInfo {
                id: SubjectId(row.try_get("id")?),
                name: row.try_get("name_vi")?,
            })
        })
        .collect()
}

/// The stored settings, or the defaults (the reference's week; Toán, Ngữ văn and KHTN heavy).
pub async fn settings(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<StoredSettings, AppError> {
    let row = sqlx::query(
        "SELECT week, rules, first_semester_weeks, second_semester_weeks FROM timetable_settings
         WHERE school_id = $1",
    )
    .bind(school_id)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => {
            let week: String = row.try_get("week")?;
            let rules: String = row.try_get("rules")?;
            let weeks = |column: &str| -> Result<u16, sqlx::Error> {
                Ok(u16::try_from(row.try_get::<i64, _>(column)?).unwrap_or(18))
            };
            Ok(StoredSettings {
                week: serde_json::from_str(&week).unwrap_or_default(),
                rules: serde_json::from_str(&rules).unwrap_or_default(),
                first_semester_weeks: weeks("first_semester_weeks")?,
                second_semester_weeks: weeks("second_semester_weeks")?,
            })
        }
        None => Ok(StoredSettings {
            week: SchoolWeek::default(),
            rules: TimetableSettings::heavy_subjects_by_name(&subjects(conn, school_id).await?),
            first_semester_weeks: 18,
            second_semester_weeks: 17,
        }),
    }
}

pub async fn save_settings(
    conn: &mut AnyConnection,
    school_id: i64,
    settings: &StoredSettings,
    now: i64,
) -> Result<(), AppError> {
    let week = serde_json::to_string(&settings.week).map_err(|_| ErrorCode::Internal)?;
    let rules = serde_json::to_string(&settings.rules).map_err(|_| ErrorCode::Internal)?;
    sqlx::query(
        "INSERT INTO timetable_settings (school_id, week, rules, first_semester_weeks, second_semester_weeks, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (school_id) DO UPDATE SET week = excluded.week, rules = excluded.rules,
           first_semester_weeks = excluded.first_semester_weeks,
           second_semester_weeks = excluded.second_semester_weeks, updated_at = excluded.updated_at",
    )
    .bind(school_id)
    .bind(week)
    .bind(rules)
    .bind(i64::from(settings.first_semester_weeks))
    .bind(i64::from(settings.second_semester_weeks))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

fn class_sessions(code: &str) -> Vec<Session> {
    match code {
        "afternoon" => vec![Session::Afternoon],
        "full_day" => vec![Session::Morning, Session::Afternoon],
        _ => vec![Session::Morning],
    }
}

/// The school as the rules see it in one semester, with who teaches what.
#[derive(Clone, Debug, PartialEq)]
pub struct SchoolModel {
    pub school: School,
    pub settings: StoredSettings,
    pub assignments: Vec<Assignment>,
    /// Every requirement with its default and names, for the settings screen.
    pub requirements: Vec<RequirementView>,
    pub class_settings: Vec<ClassSetting>,
}

impl SchoolModel {
    pub fn class_name(&self, id: ClassId) -> String {
        self.school
            .classes
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone())
            .unwrap_or_default()
    }

    pub fn teacher_name(&self, id: TeacherId) -> String {
        self.school
            .teachers
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.name.clone())
            .unwrap_or_default()
    }

    pub fn subject_name(&self, id: SubjectId) -> String {
        self.school
            .subjects
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    }

    pub fn room_name(&self, id: RoomId) -> String {
        self.school
            .rooms
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.name.clone())
            .unwrap_or_default()
    }
}

pub fn staff_name(row: &sqlx::any::AnyRow) -> Result<String, sqlx::Error> {
    Ok(FullName {
        family: row.try_get("family_name")?,
        middle: row.try_get("middle_name")?,
        given: row.try_get("given_name")?,
    }
    .full())
}

/// Names of every staff member of the school (teachers and others), by id.
pub async fn staff_names(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<HashMap<i64, String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, family_name, middle_name, given_name FROM staff WHERE school_id = $1",
    )
    .bind(school_id)
    .fetch_all(conn)
    .await?;
    let mut names = HashMap::with_capacity(rows.len());
    for row in &rows {
        names.insert(row.try_get("id")?, staff_name(row)?);
    }
    Ok(names)
}

pub async fn rooms(conn: &mut AnyConnection, school_id: i64) -> Result<Vec<RoomInfo>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, name FROM rooms WHERE school_id = $1 ORDER BY name, id")
        .bind(school_id)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(RoomInfo {
                id: RoomId(row.try_get("id")?),
                name: row.try_get("name")?,
            })
        })
        .collect()
}

/// The school model of the current year (requirements hold both semesters' counts).
pub async fn school_model(
    conn: &mut AnyConnection,
    school_id: i64,
    year: &SchoolYear,
) -> Result<SchoolModel, AppError> {
    let settings = settings(conn, school_id).await?;

    let rows = sqlx::query(
        "SELECT id, name, grade, session FROM classes WHERE school_id = $1 AND school_year_id = $2
         ORDER BY grade, name",
    )
    .bind(school_id)
    .bind(year.id)
    .fetch_all(&mut *conn)
    .await?;
    let mut classes = Vec::with_capacity(rows.len());
    let mut class_settings = Vec::with_capacity(rows.len());
    let mut grades: HashMap<ClassId, i64> = HashMap::new();
    for row in &rows {
        let id = ClassId(row.try_get("id")?);
        let name: String = row.try_get("name")?;
        let session: String = row.try_get("session")?;
        let grade: i64 = row.try_get("grade")?;
        grades.insert(id, grade);
        classes.push(ClassInfo {
            id,
            name: name.clone(),
            sessions: class_sessions(&session),
            extra_sessions: Vec::new(),
        });
        class_settings.push(ClassSetting {
            id: id.0,
            name,
            grade,
            session,
        });
    }

    let subjects = subjects(conn, school_id).await?;
    let rooms = rooms(conn, school_id).await?;

    // Teachers: staff who teach (by role or by an assignment this year), not those who left.
    let rows = sqlx::query(
        "SELECT s.id, s.family_name, s.middle_name, s.given_name FROM staff s
         WHERE s.school_id = $1 AND s.status <> 'left'
           AND (EXISTS (SELECT 1 FROM staff_roles r WHERE r.staff_id = s.id AND r.role = 'teacher')
                OR EXISTS (SELECT 1 FROM teaching_assignments t WHERE t.staff_id = s.id AND t.school_year_id = $2))
         ORDER BY s.id",
    )
    .bind(school_id)
    .bind(year.id)
    .fetch_all(&mut *conn)
    .await?;
    let mut teachers: Vec<TeacherInfo> = Vec::with_capacity(rows.len());
    for row in &rows {
        teachers.push(TeacherInfo {
            id: TeacherId(row.try_get("id")?),
            name: staff_name(row)?,
            subjects: Vec::new(),
            unavailable: Vec::new(),
            max_periods_per_day: None,
        });
    }
    for view in unavailability(conn, school_id).await? {
        if let Some(teacher) = teachers.iter_mut().find(|t| t.id.0 == view.staff_id) {
            teacher.unavailable.push(view.rule);
        }
    }

    // Requirements: every subject assignment, the curriculum's count unless overridden.
    let rows = sqlx::query(
        "SELECT t.class_id, t.subject_id, t.staff_id, c.grade, sg.periods_per_year,
                r.first_semester, r.second_semester, r.double_periods, r.room_id
         FROM teaching_assignments t
         JOIN classes c ON c.id = t.class_id
         LEFT JOIN subject_grades sg ON sg.subject_id = t.subject_id AND sg.grade = c.grade AND sg.school_id = t.school_id
         LEFT JOIN timetable_requirements r ON r.class_id = t.class_id AND r.subject_id = t.subject_id AND r.school_id = t.school_id
         WHERE t.school_id = $1 AND t.school_year_id = $2 AND t.kind = 'subject'
         ORDER BY c.grade, c.name, t.subject_id",
    )
    .bind(school_id)
    .bind(year.id)
    .fetch_all(&mut *conn)
    .await?;
    let count = |value: Option<i64>| value.and_then(|v| u8::try_from(v).ok());
    let mut requirements = Vec::with_capacity(rows.len());
    let mut views = Vec::with_capacity(rows.len());
    let mut assignments = Vec::with_capacity(rows.len());
    for row in &rows {
        let class = ClassId(row.try_get("class_id")?);
        let subject = SubjectId(row.try_get("subject_id")?);
        let teacher = TeacherId(row.try_get("staff_id")?);
        let per_year: Option<i64> = row.try_get("periods_per_year")?;
        let default = PeriodsPerWeek::from_year(
            u16::try_from(per_year.unwrap_or(0)).unwrap_or(0),
            settings.first_semester_weeks,
            settings.second_semester_weeks,
        );
        let periods = PeriodsPerWeek {
            first_semester: count(row.try_get("first_semester")?).unwrap_or(default.first_semester),
            second_semester: count(row.try_get("second_semester")?)
                .unwrap_or(default.second_semester),
        };
        let double_periods = count(row.try_get("double_periods")?).unwrap_or(0);
        let room = row.try_get::<Option<i64>, _>("room_id")?.map(RoomId);
        if let Some(teacher_info) = teachers.iter_mut().find(|t| t.id == teacher)
            && !teacher_info.subjects.contains(&subject)
        {
            teacher_info.subjects.push(subject);
        }
        requirements.push(Requirement {
            class,
            subject,
            periods,
            double_periods,
        });
        assignments.push(Assignment {
            class,
            subject,
            teacher,
            room,
        });
        views.push(RequirementView {
            class_id: class.0,
            class_name: classes
                .iter()
                .find(|c| c.id == class)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            subject_id: subject.0,
            subject_name: subjects
                .iter()
                .find(|s| s.id == subject)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            teacher_name: teachers
                .iter()
                .find(|t| t.id == teacher)
                .map(|t| t.name.clone())
                .unwrap_or_default(),
            default,
            periods,
            double_periods,
            room,
        });
    }
    Ok(SchoolModel {
        school: School {
            week: settings.week.clone(),
            classes,
            teachers,
            rooms,
            subjects,
            requirements,
        },
        settings,
        assignments,
        requirements: views,
        class_settings,
    })
}

pub async fn unavailability(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Vec<UnavailabilityView>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.staff_id, u.day, u.session, u.period, s.family_name, s.middle_name, s.given_name
         FROM teacher_unavailability u JOIN staff s ON s.id = u.staff_id
         WHERE u.school_id = $1 ORDER BY u.staff_id, u.id",
    )
    .bind(school_id)
    .fetch_all(conn)
    .await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in &rows {
        let day: String = row.try_get("day")?;
        let session: Option<String> = row.try_get("session")?;
        let Some(day) = day_from_code(&day) else {
            continue;
        };
        views.push(UnavailabilityView {
            id: row.try_get("id")?,
            staff_id: row.try_get("staff_id")?,
            teacher_name: staff_name(row)?,
            rule: Unavailable {
                day,
                session: session.as_deref().and_then(session_from_code),
                period: row
                    .try_get::<Option<i64>, _>("period")?
                    .and_then(|p| u8::try_from(p).ok()),
            },
        });
    }
    Ok(views)
}

pub async fn add_unavailability(
    conn: &mut AnyConnection,
    school_id: i64,
    staff_id: i64,
    rule: Unavailable,
) -> Result<i64, AppError> {
    let is_staff: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM staff WHERE id = $1 AND school_id = $2")
            .bind(staff_id)
            .bind(school_id)
            .fetch_one(&mut *conn)
            .await?;
    if is_staff == 0 || (rule.period.is_some() && rule.session.is_none()) {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "staff_id"));
    }
    let row = sqlx::query(
        "INSERT INTO teacher_unavailability (school_id, staff_id, day, session, period)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(school_id)
    .bind(staff_id)
    .bind(day_code(rule.day))
    .bind(rule.session.map(session_code))
    .bind(rule.period.map(i64::from))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}

pub async fn remove_unavailability(
    conn: &mut AnyConnection,
    school_id: i64,
    id: i64,
) -> Result<(), AppError> {
    let done = sqlx::query("DELETE FROM teacher_unavailability WHERE id = $1 AND school_id = $2")
        .bind(id)
        .bind(school_id)
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ErrorCode::NotFound.into());
    }
    Ok(())
}

pub async fn add_room(
    conn: &mut AnyConnection,
    school_id: i64,
    name: &str,
) -> Result<i64, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "name"));
    }
    let row = sqlx::query("INSERT INTO rooms (school_id, name) VALUES ($1, $2) RETURNING id")
        .bind(school_id)
        .bind(name)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get(0)?)
}

/// A class's session: `morning`, `afternoon` or `full_day`.
pub async fn set_class_session(
    conn: &mut AnyConnection,
    school_id: i64,
    class_id: i64,
    session: &str,
) -> Result<(), AppError> {
    if !matches!(session, "morning" | "afternoon" | "full_day") {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "session"));
    }
    let done = sqlx::query("UPDATE classes SET session = $1 WHERE id = $2 AND school_id = $3")
        .bind(session)
        .bind(class_id)
        .bind(school_id)
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ErrorCode::NotFound.into());
    }
    Ok(())
}

/// A class × subject's count per semester (`None`: the curriculum default), doubles and room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequirementChange {
    pub class_id: i64,
    pub subject_id: i64,
    pub first_semester: Option<u8>,
    pub second_semester: Option<u8>,
    pub double_periods: u8,
    pub room_id: Option<i64>,
}

pub async fn save_requirement(
    conn: &mut AnyConnection,
    school_id: i64,
    change: &RequirementChange,
) -> Result<(), AppError> {
    let owned: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM classes WHERE id = $1 AND school_id = $3)
              + (SELECT COUNT(*) FROM subjects WHERE id = $2 AND school_id = $3)",
    )
    .bind(change.class_id)
    .bind(change.subject_id)
    .bind(school_id)
    .fetch_one(&mut *conn)
    .await?;
    let room_ok = match change.room_id {
        None => true,
        Some(room) => {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM rooms WHERE id = $1 AND school_id = $2",
            )
            .bind(room)
            .bind(school_id)
            .fetch_one(&mut *conn)
            .await?
                > 0
        }
    };
    let in_range = |v: Option<u8>| v.is_none_or(|v| v <= 20);
    if owned != 2
        || !room_ok
        || !in_range(change.first_semester)
        || !in_range(change.second_semester)
        || change.double_periods > 10
    {
        return Err(ErrorCode::InvalidInput.into());
    }
    sqlx::query(
        "INSERT INTO timetable_requirements (school_id, class_id, subject_id, first_semester, second_semester, double_periods, room_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (class_id, subject_id) DO UPDATE SET first_semester = excluded.first_semester,
           second_semester = excluded.second_semester, double_periods = excluded.double_periods,
           room_id = excluded.room_id",
    )
    .bind(school_id)
    .bind(change.class_id)
    .bind(change.subject_id)
    .bind(change.first_semester.map(i64::from))
    .bind(change.second_semester.map(i64::from))
    .bind(i64::from(change.double_periods))
    .bind(change.room_id)
    .execute(conn)
    .await?;
    Ok(())
}
