//! The fee rules, pure (no I/O, time passed in): reference codes and finding them again in a bank
//! description, splitting a transfer over notices, reductions, monthly periods, amounts in words.

use serde::{Deserialize, Serialize};

/// Crockford's base-32 alphabet: no I, L, O, U, so a code survives being read aloud or retyped.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const CODE_PREFIX: &str = "TS";
/// Base-32 digits of the id in a code (32⁶ ≈ 1 billion references).
const BODY_LEN: usize = 6;
/// "TS" + six digits + one check digit.
pub const CODE_LEN: usize = 2 + BODY_LEN + 1;

fn digit_value(ch: char) -> Option<u32> {
    let ch = match ch.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|&a| a as char == ch)
        .map(|p| p as u32)
}

/// Luhn mod 32: catches every single wrong digit and every swap of neighbours.
fn check_digit(values: &[u32]) -> u32 {
    let mut sum = 0;
    let mut double = true;
    for value in values.iter().rev() {
        let mut addend = *value;
        if double {
            addend *= 2;
            addend = addend / 32 + addend % 32;
        }
        sum += addend;
        double = !double;
    }
    (32 - sum % 32) % 32
}

/// The reference code of a reference id: `TS` + 6 base-32 digits + a check digit.
pub fn reference_code(id: i64) -> Option<String> {
    if !(0..32i64.pow(BODY_LEN as u32)).contains(&id) {
        return None;
    }
    let mut values = [0u32; BODY_LEN];
    let mut rest = id;
    for slot in values.iter_mut().rev() {
        *slot = (rest % 32) as u32;
        rest /= 32;
    }
    let mut code = String::from(CODE_PREFIX);
    for v in values.iter().chain(std::iter::once(&check_digit(&values))) {
        code.push(ALPHABET[*v as usize] as char);
    }
    Some(code)
}

fn decode_body(chars: &[char]) -> Option<(i64, Vec<u32>)> {
    let mut id = 0i64;
    let mut values = Vec::with_capacity(chars.len());
    for ch in chars {
        let v = digit_value(*ch)?;
        values.push(v);
        id = id * 32 + i64::from(v);
    }
    Some((id, values))
}

/// A reference found in a bank description.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundReference {
    pub ref_id: i64,
    /// False when the bank cut the text inside the code and its check digit is missing: such a
    /// reference is only trusted when the amount matches exactly.
    pub checked: bool,
}

/// Finds the reference codes in a transfer description, whatever the bank did to it: upper or
/// lower case, spaces or dots inside, prefixes and suffixes, a cut after the code (or inside
/// it, before the check digit), O for 0 and I or L for 1.
pub fn find_references(description: &str) -> Vec<FoundReference> {
    let text: Vec<char> = description
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let mut found: Vec<FoundReference> = Vec::new();
    let mut i = 0;
    while i + 2 <= text.len() {
        if text[i] != 'T' || text[i + 1] != 'S' {
            i += 1;
            continue;
        }
        let body_start = i + 2;
        let body_end = body_start + BODY_LEN;
        if body_end < text.len() {
            if let Some((id, values)) = decode_body(&text[body_start..body_end])
                && digit_value(text[body_end]) == Some(check_digit(&values))
            {
                if !found.iter().any(|f| f.ref_id == id) {
                    found.push(FoundReference {
                        ref_id: id,
                        checked: true,
                    });
                }
                i = body_end + 1;
                continue;
            }
        } else if body_end == text.len()
            && let Some((id, _)) = decode_body(&text[body_start..body_end])
            && !found.iter().any(|f| f.ref_id == id)
        {
            found.push(FoundReference {
                ref_id: id,
                checked: false,
            });
        }
        i += 1;
    }
    found
}

/// A notice as reconciliation sees it: what is still owed on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenNotice {
    pub notice_id: i64,
    pub student_id: i64,
    pub outstanding: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchOutcome {
    /// Exactly what was owed.
    Paid,
    /// Less than owed: the notices in order are paid as far as the money goes.
    PartlyPaid,
    /// More than owed: everything paid, the rest kept as a credit for the student.
    Overpaid,
}

