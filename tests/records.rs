//! Records: the ministry's Excel files in and out (made here for the tests, with both header
//! spellings, shuffled columns, NFD names and serial dates), search, reveal, life events, the
//! police's confirmation, each family's own data and the retention job — on SQLite and PostgreSQL.

use app::identity::{PersonaKind, PersonaRef};
use app::platform::clock::Clock;
use app::platform::db::Backend;
use app::platform::personal_id::{PersonalId, Sex};
use rust_xlsxwriter::{Format, Workbook};
use serde_json::Value;
use sqlx::Row;
use time::macros::date;
use unicode_normalization::UnicodeNormalization;

use crate::on_both_backends;
use crate::support::{TestApp, TestDb, bind_port, spawn_app, spawn_app_at, spawn_app_with_clock};

/// A cell of a test workbook.
#[derive(Clone)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// An Excel date (serial number with a date format).
    Date(time::Date),
}

pub fn t(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

/// Writes a workbook: optional title row, the header row, then the rows.
pub fn workbook(title: Option<&str>, headers: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = book.add_worksheet();
    let mut r = 0u32;
    if let Some(title) = title {
        sheet.write_string(0, 0, title).unwrap();
        r = 2;
    }
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(r, c as u16, *h).unwrap();
    }
    for row in rows {
        r += 1;
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(s) if s.is_empty() => {}
                Cell::Text(s) => {
                    sheet.write_string(r, c as u16, s).unwrap();
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c as u16, *n).unwrap();
                }
                Cell::Date(d) => {
                    let serial = app::records::rules::date_to_excel_serial(*d);
                    sheet
                        .write_number_with_format(r, c as u16, serial, &date_format)
                        .unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// A logged-in caller: cookie header and CSRF token.
pub struct Caller {
    pub cookie: String,
    pub csrf: String,
}

/// Opens a session acting as a record (staff, guardian or district admin), as a login does.
pub async fn session_for(app: &TestApp, kind: PersonaKind, table: &str, record: i64) -> Caller {
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
    let account = app::identity::accounts::upsert_citizen(&mut conn, &hash, "test", Some(2), now)
        .await
        .unwrap();
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
        cookie: format!(
            "{}={}; {}={}",
            app::identity::SESSION_COOKIE,
            session.token,
            app::identity::CSRF_COOKIE,
            session.csrf_token
        ),
        csrf: session.csrf_token,
    }
}

pub async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.conn().await;
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

pub const SCHOOL_1: &str = "(SELECT id FROM schools WHERE moet_code = '79000701')";
pub const SCHOOL_2: &str = "(SELECT id FROM schools WHERE moet_code = '79000702')";

pub async fn staff_with(app: &TestApp, role: &str, school: &str) -> Caller {
    let id = scalar(
        app,
        &format!(
            "SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id
             WHERE r.role = '{role}' AND s.school_id = {school} ORDER BY s.id LIMIT 1"
        ),
    )
    .await;
    session_for(app, PersonaKind::Staff, "staff", id).await
}

pub async fn lan(app: &TestApp) -> (Caller, i64) {
    let id = scalar(
        app,
        "SELECT g.id FROM guardians g JOIN guardian_links l ON l.guardian_id = g.id
         WHERE l.status = 'verified' ORDER BY g.id LIMIT 1",
    )
    .await;
    (
        session_for(app, PersonaKind::Guardian, "guardians", id).await,
        id,
    )
}

/// POSTs a file to an endpoint of the records routes.
pub async fn post_file(app: &TestApp, caller: &Caller, path: &str, body: Vec<u8>) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url(path))
        .header("cookie", &caller.cookie)
        .header(app::identity::CSRF_HEADER, &caller.csrf)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An export: the file's bytes, or the error.
