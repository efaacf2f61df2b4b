//! Queries of the records feature, written once for SQLite and PostgreSQL. Every query that
//! touches a school's rows is scoped by its `school_id`; reads and changes of personal data write
//! their audit entry on the same connection (callers wrap changes in a transaction).

pub mod family;
pub mod import;
pub mod police;

use serde_json::json;
use sqlx::{AnyConnection, Row};
use time::Date;

use super::rules::{fold_header, parse_sex};
use super::{
    AssignmentView, ClassInfo, EnrollmentView, GuardianForm, LinkedGuardian, RecordSummary,
    RolloverSummary, SchoolClasses, StaffForm, StudentDetail, StudentForm,
};
use crate::people::store::{NewPerson, NewSchool, NewStaff};
use crate::people::{FullName, StaffRole};
use crate::platform::audit::{self, Actor, AuditAction, AuditEvent};
use crate::platform::collation::{collation_key, fold_for_search};
use crate::platform::crypto::PidCrypto;
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::format::{iso_date, parse_date, parse_iso_date};
use crate::platform::personal_id::{PersonalId, Sex};

pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

pub(crate) async fn insert_returning_id(
    query: AnyQuery<'_>,
    conn: &mut AnyConnection,
) -> Result<i64, sqlx::Error> {
    query.fetch_one(conn).await?.try_get::<i64, _>(0)
}

/// "••••••••1234" from a stored (encrypted) number.
pub(crate) fn masked(crypto: &PidCrypto, enc: Option<Vec<u8>>) -> Option<String> {
    enc.and_then(|bytes| crypto.decrypt(&bytes).ok())
        .map(|id| id.masked())
}

pub(crate) fn name_from(row: &sqlx::any::AnyRow) -> Result<FullName, sqlx::Error> {
    Ok(FullName {
        family: row.try_get("family_name")?,
        middle: row.try_get("middle_name")?,
        given: row.try_get("given_name")?,
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_event(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    action: AuditAction,
    entity: &str,
    entity_id: Option<i64>,
    reason: Option<&str>,
    detail: serde_json::Value,
    now: i64,
) -> Result<(), AppError> {
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action,
            entity,
            entity_id,
            reason,
            detail,
        },
        now,
    )
    .await?;
    Ok(())
}

/// A reason of at least five characters, or the refusal that asks for one.
pub fn require_reason(reason: &str) -> Result<&str, AppError> {
    let reason = reason.trim();
    if reason.chars().count() < 5 {
        Err(AppError::for_field(ErrorCode::ReasonRequired, "reason"))
    } else {
        Ok(reason)
    }
}

/// The school's MOET code, name and district.
pub async fn school_info(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<(String, String, i64), AppError> {
    let row = sqlx::query("SELECT moet_code, name, district_id FROM schools WHERE id = $1")
        .bind(school_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    Ok((
        row.try_get("moet_code")?,
        row.try_get("name")?,
        row.try_get("district_id")?,
    ))
}

/// The current school year: id, name, first day.
pub async fn current_year(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Option<(i64, String, String)>, AppError> {
    let row = sqlx::query(
        "SELECT id, name, starts_on FROM school_years WHERE school_id = $1 AND is_current = 1",
    )
    .bind(school_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(r) => Some((
            r.try_get("id")?,
            r.try_get("name")?,
            r.try_get("starts_on")?,
        )),
        None => None,
    })
}

fn parse_form_date(text: &str, field: &str) -> Result<Date, AppError> {
    parse_date(text)
        .or_else(|| parse_iso_date(text))
        .ok_or_else(|| AppError::for_field(ErrorCode::InvalidDate, field))
}

fn parse_form_name(text: &str) -> Result<FullName, AppError> {
    FullName::parse(text)
        .filter(|n| !n.family.is_empty())
        .ok_or_else(|| AppError::for_field(ErrorCode::InvalidInput, "full_name"))
}

fn optional_text(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn optional_pid(text: &str) -> Result<Option<PersonalId>, AppError> {
    match text.trim() {
        "" => Ok(None),
        t => PersonalId::parse(t)
            .map(Some)
            .map_err(|_| AppError::for_field(ErrorCode::InvalidPersonalId, "personal_id")),
    }
}

/// A duplicate key (ID number or code already in the school) is a typed refusal, not a 500.
fn unique_violation(error: sqlx::Error) -> AppError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            AppError::new(ErrorCode::Duplicate)
        }
        _ => error.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Search and view.

/// Which people a search looks through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Students,
    Staff,
    Guardians,
}

impl Kind {
    pub fn from_code(code: &str) -> Option<Kind> {
        match code {
            "students" => Some(Kind::Students),
            "staff" => Some(Kind::Staff),
            "guardians" => Some(Kind::Guardians),
            _ => None,
        }
    }

    fn table(self) -> &'static str {
        match self {
            Kind::Students => "students",
            Kind::Staff => "staff",
            Kind::Guardians => "guardians",
        }
    }

    fn entity(self) -> &'static str {
        match self {
            Kind::Students => "student",
            Kind::Staff => "staff",
            Kind::Guardians => "guardian",
        }
    }
}

