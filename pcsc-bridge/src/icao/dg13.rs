//! DG13, Vietnam's personal-data file: tag 6D around one `SEQUENCE { INTEGER n, value… }` per
//! field. The layout comes from public readers, not from a published specification, so the
//! parser walks BER, skips what it does not know and leaves missing fields empty.

use std::collections::BTreeMap;

use thiserror::Error;

use super::ber::{self, BerError, Tag, Tlv, TlvIter};
use super::date::CivilDate;
use super::lds::{self, ElementaryFile, LdsError};

/// Wrappers around the fields are looked into at most this deep.
const MAX_WRAPPER_DEPTH: usize = 3;
const BMP_STRING: Tag = Tag(0x1E);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Dg13Error {
    #[error(transparent)]
    File(#[from] LdsError),
    #[error("DG13 field {field}: {source}")]
    Field { field: u64, source: BerError },
    #[error("DG13 is malformed after field {after_field}: {source}")]
    Truncated { after_field: u64, source: BerError },
    #[error("DG13 is malformed: {source}")]
    Malformed { source: BerError },
    #[error("DG13 holds no personal-data fields")]
    NoFields,
    #[error("DG13 field {field} is not valid text")]
    InvalidText { field: u64 },
}

/// A date field as the card wrote it: parsed when it is "dd/mm/yyyy", kept as text otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardDate {
    Date(CivilDate),
    Text(String),
}

/// The expiry field: a date, "Không thời hạn" (no expiry, after age 60), or other text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardExpiry {
    Date(CivilDate),
    NoExpiry,
    Text(String),
}

/// The personal data of a CCCD holder. Every field is optional: a card may omit any of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonalData {
    /// Số định danh cá nhân (12 digits).
    pub personal_id: Option<String>,
    pub full_name: Option<String>,
    pub date_of_birth: Option<CardDate>,
    /// "Nam" or "Nữ", as written on the card.
    pub sex: Option<String>,
    pub nationality: Option<String>,
    pub ethnicity: Option<String>,
    pub religion: Option<String>,
    /// Quê quán.
    pub place_of_origin: Option<String>,
    /// Nơi thường trú.
    pub place_of_residence: Option<String>,
    /// Đặc điểm nhận dạng.
    pub identifying_marks: Option<String>,
    pub issue_date: Option<CardDate>,
    pub expiry: Option<CardExpiry>,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    /// None when the card holds an empty sequence (no spouse) or no field at all.
    pub spouse_name: Option<String>,
    /// The old 9-digit CMND number.
    pub old_id_number: Option<String>,
    /// Field 16, meaning unknown; kept raw so it can be studied on real cards.
    pub field_16: Option<String>,
}

/// Parses DG13 into the holder's personal data.
pub fn parse_dg13(bytes: &[u8]) -> Result<PersonalData, Dg13Error> {
    let dg13 = lds::open_file(ElementaryFile::Dg13, bytes)?;
    let mut fields = BTreeMap::new();
    collect_fields(dg13.value(), 0, &mut fields)?;
    if fields.is_empty() {
        return Err(Dg13Error::NoFields);
    }
    let text = |number: u64| -> Result<Option<String>, Dg13Error> {
        match fields.get(&number) {
            Some(values) => first_text(number, values),
            None => Ok(None),
        }
    };
    let (father_name, mother_name) = match fields.get(&13) {
        Some(values) => parents(values)?,
        None => (None, None),
    };
    Ok(PersonalData {
        personal_id: text(1)?,
        full_name: text(2)?,
        date_of_birth: text(3)?.map(card_date),
        sex: text(4)?,
        nationality: text(5)?,
        ethnicity: text(6)?,
        religion: text(7)?,
        place_of_origin: text(8)?,
        place_of_residence: text(9)?,
        identifying_marks: text(10)?,
        issue_date: text(11)?.map(card_date),
        expiry: text(12)?.map(card_expiry),
        father_name,
        mother_name,
        spouse_name: text(14)?,
        old_id_number: text(15)?,
        field_16: text(16)?,
    })
}

/// If `tlv` is a field (`SEQUENCE { INTEGER n, … }`), its number and values.
fn as_field<'a>(tlv: &Tlv<'a>) -> Option<(u64, Vec<Tlv<'a>>)> {
    if tlv.tag() != Tag::SEQUENCE {
        return None;
    }
    let mut children = tlv.children().ok()?;
    let number_tlv = children.next()?.ok()?;
    if number_tlv.tag() != Tag::INTEGER {
        return None;
    }
    let number = ber::decode_unsigned(number_tlv.value()).ok()?;
    let values: Result<Vec<Tlv<'a>>, BerError> = children.collect();
    Some((number, values.ok()?))
}

