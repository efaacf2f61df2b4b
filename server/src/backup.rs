//! `truongso backup FILE` and `truongso restore FILE`.
//!
//! SQLite: `VACUUM INTO` copies a consistent snapshot while the server keeps writing (WAL mode);
//! the copy is then checked with `PRAGMA integrity_check`. Restore checks the file the same way and
//! swaps it in atomically (stop the server first). PostgreSQL: `pg_dump --format=custom` and
//! `pg_restore`, the documented tools, with the password passed through the environment.
//! The personal-ID key is not in the backup: keep it separately, or the ID numbers are lost.

use std::path::{Path, PathBuf};
use std::process::Command;

use app::platform::db::{Backend, Db, DbOptions, redact_url};

use crate::config::Config;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "Tệp đã tồn tại, hãy chọn tên khác / the file already exists, choose another name: {0}"
    )]
    TargetExists(PathBuf),
    #[error("Không thấy tệp sao lưu / backup file not found: {0}")]
    SourceMissing(PathBuf),
    #[error(
        "Cơ sở dữ liệu đích đã có dữ liệu; dừng máy chủ rồi chạy lại với --force / \
         the target database exists; stop the server and run again with --force: {0}"
    )]
    TargetInUse(PathBuf),
    #[error(
        "Tệp sao lưu bị hỏng hoặc không phải của Trường Số / the backup is damaged or not a Trường Số database: {0}"
    )]
    Damaged(String),
    #[error("Lỗi cơ sở dữ liệu / database error: {0}")]
    Database(String),
    #[error("Lỗi tệp / file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("{tool} thất bại / failed: {reason}")]
    Tool { tool: &'static str, reason: String },
}

fn db_error(e: impl std::fmt::Display) -> BackupError {
    BackupError::Database(e.to_string())
}

/// What a finished backup holds.
#[derive(Debug)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
}

pub async fn backup(config: &Config, target: &Path) -> Result<BackupReport, BackupError> {
    if target.exists() {
        return Err(BackupError::TargetExists(target.to_path_buf()));
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let url = config.database_url();
    match Backend::from_url(&url) {
        Some(Backend::Postgres) => pg_tool(
            "pg_dump",
            &url,
            &["--format=custom", "--no-owner", "--file"],
            target,
        )?,
        _ => {
            let db = Db::connect(
                &url,
                &DbOptions {
                    max_connections: 1,
                    ..DbOptions::default()
                },
            )
            .await
            .map_err(db_error)?;
            let result = sqlx::query("VACUUM INTO $1")
                .bind(target.to_string_lossy().to_string())
                .execute(db.pool())
                .await;
            db.close().await;
            result.map_err(db_error)?;
            check_sqlite_file(target).await?;
        }
    }
    Ok(BackupReport {
        path: target.to_path_buf(),
        bytes: std::fs::metadata(target)?.len(),
    })
}

pub async fn restore(config: &Config, source: &Path, force: bool) -> Result<(), BackupError> {
    if !source.exists() {
        return Err(BackupError::SourceMissing(source.to_path_buf()));
    }
    let url = config.database_url();
    if Backend::from_url(&url) == Some(Backend::Postgres) {
        let mut args = vec!["--no-owner", "--exit-on-error"];
        if force {
            args.extend(["--clean", "--if-exists"]);
        }
        args.push("--dbname");
        return pg_restore(&url, &args, source);
    }
    check_sqlite_file(source).await?;
    let target = sqlite_file_of(&url).unwrap_or_else(|| config.sqlite_path());
    if target.exists() && !force {
        return Err(BackupError::TargetInUse(target));
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    // Copy beside the target, flush, then rename: the database is either the old or the new one.
    let staging = target.with_extension("db.restoring");
    std::fs::copy(source, &staging)?;
    std::fs::File::open(&staging)?.sync_all()?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(side)?;
        }
    }
    std::fs::rename(&staging, &target)?;
    Ok(())
}

/// `sqlite://data/x.db?mode=rwc` → `data/x.db`.
fn sqlite_file_of(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// Opens a SQLite file read-only and proves it is whole and is ours.
async fn check_sqlite_file(path: &Path) -> Result<(), BackupError> {
    let url = format!("sqlite://{}?mode=ro", path.display());
    let db = Db::connect(
        &url,
        &DbOptions {
            max_connections: 1,
            read_only: true,
            ..DbOptions::default()
        },
    )
    .await
    .map_err(|e| BackupError::Damaged(e.to_string()))?;
    let integrity: Result<String, _> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(db.pool())
        .await;
    let migrations: Result<i64, _> = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(db.pool())
        .await;
    db.close().await;
    match (integrity, migrations) {
        (Ok(ok), Ok(n)) if ok == "ok" && n > 0 => Ok(()),
        (Ok(report), Ok(_)) if report != "ok" => Err(BackupError::Damaged(report)),
        (Err(e), _) | (_, Err(e)) => Err(BackupError::Damaged(e.to_string())),
        _ => Err(BackupError::Damaged("no migrations recorded".into())),
    }
}

/// Splits the password off the URL so it travels in `PGPASSWORD`, not on the command line.
fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return (url.to_string(), None);
    };
    match userinfo.split_once(':') {
        Some((user, password)) => (
            format!("{scheme}://{user}@{host}"),
            Some(password.to_string()),
        ),
        None => (url.to_string(), None),
    }
}

fn pg_tool(tool: &'static str, url: &str, args: &[&str], file: &Path) -> Result<(), BackupError> {
    let (url_without_password, password) = split_password(url);
    let mut command = Command::new(tool);
    command.args(args).arg(file).arg(&url_without_password);
    run_pg(tool, command, password, url)
}

fn pg_restore(url: &str, args: &[&str], file: &Path) -> Result<(), BackupError> {
    let (url_without_password, password) = split_password(url);
    let mut command = Command::new("pg_restore");
    command.args(args).arg(&url_without_password).arg(file);
    run_pg("pg_restore", command, password, url)
}

fn run_pg(
    tool: &'static str,
    mut command: Command,
    password: Option<String>,
    url: &str,
) -> Result<(), BackupError> {
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().map_err(|e| BackupError::Tool {
        tool,
        reason: e.to_string(),
    })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(BackupError::Tool {
            tool,
            reason: format!(
                "{} ({})",
                String::from_utf8_lossy(&output.stderr).trim(),
                redact_url(url)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sqlite_file_is_found_in_its_url() {
        assert_eq!(
            sqlite_file_of("sqlite://data/truongso.db?mode=rwc"),
            Some(PathBuf::from("data/truongso.db"))
        );
        assert_eq!(
            sqlite_file_of("sqlite:///var/lib/ts.db"),
            Some(PathBuf::from("/var/lib/ts.db"))
        );
        assert_eq!(sqlite_file_of("sqlite::memory:"), None);
    }

    #[test]
    fn passwords_go_to_the_environment() {
        assert_eq!(
            split_password("postgres://app:pw@db:5432/ts"),
            (
                "postgres://app@db:5432/ts".to_string(),
                Some("pw".to_string())
            )
        );
        assert_eq!(
            split_password("postgres://app@db/ts"),
            ("postgres://app@db/ts".to_string(), None)
        );
    }
}
