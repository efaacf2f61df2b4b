//! Confirmation with the commune police: the list they check (audited: who, which rows, why),
//! their returned file (each row confirmed, corrected or not found), and the review queue where
//! corrections wait until the school applies them (each application audited).

use std::collections::HashMap;

use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::{masked, name_from, record_event, require_reason};
use crate::people::FullName;
use crate::platform::audit::{Actor, AuditAction};
use crate::platform::collation::fold_for_search;
use crate::platform::crypto::PidCrypto;
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::format::{format_date, iso_date, parse_iso_date};
use crate::platform::personal_id::Sex;
use crate::records::rules::police::{Answer, EXPORT_HEADERS, Outcome};
use crate::records::rules::{Problem, RowError, sex_label};
use crate::records::{PoliceCorrectionView, PoliceReport};

/// The school's current students with their guardians' names and ID numbers, for the police.
pub async fn export_list(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    reason: &str,
    now: i64,
) -> Result<(Vec<String>, Vec<Vec<String>>), AppError> {
    let reason = require_reason(reason)?;
    let (school_code, _, _) = super::school_info(conn, school_id).await?;
    let students = sqlx::query(
        "SELECT id, moet_code, pid_enc, family_name, middle_name, given_name, date_of_birth, sex
         FROM students WHERE school_id = $1 AND archived_at IS NULL AND erased_at IS NULL",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut parents: HashMap<(i64, String), (String, String)> = HashMap::new();
    for row in sqlx::query(
        "SELECT l.student_id, l.relation, g.pid_enc, g.family_name, g.middle_name, g.given_name
         FROM guardian_links l JOIN guardians g ON g.id = l.guardian_id
         WHERE l.school_id = $1 AND l.status <> 'revoked' ORDER BY l.id",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?
    {
        let key = (row.try_get("student_id")?, row.try_get("relation")?);
        let pid = row
            .try_get::<Option<Vec<u8>>, _>("pid_enc")?
            .and_then(|b| crypto.decrypt(&b).ok())
            .map(|p| p.expose().to_string())
            .unwrap_or_default();
        parents.entry(key).or_insert((name_from(&row)?.full(), pid));
    }
    let mut lines: Vec<(FullName, i64, Vec<String>)> = Vec::new();
    for s in &students {
        let id: i64 = s.try_get("id")?;
        let name = name_from(s)?;
        let pid = s
            .try_get::<Option<Vec<u8>>, _>("pid_enc")?
            .and_then(|b| crypto.decrypt(&b).ok())
            .map(|p| p.expose().to_string())
            .unwrap_or_default();
        let parent = |relation: &str| {
            parents
                .get(&(id, relation.to_string()))
                .cloned()
                .unwrap_or_default()
        };
        let (father, mother, guardian) = (parent("father"), parent("mother"), parent("guardian"));
        let mut cells = vec![
            String::new(),
            school_code.clone(),
            s.try_get::<Option<String>, _>("moet_code")?
                .unwrap_or_default(),
            pid,
            name.full(),
            parse_iso_date(&s.try_get::<String, _>("date_of_birth")?)
                .map(format_date)
                .unwrap_or_default(),
            Sex::from_code(&s.try_get::<String, _>("sex")?)
                .map(|x| sex_label(x).to_string())
                .unwrap_or_default(),
            father.0,
            father.1,
            mother.0,
            mother.1,
            guardian.0,
            guardian.1,
        ];
        cells.resize(EXPORT_HEADERS.len(), String::new());
        lines.push((name, id, cells));
    }
    lines.sort_by_cached_key(|(name, _, _)| name.class_list_key());
    for (index, line) in lines.iter_mut().enumerate() {
        line.2[0] = (index + 1).to_string();
    }
    let ids: Vec<i64> = lines.iter().map(|l| l.1).collect();
    sqlx::query(
        "INSERT INTO police_exports (school_id, actor_kind, actor_id, reason, student_ids, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(school_id)
    .bind(actor.kind.as_str())
    .bind(actor.id)
    .bind(reason)
    .bind(json!(ids).to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Export,
        "police_confirmation",
        None,
        Some(reason),
        json!({ "students": ids }),
        now,
    )
    .await?;
    Ok((
        EXPORT_HEADERS.iter().map(|h| h.to_string()).collect(),
        lines.into_iter().map(|l| l.2).collect(),
    ))
}

/// Applies the police's answers (call inside a transaction; nothing is applied when a row is
/// bad or names no student of the school): statuses recorded, corrections queued for review.
pub async fn apply_answers(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    answers: &[Answer],
    mut errors: Vec<RowError>,
    now: i64,
) -> Result<PoliceReport, AppError> {
    let mut report = PoliceReport {
        rows: answers.len() + errors.len(),
        ..PoliceReport::default()
    };
    let mut matched = Vec::new();
    for answer in answers {
        let by_pid: Option<i64> = match &answer.personal_id {
            Some(id) => sqlx::query_scalar(
                "SELECT id FROM students WHERE school_id = $1 AND pid_hash = $2 AND erased_at IS NULL",
            )
            .bind(school_id)
            .bind(crypto.lookup_hash(id))
            .fetch_optional(&mut *conn)
            .await?,
            None => None,
        };
        let student = match (by_pid, &answer.moet_code) {
            (Some(id), _) => Some(id),
            (None, Some(code)) => sqlx::query_scalar(
                "SELECT id FROM students WHERE school_id = $1 AND moet_code = $2 AND erased_at IS NULL",
            )
            .bind(school_id)
            .bind(code.clone())
            .fetch_optional(&mut *conn)
            .await?,
            (None, None) => None,
        };
        match student {
            Some(id) => matched.push((id, answer)),
            None => errors.push(RowError::new(
                answer.row,
                "Số định danh cá nhân",
                Problem::OtherSchool,
            )),
        }
    }
    errors.sort_by_key(|e| e.row);
    report.errors = errors;
    if !report.errors.is_empty() {
        return Ok(report);
    }
    for (student_id, answer) in matched {
        sqlx::query(
            "UPDATE students SET police_status = $1, police_checked_at = $2 WHERE school_id = $3 AND id = $4",
        )
        .bind(answer.outcome.code())
        .bind(now)
        .bind(school_id)
        .bind(student_id)
        .execute(&mut *conn)
        .await?;
        match answer.outcome {
            Outcome::Confirmed => report.confirmed += 1,
            Outcome::NotFound => report.not_found += 1,
            Outcome::Corrected => {
                report.corrected += 1;
                sqlx::query(
                    "INSERT INTO police_corrections (school_id, student_id, full_name, date_of_birth, sex, pid_enc, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(school_id)
                .bind(student_id)
                .bind(answer.name.as_ref().map(FullName::full))
                .bind(answer.date_of_birth.map(iso_date))
                .bind(answer.sex.map(Sex::code))
                .bind(answer.corrected_id.as_ref().map(|id| crypto.encrypt(id)))
                .bind(now)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    report.applied = true;
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Import,
        "police_confirmation",
        None,
        None,
        json!({ "confirmed": report.confirmed, "corrected": report.corrected, "not_found": report.not_found }),
        now,
    )
    .await?;
    Ok(report)
}

/// Corrections waiting for the school.
pub async fn queue(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    now: i64,
) -> Result<Vec<PoliceCorrectionView>, AppError> {
    let rows = sqlx::query(
        "SELECT c.id, c.student_id, c.full_name, c.date_of_birth, c.sex, c.pid_enc,
                s.family_name, s.middle_name, s.given_name
         FROM police_corrections c JOIN students s ON s.id = c.student_id
         WHERE c.school_id = $1 AND c.status = 'pending' ORDER BY c.id",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    let list = rows
        .iter()
        .map(|r| {
            Ok(PoliceCorrectionView {
                id: r.try_get("id")?,
                student_id: r.try_get("student_id")?,
                current_name: name_from(r)?.full(),
                full_name: r.try_get("full_name")?,
                date_of_birth: r.try_get("date_of_birth")?,
                sex: r.try_get("sex")?,
                masked_id: masked(crypto, r.try_get("pid_enc")?),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Read,
        "police_corrections",
        None,
        None,
        json!({ "pending": list.len() }),
        now,
    )
    .await?;
    Ok(list)
}

/// Applies (or rejects) one correction; applying changes the student's record, audited.
pub async fn resolve(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    school_id: i64,
    correction_id: i64,
    apply: bool,
    now: i64,
) -> Result<(), AppError> {
    let row = sqlx::query(
        "SELECT student_id, full_name, date_of_birth, sex, pid_enc FROM police_corrections
         WHERE school_id = $1 AND id = $2 AND status = 'pending'",
    )
    .bind(school_id)
    .bind(correction_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let student_id: i64 = row.try_get("student_id")?;
    let mut fields = Vec::new();
    if apply {
        let name = row
            .try_get::<Option<String>, _>("full_name")?
            .and_then(|n| FullName::parse(&n));
        let pid_enc: Option<Vec<u8>> = row.try_get("pid_enc")?;
        let pid_hash = match &pid_enc {
            Some(bytes) => match crypto.decrypt(bytes) {
                Ok(id) => Some(crypto.lookup_hash(&id)),
                Err(_) => return Err(AppError::new(ErrorCode::Internal)),
            },
            None => None,
        };
        if name.is_some() {
            fields.push("full_name");
        }
        if row.try_get::<Option<String>, _>("date_of_birth")?.is_some() {
            fields.push("date_of_birth");
        }
        if row.try_get::<Option<String>, _>("sex")?.is_some() {
            fields.push("sex");
        }
        if pid_enc.is_some() {
            fields.push("personal_id");
        }
        sqlx::query(
            "UPDATE students SET family_name = COALESCE($1, family_name), middle_name = COALESCE($2, middle_name),
                    given_name = COALESCE($3, given_name), name_search = COALESCE($4, name_search),
                    date_of_birth = COALESCE($5, date_of_birth), sex = COALESCE($6, sex),
                    pid_enc = COALESCE($7, pid_enc), pid_hash = COALESCE($8, pid_hash),
                    police_status = 'confirmed', updated_at = $9
             WHERE school_id = $10 AND id = $11",
        )
        .bind(name.as_ref().map(|n| n.family.clone()))
        .bind(name.as_ref().map(|n| n.middle.clone()))
        .bind(name.as_ref().map(|n| n.given.clone()))
        .bind(name.as_ref().map(|n| fold_for_search(&n.full())))
        .bind(row.try_get::<Option<String>, _>("date_of_birth")?)
        .bind(row.try_get::<Option<String>, _>("sex")?)
        .bind(pid_enc)
        .bind(pid_hash)
        .bind(now)
        .bind(school_id)
        .bind(student_id)
        .execute(&mut *conn)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                AppError::new(ErrorCode::Duplicate)
            }
            _ => e.into(),
        })?;
    }
    sqlx::query(
        "UPDATE police_corrections SET status = $1, resolved_at = $2, resolved_by = $3 WHERE school_id = $4 AND id = $5",
    )
    .bind(if apply { "applied" } else { "rejected" })
    .bind(now)
    .bind(match actor.kind {
        crate::platform::audit::ActorKind::Staff => actor.id,
        _ => None,
    })
    .bind(school_id)
    .bind(correction_id)
    .execute(&mut *conn)
    .await?;
    record_event(
        conn,
        actor,
        school_id,
        AuditAction::Update,
        "student",
        Some(student_id),
        Some("police correction"),
        json!({ "police_correction": correction_id, "applied": apply, "fields": fields }),
        now,
    )
    .await
}
