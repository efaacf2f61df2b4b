//! pcsc-bridge library: the pure ICAO 9303 core used by the desk daemon.
pub mod icao;
