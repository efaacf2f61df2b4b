//! Queries for schools and their people, written once for SQLite and PostgreSQL.
//! Every query that touches a school's rows takes its `school_id`; reads and changes of personal
//! data write their audit entry on the same connection (use a transaction to make both atomic).

use serde_json::json;
use sqlx::{AnyConnection, Row};
use time::Date;

use super::{
    Assessment, ChildSummary, ClassListEntry, FullName, Relation, SchoolSummary, StaffClass,
    StaffRole, sort_class_list,
};
use crate::platform::audit::{self, Actor, AuditAction, AuditEvent};
use crate::platform::collation::{collation_key, fold_for_search};
use crate::platform::crypto::PidCrypto;
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::format::iso_date;
use crate::platform::personal_id::{PersonalId, Sex};

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Runs an `INSERT … RETURNING id`.
async fn insert_returning_id(
    query: AnyQuery<'_>,
    conn: &mut AnyConnection,
) -> Result<i64, sqlx::Error> {
    query.fetch_one(conn).await?.try_get::<i64, _>(0)
}

pub async fn insert_district(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    province_code: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    insert_returning_id(
        sqlx::query(
            "INSERT INTO districts (code, name, province_code, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(code)
        .bind(name)
        .bind(province_code)
        .bind(now),
        conn,
    )
    .await
}

pub struct NewSchool<'a> {
    pub district_id: i64,
    pub moet_code: &'a str,
    pub name: &'a str,
    pub address: Option<&'a str>,
    pub phone: Option<&'a str>,
}

pub async fn insert_school(
    conn: &mut AnyConnection,
    school: &NewSchool<'_>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    insert_returning_id(
        sqlx::query(
            "INSERT INTO schools (district_id, moet_code, name, address, phone, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(school.district_id)
        .bind(school.moet_code)
        .bind(school.name)
        .bind(school.address)
        .bind(school.phone)
        .bind(now),
        conn,
    )
    .await
}

