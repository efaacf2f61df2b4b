//! pcsc-bridge: the Trường Số desk daemon that reads chip ID cards (CCCD) through PC/SC and
//! hands the school server a signed, passively authenticated result.
//!
//! Always built (what the school server uses with `default-features = false`):
//! * [`icao`]: the pure ICAO 9303 core (BAC, secure messaging, LDS files, DG13, passive
//!   authentication);
//! * [`protocol`]: the wire format, canonical signed bytes, [`protocol::verify_result`];
//! * [`pairing`]: the bridge's Ed25519 identity and pairing state;
//! * [`verification`] and [`error`]: one card verification over any transport, and its errors.
//!
//! With the `daemon` feature (default): [`pcsc_transport`], [`config`] and [`api`].
//! With `test-support`: the software card and [`emulator`], the vpcd card emulator.

pub mod error;
pub mod icao;
pub mod pairing;
pub mod protocol;
pub mod verification;

#[cfg(feature = "daemon")]
pub mod api;
#[cfg(feature = "daemon")]
pub mod config;
#[cfg(feature = "daemon")]
pub mod pcsc_transport;

#[cfg(feature = "test-support")]
pub mod emulator;

#[cfg(all(feature = "daemon", any(test, feature = "test-support")))]
pub mod testing;
