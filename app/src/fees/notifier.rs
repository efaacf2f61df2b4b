//! Bank-transfer notifications as SePay and Casso send them: checking who sent one (signature or
//! key, and how old it is) and reading the transaction out of it. No I/O: the webhook handler
//! passes the headers, the raw body, the school's secret and the time.
//!
//! - SePay (HMAC): `X-SePay-Timestamp: <unix seconds>` and `X-SePay-Signature: sha256=<hex>`,
//!   HMAC-SHA256(secret, "{timestamp}.{raw body}"). Or `Authorization: Apikey <key>`.
//! - Casso v2: `X-Casso-Signature: t=<unix ms>,v1=<hex>`, HMAC-SHA512(secret, "{t}.{body}") where
//!   the body is the JSON with its keys sorted at every level, written compactly.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Sha256, Sha512};

/// More than this between the sender's timestamp and our clock, either way: refused.
pub const MAX_DRIFT_SECONDS: i64 = 5 * 60;

pub const SEPAY_SIGNATURE: &str = "x-sepay-signature";
pub const SEPAY_TIMESTAMP: &str = "x-sepay-timestamp";
pub const CASSO_SIGNATURE: &str = "x-casso-signature";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotifierKind {
    Sepay,
    Casso,
}

impl NotifierKind {
    pub fn code(self) -> &'static str {
        match self {
            NotifierKind::Sepay => "sepay",
            NotifierKind::Casso => "casso",
        }
    }

    pub fn from_code(code: &str) -> Option<NotifierKind> {
        match code {
            "sepay" => Some(NotifierKind::Sepay),
            "casso" => Some(NotifierKind::Casso),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthMode {
    /// A signature over the timestamp and the body (recommended).
    Hmac,
    /// A shared key in the `Authorization` header (SePay's simpler option; no timestamp).
    ApiKey,
}

impl AuthMode {
    pub fn code(self) -> &'static str {
        match self {
            AuthMode::Hmac => "hmac",
            AuthMode::ApiKey => "apikey",
        }
    }

    pub fn from_code(code: &str) -> Option<AuthMode> {
        match code {
            "hmac" => Some(AuthMode::Hmac),
            "apikey" => Some(AuthMode::ApiKey),
            _ => None,
        }
    }
}

/// A bank transaction as a notifier reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomingTransaction {
    /// The notifier's own id of the transaction (the deduplication key with the notifier).
    pub external_id: String,
    /// Whole đồng, positive.
    pub amount: i64,
    /// Every text the bank gave (content, description, extracted code), for finding references.
    pub description: String,
    pub account_number: String,
    pub bank_name: String,
    /// As the notifier wrote it (local time).
    pub occurred_at: String,
}

/// What the check of a delivery found. Stored with the delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Authentic,
    BadSignature,
    Stale,
    /// The same signed request seen before and already counted.
    Replayed,
    Malformed,
    /// Money going out of the account: nothing to reconcile.
    Outgoing,
}

impl Verdict {
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Authentic => "authentic",
            Verdict::BadSignature => "bad_signature",
            Verdict::Stale => "stale",
            Verdict::Replayed => "replayed",
            Verdict::Malformed => "malformed",
            Verdict::Outgoing => "outgoing",
        }
    }
}

/// The outcome of checking one delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub verdict: Verdict,
    /// The signature as sent (replays are recognised by it).
    pub signature: Option<String>,
    /// The sender's timestamp, in Unix seconds.
    pub sent_at: Option<i64>,
    pub transaction: Option<IncomingTransaction>,
}

impl Checked {
    fn refused(verdict: Verdict, signature: Option<String>, sent_at: Option<i64>) -> Checked {
        Checked {
            verdict,
            signature,
            sent_at,
            transaction: None,
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn hmac_sha256_hex(secret: &[u8], message: &[u8]) -> String {
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

pub fn hmac_sha512_hex(secret: &[u8], message: &[u8]) -> String {
    let Ok(mut mac) = <Hmac<Sha512> as Mac>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// JSON with its object keys sorted at every level, written without spaces (Casso's signing form).
pub fn sorted_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        Value::String(k.clone()),
                        sorted_json(map.get(k).unwrap_or(&Value::Null))
                    )
                })
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(sorted_json).collect();
            format!("[{}]", inner.join(","))
        }
        other => other.to_string(),
    }
}

