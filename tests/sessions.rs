//! Sessions over time and across devices, student logins, and the limits on login attempts.

use app::platform::clock::Clock;
use app::platform::db::Backend;
use reqwest::header::LOCATION;
use serde_json::Value;

use crate::support::device::Device;
use crate::support::{spawn_app, spawn_app_with_clock};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_ends_and_so_does_an_old_one() {
    let clock = Clock::fixed(1_800_000_000);
    let app = spawn_app_with_clock(Backend::Sqlite, clock.clone()).await;
    let phone = Device::new();
    assert_eq!(phone.demo_login(&app, 4).await, "/guardian");
    assert_eq!(phone.call(&app, "my_children", &[]).await.0, 200);
    // Used every seven hours, it lives on…
    for _ in 0..3 {
        clock.advance(7 * 3600);
        assert_eq!(phone.call(&app, "my_children", &[]).await.0, 200);
    }
    // …but eight idle hours end it.
    clock.advance(8 * 3600 + 1);
    assert_eq!(phone.call(&app, "my_children", &[]).await.0, 401);

    // However busy, a session ends thirty days after its login.
    assert_eq!(phone.demo_login(&app, 4).await, "/guardian");
    for _ in 0..(30 * 24 / 7) {
        clock.advance(7 * 3600);
        assert_eq!(phone.call(&app, "my_children", &[]).await.0, 200);
    }
    clock.advance(7 * 3600);
    assert_eq!(phone.call(&app, "my_children", &[]).await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_elsewhere_ends_the_other_devices_only() {
    let app = spawn_app(Backend::Sqlite).await;
    let (phone, tablet) = (Device::new(), Device::new());
    phone.demo_login(&app, 4).await;
    tablet.demo_login(&app, 4).await;
    let (_, sessions) = phone.call(&app, "my_sessions", &[]).await;
    assert_eq!(sessions.as_array().unwrap().len(), 2);
    assert_eq!(
        phone.call(&app, "sign_out_elsewhere", &[]).await.1,
        Value::from(1)
    );
    assert_eq!(tablet.call(&app, "my_children", &[]).await.0, 401);
    assert_eq!(phone.call(&app, "my_children", &[]).await.0, 200);
    let (_, sessions) = phone.call(&app, "my_sessions", &[]).await;
    assert_eq!(sessions.as_array().unwrap().len(), 1);
    assert_eq!(sessions[0]["current"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_rotates_the_session_so_a_planted_cookie_is_worthless() {
    let app = spawn_app(Backend::Sqlite).await;
    let victim = Device::new();
    victim.demo_login(&app, 4).await;
    let first = victim.cookie(&app, app::identity::SESSION_COOKIE).unwrap();
    let first_csrf = victim.cookie(&app, app::identity::CSRF_COOKIE).unwrap();
    victim.demo_login(&app, 4).await;
    let second = victim.cookie(&app, app::identity::SESSION_COOKIE).unwrap();
    assert_ne!(first, second, "a new login gets a new session id");
    // The first session, with its own matching CSRF token, now belongs to nobody.
    let stale: Value = reqwest::Client::new()
        .post(app.url("/api/me"))
        .header(
            "cookie",
            format!(
                "{}={first}; {}={first_csrf}",
                app::identity::SESSION_COOKIE,
                app::identity::CSRF_COOKIE
            ),
        )
        .header(app::identity::CSRF_HEADER, &first_csrf)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stale, Value::Null);
    assert_eq!(victim.call(&app, "my_children", &[]).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_issues_a_student_login_the_student_activates_it_and_logs_in() {
    let app = spawn_app(Backend::Sqlite).await;
    let clerk = Device::new();
    assert_eq!(clerk.demo_login(&app, 2).await, "/staff");
    let mut conn = app.conn().await;
    let student: i64 =
        sqlx::query_scalar("SELECT id FROM students WHERE school_id = 1 ORDER BY id LIMIT 1")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    drop(conn);
    let (status, issued) = clerk
        .call(
            &app,
            "issue_student_login",
            &[("student_id", &student.to_string())],
        )
        .await;
    assert_eq!(status, 200, "{issued}");
    let username = issued["username"].as_str().unwrap().to_string();
    let code = issued["activation_code"].as_str().unwrap().to_string();

    let pupil = Device::new();
    let (status, body) = pupil
        .call(
            &app,
            "activate_student_login",
            &[
                ("username", &username),
                ("code", &code),
                ("password", "ngắn"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("password_too_short"))
    );
    let (status, next) = pupil
        .call(
            &app,
            "activate_student_login",
            &[
                ("username", &username),
                ("code", &code),
                ("password", "hoa sen 2026"),
            ],
        )
        .await;
    assert_eq!((status, next.as_str()), (200, Some("/student")));
    // The code was for once only.
    let (status, _) = Device::new()
        .call(
            &app,
            "activate_student_login",
            &[
                ("username", &username),
                ("code", &code),
                ("password", "another one"),
            ],
        )
        .await;
    assert_eq!(status, 403);

    let later = Device::new();
    let (status, _) = later
        .call(
            &app,
            "student_login",
            &[("username", &username), ("password", "hoa sen 2025")],
        )
        .await;
    assert_eq!(status, 403);
    let (status, next) = later
        .call(
            &app,
            "student_login",
            &[
                ("username", &username.to_uppercase()),
                ("password", "hoa sen 2026"),
            ],
        )
        .await;
    assert_eq!((status, next.as_str()), (200, Some("/student")));
    let (_, me) = later.call(&app, "me", &[]).await;
    assert_eq!(me["persona"]["persona"]["kind"], "Student");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_a_password_is_stopped_after_five_tries() {
    let app = spawn_app(Backend::Sqlite).await;
    let guesser = Device::new();
    let mut conn = app.conn().await;
    let issued = app::identity::student_login::issue(&mut conn, 1, 1, app.state.clock.unix())
        .await
        .unwrap();
    app::identity::student_login::activate(
        &mut conn,
        &issued.username,
        &issued.activation_code,
        "mật khẩu đúng",
        app.state.clock.unix(),
    )
    .await
    .unwrap();
    drop(conn);
    for _ in 0..5 {
        let (status, body) = guesser
            .call(
                &app,
                "student_login",
                &[("username", &issued.username), ("password", "đoán bừa")],
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("student_login_refused"))
        );
    }
    // Even the right password is refused while the lock lasts.
    let (status, body) = guesser
        .call(
            &app,
            "student_login",
            &[
                ("username", &issued.username),
                ("password", "mật khẩu đúng"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("too_many_attempts"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_logins_is_rate_limited_per_address() {
    let app = spawn_app(Backend::Sqlite).await;
    let bot = Device::new();
    for _ in 0..30 {
        let r = bot
            .client
            .get(app.url("/auth/vneid/start"))
            .send()
            .await
            .unwrap();
        assert!(
            r.headers()[LOCATION]
                .to_str()
                .unwrap()
                .contains("/demo-idp/authorize")
        );
    }
    let r = bot
        .client
        .get(app.url("/auth/vneid/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()[LOCATION], "/login?error=too_many_attempts");
}
