//! Timetables through the server functions, on SQLite and PostgreSQL: the demo's published
//! week, edits applied once with concurrent editors never overwriting each other, publishing
//! with its refusal and notices, substitutions, calendar feeds and the FET import.

use app::platform::db::Backend;
use app::timetable::rules::{self, Semester, Timetable};
use app::timetable::store::{drafts, model};
use serde_json::{Value, json};

use super::{Caller, PILOT, call, demo, ok, pilot, scalar, session_as};
use crate::on_both_backends;
use crate::support::TestApp;

fn lessons(value: &Value) -> Vec<Value> {
    value.as_array().cloned().unwrap_or_default()
}

fn find(lessons: &[Value], id: i64) -> &Value {
    lessons
        .iter()
        .find(|l| l["id"] == json!(id))
        .unwrap_or_else(|| panic!("lesson {id} not in {lessons:?}"))
}

/// The cells (day, period) of the afternoon week a class has no lesson in.
fn free_cells(lessons: &[Value], class: i64) -> Vec<(String, i64)> {
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    let mut free = Vec::new();
    for day in days {
        for period in 1..=5 {
            let taken = lessons.iter().any(|l| {
                l["class"] == json!(class)
                    && l["day"] == json!(day)
                    && l["session"] == json!("afternoon")
                    && l["period"] == json!(period)
            });
            if !taken {
                free.push((day.to_string(), period));
            }
        }
    }
    free
}

async fn version_one(app: &TestApp) -> i64 {
    scalar(
        app,
        &format!("SELECT id FROM timetables WHERE school_id = {PILOT} AND version_no = 1"),
    )
    .await
}

/// A draft copied from the published version, with the editor's data.
async fn draft(app: &TestApp, school: i64, editor: &Caller) -> (i64, Value) {
    let version = version_one(app).await;
    let id = ok(
        app,
        editor,
        "create_timetable_draft",
        &[
            ("school_id", school.to_string()),
            ("semester", "1".into()),
            ("name", "Bản nháp".into()),
            ("copy_from", version.to_string()),
        ],
    )
    .await
    .as_i64()
    .unwrap();
    let data = ok(
        app,
        editor,
        "timetable_editor",
        &[("timetable_id", id.to_string())],
    )
    .await;
    (id, data)
}

async fn edit(
    app: &TestApp,
    editor: &Caller,
    draft: i64,
    base: i64,
    batch: &str,
    edits: Value,
) -> Value {
    ok(
        app,
        editor,
        "apply_timetable_edits",
        &[
            ("timetable_id", draft.to_string()),
            ("base_revision", base.to_string()),
            ("batch_id", batch.into()),
            ("edits", edits.to_string()),
        ],
    )
    .await
}

