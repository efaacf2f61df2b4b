//! Records in the browser, on a phone (360×740) and a desktop (1366×768): the school office imports a ministry file
//! (a file that is not Excel, then one with bad rows: each refusal is explained in Vietnamese and
//! English and nothing is written; then the good file, previewed and applied), and a guardian
//! reads her family's data page, gives and withdraws a consent and downloads the data.

use app::platform::db::Backend;
use fantoccini::Locator;
use serde_json::json;

use crate::records::{Cell, intake_file, scalar, t, workbook};
use crate::support::browser::{Browser, DESKTOP, PHONE, demo_login};
use crate::support::{site_root, spawn_app};

/// Four rows, three of them bad: an impossible date (row 3), an unreadable sex (row 4) and a
/// class the school does not have (row 5).
fn file_with_bad_rows() -> Vec<u8> {
    let headers = ["Họ tên", "Ngày sinh", "Giới tính", "Mã học sinh", "Mã lớp"];
    let rows = vec![
        vec![
            t("Lê Thị Mai"),
            t("02/03/2015"),
            t("Nữ"),
            t("7000018001"),
            t("6A1"),
        ],
        vec![
            t("Lê Thị Hoa"),
            t("31/02/2015"),
            t("Nữ"),
            t("7000018002"),
            t("6A1"),
        ],
        vec![
            t("Trần Văn Lý"),
            t("02/03/2015"),
            t("X"),
            t("7000018003"),
            t("6A1"),
        ],
        vec![
            t("Vũ Thị Na"),
            Cell::Date(time::macros::date!(2015 - 04 - 05)),
            t("Nữ"),
            t("7000018004"),
            t("9Z9"),
        ],
    ];
    workbook(None, &headers, &rows)
}

async fn choose_file(browser: &Browser, bytes: &[u8], dir: &std::path::Path, name: &str) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let input = browser.wait_for("input[data-input='file']").await;
    input.clear().await.ok();
    input.send_keys(&path.display().to_string()).await.unwrap();
}

async fn page_width(browser: &Browser) -> serde_json::Value {
    browser
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap()
}

