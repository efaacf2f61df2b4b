//! Fuzz-style tests of everything that parses bytes from a card or the network: seeded random
//! inputs, structured generators and mutated fixtures, with properties beyond "no panic" where
//! there is one. Each target runs a quick version by default and a long one when asked:
//!
//! ```text
//! cargo test -p pcsc-bridge --test fuzz_parsers                    # quick (seconds)
//! PCSC_BRIDGE_FUZZ_ROUNDS=2000000 PCSC_BRIDGE_FUZZ_SEED=42 \
//!     cargo test --release -p pcsc-bridge --test fuzz_parsers -- --ignored
//! ```
//! A failure prints the seed; rerun with it to reproduce.

// A test crate: its helpers may fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey};
use pcsc_bridge::icao::ber::{self, Tag, TlvIter};
use pcsc_bridge::icao::crypto::{self, TdesKey};
use pcsc_bridge::icao::dg13;
use pcsc_bridge::icao::mrz::Td1Mrz;
use pcsc_bridge::icao::passive_auth;
use pcsc_bridge::icao::qr::FrontQr;
use pcsc_bridge::icao::secure_messaging::{SecureChannel, SessionKeys};
use pcsc_bridge::icao::transport::{CommandApdu, StatusWord};
use pcsc_bridge::protocol;

const QUICK_ROUNDS: u64 = 3_000;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $name
        ))
    };
}

const DG13: &[u8] = fixture!("dg13.bin");
const SODS: [&[u8]; 3] = [
    fixture!("sod-rsa-pkcs1v15.bin"),
    fixture!("sod-ecdsa.bin"),
    fixture!("sod-rsa-pss.bin"),
];

/// SplitMix64: small, seedable, good enough to drive mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            0
        } else {
            (self.next() % bound as u64) as usize
        }
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.byte()).collect()
    }

    /// Up to `max - 1` random bytes.
    fn some_bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max);
        self.bytes(len)
    }

    /// Flips, overwrites, inserts, deletes or truncates a few times.
    fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        let mut bytes = input.to_vec();
        for _ in 0..=self.below(4) {
            match self.below(6) {
                0 if !bytes.is_empty() => {
                    let at = self.below(bytes.len());
                    bytes[at] ^= 1 << self.below(8);
                }
                1 if !bytes.is_empty() => {
                    let at = self.below(bytes.len());
                    bytes[at] = self.byte();
                }
                2 => {
                    let at = self.below(bytes.len() + 1);
                    let byte = self.byte();
                    bytes.insert(at, byte);
                }
                3 if !bytes.is_empty() => {
                    let at = self.below(bytes.len());
                    bytes.remove(at);
                }
                4 => {
                    let keep = self.below(bytes.len() + 1);
                    bytes.truncate(keep);
                }
                _ => {
                    // Interesting length bytes, where BER parsers break.
                    if !bytes.is_empty() {
                        let at = self.below(bytes.len());
                        bytes[at] = [0x00, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF][self.below(7)];
                    }
                }
            }
        }
        bytes
    }
}

/// Rounds and seed for a long run, from the environment.
fn long_settings(default_seed: u64) -> (u64, u64) {
    let number = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(default)
    };
    (
        number("PCSC_BRIDGE_FUZZ_ROUNDS", 500_000),
        number("PCSC_BRIDGE_FUZZ_SEED", default_seed),
    )
}

fn run(name: &str, seed: u64, rounds: u64, target: fn(&mut Rng)) {
    eprintln!("{name}: {rounds} rounds, seed {seed}");
    let mut rng = Rng(seed);
    for round in 0..rounds {
        let state = rng.0;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| target(&mut rng)));
        assert!(
            outcome.is_ok(),
            "{name} failed at round {round} (seed {seed}, generator state {state:#x})"
        );
    }
}

// ---- DG13 and BER ----------------------------------------------------------------------------

fn tlv(tag: u32, value: &[u8]) -> Vec<u8> {
    ber::encode_tlv(Tag(tag), value)
}

