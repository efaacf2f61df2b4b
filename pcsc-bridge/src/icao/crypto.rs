//! The symmetric primitives of BAC and its secure messaging (ICAO 9303-11 §9.7 and §9.8):
//! two-key 3DES in CBC mode with a zero IV, ISO 9797-1 MAC algorithm 3 (the "retail MAC"),
//! padding method 2 and DES key parity.

use std::fmt;

use des::cipher::generic_array::GenericArray;
use des::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use des::{Des, TdesEde2};
use thiserror::Error;

/// DES block size in bytes.
pub const BLOCK_LEN: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CryptoError {
    #[error("ciphertext of {0} bytes is not a whole number of 8-byte blocks")]
    NotBlockAligned(usize),
    #[error("padding (ISO 9797-1 method 2) is missing or wrong")]
    BadPadding,
}

/// A two-key 3DES key (K1 ‖ K2). Its `Debug` prints nothing, so keys never reach a log.
#[derive(Clone, PartialEq, Eq)]
pub struct TdesKey([u8; 16]);

impl TdesKey {
    pub fn new(bytes: [u8; 16]) -> Self {
        TdesKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    fn first_half(&self) -> [u8; 8] {
        let mut half = [0u8; 8];
        half.copy_from_slice(&self.0[..8]);
        half
    }

    fn second_half(&self) -> [u8; 8] {
        let mut half = [0u8; 8];
        half.copy_from_slice(&self.0[8..]);
        half
    }
}

impl fmt::Debug for TdesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TdesKey(..)")
    }
}

/// Sets the lowest bit of every byte so that each byte has odd parity, as DES keys require.
pub fn adjust_parity(key: &mut [u8]) {
    for byte in key.iter_mut() {
        let ones_above_lowest = (*byte >> 1).count_ones();
        *byte = (*byte & 0xFE) | u8::from(ones_above_lowest % 2 == 0);
    }
}

/// ISO 9797-1 padding method 2: append 0x80, then zeros up to a whole block.
pub fn pad(data: &[u8]) -> Vec<u8> {
    let mut padded = Vec::with_capacity(data.len() + BLOCK_LEN);
    padded.extend_from_slice(data);
    padded.push(0x80);
    while !padded.len().is_multiple_of(BLOCK_LEN) {
        padded.push(0x00);
    }
    padded
}

/// Removes padding method 2; the 0x80 marker must sit in the last block.
pub fn unpad(padded: &[u8]) -> Result<&[u8], CryptoError> {
    let marker = padded
        .iter()
        .rposition(|byte| *byte != 0x00)
        .ok_or(CryptoError::BadPadding)?;
    if padded[marker] != 0x80 || padded.len() - marker > BLOCK_LEN {
        return Err(CryptoError::BadPadding);
    }
    Ok(&padded[..marker])
}

fn check_aligned(data: &[u8]) -> Result<(), CryptoError> {
    if data.len().is_multiple_of(BLOCK_LEN) {
        Ok(())
    } else {
        Err(CryptoError::NotBlockAligned(data.len()))
    }
}

fn xor_into(target: &mut [u8; BLOCK_LEN], other: &[u8]) {
    for (t, o) in target.iter_mut().zip(other) {
        *t ^= o;
    }
}

fn to_block(chunk: &[u8]) -> [u8; BLOCK_LEN] {
    let mut block = [0u8; BLOCK_LEN];
    block.copy_from_slice(chunk);
    block
}

/// 3DES-CBC encryption with a zero IV of block-aligned data.
pub fn tdes_cbc_encrypt(key: &TdesKey, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    check_aligned(plaintext)?;
    let cipher = TdesEde2::new(&GenericArray::from(*key.as_bytes()));
    let mut chain = [0u8; BLOCK_LEN];
    let mut out = Vec::with_capacity(plaintext.len());
    for chunk in plaintext.chunks_exact(BLOCK_LEN) {
        xor_into(&mut chain, chunk);
        let mut block = GenericArray::from(chain);
        cipher.encrypt_block(&mut block);
        chain = block.into();
        out.extend_from_slice(&chain);
    }
    Ok(out)
}

