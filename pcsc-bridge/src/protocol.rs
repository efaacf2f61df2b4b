//! The wire format shared by the desk daemon, the desk page and the school server.
//!
//! This module is pure (no PC/SC, no HTTP): the school server depends on this crate with
//! `default-features = false` and uses these types and [`verify_result`].
//!
//! # Flows
//! * Pairing: the desk page posts [`PairCommand`] to the daemon's `POST /pair`; the daemon posts
//!   [`PairingRequest`] to `{server_url}`[`PAIRING_PATH`]; the server answers
//!   [`PairingResponse`] (or an [`ErrorBody`] with a 4xx status).
//! * Verification: the desk page gets a single-use challenge from the server, posts
//!   [`VerifyRequest`] to the daemon's `POST /verify`, receives a [`SignedResult`] and forwards
//!   it to the server, which checks it with [`verify_signed_result`].
//!
//! # The signed bytes
//! The signature covers the canonical JSON serialisation of [`VerificationResult`]
//! ([`canonical_json`]): UTF-8, no whitespace, object members sorted by key (byte order; every
//! key is ASCII), every member present (`null` for an absent value), integers only (no
//! floats), strings escaped minimally (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other control
//! characters as `\u00XX` with lowercase hex, everything else literal UTF-8). For this value
//! set it coincides with RFC 8785 (JSON Canonicalization Scheme). The bytes travel base64
//! encoded in [`SignedResult::payload`], so the server verifies exactly what was signed and
//! never re-serialises before checking. [`verify_result`] also rejects bytes that are not in
//! canonical form, so one result has exactly one signed representation.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::icao::dg13::{CardDate, CardExpiry, PersonalData};
use crate::icao::mrz::{DocumentNumberForm, Td1Mrz};
use crate::icao::passive_auth::{
    CertificateSummary, Check, DataGroupHash, PassiveAuthReport, SodError,
};

/// Version of this wire format; sent at pairing, and implied by [`RESULT_FORMAT`].
pub const PROTOCOL_VERSION: u32 = 1;
/// The `format` member of every signed result: it names the format and separates these
/// signatures from anything else the bridge key might ever sign.
pub const RESULT_FORMAT: &str = "truongso.cccd-verification.v1";
/// The school server's pairing endpoint, relative to the configured server URL.
pub const PAIRING_PATH: &str = "/api/pcsc-bridge/pair";
/// The daemon's default local port (it listens on 127.0.0.1 only).
pub const DEFAULT_PORT: u16 = 47800;
/// Longest challenge accepted; the server issues shorter ones.
pub const MAX_CHALLENGE_LEN: usize = 256;
/// Longest pairing code and bridge name accepted.
pub const MAX_PAIRING_CODE_LEN: usize = 64;
pub const MAX_BRIDGE_NAME_LEN: usize = 100;

// ---------------------------------------------------------------------------------------------
// Errors shared by every endpoint

/// The body of every error answer, from the daemon and from the school server's pairing
/// endpoint: a stable code and a message in Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message_vi: String,
    pub message_en: String,
}

// ---------------------------------------------------------------------------------------------
// Pairing

/// Desk page → daemon, `POST /pair`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairCommand {
    /// The one-time code the school admin showed.
    pub pairing_code: String,
    /// A name for this desk ("Bàn 1 – Văn phòng"); the configured name when absent.
    #[serde(default)]
    pub bridge_name: Option<String>,
}

/// Daemon → desk page, answer to `POST /pair`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairOutcome {
    pub bridge_id: String,
    /// The bridge's Ed25519 public key, standard base64 of the 32 raw bytes.
    pub public_key: String,
}

/// Daemon → school server, `POST {server_url}/api/pcsc-bridge/pair`, JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    pub pairing_code: String,
    /// Standard base64 of the 32-byte Ed25519 public key.
    pub public_key: String,
    pub bridge_name: String,
    /// The daemon's crate version, for the admin's list of desks.
    pub bridge_version: String,
    /// [`PROTOCOL_VERSION`].
    pub protocol_version: u32,
}

