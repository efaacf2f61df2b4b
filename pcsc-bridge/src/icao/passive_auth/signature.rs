//! Signature verification for the SOD and certificates: RSA (PKCS#1 v1.5 and PSS) and ECDSA
//! on P-256 and P-384, with the hash the algorithm identifier names.

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey, pss::Pss};
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};
use thiserror::Error;

use super::hash::HashAlgorithm;
use super::oids;
use super::x509::{AlgorithmIdentifier, bit_string_bytes};
use crate::icao::ber::{self, BerError, Tag};

/// Largest RSA modulus accepted; CSCA keys reach 4096 bits, some issuers more.
const MAX_RSA_BITS: usize = 8192;
/// RFC 4055 default salt length for RSASSA-PSS.
const DEFAULT_PSS_SALT_LEN: u64 = 20;
/// No salt can be longer than the largest accepted modulus; a larger value is malformed (and
/// would overflow the length arithmetic of the padding check).
const MAX_PSS_SALT_LEN: u64 = (MAX_RSA_BITS / 8) as u64;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    #[error("unsupported signature algorithm {0}")]
    UnsupportedAlgorithm(String),
    #[error("unsupported public key: {0}")]
    UnsupportedKey(String),
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
    #[error("the signature does not verify")]
    Invalid,
}

fn malformed(what: &'static str, error: impl std::fmt::Display) -> SignatureError {
    SignatureError::Malformed {
        what,
        detail: error.to_string(),
    }
}

/// How a signature is computed, from its algorithm identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    RsaPkcs1v15(HashAlgorithm),
    RsaPss {
        hash: HashAlgorithm,
        salt_len: usize,
    },
    /// ECDSA with a DER `ECDSA-Sig-Value`.
    EcdsaDer(HashAlgorithm),
    /// ECDSA with r ‖ s (BSI TR-03111 plain format).
    EcdsaPlain(HashAlgorithm),
}

/// `digest_hint` is the CMS digestAlgorithm, needed when the signature algorithm names only the
/// key type (rsaEncryption, id-ecPublicKey), as SignerInfos often do.
fn scheme(
    algorithm: &AlgorithmIdentifier,
    digest_hint: Option<HashAlgorithm>,
) -> Result<Scheme, SignatureError> {
    let unsupported = || SignatureError::UnsupportedAlgorithm(algorithm.oid.clone());
    let hinted = || digest_hint.ok_or_else(unsupported);
    Ok(match algorithm.oid.as_str() {
        oids::RSA_ENCRYPTION => Scheme::RsaPkcs1v15(hinted()?),
        oids::SHA1_WITH_RSA => Scheme::RsaPkcs1v15(HashAlgorithm::Sha1),
        oids::SHA224_WITH_RSA => Scheme::RsaPkcs1v15(HashAlgorithm::Sha224),
        oids::SHA256_WITH_RSA => Scheme::RsaPkcs1v15(HashAlgorithm::Sha256),
        oids::SHA384_WITH_RSA => Scheme::RsaPkcs1v15(HashAlgorithm::Sha384),
        oids::SHA512_WITH_RSA => Scheme::RsaPkcs1v15(HashAlgorithm::Sha512),
        oids::RSASSA_PSS => pss_scheme(algorithm.parameters.as_deref())?,
        oids::EC_PUBLIC_KEY => Scheme::EcdsaDer(hinted()?),
        oids::ECDSA_WITH_SHA1 => Scheme::EcdsaDer(HashAlgorithm::Sha1),
        oids::ECDSA_WITH_SHA224 => Scheme::EcdsaDer(HashAlgorithm::Sha224),
        oids::ECDSA_WITH_SHA256 => Scheme::EcdsaDer(HashAlgorithm::Sha256),
        oids::ECDSA_WITH_SHA384 => Scheme::EcdsaDer(HashAlgorithm::Sha384),
        oids::ECDSA_WITH_SHA512 => Scheme::EcdsaDer(HashAlgorithm::Sha512),
        other => {
            let hash = match other.strip_prefix(oids::ECDSA_PLAIN_PREFIX) {
                Some("1") => HashAlgorithm::Sha1,
                Some("2") => HashAlgorithm::Sha224,
                Some("3") => HashAlgorithm::Sha256,
                Some("4") => HashAlgorithm::Sha384,
                Some("5") => HashAlgorithm::Sha512,
                _ => return Err(unsupported()),
            };
            Scheme::EcdsaPlain(hash)
        }
    })
}