/// Finds people of a school by name (with or without diacritics), by MOET/staff code, or by
/// personal ID number (exact, through the keyed hash). An empty query lists everyone. Sorted by
/// Vietnamese collation in class-list order; at most 500. An audited read.
#[allow(clippy::too_many_arguments)]
pub async fn search(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    kind: Kind,
    query: &str,
    archived: bool,
    now: i64,
) -> Result<Vec<RecordSummary>, AppError> {
    let digits: String = query.chars().filter(|c| !c.is_whitespace()).collect();
    let by_pid = PersonalId::parse(&digits).ok();
    let folded = fold_header(query);
    let (detail_sql, archived_sql, status_sql, code_sql) = match kind {
        Kind::Students => (
            "(SELECT c.name FROM class_enrollments e JOIN classes c ON c.id = e.class_id
               WHERE e.student_id = p.id AND e.left_on IS NULL ORDER BY e.id DESC LIMIT 1)",
            "p.archived_at IS NOT NULL",
            "p.status",
            "p.moet_code",
        ),
        Kind::Staff => (
            "p.position",
            "p.archived_at IS NOT NULL",
            "p.status",
            "p.moet_code",
        ),
        Kind::Guardians => (
            "(SELECT MIN(c.name) FROM guardian_links l JOIN class_enrollments e ON e.student_id = l.student_id AND e.left_on IS NULL
               JOIN classes c ON c.id = e.class_id WHERE l.guardian_id = p.id)",
            "0 = 1",
            "'active'",
            "NULL",
        ),
    };
    let erased = if kind == Kind::Students {
        " AND p.erased_at IS NULL"
    } else {
        ""
    };
    let filter = if by_pid.is_some() {
        "p.pid_hash = $3".to_string()
    } else if folded.is_empty() {
        "1 = 1".to_string()
    } else {
        format!("(p.name_search LIKE $3 OR {code_sql} = $4)")
    };
    let sql = format!(
        "SELECT p.id, p.family_name, p.middle_name, p.given_name, p.pid_enc, {code_sql} AS code,
                {detail_sql} AS detail, {status_sql} AS status, CASE WHEN {archived_sql} THEN 1 ELSE 0 END AS archived
         FROM {table} p
         WHERE p.school_id = $1 AND (CASE WHEN {archived_sql} THEN 1 ELSE 0 END) = $2 AND {filter}{erased}
         LIMIT 500",
        table = kind.table(),
    );
    let mut q = sqlx::query(&sql).bind(school_id).bind(i64::from(archived));
    if let Some(id) = &by_pid {
        q = q.bind(crypto.lookup_hash(id));
    } else if !folded.is_empty() {
        q = q.bind(format!("%{folded}%")).bind(query.trim().to_string());
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let mut found = Vec::with_capacity(rows.len());
    for row in rows {
        found.push(RecordSummary {
            id: row.try_get("id")?,
            name: name_from(&row)?,
            detail: row
                .try_get::<Option<String>, _>("detail")?
                .unwrap_or_default(),
            moet_code: row.try_get("code")?,
            masked_id: masked(crypto, row.try_get("pid_enc")?),
            status: row.try_get("status")?,
            archived: row.try_get::<i64, _>("archived")? == 1,
        });
    }
    found.sort_by_cached_key(|r| r.name.class_list_key());
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Read,
        "records_search",
        None,
        None,
        json!({ "kind": kind.table(), "results": found.len(), "by_personal_id": by_pid.is_some() }),
        now,
    )
    .await?;
    Ok(found)
}

