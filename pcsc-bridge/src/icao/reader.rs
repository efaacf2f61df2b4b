//! Reading a CCCD over any [`Transport`]: select the LDS application, open a BAC session, then
//! select and read the requested files through secure messaging.
//!
//! Authentication is a separate step that yields a [`SecureChannel`], so PACE can later be added
//! beside BAC without touching the file reading.

use std::collections::BTreeMap;

use thiserror::Error;

use super::bac::{self, BacError, BacKeys, BacNonces};
use super::ber::{self, BerError, Tag};
use super::lds::ElementaryFile;
use super::mrz::{BacKeyCandidate, DocumentNumberForm, MrzError};
use super::secure_messaging::{SecureChannel, SmError};
use super::transport::{
    self, ApduError, CommandApdu, Response, StatusWord, Transport, TransportError,
};

/// The eMRTD LDS1 application identifier.
pub const LDS_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];
/// Plaintext bytes per READ BINARY: 0xDF keeps the protected response within a short APDU.
pub const DEFAULT_CHUNK_LEN: usize = 0xDF;
/// Largest chunk whose protected response (DO'87' + DO'99' + DO'8E') still fits 256 bytes.
pub const MAX_SHORT_CHUNK_LEN: usize = 0xE7;
/// Largest chunk asked with extended length, leaving room for the secure messaging objects.
pub const MAX_EXTENDED_CHUNK_LEN: usize = 0xFF00;
/// Offsets above this do not fit P1-P2 of READ BINARY (B0) and need B1 with DO'54'.
const MAX_EVEN_OFFSET: usize = 0x7FFF;
/// Enough for the tag and a length of up to 2 bytes, the usual LDS header.
const HEADER_PROBE_LEN: usize = 4;
/// Largest tag (2 bytes) plus largest length (5 bytes).
const MAX_HEADER_LEN: usize = 8;
/// No LDS file of an ID card comes near this; a larger length means a corrupt header.
pub const MAX_FILE_LEN: usize = 1 << 20;

/// Source of the terminal's randomness; the daemon uses the OS generator.
pub trait RandomSource {
    fn fill(&mut self, buffer: &mut [u8]);
}

/// What the clerk's desk can be told. Every variant has a stable code and a message in
/// Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{} / {}", self.message_vi(), self.message_en())]
pub enum ReaderError {
    NoAccessKeys,
    InvalidAccessKeys(MrzError),
    NotAnIdCard,
    AuthenticationFailed,
    AccessDenied {
        file: ElementaryFile,
    },
    FileNotFound {
        file: ElementaryFile,
    },
    CardRemoved,
    Reader {
        detail: String,
    },
    SecureMessaging {
        detail: String,
    },
    UnexpectedStatus {
        step: String,
        status: StatusWord,
    },
    MalformedFile {
        file: ElementaryFile,
        detail: String,
    },
    FileTooLarge {
        file: ElementaryFile,
        length: usize,
    },
}