/// RSASSA-PSS-params: [0] hash (SHA-1), [1] MGF1 with its hash (SHA-1), [2] salt length (20).
fn pss_scheme(parameters: Option<&[u8]>) -> Result<Scheme, SignatureError> {
    let mut hash = HashAlgorithm::Sha1;
    let mut mgf_hash = HashAlgorithm::Sha1;
    let mut salt_len = DEFAULT_PSS_SALT_LEN;
    let bad = |error: BerError| malformed("RSASSA-PSS parameters", error);
    if let Some(encoded) = parameters {
        let params = ber::parse_exact(encoded).map_err(bad)?;
        for field in params.children().map_err(bad)? {
            let field = field.map_err(bad)?;
            let inner = || ber::parse_exact(field.value());
            match field.tag() {
                tag if tag == Tag::context_constructed(0) => {
                    hash =
                        hash_of(&AlgorithmIdentifier::parse(&inner().map_err(bad)?).map_err(bad)?)?;
                }
                tag if tag == Tag::context_constructed(1) => {
                    let mgf = AlgorithmIdentifier::parse(&inner().map_err(bad)?).map_err(bad)?;
                    if mgf.oid != oids::MGF1 {
                        return Err(SignatureError::UnsupportedAlgorithm(mgf.oid));
                    }
                    let mgf_params = mgf.parameters.unwrap_or_default();
                    let mgf_digest = ber::parse_exact(&mgf_params).map_err(bad)?;
                    mgf_hash = hash_of(&AlgorithmIdentifier::parse(&mgf_digest).map_err(bad)?)?;
                }
                tag if tag == Tag::context_constructed(2) => {
                    let value = inner().and_then(|t| t.expect(Tag::INTEGER)).map_err(bad)?;
                    salt_len = ber::decode_unsigned(value.value()).map_err(bad)?;
                }
                _ => {}
            }
        }
    }
    // The rsa crate uses one hash for both the message and MGF1.
    if mgf_hash != hash {
        return Err(SignatureError::UnsupportedAlgorithm(format!(
            "RSASSA-PSS with {hash} and MGF1-{mgf_hash}"
        )));
    }
    let salt_len = usize::try_from(salt_len)
        .ok()
        .filter(|_| salt_len <= MAX_PSS_SALT_LEN)
        .ok_or_else(|| malformed("RSASSA-PSS parameters", "salt length"))?;
    Ok(Scheme::RsaPss { hash, salt_len })
}

fn hash_of(algorithm: &AlgorithmIdentifier) -> Result<HashAlgorithm, SignatureError> {
    HashAlgorithm::from_oid(&algorithm.oid)
        .ok_or_else(|| SignatureError::UnsupportedAlgorithm(algorithm.oid.clone()))
}

enum PublicKey {
    Rsa(RsaPublicKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
}

#[derive(Clone, Copy)]
enum Curve {
    P256,
    P384,
}

/// (p, a, b, n) of the supported curves, big-endian, for certificates that spell the domain
/// parameters out (ICAO 9303-12 recommends explicit parameters).
const P256_PARAMETERS: [&str; 4] = [
    "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
    "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC",
    "5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B",
    "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",
];
const P384_PARAMETERS: [&str; 4] = [
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF",
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFC",
    "B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF",
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
];

fn hex_equals(bytes: &[u8], hex_text: &str) -> bool {
    let bytes = ber::integer_magnitude(bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    hex == hex_text
}

fn parse_public_key(spki: &[u8]) -> Result<PublicKey, SignatureError> {
    let bad = |error: BerError| malformed("public key", error);
    let info = ber::parse_first(spki)
        .and_then(|t| t.expect(Tag::SEQUENCE))
        .map_err(bad)?;
    let children = info.child_list().map_err(bad)?;
    let [algorithm, key, ..] = children.as_slice() else {
        return Err(malformed("public key", "missing fields"));
    };
    let algorithm = AlgorithmIdentifier::parse(algorithm).map_err(bad)?;
    let key_bytes = key
        .expect(Tag::BIT_STRING)
        .and_then(|k| bit_string_bytes(&k))
        .map_err(bad)?;
    match algorithm.oid.as_str() {
        oids::RSA_ENCRYPTION | oids::RSASSA_PSS => {
            let rsa_key = ber::parse_exact(key_bytes).map_err(bad)?;
            let numbers = rsa_key.child_list().map_err(bad)?;
            let [modulus, exponent] = numbers.as_slice() else {
                return Err(malformed("RSA public key", "expected modulus and exponent"));
            };
            let key = RsaPublicKey::new_with_max_size(
                BigUint::from_bytes_be(ber::integer_magnitude(modulus.value())),
                BigUint::from_bytes_be(ber::integer_magnitude(exponent.value())),
                MAX_RSA_BITS,
            )
            .map_err(|error| SignatureError::UnsupportedKey(error.to_string()))?;
            Ok(PublicKey::Rsa(key))
        }
        oids::EC_PUBLIC_KEY => {
            let curve = ec_curve(algorithm.parameters.as_deref())?;
            Ok(match curve {
                Curve::P256 => PublicKey::P256(
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes)
                        .map_err(|error| malformed("EC point", error))?,
                ),
                Curve::P384 => PublicKey::P384(
                    p384::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes)
                        .map_err(|error| malformed("EC point", error))?,
                ),
            })
        }
        other => Err(SignatureError::UnsupportedKey(other.to_owned())),
    }
}

