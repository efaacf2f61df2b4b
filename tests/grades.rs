//! Grades: the data layer on SQLite and PostgreSQL (history, exactly-once edits, conflicts,
//! locking and corrections, release to parents, promotion from absences), the refusals a user
//! meets through the server functions, and the browser: a teacher entering scores on a tablet
//! through a loss of connection and a reload, a conflicting edit, and a parent on a phone.

use app::grades::model::{CellEdit, CellValue, Column, EditOutcome, WindowStatus};
use app::grades::rules::{Level, Score};
use app::grades::store::{
    self, CellRef, CellWrite, ChangeSource, ClassContext, EditBatch, SubjectInfo, Viewer,
    WriteResult,
};
use app::identity::{PersonaKind, PersonaRef};
use app::platform::audit::Actor;
use app::platform::db::Backend;
use serde_json::{Value, json};
use sqlx::Row;

use crate::on_both_backends;
use crate::support::{TestApp, spawn_app};

const PILOT: &str = "(SELECT id FROM schools WHERE moet_code = '79000701')";
const OTHER_SCHOOL: &str = "(SELECT id FROM schools WHERE moet_code = '79000702')";

async fn id(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.conn().await;
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

async fn class_id(app: &TestApp, school: &str, name: &str) -> i64 {
    id(
        app,
        &format!("SELECT id FROM classes WHERE school_id = {school} AND name = '{name}'"),
    )
    .await
}

async fn subject_id(app: &TestApp, school: &str, code: &str) -> i64 {
    id(
        app,
        &format!("SELECT id FROM subjects WHERE school_id = {school} AND code = '{code}'"),
    )
    .await
}

/// The teacher of a subject in a class.
async fn teacher_of(app: &TestApp, class: i64, subject: i64) -> i64 {
    id(
        app,
        &format!("SELECT staff_id FROM teaching_assignments WHERE class_id = {class} AND subject_id = {subject}"),
    )
    .await
}

/// The first student of a class in class-list order.
async fn first_student(app: &TestApp, class: i64) -> i64 {
    let mut conn = app.conn().await;
    let school: i64 = sqlx::query_scalar("SELECT school_id FROM classes WHERE id = $1")
        .bind(class)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    store::class_students(&mut conn, school, class)
        .await
        .unwrap()[0]
        .student_id
}

async fn context(app: &TestApp, class: i64, subject: i64) -> (ClassContext, SubjectInfo) {
    let mut conn = app.conn().await;
    let class = store::class_context(&mut conn, class).await.unwrap();
    let subject = store::subject_info(&mut conn, class.school_id, subject, class.grade)
        .await
        .unwrap();
    (class, subject)
}

fn staff_actor(staff: i64) -> Actor {
    Actor {
        kind: app::platform::audit::ActorKind::Staff,
        id: Some(staff),
    }
}

fn edit(client_id: &str, student_id: i64, column: Column, value: &str, base: i64) -> CellEdit {
    CellEdit {
        client_id: client_id.into(),
        student_id,
        column,
        value: value.into(),
        note: None,
        base_version: base,
        replaces: Vec::new(),
    }
}

async fn history_count(app: &TestApp, student: i64, subject: i64, column: &str) -> i64 {
    id(
        app,
        &format!("SELECT COUNT(*) FROM score_history WHERE student_id = {student} AND subject_id = {subject} AND column_key = '{column}'"),
    )
    .await
}

async fn stored_value(app: &TestApp, student: i64, subject: i64, column: &str) -> Option<i64> {
    let mut conn = app.conn().await;
    sqlx::query_scalar(&format!(
        "SELECT value_tenths FROM scores WHERE student_id = {student} AND subject_id = {subject} AND column_key = '{column}'"
    ))
    .fetch_optional(&mut *conn)
    .await
    .unwrap()
    .flatten()
}

async fn every_change_is_kept_and_a_stale_write_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let class = class_id(&app, PILOT, "6A2").await;
    let maths = subject_id(&app, PILOT, "TOAN").await;
    let (class, subject) = context(&app, class.to_owned(), maths).await;
    let student = first_student(&app, class.class_id).await;
    let teacher = teacher_of(&app, class.class_id, maths).await;
    let mut conn = app.conn().await;
    let semester = store::semester_id(&mut conn, class.school_id, class.school_year_id, 1)
        .await
        .unwrap();
    let cell = CellRef {
        school_id: class.school_id,
        student_id: student,
        subject_id: subject.id,
        semester_id: semester,
        column: Column::Midterm,
    };
    let write = |value: &str, base: i64| CellWrite {
        value: Some(CellValue::Score(Score::parse(value).unwrap())),
        base_version: Some(base),
        replaces: &[],
        client_id: None,
        source: ChangeSource::Sheet,
        reason: None,
        correction_id: None,
        staff_id: Some(teacher),
    };
    assert!(matches!(
        store::write_cell(&mut conn, &cell, &write("7", 0), 100)
            .await
            .unwrap(),
        WriteResult::Written { version: 1 }
    ));
    assert!(matches!(
        store::write_cell(&mut conn, &cell, &write("8.5", 1), 101)
            .await
            .unwrap(),
        WriteResult::Written { version: 2 }
    ));
    // Someone who still saw version 1 is refused, and told what is there now.
    match store::write_cell(&mut conn, &cell, &write("9", 1), 102)
        .await
        .unwrap()
    {
        WriteResult::Conflict(current) => {
            assert_eq!(current.version, 2);
            assert_eq!(
                current.value,
                Some(CellValue::Score(Score::parse("8.5").unwrap()))
            );
        }
        _ => panic!("a stale write must be refused"),
    }
    let history = store::history(&mut conn, &cell).await.unwrap();
    let changes: Vec<(Option<&str>, Option<&str>)> = history
        .iter()
        .map(|h| (h.old_value.as_deref(), h.new_value.as_deref()))
        .collect();
    assert_eq!(changes, [(None, Some("7")), (Some("7"), Some("8.5"))]);
    assert!(history.iter().all(|h| h.changed_by.is_some()));
    // The history is append-only.
    assert!(
        sqlx::query("UPDATE score_history SET new_value = '10'")
            .execute(&mut *conn)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM score_history")
            .execute(&mut *conn)
            .await
            .is_err()
    );
}

