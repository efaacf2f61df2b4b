//! TEST ONLY: a CCCD chip emulator for vsmartcard's vpcd driver (see `pcsc_bridge::emulator`).
//!
//! ```text
//! cccd-emulator [--vpcd HOST:PORT] [--control HOST:PORT] [--fixtures DIR] [--sod FILE]
//!               [--twelve-digit] [--reinsert-ms N]
//! ```
//! It serves the fictional card of `tests/fixtures` (signed by the TEST ONLY CSCA) until it is
//! killed. With `--control`, it listens there for the line commands of `serve_controls` and
//! prints `control listening on ADDR` once ready.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use pcsc_bridge::emulator::{self, CardImage, Emulator};

struct Options {
    vpcd: String,
    control: Option<String>,
    fixtures: PathBuf,
    sod: String,
    twelve_digit: bool,
    reinsert_ms: u64,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        vpcd: emulator::DEFAULT_VPCD_ADDR.to_owned(),
        control: None,
        fixtures: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
        sod: "sod-rsa-pkcs1v15.bin".to_owned(),
        twelve_digit: false,
        reinsert_ms: 1000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--vpcd" => options.vpcd = value("--vpcd")?,
            "--control" => options.control = Some(value("--control")?),
            "--fixtures" => options.fixtures = PathBuf::from(value("--fixtures")?),
            "--sod" => options.sod = value("--sod")?,
            "--twelve-digit" => options.twelve_digit = true,
            "--reinsert-ms" => {
                options.reinsert_ms = value("--reinsert-ms")?
                    .parse()
                    .map_err(|_| "--reinsert-ms needs a number of milliseconds".to_owned())?;
            }
            "--help" | "-h" => {
                return Err(
                    "usage: cccd-emulator [--vpcd HOST:PORT] [--control HOST:PORT] \
                            [--fixtures DIR] [--sod FILE] [--twelve-digit] [--reinsert-ms N]"
                        .to_owned(),
                );
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

fn run() -> Result<(), String> {
    let options = parse_options()?;
    let image =
        CardImage::from_fixture_dir(&options.fixtures, &options.sod).map_err(|e| e.to_string())?;
    let mut emulator = Emulator::new(image, options.vpcd.as_str()).map_err(|e| e.to_string())?;
    emulator.reinsert_delay = Duration::from_millis(options.reinsert_ms);
    emulator.controls.set_twelve_digit(options.twelve_digit);
    if let Some(address) = &options.control {
        let listener = TcpListener::bind(address).map_err(|e| format!("{address}: {e}"))?;
        let controls = emulator.controls.clone();
        std::thread::spawn(move || emulator::serve_controls(listener, controls));
        println!("control listening on {address}");
    }
    eprintln!(
        "cccd-emulator (TEST ONLY): serving the fixture card to vpcd at {}",
        options.vpcd
    );
    emulator.run();
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cccd-emulator: {message}");
            ExitCode::from(2)
        }
    }
}