/// School server → daemon, 200 answer to the pairing request. Errors are 4xx with
/// [`ErrorBody`] (e.g. code `pairing_code_invalid` for an unknown, used or expired code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingResponse {
    /// The server's identifier for this bridge; it appears in every signed result.
    pub bridge_id: String,
}

// ---------------------------------------------------------------------------------------------
// Status

/// Daemon → desk page, `GET /status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusResponse {
    pub version: String,
    pub protocol_version: u32,
    pub paired: bool,
    pub bridge_id: Option<String>,
    /// Standard base64 of the bridge's Ed25519 public key.
    pub public_key: String,
    /// The readers PC/SC reports, by name.
    pub readers: Vec<String>,
    /// The reader the daemon uses (the configured one, or the only one), when present.
    pub reader: Option<String>,
    pub card_present: bool,
    /// Why no reader or card could be seen, when so (`reader_not_found`, `pcsc_unavailable`…).
    pub reader_error: Option<ErrorBody>,
    /// Number of trusted CSCA certificates loaded.
    pub trusted_csca_count: usize,
}

// ---------------------------------------------------------------------------------------------
// Verification request

/// How the chip is opened: what the clerk typed or scanned. Never logged, never signed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CardAccess {
    /// The 3-line TD1 MRZ from the back of the card (90 characters; line breaks optional).
    Mrz { text: String },
    /// The three BAC fields. A 12-digit document number is tried as its last 9 digits first,
    /// then whole.
    MrzFields {
        document_number: String,
        /// YYMMDD
        date_of_birth: String,
        /// YYMMDD
        date_of_expiry: String,
    },
    /// The QR text from the front of the card. `date_of_expiry` (YYMMDD) as the clerk confirmed
    /// it; when absent it is proposed from the date of birth and the issue date.
    Qr {
        text: String,
        #[serde(default)]
        date_of_expiry: Option<String>,
    },
}

impl fmt::Debug for CardAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            CardAccess::Mrz { .. } => "Mrz",
            CardAccess::MrzFields { .. } => "MrzFields",
            CardAccess::Qr { .. } => "Qr",
        };
        write!(f, "CardAccess::{kind}(<redacted>)")
    }
}

/// Desk page → daemon, `POST /verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The single-use challenge the school server issued for this verification.
    pub challenge: String,
    pub access: CardAccess,
    /// Read the face image (DG2) and include it in the signed result.
    #[serde(default)]
    pub include_face_image: bool,
    /// Seconds to wait for a card to be placed; the daemon's configured default when absent
    /// (at most 60).
    #[serde(default)]
    pub wait_seconds: Option<u32>,
}

/// A challenge is 1 to 256 printable ASCII characters without spaces (base64, base64url, hex,
/// UUIDs all fit).
pub fn challenge_is_valid(challenge: &str) -> bool {
    (1..=MAX_CHALLENGE_LEN).contains(&challenge.len())
        && challenge.bytes().all(|b| b.is_ascii_graphic())
}

// ---------------------------------------------------------------------------------------------
// Verification result (the signed payload)

/// Which document-number form opened the chip (BAC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentNumberFormWire {
    /// The number exactly as read from the MRZ or typed.
    AsGiven,
    /// The last 9 digits of the 12-digit personal ID.
    LastNineDigits,
    /// All 12 digits of the personal ID.
    AllTwelveDigits,
}

impl From<DocumentNumberForm> for DocumentNumberFormWire {
    fn from(form: DocumentNumberForm) -> Self {
        match form {
            DocumentNumberForm::AsGiven => DocumentNumberFormWire::AsGiven,
            DocumentNumberForm::LastNineDigits => DocumentNumberFormWire::LastNineDigits,
            DocumentNumberForm::AllTwelveDigits => DocumentNumberFormWire::AllTwelveDigits,
        }
    }
}

/// DG1: the MRZ as the chip stores it (check digits verified by the daemon).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dg1Fields {
    pub document_code: String,
    pub issuing_state: String,
    pub document_number: String,
    pub optional_data_1: String,
    /// YYMMDD
    pub date_of_birth: String,
    /// "M", "F" or "<"
    pub sex: String,
    /// YYMMDD
    pub date_of_expiry: String,
    pub nationality: String,
    pub optional_data_2: String,
    pub primary_identifier: String,
    pub secondary_identifier: String,
}