/// Active schools with their class and student counts in the current year (public).
pub async fn list_schools(conn: &mut AnyConnection) -> Result<Vec<SchoolSummary>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT s.id, s.moet_code, s.name,
                (SELECT COUNT(*) FROM classes c JOIN school_years y ON y.id = c.school_year_id
                  WHERE c.school_id = s.id AND y.is_current = 1) AS class_count,
                (SELECT COUNT(*) FROM students st
                  WHERE st.school_id = s.id AND st.status IN ('studying', 'transferred_in')) AS student_count
         FROM schools s WHERE s.status = 'active'",
    )
    .fetch_all(conn)
    .await?;
    let mut schools = rows
        .iter()
        .map(|r| {
            Ok(SchoolSummary {
                id: r.try_get("id")?,
                moet_code: r.try_get("moet_code")?,
                name: r.try_get("name")?,
                class_count: r.try_get("class_count")?,
                student_count: r.try_get("student_count")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    schools.sort_by_cached_key(|s| collation_key(&s.name));
    Ok(schools)
}

pub async fn insert_school_year(
    conn: &mut AnyConnection,
    school_id: i64,
    name: &str,
    starts_on: Date,
    ends_on: Date,
    is_current: bool,
) -> Result<i64, sqlx::Error> {
    insert_returning_id(
        sqlx::query(
            "INSERT INTO school_years (school_id, name, starts_on, ends_on, is_current)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(school_id)
        .bind(name)
        .bind(iso_date(starts_on))
        .bind(iso_date(ends_on))
        .bind(i64::from(is_current)),
        conn,
    )
    .await
}

pub async fn insert_semester(
    conn: &mut AnyConnection,
    school_id: i64,
    school_year_id: i64,
    number: i64,
    starts_on: Date,
    ends_on: Date,
) -> Result<i64, sqlx::Error> {
    insert_returning_id(
        sqlx::query(
            "INSERT INTO semesters (school_id, school_year_id, number, starts_on, ends_on)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(school_id)
        .bind(school_year_id)
        .bind(number)
        .bind(iso_date(starts_on))
        .bind(iso_date(ends_on)),
        conn,
    )
    .await
}

pub struct NewSubject<'a> {
    pub school_id: i64,
    pub code: &'a str,
    pub name_vi: &'a str,
    pub name_en: &'a str,
    pub assessment: Assessment,
    pub sort_order: i64,
}

pub async fn insert_subject(
    conn: &mut AnyConnection,
    subject: &NewSubject<'_>,
) -> Result<i64, sqlx::Error> {
    insert_returning_id(
        sqlx::query(
            "INSERT INTO subjects (school_id, code, name_vi, name_en, assessment, sort_order)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(subject.school_id)
        .bind(subject.code)
        .bind(subject.name_vi)
        .bind(subject.name_en)
        .bind(subject.assessment.code())
        .bind(subject.sort_order),
        conn,
    )
    .await
}

pub async fn insert_subject_grade(
    conn: &mut AnyConnection,
    school_id: i64,
    subject_id: i64,
    grade: i64,
    periods_per_year: i64,
) -> Result<i64, sqlx::Error> {
    insert_returning_id(
        sqlx::query(
            "INSERT INTO subject_grades (school_id, subject_id, grade, periods_per_year)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(school_id)
        .bind(subject_id)
        .bind(grade)
        .bind(periods_per_year),
        conn,
    )
    .await
}

pub async fn insert_class(
    conn: &mut AnyConnection,
    school_id: i64,
    school_year_id: i64,
    grade: i64,
    name: &str,
) -> Result<i64, sqlx::Error> {
    insert_returning_id(
        sqlx::query(
            "INSERT INTO classes (school_id, school_year_id, grade, name) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(school_id)
        .bind(school_year_id)
        .bind(grade)
        .bind(name),
        conn,
    )
    .await
}

/// A person's identity fields, shared by students, staff and guardians.
pub struct NewPerson<'a> {
    pub school_id: i64,
    pub personal_id: Option<&'a PersonalId>,
    pub name: &'a FullName,
    pub date_of_birth: Option<Date>,
    pub sex: Option<Sex>,
}

struct SealedId {
    enc: Option<Vec<u8>>,
    hash: Option<Vec<u8>>,
}

fn seal(crypto: &PidCrypto, id: Option<&PersonalId>) -> SealedId {
    SealedId {
        enc: id.map(|id| crypto.encrypt(id)),
        hash: id.map(|id| crypto.lookup_hash(id)),
    }
}

pub struct NewStudent<'a> {
    pub person: NewPerson<'a>,
    pub moet_code: Option<&'a str>,
    pub ethnicity: Option<&'a str>,
}

pub async fn insert_student(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    student: &NewStudent<'_>,
    now: i64,
) -> Result<i64, AppError> {
    let p = &student.person;
    let (Some(date_of_birth), Some(sex)) = (p.date_of_birth, p.sex) else {
        return Err(AppError::new(ErrorCode::InvalidInput));
    };
    let sealed = seal(crypto, p.personal_id);
    let id = insert_returning_id(
        sqlx::query(
            "INSERT INTO students (school_id, moet_code, pid_enc, pid_hash, family_name, middle_name, given_name,
                                   name_search, date_of_birth, sex, ethnicity, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
        )
        .bind(p.school_id)
        .bind(student.moet_code)
        .bind(sealed.enc)
        .bind(sealed.hash)
        .bind(&p.name.family)
        .bind(&p.name.middle)
        .bind(&p.name.given)
        .bind(fold_for_search(&p.name.full()))
        .bind(iso_date(date_of_birth))
        .bind(sex.code())
        .bind(student.ethnicity)
        .bind(now),
        &mut *conn,
    )
    .await?;
    audit_change(
        conn,
        actor,
        p.school_id,
        AuditAction::Create,
        "student",
        id,
        now,
    )
    .await?;
    Ok(id)
}

async fn audit_change(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    action: AuditAction,
    entity: &str,
    entity_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action,
            entity,
            entity_id: Some(entity_id),
            reason: None,
            detail: json!({}),
        },
        now,
    )
    .await
}

pub async fn enroll(
    conn: &mut AnyConnection,
    school_id: i64,
    school_year_id: i64,
    class_id: i64,
    student_id: i64,
    on: Date,
) -> Result<i64, sqlx::Error> {
    insert_returning_id(
        sqlx::query(
            "INSERT INTO class_enrollments (school_id, school_year_id, class_id, student_id, enrolled_on)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(school_id)
        .bind(school_year_id)
        .bind(class_id)
        .bind(student_id)
        .bind(iso_date(on)),
        conn,
    )
    .await
}

pub struct NewStaff<'a> {
    pub person: NewPerson<'a>,
    pub position: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub roles: &'a [StaffRole],
}

pub async fn insert_staff(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    staff: &NewStaff<'_>,
    now: i64,
) -> Result<i64, AppError> {
    let p = &staff.person;
    let sealed = seal(crypto, p.personal_id);
    let id = insert_returning_id(
        sqlx::query(
            "INSERT INTO staff (school_id, pid_enc, pid_hash, family_name, middle_name, given_name, name_search,
                                date_of_birth, sex, phone, position, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
        )
        .bind(p.school_id)
        .bind(sealed.enc)
        .bind(sealed.hash)
        .bind(&p.name.family)
        .bind(&p.name.middle)
        .bind(&p.name.given)
        .bind(fold_for_search(&p.name.full()))
        .bind(p.date_of_birth.map(iso_date))
        .bind(p.sex.map(Sex::code))
        .bind(staff.phone)
        .bind(staff.position)
        .bind(now),
        &mut *conn,
    )
    .await?;
    for role in staff.roles {
        sqlx::query("INSERT INTO staff_roles (school_id, staff_id, role) VALUES ($1, $2, $3)")
            .bind(p.school_id)
            .bind(id)
            .bind(role.code())
            .execute(&mut *conn)
            .await?;
    }
    audit_change(
        conn,
        actor,
        p.school_id,
        AuditAction::Create,
        "staff",
        id,
        now,
    )
    .await?;
    Ok(id)
}

pub async fn insert_district_admin(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    district_id: i64,
    personal_id: &PersonalId,
    full_name: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    insert_returning_id(
        sqlx::query(
            "INSERT INTO district_admins (district_id, pid_enc, pid_hash, full_name, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(district_id)
        .bind(crypto.encrypt(personal_id))
        .bind(crypto.lookup_hash(personal_id))
        .bind(full_name)
        .bind(now),
        conn,
    )
    .await
}

/// Teacher × class × subject, or the class's homeroom teacher when `subject_id` is `None`.
pub async fn assign_teaching(
    conn: &mut AnyConnection,
    school_id: i64,
    school_year_id: i64,
    staff_id: i64,
    class_id: i64,
    subject_id: Option<i64>,
) -> Result<i64, sqlx::Error> {
    insert_returning_id(
        sqlx::query(
            "INSERT INTO teaching_assignments (school_id, school_year_id, staff_id, class_id, kind, subject_id)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(school_id)
        .bind(school_year_id)
        .bind(staff_id)
        .bind(class_id)
        .bind(if subject_id.is_some() { "subject" } else { "homeroom" })
        .bind(subject_id),
        conn,
    )
    .await
}

pub struct NewGuardian<'a> {
    pub person: NewPerson<'a>,
    pub phone: Option<&'a str>,
    pub occupation: Option<&'a str>,
}

pub async fn insert_guardian(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    guardian: &NewGuardian<'_>,
    now: i64,
) -> Result<i64, AppError> {
    let p = &guardian.person;
    let sealed = seal(crypto, p.personal_id);
    let id = insert_returning_id(
        sqlx::query(
            "INSERT INTO guardians (school_id, pid_enc, pid_hash, family_name, middle_name, given_name, name_search,
                                    date_of_birth, sex, phone, occupation, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
        )
        .bind(p.school_id)
        .bind(sealed.enc)
        .bind(sealed.hash)
        .bind(&p.name.family)
        .bind(&p.name.middle)
        .bind(&p.name.given)
        .bind(fold_for_search(&p.name.full()))
        .bind(p.date_of_birth.map(iso_date))
        .bind(p.sex.map(Sex::code))
        .bind(guardian.phone)
        .bind(guardian.occupation)
        .bind(now),
        &mut *conn,
    )
    .await?;
    audit_change(
        conn,
        actor,
        p.school_id,
        AuditAction::Create,
        "guardian",
        id,
        now,
    )
    .await?;
    Ok(id)
}

pub async fn link_guardian(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    guardian_id: i64,
    student_id: i64,
    relation: Relation,
    now: i64,
) -> Result<i64, AppError> {
    let id = insert_returning_id(
        sqlx::query(
            "INSERT INTO guardian_links (school_id, guardian_id, student_id, relation, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(school_id)
        .bind(guardian_id)
        .bind(student_id)
        .bind(relation.code())
        .bind(now),
        &mut *conn,
    )
    .await?;
    // The link's history starts with its creation (the guardian sees it).
    sqlx::query(
        "INSERT INTO guardian_link_events (school_id, link_id, at, status) VALUES ($1, $2, $3, 'unverified')",
    )
    .bind(school_id)
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    audit_change(
        conn,
        actor,
        school_id,
        AuditAction::Create,
        "guardian_link",
        id,
        now,
    )
    .await?;
    Ok(id)
}

/// Where a personal ID number appears in the district: the join from a login to records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PidMatch {
    pub kind: &'static str,
    pub school_id: Option<i64>,
    pub id: i64,
}

pub async fn find_by_personal_id(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    personal_id: &PersonalId,
) -> Result<Vec<PidMatch>, sqlx::Error> {
    find_by_pid_hash(conn, &crypto.lookup_hash(personal_id)).await
}

/// The same join from the keyed hash a login account keeps (the number itself is not kept there).
pub async fn find_by_pid_hash(
    conn: &mut AnyConnection,
    hash: &[u8],
) -> Result<Vec<PidMatch>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT 'student' AS kind, school_id, id FROM students WHERE pid_hash = $1
         UNION ALL SELECT 'staff', school_id, id FROM staff WHERE pid_hash = $1
         UNION ALL SELECT 'guardian', school_id, id FROM guardians WHERE pid_hash = $1
         UNION ALL SELECT 'district_admin', NULL, id FROM district_admins WHERE pid_hash = $1",
    )
    .bind(hash.to_vec())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let kind = match r.try_get::<String, _>(0)?.as_str() {
                "student" => "student",
                "staff" => "staff",
                "guardian" => "guardian",
                _ => "district_admin",
            };
            Ok(PidMatch {
                kind,
                school_id: r.try_get(1)?,
                id: r.try_get(2)?,
            })
        })
        .collect()
}

