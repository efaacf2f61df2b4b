//! End of the school year (Art. 12–15): promotion (lên lớp), summer re-training (rèn luyện trong
//! kì nghỉ hè), re-test (kiểm tra lại) and awards (khen thưởng).
//!
//! [`year_end_decision`] is declarative: given the year results and whatever happened in the
//! summer so far, it says where the student stands. The same record, completed in the summer,
//! gives the final decision.

use serde::{Deserialize, Serialize};

use super::learning::{CommentResult, LearningResult, Level, SubjectResult, learning_result};
use super::score::Score;
use super::settings::GradingSettings;
use super::text::GradeText;
use crate::i18n::{Lang, Translate};

/// Below this year average (ĐTBmcn) a scored subject may be re-tested.
const RETEST_BELOW: Score = Score::from_tenths_unchecked(50);
/// The year average (ĐTBmcn) a subject needs to count towards "Học sinh Xuất sắc".
const EXCELLENT_SUBJECT_AT_LEAST: Score = Score::from_tenths_unchecked(90);

/// What the school knows about a student at the end of the year, and after the summer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearEndRecord {
    /// Year conduct, from [`ConductTable::year_conduct`](super::ConductTable::year_conduct).
    pub conduct: Level,
    /// Year results per subject: ĐTBmcn, or the year comment result.
    pub subjects: Vec<SubjectResult>,
    /// Absences in the year, excused or not, in the unit of
    /// [`GradingSettings::max_absences`].
    pub absences: u16,
    /// The conduct given after summer re-training, once it took place.
    #[serde(default)]
    pub summer_retraining: Option<Level>,
    /// The re-test results, once the re-test took place (a student may have sat only some of
    /// the subjects offered; those not re-tested keep their result).
    #[serde(default)]
    pub retest: Option<Vec<RetestResult>>,
}

/// A re-test result; it replaces that subject's year result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetestResult {
    /// Index in [`YearEndRecord::subjects`].
    pub subject: usize,
    /// A score for a scored subject, Đạt / Chưa đạt for a comment-only one.
    pub result: SubjectResult,
}

/// Where the student stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum YearEndStatus {
    /// Được lên lớp (or completes the programme in grade 9).
    Promoted,
    /// Year conduct Chưa đạt: summer re-training (Art. 13). `retest_may_follow` when learning is
    /// Chưa đạt too: once conduct reaches Đạt, the re-test decides.
    SummerRetraining { retest_may_follow: bool },
    /// Conduct at least Đạt, learning Chưa đạt: re-test (Art. 14) in these subjects (indices).
    Retest { subjects: Vec<usize> },
    /// Không được lên lớp.
    NotPromoted { reason: NotPromotedReason },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotPromotedReason {
    /// More absences than allowed; nothing in the summer changes that.
    TooManyAbsences,
    /// Conduct still Chưa đạt after summer re-training.
    ConductAfterRetraining,
    /// Learning still Chưa đạt after the re-test.
    LearningAfterRetest,
}

/// Art. 15 awards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Award {
    /// "Học sinh Giỏi": conduct Tốt and learning Tốt.
    Good,
    /// "Học sinh Xuất sắc": conduct Tốt, learning Tốt and at least 6 subjects with ĐTBmcn ≥ 9.0.
    Excellent,
}

/// The decision, with the results it rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearEndDecision {
    pub status: YearEndStatus,
    /// Year conduct, replaced by the summer re-training result when there was one.
    pub conduct: Level,
    /// Year learning result, computed again after a re-test.
    pub learning: LearningResult,
    /// Year subject results, with re-test results in place.
    pub subjects: Vec<SubjectResult>,
    /// From the results at the end of the school year, before any summer step (a student who
    /// needs one has conduct or learning below Tốt, so has no award anyway).
    pub award: Option<Award>,
}

