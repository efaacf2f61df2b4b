//! The desk end to end, with no hardware: a real pcscd with vsmartcard's virtual reader and the
//! TEST ONLY CCCD emulator (pcsc-bridge/scripts/with-virtual-reader.sh), the real `pcsc-bridge`
//! daemon configured for this test server's origin with a trust store holding the TEST ONLY
//! CSCA, pairing through the server, the clerk's desk page in headless Chromium (tablet), and
//! the parent's phone (a second browser, 360×740) claiming the QR code.
//!
//! Each test re-runs itself inside its own rig (`unshare --mount --net`: a private pcscd, its
//! own loopback), so the tests run in parallel with each other and with the rest of the suite.
//! Needs root, `pcscd`, `vsmartcard-vpcd`, `zbar-tools` and Chromium (scripts/test installs them).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use app::identity::PersonaKind;
use app::platform::db::Backend;
use fantoccini::Locator;
use serde_json::{Value, json};

use crate::support::browser::{Browser, TABLET, demo_login};
use crate::support::{TestApp, TestDb, bind_port, site_root, spawn_app_on, workspace_root};
use crate::verification::{HOLDER_NAME, pairing_code, session_as};

/// Set by the rig inside its namespace.
const INSIDE_RIG: &str = "PCSC_BRIDGE_VIRTUAL_READER";

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// The daemon and the emulator, built from this workspace before entering the rig (a no-op
/// when they are current).
fn bridge_binaries() -> (PathBuf, PathBuf) {
    let dir = target_dir().join("debug");
    if inside_rig() {
        return (dir.join("pcsc-bridge"), dir.join("cccd-emulator"));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            "pcsc-bridge",
            "--features",
            "test-support",
            "--bin",
            "pcsc-bridge",
            "--bin",
            "cccd-emulator",
        ])
        .current_dir(workspace_root())
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "building pcsc-bridge and the card emulator failed"
    );
    (dir.join("pcsc-bridge"), dir.join("cccd-emulator"))
}

/// Outside the rig: runs this very test again inside a fresh one and passes on its result.
fn rerun_inside_rig(test: &str) {
    let (_, emulator) = bridge_binaries();
    let started = Instant::now();
    let status = Command::new(workspace_root().join("pcsc-bridge/scripts/with-virtual-reader.sh"))
        .args(["--no-build", "--"])
        .arg(std::env::current_exe().expect("test binary"))
        .args([test, "--exact", "--nocapture", "--test-threads", "1"])
        .env("PCSC_BRIDGE_EMULATOR", emulator)
        .status()
        .expect("the virtual-reader rig starts (needs root, pcscd and vsmartcard-vpcd)");
    println!(
        "desk e2e {test}: {:.1} s in its own rig",
        started.elapsed().as_secs_f64()
    );
    assert!(
        status.success(),
        "{test} failed inside the virtual-reader rig"
    );
}

fn inside_rig() -> bool {
    std::env::var_os(INSIDE_RIG).is_some()
}

/// The pcsc-bridge daemon as a desk runs it.
struct Daemon {
    url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn start_daemon(binary: &Path, server_url: &str, port: u16) -> Daemon {
    let dir = tempfile::tempdir().expect("temp dir");
    // A trust store holding only the TEST ONLY CSCAs of the fixtures.
    let trust = dir.path().join("csca");
    std::fs::create_dir_all(&trust).unwrap();
    let fixtures = workspace_root().join("pcsc-bridge/tests/fixtures/trust-store");
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), trust.join(entry.file_name())).unwrap();
    }
    let reader =
        std::env::var("PCSC_BRIDGE_TEST_READER").unwrap_or_else(|_| "Virtual PCD 00 00".into());
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "server_url = \"{server_url}\"\nlisten_port = {port}\nreader_name = \"{reader}\"\n\
             trust_store_dir = \"{}\"\nstate_dir = \"{}\"\nbridge_name = \"Văn phòng – bàn thử\"\n\
             card_wait_seconds = 5\n",
            trust.display(),
            dir.path().join("state").display()
        ),
    )
    .unwrap();
    let mut child = Command::new(binary)
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pcsc-bridge starts");
    // It says when it listens; keep draining its log (and echo it, for a failing test's output).
    let stderr = child.stderr.take().expect("daemon stderr");
    let mut lines = BufReader::new(stderr).lines();
    for line in lines.by_ref() {
        let line = line.expect("daemon log");
        eprintln!("[pcsc-bridge] {line}");
        if line.contains("listening") {
            std::thread::spawn(move || {
                for line in lines.map_while(Result::ok) {
                    eprintln!("[pcsc-bridge] {line}");
                }
            });
            return Daemon {
                url: format!("http://127.0.0.1:{port}"),
                child,
                _dir: dir,
            };
        }
    }
    let status = child.wait();
    panic!("pcsc-bridge exited before listening: {status:?}");
}

