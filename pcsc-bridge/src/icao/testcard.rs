//! A software CCCD chip for tests and the end-to-end emulator (TEST ONLY).
//!
//! It holds LDS files, refuses every file access before BAC, refuses a wrong MRZ with 6300, and
//! after BAC speaks secure messaging exactly as ICAO 9303-11 describes, from the card's side.

use std::collections::{BTreeMap, BTreeSet};

use sha1::{Digest, Sha1};

use super::bac::{self, BacKeys};
use super::ber::{self, Tag, TlvIter};
use super::crypto;
use super::lds::ElementaryFile;
use super::mrz::{MrzError, MrzInfo};
use super::reader::LDS_AID;
use super::secure_messaging::{
    DO_ENCRYPTED, DO_ENCRYPTED_WITH_INDICATOR, DO_EXPECTED_LENGTH, DO_MAC, DO_STATUS, SecureChannel,
};
use super::transport::{CommandApdu, Response, StatusWord, Transport, TransportError};

const SW_WRONG_LENGTH: StatusWord = StatusWord(0x6700);
const SW_CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);
const SW_INCORRECT_DATA: StatusWord = StatusWord(0x6A80);

#[derive(Debug)]
enum SessionState {
    /// Power on: nothing selected.
    Idle,
    ApplicationSelected,
    ChallengeIssued {
        rnd_ic: [u8; 8],
    },
    Secure {
        channel: SecureChannel,
    },
}

/// The software card. Build it with the MRZ it accepts and the files it holds.
#[derive(Debug)]
pub struct SoftCard {
    bac_keys: BacKeys,
    files: BTreeMap<u16, Vec<u8>>,
    denied: BTreeSet<u16>,
    state: SessionState,
    selected: Option<u16>,
    random_counter: u64,
    received: Vec<Vec<u8>>,
    remove_after: Option<usize>,
    max_response_data: usize,
}

impl SoftCard {
    /// A card that opens only with keys derived from `access`.
    pub fn new(access: &MrzInfo) -> Result<Self, MrzError> {
        Ok(SoftCard {
            bac_keys: BacKeys::from_mrz(access)?,
            files: BTreeMap::new(),
            denied: BTreeSet::new(),
            state: SessionState::Idle,
            selected: None,
            random_counter: 0,
            received: Vec::new(),
            remove_after: None,
            max_response_data: 65536,
        })
    }

    pub fn with_file(mut self, file: ElementaryFile, content: impl Into<Vec<u8>>) -> Self {
        self.files.insert(file.fid(), content.into());
        self
    }

    /// The file exists but needs more than BAC (as EAC-protected files do): 6982.
    pub fn deny_file(mut self, file: ElementaryFile) -> Self {
        self.denied.insert(file.fid());
        self
    }

    /// The card leaves the field when the given number of APDUs have been received.
    pub fn remove_after_apdus(mut self, count: usize) -> Self {
        self.remove_after = Some(count);
        self
    }

    /// Caps the plaintext bytes one READ BINARY returns, as small-buffer chips do.
    pub fn limit_response_data(mut self, max: usize) -> Self {
        self.max_response_data = max.max(1);
        self
    }

    /// Every command APDU received so far, as sent (protected ones stay protected).
    pub fn received(&self) -> &[Vec<u8>] {
        &self.received
    }

    pub fn is_in_secure_session(&self) -> bool {
        matches!(self.state, SessionState::Secure { .. })
    }

    /// Answers one command APDU, returning the response with its status word.
    pub fn process_apdu(&mut self, apdu: &[u8]) -> Vec<u8> {
        let Ok(command) = CommandApdu::parse(apdu) else {
            return SW_WRONG_LENGTH.to_bytes().to_vec();
        };
        if command.cla & 0x0C == 0x0C {
            return self.process_protected(&command);
        }
        // A plain command ends any secure messaging session (ICAO 9303-11 §9.8.6).
        if self.is_in_secure_session() {
            self.state = SessionState::ApplicationSelected;
        }
        let response = match command.ins {
            0xA4 if command.p1 == 0x04 => self.select_application(&command),
            0x84 => self.get_challenge(&command),
            0x82 => self.external_authenticate(&command),
            // Files are readable only through secure messaging after BAC.
            0xA4 | 0xB0 | 0xB1 => plain(StatusWord::SECURITY_STATUS_NOT_SATISFIED),
            _ => plain(StatusWord::INS_NOT_SUPPORTED),
        };
        response.to_bytes()
    }

    fn next_random<const N: usize>(&mut self) -> [u8; N] {
        self.random_counter += 1;
        let digest = Sha1::digest(self.random_counter.to_be_bytes());
        let mut out = [0u8; N];
        for (target, source) in out.iter_mut().zip(digest.iter()) {
            *target = *source;
        }
        out
    }

    fn select_application(&mut self, command: &CommandApdu) -> Response {
        self.selected = None;
        if command.data == LDS_AID {
            self.state = SessionState::ApplicationSelected;
            plain(StatusWord::SUCCESS)
        } else {
            self.state = SessionState::Idle;
            plain(StatusWord::FILE_NOT_FOUND)
        }
    }

