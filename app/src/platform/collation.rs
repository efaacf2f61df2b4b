//! Vietnamese collation (CLDR `vi`) for lists, and diacritic-free folding for search.
//!
//! Letters come in Vietnamese alphabet order (a < ă < â < b < c < d < đ < e < ê … o < ô < ơ … u < ư);
//! tone marks are a secondary difference (none < huyền < hỏi < ngã < sắc < nặng); letter case is a
//! tertiary one. Pure code: the browser sorts with the same function as the server.

use std::cmp::Ordering;

use unicode_normalization::UnicodeNormalization;

const COMBINING_BREVE: char = '\u{0306}';
const COMBINING_CIRCUMFLEX: char = '\u{0302}';
const COMBINING_HORN: char = '\u{031B}';

/// Tone weights, in the order CLDR gives them.
fn tone_weight(mark: char) -> Option<u8> {
    match mark {
        '\u{0300}' => Some(1), // huyền (grave)
        '\u{0309}' => Some(2), // hỏi (hook above)
        '\u{0303}' => Some(3), // ngã (tilde)
        '\u{0301}' => Some(4), // sắc (acute)
        '\u{0323}' => Some(5), // nặng (dot below)
        _ => None,
    }
}

/// The 29 letters of the Vietnamese alphabet plus f, j, w, z (used in foreign names), in order.
const ALPHABET: &[&str] = &[
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
    "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
];

/// Primary weight of a base letter with its letter-forming mark (breve, circumflex, horn).
fn letter_weight(base: char, modifier: Option<char>) -> u32 {
    let letter: String = match (base, modifier) {
        ('a', Some(COMBINING_BREVE)) => "ă".into(),
        ('a', Some(COMBINING_CIRCUMFLEX)) => "â".into(),
        ('e', Some(COMBINING_CIRCUMFLEX)) => "ê".into(),
        ('o', Some(COMBINING_CIRCUMFLEX)) => "ô".into(),
        ('o', Some(COMBINING_HORN)) => "ơ".into(),
        ('u', Some(COMBINING_HORN)) => "ư".into(),
        (c, _) => c.to_string(),
    };
    match ALPHABET.iter().position(|l| *l == letter) {
        // Separators sort first, then digits, then letters, then anything else by code point.
        Some(index) => 100 + index as u32,
        None if base.is_whitespace() || base == '-' => 1,
        None if base.is_ascii_digit() => 10 + base as u32 - '0' as u32,
        None => 1_000 + base as u32,
    }
}

/// A sort key: compare keys instead of strings when sorting many times.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CollationKey {
    primary: Vec<u32>,
    secondary: Vec<u8>,
    tertiary: Vec<u8>,
}

pub fn collation_key(text: &str) -> CollationKey {
    let mut key = CollationKey {
        primary: Vec::with_capacity(text.len()),
        secondary: Vec::with_capacity(text.len()),
        tertiary: Vec::with_capacity(text.len()),
    };
    let decomposed: Vec<char> = text.trim().nfd().collect();
    let mut i = 0;
    while i < decomposed.len() {
        let ch = decomposed[i];
        i += 1;
        let upper = ch.is_uppercase();
        let base = match ch {
            'Đ' | 'đ' => 'đ',
            c => c.to_lowercase().next().unwrap_or(c),
        };
        let mut modifier = None;
        let mut tone = 0u8;
        while i < decomposed.len() {
            let mark = decomposed[i];
            if let Some(weight) = tone_weight(mark) {
                tone = weight;
            } else if matches!(
                mark,
                COMBINING_BREVE | COMBINING_CIRCUMFLEX | COMBINING_HORN
            ) {
                modifier = Some(mark);
            } else if !is_combining(mark) {
                break;
            }
            i += 1;
        }
        key.primary.push(letter_weight(base, modifier));
        key.secondary.push(tone);
        key.tertiary.push(u8::from(upper));
    }
    key
}

fn is_combining(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Compares two strings in Vietnamese order.
pub fn compare(a: &str, b: &str) -> Ordering {
    collation_key(a).cmp(&collation_key(b))
}

/// Lower-case, without diacritics, đ → d, single spaces: "Nguyễn  Thị" → "nguyen thi".
/// Stored beside names so that search works the same on every database.
pub fn fold_for_search(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for ch in text.nfd() {
        if is_combining(ch) {
            continue;
        }
        let ch = match ch {
            'Đ' | 'đ' => 'd',
            c => c.to_lowercase().next().unwrap_or(c),
        };
        if ch.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(ch);
            last_space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Input may arrive in NFD (macOS, some keyboards); names are kept in NFC with single spaces.
pub fn normalize_name(text: &str) -> String {
    text.nfc()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(words: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        v.sort_by(|a, b| compare(a, b));
        v
    }

    #[test]
    fn given_names_sort_in_vietnamese_order() {
        assert_eq!(
            sorted(&["Em", "Đức", "Bình", "Ánh", "Dũng", "Anh"]),
            ["Anh", "Ánh", "Bình", "Dũng", "Đức", "Em"]
        );
    }

    #[test]
    fn letters_with_marks_are_separate_letters() {
        assert_eq!(sorted(&["Ân", "Ăn", "An"]), ["An", "Ăn", "Ân"]);
        assert_eq!(sorted(&["Ơn", "Ôn", "On"]), ["On", "Ôn", "Ơn"]);
        assert_eq!(sorted(&["Ưng", "Uy", "Vy"]), ["Uy", "Ưng", "Vy"]);
        // The letter decides before the tone: "Ăn" (with breve) comes after every "An…" tone.
        assert_eq!(sorted(&["Ăn", "Ạn", "An"]), ["An", "Ạn", "Ăn"]);
    }

    #[test]
    fn tones_order_none_grave_hook_tilde_acute_dot() {
        assert_eq!(
            sorted(&["Mạ", "Má", "Mã", "Mả", "Mà", "Ma"]),
            ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"]
        );
    }

    #[test]
    fn nfd_and_nfc_input_sort_alike() {
        let nfd: String = "Đức".nfd().collect();
        assert_eq!(compare(&nfd, "Đức"), Ordering::Equal);
        assert_eq!(normalize_name(&nfd), "Đức");
    }

    #[test]
    fn a_shorter_word_sorts_before_its_extension() {
        assert_eq!(sorted(&["Anh", "An"]), ["An", "Anh"]);
    }

    #[test]
    fn folding_strips_diacritics_for_search() {
        assert_eq!(fold_for_search("  Nguyễn   Thị Đào "), "nguyen thi dao");
        assert_eq!(fold_for_search("ĐẶNG VĂN ƯỚC"), "dang van uoc");
    }
}
