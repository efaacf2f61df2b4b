//! The files of the LDS application and the two small standard ones: EF.COM and DG1.

use std::fmt;

use thiserror::Error;

use super::ber::{self, BerError, Tag};
use super::mrz::{MrzError, Td1Mrz};

/// The elementary files a CCCD reader uses (ICAO 9303-10 file identifiers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ElementaryFile {
    Com,
    Sod,
    Dg1,
    Dg2,
    Dg13,
    Dg14,
    Dg15,
}

impl ElementaryFile {
    pub const ALL: [ElementaryFile; 7] = [
        ElementaryFile::Com,
        ElementaryFile::Sod,
        ElementaryFile::Dg1,
        ElementaryFile::Dg2,
        ElementaryFile::Dg13,
        ElementaryFile::Dg14,
        ElementaryFile::Dg15,
    ];

    pub const fn fid(self) -> u16 {
        match self {
            ElementaryFile::Com => 0x011E,
            ElementaryFile::Sod => 0x011D,
            ElementaryFile::Dg1 => 0x0101,
            ElementaryFile::Dg2 => 0x0102,
            ElementaryFile::Dg13 => 0x010D,
            ElementaryFile::Dg14 => 0x010E,
            ElementaryFile::Dg15 => 0x010F,
        }
    }

    /// The tag the file's content starts with.
    pub const fn tag(self) -> Tag {
        match self {
            ElementaryFile::Com => Tag(0x60),
            ElementaryFile::Sod => Tag(0x77),
            ElementaryFile::Dg1 => Tag(0x61),
            ElementaryFile::Dg2 => Tag(0x75),
            ElementaryFile::Dg13 => Tag(0x6D),
            ElementaryFile::Dg14 => Tag(0x6E),
            ElementaryFile::Dg15 => Tag(0x6F),
        }
    }

    /// The data group number, for files the SOD hashes.
    pub const fn data_group(self) -> Option<u8> {
        match self {
            ElementaryFile::Com | ElementaryFile::Sod => None,
            ElementaryFile::Dg1 => Some(1),
            ElementaryFile::Dg2 => Some(2),
            ElementaryFile::Dg13 => Some(13),
            ElementaryFile::Dg14 => Some(14),
            ElementaryFile::Dg15 => Some(15),
        }
    }

    pub fn from_fid(fid: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|file| file.fid() == fid)
    }

    pub const fn name(self) -> &'static str {
        match self {
            ElementaryFile::Com => "EF.COM",
            ElementaryFile::Sod => "EF.SOD",
            ElementaryFile::Dg1 => "DG1",
            ElementaryFile::Dg2 => "DG2",
            ElementaryFile::Dg13 => "DG13",
            ElementaryFile::Dg14 => "DG14",
            ElementaryFile::Dg15 => "DG15",
        }
    }
}

impl fmt::Display for ElementaryFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Data group number for a tag listed in EF.COM (ICAO 9303-10 table of LDS tags).
pub fn data_group_for_tag(tag: u8) -> Option<u8> {
    const TAGS: [u8; 16] = [
        0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F,
        0x70,
    ];
    TAGS.iter()
        .position(|known| *known == tag)
        .and_then(|index| u8::try_from(index + 1).ok())
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LdsError {
    #[error("{file}: {source}")]
    Ber {
        file: ElementaryFile,
        source: BerError,
    },
    #[error("{file}: {what} is missing")]
    Missing {
        file: ElementaryFile,
        what: &'static str,
    },
    #[error("{file}: {what} is not valid text")]
    NotText {
        file: ElementaryFile,
        what: &'static str,
    },
    #[error("DG1: {0}")]
    Mrz(#[from] MrzError),
}

/// Opens a file's outer TLV and checks its tag.
pub fn open_file(file: ElementaryFile, bytes: &[u8]) -> Result<ber::Tlv<'_>, LdsError> {
    let wrap = |source| LdsError::Ber { file, source };
    ber::parse_first(bytes)
        .map_err(wrap)?
        .expect(file.tag())
        .map_err(wrap)
}

/// EF.COM: LDS version, Unicode version and the data groups present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EfCom {
    /// "0107" means LDS 1.7.
    pub lds_version: Option<String>,
    pub unicode_version: Option<String>,
    pub data_groups: Vec<u8>,
}