    fn get_challenge(&mut self, command: &CommandApdu) -> Response {
        if matches!(self.state, SessionState::Idle) {
            return plain(SW_CONDITIONS_NOT_SATISFIED);
        }
        if command.le != Some(8) {
            return plain(SW_WRONG_LENGTH);
        }
        let rnd_ic = self.next_random::<8>();
        self.state = SessionState::ChallengeIssued { rnd_ic };
        Response {
            data: rnd_ic.to_vec(),
            status: StatusWord::SUCCESS,
        }
    }

    fn external_authenticate(&mut self, command: &CommandApdu) -> Response {
        let SessionState::ChallengeIssued { rnd_ic } = self.state else {
            return plain(SW_CONDITIONS_NOT_SATISFIED);
        };
        // One challenge, one attempt.
        self.state = SessionState::ApplicationSelected;
        if command.data.len() != 40 {
            return plain(SW_WRONG_LENGTH);
        }
        let (cryptogram, mac) = command.data.split_at(32);
        let expected_mac = crypto::retail_mac(&self.bac_keys.mac, cryptogram);
        if !crypto::constant_time_eq(&expected_mac, mac) {
            return plain(StatusWord::VERIFICATION_FAILED);
        }
        let Ok(s) = crypto::tdes_cbc_decrypt(&self.bac_keys.enc, cryptogram) else {
            return plain(StatusWord::VERIFICATION_FAILED);
        };
        // S = RND.IFD ‖ RND.IC ‖ K.IFD
        if s[8..16] != rnd_ic {
            return plain(StatusWord::VERIFICATION_FAILED);
        }
        let mut rnd_ifd = [0u8; 8];
        rnd_ifd.copy_from_slice(&s[..8]);
        let mut k_ifd = [0u8; 16];
        k_ifd.copy_from_slice(&s[16..32]);
        let k_ic = self.next_random::<16>();
        let mut r = Vec::with_capacity(32);
        r.extend_from_slice(&rnd_ic);
        r.extend_from_slice(&rnd_ifd);
        r.extend_from_slice(&k_ic);
        let Ok(mut answer) = crypto::tdes_cbc_encrypt(&self.bac_keys.enc, &r) else {
            return plain(StatusWord::VERIFICATION_FAILED);
        };
        let answer_mac = crypto::retail_mac(&self.bac_keys.mac, &answer);
        answer.extend_from_slice(&answer_mac);
        self.state = SessionState::Secure {
            channel: bac::session_channel(&k_ifd, &k_ic, &rnd_ic, &rnd_ifd),
        };
        self.selected = None;
        Response {
            data: answer,
            status: StatusWord::SUCCESS,
        }
    }

    fn process_protected(&mut self, command: &CommandApdu) -> Vec<u8> {
        let SessionState::Secure { channel } = &mut self.state else {
            return StatusWord::SM_OBJECTS_MISSING.to_bytes().to_vec();
        };
        let Some(plain_command) = unprotect_command(channel, command) else {
            // A secure messaging error ends the session and is answered without SM.
            self.state = SessionState::ApplicationSelected;
            return StatusWord::SM_OBJECTS_INCORRECT.to_bytes().to_vec();
        };
        let answer = self.execute(&plain_command);
        let SessionState::Secure { channel } = &mut self.state else {
            return StatusWord::SM_OBJECTS_INCORRECT.to_bytes().to_vec();
        };
        protect_response(channel, plain_command.ins, &answer.data, answer.status)
    }

