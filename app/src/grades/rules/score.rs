//! A mark on the 10-point scale: an entered score (ĐĐGtx, ĐĐGgk, ĐĐGck, a re-test) or a rounded
//! average (ĐTBmhk, ĐTBmcn). TT22 records both as an integer or a decimal with one digit.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::settings::AverageRounding;
use super::text::GradeText;
use crate::i18n::{Lang, Translate};

/// Always between 0 and 10 with at most one decimal. Held as a [`Decimal`] of scale 1 (7.5 is
/// 75 tenths), so equality, order and hashing are those of the value.
///
/// Serialised as a string in its shortest form ("7.5", "8", "10"), to keep exact decimals over
/// JSON; deserialising goes through [`Score::parse`], so a stored value is checked again.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Score(Decimal);

/// Why a text or a decimal is not a score. The `error` field of the JSON form is the stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error")]
pub enum ScoreError {
    /// Nothing (or only spaces) was entered.
    #[serde(rename = "score_empty")]
    #[error("score_empty")]
    Empty,
    /// Not a number written with digits and at most one ',' or '.'.
    #[serde(rename = "score_not_a_number")]
    #[error("score_not_a_number")]
    NotANumber,
    /// Below 0 or above 10.
    #[serde(rename = "score_out_of_range")]
    #[error("score_out_of_range")]
    OutOfRange,
    /// More than one decimal; `suggestion` is the value rounded half-up to one decimal.
    #[serde(rename = "score_too_precise")]
    #[error("score_too_precise (suggestion {suggestion})")]
    TooPrecise { suggestion: Score },
}

impl ScoreError {
    /// The stable code, as sent to the browser.
    pub fn code(self) -> &'static str {
        match self {
            ScoreError::Empty => "score_empty",
            ScoreError::NotANumber => "score_not_a_number",
            ScoreError::OutOfRange => "score_out_of_range",
            ScoreError::TooPrecise { .. } => "score_too_precise",
        }
    }

    /// The text of the code; for `TooPrecise` it holds a `{suggestion}` placeholder.
    pub fn text(self) -> GradeText {
        match self {
            ScoreError::Empty => GradeText::ScoreEmpty,
            ScoreError::NotANumber => GradeText::ScoreNotANumber,
            ScoreError::OutOfRange => GradeText::ScoreOutOfRange,
            ScoreError::TooPrecise { .. } => GradeText::ScoreTooPrecise,
        }
    }

    /// The message to show, with the suggestion written the way the language writes decimals.
    pub fn message(self, lang: Lang) -> String {
        let text = self.text().text(lang);
        match self {
            ScoreError::TooPrecise { suggestion } => {
                text.replace("{suggestion}", &suggestion.written(lang))
            }
            _ => text.to_string(),
        }
    }
}

impl Score {
    pub const ZERO: Score = Score::from_tenths_unchecked(0);
    pub const TEN: Score = Score::from_tenths_unchecked(100);

    /// Every constructor ends here: scale 1 and at most 100 tenths (the callers' duty; the rules'
    /// constants use it with literals).
    pub(super) const fn from_tenths_unchecked(tenths: u8) -> Score {
        Score(Decimal::from_parts(tenths as u32, 0, 0, false, 1))
    }

    /// 75 → 7.5. `None` above 100 tenths.
    pub const fn from_tenths(tenths: u8) -> Option<Score> {
        if tenths <= 100 {
            Some(Score::from_tenths_unchecked(tenths))
        } else {
            None
        }
    }

