//! A tolerant BER-TLV reader (and the few encoders secure messaging needs).
//!
//! The same walker reads the LDS files, the CMS SignedData in EF.SOD and X.509 certificates, so
//! every signature check runs over the exact bytes the card sent. It never panics: any truncated
//! or malformed input is an error.

use std::fmt;

use thiserror::Error;

/// Tags longer than this many bytes do not occur in ICAO, CMS or X.509 data.
const MAX_TAG_BYTES: usize = 4;
/// Long-form lengths of up to 4 bytes (values up to 4 GiB) are accepted.
const MAX_LENGTH_BYTES: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BerError {
    #[error("input ends inside a TLV (at byte {offset})")]
    Truncated { offset: usize },
    #[error("tag longer than {MAX_TAG_BYTES} bytes (at byte {offset})")]
    TagTooLong { offset: usize },
    #[error("unsupported length byte 0x{first_byte:02X} (at byte {offset})")]
    UnsupportedLength { offset: usize, first_byte: u8 },
    #[error("expected tag {expected}, found {found}")]
    UnexpectedTag { expected: Tag, found: Tag },
    #[error("tag {tag} is primitive, it has no children")]
    NotConstructed { tag: Tag },
    #[error("no element with tag {tag}")]
    Missing { tag: Tag },
    #[error("malformed {what}")]
    Malformed { what: &'static str },
}

/// A BER tag kept as its encoded bytes read big-endian, as ICAO writes them (`0x5F1F`, `0x7F61`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(pub u32);

impl Tag {
    pub const BOOLEAN: Tag = Tag(0x01);
    pub const INTEGER: Tag = Tag(0x02);
    pub const BIT_STRING: Tag = Tag(0x03);
    pub const OCTET_STRING: Tag = Tag(0x04);
    pub const NULL: Tag = Tag(0x05);
    pub const OID: Tag = Tag(0x06);
    pub const UTF8_STRING: Tag = Tag(0x0C);
    pub const PRINTABLE_STRING: Tag = Tag(0x13);
    pub const IA5_STRING: Tag = Tag(0x16);
    pub const UTC_TIME: Tag = Tag(0x17);
    pub const GENERALIZED_TIME: Tag = Tag(0x18);
    pub const SEQUENCE: Tag = Tag(0x30);
    pub const SET: Tag = Tag(0x31);

    /// Context-specific constructed tag `[n]` (n < 31), as CMS and X.509 use them.
    pub const fn context_constructed(number: u8) -> Tag {
        Tag(0xA0 | (number as u32 & 0x1F))
    }

    /// Context-specific primitive tag `[n]` (n < 31).
    pub const fn context_primitive(number: u8) -> Tag {
        Tag(0x80 | (number as u32 & 0x1F))
    }

    /// The first encoded byte, which carries the class and the constructed bit.
    pub fn first_byte(self) -> u8 {
        let bytes = self.0.to_be_bytes();
        bytes.iter().copied().find(|b| *b != 0).unwrap_or(0)
    }

    pub fn is_constructed(self) -> bool {
        self.first_byte() & 0x20 != 0
    }

    /// The encoded tag bytes (at least one byte, even for tag 0).
    pub fn to_bytes(self) -> Vec<u8> {
        let bytes = self.0.to_be_bytes();
        let first_used = bytes
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(bytes.len() - 1);
        bytes[first_used..].to_vec()
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({self})")
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02X}", self.0)
    }
}

/// The tag and length at the start of an encoding, without its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub tag: Tag,
    /// Bytes taken by the tag and the length.
    pub header_len: usize,
    pub value_len: usize,
}

impl Header {
    /// Total encoded size; `None` if it would overflow (only on 32-bit hosts).
    pub fn total_len(&self) -> Option<usize> {
        self.header_len.checked_add(self.value_len)
    }
}

/// One parsed TLV borrowing from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    tag: Tag,
    value: &'a [u8],
    encoded: &'a [u8],
}

impl<'a> Tlv<'a> {
    pub fn tag(&self) -> Tag {
        self.tag
    }