/// Walks the TLVs of `content`, keeping the first occurrence of each field number.
///
/// At the top level, until the first field is found, the walk advances one byte at a time over
/// anything that is not a field: the unknown prefix may be garbage whose bytes merely look like
/// a TLV long enough to swallow field 1. Once a field is found, unknown TLVs are skipped whole
/// and a parse error means the file is damaged. Inside wrappers the walk is strict.
fn collect_fields<'a>(
    content: &'a [u8],
    depth: usize,
    fields: &mut BTreeMap<u64, Vec<Tlv<'a>>>,
) -> Result<(), Dg13Error> {
    let may_scan = depth == 0;
    let mut position = 0usize;
    let mut last_field: Option<u64> = None;
    while position < content.len() {
        let tlv = match ber::parse_tlv(&content[position..]) {
            Ok((tlv, _)) => tlv,
            Err(source) => match last_field {
                Some(after_field) => {
                    return Err(Dg13Error::Truncated {
                        after_field,
                        source,
                    });
                }
                None if may_scan => {
                    position += 1;
                    continue;
                }
                None => return Err(Dg13Error::Malformed { source }),
            },
        };
        if let Some((number, values)) = as_field(&tlv) {
            fields.entry(number).or_insert(values);
            last_field = Some(number);
        } else if let Some(nested) = wrapped_fields(&tlv, depth) {
            last_field = nested.keys().next_back().copied().or(last_field);
            for (number, values) in nested {
                fields.entry(number).or_insert(values);
            }
        } else if last_field.is_none() && may_scan {
            position += 1;
            continue;
        }
        position += tlv.encoded().len();
    }
    Ok(())
}

/// The fields inside a constructed element of unknown purpose, if it holds any.
fn wrapped_fields<'a>(tlv: &Tlv<'a>, depth: usize) -> Option<BTreeMap<u64, Vec<Tlv<'a>>>> {
    if !tlv.tag().is_constructed() || depth >= MAX_WRAPPER_DEPTH {
        return None;
    }
    let mut nested = BTreeMap::new();
    collect_fields(tlv.value(), depth + 1, &mut nested).ok()?;
    (!nested.is_empty()).then_some(nested)
}

fn is_text_tag(tag: Tag) -> bool {
    [
        Tag::UTF8_STRING,
        Tag::PRINTABLE_STRING,
        Tag::IA5_STRING,
        Tag(0x12), // NumericString
        Tag(0x14), // T61String
        Tag(0x1A), // VisibleString
        BMP_STRING,
    ]
    .contains(&tag)
}

fn decode_text(field: u64, tlv: &Tlv<'_>) -> Result<String, Dg13Error> {
    if tlv.tag() == BMP_STRING {
        let units: Vec<u16> = tlv
            .value()
            .chunks(2)
            .map(|pair| match pair {
                [high, low] => Ok(u16::from_be_bytes([*high, *low])),
                _ => Err(Dg13Error::InvalidText { field }),
            })
            .collect::<Result<_, _>>()?;
        return String::from_utf16(&units).map_err(|_| Dg13Error::InvalidText { field });
    }
    String::from_utf8(tlv.value().to_vec()).map_err(|_| Dg13Error::InvalidText { field })
}

