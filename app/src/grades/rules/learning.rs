//! The learning result (kết quả học tập) of a semester or of the year, Art. 9.2 and 9.3. The same
//! thresholds serve both: pass the semester averages (ĐTBmhk) and semester comment results for a
//! semester, the year averages (ĐTBmcn) and year comment results for the year.

use serde::{Deserialize, Serialize};

use super::average::{Computable, Missing};
use super::score::Score;
use super::settings::{GradingSettings, MinimumSubjectCounts};
use super::text::GradeText;
use crate::i18n::{Lang, Translate};

/// The four levels of TT22, for learning (học tập) and conduct (rèn luyện) alike. Ordered from
/// lowest to highest, so `Level::Pass < Level::Good`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Chưa đạt.
    NotYet,
    /// Đạt.
    Pass,
    /// Khá.
    Fair,
    /// Tốt.
    Good,
}

impl Level {
    /// Lowest first.
    pub const ALL: [Level; 4] = [Level::NotYet, Level::Pass, Level::Fair, Level::Good];

    /// 0 for Chưa đạt up to 3 for Tốt: how many levels apart two results are.
    pub fn rank(self) -> u8 {
        match self {
            Level::NotYet => 0,
            Level::Pass => 1,
            Level::Fair => 2,
            Level::Good => 3,
        }
    }

    /// The adjacent level up (mức liền kề); Tốt stays Tốt.
    pub fn raised(self) -> Level {
        match self {
            Level::NotYet => Level::Pass,
            Level::Pass => Level::Fair,
            Level::Fair | Level::Good => Level::Good,
        }
    }

    /// The stable code used in JSON ("good", "fair", "pass", "not_yet").
    pub fn code(self) -> &'static str {
        match self {
            Level::NotYet => "not_yet",
            Level::Pass => "pass",
            Level::Fair => "fair",
            Level::Good => "good",
        }
    }

    pub fn from_code(code: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|level| level.code() == code)
    }
}

impl Translate for Level {
    fn text(&self, lang: Lang) -> &'static str {
        let text = match self {
            Level::NotYet => GradeText::LevelNotYet,
            Level::Pass => GradeText::LevelPass,
            Level::Fair => GradeText::LevelFair,
            Level::Good => GradeText::LevelGood,
        };
        text.text(lang)
    }
}

/// The result of a subject assessed by comment only (Đạt / Chưa đạt), for a semester or the year,
/// as the subject teacher records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentResult {
    /// Đạt.
    Pass,
    /// Chưa đạt.
    NotYet,
}

impl Translate for CommentResult {
    fn text(&self, lang: Lang) -> &'static str {
        match self {
            CommentResult::Pass => Level::Pass.text(lang),
            CommentResult::NotYet => Level::NotYet.text(lang),
        }
    }
}

/// One subject's result for the period assessed: an average or a comment result.
/// JSON: `{"scored": "7.5"}` or `{"comment": "pass"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectResult {
    Scored(Score),
    Comment(CommentResult),
}

/// A learning result, with how Art. 9.3 changed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearningResult {
    /// The level to record.
    pub level: Level,
    /// The level by Art. 9.2 alone.
    pub before_adjustment: Level,
    /// When Art. 9.3 raised the level: the index (in the list given) of the one subject that had
    /// pulled it down, so a screen can say which.
    pub adjusted_for_subject: Option<usize>,
}

/// The thresholds of Art. 9.2, fixed by the Circular (the subject counts are settings).
const GOOD_ALL_AT_LEAST: Score = Score::from_tenths_unchecked(65);
const GOOD_SOME_AT_LEAST: Score = Score::from_tenths_unchecked(80);
const FAIR_ALL_AT_LEAST: Score = Score::from_tenths_unchecked(50);
const FAIR_SOME_AT_LEAST: Score = Score::from_tenths_unchecked(65);
const PASS_SOME_AT_LEAST: Score = Score::from_tenths_unchecked(50);
const PASS_NONE_BELOW: Score = Score::from_tenths_unchecked(35);
/// Most comment-only subjects rated Chưa đạt that still allow Đạt.
const PASS_MAX_COMMENT_NOT_YET: usize = 1;

