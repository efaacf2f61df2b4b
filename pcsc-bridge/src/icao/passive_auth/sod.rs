//! EF.SOD: tag 77 around a CMS SignedData (RFC 5652) whose content is the LDSSecurityObject
//! (ICAO 9303-10 §4.6.2): the hash algorithm and one hash per data group.

use std::collections::BTreeMap;

use thiserror::Error;

use super::hash::HashAlgorithm;
use super::oids;
use super::x509::{AlgorithmIdentifier, Certificate, CertificateError};
use crate::icao::ber::{self, BerError, Tag, Tlv};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SodError {
    #[error("EF.SOD structure: {0}")]
    Ber(#[from] BerError),
    #[error("EF.SOD holds {0}, not CMS SignedData")]
    NotSignedData(String),
    #[error("EF.SOD signs content of type {0}, not an LDS security object")]
    WrongContentType(String),
    #[error("EF.SOD has no signer")]
    NoSigner,
    #[error("EF.SOD names an unsupported hash algorithm {0}")]
    UnsupportedHash(String),
    #[error("EF.SOD lists data group {0} twice or out of range")]
    BadDataGroup(u64),
    #[error("EF.SOD signed attribute {0} is duplicated")]
    DuplicateAttribute(&'static str),
    #[error("EF.SOD certificate: {0}")]
    Certificate(#[from] CertificateError),
}

/// How the SignerInfo names its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerIdentifier {
    IssuerAndSerial { issuer: Vec<u8>, serial: Vec<u8> },
    KeyIdentifier(Vec<u8>),
}

impl SignerIdentifier {
    pub fn matches(&self, certificate: &Certificate) -> bool {
        match self {
            SignerIdentifier::IssuerAndSerial { issuer, serial } => {
                *issuer == certificate.issuer && *serial == certificate.serial
            }
            SignerIdentifier::KeyIdentifier(key_id) => {
                certificate.subject_key_identifier.as_ref() == Some(key_id)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerInfo {
    pub identifier: SignerIdentifier,
    pub digest_algorithm: AlgorithmIdentifier,
    /// The signed attributes with their [0] tag replaced by SET OF (0x31): the signed bytes.
    pub signed_attributes: Option<Vec<u8>>,
    pub message_digest: Option<Vec<u8>>,
    pub content_type: Option<String>,
    pub signature_algorithm: AlgorithmIdentifier,
    pub signature: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sod {
    pub lds_hash_algorithm: HashAlgorithm,
    pub data_group_hashes: BTreeMap<u8, Vec<u8>>,
    /// The encoded LDSSecurityObject (the CMS eContent).
    pub encapsulated_content: Vec<u8>,
    pub certificates: Vec<Certificate>,
    pub signer: SignerInfo,
}

fn next_child<'a>(
    children: &mut impl Iterator<Item = Result<Tlv<'a>, BerError>>,
    tag: Tag,
) -> Result<Tlv<'a>, BerError> {
    children
        .next()
        .ok_or(BerError::Missing { tag })??
        .expect(tag)
}

pub fn parse_sod(bytes: &[u8]) -> Result<Sod, SodError> {
    let file = ber::parse_first(bytes)?.expect(Tag(0x77))?;
    let content_info = ber::parse_first(file.value())?.expect(Tag::SEQUENCE)?;
    let mut parts = content_info.children()?;
    let content_type = ber::decode_oid(next_child(&mut parts, Tag::OID)?.value())?;
    if content_type != oids::CMS_SIGNED_DATA {
        return Err(SodError::NotSignedData(content_type));
    }
    let signed_data =
        next_child(&mut parts, Tag::context_constructed(0))?.require_child(Tag::SEQUENCE)?;

    let mut encapsulated = None;
    let mut certificates = Vec::new();
    let mut signer = None;
    for element in signed_data.children()? {
        let element = element?;
        match element.tag() {
            Tag::SEQUENCE if encapsulated.is_none() => {
                encapsulated = Some(encapsulated_content(&element)?);
            }
            tag if tag == Tag::context_constructed(0) => {
                for certificate in element.children()? {
                    let certificate = certificate?;
                    // Other certificate formats (attribute certificates…) are not ours.
                    if certificate.tag() == Tag::SEQUENCE {
                        certificates.push(Certificate::from_der(certificate.encoded())?);
                    }
                }
            }
            Tag::SET if encapsulated.is_some() => {
                let first = element.children()?.next().ok_or(SodError::NoSigner)??;
                signer = Some(parse_signer_info(&first)?);
            }
            _ => {}
        }
    }
    let encapsulated_content = encapsulated.ok_or(BerError::Missing { tag: Tag::SEQUENCE })?;
    let (lds_hash_algorithm, data_group_hashes) = parse_lds_security_object(&encapsulated_content)?;
    Ok(Sod {
        lds_hash_algorithm,
        data_group_hashes,
        encapsulated_content,
        certificates,
        signer: signer.ok_or(SodError::NoSigner)?,
    })
}

/// EncapsulatedContentInfo: the content type must be the LDS security object.
fn encapsulated_content(info: &Tlv<'_>) -> Result<Vec<u8>, SodError> {
    let mut parts = info.children()?;
    let content_type = ber::decode_oid(next_child(&mut parts, Tag::OID)?.value())?;
    if content_type != oids::LDS_SECURITY_OBJECT {
        return Err(SodError::WrongContentType(content_type));
    }
    let content =
        next_child(&mut parts, Tag::context_constructed(0))?.require_child(Tag::OCTET_STRING)?;
    Ok(content.value().to_vec())
}

/// LDSSecurityObject ::= SEQUENCE { version, hashAlgorithm, dataGroupHashValues, … }
fn parse_lds_security_object(
    encoded: &[u8],
) -> Result<(HashAlgorithm, BTreeMap<u8, Vec<u8>>), SodError> {
    let object = ber::parse_first(encoded)?.expect(Tag::SEQUENCE)?;
    let mut parts = object.children()?;
    next_child(&mut parts, Tag::INTEGER)?;
    let algorithm = AlgorithmIdentifier::parse(&next_child(&mut parts, Tag::SEQUENCE)?)?;
    let hash = HashAlgorithm::from_oid(&algorithm.oid)
        .ok_or_else(|| SodError::UnsupportedHash(algorithm.oid.clone()))?;
    let mut hashes = BTreeMap::new();
    for entry in next_child(&mut parts, Tag::SEQUENCE)?.children()? {
        let entry = entry?;
        let mut fields = entry.expect(Tag::SEQUENCE)?.children()?;
        let number = ber::decode_unsigned(next_child(&mut fields, Tag::INTEGER)?.value())?;
        let value = next_child(&mut fields, Tag::OCTET_STRING)?.value().to_vec();
        let group = u8::try_from(number)
            .ok()
            .filter(|n| (1..=16).contains(n))
            .ok_or(SodError::BadDataGroup(number))?;
        if hashes.insert(group, value).is_some() {
            return Err(SodError::BadDataGroup(number));
        }
    }
    Ok((hash, hashes))
}

fn parse_signer_info(info: &Tlv<'_>) -> Result<SignerInfo, SodError> {
    let mut parts = info.expect(Tag::SEQUENCE)?.children()?.peekable();
    next_child(&mut parts, Tag::INTEGER)?;
    let sid = parts
        .next()
        .ok_or(BerError::Missing { tag: Tag::SEQUENCE })??;
    let identifier = if sid.tag() == Tag::context_primitive(0) {
        SignerIdentifier::KeyIdentifier(sid.value().to_vec())
    } else {
        let mut issuer_serial = sid.expect(Tag::SEQUENCE)?.children()?;
        let issuer = next_child(&mut issuer_serial, Tag::SEQUENCE)?
            .encoded()
            .to_vec();
        let serial = next_child(&mut issuer_serial, Tag::INTEGER)?
            .value()
            .to_vec();
        SignerIdentifier::IssuerAndSerial { issuer, serial }
    };
    let digest_algorithm = AlgorithmIdentifier::parse(&next_child(&mut parts, Tag::SEQUENCE)?)?;

    let mut signed_attributes = None;
    let mut message_digest = None;
    let mut content_type = None;
    if let Some(Ok(attributes)) = parts.peek()
        && attributes.tag() == Tag::context_constructed(0)
    {
        let attributes = *attributes;
        parts.next();
        for attribute in attributes.children()? {
            let attribute = attribute?;
            let mut fields = attribute.expect(Tag::SEQUENCE)?.children()?;
            let id = ber::decode_oid(next_child(&mut fields, Tag::OID)?.value())?;
            let first_value = next_child(&mut fields, Tag::SET)?
                .children()?
                .next()
                .ok_or(BerError::Missing { tag: Tag::SET })??;
            match id.as_str() {
                oids::ATTRIBUTE_MESSAGE_DIGEST => {
                    let digest = first_value.expect(Tag::OCTET_STRING)?.value().to_vec();
                    if message_digest.replace(digest).is_some() {
                        return Err(SodError::DuplicateAttribute("messageDigest"));
                    }
                }
                oids::ATTRIBUTE_CONTENT_TYPE => {
                    let oid = ber::decode_oid(first_value.expect(Tag::OID)?.value())?;
                    if content_type.replace(oid).is_some() {
                        return Err(SodError::DuplicateAttribute("contentType"));
                    }
                }
                _ => {}
            }
        }
        // RFC 5652 §5.4: the signature covers the attributes encoded as an explicit SET OF.
        let mut signed = attributes.encoded().to_vec();
        if let Some(first) = signed.first_mut() {
            *first = Tag::SET.first_byte();
        }
        signed_attributes = Some(signed);
    }
    let signature_algorithm = AlgorithmIdentifier::parse(&next_child(&mut parts, Tag::SEQUENCE)?)?;
    let signature = next_child(&mut parts, Tag::OCTET_STRING)?.value().to_vec();
    Ok(SignerInfo {
        identifier,
        digest_algorithm,
        signed_attributes,
        message_digest,
        content_type,
        signature_algorithm,
        signature,
    })
}
