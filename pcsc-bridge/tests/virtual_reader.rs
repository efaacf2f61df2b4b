//! Reads the emulated CCCD through a real pcscd (vsmartcard's vpcd driver) and the daemon's
//! HTTP API. Run under the rig, which provides pcscd, the reader and the emulator:
//!
//! ```text
//! pcsc-bridge/scripts/with-virtual-reader.sh \
//!     cargo test -p pcsc-bridge --features test-support --test virtual_reader
//! ```
//! Without the rig every test fails and says so: these tests never pass vacuously.

// A test crate: its helpers may fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pcsc_bridge::api::{self, AppState};
use pcsc_bridge::config::Config;
use pcsc_bridge::emulator::ControlClient;
use pcsc_bridge::icao::date::CivilDate;
use pcsc_bridge::icao::mrz::DocumentNumberForm;
use pcsc_bridge::icao::passive_auth::TrustStore;
use pcsc_bridge::pairing::BridgeIdentity;
use pcsc_bridge::pcsc_transport::PcscBackend;
use pcsc_bridge::protocol::{
    self, CardAccess, DocumentNumberFormWire, ErrorBody, SignedResult, StatusResponse,
};
use pcsc_bridge::testing::{FakeSchoolServer, GOOD_PAIRING_CODE};
use pcsc_bridge::verification::{self, CardBackend, ReadJob};
use serde_json::{Value, json};

const ORIGIN: &str = "https://truong.example";
const MRZ: &str = "IDVNM0850123452001085012345<<<\n\
                   8508122M2508120VNM<<<<<<<<<<<1\n\
                   LE<<VAN<HUNG<<<<<<<<<<<<<<<<<<";
const QR: &str = "001085012345|012345678|Lê Văn Hùng|12081985|Nam|Hà Nội|10042021";

struct Rig {
    reader: String,
    control: String,
    /// One emulated card: the tests take turns, across threads (`cargo test`) and processes
    /// (`cargo nextest`), by holding an exclusive lock on the rig's lock file.
    _turn: std::fs::File,
}

/// The rig's settings; fails the test when it is not running under the rig.
fn rig() -> Rig {
    let missing = "these tests read an emulated card through a real pcscd: run them under \
                   pcsc-bridge/scripts/with-virtual-reader.sh, e.g.\n  \
                   pcsc-bridge/scripts/with-virtual-reader.sh cargo test -p pcsc-bridge \
                   --features test-support --test virtual_reader\n(see pcsc-bridge/README.md)";
    assert_eq!(
        std::env::var("PCSC_BRIDGE_VIRTUAL_READER").ok().as_deref(),
        Some("1"),
        "{missing}"
    );
    let reader = std::env::var("PCSC_BRIDGE_TEST_READER").expect(missing);
    let control = std::env::var("PCSC_BRIDGE_EMULATOR_CONTROL").expect(missing);
    let lock_path = std::env::var("PCSC_BRIDGE_RIG_LOCK").expect(missing);
    let turn = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .expect("rig lock file");
    turn.lock().expect("rig lock");
    Rig {
        reader,
        control,
        _turn: turn,
    }
}

impl Rig {
    fn control(&self, command: &str) -> String {
        let mut client = ControlClient::connect(&self.control).expect("emulator control port");
        client.command(command).expect("emulator control answer")
    }

    /// Puts the card back as the rig started it: inserted, 9-digit BAC keys, seen by pcscd.
    fn reset_card(&self) {
        assert_eq!(self.control("bac nine"), "ok");
        assert_eq!(self.control("insert"), "ok");
        assert_eq!(self.control("wait-ready 10000"), "ok");
    }

    /// Power-cycles the card (it takes new BAC settings at power-on).
    fn reinsert(&self) {
        assert_eq!(self.control("remove"), "ok");
        assert_eq!(self.control("wait-removed 5000"), "ok");
        assert_eq!(self.control("insert"), "ok");
        assert_eq!(self.control("wait-ready 10000"), "ok");
    }

