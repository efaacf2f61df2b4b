//! Roll calls, marks, leave requests and absence counts in the database.

use serde_json::json;
use sqlx::{AnyConnection, Row};
use time::Date;

use super::rules::{
    AbsenceCounts, DayMark, DayRange, MarkStatus, count_absences, is_valid_slot, lesson_slot,
    slot_period,
};
use super::{LeaveView, LessonChoice, MarkInput, RollCallLine, RollCallSaved, RollCallSheet};
use crate::notifications::NotificationKind;
use crate::notifications::store::{MessageText, Recipient, deliver, deliver_to_guardians};
use crate::people::FullName;
use crate::platform::audit::{self, Actor, AuditAction, AuditEvent};
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::format::{format_date, iso_date, parse_iso_date};

async fn class_of(conn: &mut AnyConnection, class_id: i64) -> Result<(i64, String), sqlx::Error> {
    sqlx::query_as("SELECT school_id, name FROM classes WHERE id = $1")
        .bind(class_id)
        .fetch_one(conn)
        .await
}

async fn approved_leave(
    conn: &mut AnyConnection,
    school_id: i64,
    student_id: i64,
) -> Result<Vec<DayRange>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT from_day, to_day FROM leave_requests WHERE school_id = $1 AND student_id = $2 AND status = 'approved'",
    )
    .bind(school_id)
    .bind(student_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(from, to)| {
            Some(DayRange {
                from: parse_iso_date(&from)?,
                to: parse_iso_date(&to)?,
            })
        })
        .collect())
}

/// The class's lessons on `day` in the timetable in force (with that day's substitutions).
async fn lessons_of_day(
    conn: &mut AnyConnection,
    school_id: i64,
    class_id: i64,
    day: Date,
) -> Result<Vec<LessonChoice>, AppError> {
    use crate::timetable::rules::Session;
    use crate::timetable::views::WeekOf;
    let week =
        crate::timetable::store::days::week_view(conn, school_id, WeekOf::Class(class_id), day, 1)
            .await;
    // A school without a timetable yet (or a day off) has no lessons to choose: the day's roll
    // call is still there.
    let Ok(week) = week else {
        return Ok(Vec::new());
    };
    let date = iso_date(day);
    Ok(week
        .days
        .into_iter()
        .filter(|d| d.date == date)
        .flat_map(|d| d.lessons)
        .map(|l| LessonChoice {
            slot: lesson_slot(l.session == Session::Afternoon, l.period),
            period: l.period,
            subject: l.subject,
            teacher: l.teacher,
        })
        .collect())
}

/// A roll call of the class for a day (`slot` 0: the day's; otherwise a lesson's): every
/// student, with their latest mark, and the day's lessons to choose from.
pub async fn roll_call(
    conn: &mut AnyConnection,
    actor: &Actor,
    class_id: i64,
    day: Date,
    slot: i64,
    now: i64,
) -> Result<RollCallSheet, AppError> {
    if !is_valid_slot(slot) {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "slot"));
    }
    let (school_id, class_name) = class_of(conn, class_id).await?;
    let students = crate::people::store::class_list(conn, actor, school_id, class_id, now).await?;
    let roll_call: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM roll_calls WHERE class_id = $1 AND day = $2 AND period = $3",
    )
    .bind(class_id)
    .bind(iso_date(day))
    .bind(slot)
    .fetch_optional(&mut *conn)
    .await?;
    let mut lines = Vec::with_capacity(students.len());
    for student in students {
        let status: Option<String> = match roll_call {
            Some(id) => sqlx::query_scalar("SELECT status FROM attendance_marks WHERE roll_call_id = $1 AND student_id = $2 ORDER BY id DESC LIMIT 1")
                .bind(id)
                .bind(student.student_id)
                .fetch_optional(&mut *conn)
                .await?,
            None => None,
        };
        let on_leave = approved_leave(conn, school_id, student.student_id)
            .await?
            .iter()
            .any(|r| r.contains(day));
        let status = status
            .and_then(|s| MarkStatus::from_code(&s))
            .unwrap_or(if on_leave {
                MarkStatus::AbsentExcused
            } else {
                MarkStatus::Present
            });
        lines.push(RollCallLine {
            student_id: student.student_id,
            name: student.name,
            status,
            on_leave,
        });
    }
    let lessons = lessons_of_day(conn, school_id, class_id, day).await?;
    Ok(RollCallSheet {
        class_id,
        class_name,
        day: iso_date(day),
        slot,
        taken: roll_call.is_some(),
        lines,
        lessons,
    })
}