/// A student's record: identity (ID masked), class, guardians, class history. An audited read.
pub async fn student_detail(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    student_id: i64,
    now: i64,
) -> Result<StudentDetail, AppError> {
    let row = sqlx::query(
        "SELECT id, school_id, moet_code, pid_enc, family_name, middle_name, given_name, date_of_birth, sex,
                ethnicity, status, archived_at, police_status
         FROM students WHERE school_id = $1 AND id = $2 AND erased_at IS NULL",
    )
    .bind(school_id)
    .bind(student_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let guardians = sqlx::query(
        "SELECT g.id, g.family_name, g.middle_name, g.given_name, g.phone, g.pid_enc, l.relation, l.status
         FROM guardian_links l JOIN guardians g ON g.id = l.guardian_id
         WHERE l.school_id = $1 AND l.student_id = $2 AND l.status <> 'revoked' ORDER BY l.id",
    )
    .bind(school_id)
    .bind(student_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|g| {
        Ok(LinkedGuardian {
            guardian_id: g.try_get("id")?,
            relation: g.try_get("relation")?,
            name: name_from(g)?,
            phone: g.try_get("phone")?,
            masked_id: masked(crypto, g.try_get("pid_enc")?),
            link_status: g.try_get("status")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let history_rows = sqlx::query(
        "SELECT e.class_id, c.name AS class_name, y.name AS year_name, e.enrolled_on, e.left_on
         FROM class_enrollments e JOIN classes c ON c.id = e.class_id JOIN school_years y ON y.id = e.school_year_id
         WHERE e.school_id = $1 AND e.student_id = $2 ORDER BY e.enrolled_on, e.id",
    )
    .bind(school_id)
    .bind(student_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut current_class = None;
    let mut history = Vec::new();
    for h in &history_rows {
        let left_on: Option<String> = h.try_get("left_on")?;
        if left_on.is_none() {
            current_class = Some((
                h.try_get::<i64, _>("class_id")?,
                h.try_get::<String, _>("class_name")?,
            ));
        }
        history.push(EnrollmentView {
            class_name: h.try_get("class_name")?,
            year_name: h.try_get("year_name")?,
            enrolled_on: h.try_get("enrolled_on")?,
            left_on,
        });
    }
    let detail = StudentDetail {
        id: row.try_get("id")?,
        school_id: row.try_get("school_id")?,
        moet_code: row.try_get("moet_code")?,
        name: name_from(&row)?,
        date_of_birth: row.try_get("date_of_birth")?,
        sex: row.try_get("sex")?,
        ethnicity: row.try_get("ethnicity")?,
        status: row.try_get("status")?,
        masked_id: masked(crypto, row.try_get("pid_enc")?),
        class_id: current_class.as_ref().map(|c| c.0),
        class_name: current_class.map(|c| c.1),
        archived: row.try_get::<Option<i64>, _>("archived_at")?.is_some(),
        police_status: row.try_get("police_status")?,
        guardians,
        history,
    };
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Read,
        "student",
        Some(student_id),
        None,
        json!({}),
        now,
    )
    .await?;
    Ok(detail)
}

/// Shows a full personal ID number (student, staff or guardian): needs a reason, audited.
#[allow(clippy::too_many_arguments)]
pub async fn reveal_personal_id(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    kind: Kind,
    record_id: i64,
    reason: &str,
    now: i64,
) -> Result<Option<String>, AppError> {
    let reason = require_reason(reason)?;
    let stored: Option<Option<Vec<u8>>> = sqlx::query_scalar(&format!(
        "SELECT pid_enc FROM {} WHERE school_id = $1 AND id = $2",
        kind.table()
    ))
    .bind(school_id)
    .bind(record_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(stored) = stored else {
        return Err(AppError::new(ErrorCode::NotFound));
    };
    let id = match stored {
        Some(bytes) => Some(crypto.decrypt(&bytes).map_err(|e| {
            tracing::error!(record_id, error = %e, "stored personal ID cannot be decrypted");
            AppError::new(ErrorCode::Internal)
        })?),
        None => None,
    };
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Reveal,
        kind.entity(),
        Some(record_id),
        Some(reason),
        json!({ "field": "personal_id" }),
        now,
    )
    .await?;
    Ok(id.map(|id| id.expose().to_string()))
}

// ---------------------------------------------------------------------------------------------
// Adding and editing.

/// Adds a student or edits one; enrols a new student in the class chosen.
pub async fn save_student(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    form: &StudentForm,
    today: Date,
    now: i64,
) -> Result<i64, AppError> {
    let name = parse_form_name(&form.full_name)?;
    let born = parse_form_date(&form.date_of_birth, "date_of_birth")?;
    let sex = Sex::from_code(&form.sex)
        .or_else(|| parse_sex(&form.sex))
        .ok_or_else(|| AppError::for_field(ErrorCode::InvalidInput, "sex"))?;
    let pid = optional_pid(&form.personal_id)?;
    if let Some(id) = &pid
        && !id.agrees_with(born, sex)
    {
        return Err(AppError::for_field(
            ErrorCode::InvalidPersonalId,
            "personal_id",
        ));
    }
    let moet_code = optional_text(&form.moet_code);
    let ethnicity = optional_text(&form.ethnicity);
    let id = match form.id {
        Some(id) => {
            let changed = sqlx::query(
                "UPDATE students SET family_name = $1, middle_name = $2, given_name = $3, name_search = $4,
                        date_of_birth = $5, sex = $6, moet_code = COALESCE($7, moet_code), ethnicity = $8,
                        pid_enc = COALESCE($9, pid_enc), pid_hash = COALESCE($10, pid_hash), updated_at = $11
                 WHERE school_id = $12 AND id = $13 AND erased_at IS NULL",
            )
            .bind(&name.family)
            .bind(&name.middle)
            .bind(&name.given)
            .bind(fold_for_search(&name.full()))
            .bind(iso_date(born))
            .bind(sex.code())
            .bind(moet_code)
            .bind(ethnicity)
            .bind(pid.as_ref().map(|p| crypto.encrypt(p)))
            .bind(pid.as_ref().map(|p| crypto.lookup_hash(p)))
            .bind(now)
            .bind(school_id)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(unique_violation)?;
            if changed.rows_affected() == 0 {
                return Err(AppError::new(ErrorCode::NotFound));
            }
            record_event(
                conn,
                actor,
                school_id,
                AuditAction::Update,
                "student",
                Some(id),
                None,
                json!({ "personal_id_changed": pid.is_some() }),
                now,
            )
            .await?;
            id
        }
        None => {
            let id = insert_returning_id(
                sqlx::query(
                    "INSERT INTO students (school_id, moet_code, pid_enc, pid_hash, family_name, middle_name, given_name,
                                           name_search, date_of_birth, sex, ethnicity, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
                )
                .bind(school_id)
                .bind(moet_code)
                .bind(pid.as_ref().map(|p| crypto.encrypt(p)))
                .bind(pid.as_ref().map(|p| crypto.lookup_hash(p)))
                .bind(&name.family)
                .bind(&name.middle)
                .bind(&name.given)
                .bind(fold_for_search(&name.full()))
                .bind(iso_date(born))
                .bind(sex.code())
                .bind(ethnicity)
                .bind(now),
                &mut *conn,
            )
            .await
            .map_err(unique_violation)?;
            if let Some(class_id) = form.class_id {
                enroll_in(conn, school_id, id, class_id, today).await?;
            }
            record_event(
                conn,
                actor,
                school_id,
                AuditAction::Create,
                "student",
                Some(id),
                None,
                json!({}),
                now,
            )
            .await?;
            id
        }
    };
    Ok(id)
}

/// Enrols a student in a class of the school (its year), from `on`.
pub(crate) async fn enroll_in(
    conn: &mut AnyConnection,
    school_id: i64,
    student_id: i64,
    class_id: i64,
    on: Date,
) -> Result<(), AppError> {
    let year: i64 =
        sqlx::query_scalar("SELECT school_year_id FROM classes WHERE school_id = $1 AND id = $2")
            .bind(school_id)
            .bind(class_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| AppError::for_field(ErrorCode::NotFound, "class_id"))?;
    crate::people::store::enroll(conn, school_id, year, class_id, student_id, on).await?;
    Ok(())
}

/// Closes a student's open enrolments on `on`.
pub(crate) async fn leave_class(
    conn: &mut AnyConnection,
    school_id: i64,
    student_id: i64,
    on: Date,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE class_enrollments SET left_on = $1 WHERE school_id = $2 AND student_id = $3 AND left_on IS NULL",
    )
    .bind(iso_date(on))
    .bind(school_id)
    .bind(student_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Life events of a student within the school.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LifeEvent {
    /// To another class of the school; the old enrolment stays in the history.
    MoveClass(i64),
    /// Left school (dropped out, moved away from the district).
    Left,
    /// Transferred to a school outside the district.
    TransferredOut,
    Graduated,
    /// Back from the archive, e.g. a leaver who returns.
    Restore,
}

pub async fn life_event(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    student_id: i64,
    event: LifeEvent,
    on: Date,
    now: i64,
) -> Result<(), AppError> {
    let exists: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM students WHERE school_id = $1 AND id = $2 AND erased_at IS NULL",
    )
    .bind(school_id)
    .bind(student_id)
    .fetch_optional(&mut *conn)
    .await?;
    if exists.is_none() {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let (status, archived) = match event {
        LifeEvent::MoveClass(class_id) => {
            leave_class(conn, school_id, student_id, on).await?;
            enroll_in(conn, school_id, student_id, class_id, on).await?;
            (None, None)
        }
        LifeEvent::Left => (Some("dropped_out"), Some(true)),
        LifeEvent::TransferredOut => (Some("transferred_out"), Some(true)),
        LifeEvent::Graduated => (Some("graduated"), Some(true)),
        LifeEvent::Restore => (Some("studying"), Some(false)),
    };
    if let (Some(status), Some(archive)) = (status, archived) {
        if archive {
            leave_class(conn, school_id, student_id, on).await?;
        }
        sqlx::query(
            "UPDATE students SET status = $1, status_since = $2, archived_at = $3, updated_at = $4
             WHERE school_id = $5 AND id = $6",
        )
        .bind(status)
        .bind(iso_date(on))
        .bind(archive.then_some(now))
        .bind(now)
        .bind(school_id)
        .bind(student_id)
        .execute(&mut *conn)
        .await?;
    }
    record_event(
        conn,
        actor,
        school_id,
        if archived == Some(true) {
            AuditAction::Archive
        } else {
            AuditAction::Update
        },
        "student",
        Some(student_id),
        None,
        json!({ "event": format!("{event:?}"), "on": iso_date(on) }),
        now,
    )
    .await
}

/// Moves a student to another school of the district: a new record there (same identity,
/// guardians found or added by ID number, links as they were), the old one archived as
/// transferred out with its history; the student's login follows. Returns the new record's id.
#[allow(clippy::too_many_arguments)]
pub async fn transfer_between_schools(
    conn: &mut AnyConnection,
    actor: &Actor,
    from_school: i64,
    student_id: i64,
    to_school: i64,
    to_class: i64,
    on: Date,
    now: i64,
) -> Result<i64, AppError> {
    if from_school == to_school {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "to_school_id"));
    }
    let new_id = insert_returning_id(
        sqlx::query(
            "INSERT INTO students (school_id, moet_code, pid_enc, pid_hash, family_name, middle_name, given_name,
                                   name_search, date_of_birth, sex, ethnicity, status, status_since, transferred_from,
                                   police_status, police_checked_at, created_at, updated_at)
             SELECT $1, moet_code, pid_enc, pid_hash, family_name, middle_name, given_name, name_search, date_of_birth,
                    sex, ethnicity, 'transferred_in', $2, id, police_status, police_checked_at, $3, $3
             FROM students WHERE school_id = $4 AND id = $5 AND archived_at IS NULL AND erased_at IS NULL
             RETURNING id",
        )
        .bind(to_school)
        .bind(iso_date(on))
        .bind(now)
        .bind(from_school)
        .bind(student_id),
        &mut *conn,
    )
    .await
    .map_err(|e| match e {
        sqlx::Error::RowNotFound => AppError::new(ErrorCode::NotFound),
        other => unique_violation(other),
    })?;
    enroll_in(conn, to_school, new_id, to_class, on).await?;
    let links = sqlx::query(
        "SELECT l.guardian_id, l.relation, l.status, l.verified_method, l.verified_at
         FROM guardian_links l WHERE l.school_id = $1 AND l.student_id = $2 AND l.status <> 'revoked'",
    )
    .bind(from_school)
    .bind(student_id)
    .fetch_all(&mut *conn)
    .await?;
    for link in links {
        let old_guardian: i64 = link.try_get("guardian_id")?;
        let hash: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT pid_hash FROM guardians WHERE id = $1")
                .bind(old_guardian)
                .fetch_one(&mut *conn)
                .await?;
        let existing: Option<i64> = match &hash {
            Some(h) => {
                sqlx::query_scalar(
                    "SELECT id FROM guardians WHERE school_id = $1 AND pid_hash = $2",
                )
                .bind(to_school)
                .bind(h.clone())
                .fetch_optional(&mut *conn)
                .await?
            }
            None => None,
        };
        let guardian = match existing {
            Some(id) => id,
            None => {
                insert_returning_id(
                    sqlx::query(
                        "INSERT INTO guardians (school_id, pid_enc, pid_hash, family_name, middle_name, given_name, name_search,
                                                date_of_birth, sex, phone, email, occupation, created_at, updated_at)
                         SELECT $1, pid_enc, pid_hash, family_name, middle_name, given_name, name_search, date_of_birth, sex,
                                phone, email, occupation, $2, $2 FROM guardians WHERE id = $3 RETURNING id",
                    )
                    .bind(to_school)
                    .bind(now)
                    .bind(old_guardian),
                    &mut *conn,
                )
                .await?
            }
        };
        sqlx::query(
            "INSERT INTO guardian_links (school_id, guardian_id, student_id, relation, status, verified_method, verified_at,
                                         created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(to_school)
        .bind(guardian)
        .bind(new_id)
        .bind(link.try_get::<String, _>("relation")?)
        .bind(link.try_get::<String, _>("status")?)
        .bind(link.try_get::<Option<String>, _>("verified_method")?)
        .bind(link.try_get::<Option<i64>, _>("verified_at")?)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    leave_class(conn, from_school, student_id, on).await?;
    sqlx::query(
        "UPDATE students SET status = 'transferred_out', status_since = $1, archived_at = $2, updated_at = $2
         WHERE school_id = $3 AND id = $4",
    )
    .bind(iso_date(on))
    .bind(now)
    .bind(from_school)
    .bind(student_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE accounts SET student_id = $1, school_id = $2 WHERE student_id = $3")
        .bind(new_id)
        .bind(to_school)
        .bind(student_id)
        .execute(&mut *conn)
        .await?;
    for (school, id, entity_detail) in [
        (
            from_school,
            student_id,
            json!({ "to_school": to_school, "new_record": new_id }),
        ),
        (
            to_school,
            new_id,
            json!({ "from_school": from_school, "old_record": student_id }),
        ),
    ] {
        record_event(
            conn,
            actor,
            school,
            AuditAction::Update,
            "student_transfer",
            Some(id),
            None,
            entity_detail,
            now,
        )
        .await?;
    }
    Ok(new_id)
}

/// Adds a staff member or edits one (roles replaced by the form's).
pub async fn save_staff(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    form: &StaffForm,
    now: i64,
) -> Result<i64, AppError> {
    let name = parse_form_name(&form.full_name)?;
    let born = match form.date_of_birth.trim() {
        "" => None,
        text => Some(parse_form_date(text, "date_of_birth")?),
    };
    let sex = match form.sex.trim() {
        "" => None,
        text => Some(
            Sex::from_code(text)
                .or_else(|| parse_sex(text))
                .ok_or_else(|| AppError::for_field(ErrorCode::InvalidInput, "sex"))?,
        ),
    };
    let pid = optional_pid(&form.personal_id)?;
    let roles: Vec<StaffRole> = form
        .roles
        .iter()
        .map(|r| {
            StaffRole::from_code(r)
                .ok_or_else(|| AppError::for_field(ErrorCode::InvalidInput, "roles"))
        })
        .collect::<Result<_, _>>()?;
    let id = match form.id {
        None => {
            let (position, phone) = (optional_text(&form.position), optional_text(&form.phone));
            let staff = NewStaff {
                person: NewPerson {
                    school_id,
                    personal_id: pid.as_ref(),
                    name: &name,
                    date_of_birth: born,
                    sex,
                },
                position: position.as_deref(),
                phone: phone.as_deref(),
                roles: &roles,
            };
            let id = crate::people::store::insert_staff(conn, crypto, actor, &staff, now)
                .await
                .map_err(|e| match e.code {
                    ErrorCode::Internal | ErrorCode::Unavailable => {
                        AppError::new(ErrorCode::Duplicate)
                    }
                    _ => e,
                })?;
            sqlx::query("UPDATE staff SET email = $1 WHERE school_id = $2 AND id = $3")
                .bind(optional_text(&form.email))
                .bind(school_id)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            return Ok(id);
        }
        Some(id) => id,
    };
    let changed = sqlx::query(
        "UPDATE staff SET family_name = $1, middle_name = $2, given_name = $3, name_search = $4, date_of_birth = $5,
                sex = $6, phone = $7, email = $8, position = $9, pid_enc = COALESCE($10, pid_enc),
                pid_hash = COALESCE($11, pid_hash), updated_at = $12
         WHERE school_id = $13 AND id = $14",
    )
    .bind(&name.family)
    .bind(&name.middle)
    .bind(&name.given)
    .bind(fold_for_search(&name.full()))
    .bind(born.map(iso_date))
    .bind(sex.map(Sex::code))
    .bind(optional_text(&form.phone))
    .bind(optional_text(&form.email))
    .bind(optional_text(&form.position))
    .bind(pid.as_ref().map(|p| crypto.encrypt(p)))
    .bind(pid.as_ref().map(|p| crypto.lookup_hash(p)))
    .bind(now)
    .bind(school_id)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(unique_violation)?;
    if changed.rows_affected() == 0 {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    sqlx::query("DELETE FROM staff_roles WHERE school_id = $1 AND staff_id = $2")
        .bind(school_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for role in &roles {
        sqlx::query("INSERT INTO staff_roles (school_id, staff_id, role) VALUES ($1, $2, $3)")
            .bind(school_id)
            .bind(id)
            .bind(role.code())
            .execute(&mut *conn)
            .await?;
    }
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Update,
        "staff",
        Some(id),
        None,
        json!({ "roles": form.roles }),
        now,
    )
    .await?;
    Ok(id)
}

/// A staff member leaves: archived, roles and this year's assignments removed.
pub async fn archive_staff(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    staff_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let changed = sqlx::query(
        "UPDATE staff SET status = 'left', archived_at = $1, updated_at = $1 WHERE school_id = $2 AND id = $3",
    )
    .bind(now)
    .bind(school_id)
    .bind(staff_id)
    .execute(&mut *conn)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    for sql in [
        "DELETE FROM staff_roles WHERE school_id = $1 AND staff_id = $2",
        "DELETE FROM teaching_assignments WHERE school_id = $1 AND staff_id = $2
           AND school_year_id IN (SELECT id FROM school_years WHERE school_id = $1 AND is_current = 1)",
    ] {
        sqlx::query(sql)
            .bind(school_id)
            .bind(staff_id)
            .execute(&mut *conn)
            .await?;
    }
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Archive,
        "staff",
        Some(staff_id),
        None,
        json!({}),
        now,
    )
    .await
}

/// Adds a guardian to a student (found by ID number in the school, or new) or edits one.
pub async fn save_guardian(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    form: &GuardianForm,
    now: i64,
) -> Result<i64, AppError> {
    let name = parse_form_name(&form.full_name)?;
    let relation = super::rules::Parent::from_relation_code(&form.relation)
        .ok_or_else(|| AppError::for_field(ErrorCode::InvalidInput, "relation"))?;
    let pid = optional_pid(&form.personal_id)?;
    let student: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM students WHERE school_id = $1 AND id = $2 AND erased_at IS NULL",
    )
    .bind(school_id)
    .bind(form.student_id)
    .fetch_optional(&mut *conn)
    .await?;
    if student.is_none() {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let by_pid: Option<i64> = match &pid {
        Some(p) if form.guardian_id.is_none() => {
            sqlx::query_scalar("SELECT id FROM guardians WHERE school_id = $1 AND pid_hash = $2")
                .bind(school_id)
                .bind(crypto.lookup_hash(p))
                .fetch_optional(&mut *conn)
                .await?
        }
        _ => None,
    };
    let guardian_id = match form.guardian_id.or(by_pid) {
        Some(id) => {
            let changed = sqlx::query(
                "UPDATE guardians SET family_name = $1, middle_name = $2, given_name = $3, name_search = $4,
                        phone = $5, occupation = $6, pid_enc = COALESCE($7, pid_enc), pid_hash = COALESCE($8, pid_hash),
                        updated_at = $9
                 WHERE school_id = $10 AND id = $11",
            )
            .bind(&name.family)
            .bind(&name.middle)
            .bind(&name.given)
            .bind(fold_for_search(&name.full()))
            .bind(optional_text(&form.phone))
            .bind(optional_text(&form.occupation))
            .bind(pid.as_ref().map(|p| crypto.encrypt(p)))
            .bind(pid.as_ref().map(|p| crypto.lookup_hash(p)))
            .bind(now)
            .bind(school_id)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(unique_violation)?;
            if changed.rows_affected() == 0 {
                return Err(AppError::new(ErrorCode::NotFound));
            }
            record_event(
                conn,
                actor,
                school_id,
                AuditAction::Update,
                "guardian",
                Some(id),
                None,
                json!({}),
                now,
            )
            .await?;
            id
        }
        None => {
            let (phone, occupation) = (optional_text(&form.phone), optional_text(&form.occupation));
            let guardian = crate::people::store::NewGuardian {
                person: NewPerson {
                    school_id,
                    personal_id: pid.as_ref(),
                    name: &name,
                    date_of_birth: None,
                    sex: match relation {
                        super::rules::Parent::Father => Some(Sex::Male),
                        super::rules::Parent::Mother => Some(Sex::Female),
                        super::rules::Parent::Guardian => None,
                    },
                },
                phone: phone.as_deref(),
                occupation: occupation.as_deref(),
            };
            crate::people::store::insert_guardian(conn, crypto, actor, &guardian, now).await?
        }
    };
    let linked: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM guardian_links WHERE school_id = $1 AND guardian_id = $2 AND student_id = $3",
    )
    .bind(school_id)
    .bind(guardian_id)
    .bind(form.student_id)
    .fetch_optional(&mut *conn)
    .await?;
    if linked.is_none() {
        crate::people::store::link_guardian(
            conn,
            actor,
            school_id,
            guardian_id,
            form.student_id,
            match relation {
                super::rules::Parent::Father => crate::people::Relation::Father,
                super::rules::Parent::Mother => crate::people::Relation::Mother,
                super::rules::Parent::Guardian => crate::people::Relation::Guardian,
            },
            now,
        )
        .await?;
    }
    Ok(guardian_id)
}

// ---------------------------------------------------------------------------------------------
// Classes, teaching assignments and the year rollover.

pub async fn school_classes(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<SchoolClasses, AppError> {
    let year = current_year(conn, school_id).await?;
    let mut classes = Vec::new();
    if let Some((year_id, _, _)) = &year {
        let rows = sqlx::query(
            "SELECT c.id, c.name, c.grade,
                    (SELECT COUNT(*) FROM class_enrollments e WHERE e.class_id = c.id AND e.left_on IS NULL) AS students
             FROM classes c WHERE c.school_id = $1 AND c.school_year_id = $2 ORDER BY c.grade, c.name",
        )
        .bind(school_id)
        .bind(*year_id)
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            classes.push(ClassInfo {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                grade: row.try_get("grade")?,
                students: row.try_get("students")?,
                homeroom: None,
                assignments: Vec::new(),
            });
        }
        let assignments = sqlx::query(
            "SELECT t.id, t.class_id, t.kind, t.needs_review, sub.name_vi, s.family_name, s.middle_name, s.given_name
             FROM teaching_assignments t JOIN staff s ON s.id = t.staff_id LEFT JOIN subjects sub ON sub.id = t.subject_id
             WHERE t.school_id = $1 AND t.school_year_id = $2 ORDER BY sub.sort_order, t.id",
        )
        .bind(school_id)
        .bind(*year_id)
        .fetch_all(&mut *conn)
        .await?;
        for a in assignments {
            let class_id: i64 = a.try_get("class_id")?;
            let teacher = name_from(&a)?.full();
            let Some(class) = classes.iter_mut().find(|c| c.id == class_id) else {
                continue;
            };
            let kind: String = a.try_get("kind")?;
            if kind == "homeroom" {
                class.homeroom = Some(teacher.clone());
            }
            class.assignments.push(AssignmentView {
                id: a.try_get("id")?,
                subject: a.try_get("name_vi")?,
                teacher,
                needs_review: a.try_get::<i64, _>("needs_review")? == 1,
            });
        }
    }
    let subjects =
        sqlx::query("SELECT id, name_vi FROM subjects WHERE school_id = $1 ORDER BY sort_order")
            .bind(school_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("name_vi")?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let mut teachers = sqlx::query(
        "SELECT s.id, s.family_name, s.middle_name, s.given_name FROM staff s
         WHERE s.school_id = $1 AND s.archived_at IS NULL
           AND EXISTS (SELECT 1 FROM staff_roles r WHERE r.staff_id = s.id AND r.role = 'teacher')",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, name_from(r)?)))
    .collect::<Result<Vec<(i64, FullName)>, sqlx::Error>>()?;
    teachers.sort_by_cached_key(|(_, n)| n.class_list_key());
    Ok(SchoolClasses {
        year_name: year.map(|y| y.1),
        classes,
        subjects,
        teachers: teachers.into_iter().map(|(id, n)| (id, n.full())).collect(),
    })
}

/// Adds a class to the current year, or renames one.
pub async fn save_class(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    class_id: Option<i64>,
    grade: i64,
    name: &str,
    now: i64,
) -> Result<i64, AppError> {
    let name = name.trim();
    if name.is_empty() || !(6..=9).contains(&grade) {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "name"));
    }
    let id = match class_id {
        Some(id) => {
            let changed = sqlx::query(
                "UPDATE classes SET name = $1, grade = $2 WHERE school_id = $3 AND id = $4",
            )
            .bind(name)
            .bind(grade)
            .bind(school_id)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(unique_violation)?;
            if changed.rows_affected() == 0 {
                return Err(AppError::new(ErrorCode::NotFound));
            }
            id
        }
        None => {
            let (year_id, _, _) = current_year(conn, school_id)
                .await?
                .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
            crate::people::store::insert_class(conn, school_id, year_id, grade, name)
                .await
                .map_err(unique_violation)?
        }
    };
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Update,
        "class",
        Some(id),
        None,
        json!({ "name": name, "grade": grade }),
        now,
    )
    .await?;
    Ok(id)
}

/// Sets who teaches a subject in a class (or who is its homeroom teacher when `subject_id` is
/// `None`); `staff_id` `None` removes the assignment. The assignment counts as reviewed.
#[allow(clippy::too_many_arguments)]
pub async fn save_assignment(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    class_id: i64,
    subject_id: Option<i64>,
    staff_id: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    let year: i64 =
        sqlx::query_scalar("SELECT school_year_id FROM classes WHERE school_id = $1 AND id = $2")
            .bind(school_id)
            .bind(class_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    if let Some(staff) = staff_id {
        let ours: Option<i64> =
            sqlx::query_scalar("SELECT id FROM staff WHERE school_id = $1 AND id = $2")
                .bind(school_id)
                .bind(staff)
                .fetch_optional(&mut *conn)
                .await?;
        if ours.is_none() {
            return Err(AppError::for_field(ErrorCode::NotFound, "staff_id"));
        }
    }
    let kind = if subject_id.is_some() {
        "subject"
    } else {
        "homeroom"
    };
    sqlx::query(
        "DELETE FROM teaching_assignments WHERE school_id = $1 AND class_id = $2 AND kind = $3
           AND (subject_id = $4 OR ($4 IS NULL AND subject_id IS NULL))",
    )
    .bind(school_id)
    .bind(class_id)
    .bind(kind)
    .bind(subject_id)
    .execute(&mut *conn)
    .await?;
    if let Some(staff) = staff_id {
        crate::people::store::assign_teaching(conn, school_id, year, staff, class_id, subject_id)
            .await?;
    }
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Update,
        "teaching_assignment",
        Some(class_id),
        None,
        json!({ "subject_id": subject_id, "staff_id": staff_id }),
        now,
    )
    .await
}

/// "6A1" in grade 6 becomes "7A1" in grade 7; other names get the grade in front.
pub fn moved_up_name(name: &str, grade: i64) -> String {
    let old = grade.to_string();
    match name.strip_prefix(&old) {
        Some(rest) => format!("{}{rest}", grade + 1),
        None => format!("{} {name}", grade + 1),
    }
}

/// A new school year from the current one: classes moved up a grade (grade 6's names kept for
/// the new intake, empty), students moved with their class, grade-9 leavers graduated and
/// archived, subject assignments copied to the class of the same name and homeroom teachers
/// moved up with their class, every copy marked for review. `apply` false only counts.
#[allow(clippy::too_many_arguments)]
pub async fn year_rollover(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    new_name: &str,
    starts_on: Date,
    ends_on: Date,
    apply: bool,
    now: i64,
) -> Result<RolloverSummary, AppError> {
    let new_name = new_name.trim();
    if new_name.is_empty() || ends_on <= starts_on {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "name"));
    }
    let (old_year, _, _) = current_year(conn, school_id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT id FROM school_years WHERE school_id = $1 AND name = $2")
            .bind(school_id)
            .bind(new_name)
            .fetch_optional(&mut *conn)
            .await?;
    if taken.is_some() {
        return Err(AppError::for_field(ErrorCode::Duplicate, "name"));
    }
    let classes: Vec<(i64, String, i64)> = sqlx::query(
        "SELECT id, name, grade FROM classes WHERE school_id = $1 AND school_year_id = $2 ORDER BY grade, name",
    )
    .bind(school_id)
    .bind(old_year)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("name")?, r.try_get("grade")?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let mut summary = RolloverSummary {
        new_year: new_name.to_string(),
        applied: apply,
        ..RolloverSummary::default()
    };
    let day_before = starts_on.previous_day().unwrap_or(starts_on);
    let new_year = if apply {
        sqlx::query("UPDATE school_years SET is_current = 0 WHERE school_id = $1")
            .bind(school_id)
            .execute(&mut *conn)
            .await?;
        let id = crate::people::store::insert_school_year(
            conn, school_id, new_name, starts_on, ends_on, true,
        )
        .await?;
        let middle = starts_on + time::Duration::days((ends_on - starts_on).whole_days() / 2);
        crate::people::store::insert_semester(conn, school_id, id, 1, starts_on, middle).await?;
        let second = middle.next_day().unwrap_or(middle);
        crate::people::store::insert_semester(conn, school_id, id, 2, second, ends_on).await?;
        Some(id)
    } else {
        None
    };
    // New classes by name: the moved-up ones, then grade 6 anew.
    let mut new_class_ids: std::collections::HashMap<String, i64> = Default::default();
    let mut plan: Vec<(String, i64)> = classes
        .iter()
        .filter(|(_, _, grade)| *grade < 9)
        .map(|(_, name, grade)| (moved_up_name(name, *grade), grade + 1))
        .collect();
    plan.extend(
        classes
            .iter()
            .filter(|(_, _, grade)| *grade == 6)
            .map(|(_, name, _)| (name.clone(), 6)),
    );
    for (name, grade) in &plan {
        summary.classes_created += 1;
        if let Some(year) = new_year {
            let id =
                crate::people::store::insert_class(conn, school_id, year, *grade, name).await?;
            new_class_ids.insert(name.clone(), id);
        }
    }
    for (class_id, name, grade) in &classes {
        let students: Vec<i64> = sqlx::query_scalar(
            "SELECT e.student_id FROM class_enrollments e JOIN students s ON s.id = e.student_id
             WHERE e.school_id = $1 AND e.class_id = $2 AND e.left_on IS NULL AND s.archived_at IS NULL",
        )
        .bind(school_id)
        .bind(*class_id)
        .fetch_all(&mut *conn)
        .await?;
        if *grade == 9 {
            summary.graduates_archived += students.len();
        } else {
            summary.students_moved_up += students.len();
        }
        let Some(year) = new_year else {
            continue;
        };
        for student in &students {
            leave_class(conn, school_id, *student, day_before).await?;
            if *grade == 9 {
                sqlx::query(
                    "UPDATE students SET status = 'graduated', status_since = $1, archived_at = $2, updated_at = $2
                     WHERE school_id = $3 AND id = $4",
                )
                .bind(iso_date(day_before))
                .bind(now)
                .bind(school_id)
                .bind(*student)
                .execute(&mut *conn)
                .await?;
            } else if let Some(new_class) = new_class_ids.get(&moved_up_name(name, *grade)) {
                crate::people::store::enroll(
                    conn, school_id, year, *new_class, *student, starts_on,
                )
                .await?;
            }
        }
        // Assignments: subjects stay with the class name (the teacher keeps the grade),
        // the homeroom teacher moves up with the class.
        let assignments = sqlx::query(
            "SELECT staff_id, kind, subject_id FROM teaching_assignments
             WHERE school_id = $1 AND class_id = $2 AND staff_id IN (SELECT id FROM staff WHERE archived_at IS NULL)",
        )
        .bind(school_id)
        .bind(*class_id)
        .fetch_all(&mut *conn)
        .await?;
        for a in assignments {
            let kind: String = a.try_get("kind")?;
            let target = if kind == "homeroom" {
                new_class_ids.get(&moved_up_name(name, *grade))
            } else {
                new_class_ids.get(name)
            };
            let Some(target) = target else { continue };
            summary.assignments_copied += 1;
            let subject: Option<i64> = a.try_get("subject_id")?;
            sqlx::query(
                "INSERT INTO teaching_assignments (school_id, school_year_id, staff_id, class_id, kind, subject_id, needs_review)
                 VALUES ($1, $2, $3, $4, $5, $6, 1)",
            )
            .bind(school_id)
            .bind(year)
            .bind(a.try_get::<i64, _>("staff_id")?)
            .bind(*target)
            .bind(kind)
            .bind(subject)
            .execute(&mut *conn)
            .await?;
        }
    }
    if apply {
        record_event(
            conn,
            actor,
            school_id,
            AuditAction::Update,
            "school_year",
            new_year,
            None,
            json!({
                "rollover": new_name,
                "classes": summary.classes_created,
                "moved_up": summary.students_moved_up,
                "graduated": summary.graduates_archived,
                "assignments": summary.assignments_copied,
            }),
            now,
        )
        .await?;
    }
    Ok(summary)
}

// ---------------------------------------------------------------------------------------------
// The district: schools and their admins.

/// A new school of the district, with the current school year the district's schools share and
/// the pilot school's subjects (the first school created), so it can start at once.
pub async fn create_school(
    conn: &mut AnyConnection,
    actor: &Actor,
    district_id: i64,
    moet_code: &str,
    name: &str,
    now: i64,
) -> Result<i64, AppError> {
    let (moet_code, name) = (moet_code.trim(), name.trim());
    if moet_code.is_empty() {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "moet_code"));
    }
    if name.is_empty() {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "name"));
    }
    let school = crate::people::store::insert_school(
        conn,
        &NewSchool {
            district_id,
            moet_code,
            name,
            address: None,
            phone: None,
        },
        now,
    )
    .await
    .map_err(unique_violation)?;
    let template: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM schools WHERE district_id = $1 AND id <> $2 ORDER BY id LIMIT 1",
    )
    .bind(district_id)
    .bind(school)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(template) = template {
        if let Some(year) = sqlx::query(
            "SELECT name, starts_on, ends_on FROM school_years WHERE school_id = $1 AND is_current = 1",
        )
        .bind(template)
        .fetch_optional(&mut *conn)
        .await?
        {
            let starts = parse_iso_date(&year.try_get::<String, _>("starts_on")?);
            let ends = parse_iso_date(&year.try_get::<String, _>("ends_on")?);
            if let (Some(starts), Some(ends)) = (starts, ends) {
                let year_id = crate::people::store::insert_school_year(
                    conn,
                    school,
                    &year.try_get::<String, _>("name")?,
                    starts,
                    ends,
                    true,
                )
                .await?;
                sqlx::query(
                    "INSERT INTO semesters (school_id, school_year_id, number, starts_on, ends_on)
                     SELECT $1, $2, s.number, s.starts_on, s.ends_on FROM semesters s
                     JOIN school_years y ON y.id = s.school_year_id WHERE y.school_id = $3 AND y.is_current = 1",
                )
                .bind(school)
                .bind(year_id)
                .bind(template)
                .execute(&mut *conn)
                .await?;
            }
        }
        sqlx::query(
            "INSERT INTO subjects (school_id, code, name_vi, name_en, assessment, sort_order)
             SELECT $1, code, name_vi, name_en, assessment, sort_order FROM subjects WHERE school_id = $2",
        )
        .bind(school)
        .bind(template)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO subject_grades (school_id, subject_id, grade, periods_per_year, regular_assessments)
             SELECT $1, mine.id, g.grade, g.periods_per_year, g.regular_assessments
             FROM subject_grades g JOIN subjects theirs ON theirs.id = g.subject_id
             JOIN subjects mine ON mine.school_id = $1 AND mine.code = theirs.code
             WHERE g.school_id = $2",
        )
        .bind(school)
        .bind(template)
        .execute(&mut *conn)
        .await?;
    }
    record_event(
        conn,
        actor,
        school,
        AuditAction::Create,
        "school",
        Some(school),
        None,
        json!({ "moet_code": moet_code }),
        now,
    )
    .await?;
    Ok(school)
}

/// The district's schools for its admin, sorted by Vietnamese collation.
pub async fn district_schools(
    conn: &mut AnyConnection,
    district_id: i64,
) -> Result<Vec<(i64, String, String, i64)>, AppError> {
    let mut rows: Vec<(i64, String, String, i64)> = sqlx::query(
        "SELECT s.id, s.moet_code, s.name,
                (SELECT COUNT(*) FROM staff_roles r WHERE r.school_id = s.id AND r.role = 'school_admin') AS admins
         FROM schools s WHERE s.district_id = $1",
    )
    .bind(district_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("id")?,
            r.try_get("moet_code")?,
            r.try_get("name")?,
            r.try_get("admins")?,
        ))
    })
    .collect::<Result<_, sqlx::Error>>()?;
    rows.sort_by_cached_key(|r| collation_key(&r.2));
    Ok(rows)
}
