//! Timetables: building, checking, publishing, substitutions, feeds, FET import, and seeing the
//! week; on both backends, through the server functions, in Chromium and against an independent
//! iCalendar parser.

mod browser;
mod data;
mod ical;
mod refusals;

use app::identity::PersonaKind;
use app::platform::clock::Clock;
use app::platform::db::Backend;
use serde_json::Value;

use crate::support::sessions::session_as_record;
use crate::support::{TestApp, spawn_app_with_clock};

/// Monday 5 October 2026, 08:00 at the school (01:00 UTC): a school day of the first semester.
pub const MONDAY_5_OCTOBER_2026: i64 = 1_791_162_000;

/// The demo district with the clock on a school Monday.
pub async fn demo(backend: Backend) -> TestApp {
    spawn_app_with_clock(backend, Clock::fixed(MONDAY_5_OCTOBER_2026)).await
}

/// A logged-in caller of server functions.
pub struct Caller {
    pub cookie: String,
    pub csrf: String,
}

/// A session acting as the record `(table, id)`, made the way a login makes one.
pub async fn session_as(app: &TestApp, kind: PersonaKind, table: &str, record: i64) -> Caller {
    let session = session_as_record(app, kind, table, record, table).await;
    Caller {
        cookie: session.cookie,
        csrf: session.csrf,
    }
}

/// Calls a server function; returns the status and the JSON answer.
pub async fn call(
    app: &TestApp,
    caller: &Caller,
    endpoint: &str,
    form: &[(&str, String)],
) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/{endpoint}")))
        .form(form)
        .header(app::identity::CSRF_HEADER, &caller.csrf)
        .header("cookie", &caller.cookie)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Calls a server function that must succeed.
pub async fn ok(app: &TestApp, caller: &Caller, endpoint: &str, form: &[(&str, String)]) -> Value {
    let (status, body) = call(app, caller, endpoint, form).await;
    assert_eq!(status, 200, "{endpoint}: {body}");
    body
}

pub async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.conn().await;
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

pub const PILOT: &str = "(SELECT id FROM schools WHERE moet_code = '79000701')";
pub const OTHER_SCHOOL: &str = "(SELECT id FROM schools WHERE moet_code = '79000702')";

/// The people of the pilot school the tests act as.
pub struct Pilot {
    pub school: i64,
    pub principal: Caller,
    pub math_teacher_id: i64,
    pub math_teacher: Caller,
    pub class_6a1: i64,
    pub class_6a2: i64,
    pub parent: Caller,
    pub student: Caller,
}

pub async fn pilot(app: &TestApp) -> Pilot {
    let school = scalar(app, &format!("SELECT {PILOT}")).await;
    let principal_id = scalar(
        app,
        &format!("SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = 'school_admin' AND s.school_id = {school}"),
    )
    .await;
    let math_teacher_id = scalar(
        app,
        &format!("SELECT t.staff_id FROM teaching_assignments t JOIN subjects s ON s.id = t.subject_id JOIN classes c ON c.id = t.class_id WHERE t.school_id = {school} AND s.code = 'TOAN' AND c.name = '6A1'"),
    )
    .await;
    let class = |name: &str| {
        format!("SELECT id FROM classes WHERE school_id = {school} AND name = '{name}'")
    };
    let class_6a1 = scalar(app, &class("6A1")).await;
    let class_6a2 = scalar(app, &class("6A2")).await;
    // The demo parent: her links are verified, one child is in 6A1.
    let parent_id = scalar(
        app,
        &format!("SELECT l.guardian_id FROM guardian_links l JOIN class_enrollments e ON e.student_id = l.student_id WHERE l.status = 'verified' AND e.class_id = {class_6a1}"),
    )
    .await;
    let student_id = scalar(
        app,
        &format!("SELECT student_id FROM class_enrollments WHERE class_id = {class_6a1} ORDER BY student_id LIMIT 1 OFFSET 1"),
    )
    .await;
    Pilot {
        school,
        principal: session_as(app, PersonaKind::Staff, "staff", principal_id).await,
        math_teacher_id,
        math_teacher: session_as(app, PersonaKind::Staff, "staff", math_teacher_id).await,
        class_6a1,
        class_6a2,
        parent: session_as(app, PersonaKind::Guardian, "guardians", parent_id).await,
        student: session_as(app, PersonaKind::Student, "students", student_id).await,
    }
}
