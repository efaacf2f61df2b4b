//! The data layer on SQLite and on PostgreSQL: the same queries, the same answers.

use app::people::FullName;
use app::people::store::{self, NewPerson, NewSchool, NewStudent};
use app::platform::audit::{self, Actor, ActorKind};
use app::platform::crypto::PidCrypto;
use app::platform::db::{Backend, Db};
use app::platform::error::ErrorCode;
use app::platform::personal_id::{PersonalId, Sex};
use sqlx::{AnyConnection, Row};
use time::macros::date;

use crate::on_both_backends;
use crate::support::{TEST_KEY, TestDb};

struct Fixture {
    db: Db,
    crypto: PidCrypto,
    _test_db: TestDb,
}

async fn fixture(backend: Backend) -> Fixture {
    let test_db = TestDb::new(backend).await;
    let db = Db::connect(&test_db.url, &Default::default())
        .await
        .expect("connect");
    db.migrate().await.expect("migrations apply");
    assert_eq!(db.backend(), backend);
    Fixture {
        db,
        crypto: PidCrypto::from_base64_key(TEST_KEY).expect("key"),
        _test_db: test_db,
    }
}

struct School {
    id: i64,
    year: i64,
    class: i64,
}

async fn school(conn: &mut AnyConnection, district: i64, code: &str) -> School {
    let id = store::insert_school(
        conn,
        &NewSchool {
            district_id: district,
            moet_code: code,
            name: code,
            address: None,
            phone: None,
        },
        1,
    )
    .await
    .expect("school");
    let year = store::insert_school_year(
        conn,
        id,
        "2026-2027",
        date!(2026 - 09 - 05),
        date!(2027 - 05 - 31),
        true,
    )
    .await
    .expect("year");
    let class = store::insert_class(conn, id, year, 6, "6A1")
        .await
        .expect("class");
    School { id, year, class }
}

async fn student(
    f: &Fixture,
    conn: &mut AnyConnection,
    school: &School,
    name: &str,
    pid: Option<&PersonalId>,
) -> Result<i64, app::platform::error::AppError> {
    let name = FullName::parse(name).expect("name");
    let id = store::insert_student(
        conn,
        &f.crypto,
        &Actor::system(),
        &NewStudent {
            person: NewPerson {
                school_id: school.id,
                personal_id: pid,
                name: &name,
                date_of_birth: Some(date!(2015 - 03 - 02)),
                sex: Some(Sex::Female),
            },
            moet_code: None,
            ethnicity: Some("Kinh"),
        },
        10,
    )
    .await?;
    store::enroll(
        conn,
        school.id,
        school.year,
        school.class,
        id,
        date!(2026 - 09 - 05),
    )
    .await
    .expect("enroll");
    Ok(id)
}

async fn district(conn: &mut AnyConnection) -> i64 {
    store::insert_district(conn, "79-TEST", "Huyện Thử", "79", 1)
        .await
        .expect("district")
}

async fn the_demo_district_loads_completely(backend: Backend) {
    let f = fixture(backend).await;
    let made = app::demo::seed_if_empty(&f.db, &f.crypto, 1_000)
        .await
        .expect("seed")
        .expect("first seed");
    assert_eq!((made.schools, made.classes, made.students), (2, 16, 640));
    assert!(made.guardians >= 640 && made.staff >= 30, "{made:?}");
    assert!(
        app::demo::seed_if_empty(&f.db, &f.crypto, 1_000)
            .await
            .expect("second")
            .is_none(),
        "seeding twice"
    );

    let mut conn = f.db.pool().acquire().await.expect("conn");
    let schools = store::list_schools(&mut conn).await.expect("schools");
    assert_eq!(schools.len(), 2);
    assert!(
        schools
            .iter()
            .all(|s| s.class_count == 8 && s.student_count == 320),
        "{schools:?}"
    );
    let unlinked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM students s WHERE NOT EXISTS (SELECT 1 FROM guardian_links l WHERE l.student_id = s.id)",
    )
    .fetch_one(&mut *conn)
    .await
    .expect("count");
    assert_eq!(unlinked, 0, "every demo student has a guardian");
    let homerooms: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM teaching_assignments WHERE kind = 'homeroom'")
            .fetch_one(&mut *conn)
            .await
            .expect("count");
    assert_eq!(homerooms, 16);
    // The demo people can be found by their ID numbers (the join a login will use).
    for person in app::demo::DEMO_PEOPLE {
        let found = store::find_by_personal_id(
            &mut conn,
            &f.crypto,
            &PersonalId::parse(person.personal_id).unwrap(),
        )
        .await
        .expect("lookup");
        assert!(!found.is_empty(), "{} not found", person.role);
    }
}

