//! The card over PC/SC (pcsc-lite's pcscd on Linux): reader selection by name, card presence,
//! waiting for a card, and a [`Transport`] that maps PC/SC failures to the crate's errors.
//!
//! A PC/SC context is opened for every read and every status query, so a pcscd restart or a
//! reader plugged in later needs no daemon restart.

use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{Card, Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};

use crate::error::BridgeError;
use crate::icao::passive_auth::TrustStore;
use crate::icao::transport::{Transport, TransportError};
use crate::verification::{
    self, CardBackend, CardFindings, PrefilledRandom, ReadJob, ReaderStatus,
};

/// How long to watch the reader after a failed exchange to tell a removed card from a
/// reader fault: pcscd polls card presence about every 400 ms.
const REMOVAL_CONFIRMATION: Duration = Duration::from_millis(1500);
const REMOVAL_POLL: Duration = Duration::from_millis(50);

/// The PC/SC error translated for the desk.
fn service_error(error: pcsc::Error) -> BridgeError {
    match error {
        pcsc::Error::NoReadersAvailable => BridgeError::NoReaders,
        pcsc::Error::ReaderUnavailable | pcsc::Error::UnknownReader => BridgeError::ReaderUnplugged,
        pcsc::Error::NoSmartcard => BridgeError::NoCard,
        pcsc::Error::RemovedCard | pcsc::Error::ResetCard => {
            BridgeError::Card(crate::icao::reader::ReaderError::CardRemoved)
        }
        other => BridgeError::PcscUnavailable {
            detail: other.to_string(),
        },
    }
}

fn establish() -> Result<Context, BridgeError> {
    Context::establish(Scope::User).map_err(|error| BridgeError::PcscUnavailable {
        detail: error.to_string(),
    })
}

/// The names of the connected readers (empty when there are none).
pub fn list_readers(context: &Context) -> Result<Vec<String>, BridgeError> {
    match context.list_readers_owned() {
        Ok(names) => Ok(names
            .iter()
            .map(|name| name.to_string_lossy().into_owned())
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(error) => Err(service_error(error)),
    }
}

/// Picks the reader: the configured name exactly, else the one reader whose name contains it
/// (case-insensitive); with no name configured, the only reader connected. Never by list
/// order: several candidates is an error that names them.
pub fn choose_reader(configured: Option<&str>, readers: &[String]) -> Result<String, BridgeError> {
    if readers.is_empty() {
        return Err(BridgeError::NoReaders);
    }
    let Some(wanted) = configured.map(str::trim).filter(|name| !name.is_empty()) else {
        return match readers {
            [only] => Ok(only.clone()),
            several => Err(BridgeError::ReaderAmbiguous {
                names: several.to_vec(),
            }),
        };
    };
    if let Some(exact) = readers.iter().find(|name| name.as_str() == wanted) {
        return Ok(exact.clone());
    }
    let lowered = wanted.to_lowercase();
    let matching: Vec<&String> = readers
        .iter()
        .filter(|name| name.to_lowercase().contains(&lowered))
        .collect();
    match matching.as_slice() {
        [] => Err(BridgeError::ReaderNotFound {
            name: wanted.to_owned(),
        }),
        [only] => Ok((*only).clone()),
        several => Err(BridgeError::ReaderAmbiguous {
            names: several.iter().map(|name| (*name).clone()).collect(),
        }),
    }
}

fn reader_cstring(name: &str) -> Result<CString, BridgeError> {
    CString::new(name).map_err(|_| BridgeError::ReaderNotFound {
        name: name.to_owned(),
    })
}

/// The reader's current state flags.
fn reader_state(context: &Context, reader: &str) -> Result<State, BridgeError> {
    let mut states = [ReaderState::new(reader_cstring(reader)?, State::UNAWARE)];
    context
        .get_status_change(Duration::ZERO, &mut states)
        .map_err(service_error)?;
    Ok(states[0].event_state())
}

fn reader_gone(state: State) -> bool {
    state.intersects(State::UNKNOWN | State::UNAVAILABLE | State::IGNORE)
}

/// Waits up to `timeout` for a card on `reader` (SCardGetStatusChange); Ok(false) if none came.
pub fn wait_for_card(
    context: &Context,
    reader: &str,
    timeout: Duration,
) -> Result<bool, BridgeError> {
    let deadline = Instant::now() + timeout;
    let mut states = [ReaderState::new(reader_cstring(reader)?, State::UNAWARE)];
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match context.get_status_change(remaining, &mut states) {
            Ok(()) => {}
            Err(pcsc::Error::Timeout) => return Ok(false),
            Err(error) => return Err(service_error(error)),
        }
        let state = states[0].event_state();
        if reader_gone(state) {
            return Err(BridgeError::ReaderUnplugged);
        }
        if state.contains(State::PRESENT) && !state.contains(State::MUTE) {
            return Ok(true);
        }
        if remaining.is_zero() {
            return Ok(false);
        }
        states[0].sync_current_state();
    }
}

