//! The link to the card and the ISO 7816-4 APDU encodings.
//!
//! Everything above this module talks to a [`Transport`], so the whole reader runs against a
//! software card in tests and against PC/SC in the daemon.

use std::fmt;

use thiserror::Error;

/// Sends one command APDU and returns the raw response, status word (SW1 SW2) included.
pub trait Transport {
    fn transmit(&mut self, command_apdu: &[u8]) -> Result<Vec<u8>, TransportError>;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command_apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command_apdu)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransportError {
    /// The card left the field (or was reset) while a command was in flight.
    #[error("the card was removed")]
    CardRemoved,
    /// Any other failure of the reader or the PC/SC service.
    #[error("reader failure: {0}")]
    Reader(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApduError {
    #[error("command data of {0} bytes is longer than an extended APDU allows (65535)")]
    DataTooLong(usize),
    #[error("expected length {0} is outside 1..=65536")]
    InvalidLe(usize),
    #[error("response of {0} bytes has no status word")]
    ResponseTooShort(usize),
    #[error("command APDU of {0} bytes has inconsistent lengths")]
    MalformedCommand(usize),
}

/// Largest command data an APDU can carry (extended Lc).
pub const MAX_EXTENDED_DATA: usize = 65535;
/// Largest Le a short APDU can express (encoded as 00).
pub const MAX_SHORT_LE: usize = 256;
/// Largest Le an extended APDU can express (encoded as 0000).
pub const MAX_EXTENDED_LE: usize = 65536;

/// A command APDU before encoding. `le` is the number of response bytes expected, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandApdu {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    pub le: Option<usize>,
}

impl CommandApdu {
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        CommandApdu {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }

    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    pub fn header(&self) -> [u8; 4] {
        [self.cla, self.ins, self.p1, self.p2]
    }

    /// Extended length is needed when the data or Le do not fit the short form; when it is,
    /// both Lc and Le use it, as ISO 7816-4 requires.
    pub fn needs_extended_length(&self) -> bool {
        self.data.len() > 255 || self.le.is_some_and(|le| le > MAX_SHORT_LE)
    }

    /// Decodes a command APDU (cases 1 to 4, short or extended), as a card sees it.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let malformed = ApduError::MalformedCommand(bytes.len());
        let (header, body) = bytes.split_at_checked(4).ok_or(malformed.clone())?;
        let mut command = CommandApdu::new(header[0], header[1], header[2], header[3]);
        let short_le = |byte: u8| {
            if byte == 0 {
                MAX_SHORT_LE
            } else {
                usize::from(byte)
            }
        };
        let extended_le = |hi: u8, lo: u8| match u16::from_be_bytes([hi, lo]) {
            0 => MAX_EXTENDED_LE,
            le => usize::from(le),
        };
        match body {
            [] => {}
            [le] => command.le = Some(short_le(*le)),
            [0x00, hi, lo] => command.le = Some(extended_le(*hi, *lo)),
            [0x00, hi, lo, rest @ ..] => {
                let lc = usize::from(u16::from_be_bytes([*hi, *lo]));
                match rest.len().checked_sub(lc) {
                    Some(0) if lc > 0 => command.data = rest.to_vec(),
                    Some(2) if lc > 0 => {
                        command.data = rest[..lc].to_vec();
                        command.le = Some(extended_le(rest[lc], rest[lc + 1]));
                    }
                    _ => return Err(malformed),
                }
            }
            // A short Lc of 0 is not allowed (ISO 7816-4 §5.1).
            [0x00, ..] => return Err(malformed),
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                match rest.len().checked_sub(lc) {
                    Some(0) => command.data = rest.to_vec(),
                    Some(1) => {
                        command.data = rest[..lc].to_vec();
                        command.le = Some(short_le(rest[lc]));
                    }
                    _ => return Err(malformed),
                }
            }
        }
        Ok(command)
    }

    /// Encodes the APDU in the shortest form that fits.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        if self.data.len() > MAX_EXTENDED_DATA {
            return Err(ApduError::DataTooLong(self.data.len()));
        }
        if let Some(le) = self.le
            && !(1..=MAX_EXTENDED_LE).contains(&le)
        {
            return Err(ApduError::InvalidLe(le));
        }
        let extended = self.needs_extended_length();
        let mut out = Vec::with_capacity(4 + 3 + self.data.len() + 3);
        out.extend_from_slice(&self.header());
        if !self.data.is_empty() {
            if extended {
                out.push(0x00);
                out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            if extended {
                // Without command data an extended Le carries its own 00 marker byte.
                if self.data.is_empty() {
                    out.push(0x00);
                }
                // 65536 wraps to 0000, 256 in short form wraps to 00: the encodings of "maximum".
                out.extend_from_slice(&((le % MAX_EXTENDED_LE) as u16).to_be_bytes());
            } else {
                out.push((le % MAX_SHORT_LE) as u8);
            }
        }
        Ok(out)
    }
}