/// The students of a class in class-list order. An audited read of personal data.
pub async fn class_list(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    class_id: i64,
    now: i64,
) -> Result<Vec<ClassListEntry>, AppError> {
    let rows = sqlx::query(
        "SELECT s.id, s.moet_code, s.family_name, s.middle_name, s.given_name, s.date_of_birth, s.sex
         FROM class_enrollments e JOIN students s ON s.id = e.student_id
         WHERE e.school_id = $1 AND s.school_id = $1 AND e.class_id = $2 AND e.left_on IS NULL",
    )
    .bind(school_id)
    .bind(class_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut entries = rows
        .iter()
        .map(|r| -> Result<ClassListEntry, sqlx::Error> {
            let sex: String = r.try_get("sex")?;
            Ok(ClassListEntry {
                student_id: r.try_get("id")?,
                moet_code: r.try_get("moet_code")?,
                name: FullName {
                    family: r.try_get("family_name")?,
                    middle: r.try_get("middle_name")?,
                    given: r.try_get("given_name")?,
                },
                date_of_birth: r.try_get("date_of_birth")?,
                sex: Sex::from_code(&sex).unwrap_or(Sex::Female),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    sort_class_list(&mut entries);
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Read,
            entity: "class_list",
            entity_id: Some(class_id),
            reason: None,
            detail: json!({ "students": entries.len() }),
        },
        now,
    )
    .await?;
    Ok(entries)
}

/// Shows a student's full personal ID number: needs a reason, and leaves an audit entry.
pub async fn reveal_student_personal_id(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    student_id: i64,
    reason: &str,
    now: i64,
) -> Result<Option<PersonalId>, AppError> {
    let reason = reason.trim();
    if reason.chars().count() < 5 {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "reason"));
    }
    let stored: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT pid_enc FROM students WHERE school_id = $1 AND id = $2")
            .bind(school_id)
            .bind(student_id)
            .fetch_one(&mut *conn)
            .await?;
    let id = match stored {
        Some(bytes) => Some(crypto.decrypt(&bytes).map_err(|e| {
            tracing::error!(student_id, error = %e, "stored personal ID cannot be decrypted");
            AppError::new(ErrorCode::Internal)
        })?),
        None => None,
    };
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Reveal,
            entity: "student",
            entity_id: Some(student_id),
            reason: Some(reason),
            detail: json!({ "field": "personal_id" }),
        },
        now,
    )
    .await?;
    Ok(id)
}

