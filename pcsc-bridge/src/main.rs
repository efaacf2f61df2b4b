//! pcsc-bridge: the desk daemon that will read chip ID cards through PC/SC.
//! The ICAO 9303 core (BAC, secure messaging, file reading, DG13, passive authentication) is in
//! the library, `pcsc_bridge::icao`; the PC/SC transport and the desk API are not written yet,
//! so the binary refuses to run rather than pretend to read a card.

fn main() -> std::process::ExitCode {
    eprintln!(
        "pcsc-bridge: chưa có chức năng đọc thẻ trong bản này / card reading is not available in this build yet"
    );
    std::process::ExitCode::from(2)
}
