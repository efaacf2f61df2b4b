//! Login with VNeID (or any OpenID Connect provider standing in for it): discovery, the
//! authorization-code flow with PKCE (S256), `state` and `nonce`, ID-token validation (signature
//! against the provider's JWKS, issuer, audience, expiry, nonce), then userinfo.
//!
//! The login in progress lives in the database (`oidc_logins`), found again by the hash of `state`
//! and used once, so any server instance can finish a login another one started.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJwsSigningAlgorithm,
    CoreProviderMetadata,
};
use openidconnect::{
    AccessToken, AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndSessionUrl, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope,
    TokenResponse, UserInfoClaims,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use tokio::sync::RwLock;

use super::claims::{CitizenClaims, ClaimNames, read_claims, safe_return_path};
use crate::platform::clock::Clock;

/// How long a login may take between leaving for the provider and coming back.
const LOGIN_TTL_SECONDS: i64 = 600;
/// How long discovered metadata and keys are trusted before being fetched again.
const METADATA_TTL_SECONDS: i64 = 600;
pub const CALLBACK_PATH: &str = "/auth/vneid/callback";

/// The provider, from configuration (`[vneid]`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    /// e.g. `https://sso.vneid.gov.vn/auth/realms/citizen` (whatever C06 registers for the district).
    pub issuer_url: String,
    pub client_id: String,
    #[serde(skip_serializing, default)]
    pub client_secret: Option<SecretString>,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub claims: ClaimNames,
    /// The name on the login button.
    #[serde(default = "default_provider_name")]
    pub provider_name: String,
}

fn default_scopes() -> Vec<String> {
    vec!["openid".into()]
}

fn default_provider_name() -> String {
    "VNeID".into()
}

/// Why a login did not complete. Each has a stable code the login page translates.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("login_state_invalid")]
    StateInvalid,
    #[error("login_provider_unavailable: {0}")]
    ProviderUnavailable(String),
    #[error("login_provider_refused: {0}")]
    ProviderRefused(String),
    #[error("login_token_invalid: {0}")]
    TokenInvalid(String),
    #[error("login_claims_missing")]
    ClaimsMissing,
    #[error("login_level_too_low")]
    LevelTooLow,
    #[error("login_unknown_person")]
    UnknownPerson,
    #[error("login_database: {0}")]
    Database(#[from] sqlx::Error),
}

impl LoginError {
    pub fn code(&self) -> crate::platform::error::ErrorCode {
        use crate::platform::error::ErrorCode as C;
        match self {
            LoginError::StateInvalid => C::LoginStateInvalid,
            LoginError::ProviderUnavailable(_) => C::LoginProviderUnavailable,
            LoginError::ProviderRefused(_) | LoginError::TokenInvalid(_) => C::LoginRefused,
            LoginError::ClaimsMissing => C::LoginClaimsMissing,
            LoginError::LevelTooLow => C::LoginLevelTooLow,
            LoginError::UnknownPerson => C::LoginUnknownPerson,
            LoginError::Database(_) => C::Unavailable,
        }
    }
}

/// Claims the configuration names, kept whatever they are called.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct ExtraClaims {
    #[serde(flatten)]
    values: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for ExtraClaims {}

type Metadata = ProviderMetadataWithLogout;

pub struct OidcService {
    settings: OidcSettings,
    redirect_url: String,
    http: openidconnect::reqwest::Client,
    clock: Clock,
    metadata: RwLock<Option<(Arc<Metadata>, i64)>>,
}

impl std::fmt::Debug for OidcService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcService")
            .field("issuer", &self.settings.issuer_url)
            .finish_non_exhaustive()
    }
}

fn hash_state(state: &str) -> Vec<u8> {
    Sha256::digest(state.as_bytes()).to_vec()
}

impl OidcService {
    pub fn new(
        settings: OidcSettings,
        public_url: &str,
        clock: Clock,
    ) -> Result<OidcService, String> {
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects would let a provider response steer our requests (SSRF).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        IssuerUrl::new(settings.issuer_url.clone())
            .map_err(|e| format!("vneid.issuer_url: {e}"))?;
        Ok(OidcService {
            redirect_url: format!("{}{CALLBACK_PATH}", public_url.trim_end_matches('/')),
            settings,
            http,
            clock,
            metadata: RwLock::new(None),
        })
    }

    pub fn provider_name(&self) -> &str {
        &self.settings.provider_name
    }

    /// Discovery, cached for a few minutes (keys rotate; the provider may be restarted).
    async fn metadata(&self) -> Result<Arc<Metadata>, LoginError> {
        let now = self.clock.unix();
        if let Some((metadata, fetched)) = self.metadata.read().await.as_ref()
            && now - fetched < METADATA_TTL_SECONDS
        {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer_url.clone())
            .map_err(|e| LoginError::ProviderUnavailable(e.to_string()))?;
        let metadata = Arc::new(
            Metadata::discover_async(issuer, &self.http)
                .await
                .map_err(|e| LoginError::ProviderUnavailable(e.to_string()))?,
        );
        *self.metadata.write().await = Some((metadata.clone(), now));
        Ok(metadata)
    }

