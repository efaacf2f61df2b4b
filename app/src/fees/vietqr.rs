//! VietQR payloads: the EMVCo merchant-presented QR that every Vietnamese banking app scans
//! (NAPAS), with the receiving bank and account, the exact amount and a purpose text that carries
//! the reference code. Pure: the same code runs in the browser.

use serde::{Deserialize, Serialize};

/// NAPAS's globally unique identifier for VietQR.
const NAPAS_GUID: &str = "A000000727";
/// Transfer to an account (not a card).
const SERVICE_TO_ACCOUNT: &str = "QRIBFTTA";
const CURRENCY_VND: &str = "704";
/// Each text of field 62 holds at most this many characters.
pub const MAX_PURPOSE_LEN: usize = 25;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VietQrError {
    #[error("the bank BIN must be 6 digits")]
    BadBin,
    #[error("the account number must be 1 to 19 letters or digits")]
    BadAccount,
    #[error("the amount must be positive and at most 13 digits")]
    BadAmount,
    #[error("the purpose text must be at most 25 ASCII characters")]
    BadPurpose,
}

/// What a code asks the payer's bank to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRequest {
    /// 6-digit bank identification number (e.g. 970436 Vietcombank).
    pub bank_bin: String,
    pub account_number: String,
    /// Whole đồng; `None` makes a static (reusable) code.
    pub amount: Option<i64>,
    /// What the payer's bank puts in the transfer description (ASCII, ≤ 25 characters).
    pub purpose: Option<String>,
}

/// One TLV field: two-digit id, two-digit length, value.
fn field(id: &str, value: &str) -> String {
    format!("{id}{:02}{value}", value.len())
}

/// CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final xor.
pub fn crc16_ccitt_false(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for byte in data {
        crc ^= u16::from(*byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The payload string to put in the QR code.
pub fn payload(request: &TransferRequest) -> Result<String, VietQrError> {
    if request.bank_bin.len() != 6 || !request.bank_bin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VietQrError::BadBin);
    }
    let account = &request.account_number;
    if account.is_empty()
        || account.len() > 19
        || !account.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(VietQrError::BadAccount);
    }
    let amount = match request.amount {
        Some(amount) if amount <= 0 || amount.to_string().len() > 13 => {
            return Err(VietQrError::BadAmount);
        }
        other => other,
    };
    if let Some(purpose) = &request.purpose
        && (purpose.is_empty()
            || purpose.len() > MAX_PURPOSE_LEN
            || !purpose.bytes().all(|b| (0x20..0x7f).contains(&b)))
    {
        return Err(VietQrError::BadPurpose);
    }

    let beneficiary = field("00", &request.bank_bin) + &field("01", account);
    let merchant =
        field("00", NAPAS_GUID) + &field("01", &beneficiary) + &field("02", SERVICE_TO_ACCOUNT);
    let mut out = field("00", "01");
    out += &field("01", if amount.is_some() { "12" } else { "11" });
    out += &field("38", &merchant);
    out += &field("53", CURRENCY_VND);
    if let Some(amount) = amount {
        out += &field("54", &amount.to_string());
    }
    out += &field("58", "VN");
    if let Some(purpose) = &request.purpose {
        out += &field("62", &field("08", purpose));
    }
    out += "6304";
    let crc = crc16_ccitt_false(out.as_bytes());
    out += &format!("{crc:04X}");
    Ok(out)
}

/// Reads the top-level fields of a payload back (for tests and for checking a scanned code).
pub fn parse_fields(payload: &str) -> Option<Vec<(String, String)>> {
    let mut fields = Vec::new();
    let mut rest = payload;
    while !rest.is_empty() {
        let id = rest.get(0..2)?;
        let len: usize = rest.get(2..4)?.parse().ok()?;
        let value = rest.get(4..4 + len)?;
        fields.push((id.to_string(), value.to_string()));
        rest = &rest[4 + len..];
    }
    Some(fields)
}

/// Whether the CRC at the end matches the rest.
pub fn crc_is_valid(payload: &str) -> bool {
    let Some((body, crc)) = payload.len().checked_sub(4).map(|i| payload.split_at(i)) else {
        return false;
    };
    body.ends_with("6304") && format!("{:04X}", crc16_ccitt_false(body.as_bytes())) == crc
}

/// Vietnamese text as ASCII for a transfer description: diacritics dropped, đ → d.
pub fn ascii_fold(text: &str) -> String {
    crate::platform::collation::fold_for_search(text)
        .chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crc_check_value_is_29b1() {
        assert_eq!(crc16_ccitt_false(b"123456789"), 0x29B1);
    }

    #[test]
    fn the_dynamic_reference_vector_byte_for_byte() {
        let code = payload(&TransferRequest {
            bank_bin: "970415".into(),
            account_number: "0011001932418".into(),
            amount: Some(120_000),
            purpose: Some("ung ho lu lut".into()),
        })
        .unwrap();
        assert_eq!(
            code,
            "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304C15C"
        );
        assert!(crc_is_valid(&code));
    }

    #[test]
    fn the_static_reference_vector_byte_for_byte() {
        let code = payload(&TransferRequest {
            bank_bin: "970423".into(),
            account_number: "0099999999".into(),
            amount: None,
            purpose: None,
        })
        .unwrap();
        assert_eq!(
            code,
            "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4"
        );
    }

    #[test]
    fn fields_read_back_and_a_changed_byte_breaks_the_crc() {
        let code = payload(&TransferRequest {
            bank_bin: "970436".into(),
            account_number: "1234567890".into(),
            amount: Some(1_250_000),
            purpose: Some("TS000012K Hoc phi".into()),
        })
        .unwrap();
        let fields = parse_fields(&code).unwrap();
        assert!(fields.contains(&("54".into(), "1250000".into())));
        assert!(fields.contains(&("01".into(), "12".into())));
        let tampered = code.replacen("1250000", "1250001", 1);
        assert!(!crc_is_valid(&tampered));
    }

    #[test]
    fn bad_inputs_are_refused() {
        let ok = TransferRequest {
            bank_bin: "970436".into(),
            account_number: "1234567890".into(),
            amount: Some(1),
            purpose: Some("x".into()),
        };
        let with = |f: &dyn Fn(&mut TransferRequest)| {
            let mut r = ok.clone();
            f(&mut r);
            payload(&r)
        };
        assert_eq!(
            with(&|r| r.bank_bin = "97043".into()),
            Err(VietQrError::BadBin)
        );
        assert_eq!(
            with(&|r| r.account_number = "12345678901234567890".into()),
            Err(VietQrError::BadAccount)
        );
        assert_eq!(with(&|r| r.amount = Some(0)), Err(VietQrError::BadAmount));
        assert_eq!(
            with(&|r| r.amount = Some(10_000_000_000_000)),
            Err(VietQrError::BadAmount)
        );
        assert_eq!(
            with(&|r| r.purpose = Some("học phí".into())),
            Err(VietQrError::BadPurpose)
        );
        assert_eq!(
            with(&|r| r.purpose = Some("a".repeat(26))),
            Err(VietQrError::BadPurpose)
        );
    }

    #[test]
    fn vietnamese_folds_to_ascii() {
        assert_eq!(ascii_fold("Học phí Đặng"), "hoc phi dang");
    }
}
