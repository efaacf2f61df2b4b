//! The pure ICAO 9303 core of the desk daemon: everything needed to open a CCCD chip with BAC,
//! read its files through secure messaging, parse them and check them with passive
//! authentication, written against a [`transport::Transport`] so it runs without a reader.

pub mod bac;
pub mod ber;
pub mod crypto;
pub mod date;
pub mod dg13;
pub mod expiry;
pub mod lds;
pub mod mrz;
pub mod passive_auth;
pub mod qr;
pub mod reader;
pub mod secure_messaging;
pub mod transport;

#[cfg(any(test, feature = "test-support"))]
pub mod testcard;

#[cfg(test)]
mod test_rng;
#[cfg(test)]
pub(crate) mod testdata;