/// A DG13 built from random fields: known and unknown numbers, text of any length (long-form
/// lengths included), nested parent sequences, junk before the first field.
fn generated_dg13(rng: &mut Rng) -> (Vec<u8>, Option<String>) {
    let mut content = Vec::new();
    let junk = rng.below(3) == 0;
    if junk {
        content.extend(rng.some_bytes(8));
    }
    let name: String = (0..rng.below(200))
        .map(|_| ['a', 'Ă', 'ệ', ' ', 'Ữ', '<', 'z'][rng.below(7)])
        .collect();
    let mut first_name_field: Option<bool> = None;
    for _ in 0..rng.below(20) {
        let number = rng.below(20) as u8;
        let kind = rng.below(4);
        let value = match kind {
            0 => tlv(0x0C, name.as_bytes()),
            1 => tlv(0x13, b"001085012345"),
            2 => tlv(0x30, &[tlv(0x0C, b"Cha"), tlv(0x0C, b"Me")].concat()),
            _ => {
                let tag = u32::from(rng.byte() & 0x1F);
                tlv(tag, &rng.some_bytes(300))
            }
        };
        if number == 2 && first_name_field.is_none() {
            first_name_field = Some(kind == 0);
        }
        content.extend(tlv(0x30, &[tlv(0x02, &[number]), value].concat()));
    }
    // The full name is known when field 2 first carries it and nothing can hide the fields.
    let expected =
        (!junk && first_name_field == Some(true) && !name.trim().is_empty()).then_some(name);
    (tlv(0x6D, &content), expected)
}

fn dg13_target(rng: &mut Rng) {
    let (generated, expected_name) = generated_dg13(rng);
    let parsed = dg13::parse_dg13(&generated);
    // Property: a well-formed file whose first field 2 is a UTF-8 name gives that name back
    // (fields with random content may make the whole file invalid, which is fine).
    if let (Ok(data), Some(name)) = (&parsed, &expected_name) {
        assert_eq!(data.full_name.as_deref().map(str::trim), Some(name.trim()));
    }
    let _ = dg13::parse_dg13(&rng.mutate(&generated));
    let _ = dg13::parse_dg13(&rng.mutate(DG13));
}

fn walk(bytes: &[u8], depth: usize) {
    if depth > 10 {
        return;
    }
    for tlv in TlvIter::new(bytes).flatten() {
        let _ = tlv.find_child(Tag::SEQUENCE);
        if let Ok(children) = tlv.children() {
            for child in children.flatten() {
                walk(child.value(), depth + 1);
            }
        }
    }
}

fn ber_target(rng: &mut Rng) {
    let len = rng.below(96);
    let mut bytes = rng.bytes(len);
    if !bytes.is_empty() && rng.below(2) == 0 {
        bytes[0] = [0x30, 0x31, 0x6D, 0x77, 0x5F, 0x7F, 0xA0, 0xBF][rng.below(8)];
    }
    walk(&bytes, 0);
    let _ = ber::decode_oid(&bytes);
    let _ = ber::decode_unsigned(&bytes);
    if let Ok(header) = ber::parse_header(&bytes) {
        // Property: a parsed header never claims more than it can describe.
        let _ = header.total_len();
    }
    walk(&rng.mutate(DG13), 0);
}

// ---- Secure messaging responses ----------------------------------------------------------------

fn keys() -> SessionKeys {
    SessionKeys {
        enc: TdesKey::new(*b"0123456789abcdef"),
        mac: TdesKey::new(*b"fedcba9876543210"),
    }
}

/// A correctly protected response for the channel's next SSC (card side, built here from the
/// public primitives).
fn protected_response(
    channel: &SecureChannel,
    odd_ins: bool,
    data: &[u8],
    sw: StatusWord,
) -> Vec<u8> {
    let ssc = u64::from_be_bytes(channel.send_sequence_counter())
        .wrapping_add(1)
        .to_be_bytes();
    let keys = keys();
    let mut objects = Vec::new();
    if !data.is_empty() {
        let encrypted = crypto::tdes_cbc_encrypt(&keys.enc, &crypto::pad(data)).unwrap();
        if odd_ins {
            objects.extend(tlv(0x85, &encrypted));
        } else {
            objects.extend(tlv(0x87, &[&[0x01][..], &encrypted].concat()));
        }
    }
    objects.extend(tlv(0x99, &sw.to_bytes()));
    let mac = crypto::retail_mac(&keys.mac, &[&ssc[..], &objects].concat());
    objects.extend(tlv(0x8E, &mac));
    objects.extend(sw.to_bytes());
    objects
}

