//! Server functions of attendance.

use leptos::prelude::*;

use super::rules::AbsenceCounts;
use super::{LeaveView, MarkInput, RollCallSaved, RollCallSheet, StudentAbsences};
use crate::identity::client::CsrfClient;
use crate::platform::error::AppError;

/// The school's date today (Vietnam is UTC+7 all year).
#[cfg(feature = "ssr")]
pub fn school_today(clock: &crate::platform::clock::Clock) -> time::Date {
    (clock.now() + time::Duration::hours(7)).date()
}

#[cfg(feature = "ssr")]
fn day_or_today(day: &str, clock: &crate::platform::clock::Clock) -> Result<time::Date, AppError> {
    if day.trim().is_empty() {
        return Ok(school_today(clock));
    }
    crate::platform::format::parse_iso_date(day)
        .ok_or_else(|| AppError::for_field(crate::platform::error::ErrorCode::InvalidDate, "day"))
}

/// The current school year of a school, as a day range.
#[cfg(feature = "ssr")]
async fn school_year(
    conn: &mut sqlx::AnyConnection,
    school_id: i64,
) -> Result<super::rules::DayRange, AppError> {
    let (from, to): (String, String) = sqlx::query_as(
        "SELECT starts_on, ends_on FROM school_years WHERE school_id = $1 AND is_current = 1",
    )
    .bind(school_id)
    .fetch_one(conn)
    .await?;
    let parse = crate::platform::format::parse_iso_date;
    match (parse(&from), parse(&to)) {
        (Some(from), Some(to)) => Ok(super::rules::DayRange { from, to }),
        _ => Err(crate::platform::error::ErrorCode::Internal.into()),
    }
}

#[cfg(feature = "ssr")]
fn staff_id(grant: &crate::identity::authz::Grant) -> Result<i64, AppError> {
    match &grant.persona {
        Some(crate::identity::authz::ActivePersona::Staff { staff_id, .. }) => Ok(*staff_id),
        _ => Err(crate::platform::error::ErrorCode::Forbidden.into()),
    }
}

/// A class's roll call for a day (`day` ISO, empty for today): the day's (`slot` absent or 0), or
/// one lesson's (its slot, from the sheet's `lessons`).
#[server(prefix = "/api", endpoint = "roll_call", client = CsrfClient)]
pub async fn roll_call(
    class_id: i64,
    day: String,
    slot: Option<i64>,
) -> Result<RollCallSheet, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::TakeRollCall { class_id }).await?;
    let day = day_or_today(&day, &grant.state.clock)?;
    let mut conn = grant.conn().await?;
    super::store::roll_call(
        &mut conn,
        &grant.actor,
        class_id,
        day,
        slot.unwrap_or(0),
        grant.now(),
    )
    .await
}

/// Saves roll-call marks (sent again after being offline: each mark counts once).
#[server(prefix = "/api", endpoint = "save_roll_call", client = CsrfClient, input = leptos::server_fn::codec::Json)]
pub async fn save_roll_call(
    class_id: i64,
    day: String,
    slot: Option<i64>,
    marks: Vec<MarkInput>,
) -> Result<RollCallSaved, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::TakeRollCall { class_id }).await?;
    let day = day_or_today(&day, &grant.state.clock)?;
    let staff = staff_id(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    let saved = super::store::save_roll_call(
        &mut tx,
        &grant.actor,
        staff,
        class_id,
        day,
        slot.unwrap_or(0),
        &marks,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    grant.state.push_wake.notify_one();
    Ok(saved)
}

/// Days absent this school year for each student of a class; the flagged ones first.
#[server(prefix = "/api", endpoint = "class_absences", client = CsrfClient)]
pub async fn class_absences(class_id: i64) -> Result<Vec<StudentAbsences>, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::TakeRollCall { class_id }).await?;
    let mut conn = grant.conn().await?;
    let (school_id,): (i64,) = sqlx::query_as("SELECT school_id FROM classes WHERE id = $1")
        .bind(class_id)
        .fetch_one(&mut *conn)
        .await?;
    let year = school_year(&mut conn, school_id).await?;
    let settings = super::rules::AttendanceSettings::default();
    let students =
        crate::people::store::class_list(&mut conn, &grant.actor, school_id, class_id, grant.now())
            .await?;
    let mut list = Vec::new();
    for student in students {
        let counts =
            super::store::absence_counts(&mut conn, school_id, student.student_id, year).await?;
        list.push(StudentAbsences {
            student_id: student.student_id,
            name: student.name,
            flagged: super::rules::is_flagged(&counts, &settings),
            counts,
        });
    }
    list.sort_by_key(|s| std::cmp::Reverse(s.flagged));
    Ok(list)
}

