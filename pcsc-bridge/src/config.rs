//! The daemon's configuration: a TOML file, then `PCSC_BRIDGE_*` environment variables over it.
//!
//! ```toml
//! server_url = "https://truong.example.edu.vn"   # the school server (https)
//! # allowed_origin = "https://truong.example.edu.vn"  # default: the origin of server_url
//! listen_port = 47800
//! reader_name = "ACS ACR1252 1S CL Reader PICC 00 00"  # or a unique part of it
//! trust_store_dir = "/etc/pcsc-bridge/csca"
//! state_dir = "/var/lib/pcsc-bridge"
//! bridge_name = "Bàn tiếp nhận 1"
//! card_wait_seconds = 5
//! ```

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;
use thiserror::Error;

use crate::protocol;

pub const DEFAULT_CONFIG_FILE: &str = "/etc/pcsc-bridge/config.toml";
pub const ENV_PREFIX: &str = "PCSC_BRIDGE_";
/// The configuration keys; only these are read from the environment.
pub const KEYS: [&str; 8] = [
    "server_url",
    "allowed_origin",
    "listen_port",
    "reader_name",
    "trust_store_dir",
    "state_dir",
    "bridge_name",
    "card_wait_seconds",
];
/// Longest wait for a card a request may ask for.
pub const MAX_CARD_WAIT_SECONDS: u32 = 60;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cấu hình không đọc được / the configuration cannot be read: {0}")]
    Load(String),
    #[error("cấu hình sai / invalid configuration: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    server_url: Option<String>,
    allowed_origin: Option<String>,
    listen_port: Option<u16>,
    reader_name: Option<String>,
    trust_store_dir: Option<PathBuf>,
    state_dir: Option<PathBuf>,
    bridge_name: Option<String>,
    card_wait_seconds: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The school server, e.g. `https://truong.example.edu.vn` (no trailing slash).
    pub server_url: String,
    /// The only web origin allowed to call the local API (scheme://host[:port]).
    pub allowed_origin: String,
    /// Port on 127.0.0.1; 0 picks a free one (tests).
    pub listen_port: u16,
    pub reader_name: Option<String>,
    pub trust_store_dir: PathBuf,
    pub state_dir: PathBuf,
    pub bridge_name: String,
    pub card_wait_seconds: u32,
}

impl Config {
    /// Reads `file` (it may be missing) and the environment.
    pub fn load(file: &Path) -> Result<Self, ConfigError> {
        let figment = Figment::new()
            .merge(Toml::file(file))
            .merge(Env::prefixed(ENV_PREFIX).only(&KEYS));
        let raw: RawConfig = figment
            .extract()
            .map_err(|error| ConfigError::Load(error.to_string()))?;
        Self::from_raw(raw)
    }

    /// Parses TOML text alone (no environment), for tests and checks.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let raw: RawConfig = Figment::new()
            .merge(Toml::string(text))
            .extract()
            .map_err(|error| ConfigError::Load(error.to_string()))?;
        Self::from_raw(raw)
    }

    fn from_raw(raw: RawConfig) -> Result<Self, ConfigError> {
        let server_url = raw
            .server_url
            .map(|url| url.trim().trim_end_matches('/').to_owned())
            .filter(|url| !url.is_empty())
            .ok_or_else(|| ConfigError::Invalid("server_url is required".to_owned()))?;
        let server_origin = origin_of(&server_url).map_err(ConfigError::Invalid)?;
        let allowed_origin = match raw.allowed_origin {
            Some(origin) => {
                let origin = origin.trim().trim_end_matches('/').to_owned();
                if origin_of(&origin).map_err(ConfigError::Invalid)? != origin {
                    return Err(ConfigError::Invalid(format!(
                        "allowed_origin must be scheme://host[:port] only, not {origin:?}"
                    )));
                }
                origin
            }
            None => server_origin,
        };
        let card_wait_seconds = raw.card_wait_seconds.unwrap_or(5);
        if card_wait_seconds > MAX_CARD_WAIT_SECONDS {
            return Err(ConfigError::Invalid(format!(
                "card_wait_seconds must be at most {MAX_CARD_WAIT_SECONDS}"
            )));
        }
        let bridge_name = raw
            .bridge_name
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(default_bridge_name);
        Ok(Config {
            server_url,
            allowed_origin,
            listen_port: raw.listen_port.unwrap_or(protocol::DEFAULT_PORT),
            reader_name: raw
                .reader_name
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty()),
            trust_store_dir: raw
                .trust_store_dir
                .unwrap_or_else(|| PathBuf::from("/etc/pcsc-bridge/csca")),
            state_dir: raw
                .state_dir
                .unwrap_or_else(|| PathBuf::from("/var/lib/pcsc-bridge")),
            bridge_name,
            card_wait_seconds,
        })
    }
}

fn default_bridge_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "pcsc-bridge".to_owned())
}

/// `scheme://host[:port]` of an http(s) URL. Plain http is accepted only for loopback hosts
/// (development and tests); a school server is always https.
pub fn origin_of(url: &str) -> Result<String, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("{url:?} is not an http(s) URL"))?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return Err(format!("{url:?} has no valid host"));
    }
    let authority = authority.to_ascii_lowercase();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    match scheme.as_str() {
        "https" => {}
        "http" if matches!(host, "localhost" | "127.0.0.1" | "::1") => {}
        "http" => {
            return Err(format!(
                "{url:?} must use https (plain http only for localhost)"
            ));
        }
        _ => return Err(format!("{url:?} is not an http(s) URL")),
    }
    Ok(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_full_file_and_derives_the_origin() {
        let config = Config::from_toml(
            r#"
            server_url = "https://Truong.Example.edu.vn/app/"
            reader_name = "ACR1252"
            trust_store_dir = "/tmp/csca"
            state_dir = "/tmp/state"
            bridge_name = "Bàn 1"
            card_wait_seconds = 3
            "#,
        )
        .unwrap();
        assert_eq!(config.server_url, "https://Truong.Example.edu.vn/app");
        assert_eq!(config.allowed_origin, "https://truong.example.edu.vn");
        assert_eq!(config.listen_port, 47800);
        assert_eq!(config.reader_name.as_deref(), Some("ACR1252"));
        assert_eq!(config.card_wait_seconds, 3);
    }

    #[test]
    fn refuses_bad_configurations() {
        for text in [
            "",
            "server_url = \"http://truong.example\"",
            "server_url = \"ftp://x\"",
            "server_url = \"https://x\"\nallowed_origin = \"https://x/path\"",
            "server_url = \"https://x\"\ncard_wait_seconds = 600",
            "server_url = \"https://x\"\nunknown_key = 1",
        ] {
            assert!(Config::from_toml(text).is_err(), "{text}");
        }
        assert!(Config::from_toml("server_url = \"http://127.0.0.1:8080\"").is_ok());
    }

    #[test]
    fn computes_origins() {
        assert_eq!(
            origin_of("https://a.example:8443/x?y").unwrap(),
            "https://a.example:8443"
        );
        assert_eq!(origin_of("http://[::1]:80/").unwrap(), "http://[::1]:80");
        assert!(origin_of("https://user@a.example").is_err());
        assert!(origin_of("a.example").is_err());
    }
}