fn sm_target(rng: &mut Rng) {
    let ssc = rng.next().to_be_bytes();
    let data = rng.some_bytes(300);
    let odd = rng.below(2) == 0;
    let sw = [
        StatusWord::SUCCESS,
        StatusWord::END_OF_FILE,
        StatusWord(0x6A82),
    ][rng.below(3)];
    let mut channel = SecureChannel::new(keys(), ssc);
    let good = protected_response(&channel, odd, &data, sw);
    // Property: a correct response is accepted and gives back the data and status.
    let response = channel.unprotect(&good).unwrap();
    assert_eq!(response.data, data);
    assert_eq!(response.status, sw);
    // Property: a damaged response is refused, or (when only the unauthenticated trailing
    // status word changed) yields exactly the authenticated data.
    let mut channel = SecureChannel::new(keys(), ssc);
    let damaged = rng.mutate(&good);
    if let Ok(response) = channel.unprotect(&damaged)
        && damaged != good
        && !response.data.is_empty()
    {
        assert_eq!(
            response.data, data,
            "damaged SM response accepted with other data"
        );
    }
    // And plain garbage.
    let mut channel = SecureChannel::new(keys(), ssc);
    let _ = channel.unprotect(&rng.some_bytes(80));
}

// ---- APDUs, MRZ, QR, SOD, signed results ---------------------------------------------------------

fn apdu_target(rng: &mut Rng) {
    let bytes = rng.some_bytes(300);
    // Property: whatever parses re-encodes to something that parses to the same command.
    if let Ok(command) = CommandApdu::parse(&bytes)
        && let Ok(encoded) = command.to_bytes()
    {
        assert_eq!(CommandApdu::parse(&encoded), Ok(command));
    }
}

const MRZ: &str =
    "IDVNM0850123452001085012345<<<8508122M2508120VNM<<<<<<<<<<<1LE<<VAN<HUNG<<<<<<<<<<<<<<<<<<";
const QR: &str = "001085012345|012345678|Lê Văn Hùng|12081985|Nam|Hà Nội|10042021";

fn text_target(rng: &mut Rng) {
    let mrz = String::from_utf8_lossy(&rng.mutate(MRZ.as_bytes())).into_owned();
    if let Ok(parsed) = Td1Mrz::parse(&mrz) {
        let _ = parsed.bac_candidates();
    }
    let qr = String::from_utf8_lossy(&rng.mutate(QR.as_bytes())).into_owned();
    if let Ok(parsed) = FrontQr::parse(&qr) {
        let _ = parsed.proposed_expiry();
    }
}

fn sod_target(rng: &mut Rng) {
    let source = SODS[rng.below(SODS.len())];
    let sod = rng.mutate(source);
    let _ = passive_auth::parse_sod(&sod);
}

fn signed_result_target(rng: &mut Rng) {
    let key = SigningKey::from_bytes(&[7; 32]);
    let public = key.verifying_key().to_bytes();
    let payload = br#"{"bridge_id":"b","challenge":"c","format":"truongso.cccd-verification.v1"}"#;
    let mutated = rng.mutate(payload);
    let signature = key.sign(&mutated).to_bytes();
    // Signed but not a canonical result: refused, never a panic.
    assert!(protocol::verify_result(&mutated, &signature, &public).is_err());
    let garbage_signature = rng.bytes(64);
    assert!(protocol::verify_result(payload, &garbage_signature, &public).is_err());
    let signed = protocol::SignedResult {
        bridge_id: "b".to_owned(),
        payload: String::from_utf8_lossy(&rng.mutate(b"eyJhIjoxfQ==")).into_owned(),
        signature: base64::engine::general_purpose::STANDARD.encode(rng.bytes(64)),
        result: serde_json::from_str(SAMPLE_RESULT).unwrap(),
    };
    assert!(protocol::verify_signed_result(&signed, &public, "b", "c").is_err());
}

