//! Passkeys (WebAuthn) with `webauthn_rp`: registered after a VNeID login on one's own phone or
//! tablet, then used to log in directly — discoverable credentials, user verification required.
//! Ceremonies in progress live in the database (any server instance can finish them), keyed by
//! their challenge, used once, expiring after five minutes. A signature counter that goes
//! backwards (a cloned authenticator) is refused.

use std::borrow::Borrow;

use sqlx::{AnyConnection, Row};
use webauthn_rp::bin::{Decode, Encode};
use webauthn_rp::request::auth::AuthenticationVerificationOptions;
use webauthn_rp::request::register::{
    CredProtect, Nickname, PublicKeyCredentialUserEntity, RegistrationVerificationOptions,
    UserHandle64, Username,
};
use webauthn_rp::request::{AsciiDomain, ExtensionInfo, PublicKeyCredentialDescriptor, RpId};
use webauthn_rp::response::auth::ser_relaxed::DiscoverableAuthenticationRelaxed64;
use webauthn_rp::response::register::ser_relaxed::RegistrationRelaxed;
use webauthn_rp::response::register::{DynamicState, StaticState};
use webauthn_rp::response::{AuthTransports, CredentialId, SentChallenge};
use webauthn_rp::{
    AuthenticatedCredential, DiscoverableAuthentication64, DiscoverableAuthenticationServerState,
    DiscoverableCredentialRequestOptions, PublicKeyCredentialCreationOptions,
    RegistrationServerState,
};

use super::PasskeySummary;
use super::accounts::{self, Account};
use crate::platform::error::{AppError, ErrorCode};

const CEREMONY_TTL: i64 = 300;
const USER_LEN: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    #[error("passkey_ceremony_unknown")]
    UnknownCeremony,
    #[error("passkey_invalid: {0}")]
    Invalid(String),
    #[error("passkey_unknown_credential")]
    UnknownCredential,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<PasskeyError> for AppError {
    fn from(error: PasskeyError) -> AppError {
        match error {
            PasskeyError::UnknownCeremony => AppError::new(ErrorCode::PasskeyExpired),
            PasskeyError::Invalid(reason) => {
                tracing::info!(reason, "passkey refused");
                AppError::new(ErrorCode::PasskeyRefused)
            }
            PasskeyError::UnknownCredential => AppError::new(ErrorCode::PasskeyRefused),
            PasskeyError::Database(e) => e.into(),
        }
    }
}

fn invalid(error: impl std::fmt::Display) -> PasskeyError {
    PasskeyError::Invalid(error.to_string())
}

/// The relying party: this site's host name, and the exact origin pages come from.
#[derive(Debug)]
pub struct RelyingParty {
    id: RpId,
    origin: String,
}

impl RelyingParty {
    pub fn from_public_url(public_url: &str) -> Result<RelyingParty, String> {
        let url = url::Url::parse(public_url).map_err(|e| e.to_string())?;
        let host = url.host_str().ok_or("public_url has no host")?.to_string();
        let id = RpId::Domain(AsciiDomain::try_from(host).map_err(|e| e.to_string())?);
        Ok(RelyingParty {
            id,
            origin: url.origin().ascii_serialization(),
        })
    }
}

fn challenge_bytes(challenge: &SentChallenge) -> Vec<u8> {
    challenge.0.to_be_bytes().to_vec()
}

fn user_handle(account: &Account) -> Result<UserHandle64, PasskeyError> {
    let bytes: [u8; USER_LEN] = account
        .user_handle
        .as_slice()
        .try_into()
        .map_err(|_| invalid("user handle length"))?;
    UserHandle64::decode(bytes).map_err(|_| invalid("user handle"))
}

async fn store_ceremony(
    conn: &mut AnyConnection,
    challenge: &SentChallenge,
    kind: &str,
    account: Option<i64>,
    state: Vec<u8>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at < $1")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO webauthn_ceremonies (challenge, kind, account_id, state, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(challenge_bytes(challenge))
        .bind(kind)
        .bind(account)
        .bind(state)
        .bind(now + CEREMONY_TTL)
        .execute(conn)
        .await
        .map(drop)
}

