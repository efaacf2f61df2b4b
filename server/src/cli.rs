//! The command line: `truongso [--config FILE] [serve | migrate | backup FILE | restore FILE [--force]]`.

use std::path::PathBuf;

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Serve,
    Migrate,
    Backup(PathBuf),
    Restore { from: PathBuf, force: bool },
    Help,
    Version,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Cli {
    pub config: Option<PathBuf>,
    pub command: Command,
}

pub const USAGE: &str = "\
Trường Số — school management server

Usage:
  truongso [--config FILE] [serve]             run the server (default)
  truongso [--config FILE] migrate             apply database migrations and exit
  truongso [--config FILE] backup FILE         copy the database to FILE while the server runs
  truongso [--config FILE] restore FILE [--force]
                                               put a backup in place (stop the server first)
  truongso --help | --version

Configuration: truongso.toml (or --config FILE, or TRUONGSO_CONFIG), overridden by
TRUONGSO_* environment variables (TRUONGSO_DATABASE__URL, …) and DATABASE_URL.";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("Tham số không hợp lệ / invalid arguments: {0}\n\n{USAGE}")]
pub struct CliError(String);

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Cli, CliError> {
    let mut config = std::env::var_os("TRUONGSO_CONFIG").map(PathBuf::from);
    let mut words = Vec::new();
    let mut force = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" | "-c" => {
                config = Some(PathBuf::from(
                    args.next()
                        .ok_or_else(|| CliError("--config FILE".into()))?,
                ));
            }
            "--force" => force = true,
            "--help" | "-h" => {
                return Ok(Cli {
                    config,
                    command: Command::Help,
                });
            }
            "--version" | "-V" => {
                return Ok(Cli {
                    config,
                    command: Command::Version,
                });
            }
            other if other.starts_with('-') => {
                return Err(CliError(format!("unknown option {other}")));
            }
            _ => words.push(arg),
        }
    }
    let command = match words
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] | ["serve"] => Command::Serve,
        ["migrate"] => Command::Migrate,
        ["backup", file] => Command::Backup(PathBuf::from(file)),
        ["restore", file] => Command::Restore {
            from: PathBuf::from(file),
            force,
        },
        other => return Err(CliError(other.join(" "))),
    };
    if force && !matches!(command, Command::Restore { .. }) {
        return Err(CliError("--force only applies to restore".into()));
    }
    Ok(Cli { config, command })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn commands_are_parsed() {
        assert_eq!(parse(args(&[])).unwrap().command, Command::Serve);
        assert_eq!(
            parse(args(&["backup", "x.db"])).unwrap().command,
            Command::Backup("x.db".into())
        );
        assert_eq!(
            parse(args(&["--config", "a.toml", "restore", "x.db", "--force"])).unwrap(),
            Cli {
                config: Some("a.toml".into()),
                command: Command::Restore {
                    from: "x.db".into(),
                    force: true
                }
            }
        );
        assert!(parse(args(&["backup"])).is_err());
        assert!(parse(args(&["serve", "--force"])).is_err());
        assert!(parse(args(&["--bogus"])).is_err());
    }
}