/// What Art. 9.2 looks at, gathered in one pass.
#[derive(Default)]
struct Tally {
    comment_not_yet: usize,
    lowest_average: Option<Score>,
    at_least_8_0: usize,
    at_least_6_5: usize,
    at_least_5_0: usize,
}

impl Tally {
    fn of<'a>(subjects: impl Iterator<Item = &'a SubjectResult>) -> Tally {
        let mut tally = Tally::default();
        for subject in subjects {
            match *subject {
                SubjectResult::Comment(CommentResult::NotYet) => tally.comment_not_yet += 1,
                SubjectResult::Comment(CommentResult::Pass) => {}
                SubjectResult::Scored(average) => {
                    tally.lowest_average = Some(
                        tally
                            .lowest_average
                            .map_or(average, |lowest| lowest.min(average)),
                    );
                    tally.at_least_8_0 += usize::from(average >= GOOD_SOME_AT_LEAST);
                    tally.at_least_6_5 += usize::from(average >= FAIR_SOME_AT_LEAST);
                    tally.at_least_5_0 += usize::from(average >= PASS_SOME_AT_LEAST);
                }
            }
        }
        tally
    }

    /// Every scored subject at or above `threshold` (true when there is none).
    fn all_at_least(&self, threshold: Score) -> bool {
        self.lowest_average.is_none_or(|lowest| lowest >= threshold)
    }

    fn level(&self, counts: &MinimumSubjectCounts) -> Level {
        let all_comments_pass = self.comment_not_yet == 0;
        if all_comments_pass
            && self.all_at_least(GOOD_ALL_AT_LEAST)
            && self.at_least_8_0 >= usize::from(counts.for_good)
        {
            Level::Good
        } else if all_comments_pass
            && self.all_at_least(FAIR_ALL_AT_LEAST)
            && self.at_least_6_5 >= usize::from(counts.for_fair)
        {
            Level::Fair
        } else if self.comment_not_yet <= PASS_MAX_COMMENT_NOT_YET
            && self.at_least_5_0 >= usize::from(counts.for_pass)
            && self.all_at_least(PASS_NONE_BELOW)
        {
            Level::Pass
        } else {
            Level::NotYet
        }
    }
}

/// The level by Art. 9.2 alone:
/// - Tốt: every comment subject Đạt; every average ≥ 6.5 and at least 6 ≥ 8.0;
/// - Khá: every comment subject Đạt; every average ≥ 5.0 and at least 6 ≥ 6.5;
/// - Đạt: at most one comment subject Chưa đạt; at least 6 averages ≥ 5.0 and none < 3.5;
/// - Chưa đạt: otherwise.
pub fn learning_level_before_adjustment(
    subjects: &[SubjectResult],
    settings: &GradingSettings,
) -> Level {
    Tally::of(subjects.iter()).level(&settings.minimum_subject_counts)
}

/// The learning result of Art. 9.2, adjusted by Art. 9.3.
///
/// Art. 9.3 (reference wording): "if a student's level falls two or more levels below what the
/// rest of the results would give, solely because of one subject, the level is raised to the next
/// level up (adjacent)" ("bị thấp xuống từ 02 mức trở lên … chỉ do kết quả đánh giá của 01 môn
/// học thì … được điều chỉnh lên mức liền kề").
///
/// Reading taken here:
/// - "what the rest of the results would give" is the Art. 9.2 level of the *other* subjects,
///   computed as if the one subject were not there (same thresholds and counts);
/// - "solely because of one subject" holds when leaving out that single subject lifts the level by
///   two or more; with two weak subjects, leaving out either still leaves the other, so no
///   adjustment;
/// - "raised to the adjacent level" is one level above the Art. 9.2 level (Đạt → Khá,
///   Chưa đạt → Đạt), whatever the rest would give; it is applied once, never repeated.
///
/// Leaving a subject out can only help when that subject breaks a threshold, so only a weak
/// subject (average below 6.5, or a comment Chưa đạt) can trigger it. The other reading, giving
/// the subject the best possible result instead of leaving it out, differs only where that best
/// result would add to a count ("at least 6 ≥ 8.0"); this one does not credit a subject with a
/// result it did not get.
pub fn learning_result(subjects: &[SubjectResult], settings: &GradingSettings) -> LearningResult {
    let counts = &settings.minimum_subject_counts;
    let before_adjustment = Tally::of(subjects.iter()).level(counts);
    let pulled_down_by = (0..subjects.len()).find(|&left_out| {
        let others = subjects
            .iter()
            .enumerate()
            .filter(|&(index, _)| index != left_out)
            .map(|(_, subject)| subject);
        Tally::of(others).level(counts).rank() >= before_adjustment.rank() + 2
    });
    LearningResult {
        level: match pulled_down_by {
            Some(_) => before_adjustment.raised(),
            None => before_adjustment,
        },
        before_adjustment,
        adjusted_for_subject: pulled_down_by,
    }
}

