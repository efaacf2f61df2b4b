//! Secure-messaging response parsing and verification: any bytes, no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pcsc_bridge::icao::crypto::TdesKey;
use pcsc_bridge::icao::secure_messaging::{SecureChannel, SessionKeys};
use pcsc_bridge::icao::transport::CommandApdu;

fuzz_target!(|data: &[u8]| {
    let keys = SessionKeys {
        enc: TdesKey::new(*b"0123456789abcdef"),
        mac: TdesKey::new(*b"fedcba9876543210"),
    };
    let mut channel = SecureChannel::new(keys, [0; 8]);
    let _ = channel.unprotect(data);
    let _ = CommandApdu::parse(data);
});
