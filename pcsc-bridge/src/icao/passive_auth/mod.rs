//! Passive authentication (ICAO 9303-11 §5.1): the data groups read from the chip hash to the
//! values in EF.SOD, EF.SOD is signed by the Document Signer (DS) certificate it carries, and
//! that certificate is signed by a CSCA the operator trusts.
//!
//! The report says which checks passed; `verified()` is derived from them, so a result whose
//! chain does not reach a trusted CSCA can never claim to be verified.

pub mod hash;
pub mod oids;
pub mod signature;
pub mod sod;
pub mod trust_store;
pub mod x509;

use std::collections::BTreeMap;

pub use hash::HashAlgorithm;
pub use sod::{Sod, SodError, parse_sod};
pub use trust_store::{SkippedFile, TrustStore, TrustStoreError};
pub use x509::{Certificate, CertificateSummary};

use super::date::CivilDate;

/// Outcome of one check, with the reason when it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Passed,
    Failed(String),
}

impl Check {
    pub fn passed(&self) -> bool {
        matches!(self, Check::Passed)
    }

    fn from_bool(passed: bool, reason: impl FnOnce() -> String) -> Self {
        if passed {
            Check::Passed
        } else {
            Check::Failed(reason())
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataGroupHash {
    Matches,
    Differs,
    /// The SOD has no hash for this data group, so nothing vouches for it.
    NotInSod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataGroupCheck {
    pub data_group: u8,
    pub hash: DataGroupHash,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassiveAuthReport {
    pub lds_hash_algorithm: HashAlgorithm,
    /// One entry per data group read, in number order.
    pub data_groups: Vec<DataGroupCheck>,
    /// The signed attributes' message digest equals the hash of the LDS security object and
    /// their content type is the LDS security object.
    pub signed_content_digest: Check,
    /// The SOD signature verifies with the DS certificate embedded in it.
    pub sod_signature: Check,
    /// The DS certificate is signed by a CSCA certificate from the trust store.
    pub chain_to_trusted_csca: Check,
    pub document_signer_validity: Check,
    pub csca_validity: Check,
    pub document_signer: Option<CertificateSummary>,
    /// The trusted CSCA that signed the DS certificate, when one did.
    pub csca: Option<CertificateSummary>,
}

impl PassiveAuthReport {
    /// Every SOD-level check passed: the hashes in the SOD can be believed.
    pub fn sod_trusted(&self) -> bool {
        [
            &self.signed_content_digest,
            &self.sod_signature,
            &self.chain_to_trusted_csca,
            &self.document_signer_validity,
            &self.csca_validity,
        ]
        .iter()
        .all(|check| check.passed())
    }

    /// The SOD is trusted and every data group read matches its hash.
    pub fn verified(&self) -> bool {
        self.sod_trusted()
            && !self.data_groups.is_empty()
            && self
                .data_groups
                .iter()
                .all(|check| check.hash == DataGroupHash::Matches)
    }

    /// Whether one data group may be shown as verified.
    pub fn data_group_verified(&self, data_group: u8) -> bool {
        self.sod_trusted()
            && self
                .data_groups
                .iter()
                .any(|check| check.data_group == data_group && check.hash == DataGroupHash::Matches)
    }
}

/// Runs passive authentication of the data groups read (number → file content) against EF.SOD,
/// with certificate validity judged on `date`. Only an unreadable SOD is an error; every other
/// problem is a failed check in the report.
pub fn verify(
    sod_bytes: &[u8],
    data_groups: &BTreeMap<u8, &[u8]>,
    trust_store: &TrustStore,
    date: CivilDate,
) -> Result<PassiveAuthReport, SodError> {
    let sod = parse_sod(sod_bytes)?;
    let data_group_checks = data_groups
        .iter()
        .map(|(number, content)| DataGroupCheck {
            data_group: *number,
            hash: match sod.data_group_hashes.get(number) {
                Some(expected) if *expected == sod.lds_hash_algorithm.digest(content) => {
                    DataGroupHash::Matches
                }
                Some(_) => DataGroupHash::Differs,
                None => DataGroupHash::NotInSod,
            },
        })
        .collect();

    let signer = &sod.signer;
    let digest_algorithm = HashAlgorithm::from_oid(&signer.digest_algorithm.oid);
    let signed_content_digest = check_signed_content(&sod, digest_algorithm);
    let document_signer = sod
        .certificates
        .iter()
        .find(|certificate| signer.identifier.matches(certificate));

    let no_ds = || "no Document Signer certificate in EF.SOD matches its signer".to_owned();
    let (sod_signature, chain, csca, ds_validity) = match document_signer {
        None => (
            Check::Failed(no_ds()),
            Check::Failed(no_ds()),
            None,
            Check::Failed(no_ds()),
        ),
        Some(ds) => {
            let message = signer
                .signed_attributes
                .as_deref()
                .unwrap_or(&sod.encapsulated_content);
            let sod_signature = match signature::verify(
                &signer.signature_algorithm,
                digest_algorithm,
                &ds.subject_public_key_info,
                message,
                &signer.signature,
            ) {
                Ok(()) => Check::Passed,
                Err(error) => Check::Failed(format!("EF.SOD signature: {error}")),
            };
            let (chain, csca) = chain_to_trust_store(ds, trust_store);
            let ds_validity = Check::from_bool(ds.is_valid_on(date), || {
                format!(
                    "the Document Signer certificate is valid from {} to {}, not on {date}",
                    ds.not_before, ds.not_after
                )
            });
            (sod_signature, chain, csca, ds_validity)
        }
    };
    let csca_validity = match csca {
        Some(csca) => Check::from_bool(csca.is_valid_on(date), || {
            format!(
                "the CSCA certificate is valid from {} to {}, not on {date}",
                csca.not_before, csca.not_after
            )
        }),
        None => Check::Failed("no trusted CSCA signed the Document Signer".to_owned()),
    };
    Ok(PassiveAuthReport {
        lds_hash_algorithm: sod.lds_hash_algorithm,
        data_groups: data_group_checks,
        signed_content_digest,
        sod_signature,
        chain_to_trusted_csca: chain,
        document_signer_validity: ds_validity,
        csca_validity,
        document_signer: document_signer.map(Certificate::summary),
        csca: csca.map(Certificate::summary),
    })
}

fn check_signed_content(sod: &Sod, digest_algorithm: Option<HashAlgorithm>) -> Check {
    let signer = &sod.signer;
    if signer.signed_attributes.is_none() {
        // Without signed attributes the signature itself covers the content.
        return Check::Passed;
    }
    let Some(digest_algorithm) = digest_algorithm else {
        return Check::Failed(format!(
            "unsupported digest algorithm {}",
            signer.digest_algorithm.oid
        ));
    };
    if signer.content_type.as_deref() != Some(oids::LDS_SECURITY_OBJECT) {
        return Check::Failed("the signed content type is not the LDS security object".to_owned());
    }
    let actual = digest_algorithm.digest(&sod.encapsulated_content);
    Check::from_bool(
        signer.message_digest.as_deref() == Some(actual.as_slice()),
        || "the signed message digest does not match the LDS security object".to_owned(),
    )
}

/// Finds a trusted CSCA, named like the DS issuer or with its key identifier, whose key
/// verifies the DS certificate. Several may share a name after a key rollover.
fn chain_to_trust_store<'s>(
    ds: &Certificate,
    trust_store: &'s TrustStore,
) -> (Check, Option<&'s Certificate>) {
    let issuer = x509::describe_name(&ds.issuer);
    let candidates: Vec<&Certificate> = trust_store
        .certificates()
        .iter()
        .filter(|csca| {
            csca.subject == ds.issuer
                || (ds.authority_key_identifier.is_some()
                    && csca.subject_key_identifier == ds.authority_key_identifier)
        })
        .collect();
    if candidates.is_empty() {
        return (
            Check::Failed(format!("no trusted CSCA named \"{issuer}\"")),
            None,
        );
    }
    let mut last_error = String::new();
    for csca in candidates {
        match signature::verify(
            &ds.signature_algorithm,
            None,
            &csca.subject_public_key_info,
            &ds.tbs,
            &ds.signature,
        ) {
            Ok(()) => return (Check::Passed, Some(csca)),
            Err(error) => last_error = error.to_string(),
        }
    }
    (
        Check::Failed(format!(
            "the Document Signer certificate is not signed by the trusted CSCA \"{issuer}\" \
             ({last_error})"
        )),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::icao::testdata;

    fn today() -> CivilDate {
        CivilDate::new(2026, 1, 15).unwrap()
    }

    fn trust_store() -> TrustStore {
        let store = TrustStore::load_dir(&testdata::trust_store_dir()).unwrap();
        assert_eq!(store.certificates().len(), 2, "{:?}", store.skipped());
        store
    }

    fn read_groups() -> BTreeMap<u8, &'static [u8]> {
        BTreeMap::from([(1, testdata::DG1), (2, testdata::DG2), (13, testdata::DG13)])
    }

    fn assert_fully_verified(report: &PassiveAuthReport) {
        assert_eq!(report.signed_content_digest, Check::Passed);
        assert_eq!(report.sod_signature, Check::Passed);
        assert_eq!(report.chain_to_trusted_csca, Check::Passed);
        assert_eq!(report.document_signer_validity, Check::Passed);
        assert_eq!(report.csca_validity, Check::Passed);
        assert_eq!(report.data_groups.len(), 3);
        assert!(
            report
                .data_groups
                .iter()
                .all(|check| check.hash == DataGroupHash::Matches)
        );
        assert!(report.verified());
        assert!(report.data_group_verified(13));
    }

    #[test]
    fn a_good_rsa_pkcs1_sod_passes_every_check() {
        let report = verify(
            testdata::SOD_RSA_PKCS1V15,
            &read_groups(),
            &trust_store(),
            today(),
        )
        .unwrap();
        assert_fully_verified(&report);
        assert_eq!(report.lds_hash_algorithm, HashAlgorithm::Sha256);
        let ds = report.document_signer.unwrap();
        assert!(
            ds.subject.contains("CN=TEST ONLY Document Signer RSA"),
            "{ds:?}"
        );
        let csca = report.csca.unwrap();
        assert!(csca.subject.contains("CN=TEST ONLY CSCA RSA"), "{csca:?}");
    }

    /// The SOD is signed with RSASSA-PSS, and the DS certificate itself was issued with PSS.
    #[test]
    fn a_good_rsa_pss_sod_passes_every_check() {
        let report = verify(
            testdata::SOD_RSA_PSS,
            &read_groups(),
            &trust_store(),
            today(),
        )
        .unwrap();
        assert_fully_verified(&report);
    }

    /// ECDSA P-256 DS key with explicit curve parameters, SHA-384 signatures, a P-384 CSCA,
    /// SHA-1 data-group hashes and a signer named by key identifier.
    #[test]
    fn a_good_ecdsa_sod_passes_every_check() {
        let report = verify(testdata::SOD_ECDSA, &read_groups(), &trust_store(), today()).unwrap();
        assert_fully_verified(&report);
        assert_eq!(report.lds_hash_algorithm, HashAlgorithm::Sha1);
        let sod = parse_sod(testdata::SOD_ECDSA).unwrap();
        assert!(matches!(
            sod.signer.identifier,
            sod::SignerIdentifier::KeyIdentifier(_)
        ));
    }

    #[test]
    fn a_data_group_altered_after_signing_fails_its_hash() {
        let mut altered = testdata::DG13.to_vec();
        let last = altered.len() - 1;
        altered[last] ^= 0x01;
        let mut groups = read_groups();
        groups.insert(13, &altered);
        let report = verify(testdata::SOD_RSA_PKCS1V15, &groups, &trust_store(), today()).unwrap();
        assert!(report.sod_trusted());
        let dg13 = report
            .data_groups
            .iter()
            .find(|check| check.data_group == 13)
            .unwrap();
        assert_eq!(dg13.hash, DataGroupHash::Differs);
        assert!(!report.data_group_verified(13));
        assert!(
            report.data_group_verified(1),
            "untouched groups still check out"
        );
        assert!(!report.verified());
    }

    #[test]
    fn a_data_group_the_sod_does_not_list_is_not_verified() {
        let mut groups = read_groups();
        groups.insert(14, b"\x6E\x00");
        let report = verify(testdata::SOD_RSA_PKCS1V15, &groups, &trust_store(), today()).unwrap();
        assert!(report.data_groups.contains(&DataGroupCheck {
            data_group: 14,
            hash: DataGroupHash::NotInSod
        }));
        assert!(!report.data_group_verified(14));
        assert!(!report.verified());
    }

    /// The rogue CSCA has the same name as the trusted ECDSA CSCA but its own key.
    #[test]
    fn a_sod_whose_csca_is_not_trusted_is_not_verified() {
        let report = verify(testdata::SOD_ROGUE, &read_groups(), &trust_store(), today()).unwrap();
        assert_eq!(report.sod_signature, Check::Passed, "signed by its own DS");
        assert!(
            report
                .data_groups
                .iter()
                .all(|c| c.hash == DataGroupHash::Matches)
        );
        assert!(matches!(
            report.chain_to_trusted_csca,
            Check::Failed(ref reason) if reason.contains("not signed by the trusted CSCA")
        ));
        assert!(report.csca.is_none());
        assert!(!report.sod_trusted());
        assert!(!report.verified());
        assert!(!report.data_group_verified(1));

        let report = verify(
            testdata::SOD_RSA_PKCS1V15,
            &read_groups(),
            &TrustStore::empty(),
            today(),
        )
        .unwrap();
        assert!(matches!(
            report.chain_to_trusted_csca,
            Check::Failed(ref reason) if reason.contains("no trusted CSCA")
        ));
        assert!(!report.verified());
    }

    #[test]
    fn certificates_outside_their_validity_fail() {
        let later = CivilDate::new(2045, 1, 1).unwrap();
        let report = verify(
            testdata::SOD_RSA_PKCS1V15,
            &read_groups(),
            &trust_store(),
            later,
        )
        .unwrap();
        assert!(!report.document_signer_validity.passed());
        assert!(!report.csca_validity.passed());
        assert!(report.chain_to_trusted_csca.passed());
        assert!(!report.verified());
    }

    #[test]
    fn a_tampered_signature_fails() {
        let mut sod = testdata::SOD_RSA_PKCS1V15.to_vec();
        // The signature is the last element of the SOD.
        let last = sod.len() - 10;
        sod[last] ^= 0x40;
        let report = verify(&sod, &read_groups(), &trust_store(), today()).unwrap();
        assert!(!report.sod_signature.passed());
        assert!(!report.verified());
    }

    #[test]
    fn rejects_what_is_not_a_sod() {
        assert!(verify(testdata::DG13, &read_groups(), &trust_store(), today()).is_err());
        let mut truncated = testdata::SOD_ECDSA.to_vec();
        truncated.truncate(truncated.len() / 2);
        assert!(verify(&truncated, &read_groups(), &trust_store(), today()).is_err());
    }

    /// Random damage anywhere in a SOD never panics; the checks then decide.
    #[test]
    fn never_panics_on_damaged_sods() {
        let store = trust_store();
        let groups = read_groups();
        let mut rng = crate::icao::test_rng::SplitMix64::new(0x50D);
        for round in 0..300 {
            let source = [
                testdata::SOD_RSA_PKCS1V15,
                testdata::SOD_ECDSA,
                testdata::SOD_RSA_PSS,
            ][round % 3];
            let mut sod = source.to_vec();
            let index = (rng.next_u64() as usize) % sod.len();
            sod[index] = rng.next_u64() as u8;
            let _ = verify(&sod, &groups, &store, today());
        }
    }

    fn scratch_dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("pcsc-bridge-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_trust_store_reports_unusable_files() {
        let dir = scratch_dir("trust-store");
        let fixtures = testdata::trust_store_dir();
        let rsa_pem = std::fs::read_to_string(fixtures.join("csca-rsa.pem")).unwrap();
        let ecdsa_der = std::fs::read(fixtures.join("csca-ecdsa.cer")).unwrap();
        let ds_pem = std::fs::read_to_string(fixtures.join("../ds-rsa.pem")).unwrap();
        // Two CSCAs in one PEM file, a DS certificate by mistake, garbage, and a non-certificate
        // file that is ignored.
        std::fs::write(dir.join("both.PEM"), format!("{rsa_pem}\n{rsa_pem}")).unwrap();
        std::fs::write(dir.join("ecdsa.der"), &ecdsa_der).unwrap();
        std::fs::write(dir.join("document-signer.pem"), ds_pem).unwrap();
        std::fs::write(dir.join("garbage.crt"), b"\x30\x82\x01").unwrap();
        std::fs::write(dir.join("notes.txt"), b"not a certificate").unwrap();
        let store = TrustStore::load_dir(&dir).unwrap();
        assert_eq!(store.certificates().len(), 3);
        let skipped: Vec<String> = store
            .skipped()
            .iter()
            .map(|file| {
                file.path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(skipped, vec!["document-signer.pem", "garbage.crt"]);
        assert!(store.skipped()[0].reason.contains("not a CA"));
        std::fs::remove_dir_all(&dir).unwrap();

        assert!(
            TrustStore::load_dir(&dir).is_err(),
            "a missing folder is an error"
        );
    }

    #[test]
    fn parses_certificate_fields() {
        let store = trust_store();
        let rsa = &store.certificates()[1];
        assert!(rsa.is_ca);
        assert_eq!(rsa.subject, rsa.issuer, "self-signed");
        assert_eq!(rsa.not_before, CivilDate::new(2024, 1, 1).unwrap());
        assert_eq!(rsa.not_after, CivilDate::new(2039, 12, 31).unwrap());
        assert!(rsa.subject_key_identifier.is_some());
        assert_eq!(
            x509::describe_name(&rsa.subject),
            "CN=TEST ONLY CSCA RSA, O=TEST ONLY, C=VN"
        );
    }
}
