//! Start-up as an operator meets it: the real binary, bad settings, one clear message.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use app::platform::db::Backend;

use crate::support::{TEST_KEY, TestDb, site_root, truongso};

fn assert_one_clear_message(output: &std::process::Output, expected: &str) {
    assert!(!output.status.success(), "start-up should fail");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(expected),
        "stderr lacks {expected:?}: {stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "a panic: {stderr}"
    );
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one message, not a trace: {stderr}"
    );
}

#[test]
fn a_bad_database_url_ends_start_up_with_one_message() {
    let dir = tempfile::tempdir().unwrap();
    let unreachable = truongso(
        &["migrate"],
        &[
            ("TRUONGSO_MODE", "demo"),
            ("DATABASE_URL", "postgres://nobody:hunter2@127.0.0.1:1/x"),
        ],
        dir.path(),
    );
    assert_one_clear_message(
        &unreachable,
        "cannot connect to the database postgres://nobody:***@127.0.0.1:1/x",
    );
    assert!(
        !String::from_utf8_lossy(&unreachable.stderr).contains("hunter2"),
        "password printed"
    );

    let unsupported = truongso(
        &[],
        &[("TRUONGSO_MODE", "demo"), ("DATABASE_URL", "mysql://h/db")],
        dir.path(),
    );
    assert_one_clear_message(&unsupported, "unsupported DATABASE_URL");
}

#[test]
fn production_without_a_key_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = truongso(&[], &[], dir.path());
    assert_one_clear_message(&output, "missing personal-ID key");
    let bad = truongso(
        &[],
        &[("TRUONGSO_SECURITY__PERSONAL_ID_KEY", "c2hvcnQ=")],
        dir.path(),
    );
    assert_one_clear_message(&bad, "invalid personal-ID key");
}

#[test]
fn an_unwritable_data_folder_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    // A path under a regular file can never be created, even by root.
    std::fs::write(dir.path().join("not-a-folder"), b"x").unwrap();
    let output = truongso(
        &[],
        &[
            ("TRUONGSO_MODE", "demo"),
            ("TRUONGSO_DATA_DIR", "not-a-folder/data"),
        ],
        dir.path(),
    );
    assert_one_clear_message(&output, "the data folder cannot be used");
}

#[test]
fn an_unknown_setting_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("truongso.toml"),
        "mode = \"demo\"\n[server]\nlisten_port = 80\n",
    )
    .unwrap();
    let output = truongso(&["migrate"], &[], dir.path());
    assert_one_clear_message(&output, "listen_port");
}

/// The same binary, pointed at PostgreSQL by `DATABASE_URL`, migrates and serves from it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_from_postgresql() {
    let db = TestDb::new(Backend::Postgres).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_truongso"))
        .current_dir(db.dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TRUONGSO_MODE", "demo")
        .env("TRUONGSO_SECURITY__PERSONAL_ID_KEY", TEST_KEY)
        .env("TRUONGSO_SERVER__LISTEN", "127.0.0.1:0")
        .env("TRUONGSO_SERVER__SITE_ROOT", site_root())
        .env("DATABASE_URL", &db.url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start truongso");
    // The server prints its address once it listens.
    let stdout = child.stdout.take().unwrap();
    let addr = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split("listening on ")
                .nth(1)
                .map(|a| a.trim_end_matches(')').to_string())
        })
        .expect("the server reports its address");
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let page = client
        .get(&base)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Trường THCS Phước Kiển (demo)"),
        "demo data served"
    );
    let _ = child.kill();
    let _ = child.wait();

    // And the data is in PostgreSQL.
    let pg = app::platform::db::Db::connect(&db.url, &Default::default())
        .await
        .unwrap();
    let students: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM students")
        .fetch_one(pg.pool())
        .await
        .unwrap();
    assert_eq!(students, 640);
    pg.close().await;
}
