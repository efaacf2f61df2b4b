//! The demo identity provider: a small OpenID Connect provider inside the server, on only in demo
//! mode, so that a newcomer can log in as one of the demo district's citizens in one click. Every
//! page says DEMO. The app reaches it through the same OpenID Connect client as the real VNeID
//! (discovery, PKCE, signed ID token, userinfo); its claims use VNeID's names.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use openidconnect::core::{
    CoreEdDsaPrivateSigningKey, CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet,
    CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AccessToken, Audience, AuthorizationCode, EmptyAdditionalClaims, IssuerUrl, JsonWebKeyId,
    Nonce, PrivateSigningKey, StandardClaims, SubjectIdentifier,
};
use rand::RngCore;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::claims::ClaimNames;
use super::oidc::{CALLBACK_PATH, OidcSettings};
use crate::demo::DEMO_PEOPLE;
use crate::platform::clock::Clock;

pub const PATH: &str = "/demo-idp";
pub const CLIENT_ID: &str = "truongso-demo";
const CODE_TTL: i64 = 120;
const TOKEN_TTL: i64 = 600;

struct Grant {
    person: usize,
    nonce: Option<String>,
    code_challenge: String,
    expires_at: i64,
}

/// The provider's keys and what it has handed out (in memory: demo only, one process).
pub struct DemoIdp {
    issuer: String,
    redirect_uri: String,
    client_secret: String,
    signing_key: CoreEdDsaPrivateSigningKey,
    clock: Clock,
    codes: Mutex<HashMap<String, Grant>>,
    tokens: Mutex<HashMap<String, (usize, i64)>>,
}

fn random(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl DemoIdp {
    /// A fresh provider for the server at `public_url`, and the client settings that reach it.
    pub fn new(public_url: &str, clock: Clock) -> Result<(Arc<DemoIdp>, OidcSettings), String> {
        let public_url = public_url.trim_end_matches('/');
        let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
        let pem = ed25519_dalek::pkcs8::EncodePrivateKey::to_pkcs8_pem(&key, Default::default())
            .map_err(|e| e.to_string())?;
        let signing_key =
            CoreEdDsaPrivateSigningKey::from_ed25519_pem(&pem, Some(JsonWebKeyId::new(random(6))))?;
        let client_secret = random(24);
        let idp = DemoIdp {
            issuer: format!("{public_url}{PATH}"),
            redirect_uri: format!("{public_url}{CALLBACK_PATH}"),
            client_secret: client_secret.clone(),
            signing_key,
            clock,
            codes: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
        };
        let settings = OidcSettings {
            issuer_url: idp.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: Some(SecretString::from(client_secret)),
            scopes: vec!["openid".into(), "citizen".into()],
            claims: ClaimNames::default(),
            provider_name: "VNeID (DEMO)".into(),
        };
        Ok((Arc::new(idp), settings))
    }

    pub fn router<S: Clone + Send + Sync + 'static>(self: Arc<Self>) -> Router<S> {
        Router::new()
            .route(
                &format!("{PATH}/.well-known/openid-configuration"),
                get(discovery),
            )
            .route(&format!("{PATH}/jwks"), get(jwks))
            .route(&format!("{PATH}/authorize"), get(authorize))
            .route(&format!("{PATH}/token"), post(token))
            .route(&format!("{PATH}/userinfo"), get(userinfo))
            .route(&format!("{PATH}/logout"), get(logout))
            .with_state(self)
    }
}

async fn discovery(State(idp): State<Arc<DemoIdp>>) -> Response {
    let i = &idp.issuer;
    axum::Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "userinfo_endpoint": format!("{i}/userinfo"),
        "jwks_uri": format!("{i}/jwks"),
        "end_session_endpoint": format!("{i}/logout"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "citizen"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "claims_supported": ["sub", "SoDinhDanh", "HoVaTen", "NgayThangNamSinh", "loAs"],
    }))
    .into_response()
}

async fn jwks(State(idp): State<Arc<DemoIdp>>) -> Response {
    axum::Json(CoreJsonWebKeySet::new(vec![
        idp.signing_key.as_verification_key(),
    ]))
    .into_response()
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    client_id: String,
    redirect_uri: String,
    response_type: String,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    /// The demo person picked on the page (index into the demo people).
    login: Option<usize>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn role_label(role: &str) -> &'static str {
    match role {
        "district_admin" => "Quản trị Phòng Giáo dục / District admin",
        "school_admin" => "Hiệu trưởng (quản trị trường) / School admin",
        "clerk" => "Văn thư / Clerk",
        "teacher" => "Giáo viên (và phụ huynh) / Teacher (and parent)",
        "card_holder" => {
            "Phụ huynh có thẻ chip thử nghiệm (pcsc-bridge) / Parent with the test chip card"
        }
        _ => "Phụ huynh / Parent",
    }
}