/// A child's days absent this school year (their guardian, the student, their teachers).
#[server(prefix = "/api", endpoint = "child_absences", client = CsrfClient)]
pub async fn child_absences(student_id: i64) -> Result<AbsenceCounts, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ReadChild { student_id }).await?;
    let mut conn = grant.conn().await?;
    let (school_id,): (i64,) = sqlx::query_as("SELECT school_id FROM students WHERE id = $1")
        .bind(student_id)
        .fetch_one(&mut *conn)
        .await?;
    let year = school_year(&mut conn, school_id).await?;
    Ok(super::store::absence_counts(&mut conn, school_id, student_id, year).await?)
}

/// A guardian asks leave for their child (`from_day`, `to_day` ISO dates).
#[server(prefix = "/api", endpoint = "request_leave", client = CsrfClient)]
pub async fn request_leave(
    student_id: i64,
    from_day: String,
    to_day: String,
    reason: String,
) -> Result<i64, AppError> {
    use crate::identity::authz::{Action, ActivePersona, authorize};
    use crate::platform::error::ErrorCode;
    let grant = authorize(Action::RequestLeave { student_id }).await?;
    let Some(ActivePersona::Guardian {
        school_id,
        guardian_id,
    }) = grant.persona.clone()
    else {
        return Err(ErrorCode::Forbidden.into());
    };
    let parse = |d: &str| {
        crate::platform::format::parse_iso_date(d)
            .ok_or_else(|| AppError::for_field(ErrorCode::InvalidDate, "from_day"))
    };
    let range = super::rules::DayRange {
        from: parse(&from_day)?,
        to: parse(&to_day)?,
    };
    let today = school_today(&grant.state.clock);
    super::rules::check_leave_request(
        range,
        &reason,
        today,
        &super::rules::AttendanceSettings::default(),
    )
    .map_err(|e| {
        AppError::for_field(
            ErrorCode::from_code(e.code()).unwrap_or(ErrorCode::InvalidInput),
            "leave",
        )
    })?;
    let mut tx = grant.state.db.pool().begin().await?;
    let id = super::store::request_leave(
        &mut tx,
        &grant.actor,
        school_id,
        guardian_id,
        student_id,
        range,
        &reason,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    grant.state.push_wake.notify_one();
    Ok(id)
}

/// A child's leave requests and their answers.
#[server(prefix = "/api", endpoint = "child_leave_requests", client = CsrfClient)]
pub async fn child_leave_requests(student_id: i64) -> Result<Vec<LeaveView>, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ReadChild { student_id }).await?;
    let mut conn = grant.conn().await?;
    let (school_id,): (i64,) = sqlx::query_as("SELECT school_id FROM students WHERE id = $1")
        .bind(student_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(super::store::leave_of_student(&mut conn, school_id, student_id).await?)
}

/// The leave requests of a class, pending first (its homeroom teacher, the school's admins).
#[server(prefix = "/api", endpoint = "class_leave_requests", client = CsrfClient)]
pub async fn class_leave_requests(class_id: i64) -> Result<Vec<LeaveView>, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ManageClassLeave { class_id }).await?;
    let mut conn = grant.conn().await?;
    let (school_id,): (i64,) = sqlx::query_as("SELECT school_id FROM classes WHERE id = $1")
        .bind(class_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(super::store::leave_of_class(&mut conn, school_id, class_id).await?)
}

#[server(prefix = "/api", endpoint = "answer_leave", client = CsrfClient)]
pub async fn answer_leave(leave_id: i64, approve: bool, answer: String) -> Result<(), AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::AnswerLeave { leave_id }).await?;
    let staff = staff_id(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    super::store::answer_leave(
        &mut tx,
        &grant.actor,
        staff,
        leave_id,
        approve,
        &answer,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    grant.state.push_wake.notify_one();
    Ok(())
}