async fn a_resent_edit_is_applied_exactly_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let class = class_id(&app, PILOT, "7A1").await;
    let maths = subject_id(&app, PILOT, "TOAN").await;
    let (class, subject) = context(&app, class, maths).await;
    let student = first_student(&app, class.class_id).await;
    let teacher = teacher_of(&app, class.class_id, maths).await;
    let actor = staff_actor(teacher);
    let batch = EditBatch {
        actor: &actor,
        staff_id: teacher,
        class: &class,
        subject: &subject,
        semester: 1,
    };
    let edits = [edit("device-1", student, Column::Regular(1), "7,5", 0)];
    let mut conn = app.conn().await;
    let first = store::apply_edits(&mut conn, &batch, &edits, 100)
        .await
        .unwrap();
    // The answer was lost; the device sends the same edit again, later.
    let again = store::apply_edits(&mut conn, &batch, &edits, 200)
        .await
        .unwrap();
    let applied = EditOutcome::Applied {
        client_id: "device-1".into(),
        version: 1,
        value: Some(CellValue::Score(Score::parse("7.5").unwrap())),
    };
    assert_eq!(first, std::slice::from_ref(&applied));
    assert_eq!(again, [applied]);
    drop(conn);
    assert_eq!(history_count(&app, student, maths, "tx1").await, 1);
    // A newer edit that replaces it (its answer lost too) builds on it without a conflict.
    let mut newer = edit("device-2", student, Column::Regular(1), "8", 0);
    newer.replaces = vec!["device-1".into()];
    let mut conn = app.conn().await;
    let outcome = store::apply_edits(&mut conn, &batch, &[newer], 300)
        .await
        .unwrap();
    assert!(
        matches!(&outcome[0], EditOutcome::Applied { version: 2, .. }),
        "{outcome:?}"
    );
    // Someone else's edit on the old version is a conflict, with both values.
    let stale = edit("device-3", student, Column::Regular(1), "9", 1);
    let outcome = store::apply_edits(&mut conn, &batch, &[stale], 400)
        .await
        .unwrap();
    assert!(
        matches!(&outcome[0], EditOutcome::Conflict { version: 2, theirs: Some(CellValue::Score(s)), .. } if s.to_string() == "8"),
        "{outcome:?}"
    );
}

async fn locking_refuses_edits_until_a_correction_is_approved(backend: Backend) {
    let app = spawn_app(backend).await;
    let class = class_id(&app, PILOT, "6A1").await;
    let maths = subject_id(&app, PILOT, "TOAN").await;
    let (class, subject) = context(&app, class, maths).await;
    let student = first_student(&app, class.class_id).await;
    let teacher = teacher_of(&app, class.class_id, maths).await;
    let actor = staff_actor(teacher);
    let mut conn = app.conn().await;
    let semester = store::semester_id(&mut conn, class.school_id, class.school_year_id, 1)
        .await
        .unwrap();
    store::set_window(
        &mut conn,
        &Actor::system(),
        class.school_id,
        semester,
        WindowStatus::Locked,
        None,
        100,
    )
    .await
    .unwrap();
    // Reopening is not a way around a correction.
    assert!(
        store::set_window(
            &mut conn,
            &Actor::system(),
            class.school_id,
            semester,
            WindowStatus::Open,
            None,
            101
        )
        .await
        .is_err()
    );
    let batch = EditBatch {
        actor: &actor,
        staff_id: teacher,
        class: &class,
        subject: &subject,
        semester: 1,
    };
    let before = stored_value(&app, student, maths, "gk").await;
    let outcome = store::apply_edits(
        &mut conn,
        &batch,
        &[edit("late", student, Column::Midterm, "10", 1)],
        102,
    )
    .await
    .unwrap();
    assert!(
        matches!(&outcome[0], EditOutcome::Refused { error, .. } if error == "grades_locked"),
        "{outcome:?}"
    );
    let request = |reason: &'static str| store::CorrectionRequest {
        actor: &actor,
        staff_id: teacher,
        class: &class,
        subject: &subject,
        semester: 1,
        student_id: student,
        column: Column::Midterm,
        value: "10",
        note: None,
        reason,
    };
    assert_eq!(
        store::request_correction(&mut conn, &request("  "), 103)
            .await
            .unwrap_err()
            .code,
        app::platform::error::ErrorCode::CorrectionReasonRequired
    );
    let correction = store::request_correction(
        &mut conn,
        &request("Chấm sót câu 3 / question 3 was missed"),
        104,
    )
    .await
    .unwrap();
    // Nothing changes until the school admin approves.
    drop(conn);
    assert_eq!(stored_value(&app, student, maths, "gk").await, before);
    let admin = id(&app, &format!("SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = 'school_admin' AND s.school_id = {PILOT}")).await;
    let mut conn = app.conn().await;
    store::decide_correction(
        &mut conn,
        &staff_actor(admin),
        class.school_id,
        Some(admin),
        correction,
        true,
        105,
    )
    .await
    .unwrap();
    drop(conn);
    assert_eq!(stored_value(&app, student, maths, "gk").await, Some(100));
    let mut conn = app.conn().await;
    let row = sqlx::query(
        "SELECT old_value, new_value, source, reason, correction_id FROM score_history
         WHERE student_id = $1 AND subject_id = $2 AND column_key = 'gk' ORDER BY id DESC LIMIT 1",
    )
    .bind(student)
    .bind(maths)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>("source"), "correction");
    assert_eq!(
        row.get::<Option<String>, _>("new_value").as_deref(),
        Some("10")
    );
    assert!(row.get::<Option<String>, _>("old_value").is_some());
    assert!(
        row.get::<Option<String>, _>("reason")
            .unwrap()
            .contains("question 3")
    );
    assert_eq!(row.get::<Option<i64>, _>("correction_id"), Some(correction));
}

