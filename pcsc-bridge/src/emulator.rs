//! TEST ONLY: a CCCD chip emulator for vsmartcard's virtual PC/SC reader (vpcd).
//!
//! pcscd's vpcd driver listens on TCP (127.0.0.1:35963 for the reader slot "Virtual PCD 00
//! 00", 35964 for "… 00 01"; see `/etc/reader.conf.d/vpcd`); a virtual card connects to it.
//! Connecting is inserting the card, closing the connection is removing it.
//!
//! The vpcd protocol, as the driver (vsmartcard `vpcd.c`, `ifd-vpcd.c`) speaks it: every
//! message in either direction is a 2-byte big-endian length followed by that many bytes.
//! From the driver, a 1-byte message is a control code: `00` power off, `01` power on, `02`
//! reset (no answer to these three), `04` get ATR (answered with the ATR). The driver also
//! asks for the ATR to poll card presence, about every 400 ms. Any longer message is a command
//! APDU, answered with the response APDU (status word included).
//!
//! The card itself is [`SoftCard`]: BAC and secure messaging are enforced, and it serves the
//! fixture files signed by the TEST ONLY PKI.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::icao::lds::{self, ElementaryFile};
use crate::icao::mrz::{MrzError, MrzInfo};
use crate::icao::testcard::SoftCard;

pub const DEFAULT_VPCD_ADDR: &str = "127.0.0.1:35963";
pub const CTRL_POWER_OFF: u8 = 0x00;
pub const CTRL_POWER_ON: u8 = 0x01;
pub const CTRL_RESET: u8 = 0x02;
pub const CTRL_GET_ATR: u8 = 0x04;
/// An ISO 14443-4 card as PC/SC part 3 presents it, without historical bytes: T=0 and T=1
/// offered (TD1 = 80, TD2 = 01), TCK = 01.
pub const ATR: [u8; 5] = [0x3B, 0x80, 0x80, 0x01, 0x01];
/// How often a blocked read wakes up to look at the controls.
const POLL: Duration = Duration::from_millis(50);

#[derive(Debug, Error)]
pub enum EmulatorError {
    #[error("cannot read fixture {path}: {source}")]
    Fixture { path: String, source: io::Error },
    #[error("DG1 fixture: {0}")]
    Dg1(String),
    #[error("MRZ of the DG1 fixture: {0}")]
    Mrz(#[from] MrzError),
    #[error("network: {0}")]
    Io(#[from] io::Error),
}

/// One message from the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VpcdMessage {
    PowerOff,
    PowerOn,
    Reset,
    GetAtr,
    Apdu(Vec<u8>),
    /// A 1-byte code this emulator does not know, or an empty message: ignored.
    Unknown(Vec<u8>),
}

impl VpcdMessage {
    pub fn decode(payload: Vec<u8>) -> Self {
        match payload.as_slice() {
            [CTRL_POWER_OFF] => VpcdMessage::PowerOff,
            [CTRL_POWER_ON] => VpcdMessage::PowerOn,
            [CTRL_RESET] => VpcdMessage::Reset,
            [CTRL_GET_ATR] => VpcdMessage::GetAtr,
            [] | [_] => VpcdMessage::Unknown(payload),
            _ => VpcdMessage::Apdu(payload),
        }
    }
}

/// A message with its 2-byte big-endian length, ready to be written in one piece (one write
/// per message keeps Nagle and delayed ACKs from adding 40 ms per APDU).
pub fn encode_frame(payload: &[u8]) -> io::Result<Vec<u8>> {
    let length = u16::try_from(payload.len()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "vpcd messages are at most 65535 bytes",
        )
    })?;
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&length.to_be_bytes());
    frame.extend_from_slice(payload);
    Ok(frame)
}

/// Splits a byte stream into vpcd messages.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buffer: Vec<u8>,
}

impl FrameDecoder {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete message, if one has arrived.
    pub fn next_frame(&mut self) -> Option<Vec<u8>> {
        let [high, low, ..] = self.buffer[..] else {
            return None;
        };
        let length = usize::from(u16::from_be_bytes([high, low]));
        if self.buffer.len() < 2 + length {
            return None;
        }
        let payload = self.buffer[2..2 + length].to_vec();
        self.buffer.drain(..2 + length);
        Some(payload)
    }
}

