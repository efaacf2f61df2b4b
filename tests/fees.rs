//! Fees: bank notifications as SePay and Casso send them, reconciled exactly once into the
//! append-only ledger (on SQLite and PostgreSQL), concurrency and a PostgreSQL restart, receipts,
//! refusals, the VietQR code read back by an independent decoder, and a parent paying on a phone.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use app::fees::demo::DEMO_SEPAY_SECRET;
use app::fees::notifier::{AuthMode, NotifierKind, casso_header, sepay_body, sepay_headers};
use app::identity::{PersonaKind, PersonaRef};
use app::platform::db::Backend;
use serde_json::{Value, json};
use sqlx::Row;

use crate::on_both_backends;
use crate::support::browser::{Browser, demo_login};
use crate::support::{TestApp, TestDb, site_root, spawn_app, spawn_app_with};

const PILOT: &str = "(SELECT id FROM schools WHERE moet_code = '79000701')";
const OTHER: &str = "(SELECT id FROM schools WHERE moet_code = '79000702')";

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.conn().await;
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

async fn pilot_notifier(app: &TestApp) -> i64 {
    scalar(
        app,
        &format!("SELECT id FROM fee_notifiers WHERE school_id = {PILOT} AND kind = 'sepay'"),
    )
    .await
}

/// The demo mother's notices, unpaid, one per child (oldest first).
async fn lan_unpaid_notices(app: &TestApp) -> Vec<(i64, i64, i64)> {
    let mut conn = app.conn().await;
    let rows = sqlx::query(
        "SELECT n.id, n.student_id, n.amount_due FROM fee_notices n
           JOIN guardian_links l ON l.student_id = n.student_id AND l.status = 'verified'
         WHERE NOT EXISTS (SELECT 1 FROM fee_ledger x WHERE x.notice_id = n.id AND x.kind = 'payment')
         ORDER BY n.id",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    rows.iter()
        .map(|r| (r.get("id"), r.get("student_id"), r.get("amount_due")))
        .collect()
}

/// The code a notice was issued with.
async fn code_of(app: &TestApp, notice: i64) -> String {
    let id = scalar(
        app,
        &format!("SELECT MIN(ref_id) FROM fee_ref_notices WHERE notice_id = {notice}"),
    )
    .await;
    app::fees::rules::reference_code(id).unwrap()
}

async fn outstanding(app: &TestApp, notice: i64) -> i64 {
    scalar(
        app,
        &format!(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM fee_ledger WHERE notice_id = {notice}"
        ),
    )
    .await
}

async fn count(app: &TestApp, table: &str) -> i64 {
    scalar(app, &format!("SELECT COUNT(*) FROM {table}")).await
}

/// Posts a SePay delivery signed with `secret` at `timestamp`.
async fn post_sepay(
    app: &TestApp,
    notifier: i64,
    secret: &str,
    body: &[u8],
    timestamp: i64,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(app.url(&format!("/webhooks/fees/{notifier}")))
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (name, value) in sepay_headers(secret.as_bytes(), body, timestamp) {
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn pay_by_transfer(app: &TestApp, txn: i64, amount: i64, content: &str) -> (u16, Value) {
    let notifier = pilot_notifier(app).await;
    let body = sepay_body(txn, amount, content, true);
    post_sepay(
        app,
        notifier,
        DEMO_SEPAY_SECRET,
        &body,
        app.state.clock.unix(),
    )
    .await
}

async fn a_signed_notification_pays_the_notice_and_issues_a_receipt(backend: Backend) {
    let app = spawn_app(backend).await;
    let (notice, _, due) = lan_unpaid_notices(&app).await[0];
    let code = code_of(&app, notice).await;
    let receipts_before = count(&app, "fee_receipts").await;
    let (status, body) =
        pay_by_transfer(&app, 5001, due, &format!("{code} HOC PHI NGUYEN THI LAN")).await;
    assert_eq!((status, body), (200, json!({"success": true})));
    assert_eq!(outstanding(&app, notice).await, 0);
    assert_eq!(count(&app, "fee_receipts").await, receipts_before + 1);
    // Receipt numbers of the year run 1, 2, … without a gap.
    let numbers = scalar(
        &app,
        "SELECT MAX(number) - MIN(number) + 1 - COUNT(*) FROM fee_receipts",
    )
    .await;
    assert_eq!(numbers, 0);
    assert_eq!(count(&app, "fee_deliveries").await, 1);
}

async fn refused_deliveries_change_nothing_but_are_kept(backend: Backend) {
    let app = spawn_app(backend).await;
    let notifier = pilot_notifier(&app).await;
    let (notice, _, due) = lan_unpaid_notices(&app).await[0];
    let code = code_of(&app, notice).await;
    let now = app.state.clock.unix();
    let body = sepay_body(6001, due, &code, true);
    let ledger = count(&app, "fee_ledger").await;

    let (status, answer) = post_sepay(&app, notifier, "someone-elses-secret", &body, now).await;
    assert_eq!(
        (status, answer["error"].clone()),
        (401, json!("bad_signature"))
    );
    let (status, answer) = post_sepay(&app, notifier, DEMO_SEPAY_SECRET, &body, now - 3600).await;
    assert_eq!((status, answer["error"].clone()), (401, json!("stale")));
    let (status, answer) = post_sepay(
        &app,
        notifier,
        DEMO_SEPAY_SECRET,
        b"{\"id\": 6001, \"transferAmount\":",
        now,
    )
    .await;
    assert_eq!((status, answer["error"].clone()), (400, json!("malformed")));
    let (status, _) = post_sepay(&app, 999_999, DEMO_SEPAY_SECRET, &body, now).await;
    assert_eq!(status, 404);
    assert_eq!(count(&app, "fee_ledger").await, ledger, "no ledger change");
    assert_eq!(outstanding(&app, notice).await, due);

    // The genuine delivery counts; the very same signed request sent again is a replay.
    let headers = sepay_headers(DEMO_SEPAY_SECRET.as_bytes(), &body, now);
    let send = || async {
        let mut request = reqwest::Client::new()
            .post(app.url(&format!("/webhooks/fees/{notifier}")))
            .body(body.clone());
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        request.send().await.unwrap().status().as_u16()
    };
    assert_eq!(send().await, 200);
    let after = count(&app, "fee_ledger").await;
    assert_eq!(send().await, 409);
    assert_eq!(count(&app, "fee_ledger").await, after);
    assert_eq!(outstanding(&app, notice).await, 0);

    // Every delivery was stored as received, with its verdict; none can be changed.
    let verdicts: BTreeSet<String> = {
        let mut conn = app.conn().await;
        sqlx::query_scalar("SELECT verdict FROM fee_deliveries")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .into_iter()
            .collect()
    };
    let expected: BTreeSet<String> = [
        "bad_signature",
        "stale",
        "malformed",
        "authentic",
        "replayed",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(verdicts, expected);
    let mut conn = app.conn().await;
    assert!(
        sqlx::query("DELETE FROM fee_deliveries")
            .execute(&mut *conn)
            .await
            .is_err()
    );
}

async fn one_transaction_delivered_eight_times_is_credited_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let notifier = pilot_notifier(&app).await;
    let (notice, _, due) = lan_unpaid_notices(&app).await[0];
    let code = code_of(&app, notice).await;
    let body = sepay_body(7001, due, &code, true);
    let now = app.state.clock.unix();
    let receipts = count(&app, "fee_receipts").await;
    for attempt in 0..8 {
        // A retry is signed anew (a new timestamp), as the notifier does.
        let (status, _) = post_sepay(&app, notifier, DEMO_SEPAY_SECRET, &body, now + attempt).await;
        assert_eq!(status, 200, "attempt {attempt}");
    }
    assert_eq!(count(&app, "fee_bank_transactions").await, 1);
    assert_eq!(count(&app, "fee_receipts").await, receipts + 1);
    assert_eq!(outstanding(&app, notice).await, 0);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM fee_ledger WHERE bank_transaction_id IS NOT NULL"
        )
        .await,
        1
    );
}

async fn partial_over_split_unmatched_and_outgoing_payments(backend: Backend) {
    let app = spawn_app(backend).await;
    let notices = lan_unpaid_notices(&app).await;
    let (first, first_child, first_due) = notices[0];
    let (second, _, second_due) = *notices
        .iter()
        .find(|n| n.1 != first_child)
        .expect("a notice of the other child");
    let (third, _, third_due) = *notices
        .iter()
        .find(|n| n.0 != first && n.0 != second)
        .expect("a third notice");
    let (c1, c2, c3) = (
        code_of(&app, first).await,
        code_of(&app, second).await,
        code_of(&app, third).await,
    );

    // Less than owed: partly paid.
    assert_eq!(
        pay_by_transfer(
            &app,
            1,
            100_000,
            &format!("MBVCB.998.{} ct", c1.to_lowercase())
        )
        .await
        .0,
        200
    );
    assert_eq!(outstanding(&app, first).await, first_due - 100_000);
    // The rest, plus 50 000 more: paid, with a credit for the child.
    let rest = first_due - 100_000;
    assert_eq!(pay_by_transfer(&app, 2, rest + 50_000, &c1).await.0, 200);
    assert_eq!(outstanding(&app, first).await, 0);
    let credit = scalar(&app, &format!("SELECT CAST(-SUM(amount) AS BIGINT) FROM fee_ledger WHERE notice_id IS NULL AND student_id = {first_child}")).await;
    assert_eq!(credit, 50_000);
    // One transfer for both children, codes with spaces inside: split by the codes.
    let spaced = format!("{} {} {}", &c2[..4], &c2[4..], c3);
    assert_eq!(
        pay_by_transfer(&app, 3, second_due + third_due, &spaced)
            .await
            .0,
        200
    );
    assert_eq!(outstanding(&app, second).await, 0);
    assert_eq!(outstanding(&app, third).await, 0);
    // No code: kept for a clerk, no ledger entry.
    let ledger = count(&app, "fee_ledger").await;
    assert_eq!(
        pay_by_transfer(&app, 4, 123_000, "CHUYEN TIEN HOC PHI CHO CON")
            .await
            .0,
        200
    );
    assert_eq!(count(&app, "fee_ledger").await, ledger);
    let school = scalar(&app, &format!("SELECT {PILOT}")).await;
    let mut conn = app.conn().await;
    let queue = app::fees::store::unmatched(&mut conn, school)
        .await
        .unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].amount, 123_000);
    // Money going out is ignored.
    let notifier = pilot_notifier(&app).await;
    let out = sepay_body(5, 999_000, &c1, false);
    let (status, _) = post_sepay(
        &app,
        notifier,
        DEMO_SEPAY_SECRET,
        &out,
        app.state.clock.unix(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(count(&app, "fee_bank_transactions").await, 4);
    // The clerk assigns the waiting transfer by a code; it leaves the queue.
    let unpaid = lan_unpaid_notices(&app).await;
    let target = unpaid.first().expect("another unpaid notice").0;
    let code = code_of(&app, target).await;
    app::fees::store::assign_transfer(
        &app.state.db,
        &app::platform::audit::Actor::system(),
        school,
        queue[0].id,
        &code,
        app.state.clock.unix(),
    )
    .await
    .unwrap();
    assert!(
        app::fees::store::unmatched(&mut conn, school)
            .await
            .unwrap()
            .is_empty()
    );
    // Every đồng received by transfer is in the books exactly once.
    let received = scalar(
        &app,
        "SELECT CAST(SUM(amount) AS BIGINT) FROM fee_bank_transactions",
    )
    .await;
    assert_eq!(
        app::fees::store::bank_money_counted(&mut conn, school)
            .await
            .unwrap(),
        received
    );
}

async fn a_casso_delivery_is_checked_by_its_signature(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = scalar(&app, &format!("SELECT {PILOT}")).await;
    let secret = "casso-checksum-key-0123456789";
    let notifier = {
        let mut conn = app.conn().await;
        app::fees::store::add_notifier(
            &mut conn,
            &app.state.crypto,
            school,
            NotifierKind::Casso,
            AuthMode::Hmac,
            secret,
            0,
        )
        .await
        .unwrap()
    };
    let (notice, _, due) = lan_unpaid_notices(&app).await[0];
    let code = code_of(&app, notice).await;
    let body = json!({"error": 0, "data": {"id": 88123, "reference": "FT2609", "description": format!("{code} hoc phi"),
        "amount": due, "runningBalance": 25_000_000, "transactionDateTime": "2026-09-20 10:15:00",
        "accountNumber": "21510001234567", "bankName": "BIDV", "bankAbbreviation": "BIDV",
        "virtualAccountNumber": "", "counterAccountName": "NGUYEN THI LAN", "counterAccountNumber": "0011"}});
    let post = |signer: &'static str| {
        let (name, value) = casso_header(signer.as_bytes(), &body, app.state.clock.unix() * 1000);
        reqwest::Client::new()
            .post(app.url(&format!("/webhooks/fees/{notifier}")))
            .header(name, value)
            .body(body.to_string())
            .send()
    };
    assert_eq!(
        post("not-the-key-of-this-school")
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    assert_eq!(outstanding(&app, notice).await, due);
    assert_eq!(
        post("casso-checksum-key-0123456789")
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(outstanding(&app, notice).await, 0);
    // The secret is stored sealed, never as written.
    let mut conn = app.conn().await;
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT secret_enc FROM fee_notifiers WHERE id = $1")
        .bind(notifier)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains(secret));
}

async fn the_ledger_and_receipts_cannot_be_changed(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut conn = app.conn().await;
    for sql in [
        "UPDATE fee_ledger SET amount = amount + 1",
        "DELETE FROM fee_ledger",
        "UPDATE fee_receipts SET total = 1",
        "DELETE FROM fee_receipts",
        "DELETE FROM fee_receipt_lines",
    ] {
        let error = sqlx::query(sql).execute(&mut *conn).await.expect_err(sql);
        assert!(
            error.to_string().contains("append-only") || error.to_string().contains("never"),
            "{sql}: {error}"
        );
    }
    assert!(count(&app, "fee_ledger").await > 0);
}

on_both_backends!(
    a_signed_notification_pays_the_notice_and_issues_a_receipt,
    refused_deliveries_change_nothing_but_are_kept,
    one_transaction_delivered_eight_times_is_credited_once,
    partial_over_split_unmatched_and_outgoing_payments,
    a_casso_delivery_is_checked_by_its_signature,
    the_ledger_and_receipts_cannot_be_changed,
);

/// Twenty deliveries of one transaction at the same moment, to two server instances sharing one
/// PostgreSQL database: credited once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_deliveries_to_two_instances_are_credited_once() {
    let first = spawn_app(Backend::Postgres).await;
    let shared = TestDb {
        backend: Backend::Postgres,
        url: first.db.url.clone(),
        dir: tempfile::tempdir().unwrap(),
    };
    let second = spawn_app_with(shared, server::config::Mode::Demo).await;
    let notifier = pilot_notifier(&first).await;
    let (notice, _, due) = lan_unpaid_notices(&first).await[0];
    let code = code_of(&first, notice).await;
    let body = sepay_body(424242, due, &code, true);
    let now = first.state.clock.unix();
    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let url = if i % 2 == 0 {
            first.url("")
        } else {
            second.url("")
        };
        let body = body.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let mut request = reqwest::Client::new()
                .post(format!("{url}/webhooks/fees/{notifier}"))
                .body(body.clone());
            for (name, value) in sepay_headers(DEMO_SEPAY_SECRET.as_bytes(), &body, now + i) {
                request = request.header(name, value);
            }
            barrier.wait().await;
            request.send().await.unwrap().status().as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    assert_eq!(count(&first, "fee_bank_transactions").await, 1);
    assert_eq!(count(&first, "fee_deliveries").await, 20);
    assert_eq!(outstanding(&first, notice).await, 0);
    assert_eq!(
        scalar(
            &first,
            "SELECT COUNT(*) FROM fee_ledger WHERE bank_transaction_id IS NOT NULL"
        )
        .await,
        1
    );
}