fn fresh(sent_at: i64, now: i64) -> bool {
    (now - sent_at).abs() <= MAX_DRIFT_SECONDS
}

/// Checks one delivery: authenticity first (nothing is read from a body whose sender is not
/// proven), then its age, then its content.
pub fn check(
    kind: NotifierKind,
    auth: AuthMode,
    secret: &[u8],
    header: &(dyn Fn(&str) -> Option<String> + Sync),
    body: &[u8],
    now: i64,
) -> Checked {
    match kind {
        NotifierKind::Sepay => check_sepay(auth, secret, header, body, now),
        NotifierKind::Casso => check_casso(secret, header, body, now),
    }
}

fn check_sepay(
    auth: AuthMode,
    secret: &[u8],
    header: &(dyn Fn(&str) -> Option<String> + Sync),
    body: &[u8],
    now: i64,
) -> Checked {
    let (signature, sent_at) = match auth {
        AuthMode::ApiKey => {
            let given = header("authorization").unwrap_or_default();
            let key = given
                .strip_prefix("Apikey ")
                .or_else(|| given.strip_prefix("apikey "));
            if !key.is_some_and(|k| constant_time_eq(k.trim().as_bytes(), secret)) {
                return Checked::refused(Verdict::BadSignature, None, None);
            }
            (None, None)
        }
        AuthMode::Hmac => {
            let signature = header(SEPAY_SIGNATURE);
            let timestamp = header(SEPAY_TIMESTAMP);
            let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
                return Checked::refused(Verdict::BadSignature, None, None);
            };
            let mut message = timestamp.trim().as_bytes().to_vec();
            message.push(b'.');
            message.extend_from_slice(body);
            let expected = format!("sha256={}", hmac_sha256_hex(secret, &message));
            if !constant_time_eq(expected.as_bytes(), signature.trim().as_bytes()) {
                return Checked::refused(Verdict::BadSignature, Some(signature), None);
            }
            let sent_at = timestamp.trim().parse::<i64>().ok();
            match sent_at {
                Some(t) if fresh(t, now) => {}
                _ => return Checked::refused(Verdict::Stale, Some(signature), sent_at),
            }
            (Some(signature), sent_at)
        }
    };
    let Some(parsed) = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| sepay_transaction(&v))
    else {
        return Checked::refused(Verdict::Malformed, signature, sent_at);
    };
    let (transaction, incoming) = parsed;
    Checked {
        verdict: if incoming {
            Verdict::Authentic
        } else {
            Verdict::Outgoing
        },
        signature,
        sent_at,
        transaction: Some(transaction),
    }
}

/// An integer amount, whether the sender wrote 120000 or 120000.0.
fn whole_dong(value: &Value) -> Option<i64> {
    if let Some(n) = value.as_i64() {
        return Some(n);
    }
    let f = value.as_f64()?;
    (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
}

fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn sepay_transaction(v: &Value) -> Option<(IncomingTransaction, bool)> {
    let id = match v.get("id")? {
        Value::Number(n) => n.to_string(),
        Value::String(s) if !s.trim().is_empty() => s.trim().to_string(),
        _ => return None,
    };
    let amount = whole_dong(v.get("transferAmount")?)?;
    let incoming = match v.get("transferType")?.as_str()? {
        "in" => true,
        "out" => false,
        _ => return None,
    };
    if amount <= 0 {
        return None;
    }
    let description = [text(v, "code"), text(v, "content"), text(v, "description")]
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" | ");
    Some((
        IncomingTransaction {
            external_id: id,
            amount,
            description,
            account_number: text(v, "accountNumber"),
            bank_name: text(v, "gateway"),
            occurred_at: text(v, "transactionDate"),
        },
        incoming,
    ))
}

