//! Timetables in Chromium: the principal (the school's timetabler) edits on a tablet and sees a
//! conflict the moment it is made, publishing is refused until it is fixed; a student and a parent
//! see the published week on their phones.

use app::platform::db::Backend;
use fantoccini::Locator;
use serde_json::{Value, json};

use super::{Caller, PILOT, demo, ok, pilot, scalar};
use crate::support::browser::{Browser, TABLET};
use crate::support::{TestApp, site_root};

/// Gives the browser the caller's session (as a login would) and opens `path`.
async fn open_as(browser: &Browser, app: &TestApp, caller: &Caller, path: &str) {
    for pair in caller.cookie.split("; ") {
        let (name, value) = pair.split_once('=').unwrap();
        browser
            .cdp(
                "Network.setCookie",
                json!({ "name": name, "value": value, "url": app.url("/"), "path": "/" }),
            )
            .await;
    }
    browser.client.goto(&app.url(path)).await.unwrap();
}

fn cell(lesson: &Value) -> String {
    format!(
        "[data-cell='{}-{}-{}']",
        lesson["day"].as_str().unwrap(),
        lesson["session"].as_str().unwrap(),
        lesson["period"]
    )
}

/// Taps an element, scrolled to the middle of the screen first (the sticky top bar would cover
/// one at the top edge, as it would a finger).
async fn tap(browser: &Browser, css: &str) {
    let element = browser.wait_for(css).await;
    browser
        .client
        .execute(
            "arguments[0].scrollIntoView({ block: 'center' })",
            vec![serde_json::to_value(&element).unwrap()],
        )
        .await
        .unwrap();
    element.click().await.unwrap();
}

/// Waits until the editor has sent everything and shows the revision and hard conflict count.
async fn editor_settled(browser: &Browser, revision: i64, hard: usize) {
    browser
        .wait_for(&format!(
            "[data-page='editor'][data-sync='saved'][data-revision='{revision}'][data-hard='{hard}']"
        ))
        .await;
}

