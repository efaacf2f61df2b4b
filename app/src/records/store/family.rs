//! Each family's own data (Law 91/2025): everything held about a guardian and their children, who
//! read it (from the audit trail), consents per child and purpose with the text agreed to, and
//! correction requests that reach the clerk. Only children through links the school counts.

use std::collections::HashMap;

use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::{masked, name_from, record_event};
use crate::platform::audit::{Actor, AuditAction};
use crate::platform::crypto::PidCrypto;
use crate::platform::error::{AppError, ErrorCode};
use crate::records::rules::status_label;
use crate::records::{
    AccessEntry, ConsentView, CorrectionRequestView, FamilyData, PersonData, Purpose,
};

/// The guardian's children the school lets them see (verified links, or any link where the
/// school allows it): (student id, relation).
pub async fn visible_children(
    conn: &mut AnyConnection,
    school_id: i64,
    guardian_id: i64,
) -> Result<Vec<(i64, String)>, AppError> {
    let rows = sqlx::query(
        "SELECT l.student_id, l.relation FROM guardian_links l JOIN schools s ON s.id = l.school_id
         JOIN students st ON st.id = l.student_id AND st.erased_at IS NULL
         WHERE l.school_id = $1 AND l.guardian_id = $2
           AND (l.status = 'verified' OR (s.guardian_access = 'linked' AND l.status IN ('unverified', 'pending')))
         ORDER BY st.date_of_birth",
    )
    .bind(school_id)
    .bind(guardian_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("student_id")?, r.try_get("relation")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

fn who_label(
    kind: &str,
    id: Option<i64>,
    guardian_id: i64,
    names: &HashMap<(String, i64), String>,
) -> String {
    match (kind, id) {
        ("guardian", Some(id)) if id == guardian_id => "Bạn / You".to_string(),
        ("system", _) => "Hệ thống / System".to_string(),
        (kind, Some(id)) => match names.get(&(kind.to_string(), id)) {
            Some(name) => format!("{name} ({kind})"),
            None => kind.to_string(),
        },
        (kind, None) => kind.to_string(),
    }
}

/// Everything the school holds about the guardian and their children; an audited read.
pub async fn family_data(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    guardian_id: i64,
    now: i64,
) -> Result<FamilyData, AppError> {
    let (_, school_name, _) = super::school_info(conn, school_id).await?;
    let g = sqlx::query(
        "SELECT family_name, middle_name, given_name, date_of_birth, sex, phone, email, occupation, pid_enc
         FROM guardians WHERE school_id = $1 AND id = $2",
    )
    .bind(school_id)
    .bind(guardian_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let guardian = PersonData {
        name: name_from(&g)?.full(),
        date_of_birth: g.try_get("date_of_birth")?,
        sex: g.try_get("sex")?,
        phone: g.try_get("phone")?,
        email: g.try_get("email")?,
        occupation: g.try_get("occupation")?,
        moet_code: None,
        masked_id: masked(crypto, g.try_get("pid_enc")?),
        class_name: None,
        status: None,
        relation: None,
        student_id: None,
    };
    let links = visible_children(conn, school_id, guardian_id).await?;
    let mut children = Vec::new();
    let mut class_ids = Vec::new();
    for (student_id, relation) in &links {
        let s = sqlx::query(
            "SELECT s.family_name, s.middle_name, s.given_name, s.date_of_birth, s.sex, s.moet_code, s.pid_enc, s.status,
                    (SELECT c.name FROM class_enrollments e JOIN classes c ON c.id = e.class_id
                      WHERE e.student_id = s.id AND e.left_on IS NULL ORDER BY e.id DESC LIMIT 1) AS class_name,
                    (SELECT e.class_id FROM class_enrollments e
                      WHERE e.student_id = s.id AND e.left_on IS NULL ORDER BY e.id DESC LIMIT 1) AS class_id
             FROM students s WHERE s.school_id = $1 AND s.id = $2",
        )
        .bind(school_id)
        .bind(*student_id)
        .fetch_one(&mut *conn)
        .await?;
        if let Some(class_id) = s.try_get::<Option<i64>, _>("class_id")? {
            class_ids.push(class_id);
        }
        children.push(PersonData {
            name: name_from(&s)?.full(),
            date_of_birth: s.try_get("date_of_birth")?,
            sex: s.try_get("sex")?,
            phone: None,
            email: None,
            occupation: None,
            moet_code: s.try_get("moet_code")?,
            masked_id: masked(crypto, s.try_get("pid_enc")?),
            class_name: s.try_get("class_name")?,
            status: Some(status_label(&s.try_get::<String, _>("status")?).to_string()),
            relation: Some(relation.clone()),
            student_id: Some(*student_id),
        });
    }
    let consents = consents(conn, school_id, guardian_id, &links).await?;
    let requests = requests_of(conn, school_id, Some(guardian_id), false).await?;

    // Who read or changed the family's data: entries about the guardian, the children, and the
    // children's class lists.
    let mut access_rows = Vec::new();
    let targets: Vec<(&str, i64)> = std::iter::once(("guardian", guardian_id))
        .chain(links.iter().map(|(id, _)| ("student", *id)))
        .chain(class_ids.iter().map(|id| ("class_list", *id)))
        .collect();
    for (entity, id) in targets {
        let rows = sqlx::query(
            "SELECT at, actor_kind, actor_id, action, entity FROM audit_log
             WHERE school_id = $1 AND entity = $2 AND entity_id = $3 ORDER BY id DESC LIMIT 200",
        )
        .bind(school_id)
        .bind(entity)
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        for r in rows {
            access_rows.push((
                r.try_get::<i64, _>("at")?,
                r.try_get::<String, _>("actor_kind")?,
                r.try_get::<Option<i64>, _>("actor_id")?,
                r.try_get::<String, _>("action")?,
                r.try_get::<String, _>("entity")?,
            ));
        }
    }
    access_rows.sort_by_key(|row| std::cmp::Reverse(row.0));
    access_rows.truncate(300);
    let mut names: HashMap<(String, i64), String> = HashMap::new();
    for (_, kind, id, _, _) in &access_rows {
        let Some(id) = id else { continue };
        if names.contains_key(&(kind.clone(), *id)) {
            continue;
        }
        let name = match kind.as_str() {
            "staff" => {
                sqlx::query("SELECT family_name, middle_name, given_name FROM staff WHERE id = $1")
                    .bind(*id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .map(|r| name_from(&r).map(|n| n.full()))
                    .transpose()?
            }
            "district_admin" => {
                sqlx::query_scalar("SELECT full_name FROM district_admins WHERE id = $1")
                    .bind(*id)
                    .fetch_optional(&mut *conn)
                    .await?
            }
            _ => None,
        };
        if let Some(name) = name {
            names.insert((kind.clone(), *id), name);
        }
    }
    let access = access_rows
        .into_iter()
        .map(|(at, kind, id, action, entity)| AccessEntry {
            at,
            who: who_label(&kind, id, guardian_id, &names),
            action,
            what: entity,
        })
        .collect();
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Read,
        "guardian",
        Some(guardian_id),
        Some("family data"),
        json!({ "children": links.len() }),
        now,
    )
    .await?;
    Ok(FamilyData {
        school_name,
        guardian,
        children,
        consents,
        requests,
        access,
        generated_at: now,
    })
}

/// The current state of each purpose for each child.
pub async fn consents(
    conn: &mut AnyConnection,
    school_id: i64,
    guardian_id: i64,
    children: &[(i64, String)],
) -> Result<Vec<ConsentView>, AppError> {
    let mut out = Vec::new();
    for (student_id, _) in children {
        for purpose in Purpose::ALL {
            let latest = sqlx::query(
                "SELECT text_version, text_vi, text_en, given_at, withdrawn_at FROM consents
                 WHERE school_id = $1 AND guardian_id = $2 AND student_id = $3 AND purpose = $4
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(school_id)
            .bind(guardian_id)
            .bind(*student_id)
            .bind(purpose.code())
            .fetch_optional(&mut *conn)
            .await?;
            out.push(match latest {
                Some(r) => ConsentView {
                    student_id: *student_id,
                    purpose: purpose.code().to_string(),
                    given: r.try_get::<Option<i64>, _>("withdrawn_at")?.is_none(),
                    text_vi: r.try_get("text_vi")?,
                    text_en: r.try_get("text_en")?,
                    text_version: r.try_get("text_version")?,
                    given_at: Some(r.try_get("given_at")?),
                    withdrawn_at: r.try_get("withdrawn_at")?,
                },
                None => ConsentView {
                    student_id: *student_id,
                    purpose: purpose.code().to_string(),
                    given: false,
                    text_vi: purpose.text_vi().to_string(),
                    text_en: purpose.text_en().to_string(),
                    text_version: purpose.version(),
                    given_at: None,
                    withdrawn_at: None,
                },
            });
        }
    }
    Ok(out)
}

/// Gives or withdraws a consent; the text shown and the time are kept, a withdrawal keeps the row.
#[allow(clippy::too_many_arguments)]
pub async fn set_consent(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    guardian_id: i64,
    student_id: i64,
    purpose: Purpose,
    give: bool,
    now: i64,
) -> Result<(), AppError> {
    let children = visible_children(conn, school_id, guardian_id).await?;
    if !children.iter().any(|(id, _)| *id == student_id) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let active: Option<i64> = sqlx::query_scalar(
        "SELECT text_version FROM consents WHERE school_id = $1 AND guardian_id = $2 AND student_id = $3
           AND purpose = $4 AND withdrawn_at IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(school_id)
    .bind(guardian_id)
    .bind(student_id)
    .bind(purpose.code())
    .fetch_optional(&mut *conn)
    .await?;
    if give {
        if active == Some(purpose.version()) {
            return Ok(());
        }
        sqlx::query(
            "UPDATE consents SET withdrawn_at = $1 WHERE school_id = $2 AND guardian_id = $3 AND student_id = $4
               AND purpose = $5 AND withdrawn_at IS NULL",
        )
        .bind(now)
        .bind(school_id)
        .bind(guardian_id)
        .bind(student_id)
        .bind(purpose.code())
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO consents (school_id, guardian_id, student_id, purpose, text_version, text_vi, text_en, given_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(school_id)
        .bind(guardian_id)
        .bind(student_id)
        .bind(purpose.code())
        .bind(purpose.version())
        .bind(purpose.text_vi())
        .bind(purpose.text_en())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    } else {
        if active.is_none() {
            return Ok(());
        }
        sqlx::query(
            "UPDATE consents SET withdrawn_at = $1 WHERE school_id = $2 AND guardian_id = $3 AND student_id = $4
               AND purpose = $5 AND withdrawn_at IS NULL",
        )
        .bind(now)
        .bind(school_id)
        .bind(guardian_id)
        .bind(student_id)
        .bind(purpose.code())
        .execute(&mut *conn)
        .await?;
    }
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Update,
        "consent",
        Some(student_id),
        None,
        json!({ "purpose": purpose.code(), "given": give, "text_version": purpose.version() }),
        now,
    )
    .await
}

/// The fields a family may ask to correct.
pub const CORRECTABLE: [&str; 6] = [
    "full_name",
    "date_of_birth",
    "sex",
    "personal_id",
    "phone",
    "other",
];

/// A family's correction request, queued for the clerk.
#[allow(clippy::too_many_arguments)]
pub async fn request_correction(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    guardian_id: i64,
    student_id: Option<i64>,
    field: &str,
    requested: &str,
    now: i64,
) -> Result<i64, AppError> {
    if !CORRECTABLE.contains(&field) {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "field"));
    }
    let requested = requested.trim();
    if requested.is_empty() || requested.chars().count() > 500 {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "requested"));
    }
    if let Some(student) = student_id {
        let children = visible_children(conn, school_id, guardian_id).await?;
        if !children.iter().any(|(id, _)| *id == student) {
            return Err(AppError::new(ErrorCode::Forbidden));
        }
    }
    let id = super::insert_returning_id(
        sqlx::query(
            "INSERT INTO correction_requests (school_id, guardian_id, student_id, field, requested, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(school_id)
        .bind(guardian_id)
        .bind(student_id)
        .bind(field)
        .bind(requested)
        .bind(now),
        &mut *conn,
    )
    .await?;
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Create,
        "correction_request",
        Some(id),
        None,
        json!({ "field": field, "student_id": student_id }),
        now,
    )
    .await?;
    Ok(id)
}

/// Correction requests of the school (or of one guardian); `open_only` for the clerk's queue.
pub async fn requests_of(
    conn: &mut AnyConnection,
    school_id: i64,
    guardian_id: Option<i64>,
    open_only: bool,
) -> Result<Vec<CorrectionRequestView>, AppError> {
    let rows = sqlx::query(
        "SELECT r.id, r.student_id, r.field, r.requested, r.status, r.created_at,
                g.family_name, g.middle_name, g.given_name,
                s.family_name AS s_family, s.middle_name AS s_middle, s.given_name AS s_given
         FROM correction_requests r JOIN guardians g ON g.id = r.guardian_id
         LEFT JOIN students s ON s.id = r.student_id
         WHERE r.school_id = $1 AND ($2 = 0 OR r.guardian_id = $2) AND ($3 = 0 OR r.status = 'open')
         ORDER BY r.id DESC",
    )
    .bind(school_id)
    .bind(guardian_id.unwrap_or(0))
    .bind(i64::from(open_only))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let student_name = match r.try_get::<Option<String>, _>("s_given")? {
                Some(given) => Some(
                    [
                        r.try_get::<Option<String>, _>("s_family")?
                            .unwrap_or_default(),
                        r.try_get::<Option<String>, _>("s_middle")?
                            .unwrap_or_default(),
                        given,
                    ]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
                ),
                None => None,
            };
            Ok(CorrectionRequestView {
                id: r.try_get("id")?,
                guardian_name: name_from(r)?.full(),
                student_id: r.try_get("student_id")?,
                student_name,
                field: r.try_get("field")?,
                requested: r.try_get("requested")?,
                status: r.try_get("status")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

/// The clerk closes a request (done after correcting the record, or rejected).
pub async fn resolve_request(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    request_id: i64,
    done: bool,
    now: i64,
) -> Result<(), AppError> {
    let changed = sqlx::query(
        "UPDATE correction_requests SET status = $1, resolved_at = $2, resolved_by = $3
         WHERE school_id = $4 AND id = $5 AND status = 'open'",
    )
    .bind(if done { "done" } else { "rejected" })
    .bind(now)
    .bind(match actor.kind {
        crate::platform::audit::ActorKind::Staff => actor.id,
        _ => None,
    })
    .bind(school_id)
    .bind(request_id)
    .execute(&mut *conn)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Update,
        "correction_request",
        Some(request_id),
        None,
        json!({ "done": done }),
        now,
    )
    .await
}