    fn client(
        &self,
        metadata: &Metadata,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        LoginError,
    > {
        // The logout extension is only metadata: the core client is built from the same document.
        let core: CoreProviderMetadata = serde_json::from_value(
            serde_json::to_value(metadata)
                .map_err(|e| LoginError::ProviderUnavailable(e.to_string()))?,
        )
        .map_err(|e| LoginError::ProviderUnavailable(e.to_string()))?;
        // The signing keys are not part of the document; they came from `jwks_uri`.
        let core = core.set_jwks(metadata.jwks().clone());
        let redirect = RedirectUrl::new(self.redirect_url.clone())
            .map_err(|e| LoginError::ProviderUnavailable(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            core,
            ClientId::new(self.settings.client_id.clone()),
            self.settings
                .client_secret
                .as_ref()
                .map(|s| ClientSecret::new(s.expose_secret().to_string())),
        )
        .set_redirect_uri(redirect))
    }

    /// Starts a login: remembers `state`, `nonce` and the PKCE verifier, returns the provider's URL.
    pub async fn begin(
        &self,
        conn: &mut AnyConnection,
        return_to: Option<&str>,
    ) -> Result<String, LoginError> {
        let metadata = self.metadata().await?;
        let client = self.client(&metadata)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in self
            .settings
            .scopes
            .iter()
            .filter(|s| s.as_str() != "openid")
        {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        let now = self.clock.unix();
        sqlx::query(
            "INSERT INTO oidc_logins (state_hash, nonce, pkce_verifier, return_to, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(hash_state(state.secret()))
        .bind(nonce.secret())
        .bind(verifier.secret())
        .bind(safe_return_path(return_to))
        .bind(now)
        .bind(now + LOGIN_TTL_SECONDS)
        .execute(conn)
        .await?;
        Ok(url.to_string())
    }

    /// Finishes a login from the provider's redirect: the citizen's claims and where to go next.
    pub async fn complete(
        &self,
        conn: &mut AnyConnection,
        code: &str,
        state: &str,
    ) -> Result<(CitizenClaims, String), LoginError> {
        let now = self.clock.unix();
        // Used once: the row is claimed atomically, so a replayed redirect finds nothing.
        let pending = sqlx::query(
            "UPDATE oidc_logins SET used_at = $1
             WHERE state_hash = $2 AND used_at IS NULL AND expires_at > $1
             RETURNING nonce, pkce_verifier, return_to",
        )
        .bind(now)
        .bind(hash_state(state))
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(LoginError::StateInvalid)?;
        let nonce = Nonce::new(pending.try_get("nonce")?);
        let verifier = PkceCodeVerifier::new(pending.try_get("pkce_verifier")?);
        let return_to: String = pending.try_get("return_to")?;

        let metadata = self.metadata().await?;
        let client = self.client(&metadata)?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| LoginError::ProviderUnavailable(e.to_string()))?
            .set_pkce_verifier(verifier)
            .request_async(&self.http)
            .await
            .map_err(|e| LoginError::ProviderRefused(e.to_string()))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| LoginError::TokenInvalid("no ID token".into()))?;
        let clock = self.clock.clone();
        let verifier = client
            .id_token_verifier()
            .set_allowed_algs(allowed_algs())
            .set_time_fn(move || {
                chrono::DateTime::from_timestamp(clock.unix(), 0).unwrap_or_default()
            });
        let verified = id_token
            .claims(&verifier, &nonce)
            .map_err(|e| LoginError::TokenInvalid(format!("{e:?}")))?;
        let subject = verified.subject().clone();

        // Claims: those of the (now verified) ID token, then userinfo's, which win.
        let mut claims = jwt_payload(&id_token.to_string()).unwrap_or_default();
        match client.user_info(
            AccessToken::new(token.access_token().secret().clone()),
            Some(subject),
        ) {
            Ok(request) => {
                let info: UserInfoClaims<ExtraClaims, CoreGenderClaim> = request
                    .request_async(&self.http)
                    .await
                    .map_err(|e| LoginError::ProviderRefused(e.to_string()))?;
                if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(&info) {
                    claims.extend(map);
                }
            }
            Err(_) => tracing::debug!("provider has no userinfo endpoint; using ID-token claims"),
        }
        let citizen =
            read_claims(&self.settings.claims, &claims).map_err(|_| LoginError::ClaimsMissing)?;
        Ok((citizen, return_to))
    }

    /// Where to send the browser so the provider ends its session too, if it offers that.
    pub async fn end_session_url(&self, post_logout: &str) -> Option<String> {
        let metadata = self.metadata().await.ok()?;
        let endpoint: EndSessionUrl = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let mut request = LogoutRequest::from(endpoint)
            .set_client_id(ClientId::new(self.settings.client_id.clone()));
        if let Ok(url) = PostLogoutRedirectUrl::new(post_logout.to_string()) {
            request = request.set_post_logout_redirect_uri(url);
        }
        Some(request.http_get_url().to_string())
    }
}

/// Asymmetric signatures only: never `none`, never a shared secret.
fn allowed_algs() -> Vec<CoreJwsSigningAlgorithm> {
    use CoreJwsSigningAlgorithm as A;
    vec![
        A::RsaSsaPkcs1V15Sha256,
        A::RsaSsaPkcs1V15Sha384,
        A::RsaSsaPkcs1V15Sha512,
        A::RsaSsaPssSha256,
        A::RsaSsaPssSha384,
        A::RsaSsaPssSha512,
        A::EcdsaP256Sha256,
        A::EcdsaP384Sha384,
        A::EdDsa,
    ]
}

/// The payload of a compact JWT whose signature was already verified.
fn jwt_payload(jwt: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}