    /// Reads what a teacher types: "7,5", "7.5", " 8 ", "10", "0,0". Refuses an empty text, a
    /// text that is not a number, a value outside 0..=10 and a value with more than one decimal
    /// (then suggests the value rounded half-up, 7.25 → 7.3). Leading zeros, a trailing
    /// separator ("7,") and a missing whole part (",5") are accepted: none is ambiguous.
    pub fn parse(input: &str) -> Result<Score, ScoreError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(ScoreError::Empty);
        }
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = unsigned.split_once([',', '.']).unwrap_or((unsigned, ""));
        let is_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !is_digits(whole) || !is_digits(fraction) {
            return Err(ScoreError::NotANumber);
        }

        // Work on the digits themselves, so no length of input can overflow or be rounded away.
        let whole = whole.trim_start_matches('0');
        let fraction = fraction.trim_end_matches('0');
        if negative && !(whole.is_empty() && fraction.is_empty()) {
            return Err(ScoreError::OutOfRange);
        }
        if whole.len() > 2 {
            return Err(ScoreError::OutOfRange);
        }
        let digit_value = |b: u8| u16::from(b - b'0');
        let whole_value = whole.bytes().fold(0u16, |acc, b| acc * 10 + digit_value(b));
        let mut fraction_digits = fraction.bytes();
        let tenths = whole_value * 10 + fraction_digits.next().map_or(0, digit_value);
        let next_digit = fraction_digits.next();
        if tenths > 100 || (tenths == 100 && next_digit.is_some()) {
            return Err(ScoreError::OutOfRange);
        }
        let tenths = u8::try_from(tenths).map_err(|_| ScoreError::OutOfRange)?;
        match next_digit {
            None => Ok(Score::from_tenths_unchecked(tenths)),
            Some(hundredths) => {
                // Half-up needs only the second decimal: 7.25 → 7.3, 7.2499… → 7.2.
                let suggestion = tenths + u8::from(hundredths >= b'5');
                Err(ScoreError::TooPrecise {
                    suggestion: Score::from_tenths_unchecked(suggestion.min(100)),
                })
            }
        }
    }

    /// The rounded value of an exact average. The mean of scores lies within 0..=10, so the clamp
    /// only keeps the invariant without a failure path.
    pub(crate) fn round(value: Decimal, rounding: AverageRounding) -> Score {
        let strategy = match rounding {
            AverageRounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            AverageRounding::HalfEven => RoundingStrategy::MidpointNearestEven,
        };
        let mut rounded = value.round_dp_with_strategy(1, strategy);
        rounded.rescale(1);
        let tenths = rounded.mantissa().clamp(0, 100);
        Score::from_tenths_unchecked(u8::try_from(tenths).unwrap_or(0))
    }

    /// The exact value.
    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// 7.5 → 75.
    pub fn tenths(self) -> u8 {
        // Constructors keep scale 1 and 0..=100 tenths, so the mantissa is the tenths.
        u8::try_from(self.0.mantissa()).unwrap_or(0)
    }

    /// Shortest form, as people write it: "7,5", "8", "10" in Vietnamese; "7.5" in English.
    pub fn written(self, lang: Lang) -> String {
        let plain = self.to_string();
        match lang {
            Lang::Vi => plain.replace('.', ","),
            Lang::En => plain,
        }
    }

    /// Always one decimal, as averages appear on a report card: "8,0", "7,6" / "8.0", "7.6".
    pub fn written_to_one_decimal(self, lang: Lang) -> String {
        let separator = match lang {
            Lang::Vi => ',',
            Lang::En => '.',
        };
        let tenths = self.tenths();
        format!("{}{separator}{}", tenths / 10, tenths % 10)
    }
}

impl TryFrom<Decimal> for Score {
    type Error = ScoreError;

    /// Checks range and precision the same way as [`Score::parse`].
    fn try_from(value: Decimal) -> Result<Score, ScoreError> {
        if (value.is_sign_negative() && !value.is_zero()) || value > Decimal::TEN {
            return Err(ScoreError::OutOfRange);
        }
        if value.normalize().scale() > 1 {
            return Err(ScoreError::TooPrecise {
                suggestion: Score::round(value, AverageRounding::HalfUp),
            });
        }
        Ok(Score::round(value, AverageRounding::HalfUp))
    }
}

impl FromStr for Score {
    type Err = ScoreError;

    fn from_str(text: &str) -> Result<Score, ScoreError> {
        Score::parse(text)
    }
}

impl TryFrom<String> for Score {
    type Error = ScoreError;

    fn try_from(text: String) -> Result<Score, ScoreError> {
        Score::parse(&text)
    }
}

impl From<Score> for String {
    fn from(score: Score) -> String {
        score.to_string()
    }
}

