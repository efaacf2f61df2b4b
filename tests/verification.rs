//! Desk verification through the server's own interfaces, without hardware: a software "bridge"
//! pairs with a code like the real daemon and signs results it built from the TEST ONLY card
//! fixtures of pcsc-bridge (real passive authentication against the TEST ONLY CSCA). The whole
//! flow with the real daemon, pcscd and Chromium is in `desk_e2e`.

use std::collections::BTreeMap;

use app::identity::PersonaKind;
use app::platform::clock::Clock;
use app::platform::db::Backend;
use ed25519_dalek::SigningKey;
use pcsc_bridge::icao::date::CivilDate;
use pcsc_bridge::icao::passive_auth::{self, TrustStore};
use pcsc_bridge::icao::{dg13, lds};
use pcsc_bridge::protocol::{
    self, Dg1Fields, Dg13Fields, DocumentNumberFormWire, PassiveAuthWire, VerificationResult,
};
use serde_json::{Value, json};
use sqlx::Row;

use crate::on_both_backends;
use crate::support::sessions::session_as_record;
use crate::support::{TestApp, spawn_app, spawn_app_with_clock, workspace_root};

/// The fixture card's holder: in the demo, the (unverified) father of a pupil of 7A1.
pub const HOLDER_PID: &str = "001085012345";
pub const HOLDER_NAME: &str = "Lê Văn Hùng";
const PILOT: &str = "(SELECT id FROM schools WHERE moet_code = '79000701')";
const OTHER: &str = "(SELECT id FROM schools WHERE moet_code = '79000702')";

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        workspace_root()
            .join("pcsc-bridge/tests/fixtures")
            .join(name),
    )
    .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// A logged-in browser, reduced to its cookie and CSRF token.
pub struct Caller {
    pub cookie: String,
    pub csrf: String,
}

