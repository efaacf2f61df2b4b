//! Server-side sessions. The browser holds a random token in an HttpOnly cookie; the database
//! holds only its SHA-256, so a copy of the database opens no session. Sessions end after an idle
//! time, after an absolute time, at logout, or when the person signs out elsewhere.

use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

pub use super::{CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE};
use super::{PersonaKind, PersonaRef};

/// How long sessions live; from the server's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle_seconds: i64,
    pub absolute_seconds: i64,
    /// `Secure` cookies: everywhere but plain-http localhost.
    pub secure_cookies: bool,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle_seconds: 8 * 3600,
            absolute_seconds: 30 * 24 * 3600,
            secure_cookies: true,
        }
    }
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A live session, as loaded for a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: i64,
    pub account_id: i64,
    pub csrf_token: String,
    pub auth_method: String,
    pub persona: Option<PersonaRef>,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// What a new session gives the browser.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub id: i64,
    pub token: String,
    pub csrf_token: String,
}

pub async fn create(
    conn: &mut AnyConnection,
    account_id: i64,
    auth_method: &str,
    device_label: &str,
    now: i64,
    policy: &SessionPolicy,
) -> Result<NewSession, sqlx::Error> {
    let token = random_token();
    let csrf_token = random_token();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sessions (token_hash, account_id, csrf_token, auth_method, device_label, created_at, last_seen_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
    )
    .bind(token_hash(&token))
    .bind(account_id)
    .bind(&csrf_token)
    .bind(auth_method)
    .bind(device_label.chars().take(120).collect::<String>())
    .bind(now)
    .bind(now + policy.absolute_seconds)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE accounts SET last_login_at = $1 WHERE id = $2")
        .bind(now)
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(NewSession {
        id,
        token,
        csrf_token,
    })
}

/// The session behind a cookie, if it is still alive; refreshes its idle clock.
pub async fn load(
    conn: &mut AnyConnection,
    token: &str,
    now: i64,
    policy: &SessionPolicy,
) -> Result<Option<Session>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT s.id, s.account_id, s.csrf_token, s.auth_method, s.persona_kind, s.persona_school, s.persona_record,
                s.created_at, s.last_seen_at
         FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND s.last_seen_at > $3
           AND a.status = 'active'",
    )
    .bind(token_hash(token))
    .bind(now)
    .bind(now - policy.idle_seconds)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let persona = match (
        row.try_get::<Option<String>, _>("persona_kind")?,
        row.try_get::<Option<i64>, _>("persona_record")?,
    ) {
        (Some(kind), Some(record_id)) => PersonaKind::from_code(&kind).map(|kind| PersonaRef {
            kind,
            school_id: row.try_get("persona_school").ok().flatten(),
            record_id,
        }),
        _ => None,
    };
    let session = Session {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        csrf_token: row.try_get("csrf_token")?,
        auth_method: row.try_get("auth_method")?,
        persona,
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
    };
    // Write at most once a minute per session, not on every request.
    if now - session.last_seen_at >= 60 {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(session.id)
            .execute(conn)
            .await?;
    }
    Ok(Some(session))
}

pub async fn set_persona(
    conn: &mut AnyConnection,
    session_id: i64,
    persona: &PersonaRef,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET persona_kind = $1, persona_school = $2, persona_record = $3 WHERE id = $4")
        .bind(persona.kind.code())
        .bind(persona.school_id)
        .bind(persona.record_id)
        .bind(session_id)
        .execute(conn)
        .await
        .map(drop)
}

pub async fn revoke(
    conn: &mut AnyConnection,
    session_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(session_id)
        .execute(conn)
        .await
        .map(drop)
}

/// Signs the account out everywhere but `keep` (its current session); returns how many ended.
pub async fn revoke_others(
    conn: &mut AnyConnection,
    account_id: i64,
    keep: i64,
    now: i64,
) -> Result<u64, sqlx::Error> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND id <> $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(account_id)
        .bind(keep)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
}

/// One of the account's live sessions, for "where am I signed in".
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionSummary {
    pub id: i64,
    pub device_label: String,
    pub auth_method: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

pub async fn list_live(
    conn: &mut AnyConnection,
    account_id: i64,
    now: i64,
    policy: &SessionPolicy,
) -> Result<Vec<SessionSummary>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, device_label, auth_method, created_at, last_seen_at FROM sessions
         WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3
         ORDER BY last_seen_at DESC",
    )
    .bind(account_id)
    .bind(now)
    .bind(now - policy.idle_seconds)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SessionSummary {
                id: r.try_get("id")?,
                device_label: r.try_get("device_label")?,
                auth_method: r.try_get("auth_method")?,
                created_at: r.try_get("created_at")?,
                last_seen_at: r.try_get("last_seen_at")?,
            })
        })
        .collect()
}

/// `Set-Cookie` for the session token (HttpOnly, SameSite=Lax so a link from a message opens the app logged in).
pub fn session_cookie(token: &str, policy: &SessionPolicy) -> String {
    cookie(
        SESSION_COOKIE,
        token,
        policy.absolute_seconds,
        true,
        "Lax",
        policy.secure_cookies,
    )
}

/// `Set-Cookie` for the CSRF token the page script sends back.
pub fn csrf_cookie(token: &str, policy: &SessionPolicy) -> String {
    cookie(
        CSRF_COOKIE,
        token,
        policy.absolute_seconds,
        false,
        "Strict",
        policy.secure_cookies,
    )
}

pub fn clear_session_cookie(policy: &SessionPolicy) -> String {
    cookie(SESSION_COOKIE, "", 0, true, "Lax", policy.secure_cookies)
}

fn cookie(
    name: &str,
    value: &str,
    max_age: i64,
    http_only: bool,
    same_site: &str,
    secure: bool,
) -> String {
    let mut out = format!("{name}={value}; Path=/; Max-Age={max_age}; SameSite={same_site}");
    if http_only {
        out.push_str("; HttpOnly");
    }
    if secure {
        out.push_str("; Secure");
    }
    out
}

/// A cookie's value from a `Cookie` request header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_have_the_right_attributes() {
        let policy = SessionPolicy {
            secure_cookies: false,
            ..SessionPolicy::default()
        };
        let session = session_cookie("abc", &policy);
        assert!(
            session.contains("HttpOnly")
                && session.contains("SameSite=Lax")
                && !session.contains("Secure")
        );
        let secure = SessionPolicy::default();
        assert!(session_cookie("abc", &secure).ends_with("; Secure"));
        let csrf = csrf_cookie("xyz", &secure);
        assert!(!csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict"));
        assert!(clear_session_cookie(&secure).contains("Max-Age=0"));
    }

    #[test]
    fn cookie_values_are_found_by_name() {
        assert_eq!(
            cookie_value("a=1; ts_session=tok; b=2", SESSION_COOKIE),
            Some("tok")
        );
        assert_eq!(cookie_value("xts_session=tok", SESSION_COOKIE), None);
        assert_eq!(cookie_value("ts_session=", SESSION_COOKIE), None);
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
