//! The PWA shell in headless Chromium on a phone-sized screen: the page hydrates, the service
//! worker installs, the app is installable, and with the server gone a reload shows the offline shell.

use app::platform::db::Backend;
use serde_json::json;

use crate::support::browser::Browser;
use crate::support::{site_root, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_loads_the_app_hydrates_installs_it_and_works_offline() {
    let _ = site_root();
    let mut app = spawn_app(Backend::Sqlite).await;
    let browser = Browser::phone().await;
    browser.client.goto(&app.url("/")).await.unwrap();

    // Server-rendered Vietnamese first; then hydration makes it interactive.
    assert_eq!(browser.text("h1").await, "Chào mừng đến với Trường Số");
    browser
        .wait_for("section.hero[data-interactive='true']")
        .await;
    let width = browser
        .client
        .execute("return window.innerWidth", vec![])
        .await
        .unwrap();
    assert_eq!(width, json!(360));

    // Reactive after hydration: switching language re-renders in place, without a reload.
    browser
        .client
        .execute("window.__samePage = true", vec![])
        .await
        .unwrap();
    browser
        .wait_for("button[data-lang='en']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for("button[data-lang='en'][aria-pressed='true']")
        .await;
    assert_eq!(browser.text("h1").await, "Welcome to Trường Số");
    assert_eq!(
        browser
            .client
            .execute("return window.__samePage === true", vec![])
            .await
            .unwrap(),
        json!(true)
    );
    assert_eq!(
        browser
            .client
            .execute("return document.documentElement.lang", vec![])
            .await
            .unwrap(),
        json!("en")
    );

    // Touch targets are at least 44 px.
    let smallest = browser
        .client
        .execute(
            "return Math.min(...[...document.querySelectorAll('button, a.button, .brand')].map(e => e.getBoundingClientRect().height))",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        smallest.as_f64().unwrap() >= 44.0,
        "smallest touch target {smallest}"
    );

    // The service worker installs and takes control of the page.
    let controlled = browser
        .run_async(
            "navigator.serviceWorker.ready.then(() => {
               if (navigator.serviceWorker.controller) return done(true);
               navigator.serviceWorker.addEventListener('controllerchange', () => done(true));
             });",
        )
        .await;
    assert_eq!(controlled, json!(true));
    let cached = browser
        .run_async("caches.keys().then(keys => Promise.all(keys.map(k => caches.open(k).then(c => c.keys())))).then(all => done(all.flat().map(r => new URL(r.url).pathname)))")
        .await;
    for path in [
        "/offline.html",
        "/pkg/truongso_bg.wasm",
        "/pkg/truongso.js",
        "/pkg/truongso.css",
    ] {
        assert!(
            cached.as_array().unwrap().contains(&json!(path)),
            "{path} not precached: {cached}"
        );
    }

    // Chromium finds nothing that stops installation (manifest, icons, service worker).
    let installability = browser.cdp("Page.getInstallabilityErrors", json!({})).await;
    assert_eq!(
        installability["installabilityErrors"],
        json!([]),
        "{installability}"
    );

    // The network is gone (the server stops); a reload shows the offline shell.
    app.stop().await;
    browser.client.refresh().await.unwrap();
    browser.wait_for("main[data-offline-shell='true']").await;
    assert_eq!(browser.text("h1").await, "Bạn đang ngoại tuyến");
    browser.close().await;
}