/// Named curve OID, or explicit ECParameters matched against the known curves.
fn ec_curve(parameters: Option<&[u8]>) -> Result<Curve, SignatureError> {
    let bad = |error: BerError| malformed("EC parameters", error);
    let encoded = parameters.ok_or_else(|| malformed("EC parameters", "absent"))?;
    let params = ber::parse_exact(encoded).map_err(bad)?;
    if params.tag() == Tag::OID {
        return match ber::decode_oid(params.value()).map_err(bad)?.as_str() {
            oids::CURVE_P256 => Ok(Curve::P256),
            oids::CURVE_P384 => Ok(Curve::P384),
            other => Err(SignatureError::UnsupportedKey(format!("curve {other}"))),
        };
    }
    // ECParameters ::= SEQUENCE { version, fieldID { prime-field, p }, curve { a, b, seed? },
    //                             base, order, cofactor? }
    let fields = params.child_list().map_err(bad)?;
    let [_version, field_id, curve, _base, order, ..] = fields.as_slice() else {
        return Err(malformed("EC parameters", "missing fields"));
    };
    let field_parts = field_id.child_list().map_err(bad)?;
    let [field_type, prime] = field_parts.as_slice() else {
        return Err(malformed("EC parameters", "field"));
    };
    if ber::decode_oid(field_type.value()).map_err(bad)? != oids::PRIME_FIELD {
        return Err(SignatureError::UnsupportedKey(
            "binary-field curve".to_owned(),
        ));
    }
    let curve_parts = curve.child_list().map_err(bad)?;
    let [a, b, ..] = curve_parts.as_slice() else {
        return Err(malformed("EC parameters", "curve"));
    };
    let matches = |known: &[&str; 4]| {
        hex_equals(prime.value(), known[0])
            && hex_equals(a.value(), known[1])
            && hex_equals(b.value(), known[2])
            && hex_equals(order.value(), known[3])
    };
    if matches(&P256_PARAMETERS) {
        Ok(Curve::P256)
    } else if matches(&P384_PARAMETERS) {
        Ok(Curve::P384)
    } else {
        Err(SignatureError::UnsupportedKey(
            "explicit curve parameters of an unsupported curve (e.g. brainpool)".to_owned(),
        ))
    }
}

fn verify_rsa_pkcs1(
    key: &RsaPublicKey,
    hash: HashAlgorithm,
    hashed: &[u8],
    signature: &[u8],
) -> Result<(), rsa::Error> {
    let padding = match hash {
        HashAlgorithm::Sha1 => Pkcs1v15Sign::new::<Sha1>(),
        HashAlgorithm::Sha224 => Pkcs1v15Sign::new::<Sha224>(),
        HashAlgorithm::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
        HashAlgorithm::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
        HashAlgorithm::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
    };
    key.verify(padding, hashed, signature)
}

fn verify_rsa_pss(
    key: &RsaPublicKey,
    hash: HashAlgorithm,
    salt_len: usize,
    hashed: &[u8],
    signature: &[u8],
) -> Result<(), rsa::Error> {
    let padding = match hash {
        HashAlgorithm::Sha1 => Pss::new_with_salt::<Sha1>(salt_len),
        HashAlgorithm::Sha224 => Pss::new_with_salt::<Sha224>(salt_len),
        HashAlgorithm::Sha256 => Pss::new_with_salt::<Sha256>(salt_len),
        HashAlgorithm::Sha384 => Pss::new_with_salt::<Sha384>(salt_len),
        HashAlgorithm::Sha512 => Pss::new_with_salt::<Sha512>(salt_len),
    };
    key.verify(padding, hashed, signature)
}

