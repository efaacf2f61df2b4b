//! One verification, independent of how the card is reached: the clerk's MRZ or QR data
//! become BAC key candidates, the card is read (EF.COM, DG1, DG13, EF.SOD, DG2 when asked),
//! DG1 and DG13 are parsed, and passive authentication runs against the trust store.
//!
//! The daemon reaches the card through PC/SC; tests use a software card. Both implement
//! [`CardBackend`].

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

use crate::error::BridgeError;
use crate::icao::date::CivilDate;
use crate::icao::dg13::{self, PersonalData};
use crate::icao::expiry::ProposedExpiry;
use crate::icao::lds::{self, ElementaryFile};
use crate::icao::mrz::{BacKeyCandidate, DocumentNumberForm, MrzInfo, Td1Mrz};
use crate::icao::passive_auth::{self, PassiveAuthReport, SodError, TrustStore};
use crate::icao::qr::FrontQr;
use crate::icao::reader::{self, RandomSource, ReadRequest, ReaderError};
use crate::icao::transport::Transport;
use crate::protocol::{
    CardAccess, Dg1Fields, Dg13Fields, DocumentNumberFormWire, PassiveAuthWire, RESULT_FORMAT,
    VerificationResult,
};

/// The BAC key candidates for what the clerk typed or scanned, in the order to try them.
pub fn access_candidates(access: &CardAccess) -> Result<Vec<BacKeyCandidate>, BridgeError> {
    let invalid = |detail: String| BridgeError::InvalidAccess { detail };
    match access {
        CardAccess::Mrz { text } => Td1Mrz::parse(text)
            .and_then(|mrz| mrz.bac_candidates())
            .map_err(|error| invalid(error.to_string())),
        CardAccess::MrzFields {
            document_number,
            date_of_birth,
            date_of_expiry,
        } => {
            let number = document_number.trim();
            let make = |number: &str| {
                MrzInfo::new(number, date_of_birth.trim(), date_of_expiry.trim())
                    .map_err(|error| invalid(error.to_string()))
            };
            if number.len() == 12 && number.bytes().all(|b| b.is_ascii_digit()) {
                Ok(vec![
                    BacKeyCandidate {
                        form: DocumentNumberForm::LastNineDigits,
                        mrz: make(&number[3..])?,
                    },
                    BacKeyCandidate {
                        form: DocumentNumberForm::AllTwelveDigits,
                        mrz: make(number)?,
                    },
                ])
            } else {
                Ok(vec![BacKeyCandidate {
                    form: DocumentNumberForm::AsGiven,
                    mrz: make(number)?,
                }])
            }
        }
        CardAccess::Qr {
            text,
            date_of_expiry,
        } => {
            let qr = FrontQr::parse(text).map_err(|error| invalid(error.to_string()))?;
            let expiry = match date_of_expiry {
                Some(text) => CivilDate::parse_yymmdd(text.trim(), 20)
                    .map_err(|error| invalid(format!("date of expiry: {error}")))?,
                None => match qr.proposed_expiry() {
                    ProposedExpiry::On(date) => date,
                    ProposedExpiry::NoExpiry => return Err(BridgeError::ExpiryNeeded),
                },
            };
            qr.bac_candidates(expiry)
                .map_err(|error| invalid(error.to_string()))
        }
    }
}

/// BAC nonces from the operating system's generator, drawn up front so a generator failure
/// is an error and not a panic in the middle of BAC.
pub struct PrefilledRandom {
    pool: Vec<u8>,
    used: usize,
}

impl PrefilledRandom {
    /// Enough for BAC with up to four candidates (24 bytes each).
    pub const POOL_LEN: usize = 96;

    pub fn from_os() -> Result<Self, BridgeError> {
        let mut pool = vec![0u8; Self::POOL_LEN];
        rand_core::RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut pool).map_err(|error| {
            BridgeError::Internal {
                detail: format!("system random generator: {error}"),
            }
        })?;
        Ok(PrefilledRandom { pool, used: 0 })
    }
}

impl RandomSource for PrefilledRandom {
    fn fill(&mut self, buffer: &mut [u8]) {
        for byte in buffer.iter_mut() {
            if self.used == self.pool.len() {
                // Never reached with the pool size above; stretch the pool rather than repeat.
                self.pool = Sha256::digest(&self.pool).to_vec();
                self.used = 0;
            }
            *byte = self.pool[self.used];
            self.used += 1;
        }
    }
}

/// What one card read found.
#[derive(Debug, Clone)]
pub struct CardFindings {
    pub opened_with: DocumentNumberForm,
    pub document_number_digits: u8,
    pub dg1: Td1Mrz,
    pub dg13: PersonalData,
    pub passive_auth: Result<PassiveAuthReport, SodError>,
    pub data_groups_read: Vec<u8>,
    pub dg2: Option<Vec<u8>>,
}

