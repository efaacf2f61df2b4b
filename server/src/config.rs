//! Configuration: built-in defaults, then a TOML file, then environment variables
//! (`TRUONGSO_` prefix, `__` between levels, e.g. `TRUONGSO_DATABASE__URL`), and plain
//! `DATABASE_URL` as the usual shorthand. Secrets are `SecretString`: never printed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use app::identity::oidc::OidcSettings;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A real school: keys must be configured; no demo data, no demo identity provider.
    #[default]
    Production,
    /// The README's run command: demo district, generated key, demo identity provider.
    Demo,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub mode: Mode,
    /// Where SQLite's file, generated demo keys and backups live.
    pub data_dir: PathBuf,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub security: SecurityConfig,
    pub log: LogConfig,
    pub metrics: MetricsConfig,
    pub sessions: SessionsConfig,
    pub push: PushConfig,
    /// The desk: where the clerks' pcsc-bridge listens (`bridge_url`).
    pub desk: app::verification::DeskSettings,
    pub records: RecordsConfig,
    /// The VNeID (OpenID Connect) client; absent in demo mode means the built-in demo provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vneid: Option<OidcSettings>,
}

/// Web Push (VAPID). Without a key, push is off (the inbox still works); demo mode makes one.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PushConfig {
    /// base64url of the 32-byte P-256 secret; e.g. from `truongso` in demo mode (data/vapid.key).
    #[serde(skip_serializing)]
    pub vapid_private_key: Option<SecretString>,
    /// Who push services may contact about this server, e.g. `mailto:it@nhabe.edu.vn`.
    pub contact: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SessionsConfig {
    /// A session unused this long ends (seconds).
    pub idle_timeout: i64,
    /// A session ends this long after login whatever happens (seconds).
    pub absolute_timeout: i64,
}

/// Records of students who left: how long their personal data is kept after they left.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecordsConfig {
    /// Days after archiving (leaving, graduating, moving away) before personal data is erased.
    pub retention_days: i64,
    /// How often the retention job looks for records to erase (seconds).
    pub retention_check_seconds: u64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The address users type, e.g. `https://truongso.nhabe.edu.vn` (cookies, links, HSTS).
    pub public_url: String,
    /// The built browser assets (`pkg/`, service worker, manifest, icons).
    pub site_root: PathBuf,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`; empty means SQLite in the data folder.
    #[serde(skip_serializing)]
    pub url: Option<SecretString>,
    pub max_connections: u32,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityConfig {
    /// Base64 of 32 random bytes; encrypts and hashes personal ID numbers. Required in production.
    #[serde(skip_serializing)]
    pub personal_id_key: Option<SecretString>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `pretty` for people, `json` for log collectors.
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `info,sqlx=warn`; `RUST_LOG` overrides it.
    pub level: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// When set, `/metrics` needs `Authorization: Bearer <token>`; otherwise only loopback may read it.
    #[serde(skip_serializing)]
    pub token: Option<SecretString>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: Mode::Production,
            data_dir: PathBuf::from("data"),
            server: ServerConfig {
                listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
                public_url: "http://localhost:3000".into(),
                site_root: PathBuf::from("target/site"),
            },
            database: DatabaseConfig {
                url: None,
                max_connections: 10,
            },
            security: SecurityConfig::default(),
            log: LogConfig {
                format: LogFormat::Pretty,
                level: "info".into(),
            },
            metrics: MetricsConfig::default(),
            sessions: SessionsConfig {
                idle_timeout: 8 * 3600,
                absolute_timeout: 30 * 24 * 3600,
            },
            records: RecordsConfig {
                retention_days: 5 * 365,
                retention_check_seconds: 24 * 3600,
            },
            vneid: None,
            push: PushConfig::default(),
            desk: app::verification::DeskSettings::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("Cấu hình không hợp lệ / invalid configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Defaults ← `file` (if given, it must exist; else `truongso.toml` if present) ← environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!(
                    "không thấy tệp / file not found: {}",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("truongso.toml").exists() => {
                figment = figment.merge(Toml::file_exact("truongso.toml"))
            }
            None => {}
        }
        figment = figment
            .merge(Env::prefixed("TRUONGSO_").split("__").ignore(&["config"]))
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database.url".into()),
            );
        let config: Config = figment.extract().map_err(|e| ConfigError(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !(self.server.public_url.starts_with("http://")
            || self.server.public_url.starts_with("https://"))
        {
            return Err(ConfigError("server.public_url phải bắt đầu bằng http:// hoặc https:// / must start with http:// or https://".into()));
        }
        if self.sessions.idle_timeout < 60
            || self.sessions.absolute_timeout < self.sessions.idle_timeout
        {
            return Err(ConfigError(
                "sessions: idle_timeout ≥ 60 and absolute_timeout ≥ idle_timeout".into(),
            ));
        }
        if crate::security::bridge_origin(&self.desk.bridge_url).is_none() {
            return Err(ConfigError(
                "desk.bridge_url phải là http://127.0.0.1:CỔNG / must be an origin such as http://127.0.0.1:47800".into(),
            ));
        }
        if self.records.retention_days < 1 || self.records.retention_check_seconds < 1 {
            return Err(ConfigError(
                "records: retention_days ≥ 1 and retention_check_seconds ≥ 1".into(),
            ));
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError("database.max_connections > 0".into()));
        }
        Ok(())
    }

    /// The database to use: the configured URL, or SQLite in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) if !url.expose_secret().trim().is_empty() => {
                url.expose_secret().trim().to_string()
            }
            _ => format!("sqlite://{}?mode=rwc", self.sqlite_path().display()),
        }
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("truongso.db")
    }

    /// Cookies get `Secure` and responses HSTS when users reach the server over HTTPS.
    pub fn is_https(&self) -> bool {
        self.server.public_url.starts_with("https://")
    }

    /// Session lifetimes; cookies are `Secure` except on plain-http localhost (development).
    pub fn session_policy(&self) -> app::identity::session::SessionPolicy {
        let local_http = self.server.public_url.starts_with("http://localhost")
            || self.server.public_url.starts_with("http://127.0.0.1");
        app::identity::session::SessionPolicy {
            idle_seconds: self.sessions.idle_timeout,
            absolute_seconds: self.sessions.absolute_timeout,
            secure_cookies: !local_http,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_not_printed_by_debug() {
        let mut config = Config::default();
        config.security.personal_id_key = Some(SecretString::from("super-secret-key"));
        config.database.url = Some(SecretString::from("postgres://u:pw@h/db"));
        let printed = format!("{config:?}");
        assert!(!printed.contains("super-secret-key"));
        assert!(!printed.contains("pw@h"));
    }

    #[test]
    fn sqlite_in_the_data_folder_is_the_default_database() {
        let config = Config::default();
        assert_eq!(config.database_url(), "sqlite://data/truongso.db?mode=rwc");
        assert_eq!(config.mode, Mode::Production);
    }
}
