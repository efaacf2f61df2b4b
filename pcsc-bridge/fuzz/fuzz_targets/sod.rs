//! EF.SOD (CMS SignedData) and certificate parsing: any bytes, no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pcsc_bridge::icao::passive_auth::{Certificate, parse_sod};

fuzz_target!(|data: &[u8]| {
    let _ = parse_sod(data);
    let _ = Certificate::from_der(data);
});
