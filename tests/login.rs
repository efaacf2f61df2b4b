//! VNeID login against independent providers: the npm `oidc-provider` (OpenID-certified) for the
//! real flow, and a deliberately faulty provider for every kind of bad ID token.

use app::platform::db::Backend;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use server::config::Mode;
use sqlx::Row;

use crate::support::browser::Browser;
use crate::support::oidc_peer::OidcPeer;
use crate::support::rogue_idp::{Defect, RogueIdp};
use crate::support::{TestApp, TestDb, bind_port, site_root, spawn_app_on, url_of};

const LAN: &str = "079185000005";
const STRANGER: &str = "079199999999";

fn citizen(pid: &str, name: &str, birth: &str, level: &str) -> Value {
    json!({ "SoDinhDanh": pid, "HoVaTen": name, "NgayThangNamSinh": birth, "loAs": level })
}

/// A teacher of the second school who is nobody's parent, as the school records them.
async fn a_plain_teacher(db: &TestDb) -> Value {
    let store = app::platform::db::Db::connect(&db.url, &Default::default())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let crypto =
        app::platform::crypto::PidCrypto::from_base64_key(crate::support::TEST_KEY).unwrap();
    app::demo::seed_if_empty(&store, &crypto, 0).await.unwrap();
    let row = sqlx::query(
        "SELECT s.pid_enc, s.family_name, s.middle_name, s.given_name, s.date_of_birth
         FROM staff s JOIN staff_roles r ON r.staff_id = s.id JOIN schools sc ON sc.id = s.school_id
         WHERE sc.moet_code = '79000702' AND r.role = 'teacher' ORDER BY s.id LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    store.close().await;
    let pid = crypto.decrypt(&row.get::<Vec<u8>, _>("pid_enc")).unwrap();
    let name = [
        row.get::<String, _>("family_name"),
        row.get("middle_name"),
        row.get("given_name"),
    ]
    .join(" ");
    let birth = row.get::<String, _>("date_of_birth").replace('-', "");
    citizen(pid.expose(), &name, &birth, "2")
}

/// The app and the npm provider, each knowing the other's address.
async fn app_with_provider(accounts: impl FnOnce() -> Value) -> (TestApp, OidcPeer) {
    let listener = bind_port().await;
    let peer = OidcPeer::start(&url_of(&listener, ""), &accounts());
    let settings = peer.settings();
    let app = spawn_app_on(
        TestDb::new(Backend::Sqlite).await,
        Mode::Demo,
        listener,
        move |c| c.vneid = Some(settings),
    )
    .await;
    (app, peer)
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION].to_str().unwrap().to_string()
}

/// Follows a login over HTTP: the app's start, the provider's redirects, back to the callback.
/// Returns the callback URL the provider sent the browser to.
async fn provider_round_trip(app: &TestApp, return_to: &str) -> String {
    let start = app
        .client
        .get(app.url(&format!("/auth/vneid/start?return_to={return_to}")))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 303);
    let mut next = location(&start);
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for _ in 0..10 {
        if next.starts_with(&app.base_url) {
            return next;
        }
        let response = browser.get(&next).send().await.unwrap();
        let target = location(&response);
        next = if target.starts_with('/') {
            let origin = reqwest::Url::parse(&next).unwrap();
            format!(
                "{}://{}{target}",
                origin.scheme(),
                origin
                    .host_str()
                    .zip(origin.port())
                    .map(|(h, p)| format!("{h}:{p}"))
                    .unwrap()
            )
        } else {
            target
        };
    }
    panic!("the provider never sent the browser back");
}

/// Completes a login over HTTP; returns where the app sends the browser next.
async fn login(app: &TestApp, return_to: &str) -> String {
    let callback = provider_round_trip(app, return_to).await;
    let done = app.client.get(&callback).send().await.unwrap();
    assert_eq!(done.status(), 303, "callback answers with a redirect");
    location(&done)
}