impl From<&Td1Mrz> for Dg1Fields {
    fn from(mrz: &Td1Mrz) -> Self {
        Dg1Fields {
            document_code: mrz.document_code.clone(),
            issuing_state: mrz.issuing_state.clone(),
            document_number: mrz.document_number.clone(),
            optional_data_1: mrz.optional_data_1.clone(),
            date_of_birth: mrz.date_of_birth.clone(),
            sex: mrz.sex.to_string(),
            date_of_expiry: mrz.date_of_expiry.clone(),
            nationality: mrz.nationality.clone(),
            optional_data_2: mrz.optional_data_2.clone(),
            primary_identifier: mrz.primary_identifier.clone(),
            secondary_identifier: mrz.secondary_identifier.clone(),
        }
    }
}

/// DG13: the holder's personal data. Dates are "dd/mm/yyyy" when the card wrote a date,
/// otherwise the card's text; `expiry` is "Không thời hạn" for a card without expiry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dg13Fields {
    pub personal_id: Option<String>,
    pub full_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub sex: Option<String>,
    pub nationality: Option<String>,
    pub ethnicity: Option<String>,
    pub religion: Option<String>,
    pub place_of_origin: Option<String>,
    pub place_of_residence: Option<String>,
    pub identifying_marks: Option<String>,
    pub issue_date: Option<String>,
    pub expiry: Option<String>,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    pub spouse_name: Option<String>,
    pub old_id_number: Option<String>,
    pub field_16: Option<String>,
}

/// The text a card without expiry holds in DG13 field 12.
pub const NO_EXPIRY_TEXT: &str = "Không thời hạn";

fn card_date_text(date: &CardDate) -> String {
    match date {
        CardDate::Date(date) => date.to_dd_mm_yyyy(),
        CardDate::Text(text) => text.clone(),
    }
}

impl From<&PersonalData> for Dg13Fields {
    fn from(data: &PersonalData) -> Self {
        Dg13Fields {
            personal_id: data.personal_id.clone(),
            full_name: data.full_name.clone(),
            date_of_birth: data.date_of_birth.as_ref().map(card_date_text),
            sex: data.sex.clone(),
            nationality: data.nationality.clone(),
            ethnicity: data.ethnicity.clone(),
            religion: data.religion.clone(),
            place_of_origin: data.place_of_origin.clone(),
            place_of_residence: data.place_of_residence.clone(),
            identifying_marks: data.identifying_marks.clone(),
            issue_date: data.issue_date.as_ref().map(card_date_text),
            expiry: data.expiry.as_ref().map(|expiry| match expiry {
                CardExpiry::Date(date) => date.to_dd_mm_yyyy(),
                CardExpiry::NoExpiry => NO_EXPIRY_TEXT.to_owned(),
                CardExpiry::Text(text) => text.clone(),
            }),
            father_name: data.father_name.clone(),
            mother_name: data.mother_name.clone(),
            spouse_name: data.spouse_name.clone(),
            old_id_number: data.old_id_number.clone(),
            field_16: data.field_16.clone(),
        }
    }
}

/// One passive-authentication check and, when it failed, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckWire {
    pub passed: bool,
    pub detail: Option<String>,
}

impl From<&Check> for CheckWire {
    fn from(check: &Check) -> Self {
        match check {
            Check::Passed => CheckWire {
                passed: true,
                detail: None,
            },
            Check::Failed(reason) => CheckWire {
                passed: false,
                detail: Some(reason.clone()),
            },
        }
    }
}