    pub fn value(&self) -> &'a [u8] {
        self.value
    }

    /// The whole encoding (tag, length and value), e.g. the bytes a signature covers.
    pub fn encoded(&self) -> &'a [u8] {
        self.encoded
    }

    /// Fails with `UnexpectedTag` unless this TLV has the given tag.
    pub fn expect(self, tag: Tag) -> Result<Self, BerError> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(BerError::UnexpectedTag {
                expected: tag,
                found: self.tag,
            })
        }
    }

    /// Iterates over the elements inside a constructed value.
    pub fn children(&self) -> Result<TlvIter<'a>, BerError> {
        if self.tag.is_constructed() {
            Ok(TlvIter::new(self.value))
        } else {
            Err(BerError::NotConstructed { tag: self.tag })
        }
    }

    /// All children, failing on the first malformed one.
    pub fn child_list(&self) -> Result<Vec<Tlv<'a>>, BerError> {
        self.children()?.collect()
    }

    /// The first child with the given tag, if any.
    pub fn find_child(&self, tag: Tag) -> Result<Option<Tlv<'a>>, BerError> {
        for child in self.children()? {
            let child = child?;
            if child.tag == tag {
                return Ok(Some(child));
            }
        }
        Ok(None)
    }

    /// Like `find_child`, but a missing child is an error.
    pub fn require_child(&self, tag: Tag) -> Result<Tlv<'a>, BerError> {
        self.find_child(tag)?.ok_or(BerError::Missing { tag })
    }
}

/// Reads a tag and a length from the start of `input`.
pub fn parse_header(input: &[u8]) -> Result<Header, BerError> {
    let (tag, tag_len) = parse_tag(input)?;
    let (value_len, length_len) = parse_length(input, tag_len)?;
    Ok(Header {
        tag,
        header_len: tag_len + length_len,
        value_len,
    })
}

/// Parses the first TLV of `input` and returns it with the bytes after it.
pub fn parse_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), BerError> {
    let header = parse_header(input)?;
    let end = header
        .total_len()
        .filter(|end| *end <= input.len())
        .ok_or(BerError::Truncated {
            offset: input.len(),
        })?;
    let tlv = Tlv {
        tag: header.tag,
        value: &input[header.header_len..end],
        encoded: &input[..end],
    };
    Ok((tlv, &input[end..]))
}

/// Parses the first TLV and ignores anything after it (cards may pad files).
pub fn parse_first(input: &[u8]) -> Result<Tlv<'_>, BerError> {
    parse_tlv(input).map(|(tlv, _rest)| tlv)
}

/// Parses exactly one TLV that must fill `input`.
pub fn parse_exact(input: &[u8]) -> Result<Tlv<'_>, BerError> {
    let (tlv, rest) = parse_tlv(input)?;
    if rest.is_empty() {
        Ok(tlv)
    } else {
        Err(BerError::Malformed {
            what: "trailing bytes after a TLV",
        })
    }
}

fn parse_tag(input: &[u8]) -> Result<(Tag, usize), BerError> {
    let first = *input.first().ok_or(BerError::Truncated { offset: 0 })?;
    let mut tag = u32::from(first);
    if first & 0x1F != 0x1F {
        return Ok((Tag(tag), 1));
    }
    // High tag number form: subsequent bytes carry bit 8 while more follow.
    for (index, byte) in input.iter().enumerate().skip(1) {
        if index >= MAX_TAG_BYTES {
            return Err(BerError::TagTooLong { offset: 0 });
        }
        tag = (tag << 8) | u32::from(*byte);
        if byte & 0x80 == 0 {
            return Ok((Tag(tag), index + 1));
        }
    }
    Err(BerError::Truncated {
        offset: input.len(),
    })
}

fn parse_length(input: &[u8], offset: usize) -> Result<(usize, usize), BerError> {
    let first = *input.get(offset).ok_or(BerError::Truncated { offset })?;
    if first < 0x80 {
        return Ok((usize::from(first), 1));
    }
    let count = usize::from(first & 0x7F);
    if count == 0 || count > MAX_LENGTH_BYTES {
        // 0x80 is the indefinite form, which DER and the LDS do not use.
        return Err(BerError::UnsupportedLength {
            offset,
            first_byte: first,
        });
    }
    let bytes = input
        .get(offset + 1..offset + 1 + count)
        .ok_or(BerError::Truncated {
            offset: input.len(),
        })?;
    let length = bytes
        .iter()
        .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
    let length = usize::try_from(length).map_err(|_| BerError::Truncated {
        offset: input.len(),
    })?;
    Ok((length, 1 + count))
}