/// Takes a ceremony out of the table (used once).
async fn take_ceremony(
    conn: &mut AnyConnection,
    challenge: &SentChallenge,
    kind: &str,
    account: Option<i64>,
    now: i64,
) -> Result<Vec<u8>, PasskeyError> {
    let row = sqlx::query(
        "DELETE FROM webauthn_ceremonies
         WHERE challenge = $1 AND kind = $2 AND expires_at > $3 AND (account_id = $4 OR ($4 IS NULL AND account_id IS NULL))
         RETURNING state",
    )
    .bind(challenge_bytes(challenge))
    .bind(kind)
    .bind(now)
    .bind(account)
    .fetch_optional(conn)
    .await?
    .ok_or(PasskeyError::UnknownCeremony)?;
    Ok(row.try_get("state")?)
}

/// Options for `navigator.credentials.create`, as JSON.
pub async fn start_registration(
    conn: &mut AnyConnection,
    rp: &RelyingParty,
    account: &Account,
    now: i64,
) -> Result<String, PasskeyError> {
    let handle = user_handle(account)?;
    let existing: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT credential_id FROM passkeys WHERE account_id = $1")
            .bind(account.id)
            .fetch_all(&mut *conn)
            .await?;
    let no_transports = AuthTransports::decode(0).map_err(|_| invalid("transports"))?;
    let exclude = existing
        .into_iter()
        .filter_map(|id| CredentialId::<Vec<u8>>::decode(id).ok())
        .map(|id| PublicKeyCredentialDescriptor {
            id,
            transports: no_transports,
        })
        .collect();
    let name = Username::try_from(format!("truongso-{}", account.id)).map_err(invalid)?;
    let display_name = Nickname::try_from(account.display_name.clone()).ok();
    let user = PublicKeyCredentialUserEntity {
        name,
        id: &handle,
        display_name,
    };
    let mut options = PublicKeyCredentialCreationOptions::passkey(&rp.id, user, exclude);
    // Ask phones to protect the key with user verification, but do not refuse the many
    // authenticators that cannot say so: user verification is required at every login anyway.
    options.extensions.cred_protect =
        CredProtect::UserVerificationRequired(ExtensionInfo::AllowDontEnforceValue);
    let (server, client) = options.start_ceremony().map_err(invalid)?;
    let challenge: &SentChallenge = server.borrow();
    let challenge = *challenge;
    store_ceremony(
        conn,
        &challenge,
        "register",
        Some(account.id),
        server.encode().map_err(invalid)?,
        now,
    )
    .await?;
    serde_json::to_string(&client).map_err(invalid)
}