async fn the_demo_school_week_is_published_without_hard_conflicts_and_seen_by_its_people(
    backend: Backend,
) {
    let app = demo(backend).await;
    let p = pilot(&app).await;

    // The stored version passes the same rules the editor uses.
    let mut conn = app.conn().await;
    let year = model::require_current_year(&mut conn, p.school)
        .await
        .unwrap();
    let school = model::school_model(&mut conn, p.school, &year)
        .await
        .unwrap();
    let version = version_one(&app).await;
    let stored = drafts::lessons(&mut conn, p.school, version).await.unwrap();
    drop(conn);
    assert_eq!(stored.len(), 8 * 29, "8 classes × 29 periods");
    let conflicts = rules::check(
        &school.school,
        &school.settings.rules,
        &Timetable {
            semester: Semester::First,
            lessons: stored,
        },
    )
    .unwrap();
    assert!(rules::can_publish(&conflicts).is_ok(), "{conflicts:#?}");

    // The parent sees her child's class, today first, the whole week in six school days.
    let week = ok(
        &app,
        &p.parent,
        "class_week",
        &[("class_id", p.class_6a1.to_string())],
    )
    .await;
    assert_eq!(week["title"], "6A1");
    assert_eq!(week["today"], "2026-10-05");
    assert_eq!(week["days"][0]["date"], "2026-10-05");
    assert_eq!(week["days"].as_array().unwrap().len(), 6);
    assert_eq!(week["days"][0]["version"]["effective_from"], "2026-09-07");
    let all: Vec<Value> = week["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| lessons(&d["lessons"]))
        .collect();
    assert_eq!(all.len(), 29);
    assert!(all.iter().all(|l| l["session"] == "afternoon"));
    assert_eq!(week["days"][0]["lessons"][0]["start"], "13:00");
    // The demo's substitution: the mathematics teacher is away one day this week.
    let substituted: Vec<&Value> = all.iter().filter(|l| !l["change"].is_null()).collect();
    assert_eq!(substituted.len(), 1, "{substituted:?}");
    assert_eq!(substituted[0]["subject"], "Toán");

    // The teacher sees his own week across classes; the student her class.
    let mine = ok(&app, &p.math_teacher, "my_week", &[]).await;
    assert_eq!(mine["title"], "Phan Minh Khoa");
    let taught: usize = mine["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| lessons(&d["lessons"]).len())
        .sum();
    assert_eq!(taught, 32, "Toán 4 periods in each of 8 classes");
    let student = ok(&app, &p.student, "my_week", &[]).await;
    assert_eq!(student["title"], "6A1");
    let followed = ok(&app, &p.parent, "my_timetables", &[]).await;
    assert_eq!(followed["others"].as_array().unwrap().len(), 2);
}

async fn edits_apply_once_and_concurrent_editors_never_overwrite_each_other(backend: Backend) {
    let app = demo(backend).await;
    let p = pilot(&app).await;
    // A second editor: the clerk also builds timetables.
    let clerk = scalar(
        &app,
        &format!("SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = 'clerk' AND s.school_id = {}", p.school),
    )
    .await;
    {
        let mut conn = app.conn().await;
        sqlx::query(
            "INSERT INTO staff_roles (school_id, staff_id, role) VALUES ($1, $2, 'timetabler')",
        )
        .bind(p.school)
        .bind(clerk)
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    let second = session_as(&app, app::identity::PersonaKind::Staff, "staff", clerk).await;
    let (draft, data) = draft(&app, p.school, &p.principal).await;
    let all = lessons(&data["lessons"]);
    let of_6a1: Vec<&Value> = all
        .iter()
        .filter(|l| l["class"] == json!(p.class_6a1))
        .collect();
    let x = of_6a1[0]["id"].as_i64().unwrap();
    let y = of_6a1[1]["id"].as_i64().unwrap();
    let (free_day, free_period) = free_cells(&all, p.class_6a1)[0].clone();
    let to = json!({ "day": free_day, "session": "afternoon", "period": free_period });

    // The principal moves X into the free cell.
    let first = edit(
        &app,
        &p.principal,
        draft,
        0,
        "a-1",
        json!([{ "edit": "move", "lesson": x, "to": to }]),
    )
    .await;
    assert_eq!(first["applied"], json!([0]));
    assert_eq!(first["revision"], 1);
    // The same batch again (an answer lost on the way): nothing is applied twice.
    let again = edit(
        &app,
        &p.principal,
        draft,
        0,
        "a-1",
        json!([{ "edit": "move", "lesson": x, "to": to }]),
    )
    .await;
    assert_eq!(again["replayed"], true);
    assert_eq!(again["revision"], 1);
    assert_eq!(lessons(&again["lessons"]).len(), all.len());

    // The clerk, still at revision 0, moves X elsewhere: refused, and told where X is now.
    let stale = edit(
        &app,
        &second,
        draft,
        0,
        "b-1",
        json!([{ "edit": "move", "lesson": x, "to": { "day": "monday", "session": "afternoon", "period": 1 } }]),
    )
    .await;
    assert_eq!(stale["applied"], json!([]));
    assert_eq!(
        stale["refused"],
        json!([{ "index": 0, "reason": "changed_meanwhile" }])
    );
    assert_eq!(find(&lessons(&stale["lessons"]), x)["day"], json!(free_day));
    // Placing into the cell the principal just filled is refused too.
    let placed_over = edit(
        &app,
        &second,
        draft,
        0,
        "b-2",
        json!([{ "edit": "place", "lesson": {
            "id": -1, "class": p.class_6a1, "subject": of_6a1[2]["subject"], "teacher": of_6a1[2]["teacher"],
            "day": free_day, "session": "afternoon", "period": free_period } }]),
    )
    .await;
    assert_eq!(placed_over["refused"][0]["reason"], "changed_meanwhile");
    // An edit that touches nothing changed meanwhile goes through.
    let old_cell =
        json!({ "day": of_6a1[0]["day"], "session": "afternoon", "period": of_6a1[0]["period"] });
    let unrelated = edit(
        &app,
        &second,
        draft,
        0,
        "b-3",
        json!([{ "edit": "move", "lesson": y, "to": old_cell }]),
    )
    .await;
    assert_eq!(unrelated["applied"], json!([0]));
    assert_eq!(unrelated["revision"], 2);

    // A batch made offline: a lesson placed, moved and taken out again, by its device id.
    let offline = edit(
        &app,
        &p.principal,
        draft,
        2,
        "a-2",
        json!([
            { "edit": "place", "lesson": { "id": -5, "class": p.class_6a1, "subject": of_6a1[2]["subject"],
              "teacher": of_6a1[2]["teacher"], "day": of_6a1[1]["day"], "session": "afternoon", "period": of_6a1[1]["period"] } },
            { "edit": "move", "lesson": -5, "to": { "day": "saturday", "session": "morning", "period": 1 } },
            { "edit": "remove", "lesson": -5 }
        ]),
    )
    .await;
    assert_eq!(offline["applied"], json!([0, 1, 2]));
    assert_eq!(offline["id_map"].as_array().unwrap().len(), 1);
    assert_eq!(lessons(&offline["lessons"]).len(), all.len());

    // The other editor polls and sees the changes.
    let state = ok(
        &app,
        &second,
        "timetable_state",
        &[
            ("timetable_id", draft.to_string()),
            ("known_revision", "2".into()),
        ],
    )
    .await;
    assert_eq!(state["revision"], 3);
    assert!(state["lessons"].is_array());
    let quiet = ok(
        &app,
        &second,
        "timetable_state",
        &[
            ("timetable_id", draft.to_string()),
            ("known_revision", "3".into()),
        ],
    )
    .await;
    assert!(quiet["lessons"].is_null());
}

async fn publishing_is_refused_while_a_hard_conflict_remains_and_then_notifies(backend: Backend) {
    let app = demo(backend).await;
    let p = pilot(&app).await;
    let (draft, data) = draft(&app, p.school, &p.principal).await;
    let all = lessons(&data["lessons"]);
    let math = |class: i64| {
        all.iter()
            .find(|l| l["class"] == json!(class) && l["teacher"] == json!(p.math_teacher_id))
            .cloned()
            .unwrap()
    };
    let (a, b) = (math(p.class_6a1), math(p.class_6a2));
    let slot =
        |l: &Value| json!({ "day": l["day"], "session": l["session"], "period": l["period"] });

    // 6A2's mathematics moved onto 6A1's: the teacher is in two places.
    edit(
        &app,
        &p.principal,
        draft,
        0,
        "p-1",
        json!([{ "edit": "move", "lesson": b["id"], "to": slot(&a) }]),
    )
    .await;
    let preview = ok(
        &app,
        &p.principal,
        "timetable_publish_preview",
        &[
            ("timetable_id", draft.to_string()),
            ("effective_from", "2026-10-12".into()),
        ],
    )
    .await;
    assert!(preview["hard_conflicts"].as_u64().unwrap() > 0);
    let (status, body) = call(
        &app,
        &p.principal,
        "publish_timetable",
        &[
            ("timetable_id", draft.to_string()),
            ("revision", "1".into()),
            ("effective_from", "2026-10-12".into()),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].clone()),
        (409, json!("timetable_has_hard_conflicts"))
    );
    let status_now = scalar(
        &app,
        &format!("SELECT COUNT(*) FROM timetables WHERE id = {draft} AND status = 'draft'"),
    )
    .await;
    assert_eq!(status_now, 1);

    // Fixed; and one real change: 6A1's mathematics moves into its free period.
    let (free_day, free_period) = free_cells(&all, p.class_6a1)[0].clone();
    edit(&app, &p.principal, draft, 1, "p-2", json!([
        { "edit": "move", "lesson": b["id"], "to": slot(&b) },
        { "edit": "move", "lesson": a["id"], "to": { "day": free_day, "session": "afternoon", "period": free_period } }
    ])).await;
    let preview = ok(
        &app,
        &p.principal,
        "timetable_publish_preview",
        &[
            ("timetable_id", draft.to_string()),
            ("effective_from", "2026-10-12".into()),
        ],
    )
    .await;
    assert_eq!(preview["hard_conflicts"], 0);
    assert_eq!(preview["teachers"].as_array().unwrap().len(), 1);
    assert_eq!(preview["teachers"][0]["name"], "Phan Minh Khoa");
    assert_eq!(preview["classes"][0]["name"], "6A1");
    assert_eq!(preview["previous"]["version_no"], 1);
    // Publishing what the editor has not seen (an older revision) is refused.
    let (status, _) = call(
        &app,
        &p.principal,
        "publish_timetable",
        &[
            ("timetable_id", draft.to_string()),
            ("revision", "1".into()),
            ("effective_from", "2026-10-12".into()),
        ],
    )
    .await;
    assert_eq!(status, 409);
    let published = ok(
        &app,
        &p.principal,
        "publish_timetable",
        &[
            ("timetable_id", draft.to_string()),
            ("revision", "2".into()),
            ("effective_from", "2026-10-12".into()),
        ],
    )
    .await;
    assert_eq!(published["status"], "published");
    assert_eq!(published["version_no"], 2);

    // Teachers and families whose week changed have a notice; others do not.
    let notices = ok(&app, &p.math_teacher, "my_notices", &[]).await;
    assert!(
        notices
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "timetable_published" && n["detail"]["date"] == "2026-10-12")
    );
    let parent = ok(&app, &p.parent, "my_notices", &[]).await;
    assert!(
        parent
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["detail"]["date"] == "2026-10-12" && n["detail"]["class_name"] == "6A1")
    );
    let others = scalar(&app, &format!(
        "SELECT COUNT(*) FROM notices n JOIN guardian_links l ON l.guardian_id = n.recipient_id AND n.recipient_kind = 'guardian'
           JOIN class_enrollments e ON e.student_id = l.student_id
         WHERE e.class_id = {} AND n.detail LIKE '%2026-10-12%'", p.class_6a2)).await;
    assert_eq!(others, 0);
    // In each family's inbox the news is about their child in the class, so a guardian's
    // per-child choice of what reaches the phone applies to it.
    let unattached = scalar(&app, &format!(
        "SELECT COUNT(*) FROM inbox_messages m
         WHERE m.kind = 'timetable_change' AND m.recipient_kind = 'guardian' AND m.body_vi LIKE '%áp dụng từ 12/10/2026%'
           AND (m.student_id IS NULL OR m.student_id NOT IN (
                SELECT l.student_id FROM guardian_links l JOIN class_enrollments e ON e.student_id = l.student_id AND e.left_on IS NULL
                WHERE l.guardian_id = m.recipient_id AND e.class_id = {}))", p.class_6a1)).await;
    assert_eq!(unattached, 0);
    let attached = scalar(
        &app,
        "SELECT COUNT(*) FROM inbox_messages WHERE kind = 'timetable_change' AND recipient_kind = 'guardian'
           AND body_vi LIKE '%áp dụng từ 12/10/2026%'",
    )
    .await;
    assert!(attached > 0);
    // The old version stays readable; from the new date the moved lesson is marked.
    let next_week = ok(
        &app,
        &p.parent,
        "class_week",
        &[
            ("class_id", p.class_6a1.to_string()),
            ("date", "2026-10-12".into()),
        ],
    )
    .await;
    assert_eq!(next_week["days"][0]["version"]["version_no"], 2);
    let marked: Vec<Value> = next_week["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| lessons(&d["lessons"]))
        .filter(|l| l["changed"] == true)
        .collect();
    assert_eq!(marked.len(), 1);
    let this_week = ok(
        &app,
        &p.parent,
        "class_week",
        &[("class_id", p.class_6a1.to_string())],
    )
    .await;
    assert_eq!(this_week["days"][0]["version"]["version_no"], 1);
    // A published version is not edited any more.
    let (status, body) = call(
        &app,
        &p.principal,
        "apply_timetable_edits",
        &[
            ("timetable_id", draft.to_string()),
            ("base_revision", "2".into()),
            ("batch_id", "late".into()),
            (
                "edits",
                json!([{ "edit": "remove", "lesson": a["id"] }]).to_string(),
            ),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].clone()),
        (409, json!("timetable_not_draft"))
    );
}

async fn substitutions_suggest_free_teachers_of_the_subject_first_and_show_on_top(
    backend: Backend,
) {
    let app = demo(backend).await;
    let p = pilot(&app).await;
    // The informatics teacher also teaches mathematics to 9A2.
    let informatics = scalar(&app, &format!(
        "SELECT t.staff_id FROM teaching_assignments t JOIN subjects s ON s.id = t.subject_id WHERE t.school_id = {} AND s.code = 'TIN_HOC' LIMIT 1", p.school)).await;
    {
        let mut conn = app.conn().await;
        sqlx::query(&format!(
            "UPDATE teaching_assignments SET staff_id = $1 WHERE class_id = (SELECT id FROM classes WHERE school_id = {} AND name = '9A2')
               AND subject_id = (SELECT id FROM subjects WHERE school_id = {} AND code = 'TOAN')", p.school, p.school))
            .bind(informatics)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let school = p.school.to_string();
    let date = "2026-10-06".to_string();
    ok(
        &app,
        &p.principal,
        "mark_teacher_absent",
        &[
            ("school_id", school.clone()),
            ("staff_id", p.math_teacher_id.to_string()),
            ("date", date.clone()),
        ],
    )
    .await;
    let plan = ok(
        &app,
        &p.principal,
        "substitution_day",
        &[("school_id", school.clone()), ("date", date.clone())],
    )
    .await;
    let absence = &plan["absences"][0];
    assert_eq!(absence["name"], "Phan Minh Khoa");
    let affected = lessons(&absence["lessons"]);
    assert!(!affected.is_empty());
    let mut offered_same_subject = false;
    for lesson in &affected {
        let candidates = lessons(&lesson["candidates"]);
        assert!(
            candidates
                .iter()
                .all(|c| c["staff_id"] != json!(p.math_teacher_id))
        );
        if candidates.iter().any(|c| c["same_subject"] == true) {
            assert_eq!(
                candidates[0]["same_subject"], true,
                "same subject first: {candidates:?}"
            );
            assert_eq!(candidates[0]["staff_id"], json!(informatics));
            offered_same_subject = true;
        }
    }
    assert!(offered_same_subject);

    // A teacher who teaches at that time cannot take it.
    let first = &affected[0];
    let busy = scalar(&app, &format!(
        "SELECT l.staff_id FROM timetable_lessons l JOIN timetable_lessons m ON m.id = {}
         WHERE l.timetable_id = m.timetable_id AND l.day = m.day AND l.session = m.session AND l.period = m.period
           AND l.staff_id <> m.staff_id LIMIT 1", first["lesson_id"])).await;
    let (status, body) = call(
        &app,
        &p.principal,
        "choose_substitute",
        &[
            ("school_id", school.clone()),
            ("date", date.clone()),
            ("lesson_id", first["lesson_id"].to_string()),
            ("substitute", busy.to_string()),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].clone()),
        (409, json!("substitute_not_free"))
    );

    // The first lesson goes to the best candidate; the second is not held.
    let substitute = first["candidates"][0]["staff_id"].as_i64().unwrap();
    ok(
        &app,
        &p.principal,
        "choose_substitute",
        &[
            ("school_id", school.clone()),
            ("date", date.clone()),
            ("lesson_id", first["lesson_id"].to_string()),
            ("substitute", substitute.to_string()),
        ],
    )
    .await;
    if let Some(second) = affected.get(1) {
        ok(
            &app,
            &p.principal,
            "choose_substitute",
            &[
                ("school_id", school.clone()),
                ("date", date.clone()),
                ("lesson_id", second["lesson_id"].to_string()),
            ],
        )
        .await;
    }
    // Families see nothing until the day's changes are published.
    let class_of_first = scalar(
        &app,
        &format!(
            "SELECT class_id FROM timetable_lessons WHERE id = {}",
            first["lesson_id"]
        ),
    )
    .await;
    let before = ok(
        &app,
        &p.principal,
        "class_week",
        &[
            ("class_id", class_of_first.to_string()),
            ("date", date.clone()),
        ],
    )
    .await;
    assert!(
        lessons(&before["days"][0]["lessons"])
            .iter()
            .all(|l| l["change"].is_null())
    );
    let published = ok(
        &app,
        &p.principal,
        "publish_substitutions",
        &[("school_id", school.clone()), ("date", date.clone())],
    )
    .await;
    assert_eq!(published, json!(affected.len().min(2)));
    let after = ok(
        &app,
        &p.principal,
        "class_week",
        &[
            ("class_id", class_of_first.to_string()),
            ("date", date.clone()),
        ],
    )
    .await;
    let changed = lessons(&after["days"][0]["lessons"])
        .into_iter()
        .find(|l| l["lesson_id"] == first["lesson_id"])
        .unwrap();
    assert_eq!(changed["change"]["change"], "substitute");
    // The substitute's own week shows the lesson they cover; no new version was made.
    let theirs = ok(
        &app,
        &p.principal,
        "teacher_week",
        &[("staff_id", substitute.to_string()), ("date", date.clone())],
    )
    .await;
    assert!(
        lessons(&theirs["days"][0]["lessons"])
            .iter()
            .any(|l| l["change"]["change"] == "covering")
    );
    assert_eq!(
        scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM timetables WHERE school_id = {}",
                p.school
            )
        )
        .await,
        1
    );
    let notices = scalar(&app, &format!(
        "SELECT COUNT(*) FROM notices WHERE kind = 'substitution' AND recipient_kind = 'staff' AND recipient_id = {substitute} AND detail LIKE '%2026-10-06%'")).await;
    assert_eq!(notices, 1);
}

async fn calendar_feeds_work_behind_their_secret_until_revoked(backend: Backend) {
    let app = demo(backend).await;
    let p = pilot(&app).await;
    let feed = ok(
        &app,
        &p.parent,
        "create_class_feed",
        &[("class_id", p.class_6a1.to_string())],
    )
    .await;
    let url = feed["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&app.base_url) && url.ends_with(".ics"),
        "{url}"
    );
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.ends_with("END:VCALENDAR\r\n"));
    assert!(
        text.split("\r\n").all(|line| line.len() <= 75),
        "a line is longer than 75 octets"
    );
    assert_eq!(text.matches("RRULE:FREQ=WEEKLY").count(), 29);
    let listed = ok(&app, &p.parent, "my_feeds", &[]).await;
    assert_eq!(listed[0]["title"], "6A1");

    // A wrong secret is a 404, as is anything after revoking; only the owner revokes.
    let wrong = url.replace(".ics", "0.ics");
    assert_eq!(reqwest::get(&wrong).await.unwrap().status(), 404);
    let id = feed["id"].to_string();
    assert_eq!(
        call(
            &app,
            &p.principal,
            "revoke_feed",
            &[("feed_id", id.clone())]
        )
        .await
        .0,
        403
    );
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
    ok(&app, &p.parent, "revoke_feed", &[("feed_id", id)]).await;
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);

    // A feed stops when its owner may no longer see the week (the school revoked her link).
    let again = ok(
        &app,
        &p.parent,
        "create_class_feed",
        &[("class_id", p.class_6a1.to_string())],
    )
    .await;
    let again = again["url"].as_str().unwrap().to_string();
    assert_eq!(reqwest::get(&again).await.unwrap().status(), 200);
    {
        let mut conn = app.conn().await;
        sqlx::query(&format!("UPDATE guardian_links SET status = 'revoked' WHERE student_id IN (SELECT student_id FROM class_enrollments WHERE class_id = {})", p.class_6a1))
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    assert_eq!(reqwest::get(&again).await.unwrap().status(), 404);
    // A teacher's feed has their own week.
    let teacher = ok(
        &app,
        &p.math_teacher,
        "create_teacher_feed",
        &[("staff_id", p.math_teacher_id.to_string())],
    )
    .await;
    let text = reqwest::get(teacher["url"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text.matches("RRULE:FREQ=WEEKLY").count(), 32);
}

async fn a_fet_timetable_is_imported_as_a_draft_after_its_mapping_is_reviewed(backend: Backend) {
    let app = demo(backend).await;
    let p = pilot(&app).await;
    let content = std::fs::read_to_string(
        crate::support::workspace_root()
            .join("app/src/timetable/fixtures/thcs-thu-nghiem_data_and_timetable.fet"),
    )
    .unwrap();
    let school = p.school.to_string();
    let preview = ok(
        &app,
        &p.principal,
        "fet_preview",
        &[
            ("school_id", school.clone()),
            ("content", content.clone()),
            ("semester", "1".into()),
        ],
    )
    .await;
    assert!(preview["problem"].is_null(), "{}", preview["problem"]);
    assert_eq!(preview["institution"], "Trường THCS Thử Nghiệm");
    let unmatched = &preview["unmatched"];
    assert!(
        unmatched["teachers"]
            .as_array()
            .unwrap()
            .contains(&json!("Nguyễn Văn An"))
    );
    assert!(
        unmatched["classes"]
            .as_array()
            .unwrap()
            .contains(&json!("6A"))
    );
    // Nothing is saved by a preview.
    assert_eq!(
        scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM timetables WHERE school_id = {}",
                p.school
            )
        )
        .await,
        1
    );

    // The reviewer maps what was not matched: FET's classes and teachers to the school's.
    let mut mapping = preview["mapping"].clone();
    let options = &preview["options"];
    let pick = |kind: &str, name: &str| -> Value {
        options[kind]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o[1] == json!(name))
            .map(|o| o[0].clone())
            .unwrap()
    };
    for entry in mapping["classes"].as_array_mut().unwrap() {
        let to = match entry["name"].as_str().unwrap() {
            "6A" => "6A1",
            "6B" => "6A2",
            _ => "9A1",
        };
        entry["matched"] = pick("classes", to);
    }
    let teachers = options["teachers"].as_array().unwrap().clone();
    for (index, entry) in mapping["teachers"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        if entry["matched"].is_null() {
            entry["matched"] = teachers[index % teachers.len()][0].clone();
        }
    }
    let subjects = options["subjects"].as_array().unwrap().clone();
    for (index, entry) in mapping["subjects"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        if entry["matched"].is_null() {
            entry["matched"] = subjects[index % subjects.len()][0].clone();
        }
    }
    let reviewed = ok(
        &app,
        &p.principal,
        "fet_preview",
        &[
            ("school_id", school.clone()),
            ("content", content.clone()),
            ("mapping", mapping.to_string()),
            ("semester", "1".into()),
        ],
    )
    .await;
    assert_eq!(reviewed["unmatched"]["classes"], json!([]));
    assert_eq!(reviewed["unmatched"]["teachers"], json!([]));
    let expected = reviewed["lesson_count"].as_u64().unwrap();
    assert_eq!(
        expected, 75,
        "3 classes × 25 placed activities (doubles stay one lesson)"
    );

    let id = ok(
        &app,
        &p.principal,
        "fet_apply",
        &[
            ("school_id", school),
            ("content", content),
            ("mapping", mapping.to_string()),
            ("semester", "1".into()),
            ("name", "Nhập từ FET".into()),
        ],
    )
    .await;
    let data = ok(
        &app,
        &p.principal,
        "timetable_editor",
        &[("timetable_id", id.to_string())],
    )
    .await;
    assert_eq!(data["meta"]["status"], "draft");
    assert_eq!(data["meta"]["source"], "fet");
    assert_eq!(lessons(&data["lessons"]).len() as u64, expected);
    // The draft is checked like any other: 9A studied afternoons in FET, 9A1 mornings here.
    let school_model: app::timetable::rules::School =
        serde_json::from_value(data["school"].clone()).unwrap();
    let timetable = Timetable {
        semester: Semester::First,
        lessons: serde_json::from_value(data["lessons"].clone()).unwrap(),
    };
    let conflicts = rules::check(
        &school_model,
        &serde_json::from_value(data["settings"].clone()).unwrap(),
        &timetable,
    )
    .unwrap();
    assert!(
        conflicts
            .iter()
            .any(|c| c.kind == rules::ConflictKind::OutsideClassSession)
    );
    assert_eq!(
        reviewed["hard_conflicts"].as_u64().unwrap() as usize,
        conflicts.iter().filter(|c| c.is_hard()).count()
    );
}

on_both_backends!(
    the_demo_school_week_is_published_without_hard_conflicts_and_seen_by_its_people,
    edits_apply_once_and_concurrent_editors_never_overwrite_each_other,
    publishing_is_refused_while_a_hard_conflict_remains_and_then_notifies,
    substitutions_suggest_free_teachers_of_the_subject_first_and_show_on_top,
    calendar_feeds_work_behind_their_secret_until_revoked,
    a_fet_timetable_is_imported_as_a_draft_after_its_mapping_is_reviewed,
);
