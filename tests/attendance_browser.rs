//! Headless Chromium on a phone (360×740): the roll call taken offline, the family told, leave
//! asked and approved, and a push shown by the service worker.

use app::platform::db::Backend;
use serde_json::json;

use crate::attendance::{family, school_day};
use crate::support::browser::{Browser, demo_login};
use crate::support::{site_root, spawn_app};

/// Logs in through the demo provider as `role` and, when asked, acts as `persona`.
async fn log_in(browser: &Browser, base: &str, role: &str, persona: &str) {
    demo_login(browser, base, role).await;
    let home = browser
        .wait_for(&format!(
            "button[data-persona='{persona}'], [data-page='{persona}-home']"
        ))
        .await;
    if home.attr("data-persona").await.unwrap().is_some() {
        home.click().await.unwrap();
        browser
            .wait_for(&format!("[data-page='{persona}-home']"))
            .await;
    }
}

/// Waits until the service worker controls the page (it keeps pages and receives pushes).
async fn service_worker_controls(browser: &Browser) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roll_call_taken_offline_syncs_and_the_guardian_reads_it_then_asks_leave_and_sees_it_approved()
 {
    let _ = site_root();
    let mut app = spawn_app(Backend::Sqlite).await;
    let f = family(&app).await;

    // The homeroom teacher's phone loses the connection during the roll call.
    let teacher = Browser::phone().await;
    log_in(&teacher, &app.base_url, "teacher", "staff").await;
    service_worker_controls(&teacher).await;
    teacher
        .client
        .goto(&app.url(&format!("/staff/class/{}/roll-call", f.class_id)))
        .await
        .unwrap();
    teacher
        .wait_for("[data-page='roll-call'][data-interactive='true']")
        .await;
    app.stop().await;
    let line = format!("button[data-student='{}']", f.child_id);
    teacher.wait_for(&line).await.click().await.unwrap();
    teacher
        .wait_for(&format!("{line}[data-status='absent_unexcused']"))
        .await;
    teacher
        .wait_for("button[data-action='save-roll-call']")
        .await
        .click()
        .await
        .unwrap();
    // Not sent, and says so; nothing is lost when the page is reloaded from the device.
    teacher.wait_for("[data-pending='1']").await;
    let kept = teacher
        .client
        .execute(
            "return Object.keys(localStorage).filter(k => k.includes('roll')).length",
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(kept, json!(0), "the unsent mark is kept on the device");

    // Back online: the mark goes out once.
    app.restart().await;
    teacher
        .wait_for("button[data-action='save-roll-call']")
        .await
        .click()
        .await
        .unwrap();
    teacher.wait_for("[data-saved='true']").await;
    let mut conn = app.conn().await;
    let marks: Vec<String> =
        sqlx::query_scalar("SELECT status FROM attendance_marks WHERE student_id = $1")
            .bind(f.child_id)
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(marks, vec!["absent_unexcused".to_string()]);
    drop(conn);

    // The guardian's phone: the message is in the inbox.
    let phone = Browser::phone().await;
    log_in(&phone, &app.base_url, "guardian", "guardian").await;
    phone.client.goto(&app.url("/inbox")).await.unwrap();
    let message = phone
        .text("[data-page='inbox'] li[data-message='absence']")
        .await;
    assert!(message.contains(&f.child_given_name), "{message}");

    // She asks two days' leave for the child…
    phone.client.goto(&app.url("/guardian")).await.unwrap();
    let form = format!(
        "details[data-child-leave='{}'][data-interactive='true']",
        f.child_id
    );
    phone
        .wait_for(&format!("{form} summary"))
        .await
        .click()
        .await
        .unwrap();
    let (from, to) = (school_day(2), school_day(3));
    phone
        .client
        .execute(
            &format!(
                "const form = document.querySelector(\"{form}\");
                 for (const [name, value] of [['from', '{from}'], ['to', '{to}'], ['reason', 'Cháu đi khám mắt']]) {{
                   const input = form.querySelector(`[name='${{name}}']`);
                   input.value = value;
                   input.dispatchEvent(new Event('input', {{ bubbles: true }}));
                 }}"
            ),
            vec![],
        )
        .await
        .unwrap();
    phone
        .wait_for(&format!("{form} button[type='submit']"))
        .await
        .click()
        .await
        .unwrap();
    phone.wait_for("[data-leave-sent='true']").await;
    phone.wait_for("li[data-leave-status='pending']").await;

    // …the homeroom side approves it on the roll-call page…
    let principal = Browser::phone().await;
    log_in(&principal, &app.base_url, "school_admin", "staff").await;
    principal
        .client
        .goto(&app.url(&format!("/staff/class/{}/roll-call", f.class_id)))
        .await
        .unwrap();
    principal
        .wait_for("[data-section='class-leave'][data-interactive='true'] li[data-leave-status='pending'] button[data-action='approve-leave']")
        .await
        .click()
        .await
        .unwrap();
    principal
        .wait_for("[data-section='class-leave'] li[data-leave-status='approved']")
        .await;

    // …and she sees the answer.
    phone.client.refresh().await.unwrap();
    phone.wait_for("li[data-leave-status='approved']").await;
    phone.client.goto(&app.url("/inbox")).await.unwrap();
    phone.wait_for("li[data-message='leave_answer']").await;

    for browser in [teacher, phone, principal] {
        browser.close().await;
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_worker_shows_a_push_message_as_a_notification() {
    let _ = site_root();
    let app = spawn_app(Backend::Sqlite).await;
    let phone = Browser::phone().await;
    log_in(&phone, &app.base_url, "guardian", "guardian").await;
    service_worker_controls(&phone).await;
    phone
        .cdp(
            "Browser.grantPermissions",
            json!({ "origin": app.base_url, "permissions": ["notifications"] }),
        )
        .await;
    // The push service's delivery, as Chromium's DevTools deliver it to the worker.
    let payload = json!({
        "kind": "absence",
        "title": "Mai vắng mặt sáng nay",
        "body": "Lớp 6A1 điểm danh: Mai vắng mặt.",
        "title_en": "Mai is absent this morning",
        "body_en": "Class 6A1 roll call: Mai is absent.",
        "link": "/guardian",
    });
    phone.cdp("ServiceWorker.enable", json!({})).await;
    // DevTools hands the message to the worker without waiting for it; on a loaded machine a
    // delivery to a worker that is still starting can be dropped, as a real push service's can,
    // so deliver again (the same tag replaces, never adds) until the notification is showing.
    let mut shown = json!([]);
    for _attempt in 0..5 {
        phone
            .cdp(
                "ServiceWorker.deliverPushMessage",
                json!({ "origin": app.base_url, "registrationId": "0", "data": payload.to_string() }),
            )
            .await;
        shown = phone
            .run_async(
                "navigator.serviceWorker.ready.then((registration) => {
                   const until = Date.now() + 4000;
                   (function check() {
                     registration.getNotifications().then((list) => {
                       if (list.length || Date.now() > until) {
                         done(list.map((n) => ({ title: n.title, body: n.body, link: n.data && n.data.link })));
                       } else {
                         setTimeout(check, 50);
                       }
                     });
                   })();
                 });",
            )
            .await;
        if shown != json!([]) {
            break;
        }
    }
    // In the phone's language (this Chromium's is English; a Vietnamese phone gets the
    // Vietnamese text).
    assert_eq!(
        shown,
        json!([{ "title": "Mai is absent this morning", "body": "Class 6A1 roll call: Mai is absent.", "link": "/guardian" }])
    );
    phone.close().await;
}
