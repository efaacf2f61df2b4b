//! The QR code on the front of a CCCD: `ID|old ID|full name|ddmmyyyy|sex|address|issue ddmmyyyy`.
//! Scanning it gives everything BAC needs except the expiry date, which is proposed from the
//! date of birth and the issue date.

use thiserror::Error;

use super::date::{CivilDate, DateError};
use super::expiry::{self, ProposedExpiry};
use super::mrz::{self, BacKeyCandidate, MrzError};

/// Fields the format defines; later cards may append more, which are ignored.
const FIELD_COUNT: usize = 7;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QrError {
    #[error("the QR text has {0} fields, {FIELD_COUNT} are expected")]
    FieldCount(usize),
    #[error("the personal ID in the QR text is not 12 digits")]
    PersonalId,
    #[error("the {field} in the QR text: {source}")]
    Date {
        field: &'static str,
        source: DateError,
    },
    #[error("the QR text has no full name")]
    MissingName,
    #[error(transparent)]
    Mrz(#[from] MrzError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontQr {
    pub personal_id: String,
    /// The old 9-digit CMND number, when the holder had one.
    pub old_id_number: Option<String>,
    pub full_name: String,
    pub date_of_birth: CivilDate,
    pub sex: String,
    pub address: String,
    pub issue_date: CivilDate,
}

impl FrontQr {
    pub fn parse(text: &str) -> Result<Self, QrError> {
        let fields: Vec<&str> = text.trim().split('|').map(str::trim).collect();
        if fields.len() < FIELD_COUNT {
            return Err(QrError::FieldCount(fields.len()));
        }
        let personal_id = fields[0];
        if personal_id.len() != 12 || !personal_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(QrError::PersonalId);
        }
        if fields[2].is_empty() {
            return Err(QrError::MissingName);
        }
        let date = |field: &'static str, text: &str| {
            CivilDate::parse_ddmmyyyy(text).map_err(|source| QrError::Date { field, source })
        };
        Ok(FrontQr {
            personal_id: personal_id.to_owned(),
            old_id_number: Some(fields[1])
                .filter(|old| !old.is_empty())
                .map(str::to_owned),
            full_name: fields[2].to_owned(),
            date_of_birth: date("date of birth", fields[3])?,
            sex: fields[4].to_owned(),
            address: fields[5].to_owned(),
            issue_date: date("issue date", fields[6])?,
        })
    }

    pub fn proposed_expiry(&self) -> ProposedExpiry {
        expiry::propose_expiry(self.date_of_birth, self.issue_date)
    }

    /// BAC candidates for the expiry the clerk confirmed: last 9 digits, then all 12.
    pub fn bac_candidates(
        &self,
        date_of_expiry: CivilDate,
    ) -> Result<Vec<BacKeyCandidate>, QrError> {
        Ok(mrz::candidates_for_personal_id(
            &self.personal_id,
            self.date_of_birth,
            date_of_expiry,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::icao::mrz::DocumentNumberForm;

    const SAMPLE: &str = "001085012345|012345678|Lê Văn Hùng|12081985|Nam|Số nhà 18, ngách 12/34, \
                          phường Bồ Đề, quận Long Biên, thành phố Hà Nội|10042021";

    #[test]
    fn parses_the_front_qr_text() {
        let qr = FrontQr::parse(SAMPLE).unwrap();
        assert_eq!(qr.personal_id, "001085012345");
        assert_eq!(qr.old_id_number.as_deref(), Some("012345678"));
        assert_eq!(qr.full_name, "Lê Văn Hùng");
        assert_eq!(qr.date_of_birth, CivilDate::new(1985, 8, 12).unwrap());
        assert_eq!(qr.sex, "Nam");
        assert!(qr.address.starts_with("Số nhà 18"));
        assert_eq!(qr.issue_date, CivilDate::new(2021, 4, 10).unwrap());
    }

    #[test]
    fn proposes_expiry_and_builds_bac_candidates() {
        let qr = FrontQr::parse(SAMPLE).unwrap();
        let ProposedExpiry::On(expiry) = qr.proposed_expiry() else {
            panic!("a 35-year-old's card expires");
        };
        assert_eq!(expiry, CivilDate::new(2025, 8, 12).unwrap());
        let candidates = qr.bac_candidates(expiry).unwrap();
        assert_eq!(candidates[0].form, DocumentNumberForm::LastNineDigits);
        assert_eq!(
            candidates[0].mrz.key_seed_input().unwrap(),
            "085012345285081222508120"
        );
        assert_eq!(candidates[1].form, DocumentNumberForm::AllTwelveDigits);
    }

    #[test]
    fn accepts_a_missing_old_id_and_extra_fields() {
        let qr = FrontQr::parse("079203000111||Trần Thị Bảo Ngọc|01022010|Nữ|TP HCM|15052024|x")
            .unwrap();
        assert_eq!(qr.old_id_number, None);
        assert_eq!(qr.sex, "Nữ");
    }

    #[test]
    fn rejects_malformed_text() {
        assert_eq!(FrontQr::parse("a|b|c"), Err(QrError::FieldCount(3)));
        assert_eq!(
            FrontQr::parse("12345|x|Name|12081985|Nam|addr|10042021"),
            Err(QrError::PersonalId)
        );
        assert!(matches!(
            FrontQr::parse("001085012345||Name|32081985|Nam|addr|10042021"),
            Err(QrError::Date {
                field: "date of birth",
                ..
            })
        ));
        assert_eq!(
            FrontQr::parse("001085012345|||12081985|Nam|addr|10042021"),
            Err(QrError::MissingName)
        );
    }
}