async fn me(app: &TestApp) -> Value {
    app.call("me", &[]).await.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_a_parent_and_a_stranger_log_in_through_chromium() {
    let _ = site_root();
    // The teacher is one of the seeded records: seed the database before starting the provider.
    let listener = bind_port().await;
    let base = url_of(&listener, "");
    let db = TestDb::new(Backend::Sqlite).await;
    let teacher = a_plain_teacher(&db).await;
    let peer = OidcPeer::start(
        &base,
        &json!({
            "teacher": teacher,
            "parent": citizen(LAN, "Nguyễn Thị Lan", "19850930", "2"),
            "stranger": citizen(STRANGER, "Người Lạ", "19900101", "2"),
        }),
    );
    let settings = peer.settings();
    let mut app = spawn_app_on(db, Mode::Demo, listener, move |c| c.vneid = Some(settings)).await;
    let browser = Browser::phone().await;
    for (account, lands_on, marker) in [
        ("teacher", "/staff", "[data-page='staff-home']"),
        (
            "parent",
            "/guardian",
            "[data-page='guardian-home'] [data-child]",
        ),
        ("stranger", "/login/unknown", "[data-page='unknown-person']"),
    ] {
        peer.next_login(account).await;
        browser.client.goto(&app.url("/login")).await.unwrap();
        browser
            .wait_for("a[data-login='vneid']")
            .await
            .click()
            .await
            .unwrap();
        browser.wait_for(marker).await;
        assert_eq!(
            browser.client.current_url().await.unwrap().path(),
            lands_on,
            "{account}"
        );
        if account != "stranger" {
            // Logging out also ends the provider's session (it asks), then comes back here.
            browser
                .wait_for("[data-interactive='true'] button[data-action='logout']")
                .await
                .click()
                .await
                .unwrap();
            browser
                .wait_for("button[data-op-logout]")
                .await
                .click()
                .await
                .unwrap();
            browser.wait_for("a[data-action='login']").await;
        }
    }
    // The stranger got no account, and the refusal is in the audit trail without their number.
    let mut conn = app.conn().await;
    // Citizen accounts only: the demo also seeds a student login (for the timetable).
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE kind = 'citizen'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(accounts, 2);
    let refusals: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'login_refused'")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(refusals.len(), 1);
    assert!(refusals[0].contains("unknown_person") && !refusals[0].contains(STRANGER));
    drop(conn);
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_missing_or_replayed_state_or_code_is_refused() {
    let (app, _peer) =
        app_with_provider(|| json!({ "parent": citizen(LAN, "Nguyễn Thị Lan", "19850930", "2") }))
            .await;
    for query in ["?code=x", "?code=x&state=forged", ""] {
        let r = app
            .client
            .get(app.url(&format!("/auth/vneid/callback{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(location(&r), "/login?error=login_state_invalid", "{query}");
    }
    // A completed login's redirect, replayed, finds its state used.
    let callback = provider_round_trip(&app, "/").await;
    let first = app.client.get(&callback).send().await.unwrap();
    assert_eq!(location(&first), "/guardian");
    let replay = app.client.get(&callback).send().await.unwrap();
    assert_eq!(location(&replay), "/login?error=login_state_invalid");
    // The same code under a fresh, valid state: the provider refuses to redeem it twice.
    let code = reqwest::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let start = app
        .client
        .get(app.url("/auth/vneid/start"))
        .send()
        .await
        .unwrap();
    let state = reqwest::Url::parse(&location(&start))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .to_string();
    let reused = app
        .client
        .get(app.url(&format!("/auth/vneid/callback?code={code}&state={state}")))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&reused), "/login?error=login_refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pkce_is_always_used_and_a_missing_or_wrong_verifier_fails() {
    let (app, peer) =
        app_with_provider(|| json!({ "parent": citizen(LAN, "Nguyễn Thị Lan", "19850930", "2") }))
            .await;
    let start = app
        .client
        .get(app.url("/auth/vneid/start"))
        .send()
        .await
        .unwrap();
    let authorize = reqwest::Url::parse(&location(&start)).unwrap();
    let params: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["code_challenge"].len(), 43);
    // Without a challenge the provider refuses the request outright.
    let mut bare = authorize.clone();
    bare.query_pairs_mut().clear().extend_pairs(
        params
            .iter()
            .filter(|(k, _)| !k.starts_with("code_challenge")),
    );
    let refused = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(bare)
        .send()
        .await
        .unwrap();
    let back = location(&refused);
    assert!(back.contains("error=invalid_request"), "{back}");
    let r = app.client.get(&back).send().await.unwrap();
    assert!(
        location(&r).starts_with("/login?error="),
        "the app refuses the provider's error"
    );
    // A login whose verifier does not match its challenge cannot redeem its code.
    let callback = provider_round_trip(&app, "/").await;
    let mut conn = app.conn().await;
    sqlx::query("UPDATE oidc_logins SET pkce_verifier = 'a-verifier-that-does-not-match-the-challenge-at-all'")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let r = app.client.get(&callback).send().await.unwrap();
    assert_eq!(location(&r), "/login?error=login_refused");
    drop(peer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_return_path_never_leaves_the_site() {
    let (app, _peer) =
        app_with_provider(|| json!({ "parent": citizen(LAN, "Nguyễn Thị Lan", "19850930", "2") }))
            .await;
    assert_eq!(login(&app, "https://evil.example/").await, "/guardian");
    assert_eq!(login(&app, "//evil.example/").await, "/guardian");
    assert_eq!(login(&app, "/account").await, "/account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_level_one_account_is_refused_where_the_school_requires_level_two() {
    let (app, peer) = app_with_provider(|| {
        json!({
            "level1": citizen(LAN, "Nguyễn Thị Lan", "19850930", "1"),
            "level2": citizen(LAN, "Nguyễn Thị Lan", "19850930", "2"),
        })
    })
    .await;
    let mut conn = app.conn().await;
    sqlx::query("UPDATE schools SET require_level2 = 1")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    peer.next_login("level1").await;
    assert_eq!(login(&app, "/").await, "/login?error=login_level_too_low");
    assert_eq!(me(&app).await, Value::Null);
    peer.next_login("level2").await;
    assert_eq!(login(&app, "/").await, "/guardian");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_that_differs_from_the_record_is_flagged_but_the_login_stands() {
    let (app, _peer) = app_with_provider(
        || json!({ "parent": citizen(LAN, "Nguyễn Thị Lan Anh", "19850930", "2") }),
    )
    .await;
    assert_eq!(login(&app, "/").await, "/guardian");
    let mut conn = app.conn().await;
    let flagged: Vec<(String, String, String)> =
        sqlx::query_as("SELECT field, school_value, vneid_value FROM identity_mismatches")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(
        flagged,
        vec![(
            "full_name".into(),
            "Nguyễn Thị Lan".into(),
            "Nguyễn Thị Lan Anh".into()
        )]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_out_ends_the_session_and_its_cookie_is_worthless_after() {
    let (app, _peer) =
        app_with_provider(|| json!({ "parent": citizen(LAN, "Nguyễn Thị Lan", "19850930", "2") }))
            .await;
    assert_eq!(login(&app, "/").await, "/guardian");
    assert_eq!(me(&app).await["display_name"], "Nguyễn Thị Lan");
    let old_cookie = app.cookie(app::identity::SESSION_COOKIE).unwrap();
    let csrf = app.cookie(app::identity::CSRF_COOKIE).unwrap();

    // A change without the CSRF token is refused, and the session survives it.
    let forged = app
        .client
        .post(app.url("/api/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(me(&app).await["display_name"], "Nguyễn Thị Lan");

    let out = app.call("logout", &[]).await;
    assert_eq!(out.status(), 200);
    let next: String = out.json().await.unwrap();
    assert!(
        next.starts_with(&format!("{}/session/end", _peer.issuer)),
        "the provider's logout: {next}"
    );

    // The old cookie, sent again, opens nothing.
    let replay = reqwest::Client::new();
    let cookie = format!(
        "{}={old_cookie}; {}={csrf}",
        app::identity::SESSION_COOKIE,
        app::identity::CSRF_COOKIE
    );
    let me_again: Value = replay
        .post(app.url("/api/me"))
        .header("cookie", &cookie)
        .header(app::identity::CSRF_HEADER, &csrf)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me_again, Value::Null);
    let home = replay
        .post(app.url("/api/my_children"))
        .header("cookie", &cookie)
        .header(app::identity::CSRF_HEADER, &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_defective_id_token_is_refused() {
    let rogue = RogueIdp::start(citizen(LAN, "Nguyễn Thị Lan", "19850930", "2")).await;
    let listener = bind_port().await;
    let settings = rogue.settings();
    let app = spawn_app_on(
        TestDb::new(Backend::Sqlite).await,
        Mode::Demo,
        listener,
        move |c| c.vneid = Some(settings),
    )
    .await;
    for defect in [
        Defect::WrongNonce,
        Defect::Expired,
        Defect::WrongAudience,
        Defect::WrongIssuer,
        Defect::TamperedSignature,
        Defect::AlgNone,
        Defect::UnknownKid,
    ] {
        rogue.set_defect(defect);
        assert_eq!(
            login(&app, "/").await,
            "/login?error=login_refused",
            "{defect:?}"
        );
        assert_eq!(me(&app).await, Value::Null, "{defect:?}");
    }
    // The same provider without a defect logs in: the refusals above were for the defects.
    rogue.set_defect(Defect::None);
    assert_eq!(login(&app, "/").await, "/guardian");
}