/// A record that does not fit the rules (a screen should not have allowed it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error")]
pub enum YearEndError {
    /// A re-training result for a student whose year conduct was at least Đạt.
    #[serde(rename = "year_end_retraining_not_required")]
    #[error("year_end_retraining_not_required")]
    RetrainingNotRequired,
    /// Re-test results for a student not due for a re-test (learning at least Đạt, or conduct
    /// still Chưa đạt).
    #[serde(rename = "year_end_retest_not_allowed")]
    #[error("year_end_retest_not_allowed")]
    RetestNotAllowed,
    /// A re-test in a subject that is not one of those offered (or no such subject).
    #[serde(rename = "year_end_retest_subject_not_eligible")]
    #[error("year_end_retest_subject_not_eligible (subject {subject})")]
    RetestSubjectNotEligible { subject: usize },
    /// A score for a comment-only subject, or a comment for a scored one.
    #[serde(rename = "year_end_retest_kind_mismatch")]
    #[error("year_end_retest_kind_mismatch (subject {subject})")]
    RetestKindMismatch { subject: usize },
    /// Two re-test results for one subject.
    #[serde(rename = "year_end_retest_duplicate")]
    #[error("year_end_retest_duplicate (subject {subject})")]
    RetestDuplicate { subject: usize },
}

impl YearEndError {
    pub fn code(self) -> &'static str {
        match self {
            YearEndError::RetrainingNotRequired => "year_end_retraining_not_required",
            YearEndError::RetestNotAllowed => "year_end_retest_not_allowed",
            YearEndError::RetestSubjectNotEligible { .. } => "year_end_retest_subject_not_eligible",
            YearEndError::RetestKindMismatch { .. } => "year_end_retest_kind_mismatch",
            YearEndError::RetestDuplicate { .. } => "year_end_retest_duplicate",
        }
    }

    pub fn text(self) -> GradeText {
        match self {
            YearEndError::RetrainingNotRequired => GradeText::RetrainingNotRequired,
            YearEndError::RetestNotAllowed => GradeText::RetestNotAllowed,
            YearEndError::RetestSubjectNotEligible { .. } => GradeText::RetestSubjectNotEligible,
            YearEndError::RetestKindMismatch { .. } => GradeText::RetestKindMismatch,
            YearEndError::RetestDuplicate { .. } => GradeText::RetestDuplicate,
        }
    }
}

/// The subjects a re-test is offered in: comment-only subjects rated Chưa đạt and scored
/// subjects with ĐTBmcn < 5.0 (indices into `subjects`).
pub fn retest_subjects(subjects: &[SubjectResult]) -> Vec<usize> {
    subjects
        .iter()
        .enumerate()
        .filter(|(_, result)| match result {
            SubjectResult::Scored(average) => *average < RETEST_BELOW,
            SubjectResult::Comment(comment) => *comment == CommentResult::NotYet,
        })
        .map(|(index, _)| index)
        .collect()
}

/// Art. 15: "Học sinh Xuất sắc" needs conduct Tốt, learning Tốt and at least 6 (a setting)
/// subjects with ĐTBmcn ≥ 9.0; "Học sinh Giỏi" conduct Tốt and learning Tốt.
pub fn award(
    conduct: Level,
    learning: Level,
    subjects: &[SubjectResult],
    settings: &GradingSettings,
) -> Option<Award> {
    if conduct != Level::Good || learning != Level::Good {
        return None;
    }
    let at_least_9 = subjects
        .iter()
        .filter(|result| {
            matches!(result, SubjectResult::Scored(average) if *average >= EXCELLENT_SUBJECT_AT_LEAST)
        })
        .count();
    if at_least_9 >= usize::from(settings.minimum_subject_counts.for_excellent_award) {
        Some(Award::Excellent)
    } else {
        Some(Award::Good)
    }
}