fn check_casso(
    secret: &[u8],
    header: &(dyn Fn(&str) -> Option<String> + Sync),
    body: &[u8],
    now: i64,
) -> Checked {
    let Some(signature) = header(CASSO_SIGNATURE) else {
        return Checked::refused(Verdict::BadSignature, None, None);
    };
    let mut t = None;
    let mut v1 = None;
    for part in signature.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = Some(value.trim().to_string()),
            Some(("v1", value)) => v1 = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return Checked::refused(Verdict::BadSignature, Some(signature), None);
    };
    // The signed form is the parsed body re-written, so a body that is not JSON cannot be checked.
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Checked::refused(Verdict::Malformed, Some(signature), None);
    };
    let expected = hmac_sha512_hex(secret, format!("{t}.{}", sorted_json(&value)).as_bytes());
    if !constant_time_eq(expected.as_bytes(), v1.to_ascii_lowercase().as_bytes()) {
        return Checked::refused(Verdict::BadSignature, Some(signature), None);
    }
    let sent_at = t.parse::<i64>().ok().map(|ms| ms.div_euclid(1000));
    match sent_at {
        Some(s) if fresh(s, now) => {}
        _ => return Checked::refused(Verdict::Stale, Some(signature), sent_at),
    }
    let Some((transaction, incoming)) = casso_transaction(&value) else {
        return Checked::refused(Verdict::Malformed, Some(signature), sent_at);
    };
    Checked {
        verdict: if incoming {
            Verdict::Authentic
        } else {
            Verdict::Outgoing
        },
        signature: Some(signature),
        sent_at,
        transaction: Some(transaction),
    }
}

fn casso_transaction(v: &Value) -> Option<(IncomingTransaction, bool)> {
    if v.get("error").and_then(Value::as_i64).unwrap_or(0) != 0 {
        return None;
    }
    let data = v.get("data")?;
    let id = match data.get("id")? {
        Value::Number(n) => n.to_string(),
        Value::String(s) if !s.trim().is_empty() => s.trim().to_string(),
        _ => return None,
    };
    let amount = whole_dong(data.get("amount")?)?;
    if amount == 0 {
        return None;
    }
    Some((
        IncomingTransaction {
            external_id: id,
            amount: amount.abs(),
            description: text(data, "description"),
            account_number: text(data, "accountNumber"),
            bank_name: [text(data, "bankAbbreviation"), text(data, "bankName")]
                .into_iter()
                .find(|s| !s.is_empty())
                .unwrap_or_default(),
            occurred_at: text(data, "transactionDateTime"),
        },
        amount > 0,
    ))
}

/// Headers a SePay stand-in sends (tests, benchmarks, the demo's simulator).
pub fn sepay_headers(secret: &[u8], body: &[u8], timestamp: i64) -> Vec<(String, String)> {
    let mut message = timestamp.to_string().into_bytes();
    message.push(b'.');
    message.extend_from_slice(body);
    vec![
        (SEPAY_TIMESTAMP.to_string(), timestamp.to_string()),
        (
            SEPAY_SIGNATURE.to_string(),
            format!("sha256={}", hmac_sha256_hex(secret, &message)),
        ),
    ]
}

/// The header a Casso stand-in sends.
pub fn casso_header(secret: &[u8], body: &Value, timestamp_ms: i64) -> (String, String) {
    let v1 = hmac_sha512_hex(
        secret,
        format!("{timestamp_ms}.{}", sorted_json(body)).as_bytes(),
    );
    (
        CASSO_SIGNATURE.to_string(),
        format!("t={timestamp_ms},v1={v1}"),
    )
}

