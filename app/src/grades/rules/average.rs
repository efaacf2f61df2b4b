//! Subject averages (Art. 9.1), in exact decimals:
//! - semester: ĐTBmhk = (sum of ĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (number of ĐĐGtx + 5);
//! - year: ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3, from the semester averages as rounded (the
//!   reference's worked example: 7.6 and 8.3 give 8.0666… → 8.1).
//!
//! A missing score makes an average [`Computable::NotYet`], never a zero.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::score::Score;
use super::settings::{AverageRounding, GradingSettings, RegularScoresRequired};

/// Học kì I or II.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Semester {
    First,
    Second,
}

/// A result, or what is still missing before it can be computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Computable<T> {
    Ready { value: T },
    NotYet { missing: Vec<Missing> },
}

impl<T> Computable<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Computable::Ready { value } => Some(value),
            Computable::NotYet { .. } => None,
        }
    }

    pub fn into_value(self) -> Option<T> {
        match self {
            Computable::Ready { value } => Some(value),
            Computable::NotYet { .. } => None,
        }
    }

    pub fn is_ready(&self) -> bool {
        matches!(self, Computable::Ready { .. })
    }
}

/// One thing an average or a result waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Missing {
    /// Fewer ĐĐGtx than required.
    RegularScores { entered: usize, required: u8 },
    /// No ĐĐGgk yet.
    Midterm,
    /// No ĐĐGck yet.
    Final,
    /// No ĐTBmhk for that semester yet.
    SemesterAverage { semester: Semester },
    /// No result yet for the subject at this index of the list given.
    SubjectResult { subject: usize },
}

/// A student's scores in one scored subject for one semester, as entered so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SemesterScores {
    /// The ĐĐGtx entered, in any order (blank columns are simply absent).
    pub regular: Vec<Score>,
    /// ĐĐGgk.
    pub midterm: Option<Score>,
    /// ĐĐGck.
    pub final_exam: Option<Score>,
}

/// ĐTBmhk once enough scores exist. `planned_regular` is the subject's ĐĐGtx count
/// ([`SubjectConfig::planned_regular_assessments`](super::SubjectConfig::planned_regular_assessments)).
///
/// By default every planned ĐĐGtx, the ĐĐGgk and the ĐĐGck are required
/// ([`RegularScoresRequired`]). More ĐĐGtx than planned are all counted: the formula divides by
/// the number of ĐĐGtx actually given.
pub fn semester_subject_average(
    scores: &SemesterScores,
    planned_regular: u8,
    settings: &GradingSettings,
) -> Computable<Score> {
    let required = match settings.regular_scores_required {
        RegularScoresRequired::AllPlanned => planned_regular,
        RegularScoresRequired::AtLeastOne => planned_regular.min(1),
    };
    let mut missing = Vec::new();
    if scores.regular.len() < usize::from(required) {
        missing.push(Missing::RegularScores {
            entered: scores.regular.len(),
            required,
        });
    }
    if scores.midterm.is_none() {
        missing.push(Missing::Midterm);
    }
    if scores.final_exam.is_none() {
        missing.push(Missing::Final);
    }
    match (scores.midterm, scores.final_exam) {
        (Some(midterm), Some(final_exam)) if missing.is_empty() => Computable::Ready {
            value: semester_mean(&scores.regular, midterm, final_exam, settings.rounding),
        },
        _ => Computable::NotYet { missing },
    }
}

/// The ĐTBmhk formula on complete scores, rounded to one decimal.
pub fn semester_mean(
    regular: &[Score],
    midterm: Score,
    final_exam: Score,
    rounding: AverageRounding,
) -> Score {
    let regular_sum: Decimal = regular.iter().map(|score| score.as_decimal()).sum();
    let total = regular_sum
        + Decimal::TWO * midterm.as_decimal()
        + Decimal::from(3) * final_exam.as_decimal();
    let weight = Decimal::from(regular.len()) + Decimal::from(5);
    // The exact quotient can only fall on a rounding midpoint when it is a short finite decimal,
    // which the 28-digit division represents exactly; otherwise it is at least 1/(20·weight)
    // away from one, far beyond the division's last digit. So rounding the quotient is exact.
    Score::round(total / weight, rounding)
}