    fn apdus(&self) -> u64 {
        self.control("apdus").parse().expect("APDU count")
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn job(access: &CardAccess) -> ReadJob {
    ReadJob {
        candidates: verification::access_candidates(access).unwrap(),
        include_face_image: false,
        wait_for_card: Duration::from_secs(5),
        today: CivilDate::today_utc(),
    }
}

struct Daemon {
    base: String,
    client: reqwest::Client,
    server: FakeSchoolServer,
    state_dir: PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.state_dir);
    }
}

async fn start_daemon(rig: &Rig, name: &str) -> Daemon {
    let server = FakeSchoolServer::start().await.unwrap();
    let state_dir =
        std::env::temp_dir().join(format!("pcsc-bridge-rig-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state_dir);
    let config = Config::from_toml(&format!(
        "server_url = \"{}\"\nallowed_origin = \"{ORIGIN}\"\nreader_name = \"{}\"\n\
         state_dir = \"{}\"\ntrust_store_dir = \"{}\"\ncard_wait_seconds = 5",
        server.url,
        rig.reader,
        state_dir.display(),
        fixtures().join("trust-store").display()
    ))
    .unwrap();
    let identity = BridgeIdentity::load_or_create(&config.state_dir).unwrap();
    let backend = Arc::new(PcscBackend::new(config.reader_name.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let state = Arc::new(AppState::new(config, identity, backend, port).unwrap());
    tokio::spawn(api::serve(listener, state, std::future::pending()));
    let daemon = Daemon {
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
        server,
        state_dir,
    };
    let paired = daemon
        .post(
            "/pair",
            Some(ORIGIN),
            json!({"pairing_code": GOOD_PAIRING_CODE}),
        )
        .await;
    assert_eq!(paired.status(), 200);
    daemon
}

impl Daemon {
    async fn post(&self, path: &str, origin: Option<&str>, body: Value) -> reqwest::Response {
        let mut request = self.client.post(format!("{}{path}", self.base)).json(&body);
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        request.send().await.unwrap()
    }

    async fn verify(&self, body: Value) -> reqwest::Response {
        self.post("/verify", Some(ORIGIN), body).await
    }

    fn public_key(&self) -> [u8; 32] {
        let registered = self.server.registered();
        protocol::decode_public_key(&registered[0].public_key).unwrap()
    }
}

fn mrz_body(challenge: &str, date_of_expiry: &str) -> Value {
    json!({
        "challenge": challenge,
        "access": {"kind": "mrz_fields", "document_number": "085012345",
                   "date_of_birth": "850812", "date_of_expiry": date_of_expiry},
    })
}

async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: ErrorBody = response.json().await.unwrap();
    assert!(!body.message_vi.is_empty() && !body.message_en.is_empty());
    (status, body.code)
}

#[tokio::test]
async fn pcsc_sees_the_virtual_reader_and_the_card() {
    let rig = rig();
    rig.reset_card();
    let status = PcscBackend::new(Some(rig.reader.clone())).status();
    assert!(status.readers.contains(&rig.reader), "{status:?}");
    assert_eq!(status.reader.as_deref(), Some(rig.reader.as_str()));
    assert!(status.card_present, "{status:?}");
    assert_eq!(status.error, None);

    // Readers are chosen by name: an unknown name is reported, not replaced by another.
    let unknown = PcscBackend::new(Some("No Such Reader".to_owned())).status();
    assert_eq!(unknown.error.unwrap().code(), "reader_not_found");
    // Two slots of the vpcd reader and no name: ambiguous, never "the first one".
    let unnamed = PcscBackend::new(None).status();
    assert_eq!(unnamed.error.unwrap().code(), "reader_ambiguous");
}

#[tokio::test]
async fn a_good_read_passes_passive_authentication() {
    let rig = rig();
    rig.reset_card();
    let store = TrustStore::load_dir(&fixtures().join("trust-store")).unwrap();
    let backend = PcscBackend::new(Some(rig.reader.clone()));
    let before = rig.apdus();
    let started = Instant::now();
    let findings = tokio::task::spawn_blocking(move || {
        backend.read(
            &job(&CardAccess::Mrz {
                text: MRZ.to_owned(),
            }),
            &store,
        )
    })
    .await
    .unwrap()
    .unwrap();
    let elapsed = started.elapsed();
    let apdus = rig.apdus() - before;
    eprintln!("good read: {apdus} APDUs in {elapsed:?}");
    assert!(findings.verified(), "{:?}", findings.passive_auth);
    assert_eq!(findings.opened_with, DocumentNumberForm::AsGiven);
    assert_eq!(findings.document_number_digits, 9);
    assert_eq!(findings.dg13.full_name.as_deref(), Some("Lê Văn Hùng"));
    assert_eq!(findings.dg13.personal_id.as_deref(), Some("001085012345"));
    assert_eq!(findings.data_groups_read, vec![1, 13]);
    assert!(
        apdus >= 15,
        "BAC, selects and chunked reads went through PC/SC"
    );
}

#[tokio::test]
async fn the_signed_result_verifies_with_the_bridge_public_key() {
    let rig = rig();
    rig.reset_card();
    let daemon = start_daemon(&rig, "signed").await;
    let response = daemon
        .verify(json!({
            "challenge": "srv-challenge-1",
            "access": {"kind": "qr", "text": QR, "date_of_expiry": "250812"},
            "include_face_image": true,
        }))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], ORIGIN);
    let signed: SignedResult = response.json().await.unwrap();
    let key = daemon.public_key();
    let result =
        protocol::verify_signed_result(&signed, &key, "bridge-1", "srv-challenge-1").unwrap();
    assert!(result.passive_auth.verified);
    assert!(result.passive_auth.all_checks_passed());
    assert_eq!(
        result.document_number_form,
        DocumentNumberFormWire::LastNineDigits
    );
    assert_eq!(result.document_number_digits, 9);
    assert_eq!(result.dg1.document_number, "085012345");
    assert!(result.dg13.father_name.is_some());
    let dg2 = std::fs::read(fixtures().join("dg2.bin")).unwrap();
    use base64::Engine as _;
    assert_eq!(
        result.dg2,
        Some(base64::engine::general_purpose::STANDARD.encode(dg2))
    );
    assert_eq!(result.passive_auth.data_groups.len(), 3);

    // Tampered payload, wrong key, other challenge: refused.
    let mut tampered = signed.clone();
    let mut payload = base64::engine::general_purpose::STANDARD
        .decode(&signed.payload)
        .unwrap();
    let at = payload.len() / 2;
    payload[at] ^= 0x01;
    tampered.payload = base64::engine::general_purpose::STANDARD.encode(payload);
    assert!(
        protocol::verify_signed_result(&tampered, &key, "bridge-1", "srv-challenge-1").is_err()
    );
    let other_key = ed25519_dalek::SigningKey::from_bytes(&[9; 32])
        .verifying_key()
        .to_bytes();
    assert_eq!(
        protocol::verify_signed_result(&signed, &other_key, "bridge-1", "srv-challenge-1"),
        Err(protocol::ProtocolError::BadSignature)
    );
    assert_eq!(
        protocol::verify_signed_result(&signed, &key, "bridge-1", "another"),
        Err(protocol::ProtocolError::ChallengeMismatch)
    );
}

#[tokio::test]
async fn a_wrong_mrz_gives_the_mrz_mismatch_error() {
    let rig = rig();
    rig.reset_card();
    let daemon = start_daemon(&rig, "wrong-mrz").await;
    let wrong = daemon.verify(mrz_body("c1", "300812")).await;
    assert_eq!(error_of(wrong).await, (422, "card_mrz_mismatch".to_owned()));
    let right = daemon.verify(mrz_body("c2", "250812")).await;
    assert_eq!(right.status(), 200);
}

#[tokio::test]
async fn a_card_removed_mid_read_is_reported_and_the_daemon_keeps_serving() {
    let rig = rig();
    rig.reset_card();
    let daemon = start_daemon(&rig, "removed").await;
    // Pulled during the file reads, after BAC (select, challenge, authenticate = 3).
    for drop_after in [2, 9] {
        assert_eq!(rig.control(&format!("drop-after {drop_after}")), "ok");
        let started = Instant::now();
        let removed = daemon.verify(mrz_body("c-removed", "250812")).await;
        assert_eq!(
            error_of(removed).await,
            (422, "card_removed".to_owned()),
            "pulled after {drop_after} APDUs"
        );
        eprintln!(
            "removal after {drop_after} APDUs reported in {:?}",
            started.elapsed()
        );
        // The emulator puts the card back after its reinsertion delay.
        assert_eq!(rig.control("wait-ready 10000"), "ok");
        let again = daemon.verify(mrz_body("c-again", "250812")).await;
        assert_eq!(again.status(), 200, "the daemon serves the next request");
    }
}

#[tokio::test]
async fn the_api_refuses_another_origin_without_touching_the_card() {
    let rig = rig();
    rig.reset_card();
    let daemon = start_daemon(&rig, "origin").await;
    let before = rig.apdus();
    let foreign = daemon
        .post(
            "/verify",
            Some("https://evil.example"),
            mrz_body("c", "250812"),
        )
        .await;
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(
        error_of(foreign).await,
        (403, "origin_forbidden".to_owned())
    );
    let missing = daemon.post("/verify", None, mrz_body("c", "250812")).await;
    assert_eq!(error_of(missing).await, (403, "origin_missing".to_owned()));
    assert_eq!(rig.apdus(), before, "no APDU was sent for refused requests");

    let status = daemon
        .client
        .get(format!("{}/status", daemon.base))
        .header("Origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 200);
    let status: StatusResponse = status.json().await.unwrap();
    assert!(status.paired);
    assert!(status.card_present);
    assert_eq!(status.reader.as_deref(), Some(rig.reader.as_str()));
}

#[tokio::test]
async fn the_twelve_digit_fallback_is_recorded() {
    let rig = rig();
    rig.reset_card();
    assert_eq!(rig.control("bac twelve"), "ok");
    rig.reinsert();
    let daemon = start_daemon(&rig, "twelve").await;
    let response = daemon
        .verify(json!({
            "challenge": "c12",
            "access": {"kind": "mrz_fields", "document_number": "001085012345",
                       "date_of_birth": "850812", "date_of_expiry": "250812"},
        }))
        .await;
    let status = response.status();
    let signed: SignedResult = response.json().await.unwrap();
    rig.reset_card();
    rig.reinsert();
    assert_eq!(status, 200);
    let result =
        protocol::verify_signed_result(&signed, &daemon.public_key(), "bridge-1", "c12").unwrap();
    assert_eq!(
        result.document_number_form,
        DocumentNumberFormWire::AllTwelveDigits
    );
    assert_eq!(result.document_number_digits, 12);
    assert!(result.passive_auth.verified);
}

#[tokio::test]
async fn no_card_is_reported_and_a_placed_card_is_waited_for() {
    let rig = rig();
    rig.reset_card();
    let daemon = start_daemon(&rig, "absent").await;
    assert_eq!(rig.control("remove"), "ok");
    assert_eq!(rig.control("wait-removed 5000"), "ok");
    // pcscd notices the removal at its next presence poll.
    let deadline = Instant::now() + Duration::from_secs(5);
    while PcscBackend::new(Some(rig.reader.clone()))
        .status()
        .card_present
    {
        assert!(Instant::now() < deadline, "pcscd never saw the card go");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut body = mrz_body("c-absent", "250812");
    body["wait_seconds"] = json!(0);
    let absent = daemon.verify(body).await;
    assert_eq!(error_of(absent).await, (422, "card_absent".to_owned()));

    // The card is placed while the daemon waits for it.
    let control = rig.control.clone();
    let placer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let mut client = ControlClient::connect(&control).unwrap();
        client.command("insert").unwrap()
    });
    let mut body = mrz_body("c-placed", "250812");
    body["wait_seconds"] = json!(10);
    let placed = daemon.verify(body).await;
    assert_eq!(placer.join().unwrap(), "ok");
    assert_eq!(placed.status(), 200);
}
