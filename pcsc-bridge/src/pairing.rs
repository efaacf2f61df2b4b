//! The bridge's identity and its pairing with one school server.
//!
//! On first start the bridge generates an Ed25519 key pair and keeps the private key in its
//! state folder (`bridge-key.pem`, PKCS#8, mode 0600; the folder itself 0700). Pairing sends
//! the public key with a one-time code to the school server, which answers a bridge id; the
//! id is kept in `pairing.json`. Every verification result is signed with the key.
//!
//! Everything here but [`register`] is pure std + ed25519; [`register`] (the HTTP call) needs
//! the `daemon` feature.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::protocol;

pub const KEY_FILE: &str = "bridge-key.pem";
pub const PAIRING_FILE: &str = "pairing.json";

#[derive(Debug, Error)]
pub enum IdentityError {
    #[error("cannot use the state folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the key file {path} is not an Ed25519 PKCS#8 key: {detail}")]
    BadKey { path: PathBuf, detail: String },
    #[error("the pairing file {path} is unreadable: {detail}")]
    BadPairing { path: PathBuf, detail: String },
    #[error("the system random generator failed: {0}")]
    Random(String),
    #[error("the key file {path} is readable by others (mode {mode:o}); run chmod 600")]
    KeyPermissions { path: PathBuf, mode: u32 },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> IdentityError + '_ {
    move |source| IdentityError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What the bridge remembers of its pairing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingState {
    pub bridge_id: String,
    /// The server URL the bridge was paired with.
    pub server_url: String,
    pub bridge_name: String,
    /// Unix time of the pairing.
    pub paired_at: u64,
}

/// The bridge's key pair and pairing, backed by its state folder.
pub struct BridgeIdentity {
    state_dir: PathBuf,
    signing_key: SigningKey,
}

impl std::fmt::Debug for BridgeIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BridgeIdentity")
            .field("state_dir", &self.state_dir)
            .field(
                "public_key",
                &protocol::encode_public_key(&self.signing_key.verifying_key()),
            )
            .finish_non_exhaustive()
    }
}

impl BridgeIdentity {
    /// Loads the key from `state_dir`, generating and storing one on first start.
    pub fn load_or_create(state_dir: &Path) -> Result<Self, IdentityError> {
        create_private_dir(state_dir)?;
        let key_path = state_dir.join(KEY_FILE);
        let signing_key = if key_path.exists() {
            check_private_mode(&key_path)?;
            let pem = fs::read_to_string(&key_path).map_err(io_error(&key_path))?;
            SigningKey::from_pkcs8_pem(&pem).map_err(|error| IdentityError::BadKey {
                path: key_path.clone(),
                detail: error.to_string(),
            })?
        } else {
            let mut seed = [0u8; 32];
            rand_core::RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut seed)
                .map_err(|error| IdentityError::Random(error.to_string()))?;
            let signing_key = SigningKey::from_bytes(&seed);
            let pem = signing_key.to_pkcs8_pem(LineEnding::LF).map_err(|error| {
                IdentityError::BadKey {
                    path: key_path.clone(),
                    detail: error.to_string(),
                }
            })?;
            write_private_file(&key_path, pem.as_bytes())?;
            signing_key
        };
        Ok(BridgeIdentity {
            state_dir: state_dir.to_path_buf(),
            signing_key,
        })
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }

    pub fn public_key_base64(&self) -> String {
        protocol::encode_public_key(&self.signing_key.verifying_key())
    }

    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// The stored pairing, if any.
    pub fn load_pairing(&self) -> Result<Option<PairingState>, IdentityError> {
        let path = self.state_dir.join(PAIRING_FILE);
        if !path.exists() {
            return Ok(None);
        }
        let text = fs::read_to_string(&path).map_err(io_error(&path))?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|error| IdentityError::BadPairing {
                path,
                detail: error.to_string(),
            })
    }

    /// Replaces the stored pairing (written to a temporary file, then renamed).
    pub fn store_pairing(&self, pairing: &PairingState) -> Result<(), IdentityError> {
        let path = self.state_dir.join(PAIRING_FILE);
        let temporary = self.state_dir.join(format!("{PAIRING_FILE}.tmp"));
        let text =
            serde_json::to_vec_pretty(pairing).map_err(|error| IdentityError::BadPairing {
                path: path.clone(),
                detail: error.to_string(),
            })?;
        write_private_file(&temporary, &text)?;
        fs::rename(&temporary, &path).map_err(io_error(&path))
    }

    /// The request the school server's pairing endpoint receives.
    pub fn pairing_request(
        &self,
        pairing_code: &str,
        bridge_name: &str,
    ) -> protocol::PairingRequest {
        protocol::PairingRequest {
            pairing_code: pairing_code.to_owned(),
            public_key: self.public_key_base64(),
            bridge_name: bridge_name.to_owned(),
            bridge_version: env!("CARGO_PKG_VERSION").to_owned(),
            protocol_version: protocol::PROTOCOL_VERSION,
        }
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), IdentityError> {
    use std::os::unix::fs::DirBuilderExt as _;
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_error(dir))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), IdentityError> {
    fs::create_dir_all(dir).map_err(io_error(dir))
}