/// The test server with the desk's bridge on `bridge_port`, and the daemon configured for it.
async fn desk_setup() -> (TestApp, Daemon) {
    let _ = site_root();
    let (daemon_binary, _) = bridge_binaries();
    let bridge_port = free_port();
    let listener = bind_port().await;
    let app = spawn_app_on(
        TestDb::new(Backend::Sqlite).await,
        server::config::Mode::Demo,
        listener,
        |config| config.desk.bridge_url = format!("http://127.0.0.1:{bridge_port}"),
    )
    .await;
    let daemon = start_daemon(&daemon_binary, &app.base_url, bridge_port);
    (app, daemon)
}

async fn fill(browser: &Browser, css: &str, text: &str) {
    let field = browser.wait_for(css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// The MRZ on the back of the fixture card, as a clerk types it.
const FIXTURE_MRZ: &str = "IDVNM0850123452001085012345<<<\n8508122M2508120VNM<<<<<<<<<<<1\nLE<<VAN<HUNG<<<<<<<<<<<<<<<<<<";
/// The front QR code of the fixture card.
const FIXTURE_QR: &str =
    "001085012345|012345678|Lê Văn Hùng|12081985|Nam|Số nhà 18, Long Biên, Hà Nội|10042021";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_verifies_at_the_desk_with_a_real_reader_and_claims_on_the_phone() {
    if !inside_rig() {
        return rerun_inside_rig(
            "desk_e2e::a_parent_verifies_at_the_desk_with_a_real_reader_and_claims_on_the_phone",
        );
    }
    let started = Instant::now();
    let (app, daemon) = desk_setup().await;
    let admin_id = {
        let mut conn = app.conn().await;
        sqlx::query_scalar::<_, i64>(
            "SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id
             JOIN schools sc ON sc.id = s.school_id
             WHERE r.role = 'school_admin' AND sc.moet_code = '79000701'",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap()
    };
    let admin = session_as(&app, PersonaKind::Staff, "staff", admin_id, "Lâm Văn Phúc").await;
    let code = pairing_code(&app, &admin).await;

    // The clerk, on the office computer: logs in, goes to the desk (in-app navigation).
    let desk = Browser::launch(TABLET).await;
    demo_login(&desk, &app.base_url, "clerk").await;
    desk.wait_for("[data-page='staff-home']").await;
    desk.wait_for("a[data-link='desk']")
        .await
        .click()
        .await
        .unwrap();
    desk.wait_for("[data-page='desk']").await;
    // The bridge is there but not paired yet: pair it with the admin's code.
    desk.wait_for("[data-bridge-status='unpaired']").await;
    fill(&desk, "[data-field='pairing-code']", &code).await;
    desk.wait_for("button[data-action='pair']")
        .await
        .click()
        .await
        .unwrap();
    desk.wait_for("[data-paired='true']").await;
    desk.wait_for("[data-bridge-status='ready']").await;
    let paired_at = started.elapsed();

    // The card is on the reader; the clerk types its MRZ and reads it.
    fill(&desk, "textarea[data-field='mrz']", FIXTURE_MRZ).await;
    let read_started = Instant::now();
    desk.wait_for("button[data-action='read-card']")
        .await
        .click()
        .await
        .unwrap();
    desk.wait_for("[data-desk-result='true']").await;
    let read_took = read_started.elapsed();
    assert_eq!(
        desk.wait_for("[data-card-name]")
            .await
            .attr("data-card-name")
            .await
            .unwrap()
            .as_deref(),
        Some(HOLDER_NAME)
    );
    desk.wait_for("[data-record='guardian']").await;
    let checks = desk
        .client
        .find_all(Locator::Css("li.check-ok"))
        .await
        .unwrap();
    assert!(checks.len() >= 7, "every check passed");
    assert!(
        desk.client
            .find_all(Locator::Css("li.check-failed"))
            .await
            .unwrap()
            .is_empty()
    );

    // The QR code: its link, read back from the picture by an independent decoder.
    let qr = desk.wait_for(".qr[data-handoff-url] svg").await;
    let link = desk
        .wait_for(".qr[data-handoff-url]")
        .await
        .attr("data-handoff-url")
        .await
        .unwrap()
        .expect("the link");
    assert!(
        link.starts_with(&format!("{}/claim/", app.base_url)),
        "{link}"
    );
    let png = qr.screenshot().await.unwrap();
    let picture = tempfile::NamedTempFile::with_suffix(".png").unwrap();
    std::fs::write(picture.path(), &png).unwrap();
    let decoded = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(picture.path())
        .output()
        .expect("zbarimg (Debian zbar-tools) runs");
    assert_eq!(String::from_utf8_lossy(&decoded.stdout).trim(), link);
    desk.wait_for("[data-handoff-status='waiting']").await;

    // The parent's phone: opens the link, logs in with VNeID, confirms.
    let phone = Browser::phone().await;
    phone.client.goto(&link).await.unwrap();
    phone
        .wait_for("[data-page='claim'] a[data-login='vneid']")
        .await
        .click()
        .await
        .unwrap();
    phone
        .wait_for("a[data-demo-login='card_holder']")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(
        phone
            .wait_for("[data-claim-card]")
            .await
            .attr("data-claim-card")
            .await
            .unwrap()
            .as_deref(),
        Some(HOLDER_NAME)
    );
    phone
        .wait_for("button[data-action='confirm-claim']")
        .await
        .click()
        .await
        .unwrap();
    phone.wait_for("[data-claim-outcome='verified']").await;
    phone.wait_for("[data-verified-child]").await;

    // His children's page now shows the child, and who verified the link, where and when.
    phone.client.goto(&app.url("/guardian")).await.unwrap();
    phone
        .wait_for("[data-page='guardian-home'] li[data-child-visible='true']")
        .await;
    let history = phone
        .text("[data-section='link-history'] li[data-link-event='verified']")
        .await;
    assert!(history.contains("Đinh Thị Thu"), "{history}");
    assert!(history.contains("Văn phòng – bàn thử"), "{history}");

    // The desk saw it claimed, live.
    desk.wait_for("[data-handoff-status='claimed'] [data-handoff-outcome='verified']")
        .await;
    let mut conn = app.conn().await;
    let (status, method): (String, Option<String>) = sqlx::query_as(
        "SELECT l.status, l.verified_method FROM guardian_links l JOIN guardians g ON g.id = l.guardian_id
         WHERE g.family_name = 'Lê' AND g.given_name = 'Hùng' AND g.date_of_birth = '1985-08-12'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(
        (status.as_str(), method.as_deref()),
        ("verified", Some("desk_card"))
    );
    println!(
        "desk e2e timings: paired after {:.1} s, card read and checked in {:.2} s, whole flow {:.1} s",
        paired_at.as_secs_f64(),
        read_took.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    desk.close().await;
    phone.close().await;
    drop(daemon);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_expiry_and_a_foreign_origin_are_refused_by_the_bridge() {
    if !inside_rig() {
        return rerun_inside_rig(
            "desk_e2e::a_wrong_expiry_and_a_foreign_origin_are_refused_by_the_bridge",
        );
    }
    let (app, daemon) = desk_setup().await;
    let client = reqwest::Client::new();

    // Another web origin may not use the bridge (nor pair it): 403, and no CORS header.
    for (path, body) in [
        ("/pair", json!({"pairing_code": "ABCDE-FGHJK"})),
        (
            "/verify",
            json!({"challenge": "c", "access": {"kind": "mrz", "text": FIXTURE_MRZ}}),
        ),
    ] {
        let response = client
            .post(format!("{}{path}", daemon.url))
            .header("Origin", "https://evil.example")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403);
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "origin_forbidden");
    }

    // A page of another origin (this same server under 127.0.0.1): the browser refuses to let
    // it read the bridge's answer.
    let browser = Browser::launch(TABLET).await;
    let foreign = format!("http://127.0.0.1:{}/login", app.addr.port());
    browser.client.goto(&foreign).await.unwrap();
    browser.wait_for("a[data-login='vneid']").await;
    let outcome = browser
        .run_async(&format!(
            "fetch('{}/status').then(r => done('read ' + r.status)).catch(e => done('blocked'))",
            daemon.url
        ))
        .await;
    assert_eq!(outcome, Value::from("blocked"));

    // The desk page, paired the way the page does it (the school origin).
    let admin_id = {
        let mut conn = app.conn().await;
        sqlx::query_scalar::<_, i64>(
            "SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id
             JOIN schools sc ON sc.id = s.school_id
             WHERE r.role = 'school_admin' AND sc.moet_code = '79000701'",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap()
    };
    let admin = session_as(&app, PersonaKind::Staff, "staff", admin_id, "Lâm Văn Phúc").await;
    let code = pairing_code(&app, &admin).await;
    let paired = client
        .post(format!("{}/pair", daemon.url))
        .header("Origin", &app.base_url)
        .json(&json!({"pairing_code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(paired.status().as_u16(), 200);

    // The clerk scans the front QR code; the expiry proposed from the age rule is right, but
    // she "corrects" it wrongly: the chip refuses the keys, and nothing reaches the server.
    demo_login(&browser, &app.base_url, "clerk").await;
    browser.wait_for("[data-page='staff-home']").await;
    browser.client.goto(&app.url("/desk")).await.unwrap();
    browser.wait_for("[data-bridge-status='ready']").await;
    browser
        .wait_for("button[data-mode='qr']")
        .await
        .click()
        .await
        .unwrap();
    fill(&browser, "input[data-field='qr']", FIXTURE_QR).await;
    let proposed = browser
        .wait_for("input[data-field='expiry']")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(proposed.as_deref(), Some("12/08/2025"));
    fill(&browser, "input[data-field='expiry']", "12/08/2030").await;
    browser
        .wait_for("button[data-action='read-card']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for("[data-bridge-error='card_mrz_mismatch']")
        .await;
    let mut conn = app.conn().await;
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM desk_verifications")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(kept, 0);

    // With the printed expiry, the same QR path reads the card.
    fill(&browser, "input[data-field='expiry']", "12/08/2025").await;
    browser
        .wait_for("button[data-action='read-card']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("[data-desk-result='true']").await;
    browser.close().await;
    drop(daemon);
}