/// A syntactically valid result for the display copy of [`protocol::SignedResult`].
const SAMPLE_RESULT: &str = r#"{"format":"truongso.cccd-verification.v1","bridge_id":"b",
"bridge_version":"0","challenge":"c","timestamp":0,"document_number_form":"as_given",
"document_number_digits":9,"dg1":{"document_code":"ID","issuing_state":"VNM",
"document_number":"0","optional_data_1":"","date_of_birth":"000101","sex":"M",
"date_of_expiry":"300101","nationality":"VNM","optional_data_2":"","primary_identifier":"A",
"secondary_identifier":"B"},"dg13":{"personal_id":null,"full_name":null,"date_of_birth":null,
"sex":null,"nationality":null,"ethnicity":null,"religion":null,"place_of_origin":null,
"place_of_residence":null,"identifying_marks":null,"issue_date":null,"expiry":null,
"father_name":null,"mother_name":null,"spouse_name":null,"old_id_number":null,"field_16":null},
"passive_auth":{"verified":false,"hash_algorithm":null,"data_groups":[],
"signed_content_digest":{"passed":false,"detail":null},"sod_signature":{"passed":false,"detail":null},
"chain_to_trusted_csca":{"passed":false,"detail":null},
"document_signer_validity":{"passed":false,"detail":null},
"csca_validity":{"passed":false,"detail":null},"document_signer":null,"csca":null,
"sod_error":null},"dg2":null}"#;

/// Canonical JSON of random JSON values parses back to the same value.
fn canonical_target(rng: &mut Rng) {
    fn value(rng: &mut Rng, depth: usize) -> serde_json::Value {
        match if depth > 3 {
            rng.below(4)
        } else {
            rng.below(6)
        } {
            0 => serde_json::Value::Null,
            1 => serde_json::Value::Bool(rng.below(2) == 0),
            2 => serde_json::Value::from(rng.next() as i64),
            3 => serde_json::Value::String(
                (0..rng.below(12))
                    .map(|_| char::from_u32(rng.below(0x3000) as u32).unwrap_or('x'))
                    .collect(),
            ),
            4 => {
                serde_json::Value::Array((0..rng.below(4)).map(|_| value(rng, depth + 1)).collect())
            }
            _ => {
                let members: BTreeMap<String, serde_json::Value> = (0..rng.below(4))
                    .map(|_| (format!("k{}", rng.below(50)), value(rng, depth + 1)))
                    .collect();
                serde_json::Value::Object(members.into_iter().collect())
            }
        }
    }
    let original = value(rng, 0);
    let bytes = protocol::canonical_json(&original).unwrap();
    let reparsed: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(reparsed, original);
    assert_eq!(
        protocol::canonical_json(&reparsed).unwrap(),
        bytes,
        "one spelling only"
    );
}

macro_rules! fuzz_target {
    ($quick:ident, $long:ident, $target:ident, $seed:literal) => {
        fuzz_target!($quick, $long, $target, $seed, QUICK_ROUNDS);
    };
    ($quick:ident, $long:ident, $target:ident, $seed:literal, $quick_rounds:expr) => {
        #[test]
        fn $quick() {
            run(stringify!($target), $seed, $quick_rounds, $target);
        }

        #[test]
        #[ignore = "long fuzz run; see the module documentation"]
        fn $long() {
            let (rounds, seed) = long_settings($seed);
            run(stringify!($target), seed, rounds, $target);
        }
    };
}

fuzz_target!(dg13_quick, dg13_long, dg13_target, 0xD613);
fuzz_target!(ber_quick, ber_long, ber_target, 0xBE12);
fuzz_target!(sm_response_quick, sm_response_long, sm_target, 0x5EC0);
fuzz_target!(apdu_quick, apdu_long, apdu_target, 0xAD0);
fuzz_target!(mrz_and_qr_quick, mrz_and_qr_long, text_target, 0x3A2);
fuzz_target!(sod_quick, sod_long, sod_target, 0x50D);
// Ed25519 is slow in unoptimised builds: fewer quick rounds.
fuzz_target!(
    signed_result_quick,
    signed_result_long,
    signed_result_target,
    0x516,
    100
);
fuzz_target!(
    canonical_json_quick,
    canonical_json_long,
    canonical_target,
    0xCA0
);