async fn parents_see_only_released_columns_and_what_is_new(backend: Backend) {
    let app = spawn_app(backend).await;
    let class = class_id(&app, PILOT, "6A1").await;
    let maths = subject_id(&app, PILOT, "TOAN").await;
    let child = id(&app, &format!("SELECT l.student_id FROM guardian_links l JOIN class_enrollments e ON e.student_id = l.student_id WHERE l.status = 'verified' AND e.class_id = {class}")).await;
    let guardian = id(&app, &format!("SELECT guardian_id FROM guardian_links WHERE student_id = {child} AND status = 'verified'")).await;
    let viewer = Viewer {
        kind: "guardian",
        id: guardian,
    };
    let actor = Actor {
        kind: app::platform::audit::ActorKind::Guardian,
        id: Some(guardian),
    };
    let mut conn = app.conn().await;
    let now = app.state.clock.unix();
    let view = store::child_grades(&mut conn, &actor, child, viewer, now)
        .await
        .unwrap();
    let maths_view = view
        .subjects
        .iter()
        .find(|s| s.subject_id == maths)
        .unwrap();
    let columns: Vec<Column> = maths_view.semesters[0]
        .scores
        .iter()
        .map(|s| s.column)
        .collect();
    // The demo typed TX1, TX2, TX3 and GK, and released TX1, TX2 and GK.
    assert_eq!(
        columns,
        [Column::Regular(1), Column::Regular(2), Column::Midterm]
    );
    assert!(maths_view.semesters[0].scores.iter().all(|s| s.new));
    assert_eq!(maths_view.semesters[0].average, None, "CK is missing");
    // The next visit marks nothing new, until the teacher releases another column.
    let again = store::child_grades(&mut conn, &actor, child, viewer, now + 10)
        .await
        .unwrap();
    let maths_again = again
        .subjects
        .iter()
        .find(|s| s.subject_id == maths)
        .unwrap();
    assert!(maths_again.semesters[0].scores.iter().all(|s| !s.new));
    let (class_context, _) = context(&app, class, maths).await;
    let teacher = teacher_of(&app, class, maths).await;
    store::set_release(
        &mut conn,
        &staff_actor(teacher),
        &class_context,
        maths,
        1,
        Column::Regular(3),
        true,
        teacher,
        now + 20,
    )
    .await
    .unwrap();
    let later = store::child_grades(&mut conn, &actor, child, viewer, now + 30)
        .await
        .unwrap();
    let new: Vec<Column> = later
        .subjects
        .iter()
        .find(|s| s.subject_id == maths)
        .unwrap()
        .semesters[0]
        .scores
        .iter()
        .filter(|s| s.new)
        .map(|s| s.column)
        .collect();
    assert_eq!(new, [Column::Regular(3)]);
}

/// Fills every subject of both semesters for one student, with the same score everywhere.
async fn fill_year(app: &TestApp, class: &ClassContext, student: i64, score: &str) {
    let mut conn = app.conn().await;
    let subjects = store::school_subjects(&mut conn, class.school_id, class.grade)
        .await
        .unwrap();
    let settings = store::grading_settings(&mut conn, class.school_id)
        .await
        .unwrap();
    for number in [1u8, 2] {
        let semester = store::semester_id(&mut conn, class.school_id, class.school_year_id, number)
            .await
            .unwrap();
        for subject in &subjects {
            let planned = subject
                .config
                .planned_regular_assessments(&settings)
                .unwrap_or(0);
            for column in Column::for_subject(subject.config.assessment, planned) {
                let value = match column {
                    Column::Comment => CellValue::Comment {
                        result: app::grades::rules::CommentResult::Pass,
                        note: String::new(),
                    },
                    _ => CellValue::Score(Score::parse(score).unwrap()),
                };
                let cell = CellRef {
                    school_id: class.school_id,
                    student_id: student,
                    subject_id: subject.id,
                    semester_id: semester,
                    column,
                };
                let write = CellWrite {
                    value: Some(value),
                    base_version: None,
                    replaces: &[],
                    client_id: None,
                    source: ChangeSource::Import,
                    reason: None,
                    correction_id: None,
                    staff_id: None,
                };
                store::write_cell(&mut conn, &cell, &write, 100)
                    .await
                    .unwrap();
            }
        }
    }
}

