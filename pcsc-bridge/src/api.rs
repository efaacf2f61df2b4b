//! The daemon's local HTTP API, on 127.0.0.1 only.
//!
//! | endpoint | body | answer |
//! |---|---|---|
//! | `GET /status` | – | [`StatusResponse`] |
//! | `POST /pair` | [`PairCommand`] | [`PairOutcome`] |
//! | `POST /verify` | [`VerifyRequest`] | [`SignedResult`](crate::protocol::SignedResult) |
//!
//! Errors are [`ErrorBody`] JSON with a stable code. Only the configured school origin may
//! call the API: another `Origin` gets 403 `origin_forbidden`, a POST without `Origin` gets 403
//! `origin_missing`, and CORS preflights are answered for that origin only. The `Host` header
//! must name the loopback listener (`127.0.0.1:PORT` or `localhost:PORT`), which defeats DNS
//! rebinding.

use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::rejection::JsonRejection;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::net::TcpListener;
use tracing::{info, warn};

use crate::config::{Config, MAX_CARD_WAIT_SECONDS};
use crate::error::BridgeError;
use crate::icao::date::CivilDate;
use crate::icao::passive_auth::TrustStore;
use crate::pairing::{self, BridgeIdentity, PairingState, RegisterError};
use crate::protocol::{self, ErrorBody, PairCommand, PairOutcome, StatusResponse, VerifyRequest};
use crate::verification::{self, CardBackend, ReadJob};

/// Everything the handlers share.
pub struct AppState {
    config: Config,
    identity: BridgeIdentity,
    pairing: RwLock<Option<PairingState>>,
    backend: Arc<dyn CardBackend>,
    card_lock: Arc<tokio::sync::Mutex<()>>,
    pairing_lock: tokio::sync::Mutex<()>,
    http: reqwest::Client,
    allowed_hosts: Vec<String>,
}

impl AppState {
    /// `port` is the port actually listened on (it decides the accepted `Host` headers).
    pub fn new(
        config: Config,
        identity: BridgeIdentity,
        backend: Arc<dyn CardBackend>,
        port: u16,
    ) -> Result<Self, BridgeError> {
        // A pairing made with another server does not count: never sign for another school.
        let pairing = identity
            .load_pairing()
            .map_err(|error| BridgeError::State {
                detail: error.to_string(),
            })?
            .filter(|pairing| pairing.server_url == config.server_url);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("pcsc-bridge/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| BridgeError::Internal {
                detail: error.to_string(),
            })?;
        Ok(AppState {
            config,
            identity,
            pairing: RwLock::new(pairing),
            backend,
            card_lock: Arc::new(tokio::sync::Mutex::new(())),
            pairing_lock: tokio::sync::Mutex::new(()),
            http,
            allowed_hosts: vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")],
        })
    }

    pub fn public_key_base64(&self) -> String {
        self.identity.public_key_base64()
    }

    fn current_pairing(&self) -> Option<PairingState> {
        self.pairing.read().ok().and_then(|guard| guard.clone())
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/status", get(status))
        .route("/pair", post(pair))
        .route("/verify", post(verify))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

impl IntoResponse for BridgeError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.body())).into_response()
    }
}

fn log_error(endpoint: &str, error: &BridgeError) {
    // Codes and technical details only: never MRZ data, ID numbers or names.
    warn!(
        endpoint,
        code = error.code(),
        detail = error.detail().unwrap_or(""),
        "request failed"
    );
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(ErrorBody {
            code: "endpoint_not_found".to_owned(),
            message_vi: "Không có chức năng này".to_owned(),
            message_en: "No such endpoint".to_owned(),
        }),
    )
        .into_response()
}