#[cfg(unix)]
fn write_private_file(path: &Path, content: &[u8]) -> Result<(), IdentityError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let _ = fs::remove_file(path);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io_error(path))?;
    file.write_all(content).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}

#[cfg(not(unix))]
fn write_private_file(path: &Path, content: &[u8]) -> Result<(), IdentityError> {
    fs::write(path, content).map_err(io_error(path))
}

#[cfg(unix)]
fn check_private_mode(path: &Path) -> Result<(), IdentityError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = fs::metadata(path)
        .map_err(io_error(path))?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(IdentityError::KeyPermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private_mode(_path: &Path) -> Result<(), IdentityError> {
    Ok(())
}

/// Checks a pairing code and a bridge name before anything is sent.
pub fn validate_pairing_input(pairing_code: &str, bridge_name: &str) -> Result<(), &'static str> {
    let code = pairing_code.trim();
    if code.is_empty()
        || code.len() > protocol::MAX_PAIRING_CODE_LEN
        || !code.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err("pairing_code");
    }
    let name = bridge_name.trim();
    if name.is_empty()
        || name.chars().count() > protocol::MAX_BRIDGE_NAME_LEN
        || name.chars().any(char::is_control)
    {
        return Err("bridge_name");
    }
    Ok(())
}

/// Why the school server did not pair the bridge.
#[cfg(feature = "daemon")]
#[derive(Debug, Error)]
pub enum RegisterError {
    #[error("the school server could not be reached: {0}")]
    Unreachable(String),
    #[error("the school server refused the pairing (HTTP {status}, {})", body.as_ref().map_or("no details", |body| body.code.as_str()))]
    Rejected {
        status: u16,
        body: Option<protocol::ErrorBody>,
    },
    #[error("the school server's answer is not a pairing answer: {0}")]
    BadAnswer(String),
}

/// The error with its causes ("error sending request: … connection refused"), for the log.
#[cfg(feature = "daemon")]
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Calls the school server's pairing endpoint.
#[cfg(feature = "daemon")]
pub async fn register(
    client: &reqwest::Client,
    server_url: &str,
    request: &protocol::PairingRequest,
) -> Result<protocol::PairingResponse, RegisterError> {
    let url = format!(
        "{}{}",
        server_url.trim_end_matches('/'),
        protocol::PAIRING_PATH
    );
    let response = client
        .post(&url)
        .json(request)
        .send()
        .await
        .map_err(|error| RegisterError::Unreachable(describe(&error.without_url())))?;
    let status = response.status();
    if !status.is_success() {
        let body = response.json::<protocol::ErrorBody>().await.ok();
        return Err(RegisterError::Rejected {
            status: status.as_u16(),
            body,
        });
    }
    let answer: protocol::PairingResponse = response
        .json()
        .await
        .map_err(|error| RegisterError::BadAnswer(describe(&error.without_url())))?;
    let id = answer.bridge_id.trim();
    if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(RegisterError::BadAnswer(
            "the bridge id is empty, too long or not printable ASCII".to_owned(),
        ));
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("pcsc-bridge-pairing-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn generates_a_key_once_and_keeps_it_private() {
        let dir = scratch("key");
        let first = BridgeIdentity::load_or_create(&dir).unwrap();
        let again = BridgeIdentity::load_or_create(&dir).unwrap();
        assert_eq!(first.public_key_base64(), again.public_key_base64());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.join(KEY_FILE)), 0o600);
            assert_eq!(mode(&dir), 0o700);
            fs::set_permissions(dir.join(KEY_FILE), fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                BridgeIdentity::load_or_create(&dir),
                Err(IdentityError::KeyPermissions { .. })
            ));
        }
        let shown = format!("{first:?}");
        assert!(!shown.contains("PRIVATE"), "{shown}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stores_and_reloads_the_pairing() {
        let dir = scratch("state");
        let identity = BridgeIdentity::load_or_create(&dir).unwrap();
        assert_eq!(identity.load_pairing().unwrap(), None);
        let pairing = PairingState {
            bridge_id: "br_7".to_owned(),
            server_url: "https://truong.example".to_owned(),
            bridge_name: "Bàn 1".to_owned(),
            paired_at: 1,
        };
        identity.store_pairing(&pairing).unwrap();
        assert_eq!(identity.load_pairing().unwrap(), Some(pairing));
        let request = identity.pairing_request("ABC-123", "Bàn 1");
        assert_eq!(request.public_key, identity.public_key_base64());
        assert_eq!(request.protocol_version, protocol::PROTOCOL_VERSION);
        fs::write(dir.join(PAIRING_FILE), b"{").unwrap();
        assert!(matches!(
            identity.load_pairing(),
            Err(IdentityError::BadPairing { .. })
        ));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn validates_pairing_input() {
        assert!(validate_pairing_input("123-456", "Bàn 1").is_ok());
        assert_eq!(validate_pairing_input("", "x"), Err("pairing_code"));
        assert_eq!(validate_pairing_input("a b", "x"), Err("pairing_code"));
        assert_eq!(validate_pairing_input("abc", " "), Err("bridge_name"));
        assert_eq!(validate_pairing_input("abc", "a\nb"), Err("bridge_name"));
    }
}