async fn promotion_reads_the_days_absent(backend: Backend) {
    let app = spawn_app(backend).await;
    let class = class_id(&app, PILOT, "9A1").await;
    let (class, _) = context(&app, class, subject_id(&app, PILOT, "TOAN").await).await;
    let students = {
        let mut conn = app.conn().await;
        store::class_students(&mut conn, class.school_id, class.class_id)
            .await
            .unwrap()
    };
    let (a, b) = (students[0].student_id, students[1].student_id);
    let homeroom = id(
        &app,
        &format!(
            "SELECT staff_id FROM teaching_assignments WHERE class_id = {} AND kind = 'homeroom'",
            class.class_id
        ),
    )
    .await;
    let actor = staff_actor(homeroom);
    fill_year(&app, &class, a, "9.5").await;
    fill_year(&app, &class, b, "9.5").await;
    let mut conn = app.conn().await;
    // Semester II's window must be open for its conduct.
    let second = store::semester_id(&mut conn, class.school_id, class.school_year_id, 2)
        .await
        .unwrap();
    store::set_window(
        &mut conn,
        &Actor::system(),
        class.school_id,
        second,
        WindowStatus::Open,
        None,
        1,
    )
    .await
    .unwrap();
    for student in [a, b] {
        for semester in [1, 2] {
            store::save_conduct(
                &mut conn,
                &actor,
                &class,
                student,
                semester,
                Some(Level::Good),
                homeroom,
                2,
            )
            .await
            .unwrap();
        }
    }
    store::save_absences(&mut conn, &actor, &class, a, Some(45), homeroom, 3)
        .await
        .unwrap();
    store::save_absences(&mut conn, &actor, &class, b, Some(46), homeroom, 3)
        .await
        .unwrap();
    let results = store::class_results(&mut conn, &actor, &class, true, 4)
        .await
        .unwrap();
    let line = |student: i64| {
        results
            .students
            .iter()
            .find(|s| s.student_id == student)
            .unwrap()
    };
    assert_eq!(line(a).learning, [Some(Level::Good); 3]);
    assert_eq!(line(a).conduct, [Some(Level::Good); 3]);
    assert_eq!(line(a).status.as_deref(), Some("promoted"));
    assert_eq!(line(a).award, Some(app::grades::rules::Award::Excellent));
    assert_eq!(line(b).status.as_deref(), Some("not_promoted"));
    // Another student has nothing yet: not computable, never a zero.
    let c = students[2].student_id;
    assert_eq!(line(c).learning, [None; 3]);
    assert_eq!(line(c).status, None);
}

on_both_backends!(
    every_change_is_kept_and_a_stale_write_is_refused,
    a_resent_edit_is_applied_exactly_once,
    locking_refuses_edits_until_a_correction_is_approved,
    parents_see_only_released_columns_and_what_is_new,
    promotion_reads_the_days_absent,
);

// ---- Through the server functions: what people may not do ----

/// A logged-in browser reduced to its cookies and CSRF token.
struct Caller {
    cookie: String,
    csrf: String,
}