/// How one incoming amount is spread over the notices its description names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// (notice, student, amount paid on it), amount > 0.
    pub payments: Vec<OpenNotice>,
    /// (student, amount) kept as a credit.
    pub credit: Option<(i64, i64)>,
    pub outcome: MatchOutcome,
}

/// Spreads `amount` over `notices` in the order the codes appeared: each notice gets what it
/// still owes until the money runs out; what is left over is a credit for the first student.
/// `notices` must not be empty; every đồng ends up somewhere (the sum is preserved).
pub fn allocate(amount: i64, notices: &[OpenNotice]) -> Option<Allocation> {
    let first = notices.first()?;
    if amount <= 0 {
        return None;
    }
    let owed: i64 = notices.iter().map(|n| n.outstanding.max(0)).sum();
    let mut left = amount;
    let mut payments = Vec::new();
    for notice in notices {
        let pay = left.min(notice.outstanding.max(0));
        if pay > 0 {
            payments.push(OpenNotice {
                outstanding: pay,
                ..*notice
            });
            left -= pay;
        }
    }
    let credit = (left > 0).then_some((first.student_id, left));
    let outcome = match amount.cmp(&owed) {
        std::cmp::Ordering::Equal => MatchOutcome::Paid,
        std::cmp::Ordering::Less => MatchOutcome::PartlyPaid,
        std::cmp::Ordering::Greater => MatchOutcome::Overpaid,
    };
    Some(Allocation {
        payments,
        credit,
        outcome,
    })
}

/// What a notice's status is, from what it asked and what was paid on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeStatus {
    Unpaid,
    PartlyPaid,
    Paid,
}

pub fn notice_status(due: i64, paid: i64) -> NoticeStatus {
    if paid >= due {
        NoticeStatus::Paid
    } else if paid > 0 {
        NoticeStatus::PartlyPaid
    } else {
        NoticeStatus::Unpaid
    }
}

/// The amount after a reduction of `percent` (100 = exempt). The reduction is rounded down to
/// the đồng, so the school never asks for a fraction.
pub fn reduced_amount(amount: i64, percent: Option<i64>) -> i64 {
    match percent {
        None => amount,
        Some(p) => {
            let p = i128::from(p.clamp(0, 100));
            let off = i128::from(amount) * p / 100;
            i64::try_from(i128::from(amount) - off).unwrap_or(amount)
        }
    }
}

/// The periods of a collection: `once`, or one per month from the first due date
/// (`("2026-09", "2026-09-15")`, `("2026-10", "2026-10-15")`, …; days past a month's end clamp).
pub fn periods(monthly: bool, months: i64, first_due_on: &str) -> Vec<(String, String)> {
    if !monthly {
        return vec![("once".to_string(), first_due_on.to_string())];
    }
    let Some(first) = crate::platform::format::parse_iso_date(first_due_on) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for k in 0..months.clamp(1, 12) {
        let index = i64::from(u8::from(first.month())) - 1 + k;
        let year = first.year() + (index / 12) as i32;
        let month = (index % 12) as u8 + 1;
        let Ok(month_enum) = time::Month::try_from(month) else {
            continue;
        };
        let last = time::util::days_in_month(month_enum, year);
        let day = first.day().min(last);
        out.push((
            format!("{year:04}-{month:02}"),
            format!("{year:04}-{month:02}-{day:02}"),
        ));
    }
    out
}

/// The purpose text put in the QR code: the code first (banks cut the end), then an ASCII label,
/// at most 25 characters.
pub fn purpose_text(code: &str, label: &str) -> String {
    let label = super::vietqr::ascii_fold(label).to_uppercase();
    let mut text = format!("{code} {label}");
    text.truncate(super::vietqr::MAX_PURPOSE_LEN);
    text.trim_end().to_string()
}

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// Three digits in words; `full` when a higher group came before (so 5 → "không trăm linh năm").
fn hundreds(n: u64, full: bool) -> String {
    let (h, t, u) = (
        (n / 100) as usize,
        ((n / 10) % 10) as usize,
        (n % 10) as usize,
    );
    let mut words: Vec<&str> = Vec::new();
    if h > 0 || full {
        words.extend([DIGITS[h], "trăm"]);
    }
    match t {
        0 if u > 0 && (h > 0 || full) => words.push("linh"),
        0 => {}
        1 => words.push("mười"),
        _ => words.extend([DIGITS[t], "mươi"]),
    }
    match u {
        0 => {}
        1 if t > 1 => words.push("mốt"),
        4 if t > 1 => words.push("tư"),
        5 if t > 0 => words.push("lăm"),
        _ => words.push(DIGITS[u]),
    }
    words.join(" ")
}