async fn authorize(State(idp): State<Arc<DemoIdp>>, Query(q): Query<AuthorizeQuery>) -> Response {
    if q.client_id != CLIENT_ID || q.redirect_uri != idp.redirect_uri || q.response_type != "code" {
        return (
            StatusCode::BAD_REQUEST,
            "DEMO: unknown client or redirect URI",
        )
            .into_response();
    }
    let (Some(challenge), Some("S256")) =
        (q.code_challenge.clone(), q.code_challenge_method.as_deref())
    else {
        return Redirect::to(&format!(
            "{}?error=invalid_request&error_description=PKCE%20S256%20required",
            q.redirect_uri
        ))
        .into_response();
    };
    if let Some(person) = q.login.filter(|i| *i < DEMO_PEOPLE.len()) {
        let code = random(24);
        let expires_at = idp.clock.unix() + CODE_TTL;
        if let Ok(mut codes) = idp.codes.lock() {
            codes.insert(
                code.clone(),
                Grant {
                    person,
                    nonce: q.nonce.clone(),
                    code_challenge: challenge,
                    expires_at,
                },
            );
        }
        let state = q
            .state
            .as_deref()
            .map(|s| format!("&state={}", urlencoding(s)))
            .unwrap_or_default();
        return Redirect::to(&format!("{}?code={code}{state}", q.redirect_uri)).into_response();
    }
    // The page: one button per demo citizen, each a link back here with `login=<index>`.
    let base = format!(
        "{}/authorize?client_id={}&redirect_uri={}&response_type=code&code_challenge={}&code_challenge_method=S256{}{}",
        idp.issuer,
        urlencoding(&q.client_id),
        urlencoding(&q.redirect_uri),
        urlencoding(&challenge),
        q.state
            .as_deref()
            .map(|s| format!("&state={}", urlencoding(s)))
            .unwrap_or_default(),
        q.nonce
            .as_deref()
            .map(|s| format!("&nonce={}", urlencoding(s)))
            .unwrap_or_default(),
    );
    let people: String = DEMO_PEOPLE
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                r#"<li class="list-item"><a class="button" data-demo-login="{role}" href="{href}&amp;login={i}">{name}</a><span class="list-meta">{label}</span></li>"#,
                role = p.role,
                href = escape(&base),
                name = escape(p.full_name),
                label = role_label(p.role),
            )
        })
        .collect();
    Html(format!(
        r#"<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>DEMO — VNeID thử nghiệm</title><link rel="stylesheet" href="/pkg/truongso.css"></head>
<body><header class="topbar"><span class="brand">DEMO · VNeID thử nghiệm</span></header>
<main class="page"><section class="card" data-demo-idp="true">
<h1>DEMO — Nhà cung cấp định danh thử nghiệm</h1>
<p>Đây không phải VNeID thật. Chọn một công dân của huyện demo để đăng nhập.</p>
<p lang="en" class="secondary">This is not the real VNeID. Pick a citizen of the demo district to log in as.</p>
<ul class="list">{people}</ul></section></main></body></html>"#
    ))
    .into_response()
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: String,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn oauth_error(error: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({ "error": error })),
    )
        .into_response()
}

/// Client authentication: HTTP Basic (the default of the app's client) or form fields.
fn client_authenticated(idp: &DemoIdp, headers: &HeaderMap, form: &TokenForm) -> bool {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let (id, secret) = match basic.as_deref().and_then(|s| s.split_once(':')) {
        Some((id, secret)) => (id.to_string(), secret.to_string()),
        None => (
            form.client_id.clone().unwrap_or_default(),
            form.client_secret.clone().unwrap_or_default(),
        ),
    };
    id == CLIENT_ID && secret == idp.client_secret
}