impl ReaderError {
    /// Stable identifier for the desk UI and logs; never changes once published.
    pub fn code(&self) -> &'static str {
        match self {
            ReaderError::NoAccessKeys => "card_no_access_keys",
            ReaderError::InvalidAccessKeys(_) => "card_access_keys_invalid",
            ReaderError::NotAnIdCard => "card_not_an_id_card",
            ReaderError::AuthenticationFailed => "card_mrz_mismatch",
            ReaderError::AccessDenied { .. } => "card_access_denied",
            ReaderError::FileNotFound { .. } => "card_file_not_found",
            ReaderError::CardRemoved => "card_removed",
            ReaderError::Reader { .. } => "card_reader_error",
            ReaderError::SecureMessaging { .. } => "card_secure_messaging_error",
            ReaderError::UnexpectedStatus { .. } => "card_unexpected_status",
            ReaderError::MalformedFile { .. } => "card_file_malformed",
            ReaderError::FileTooLarge { .. } => "card_file_too_large",
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            ReaderError::NoAccessKeys => {
                "Chưa có thông tin để mở chip: cần số thẻ, ngày sinh và ngày hết hạn".to_owned()
            }
            ReaderError::InvalidAccessKeys(error) => {
                format!("Thông tin MRZ không hợp lệ ({error}); hãy kiểm tra lại")
            }
            ReaderError::NotAnIdCard => {
                "Thẻ này không phải thẻ căn cước gắn chip (không có ứng dụng ICAO)".to_owned()
            }
            ReaderError::AuthenticationFailed => "Chip từ chối: số thẻ, ngày sinh hoặc ngày hết \
                                                  hạn không khớp với thẻ; hãy kiểm tra lại"
                .to_owned(),
            ReaderError::AccessDenied { file } => {
                format!("Chip không cho phép đọc {file}")
            }
            ReaderError::FileNotFound { file } => format!("Thẻ không có {file}"),
            ReaderError::CardRemoved => {
                "Thẻ đã bị nhấc ra khi đang đọc; hãy đặt thẻ lại và đọc lại".to_owned()
            }
            ReaderError::Reader { detail } => format!("Lỗi đầu đọc thẻ ({detail})"),
            ReaderError::SecureMessaging { detail } => {
                format!("Lỗi kênh bảo mật với chip ({detail}); hãy đặt thẻ lại và đọc lại")
            }
            ReaderError::UnexpectedStatus { step, status } => {
                format!("Chip trả lời bất thường ở bước {step} (mã {status})")
            }
            ReaderError::MalformedFile { file, detail } => {
                format!("Dữ liệu {file} trong chip bị sai cấu trúc ({detail})")
            }
            ReaderError::FileTooLarge { file, length } => {
                format!("{file} dài bất thường ({length} byte)")
            }
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            ReaderError::NoAccessKeys => {
                "No data to open the chip: the document number, date of birth and date of \
                 expiry are needed"
                    .to_owned()
            }
            ReaderError::InvalidAccessKeys(error) => {
                format!("The MRZ data is invalid ({error}); please check it")
            }
            ReaderError::NotAnIdCard => {
                "This card is not a chip ID card (no ICAO application)".to_owned()
            }
            ReaderError::AuthenticationFailed => "The chip refused access: the document number, \
                                                  date of birth or date of expiry does not match \
                                                  the card; please check them"
                .to_owned(),
            ReaderError::AccessDenied { file } => format!("The chip does not allow reading {file}"),
            ReaderError::FileNotFound { file } => format!("The card has no {file}"),
            ReaderError::CardRemoved => {
                "The card was removed during reading; place it again and retry".to_owned()
            }
            ReaderError::Reader { detail } => format!("Card reader failure ({detail})"),
            ReaderError::SecureMessaging { detail } => {
                format!(
                    "Secure messaging with the chip failed ({detail}); place the card again and retry"
                )
            }
            ReaderError::UnexpectedStatus { step, status } => {
                format!("Unexpected chip answer during {step} (status {status})")
            }
            ReaderError::MalformedFile { file, detail } => {
                format!("{file} on the chip is malformed ({detail})")
            }
            ReaderError::FileTooLarge { file, length } => {
                format!("{file} is implausibly long ({length} bytes)")
            }
        }
    }
}

impl From<TransportError> for ReaderError {
    fn from(error: TransportError) -> Self {
        match error {
            TransportError::CardRemoved => ReaderError::CardRemoved,
            TransportError::Reader(detail) => ReaderError::Reader { detail },
        }
    }
}

impl From<SmError> for ReaderError {
    fn from(error: SmError) -> Self {
        ReaderError::SecureMessaging {
            detail: error.to_string(),
        }
    }
}

impl From<ApduError> for ReaderError {
    fn from(error: ApduError) -> Self {
        ReaderError::SecureMessaging {
            detail: error.to_string(),
        }
    }
}

impl From<BacError> for ReaderError {
    fn from(error: BacError) -> Self {
        match error {
            BacError::Transport(transport_error) => transport_error.into(),
            BacError::Mrz(mrz_error) => ReaderError::InvalidAccessKeys(mrz_error),
            BacError::KeysRejected(_) => ReaderError::AuthenticationFailed,
            BacError::UnexpectedStatus { step, status } => ReaderError::UnexpectedStatus {
                step: step.to_owned(),
                status,
            },
            other => ReaderError::SecureMessaging {
                detail: other.to_string(),
            },
        }
    }
}

