//! Calendar feeds behind secret, revocable URLs, and the in-app notices inbox.

use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::identity::{PersonaKind, PersonaRef};
use crate::platform::audit::{self, Actor, AuditAction, AuditEvent};
use crate::platform::error::{AppError, ErrorCode};
use crate::timetable::views::{FeedView, NoticeDetail, NoticeKind, NoticeView, WeekOf};

/// Makes a feed for an account's persona; returns its id and the secret (shown once).
pub async fn create_feed(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    of: WeekOf,
    account_id: i64,
    persona: &PersonaRef,
    now: i64,
) -> Result<(i64, String), AppError> {
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let secret = hex::encode(secret);
    let (kind, target) = match of {
        WeekOf::Class(id) => ("class", id),
        WeekOf::Teacher(id) => ("teacher", id),
    };
    let row = sqlx::query(
        "INSERT INTO timetable_feeds (school_id, kind, target_id, secret_hash, account_id, persona_kind, persona_school, persona_record, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(school_id)
    .bind(kind)
    .bind(target)
    .bind(Sha256::digest(secret.as_bytes()).to_vec())
    .bind(account_id)
    .bind(persona.kind.code())
    .bind(persona.school_id)
    .bind(persona.record_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let id: i64 = row.try_get(0)?;
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Create,
            entity: "timetable_feed",
            entity_id: Some(id),
            reason: None,
            detail: json!({ "kind": kind, "target": target }),
        },
        now,
    )
    .await?;
    Ok((id, secret))
}

pub async fn revoke_feed(
    conn: &mut AnyConnection,
    actor: &Actor,
    account_id: i64,
    feed_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let school: Option<i64> = sqlx::query_scalar(
        "UPDATE timetable_feeds SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL
         RETURNING school_id",
    )
    .bind(now)
    .bind(feed_id)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(school) = school else {
        return Err(ErrorCode::NotFound.into());
    };
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school),
            action: AuditAction::Archive,
            entity: "timetable_feed",
            entity_id: Some(feed_id),
            reason: None,
            detail: json!({}),
        },
        now,
    )
    .await?;
    Ok(())
}

/// The account's feeds that still work.
pub async fn feeds_of(
    conn: &mut AnyConnection,
    account_id: i64,
) -> Result<Vec<FeedView>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT f.id, f.kind, f.target_id, f.created_at, f.last_used_at,
                CASE WHEN f.kind = 'class' THEN (SELECT c.name FROM classes c WHERE c.id = f.target_id)
                     ELSE (SELECT s.family_name || ' ' || s.middle_name || ' ' || s.given_name FROM staff s WHERE s.id = f.target_id)
                END AS title
         FROM timetable_feeds f WHERE f.account_id = $1 AND f.revoked_at IS NULL ORDER BY f.id",
    )
    .bind(account_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            let target: i64 = row.try_get("target_id")?;
            let title: Option<String> = row.try_get("title")?;
            Ok(FeedView {
                id: row.try_get("id")?,
                of: if kind == "class" {
                    WeekOf::Class(target)
                } else {
                    WeekOf::Teacher(target)
                },
                title: title
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                created_at: row.try_get("created_at")?,
                last_used_at: row.try_get("last_used_at")?,
            })
        })
        .collect()
}

/// A feed found by its URL token (`<id>.<secret>`), with the persona whose rights it carries.
pub struct FeedAccess {
    pub id: i64,
    pub school_id: i64,
    pub of: WeekOf,
    pub account_id: i64,
    pub persona: PersonaRef,
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The feed a token opens: not revoked, and the secret matches (compared in constant time).
pub async fn feed_by_token(
    conn: &mut AnyConnection,
    token: &str,
    now: i64,
) -> Result<Option<FeedAccess>, sqlx::Error> {
    let Some((id, secret)) = token.split_once('.') else {
        return Ok(None);
    };
    let Ok(id) = id.parse::<i64>() else {
        return Ok(None);
    };
    let Some(row) = sqlx::query(
        "SELECT id, school_id, kind, target_id, secret_hash, account_id, persona_kind, persona_school, persona_record
         FROM timetable_feeds WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let stored: Vec<u8> = row.try_get("secret_hash")?;
    if !constant_time_eq(&stored, &Sha256::digest(secret.as_bytes())) {
        return Ok(None);
    }
    let kind: String = row.try_get("kind")?;
    let target: i64 = row.try_get("target_id")?;
    let persona_kind: String = row.try_get("persona_kind")?;
    let Some(persona_kind) = PersonaKind::from_code(&persona_kind) else {
        return Ok(None);
    };
    sqlx::query("UPDATE timetable_feeds SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(Some(FeedAccess {
        id,
        school_id: row.try_get("school_id")?,
        of: if kind == "class" {
            WeekOf::Class(target)
        } else {
            WeekOf::Teacher(target)
        },
        account_id: row.try_get("account_id")?,
        persona: PersonaRef {
            kind: persona_kind,
            school_id: row.try_get("persona_school")?,
            record_id: row.try_get("persona_record")?,
        },
    }))
}

/// The recipient a persona's notices are addressed to.
pub fn recipient_of(
    persona: &crate::identity::authz::ActivePersona,
) -> Option<(&'static str, i64)> {
    use crate::identity::authz::ActivePersona;
    match persona {
        ActivePersona::Staff { staff_id, .. } => Some(("staff", *staff_id)),
        ActivePersona::Guardian { guardian_id, .. } => Some(("guardian", *guardian_id)),
        ActivePersona::Student { student_id, .. } => Some(("student", *student_id)),
        ActivePersona::DistrictAdmin { .. } => None,
    }
}

/// The newest notices of a person (at most 20), unread first.
pub async fn notices_for(
    conn: &mut AnyConnection,
    school_id: i64,
    recipient: (&str, i64),
) -> Result<Vec<NoticeView>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, kind, detail, link, created_at, read_at FROM notices
         WHERE school_id = $1 AND recipient_kind = $2 AND recipient_id = $3
         ORDER BY CASE WHEN read_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id DESC LIMIT 20",
    )
    .bind(school_id)
    .bind(recipient.0)
    .bind(recipient.1)
    .fetch_all(conn)
    .await?;
    let mut notices = Vec::with_capacity(rows.len());
    for row in &rows {
        let kind: String = row.try_get("kind")?;
        let Some(kind) = NoticeKind::from_code(&kind) else {
            continue;
        };
        let detail: String = row.try_get("detail")?;
        notices.push(NoticeView {
            id: row.try_get("id")?,
            kind,
            detail: serde_json::from_str::<NoticeDetail>(&detail).unwrap_or_default(),
            link: row.try_get("link")?,
            created_at: row.try_get("created_at")?,
            read: row.try_get::<Option<i64>, _>("read_at")?.is_some(),
        });
    }
    Ok(notices)
}

pub async fn mark_notices_read(
    conn: &mut AnyConnection,
    school_id: i64,
    recipient: (&str, i64),
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE notices SET read_at = $1 WHERE school_id = $2 AND recipient_kind = $3 AND recipient_id = $4 AND read_at IS NULL",
    )
    .bind(now)
    .bind(school_id)
    .bind(recipient.0)
    .bind(recipient.1)
    .execute(conn)
    .await?
    .rows_affected())
}
