//! Shared TEST ONLY fixtures: a fictional CCCD holder (see tests/fixtures/lds.py).

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $name
        ))
    };
}

/// The TD1 MRZ inside `dg1.bin`.
pub const CCCD_MRZ: &str = "IDVNM0850123452001085012345<<<\n\
                            8508122M2508120VNM<<<<<<<<<<<1\n\
                            LE<<VAN<HUNG<<<<<<<<<<<<<<<<<<";

pub const EF_COM: &[u8] = fixture!("ef_com.bin");
pub const DG1: &[u8] = fixture!("dg1.bin");
pub const DG2: &[u8] = fixture!("dg2.bin");
pub const DG13: &[u8] = fixture!("dg13.bin");
pub const SOD_RSA_PKCS1V15: &[u8] = fixture!("sod-rsa-pkcs1v15.bin");
pub const SOD_RSA_PSS: &[u8] = fixture!("sod-rsa-pss.bin");
pub const SOD_ECDSA: &[u8] = fixture!("sod-ecdsa.bin");
pub const SOD_ROGUE: &[u8] = fixture!("sod-rogue.bin");

pub fn trust_store_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trust-store")
}
