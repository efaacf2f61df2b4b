//! Limits on login attempts, kept in the database so every server instance counts the same.
//! Keys (an address, a username) are stored hashed.

use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use crate::platform::error::{AppError, ErrorCode};

#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub scope: &'static str,
    pub max_attempts: i64,
    pub window_seconds: i64,
}

/// Starting logins from one address.
pub const LOGIN_PER_ADDRESS: Limit = Limit {
    scope: "login_address",
    max_attempts: 30,
    window_seconds: 600,
};
/// Failed passwords for one student username.
pub const PASSWORD_PER_USERNAME: Limit = Limit {
    scope: "password_username",
    max_attempts: 5,
    window_seconds: 900,
};

fn key_hash(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// Counts this attempt; refuses when the window is already full.
pub async fn attempt(
    conn: &mut AnyConnection,
    limit: Limit,
    key: &str,
    now: i64,
) -> Result<(), AppError> {
    let recent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM login_attempts WHERE scope = $1 AND key_hash = $2 AND at > $3 AND succeeded = 0",
    )
    .bind(limit.scope)
    .bind(key_hash(key))
    .bind(now - limit.window_seconds)
    .fetch_one(&mut *conn)
    .await?;
    if recent >= limit.max_attempts {
        return Err(AppError::new(ErrorCode::TooManyAttempts));
    }
    sqlx::query("INSERT INTO login_attempts (scope, key_hash, at) VALUES ($1, $2, $3)")
        .bind(limit.scope)
        .bind(key_hash(key))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    if now % 100 == 0 {
        sqlx::query("DELETE FROM login_attempts WHERE at < $1")
            .bind(now - 86_400)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A success clears the key's failures (a student who finally typed the right password).
pub async fn succeeded(
    conn: &mut AnyConnection,
    limit: Limit,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE login_attempts SET succeeded = 1 WHERE scope = $1 AND key_hash = $2")
        .bind(limit.scope)
        .bind(key_hash(key))
        .execute(conn)
        .await
        .map(drop)
}