/// The card's content and the MRZ it opens with.
#[derive(Debug, Clone)]
pub struct CardImage {
    nine_digit_access: MrzInfo,
    twelve_digit_access: Option<MrzInfo>,
    files: Vec<(ElementaryFile, Vec<u8>)>,
}

impl CardImage {
    /// EF.COM, DG1, DG2, DG13 and the given EF.SOD from a fixture folder; the MRZ the chip
    /// accepts is the one in DG1.
    pub fn from_fixture_dir(dir: &Path, sod_file: &str) -> Result<Self, EmulatorError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| EmulatorError::Fixture {
                path: path.display().to_string(),
                source,
            })
        };
        let files = vec![
            (ElementaryFile::Com, read("ef_com.bin")?),
            (ElementaryFile::Dg1, read("dg1.bin")?),
            (ElementaryFile::Dg2, read("dg2.bin")?),
            (ElementaryFile::Dg13, read("dg13.bin")?),
            (ElementaryFile::Sod, read(sod_file)?),
        ];
        Self::from_files(files)
    }

    pub fn from_files(files: Vec<(ElementaryFile, Vec<u8>)>) -> Result<Self, EmulatorError> {
        let dg1 = files
            .iter()
            .find(|(file, _)| *file == ElementaryFile::Dg1)
            .map(|(_, content)| content.as_slice())
            .ok_or_else(|| EmulatorError::Dg1("missing".to_owned()))?;
        let mrz = lds::parse_dg1(dg1).map_err(|error| EmulatorError::Dg1(error.to_string()))?;
        let nine_digit_access = MrzInfo::new(
            &mrz.document_number,
            &mrz.date_of_birth,
            &mrz.date_of_expiry,
        )?;
        let twelve_digit_access = match mrz.personal_id() {
            Some(id) => Some(MrzInfo::new(id, &mrz.date_of_birth, &mrz.date_of_expiry)?),
            None => None,
        };
        Ok(CardImage {
            nine_digit_access,
            twelve_digit_access,
            files,
        })
    }

    /// A freshly powered card (no session). With `twelve_digit`, BAC keys come from the
    /// 12-digit personal ID instead of the MRZ document number.
    pub fn power_on(&self, twelve_digit: bool) -> Result<SoftCard, MrzError> {
        let access = match (&self.twelve_digit_access, twelve_digit) {
            (Some(twelve), true) => twelve,
            _ => &self.nine_digit_access,
        };
        let mut card = SoftCard::new(access)?;
        for (file, content) in &self.files {
            card = card.with_file(*file, content.clone());
        }
        Ok(card)
    }
}

#[derive(Debug, Clone, Default)]
struct ControlState {
    removed: bool,
    drop_after: Option<u64>,
    twelve_digit: bool,
    connected: bool,
    /// The driver has asked for the ATR on the current connection: pcscd sees the card.
    seen_by_driver: bool,
    apdus: u64,
    shutdown: bool,
}

/// Remote control of a running emulator, shared between threads.
#[derive(Debug, Clone, Default)]
pub struct Controls {
    inner: Arc<(Mutex<ControlState>, Condvar)>,
}

impl Controls {
    fn state(&self) -> MutexGuard<'_, ControlState> {
        // A poisoned lock only means another thread panicked mid-update; the flags stay usable.
        self.inner
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn update(&self, change: impl FnOnce(&mut ControlState)) {
        change(&mut self.state());
        self.inner.1.notify_all();
    }

    /// The card leaves the reader when `count` more APDUs have arrived: the last one is not
    /// answered. It comes back after the emulator's reinsertion delay.
    pub fn drop_after(&self, count: u64) {
        self.update(|state| state.drop_after = Some(count));
    }

    pub fn remove(&self) {
        self.update(|state| state.removed = true);
    }

    pub fn insert(&self) {
        self.update(|state| state.removed = false);
    }

    /// Which document number the chip's BAC keys use from the next power-on.
    pub fn set_twelve_digit(&self, twelve_digit: bool) {
        self.update(|state| state.twelve_digit = twelve_digit);
    }

    pub fn shutdown(&self) {
        self.update(|state| state.shutdown = true);
    }

    pub fn apdus(&self) -> u64 {
        self.state().apdus
    }