/// ISO 7816-4 status word (SW1 SW2).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    pub const SUCCESS: StatusWord = StatusWord(0x9000);
    /// End of file reached before Le bytes (data is still returned).
    pub const END_OF_FILE: StatusWord = StatusWord(0x6282);
    /// Verification failed; ICAO chips answer a wrong BAC cryptogram with it.
    pub const VERIFICATION_FAILED: StatusWord = StatusWord(0x6300);
    pub const SECURITY_STATUS_NOT_SATISFIED: StatusWord = StatusWord(0x6982);
    pub const SM_OBJECTS_MISSING: StatusWord = StatusWord(0x6987);
    pub const SM_OBJECTS_INCORRECT: StatusWord = StatusWord(0x6988);
    pub const FILE_NOT_FOUND: StatusWord = StatusWord(0x6A82);
    pub const WRONG_PARAMETERS: StatusWord = StatusWord(0x6B00);
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D00);
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E00);

    pub fn from_bytes(sw1: u8, sw2: u8) -> Self {
        StatusWord(u16::from_be_bytes([sw1, sw2]))
    }

    pub fn sw1(self) -> u8 {
        self.0.to_be_bytes()[0]
    }

    pub fn sw2(self) -> u8 {
        self.0.to_be_bytes()[1]
    }

    pub fn is_success(self) -> bool {
        self == Self::SUCCESS
    }

    pub fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatusWord({:04X})", self.0)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

/// A response APDU split into its data and status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub status: StatusWord,
}

impl Response {
    pub fn from_bytes(raw: &[u8]) -> Result<Self, ApduError> {
        match raw {
            [data @ .., sw1, sw2] => Ok(Response {
                data: data.to_vec(),
                status: StatusWord::from_bytes(*sw1, *sw2),
            }),
            _ => Err(ApduError::ResponseTooShort(raw.len())),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&self.status.to_bytes());
        out
    }
}

/// Most GET RESPONSE rounds accepted for one command, so a faulty card cannot loop us forever.
const MAX_GET_RESPONSE_ROUNDS: usize = 64;

