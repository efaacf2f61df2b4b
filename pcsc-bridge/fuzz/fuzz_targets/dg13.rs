//! DG13 and the BER walker under it: any bytes, no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pcsc_bridge::icao::{ber, dg13, lds};

fuzz_target!(|data: &[u8]| {
    let _ = dg13::parse_dg13(data);
    let _ = lds::parse_dg1(data);
    let _ = lds::parse_ef_com(data);
    for tlv in ber::TlvIter::new(data).flatten() {
        let _ = tlv.child_list();
    }
});
