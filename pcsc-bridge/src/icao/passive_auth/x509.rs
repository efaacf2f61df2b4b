//! The parts of an X.509 certificate passive authentication needs, read with the BER walker so
//! the signed bytes (TBSCertificate) are exactly those in the file.

use thiserror::Error;

use super::oids;
use crate::icao::ber::{self, BerError, Tag, Tlv};
use crate::icao::date::CivilDate;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CertificateError {
    #[error("certificate structure: {0}")]
    Ber(#[from] BerError),
    #[error("certificate time \"{0}\" is not a valid UTCTime or GeneralizedTime")]
    Time(String),
}

/// `AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmIdentifier {
    pub oid: String,
    /// The encoded parameters TLV, if present.
    pub parameters: Option<Vec<u8>>,
}

impl AlgorithmIdentifier {
    pub fn parse(tlv: &Tlv<'_>) -> Result<Self, BerError> {
        let mut children = tlv.expect(Tag::SEQUENCE)?.children()?;
        let oid_tlv = children
            .next()
            .ok_or(BerError::Missing { tag: Tag::OID })??
            .expect(Tag::OID)?;
        let parameters = children.next().transpose()?.map(|p| p.encoded().to_vec());
        Ok(AlgorithmIdentifier {
            oid: ber::decode_oid(oid_tlv.value())?,
            parameters,
        })
    }
}

/// A parsed certificate, owning its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub der: Vec<u8>,
    /// The TBSCertificate encoding, which the issuer signed.
    pub tbs: Vec<u8>,
    pub signature_algorithm: AlgorithmIdentifier,
    /// The signature BIT STRING without its unused-bits byte.
    pub signature: Vec<u8>,
    /// INTEGER content bytes, as CMS IssuerAndSerialNumber compares them.
    pub serial: Vec<u8>,
    /// Encoded issuer Name.
    pub issuer: Vec<u8>,
    /// Encoded subject Name.
    pub subject: Vec<u8>,
    pub not_before: CivilDate,
    pub not_after: CivilDate,
    /// Encoded SubjectPublicKeyInfo.
    pub subject_public_key_info: Vec<u8>,
    pub subject_key_identifier: Option<Vec<u8>>,
    pub authority_key_identifier: Option<Vec<u8>>,
    /// basicConstraints cA = TRUE.
    pub is_ca: bool,
}

impl Certificate {
    /// Parses one DER certificate; bytes after it are ignored.
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        let certificate = ber::parse_first(der)?.expect(Tag::SEQUENCE)?;
        let mut parts = certificate.children()?;
        let mut next = |tag: Tag| -> Result<Tlv<'_>, BerError> {
            parts.next().ok_or(BerError::Missing { tag })??.expect(tag)
        };
        let tbs = next(Tag::SEQUENCE)?;
        let signature_algorithm = AlgorithmIdentifier::parse(&next(Tag::SEQUENCE)?)?;
        let signature = bit_string_bytes(&next(Tag::BIT_STRING)?)?.to_vec();

        let mut fields = tbs.children()?.peekable();
        if let Some(Ok(version)) = fields.peek()
            && version.tag() == Tag::context_constructed(0)
        {
            fields.next();
        }
        let mut field = |tag: Tag| -> Result<Tlv<'_>, BerError> {
            fields.next().ok_or(BerError::Missing { tag })??.expect(tag)
        };
        let serial = field(Tag::INTEGER)?.value().to_vec();
        let _inner_signature_algorithm = field(Tag::SEQUENCE)?;
        let issuer = field(Tag::SEQUENCE)?.encoded().to_vec();
        let validity = field(Tag::SEQUENCE)?;
        let subject = field(Tag::SEQUENCE)?.encoded().to_vec();
        let subject_public_key_info = field(Tag::SEQUENCE)?.encoded().to_vec();
        let mut times = validity.children()?;
        let not_before = parse_time(
            &times
                .next()
                .ok_or(BerError::Missing { tag: Tag::UTC_TIME })??,
        )?;
        let not_after = parse_time(
            &times
                .next()
                .ok_or(BerError::Missing { tag: Tag::UTC_TIME })??,
        )?;

        let mut certificate = Certificate {
            der: certificate.encoded().to_vec(),
            tbs: tbs.encoded().to_vec(),
            signature_algorithm,
            signature,
            serial,
            issuer,
            subject,
            not_before,
            not_after,
            subject_public_key_info,
            subject_key_identifier: None,
            authority_key_identifier: None,
            is_ca: false,
        };
        for rest in fields {
            let rest = rest?;
            if rest.tag() == Tag::context_constructed(3) {
                certificate.read_extensions(&rest)?;
            }
        }
        Ok(certificate)
    }

    fn read_extensions(&mut self, wrapper: &Tlv<'_>) -> Result<(), BerError> {
        let extensions = wrapper.require_child(Tag::SEQUENCE)?;
        for extension in extensions.children()? {
            let extension = extension?;
            let id = ber::decode_oid(extension.require_child(Tag::OID)?.value())?;
            let value = extension.require_child(Tag::OCTET_STRING)?.value();
            match id.as_str() {
                oids::EXTENSION_SUBJECT_KEY_ID => {
                    let key_id = ber::parse_first(value)?.expect(Tag::OCTET_STRING)?;
                    self.subject_key_identifier = Some(key_id.value().to_vec());
                }
                oids::EXTENSION_AUTHORITY_KEY_ID => {
                    let aki = ber::parse_first(value)?.expect(Tag::SEQUENCE)?;
                    self.authority_key_identifier = aki
                        .find_child(Tag::context_primitive(0))?
                        .map(|key_id| key_id.value().to_vec());
                }
                oids::EXTENSION_BASIC_CONSTRAINTS => {
                    let constraints = ber::parse_first(value)?.expect(Tag::SEQUENCE)?;
                    self.is_ca = constraints
                        .find_child(Tag::BOOLEAN)?
                        .is_some_and(|ca| ca.value().first().is_some_and(|b| *b != 0));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether the certificate is within its validity period on `date` (day precision).
    pub fn is_valid_on(&self, date: CivilDate) -> bool {
        self.not_before <= date && date <= self.not_after
    }

    pub fn summary(&self) -> CertificateSummary {
        CertificateSummary {
            subject: describe_name(&self.subject),
            issuer: describe_name(&self.issuer),
            serial_hex: self.serial.iter().map(|b| format!("{b:02X}")).collect(),
            not_before: self.not_before,
            not_after: self.not_after,
        }
    }
}

/// What a report shows about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSummary {
    pub subject: String,
    pub issuer: String,
    pub serial_hex: String,
    pub not_before: CivilDate,
    pub not_after: CivilDate,
}

/// The content of a BIT STRING with whole bytes (unused-bits count 0).
pub fn bit_string_bytes<'a>(tlv: &Tlv<'a>) -> Result<&'a [u8], BerError> {
    match tlv.value().split_first() {
        Some((0, bytes)) => Ok(bytes),
        _ => Err(BerError::Malformed {
            what: "BIT STRING with whole bytes",
        }),
    }
}