pub async fn export(app: &TestApp, caller: &Caller, path: &str, reason: &str) -> (u16, Vec<u8>) {
    let response = reqwest::Client::new()
        .post(app.url(path))
        .header("cookie", &caller.cookie)
        .header(app::identity::CSRF_HEADER, &caller.csrf)
        .form(&[("reason", reason)])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

/// Calls a server function.
pub async fn call(
    app: &TestApp,
    caller: &Caller,
    endpoint: &str,
    form: &[(&str, String)],
) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/{endpoint}")))
        .header("cookie", &caller.cookie)
        .header(app::identity::CSRF_HEADER, &caller.csrf)
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn pid(year: i32, sex: Sex, serial: u32) -> String {
    PersonalId::compose(79, year, sex, serial)
        .unwrap()
        .expose()
        .to_string()
}

fn nfd(s: &str) -> String {
    s.nfd().collect()
}

/// Five new grade-6 students: headers without diacritics, shuffled, NFD names, serial dates,
/// one ID number typed as a number (leading zero lost), one new intake without MOET code.
pub fn intake_file(school_code: &str) -> Vec<u8> {
    let headers = [
        "GIOI TINH",
        "Ho va ten",
        "So dinh danh ca nhan",
        "Ngay sinh",
        "Ma lop",
        "Ma hoc sinh",
        "Ho ten cha",
        "So dien thoai cha",
        "Ho ten me",
        "Ma truong",
        "Dan toc",
    ];
    let rows = vec![
        vec![
            t("Nữ"),
            t(&nfd("Nguyễn Thị Ánh Tuyết")),
            t(&pid(2015, Sex::Female, 900_001)),
            Cell::Date(date!(2015 - 03 - 02)),
            t("6A1"),
            t("7000019001"),
            t(&nfd("Nguyễn Văn Đạt")),
            t("0901234567"),
            t(&nfd("Lê Thị Hằng")),
            t(school_code),
            t("Kinh"),
        ],
        vec![
            t("Nam"),
            t("Trần Quốc Bảo"),
            Cell::Number(pid(2015, Sex::Male, 900_002).parse().unwrap()),
            t("14/07/2015"),
            t("6A2"),
            t("7000019002"),
            t("Trần Văn Hùng"),
            t(""),
            t(""),
            t(school_code),
            t("Kinh"),
        ],
        vec![
            t("Nữ"),
            t("Võ Ngọc Bích"),
            t(&pid(2015, Sex::Female, 900_003)),
            Cell::Date(date!(2015 - 11 - 20)),
            t("6A1"),
            t(""),
            t(""),
            t(""),
            t("Phạm Thị Thu"),
            t(school_code),
            t("Hoa"),
        ],
        vec![
            t("Nam"),
            t("Đặng Minh Khôi"),
            t(&pid(2015, Sex::Male, 900_004)),
            t("01/01/2015"),
            t("6a2"),
            t("7000019004"),
            t("Đặng Văn Tú"),
            t("0912345678"),
            t(""),
            t(school_code),
            t(""),
        ],
        vec![
            t("Nữ"),
            t(&nfd("Hồ Thị Diễm")),
            t(&pid(2015, Sex::Female, 900_005)),
            t("05/05/2015"),
            t("6A1"),
            t("7000019005"),
            t(""),
            t(""),
            t(""),
            t(school_code),
            t("Kinh"),
        ],
    ];
    workbook(Some("DANH SÁCH HỌC SINH"), &headers, &rows)
}

async fn a_clean_file_imports_once_and_a_second_import_changes_nothing(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let clerk = staff_with(&app, "clerk", SCHOOL_1).await;
    let school = scalar(&app, &format!("SELECT {SCHOOL_1}")).await;
    let before = scalar(&app, "SELECT COUNT(*) FROM students").await;
    let path = format!("/records/import/students?school_id={school}");

    let (status, preview) = post_file(&app, &clerk, &path, intake_file("79000701")).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["rows"], 5);
    assert_eq!(preview["added"], 5);
    assert_eq!(preview["errors"], serde_json::json!([]));
    assert_eq!(preview["applied"], false);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM students").await,
        before,
        "a preview changes nothing"
    );

    let (status, applied) = post_file(
        &app,
        &clerk,
        &format!("{path}&apply=true"),
        intake_file("79000701"),
    )
    .await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["applied"], true);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM students").await,
        before + 5
    );

    // Names are stored in NFC; search works without diacritics; class and father are linked.
    let (status, found) = call(
        &app,
        &clerk,
        "records_search",
        &[
            ("school_id", school.to_string()),
            ("kind", "students".into()),
            ("query", "nguyen thi anh tuyet".into()),
            ("archived", "false".into()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["name"]["given"], "Tuyết");
    assert_eq!(found[0]["detail"], "6A1");
    assert!(found[0]["masked_id"].as_str().unwrap().ends_with("0001"));
    let father_links = scalar(&app, "SELECT COUNT(*) FROM guardian_links l JOIN students s ON s.id = l.student_id WHERE s.moet_code = '7000019001' AND l.relation = 'father'").await;
    assert_eq!(father_links, 1);
    // The number typed as a number got its leading zero back and matches by keyed hash.
    let (_, by_id) = call(
        &app,
        &clerk,
        "records_search",
        &[
            ("school_id", school.to_string()),
            ("kind", "students".into()),
            ("query", pid(2015, Sex::Male, 900_002)),
            ("archived", "false".into()),
        ],
    )
    .await;
    assert_eq!(by_id[0]["name"]["given"], "Bảo");

    let audit_before = scalar(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'import'",
    )
    .await;
    let (status, again) = post_file(
        &app,
        &clerk,
        &format!("{path}&apply=true"),
        intake_file("79000701"),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (
            again["added"].as_i64(),
            again["changed"].as_i64(),
            again["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(5))
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM students").await,
        before + 5
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM guardian_links l JOIN students s ON s.id = l.student_id WHERE s.moet_code LIKE '70000190%'").await, 4);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'import'"
        )
        .await,
        audit_before + 1
    );
    app.stop().await;
}

async fn a_file_with_three_bad_rows_reports_exactly_those_and_applies_nothing(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let clerk = staff_with(&app, "clerk", SCHOOL_1).await;
    let school = scalar(&app, &format!("SELECT {SCHOOL_1}")).await;
    let headers = [
        "Họ tên",
        "Ngày sinh",
        "Giới tính",
        "Số định danh cá nhân",
        "Mã lớp",
    ];
    let good = |name: &str, serial: u32| {
        vec![
            t(name),
            t("02/03/2015"),
            t("Nữ"),
            t(&pid(2015, Sex::Female, serial)),
            t("6A1"),
        ]
    };
    let rows = vec![
        good("Lê Thị Mai", 910_001),
        vec![
            t("Lê Thị Hoa"),
            t("31/02/2015"),
            t("Nữ"),
            t(&pid(2015, Sex::Female, 910_002)),
            t("6A1"),
        ],
        good("Trần Thị Lý", 910_003),
        vec![
            t("Phan Văn Tài"),
            t("02/03/2015"),
            t("Nam"),
            t(&pid(2015, Sex::Female, 910_004)),
            t("6A1"),
        ],
        good("Vũ Thị Na", 910_005),
        vec![
            t("Đỗ Thị Yến"),
            t("02/03/2015"),
            t("Nữ"),
            t("07931500"),
            t("6A1"),
        ],
    ];
    let before = scalar(&app, "SELECT COUNT(*) FROM students").await;
    let path = format!("/records/import/students?school_id={school}");
    let (status, preview) = post_file(&app, &clerk, &path, workbook(None, &headers, &rows)).await;
    assert_eq!(status, 200, "{preview}");
    let errors: Vec<(i64, String, String)> = preview["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                e["column"].as_str().unwrap().to_string(),
                e["problem"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (3, "Ngày sinh".into(), "DateInvalid".into()),
            (
                5,
                "Số định danh cá nhân".into(),
                "PersonalIdDisagrees".into()
            ),
            (7, "Số định danh cá nhân".into(), "PersonalIdFormat".into()),
        ]
    );
    assert!(
        preview["errors"][0]["reason_vi"]
            .as_str()
            .unwrap()
            .contains("dd/mm/yyyy")
    );
    assert!(
        preview["errors"][0]["reason_en"]
            .as_str()
            .unwrap()
            .contains("not valid")
    );
    let (status, refused) = post_file(
        &app,
        &clerk,
        &format!("{path}&apply=true"),
        workbook(None, &headers, &rows),
    )
    .await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (422, Some("records_import_has_errors"))
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM students").await,
        before,
        "nothing applied"
    );
    app.stop().await;
}

async fn a_file_that_mixes_two_schools_is_refused(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let clerk = staff_with(&app, "clerk", SCHOOL_1).await;
    let school = scalar(&app, &format!("SELECT {SCHOOL_1}")).await;
    let headers = [
        "Mã trường",
        "Họ tên",
        "Ngày sinh",
        "Giới tính",
        "Mã học sinh",
    ];
    let rows = vec![
        vec![
            t("79000701"),
            t("Lê Văn An"),
            t("01/01/2015"),
            t("Nam"),
            t("X1"),
        ],
        vec![
            t("79000702"),
            t("Lê Văn Bình"),
            t("01/01/2015"),
            t("Nam"),
            t("X2"),
        ],
    ];
    let before = scalar(&app, "SELECT COUNT(*) FROM students").await;
    let (status, body) = post_file(
        &app,
        &clerk,
        &format!("/records/import/students?school_id={school}&apply=true"),
        workbook(None, &headers, &rows),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("records_file_other_school"))
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM students").await, before);
    app.stop().await;
}

async fn export_then_import_changes_nothing(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let clerk = staff_with(&app, "clerk", SCHOOL_1).await;
    let school = scalar(&app, &format!("SELECT {SCHOOL_1}")).await;
    let (status, _) = export(
        &app,
        &clerk,
        &format!("/records/export/students?school_id={school}"),
        "",
    )
    .await;
    assert_eq!(status, 422, "an export with full ID numbers needs a reason");
    let (status, file) = export(
        &app,
        &clerk,
        &format!("/records/export/students?school_id={school}"),
        "Báo cáo Phòng GD",
    )
    .await;
    assert_eq!(status, 200);
    let exported = scalar(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'students' AND reason = 'Báo cáo Phòng GD' AND school_id = {school}")).await;
    assert_eq!(exported, 1);
    let (status, report) = post_file(
        &app,
        &clerk,
        &format!("/records/import/students?school_id={school}&apply=true"),
        file,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["added"].as_i64(),
            report["changed"].as_i64(),
            report["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(320)),
        "{}",
        report["changes"]
    );

    // The same for staff, and CSV exports carry the same rows.
    let (status, staff) = export(
        &app,
        &clerk,
        &format!("/records/export/staff?school_id={school}"),
        "Đối chiếu CSDL ngành",
    )
    .await;
    assert_eq!(status, 200);
    let (status, report) = post_file(
        &app,
        &clerk,
        &format!("/records/import/staff?school_id={school}&apply=true"),
        staff,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["added"].as_i64(), report["changed"].as_i64()),
        (Some(0), Some(0)),
        "{report}"
    );
    let (status, csv) = export(
        &app,
        &clerk,
        &format!("/records/export/students?school_id={school}&format=csv"),
        "Báo cáo Phòng GD",
    )
    .await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("\u{feff}Mã trường,Mã học sinh,Họ tên"));
    assert_eq!(csv.lines().count(), 321);
    app.stop().await;
}

async fn a_staff_file_imports_new_teachers_without_giving_other_roles(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let admin = staff_with(&app, "school_admin", SCHOOL_1).await;
    let school = scalar(&app, &format!("SELECT {SCHOOL_1}")).await;
    let headers = [
        "STT",
        "Họ tên",
        "Email",
        "Trạng thái CB",
        "Vị trí việc làm",
        "Nhóm chức vụ",
        "Môn dạy",
        "Số định danh cá nhân",
        "Giới tính",
        "Ngày sinh",
    ];
    let rows = vec![
        vec![
            t("1"),
            t("Ngô Thị Thanh Hà"),
            t("ha@thcs.edu.vn"),
            t("Đang làm việc"),
            t("Giáo viên"),
            t("Giáo viên"),
            t("Toán"),
            t(&pid(1990, Sex::Female, 920_001)),
            t("Nữ"),
            t("03/04/1990"),
        ],
        vec![
            t("2"),
            t("Lý Văn Tâm"),
            t(""),
            t("Đang làm việc"),
            t("Hiệu trưởng"),
            t("Lãnh đạo"),
            t(""),
            t(&pid(1975, Sex::Male, 920_002)),
            t("Nam"),
            t("03/04/1975"),
        ],
    ];
    let (status, report) = post_file(
        &app,
        &admin,
        &format!("/records/import/staff?school_id={school}&apply=true"),
        workbook(None, &headers, &rows),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["added"], 2);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM staff_roles r JOIN staff s ON s.id = r.staff_id WHERE s.given_name = 'Hà' AND s.middle_name = 'Thị Thanh' AND s.family_name = 'Ngô' AND r.role = 'teacher'").await, 1);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM staff_roles r JOIN staff s ON s.id = r.staff_id WHERE s.given_name = 'Tâm' AND s.family_name = 'Lý'").await, 0, "a file never makes an admin");
    app.stop().await;
}

