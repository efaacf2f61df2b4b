//! Logging in: the demo identity provider end to end in a phone browser, roles, sessions.

use app::platform::db::Backend;
use fantoccini::Locator;
use serde_json::json;

use crate::support::browser::{Browser, demo_login};
use crate::support::{site_root, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_who_is_also_a_parent_logs_in_with_the_demo_provider_and_opens_a_class() {
    let _ = site_root();
    let mut app = spawn_app(Backend::Sqlite).await;
    let browser = Browser::phone().await;
    demo_login(&browser, &app.base_url, "teacher").await;

    // Two personas (teacher in one school, father in the same school): the picker comes first.
    browser.wait_for("button[data-persona='guardian']").await;
    browser
        .wait_for("button[data-persona='staff']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("[data-page='staff-home']").await;
    assert!(
        browser
            .client
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/staff")
    );
    assert_eq!(browser.text("[data-user]").await, "Phan Minh Khoa");
    browser.wait_for("a[data-class='6A1'] .badge").await;
    browser
        .wait_for("a[data-class='6A1']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("[data-page='class-list']").await;
    let names = browser
        .client
        .find_all(Locator::Css("[data-page='class-list'] li .list-title"))
        .await
        .unwrap();
    assert_eq!(names.len(), 40);

    // As a parent, his child's link is not verified yet: no name is shown, only how to verify.
    browser.client.goto(&app.url("/choose-role")).await.unwrap();
    browser
        .wait_for("button[data-persona='guardian']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for("[data-page='guardian-home'] li[data-child-visible='false']")
        .await;

    // Logging out ends the session: the private page now refuses.
    browser
        .wait_for("[data-interactive='true'] button[data-action='logout']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("a[data-action='login']").await;
    browser.client.goto(&app.url("/staff")).await.unwrap();
    browser
        .wait_for("[data-error-code='unauthenticated']")
        .await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_logs_in_and_sees_her_two_children() {
    let _ = site_root();
    let mut app = spawn_app(Backend::Sqlite).await;
    let browser = Browser::phone().await;
    demo_login(&browser, &app.base_url, "guardian").await;
    browser.wait_for("[data-page='guardian-home']").await;
    let children = browser
        .client
        .find_all(Locator::Css("[data-child]"))
        .await
        .unwrap();
    assert_eq!(children.len(), 2);
    let width = browser
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap();
    assert_eq!(width, json!(360), "nothing wider than the phone");
    browser.close().await;
    app.stop().await;
}

async fn passkey_login(browser: &Browser, base: &str) {
    browser.client.goto(&format!("{base}/login")).await.unwrap();
    browser
        .wait_for("button[data-login='passkey'][data-interactive='true']")
        .await
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_adds_a_passkey_logs_in_with_it_and_a_clone_or_a_removed_one_is_refused() {
    let _ = site_root();
    let mut app = spawn_app(Backend::Sqlite).await;
    let browser = Browser::phone().await;
    let authenticator = browser.add_virtual_authenticator().await;

    demo_login(&browser, &app.base_url, "guardian").await;
    browser.wait_for("[data-page='guardian-home']").await;
    browser.client.goto(&app.url("/account")).await.unwrap();
    browser
        .wait_for("[data-section='passkeys'][data-interactive='true']")
        .await;
    browser
        .wait_for("button[data-action='add-passkey']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("[data-passkey-added='true']").await;
    browser
        .wait_for("[data-section='passkeys'] li[data-passkey]")
        .await;
    browser
        .wait_for("[data-interactive='true'] button[data-action='logout']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("a[data-action='login']").await;

    // Twice with the passkey alone: no VNeID round trip.
    for _ in 0..2 {
        passkey_login(&browser, &app.base_url).await;
        browser
            .wait_for("[data-page='guardian-home'] [data-child]")
            .await;
        browser
            .wait_for("[data-interactive='true'] button[data-action='logout']")
            .await
            .click()
            .await
            .unwrap();
        browser.wait_for("a[data-action='login']").await;
    }

    // A copy of the key whose signature counter went backwards (a cloned authenticator) is refused.
    let credentials = browser.authenticator_credentials(&authenticator).await;
    assert_eq!(credentials.len(), 1);
    let genuine = credentials[0].clone();
    assert!(genuine["signCount"].as_u64().unwrap() >= 2);
    let mut clone = genuine.clone();
    clone["signCount"] = json!(0);
    browser
        .remove_authenticator_credentials(&authenticator)
        .await;
    browser
        .add_authenticator_credential(&authenticator, clone)
        .await;
    passkey_login(&browser, &app.base_url).await;
    browser
        .wait_for("[data-error-code='passkey_refused']")
        .await;

    // The genuine key works again; once removed from the account it no longer logs in.
    browser
        .remove_authenticator_credentials(&authenticator)
        .await;
    browser
        .add_authenticator_credential(&authenticator, genuine)
        .await;
    passkey_login(&browser, &app.base_url).await;
    browser.wait_for("[data-page='guardian-home']").await;
    browser.client.goto(&app.url("/account")).await.unwrap();
    browser
        .wait_for("[data-section='passkeys'][data-interactive='true']")
        .await;
    browser
        .wait_for("li[data-passkey] button[data-action='remove']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for("[data-section='passkeys'] [data-no-passkeys]")
        .await;
    browser
        .wait_for("[data-interactive='true'] button[data-action='logout']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("a[data-action='login']").await;
    passkey_login(&browser, &app.base_url).await;
    browser
        .wait_for("[data-error-code='passkey_refused']")
        .await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clerk_prints_a_student_login_from_the_class_list_and_the_principal_sees_what_to_check()
{
    let _ = site_root();
    let mut app = spawn_app(Backend::Sqlite).await;
    let mut conn = app.conn().await;
    sqlx::query(
        "INSERT INTO identity_mismatches (school_id, record_kind, record_id, field, school_value, vneid_value, created_at)
         VALUES (1, 'guardian', 1, 'full_name', 'Nguyễn Thị Lan', 'Nguyễn Thị Lan Anh', 1)",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let browser = Browser::launch(crate::support::browser::TABLET).await;
    demo_login(&browser, &app.base_url, "clerk").await;
    browser
        .wait_for("a[data-class='6A1']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for("[data-page='class-list'] button[data-action='issue-login']")
        .await
        .click()
        .await
        .unwrap();
    let card = browser.wait_for("[data-login-card]").await;
    let username = card.attr("data-login-card").await.unwrap().unwrap();
    assert!(username.starts_with("hs"), "{username}");
    let code = browser.text("[data-login-card] .code").await;
    assert_eq!(code.len(), 10);
    // The clerk does not see the principal's list of identity differences.
    browser.client.goto(&app.url("/staff")).await.unwrap();
    browser.wait_for("[data-page='staff-home']").await;
    assert!(
        browser
            .client
            .find(Locator::Css("[data-section='mismatches']"))
            .await
            .is_err()
    );
    browser
        .wait_for("[data-interactive='true'] button[data-action='logout']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("a[data-action='login']").await;

    demo_login(&browser, &app.base_url, "school_admin").await;
    browser.wait_for("[data-section='mismatches'] li").await;
    assert!(
        browser
            .text("[data-section='mismatches']")
            .await
            .contains("Nguyễn Thị Lan Anh")
    );
    browser.close().await;
    app.stop().await;
}
