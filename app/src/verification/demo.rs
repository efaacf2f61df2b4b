//! Verification progress for the demo district, so the dashboard has a history to show: in the
//! second school most guardian links and teachers were verified at the desk over the last ten
//! weeks; in the pilot school a third of the teachers. Deterministic (derived from row ids), and
//! the pilot school's guardian links stay as the identity demo needs them.

use sqlx::AnyConnection;

use crate::demo::SCHOOL_CODES;
use crate::platform::error::AppError;

const DAY: i64 = 86_400;
/// The demo's records exist since the start of the school year (before the verifications).
const RECORDS_AGE: i64 = 100 * DAY;
/// Verifications spread over the last ten weeks.
const SPREAD: i64 = 70 * DAY;

pub async fn seed(conn: &mut AnyConnection, now: i64) -> Result<(), AppError> {
    for table in ["guardians", "staff", "guardian_links"] {
        sqlx::query(&format!("UPDATE {table} SET created_at = $1"))
            .bind(now - RECORDS_AGE)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("UPDATE guardian_link_events SET at = $1")
        .bind(now - RECORDS_AGE)
        .execute(&mut *conn)
        .await?;
    let school: i64 = sqlx::query_scalar("SELECT id FROM schools WHERE moet_code = $1")
        .bind(SCHOOL_CODES[1])
        .fetch_one(&mut *conn)
        .await?;
    let clerk: i64 = sqlx::query_scalar(
        "SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id
         WHERE s.school_id = $1 AND r.role = 'clerk' ORDER BY s.id LIMIT 1",
    )
    .bind(school)
    .fetch_one(&mut *conn)
    .await?;
    // Seven links in ten, at times spread over the last ten weeks (later ids, later times): four
    // by a card read at the desk, three by the parent's own VNeID login (no clerk involved).
    sqlx::query(
        "UPDATE guardian_links SET status = 'verified',
                verified_method = CASE WHEN (id % 10) < 4 THEN 'desk_card' ELSE 'vneid' END,
                verified_by = CASE WHEN (id % 10) < 4 THEN $1 ELSE NULL END,
                verified_at = $2 - ((id * 7919) % $3), updated_at = $4
         WHERE school_id = $5 AND (id % 10) < 7",
    )
    .bind(clerk)
    .bind(now)
    .bind(SPREAD)
    .bind(now)
    .bind(school)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO guardian_link_events (school_id, link_id, at, status, method, staff_id, note)
         SELECT school_id, id, verified_at, 'verified', verified_method, verified_by, 'demo'
         FROM guardian_links WHERE school_id = $1 AND status = 'verified'",
    )
    .bind(school)
    .execute(&mut *conn)
    .await?;
    // Teachers: four in five in the second school, one in three in the pilot school.
    sqlx::query(
        "INSERT INTO staff_verifications (school_id, staff_id, method, verified_by, verified_at)
         SELECT s.school_id, s.id, 'desk_card', NULL, $1 - ((s.id * 104729) % $2)
         FROM staff s JOIN staff_roles r ON r.staff_id = s.id AND r.role = 'teacher'
         WHERE (s.school_id = $3 AND (s.id % 5) <> 0) OR (s.school_id <> $3 AND (s.id % 3) = 0)",
    )
    .bind(now)
    .bind(SPREAD)
    .bind(school)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
