//! Webhook deliveries reconciled per second: signed SePay deliveries, each checked, stored and
//! counted (bank transaction, ledger entries, receipt) through the same store function the
//! webhook endpoint calls, on SQLite and — when `TEST_POSTGRES_URL` points at a cluster — on
//! PostgreSQL, one sender and eight at once. Prints the figures.
//!
//! `cargo bench -p truongso-app --features ssr --bench fees`
//! (PostgreSQL: `source scripts/lib.sh; start_test_postgres` first, or set `TEST_POSTGRES_URL`.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use app::fees::demo::DEMO_SEPAY_SECRET;
use app::fees::notifier::{sepay_body, sepay_headers};
use app::platform::crypto::{PidCrypto, generate_master_key};
use app::platform::db::{Db, DbOptions};
use sqlx::Row;

const DELIVERIES: usize = 400;

async fn setup(url: &str) -> (Db, Arc<PidCrypto>, i64, Vec<(i64, String)>) {
    let db = Db::connect(
        url,
        &DbOptions {
            max_connections: 10,
            ..DbOptions::default()
        },
    )
    .await
    .expect("database");
    db.migrate().await.expect("migrations");
    let crypto = Arc::new(PidCrypto::from_base64_key(&generate_master_key()).unwrap());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    app::demo::seed_if_empty(&db, &crypto, now)
        .await
        .expect("demo");
    let mut conn = db.pool().acquire().await.unwrap();
    let notifier: i64 = sqlx::query_scalar("SELECT MIN(id) FROM fee_notifiers")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT n.amount_due, MIN(r.ref_id) AS ref_id FROM fee_notices n
           JOIN fee_ref_notices r ON r.notice_id = n.id
         WHERE NOT EXISTS (SELECT 1 FROM fee_ledger l WHERE l.notice_id = n.id AND l.kind = 'payment')
         GROUP BY n.id, n.amount_due ORDER BY n.id",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let notices = rows
        .iter()
        .map(|r| {
            let ref_id: i64 = r.get("ref_id");
            (
                r.get("amount_due"),
                app::fees::rules::reference_code(ref_id).unwrap(),
            )
        })
        .collect();
    (db, crypto, notifier, notices)
}

async fn deliver(db: &Db, crypto: &PidCrypto, notifier: i64, txn: i64, amount: i64, code: &str) {
    let body = sepay_body(txn, amount, &format!("{code} HOC PHI"), true);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let headers = sepay_headers(DEMO_SEPAY_SECRET.as_bytes(), &body, now);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let outcome = app::fees::store::receive_delivery(db, crypto, notifier, &header, &body, now)
        .await
        .expect("delivery");
    assert!(matches!(
        outcome,
        Some(app::fees::store::DeliveryOutcome::Recorded {
            matched: Some(_),
            ..
        })
    ));
}

async fn run(name: &str, url: &str, senders: usize) {
    let (db, crypto, notifier, notices) = setup(url).await;
    let count = DELIVERIES.min(notices.len());
    let notices = Arc::new(notices);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for sender in 0..senders {
        let (db, crypto, notices) = (db.clone(), crypto.clone(), notices.clone());
        tasks.push(tokio::spawn(async move {
            for i in (sender..count).step_by(senders) {
                let (amount, code) = &notices[i];
                deliver(&db, &crypto, notifier, 1_000_000 + i as i64, *amount, code).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{name:<28} {senders} sender(s): {count} deliveries in {seconds:.2} s = {:.0} reconciled/s",
        count as f64 / seconds
    );
    db.close().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile_dir();
        for senders in [1, 8] {
            let url = format!("sqlite://{}/bench-{senders}.db?mode=rwc", dir.display());
            run("SQLite (WAL, file)", &url, senders).await;
        }
        match std::env::var("TEST_POSTGRES_URL") {
            Ok(admin) => {
                for senders in [1, 8] {
                    let name = format!("ts_bench_{:08x}", rand_suffix());
                    let db = Db::connect(&admin, &DbOptions::default()).await.unwrap();
                    sqlx::query(&format!("CREATE DATABASE {name}"))
                        .execute(db.pool())
                        .await
                        .unwrap();
                    db.close().await;
                    let (base, _) = admin.rsplit_once('/').unwrap();
                    run("PostgreSQL (local)", &format!("{base}/{name}"), senders).await;
                }
            }
            Err(_) => println!("PostgreSQL: skipped (TEST_POSTGRES_URL not set)"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    });
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("truongso-fees-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