async fn refusals_other_school_teacher_bad_files_and_reasons(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let clerk = staff_with(&app, "clerk", SCHOOL_1).await;
    let teacher = staff_with(&app, "teacher", SCHOOL_1).await;
    let (lan, _) = lan(&app).await;
    let school_1 = scalar(&app, &format!("SELECT {SCHOOL_1}")).await;
    let school_2 = scalar(&app, &format!("SELECT {SCHOOL_2}")).await;
    let before = scalar(&app, "SELECT COUNT(*) FROM students").await;

    // Another school's students: import, export, search, a student's record.
    let (status, _) = post_file(
        &app,
        &clerk,
        &format!("/records/import/students?school_id={school_2}&apply=true"),
        intake_file("79000702"),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = export(
        &app,
        &clerk,
        &format!("/records/export/students?school_id={school_2}"),
        "Báo cáo Phòng GD",
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = export(
        &app,
        &clerk,
        &format!("/records/police/export?school_id={school_2}"),
        "Xác thực với công an",
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(
        &app,
        &clerk,
        "records_search",
        &[
            ("school_id", school_2.to_string()),
            ("kind", "students".into()),
            ("query", "".into()),
            ("archived", "false".into()),
        ],
    )
    .await;
    assert_eq!(status, 403);
    let other_student = scalar(
        &app,
        &format!("SELECT MIN(id) FROM students WHERE school_id = {school_2}"),
    )
    .await;
    let (status, _) = call(
        &app,
        &clerk,
        "student_record",
        &[
            ("school_id", school_1.to_string()),
            ("student_id", other_student.to_string()),
        ],
    )
    .await;
    assert_eq!(
        status, 404,
        "a student of another school is not found through one's own school"
    );

    // A teacher or a guardian does not open the import.
    for caller in [&teacher, &lan] {
        let (status, _) = post_file(
            &app,
            caller,
            &format!("/records/import/students?school_id={school_1}"),
            intake_file("79000701"),
        )
        .await;
        assert_eq!(status, 403);
    }
    // No CSRF header: refused.
    let response = reqwest::Client::new()
        .post(app.url(&format!(
            "/records/import/students?school_id={school_1}&apply=true"
        )))
        .header("cookie", &clerk.cookie)
        .body(intake_file("79000701"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);

    // Malformed and oversized files: a clear error, nothing applied, the server still answers.
    let path = format!("/records/import/students?school_id={school_1}&apply=true");
    let (status, body) = post_file(
        &app,
        &clerk,
        &path,
        b"PK\x03\x04garbage that is not a workbook".to_vec(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("records_file_unreadable"))
    );
    let (status, body) = post_file(&app, &clerk, &path, b"Ho ten,Ngay sinh\nA,B\n".to_vec()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("records_file_unreadable"))
    );
    let (status, body) = post_file(
        &app,
        &clerk,
        &path,
        vec![b'x'; app::records::MAX_UPLOAD_BYTES + 1],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("records_file_too_large"))
    );
    let (status, body) = post_file(
        &app,
        &clerk,
        &path,
        workbook(None, &["STT", "Lớp"], &[vec![t("1"), t("6A1")]]),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("records_file_no_header"))
    );
    let (status, body) = post_file(
        &app,
        &clerk,
        &path,
        workbook(
            None,
            &["Họ tên", "Giới tính"],
            &[vec![t("Lê Văn An"), t("Nam")]],
        ),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str(), body["field"].as_str()),
        (422, Some("records_file_missing_column"), Some("Ngày sinh"))
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM students").await, before);

    // Revealing an ID number needs a reason; with one, it is shown and audited.
    let student = scalar(
        &app,
        &format!("SELECT MIN(id) FROM students WHERE school_id = {school_1}"),
    )
    .await;
    let reveal = |reason: &str| {
        vec![
            ("school_id", school_1.to_string()),
            ("kind", "students".to_string()),
            ("record_id", student.to_string()),
            ("reason", reason.to_string()),
        ]
    };
    let (status, body) = call(&app, &clerk, "reveal_personal_id", &reveal("  ")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("reason_required"))
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'reveal'"
        )
        .await,
        0
    );
    let (status, body) = call(
        &app,
        &clerk,
        "reveal_personal_id",
        &reveal("Làm hồ sơ chuyển trường"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body.as_str().unwrap().len(), 12);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'reveal' AND entity_id = {student} AND reason = 'Làm hồ sơ chuyển trường'")).await, 1);
    app.stop().await;
}

