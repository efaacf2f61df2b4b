//! Retention: the personal data of students who left (archived records) is erased after a
//! configurable period by a scheduled job. The student's row stays as a tombstone (its id and
//! school, so other records and the audit trail keep their keys); names, ID number, MOET code,
//! date of birth and ethnicity are cleared; guardians left without children, links, consents,
//! correction requests, police corrections and the student's login are deleted. The audit trail
//! stays untouched (it never holds an ID number).

use std::time::Duration;

use serde_json::json;
use sqlx::AnyConnection;

use crate::platform::audit::{self, Actor, AuditAction, AuditEvent};
use crate::platform::error::AppError;
use crate::platform::state::AppState;

/// How long archived records are kept and how often the job looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionPolicy {
    pub retention_days: i64,
    pub check_every: Duration,
}

/// Erases every archived student whose archive date is older than the retention period.
/// Returns how many were erased.
pub async fn erase_expired(
    conn: &mut AnyConnection,
    retention_days: i64,
    now: i64,
) -> Result<usize, AppError> {
    let cutoff = now - retention_days * 86_400;
    let due: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, school_id FROM students
         WHERE archived_at IS NOT NULL AND erased_at IS NULL AND archived_at <= $1 ORDER BY id",
    )
    .bind(cutoff)
    .fetch_all(&mut *conn)
    .await?;
    for (student_id, school_id) in &due {
        erase_student(conn, *school_id, *student_id, now).await?;
    }
    Ok(due.len())
}

async fn erase_student(
    conn: &mut AnyConnection,
    school_id: i64,
    student_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let guardians: Vec<i64> = sqlx::query_scalar(
        "SELECT guardian_id FROM guardian_links WHERE school_id = $1 AND student_id = $2",
    )
    .bind(school_id)
    .bind(student_id)
    .fetch_all(&mut *conn)
    .await?;
    for sql in [
        "DELETE FROM consents WHERE school_id = $1 AND student_id = $2",
        "DELETE FROM correction_requests WHERE school_id = $1 AND student_id = $2",
        "DELETE FROM police_corrections WHERE school_id = $1 AND student_id = $2",
        // The links' history as families saw it, and the desk's pointers to the links.
        "DELETE FROM guardian_link_events WHERE school_id = $1
           AND link_id IN (SELECT id FROM guardian_links WHERE school_id = $1 AND student_id = $2)",
        "UPDATE verification_reviews SET link_id = NULL WHERE school_id = $1
           AND link_id IN (SELECT id FROM guardian_links WHERE school_id = $1 AND student_id = $2)",
        "DELETE FROM guardian_links WHERE school_id = $1 AND student_id = $2",
        "DELETE FROM identity_mismatches WHERE school_id = $1 AND record_kind = 'student' AND record_id = $2",
        // Attendance and messages about the child (days absent stay, as the tombstone's).
        "DELETE FROM leave_requests WHERE school_id = $1 AND student_id = $2",
        "DELETE FROM notification_preferences WHERE school_id = $1 AND student_id = $2",
        "DELETE FROM push_jobs WHERE message_id IN (SELECT id FROM inbox_messages WHERE school_id = $1 AND student_id = $2)",
        "DELETE FROM inbox_messages WHERE school_id = $1 AND student_id = $2",
        "DELETE FROM sessions WHERE account_id IN (SELECT id FROM accounts WHERE school_id = $1 AND student_id = $2)",
        "DELETE FROM passkeys WHERE account_id IN (SELECT id FROM accounts WHERE school_id = $1 AND student_id = $2)",
        "DELETE FROM accounts WHERE school_id = $1 AND student_id = $2",
    ] {
        sqlx::query(sql)
            .bind(school_id)
            .bind(student_id)
            .execute(&mut *conn)
            .await?;
    }
    let mut guardians_erased = 0;
    for guardian in guardians {
        let remaining: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM guardian_links WHERE guardian_id = $1")
                .bind(guardian)
                .fetch_one(&mut *conn)
                .await?;
        if remaining > 0 {
            continue;
        }
        for sql in [
            "DELETE FROM consents WHERE school_id = $1 AND guardian_id = $2",
            "DELETE FROM correction_requests WHERE school_id = $1 AND guardian_id = $2",
            "DELETE FROM identity_mismatches WHERE school_id = $1 AND record_kind = 'guardian' AND record_id = $2",
            "DELETE FROM leave_requests WHERE school_id = $1 AND guardian_id = $2",
            "DELETE FROM notification_preferences WHERE school_id = $1 AND guardian_id = $2",
            "DELETE FROM push_jobs WHERE message_id IN (SELECT id FROM inbox_messages
               WHERE school_id = $1 AND recipient_kind = 'guardian' AND recipient_id = $2)",
            "DELETE FROM inbox_messages WHERE school_id = $1 AND recipient_kind = 'guardian' AND recipient_id = $2",
            "DELETE FROM fee_guardian_seen WHERE school_id = $1 AND guardian_id = $2",
            // The desk's review stays (what was decided), without the erased person.
            "UPDATE verification_reviews SET guardian_id = NULL WHERE school_id = $1 AND guardian_id = $2",
            "DELETE FROM guardians WHERE school_id = $1 AND id = $2",
        ] {
            sqlx::query(sql)
                .bind(school_id)
                .bind(guardian)
                .execute(&mut *conn)
                .await?;
        }
        guardians_erased += 1;
    }
    sqlx::query(
        "UPDATE students SET moet_code = NULL, pid_enc = NULL, pid_hash = NULL, family_name = '', middle_name = '',
                given_name = '', name_search = '', date_of_birth = '', ethnicity = NULL, erased_at = $1, updated_at = $1
         WHERE school_id = $2 AND id = $3",
    )
    .bind(now)
    .bind(school_id)
    .bind(student_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        &Actor::system(),
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Erase,
            entity: "student",
            entity_id: Some(student_id),
            reason: Some("retention"),
            detail: json!({ "guardians_erased": guardians_erased }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// One pass of the job, in one transaction.
pub async fn run_once(state: &AppState, retention_days: i64) -> Result<usize, AppError> {
    let mut tx = state.db.pool().begin().await?;
    let erased = erase_expired(&mut tx, retention_days, state.clock.unix()).await?;
    tx.commit().await?;
    Ok(erased)
}

/// Starts the job: a pass at start-up, then one every `check_every`.
pub fn spawn(state: AppState, policy: RetentionPolicy) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(policy.check_every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match run_once(&state, policy.retention_days).await {
                Ok(0) => {}
                Ok(erased) => tracing::info!(erased, "retention: archived records erased"),
                Err(error) => tracing::warn!(code = error.code.as_str(), "retention pass failed"),
            }
        }
    })
}
