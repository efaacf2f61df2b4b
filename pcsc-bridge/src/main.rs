//! pcsc-bridge: the desk daemon that will read chip ID cards through PC/SC.
//! This crate is a placeholder in the workspace until the desk-verification work lands;
//! it refuses to run rather than pretend to read a card.

fn main() -> std::process::ExitCode {
    eprintln!(
        "pcsc-bridge: chưa có chức năng đọc thẻ trong bản này / card reading is not available in this build yet"
    );
    std::process::ExitCode::from(2)
}
