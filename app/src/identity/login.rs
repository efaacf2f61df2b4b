//! What every way of logging in ends with: the person is matched to their records, a fresh
//! session replaces any old one (so a planted session id is worthless), and the persona is chosen
//! when there is only one.

use serde_json::json;
use sqlx::AnyConnection;

use super::accounts::{self, Account};
use super::claims::CitizenClaims;
use super::oidc::LoginError;
use super::session::{self, NewSession, SessionPolicy};
use super::{PersonaChoice, PersonaKind};
use crate::people::store::find_by_pid_hash;
use crate::platform::audit::{self, Actor, ActorKind, AuditAction, AuditEvent};
use crate::platform::crypto::PidCrypto;

/// The circumstances of a login, whatever the method.
#[derive(Clone, Copy, Debug)]
pub struct LoginContext<'a> {
    /// Where the person wanted to go (already checked to stay on this site).
    pub return_to: &'a str,
    /// The session cookie the browser brought, if any: it is ended (rotation).
    pub old_session_token: Option<&'a str>,
    pub device_label: &'a str,
    pub policy: &'a SessionPolicy,
    pub now: i64,
}

/// A session just opened, and where the browser goes next.
#[derive(Debug)]
pub struct LoggedIn {
    pub session: NewSession,
    pub next: String,
}

/// Matches a VNeID login to the district's records and opens a session for it.
pub async fn citizen_login(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    claims: &CitizenClaims,
    login: LoginContext<'_>,
) -> Result<LoggedIn, LoginError> {
    let now = login.now;
    let pid_hash = crypto.lookup_hash(&claims.personal_id);
    let matches = find_by_pid_hash(conn, &pid_hash).await?;
    if matches.is_empty() {
        refuse(conn, "unknown_person", now).await?;
        return Err(LoginError::UnknownPerson);
    }
    accounts::flag_mismatches(conn, &matches, claims, now).await?;
    let display_name = claims.full_name.clone().unwrap_or_else(|| "—".into());
    let account_id =
        accounts::upsert_citizen(conn, &pid_hash, &display_name, claims.assurance_level, now)
            .await?;
    let account = accounts::load(conn, account_id)
        .await?
        .ok_or(LoginError::UnknownPerson)?;
    let all = accounts::personas(conn, &account).await?;
    let allowed = filter_by_level(conn, all.clone(), claims.assurance_level).await?;
    if allowed.is_empty() {
        let error = if all.is_empty() {
            LoginError::UnknownPerson
        } else {
            LoginError::LevelTooLow
        };
        refuse(
            conn,
            if all.is_empty() {
                "no_active_record"
            } else {
                "level_too_low"
            },
            now,
        )
        .await?;
        return Err(error);
    }
    open_session(conn, &account, &allowed, "vneid", login).await
}

/// Staff and guardians of a school that requires a level-2 account are dropped for a level-1 login.
pub async fn filter_by_level(
    conn: &mut AnyConnection,
    personas: Vec<PersonaChoice>,
    level: Option<u8>,
) -> Result<Vec<PersonaChoice>, sqlx::Error> {
    if level.unwrap_or(0) >= 2 {
        return Ok(personas);
    }
    let mut kept = Vec::new();
    for choice in personas {
        let needs_level2 = match (choice.persona.kind, choice.persona.school_id) {
            (PersonaKind::Staff | PersonaKind::Guardian, Some(school)) => {
                sqlx::query_scalar::<_, i64>("SELECT require_level2 FROM schools WHERE id = $1")
                    .bind(school)
                    .fetch_one(&mut *conn)
                    .await?
                    == 1
            }
            _ => false,
        };
        if !needs_level2 {
            kept.push(choice);
        }
    }
    Ok(kept)
}

async fn refuse(conn: &mut AnyConnection, reason: &str, now: i64) -> Result<(), sqlx::Error> {
    audit::record(
        conn,
        &Actor {
            kind: ActorKind::Anonymous,
            id: None,
        },
        AuditEvent {
            school_id: None,
            action: AuditAction::LoginRefused,
            entity: "login",
            entity_id: None,
            reason: None,
            detail: json!({ "reason": reason }),
        },
        now,
    )
    .await
}

/// Opens the session: rotates away any previous one, picks the only persona, audits the login.
pub async fn open_session(
    conn: &mut AnyConnection,
    account: &Account,
    personas: &[PersonaChoice],
    method: &str,
    login: LoginContext<'_>,
) -> Result<LoggedIn, LoginError> {
    let LoginContext {
        return_to,
        old_session_token,
        device_label,
        policy,
        now,
    } = login;
    if let Some(old) = old_session_token
        && let Some(previous) = session::load(conn, old, now, policy).await?
    {
        session::revoke(conn, previous.id, now).await?;
    }
    let new = session::create(conn, account.id, method, device_label, now, policy).await?;
    let next = match personas {
        [only] => {
            session::set_persona(conn, new.id, &only.persona).await?;
            if return_to == "/" {
                only.persona.kind.home_path().to_string()
            } else {
                return_to.to_string()
            }
        }
        _ => format!("/choose-role?return_to={}", urlencode(return_to)),
    };
    audit::record(
        conn,
        &Actor {
            kind: ActorKind::Account,
            id: Some(account.id),
        },
        AuditEvent {
            school_id: None,
            action: AuditAction::Login,
            entity: "session",
            entity_id: Some(new.id),
            reason: None,
            detail: json!({ "method": method, "personas": personas.len() }),
        },
        now,
    )
    .await?;
    Ok(LoggedIn { session: new, next })
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