fn parse_time(tlv: &Tlv<'_>) -> Result<CivilDate, CertificateError> {
    let text = std::str::from_utf8(tlv.value()).unwrap_or("");
    let bad = || CertificateError::Time(text.to_owned());
    let digits = |range: std::ops::Range<usize>| -> Result<u16, CertificateError> {
        let part = text.get(range).ok_or_else(bad)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let (year, rest) = match tlv.tag() {
        // RFC 5280: two-digit years 50–99 are 19xx, 00–49 are 20xx.
        Tag::UTC_TIME => {
            let yy = digits(0..2)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        Tag::GENERALIZED_TIME => (digits(0..4)?, 4),
        _ => return Err(bad()),
    };
    let month = digits(rest..rest + 2)?;
    let day = digits(rest + 2..rest + 4)?;
    let month = u8::try_from(month).map_err(|_| bad())?;
    let day = u8::try_from(day).map_err(|_| bad())?;
    CivilDate::new(year, month, day).map_err(|_| bad())
}

/// A readable form of a Name ("CN=…, O=…, C=VN"), for reports only; comparisons use the bytes.
pub fn describe_name(encoded: &[u8]) -> String {
    let mut parts = Vec::new();
    let Ok(name) = ber::parse_first(encoded) else {
        return String::new();
    };
    let Ok(relative_names) = name.children() else {
        return String::new();
    };
    for attribute in relative_names
        .flatten()
        .filter_map(|rdn| rdn.children().ok())
        .flatten()
        .flatten()
    {
        let Ok(children) = attribute.child_list() else {
            continue;
        };
        let [oid, value, ..] = children.as_slice() else {
            continue;
        };
        let Ok(oid) = ber::decode_oid(oid.value()) else {
            continue;
        };
        let label = match oid.as_str() {
            oids::NAME_COMMON_NAME => "CN".to_owned(),
            oids::NAME_SERIAL_NUMBER => "serialNumber".to_owned(),
            oids::NAME_COUNTRY => "C".to_owned(),
            oids::NAME_LOCALITY => "L".to_owned(),
            oids::NAME_ORGANIZATION => "O".to_owned(),
            oids::NAME_ORGANIZATIONAL_UNIT => "OU".to_owned(),
            other => other.to_owned(),
        };
        parts.push(format!(
            "{label}={}",
            String::from_utf8_lossy(value.value())
        ));
    }
    parts.reverse();
    parts.join(", ")
}