/// 3DES-CBC decryption with a zero IV of block-aligned data.
pub fn tdes_cbc_decrypt(key: &TdesKey, ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    check_aligned(ciphertext)?;
    let cipher = TdesEde2::new(&GenericArray::from(*key.as_bytes()));
    let mut previous = [0u8; BLOCK_LEN];
    let mut out = Vec::with_capacity(ciphertext.len());
    for chunk in ciphertext.chunks_exact(BLOCK_LEN) {
        let mut block = GenericArray::from(to_block(chunk));
        cipher.decrypt_block(&mut block);
        let mut plain: [u8; BLOCK_LEN] = block.into();
        xor_into(&mut plain, &previous);
        out.extend_from_slice(&plain);
        previous = to_block(chunk);
    }
    Ok(out)
}

/// ISO 9797-1 MAC algorithm 3 with padding method 2: single-DES CBC under K1 over the padded
/// message, then the last block is decrypted with K2 and encrypted again with K1.
pub fn retail_mac(key: &TdesKey, message: &[u8]) -> [u8; BLOCK_LEN] {
    let first = Des::new(&GenericArray::from(key.first_half()));
    let second = Des::new(&GenericArray::from(key.second_half()));
    let mut chain = [0u8; BLOCK_LEN];
    for chunk in pad(message).chunks_exact(BLOCK_LEN) {
        xor_into(&mut chain, chunk);
        let mut block = GenericArray::from(chain);
        first.encrypt_block(&mut block);
        chain = block.into();
    }
    let mut block = GenericArray::from(chain);
    second.decrypt_block(&mut block);
    first.encrypt_block(&mut block);
    block.into()
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parity_is_odd_on_every_byte() {
        let mut key = [0x00, 0x01, 0xFE, 0xFF, 0xAB, 0x94, 0xFC, 0xED];
        adjust_parity(&mut key);
        assert!(key.iter().all(|byte| byte.count_ones() % 2 == 1));
        // From ICAO 9303-11 Appendix D.1: AB94FCEDF2664EDF becomes AB94FDECF2674FDF.
        let mut appendix = hex::decode("AB94FCEDF2664EDF").unwrap();
        adjust_parity(&mut appendix);
        assert_eq!(hex::encode_upper(appendix), "AB94FDECF2674FDF");
    }

    #[test]
    fn padding_round_trips_and_rejects_garbage() {
        assert_eq!(pad(&[]), vec![0x80, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(pad(&[1; 8]).len(), 16);
        for len in 0..20 {
            let data = vec![0x80; len];
            assert_eq!(unpad(&pad(&data)).unwrap(), data.as_slice());
        }
        assert_eq!(unpad(&[0; 8]), Err(CryptoError::BadPadding));
        assert_eq!(
            unpad(&[1, 2, 3, 0, 0, 0, 0, 0]),
            Err(CryptoError::BadPadding)
        );
        let mut far = vec![0x80];
        far.extend([0u8; 8]);
        assert_eq!(unpad(&far), Err(CryptoError::BadPadding));
    }

    #[test]
    fn cbc_round_trips_and_needs_whole_blocks() {
        let key = TdesKey::new([0x13; 16]);
        let plain = pad(b"secure messaging");
        let cipher = tdes_cbc_encrypt(&key, &plain).unwrap();
        assert_ne!(cipher, plain);
        assert_eq!(tdes_cbc_decrypt(&key, &cipher).unwrap(), plain);
        assert_eq!(
            tdes_cbc_encrypt(&key, &[1, 2, 3]),
            Err(CryptoError::NotBlockAligned(3))
        );
        assert!(tdes_cbc_decrypt(&key, &[1; 9]).is_err());
    }

    #[test]
    fn keys_do_not_print() {
        assert_eq!(format!("{:?}", TdesKey::new([7; 16])), "TdesKey(..)");
    }
}
