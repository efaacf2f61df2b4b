//! Personal ID numbers at rest: AES-256-GCM for the value, HMAC-SHA256 for look-up.
//!
//! Both keys are derived from one 32-byte master key from configuration, so the operator keeps
//! one secret. A stored value is `version (1) || nonce (12) || ciphertext+tag`; the version byte
//! leaves room for key rotation.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::personal_id::PersonalId;

const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 12;
/// Binds ciphertexts to their purpose, so a value cannot be replayed into another field.
const AAD: &[u8] = b"truongso/personal-id/v1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the personal-ID key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error("a stored personal ID could not be decrypted (wrong key or damaged data)")]
    Undecryptable,
}

/// The master key, base64 of 32 random bytes.
pub fn generate_master_key() -> String {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    base64::engine::general_purpose::STANDARD.encode(key)
}

pub struct PidCrypto {
    cipher: Aes256Gcm,
    hash_key: [u8; 32],
}

impl std::fmt::Debug for PidCrypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PidCrypto(…)")
    }
}

fn derive(master: &[u8], label: &[u8]) -> [u8; 32] {
    // HMAC-SHA256 as a one-block HKDF-Expand: independent keys for independent uses.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(master) else {
        return [0; 32]; // HMAC accepts any key length; not reachable.
    };
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl PidCrypto {
    pub fn from_base64_key(key: &str) -> Result<PidCrypto, CryptoError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key.trim())
            .map_err(|_| CryptoError::BadKey)?;
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        let enc_key = derive(&bytes, b"truongso personal-id encryption v1");
        let cipher = Aes256Gcm::new_from_slice(&enc_key).map_err(|_| CryptoError::BadKey)?;
        Ok(PidCrypto {
            cipher,
            hash_key: derive(&bytes, b"truongso personal-id lookup v1"),
        })
    }

    pub fn encrypt(&self, id: &PersonalId) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: id.expose().as_bytes(),
            aad: AAD,
        };
        // Encryption with a valid key and a 12-byte nonce cannot fail for a 12-byte message.
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn decrypt(&self, stored: &[u8]) -> Result<PersonalId, CryptoError> {
        if stored.len() < 1 + NONCE_LEN + 16 || stored[0] != FORMAT_V1 {
            return Err(CryptoError::Undecryptable);
        }
        let (nonce, sealed) = stored[1..].split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: AAD,
                },
            )
            .map_err(|_| CryptoError::Undecryptable)?;
        let text = String::from_utf8(plain).map_err(|_| CryptoError::Undecryptable)?;
        PersonalId::parse(&text).map_err(|_| CryptoError::Undecryptable)
    }

    /// Seals another secret kept in the database (e.g. a bank notifier's webhook key) with the
    /// same key; `purpose` binds it to its column, so it cannot be replayed elsewhere.
    pub fn seal(&self, plain: &[u8], purpose: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: purpose,
                },
            )
            .unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, stored: &[u8], purpose: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if stored.len() < 1 + NONCE_LEN + 16 || stored[0] != FORMAT_V1 {
            return Err(CryptoError::Undecryptable);
        }
        let (nonce, sealed) = stored[1..].split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: purpose,
                },
            )
            .map_err(|_| CryptoError::Undecryptable)
    }

    /// Other personal data kept at rest (e.g. a face image a school chose to keep): the same key,
    /// bound by the additional data to its `purpose`, so it can never pass for an ID number.
    pub fn seal_bytes(&self, purpose: &str, plain: &[u8]) -> Vec<u8> {
        self.seal(plain, format!("truongso/{purpose}/v1").as_bytes())
    }

    pub fn open_bytes(&self, purpose: &str, stored: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.open(stored, format!("truongso/{purpose}/v1").as_bytes())
    }

    /// The keyed hash used to find a record by its number without decrypting every row.
    pub fn lookup_hash(&self, id: &PersonalId) -> Vec<u8> {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.hash_key) else {
            return Vec::new();
        };
        mac.update(id.expose().as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crypto() -> PidCrypto {
        PidCrypto::from_base64_key(&generate_master_key()).unwrap()
    }

    #[test]
    fn encrypt_then_decrypt_gives_the_number_back() {
        let c = crypto();
        let id = PersonalId::parse("079313000123").unwrap();
        let stored = c.encrypt(&id);
        assert_eq!(c.decrypt(&stored).unwrap(), id);
        assert!(!String::from_utf8_lossy(&stored).contains("079313000123"));
    }

    #[test]
    fn the_same_number_encrypts_differently_but_hashes_the_same() {
        let c = crypto();
        let id = PersonalId::parse("079313000123").unwrap();
        assert_ne!(c.encrypt(&id), c.encrypt(&id));
        assert_eq!(c.lookup_hash(&id), c.lookup_hash(&id));
        assert_ne!(
            c.lookup_hash(&id),
            c.lookup_hash(&PersonalId::parse("079313000124").unwrap())
        );
    }

    #[test]
    fn another_key_or_a_flipped_bit_cannot_decrypt() {
        let (a, b) = (crypto(), crypto());
        let id = PersonalId::parse("079313000123").unwrap();
        let mut stored = a.encrypt(&id);
        assert_eq!(b.decrypt(&stored), Err(CryptoError::Undecryptable));
        assert_ne!(a.lookup_hash(&id), b.lookup_hash(&id));
        let last = stored.len() - 1;
        stored[last] ^= 1;
        assert_eq!(a.decrypt(&stored), Err(CryptoError::Undecryptable));
    }

    #[test]
    fn sealed_bytes_open_only_for_their_purpose() {
        let c = crypto();
        let stored = c.seal_bytes("face-image", b"\xff\xd8 jpeg");
        assert_eq!(
            c.open_bytes("face-image", &stored).unwrap(),
            b"\xff\xd8 jpeg"
        );
        assert!(c.open_bytes("personal-id", &stored).is_err());
        assert!(c.decrypt(&stored).is_err());
    }

    #[test]
    fn keys_of_the_wrong_size_are_refused() {
        assert_eq!(
            PidCrypto::from_base64_key("c2hvcnQ=").err(),
            Some(CryptoError::BadKey)
        );
        assert_eq!(
            PidCrypto::from_base64_key("not base64!").err(),
            Some(CryptoError::BadKey)
        );
    }
}