/// Records a roll call's marks (only students of the class; each `client_id` once) and tells the
/// guardians of students newly marked absent (from a lesson: unless the day's roll call already
/// had them absent). Runs in one transaction.
#[allow(clippy::too_many_arguments)]
pub async fn save_roll_call(
    conn: &mut AnyConnection,
    actor: &Actor,
    staff_id: i64,
    class_id: i64,
    day: Date,
    slot: i64,
    marks: &[MarkInput],
    now: i64,
) -> Result<RollCallSaved, AppError> {
    if !is_valid_slot(slot) {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "slot"));
    }
    let (school_id, class_name) = class_of(conn, class_id).await?;
    let enrolled: Vec<i64> = sqlx::query_scalar(
        "SELECT student_id FROM class_enrollments WHERE school_id = $1 AND class_id = $2 AND left_on IS NULL",
    )
    .bind(school_id)
    .bind(class_id)
    .fetch_all(&mut *conn)
    .await?;
    if marks.iter().any(|m| {
        !enrolled.contains(&m.student_id) || m.client_id.is_empty() || m.client_id.len() > 64
    }) {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "student_id"));
    }
    sqlx::query(
        "INSERT INTO roll_calls (school_id, class_id, day, period, taken_by, taken_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (class_id, day, period) DO NOTHING",
    )
    .bind(school_id)
    .bind(class_id)
    .bind(iso_date(day))
    .bind(slot)
    .bind(staff_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let roll_call: i64 = sqlx::query_scalar(
        "SELECT id FROM roll_calls WHERE class_id = $1 AND day = $2 AND period = $3",
    )
    .bind(class_id)
    .bind(iso_date(day))
    .bind(slot)
    .fetch_one(&mut *conn)
    .await?;
    let mut saved = RollCallSaved {
        applied: 0,
        already_had: 0,
    };
    for mark in marks {
        let previous: Option<String> = sqlx::query_scalar(
            "SELECT status FROM attendance_marks WHERE roll_call_id = $1 AND student_id = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(roll_call)
        .bind(mark.student_id)
        .fetch_optional(&mut *conn)
        .await?;
        let inserted = sqlx::query(
            "INSERT INTO attendance_marks (school_id, roll_call_id, student_id, status, marked_by, client_id, marked_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (school_id, client_id) DO NOTHING",
        )
        .bind(school_id)
        .bind(roll_call)
        .bind(mark.student_id)
        .bind(mark.status.code())
        .bind(staff_id)
        .bind(&mark.client_id)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if inserted == 0 {
            saved.already_had += 1;
            continue;
        }
        saved.applied += 1;
        let was_absent = previous
            .as_deref()
            .and_then(MarkStatus::from_code)
            .is_some_and(MarkStatus::is_absent);
        if mark.status.is_absent()
            && !was_absent
            && (slot == 0 || !absent_for_the_day(conn, class_id, day, mark.student_id).await?)
        {
            tell_guardians_of_absence(
                conn,
                school_id,
                mark.student_id,
                &class_name,
                day,
                slot,
                mark.status,
                now,
            )
            .await?;
        }
    }
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Update,
            entity: "roll_call",
            entity_id: Some(roll_call),
            reason: None,
            detail: json!({ "applied": saved.applied, "already_had": saved.already_had }),
        },
        now,
    )
    .await?;
    Ok(saved)
}

async fn given_name(conn: &mut AnyConnection, student_id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT given_name FROM students WHERE id = $1")
        .bind(student_id)
        .fetch_one(conn)
        .await
}

/// Whether the day's roll call has the student absent (then a lesson's mark says nothing new).
async fn absent_for_the_day(
    conn: &mut AnyConnection,
    class_id: i64,
    day: Date,
    student_id: i64,
) -> Result<bool, sqlx::Error> {
    let status: Option<String> = sqlx::query_scalar(
        "SELECT m.status FROM attendance_marks m JOIN roll_calls r ON r.id = m.roll_call_id
         WHERE r.class_id = $1 AND r.day = $2 AND r.period = 0 AND m.student_id = $3
         ORDER BY m.id DESC LIMIT 1",
    )
    .bind(class_id)
    .bind(iso_date(day))
    .bind(student_id)
    .fetch_optional(conn)
    .await?;
    Ok(status
        .as_deref()
        .and_then(MarkStatus::from_code)
        .is_some_and(MarkStatus::is_absent))
}