    fn execute(&mut self, command: &CommandApdu) -> Response {
        match (command.ins, command.p1) {
            (0xA4, 0x02) => self.select_file(command),
            (0xB0, _) => self.read_binary_even(command),
            (0xB1, _) => self.read_binary_odd(command),
            _ => plain(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    fn select_file(&mut self, command: &CommandApdu) -> Response {
        let [high, low] = command.data[..] else {
            return plain(SW_INCORRECT_DATA);
        };
        let fid = u16::from_be_bytes([high, low]);
        if !self.files.contains_key(&fid) {
            self.selected = None;
            return plain(StatusWord::FILE_NOT_FOUND);
        }
        if self.denied.contains(&fid) {
            return plain(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        }
        self.selected = Some(fid);
        plain(StatusWord::SUCCESS)
    }

    fn read_at(&self, offset: usize, le: Option<usize>) -> Response {
        let Some(content) = self.selected.and_then(|fid| self.files.get(&fid)) else {
            return plain(SW_CONDITIONS_NOT_SATISFIED);
        };
        let Some(le) = le else {
            return plain(SW_WRONG_LENGTH);
        };
        if offset > content.len() {
            return plain(StatusWord::WRONG_PARAMETERS);
        }
        let wanted = le.min(self.max_response_data);
        let end = content.len().min(offset + wanted);
        let data = content[offset..end].to_vec();
        // Fewer bytes than Le because the file ended: 6282 with the data.
        let status = if end - offset < le.min(self.max_response_data) {
            StatusWord::END_OF_FILE
        } else {
            StatusWord::SUCCESS
        };
        Response { data, status }
    }

    fn read_binary_even(&self, command: &CommandApdu) -> Response {
        if command.p1 & 0x80 != 0 {
            // Short EF identifiers are not offered by this card.
            return plain(StatusWord::WRONG_PARAMETERS);
        }
        let offset = usize::from(u16::from_be_bytes([command.p1, command.p2]));
        self.read_at(offset, command.le)
    }

    fn read_binary_odd(&self, command: &CommandApdu) -> Response {
        let Ok(offset_object) = ber::parse_exact(&command.data) else {
            return plain(SW_INCORRECT_DATA);
        };
        if offset_object.tag() != Tag(0x54) || offset_object.value().len() > 3 {
            return plain(SW_INCORRECT_DATA);
        }
        let offset = offset_object
            .value()
            .iter()
            .fold(0usize, |acc, byte| (acc << 8) | usize::from(*byte));
        // The answer is DO'53' around the data: leave room for its header within Le.
        let le = command.le.map(|le| le.saturating_sub(4).max(1));
        let mut response = self.read_at(offset, le);
        if !response.data.is_empty() {
            response.data = ber::encode_tlv(Tag(0x53), &response.data);
        }
        response
    }
}

impl Transport for SoftCard {
    fn transmit(&mut self, command_apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self
            .remove_after
            .is_some_and(|limit| self.received.len() >= limit)
        {
            return Err(TransportError::CardRemoved);
        }
        self.received.push(command_apdu.to_vec());
        Ok(self.process_apdu(command_apdu))
    }
}

fn plain(status: StatusWord) -> Response {
    Response {
        data: Vec::new(),
        status,
    }
}

/// Card side of secure messaging: checks the command MAC and decrypts its data.
fn unprotect_command(channel: &mut SecureChannel, command: &CommandApdu) -> Option<CommandApdu> {
    let ssc = channel.next_ssc();
    let header = [command.cla, command.ins, command.p1, command.p2];
    let mut data = Vec::new();
    let mut le = None;
    let mut covered = 0usize;
    for tlv in TlvIter::new(&command.data) {
        let tlv = tlv.ok()?;
        match tlv.tag() {
            DO_ENCRYPTED_WITH_INDICATOR => {
                let (&indicator, ciphertext) = tlv.value().split_first()?;
                if indicator != 0x01 {
                    return None;
                }
                data = decrypt(channel, ciphertext)?;
            }
            DO_ENCRYPTED => data = decrypt(channel, tlv.value())?,
            DO_EXPECTED_LENGTH => {
                le = Some(match tlv.value() {
                    [0x00] => 256,
                    [short] => usize::from(*short),
                    [0x00, 0x00] => 65536,
                    [high, low] => usize::from(u16::from_be_bytes([*high, *low])),
                    _ => return None,
                });
            }
            DO_MAC => {
                let mut mac_input = ssc.to_vec();
                mac_input.extend_from_slice(&crypto::pad(&header));
                mac_input.extend_from_slice(&command.data[..covered]);
                let expected = crypto::retail_mac(&channel.keys().mac, &mac_input);
                if !crypto::constant_time_eq(&expected, tlv.value()) {
                    return None;
                }
                return Some(CommandApdu {
                    cla: command.cla & !0x0C,
                    ins: command.ins,
                    p1: command.p1,
                    p2: command.p2,
                    data,
                    le,
                });
            }
            _ => return None,
        }
        covered += tlv.encoded().len();
    }
    None
}

fn decrypt(channel: &SecureChannel, ciphertext: &[u8]) -> Option<Vec<u8>> {
    let padded = crypto::tdes_cbc_decrypt(&channel.keys().enc, ciphertext).ok()?;
    crypto::unpad(&padded).ok().map(<[u8]>::to_vec)
}

/// Card side of secure messaging: the protected response (DO'87' or DO'85', DO'99', DO'8E')
/// followed by the status word.
pub fn protect_response(
    channel: &mut SecureChannel,
    ins: u8,
    data: &[u8],
    status: StatusWord,
) -> Vec<u8> {
    let ssc = channel.next_ssc();
    let mut objects = Vec::new();
    if !data.is_empty()
        && let Ok(encrypted) = crypto::tdes_cbc_encrypt(&channel.keys().enc, &crypto::pad(data))
    {
        if ins % 2 == 1 {
            objects.extend(ber::encode_tlv(DO_ENCRYPTED, &encrypted));
        } else {
            let mut value = vec![0x01];
            value.extend_from_slice(&encrypted);
            objects.extend(ber::encode_tlv(DO_ENCRYPTED_WITH_INDICATOR, &value));
        }
    }
    objects.extend(ber::encode_tlv(DO_STATUS, &status.to_bytes()));
    let mut mac_input = ssc.to_vec();
    mac_input.extend_from_slice(&objects);
    let mac = crypto::retail_mac(&channel.keys().mac, &mac_input);
    objects.extend(ber::encode_tlv(DO_MAC, &mac));
    objects.extend_from_slice(&status.to_bytes());
    objects
}