/// A PostgreSQL cluster of the test's own (the shared one serves other tests meanwhile), so the
/// test can stop and start it.
struct OwnCluster {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    port: u16,
}

impl OwnCluster {
    fn run(&self, args: &[&str]) -> std::process::Output {
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let mut command = if root {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(self.bin.join(args[0]));
            c
        } else {
            std::process::Command::new(self.bin.join(args[0]))
        };
        command.args(&args[1..]).output().expect("PostgreSQL tool")
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let out = self.run(&[
            "pg_ctl",
            "-D",
            &self.data(),
            "-l",
            &self.dir.path().join("log").display().to_string(),
            "-w",
            "-o",
            &options,
            "start",
        ]);
        assert!(
            out.status.success(),
            "pg_ctl start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn stop(&self) {
        let out = self.run(&["pg_ctl", "-D", &self.data(), "-m", "fast", "-w", "stop"]);
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn new() -> OwnCluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries")
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .filter(|p| p.join("initdb").exists())
            .max()
            .expect("initdb");
        let dir = tempfile::Builder::new()
            .prefix("truongso-fault-pg")
            .tempdir_in("/tmp")
            .unwrap();
        let _ = std::process::Command::new("chown")
            .args(["postgres", &dir.path().display().to_string()])
            .status();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = OwnCluster { dir, bin, port };
        let out = cluster.run(&[
            "initdb",
            "-D",
            &cluster.data(),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ]);
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        cluster.start();
        cluster
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = self.run(&["pg_ctl", "-D", &self.data(), "-m", "immediate", "stop"]);
    }
}

/// PostgreSQL restarts while deliveries arrive; a notifier stand-in retries like SePay (its
/// schedule compressed from minutes to tenths of a second). The books end whole: every
/// transaction counted once, nothing lost, receipt numbers unbroken.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_restart_during_deliveries_loses_nothing_and_counts_nothing_twice() {
    let cluster = OwnCluster::new();
    let db = TestDb {
        backend: Backend::Postgres,
        url: format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port),
        dir: tempfile::tempdir().unwrap(),
    };
    let app = spawn_app_with(db, server::config::Mode::Demo).await;
    let notifier = pilot_notifier(&app).await;
    let school = scalar(&app, &format!("SELECT {PILOT}")).await;
    // Thirty transfers to the school's notices, each paying one notice exactly.
    let notices: Vec<(i64, i64)> = {
        let mut conn = app.conn().await;
        sqlx::query("SELECT id, amount_due FROM fee_notices WHERE school_id = $1 AND NOT EXISTS (SELECT 1 FROM fee_ledger l WHERE l.notice_id = fee_notices.id AND l.kind = 'payment') ORDER BY id LIMIT 30")
            .bind(school)
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("id"), r.get("amount_due")))
            .collect()
    };
    let mut transfers = Vec::new();
    for (i, (notice, due)) in notices.iter().enumerate() {
        transfers.push((900_000 + i as i64, *due, code_of(&app, *notice).await));
    }
    let receipts_before = count(&app, "fee_receipts").await;
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let failure_seen = Arc::new(tokio::sync::Notify::new());
    let url = app.url(&format!("/webhooks/fees/{notifier}"));
    let clock = app.state.clock.clone();
    // SePay's schedule (1, 1, 2, 3, 5, 8, 13 minutes), one minute made 100 ms, and then some.
    let schedule_ms = [100u64, 100, 200, 300, 500, 800, 1300, 2100, 3400];
    let stand_in = {
        let (acknowledged, failed, failure_seen) =
            (acknowledged.clone(), failed.clone(), failure_seen.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut lost = Vec::new();
            for (txn, amount, code) in transfers {
                let body = sepay_body(txn, amount, &format!("{code} HOC PHI"), true);
                let mut delivered = false;
                for wait in std::iter::once(0).chain(schedule_ms) {
                    tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                    let mut request = client.post(&url).body(body.clone());
                    for (name, value) in
                        sepay_headers(DEMO_SEPAY_SECRET.as_bytes(), &body, clock.unix())
                    {
                        request = request.header(name, value);
                    }
                    match request.send().await {
                        Ok(r) if r.status().is_success() => {
                            delivered = true;
                            acknowledged.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::SeqCst);
                            failure_seen.notify_one();
                        }
                    }
                }
                if !delivered {
                    lost.push(txn);
                }
            }
            lost
        })
    };
    // Stop the database once some transfers are in, start it again once deliveries have failed.
    while acknowledged.load(Ordering::SeqCst) < 10 {
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    tokio::task::block_in_place(|| cluster.stop());
    while failed.load(Ordering::SeqCst) < 2 {
        failure_seen.notified().await;
    }
    tokio::task::block_in_place(|| cluster.start());
    let lost = stand_in.await.unwrap();
    assert!(lost.is_empty(), "transactions never acknowledged: {lost:?}");
    assert!(failed.load(Ordering::SeqCst) >= 2);

    // Books: one bank transaction per transfer, each notice paid exactly, receipts unbroken.
    assert_eq!(count(&app, "fee_bank_transactions").await, 30);
    for (notice, _) in &notices {
        assert_eq!(outstanding(&app, *notice).await, 0, "notice {notice}");
    }
    assert_eq!(count(&app, "fee_receipts").await, receipts_before + 30);
    assert_eq!(
        scalar(&app, "SELECT MAX(number) - COUNT(*) FROM fee_receipts").await,
        0
    );
    let mut conn = app.conn().await;
    let received = scalar(
        &app,
        "SELECT CAST(SUM(amount) AS BIGINT) FROM fee_bank_transactions",
    )
    .await;
    assert_eq!(
        app::fees::store::bank_money_counted(&mut conn, school)
            .await
            .unwrap(),
        received
    );
}