/// The files to read. EF.COM, DG1, DG13 and EF.SOD by default; the face image (DG2) only when
/// asked, since it is sensitive and slow to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRequest {
    files: Vec<ElementaryFile>,
}

impl ReadRequest {
    pub fn standard() -> Self {
        ReadRequest {
            files: vec![
                ElementaryFile::Com,
                ElementaryFile::Dg1,
                ElementaryFile::Dg13,
                ElementaryFile::Sod,
            ],
        }
    }

    pub fn only(files: &[ElementaryFile]) -> Self {
        ReadRequest { files: Vec::new() }.with_files(files)
    }

    pub fn with_face_image(self) -> Self {
        self.with_files(&[ElementaryFile::Dg2])
    }

    pub fn with_files(mut self, files: &[ElementaryFile]) -> Self {
        for file in files {
            if !self.files.contains(file) {
                self.files.push(*file);
            }
        }
        self
    }

    pub fn files(&self) -> &[ElementaryFile] {
        &self.files
    }
}

/// The raw files read from a card and which document-number form opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRead {
    pub opened_with: DocumentNumberForm,
    files: BTreeMap<ElementaryFile, Vec<u8>>,
}

impl CardRead {
    pub fn file(&self, file: ElementaryFile) -> Option<&[u8]> {
        self.files.get(&file).map(Vec::as_slice)
    }

    /// Data group number → content, for passive authentication.
    pub fn data_groups(&self) -> BTreeMap<u8, &[u8]> {
        self.files
            .iter()
            .filter_map(|(file, content)| Some((file.data_group()?, content.as_slice())))
            .collect()
    }
}

/// Opens the card with the first candidate it accepts and reads the requested files.
pub fn read_card(
    transport: &mut dyn Transport,
    candidates: &[BacKeyCandidate],
    random: &mut dyn RandomSource,
    request: &ReadRequest,
) -> Result<CardRead, ReaderError> {
    let (mut session, opened_with) = open_with_bac(transport, candidates, random)?;
    let mut files = BTreeMap::new();
    for file in request.files() {
        let content = session.read_file(*file)?;
        files.insert(*file, content);
    }
    Ok(CardRead { opened_with, files })
}

fn send_plain(
    transport: &mut dyn Transport,
    command: &CommandApdu,
) -> Result<Response, ReaderError> {
    let raw = transport::exchange(transport, &command.to_bytes()?)?;
    Ok(Response::from_bytes(&raw)?)
}

/// SELECT of the LDS application by its AID.
pub fn select_lds_application(transport: &mut dyn Transport) -> Result<(), ReaderError> {
    let select = CommandApdu::new(0x00, 0xA4, 0x04, 0x0C).with_data(LDS_AID);
    let response = send_plain(transport, &select)?;
    match response.status {
        StatusWord::SUCCESS => Ok(()),
        StatusWord::FILE_NOT_FOUND => Err(ReaderError::NotAnIdCard),
        status => Err(ReaderError::UnexpectedStatus {
            step: "SELECT application".to_owned(),
            status,
        }),
    }
}

