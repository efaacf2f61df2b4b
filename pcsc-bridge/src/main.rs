//! pcsc-bridge: the desk daemon. Reads chip ID cards (CCCD) through PC/SC for the clerk's desk
//! page and signs what it read for the school server.
//!
//! ```text
//! pcsc-bridge [--config FILE]     # default /etc/pcsc-bridge/config.toml, or $PCSC_BRIDGE_CONFIG
//! pcsc-bridge --check [--config FILE]   # validate the configuration and the trust store, then exit
//! ```
//! Logs go to stderr (journald under systemd); `RUST_LOG` sets the level (default `info`).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use pcsc_bridge::api::{self, AppState};
use pcsc_bridge::config::{self, Config};
use pcsc_bridge::icao::passive_auth::TrustStore;
use pcsc_bridge::pairing::BridgeIdentity;
use pcsc_bridge::pcsc_transport::PcscBackend;
use tracing::{error, info, warn};

struct Options {
    config: PathBuf,
    check_only: bool,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        config: std::env::var_os("PCSC_BRIDGE_CONFIG")
            .map_or_else(|| PathBuf::from(config::DEFAULT_CONFIG_FILE), PathBuf::from),
        check_only: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" | "-c" => {
                options.config = PathBuf::from(
                    args.next()
                        .ok_or_else(|| "--config needs a file name".to_owned())?,
                );
            }
            "--check" => options.check_only = true,
            "--version" | "-V" => {
                println!("pcsc-bridge {}", env!("CARGO_PKG_VERSION"));
                std::process::exit(0);
            }
            "--help" | "-h" => {
                println!("usage: pcsc-bridge [--config FILE] [--check]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    info!("stopping");
}

async fn run(options: Options) -> Result<(), String> {
    let config = Config::load(&options.config).map_err(|e| e.to_string())?;
    match TrustStore::load_dir(&config.trust_store_dir) {
        Ok(store) => {
            for skipped in store.skipped() {
                warn!(file = %skipped.path.display(), reason = %skipped.reason, "trust-store file skipped");
            }
            if store.certificates().is_empty() {
                warn!(folder = %config.trust_store_dir.display(), "no trusted CSCA certificate: no card can be verified");
            } else {
                info!(
                    count = store.certificates().len(),
                    "trusted CSCA certificates loaded"
                );
            }
        }
        Err(error) => warn!(%error, "trust store unreadable: no card can be verified"),
    }
    let identity = BridgeIdentity::load_or_create(&config.state_dir)
        .map_err(|e| format!("thư mục trạng thái / state folder: {e}"))?;
    if options.check_only {
        println!(
            "ok: server {} (origin {}), port {}, reader {:?}, public key {}",
            config.server_url,
            config.allowed_origin,
            config.listen_port,
            config.reader_name,
            identity.public_key_base64()
        );
        return Ok(());
    }
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, config.listen_port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("không mở được cổng / cannot listen on {address}: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let backend = Arc::new(PcscBackend::new(config.reader_name.clone()));
    info!(
        %address,
        origin = %config.allowed_origin,
        reader = config.reader_name.as_deref().unwrap_or("(the only one)"),
        "pcsc-bridge {} listening",
        env!("CARGO_PKG_VERSION")
    );
    let state = AppState::new(config, identity, backend, port).map_err(|e| e.to_string())?;
    api::serve(listener, Arc::new(state), shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("pcsc-bridge: {message}");
            return ExitCode::from(2);
        }
    };
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            error!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            error!("{message}");
            ExitCode::FAILURE
        }
    }
}