/// Host and Origin checks, CORS preflight, and CORS headers on allowed answers.
async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host_ok = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|host| {
            state
                .allowed_hosts
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(host))
        });
    if !host_ok {
        let error = BridgeError::HostForbidden;
        log_error(request.uri().path(), &error);
        return error.into_response();
    }
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let method = request.method().clone();
    match origin.as_deref() {
        Some(origin) if origin == state.config.allowed_origin => {}
        Some(_) => {
            let error = BridgeError::OriginForbidden;
            log_error(request.uri().path(), &error);
            return error.into_response();
        }
        None if method == Method::GET || method == Method::HEAD => {}
        None => {
            let error = BridgeError::OriginMissing;
            log_error(request.uri().path(), &error);
            return error.into_response();
        }
    }
    if method == Method::OPTIONS {
        return preflight(&state.config.allowed_origin, request.headers());
    }
    let mut response = next.run(request).await;
    if let Some(origin) = origin
        && let Ok(value) = HeaderValue::from_str(&origin)
    {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

fn preflight(origin: &str, request_headers: &HeaderMap) -> Response {
    let method_ok = request_headers
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|method| matches!(method, "GET" | "POST"));
    if !method_ok {
        return BridgeError::InvalidRequest {
            detail: "preflight for an unsupported method".to_owned(),
        }
        .into_response();
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    // Chrome's Private Network Access: a public HTTPS page calling 127.0.0.1 asks first.
    if request_headers
        .get("access-control-request-private-network")
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"true"))
    {
        headers.insert(
            "access-control-allow-private-network",
            HeaderValue::from_static("true"),
        );
    }
    response
}

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, BridgeError> {
    body.map(|Json(value)| value)
        .map_err(|rejection| BridgeError::InvalidRequest {
            detail: rejection.body_text(),
        })
}

fn load_trust_store(folder: &Path) -> Result<TrustStore, BridgeError> {
    let store = TrustStore::load_dir(folder).map_err(|error| BridgeError::TrustStore {
        detail: error.to_string(),
    })?;
    for skipped in store.skipped() {
        warn!(file = %skipped.path.display(), reason = %skipped.reason, "trust-store file skipped");
    }
    Ok(store)
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BridgeError> + Send + 'static,
) -> Result<T, BridgeError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| BridgeError::Internal {
            detail: format!("worker failed: {error}"),
        })?
}

async fn status(State(state): State<Arc<AppState>>) -> Response {
    let backend = state.backend.clone();
    let folder = state.config.trust_store_dir.clone();
    let outcome = blocking(move || {
        let trusted = TrustStore::load_dir(&folder).map_or(0, |store| store.certificates().len());
        Ok((backend.status(), trusted))
    })
    .await;
    let (reader, trusted_csca_count) = match outcome {
        Ok(found) => found,
        Err(error) => {
            log_error("/status", &error);
            return error.into_response();
        }
    };
    let pairing = state.current_pairing();
    Json(StatusResponse {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        protocol_version: protocol::PROTOCOL_VERSION,
        paired: pairing.is_some(),
        bridge_id: pairing.map(|pairing| pairing.bridge_id),
        public_key: state.public_key_base64(),
        readers: reader.readers,
        reader: reader.reader,
        card_present: reader.card_present,
        reader_error: reader.error.as_ref().map(BridgeError::body),
        trusted_csca_count,
    })
    .into_response()
}

async fn pair(
    State(state): State<Arc<AppState>>,
    body: Result<Json<PairCommand>, JsonRejection>,
) -> Response {
    match pair_inner(&state, body).await {
        Ok(outcome) => Json(outcome).into_response(),
        Err(error) => {
            log_error("/pair", &error);
            error.into_response()
        }
    }
}

async fn pair_inner(
    state: &AppState,
    body: Result<Json<PairCommand>, JsonRejection>,
) -> Result<PairOutcome, BridgeError> {
    let command = json_body(body)?;
    let bridge_name = command
        .bridge_name
        .clone()
        .unwrap_or_else(|| state.config.bridge_name.clone());
    pairing::validate_pairing_input(&command.pairing_code, &bridge_name).map_err(|field| {
        BridgeError::InvalidRequest {
            detail: format!("{field} is empty, too long or has invalid characters"),
        }
    })?;
    let _one_at_a_time = state.pairing_lock.lock().await;
    let request = state
        .identity
        .pairing_request(command.pairing_code.trim(), bridge_name.trim());
    let answer = pairing::register(&state.http, &state.config.server_url, &request)
        .await
        .map_err(|error| match error {
            RegisterError::Unreachable(detail) => BridgeError::ServerUnreachable { detail },
            RegisterError::Rejected { status, body } => BridgeError::PairingRejected {
                server: body,
                status,
            },
            RegisterError::BadAnswer(detail) => BridgeError::PairingAnswerInvalid { detail },
        })?;
    let pairing = PairingState {
        bridge_id: answer.bridge_id.trim().to_owned(),
        server_url: state.config.server_url.clone(),
        bridge_name: bridge_name.trim().to_owned(),
        paired_at: unix_now(),
    };
    state
        .identity
        .store_pairing(&pairing)
        .map_err(|error| BridgeError::State {
            detail: error.to_string(),
        })?;
    if let Ok(mut guard) = state.pairing.write() {
        *guard = Some(pairing.clone());
    }
    info!(bridge_id = %pairing.bridge_id, "paired with the school server");
    Ok(PairOutcome {
        bridge_id: pairing.bridge_id,
        public_key: state.public_key_base64(),
    })
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

async fn verify(
    State(state): State<Arc<AppState>>,
    body: Result<Json<VerifyRequest>, JsonRejection>,
) -> Response {
    let started = Instant::now();
    match verify_inner(&state, body).await {
        Ok(signed) => {
            info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                form = ?signed.result.document_number_form,
                verified = signed.result.passive_auth.verified,
                face_image = signed.result.dg2.is_some(),
                "card verified and signed"
            );
            Json(signed).into_response()
        }
        Err(error) => {
            log_error("/verify", &error);
            error.into_response()
        }
    }
}