/// The [`Transport`] over one connected card.
pub struct PcscTransport<'c> {
    context: &'c Context,
    card: &'c Card,
    reader: String,
    reader_lost: bool,
    buffer: Vec<u8>,
}

impl<'c> PcscTransport<'c> {
    pub fn new(context: &'c Context, card: &'c Card, reader: &str) -> Self {
        PcscTransport {
            context,
            card,
            reader: reader.to_owned(),
            reader_lost: false,
            buffer: vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        }
    }

    /// The reader disappeared during the exchange (unplugged, or pcscd stopped).
    pub fn reader_lost(&self) -> bool {
        self.reader_lost
    }

    /// After a failed or empty exchange: was the card removed, the reader unplugged, or is it
    /// something else? Watches the reader briefly, since pcscd notices removals by polling.
    fn classify_failure(&mut self, detail: String) -> TransportError {
        let deadline = Instant::now() + REMOVAL_CONFIRMATION;
        loop {
            match self.card.status2_owned() {
                Err(
                    pcsc::Error::RemovedCard | pcsc::Error::ResetCard | pcsc::Error::NoSmartcard,
                ) => {
                    return TransportError::CardRemoved;
                }
                Err(pcsc::Error::ReaderUnavailable | pcsc::Error::UnknownReader) => {
                    self.reader_lost = true;
                    return TransportError::Reader(format!("the reader is gone ({detail})"));
                }
                Err(pcsc::Error::NoService | pcsc::Error::ServiceStopped) => {
                    self.reader_lost = true;
                    return TransportError::Reader(format!("pcscd stopped ({detail})"));
                }
                _ => {}
            }
            match reader_state(self.context, &self.reader) {
                Ok(state) if reader_gone(state) => {
                    self.reader_lost = true;
                    return TransportError::Reader(format!("the reader is gone ({detail})"));
                }
                Ok(state) if state.contains(State::EMPTY) => return TransportError::CardRemoved,
                Err(BridgeError::ReaderUnplugged | BridgeError::PcscUnavailable { .. }) => {
                    self.reader_lost = true;
                    return TransportError::Reader(format!("the reader is gone ({detail})"));
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                return TransportError::Reader(detail);
            }
            std::thread::sleep(REMOVAL_POLL);
        }
    }
}

impl Transport for PcscTransport<'_> {
    fn transmit(&mut self, command_apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let outcome = self
            .card
            .transmit(command_apdu, &mut self.buffer)
            .map(<[u8]>::to_vec);
        match outcome {
            // A response always ends with SW1 SW2; anything shorter means the link broke
            // (vpcd, for one, answers an empty success when the card vanishes).
            Ok(response) if response.len() >= 2 => Ok(response),
            Ok(response) => Err(self.classify_failure(format!(
                "{}-byte response without status word",
                response.len()
            ))),
            Err(pcsc::Error::RemovedCard | pcsc::Error::ResetCard | pcsc::Error::NoSmartcard) => {
                Err(TransportError::CardRemoved)
            }
            Err(
                error @ (pcsc::Error::ReaderUnavailable
                | pcsc::Error::UnknownReader
                | pcsc::Error::NoService
                | pcsc::Error::ServiceStopped),
            ) => {
                self.reader_lost = true;
                Err(TransportError::Reader(error.to_string()))
            }
            Err(error) => Err(self.classify_failure(error.to_string())),
        }
    }
}

/// Reads cards through PC/SC.
#[derive(Debug, Clone, Default)]
pub struct PcscBackend {
    /// The configured reader name (see [`choose_reader`]).
    pub reader_name: Option<String>,
}

impl PcscBackend {
    pub fn new(reader_name: Option<String>) -> Self {
        PcscBackend { reader_name }
    }

