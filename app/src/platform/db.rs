//! One data layer for SQLite (the embedded default) and PostgreSQL (chosen by the URL).
//!
//! Queries are written once with `$1…` placeholders and portable SQL (both engines accept
//! `RETURNING`, `ON CONFLICT` and `||`), and run through sqlx's `Any` driver. Values crossing it
//! are limited to integers, text and bytes: ids, Unix-second timestamps and money are `i64`,
//! flags are 0/1 integers, dates are ISO text. Each backend has its own migrations folder with the
//! same numbering and meaning.

use std::sync::Once;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Executor};

use super::error::{AppError, ErrorCode};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "DATABASE_URL không hợp lệ: phải bắt đầu bằng sqlite: hoặc postgres:// / \
         unsupported DATABASE_URL ({0}): it must start with sqlite: or postgres://"
    )]
    UnsupportedUrl(String),
    #[error(
        "Không kết nối được cơ sở dữ liệu {url} / cannot connect to the database {url}: {reason}"
    )]
    Connect { url: String, reason: String },
    #[error("Không áp dụng được migration / database migration failed: {0}")]
    Migrate(String),
}

/// The connection pool and which engine is behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

#[derive(Clone, Debug)]
pub struct DbOptions {
    pub max_connections: u32,
    pub connect_timeout: Duration,
    /// Open without writing anything (checks of backup files); SQLite only.
    pub read_only: bool,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            connect_timeout: Duration::from_secs(5),
            read_only: false,
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

impl Db {
    pub async fn connect(url: &str, options: &DbOptions) -> Result<Db, DbError> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);

        let backend =
            Backend::from_url(url).ok_or_else(|| DbError::UnsupportedUrl(redact_url(url)))?;
        let connect_error = |e: sqlx::Error| DbError::Connect {
            url: redact_url(url),
            reason: e.to_string(),
        };
        let connect_options: AnyConnectOptions = url
            .parse::<AnyConnectOptions>()
            .map_err(connect_error)?
            .disable_statement_logging();

        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.connect_timeout)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Per connection: enforce references, wait for writers instead of failing.
                        conn.execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect_options)
            .await
            .map_err(connect_error)?;

        if backend == Backend::Sqlite && !options.read_only {
            // WAL lets readers go on while one writer writes, and is kept in the file.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .map_err(connect_error)?;
        }
        Ok(Db { pool, backend })
    }

    pub async fn migrate(&self) -> Result<(), DbError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| DbError::Migrate(e.to_string()))
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// For `/readyz`: can a query reach the database now?
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// How a failed query reaches the user: a typed code, never the SQL text.
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => AppError::new(ErrorCode::NotFound),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                AppError::new(ErrorCode::Duplicate)
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::warn!(error = %error, "database unavailable");
                AppError::new(ErrorCode::Unavailable)
            }
            _ => {
                tracing::error!(error = %error, "database error");
                AppError::new(ErrorCode::Internal)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_appear_in_messages() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.local:5432/truongso"),
            "postgres://app:***@db.local:5432/truongso"
        );
        assert_eq!(
            redact_url("sqlite://data/truongso.db"),
            "sqlite://data/truongso.db"
        );
        assert_eq!(redact_url("postgres://app@db/x"), "postgres://app@db/x");
    }

    #[test]
    fn the_backend_comes_from_the_url() {
        assert_eq!(
            Backend::from_url("sqlite://x.db?mode=rwc"),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://h/db"), None);
    }
}
