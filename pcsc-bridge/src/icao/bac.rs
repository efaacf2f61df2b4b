//! Basic Access Control (ICAO 9303-11 §9.7 and Appendix D): keys from the MRZ, mutual
//! authentication with GET CHALLENGE and EXTERNAL AUTHENTICATE, then session keys and SSC.
//!
//! Randomness (RND.IFD, K.IFD) is a parameter so that the Appendix D example and the tests are
//! deterministic; the daemon passes fresh random bytes.

use std::fmt;

use sha1::{Digest, Sha1};
use thiserror::Error;

use super::crypto::{self, CryptoError, TdesKey};
use super::mrz::{MrzError, MrzInfo};
use super::secure_messaging::{SecureChannel, SessionKeys};
use super::transport::{
    self, ApduError, CommandApdu, Response, StatusWord, Transport, TransportError,
};

/// Counter appended to the key seed for the encryption key.
pub const ENC_KEY_COUNTER: u32 = 1;
/// Counter appended to the key seed for the MAC key.
pub const MAC_KEY_COUNTER: u32 = 2;

const CHALLENGE_LEN: usize = 8;
const CRYPTOGRAM_LEN: usize = 32;
const AUTH_DATA_LEN: usize = CRYPTOGRAM_LEN + crypto::BLOCK_LEN;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BacError {
    #[error("card link: {0}")]
    Transport(#[from] TransportError),
    #[error("APDU: {0}")]
    Apdu(#[from] ApduError),
    #[error("MRZ: {0}")]
    Mrz(#[from] MrzError),
    #[error("crypto: {0}")]
    Crypto(#[from] CryptoError),
    /// The chip refused our cryptogram: the MRZ data does not match the card.
    #[error("the card rejected the access keys (status {0})")]
    KeysRejected(StatusWord),
    #[error("{step} failed with status {status}")]
    UnexpectedStatus {
        step: &'static str,
        status: StatusWord,
    },
    #[error("the card's {what} has the wrong length")]
    WrongLength { what: &'static str },
    #[error("the card's authentication cryptogram has a wrong MAC")]
    CardMacMismatch,
    #[error("the card's cryptogram does not contain our challenge")]
    ChallengeMismatch,
}

/// The document basic access keys KEnc and KMac.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacKeys {
    pub enc: TdesKey,
    pub mac: TdesKey,
}

impl BacKeys {
    pub fn from_mrz(mrz: &MrzInfo) -> Result<Self, MrzError> {
        Ok(Self::from_key_seed(&key_seed(&mrz.key_seed_input()?)))
    }

    pub fn from_key_seed(kseed: &[u8; 16]) -> Self {
        BacKeys {
            enc: derive_key(kseed, ENC_KEY_COUNTER),
            mac: derive_key(kseed, MAC_KEY_COUNTER),
        }
    }
}

/// Kseed: the first 16 bytes of SHA-1 over the MRZ information.
pub fn key_seed(mrz_information: &str) -> [u8; 16] {
    first_16(&Sha1::digest(mrz_information.as_bytes()))
}

/// ICAO key derivation: SHA-1(Kseed ‖ counter), first 16 bytes, DES parity adjusted.
pub fn derive_key(kseed: &[u8; 16], counter: u32) -> TdesKey {
    let mut hasher = Sha1::new();
    hasher.update(kseed);
    hasher.update(counter.to_be_bytes());
    let mut key = first_16(&hasher.finalize());
    crypto::adjust_parity(&mut key);
    TdesKey::new(key)
}

fn first_16(digest: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (target, source) in out.iter_mut().zip(digest) {
        *target = *source;
    }
    out
}

/// The terminal's random values for one authentication. `Debug` prints nothing.
#[derive(Clone, PartialEq, Eq)]
pub struct BacNonces {
    pub rnd_ifd: [u8; 8],
    pub k_ifd: [u8; 16],
}

impl fmt::Debug for BacNonces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BacNonces(..)")
    }
}

/// EXTERNAL AUTHENTICATE command data: E.IFD = 3DES(KEnc, RND.IFD ‖ RND.IC ‖ K.IFD) followed by
/// M.IFD = MAC(KMac, E.IFD).
pub fn external_authenticate_data(
    keys: &BacKeys,
    rnd_ic: &[u8; 8],
    nonces: &BacNonces,
) -> Result<Vec<u8>, BacError> {
    let mut s = Vec::with_capacity(CRYPTOGRAM_LEN);
    s.extend_from_slice(&nonces.rnd_ifd);
    s.extend_from_slice(rnd_ic);
    s.extend_from_slice(&nonces.k_ifd);
    let mut data = crypto::tdes_cbc_encrypt(&keys.enc, &s)?;
    let mac = crypto::retail_mac(&keys.mac, &data);
    data.extend_from_slice(&mac);
    Ok(data)
}

/// Checks the card's answer (E.IC ‖ M.IC) and derives the session.
pub fn finish_mutual_authentication(
    keys: &BacKeys,
    rnd_ic: &[u8; 8],
    nonces: &BacNonces,
    card_answer: &[u8],
) -> Result<SecureChannel, BacError> {
    if card_answer.len() != AUTH_DATA_LEN {
        return Err(BacError::WrongLength {
            what: "authentication cryptogram",
        });
    }
    let (cryptogram, mac) = card_answer.split_at(CRYPTOGRAM_LEN);
    if !crypto::constant_time_eq(&crypto::retail_mac(&keys.mac, cryptogram), mac) {
        return Err(BacError::CardMacMismatch);
    }
    // R = RND.IC ‖ RND.IFD ‖ K.IC
    let r = crypto::tdes_cbc_decrypt(&keys.enc, cryptogram)?;
    if r[..8] != rnd_ic[..] || r[8..16] != nonces.rnd_ifd[..] {
        return Err(BacError::ChallengeMismatch);
    }
    let mut k_ic = [0u8; 16];
    k_ic.copy_from_slice(&r[16..32]);
    Ok(session_channel(
        &nonces.k_ifd,
        &k_ic,
        rnd_ic,
        &nonces.rnd_ifd,
    ))
}

/// Session keys from K.IFD ⊕ K.IC and SSC = last 4 bytes of RND.IC ‖ last 4 bytes of RND.IFD.
pub fn session_channel(
    k_ifd: &[u8; 16],
    k_ic: &[u8; 16],
    rnd_ic: &[u8; 8],
    rnd_ifd: &[u8; 8],
) -> SecureChannel {
    let mut seed = [0u8; 16];
    for (index, byte) in seed.iter_mut().enumerate() {
        *byte = k_ifd[index] ^ k_ic[index];
    }
    let keys = SessionKeys {
        enc: derive_key(&seed, ENC_KEY_COUNTER),
        mac: derive_key(&seed, MAC_KEY_COUNTER),
    };
    let mut ssc = [0u8; 8];
    ssc[..4].copy_from_slice(&rnd_ic[4..]);
    ssc[4..].copy_from_slice(&rnd_ifd[4..]);
    SecureChannel::new(keys, ssc)
}

fn send(transport: &mut dyn Transport, command: &CommandApdu) -> Result<Response, BacError> {
    let raw = transport::exchange(transport, &command.to_bytes()?)?;
    Ok(Response::from_bytes(&raw)?)
}

/// GET CHALLENGE: the card's 8-byte RND.IC.
pub fn get_challenge(transport: &mut dyn Transport) -> Result<[u8; 8], BacError> {
    let response = send(
        transport,
        &CommandApdu::new(0x00, 0x84, 0x00, 0x00).with_le(CHALLENGE_LEN),
    )?;
    if !response.status.is_success() {
        return Err(BacError::UnexpectedStatus {
            step: "GET CHALLENGE",
            status: response.status,
        });
    }
    response
        .data
        .as_slice()
        .try_into()
        .map_err(|_| BacError::WrongLength { what: "challenge" })
}

/// Runs the whole BAC exchange and returns the secure channel.
pub fn authenticate(
    transport: &mut dyn Transport,
    keys: &BacKeys,
    nonces: &BacNonces,
) -> Result<SecureChannel, BacError> {
    let rnd_ic = get_challenge(transport)?;
    let data = external_authenticate_data(keys, &rnd_ic, nonces)?;
    let response = send(
        transport,
        &CommandApdu::new(0x00, 0x82, 0x00, 0x00)
            .with_data(data)
            .with_le(AUTH_DATA_LEN),
    )?;
    match response.status {
        StatusWord::SUCCESS => finish_mutual_authentication(keys, &rnd_ic, nonces, &response.data),
        // 6300 is what ICAO chips answer to a wrong cryptogram; some answer 6982.
        StatusWord::VERIFICATION_FAILED | StatusWord::SECURITY_STATUS_NOT_SATISFIED => {
            Err(BacError::KeysRejected(response.status))
        }
        status if status.sw1() == 0x63 => Err(BacError::KeysRejected(status)),
        status => Err(BacError::UnexpectedStatus {
            step: "EXTERNAL AUTHENTICATE",
            status,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes<const N: usize>(hex_text: &str) -> [u8; N] {
        hex::decode(hex_text).unwrap().try_into().unwrap()
    }

    fn upper(bytes: &[u8]) -> String {
        hex::encode_upper(bytes)
    }

    fn appendix_d_keys() -> BacKeys {
        let mrz = MrzInfo::new("L898902C<", "690806", "940623").unwrap();
        BacKeys::from_mrz(&mrz).unwrap()
    }

    fn appendix_d_nonces() -> BacNonces {
        BacNonces {
            rnd_ifd: bytes("781723860C06C226"),
            k_ifd: bytes("0B795240CB7049B01C19B33E32804F0B"),
        }
    }

    /// ICAO 9303-11 Appendix D.2: Kseed, KEnc and KMac from the MRZ information.
    #[test]
    fn derives_the_appendix_d_document_keys() {
        let seed = key_seed("L898902C<369080619406236");
        assert_eq!(upper(&seed), "239AB9CB282DAF66231DC5A4DF6BFBAE");
        let keys = appendix_d_keys();
        assert_eq!(
            upper(keys.enc.as_bytes()),
            "AB94FDECF2674FDFB9B391F85D7F76F2"
        );
        assert_eq!(
            upper(keys.mac.as_bytes()),
            "7962D9ECE03D1ACD4C76089DCE131543"
        );
    }

    /// ICAO 9303-11 Appendix D.3: the EXTERNAL AUTHENTICATE data (E.IFD ‖ M.IFD), the card's
    /// answer, the session keys and the SSC.
    #[test]
    fn reproduces_the_appendix_d_mutual_authentication() {
        let keys = appendix_d_keys();
        let rnd_ic = bytes("4608F91988702212");
        let nonces = appendix_d_nonces();
        let data = external_authenticate_data(&keys, &rnd_ic, &nonces).unwrap();
        assert_eq!(
            upper(&data),
            "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7"
        );
        let card_answer = hex::decode(
            "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449",
        )
        .unwrap();
        // R = RND.IC ‖ RND.IFD ‖ K.IC
        let r = crypto::tdes_cbc_decrypt(&keys.enc, &card_answer[..32]).unwrap();
        assert_eq!(
            upper(&r),
            "4608F91988702212781723860C06C2260B4F80323EB3191CB04970CB4052790B"
        );
        let channel = finish_mutual_authentication(&keys, &rnd_ic, &nonces, &card_answer).unwrap();
        assert_eq!(
            upper(channel.keys().enc.as_bytes()),
            "979EC13B1CBFE9DCD01AB0FED307EAE5"
        );
        assert_eq!(
            upper(channel.keys().mac.as_bytes()),
            "F1CB1F1FB5ADF208806B89DC579DC1F8"
        );
        assert_eq!(upper(&channel.send_sequence_counter()), "887022120C06C226");
    }

    #[test]
    fn rejects_a_forged_or_foreign_card_answer() {
        let keys = appendix_d_keys();
        let rnd_ic = bytes("4608F91988702212");
        let nonces = appendix_d_nonces();
        let mut answer = hex::decode(
            "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449",
        )
        .unwrap();
        let other_challenge = bytes("0000000000000001");
        assert_eq!(
            finish_mutual_authentication(&keys, &other_challenge, &nonces, &answer).err(),
            Some(BacError::ChallengeMismatch)
        );
        answer[0] ^= 1;
        assert_eq!(
            finish_mutual_authentication(&keys, &rnd_ic, &nonces, &answer).err(),
            Some(BacError::CardMacMismatch)
        );
        assert!(matches!(
            finish_mutual_authentication(&keys, &rnd_ic, &nonces, &answer[..39]),
            Err(BacError::WrongLength { .. })
        ));
    }

    /// A scripted card for the APDU flow: the Appendix D challenge and answer.
    struct AppendixDCard {
        sent: Vec<Vec<u8>>,
        answer_status: [u8; 2],
    }

    impl Transport for AppendixDCard {
        fn transmit(&mut self, command_apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push(command_apdu.to_vec());
            match command_apdu.get(1) {
                Some(0x84) => Ok(hex::decode("4608F919887022129000").unwrap()),
                Some(0x82) if self.answer_status == [0x90, 0x00] => Ok(hex::decode(
                    "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D74499000",
                )
                .unwrap()),
                Some(0x82) => Ok(self.answer_status.to_vec()),
                _ => Err(TransportError::CardRemoved),
            }
        }
    }

    #[test]
    fn authenticates_over_a_transport() {
        let mut card = AppendixDCard {
            sent: Vec::new(),
            answer_status: [0x90, 0x00],
        };
        let channel = authenticate(&mut card, &appendix_d_keys(), &appendix_d_nonces()).unwrap();
        assert_eq!(upper(&channel.send_sequence_counter()), "887022120C06C226");
        assert_eq!(upper(&card.sent[0]), "0084000008");
        assert_eq!(
            upper(&card.sent[1]),
            "008200002872C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A728"
        );
    }

    #[test]
    fn reports_rejected_keys() {
        for status in [[0x63, 0x00], [0x69, 0x82]] {
            let mut card = AppendixDCard {
                sent: Vec::new(),
                answer_status: status,
            };
            let result = authenticate(&mut card, &appendix_d_keys(), &appendix_d_nonces());
            assert!(matches!(result, Err(BacError::KeysRejected(_))));
        }
    }
}
