//! The authorization matrix: every server function, called by every kind of person (and by people
//! of another school or another family), is allowed exactly where it should be, and a refusal
//! carries nothing but its code. A server function missing from the matrix fails the test.

use std::collections::{BTreeMap, BTreeSet};

use app::identity::PersonaKind;
use app::platform::db::Backend;
use serde_json::Value;

use crate::support::sessions::session_as_record;
use crate::support::{TestApp, spawn_app};

/// The argument name that marks a JSON body.
const JSON: &str = "(json)";

/// One line of the matrix: endpoint, arguments, who is allowed.
type MatrixRow<'a> = (&'a str, Vec<(&'a str, String)>, Vec<&'a str>);

/// A logged-in browser, reduced to its cookies and CSRF token.
struct Caller {
    name: &'static str,
    cookie: Option<String>,
    csrf: String,
}

/// Opens a session for the record `(table, id)` the way a login does (accounts, session, persona).
async fn session_for(
    app: &TestApp,
    name: &'static str,
    kind: PersonaKind,
    table: &str,
    record: i64,
) -> Caller {
    let session = session_as_record(app, kind, table, record, name).await;
    Caller {
        name,
        cookie: Some(session.cookie),
        csrf: session.csrf,
    }
}

async fn id(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.conn().await;
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

async fn call(
    app: &TestApp,
    caller: &Caller,
    endpoint: &str,
    form: &[(&str, String)],
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let request = client.post(app.url(&format!("/api/{endpoint}")));
    // Server functions that take JSON get their body as one `(JSON, body)` argument.
    let request = match form {
        [(JSON, body)] => request
            .header("content-type", "application/json")
            .body(body.clone()),
        _ => request.form(form),
    };
    let mut request = request.header(app::identity::CSRF_HEADER, &caller.csrf);
    let cookie = caller
        .cookie
        .clone()
        .unwrap_or_else(|| format!("{}={}", app::identity::CSRF_COOKIE, caller.csrf));
    request = request.header("cookie", cookie);
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_function_admits_exactly_the_right_people() {
    let app = spawn_app(Backend::Sqlite).await;
    let school_1 = "(SELECT id FROM schools WHERE moet_code = '79000701')";
    let school_2 = "(SELECT id FROM schools WHERE moet_code = '79000702')";
    let class_a = id(
        &app,
        &format!("SELECT id FROM classes WHERE name = '6A1' AND school_id = {school_1}"),
    )
    .await;
    let class_b = id(
        &app,
        &format!("SELECT id FROM classes WHERE name = '6A1' AND school_id = {school_2}"),
    )
    .await;
    let lan = id(&app, "SELECT g.id FROM guardians g JOIN guardian_links l ON l.guardian_id = g.id WHERE l.status = 'verified' LIMIT 1").await;
    let lans_child = id(
        &app,
        &format!("SELECT student_id FROM guardian_links WHERE guardian_id = {lan} LIMIT 1"),
    )
    .await;
    let other_child = id(&app, &format!("SELECT id FROM students WHERE school_id = {school_1} AND id NOT IN (SELECT student_id FROM guardian_links WHERE guardian_id = {lan}) LIMIT 1")).await;
    let school_2_id = id(&app, "SELECT id FROM schools WHERE moet_code = '79000702'").await;
    let movable = id(
        &app,
        &format!("SELECT MAX(id) FROM students WHERE school_id = {school_1}"),
    )
    .await;
    let leaving_teacher = id(&app, &format!("SELECT MAX(s.id) FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = 'teacher' AND s.school_id = {school_1}")).await;
    let office = || vec!["district", "admin_1", "clerk_1"];
    let staff_with = |role: &str, school: &str| {
        format!(
            "SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = '{role}' AND s.school_id = {school} ORDER BY s.id LIMIT 1"
        )
    };

    // Fees: a notice and a receipt of the demo mother's children, another family's notice.
    let school_1_id = id(&app, &format!("SELECT {school_1}")).await;
    let lans_notice = id(&app, &format!("SELECT MIN(id) FROM fee_notices WHERE student_id IN (SELECT student_id FROM guardian_links WHERE guardian_id = {lan})")).await;
    let other_notice = id(&app, &format!("SELECT MIN(id) FROM fee_notices WHERE student_id NOT IN (SELECT student_id FROM guardian_links WHERE guardian_id = {lan})")).await;
    let lans_receipt = id(&app, &format!("SELECT MIN(receipt_id) FROM fee_receipt_lines WHERE student_id IN (SELECT student_id FROM guardian_links WHERE guardian_id = {lan})")).await;
    let lans_code = app::fees::rules::reference_code(
        id(
            &app,
            &format!("SELECT MIN(ref_id) FROM fee_ref_notices WHERE notice_id = {lans_notice}"),
        )
        .await,
    )
    .unwrap_or_default();
    let uniforms = id(
        &app,
        "SELECT id FROM fee_collections WHERE name = 'Đồng phục'",
    )
    .await;
    let year_1 = id(
        &app,
        &format!("SELECT id FROM school_years WHERE school_id = {school_1}"),
    )
    .await;

    // Attendance: a leave day ahead, a pending request of the demo mother's, 6A1's homeroom.
    let leave_day = {
        let day = (time::OffsetDateTime::now_utc() + time::Duration::hours(7)).date()
            + time::Duration::days(2);
        format!(
            "{:04}-{:02}-{:02}",
            day.year(),
            u8::from(day.month()),
            day.day()
        )
    };
    let pending_leave = {
        let mut conn = app.conn().await;
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO leave_requests (school_id, student_id, guardian_id, from_day, to_day, reason, created_at)
             VALUES ($1, $2, $3, $4, $4, 'Ốm', 0) RETURNING id",
        )
        .bind(school_1_id)
        .bind(lans_child)
        .bind(lan)
        .bind(&leave_day)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
    };
    let teacher_1_runs_a = id(
        &app,
        &format!(
            "SELECT COUNT(*) FROM teaching_assignments WHERE class_id = {class_a} AND kind = 'homeroom' AND staff_id = ({})",
            staff_with("teacher", school_1)
        ),
    )
    .await
        > 0;
    let homeroom_of_a = if teacher_1_runs_a {
        vec!["admin_1", "teacher_1"]
    } else {
        vec!["admin_1"]
    };

    let anonymous = Caller {
        name: "anonymous",
        cookie: None,
        csrf: "anonymous-csrf-token".into(),
    };
    let callers = vec![
        session_for(
            &app,
            "district",
            PersonaKind::DistrictAdmin,
            "district_admins",
            id(&app, "SELECT id FROM district_admins").await,
        )
        .await,
        session_for(
            &app,
            "admin_1",
            PersonaKind::Staff,
            "staff",
            id(&app, &staff_with("school_admin", school_1)).await,
        )
        .await,
        session_for(
            &app,
            "clerk_1",
            PersonaKind::Staff,
            "staff",
            id(&app, &staff_with("clerk", school_1)).await,
        )
        .await,
        session_for(
            &app,
            "teacher_1",
            PersonaKind::Staff,
            "staff",
            id(&app, &staff_with("teacher", school_1)).await,
        )
        .await,
        session_for(
            &app,
            "teacher_2",
            PersonaKind::Staff,
            "staff",
            id(&app, &staff_with("teacher", school_2)).await,
        )
        .await,
        session_for(&app, "guardian", PersonaKind::Guardian, "guardians", lan).await,
        session_for(
            &app,
            "student",
            PersonaKind::Student,
            "students",
            other_child,
        )
        .await,
    ];
    let everyone = [
        "anonymous",
        "district",
        "admin_1",
        "clerk_1",
        "teacher_1",
        "teacher_2",
        "guardian",
        "student",
    ];
    let logged_in = &everyone[1..];

    let school_1_id = id(&app, &format!("SELECT {school_1}")).await;
    // Grades: Ngữ văn of 6A1 is teacher_1's subject (teacher_1 is also homeroom of 6A2); the
    // other school's semester I is locked, so its literature teacher can ask for a correction.
    let subject_in = |school: &str| {
        format!("SELECT id FROM subjects WHERE code = 'NGU_VAN' AND school_id = {school}")
    };
    let literature_1 = id(&app, &subject_in(school_1)).await;
    let literature_2 = id(&app, &subject_in(school_2)).await;
    let class_c = id(
        &app,
        &format!("SELECT id FROM classes WHERE name = '6A2' AND school_id = {school_1}"),
    )
    .await;
    let enrolled = |class: i64| {
        format!(
            "SELECT student_id FROM class_enrollments WHERE class_id = {class} ORDER BY student_id LIMIT 1"
        )
    };
    let student_a = id(&app, &enrolled(class_a)).await;
    let student_b = id(&app, &enrolled(class_b)).await;
    let student_c = id(&app, &enrolled(class_c)).await;
    let semester_2 = id(
        &app,
        &format!("SELECT id FROM semesters WHERE number = 2 AND school_id = {school_1}"),
    )
    .await;
    let teacher_1_id = id(&app, &staff_with("teacher", school_1)).await;
    {
        let mut conn = app.conn().await;
        sqlx::query(&format!(
            "UPDATE grade_windows SET status = 'locked' WHERE school_id = {school_2}"
        ))
        .execute(&mut *conn)
        .await
        .unwrap();
        sqlx::query(&format!(
            "INSERT INTO score_corrections (school_id, class_id, student_id, subject_id, semester_id, column_key,
                                            new_value, reason, requested_by, requested_at)
             SELECT {school_1}, {class_a}, {student_a}, {literature_1}, id, 'tx1', '9', 'matrix', {teacher_1_id}, 0
             FROM semesters WHERE number = 1 AND school_id = {school_1}"
        ))
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    let correction = id(&app, "SELECT MAX(id) FROM score_corrections").await;
    let workbook = {
        use base64::Engine as _;
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet()
            .write_string(0, 0, "Mã học sinh")
            .unwrap();
        base64::engine::general_purpose::STANDARD.encode(book.save_to_buffer().unwrap())
    };
    let sheet = |class: i64, subject: i64| {
        vec![
            ("class_id", class.to_string()),
            ("subject_id", subject.to_string()),
            ("semester", "1".to_string()),
        ]
    };
    let with = |mut base: Vec<(&'static str, String)>, more: &[(&'static str, String)]| {
        base.extend_from_slice(more);
        base
    };

    // endpoint → (arguments, who is allowed). Everyone else is refused.
    let garbage = "{}".to_string();
    // Timetables: the pilot school's published version, the student's class (and whether the
    // guardian has a child there), a teacher of school 1, school 2 (where no caller may edit).
    let published_timetable = id(
        &app,
        &format!("SELECT id FROM timetables WHERE school_id = {school_1} AND status = 'published' ORDER BY id LIMIT 1"),
    )
    .await;
    let students_class = id(&app, &format!("SELECT class_id FROM class_enrollments WHERE student_id = {other_child} AND left_on IS NULL")).await;
    let guardian_sees_class = id(&app, &format!("SELECT COUNT(*) FROM guardian_links l JOIN class_enrollments e ON e.student_id = l.student_id AND e.left_on IS NULL WHERE l.guardian_id = {lan} AND l.status = 'verified' AND e.class_id = {students_class}")).await > 0;
    let mut class_readers = vec!["district", "admin_1", "clerk_1", "teacher_1", "student"];
    if guardian_sees_class {
        class_readers.push("guardian");
    }
    let teacher_1_id = id(&app, &staff_with("teacher", school_1)).await;
    let school_1_staff = vec!["district", "admin_1", "clerk_1", "teacher_1"];
    let not_district = vec![
        "admin_1",
        "clerk_1",
        "teacher_1",
        "teacher_2",
        "guardian",
        "student",
    ];
    let s1 = || ("school_id", school_1_id.to_string());
    let s2 = || ("school_id", school_2_id.to_string());
    let matrix: Vec<MatrixRow> = vec![
        ("schools", vec![], everyone.to_vec()),
        ("me", vec![], everyone.to_vec()),
        ("login_options", vec![], everyone.to_vec()),
        ("passkey_login_options", vec![], everyone.to_vec()),
        ("my_sessions", vec![], logged_in.to_vec()),
        ("sign_out_elsewhere", vec![], logged_in.to_vec()),
        ("my_passkeys", vec![], logged_in.to_vec()),
        ("passkey_registration_options", vec![], logged_in.to_vec()),
        (
            "staff_home",
            vec![],
            vec!["admin_1", "clerk_1", "teacher_1", "teacher_2"],
        ),
        ("my_children", vec![], vec!["guardian"]),
        (
            "class_list",
            vec![("class_id", class_a.to_string())],
            vec!["district", "admin_1", "clerk_1", "teacher_1"],
        ),
        (
            "class_list",
            vec![("class_id", class_b.to_string())],
            vec!["district", "teacher_2"],
        ),
        (
            "issue_student_login",
            vec![("student_id", lans_child.to_string())],
            vec!["admin_1", "clerk_1"],
        ),
        (
            "identity_mismatches",
            vec![("school_id", school_1_id.to_string())],
            vec!["district", "admin_1"],
        ),
        // Someone else's persona, passkey or session: refused for all (not found is a refusal too).
        (
            "choose_persona",
            vec![
                ("persona[kind]", "Guardian".into()),
                ("persona[school_id]", "1".into()),
                ("persona[record_id]", "999999".into()),
            ],
            vec![],
        ),
        (
            "rename_passkey",
            vec![("id", "999999".into()), ("name", "x".into())],
            vec![],
        ),
        ("remove_passkey", vec![("id", "999999".into())], vec![]),
        // Public ways in, with bad credentials: refused for all.
        (
            "register_passkey",
            vec![("response", garbage.clone()), ("name", "x".into())],
            vec![],
        ),
        (
            "passkey_login",
            vec![("response", garbage.clone()), ("return_to", "/".into())],
            vec![],
        ),
        (
            "student_login",
            vec![
                ("username", "hs0000".into()),
                ("password", "wrong-password".into()),
            ],
            vec![],
        ),
        (
            "activate_student_login",
            vec![
                ("username", "hs0000".into()),
                ("code", "ABCDEFGHJK".into()),
                ("password", "long-enough".into()),
            ],
            vec![],
        ),
        // Timetables. Building them: the school's timetablers and admins (admin_1 here); changes
        // aimed at school 2 or at a timetable that does not exist are refused for all.
        ("timetable_home", vec![s1()], vec!["admin_1"]),
        ("timetable_settings", vec![s1()], vec!["admin_1"]),
        (
            "save_timetable_week",
            vec![
                s2(),
                ("week", garbage.clone()),
                ("rules", garbage.clone()),
                ("first_semester_weeks", "18".into()),
                ("second_semester_weeks", "17".into()),
            ],
            vec![],
        ),
        (
            "save_class_session",
            vec![
                s1(),
                ("class_id", class_a.to_string()),
                ("session", "afternoon".into()),
            ],
            vec!["admin_1"],
        ),
        (
            "add_timetable_room",
            vec![s1(), ("name", "Phòng thí nghiệm".into())],
            vec!["admin_1"],
        ),
        (
            "save_timetable_requirement",
            vec![
                s2(),
                ("class_id", class_b.to_string()),
                ("subject_id", "1".into()),
                ("first_semester", "4".into()),
                ("double_periods", "0".into()),
            ],
            vec![],
        ),
        (
            "add_teacher_unavailability",
            vec![
                s2(),
                ("staff_id", teacher_1_id.to_string()),
                ("day", "monday".into()),
            ],
            vec![],
        ),
        (
            "remove_teacher_unavailability",
            vec![s2(), ("id", "999999".into())],
            vec![],
        ),
        (
            "create_timetable_draft",
            vec![s1(), ("semester", "1".into()), ("name", "Bản nháp".into())],
            vec!["admin_1"],
        ),
        (
            "timetable_editor",
            vec![("timetable_id", published_timetable.to_string())],
            vec!["admin_1"],
        ),
        // A published version is no draft: its editor is refused too (409).
        (
            "apply_timetable_edits",
            vec![
                ("timetable_id", published_timetable.to_string()),
                ("base_revision", "0".into()),
                ("batch_id", "b-1".into()),
                ("edits", "[]".into()),
            ],
            vec![],
        ),
        (
            "timetable_state",
            vec![
                ("timetable_id", "999999".into()),
                ("known_revision", "0".into()),
            ],
            vec![],
        ),
        (
            "timetable_publish_preview",
            vec![
                ("timetable_id", "999999".into()),
                ("effective_from", "2026-10-12".into()),
            ],
            vec![],
        ),
        (
            "publish_timetable",
            vec![
                ("timetable_id", "999999".into()),
                ("revision", "0".into()),
                ("effective_from", "2026-10-12".into()),
            ],
            vec![],
        ),
        (
            "delete_timetable_draft",
            vec![("timetable_id", "999999".into())],
            vec![],
        ),
        (
            "fet_preview",
            vec![s2(), ("content", "<fet/>".into()), ("semester", "1".into())],
            vec![],
        ),
        (
            "fet_apply",
            vec![
                s2(),
                ("content", "<fet/>".into()),
                ("mapping", garbage.clone()),
                ("semester", "1".into()),
                ("name", "FET".into()),
            ],
            vec![],
        ),
        ("substitution_day", vec![s1()], vec!["admin_1"]),
        (
            "mark_teacher_absent",
            vec![
                s2(),
                ("staff_id", teacher_1_id.to_string()),
                ("date", "2026-10-12".into()),
            ],
            vec![],
        ),
        (
            "clear_teacher_absence",
            vec![
                s2(),
                ("staff_id", teacher_1_id.to_string()),
                ("date", "2026-10-12".into()),
            ],
            vec![],
        ),
        (
            "choose_substitute",
            vec![
                s2(),
                ("date", "2026-10-12".into()),
                ("lesson_id", "999999".into()),
            ],
            vec![],
        ),
        (
            "publish_substitutions",
            vec![s2(), ("date", "2026-10-12".into())],
            vec![],
        ),
        // Seeing a week: the school's staff and district; a class's students and families.
        (
            "class_week",
            vec![("class_id", students_class.to_string())],
            class_readers.clone(),
        ),
        (
            "class_week",
            vec![("class_id", class_b.to_string())],
            vec!["district", "teacher_2"],
        ),
        (
            "class_grid",
            vec![("class_id", students_class.to_string())],
            class_readers.clone(),
        ),
        (
            "teacher_week",
            vec![("staff_id", teacher_1_id.to_string())],
            school_1_staff.clone(),
        ),
        (
            "teacher_grid",
            vec![("staff_id", teacher_1_id.to_string())],
            school_1_staff.clone(),
        ),
        ("my_timetables", vec![], not_district.clone()),
        // A guardian has no week of her own (she follows her children's classes).
        (
            "my_week",
            vec![],
            vec!["admin_1", "clerk_1", "teacher_1", "teacher_2", "student"],
        ),
        (
            "create_class_feed",
            vec![("class_id", students_class.to_string())],
            class_readers.clone(),
        ),
        (
            "create_teacher_feed",
            vec![("staff_id", teacher_1_id.to_string())],
            school_1_staff.clone(),
        ),
        ("my_feeds", vec![], logged_in.to_vec()),
        ("revoke_feed", vec![("feed_id", "999999".into())], vec![]),
        ("my_notices", vec![], not_district.clone()),
        ("read_my_notices", vec![], not_district.clone()),
        // Desk verification: the office (admins and clerks) of the persona's school; bridges
        // for its admin; progress for the office and the district; claims need a valid link.
        ("desk_context", vec![], vec!["admin_1", "clerk_1"]),
        ("desk_challenge", vec![], vec!["admin_1", "clerk_1"]),
        ("desk_submit", vec![("signed", garbage.clone())], vec![]),
        (
            "handoff_status",
            vec![("handoff_id", "999999".into())],
            vec![],
        ),
        (
            "new_handoff",
            vec![("verification_id", "999999".into())],
            vec![],
        ),
        ("claim_preview", vec![("token", "x".repeat(43))], vec![]),
        ("claim_handoff", vec![("token", "x".repeat(43))], vec![]),
        ("review_queue", vec![], vec!["admin_1", "clerk_1"]),
        (
            "resolve_review",
            vec![
                ("review_id", "999999".into()),
                ("approve", "false".into()),
                ("note", "x".into()),
            ],
            vec![],
        ),
        ("bridges_overview", vec![], vec!["admin_1"]),
        ("create_pairing_code", vec![], vec!["admin_1"]),
        (
            "revoke_bridge",
            vec![("bridge_id", "999999".into())],
            vec![],
        ),
        (
            "set_desk_face_image",
            vec![("enabled", "false".into())],
            vec!["admin_1"],
        ),
        (
            "verification_progress",
            vec![("school_id", school_1_id.to_string())],
            vec!["district", "admin_1", "clerk_1"],
        ),
        ("verification_progress", vec![], vec!["district"]),
        (
            "verification_follow_up",
            vec![
                ("school_id", school_1_id.to_string()),
                ("class_id", class_a.to_string()),
            ],
            if teacher_1_runs_a {
                vec!["district", "admin_1", "clerk_1", "teacher_1"]
            } else {
                vec!["district", "admin_1", "clerk_1"]
            },
        ),
        (
            "verification_follow_up",
            vec![("school_id", school_1_id.to_string())],
            vec!["district", "admin_1", "clerk_1"],
        ),
        (
            "verification_follow_up",
            vec![
                ("school_id", school_1_id.to_string()),
                ("class_id", class_b.to_string()),
            ],
            vec![],
        ),
        ("my_link_history", vec![], vec!["guardian"]),
        // Fees.
        ("my_fees", vec![], vec!["guardian"]),
        ("new_fee_notices", vec![], vec!["guardian"]),
        (
            "fee_payment",
            vec![("notice_ids[0]", lans_notice.to_string())],
            vec!["guardian"],
        ),
        (
            "fee_payment",
            vec![("notice_ids[0]", other_notice.to_string())],
            vec![],
        ),
        (
            "fee_notice_status",
            vec![("notice_ids[0]", lans_notice.to_string())],
            vec!["guardian"],
        ),
        (
            "fee_receipt",
            vec![("receipt_id", lans_receipt.to_string())],
            vec!["district", "admin_1", "clerk_1", "guardian"],
        ),
        ("fee_desk", vec![], vec!["admin_1", "clerk_1"]),
        (
            "fee_report",
            vec![("report", "Daily".into())],
            vec!["admin_1", "clerk_1"],
        ),
        (
            "record_cash",
            vec![
                ("reference_code", lans_code.clone()),
                ("amount", "1000".into()),
                ("payer_name", "Nguyễn Thị Lan".into()),
            ],
            vec!["admin_1", "clerk_1"],
        ),
        (
            "assign_transfer",
            vec![
                ("transaction_id", "999999".into()),
                ("reference_code", lans_code.clone()),
            ],
            vec![],
        ),
        (
            "cancel_receipt",
            vec![("receipt_id", "999999".into()), ("reason", "x".into())],
            vec![],
        ),
        (
            "fee_settings",
            vec![("school_id", school_1_id.to_string())],
            vec!["admin_1"],
        ),
        (
            "add_fee_collection",
            vec![
                ("school_id", school_1_id.to_string()),
                ("collection[school_year_id]", year_1.to_string()),
                ("collection[name]", "Quỹ lớp".into()),
                ("collection[amount]", "100000".into()),
                ("collection[scope]", "School".into()),
                ("collection[monthly]", "false".into()),
                ("collection[months]", "1".into()),
                ("collection[first_due_on]", "2026-11-01".into()),
            ],
            vec!["admin_1"],
        ),
        (
            "grant_fee_reduction",
            vec![
                ("school_id", school_1_id.to_string()),
                ("collection_id", uniforms.to_string()),
                ("student_id", other_child.to_string()),
                ("percent", "50".into()),
                ("reason", "Con thương binh".into()),
            ],
            vec!["admin_1"],
        ),
        (
            "issue_fee_notices",
            vec![
                ("school_id", school_1_id.to_string()),
                ("collection_id", uniforms.to_string()),
            ],
            vec!["admin_1"],
        ),
        (
            "add_fee_account",
            vec![
                ("school_id", school_1_id.to_string()),
                ("account[id]", "0".into()),
                ("account[bank_bin]", "970422".into()),
                ("account[bank_name]", "MB".into()),
                ("account[account_number]", "0123456789".into()),
                ("account[account_name]", "TRUONG THCS PHUOC KIEN".into()),
            ],
            vec!["admin_1"],
        ),
        (
            "add_fee_notifier",
            vec![
                ("school_id", school_1_id.to_string()),
                ("kind", "casso".into()),
                ("auth", "hmac".into()),
                ("secret", "a-long-enough-casso-key".into()),
            ],
            vec!["admin_1"],
        ),
        // Attendance: the class's teachers and the school's admins take the roll call; leave is
        // asked by the child's guardian and answered by the homeroom teacher or an admin.
        (
            "roll_call",
            vec![("class_id", class_a.to_string()), ("day", String::new())],
            vec!["admin_1", "teacher_1"],
        ),
        (
            "save_roll_call",
            vec![(
                JSON,
                format!(r#"{{"class_id":{class_a},"day":"","marks":[]}}"#),
            )],
            vec!["admin_1", "teacher_1"],
        ),
        (
            "save_roll_call",
            vec![(
                JSON,
                format!(r#"{{"class_id":{class_b},"day":"","marks":[]}}"#),
            )],
            vec!["teacher_2"],
        ),
        (
            "class_absences",
            vec![("class_id", class_a.to_string())],
            vec!["admin_1", "teacher_1"],
        ),
        (
            "child_absences",
            vec![("student_id", lans_child.to_string())],
            vec!["guardian"],
        ),
        (
            "request_leave",
            vec![
                ("student_id", lans_child.to_string()),
                ("from_day", leave_day.clone()),
                ("to_day", leave_day.clone()),
                ("reason", "Khám bệnh".into()),
            ],
            vec!["guardian"],
        ),
        (
            "request_leave",
            vec![
                ("student_id", other_child.to_string()),
                ("from_day", leave_day.clone()),
                ("to_day", leave_day.clone()),
                ("reason", "Khám bệnh".into()),
            ],
            vec![],
        ),
        (
            "child_leave_requests",
            vec![("student_id", lans_child.to_string())],
            vec!["guardian"],
        ),
        (
            "class_leave_requests",
            vec![("class_id", class_a.to_string())],
            homeroom_of_a.clone(),
        ),
        // Answered once: the first one allowed answers; after that it is a conflict for all.
        (
            "answer_leave",
            vec![
                ("leave_id", pending_leave.to_string()),
                ("approve", "true".into()),
                ("answer", String::new()),
            ],
            vec!["admin_1"],
        ),
        // The inbox is one's own, as a person of a school.
        (
            "my_inbox",
            vec![],
            vec![
                "admin_1",
                "clerk_1",
                "teacher_1",
                "teacher_2",
                "guardian",
                "student",
            ],
        ),
        (
            "unread_count",
            vec![],
            vec![
                "admin_1",
                "clerk_1",
                "teacher_1",
                "teacher_2",
                "guardian",
                "student",
            ],
        ),
        ("mark_message_read", vec![("id", "999999".into())], vec![]),
        ("push_public_key", vec![], logged_in.to_vec()),
        // A device's endpoint belongs to the first account that subscribes it.
        (
            "subscribe_push",
            vec![
                ("endpoint", "https://push.example.net/matrix".into()),
                ("p256dh", "B".repeat(87)),
                ("auth", "A".repeat(22)),
            ],
            vec!["district"],
        ),
        (
            "unsubscribe_push",
            vec![("endpoint", "https://push.example.net/other".into())],
            logged_in.to_vec(),
        ),
        ("my_notification_preferences", vec![], vec!["guardian"]),
        (
            "set_notification_preference",
            vec![
                ("student_id", lans_child.to_string()),
                ("kind", "Absence".into()),
                ("enabled", "false".into()),
            ],
            vec!["guardian"],
        ),
        // Grades.
        (
            "my_grades",
            vec![],
            vec!["admin_1", "clerk_1", "teacher_1", "teacher_2"],
        ),
        (
            "score_sheet",
            sheet(class_a, literature_1),
            vec!["admin_1", "teacher_1"],
        ),
        (
            "save_scores",
            with(
                sheet(class_a, literature_1),
                &[
                    ("edits[0][client_id]", "matrix-1".into()),
                    ("edits[0][student_id]", student_a.to_string()),
                    ("edits[0][column]", "tx2".into()),
                    ("edits[0][value]", "8".into()),
                    ("edits[0][base_version]", "0".into()),
                ],
            ),
            vec!["teacher_1"],
        ),
        (
            "release_column",
            with(
                sheet(class_a, literature_1),
                &[("column", "tx2".into()), ("released", "true".into())],
            ),
            vec!["teacher_1"],
        ),
        (
            "score_history",
            with(
                sheet(class_a, literature_1),
                &[
                    ("student_id", student_a.to_string()),
                    ("column", "tx1".into()),
                ],
            ),
            vec!["admin_1", "teacher_1"],
        ),
        (
            "request_score_correction",
            with(
                sheet(class_b, literature_2),
                &[
                    ("student_id", student_b.to_string()),
                    ("column", "tx1".into()),
                    ("value", "8".into()),
                    ("reason", "chấm sót / missed".into()),
                ],
            ),
            vec!["teacher_2"],
        ),
        ("grade_admin", vec![], vec!["admin_1"]),
        (
            "set_grade_window",
            vec![
                ("semester_id", semester_2.to_string()),
                ("status", "open".into()),
            ],
            vec!["admin_1"],
        ),
        (
            "decide_correction",
            vec![
                ("correction_id", correction.to_string()),
                ("approve", "false".into()),
            ],
            vec!["admin_1"],
        ),
        (
            "save_grading_settings",
            vec![("settings", "{\"max_absences\": 45}".into())],
            vec!["admin_1"],
        ),
        (
            "class_results",
            vec![("class_id", class_a.to_string())],
            vec!["admin_1"],
        ),
        (
            "class_results",
            vec![("class_id", class_c.to_string())],
            vec!["admin_1", "teacher_1"],
        ),
        (
            "save_conduct",
            vec![
                ("class_id", class_c.to_string()),
                ("student_id", student_c.to_string()),
                ("semester", "1".into()),
                ("level", "good".into()),
            ],
            vec!["teacher_1"],
        ),
        (
            "save_absences",
            vec![
                ("class_id", class_c.to_string()),
                ("student_id", student_c.to_string()),
                ("days", "3".into()),
            ],
            vec!["teacher_1"],
        ),
        (
            "child_grades",
            vec![("student_id", lans_child.to_string())],
            vec!["guardian"],
        ),
        (
            "child_grades",
            vec![("student_id", other_child.to_string())],
            vec!["student"],
        ),
        (
            "export_score_sheet",
            sheet(class_a, literature_1),
            vec!["admin_1", "teacher_1"],
        ),
        (
            "preview_score_import",
            with(sheet(class_a, literature_1), &[("file", workbook.clone())]),
            vec!["teacher_1"],
        ),
        (
            "apply_score_import",
            with(sheet(class_a, literature_1), &[("file", workbook.clone())]),
            vec!["teacher_1"],
        ),
        // Records: the school's office (admins, clerks) and the district; families their own.
        ("records_home", vec![], vec!["admin_1", "clerk_1"]),
        (
            "records_search",
            vec![
                ("school_id", school_1_id.to_string()),
                ("kind", "students".into()),
                ("query", "nguyen".into()),
                ("archived", "false".into()),
            ],
            office(),
        ),
        (
            "records_search",
            vec![
                ("school_id", school_2_id.to_string()),
                ("kind", "staff".into()),
                ("query", "".into()),
                ("archived", "false".into()),
            ],
            vec!["district"],
        ),
        (
            "student_record",
            vec![
                ("school_id", school_1_id.to_string()),
                ("student_id", lans_child.to_string()),
            ],
            office(),
        ),
        (
            "save_student",
            vec![
                ("school_id", school_1_id.to_string()),
                ("form[full_name]", "Lê Văn Thử".into()),
                ("form[date_of_birth]", "01/01/2015".into()),
                ("form[sex]", "M".into()),
                ("form[moet_code]", "".into()),
                ("form[personal_id]", "".into()),
                ("form[ethnicity]", "".into()),
            ],
            office(),
        ),
        (
            "student_life_event",
            vec![
                ("school_id", school_1_id.to_string()),
                ("student_id", other_child.to_string()),
                ("event", "restore".into()),
                ("on", "".into()),
            ],
            office(),
        ),
        (
            "transfer_student",
            vec![
                ("from_school_id", school_1_id.to_string()),
                ("student_id", movable.to_string()),
                ("to_school_id", school_2_id.to_string()),
                ("to_class_id", class_b.to_string()),
            ],
            vec!["district"],
        ),
        (
            "reveal_personal_id",
            vec![
                ("school_id", school_1_id.to_string()),
                ("kind", "students".into()),
                ("record_id", lans_child.to_string()),
                ("reason", "Kiểm tra hồ sơ".into()),
            ],
            office(),
        ),
        (
            "save_staff",
            vec![
                ("school_id", school_1_id.to_string()),
                ("form[full_name]", "Ngô Văn Thử".into()),
                ("form[date_of_birth]", "".into()),
                ("form[sex]", "".into()),
                ("form[personal_id]", "".into()),
                ("form[phone]", "".into()),
                ("form[email]", "".into()),
                ("form[position]", "Giáo viên".into()),
                ("form[roles][0]", "teacher".into()),
            ],
            office(),
        ),
        (
            "archive_staff",
            vec![
                ("school_id", school_1_id.to_string()),
                ("staff_id", leaving_teacher.to_string()),
            ],
            office(),
        ),
        (
            "save_guardian",
            vec![
                ("school_id", school_1_id.to_string()),
                ("form[student_id]", other_child.to_string()),
                ("form[relation]", "guardian".into()),
                ("form[full_name]", "Bùi Thị Thử".into()),
                ("form[personal_id]", "".into()),
                ("form[phone]", "".into()),
                ("form[occupation]", "".into()),
            ],
            office(),
        ),
        (
            "school_classes",
            vec![("school_id", school_1_id.to_string())],
            office(),
        ),
        (
            "save_class",
            vec![
                ("school_id", school_1_id.to_string()),
                ("class_id", class_a.to_string()),
                ("grade", "6".into()),
                ("name", "6A1".into()),
            ],
            office(),
        ),
        (
            "save_assignment",
            vec![
                ("school_id", school_1_id.to_string()),
                ("class_id", class_a.to_string()),
                ("staff_id", teacher_1_id.to_string()),
            ],
            office(),
        ),
        (
            "year_rollover",
            vec![
                ("school_id", school_1_id.to_string()),
                ("name", "2027-2028".into()),
                ("starts_on", "05/09/2027".into()),
                ("ends_on", "31/05/2028".into()),
                ("apply", "false".into()),
            ],
            vec!["district", "admin_1"],
        ),
        ("district_schools", vec![], vec!["district"]),
        (
            "create_school",
            vec![
                ("moet_code", "79000703".into()),
                ("name", "Trường THCS Thử".into()),
            ],
            vec!["district"],
        ),
        (
            "create_school_admin",
            vec![
                ("school_id", school_2_id.to_string()),
                ("form[full_name]", "Hồ Văn Hiệu".into()),
                ("form[date_of_birth]", "01/02/1975".into()),
                ("form[sex]", "M".into()),
                ("form[personal_id]", "079075123456".into()),
                ("form[phone]", "".into()),
                ("form[email]", "".into()),
                ("form[position]", "Hiệu trưởng".into()),
            ],
            vec!["district"],
        ),
        (
            "police_queue",
            vec![("school_id", school_1_id.to_string())],
            office(),
        ),
        (
            "resolve_police_correction",
            vec![
                ("school_id", school_1_id.to_string()),
                ("correction_id", "999999".into()),
                ("apply", "true".into()),
            ],
            vec![],
        ),
        (
            "correction_requests",
            vec![("school_id", school_1_id.to_string())],
            office(),
        ),
        (
            "resolve_correction_request",
            vec![
                ("school_id", school_1_id.to_string()),
                ("request_id", "999999".into()),
                ("done", "true".into()),
            ],
            vec![],
        ),
        ("family_data", vec![], vec!["guardian"]),
        (
            "set_consent",
            vec![
                ("student_id", lans_child.to_string()),
                ("purpose", "school_photos".into()),
                ("give", "true".into()),
            ],
            vec!["guardian"],
        ),
        (
            "set_consent",
            vec![
                ("student_id", other_child.to_string()),
                ("purpose", "school_photos".into()),
                ("give", "true".into()),
            ],
            vec![],
        ),
        (
            "request_correction",
            vec![
                ("student_id", lans_child.to_string()),
                ("field", "other".into()),
                ("requested", "Số điện thoại mới".into()),
            ],
            vec!["guardian"],
        ),
        // Ends the caller's session: checked last, separately below.
        ("logout", vec![], logged_in.to_vec()),
    ];

    // Every registered server function is in the matrix.
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect();
    let covered: BTreeSet<String> = matrix.iter().map(|(e, _, _)| e.to_string()).collect();
    assert_eq!(
        registered, covered,
        "server functions missing from (or extra in) the authorization matrix"
    );

    let mut wrong = BTreeMap::new();
    let all_callers: Vec<&Caller> = std::iter::once(&anonymous).chain(callers.iter()).collect();
    for (endpoint, args, allowed) in matrix.iter().filter(|(e, _, _)| *e != "logout") {
        for caller in &all_callers {
            let (status, body) = call(&app, caller, endpoint, args).await;
            let expected_ok = allowed.contains(&caller.name);
            let ok = status == 200;
            if ok != expected_ok {
                wrong.insert(
                    format!("{endpoint}({args:?}) by {}", caller.name),
                    format!("{status} {body}"),
                );
            }
            if !ok {
                // A refusal says why, and nothing else.
                let keys: BTreeSet<&str> = body
                    .as_object()
                    .map(|o| o.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                assert!(
                    keys.contains("error") && keys.iter().all(|k| ["error", "field"].contains(k)),
                    "{endpoint} by {}: {body}",
                    caller.name
                );
                assert!(
                    (400..500).contains(&status),
                    "{endpoint} by {}: a refusal is a 4xx, got {status}",
                    caller.name
                );
            }
        }
    }
    assert!(wrong.is_empty(), "wrong decisions:\n{wrong:#?}");

    // Logging out: allowed to a session, refused without one.
    assert_eq!(call(&app, &anonymous, "logout", &[]).await.0, 401);
    for caller in &callers {
        assert_eq!(
            call(&app, caller, "logout", &[]).await.0,
            200,
            "{}",
            caller.name
        );
        assert_eq!(
            call(&app, caller, "my_sessions", &[]).await.0,
            401,
            "{} after logout",
            caller.name
        );
    }
}

/// Two server functions declared with one endpoint name: the server keeps only one of them, so the
/// other is silently never reached (the matrix above cannot see it). Read from the sources.
#[test]
fn no_two_server_functions_share_an_endpoint() {
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    sources(
        &crate::support::workspace_root().join("app/src"),
        &mut files,
    );
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut clashes = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for declaration in text.split("#[server(").skip(1) {
            let Some(rest) = declaration.split("endpoint = \"").nth(1) else {
                continue;
            };
            let name = rest.split('"').next().unwrap_or_default().to_string();
            let place = file.display().to_string();
            if let Some(first) = seen.insert(name.clone(), place.clone()) {
                clashes.push(format!("{name}: {first} and {place}"));
            }
        }
    }
    assert!(seen.len() > 100, "the server functions were found");
    assert!(clashes.is_empty(), "endpoints declared twice: {clashes:#?}");
}