impl CheckWire {
    fn failed(detail: &str) -> Self {
        CheckWire {
            passed: false,
            detail: Some(detail.to_owned()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataGroupHashWire {
    Matches,
    Differs,
    NotInSod,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataGroupCheckWire {
    pub data_group: u8,
    pub hash: DataGroupHashWire,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateWire {
    pub subject: String,
    pub issuer: String,
    pub serial_hex: String,
    /// yyyy-mm-dd
    pub not_before: String,
    /// yyyy-mm-dd
    pub not_after: String,
}

impl From<&CertificateSummary> for CertificateWire {
    fn from(summary: &CertificateSummary) -> Self {
        let iso = |date: crate::icao::date::CivilDate| {
            format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
        };
        CertificateWire {
            subject: summary.subject.clone(),
            issuer: summary.issuer.clone(),
            serial_hex: summary.serial_hex.clone(),
            not_before: iso(summary.not_before),
            not_after: iso(summary.not_after),
        }
    }
}

/// Which passive-authentication checks passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassiveAuthWire {
    /// Every check passed and every data group read matches its hash in EF.SOD.
    pub verified: bool,
    /// "SHA-256", … (None when EF.SOD could not be parsed).
    pub hash_algorithm: Option<String>,
    /// One entry per data group read (1, 13, and 2 when read), in number order.
    pub data_groups: Vec<DataGroupCheckWire>,
    /// The signed attributes' digest matches the LDS security object.
    pub signed_content_digest: CheckWire,
    /// The EF.SOD signature verifies with the Document Signer certificate it carries.
    pub sod_signature: CheckWire,
    /// The Document Signer certificate is signed by a CSCA of the daemon's trust store.
    pub chain_to_trusted_csca: CheckWire,
    pub document_signer_validity: CheckWire,
    pub csca_validity: CheckWire,
    pub document_signer: Option<CertificateWire>,
    pub csca: Option<CertificateWire>,
    /// Why EF.SOD could not be parsed, when it could not (every check then fails).
    pub sod_error: Option<String>,
}

impl PassiveAuthWire {
    pub fn from_report(report: &PassiveAuthReport) -> Self {
        PassiveAuthWire {
            verified: report.verified(),
            hash_algorithm: Some(report.lds_hash_algorithm.name().to_owned()),
            data_groups: report
                .data_groups
                .iter()
                .map(|check| DataGroupCheckWire {
                    data_group: check.data_group,
                    hash: match check.hash {
                        DataGroupHash::Matches => DataGroupHashWire::Matches,
                        DataGroupHash::Differs => DataGroupHashWire::Differs,
                        DataGroupHash::NotInSod => DataGroupHashWire::NotInSod,
                    },
                })
                .collect(),
            signed_content_digest: (&report.signed_content_digest).into(),
            sod_signature: (&report.sod_signature).into(),
            chain_to_trusted_csca: (&report.chain_to_trusted_csca).into(),
            document_signer_validity: (&report.document_signer_validity).into(),
            csca_validity: (&report.csca_validity).into(),
            document_signer: report.document_signer.as_ref().map(CertificateWire::from),
            csca: report.csca.as_ref().map(CertificateWire::from),
            sod_error: None,
        }
    }

    /// EF.SOD could not be parsed: nothing is verified.
    pub fn from_sod_error(error: &SodError, data_groups: &[u8]) -> Self {
        let reason = "EF.SOD could not be parsed";
        PassiveAuthWire {
            verified: false,
            hash_algorithm: None,
            data_groups: data_groups
                .iter()
                .map(|number| DataGroupCheckWire {
                    data_group: *number,
                    hash: DataGroupHashWire::NotInSod,
                })
                .collect(),
            signed_content_digest: CheckWire::failed(reason),
            sod_signature: CheckWire::failed(reason),
            chain_to_trusted_csca: CheckWire::failed(reason),
            document_signer_validity: CheckWire::failed(reason),
            csca_validity: CheckWire::failed(reason),
            document_signer: None,
            csca: None,
            sod_error: Some(error.to_string()),
        }
    }

    /// Recomputes `verified` from the individual checks, for a server that prefers not to
    /// rely on the flag.
    pub fn all_checks_passed(&self) -> bool {
        self.sod_error.is_none()
            && self.signed_content_digest.passed
            && self.sod_signature.passed
            && self.chain_to_trusted_csca.passed
            && self.document_signer_validity.passed
            && self.csca_validity.passed
            && !self.data_groups.is_empty()
            && self
                .data_groups
                .iter()
                .all(|check| check.hash == DataGroupHashWire::Matches)
    }
}

/// The signed payload: what the bridge read from one card, for one challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationResult {
    /// Always [`RESULT_FORMAT`].
    pub format: String,
    pub bridge_id: String,
    pub bridge_version: String,
    /// The server's challenge, verbatim.
    pub challenge: String,
    /// Unix time (seconds, UTC) when the card was read, by the desk's clock.
    pub timestamp: u64,
    pub document_number_form: DocumentNumberFormWire,
    /// Digits of the document number that opened the chip: 9 or 12 on a CCCD.
    pub document_number_digits: u8,
    pub dg1: Dg1Fields,
    pub dg13: Dg13Fields,
    pub passive_auth: PassiveAuthWire,
    /// Standard base64 of DG2 exactly as read, only when the face image was asked for.
    pub dg2: Option<String>,
}

/// Daemon → desk page → school server: the result, its exact signed bytes and the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedResult {
    /// Which bridge signed (the same as inside the payload): lets the server find the key.
    pub bridge_id: String,
    /// Standard base64 of the canonical JSON bytes of [`VerificationResult`]: what was signed.
    pub payload: String,
    /// Standard base64 of the 64-byte Ed25519 signature over the payload bytes.
    pub signature: String,
    /// The decoded payload, for the desk page to show. Not signed as such: the server must
    /// only trust what [`verify_signed_result`] returns.
    pub result: VerificationResult,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProtocolError {
    #[error("the payload or signature is not valid base64")]
    Base64,
    #[error("the signature is not 64 bytes")]
    SignatureLength,
    #[error("the public key is not a valid Ed25519 key")]
    PublicKey,
    #[error("the signature does not verify with the bridge's key")]
    BadSignature,
    #[error("the payload is not a verification result: {0}")]
    Payload(String),
    #[error("the payload is not in canonical form")]
    NotCanonical,
    #[error("the payload format is {0:?}, not {RESULT_FORMAT:?}")]
    Format(String),
    #[error("the result was signed by bridge {found:?}, not {expected:?}")]
    BridgeMismatch { expected: String, found: String },
    #[error("the result answers another challenge")]
    ChallengeMismatch,
    #[error("a value cannot be represented canonically: {0}")]
    Unrepresentable(String),
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON

/// Writes `value` in the canonical form described in the module documentation. Floats are
/// refused so that every number has one spelling.
pub fn canonical_json(value: &Value) -> Result<Vec<u8>, ProtocolError> {
    let mut out = Vec::new();
    write_canonical(value, &mut out)?;
    Ok(out)
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => {
            if let Some(unsigned) = number.as_u64() {
                out.extend_from_slice(unsigned.to_string().as_bytes());
            } else if let Some(signed) = number.as_i64() {
                out.extend_from_slice(signed.to_string().as_bytes());
            } else {
                return Err(ProtocolError::Unrepresentable(number.to_string()));
            }
        }
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_canonical(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(members) => {
            // Sorted here, whatever order the map keeps (serde_json's `preserve_order`).
            let sorted: BTreeMap<&str, &Value> =
                members.iter().map(|(k, v)| (k.as_str(), v)).collect();
            out.push(b'{');
            for (index, (key, member)) in sorted.into_iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write_canonical(member, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_string(text: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for character in text.chars() {
        match character {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{08}' => out.extend_from_slice(b"\\b"),
            '\u{0C}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            control if u32::from(control) < 0x20 => {
                let code = u32::from(control) as usize;
                out.extend_from_slice(b"\\u00");
                out.push(HEX[code >> 4]);
                out.push(HEX[code & 0xF]);
            }
            other => {
                let mut buffer = [0u8; 4];
                out.extend_from_slice(other.encode_utf8(&mut buffer).as_bytes());
            }
        }
    }
    out.push(b'"');
}

impl VerificationResult {
    /// The exact bytes that are signed.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, ProtocolError> {
        let value = serde_json::to_value(self)
            .map_err(|error| ProtocolError::Payload(error.to_string()))?;
        canonical_json(&value)
    }
}

// ---------------------------------------------------------------------------------------------
// Signing (daemon) and verifying (server)

/// Daemon side: serialises `result` canonically and signs exactly those bytes.
pub fn sign_result(
    result: &VerificationResult,
    signing_key: &SigningKey,
) -> Result<SignedResult, ProtocolError> {
    let bytes = result.canonical_bytes()?;
    let signature = signing_key.sign(&bytes);
    Ok(SignedResult {
        bridge_id: result.bridge_id.clone(),
        payload: BASE64.encode(&bytes),
        signature: BASE64.encode(signature.to_bytes()),
        result: result.clone(),
    })
}

/// Server side: checks the Ed25519 signature over `payload` (the exact signed bytes, already
/// base64-decoded) with the bridge's 32-byte public key, then parses the payload, which must
/// be a canonical [`VerificationResult`] of [`RESULT_FORMAT`].
pub fn verify_result(
    payload: &[u8],
    signature: &[u8],
    public_key: &[u8],
) -> Result<VerificationResult, ProtocolError> {
    let key_bytes: [u8; 32] = public_key
        .try_into()
        .map_err(|_| ProtocolError::PublicKey)?;
    let key = VerifyingKey::from_bytes(&key_bytes).map_err(|_| ProtocolError::PublicKey)?;
    let signature_bytes: [u8; 64] = signature
        .try_into()
        .map_err(|_| ProtocolError::SignatureLength)?;
    let signature = Signature::from_bytes(&signature_bytes);
    key.verify_strict(payload, &signature)
        .map_err(|_| ProtocolError::BadSignature)?;
    let result: VerificationResult = serde_json::from_slice(payload)
        .map_err(|error| ProtocolError::Payload(error.to_string()))?;
    if result.format != RESULT_FORMAT {
        return Err(ProtocolError::Format(result.format));
    }
    if result.canonical_bytes()? != payload {
        return Err(ProtocolError::NotCanonical);
    }
    Ok(result)
}

/// Server side, whole check of what the desk page forwarded: decodes the base64 fields,
/// verifies the signature with the key registered for `expected_bridge_id`, and checks that
/// the result names that bridge and answers `expected_challenge`. The server still checks
/// that the challenge is unused and recent, and that `passive_auth.verified` is true.
pub fn verify_signed_result(
    signed: &SignedResult,
    public_key: &[u8],
    expected_bridge_id: &str,
    expected_challenge: &str,
) -> Result<VerificationResult, ProtocolError> {
    let payload = BASE64
        .decode(&signed.payload)
        .map_err(|_| ProtocolError::Base64)?;
    let signature = BASE64
        .decode(&signed.signature)
        .map_err(|_| ProtocolError::Base64)?;
    let result = verify_result(&payload, &signature, public_key)?;
    if result.bridge_id != expected_bridge_id {
        return Err(ProtocolError::BridgeMismatch {
            expected: expected_bridge_id.to_owned(),
            found: result.bridge_id,
        });
    }
    if result.challenge != expected_challenge {
        return Err(ProtocolError::ChallengeMismatch);
    }
    Ok(result)
}

/// Standard base64 of a public key, as [`PairingRequest::public_key`] carries it.
pub fn encode_public_key(key: &VerifyingKey) -> String {
    BASE64.encode(key.as_bytes())
}

/// The 32 raw bytes of a base64 public key, as the server stores it.
pub fn decode_public_key(text: &str) -> Result<[u8; 32], ProtocolError> {
    let bytes = BASE64.decode(text).map_err(|_| ProtocolError::Base64)?;
    let bytes: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| ProtocolError::PublicKey)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| ProtocolError::PublicKey)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::icao::lds;
    use crate::icao::passive_auth::{self, TrustStore};
    use crate::icao::{dg13, testdata};

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn sample_result() -> VerificationResult {
        let mrz = lds::parse_dg1(testdata::DG1).unwrap();
        let personal = dg13::parse_dg13(testdata::DG13).unwrap();
        let store = TrustStore::load_dir(&testdata::trust_store_dir()).unwrap();
        let groups = BTreeMap::from([(1, testdata::DG1), (13, testdata::DG13)]);
        let report = passive_auth::verify(
            testdata::SOD_RSA_PKCS1V15,
            &groups,
            &store,
            crate::icao::date::CivilDate::new(2026, 1, 15).unwrap(),
        )
        .unwrap();
        VerificationResult {
            format: RESULT_FORMAT.to_owned(),
            bridge_id: "br_01".to_owned(),
            bridge_version: "0.1.0".to_owned(),
            challenge: "c-123".to_owned(),
            timestamp: 1_790_000_000,
            document_number_form: DocumentNumberFormWire::AsGiven,
            document_number_digits: 9,
            dg1: Dg1Fields::from(&mrz),
            dg13: Dg13Fields::from(&personal),
            passive_auth: PassiveAuthWire::from_report(&report),
            dg2: None,
        }
    }

    fn decode(signed: &SignedResult) -> (Vec<u8>, Vec<u8>) {
        (
            BASE64.decode(&signed.payload).unwrap(),
            BASE64.decode(&signed.signature).unwrap(),
        )
    }

    #[test]
    fn canonical_json_sorts_keys_and_escapes_minimally() {
        let value = serde_json::json!({
            "b": [1, -2, true, null],
            "a": {"z": "x\"y\\\n\u{01}", "ä": "Việt Nam"},
            "A": "",
        });
        let text = String::from_utf8(canonical_json(&value).unwrap()).unwrap();
        assert_eq!(
            text,
            "{\"A\":\"\",\"a\":{\"z\":\"x\\\"y\\\\\\n\\u0001\",\"ä\":\"Việt Nam\"},\"b\":[1,-2,true,null]}"
        );
        assert!(canonical_json(&serde_json::json!({"f": 1.5})).is_err());
    }

    #[test]
    fn the_payload_carries_the_read_data_and_nothing_typed() {
        let result = sample_result();
        assert!(result.passive_auth.verified);
        assert!(result.passive_auth.all_checks_passed());
        assert_eq!(result.dg13.personal_id.as_deref(), Some("001085012345"));
        assert_eq!(result.dg13.full_name.as_deref(), Some("Lê Văn Hùng"));
        let text = String::from_utf8(result.canonical_bytes().unwrap()).unwrap();
        // Keys in order, all members present.
        assert!(text.starts_with("{\"bridge_id\":\"br_01\",\"bridge_version\":"));
        assert!(text.contains("\"dg2\":null"));
        assert!(text.contains("\"spouse_name\":null"));
        assert!(text.contains("\"document_number_form\":\"as_given\""));
        assert!(text.contains("\"format\":\"truongso.cccd-verification.v1\""));
    }

    #[test]
    fn a_signed_result_verifies_with_the_bridge_key() {
        let signing_key = key(7);
        let signed = sign_result(&sample_result(), &signing_key).unwrap();
        let (payload, signature) = decode(&signed);
        let public = signing_key.verifying_key().to_bytes();
        let verified = verify_result(&payload, &signature, &public).unwrap();
        assert_eq!(verified, sample_result());
        assert_eq!(verified, signed.result);
        let checked = verify_signed_result(&signed, &public, "br_01", "c-123").unwrap();
        assert_eq!(checked, sample_result());
    }

    #[test]
    fn a_tampered_field_fails() {
        let signing_key = key(7);
        let public = signing_key.verifying_key().to_bytes();
        let signed = sign_result(&sample_result(), &signing_key).unwrap();
        let (payload, signature) = decode(&signed);

        // Change the name in the signed bytes.
        let text = String::from_utf8(payload.clone()).unwrap();
        let forged = text.replace("Lê Văn Hùng", "Lê Văn Hưng");
        assert_ne!(forged, text);
        assert_eq!(
            verify_result(forged.as_bytes(), &signature, &public),
            Err(ProtocolError::BadSignature)
        );
        // Flip the verified flag.
        let forged = text.replacen("\"verified\":true", "\"verified\":false", 1);
        assert_eq!(
            verify_result(forged.as_bytes(), &signature, &public),
            Err(ProtocolError::BadSignature)
        );
        // One bit anywhere in the payload or signature.
        for index in [0, payload.len() / 2, payload.len() - 1] {
            let mut damaged = payload.clone();
            damaged[index] ^= 0x01;
            assert!(verify_result(&damaged, &signature, &public).is_err());
        }
        let mut damaged = signature.clone();
        damaged[10] ^= 0x80;
        assert_eq!(
            verify_result(&payload, &damaged, &public),
            Err(ProtocolError::BadSignature)
        );
        // Editing the display copy changes nothing: the server reads the payload.
        let mut edited = signed.clone();
        edited.result.dg13.full_name = Some("Someone Else".to_owned());
        let checked = verify_signed_result(&edited, &public, "br_01", "c-123").unwrap();
        assert_eq!(checked.dg13.full_name.as_deref(), Some("Lê Văn Hùng"));
    }

    #[test]
    fn a_wrong_key_fails() {
        let signed = sign_result(&sample_result(), &key(7)).unwrap();
        let (payload, signature) = decode(&signed);
        let other = key(8).verifying_key().to_bytes();
        assert_eq!(
            verify_result(&payload, &signature, &other),
            Err(ProtocolError::BadSignature)
        );
        assert_eq!(
            verify_result(&payload, &signature, &[1, 2, 3]),
            Err(ProtocolError::PublicKey)
        );
        assert_eq!(
            verify_result(
                &payload,
                &signature[..63],
                &key(7).verifying_key().to_bytes()
            ),
            Err(ProtocolError::SignatureLength)
        );
    }

    #[test]
    fn the_server_checks_bridge_and_challenge() {
        let signing_key = key(7);
        let public = signing_key.verifying_key().to_bytes();
        let signed = sign_result(&sample_result(), &signing_key).unwrap();
        assert!(matches!(
            verify_signed_result(&signed, &public, "br_02", "c-123"),
            Err(ProtocolError::BridgeMismatch { .. })
        ));
        assert_eq!(
            verify_signed_result(&signed, &public, "br_01", "c-999"),
            Err(ProtocolError::ChallengeMismatch)
        );
    }

    #[test]
    fn non_canonical_or_foreign_payloads_are_refused_even_when_signed() {
        let signing_key = key(7);
        let public = signing_key.verifying_key().to_bytes();
        let canonical = sample_result().canonical_bytes().unwrap();
        // The same JSON with a space: validly signed but not canonical.
        let mut spaced = b" ".to_vec();
        spaced.extend_from_slice(&canonical);
        let signature = signing_key.sign(&spaced).to_bytes();
        assert_eq!(
            verify_result(&spaced, &signature, &public),
            Err(ProtocolError::NotCanonical)
        );
        // Another format.
        let mut other = sample_result();
        other.format = "something.else".to_owned();
        let bytes = other.canonical_bytes().unwrap();
        let signature = signing_key.sign(&bytes).to_bytes();
        assert!(matches!(
            verify_result(&bytes, &signature, &public),
            Err(ProtocolError::Format(_))
        ));
        // Not a result at all.
        let signature = signing_key.sign(b"{}").to_bytes();
        assert!(matches!(
            verify_result(b"{}", &signature, &public),
            Err(ProtocolError::Payload(_))
        ));
    }

    #[test]
    fn request_types_parse_and_redact() {
        let request: VerifyRequest = serde_json::from_str(
            r#"{"challenge":"abc","access":{"kind":"mrz_fields","document_number":"085012345",
                "date_of_birth":"850812","date_of_expiry":"250812"}}"#,
        )
        .unwrap();
        assert!(!request.include_face_image);
        let shown = format!("{request:?}");
        assert!(!shown.contains("085012345"), "{shown}");
        assert!(!shown.contains("850812"), "{shown}");
        assert!(
            serde_json::from_str::<VerifyRequest>(
                r#"{"challenge":"abc","access":{"kind":"mrz","text":"x"},"extra":1}"#
            )
            .is_err()
        );
        assert!(challenge_is_valid("AbC-_.~+/="));
        assert!(!challenge_is_valid(""));
        assert!(!challenge_is_valid("a b"));
        assert!(!challenge_is_valid(&"a".repeat(MAX_CHALLENGE_LEN + 1)));
    }

    #[test]
    fn public_keys_round_trip() {
        let public = key(3).verifying_key();
        let text = encode_public_key(&public);
        assert_eq!(decode_public_key(&text).unwrap(), public.to_bytes());
        assert!(decode_public_key("AAAA").is_err());
    }
}
