//! What is refused, each on its own: editing without the timetable role, another school's
//! timetable, a revoked feed's secret, and a malformed FET file (a clear error, nothing applied).

use app::identity::PersonaKind;
use app::platform::db::Backend;
use serde_json::json;

use super::{OTHER_SCHOOL, PILOT, call, demo, ok, pilot, scalar, session_as};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_a_timetable_needs_the_timetable_role() {
    let app = demo(Backend::Sqlite).await;
    let p = pilot(&app).await;
    let version = scalar(
        &app,
        &format!("SELECT id FROM timetables WHERE school_id = {PILOT}"),
    )
    .await;
    let draft = ok(
        &app,
        &p.principal,
        "create_timetable_draft",
        &[
            ("school_id", p.school.to_string()),
            ("semester", "1".into()),
            ("name", "Nháp".into()),
            ("copy_from", version.to_string()),
        ],
    )
    .await
    .as_i64()
    .unwrap();
    let edits = json!([{ "edit": "move", "lesson": 1, "to": { "day": "monday", "session": "morning", "period": 1 } }]);
    for (who, caller) in [
        ("teacher", &p.math_teacher),
        ("parent", &p.parent),
        ("student", &p.student),
    ] {
        for (endpoint, args) in [
            ("timetable_home", vec![("school_id", p.school.to_string())]),
            (
                "create_timetable_draft",
                vec![
                    ("school_id", p.school.to_string()),
                    ("semester", "1".into()),
                    ("name", "x".into()),
                ],
            ),
            (
                "timetable_editor",
                vec![("timetable_id", draft.to_string())],
            ),
            (
                "apply_timetable_edits",
                vec![
                    ("timetable_id", draft.to_string()),
                    ("base_revision", "0".into()),
                    ("batch_id", "x".into()),
                    ("edits", edits.to_string()),
                ],
            ),
            (
                "publish_timetable",
                vec![
                    ("timetable_id", draft.to_string()),
                    ("revision", "0".into()),
                    ("effective_from", "2026-10-12".into()),
                ],
            ),
            (
                "mark_teacher_absent",
                vec![
                    ("school_id", p.school.to_string()),
                    ("staff_id", p.math_teacher_id.to_string()),
                    ("date", "2026-10-08".into()),
                ],
            ),
        ] {
            let (status, body) = call(&app, caller, endpoint, &args).await;
            assert_eq!(
                (status, body),
                (403, json!({ "error": "forbidden" })),
                "{endpoint} by the {who}"
            );
        }
    }
    // Nothing changed.
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT revision FROM timetables WHERE id = {draft}")
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM teacher_absences WHERE date = '2026-10-08'"
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_schools_timetable_is_refused() {
    let app = demo(Backend::Sqlite).await;
    let p = pilot(&app).await;
    let other_principal = scalar(
        &app,
        &format!("SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = 'school_admin' AND s.school_id = {OTHER_SCHOOL}"),
    )
    .await;
    let other = session_as(&app, PersonaKind::Staff, "staff", other_principal).await;
    let other_school = scalar(&app, &format!("SELECT {OTHER_SCHOOL}")).await;
    let their_draft = ok(
        &app,
        &other,
        "create_timetable_draft",
        &[
            ("school_id", other_school.to_string()),
            ("semester", "1".into()),
            ("name", "Của trường khác".into()),
        ],
    )
    .await
    .as_i64()
    .unwrap();
    let their_class = scalar(
        &app,
        &format!("SELECT id FROM classes WHERE school_id = {other_school} AND name = '6A1'"),
    )
    .await;
    let refusals = [
        (
            "timetable_home",
            vec![("school_id", other_school.to_string())],
        ),
        (
            "timetable_settings",
            vec![("school_id", other_school.to_string())],
        ),
        (
            "timetable_editor",
            vec![("timetable_id", their_draft.to_string())],
        ),
        (
            "apply_timetable_edits",
            vec![
                ("timetable_id", their_draft.to_string()),
                ("base_revision", "0".into()),
                ("batch_id", "x".into()),
                ("edits", "[]".into()),
            ],
        ),
        (
            "delete_timetable_draft",
            vec![("timetable_id", their_draft.to_string())],
        ),
        (
            "create_timetable_draft",
            vec![
                ("school_id", other_school.to_string()),
                ("semester", "1".into()),
                ("name", "x".into()),
            ],
        ),
        (
            "add_timetable_room",
            vec![
                ("school_id", other_school.to_string()),
                ("name", "Phòng lạ".into()),
            ],
        ),
    ];
    for (endpoint, args) in &refusals {
        let (status, body) = call(&app, &p.principal, endpoint, args).await;
        assert_eq!(
            (status, body),
            (403, json!({ "error": "forbidden" })),
            "{endpoint}"
        );
    }
    // A parent of the pilot school cannot read the other school's class either.
    let (status, _) = call(
        &app,
        &p.parent,
        "class_week",
        &[("class_id", their_class.to_string())],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM timetables WHERE id = {their_draft}")
        )
        .await,
        1
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM rooms WHERE name = 'Phòng lạ'").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_with_a_revoked_secret_is_refused() {
    let app = demo(Backend::Sqlite).await;
    let p = pilot(&app).await;
    let feed = ok(
        &app,
        &p.student,
        "create_class_feed",
        &[("class_id", p.class_6a1.to_string())],
    )
    .await;
    let url = feed["url"].as_str().unwrap();
    assert_eq!(reqwest::get(url).await.unwrap().status(), 200);
    ok(
        &app,
        &p.student,
        "revoke_feed",
        &[("feed_id", feed["id"].to_string())],
    )
    .await;
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 404);
    assert!(!response.text().await.unwrap().contains("BEGIN:VCALENDAR"));
    // Revoking twice, or someone else's feed, is refused too.
    assert_eq!(
        call(
            &app,
            &p.student,
            "revoke_feed",
            &[("feed_id", feed["id"].to_string())]
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call(
            &app,
            &p.parent,
            "revoke_feed",
            &[("feed_id", feed["id"].to_string())]
        )
        .await
        .0,
        403
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_fet_file_is_refused_with_a_clear_error_and_nothing_applied() {
    let app = demo(Backend::Sqlite).await;
    let p = pilot(&app).await;
    let school = p.school.to_string();
    let before = scalar(&app, "SELECT COUNT(*) FROM timetables").await;
    let lessons_before = scalar(&app, "SELECT COUNT(*) FROM timetable_lessons").await;
    let broken = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<fet version=\"6.8.5\">\n<Days_List>\n<Day><Name>Thứ Hai</Name>\n</Days_List>\n</fet>\n";
    let preview = ok(
        &app,
        &p.principal,
        "fet_preview",
        &[
            ("school_id", school.clone()),
            ("content", broken.into()),
            ("semester", "1".into()),
        ],
    )
    .await;
    assert_eq!(preview["problem"]["code"], "fet_not_xml");
    let message = preview["problem"]["message_vi"].as_str().unwrap();
    assert!(message.contains("dòng 5"), "{message}");
    assert!(
        preview["problem"]["message_en"]
            .as_str()
            .unwrap()
            .contains("line 5")
    );
    let not_fet = ok(
        &app,
        &p.principal,
        "fet_preview",
        &[
            ("school_id", school.clone()),
            ("content", "<html><body>x</body></html>".into()),
            ("semester", "1".into()),
        ],
    )
    .await;
    assert_eq!(not_fet["problem"]["code"], "fet_not_a_fet_file");

    let mapping = json!({ "days": [], "hours": [], "teachers": [], "classes": [], "subjects": [], "rooms": [] }).to_string();
    for content in [
        broken,
        "\"Activity Id\",\"Day\"\n\"1\",\"Thứ Hai\",\"Sáng 1\n",
    ] {
        let (status, body) = call(
            &app,
            &p.principal,
            "fet_apply",
            &[
                ("school_id", school.clone()),
                ("content", content.into()),
                ("mapping", mapping.clone()),
                ("semester", "1".into()),
                ("name", "Hỏng".into()),
            ],
        )
        .await;
        assert_eq!(
            (status, body),
            (422, json!({ "error": "timetable_import_invalid" }))
        );
    }
    // A mapping naming another school's records is refused too, and the draft is not kept.
    let other_class = scalar(
        &app,
        &format!("SELECT id FROM classes WHERE school_id = {OTHER_SCHOOL} LIMIT 1"),
    )
    .await;
    let good = std::fs::read_to_string(
        crate::support::workspace_root()
            .join("app/src/timetable/fixtures/thcs-thu-nghiem_timetable.csv"),
    )
    .unwrap();
    let preview = ok(
        &app,
        &p.principal,
        "fet_preview",
        &[
            ("school_id", school.clone()),
            ("content", good.clone()),
            ("semester", "1".into()),
        ],
    )
    .await;
    let mut foreign = preview["mapping"].clone();
    for entry in foreign["classes"].as_array_mut().unwrap() {
        entry["matched"] = json!(other_class);
    }
    for kind in ["teachers", "subjects"] {
        let first = preview["options"][kind][0][0].clone();
        for entry in foreign[kind].as_array_mut().unwrap() {
            entry["matched"] = first.clone();
        }
    }
    let (status, _) = call(
        &app,
        &p.principal,
        "fet_apply",
        &[
            ("school_id", school),
            ("content", good),
            ("mapping", foreign.to_string()),
            ("semester", "1".into()),
            ("name", "Lạ".into()),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM timetables").await,
        before
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM timetable_lessons").await,
        lessons_before
    );
}
