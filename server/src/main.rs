use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match server::cli::parse(std::env::args().skip(1)) {
        Ok(cli) => cli,
        Err(error) => {
            eprintln!("truongso: {error}");
            return ExitCode::from(2);
        }
    };
    let config = match server::config::Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("truongso: {error}");
            return ExitCode::FAILURE;
        }
    };
    server::telemetry::init(&config.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("truongso: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(server::run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("truongso: {error:#}");
            ExitCode::FAILURE
        }
    }
}