pub fn parse_ef_com(bytes: &[u8]) -> Result<EfCom, LdsError> {
    let file = ElementaryFile::Com;
    let wrap = |source| LdsError::Ber { file, source };
    let com = open_file(file, bytes)?;
    let text = |tag: u32, what: &'static str| -> Result<Option<String>, LdsError> {
        match com.find_child(Tag(tag)).map_err(wrap)? {
            Some(tlv) => String::from_utf8(tlv.value().to_vec())
                .map(Some)
                .map_err(|_| LdsError::NotText { file, what }),
            None => Ok(None),
        }
    };
    let lds_version = text(0x5F01, "LDS version")?;
    let unicode_version = text(0x5F36, "Unicode version")?;
    let tag_list = com
        .find_child(Tag(0x5C))
        .map_err(wrap)?
        .ok_or(LdsError::Missing {
            file,
            what: "tag list (5C)",
        })?;
    let data_groups = tag_list
        .value()
        .iter()
        .filter_map(|tag| data_group_for_tag(*tag))
        .collect();
    Ok(EfCom {
        lds_version,
        unicode_version,
        data_groups,
    })
}

/// DG1: the MRZ (tag 5F1F) inside tag 61, here in the TD1 layout of ID cards.
pub fn parse_dg1(bytes: &[u8]) -> Result<Td1Mrz, LdsError> {
    let file = ElementaryFile::Dg1;
    let dg1 = open_file(file, bytes)?;
    let mrz = dg1
        .find_child(Tag(0x5F1F))
        .map_err(|source| LdsError::Ber { file, source })?
        .ok_or(LdsError::Missing {
            file,
            what: "MRZ (5F1F)",
        })?;
    let text =
        std::str::from_utf8(mrz.value()).map_err(|_| LdsError::NotText { file, what: "MRZ" })?;
    Ok(Td1Mrz::parse(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::icao::testdata;

    #[test]
    fn parses_ef_com() {
        let com = parse_ef_com(testdata::EF_COM).unwrap();
        assert_eq!(com.lds_version.as_deref(), Some("0107"));
        assert_eq!(com.unicode_version.as_deref(), Some("040000"));
        assert_eq!(com.data_groups, vec![1, 2, 13]);
        // The EF.COM of ICAO 9303-11 Appendix D.4 lists DG1 and DG2.
        let appendix = hex::decode("60145F0104303130365F36063034303030305C026175").unwrap();
        assert_eq!(parse_ef_com(&appendix).unwrap().data_groups, vec![1, 2]);
    }

    #[test]
    fn parses_dg1() {
        let mrz = parse_dg1(testdata::DG1).unwrap();
        assert_eq!(mrz.personal_id(), Some("001085012345"));
        assert_eq!(mrz.date_of_birth, "850812");
    }

    #[test]
    fn rejects_wrong_files() {
        assert!(matches!(
            parse_ef_com(testdata::DG1),
            Err(LdsError::Ber { .. })
        ));
        assert!(parse_dg1(&testdata::DG1[..40]).is_err());
        assert!(matches!(
            parse_ef_com(&[0x60, 0x03, 0x5F, 0x01, 0x00]),
            Err(LdsError::Missing { .. })
        ));
        assert_eq!(data_group_for_tag(0x6D), Some(13));
        assert_eq!(data_group_for_tag(0x77), None);
        assert_eq!(ElementaryFile::from_fid(0x010D), Some(ElementaryFile::Dg13));
    }
}