/// Iterator over consecutive TLVs; yields one error and then stops.
#[derive(Debug, Clone)]
pub struct TlvIter<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> TlvIter<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        TlvIter {
            rest: input,
            failed: false,
        }
    }
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = Result<Tlv<'a>, BerError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        match parse_tlv(self.rest) {
            Ok((tlv, rest)) => {
                self.rest = rest;
                Some(Ok(tlv))
            }
            Err(error) => {
                self.failed = true;
                Some(Err(error))
            }
        }
    }
}

/// Appends a definite length in the shortest form.
pub fn encode_length(length: usize, out: &mut Vec<u8>) {
    if length < 0x80 {
        out.push(length as u8);
        return;
    }
    let bytes = (length as u64).to_be_bytes();
    let first_used = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    let used = &bytes[first_used..];
    out.push(0x80 | used.len() as u8);
    out.extend_from_slice(used);
}

/// Encodes one TLV.
pub fn encode_tlv(tag: Tag, value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_bytes();
    encode_length(value.len(), &mut out);
    out.extend_from_slice(value);
    out
}

/// Reads a non-negative INTEGER value of at most 8 significant bytes.
pub fn decode_unsigned(value: &[u8]) -> Result<u64, BerError> {
    let malformed = BerError::Malformed {
        what: "non-negative INTEGER",
    };
    let first = *value.first().ok_or(malformed.clone())?;
    if first & 0x80 != 0 {
        return Err(malformed);
    }
    let significant = match value.iter().position(|b| *b != 0) {
        Some(start) => &value[start..],
        None => return Ok(0),
    };
    if significant.len() > 8 {
        return Err(malformed);
    }
    Ok(significant
        .iter()
        .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte)))
}

/// Unsigned big-endian magnitude of an INTEGER with any leading zero bytes removed.
pub fn integer_magnitude(value: &[u8]) -> &[u8] {
    let start = value.iter().position(|b| *b != 0).unwrap_or(value.len());
    &value[start..]
}