/// Marks a guardian link verified (how, by whom, when) and audits the change.
pub async fn verify_link(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    link_id: i64,
    method: &str,
    verified_by: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    change_link(
        conn,
        actor,
        school_id,
        link_id,
        &LinkChange {
            status: "verified",
            method: Some(method),
            staff_id: verified_by,
            verification_id: None,
            note: None,
        },
        now,
    )
    .await
}

/// A new status of a guardian link, and how it came about.
#[derive(Clone, Copy, Debug)]
pub struct LinkChange<'a> {
    /// `unverified`, `pending`, `verified` or `revoked`.
    pub status: &'a str,
    /// For `verified`: `vneid`, `desk_card` or `clerk`.
    pub method: Option<&'a str>,
    /// The staff member who verified (the clerk at the desk, or the reviewer).
    pub staff_id: Option<i64>,
    /// The desk verification it rests on.
    pub verification_id: Option<i64>,
    pub note: Option<&'a str>,
}

/// Changes a guardian link's status. Every change is audited and kept in the link's history,
/// which its guardian sees.
pub async fn change_link(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    link_id: i64,
    change: &LinkChange<'_>,
    now: i64,
) -> Result<(), AppError> {
    let verified = change.status == "verified";
    let changed = sqlx::query(
        "UPDATE guardian_links SET status = $1, verified_method = $2, verified_at = $3, verified_by = $4,
                verification_id = $5, updated_at = $6
         WHERE school_id = $7 AND id = $8",
    )
    .bind(change.status)
    .bind(if verified { change.method } else { None })
    .bind(if verified { Some(now) } else { None })
    .bind(if verified { change.staff_id } else { None })
    .bind(if verified { change.verification_id } else { None })
    .bind(now)
    .bind(school_id)
    .bind(link_id)
    .execute(&mut *conn)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    sqlx::query(
        "INSERT INTO guardian_link_events (school_id, link_id, at, status, method, staff_id, verification_id, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(school_id)
    .bind(link_id)
    .bind(now)
    .bind(change.status)
    .bind(change.method)
    .bind(change.staff_id)
    .bind(change.verification_id)
    .bind(change.note)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Update,
            entity: "guardian_link",
            entity_id: Some(link_id),
            reason: change.note,
            detail: json!({
                "status": change.status,
                "method": change.method,
                "verification_id": change.verification_id,
            }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// The current year's classes of a staff member: those they teach, or all for admins and clerks.
pub async fn staff_classes(
    conn: &mut AnyConnection,
    school_id: i64,
    staff_id: i64,
    whole_school: bool,
) -> Result<Vec<StaffClass>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.id, c.name, c.grade, t.kind, sub.name_vi
         FROM classes c JOIN school_years y ON y.id = c.school_year_id AND y.is_current = 1
         LEFT JOIN teaching_assignments t ON t.class_id = c.id AND t.staff_id = $2 AND t.school_id = $1
         LEFT JOIN subjects sub ON sub.id = t.subject_id
         WHERE c.school_id = $1 AND ($3 = 1 OR t.id IS NOT NULL)
         ORDER BY c.grade, c.name, sub.sort_order",
    )
    .bind(school_id)
    .bind(staff_id)
    .bind(i64::from(whole_school))
    .fetch_all(conn)
    .await?;
    let mut classes: Vec<StaffClass> = Vec::new();
    for row in rows {
        let class_id: i64 = row.try_get("id")?;
        if classes.last().is_none_or(|c| c.class_id != class_id) {
            classes.push(StaffClass {
                class_id,
                class_name: row.try_get("name")?,
                grade: row.try_get("grade")?,
                subjects: Vec::new(),
                homeroom: false,
            });
        }
        if let Some(class) = classes.last_mut() {
            match row.try_get::<Option<String>, _>("kind")?.as_deref() {
                Some("homeroom") => class.homeroom = true,
                Some(_) => class
                    .subjects
                    .extend(row.try_get::<Option<String>, _>("name_vi")?),
                None => {}
            }
        }
    }
    Ok(classes)
}

/// The guardian's children in their school; names of children not yet visible are withheld.
pub async fn guardian_children(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    guardian_id: i64,
    now: i64,
) -> Result<Vec<ChildSummary>, AppError> {
    let rows = sqlx::query(
        "SELECT s.id, s.family_name, s.middle_name, s.given_name, l.relation, l.status, sc.guardian_access,
                (SELECT c.name FROM class_enrollments e JOIN classes c ON c.id = e.class_id
                   JOIN school_years y ON y.id = c.school_year_id AND y.is_current = 1
                  WHERE e.student_id = s.id AND e.left_on IS NULL) AS class_name
         FROM guardian_links l JOIN students s ON s.id = l.student_id JOIN schools sc ON sc.id = l.school_id
         WHERE l.school_id = $1 AND l.guardian_id = $2 AND l.status <> 'revoked'
         ORDER BY s.date_of_birth",
    )
    .bind(school_id)
    .bind(guardian_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut children = Vec::new();
    for row in rows {
        let status: String = row.try_get("status")?;
        let access: String = row.try_get("guardian_access")?;
        let visible = status == "verified" || access == "linked";
        let name = if visible {
            FullName {
                family: row.try_get("family_name")?,
                middle: row.try_get("middle_name")?,
                given: row.try_get("given_name")?,
            }
        } else {
            FullName {
                family: String::new(),
                middle: String::new(),
                given: String::new(),
            }
        };
        children.push(ChildSummary {
            student_id: row.try_get("id")?,
            name,
            class_name: if visible {
                row.try_get("class_name")?
            } else {
                None
            },
            relation: row.try_get("relation")?,
            link_status: status,
            visible,
        });
    }
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Read,
            entity: "guardian_children",
            entity_id: Some(guardian_id),
            reason: None,
            detail: json!({ "visible": children.iter().filter(|c| c.visible).count() }),
        },
        now,
    )
    .await?;
    Ok(children)
}