/// Promotion and the summer steps, in the Circular's order:
/// 1. more absences than [`GradingSettings::max_absences`] → not promoted;
/// 2. year conduct Chưa đạt → summer re-training, whose result replaces the year conduct
///    (still Chưa đạt → not promoted);
/// 3. conduct at least Đạt but learning Chưa đạt → re-test; the re-test results replace those
///    subjects' year results and the learning result (with Art. 9.3) is computed again
///    (still Chưa đạt → not promoted);
/// 4. otherwise promoted.
pub fn year_end_decision(
    record: &YearEndRecord,
    settings: &GradingSettings,
) -> Result<YearEndDecision, YearEndError> {
    if record.summer_retraining.is_some() && record.conduct != Level::NotYet {
        return Err(YearEndError::RetrainingNotRequired);
    }
    let learning = learning_result(&record.subjects, settings);
    let year_award = award(record.conduct, learning.level, &record.subjects, settings);
    let decide = |status, conduct, learning, subjects| YearEndDecision {
        status,
        conduct,
        learning,
        subjects,
        award: year_award,
    };
    let conduct = record.summer_retraining.unwrap_or(record.conduct);

    if record.absences > settings.max_absences {
        let status = YearEndStatus::NotPromoted {
            reason: NotPromotedReason::TooManyAbsences,
        };
        return Ok(decide(status, conduct, learning, record.subjects.clone()));
    }

    if conduct == Level::NotYet {
        if record.retest.is_some() {
            return Err(YearEndError::RetestNotAllowed);
        }
        let status = match record.summer_retraining {
            None => YearEndStatus::SummerRetraining {
                retest_may_follow: learning.level == Level::NotYet,
            },
            Some(_) => YearEndStatus::NotPromoted {
                reason: NotPromotedReason::ConductAfterRetraining,
            },
        };
        return Ok(decide(status, conduct, learning, record.subjects.clone()));
    }

    if learning.level != Level::NotYet {
        if record.retest.is_some() {
            return Err(YearEndError::RetestNotAllowed);
        }
        return Ok(decide(
            YearEndStatus::Promoted,
            conduct,
            learning,
            record.subjects.clone(),
        ));
    }

    let offered = retest_subjects(&record.subjects);
    let Some(results) = &record.retest else {
        let status = YearEndStatus::Retest { subjects: offered };
        return Ok(decide(status, conduct, learning, record.subjects.clone()));
    };
    let subjects = apply_retest(&record.subjects, &offered, results)?;
    let learning = learning_result(&subjects, settings);
    let status = if learning.level == Level::NotYet {
        YearEndStatus::NotPromoted {
            reason: NotPromotedReason::LearningAfterRetest,
        }
    } else {
        YearEndStatus::Promoted
    };
    Ok(decide(status, conduct, learning, subjects))
}

/// The year results with the re-test results in place of the subjects re-tested.
fn apply_retest(
    subjects: &[SubjectResult],
    offered: &[usize],
    results: &[RetestResult],
) -> Result<Vec<SubjectResult>, YearEndError> {
    let mut replaced = subjects.to_vec();
    let mut retested = vec![false; subjects.len()];
    for &RetestResult { subject, result } in results {
        let (Some(slot), Some(done)) = (replaced.get_mut(subject), retested.get_mut(subject))
        else {
            return Err(YearEndError::RetestSubjectNotEligible { subject });
        };
        if !offered.contains(&subject) {
            return Err(YearEndError::RetestSubjectNotEligible { subject });
        }
        if *done {
            return Err(YearEndError::RetestDuplicate { subject });
        }
        let same_kind = matches!(
            (*slot, result),
            (SubjectResult::Scored(_), SubjectResult::Scored(_))
                | (SubjectResult::Comment(_), SubjectResult::Comment(_))
        );
        if !same_kind {
            return Err(YearEndError::RetestKindMismatch { subject });
        }
        *slot = result;
        *done = true;
    }
    Ok(replaced)
}

impl Translate for Award {
    fn text(&self, lang: Lang) -> &'static str {
        match self {
            Award::Good => GradeText::AwardGood.text(lang),
            Award::Excellent => GradeText::AwardExcellent.text(lang),
        }
    }
}

impl Translate for NotPromotedReason {
    fn text(&self, lang: Lang) -> &'static str {
        match self {
            NotPromotedReason::TooManyAbsences => GradeText::TooManyAbsences.text(lang),
            NotPromotedReason::ConductAfterRetraining => {
                GradeText::ConductAfterRetraining.text(lang)
            }
            NotPromotedReason::LearningAfterRetest => GradeText::LearningAfterRetest.text(lang),
        }
    }
}