    pub fn is_ready(&self) -> bool {
        let state = self.state();
        state.connected && state.seen_by_driver
    }

    /// Waits until the driver has seen the card (true), or `timeout` passed (false).
    pub fn wait_ready(&self, timeout: Duration) -> bool {
        self.wait_for(timeout, |state| state.connected && state.seen_by_driver)
    }

    /// Waits until the card is out of the reader.
    pub fn wait_disconnected(&self, timeout: Duration) -> bool {
        self.wait_for(timeout, |state| !state.connected)
    }

    fn wait_for(&self, timeout: Duration, done: impl Fn(&ControlState) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.state();
        loop {
            if done(&state) {
                return true;
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return false;
            }
            state = match self.inner.1.wait_timeout(state, remaining) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

/// Why one connection ended.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// The driver closed it (pcscd stopped or restarted).
    ByDriver,
    /// `drop_after` fired: the card was pulled mid-command.
    Dropped,
    /// `remove` was asked.
    Removed,
    Shutdown,
}

/// The emulator: connects to vpcd, serves the card, reconnects after removals.
pub struct Emulator {
    pub image: CardImage,
    pub vpcd_addr: SocketAddr,
    pub controls: Controls,
    /// How long a card pulled by `drop_after` stays out; longer than pcscd's presence poll,
    /// so pcscd notices the removal.
    pub reinsert_delay: Duration,
}

impl Emulator {
    pub fn new(image: CardImage, vpcd_addr: impl ToSocketAddrs) -> Result<Self, EmulatorError> {
        let vpcd_addr = vpcd_addr
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no vpcd address"))?;
        Ok(Emulator {
            image,
            vpcd_addr,
            controls: Controls::default(),
            reinsert_delay: Duration::from_millis(1000),
        })
    }

    /// Runs until [`Controls::shutdown`].
    pub fn run(&self) {
        loop {
            if self.controls.state().shutdown {
                return;
            }
            if self.controls.state().removed {
                thread::sleep(POLL);
                continue;
            }
            let stream = match TcpStream::connect_timeout(&self.vpcd_addr, Duration::from_secs(1)) {
                Ok(stream) => stream,
                Err(_) => {
                    // The driver is not listening yet (pcscd starting): try again shortly.
                    thread::sleep(Duration::from_millis(20));
                    continue;
                }
            };
            self.controls.update(|state| {
                state.connected = true;
                state.seen_by_driver = false;
            });
            let ended = self.serve(stream);
            self.controls.update(|state| {
                state.connected = false;
                state.seen_by_driver = false;
            });
            match ended {
                Ended::Shutdown => return,
                Ended::Dropped => thread::sleep(self.reinsert_delay),
                Ended::ByDriver => thread::sleep(Duration::from_millis(100)),
                Ended::Removed => {}
            }
        }
    }

    fn serve(&self, mut stream: TcpStream) -> Ended {
        if stream.set_nodelay(true).is_err() || stream.set_read_timeout(Some(POLL)).is_err() {
            return Ended::ByDriver;
        }
        let mut decoder = FrameDecoder::default();
        let mut card: Option<SoftCard> = None;
        let mut chunk = [0u8; 4096];
        loop {
            while let Some(payload) = decoder.next_frame() {
                match self.answer(VpcdMessage::decode(payload), &mut card) {
                    Ok(Some(reply)) => {
                        let written = encode_frame(&reply)
                            .and_then(|frame| stream.write_all(&frame))
                            .and_then(|()| stream.flush());
                        if written.is_err() {
                            return Ended::ByDriver;
                        }
                    }
                    Ok(None) => {}
                    Err(ended) => return ended,
                }
            }
            {
                let state = self.controls.state();
                if state.shutdown {
                    return Ended::Shutdown;
                }
                if state.removed {
                    return Ended::Removed;
                }
            }
            // The packaged vpcd writes the length and the body of a message in two sends, and
            // Nagle holds the body until the length is acknowledged: acknowledge at once, or
            // every APDU waits for a 40 ms delayed ACK. The flag is not sticky: set it per read.
            #[cfg(target_os = "linux")]
            let _ = socket2::SockRef::from(&stream).set_tcp_quickack(true);
            match stream.read(&mut chunk) {
                Ok(0) => return Ended::ByDriver,
                Ok(count) => decoder.push(&chunk[..count]),
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(_) => return Ended::ByDriver,
            }
        }
    }

    /// The reply to one message (None for power controls), or the end of the connection.
    fn answer(
        &self,
        message: VpcdMessage,
        card: &mut Option<SoftCard>,
    ) -> Result<Option<Vec<u8>>, Ended> {
        match message {
            VpcdMessage::GetAtr => {
                self.controls.update(|state| state.seen_by_driver = true);
                Ok(Some(ATR.to_vec()))
            }
            VpcdMessage::PowerOff => {
                *card = None;
                Ok(None)
            }
            VpcdMessage::PowerOn | VpcdMessage::Reset => {
                *card = self.fresh_card();
                Ok(None)
            }
            VpcdMessage::Unknown(_) => Ok(None),
            VpcdMessage::Apdu(apdu) => {
                let mut pull = false;
                self.controls.update(|state| {
                    state.apdus += 1;
                    if let Some(remaining) = state.drop_after {
                        if remaining <= 1 {
                            state.drop_after = None;
                            pull = true;
                        } else {
                            state.drop_after = Some(remaining - 1);
                        }
                    }
                });
                if pull {
                    return Err(Ended::Dropped);
                }
                if card.is_none() {
                    *card = self.fresh_card();
                }
                Ok(Some(match card.as_mut() {
                    Some(card) => card.process_apdu(&apdu),
                    // The fixture MRZ was valid at start-up, so this does not happen.
                    None => vec![0x6F, 0x00],
                }))
            }
        }
    }

    fn fresh_card(&self) -> Option<SoftCard> {
        let twelve = self.controls.state().twelve_digit;
        self.image.power_on(twelve).ok()
    }
}

/// Serves the line-based control protocol on `listener`, one thread per connection:
///
/// | command | answer |
/// |---|---|
/// | `ping` | `pong connected=0/1 ready=0/1` |
/// | `wait-ready MS` | `ok` once pcscd has seen the card, or `timeout` |
/// | `wait-removed MS` | `ok` once the card is out, or `timeout` |
/// | `drop-after N` | `ok`; the card is pulled when N more APDUs arrived |
/// | `remove` / `insert` | `ok` |
/// | `bac nine` / `bac twelve` | `ok`; BAC key document number from the next power-on |
/// | `apdus` | the number of APDUs received so far |
pub fn serve_controls(listener: TcpListener, controls: Controls) {
    for stream in listener.incoming().flatten() {
        let controls = controls.clone();
        thread::spawn(move || {
            let _ = control_session(stream, &controls);
        });
    }
}

fn control_session(stream: TcpStream, controls: &Controls) -> io::Result<()> {
    let mut writer = stream.try_clone()?;
    for line in BufReader::new(stream).lines() {
        let line = line?;
        let answer = control_command(line.trim(), controls);
        writer.write_all(format!("{answer}\n").as_bytes())?;
    }
    Ok(())
}

/// Executes one control command and returns the answer line.
pub fn control_command(line: &str, controls: &Controls) -> String {
    let mut words = line.split_whitespace();
    let command = words.next().unwrap_or("");
    let argument = words.next();
    let millis = || Duration::from_millis(argument.and_then(|a| a.parse().ok()).unwrap_or(5000));
    let ok_or_timeout = |done: bool| if done { "ok" } else { "timeout" }.to_owned();
    match command {
        "ping" => {
            let state = controls.state();
            format!(
                "pong connected={} ready={}",
                u8::from(state.connected),
                u8::from(state.connected && state.seen_by_driver)
            )
        }
        "wait-ready" => ok_or_timeout(controls.wait_ready(millis())),
        "wait-removed" => ok_or_timeout(controls.wait_disconnected(millis())),
        "drop-after" => match argument.and_then(|a| a.parse::<u64>().ok()) {
            Some(count) if count > 0 => {
                controls.drop_after(count);
                "ok".to_owned()
            }
            _ => "error drop-after needs a positive count".to_owned(),
        },
        "remove" => {
            controls.remove();
            "ok".to_owned()
        }
        "insert" => {
            controls.insert();
            "ok".to_owned()
        }
        "bac" => match argument {
            Some("nine") => {
                controls.set_twelve_digit(false);
                "ok".to_owned()
            }
            Some("twelve") => {
                controls.set_twelve_digit(true);
                "ok".to_owned()
            }
            _ => "error bac needs nine or twelve".to_owned(),
        },
        "apdus" => controls.apdus().to_string(),
        _ => format!("error unknown command {command:?}"),
    }
}

/// Client side of the control protocol, for tests.
pub struct ControlClient {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl ControlClient {
    pub fn connect(addr: impl ToSocketAddrs) -> io::Result<Self> {
        let writer = TcpStream::connect(addr)?;
        let reader = BufReader::new(writer.try_clone()?);
        Ok(ControlClient { reader, writer })
    }

    /// Sends one command and returns the answer line without its newline.
    pub fn command(&mut self, line: &str) -> io::Result<String> {
        self.writer.write_all(format!("{line}\n").as_bytes())?;
        let mut answer = String::new();
        self.reader.read_line(&mut answer)?;
        Ok(answer.trim_end().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::icao::mrz::Td1Mrz;
    use crate::icao::reader::{self, RandomSource, ReadRequest, ReaderError};
    use crate::icao::testdata;
    use crate::icao::transport::{Transport, TransportError};

    /// The driver's side of vpcd, in the test: listens, sends messages, reads answers.
    struct FakeDriver {
        stream: TcpStream,
    }

    impl FakeDriver {
        fn send(&mut self, payload: &[u8]) {
            self.stream
                .write_all(&encode_frame(payload).unwrap())
                .unwrap();
        }

        fn receive(&mut self) -> Option<Vec<u8>> {
            let mut length = [0u8; 2];
            self.stream.read_exact(&mut length).ok()?;
            let mut payload = vec![0u8; usize::from(u16::from_be_bytes(length))];
            self.stream.read_exact(&mut payload).ok()?;
            Some(payload)
        }
    }

    impl Transport for FakeDriver {
        fn transmit(&mut self, command_apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.send(command_apdu);
            self.receive().ok_or(TransportError::CardRemoved)
        }
    }

    struct Counter(u8);

    impl RandomSource for Counter {
        fn fill(&mut self, buffer: &mut [u8]) {
            for byte in buffer {
                self.0 = self.0.wrapping_add(11);
                *byte = self.0;
            }
        }
    }

    fn image() -> CardImage {
        CardImage::from_files(vec![
            (ElementaryFile::Com, testdata::EF_COM.to_vec()),
            (ElementaryFile::Dg1, testdata::DG1.to_vec()),
            (ElementaryFile::Dg2, testdata::DG2.to_vec()),
            (ElementaryFile::Dg13, testdata::DG13.to_vec()),
            (ElementaryFile::Sod, testdata::SOD_RSA_PKCS1V15.to_vec()),
        ])
        .unwrap()
    }

    fn start() -> (Arc<Emulator>, TcpListener) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut emulator = Emulator::new(image(), listener.local_addr().unwrap()).unwrap();
        emulator.reinsert_delay = Duration::from_millis(10);
        let emulator = Arc::new(emulator);
        let running = emulator.clone();
        thread::spawn(move || running.run());
        (emulator, listener)
    }

    fn accept(listener: &TcpListener) -> FakeDriver {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        FakeDriver { stream }
    }

    #[test]
    fn decodes_frames_split_anywhere() {
        let mut bytes = encode_frame(&[CTRL_GET_ATR]).unwrap();
        bytes.extend(encode_frame(&[0x00, 0xA4, 0x04, 0x0C]).unwrap());
        bytes.extend(encode_frame(&[]).unwrap());
        for split in 0..bytes.len() {
            let mut decoder = FrameDecoder::default();
            decoder.push(&bytes[..split]);
            let mut frames = Vec::new();
            while let Some(frame) = decoder.next_frame() {
                frames.push(frame);
            }
            decoder.push(&bytes[split..]);
            while let Some(frame) = decoder.next_frame() {
                frames.push(frame);
            }
            let messages: Vec<VpcdMessage> = frames.into_iter().map(VpcdMessage::decode).collect();
            assert_eq!(
                messages,
                vec![
                    VpcdMessage::GetAtr,
                    VpcdMessage::Apdu(vec![0x00, 0xA4, 0x04, 0x0C]),
                    VpcdMessage::Unknown(vec![]),
                ]
            );
        }
        assert!(encode_frame(&vec![0; 65536]).is_err());
        assert_eq!(VpcdMessage::decode(vec![0x01]), VpcdMessage::PowerOn);
        assert_eq!(VpcdMessage::decode(vec![0x00]), VpcdMessage::PowerOff);
        assert_eq!(VpcdMessage::decode(vec![0x02]), VpcdMessage::Reset);
    }

    #[test]
    fn serves_a_full_read_over_the_vpcd_protocol() {
        let (emulator, listener) = start();
        let mut driver = accept(&listener);
        driver.send(&[CTRL_GET_ATR]);
        assert_eq!(driver.receive().unwrap(), ATR.to_vec());
        assert!(emulator.controls.wait_ready(Duration::from_secs(5)));
        driver.send(&[CTRL_POWER_ON]);
        let candidates = Td1Mrz::parse(testdata::CCCD_MRZ)
            .unwrap()
            .bac_candidates()
            .unwrap();
        let read = reader::read_card(
            &mut driver,
            &candidates,
            &mut Counter(1),
            &ReadRequest::standard(),
        )
        .unwrap();
        assert_eq!(read.file(ElementaryFile::Dg13), Some(testdata::DG13));
        assert!(emulator.controls.apdus() > 10);
        emulator.controls.shutdown();
    }

    #[test]
    fn drops_the_connection_mid_read_and_comes_back() {
        let (emulator, listener) = start();
        let mut driver = accept(&listener);
        let candidates = Td1Mrz::parse(testdata::CCCD_MRZ)
            .unwrap()
            .bac_candidates()
            .unwrap();
        assert_eq!(control_command("drop-after 6", &emulator.controls), "ok");
        let error = reader::read_card(
            &mut driver,
            &candidates,
            &mut Counter(2),
            &ReadRequest::standard(),
        )
        .unwrap_err();
        assert_eq!(error, ReaderError::CardRemoved);
        assert_eq!(emulator.controls.apdus(), 6);
        // Re-inserted: a new connection and a fresh card.
        let mut driver = accept(&listener);
        driver.send(&[CTRL_GET_ATR]);
        assert_eq!(driver.receive().unwrap(), ATR.to_vec());
        let read = reader::read_card(
            &mut driver,
            &candidates,
            &mut Counter(3),
            &ReadRequest::only(&[ElementaryFile::Dg1]),
        )
        .unwrap();
        assert_eq!(read.file(ElementaryFile::Dg1), Some(testdata::DG1));

        // Removed on command, back on command, with twelve-digit BAC keys.
        assert_eq!(control_command("bac twelve", &emulator.controls), "ok");
        assert_eq!(control_command("remove", &emulator.controls), "ok");
        assert!(driver.receive().is_none(), "the connection closes");
        assert_eq!(
            control_command("wait-removed 2000", &emulator.controls),
            "ok"
        );
        assert!(control_command("ping", &emulator.controls).starts_with("pong connected=0"));
        assert_eq!(control_command("insert", &emulator.controls), "ok");
        let mut driver = accept(&listener);
        driver.send(&[CTRL_GET_ATR]);
        assert_eq!(driver.receive().unwrap(), ATR.to_vec());
        assert_eq!(control_command("wait-ready 2000", &emulator.controls), "ok");
        let read = reader::read_card(
            &mut driver,
            &candidates,
            &mut Counter(4),
            &ReadRequest::only(&[ElementaryFile::Dg1]),
        )
        .unwrap();
        assert_eq!(
            read.opened_with,
            crate::icao::mrz::DocumentNumberForm::AllTwelveDigits
        );
        assert!(control_command("nonsense", &emulator.controls).starts_with("error"));
        assert!(control_command("drop-after 0", &emulator.controls).starts_with("error"));
        emulator.controls.shutdown();
    }

    #[test]
    fn the_control_protocol_works_over_tcp() {
        let controls = Controls::default();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let served = controls.clone();
        thread::spawn(move || serve_controls(listener, served));
        let mut client = ControlClient::connect(addr).unwrap();
        assert_eq!(client.command("ping").unwrap(), "pong connected=0 ready=0");
        assert_eq!(client.command("wait-ready 10").unwrap(), "timeout");
        assert_eq!(client.command("drop-after 3").unwrap(), "ok");
        assert_eq!(client.command("apdus").unwrap(), "0");
    }
}