async fn life_events_keep_history_and_the_district_moves_a_student_between_schools(
    backend: Backend,
) {
    let mut app = spawn_app(backend).await;
    let clerk = staff_with(&app, "clerk", SCHOOL_1).await;
    let school_1 = scalar(&app, &format!("SELECT {SCHOOL_1}")).await;
    let school_2 = scalar(&app, &format!("SELECT {SCHOOL_2}")).await;
    let class_6a2 = scalar(
        &app,
        &format!("SELECT id FROM classes WHERE school_id = {school_1} AND name = '6A2'"),
    )
    .await;
    let student = scalar(&app, &format!("SELECT MIN(e.student_id) FROM class_enrollments e JOIN classes c ON c.id = e.class_id WHERE c.school_id = {school_1} AND c.name = '6A1'")).await;
    let (status, body) = call(
        &app,
        &clerk,
        "student_life_event",
        &[
            ("school_id", school_1.to_string()),
            ("student_id", student.to_string()),
            ("event", "move_class".into()),
            ("class_id", class_6a2.to_string()),
            ("on", "01/10/2026".into()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, detail) = call(
        &app,
        &clerk,
        "student_record",
        &[
            ("school_id", school_1.to_string()),
            ("student_id", student.to_string()),
        ],
    )
    .await;
    assert_eq!(detail["class_name"], "6A2");
    assert_eq!(detail["history"].as_array().unwrap().len(), 2);
    assert_eq!(detail["history"][0]["left_on"], "2026-10-01");

    // The district admin moves the student to the other school: a new record there, the old one
    // archived with its history.
    let district = session_for(
        &app,
        PersonaKind::DistrictAdmin,
        "district_admins",
        scalar(&app, "SELECT MIN(id) FROM district_admins").await,
    )
    .await;
    let target_class = scalar(
        &app,
        &format!("SELECT id FROM classes WHERE school_id = {school_2} AND name = '6A1'"),
    )
    .await;
    let transfer = [
        ("from_school_id", school_1.to_string()),
        ("student_id", student.to_string()),
        ("to_school_id", school_2.to_string()),
        ("to_class_id", target_class.to_string()),
    ];
    let (status, _) = call(&app, &clerk, "transfer_student", &transfer).await;
    assert_eq!(
        status, 403,
        "a school's clerk cannot move students between schools"
    );
    let (status, new_id) = call(&app, &district, "transfer_student", &transfer).await;
    assert_eq!(status, 200, "{new_id}");
    let new_id = new_id.as_i64().unwrap();
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM students WHERE id = {student} AND status = 'transferred_out' AND archived_at IS NOT NULL")).await, 1);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM students WHERE id = {new_id} AND school_id = {school_2} AND transferred_from = {student}")).await, 1);
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM class_enrollments WHERE student_id = {student}")
        )
        .await,
        2,
        "history stays"
    );
    assert!(scalar(&app, &format!("SELECT COUNT(*) FROM guardian_links WHERE student_id = {new_id} AND school_id = {school_2}")).await >= 1);

    // Leaving school archives the record; it shows among archived records.
    let other = scalar(
        &app,
        &format!(
            "SELECT MIN(id) FROM students WHERE school_id = {school_1} AND archived_at IS NULL"
        ),
    )
    .await;
    let (status, _) = call(
        &app,
        &clerk,
        "student_life_event",
        &[
            ("school_id", school_1.to_string()),
            ("student_id", other.to_string()),
            ("event", "left".into()),
            ("on", "".into()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (_, archived) = call(
        &app,
        &clerk,
        "records_search",
        &[
            ("school_id", school_1.to_string()),
            ("kind", "students".into()),
            ("query", "".into()),
            ("archived", "true".into()),
        ],
    )
    .await;
    assert_eq!(archived.as_array().unwrap().len(), 2);
    app.stop().await;
}

async fn the_year_rolls_over_with_classes_moved_up_and_leavers_archived(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let admin = staff_with(&app, "school_admin", SCHOOL_1).await;
    let clerk = staff_with(&app, "clerk", SCHOOL_1).await;
    let school = scalar(&app, &format!("SELECT {SCHOOL_1}")).await;
    let form = |apply: bool| {
        vec![
            ("school_id", school.to_string()),
            ("name", "2027-2028".to_string()),
            ("starts_on", "05/09/2027".to_string()),
            ("ends_on", "31/05/2028".to_string()),
            ("apply", apply.to_string()),
        ]
    };
    let (status, _) = call(&app, &clerk, "year_rollover", &form(true)).await;
    assert_eq!(status, 403, "the school admin rolls the year over");
    let (status, preview) = call(&app, &admin, "year_rollover", &form(false)).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["students_moved_up"], 240);
    assert_eq!(preview["graduates_archived"], 80);
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM school_years WHERE school_id = {school}")
        )
        .await,
        1,
        "a preview changes nothing"
    );
    let (status, done) = call(&app, &admin, "year_rollover", &form(true)).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["classes_created"], 8);
    let year = scalar(
        &app,
        &format!("SELECT id FROM school_years WHERE school_id = {school} AND is_current = 1"),
    )
    .await;
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM class_enrollments e JOIN classes c ON c.id = e.class_id WHERE c.school_year_id = {year} AND c.name = '7A1' AND e.left_on IS NULL")).await, 40);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM students WHERE school_id = {school} AND status = 'graduated' AND archived_at IS NOT NULL")).await, 80);
    assert!(scalar(&app, &format!("SELECT COUNT(*) FROM teaching_assignments WHERE school_year_id = {year} AND needs_review = 1")).await > 0);
    app.stop().await;
}

