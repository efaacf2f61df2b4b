//! The authorization matrix: every server function, called by every kind of person (and by people
//! of another school or another family), is allowed exactly where it should be, and a refusal
//! carries nothing but its code. A server function missing from the matrix fails the test.

use std::collections::{BTreeMap, BTreeSet};

use app::identity::{PersonaKind, PersonaRef};
use app::platform::db::Backend;
use serde_json::Value;
use sqlx::Row;

use crate::support::{TestApp, spawn_app};

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
    let mut conn = app.conn().await;
    let now = app.state.clock.unix();
    let (school, hash): (Option<i64>, Vec<u8>) = if table == "district_admins" {
        let row = sqlx::query("SELECT pid_hash FROM district_admins WHERE id = $1")
            .bind(record)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        (None, row.get("pid_hash"))
    } else {
        let row = sqlx::query(&format!(
            "SELECT school_id, pid_hash FROM {table} WHERE id = $1"
        ))
        .bind(record)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        (row.get("school_id"), row.get("pid_hash"))
    };
    let account = if table == "students" {
        let issued = app::identity::student_login::issue(&mut conn, school.unwrap(), record, now)
            .await
            .unwrap();
        app::identity::student_login::activate(
            &mut conn,
            &issued.username,
            &issued.activation_code,
            "mật khẩu tốt",
            now,
        )
        .await
        .unwrap()
        .id
    } else {
        app::identity::accounts::upsert_citizen(&mut conn, &hash, name, Some(2), now)
            .await
            .unwrap()
    };
    let policy = app.state.settings.sessions;
    let session = app::identity::session::create(&mut conn, account, "vneid", "test", now, &policy)
        .await
        .unwrap();
    app::identity::session::set_persona(
        &mut conn,
        session.id,
        &PersonaRef {
            kind,
            school_id: school,
            record_id: record,
        },
    )
    .await
    .unwrap();
    Caller {
        name,
        cookie: Some(format!(
            "{}={}; {}={}",
            app::identity::SESSION_COOKIE,
            session.token,
            app::identity::CSRF_COOKIE,
            session.csrf_token
        )),
        csrf: session.csrf_token,
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
    let mut request = client
        .post(app.url(&format!("/api/{endpoint}")))
        .form(form)
        .header(app::identity::CSRF_HEADER, &caller.csrf);
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
    let school_1_id = id(&app, "SELECT id FROM schools WHERE moet_code = '79000701'").await;
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
    let staff_with = |role: &str, school: &str| {
        format!(
            "SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = '{role}' AND s.school_id = {school} ORDER BY s.id LIMIT 1"
        )
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
    let school_2_id = id(&app, "SELECT id FROM schools WHERE moet_code = '79000702'").await;
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