impl CardFindings {
    /// The payload to sign for `challenge`.
    pub fn to_result(
        &self,
        bridge_id: &str,
        challenge: &str,
        timestamp: u64,
    ) -> VerificationResult {
        VerificationResult {
            format: RESULT_FORMAT.to_owned(),
            bridge_id: bridge_id.to_owned(),
            bridge_version: env!("CARGO_PKG_VERSION").to_owned(),
            challenge: challenge.to_owned(),
            timestamp,
            document_number_form: DocumentNumberFormWire::from(self.opened_with),
            document_number_digits: self.document_number_digits,
            dg1: Dg1Fields::from(&self.dg1),
            dg13: Dg13Fields::from(&self.dg13),
            passive_auth: match &self.passive_auth {
                Ok(report) => PassiveAuthWire::from_report(report),
                Err(error) => PassiveAuthWire::from_sod_error(error, &self.data_groups_read),
            },
            dg2: self.dg2.as_ref().map(|bytes| BASE64.encode(bytes)),
        }
    }

    pub fn verified(&self) -> bool {
        self.passive_auth
            .as_ref()
            .is_ok_and(PassiveAuthReport::verified)
    }
}

/// Reads and checks one card over `transport`.
pub fn read_and_check(
    transport: &mut dyn Transport,
    candidates: &[BacKeyCandidate],
    random: &mut dyn RandomSource,
    include_face_image: bool,
    trust_store: &TrustStore,
    today: CivilDate,
) -> Result<CardFindings, ReaderError> {
    let request = if include_face_image {
        ReadRequest::standard().with_face_image()
    } else {
        ReadRequest::standard()
    };
    let read = reader::read_card(transport, candidates, random, &request)?;
    let file = |file: ElementaryFile| read.file(file).ok_or(ReaderError::FileNotFound { file });
    let malformed =
        |file: ElementaryFile, detail: String| ReaderError::MalformedFile { file, detail };
    let dg1 = lds::parse_dg1(file(ElementaryFile::Dg1)?)
        .map_err(|error| malformed(ElementaryFile::Dg1, error.to_string()))?;
    let dg13 = dg13::parse_dg13(file(ElementaryFile::Dg13)?)
        .map_err(|error| malformed(ElementaryFile::Dg13, error.to_string()))?;
    let groups = read.data_groups();
    let passive_auth =
        passive_auth::verify(file(ElementaryFile::Sod)?, &groups, trust_store, today);
    let document_number_digits = candidates
        .iter()
        .find(|candidate| candidate.form == read.opened_with)
        .map_or(0, |candidate| {
            u8::try_from(candidate.mrz.document_number().len()).unwrap_or(u8::MAX)
        });
    Ok(CardFindings {
        opened_with: read.opened_with,
        document_number_digits,
        dg1,
        dg13,
        passive_auth,
        data_groups_read: groups.keys().copied().collect(),
        dg2: read.file(ElementaryFile::Dg2).map(<[u8]>::to_vec),
    })
}

/// What the daemon sees of its reader.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReaderStatus {
    pub readers: Vec<String>,
    pub reader: Option<String>,
    pub card_present: bool,
    pub error: Option<BridgeError>,
}

/// Everything one read needs besides the card.
#[derive(Debug, Clone)]
pub struct ReadJob {
    pub candidates: Vec<BacKeyCandidate>,
    pub include_face_image: bool,
    /// How long to wait for a card to be placed.
    pub wait_for_card: Duration,
    pub today: CivilDate,
}

/// A way to reach the card. Blocking: the daemon calls it from a blocking thread.
pub trait CardBackend: Send + Sync {
    fn status(&self) -> ReaderStatus;
    fn read(&self, job: &ReadJob, trust_store: &TrustStore) -> Result<CardFindings, BridgeError>;
}

/// A software card as backend (TEST ONLY), for API tests without PC/SC.
#[cfg(any(test, feature = "test-support"))]
pub mod soft {
    use std::sync::Mutex;

    use super::*;
    use crate::icao::testcard::SoftCard;

    pub struct SoftCardBackend {
        make_card: Box<dyn Fn() -> SoftCard + Send + Sync>,
        /// When set, the next read finds no card.
        absent: Mutex<bool>,
    }

    impl SoftCardBackend {
        pub fn new(make_card: impl Fn() -> SoftCard + Send + Sync + 'static) -> Self {
            SoftCardBackend {
                make_card: Box::new(make_card),
                absent: Mutex::new(false),
            }
        }

        pub fn set_absent(&self, absent: bool) {
            if let Ok(mut guard) = self.absent.lock() {
                *guard = absent;
            }
        }

        fn is_absent(&self) -> bool {
            self.absent.lock().map(|guard| *guard).unwrap_or(false)
        }
    }

    impl CardBackend for SoftCardBackend {
        fn status(&self) -> ReaderStatus {
            ReaderStatus {
                readers: vec!["Software card".to_owned()],
                reader: Some("Software card".to_owned()),
                card_present: !self.is_absent(),
                error: None,
            }
        }