/// ĐTBmcn once both semester averages exist.
pub fn year_subject_average(
    first: Option<Score>,
    second: Option<Score>,
    settings: &GradingSettings,
) -> Computable<Score> {
    match (first, second) {
        (Some(first), Some(second)) => Computable::Ready {
            value: year_mean(first, second, settings.rounding),
        },
        _ => Computable::NotYet {
            missing: [(first, Semester::First), (second, Semester::Second)]
                .into_iter()
                .filter(|(average, _)| average.is_none())
                .map(|(_, semester)| Missing::SemesterAverage { semester })
                .collect(),
        },
    }
}

/// The ĐTBmcn formula on the rounded semester averages, rounded to one decimal.
pub fn year_mean(first: Score, second: Score, rounding: AverageRounding) -> Score {
    let total = first.as_decimal() + Decimal::TWO * second.as_decimal();
    Score::round(total / Decimal::from(3), rounding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grades::rules::s;
    use proptest::prelude::*;

    fn scores(regular: &[&str], midterm: Option<&str>, final_exam: Option<&str>) -> SemesterScores {
        SemesterScores {
            regular: regular.iter().map(|text| s(text)).collect(),
            midterm: midterm.map(s),
            final_exam: final_exam.map(s),
        }
    }

    fn ready(value: &str) -> Computable<Score> {
        Computable::Ready { value: s(value) }
    }

    #[test]
    fn the_reference_semester_example_gives_7_6() {
        // (8 + 7 + 9 + 2·6.5 + 3·8) / 8 = 61/8 = 7.625 → 7.6
        let average = semester_subject_average(
            &scores(&["8", "7", "9"], Some("6.5"), Some("8")),
            3,
            &GradingSettings::default(),
        );
        assert_eq!(average, ready("7.6"));
    }

    #[test]
    fn the_reference_year_example_gives_8_1() {
        // (7.6 + 2·8.3) / 3 = 8.0666… → 8.1
        let settings = GradingSettings::default();
        assert_eq!(
            year_subject_average(Some(s("7.6")), Some(s("8.3")), &settings),
            ready("8.1")
        );
    }

    #[test]
    fn the_year_uses_the_rounded_semester_averages() {
        // Semester I: the reference's 61/8 = 7.625 → 7.6. Semester II: 66/8 = 8.25 → 8.3.
        // Rounded first: (7.6 + 2·8.3) / 3 = 8.0666… → 8.1, as in the reference's example.
        // Unrounded it would be (7.625 + 2·8.25) / 3 = 8.0416… → 8.0: the order matters.
        let first = semester_mean(
            &[s("8"), s("7"), s("9")],
            s("6.5"),
            s("8"),
            AverageRounding::HalfUp,
        );
        let second = semester_mean(
            &[s("8.5"), s("8"), s("8")],
            s("8"),
            s("8.5"),
            AverageRounding::HalfUp,
        );
        assert_eq!((first, second), (s("7.6"), s("8.3")));
        assert_eq!(year_mean(first, second, AverageRounding::HalfUp), s("8.1"));
    }

    #[test]
    fn midpoints_round_half_up_exactly() {
        // 8.25 is not representable in binary floating point; here it is exact.
        // (8 + 8 + 2·8 + 3·8.5) / 7 = 57.5 / 7 = 8.214… → 8.2 (not a midpoint, a control case)
        let cases: [(&[&str], &str, &str, &str); 5] = [
            (&["8", "8"], "8", "8.5", "8.2"),
            // (8.5 + 8 + 8 + 2·8 + 3·8.5) / 8 = 66/8 = 8.25 → 8.3
            (&["8.5", "8", "8"], "8", "8.5", "8.3"),
            // (6 + 7 + 2·7 + 3·6.5) / 7 = 46.5/7 = 6.642… → 6.6
            (&["6", "7"], "7", "6.5", "6.6"),
            // (10 + 10 + 10 + 10 + 2·10 + 3·10) / 9 = 10
            (&["10", "10", "10", "10"], "10", "10", "10"),
            // (0 + 0 + 2·0 + 3·0.1) / 7 = 0.3/7 = 0.0428… → 0.0
            (&["0", "0"], "0", "0.1", "0"),
        ];
        for (regular, midterm, final_exam, expected) in cases {
            let regular: Vec<Score> = regular.iter().map(|text| s(text)).collect();
            assert_eq!(
                semester_mean(&regular, s(midterm), s(final_exam), AverageRounding::HalfUp),
                s(expected),
                "{regular:?} {midterm} {final_exam}"
            );
        }
        // (8 + 2·8.3) / 3 = 8.2 exactly; (7.7 + 2·8.4) / 3 = 8.1666… → 8.2; 0.2/3 → 0.1.
        assert_eq!(
            year_mean(s("8"), s("8.3"), AverageRounding::HalfUp),
            s("8.2")
        );
        assert_eq!(
            year_mean(s("7.7"), s("8.4"), AverageRounding::HalfUp),
            s("8.2")
        );
        assert_eq!(
            year_mean(s("0"), s("0.1"), AverageRounding::HalfUp),
            s("0.1")
        );
    }

    #[test]
    fn half_even_rounding_is_a_setting() {
        // 66/8 = 8.25: half-up 8.3, half-even 8.2; 61/8 = 7.625 is not a midpoint: 7.6 in both.
        let regular = [s("8.5"), s("8"), s("8")];
        assert_eq!(
            semester_mean(&regular, s("8"), s("8.5"), AverageRounding::HalfEven),
            s("8.2")
        );
        assert_eq!(
            semester_mean(&regular, s("8"), s("8.5"), AverageRounding::HalfUp),
            s("8.3")
        );
        let settings = GradingSettings {
            rounding: AverageRounding::HalfEven,
            ..GradingSettings::default()
        };
        assert_eq!(
            semester_subject_average(
                &scores(&["8", "7", "9"], Some("6.5"), Some("8")),
                3,
                &settings
            ),
            ready("7.6")
        );
    }

    #[test]
    fn a_missing_score_means_not_computable_yet() {
        let settings = GradingSettings::default();
        let cases = [
            (
                scores(&["8", "7"], Some("6.5"), Some("8")),
                vec![Missing::RegularScores {
                    entered: 2,
                    required: 3,
                }],
            ),
            (
                scores(&["8", "7", "9"], None, Some("8")),
                vec![Missing::Midterm],
            ),
            (
                scores(&["8", "7", "9"], Some("6.5"), None),
                vec![Missing::Final],
            ),
            (
                scores(&[], None, None),
                vec![
                    Missing::RegularScores {
                        entered: 0,
                        required: 3,
                    },
                    Missing::Midterm,
                    Missing::Final,
                ],
            ),
        ];
        for (scores, missing) in cases {
            assert_eq!(
                semester_subject_average(&scores, 3, &settings),
                Computable::NotYet { missing },
                "{scores:?}"
            );
        }
        assert_eq!(
            year_subject_average(None, Some(s("8")), &settings),
            Computable::NotYet {
                missing: vec![Missing::SemesterAverage {
                    semester: Semester::First
                }]
            }
        );
        assert_eq!(
            year_subject_average(None, None, &settings).value().copied(),
            None
        );
    }

    #[test]
    fn zeros_are_real_scores_not_missing_ones() {
        let average = semester_subject_average(
            &scores(&["0", "0"], Some("0"), Some("0")),
            2,
            &GradingSettings::default(),
        );
        assert_eq!(average, ready("0"));
    }

    #[test]
    fn a_school_may_average_with_fewer_regular_scores() {
        let settings = GradingSettings {
            regular_scores_required: RegularScoresRequired::AtLeastOne,
            ..GradingSettings::default()
        };
        // (8 + 2·6.5 + 3·8) / 6 = 45/6 = 7.5
        assert_eq!(
            semester_subject_average(&scores(&["8"], Some("6.5"), Some("8")), 3, &settings),
            ready("7.5")
        );
        assert_eq!(
            semester_subject_average(&scores(&[], Some("6.5"), Some("8")), 3, &settings),
            Computable::NotYet {
                missing: vec![Missing::RegularScores {
                    entered: 0,
                    required: 1
                }]
            }
        );
    }

    #[test]
    fn extra_regular_scores_all_count() {
        // 4 entered where 3 are planned: (8+7+9+10 + 13 + 24) / 9 = 71/9 = 7.888… → 7.9
        assert_eq!(
            semester_subject_average(
                &scores(&["8", "7", "9", "10"], Some("6.5"), Some("8")),
                3,
                &GradingSettings::default()
            ),
            ready("7.9")
        );
    }

    #[test]
    fn computable_serialises_with_a_status() {
        let json = serde_json::to_value(ready("7.6")).unwrap();
        assert_eq!(json, serde_json::json!({"status": "ready", "value": "7.6"}));
        let pending: Computable<Score> = Computable::NotYet {
            missing: vec![
                Missing::Midterm,
                Missing::RegularScores {
                    entered: 1,
                    required: 3,
                },
            ],
        };
        let json = serde_json::to_value(&pending).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "not_yet", "missing": [
                {"kind": "midterm"},
                {"kind": "regular_scores", "entered": 1, "required": 3}
            ]})
        );
        assert_eq!(
            serde_json::from_value::<Computable<Score>>(json).unwrap(),
            pending
        );
    }

    /// Exact reference: a fraction of tenths, rounded half-up (or half-even) in integers.
    fn rational_round(numerator: u64, denominator: u64, rounding: AverageRounding) -> u64 {
        let (quotient, remainder) = (numerator / denominator, numerator % denominator);
        let round_up = match rounding {
            AverageRounding::HalfUp => 2 * remainder >= denominator,
            AverageRounding::HalfEven => {
                2 * remainder > denominator || (2 * remainder == denominator && quotient % 2 == 1)
            }
        };
        quotient + u64::from(round_up)
    }

    fn any_score() -> impl Strategy<Value = Score> {
        (0u8..=100).prop_map(|tenths| Score::from_tenths(tenths).unwrap())
    }

    fn any_rounding() -> impl Strategy<Value = AverageRounding> {
        prop_oneof![
            Just(AverageRounding::HalfUp),
            Just(AverageRounding::HalfEven)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn the_semester_average_matches_exact_rationals(
            regular in prop::collection::vec(any_score(), 0..=9),
            midterm in any_score(),
            final_exam in any_score(),
            rounding in any_rounding(),
        ) {
            let average = semester_mean(&regular, midterm, final_exam, rounding);
            let tenths: u64 = regular.iter().map(|score| u64::from(score.tenths())).sum::<u64>()
                + 2 * u64::from(midterm.tenths())
                + 3 * u64::from(final_exam.tenths());
            let weight = regular.len() as u64 + 5;
            prop_assert_eq!(u64::from(average.tenths()), rational_round(tenths, weight, rounding));
        }

        #[test]
        fn the_semester_average_stays_within_the_scores(
            regular in prop::collection::vec(any_score(), 0..=9),
            midterm in any_score(),
            final_exam in any_score(),
            rounding in any_rounding(),
        ) {
            let average = semester_mean(&regular, midterm, final_exam, rounding);
            let all = || regular.iter().copied().chain([midterm, final_exam]);
            let lowest = all().min().unwrap();
            let highest = all().max().unwrap();
            prop_assert!(lowest <= average && average <= highest, "{lowest:?} {average:?} {highest:?}");
        }

        #[test]
        fn the_year_average_matches_exact_rationals_and_stays_within(
            first in any_score(),
            second in any_score(),
            rounding in any_rounding(),
        ) {
            let average = year_mean(first, second, rounding);
            let tenths = u64::from(first.tenths()) + 2 * u64::from(second.tenths());
            prop_assert_eq!(u64::from(average.tenths()), rational_round(tenths, 3, rounding));
            prop_assert!(first.min(second) <= average && average <= first.max(second));
        }

        #[test]
        fn an_average_is_ready_exactly_when_every_required_score_is_there(
            regular in prop::collection::vec(any_score(), 0..=5),
            midterm in prop::option::of(any_score()),
            final_exam in prop::option::of(any_score()),
            planned in 1u8..=4,
        ) {
            let scores = SemesterScores { regular, midterm, final_exam };
            let average = semester_subject_average(&scores, planned, &GradingSettings::default());
            let complete = scores.regular.len() >= usize::from(planned)
                && scores.midterm.is_some()
                && scores.final_exam.is_some();
            prop_assert_eq!(average.is_ready(), complete);
        }
    }
}
