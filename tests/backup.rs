//! A school's data must survive a dead disk: a backup taken while the server writes restores
//! into a server that serves the same data.

use app::people::FullName;
use app::people::store::{self, NewPerson, NewStudent};
use app::platform::audit::Actor;
use app::platform::db::{Backend, Db};
use app::platform::personal_id::Sex;
use server::config::Mode;
use time::macros::date;

use crate::support::{TEST_KEY, TestDb, spawn_app, spawn_app_with, truongso};

/// Adds students one by one (each in its own transaction) until told to stop; returns how many.
async fn keep_writing(
    db: Db,
    crypto: std::sync::Arc<app::platform::crypto::PidCrypto>,
    stop: tokio::sync::watch::Receiver<bool>,
    started: tokio::sync::oneshot::Sender<()>,
) -> i64 {
    let mut started = Some(started);
    let mut written = 0;
    while !*stop.borrow() {
        let mut tx = db.pool().begin().await.unwrap();
        let name = FullName::from_parts("Phạm", "Ghi", &format!("Thử{written:05}"));
        store::insert_student(
            &mut tx,
            &crypto,
            &Actor::system(),
            &NewStudent {
                person: NewPerson {
                    school_id: 1,
                    personal_id: None,
                    name: &name,
                    date_of_birth: Some(date!(2014 - 01 - 01)),
                    sex: Some(Sex::Male),
                },
                moet_code: None,
                ethnicity: None,
            },
            1,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        written += 1;
        if let Some(tx) = started.take() {
            let _ = tx.send(());
        }
    }
    written
}

async fn school_sizes(app: &crate::support::TestApp) -> Vec<(String, i64)> {
    let schools: serde_json::Value = app.call("schools", &[]).await.json().await.unwrap();
    schools
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["student_count"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_writing_restores_into_a_server_with_the_same_data() {
    let mut original = spawn_app(Backend::Sqlite).await;
    let data_dir = original.config.data_dir.clone();
    let db_url = original.db.url.clone();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let writer = tokio::spawn(keep_writing(
        original.state.db.clone(),
        original.state.crypto.clone(),
        stop_rx,
        started_tx,
    ));
    started_rx.await.unwrap();

    // The operator's command, from another process, while the writer writes.
    let backup_file = original.db.dir.path().join("backups/truongso-backup.db");
    let env = [
        ("TRUONGSO_MODE", "demo"),
        ("DATABASE_URL", db_url.as_str()),
        ("TRUONGSO_SECURITY__PERSONAL_ID_KEY", TEST_KEY),
    ];
    let output = truongso(&["backup", backup_file.to_str().unwrap()], &env, &data_dir);
    assert!(
        output.status.success(),
        "backup failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("backup written"));
    // A second backup to the same name is refused rather than overwriting.
    let again = truongso(&["backup", backup_file.to_str().unwrap()], &env, &data_dir);
    assert!(!again.status.success());

    stop_tx.send(true).unwrap();
    let written = writer.await.unwrap();
    let after = school_sizes(&original).await;
    original.stop().await;

    // Restore into a new place, as after a dead disk, and serve from it.
    let fresh = TestDb::new(Backend::Sqlite).await;
    let restore_env = [
        ("TRUONGSO_MODE", "demo"),
        ("DATABASE_URL", fresh.url.as_str()),
        ("TRUONGSO_SECURITY__PERSONAL_ID_KEY", TEST_KEY),
    ];
    let output = truongso(
        &["restore", backup_file.to_str().unwrap()],
        &restore_env,
        fresh.dir.path(),
    );
    assert!(
        output.status.success(),
        "restore failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Restoring over an existing database needs --force (and a stopped server).
    let over = truongso(
        &["restore", backup_file.to_str().unwrap()],
        &restore_env,
        fresh.dir.path(),
    );
    assert!(!over.status.success());
    assert!(String::from_utf8_lossy(&over.stderr).contains("--force"));

    let mut restored = spawn_app_with(fresh, Mode::Demo).await;
    let served = school_sizes(&restored).await;
    // The school nobody wrote to is identical; the other holds a whole prefix of the writes.
    assert_eq!(served[0], after[0]);
    let in_backup = served[1].1 - 320;
    assert!(
        in_backup >= 1 && in_backup <= written,
        "{in_backup} of {written} writes"
    );
    let mut conn = restored.conn().await;
    let last: Vec<String> =
        sqlx::query_scalar("SELECT given_name FROM students WHERE middle_name = 'Ghi' ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    let expected: Vec<String> = (0..in_backup).map(|n| format!("Thử{n:05}")).collect();
    assert_eq!(
        last, expected,
        "a consistent snapshot: every write up to a point, none after"
    );
    drop(conn);
    restored.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_backup_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus.db");
    std::fs::write(&bogus, b"this is not a database").unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("target.db").display()
    );
    let output = truongso(
        &["restore", bogus.to_str().unwrap()],
        &[
            ("DATABASE_URL", url.as_str()),
            ("TRUONGSO_SECURITY__PERSONAL_ID_KEY", TEST_KEY),
        ],
        dir.path(),
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("the backup is damaged"));
    assert!(
        !dir.path().join("target.db").exists(),
        "nothing put in place"
    );
}