impl From<Score> for Decimal {
    fn from(score: Score) -> Decimal {
        score.0
    }
}

/// The wire form: shortest, with a point ("7.5", "8").
impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.normalize(), f)
    }
}

impl fmt::Debug for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Score({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grades::rules::s;
    use proptest::prelude::*;

    #[test]
    fn teachers_may_type_a_comma_or_a_point() {
        let cases = [
            ("7,5", 75),
            ("7.5", 75),
            (" 8 ", 80),
            ("\t9,0\n", 90),
            ("10", 100),
            ("10,0", 100),
            ("10.00", 100),
            ("0", 0),
            ("0,0", 0),
            ("-0", 0),
            ("+6", 60),
            ("07,5", 75),
            ("7,", 70),
            (",5", 5),
            ("6.50", 65),
        ];
        for (input, tenths) in cases {
            assert_eq!(
                Score::parse(input).map(Score::tenths),
                Ok(tenths),
                "{input:?}"
            );
        }
    }

    #[test]
    fn impossible_scores_are_refused_with_a_distinct_error() {
        let cases = [
            ("", ScoreError::Empty),
            ("   ", ScoreError::Empty),
            ("abc", ScoreError::NotANumber),
            ("7,5,1", ScoreError::NotANumber),
            ("7 5", ScoreError::NotANumber),
            ("1e1", ScoreError::NotANumber),
            (",", ScoreError::NotANumber),
            ("-", ScoreError::NotANumber),
            ("７", ScoreError::NotANumber),
            ("--1", ScoreError::NotANumber),
            ("10.5", ScoreError::OutOfRange),
            ("10,01", ScoreError::OutOfRange),
            ("11", ScoreError::OutOfRange),
            ("100", ScoreError::OutOfRange),
            (
                "99999999999999999999999999999999999",
                ScoreError::OutOfRange,
            ),
            ("-1", ScoreError::OutOfRange),
            ("-0,1", ScoreError::OutOfRange),
            (
                "7.25",
                ScoreError::TooPrecise {
                    suggestion: s("7.3"),
                },
            ),
            (
                "7,24999999999999999999999999999999",
                ScoreError::TooPrecise {
                    suggestion: s("7.2"),
                },
            ),
            (
                "9.96",
                ScoreError::TooPrecise {
                    suggestion: s("10"),
                },
            ),
            ("0,04", ScoreError::TooPrecise { suggestion: s("0") }),
            (
                "7.00000000000000000000000000000001",
                ScoreError::TooPrecise { suggestion: s("7") },
            ),
        ];
        for (input, error) in cases {
            assert_eq!(Score::parse(input), Err(error), "{input:?}");
        }
    }

    #[test]
    fn the_too_precise_message_carries_the_rounded_suggestion() {
        let error = Score::parse("7.25").unwrap_err();
        assert_eq!(error.code(), "score_too_precise");
        assert_eq!(
            error.message(Lang::Vi),
            "Điểm chỉ ghi đến một chữ số thập phân, ví dụ 7,3."
        );
        assert_eq!(
            error.message(Lang::En),
            "Scores are recorded to one decimal place, e.g. 7.3."
        );
    }

    #[test]
    fn every_score_error_has_a_unique_code_and_both_languages() {
        let all = [
            ScoreError::Empty,
            ScoreError::NotANumber,
            ScoreError::OutOfRange,
            ScoreError::TooPrecise {
                suggestion: s("7.3"),
            },
        ];
        let mut codes = std::collections::HashSet::new();
        for error in all {
            assert!(codes.insert(error.code()), "duplicate {}", error.code());
            assert_eq!(error.to_string().split(' ').next(), Some(error.code()));
            let vi = error.message(Lang::Vi);
            let en = error.message(Lang::En);
            assert!(!vi.trim().is_empty() && !en.trim().is_empty(), "{error:?}");
            assert_ne!(vi, en, "{error:?} is not translated");
            assert!(!vi.contains('{') && !en.contains('{'), "{error:?}");
        }
    }

    #[test]
    fn errors_serialise_as_a_stable_code() {
        let json = serde_json::to_value(ScoreError::TooPrecise {
            suggestion: s("7.3"),
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": "score_too_precise", "suggestion": "7.3"})
        );
        let json = serde_json::to_value(ScoreError::OutOfRange).unwrap();
        assert_eq!(json, serde_json::json!({"error": "score_out_of_range"}));
    }

    #[test]
    fn scores_serialise_as_exact_strings() {
        assert_eq!(serde_json::to_string(&s("7,5")).unwrap(), "\"7.5\"");
        assert_eq!(serde_json::to_string(&s("8.0")).unwrap(), "\"8\"");
        assert_eq!(serde_json::to_string(&Score::TEN).unwrap(), "\"10\"");
        assert_eq!(serde_json::from_str::<Score>("\"6,5\"").unwrap(), s("6.5"));
        assert!(serde_json::from_str::<Score>("\"10.5\"").is_err());
        assert!(serde_json::from_str::<Score>("\"7.25\"").is_err());
        assert!(
            serde_json::from_str::<Score>("7.5").is_err(),
            "numbers would lose exactness"
        );
    }

    #[test]
    fn written_forms_follow_the_language() {
        assert_eq!(s("7.5").written(Lang::Vi), "7,5");
        assert_eq!(s("7.5").written(Lang::En), "7.5");
        assert_eq!(s("8").written(Lang::Vi), "8");
        assert_eq!(s("8").written_to_one_decimal(Lang::Vi), "8,0");
        assert_eq!(s("10").written_to_one_decimal(Lang::En), "10.0");
        assert_eq!(s("0.5").written_to_one_decimal(Lang::En), "0.5");
        assert_eq!(format!("{:?}", s("7,5")), "Score(7.5)");
    }

    #[test]
    fn decimals_convert_with_the_same_checks() {
        assert_eq!(Score::try_from(Decimal::new(75, 1)), Ok(s("7.5")));
        assert_eq!(Score::try_from(Decimal::new(7500, 3)), Ok(s("7.5")));
        assert_eq!(Score::try_from(Decimal::new(8, 0)), Ok(s("8")));
        assert_eq!(
            Score::try_from(Decimal::new(105, 1)),
            Err(ScoreError::OutOfRange)
        );
        assert_eq!(
            Score::try_from(Decimal::new(-1, 0)),
            Err(ScoreError::OutOfRange)
        );
        assert_eq!(
            Score::try_from(Decimal::new(725, 2)),
            Err(ScoreError::TooPrecise {
                suggestion: s("7.3")
            })
        );
        assert_eq!(Decimal::from(s("7.5")), Decimal::new(75, 1));
    }

    #[test]
    fn tenths_bounds() {
        assert_eq!(Score::from_tenths(100), Some(Score::TEN));
        assert_eq!(Score::from_tenths(0), Some(Score::ZERO));
        assert_eq!(Score::from_tenths(101), None);
        assert!(s("6.5") < s("8") && s("8.0") == s("8"));
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn every_score_round_trips_through_its_written_forms(tenths in 0u8..=100) {
            let score = Score::from_tenths(tenths).unwrap();
            for lang in Lang::ALL {
                prop_assert_eq!(Score::parse(&score.written(lang)), Ok(score));
                prop_assert_eq!(Score::parse(&score.written_to_one_decimal(lang)), Ok(score));
            }
            let json = serde_json::to_string(&score).unwrap();
            prop_assert_eq!(serde_json::from_str::<Score>(&json).unwrap(), score);
            prop_assert_eq!(score.as_decimal(), Decimal::new(i64::from(tenths), 1));
        }

        #[test]
        fn two_decimals_suggest_the_half_up_rounding(hundredths in 0u32..=1000) {
            prop_assume!(hundredths % 10 != 0);
            let text = format!("{}.{:02}", hundredths / 100, hundredths % 100);
            let expected = u8::try_from((hundredths + 5) / 10).unwrap();
            prop_assert_eq!(
                Score::parse(&text),
                Err(ScoreError::TooPrecise { suggestion: Score::from_tenths(expected).unwrap() })
            );
        }
    }
}