async fn written(app: &crate::support::TestApp) -> (i64, i64, i64) {
    (
        scalar(app, "SELECT COUNT(*) FROM students").await,
        scalar(app, "SELECT COUNT(*) FROM guardians").await,
        scalar(app, "SELECT COUNT(*) FROM class_enrollments").await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_imports_a_ministry_file_on_a_phone_bad_files_are_explained_and_write_nothing() {
    the_office_imports_a_ministry_file(PHONE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_imports_a_ministry_file_on_a_desktop_bad_files_are_explained_and_write_nothing()
{
    the_office_imports_a_ministry_file(DESKTOP).await;
}

async fn the_office_imports_a_ministry_file(screen: (u32, u32)) {
    let _ = site_root();
    let mut app = spawn_app(Backend::Sqlite).await;
    let browser = Browser::launch(screen).await;
    let files = tempfile::tempdir().unwrap();
    demo_login(&browser, &app.base_url, "clerk").await;
    browser
        .wait_for("a[data-link='records']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("[data-page='records']").await;
    browser
        .wait_for("a[data-link='import']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for("[data-page='import'][data-interactive='true']")
        .await;
    let before = written(&app).await;

    // Not an Excel file at all: one clear refusal, in both languages.
    choose_file(
        &browser,
        b"STT;Ho ten\n1;Le Van A\n",
        files.path(),
        "ds.xlsx",
    )
    .await;
    browser
        .wait_for("button[data-action='preview']")
        .await
        .click()
        .await
        .unwrap();
    let refusal = browser
        .text("[data-import-error='records_file_unreadable'] [role='alert']")
        .await;
    assert!(refusal.contains("Không đọc được tệp"), "{refusal}");
    assert!(refusal.contains("The file cannot be read"), "{refusal}");
    assert_eq!(written(&app).await, before);

    // Three bad rows: each is named with its column and reason (Vietnamese, then English), and
    // the page offers no way to apply the file.
    choose_file(
        &browser,
        &file_with_bad_rows(),
        files.path(),
        "lop6-loi.xlsx",
    )
    .await;
    browser
        .wait_for("button[data-action='preview']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for("[data-section='import-result'][data-errors='3']")
        .await;
    let date_row = browser.text("tr[data-error-row='3']").await;
    assert!(date_row.contains("Ngày không hợp lệ"), "{date_row}");
    assert!(date_row.contains("The date is not valid"), "{date_row}");
    let sex_row = browser.text("tr[data-error-row='4']").await;
    assert!(
        sex_row.contains("Giới tính phải là Nam hoặc Nữ"),
        "{sex_row}"
    );
    let class_row = browser.text("tr[data-error-row='5']").await;
    assert!(class_row.contains("Không có lớp này"), "{class_row}");
    assert!(class_row.contains("no such class"), "{class_row}");
    assert!(
        browser
            .client
            .find(Locator::Css("tr[data-error-row='2']"))
            .await
            .is_err(),
        "the good row is not blamed"
    );
    assert!(
        browser
            .client
            .find(Locator::Css("button[data-action='apply']"))
            .await
            .is_err()
    );
    assert_eq!(written(&app).await, before, "a preview writes nothing");
    assert_eq!(
        page_width(&browser).await,
        json!(screen.0),
        "the error table scrolls inside the screen's width"
    );

    // The good file: the preview counts five new students and writes nothing; applying adds them.
    choose_file(
        &browser,
        &intake_file("79000701"),
        files.path(),
        "lop6.xlsx",
    )
    .await;
    browser
        .wait_for("button[data-action='preview']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for("[data-section='import-result'][data-errors='0'][data-applied='false']")
        .await;
    assert_eq!(browser.text("[data-count='added']").await, "5");
    assert_eq!(written(&app).await, before);
    browser
        .wait_for("button[data-action='apply']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("[data-import-applied='true']").await;
    assert_eq!(written(&app).await.0, before.0 + 5);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM students WHERE moet_code = '7000018001'"
        )
        .await,
        0,
        "nothing of the bad file was kept"
    );
    assert_eq!(page_width(&browser).await, json!(screen.0));
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guardian_on_a_phone_sees_her_familys_data_gives_and_withdraws_a_consent_and_downloads_it()
 {
    let _ = site_root();
    let mut app = spawn_app(Backend::Sqlite).await;
    let browser = Browser::phone().await;
    demo_login(&browser, &app.base_url, "guardian").await;
    browser
        .wait_for("a[data-link='family-data']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for("[data-page='family-data'][data-interactive='true']")
        .await;
    let children = browser
        .client
        .find_all(Locator::Css("[data-family-child]"))
        .await
        .unwrap();
    assert_eq!(children.len(), 2, "her two children, nobody else's");

    // Give a consent, then withdraw it; the page shows each state as the school records it.
    let first = browser
        .wait_for("li[data-consent][data-given='false']")
        .await;
    let consent = first.attr("data-consent").await.unwrap().unwrap();
    first
        .find(Locator::Css("button[data-action='give']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for(&format!(
            "li[data-consent='{consent}'][data-given='true'] button[data-action='withdraw']"
        ))
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for(&format!("li[data-consent='{consent}'][data-given='false']"))
        .await;
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM consents WHERE withdrawn_at IS NOT NULL"
        )
        .await,
        1
    );

    // The download holds the family's data, with the withdrawal in it. The page's CSP keeps
    // even the test from fetching the blob: URL, so the test keeps the Blob the page saves.
    browser
        .client
        .execute(
            "const save = URL.createObjectURL;\
             URL.createObjectURL = blob => { window.__savedBlob = blob; return save.call(URL, blob); };",
            vec![],
        )
        .await
        .unwrap();
    browser
        .wait_for("button[data-action='download-json']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("a[data-download='family-json']").await;
    browser.wait_for("[data-downloaded='true']").await;
    let data = browser
        .run_async(
            "window.__savedBlob.text().then(t => done(JSON.parse(t)), e => done({ failed: String(e) }))",
        )
        .await;
    assert!(
        data.get("failed").is_none(),
        "the download reads back: {data}"
    );
    assert_eq!(data["guardian"]["name"], "Nguyễn Thị Lan");
    assert_eq!(data["children"].as_array().unwrap().len(), 2);
    let withdrawn = data["consents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["withdrawn_at"].is_number())
        .count();
    assert_eq!(withdrawn, 1);
    assert_eq!(page_width(&browser).await, json!(360));
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_drills_down_from_the_progress_figures_to_a_class_list_to_call_on_a_phone() {
    let _ = site_root();
    let mut app = spawn_app(Backend::Sqlite).await;
    let browser = Browser::phone().await;
    demo_login(&browser, &app.base_url, "clerk").await;
    browser
        .wait_for("a[data-link='progress']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("[data-page='progress']").await;
    let excel = browser.attr("a[data-excel='progress']", "href").await;
    assert!(excel.starts_with("/desk/progress/xlsx?school="), "{excel}");
    let height = browser.height("a[data-drill='7A1']").await;
    assert!(height >= 44.0, "{height}");
    let link = browser.wait_for("a[data-drill='7A1']").await;
    link.click().await.unwrap();

    // The class's list: as many rows as the class has guardians and teachers not verified.
    let shown: i64 = browser
        .attr("[data-page='follow-up'] [data-missing]", "data-missing")
        .await
        .parse()
        .unwrap();
    let class = "(SELECT id FROM classes WHERE name = '7A1' AND school_id = (SELECT id FROM schools WHERE moet_code = '79000701'))";
    let guardians = scalar(
        &app,
        &format!("SELECT COUNT(*) FROM guardian_links l JOIN class_enrollments e ON e.student_id = l.student_id AND e.left_on IS NULL WHERE e.class_id = {class} AND l.status IN ('unverified', 'pending')"),
    )
    .await;
    let teachers = scalar(
        &app,
        &format!("SELECT COUNT(DISTINCT t.staff_id) FROM teaching_assignments t JOIN staff_roles r ON r.staff_id = t.staff_id AND r.role = 'teacher' WHERE t.class_id = {class} AND t.staff_id NOT IN (SELECT staff_id FROM staff_verifications)"),
    )
    .await;
    assert_eq!(shown, guardians + teachers);
    let rows = browser
        .client
        .find_all(Locator::Css("[data-report='chua-xac-thuc'] tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len() as i64, shown);
    let excel = browser.attr("a[data-excel='follow-up']", "href").await;
    assert!(excel.starts_with("/desk/follow-up/xlsx?school="), "{excel}");
    assert!(excel.contains("&class="), "{excel}");
    let height = browser.height("button[data-action='print']").await;
    assert!(height >= 44.0, "{height}");
    // What sticks out, if anything (for the failure message).
    let wide = browser
        .client
        .execute(
            "return Array.from(document.querySelectorAll('body *'))
               .filter((e) => e.getBoundingClientRect().right > 361)
               .slice(0, 6)
               .map((e) => e.tagName + '.' + e.className);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        page_width(&browser).await,
        json!(360),
        "the list scrolls inside the phone's width {wide}"
    );
    browser.close().await;
    app.stop().await;
}