/// [`learning_result`] once every subject has a result; otherwise which ones are missing.
pub fn learning_result_when_ready(
    subjects: &[Option<SubjectResult>],
    settings: &GradingSettings,
) -> Computable<LearningResult> {
    let missing: Vec<Missing> = subjects
        .iter()
        .enumerate()
        .filter(|(_, result)| result.is_none())
        .map(|(subject, _)| Missing::SubjectResult { subject })
        .collect();
    if missing.is_empty() {
        let complete: Vec<SubjectResult> = subjects.iter().flatten().copied().collect();
        Computable::Ready {
            value: learning_result(&complete, settings),
        }
    } else {
        Computable::NotYet { missing }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grades::rules::s;
    use proptest::prelude::*;

    const PASS: SubjectResult = SubjectResult::Comment(CommentResult::Pass);
    const NOT_YET: SubjectResult = SubjectResult::Comment(CommentResult::NotYet);

    /// Scored subjects from their averages, then `comments`.
    fn subjects(averages: &[&str], comments: &[SubjectResult]) -> Vec<SubjectResult> {
        averages
            .iter()
            .map(|text| SubjectResult::Scored(s(text)))
            .chain(comments.iter().copied())
            .collect()
    }

    fn level(averages: &[&str], comments: &[SubjectResult]) -> Level {
        learning_level_before_adjustment(&subjects(averages, comments), &GradingSettings::default())
    }

    const FOUR_PASSES: [SubjectResult; 4] = [PASS, PASS, PASS, PASS];

    #[test]
    fn the_thresholds_of_art_9_2() {
        use Level::*;
        #[rustfmt::skip]
        let cases: [(&str, &[&str], &[SubjectResult], Level); 22] = [
            // Tốt: all ≥ 6.5 and at least 6 ≥ 8.0.
            ("6 at 8.0, rest at 6.5", &["8", "8", "8", "8", "8", "8", "6.5", "6.5", "6.5"], &FOUR_PASSES, Good),
            ("one at 6.4 breaks Tốt", &["8", "8", "8", "8", "8", "8", "6.4", "6.5", "6.5"], &FOUR_PASSES, Fair),
            ("only 5 at 8.0", &["8", "8", "8", "8", "8", "7.9", "7.9", "6.5", "6.5"], &FOUR_PASSES, Fair),
            ("6 at 8.0 with 7.9 beside", &["8", "8", "8", "8", "8", "8", "7.9", "6.5", "6.5"], &FOUR_PASSES, Good),
            ("all 10 but one comment Chưa đạt", &["10", "10", "10", "10", "10", "10", "10", "10", "10"], &[PASS, PASS, PASS, NOT_YET], Pass),
            // Khá: all ≥ 5.0 and at least 6 ≥ 6.5.
            ("6 at 6.5, rest at 5.0", &["6.5", "6.5", "6.5", "6.5", "6.5", "6.5", "5", "5", "5"], &FOUR_PASSES, Fair),
            ("one at 4.9 breaks Khá", &["6.5", "6.5", "6.5", "6.5", "6.5", "6.5", "4.9", "5", "5"], &FOUR_PASSES, Pass),
            ("only 5 at 6.5", &["6.5", "6.5", "6.5", "6.5", "6.5", "6.4", "5", "5", "5"], &FOUR_PASSES, Pass),
            ("Khá scores, one comment Chưa đạt", &["6.5", "6.5", "6.5", "6.5", "6.5", "6.5", "5", "5", "5"], &[NOT_YET, PASS, PASS, PASS], Pass),
            // Đạt: at least 6 ≥ 5.0, none < 3.5, at most one comment Chưa đạt.
            ("6 at 5.0, rest at 3.5", &["5", "5", "5", "5", "5", "5", "3.5", "3.5", "3.5"], &FOUR_PASSES, Pass),
            ("one at 3.4 breaks Đạt", &["5", "5", "5", "5", "5", "5", "3.4", "3.5", "3.5"], &FOUR_PASSES, NotYet),
            ("only 5 at 5.0", &["5", "5", "5", "5", "5", "4.9", "3.5", "3.5", "3.5"], &FOUR_PASSES, NotYet),
            ("6 at 5.0 with 4.9 beside", &["5", "5", "5", "5", "5", "5", "4.9", "3.5", "3.5"], &FOUR_PASSES, Pass),
            ("one comment Chưa đạt still Đạt", &["5", "5", "5", "5", "5", "5", "3.5", "3.5", "3.5"], &[NOT_YET, PASS, PASS, PASS], Pass),
            ("two comments Chưa đạt", &["9", "9", "9", "9", "9", "9", "9", "9", "9"], &[NOT_YET, NOT_YET, PASS, PASS], NotYet),
            // The counts are at least 6: fewer scored subjects cannot reach them.
            ("5 subjects all 10", &["10", "10", "10", "10", "10"], &FOUR_PASSES, NotYet),
            ("6 subjects all 8", &["8", "8", "8", "8", "8", "8"], &FOUR_PASSES, Good),
            ("6 subjects all 6.5", &["6.5", "6.5", "6.5", "6.5", "6.5", "6.5"], &[], Fair),
            ("6 subjects all 5", &["5", "5", "5", "5", "5", "5"], &[], Pass),
            ("nothing at all", &[], &[], NotYet),
            ("all zero", &["0", "0", "0", "0", "0", "0", "0", "0"], &FOUR_PASSES, NotYet),
            ("all ten", &["10", "10", "10", "10", "10", "10", "10", "10"], &FOUR_PASSES, Good),
        ];
        for (name, averages, comments, expected) in cases {
            assert_eq!(level(averages, comments), expected, "{name}");
        }
    }

    #[test]
    fn the_six_subject_counts_are_settings() {
        let mut settings = GradingSettings::default();
        let five_at_8 = subjects(&["8", "8", "8", "8", "8", "7", "7", "7"], &FOUR_PASSES);
        assert_eq!(
            learning_level_before_adjustment(&five_at_8, &settings),
            Level::Fair
        );
        settings.minimum_subject_counts.for_good = 5;
        assert_eq!(
            learning_level_before_adjustment(&five_at_8, &settings),
            Level::Good
        );

        let five_at_5 = subjects(&["5", "5", "5", "5", "5", "4", "4", "4"], &FOUR_PASSES);
        settings.minimum_subject_counts.for_pass = 6;
        assert_eq!(
            learning_level_before_adjustment(&five_at_5, &settings),
            Level::NotYet
        );
        settings.minimum_subject_counts.for_pass = 5;
        assert_eq!(
            learning_level_before_adjustment(&five_at_5, &settings),
            Level::Pass
        );

        let five_at_6_5 = subjects(&["6.5", "6.5", "6.5", "6.5", "6.5", "5", "5"], &[]);
        assert_eq!(
            learning_level_before_adjustment(&five_at_6_5, &settings),
            Level::Pass
        );
        settings.minimum_subject_counts.for_fair = 5;
        assert_eq!(
            learning_level_before_adjustment(&five_at_6_5, &settings),
            Level::Fair
        );
    }

    fn adjusted(averages: &[&str], comments: &[SubjectResult]) -> LearningResult {
        learning_result(&subjects(averages, comments), &GradingSettings::default())
    }

    #[test]
    fn one_subject_dragging_good_down_to_pass_is_raised_to_fair() {
        // Everything else is Tốt; one average of 4.0 (< 5.0) leaves only Đạt: two levels.
        let result = adjusted(&["9", "9", "9", "9", "9", "9", "8", "8", "4"], &FOUR_PASSES);
        assert_eq!(result.before_adjustment, Level::Pass);
        assert_eq!(result.level, Level::Fair);
        assert_eq!(result.adjusted_for_subject, Some(8));
    }

    #[test]
    fn one_comment_subject_dragging_good_down_to_pass_is_raised_to_fair() {
        let result = adjusted(
            &["9", "9", "9", "9", "9", "9", "8", "8"],
            &[PASS, NOT_YET, PASS, PASS],
        );
        assert_eq!(result.before_adjustment, Level::Pass);
        assert_eq!(result.level, Level::Fair);
        assert_eq!(result.adjusted_for_subject, Some(9));
    }

    #[test]
    fn one_subject_dragging_down_three_levels_is_raised_by_one_only() {
        // Rest Tốt; one average of 3.0 (< 3.5) gives Chưa đạt; raised to Đạt, not further.
        let result = adjusted(&["9", "9", "9", "9", "9", "9", "8", "8", "3"], &FOUR_PASSES);
        assert_eq!(result.before_adjustment, Level::NotYet);
        assert_eq!(result.level, Level::Pass);
        assert_eq!(result.adjusted_for_subject, Some(8));
    }

    #[test]
    fn one_subject_dragging_fair_down_to_not_yet_is_raised_to_pass() {
        // Rest Khá; one average of 2.0 (< 3.5) gives Chưa đạt: two levels.
        let result = adjusted(&["7", "7", "7", "7", "7", "7", "6", "6", "2"], &FOUR_PASSES);
        assert_eq!(result.before_adjustment, Level::NotYet);
        assert_eq!(result.level, Level::Pass);
        assert_eq!(result.adjusted_for_subject, Some(8));
    }

    #[test]
    fn one_subject_dragging_down_one_level_is_not_adjusted() {
        // Rest Tốt; one average of 6.0 (< 6.5 but ≥ 5.0) gives Khá: one level only.
        let result = adjusted(&["9", "9", "9", "9", "9", "9", "8", "8", "6"], &FOUR_PASSES);
        assert_eq!(result.before_adjustment, Level::Fair);
        assert_eq!(result.level, Level::Fair);
        assert_eq!(result.adjusted_for_subject, None);
        // Rest Khá; one average of 4.0 gives Đạt: one level only.
        let result = adjusted(&["7", "7", "7", "7", "7", "7", "6", "6", "4"], &FOUR_PASSES);
        assert_eq!(
            (result.level, result.adjusted_for_subject),
            (Level::Pass, None)
        );
    }

    #[test]
    fn two_weak_subjects_are_not_adjusted() {
        // Rest Tốt; two averages of 4.0: leaving either out still leaves the other (Đạt).
        let result = adjusted(&["9", "9", "9", "9", "9", "9", "8", "4", "4"], &FOUR_PASSES);
        assert_eq!(result.before_adjustment, Level::Pass);
        assert_eq!(result.level, Level::Pass);
        assert_eq!(result.adjusted_for_subject, None);
        // One weak average and one comment Chưa đạt.
        let result = adjusted(
            &["9", "9", "9", "9", "9", "9", "8", "8", "4"],
            &[NOT_YET, PASS, PASS, PASS],
        );
        assert_eq!(
            (result.level, result.adjusted_for_subject),
            (Level::Pass, None)
        );
        // Two comments Chưa đạt: Chưa đạt; leaving one out gives only Đạt, one level.
        let result = adjusted(
            &["9", "9", "9", "9", "9", "9", "9", "9"],
            &[NOT_YET, NOT_YET, PASS, PASS],
        );
        assert_eq!(
            (result.level, result.adjusted_for_subject),
            (Level::NotYet, None)
        );
    }

    #[test]
    fn a_level_already_right_is_left_alone() {
        let result = adjusted(&["9", "9", "9", "9", "9", "9", "8", "8"], &FOUR_PASSES);
        assert_eq!(
            result,
            LearningResult {
                level: Level::Good,
                before_adjustment: Level::Good,
                adjusted_for_subject: None
            }
        );
    }

    #[test]
    fn results_wait_for_every_subject() {
        let settings = GradingSettings::default();
        let partial = [Some(SubjectResult::Scored(s("8"))), None, Some(PASS), None];
        assert_eq!(
            learning_result_when_ready(&partial, &settings),
            Computable::NotYet {
                missing: vec![
                    Missing::SubjectResult { subject: 1 },
                    Missing::SubjectResult { subject: 3 }
                ]
            }
        );
        let complete: Vec<Option<SubjectResult>> = subjects(&["8"; 8], &FOUR_PASSES)
            .into_iter()
            .map(Some)
            .collect();
        assert_eq!(
            learning_result_when_ready(&complete, &settings)
                .value()
                .map(|result| result.level),
            Some(Level::Good)
        );
    }

    #[test]
    fn levels_order_and_codes() {
        assert!(
            Level::NotYet < Level::Pass && Level::Pass < Level::Fair && Level::Fair < Level::Good
        );
        for level in Level::ALL {
            assert_eq!(Level::from_code(level.code()), Some(level));
            assert_eq!(
                serde_json::to_value(level).unwrap(),
                serde_json::json!(level.code())
            );
        }
        assert_eq!(Level::Good.text(Lang::Vi), "Tốt");
        assert_eq!(Level::NotYet.text(Lang::Vi), "Chưa đạt");
        assert_eq!(CommentResult::Pass.text(Lang::Vi), "Đạt");
        assert_eq!(
            serde_json::to_value(subjects(&["7.5"], &[PASS])).unwrap(),
            serde_json::json!([{"scored": "7.5"}, {"comment": "pass"}])
        );
    }

    fn any_subject() -> impl Strategy<Value = SubjectResult> {
        prop_oneof![
            4 => (0u8..=100).prop_map(|tenths| SubjectResult::Scored(Score::from_tenths(tenths).unwrap())),
            1 => prop_oneof![Just(PASS), Just(NOT_YET)],
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn a_better_result_in_one_subject_never_lowers_the_level(
            list in prop::collection::vec(any_subject(), 1..=14),
            which in any::<prop::sample::Index>(),
            better in 0u8..=100,
        ) {
            let settings = GradingSettings::default();
            let index = which.index(list.len());
            let mut improved = list.clone();
            improved[index] = match list[index] {
                SubjectResult::Scored(average) => SubjectResult::Scored(
                    average.max(Score::from_tenths(better).unwrap()),
                ),
                SubjectResult::Comment(_) => PASS,
            };
            prop_assert!(
                learning_level_before_adjustment(&improved, &settings)
                    >= learning_level_before_adjustment(&list, &settings)
            );
        }

        #[test]
        fn the_adjustment_raises_by_one_level_at_most_and_never_to_good(
            list in prop::collection::vec(any_subject(), 0..=14),
        ) {
            let result = learning_result(&list, &GradingSettings::default());
            prop_assert_eq!(result.before_adjustment, learning_level_before_adjustment(&list, &GradingSettings::default()));
            match result.adjusted_for_subject {
                None => prop_assert_eq!(result.level, result.before_adjustment),
                Some(index) => {
                    prop_assert_eq!(result.level.rank(), result.before_adjustment.rank() + 1);
                    prop_assert!(result.level <= Level::Fair);
                    // Only a subject that breaks a threshold can pull a level down.
                    let weak = match list[index] {
                        SubjectResult::Scored(average) => average < GOOD_ALL_AT_LEAST,
                        SubjectResult::Comment(comment) => comment == CommentResult::NotYet,
                    };
                    prop_assert!(weak, "{:?}", list[index]);
                }
            }
        }
    }
}