async fn verify_inner(
    state: &AppState,
    body: Result<Json<VerifyRequest>, JsonRejection>,
) -> Result<protocol::SignedResult, BridgeError> {
    let request = json_body(body)?;
    if !protocol::challenge_is_valid(&request.challenge) {
        return Err(BridgeError::InvalidChallenge);
    }
    let pairing = state.current_pairing().ok_or(BridgeError::NotPaired)?;
    let candidates = verification::access_candidates(&request.access)?;
    let wait_seconds = request
        .wait_seconds
        .unwrap_or(state.config.card_wait_seconds)
        .min(MAX_CARD_WAIT_SECONDS);
    let job = ReadJob {
        candidates,
        include_face_image: request.include_face_image,
        wait_for_card: Duration::from_secs(u64::from(wait_seconds)),
        today: CivilDate::today_utc(),
    };
    // Held by the read itself, so a client that goes away does not free the reader early.
    let one_card_at_a_time = state
        .card_lock
        .clone()
        .try_lock_owned()
        .map_err(|_| BridgeError::Busy)?;
    let backend = state.backend.clone();
    let folder = state.config.trust_store_dir.clone();
    let findings = blocking(move || {
        let _held = one_card_at_a_time;
        let store = load_trust_store(&folder)?;
        backend.read(&job, &store)
    })
    .await?;
    let result = findings.to_result(&pairing.bridge_id, &request.challenge, unix_now());
    protocol::sign_result(&result, state.identity.signing_key()).map_err(|error| {
        BridgeError::Internal {
            detail: error.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::icao::lds::ElementaryFile;
    use crate::icao::mrz::MrzInfo;
    use crate::icao::testcard::SoftCard;
    use crate::icao::testdata;
    use crate::testing::FakeSchoolServer;
    use crate::verification::soft::SoftCardBackend;

    const ORIGIN: &str = "https://truong.example";

    struct Daemon {
        base: String,
        client: reqwest::Client,
        state: Arc<AppState>,
        backend: Arc<SoftCardBackend>,
        server: FakeSchoolServer,
        _dir: TempDir,
    }

    struct TempDir(std::path::PathBuf);

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn soft_card() -> SoftCard {
        SoftCard::new(&MrzInfo::new("085012345", "850812", "250812").unwrap())
            .unwrap()
            .with_file(ElementaryFile::Com, testdata::EF_COM)
            .with_file(ElementaryFile::Dg1, testdata::DG1)
            .with_file(ElementaryFile::Dg2, testdata::DG2)
            .with_file(ElementaryFile::Dg13, testdata::DG13)
            .with_file(ElementaryFile::Sod, testdata::SOD_RSA_PKCS1V15)
    }

    async fn start(name: &str) -> Daemon {
        let server = FakeSchoolServer::start().await.unwrap();
        let dir =
            std::env::temp_dir().join(format!("pcsc-bridge-api-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let config = Config::from_toml(&format!(
            "server_url = \"{}\"\nallowed_origin = \"{ORIGIN}\"\nstate_dir = \"{}\"\n\
             trust_store_dir = \"{}\"\ncard_wait_seconds = 0\nbridge_name = \"Bàn thử\"",
            server.url,
            dir.display(),
            testdata::trust_store_dir().display()
        ))
        .unwrap();
        let identity = BridgeIdentity::load_or_create(&config.state_dir).unwrap();
        let backend = Arc::new(SoftCardBackend::new(soft_card));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(AppState::new(config, identity, backend.clone(), port).unwrap());
        tokio::spawn(serve(listener, state.clone(), std::future::pending()));
        Daemon {
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            state,
            backend,
            server,
            _dir: TempDir(dir),
        }
    }

    impl Daemon {
        async fn post(
            &self,
            path: &str,
            origin: Option<&str>,
            body: serde_json::Value,
        ) -> reqwest::Response {
            let mut request = self.client.post(format!("{}{path}", self.base)).json(&body);
            if let Some(origin) = origin {
                request = request.header("Origin", origin);
            }
            request.send().await.unwrap()
        }

        async fn pair(&self) {
            let response = self
                .post(
                    "/pair",
                    Some(ORIGIN),
                    serde_json::json!({"pairing_code": "123456"}),
                )
                .await;
            assert_eq!(response.status(), 200);
        }
    }

    fn verify_body(challenge: &str, expiry: &str) -> serde_json::Value {
        serde_json::json!({
            "challenge": challenge,
            "access": {"kind": "mrz_fields", "document_number": "085012345",
                       "date_of_birth": "850812", "date_of_expiry": expiry},
        })
    }

    async fn error_code(response: reqwest::Response) -> (u16, String) {
        let status = response.status().as_u16();
        let body: ErrorBody = response.json().await.unwrap();
        assert!(!body.message_vi.is_empty() && !body.message_en.is_empty());
        (status, body.code)
    }

    #[tokio::test]
    async fn pairs_then_verifies_and_signs() {
        let daemon = start("flow").await;
        let response = daemon
            .post("/verify", Some(ORIGIN), verify_body("ch-1", "250812"))
            .await;
        assert_eq!(
            error_code(response).await,
            (409, "bridge_not_paired".to_owned())
        );

        let response = daemon
            .post(
                "/pair",
                Some(ORIGIN),
                serde_json::json!({"pairing_code": "123456", "bridge_name": "Bàn 2"}),
            )
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["access-control-allow-origin"], ORIGIN);
        let outcome: PairOutcome = response.json().await.unwrap();
        assert_eq!(outcome.bridge_id, "bridge-1");
        let registered = daemon.server.registered();
        assert_eq!(registered.len(), 1);
        assert_eq!(registered[0].public_key, daemon.state.public_key_base64());
        assert_eq!(registered[0].bridge_name, "Bàn 2");

        let response = daemon
            .post("/verify", Some(ORIGIN), verify_body("ch-1", "250812"))
            .await;
        assert_eq!(response.status(), 200);
        let signed: protocol::SignedResult = response.json().await.unwrap();
        let key = protocol::decode_public_key(&registered[0].public_key).unwrap();
        let result = protocol::verify_signed_result(&signed, &key, "bridge-1", "ch-1").unwrap();
        assert!(result.passive_auth.verified);
        assert_eq!(result.dg13.personal_id.as_deref(), Some("001085012345"));
        assert_eq!(result.dg2, None);

        // The pairing survives a restart, but only for the server it was made with.
        let identity = BridgeIdentity::load_or_create(&daemon.state.config.state_dir).unwrap();
        assert_eq!(
            identity.load_pairing().unwrap().unwrap().bridge_id,
            "bridge-1"
        );
        let backend = daemon.backend.clone();
        let restarted = AppState::new(daemon.state.config.clone(), identity, backend, 1).unwrap();
        assert!(restarted.current_pairing().is_some());
        let mut moved = daemon.state.config.clone();
        moved.server_url = "https://another-school.example".to_owned();
        let identity = BridgeIdentity::load_or_create(&moved.state_dir).unwrap();
        let elsewhere = AppState::new(moved, identity, daemon.backend.clone(), 1).unwrap();
        assert!(elsewhere.current_pairing().is_none());
    }

    #[tokio::test]
    async fn maps_failures_to_stable_codes() {
        let daemon = start("errors").await;
        daemon.pair().await;
        let wrong = daemon
            .post("/verify", Some(ORIGIN), verify_body("ch", "300812"))
            .await;
        assert_eq!(
            error_code(wrong).await,
            (422, "card_mrz_mismatch".to_owned())
        );
        let invalid = daemon
            .post("/verify", Some(ORIGIN), verify_body("ch", "30081"))
            .await;
        assert_eq!(
            error_code(invalid).await,
            (400, "access_data_invalid".to_owned())
        );
        let challenge = daemon
            .post("/verify", Some(ORIGIN), verify_body("a b", "250812"))
            .await;
        assert_eq!(
            error_code(challenge).await,
            (400, "challenge_invalid".to_owned())
        );
        let garbage = daemon
            .post("/verify", Some(ORIGIN), serde_json::json!({"nope": 1}))
            .await;
        assert_eq!(
            error_code(garbage).await,
            (400, "request_invalid".to_owned())
        );
        daemon.backend.set_absent(true);
        let absent = daemon
            .post("/verify", Some(ORIGIN), verify_body("ch", "250812"))
            .await;
        assert_eq!(error_code(absent).await, (422, "card_absent".to_owned()));
        daemon.backend.set_absent(false);
        let refused = daemon
            .post(
                "/pair",
                Some(ORIGIN),
                serde_json::json!({"pairing_code": "000000"}),
            )
            .await;
        assert_eq!(
            error_code(refused).await,
            (502, "pairing_rejected".to_owned())
        );
        // Still serving.
        let good = daemon
            .post("/verify", Some(ORIGIN), verify_body("ch", "250812"))
            .await;
        assert_eq!(good.status(), 200);
    }

    #[tokio::test]
    async fn only_the_school_origin_and_loopback_host_are_served() {
        let daemon = start("origin").await;
        let other = daemon
            .post(
                "/pair",
                Some("https://evil.example"),
                serde_json::json!({"pairing_code": "123456"}),
            )
            .await;
        assert!(other.headers().get("access-control-allow-origin").is_none());
        assert_eq!(
            error_code(other).await,
            (403, "origin_forbidden".to_owned())
        );
        let missing = daemon
            .post("/pair", None, serde_json::json!({"pairing_code": "123456"}))
            .await;
        assert_eq!(
            error_code(missing).await,
            (403, "origin_missing".to_owned())
        );
        assert!(daemon.server.registered().is_empty());

        // GET without Origin is fine (local troubleshooting); with a foreign one it is not.
        let status = daemon
            .client
            .get(format!("{}/status", daemon.base))
            .send()
            .await
            .unwrap();
        assert_eq!(status.status(), 200);
        let status: StatusResponse = status.json().await.unwrap();
        assert!(!status.paired);
        assert_eq!(status.trusted_csca_count, 2);
        assert!(status.card_present);
        let foreign = daemon
            .client
            .get(format!("{}/status", daemon.base))
            .header("Origin", "null")
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.status(), 403);

        // Preflight: answered for the school origin only.
        let preflight = |origin: &'static str| {
            daemon
                .client
                .request(Method::OPTIONS, format!("{}/verify", daemon.base))
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type")
                .header("Access-Control-Request-Private-Network", "true")
                .send()
        };
        let allowed = preflight(ORIGIN).await.unwrap();
        assert_eq!(allowed.status(), 204);
        assert_eq!(allowed.headers()["access-control-allow-origin"], ORIGIN);
        assert_eq!(
            allowed.headers()["access-control-allow-private-network"],
            "true"
        );
        assert!(
            allowed.headers()["access-control-allow-methods"]
                .to_str()
                .unwrap()
                .contains("POST")
        );
        let refused = preflight("https://evil.example").await.unwrap();
        assert_eq!(refused.status(), 403);
        assert!(
            refused
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );

        // DNS rebinding: a foreign Host is refused even from the right origin.
        let rebound = daemon
            .client
            .get(format!("{}/status", daemon.base))
            .header("Host", "evil.example:47800")
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_code(rebound).await,
            (403, "host_forbidden".to_owned())
        );

        let unknown = daemon
            .client
            .get(format!("{}/nothing", daemon.base))
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_code(unknown).await,
            (404, "endpoint_not_found".to_owned())
        );
    }

    #[tokio::test]
    async fn includes_the_face_image_only_when_asked() {
        let daemon = start("dg2").await;
        daemon.pair().await;
        let mut body = verify_body("ch-2", "250812");
        body["include_face_image"] = serde_json::json!(true);
        let response = daemon.post("/verify", Some(ORIGIN), body).await;
        assert_eq!(response.status(), 200);
        let signed: protocol::SignedResult = response.json().await.unwrap();
        assert!(signed.result.dg2.is_some());
        assert_eq!(signed.result.passive_auth.data_groups.len(), 3);
    }
}
