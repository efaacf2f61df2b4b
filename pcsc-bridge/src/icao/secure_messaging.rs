//! Secure messaging after BAC (ICAO 9303-11 §9.8): every command after authentication is
//! encrypted and MACed with the session keys and a send sequence counter (SSC) that both
//! sides increment once per command and once per response.

use thiserror::Error;

use super::ber::{self, BerError, Tag, TlvIter};
use super::crypto::{self, CryptoError, TdesKey};
use super::transport::{ApduError, CommandApdu, MAX_EXTENDED_LE, MAX_SHORT_LE, Response};

/// Encrypted data with a padding-indicator byte (even INS).
pub const DO_ENCRYPTED_WITH_INDICATOR: Tag = Tag(0x87);
/// Encrypted BER-TLV data without padding indicator (odd INS such as READ BINARY B1).
pub const DO_ENCRYPTED: Tag = Tag(0x85);
/// Expected length (Le) of the unprotected command.
pub const DO_EXPECTED_LENGTH: Tag = Tag(0x97);
/// Processing status (the real SW1 SW2).
pub const DO_STATUS: Tag = Tag(0x99);
/// Cryptographic checksum (MAC).
pub const DO_MAC: Tag = Tag(0x8E);
/// Padding indicator: ISO 9797-1 method 2.
const PADDING_INDICATOR: u8 = 0x01;
/// Secure messaging bits in CLA (ISO 7816-4: proprietary SM, header authenticated).
const SM_CLASS_BITS: u8 = 0x0C;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SmError {
    #[error("APDU: {0}")]
    Apdu(#[from] ApduError),
    #[error("response TLV: {0}")]
    Ber(#[from] BerError),
    #[error("response: {0}")]
    Crypto(#[from] CryptoError),
    #[error("unexpected or misplaced secure messaging object {tag}")]
    UnexpectedObject { tag: Tag },
    #[error("the card answered success without secure messaging objects")]
    MissingMac,
    #[error("the protected response has no status object (DO'99')")]
    MissingStatus,
    #[error("the response MAC is wrong")]
    MacMismatch,
    #[error("malformed secure messaging object {tag}")]
    MalformedObject { tag: Tag },
}

/// The session keys agreed by BAC. `Debug` prints nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKeys {
    pub enc: TdesKey,
    pub mac: TdesKey,
}

/// An open secure-messaging session: keys and the send sequence counter.
#[derive(Debug, Clone)]
pub struct SecureChannel {
    keys: SessionKeys,
    ssc: u64,
}

impl SecureChannel {
    pub fn new(keys: SessionKeys, send_sequence_counter: [u8; 8]) -> Self {
        SecureChannel {
            keys,
            ssc: u64::from_be_bytes(send_sequence_counter),
        }
    }

    pub fn keys(&self) -> &SessionKeys {
        &self.keys
    }

    pub fn send_sequence_counter(&self) -> [u8; 8] {
        self.ssc.to_be_bytes()
    }

    /// Increments the SSC and returns its new value (the card side of a session needs it too).
    pub(crate) fn next_ssc(&mut self) -> [u8; 8] {
        self.ssc = self.ssc.wrapping_add(1);
        self.ssc.to_be_bytes()
    }

    /// Builds the protected form of a command and advances the SSC.
    pub fn protect(&mut self, command: &CommandApdu) -> Result<CommandApdu, SmError> {
        let cla = command.cla | SM_CLASS_BITS;
        let header = [cla, command.ins, command.p1, command.p2];
        let mut objects = Vec::new();
        if !command.data.is_empty() {
            let encrypted = crypto::tdes_cbc_encrypt(&self.keys.enc, &crypto::pad(&command.data))?;
            if command.ins % 2 == 1 {
                objects.extend(ber::encode_tlv(DO_ENCRYPTED, &encrypted));
            } else {
                let mut value = Vec::with_capacity(encrypted.len() + 1);
                value.push(PADDING_INDICATOR);
                value.extend_from_slice(&encrypted);
                objects.extend(ber::encode_tlv(DO_ENCRYPTED_WITH_INDICATOR, &value));
            }
        }
        let long_le = command.le.is_some_and(|le| le > MAX_SHORT_LE);
        if let Some(le) = command.le {
            let encoded_le = if long_le {
                ((le % MAX_EXTENDED_LE) as u16).to_be_bytes().to_vec()
            } else {
                vec![(le % MAX_SHORT_LE) as u8]
            };
            objects.extend(ber::encode_tlv(DO_EXPECTED_LENGTH, &encoded_le));
        }
        let ssc = self.next_ssc();
        let mut mac_input = Vec::with_capacity(8 + 8 + objects.len());
        mac_input.extend_from_slice(&ssc);
        mac_input.extend_from_slice(&crypto::pad(&header));
        mac_input.extend_from_slice(&objects);
        let mac = crypto::retail_mac(&self.keys.mac, &mac_input);
        objects.extend(ber::encode_tlv(DO_MAC, &mac));

        // The protected response is longer than the plain one: ask for the most the form allows.
        let extended = long_le || command.data.len() > 255 || objects.len() > 255;
        let protected_le = if extended {
            MAX_EXTENDED_LE
        } else {
            MAX_SHORT_LE
        };
        Ok(CommandApdu {
            cla,
            ins: command.ins,
            p1: command.p1,
            p2: command.p2,
            data: objects,
            le: Some(protected_le),
        })
    }

    /// Verifies and decrypts a raw response (data and SW) and advances the SSC.
    ///
    /// A bare error status without secure messaging objects is passed through (cards answer
    /// SM errors that way), but a bare success never is: it would be unauthenticated.
    pub fn unprotect(&mut self, raw_response: &[u8]) -> Result<Response, SmError> {
        let ssc = self.next_ssc();
        let response = Response::from_bytes(raw_response)?;
        if response.data.is_empty() {
            return if response.status.is_success() {
                Err(SmError::MissingMac)
            } else {
                Ok(response)
            };
        }
        let objects = ResponseObjects::parse(&response.data)?;
        let mut mac_input = Vec::with_capacity(8 + objects.mac_covered.len());
        mac_input.extend_from_slice(&ssc);
        mac_input.extend_from_slice(objects.mac_covered);
        let expected_mac = crypto::retail_mac(&self.keys.mac, &mac_input);
        if !crypto::constant_time_eq(&expected_mac, objects.mac) {
            return Err(SmError::MacMismatch);
        }
        let data = match objects.encrypted {
            Some(encrypted) => self.decrypt(encrypted)?,
            None => Vec::new(),
        };
        Ok(Response {
            data,
            status: objects.status,
        })
    }

    fn decrypt(&self, encrypted: EncryptedObject<'_>) -> Result<Vec<u8>, SmError> {
        let ciphertext = match encrypted {
            EncryptedObject::WithIndicator(value) => match value.split_first() {
                Some((&PADDING_INDICATOR, ciphertext)) => ciphertext,
                _ => {
                    return Err(SmError::MalformedObject {
                        tag: DO_ENCRYPTED_WITH_INDICATOR,
                    });
                }
            },
            EncryptedObject::Plain(value) => value,
        };
        if ciphertext.is_empty() {
            return Err(CryptoError::BadPadding.into());
        }
        let padded = crypto::tdes_cbc_decrypt(&self.keys.enc, ciphertext)?;
        Ok(crypto::unpad(&padded)?.to_vec())
    }
}

#[derive(Debug, Clone, Copy)]
enum EncryptedObject<'a> {
    WithIndicator(&'a [u8]),
    Plain(&'a [u8]),
}

/// The data objects of a protected response, in the order ICAO fixes: DO'87' or DO'85'
/// (optional), DO'99', DO'8E' (last).
struct ResponseObjects<'a> {
    encrypted: Option<EncryptedObject<'a>>,
    status: super::transport::StatusWord,
    mac: &'a [u8],
    /// Every byte before DO'8E', which the MAC covers.
    mac_covered: &'a [u8],
}

impl<'a> ResponseObjects<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, SmError> {
        let mut encrypted = None;
        let mut status = None;
        let mut consumed = 0usize;
        for tlv in TlvIter::new(data) {
            let tlv = tlv?;
            let tag = tlv.tag();
            match tag {
                DO_ENCRYPTED_WITH_INDICATOR | DO_ENCRYPTED
                    if encrypted.is_none() && status.is_none() =>
                {
                    encrypted = Some(if tag == DO_ENCRYPTED {
                        EncryptedObject::Plain(tlv.value())
                    } else {
                        EncryptedObject::WithIndicator(tlv.value())
                    });
                }
                DO_STATUS if status.is_none() => match tlv.value() {
                    [sw1, sw2] => {
                        status = Some(super::transport::StatusWord::from_bytes(*sw1, *sw2));
                    }
                    _ => return Err(SmError::MalformedObject { tag }),
                },
                DO_MAC => {
                    let is_last = consumed + tlv.encoded().len() == data.len();
                    if !is_last {
                        return Err(SmError::UnexpectedObject { tag });
                    }
                    if tlv.value().len() != crypto::BLOCK_LEN {
                        return Err(SmError::MalformedObject { tag });
                    }
                    return Ok(ResponseObjects {
                        encrypted,
                        status: status.ok_or(SmError::MissingStatus)?,
                        mac: tlv.value(),
                        mac_covered: &data[..consumed],
                    });
                }
                _ => return Err(SmError::UnexpectedObject { tag }),
            }
            consumed += tlv.encoded().len();
        }
        Err(SmError::MissingMac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::icao::test_rng::SplitMix64;

    fn key(hex_text: &str) -> TdesKey {
        TdesKey::new(hex::decode(hex_text).unwrap().try_into().unwrap())
    }

    /// The session established in ICAO 9303-11 Appendix D.3 (KSEnc, KSMac, SSC).
    fn appendix_d_channel() -> SecureChannel {
        SecureChannel::new(
            SessionKeys {
                enc: key("979EC13B1CBFE9DCD01AB0FED307EAE5"),
                mac: key("F1CB1F1FB5ADF208806B89DC579DC1F8"),
            },
            hex::decode("887022120C06C226").unwrap().try_into().unwrap(),
        )
    }

    fn hex_upper(bytes: &[u8]) -> String {
        hex::encode_upper(bytes)
    }

    /// ICAO 9303-11 Appendix D.4: SELECT EF.COM, READ BINARY of 4 bytes, READ BINARY of the
    /// remaining 18 bytes, each protected and each response verified and decrypted.
    #[test]
    fn reproduces_appendix_d_secure_messaging() {
        let mut channel = appendix_d_channel();

        let select = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x01, 0x1E]);
        let protected = channel.protect(&select).unwrap();
        assert_eq!(
            hex_upper(&protected.to_bytes().unwrap()),
            "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"
        );
        assert_eq!(
            hex_upper(&channel.send_sequence_counter()),
            "887022120C06C227"
        );
        let response = channel
            .unprotect(&hex::decode("990290008E08FA855A5D4C50A8ED9000").unwrap())
            .unwrap();
        assert!(response.status.is_success());
        assert!(response.data.is_empty());
        assert_eq!(
            hex_upper(&channel.send_sequence_counter()),
            "887022120C06C228"
        );

        let read_head = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(4);
        let protected = channel.protect(&read_head).unwrap();
        assert_eq!(
            hex_upper(&protected.to_bytes().unwrap()),
            "0CB000000D9701048E08ED6705417E96BA5500"
        );
        let response = channel
            .unprotect(
                &hex::decode("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000").unwrap(),
            )
            .unwrap();
        assert_eq!(hex_upper(&response.data), "60145F01");
        assert_eq!(
            hex_upper(&channel.send_sequence_counter()),
            "887022120C06C22A"
        );

        let read_rest = CommandApdu::new(0x00, 0xB0, 0x00, 0x04).with_le(0x12);
        let protected = channel.protect(&read_rest).unwrap();
        assert_eq!(
            hex_upper(&protected.to_bytes().unwrap()),
            "0CB000040D9701128E082EA28A70F3C7B53500"
        );
        let response = channel
            .unprotect(
                &hex::decode(
                    "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000",
                )
                .unwrap(),
            )
            .unwrap();
        assert_eq!(
            hex_upper(&response.data),
            "04303130365F36063034303030305C026175"
        );
        assert_eq!(
            hex_upper(&channel.send_sequence_counter()),
            "887022120C06C22C"
        );
    }

    #[test]
    fn rejects_a_tampered_response_mac() {
        let mut channel = appendix_d_channel();
        let select = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x01, 0x1E]);
        channel.protect(&select).unwrap();
        let result = channel.unprotect(&hex::decode("990290008E08FA855A5D4C50A8EE9000").unwrap());
        assert_eq!(result, Err(SmError::MacMismatch));
    }

    #[test]
    fn treats_bare_statuses_by_their_meaning() {
        let mut channel = appendix_d_channel();
        assert_eq!(channel.unprotect(&[0x90, 0x00]), Err(SmError::MissingMac));
        let plain_error = channel.unprotect(&[0x69, 0x88]).unwrap();
        assert_eq!(plain_error.status.0, 0x6988);
        assert_eq!(
            channel.unprotect(&[0x99, 0x02, 0x90, 0x00, 0x90, 0x00]),
            Err(SmError::MissingMac)
        );
        assert_eq!(
            channel.unprotect(&[0x8E, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0x90, 0x00]),
            Err(SmError::MissingStatus)
        );
        assert!(matches!(
            channel.unprotect(&[
                0x8E, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0x99, 0x02, 0x90, 0x00, 0x90, 0x00
            ]),
            Err(SmError::UnexpectedObject { .. })
        ));
    }

    #[test]
    fn uses_extended_length_and_do85_when_needed() {
        let mut channel = appendix_d_channel();
        let long_read = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(1000);
        let protected = channel.protect(&long_read).unwrap();
        assert_eq!(&protected.data[..4], &[0x97, 0x02, 0x03, 0xE8]);
        let bytes = protected.to_bytes().unwrap();
        assert_eq!(&bytes[4..7], &[0x00, 0x00, protected.data.len() as u8]);
        assert_eq!(&bytes[bytes.len() - 2..], &[0x00, 0x00]);

        let odd_read = CommandApdu::new(0x00, 0xB1, 0x00, 0x00)
            .with_data([0x54, 0x02, 0x80, 0x00])
            .with_le(0xDF);
        let protected = channel.protect(&odd_read).unwrap();
        assert_eq!(protected.data[0], 0x85);
        assert_eq!(protected.data[1], 0x08);
    }

    /// A response of plaintext longer than 255 bytes round-trips with a long-form DO'87' length.
    #[test]
    fn unprotects_long_responses() {
        let mut card_side = appendix_d_channel();
        let mut reader_side = appendix_d_channel();
        let plaintext: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        let raw = crate::icao::testcard::protect_response(
            &mut card_side,
            0xB0,
            &plaintext,
            super::super::transport::StatusWord::SUCCESS,
        );
        let response = reader_side.unprotect(&raw).unwrap();
        assert_eq!(response.data, plaintext);
    }

    /// Whatever bytes arrive, unprotect answers with a value or an error, never a panic.
    #[test]
    fn unprotect_never_panics_on_random_bytes() {
        let mut rng = SplitMix64::new(0xC0FF_EE00);
        let mut channel = appendix_d_channel();
        for round in 0..20_000usize {
            let len = (rng.next_u64() % 80) as usize;
            let mut bytes = rng.bytes(len);
            // Steer some inputs into well-formed object sequences to reach the deeper checks.
            if round % 2 == 0 && bytes.len() > 16 {
                let tags = [0x87, 0x85, 0x99, 0x8E];
                bytes[0] = tags[round % 4];
                bytes[1] = (bytes[1] % 16) + 1;
            }
            let _ = channel.unprotect(&bytes);
        }
    }
}