async fn one_id(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.conn().await;
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

/// A session acting as the record `(table, id)`, the way a VNeID login opens it, with the name
/// VNeID gives (`vneid_name`).
pub async fn session_as(
    app: &TestApp,
    kind: PersonaKind,
    table: &str,
    record: i64,
    vneid_name: &str,
) -> Caller {
    let session = session_as_record(app, kind, table, record, vneid_name).await;
    Caller {
        cookie: session.cookie,
        csrf: session.csrf,
    }
}

pub async fn staff_with(app: &TestApp, role: &str, school: &str) -> Caller {
    let id = one_id(app, &format!(
        "SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = '{role}' AND s.school_id = {school} ORDER BY s.id LIMIT 1"
    )).await;
    let name = staff_name(app, id).await;
    session_as(app, PersonaKind::Staff, "staff", id, &name).await
}

async fn staff_name(app: &TestApp, id: i64) -> String {
    let mut conn = app.conn().await;
    let row = sqlx::query("SELECT family_name, middle_name, given_name FROM staff WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    [
        row.get::<String, _>("family_name"),
        row.get::<String, _>("middle_name"),
        row.get::<String, _>("given_name"),
    ]
    .into_iter()
    .filter(|p| !p.is_empty())
    .collect::<Vec<_>>()
    .join(" ")
}

pub async fn holder_guardian_id(app: &TestApp) -> i64 {
    let hash = app
        .state
        .crypto
        .lookup_hash(&app::platform::personal_id::PersonalId::parse(HOLDER_PID).unwrap());
    let mut conn = app.conn().await;
    sqlx::query_scalar("SELECT id FROM guardians WHERE pid_hash = $1")
        .bind(hash)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

pub async fn holder(app: &TestApp) -> Caller {
    let id = holder_guardian_id(app).await;
    session_as(app, PersonaKind::Guardian, "guardians", id, HOLDER_NAME).await
}

/// Calls a server function as `caller`.
pub async fn call(
    app: &TestApp,
    caller: &Caller,
    endpoint: &str,
    form: &[(&str, String)],
) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/{endpoint}")))
        .header(app::identity::CSRF_HEADER, &caller.csrf)
        .header("cookie", &caller.cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn error_code(body: &Value) -> &str {
    body["error"].as_str().unwrap_or("(none)")
}

/// A bridge as the server sees it: a key pair and the id it was given at pairing.
pub struct SoftBridge {
    pub key: SigningKey,
    pub bridge_id: String,
}

pub async fn pairing_code(app: &TestApp, admin: &Caller) -> String {
    let (status, body) = call(app, admin, "create_pairing_code", &[]).await;
    assert_eq!(status, 200, "{body}");
    body["code"].as_str().unwrap().to_string()
}

async fn pair_request(app: &TestApp, code: &str, key: &SigningKey) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url(protocol::PAIRING_PATH))
        .json(&json!({
            "pairing_code": code,
            "public_key": protocol::encode_public_key(&key.verifying_key()),
            "bridge_name": "Bàn thử",
            "bridge_version": "0.1.0",
            "protocol_version": 1,
        }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn paired_bridge(app: &TestApp, admin: &Caller, seed: u8) -> SoftBridge {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let code = pairing_code(app, admin).await;
    let (status, body) = pair_request(app, &code, &key).await;
    assert_eq!(status, 200, "{body}");
    SoftBridge {
        key,
        bridge_id: body["bridge_id"].as_str().unwrap().to_string(),
    }
}

/// What the bridge would sign after reading the fixture card, with these DG13 and EF.SOD bytes
/// (passive authentication computed for real against the TEST ONLY trust store).
fn card_result(
    bridge_id: &str,
    challenge: &str,
    dg13_bytes: &[u8],
    sod: &[u8],
    dg2: Option<&[u8]>,
    now: i64,
) -> VerificationResult {
    let dg1_bytes = fixture("dg1.bin");
    let mrz = lds::parse_dg1(&dg1_bytes).unwrap();
    let personal = dg13::parse_dg13(dg13_bytes).unwrap();
    let store =
        TrustStore::load_dir(&workspace_root().join("pcsc-bridge/tests/fixtures/trust-store"))
            .unwrap();
    let mut groups: BTreeMap<u8, &[u8]> = BTreeMap::from([(1, &dg1_bytes[..]), (13, dg13_bytes)]);
    if let Some(dg2) = dg2 {
        groups.insert(2, dg2);
    }
    let report =
        passive_auth::verify(sod, &groups, &store, CivilDate::new(2026, 6, 1).unwrap()).unwrap();
    VerificationResult {
        format: protocol::RESULT_FORMAT.to_owned(),
        bridge_id: bridge_id.to_owned(),
        bridge_version: "0.1.0".to_owned(),
        challenge: challenge.to_owned(),
        timestamp: u64::try_from(now).unwrap(),
        document_number_form: DocumentNumberFormWire::AsGiven,
        document_number_digits: 9,
        dg1: Dg1Fields::from(&mrz),
        dg13: Dg13Fields::from(&personal),
        passive_auth: PassiveAuthWire::from_report(&report),
        dg2: dg2.map(|bytes| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(bytes)
        }),
    }
}

fn sign(bridge: &SoftBridge, result: &VerificationResult) -> String {
    serde_json::to_string(&protocol::sign_result(result, &bridge.key).unwrap()).unwrap()
}

pub async fn challenge(app: &TestApp, clerk: &Caller) -> String {
    let (status, body) = call(app, clerk, "desk_challenge", &[]).await;
    assert_eq!(status, 200, "{body}");
    body["challenge"].as_str().unwrap().to_string()
}

/// The genuine fixture card, read by `bridge` over a fresh challenge of `clerk`.
async fn genuine(app: &TestApp, clerk: &Caller, bridge: &SoftBridge) -> String {
    let challenge = challenge(app, clerk).await;
    sign(
        bridge,
        &card_result(
            &bridge.bridge_id,
            &challenge,
            &fixture("dg13.bin"),
            &fixture("sod-rsa-pkcs1v15.bin"),
            None,
            app.state.clock.unix(),
        ),
    )
}

async fn submit(app: &TestApp, clerk: &Caller, signed: &str) -> (u16, Value) {
    call(app, clerk, "desk_submit", &[("signed", signed.to_string())]).await
}

struct Desk {
    app: TestApp,
    admin: Caller,
    clerk: Caller,
    bridge: SoftBridge,
}

async fn desk(app: TestApp) -> Desk {
    let admin = staff_with(&app, "school_admin", PILOT).await;
    let clerk = staff_with(&app, "clerk", PILOT).await;
    let bridge = paired_bridge(&app, &admin, 7).await;
    Desk {
        app,
        admin,
        clerk,
        bridge,
    }
}

fn token_of(outcome: &Value) -> String {
    let url = outcome["handoff"]["url"].as_str().unwrap();
    url.rsplit('/').next().unwrap().to_string()
}

async fn link_of_holder(app: &TestApp) -> (i64, String, Option<String>, Option<i64>, Option<i64>) {
    let guardian = holder_guardian_id(app).await;
    let mut conn = app.conn().await;
    let row = sqlx::query(
        "SELECT id, status, verified_method, verified_by, verification_id FROM guardian_links WHERE guardian_id = $1",
    )
    .bind(guardian)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    (
        row.get("id"),
        row.get("status"),
        row.get("verified_method"),
        row.get("verified_by"),
        row.get("verification_id"),
    )
}

// --- the flow ------------------------------------------------------------------------------------

async fn a_card_read_at_the_desk_verifies_the_parents_link_on_his_phone(backend: Backend) {
    let d = desk(spawn_app(backend).await).await;
    let app = &d.app;
    assert_eq!(link_of_holder(app).await.1, "unverified");

    let signed = genuine(app, &d.clerk, &d.bridge).await;
    let (status, outcome) = submit(app, &d.clerk, &signed).await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["card"]["full_name"], HOLDER_NAME);
    assert_eq!(outcome["card"]["id_masked"], "0010••••2345");
    assert_eq!(outcome["card"]["father_name"], "Lê Văn Thành");
    assert_eq!(outcome["card"]["bridge_name"], "Bàn thử");
    assert!(
        outcome["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["passed"] == true)
    );
    let matches = outcome["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1, "{outcome}");
    assert_eq!(matches[0]["kind"], "guardian");
    assert_eq!(matches[0]["agrees"], true);
    assert_eq!(matches[0]["related"][0]["status"], "unverified");
    assert_eq!(matches[0]["related"][0]["class_name"], "7A1");
    let url = outcome["handoff"]["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/claim/", app.base_url)),
        "{url}"
    );
    // 32 random bytes, base64url: 256 bits.
    assert_eq!(token_of(&outcome).len(), 43);
    let svg = outcome["handoff"]["qr_svg"].as_str().unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("<path"), "{svg}");
    let handoff_id = outcome["handoff"]["handoff_id"].as_i64().unwrap();
    let (_, state) = call(
        app,
        &d.clerk,
        "handoff_status",
        &[("handoff_id", handoff_id.to_string())],
    )
    .await;
    assert_eq!(state["status"], "waiting");

    // What is kept: the ID number only encrypted, no MRZ (document number, expiry), no DG2.
    {
        let mut conn = app.conn().await;
        let row = sqlx::query(
            "SELECT holder_pid_enc, full_name, date_of_birth, father_name, mother_name, checks, face_image_enc, clerk_id
             FROM desk_verifications",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        let enc: Vec<u8> = row.get("holder_pid_enc");
        assert!(!String::from_utf8_lossy(&enc).contains(HOLDER_PID));
        assert_eq!(row.get::<String, _>("date_of_birth"), "1985-08-12");
        assert_eq!(row.get::<String, _>("mother_name"), "Nguyễn Thị Lan");
        let checks: String = row.get("checks");
        assert!(
            !checks.contains("085012345") && !checks.contains("250812"),
            "{checks}"
        );
        assert!(row.get::<Option<Vec<u8>>, _>("face_image_enc").is_none());
    }

    // His phone: he logs in (VNeID) and confirms.
    let hung = holder(app).await;
    let token = token_of(&outcome);
    let (status, preview) = call(app, &hung, "claim_preview", &[("token", token.clone())]).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["card_name"], HOLDER_NAME);
    let (status, claimed) = call(app, &hung, "claim_handoff", &[("token", token.clone())]).await;
    assert_eq!(status, 200, "{claimed}");
    assert_eq!(claimed["outcome"], "verified");
    assert_eq!(claimed["verified_children"].as_array().unwrap().len(), 1);

    let clerk_id = one_id(app, &format!(
        "SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = 'clerk' AND s.school_id = {PILOT}"
    )).await;
    let (_, status, method, by, verification) = link_of_holder(app).await;
    assert_eq!(
        (status.as_str(), method.as_deref(), by),
        ("verified", Some("desk_card"), Some(clerk_id))
    );
    assert!(verification.is_some());

    // The desk sees it claimed; the guardian sees who verified, where and when.
    let (_, state) = call(
        app,
        &d.clerk,
        "handoff_status",
        &[("handoff_id", handoff_id.to_string())],
    )
    .await;
    assert_eq!(state["status"], "claimed");
    assert_eq!(state["outcome"], "verified");
    assert_eq!(state["claimed_by"], HOLDER_NAME);
    let (status, history) = call(app, &hung, "my_link_history", &[]).await;
    assert_eq!(status, 200, "{history}");
    let latest = &history[0];
    assert_eq!(latest["status"], "verified");
    assert_eq!(latest["method"], "desk_card");
    assert_eq!(
        latest["by"].as_str(),
        Some(staff_name(app, clerk_id).await.as_str())
    );
    assert!(
        latest["place"].as_str().unwrap().ends_with("Bàn thử"),
        "{latest}"
    );
    assert!(!latest["child_name"].as_str().unwrap().is_empty());
    let (_, children) = call(app, &hung, "my_children", &[]).await;
    assert_eq!(children[0]["visible"], true, "{children}");

    // Every change left its audit entry.
    let mut conn = app.conn().await;
    let entries: Vec<String> = sqlx::query_scalar(
        "SELECT entity || ':' || action FROM audit_log WHERE entity IN ('desk_verification', 'guardian_link', 'desk_bridge') ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for expected in [
        "desk_bridge:create",
        "desk_verification:create",
        "desk_verification:read",
        "guardian_link:update",
        "desk_verification:update",
    ] {
        assert!(
            entries.iter().any(|e| e == expected),
            "{expected} in {entries:?}"
        );
    }
}

// --- refusals at the desk ---------------------------------------------------------------------

async fn a_data_group_altered_after_signing_is_refused(backend: Backend) {
    let d = desk(spawn_app(backend).await).await;
    let app = &d.app;
    // "Hùng" → "Hùnh" in DG13: still a well-formed file, no longer the one the issuer signed.
    let mut altered = fixture("dg13.bin");
    let at = altered
        .windows(5)
        .position(|w| w == "Hùng".as_bytes())
        .unwrap();
    altered[at + 4] = b'h';
    let challenge = challenge(app, &d.clerk).await;
    let result = card_result(
        &d.bridge.bridge_id,
        &challenge,
        &altered,
        &fixture("sod-rsa-pkcs1v15.bin"),
        None,
        app.state.clock.unix(),
    );
    assert!(!result.passive_auth.verified);
    let signed = sign(&d.bridge, &result);
    let (status, body) = submit(app, &d.clerk, &signed).await;
    assert_eq!((status, error_code(&body)), (422, "card_not_authentic"));
    // The challenge is used up all the same, and nothing was kept.
    let (status, body) = submit(app, &d.clerk, &signed).await;
    assert_eq!((status, error_code(&body)), (409, "challenge_used"));
    assert_eq!(
        one_id(app, "SELECT COUNT(*) FROM desk_verifications").await,
        0
    );
    assert_eq!(
        one_id(app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'desk_verification' AND action = 'refuse'").await,
        1
    );
}

async fn a_card_signed_by_an_untrusted_csca_is_refused(backend: Backend) {
    let d = desk(spawn_app(backend).await).await;
    let app = &d.app;
    let challenge = challenge(app, &d.clerk).await;
    let result = card_result(
        &d.bridge.bridge_id,
        &challenge,
        &fixture("dg13.bin"),
        &fixture("sod-rogue.bin"),
        None,
        app.state.clock.unix(),
    );
    assert!(!result.passive_auth.chain_to_trusted_csca.passed);
    let (status, body) = submit(app, &d.clerk, &sign(&d.bridge, &result)).await;
    assert_eq!((status, error_code(&body)), (422, "card_not_authentic"));
    assert_eq!(
        one_id(app, "SELECT COUNT(*) FROM desk_verifications").await,
        0
    );
}

async fn results_of_unknown_revoked_or_impersonated_bridges_are_refused(backend: Backend) {
    let d = desk(spawn_app(backend).await).await;
    let app = &d.app;
    // Never paired.
    let stranger = SoftBridge {
        key: SigningKey::from_bytes(&[9; 32]),
        bridge_id: "br_00000000000000000000".into(),
    };
    let (status, body) = submit(app, &d.clerk, &genuine(app, &d.clerk, &stranger).await).await;
    assert_eq!((status, error_code(&body)), (403, "bridge_unknown"));
    // The paired bridge's id, another key.
    let impostor = SoftBridge {
        key: SigningKey::from_bytes(&[9; 32]),
        bridge_id: d.bridge.bridge_id.clone(),
    };
    let (status, body) = submit(app, &d.clerk, &genuine(app, &d.clerk, &impostor).await).await;
    assert_eq!((status, error_code(&body)), (422, "desk_result_invalid"));
    // A changed payload.
    let signed = genuine(app, &d.clerk, &d.bridge).await;
    let mut forged: Value = serde_json::from_str(&signed).unwrap();
    forged["payload"] = Value::from(forged["payload"].as_str().unwrap().replacen('A', "B", 1));
    let (status, body) = submit(app, &d.clerk, &forged.to_string()).await;
    assert_eq!((status, error_code(&body)), (422, "desk_result_invalid"));
    let (status, body) = submit(app, &d.clerk, "{\"not\": \"a result\"}").await;
    assert_eq!((status, error_code(&body)), (422, "desk_result_invalid"));
    // Another school's bridge is unknown here.
    let other_admin = staff_with(app, "school_admin", OTHER).await;
    let elsewhere = paired_bridge(app, &other_admin, 11).await;
    let (status, body) = submit(app, &d.clerk, &genuine(app, &d.clerk, &elsewhere).await).await;
    assert_eq!((status, error_code(&body)), (403, "bridge_unknown"));

    // Revoked: refused from then on, and the admin sees it revoked.
    let (_, list) = call(app, &d.admin, "bridges_overview", &[]).await;
    let id = list["bridges"][0]["id"].as_i64().unwrap();
    let (status, _) = call(
        app,
        &d.admin,
        "revoke_bridge",
        &[("bridge_id", id.to_string())],
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = submit(app, &d.clerk, &genuine(app, &d.clerk, &d.bridge).await).await;
    assert_eq!((status, error_code(&body)), (403, "bridge_revoked"));
    let (_, list) = call(app, &d.admin, "bridges_overview", &[]).await;
    assert!(list["bridges"][0]["revoked_at"].is_i64(), "{list}");
    assert_eq!(
        one_id(app, "SELECT COUNT(*) FROM desk_verifications").await,
        0
    );
}

async fn a_replayed_foreign_or_stale_challenge_is_refused(backend: Backend) {
    let d = desk(spawn_app_with_clock(backend, Clock::fixed(1_790_000_000)).await).await;
    let app = &d.app;
    let signed = genuine(app, &d.clerk, &d.bridge).await;
    assert_eq!(submit(app, &d.clerk, &signed).await.0, 200);
    let (status, body) = submit(app, &d.clerk, &signed).await;
    assert_eq!((status, error_code(&body)), (409, "challenge_used"));
    // Asked for by another session (the admin's), forwarded by the clerk.
    let challenge_of_admin = challenge(app, &d.admin).await;
    let result = card_result(
        &d.bridge.bridge_id,
        &challenge_of_admin,
        &fixture("dg13.bin"),
        &fixture("sod-rsa-pkcs1v15.bin"),
        None,
        app.state.clock.unix(),
    );
    let (status, body) = submit(app, &d.clerk, &sign(&d.bridge, &result)).await;
    assert_eq!((status, error_code(&body)), (403, "challenge_invalid"));
    // Made up by the page.
    let result = card_result(
        &d.bridge.bridge_id,
        "invented-challenge",
        &fixture("dg13.bin"),
        &fixture("sod-rsa-pkcs1v15.bin"),
        None,
        app.state.clock.unix(),
    );
    let (status, body) = submit(app, &d.clerk, &sign(&d.bridge, &result)).await;
    assert_eq!((status, error_code(&body)), (403, "challenge_invalid"));
    // Too old.
    let stale = genuine(app, &d.clerk, &d.bridge).await;
    app.state
        .clock
        .advance(app::verification::CHALLENGE_TTL_SECONDS + 1);
    let (status, body) = submit(app, &d.clerk, &stale).await;
    assert_eq!((status, error_code(&body)), (410, "challenge_expired"));
}

// --- refusals on the phone --------------------------------------------------------------------

async fn expired_reused_cross_school_and_foreign_claims_are_refused(backend: Backend) {
    let d = desk(spawn_app_with_clock(backend, Clock::fixed(1_790_000_000)).await).await;
    let app = &d.app;
    let (_, outcome) = submit(app, &d.clerk, &genuine(app, &d.clerk, &d.bridge).await).await;
    let token = token_of(&outcome);
    let hung = holder(app).await;

    // Expired.
    app.state
        .clock
        .advance(app::verification::HANDOFF_TTL_SECONDS + 1);
    let (status, body) = call(app, &hung, "claim_handoff", &[("token", token.clone())]).await;
    assert_eq!((status, error_code(&body)), (410, "handoff_expired"));
    let handoff_id = outcome["handoff"]["handoff_id"].as_i64().unwrap();
    let (_, state) = call(
        app,
        &d.clerk,
        "handoff_status",
        &[("handoff_id", handoff_id.to_string())],
    )
    .await;
    assert_eq!(state["status"], "expired");

    // The desk makes a new code; a guardian of another school scans it.
    let verification = outcome["verification_id"].as_i64().unwrap();
    let (status, ticket) = call(
        app,
        &d.clerk,
        "new_handoff",
        &[("verification_id", verification.to_string())],
    )
    .await;
    assert_eq!(status, 200, "{ticket}");
    let token = ticket["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let other_guardian = one_id(
        app,
        &format!("SELECT id FROM guardians WHERE school_id = {OTHER} ORDER BY id LIMIT 1"),
    )
    .await;
    let stranger = session_as(
        app,
        PersonaKind::Guardian,
        "guardians",
        other_guardian,
        "Ai Đó",
    )
    .await;
    let (status, body) = call(app, &stranger, "claim_handoff", &[("token", token.clone())]).await;
    assert_eq!((status, error_code(&body)), (403, "handoff_other_school"));

    // Another parent of this school: the card is not hers; nothing changes, the code still works.
    let lan = one_id(app, &format!(
        "SELECT g.id FROM guardians g JOIN guardian_links l ON l.guardian_id = g.id WHERE g.school_id = {PILOT} AND l.status = 'verified' ORDER BY g.id LIMIT 1"
    )).await;
    let lan = session_as(
        app,
        PersonaKind::Guardian,
        "guardians",
        lan,
        "Nguyễn Thị Lan",
    )
    .await;
    let (status, body) = call(app, &lan, "claim_handoff", &[("token", token.clone())]).await;
    assert_eq!((status, error_code(&body)), (403, "claim_not_card_holder"));
    // A teacher (no guardian record) whose card it is not.
    let teacher = staff_with(app, "teacher", PILOT).await;
    let (status, body) = call(app, &teacher, "claim_handoff", &[("token", token.clone())]).await;
    assert_eq!((status, error_code(&body)), (403, "claim_not_card_holder"));
    assert_eq!(link_of_holder(app).await.1, "unverified");

    // The holder claims; a second scan is refused.
    let (status, body) = call(app, &hung, "claim_handoff", &[("token", token.clone())]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(app, &hung, "claim_handoff", &[("token", token.clone())]).await;
    assert_eq!((status, error_code(&body)), (409, "handoff_used"));
    let (status, body) = call(app, &hung, "claim_preview", &[("token", token)]).await;
    assert_eq!((status, error_code(&body)), (409, "handoff_used"));
    // And the desk cannot make another code for a claimed verification.
    let (status, body) = call(
        app,
        &d.clerk,
        "new_handoff",
        &[("verification_id", verification.to_string())],
    )
    .await;
    assert_eq!((status, error_code(&body)), (409, "handoff_used"));
    // A made-up link.
    let (status, body) = call(app, &hung, "claim_handoff", &[("token", "x".repeat(43))]).await;
    assert_eq!((status, error_code(&body)), (404, "handoff_invalid"));
}

// --- review queue -------------------------------------------------------------------------------

async fn a_card_that_differs_from_the_record_waits_for_a_clerk(backend: Backend) {
    let d = desk(spawn_app(backend).await).await;
    let app = &d.app;
    // The school typed his name with another tone mark.
    let guardian = holder_guardian_id(app).await;
    {
        let mut conn = app.conn().await;
        sqlx::query("UPDATE guardians SET given_name = 'Hưng' WHERE id = $1")
            .bind(guardian)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let (_, outcome) = submit(app, &d.clerk, &genuine(app, &d.clerk, &d.bridge).await).await;
    assert_eq!(outcome["matches"][0]["agrees"], false, "{outcome}");
    let hung = holder(app).await;
    let (status, claimed) = call(
        app,
        &hung,
        "claim_handoff",
        &[("token", token_of(&outcome))],
    )
    .await;
    assert_eq!(status, 200, "{claimed}");
    assert_eq!(claimed["outcome"], "review");
    assert_eq!(link_of_holder(app).await.1, "pending");

    let (status, queue) = call(app, &d.clerk, "review_queue", &[]).await;
    assert_eq!(status, 200, "{queue}");
    let item = &queue[0];
    assert_eq!(item["reason"], "record_differs");
    assert_eq!(item["card_name"], HOLDER_NAME);
    assert_eq!(item["guardian_name"], "Lê Văn Hưng");
    let (status, body) = call(
        app,
        &d.clerk,
        "resolve_review",
        &[
            ("review_id", item["id"].to_string()),
            ("approve", "true".into()),
            ("note", "Hồ sơ gõ sai dấu".into()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let clerk_id = one_id(app, &format!(
        "SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = 'clerk' AND s.school_id = {PILOT}"
    )).await;
    let (_, status, method, by, _) = link_of_holder(app).await;
    assert_eq!(
        (status.as_str(), method.as_deref(), by),
        ("verified", Some("clerk"), Some(clerk_id))
    );
    let (_, queue) = call(app, &d.clerk, "review_queue", &[]).await;
    assert_eq!(queue.as_array().unwrap().len(), 0);
    // Resolving twice is a conflict.
    let (status, _) = call(
        app,
        &d.clerk,
        "resolve_review",
        &[
            ("review_id", item["id"].to_string()),
            ("approve", "false".into()),
            ("note", String::new()),
        ],
    )
    .await;
    assert_eq!(status, 409);
    // The guardian's history: unverified → pending → verified (by the clerk's review).
    let (_, history) = call(app, &hung, "my_link_history", &[]).await;
    let statuses: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["verified", "pending", "unverified"]);
    assert_eq!(history[0]["method"], "clerk");
}

async fn a_rejected_review_changes_no_link(backend: Backend) {
    let d = desk(spawn_app(backend).await).await;
    let app = &d.app;
    let guardian = holder_guardian_id(app).await;
    {
        let mut conn = app.conn().await;
        sqlx::query("UPDATE guardians SET date_of_birth = '1986-08-12' WHERE id = $1")
            .bind(guardian)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let (_, outcome) = submit(app, &d.clerk, &genuine(app, &d.clerk, &d.bridge).await).await;
    let hung = holder(app).await;
    call(
        app,
        &hung,
        "claim_handoff",
        &[("token", token_of(&outcome))],
    )
    .await;
    let (_, queue) = call(app, &d.clerk, "review_queue", &[]).await;
    let (status, _) = call(
        app,
        &d.clerk,
        "resolve_review",
        &[
            ("review_id", queue[0]["id"].to_string()),
            ("approve", "false".into()),
            ("note", "Không khớp".into()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(link_of_holder(app).await.1, "unverified");
}

// --- pairing ----------------------------------------------------------------------------------

async fn pairing_codes_work_once_expire_and_are_rate_limited(backend: Backend) {
    let app = spawn_app_with_clock(backend, Clock::fixed(1_790_000_000)).await;
    let admin = staff_with(&app, "school_admin", PILOT).await;
    let key = SigningKey::from_bytes(&[5; 32]);
    let code = pairing_code(&app, &admin).await;
    assert!(code.len() == 11 && code.as_bytes()[5] == b'-', "{code}");
    // Typed without the dash, in lower case: accepted.
    let typed = code.replace('-', "").to_lowercase();
    let (status, body) = pair_request(&app, &typed, &key).await;
    assert_eq!(status, 200, "{body}");
    let bridge_id = body["bridge_id"].as_str().unwrap();
    assert!(
        bridge_id.starts_with("br_") && bridge_id.len() == 23,
        "{bridge_id}"
    );
    // Used.
    let (status, body) = pair_request(&app, &code, &key).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("pairing_code_invalid"))
    );
    assert!(body["message_vi"].as_str().is_some_and(|m| !m.is_empty()));
    // Expired.
    let code = pairing_code(&app, &admin).await;
    app.state
        .clock
        .advance(app::verification::PAIRING_CODE_TTL_SECONDS + 1);
    let (status, body) = pair_request(&app, &code, &key).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("pairing_code_invalid"))
    );
    // Malformed requests.
    let response = reqwest::Client::new()
        .post(app.url(protocol::PAIRING_PATH))
        .json(&json!({"pairing_code": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    // Guessing is rate-limited per address.
    let mut last = 0;
    for _ in 0..12 {
        last = pair_request(&app, "AAAAA-AAAAA", &key).await.0;
    }
    assert_eq!(last, 429);
    // The admin's list shows the one bridge.
    let (_, list) = call(&app, &admin, "bridges_overview", &[]).await;
    assert_eq!(list["bridges"].as_array().unwrap().len(), 1);
    assert_eq!(list["bridges"][0]["name"], "Bàn thử");
    assert_eq!(list["bridge_url"], "http://127.0.0.1:47800");
}

// --- face image, progress, CSP ----------------------------------------------------------------

async fn the_face_image_is_kept_only_when_the_school_turned_it_on(backend: Backend) {
    let d = desk(spawn_app(backend).await).await;
    let app = &d.app;
    let dg2 = fixture("dg2.bin");
    let read = |with_dg2: bool, challenge: String| {
        sign(
            &d.bridge,
            &card_result(
                &d.bridge.bridge_id,
                &challenge,
                &fixture("dg13.bin"),
                &fixture("sod-rsa-pkcs1v15.bin"),
                with_dg2.then_some(&dg2[..]),
                app.state.clock.unix(),
            ),
        )
    };
    // Off (the default): a DG2 the page slipped in is not kept.
    let (_, body) = call(app, &d.clerk, "desk_challenge", &[]).await;
    assert_eq!(body["include_face_image"], false);
    let signed = read(true, body["challenge"].as_str().unwrap().into());
    assert_eq!(submit(app, &d.clerk, &signed).await.0, 200);
    // On.
    let (status, _) = call(
        app,
        &d.admin,
        "set_desk_face_image",
        &[("enabled", "true".into())],
    )
    .await;
    assert_eq!(status, 200);
    let (_, body) = call(app, &d.clerk, "desk_challenge", &[]).await;
    assert_eq!(body["include_face_image"], true);
    let signed = read(true, body["challenge"].as_str().unwrap().into());
    assert_eq!(submit(app, &d.clerk, &signed).await.0, 200);
    let mut conn = app.conn().await;
    let kept: Vec<Option<Vec<u8>>> =
        sqlx::query_scalar("SELECT face_image_enc FROM desk_verifications ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert!(kept[0].is_none());
    let sealed = kept[1].clone().expect("kept when on");
    assert_eq!(
        app.state
            .crypto
            .open_bytes(app::verification::store::FACE_IMAGE_PURPOSE, &sealed)
            .unwrap(),
        dg2
    );
}

async fn progress_shows_shares_by_class_school_and_district(backend: Backend) {
    let d = desk(spawn_app(backend).await).await;
    let app = &d.app;
    let (status, school) = call(
        app,
        &d.clerk,
        "verification_progress",
        &[(
            "school_id",
            one_id(app, &format!("SELECT {PILOT}")).await.to_string(),
        )],
    )
    .await;
    assert_eq!(status, 200, "{school}");
    assert_eq!(school["district"], false);
    assert_eq!(school["rows"].as_array().unwrap().len(), 8);
    let row_7a1 = |view: &Value| {
        view["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"] == "7A1")
            .unwrap()["guardians"]
            .clone()
    };
    let before = row_7a1(&school);
    assert!(school["chart_svg"].as_str().unwrap().starts_with("<svg"));
    assert!(school["total"]["teachers"]["total"].as_i64().unwrap() >= 13);

    // Hùng's link verified: one more guardian of 7A1.
    let (_, outcome) = submit(app, &d.clerk, &genuine(app, &d.clerk, &d.bridge).await).await;
    call(
        app,
        &holder(app).await,
        "claim_handoff",
        &[("token", token_of(&outcome))],
    )
    .await;
    let (_, school) = call(
        app,
        &d.clerk,
        "verification_progress",
        &[(
            "school_id",
            one_id(app, &format!("SELECT {PILOT}")).await.to_string(),
        )],
    )
    .await;
    let after = row_7a1(&school);
    assert_eq!(
        after["verified"].as_i64(),
        before["verified"].as_i64().map(|v| v + 1)
    );
    assert_eq!(after["total"], before["total"]);
    // Counted as verified by the desk's card check, not by VNeID.
    assert_eq!(
        after["by_desk_card"].as_i64(),
        before["by_desk_card"].as_i64().map(|v| v + 1)
    );
    assert_eq!(after["by_vneid"], before["by_vneid"]);

    // The district admin sees both schools; the demo's second school is well on its way.
    let admin_id = one_id(app, "SELECT id FROM district_admins").await;
    let district = session_as(
        app,
        PersonaKind::DistrictAdmin,
        "district_admins",
        admin_id,
        "Trương Thị Hồng",
    )
    .await;
    let (status, view) = call(app, &district, "verification_progress", &[]).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["district"], true);
    let rows = view["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let permille = |share: &Value| {
        share["verified"].as_i64().unwrap() * 1000 / share["total"].as_i64().unwrap().max(1)
    };
    let second = rows
        .iter()
        .find(|r| r["label"].as_str().unwrap().contains("Hiệp Phước"))
        .unwrap();
    assert!(
        (600..=800).contains(&permille(&second["guardians"])),
        "{second}"
    );
    assert!(permille(&second["teachers"]) >= 700, "{second}");
    // The chart has a rising line for the weeks of the demo.
    assert!(
        view["chart_svg"]
            .as_str()
            .unwrap()
            .contains("chart-guardians")
    );
    // A clerk cannot see another school's progress, nor the district's.
    let other = one_id(app, &format!("SELECT {OTHER}")).await;
    let (status, _) = call(
        app,
        &d.clerk,
        "verification_progress",
        &[("school_id", other.to_string())],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(app, &d.clerk, "verification_progress", &[]).await;
    assert_eq!(status, 403);

    // The same table as an Excel file: title, school, header, the eight classes, the total.
    let download = |caller: &Caller, query: String| {
        reqwest::Client::new()
            .get(app.url(&format!("/desk/progress/xlsx{query}")))
            .header("cookie", &caller.cookie)
            .send()
    };
    let pilot = one_id(app, &format!("SELECT {PILOT}")).await;
    let response = download(&d.clerk, format!("?school={pilot}"))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let grid: Vec<Vec<String>> = {
        use calamine::{Reader, Xlsx};
        let bytes = response.bytes().await.unwrap().to_vec();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    assert_eq!(grid.len(), 4 + 8 + 1, "{grid:?}");
    assert_eq!(grid[3][0], "Lớp");
    assert_eq!(grid[12][0], "Cộng");
    let response = download(&d.clerk, format!("?school={other}"))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let response = download(&district, String::new()).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

/// The rows of a follow-up table (server function answer), as `(column key → text)` maps.
fn follow_up_rows(table: &Value) -> Vec<std::collections::HashMap<String, String>> {
    let keys: Vec<String> = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap().to_string())
        .collect();
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            keys.iter()
                .cloned()
                .zip(row.as_array().unwrap().iter().map(|cell| {
                    cell.get("Text")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                }))
                .collect()
        })
        .collect()
}

async fn the_follow_up_list_names_who_is_missing_to_those_who_may_call_them(backend: Backend) {
    let d = desk(spawn_app(backend).await).await;
    let app = &d.app;
    let school = one_id(app, &format!("SELECT {PILOT}")).await;
    let class_of = |name: &str| {
        format!("SELECT id FROM classes WHERE school_id = {school} AND name = '{name}'")
    };
    let class_7a1 = one_id(app, &class_of("7A1")).await;
    let class_7a2 = one_id(app, &class_of("7A2")).await;
    let homeroom_id = one_id(
        app,
        &format!("SELECT staff_id FROM teaching_assignments WHERE class_id = {class_7a1} AND kind = 'homeroom'"),
    )
    .await;
    let homeroom_name = staff_name(app, homeroom_id).await;
    let homeroom = session_as(
        app,
        PersonaKind::Staff,
        "staff",
        homeroom_id,
        &homeroom_name,
    )
    .await;
    let ask = |class: i64| {
        vec![
            ("school_id", school.to_string()),
            ("class_id", class.to_string()),
        ]
    };

    // 7A1's homeroom teacher: every guardian of the class not verified, Hùng among them.
    let (status, table) = call(app, &homeroom, "verification_follow_up", &ask(class_7a1)).await;
    assert_eq!(status, 200, "{table}");
    let rows = follow_up_rows(&table);
    let not_verified = one_id(
        app,
        &format!(
            "SELECT COUNT(*) FROM guardian_links l JOIN class_enrollments e ON e.student_id = l.student_id AND e.left_on IS NULL
             WHERE e.class_id = {class_7a1} AND l.status IN ('unverified', 'pending')"
        ),
    )
    .await;
    let guardians: Vec<_> = rows
        .iter()
        .filter(|r| r["relation"] != "Giáo viên")
        .collect();
    assert_eq!(guardians.len() as i64, not_verified);
    assert!(rows.iter().all(|r| r["class"] == "7A1"), "{rows:?}");
    let hung = guardians
        .iter()
        .find(|r| r["person"] == HOLDER_NAME)
        .expect("Hùng is not verified yet");
    assert!(!hung["student"].is_empty() && hung["status"] == "Chưa xác thực");
    assert_eq!(
        one_id(
            app,
            &format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'verification_follow_up' AND action = 'read' AND actor_id = {homeroom_id} AND entity_id = {class_7a1}")
        )
        .await,
        1,
        "reading the list is audited"
    );

    // Once Hùng's card is read at the desk and he claims it, he is off the list.
    let (_, outcome) = submit(app, &d.clerk, &genuine(app, &d.clerk, &d.bridge).await).await;
    let (status, _) = call(
        app,
        &holder(app).await,
        "claim_handoff",
        &[("token", token_of(&outcome))],
    )
    .await;
    assert_eq!(status, 200);
    let (_, table) = call(app, &homeroom, "verification_follow_up", &ask(class_7a1)).await;
    let after = follow_up_rows(&table);
    assert_eq!(after.len(), rows.len() - 1);
    assert!(after.iter().all(|r| r["person"] != HOLDER_NAME));

    // The same list as an Excel file: title, the class, the header, then the rows.
    let download = |caller: Option<&Caller>, query: String| {
        let mut request =
            reqwest::Client::new().get(app.url(&format!("/desk/follow-up/xlsx?{query}")));
        if let Some(caller) = caller {
            request = request.header("cookie", &caller.cookie);
        }
        request.send()
    };
    let response = download(
        Some(&homeroom),
        format!("school={school}&class={class_7a1}"),
    )
    .await
    .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = response.bytes().await.unwrap().to_vec();
    let grid: Vec<Vec<String>> = {
        use calamine::{Reader, Xlsx};
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    assert!(grid[1][0].starts_with("Lớp 7A1"), "{:?}", grid[1]);
    assert_eq!(grid[3][..3], ["Lớp", "Học sinh", "Người chưa xác thực"]);
    assert_eq!(grid.len() - 4, after.len());

    // The office sees the whole school; teachers not verified are listed after the guardians.
    let (status, whole) = call(
        app,
        &d.clerk,
        "verification_follow_up",
        &[("school_id", school.to_string())],
    )
    .await;
    assert_eq!(status, 200);
    let whole = follow_up_rows(&whole);
    assert!(whole.len() > after.len());
    assert!(whole.iter().any(|r| r["class"] == "6A1"));

    // Refused: another class, the whole school, or another school to a homeroom teacher; another
    // school's list (or its class named under one's own school) to a clerk; any list to a parent;
    // the file without a session.
    let (status, _) = call(app, &homeroom, "verification_follow_up", &ask(class_7a2)).await;
    assert_eq!(status, 403);
    let (status, _) = call(
        app,
        &homeroom,
        "verification_follow_up",
        &[("school_id", school.to_string())],
    )
    .await;
    assert_eq!(status, 403);
    let other = one_id(app, &format!("SELECT {OTHER}")).await;
    let (status, _) = call(
        app,
        &d.clerk,
        "verification_follow_up",
        &[("school_id", other.to_string())],
    )
    .await;
    assert_eq!(status, 403);
    let other_class = one_id(
        app,
        &format!("SELECT id FROM classes WHERE school_id = {other} ORDER BY id LIMIT 1"),
    )
    .await;
    let (status, _) = call(
        app,
        &d.clerk,
        "verification_follow_up",
        &[
            ("school_id", school.to_string()),
            ("class_id", other_class.to_string()),
        ],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(
        app,
        &holder(app).await,
        "verification_follow_up",
        &ask(class_7a1),
    )
    .await;
    assert_eq!(status, 403);
    let response = download(None, format!("school={school}&class={class_7a1}"))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let response = download(
        Some(&homeroom),
        format!("school={school}&class={class_7a2}"),
    )
    .await
    .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_let_scripts_reach_the_desk_bridge_and_nothing_else() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app.client.get(app.url("/")).send().await.unwrap();
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("connect-src 'self' http://127.0.0.1:47800;"),
        "{csp}"
    );
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval' 'nonce-"),
        "{csp}"
    );
}

on_both_backends!(
    a_card_read_at_the_desk_verifies_the_parents_link_on_his_phone,
    a_data_group_altered_after_signing_is_refused,
    a_card_signed_by_an_untrusted_csca_is_refused,
    results_of_unknown_revoked_or_impersonated_bridges_are_refused,
    a_replayed_foreign_or_stale_challenge_is_refused,
    expired_reused_cross_school_and_foreign_claims_are_refused,
    a_card_that_differs_from_the_record_waits_for_a_clerk,
    a_rejected_review_changes_no_link,
    pairing_codes_work_once_expire_and_are_rate_limited,
    the_face_image_is_kept_only_when_the_school_turned_it_on,
    progress_shows_shares_by_class_school_and_district,
    the_follow_up_list_names_who_is_missing_to_those_who_may_call_them,
);