/// "Your child is not in class this morning" (or "missed period 3 today"), to each guardian the
/// school counts.
#[allow(clippy::too_many_arguments)]
async fn tell_guardians_of_absence(
    conn: &mut AnyConnection,
    school_id: i64,
    student_id: i64,
    class_name: &str,
    day: Date,
    slot: i64,
    status: MarkStatus,
    now: i64,
) -> Result<(), sqlx::Error> {
    let name = given_name(conn, student_id).await?;
    let (excused_vi, excused_en) = if status == MarkStatus::AbsentExcused {
        (" (có phép)", " (excused)")
    } else {
        ("", "")
    };
    let date = format_date(day);
    let text = if slot == 0 {
        MessageText {
            title_vi: format!("{name} vắng mặt sáng nay"),
            title_en: format!("{name} is absent this morning"),
            body_vi: format!(
                "Lớp {class_name} điểm danh ngày {date}: {name} vắng mặt{excused_vi}."
            ),
            body_en: format!(
                "Class {class_name}, roll call of {date}: {name} is absent{excused_en}."
            ),
            link: Some("/guardian".into()),
        }
    } else {
        let period = slot_period(slot);
        MessageText {
            title_vi: format!("{name} vắng tiết {period} hôm nay"),
            title_en: format!("{name} missed period {period} today"),
            body_vi: format!(
                "Lớp {class_name}, tiết {period} ngày {date}: {name} vắng mặt{excused_vi}."
            ),
            body_en: format!(
                "Class {class_name}, period {period} on {date}: {name} is absent{excused_en}."
            ),
            link: Some("/guardian".into()),
        }
    };
    deliver_to_guardians(
        conn,
        school_id,
        student_id,
        NotificationKind::Absence,
        &text,
        now,
    )
    .await
}

/// Days absent (morning roll calls) in a period, leave taken into account.
pub async fn absence_counts(
    conn: &mut AnyConnection,
    school_id: i64,
    student_id: i64,
    period: DayRange,
) -> Result<AbsenceCounts, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT r.day, m.status FROM attendance_marks m JOIN roll_calls r ON r.id = m.roll_call_id
         WHERE m.school_id = $1 AND m.student_id = $2 AND r.period = 0 ORDER BY m.id",
    )
    .bind(school_id)
    .bind(student_id)
    .fetch_all(&mut *conn)
    .await?;
    let marks: Vec<DayMark> = rows
        .into_iter()
        .filter_map(|(day, status)| {
            Some(DayMark {
                day: parse_iso_date(&day)?,
                status: MarkStatus::from_code(&status)?,
            })
        })
        .collect();
    let leave = approved_leave(conn, school_id, student_id).await?;
    Ok(count_absences(&marks, &leave, period))
}

/// Days absent (with or without leave) over a school year, per student who has any: what
/// promotion counts (grades read this instead of a typed number).
pub async fn days_absent_in_year(
    conn: &mut AnyConnection,
    school_id: i64,
    school_year_id: i64,
) -> Result<std::collections::HashMap<i64, u32>, sqlx::Error> {
    let mut days = std::collections::HashMap::new();
    let Some((from, to)) = sqlx::query_as::<_, (String, String)>(
        "SELECT starts_on, ends_on FROM school_years WHERE id = $1 AND school_id = $2",
    )
    .bind(school_year_id)
    .bind(school_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(days);
    };
    let (Some(from), Some(to)) = (parse_iso_date(&from), parse_iso_date(&to)) else {
        return Ok(days);
    };
    let students: Vec<i64> = sqlx::query_scalar(
        "SELECT student_id FROM attendance_marks WHERE school_id = $1
         UNION SELECT student_id FROM leave_requests WHERE school_id = $1 AND status = 'approved'",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    for student in students {
        let total = absence_counts(conn, school_id, student, DayRange { from, to })
            .await?
            .total_days();
        if total > 0 {
            days.insert(student, total);
        }
    }
    Ok(days)
}

/// A guardian asks leave for their child; the homeroom teacher is told.
#[allow(clippy::too_many_arguments)]
pub async fn request_leave(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    guardian_id: i64,
    student_id: i64,
    range: DayRange,
    reason: &str,
    now: i64,
) -> Result<i64, AppError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO leave_requests (school_id, student_id, guardian_id, from_day, to_day, reason, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(school_id)
    .bind(student_id)
    .bind(guardian_id)
    .bind(iso_date(range.from))
    .bind(iso_date(range.to))
    .bind(reason.trim())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let homeroom: Option<i64> = sqlx::query_scalar(
        "SELECT t.staff_id FROM teaching_assignments t JOIN class_enrollments e ON e.class_id = t.class_id
         WHERE e.student_id = $1 AND e.left_on IS NULL AND t.kind = 'homeroom' AND t.school_id = $2",
    )
    .bind(student_id)
    .bind(school_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(teacher) = homeroom {
        let name = given_name(conn, student_id).await?;
        let text = MessageText {
            title_vi: format!("Đơn xin nghỉ học của {name}"),
            title_en: format!("Leave request for {name}"),
            body_vi: format!(
                "Từ {} đến {}: {}",
                format_date(range.from),
                format_date(range.to),
                reason.trim()
            ),
            body_en: format!(
                "From {} to {}: {}",
                format_date(range.from),
                format_date(range.to),
                reason.trim()
            ),
            link: Some("/staff".into()),
        };
        deliver(
            conn,
            school_id,
            Recipient::Staff(teacher),
            NotificationKind::General,
            Some(student_id),
            &text,
            now,
        )
        .await?;
    }
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Create,
            entity: "leave_request",
            entity_id: Some(id),
            reason: None,
            detail: json!({}),
        },
        now,
    )
    .await?;
    Ok(id)
}