/// Sends raw APDU bytes and collects the response, following `61XX` (more data available) with
/// GET RESPONSE, which T=0 readers leave to the application.
pub fn exchange(transport: &mut dyn Transport, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
    let mut raw = transport.transmit(apdu)?;
    let mut collected: Vec<u8> = Vec::new();
    for _ in 0..MAX_GET_RESPONSE_ROUNDS {
        match raw.as_slice() {
            [data @ .., 0x61, remaining] => {
                collected.extend_from_slice(data);
                let cla = apdu.first().copied().unwrap_or(0) & 0x03;
                raw = transport.transmit(&[cla, 0xC0, 0x00, 0x00, *remaining])?;
            }
            _ => break,
        }
    }
    if collected.is_empty() {
        Ok(raw)
    } else {
        collected.extend_from_slice(&raw);
        Ok(collected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_four_iso_cases_in_short_form() {
        let case1 = CommandApdu::new(0x00, 0xA4, 0x00, 0x0C);
        assert_eq!(case1.to_bytes().unwrap(), vec![0x00, 0xA4, 0x00, 0x0C]);
        let case2 = CommandApdu::new(0x00, 0x84, 0x00, 0x00).with_le(8);
        assert_eq!(
            case2.to_bytes().unwrap(),
            vec![0x00, 0x84, 0x00, 0x00, 0x08]
        );
        let case2_max = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(256);
        assert_eq!(
            case2_max.to_bytes().unwrap(),
            vec![0x00, 0xB0, 0x00, 0x00, 0x00]
        );
        let case3 = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x01, 0x1E]);
        assert_eq!(
            case3.to_bytes().unwrap(),
            vec![0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1E]
        );
        let case4 = CommandApdu::new(0x00, 0x82, 0x00, 0x00)
            .with_data([0xAA; 40])
            .with_le(40);
        let bytes = case4.to_bytes().unwrap();
        assert_eq!(bytes.len(), 4 + 1 + 40 + 1);
        assert_eq!(bytes[4], 40);
        assert_eq!(bytes[45], 40);
    }

    #[test]
    fn encodes_extended_lengths() {
        let case2e = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(65536);
        assert_eq!(
            case2e.to_bytes().unwrap(),
            vec![0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00]
        );
        let case2e_1000 = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(1000);
        assert_eq!(
            case2e_1000.to_bytes().unwrap(),
            vec![0x00, 0xB0, 0x00, 0x00, 0x00, 0x03, 0xE8]
        );
        let case4e = CommandApdu::new(0x0C, 0xB0, 0x00, 0x00)
            .with_data(vec![0x55; 300])
            .with_le(65536);
        let bytes = case4e.to_bytes().unwrap();
        assert_eq!(&bytes[4..7], &[0x00, 0x01, 0x2C]);
        assert_eq!(&bytes[bytes.len() - 2..], &[0x00, 0x00]);
        assert_eq!(bytes.len(), 4 + 3 + 300 + 2);
    }

    #[test]
    fn parses_what_it_encodes() {
        let commands = [
            CommandApdu::new(0x00, 0xA4, 0x04, 0x0C),
            CommandApdu::new(0x00, 0x84, 0x00, 0x00).with_le(8),
            CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(256),
            CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x01, 0x1E]),
            CommandApdu::new(0x00, 0x82, 0x00, 0x00)
                .with_data([7; 40])
                .with_le(40),
            CommandApdu::new(0x0C, 0xB0, 0x00, 0x00).with_le(65536),
            CommandApdu::new(0x0C, 0xB0, 0x00, 0x00).with_le(1000),
            CommandApdu::new(0x0C, 0xD6, 0x00, 0x00).with_data(vec![3; 300]),
            CommandApdu::new(0x0C, 0xB1, 0x00, 0x00)
                .with_data(vec![3; 300])
                .with_le(65536),
        ];
        for command in commands {
            let bytes = command.to_bytes().unwrap();
            assert_eq!(CommandApdu::parse(&bytes).unwrap(), command, "{bytes:02X?}");
        }
        assert!(CommandApdu::parse(&[0x00, 0xA4, 0x04]).is_err());
        assert!(CommandApdu::parse(&[0x00, 0xA4, 0x04, 0x0C, 0x05, 0x01]).is_err());
        assert!(CommandApdu::parse(&[0x00, 0xA4, 0x04, 0x0C, 0x00, 0x00, 0x05, 0x01]).is_err());
    }

    #[test]
    fn rejects_impossible_lengths() {
        let too_long = CommandApdu::new(0, 0xD6, 0, 0).with_data(vec![0; 65536]);
        assert_eq!(too_long.to_bytes(), Err(ApduError::DataTooLong(65536)));
        let zero_le = CommandApdu::new(0, 0xB0, 0, 0).with_le(0);
        assert_eq!(zero_le.to_bytes(), Err(ApduError::InvalidLe(0)));
        assert!(Response::from_bytes(&[0x90]).is_err());
    }

    #[test]
    fn splits_responses() {
        let response = Response::from_bytes(&[0x01, 0x02, 0x90, 0x00]).unwrap();
        assert_eq!(response.data, vec![0x01, 0x02]);
        assert!(response.status.is_success());
        assert_eq!(response.status.sw1(), 0x90);
        assert_eq!(response.to_bytes(), vec![0x01, 0x02, 0x90, 0x00]);
    }

    struct ChunkedCard {
        sent: Vec<Vec<u8>>,
    }

    impl Transport for ChunkedCard {
        fn transmit(&mut self, command_apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push(command_apdu.to_vec());
            Ok(match self.sent.len() {
                1 => vec![0xAA, 0x61, 0x02],
                _ => vec![0xBB, 0xCC, 0x90, 0x00],
            })
        }
    }

    #[test]
    fn follows_get_response_chains() {
        let mut card = ChunkedCard { sent: Vec::new() };
        let raw = exchange(&mut card, &[0x00, 0xB0, 0x00, 0x00, 0x03]).unwrap();
        assert_eq!(raw, vec![0xAA, 0xBB, 0xCC, 0x90, 0x00]);
        assert_eq!(card.sent[1], vec![0x00, 0xC0, 0x00, 0x00, 0x02]);
    }
}