async fn token(
    State(idp): State<Arc<DemoIdp>>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    if !client_authenticated(&idp, &headers, &form) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    if form.grant_type != "authorization_code" || form.redirect_uri != idp.redirect_uri {
        return oauth_error("invalid_grant");
    }
    let now = idp.clock.unix();
    // A code is used once, whatever happens next.
    let Some(grant) = idp
        .codes
        .lock()
        .ok()
        .and_then(|mut codes| codes.remove(&form.code))
    else {
        return oauth_error("invalid_grant");
    };
    let verifier_matches = form.code_verifier.as_deref().is_some_and(|v| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()))
            == grant.code_challenge
    });
    if grant.expires_at < now || !verifier_matches {
        return oauth_error("invalid_grant");
    }
    let access_token = random(24);
    if let Ok(mut tokens) = idp.tokens.lock() {
        tokens.retain(|_, (_, expires)| *expires > now);
        tokens.insert(access_token.clone(), (grant.person, now + TOKEN_TTL));
    }
    let (Ok(issuer), Some(issued), Some(expires)) = (
        IssuerUrl::new(idp.issuer.clone()),
        chrono::DateTime::from_timestamp(now, 0),
        chrono::DateTime::from_timestamp(now + TOKEN_TTL, 0),
    ) else {
        return oauth_error("server_error");
    };
    let claims = CoreIdTokenClaims::new(
        issuer,
        vec![Audience::new(CLIENT_ID.into())],
        expires,
        issued,
        StandardClaims::new(SubjectIdentifier::new(format!("demo-{}", grant.person))),
        EmptyAdditionalClaims {},
    )
    .set_nonce(grant.nonce.map(Nonce::new));
    let id_token = match CoreIdToken::new(
        claims,
        &idp.signing_key,
        CoreJwsSigningAlgorithm::EdDsa,
        Some(&AccessToken::new(access_token.clone())),
        Some(&AuthorizationCode::new(form.code.clone())),
    ) {
        Ok(token) => token,
        Err(error) => {
            tracing::error!(%error, "demo provider could not sign");
            return oauth_error("server_error");
        }
    };
    axum::Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL,
        "id_token": id_token.to_string(),
    }))
    .into_response()
}

async fn userinfo(State(idp): State<Arc<DemoIdp>>, headers: HeaderMap) -> Response {
    let now = idp.clock.unix();
    let person = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| idp.tokens.lock().ok()?.get(token).copied())
        .filter(|(_, expires)| *expires > now)
        .and_then(|(person, _)| DEMO_PEOPLE.get(person).map(|p| (person, p)));
    let Some((index, person)) = person else {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": "invalid_token" })),
        )
            .into_response();
    };
    axum::Json(json!({
        "sub": format!("demo-{index}"),
        "SoDinhDanh": person.personal_id,
        "HoVaTen": person.full_name,
        "NgayThangNamSinh": person.birth_date,
        "loAs": "2",
    }))
    .into_response()
}

#[derive(Deserialize)]
struct LogoutQuery {
    post_logout_redirect_uri: Option<String>,
}

async fn logout(State(idp): State<Arc<DemoIdp>>, Query(q): Query<LogoutQuery>) -> Response {
    let public = idp.issuer.trim_end_matches(PATH);
    match q.post_logout_redirect_uri {
        Some(uri) if uri.starts_with(public) => Redirect::to(&uri).into_response(),
        _ => Redirect::to("/").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openidconnect::ClientId;
    use openidconnect::core::CoreIdTokenVerifier;

    #[test]
    fn its_id_tokens_verify_against_its_own_keys() {
        let (idp, _) = DemoIdp::new("http://localhost:1", Clock::System).unwrap();
        let now = idp.clock.unix();
        let claims = CoreIdTokenClaims::new(
            IssuerUrl::new(idp.issuer.clone()).unwrap(),
            vec![Audience::new(CLIENT_ID.into())],
            chrono::DateTime::from_timestamp(now + 60, 0).unwrap(),
            chrono::DateTime::from_timestamp(now, 0).unwrap(),
            StandardClaims::new(SubjectIdentifier::new("demo-0".into())),
            EmptyAdditionalClaims {},
        )
        .set_nonce(Some(Nonce::new("n".into())));
        let token = CoreIdToken::new(
            claims,
            &idp.signing_key,
            CoreJwsSigningAlgorithm::EdDsa,
            None,
            None,
        )
        .unwrap();
        let keys = CoreJsonWebKeySet::new(vec![idp.signing_key.as_verification_key()]);
        let keys: CoreJsonWebKeySet =
            serde_json::from_str(&serde_json::to_string(&keys).unwrap()).unwrap();
        let verifier = CoreIdTokenVerifier::new_public_client(
            ClientId::new(CLIENT_ID.into()),
            IssuerUrl::new(idp.issuer.clone()).unwrap(),
            keys,
        )
        .set_allowed_algs(vec![CoreJwsSigningAlgorithm::EdDsa]);
        let result = token.claims(&verifier, &Nonce::new("n".into()));
        assert!(result.is_ok(), "{:?}", result.err());
    }
}