    fn connect(&self, context: &Context, reader: &str) -> Result<Card, BridgeError> {
        context
            .connect(
                &reader_cstring(reader)?,
                ShareMode::Shared,
                Protocols::T0 | Protocols::T1,
            )
            .map_err(|error| match error {
                pcsc::Error::RemovedCard | pcsc::Error::NoSmartcard => BridgeError::NoCard,
                pcsc::Error::UnpoweredCard | pcsc::Error::UnresponsiveCard => {
                    BridgeError::Card(crate::icao::reader::ReaderError::Reader {
                        detail: error.to_string(),
                    })
                }
                other => service_error(other),
            })
    }
}

impl CardBackend for PcscBackend {
    fn status(&self) -> ReaderStatus {
        let context = match establish() {
            Ok(context) => context,
            Err(error) => {
                return ReaderStatus {
                    error: Some(error),
                    ..ReaderStatus::default()
                };
            }
        };
        let readers = match list_readers(&context) {
            Ok(readers) => readers,
            Err(error) => {
                return ReaderStatus {
                    error: Some(error),
                    ..ReaderStatus::default()
                };
            }
        };
        let reader = match choose_reader(self.reader_name.as_deref(), &readers) {
            Ok(reader) => reader,
            Err(error) => {
                return ReaderStatus {
                    readers,
                    error: Some(error),
                    ..ReaderStatus::default()
                };
            }
        };
        match reader_state(&context, &reader) {
            Ok(state) => ReaderStatus {
                readers,
                card_present: state.contains(State::PRESENT) && !state.contains(State::MUTE),
                reader: Some(reader),
                error: None,
            },
            Err(error) => ReaderStatus {
                readers,
                reader: Some(reader),
                card_present: false,
                error: Some(error),
            },
        }
    }

    fn read(&self, job: &ReadJob, trust_store: &TrustStore) -> Result<CardFindings, BridgeError> {
        let context = establish()?;
        let readers = list_readers(&context)?;
        let reader = choose_reader(self.reader_name.as_deref(), &readers)?;
        if !wait_for_card(&context, &reader, job.wait_for_card)? {
            return Err(BridgeError::NoCard);
        }
        let mut card = self.connect(&context, &reader)?;
        let mut random = PrefilledRandom::from_os()?;
        let outcome = {
            // A transaction keeps other PC/SC clients out of the BAC session.
            let transaction = card.transaction().map_err(service_error)?;
            let mut transport = PcscTransport::new(&context, &transaction, &reader);
            let outcome = verification::read_and_check(
                &mut transport,
                &job.candidates,
                &mut random,
                job.include_face_image,
                trust_store,
                job.today,
            );
            let lost = transport.reader_lost();
            // Ending the transaction fails when the card is gone; nothing more to do then.
            let _ = transaction.end(Disposition::LeaveCard);
            outcome.map_err(|error| match error {
                crate::icao::reader::ReaderError::Reader { .. } if lost => {
                    BridgeError::ReaderUnplugged
                }
                other => BridgeError::Card(other),
            })
        };
        // Reset so the chip's BAC session ends with this read.
        let _ = card.disconnect(Disposition::ResetCard);
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn chooses_readers_by_name_never_by_order() {
        let readers = names(&["ACS ACR1252 1S CL Reader PICC 00 00", "Virtual PCD 00 00"]);
        assert_eq!(
            choose_reader(Some("Virtual PCD 00 00"), &readers).unwrap(),
            "Virtual PCD 00 00"
        );
        assert_eq!(
            choose_reader(Some("acr1252"), &readers).unwrap(),
            "ACS ACR1252 1S CL Reader PICC 00 00"
        );
        assert_eq!(
            choose_reader(None, &readers).unwrap_err().code(),
            "reader_ambiguous"
        );
        assert_eq!(
            choose_reader(Some("00 00"), &readers).unwrap_err().code(),
            "reader_ambiguous"
        );
        assert_eq!(
            choose_reader(Some("Gemalto"), &readers).unwrap_err().code(),
            "reader_not_found"
        );
        assert_eq!(
            choose_reader(None, &names(&["Only"])).unwrap(),
            "Only".to_owned()
        );
        assert_eq!(choose_reader(None, &[]).unwrap_err().code(), "reader_none");
        // An exact name wins over a longer name that contains it.
        let similar = names(&["Virtual PCD 00 00", "Virtual PCD 00 00 (2)"]);
        assert_eq!(
            choose_reader(Some("Virtual PCD 00 00"), &similar).unwrap(),
            "Virtual PCD 00 00"
        );
    }
}