/// Decodes an OBJECT IDENTIFIER value into dotted form ("2.23.136.1.1.1").
pub fn decode_oid(value: &[u8]) -> Result<String, BerError> {
    let malformed = BerError::Malformed {
        what: "OBJECT IDENTIFIER",
    };
    if value.last().is_none_or(|last| last & 0x80 != 0) {
        return Err(malformed);
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut current: u64 = 0;
    for byte in value {
        if current > (u64::MAX >> 7) {
            return Err(malformed);
        }
        current = (current << 7) | u64::from(byte & 0x7F);
        if byte & 0x80 == 0 {
            if arcs.is_empty() {
                let (first, second) = match current {
                    0..40 => (0, current),
                    40..80 => (1, current - 40),
                    _ => (2, current - 80),
                };
                arcs.push(first);
                arcs.push(second);
            } else {
                arcs.push(current);
            }
            current = 0;
        }
    }
    let dotted: Vec<String> = arcs.iter().map(u64::to_string).collect();
    Ok(dotted.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_short_and_long_lengths_and_multi_byte_tags() {
        let short = [0x5F, 0x1F, 0x02, 0xAA, 0xBB, 0xFF];
        let (tlv, rest) = parse_tlv(&short).unwrap();
        assert_eq!(tlv.tag(), Tag(0x5F1F));
        assert_eq!(tlv.value(), &[0xAA, 0xBB]);
        assert_eq!(rest, &[0xFF]);

        let mut long = vec![0x7F, 0x61, 0x82, 0x01, 0x2C];
        long.extend(std::iter::repeat_n(0x11, 300));
        let tlv = parse_exact(&long).unwrap();
        assert_eq!(tlv.tag(), Tag(0x7F61));
        assert!(tlv.tag().is_constructed());
        assert_eq!(tlv.value().len(), 300);

        let header = parse_header(&[0x77, 0x84, 0x00, 0x01, 0x00, 0x00]).unwrap();
        assert_eq!(header.header_len, 6);
        assert_eq!(header.value_len, 0x10000);
    }

    #[test]
    fn walks_children_of_constructed_values() {
        let encoded = [0x30, 0x06, 0x02, 0x01, 0x05, 0x0C, 0x01, b'A'];
        let tlv = parse_exact(&encoded).unwrap();
        let children = tlv.child_list().unwrap();
        assert_eq!(children.len(), 2);
        assert_eq!(decode_unsigned(children[0].value()).unwrap(), 5);
        assert_eq!(tlv.require_child(Tag::UTF8_STRING).unwrap().value(), b"A");
        assert!(children[0].children().is_err());
    }

    #[test]
    fn rejects_truncated_and_unsupported_encodings() {
        assert_eq!(parse_tlv(&[]), Err(BerError::Truncated { offset: 0 }));
        assert!(parse_tlv(&[0x30]).is_err());
        assert!(parse_tlv(&[0x30, 0x05, 0x01]).is_err());
        assert!(parse_tlv(&[0x5F]).is_err());
        assert!(parse_tlv(&[0x30, 0x82, 0x01]).is_err());
        assert!(matches!(
            parse_tlv(&[0x30, 0x80, 0x00, 0x00]),
            Err(BerError::UnsupportedLength { .. })
        ));
        assert!(matches!(
            parse_tlv(&[0x30, 0x85, 0, 0, 0, 0, 1]),
            Err(BerError::UnsupportedLength { .. })
        ));
        assert!(matches!(
            parse_tlv(&[0x1F, 0x81, 0x82, 0x83, 0x04, 0x00]),
            Err(BerError::TagTooLong { .. })
        ));
        // The iterator reports the malformed child once and stops.
        let mut children = TlvIter::new(&[0x02, 0x01, 0x00, 0x02, 0x05, 0x00]);
        assert!(children.next().unwrap().is_ok());
        assert!(children.next().unwrap().is_err());
        assert!(children.next().is_none());
    }

    #[test]
    fn encodes_lengths_in_shortest_form() {
        for (length, expected) in [
            (0usize, vec![0x00]),
            (0x7F, vec![0x7F]),
            (0x80, vec![0x81, 0x80]),
            (0x1234, vec![0x82, 0x12, 0x34]),
            (0x10000, vec![0x83, 0x01, 0x00, 0x00]),
        ] {
            let mut out = Vec::new();
            encode_length(length, &mut out);
            assert_eq!(out, expected, "length {length}");
        }
        assert_eq!(encode_tlv(Tag(0x5F1F), &[1]), vec![0x5F, 0x1F, 0x01, 0x01]);
        assert_eq!(Tag(0).to_bytes(), vec![0]);
    }

    #[test]
    fn decodes_object_identifiers() {
        // 2.23.136.1.1.1, the LDS security object.
        assert_eq!(
            decode_oid(&[0x67, 0x81, 0x08, 0x01, 0x01, 0x01]).unwrap(),
            "2.23.136.1.1.1"
        );
        // 1.2.840.113549.1.7.2, CMS signed data.
        assert_eq!(
            decode_oid(&[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02]).unwrap(),
            "1.2.840.113549.1.7.2"
        );
        assert!(decode_oid(&[]).is_err());
        assert!(decode_oid(&[0x2A, 0x86]).is_err());
        assert!(decode_oid(&[0xFF; 12]).is_err());
    }

    #[test]
    fn decodes_unsigned_integers() {
        assert_eq!(decode_unsigned(&[0x00, 0xFF]).unwrap(), 255);
        assert_eq!(decode_unsigned(&[0x00]).unwrap(), 0);
        assert!(decode_unsigned(&[0x80]).is_err());
        assert!(decode_unsigned(&[]).is_err());
        assert!(decode_unsigned(&[0x01; 9]).is_err());
    }

    /// Random bytes, random truncations and random nesting never make the parser panic.
    #[test]
    fn never_panics_on_random_input() {
        let mut rng = crate::icao::test_rng::SplitMix64::new(0x5EED_BE11);
        for round in 0..20_000 {
            let len = (rng.next_u64() % 64) as usize;
            let mut bytes = rng.bytes(len);
            // Bias some rounds towards plausible headers so deep paths get exercised.
            if round % 3 == 0 && !bytes.is_empty() {
                bytes[0] = [0x30, 0x31, 0x6D, 0x77, 0x5F, 0x7F, 0xA0][round % 7];
            }
            walk_everything(&bytes, 0);
            let _ = decode_oid(&bytes);
            let _ = decode_unsigned(&bytes);
        }
    }

    fn walk_everything(bytes: &[u8], depth: usize) {
        if depth > 8 {
            return;
        }
        for tlv in TlvIter::new(bytes).flatten() {
            let _ = tlv.find_child(Tag::SEQUENCE);
            if let Ok(children) = tlv.children() {
                for child in children.flatten() {
                    walk_everything(child.encoded(), depth + 1);
                    walk_everything(child.value(), depth + 1);
                }
            }
        }
    }
}