/// A SePay notification body for one transaction.
pub fn sepay_body(id: i64, amount: i64, content: &str, incoming: bool) -> Vec<u8> {
    serde_json::json!({
        "id": id,
        "gateway": "Vietcombank",
        "transactionDate": "2026-09-20 10:15:00",
        "accountNumber": "1023456789",
        "subAccount": null,
        "code": null,
        "content": content,
        "transferType": if incoming { "in" } else { "out" },
        "description": format!("BankAPINotify {content}"),
        "transferAmount": amount,
        "referenceCode": format!("FT{id}"),
        "accumulated": 0
    })
    .to_string()
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"sepay-webhook-secret";
    const NOW: i64 = 1_790_000_000;

    fn headers(pairs: Vec<(String, String)>) -> impl Fn(&str) -> Option<String> {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn a_signed_sepay_delivery_is_authentic_and_read() {
        let body = sepay_body(92704, 1_250_000, "TS00001ZK HOC PHI", true);
        let h = headers(sepay_headers(SECRET, &body, NOW - 10));
        let checked = check(NotifierKind::Sepay, AuthMode::Hmac, SECRET, &h, &body, NOW);
        assert_eq!(checked.verdict, Verdict::Authentic);
        let t = checked.transaction.unwrap();
        assert_eq!(t.external_id, "92704");
        assert_eq!(t.amount, 1_250_000);
        assert!(t.description.contains("TS00001ZK"));
    }

    #[test]
    fn wrong_signature_stale_malformed_and_outgoing() {
        let body = sepay_body(1, 100_000, "x", true);
        let check_with = |secret: &[u8], body: &[u8], ts: i64| {
            let h = headers(sepay_headers(secret, body, ts));
            check(NotifierKind::Sepay, AuthMode::Hmac, SECRET, &h, body, NOW).verdict
        };
        assert_eq!(check_with(b"other", &body, NOW), Verdict::BadSignature);
        assert_eq!(check_with(SECRET, &body, NOW - 301), Verdict::Stale);
        assert_eq!(check_with(SECRET, &body, NOW + 301), Verdict::Stale);
        assert_eq!(check_with(SECRET, &body, NOW - 300), Verdict::Authentic);
        assert_eq!(check_with(SECRET, b"{not json", NOW), Verdict::Malformed);
        let out = sepay_body(2, 100_000, "x", false);
        assert_eq!(check_with(SECRET, &out, NOW), Verdict::Outgoing);
        // A body changed after signing.
        let h = headers(sepay_headers(SECRET, &body, NOW));
        let changed = sepay_body(1, 900_000, "x", true);
        assert_eq!(
            check(
                NotifierKind::Sepay,
                AuthMode::Hmac,
                SECRET,
                &h,
                &changed,
                NOW
            )
            .verdict,
            Verdict::BadSignature
        );
        let none = headers(vec![]);
        assert_eq!(
            check(
                NotifierKind::Sepay,
                AuthMode::Hmac,
                SECRET,
                &none,
                &body,
                NOW
            )
            .verdict,
            Verdict::BadSignature
        );
    }

    #[test]
    fn sepay_api_key() {
        let body = sepay_body(3, 100_000, "x", true);
        let good = headers(vec![(
            "Authorization".into(),
            "Apikey sepay-webhook-secret".into(),
        )]);
        let bad = headers(vec![("Authorization".into(), "Apikey nope".into())]);
        assert_eq!(
            check(
                NotifierKind::Sepay,
                AuthMode::ApiKey,
                SECRET,
                &good,
                &body,
                NOW
            )
            .verdict,
            Verdict::Authentic
        );
        assert_eq!(
            check(
                NotifierKind::Sepay,
                AuthMode::ApiKey,
                SECRET,
                &bad,
                &body,
                NOW
            )
            .verdict,
            Verdict::BadSignature
        );
    }

    #[test]
    fn casso_signs_the_sorted_body() {
        let body = serde_json::json!({"error": 0, "data": {"id": 778, "reference": "FT1", "description": "TS0000A5X hoc phi",
            "amount": 300000, "runningBalance": 5000000, "transactionDateTime": "2026-09-20 10:15:00",
            "accountNumber": "1023456789", "bankName": "Vietcombank", "bankAbbreviation": "VCB",
            "virtualAccountNumber": "", "counterAccountName": "NGUYEN THI LAN", "counterAccountNumber": "0011"}});
        assert!(
            sorted_json(&body)
                .starts_with(r#"{"data":{"accountNumber":"1023456789","amount":300000"#)
        );
        let raw = body.to_string().into_bytes();
        let (name, value) = casso_header(SECRET, &body, NOW * 1000);
        let h = headers(vec![(name.clone(), value)]);
        let checked = check(NotifierKind::Casso, AuthMode::Hmac, SECRET, &h, &raw, NOW);
        assert_eq!(checked.verdict, Verdict::Authentic);
        assert_eq!(checked.transaction.unwrap().amount, 300_000);
        let (_, forged) = casso_header(b"wrong", &body, NOW * 1000);
        let h = headers(vec![(name.clone(), forged)]);
        assert_eq!(
            check(NotifierKind::Casso, AuthMode::Hmac, SECRET, &h, &raw, NOW).verdict,
            Verdict::BadSignature
        );
        let (_, old) = casso_header(SECRET, &body, (NOW - 3600) * 1000);
        let h = headers(vec![(name, old)]);
        assert_eq!(
            check(NotifierKind::Casso, AuthMode::Hmac, SECRET, &h, &raw, NOW).verdict,
            Verdict::Stale
        );
    }
}
