//! Attendance, leave requests and the inbox, through the server functions the screens call, on
//! both backends; Web Push against an independent receiver.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use app::platform::db::Backend;
use serde_json::{Value, json};

use crate::support::device::Device;
use crate::support::{TestApp, spawn_app, workspace_root};

const TEACHER: usize = 3;
const GUARDIAN: usize = 4;
const PRINCIPAL: usize = 1;

/// The school's date (UTC+7), `days` from today, as ISO text.
pub(crate) fn school_day(days: i64) -> String {
    let today = (time::OffsetDateTime::now_utc() + time::Duration::hours(7)).date();
    let day = today + time::Duration::days(days);
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

pub(crate) struct Family {
    pub teacher: Device,
    pub guardian: Device,
    pub child_id: i64,
    pub child_given_name: String,
    pub class_id: i64,
}

/// The demo teacher and the demo guardian, and the guardian's first child's class (which the
/// teacher teaches: each demo subject teacher teaches every class of the pilot school).
pub(crate) async fn family(app: &TestApp) -> Family {
    let teacher = Device::new();
    teacher.demo_login_as(app, TEACHER, "Staff").await;
    let guardian = Device::new();
    guardian.demo_login_as(app, GUARDIAN, "Guardian").await;
    let (status, children) = guardian.call(app, "my_children", &[]).await;
    assert_eq!(status, 200, "{children}");
    let child = children
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["visible"] == true)
        .expect("a visible child")
        .clone();
    let (status, home) = teacher.call(app, "staff_home", &[]).await;
    assert_eq!(status, 200, "{home}");
    let class_id = home["classes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["class_name"] == child["class_name"])
        .expect("the teacher teaches the child's class")["class_id"]
        .as_i64()
        .unwrap();
    Family {
        teacher,
        guardian,
        child_id: child["student_id"].as_i64().unwrap(),
        child_given_name: child["name"]["given"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        class_id,
    }
}

async fn mark(
    app: &TestApp,
    teacher: &Device,
    class_id: i64,
    day: &str,
    marks: Value,
) -> (u16, Value) {
    teacher
        .call_json(
            app,
            "save_roll_call",
            &json!({ "class_id": class_id, "day": day, "marks": marks }),
        )
        .await
}

async fn roll_call_marks_count_once_and_reach_the_guardians_inbox(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = family(&app).await;
    let unread_before = f
        .guardian
        .call(&app, "unread_count", &[])
        .await
        .1
        .as_i64()
        .unwrap();
    let class = f.class_id.to_string();

    let (status, sheet) = f
        .teacher
        .call(&app, "roll_call", &[("class_id", &class), ("day", "")])
        .await;
    assert_eq!(status, 200, "{sheet}");
    let line = sheet["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["student_id"] == f.child_id)
        .unwrap();
    assert_eq!(
        line["status"], "Present",
        "everyone is present until marked"
    );

    let marks = json!([{ "student_id": f.child_id, "status": "AbsentUnexcused", "client_id": "tablet-1-0001" }]);
    let (status, saved) = mark(&app, &f.teacher, f.class_id, "", marks.clone()).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved, json!({ "applied": 1, "already_had": 0 }));
    // The tablet sends its queue again after a flaky connection: nothing counts twice.
    let (_, again) = mark(&app, &f.teacher, f.class_id, "", marks).await;
    assert_eq!(again, json!({ "applied": 0, "already_had": 1 }));

    let (_, sheet) = f
        .teacher
        .call(&app, "roll_call", &[("class_id", &class), ("day", "")])
        .await;
    assert_eq!(sheet["taken"], true);
    let line = sheet["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["student_id"] == f.child_id)
        .unwrap();
    assert_eq!(line["status"], "AbsentUnexcused");

    let child = f.child_id.to_string();
    let (_, counts) = f
        .guardian
        .call(&app, "child_absences", &[("student_id", &child)])
        .await;
    assert_eq!(counts["unexcused_days"], 1, "{counts}");

    // One message, not two, though the mark arrived twice (the demo's earlier news is there too).
    let (_, unread) = f.guardian.call(&app, "unread_count", &[]).await;
    assert_eq!(unread.as_i64().unwrap(), unread_before + 1);
    let (_, inbox) = f.guardian.call(&app, "my_inbox", &[]).await;
    let messages: Vec<&Value> = inbox
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "absence")
        .collect();
    assert_eq!(messages.len(), 1, "{inbox}");
    assert!(
        messages[0]["title_vi"]
            .as_str()
            .unwrap()
            .contains(&f.child_given_name),
        "{inbox}"
    );
    assert!(
        !inbox
            .to_string()
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .contains("079")
    );
    let id = messages[0]["id"].as_i64().unwrap().to_string();
    assert_eq!(
        f.guardian
            .call(&app, "mark_message_read", &[("id", &id)])
            .await
            .0,
        200
    );
    assert_eq!(
        f.guardian.call(&app, "unread_count", &[]).await.1,
        unread_before
    );

    // Marking a student of another class, through this class's roll call, is refused whole.
    let (status, body) = mark(
        &app,
        &f.teacher,
        f.class_id,
        "",
        json!([{ "student_id": 999_999, "status": "Late", "client_id": "tablet-1-0002" }]),
    )
    .await;
    assert_eq!(status, 422, "{body}");
}

async fn an_approved_leave_shows_in_the_roll_call_and_the_guardian_sees_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = family(&app).await;
    let child = f.child_id.to_string();
    let (from, to) = (school_day(3), school_day(4));

    // The rules speak first: a reason is needed, dates in order.
    let (status, body) = f
        .guardian
        .call(
            &app,
            "request_leave",
            &[
                ("student_id", &child),
                ("from_day", &to),
                ("to_day", &from),
                ("reason", "Ốm"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "leave_dates_reversed", "{body}");
    let (status, id) = f
        .guardian
        .call(
            &app,
            "request_leave",
            &[
                ("student_id", &child),
                ("from_day", &from),
                ("to_day", &to),
                ("reason", "Cháu bị sốt"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{id}");

    let principal = Device::new();
    principal.demo_login_as(&app, PRINCIPAL, "Staff").await;
    let class = f.class_id.to_string();
    let (_, pending) = principal
        .call(&app, "class_leave_requests", &[("class_id", &class)])
        .await;
    let request = pending
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == id)
        .expect("pending request")
        .clone();
    assert_eq!(request["status"], "pending");
    assert_eq!(request["reason"], "Cháu bị sốt");

    let leave = id.to_string();
    let (status, body) = principal
        .call(
            &app,
            "answer_leave",
            &[
                ("leave_id", &leave),
                ("approve", "true"),
                ("answer", "Đồng ý, chúc cháu mau khỏe"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // Answered once: a second answer is refused, not silently applied.
    let (status, _) = principal
        .call(
            &app,
            "answer_leave",
            &[("leave_id", &leave), ("approve", "false"), ("answer", "")],
        )
        .await;
    assert_eq!(status, 409);

    let (_, mine) = f
        .guardian
        .call(&app, "child_leave_requests", &[("student_id", &child)])
        .await;
    assert_eq!(mine[0]["status"], "approved", "{mine}");
    assert_eq!(mine[0]["answer"], "Đồng ý, chúc cháu mau khỏe");
    let (_, inbox) = f.guardian.call(&app, "my_inbox", &[]).await;
    assert!(
        inbox
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["kind"] == "leave_answer"),
        "{inbox}"
    );

    let (_, sheet) = f
        .teacher
        .call(&app, "roll_call", &[("class_id", &class), ("day", &from)])
        .await;
    let line = sheet["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["student_id"] == f.child_id)
        .unwrap();
    assert_eq!(line["on_leave"], true, "{sheet}");
}

async fn what_is_not_yours_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = family(&app).await;

    // A class of the other school: the teacher does not teach it.
    let mut conn = app.conn().await;
    let foreign_class: i64 = sqlx::query_scalar(
        "SELECT c.id FROM classes c JOIN schools s ON s.id = c.school_id WHERE s.moet_code = '79000702' ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let foreign_student: i64 = sqlx::query_scalar(
        "SELECT student_id FROM class_enrollments WHERE class_id = $1 AND left_on IS NULL ORDER BY student_id LIMIT 1",
    )
    .bind(foreign_class)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    // Another family's child in the guardian's own school.
    let other_child: i64 = sqlx::query_scalar(
        "SELECT student_id FROM class_enrollments WHERE class_id = $1 AND left_on IS NULL AND student_id <> $2 ORDER BY student_id LIMIT 1",
    )
    .bind(f.class_id)
    .bind(f.child_id)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    drop(conn);

    let (status, _) = f
        .teacher
        .call(
            &app,
            "roll_call",
            &[("class_id", &foreign_class.to_string()), ("day", "")],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = mark(
        &app,
        &f.teacher,
        foreign_class,
        "",
        json!([{ "student_id": foreign_student, "status": "AbsentUnexcused", "client_id": "x-1" }]),
    )
    .await;
    assert_eq!(status, 403);
    // Nothing was written for that class.
    let mut conn = app.conn().await;
    let marks: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM attendance_marks WHERE student_id = $1")
            .bind(foreign_student)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(marks, 0);
    drop(conn);

    let (status, _) = f
        .guardian
        .call(
            &app,
            "request_leave",
            &[
                ("student_id", &other_child.to_string()),
                ("from_day", &school_day(2)),
                ("to_day", &school_day(2)),
                ("reason", "Việc gia đình"),
            ],
        )
        .await;
    assert_eq!(status, 403);
    // Nor can a teacher ask leave as if a guardian.
    let (status, _) = f
        .teacher
        .call(
            &app,
            "request_leave",
            &[
                ("student_id", &f.child_id.to_string()),
                ("from_day", &school_day(2)),
                ("to_day", &school_day(2)),
                ("reason", "Việc gia đình"),
            ],
        )
        .await;
    assert_eq!(status, 403);

    // Another user's inbox: the teacher cannot read or touch the guardian's message.
    mark(
        &app,
        &f.teacher,
        f.class_id,
        "",
        json!([{ "student_id": f.child_id, "status": "AbsentExcused", "client_id": "t-9" }]),
    )
    .await;
    let (_, inbox) = f.guardian.call(&app, "my_inbox", &[]).await;
    let message = inbox[0]["id"].as_i64().unwrap().to_string();
    let unread = f.guardian.call(&app, "unread_count", &[]).await.1;
    let (_, teacher_inbox) = f.teacher.call(&app, "my_inbox", &[]).await;
    assert!(
        teacher_inbox
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["id"].as_i64().unwrap().to_string() != message)
    );
    assert_eq!(
        f.teacher
            .call(&app, "mark_message_read", &[("id", &message)])
            .await
            .0,
        404
    );
    assert_eq!(
        f.guardian.call(&app, "unread_count", &[]).await.1,
        unread,
        "still unread for its owner"
    );
    // Signed out, nothing at all.
    assert_eq!(Device::new().call(&app, "my_inbox", &[]).await.0, 401);

    // A push subscription is one device's: another account cannot take it over.
    let endpoint = "https://push.example.net/send/abc123";
    let keys = [
        ("p256dh", P256DH_EXAMPLE),
        ("auth", "AAAAAAAAAAAAAAAAAAAAAA"),
    ];
    let form = [("endpoint", endpoint), keys[0], keys[1]];
    assert_eq!(f.guardian.call(&app, "subscribe_push", &form).await.0, 200);
    let (status, body) = f.teacher.call(&app, "subscribe_push", &form).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "push_endpoint_taken");
    let mut conn = app.conn().await;
    let owners: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM push_subscriptions WHERE endpoint = $1")
            .bind(endpoint)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(owners, 1);
    // And an endpoint that is not a push service over https is refused.
    let (status, _) = f
        .guardian
        .call(
            &app,
            "subscribe_push",
            &[("endpoint", "http://10.0.0.1/steal"), keys[0], keys[1]],
        )
        .await;
    assert_eq!(status, 422);
}

/// The school days (Monday to Friday) from the start of the current school year, ISO text.
async fn school_days_of_year(app: &TestApp, school_id: i64, count: usize) -> (i64, Vec<String>) {
    let mut conn = app.conn().await;
    let (year_id, starts): (i64, String) = sqlx::query_as(
        "SELECT id, starts_on FROM school_years WHERE school_id = $1 AND is_current = 1",
    )
    .bind(school_id)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let mut day = app::platform::format::parse_iso_date(&starts).unwrap();
    let mut days = Vec::new();
    while days.len() < count {
        if !matches!(
            day.weekday(),
            time::Weekday::Saturday | time::Weekday::Sunday
        ) {
            days.push(app::platform::format::iso_date(day));
        }
        day = day.next_day().unwrap();
    }
    (year_id, days)
}

async fn promotion_counts_the_roll_calls_45_days_promoted_46_not(backend: Backend) {
    use app::grades::rules::{
        CommentResult, GradingSettings, Level, NotPromotedReason, Score, SubjectResult,
        YearEndRecord, YearEndStatus, year_end_decision,
    };
    let app = spawn_app(backend).await;
    let f = family(&app).await;
    let mut conn = app.conn().await;
    let (school_id, classmate): (i64, i64) = sqlx::query_as(
        "SELECT school_id, student_id FROM class_enrollments WHERE class_id = $1 AND left_on IS NULL AND student_id <> $2
         ORDER BY student_id LIMIT 1",
    )
    .bind(f.class_id)
    .bind(f.child_id)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let (year_id, days) = school_days_of_year(&app, school_id, 46).await;

    // Forty-six mornings: the classmate is absent on all (one of them excused), the child on 45.
    for (n, day) in days.iter().enumerate() {
        let mut marks = vec![json!({
            "student_id": classmate,
            "status": if n == 0 { "AbsentExcused" } else { "AbsentUnexcused" },
            "client_id": format!("year-{n}-b"),
        })];
        if n < 45 {
            marks.push(json!({ "student_id": f.child_id, "status": "AbsentUnexcused", "client_id": format!("year-{n}-a") }));
        }
        let (status, body) = mark(&app, &f.teacher, f.class_id, day, json!(marks)).await;
        assert_eq!(status, 200, "{day}: {body}");
    }
    // A late arrival is not an absence.
    mark(
        &app,
        &f.teacher,
        f.class_id,
        &school_day(0),
        json!([{ "student_id": f.child_id, "status": "Late", "client_id": "late-1" }]),
    )
    .await;

    let mut conn = app.conn().await;
    let absences = app::grades::store::absences(&mut conn, school_id, year_id)
        .await
        .unwrap();
    assert_eq!(absences.get(&f.child_id), Some(&45));
    assert_eq!(absences.get(&classmate), Some(&46));

    // The year-end rule, given what grades read: a good learner with good conduct.
    let good_learner: Vec<SubjectResult> = ["9", "9", "8", "8", "8", "7", "7", "7", "7"]
        .iter()
        .map(|s| SubjectResult::Scored(s.parse::<Score>().unwrap()))
        .chain([SubjectResult::Comment(CommentResult::Pass); 4])
        .collect();
    let decide = |student: i64| {
        let record = YearEndRecord {
            conduct: Level::Good,
            subjects: good_learner.clone(),
            absences: absences[&student],
            summer_retraining: None,
            retest: None,
        };
        year_end_decision(&record, &GradingSettings::default())
            .unwrap()
            .status
    };
    assert_eq!(decide(f.child_id), YearEndStatus::Promoted);
    assert_eq!(
        decide(classmate),
        YearEndStatus::NotPromoted {
            reason: NotPromotedReason::TooManyAbsences
        }
    );
}

async fn a_released_score_and_a_new_fee_notice_reach_the_familys_inbox_without_the_score(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let f = family(&app).await;
    let principal = Device::new();
    principal.demo_login_as(&app, PRINCIPAL, "Staff").await;
    let mut conn = app.conn().await;
    let (school_id, year_id): (i64, i64) = sqlx::query_as(
        "SELECT c.school_id, y.id FROM classes c JOIN school_years y ON y.school_id = c.school_id AND y.is_current = 1 WHERE c.id = $1",
    )
    .bind(f.class_id)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let before = f
        .guardian
        .call(&app, "my_inbox", &[])
        .await
        .1
        .as_array()
        .unwrap()
        .len();

    // The teacher releases the second semester's final column of his subject.
    let (_, home) = f.teacher.call(&app, "my_grades", &[]).await;
    let subject = home["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["class_id"] == f.class_id)
        .and_then(|s| s["subject_id"].as_i64())
        .expect("a sheet of the child's class");
    let (status, body) = f
        .teacher
        .call(
            &app,
            "release_column",
            &[
                ("class_id", &f.class_id.to_string()),
                ("subject_id", &subject.to_string()),
                ("semester", "2"),
                ("column", "ck"),
                ("released", "true"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // The office issues a new collection's notices.
    let school = school_id.to_string();
    let (status, collection) = principal
        .call(
            &app,
            "add_fee_collection",
            &[
                ("school_id", &school),
                ("collection[school_year_id]", &year_id.to_string()),
                ("collection[name]", "Quỹ khuyến học"),
                ("collection[amount]", "50000"),
                ("collection[scope]", "School"),
                ("collection[monthly]", "false"),
                ("collection[months]", "1"),
                ("collection[first_due_on]", &school_day(20)),
            ],
        )
        .await;
    assert_eq!(status, 200, "{collection}");
    let (status, body) = principal
        .call(
            &app,
            "issue_fee_notices",
            &[
                ("school_id", &school),
                ("collection_id", &collection.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (_, inbox) = f.guardian.call(&app, "my_inbox", &[]).await;
    let messages = inbox.as_array().unwrap();
    let kinds: Vec<&str> = messages[..messages.len() - before]
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"score_released"), "{inbox}");
    assert!(kinds.contains(&"fee_notice"), "{inbox}");
    let fee = messages.iter().find(|m| m["kind"] == "fee_notice").unwrap();
    assert!(fee["title_vi"].as_str().unwrap().contains("Quỹ khuyến học"));
    // A score message says there is a score, never what it is.
    let score = messages
        .iter()
        .find(|m| m["kind"] == "score_released")
        .unwrap();
    assert!(
        score["body_vi"]
            .as_str()
            .unwrap()
            .ends_with("xem điểm trong ứng dụng."),
        "{score}"
    );
    // Releasing the same column again tells no one twice.
    f.teacher
        .call(
            &app,
            "release_column",
            &[
                ("class_id", &f.class_id.to_string()),
                ("subject_id", &subject.to_string()),
                ("semester", "2"),
                ("column", "ck"),
                ("released", "true"),
            ],
        )
        .await;
    let (_, again) = f.guardian.call(&app, "my_inbox", &[]).await;
    assert_eq!(again.as_array().unwrap().len(), messages.len());
}

/// An uncompressed P-256 point (any valid one will do for storing a subscription).
const P256DH_EXAMPLE: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";

async fn a_lesson_roll_call_tells_the_family_once_and_is_not_a_day_absent(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = family(&app).await;
    let class = f.class_id.to_string();
    // A Monday of the first semester, in the demo's published timetable.
    let day = "2026-10-05";
    let (status, sheet) = f
        .teacher
        .call(&app, "roll_call", &[("class_id", &class), ("day", day)])
        .await;
    assert_eq!(status, 200, "{sheet}");
    assert_eq!(sheet["slot"], 0);
    let lessons = sheet["lessons"].as_array().unwrap().clone();
    assert!(lessons.len() >= 4, "the class's lessons that day: {sheet}");
    let slot_of = |i: usize| lessons[i]["slot"].as_i64().unwrap();
    let status_in = |sheet: &Value| {
        sheet["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["student_id"] == f.child_id)
            .unwrap()["status"]
            .clone()
    };
    let (teacher, app_ref, class_id, child_id) = (&f.teacher, &app, f.class_id, f.child_id);
    let save = move |slot: Option<i64>, client_id: &str| {
        let body = json!({
            "class_id": class_id, "day": day, "slot": slot,
            "marks": [{ "student_id": child_id, "status": "AbsentUnexcused", "client_id": client_id }],
        });
        async move { teacher.call_json(app_ref, "save_roll_call", &body).await }
    };
    let inbox = || async {
        let (_, inbox) = f.guardian.call(&app, "my_inbox", &[]).await;
        inbox
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == "absence")
            .map(|m| m["title_vi"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let before = inbox().await;

    // The second lesson's teacher marks the child absent from it.
    let (status, saved) = save(Some(slot_of(1)), "lesson-2-0001").await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["applied"], 1);
    let slot = slot_of(1).to_string();
    let (_, lesson_sheet) = f
        .teacher
        .call(
            &app,
            "roll_call",
            &[("class_id", &class), ("day", day), ("slot", &slot)],
        )
        .await;
    assert_eq!(lesson_sheet["taken"], true);
    assert_eq!(status_in(&lesson_sheet), "AbsentUnexcused");
    // The day's roll call is its own: not taken, the child present there.
    let (_, day_sheet) = f
        .teacher
        .call(&app, "roll_call", &[("class_id", &class), ("day", day)])
        .await;
    assert_eq!(day_sheet["taken"], false);
    assert_eq!(status_in(&day_sheet), "Present");
    // Days absent (for promotion) come from the day's roll call only.
    let child = f.child_id.to_string();
    let (_, counts) = f
        .guardian
        .call(&app, "child_absences", &[("student_id", &child)])
        .await;
    assert_eq!(counts["unexcused_days"], 0, "{counts}");
    // The family is told which lesson.
    let after = inbox().await;
    assert_eq!(after.len(), before.len() + 1, "{after:?}");
    let period = lessons[1]["period"].as_i64().unwrap();
    assert!(
        after
            .iter()
            .any(|t| t.contains(&format!("vắng tiết {period}"))),
        "{after:?}"
    );

    // Absent for the whole day: one message for that; a later lesson's mark adds none.
    save(None, "day-0001").await;
    save(Some(slot_of(2)), "lesson-3-0001").await;
    assert_eq!(inbox().await.len(), before.len() + 2);
    let (_, counts) = f
        .guardian
        .call(&app, "child_absences", &[("student_id", &child)])
        .await;
    assert_eq!(counts["unexcused_days"], 1, "{counts}");

    // A slot that is no lesson is refused, and writes nothing.
    let (status, body) = save(Some(13), "lesson-x-0001").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "slot", "{body}");
}

crate::on_both_backends!(
    roll_call_marks_count_once_and_reach_the_guardians_inbox,
    a_lesson_roll_call_tells_the_family_once_and_is_not_a_day_absent,
    an_approved_leave_shows_in_the_roll_call_and_the_guardian_sees_it,
    what_is_not_yours_is_refused,
    promotion_counts_the_roll_calls_45_days_promoted_46_not,
    a_released_score_and_a_new_fee_notice_reach_the_familys_inbox_without_the_score,
);

/// The push service stand-in (Python, `http_ece`): a subscription, then one line per push.
struct PushReceiver {
    child: Child,
    lines: mpsc::Receiver<Value>,
    subscription: Value,
}

impl PushReceiver {
    fn start() -> PushReceiver {
        let mut child = Command::new("python3")
            .arg(workspace_root().join("tests/peers/push/receiver.py"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 with http_ece (scripts/test installs it)");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str::<Value>(&line) {
                    let _ = tx.send(value);
                }
            }
        });
        let subscription = lines
            .recv_timeout(Duration::from_secs(30))
            .expect("the receiver's subscription");
        PushReceiver {
            child,
            lines,
            subscription,
        }
    }

    /// The next push it decrypted (the wait ends as soon as one arrives).
    fn next(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(60))
            .expect("a push within a minute");
        line.get("received")
            .cloned()
            .unwrap_or_else(|| panic!("the receiver refused a push: {line}"))
    }
}

impl Drop for PushReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_push_is_decrypted_by_an_independent_receiver_and_gone_subscriptions_are_removed() {
    let receiver = PushReceiver::start();
    let app = spawn_app(Backend::Sqlite).await;
    let f = family(&app).await;
    let sub = &receiver.subscription;
    let form = |endpoint: &str| {
        vec![
            ("endpoint", endpoint.to_string()),
            ("p256dh", sub["p256dh"].as_str().unwrap().to_string()),
            ("auth", sub["auth"].as_str().unwrap().to_string()),
        ]
    };
    let ok = form(sub["endpoint"].as_str().unwrap());
    let ok: Vec<(&str, &str)> = ok.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let gone = form(sub["gone_endpoint"].as_str().unwrap());
    let gone: Vec<(&str, &str)> = gone.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // An old phone of the guardian's, dropped by its push service (it answers 410), subscribed
    // first; then the phone in use.
    assert_eq!(f.guardian.call(&app, "subscribe_push", &gone).await.0, 200);
    assert_eq!(f.guardian.call(&app, "subscribe_push", &ok).await.0, 200);

    mark(
        &app,
        &f.teacher,
        f.class_id,
        "",
        json!([{ "student_id": f.child_id, "status": "AbsentUnexcused", "client_id": "p-1" }]),
    )
    .await;
    let push = receiver.next();
    assert_eq!(push["kind"], "absence");
    assert!(
        push["title"]
            .as_str()
            .unwrap()
            .contains(&f.child_given_name),
        "{push}"
    );
    assert_eq!(push["link"], "/guardian");
    // No personal ID number travels through the push service.
    let digits: String = push
        .to_string()
        .chars()
        .map(|c| if c.is_ascii_digit() { c } else { ' ' })
        .collect();
    assert!(
        digits.split_whitespace().all(|run| run.len() < 12),
        "{push}"
    );

    // The job sends a message's pushes in the order the devices subscribed, so the gone one was
    // handled before this push arrived: it is removed, the phone in use stays.
    let mut conn = app.conn().await;
    let left: Vec<String> =
        sqlx::query_scalar("SELECT endpoint FROM push_subscriptions ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(left, vec![sub["endpoint"].as_str().unwrap().to_string()]);
    drop(conn);

    // A child the guardian chose not to hear about for absences: the inbox still gets it, the
    // phone does not; the next kind they do want arrives.
    let child = f.child_id.to_string();
    let (status, _) = f
        .guardian
        .call(
            &app,
            "set_notification_preference",
            &[
                ("student_id", &child),
                ("kind", "Absence"),
                ("enabled", "false"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    mark(
        &app,
        &f.teacher,
        f.class_id,
        "",
        json!([{ "student_id": f.child_id, "status": "Late", "client_id": "p-2" }]),
    )
    .await;
    mark(
        &app,
        &f.teacher,
        f.class_id,
        "",
        json!([{ "student_id": f.child_id, "status": "AbsentExcused", "client_id": "p-3" }]),
    )
    .await;
    let principal = Device::new();
    principal.demo_login_as(&app, PRINCIPAL, "Staff").await;
    let (_, leave) = f
        .guardian
        .call(
            &app,
            "request_leave",
            &[
                ("student_id", &child),
                ("from_day", &school_day(5)),
                ("to_day", &school_day(5)),
                ("reason", "Khám răng"),
            ],
        )
        .await;
    let leave = leave.to_string();
    assert_eq!(
        principal
            .call(
                &app,
                "answer_leave",
                &[
                    ("leave_id", &leave),
                    ("approve", "false"),
                    ("answer", "Xin đổi ngày")
                ]
            )
            .await
            .0,
        200
    );
    let next = receiver.next();
    assert_eq!(
        next["kind"], "leave_answer",
        "the muted absence was not pushed: {next}"
    );
    let (_, inbox) = f.guardian.call(&app, "my_inbox", &[]).await;
    let kinds: Vec<&str> = inbox
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "absence").count(),
        2,
        "every message stays in the inbox: {kinds:?}"
    );
}