/// Heights of the visible elements matching `css`, the smallest first.
async fn smallest_height(browser: &Browser, css: &str) -> f64 {
    browser
        .client
        .execute(
            "return Math.min(...Array.from(document.querySelectorAll(arguments[0]))
                .filter(e => e.offsetParent !== null)
                .map(e => e.getBoundingClientRect().height));",
            vec![json!(css)],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timetabler_sees_a_double_booked_teacher_while_editing_on_a_tablet_and_cannot_publish_until_it_is_fixed()
 {
    let _ = site_root();
    let mut app = demo(Backend::Sqlite).await;
    let p = pilot(&app).await;
    let version = scalar(
        &app,
        &format!("SELECT id FROM timetables WHERE school_id = {PILOT} AND version_no = 1"),
    )
    .await;
    let draft = ok(
        &app,
        &p.principal,
        "create_timetable_draft",
        &[
            ("school_id", p.school.to_string()),
            ("semester", "1".into()),
            ("name", "Học kỳ I — điều chỉnh".into()),
            ("copy_from", version.to_string()),
        ],
    )
    .await
    .as_i64()
    .unwrap();
    let data = ok(
        &app,
        &p.principal,
        "timetable_editor",
        &[("timetable_id", draft.to_string())],
    )
    .await;
    let all = data["lessons"].as_array().unwrap().clone();
    let math = |class: i64| {
        all.iter()
            .find(|l| l["class"] == json!(class) && l["teacher"] == json!(p.math_teacher_id))
            .cloned()
            .unwrap()
    };
    let (math_6a1, math_6a2) = (math(p.class_6a1), math(p.class_6a2));
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    let free_6a1 = days
        .iter()
        .flat_map(|day| (1..=5).map(move |period| (*day, period)))
        .find(|(day, period)| {
            !all.iter().any(|l| {
                l["class"] == json!(p.class_6a1)
                    && l["day"] == json!(day)
                    && l["session"] == json!("afternoon")
                    && l["period"] == json!(period)
            })
        })
        .map(|(day, period)| format!("[data-cell='{day}-afternoon-{period}']"))
        .unwrap();

    let browser = Browser::launch(TABLET).await;
    open_as(
        &browser,
        &app,
        &p.principal,
        &format!("/timetable/edit/{draft}"),
    )
    .await;
    browser
        .wait_for("[data-page='editor'][data-editor-ready='true']")
        .await;
    editor_settled(&browser, 0, 0).await;
    // Cells, lesson chips and conflict buttons are big enough for a finger.
    assert!(smallest_height(&browser, ".tt-cell").await >= 44.0);
    assert!(smallest_height(&browser, ".tt-chip").await >= 44.0);

    // In 6A2's week, its mathematics goes to the time the teacher has 6A1.
    tap(&browser, "button[data-view-class='6A2']").await;
    browser
        .wait_for("button[data-view-class='6A2'][aria-pressed='true']")
        .await;
    tap(&browser, &cell(&math_6a2)).await;
    tap(&browser, &cell(&math_6a1)).await;

    // The conflict shows at once, names the teacher, and marks the cell.
    let double_booked = "[data-section='conflicts'] li[data-conflict-kind='teacher_double_booked'][data-severity='hard']";
    browser.wait_for(double_booked).await;
    let mut texts = Vec::new();
    for conflict in browser
        .client
        .find_all(Locator::Css(double_booked))
        .await
        .unwrap()
    {
        texts.push(conflict.text().await.unwrap());
    }
    assert!(
        texts.iter().any(|t| t.contains("Phan Minh Khoa")),
        "a conflict names the teacher: {texts:?}"
    );
    browser
        .wait_for(&format!("{}[data-conflict='hard']", cell(&math_6a1)))
        .await;
    assert!(smallest_height(&browser, ".tt-conflict-button").await >= 44.0);

    // Publishing is refused while it remains; the draft stays a draft.
    let hard: usize = browser
        .attr(
            "[data-page='editor'][data-sync='saved'][data-revision='1']",
            "data-hard",
        )
        .await
        .parse()
        .unwrap();
    assert!(hard >= 1);
    tap(&browser, "button[data-action='publish']").await;
    browser
        .wait_for("[data-section='publish'] [data-error-code='timetable_has_hard_conflicts']")
        .await;
    let drafts = scalar(
        &app,
        &format!("SELECT COUNT(*) FROM timetables WHERE id = {draft} AND status = 'draft'"),
    )
    .await;
    assert_eq!(drafts, 1);

    // Fixed: 6A2's mathematics goes back; 6A1's moves into its free period instead.
    tap(&browser, &cell(&math_6a1)).await;
    tap(&browser, &cell(&math_6a2)).await;
    editor_settled(&browser, 2, 0).await;
    tap(&browser, "button[data-view-class='6A1']").await;
    browser
        .wait_for("button[data-view-class='6A1'][aria-pressed='true']")
        .await;
    tap(&browser, &cell(&math_6a1)).await;
    tap(&browser, &free_6a1).await;
    editor_settled(&browser, 3, 0).await;
    browser.wait_for(&format!("{free_6a1}[data-lesson]")).await;

    // What changes is shown before publishing: the teacher's week and 6A1's.
    tap(&browser, "button[data-action='preview']").await;
    browser
        .wait_for("[data-preview][data-preview-hard='0'] [data-changes-for='Phan Minh Khoa']")
        .await;
    browser
        .wait_for("[data-preview] [data-changes-for='6A1']")
        .await;
    tap(&browser, "button[data-action='publish']").await;
    browser.wait_for("[data-published='2']").await;
    let published = scalar(
        &app,
        &format!(
            "SELECT COUNT(*) FROM timetables WHERE id = {draft} AND status = 'published' AND version_no = 2"
        ),
    )
    .await;
    assert_eq!(published, 1);
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_and_a_parent_see_the_published_week_on_their_phones() {
    let _ = site_root();
    let mut app = demo(Backend::Sqlite).await;
    let p = pilot(&app).await;

    // The student: from the home page to the week, today first, with today's substitute.
    let browser = Browser::phone().await;
    open_as(&browser, &app, &p.student, "/student").await;
    tap(&browser, "[data-section='timetable'] a[data-week='me']").await;
    browser
        .wait_for("[data-page='week'][data-week-title='6A1']")
        .await;
    let days = browser
        .client
        .find_all(Locator::Css("section.tt-day"))
        .await
        .unwrap();
    assert_eq!(days.len(), 6, "six school days");
    assert_eq!(
        days[0].attr("data-date").await.unwrap().as_deref(),
        Some("2026-10-05")
    );
    assert_eq!(
        days[0].attr("data-today").await.unwrap().as_deref(),
        Some("true")
    );
    let lessons = browser
        .client
        .find_all(Locator::Css("section.tt-day .tt-lesson-row"))
        .await
        .unwrap();
    assert_eq!(lessons.len(), 29, "6A1's 29 periods a week");
    let substitute = browser
        .wait_for(".tt-lesson-row[data-change='substitute']")
        .await;
    assert!(substitute.text().await.unwrap().contains("Dạy thay"));
    let width = browser
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap();
    assert_eq!(width, json!(360), "nothing wider than the phone");
    assert!(smallest_height(&browser, ".tt-lesson-row").await >= 44.0);
    browser.close().await;

    // The parent: her child's class from her home page.
    let browser = Browser::phone().await;
    open_as(&browser, &app, &p.parent, "/guardian").await;
    tap(&browser, "[data-section='timetable'] a[data-week='6A1']").await;
    browser
        .wait_for("[data-page='week'][data-week-title='6A1']")
        .await;
    browser
        .wait_for("section.tt-day[data-today='true'] .tt-lesson-row")
        .await;
    let width = browser
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap();
    assert_eq!(width, json!(360), "nothing wider than the phone");
    browser.close().await;
    app.stop().await;
}

/// How many lessons the draft holds in the database (`extra` narrows them down).
async fn lessons_in(app: &TestApp, draft: i64, extra: &str) -> i64 {
    scalar(
        app,
        &format!("SELECT COUNT(*) FROM timetable_lessons WHERE timetable_id = {draft} {extra}"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_class_week_is_built_by_tapping_on_a_tablet_and_a_lesson_placed_offline_arrives_after_reconnecting()
 {
    let _ = site_root();
    let mut app = demo(Backend::Sqlite).await;
    let p = pilot(&app).await;
    // An empty draft: every lesson of the week waits in the tray.
    let draft = ok(
        &app,
        &p.principal,
        "create_timetable_draft",
        &[
            ("school_id", p.school.to_string()),
            ("semester", "1".into()),
            ("name", "Học kỳ I — xếp mới".into()),
        ],
    )
    .await
    .as_i64()
    .unwrap();
    assert_eq!(lessons_in(&app, draft, "").await, 0);

    let browser = Browser::launch(TABLET).await;
    open_as(
        &browser,
        &app,
        &p.principal,
        &format!("/timetable/edit/{draft}"),
    )
    .await;
    browser
        .wait_for("[data-page='editor'][data-editor-ready='true']")
        .await;
    // Every subject of every class is below its weekly count: hard conflicts, one per subject.
    let hard_at_first: usize = browser
        .attr(
            "[data-page='editor'][data-sync='saved'][data-revision='0']",
            "data-hard",
        )
        .await
        .parse()
        .unwrap();
    assert!(hard_at_first > 0);
    tap(&browser, "button[data-view-class='6A1']").await;
    browser
        .wait_for("button[data-view-class='6A1'][aria-pressed='true']")
        .await;

    // A subject with four periods a week (the most of any), and the first period of four school days
    // in 6A1's session.
    let chosen = browser
        .client
        .execute(
            "const chips = Array.from(document.querySelectorAll('.tt-tray-chip'));
             chips.sort((a, b) => Number(b.dataset.remaining) - Number(a.dataset.remaining));
             const days = ['monday', 'tuesday', 'wednesday', 'thursday'];
             const cells = days.map((day) => document.querySelector(`.tt-grid [data-day='${day}'][data-period='1']`).dataset.cell);
             return { subject: chips[0].dataset.traySubject, remaining: Number(chips[0].dataset.remaining), cells };",
            vec![],
        )
        .await
        .unwrap();
    let subject = chosen["subject"].as_str().unwrap().to_string();
    let remaining = chosen["remaining"].as_i64().unwrap();
    assert_eq!(remaining, 4, "{chosen}");
    let cells: Vec<String> = chosen["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("[data-cell='{}']", c.as_str().unwrap()))
        .collect();
    let chip = format!(".tt-tray-chip[data-tray-subject='{subject}']");

    // Tap the lesson in the tray, then a cell — three times; the tray counts down and each
    // lesson is saved as it is placed.
    tap(&browser, &chip).await;
    browser
        .wait_for(&format!("{chip}[aria-pressed='true']"))
        .await;
    for (placed, cell) in cells[..3].iter().enumerate() {
        tap(&browser, cell).await;
        browser
            .wait_for(&format!("{cell}[data-lesson][data-subject='{subject}']"))
            .await;
        browser
            .wait_for(&format!(
                "{chip}[data-remaining='{}']",
                remaining - placed as i64 - 1
            ))
            .await;
    }
    // Three of its four periods placed: the subject is still short, so its conflict stays.
    editor_settled(&browser, 3, hard_at_first).await;
    assert_eq!(lessons_in(&app, draft, "").await, 3);

    // The connection drops: the fourth lesson is placed on the tablet and waits there.
    app.stop().await;
    tap(&browser, &cells[3]).await;
    browser
        .wait_for(&format!(
            "{}[data-lesson][data-subject='{subject}']",
            cells[3]
        ))
        .await;
    browser
        .wait_for("[data-page='editor'][data-sync='offline'][data-pending='1'][data-revision='3']")
        .await;
    let waiting = browser
        .client
        .execute(
            "return Object.keys(localStorage).filter((k) => k.startsWith('truongso.timetable.outbox.')).length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(waiting, json!(1), "the unsent edit is kept on the device");

    // The fourth period placed, the subject has its weekly count: one conflict fewer, and the
    // lesson leaves the tray.
    browser
        .wait_for(&format!(
            "[data-page='editor'][data-hard='{}']",
            hard_at_first - 1
        ))
        .await;
    assert!(
        browser
            .client
            .find_all(Locator::Css(&chip))
            .await
            .unwrap()
            .is_empty()
    );

    // The connection returns: the edit arrives once, and the device forgets it.
    app.restart().await;
    editor_settled(&browser, 4, hard_at_first - 1).await;
    browser
        .wait_for("[data-page='editor'][data-pending='0']")
        .await;
    assert_eq!(lessons_in(&app, draft, "").await, 4);
    let (day, period) = cells[3]
        .trim_start_matches("[data-cell='")
        .trim_end_matches("']")
        .split_once('-')
        .map(|(day, rest)| {
            (
                day.to_string(),
                rest.rsplit('-').next().unwrap().to_string(),
            )
        })
        .unwrap();
    assert_eq!(
        lessons_in(
            &app,
            draft,
            &format!(
                "AND class_id = {} AND day = '{day}' AND period = {period}",
                p.class_6a1
            )
        )
        .await,
        1
    );
    let waiting = browser
        .client
        .execute(
            "return Object.keys(localStorage).filter((k) => k.startsWith('truongso.timetable.outbox.')).length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(waiting, json!(0));
    browser.close().await;
    app.stop().await;
}
