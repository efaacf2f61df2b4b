//! Object identifiers used by EF.SOD, CMS and X.509, in dotted form.

pub const LDS_SECURITY_OBJECT: &str = "2.23.136.1.1.1";
pub const CMS_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub const ATTRIBUTE_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
pub const ATTRIBUTE_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";

pub const SHA1: &str = "1.3.14.3.2.26";
pub const SHA224: &str = "2.16.840.1.101.3.4.2.4";
pub const SHA256: &str = "2.16.840.1.101.3.4.2.1";
pub const SHA384: &str = "2.16.840.1.101.3.4.2.2";
pub const SHA512: &str = "2.16.840.1.101.3.4.2.3";

pub const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
pub const SHA1_WITH_RSA: &str = "1.2.840.113549.1.1.5";
pub const SHA224_WITH_RSA: &str = "1.2.840.113549.1.1.14";
pub const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
pub const SHA384_WITH_RSA: &str = "1.2.840.113549.1.1.12";
pub const SHA512_WITH_RSA: &str = "1.2.840.113549.1.1.13";
pub const RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
pub const MGF1: &str = "1.2.840.113549.1.1.8";

pub const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
pub const PRIME_FIELD: &str = "1.2.840.10045.1.1";
pub const ECDSA_WITH_SHA1: &str = "1.2.840.10045.4.1";
pub const ECDSA_WITH_SHA224: &str = "1.2.840.10045.4.3.1";
pub const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
pub const ECDSA_WITH_SHA384: &str = "1.2.840.10045.4.3.3";
pub const ECDSA_WITH_SHA512: &str = "1.2.840.10045.4.3.4";
/// BSI TR-03111 "plain" ECDSA signatures (r ‖ s), used by some eMRTD issuers; the last arc
/// selects SHA-1, -224, -256, -384, -512.
pub const ECDSA_PLAIN_PREFIX: &str = "0.4.0.127.0.7.1.1.4.1.";
pub const CURVE_P256: &str = "1.2.840.10045.3.1.7";
pub const CURVE_P384: &str = "1.3.132.0.34";

pub const EXTENSION_SUBJECT_KEY_ID: &str = "2.5.29.14";
pub const EXTENSION_BASIC_CONSTRAINTS: &str = "2.5.29.19";
pub const EXTENSION_AUTHORITY_KEY_ID: &str = "2.5.29.35";

pub const NAME_COMMON_NAME: &str = "2.5.4.3";
pub const NAME_SERIAL_NUMBER: &str = "2.5.4.5";
pub const NAME_COUNTRY: &str = "2.5.4.6";
pub const NAME_LOCALITY: &str = "2.5.4.7";
pub const NAME_ORGANIZATION: &str = "2.5.4.10";
pub const NAME_ORGANIZATIONAL_UNIT: &str = "2.5.4.11";