/// A logged-in persona, as the authorization matrix makes them.
struct Session {
    cookie: String,
    csrf: String,
}

async fn session_as(app: &TestApp, kind: PersonaKind, table: &str, record: i64) -> Session {
    let mut conn = app.conn().await;
    let now = app.state.clock.unix();
    let row = sqlx::query(&format!(
        "SELECT school_id, pid_hash FROM {table} WHERE id = $1"
    ))
    .bind(record)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let (school, hash): (i64, Vec<u8>) = (row.get("school_id"), row.get("pid_hash"));
    let account = app::identity::accounts::upsert_citizen(&mut conn, &hash, "test", Some(2), now)
        .await
        .unwrap();
    let policy = app.state.settings.sessions;
    let session = app::identity::session::create(&mut conn, account, "vneid", "test", now, &policy)
        .await
        .unwrap();
    app::identity::session::set_persona(
        &mut conn,
        session.id,
        &PersonaRef {
            kind,
            school_id: Some(school),
            record_id: record,
        },
    )
    .await
    .unwrap();
    Session {
        cookie: format!(
            "{}={}; {}={}",
            app::identity::SESSION_COOKIE,
            session.token,
            app::identity::CSRF_COOKIE,
            session.csrf_token
        ),
        csrf: session.csrf_token,
    }
}