async fn personal_ids_are_encrypted_at_rest_and_found_by_keyed_hash(backend: Backend) {
    let f = fixture(backend).await;
    let mut conn = f.db.pool().acquire().await.expect("conn");
    let d = district(&mut conn).await;
    let s = school(&mut conn, d, "S1").await;
    let pid = PersonalId::parse("079315001234").unwrap();
    let id = student(&f, &mut conn, &s, "Nguyễn Thị Minh Anh", Some(&pid))
        .await
        .expect("student");

    // No column of the row holds the number, as text or as bytes.
    let row = sqlx::query("SELECT pid_enc, pid_hash, family_name, middle_name, given_name, name_search FROM students WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .expect("row");
    let enc: Vec<u8> = row.try_get("pid_enc").unwrap();
    let hash: Vec<u8> = row.try_get("pid_hash").unwrap();
    for bytes in [&enc, &hash] {
        assert!(
            !bytes.windows(12).any(|w| w == b"079315001234"),
            "plain number stored"
        );
        assert!(!hex_contains(bytes, "079315001234"));
    }
    let audit_text: String = sqlx::query_scalar("SELECT COALESCE(MAX(detail), '') FROM audit_log")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert!(!audit_text.contains("079315001234"));

    let found = store::find_by_personal_id(&mut conn, &f.crypto, &pid)
        .await
        .expect("lookup");
    assert_eq!(
        found,
        vec![store::PidMatch {
            kind: "student",
            school_id: Some(s.id),
            id
        }]
    );
    let other = PersonalId::parse("079315001235").unwrap();
    assert!(
        store::find_by_personal_id(&mut conn, &f.crypto, &other)
            .await
            .unwrap()
            .is_empty()
    );

    // Revealing needs a reason and leaves an audit entry with it.
    let clerk = Actor {
        kind: ActorKind::Staff,
        id: Some(7),
    };
    let refused =
        store::reveal_student_personal_id(&mut conn, &f.crypto, &clerk, s.id, id, " ", 20).await;
    assert_eq!(refused.map_err(|e| e.code), Err(ErrorCode::InvalidInput));
    let shown = store::reveal_student_personal_id(
        &mut conn,
        &f.crypto,
        &clerk,
        s.id,
        id,
        "Đối chiếu hồ sơ chuyển trường",
        21,
    )
    .await
    .expect("reveal");
    assert_eq!(shown, Some(pid));
    let trail = audit::recent_for_school(&mut conn, s.id, 1)
        .await
        .expect("audit");
    assert_eq!(trail[0].action, "reveal");
    assert_eq!(trail[0].actor_id, Some(7));
    assert_eq!(
        trail[0].reason.as_deref(),
        Some("Đối chiếu hồ sơ chuyển trường")
    );
}

fn hex_contains(bytes: &[u8], digits: &str) -> bool {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .contains(digits)
}

async fn a_personal_id_is_unique_within_a_school_only(backend: Backend) {
    let f = fixture(backend).await;
    let mut conn = f.db.pool().acquire().await.expect("conn");
    let d = district(&mut conn).await;
    let (a, b) = (
        school(&mut conn, d, "A").await,
        school(&mut conn, d, "B").await,
    );
    let pid = PersonalId::parse("079214000077").unwrap();
    student(&f, &mut conn, &a, "Lê Văn Nam", Some(&pid))
        .await
        .expect("first");
    let twice = student(&f, &mut conn, &a, "Lê Văn Nam", Some(&pid)).await;
    assert_eq!(twice.map_err(|e| e.code), Err(ErrorCode::Duplicate));
    // A transfer record in another school of the district may hold the same number.
    student(&f, &mut conn, &b, "Lê Văn Nam", Some(&pid))
        .await
        .expect("other school");
    assert_eq!(
        store::find_by_personal_id(&mut conn, &f.crypto, &pid)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn class_lists_come_in_vietnamese_order_and_are_audited(backend: Backend) {
    let f = fixture(backend).await;
    let mut conn = f.db.pool().acquire().await.expect("conn");
    let d = district(&mut conn).await;
    let s = school(&mut conn, d, "S").await;
    for name in [
        "Trần Văn Em",
        "Lê Minh Đức",
        "Phạm Thị Bình",
        "Vũ Ngọc Ánh",
        "Hồ Anh Dũng",
        "Đỗ Thị Anh",
    ] {
        student(&f, &mut conn, &s, name, None)
            .await
            .expect("student");
    }
    let teacher = Actor {
        kind: ActorKind::Staff,
        id: Some(3),
    };
    let list = store::class_list(&mut conn, &teacher, s.id, s.class, 99)
        .await
        .expect("list");
    let given: Vec<&str> = list.iter().map(|e| e.name.given.as_str()).collect();
    assert_eq!(given, ["Anh", "Ánh", "Bình", "Dũng", "Đức", "Em"]);
    let trail = audit::recent_for_school(&mut conn, s.id, 1)
        .await
        .expect("audit");
    assert_eq!(
        (trail[0].action.as_str(), trail[0].entity.as_str()),
        ("read", "class_list")
    );
    assert_eq!(trail[0].entity_id, Some(s.class));
    assert_eq!(trail[0].actor_kind, "staff");
}

async fn queries_are_scoped_to_their_school(backend: Backend) {
    let f = fixture(backend).await;
    let mut conn = f.db.pool().acquire().await.expect("conn");
    let d = district(&mut conn).await;
    let (a, b) = (
        school(&mut conn, d, "A").await,
        school(&mut conn, d, "B").await,
    );
    student(&f, &mut conn, &a, "Nguyễn Văn An", None)
        .await
        .expect("student");
    let actor = Actor::system();
    assert_eq!(
        store::class_list(&mut conn, &actor, a.id, a.class, 1)
            .await
            .unwrap()
            .len(),
        1
    );
    // School B asking for school A's class gets nothing.
    assert!(
        store::class_list(&mut conn, &actor, b.id, a.class, 1)
            .await
            .unwrap()
            .is_empty()
    );
    let reveal = store::reveal_student_personal_id(
        &mut conn,
        &f.crypto,
        &actor,
        b.id,
        1,
        "kiểm tra chéo",
        1,
    )
    .await;
    assert_eq!(reveal.map_err(|e| e.code), Err(ErrorCode::NotFound));
}

async fn the_audit_trail_cannot_be_edited(backend: Backend) {
    let f = fixture(backend).await;
    let mut conn = f.db.pool().acquire().await.expect("conn");
    let d = district(&mut conn).await;
    let s = school(&mut conn, d, "S").await;
    student(&f, &mut conn, &s, "Mai Thu Hà", None)
        .await
        .expect("student");
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert!(before > 0);
    assert!(
        sqlx::query("UPDATE audit_log SET reason = 'x'")
            .execute(&mut *conn)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM audit_log")
            .execute(&mut *conn)
            .await
            .is_err()
    );
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(before, after);
}

async fn a_failed_transaction_leaves_nothing_behind(backend: Backend) {
    let f = fixture(backend).await;
    let mut conn = f.db.pool().acquire().await.expect("conn");
    let d = district(&mut conn).await;
    let s = school(&mut conn, d, "S").await;
    drop(conn);
    let pid = PersonalId::parse("079315009999").unwrap();
    let mut tx = f.db.pool().begin().await.expect("begin");
    student(&f, &mut tx, &s, "Ngô Bảo Châu", Some(&pid))
        .await
        .expect("first");
    assert!(
        student(&f, &mut tx, &s, "Ngô Bảo Châu", Some(&pid))
            .await
            .is_err()
    );
    tx.rollback().await.expect("rollback");
    let mut conn = f.db.pool().acquire().await.expect("conn");
    let students: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM students")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let audits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!((students, audits), (0, 0));
}

on_both_backends!(
    the_demo_district_loads_completely,
    personal_ids_are_encrypted_at_rest_and_found_by_keyed_hash,
    a_personal_id_is_unique_within_a_school_only,
    class_lists_come_in_vietnamese_order_and_are_audited,
    queries_are_scoped_to_their_school,
    the_audit_trail_cannot_be_edited,
    a_failed_transaction_leaves_nothing_behind,
);