/// Verifies `signature` over `message` with the key in `subject_public_key_info`.
pub fn verify(
    algorithm: &AlgorithmIdentifier,
    digest_hint: Option<HashAlgorithm>,
    subject_public_key_info: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    let scheme = scheme(algorithm, digest_hint)?;
    let key = parse_public_key(subject_public_key_info)?;
    let outcome = match (scheme, &key) {
        (Scheme::RsaPkcs1v15(hash), PublicKey::Rsa(rsa_key)) => {
            verify_rsa_pkcs1(rsa_key, hash, &hash.digest(message), signature).is_ok()
        }
        (Scheme::RsaPss { hash, salt_len }, PublicKey::Rsa(rsa_key)) => {
            verify_rsa_pss(rsa_key, hash, salt_len, &hash.digest(message), signature).is_ok()
        }
        (Scheme::EcdsaDer(hash) | Scheme::EcdsaPlain(hash), PublicKey::P256(ec_key)) => {
            let plain = matches!(scheme, Scheme::EcdsaPlain(_));
            let parsed = if plain {
                p256::ecdsa::Signature::from_slice(signature)
            } else {
                p256::ecdsa::Signature::from_der(signature)
            };
            parsed.is_ok_and(|sig| ec_key.verify_prehash(&hash.digest(message), &sig).is_ok())
        }
        (Scheme::EcdsaDer(hash) | Scheme::EcdsaPlain(hash), PublicKey::P384(ec_key)) => {
            let plain = matches!(scheme, Scheme::EcdsaPlain(_));
            let parsed = if plain {
                p384::ecdsa::Signature::from_slice(signature)
            } else {
                p384::ecdsa::Signature::from_der(signature)
            };
            parsed.is_ok_and(|sig| ec_key.verify_prehash(&hash.digest(message), &sig).is_ok())
        }
        _ => {
            return Err(SignatureError::UnsupportedAlgorithm(format!(
                "{} with this key type",
                algorithm.oid
            )));
        }
    };
    if outcome {
        Ok(())
    } else {
        Err(SignatureError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        std::fs::read(path).unwrap()
    }

    /// OpenSSL's explicit secp384r1 parameters are recognised as P-384 (P-256 is covered by the
    /// ECDSA Document Signer fixture).
    #[test]
    fn recognises_explicit_p384_parameters() {
        let parameters = fixture("p384-explicit-params.der");
        assert!(matches!(ec_curve(Some(&parameters)), Ok(Curve::P384)));
        let mut other_curve = parameters.clone();
        let last = other_curve.len() - 4;
        other_curve[last] ^= 1;
        assert!(ec_curve(Some(&other_curve)).is_err());
    }

    #[test]
    fn reads_pss_parameters_and_rejects_absurd_salts() {
        // RSASSA-PSS-params with SHA-256, MGF1-SHA-256 and salt 32, as OpenSSL writes them.
        let parameters = hex::decode(
            "3034A00F300D06096086480165030402010500A11C301A06092A864886F70D010108300D060960864801650304020105\
             00A203020120",
        )
        .unwrap();
        assert_eq!(
            pss_scheme(Some(&parameters)),
            Ok(Scheme::RsaPss {
                hash: HashAlgorithm::Sha256,
                salt_len: 32
            })
        );
        assert_eq!(
            pss_scheme(None),
            Ok(Scheme::RsaPss {
                hash: HashAlgorithm::Sha1,
                salt_len: 20
            })
        );
        // Same hash and MGF, salt length 0x7FFFFFFF.
        let mut fields = parameters[2..parameters.len() - 5].to_vec();
        fields.extend_from_slice(&[0xA2, 0x06, 0x02, 0x04, 0x7F, 0xFF, 0xFF, 0xFF]);
        let huge_salt = ber::encode_tlv(Tag::SEQUENCE, &fields);
        assert!(matches!(
            pss_scheme(Some(&huge_salt)),
            Err(SignatureError::Malformed { .. })
        ));
    }

    #[test]
    fn names_unsupported_algorithms() {
        let md5_rsa = AlgorithmIdentifier {
            oid: "1.2.840.113549.1.1.4".to_owned(),
            parameters: None,
        };
        assert_eq!(
            verify(&md5_rsa, None, &[], b"", b""),
            Err(SignatureError::UnsupportedAlgorithm(
                "1.2.840.113549.1.1.4".to_owned()
            ))
        );
        let bare_rsa = AlgorithmIdentifier {
            oid: oids::RSA_ENCRYPTION.to_owned(),
            parameters: None,
        };
        assert!(matches!(
            scheme(&bare_rsa, None),
            Err(SignatureError::UnsupportedAlgorithm(_))
        ));
        assert_eq!(
            scheme(&bare_rsa, Some(HashAlgorithm::Sha512)),
            Ok(Scheme::RsaPkcs1v15(HashAlgorithm::Sha512))
        );
    }
}