        fn read(
            &self,
            job: &ReadJob,
            trust_store: &TrustStore,
        ) -> Result<CardFindings, BridgeError> {
            if self.is_absent() {
                return Err(BridgeError::NoCard);
            }
            let mut card = (self.make_card)();
            let mut random = PrefilledRandom::from_os()?;
            Ok(read_and_check(
                &mut card,
                &job.candidates,
                &mut random,
                job.include_face_image,
                trust_store,
                job.today,
            )?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::icao::testcard::SoftCard;
    use crate::icao::testdata;

    fn card(document_number: &str) -> SoftCard {
        SoftCard::new(&MrzInfo::new(document_number, "850812", "250812").unwrap())
            .unwrap()
            .with_file(ElementaryFile::Com, testdata::EF_COM)
            .with_file(ElementaryFile::Dg1, testdata::DG1)
            .with_file(ElementaryFile::Dg2, testdata::DG2)
            .with_file(ElementaryFile::Dg13, testdata::DG13)
            .with_file(ElementaryFile::Sod, testdata::SOD_RSA_PKCS1V15)
    }

    fn store() -> TrustStore {
        TrustStore::load_dir(&testdata::trust_store_dir()).unwrap()
    }

    fn today() -> CivilDate {
        CivilDate::new(2026, 12, 4).unwrap()
    }

    const QR: &str = "001085012345|012345678|Lê Văn Hùng|12081985|Nam|Hà Nội|10042021";

    #[test]
    fn builds_candidates_from_each_kind_of_access() {
        let mrz = access_candidates(&CardAccess::Mrz {
            text: testdata::CCCD_MRZ.to_owned(),
        })
        .unwrap();
        assert_eq!(mrz[0].form, DocumentNumberForm::AsGiven);
        let fields = access_candidates(&CardAccess::MrzFields {
            document_number: "001085012345".to_owned(),
            date_of_birth: "850812".to_owned(),
            date_of_expiry: "250812".to_owned(),
        })
        .unwrap();
        assert_eq!(
            fields.iter().map(|c| c.form).collect::<Vec<_>>(),
            vec![
                DocumentNumberForm::LastNineDigits,
                DocumentNumberForm::AllTwelveDigits
            ]
        );
        let qr = access_candidates(&CardAccess::Qr {
            text: QR.to_owned(),
            date_of_expiry: None,
        })
        .unwrap();
        assert_eq!(
            qr[0].mrz,
            MrzInfo::new("085012345", "850812", "250812").unwrap()
        );
        assert!(matches!(
            access_candidates(&CardAccess::Mrz {
                text: "garbage".to_owned()
            }),
            Err(BridgeError::InvalidAccess { .. })
        ));
        // Issued at 61: no expiry can be proposed.
        let late = "001085012345||Lê Văn Hùng|12081940|Nam|Hà Nội|10042021";
        assert_eq!(
            access_candidates(&CardAccess::Qr {
                text: late.to_owned(),
                date_of_expiry: None
            })
            .unwrap_err(),
            BridgeError::ExpiryNeeded
        );
    }

    #[test]
    fn reads_parses_and_authenticates() {
        let candidates = access_candidates(&CardAccess::Qr {
            text: QR.to_owned(),
            date_of_expiry: Some("250812".to_owned()),
        })
        .unwrap();
        let mut random = PrefilledRandom::from_os().unwrap();
        let findings = read_and_check(
            &mut card("001085012345"),
            &candidates,
            &mut random,
            true,
            &store(),
            today(),
        )
        .unwrap();
        assert_eq!(findings.opened_with, DocumentNumberForm::AllTwelveDigits);
        assert_eq!(findings.document_number_digits, 12);
        assert!(findings.verified());
        assert_eq!(findings.data_groups_read, vec![1, 2, 13]);
        let result = findings.to_result("br", "ch", 5);
        assert_eq!(
            result.document_number_form,
            DocumentNumberFormWire::AllTwelveDigits
        );
        assert_eq!(result.dg2, Some(BASE64.encode(testdata::DG2)));
        assert!(result.passive_auth.verified);
    }

    #[test]
    fn an_untrusted_sod_is_reported_not_hidden() {
        let candidates = access_candidates(&CardAccess::Mrz {
            text: testdata::CCCD_MRZ.to_owned(),
        })
        .unwrap();
        let mut random = PrefilledRandom::from_os().unwrap();
        let findings = read_and_check(
            &mut card("085012345"),
            &candidates,
            &mut random,
            false,
            &TrustStore::empty(),
            today(),
        )
        .unwrap();
        assert_eq!(findings.document_number_digits, 9);
        assert!(!findings.verified());
        let result = findings.to_result("br", "ch", 5);
        assert!(!result.passive_auth.verified);
        assert!(!result.passive_auth.chain_to_trusted_csca.passed);
        assert!(result.passive_auth.sod_signature.passed);
        assert_eq!(result.dg2, None);
    }

    #[test]
    fn the_random_pool_never_repeats_within_a_read() {
        let mut random = PrefilledRandom::from_os().unwrap();
        let mut first = [0u8; 96];
        random.fill(&mut first);
        let mut second = [0u8; 24];
        random.fill(&mut second);
        assert_ne!(&first[..24], &second[..]);
    }
}
