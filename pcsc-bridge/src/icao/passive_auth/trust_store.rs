//! The CSCA certificates the operator trusts: a folder of DER (.cer, .der, .crt) or PEM (.pem,
//! .crt) files. Files that cannot be used are listed, not fatal, so one bad file does not stop
//! the desk.

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use thiserror::Error;

use super::x509::Certificate;

const CERTIFICATE_EXTENSIONS: [&str; 4] = ["pem", "crt", "cer", "der"];
const PEM_BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const PEM_END: &str = "-----END CERTIFICATE-----";

#[derive(Debug, Error)]
pub enum TrustStoreError {
    #[error("cannot read the trust store folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A file of the trust-store folder that was not loaded, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    certificates: Vec<Certificate>,
    skipped: Vec<SkippedFile>,
}

impl TrustStore {
    pub fn empty() -> Self {
        TrustStore::default()
    }

    /// Loads every certificate file of `folder` (not recursive), in file-name order.
    pub fn load_dir(folder: &Path) -> Result<Self, TrustStoreError> {
        let folder_error = |source| TrustStoreError::Folder {
            path: folder.to_path_buf(),
            source,
        };
        let mut paths: Vec<PathBuf> = fs::read_dir(folder)
            .map_err(folder_error)?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.is_file() && has_certificate_extension(path))
            .collect();
        paths.sort();
        let mut store = TrustStore::empty();
        for path in paths {
            match fs::read(&path) {
                Ok(bytes) => {
                    if let Err(reason) = store.add_file_content(&bytes) {
                        store.skipped.push(SkippedFile { path, reason });
                    }
                }
                Err(error) => store.skipped.push(SkippedFile {
                    path,
                    reason: error.to_string(),
                }),
            }
        }
        Ok(store)
    }

    /// Adds the certificates of one file (DER, or PEM with one or more certificates).
    pub fn add_file_content(&mut self, bytes: &[u8]) -> Result<(), String> {
        let der_blocks = if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
            pem_certificates(bytes)?
        } else {
            vec![bytes.to_vec()]
        };
        let mut parsed = Vec::new();
        for der in der_blocks {
            let certificate = Certificate::from_der(&der).map_err(|error| error.to_string())?;
            // A CSCA is a CA; anything else in the folder is a mistake worth reporting.
            if !certificate.is_ca {
                return Err("not a CA certificate (basicConstraints cA is not set)".to_owned());
            }
            parsed.push(certificate);
        }
        self.certificates.extend(parsed);
        Ok(())
    }

    pub fn add_certificate(&mut self, certificate: Certificate) {
        self.certificates.push(certificate);
    }

    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    pub fn skipped(&self) -> &[SkippedFile] {
        &self.skipped
    }
}

fn has_certificate_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            CERTIFICATE_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str())
        })
}

fn pem_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "PEM file is not text".to_owned())?;
    let mut certificates = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(PEM_BEGIN) {
        let after_begin = &rest[start + PEM_BEGIN.len()..];
        let end = after_begin
            .find(PEM_END)
            .ok_or_else(|| "PEM certificate without END line".to_owned())?;
        let body: String = after_begin[..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        certificates.push(
            STANDARD
                .decode(body)
                .map_err(|error| format!("PEM base64: {error}"))?,
        );
        rest = &after_begin[end + PEM_END.len()..];
    }
    if certificates.is_empty() {
        return Err("no certificate in the PEM file".to_owned());
    }
    Ok(certificates)
}