/// An amount in Vietnamese words, as receipts write it: 1250000 → "Một triệu hai trăm năm mươi
/// nghìn đồng".
pub fn amount_in_words(amount: i64) -> String {
    let mut n = amount.unsigned_abs();
    if n == 0 {
        return "Không đồng".to_string();
    }
    const UNITS: [&str; 4] = ["", "nghìn", "triệu", "tỷ"];
    let mut groups = Vec::new();
    while n > 0 {
        groups.push(n % 1000);
        n /= 1000;
    }
    let mut parts: Vec<String> = Vec::new();
    let top = groups.len() - 1;
    for (index, group) in groups.iter().enumerate().rev() {
        if *group == 0 {
            // Billions repeat: 1 000 000 000 000 is "một nghìn tỷ".
            if index % 3 == 0 && index > 0 && index < top {
                parts.push(UNITS[3].to_string());
            }
            continue;
        }
        parts.push(hundreds(*group, index != top));
        let unit = match index {
            0 => "",
            i if i % 3 == 0 => UNITS[3],
            i => UNITS[i % 3],
        };
        if !unit.is_empty() {
            parts.push(unit.to_string());
        }
    }
    let mut text = parts.join(" ");
    if amount < 0 {
        text = format!("âm {text}");
    }
    text.push_str(" đồng");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_have_a_fixed_length() {
        for id in [0, 1, 31, 32, 4242, 1_073_741_823] {
            let code = reference_code(id).unwrap();
            assert_eq!(code.len(), CODE_LEN, "{code}");
            assert!(code.is_ascii());
            assert_eq!(
                find_references(&code),
                vec![FoundReference {
                    ref_id: id,
                    checked: true
                }]
            );
        }
        assert_eq!(reference_code(-1), None);
        assert_eq!(reference_code(1 << 30), None);
    }

    #[test]
    fn codes_survive_what_banks_do_to_descriptions() {
        let code = reference_code(4242).unwrap();
        let spaced: String = code.chars().flat_map(|c| [c, ' ']).collect();
        let mangled = [
            format!("MBVCB.3349012.{code} HOC PHI.CT tu 0011 NGUYEN THI LAN"),
            code.to_lowercase(),
            spaced,
            format!("IBFT {code}HOCPHI"),
            format!("chuyen tien-{}-{}", &code[..4], &code[4..]),
            code.replace('0', "O"),
        ];
        for text in mangled {
            assert_eq!(
                find_references(&text),
                vec![FoundReference {
                    ref_id: 4242,
                    checked: true
                }],
                "{text}"
            );
        }
        // Cut inside the code, before the check digit: found, but flagged as unchecked.
        let cut = format!("NOP TIEN {}", &code[..CODE_LEN - 1]);
        assert_eq!(
            find_references(&cut),
            vec![FoundReference {
                ref_id: 4242,
                checked: false
            }]
        );
    }

    #[test]
    fn a_wrong_digit_or_a_swap_is_not_taken_for_another_code() {
        let code = reference_code(4242).unwrap();
        let mut chars: Vec<char> = code.chars().collect();
        chars.swap(4, 5);
        let swapped: String = chars.iter().collect();
        if swapped != code {
            assert!(find_references(&swapped).iter().all(|f| f.ref_id != 4242));
        }
        let mut wrong: Vec<char> = code.chars().collect();
        wrong[6] = if wrong[6] == 'Z' { 'Y' } else { 'Z' };
        let wrong: String = wrong.iter().collect();
        assert!(find_references(&wrong).is_empty(), "{wrong}");
        assert!(find_references("CHUYEN TIEN HOC PHI").is_empty());
    }

    #[test]
    fn two_codes_in_one_transfer_are_both_found_in_order() {
        let (a, b) = (reference_code(7).unwrap(), reference_code(9).unwrap());
        let found = find_references(&format!("{a} {b} hoc phi 2 con"));
        assert_eq!(
            found.iter().map(|f| f.ref_id).collect::<Vec<_>>(),
            vec![7, 9]
        );
    }

    fn notice(id: i64, student: i64, outstanding: i64) -> OpenNotice {
        OpenNotice {
            notice_id: id,
            student_id: student,
            outstanding,
        }
    }

    #[test]
    fn exact_partial_over_and_split() {
        let one = [notice(1, 10, 500_000)];
        let exact = allocate(500_000, &one).unwrap();
        assert_eq!(exact.outcome, MatchOutcome::Paid);
        assert_eq!(exact.payments, vec![notice(1, 10, 500_000)]);
        assert_eq!(exact.credit, None);

        let part = allocate(200_000, &one).unwrap();
        assert_eq!(part.outcome, MatchOutcome::PartlyPaid);
        assert_eq!(part.payments, vec![notice(1, 10, 200_000)]);

        let over = allocate(650_000, &one).unwrap();
        assert_eq!(over.outcome, MatchOutcome::Overpaid);
        assert_eq!(over.credit, Some((10, 150_000)));

        let two = [notice(1, 10, 500_000), notice(2, 11, 300_000)];
        let split = allocate(800_000, &two).unwrap();
        assert_eq!(split.outcome, MatchOutcome::Paid);
        assert_eq!(split.payments.len(), 2);
        let short = allocate(600_000, &two).unwrap();
        assert_eq!(
            short.payments,
            vec![notice(1, 10, 500_000), notice(2, 11, 100_000)]
        );
        assert_eq!(allocate(1, &[]), None);
    }

    #[test]
    fn every_dong_is_allocated_exactly_once() {
        let notices = [
            notice(1, 10, 120_000),
            notice(2, 11, 0),
            notice(3, 12, 75_500),
        ];
        for amount in [1, 75_500, 120_000, 195_500, 195_501, 1_000_000] {
            let a = allocate(amount, &notices).unwrap();
            let total: i64 =
                a.payments.iter().map(|p| p.outstanding).sum::<i64>() + a.credit.map_or(0, |c| c.1);
            assert_eq!(total, amount);
            assert!(a.payments.iter().all(|p| p.outstanding > 0));
        }
    }

    #[test]
    fn reductions_and_periods() {
        assert_eq!(reduced_amount(1_000_000, None), 1_000_000);
        assert_eq!(reduced_amount(1_000_000, Some(50)), 500_000);
        assert_eq!(reduced_amount(1_000_000, Some(100)), 0);
        assert_eq!(reduced_amount(99_999, Some(33)), 67_000);
        assert_eq!(
            periods(false, 1, "2026-09-15"),
            vec![("once".into(), "2026-09-15".into())]
        );
        let months = periods(true, 6, "2026-10-31");
        assert_eq!(months.len(), 6);
        assert_eq!(months[1], ("2026-11".into(), "2026-11-30".into()));
        assert_eq!(months[3], ("2027-01".into(), "2027-01-31".into()));
    }

    #[test]
    fn purpose_text_is_short_ascii_with_the_code_first() {
        let text = purpose_text("TS0000A5X", "Học phí tháng 9 và bán trú");
        assert!(text.len() <= 25 && text.is_ascii(), "{text}");
        assert!(text.starts_with("TS0000A5X HOC PHI"));
    }

    #[test]
    fn amounts_in_words() {
        assert_eq!(amount_in_words(0), "Không đồng");
        assert_eq!(
            amount_in_words(1_250_000),
            "Một triệu hai trăm năm mươi nghìn đồng"
        );
        assert_eq!(amount_in_words(105_000), "Một trăm linh năm nghìn đồng");
        assert_eq!(
            amount_in_words(2_021_015),
            "Hai triệu không trăm hai mươi mốt nghìn không trăm mười lăm đồng"
        );
        assert_eq!(amount_in_words(45_000), "Bốn mươi lăm nghìn đồng");
        assert_eq!(amount_in_words(1_000_000_000), "Một tỷ đồng");
    }
}