/// Opens a session acting as the record `(table, id)`, as a login does.
async fn session(app: &TestApp, kind: PersonaKind, table: &str, record: i64) -> Caller {
    let mut conn = app.conn().await;
    let now = app.state.clock.unix();
    let row = sqlx::query(&format!(
        "SELECT school_id, pid_hash FROM {table} WHERE id = $1"
    ))
    .bind(record)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let (school, hash): (i64, Vec<u8>) = (row.get("school_id"), row.get("pid_hash"));
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
            school_id: Some(school),
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

async fn call(
    app: &TestApp,
    caller: &Caller,
    endpoint: &str,
    form: &[(String, String)],
) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/{endpoint}")))
        .header(app::identity::CSRF_HEADER, &caller.csrf)
        .header("cookie", &caller.cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn form(pairs: &[(&str, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// The form of `save_scores` with these edits (value, column, student, base version).
fn save_form(class: i64, subject: i64, edits: &[(&str, &str, i64, i64)]) -> Vec<(String, String)> {
    let mut pairs = form(&[
        ("class_id", class.to_string()),
        ("subject_id", subject.to_string()),
        ("semester", "1".into()),
    ]);
    for (i, (value, column, student, base)) in edits.iter().enumerate() {
        pairs.push((
            format!("edits[{i}][client_id]"),
            format!("test-{i}-{value}-{student}"),
        ));
        pairs.push((format!("edits[{i}][student_id]"), student.to_string()));
        pairs.push((format!("edits[{i}][column]"), column.to_string()));
        pairs.push((format!("edits[{i}][value]"), value.to_string()));
        pairs.push((format!("edits[{i}][base_version]"), base.to_string()));
    }
    pairs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_may_not_edit_another_teachers_subject_or_class() {
    let app = spawn_app(Backend::Sqlite).await;
    let class = class_id(&app, PILOT, "6A2").await;
    let maths = subject_id(&app, PILOT, "TOAN").await;
    let literature = subject_id(&app, PILOT, "NGU_VAN").await;
    let student = first_student(&app, class).await;
    let maths_teacher = teacher_of(&app, class, maths).await;
    let teacher = session(&app, PersonaKind::Staff, "staff", maths_teacher).await;

    let (status, body) = call(
        &app,
        &teacher,
        "save_scores",
        &save_form(class, maths, &[("8", "tx4", student, 0)]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["outcome"], "applied");

    // Literature in the same class is another teacher's.
    let (status, body) = call(
        &app,
        &teacher,
        "save_scores",
        &save_form(class, literature, &[("8", "tx1", student, 0)]),
    )
    .await;
    assert_eq!((status, body), (403, json!({"error": "forbidden"})));
    // Mathematics in a class of the other school is another teacher's too.
    let other_class = class_id(&app, OTHER_SCHOOL, "6A2").await;
    let other_student = first_student(&app, other_class).await;
    let other_maths = subject_id(&app, OTHER_SCHOOL, "TOAN").await;
    let (status, _) = call(
        &app,
        &teacher,
        "save_scores",
        &save_form(other_class, other_maths, &[("8", "tx1", other_student, 0)]),
    )
    .await;
    assert_eq!(status, 403);
    // A student of another class is not on this sheet.
    let stranger = first_student(&app, class_id(&app, PILOT, "7A1").await).await;
    let (_, body) = call(
        &app,
        &teacher,
        "save_scores",
        &save_form(class, maths, &[("8", "tx1", stranger, 0)]),
    )
    .await;
    assert_eq!(body[0]["error"], "not_found");
    assert_eq!(stored_value(&app, stranger, maths, "tx1").await, None);
    // Releasing and importing belong to the subject teacher as well.
    let (status, _) = call(
        &app,
        &teacher,
        "release_column",
        &form(&[
            ("class_id", class.to_string()),
            ("subject_id", literature.to_string()),
            ("semester", "1".into()),
            ("column", "tx1".into()),
            ("released", "true".into()),
        ]),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impossible_scores_are_refused_with_a_clear_reason() {
    let app = spawn_app(Backend::Sqlite).await;
    let class = class_id(&app, PILOT, "6A2").await;
    let maths = subject_id(&app, PILOT, "TOAN").await;
    let student = first_student(&app, class).await;
    let teacher = session(
        &app,
        PersonaKind::Staff,
        "staff",
        teacher_of(&app, class, maths).await,
    )
    .await;
    let (status, body) = call(
        &app,
        &teacher,
        "save_scores",
        &save_form(
            class,
            maths,
            &[
                ("10.5", "tx1", student, 0),
                ("-1", "tx2", student, 0),
                ("abc", "tx3", student, 0),
                ("7.25", "tx4", student, 0),
                ("7,5", "gk", student, 0),
            ],
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let codes: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            o["error"]
                .as_str()
                .unwrap_or(o["outcome"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        codes,
        [
            "score_out_of_range",
            "score_out_of_range",
            "score_not_a_number",
            "score_too_precise",
            "applied"
        ]
    );
    // The hint: scores are recorded to one decimal, e.g. 7.3.
    assert_eq!(body[3]["suggestion"], "7.3");
    assert!(
        app::i18n::Translate::text(
            &app::platform::error::ErrorCode::ScoreTooPrecise,
            app::i18n::Lang::En
        )
        .contains("e.g. 7.3")
    );
    for column in ["tx1", "tx2", "tx3", "tx4"] {
        assert_eq!(
            stored_value(&app, student, maths, column).await,
            None,
            "{column}"
        );
    }
    assert_eq!(stored_value(&app, student, maths, "gk").await, Some(75));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_may_not_read_another_familys_child() {
    let app = spawn_app(Backend::Sqlite).await;
    let lan = id(
        &app,
        "SELECT guardian_id FROM guardian_links WHERE status = 'verified' LIMIT 1",
    )
    .await;
    let own = id(
        &app,
        &format!("SELECT student_id FROM guardian_links WHERE guardian_id = {lan} LIMIT 1"),
    )
    .await;
    let other = id(&app, &format!("SELECT id FROM students WHERE school_id = {PILOT} AND id NOT IN (SELECT student_id FROM guardian_links WHERE guardian_id = {lan}) LIMIT 1")).await;
    let parent = session(&app, PersonaKind::Guardian, "guardians", lan).await;
    let (status, body) = call(
        &app,
        &parent,
        "child_grades",
        &form(&[("student_id", own.to_string())]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(
        &app,
        &parent,
        "child_grades",
        &form(&[("student_id", other.to_string())]),
    )
    .await;
    assert_eq!((status, body), (403, json!({"error": "forbidden"})));
    // A guardian whose link is not verified sees nothing of the child (the school's default).
    let unverified = id(&app, &format!("SELECT guardian_id FROM guardian_links WHERE status = 'unverified' AND school_id = {PILOT} LIMIT 1")).await;
    let child = id(
        &app,
        &format!("SELECT student_id FROM guardian_links WHERE guardian_id = {unverified} LIMIT 1"),
    )
    .await;
    let pending_parent = session(&app, PersonaKind::Guardian, "guardians", unverified).await;
    let (status, _) = call(
        &app,
        &pending_parent,
        "child_grades",
        &form(&[("student_id", child.to_string())]),
    )
    .await;
    assert_eq!(status, 403);
}

/// Opens a session for a student, through a login the office issued and the student activated.
async fn student_session(app: &TestApp, student: i64) -> Caller {
    let mut conn = app.conn().await;
    let now = app.state.clock.unix();
    let school: i64 = sqlx::query_scalar("SELECT school_id FROM students WHERE id = $1")
        .bind(student)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let issued = app::identity::student_login::issue(&mut conn, school, student, now)
        .await
        .unwrap();
    let account = app::identity::student_login::activate(
        &mut conn,
        &issued.username,
        &issued.activation_code,
        "mật khẩu tốt",
        now,
    )
    .await
    .unwrap();
    let policy = app.state.settings.sessions;
    let session =
        app::identity::session::create(&mut conn, account.id, "password", "test", now, &policy)
            .await
            .unwrap();
    app::identity::session::set_persona(
        &mut conn,
        session.id,
        &PersonaRef {
            kind: PersonaKind::Student,
            school_id: Some(school),
            record_id: student,
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_finds_their_own_grades_from_home_and_no_one_elses() {
    let app = spawn_app(Backend::Sqlite).await;
    let class = class_id(&app, PILOT, "6A1").await;
    let student = first_student(&app, class).await;
    let classmate = id(
        &app,
        &format!(
            "SELECT student_id FROM class_enrollments WHERE class_id = {class} AND student_id <> {student} LIMIT 1"
        ),
    )
    .await;
    let me = student_session(&app, student).await;
    let home = reqwest::Client::new()
        .get(app.url("/student"))
        .header("cookie", &me.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains(&format!("href=\"/grades/child/{student}\"")),
        "the student's home links to their grades: {home}"
    );
    let (status, body) = call(
        &app,
        &me,
        "child_grades",
        &form(&[("student_id", student.to_string())]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(
        &app,
        &me,
        "child_grades",
        &form(&[("student_id", classmate.to_string())]),
    )
    .await;
    assert_eq!((status, body), (403, json!({"error": "forbidden"})));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_after_locking_needs_an_approved_correction() {
    let app = spawn_app(Backend::Sqlite).await;
    let class = class_id(&app, PILOT, "6A1").await;
    let maths = subject_id(&app, PILOT, "TOAN").await;
    let student = first_student(&app, class).await;
    let teacher = session(
        &app,
        PersonaKind::Staff,
        "staff",
        teacher_of(&app, class, maths).await,
    )
    .await;
    let admin_id = id(&app, &format!("SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = 'school_admin' AND s.school_id = {PILOT}")).await;
    let admin = session(&app, PersonaKind::Staff, "staff", admin_id).await;
    let semester = id(
        &app,
        &format!("SELECT s.id FROM semesters s WHERE s.school_id = {PILOT} AND s.number = 1"),
    )
    .await;
    // Only the school admin locks.
    let lock = form(&[
        ("semester_id", semester.to_string()),
        ("status", "locked".into()),
    ]);
    assert_eq!(call(&app, &teacher, "set_grade_window", &lock).await.0, 403);
    assert_eq!(call(&app, &admin, "set_grade_window", &lock).await.0, 200);
    let before = stored_value(&app, student, maths, "gk").await;
    let version = id(&app, &format!("SELECT version FROM scores WHERE student_id = {student} AND subject_id = {maths} AND column_key = 'gk'")).await;
    let (_, body) = call(
        &app,
        &teacher,
        "save_scores",
        &save_form(class, maths, &[("10", "gk", student, version)]),
    )
    .await;
    assert_eq!(body[0]["error"], "grades_locked", "{body}");
    let correction = |reason: &str| {
        form(&[
            ("class_id", class.to_string()),
            ("subject_id", maths.to_string()),
            ("semester", "1".into()),
            ("student_id", student.to_string()),
            ("column", "gk".into()),
            ("value", "10".into()),
            ("reason", reason.into()),
        ])
    };
    let (status, body) = call(&app, &teacher, "request_score_correction", &correction("")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("correction_reason_required"))
    );
    let (status, body) = call(
        &app,
        &teacher,
        "request_score_correction",
        &correction("Cộng sai điểm / wrong sum"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let correction_id = body.as_i64().unwrap();
    assert_eq!(stored_value(&app, student, maths, "gk").await, before);
    // The teacher cannot approve their own correction; the admin can.
    let decide = form(&[
        ("correction_id", correction_id.to_string()),
        ("approve", "true".into()),
    ]);
    assert_eq!(
        call(&app, &teacher, "decide_correction", &decide).await.0,
        403
    );
    assert_eq!(
        call(&app, &admin, "decide_correction", &decide).await.0,
        200
    );
    assert_eq!(stored_value(&app, student, maths, "gk").await, Some(100));
    let (status, history) = call(
        &app,
        &teacher,
        "score_history",
        &form(&[
            ("class_id", class.to_string()),
            ("subject_id", maths.to_string()),
            ("semester", "1".into()),
            ("student_id", student.to_string()),
            ("column", "gk".into()),
        ]),
    )
    .await;
    assert_eq!(status, 200);
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["new_value"], "10");
    assert_eq!(last["source"], "correction");
    assert_eq!(last["reason"], "Cộng sai điểm / wrong sum");
}

fn workbook(rows: &[&[&str]]) -> String {
    use base64::Engine as _;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            match text.parse::<f64>() {
                Ok(number) => sheet.write_number(r as u32, c as u16, number).unwrap(),
                Err(_) => sheet.write_string(r as u32, c as u16, *text).unwrap(),
            };
        }
    }
    base64::engine::general_purpose::STANDARD.encode(workbook.save_to_buffer().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_with_a_wrong_student_code_applies_nothing() {
    let app = spawn_app(Backend::Sqlite).await;
    let class = class_id(&app, PILOT, "6A2").await;
    let maths = subject_id(&app, PILOT, "TOAN").await;
    let teacher = session(
        &app,
        PersonaKind::Staff,
        "staff",
        teacher_of(&app, class, maths).await,
    )
    .await;
    let (codes, ids): (Vec<String>, Vec<i64>) = {
        let mut conn = app.conn().await;
        let school: i64 = sqlx::query_scalar("SELECT school_id FROM classes WHERE id = $1")
            .bind(class)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        store::class_students(&mut conn, school, class)
            .await
            .unwrap()
            .into_iter()
            .take(2)
            .map(|s| (s.moet_code.unwrap(), s.student_id))
            .unzip()
    };
    let args = |file: String| {
        form(&[
            ("class_id", class.to_string()),
            ("subject_id", maths.to_string()),
            ("semester", "1".into()),
            ("file", file),
        ])
    };
    let bad = workbook(&[
        &["STT", "Mã học sinh", "Họ và tên", "TX1", "GK"],
        &["1", &codes[0], "A", "8", "7.5"],
        &["2", "0000009999", "Không có", "9", "9"],
        &["3", &codes[1], "B", "6", "6.5"],
    ]);
    let (status, preview) = call(&app, &teacher, "preview_score_import", &args(bad.clone())).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["errors"][0]["row"], 3);
    assert_eq!(preview["errors"][0]["error"], "import_unknown_student");
    assert_eq!(preview["errors"].as_array().unwrap().len(), 1);
    let (status, body) = call(&app, &teacher, "apply_score_import", &args(bad)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("import_has_errors"))
    );
    for student in &ids {
        assert_eq!(
            stored_value(&app, *student, maths, "tx1").await,
            None,
            "nothing applied"
        );
    }
    // The same file without the bad row goes in whole.
    let good = workbook(&[
        &["STT", "Mã học sinh", "Họ và tên", "TX1", "GK"],
        &["1", &codes[0], "A", "8", "7.5"],
        &["3", &codes[1], "B", "6", "6.5"],
    ]);
    let (status, body) = call(&app, &teacher, "apply_score_import", &args(good)).await;
    assert_eq!((status, body), (200, json!(4)));
    assert_eq!(stored_value(&app, ids[0], maths, "gk").await, Some(75));
    assert_eq!(history_count(&app, ids[1], maths, "tx1").await, 1);
    // The export has the vnEdu headers.
    let (status, file) = call(
        &app,
        &teacher,
        "export_score_sheet",
        &form(&[
            ("class_id", class.to_string()),
            ("subject_id", maths.to_string()),
            ("semester", "1".into()),
        ]),
    )
    .await;
    assert_eq!(status, 200);
    assert!(file["file_name"].as_str().unwrap().ends_with(".xlsx"));
}

mod browser {
    //! Headless Chromium: a teacher on a tablet, a parent on a phone.

    use std::time::{Duration, Instant};

    use fantoccini::key::Key;
    use serde_json::json;

    use super::*;
    use crate::support::browser::{Browser, PHONE, TABLET, demo_login};
    use crate::support::site_root;

    async fn teacher_logs_in(browser: &Browser, base: &str) {
        demo_login(browser, base, "teacher").await;
        browser
            .wait_for("button[data-persona='staff']")
            .await
            .click()
            .await
            .unwrap();
        browser.wait_for("[data-page='staff-home']").await;
        // The service worker takes over, so the sheet is kept for offline use.
        let controlled = browser
            .run_async(
                "navigator.serviceWorker.ready.then(() => {
                   if (navigator.serviceWorker.controller) return done(true);
                   navigator.serviceWorker.addEventListener('controllerchange', () => done(true));
                 });",
            )
            .await;
        assert_eq!(controlled, json!(true));
    }

    /// Waits until the page's attribute has this value (the page tells, the test listens).
    async fn wait_attr(browser: &Browser, css: &str, attr: &str, value: &str) {
        browser.wait_for(&format!("{css}[{attr}='{value}']")).await;
    }

    /// Waits (up to 30 s) until nothing matches `css`.
    async fn wait_gone(browser: &Browser, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let script = format!("return document.querySelectorAll(\"{css}\").length");
        while browser.client.execute(&script, vec![]).await.unwrap() != json!(0) {
            assert!(Instant::now() < deadline, "{css} is still there");
            tokio::task::yield_now().await;
        }
    }

    async fn type_in(browser: &Browser, cell: &str, text: &str) {
        let input = browser
            .wait_for(&format!("input[data-cell='{cell}']"))
            .await;
        input.click().await.unwrap();
        input.send_keys(text).await.unwrap();
        input.send_keys(&Key::Enter.to_string()).await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_teacher_types_scores_offline_reloads_and_every_score_arrives_once() {
        let _ = site_root();
        let started = Instant::now();
        let mut app = spawn_app(Backend::Sqlite).await;
        let class = class_id(&app, PILOT, "6A1").await;
        let maths = subject_id(&app, PILOT, "TOAN").await;
        let students: Vec<i64> = {
            let mut conn = app.conn().await;
            let school: i64 = sqlx::query_scalar("SELECT school_id FROM classes WHERE id = $1")
                .bind(class)
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            store::class_students(&mut conn, school, class)
                .await
                .unwrap()
                .into_iter()
                .take(3)
                .map(|s| s.student_id)
                .collect()
        };
        let browser = Browser::launch(TABLET).await;
        teacher_logs_in(&browser, &app.base_url).await;
        let sheet = app.url(&format!("/staff/grades/sheet/{class}/{maths}/1"));
        browser.client.goto(&sheet).await.unwrap();
        wait_attr(&browser, "[data-page='score-sheet']", "data-ready", "true").await;

        // Online: typed, validated, sent; the live average follows.
        type_in(&browser, &format!("{}-tx4", students[0]), "7,5").await;
        type_in(&browser, &format!("{}-tx4", students[1]), "8").await;
        // A bad value is refused on the spot, with the hint.
        let input = browser
            .wait_for(&format!("input[data-cell='{}-tx4']", students[2]))
            .await;
        input.click().await.unwrap();
        input.send_keys("7.25").await.unwrap();
        let hint = browser
            .text(&format!("[data-cell-error='{}-tx4']", students[2]))
            .await;
        assert!(hint.contains("7,3"), "{hint}");
        input.clear().await.unwrap();
        type_in(&browser, &format!("{}-tx4", students[2]), "9").await;
        wait_attr(&browser, "[data-page='score-sheet']", "data-pending", "0").await;
        assert_eq!(
            stored_value(&app, students[0], maths, "tx4").await,
            Some(75)
        );

        // The connection is gone: what is typed stays on the tablet, marked not yet sent.
        app.stop().await;
        for (student, score) in students.iter().zip(["6", "6,5", "10"]) {
            type_in(&browser, &format!("{student}-ck"), score).await;
        }
        wait_attr(
            &browser,
            "[data-page='score-sheet']",
            "data-online",
            "false",
        )
        .await;
        wait_attr(&browser, "[data-page='score-sheet']", "data-pending", "3").await;
        browser
            .wait_for(&format!(
                "td[data-pending-state='waiting'] input[data-cell='{}-ck']",
                students[1]
            ))
            .await;

        // A reload with the server down: the page, the sheet and the unsent scores are all there.
        browser.client.refresh().await.unwrap();
        wait_attr(&browser, "[data-page='score-sheet']", "data-ready", "true").await;
        browser.wait_for("[data-device-copy='true']").await;
        wait_attr(&browser, "[data-page='score-sheet']", "data-pending", "3").await;
        let shown = browser
            .client
            .execute(
                &format!("return [document.querySelector(\"input[data-cell='{}-ck']\").value, document.querySelector(\"input[data-cell='{}-tx4']\").value]", students[1], students[0]),
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(shown, json!(["6,5", "7,5"]));

        // The connection returns: everything arrives, exactly once.
        app.restart().await;
        wait_attr(&browser, "[data-page='score-sheet']", "data-pending", "0").await;
        wait_attr(&browser, "[data-page='score-sheet']", "data-online", "true").await;
        for (student, tenths) in students.iter().zip([60, 65, 100]) {
            assert_eq!(
                stored_value(&app, *student, maths, "ck").await,
                Some(tenths)
            );
            assert_eq!(history_count(&app, *student, maths, "ck").await, 1);
            assert_eq!(history_count(&app, *student, maths, "tx4").await, 1);
        }
        // With every score in, the semester average shows.
        let average = browser
            .text(&format!("[data-average='{}']", students[0]))
            .await;
        assert!(!average.is_empty());
        browser.close().await;
        app.stop().await;
        println!(
            "browser test (tablet, offline entry) took {:?}",
            started.elapsed()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_conflicting_edit_shows_both_values_and_the_teacher_chooses() {
        let _ = site_root();
        let started = Instant::now();
        let mut app = spawn_app(Backend::Sqlite).await;
        let class = class_id(&app, PILOT, "6A1").await;
        let maths = subject_id(&app, PILOT, "TOAN").await;
        let student = first_student(&app, class).await;
        let browser = Browser::launch(TABLET).await;
        teacher_logs_in(&browser, &app.base_url).await;
        browser
            .client
            .goto(&app.url(&format!("/staff/grades/sheet/{class}/{maths}/1")))
            .await
            .unwrap();
        wait_attr(&browser, "[data-page='score-sheet']", "data-ready", "true").await;

        // Meanwhile, on another device, the same (empty) cell gets a score.
        let teacher = session(
            &app,
            PersonaKind::Staff,
            "staff",
            teacher_of(&app, class, maths).await,
        )
        .await;
        let (_, body) = call(
            &app,
            &teacher,
            "save_scores",
            &save_form(class, maths, &[("9.1", "tx4", student, 0)]),
        )
        .await;
        assert_eq!(body[0]["outcome"], "applied");

        type_in(&browser, &format!("{student}-tx4"), "7,3").await;
        let cell = format!("{student}-tx4");
        assert_eq!(browser.text(&format!("[data-mine='{cell}']")).await, "7,3");
        assert_eq!(
            browser.text(&format!("[data-theirs='{cell}']")).await,
            "9,1"
        );
        assert_eq!(stored_value(&app, student, maths, "tx4").await, Some(91));
        browser
            .wait_for(&format!("[data-keep-mine='{cell}']"))
            .await
            .click()
            .await
            .unwrap();
        wait_gone(&browser, "section.conflicts").await;
        wait_attr(&browser, "[data-page='score-sheet']", "data-pending", "0").await;
        assert_eq!(stored_value(&app, student, maths, "tx4").await, Some(73));
        assert_eq!(history_count(&app, student, maths, "tx4").await, 2);
        browser.close().await;
        app.stop().await;
        println!(
            "browser test (tablet, conflict) took {:?}",
            started.elapsed()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_parent_sees_a_released_score_and_not_an_unreleased_one() {
        let _ = site_root();
        let started = Instant::now();
        // A clock the test moves, so "new since the last visit" does not depend on timing.
        let clock = app::platform::clock::Clock::fixed(app::platform::clock::Clock::System.unix());
        let mut app = crate::support::spawn_app_with_clock(Backend::Sqlite, clock.clone()).await;
        let class = class_id(&app, PILOT, "6A1").await;
        let maths = subject_id(&app, PILOT, "TOAN").await;
        clock.advance(10);
        let child = id(&app, &format!("SELECT l.student_id FROM guardian_links l JOIN class_enrollments e ON e.student_id = l.student_id WHERE l.status = 'verified' AND e.class_id = {class}")).await;
        let browser = Browser::launch(PHONE).await;
        demo_login(&browser, &app.base_url, "guardian").await;
        browser.wait_for("[data-page='guardian-home']").await;
        browser
            .wait_for(&format!("a[data-child-grades='{child}']"))
            .await
            .click()
            .await
            .unwrap();
        wait_attr(&browser, "[data-page='child-grades']", "data-ready", "true").await;
        let maths_scores = "[data-subject='Toán'] [data-semester='1']";
        browser
            .wait_for(&format!(
                "{maths_scores} [data-score='tx1'][data-new='true']"
            ))
            .await;
        browser
            .wait_for(&format!("{maths_scores} [data-score='gk']"))
            .await;
        let unreleased = browser
            .client
            .execute(
                &format!(
                    "return document.querySelectorAll(\"{maths_scores} [data-score='tx3']\").length"
                ),
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(unreleased, json!(0), "TX3 is typed but not released");
        let width = browser
            .client
            .execute("return document.documentElement.scrollWidth", vec![])
            .await
            .unwrap();
        assert_eq!(width, json!(360), "nothing wider than the phone");

        // The teacher releases TX3: it appears, marked new; what was seen before is not.
        clock.advance(10);
        let teacher = session(
            &app,
            PersonaKind::Staff,
            "staff",
            teacher_of(&app, class, maths).await,
        )
        .await;
        let (status, _) = call(
            &app,
            &teacher,
            "release_column",
            &form(&[
                ("class_id", class.to_string()),
                ("subject_id", maths.to_string()),
                ("semester", "1".into()),
                ("column", "tx3".into()),
                ("released", "true".into()),
            ]),
        )
        .await;
        assert_eq!(status, 200);
        clock.advance(10);
        browser.client.refresh().await.unwrap();
        browser
            .wait_for(&format!(
                "{maths_scores} [data-score='tx3'][data-new='true']"
            ))
            .await;
        browser
            .wait_for(&format!(
                "{maths_scores} [data-score='tx1'][data-new='false']"
            ))
            .await;

        // The last view stays on the phone when the network is gone.
        app.stop().await;
        browser.client.refresh().await.unwrap();
        browser
            .wait_for("[data-page='child-grades'] [data-offline='true']")
            .await;
        browser
            .wait_for(&format!("{maths_scores} [data-score='tx3']"))
            .await;
        browser.close().await;
        println!("browser test (phone, parent) took {:?}", started.elapsed());
    }
}
