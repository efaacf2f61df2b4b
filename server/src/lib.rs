//! The Trường Số server: configuration, router, middleware and start-up. No business rules
//! live here; they are in the `app` crate, next to the screens that use them.

pub mod backup;
pub mod cli;
pub mod config;
pub mod errors;
pub mod health;
pub mod metrics;
pub mod routes;
pub mod security;
pub mod startup;
pub mod telemetry;

use app::platform::clock::Clock;

use crate::cli::Command;
use crate::config::Config;
use crate::startup::Application;

/// Runs one command of the command line. Errors come back as one printable message.
pub async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let application = Application::build(&config, Clock::System).await?;
            if let Some(addr) = application.local_addr() {
                tracing::info!(%addr, public_url = %config.server.public_url, mode = ?config.mode, "Trường Số is serving");
                println!(
                    "Trường Số đang chạy tại / is running at {} (listening on {addr})",
                    config.server.public_url
                );
            }
            application.run_until(shutdown_signal()).await?;
            tracing::info!("stopped");
        }
        Command::Migrate => {
            startup::ensure_writable_dir(&config.data_dir)?;
            startup::connect_database(&config).await?.close().await;
            println!("Đã cập nhật cơ sở dữ liệu / database migrated");
        }
        Command::Backup(file) => {
            let report = backup::backup(&config, &file).await?;
            println!(
                "Đã sao lưu / backup written: {} ({} bytes). Giữ khoá số định danh ở nơi khác / keep the personal-ID key separately.",
                report.path.display(),
                report.bytes
            );
        }
        Command::Restore { from, force } => {
            backup::restore(&config, &from, force).await?;
            println!("Đã khôi phục / restored from {}", from.display());
        }
        Command::Help => println!("{}", cli::USAGE),
        Command::Version => println!("truongso {}", env!("CARGO_PKG_VERSION")),
    }
    Ok(())
}

/// Ctrl-C or SIGTERM (systemd's stop) starts a graceful shutdown.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