fn leave_view(row: &sqlx::any::AnyRow) -> Result<LeaveView, sqlx::Error> {
    Ok(LeaveView {
        id: row.try_get("id")?,
        student_id: row.try_get("student_id")?,
        student_name: FullName {
            family: row.try_get("family_name")?,
            middle: row.try_get("middle_name")?,
            given: row.try_get("given_name")?,
        }
        .full(),
        from_day: row.try_get("from_day")?,
        to_day: row.try_get("to_day")?,
        reason: row.try_get("reason")?,
        status: row.try_get("status")?,
        answer: row.try_get("answer")?,
    })
}

const LEAVE_COLUMNS: &str = "l.id, l.student_id, s.family_name, s.middle_name, s.given_name, l.from_day, l.to_day, l.reason, l.status, l.answer";

pub async fn leave_of_student(
    conn: &mut AnyConnection,
    school_id: i64,
    student_id: i64,
) -> Result<Vec<LeaveView>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {LEAVE_COLUMNS} FROM leave_requests l JOIN students s ON s.id = l.student_id
         WHERE l.school_id = $1 AND l.student_id = $2 ORDER BY l.created_at DESC"
    ))
    .bind(school_id)
    .bind(student_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(leave_view).collect()
}

pub async fn leave_of_class(
    conn: &mut AnyConnection,
    school_id: i64,
    class_id: i64,
) -> Result<Vec<LeaveView>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {LEAVE_COLUMNS} FROM leave_requests l JOIN students s ON s.id = l.student_id
         JOIN class_enrollments e ON e.student_id = l.student_id AND e.left_on IS NULL
         WHERE l.school_id = $1 AND e.class_id = $2 ORDER BY l.status = 'pending' DESC, l.created_at DESC"
    ))
    .bind(school_id)
    .bind(class_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(leave_view).collect()
}

/// The homeroom teacher's answer; the guardian is told. A request is answered once.
pub async fn answer_leave(
    conn: &mut AnyConnection,
    actor: &Actor,
    staff_id: i64,
    leave_id: i64,
    approve: bool,
    answer: &str,
    now: i64,
) -> Result<(), AppError> {
    let row = sqlx::query("SELECT school_id, student_id, guardian_id, from_day, to_day, status FROM leave_requests WHERE id = $1")
        .bind(leave_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    if row.try_get::<String, _>("status")? != "pending" {
        return Err(AppError::new(ErrorCode::LeaveAlreadyAnswered));
    }
    let school_id: i64 = row.try_get("school_id")?;
    let student_id: i64 = row.try_get("student_id")?;
    let guardian_id: i64 = row.try_get("guardian_id")?;
    let (from, to): (String, String) = (row.try_get("from_day")?, row.try_get("to_day")?);
    let answer = answer.trim();
    sqlx::query("UPDATE leave_requests SET status = $1, answer = $2, decided_by = $3, decided_at = $4 WHERE id = $5 AND status = 'pending'")
        .bind(if approve { "approved" } else { "declined" })
        .bind(if answer.is_empty() { None } else { Some(answer) })
        .bind(staff_id)
        .bind(now)
        .bind(leave_id)
        .execute(&mut *conn)
        .await?;
    let name = given_name(conn, student_id).await?;
    let days = |d: &str| parse_iso_date(d).map(format_date).unwrap_or_default();
    let text = MessageText {
        title_vi: format!(
            "Đơn xin nghỉ của {name} {}",
            if approve {
                "đã được đồng ý"
            } else {
                "không được đồng ý"
            }
        ),
        title_en: format!(
            "{name}'s leave request was {}",
            if approve { "approved" } else { "declined" }
        ),
        body_vi: format!("Từ {} đến {}. {answer}", days(&from), days(&to)),
        body_en: format!("From {} to {}. {answer}", days(&from), days(&to)),
        link: Some("/guardian".into()),
    };
    deliver(
        conn,
        school_id,
        Recipient::Guardian(guardian_id),
        NotificationKind::LeaveAnswer,
        Some(student_id),
        &text,
        now,
    )
    .await?;
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Update,
            entity: "leave_request",
            entity_id: Some(leave_id),
            reason: None,
            detail: json!({ "approved": approve }),
        },
        now,
    )
    .await?;
    Ok(())
}