/// The first string among the values, looking into nested sequences; empty text counts as
/// absent.
fn first_text(field: u64, values: &[Tlv<'_>]) -> Result<Option<String>, Dg13Error> {
    for value in values {
        if is_text_tag(value.tag()) {
            let text = decode_text(field, value)?;
            let trimmed = text.trim();
            if !trimmed.is_empty() {
                return Ok(Some(trimmed.to_owned()));
            }
        } else if value.tag().is_constructed() {
            let nested: Vec<Tlv<'_>> = value
                .children()
                .and_then(Iterator::collect)
                .map_err(|source| Dg13Error::Field { field, source })?;
            if let Some(text) = first_text(field, &nested)? {
                return Ok(Some(text));
            }
        }
    }
    Ok(None)
}

/// Field 13: the father's then the mother's name, each in its own nested sequence (an empty
/// sequence keeps its place, so a missing father does not turn the mother into the father).
fn parents(values: &[Tlv<'_>]) -> Result<(Option<String>, Option<String>), Dg13Error> {
    const FIELD: u64 = 13;
    let mut slots: Vec<Option<String>> = Vec::new();
    let mut pending: Vec<Tlv<'_>> = values.to_vec();
    // One enclosing sequence that itself holds the two person sequences is unwrapped.
    if let [single] = pending.as_slice()
        && single.tag() == Tag::SEQUENCE
    {
        let inner: Vec<Tlv<'_>> = TlvIter::new(single.value())
            .collect::<Result<_, _>>()
            .map_err(|source| Dg13Error::Field {
                field: FIELD,
                source,
            })?;
        if inner.len() >= 2 && inner.iter().all(|tlv| tlv.tag().is_constructed()) {
            pending = inner;
        }
    }
    for value in &pending {
        slots.push(first_text(FIELD, std::slice::from_ref(value))?);
    }
    let mut slots = slots.into_iter();
    Ok((slots.next().flatten(), slots.next().flatten()))
}

fn card_date(text: String) -> CardDate {
    match CivilDate::parse_dd_mm_yyyy(&text) {
        Ok(date) => CardDate::Date(date),
        Err(_) => CardDate::Text(text),
    }
}

fn card_expiry(text: String) -> CardExpiry {
    // Both composed (NFC) and decomposed (NFD) spellings of "Không thời hạn".
    const NO_EXPIRY: [&str; 2] = [
        "không thời hạn",
        "kho\u{302}ng tho\u{31B}\u{300}i ha\u{323}n",
    ];
    if let Ok(date) = CivilDate::parse_dd_mm_yyyy(&text) {
        return CardExpiry::Date(date);
    }
    let lowered = text.to_lowercase();
    if NO_EXPIRY.contains(&lowered.as_str()) {
        CardExpiry::NoExpiry
    } else {
        CardExpiry::Text(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::icao::testdata;

    fn date(year: u16, month: u8, day: u8) -> CivilDate {
        CivilDate::new(year, month, day).unwrap()
    }

    #[test]
    fn parses_the_realistic_fixture() {
        let data = parse_dg13(testdata::DG13).unwrap();
        assert_eq!(data.personal_id.as_deref(), Some("001085012345"));
        assert_eq!(data.full_name.as_deref(), Some("Lê Văn Hùng"));
        assert_eq!(data.date_of_birth, Some(CardDate::Date(date(1985, 8, 12))));
        assert_eq!(data.sex.as_deref(), Some("Nam"));
        assert_eq!(data.nationality.as_deref(), Some("Việt Nam"));
        assert_eq!(data.ethnicity.as_deref(), Some("Kinh"));
        assert_eq!(data.religion.as_deref(), Some("Không"));
        assert_eq!(
            data.place_of_origin.as_deref(),
            Some("Xã Đông Hội, huyện Đông Anh, thành phố Hà Nội")
        );
        let residence = data.place_of_residence.unwrap();
        assert!(residence.len() > 127, "long-form length exercised");
        assert!(residence.starts_with("Số nhà 18, ngách 12/34"));
        assert!(residence.ends_with("thành phố Hà Nội"));
        assert_eq!(
            data.identifying_marks.as_deref(),
            Some("Nốt ruồi C:1cm trên trước đầu mày phải")
        );
        assert_eq!(data.issue_date, Some(CardDate::Date(date(2021, 4, 10))));
        assert_eq!(data.expiry, Some(CardExpiry::Date(date(2025, 8, 12))));
        assert_eq!(data.father_name.as_deref(), Some("Lê Văn Thành"));
        assert_eq!(data.mother_name.as_deref(), Some("Nguyễn Thị Lan"));
        assert_eq!(data.spouse_name, None, "empty sequence means no spouse");
        assert_eq!(data.old_id_number.as_deref(), Some("012345678"));
        assert_eq!(data.field_16.as_deref(), Some("TESTONLY00000016"));
    }

    fn tlv(tag: u32, value: &[u8]) -> Vec<u8> {
        ber::encode_tlv(Tag(tag), value)
    }

    fn field(number: u8, values: &[Vec<u8>]) -> Vec<u8> {
        let mut content = tlv(0x02, &[number]);
        for value in values {
            content.extend_from_slice(value);
        }
        tlv(0x30, &content)
    }

    fn utf8(text: &str) -> Vec<u8> {
        tlv(0x0C, text.as_bytes())
    }

    fn dg13(parts: &[Vec<u8>]) -> Vec<u8> {
        tlv(0x6D, &parts.concat())
    }

    #[test]
    fn skips_unknown_leading_bytes_and_unknown_fields() {
        let file = dg13(&[
            vec![0xFF, 0x00, 0x13], // not even a TLV
            tlv(0x04, b"opaque"),
            field(2, &[utf8("Trần Thị Bảo Ngọc")]),
            field(42, &[utf8("future field")]),
            field(12, &[utf8("Không thời hạn")]),
            field(4, &[utf8("Nữ")]),
        ]);
        let data = parse_dg13(&file).unwrap();
        assert_eq!(data.full_name.as_deref(), Some("Trần Thị Bảo Ngọc"));
        assert_eq!(data.sex.as_deref(), Some("Nữ"));
        assert_eq!(data.expiry, Some(CardExpiry::NoExpiry));
        assert_eq!(data.personal_id, None);
        assert_eq!(data.spouse_name, None, "missing field 14");
        assert_eq!(data.father_name, None);
    }

    #[test]
    fn reads_fields_inside_a_wrapper_and_decomposed_text() {
        let file = dg13(&[tlv(
            0x30,
            &[
                field(1, &[tlv(0x13, b"079203000111")]),
                field(12, &[utf8("Kho\u{302}ng tho\u{31B}\u{300}i ha\u{323}n")]),
                field(14, &[tlv(0x30, &utf8("Phạm Văn An"))]),
            ]
            .concat(),
        )]);
        let data = parse_dg13(&file).unwrap();
        assert_eq!(data.personal_id.as_deref(), Some("079203000111"));
        assert_eq!(data.expiry, Some(CardExpiry::NoExpiry));
        assert_eq!(data.spouse_name.as_deref(), Some("Phạm Văn An"));
    }

    #[test]
    fn keeps_parent_order_when_the_father_is_missing() {
        let file = dg13(&[field(13, &[tlv(0x30, &[]), tlv(0x30, &utf8("Đỗ Thị Hoa"))])]);
        let data = parse_dg13(&file).unwrap();
        assert_eq!(data.father_name, None);
        assert_eq!(data.mother_name.as_deref(), Some("Đỗ Thị Hoa"));

        let enclosed = dg13(&[field(
            13,
            &[tlv(
                0x30,
                &[tlv(0x30, &utf8("Bố")), tlv(0x30, &utf8("Mẹ"))].concat(),
            )],
        )]);
        let data = parse_dg13(&enclosed).unwrap();
        assert_eq!(data.father_name.as_deref(), Some("Bố"));
        assert_eq!(data.mother_name.as_deref(), Some("Mẹ"));
    }

    #[test]
    fn keeps_unparseable_dates_as_text() {
        let file = dg13(&[
            field(3, &[utf8("00/00/1970")]),
            field(12, &[utf8("sắp hết")]),
        ]);
        let data = parse_dg13(&file).unwrap();
        assert_eq!(
            data.date_of_birth,
            Some(CardDate::Text("00/00/1970".to_owned()))
        );
        assert_eq!(data.expiry, Some(CardExpiry::Text("sắp hết".to_owned())));
    }

    #[test]
    fn rejects_malformed_files() {
        // Truncated: the outer length promises more than there is.
        let fixture = testdata::DG13;
        for cut in [0, 1, 3, 10, fixture.len() / 2, fixture.len() - 1] {
            assert!(parse_dg13(&fixture[..cut]).is_err(), "cut at {cut}");
        }
        // Wrong outer tag.
        let mut wrong_tag = fixture.to_vec();
        wrong_tag[0] = 0x6E;
        assert!(matches!(parse_dg13(&wrong_tag), Err(Dg13Error::File(_))));
        // Right tag, nothing recognisable inside.
        assert_eq!(
            parse_dg13(&dg13(&[tlv(0x04, b"x")])),
            Err(Dg13Error::NoFields)
        );
        // A field whose inner length overruns, after a good field.
        let damaged = dg13(&[field(1, &[utf8("1")]), vec![0x30, 0x10, 0x02, 0x01]]);
        assert!(matches!(
            parse_dg13(&damaged),
            Err(Dg13Error::Truncated { after_field: 1, .. })
        ));
        // Invalid UTF-8 in a text field.
        let bad_text = dg13(&[field(2, &[tlv(0x0C, &[0xC3, 0x28])])]);
        assert_eq!(
            parse_dg13(&bad_text),
            Err(Dg13Error::InvalidText { field: 2 })
        );
    }

    #[test]
    fn never_panics_on_mutated_fixtures() {
        let mut rng = crate::icao::test_rng::SplitMix64::new(0xD613);
        for _ in 0..3_000 {
            let mut bytes = testdata::DG13.to_vec();
            for _ in 0..(rng.next_u64() % 6 + 1) {
                let index = (rng.next_u64() as usize) % bytes.len();
                bytes[index] = rng.next_u64() as u8;
            }
            let cut = (rng.next_u64() as usize) % (bytes.len() + 1);
            let _ = parse_dg13(&bytes[..cut]);
            let _ = parse_dg13(&bytes);
        }
    }
}
