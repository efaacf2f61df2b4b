//! The server-side check of a signed result: arbitrary payloads never verify, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pcsc_bridge::protocol;

fuzz_target!(|data: &[u8]| {
    let public_key = [0x3Bu8; 32];
    let (signature, payload) = data.split_at(data.len().min(64));
    let _ = protocol::verify_result(payload, signature, &public_key);
});
