//! A deliberately faulty OpenID provider, written for the tests: it follows the protocol but
//! hands out ID tokens with one chosen defect, to prove the app refuses each of them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use app::identity::claims::ClaimNames;
use app::identity::oidc::OidcSettings;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use openidconnect::core::{
    CoreEdDsaPrivateSigningKey, CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet,
    CoreJwsSigningAlgorithm,
};
use openidconnect::{
    Audience, EmptyAdditionalClaims, IssuerUrl, JsonWebKeyId, Nonce, PrivateSigningKey,
    StandardClaims, SubjectIdentifier,
};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Defect {
    None,
    WrongNonce,
    Expired,
    WrongAudience,
    WrongIssuer,
    TamperedSignature,
    AlgNone,
    UnknownKid,
}

struct Rogue {
    issuer: String,
    key: CoreEdDsaPrivateSigningKey,
    stranger: CoreEdDsaPrivateSigningKey,
    defect: Mutex<Defect>,
    nonces: Mutex<HashMap<String, String>>,
    citizen: serde_json::Value,
}

pub struct RogueIdp {
    pub issuer: String,
    inner: Arc<Rogue>,
}

fn key(kid: &str) -> CoreEdDsaPrivateSigningKey {
    let signing = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let pem =
        ed25519_dalek::pkcs8::EncodePrivateKey::to_pkcs8_pem(&signing, Default::default()).unwrap();
    CoreEdDsaPrivateSigningKey::from_ed25519_pem(&pem, Some(JsonWebKeyId::new(kid.into()))).unwrap()
}

impl RogueIdp {
    /// Starts on a free port; `citizen` is the userinfo it returns.
    pub async fn start(citizen: serde_json::Value) -> RogueIdp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://localhost:{}", listener.local_addr().unwrap().port());
        let inner = Arc::new(Rogue {
            issuer: issuer.clone(),
            key: key("good"),
            stranger: key("stranger"),
            defect: Mutex::new(Defect::None),
            nonces: Mutex::new(HashMap::new()),
            citizen,
        });
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        RogueIdp { issuer, inner }
    }

    pub fn set_defect(&self, defect: Defect) {
        *self.inner.defect.lock().unwrap() = defect;
    }

    pub fn settings(&self) -> OidcSettings {
        OidcSettings {
            issuer_url: self.issuer.clone(),
            client_id: "rogue-client".into(),
            client_secret: Some(SecretString::from("rogue-secret")),
            scopes: vec!["openid".into()],
            claims: ClaimNames::default(),
            provider_name: "VNeID".into(),
        }
    }
}

async fn discovery(State(r): State<Arc<Rogue>>) -> Response {
    let i = &r.issuer;
    axum::Json(json!({
        "issuer": i, "authorization_endpoint": format!("{i}/authorize"), "token_endpoint": format!("{i}/token"),
        "userinfo_endpoint": format!("{i}/userinfo"), "jwks_uri": format!("{i}/jwks"),
        "response_types_supported": ["code"], "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
    }))
    .into_response()
}

async fn jwks(State(r): State<Arc<Rogue>>) -> Response {
    axum::Json(CoreJsonWebKeySet::new(vec![r.key.as_verification_key()])).into_response()
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    redirect_uri: String,
    state: String,
    nonce: String,
}

/// Logs the citizen in at once: a code that remembers the nonce.
async fn authorize(State(r): State<Arc<Rogue>>, Query(q): Query<AuthorizeQuery>) -> Response {
    let code = format!("code-{}", rand::random::<u64>());
    r.nonces.lock().unwrap().insert(code.clone(), q.nonce);
    Redirect::to(&format!("{}?code={code}&state={}", q.redirect_uri, q.state)).into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    code: String,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn token(State(r): State<Arc<Rogue>>, Form(form): Form<TokenForm>) -> Response {
    let defect = *r.defect.lock().unwrap();
    let nonce = r
        .nonces
        .lock()
        .unwrap()
        .remove(&form.code)
        .unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    let issuer = if defect == Defect::WrongIssuer {
        "http://localhost:1/other".to_string()
    } else {
        r.issuer.clone()
    };
    let audience = if defect == Defect::WrongAudience {
        "someone-else"
    } else {
        "rogue-client"
    };
    let (issued, expires) = if defect == Defect::Expired {
        (now - 7200, now - 3600)
    } else {
        (now, now + 600)
    };
    let claims = CoreIdTokenClaims::new(
        IssuerUrl::new(issuer).unwrap(),
        vec![Audience::new(audience.into())],
        chrono::DateTime::from_timestamp(expires, 0).unwrap(),
        chrono::DateTime::from_timestamp(issued, 0).unwrap(),
        StandardClaims::new(SubjectIdentifier::new("citizen-1".into())),
        EmptyAdditionalClaims {},
    )
    .set_nonce(Some(Nonce::new(if defect == Defect::WrongNonce {
        "not-the-nonce".into()
    } else {
        nonce
    })));
    let signer = if defect == Defect::UnknownKid {
        &r.stranger
    } else {
        &r.key
    };
    let mut jwt = CoreIdToken::new(claims, signer, CoreJwsSigningAlgorithm::EdDsa, None, None)
        .unwrap()
        .to_string();
    match defect {
        Defect::TamperedSignature => {
            // Same header and signature, another subject in the payload.
            let parts: Vec<&str> = jwt.split('.').collect();
            let mut payload: serde_json::Value = serde_json::from_slice(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(parts[1])
                    .unwrap(),
            )
            .unwrap();
            payload["sub"] = json!("citizen-2");
            jwt = format!(
                "{}.{}.{}",
                parts[0],
                b64(payload.to_string().as_bytes()),
                parts[2]
            );
        }
        Defect::AlgNone => {
            let payload = jwt.split('.').nth(1).unwrap().to_string();
            jwt = format!("{}.{payload}.", b64(br#"{"alg":"none","typ":"JWT"}"#));
        }
        _ => {}
    }
    axum::Json(json!({ "access_token": "rogue-access", "token_type": "Bearer", "expires_in": 600, "id_token": jwt }))
        .into_response()
}

async fn userinfo(State(r): State<Arc<Rogue>>) -> Response {
    let mut info = r.citizen.clone();
    info["sub"] = json!("citizen-1");
    axum::Json(info).into_response()
}