impl Translate for YearEndStatus {
    fn text(&self, lang: Lang) -> &'static str {
        match self {
            YearEndStatus::Promoted => GradeText::Promoted.text(lang),
            YearEndStatus::SummerRetraining { .. } => GradeText::SummerRetraining.text(lang),
            YearEndStatus::Retest { .. } => GradeText::Retest.text(lang),
            YearEndStatus::NotPromoted { .. } => GradeText::NotPromoted.text(lang),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grades::rules::s;

    const PASS: SubjectResult = SubjectResult::Comment(CommentResult::Pass);
    const NOT_YET: SubjectResult = SubjectResult::Comment(CommentResult::NotYet);

    /// Nine scored subjects then four comment-only ones, as in grades 6–9.
    fn year_results(averages: [&str; 9], comments: [SubjectResult; 4]) -> Vec<SubjectResult> {
        averages
            .iter()
            .map(|text| SubjectResult::Scored(s(text)))
            .chain(comments)
            .collect()
    }

    fn good_learner() -> Vec<SubjectResult> {
        year_results(["9", "9", "9", "9", "9", "8", "8", "7", "7"], [PASS; 4])
    }

    fn record(conduct: Level, subjects: Vec<SubjectResult>, absences: u16) -> YearEndRecord {
        YearEndRecord {
            conduct,
            subjects,
            absences,
            summer_retraining: None,
            retest: None,
        }
    }

    fn status(record: &YearEndRecord) -> YearEndStatus {
        year_end_decision(record, &GradingSettings::default())
            .unwrap()
            .status
    }

    const PROMOTED: YearEndStatus = YearEndStatus::Promoted;

    fn not_promoted(reason: NotPromotedReason) -> YearEndStatus {
        YearEndStatus::NotPromoted { reason }
    }

    #[test]
    fn promotion_allows_45_absences_not_46() {
        assert_eq!(status(&record(Level::Pass, good_learner(), 0)), PROMOTED);
        assert_eq!(status(&record(Level::Pass, good_learner(), 45)), PROMOTED);
        assert_eq!(
            status(&record(Level::Good, good_learner(), 46)),
            not_promoted(NotPromotedReason::TooManyAbsences)
        );
        let settings = GradingSettings {
            max_absences: 50,
            ..GradingSettings::default()
        };
        let decision = year_end_decision(&record(Level::Pass, good_learner(), 46), &settings);
        assert_eq!(decision.map(|d| d.status), Ok(PROMOTED));
    }

    #[test]
    fn conduct_not_yet_means_summer_retraining_whose_result_replaces_it() {
        let mut student = record(Level::NotYet, good_learner(), 3);
        assert_eq!(
            status(&student),
            YearEndStatus::SummerRetraining {
                retest_may_follow: false
            }
        );
        student.summer_retraining = Some(Level::Pass);
        let decision = year_end_decision(&student, &GradingSettings::default()).unwrap();
        assert_eq!(decision.status, PROMOTED);
        assert_eq!(decision.conduct, Level::Pass);
        student.summer_retraining = Some(Level::NotYet);
        assert_eq!(
            status(&student),
            not_promoted(NotPromotedReason::ConductAfterRetraining)
        );
    }

    #[test]
    fn retraining_comes_before_the_retest() {
        let weak = year_results(["6", "6", "6", "6", "6", "6", "6", "3", "3"], [PASS; 4]);
        let mut student = record(Level::NotYet, weak, 0);
        assert_eq!(
            status(&student),
            YearEndStatus::SummerRetraining {
                retest_may_follow: true
            }
        );
        student.summer_retraining = Some(Level::Pass);
        assert_eq!(
            status(&student),
            YearEndStatus::Retest {
                subjects: vec![7, 8]
            }
        );
    }

    #[test]
    fn the_retest_is_offered_in_comment_subjects_not_yet_and_averages_below_5() {
        let subjects = year_results(
            ["4.9", "5", "3", "9", "9", "9", "9", "9", "0"],
            [PASS, NOT_YET, PASS, NOT_YET],
        );
        assert_eq!(retest_subjects(&subjects), vec![0, 2, 8, 10, 12]);
        assert_eq!(
            status(&record(Level::Fair, subjects, 0)),
            YearEndStatus::Retest {
                subjects: vec![0, 2, 8, 10, 12]
            }
        );
    }

    #[test]
    fn retest_results_replace_the_year_results_and_can_raise_learning() {
        // Two averages below 3.5: Chưa đạt, and Art. 9.3 does not apply (two subjects).
        let weak = year_results(["6", "6", "6", "6", "6", "6", "6", "3", "3.2"], [PASS; 4]);
        let mut student = record(Level::Fair, weak, 10);
        let before = year_end_decision(&student, &GradingSettings::default()).unwrap();
        assert_eq!(before.learning.level, Level::NotYet);
        assert_eq!(
            before.status,
            YearEndStatus::Retest {
                subjects: vec![7, 8]
            }
        );

        student.retest = Some(vec![
            RetestResult {
                subject: 7,
                result: SubjectResult::Scored(s("5.5")),
            },
            RetestResult {
                subject: 8,
                result: SubjectResult::Scored(s("4")),
            },
        ]);
        let after = year_end_decision(&student, &GradingSettings::default()).unwrap();
        assert_eq!(after.status, PROMOTED);
        assert_eq!(after.learning.level, Level::Pass);
        assert_eq!(after.subjects[7], SubjectResult::Scored(s("5.5")));
        assert_eq!(after.subjects[8], SubjectResult::Scored(s("4")));
        assert_eq!(after.conduct, Level::Fair);
    }

    #[test]
    fn a_failed_or_partial_retest_keeps_the_student_back() {
        let weak = year_results(["6", "6", "6", "6", "6", "6", "6", "3", "3.2"], [PASS; 4]);
        let mut student = record(Level::Good, weak, 0);
        // Only one of the two subjects re-tested: 3.2 remains below 3.5.
        student.retest = Some(vec![RetestResult {
            subject: 7,
            result: SubjectResult::Scored(s("8")),
        }]);
        assert_eq!(
            status(&student),
            not_promoted(NotPromotedReason::LearningAfterRetest)
        );
        // A comment subject re-tested still Chưa đạt next to another Chưa đạt.
        let comments = year_results(["7"; 9], [NOT_YET, NOT_YET, PASS, PASS]);
        let mut student = record(Level::Good, comments, 0);
        student.retest = Some(vec![
            RetestResult {
                subject: 9,
                result: NOT_YET,
            },
            RetestResult {
                subject: 10,
                result: PASS,
            },
        ]);
        // 9 Chưa đạt, 10 Đạt: one comment Chưa đạt is allowed for Đạt.
        assert_eq!(status(&student), PROMOTED);
    }

    #[test]
    fn inconsistent_records_are_refused() {
        let settings = GradingSettings::default();
        let mut fine = record(Level::Good, good_learner(), 0);
        fine.summer_retraining = Some(Level::Good);
        assert_eq!(
            year_end_decision(&fine, &settings),
            Err(YearEndError::RetrainingNotRequired)
        );
        let mut fine = record(Level::Good, good_learner(), 0);
        fine.retest = Some(vec![]);
        assert_eq!(
            year_end_decision(&fine, &settings),
            Err(YearEndError::RetestNotAllowed)
        );
        let weak = year_results(["6", "6", "6", "6", "6", "6", "6", "3", "3.2"], [PASS; 4]);
        let mut pending_conduct = record(Level::NotYet, weak.clone(), 0);
        pending_conduct.retest = Some(vec![]);
        assert_eq!(
            year_end_decision(&pending_conduct, &settings),
            Err(YearEndError::RetestNotAllowed)
        );

        let retest = |subject, result| {
            let mut student = record(Level::Pass, weak.clone(), 0);
            student.retest = Some(vec![RetestResult { subject, result }]);
            year_end_decision(&student, &settings).map(|d| d.status)
        };
        assert_eq!(
            retest(0, SubjectResult::Scored(s("9"))),
            Err(YearEndError::RetestSubjectNotEligible { subject: 0 })
        );
        assert_eq!(
            retest(99, SubjectResult::Scored(s("9"))),
            Err(YearEndError::RetestSubjectNotEligible { subject: 99 })
        );
        assert_eq!(
            retest(7, PASS),
            Err(YearEndError::RetestKindMismatch { subject: 7 })
        );
        let mut twice = record(Level::Pass, weak, 0);
        let again = RetestResult {
            subject: 7,
            result: SubjectResult::Scored(s("6")),
        };
        twice.retest = Some(vec![again, again]);
        assert_eq!(
            year_end_decision(&twice, &settings),
            Err(YearEndError::RetestDuplicate { subject: 7 })
        );
    }

    #[test]
    fn awards_need_conduct_and_learning_tot() {
        let settings = GradingSettings::default();
        let six_at_9 = year_results(["9", "9", "9", "9", "9", "9", "8", "8", "6.5"], [PASS; 4]);
        let five_at_9 = year_results(["9", "9", "9", "9", "9", "8.9", "8", "8", "6.5"], [PASS; 4]);
        let cases = [
            (Level::Good, Level::Good, &six_at_9, Some(Award::Excellent)),
            (Level::Good, Level::Good, &five_at_9, Some(Award::Good)),
            (Level::Fair, Level::Good, &six_at_9, None),
            (Level::Good, Level::Fair, &six_at_9, None),
        ];
        for (conduct, learning, subjects, expected) in cases {
            assert_eq!(
                award(conduct, learning, subjects, &settings),
                expected,
                "{conduct:?} {learning:?}"
            );
        }
        let five_suffice = GradingSettings {
            minimum_subject_counts: crate::grades::rules::MinimumSubjectCounts {
                for_excellent_award: 5,
                ..Default::default()
            },
            ..GradingSettings::default()
        };
        assert_eq!(
            award(Level::Good, Level::Good, &five_at_9, &five_suffice),
            Some(Award::Excellent)
        );

        let decision = year_end_decision(&record(Level::Good, six_at_9, 2), &settings).unwrap();
        assert_eq!(decision.learning.level, Level::Good);
        assert_eq!(decision.award, Some(Award::Excellent));
        let decision = year_end_decision(&record(Level::Fair, five_at_9, 2), &settings).unwrap();
        assert_eq!(decision.award, None);
    }

    #[test]
    fn decisions_serialise_with_stable_codes() {
        let json = serde_json::to_value(YearEndStatus::Retest { subjects: vec![2] }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "retest", "subjects": [2]})
        );
        let json = serde_json::to_value(not_promoted(NotPromotedReason::TooManyAbsences)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "not_promoted", "reason": "too_many_absences"})
        );
        let record: YearEndRecord = serde_json::from_value(serde_json::json!({
            "conduct": "good",
            "subjects": [{"scored": "8.1"}, {"comment": "pass"}],
            "absences": 3
        }))
        .unwrap();
        assert_eq!(record.summer_retraining, None);
        assert_eq!(record.retest, None);
    }

    #[test]
    fn year_end_errors_have_codes_and_both_languages() {
        let errors = [
            YearEndError::RetrainingNotRequired,
            YearEndError::RetestNotAllowed,
            YearEndError::RetestSubjectNotEligible { subject: 1 },
            YearEndError::RetestKindMismatch { subject: 1 },
            YearEndError::RetestDuplicate { subject: 1 },
        ];
        let mut codes = std::collections::HashSet::new();
        for error in errors {
            assert!(codes.insert(error.code()));
            assert!(error.to_string().starts_with(error.code()));
            assert_eq!(serde_json::to_value(error).unwrap()["error"], error.code());
            assert_ne!(error.text().text(Lang::Vi), error.text().text(Lang::En));
        }
        for status in [
            PROMOTED,
            YearEndStatus::Retest { subjects: vec![] },
            YearEndStatus::SummerRetraining {
                retest_may_follow: true,
            },
            not_promoted(NotPromotedReason::LearningAfterRetest),
        ] {
            assert_ne!(status.text(Lang::Vi), status.text(Lang::En));
        }
        assert_eq!(Award::Excellent.text(Lang::Vi), "Học sinh Xuất sắc");
        assert_eq!(Award::Good.text(Lang::Vi), "Học sinh Giỏi");
    }
}