/// Verifies the browser's answer and keeps the new passkey under `name`; returns its id.
pub async fn finish_registration(
    conn: &mut AnyConnection,
    rp: &RelyingParty,
    account: &Account,
    response: &str,
    name: &str,
    now: i64,
) -> Result<i64, PasskeyError> {
    // The browser's `toJSON()` form; fields browsers add beyond the standard are ignored.
    let registration = serde_json::from_str::<RegistrationRelaxed>(response)
        .map_err(invalid)?
        .0;
    let challenge = registration.challenge_relaxed().map_err(invalid)?;
    let state = take_ceremony(conn, &challenge, "register", Some(account.id), now).await?;
    let server = RegistrationServerState::<USER_LEN>::decode(state.as_slice()).map_err(invalid)?;
    let origins = [rp.origin.as_str()];
    let options = RegistrationVerificationOptions::<&str, &str> {
        allowed_origins: &origins,
        ..Default::default()
    };
    let credential = server
        .verify(&rp.id, &registration, &options)
        .map_err(invalid)?;
    if credential.user_id().as_ref() != account.user_handle.as_slice() {
        return Err(invalid("user handle mismatch"));
    }
    let static_state = credential.static_state().encode().map_err(invalid)?;
    let dynamic_state = credential.dynamic_state().encode().map_err(invalid)?;
    let name: String = name.trim().chars().take(60).collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO passkeys (account_id, credential_id, static_state, dynamic_state, name, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(account.id)
    .bind(credential.id().as_ref().to_vec())
    .bind(static_state)
    .bind(dynamic_state.to_vec())
    .bind(if name.is_empty() { "Passkey".to_string() } else { name })
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Options for `navigator.credentials.get` (no account named: the authenticator offers its passkeys).
pub async fn start_login(
    conn: &mut AnyConnection,
    rp: &RelyingParty,
    now: i64,
) -> Result<String, PasskeyError> {
    let (server, client) = DiscoverableCredentialRequestOptions::passkey(&rp.id)
        .start_ceremony()
        .map_err(invalid)?;
    let challenge: &SentChallenge = server.borrow();
    let challenge = *challenge;
    store_ceremony(
        conn,
        &challenge,
        "authenticate",
        None,
        server.encode().map_err(invalid)?,
        now,
    )
    .await?;
    serde_json::to_string(&client).map_err(invalid)
}

/// Verifies a passkey login; returns the account it opens.
pub async fn finish_login(
    conn: &mut AnyConnection,
    rp: &RelyingParty,
    response: &str,
    now: i64,
) -> Result<Account, PasskeyError> {
    let authentication: DiscoverableAuthentication64 =
        serde_json::from_str::<DiscoverableAuthenticationRelaxed64>(response)
            .map_err(invalid)?
            .0;
    let challenge = authentication.challenge_relaxed().map_err(invalid)?;
    let state = take_ceremony(conn, &challenge, "authenticate", None, now).await?;
    let server =
        DiscoverableAuthenticationServerState::decode(state.as_slice()).map_err(invalid)?;

    let raw_id = authentication.raw_id();
    let row = sqlx::query(
        "SELECT id, account_id, static_state, dynamic_state FROM passkeys WHERE credential_id = $1",
    )
    .bind(raw_id.as_ref().to_vec())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(PasskeyError::UnknownCredential)?;
    let passkey_id: i64 = row.try_get("id")?;
    let account = accounts::load(conn, row.try_get("account_id")?)
        .await?
        .ok_or(PasskeyError::UnknownCredential)?;
    let handle = user_handle(&account)?;
    let static_bytes: Vec<u8> = row.try_get("static_state")?;
    let dynamic_bytes: Vec<u8> = row.try_get("dynamic_state")?;
    let dynamic: [u8; 7] = dynamic_bytes
        .as_slice()
        .try_into()
        .map_err(|_| invalid("stored dynamic state"))?;
    let mut credential = AuthenticatedCredential::new(
        raw_id,
        &handle,
        StaticState::decode(static_bytes.as_slice()).map_err(invalid)?,
        DynamicState::decode(dynamic).map_err(invalid)?,
    )
    .map_err(invalid)?;
    let origins = [rp.origin.as_str()];
    let options = AuthenticationVerificationOptions::<&str, &str> {
        allowed_origins: &origins,
        ..Default::default()
    };
    let changed = server
        .verify(&rp.id, &authentication, &mut credential, &options)
        .map_err(invalid)?;
    let dynamic = credential.dynamic_state().encode().map_err(invalid)?;
    sqlx::query("UPDATE passkeys SET last_used_at = $1, dynamic_state = CASE WHEN $2 = 1 THEN $3 ELSE dynamic_state END WHERE id = $4")
        .bind(now)
        .bind(i64::from(changed))
        .bind(dynamic.to_vec())
        .bind(passkey_id)
        .execute(conn)
        .await?;
    Ok(account)
}

pub async fn list(
    conn: &mut AnyConnection,
    account_id: i64,
) -> Result<Vec<PasskeySummary>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, name, created_at, last_used_at FROM passkeys WHERE account_id = $1 ORDER BY created_at")
        .bind(account_id)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(PasskeySummary {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_used_at")?,
            })
        })
        .collect()
}

/// Renames one of the account's passkeys; `false` when it is not theirs.
pub async fn rename(
    conn: &mut AnyConnection,
    account_id: i64,
    passkey_id: i64,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let name: String = name.trim().chars().take(60).collect();
    sqlx::query("UPDATE passkeys SET name = $1 WHERE id = $2 AND account_id = $3")
        .bind(if name.is_empty() {
            "Passkey".to_string()
        } else {
            name
        })
        .bind(passkey_id)
        .bind(account_id)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// Removes one of the account's passkeys; it can no longer log in.
pub async fn remove(
    conn: &mut AnyConnection,
    account_id: i64,
    passkey_id: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM passkeys WHERE id = $1 AND account_id = $2")
        .bind(passkey_id)
        .bind(account_id)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
}
