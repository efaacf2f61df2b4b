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
    let school_2_id = id(&app, "SELECT id FROM schools WHERE moet_code = '79000702'").await;
    let movable = id(
        &app,
        &format!("SELECT MAX(id) FROM students WHERE school_id = {school_1}"),
    )
    .await;
    let teacher_1_id = id(&app, &format!("SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = 'teacher' AND s.school_id = {school_1} ORDER BY s.id LIMIT 1")).await;
    let leaving_teacher = id(&app, &format!("SELECT MAX(s.id) FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = 'teacher' AND s.school_id = {school_1}")).await;
    let office = || vec!["district", "admin_1", "clerk_1"];
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