async fn call_as(
    app: &TestApp,
    who: &Session,
    endpoint: &str,
    form: &[(&str, String)],
) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/{endpoint}")))
        .header("cookie", &who.cookie)
        .header(app::identity::CSRF_HEADER, &who.csrf)
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_another_family_another_school_no_reason() {
    let app = spawn_app(Backend::Sqlite).await;
    let lan = scalar(
        &app,
        "SELECT guardian_id FROM guardian_links WHERE status = 'verified' LIMIT 1",
    )
    .await;
    let guardian = session_as(&app, PersonaKind::Guardian, "guardians", lan).await;
    let clerk_1 = session_as(&app, PersonaKind::Staff, "staff", scalar(&app, &format!("SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = 'clerk' AND s.school_id = {PILOT}")).await).await;
    let clerk_2 = session_as(&app, PersonaKind::Staff, "staff", scalar(&app, &format!("SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = 'clerk' AND s.school_id = {OTHER}")).await).await;
    // Another family's notice and, once paid in cash, its receipt.
    let other_notice = scalar(&app, &format!("SELECT MIN(id) FROM fee_notices WHERE student_id NOT IN (SELECT student_id FROM guardian_links WHERE guardian_id = {lan})")).await;
    let other_code = code_of(&app, other_notice).await;
    let (status, receipt) = call_as(
        &app,
        &clerk_1,
        "record_cash",
        &[
            ("reference_code", other_code.clone()),
            ("amount", "200000".into()),
            ("payer_name", "Trần Văn Bình".into()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{receipt}");
    let other_receipt = receipt.as_i64().unwrap();

    // A guardian reading another family's notices or receipts.
    let (status, body) = call_as(
        &app,
        &guardian,
        "fee_payment",
        &[("notice_ids[0]", other_notice.to_string())],
    )
    .await;
    assert_eq!((status, body), (403, json!({"error": "forbidden"})));
    let (status, _) = call_as(
        &app,
        &guardian,
        "fee_notice_status",
        &[("notice_ids[0]", other_notice.to_string())],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call_as(
        &app,
        &guardian,
        "fee_receipt",
        &[("receipt_id", other_receipt.to_string())],
    )
    .await;
    assert_eq!(status, 403);
    let xml = reqwest::Client::new()
        .get(app.url(&format!("/fees/receipts/{other_receipt}/einvoice.xml")))
        .header("cookie", &guardian.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(xml.status().as_u16(), 403);
    // Her own fees list only her children.
    let (status, fees) = call_as(&app, &guardian, "my_fees", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(fees["children"].as_array().unwrap().len(), 2);
    assert!(!fees.to_string().contains(&other_code));

    // A clerk of another school: no cash, no receipt, no cancellation, no report of this school.
    let (status, _) = call_as(
        &app,
        &clerk_2,
        "record_cash",
        &[
            ("reference_code", other_code.clone()),
            ("amount", "1000".into()),
            ("payer_name", "X".into()),
        ],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call_as(
        &app,
        &clerk_2,
        "fee_receipt",
        &[("receipt_id", other_receipt.to_string())],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call_as(
        &app,
        &clerk_2,
        "cancel_receipt",
        &[
            ("receipt_id", other_receipt.to_string()),
            ("reason", "sai".into()),
        ],
    )
    .await;
    assert_eq!(status, 403);
    let school_1 = scalar(&app, &format!("SELECT {PILOT}")).await;
    let excel = reqwest::Client::new()
        .get(app.url(&format!("/fees/reports/by-class/xlsx?school={school_1}")))
        .header("cookie", &clerk_2.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(excel.status().as_u16(), 403);

    // Cancelling without a reason is refused; the receipt stays valid.
    let (status, body) = call_as(
        &app,
        &clerk_1,
        "cancel_receipt",
        &[
            ("receipt_id", other_receipt.to_string()),
            ("reason", "   ".into()),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].clone()),
        (422, json!("receipt_reason_required"))
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM fee_receipt_cancellations").await,
        0
    );
    // With a reason: cancelled, the payment reversed, the number kept.
    let paid_before = outstanding(&app, other_notice).await;
    let (status, _) = call_as(
        &app,
        &clerk_1,
        "cancel_receipt",
        &[
            ("receipt_id", other_receipt.to_string()),
            ("reason", "Thu nhầm học sinh".into()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(outstanding(&app, other_notice).await, paid_before + 200_000);
    let (status, body) = call_as(
        &app,
        &clerk_1,
        "cancel_receipt",
        &[
            ("receipt_id", other_receipt.to_string()),
            ("reason", "lần nữa".into()),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].clone()),
        (409, json!("receipt_already_cancelled"))
    );
    let (_, receipt) = call_as(
        &app,
        &clerk_1,
        "fee_receipt",
        &[("receipt_id", other_receipt.to_string())],
    )
    .await;
    assert_eq!(receipt["cancelled_reason"], json!("Thu nhầm học sinh"));

    // The office's files: Excel (a zip) and the e-invoice XML with the receipt's fields.
    let excel = reqwest::Client::new()
        .get(app.url(&format!("/fees/reports/by-class/xlsx?school={school_1}")))
        .header("cookie", &clerk_1.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(excel.status().as_u16(), 200);
    assert!(excel.bytes().await.unwrap().starts_with(b"PK\x03\x04"));
    let xml = reqwest::Client::new()
        .get(app.url(&format!("/fees/receipts/{other_receipt}/einvoice.xml")))
        .header("cookie", &clerk_1.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for field in [
        "<KHMSHDon>",
        "<KHHDon>TS",
        "<SHDon>",
        "<NLap>",
        "<TgTTTBSo>200000</TgTTTBSo>",
        "<DLieu>Thu nhầm học sinh</DLieu>",
        "<DSCKS>",
    ] {
        assert!(xml.contains(field), "{field} missing in {xml}");
    }
    let (status, table) = call_as(
        &app,
        &clerk_1,
        "fee_report",
        &[("report", "ByClass".into())],
    )
    .await;
    assert_eq!(status, 200, "{table}");
    assert_eq!(table["columns"].as_array().unwrap().len(), 4);
}

/// The VietQR code drawn as SVG, read back by zbar (an independent decoder), gives the payload.
#[test]
fn a_generated_vietqr_code_reads_back_with_zbar() {
    let payload = app::fees::vietqr::payload(&app::fees::vietqr::TransferRequest {
        bank_bin: "970436".into(),
        account_number: "1023456789".into(),
        amount: Some(1_534_520),
        purpose: Some(app::fees::rules::purpose_text(
            &app::fees::rules::reference_code(4242).unwrap(),
            "Hoc phi",
        )),
    })
    .unwrap();
    let svg = app::fees::api::qr_svg(&payload).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vietqr.svg");
    std::fs::write(&file, &svg).unwrap();
    let out = std::process::Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(&file)
        .output()
        .expect("zbarimg (Debian package zbar-tools) runs");
    assert!(
        out.status.success(),
        "zbarimg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end(), payload);
    assert!(app::fees::vietqr::crc_is_valid(&payload));
}

/// On a phone: a parent sees both children's notices, opens the VietQR for one notice of each,
/// the bank's notification arrives, the notices turn paid and the receipt opens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_pays_two_children_by_vietqr_on_a_phone_and_opens_the_receipt() {
    let _ = site_root();
    let mut app = spawn_app(Backend::Sqlite).await;
    let browser = Browser::phone().await;
    demo_login(&browser, &app.base_url, "guardian").await;
    browser.wait_for("[data-page='guardian-home']").await;
    browser
        .wait_for("a[data-fees-link] [data-new-notices]")
        .await;
    browser.client.goto(&app.url("/fees")).await.unwrap();
    browser.wait_for("[data-page='fees']").await;
    let children = browser
        .client
        .find_all(fantoccini::Locator::Css("[data-child-fees]"))
        .await
        .unwrap();
    assert_eq!(children.len(), 2);
    // One unpaid notice of each child.
    let mut picked = Vec::new();
    for child in &children {
        let pick = child
            .find(fantoccini::Locator::Css("input[data-pick]"))
            .await
            .unwrap();
        picked.push(
            pick.attr("data-pick")
                .await
                .unwrap()
                .unwrap()
                .parse::<i64>()
                .unwrap(),
        );
        // Above the sticky pay bar, as a thumb would scroll it.
        browser
            .client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'})",
                vec![serde_json::to_value(&pick).unwrap()],
            )
            .await
            .unwrap();
        pick.click().await.unwrap();
    }
    browser
        .wait_for("a[data-action='pay'][aria-disabled='false']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("[data-page='pay'] .qr svg").await;
    let payload = browser
        .wait_for("[data-qr]")
        .await
        .attr("data-qr")
        .await
        .unwrap()
        .unwrap();
    assert!(app::fees::vietqr::crc_is_valid(&payload));
    let amount: i64 = browser
        .wait_for("[data-amount]")
        .await
        .attr("data-amount")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let purpose = browser
        .wait_for("[data-purpose]")
        .await
        .attr("data-purpose")
        .await
        .unwrap()
        .unwrap();
    assert!(
        payload.contains(&purpose)
            && payload.contains(&format!("54{:02}{amount}", amount.to_string().len()))
    );
    let expected: i64 = {
        let mut total = 0;
        for id in &picked {
            total += outstanding(&app, *id).await;
        }
        total
    };
    assert_eq!(amount, expected);
    browser.wait_for("[data-payment-state='waiting']").await;
    let width = browser
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap();
    assert_eq!(width, json!(360), "nothing wider than the phone");

    // The bank's notification: the transfer text as the payer's bank passed it on.
    let (status, _) = pay_by_transfer(
        &app,
        31337,
        amount,
        &format!("MBVCB.5521.{purpose}.CT tu 0011"),
    )
    .await;
    assert_eq!(status, 200);
    browser
        .wait_for("[data-payment-state='paid'] [data-paid='true']")
        .await;
    browser
        .wait_for("a[data-receipt-link]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for("[data-page='receipt'] [data-receipt-number]")
        .await;
    let total = browser
        .wait_for("[data-total]")
        .await
        .attr("data-total")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(total, amount.to_string());
    // Back on the list, both notices show as paid.
    browser.client.goto(&app.url("/fees")).await.unwrap();
    for id in picked {
        browser
            .wait_for(&format!("[data-notice='{id}'][data-status='paid']"))
            .await;
    }
    browser.close().await;
    app.stop().await;
}
