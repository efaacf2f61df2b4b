//! School-issued logins for students without VNeID: the school prints a username and a one-time
//! activation code; the student then chooses a password (kept as an Argon2id hash) and may add a
//! passkey. Failed passwords are rate-limited per username.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;
use sqlx::{AnyConnection, Row};

use super::IssuedLogin;
use super::accounts::{self, Account};
use super::ratelimit;
use crate::platform::error::{AppError, ErrorCode};

/// How long a printed activation code stays valid.
pub const ACTIVATION_TTL: i64 = 14 * 24 * 3600;
pub const MIN_PASSWORD_CHARS: usize = 8;
/// No 0/O, 1/I/L: codes are typed from paper on a phone.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

fn hash(secret: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| AppError::new(ErrorCode::Internal))
}

fn verify(secret: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(secret.as_bytes(), &parsed)
            .is_ok()
    })
}

fn activation_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..10)
        .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// Makes (or renews) a student's login: a new activation code; an old password stops working.
pub async fn issue(
    conn: &mut AnyConnection,
    school_id: i64,
    student_id: i64,
    now: i64,
) -> Result<IssuedLogin, AppError> {
    let row = sqlx::query("SELECT moet_code, family_name, middle_name, given_name FROM students WHERE id = $1 AND school_id = $2")
        .bind(student_id)
        .bind(school_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let moet: Option<String> = row.try_get("moet_code")?;
    let username = match moet {
        Some(code) if !code.is_empty() => format!("hs{code}"),
        _ => format!("hs{school_id}-{student_id}"),
    };
    let display_name = [
        row.try_get::<String, _>("family_name")?,
        row.try_get("middle_name")?,
        row.try_get("given_name")?,
    ]
    .into_iter()
    .filter(|p| !p.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    let code = activation_code();
    let expires_at = now + ACTIVATION_TTL;
    let mut handle = vec![0u8; 64];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut handle);
    sqlx::query(
        "INSERT INTO accounts (kind, school_id, student_id, username, activation_code_hash, activation_expires_at,
                               display_name, user_handle, created_at)
         VALUES ('student', $1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (student_id) DO UPDATE SET activation_code_hash = excluded.activation_code_hash,
             activation_expires_at = excluded.activation_expires_at, password_hash = NULL, username = excluded.username",
    )
    .bind(school_id)
    .bind(student_id)
    .bind(&username)
    .bind(hash(&code)?)
    .bind(expires_at)
    .bind(display_name)
    .bind(handle)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(IssuedLogin {
        username,
        activation_code: code,
        expires_at,
    })
}

async fn student_account(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<Option<(i64, Option<String>, Option<String>, Option<i64>)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, password_hash, activation_code_hash, activation_expires_at FROM accounts
         WHERE kind = 'student' AND username = $1 AND status = 'active'",
    )
    .bind(username.trim().to_lowercase())
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok((
            r.try_get("id")?,
            r.try_get("password_hash")?,
            r.try_get("activation_code_hash")?,
            r.try_get("activation_expires_at")?,
        ))
    })
    .transpose()
}

/// First use of the printed code: the student sets a password. Returns the account.
pub async fn activate(
    conn: &mut AnyConnection,
    username: &str,
    code: &str,
    password: &str,
    now: i64,
) -> Result<Account, AppError> {
    ratelimit::attempt(conn, ratelimit::PASSWORD_PER_USERNAME, username, now).await?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::for_field(ErrorCode::PasswordTooShort, "password"));
    }
    let refused = || AppError::new(ErrorCode::StudentLoginRefused);
    let (id, _, code_hash, expires) = student_account(conn, username).await?.ok_or_else(refused)?;
    let valid = code_hash
        .as_deref()
        .is_some_and(|h| verify(&code.trim().to_uppercase(), h))
        && expires.is_some_and(|e| e > now);
    if !valid {
        return Err(refused());
    }
    sqlx::query("UPDATE accounts SET password_hash = $1, activation_code_hash = NULL, activation_expires_at = NULL WHERE id = $2")
        .bind(hash(password)?)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    ratelimit::succeeded(conn, ratelimit::PASSWORD_PER_USERNAME, username).await?;
    accounts::load(conn, id).await?.ok_or_else(refused)
}

/// A student's password login. Returns the account.
pub async fn password_login(
    conn: &mut AnyConnection,
    username: &str,
    password: &str,
    now: i64,
) -> Result<Account, AppError> {
    ratelimit::attempt(conn, ratelimit::PASSWORD_PER_USERNAME, username, now).await?;
    let refused = || AppError::new(ErrorCode::StudentLoginRefused);
    let (id, password_hash, _, _) = student_account(conn, username).await?.ok_or_else(refused)?;
    if !password_hash
        .as_deref()
        .is_some_and(|h| verify(password, h))
    {
        return Err(refused());
    }
    ratelimit::succeeded(conn, ratelimit::PASSWORD_PER_USERNAME, username).await?;
    accounts::load(conn, id).await?.ok_or_else(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_argon2id_and_verify_only_themselves() {
        let stored = hash("mật khẩu dài").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("mật khẩu dài", &stored));
        assert!(!verify("mật khẩu dai", &stored));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn activation_codes_avoid_look_alike_characters() {
        for _ in 0..50 {
            let code = activation_code();
            assert_eq!(code.len(), 10);
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
        }
    }
}