async fn the_police_confirm_and_corrections_wait_for_review(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let clerk = staff_with(&app, "clerk", SCHOOL_1).await;
    let school = scalar(&app, &format!("SELECT {SCHOOL_1}")).await;
    let (status, _) = export(
        &app,
        &clerk,
        &format!("/records/police/export?school_id={school}"),
        "",
    )
    .await;
    assert_eq!(status, 422, "the export says why");
    let (status, file) = export(
        &app,
        &clerk,
        &format!("/records/police/export?school_id={school}"),
        "Xác thực dữ liệu với công an xã",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM police_exports WHERE school_id = {school}")
        )
        .await,
        1
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'police_confirmation' AND reason = 'Xác thực dữ liệu với công an xã'").await, 1);

    // The police fill in the result column: row 2 confirmed, row 3 corrected, row 4 not found.
    let grid = {
        use calamine::{Data, Reader, Xlsx};
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(file)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::String(s) => s.clone(),
                        Data::Empty => String::new(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(grid.len(), 321);
    let headers: Vec<&str> = grid[0].iter().map(String::as_str).collect();
    let col = |name: &str| headers.iter().position(|h| *h == name).unwrap();
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for (i, line) in grid[1..4].iter().enumerate() {
        let mut cells: Vec<Cell> = line.iter().map(|s| t(s)).collect();
        match i {
            0 => cells[col("Kết quả xác thực")] = t("Đã xác nhận"),
            1 => {
                cells[col("Kết quả xác thực")] = t("Đã chỉnh sửa");
                cells[col("Họ tên đúng")] = t("Nguyễn Thị Chỉnh Sửa");
            }
            _ => cells[col("Kết quả xác thực")] = t("Không tìm thấy"),
        }
        rows.push(cells);
    }
    let corrected_pid = grid[2][col("Số định danh cá nhân")].clone();
    let returned = workbook(None, &headers, &rows);
    let (status, report) = post_file(
        &app,
        &clerk,
        &format!("/records/police/import?school_id={school}"),
        returned,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["confirmed"].as_i64(),
            report["corrected"].as_i64(),
            report["not_found"].as_i64(),
            report["applied"].as_bool()
        ),
        (Some(1), Some(1), Some(1), Some(true))
    );
    let (_, queue) = call(
        &app,
        &clerk,
        "police_queue",
        &[("school_id", school.to_string())],
    )
    .await;
    assert_eq!(queue.as_array().unwrap().len(), 1);
    assert_eq!(queue[0]["full_name"], "Nguyễn Thị Chỉnh Sửa");
    let (status, _) = call(
        &app,
        &clerk,
        "resolve_police_correction",
        &[
            ("school_id", school.to_string()),
            ("correction_id", queue[0]["id"].to_string()),
            ("apply", "true".into()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (_, found) = call(
        &app,
        &clerk,
        "records_search",
        &[
            ("school_id", school.to_string()),
            ("kind", "students".into()),
            ("query", corrected_pid),
            ("archived", "false".into()),
        ],
    )
    .await;
    assert_eq!(found[0]["name"]["given"], "Sửa");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE reason = 'police correction'"
        )
        .await,
        1
    );
    app.stop().await;
}

async fn a_family_sees_only_its_own_data_consents_and_asks_for_a_correction(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let (lan, lan_id) = lan(&app).await;
    let clerk = staff_with(&app, "clerk", SCHOOL_1).await;
    // The clerk opens one of her children's records: the family sees who read it.
    let child = scalar(
        &app,
        &format!("SELECT MIN(student_id) FROM guardian_links WHERE guardian_id = {lan_id}"),
    )
    .await;
    let school = scalar(&app, &format!("SELECT {SCHOOL_1}")).await;
    call(
        &app,
        &clerk,
        "student_record",
        &[
            ("school_id", school.to_string()),
            ("student_id", child.to_string()),
        ],
    )
    .await;

    let (status, data) = call(&app, &lan, "family_data", &[]).await;
    assert_eq!(status, 200, "{data}");
    assert_eq!(data["guardian"]["name"], "Nguyễn Thị Lan");
    assert_eq!(data["children"].as_array().unwrap().len(), 2);
    let mine: Vec<i64> = data["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["student_id"].as_i64().unwrap())
        .collect();
    let others = scalar(
        &app,
        &format!("SELECT COUNT(*) FROM guardian_links WHERE guardian_id = {lan_id}"),
    )
    .await;
    assert_eq!(others, 2);
    let text = data.to_string();
    let stranger: String = {
        let mut conn = app.conn().await;
        sqlx::query_scalar(&format!("SELECT family_name || ' ' || middle_name || ' ' || given_name FROM students WHERE school_id = {school} AND id NOT IN ({}, {}) ORDER BY id LIMIT 1", mine[0], mine[1]))
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    assert!(
        !text.contains(&stranger),
        "another family's child is not in the download"
    );
    assert!(
        !text.contains("079185000005"),
        "the full ID number is never in the download"
    );
    assert!(
        data["access"].as_array().unwrap().iter().any(|a| a["who"]
            .as_str()
            .unwrap()
            .contains("Đinh Thị Thu")
            && a["what"] == "student")
    );

    // Consent given, then withdrawn: both times kept.
    let consent = |give: bool| {
        vec![
            ("student_id", child.to_string()),
            ("purpose", "school_photos".to_string()),
            ("give", give.to_string()),
        ]
    };
    assert_eq!(call(&app, &lan, "set_consent", &consent(true)).await.0, 200);
    assert_eq!(
        call(&app, &lan, "set_consent", &consent(false)).await.0,
        200
    );
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM consents WHERE guardian_id = {lan_id} AND given_at IS NOT NULL AND withdrawn_at IS NOT NULL AND text_version = 1")).await, 1);
    let (_, data) = call(&app, &lan, "family_data", &[]).await;
    let photos = data["consents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["student_id"] == child && c["purpose"] == "school_photos")
        .unwrap()
        .clone();
    assert_eq!(photos["given"], false);
    assert!(photos["withdrawn_at"].as_i64().is_some());
    // Not for someone else's child.
    let stranger_id = scalar(&app, &format!("SELECT MIN(id) FROM students WHERE school_id = {school} AND id NOT IN (SELECT student_id FROM guardian_links WHERE guardian_id = {lan_id})")).await;
    let (status, _) = call(
        &app,
        &lan,
        "set_consent",
        &[
            ("student_id", stranger_id.to_string()),
            ("purpose", "school_photos".into()),
            ("give", "true".into()),
        ],
    )
    .await;
    assert_eq!(status, 403);

    // A correction request reaches the clerk.
    let (status, _) = call(
        &app,
        &lan,
        "request_correction",
        &[
            ("student_id", child.to_string()),
            ("field", "date_of_birth".into()),
            ("requested", "Ngày sinh đúng là 03/02/2020".into()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (_, queue) = call(
        &app,
        &clerk,
        "correction_requests",
        &[("school_id", school.to_string())],
    )
    .await;
    assert_eq!(queue.as_array().unwrap().len(), 1);
    assert_eq!(queue[0]["guardian_name"], "Nguyễn Thị Lan");
    let (status, _) = call(
        &app,
        &clerk,
        "resolve_correction_request",
        &[
            ("school_id", school.to_string()),
            ("request_id", queue[0]["id"].to_string()),
            ("done", "true".into()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    app.stop().await;
}

async fn archived_leavers_are_erased_after_the_retention_period_and_the_audit_stays(
    backend: Backend,
) {
    let clock = Clock::fixed(1_790_000_000);
    let mut app = spawn_app_with_clock(backend, clock.clone()).await;
    let clerk = staff_with(&app, "clerk", SCHOOL_1).await;
    let school = scalar(&app, &format!("SELECT {SCHOOL_1}")).await;
    let student = scalar(
        &app,
        &format!("SELECT MIN(id) FROM students WHERE school_id = {school}"),
    )
    .await;
    call(
        &app,
        &clerk,
        "student_record",
        &[
            ("school_id", school.to_string()),
            ("student_id", student.to_string()),
        ],
    )
    .await;
    let (status, _) = call(
        &app,
        &clerk,
        "student_life_event",
        &[
            ("school_id", school.to_string()),
            ("student_id", student.to_string()),
            ("event", "left".into()),
            ("on", "".into()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let audit_rows = scalar(
        &app,
        &format!(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'student' AND entity_id = {student}"
        ),
    )
    .await;
    assert!(audit_rows >= 2);

    assert_eq!(
        app::records::retention::run_once(&app.state, 30)
            .await
            .unwrap(),
        0,
        "not yet"
    );
    clock.advance(31 * 86_400);
    assert_eq!(
        app::records::retention::run_once(&app.state, 30)
            .await
            .unwrap(),
        1
    );
    let mut conn = app.conn().await;
    let row = sqlx::query(
        "SELECT given_name, pid_hash, moet_code, erased_at FROM students WHERE id = $1",
    )
    .bind(student)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>("given_name"), "");
    assert!(row.get::<Option<Vec<u8>>, _>("pid_hash").is_none());
    assert!(row.get::<Option<String>, _>("moet_code").is_none());
    assert!(row.get::<Option<i64>, _>("erased_at").is_some());
    drop(conn);
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM guardian_links WHERE student_id = {student}")
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'student' AND entity_id = {student}"
            )
        )
        .await,
        audit_rows + 1,
        "the trail stays, with the erasure added"
    );
    assert_eq!(
        app::records::retention::run_once(&app.state, 30)
            .await
            .unwrap(),
        0,
        "erased once"
    );
    app.stop().await;
}

async fn the_scheduled_job_erases_by_itself(backend: Backend) {
    let clock = Clock::fixed(1_790_000_000);
    let listener = bind_port().await;
    let mut app = spawn_app_at(
        TestDb::new(backend).await,
        server::config::Mode::Demo,
        listener,
        |c| {
            c.records.retention_days = 1;
            c.records.retention_check_seconds = 1;
        },
        clock.clone(),
    )
    .await;
    let student = scalar(
        &app,
        &format!("SELECT MIN(id) FROM students WHERE school_id = {SCHOOL_1}"),
    )
    .await;
    {
        let mut conn = app.conn().await;
        sqlx::query("UPDATE students SET status = 'dropped_out', archived_at = $1 WHERE id = $2")
            .bind(clock.unix() - 2 * 86_400)
            .bind(student)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    // Wait for the job (it looks every second), at most 30 s.
    let mut erased = 0;
    for _ in 0..300 {
        erased = scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM students WHERE id = {student} AND erased_at IS NOT NULL"
            ),
        )
        .await;
        if erased == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(erased, 1);
    app.stop().await;
}

on_both_backends!(
    a_clean_file_imports_once_and_a_second_import_changes_nothing,
    a_file_with_three_bad_rows_reports_exactly_those_and_applies_nothing,
    a_file_that_mixes_two_schools_is_refused,
    export_then_import_changes_nothing,
    a_staff_file_imports_new_teachers_without_giving_other_roles,
    refusals_other_school_teacher_bad_files_and_reasons,
    life_events_keep_history_and_the_district_moves_a_student_between_schools,
    the_year_rolls_over_with_classes_moved_up_and_leavers_archived,
    the_police_confirm_and_corrections_wait_for_review,
    a_family_sees_only_its_own_data_consents_and_asks_for_a_correction,
    archived_leavers_are_erased_after_the_retention_period_and_the_audit_stays,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduled_retention_job_erases_by_itself_on_sqlite() {
    the_scheduled_job_erases_by_itself(Backend::Sqlite).await;
}
