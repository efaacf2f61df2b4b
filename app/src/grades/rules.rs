//! The grading rules of Circular 22/2021/TT-BGDĐT (TT22) for lower-secondary schools, as a pure
//! library: every input is an argument, nothing reads a database or a clock.
//!
//! The rules follow `shared/domain/grading-tt22.md`. What that reference marks as unconfirmed is
//! a field of [`GradingSettings`] whose default is the reference's value, so a school can review
//! it and store its own choice as JSON.
//!
//! - [`Score`]: a mark on the 10-point scale with at most one decimal (entered or averaged).
//! - [`semester_subject_average`] (ĐTBmhk) and [`year_subject_average`] (ĐTBmcn), exact
//!   decimals rounded half-up; a missing score gives [`Computable::NotYet`], never a zero.
//! - [`learning_result`]: Art. 9.2 levels with the Art. 9.3 adjustment.
//! - [`ConductTable`]: year conduct (rèn luyện) from the two semesters.
//! - [`year_end_decision`]: promotion, summer re-training, re-test and awards.
//!
//! Texts for every level, status and error code are in [`GradeText`], in Vietnamese and English.
//!
//! Choices where the reference is silent or loose (each to confirm against the Circular):
//! - "35 periods/year → 2" is read as "up to 35" ([`RegularAssessmentBands`]).
//! - A semester average needs every planned ĐĐGtx, the ĐĐGgk and the ĐĐGck by default
//!   ([`RegularScoresRequired`]); ĐĐGtx beyond the plan all count.
//! - The year average uses the rounded semester averages; this matters (7.625 and 8.25 give
//!   8.1 from 7.6 and 8.3, but 8.0 unrounded).
//! - A comment-only subject's semester and year results are inputs ([`CommentResult`]): the
//!   reference does not say how they follow from the comments.
//! - The absence limit counts in whatever unit attendance records; the reference says "school
//!   days" (the Circular's word "buổi" may mean half-day sessions).
//! - Art. 9.3 is read as "leave the one subject out" (see [`learning_result`]).

mod average;
mod conduct;
mod learning;
mod score;
mod settings;
mod text;
mod year_end;

pub use average::{
    Computable, Missing, Semester, SemesterScores, semester_mean, semester_subject_average,
    year_mean, year_subject_average,
};
pub use conduct::{ConductRule, ConductTable, ConductTableError};
pub use learning::{
    CommentResult, LearningResult, Level, SubjectResult, learning_level_before_adjustment,
    learning_result, learning_result_when_ready,
};
pub use score::{Score, ScoreError};
pub use settings::{
    AverageRounding, GradingSettings, MinimumSubjectCounts, RegularAssessmentBands,
    RegularScoresRequired, SettingsError, SubjectConfig,
};
pub use text::GradeText;
pub use year_end::{
    Award, NotPromotedReason, RetestResult, YearEndDecision, YearEndError, YearEndRecord,
    YearEndStatus, award, retest_subjects, year_end_decision,
};

/// Test shorthand: a score from its usual written form.
#[cfg(test)]
pub(crate) fn s(text: &str) -> Score {
    Score::parse(text).unwrap()
}
