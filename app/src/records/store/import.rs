//! The ministry's files in and out: the school's records as the import plan compares them, the
//! plan applied in the caller's transaction, and the export in the same layout.

use std::collections::{HashMap, HashSet};

use serde_json::json;
use sqlx::{AnyConnection, Row};
use time::Date;

use super::{insert_returning_id, name_from, record_event};
use crate::people::FullName;
use crate::platform::audit::{Actor, AuditAction};
use crate::platform::collation::fold_for_search;
use crate::platform::crypto::PidCrypto;
use crate::platform::db::Db;
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::format::{format_date, iso_date, parse_iso_date};
use crate::platform::personal_id::{PersonalId, Sex};
use crate::records::rules::{
    Change, ExistingParent, ExistingStaff, ExistingStudent, Field, ImportKind, Parent, ParentField,
    ParentRow, Plan, Planned, StaffRow, StudentRow, fold_header, sex_label, staff_status_label,
    status_label,
};
use crate::records::rules::{
    Checked, FileProblem, Sheet, check_staff, check_students, locate_header, plan_staff,
    plan_students,
};
use crate::records::xlsx::read_first_sheet;
use crate::records::{ImportReport, RowChange};

/// The current year's classes by folded name (and MOET class code): id.
pub async fn class_keys(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<HashMap<String, i64>, AppError> {
    let rows = sqlx::query(
        "SELECT c.id, c.name, c.moet_code FROM classes c JOIN school_years y ON y.id = c.school_year_id
         WHERE c.school_id = $1 AND y.is_current = 1",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut keys = HashMap::new();
    for row in rows {
        let id: i64 = row.try_get("id")?;
        keys.insert(fold_header(&row.try_get::<String, _>("name")?), id);
        if let Some(code) = row.try_get::<Option<String>, _>("moet_code")? {
            keys.insert(fold_header(&code), id);
        }
    }
    Ok(keys)
}

/// The school's students (all but erased ones) with their current class and guardians.
pub async fn existing_students(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Vec<ExistingStudent>, AppError> {
    let rows = sqlx::query(
        "SELECT id, moet_code, pid_hash, family_name, middle_name, given_name, date_of_birth, sex, ethnicity, status
         FROM students WHERE school_id = $1 AND erased_at IS NULL",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    let classes: HashMap<i64, String> = sqlx::query(
        "SELECT e.student_id, c.name FROM class_enrollments e JOIN classes c ON c.id = e.class_id
         JOIN school_years y ON y.id = c.school_year_id AND y.is_current = 1
         WHERE e.school_id = $1 AND e.left_on IS NULL",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("student_id")?,
            fold_header(&r.try_get::<String, _>("name")?),
        ))
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let mut parents: HashMap<i64, Vec<ExistingParent>> = HashMap::new();
    for row in sqlx::query(
        "SELECT l.student_id, l.relation, g.id, g.pid_hash, g.family_name, g.middle_name, g.given_name, g.phone, g.occupation
         FROM guardian_links l JOIN guardians g ON g.id = l.guardian_id
         WHERE l.school_id = $1 AND l.status <> 'revoked' ORDER BY l.id",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?
    {
        let Some(parent) = Parent::from_relation_code(&row.try_get::<String, _>("relation")?) else {
            continue;
        };
        parents
            .entry(row.try_get("student_id")?)
            .or_default()
            .push(ExistingParent {
                guardian_id: row.try_get("id")?,
                parent,
                name: name_from(&row)?,
                pid_hash: row.try_get("pid_hash")?,
                phone: row.try_get("phone")?,
                occupation: row.try_get("occupation")?,
            });
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            Ok(ExistingStudent {
                id,
                moet_code: r.try_get("moet_code")?,
                pid_hash: r.try_get("pid_hash")?,
                name: name_from(r)?,
                date_of_birth: r.try_get("date_of_birth")?,
                sex: Sex::from_code(&r.try_get::<String, _>("sex")?).unwrap_or(Sex::Female),
                ethnicity: r.try_get("ethnicity")?,
                status: r.try_get("status")?,
                class_key: classes.get(&id).cloned(),
                parents: parents.remove(&id).unwrap_or_default(),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

/// Keyed hashes of students active in the district's other schools (a row naming one of them
/// needs a transfer, not an import).
pub async fn active_elsewhere(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<HashSet<Vec<u8>>, AppError> {
    let hashes: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT s.pid_hash FROM students s JOIN schools other ON other.id = s.school_id
         WHERE s.school_id <> $1 AND s.pid_hash IS NOT NULL AND s.archived_at IS NULL
           AND other.district_id = (SELECT district_id FROM schools WHERE id = $1)",
    )
    .bind(school_id)
    .fetch_all(conn)
    .await?;
    Ok(hashes.into_iter().collect())
}

fn seal(crypto: &PidCrypto, id: Option<&PersonalId>) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    (
        id.map(|i| crypto.encrypt(i)),
        id.map(|i| crypto.lookup_hash(i)),
    )
}

fn archives(status: &str) -> bool {
    matches!(status, "transferred_out" | "dropped_out" | "graduated")
}

/// Finds the school's guardian for a parent column (by ID number; else by name and phone), or
/// adds one; then links them to the student if they are not yet.
async fn attach_parent(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    school_id: i64,
    student_id: i64,
    parent: &ParentRow,
    now: i64,
) -> Result<(), AppError> {
    let (enc, hash) = seal(crypto, parent.personal_id.as_ref());
    let found: Option<i64> = match (&hash, &parent.phone) {
        (Some(h), _) => {
            sqlx::query_scalar("SELECT id FROM guardians WHERE school_id = $1 AND pid_hash = $2")
                .bind(school_id)
                .bind(h.clone())
                .fetch_optional(&mut *conn)
                .await?
        }
        (None, Some(phone)) => {
            sqlx::query_scalar(
                "SELECT id FROM guardians WHERE school_id = $1 AND name_search = $2 AND phone = $3 ORDER BY id LIMIT 1",
            )
            .bind(school_id)
            .bind(fold_for_search(&parent.name.full()))
            .bind(phone.clone())
            .fetch_optional(&mut *conn)
            .await?
        }
        (None, None) => None,
    };
    let guardian = match found {
        Some(id) => id,
        None => {
            let sex = match parent.parent {
                Parent::Father => Some("M"),
                Parent::Mother => Some("F"),
                Parent::Guardian => parent
                    .personal_id
                    .as_ref()
                    .map(|p| p.birth_century_and_sex().1.code()),
            };
            insert_returning_id(
                sqlx::query(
                    "INSERT INTO guardians (school_id, pid_enc, pid_hash, family_name, middle_name, given_name, name_search,
                                            sex, phone, occupation, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
                )
                .bind(school_id)
                .bind(enc)
                .bind(hash)
                .bind(&parent.name.family)
                .bind(&parent.name.middle)
                .bind(&parent.name.given)
                .bind(fold_for_search(&parent.name.full()))
                .bind(sex)
                .bind(parent.phone.clone())
                .bind(parent.occupation.clone())
                .bind(now),
                &mut *conn,
            )
            .await?
        }
    };
    sqlx::query(
        "INSERT INTO guardian_links (school_id, guardian_id, student_id, relation, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (guardian_id, student_id) DO NOTHING",
    )
    .bind(school_id)
    .bind(guardian)
    .bind(student_id)
    .bind(parent.parent.relation_code())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn update_parent(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    school_id: i64,
    guardian_id: i64,
    parent: &ParentRow,
    now: i64,
) -> Result<(), AppError> {
    let (enc, hash) = seal(crypto, parent.personal_id.as_ref());
    sqlx::query(
        "UPDATE guardians SET family_name = $1, middle_name = $2, given_name = $3, name_search = $4,
                phone = COALESCE($5, phone), occupation = COALESCE($6, occupation),
                pid_enc = COALESCE($7, pid_enc), pid_hash = COALESCE($8, pid_hash), updated_at = $9
         WHERE school_id = $10 AND id = $11",
    )
    .bind(&parent.name.family)
    .bind(&parent.name.middle)
    .bind(&parent.name.given)
    .bind(fold_for_search(&parent.name.full()))
    .bind(parent.phone.clone())
    .bind(parent.occupation.clone())
    .bind(enc)
    .bind(hash)
    .bind(now)
    .bind(school_id)
    .bind(guardian_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Applies a student import plan (call inside a transaction): adds, changes, one audit entry.
#[allow(clippy::too_many_arguments)]
pub async fn apply_students(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    plan: &Plan<StudentRow>,
    existing: &[ExistingStudent],
    today: Date,
    now: i64,
) -> Result<(), AppError> {
    let classes = class_keys(conn, school_id).await?;
    let year: Option<i64> = super::current_year(conn, school_id).await?.map(|y| y.0);
    let class_of = |row: &StudentRow| -> Result<Option<(i64, i64)>, AppError> {
        match &row.class_name {
            None => Ok(None),
            Some(name) => match (classes.get(&fold_header(name)), year) {
                (Some(class), Some(year)) => Ok(Some((*class, year))),
                _ => Err(AppError::for_field(ErrorCode::NotFound, "class")),
            },
        }
    };
    let by_id: HashMap<i64, &ExistingStudent> = existing.iter().map(|s| (s.id, s)).collect();
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for item in &plan.items {
        match item {
            Planned::Same { .. } => {}
            Planned::Add(row) => {
                let (enc, hash) = seal(crypto, row.personal_id.as_ref());
                let status = row.status.unwrap_or("studying");
                let id = insert_returning_id(
                    sqlx::query(
                        "INSERT INTO students (school_id, moet_code, pid_enc, pid_hash, family_name, middle_name, given_name,
                                               name_search, date_of_birth, sex, ethnicity, status, status_since, archived_at,
                                               created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
                    )
                    .bind(school_id)
                    .bind(row.moet_code.clone())
                    .bind(enc)
                    .bind(hash)
                    .bind(&row.name.family)
                    .bind(&row.name.middle)
                    .bind(&row.name.given)
                    .bind(fold_for_search(&row.name.full()))
                    .bind(iso_date(row.date_of_birth))
                    .bind(row.sex.code())
                    .bind(row.ethnicity.clone())
                    .bind(status)
                    .bind(iso_date(today))
                    .bind(archives(status).then_some(now))
                    .bind(now),
                    &mut *conn,
                )
                .await?;
                if let Some((class, year)) = class_of(row)?
                    && !archives(status)
                {
                    crate::people::store::enroll(conn, school_id, year, class, id, today).await?;
                }
                for parent in &row.parents {
                    attach_parent(conn, crypto, school_id, id, parent, now).await?;
                }
                added.push(id);
            }
            Planned::Change { id, row, changes } => {
                let (enc, hash) = seal(crypto, row.personal_id.as_ref());
                let status_changed = changes.contains(&Change::Status);
                let status = row.status.unwrap_or("studying");
                sqlx::query(
                    "UPDATE students SET family_name = $1, middle_name = $2, given_name = $3, name_search = $4,
                            date_of_birth = $5, sex = $6, ethnicity = COALESCE($7, ethnicity),
                            moet_code = COALESCE(moet_code, $8), pid_enc = COALESCE(pid_enc, $9),
                            pid_hash = COALESCE(pid_hash, $10), updated_at = $11
                     WHERE school_id = $12 AND id = $13",
                )
                .bind(&row.name.family)
                .bind(&row.name.middle)
                .bind(&row.name.given)
                .bind(fold_for_search(&row.name.full()))
                .bind(iso_date(row.date_of_birth))
                .bind(row.sex.code())
                .bind(row.ethnicity.clone())
                .bind(row.moet_code.clone())
                .bind(enc)
                .bind(hash)
                .bind(now)
                .bind(school_id)
                .bind(*id)
                .execute(&mut *conn)
                .await?;
                if status_changed {
                    sqlx::query(
                        "UPDATE students SET status = $1, status_since = $2, archived_at = $3
                         WHERE school_id = $4 AND id = $5",
                    )
                    .bind(status)
                    .bind(iso_date(today))
                    .bind(archives(status).then_some(now))
                    .bind(school_id)
                    .bind(*id)
                    .execute(&mut *conn)
                    .await?;
                    if archives(status) {
                        super::leave_class(conn, school_id, *id, today).await?;
                    }
                }
                if changes.contains(&Change::Class)
                    && let Some((class, year)) = class_of(row)?
                    && !archives(status)
                {
                    super::leave_class(conn, school_id, *id, today).await?;
                    crate::people::store::enroll(conn, school_id, year, class, *id, today).await?;
                }
                let known = by_id.get(id).map(|s| s.parents.as_slice()).unwrap_or(&[]);
                for parent in &row.parents {
                    if changes.contains(&Change::ParentAdded(parent.parent)) {
                        attach_parent(conn, crypto, school_id, *id, parent, now).await?;
                    } else if changes.contains(&Change::ParentDetails(parent.parent))
                        && let Some(existing) = known.iter().find(|p| p.parent == parent.parent)
                    {
                        update_parent(conn, crypto, school_id, existing.guardian_id, parent, now)
                            .await?;
                    }
                }
                changed.push(*id);
            }
        }
    }
    let (_, _, same) = plan.counts();
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Import,
        "students",
        None,
        None,
        json!({ "added": added, "changed": changed, "unchanged": same }),
        now,
    )
    .await
}

/// The school's staff as the plan compares them.
pub async fn existing_staff(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Vec<ExistingStaff>, AppError> {
    sqlx::query(
        "SELECT id, moet_code, pid_hash, family_name, middle_name, given_name, date_of_birth, sex, email, phone,
                position, status
         FROM staff WHERE school_id = $1",
    )
    .bind(school_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|r| {
        Ok(ExistingStaff {
            id: r.try_get("id")?,
            staff_code: r.try_get("moet_code")?,
            pid_hash: r.try_get("pid_hash")?,
            name: name_from(r)?,
            date_of_birth: r.try_get("date_of_birth")?,
            sex: r
                .try_get::<Option<String>, _>("sex")?
                .as_deref()
                .and_then(Sex::from_code),
            email: r.try_get("email")?,
            phone: r.try_get("phone")?,
            position: r.try_get("position")?,
            status: r.try_get("status")?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()
    .map_err(AppError::from)
}

/// Applies a staff import plan. New staff whose position says teacher get the teacher role; no
/// other role is ever given by a file (admins and clerks are named by the school admin).
pub async fn apply_staff(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    plan: &Plan<StaffRow>,
    now: i64,
) -> Result<(), AppError> {
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for item in &plan.items {
        match item {
            Planned::Same { .. } => {}
            Planned::Add(row) => {
                let (enc, hash) = seal(crypto, row.personal_id.as_ref());
                let status = row.status.unwrap_or("active");
                let id = insert_returning_id(
                    sqlx::query(
                        "INSERT INTO staff (school_id, moet_code, pid_enc, pid_hash, family_name, middle_name, given_name,
                                            name_search, date_of_birth, sex, phone, email, position, status, archived_at,
                                            created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id",
                    )
                    .bind(school_id)
                    .bind(row.staff_code.clone())
                    .bind(enc)
                    .bind(hash)
                    .bind(&row.name.family)
                    .bind(&row.name.middle)
                    .bind(&row.name.given)
                    .bind(fold_for_search(&row.name.full()))
                    .bind(row.date_of_birth.map(iso_date))
                    .bind(row.sex.map(Sex::code))
                    .bind(row.phone.clone())
                    .bind(row.email.clone())
                    .bind(row.position.clone())
                    .bind(status)
                    .bind((status == "left").then_some(now))
                    .bind(now),
                    &mut *conn,
                )
                .await?;
                let teaches = row
                    .position
                    .as_deref()
                    .is_some_and(|p| fold_header(p).contains("giao vien"));
                if teaches && status != "left" {
                    sqlx::query(
                        "INSERT INTO staff_roles (school_id, staff_id, role) VALUES ($1, $2, 'teacher')",
                    )
                    .bind(school_id)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                }
                added.push(id);
            }
            Planned::Change { id, row, changes } => {
                let (enc, hash) = seal(crypto, row.personal_id.as_ref());
                sqlx::query(
                    "UPDATE staff SET family_name = $1, middle_name = $2, given_name = $3, name_search = $4,
                            date_of_birth = COALESCE($5, date_of_birth), sex = COALESCE($6, sex),
                            phone = COALESCE($7, phone), email = COALESCE($8, email), position = COALESCE($9, position),
                            moet_code = COALESCE(moet_code, $10), pid_enc = COALESCE(pid_enc, $11),
                            pid_hash = COALESCE(pid_hash, $12), updated_at = $13
                     WHERE school_id = $14 AND id = $15",
                )
                .bind(&row.name.family)
                .bind(&row.name.middle)
                .bind(&row.name.given)
                .bind(fold_for_search(&row.name.full()))
                .bind(row.date_of_birth.map(iso_date))
                .bind(row.sex.map(Sex::code))
                .bind(row.phone.clone())
                .bind(row.email.clone())
                .bind(row.position.clone())
                .bind(row.staff_code.clone())
                .bind(enc)
                .bind(hash)
                .bind(now)
                .bind(school_id)
                .bind(*id)
                .execute(&mut *conn)
                .await?;
                if changes.contains(&Change::Status)
                    && let Some(status) = row.status
                {
                    sqlx::query(
                        "UPDATE staff SET status = $1, archived_at = $2 WHERE school_id = $3 AND id = $4",
                    )
                    .bind(status)
                    .bind((status == "left").then_some(now))
                    .bind(school_id)
                    .bind(*id)
                    .execute(&mut *conn)
                    .await?;
                }
                changed.push(*id);
            }
        }
    }
    let (_, _, same) = plan.counts();
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Import,
        "staff",
        None,
        None,
        json!({ "added": added, "changed": changed, "unchanged": same }),
        now,
    )
    .await
}

/// The columns the exports write, in the ministry's order.
pub fn export_fields(kind: ImportKind) -> Vec<Field> {
    match kind {
        ImportKind::Students => Field::all(ImportKind::Students)
            .into_iter()
            .filter(|f| !matches!(f, Field::StatusDate))
            .collect(),
        ImportKind::Staff => Field::all(ImportKind::Staff),
    }
}

fn reveal(crypto: &PidCrypto, enc: Option<Vec<u8>>) -> String {
    enc.and_then(|bytes| crypto.decrypt(&bytes).ok())
        .map(|id| id.expose().to_string())
        .unwrap_or_default()
}

/// The school's current students (or one class's) in the import layout, in class-list order
/// within each class. The file carries full ID numbers, so the export needs a reason and is
/// audited with the rows it holds.
#[allow(clippy::too_many_arguments)]
pub async fn export_students(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    class_id: Option<i64>,
    reason: &str,
    now: i64,
) -> Result<(Vec<String>, Vec<Vec<String>>), AppError> {
    let reason = super::require_reason(reason)?;
    let (school_code, _, _) = super::school_info(conn, school_id).await?;
    let rows = sqlx::query(
        "SELECT s.id, s.moet_code, s.pid_enc, s.family_name, s.middle_name, s.given_name, s.date_of_birth, s.sex,
                s.ethnicity, s.status, c.name AS class_name, c.grade
         FROM students s
         LEFT JOIN class_enrollments e ON e.student_id = s.id AND e.left_on IS NULL AND e.school_id = $1
         LEFT JOIN classes c ON c.id = e.class_id
         WHERE s.school_id = $1 AND s.archived_at IS NULL AND s.erased_at IS NULL AND ($2 = 0 OR c.id = $2)",
    )
    .bind(school_id)
    .bind(class_id.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    if class_id.is_some() && rows.is_empty() {
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM classes WHERE school_id = $1 AND id = $2")
                .bind(school_id)
                .bind(class_id.unwrap_or(0))
                .fetch_optional(&mut *conn)
                .await?;
        if exists.is_none() {
            return Err(AppError::new(ErrorCode::NotFound));
        }
    }
    let mut parents: HashMap<(i64, Parent), Vec<String>> = HashMap::new();
    for row in sqlx::query(
        "SELECT l.student_id, l.relation, g.pid_enc, g.family_name, g.middle_name, g.given_name, g.phone, g.occupation
         FROM guardian_links l JOIN guardians g ON g.id = l.guardian_id
         WHERE l.school_id = $1 AND l.status <> 'revoked' ORDER BY l.id",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?
    {
        let Some(parent) = Parent::from_relation_code(&row.try_get::<String, _>("relation")?) else {
            continue;
        };
        let key = (row.try_get::<i64, _>("student_id")?, parent);
        if parents.contains_key(&key) {
            continue;
        }
        parents.insert(
            key,
            vec![
                name_from(&row)?.full(),
                reveal(crypto, row.try_get("pid_enc")?),
                row.try_get::<Option<String>, _>("phone")?.unwrap_or_default(),
                row.try_get::<Option<String>, _>("occupation")?.unwrap_or_default(),
            ],
        );
    }
    struct Line {
        grade: i64,
        class: String,
        name: FullName,
        cells: Vec<String>,
        id: i64,
    }
    let fields = export_fields(ImportKind::Students);
    let mut lines = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        let name = name_from(row)?;
        let class: String = row
            .try_get::<Option<String>, _>("class_name")?
            .unwrap_or_default();
        let sex = Sex::from_code(&row.try_get::<String, _>("sex")?).unwrap_or(Sex::Female);
        let born = parse_iso_date(&row.try_get::<String, _>("date_of_birth")?)
            .map(format_date)
            .unwrap_or_default();
        let status: String = row.try_get("status")?;
        let pid = reveal(crypto, row.try_get("pid_enc")?);
        let cells = fields
            .iter()
            .map(|field| match field {
                Field::SchoolCode => school_code.clone(),
                Field::MoetCode => row
                    .try_get::<Option<String>, _>("moet_code")
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
                Field::FullName => name.full(),
                Field::DateOfBirth => born.clone(),
                Field::Sex => sex_label(sex).to_string(),
                Field::ClassName => class.clone(),
                Field::Status => status_label(&status).to_string(),
                Field::Ethnicity => row
                    .try_get::<Option<String>, _>("ethnicity")
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
                Field::PersonalId => pid.clone(),
                Field::Parent(who, what) => parents
                    .get(&(id, *who))
                    .and_then(|p| {
                        p.get(match what {
                            ParentField::Name => 0,
                            ParentField::PersonalId => 1,
                            ParentField::Phone => 2,
                            ParentField::Occupation => 3,
                        })
                    })
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .collect();
        lines.push(Line {
            grade: row.try_get::<Option<i64>, _>("grade")?.unwrap_or(0),
            class,
            name,
            cells,
            id,
        });
    }
    lines.sort_by_cached_key(|l| {
        (
            l.grade,
            crate::platform::collation::collation_key(&l.class),
            l.name.class_list_key(),
        )
    });
    let ids: Vec<i64> = lines.iter().map(|l| l.id).collect();
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Export,
        "students",
        class_id,
        Some(reason),
        json!({ "students": ids }),
        now,
    )
    .await?;
    Ok((
        fields.iter().map(|f| f.header()).collect(),
        lines.into_iter().map(|l| l.cells).collect(),
    ))
}

/// The school's staff in the import layout; needs a reason, audited.
pub async fn export_staff(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    reason: &str,
    now: i64,
) -> Result<(Vec<String>, Vec<Vec<String>>), AppError> {
    let reason = super::require_reason(reason)?;
    let (school_code, _, _) = super::school_info(conn, school_id).await?;
    let rows = sqlx::query(
        "SELECT id, moet_code, pid_enc, family_name, middle_name, given_name, date_of_birth, sex, email, phone,
                position, status
         FROM staff WHERE school_id = $1",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    let fields = export_fields(ImportKind::Staff);
    let mut lines = Vec::new();
    for row in &rows {
        let name = name_from(row)?;
        let text = |column: &str| {
            row.try_get::<Option<String>, _>(column)
                .ok()
                .flatten()
                .unwrap_or_default()
        };
        let cells: Vec<String> = fields
            .iter()
            .map(|field| match field {
                Field::SchoolCode => school_code.clone(),
                Field::StaffCode => text("moet_code"),
                Field::FullName => name.full(),
                Field::DateOfBirth => parse_iso_date(&text("date_of_birth"))
                    .map(format_date)
                    .unwrap_or_default(),
                Field::Sex => Sex::from_code(&text("sex"))
                    .map(|s| sex_label(s).to_string())
                    .unwrap_or_default(),
                Field::PersonalId => reveal(crypto, row.try_get("pid_enc").ok().flatten()),
                Field::Email => text("email"),
                Field::Phone => text("phone"),
                Field::Position => text("position"),
                Field::StaffStatus => staff_status_label(&text("status")).to_string(),
                _ => String::new(),
            })
            .collect();
        lines.push((name, row.try_get::<i64, _>("id")?, cells));
    }
    lines.sort_by_cached_key(|(name, _, _)| name.class_list_key());
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Export,
        "staff",
        None,
        Some(reason),
        json!({ "staff": lines.iter().map(|l| l.1).collect::<Vec<_>>() }),
        now,
    )
    .await?;
    Ok((
        fields.iter().map(|f| f.header()).collect(),
        lines.into_iter().map(|l| l.2).collect(),
    ))
}

fn file_problem(problem: FileProblem) -> AppError {
    match problem {
        FileProblem::NoHeader => AppError::new(ErrorCode::RecordsFileNoHeader),
        FileProblem::MissingColumn(column) => {
            AppError::for_field(ErrorCode::RecordsFileMissingColumn, column)
        }
        FileProblem::OtherSchool { .. } => AppError::new(ErrorCode::RecordsFileOtherSchool),
        FileProblem::TooManyRows => AppError::new(ErrorCode::RecordsFileTooManyRows),
    }
}

fn report_of<R>(
    kind: ImportKind,
    rows: usize,
    plan: &Plan<R>,
    file_errors: Vec<crate::records::rules::RowError>,
    describe: impl Fn(&R) -> (u32, String),
) -> ImportReport {
    let (added, changed, unchanged) = plan.counts();
    let mut errors = file_errors;
    errors.extend(plan.errors.iter().cloned());
    errors.sort_by_key(|e| e.row);
    let mut report = ImportReport {
        kind: kind.code().to_string(),
        rows,
        added,
        changed,
        unchanged,
        errors,
        ..ImportReport::default()
    };
    for item in &plan.items {
        match item {
            Planned::Add(row) => {
                let (number, name) = describe(row);
                report.additions.push(RowChange {
                    row: number,
                    name,
                    changes: Vec::new(),
                });
            }
            Planned::Change { row, changes, .. } => {
                let (number, name) = describe(row);
                report.changes.push(RowChange {
                    row: number,
                    name,
                    changes: changes.clone(),
                });
            }
            Planned::Same { .. } => {}
        }
    }
    report
}

/// Reads a workbook, checks it against the school's records and, when `apply` is asked and no
/// row is bad, applies it: all or nothing, in one transaction. Importing the same file again
/// finds nothing to change.
#[allow(clippy::too_many_arguments)]
pub async fn import_workbook(
    db: &Db,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    kind: ImportKind,
    bytes: Vec<u8>,
    apply: bool,
    today: Date,
    now: i64,
) -> Result<ImportReport, AppError> {
    let grid = tokio::task::spawn_blocking(move || read_first_sheet(&bytes))
        .await
        .map_err(|_| AppError::new(ErrorCode::Internal))??;
    let sheet: Sheet =
        locate_header(kind, grid).ok_or_else(|| AppError::new(ErrorCode::RecordsFileNoHeader))?;
    let rows = sheet.rows.len();
    let mut tx = db.pool().begin().await?;
    let (school_code, _, _) = super::school_info(&mut tx, school_id).await?;
    let hash = |id: &PersonalId| crypto.lookup_hash(id);
    let report = match kind {
        ImportKind::Students => {
            let classes: HashSet<String> =
                class_keys(&mut tx, school_id).await?.into_keys().collect();
            let Checked { rows: good, errors } =
                check_students(&sheet, &school_code, &classes, today).map_err(file_problem)?;
            let existing = existing_students(&mut tx, school_id).await?;
            let elsewhere = active_elsewhere(&mut tx, school_id).await?;
            let plan = plan_students(good, &existing, &elsewhere, &hash);
            let mut report = report_of(kind, rows, &plan, errors, |r: &StudentRow| {
                (r.row, r.name.full())
            });
            if apply && report.errors.is_empty() {
                apply_students(
                    &mut tx, crypto, actor, school_id, &plan, &existing, today, now,
                )
                .await?;
                report.applied = true;
            }
            report
        }
        ImportKind::Staff => {
            let Checked { rows: good, errors } =
                check_staff(&sheet, &school_code, today).map_err(file_problem)?;
            let existing = existing_staff(&mut tx, school_id).await?;
            let plan = plan_staff(good, &existing, &hash);
            let mut report = report_of(kind, rows, &plan, errors, |r: &StaffRow| {
                (r.row, r.name.full())
            });
            if apply && report.errors.is_empty() {
                apply_staff(&mut tx, crypto, actor, school_id, &plan, now).await?;
                report.applied = true;
            }
            report
        }
    };
    if apply && !report.applied {
        tx.rollback().await?;
        return Err(AppError::new(ErrorCode::RecordsImportHasErrors));
    }
    tx.commit().await?;
    Ok(report)
}
