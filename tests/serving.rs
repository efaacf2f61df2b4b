//! What a phone gets from the server: Vietnamese server-rendered HTML, the assets pre-compressed,
//! security headers, health and metrics.

use app::platform::db::Backend;
use reqwest::header;

use crate::support::{site_root, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_is_server_rendered_in_vietnamese_with_a_strict_csp() {
    let _ = site_root();
    let mut app = spawn_app(Backend::Sqlite).await;
    let response = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval' 'nonce-"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    assert!(headers.contains_key("x-request-id"));

    let html = response.text().await.unwrap();
    assert!(html.contains(r#"<html lang="vi">"#));
    assert!(html.contains("Chào mừng đến với Trường Số"));
    // Schools in Vietnamese order, from the database, in the first response.
    let hiep = html
        .find("Trường THCS Hiệp Phước (demo)")
        .expect("school 2");
    let phuoc = html
        .find("Trường THCS Phước Kiển (demo)")
        .expect("school 1");
    assert!(hiep < phuoc);
    assert!(html.contains("320"));
    // Every inline script carries this response's nonce, so the CSP lets exactly these run.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    let inline_scripts = html.matches("<script").count();
    assert!(inline_scripts >= 2);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        inline_scripts
    );
    assert!(html.contains(r#"<link rel="manifest" href="/manifest.webmanifest">"#));

    // English on request, through the same cookie the language switch sets.
    let english = app
        .client
        .get(app.url("/"))
        .header(header::COOKIE, "lang=en")
        .send()
        .await
        .unwrap();
    let html = english.text().await.unwrap();
    assert!(html.contains(r#"<html lang="en">"#) && html.contains("Welcome to Trường Số"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_served_pre_compressed() {
    let site = site_root();
    let mut app = spawn_app(Backend::Sqlite).await;
    for (path, content_type) in [
        ("/pkg/truongso_bg.wasm", "application/wasm"),
        ("/pkg/truongso.js", "text/javascript"),
        ("/pkg/truongso.css", "text/css"),
        ("/sw.js", "text/javascript"),
        ("/manifest.webmanifest", "application/manifest+json"),
        ("/offline.html", "text/html"),
    ] {
        for encoding in ["br", "gzip"] {
            let response = app
                .client
                .get(app.url(path))
                .header(header::ACCEPT_ENCODING, encoding)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{path}");
            assert_eq!(
                response.headers()[header::CONTENT_ENCODING],
                encoding,
                "{path}"
            );
            assert!(
                response.headers()[header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with(content_type),
                "{path}"
            );
            assert_eq!(
                response.headers()[header::CACHE_CONTROL],
                "no-cache",
                "{path}"
            );
            let suffix = if encoding == "br" { "br" } else { "gz" };
            let on_disk =
                std::fs::read(site.join(format!("{}.{suffix}", path.trim_start_matches('/'))))
                    .unwrap();
            assert_eq!(
                response.bytes().await.unwrap().len(),
                on_disk.len(),
                "{path} is the pre-compressed file"
            );
        }
    }
    let icon = app
        .client
        .get(app.url("/icons/icon-192.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()[header::CONTENT_TYPE], "image/png");

    let manifest: serde_json::Value = app
        .client
        .get(app.url("/manifest.webmanifest"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["lang"], "vi");
    assert!(
        manifest["icons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["sizes"] == "512x512")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let mut app = spawn_app(Backend::Sqlite).await;
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(text.contains("route=\"/readyz\""), "{text}");

    // With the database gone the process is alive but not ready.
    app.state.db.close().await;
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        503
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_get_a_translated_404_and_server_functions_answer_json() {
    let mut app = spawn_app(Backend::Sqlite).await;
    let missing = app
        .client
        .get(app.url("/khong-co-trang-nay"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("Không tìm thấy trang")
    );

    // Without the CSRF token, even a harmless server function is refused.
    let forged = app
        .client
        .post(app.url("/api/schools"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let body: serde_json::Value = forged.json().await.unwrap();
    assert_eq!(body["error"], "csrf_rejected");
    let schools: serde_json::Value = app.call("schools", &[]).await.json().await.unwrap();
    let names: Vec<&str> = schools
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Trường THCS Hiệp Phước (demo)",
            "Trường THCS Phước Kiển (demo)"
        ]
    );
    app.stop().await;
}