/// Tries each candidate in order (re-selecting the application before each attempt, since a
/// refused attempt may reset the chip's state) and reports which one opened the card.
pub fn open_with_bac<'t>(
    transport: &'t mut dyn Transport,
    candidates: &[BacKeyCandidate],
    random: &mut dyn RandomSource,
) -> Result<(ChipSession<'t>, DocumentNumberForm), ReaderError> {
    if candidates.is_empty() {
        return Err(ReaderError::NoAccessKeys);
    }
    for candidate in candidates {
        select_lds_application(transport)?;
        let keys = BacKeys::from_mrz(&candidate.mrz).map_err(ReaderError::InvalidAccessKeys)?;
        let mut nonces = BacNonces {
            rnd_ifd: [0; 8],
            k_ifd: [0; 16],
        };
        random.fill(&mut nonces.rnd_ifd);
        random.fill(&mut nonces.k_ifd);
        match bac::authenticate(transport, &keys, &nonces) {
            Ok(channel) => return Ok((ChipSession::new(transport, channel), candidate.form)),
            Err(BacError::KeysRejected(_)) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(ReaderError::AuthenticationFailed)
}

/// An authenticated session: every command goes through the secure channel.
pub struct ChipSession<'t> {
    transport: &'t mut dyn Transport,
    channel: SecureChannel,
    chunk_len: usize,
}

impl<'t> ChipSession<'t> {
    pub fn new(transport: &'t mut dyn Transport, channel: SecureChannel) -> Self {
        ChipSession {
            transport,
            channel,
            chunk_len: DEFAULT_CHUNK_LEN,
        }
    }

    /// Plaintext bytes asked per READ BINARY. Up to [`MAX_SHORT_CHUNK_LEN`] short APDUs are
    /// used; above it, up to [`MAX_EXTENDED_CHUNK_LEN`], extended length, which both the reader
    /// and the chip must support.
    pub fn with_chunk_len(mut self, chunk_len: usize) -> Self {
        self.chunk_len = chunk_len.clamp(1, MAX_EXTENDED_CHUNK_LEN);
        self
    }

    fn send(&mut self, command: &CommandApdu) -> Result<Response, ReaderError> {
        let protected = self.channel.protect(command)?;
        let raw = transport::exchange(self.transport, &protected.to_bytes()?)?;
        let response = self.channel.unprotect(&raw)?;
        match response.status {
            StatusWord::SM_OBJECTS_MISSING | StatusWord::SM_OBJECTS_INCORRECT => {
                Err(ReaderError::SecureMessaging {
                    detail: format!("the chip reported status {}", response.status),
                })
            }
            _ => Ok(response),
        }
    }

    pub fn select_file(&mut self, file: ElementaryFile) -> Result<(), ReaderError> {
        let select = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(file.fid().to_be_bytes());
        let response = self.send(&select)?;
        match response.status {
            StatusWord::SUCCESS => Ok(()),
            status => Err(file_status_error(file, "SELECT", status)),
        }
    }

    /// READ BINARY of up to `len` bytes at `offset` of the selected file; the card may return
    /// fewer when the file ends.
    pub fn read_binary(
        &mut self,
        file: ElementaryFile,
        offset: usize,
        len: usize,
    ) -> Result<Vec<u8>, ReaderError> {
        let odd = offset > MAX_EVEN_OFFSET;
        let command = if odd {
            CommandApdu::new(0x00, 0xB1, 0x00, 0x00)
                .with_data(offset_object(offset))
                .with_le(len)
        } else {
            let [p1, p2] = (offset as u16).to_be_bytes();
            CommandApdu::new(0x00, 0xB0, p1, p2).with_le(len)
        };
        let response = self.send(&command)?;
        match response.status {
            StatusWord::SUCCESS | StatusWord::END_OF_FILE => {}
            status => return Err(file_status_error(file, "READ BINARY", status)),
        }
        if !odd {
            return Ok(response.data);
        }
        if response.data.is_empty() {
            return Ok(Vec::new());
        }
        // B1 answers with the data inside a discretionary-data object '53'.
        let wrapped = ber::parse_first(&response.data)
            .and_then(|tlv| tlv.expect(Tag(0x53)))
            .map_err(|error| malformed(file, &error))?;
        Ok(wrapped.value().to_vec())
    }

    /// Selects a file and reads it whole: the first bytes give the length from the TLV header,
    /// the rest comes in chunks.
    pub fn read_file(&mut self, file: ElementaryFile) -> Result<Vec<u8>, ReaderError> {
        self.select_file(file)?;
        let mut content = self.read_binary(file, 0, HEADER_PROBE_LEN)?;
        let header = match ber::parse_header(&content) {
            Err(BerError::Truncated { .. }) if content.len() == HEADER_PROBE_LEN => {
                let rest =
                    self.read_binary(file, HEADER_PROBE_LEN, MAX_HEADER_LEN - HEADER_PROBE_LEN)?;
                content.extend_from_slice(&rest);
                ber::parse_header(&content)
            }
            other => other,
        }
        .map_err(|error| malformed(file, &error))?;
        let total = header
            .total_len()
            .filter(|total| *total <= MAX_FILE_LEN)
            .ok_or(ReaderError::FileTooLarge {
                file,
                length: header.value_len,
            })?;
        content.truncate(total);
        while content.len() < total {
            let wanted = self.chunk_len.min(total - content.len());
            let chunk = self.read_binary(file, content.len(), wanted)?;
            if chunk.is_empty() {
                return Err(ReaderError::MalformedFile {
                    file,
                    detail: format!("the file ends at {} of {total} bytes", content.len()),
                });
            }
            let take = chunk.len().min(total - content.len());
            content.extend_from_slice(&chunk[..take]);
        }
        Ok(content)
    }
}

/// DO'54': the offset as an unsigned big-endian number without leading zero bytes.
fn offset_object(offset: usize) -> Vec<u8> {
    let bytes = (offset as u32).to_be_bytes();
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(3);
    ber::encode_tlv(Tag(0x54), &bytes[start..])
}

fn malformed(file: ElementaryFile, error: &BerError) -> ReaderError {
    ReaderError::MalformedFile {
        file,
        detail: error.to_string(),
    }
}

fn file_status_error(file: ElementaryFile, step: &str, status: StatusWord) -> ReaderError {
    match status {
        StatusWord::FILE_NOT_FOUND => ReaderError::FileNotFound { file },
        StatusWord::SECURITY_STATUS_NOT_SATISFIED => ReaderError::AccessDenied { file },
        status => ReaderError::UnexpectedStatus {
            step: format!("{step} {file}"),
            status,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::icao::mrz::{self, MrzInfo};
    use crate::icao::testcard::SoftCard;
    use crate::icao::testdata;
    use crate::icao::{dg13, lds};

    /// Counter-based "randomness": deterministic, and different for every call.
    struct CountingRandom(u8);

    impl RandomSource for CountingRandom {
        fn fill(&mut self, buffer: &mut [u8]) {
            for byte in buffer.iter_mut() {
                self.0 = self.0.wrapping_add(37);
                *byte = self.0;
            }
        }
    }

    fn nine_digit_access() -> MrzInfo {
        MrzInfo::new("085012345", "850812", "250812").unwrap()
    }

    fn cccd_card(access: &MrzInfo) -> SoftCard {
        SoftCard::new(access)
            .unwrap()
            .with_file(ElementaryFile::Com, testdata::EF_COM)
            .with_file(ElementaryFile::Dg1, testdata::DG1)
            .with_file(ElementaryFile::Dg2, testdata::DG2)
            .with_file(ElementaryFile::Dg13, testdata::DG13)
            .with_file(ElementaryFile::Sod, testdata::SOD_RSA_PKCS1V15)
    }

    fn candidates() -> Vec<BacKeyCandidate> {
        mrz::Td1Mrz::parse(testdata::CCCD_MRZ)
            .unwrap()
            .bac_candidates()
            .unwrap()
    }

    #[test]
    fn reads_the_standard_files_through_bac_and_secure_messaging() {
        let mut card = cccd_card(&nine_digit_access());
        let read = read_card(
            &mut card,
            &candidates(),
            &mut CountingRandom(1),
            &ReadRequest::standard(),
        )
        .unwrap();
        assert_eq!(read.opened_with, DocumentNumberForm::AsGiven);
        assert_eq!(read.file(ElementaryFile::Com), Some(testdata::EF_COM));
        assert_eq!(read.file(ElementaryFile::Dg1), Some(testdata::DG1));
        assert_eq!(
            read.file(ElementaryFile::Sod),
            Some(testdata::SOD_RSA_PKCS1V15)
        );
        // DG13 is longer than 256 bytes, with a long-form length: several chunks.
        assert!(testdata::DG13.len() > 256);
        assert_eq!(read.file(ElementaryFile::Dg13), Some(testdata::DG13));
        assert_eq!(read.file(ElementaryFile::Dg2), None, "DG2 only when asked");
        assert_eq!(
            read.data_groups().keys().copied().collect::<Vec<_>>(),
            vec![1, 13]
        );

        // The content is usable as read.
        let personal = dg13::parse_dg13(read.file(ElementaryFile::Dg13).unwrap()).unwrap();
        assert_eq!(personal.personal_id.as_deref(), Some("001085012345"));
        assert_eq!(
            lds::parse_ef_com(read.file(ElementaryFile::Com).unwrap())
                .unwrap()
                .data_groups,
            vec![1, 2, 13]
        );
        // Everything after BAC went through secure messaging (CLA 0C).
        let after_bac = card
            .received()
            .iter()
            .skip_while(|apdu| apdu[1] != 0x82)
            .skip(1);
        assert!(after_bac.clone().count() > 10);
        assert!(after_bac.clone().all(|apdu| apdu[0] == 0x0C));
        // DG13 alone needs several READ BINARY chunks.
        let reads = card
            .received()
            .iter()
            .filter(|apdu| apdu[1] == 0xB0)
            .count();
        assert!(reads >= 4, "DG13 alone takes 3 chunks after the header");
    }

    #[test]
    fn reads_dg2_only_when_asked() {
        let mut card = cccd_card(&nine_digit_access());
        let read = read_card(
            &mut card,
            &candidates(),
            &mut CountingRandom(2),
            &ReadRequest::only(&[ElementaryFile::Dg1]).with_face_image(),
        )
        .unwrap();
        assert_eq!(read.file(ElementaryFile::Dg2), Some(testdata::DG2));
        assert_eq!(read.file(ElementaryFile::Dg13), None);
    }

    #[test]
    fn falls_back_to_the_twelve_digit_number_and_records_it() {
        let twelve_digit_access = MrzInfo::new("001085012345", "850812", "250812").unwrap();
        let mut card = cccd_card(&twelve_digit_access);
        let read = read_card(
            &mut card,
            &candidates(),
            &mut CountingRandom(3),
            &ReadRequest::only(&[ElementaryFile::Dg1]),
        )
        .unwrap();
        assert_eq!(read.opened_with, DocumentNumberForm::AllTwelveDigits);
        assert_eq!(read.file(ElementaryFile::Dg1), Some(testdata::DG1));

        // The QR-code path offers last-9 then all-12 in that order.
        let birth = crate::icao::date::CivilDate::new(1985, 8, 12).unwrap();
        let expiry = crate::icao::date::CivilDate::new(2025, 8, 12).unwrap();
        let from_id = mrz::candidates_for_personal_id("001085012345", birth, expiry).unwrap();
        let mut card = cccd_card(&nine_digit_access());
        let read = read_card(
            &mut card,
            &from_id,
            &mut CountingRandom(4),
            &ReadRequest::only(&[ElementaryFile::Dg1]),
        )
        .unwrap();
        assert_eq!(read.opened_with, DocumentNumberForm::LastNineDigits);
    }

    #[test]
    fn a_wrong_mrz_is_an_authentication_failure() {
        let mut card = cccd_card(&nine_digit_access());
        let wrong = vec![BacKeyCandidate {
            form: DocumentNumberForm::AsGiven,
            mrz: MrzInfo::new("085012345", "850812", "300812").unwrap(),
        }];
        let error = read_card(
            &mut card,
            &wrong,
            &mut CountingRandom(5),
            &ReadRequest::standard(),
        )
        .unwrap_err();
        assert_eq!(error, ReaderError::AuthenticationFailed);
        assert_eq!(error.code(), "card_mrz_mismatch");
        let shown = error.to_string();
        assert!(shown.starts_with("Chip từ chối"), "{shown}");
        assert!(shown.contains(" / The chip refused access"), "{shown}");
        assert_eq!(
            read_card(
                &mut card,
                &[],
                &mut CountingRandom(5),
                &ReadRequest::standard()
            )
            .unwrap_err(),
            ReaderError::NoAccessKeys
        );
    }

    #[test]
    fn the_card_refuses_plain_reads_before_bac() {
        let mut card = cccd_card(&nine_digit_access());
        select_lds_application(&mut card).unwrap();
        let select = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C)
            .with_data([0x01, 0x0D])
            .to_bytes()
            .unwrap();
        assert_eq!(card.transmit(&select).unwrap(), vec![0x69, 0x82]);
        let read = CommandApdu::new(0x00, 0xB0, 0x00, 0x00)
            .with_le(4)
            .to_bytes()
            .unwrap();
        assert_eq!(card.transmit(&read).unwrap(), vec![0x69, 0x82]);
    }

    #[test]
    fn maps_card_errors_to_typed_errors() {
        let access = nine_digit_access();
        let request_dg13 = ReadRequest::only(&[ElementaryFile::Dg13]);

        let mut without_dg13 = SoftCard::new(&access)
            .unwrap()
            .with_file(ElementaryFile::Dg1, testdata::DG1);
        let error = read_card(
            &mut without_dg13,
            &candidates(),
            &mut CountingRandom(6),
            &request_dg13,
        )
        .unwrap_err();
        assert_eq!(
            error,
            ReaderError::FileNotFound {
                file: ElementaryFile::Dg13
            }
        );
        assert_eq!(error.code(), "card_file_not_found");

        let mut denied = cccd_card(&access).deny_file(ElementaryFile::Dg13);
        let error = read_card(
            &mut denied,
            &candidates(),
            &mut CountingRandom(7),
            &request_dg13,
        )
        .unwrap_err();
        assert_eq!(
            error,
            ReaderError::AccessDenied {
                file: ElementaryFile::Dg13
            }
        );

        // Removed after BAC and a few reads: the error says so, whatever the step.
        for removal_point in [1, 3, 6, 9] {
            let mut removed = cccd_card(&access).remove_after_apdus(removal_point);
            let error = read_card(
                &mut removed,
                &candidates(),
                &mut CountingRandom(8),
                &ReadRequest::standard(),
            )
            .unwrap_err();
            assert_eq!(
                error,
                ReaderError::CardRemoved,
                "after {removal_point} APDUs"
            );
        }
    }

    struct NotAnIcaoCard;

    impl Transport for NotAnIcaoCard {
        fn transmit(&mut self, _command_apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            Ok(vec![0x6A, 0x82])
        }
    }

    struct OddStatusCard;

    impl Transport for OddStatusCard {
        fn transmit(&mut self, _command_apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            Ok(vec![0x6F, 0x00])
        }
    }

    #[test]
    fn reports_foreign_cards_and_odd_statuses() {
        let error = read_card(
            &mut NotAnIcaoCard,
            &candidates(),
            &mut CountingRandom(9),
            &ReadRequest::standard(),
        )
        .unwrap_err();
        assert_eq!(error, ReaderError::NotAnIdCard);
        let error = read_card(
            &mut OddStatusCard,
            &candidates(),
            &mut CountingRandom(9),
            &ReadRequest::standard(),
        )
        .unwrap_err();
        assert!(matches!(error, ReaderError::UnexpectedStatus { .. }));
        assert!(error.to_string().contains("6F00"));
    }

    /// A 40 000-byte file needs offsets above 0x7FFF: READ BINARY B1 with DO'54'.
    #[test]
    fn reads_past_32_kib_with_the_odd_instruction() {
        let mut large = vec![0x75, 0x82, 0x9C, 0x40];
        large.extend((0..40_000u32).map(|i| (i % 251) as u8));
        let mut card = SoftCard::new(&nine_digit_access())
            .unwrap()
            .with_file(ElementaryFile::Dg2, large.clone());
        let read = read_card(
            &mut card,
            &candidates(),
            &mut CountingRandom(10),
            &ReadRequest::only(&[ElementaryFile::Dg2]),
        )
        .unwrap();
        let content = read.file(ElementaryFile::Dg2).unwrap();
        assert_eq!(content.len(), large.len());
        assert!(content == large.as_slice(), "content differs");
        assert!(card.received().iter().any(|apdu| apdu[1] == 0xB1));
        assert_eq!(offset_object(0x8000), vec![0x54, 0x02, 0x80, 0x00]);
        assert_eq!(offset_object(0x01_0000), vec![0x54, 0x03, 0x01, 0x00, 0x00]);
    }

    #[test]
    fn reads_with_extended_length_when_configured() {
        let mut card = cccd_card(&nine_digit_access());
        let mut random = CountingRandom(14);
        let (session, _) = open_with_bac(&mut card, &candidates(), &mut random).unwrap();
        let dg13 = session
            .with_chunk_len(1000)
            .read_file(ElementaryFile::Dg13)
            .unwrap();
        assert_eq!(dg13, testdata::DG13);
        let reads: Vec<&Vec<u8>> = card
            .received()
            .iter()
            .filter(|apdu| apdu[1] == 0xB0)
            .collect();
        assert_eq!(
            reads.len(),
            2,
            "the header probe, then the rest in one read"
        );
        // Extended: Lc is 00 xx xx and Le is 00 00.
        assert_eq!(reads[1][4], 0x00);
        assert_eq!(&reads[1][reads[1].len() - 2..], &[0x00, 0x00]);
    }

    /// A chip that returns fewer bytes than asked is still read to the end.
    #[test]
    fn tolerates_short_chunks() {
        let mut card = cccd_card(&nine_digit_access()).limit_response_data(100);
        let read = read_card(
            &mut card,
            &candidates(),
            &mut CountingRandom(11),
            &ReadRequest::only(&[ElementaryFile::Dg13]),
        )
        .unwrap();
        assert_eq!(read.file(ElementaryFile::Dg13), Some(testdata::DG13));
    }

    #[test]
    fn a_header_promising_too_much_is_reported() {
        let mut card = SoftCard::new(&nine_digit_access())
            .unwrap()
            .with_file(ElementaryFile::Dg13, vec![0x6D, 0x84, 0x7F, 0, 0, 0, 0, 0]);
        let error = read_card(
            &mut card,
            &candidates(),
            &mut CountingRandom(12),
            &ReadRequest::only(&[ElementaryFile::Dg13]),
        )
        .unwrap_err();
        assert!(matches!(error, ReaderError::FileTooLarge { .. }));

        let mut short = SoftCard::new(&nine_digit_access())
            .unwrap()
            .with_file(ElementaryFile::Dg13, vec![0x6D, 0x82, 0x01, 0x00, 0x30]);
        let error = read_card(
            &mut short,
            &candidates(),
            &mut CountingRandom(13),
            &ReadRequest::only(&[ElementaryFile::Dg13]),
        )
        .unwrap_err();
        assert!(
            matches!(error, ReaderError::MalformedFile { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn every_error_has_a_code_and_both_messages() {
        let samples = vec![
            ReaderError::NoAccessKeys,
            ReaderError::InvalidAccessKeys(MrzError::NotAPersonalIdNumber),
            ReaderError::NotAnIdCard,
            ReaderError::AuthenticationFailed,
            ReaderError::AccessDenied {
                file: ElementaryFile::Dg2,
            },
            ReaderError::FileNotFound {
                file: ElementaryFile::Dg13,
            },
            ReaderError::CardRemoved,
            ReaderError::Reader { detail: "x".into() },
            ReaderError::SecureMessaging { detail: "x".into() },
            ReaderError::UnexpectedStatus {
                step: "x".into(),
                status: StatusWord(0x6F00),
            },
            ReaderError::MalformedFile {
                file: ElementaryFile::Sod,
                detail: "x".into(),
            },
            ReaderError::FileTooLarge {
                file: ElementaryFile::Dg2,
                length: 1,
            },
        ];
        let mut codes: Vec<&str> = samples.iter().map(ReaderError::code).collect();
        for error in &samples {
            assert!(error.code().starts_with("card_"));
            assert!(!error.message_vi().is_empty());
            assert!(!error.message_en().is_empty());
            assert_ne!(error.message_vi(), error.message_en());
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), samples.len(), "codes are unique");
    }
}
